// Numbers read from files (trials.csv, status.json, a sweep spec): one checked
// conversion each way, so no reader uses std::stoi (which throws its own
// exceptions and accepts "12abc") or casts a double that may not fit (undefined
// behaviour). Both return nothing when the value is not what is expected; the
// caller names the file, key and range in its Error.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace charnn {

// The whole of `s` is a decimal integer ('-' allowed; no '+', spaces or other
// characters) in [min, max].
inline std::optional<int64_t> parse_int64(const std::string& s, int64_t min = std::numeric_limits<int64_t>::min(),
                                          int64_t max = std::numeric_limits<int64_t>::max()) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end || v < min || v > max) return std::nullopt;
  return v;
}

// `d` as an integer when it is a whole number in [min, max] (false for NaN and
// infinities); compared in long double, which holds every int64 exactly.
inline std::optional<int64_t> whole_number(double d, int64_t min = std::numeric_limits<int64_t>::min(),
                                           int64_t max = std::numeric_limits<int64_t>::max()) {
  if (!std::isfinite(d) || d != std::floor(d)) return std::nullopt;
  const long double ld = d;
  if (ld < static_cast<long double>(min) || ld > static_cast<long double>(max)) return std::nullopt;
  return static_cast<int64_t>(d);
}

}  // namespace charnn
