#!/bin/bash
# Per-op timings of convnet's ops (BenchmarkOps in ops/ops_bench_test.go)
# next to torch.nn.functional (bench/torch_ops.py) on the same cases
# (ops/testdata/bench_ops.json), float32, forward and forward+backward,
# alternating in one session:
#
#   bench/ops_compare.sh                  # every case, 3 rounds
#   ROUNDS=1 bench/ops_compare.sh conv2d  # cases whose name starts with conv2d
#
# Each round runs the Go benchmarks once (-benchtime BENCHTIME, 0.2s), then
# PyTorch once (median of 5 samples of 0.2 s each), each in its own process,
# with 2 threads each; PyTorch uses the OpenMP OpenBLAS as
# ../shared/bench/run_torch.sh sets it up (run that once first, as root, to
# install python3-torch). The table gives per case and pass the median over
# rounds of each side's ms per call and the median of the per-round ratios
# convnet/PyTorch, then the geometric mean of the ratios per op family and
# the load average before and after. KEEP=dir keeps the raw output.
# No test needs this script.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
rounds=${ROUNDS:-3}
benchtime=${BENCHTIME:-0.2s}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp
out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
: >"$out/go.txt"
: >"$out/torch.txt"

filter='^BenchmarkOps$'
if [ $# -gt 0 ]; then
  filter="^BenchmarkOps$/^($(IFS='|'; echo "$*"))"
fi

echo "building the ops test binary ..." >&2
go test -c -o "$out/ops.test" ./ops

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" >&2
for r in $(seq 1 "$rounds"); do
  echo "  round $r/$rounds: convnet" >&2
  (cd ops && GOMAXPROCS=2 "$out/ops.test" -test.run '^$' -test.bench "$filter" \
    -test.benchtime "$benchtime" -test.count 1) | sed -n "s/^BenchmarkOps\//$r /p" >>"$out/go.txt"
  echo "  round $r/$rounds: pytorch" >&2
  LD_LIBRARY_PATH=$omp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} THREADS=2 "$py" bench/torch_ops.py "$@" |
    sed "s/^/$r /" >>"$out/torch.txt"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" - "$out" "$load_before" "$load_after" <<'PY'
import json, math, re, statistics, sys
out, before, after = sys.argv[1:4]
go, pt = {}, {}
for line in open(out + "/go.txt"):
    f = line.split()
    # "<round> <name>/<pass>-<procs> <iters> <ns> ns/op"
    r, full, ns = f[0], re.sub(r"-\d+$", "", f[1]), float(f[3])
    name, p = full.rsplit("/", 1)
    go.setdefault((name, p), {})[r] = ns / 1e6
for line in open(out + "/torch.txt"):
    r, js = line.split(" ", 1)
    d = json.loads(js)
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
print("| case | pass | convnet ms | PyTorch ms | ratio |")
print("|---|---|---:|---:|---:|")
for name, p, g, t, ratio in rows:
    print(f"| {name} | {p} | {g:.3f} | {t:.3f} | {ratio:.2f} |")
print()
print("| op family | cases | geometric mean ratio | max ratio |")
print("|---|---:|---:|---:|")
allr = []
for f, rs in fam.items():
    allr += rs
    gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
    print(f"| {f} | {len(rs)} | {gm:.2f} | {max(rs):.2f} |")
gm = math.exp(sum(math.log(x) for x in allr) / len(allr))
print(f"\nall {len(allr)} timings: geometric mean ratio {gm:.2f}, "
      f"{sum(r <= 1 for r in allr)} at or below 1.0, {sum(r > 2 for r in allr)} above 2.0")
print(f"load average before: {before}; after: {after}")
PY
