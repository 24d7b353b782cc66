// src/viz/text_properties: simple properties of a text, one number per
// character, that `charnn neurons` correlates with every cell of a model
// (viz/discovery.h). No LibTorch.
//
// Each value is what a reader going left to right knows AFTER reading the
// character, which is what an RNN's state after that character can hold: an
// opening quote is inside the quotes, a closing one is outside again; the
// '/' that opens "/*" is not yet in a comment (it may be a division), the '*'
// is. Characters are token values (code points, or bytes for a bytes
// vocabulary); only ASCII ones have a meaning here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace charnn {

struct TextProperty {
  std::string name;         // "column", "in_quotes", ...: the key in --json and the page
  std::string description;  // one line for the page's table and docs/visualise.md
  std::vector<float> values;  // one per character
};

// Every property, in a fixed order:
//   column         characters read since the last newline (0 on the newline itself)
//   after_newline  1 on the first character of a line (the one after a newline)
//   word_start     1 on a word character (letter, digit, _, non-ASCII) after a non-word one
//   in_quotes      1 from an opening double quote to the character before its closing one
//                  (quotes simply alternate; no escapes: prose)
//   paren_depth    nesting depth of ( and [ (a closer with no opener is ignored)
//   brace_depth    nesting depth of { (likewise)
//   in_c_comment   inside a C comment: from the '*' of "/*" to the '*' of "*/",
//                  from the second '/' of "//" to the character before the newline
//   in_c_string    inside a C string literal: from its opening '"' to the character
//                  before its closing one; \" does not close it; a newline ends it;
//                  quotes inside comments and character literals ('"') open nothing
std::vector<TextProperty> text_properties(const std::vector<uint32_t>& chars);

}  // namespace charnn
