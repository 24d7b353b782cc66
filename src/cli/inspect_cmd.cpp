#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/corpus.h"
#include "data/h5.h"
#include "train/checkpoint.h"
#include "util/fsutil.h"

namespace charnn {

static void inspect_corpus(const std::string& path, const std::string& vocab_json, int top) {
  auto c = Corpus::open(path, vocab_json);
  const Vocab& v = c->vocab();
  std::printf("corpus        %s (%s format)\n", path.c_str(), c->format().c_str());
  for (auto& [k, val] : c->attributes()) std::printf("%-13s %s\n", k.c_str(), val.c_str());
  const uint64_t total = c->size(Split::Train) + c->size(Split::Val) + c->size(Split::Test);
  std::printf("vocabulary    %zu tokens\n", v.size());
  std::printf("tokens        %lu (train %lu, val %lu, test %lu)\n", (unsigned long)total,
              (unsigned long)c->size(Split::Train), (unsigned long)c->size(Split::Val),
              (unsigned long)c->size(Split::Test));
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  bool have_counts = std::any_of(v.counts.begin(), v.counts.end(), [](uint64_t n) { return n > 0; });
  if (!have_counts) {
    std::printf("(no token counts stored in this cache)\n");
    return;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v.counts[a] > v.counts[b]; });
  std::printf("most frequent tokens:\n");
  for (int i = 0; i < top && i < (int)order.size(); ++i) {
    size_t id = order[i];
    std::printf("  %4zu  %-8s %12lu  %6.2f%%\n", id, v.display(id).c_str(), (unsigned long)v.counts[id],
                100.0 * v.counts[id] / std::max<uint64_t>(1, total));
  }
}

static void inspect_checkpoint(const std::string& path) {
  Checkpoint ck = load_checkpoint(path);
  int64_t params = 0;
  for (auto& p : ck.params) params += p.numel();
  const auto& h = ck.progress.history;
  std::printf("checkpoint    %s\n", path.c_str());
  std::printf("model         %s, %ld layers x %ld, embedding %ld, dropout %g\n", to_string(ck.spec.type).c_str(),
              (long)ck.spec.num_layers, (long)ck.spec.rnn_size, (long)ck.spec.embedding_size, ck.spec.dropout);
  std::printf("parameters    %ld\n", (long)params);
  std::printf("vocabulary    %zu tokens (%s)\n", ck.vocab.size(), encoding_name(ck.vocab.encoding));
  std::printf("iteration     %ld (epoch %.2f), trained on %d rank(s) x %ld streams\n", (long)ck.progress.iter,
              ck.epoch_float, ck.world_size, (long)ck.streams_per_rank);
  std::printf("val loss      %.4f nats/char (%.4f bpc) at this save; best %.4f at iteration %ld\n", ck.val_loss,
              ck.val_loss / std::log(2.0), ck.progress.best_val_loss, (long)ck.progress.best_val_iter);
  std::printf("optimizer     %s, step %ld\n", ck.has_optimizer ? to_string(ck.optimizer.type).c_str() : "none",
              (long)ck.optimizer.step);
  std::printf("wall time     %.1f s, %.0f chars/s at the save\n", ck.progress.wall_seconds, ck.progress.chars_per_sec);
  if (!h.train_loss.empty()) {
    auto mm = std::minmax_element(h.train_loss.begin(), h.train_loss.end());
    std::printf("train loss    %zu points: first %.4f, last %.4f, min %.4f\n", h.train_loss.size(), h.train_loss.front(),
                h.train_loss.back(), *mm.first);
  }
  if (!h.val_loss.empty()) {
    std::printf("val history  ");
    for (size_t i = 0; i < h.val_loss.size(); ++i) std::printf(" %ld:%.4f", (long)h.val_iter[i], h.val_loss[i]);
    std::printf("\n");
  }
  std::printf("config:\n%s", ck.config_yaml.c_str());
}

int cmd_inspect(int argc, char** argv) {
  std::string path, vocab;
  int top = 10;
  po::options_description desc("Options");
  desc.add_options()
      ("file", po::value(&path)->required(), "corpus cache (.h5) or checkpoint (.h5)")
      ("vocab", po::value(&vocab), "torch-rnn vocabulary .json (default: beside the .h5)")
      ("top", po::value(&top)->default_value(10), "how many of the most frequent tokens to list");
  po::variables_map vm;
  if (!parse_or_help(argc, argv, "Usage: charnn inspect FILE.h5 [--top N]\n\nDescribes a corpus cache or a checkpoint.",
                     desc, "file", vm))
    return 0;
  if (top < 0) fail("--top ", top, ": expected >= 0");
  require_readable_file(path, "HDF5 file");
  bool is_checkpoint = false;
  {
    h5::Handle f = h5::open_file(path);
    is_checkpoint = h5::has_attr(f, "format") && h5::get_attr_string(f, "format") == kCheckpointFormatName;
  }
  if (is_checkpoint) inspect_checkpoint(path);
  else inspect_corpus(path, vocab, top);
  return 0;
}

}  // namespace charnn
