// src/export/: a trained model taken out of charnn, for programs that are not
// charnn to run (`charnn export`): an ONNX graph of one step of the model that
// a runtime samples from (export/onnx.h), and a web page that samples in the
// browser (viz/sample_page.h, beside the other pages). Both work on
// ExportModel, the checkpoint's weights as plain float arrays, so nothing here
// needs LibTorch (cli/export_cmd.cpp reads the checkpoint).
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "model/cell_type.h"
#include "util/choice.h"

namespace charnn {

enum class ExportFormat { Html, Onnx };

template <>
struct Choices<ExportFormat> {
  static constexpr const char* key = "--format";
  static constexpr std::array<const char*, 2> names{"html", "onnx"};
};

// A parameter: PyTorch's name and shape (docs/formats.md), float32, row-major.
struct Array {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct ExportModel {
  CellType type = CellType::Lstm;
  int64_t vocab_size = 0, embedding_size = 0, rnn_size = 0, num_layers = 0;
  Vocab vocab;
  std::vector<Array> params;  // module order: embedding, rnn.*_l0, ..., decoder
  std::string checkpoint;     // the file it came from (its name is shown, not its path)
  int64_t iteration = 0;
  double val_loss = std::nan("");

  // The checkpoint's file name, without its directories (what the page and the ONNX metadata show).
  std::string checkpoint_name() const;
  // The parameter called `name`; an Error if there is none.
  const Array& param(const std::string& name) const;
};

// Throws a one-line Error unless `m` holds every parameter of docs/formats.md
// with its shape for these sizes, each with as many values as its shape says.
void check_export_model(const ExportModel& m);

}  // namespace charnn
