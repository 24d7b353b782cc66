#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

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

// One --temperature value: a number from 1e-6 to 1e6 (1/T must stay finite).
double parse_temperature(const std::string& item) {
  const size_t first = item.find_first_not_of(" \t"), last = item.find_last_not_of(" \t");
  const std::string text = first == std::string::npos ? "" : item.substr(first, last - first + 1);
  const size_t sign = text.size() > 1 && text[0] == '+';  // "+0.5", as a double flag took it
  double t = NAN;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data() + sign, end, t);
  if (text.empty() || ec != std::errc() || ptr != end || !(t >= 1e-6 && t <= 1e6)) {  // NaN fails too
    // As typed, unless it is empty or holds what would not show on one line.
    const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
      return c > 0x20 && c != 0x7f && c != '\'';
    });
    fail("--temperature ", plain ? text : charnn::quoted(text), ": expected a number > 0 (from 1e-06 to 1e+06)");
  }
  return t;
}

// Every --temperature, in order: each one may be a list ("-t 0.2,0.5 -t 1").
std::vector<double> parse_temperatures(const std::vector<std::string>& args) {
  std::vector<double> out;
  for (const std::string& arg : args) {
    size_t from = 0, comma;
    do {
      comma = arg.find(',', from);
      out.push_back(parse_temperature(arg.substr(from, comma == std::string::npos ? comma : comma - from)));
      from = comma + 1;
    } while (comma != std::string::npos);
  }
  return out;
}

// The line before each sample when there are several: what reruns it alone
// (-t T --seed S). The temperature is written so that it reads back exactly.
std::string sample_header(const SampleOptions& o) {
  return fmt::format("--- temperature {}, seed {} ---\n", o.temperature, o.seed);
}

// One --json line. nlohmann-json, not printf: the text may hold quotes,
// backslashes and control characters, and text that is not valid UTF-8 (a
// bytes-encoded model) gets U+FFFD rather than making the line invalid.
std::string sample_json(const std::string& text, const SampleOptions& o, const SampleStats& st) {
  nlohmann::ordered_json j = {{"text", text},   {"temperature", o.temperature}, {"seed", o.seed},
                              {"top_k", o.top_k}, {"top_p", o.top_p},             {"length", o.length}};
  if (st.scored > 0) j["mean_logprob"] = st.mean_logprob();
  else j["mean_logprob"] = nullptr;  // nothing scored: --length 0
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The command line as parsed; checked in cmd_sample.
struct SampleFlags {
  std::string path, output, seed_text, device_name, primetext_file;
  SampleOptions opt;
  std::vector<std::string> temperatures;  // as given: each may be a list
  int num_samples = 1;
  bool json = false;
};

po::options_description sample_options(SampleFlags& f) {
  po::options_description desc("Options");
  desc.add_options()
      ("checkpoint", po::value(&f.path)->required(), "checkpoint (.h5) written by charnn train")
      ("length,n", po::value(&f.opt.length)->default_value(2000), "characters to generate")
      ("temperature,t", po::value(&f.temperatures)->default_value({"1"}, "1"),
       "softmax temperature (> 0); lower is more conservative. Several (-t 0.2,0.5,1 or -t 0.2 -t 0.5): "
       "--num-samples samples for each, in order, each after a line '--- temperature T, seed S ---'")
      ("top-k", po::value(&f.opt.top_k)->default_value(0),
       "sample only among the k most likely characters (0 = all); applied before --top-p")
      ("top-p", po::value(&f.opt.top_p)->default_value(1.0),
       "nucleus sampling: only among the fewest most likely characters whose probabilities (after "
       "--temperature and --top-k) add up to >= P, renormalised; 0 < P <= 1 (1 = off)")
      ("argmax", po::bool_switch(&f.opt.argmax), "always take the most likely character")
      ("primetext,p", po::value(&f.opt.primetext), "text to condition on (printed first)")
      ("primetext-file", po::value(&f.primetext_file),
       "read the primetext from this file (UTF-8 for a utf-8 model, as it is for a bytes one); not with --primetext")
      ("skip-unknown", po::bool_switch(&f.opt.skip_unknown), "drop primetext characters missing from the vocabulary")
      ("seed", po::value(&f.seed_text)->default_value("123"),
       "random seed: sample k (0, 1, ...) of every temperature uses seed + k, so the sample labelled "
       "'temperature T, seed S' is the text of -t T --seed S alone (with the same other flags and --device)")
      ("num-samples", po::value(&f.num_samples)->default_value(1), "samples per temperature (seeds seed, seed+1, ...)")
      ("json", po::bool_switch(&f.json),
       "print one JSON object per sample and line, and nothing else, instead of streaming the text: "
       "text (primetext included), temperature, seed, top_k, top_p, length (characters generated) and "
       "mean_logprob: the mean natural-log probability the model gave each generated character (not the "
       "primetext) at temperature 1, i.e. its own distribution, not the tempered or truncated one drawn from")
      ("output,o", po::value(&f.output), "also write the samples to this file (the plain text, also with --json)")
      ("device", po::value(&f.device_name)->default_value("cpu"),
       "cpu | cuda | auto: cuda samples LSTMs with GPU kernels (other models, --top-k and --top-p use the "
       "CPU); the same seed gives other text on the GPU than on the CPU");
  return desc;
}

// Every sample: for each temperature, --num-samples of them. The plain text
// streams to stdout (unless --json) and is what --output gets.
void write_samples(Sampler& sampler, const SampleFlags& f, const std::vector<double>& temperatures) {
  const bool tty = ::isatty(STDOUT_FILENO);
  const bool several = temperatures.size() > 1 || f.num_samples > 1;
  std::string all;
  auto show = [&](const std::string& t) {
    if (f.json) return;
    std::fwrite(t.data(), 1, t.size(), stdout);
    if (tty) std::fflush(stdout);
  };
  auto add = [&](const std::string& t) {
    show(t);
    if (!f.output.empty()) all += t;
  };
  for (size_t j = 0; j < temperatures.size(); ++j) {
    for (int k = 0; k < f.num_samples; ++k) {
      SampleOptions o = f.opt;
      o.temperature = temperatures[j];
      o.seed = f.opt.seed + k;  // the same seeds for every temperature: each sample reruns alone
      if (j > 0 || k > 0) add("\n\n");
      if (several) add(sample_header(o));
      SampleStats stats;
      const std::string text = sampler.generate(o, show, f.json ? &stats : nullptr);
      if (!f.output.empty()) all += text;
      if (f.json) {
        std::printf("%s\n", sample_json(text, o, stats).c_str());
        std::fflush(stdout);
      }
    }
  }
  if (!f.json) std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!f.output.empty()) write_file_atomic(f.output, all);
}
}  // namespace

