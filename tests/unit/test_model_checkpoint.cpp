#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "data/h5.h"
#include "data/seal.h"
#include "util/fsutil.h"
#include "model/charrnn.h"
#include "sample/sampler.h"
#include "train/checkpoint.h"
#include "helpers.h"
#include "util/status.h"

using namespace charnn;

namespace {
Vocab small_vocab() {
  std::vector<uint32_t> v;
  for (char c = 'a'; c <= 'z'; ++c) v.push_back(c);
  v.push_back(' ');
  v.push_back('\n');
  return Vocab::make(Encoding::Utf8, v, {});
}

// Greedy decoding through the LibTorch module, one step at a time.
std::string greedy_with_module(CharRNN& m, const Vocab& v, const std::string& prime, int n) {
  torch::NoGradGuard ng;
  RnnState st = m->zero_state(1, torch::kCPU);
  torch::Tensor logits;
  std::string out = prime;
  auto step = [&](int64_t id) {
    auto r = m->forward(torch::full({1, 1}, id, torch::kLong), st);
    logits = r.first;
    st = r.second;
  };
  for (char ch : prime) step(v.id_of(ch));
  for (int i = 0; i < n; ++i) {
    int64_t id = logits.reshape({-1}).argmax().item<int64_t>();
    out += v.text(id);
    step(id);
  }
  return out;
}
}  // namespace

class SamplerMatchesModule : public ::testing::TestWithParam<std::string> {};

TEST_P(SamplerMatchesModule, GreedyTextIsIdentical) {
  Vocab v = small_vocab();
  torch::manual_seed(7);
  CharRNN m(ModelSpec{parse_choice<CellType>(GetParam(), "test"), static_cast<int64_t>(v.size()), 16, 24, 2, 0.0});
  {  // larger weights so the argmax path is not trivially constant
    torch::NoGradGuard ng;
    for (auto& p : m->parameters()) p.mul_(3.0);
  }
  m->eval();
  Sampler s(*m, v);
  SampleOptions o;
  o.argmax = true;
  o.primetext = "the cat";
  o.length = 60;
  EXPECT_EQ(s.generate(o), greedy_with_module(m, v, "the cat", 60));
}
INSTANTIATE_TEST_SUITE_P(Cells, SamplerMatchesModule, ::testing::Values("lstm", "gru", "rnn"));

// init: pytorch keeps LibTorch's init; charrnn changes only the forget-gate
// bias (bias_ih slice 1, bias_hh slice 0), and neither draws random numbers,
// so the two schemes start from the same weights everywhere else.
TEST(Model, InitSchemesDifferOnlyInTheForgetGateBias) {
  torch::manual_seed(7);
  CharRNN a(ModelSpec{CellType::Lstm, 10, 8, 6, 2, 0.0});
  a->apply_init(InitScheme::PyTorch);
  torch::manual_seed(7);
  CharRNN b(ModelSpec{CellType::Lstm, 10, 8, 6, 2, 0.0});
  b->apply_init(InitScheme::CharRnn);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (int l = 0; l < 2; ++l) {
    auto sum_b = pb[cat("rnn.bias_ih_l", l)] + pb[cat("rnn.bias_hh_l", l)];
    EXPECT_TRUE(torch::all(sum_b.narrow(0, 6, 6) == 1).item<bool>());
    auto sum_a = pa[cat("rnn.bias_ih_l", l)] + pa[cat("rnn.bias_hh_l", l)];
    EXPECT_FALSE(torch::all(sum_a.narrow(0, 6, 6) == 1).item<bool>());  // LibTorch's uniform draw
  }
  for (auto& p : pa) {
    if (p.key().rfind("rnn.bias", 0) == 0) {
      // input, cell and output gate slices are the same draw
      EXPECT_TRUE(torch::equal(p.value().narrow(0, 0, 6), pb[p.key()].narrow(0, 0, 6))) << p.key();
      EXPECT_TRUE(torch::equal(p.value().narrow(0, 12, 12), pb[p.key()].narrow(0, 12, 12))) << p.key();
    } else {
      EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
    }
  }
  // GRU and RNN have no forget gate: charrnn leaves them as built.
  torch::manual_seed(7);
  CharRNN g1(ModelSpec{CellType::Gru, 10, 8, 6, 1, 0.0});
  torch::manual_seed(7);
  CharRNN g2(ModelSpec{CellType::Gru, 10, 8, 6, 1, 0.0});
  g2->apply_init(InitScheme::CharRnn);
  for (auto& p : g1->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), g2->named_parameters()[p.key()]));
}

