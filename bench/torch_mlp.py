#!/usr/bin/env python3
"""PyTorch reference for `dotnet run -c Release --project bench/QuantHdl.Bench -- train`.

Same recipe as docs/algorithms.md "Reference numbers": Fashion-MNIST, MLP 784-256-128-10, batch 64,
Adam lr 1e-3, shuffled every epoch, images held in memory as float32 pixel/255 (no torchvision
transforms, so the data path is as cheap as the C# loader's). Optionally a LSQ W4A4 QAT epoch:
4-bit signed per-channel LSQ weights, 4-bit unsigned per-tensor LSQ activations after each hidden
ReLU (grad scale 1/sqrt(N*p), step init 2*mean|x|/sqrt(p)), Adam + cosine schedule, mirroring
QuantHdl.Quantization.QuantGraph on the MLP's layer graph.

Run with /usr/bin/python3 (Debian python3-torch) and glibc malloc tuned, as bench/run.sh does:
  MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 bench/torch_mlp.py
"""
import argparse
import ctypes
import gzip
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(directory, name):
    path = os.path.join(directory, name)
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    with gzip.open(path + ".gz", "rb") as f:
        return f.read()


def load(directory, train):
    prefix = "train" if train else "t10k"
    img = np.frombuffer(read_idx(directory, f"{prefix}-images-idx3-ubyte"), np.uint8, offset=16).reshape(-1, 784)
    lab = np.frombuffer(read_idx(directory, f"{prefix}-labels-idx1-ubyte"), np.uint8, offset=8)
    return torch.from_numpy(img.astype(np.float32) / np.float32(255)), torch.from_numpy(lab.astype(np.int64))


def blas_info():
    """Which BLAS torch's F.linear ends up in (Debian's torch links the libblas.so.3 alternative)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return f"OpenBLAS core {lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} BLAS threads"
    except OSError:
        return "no OpenBLAS (reference BLAS? install libopenblas0-pthread)"


def sgemm_gflops(n=512):
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(10):
            a @ b
        best = min(best, (time.perf_counter() - t) / 10)
    return 2 * n ** 3 / best / 1e9


def grad_scale(x, g):
    return (x - x * g).detach() + x * g


def round_pass(x):
    # Round half up, like QuantHdl's Rounding.HalfUp; straight-through gradient.
    return (torch.floor(x + 0.5) - x).detach() + x


class LsqWeight(nn.Module):
    """Per-output-channel LSQ over the rows of the [out, in] matrix; a conv weight [Cout, Cin, K, K] is
    viewed as [Cout, Cin*K*K], as QuantHdl.Quant.QuantConv2d does (for a linear weight the view is a no-op)."""

    def __init__(self, weight, bits):
        super().__init__()
        self.n, self.p = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        rows = weight.detach().reshape(weight.shape[0], -1)
        init = 2 * rows.abs().mean(dim=1, keepdim=True) / math.sqrt(self.p)
        self.s = nn.Parameter(init.clamp_min(1e-8))

    def forward(self, w):
        rows = w.reshape(w.shape[0], -1)
        s = grad_scale(self.s, 1.0 / math.sqrt(rows.shape[1] * self.p))
        return (round_pass(torch.clamp(rows / s, self.n, self.p)) * s).reshape(w.shape)


class LsqAct(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.p = 2 ** bits - 1
        self.s = nn.Parameter(torch.zeros(()))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                self.s.copy_((2 * x.abs().mean() / math.sqrt(self.p)).clamp_min(1e-6))
            self.initialized = True
        s = grad_scale(self.s, 1.0 / math.sqrt(x[0].numel() * self.p))
        return round_pass(torch.clamp(x / s, 0, self.p)) * s


class QuantMlp(nn.Module):
    def __init__(self, fp, bits=4):
        super().__init__()
        linears = [m for m in fp if isinstance(m, nn.Linear)]
        self.weights = nn.ParameterList([nn.Parameter(l.weight.detach().clone()) for l in linears])
        self.biases = nn.ParameterList([nn.Parameter(l.bias.detach().clone()) for l in linears])
        self.wq = nn.ModuleList([LsqWeight(l.weight, bits) for l in linears])
        self.aq = nn.ModuleList([LsqAct(bits) for _ in linears[:-1]])

    def forward(self, x):
        for i, (w, b, q) in enumerate(zip(self.weights, self.biases, self.wq)):
            x = F.linear(x, q(w), b)
            if i < len(self.aq):
                x = self.aq[i](F.relu(x))
        return x


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def train_epoch(model, opt, x, y, batch, gen, schedule=None):
    model.train()
    n = x.shape[0]
    perm = torch.randperm(n, generator=gen)
    loss_sum, correct = 0.0, 0
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad()
        out = model(xb)
        loss = F.cross_entropy(out, yb)
        loss.backward()
        opt.step()
        if schedule is not None:
            schedule.step()
        loss_sum += loss.item() * len(idx)
        correct += (out.argmax(1) == yb).sum().item()
    dt = time.perf_counter() - t0
    return n / dt, loss_sum / n, correct / n


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], 256):
        correct += (model(x[i:i + 256]).argmax(1) == y[i:i + 256]).sum().item()
    return correct / x.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=1, help="FP epochs")
    ap.add_argument("--qat-epochs", type=int, default=1, help="LSQ W4A4 QAT epochs after the FP ones (0: skip)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", default="1,default", help="comma list of thread counts; 'default' keeps torch's own")
    args = ap.parse_args()

    default_threads = torch.get_num_threads()
    x, y = load(args.data, True)
    tx, ty = load(args.data, False)
    blas = blas_info()
    print(f"PyTorch {torch.__version__}, default threads {default_threads}, {blas}, "
          f"MALLOC_MMAP_THRESHOLD_={os.environ.get('MALLOC_MMAP_THRESHOLD_', 'unset')} "
          f"MALLOC_TRIM_THRESHOLD_={os.environ.get('MALLOC_TRIM_THRESHOLD_', 'unset')}")
    rows = []
    for spec in args.threads.split(","):
        threads = default_threads if spec == "default" else int(spec)
        torch.set_num_threads(threads)
        label = f"{threads} torch thread{'s' if threads != 1 else ''}" + (" (default)" if spec == "default" else "")
        print(f"torch {label}: 512^3 matmul {sgemm_gflops():.1f} GFLOP/s ({blas})")
        gen = torch.Generator().manual_seed(args.seed)
        model = mlp(args.seed)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        for e in range(args.epochs):
            ips, loss, acc = train_epoch(model, opt, x, y, args.batch, gen)
            test = evaluate(model, tx, ty)
            print(f"torch {label} FP epoch {e + 1}/{args.epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
            rows.append(f"| PyTorch {torch.__version__}, {label} | FP mlp:784-256-128-10 | {e + 1}/{args.epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
        if args.qat_epochs > 0:
            q = QuantMlp(model)
            qopt = torch.optim.Adam(q.parameters(), lr=args.lr)
            steps = math.ceil(x.shape[0] / args.batch) * args.qat_epochs
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(qopt, steps)
            for e in range(args.qat_epochs):
                ips, loss, acc = train_epoch(q, qopt, x, y, args.batch, gen, sched)
                test = evaluate(q, tx, ty)
                print(f"torch {label} LSQ W4A4 QAT epoch {e + 1}/{args.qat_epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
                rows.append(f"| PyTorch {torch.__version__}, {label} | LSQ W4A4 QAT | {e + 1}/{args.qat_epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
    print()
    print("| engine | model | epoch | images/s | loss | test acc |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
