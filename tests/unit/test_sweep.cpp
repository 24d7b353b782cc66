// Sweep specs (src/sweep/spec.h): loading and checking a spec, expanding it into
// trials (expand.h), planning a sweep directory (plan.h), and the
// `sweep table` rows (src/sweep/results.h). Specs are written
// into a temporary directory, as a user would write them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "helpers.h"
#include "sweep/expand.h"
#include "sweep/plan.h"
#include "sweep/results.h"
#include "sweep/spec.h"
#include "sweep/trial_status.h"
#include "util/fsutil.h"
#include "util/status.h"

using namespace charnn;
using charnn::test::error_of;
using charnn::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Runs a scope from another working directory, and comes back even on a throw.
struct InDir {
  fs::path before = fs::current_path();
  explicit InDir(const fs::path& dir) { fs::current_path(dir); }
  ~InDir() { fs::current_path(before); }
};

std::vector<std::string> values_of(const Trial& t) {
  std::vector<std::string> out;
  for (const auto& kv : t.values) out.push_back(kv.second);
  return out;
}

}  // namespace

TEST(SweepSpec, GridIsTheCartesianProductInSpecOrderWithTheLastParameterFastest) {
  TempDir tmp;
  const std::string path = tmp.file("grid.yaml",
                                    "base: {data: /data/x.h5, max_iters: 7}\n"
                                    "sweep:\n"
                                    "  method: grid\n"
                                    "  parameters:\n"
                                    "    rnn_size: [16, 32]\n"
                                    "    dropout: [0.0, 0.1, 0.2]\n"
                                    "    model: gru\n");
  const SweepSpec spec = load_sweep_spec(path);
  EXPECT_EQ(spec.method, SweepMethod::grid);
  EXPECT_EQ(spec.name, "grid");  // the file's stem when the spec has no name
  ASSERT_EQ(spec.parameters.size(), 3u);
  EXPECT_EQ(spec.parameters[0].kind, ParamKind::list);
  EXPECT_EQ(spec.parameters[2].kind, ParamKind::fixed);

  const std::vector<Trial> trials = expand_trials(spec);
  ASSERT_EQ(trials.size(), 6u);  // 2 x 3 x 1
  const std::vector<std::vector<std::string>> expected = {
      {"16", "0.0", "gru"}, {"16", "0.1", "gru"}, {"16", "0.2", "gru"},
      {"32", "0.0", "gru"}, {"32", "0.1", "gru"}, {"32", "0.2", "gru"}};
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].id, static_cast<int>(i));
    EXPECT_EQ(values_of(trials[i]), expected[i]) << "trial " << i;
    EXPECT_EQ(trials[i].values[0].first, "rnn_size");
    EXPECT_EQ(trials[i].config.model, CellType::Gru);      // the fixed value reaches every trial
    EXPECT_EQ(trials[i].config.max_iters, 7);      // and so does the base
    EXPECT_EQ(trials[i].config.data, "/data/x.h5");
  }
  EXPECT_EQ(trials[4].config.rnn_size, 32);
  EXPECT_DOUBLE_EQ(trials[4].config.dropout, 0.1);
}

TEST(SweepSpec, GridOfOneListHasOneTrialPerValue) {
  TempDir tmp;
  const std::string path = tmp.file("one.yaml",
                                    "name: one-list\nbase: {data: x.h5}\nsweep:\n  parameters:\n"
                                    "    optimizer: [adam, sgd, rmsprop, adamw]\n");
  const std::vector<Trial> trials = expand_trials(load_sweep_spec(path));
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[0].config.optimizer, Optimizer::Adam);
  EXPECT_EQ(trials[3].config.optimizer, Optimizer::AdamW);
}

namespace {

const char* kRandomSpec =
    "base: {data: x.h5}\n"
    "sweep:\n"
    "  method: random\n"
    "  trials: 40\n"
    "  seed: SEED\n"
    "  parameters:\n"
    "    learning_rate: {log_uniform: [0.0001, 0.01]}\n"
    "    dropout: {uniform: [0.1, 0.5]}\n"
    "    num_layers: {int_uniform: [1, 3]}\n"
    "    model: {choice: [lstm, gru]}\n"
    "    rnn_size: [64, 128]\n";

SweepSpec random_spec(const TempDir& tmp, int seed) {
  std::string text = kRandomSpec;
  text.replace(text.find("SEED"), 4, std::to_string(seed));
  return load_sweep_spec(tmp.file("random" + std::to_string(seed) + ".yaml", text));
}

}  // namespace

