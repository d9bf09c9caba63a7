#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need
# (Debian's Fashion-MNIST, Jupyter and the gophernotes kernel, the Go
# modules), then runs gofmt, go vet, go test and the notebooks.
set -euo pipefail
cd "$(dirname "$0")"

echo "== system packages"
# Fashion-MNIST for the data tests and examples (Debian package, no download at run time).
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; }
  else
    sudo apt-get install -y -qq dataset-fashion-mnist
  fi
fi

# ONNX's backend conformance cases for onnx/conformance_test.go (Debian package
# libonnx-testdata; with CI=true the test fails when they are missing).
if [ ! -d /usr/share/libonnx-testdata/data/node ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq libonnx-testdata >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq libonnx-testdata; }
  else
    sudo apt-get install -y -qq libonnx-testdata
  fi
fi

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

echo "== go mod download"
go mod download

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 -timeout 40m ./...

echo "== notebooks"
# Installs Jupyter from Debian and builds the gophernotes kernel (idempotent, root),
# then executes every notebook headless; any cell error fails the run.
notebooks/run.sh
