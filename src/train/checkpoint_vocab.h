// A checkpoint's vocabulary, read without LibTorch: what `preprocess
// --vocab-from` builds a cache's ids on, and the one place that reads the
// checkpoint's /vocab group (train/checkpoint.cpp reads it through here too).
#pragma once
#include <hdf5.h>

#include <string>

#include "data/vocab.h"

namespace charnn {

constexpr int kCheckpointFormatVersion = 2;  // 2: sealed (data/seal.h)
constexpr const char* kCheckpointFormatName = "charnn-checkpoint";

// The /vocab group of an open checkpoint: encoding and values in id order.
Vocab read_vocab_group(hid_t file);
// The vocabulary of the checkpoint at `path`: sealed, format "charnn-checkpoint";
// anything else is one Error naming the file.
Vocab read_checkpoint_vocab(const std::string& path);

}  // namespace charnn
