// charnn neurons: the model run over a text, every cell's activation and the
// model's guesses at every character, on one self-contained HTML page
// (viz/neurons_page.h), with the cells that track simple properties of the
// text found automatically (viz/discovery.h).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "data/corpus.h"
#include "train/checkpoint.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "viz/discovery.h"
#include "viz/html.h"
#include "viz/neurons_page.h"
#include "viz/text_properties.h"
#include "viz/trace.h"

namespace charnn {

namespace {

struct NeuronsArgs {
  std::string checkpoint, text, data, vocab, split = "val", out = "neurons.html", json, state;
  int64_t chars = 10000, layer = 0, cell = -1;
  bool skip_unknown = false;
  bool split_given = false;  // --split on the command line (it goes with --data only)
};

// The first `chars` characters of the file (code points, or bytes for a bytes
// vocabulary), as bytes: only that much is read, whatever the file's size.
std::string text_prefix(const std::string& path, int64_t chars, Encoding enc) {
  std::ifstream in(path, std::ios::binary);
  std::string buf(static_cast<size_t>(chars) * (enc == Encoding::Bytes ? 1 : 4), '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  if (in.bad()) fail(path, ": cannot read the text");
  buf.resize(static_cast<size_t>(in.gcount()));
  if (enc == Encoding::Bytes) return buf;
  int64_t seen = 0;  // cut before the lead byte of character `chars` (a partial last character is left to tokenize)
  for (size_t i = 0; i < buf.size(); ++i)
    if ((static_cast<unsigned char>(buf[i]) & 0xC0) != 0x80 && seen++ == chars) return buf.substr(0, i);
  return buf;
}

std::vector<int64_t> ids_from_cache(const NeuronsArgs& a, const Checkpoint& ck) {
  const Split s = parse_split(a.split);
  auto corpus = Corpus::open(a.data, a.vocab);
  if (!(ck.vocab == corpus->vocab()))
    fail(a.checkpoint, ": vocabulary differs from ", a.data, ": ", describe_vocab_difference(ck.vocab, corpus->vocab()));
  const uint64_t n = std::min<uint64_t>(corpus->size(s), static_cast<uint64_t>(a.chars));
  if (n == 0) fail(a.data, ": the ", a.split, " split is empty");
  std::vector<int64_t> ids(n);
  corpus->read(s, 0, n, ids.data());
  return ids;
}

// The view opened first: --layer/--state/--cell where given; the rest from the
// cell that tracks some property best (the largest |r| in the ranking) among those allowed.
std::string first_view(const NeuronsArgs& a, const Trace& t, const std::vector<PropertyRanking>& ranking) {
  const std::string state = !a.state.empty() ? a.state : t.states.front();
  if (a.cell >= 0) return cat("L", a.layer > 0 ? a.layer : 1, ".", state, ".", a.cell);
  const Correlated* best = nullptr;
  for (const PropertyRanking& p : ranking) {
    for (const Correlated& c : p.top) {
      const std::string name = t.series_name(c.series);
      if (a.layer > 0 && name.rfind(cat("L", a.layer, "."), 0) != 0) continue;
      if (!a.state.empty() && name.find(cat(".", a.state, ".")) == std::string::npos) continue;
      if (!best || std::fabs(c.r) > std::fabs(best->r)) best = &c;
    }
  }
  if (best) return t.series_name(best->series);
  return cat("L", a.layer > 0 ? a.layer : 1, ".", state, ".0");
}

void check_view_flags(const NeuronsArgs& a, const ModelSpec& spec) {
  if (a.layer > spec.num_layers)
    fail("--layer ", a.layer, ": the model has ", spec.num_layers, " layer(s), numbered from 1");
  if (a.state == "c" && spec.type != CellType::Lstm)
    fail("--state c: only an LSTM has a cell state; this model's state is h");
  if (a.cell >= spec.rnn_size) fail("--cell ", a.cell, ": the model has ", spec.rnn_size, " cells per layer, numbered from 0");
}

void check_flags(const NeuronsArgs& a) {
  if (a.text.empty() == a.data.empty()) fail("give either --text FILE or --data CACHE.h5 (one of them)");
  if (!a.text.empty() && (!a.vocab.empty() || a.split_given)) fail("--vocab and --split go with --data, not --text");
  if (!a.data.empty()) parse_split(a.split);
  if (a.chars < 2 || a.chars > 100000000)
    fail("--chars ", a.chars, ": expected an integer in [2, 100000000] (a character and the one it predicts at least)");
  if (a.layer < 0) fail("--layer ", a.layer, ": expected a layer number from 1 (0 = the best cell's)");
  if (!a.state.empty() && a.state != "c" && a.state != "h") fail("--state ", quoted(a.state), ": expected c or h");
  if (a.cell < -1) fail("--cell ", a.cell, ": expected a cell number from 0");
  if (a.out.empty()) fail("--out: expected a file name");
}

void check_outputs(const NeuronsArgs& a) {
  const std::vector<std::string> inputs = {a.checkpoint, a.text, a.data, a.vocab};
  check_output_path({a.out, "--out", "web page", OutputKind::File,
                     [](const std::string& p) { return html::written_by(p, "charnn neurons"); }},
                    inputs);
  if (a.json.empty()) return;
  if (a.json == a.out || same_file(a.json, a.out)) fail("--json ", quoted(a.json), ": is also --out");
  check_output_path({a.json, "--json", "neurons table (JSON)", OutputKind::File, is_neurons_json}, inputs);
}

}  // namespace

int cmd_neurons(int argc, char** argv) {
  NeuronsArgs a;
  po::options_description desc("Options");
  desc.add_options()
      ("checkpoint", po::value(&a.checkpoint)->required(), "checkpoint (.h5) written by charnn train")
      ("text", po::value(&a.text), "text file to run the model over (its first --chars characters)")
      ("data", po::value(&a.data), "or: corpus cache (.h5) whose vocabulary is the checkpoint's")
      ("split", po::value(&a.split)->default_value("val"), "with --data: val | test | train")
      ("vocab", po::value(&a.vocab), "with --data: torch-rnn vocabulary .json (default: beside the .h5)")
      ("chars", po::value(&a.chars)->default_value(10000), "characters to read (the first N)")
      ("out,o", po::value(&a.out)->default_value("neurons.html"), "the page to write (HTML, self-contained)")
      ("json", po::value(&a.json), "also write the ranked cells per property here (JSON)")
      ("layer", po::value(&a.layer)->default_value(0), "layer of the view opened first, from 1 (0 = the best cell's)")
      ("state", po::value(&a.state), "state of the view opened first: c (LSTM) | h")
      ("cell", po::value(&a.cell)->default_value(-1), "cell of the view opened first, from 0 (-1 = the best one)")
      ("skip-unknown", po::bool_switch(&a.skip_unknown), "drop characters missing from the vocabulary (--text)");
  po::variables_map vm;
  if (!parse_or_help(argc, argv,
                     "Usage: charnn neurons CHECKPOINT.h5 (--text FILE | --data CACHE.h5 [--split val]) "
                     "[--out neurons.html] [options]\n\nRuns the model over the first --chars characters from the "
                     "zero state and writes one self-contained HTML page:\nthe text coloured by any cell's activation "
                     "(or by the model's surprise), the model's top 5 guesses at\nevery character, and the cells whose "
                     "activation correlates most with properties of the text\n(column, quotes, brackets, C comments "
                     "and strings, word and line starts). Open it from disk;\nlinks like neurons.html#view=L1.c.42&pos=100 "
                     "open one cell at one position.",
                     desc, "checkpoint", vm))
    return 0;
  a.split_given = vm.count("split") && !vm["split"].defaulted();
  check_flags(a);  // every flag first, then the outputs against the inputs, then the work
  require_readable_file(a.checkpoint, "checkpoint");
  if (!a.text.empty()) require_readable_file(a.text, "text");
  if (!a.data.empty()) require_readable_file(a.data, "corpus cache (.h5)");
  if (!a.vocab.empty()) require_readable_file(a.vocab, "torch-rnn vocabulary (.json)");
  check_outputs(a);

  Checkpoint ck = load_checkpoint(a.checkpoint);
  check_view_flags(a, ck.spec);
  const std::vector<int64_t> ids =
      a.text.empty() ? ids_from_cache(a, ck)
                     : ids_of_text(ck.vocab, text_prefix(a.text, a.chars, ck.vocab.encoding), "--text " + a.text,
                                   a.skip_unknown);
  if (ids.size() < 2)
    fail(a.text.empty() ? a.data : a.text, ": ", ids.size(), " character(s) to read; at least 2 are needed");
  CharRNN model = model_from_checkpoint(ck, torch::kCPU);
  model->eval();
  const Trace trace = trace_text(*model, ck.vocab, ids);

  std::vector<uint32_t> chars(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) chars[i] = ck.vocab.values[static_cast<size_t>(ids[i])];
  Discovery discovery(text_properties(chars));
  for (size_t s = 0; s < trace.series_count(); ++s) discovery.add(s, trace.series(s).data(), trace.n);

  NeuronsPage page;
  page.checkpoint = a.checkpoint;
  page.source = a.text.empty() ? cat(a.data, " (", a.split, " split)") : a.text;
  page.vocab = &ck.vocab;
  page.ids = &ids;
  page.trace = &trace;
  page.ranking = discovery.ranking(5);
  page.first_view = first_view(a, trace, page.ranking);
  const std::string html = neurons_html(page);
  write_file_atomic(a.out, html);
  if (!a.json.empty()) write_file_atomic(a.json, neurons_json(page).dump(1) + "\n");
  log::info("{}: {} characters, {} cell series, {}; mean surprise {:.4f} nats/char", a.out, trace.n,
            trace.series_count(), human_bytes(static_cast<double>(html.size())), mean_surprise(trace));
  std::printf("%s\n", a.out.c_str());
  return 0;
}

}  // namespace charnn
