#!/usr/bin/python3
"""Checks a `charnn neurons` page, as headless Chromium left it after its script
ran (--dump-dom), against the checkpoint loaded into torch.nn (docs/formats.md)
and run over the same text: the reference is computed here, independently of
charnn's sampler step. Used by tests/integration/neurons.sh.

  neurons_check.py DOM CHECKPOINT TEXT VIEW POS
"""
import math
import sys
from html.parser import HTMLParser

import h5py
import torch
import torch.nn as nn


class CharRNN(nn.Module):  # as in docs/formats.md
    def __init__(self, type, vocab_size, embedding_size, rnn_size, num_layers, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[type]
        self.rnn = cell(embedding_size, rnn_size, num_layers, batch_first=True,
                        dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(rnn_size, vocab_size)


def load(path):
    with h5py.File(path, "r") as f:
        a = f["model"].attrs
        t = a["type"].decode() if isinstance(a["type"], bytes) else str(a["type"])
        m = CharRNN(t, int(a["vocab_size"]), int(a["embedding_size"]), int(a["rnn_size"]),
                    int(a["num_layers"]), float(a["dropout"]))
        m.load_state_dict({k: torch.from_numpy(f["model"][k][()]) for k in f["model"]})
        values = [int(v) for v in f["vocab/value"][()]]
    return m.eval(), t, values


class Dom(HTMLParser):
    """Every element's tag and attributes, the text of the page's text spans, and the ids' elements."""

    def __init__(self):
        super().__init__()
        self.stack, self.spans, self.options, self.rows, self.top = [], [], [], [], []
        self.by_id, self.body = {}, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        parent = self.stack[-1] if self.stack else None
        self.stack.append((tag, a))
        if "id" in a:
            self.by_id[a["id"]] = a
        if tag == "body":
            self.body = a
        if tag == "span" and parent and "chunk" in parent[1].get("class", "").split() \
                and any(t[1].get("id") == "text" for t in self.stack):
            self.spans.append(a)
        if tag == "option" and "data-series" in a:
            self.options.append(a)
        if tag == "tr" and parent is not None:
            self.rows.append(a)
        if tag == "li" and parent and parent[1].get("id") == "top":
            self.top.append(a)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def fail(msg):
    sys.exit("neurons_check.py: " + msg)


def main():
    dom_path, ck, text_path, view, pos = sys.argv[1:6]
    pos = int(pos)
    dom = Dom()
    dom.feed(open(dom_path, encoding="utf-8").read())
    model, cell, values = load(ck)
    text = open(text_path, encoding="utf-8").read()
    index = {v: i for i, v in enumerate(values)}
    ids = [index[ord(c)] for c in text]
    n = int(dom.by_id["summary"]["data-characters"])
    if n != len(ids):
        fail(f"page has {n} characters, the text {len(ids)}")

    # one coloured span per character
    if len(dom.spans) != n:
        fail(f"{len(dom.spans)} spans for {n} characters")
    bad = [i for i, s in enumerate(dom.spans) if "background-color" not in s.get("style", "")]
    if bad:
        fail(f"{len(bad)} spans not coloured, the first at {bad[0]}")
    if dom.body.get("data-ready") != "1" or dom.body.get("data-view") != view or dom.body.get("data-pin") != str(pos):
        fail(f"body: ready/view/pin = {dom.body}")

    # the picker: every cell of every layer and state
    L, H = model.rnn.num_layers, model.rnn.hidden_size
    states = 2 if cell == "lstm" else 1
    if len(dom.options) != L * states * H:
        fail(f"picker has {len(dom.options)} cells, expected {L}x{states}x{H}")

    # the reference: log-softmax of the module at every position, from the zero state
    with torch.no_grad():
        out, _ = model.rnn(model.embedding(torch.tensor([ids])))
        logp = torch.log_softmax(model.decoder(out)[0].double(), dim=-1)
    ref_mean = -sum(float(logp[i, ids[i + 1]]) for i in range(n - 1)) / (n - 1)
    page_mean = float(dom.by_id["summary"]["data-mean-surprise"])
    if abs(page_mean - ref_mean) > 1e-4:
        fail(f"mean surprise {page_mean} vs reference {ref_mean}")

    # the pinned position: top 5 in descending order, summing to <= 1; the actual next character
    if dom.by_id["info"].get("data-pos") != str(pos):
        fail(f"info shows position {dom.by_id['info'].get('data-pos')}, pinned {pos}")
    ps = [float(li["data-p"]) for li in dom.top]
    if len(ps) != 5 or any(b > a for a, b in zip(ps, ps[1:])) or sum(ps) > 1 + 1e-6:
        fail(f"top 5 at {pos}: {ps}")
    ref_top = torch.topk(logp[pos], 5)
    for li, lp, i in zip(dom.top, ref_top.values.tolist(), ref_top.indices.tolist()):
        if abs(float(li["data-p"]) - math.exp(lp)) > 1e-4:
            fail(f"top guess {li} vs reference p {math.exp(lp)}")
    if dom.top[0]["data-char"] != chr(values[ref_top.indices[0]]):
        fail(f"top guess {dom.top[0]['data-char']!r} vs reference {chr(values[ref_top.indices[0]])!r}")
    actual = dom.by_id["actual"]
    if actual.get("data-char") != text[pos + 1]:
        fail(f"actual next {actual.get('data-char')!r}, text has {text[pos + 1]!r}")
    ref_p = math.exp(float(logp[pos, ids[pos + 1]]))
    if abs(float(actual["data-p"]) - ref_p) > 1e-4:
        fail(f"p(actual next) {actual['data-p']} vs reference {ref_p}")

    # the ranked table: every property, 5 cells each unless it is constant over the text
    props = [r["data-property"] for r in dom.rows if "prop" in r.get("class", "")]
    if len(props) != 8:
        fail(f"ranking has {len(props)} properties: {props}")
    for p in props:
        ranked = [r for r in dom.rows if r.get("data-property") == p and "rank" in r.get("class", "").split()]
        constant = [r for r in dom.rows if r.get("data-property") == p and "constant" in r.get("class", "")]
        if len(ranked) != 5 and not constant:
            fail(f"property {p}: {len(ranked)} ranked cells")
        if any(not (-1 <= float(r["data-r"]) <= 1) for r in ranked):
            fail(f"property {p}: r out of [-1, 1]")
    print(f"{cell}: {n} spans, {len(dom.options)} cells, p(next) at {pos} = {ref_p:.6f}, "
          f"mean surprise {page_mean:.6f} (reference {ref_mean:.6f}), {len(props)} properties")


if __name__ == "__main__":  # export_onnx_ref.py imports load()
    main()