TEST(Sampler, UnknownPrimetextIsListedOrSkipped) {
  Vocab v = small_vocab();
  CharRNN m(ModelSpec{CellType::Lstm, static_cast<int64_t>(v.size()), 8, 8, 1, 0.0});
  Sampler s(*m, v);
  SampleOptions o;
  o.primetext = "Hello, wörld";
  o.length = 5;
  try {
    s.generate(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const char* t : {" H ", " , ", " \xC3\xB6 "}) EXPECT_NE(msg.find(t), std::string::npos) << msg;
  }
  o.skip_unknown = true;
  EXPECT_EQ(s.generate(o).substr(0, 9), "ello wrld");
  o.temperature = 0;
  EXPECT_THROW(s.generate(o), Error);
}

// A model whose distributions are far from uniform (larger weights), so that
// top-p nuclei are small and argmax is not trivially constant.
CharRNN peaked_model(const Vocab& v, CellType cell) {
  torch::manual_seed(11);
  CharRNN m(ModelSpec{cell, static_cast<int64_t>(v.size()), 16, 24, 2, 0.0});
  torch::NoGradGuard ng;
  for (auto& p : m->parameters()) p.mul_(3.0);
  m->eval();
  return m;
}

// The LibTorch module's logits (double, [V]) after each of `ids`, fed one at a time.
std::vector<torch::Tensor> module_logits(CharRNN& m, const std::vector<int64_t>& ids) {
  torch::NoGradGuard ng;
  RnnState st = m->zero_state(1, torch::kCPU);
  std::vector<torch::Tensor> out;
  for (int64_t id : ids) {
    auto r = m->forward(torch::full({1, 1}, id, torch::kLong), st);
    st = r.second;
    out.push_back(r.first.reshape({-1}).to(torch::kDouble));
  }
  return out;
}

std::vector<int64_t> ids_of(const Vocab& v, const std::string& text) {
  std::vector<int64_t> ids;
  for (char ch : text) ids.push_back(v.id_of(static_cast<unsigned char>(ch)));
  return ids;
}

TEST(Sampler, TopPNearZeroIsArgmaxAndOneIsOff) {
  Vocab v = small_vocab();
  CharRNN m = peaked_model(v, CellType::Lstm);
  Sampler s(*m, v);
  SampleOptions o;
  o.primetext = "the cat";
  o.length = 200;
  o.seed = 4;
  SampleOptions greedy = o;
  greedy.argmax = true;
  SampleOptions tiny = o;
  tiny.top_p = 1e-9;  // the nucleus is the most likely character alone
  EXPECT_EQ(s.generate(tiny), s.generate(greedy));
  const std::string plain = s.generate(o);
  EXPECT_NE(plain, s.generate(greedy));  // the test can tell sampling from argmax
  SampleOptions one = o;
  one.top_p = 1.0;
  EXPECT_EQ(s.generate(one), plain);
  o.top_k = 5, one.top_k = 5;
  EXPECT_EQ(s.generate(one), s.generate(o));
  for (double bad : {0.0, -0.5, 1.5, std::nan("")}) {
    o.top_p = bad;
    EXPECT_NE(test::error_of([&] { s.generate(o); }).find("--top-p"), std::string::npos) << bad;
  }
}

// Every character drawn with top-p lies in the nucleus computed from the
// module's own probabilities (tempered, after top-k), whatever the seed.
TEST(Sampler, TopPDrawsOnlyFromTheNucleus) {
  Vocab v = small_vocab();
  CharRNN m = peaked_model(v, CellType::Gru);
  Sampler s(*m, v);
  const std::string prime = "the ";
  for (auto [top_p, top_k] : {std::pair{0.5, 0}, std::pair{0.8, 4}}) {
    int64_t small_nuclei = 0, draws = 0;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      SampleOptions o;
      o.primetext = prime, o.length = 150, o.seed = seed, o.temperature = 0.8, o.top_p = top_p, o.top_k = top_k;
      const std::vector<int64_t> ids = ids_of(v, s.generate(o));
      const std::vector<torch::Tensor> logits = module_logits(m, ids);
      for (size_t i = prime.size(); i < ids.size(); ++i, ++draws) {
        torch::Tensor z = logits[i - 1] / o.temperature;
        if (top_k > 0) z = torch::where(z >= std::get<0>(z.topk(top_k)).min(), z, torch::full_like(z, -INFINITY));
        torch::Tensor p = torch::softmax(z, 0);
        torch::Tensor order = std::get<1>(p.sort(0, /*descending=*/true));
        // A character is in the nucleus while the mass before it is < top_p;
        // the slack covers the float differences between sampler and module.
        double before = 0;
        bool inside = false;
        int64_t size = 0;
        for (int64_t r = 0; r < order.size(0) && before < top_p + 1e-5; ++r, ++size) {
          const int64_t id = order[r].item<int64_t>();
          inside = inside || id == ids[i];
          before += p[id].item<double>();
        }
        EXPECT_TRUE(inside) << "top_p " << top_p << " seed " << seed << " position " << i;
        small_nuclei += size <= 3;
      }
    }
    EXPECT_GT(small_nuclei, draws / 4) << "nuclei too wide to test anything (top_p " << top_p << ")";
  }
}

