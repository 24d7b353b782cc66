// Runs the ONNX file `charnn export --format onnx` wrote in ONNX Runtime
// (onnxruntime-node, scripts/npm-deps.sh), as a program that samples would:
// one step per token, the state fed back. For tests/integration/export_onnx.sh.
//
//   node export_onnx_check.js MODEL.onnx CASE.json PRIME LENGTH
//
// CASE.json (export_onnx_ref.py): B streams of T+1 ids and torch's logits for
// the first T. Prints one JSON line: max_abs_diff (ORT's logits against
// torch's), loss (mean cross-entropy of the next ids under ORT's logits, as
// `charnn eval` computes it) and text (PRIME, then LENGTH tokens each the most
// likely after the last, as `charnn sample --argmax`).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function zeros(L, B, H) { return new ort.Tensor('float32', new Float32Array(L * B * H), [L, B, H]); }

async function main() {
  const [modelPath, casePath, prime, lengthArg] = process.argv.slice(2);
  const c = JSON.parse(fs.readFileSync(casePath, 'utf8'));
  const session = await ort.InferenceSession.create(modelPath);
  const lstm = session.inputNames.includes('c');
  const L = c.layers, H = c.rnn_size, V = c.vocab_size;
  const step = async (tokens, state) => {
    const feeds = { token: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [tokens.length]), h: state.h };
    if (lstm) feeds.c = state.c;
    const r = await session.run(feeds);
    return { logits: r.logits.data, state: { h: r.h_out, c: lstm ? r.c_out : null } };
  };

  const B = c.streams.length, T = c.streams[0].length - 1;
  let state = { h: zeros(L, B, H), c: zeros(L, B, H) }, maxDiff = 0, ce = 0;
  for (let t = 0; t < T; t++) {
    const r = await step(c.streams.map(s => s[t]), state);
    state = r.state;
    for (let b = 0; b < B; b++) {
      const z = r.logits.subarray(b * V, (b + 1) * V), ref = (b * T + t) * V;
      let zmax = -Infinity, sum = 0;
      for (let k = 0; k < V; k++) { maxDiff = Math.max(maxDiff, Math.abs(z[k] - c.logits[ref + k])); zmax = Math.max(zmax, z[k]); }
      for (let k = 0; k < V; k++) sum += Math.exp(z[k] - zmax);
      ce += zmax + Math.log(sum) - z[c.streams[b][t + 1]];
    }
  }

  const idOf = new Map(c.values.map((v, i) => [v, i]));
  const ids = Array.from(prime, ch => idOf.get(ch.codePointAt(0)));
  state = { h: zeros(L, 1, H), c: zeros(L, 1, H) };
  let logits = null;
  for (const id of ids) ({ logits, state } = await step([id], state));
  const out = [];
  for (let n = 0; n < Number(lengthArg); n++) {
    let best = 0;  // the first of equals, as std::max_element
    for (let k = 1; k < V; k++) if (logits[k] > logits[best]) best = k;
    out.push(best);
    if (n + 1 < Number(lengthArg)) ({ logits, state } = await step([best], state));
  }
  const text = prime + String.fromCodePoint(...out.map(i => c.values[i]));
  console.log(JSON.stringify({ max_abs_diff: maxDiff, loss: ce / (B * T), text }));
}

main().catch(e => { console.error('export_onnx_check.js: ' + (e.stack || e)); process.exit(1); });
