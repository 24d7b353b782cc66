#include "data/batcher.h"

#include <algorithm>
#include <chrono>

#include "util/status.h"

namespace charnn {

StreamLayout make_layout(uint64_t split_tokens, int64_t streams, int64_t seq_length) {
  StreamLayout l;
  l.split_tokens = split_tokens;
  l.streams = streams;
  l.seq_length = seq_length;
  const uint64_t per_batch = static_cast<uint64_t>(streams) * static_cast<uint64_t>(seq_length);
  l.batches = split_tokens < 1 ? 0 : static_cast<int64_t>((split_tokens - 1) / per_batch);
  return l;
}

BatchSource::BatchSource(std::shared_ptr<const Corpus> corpus, Split split, StreamLayout layout,
                         int64_t first_stream, int64_t n_streams, bool prefetch, uint64_t readahead_tokens)
    : corpus_(std::move(corpus)),
      split_(split),
      layout_(layout),
      first_stream_(first_stream),
      n_streams_(n_streams),
      prefetch_(prefetch),
      readahead_(std::max<uint64_t>(readahead_tokens, layout.seq_length + 1)),
      windows_(n_streams) {}

BatchSource::~BatchSource() {
  if (next_.valid()) next_.wait();
}

Batch BatchSource::read(int64_t index) {
  const int64_t T = layout_.seq_length;
  Batch b;
  b.index = index;
  b.streams = n_streams_;
  b.seq_length = T;
  b.x.resize(n_streams_ * T);
  b.y.resize(n_streams_ * T);
  for (int64_t j = 0; j < n_streams_; ++j) {
    const uint64_t stream_start = static_cast<uint64_t>(first_stream_ + j) * layout_.stream_len();
    const uint64_t lo = stream_start + static_cast<uint64_t>(index) * T;  // first input token
    const uint64_t hi = lo + T + 1;                                       // one past the last target
    Window& w = windows_[j];
    if (lo < w.lo || hi > w.lo + w.ids.size()) {
      // Refill: read ahead to the end of this stream (+1 target), at most readahead_ tokens.
      const uint64_t stream_end = stream_start + layout_.stream_len() + 1;
      const uint64_t n = std::min<uint64_t>(readahead_, stream_end - lo);
      w.lo = lo;
      w.ids.resize(n);
      corpus_->read(split_, lo, n, w.ids.data());
    }
    const int64_t* src = w.ids.data() + (lo - w.lo);
    std::copy(src, src + T, b.x.data() + j * T);
    std::copy(src + 1, src + T + 1, b.y.data() + j * T);
  }
  return b;
}

bool BatchSource::needs_read(int64_t index) const {
  const int64_t T = layout_.seq_length;
  for (int64_t j = 0; j < n_streams_; ++j) {
    const uint64_t lo = static_cast<uint64_t>(first_stream_ + j) * layout_.stream_len() + static_cast<uint64_t>(index) * T;
    const Window& w = windows_[j];
    if (lo < w.lo || lo + T + 1 > w.lo + w.ids.size()) return true;
  }
  return false;
}

Batch BatchSource::get(int64_t index) {
  if (index < 0 || index >= layout_.batches)
    fail("batch ", index, " out of range [0, ", layout_.batches, ") of the ", split_name(split_), " split");
  auto t0 = std::chrono::steady_clock::now();
  Batch b;
  if (next_.valid() && next_index_ == index) {
    b = next_.get();
  } else {
    if (next_.valid()) next_.wait();  // a stale prefetch still owns the buffers
    next_ = {};
    b = read(index);
  }
  b.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Only a batch that must read from the file is prepared in the background:
  // most batches are copies out of the read-ahead buffers, and starting a
  // thread for those would only steal a core from the BLAS threads.
  if (prefetch_ && index + 1 < layout_.batches && needs_read(index + 1)) {
    next_index_ = index + 1;
    next_ = std::async(std::launch::async, [this, i = index + 1] { return read(i); });
  }
  return b;
}

}  // namespace charnn
