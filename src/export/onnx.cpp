#include "export/onnx.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <initializer_list>
#include <vector>

#include "util/protobuf.h"
#include "util/status.h"

namespace charnn {

namespace {

// ONNX IR version 7 goes with opset 13, the first opset whose Split and
// Unsqueeze take their sizes and axes as inputs; every runtime of the last
// years reads it (onnxruntime-node 1.31 checks the file in tests/integration/export_onnx.sh).
constexpr int64_t kIrVersion = 7, kOpset = 13;
constexpr int kFloat = 1, kInt64 = 7;  // TensorProto.DataType
// The first bytes of every file this writer makes: ir_version, then producer_name.
const char kHead[] = "\x08\x07\x12\x06" "charnn";

// A dimension of a graph input or output: a size, or a name (a size the runtime is given).
struct Dim {
  int64_t size = 0;
  std::string name;
};

pb::Message value_info(const std::string& name, int elem_type, const std::vector<Dim>& dims,
                       const std::string& doc) {
  pb::Message shape;
  for (const Dim& d : dims) {
    pb::Message dim;
    if (d.name.empty()) dim.int64(1, d.size);  // dim_value
    else dim.string(2, d.name);               // dim_param
    shape.message(1, dim);
  }
  pb::Message tensor, type, info;
  tensor.varint(1, elem_type).message(2, shape);  // TypeProto.Tensor: elem_type, shape
  type.message(1, tensor);                        // TypeProto: tensor_type
  info.string(1, name).message(2, type).string(3, doc);
  return info;
}

pb::Message int_attr(const std::string& name, int64_t v) {
  pb::Message a;
  a.string(1, name).varint(20, 2).int64(3, v);  // name, type INT, i
  return a;
}

// The graph as it is built: nodes and initializers in the order they are added
// (nodes in topological order, as ONNX requires).
class Graph {
 public:
  void node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
            const std::vector<pb::Message>& attrs = {}) {
    pb::Message n;
    for (const std::string& s : in) n.string(1, s);
    for (const std::string& s : out) n.string(2, s);
    n.string(3, cat(op, "_", ++count_)).string(4, op);
    for (const pb::Message& a : attrs) n.message(5, a);
    g_.message(1, n);
  }
  void floats(const Array& a) { tensor(a.name, kFloat, a.shape, a.values.data(), a.values.size() * 4); }
  void int64s(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& v) {
    tensor(name, kInt64, shape, v.data(), v.size() * 8);
  }
  void input(const pb::Message& v) { g_.message(11, v); }
  void output(const pb::Message& v) { g_.message(12, v); }
  pb::Message finish(const std::string& name) {
    g_.string(2, name);
    return g_;
  }

 private:
  // raw_data is little-endian: the bytes are written as the host holds them,
  // which is what x86-64 and AArch64 (the machines charnn builds for) hold.
  void tensor(const std::string& name, int type, const std::vector<int64_t>& shape, const void* data, size_t n) {
    pb::Message t;
    for (int64_t d : shape) t.int64(1, d);  // dims (unpacked, as proto2 declares them)
    t.varint(2, static_cast<uint64_t>(type)).string(8, name).bytes(9, data, n);
    g_.message(5, t);
  }
  pb::Message g_;
  int count_ = 0;
};

// One layer's step on x (its input, [batch, in]) and h_in (and c_in), as
// PyTorch's LSTM, GRU and tanh RNN compute it; writes `h` (and `c`).
void layer_step(Graph& g, const ExportModel& m, int64_t l, const std::string& x, const std::string& h_in,
                const std::string& c_in, const std::string& h, const std::string& c) {
  const std::string p = cat("l", l, "_");
  const std::string gi = p + "gi", gh = p + "gh";
  g.node("Gemm", {x, cat("rnn.weight_ih_l", l), cat("rnn.bias_ih_l", l)}, {gi}, {int_attr("transB", 1)});
  g.node("Gemm", {h_in, cat("rnn.weight_hh_l", l), cat("rnn.bias_hh_l", l)}, {gh}, {int_attr("transB", 1)});
  switch (m.type) {
    case CellType::Lstm:  // i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh); c' = f c + i g; h' = o tanh(c')
      g.node("Add", {gi, gh}, {p + "gates"});
      g.node("Split", {p + "gates"}, {p + "i_", p + "f_", p + "g_", p + "o_"}, {int_attr("axis", 1)});
      g.node("Sigmoid", {p + "i_"}, {p + "i"});
      g.node("Sigmoid", {p + "f_"}, {p + "f"});
      g.node("Tanh", {p + "g_"}, {p + "g"});
      g.node("Sigmoid", {p + "o_"}, {p + "o"});
      g.node("Mul", {p + "f", c_in}, {p + "fc"});
      g.node("Mul", {p + "i", p + "g"}, {p + "ig"});
      g.node("Add", {p + "fc", p + "ig"}, {c});
      g.node("Tanh", {c}, {p + "tanh_c"});
      g.node("Mul", {p + "o", p + "tanh_c"}, {h});
      break;
    case CellType::Gru:  // r, z from both sums; n = tanh(i_n + r (W_hn h + b_hn)); h' = (1 - z) n + z h
      g.node("Split", {gi}, {p + "ir", p + "iz", p + "in"}, {int_attr("axis", 1)});
      g.node("Split", {gh}, {p + "hr", p + "hz", p + "hn"}, {int_attr("axis", 1)});
      g.node("Add", {p + "ir", p + "hr"}, {p + "r_"});
      g.node("Sigmoid", {p + "r_"}, {p + "r"});
      g.node("Add", {p + "iz", p + "hz"}, {p + "z_"});
      g.node("Sigmoid", {p + "z_"}, {p + "z"});
      g.node("Mul", {p + "r", p + "hn"}, {p + "rhn"});
      g.node("Add", {p + "in", p + "rhn"}, {p + "n_"});
      g.node("Tanh", {p + "n_"}, {p + "n"});
      g.node("Sub", {h_in, p + "n"}, {p + "h_minus_n"});  // (1 - z) n + z h = n + z (h - n)
      g.node("Mul", {p + "z", p + "h_minus_n"}, {p + "z_h_minus_n"});
      g.node("Add", {p + "n", p + "z_h_minus_n"}, {h});
      break;
    case CellType::Rnn:  // h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
      g.node("Add", {gi, gh}, {p + "pre"});
      g.node("Tanh", {p + "pre"}, {h});
      break;
  }
}

std::string vocab_json(const Vocab& v) {
  return nlohmann::json{{"encoding", encoding_name(v.encoding)}, {"values", v.values}}.dump();
}

pb::Message entry(const std::string& key, const std::string& value) {
  pb::Message e;
  e.string(1, key).string(2, value);
  return e;
}

const char* kDoc =
    "charnn character-level model, one step. Inputs: token int64 [batch] (vocabulary ids), h float32 "
    "[num_layers, batch, rnn_size] (and c for an LSTM), zeros to start. Outputs: logits float32 [batch, vocab] "
    "of the next token, h_out (and c_out): the state to feed back. The vocabulary is metadata charnn.vocab: "
    "{encoding, values}, id i is the code point (utf-8) or byte (bytes) values[i].";

}  // namespace

