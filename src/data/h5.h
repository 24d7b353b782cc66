// Thin RAII helpers over the HDF5 C API, shared by the corpus cache and the
// checkpoints. Debian's serial HDF5 is not thread-safe, so every call here
// takes one process-wide lock (the data prefetch thread reads while rank 0
// may be writing a checkpoint). Errors are charnn::Error naming the object.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace charnn::h5 {

std::recursive_mutex& lock();

// Owns one hid_t (file, group, dataset, dataspace, type or attribute).
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t id() const { return id_; }
  operator hid_t() const { return id_; }
  void reset();
  hid_t release();  // gives up ownership without closing

 private:
  hid_t id_ = -1;
};

template <typename T> hid_t native_type();

// Creates (truncates) `path`, its first `user_block` bytes reserved for the
// caller (HDF5 skips them; data/seal.h keeps its seal there). Files charnn
// writes are made by data/seal.h's write_file, which uses this.
Handle create_file(const std::string& path, uint64_t user_block = 0);
// Closes the file `f`; a failure to write what HDF5 still caches is an Error
// "cannot write: <reason>" (the caller adds the path).
void close_file(Handle& f);
Handle open_file(const std::string& path);    // read-only; clear error if not HDF5
bool exists(hid_t loc, const std::string& path);
Handle create_group(hid_t loc, const std::string& name);
Handle open_group(hid_t loc, const std::string& name);
Handle open_dataset(hid_t loc, const std::string& name);

// 1-D, fixed length, contiguous datasets that are written and read by window.
Handle create_1d(hid_t loc, const std::string& name, hid_t file_type, uint64_t n);
void write_1d(hid_t dset, hid_t mem_type, uint64_t offset, uint64_t count, const void* buf);
void read_1d(hid_t dset, hid_t mem_type, uint64_t offset, uint64_t count, void* buf);
std::vector<uint64_t> dims(hid_t dset);
hid_t dataset_type_class_size(hid_t dset, size_t* size, bool* is_signed, bool* is_float);

// Whole arrays (contiguous, any rank).
void write_array(hid_t loc, const std::string& name, hid_t mem_type, const std::vector<uint64_t>& shape,
                 const void* data);
template <typename T>
void write_vector(hid_t loc, const std::string& name, const std::vector<T>& v) {
  write_array(loc, name, native_type<T>(), {v.size()}, v.data());
}
// Reads a whole dataset converted to T; `shape` receives its dimensions.
template <typename T>
std::vector<T> read_array(hid_t loc, const std::string& name, std::vector<uint64_t>* shape = nullptr);

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v);

// Attributes.
bool has_attr(hid_t loc, const std::string& name);
void set_attr(hid_t loc, const std::string& name, const std::string& value);
void set_attr(hid_t loc, const std::string& name, double value);
void set_attr(hid_t loc, const std::string& name, int64_t value);
void set_attr(hid_t loc, const std::string& name, const std::vector<std::string>& value);
void set_attr(hid_t loc, const std::string& name, const std::vector<uint64_t>& value);
std::string get_attr_string(hid_t loc, const std::string& name);
double get_attr_double(hid_t loc, const std::string& name);
int64_t get_attr_int(hid_t loc, const std::string& name);
std::vector<std::string> get_attr_strings(hid_t loc, const std::string& name);
std::vector<uint64_t> get_attr_u64s(hid_t loc, const std::string& name);

}  // namespace charnn::h5