TEST(SweepSpec, RandomDrawsTrialsValuesWithinTheirRanges) {
  TempDir tmp;
  const SweepSpec spec = random_spec(tmp, 3);
  EXPECT_EQ(spec.method, SweepMethod::random);
  EXPECT_EQ(spec.parameters[0].kind, ParamKind::log_uniform);
  EXPECT_EQ(spec.parameters[1].kind, ParamKind::uniform);
  EXPECT_EQ(spec.parameters[2].kind, ParamKind::int_uniform);
  EXPECT_EQ(spec.parameters[3].kind, ParamKind::choice);
  EXPECT_EQ(spec.parameters[4].kind, ParamKind::list);

  const std::vector<Trial> trials = expand_trials(spec);
  ASSERT_EQ(trials.size(), 40u);
  std::set<std::string> layers;
  for (const Trial& t : trials) {
    ASSERT_EQ(t.values.size(), 5u);
    const double lr = std::stod(t.values[0].second), dropout = std::stod(t.values[1].second);
    EXPECT_GE(lr, 1e-4);
    EXPECT_LE(lr, 1e-2);
    EXPECT_DOUBLE_EQ(t.config.learning_rate, lr);
    EXPECT_GE(dropout, 0.1);
    EXPECT_LE(dropout, 0.5);
    // int_uniform: a whole number, written without a decimal point.
    const std::string& n = t.values[2].second;
    EXPECT_EQ(n.find_first_not_of("0123456789"), std::string::npos) << n;
    EXPECT_GE(t.config.num_layers, 1);
    EXPECT_LE(t.config.num_layers, 3);
    layers.insert(n);
    EXPECT_TRUE(t.values[3].second == "lstm" || t.values[3].second == "gru") << t.values[3].second;
    EXPECT_TRUE(t.config.rnn_size == 64 || t.config.rnn_size == 128);
  }
  EXPECT_GT(layers.size(), 1u) << "40 draws of int_uniform [1, 3] all gave " << *layers.begin();
}

TEST(SweepSpec, RandomIsReproducibleFromItsSeed) {
  TempDir tmp;
  const std::vector<Trial> a = expand_trials(random_spec(tmp, 3));
  const std::vector<Trial> b = expand_trials(random_spec(tmp, 3));
  const std::vector<Trial> c = expand_trials(random_spec(tmp, 4));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), c.size());
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].values, b[i].values) << "trial " << i;
    differs = differs || a[i].values != c[i].values;
  }
  EXPECT_TRUE(differs) << "seeds 3 and 4 drew the same trials";
}

TEST(SweepSpec, LogUniformSpansItsRangeInLogSpace) {
  TempDir tmp;
  const std::vector<Trial> trials = expand_trials(random_spec(tmp, 11));
  // Uniform in log space: about half the draws below the geometric middle (1e-3),
  // where a linear uniform would put about 9 %.
  int below = 0;
  for (const Trial& t : trials) below += std::stod(t.values[0].second) < 1e-3;
  EXPECT_GE(below, 8);
  EXPECT_LE(below, 32);
}

TEST(SweepSpec, UnknownKeysNameFileLineKeyAndTheKeysExpected) {
  TempDir tmp;
  struct Case {
    const char* yaml;
    std::string expected;  // after "FILE:"
  };
  const Case cases[] = {
      {"base: {data: x.h5}\nsweeep: {}\n", "2: unknown key 'sweeep'; expected name, base_config, base, sweep or slurm"},
      {"base: {data: x.h5}\nsweep:\n  method: grid\n  trails: 3\n  parameters: {dropout: [0.1]}\n",
       "4: unknown sweep key 'trails'; expected method, parameters, trials, seed, metric or early_terminate"},
      {"base: {data: x.h5}\nsweep:\n  method: random\n  trials: 2\n  parameters:\n    dropout: {unifrom: [0, 1]}\n",
       "6: dropout: unknown distribution 'unifrom'; expected choice, uniform, log_uniform or int_uniform"},
      {"base: {data: x.h5}\nsweep:\n  parameters: {dropout: [0.1]}\nslurm:\n  ranks: 2\n  partion: gpu\n",
       "6: unknown slurm key 'partion'; expected partition, account, time, nodes, ranks, gpus_per_node, "
       "cpus_per_task, max_concurrent or launcher"},
  };
  for (const Case& c : cases) {
    const std::string path = tmp.file("bad.yaml", c.yaml);
    const std::string e = error_of([&] { load_sweep_spec(path); });
    EXPECT_EQ(e, path + ":" + c.expected) << c.yaml;
  }
}

TEST(SweepSpec, ClosedSetsAreCheckedWhereTheyAreRead) {
  TempDir tmp;
  std::string path = tmp.file("m.yaml", "base: {data: x.h5}\nsweep:\n  method: grit\n  parameters: {dropout: [0.1]}\n");
  EXPECT_EQ(error_of([&] { load_sweep_spec(path); }), path + ":3: method = 'grit': expected grid or random");
  path = tmp.file("l.yaml", "base: {data: x.h5}\nsweep: {parameters: {dropout: [0.1]}}\nslurm: {launcher: ssh}\n");
  EXPECT_EQ(error_of([&] { load_sweep_spec(path); }), path + ":3: slurm.launcher = 'ssh': expected srun or mpirun");
  path = tmp.file("g.yaml", "base: {data: x.h5}\nsweep:\n  parameters:\n    dropout: {uniform: [0, 0.5]}\n");
  EXPECT_NE(error_of([&] { load_sweep_spec(path); }).find(":4: dropout: 'uniform' needs method random"),
            std::string::npos);
  EXPECT_EQ(to_string(ParamKind::log_uniform), "log_uniform");
  EXPECT_EQ(to_string(SweepMethod::random), "random");
}

