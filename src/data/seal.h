// The integrity seal of the HDF5 files charnn writes (corpus caches and
// checkpoints). Why: the HDF5 library trusts the bytes it parses. A 150 s
// libFuzzer run of libhdf5 1.10.8 opening mutated charnn checkpoints hit a
// 0x6e6e72...-byte malloc in H5C_protect and, with that allowed, ran out of
// memory: a corrupt file can crash any program that opens it. So no byte of
// HDF5 *metadata* that changed since charnn wrote it reaches the library.
// It is a checksum, not a signature: a file crafted with a recomputed seal is
// parsed as any HDF5 reader would (docs/robustness.md, "Why a seal").
//
// The seal lives in the file's HDF5 user block (the first kSealBytes bytes,
// which the library skips; h5py and h5dump read sealed files as usual):
//
//   charnn-seal 1
//   sha256 <64 hex digits>
//   size <file size in bytes>
//   skip <offset> <length>      (zero or more, ascending, disjoint)
//   NUL padding to kSealBytes
//
// The digest covers the seal's own lines (without the sha256 line) and every
// byte after the user block except the `skip` ranges: the raw storage of
// contiguous numeric datasets (token ids, weights, moments). Those are plain
// numbers the library copies without interpreting, and charnn validates them
// where it reads them (token ids in range, tensors finite), so an in-place
// edit of a value is reported by name while any change to the structure is
// refused here. Verifying reads only the metadata: a few KB for a 474 MB cache.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>

namespace charnn::h5 {

// The user block every file charnn creates reserves for the seal (a power of
// two >= 512, as HDF5 requires; 4 KiB holds ~200 skip ranges, more merge).
constexpr uint64_t kSealBytes = 4096;

// Writes the HDF5 file `path` whole or not at all, sealed: `fill` writes into
// a new file at a hidden temporary name, which is then closed (every handle
// `fill` opened must be closed by then), sealed, fsynced and renamed over
// `path`. On any failure (ENOSPC, EDQUOT, EFBIG, EIO) the temporary is
// removed, a previous `path` is left as it was, and the Error names `path` and
// the OS reason. Every HDF5 file charnn writes is written by this.
void write_file(const std::string& path, const std::function<void(hid_t file)>& fill);

// Writes the seal into the user block of `path`, a complete HDF5 file created
// with kSealBytes of user block (h5::create_file) whose handles are all closed.
void seal_file(const std::string& path);

enum class SealState { Sealed, Absent };

// Checks `path` against its seal. Returns Absent when the user block holds no
// seal at all (a file charnn did not write: torch-rnn's caches, files from
// before seals); throws Error "PATH: ..." when a seal is there but the file
// does not match it (truncated, extended, or changed since it was written).
SealState verify_seal(const std::string& path);

}  // namespace charnn::h5
