#!/usr/bin/python3
"""Renders bench/ops_compare.sh's tables from the raw output of a run.

    bench/ops_table.py DIR DTYPE "LOAD BEFORE" "LOAD AFTER"

DIR holds go.txt (BenchmarkOps lines, each prefixed with its round) and
torch.txt (bench/torch_ops.py's JSON lines, each prefixed with its round),
as ops_compare.sh writes them (KEEP=DIR keeps them). The first table gives
per case and pass the median over rounds of each side's ms per call and the
median of the per-round ratios convnet/PyTorch, the second the geometric
mean of the ratios per op family. PyTorch lines carry their dtype, and one
of another dtype than DTYPE is an error; the Go lines carry none, so the
script trusts ops_compare.sh to have run BenchmarkOps in DTYPE (it sets
CONVNET_OPS_DTYPE for the run).
"""
import json
import math
import re
import statistics
import sys


def main():
    out, dtype, before, after = sys.argv[1:5]
    go, pt = {}, {}
    for line in open(out + "/go.txt"):
        f = line.split()
        # "<round> <name>/<pass>-<procs> <iters> <ns> ns/op ..."
        r, full, ns = f[0], re.sub(r"-\d+$", "", f[1]), float(f[3])
        name, p = full.rsplit("/", 1)
        go.setdefault((name, p), {})[r] = ns / 1e6
    for line in open(out + "/torch.txt"):
        r, js = line.split(" ", 1)
        d = json.loads(js)
        if d.get("dtype", "float32") != dtype:
            sys.exit("%s/torch.txt: case %s ran in %s, want %s" % (out, d["name"], d.get("dtype", "float32"), dtype))
        pt.setdefault((d["name"], d["pass"]), {})[r] = d["ms"]
    rows, fam = [], {}
    for key in pt:
        if key not in go:
            continue
        g, t = go[key], pt[key]
        ratios = [g[r] / t[r] for r in g if r in t]
        if not ratios:
            continue
        ratio = statistics.median(ratios)
        rows.append((key[0], key[1], statistics.median(g.values()), statistics.median(t.values()), ratio))
        fam.setdefault(key[0].split("/")[0], []).append(ratio)
    if not rows:
        sys.exit("%s: no case has both a convnet and a PyTorch timing" % out)
    print(f"{dtype}: convnet (BenchmarkOps) against torch.nn.functional, ms per call\n")
    print(f"| case | pass | dtype | convnet ms | PyTorch ms | ratio |")
    print("|---|---|---|---:|---:|---:|")
    for name, p, g, t, ratio in rows:
        print(f"| {name} | {p} | {dtype} | {g:.3f} | {t:.3f} | {ratio:.2f} |")
    print()
    print(f"| op family ({dtype}) | cases | geometric mean ratio | max ratio |")
    print("|---|---:|---:|---:|")
    allr = []
    for f, rs in fam.items():
        allr += rs
        gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
        print(f"| {f} | {len(rs)} | {gm:.2f} | {max(rs):.2f} |")
    gm = math.exp(sum(math.log(x) for x in allr) / len(allr))
    print(f"\n{dtype}, all {len(allr)} timings: geometric mean ratio {gm:.2f}, "
          f"{sum(r <= 1 for r in allr)} at or below 1.0, {sum(r > 2 for r in allr)} above 2.0")
    print(f"load average before: {before}; after: {after}")


if __name__ == "__main__":
    main()
