// The decisions that end a run early, after a validation pass, as max_seconds
// ends one (a final checkpoint, exit 0): early stopping (early_stop_patience)
// and, in a trial of an ASHA sweep, the rungs (sweep/asha.h, the records in
// sweep/rung_records.h). The loop in train/trainer.cpp asks these; the state
// they advance is in TrainProgress (train/state.h). No LibTorch here.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "train/options.h"
#include "train/state.h"
#include "util/choice.h"

namespace charnn {

// Why a run stopped early; metrics.jsonl's `stop` event names it ("reason").
enum class StopKind { none, early_stop, pruned };
template <>
struct Choices<StopKind> {
  static constexpr const char* key = "stop reason";
  static constexpr std::array<const char*, 3> names{"none", "early_stop", "pruned"};
};

struct StopDecision {
  StopKind kind = StopKind::none;
  int64_t evals = 0;  // early_stop: the patience spent
  int64_t rung = -1;  // pruned: the rung
};

// "stopped: no improvement for 3 evals", "pruned at rung 1" ("" for none): how
// the table, `best` and the report show it.
std::string stop_text(StopKind kind, int64_t evals, int64_t rung);
inline std::string stop_text(const StopDecision& d) { return stop_text(d.kind, d.evals, d.rung); }

// The run has reached an ASHA rung it has not been decided at: the loop
// validates now. Rungs in seconds count p.wall_seconds, the wall time all ranks agreed on.
bool rung_due(const TrainConfig& cfg, const TrainProgress& p);

// After a validation pass (on_validation done), on every rank: a rung that is
// due is decided by rank 0 against the sweep's record file and broadcast (a
// collective then; every rank asks at the same iteration, as rung_due is
// computed from agreed numbers), then patience is checked (the same on every
// rank: the loss was all-reduced). Advances p.next_rung past a decided rung.
StopDecision stop_after_validation(const TrainConfig& cfg, TrainProgress& p, bool lead);

}  // namespace charnn
