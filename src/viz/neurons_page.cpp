#include "viz/neurons_page.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "util/status.h"
#include "viz/html.h"
#include "viz/neurons_css.h"  // generated from src/viz/neurons.css (cmake/EmbedText.cmake)
#include "viz/neurons_js.h"   // generated from src/viz/neurons.js

namespace charnn {

namespace {

// Each vocabulary entry's text, escaped once (the text has a span per character).
std::vector<std::string> escaped_tokens(const Vocab& vocab) {
  std::vector<std::string> out(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) out[id] = html::escape(vocab.text(id));
  return out;
}

// The text as one span per character, in chunks of whole lines (about
// kChunk characters; a longer line is cut at 4 x kChunk). Each chunk has
// content-visibility: auto, so the browser styles, lays out and paints only
// the chunks on screen: what keeps opening the page and picking a view fast
// with 100k characters.
constexpr size_t kChunk = 2000;

std::string text_html(const Vocab& vocab, const std::vector<int64_t>& ids) {
  const std::vector<std::string> tok = escaped_tokens(vocab);
  std::string out = "<pre id=\"text\"><div class=\"chunk\">";
  out.reserve(out.size() + ids.size() * 15);
  size_t in_chunk = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const size_t id = static_cast<size_t>(ids[i]);
    const bool nl = vocab.values[id] == '\n';
    out += nl ? "<span class=\"nl\">" : "<span>";
    out += tok[id];
    out += "</span>";
    const bool cut = (nl && ++in_chunk >= kChunk) || (!nl && ++in_chunk >= 4 * kChunk);
    if (cut && i + 1 < ids.size()) {
      out += "</div><div class=\"chunk\">";
      in_chunk = 0;
    }
  }
  return out + "</div></pre>";
}

// Each cell series as its own base64 block, read (and decoded) only when it is
// picked: no JSON.parse of them all at load, no second copy in memory.
std::string series_html(const Trace& t) {
  std::string out;
  out.reserve(t.series_count() * (t.n * 4 / 3 + 80));
  for (size_t s = 0; s < t.series_count(); ++s)
    out += html::base64_script(cat("series-", s), t.act.data() + s * t.n, t.n);
  return out;
}

std::string picker_html(const Trace& t) {
  std::string out = "<select id=\"view\" title=\"what colours the text\">";
  out += "<option value=\"surprise\">surprise (\xE2\x88\x92ln p of each character)</option>";
  const size_t per_group = static_cast<size_t>(t.rnn_size);
  for (size_t s = 0; s < t.series_count(); ++s) {
    const std::string name = t.series_name(s);
    if (s % per_group == 0) {
      if (s > 0) out += "</optgroup>";
      const std::string st = t.states[(s / per_group) % t.states.size()];
      out += cat("<optgroup label=\"layer ", s / per_group / t.states.size() + 1, " ",
                 st == "c" ? "c (cell state, as tanh c)" : "h (hidden state)", "\">");
    }
    out += cat("<option value=\"", name, "\" data-series=\"", s, "\">", name, "</option>");
  }
  return out + "</optgroup></select>";
}

std::string signed_r(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.3f", r);
  return buf;
}

std::string ranking_html(const NeuronsPage& page) {
  std::string out = "<table id=\"ranking\"><tr><th>#</th><th>cell</th><th>r</th></tr>";
  for (const PropertyRanking& p : page.ranking) {
    out += cat("<tr class=\"prop\" data-property=\"", html::escape(p.name), "\"><th colspan=\"3\">cells that track: ",
               html::escape(p.description), " <span class=\"muted\">(", html::escape(p.name), ")</span></th></tr>");
    if (p.constant)
      out += cat("<tr class=\"constant\" data-property=\"", html::escape(p.name),
                 "\"><td></td><td colspan=\"2\" class=\"muted\">constant over this text: nothing to track</td></tr>");
    for (size_t k = 0; k < p.top.size(); ++k) {
      const std::string view = page.trace->series_name(p.top[k].series);
      out += cat("<tr class=\"rank\" data-property=\"", html::escape(p.name), "\" data-view=\"", view, "\" data-r=\"",
                 p.top[k].r, "\"><td>", k + 1, "</td><td><a href=\"#view=", view, "\">", view,
                 "</a></td><td class=\"r\">", signed_r(p.top[k].r), "</td></tr>");
    }
  }
  return out + "</table>";
}

std::string bytes_b64(const void* data, size_t n) { return html::base64(data, n); }

// The ids at the vocabulary's id width (1, 2 or 4 bytes, little-endian as the page reads them).
std::string ids_b64(const std::vector<int64_t>& ids, int width) {
  std::vector<unsigned char> out(ids.size() * static_cast<size_t>(width));
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint64_t v = static_cast<uint64_t>(ids[i] < 0 ? 0 : ids[i]);
    for (int b = 0; b < width; ++b) out[i * static_cast<size_t>(width) + static_cast<size_t>(b)] = (v >> (8 * b)) & 0xFF;
  }
  return bytes_b64(out.data(), out.size());
}

