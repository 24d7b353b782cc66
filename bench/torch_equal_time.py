#!/usr/bin/python3
"""Plain PyTorch char-rnn training for a fixed WALL-TIME budget, reporting validation loss
against wall time: the PyTorch side of bench/equal_time.sh (run with Debian's
/usr/bin/python3, which has python3-torch 1.13 and python3-h5py).

What it trains, as a plain PyTorch user writes it (PyTorch's defaults throughout):
  model      bench/torch_reference.py's CharRNN: nn.Embedding(V, E) -> nn.LSTM(E, H, L,
             batch_first) -> nn.Linear(H, V), default initialisation (no forget-gate bias
             trick), built right after torch.manual_seed(--seed). --dropout p sets the LSTM's
             between-layer dropout (L > 1) and adds nn.Dropout(p) before the decoder, as
             charnn does.
  step       forward, hidden state carried and detached, mean cross-entropy over B*T,
             opt.zero_grad(), backward, clip_grad_norm_(--clip), torch.optim.Adam(--lr)
             with default betas/eps. No lr schedule unless --lr-schedule charrnn (char-rnn's
             x decay per epoch from epoch --lr-decay-after on, as charnn's lr_schedule
             charrnn: lr * decay^max(0, epochs_done - ceil(after) + 1)).
  batches    as charnn cuts them (src/data/batcher.cpp): the train split cut into B
             contiguous streams of batches*T tokens, batches = (n - 1) // (B*T); batch i =
             window i of every stream, targets shifted by one; at the epoch boundary the
             streams restart and the hidden state is reset to zeros.
  validation as charnn's evaluate() with no batch cap (val_max_batches 0): the val split cut
             the same way into B streams of T-token windows, hidden state from zeros and
             carried, model.eval() + no_grad, the mean cross-entropy over all B*T*batches
             tokens (summed in float64) -- the same quantity as charnn's "val_loss".
  data       the `train` and `val` datasets of a charnn corpus cache (`charnn preprocess`;
             ids 0-based, vocab size = len(vocab/value)); a torch-rnn cache (no
             format="charnn-corpus" attribute; 1-based ids, vocab from the sibling .json)
             also works.

Wall clock: starts after `import torch` and argument parsing, before the corpus is read and
the model built (charnn's starts before it opens the corpus and builds its model). It
includes every evaluation except the one at iteration 0 (charnn makes none at the start, so
its time is not charged; the line is printed with the wall time at which training starts).
Evaluations happen after the first iteration that ends at or past each multiple of
--eval-every-seconds (and/or every --eval-every-iters iterations). Budget, the rule of
charnn's max_seconds: before each iteration, training stops if wall + the last iteration's
duration + the last (charged) evaluation's duration would pass --seconds; then the final
validation, so the run ends within the budget up to the estimates' error. --max-iters also
stops it (0 = no limit).

Output: JSON lines on stdout:
  {"event":"start", ...}                                      settings, vocab, batches/epoch
  {"event":"val","iter":0,"wall":s,"val_loss":x}              at the start, every eval point, the end
  {"event":"train","iter":n,"wall":s,"loss":x,"lr":lr}        every --print-every iterations (0 = off)
  {"event":"done","iter":n,"wall":s,"iters_per_sec":r,...}   the summary: iterations, iterations/s
                                                              over the whole wall, and over training
                                                              time alone (evaluations excluded)

Checks against charnn (same weights, same numbers):
  --forget-bias-one gives charnn's initial weights: with the same --seed, this build's
  nn.Embedding/nn.LSTM/nn.Linear draw exactly LibTorch's initial weights, and charnn then
  only sets the forget-gate bias (bias_ih = 1, bias_hh = 0 on that slice). With it and
  dropout 0, this loop reproduces charnn's training and val losses bit for bit (checked on
  2x128, threads 1), so an equal-time comparison then differs only in speed.
  --init-from CKPT.h5 loads a charnn checkpoint's weights (`model/*` datasets are state_dict
  keys; docs/formats.md) before training; --eval-only then prints one "val" line and exits.
  So `--init-from runs/x/latest --eval-only` must print the checkpoint's val_loss attribute.

Examples (from the repo root):
  /usr/bin/python3 bench/torch_equal_time.py --data runs/demo/tinyshakespeare.h5 --seconds 300
  /usr/bin/python3 bench/torch_equal_time.py --data c.h5 --seconds 20 --eval-every-seconds 5 --threads 2
  /usr/bin/python3 bench/torch_equal_time.py --data c.h5 --init-from runs/x/latest --eval-only
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# The model of the CPU reference (bench/torch_reference.py), so every benchmark trains one model.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import CharRNN  # noqa: E402


class CharRNNDropout(CharRNN):
    """CharRNN with charnn's dropout: between stacked LSTM layers and before the decoder.
    Built in CharRNN's order (embedding, rnn, decoder), so the initial weights for a seed are
    those of CharRNN; nn.LSTM reads its `dropout` attribute at every forward."""

    def __init__(self, vocab, embedding, hidden, layers, dropout):
        super().__init__(vocab, embedding, hidden, layers)
        self.rnn.dropout = float(dropout) if layers > 1 else 0.0
        self.drop = nn.Dropout(dropout)

    def forward(self, x, state):
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(self.drop(out)), state


def load_corpus(path):
    """-> (train ids, val ids, vocab size, vocab values or None): int64 tensors, 0-based ids."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        fmt = f.attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        train = torch.from_numpy(f["train"][()].astype(np.int64))
        val = torch.from_numpy(f["val"][()].astype(np.int64))
        if fmt == "charnn-corpus":
            values = f["vocab/value"][()]
            return train, val, int(len(values)), values
    # torch-rnn cache: 1-based ids, vocabulary in the sibling .json
    vocab = json.load(open(os.path.splitext(path)[0] + ".json", encoding="utf-8"))["idx_to_token"]
    return train - 1, val - 1, len(vocab), None


