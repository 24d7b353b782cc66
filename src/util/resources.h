// Where charnn finds itself and the files installed beside it: the binary
// (/proc/self/exe) and its data directory, PREFIX/share/charnn (example configs
// and sweep specs, the Slurm job scripts), located relative to the binary so that
// an installed tree works from any prefix and from a copy moved elsewhere.
#pragma once
#include <string>

namespace charnn {

// The running binary's path (/proc/self/exe).
std::string self_exe();

// The data directory, the first of:
//   $CHARNN_DATA_DIR                        (set by the Lmod module; an override)
//   <dir of the binary>/../share/charnn     (an installed tree: PREFIX/bin/charnn)
//   <dir of the binary>/share/charnn        (a build tree: CMake links it to the
//                                            source tree's configs/ and scripts/slurm/)
// or "" when none exists.
std::string data_dir();

// `path` as given when it names a file; otherwise, when it is a bare file name
// ("tinyshakespeare.yaml" or "tinyshakespeare"), the example of that name in
// data_dir()/configs, if there is one; otherwise `path` unchanged (the caller's
// check then reports it missing).
std::string config_path(const std::string& path);

}  // namespace charnn
