#include "data/h5.h"

#include <cstdlib>
#include <cstring>

#include "util/fsutil.h"
#include "util/status.h"

namespace charnn::h5 {

namespace {
// Silence HDF5's own error stack printing once: we report our own one-line errors.
struct QuietErrors {
  QuietErrors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
void quiet() { static QuietErrors q; }

// No library teardown at exit. After a failed write (ENOSPC) HDF5 keeps the
// dataset it could not flush half-closed in its ID table, and its atexit
// handler (H5_term_library -> H5D_top_term_package -> H5D_close) segfaulted on
// it, after charnn had printed its error (seen with libhdf5 1.10.8 on a full
// tmpfs). charnn closes every handle it opens (Handle), a written file is
// closed and checked before it is renamed into place (write_file), and the OS
// releases the rest: the teardown has nothing left to do but crash.
[[maybe_unused]] const bool kNoAtExit = (H5dont_atexit(), true);

// The OS reason behind the error HDF5 just raised, from its error stack: the
// POSIX driver records "errno = 28, error message = 'No space left on device'".
herr_t find_errno(unsigned, const H5E_error2_t* e, void* out) {
  const char* p = e->desc ? std::strstr(e->desc, "errno = ") : nullptr;
  if (p && static_cast<std::string*>(out)->empty()) *static_cast<std::string*>(out) = std::strerror(std::atoi(p + 8));
  return 0;
}
std::string os_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_errno, &reason);
  return reason.empty() ? "" : ": " + reason;
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail("HDF5: ", what, os_reason());
  return id;
}
void check(herr_t rc, const char* op, const std::string& name) {
  if (rc < 0) fail("HDF5: ", op, " ", quoted(name), " failed", os_reason());
}
}  // namespace

