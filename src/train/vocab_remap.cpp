#include "train/vocab_remap.h"

#include "util/log.h"
#include "util/status.h"

namespace charnn {

VocabMapping map_vocab(const Vocab& from, const Vocab& to, const std::string& source_name) {
  if (from.encoding != to.encoding)
    fail(source_name, ": its vocabulary is ", encoding_name(from.encoding), ", the corpus's ",
         encoding_name(to.encoding), ": a model moves only between corpora of one encoding");
  VocabMapping m;
  for (size_t id = 0; id < to.size(); ++id) {
    const int64_t src = from.id_of(to.values[id]);
    m.source.push_back(src);
    ++(src >= 0 ? m.kept : m.added);
  }
  m.dropped = static_cast<int64_t>(from.size()) - m.kept;
  return m;
}

namespace {

// Rows `source[i]` of the checkpoint's tensor into row i of `dst`, where source[i] >= 0.
void copy_rows(torch::Tensor dst, const torch::Tensor& src, const std::vector<int64_t>& source) {
  std::vector<int64_t> to_rows, from_rows;
  for (size_t i = 0; i < source.size(); ++i)
    if (source[i] >= 0) to_rows.push_back(static_cast<int64_t>(i)), from_rows.push_back(source[i]);
  if (to_rows.empty()) return;
  const auto opts = torch::TensorOptions().dtype(torch::kLong);
  dst.index_copy_(0, torch::tensor(to_rows, opts), src.index_select(0, torch::tensor(from_rows, opts)));
}

}  // namespace

void load_weights_onto_vocab(CharRNNImpl& model, const Checkpoint& ck, const Vocab& vocab, InitScheme init,
                             const std::string& source_name) {
  const VocabMapping m = map_vocab(ck.vocab, vocab, source_name);
  model.apply_init(init);
  torch::NoGradGuard no_grad;
  auto named = model.named_parameters();
  for (size_t i = 0; i < ck.params.size(); ++i) {
    const std::string& name = ck.param_names[i];
    torch::Tensor dst = named[name];
    if (name == "embedding.weight" || name == "decoder.weight" || name == "decoder.bias") {
      copy_rows(dst, ck.params[i], m.source);
    } else {
      dst.copy_(ck.params[i]);
    }
  }
  if (m.added > 0 && m.kept > 0) {
    torch::Tensor bias = named["decoder.bias"];
    std::vector<int64_t> kept, added;
    for (size_t i = 0; i < m.source.size(); ++i) (m.source[i] >= 0 ? kept : added).push_back(static_cast<int64_t>(i));
    const auto opts = torch::TensorOptions().dtype(torch::kLong);
    const double floor = bias.index_select(0, torch::tensor(kept, opts)).min().item<double>();
    bias.index_fill_(0, torch::tensor(added, opts), floor - kNewCharBiasOffset);
  }
  log::info("init_from {}: vocabulary of {} characters onto the corpus's {}: {} kept, {} new (fresh rows), {} dropped",
            source_name, ck.vocab.size(), vocab.size(), m.kept, m.added, m.dropped);
}

}  // namespace charnn
