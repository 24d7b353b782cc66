// charnn: character-level RNN language models at HPC scale. One binary, one
// subcommand per job; see `charnn --help`.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "cli/commands.h"
#include "parallel/comm.h"
#include "gpu/gpu.h"
#include "util/build_info.h"
#include "util/log.h"
#include "util/resources.h"
#include "util/status.h"

namespace {

const char* kUsage =
    "charnn " CHARNN_VERSION " - character-level RNN language models (LSTM, GRU, RNN), data-parallel over MPI\n"
    "\n"
    "Usage: charnn COMMAND [options]   (charnn COMMAND --help for its options)\n"
    "\n"
    "Commands:\n"
    "  preprocess   text files -> HDF5 corpus cache (vocabulary + train/val/test ids)\n"
    "  inspect      describe a corpus cache or a checkpoint\n"
    "  train        train a model (under mpirun/srun for data parallelism)\n"
    "  sample       generate text from a checkpoint\n"
    "  eval         loss and bits per character of a checkpoint on a split\n"
    "  sweep        hyperparameter sweeps: plan | submit | run | table\n"
    "  best         path of the best checkpoint of a sweep or run directory\n"
    "  plot         PNG of the loss curves of a sweep or run\n"
    "  report       one HTML page of a sweep or run: curves, trials, samples, config\n"
    "  neurons      HTML page of a model's cells and guesses over a text, and the cells that track its properties\n"
    "  export       the model as a web page that samples in the browser, or as ONNX for a runtime\n"
    "  tensorboard  TensorBoard event files of a sweep or run (from its metrics.jsonl and samples.jsonl)\n";

struct Command {
  const char* name;
  int (*fn)(int, char**);
};

const Command kCommands[] = {
    {"preprocess", charnn::cmd_preprocess}, {"inspect", charnn::cmd_inspect}, {"train", charnn::cmd_train},
    {"sample", charnn::cmd_sample},         {"eval", charnn::cmd_eval},       {"best", charnn::cmd_best},
    {"sweep", charnn::cmd_sweep},           {"plot", charnn::cmd_plot},
    {"report", charnn::cmd_report},
    {"neurons", charnn::cmd_neurons},
    {"export", charnn::cmd_export},
    {"tensorboard", charnn::cmd_tensorboard},
};

// Whatever escaped as an exception, as one line: LibTorch appends its C++
// backtrace to what() ("Exception raised from ... frame #0 ..."), and a
// library's message may span lines. charnn's own errors are one line already.
std::string one_line(const std::exception& e) {
  std::string msg = e.what();
  if (const size_t at = msg.find("Exception raised from"); at != std::string::npos) msg.erase(at);
  for (char& c : msg)
    if (c == '\n' || c == '\r') c = ' ';
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  if (dynamic_cast<const std::bad_alloc*>(&e)) msg = "out of memory (" + msg + ")";
  return msg.empty() ? std::string("unknown error") : msg;
}

}  // namespace

int main(int argc, char** argv) {
  // Over a file size limit (ulimit -f, RLIMIT_FSIZE) the kernel's default is to
  // kill the process with SIGXFSZ mid-write, leaving a temporary file behind.
  // Ignored, the write fails with EFBIG and charnn reports it like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {  // the first line's format is read by tests/gpu/lib.sh
    const std::string data = charnn::data_dir();
    std::printf("charnn %s (%s)\n%s\ndata directory: %s\n", CHARNN_VERSION, charnn::gpu::runtime_summary().c_str(),
                charnn::build_summary().c_str(), data.empty() ? "none" : data.c_str());
    return 0;
  }
  if (!std::strcmp(argv[1], "--list-commands")) {  // hidden: packaging/gen-docs.sh makes man pages and completion
    for (const auto& c : kCommands) std::puts(c.name);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      int rc = c.fn(argc - 1, argv + 1);
      charnn::comm_finalize();
      return rc;
    } catch (const charnn::CollectiveError& e) {
      charnn::log::error_job(e.what());
      charnn::comm_finalize();
      return 1;
    } catch (const std::exception& e) {  // charnn::Error and anything else: one line, and no rank left waiting
      const std::string msg = one_line(e);
      if (charnn::comm().size > 1) charnn::comm_abort(msg);
      charnn::log::error(msg);
      return 1;
    }
  }
  charnn::log::error(fmt::format("unknown command '{}'; run 'charnn --help' for the list", argv[1]));
  return 2;
}
