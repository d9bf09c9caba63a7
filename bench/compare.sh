#!/bin/bash
# Side-by-side timings of convnet (examples/benchmark), PyTorch (torch_bench.py)
# and, for inference, ONNX Runtime (ort_bench.js on the same models exported from
# PyTorch by ort_export.py), on the same machine in the same run, alternating:
#
#   bench/compare.sh                        # all eight workloads, 3 rounds each
#   ROUNDS=5 bench/compare.sh W1 W4-infer   # a subset, 5 rounds
#   THREADS="1 2" bench/compare.sh W2       # 1- and 2-thread rows
#   BASE_REF=main bench/compare.sh          # plus convnet built from main, same rounds
#
# Workloads: W1 W2 W3 W4 (training steps) and W1-infer ... W4-infer (forward
# in eval mode), as defined in torch_bench.py. Each round runs, for each thread
# count, each in its own process and one after the other: convnet, the base
# binary (if any), PyTorch, and ONNX Runtime (inference only). The table gives
# per workload and thread count the median over rounds of each engine's ms per
# step (each itself a median over its timed steps), the medians of the
# per-round ratios
# convnet/base, convnet/PyTorch and convnet/ORT, the achieved GFLOP/s
# (flops_per_step of the workload over ms; conv, transposed conv and dense
# layers, 2 per multiply-add, x3 for a training step), and each engine's peak
# RSS (getrusage maxrss of its process); then the per-round ratios, each
# engine's speed-up from the smallest thread count to the others, the machine
# (lscpu model name), the Go, PyTorch and ONNX Runtime versions and the load
# average before and after.
#
# Knobs (environment variables):
#   ROUNDS         rounds per workload and thread count (3)
#   THREADS        thread counts, space-separated ("2"); "1 2" runs every
#                  workload at both. convnet gets -threads N (GOMAXPROCS), the
#                  base binary GOMAXPROCS=N, PyTorch and ONNX Runtime THREADS=N.
#   ENGINES        the anchors to run besides convnet ("torch ort"); drop one to
#                  skip it, "" for convnet alone.
#   BASE_BIN       an extra convnet benchmark binary (for instance built from an
#                  older commit), timed in the same rounds: the "base" column
#                  and the convnet/base ratio show a speed-up or a slowdown.
#   BASE_REF       a git commit or branch: build BASE_BIN from its
#                  examples/benchmark (git archive into a temporary folder).
#   GOFLAGS_BENCH  extra flags for both convnet binaries, such as "-steps 20".
#   STEPS, WARMUP  timed and warm-up steps of torch_bench.py; STEPS also sets
#                  ort_bench.js's timed runs (defaults: the scripts' own).
#   TORCH_BENCH    the PyTorch runner (default ../shared/bench/run_torch.sh
#                  from the repository); ort_export.py and ort_bench.js are
#                  taken from the same folder.
#   ORT_MODELS     a folder with W1.onnx ... W4.onnx and shapes.json from
#                  ort_export.py, to skip the export (which needs PyTorch).
#   KEEP           a folder to keep the raw JSON lines (results.txt: engine,
#                  workload, threads, round, JSON), the binaries and the
#                  exported models in; without it they go to a temporary
#                  folder that is removed at the end.
#
# ONNX Runtime is the npm package onnxruntime-node pinned by
# internal/ort/node/package-lock.json; the script installs it there (npm ci
# --ignore-scripts, as ./test.sh does) when it is missing. PyTorch's side is
# torch_bench.py itself for every workload: its run() treats any "-infer"
# name as model.eval() + torch.no_grad() forward steps of the same model.
# CI checks this script's syntax and renders the table of a recorded run
# (bench/testdata); it times nothing.
set -euo pipefail
if [ -n "${BASE_BIN:-}" ]; then
  if [ ! -f "$BASE_BIN" ] || [ ! -x "$BASE_BIN" ]; then
    echo "compare.sh: BASE_BIN $BASE_BIN is not an executable file" >&2
    exit 2
  fi
  BASE_BIN=$(cd "$(dirname "$BASE_BIN")" && pwd)/$(basename "$BASE_BIN")
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
torch=${TORCH_BENCH:-../shared/bench/run_torch.sh}
# a git worktree under wt/ sits one level deeper than the main checkout
if [ -z "${TORCH_BENCH:-}" ] && [ ! -e "$torch" ] && [ -e ../../shared/bench/run_torch.sh ]; then
  torch=../../shared/bench/run_torch.sh
