// util/progress: the ETA follows whichever limit ends the run first, the
// iterations (at the run's speed so far) or the max_seconds budget; the bar's
// fill and the printed line follow it.
#include <gtest/gtest.h>

#include <string>

#include "util/progress.h"

using namespace charnn;

namespace {
// `iter` of `total` updates done in `elapsed` seconds of a run with budget `max_seconds`.
ProgressLine at(int64_t iter, int64_t total, double elapsed, double max_seconds = 0) {
  ProgressLine p;
  p.iter = iter, p.total_iters = total, p.elapsed = elapsed, p.max_seconds = max_seconds;
  return p;
}
}  // namespace

TEST(Progress, EtaByIterationsWithoutBudget) {
  const Eta e = eta_of(at(100, 400, 50));  // 0.5 s an update, 300 to go
  EXPECT_DOUBLE_EQ(e.seconds, 150);
  EXPECT_FALSE(e.by_budget);
}

TEST(Progress, EtaByBudgetWhenItEndsTheRunFirst) {
  // The case of the issue: a 300 s budget, epochs planned for hours.
  const Eta e = eta_of(at(1000, 150000, 100, 300));
  EXPECT_DOUBLE_EQ(e.seconds, 200);
  EXPECT_TRUE(e.by_budget);
}

TEST(Progress, EtaByIterationsWhenTheyEndTheRunFirst) {
  const Eta e = eta_of(at(100, 120, 10, 300));  // 2 s of updates left, 290 s of budget
  EXPECT_DOUBLE_EQ(e.seconds, 2);
  EXPECT_FALSE(e.by_budget);
}

TEST(Progress, EtaCountsTheWallTimeOfEarlierProcesses) {
  // Resumed: elapsed and iter both include the earlier processes, so the speed
  // is theirs together, and the budget left is what they left.
  const Eta e = eta_of(at(600, 10000, 240, 300));
  EXPECT_DOUBLE_EQ(e.seconds, 60);
  EXPECT_TRUE(e.by_budget);
}

TEST(Progress, EtaIsZeroOnceTheBudgetIsSpent) {
  // The final validation and checkpoint run past max_seconds.
  const Eta e = eta_of(at(3000, 150000, 305, 300));
  EXPECT_DOUBLE_EQ(e.seconds, 0);
  EXPECT_TRUE(e.by_budget);
}

TEST(Progress, EtaBeforeTheFirstIteration) {
  EXPECT_LT(eta_of(at(0, 1000, 3)).seconds, 0);  // unknown: no speed yet, no budget
  const Eta e = eta_of(at(0, 1000, 3, 60));      // at the latest, when the budget is spent
  EXPECT_DOUBLE_EQ(e.seconds, 57);
  EXPECT_TRUE(e.by_budget);
}

TEST(Progress, DoneFractionFollowsTheLimitThatEndsTheRun) {
  EXPECT_DOUBLE_EQ(done_fraction(at(100, 400, 50)), 0.25);         // iterations: iter / total
  EXPECT_DOUBLE_EQ(done_fraction(at(1000, 150000, 150, 300)), 0.5);  // budget: elapsed / max_seconds
  EXPECT_DOUBLE_EQ(done_fraction(at(3000, 150000, 305, 300)), 1.0);
  EXPECT_DOUBLE_EQ(done_fraction(at(0, 1000, 0)), 0.0);
}

TEST(Progress, LineShowsTheBudgetEta) {
  ProgressDisplay lines(ProgressMode::Lines, 1);
  testing::internal::CaptureStderr();
  lines.update(at(1000, 150000, 100, 300));
  lines.update(at(100, 400, 50));
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("elapsed 01:40  ETA 03:20 (max_seconds)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("elapsed 00:50  ETA 02:30\n"), std::string::npos) << out;
}