// data, vocab and init_from, in base or swept, are relative to the spec's
// folder (like base_config), not to the directory the sweep is planned from.
TEST(SweepSpec, RelativeInputPathsResolveAgainstTheSpecFolder) {
  TempDir tmp;
  const std::string path = tmp.file("specs/s.yaml",
                                    "base:\n  data: corpus.h5\n  vocab: /abs/v.json\n"
                                    "sweep:\n  parameters:\n    init_from: [init/a.h5, /abs/b.h5]\n");
  const std::string folder = (tmp.path / "specs").string();
  const std::vector<Trial> trials = expand_trials(load_sweep_spec(path));
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].config.data, folder + "/corpus.h5");
  EXPECT_EQ(trials[0].config.vocab, "/abs/v.json");  // absolute paths stay as they are
  EXPECT_EQ(trials[0].config.init_from, folder + "/init/a.h5");
  EXPECT_EQ(trials[1].config.init_from, "/abs/b.h5");
  EXPECT_EQ(trials[0].values[0].second, "init/a.h5");  // trials.csv keeps what the spec said

  // Planned from another directory, the trial's config names the spec folder's corpus.
  {
    InDir elsewhere(tmp.path);
    PlanOptions opt;
    opt.dir = "planned";
    opt.charnn_path = "/usr/bin/true";
    plan_sweep(load_sweep_spec(path), opt);
  }
  const std::string config = read_file((tmp.path / "planned/trials/0000/config.yaml").string());
  EXPECT_NE(config.find("data: \"" + folder + "/corpus.h5\"\n"), std::string::npos) << config;
  EXPECT_NE(config.find("init_from: \"" + folder + "/init/a.h5\"\n"), std::string::npos) << config;
}

// base_config is a train config: its own paths mean what they mean to
// `charnn train --config`, whatever folder the spec is in.
TEST(SweepSpec, PathsInsideBaseConfigAreLeftAsTheyAre) {
  TempDir tmp;
  tmp.file("specs/train.yaml", "data: runs/x.h5\nrnn_size: 48\n");
  const std::string path = tmp.file("specs/s.yaml", "base_config: train.yaml\nsweep: {parameters: {dropout: [0.1]}}\n");
  const std::vector<Trial> trials = expand_trials(load_sweep_spec(path));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].config.data, "runs/x.h5");
  EXPECT_EQ(trials[0].config.rnn_size, 48);
}

TEST(TrialStatus, StatesKeepTheirWordsOnDisk) {
  for (TrialState s : {TrialState::pending, TrialState::running, TrialState::done, TrialState::failed,
                       TrialState::preempted})
    EXPECT_EQ(parse_trial_state(to_string(s), "status.json"), s);
  EXPECT_EQ(error_of([] { parse_trial_state("finished", "t/status.json"); }),
            "t/status.json: status = 'finished': expected pending, running, done, failed or preempted");

  TempDir tmp;
  EXPECT_EQ(read_trial_status(tmp.path.string()).status, TrialState::pending);  // no file yet
  TrialStatus st;
  st.status = TrialState::preempted;
  st.restarts = 2;
  write_trial_status(tmp.path.string(), st);
  EXPECT_NE(read_file((tmp.path / "status.json").string()).find("\"status\": \"preempted\""), std::string::npos);
  const TrialStatus back = read_trial_status(tmp.path.string());
  EXPECT_EQ(back.status, TrialState::preempted);
  EXPECT_EQ(back.restarts, 2);
}

