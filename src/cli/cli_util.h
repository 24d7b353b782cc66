// Shared Boost.Program_options plumbing for the subcommands: parse, turn
// option errors into one clear line, print --help; '_' and '-' in long
// option names are interchangeable.
#pragma once
#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "util/status.h"

namespace charnn {

namespace po = boost::program_options;

// The arguments after argv[0] with long option names written the registered
// way: `--top_p` and `--top-p` (or `--num_samples=3`) name the same option, as
// in `charnn train`. Only a name that is not registered itself but matches one
// registered name up to '_' vs '-' is rewritten; a value (the word after an
// option that takes one) and everything after "--" are left as they are.
inline std::vector<std::string> with_registered_spellings(int argc, char** argv, const po::options_description& opts) {
  auto same = [](std::string a, std::string b) {
    std::replace(a.begin(), a.end(), '_', '-');
    std::replace(b.begin(), b.end(), '_', '-');
    return a == b;
  };
  auto find = [&](const std::string& name) -> const po::option_description* {
    try {
      return opts.find_nothrow(name, true);  // prefixes too, as Boost will match them
    } catch (const po::error&) {
      return nullptr;  // ambiguous: Boost reports it
    }
  };
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--") break;
    const po::option_description* d = nullptr;
    bool adjacent = false;  // the value is in the same word
    if (a.rfind("--", 0) == 0) {
      const size_t eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      adjacent = eq != std::string::npos;
      if (!(d = find(name)))
        for (const auto& o : opts.options())
          if (!o->long_name().empty() && same(o->long_name(), name)) {
            d = o.get();
            a = "--" + o->long_name() + a.substr(name.size() + 2);
            break;
          }
    } else if (a.size() == 2 && a[0] == '-') {
      d = find(a);  // a short option ("-t"); "-t0.5" holds its value
    }
    if (d && !adjacent && d->semantic()->min_tokens() > 0) ++i;  // skip its value
  }
  return args;
}

// Parses argv into vm; `positional` (nullptr: none) names the option that takes
// the one bare argument. Returns false (after printing help to stdout) when
// --help was given.
inline bool parse_or_help(int argc, char** argv, const std::string& usage, po::options_description& opts,
                          const char* positional, po::variables_map& vm) {
  opts.add_options()("help,h", "show this help");
  try {
    auto parser = po::command_line_parser(with_registered_spellings(argc, argv, opts)).options(opts);
    po::positional_options_description pos;
    if (positional) parser.positional(pos.add(positional, 1));
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n\n" << opts << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    fail(argv[0], ": ", e.what(), " (see 'charnn ", argv[0], " --help')");
  }
  return true;
}

}  // namespace charnn
