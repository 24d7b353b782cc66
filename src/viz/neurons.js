
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
