// What every harness shares: the contract and a per-process scratch directory.
//
// The contract of a parser of hostile input: it returns a value or throws
// charnn::Error (one clear line). Anything else escaping it (a yaml-cpp or
// nlohmann exception, std::invalid_argument from stoi, std::bad_alloc from a
// size read from the input) is a finding: the harness aborts, so libFuzzer
// saves the input. ASan and UBSan reports are findings too (-fno-sanitize-recover).
#pragma once
#include <cxxabi.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>

#include "util/fsutil.h"
#include "util/status.h"

namespace charnn::fuzz {

// A failed property: print it and abort (a crash libFuzzer records).
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void expect(bool ok, const std::string& what) {
  if (!ok) finding(what);
}

// The demangled type of the exception being handled.
inline std::string current_exception_type() {
  const std::type_info* t = abi::__cxa_current_exception_type();
  if (!t) return "?";
  int status = 0;
  char* d = abi::__cxa_demangle(t->name(), nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : t->name();
  std::free(d);
  return out;
}

// Runs `parse`: true when it returned, false when it threw charnn::Error;
// any other exception is a finding.
template <typename Fn>
bool returns_or_throws_error(Fn&& parse) {
  try {
    parse();
    return true;
  } catch (const charnn::Error&) {
    return false;
  } catch (const std::exception& e) {
    finding("escaped " + current_exception_type() + ": " + e.what());
  } catch (...) {
    finding("escaped " + current_exception_type());
  }
}

// A directory of this process's own under $TMPDIR (scripts/fuzz.sh points it
// into its own temporary directory), removed at exit: for loaders that read
// other files, or that only take a path (write the input there first).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/charnn-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) finding("mkdtemp failed in " + tmpl);
    std::string d = tmpl;
    static const std::string to_remove = d;
    std::atexit([] { charnn::remove_tree(to_remove); });
    return d;
  }();
  return dir;
}

// Writes `size` bytes to scratch_dir()/name (replacing it); returns its path.
inline std::string scratch_file(const std::string& name, const void* data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) finding("cannot write " + path);
  return path;
}

}  // namespace charnn::fuzz
