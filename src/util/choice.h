// Closed sets of values (an option's choices) as enums, with one spelling per
// enumerator. A value from a flag, a YAML file or a checkpoint is parsed once,
// where it enters the program; the code behind that switches on the enum
// instead of comparing strings, so a misspelt comparison cannot compile.
//
// An enum joins by specialising Choices (model/cell_type.h, train/choices.h):
//   template <> struct Choices<Color> {
//     static constexpr const char* key = "color";  // its option, for messages
//     static constexpr std::array<const char*, 2> names{"red", "blue"};  // in declaration order
//   };
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "util/status.h"

namespace charnn {

template <typename E>
struct Choices;

// True for the enums that specialise Choices: keeps the templates below off
// every other type (an unqualified to_string(int) must not find them).
template <typename E, typename = void>
struct is_choice : std::false_type {};
template <typename E>
struct is_choice<E, std::void_t<decltype(Choices<E>::names)>> : std::true_type {};
template <typename E>
inline constexpr bool is_choice_v = is_choice<E>::value;
template <typename E>
using if_choice = std::enable_if_t<is_choice_v<E>>;

// A std::string, not a const char*: `to_string(x) == "lstm"` then compares text.
template <typename E, typename = if_choice<E>>
std::string to_string(E e) {
  return Choices<E>::names[static_cast<size_t>(e)];
}

// So that cat(), streams and GoogleTest print the spelling.
template <typename E, typename = if_choice<E>>
std::ostream& operator<<(std::ostream& os, E e) {
  return os << to_string(e);
}

// "lstm | gru | rnn": the choices as error messages list them.
template <typename E, typename = if_choice<E>>
std::string choice_list() {
  std::string list;
  for (const char* n : Choices<E>::names) list += (list.empty() ? "" : " | ") + std::string(n);
  return list;
}

// The one-line error for a value outside a closed set. The options table
// gives it for its string choices too (device, progress, ...), so every such
// message reads alike.
[[noreturn]] inline void fail_choice(const std::string& where, const std::string& key, const std::string& value,
                                     const std::string& list) {
  fail(where, ": ", key, " = ", quoted(value), ": expected one of ", list);
}

// The enumerator spelt exactly `s` (case matters, as it always has), or none.
template <typename E, typename = if_choice<E>>
std::optional<E> from_string(std::string_view s) {
  const auto& names = Choices<E>::names;
  for (size_t i = 0; i < names.size(); ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

// As from_string, but a value outside the set is an Error:
// "<where>: model = 'x': expected one of lstm | gru | rnn".
template <typename E, typename = if_choice<E>>
E parse_choice(const std::string& value, const std::string& where) {
  if (auto e = from_string<E>(value)) return *e;
  fail_choice(where, Choices<E>::key, value, choice_list<E>());
}

}  // namespace charnn
