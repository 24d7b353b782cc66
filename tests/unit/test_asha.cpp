// ASHA across a sweep (sweep/asha.h): where the rungs are, the rule with known
// answers (ties, every arrival order), and the record file (sweep/rung_records.h):
// decisions recorded once, a torn line survived, and many processes deciding
// at the same rung at the same moment without a lost or stale record.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "helpers.h"
#include "sweep/asha.h"
#include "sweep/plan.h"
#include "sweep/results.h"
#include "sweep/rung_records.h"
#include "sweep/spec.h"
#include "train/options.h"
#include "util/fsutil.h"

using namespace charnn;
using charnn::test::error_of;
using charnn::test::TempDir;

namespace {

// Decisions of trials arriving at one rung in `order` (their losses), by the rule via the records.
std::vector<bool> arrive(const std::vector<double>& order, int64_t eta) {
  std::vector<RungRecord> records;
  std::vector<bool> out;
  for (size_t i = 0; i < order.size(); ++i) {
    records.push_back(decide_at_rung(records, std::to_string(i), 0, 30, order[i], eta));
    out.push_back(records.back().continues);
  }
  return out;
}

}  // namespace

TEST(Asha, RungsAreMinTimesEtaToTheK) {
  const AshaParams it{30, 0, 3};
  EXPECT_EQ(rung_position(it, 0), 30);
  EXPECT_EQ(rung_position(it, 2), 270);
  EXPECT_EQ(rung_reached(it, 29), -1);
  EXPECT_EQ(rung_reached(it, 30), 0);
  EXPECT_EQ(rung_reached(it, 89), 0);
  EXPECT_EQ(rung_reached(it, 90), 1);
  EXPECT_EQ(rung_reached(it, 1000), 3);  // 810 <= 1000 < 2430
  const AshaParams sec{0, 2.5, 2};
  EXPECT_EQ(rung_reached(sec, 2.4), -1);
  EXPECT_EQ(rung_reached(sec, 9.99), 1);  // 2.5, 5 | 10
  EXPECT_EQ(rung_reached(sec, 10), 2);
  EXPECT_EQ(rung_reached(AshaParams{}, 1e9), -1);  // off
  EXPECT_EQ(rung_reached(it, 1e30), rung_reached(it, 1e18));  // no endless loop far out
}

TEST(Asha, TheRuleKeepsTheTopOneOverEtaOfThoseRecordedSoFar) {
  EXPECT_TRUE(asha_continues({2.0}, 2.0, 3));             // the first at a rung always goes on
  EXPECT_FALSE(asha_continues({1.0, 2.0}, 2.0, 3));       // ceil(2/3) = 1 kept: not the best
  EXPECT_TRUE(asha_continues({1.0, 0.5}, 0.5, 3));
  EXPECT_FALSE(asha_continues({1, 2, 3}, 2.0, 3));        // 1 of 3
  EXPECT_TRUE(asha_continues({1, 2, 3, 4}, 2.0, 3));      // ceil(4/3) = 2 of 4
  EXPECT_FALSE(asha_continues({1, 2, 3, 4}, 3.0, 3));
  EXPECT_TRUE(asha_continues({1, 2, 3, 4}, 2.0, 2));      // eta 2: 2 of 4
  EXPECT_FALSE(asha_continues({1, 2, 3, 4, 5}, 4.0, 2));  // ceil(5/2) = 3: 4 is 4th
  // Ties: a loss equal to the cut is in the top; all of a tie share one decision.
  EXPECT_TRUE(asha_continues({1, 1, 1}, 1.0, 3));
  EXPECT_TRUE(asha_continues({0.5, 1, 1, 1}, 1.0, 3));    // 1 better, 2 kept
  EXPECT_FALSE(asha_continues({0.5, 0.7, 1, 1, 1}, 1.0, 3));  // 2 better, 2 kept
}

TEST(Asha, KnownAnswersForArrivalOrders) {
  // Each new arrival the worst so far: only the first goes on; the best so far: all go on.
  EXPECT_EQ(arrive({1, 2, 3, 4, 5, 6}, 3), std::vector<bool>({true, false, false, false, false, false}));
  EXPECT_EQ(arrive({6, 5, 4, 3, 2, 1}, 3), std::vector<bool>(6, true));
  // By hand: 3 first (alone); 1 (best of 2); 2 (1 better, 1 kept); 6, 5, 4 (3 better, 2 kept).
  EXPECT_EQ(arrive({3, 1, 2, 6, 5, 4}, 3), std::vector<bool>({true, true, false, false, false, false}));
  // 4th and 5th places keep ceil(n/3) = 2: 4 and 2 have only 1 better; 3 at the 6th has 2.
  EXPECT_EQ(arrive({5, 1, 6, 4, 2, 3}, 3), std::vector<bool>({true, true, false, true, true, false}));
}

