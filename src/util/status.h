// Errors: one clear line naming the file/key/value and what was expected.
// Code throws charnn::Error; the CLI prints it as "charnn: error: ..." and exits 1.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace charnn {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An error every rank of a job reaches together (the ranks agreed on it, e.g.
// a NaN loss): rank 0 reports it and all ranks exit cleanly, no MPI_Abort.
struct CollectiveError : Error {
  using Error::Error;
};

template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  throw Error(cat(args...));
}

// Throws `e` again as "CONTEXT: message" (the file a lower layer was reading
// when it failed), unless the message already starts with the context.
// For catch blocks around a whole read:
//   try { ... } catch (const Error& e) { rethrow_with_context(path, e); }
[[noreturn]] void rethrow_with_context(const std::string& context, const Error& e);

// A library's exception text without its own tag: nlohmann's
// "[json.exception.parse_error.101] parse error at line 1, ..." reads
// "parse error at line 1, ...".
std::string library_reason(const std::exception& e);

// Human-readable byte count ("1.06 MB").
std::string human_bytes(double bytes);
// A string with control characters and quotes escaped, for error messages.
std::string quoted(const std::string& s);

}  // namespace charnn
