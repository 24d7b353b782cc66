// CSV as charnn writes and reads it (trials.csv, `sweep table --format csv`):
// RFC 4180 quoting, one mechanism for both directions. A field is quoted when
// it holds a comma, a quote, or a line break (\n or \r: a bare \r would end a
// record for many readers); quotes inside are doubled. Records are one line:
// charnn's own fields hold no line breaks, so the reader splits one line.
#pragma once
#include <string>
#include <vector>

namespace charnn {

std::string csv_field(const std::string& value);
// The fields of one record line (the inverse of joining csv_field()s with ',').
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace charnn