namespace {

TrialRow row(int id, const std::string& lr, TrialState status, double loss) {
  TrialRow r;
  r.id = id;
  r.params = {{"learning_rate", lr}};
  r.status = status;
  r.best_val_loss = loss;
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST(SweepTable, SortedByTheMetricWithTrialsWithoutOneLast) {
  std::vector<TrialRow> rows = {row(0, "0.001", TrialState::done, 1.5), row(1, "0.002", TrialState::failed, -1),
                                row(2, "0.003", TrialState::done, 1.25), row(3, "0.004", TrialState::pending, -1),
                                row(4, "0.005", TrialState::running, 1.3), row(5, "0.006", TrialState::failed, 1.4)};
  sort_by_metric(rows);
  std::vector<int> order;
  for (const auto& r : rows) order.push_back(r.id);
  // A trial that failed after an evaluation keeps its place by loss; those
  // without a loss (failed early, pending) come last, in trial order.
  EXPECT_EQ(order, (std::vector<int>{2, 4, 5, 0, 1, 3}));
}

TEST(SweepTable, ColumnsAlignedAndNumbersFormatted) {
  TrialRow a = row(2, "0.003", TrialState::done, 1.25);
  a.best_epoch = 1.5;
  a.best_iter = 200;
  a.wall_seconds = 3725;
  a.chars_per_sec = 12345.6;
  a.restarts = 1;
  a.best_checkpoint = "sw/trials/0002/lm_lstm_epoch1.50_1.2500.h5";
  TrialRow b = row(10, "0.0001", TrialState::pending, -1);
  const std::string table = format_rows({a, b}, "table");
  const std::vector<std::string> expected = {
      "trial  learning_rate  status   val_loss  val_bpc  epoch  iter  wall     chars/s  restarts  checkpoint",
      "2      0.003          done     1.2500    1.8034   1.50   200   1:02:05  12346    1         "
      "sw/trials/0002/lm_lstm_epoch1.50_1.2500.h5",
      "10     0.0001         pending  -         -        -      -     00:00    0        0         -",
  };
  EXPECT_EQ(lines_of(table), expected) << table;
  EXPECT_EQ(format_rows({a}, "csv").substr(0, 36), "trial,learning_rate,status,val_loss,");
  EXPECT_NE(format_rows({a}, "json").find("\"status\": \"done\""), std::string::npos);
  EXPECT_EQ(error_of([&] { format_rows({a}, "html"); }), "--format 'html': expected table, csv, markdown or json");
}

// The findings of tests/fuzz (docs/fuzzing.md), pinned: every one is an Error
// naming the file and line, never another exception or undefined behaviour.

TEST(SweepSpec, CountsAreWholeNumbersInRangeBeforeAnythingIsBuilt) {
  const std::string spec = "base: {data: x.h5}\nsweep:\n  method: random\n  trials: N\n  parameters: {dropout: [0.1]}\n";
  for (const char* n : {".inf", "1e12", "2.5", "0", "-3"}) {
    std::string text = spec;
    text.replace(text.find(": N") + 2, 1, n);
    EXPECT_EQ(error_of([&] { parse_sweep_spec(text, "sw/spec.yaml"); }),
              std::string("sw/spec.yaml:4: trials = '") + n + "': expected a whole number in [1, 100000]");
  }
  std::string text = spec;
  EXPECT_EQ(parse_sweep_spec(text.replace(text.find(": N") + 2, 1, "1e3"), "sw/spec.yaml").trials, 1000);
  EXPECT_EQ(error_of([] {
              parse_sweep_spec("base: {data: x.h5}\nsweep:\n  seed: -1\n  parameters: {dropout: [0.1]}\n", "s.yaml");
            }),
            "s.yaml:3: seed = '-1': expected a whole number >= 0");
  EXPECT_EQ(error_of([] {
              parse_sweep_spec("base: {data: x.h5}\nsweep: {parameters: {dropout: [0.1]}}\nslurm: {nodes: 1e30}\n", "s.yaml");
            }),
            "s.yaml:3: slurm.nodes = '1e30': expected a whole number >= 1");
  // A grid is counted before its trials are built: 10^6 combinations fail at once.
  std::string grid = "base: {data: x.h5}\nsweep:\n  parameters:\n";
  for (const char* k : {"rnn_size", "seq_length", "batch_size", "num_layers", "embedding_size", "seed"})
    grid += std::string("    ") + k + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  EXPECT_EQ(error_of([&] { parse_sweep_spec(grid, "s.yaml"); }),
            "s.yaml: sweep.parameters: a grid of 10 x 10 x 10 x 10 x 10 x 10 = 1000000 trials, expected at most "
            "100000; reduce the lists or use method random");
}

TEST(SweepSpec, IntUniformEndsAreCheckedAsIntegers) {
  const std::string spec = "base: {data: x.h5}\nsweep:\n  method: random\n  trials: 20\n  parameters:\n    ";
  // 1000000 was checked as format_number's "1e+06", which is no integer.
  const std::vector<Trial> trials =
      expand_trials(parse_sweep_spec(spec + "seed: {int_uniform: [1000000, 1000002]}\n", "s.yaml"));
  for (const Trial& t : trials) {
    EXPECT_GE(t.config.seed, 1000000);
    EXPECT_LE(t.config.seed, 1000002);
  }
  EXPECT_EQ(error_of([&] { parse_sweep_spec(spec + "max_epochs: {int_uniform: [0, 1e300]}\n", "s.yaml"); }),
            "s.yaml:6: max_epochs: int_uniform: [0, 1e+300], expected both ends within 64-bit integers");
}

TEST(SweepSpec, AListOrMappingWhereAValueBelongsIsAnError) {
  const std::string sweep = "sweep: {parameters: {dropout: [0.1]}}\n";
  EXPECT_EQ(error_of([&] { parse_sweep_spec("base: {data: x.h5}\n? {a: 1}\n: 2\n" + sweep, "s.yaml"); }),
            "s.yaml:2: a key: got a mapping, expected a word such as name, base_config, base, sweep or slurm");
  EXPECT_EQ(error_of([&] { parse_sweep_spec("name: [a, b]\nbase: {data: x.h5}\n" + sweep, "s.yaml"); }),
            "s.yaml:1: name: got a list, expected one word (letters, digits and . _ -)");
  EXPECT_EQ(error_of([&] { parse_sweep_spec("base:\n  data: x.h5\n  [rnn_size]: 3\n" + sweep, "s.yaml"); }),
            "s.yaml:3: base: a key: got a list, expected an option name (rnn_size: 128)");
}

TEST(SweepTable, TrialsCsvIdsAndFieldCountsAreChecked) {
  const std::vector<TrialRow> rows = parse_trials_csv("id,learning_rate\n\n0,0.1\n7,\"0.5,1\"\n", "sw");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].id, 7);
  EXPECT_EQ(rows[1].dir, "sw/trials/0007");
  EXPECT_EQ(rows[1].params, (std::vector<std::pair<std::string, std::string>>{{"learning_rate", "0.5,1"}}));
  EXPECT_EQ(error_of([] { parse_trials_csv("id,learning_rate\n0,0.1\nx,0.2\n", "sw"); }),
            "sw/trials.csv:3: id = 'x': expected a trial number in [0, 99999]");
  EXPECT_EQ(error_of([] { parse_trials_csv("id,learning_rate\n12abc,0.1\n", "sw"); }),
            "sw/trials.csv:2: id = '12abc': expected a trial number in [0, 99999]");
  EXPECT_EQ(error_of([] { parse_trials_csv("id,learning_rate\n-1,0.1\n", "sw"); }),
            "sw/trials.csv:2: id = '-1': expected a trial number in [0, 99999]");
  // A short row followed by a long one overflowed the table's column widths.
  EXPECT_EQ(error_of([] { parse_trials_csv("id,dropout\n0\n1,x\n", "sw"); }), "sw/trials.csv:2: 1 field; the header has 2");
}