// mean_logprob is the module's own log-probability (temperature 1, no
// truncation) of each generated character, averaged; the primetext is context.
class SamplerScoring : public ::testing::TestWithParam<std::string> {};

TEST_P(SamplerScoring, MeanLogprobIsTheModulesLogSoftmax) {
  Vocab v = small_vocab();
  CharRNN m = peaked_model(v, parse_choice<CellType>(GetParam(), "test"));
  Sampler s(*m, v);
  for (const std::string prime : {"the cat", ""}) {  // no primetext: the model starts after a newline
    SampleOptions o;
    o.primetext = prime, o.length = 120, o.seed = 9, o.temperature = 0.6, o.top_k = 6, o.top_p = 0.9;
    SampleStats st;
    const std::string text = s.generate(o, nullptr, &st);
    EXPECT_EQ(text, s.generate(o)) << "scoring changed the text";
    std::vector<int64_t> ids = ids_of(v, (prime.empty() ? "\n" : "") + text);
    const size_t first = prime.empty() ? 1 : prime.size();
    const std::vector<torch::Tensor> logits = module_logits(m, ids);
    double sum = 0;
    for (size_t i = first; i < ids.size(); ++i) sum += torch::log_softmax(logits[i - 1], 0)[ids[i]].item<double>();
    ASSERT_EQ(st.scored, o.length);
    EXPECT_NEAR(st.mean_logprob(), sum / o.length, 1e-4) << "primetext '" << prime << "'";
    EXPECT_LT(st.mean_logprob(), 0);
  }
  SampleOptions none;
  none.length = 0;
  SampleStats st;
  s.generate(none, nullptr, &st);
  EXPECT_EQ(st.scored, 0);
  EXPECT_TRUE(std::isnan(st.mean_logprob()));
}
INSTANTIATE_TEST_SUITE_P(SamplerCells, SamplerScoring, ::testing::Values("lstm", "gru", "rnn"));

