// Asynchronous successive halving (ASHA, Li et al. 2018) across a sweep: the
// rungs and the rule that decides, when a trial reaches a rung, whether it
// goes on. Pure functions, no I/O: the records live in a file under a lock
// (sweep/rung_records.h), and the trainer asks at each rung (train/stopping.h).
//
// Rungs are at min · eta^k (k = 0, 1, ...) of a trial's iterations (min_iters)
// or of its wall seconds counted across restarts (min_seconds). At rung k a
// trial records its best val loss so far and goes on only if it is in the top
// 1/eta of the trials that have recorded at that rung so far, itself included:
// among n records, fewer than ceil(n / eta) are strictly lower than its own.
// No trial waits for another and there is no central process: the first trial
// at a rung always goes on (ceil(1/eta) = 1), later ones must beat the field.
// Ties go on together (a loss equal to the cut is "in the top"), so the
// decision depends only on the losses recorded, never on which of two equal
// trials wrote first.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace charnn {

struct AshaParams {
  int64_t min_iters = 0;   // rungs in iterations, or
  double min_seconds = 0;  // in wall seconds; exactly one of the two is > 0
  int64_t eta = 3;         // reduction factor (>= 2)
  bool enabled() const { return min_iters > 0 || min_seconds > 0; }
};

// Where rung k is: min · eta^k iterations or seconds (beyond ~1e18: never reached).
double rung_position(const AshaParams& p, int64_t k);
// The highest rung at or below `position` (iterations done or seconds spent), -1 below rung 0.
int64_t rung_reached(const AshaParams& p, double position);

// The rule: does a trial whose loss is `loss` go on, when `recorded` holds the
// losses recorded at this rung so far, its own included?
bool asha_continues(const std::vector<double>& recorded, double loss, int64_t eta);

// One decision as the record file keeps it.
struct RungRecord {
  std::string trial;  // the trial directory's name ("0007")
  int64_t rung = 0;
  int64_t iter = 0;   // where the trial was when it recorded
  double loss = 0;    // its best val loss then
  bool continues = true;
};

// The decision of `trial` at `rung`: the one recorded earlier if there is one
// (a requeued trial that reaches the rung again gets its first answer), else a
// new record decided by asha_continues over the records at that rung and its own.
RungRecord decide_at_rung(const std::vector<RungRecord>& records, const std::string& trial, int64_t rung,
                          int64_t iter, double loss, int64_t eta);

}  // namespace charnn
