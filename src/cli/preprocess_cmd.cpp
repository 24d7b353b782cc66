#include <chrono>
#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/preprocess.h"
#include "train/checkpoint_vocab.h"

namespace charnn {

int cmd_preprocess(int argc, char** argv) {
  PreprocessOptions opt;
  std::string encoding = "utf-8";
  po::options_description desc("Options");
  desc.add_options()
      ("input,i", po::value(&opt.inputs)->required(), "text file (repeat to concatenate several, in order)")
      ("output,o", po::value(&opt.output)->required(), "corpus cache to write (.h5)")
      ("encoding", po::value(&encoding)->default_value("utf-8"), "utf-8 (a token is a code point) | bytes (a token is a byte)")
      ("val-frac", po::value(&opt.val_frac)->default_value(0.05), "fraction of tokens for the val split (after train)")
      ("test-frac", po::value(&opt.test_frac)->default_value(0.05), "fraction of tokens for the test split (at the tail)")
      ("vocab-from", po::value(&opt.vocab_from),
       "checkpoint whose vocabulary the ids follow: its characters keep their ids (in order, also those this text "
       "lacks, with count 0), new ones are appended in code point order; the encoding is the checkpoint's. "
       "For fine-tuning that model with init_from")
      ("force", po::bool_switch(&opt.force), "overwrite an existing output");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn preprocess --input FILE [--input FILE ...] --output FILE.h5 [options]\n\n"
                     "Streams text into an HDF5 corpus cache: vocabulary, contiguous train/val/test splits of token\n"
                     "ids. Memory stays constant whatever the corpus size; the output appears only when complete.",
                     desc, nullptr, vm))
    return 0;
  opt.encoding = parse_encoding(encoding);
  if (!opt.vocab_from.empty()) {
    opt.base_vocab = read_checkpoint_vocab(opt.vocab_from);
    if (!vm["encoding"].defaulted() && opt.encoding != opt.base_vocab->encoding)
      fail("--encoding ", encoding, ": the vocabulary of --vocab-from ", opt.vocab_from, " is ",
           encoding_name(opt.base_vocab->encoding), "; leave --encoding out to take it");
    opt.encoding = opt.base_vocab->encoding;
  }
  auto t0 = std::chrono::steady_clock::now();
  PreprocessResult r = preprocess(opt);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t total = r.splits.train + r.splits.val + r.splits.test;
  std::printf("%s: %lu tokens (train %lu, val %lu, test %lu), vocabulary %zu (%s), %s in %.2f s (%.1f MB/s), sha256 %s\n",
              opt.output.c_str(), (unsigned long)total, (unsigned long)r.splits.train, (unsigned long)r.splits.val,
              (unsigned long)r.splits.test, r.vocab.size(), encoding_name(opt.encoding),
              human_bytes(static_cast<double>(r.input_bytes)).c_str(), secs, r.input_bytes / 1e6 / std::max(secs, 1e-9),
              r.sha256.c_str());
  return 0;
}

}  // namespace charnn