struct CheckpointFiles : ::testing::Test {
  std::string dir;
  void SetUp() override {
    char tmpl[] = "/tmp/charnn-ckpt-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { remove_tree(dir); }
  Checkpoint make() {
    Checkpoint ck;
    ck.vocab = small_vocab();
    ck.spec = ModelSpec{CellType::Gru, static_cast<int64_t>(ck.vocab.size()), 8, 12, 2, 0.0};
    ck.config.model = CellType::Gru;
    ck.config_yaml = to_yaml(ck.config);
    CharRNN m(ck.spec);
    for (auto& p : m->named_parameters()) {
      ck.param_names.push_back(p.key());
      ck.params.push_back(p.value().detach().clone());
    }
    ck.val_loss = 1.234;
    ck.progress.iter = 42;
    ck.progress.history.val_iter = {10, 42};
    ck.progress.history.val_loss = {2.0, 1.234};
    ck.hidden_h = torch::randn({4, 2, 12});
    ck.streams_per_rank = 4;
    ck.rng_states = {1, 2, 3};
    ck.progress.run_id = "0123456789abcdef";
    return ck;
  }
};

TEST_F(CheckpointFiles, RoundTripIsExact) {
  Checkpoint a = make();
  a.progress.stale_evals = 1, a.progress.patience_best = 2.0, a.progress.next_rung = 2;
  std::string path = dir + "/" + checkpoint_file_name("gru", 0.951, 1.23456);
  EXPECT_EQ(std::filesystem::path(path).filename(), "lm_gru_epoch0.95_1.2346.h5");
  save_checkpoint(path, a);
  Checkpoint b = load_checkpoint(path);
  ASSERT_EQ(b.params.size(), a.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) EXPECT_TRUE(torch::equal(a.params[i], b.params[i])) << a.param_names[i];
  EXPECT_TRUE(torch::equal(a.hidden_h, b.hidden_h));
  EXPECT_EQ(b.progress.iter, 42);
  EXPECT_EQ(b.progress.history.val_loss, a.progress.history.val_loss);
  EXPECT_EQ(b.rng_states, a.rng_states);
  // Early stopping and ASHA resume where they stood (train/stopping.h).
  EXPECT_EQ(b.progress.stale_evals, a.progress.stale_evals);
  EXPECT_EQ(b.progress.patience_best, a.progress.patience_best);
  EXPECT_EQ(b.progress.next_rung, 2);
  EXPECT_EQ(b.spec.type, CellType::Gru);
  EXPECT_FALSE(b.has_optimizer);  // make() writes weights only
  EXPECT_TRUE(b.vocab == a.vocab);
  for (auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
}

TEST_F(CheckpointFiles, TruncatedForeignAndGarbageFilesAreClearErrors) {
  std::string good = dir + "/good.h5";
  save_checkpoint(good, make());
  auto size = std::filesystem::file_size(good);
  for (auto cut : {size / 2, size - 100, uint64_t(100)}) {
    std::string bad = dir + "/cut.h5";
    std::filesystem::copy_file(good, bad, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(bad, cut);
    try {
      load_checkpoint(bad);
      FAIL() << "truncated to " << cut << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(bad, 0), 0u) << e.what();
    }
  }
  std::ofstream(dir + "/text.h5") << "hello";
  EXPECT_THROW(load_checkpoint(dir + "/text.h5"), Error);
}

// The cell and optimizer names in a file are parsed as it is read: the enums
// round-trip, and an unknown name is the options' one-line choice error,
// naming the file.
TEST_F(CheckpointFiles, CellAndOptimizerNamesRoundTripAndUnknownOnesAreClearErrors) {
  Checkpoint a = make();
  a.has_optimizer = true;
  a.optimizer.type = Optimizer::RmsProp;
  a.optimizer.step = 3;
  a.optimizer.v = torch::ones({parameter_count(a.spec)});
  const std::string path = dir + "/ck.h5";
  save_checkpoint(path, a);
  Checkpoint b = load_checkpoint(path);
  EXPECT_EQ(b.spec.type, CellType::Gru);
  ASSERT_TRUE(b.has_optimizer);
  EXPECT_EQ(b.optimizer.type, Optimizer::RmsProp);
  EXPECT_EQ(b.optimizer.step, 3);
  auto rewrite = [&](const char* group, const char* value) {
    save_checkpoint(path, a);
    {
      h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
      ASSERT_GE(f.id(), 0);
      h5::Handle g = h5::open_group(f, group);
      h5::set_attr(g, "type", std::string(value));
    }
    h5::seal_file(path);  // an edit changes the metadata: sealed again, it reaches the value checks
  };
  auto error_loading = [&] { return test::error_of([&] { load_checkpoint(path); }); };
  rewrite("model", "transformer");
  EXPECT_EQ(error_loading(), path + ": model = 'transformer': expected one of lstm | gru | rnn");
  rewrite("optimizer", "adagrad");
  EXPECT_EQ(error_loading(), path + ": optimizer = 'adagrad': expected one of adam | adamw | rmsprop | sgd");
}

// Every value a checkpoint holds is checked where it is read: a file written
// by charnn's own writer (so sealed) with a wrong value in it is refused with
// the dataset or attribute named, before any of it is used.
TEST_F(CheckpointFiles, ValuesAreValidatedWhereTheyAreRead) {
  const std::string path = dir + "/ck.h5";
  auto error_with = [&](const std::function<void(Checkpoint&)>& spoil) {
    Checkpoint a = make();
    a.has_optimizer = true;
    a.optimizer.type = Optimizer::Adam;
    a.optimizer.m = torch::zeros({parameter_count(a.spec)});
    a.optimizer.v = torch::zeros({parameter_count(a.spec)});
    spoil(a);
    save_checkpoint(path, a);
    return test::error_of([&] { load_checkpoint(path); });
  };
  EXPECT_EQ(error_with([](Checkpoint&) {}), "");
  // The silent-broadcast case: a 1-element moment would have been copied over every parameter.
  EXPECT_EQ(error_with([](Checkpoint& a) { a.optimizer.m = torch::ones({1}); }),
            path + ": optimizer/m has shape [1], expected [" + std::to_string(parameter_count(make().spec)) + "]");
  EXPECT_NE(error_with([](Checkpoint& a) { a.optimizer.m[3] = NAN; }).find("optimizer/m holds NaN or Inf"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.optimizer.v[0] = -1; }).find("optimizer/v holds negative"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.optimizer.v = torch::Tensor(); }).find("optimizer/v is missing"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.spec.num_layers = 0; }).find("model/num_layers = 0: out of range"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.spec.num_layers = -3; }).find("model/num_layers = -3"),
            std::string::npos);
  // Huge sizes are refused from the file's size, before a model is built.
  EXPECT_NE(error_with([](Checkpoint& a) { a.spec.rnn_size = 1 << 19; }).find("more than the file holds"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.params[0][0][0] = INFINITY; }).find("model/embedding.weight holds NaN"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.hidden_h = torch::zeros({3, 2, 12}); }).find("state/hidden_h has shape"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.hidden_c = torch::zeros({4, 2, 12}); }).find("gru has no cell state"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.world_size = 2; }).find("state/rng holds 3 bytes"), std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.progress.iter = -1; }).find("state/iteration = -1"), std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.val_loss = NAN; }).find("val_loss = nan: expected a finite number"),
            std::string::npos);
  EXPECT_NE(error_with([](Checkpoint& a) { a.progress.history.val_loss.pop_back(); }).find("differ in length"),
            std::string::npos);
}

