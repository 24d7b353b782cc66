// One CSV mechanism for trials.csv and `sweep table --format csv` (util/csv.h).
#include <gtest/gtest.h>

#include "util/csv.h"

using namespace charnn;

TEST(Csv, FieldsRoundTripThroughSplitIncludingQuotesCommasAndCarriageReturns) {
  const std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "cr\rhere", "", "0.002"};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
  EXPECT_EQ(split_csv_line(line), fields);
  // \r is quoted: a reader that ends records at a bare \r must not split the field
  // (the two copies of this code disagreed on \r before they became one).
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_field("plain"), "plain");
}
