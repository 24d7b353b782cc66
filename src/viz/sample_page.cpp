#include "viz/sample_page.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/status.h"
#include "viz/html.h"
#include "viz/sample_css.h"  // generated from src/viz/sample.css (cmake/EmbedText.cmake)
#include "viz/sample_js.h"   // generated from src/viz/sample.js

namespace charnn {

namespace {

// What the script needs besides the weights: the sizes, and each id's token
// value (a code point, or a byte for a bytes vocabulary).
nlohmann::json page_data(const ExportModel& m) {
  nlohmann::json params = nlohmann::json::array();
  for (const Array& a : m.params) params.push_back({{"name", a.name}, {"shape", a.shape}});
  return {{"model", to_string(m.type)},        {"vocab_size", m.vocab_size}, {"embedding_size", m.embedding_size},
          {"rnn_size", m.rnn_size},            {"num_layers", m.num_layers}, {"encoding", encoding_name(m.vocab.encoding)},
          {"values", m.vocab.values},          {"newline", m.vocab.id_of('\n')}, {"params", params}};
}

std::string weights_html(const ExportModel& m) {
  std::string out;
  size_t bytes = 0;
  for (const Array& a : m.params) bytes += a.values.size() * 4;
  out.reserve(bytes / 3 * 4 + 100 * m.params.size());
  // float32 as the host holds it: little-endian on the machines charnn runs on,
  // and on every browser's (the script reads it with a Float32Array).
  for (const Array& a : m.params) out += html::base64_script("param-" + a.name, a.values.data(), a.values.size() * 4);
  return out;
}

std::string heading_html(const ExportModel& m) {
  std::string about = fmt::format("{} {}\u00d7{}, embedding {}, vocabulary {}", to_string(m.type), m.num_layers,
                                  m.rnn_size, m.embedding_size, m.vocab_size);
  std::string from = m.checkpoint_name();
  if (m.iteration > 0) from += fmt::format(", iteration {}", m.iteration);
  if (m.val_loss == m.val_loss) from += fmt::format(", validation loss {:.4f}", m.val_loss);
  return "<h1>" + html::escape(about) + "</h1>\n<p class=\"muted\">from " + html::escape(from) +
         ". Runs in this page: nothing is sent anywhere.</p>\n";
}

const char* kControls =
    "<form id=\"controls\" autocomplete=\"off\">\n"
    "<label for=\"prime\">Prime</label>"
    "<textarea id=\"prime\" rows=\"3\" spellcheck=\"false\" placeholder=\"text the model continues (empty: it starts "
    "a new line)\"></textarea>\n"
    "<div class=\"row\"><label>Temperature <input id=\"temperature\" type=\"number\" min=\"0\" max=\"10\" step=\"0.05\" "
    "value=\"0.8\"></label><span class=\"muted\">0: always the most likely character</span>"
    "<label>Length <input id=\"length\" type=\"number\" min=\"0\" max=\"1000000\" step=\"1\" value=\"1000\"></label>"
    "<label>Seed <input id=\"seed\" type=\"number\" min=\"0\" max=\"4294967295\" step=\"1\" value=\"123\"></label>"
    "<button id=\"go\" type=\"submit\">Generate</button><button id=\"stop\" type=\"button\" disabled>Stop</button>"
    "</div>\n</form>\n"
    "<p id=\"status\" data-state=\"loading\">loading the weights\u2026</p>\n"
    "<pre id=\"out\"></pre>\n";

}  // namespace

std::string sample_page_html(const ExportModel& m) {
  check_export_model(m);
  html::Page p;
  p.title = "charnn model: " + m.checkpoint_name();
  p.generator = kSamplePageGenerator;
  p.css = kSampleCss;
  p.body = heading_html(m) + kControls + "<script type=\"application/json\" id=\"model-data\">" +
           html::script_json(page_data(m)) + "</script>\n" + weights_html(m);
  p.script = kSampleJs;
  return html::render(p);
}

}  // namespace charnn
