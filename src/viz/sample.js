// The page of `charnn export --format html` (src/viz/sample_page.h): the model
// runs here, one character at a time, as sample/sampler.cpp runs it.
(function () {
'use strict';
const D = JSON.parse(document.getElementById('model-data').textContent);
const V = D.vocab_size, H = D.rnn_size, L = D.num_layers;
const G = { lstm: 4, gru: 3, rnn: 1 }[D.model], GH = G * H;
const $ = id => document.getElementById(id);
const statusEl = $('status'), outEl = $('out'), goEl = $('go'), stopEl = $('stop');

// --- the weights: one base64 block of float32 per parameter -----------------
function floats(name) {
  const el = $('param-' + name);
  const s = atob(el.textContent), b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  el.remove();  // the text is not needed again (and a dump of the page stays small)
  return new Float32Array(b.buffer);
}
const W = {};
for (const p of D.params) W[p.name] = floats(p.name);

// --- the cells: PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n) ---------
// out[r] = b[r] + W[r] . x over `rows` rows of `cols`; the sums in double
// (JavaScript numbers) from float32 weights; four partial sums, so that
// consecutive multiply-adds do not wait on each other.
function matvec(w, b, x, out, rows, cols) {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
    for (; k + 3 < cols; k += 4) {
      s0 += w[o + k] * x[k]; s1 += w[o + k + 1] * x[k + 1];
      s2 += w[o + k + 2] * x[k + 2]; s3 += w[o + k + 3] * x[k + 3];
    }
    for (; k < cols; k++) s0 += w[o + k] * x[k];
    out[r] = (b ? b[r] : 0) + (s0 + s1) + (s2 + s3);
  }
}
const sigmoid = x => 1 / (1 + Math.exp(-x));
const gru = D.model === 'gru';
// As sampler.cpp: the first layer's input projection (embedding @ W_ih0^T +
// biases) precomputed for every token, a row lookup per step; both biases
// summed where they add to the same pre-activation (all but the GRU's W_hn part).
const bIn = [], bHid = [];
for (let l = 0; l < L; l++) {
  const bi = W['rnn.bias_ih_l' + l], bh = W['rnn.bias_hh_l' + l];
  if (gru) { bIn.push(bi); bHid.push(bh); } else { bIn.push(bi.map((v, i) => v + bh[i])); bHid.push(null); }
}
const proj0 = new Float64Array(V * GH);
{
  const emb = W['embedding.weight'], E = D.embedding_size, row = new Float64Array(GH);
  for (let v = 0; v < V; v++) {
    matvec(W['rnn.weight_ih_l0'], bIn[0], emb.subarray(v * E, (v + 1) * E), row, GH, E);
    proj0.set(row, v * GH);
  }
}
const h = [], c = [];
for (let l = 0; l < L; l++) { h.push(new Float64Array(H)); c.push(new Float64Array(H)); }
const gx = new Float64Array(GH), gh = new Float64Array(GH), logits = new Float64Array(V);

function resetState() { for (let l = 0; l < L; l++) { h[l].fill(0); c[l].fill(0); } }

// Reads one token; leaves the next token's scores in `logits`.
function step(token) {
  for (let l = 0; l < L; l++) {
    if (l === 0) gx.set(proj0.subarray(token * GH, (token + 1) * GH));
    else matvec(W['rnn.weight_ih_l' + l], bIn[l], h[l - 1], gx, GH, H);
    const hp = h[l], whh = W['rnn.weight_hh_l' + l];
    if (gru) {
      matvec(whh, bHid[l], hp, gh, GH, H);  // kept apart: the reset gate scales its candidate part
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[j] + gh[j]), z = sigmoid(gx[H + j] + gh[H + j]);
        const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
        hp[j] = (1 - z) * n + z * hp[j];
      }
      continue;
    }
    matvec(whh, null, hp, gh, GH, H);
    if (D.model === 'lstm') {
      const cp = c[l];
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gx[j] + gh[j]), f = sigmoid(gx[H + j] + gh[H + j]);
        const g = Math.tanh(gx[2 * H + j] + gh[2 * H + j]), o = sigmoid(gx[3 * H + j] + gh[3 * H + j]);
        cp[j] = f * cp[j] + i * g;
        hp[j] = o * Math.tanh(cp[j]);
      }
    } else {
      for (let j = 0; j < H; j++) hp[j] = Math.tanh(gx[j] + gh[j]);
    }
  }
  matvec(W['decoder.weight'], W['decoder.bias'], h[L - 1], logits, V, H);
}

// --- drawing the next token -------------------------------------------------
// A seeded generator: a Weyl sequence through a 32-bit mixing function, two
// outputs per draw for 53 bits. The same seed gives the same text in any browser.
function generator(seed) {
  let s = seed >>> 0;
  const next32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;  // [0, 1)
}
const probs = new Float64Array(V);
// Temperature 0: the most likely token, the first of equals (std::max_element,
// as `charnn sample --argmax`). Else softmax(logits / T) drawn from by one uniform.
function pick(temperature, rand) {
  let best = 0;
  for (let k = 1; k < V; k++) if (logits[k] > logits[best]) best = k;
  if (temperature === 0) return best;
  const zmax = logits[best], inv = 1 / temperature;
  let sum = 0;
  for (let k = 0; k < V; k++) { probs[k] = Math.exp((logits[k] - zmax) * inv); sum += probs[k]; }
  let u = rand() * sum;
  for (let k = 0; k < V; k++) { u -= probs[k]; if (u < 0) return k; }
  for (let k = V - 1; k >= 0; k--) if (probs[k] > 0) return k;
  return 0;
}