std::string onnx_model(const ExportModel& m) {
  check_export_model(m);
  const int64_t L = m.num_layers, H = m.rnn_size, V = m.vocab_size;
  const bool lstm = m.type == CellType::Lstm;
  Graph g;
  for (const Array& a : m.params) g.floats(a);
  g.int64s("axes0", {1}, {0});
  for (int64_t l = 0; l < L; ++l) g.int64s(cat("layer", l), {}, {l});

  const std::vector<Dim> state = {{L, ""}, {0, "batch"}, {H, ""}};
  g.input(value_info("token", kInt64, {{0, "batch"}}, "ids of the vocabulary, one per sequence"));
  g.input(value_info("h", kFloat, state, "hidden state of every layer (zeros to start)"));
  if (lstm) g.input(value_info("c", kFloat, state, "LSTM cell state of every layer (zeros to start)"));

  g.node("Gather", {"embedding.weight", "token"}, {"x0"}, {int_attr("axis", 0)});
  std::string x = "x0";
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = cat("l", l, "_");
    g.node("Gather", {"h", cat("layer", l)}, {p + "h_in"}, {int_attr("axis", 0)});
    if (lstm) g.node("Gather", {"c", cat("layer", l)}, {p + "c_in"}, {int_attr("axis", 0)});
    layer_step(g, m, l, x, p + "h_in", p + "c_in", p + "h", p + "c");
    g.node("Unsqueeze", {p + "h", "axes0"}, {p + "h1"});
    if (lstm) g.node("Unsqueeze", {p + "c", "axes0"}, {p + "c1"});
    x = p + "h";
  }
  g.node("Gemm", {x, "decoder.weight", "decoder.bias"}, {"logits"}, {int_attr("transB", 1)});
  for (const std::string kind : {"h", "c"}) {  // every layer's new state, stacked as [num_layers, batch, rnn_size]
    if (kind == "c" && !lstm) break;
    std::vector<std::string> layers;
    for (int64_t l = 0; l < L; ++l) layers.push_back(cat("l", l, "_", kind, "1"));
    g.node("Concat", layers, {kind + "_out"}, {int_attr("axis", 0)});
  }
  g.output(value_info("logits", kFloat, {{0, "batch"}, {V, ""}}, "scores of the next token"));
  g.output(value_info("h_out", kFloat, state, "hidden state after this token"));
  if (lstm) g.output(value_info("c_out", kFloat, state, "cell state after this token"));

  pb::Message opset, model;
  opset.int64(2, kOpset);  // the default domain (ai.onnx)
  model.int64(1, kIrVersion).string(2, "charnn").string(3, CHARNN_VERSION).string(6, kDoc);
  model.message(7, g.finish(cat("charnn_", to_string(m.type))));
  model.message(8, opset);
  for (const auto& [k, v] : std::initializer_list<std::pair<std::string, std::string>>{
           {"charnn.model", to_string(m.type)},
           {"charnn.vocab", vocab_json(m.vocab)},
           {"charnn.checkpoint", m.checkpoint_name()},
           {"charnn.iteration", cat(m.iteration)},
           {"charnn.val_loss", cat(m.val_loss)}})
    model.message(14, entry(k, v));
  std::string out = model.data();
  if (out.compare(0, sizeof kHead - 1, kHead) != 0) fail("ONNX writer: unexpected head");  // is_charnn_onnx relies on it
  return out;
}

bool is_charnn_onnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[sizeof kHead - 1] = {};
  in.read(head, sizeof head);
  return in.gcount() == static_cast<std::streamsize>(sizeof head) && std::memcmp(head, kHead, sizeof head) == 0;
}

}  // namespace charnn
