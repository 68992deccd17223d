#!/usr/bin/env python3
"""PyTorch reference for `dotnet run -c Release --project bench/QuantHdl.Bench -- train --model lenet5`.

LeNet-5 on Fashion-MNIST 1x28x28: conv 6@5x5 (unpadded), ReLU, max pool 2, conv 16@5x5, ReLU, max pool 2,
fc 120, ReLU, fc 84, ReLU, fc 10. Same recipe as bench/torch_mlp.py: batch 64, Adam lr 1e-3, shuffled every
epoch, images held in memory as float32 pixel/255. Optionally LSQ W4A4 QAT epochs mirroring
QuantHdl.Quant.QuantGraph: 4-bit signed per-output-channel LSQ weights (a conv's channel is its row of the
[Cout, Cin*K*K] matrix), 4-bit unsigned per-tensor LSQ activations after each hidden ReLU (before the max
pool, which passes codes through), float logits; Adam + cosine schedule with every scale clamped to at
least 1e-8 after each step, as QuantHdl.Quant.QatOptimizer does (scale learning-rate factor 1).

Run with /usr/bin/python3 (Debian python3-torch) and glibc malloc tuned, as bench/run.sh does:
  MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 bench/torch_lenet.py
"""
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

# Data loading, the LSQ quantizers and the timed epoch loop are torch_mlp.py's (same directory).
from torch_mlp import LsqAct, LsqWeight, blas_info, evaluate, load, sgemm_gflops, train_epoch


def lenet5(seed):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class QuantLeNet5(nn.Module):
    """Fake-quant LeNet-5: weights through LsqWeight, a LsqAct after every hidden ReLU."""

    def __init__(self, fp, bits=4):
        super().__init__()
        layers = [m for m in fp if isinstance(m, (nn.Conv2d, nn.Linear))]
        self.convs = [isinstance(m, nn.Conv2d) for m in layers]
        self.weights = nn.ParameterList([nn.Parameter(m.weight.detach().clone()) for m in layers])
        self.biases = nn.ParameterList([nn.Parameter(m.bias.detach().clone()) for m in layers])
        self.wq = nn.ModuleList([LsqWeight(m.weight, bits) for m in layers])
        self.aq = nn.ModuleList([LsqAct(bits) for _ in layers[:-1]])

    def scales(self):
        return [q.s for q in self.wq] + [q.s for q in self.aq]

    def forward(self, x):
        for i, (w, b, q) in enumerate(zip(self.weights, self.biases, self.wq)):
            if self.convs[i]:
                x = F.max_pool2d(self.aq[i](F.relu(F.conv2d(x, q(w), b))), 2)
            else:
                x = F.linear(x.flatten(1), q(w), b)
                if i < len(self.aq):
                    x = self.aq[i](F.relu(x))
        return x


class ScaleClamp:
    """Cosine schedule step plus QatOptimizer's clamp of every quantizer scale to >= 1e-8 (after each optimizer step)."""

    def __init__(self, sched, scales):
        self.sched, self.scales = sched, scales

    def step(self):
        with torch.no_grad():
            for s in self.scales:
                s.clamp_(min=1e-8)
        self.sched.step()


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
    x, tx = x.reshape(-1, 1, 28, 28), tx.reshape(-1, 1, 28, 28)
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
        model = lenet5(args.seed)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        for e in range(args.epochs):
            ips, loss, acc = train_epoch(model, opt, x, y, args.batch, gen)
            test = evaluate(model, tx, ty)
            print(f"torch {label} FP lenet5 epoch {e + 1}/{args.epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
            rows.append(f"| PyTorch {torch.__version__}, {label} | FP lenet5 | {e + 1}/{args.epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
        if args.qat_epochs > 0:
            q = QuantLeNet5(model)
            qopt = torch.optim.Adam(q.parameters(), lr=args.lr)
            steps = math.ceil(x.shape[0] / args.batch) * args.qat_epochs
            sched = ScaleClamp(torch.optim.lr_scheduler.CosineAnnealingLR(qopt, steps), q.scales())
            for e in range(args.qat_epochs):
                ips, loss, acc = train_epoch(q, qopt, x, y, args.batch, gen, sched)
                test = evaluate(q, tx, ty)
                print(f"torch {label} LSQ W4A4 QAT lenet5 epoch {e + 1}/{args.qat_epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
                rows.append(f"| PyTorch {torch.__version__}, {label} | LSQ W4A4 QAT lenet5 | {e + 1}/{args.qat_epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
    print()
    print("| engine | model | epoch | images/s | loss | test acc |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
