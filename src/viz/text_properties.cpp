#include "viz/text_properties.h"

#include <algorithm>

namespace charnn {

namespace {

bool is_word_char(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

// Nesting depth of `open`/`close` pairs after each character; never below 0.
std::vector<float> depth(const std::vector<uint32_t>& s, const std::string& open, const std::string& close) {
  std::vector<float> out(s.size());
  int64_t d = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] < 0x80 && open.find(static_cast<char>(s[i])) != std::string::npos) ++d;
    else if (s[i] < 0x80 && close.find(static_cast<char>(s[i])) != std::string::npos) d = std::max<int64_t>(0, d - 1);
    out[i] = static_cast<float>(d);
  }
  return out;
}

// A C lexer's state, enough to tell comments and string literals apart.
enum class Lex { Code, Slash, Block, BlockStar, Line, Str, StrEscape, Chr, ChrEscape };

Lex next_state(Lex st, uint32_t c) {
  switch (st) {
    case Lex::Slash:  // a '/' in code: a comment opens only if '*' or '/' follows
      if (c == '*') return Lex::Block;
      if (c == '/') return Lex::Line;
      return next_state(Lex::Code, c);
    case Lex::Code:
      if (c == '/') return Lex::Slash;
      if (c == '"') return Lex::Str;
      if (c == '\'') return Lex::Chr;
      return Lex::Code;
    case Lex::Block: return c == '*' ? Lex::BlockStar : Lex::Block;
    case Lex::BlockStar: return c == '/' ? Lex::Code : c == '*' ? Lex::BlockStar : Lex::Block;
    case Lex::Line: return c == '\n' ? Lex::Code : Lex::Line;
    case Lex::Str: return c == '"' || c == '\n' ? Lex::Code : c == '\\' ? Lex::StrEscape : Lex::Str;
    case Lex::StrEscape: return c == '\n' ? Lex::Code : Lex::Str;
    case Lex::Chr: return c == '\'' || c == '\n' ? Lex::Code : c == '\\' ? Lex::ChrEscape : Lex::Chr;
    case Lex::ChrEscape: return c == '\n' ? Lex::Code : Lex::Chr;
  }
  return Lex::Code;  // not reached: every state is listed
}

}  // namespace

std::vector<TextProperty> text_properties(const std::vector<uint32_t>& s) {
  const size_t n = s.size();
  std::vector<float> column(n), after_newline(n), word_start(n), in_quotes(n), comment(n), string(n);
  float col = 0;
  bool quoted = false;
  Lex lex = Lex::Code;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = s[i], prev = i > 0 ? s[i - 1] : '\n';
    col = c == '\n' ? 0 : col + 1;
    column[i] = col;
    after_newline[i] = i > 0 && prev == '\n' ? 1 : 0;
    word_start[i] = is_word_char(c) && (i == 0 || !is_word_char(prev)) ? 1 : 0;
    if (c == '"') quoted = !quoted;
    in_quotes[i] = quoted ? 1 : 0;
    lex = next_state(lex, c);
    comment[i] = lex == Lex::Block || lex == Lex::BlockStar || lex == Lex::Line ? 1 : 0;
    string[i] = lex == Lex::Str || lex == Lex::StrEscape ? 1 : 0;
  }
  return {
      {"column", "position in the line: characters since the last newline", std::move(column)},
      {"after_newline", "first character of a line", std::move(after_newline)},
      {"word_start", "first character of a word", std::move(word_start)},
      {"in_quotes", "inside double quotes", std::move(in_quotes)},
      {"paren_depth", "nesting depth of ( and [", depth(s, "([", ")]")},
      {"brace_depth", "nesting depth of { }", depth(s, "{", "}")},
      {"in_c_comment", "inside a C comment (/* */ or //)", std::move(comment)},
      {"in_c_string", "inside a C string literal", std::move(string)},
  };
}

}  // namespace charnn
