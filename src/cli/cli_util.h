// Shared Boost.Program_options plumbing for the subcommands: parse, turn
// option errors into one clear line, print --help.
#pragma once
#include <boost/program_options.hpp>
#include <iostream>
#include <string>

#include "util/status.h"

namespace charnn {

namespace po = boost::program_options;

// Returns false (after printing help to stdout) when --help was given.
inline bool parse_or_help(int argc, char** argv, const std::string& usage, po::options_description& opts,
                          po::positional_options_description* pos, po::variables_map& vm) {
  opts.add_options()("help,h", "show this help");
  try {
    auto parser = po::command_line_parser(argc, argv).options(opts);
    if (pos) parser.positional(*pos);
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
