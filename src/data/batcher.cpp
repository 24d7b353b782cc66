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

namespace {
// splitmix64: a portable, fully specified generator, so that every rank and
// every build deals the same order (std::shuffle's is implementation-defined).
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

BlockOrder make_block_order(const StreamLayout& layout, int64_t block_windows, uint64_t seed, int64_t epoch) {
  BlockOrder o;
  const int64_t W = layout.streams * layout.batches;
  if (block_windows <= 0 || W == 0) return o;
  o.block_windows = block_windows;
  const int64_t n = (W + block_windows - 1) / block_windows;
  o.perm.resize(n);
  for (int64_t i = 0; i < n; ++i) o.perm[i] = i;
  uint64_t state = seed * 0x2545f4914f6cdd1dull + static_cast<uint64_t>(epoch) + 1;
  for (int64_t i = n - 1; i > 0; --i)  // Fisher-Yates; modulo bias is < n / 2^64
    std::swap(o.perm[i], o.perm[splitmix64(state) % static_cast<uint64_t>(i + 1)]);
  o.short_len = W - (n - 1) * block_windows;
  o.short_at = std::find(o.perm.begin(), o.perm.end(), n - 1) - o.perm.begin();
  return o;
}

WindowRun locate_window(const BlockOrder& o, const StreamLayout& layout, uint64_t v) {
  if (o.perm.empty()) {  // identity: runs to the end of the stream's region
    const uint64_t per_stream = static_cast<uint64_t>(layout.batches);
    return {v, per_stream - v % per_stream};
  }
  const uint64_t K = o.block_windows, before_short = static_cast<uint64_t>(o.short_at) * K;
  uint64_t pos, off, len = K;
  if (v < before_short) {
    pos = v / K, off = v % K;
  } else if (v - before_short < static_cast<uint64_t>(o.short_len)) {
    pos = o.short_at, off = v - before_short, len = o.short_len;
  } else {
    const uint64_t rest = v - before_short - o.short_len;
    pos = o.short_at + 1 + rest / K, off = rest % K;
  }
  return {static_cast<uint64_t>(o.perm[pos]) * K + off, len - off};
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

void BatchSource::set_order(BlockOrder order) {
  if (next_.valid()) next_.wait();  // a prefetch in flight was cut in the old order
  next_ = {};
  next_index_ = -1;
  order_ = std::move(order);
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
    const WindowRun at = locate(j, index);
    const uint64_t lo = at.window * T;  // first input token
    const uint64_t hi = lo + T + 1;     // one past the last target
    Window& w = windows_[j];
    if (lo < w.lo || hi > w.lo + w.ids.size()) {
      // Refill: read ahead to the end of this contiguous run (+1 target), at most readahead_ tokens.
      const uint64_t n = std::min<uint64_t>(readahead_, at.run * T + 1);
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
    const uint64_t lo = locate(j, index).window * T;
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
