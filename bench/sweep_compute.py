#!/usr/bin/env python3
"""bench/sweep_compute.py -- what a sweep cost and what it found, side by side.

  python3 bench/sweep_compute.py REFERENCE_DIR [OTHER_DIR ...]

For each sweep directory (charnn sweep plan/run): trials, how many ended early
(pruned by ASHA or out of patience), the best val loss and its trial, and the
compute: trial-iterations (each trial's last iteration, summed) and
trial-seconds (each trial's training wall time from metrics.jsonl, summed;
machine-dependent, unlike iterations). Each later directory is also given as a
fraction of the first's compute, its best's distance from the first's best,
and, for trials both ran to the same iteration, whether their losses there are
identical (the same seeds train the same weights). docs/tuning.md has a run.
"""
import json
import os
import sys


def trial_rows(sweep):
    rows = {}
    tdir = os.path.join(sweep, "trials")
    for name in sorted(os.listdir(tdir)):
        path = os.path.join(tdir, name, "metrics.jsonl")
        if not os.path.exists(path):
            continue
        r = {"iters": 0, "wall": 0.0, "vals": {}, "stop": None, "done": False}
        with open(path) as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # being written
                e = json.loads(line)
                r["iters"] = max(r["iters"], e.get("iter", 0))
                r["wall"] = max(r["wall"], e.get("wall", 0.0))
                if e["event"] == "val":
                    r["vals"][e["iter"]] = e["val_loss"]
                elif e["event"] == "stop":
                    r["stop"] = e["reason"] + (" at rung %d" % e["rung"] if "rung" in e else "")
                elif e["event"] == "done":
                    r["done"] = True
        rows[name] = r
    return rows


def summary(sweep):
    rows = trial_rows(sweep)
    best = min(((min(r["vals"].values()), t) for t, r in rows.items() if r["vals"]), default=(float("nan"), "-"))
    return {
        "dir": sweep, "rows": rows, "trials": len(rows), "finished": sum(r["done"] for r in rows.values()),
        "early": sum(r["stop"] is not None for r in rows.values()), "best": best[0], "best_trial": best[1],
        "iters": sum(r["iters"] for r in rows.values()), "seconds": sum(r["wall"] for r in rows.values()),
    }


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sums = [summary(d) for d in sys.argv[1:]]
    ref = sums[0]
    print("| sweep | trials | finished | ended early | best val loss (trial) | trial-iterations | trial-seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for s in sums:
        frac = "" if s is ref else " (%.1f %%)" % (100.0 * s["iters"] / ref["iters"])
        fsec = "" if s is ref else " (%.1f %%)" % (100.0 * s["seconds"] / ref["seconds"])
        print("| %s | %d | %d | %d | %.4f (%s) | %d%s | %.0f%s |" % (
            s["dir"], s["trials"], s["finished"], s["early"], s["best"], s["best_trial"], s["iters"], frac,
            s["seconds"], fsec))
    for s in sums[1:]:
        same = differ = 0
        for t, r in s["rows"].items():
            o = ref["rows"].get(t)
            for it, v in r["vals"].items():
                if o and it in o["vals"]:
                    same += o["vals"][it] == v
                    differ += o["vals"][it] != v
        print("%s: best %+.4f nats from %s's; val losses at the same trial and iteration: %d identical, %d differ"
              % (s["dir"], s["best"] - ref["best"], ref["dir"], same, differ))


if __name__ == "__main__":
    main()