// --- text <-> ids -------------------------------------------------------------
const idOf = new Map(D.values.map((v, i) => [v, i]));
const bytesVocab = D.encoding === 'bytes';
const decoder = bytesVocab ? new TextDecoder('utf-8') : null;
function tokensOf(text) {  // token values: code points, or UTF-8 bytes
  return bytesVocab ? Array.from(new TextEncoder().encode(text)) : Array.from(text, ch => ch.codePointAt(0));
}
function show(v) { return v === 10 ? '\u21b5' : v < 32 || v === 127 ? 'U+' + v.toString(16).toUpperCase().padStart(4, '0') : String.fromCodePoint(v); }
// Text of a run of ids; with a bytes vocabulary the decoder keeps a partial
// character until its last byte comes.
function textOf(ids, last) {
  if (!bytesVocab) return String.fromCodePoint(...ids.map(i => D.values[i]));
  return decoder.decode(new Uint8Array(ids.map(i => D.values[i])), { stream: !last });
}

// --- the run: prime, then length tokens, in chunks ----------------------------
// A chunk steps until CHUNK_MS have passed or CHUNK_MAX tokens are done, shows
// its text, and yields to the page (typing, scrolling, Stop) before the next.
const CHUNK_MS = 25, CHUNK_MAX = 256;
let run = null;

function setStatus(state, text) { statusEl.dataset.state = state; statusEl.textContent = text; }

function readSettings() {
  const num = (id, lo, hi, integer) => {
    const el = $(id), v = Number(el.value);
    if (el.value.trim() === '' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v)))
      throw new Error(`${el.closest('label').firstChild.textContent.trim()} ${el.value}: expected ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}`);
    return v;
  };
  const s = { temperature: num('temperature', 0, 10, false), length: num('length', 0, 1e6, true),
              seed: num('seed', 0, 4294967295, true), prime: [] };
  const unknown = new Set();
  for (const v of tokensOf($('prime').value)) {
    if (idOf.has(v)) s.prime.push(idOf.get(v)); else unknown.add(show(v));
  }
  if (unknown.size) throw new Error(`the prime has characters that are not in the model's vocabulary: ${[...unknown].join(' ')}`);
  return s;
}

function start() {
  stop();
  let s;
  try { s = readSettings(); } catch (e) { setStatus('error', e.message); return; }
  outEl.textContent = '';
  if (bytesVocab) decoder.decode();  // drop what a stopped run left
  resetState();
  const r = { s, rand: generator(s.seed), fed: 0, made: 0, next: -1, t0: performance.now(), tGen: 0, timer: 0 };
  append(s.prime, s.length === 0);
  if (s.prime.length === 0) {  // as charnn: start after a newline, or from a uniform draw without one
    if (D.newline >= 0) { step(D.newline); r.next = pick(s.temperature, r.rand); } else r.next = Math.floor(r.rand() * V);
    r.fed = -1;
  }
  run = r;
  goEl.disabled = false; stopEl.disabled = false;
  setStatus('running', 'reading the prime\u2026');
  r.timer = setTimeout(chunk, 0);
}

function append(ids, last) { if (ids.length || last) outEl.appendChild(document.createTextNode(textOf(ids, last))); }

function chunk() {
  const r = run, s = r.s, t = performance.now(), ids = [];
  let n = 0;
  while (n < CHUNK_MAX && performance.now() - t < CHUNK_MS) {
    if (r.fed >= 0 && r.fed < s.prime.length) {  // the prime, read but not shown again
      step(s.prime[r.fed++]);
      if (r.fed === s.prime.length) r.next = pick(s.temperature, r.rand);
    } else if (r.made < s.length) {
      if (r.made === 0) r.tGen = performance.now();
      else { step(r.next); r.next = pick(s.temperature, r.rand); }
      ids.push(r.next);
      r.made++;
    } else break;
    n++;
  }
  const done = r.made >= s.length && (r.fed < 0 || r.fed === s.prime.length);
  append(ids, done);
  const secs = (performance.now() - (r.tGen || t)) / 1000;
  const rate = r.made > 1 && secs > 0 ? Math.round(r.made / secs) : 0;
  statusEl.dataset.chars = r.made;
  statusEl.dataset.charsPerSec = rate;
  if (done) {
    run = null; stopEl.disabled = true;
    setStatus('done', `${r.made} characters generated` + (rate ? `, ${rate} per second` : ''));
    return;
  }
  if (r.made > 0) setStatus('running', `${r.made} of ${s.length} characters` + (rate ? `, ${rate} per second` : ''));
  r.timer = setTimeout(chunk, 0);
}

function stop() {
  if (!run) return;
  clearTimeout(run.timer);
  setStatus('stopped', `stopped after ${run.made} characters`);
  run = null; stopEl.disabled = true;
}

$('controls').addEventListener('submit', e => { e.preventDefault(); start(); });
stopEl.addEventListener('click', stop);

// #prime=...&temperature=...&length=...&seed=...[&run]: fill the fields (and start).
const q = new URLSearchParams(location.hash.slice(1));
for (const k of ['prime', 'temperature', 'length', 'seed']) if (q.has(k)) $(k).value = q.get(k);
setStatus('ready', `ready: ${D.model}, ${L} layer(s) of ${H}, ${V} characters`);
if (q.has('run')) start();
})();