def load_charnn_weights(model, path, values):
    import h5py

    with h5py.File(path, "r") as f:
        if values is not None and list(f["vocab/value"][()]) != list(values):
            sys.exit(f"torch_equal_time.py: {path}: vocabulary differs from the corpus's")
        model.load_state_dict({k: torch.from_numpy(f["model"][k][()]) for k in f["model"]})
        return float(f.attrs["val_loss"]), int(f.attrs["iteration"])


def windows(ids, B, T):
    """charnn's stream layout: -> (x, y) of shape [batches, B, T] (batch i = window i of
    every stream; y = x shifted by one token). batches = (n - 1) // (B*T)."""
    batches = (len(ids) - 1) // (B * T) if len(ids) > 0 else 0
    if batches == 0:
        sys.exit(f"torch_equal_time.py: split of {len(ids)} tokens is too small for batch {B} x seq {T}")
    n = batches * T  # tokens per stream
    x = ids[: B * n].view(B, batches, T).transpose(0, 1).contiguous()
    y = ids[1 : B * n + 1].view(B, batches, T).transpose(0, 1).contiguous()
    return x, y


def zero_state(args, B):
    return (torch.zeros(args.layers, B, args.size), torch.zeros(args.layers, B, args.size))


def evaluate(model, vx, vy, args, vocab):
    """charnn's evaluate(): all val batches, state from zeros and carried, mean CE over all tokens."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        state = zero_state(args, vx.shape[1])
        for i in range(vx.shape[0]):
            logits, state = model(vx[i], state)
            ce = F.cross_entropy(logits.reshape(-1, vocab), vy[i].reshape(-1), reduction="none")
            total += ce.double().sum().item()
            count += ce.numel()
    if was_training:
        model.train()
    return total / count


def learning_rate(args, it, per_epoch):
    """The lr of update `it` (0-based), as charnn's learning_rate_at for constant / charrnn."""
    if args.lr_schedule == "constant":
        return args.lr
    epochs_done = it // per_epoch
    first = max(1, math.ceil(args.lr_decay_after))
    return args.lr * args.lr_decay ** max(0, epochs_done - first + 1)


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="corpus cache (.h5) from `charnn preprocess`")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--size", type=int, default=128, help="LSTM hidden units per layer")
    p.add_argument("--embedding-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--seq-length", type=int, default=50)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--clip", type=float, default=5.0, help="clip_grad_norm_ threshold (0 = off)")
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--lr-schedule", choices=["constant", "charrnn"], default="constant")
    p.add_argument("--lr-decay", type=float, default=0.97, help="charrnn schedule: factor per epoch")
    p.add_argument("--lr-decay-after", type=float, default=10, help="charrnn schedule: first decaying epoch")
    p.add_argument("--seconds", type=float, default=300, help="wall-time budget")
    p.add_argument("--max-iters", type=int, default=0, help="also stop after this many updates (0 = no limit)")
    p.add_argument("--eval-every-seconds", type=float, default=15, help="0 = off")
    p.add_argument("--eval-every-iters", type=int, default=0, help="0 = off")
    p.add_argument("--print-every", type=int, default=0, help="a train line every N iterations (0 = off)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads(N); 0 = torch's default")
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--forget-bias-one", action="store_true",
                   help="charnn's LSTM init: forget-gate slice of bias_ih = 1, of bias_hh = 0 (default: PyTorch's)")
    p.add_argument("--init-from", default="", help="start from a charnn checkpoint's weights")
    p.add_argument("--eval-only", action="store_true", help="print the val loss of the initial weights and exit")
    args = p.parse_args()

    t0 = time.perf_counter()
    wall = lambda: time.perf_counter() - t0 - uncharged  # noqa: E731
    uncharged = 0.0  # seconds not charged to the wall clock (the iteration-0 evaluation)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train_ids, val_ids, vocab, values = load_corpus(args.data)
    B, T = args.batch_size, args.seq_length
    tx, ty = windows(train_ids, B, T)
    vx, vy = windows(val_ids, B, T)
    per_epoch = tx.shape[0]

    torch.manual_seed(args.seed)
    if args.dropout > 0:
        model = CharRNNDropout(vocab, args.embedding_size, args.size, args.layers, args.dropout)
    else:
        model = CharRNN(vocab, args.embedding_size, args.size, args.layers)
    if args.forget_bias_one:  # as src/model/charrnn.cpp (gate order i, f, g, o); draws no random numbers
        with torch.no_grad():
            for name, q in model.rnn.named_parameters():
                if name.startswith("bias_ih"):
                    q[args.size : 2 * args.size].fill_(1.0)
                elif name.startswith("bias_hh"):
                    q[args.size : 2 * args.size].fill_(0.0)
    ck_val = ck_iter = None
    if args.init_from:
        ck_val, ck_iter = load_charnn_weights(model, args.init_from, values)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    params = list(model.parameters())
    # Dropout masks: a seed of their own, as charnn reseeds after building the model.
    torch.manual_seed(args.seed * 1000003 + 1)

    emit({"event": "start", "torch": torch.__version__, "threads": torch.get_num_threads(), "vocab": vocab,
          "parameters": sum(q.numel() for q in params), "layers": args.layers, "size": args.size,
          "embedding_size": args.embedding_size, "batch_size": B, "seq_length": T, "lr": args.lr,
          "lr_schedule": args.lr_schedule, "clip": args.clip, "dropout": args.dropout, "seed": args.seed,
          "forget_bias_one": args.forget_bias_one, "batches_per_epoch": per_epoch, "val_batches": vx.shape[0],
          "seconds": args.seconds, "init_from": args.init_from or None})

    e0 = time.perf_counter()
    v = evaluate(model, vx, vy, args, vocab)
    uncharged += time.perf_counter() - e0
    line = {"event": "val", "iter": 0, "wall": round(wall(), 4), "val_loss": v}
    if args.init_from:
        line.update({"checkpoint_val_loss": ck_val, "checkpoint_iter": ck_iter, "diff": v - ck_val})
    emit(line)
    if args.eval_only:
        return

    model.train()
    state = zero_state(args, B)
    it, batch_in_epoch, last_iter_s, last_eval_s = 0, 0, 0.0, 0.0
    eval_s, evals, last_eval_iter, best = 0.0, 0, 0, v
    next_eval = args.eval_every_seconds if args.eval_every_seconds > 0 else math.inf
    lr = args.lr
    while True:
        if args.max_iters > 0 and it >= args.max_iters:
            break
        if wall() + last_iter_s + last_eval_s > args.seconds:
            break
        s0 = time.perf_counter()
        lr = learning_rate(args, it, per_epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        logits, state = model(tx[batch_in_epoch], state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(-1, vocab), ty[batch_in_epoch].reshape(-1))
        opt.zero_grad()
        loss.backward()
        if args.clip > 0:
            nn.utils.clip_grad_norm_(params, args.clip)
        opt.step()
        it += 1
        batch_in_epoch += 1
        if batch_in_epoch >= per_epoch:  # epoch boundary: the streams restart
            batch_in_epoch = 0
            state = zero_state(args, B)
        last_iter_s = time.perf_counter() - s0
        if args.print_every > 0 and it % args.print_every == 0:
            emit({"event": "train", "iter": it, "wall": round(wall(), 4), "loss": loss.item(), "lr": lr})
        w = wall()
        due = w >= next_eval or (args.eval_every_iters > 0 and it % args.eval_every_iters == 0)
        if due:
            e0 = time.perf_counter()
            v = evaluate(model, vx, vy, args, vocab)
            last_eval_s = time.perf_counter() - e0
            eval_s += last_eval_s
            evals += 1
            last_eval_iter, best = it, min(best, v)
            emit({"event": "val", "iter": it, "wall": round(wall(), 4), "val_loss": v})
            if args.eval_every_seconds > 0:
                while next_eval <= w:
                    next_eval += args.eval_every_seconds
    if last_eval_iter != it:  # the final validation
        e0 = time.perf_counter()
        v = evaluate(model, vx, vy, args, vocab)
        eval_s += time.perf_counter() - e0
        evals += 1
        best = min(best, v)
        emit({"event": "val", "iter": it, "wall": round(wall(), 4), "val_loss": v})
    total = wall()
    emit({"event": "done", "iter": it, "wall": round(total, 4), "iters_per_sec": round(it / total, 3),
          "train_iters_per_sec": round(it / max(1e-9, total - eval_s), 3), "evals": evals,
          "eval_seconds": round(eval_s, 3), "final_val_loss": v, "best_val_loss": best, "lr": lr,
          "epochs": round(it / per_epoch, 4)})


if __name__ == "__main__":
    main()
