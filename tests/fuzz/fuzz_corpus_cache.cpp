// data/corpus + data/seal: a corpus cache as `charnn train`, `eval` and
// `inspect` open it (Corpus::open), then every token of every split read back
// by window, from mutated bytes of real small caches (corpus/corpus_cache/).
// Properties: it returns or throws charnn::Error, and HDF5 never parses a
// byte of metadata the seal has not vouched for (a crash inside libhdf5 is a
// finding like any other); every id read back is inside the vocabulary.
#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"
#include "fuzz_common.h"

using namespace charnn;
using fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_file("cache.h5", data, size);
  fuzz::returns_or_throws_error([&] {
    auto c = Corpus::open(path);
    const int64_t v = static_cast<int64_t>(c->vocab().size());
    std::vector<int64_t> ids(4096);
    for (Split s : {Split::Train, Split::Val, Split::Test}) {
      const uint64_t n = c->size(s);
      for (uint64_t at = 0; at < n; at += ids.size()) {
        const uint64_t k = std::min<uint64_t>(ids.size(), n - at);
        c->read(s, at, k, ids.data());
        for (uint64_t i = 0; i < k; ++i) expect(ids[i] >= 0 && ids[i] < v, "an id outside the vocabulary was returned");
      }
    }
  });
  return 0;
}