TEST(Asha, EveryArrivalOrderOfATieAndAWorseTrial) {
  // {1, 1, 2}: the tied best go on in all 6 orders; 2 only when it arrives first.
  std::vector<double> losses = {1, 1, 2};
  std::sort(losses.begin(), losses.end());
  int orders = 0;
  do {
    const std::vector<bool> d = arrive(losses, 3);
    for (size_t i = 0; i < losses.size(); ++i)
      EXPECT_EQ(d[i], losses[i] == 1.0 || i == 0) << "order " << losses[0] << losses[1] << losses[2] << " at " << i;
    ++orders;
  } while (std::next_permutation(losses.begin(), losses.end()));
  EXPECT_EQ(orders, 3);  // distinct orders of a multiset
}

TEST(Asha, EveryArrivalOrderOfSixTrials) {
  // All 720 orders of 6 distinct losses at eta 3. In every order the best goes on,
  // and each decision is the rule over what had arrived before it and itself:
  // it never depends on anything else. Between 1 (ascending) and all 6
  // (descending) go on.
  std::vector<double> losses = {1, 2, 3, 4, 5, 6};
  std::map<int, int> kept_counts;  // how many go on -> in how many orders
  int orders = 0;
  do {
    const std::vector<bool> d = arrive(losses, 3);
    int kept = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      kept += d[i];
      if (losses[i] == 1) {
        EXPECT_TRUE(d[i]);
      }
      const std::vector<double> seen(losses.begin(), losses.begin() + static_cast<long>(i) + 1);
      EXPECT_EQ(d[i], asha_continues(seen, losses[i], 3));
    }
    EXPECT_GE(kept, 1);
    kept_counts[kept] += 1;
    ++orders;
  } while (std::next_permutation(losses.begin(), losses.end()));
  EXPECT_EQ(orders, 720);
  EXPECT_EQ(kept_counts.begin()->first, 1);   // ascending order: only the first
  EXPECT_EQ(kept_counts.rbegin()->first, 6);  // descending order: all
  // Asynchrony's price: more go on than the synchronous top third (2), on average.
  int sum = 0;
  for (auto [k, n] : kept_counts) sum += k * n;
  EXPECT_GT(sum, 2 * 720);
}

TEST(Asha, ARequeuedTrialGetsItsFirstDecisionAgain) {
  std::vector<RungRecord> records = {{"0000", 0, 30, 1.0, true}, {"0001", 0, 30, 2.0, false}};
  const RungRecord again = decide_at_rung(records, "0001", 0, 30, 0.1, 3);  // better now: still its first answer
  EXPECT_FALSE(again.continues);
  EXPECT_EQ(again.loss, 2.0);
  const RungRecord next = decide_at_rung(records, "0000", 1, 90, 0.9, 3);  // another rung: a new decision
  EXPECT_TRUE(next.continues);
  EXPECT_EQ(next.rung, 1);
}

TEST(RungRecords, RecordedOnceInFileOrderAndReadBack) {
  TempDir dir;
  const std::string path = dir / "asha.jsonl";
  EXPECT_TRUE(read_rung_records(path).empty());
  EXPECT_TRUE(record_rung(path, "0000", 0, 30, 2.0, 3).continues);
  EXPECT_FALSE(record_rung(path, "0001", 0, 30, 2.5, 3).continues);
  EXPECT_FALSE(record_rung(path, "0001", 0, 31, 1.0, 3).continues);  // requeued: the same answer, no new line
  const std::vector<RungRecord> r = read_rung_records(path);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].trial, "0001");
  EXPECT_EQ(r[1].iter, 30);
  EXPECT_EQ(r[1].loss, 2.5);
}

TEST(RungRecords, ALineTornByADeadWriterIsOverwrittenAndABadLineNamed) {
  TempDir dir;
  const std::string path = dir.file("asha.jsonl", "{\"trial\":\"0000\",\"rung\":0,\"iter\":30,\"loss\":2,\"continues\":true}\n{\"tri");
  EXPECT_EQ(read_rung_records(path).size(), 1u);
  EXPECT_FALSE(record_rung(path, "0001", 0, 30, 3.0, 3).continues);
  EXPECT_EQ(read_rung_records(path).size(), 2u);
  EXPECT_EQ(read_file(path).find("{\"tri\n"), std::string::npos);
  dir.file("bad.jsonl", "{\"trial\":\"0000\",\"rung\":-1,\"iter\":30,\"loss\":2,\"continues\":true}\n");
  EXPECT_EQ(error_of([&] { read_rung_records(dir / "bad.jsonl"); }),
            dir / "bad.jsonl" + ":1: rung: got -1, expected a number >= 0");
  dir.file("bad2.jsonl", "not json\n");
  EXPECT_NE(error_of([&] { record_rung(dir / "bad2.jsonl", "0000", 0, 30, 1.0, 3); }).find("bad2.jsonl:1: not a JSON object"),
            std::string::npos);
}

