// Where a checkpoint is written and read. One self-describing HDF5 file per
// save, named as char-rnn named them (lm_<savefile>_epoch<E.EE>_<valloss>.h5),
// holding everything needed to sample from it (config, vocabulary, weights) and
// to resume training exactly (optimizer moments, data position, RNG and hidden
// state of every rank, loss histories). Tensors are stored as float32 on the
// host, so a checkpoint moves freely between CPU and GPU.
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "model/charrnn.h"
#include "train/checkpoint_name.h"
#include "train/checkpoint_vocab.h"  // kCheckpointFormatName, kCheckpointFormatVersion
#include "train/optim.h"
#include "train/options.h"
#include "train/state.h"

namespace charnn {

struct Checkpoint {
  std::string config_yaml;  // resolved config, as saved
  TrainConfig config;
  Vocab vocab;
  ModelSpec spec;
  std::vector<std::string> param_names;
  std::vector<torch::Tensor> params;  // CPU float32, module order
  bool has_optimizer = false;         // false: a weights-only file (no /optimizer group)
  OptimizerState optimizer;           // CPU tensors, when has_optimizer
  TrainProgress progress;
  double val_loss = std::numeric_limits<double>::quiet_NaN();  // at this save
  double epoch_float = 0;
  int world_size = 1;
  int64_t streams_per_rank = 0;
  std::vector<uint8_t> rng_states;  // every rank's CPU generator state, concatenated
  torch::Tensor hidden_h, hidden_c;  // [world * streams_per_rank, layers, rnn_size] (c: LSTM only)
};

// A checkpoint of the training state, assembled on rank 0: weights and
// optimizer state copied to the host; `hidden_h`/`hidden_c` are every rank's
// hidden state and `rng` every rank's generator state, gathered in rank order
// (float bytes [world * streams_per_rank, layers, rnn_size]; hidden_c empty
// but for LSTMs).
Checkpoint make_checkpoint(const TrainConfig& cfg, const Vocab& vocab, const ModelSpec& spec, const FlatParams& fp,
                           const OptimizerState& opt, const TrainProgress& prog, double val_loss, double epoch,
                           int world_size, std::vector<uint8_t> hidden_h, std::vector<uint8_t> hidden_c,
                           std::vector<uint8_t> rng);

// Writes to a temporary name, fsyncs, renames: never a half-written file under `path`.
void save_checkpoint(const std::string& path, const Checkpoint& ck);
// Reads and validates; a truncated, foreign or corrupt file is a clear Error.
Checkpoint load_checkpoint(const std::string& path);
// Copies the checkpoint's weights into `model` (same architecture), by name.
void load_weights(CharRNNImpl& model, const Checkpoint& ck);
// Builds the model described by the checkpoint and loads its weights.
CharRNN model_from_checkpoint(const Checkpoint& ck, torch::Device device);

// Retention in a run directory: of the checkpoints of `savefile` that belong to
// run `run_id`, keep the `keep_last` newest (by iteration) and `keep_best`
// lowest-loss ones, delete the others, point `latest` at the newest. Files of
// other runs, and files it cannot read, are never touched. Returns the path of
// the best one kept.
std::string apply_retention(const std::string& dir, const std::string& savefile, const std::string& run_id,
                            int64_t keep_last, int64_t keep_best);
// The checkpoint `latest` points to in `dir`, or "" if none.
std::string latest_checkpoint(const std::string& dir);

}  // namespace charnn
