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

TEST(TrainState, PatienceCountsPassesWithoutAnImprovementBeyondTheDelta) {
  TrainProgress p;
  on_validation(p, 2.0, 0.01);  // the first pass is an improvement (from infinity)
  EXPECT_EQ(p.stale_evals, 0);
  on_validation(p, 1.995, 0.01);  // better, but by less than the delta: stale; best_val_loss still moves
  EXPECT_EQ(p.stale_evals, 1);
  EXPECT_EQ(p.best_val_loss, 1.995);
  EXPECT_EQ(p.patience_best, 2.0);
  on_validation(p, 1.991, 0.01);  // 0.009 below the reference: still not enough
  EXPECT_EQ(p.stale_evals, 2);
  EXPECT_TRUE(patience_spent(p, 2));
  EXPECT_FALSE(patience_spent(p, 3));
  EXPECT_FALSE(patience_spent(p, 0));  // 0 = off
  on_validation(p, 1.98, 0.01);  // 0.02 below: an improvement resets the count
  EXPECT_EQ(p.stale_evals, 0);
  EXPECT_EQ(p.patience_best, 1.98);
}

TEST(TrainState, PatienceOfAnOlderCheckpointComesFromItsHistory) {
  TrainProgress p;
  for (double l : {3.0, 2.5, 2.6, 2.5, 2.7}) on_validation(p, l);
  const int64_t live = p.stale_evals;
  TrainProgress loaded;
  loaded.history = p.history;
  patience_from_history(loaded);
  EXPECT_EQ(loaded.stale_evals, live);
  EXPECT_EQ(loaded.stale_evals, 3);  // 2.6, 2.5 (a tie is no improvement) and 2.7 after the best 2.5
  EXPECT_EQ(loaded.patience_best, 2.5);
}