TEST(RungRecords, ManyProcessesAtTheSameRungAtTheSameMomentLoseNothing) {
  // 8 processes (fcntl locks are per process: threads would not test them),
  // released together through a pipe, each recording 25 trials at rung 0 with
  // no pause. Every record must be there once, and each decision must be the
  // rule over exactly the records before it in the file: no writer decided on
  // a stale view or wrote over another.
  TempDir dir;
  const std::string path = dir / "asha.jsonl";
  constexpr int kProcs = 8, kEach = 25;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      char c;
      if (::read(go[0], &c, 1) != 0) _exit(3);  // EOF: the parent closed the pipe, all start
      try {
        for (int i = 0; i < kEach; ++i)
          record_rung(path, "p" + std::to_string(p) + "_" + std::to_string(i), 0, 30, std::fmod((p * 37 + i * 11) * 0.173, 5.0), 3);
      } catch (...) {
        _exit(2);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);
  for (pid_t k : kids) {
    int status = 0;
    ASSERT_EQ(waitpid(k, &status, 0), k);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  const std::vector<RungRecord> r = read_rung_records(path);
  ASSERT_EQ(r.size(), static_cast<size_t>(kProcs * kEach));
  std::set<std::string> names;
  std::vector<double> seen;
  for (const RungRecord& e : r) {
    names.insert(e.trial);
    seen.push_back(e.loss);
    EXPECT_EQ(e.continues, asha_continues(seen, e.loss, 3)) << e.trial;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kProcs * kEach));
}

TEST(AshaSpec, EarlyTerminateIsReadAsWAndBUsersWriteIt) {
  TempDir tmp;
  const std::string head = "base: {data: x.h5}\nsweep:\n  method: random\n  trials: 4\n";
  const std::string params = "  parameters: {dropout: [0.0, 0.1]}\n";
  SweepSpec s = load_sweep_spec(tmp.file("a.yaml", head + "  early_terminate: {type: asha, min_iters: 200, eta: 3}\n" + params));
  EXPECT_EQ(s.asha.min_iters, 200);
  EXPECT_EQ(s.asha.eta, 3);
  s = load_sweep_spec(tmp.file("b.yaml", head + "  early_terminate: {type: asha, min_seconds: 30}\n" + params));
  EXPECT_EQ(s.asha.min_seconds, 30);
  EXPECT_EQ(s.asha.eta, 3);  // the default
  EXPECT_FALSE(load_sweep_spec(tmp.file("c.yaml", head + params)).asha.enabled());
  struct Case {
    std::string et;
    std::string expected;  // after "FILE:"
  };
  const Case cases[] = {
      {"{type: hyperband, min_iters: 3}", "5: early_terminate.type = 'hyperband': expected asha"},
      {"{type: asha}", "5: early_terminate: expected exactly one of min_iters and min_seconds (where rung 0 is)"},
      {"{type: asha, min_iters: 10, min_seconds: 5}",
       "5: early_terminate: expected exactly one of min_iters and min_seconds (where rung 0 is)"},
      {"{type: asha, min_iters: 0}", "5: early_terminate.min_iters = '0': expected a whole number in [1, 1099511627776]"},
      {"{type: asha, min_iters: 10, eta: 1}", "5: early_terminate.eta = '1': expected a whole number in [2, 1048576]"},
      {"{type: asha, min_iter: 10}",
       "5: unknown early_terminate key 'min_iter'; expected type, min_iters, min_seconds or eta"},
      {"asha", "5: early_terminate: got the value 'asha', expected {type: asha, min_iters: N (or min_seconds: S), eta: 3}"},
  };
  for (const Case& c : cases) {
    const std::string path = tmp.file("bad.yaml", head + "  early_terminate: " + c.et + "\n" + params);
    EXPECT_EQ(error_of([&] { load_sweep_spec(path); }), path + ":" + c.expected) << c.et;
  }
  // The options the sweep writes into its trials are not a spec's to set.
  const std::string base = tmp.file("d.yaml", "base: {data: x.h5, asha_eta: 4}\nsweep:\n" + params);
  EXPECT_EQ(error_of([&] { load_sweep_spec(base); }),
            base + ":1: asha_eta cannot be set in a sweep spec: the sweep writes it from sweep.early_terminate");
  const std::string swept = tmp.file("e.yaml", "base: {data: x.h5}\nsweep:\n  parameters: {asha_min_iters: [1, 2]}\n");
  EXPECT_EQ(error_of([&] { load_sweep_spec(swept); }),
            swept + ":3: asha_min_iters cannot be set in a sweep spec: the sweep writes it from sweep.early_terminate");
  EXPECT_EQ(train_help().find("asha_"), std::string::npos);  // not in users' way
}

