// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// TFRecord framing, and the "masked" form TensorFlow stores (a CRC of data that
// holds CRCs is not itself a CRC of anything, so the stored value is rotated
// and offset).
#pragma once
#include <cstddef>
#include <cstdint>

namespace charnn {

// The CRC-32C of `n` bytes, continuing from `crc` (0 for a fresh checksum).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
// TFRecord's masked CRC-32C: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t masked_crc32c(const void* data, size_t n);

}  // namespace charnn
