#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need
# (Debian's Fashion-MNIST, Jupyter and the gophernotes kernel, the Go
# modules), then runs gofmt, go vet, go test and the notebooks.
set -euo pipefail
cd "$(dirname "$0")"

echo "== system packages"
# apt_need PATH PACKAGE: installs the Debian package when PATH is missing
# (idempotent; root or sudo; apt-get update only when the first try fails).
apt_need() {
  [ -e "$1" ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq "$2" >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2"; }
}
# Fashion-MNIST for the data tests and examples (no download at run time).
apt_need /usr/share/datasets/fashion-mnist dataset-fashion-mnist
# ONNX's backend conformance cases for onnx/conformance_test.go (with CI=true
# the test fails when they are missing).
apt_need /usr/share/libonnx-testdata/data/node libonnx-testdata

echo "== pretrained MobileNetV2 and skimage data"
# keras tests and examples/transfer: nsfwjs 4.4.0's Keras MobileNetV2 (npm pack,
# extracted with node) and skimage's LFW subset (apt-get download + dpkg -x),
# both into git-ignored folders under keras/testdata/. Idempotent and quiet.
keras/scripts/fetch_nsfwjs.sh
keras/scripts/fetch_skimage.sh

echo "== ONNX export checks: ONNX Runtime (npm) and the ONNX checker (python3-onnx)"
# The onnx package's tests run every exported model in ONNX Runtime through
# node (internal/ort/node/run.js) and check the files with onnx.checker.
# --ignore-scripts: onnxruntime-node's install script only fetches GPU
# add-ons from a host that is not reachable; the CPU runtime is in the
# package. npm ci installs the versions pinned in package-lock.json.
if [ ! -f internal/ort/node/node_modules/onnxruntime-node/package.json ]; then
  (cd internal/ort/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
if ! /usr/bin/python3 -I -c "import onnx" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq python3-onnx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-onnx >/dev/null; }
  else
    sudo apt-get install -y -qq python3-onnx >/dev/null
  fi
fi

echo "== bench scripts"
# bench/compare.sh and bench/ops_compare.sh time convnet against PyTorch and
# ONNX Runtime and are run by hand on a quiet machine; CI checks their syntax
# and that compare.sh's table renders from a recorded run (bench/testdata).
for f in bench/*.sh; do bash -n "$f"; done
table=$(/usr/bin/python3 bench/compare_table.py bench/testdata/compare_results.txt "0 0 0" "0 0 0" go test main)
rows=$(grep -c '^| W1' <<<"$table" || true)
if [ "$rows" != 4 ] || ! grep -q '^| workload | threads | convnet ms | base ms | PyTorch ms | ORT ms |' <<<"$table"; then
  echo "bench/compare_table.py: want 4 W1 rows and a column per engine, got:"; echo "$table"; exit 1
fi
# bench/ops_compare.sh's tables (bench/ops_table.py) from a recorded float64 run.
table=$(/usr/bin/python3 bench/ops_table.py bench/testdata/ops_results float64 "0 0 0" "0 0 0")
rows=$(grep -c '^| [a-z_0-9]*/x[^|]* | fwd[+bwd]* | float64 |' <<<"$table" || true)
if [ "$rows" != 6 ] || ! grep -q '^| op family (float64) |' <<<"$table"; then
  echo "bench/ops_table.py: want 6 float64 rows and a float64 family table, got:"; echo "$table"; exit 1
fi

echo "== go mod download"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test"
# One process per package, zoo included: zoo's TestModels builds every model
# of the zoo in turn and peaks at about 3.5 GB now that dropped graphs are
# freed (graph.NewMachine breaks Gorgonia's finalizer cycle).
go test -count=1 -timeout 40m ./...

echo "== go test -race"
# The race detector over the packages that hold the shared state: the
# parameter store, its locks and the machine guard (graph), the ops' buffers
# (ops), Predict and the layers (nn), the Trainer, optimizers and loaders
# (train/...), and the internal packages. -short keeps the long trainings
# out.
go test -race -short -count=1 -timeout 40m ./graph/... ./ops ./nn ./train/... ./internal/...
# zoo, onnx and keras compose the packages above; under -race with -short
# they took 504 s of wall time and 11.8 GB at the peak on the 2-core
# machine (2026-12-07), in one go test run; -p 1 keeps one at a time in memory.
go test -race -short -count=1 -p 1 -timeout 40m ./zoo ./onnx ./keras

echo "== arm64 under qemu: internal/gemm, internal/vec, ops"
# (gemm-port) Cross-compiles the gemm tests for arm64 and runs them under
# qemu-user-static (Debian): the NEON kernels and the portable fallback, both
# tested on arm64. The binary is given to qemu explicitly, so binfmt_misc is
# not needed (containers often lack it). Timing under qemu means nothing;
# this checks correctness only.
apt_need /usr/bin/qemu-aarch64-static qemu-user-static
arm64_tmp=$(mktemp -d)
GOARCH=arm64 go test -c -o "$arm64_tmp/gemm.test" ./internal/gemm
(cd internal/gemm && qemu-aarch64-static "$arm64_tmp/gemm.test" -test.short -test.count=1)
# (elemvec) internal/vec and ops on arm64: vec's NEON kernels and portable
# code against math, and ops' gradient checks and parity tests on them. ops'
# binary took 106 s wall under qemu on the 2-core machine at load 16, vec's 3 s.
GOARCH=arm64 go test -c -o "$arm64_tmp/vec.test" ./internal/vec
(cd internal/vec && qemu-aarch64-static "$arm64_tmp/vec.test" -test.short -test.count=1)
GOARCH=arm64 go test -c -o "$arm64_tmp/ops.test" ./ops
(cd ops && qemu-aarch64-static "$arm64_tmp/ops.test" -test.short -test.count=1)
rm -rf "$arm64_tmp"

echo "== purego: internal/vec"
# (elemvec) vec built without its assembly, as on every architecture but
# amd64 (ops on the portable kernels is the arm64 run above).
go test -tags purego -short -count=1 ./internal/vec

echo "== notebooks"
# Installs Jupyter from Debian and builds the gophernotes kernel (idempotent, root),
# then executes every notebook headless; any cell error fails the run.
notebooks/run.sh
