// sweep/results: a sweep's trials.csv as `charnn sweep table|best|plot|run`
// read it (parse_trials_csv), and the table made of its rows (format_rows, in
// every format). Properties:
//  - each returns or throws charnn::Error;
//  - the rows written back with util/csv (as sweep plan writes the file) parse
//    to the same rows.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "sweep/layout.h"
#include "sweep/results.h"
#include "util/csv.h"

using namespace charnn;
using fuzz::expect;

namespace {

std::string write_back(const std::vector<TrialRow>& rows) {
  std::string csv = "id";
  if (!rows.empty())
    for (const auto& p : rows[0].params) csv += "," + csv_field(p.first);
  csv += "\n";
  for (const auto& r : rows) {
    csv += std::to_string(r.id);
    for (const auto& p : r.params) csv += "," + csv_field(p.second);
    csv += "\n";
  }
  return csv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<TrialRow> rows;
  if (!fuzz::returns_or_throws_error([&] { rows = parse_trials_csv(text, "sweep"); })) return 0;
  for (const auto& r : rows) expect(r.dir == trial_dir("sweep", r.id), "a row's dir is not its trial's");

  // Values with a line break cannot be written back as one record line.
  bool one_line = true;
  for (const auto& r : rows)
    for (const auto& p : r.params)
      if ((p.first + p.second).find_first_of("\r\n") != std::string::npos) one_line = false;
  if (one_line) {
    const std::string csv = write_back(rows);
    std::vector<TrialRow> back;
    expect(fuzz::returns_or_throws_error([&] { back = parse_trials_csv(csv, "sweep"); }),
           "rows written back do not parse:\n" + csv);
    expect(back.size() == rows.size(), "rows written back: another number of rows");
    for (size_t i = 0; i < rows.size() && i < back.size(); ++i)
      expect(back[i].id == rows[i].id && back[i].params == rows[i].params, "rows written back differ:\n" + csv);
  }

  sort_by_metric(rows);
  for (const char* format : {"table", "csv", "markdown", "json"})
    fuzz::returns_or_throws_error([&] { format_rows(rows, format); });
  return 0;
}
