#!/usr/bin/python3
"""PyTorch timings of the cases in ops/testdata/bench_ops.json.

The counterpart of BenchmarkOps in ops/ops_bench_test.go: for every case it
times one call of the torch.nn.functional op ("fwd", under no_grad) and one
forward plus backward of y.sum() (y itself for a scalar loss) with respect to
the case's "grad" inputs ("fwd+bwd"), in float32 (or --dtype float64) on
the CPU. Each timing is
the median of SAMPLES (5) samples, each the mean over enough calls to fill
SAMPLE_S (0.2) seconds, after a warm-up, like go test -bench's ns/op.

    bench/torch_ops.py [--dtype float32|float64] [NAME_PREFIX ...]

prints one JSON line per case and pass: name, pass, dtype, ms, samples_ms,
threads. In float64 the inputs are the float32 draws widened, as
BenchmarkOps does with CONVNET_OPS_DTYPE=float64.
bench/ops_compare.sh runs it with the thread count and OpenBLAS set up as
../shared/bench/run_torch.sh does. THREADS (2) sets torch's thread count.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "ops", "testdata", "bench_ops.json")


def make_input(gen, spec, dtype):
    return make_input32(gen, spec).to(dtype)


def make_input32(gen, spec):
    shape = spec["shape"]
    fill = spec.get("fill", "normal")
    if fill == "normal":
        return torch.randn(shape, generator=gen)
    if fill == "prob":
        return 0.01 + 0.98 * torch.rand(shape, generator=gen)
    if fill == "mask":
        return torch.randint(0, 2, shape, generator=gen).float()
    if fill == "onehot":
        k = shape[1]
        idx = torch.randint(0, k, [shape[0]] + shape[2:], generator=gen)
        return F.one_hot(idx, k).movedim(-1, 1).float().contiguous()
    raise ValueError("unknown fill %r" % fill)


def dice(p, t, smooth):
    dims = tuple(range(1, p.dim()))
    ratio = (2 * (p * t).sum(dims) + smooth) / (p.sum(dims) + t.sum(dims) + smooth)
    return 1 - ratio.mean()


def op_fn(c, dtype):
    """Returns f(*inputs) -> output for case c, with torch.nn.functional."""
    op = c["op"]
    s, p, d, op_ = c.get("stride"), c.get("pad"), c.get("dilation"), c.get("out_pad")
    k = c.get("kernel")
    if op in ("conv1d", "conv2d", "conv3d"):
        f = getattr(F, op)
        return lambda x, w: f(x, w, stride=s, padding=p, dilation=d)
    if op.startswith("conv_transpose"):
        f = getattr(F, op)
        return lambda x, w: f(x, w, stride=s, padding=p, output_padding=op_, dilation=d)
    if op in ("max_pool1d", "max_pool2d", "max_pool3d"):
        f = getattr(F, op)
        return lambda x: f(x, k, s, p)
    if op in ("avg_pool1d", "avg_pool2d", "avg_pool3d"):
        f = getattr(F, op)  # count_include_pad=True by default, as ops.AvgPool
        return lambda x: f(x, k, s, p)
    if op == "max_pool_unpool2d":
        def pool_unpool(x):
            y, idx = F.max_pool2d(x, k, s, p, return_indices=True)
            return F.max_unpool2d(y, idx, k, s, p, output_size=x.shape[2:])
        return pool_unpool
    if op == "global_avg_pool":
        return lambda x: x.mean(dim=tuple(range(2, x.dim())))
    if op == "adaptive_avg_pool2d":
        return lambda x: F.adaptive_avg_pool2d(x, c["size"])
    if op == "upsample_nearest":
        return lambda x: F.interpolate(x, scale_factor=tuple(c["factor"]), mode="nearest")
    if op == "upsample_bilinear2d":
        return lambda x: F.interpolate(x, scale_factor=tuple(c["factor"]), mode="bilinear", align_corners=False)
    if op == "pad":
        widths = []
        for v in reversed(p):
            widths += [v, v]
        return lambda x: F.pad(x, widths)
    if op == "batch_norm_train":
        def bn(x, g, b):
            ch = x.shape[1]
            return F.batch_norm(x, torch.zeros(ch, dtype=dtype), torch.ones(ch, dtype=dtype), g, b,
                                training=True, momentum=0.1, eps=1e-5)
        return bn
    simple = {
        "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
        "softplus": F.softplus, "softsign": F.softsign,
    }
    if op in simple:
        return simple[op]
    if op == "leaky_relu":
        return lambda x: F.leaky_relu(x, c["alpha"])
    if op == "elu":
        return lambda x: F.elu(x, c["alpha"])
    if op == "dropout":
        return lambda x: F.dropout(x, c["p"], training=True)
    if op == "softmax":
        return lambda x: F.softmax(x, c["axis"])
    if op == "log_softmax":
        return lambda x: F.log_softmax(x, c["axis"])
    if op == "linear":
        return F.linear
    if op == "add":
        return lambda x, y: x + y
    if op == "concat":
        return lambda *xs: torch.cat(xs, c["axis"])
    if op == "sum":
        return lambda x: x.sum(dim=tuple(c["axes"]))
    if op == "mean":
        return lambda x: x.mean(dim=tuple(c["axes"]))
    if op == "softmax_cross_entropy":  # soft (one-hot) targets, as ops.SoftmaxCrossEntropy
        return F.cross_entropy
    if op == "bce_with_logits":
        return F.binary_cross_entropy_with_logits
    if op == "mse":
        return F.mse_loss
    if op == "dice":
        return lambda p, t: dice(p, t, c["smooth"])
    raise ValueError("unknown op %r" % op)


def timed(call, samples, sample_s):
    for _ in range(3):
        call()
    t0 = time.perf_counter()
    call()
    once = max(time.perf_counter() - t0, 1e-6)
    reps = max(1, int(sample_s / once))
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        out.append((time.perf_counter() - t0) / reps * 1e3)
    return out


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    samples = int(os.environ.get("SAMPLES", "5"))
    sample_s = float(os.environ.get("SAMPLE_S", "0.2"))
    ap = argparse.ArgumentParser(description="PyTorch timings of ops/testdata/bench_ops.json")
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("prefixes", nargs="*", metavar="NAME_PREFIX")
    args = ap.parse_args()
    prefixes, dtype = args.prefixes, getattr(torch, args.dtype)
    with open(CASES) as fh:
        cases = json.load(fh)["cases"]
    for c in cases:
        if prefixes and not any(c["name"].startswith(p) for p in prefixes):
            continue
        gen = torch.Generator().manual_seed(1)
        xs = [make_input(gen, spec, dtype) for spec in c["inputs"]]
        f = op_fn(c, dtype)

        def fwd():
            with torch.no_grad():
                f(*xs)

        grads = set(c["grad"])
        ys = [x.clone().requires_grad_(i in grads) for i, x in enumerate(xs)]

        def fwd_bwd():
            for y in ys:
                y.grad = None
            out = f(*ys)
            (out if out.dim() == 0 else out.sum()).backward()

        for name, call in (("fwd", fwd), ("fwd+bwd", fwd_bwd)):
            ms = sorted(timed(call, samples, sample_s))
            print(json.dumps({"name": c["name"], "pass": name, "dtype": args.dtype, "ms": round(ms[len(ms) // 2], 4),
                              "samples_ms": [round(v, 4) for v in ms],
                              "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