std::recursive_mutex& lock() {
  static std::recursive_mutex m;
  return m;
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

hid_t Handle::release() {
  hid_t id = id_;
  id_ = -1;
  return id;
}

void Handle::reset() {
  if (id_ < 0) return;
  std::lock_guard<std::recursive_mutex> g(lock());
  H5Idec_ref(id_);
  id_ = -1;
}

template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t native_type<uint32_t>() { return H5T_NATIVE_UINT32; }
template <> hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<uint16_t>() { return H5T_NATIVE_UINT16; }

Handle create_file(const std::string& path, uint64_t user_block) {
  std::lock_guard<std::recursive_mutex> g(lock());
  quiet();
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  if (user_block > 0) check(H5Pset_userblock(fcpl, user_block), "set user block", path);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  if (id < 0) fail(path, ": cannot create HDF5 file", os_reason());
  return Handle(id);
}

void close_file(Handle& f) {
  // Closing writes what HDF5 still caches: the write most likely to hit a full disk.
  std::lock_guard<std::recursive_mutex> g(lock());
  const hid_t id = f.release();
  if (H5Fclose(id) < 0) fail("cannot write", os_reason());
}

Handle open_file(const std::string& path) {
  std::lock_guard<std::recursive_mutex> g(lock());
  quiet();
  if (H5Fis_hdf5(path.c_str()) <= 0)
    fail(path, ": not an HDF5 file (truncated, corrupt or another format)");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail(path, ": cannot open HDF5 file (truncated or corrupt?)");
  return Handle(id);
}

bool exists(hid_t loc, const std::string& path) {
  std::lock_guard<std::recursive_mutex> g(lock());
  // H5Lexists needs each intermediate group to exist: walk the path.
  size_t pos = 0;
  while (true) {
    size_t slash = path.find('/', pos);
    std::string prefix = path.substr(0, slash);
    if (!prefix.empty() && H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

Handle create_group(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  return Handle(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create group " + quoted(name)));
}

Handle open_group(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  if (!exists(loc, name)) fail("missing group ", quoted(name));
  return Handle(check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open group " + quoted(name)));
}

Handle open_dataset(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  if (!exists(loc, name)) fail("missing dataset ", quoted(name));
  return Handle(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open dataset " + quoted(name)));
}

Handle create_1d(hid_t loc, const std::string& name, hid_t file_type, uint64_t n) {
  std::lock_guard<std::recursive_mutex> g(lock());
  hsize_t dim = n;
  Handle space(H5Screate_simple(1, &dim, nullptr));
  // Contiguous, not chunked: one raw range the seal can skip (data/seal.h),
  // and a window read is one pread either way.
  return Handle(check(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create dataset " + quoted(name)));
}

static void select_window(hid_t dset, uint64_t offset, uint64_t count, Handle& file_space, Handle& mem_space) {
  file_space = Handle(H5Dget_space(dset));
  hsize_t off = offset, cnt = count;
  check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &off, nullptr, &cnt, nullptr), "select window", "");
  mem_space = Handle(H5Screate_simple(1, &cnt, nullptr));
}

void write_1d(hid_t dset, hid_t mem_type, uint64_t offset, uint64_t count, const void* buf) {
  if (count == 0) return;
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle fs, ms;
  select_window(dset, offset, count, fs, ms);
  check(H5Dwrite(dset, mem_type, ms, fs, H5P_DEFAULT, buf), "write window of", "dataset");
}

void read_1d(hid_t dset, hid_t mem_type, uint64_t offset, uint64_t count, void* buf) {
  if (count == 0) return;
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle fs, ms;
  select_window(dset, offset, count, fs, ms);
  check(H5Dread(dset, mem_type, ms, fs, H5P_DEFAULT, buf), "read window of", "dataset");
}

std::vector<uint64_t> dims(hid_t dset) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle space(H5Dget_space(dset));
  int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> d(std::max(rank, 0));
  if (rank > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
  return std::vector<uint64_t>(d.begin(), d.end());
}

hid_t dataset_type_class_size(hid_t dset, size_t* size, bool* is_signed, bool* is_float) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle t(H5Dget_type(dset));
  H5T_class_t cls = H5Tget_class(t);
  *size = H5Tget_size(t);
  *is_float = cls == H5T_FLOAT;
  *is_signed = cls == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_2;
  return cls;
}

void write_array(hid_t loc, const std::string& name, hid_t mem_type, const std::vector<uint64_t>& shape,
                 const void* data) {
  std::lock_guard<std::recursive_mutex> g(lock());
  std::vector<hsize_t> d(shape.begin(), shape.end());
  Handle space(d.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr));
  Handle ds(check(H5Dcreate2(loc, name.c_str(), mem_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create dataset " + quoted(name)));
  uint64_t n = 1;
  for (auto s : shape) n *= s;
  if (n > 0) check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write", name);
}

template <typename T>
std::vector<T> read_array(hid_t loc, const std::string& name, std::vector<uint64_t>* shape) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle ds = open_dataset(loc, name);
  std::vector<uint64_t> d = dims(ds);
  uint64_t n = 1;
  for (auto s : d) n *= s;
  std::vector<T> out(n);
  if (n > 0) check(H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read", name);
  if (shape) *shape = d;
  return out;
}
template std::vector<float> read_array<float>(hid_t, const std::string&, std::vector<uint64_t>*);
template std::vector<double> read_array<double>(hid_t, const std::string&, std::vector<uint64_t>*);
template std::vector<int64_t> read_array<int64_t>(hid_t, const std::string&, std::vector<uint64_t>*);
template std::vector<uint64_t> read_array<uint64_t>(hid_t, const std::string&, std::vector<uint64_t>*);
template std::vector<uint32_t> read_array<uint32_t>(hid_t, const std::string&, std::vector<uint64_t>*);
template std::vector<uint8_t> read_array<uint8_t>(hid_t, const std::string&, std::vector<uint64_t>*);

static Handle vlen_utf8() {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& v) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle t = vlen_utf8();
  std::vector<const char*> ptrs;
  for (auto& s : v) ptrs.push_back(s.c_str());
  hsize_t n = v.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle ds(check(H5Dcreate2(loc, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create dataset " + quoted(name)));
  if (n) check(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "write", name);
}

static std::vector<std::string> read_vlen(hid_t obj, hid_t space, bool is_attr, const std::string& name) {
  hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<char*> ptrs(n > 0 ? n : 0);
  Handle t = vlen_utf8();
  herr_t rc = n <= 0 ? 0 : is_attr ? H5Aread(obj, t, ptrs.data()) : H5Dread(obj, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
  check(rc, "read strings", name);
  std::vector<std::string> out;
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n > 0) H5Dvlen_reclaim(t, space, H5P_DEFAULT, ptrs.data());
  return out;
}

bool has_attr(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  return H5Aexists(loc, name.c_str()) > 0;
}

static void write_attr(hid_t loc, const std::string& name, hid_t type, hid_t space, const void* data) {
  if (H5Aexists(loc, name.c_str()) > 0) H5Adelete(loc, name.c_str());
  Handle a(check(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + quoted(name)));
  check(H5Awrite(a, type, data), "write attribute", name);
}

void set_attr(hid_t loc, const std::string& name, const std::string& value) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle t = vlen_utf8();
  Handle space(H5Screate(H5S_SCALAR));
  const char* p = value.c_str();
  write_attr(loc, name, t, space, &p);
}

void set_attr(hid_t loc, const std::string& name, double value) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle space(H5Screate(H5S_SCALAR));
  write_attr(loc, name, H5T_NATIVE_DOUBLE, space, &value);
}

void set_attr(hid_t loc, const std::string& name, int64_t value) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle space(H5Screate(H5S_SCALAR));
  write_attr(loc, name, H5T_NATIVE_INT64, space, &value);
}

void set_attr(hid_t loc, const std::string& name, const std::vector<std::string>& value) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle t = vlen_utf8();
  hsize_t n = value.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  std::vector<const char*> ptrs;
  for (auto& s : value) ptrs.push_back(s.c_str());
  write_attr(loc, name, t, space, ptrs.data());
}

void set_attr(hid_t loc, const std::string& name, const std::vector<uint64_t>& value) {
  std::lock_guard<std::recursive_mutex> g(lock());
  hsize_t n = value.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  write_attr(loc, name, H5T_NATIVE_UINT64, space, value.data());
}

static Handle open_attr(hid_t loc, const std::string& name) {
  if (H5Aexists(loc, name.c_str()) <= 0) fail("missing attribute ", quoted(name));
  return Handle(check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "cannot open attribute " + quoted(name)));
}

std::vector<std::string> get_attr_strings(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle a = open_attr(loc, name);
  Handle ft(H5Aget_type(a));
  if (H5Tget_class(ft) != H5T_STRING) fail("attribute ", quoted(name), " is not a string");
  Handle space(H5Aget_space(a));
  if (H5Tis_variable_str(ft) > 0) return read_vlen(a, space, true, name);
  // Fixed-length strings (as written by h5py for np.bytes_ values).
  size_t len = H5Tget_size(ft);
  hssize_t n = std::max<hssize_t>(1, H5Sget_simple_extent_npoints(space));
  std::vector<char> buf(len * n + 1, 0);
  Handle mt(H5Tcopy(H5T_C_S1));
  H5Tset_size(mt, len);
  check(H5Aread(a, mt, buf.data()), "read attribute", name);
  std::vector<std::string> out;
  for (hssize_t i = 0; i < n; ++i) out.emplace_back(buf.data() + i * len, strnlen(buf.data() + i * len, len));
  return out;
}

std::string get_attr_string(hid_t loc, const std::string& name) {
  auto v = get_attr_strings(loc, name);
  return v.empty() ? std::string() : v[0];
}

double get_attr_double(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle a = open_attr(loc, name);
  double v = 0;
  check(H5Aread(a, H5T_NATIVE_DOUBLE, &v), "read attribute", name);
  return v;
}

int64_t get_attr_int(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle a = open_attr(loc, name);
  int64_t v = 0;
  check(H5Aread(a, H5T_NATIVE_INT64, &v), "read attribute", name);
  return v;
}

std::vector<uint64_t> get_attr_u64s(hid_t loc, const std::string& name) {
  std::lock_guard<std::recursive_mutex> g(lock());
  Handle a = open_attr(loc, name);
  Handle space(H5Aget_space(a));
  hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<uint64_t> v(n > 0 ? n : 0);
  if (n > 0) check(H5Aread(a, H5T_NATIVE_UINT64, v.data()), "read attribute", name);
  return v;
}

}  // namespace charnn::h5
