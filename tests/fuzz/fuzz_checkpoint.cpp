// train/checkpoint + data/seal: a checkpoint as `charnn sample`, `eval`,
// `inspect` and `train --resume/--init_from` open it (load_checkpoint), then
// the model built from it, from mutated bytes of real small checkpoints of
// each cell type (corpus/checkpoint/). Properties: it returns or throws
// charnn::Error (a LibTorch c10::Error escaping is a finding); an accepted
// checkpoint builds its model, and every tensor it holds is finite.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "train/checkpoint.h"

using namespace charnn;
using fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_file("ck.h5", data, size);
  Checkpoint ck;
  if (!fuzz::returns_or_throws_error([&] { ck = load_checkpoint(path); })) return 0;
  CharRNN model = model_from_checkpoint(ck, torch::kCPU);
  for (const auto& p : model->parameters()) expect(torch::isfinite(p).all().item<bool>(), "a non-finite weight loaded");
  for (const torch::Tensor* t : {&ck.optimizer.m, &ck.optimizer.v, &ck.hidden_h, &ck.hidden_c})
    if (t->defined()) expect(torch::isfinite(*t).all().item<bool>(), "a non-finite state tensor loaded");
  return 0;
}
