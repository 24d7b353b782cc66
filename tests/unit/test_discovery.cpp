// src/viz/text_properties.h and src/viz/discovery.h: the text properties,
// exact on small strings, and the correlation that ranks the cells.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "viz/discovery.h"
#include "util/status.h"
#include "viz/text_properties.h"

namespace charnn {

namespace {

std::vector<uint32_t> chars(const std::string& s) { return std::vector<uint32_t>(s.begin(), s.end()); }

// The named property of `s`, as a string of digits (one per character).
std::string prop(const std::string& s, const std::string& name) {
  for (const TextProperty& p : text_properties(chars(s))) {
    if (p.name != name) continue;
    std::string out;
    for (float v : p.values) out += std::to_string(static_cast<int>(v));
    return out;
  }
  ADD_FAILURE() << "no property " << name;
  return "";
}

}  // namespace

TEST(NeuronProperties, EveryPropertyHasOneValuePerCharacterInAFixedOrder) {
  const auto props = text_properties(chars("int x;\n"));
  std::vector<std::string> names;
  for (const auto& p : props) {
    names.push_back(p.name);
    EXPECT_EQ(p.values.size(), 7u) << p.name;
    EXPECT_FALSE(p.description.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"column", "after_newline", "word_start", "in_quotes", "paren_depth",
                                             "brace_depth", "in_c_comment", "in_c_string"}));
  EXPECT_TRUE(text_properties({}).front().values.empty());
}

TEST(NeuronProperties, ColumnLineAndWordStarts) {
  EXPECT_EQ(prop("ab\ncd\n\ne", "column"), "12012001");
  EXPECT_EQ(prop("ab\ncd\n\ne", "after_newline"), "00010011");
  EXPECT_EQ(prop("ab cd_1 (x)\n9y", "word_start"), "10010000010010");
  // non-ASCII counts as a letter: "é" after a space starts a word, inside one it does not
  EXPECT_EQ(prop(" \xC3\xA9", "word_start"), "010");  // bytes here; code points in a utf-8 vocabulary
}

TEST(NeuronProperties, QuotesAlternateAndTheClosingOneIsOutside) {
  EXPECT_EQ(prop("a\"bc\"d", "in_quotes"), "011100");
  EXPECT_EQ(prop("\"x\n\"y\"", "in_quotes"), "111001");  // prose: a quote may span lines
  EXPECT_EQ(prop("\\\"x\"", "in_quotes"), "0110");           // no escapes in prose
}

TEST(NeuronProperties, BracketDepthNestsAndNeverGoesBelowZero) {
  EXPECT_EQ(prop("f(a[b]) )(", "paren_depth"), "0112210001");
  EXPECT_EQ(prop("{a{b}}}{", "brace_depth"), "11221001");
  EXPECT_EQ(prop("{(})", "paren_depth"), "0110");  // ( ) and { } are counted apart
}

TEST(NeuronProperties, CCommentsFromTheirSecondCharacter) {
  EXPECT_EQ(prop("a/*b*/c", "in_c_comment"), "0011100");
  EXPECT_EQ(prop("x//y\nz", "in_c_comment"), "001100");
  EXPECT_EQ(prop("a/b*c", "in_c_comment"), "00000");  // a division
  EXPECT_EQ(prop("/**/", "in_c_comment"), "0110");
  EXPECT_EQ(prop("/***/x", "in_c_comment"), "011100");  // "**/" closes
  EXPECT_EQ(prop("/* \"a\" */", "in_c_string"), "000000000");  // no string inside a comment
  EXPECT_EQ(prop("/* \"a\" */", "in_c_comment"), "011111110");
}

