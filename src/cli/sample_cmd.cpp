#include <unistd.h>

#include <charconv>
#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "gpu/gpu.h"
#include "sample/sampler.h"
#include "train/checkpoint.h"
#include "util/fsutil.h"
#include "util/log.h"

namespace charnn {

namespace {
// What `sample --output` may replace: a sample is plain text with no signature,
// so anything that is one of the binary formats charnn writes (an HDF5
// checkpoint or cache, a PNG) is not one (util/fsutil.h).
bool is_sample_text_file(const std::string& path) { return !has_hdf5_signature(path) && !has_png_signature(path); }
}  // namespace

int cmd_sample(int argc, char** argv) {
  std::string path, output;
  SampleOptions opt;
  int num_samples = 1;
  std::string seed_text;
  std::string device_name = "cpu";
  po::options_description desc("Options");
  desc.add_options()
      ("checkpoint", po::value(&path)->required(), "checkpoint (.h5) written by charnn train")
      ("length,n", po::value(&opt.length)->default_value(2000), "characters to generate")
      ("temperature,t", po::value(&opt.temperature)->default_value(1.0), "softmax temperature (> 0); lower is more conservative")
      ("top-k", po::value(&opt.top_k)->default_value(0), "sample only among the k most likely characters (0 = all)")
      ("argmax", po::bool_switch(&opt.argmax), "always take the most likely character")
      ("primetext,p", po::value(&opt.primetext), "text to condition on (printed first)")
      ("skip-unknown", po::bool_switch(&opt.skip_unknown), "drop primetext characters missing from the vocabulary")
      ("seed", po::value(&seed_text)->default_value("123"), "random seed")
      ("num-samples", po::value(&num_samples)->default_value(1), "independent samples (seeds seed, seed+1, ...)")
      ("output,o", po::value(&output), "also write the samples to this file")
      ("device", po::value(&device_name)->default_value("cpu"),
       "cpu | cuda | auto: cuda samples LSTMs with GPU kernels (other models and --top-k use the CPU); "
       "the same seed gives other text on the GPU than on the CPU");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn sample CHECKPOINT.h5 [options]\n\nGenerates text; characters stream to stdout as "
                     "they are produced. Runs on the CPU unless --device cuda.",
                     desc, &pos, vm))
    return 0;
  // Every flag first, then the output against the checkpoint, then the work.
  if (!(opt.temperature >= 1e-6 && opt.temperature <= 1e6))  // NaN fails too; 1/T must stay finite
    fail("--temperature ", opt.temperature, ": expected a number > 0 (from 1e-06 to 1e+06)");
  if (opt.length < 0) fail("--length ", opt.length, ": expected >= 0");
  if (opt.top_k < 0) fail("--top-k ", opt.top_k, ": expected >= 0 (0 = all characters)");
  if (num_samples < 1) fail("--num-samples ", num_samples, ": expected >= 1");
  {
    const char* end = seed_text.data() + seed_text.size();
    auto [ptr, ec] = std::from_chars(seed_text.data(), end, opt.seed);
    if (seed_text.empty() || ec != std::errc() || ptr != end)
      fail("--seed ", charnn::quoted(seed_text), ": expected an integer in [0, 18446744073709551615]");
  }
  require_readable_file(path, "checkpoint");
  if (!output.empty())
    check_output_path({output, "--output", "text sample", OutputKind::File, is_sample_text_file}, {path});
  const int gpu_index = gpu::resolve_device(device_name, 0, 1);
  const torch::Device device = gpu_index < 0 ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, gpu_index);
  Checkpoint ck = load_checkpoint(path);
  CharRNN model = model_from_checkpoint(ck, torch::kCPU);
  model->eval();
  Sampler sampler(*model, ck.vocab, device);
  if (device.is_cuda() && !sampler.uses_gpu(opt))
    log::note("sampling on the CPU (GPU kernels are for LSTMs without --top-k)");
  const bool tty = ::isatty(STDOUT_FILENO);
  std::string all;
  for (int s = 0; s < num_samples; ++s) {
    SampleOptions o = opt;
    o.seed = opt.seed + s;
    if (s > 0) {
      std::fputs("\n\n", stdout);
      if (!output.empty()) all += "\n\n";
    }
    std::string text = sampler.generate(o, [&](const std::string& t) {
      std::fwrite(t.data(), 1, t.size(), stdout);
      if (tty) std::fflush(stdout);
    });
    if (!output.empty()) all += text;
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!output.empty()) write_file_atomic(output, all);
  return 0;
}

}  // namespace charnn
