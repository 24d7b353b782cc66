// sweep/spec, sweep/expand: a sweep spec as `charnn sweep plan` reads it:
// parse_sweep_spec, then expand_trials (the trials it would plan). Both return
// or throw charnn::Error. The spec sits in a scratch directory that also holds
// a tinyshakespeare.yaml, so `base_config: tinyshakespeare.yaml` (the example
// specs' base) resolves like it does beside configs/.
//
// The loader is the one place the trial limit (kMaxTrials) is checked, before
// anything is built: a spec it accepts with more trials is a finding.
// expand_trials builds every trial: a spec within the limit may legitimately
// take seconds under ASan, which is not a finding. So trials are expanded for
// specs of at most kExpandAtMost trials.
#include <algorithm>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "sweep/expand.h"
#include "sweep/spec.h"

using namespace charnn;

namespace {

const char kBaseConfig[] =
    "data: runs/demo/tinyshakespeare.h5\n"
    "model: lstm\n"
    "rnn_size: 128\n"
    "num_layers: 2\n"
    "batch_size: 50\n"
    "seq_length: 50\n"
    "learning_rate: 0.002\n"
    "max_epochs: 30\n"
    "checkpoint_dir: runs/tinyshakespeare\n";

std::string spec_path;
constexpr int64_t kExpandAtMost = 1000;

// How many trials the spec plans (saturating above kMaxTrials).
int64_t planned_trials(const SweepSpec& spec) {
  if (spec.method == SweepMethod::random) return spec.trials;
  int64_t n = 1;
  for (const auto& p : spec.parameters)
    n = std::min<int64_t>(n * static_cast<int64_t>(std::min<size_t>(p.values.size(), kMaxTrials + 1)), kMaxTrials + 1);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::scratch_file("tinyshakespeare.yaml", kBaseConfig, sizeof kBaseConfig - 1);
  spec_path = fuzz::scratch_dir() + "/sweep.yaml";  // never written: the spec is parsed from the input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  SweepSpec spec;
  if (!fuzz::returns_or_throws_error([&] { spec = parse_sweep_spec(text, spec_path); })) return 0;
  const int64_t n = planned_trials(spec);
  fuzz::expect(n <= kMaxTrials, "parse_sweep_spec accepted a spec of more than kMaxTrials trials");
  if (n <= kExpandAtMost) fuzz::returns_or_throws_error([&] { expand_trials(spec); });
  return 0;
}