nlohmann::json page_data(const NeuronsPage& page) {
  const Trace& t = *page.trace;
  const Vocab& vocab = *page.vocab;
  const int width = vocab.id_bytes();
  std::vector<std::string> texts, shown;
  for (size_t id = 0; id < vocab.size(); ++id) {
    texts.push_back(vocab.text(id));
    shown.push_back(vocab.display(id));
  }
  std::vector<uint16_t> top_p(t.top_p.size());
  for (size_t k = 0; k < top_p.size(); ++k)  // floor: a quantised probability is never above the true one
    top_p[k] = static_cast<uint16_t>(std::floor(std::clamp(t.top_p[k], 0.0f, 1.0f) * 65535.0));
  return {{"n", t.n},
          {"top", Trace::kTop},
          {"vocab", texts},
          {"display", shown},
          {"id_bytes", width},
          {"ids", ids_b64(*page.ids, width)},
          {"top_ids", ids_b64(std::vector<int64_t>(t.top_ids.begin(), t.top_ids.end()), width)},
          {"top_p", bytes_b64(top_p.data(), top_p.size() * 2)},
          {"surprise", bytes_b64(t.surprise.data(), t.surprise.size() * 4)},
          {"first", page.first_view}};
}

std::string heading_html(const NeuronsPage& page) {
  const Trace& t = *page.trace;
  const double loss = mean_surprise(t);
  std::string cell = t.cell_type == CellType::Lstm ? "LSTM" : t.cell_type == CellType::Gru ? "GRU" : "RNN";
  return cat("<h1>Inside ", html::escape(page.checkpoint), "</h1><p id=\"summary\" data-characters=\"", t.n,
             "\" data-mean-surprise=\"", fmt::format("{}", loss), "\">", cell, ", ", t.layers, " layer", t.layers > 1 ? "s" : "", " \xC3\x97 ",
             t.rnn_size, " cells, vocabulary ", t.vocab_size, "; the first ", t.n, " characters of ",
             html::escape(page.source), ", read from the zero state. Mean surprise ", signed_r(loss).substr(1),
             " nats per character (", signed_r(loss / std::log(2.0)).substr(1),
             " bits). Layers are numbered from 1, cells from 0.</p>");
}

}  // namespace

double mean_surprise(const Trace& trace) {
  double sum = 0;
  for (size_t i = 1; i < trace.n; ++i) sum += trace.surprise[i];
  return trace.n > 1 ? sum / static_cast<double>(trace.n - 1) : std::nan("");
}

std::string neurons_html(const NeuronsPage& page) {
  std::string side = "<div id=\"side\"><div id=\"controls\"><button id=\"prev\" title=\"previous view\">\xE2\x97\x80</button>" +
                     picker_html(*page.trace) +
                     "<button id=\"next\" title=\"next view\">\xE2\x96\xB6</button></div>"
                     "<div id=\"legend\"><div id=\"legend-text\"></div><div id=\"scale\"></div>"
                     "<div id=\"scale-labels\"></div></div><div id=\"note\"></div>"
                     "<div id=\"info\"><div id=\"pos\"></div><ol id=\"top\"></ol><div id=\"actual\"></div></div>"
                     "<h2>Cells that track a property of the text</h2><p class=\"muted\">Pearson r of each cell's "
                     "activation with the property, over this text; top 5 by |r|. Click a cell to colour the text by it.</p>" +
                     ranking_html(page) + "</div>";
  html::Page p;
  p.generator = "charnn neurons";
  p.title = "charnn neurons: " + page.checkpoint;
  p.css = kNeuronsCss;
  p.body = heading_html(page) + "<div id=\"wrap\">" + text_html(*page.vocab, *page.ids) + side + "</div>" +
           "<script type=\"application/json\" id=\"neurons-data\">" + html::script_json(page_data(page)) + "</script>" +
           series_html(*page.trace);
  // The script: D is the embedded data (page_data); the text's spans are
  // already in the document, so it only colours them.
  p.script = kNeuronsJs;
  return html::render(p);
}

nlohmann::ordered_json neurons_json(const NeuronsPage& page) {
  const Trace& t = *page.trace;
  nlohmann::ordered_json props = nlohmann::ordered_json::array();
  for (const PropertyRanking& p : page.ranking) {
    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    for (const Correlated& c : p.top) {
      const size_t per_layer = static_cast<size_t>(t.rnn_size) * t.states.size();
      top.push_back({{"view", t.series_name(c.series)},
                     {"layer", c.series / per_layer + 1},
                     {"state", t.states[(c.series % per_layer) / static_cast<size_t>(t.rnn_size)]},
                     {"cell", c.series % static_cast<size_t>(t.rnn_size)},
                     {"r", c.r}});
    }
    props.push_back({{"name", p.name}, {"description", p.description}, {"constant", p.constant}, {"top", top}});
  }
  return {{"format", "charnn-neurons"},
          {"checkpoint", page.checkpoint},
          {"source", page.source},
          {"characters", t.n},
          {"cell_type", to_string(t.cell_type)},
          {"layers", t.layers},
          {"rnn_size", t.rnn_size},
          {"states", t.states},
          {"mean_surprise", mean_surprise(t)},
          {"first_view", page.first_view},
          {"properties", props}};
}

bool is_neurons_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() && j.value("format", nlohmann::json()) == "charnn-neurons";
}

}  // namespace charnn
