// Where gradients are reduced (parallel/reducer.h): the bucket layout, and the
// hook-driven path end to end on one rank (reduce_single_rank), where the
// average over ranks is the identity.
#include <gtest/gtest.h>

#include "model/flat_params.h"
#include "parallel/reducer.h"

using namespace charnn;

TEST(Reducer, BucketsAreCutInReverseParameterOrderAtTheCap) {
  // Parameters in module order: w0 (100), b0 (10), w1 (100), b1 (10). Backward
  // produces them last first, so the first bucket is b1 + w1 = 110 floats.
  torch::manual_seed(1);
  torch::nn::Sequential m(torch::nn::Linear(10, 10), torch::nn::Linear(10, 10));
  FlatParams fp = flatten_parameters(*m, torch::kCPU);
  GradReducer exact(comm(), fp, /*bucket_mb=*/110.25 * sizeof(float) / 1e6, /*overlap=*/true, /*always=*/true);
  EXPECT_EQ(exact.bucket_count(), 2u);  // [b1 w1] [b0 w0]
  GradReducer small(comm(), fp, 100.5 * sizeof(float) / 1e6, true, true);
  EXPECT_EQ(small.bucket_count(), 4u);  // no two parameters fit: one bucket each
  GradReducer big(comm(), fp, 1.0, true, true);
  EXPECT_EQ(big.bucket_count(), 1u);
  GradReducer off(comm(), fp, 1.0, true, /*always=*/false);
  EXPECT_FALSE(off.active());  // one rank: nothing to reduce
}

TEST(Reducer, OneRankReductionThroughTheHooksLeavesGradientsUnchanged) {
  for (bool overlap : {true, false}) {
    SCOPED_TRACE(overlap ? "overlap" : "after backward");
    torch::manual_seed(2);
    torch::nn::Sequential m(torch::nn::Linear(6, 8), torch::nn::Linear(8, 3));
    FlatParams fp = flatten_parameters(*m, torch::kCPU);
    torch::Tensor x = torch::randn({5, 6});
    m->forward(x).pow(2).sum().backward();
    torch::Tensor plain = fp.grad.clone();
    fp.grad.zero_();
    GradReducer reducer(comm(), fp, 40 * sizeof(float) / 1e6, overlap, /*always=*/true);
    ASSERT_GT(reducer.bucket_count(), 1u);
    reducer.arm(true);
    m->forward(x).pow(2).sum().backward();
    reducer.finish();
    EXPECT_TRUE(torch::equal(fp.grad, plain));
  }
}
