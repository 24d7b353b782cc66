#include "train/stopping.h"

#include <cstring>
#include <filesystem>

#include "parallel/comm.h"
#include "sweep/rung_records.h"
#include "util/log.h"
#include "util/status.h"

namespace charnn {

namespace {

AshaParams asha_of(const TrainConfig& cfg) {
  AshaParams a;
  if (cfg.asha_records.empty()) return a;
  a.min_iters = cfg.asha_min_iters, a.min_seconds = cfg.asha_min_seconds, a.eta = cfg.asha_eta;
  return a;
}

// Where the run stands on the rungs' scale: updates, or the wall time the ranks agreed on.
double position(const TrainConfig& cfg, const TrainProgress& p) {
  return cfg.asha_min_iters > 0 ? static_cast<double>(p.iter) : p.wall_seconds;
}

// The record's name for this trial: its directory's name ("0007").
std::string trial_name(const TrainConfig& cfg) {
  std::filesystem::path d = std::filesystem::path(cfg.checkpoint_dir).lexically_normal();
  if (d.filename().empty()) d = d.parent_path();
  return d.filename().string();
}

// Rank 0 records and decides; every rank receives {ok, continues} and, when
// rank 0 failed (an unreadable record file), every rank fails with its line.
bool decide_rung(const TrainConfig& cfg, const TrainProgress& p, int64_t rung, bool lead) {
  uint8_t verdict[2] = {1, 1};
  std::string error;
  if (lead) {
    try {
      const RungRecord r = record_rung(cfg.asha_records, trial_name(cfg), rung, p.iter, p.best_val_loss, cfg.asha_eta);
      verdict[1] = r.continues;
      log::info("ASHA rung {} at iteration {}: best val loss {:.4f} {} (records: {})", rung, p.iter, r.loss,
                r.continues ? "is in the top 1/" + std::to_string(cfg.asha_eta) + ": going on" : "is not: pruned",
                cfg.asha_records);
    } catch (const std::exception& e) {
      verdict[0] = 0, error = e.what();
    }
  }
  broadcast_bytes(verdict, sizeof verdict, 0);
  if (!verdict[0]) fail(lead ? error : "ASHA: rank 0 could not record the rung (its error line says why)");
  return verdict[1] != 0;
}

}  // namespace

std::string stop_text(StopKind kind, int64_t evals, int64_t rung) {
  switch (kind) {
    case StopKind::early_stop:
      return cat("stopped: no improvement for ", evals, " eval", evals == 1 ? "" : "s");
    case StopKind::pruned:
      return cat("pruned at rung ", rung);
    case StopKind::none:
      break;
  }
  return "";
}

bool rung_due(const TrainConfig& cfg, const TrainProgress& p) {
  const AshaParams a = asha_of(cfg);
  return a.enabled() && rung_reached(a, position(cfg, p)) >= p.next_rung;
}

StopDecision stop_after_validation(const TrainConfig& cfg, TrainProgress& p, bool lead) {
  StopDecision d;
  if (rung_due(cfg, p)) {
    // Rungs passed together (a seconds budget, a long evaluation) are decided once, at the highest.
    const int64_t rung = rung_reached(asha_of(cfg), position(cfg, p));
    const bool goes_on = decide_rung(cfg, p, rung, lead);
    p.next_rung = rung + 1;
    if (!goes_on) {
      d.kind = StopKind::pruned, d.rung = rung;
      return d;
    }
  }
  if (patience_spent(p, cfg.early_stop_patience)) d.kind = StopKind::early_stop, d.evals = cfg.early_stop_patience;
  return d;
}

}  // namespace charnn
