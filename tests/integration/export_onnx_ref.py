#!/usr/bin/python3
"""The reference for tests/integration/export_onnx.sh, computed apart from charnn:
checks the ONNX file with onnx.checker (full check) and its metadata against the
checkpoint, then loads the checkpoint into torch.nn (docs/formats.md) and runs it
over the val batch `charnn eval --batch-size B --seq-length T --max-batches 1`
reads (B streams, stream s from s * batches * T), writing the case for
export_onnx_check.js: the streams, torch's logits and the vocabulary.

  export_onnx_ref.py CHECKPOINT MODEL.onnx CACHE.h5 B T CASE.json
"""
import json
import sys

import h5py
import onnx
import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from neurons_check import load  # the module of docs/formats.md, loaded from the checkpoint


def main():
    ck, model_path, cache, B, T, out = sys.argv[1:7]
    B, T = int(B), int(T)
    proto = onnx.load(model_path)
    onnx.checker.check_model(proto, full_check=True)
    model, cell, values = load(ck)
    meta = {p.key: p.value for p in proto.metadata_props}
    vocab = json.loads(meta["charnn.vocab"])
    assert vocab["values"] == values and meta["charnn.model"] == cell, (meta["charnn.model"], cell)
    with h5py.File(cache, "r") as f:
        val = f["val"][()]
    batches = (len(val) - 1) // (B * T)
    assert batches >= 1, "val split too small"
    streams = [[int(v) for v in val[s * batches * T: s * batches * T + T + 1]] for s in range(B)]
    with torch.no_grad():
        emb = model.embedding(torch.tensor([s[:T] for s in streams]))
        logits = model.decoder(model.rnn(emb)[0])  # [B, T, V], from the zero state
    json.dump({"model": cell, "layers": model.rnn.num_layers, "rnn_size": model.rnn.hidden_size,
               "vocab_size": len(values), "values": values, "streams": streams,
               "logits": logits.reshape(-1).tolist()}, open(out, "w"))


main()
