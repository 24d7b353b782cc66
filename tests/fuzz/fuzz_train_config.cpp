// train/options: a `--config FILE.yaml` (and a sweep trial's config.yaml) as
// `charnn train` reads it: apply_yaml_text, then validate. Properties:
//  - each returns or throws charnn::Error;
//  - an accepted config round-trips: to_yaml (what sweep plan writes as a
//    trial's config.yaml) reads back without error to the same configuration.
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "train/options.h"

using namespace charnn;
using fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrainConfig cfg;
  if (!fuzz::returns_or_throws_error([&] { apply_yaml_text(cfg, text, "fuzz.yaml"); })) return 0;
  fuzz::returns_or_throws_error([&] { validate(cfg); });

  const std::string yaml = to_yaml(cfg);
  TrainConfig back;
  const bool ok = fuzz::returns_or_throws_error([&] { apply_yaml_text(back, yaml, "config.yaml"); });
  expect(ok, "to_yaml wrote a config that does not read back:\n" + yaml);
  expect(to_yaml(back) == yaml, "to_yaml does not round-trip:\n" + yaml + "---\n" + to_yaml(back));
  return 0;
}
