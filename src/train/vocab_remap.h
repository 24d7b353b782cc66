// init_from across vocabularies: a checkpoint's weights onto a model whose
// corpus has another vocabulary (fine-tuning on a text with characters the
// model has not seen). The rows indexed by character (embedding.weight,
// decoder.weight, decoder.bias) move with their character; every other
// parameter is copied as it is.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "model/charrnn.h"
#include "train/checkpoint.h"

namespace charnn {

// For each id of `to`, the id of the same token in `from`, or -1 (new).
struct VocabMapping {
  std::vector<int64_t> source;
  int64_t kept = 0, added = 0, dropped = 0;
};
// Throws when the encodings differ (a byte and a code point are not one character).
VocabMapping map_vocab(const Vocab& from, const Vocab& to, const std::string& source_name);

// Loads `ck` into `model`, built for `vocab` by the model's own init (its
// `init` scheme applied here): characters in both keep their checkpoint rows,
// characters `ck` lacks keep their fresh rows, characters `vocab` lacks are
// dropped. A new character's decoder bias starts kNewCharBiasOffset below the
// lowest kept bias, so the model starts by predicting the text it knows as it
// did. Logs one line: how many kept, new and dropped.
void load_weights_onto_vocab(CharRNNImpl& model, const Checkpoint& ck, const Vocab& vocab, InitScheme init,
                             const std::string& source_name);

// ln(1e4): a new character starts about 1e4 times less likely than the rarest
// known one (up to its fresh weight row's term), and its weight row is free to
// learn. Measured on the 2x32 models of tests/unit/test_vocab_remap.cpp (59
// characters, 3 new): the loss on text of shared characters moves by 9.5e-7
// (LSTM, GRU) and 7.2e-7 (RNN) at iteration 0, float rounding; after 60 updates
// on the new text the fine-tuned model is at 2.21/2.06/2.07 nats, the same
// model from scratch at 2.79/2.42/2.36.
constexpr double kNewCharBiasOffset = 9.2103;

}  // namespace charnn
