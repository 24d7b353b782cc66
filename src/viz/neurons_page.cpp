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

namespace charnn {

namespace {

const char* kCss = R"CSS(
#wrap{display:flex;gap:20px;align-items:flex-start}
#text,#side{height:calc(100vh - 150px);min-height:320px;overflow:auto}
#text{flex:1 1 auto;min-width:0;position:relative;white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.55 ui-monospace,'DejaVu Sans Mono',monospace;margin:0;padding:2px 6px;border:1px solid #e4e4e4}
#text span{cursor:pointer}
.chunk{content-visibility:auto;contain-intrinsic-size:auto 800px}
#text span:hover{outline:1px solid #444}
#text span.pin{outline:2px solid #000}
#text span.nl::before{content:'\21B5';color:#777}
#side{flex:0 0 430px}
#controls{display:flex;gap:6px;align-items:center;margin-bottom:8px}
#view{max-width:280px}
#legend{margin:6px 0 10px;font-size:12px;color:#444}
#scale{height:12px;border:1px solid #ccc;margin:3px 0}
#scale-labels{display:flex;justify-content:space-between}
#info{border:1px solid #ddd;padding:8px 10px;margin-bottom:12px;min-height:150px;background:#fafafa}
#info ol{margin:6px 0;padding-left:22px}
#info li.hit{font-weight:bold}
.bar{display:inline-block;height:9px;background:#8aa;vertical-align:middle;margin-right:6px}
.mono{white-space:pre}
#ranking td,#ranking th{padding:2px 8px}
#ranking tr.current td{background:#fff3c4}
#ranking tr.prop th{background:#eef2f7;font-weight:600}
#ranking td.r{text-align:right;font-variant-numeric:tabular-nums}
#note{color:#a33}
.muted{color:#777}
)CSS";

// The page's script. D is the embedded data (neurons_html); the text's spans
// are already in the document, so the script only colours them.
const char* kScript = R"JS(
(function () {
'use strict';
const D = JSON.parse(document.getElementById('neurons-data').textContent);
const N = D.n, K = D.top, V = D.vocab.length;
const textEl = document.getElementById('text');
const chars = Array.from(textEl.getElementsByTagName('span'));  // in order, through the chunks
for (let i = 0; i < N; i++) chars[i]._i = i;
function bytes(b64) {
  const s = atob(b64), a = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
  return a;
}
function ints(b64, width) {
  const b = bytes(b64);
  return width === 1 ? b : width === 2 ? new Uint16Array(b.buffer) : new Int32Array(b.buffer);
}
const ids = ints(D.ids, D.id_bytes), topIds = ints(D.top_ids, D.id_bytes);
const topP = new Uint16Array(bytes(D.top_p).buffer), surprise = new Float32Array(bytes(D.surprise).buffer);

function mix(a, b, t) { return 'rgb(' + a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(',') + ')'; }
const WHITE = [255, 255, 255], BLUE = [60, 120, 215], RED = [225, 55, 45], YELLOW = [255, 205, 70], DARK = [200, 30, 60];
const cellPal = [];
for (let q = 0; q < 255; q++) { const v = q / 127 - 1; cellPal.push(v < 0 ? mix(WHITE, BLUE, -v) : mix(WHITE, RED, v)); }
const SMAX = 8, SB = 64, surPal = [];
for (let b = 0; b <= SB; b++) { const t = b / SB; surPal.push(t < 0.5 ? mix(WHITE, YELLOW, 2 * t) : mix(YELLOW, DARK, 2 * t - 1)); }
const surBucket = s => Math.min(SB, Math.max(0, Math.round(s / SMAX * SB)));

const picker = document.getElementById('view');
const seriesOf = new Map();
for (const o of picker.options) if (o.dataset.series !== undefined) seriesOf.set(o.value, Number(o.dataset.series));
// The series' base64 moves out of the DOM (a dump of the page stays small);
// one is decoded when it is picked.
const seriesB64 = [];
for (const el of Array.from(document.querySelectorAll('script[id^="series-"]'))) {
  seriesB64[Number(el.id.slice(7))] = el.textContent;
  el.remove();
}
let cached = null, cachedView = null;
function seriesValues(v) {
  if (cachedView !== v) { cached = bytes(seriesB64[seriesOf.get(v)]); cachedView = v; }
  return cached;
}
let view = null, pin = -1, hover = -1;

function paint() {
  if (view === 'surprise') {
    for (let i = 0; i < N; i++) chars[i].style.backgroundColor = i === 0 ? '' : surPal[surBucket(surprise[i])];
  } else {
    const q = seriesValues(view);
    for (let i = 0; i < N; i++) chars[i].style.backgroundColor = cellPal[q[i]];
  }
}

function legend() {
  const scale = document.getElementById('scale'), labels = document.getElementById('scale-labels');
  const what = document.getElementById('legend-text');
  if (view === 'surprise') {
    scale.style.background = 'linear-gradient(to right,' + surPal[0] + ',' + surPal[SB / 2] + ',' + surPal[SB] + ')';
    labels.innerHTML = '<span>0</span><span>' + SMAX / 2 + '</span><span>\u2265 ' + SMAX + ' nats</span>';
    what.textContent = 'surprise: \u2212ln p of each character under the model, given the text before it ' +
      '(the first character is not predicted).';
    return;
  }
  scale.style.background = 'linear-gradient(to right,' + cellPal[0] + ',' + cellPal[127] + ',' + cellPal[254] + ')';
  labels.innerHTML = '<span>\u22121</span><span>0</span><span>+1</span>';
  const [l, st, k] = view.split('.');
  what.textContent = 'layer ' + l.slice(1) + ', cell ' + k + ': ' + (st === 'c'
    ? 'LSTM cell state c, shown as tanh(c)' : 'hidden state h') + ', after reading each character.';
}

function disp(id) { return D.display[id]; }
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
)JS"
                      R"JS(
function showTop(i, list) {
  list.textContent = '';
  const next = i + 1 < N ? ids[i + 1] : -1;
  for (let k = 0; k < Math.min(K, V); k++) {
    const id = topIds[i * K + k], p = topP[i * K + k] / 65535;
    const li = el('li', {'data-char': D.vocab[id], 'data-p': String(p)});
    if (id === next) li.className = 'hit';
    li.appendChild(el('span', {'class': 'bar', 'style': 'width:' + Math.round(p * 120) + 'px'}));
    li.appendChild(el('span', {'class': 'mono'}, disp(id)));
    li.appendChild(document.createTextNode('  ' + (100 * p).toFixed(2) + '%'));
    list.appendChild(li);
  }
}

function show(i) {
  const info = document.getElementById('info'), pos = document.getElementById('pos');
  const list = document.getElementById('top'), actual = document.getElementById('actual');
  info.dataset.pos = String(i);
  if (i < 0) {
    pos.textContent = 'Hover over a character (click to pin it) for the model\u2019s guesses of the next one.';
    list.textContent = ''; actual.textContent = '';
    for (const a of ['data-char', 'data-p', 'data-surprise']) actual.removeAttribute(a);
    return;
  }
  const value = view === 'surprise' ? (i === 0 ? 'not predicted' : '\u2212ln p = ' + surprise[i].toFixed(3) + ' nats')
    : view + ' = ' + (seriesValues(view)[i] / 127 - 1).toFixed(3);
  pos.textContent = 'position ' + i + (i === pin ? ' (pinned)' : '') + ': ' + disp(ids[i]) + '   ' + value;
  showTop(i, list);
  actual.textContent = '';
  if (i + 1 >= N) {
    actual.textContent = 'end of the text: no next character';
    for (const a of ['data-char', 'data-p', 'data-surprise']) actual.removeAttribute(a);
    return;
  }
  const s = surprise[i + 1], p = Math.exp(-s);
  actual.setAttribute('data-char', D.vocab[ids[i + 1]]);
  actual.setAttribute('data-p', String(p));
  actual.setAttribute('data-surprise', String(s));
  actual.append('actual next: ', el('span', {'class': 'mono'}, disp(ids[i + 1])),
    '  p = ' + p.toPrecision(4) + '  (\u2212ln p = ' + s.toFixed(3) + ' nats)');
}

function setView(v) {
  if (v === view) return;
  const t0 = performance.now();
  view = v;
  picker.value = v;
  document.body.dataset.view = v;
  for (const tr of document.querySelectorAll('#ranking tr[data-view]'))
    tr.classList.toggle('current', tr.dataset.view === v);
  paint();
  legend();
  show(hover >= 0 ? hover : pin);
  void textEl.offsetHeight;  // the new colours' style and layout, inside the measured time
  document.body.dataset.paintMs = (performance.now() - t0).toFixed(1);
}

function setPin(i) {
  if (pin >= 0) chars[pin].classList.remove('pin');
  pin = i;
  if (pin >= 0) {  // into the middle of the text's own scroller (the window does not move)
    chars[pin].classList.add('pin');
    textEl.scrollTop = chars[pin].offsetTop - textEl.clientHeight / 2;
  }
  document.body.dataset.pin = String(pin);
  show(hover >= 0 ? hover : pin);
}

function note(msg) { document.getElementById('note').textContent = msg; }

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const v = h.get('view'), p = h.get('pos');
  if (v !== null) {
    if (v === 'surprise' || seriesOf.has(v)) setView(v);
    else note('this page has no view ' + v + ' (views are surprise and L<layer>.<state>.<cell>)');
  }
  if (p !== null) {
    const i = Number(p);
    if (Number.isInteger(i) && i >= 0 && i < N) setPin(i);
    else note('position ' + p + ' is not in this page (0 to ' + (N - 1) + ')');
  }
}

function writeHash() {
  const h = '#view=' + view + (pin >= 0 ? '&pos=' + pin : '');
  if (location.hash !== h) location.replace(h);
}

textEl.addEventListener('mouseover', e => { if (e.target._i !== undefined) { hover = e.target._i; show(hover); } });
textEl.addEventListener('mouseleave', () => { hover = -1; show(pin); });
textEl.addEventListener('click', e => {
  const i = e.target._i;
  if (i === undefined) return;
  hover = -1;
  setPin(pin === i ? -1 : i);
  writeHash();
});
picker.addEventListener('change', () => { setView(picker.value); writeHash(); });
function step(d) {
  const j = picker.selectedIndex + d;
  if (j >= 0 && j < picker.options.length) { setView(picker.options[j].value); writeHash(); }
}
document.getElementById('prev').addEventListener('click', () => step(-1));
document.getElementById('next').addEventListener('click', () => step(1));
window.addEventListener('hashchange', () => { readHash(); writeHash(); });

const asked = new URLSearchParams(location.hash.slice(1)).get('view');
setView(asked === 'surprise' || seriesOf.has(asked) ? asked : D.first);  // paint once, not twice
readHash();
if (pin < 0) show(-1);
document.body.dataset.renderMs = performance.now().toFixed(1);
document.body.dataset.ready = '1';
})();
)JS";

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
  std::string cell = t.cell_type == "lstm" ? "LSTM" : t.cell_type == "gru" ? "GRU" : "RNN";
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
  p.css = kCss;
  p.body = heading_html(page) + "<div id=\"wrap\">" + text_html(*page.vocab, *page.ids) + side + "</div>" +
           "<script type=\"application/json\" id=\"neurons-data\">" + html::script_json(page_data(page)) + "</script>" +
           series_html(*page.trace);
  p.script = kScript;
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
          {"cell_type", t.cell_type},
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
