// Where a batch is cut. char-rnn batching: a split is cut into S contiguous
// streams of equal length; batch i holds, for every stream, the i-th window of
// seq_length tokens as input and the same window shifted by one as target.
// Hidden state carries from batch i to i+1 of the same stream.
//
// With N ranks of B streams each, S = N*B and rank r owns streams
// [r*B, (r+1)*B): exactly the streams of one rank with N*B streams, so N ranks
// train the same model as one. A rank reads only its own streams' windows,
// through a per-stream read-ahead buffer; when the next batch has to go to the
// file, a background task reads it while the current one trains.
//
// Block order (train only, `block_shuffle: K`): the same S x batches windows,
// dealt differently. The split's windows are cut into blocks of K consecutive
// windows; a seeded permutation of the blocks, new every epoch, is laid end to
// end and cut into the S streams as above. A stream then hops to an unrelated
// block every K batches instead of reading one region (a few files of a code
// corpus) for thousands of batches. The order is a pure function of (seed,
// epoch), so resume and N-rank runs stay exact.
#pragma once
#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include "data/corpus.h"

namespace charnn {

struct StreamLayout {
  uint64_t split_tokens = 0;
  int64_t streams = 0;     // S, over all ranks
  int64_t seq_length = 0;  // T
  int64_t batches = 0;     // windows per stream = batches per epoch (0: split too small)
  uint64_t stream_len() const { return static_cast<uint64_t>(batches) * seq_length; }
};

// batches = floor((n_tokens - 1) / (streams * seq_length)): the +1 target token must exist.
StreamLayout make_layout(uint64_t split_tokens, int64_t streams, int64_t seq_length);

// Blocks of `block_windows` windows over the S x batches windows of a layout,
// in the order epoch `epoch` of seed `seed` deals them. block_windows 0: the
// identity (each stream reads its region straight through).
struct BlockOrder {
  int64_t block_windows = 0;
  std::vector<int64_t> perm;  // position -> block; empty: identity
  int64_t short_at = 0;       // position of the one short (last) block in perm
  int64_t short_len = 0;      // its windows (== block_windows when none is short)
};
BlockOrder make_block_order(const StreamLayout& layout, int64_t block_windows, uint64_t seed, int64_t epoch);

// Window `v` of the dealt sequence (v = stream * batches + index): the split
// window it reads, and how many windows run on contiguously from there.
struct WindowRun {
  uint64_t window = 0;
  uint64_t run = 0;
};
WindowRun locate_window(const BlockOrder& order, const StreamLayout& layout, uint64_t v);

struct Batch {
  int64_t index = -1;      // window index within the epoch
  int64_t streams = 0;     // rows
  int64_t seq_length = 0;  // columns
  std::vector<int64_t> x, y;  // [streams, seq_length] row-major
  double wait_seconds = 0;    // time the caller waited for it
};

class BatchSource {
 public:
  // Streams [first_stream, first_stream + n_streams) of `layout` over `split`.
  BatchSource(std::shared_ptr<const Corpus> corpus, Split split, StreamLayout layout, int64_t first_stream,
              int64_t n_streams, bool prefetch = true, uint64_t readahead_tokens = 1 << 15);
  ~BatchSource();
  // Batch `index` (0 <= index < layout.batches). Sequential access is prefetched.
  Batch get(int64_t index);
  const StreamLayout& layout() const { return layout_; }
  // Deal the windows in this order from now on (default: the identity).
  void set_order(BlockOrder order);
  int64_t n_streams() const { return n_streams_; }

 private:
  Batch read(int64_t index);
  WindowRun locate(int64_t j, int64_t index) const {  // local stream j's window `index`
    return locate_window(order_, layout_, static_cast<uint64_t>(first_stream_ + j) * layout_.batches + index);
  }
  bool needs_read(int64_t index) const;  // would batch `index` touch the file?
  std::shared_ptr<const Corpus> corpus_;
  Split split_;
  StreamLayout layout_;
  BlockOrder order_;
  int64_t first_stream_, n_streams_;
  bool prefetch_;
  uint64_t readahead_;
  struct Window {
    uint64_t lo = 0;
    std::vector<int64_t> ids;
  };
  std::vector<Window> windows_;  // one read-ahead buffer per stream
  std::future<Batch> next_;
  int64_t next_index_ = -1;
};

}  // namespace charnn
