#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "util/fsutil.h"
#include "data/batcher.h"
#include "data/preprocess.h"
#include "util/status.h"

using namespace charnn;

namespace {
std::shared_ptr<Corpus> make_corpus(const std::string& dir, uint64_t n) {
  std::string text;
  for (uint64_t i = 0; i < n; ++i) text += static_cast<char>('a' + (i * 31 + i / 26) % 26);
  std::ofstream(dir + "/t.txt") << text;
  PreprocessOptions o;
  o.inputs = {dir + "/t.txt"};
  o.output = dir + "/t.h5";
  o.val_frac = 0.0;
  o.test_frac = 0.0;
  o.force = true;
  preprocess(o);
  return Corpus::open(o.output);
}
struct Fixture : ::testing::Test {
  std::string dir;
  void SetUp() override {
    char tmpl[] = "/tmp/charnn-batch-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  void TearDown() override { remove_tree(dir); }
};
}  // namespace

TEST(Layout, NeedsOneTokenBeyondTheLastWindow) {
  EXPECT_EQ(make_layout(101, 2, 5).batches, 10);  // 2*5*10 = 100 inputs + 1 target
  EXPECT_EQ(make_layout(100, 2, 5).batches, 9);
  EXPECT_EQ(make_layout(10, 2, 5).batches, 0);
  EXPECT_EQ(make_layout(0, 2, 5).batches, 0);
}

using Batches = Fixture;

TEST_F(Batches, TargetsAreInputsShiftedByOneAndStreamsAreContiguous) {
  auto c = make_corpus(dir, 1000);
  StreamLayout l = make_layout(c->size(Split::Train), 4, 7);
  BatchSource src(c, Split::Train, l, 0, 4, true, 10);  // tiny read-ahead: many refills
  std::vector<int64_t> all(c->size(Split::Train));
  c->read(Split::Train, 0, all.size(), all.data());
  for (int64_t i = 0; i < l.batches; ++i) {
    Batch b = src.get(i);
    for (int64_t s = 0; s < 4; ++s)
      for (int64_t t = 0; t < 7; ++t) {
        const uint64_t pos = s * l.stream_len() + i * 7 + t;
        ASSERT_EQ(b.x[s * 7 + t], all[pos]);
        ASSERT_EQ(b.y[s * 7 + t], all[pos + 1]);
      }
  }
}

TEST_F(Batches, RanksTogetherSeeExactlyTheStreamsOfOneBigRank) {
  auto c = make_corpus(dir, 5000);
  const int N = 3, B = 2, T = 9;
  StreamLayout l = make_layout(c->size(Split::Train), N * B, T);
  BatchSource whole(c, Split::Train, l, 0, N * B);
  std::vector<std::unique_ptr<BatchSource>> ranks;
  for (int r = 0; r < N; ++r) ranks.push_back(std::make_unique<BatchSource>(c, Split::Train, l, r * B, B));
  for (int64_t i : {0L, 1L, 5L, static_cast<long>(l.batches - 1), 2L}) {  // random access too
    Batch w = whole.get(i);
    for (int r = 0; r < N; ++r) {
      Batch b = ranks[r]->get(i);
      for (int k = 0; k < B * T; ++k) {
        ASSERT_EQ(b.x[k], w.x[r * B * T + k]);
        ASSERT_EQ(b.y[k], w.y[r * B * T + k]);
      }
    }
  }
  EXPECT_THROW(whole.get(l.batches), Error);
}
