#!/usr/bin/env python3
"""PyTorch peer for charnn's GPU path: the same char-rnn training step and sampling loop,
written as a careful PyTorch user would, timed as a careful engineer would.

Runs on PyTorch 2.x with CUDA (the GPU machine's python3) and, for testing, on Debian's
torch 1.13 CPU build (--device cpu, tiny sizes). Every mode prints ONE JSON line per run.

  train   Embedding(V, E) -> nn.LSTM(E, H, L, batch_first) -> Linear(H, V), mean
          cross-entropy, Adam(lr 2e-3), clip_grad_norm_(5), hidden state carried across
          iterations (detached) and reset to zeros when the streams wrap (as charnn does at
          an epoch boundary). Data as bench/torch_reference.py and charnn: the train split
          (first 90% of the text) cut into B contiguous streams, iteration i reads window
          i of T tokens of every stream, targets shifted by one. All windows are built on
          the device before the clock starts, so data loading costs nothing.
          --mode eager | fp32 | tf32 | bf16 | bf16-cast | compile | compile-bf16, or a comma list run one
          after the other in this process (each from seed 123, with a fresh model):
            eager    PyTorch's defaults: on torch 2.x cuDNN RNNs use TF32 tensor cores, cuBLAS
                     matmuls (the decoder) full fp32 (the JSON's "tf32" shows the settings)
            fp32     TF32 off for cuBLAS and cuDNN: full fp32 (= charnn --precision fp32)
            tf32     TF32 on for cuBLAS and cuDNN (= charnn --precision tf32)
            bf16     torch.autocast(device, dtype=bfloat16) around forward + loss; fp32
                     master weights, fp32 Adam (no GradScaler: bf16 needs none). NOTE:
                     PyTorch's autocast wrapper for cuDNN RNNs (aten/src/ATen/cudnn/
                     AutocastRNN.cpp) casts to float16 whatever the autocast dtype, so the
                     LSTM itself runs in fp16 here; the JSON's "state_dtype" shows it
            bf16-cast  classic master-weight mixed precision: a bf16 copy of the model is
                     refreshed from the fp32 weights each step (copy_ into its flat cuDNN
                     buffer), forward/backward run in bf16 (the LSTM too, with a bf16 state),
                     its gradients are copied to fp32 for clip + Adam on the fp32 weights;
                     loss in fp32
            compile  torch.compile(model) (reported "skipped" where torch has no compile;
                     dynamo runs nn.LSTM itself eagerly unless it allows RNNs)
          Timing: --warmup iterations untimed, then --iters timed in chunks of --chunk;
          each chunk is bracketed by CUDA events (no host sync inside the timed loop: the
          loss stays on the device), ms/iter = median over chunks of chunk_ms / chunk.
          chars/s = B*T / median seconds. Peak memory = torch.cuda.max_memory_allocated()
          after reset_peak_memory_stats() (taken once the data is on the device, so it
          counts data + model + Adam state + activations).
          --loss-at N: run exactly N iterations (N - warmup timed) and report the loss at
          every multiple of --loss-every (default 100) and the mean of the losses at the
          last ten multiples of 10 (less noisy than one batch).

  sample  per-character generation as a PyTorch user writes it: torch.no_grad(), feed one
          character, carry (h, c), softmax(logits / temperature), torch.multinomial,
          token.item() each step (the character is needed on the host). Random initial
          weights (speed does not depend on them). chars/s over --length characters after
          --sample-warmup untimed ones.

  gemm    the card's ceilings: bf16 (and fp32, tf32) N x N x N matmul rate on random data,
          median of 10 after 3 warm-ups, and device-to-device copy bandwidth (bytes read +
          written per second), as JSON.

  flops   FLOPs of one training step of an LSTM char-rnn of the given sizes, and, with
          --rate-tflops R, the "GEMM-limited" time FLOPs / R. Forward per layer
          2*B*T*4H*(in+H) (in = E for the first layer, H after), decoder 2*B*T*H*V;
          backward ~ 2x forward, so a step is 3x forward.

Examples (from the repo root):
  python3 bench/torch_gpu_peer.py gemm
  python3 bench/torch_gpu_peer.py train --layers 3 --size 1024 --batch-size 128 --seq-length 128 --mode eager,bf16
  python3 bench/torch_gpu_peer.py train --layers 2 --size 512 --mode bf16 --loss-at 500 --warmup 20
  python3 bench/torch_gpu_peer.py sample --layers 2 --size 512 --length 5000
  /usr/bin/python3 bench/torch_gpu_peer.py train --device cpu --layers 1 --size 32 --batch-size 4 \\
      --seq-length 8 --iters 6 --warmup 2 --chunk 2 --mode eager,bf16,compile
"""
import argparse
import copy
import json
import math
import os
import platform
import statistics
import sys
import time
import traceback
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