TEST(AshaSpec, PlanWritesTheRungsAndTheRecordFileIntoEveryTrial) {
  TempDir tmp;
  const std::string spec = tmp.file("s.yaml", "base: {data: x.h5}\nsweep:\n  early_terminate: {type: asha, min_iters: 50, eta: 4}\n"
                                              "  parameters: {dropout: [0.0, 0.1]}\n");
  plan_sweep(load_sweep_spec(spec), {tmp / "sw", false, "charnn"});
  for (const char* t : {"0000", "0001"}) {
    TrainConfig c;
    apply_yaml_file(c, tmp / "sw/trials/" + t + "/config.yaml");
    EXPECT_EQ(c.asha_records, tmp / "sw/asha.jsonl");
    EXPECT_EQ(c.asha_min_iters, 50);
    EXPECT_EQ(c.asha_eta, 4);
    validate(c);
  }
  TrainConfig plain;
  apply_yaml_file(plain, (tmp / "sw/trials/0000/config.yaml"));
  plain.asha_min_seconds = 10;  // both: refused where the run starts
  EXPECT_EQ(error_of([&] { validate(plain); }),
            "train: asha_records is set: expected exactly one of asha_min_iters and asha_min_seconds > 0");
}

TEST(AshaTable, ATrialThatEndedEarlySaysWhyAndBestStillPicksAmongAll) {
  TempDir tmp;
  const std::string spec = tmp.file("s.yaml", "base: {data: x.h5}\nsweep:\n  parameters: {dropout: [0.0, 0.1, 0.2]}\n");
  const std::string dir = tmp / "sw";
  plan_sweep(load_sweep_spec(spec), {dir, false, "charnn"});
  auto trial = [&](const char* id, double loss, const std::string& stop_line) {
    const std::string td = dir + "/trials/" + id;
    std::ofstream(td + "/metrics.jsonl") << "{\"event\":\"start\",\"iter\":0}\n{\"event\":\"train\",\"iter\":10,\"loss\":3}\n"
                                         << "{\"event\":\"val\",\"iter\":10,\"val_loss\":" << loss << "}\n"
                                         << stop_line << "{\"event\":\"done\",\"iter\":10}\n";
    std::ofstream(td + "/lm_lstm_epoch0.01_" + std::to_string(loss).substr(0, 6) + ".h5") << "x";
    TrialStatus st;
    st.status = TrialState::done;
    write_trial_status(td, st);
  };
  trial("0000", 2.5, "{\"event\":\"stop\",\"reason\":\"pruned\",\"iter\":10,\"rung\":1}\n");
  trial("0001", 1.5, "{\"event\":\"stop\",\"reason\":\"early_stop\",\"iter\":10,\"evals\":3}\n");
  trial("0002", 2.0, "");
  const std::vector<TrialRow> rows = read_sweep(dir);
  EXPECT_EQ(rows[0].stop, "stopped: no improvement for 3 evals");
  EXPECT_EQ(rows[2].stop, "pruned at rung 1");
  const std::string csv = format_rows(rows, "csv");
  EXPECT_NE(csv.find("\n1,0.1,stopped: no improvement for 3 evals,1.5000,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n0,0.0,pruned at rung 1,2.5000,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n2,0.2,done,2.0000,"), std::string::npos) << csv;
  EXPECT_NE(format_rows(rows, "table").find("  pruned at rung 1  "), std::string::npos);
  EXPECT_NE(format_rows(rows, "json").find("\"stop\": \"pruned at rung 1\""), std::string::npos);
  // best picks among every finished trial, early-stopped ones included: here the best one is.
  EXPECT_EQ(best_checkpoint(dir), rows[0].best_checkpoint);
  std::ofstream(dir + "/trials/0002/metrics.jsonl", std::ios::app) << "{\"event\":\"stop\",\"reason\":\"bored\"}\n";
  EXPECT_EQ(error_of([&] { read_sweep(dir); }),
            dir + "/trials/0002/metrics.jsonl:5: reason: got 'bored', expected early_stop or pruned");
}
