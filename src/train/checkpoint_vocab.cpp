#include "train/checkpoint_vocab.h"

#include "data/h5.h"
#include "data/seal.h"
#include "util/fsutil.h"
#include "util/status.h"

namespace charnn {

Vocab read_vocab_group(hid_t file) {
  h5::Handle vg = h5::open_group(file, "vocab");
  return Vocab::make(parse_encoding(h5::get_attr_string(vg, "encoding")), h5::read_array<uint32_t>(vg, "value"), {});
}

Vocab read_checkpoint_vocab(const std::string& path) {
  require_readable_file(path, "checkpoint");
  try {
    if (h5::verify_seal(path) == h5::SealState::Absent)
      fail("not a charnn checkpoint (no integrity seal)");
    h5::Handle f = h5::open_file(path);
    if (!h5::has_attr(f, "format") || h5::get_attr_string(f, "format") != kCheckpointFormatName)
      fail("not a charnn checkpoint (no format='", kCheckpointFormatName, "' attribute)");
    return read_vocab_group(f);
  } catch (const Error& e) {
    rethrow_with_context(path, e);
  }
}

}  // namespace charnn
