// src/viz/trace.h and src/viz/neurons_page.h: the trace agrees with the
// LibTorch module step by step; the page embeds what the script reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "helpers.h"
#include "model/charrnn.h"
#include "util/choice.h"
#include "viz/html.h"
#include "viz/neurons_page.h"
#include "viz/text_properties.h"
#include "viz/trace.h"

namespace charnn {

namespace {

Vocab letters() {
  std::vector<uint32_t> v = {'\n', ' ', '"', '<', '>', '&'};
  for (char c = 'a'; c <= 'h'; ++c) v.push_back(static_cast<uint32_t>(c));
  std::sort(v.begin(), v.end());
  return Vocab::make(Encoding::Utf8, v, {});
}

std::vector<int64_t> ids_of(const Vocab& v, const std::string& s) { return ids_of_text(v, s, "test", false); }

CharRNN random_model(CellType type, const Vocab& v) {
  torch::manual_seed(11);
  CharRNN m(ModelSpec{type, static_cast<int64_t>(v.size()), 8, 12, 2, 0.0});
  torch::NoGradGuard ng;
  for (auto& p : m->parameters()) p.mul_(2.5);  // states well away from 0
  m->eval();
  return m;
}

}  // namespace

class NeuronTrace : public ::testing::TestWithParam<std::string> {};

// Step by step through the module: every layer's h (and tanh c) after every
// character within the quantisation step, and -ln p of the next character.
TEST_P(NeuronTrace, MatchesTheModuleAtEveryPositionAndLayer) {
  const Vocab v = letters();
  const CellType type = parse_choice<CellType>(GetParam(), "test");
  CharRNN m = random_model(type, v);
  const std::vector<int64_t> ids = ids_of(v, "abc \"def\" gh\nhead");
  const Trace t = trace_text(*m, v, ids);
  ASSERT_EQ(t.n, ids.size());
  EXPECT_EQ(t.series_count(), static_cast<size_t>(2 * 12 * (type == CellType::Lstm ? 2 : 1)));
  EXPECT_TRUE(std::isnan(t.surprise[0]));
  torch::NoGradGuard ng;
  RnnState st = m->zero_state(1, torch::kCPU);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto [logits, next] = m->forward(torch::full({1, 1}, ids[i], torch::kLong), st);
    st = next;
    const torch::Tensor logp = torch::log_softmax(logits.reshape({-1}).to(torch::kDouble), 0);
    size_t s = 0;
    for (int64_t l = 0; l < 2; ++l) {
      for (const std::string& state : t.states) {
        const torch::Tensor want = state == "c" ? torch::tanh(st.c[l][0]) : st.h[l][0];
        for (int64_t k = 0; k < 12; ++k, ++s)
          ASSERT_NEAR(dequantise(t.act[s * t.n + i]), want[k].item<float>(), 0.5 / 127 + 1e-5)
              << t.series_name(s) << " at " << i;
      }
    }
    if (i + 1 < ids.size()) {
      EXPECT_NEAR(t.surprise[i + 1], -logp[ids[i + 1]].item<double>(), 1e-4) << i;
    }
    const int64_t best = logp.argmax().item<int64_t>();
    EXPECT_EQ(t.top_ids[i * Trace::kTop], best);
    double sum = 0;
    for (int k = 0; k < Trace::kTop; ++k) {
      sum += t.top_p[i * Trace::kTop + k];
      if (k > 0) {
        EXPECT_LE(t.top_p[i * Trace::kTop + k], t.top_p[i * Trace::kTop + k - 1]);
      }
      EXPECT_NEAR(t.top_p[i * Trace::kTop + k], std::exp(logp[t.top_ids[i * Trace::kTop + k]].item<double>()), 1e-6);
    }
    EXPECT_LE(sum, 1.0 + 1e-6);
  }
}
INSTANTIATE_TEST_SUITE_P(Cells, NeuronTrace, ::testing::Values("lstm", "gru", "rnn"));

TEST(NeuronTrace, SeriesNamesAndQuantisation) {
  Trace t;
  t.layers = 2;
  t.rnn_size = 3;
  t.states = {"c", "h"};
  EXPECT_EQ(t.series_name(0), "L1.c.0");
  EXPECT_EQ(t.series_name(4), "L1.h.1");
  EXPECT_EQ(t.series_name(11), "L2.h.2");
  EXPECT_EQ(t.series_index("L2.c.1"), 7);
  EXPECT_EQ(t.series_index("L3.c.0"), -1);
  EXPECT_EQ(quantise(0.0f), 127);
  EXPECT_EQ(quantise(-1.0f), 0);
  EXPECT_EQ(quantise(1.0f), 254);
  EXPECT_EQ(quantise(7.0f), 254);
  EXPECT_EQ(quantise(NAN), 127);
  for (float x : {-0.73f, 0.5f, 0.999f}) EXPECT_NEAR(dequantise(quantise(x)), x, 0.5f / 127 + 1e-6f);
}

