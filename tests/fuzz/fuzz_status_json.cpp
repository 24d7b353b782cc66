// sweep/trial_status: a trial's status.json as `charnn train --trial-dir`,
// `sweep run --local` and the sweep tables read it (parse_trial_status). The
// contract: it returns or throws charnn::Error; an accepted file has a state
// a writer could have written (never `unknown`).
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "sweep/trial_status.h"

using namespace charnn;
using fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrialStatus st;
  if (!fuzz::returns_or_throws_error([&] { st = parse_trial_status(text, "trials/0000/status.json"); })) return 0;
  expect(st.status != TrialState::unknown, "status.json parsed to the state 'unknown'");
  return 0;
}
