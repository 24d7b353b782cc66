// src/util/protobuf.h, src/export/ and viz/sample_page.h: the bytes `charnn
// export` writes. That runtimes and browsers compute charnn's numbers from them
// is checked end to end by integration.export_onnx (ONNX Runtime) and
// integration.export_html (Chromium).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "export/export.h"
#include "export/onnx.h"
#include "helpers.h"
#include "util/protobuf.h"
#include "util/status.h"
#include "viz/html.h"
#include "viz/sample_page.h"

namespace charnn {

namespace {
// A 1-layer model of `type` with every parameter of its shape, values 0.5.
ExportModel tiny(CellType type) {
  ExportModel m;
  m.type = type;
  m.vocab_size = 3, m.embedding_size = 2, m.rnn_size = 4, m.num_layers = 1;
  m.vocab = Vocab::make(Encoding::Utf8, {'\n', 'a', 'b'}, {0, 0, 0});
  m.checkpoint = "runs/x/lm_tiny.h5";
  const int64_t G = gate_count(m.type) * 4;
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    m.params.push_back({name, shape, std::vector<float>(static_cast<size_t>(n), 0.5f)});
  };
  add("embedding.weight", {3, 2});
  add("rnn.weight_ih_l0", {G, 2});
  add("rnn.weight_hh_l0", {G, 4});
  add("rnn.bias_ih_l0", {G});
  add("rnn.bias_hh_l0", {G});
  add("decoder.weight", {3, 4});
  add("decoder.bias", {3});
  return m;
}
}  // namespace

TEST(Protobuf, WritesTheWireFormat) {
  pb::Message inner;
  inner.varint(1, 150);  // the protobuf guide's example: 08 96 01
  EXPECT_EQ(inner.data(), std::string("\x08\x96\x01", 3));
  pb::Message m;
  m.string(2, "testing").message(3, inner).int64(4, -1).float32(5, 1.0f);
  const std::string want = std::string("\x12\x07testing", 9) + std::string("\x1a\x03\x08\x96\x01", 5) +
                           std::string("\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11) +  // -1: ten bytes
                           std::string("\x2d\x00\x00\x80\x3f", 5);                            // 1.0f, little-endian
  EXPECT_EQ(m.data(), want);
}

TEST(Export, ChecksEveryParameterShape) {
  for (CellType t : {CellType::Lstm, CellType::Gru, CellType::Rnn}) EXPECT_NO_THROW(check_export_model(tiny(t)));
  ExportModel m = tiny(CellType::Gru);
  m.params[2].shape = {16, 4};  // an LSTM's W_hh in a GRU
  m.params[2].values.resize(64);
  EXPECT_EQ(test::error_of([&] { check_export_model(m); }),
            "runs/x/lm_tiny.h5: rnn.weight_hh_l0 has shape [16, 4] and 64 values; expected [12, 4]");
  m = tiny(CellType::Rnn);
  m.params.pop_back();
  EXPECT_EQ(test::error_of([&] { check_export_model(m); }), "runs/x/lm_tiny.h5: no parameter decoder.bias");
}

TEST(Export, OnnxFileIsMarkedAsCharnnsAndHoldsTheWeights) {
  test::TempDir d;
  const ExportModel m = tiny(CellType::Lstm);
  const std::string bytes = onnx_model(m);
  EXPECT_TRUE(is_charnn_onnx(d.file("m.onnx", bytes)));
  EXPECT_FALSE(is_charnn_onnx(d.file("other.onnx", "\x08\x07\x12\x07pytorch")));
  EXPECT_FALSE(is_charnn_onnx(d.file("short.onnx", "\x08\x07")));
  for (const char* s : {"embedding.weight", "rnn.weight_hh_l0", "decoder.bias", "h_out", "c_out", "charnn.vocab",
                        "{\"encoding\":\"utf-8\",\"values\":[10,97,98]}"})
    EXPECT_NE(bytes.find(s), std::string::npos) << s;
  // A node's output (NodeProto field 2) named c_out: an LSTM's cell state, which a GRU has not.
  const std::string c_out_output("\x12\x05" "c_out", 7);
  EXPECT_NE(bytes.find(c_out_output), std::string::npos);
  EXPECT_EQ(onnx_model(tiny(CellType::Gru)).find(c_out_output), std::string::npos);
}

TEST(Export, PageEmbedsTheWeightsAndIsMarkedAsCharnns) {
  test::TempDir d;
  const ExportModel m = tiny(CellType::Gru);
  const std::string page = sample_page_html(m);
  EXPECT_TRUE(html::written_by(d.file("p.html", page), kSamplePageGenerator));
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  // 12 x 4 floats of 0.5 (00 00 00 3f): 192 bytes, base64 "AAAAPwAAAD8..." 256 characters.
  std::string b64;
  for (int i = 0; i < 16; ++i) b64 += "AAAAPwAAAD8AAAA/";
  EXPECT_NE(page.find("<script type=\"application/octet-stream\" id=\"param-rnn.weight_hh_l0\">" + b64 + "</script>"),
            std::string::npos);
  EXPECT_NE(page.find("\"model\":\"gru\""), std::string::npos);
  EXPECT_NE(page.find("lm_tiny.h5"), std::string::npos);
  EXPECT_EQ(page.find("runs/x/"), std::string::npos);  // the file's name, not where it was
}

}  // namespace charnn