fi
benchdir=$(cd "$(dirname "$torch")" && pwd)
torch=$benchdir/$(basename "$torch")
rounds=${ROUNDS:-3}
read -r -a threads <<<"${THREADS:-2}"
read -r -a engines <<<"${ENGINES-torch ort}"
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] && workloads=(W1 W1-infer W2 W2-infer W3 W3-infer W4 W4-infer)
for w in "${workloads[@]}"; do
  case $w in
    W[1-4] | W[1-4]-infer) ;;
    *) echo "compare.sh: unknown workload \"$w\" (want W1 ... W4 or W1-infer ... W4-infer)" >&2; exit 2 ;;
  esac
done
for t in "${threads[@]}" "$rounds"; do
  if ! [[ $t =~ ^[1-9][0-9]*$ ]]; then
    echo "compare.sh: THREADS and ROUNDS must be positive integers, got \"$t\"" >&2
    exit 2
  fi
done
for e in "${engines[@]}"; do
  case $e in
    torch | ort) ;;
    *) echo "compare.sh: unknown engine \"$e\" in ENGINES (want torch, ort)" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3
[ -x "$py" ] || py=python3
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp
has() { local e; for e in "${engines[@]}"; do [ "$e" = "$1" ] && return 0; done; return 1; }

if [ -n "${KEEP:-}" ]; then
  out=$KEEP
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
: >"$out/results.txt"
bin="$out/convnet-benchmark"
echo "building examples/benchmark ..." >&2
# the commit the timed binary is built from (read now: the tree may move on
# during a long run)
head=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . 2>/dev/null || head="$head+changes"
go build -o "$bin" ./examples/benchmark

base=${BASE_BIN:-}
if [ -n "${BASE_REF:-}" ]; then
  echo "building examples/benchmark at $BASE_REF ..." >&2
  src=$(mktemp -d)
  git archive --format=tar "$BASE_REF" | tar -x -C "$src"
  (cd "$src" && go build -o "$out/base-benchmark" ./examples/benchmark)
  rm -rf "$src"
  base="$out/base-benchmark"
fi

infer=0
for w in "${workloads[@]}"; do [[ $w == *-infer ]] && infer=1; done
ortdir=$repo/internal/ort/node
models=${ORT_MODELS:-}
if has ort && [ $infer = 1 ]; then
  if [ ! -f "$ortdir/node_modules/onnxruntime-node/package.json" ]; then
    echo "installing onnxruntime-node into internal/ort/node ..." >&2
    (cd "$ortdir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  if [ -z "$models" ]; then
    models="$out/ort-models"
    echo "exporting the models to ONNX (ort_export.py) ..." >&2
    THREADS=2 LD_LIBRARY_PATH=$omp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$py" "$benchdir/ort_export.py" "$models" >/dev/null
  fi
  models=$(cd "$models" && pwd)
fi

# run ENGINE WORKLOAD THREADS ROUND CMD...: runs CMD under a peak-RSS probe
# and appends its JSON lines, prefixed, to results.txt. A failing engine is
# reported on stderr and leaves a gap in the table.
run() {
  local tag="$1 $2 $3 $4"
  shift 4
  local lines
  if lines=$("$py" -c '
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
sys.stdout.write(r.stdout.decode())
mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"peak_rss_mb": round(mb, 1)}))
sys.exit(r.returncode)' "$@"); then
    { grep '^{' <<<"$lines" || true; } | sed "s/^/$tag /" >>"$out/results.txt"
  else
    echo "  FAILED: $tag: $*" >&2
  fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" >&2
for w in "${workloads[@]}"; do
  for r in $(seq 1 "$rounds"); do
    for t in "${threads[@]}"; do
      echo "  $w, round $r/$rounds, $t threads" >&2
      # shellcheck disable=SC2086
      run go "$w" "$t" "$r" "$bin" -workload "$w" -threads "$t" ${GOFLAGS_BENCH:-}
      if [ -n "$base" ]; then
        # shellcheck disable=SC2086
        run base "$w" "$t" "$r" env GOMAXPROCS="$t" "$base" -workload "$w" ${GOFLAGS_BENCH:-}
      fi
      if has torch; then
        run torch "$w" "$t" "$r" env THREADS="$t" OMP_NUM_THREADS="$t" "$torch" "$w"
      fi
      if has ort && [[ $w == *-infer ]]; then
        run ort "$w" "$t" "$r" env THREADS="$t" NODE_PATH="$ortdir/node_modules" \
          node "$benchdir/ort_bench.js" "$models" "${w%-infer}"
      fi
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" "$repo/bench/compare_table.py" "$out/results.txt" "$load_before" "$load_after" \
  "$(go version "$bin" | cut -d' ' -f2)" "$head" "${BASE_REF:-${BASE_BIN:-}}"
if [ -n "${KEEP:-}" ]; then
  echo "raw results: $out/results.txt" >&2
fi