TEST(SweepTable, JsonReplacesBytesThatAreNotUtf8) {
  TrialRow r = row(0, "caf\xe9", TrialState::pending, -1);
  EXPECT_NE(format_rows({r}, "json").find("\"learning_rate\": \"caf\xef\xbf\xbd\""), std::string::npos);
}

TEST(TrialStatus, NumbersAreCheckedBeforeTheyAreConverted) {
  const TrialStatus st = parse_trial_status("{\"status\": \"failed\", \"exit_code\": 2.0, \"restarts\": 3}", "t/s.json");
  EXPECT_EQ(st.status, TrialState::failed);
  EXPECT_EQ(st.exit_code, 2);
  EXPECT_EQ(st.restarts, 3);
  EXPECT_EQ(error_of([] { parse_trial_status("{\"restarts\": 92233720368547758070}", "t/s.json"); }),
            "t/s.json: restarts = 9.223372036854776e+19: expected a whole number in [0, 9223372036854775807]");
  EXPECT_EQ(error_of([] { parse_trial_status("{\"exit_code\": 1.5}", "t/s.json"); }),
            "t/s.json: exit_code = 1.5: expected a whole number in [-2147483648, 2147483647]");
  EXPECT_EQ(error_of([] { parse_trial_status("{\"restarts\": -1}", "t/s.json"); }),
            "t/s.json: restarts = -1: expected a whole number in [0, 9223372036854775807]");
  EXPECT_EQ(error_of([] { parse_trial_status("[]", "t/s.json"); }), "t/s.json: expected a JSON object, not array");
}

// Every value of a spec is checked where it is read: a list or a mapping where
// a word belongs, a key that is not a word, a key given twice. The message is one
// line, "FILE:LINE: what: got ..., expected ...", with no yaml-cpp text in it.
TEST(SweepSpec, ShapesAndKeysOfEveryValueAreChecked) {
  TempDir tmp;
  struct Case {
    const char* yaml;
    std::string expected;  // after "FILE:"
  };
  const Case cases[] = {
      {"base: {data: x.h5}\nsweep:\n  method: [grid]\n  parameters: {dropout: [0.1]}\n",
       "3: method: got a list, expected grid or random"},
      {"name: [x]\nbase: {data: x.h5}\nsweep: {parameters: {dropout: [0.1]}}\n",
       "1: name: got a list, expected one word (letters, digits and . _ -)"},
      {"? [a, b]\n: 1\nbase: {data: x.h5}\n", "1: a key: got a list, expected a word such as name, base_config, "
                                              "base, sweep or slurm"},
      {"base: {data: x.h5}\nsweep:\n  parameters:\n    ? [rnn_size]\n    : [16]\n",
       "4: parameters: a key: got a list, expected an option name (rnn_size: [128, 256])"},
      {"base: {data: x.h5}\nsweep:\n  parameters: {dropout: [0.1]}\nslurm: {partition: [gpu]}\n",
       "4: slurm.partition: got a list, expected one value"},
      {"base: {data: x.h5}\nsweep:\n  parameters:\n    rnn_size: [16]\n    rnn-size: [32]\n",
       "5: rnn_size: swept twice; expected each option once"},
      {"base: {data: x.h5}\nsweep:\n  method: grid\n  method: random\n  parameters: {dropout: [0.1]}\n",
       "4: method: given twice (first at line 3); expected it once"},
      {"base: {data: x.h5}\nsweep:\n  method: random\n  trials: 2\n  seed: -1\n  parameters: {dropout: [0.1]}\n",
       "5: seed = '-1': expected a whole number >= 0"},
      {"base: {data: x.h5}\nsweep: {parameters: {dropout: [0.1]}}\nslurm: {ranks: 1e30}\n",
       "3: slurm.ranks = '1e30': expected a whole number >= 1"},
  };
  for (const Case& c : cases) {
    const std::string path = tmp.file("bad.yaml", c.yaml);
    const std::string e = error_of([&] { load_sweep_spec(path); });
    EXPECT_EQ(e, path + ":" + c.expected) << c.yaml;
  }
}