TEST(Model, ParameterCountMatchesTheBuiltModel) {
  for (CellType t : {CellType::Lstm, CellType::Gru, CellType::Rnn}) {
    ModelSpec s{t, 37, 9, 13, 3, 0.0};
    CharRNN m(s);
    int64_t n = 0;
    for (const auto& p : m->parameters()) n += p.numel();
    EXPECT_EQ(parameter_count(s), n) << to_string(t);
  }
}

// The seal (data/seal.h): metadata is checked before HDF5 parses it; the raw
// numbers of contiguous datasets may change in place (and are then validated).
TEST_F(CheckpointFiles, SealRefusesChangedStructureButLetsValuesReachTheirChecks) {
  const std::string path = dir + "/ck.h5";
  save_checkpoint(path, make());
  const std::string good = read_file(path);
  auto with_bytes = [&](const std::string& bytes) {
    write_file_atomic(path, bytes);
    return test::error_of([&] { load_checkpoint(path); });
  };
  EXPECT_EQ(with_bytes(good), "");
  EXPECT_NE(with_bytes(good.substr(0, good.size() - 100)).find("truncated or extended"), std::string::npos);
  EXPECT_NE(with_bytes(good + "x").find("truncated or extended"), std::string::npos);
  std::string no_seal = good;
  no_seal[0] = 'X';
  EXPECT_NE(with_bytes(no_seal).find("no integrity seal"), std::string::npos);
  // Flip one byte of every 64 after the user block: each is metadata (refused
  // by the digest) or a raw number (accepted by the seal, then checked).
  int refused = 0, accepted = 0;
  for (size_t at = h5::kSealBytes; at < good.size(); at += 64) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    const std::string err = with_bytes(bad);
    if (err.find("do not match the integrity seal") != std::string::npos) ++refused;
    else ++accepted;
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(accepted, 0);  // the weights' bytes: a flipped weight is a different, finite weight, or NaN (refused)
}

TEST(CheckpointName, FormatsAndParsesCharRnnNames) {
  EXPECT_EQ(checkpoint_file_name("lstm", 0.951, 2.06812), "lm_lstm_epoch0.95_2.0681.h5");
  double e = 0, l = 0;
  EXPECT_TRUE(parse_checkpoint_file_name("lm_my_epoch_run_epoch12.50_1.2345.h5", "my_epoch_run", &e, &l));
  EXPECT_DOUBLE_EQ(e, 12.5);
  EXPECT_DOUBLE_EQ(l, 1.2345);
  EXPECT_TRUE(parse_checkpoint_file_name("lm_gru_epoch1.00_3.0000.h5", "", &e, &l));
  EXPECT_FALSE(parse_checkpoint_file_name("lm_gru_epoch1.00_3.0000.h5", "lstm", &e, &l));
  EXPECT_FALSE(parse_checkpoint_file_name("lm_gru_epoch1.00_3.0000.h5", "gr", &e, &l));
  EXPECT_FALSE(parse_checkpoint_file_name(".lm_gru_epoch1.00_3.0000.h5.tmp.12", "", &e, &l));
  EXPECT_FALSE(parse_checkpoint_file_name("lm_gru_epochX_3.0.h5", "", &e, &l));
  EXPECT_FALSE(parse_checkpoint_file_name("latest", "", &e, &l));
  // Large numbers were printed into a fixed buffer and lost their ".h5".
  const std::string long_name = checkpoint_file_name("lstm", 1e100, 2.0);
  EXPECT_EQ(long_name.substr(long_name.size() - 10), "_2.0000.h5");
  EXPECT_TRUE(parse_checkpoint_file_name(long_name, "lstm", &e, &l));
  EXPECT_DOUBLE_EQ(e, 1e100);
}

