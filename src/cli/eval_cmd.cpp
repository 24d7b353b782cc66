#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "gpu/gpu.h"
#include "parallel/comm.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/fsutil.h"

namespace charnn {

int cmd_eval(int argc, char** argv) {
  std::string path, data, vocab, split = "val";
  int64_t batch_size = 0, seq_length = 0, max_batches = 0;
  bool json = false;
  std::string device_name = "cpu";
  po::options_description desc("Options");
  desc.add_options()
      ("checkpoint", po::value(&path)->required(), "checkpoint (.h5)")
      ("data", po::value(&data)->required(), "corpus cache (.h5); its vocabulary must match the checkpoint's")
      ("vocab", po::value(&vocab), "torch-rnn vocabulary .json (default: beside the .h5)")
      ("split", po::value(&split)->default_value("val"), "val | test | train")
      ("batch-size", po::value(&batch_size)->default_value(0), "streams (default: the checkpoint's batch_size)")
      ("seq-length", po::value(&seq_length)->default_value(0), "window length (default: the checkpoint's seq_length)")
      ("max-batches", po::value(&max_batches)->default_value(0), "stop after this many batches (0 = whole split)")
      ("json", po::bool_switch(&json), "print one JSON object (full precision) instead of a sentence")
      ("device", po::value(&device_name)->default_value("cpu"), "cpu | cuda | auto (one GPU per rank)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn eval CHECKPOINT.h5 --data FILE.h5 [--split val|test]\n\nMean cross-entropy "
                     "(nats per character) and bits per character over a whole split. Under mpirun the\n"
                     "streams are spread over the ranks; the result does not depend on the rank count.",
                     desc, "checkpoint", vm))
    return 0;
  const Split s = parse_split(split);
  auto check_count = [](const char* flag, int64_t v, int64_t max) {
    if (v < 0 || v > max) fail(flag, " ", v, ": expected an integer in [0, ", max, "] (0 = the default)");
  };
  check_count("--batch-size", batch_size, 1 << 20);  // the ranges of train's batch_size and seq_length
  check_count("--seq-length", seq_length, 1 << 20);
  check_count("--max-batches", max_batches, int64_t{1} << 50);
  require_readable_file(path, "checkpoint");
  require_readable_file(data, "corpus cache (.h5)");
  if (!vocab.empty()) require_readable_file(vocab, "torch-rnn vocabulary (.json)");
  const Comm& c = comm_init(&argc, &argv);  // under mpirun the split's streams are spread over the ranks
  Checkpoint ck = load_checkpoint(path);
  auto corpus = std::shared_ptr<const Corpus>(Corpus::open(data, vocab));
  if (!(ck.vocab == corpus->vocab()))
    fail(path, ": vocabulary differs from ", data, ": ", describe_vocab_difference(ck.vocab, corpus->vocab()));
  if (corpus->size(s) == 0) fail(data, ": the ", split, " split is empty");
  const int gpu_index = gpu::resolve_device(device_name, c.local_rank, c.local_size);
  const torch::Device device = gpu_index < 0 ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, gpu_index);
  if (device.is_cuda()) gpu::set_math_mode(gpu::MathMode::FP32);  // cuDNN would default to TF32
  CharRNN model = model_from_checkpoint(ck, device);
  const int64_t B = batch_size > 0 ? batch_size : ck.config.batch_size;
  const int64_t T = seq_length > 0 ? seq_length : ck.config.seq_length;
  EvalResult r = evaluate(c, *model, corpus, s, B, T, max_batches, device);
  if (c.rank == 0 && json) {
    // Built by nlohmann-json, not printf: a path may hold quotes, backslashes or
    // control characters. Doubles are written so they read back exactly; a path
    // that is not valid UTF-8 gets U+FFFD rather than making the output invalid.
    nlohmann::ordered_json j = {{"checkpoint", path},
                                {"split", split},
                                {"loss", r.loss},
                                {"bpc", r.loss / std::log(2.0)},
                                {"characters", static_cast<int64_t>(r.tokens)}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else if (c.rank == 0)
    std::printf("%s on %s/%s: loss %.4f nats/char, %.4f bits/char over %.0f characters\n", path.c_str(), data.c_str(),
              split.c_str(), r.loss, r.loss / std::log(2.0), r.tokens);
  return 0;
}

}  // namespace charnn
