// init_from across vocabularies (train/vocab_remap.h) on real LibTorch models:
// a small model of tiny-shakespeare text, fine-tuned on a text with characters
// it has not seen, predicts the text it knows as before at iteration 0 and
// learns the new text faster than the same model from scratch. LSTM, GRU, RNN.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "data/vocab.h"
#include "model/charrnn.h"
#include "train/checkpoint.h"
#include "train/vocab_remap.h"
#include "util/status.h"

using namespace charnn;

namespace {

std::string shakespeare(size_t from, size_t n) {
  std::ifstream in(CHARNN_TEST_SHAKESPEARE);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  if (all.size() < from + n) throw std::runtime_error("tiny-shakespeare not found at " CHARNN_TEST_SHAKESPEARE);
  return all.substr(from, n);
}

// The fine-tuning text: Shakespeare written as a quoted mail with marked
// exclamations, so '>' and '~' (not in tiny-shakespeare) are new and frequent.
std::string quoted(const std::string& s) {
  std::string out = "> ";
  for (char c : s) {
    out += c;
    if (c == '\n') out += "> ";
    if (c == '!') out += '~';
  }
  return out;
}

Vocab vocab_of(const std::string& text) {
  std::vector<uint64_t> counts(0x110000, 0);
  for (unsigned char c : text) ++counts[c];
  return Vocab::from_counts(counts, Encoding::Utf8);
}

torch::Tensor ids_of(const Vocab& v, const std::string& text) {
  std::vector<int64_t> ids;
  for (unsigned char c : text) ids.push_back(v.id_of(c));
  return torch::tensor(ids, torch::kLong);
}

ModelSpec spec_for(CellType type, const Vocab& v) {
  return ModelSpec{type, static_cast<int64_t>(v.size()), 16, 32, 2, 0.0};
}

// Mean loss (nats/char) over consecutive windows of `ids`, from the zero state each.
double loss_on(CharRNN& m, const torch::Tensor& ids) {
  torch::NoGradGuard ng;
  m->eval();
  const int64_t T = 64, n = (ids.numel() - 1) / T;
  torch::Tensor x = ids.narrow(0, 0, n * T).view({n, T}), y = ids.narrow(0, 1, n * T).view({n, T});
  auto out = m->forward(x, m->zero_state(n, torch::kCPU)).first;
  return torch::nn::functional::cross_entropy(out.reshape({-1, out.size(2)}), y.reshape({-1})).item<double>();
}

// `iters` Adam updates on random windows of `ids` (a fixed seed: the same windows for every model).
void train(CharRNN& m, const torch::Tensor& ids, int iters) {
  m->train();
  torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(1e-2));
  std::mt19937 rng(7);
  const int64_t B = 16, T = 32;
  std::uniform_int_distribution<int64_t> start(0, ids.numel() - T - 2);
  for (int it = 0; it < iters; ++it) {
    std::vector<torch::Tensor> xs, ys;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t s = start(rng);
      xs.push_back(ids.narrow(0, s, T)), ys.push_back(ids.narrow(0, s + 1, T));
    }
    auto out = m->forward(torch::stack(xs), m->zero_state(B, torch::kCPU)).first;
    auto loss = torch::nn::functional::cross_entropy(out.reshape({-1, out.size(2)}), torch::stack(ys).reshape({-1}));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
}

Checkpoint checkpoint_of(CharRNN& m, const Vocab& v) {
  Checkpoint ck;
  ck.vocab = v;
  ck.spec = m->spec();
  for (auto& p : m->named_parameters()) {
    ck.param_names.push_back(p.key());
    ck.params.push_back(p.value().detach().clone());
  }
  return ck;
}

class FineTune : public ::testing::TestWithParam<CellType> {};