TEST_F(CheckpointFiles, RetentionKeepsNewestAndBestAndLinksLatest) {
  Checkpoint ck = make();
  double losses[] = {2.0, 1.5, 1.7, 1.8, 1.9};
  for (int i = 0; i < 5; ++i) {
    ck.progress.iter = 100 * (i + 1);
    save_checkpoint(dir + "/" + checkpoint_file_name("gru", 0.5 * (i + 1), losses[i]), ck);
  }
  std::string best = apply_retention(dir, "gru", ck.progress.run_id, 2, 1);
  EXPECT_EQ(std::filesystem::path(best).filename(), "lm_gru_epoch1.00_1.5000.h5");
  std::vector<std::string> left;
  for (auto& e : std::filesystem::directory_iterator(dir)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"latest", "lm_gru_epoch1.00_1.5000.h5", "lm_gru_epoch2.00_1.8000.h5",
                                            "lm_gru_epoch2.50_1.9000.h5"}));
  EXPECT_EQ(std::filesystem::path(latest_checkpoint(dir)).filename(), "lm_gru_epoch2.50_1.9000.h5");
}

TEST_F(CheckpointFiles, NewestIsByIterationEvenWhenNamesShareAnEpoch) {
  Checkpoint ck = make();
  double losses[] = {3.0, 2.9, 2.8, 2.85};  // all saved within epoch 0.00
  for (int i = 0; i < 4; ++i) {
    ck.progress.iter = 10 * (i + 1);
    save_checkpoint(dir + "/" + checkpoint_file_name("gru", 0.001 * i, losses[i]), ck);
  }
  apply_retention(dir, "gru", ck.progress.run_id, 1, 1);
  EXPECT_EQ(std::filesystem::path(latest_checkpoint(dir)).filename(), "lm_gru_epoch0.00_2.8500.h5");
  EXPECT_TRUE(std::filesystem::exists(dir + "/lm_gru_epoch0.00_2.8000.h5"));  // best kept
  EXPECT_FALSE(std::filesystem::exists(dir + "/lm_gru_epoch0.00_2.9000.h5"));
}

TEST_F(CheckpointFiles, TrainLossHistoryIsBoundedToTheNewestEntries) {
  // One entry per update would grow every checkpoint of a long run without bound.
  Checkpoint a = make();
  for (int64_t i = 1; i <= 25000; ++i) {
    a.progress.history.train_iter.push_back(i);
    a.progress.history.train_loss.push_back(1.0 / static_cast<double>(i));
  }
  std::string path = dir + "/long.h5";
  save_checkpoint(path, a);
  Checkpoint b = load_checkpoint(path);
  const auto& h = b.progress.history;
  ASSERT_EQ(h.train_iter.size(), 10000u);
  ASSERT_EQ(h.train_loss.size(), 10000u);
  EXPECT_EQ(h.train_iter.front(), 15001);
  EXPECT_EQ(h.train_iter.back(), 25000);
  EXPECT_EQ(h.train_loss.back(), 1.0 / 25000.0);
  EXPECT_EQ(h.val_loss, a.progress.history.val_loss);  // one per validation pass: kept whole
}

TEST(History, TrainLossesInMemoryStayBounded) {
  History h;
  for (int64_t i = 1; i <= 5 * static_cast<int64_t>(kTrainHistoryKept); ++i) {
    h.add_train(i, 0.5);
    ASSERT_LT(h.train_iter.size(), 2 * kTrainHistoryKept);
    ASSERT_EQ(h.train_loss.size(), h.train_iter.size());
  }
  EXPECT_GE(h.train_iter.size(), kTrainHistoryKept);
  EXPECT_EQ(h.train_iter.back(), 5 * static_cast<int64_t>(kTrainHistoryKept));
}
