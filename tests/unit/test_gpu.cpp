// GPU binding rules (gpu/gpu.h): which device a rank takes in each layout.
#include <gtest/gtest.h>

#include "gpu/gpu.h"

using charnn::gpu::choose_device;

TEST(GpuBinding, EveryGpuVisibleTakesTheLocalRank) {
  std::string why;
  EXPECT_EQ(choose_device(0, 4, 4, &why), 0);
  EXPECT_EQ(choose_device(3, 4, 4, &why), 3);
  EXPECT_EQ(choose_device(1, 2, 8, &why), 1);  // fewer ranks than GPUs
  EXPECT_EQ(choose_device(0, 1, 1, &why), 0);
}

TEST(GpuBinding, OneVisibleGpuPerRankTakesDeviceZero) {
  // srun --gpus-per-task=1 / --gpu-bind: 4 ranks on the node, each sees its own GPU as device 0.
  std::string why;
  for (int r = 0; r < 4; ++r) EXPECT_EQ(choose_device(r, 4, 1, &why), 0);
}

TEST(GpuBinding, OtherLayoutsAreRefusedWithTheCounts) {
  std::string why;
  EXPECT_EQ(choose_device(2, 4, 2, &why), -1);
  EXPECT_NE(why.find("4 ranks on this node but 2 GPU(s)"), std::string::npos) << why;
  EXPECT_EQ(choose_device(0, 1, 0, &why), -1);
  EXPECT_NE(why.find("no GPU is visible"), std::string::npos) << why;
}
