// Where training stands (train/state.h): one function per event.
#include <gtest/gtest.h>

#include <cmath>

#include "train/state.h"

using namespace charnn;

TEST(TrainState, AnUpdateMovesTheDataPositionAndWrapsAtTheEpoch) {
  TrainProgress p;
  // 3 updates of 2 micro-batches fill an epoch of 6 batches.
  EXPECT_FALSE(on_update(p, 2, 6, 1.5));
  EXPECT_FALSE(on_update(p, 2, 6, 1.5));
  EXPECT_EQ(p.batch_in_epoch, 4);
  EXPECT_TRUE(on_update(p, 2, 6, 2.5));
  EXPECT_DOUBLE_EQ(p.wall_seconds, 2.5);  // the agreed wall time moves with the update
  EXPECT_EQ(p.iter, 3);
  EXPECT_EQ(p.epoch, 1);
  EXPECT_EQ(p.batch_in_epoch, 0);
  EXPECT_FALSE(on_update(p, 2, 6, 1.5));
  EXPECT_EQ(p.iter, 4);
  EXPECT_EQ(p.batch_in_epoch, 2);
}

TEST(TrainState, TrainLossesGoIntoTheHistoryAndTheFirstIsKept) {
  TrainProgress p;
  EXPECT_TRUE(std::isnan(p.first_loss));
  on_train_losses(p, 1, {});
  EXPECT_TRUE(std::isnan(p.first_loss));
  on_train_losses(p, 1, {4.2, 4.0});
  on_train_losses(p, 3, {3.9});
  EXPECT_DOUBLE_EQ(p.first_loss, 4.2);
  EXPECT_EQ(p.history.train_iter, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(p.history.train_loss, (std::vector<double>{4.2, 4.0, 3.9}));
}

TEST(TrainState, ValidationKeepsTheBestAndWhenItCame) {
  TrainProgress p;
  p.iter = 100;
  on_validation(p, 2.0);
  p.iter = 200;
  on_validation(p, 2.5);
  p.iter = 300;
  on_validation(p, 1.5);
  EXPECT_DOUBLE_EQ(p.best_val_loss, 1.5);
  EXPECT_EQ(p.best_val_iter, 300);
  EXPECT_EQ(p.history.val_iter, (std::vector<int64_t>{100, 200, 300}));
  p.iter = 400;
  on_validation(p, 1.5);  // a tie is not an improvement
  EXPECT_EQ(p.best_val_iter, 300);
}