TEST(SweepSpec, RangesMustHoldWhatTheyDraw) {
  TempDir tmp;
  auto spec = [&](const std::string& params) {
    return tmp.file("r.yaml", "base: {data: x.h5}\nsweep:\n  method: random\n  trials: 3\n  parameters:\n    " +
                                  params + "\n");
  };
  std::string path = spec("num_layers: {int_uniform: [1.2, 1.8]}");
  EXPECT_EQ(error_of([&] { load_sweep_spec(path); }),
            path + ":6: num_layers: int_uniform: [1.2, 1.8] holds no whole number, expected a range with one");
  path = spec("dropout: {int_uniform: [0.2, 0.8]}");
  EXPECT_NE(error_of([&] { load_sweep_spec(path); }).find("holds no whole number"), std::string::npos);
  path = spec("rnn_size: {uniform: [16, 64]}");
  EXPECT_EQ(error_of([&] { load_sweep_spec(path); }),
            path + ":6: rnn_size: uniform: rnn_size takes whole numbers, expected {int_uniform: [low, high]}");
  path = spec("model: {uniform: [0, 1]}");
  EXPECT_NE(error_of([&] { load_sweep_spec(path); }).find("model is not a number"), std::string::npos);
  path = spec("dropout: {uniform: [0.1, .nan]}");
  EXPECT_NE(error_of([&] { load_sweep_spec(path); }).find("expected a finite number"), std::string::npos);
  // A range with whole numbers inside draws only those, both ends included.
  path = spec("num_layers: {int_uniform: [0.5, 2.5]}");
  std::set<std::string> drawn;
  for (const Trial& t : expand_trials(load_sweep_spec(path))) drawn.insert(t.values[0].second);
  for (const auto& v : drawn) EXPECT_TRUE(v == "1" || v == "2") << v;
}

TEST(SweepSpec, TooManyTrialsIsAnErrorBeforeAnythingIsExpanded) {
  TempDir tmp;
  std::string grid = "base: {data: x.h5}\nsweep:\n  parameters:\n";
  for (const char* k : {"rnn_size", "num_layers", "embedding_size", "seq_length", "batch_size", "seed", "keep_last"})
    grid += std::string("    ") + k + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  const std::string path = tmp.file("grid.yaml", grid);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of([&] { load_sweep_spec(path); }),
            path + ": sweep.parameters: a grid of 10 x 10 x 10 x 10 x 10 x 10 x 10 = 10000000 trials, expected at "
                   "most 100000; reduce the lists or use method random");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  const std::string random = tmp.file(
      "random.yaml", "base: {data: x.h5}\nsweep:\n  method: random\n  trials: 10000000\n  parameters: {dropout: [0.1]}\n");
  EXPECT_EQ(error_of([&] { load_sweep_spec(random); }),
            random + ":4: trials = '10000000': expected a whole number in [1, 100000]");
}

namespace {

// A planned two-trial sweep in `dir`, for corrupting one file at a time.
std::string planned_sweep(const TempDir& tmp) {
  const std::string spec = tmp.file("s.yaml", "base: {data: x.h5}\nsweep:\n  parameters: {dropout: [0.0, 0.1]}\n");
  const std::string dir = tmp / "sw";
  plan_sweep(load_sweep_spec(spec), {dir, false, "charnn"});
  return dir;
}

}  // namespace

TEST(SweepTable, EveryFieldOfTrialsCsvIsChecked) {
  TempDir tmp;
  const std::string dir = planned_sweep(tmp);
  const std::string csv = dir + "/trials.csv";
  EXPECT_EQ(read_sweep(dir).size(), 2u);
  struct Case {
    const char* text;
    std::string expected;  // after "DIR/trials.csv"
  };
  const Case cases[] = {
      {"id,dropout\nx,0.0\n", ":2: id = 'x': expected a trial number in [0, 99999]"},
      {"id,dropout\n-1,0.0\n", ":2: id = '-1': expected a trial number in [0, 99999]"},
      {"id,dropout\n0\n", ":2: 1 field; the header has 2"},
      {"id,dropout\n0,0.0\n0,0.1\n", ":3: id: trial 0 is listed twice"},
      {"trial;dropout\n0;0.0\n", ":1: first column 'trial;dropout', expected 'id' (is this a trials.csv from "
                                 "'charnn sweep plan'?)"},
      {"id,dropuot\n0,0.0\n", ":1: column 2 'dropuot': expected the name of a swept train option"},
      {"", ":1: empty; expected the header 'id,<swept option>,...' that 'charnn sweep plan' writes"},
      {"id,dropout\n", ": no trials listed (only a header)"},
  };
  for (const Case& c : cases) {
    std::ofstream(csv, std::ios::trunc) << c.text;
    EXPECT_EQ(error_of([&] { read_sweep(dir); }), csv + c.expected) << c.text;
  }
  std::ofstream(csv, std::ios::trunc) << "id,dropout\r\n0,0.0\r\n";  // edited on Windows: still read
  EXPECT_EQ(read_sweep(dir).at(0).params.at(0).second, "0.0");
}

