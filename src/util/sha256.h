// Incremental SHA-256 (OpenSSL's libcrypto, which uses the CPU's SHA extensions).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace charnn {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // finishes the digest
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace charnn
