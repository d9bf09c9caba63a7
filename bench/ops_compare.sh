#!/bin/bash
# Per-op timings of convnet's ops (BenchmarkOps in ops/ops_bench_test.go)
# next to torch.nn.functional (bench/torch_ops.py) on the same cases
# (ops/testdata/bench_ops.json), forward and forward+backward, in float32
# or (DTYPE=float64) float64 on both sides, alternating in one session:
#
#   bench/ops_compare.sh                  # every case, 3 rounds, float32
#   ROUNDS=1 bench/ops_compare.sh conv2d  # cases whose name starts with conv2d
#   DTYPE=float64 bench/ops_compare.sh    # every case in float64
#
# Each round runs the Go benchmarks once (-benchtime BENCHTIME, 0.2s), then
# PyTorch once (median of 5 samples of 0.2 s each), each in its own process,
# with 2 threads each; PyTorch uses the OpenMP OpenBLAS as
# ../shared/bench/run_torch.sh sets it up (run that once first, as root, to
# install python3-torch). The table gives per case and pass the median over
# rounds of each side's ms per call and the median of the per-round ratios
# convnet/PyTorch, then the geometric mean of the ratios per op family and
# the load average before and after (bench/ops_table.py renders them; the
# dtype is in the headers and in every row). KEEP=dir keeps the raw output.
# No test needs this script; ./test.sh renders a recorded run
# (bench/testdata/ops_results) to check ops_table.py.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
rounds=${ROUNDS:-3}
benchtime=${BENCHTIME:-0.2s}
dtype=${DTYPE:-float32}
case $dtype in
  float32 | float64) ;;
  *) echo "ops_compare.sh: DTYPE must be float32 or float64, got $dtype" >&2; exit 2 ;;
esac
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
  echo "  round $r/$rounds: convnet ($dtype)" >&2
  (cd ops && CONVNET_OPS_DTYPE=$dtype GOMAXPROCS=2 "$out/ops.test" -test.run '^$' -test.bench "$filter" \
    -test.benchtime "$benchtime" -test.count 1) | sed -n "s/^BenchmarkOps\//$r /p" >>"$out/go.txt"
  echo "  round $r/$rounds: pytorch ($dtype)" >&2
  LD_LIBRARY_PATH=$omp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} THREADS=2 "$py" bench/torch_ops.py --dtype "$dtype" "$@" |
    sed "s/^/$r /" >>"$out/torch.txt"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" bench/ops_table.py "$out" "$dtype" "$load_before" "$load_after"
