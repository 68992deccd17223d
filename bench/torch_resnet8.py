#!/usr/bin/env python3
"""PyTorch reference for `dotnet run -c Release --project bench/QuantHdl.Bench -- train --model resnet8`.

ResNet-8 on Fashion-MNIST 1x28x28, as QuantHdl's `resnet8` (docs/models.md): a 3x3 stem conv of 16
channels with BN and ReLU; three stages of one basic block each (16, 32, 64 channels): conv 3x3, BN, ReLU,
conv 3x3, BN, plus the shortcut (the block input, or where the shape changes a 1x1 conv at stride 2 with BN),
ReLU; global average pool; fc 10. Every conv has a bias, as QuantHdl's. Same recipe as bench/torch_mlp.py:
batch 64, Adam lr 1e-3, shuffled every epoch, images held in memory as float32 pixel/255. Optionally LSQ
W4A4 QAT epochs mirroring QuantHdl.Quantization.QuantGraph: the BNs folded into their convs first (running
statistics), 4-bit signed per-output-channel LSQ weights, 4-bit unsigned per-tensor LSQ activations after
each ReLU, a signed 8-bit (A+4) LSQ quantizer on each conv output that feeds an add, the add of the two
dequantized operands followed by the ReLU quantizer, an unsigned quantizer after the global pool, float
logits; Adam + cosine schedule with every scale clamped to at least 1e-8 after each step.

Run with /usr/bin/python3 (Debian python3-torch) and glibc malloc tuned, as bench/run.sh does.
"""
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_mlp import LsqAct, LsqWeight, blas_info, evaluate, grad_scale, load, round_pass, sgemm_gflops, train_epoch
from torch_lenet import ScaleClamp


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down, self.down_bn = nn.Conv2d(cin, cout, 1, stride), nn.BatchNorm2d(cout)

    def forward(self, x):
        h = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(h + (x if self.down is None else self.down_bn(self.down(x))))


class ResNet8(nn.Module):
    def __init__(self, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.stem, self.stem_bn = nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16)
        self.blocks = nn.ModuleList([Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2)])
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        for b in self.blocks:
            x = b(x)
        return self.fc(x.mean((2, 3)))


class LsqSigned(nn.Module):
    """Signed per-tensor LSQ activation quantizer (codes -2^(b-1)..2^(b-1)-1), as QuantHdl's pre-add one."""

    def __init__(self, bits):
        super().__init__()
        self.n, self.p = 2 ** (bits - 1), 2 ** (bits - 1) - 1
        self.s = nn.Parameter(torch.zeros(()))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                self.s.copy_((2 * x.abs().mean() / math.sqrt(self.p)).clamp_min(1e-6))
            self.initialized = True
        s = grad_scale(self.s, 1.0 / math.sqrt(x[0].numel() * self.p))
        return round_pass(torch.clamp(x / s, -self.n, self.p)) * s


def fold(conv, bn):
    inv = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
    w = conv.weight.detach() * inv[:, None, None, None]
    b = bn.bias.detach() + (conv.bias.detach() - bn.running_mean) * inv
    return w, b


class QConv(nn.Module):
    def __init__(self, conv, bn, bits, out_q):
        super().__init__()
        w, b = fold(conv, bn)
        self.stride, self.pad = conv.stride, conv.padding
        self.w, self.b = nn.Parameter(w.clone()), nn.Parameter(b.clone())
        self.wq = LsqWeight(self.w, bits)
        self.q = out_q

    def forward(self, x):
        return self.q(F.conv2d(x, self.wq(self.w), self.b, self.stride, self.pad))


class ReluQ(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.aq = LsqAct(bits)

    def forward(self, x):
        return self.aq(F.relu(x))


class QuantResNet8(nn.Module):
    def __init__(self, fp, bits=4):
        super().__init__()
        self.stem = QConv(fp.stem, fp.stem_bn, bits, ReluQ(bits))
        self.blocks = nn.ModuleList()
        for b in fp.blocks:
            m = nn.Module()
            m.conv1 = QConv(b.conv1, b.bn1, bits, ReluQ(bits))
            m.conv2 = QConv(b.conv2, b.bn2, bits, LsqSigned(bits + 4))
            m.down = None if b.down is None else QConv(b.down, b.down_bn, bits, LsqSigned(bits + 4))
            m.out = ReluQ(bits)
            self.blocks.append(m)
        self.gap_q = LsqAct(bits)
        self.fc_w, self.fc_b = nn.Parameter(fp.fc.weight.detach().clone()), nn.Parameter(fp.fc.bias.detach().clone())
        self.fc_q = LsqWeight(self.fc_w, bits)

    def scales(self):
        return [m.s for m in self.modules() if isinstance(m, (LsqAct, LsqWeight, LsqSigned))]

    def forward(self, x):
        x = self.stem(x)
        for b in self.blocks:
            h = b.conv2(b.conv1(x))
            x = b.out(h + (x if b.down is None else b.down(x)))
        return F.linear(self.gap_q(x.mean((2, 3))), self.fc_q(self.fc_w), self.fc_b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=1, help="FP epochs")
    ap.add_argument("--qat-epochs", type=int, default=1, help="LSQ W4A4 QAT epochs after the FP ones (0: skip)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all), for a quick timing")
    ap.add_argument("--threads", default="1,default", help="comma list of thread counts; 'default' keeps torch's own")
    args = ap.parse_args()

    default_threads = torch.get_num_threads()
    x, y = load(args.data, True)
    tx, ty = load(args.data, False)
    if args.limit > 0:
        x, y = x[:args.limit], y[:args.limit]
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
        model = ResNet8(args.seed)
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        for e in range(args.epochs):
            ips, loss, acc = train_epoch(model, opt, x, y, args.batch, gen)
            test = evaluate(model, tx, ty)
            print(f"torch {label} FP resnet8 epoch {e + 1}/{args.epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
            rows.append(f"| PyTorch {torch.__version__}, {label} | FP resnet8 | {e + 1}/{args.epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
        if args.qat_epochs > 0:
            model.eval()
            q = QuantResNet8(model)
            qopt = torch.optim.Adam(q.parameters(), lr=args.lr)
            steps = math.ceil(x.shape[0] / args.batch) * args.qat_epochs
            sched = ScaleClamp(torch.optim.lr_scheduler.CosineAnnealingLR(qopt, steps), q.scales())
            for e in range(args.qat_epochs):
                ips, loss, acc = train_epoch(q, qopt, x, y, args.batch, gen, sched)
                test = evaluate(q, tx, ty)
                print(f"torch {label} LSQ W4A4 QAT resnet8 epoch {e + 1}/{args.qat_epochs}: {ips:.0f} images/s, loss {loss:.4f}, train acc {acc:.2%}, test acc {test:.2%}")
                rows.append(f"| PyTorch {torch.__version__}, {label} | LSQ W4A4 QAT resnet8 | {e + 1}/{args.qat_epochs} | {ips:.0f} | {loss:.4f} | {test:.2%} |")
    print()
    print("| engine | model | epoch | images/s | loss | test acc |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