TRAIN_MODES = ("eager", "fp32", "tf32", "bf16", "bf16-cast", "compile", "compile-bf16")



# The model of the CPU reference (bench/torch_reference.py), so both benchmarks time one model.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import CharRNN  # noqa: E402


# ---------------------------------------------------------------------------------------------
# helpers

def train_step_flops(L, H, E, V, B, T):
    """FLOPs of one training step (forward + backward ~ 3x forward); embedding lookup,
    elementwise gate math, softmax and the optimizer are not counted."""
    per_token = 0
    for layer in range(L):
        inp = E if layer == 0 else H
        per_token += 2 * 4 * H * (inp + H)
    per_token += 2 * H * V
    forward = B * T * per_token
    return 3 * forward


def has_compile():
    return hasattr(torch, "compile")


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_info(device):
    info = {"torch_version": torch.__version__, "python": platform.python_version(), "device": device.type}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update({
            "device_name": torch.cuda.get_device_name(device),
            "sm_count": props.multi_processor_count,
            "cuda_version": torch.version.cuda,
            "cudnn_version": torch.backends.cudnn.version(),
            "tf32": tf32_settings(),
        })
    else:
        info.update({"device_name": platform.processor() or platform.machine(),
                     "torch_threads": torch.get_num_threads()})
    return info