TEST(SweepTable, EveryFieldOfStatusJsonIsChecked) {
  TempDir tmp;
  const std::string dir = planned_sweep(tmp);
  const std::string path = dir + "/trials/0000/status.json";
  struct Case {
    const char* json;
    std::string expected;  // after "PATH: "
  };
  const Case cases[] = {
      {"{\"status\": \"done\", ", "not valid JSON (parse error at line 1, column 20: syntax error while parsing "
                                  "object key - unexpected end of input; expected string literal); expected the "
                                  "object 'charnn train --trial-dir' writes"},
      {"[\"done\"]", "expected a JSON object, not array"},
      {"{\"status\": 3}", "status: got 3, expected a string"},
      {"{\"status\": \"finished\"}", "status = 'finished': expected pending, running, done, failed or preempted"},
      {"{\"restarts\": \"three\"}", "restarts = \"three\": expected a whole number in [0, 9223372036854775807]"},
      {"{\"restarts\": -4}", "restarts = -4: expected a whole number in [0, 9223372036854775807]"},
      {"{\"exit_code\": 1.5}", "exit_code = 1.5: expected a whole number in [-2147483648, 2147483647]"},
      {"{\"best_val_loss\": \"low\"}", "best_val_loss: got \"low\", expected a finite number >= 0"},
      {"{\"best_val_loss\": -1}", "best_val_loss: got -1, expected a finite number >= 0"},
  };
  for (const Case& c : cases) {
    std::ofstream(path, std::ios::trunc) << c.json;
    EXPECT_EQ(error_of([&] { read_sweep(dir); }), path + ": " + c.expected) << c.json;
  }
  // null is how JSON holds a loss that never became finite: no loss, not an error.
  std::ofstream(path, std::ios::trunc) << "{\"status\": \"failed\", \"best_val_loss\": null, \"restarts\": 2}";
  EXPECT_EQ(read_trial_status(dir + "/trials/0000").restarts, 2);
}

TEST(SweepTable, MetricsLinesAreCheckedButALineBeingWrittenIsNot) {
  TempDir tmp;
  const std::string dir = planned_sweep(tmp);
  const std::string path = dir + "/trials/0001/metrics.jsonl";
  std::ofstream(path) << "{\"event\":\"val\",\"iter\":2,\"val_loss\":1.5,\"epoch\":0.5}\n{\"event\":\"va";
  EXPECT_EQ(read_sweep(dir).at(0).best_val_loss, 1.5);  // the unfinished last line is skipped
  std::ofstream(path, std::ios::trunc) << "{\"event\":\"val\",\"iter\":2,\"val_loss\":\"x\"}\n";
  EXPECT_EQ(error_of([&] { read_sweep(dir); }), path + ":1: val_loss: got \"x\", expected a finite number >= 0");
  std::ofstream(path, std::ios::trunc) << "{\"event\":\"train\",\"iter\":-3,\"loss\":2}\n";
  EXPECT_EQ(error_of([&] { read_sweep(dir); }), path + ":1: iter: got -3, expected an integer >= 0");
  std::ofstream(path, std::ios::trunc) << "[1, 2]\n{\"event\":\"val\"}\n";
  EXPECT_EQ(error_of([&] { read_sweep(dir); }), path + ":1: got [1,2], expected a JSON object (one per line)");
  std::ofstream(path, std::ios::trunc) << "not json\n{\"event\":\"val\"}\n";
  EXPECT_EQ(error_of([&] { read_sweep(dir); }), path + ":1: not a JSON object (metrics.jsonl holds one per line)");
}

TEST(SweepTable, ARunRowCarriesEveryCurveAndWhetherTrainingFinished) {
  TempDir tmp;
  const std::string run = tmp / "run";
  tmp.file("run/metrics.jsonl",
           "{\"event\":\"start\",\"iter\":0,\"parameters\":1234}\n"
           "{\"event\":\"train\",\"iter\":5,\"loss\":2.5,\"lr\":0.002,\"chars_per_sec\":100}\n"
           "{\"event\":\"train\",\"iter\":10,\"loss\":2.0,\"lr\":0.001,\"chars_per_sec\":300}\n"
           "{\"event\":\"val\",\"iter\":10,\"val_loss\":2.2}\n");
  TrialRow r = read_run(run);
  EXPECT_EQ(r.lr_curve, (std::vector<std::pair<int64_t, double>>{{5, 0.002}, {10, 0.001}}));
  EXPECT_EQ(r.cps_curve, (std::vector<std::pair<int64_t, double>>{{5, 100}, {10, 300}}));
  EXPECT_EQ(r.parameters, 1234);
  EXPECT_EQ(r.last_iter, 10);
  EXPECT_FALSE(r.done_logged);
  EXPECT_EQ(r.status, TrialState::unknown);  // no status.json: logged, not finished
  std::ofstream(run + "/metrics.jsonl", std::ios::app) << "{\"event\":\"done\",\"iter\":10}\n";
  EXPECT_TRUE(read_run(run).done_logged);
  EXPECT_EQ(read_run(run).status, TrialState::done);  // the table and the report both say finished
  // A resume after the end starts again: not finished until its own `done`.
  std::ofstream(run + "/metrics.jsonl", std::ios::app) << "{\"event\":\"start\",\"iter\":10,\"resumed\":true}\n";
  EXPECT_FALSE(read_run(run).done_logged);
  EXPECT_EQ(read_run(run).status, TrialState::unknown);
}

