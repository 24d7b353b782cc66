#!/usr/bin/python3
"""Plain PyTorch reference for charnn's benchmarks (run with Debian's /usr/bin/python3,
which has python3-torch, the same LibTorch 1.13 build that charnn links).

  train   char-rnn LSTM training loop, same model/optimizer/batching as `charnn train`:
          Embedding(V, 64) -> LSTM(64, H, L, batch_first) -> Linear(H, V),
          mean cross-entropy over B*T, Adam(lr 2e-3), clip_grad_norm_(5), hidden state
          carried across iterations (detached). Batches as char-rnn: the train split
          (first 90% of the text; charnn's default 5% val, 5% test at the tail) cut into
          B contiguous streams, iteration i reads window i of T tokens of every stream,
          targets shifted by one.
          Prints JSON: median ms/iter over the timed iterations (warmup skipped) and
          chars/s = B*T / median seconds.

  sample  per-character generation with torch.no_grad(): feed one character, carry the
          (h, c) state, softmax(logits / temperature), torch.multinomial. Weights are the
          random initial ones (speed does not depend on them). Prints JSON with chars/s.

Examples (from the repo root):
  /usr/bin/python3 bench/torch_reference.py train --layers 2 --size 128 --iters 20 --warmup 3
  /usr/bin/python3 bench/torch_reference.py train --layers 2 --size 128 --threads 1
  /usr/bin/python3 bench/torch_reference.py sample --layers 2 --size 512 --length 2000

--threads N calls torch.set_num_threads(N); 0 (default) keeps torch's default.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    def __init__(self, vocab, embedding, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.rnn = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, x, state):
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(out), state


def load_train_split(path):
    text = open(path, encoding="utf-8").read()
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    n_val = n_test = int(len(ids) * 0.05)  # charnn preprocess defaults
    return ids[: len(ids) - n_val - n_test], len(chars)


def train(args):
    torch.manual_seed(123)
    data, vocab = load_train_split(args.input)
    B, T = args.batch_size, args.seq_length
    batches = (len(data) - 1) // (B * T)  # windows per stream
    stream_len = batches * T
    streams = data[: B * stream_len + 1]

    def batch(i):
        # window i of every stream: x[j] = streams[j*stream_len + i*T : ... + T], y shifted by one
        starts = torch.arange(B) * stream_len + i * T
        idx = starts[:, None] + torch.arange(T)[None, :]
        return streams[idx], streams[idx + 1]

    model = CharRNN(vocab, args.embedding_size, args.size, args.layers)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    state = (torch.zeros(args.layers, B, args.size), torch.zeros(args.layers, B, args.size))
    model.train()

    times, losses = [], []
    for it in range(args.warmup + args.iters):
        t0 = time.perf_counter()
        x, y = batch(it % batches)
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
        times.append(time.perf_counter() - t0)

    timed = times[args.warmup:]
    med = statistics.median(timed)
    print(json.dumps({
        "mode": "train", "layers": args.layers, "size": args.size, "batch_size": B, "seq_length": T,
        "torch_threads": torch.get_num_threads(), "warmup": args.warmup, "iters": len(timed),
        "ms_per_iter_median": round(med * 1000, 3), "ms_per_iter_mean": round(statistics.mean(timed) * 1000, 3),
        "chars_per_sec": round(B * T / med, 1), "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4),
    }))


def sample(args):
    torch.manual_seed(1)
    vocab = args.vocab
    model = CharRNN(vocab, args.embedding_size, args.size, args.layers).eval()
    with torch.no_grad():
        state = (torch.zeros(args.layers, 1, args.size), torch.zeros(args.layers, 1, args.size))
        token = torch.zeros(1, 1, dtype=torch.long)
        out = []
        t0 = time.perf_counter()
        for _ in range(args.length):
            logits, state = model(token, state)
            probs = F.softmax(logits[0, -1] / args.temperature, dim=-1)
            token = torch.multinomial(probs, 1).view(1, 1)
            out.append(token.item())
        seconds = time.perf_counter() - t0
    print(json.dumps({
        "mode": "sample", "layers": args.layers, "size": args.size, "torch_threads": torch.get_num_threads(),
        "length": args.length, "seconds": round(seconds, 3), "chars_per_sec": round(args.length / seconds, 1),
    }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["train", "sample"])
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--embedding-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads(N); 0 = torch's default")
    # train
    p.add_argument("--iters", type=int, default=20, help="timed iterations")
    p.add_argument("--warmup", type=int, default=3, help="iterations run first and not timed")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--seq-length", type=int, default=50)
    p.add_argument("--input", default="data/tinyshakespeare/input.txt")
    # sample
    p.add_argument("--length", type=int, default=2000)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--vocab", type=int, default=65)
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train(args) if args.mode == "train" else sample(args)


if __name__ == "__main__":
    main()
