// charnn export: a checkpoint as a file another program runs: a web page that
// samples in the browser (viz/sample_page.h) or a stepwise ONNX model
// (export/onnx.h). Both written whole under a temporary name, then renamed.
#include <cstdio>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "export/export.h"
#include "export/onnx.h"
#include "train/checkpoint.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "viz/html.h"
#include "viz/sample_page.h"

namespace charnn {

namespace {

// The checkpoint's weights as plain arrays, in module order under their names.
ExportModel export_model(const Checkpoint& ck, const std::string& path) {
  ExportModel m;
  m.type = ck.spec.type;
  m.vocab_size = ck.spec.vocab_size;
  m.embedding_size = ck.spec.embedding_size;
  m.rnn_size = ck.spec.rnn_size;
  m.num_layers = ck.spec.num_layers;
  m.vocab = ck.vocab;
  m.checkpoint = path;
  m.iteration = ck.progress.iter;
  m.val_loss = ck.val_loss;
  for (size_t i = 0; i < ck.params.size(); ++i) {
    const torch::Tensor t = ck.params[i].to(torch::kFloat32).contiguous();
    Array a{ck.param_names[i], t.sizes().vec(), {}};
    a.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    m.params.push_back(std::move(a));
  }
  return m;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// --format, or else what --output's name says.
ExportFormat format_of(const std::string& format, const std::string& out) {
  if (!format.empty()) return parse_choice<ExportFormat>(format, "export");
  if (ends_with(out, ".html") || ends_with(out, ".htm")) return ExportFormat::Html;
  if (ends_with(out, ".onnx")) return ExportFormat::Onnx;
  fail("export: give --format html | onnx",
       out.empty() ? std::string() : cat(" (--output ", quoted(out), " ends in neither .html nor .onnx)"));
}

}  // namespace

int cmd_export(int argc, char** argv) {
  std::string checkpoint, format, out;
  po::options_description desc("Options");
  desc.add_options()
      ("checkpoint", po::value(&checkpoint)->required(), "checkpoint (.h5) written by charnn train")
      ("format,f", po::value(&format),
       "html: one self-contained web page that samples in the browser (no network needed); "
       "onnx: one step of the model as an ONNX graph (opset 13) for an ONNX runtime. "
       "Default: from the --output name (.html, .onnx)")
      ("output,o", po::value(&out), "the file to write (default: model.html or model.onnx)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn export CHECKPOINT.h5 --format html|onnx [-o FILE]\n\nWrites the model for use "
                     "outside charnn (docs/export.md):\n  html  a page where a reader types a prime, picks a "
                     "temperature and watches the model write;\n        it runs the model in the page itself, so it "
                     "opens from disk and needs no network;\n        temperature 0 gives `charnn sample --argmax`'s "
                     "text.\n  onnx  inputs token [batch] and the state h (and c), outputs the next token's logits "
                     "and\n        the new state, so any ONNX runtime can sample; the vocabulary is in its metadata.",
                     desc, "checkpoint", vm))
    return 0;
  const ExportFormat fmt = format_of(format, out);
  if (out.empty()) out = fmt == ExportFormat::Html ? "model.html" : "model.onnx";
  require_readable_file(checkpoint, "checkpoint");
  if (fmt == ExportFormat::Html)
    check_output_path({out, "--output", "web page", OutputKind::File,
                       [](const std::string& p) { return html::written_by(p, kSamplePageGenerator); }},
                      {checkpoint});
  else
    check_output_path({out, "--output", "stepwise ONNX model", OutputKind::File, is_charnn_onnx}, {checkpoint});

  const ExportModel m = export_model(load_checkpoint(checkpoint), checkpoint);
  const std::string bytes = fmt == ExportFormat::Html ? sample_page_html(m) : onnx_model(m);
  write_file_atomic(out, bytes);
  log::info("{}: {} {}x{} as {}, {}", out, to_string(m.type), m.num_layers, m.rnn_size, to_string(fmt),
            human_bytes(static_cast<double>(bytes.size())));
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace charnn