TEST(SweepTable, SamplesAreReadAndCheckedLikeMetrics) {
  TempDir tmp;
  const std::string run = tmp / "run";
  const std::string path = tmp.file("run/samples.jsonl",
                                    "{\"iter\":4,\"temperature\":0.5,\"text\":\"ab\"}\n\n"
                                    "{\"iter\":4,\"temperature\":1.0,\"text\":\"c\\nd\"}\n{\"iter\":8,\"te");
  const std::vector<SampleLine> s = read_samples(run);  // the unfinished last line is skipped
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].iter, 4);
  EXPECT_EQ(s[1].temperature, 1.0);
  EXPECT_EQ(s[1].text, "c\nd");
  EXPECT_TRUE(read_samples(tmp / "absent").empty());
  std::ofstream(path, std::ios::trunc) << "{\"iter\":4,\"temperature\":1}\n";
  EXPECT_EQ(error_of([&] { read_samples(run); }), path + ":1: no \"text\"; expected {\"iter\", \"temperature\", \"text\"}");
  std::ofstream(path, std::ios::trunc) << "{\"iter\":4,\"temperature\":-1,\"text\":\"\"}\n";
  EXPECT_EQ(error_of([&] { read_samples(run); }), path + ":1: temperature: got -1, expected a finite number >= 0");
  std::ofstream(path, std::ios::trunc) << "oops\n{}\n";
  EXPECT_EQ(error_of([&] { read_samples(run); }), path + ":1: not a JSON object (samples.jsonl holds one per line)");
}

TEST(SweepTable, ADirectoryThatIsNeitherASweepNorARunIsAnError) {
  TempDir tmp;
  fs::create_directories(tmp.path / "empty");
  tmp.file("plain/README.md", "notes");
  for (const std::string& dir : {tmp / "empty", tmp / "plain"}) {
    const std::string e = error_of([&] { read_run(dir); });
    EXPECT_EQ(e, dir + ": neither a sweep directory (no trials.csv) nor a run directory (no config.yaml, "
                       "metrics.jsonl, status.json or checkpoints)");
    EXPECT_EQ(error_of([&] { best_checkpoint(dir); }), e);
    EXPECT_FALSE(is_run_dir(dir));
  }
  EXPECT_NE(error_of([&] { require_sweep_or_run_dir(tmp / "missing"); }).find("not a directory"), std::string::npos);
  tmp.file("run/metrics.jsonl", "");
  EXPECT_TRUE(is_run_dir(tmp / "run"));
  EXPECT_EQ(read_run(tmp / "run").status, TrialState::pending);
}

TEST(SweepPlan, ReplansOnlyASweepDirectoryAndNeverOverAnInput) {
  TempDir tmp;
  const std::string spec = tmp.file("s.yaml", "base: {data: x.h5}\nsweep:\n  parameters: {dropout: [0.0]}\n");
  const SweepSpec s = load_sweep_spec(spec);
  tmp.file("plain/README.md", "notes");
  EXPECT_EQ(error_of([&] { plan_sweep(s, {tmp / "plain", true, "charnn"}); }),
            tmp / "plain" + ": exists and is not a sweep directory (no trials.csv); refusing to plan into it, even "
                            "with --force: choose a new directory");
  EXPECT_EQ(read_file(tmp / "plain/README.md"), "notes");
  EXPECT_FALSE(fs::exists(tmp.path / "plain/trials.csv"));
  EXPECT_NE(error_of([&] { plan_sweep(s, {spec, true, "charnn"}); }).find("--dir " + spec + ": is also an input"),
            std::string::npos);
  fs::create_directories(tmp.path / "empty");
  EXPECT_EQ(plan_sweep(s, {tmp / "empty", true, "charnn"}).size(), 1u);  // an empty folder is as good as none
  EXPECT_EQ(plan_sweep(s, {tmp / "empty", true, "charnn"}).size(), 1u);  // and re-planning a sweep still works
}

// Where a run ran: the last start line's Slurm ids and hosts, in the CSV table only.
TEST(SweepTable, CsvHasTheJobColumnsOfTheLastStartLine) {
  TempDir tmp;
  tmp.file("run/metrics.jsonl",
           "{\"event\":\"start\",\"iter\":0,\"hosts\":[\"old\"],\"slurm_job_id\":\"1\"}\n"
           "{\"event\":\"start\",\"iter\":5,\"hosts\":[\"n1\",\"n1\",\"n2\"],\"slurm_job_id\":\"4250\","
           "\"slurm_array_job_id\":\"4242\",\"slurm_array_task_id\":\"7\"}\n");
  const std::string run = (tmp.path / "run").string();
  const TrialRow r = read_run(run);
  EXPECT_EQ(r.hosts, (std::vector<std::string>{"n1", "n1", "n2"}));
  const std::vector<std::string> csv = lines_of(format_rows({r}, "csv"));
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_NE(csv[0].find(",checkpoint,slurm_job_id,slurm_array_job_id,slurm_array_task_id,hosts"), std::string::npos);
  EXPECT_EQ(csv[1].substr(csv[1].size() - 18), ",4250,4242,7,n1 n2");
  EXPECT_EQ(format_rows({r}, "table").find("slurm"), std::string::npos);
  tmp.file("run/metrics.jsonl", "{\"event\":\"start\",\"iter\":0,\"hosts\":\"n1\"}\n");
  EXPECT_EQ(error_of([&] { read_run(run); }),
            run + "/metrics.jsonl:1: hosts: got \"n1\", expected a list of host names");
}
