#!/usr/bin/env bash
# run.sh [NOTEBOOK.ipynb...]: execute the project's notebooks headless.
#
# Runs setup.sh first (idempotent: a few tenths of a second once the kernel is
# built), then executes every notebooks/*.ipynb (or the notebooks given), one
# at a time, each in a fresh gophernotes kernel whose working directory is
# notebooks/, so cells import the project by relative path ("../nn"). The
# executed copies go to notebooks/.executed/ (gitignored). The exit status is
# non-zero when any cell fails, a cell times out, the kernel dies, a cell
# tagged "image" shows no PNG, or the whole run exceeds its time budget; the
# failing notebook, cell and error are printed.
#
# Environment knobs:
#   NB_CELL_TIMEOUT  seconds per cell            (default 600)
#   NB_TIMEOUT       seconds for the whole run   (default 1800; setup excluded)
#   NB_FAIL_FAST=1   stop at the first failing notebook
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly MODULE=github.com/convnet-go/convnet
readonly PYTHON=/usr/bin/python3
NB_CELL_TIMEOUT=${NB_CELL_TIMEOUT:-600}
NB_TIMEOUT=${NB_TIMEOUT:-1800}

bash "$HERE/setup.sh"

if ! command -v go >/dev/null 2>&1; then
	export PATH=/usr/local/go/bin:$PATH
fi
# The kernel runs `go get` and `go build -buildmode=plugin` for every import
# block, with the environment it inherits from here:
#  - GOPRIVATE: the project is imported by path ("../nn"); gomacro then asks
#    for github.com/convnet-go/convnet/nn, which the module proxy must not be
#    asked about (it answers 400). The plugin's go.mod replaces the module
#    with the repository root.
#  - GOVCS ...:off: `go get` still looks the GOPRIVATE module up before it
#    falls back to the replacement, and for a github.com path it would run
#    `git ls-remote` (no network: a hard error). With version control
#    disallowed for the module the lookup ends in "not found" at once, and
#    the go command takes the replacement.
#  - GOTOOLCHAIN=local: the plugin must be built by the kernel's toolchain.
#  - GOPATH: gomacro writes its plugin sources to $GOPATH/src/gomacro.imports
#    and each kernel deletes that folder when it starts importing, so a
#    private GOPATH keeps this run apart from any other kernel on the machine.
#    The module and build caches stay shared, so warm runs stay fast.
export GOPRIVATE=$MODULE${GOPRIVATE:+,$GOPRIVATE}
export GOVCS=$MODULE:off${GOVCS:+,$GOVCS}
export GOTOOLCHAIN=local
GOMODCACHE=$(go env GOMODCACHE)
export GOMODCACHE
GOPATH=$(mktemp -d /tmp/convnet-notebooks-gopath.XXXXXX)
export GOPATH
# shellcheck disable=SC2317 # called by the trap
cleanup() { chmod -R u+w "$GOPATH" 2>/dev/null || true; rm -rf "$GOPATH"; }
trap cleanup EXIT

if [ $# -gt 0 ]; then
	notebooks=("$@")
else
	shopt -s nullglob
	notebooks=("$HERE"/*.ipynb)
	shopt -u nullglob
fi
[ ${#notebooks[@]} -gt 0 ] || {
	echo "run.sh: no notebooks in $HERE" >&2
	exit 1
}

args=(--out-dir "$HERE/.executed" --cwd "$HERE" --cell-timeout "$NB_CELL_TIMEOUT")
[ "${NB_FAIL_FAST:-0}" = 1 ] && args+=(--fail-fast)

echo "run.sh: ${#notebooks[@]} notebook(s), ${NB_CELL_TIMEOUT}s per cell, ${NB_TIMEOUT}s in all" >&2
rc=0
# execute.py kills the running kernel when `timeout` sends it SIGTERM; -k
# sends SIGKILL 30 s later if it does not stop.
timeout -k 30 "$NB_TIMEOUT" "$PYTHON" "$HERE/execute.py" "${args[@]}" "${notebooks[@]}" || rc=$?
case $rc in
0) echo "run.sh: all notebooks passed" >&2 ;;
124 | 137) echo "run.sh: FAILED: the notebooks did not finish within NB_TIMEOUT=${NB_TIMEOUT}s" >&2 ;;
*) echo "run.sh: FAILED (exit $rc)" >&2 ;;
esac
exit $rc
