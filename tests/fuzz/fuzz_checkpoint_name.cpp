// train/checkpoint_name: checkpoint file names (lm_<savefile>_epoch<E.EE>_<loss>.h5)
// as `charnn best`, keep_last/keep_best and the sweep tables read them from a
// directory listing. The first input byte picks the property:
//  - parse: parse_checkpoint_file_name on any name; an accepted name has the
//    pattern, and filtering by its own stem accepts it with the same numbers
//    (and by any other stem, never);
//  - round trip: checkpoint_file_name(stem, epoch, loss), for any stem and any
//    doubles, parses back to that stem and to the numbers as printed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "train/checkpoint_name.h"

using namespace charnn;
using fuzz::expect;

namespace {

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The number a "%.Nf" field of the name holds, read back.
double as_printed(double v, int digits) {
  std::vector<char> buf(static_cast<size_t>(std::snprintf(nullptr, 0, "%.*f", digits, v)) + 1);
  std::snprintf(buf.data(), buf.size(), "%.*f", digits, v);
  return std::strtod(buf.data(), nullptr);
}

void check_parse(const std::string& name, const std::string& filter) {
  double e = -1, l = -1;
  const bool any = parse_checkpoint_file_name(name, "", &e, &l);
  double fe = -1, fl = -1;
  const bool filtered = parse_checkpoint_file_name(name, filter, &fe, &fl);
  if (filtered) expect(any && same(fe, e) && same(fl, l), "a stem filter accepts a name the empty filter does not");
  if (!any) return;
  expect(name.rfind("lm_", 0) == 0 && name.size() >= 3 && name.compare(name.size() - 3, 3, ".h5") == 0,
         "accepted a name without lm_ ... .h5: " + name);
  const size_t at = name.rfind("_epoch");
  expect(at != std::string::npos && at >= 3, "accepted a name without _epoch");
  const std::string stem = name.substr(3, at - 3);
  double se = -1, sl = -1;
  expect(parse_checkpoint_file_name(name, stem, &se, &sl) && same(se, e) && same(sl, l),
         "its own stem does not select the name: " + name);
  expect(!parse_checkpoint_file_name(name, stem + "x", &se, &sl), "another stem selects the name: " + name);
}

void check_round_trip(const std::string& stem, double epoch, double loss) {
  const std::string name = checkpoint_file_name(stem, epoch, loss);
  double e = -1, l = -1;
  expect(parse_checkpoint_file_name(name, stem, &e, &l), "checkpoint_file_name's name does not parse back: " + name);
  expect(same(e, as_printed(epoch, 2)) && same(l, as_printed(loss, 4)),
         "the numbers do not read back from " + name);
  double ae = -1, al = -1;
  expect(parse_checkpoint_file_name(name, "", &ae, &al) && same(ae, e) && same(al, l),
         "the name parses with its stem but not without: " + name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const std::string filter = in.ConsumeRandomLengthString(32);
    check_parse(in.ConsumeRemainingBytesAsString(), filter);
  } else {
    const double epoch = in.ConsumeFloatingPoint<double>();
    const double loss = in.ConsumeFloatingPoint<double>();
    check_round_trip(in.ConsumeRemainingBytesAsString(), epoch, loss);
  }
  return 0;
}
