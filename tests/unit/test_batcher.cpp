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

TEST(BlockOrder, DealsEveryWindowOnceAndChangesEachEpoch) {
  // 7 streams x 13 windows = 91 windows in blocks of 5: 18 full blocks and a short one of 1.
  const StreamLayout l = make_layout(7 * 13 * 4 + 1, 7, 4);
  ASSERT_EQ(l.batches, 13);
  std::vector<uint64_t> first_epoch;
  for (int64_t epoch : {0, 1}) {
    const BlockOrder o = make_block_order(l, 5, 42, epoch);
    ASSERT_EQ(o.perm.size(), 19u);
    EXPECT_EQ(o.short_len, 1);
    std::vector<int> seen(91, 0);
    std::vector<uint64_t> order;
    for (uint64_t v = 0; v < 91; ++v) {
      const WindowRun at = locate_window(o, l, v);
      ASSERT_LT(at.window, 91u);
      seen[at.window] += 1;
      order.push_back(at.window);
      // The run ends at the block's end: the next dealt window continues it only inside a block.
      ASSERT_GE(at.run, 1u);
      if (at.run > 1 && v + 1 < 91) {
        ASSERT_EQ(locate_window(o, l, v + 1).window, at.window + 1);
      }
    }
    for (int k = 0; k < 91; ++k) ASSERT_EQ(seen[k], 1) << "window " << k;
    if (epoch == 0) first_epoch = order;
    else EXPECT_NE(order, first_epoch);
    // A pure function of (seed, epoch): every rank deals the same order.
    EXPECT_EQ(make_block_order(l, 5, 42, epoch).perm, o.perm);
  }
  EXPECT_NE(make_block_order(l, 5, 43, 0).perm, make_block_order(l, 5, 42, 0).perm);
}

TEST_F(Batches, BlockOrderBatchesReadTheDealtWindowsOnEveryRank) {
  auto c = make_corpus(dir, 5000);
  const int N = 3, B = 2, T = 9;
  StreamLayout l = make_layout(c->size(Split::Train), N * B, T);
  std::vector<int64_t> all(c->size(Split::Train));
  c->read(Split::Train, 0, all.size(), all.data());
  const BlockOrder o = make_block_order(l, 4, 7, 3);
  std::vector<std::unique_ptr<BatchSource>> ranks;
  for (int r = 0; r < N; ++r) {
    ranks.push_back(std::make_unique<BatchSource>(c, Split::Train, l, r * B, B, true, 20));
    ranks.back()->set_order(o);
  }
  for (int64_t i = 0; i < l.batches; ++i)
    for (int r = 0; r < N; ++r) {
      Batch b = ranks[r]->get(i);
      for (int s = 0; s < B; ++s) {
        const uint64_t lo = locate_window(o, l, (r * B + s) * l.batches + i).window * T;
        for (int t = 0; t < T; ++t) {
          ASSERT_EQ(b.x[s * T + t], all[lo + t]);
          ASSERT_EQ(b.y[s * T + t], all[lo + t + 1]);
        }
      }
    }
}
