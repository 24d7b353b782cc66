#include "export/export.h"

#include "util/status.h"

namespace charnn {

std::string ExportModel::checkpoint_name() const { return checkpoint.substr(checkpoint.find_last_of('/') + 1); }

const Array& ExportModel::param(const std::string& name) const {
  for (const Array& a : params)
    if (a.name == name) return a;
  fail(checkpoint, ": no parameter ", name);
}

namespace {
std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += cat(i ? ", " : "", shape[i]);
  return s + "]";
}
}  // namespace

void check_export_model(const ExportModel& m) {
  const int64_t V = m.vocab_size, E = m.embedding_size, H = m.rnn_size, G = gate_count(m.type) * H;
  if (V < 1 || E < 1 || H < 1 || m.num_layers < 1)
    fail(m.checkpoint, ": model sizes V=", V, " E=", E, " H=", H, " layers=", m.num_layers, ": expected >= 1 each");
  if (static_cast<int64_t>(m.vocab.size()) != V)
    fail(m.checkpoint, ": vocabulary of ", m.vocab.size(), " tokens for a model of ", V);
  std::vector<std::pair<std::string, std::vector<int64_t>>> want = {{"embedding.weight", {V, E}}};
  for (int64_t l = 0; l < m.num_layers; ++l) {
    want.push_back({cat("rnn.weight_ih_l", l), {G, l == 0 ? E : H}});
    want.push_back({cat("rnn.weight_hh_l", l), {G, H}});
    want.push_back({cat("rnn.bias_ih_l", l), {G}});
    want.push_back({cat("rnn.bias_hh_l", l), {G}});
  }
  want.push_back({"decoder.weight", {V, H}});
  want.push_back({"decoder.bias", {V}});
  for (const auto& [name, shape] : want) {
    const Array& a = m.param(name);
    int64_t n = 1;
    for (int64_t d : a.shape) n *= d;
    if (a.shape != shape || n != static_cast<int64_t>(a.values.size()))
      fail(m.checkpoint, ": ", name, " has shape ", shape_text(a.shape), " and ", a.values.size(),
           " values; expected ", shape_text(shape));
  }
}

}  // namespace charnn
