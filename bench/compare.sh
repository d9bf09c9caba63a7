#!/bin/bash
# Side-by-side timings of convnet (examples/benchmark) and PyTorch
# (torch_bench.py) on the same machine in the same run, alternating:
#
#   bench/compare.sh                 # W1 W1-infer W2 W2-infer W3 W4, 3 rounds each
#   ROUNDS=5 bench/compare.sh W1 W4  # a subset, 5 rounds
#
# Each round runs the Go benchmark once, then PyTorch once, on one workload
# (go, torch, go, torch, ...), each in its own process. The table gives, per
# workload, the median over rounds of each side's ms/step (each itself a
# median over the timed steps), the median of the per-round ratios
# convnet/PyTorch, the achieved GFLOP/s and each side's peak RSS, and the
# load average before and after. Knobs: ROUNDS (3), TORCH_BENCH (the
# PyTorch runner, default ../shared/bench/run_torch.sh relative to the
# repository), GOFLAGS_BENCH (extra flags for the Go benchmark, such as
# "-steps 20"), KEEP (a directory to keep the raw JSON lines in).
# No test needs this script.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
torch=${TORCH_BENCH:-../shared/bench/run_torch.sh}
# a git worktree under wt/ sits one level deeper than the main checkout
if [ -z "${TORCH_BENCH:-}" ] && [ ! -e "$torch" ] && [ -e ../../shared/bench/run_torch.sh ]; then
  torch=../../shared/bench/run_torch.sh
fi
torch=$(cd "$(dirname "$torch")" && pwd)/$(basename "$torch")
rounds=${ROUNDS:-3}
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] && workloads=(W1 W1-infer W2 W2-infer W3 W4)
py=/usr/bin/python3
[ -x "$py" ] || py=python3

out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
bin="$out/convnet-benchmark"
echo "building examples/benchmark ..." >&2
go build -o "$bin" ./examples/benchmark

# peak RSS (MB) of a child process tree, printed on fd 3 as {"peak_rss_mb": x}
rss() {
  "$py" -c '
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
sys.stdout.write(r.stdout.decode())
mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"peak_rss_mb": round(mb, 1)}))
sys.exit(r.returncode)' "$@"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" >&2
for w in "${workloads[@]}"; do
  for r in $(seq 1 "$rounds"); do
    echo "  $w round $r/$rounds: convnet" >&2
    # shellcheck disable=SC2086
    "$bin" -workload "$w" ${GOFLAGS_BENCH:-} | sed "s/^/go $w $r /" >>"$out/results.txt"
    echo "  $w round $r/$rounds: pytorch" >&2
    rss "$torch" "$w" | sed "s/^/torch $w $r /" >>"$out/results.txt"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" - "$out/results.txt" "$load_before" "$load_after" <<'EOF'
import json, statistics, sys, subprocess
path, before, after = sys.argv[1:4]
runs = {}  # (side, workload, round) -> record
for line in open(path):
    side, w, r, js = line.split(" ", 3)
    rec = json.loads(js)
    key = (side, w, int(r))
    runs.setdefault(key, {}).update(rec)
def ms(rec):
    return rec.get("ms_per_step", rec.get("ms_median"))
def gf(rec):
    return rec.get("gflops", rec.get("gflops_achieved"))
cpu = "?"
try:
    for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if l.startswith("Model name:"):
            cpu = l.split(":", 1)[1].strip()
except OSError:
    pass
import os
print(f"machine: {cpu}, {os.cpu_count()} CPUs; load average before {before}, after {after}")
print()
hdr = f"{'workload':<10} {'convnet ms':>11} {'torch ms':>9} {'ratio':>6} {'ratios (per round)':<24} {'convnet min-max':>16} {'torch min-max':>16} {'GF/s go':>8} {'GF/s pt':>8} {'RSS go MB':>9} {'RSS pt MB':>9} {'go cpu/wall':>11}"
print(hdr)
print("-" * len(hdr))
order = []
for (side, w, r) in runs:
    if w not in order:
        order.append(w)
for w in order:
    rounds = sorted({r for (s, ww, r) in runs if ww == w})
    g = [runs[("go", w, r)] for r in rounds if ("go", w, r) in runs]
    t = [runs[("torch", w, r)] for r in rounds if ("torch", w, r) in runs]
    ratios = [ms(runs[("go", w, r)]) / ms(runs[("torch", w, r)]) for r in rounds
              if ("go", w, r) in runs and ("torch", w, r) in runs]
    gm = statistics.median(ms(x) for x in g) if g else float("nan")
    tm = statistics.median(ms(x) for x in t) if t else float("nan")
    rat = statistics.median(ratios) if ratios else float("nan")
    gmm = f"{min(x['ms_min'] for x in g):.1f}-{max(x['ms_max'] for x in g):.1f}" if g else "-"
    tmm = f"{min(x['ms_min'] for x in t):.1f}-{max(x['ms_max'] for x in t):.1f}" if t else "-"
    ggf = statistics.median(gf(x) for x in g) if g else float("nan")
    tgf = statistics.median(gf(x) for x in t) if t else float("nan")
    grss = max(x.get("peak_rss_mb", 0) for x in g) if g else float("nan")
    trss = max(x.get("peak_rss_mb", 0) for x in t) if t else float("nan")
    rr = ",".join(f"{x:.2f}" for x in ratios)
    cw = statistics.median(x.get("cpu_ms_per_step", 0) / ms(x) for x in g) if g else float("nan")
    print(f"{w:<10} {gm:>11.2f} {tm:>9.2f} {rat:>6.2f} {rr:<24} {gmm:>16} {tmm:>16} {ggf:>8.1f} {tgf:>8.1f} {grss:>9.1f} {trss:>9.1f} {cw:>11.2f}")
print()
print("ms = median over rounds of each run's median ms/step; ratio = median of per-round convnet/PyTorch ratios;")
print("min-max = fastest and slowest single step over all rounds; RSS = largest peak RSS over the rounds;")
print("go cpu/wall = process CPU time per step over wall time (2.0 = both cores busy all the time).")
EOF
echo "raw results: $out/results.txt" >&2