TEST(NeuronProperties, CStringsWithEscapesAndCharacterLiterals) {
  EXPECT_EQ(prop("s=\"a\\\"b\";", "in_c_string"), "001111100");
  EXPECT_EQ(prop("\"a\\\\\"b", "in_c_string"), "111100");  // "a\\" then b: the escaped backslash does not escape the quote
  EXPECT_EQ(prop("c='\"';\"x\"", "in_c_string"), "000000110");  // '"' is a character, not a string
  EXPECT_EQ(prop("'\\''\"y\"", "in_c_string"), "0000110");    // '\'' then a string
  EXPECT_EQ(prop("\"//x\"", "in_c_string"), "11110");
  EXPECT_EQ(prop("\"//x\"", "in_c_comment"), "00000");  // no comment inside a string
  EXPECT_EQ(prop("\"ab\ncd\"e", "in_c_string"), "11100011");  // a newline ends an unterminated string; the next quote opens one
  EXPECT_EQ(prop("x/\"s\"", "in_c_string"), "00110");  // '/' then a string: the '/' was a division
}

TEST(NeuronDiscovery, PearsonOfKnownSeries) {
  const std::vector<float> x = {1, 2, 3, 4}, twice = {2, 4, 6, 8}, rev = {8, 6, 4, 2}, flat = {3, 3, 3, 3};
  EXPECT_NEAR(pearson(x.data(), twice.data(), 4), 1.0, 1e-12);
  EXPECT_NEAR(pearson(x.data(), rev.data(), 4), -1.0, 1e-12);
  EXPECT_EQ(pearson(x.data(), flat.data(), 4), 0.0);  // undefined: reported as 0
  const std::vector<float> a = {1, 2, 3}, b = {1, 3, 2};
  EXPECT_NEAR(pearson(a.data(), b.data(), 3), 0.5, 1e-12);
  // r = cov / (sd sd), computed by hand: x = 0 0 1 1, y = 0 1 1 1 -> 1/sqrt(3)
  const std::vector<float> c = {0, 0, 1, 1}, d = {0, 1, 1, 1};
  EXPECT_NEAR(pearson(c.data(), d.data(), 4), 1.0 / std::sqrt(3.0), 1e-12);
  // shifting and scaling either series leaves r unchanged
  const std::vector<float> c2 = {-5, -5, 15, 15};
  EXPECT_NEAR(pearson(c2.data(), d.data(), 4), 1.0 / std::sqrt(3.0), 1e-12);
}

TEST(NeuronDiscovery, RanksSeriesByAbsoluteCorrelationPerProperty) {
  std::vector<TextProperty> props = {{"p", "a property", {0, 1, 0, 1, 1, 0}}, {"flat", "constant", {2, 2, 2, 2, 2, 2}}};
  Discovery d(props);
  const std::vector<float> same = {0, 1, 0, 1, 1, 0}, negated = {0, -1, 0, -1, -1, 0}, noisy = {0, 1, 0.5, 1, 0.8, 0},
                           other = {1, 2, 3, 4, 5, 6}, flat = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  d.add(10, other.data(), 6);
  d.add(11, negated.data(), 6);
  d.add(12, noisy.data(), 6);
  d.add(13, flat.data(), 6);
  d.add(14, same.data(), 6);
  const auto ranking = d.ranking(3);
  ASSERT_EQ(ranking.size(), 2u);
  EXPECT_EQ(ranking[0].name, "p");
  EXPECT_FALSE(ranking[0].constant);
  ASSERT_EQ(ranking[0].top.size(), 3u);
  EXPECT_EQ(ranking[0].top[0].series, 11u);  // |r| = 1 twice: the lower index first
  EXPECT_NEAR(ranking[0].top[0].r, -1.0, 1e-12);
  EXPECT_EQ(ranking[0].top[1].series, 14u);
  EXPECT_NEAR(ranking[0].top[1].r, 1.0, 1e-12);
  EXPECT_EQ(ranking[0].top[2].series, 12u);
  EXPECT_NEAR(ranking[0].top[2].r, pearson(noisy.data(), same.data(), 6), 1e-12);
  EXPECT_TRUE(ranking[1].constant);
  EXPECT_TRUE(ranking[1].top.empty());
  EXPECT_EQ(d.r(0)[3], 0.0);  // a constant series tracks nothing
  EXPECT_EQ(d.ranking(10)[0].top.size(), 5u);  // never more than were added
  EXPECT_THROW(d.add(15, same.data(), 5), Error);
}

}  // namespace charnn
