// `charnn export --format onnx`: the model as an ONNX file (opset 13) of ONE
// step, so that any ONNX runtime can sample from it the way charnn does: feed
// a character, read the logits of the next, carry the state.
//
//   inputs   token   int64   [batch]                       ids of the vocabulary
//            h       float32 [num_layers, batch, rnn_size]  zeros to start
//            c       float32 [num_layers, batch, rnn_size]  LSTM only
//   outputs  logits  float32 [batch, vocab_size]            before softmax
//            h_out, c_out: the state after this token, the next step's h and c
//
// The cells are written out in elementary operators (Gather, Gemm, Split,
// Sigmoid, Tanh, Mul, Add, Sub) in PyTorch's gate order and formulas, the ones
// sample/sampler.cpp computes; the weights are initializers under their
// checkpoint names (docs/formats.md). The vocabulary and the model are in the
// file's metadata_props (docs/export.md). Written by util/protobuf.h: no
// libprotobuf, no Python.
#pragma once
#include <string>

#include "export/export.h"

namespace charnn {

// The serialized ModelProto.
std::string onnx_model(const ExportModel& m);

// Whether the file at `path` is an ONNX model written by charnn (so that
// `export -o` replaces only one of those).
bool is_charnn_onnx(const std::string& path);

}  // namespace charnn