TEST_P(FineTune, KeepsWhatItKnowsAndLearnsFasterThanFromScratch) {
  const std::string base_text = shakespeare(0, 60000), held_out = shakespeare(60000, 6000);
  const std::string new_text = quoted(shakespeare(70000, 60000)), new_held_out = quoted(shakespeare(130000, 6000));
  const Vocab base_vocab = vocab_of(base_text);
  std::vector<uint64_t> counts(0x110000, 0);
  for (unsigned char c : new_text + new_held_out) ++counts[c];
  const Vocab new_vocab = vocab_following(base_vocab, counts);  // what preprocess --vocab-from writes
  ASSERT_GE(new_vocab.size(), base_vocab.size() + 2);

  torch::manual_seed(1);
  CharRNN base(spec_for(GetParam(), base_vocab));
  train(base, ids_of(base_vocab, base_text), 150);

  // Iteration 0: the same loss on text of characters both vocabularies have.
  std::string shared;
  for (unsigned char c : held_out)
    if (base_vocab.id_of(c) >= 0) shared += static_cast<char>(c);
  torch::manual_seed(2);
  CharRNN tuned(spec_for(GetParam(), new_vocab));
  load_weights_onto_vocab(*tuned, checkpoint_of(base, base_vocab), new_vocab, InitScheme::PyTorch, "base");
  const double before = loss_on(base, ids_of(base_vocab, shared)), after = loss_on(tuned, ids_of(new_vocab, shared));
  std::printf("%s: loss on shared text %.6f (base) vs %.6f (fine-tuned, iteration 0): |diff| %.2e\n",
              to_string(GetParam()).c_str(), before, after, std::fabs(after - before));
  EXPECT_NEAR(after, before, 1e-4);

  // N iterations: better than the same model from scratch.
  const int N = 60;
  torch::manual_seed(2);
  CharRNN scratch(spec_for(GetParam(), new_vocab));
  const torch::Tensor train_ids = ids_of(new_vocab, new_text), val_ids = ids_of(new_vocab, new_held_out);
  train(tuned, train_ids, N);
  train(scratch, train_ids, N);
  const double l_tuned = loss_on(tuned, val_ids), l_scratch = loss_on(scratch, val_ids);
  std::printf("%s: after %d iterations on the new text: %.4f fine-tuned, %.4f from scratch\n",
              to_string(GetParam()).c_str(), N, l_tuned, l_scratch);
  EXPECT_LT(l_tuned, l_scratch);
}

INSTANTIATE_TEST_SUITE_P(Cells, FineTune, ::testing::Values(CellType::Lstm, CellType::Gru, CellType::Rnn),
                         [](const auto& info) { return to_string(info.param); });

TEST(VocabRemap, RowsMoveWithTheirCharactersNewOnesFreshAbsentOnesDropped) {
  const Vocab from = Vocab::make(Encoding::Utf8, {'a', 'b', 'c', 'd'}, {});
  const Vocab to = Vocab::make(Encoding::Utf8, {'d', 'x', 'b', 'y'}, {});  // a, c dropped; x, y new
  const VocabMapping m = map_vocab(from, to, "ck.h5");
  EXPECT_EQ(m.source, (std::vector<int64_t>{3, -1, 1, -1}));
  EXPECT_EQ(m.kept, 2);
  EXPECT_EQ(m.added, 2);
  EXPECT_EQ(m.dropped, 2);

  torch::manual_seed(3);
  CharRNN base(spec_for(CellType::Lstm, from));
  torch::manual_seed(4);
  CharRNN fresh(spec_for(CellType::Lstm, to));
  torch::manual_seed(4);
  CharRNN tuned(spec_for(CellType::Lstm, to));
  load_weights_onto_vocab(*tuned, checkpoint_of(base, from), to, InitScheme::PyTorch, "ck.h5");
  auto p = [](CharRNN& m, const char* name) { return m->named_parameters()[name]; };
  for (const char* name : {"embedding.weight", "decoder.weight"}) {
    EXPECT_TRUE(torch::equal(p(tuned, name)[0], p(base, name)[3])) << name;
    EXPECT_TRUE(torch::equal(p(tuned, name)[2], p(base, name)[1])) << name;
    EXPECT_TRUE(torch::equal(p(tuned, name)[1], p(fresh, name)[1])) << name << ": a new row is the model's own init";
    EXPECT_TRUE(torch::equal(p(tuned, name)[3], p(fresh, name)[3])) << name;
  }
  const auto bias = p(tuned, "decoder.bias"), base_bias = p(base, "decoder.bias");
  EXPECT_EQ(bias[0].item<float>(), base_bias[3].item<float>());
  const float floor = std::min(base_bias[3].item<float>(), base_bias[1].item<float>());
  EXPECT_NEAR(bias[1].item<float>(), floor - kNewCharBiasOffset, 1e-5);
  EXPECT_TRUE(torch::equal(p(tuned, "rnn.weight_hh_l1"), p(base, "rnn.weight_hh_l1")));

  try {
    map_vocab(from, Vocab::make(Encoding::Bytes, {'a'}, {}), "ck.h5");
    FAIL() << "utf-8 onto bytes was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ck.h5: its vocabulary is utf-8, the corpus's bytes"), std::string::npos);
  }
}

TEST(VocabRemap, VocabFollowingKeepsTheCheckpointIdsAndAppendsNewOnes) {
  const Vocab base = Vocab::make(Encoding::Utf8, {'z', 'a', 'm'}, {});
  std::vector<uint64_t> counts(0x110000, 0);
  counts['a'] = 5, counts['b'] = 2, counts[0x20AC] = 1;  // 'z' and 'm' absent, 'b' and '€' new
  const Vocab v = vocab_following(base, counts);
  EXPECT_EQ(v.values, (std::vector<uint32_t>{'z', 'a', 'm', 'b', 0x20AC}));
  EXPECT_EQ(v.counts, (std::vector<uint64_t>{0, 5, 0, 2, 1}));
}

}  // namespace