int cmd_sample(int argc, char** argv) {
  SampleFlags f;
  po::options_description desc = sample_options(f);
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn sample CHECKPOINT.h5 [options]\n\nGenerates text; characters stream to stdout as "
                     "they are produced. Runs on the CPU unless --device cuda.\nUnderscores and dashes in option "
                     "names are the same (--num_samples = --num-samples).",
                     desc, "checkpoint", vm))
    return 0;
  // Every flag first, then the output against the checkpoint, then the work.
  const std::vector<double> temperatures = parse_temperatures(f.temperatures);
  const SampleOptions& opt = f.opt;
  if (opt.length < 0) fail("--length ", opt.length, ": expected >= 0");
  if (opt.top_k < 0) fail("--top-k ", opt.top_k, ": expected >= 0 (0 = all characters)");
  if (!(opt.top_p > 0 && opt.top_p <= 1)) fail("--top-p ", opt.top_p, ": expected a number > 0 and <= 1 (1 = off)");
  if (f.num_samples < 1) fail("--num-samples ", f.num_samples, ": expected >= 1");
  {
    const char* end = f.seed_text.data() + f.seed_text.size();
    auto [ptr, ec] = std::from_chars(f.seed_text.data(), end, f.opt.seed);
    if (f.seed_text.empty() || ec != std::errc() || ptr != end)
      fail("--seed ", charnn::quoted(f.seed_text), ": expected an integer in [0, 18446744073709551615]");
  }
  if (!f.primetext_file.empty() && vm.count("primetext"))
    fail("--primetext and --primetext_file are exclusive: give the text or the file it is in");
  require_readable_file(f.path, "checkpoint");
  if (!f.primetext_file.empty()) require_readable_file(f.primetext_file, "primetext file");
  if (!f.output.empty())
    check_output_path({f.output, "--output", "text sample", OutputKind::File, is_sample_text_file},
                      {f.path, f.primetext_file});
  const int gpu_index = gpu::resolve_device(f.device_name, 0, 1);
  const torch::Device device = gpu_index < 0 ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, gpu_index);
  Checkpoint ck = load_checkpoint(f.path);
  if (!f.primetext_file.empty()) {
    f.opt.primetext = read_file(f.primetext_file);
    // Checked here, so that an error names the file: invalid UTF-8 (utf-8 models) or unknown characters.
    ids_of_text(ck.vocab, f.opt.primetext, "--primetext_file " + f.primetext_file, f.opt.skip_unknown);
  }
  CharRNN model = model_from_checkpoint(ck, torch::kCPU);
  model->eval();
  Sampler sampler(*model, ck.vocab, device);
  if (device.is_cuda() && !sampler.uses_gpu(opt))
    log::note("sampling on the CPU (GPU kernels are for LSTMs without --top-k or --top-p)");
  else if (device.is_cuda() && f.json)
    log::note("--json: each sample is stepped through again on the CPU for its mean_logprob");
  write_samples(sampler, f, temperatures);
  return 0;
}

}  // namespace charnn