def tf32_settings():
    """Read, never set, the TF32 switches (new fp32_precision API where it exists; reading
    the legacy flags can warn or raise on torch >= 2.9)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, getter in (
            ("cudnn_rnn", lambda: torch.backends.cudnn.rnn.fp32_precision),
            ("cuda_matmul", lambda: torch.backends.cuda.matmul.fp32_precision),
        ):
            try:
                out[name] = getter()
            except Exception:
                pass
        if not out:
            for name, getter in (
                ("cudnn_allow_tf32", lambda: torch.backends.cudnn.allow_tf32),
                ("cuda_matmul_allow_tf32", lambda: torch.backends.cuda.matmul.allow_tf32),
            ):
                try:
                    out[name] = getter()
                except Exception:
                    pass
    return out


def set_fp32_precision(kind):
    """kind 'ieee' (full fp32) or 'tf32' (tensor-core fp32) for cuBLAS matmuls and cuDNN
    (RNN and conv); returns a function that restores the previous settings. Uses the
    fp32_precision API where torch has it (>= 2.9; mixing it with the legacy allow_tf32
    flags is an error there), else the legacy flags."""
    restore = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cudnn = torch.backends.cudnn
        if hasattr(cudnn, "rnn") and hasattr(cudnn.rnn, "fp32_precision"):
            targets = [torch.backends.cuda.matmul, cudnn.rnn]
            if hasattr(cudnn, "conv"):
                targets.append(cudnn.conv)
            for t in targets:
                restore.append((t, "fp32_precision", t.fp32_precision))
                t.fp32_precision = kind
        else:
            on = kind == "tf32"
            for t in (torch.backends.cuda.matmul, cudnn):
                restore.append((t, "allow_tf32", t.allow_tf32))
                t.allow_tf32 = on

    def undo():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for t, name, value in reversed(restore):
                try:
                    setattr(t, name, value)
                except Exception as e:  # never lose a measured result over a restore
                    print(f"torch_gpu_peer: could not restore {name}={value!r}: {e}", file=sys.stderr)
    return undo


def load_corpus(path):
    text = open(path, encoding="utf-8").read()
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    return ids, len(chars)


def train_windows(ids, B, T, device):
    """All windows of the train split on the device: X, Y of shape [windows, B, T]."""
    n_val = n_test = int(len(ids) * 0.05)  # charnn preprocess defaults (5% val, 5% test at the tail)
    data = ids[: len(ids) - n_val - n_test]
    windows = (len(data) - 1) // (B * T)
    if windows < 1:
        raise SystemExit(f"corpus too small for batch {B} x seq {T}")
    stream_len = windows * T
    starts = torch.arange(B) * stream_len
    # idx[w, b, t] = b*stream_len + w*T + t
    idx = starts[None, :, None] + (torch.arange(windows) * T)[:, None, None] + torch.arange(T)[None, None, :]
    X = data[idx].to(device)
    Y = data[idx + 1].to(device)
    return X, Y, windows


class ChunkTimer:
    """Times chunks of iterations: CUDA events on the GPU (no host sync between chunks),
    perf_counter on the CPU."""

    def __init__(self, device):
        self.cuda = device.type == "cuda"
        self.marks = []

    def start(self):
        self._mark()

    def _mark(self):
        if self.cuda:
            e = torch.cuda.Event(enable_timing=True)
            e.record()
            self.marks.append(e)
        else:
            self.marks.append(time.perf_counter())

    def stop(self):
        self._mark()

    def elapsed_ms(self):
        """ms between consecutive start/stop pairs (call after a synchronize)."""
        out = []
        for a, b in zip(self.marks[0::2], self.marks[1::2]):
            out.append(a.elapsed_time(b) if self.cuda else (b - a) * 1000.0)
        return out


# ---------------------------------------------------------------------------------------------
# train

def train_one(args, mode, device, X, Y, windows, vocab, dev_info):
    B, T, L, H, E = args.batch_size, args.seq_length, args.layers, args.size, args.embedding_size
    row = {"kind": "train", "mode": mode, "layers": L, "size": H, "embedding_size": E, "vocab": vocab,
           "batch_size": B, "seq_length": T, "windows_per_epoch": windows}
    row.update(dev_info)
    use_compile = mode.startswith("compile")
    use_bf16 = mode.endswith("bf16")  # autocast
    if use_compile and not has_compile():
        row["skipped"] = f"torch.compile not available in torch {torch.__version__}"
        return row
    undo = set_fp32_precision({"fp32": "ieee", "tf32": "tf32"}[mode]) if mode in ("fp32", "tf32") else None
    try:
        if device.type == "cuda":
            row["tf32"] = tf32_settings()
        try:
            return _train_one(args, mode, device, X, Y, windows, vocab, dict(row), use_compile, use_bf16)
        except RuntimeError as e:
            # a cuDNN build that refuses a bf16 LSTM: measure PyTorch's native LSTM kernels instead
            if not (mode == "bf16-cast" and device.type == "cuda" and "cudnn" in str(e).lower()):
                raise
            print(f"torch_gpu_peer: bf16-cast with cuDNN failed ({e}); retrying with cuDNN off", file=sys.stderr)
            if device.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)
            with torch.backends.cudnn.flags(enabled=False):
                row = _train_one(args, mode, device, X, Y, windows, vocab, dict(row), use_compile, use_bf16)
            row["note"] = "cuDNN refused the bf16 LSTM: native (non-cuDNN) LSTM kernels"
            row["cudnn_error"] = str(e)[:300]
            return row
    finally:
        if undo:
            undo()


def _train_one(args, mode, device, X, Y, windows, vocab, row, use_compile, use_bf16):
    B, T, L, H, E = args.batch_size, args.seq_length, args.layers, args.size, args.embedding_size
    cast_bf16 = mode == "bf16-cast"

    if args.loss_at:
        total = args.loss_at
        warmup = min(args.warmup, total - 1)
        iters = total - warmup
    else:
        warmup, iters = args.warmup, args.iters
        total = warmup + iters

    torch.manual_seed(123)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(123)
    model = CharRNN(vocab, E, H, L).to(device)
    model.train()
    opt_kwargs = {"lr": 2e-3}
    if args.adam == "fused":
        opt_kwargs["fused"] = True
    elif args.adam == "foreach":
        opt_kwargs["foreach"] = True
    opt = torch.optim.Adam(model.parameters(), **opt_kwargs)
    fwd = model
    if cast_bf16:
        model16 = copy.deepcopy(model).to(torch.bfloat16)
        p32, p16 = list(model.parameters()), list(model16.parameters())
    if use_compile:
        fwd = torch.compile(model)
    amp_dtype = torch.bfloat16

    def zero_state():
        return (torch.zeros(L, B, H, device=device), torch.zeros(L, B, H, device=device))

    state = zero_state()
    losses = []
    timer = ChunkTimer(device)
    chunk = max(1, args.chunk)
    info = {}

    def step(i, state):
        w = i % windows
        if w == 0 and i > 0:
            state = zero_state()  # streams restart: charnn resets the state at an epoch boundary
        x, y = X[w], Y[w]
        if use_bf16:
            with torch.autocast(device_type=device.type, dtype=amp_dtype):
                logits, state = fwd(x, state)
                loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        elif cast_bf16:
            with torch.no_grad():  # fp32 master weights -> the bf16 working copy (flat cuDNN buffer kept)
                for a, b in zip(p16, p32):
                    a.copy_(b)
            state = tuple(s.to(torch.bfloat16) for s in state)
            logits, state = model16(x, state)
            loss = F.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1))
        else:
            logits, state = fwd(x, state)
            loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        if i == 0:
            info["logits_dtype"] = str(logits.dtype).replace("torch.", "")
            info["state_dtype"] = str(state[0].dtype).replace("torch.", "")
        state = tuple(s.detach() for s in state)
        opt.zero_grad(set_to_none=True)
        if cast_bf16:
            model16.zero_grad(set_to_none=True)
            loss.backward()
            for a, b in zip(p32, p16):  # bf16 gradients -> fp32 master gradients
                a.grad = b.grad.float()
        else:
            loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.detach())
        return state

    # warmup (includes compilation for compile modes)
    t0 = time.perf_counter()
    for i in range(warmup):
        state = step(i, state)
        if i == 0:
            sync(device)
            row["first_iter_s"] = round(time.perf_counter() - t0, 3)
    sync(device)
    row["warmup_s"] = round(time.perf_counter() - t0, 3)

    # timed, in chunks
    t_wall = time.perf_counter()
    i = warmup
    while i < total:
        n = min(chunk, total - i)
        timer.start()
        for _ in range(n):
            state = step(i, state)
            i += 1
        timer.stop()
    sync(device)
    wall = time.perf_counter() - t_wall
    chunk_ms = timer.elapsed_ms()
    sizes = [min(chunk, total - (warmup + k * chunk)) for k in range(len(chunk_ms))]
    per_iter = [ms / n for ms, n in zip(chunk_ms, sizes)]
    # a trailing partial chunk is noisier: leave it out of the median when there are full ones
    full = [p for p, n in zip(per_iter, sizes) if n == chunk] or per_iter
    med = statistics.median(full)

    loss_vals = torch.stack(losses).float().cpu().tolist()
    flops = train_step_flops(L, H, E, vocab, B, T)
    row.update(info)
    row.update({
        "warmup": warmup, "iters": iters, "chunk": chunk, "chunks": len(chunk_ms),
        "ms_per_iter": round(med, 4),
        "ms_per_iter_min": round(min(full), 4),
        "ms_per_iter_max": round(max(full), 4),
        "ms_per_iter_wall": round(wall * 1000.0 / max(1, iters), 4),
        "chars_per_sec": round(B * T / (med / 1000.0), 1),
        "train_flops_per_iter": flops,
        "achieved_tflops": round(flops / (med / 1000.0) / 1e12, 3),
        "first_loss": round(loss_vals[0], 5), "final_loss": round(loss_vals[-1], 5),
        "finite": all(math.isfinite(v) for v in loss_vals),
        "adam": args.adam,
    })
    if device.type == "cuda":
        row["peak_mem_mb"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
        row["peak_reserved_mb"] = round(torch.cuda.max_memory_reserved(device) / 2**20, 1)
    else:
        row["peak_mem_mb"] = None
    if args.loss_at:
        every = max(1, args.loss_every)
        row["losses_at"] = {str(k): round(loss_vals[k - 1], 5) for k in range(every, total + 1, every)}
        row["loss_at"] = total
        tail = [loss_vals[k - 1] for k in range(10, total + 1, 10)][-10:]
        if tail:
            row["loss_tail_mean"] = round(statistics.mean(tail), 5)
            row["loss_tail_iters"] = f"{max(10, total - 90 - total % 10)}..{total - total % 10} every 10"
    if use_compile:
        try:
            row["dynamo_allow_rnn"] = bool(torch._dynamo.config.allow_rnn)
        except Exception:
            pass
    return row


def cmd_train(args, device):
    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    for m in modes:
        if m not in TRAIN_MODES:
            raise SystemExit(f"--mode {m}: expected one of {', '.join(TRAIN_MODES)}")
    ids, vocab = load_corpus(args.input)
    X, Y, windows = train_windows(ids, args.batch_size, args.seq_length, device)
    sync(device)
    dev_info = device_info(device)
    data_mb = round((X.numel() + Y.numel()) * X.element_size() / 2**20, 1)
    rc = 0
    for m in modes:
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        try:
            row = train_one(args, m, device, X, Y, windows, vocab, dev_info)
            row["data_on_device_mb"] = data_mb
            if row.get("peak_mem_mb") is not None:
                row["peak_mem_mb_excl_data"] = round(row["peak_mem_mb"] - data_mb, 1)
        except Exception as e:  # one failing mode must not hide the others
            traceback.print_exc(file=sys.stderr)
            row = {"kind": "train", "mode": m, "layers": args.layers, "size": args.size,
                   "batch_size": args.batch_size, "seq_length": args.seq_length,
                   "error": f"{type(e).__name__}: {str(e)[:400]}"}
            row.update(dev_info)
            rc = 1
        print(json.dumps(row), flush=True)
        if m.startswith("compile") and has_compile():
            try:
                torch._dynamo.reset()  # free compiled graphs between modes
            except Exception:
                pass
    return rc


# ---------------------------------------------------------------------------------------------
# sample

def cmd_sample(args, device):
    if args.mode not in ("eager",):
        print(json.dumps({"kind": "sample", "mode": args.mode, "skipped": "sample supports --mode eager only"}))
        return 0
    if args.input and args.vocab == 0:
        _, vocab = load_corpus(args.input)
    else:
        vocab = args.vocab or 65
    torch.manual_seed(1)
    L, H = args.layers, args.size
    model = CharRNN(vocab, args.embedding_size, H, L).to(device).eval()
    gen = []
    with torch.no_grad():
        state = (torch.zeros(L, 1, H, device=device), torch.zeros(L, 1, H, device=device))
        token = torch.zeros(1, 1, dtype=torch.long, device=device)
        total = args.sample_warmup + args.length
        t0 = None
        for k in range(total):
            if k == args.sample_warmup:
                sync(device)
                t0 = time.perf_counter()
            logits, state = model(token, state)
            probs = F.softmax(logits[0, -1] / args.temperature, dim=-1)
            token = torch.multinomial(probs, 1).view(1, 1)
            gen.append(token.item())
        sync(device)
        seconds = time.perf_counter() - t0
    row = {"kind": "sample", "mode": args.mode, "layers": L, "size": H, "embedding_size": args.embedding_size,
           "vocab": vocab, "length": args.length, "sample_warmup": args.sample_warmup,
           "seconds": round(seconds, 4), "chars_per_sec": round(args.length / seconds, 1),
           "ms_per_char": round(seconds * 1000.0 / args.length, 4)}
    row.update(device_info(device))
    print(json.dumps(row), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# gemm / flops

def time_op(fn, device, warmup=3, reps=10):
    for _ in range(warmup):
        fn()
    sync(device)
    ms = []
    for _ in range(reps):
        if device.type == "cuda":
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            ms.append(a.elapsed_time(b))
        else:
            t = time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(ms)


def cmd_gemm(args, device):
    N = args.gemm_n
    torch.manual_seed(0)
    row = {"kind": "gemm", "n": N}
    row.update(device_info(device))
    flops = 2.0 * N ** 3
    for name, dtype, prec in (("bf16", torch.bfloat16, None), ("fp32", torch.float32, "ieee"),
                              ("tf32", torch.float32, "tf32")):
        undo = None
        try:
            undo = set_fp32_precision(prec) if prec else None
            mats = [torch.randn(N, N, device=device, dtype=dtype) for _ in range(2)]
            out = torch.empty(N, N, device=device, dtype=dtype)
            ms = time_op(lambda: torch.mm(mats[0], mats[1], out=out), device)
            row[f"{name}_ms"] = round(ms, 4)
            row[f"{name}_tflops"] = round(flops / (ms / 1000.0) / 1e12, 2)
        except Exception as e:
            row[f"{name}_error"] = f"{type(e).__name__}: {str(e)[:200]}"
        finally:
            mats = out = None
            if undo:
                undo()
    try:
        n_bytes = args.copy_mb * 2**20
        src = torch.empty(n_bytes // 4, device=device, dtype=torch.float32).uniform_()
        dst = torch.empty_like(src)
        ms = time_op(lambda: dst.copy_(src), device)
        row["copy_mb"] = args.copy_mb
        row["copy_ms"] = round(ms, 4)
        row["copy_GBps_read_plus_write"] = round(2 * n_bytes / (ms / 1000.0) / 1e9, 1)
    except Exception as e:
        row["copy_error"] = f"{type(e).__name__}: {str(e)[:200]}"
    print(json.dumps(row), flush=True)
    return 0


def cmd_flops(args, device):
    vocab = args.vocab
    if vocab == 0:
        _, vocab = load_corpus(args.input)
    f = train_step_flops(args.layers, args.size, args.embedding_size, vocab, args.batch_size, args.seq_length)
    row = {"kind": "flops", "layers": args.layers, "size": args.size, "embedding_size": args.embedding_size,
           "vocab": vocab, "batch_size": args.batch_size, "seq_length": args.seq_length,
           "train_flops_per_iter": f, "train_tflop_per_iter": round(f / 1e12, 4)}
    if args.rate_tflops > 0:
        row["rate_tflops"] = args.rate_tflops
        row["gemm_limited_ms"] = round(f / (args.rate_tflops * 1e12) * 1000.0, 4)
    print(json.dumps(row), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["train", "sample", "gemm", "flops"])
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--mode", default="eager",
                   help="train: " + " | ".join(TRAIN_MODES) + ", or a comma list; sample: eager")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--embedding-size", "--embedding", dest="embedding_size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--seq-length", type=int, default=50)
    p.add_argument("--input", default="data/tinyshakespeare/input.txt", help="text file (vocab and train data)")
    p.add_argument("--vocab", type=int, default=0, help="vocabulary size; 0 = from --input")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads(N); 0 = torch's default")
    # train
    p.add_argument("--iters", type=int, default=50, help="timed iterations")
    p.add_argument("--warmup", type=int, default=10, help="untimed iterations first")
    p.add_argument("--chunk", type=int, default=10, help="iterations per timed chunk")
    p.add_argument("--loss-at", type=int, default=0, help="run exactly N iterations and report losses")
    p.add_argument("--loss-every", type=int, default=100)
    p.add_argument("--adam", default="default", choices=["default", "foreach", "fused"],
                   help="Adam implementation (default: torch's choice)")
    # sample
    p.add_argument("--length", type=int, default=5000)
    p.add_argument("--sample-warmup", type=int, default=100)
    p.add_argument("--temperature", type=float, default=1.0)
    # gemm / flops
    p.add_argument("--gemm-n", type=int, default=8192)
    p.add_argument("--copy-mb", type=int, default=2048, help="bytes copied per device-to-device copy, MiB")
    p.add_argument("--rate-tflops", type=float, default=0.0)
    args = p.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and args.command != "flops" and not torch.cuda.is_available():
        print(json.dumps({"kind": args.command, "mode": args.mode, "error": "CUDA not available",
                          "torch_version": torch.__version__}), flush=True)
        return 2
    if args.command == "train" and args.loss_at and args.loss_at < 2:
        raise SystemExit("--loss-at N: expected N >= 2")
    return {"train": cmd_train, "sample": cmd_sample, "gemm": cmd_gemm, "flops": cmd_flops}[args.command](args, device)


if __name__ == "__main__":
    sys.exit(main())
