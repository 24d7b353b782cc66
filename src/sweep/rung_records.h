// The ASHA record file of a sweep (DIR/asha.jsonl, sweep/layout.h): one JSON
// line per decision (trial, rung, iter, loss, continues), appended by the
// trials themselves. Each decision reads the file, decides (sweep/asha.h) and
// appends under one exclusive lock, so two trials reaching a rung at the same
// moment see each other's record and none is lost.
//
// Why fcntl (POSIX record) locks and not flock(2): the trials of a Slurm array
// run on different nodes that share the sweep directory over NFS (or Lustre,
// GPFS). fcntl locks are forwarded to the server (NLM for NFSv3, part of the
// protocol in NFSv4; Lustre and GPFS honour them cluster-wide), and the NFS
// client revalidates its cache of the file when the lock is taken, so the
// reader sees what the last holder wrote. flock(2) is node-local on many of
// these (Lustre without -o flock, CIFS, older NFS clients). The lock lives on
// the record file itself and is held for one read-decide-append, a few
// milliseconds; a process that dies holding it releases it (the kernel, or
// the NFS lock manager when the node's lease ends).
#pragma once
#include <string>
#include <vector>

#include "sweep/asha.h"

namespace charnn {

// Decides `trial` at `rung` against the records in `path` (created when
// absent) and appends the new decision, all under the lock; a decision
// recorded earlier for the same trial and rung is returned as it was.
RungRecord record_rung(const std::string& path, const std::string& trial, int64_t rung, int64_t iter, double loss,
                       int64_t eta);
// The records in file order (empty when the file is absent), under a shared
// lock. A line without its newline at the end (a writer that died mid-line)
// is skipped; any other bad line names path:line.
std::vector<RungRecord> read_rung_records(const std::string& path);

}  // namespace charnn