TEST(NeuronPage, EmbedsOneSpanPerCharacterAndEveryViewEscaped) {
  const Vocab v = letters();
  CharRNN m = random_model(CellType::Gru, v);
  const std::vector<int64_t> ids = ids_of(v, "a<b>&\"c\"\nd");
  const Trace t = trace_text(*m, v, ids);
  std::vector<uint32_t> cs;
  for (int64_t id : ids) cs.push_back(v.values[static_cast<size_t>(id)]);
  Discovery d(text_properties(cs));
  for (size_t s = 0; s < t.series_count(); ++s) d.add(s, t.series(s).data(), t.n);
  NeuronsPage page{"ck <1>.h5", "in.txt", &v, &ids, &t, d.ranking(5), "L1.h.3"};
  const std::string html = neurons_html(page);
  EXPECT_EQ(html.rfind("<!doctype html>\n", 0), 0u);
  EXPECT_NE(html.find("<meta name=\"generator\" content=\"charnn neurons\">"), std::string::npos);
  EXPECT_NE(html.find("<pre id=\"text\"><div class=\"chunk\"><span>a</span><span>&lt;</span><span>b</span><span>&gt;</span>"
                      "<span>&amp;</span><span>&quot;</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<span class=\"nl\">\n</span>"), std::string::npos);
  EXPECT_NE(html.find("Inside ck &lt;1&gt;.h5"), std::string::npos);
  EXPECT_NE(html.find("<option value=\"L2.h.11\" data-series=\"23\">"), std::string::npos);
  EXPECT_EQ(html.find("L1.c."), std::string::npos);  // a GRU has no cell state
  // the data block cannot end the script element early, and reads back
  const size_t at = html.find("id=\"neurons-data\">") + 18, end = html.find("</script>", at);
  const auto data = nlohmann::json::parse(html.substr(at, end - at));
  EXPECT_EQ(data["n"], ids.size());
  EXPECT_EQ(data["first"], "L1.h.3");
  EXPECT_EQ(data["vocab"][static_cast<size_t>(v.id_of('<'))], "<");
  EXPECT_NE(html.find("<script type=\"application/octet-stream\" id=\"series-5\">" +
                      html::base64(t.act.data() + 5 * t.n, t.n) + "</script>"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"series-23\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"series-24\""), std::string::npos);

  const auto j = neurons_json(page);
  EXPECT_EQ(j["format"], "charnn-neurons");
  EXPECT_EQ(j["properties"].size(), 8u);
  EXPECT_EQ(j["properties"][3]["name"], "in_quotes");
  EXPECT_EQ(j["properties"][3]["top"].size(), 5u);
  EXPECT_EQ(j["properties"][6]["constant"], true);  // no C comment in this text
  EXPECT_NEAR(j["mean_surprise"].get<double>(), mean_surprise(t), 1e-12);
}

// The text is cut into chunks of whole lines of about 2000 characters (a
// line longer than 8000 is cut inside), each drawn only when on screen.
TEST(NeuronPage, TextIsInChunksOfWholeLines) {
  const Vocab v = letters();
  CharRNN m = random_model(CellType::Rnn, v);
  auto chunks = [&](const std::string& text) {
    const std::vector<int64_t> ids = ids_of(v, text);
    const Trace t = trace_text(*m, v, ids);
    NeuronsPage page{"ck.h5", "in.txt", &v, &ids, &t, {}, "L1.h.0"};
    const std::string html = neurons_html(page);
    std::vector<size_t> sizes;  // spans per chunk
    for (size_t at = html.find("<div class=\"chunk\">"); at != std::string::npos;
         at = html.find("<div class=\"chunk\">", at + 1)) {
      const size_t end = html.find("</div>", at);
      size_t n = 0;
      for (size_t k = html.find("<span", at); k < end; k = html.find("<span", k + 1)) ++n;
      sizes.push_back(n);
    }
    return sizes;
  };
  std::string lines;
  for (int i = 0; i < 500; ++i) lines += "abcdefgha\n";
  EXPECT_EQ(chunks(lines), (std::vector<size_t>{2000, 2000, 1000}));
  EXPECT_EQ(chunks(lines.substr(0, 2000)), (std::vector<size_t>{2000}));  // no empty chunk at the end
  EXPECT_EQ(chunks(std::string(9000, 'a')), (std::vector<size_t>{8000, 1000}));
  EXPECT_EQ(chunks(std::string(1995, 'a') + "\nbbbbbbbbbb\nc"), (std::vector<size_t>{1996 + 11, 1}));
}

TEST(NeuronPage, OnlyItsOwnJsonIsReplaced) {
  test::TempDir dir;
  EXPECT_TRUE(is_neurons_json(dir.file("a.json", "{\n \"format\": \"charnn-neurons\"\n}\n")));
  EXPECT_FALSE(is_neurons_json(dir.file("b.json", "{\"format\": \"other\"}")));
  EXPECT_FALSE(is_neurons_json(dir.file("c.json", "not json")));
  EXPECT_FALSE(is_neurons_json(dir / "missing.json"));
}

TEST(NeuronText, UnknownCharactersAreListedOnceOrSkipped) {
  const Vocab v = letters();
  const std::string msg = test::error_of([&] { ids_of_text(v, "abz\xC3\xA9zq", "--text in.txt", false); });
  EXPECT_EQ(msg, "--text in.txt has characters that are not in the model's vocabulary: z  \xC3\xA9  q ; "
                 "remove them or pass --skip-unknown to drop them");
  EXPECT_EQ(ids_of_text(v, "abz\xC3\xA9zq", "--text in.txt", true), (std::vector<int64_t>{v.id_of('a'), v.id_of('b')}));
}

}  // namespace charnn
