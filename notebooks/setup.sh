#!/usr/bin/env bash
# setup.sh: install what the convnet notebooks need to run headless, on a
# fresh Debian 12 machine with Go 1.26 (run as root; idempotent).
#
#   1. Jupyter pieces from Debian: python3-nbclient, jupyter-client,
#      jupyter-core (used through /usr/bin/python3), plus gcc and libc6-dev
#      (gophernotes compiles every notebook import block as a cgo plugin).
#   2. The gophernotes kernel v0.7.5, rebuilt so it runs on Go 1.26:
#        - gomacro at the 2024-05-06 commit (it skips generic functions
#          instead of panicking on them),
#        - golang.org/x/tools v0.35.0 (reads Go 1.26 export data and still
#          honours gotypesalias=0),
#        - `godebug gotypesalias=0` (gomacro does not know *types.Alias),
#        - two one-line source patches (see patch_gophernotes below),
#        - every module it shares with the project (github.com/rivo/uniseg,
#          ...) at the project's version: a notebook's plugin cannot load
#          into a kernel that links another version of one of its packages,
#      installed as $PREFIX/bin/gophernotes.
#   3. The kernel spec $KERNELS_DIR/gophernotes/kernel.json, whose env sets
#      GOTOOLCHAIN=local (plugins must be built by the kernel's own toolchain)
#      and ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH=go1.NN (older
#      go4.org/unsafe/assume-no-moving-gc versions refuse to start otherwise).
#
# Only the Go module proxy and Debian's apt repositories are used. The kernel
# build is skipped when the stamp (versions, Go version, GOFLAGS, the hashes
# of this script and of the project's go.mod) matches and the binary and the kernel spec are in place;
# change any of these and the next run rebuilds. After a build, a one-cell
# notebook checks that the kernel starts and runs Go.
#
# Environment knobs: PREFIX (default /usr/local), BUILD_DIR (default
# /opt/convnet-gophernotes), KERNELS_DIR (default
# /usr/local/share/jupyter/kernels), FORCE=1 (rebuild even if up to date).
set -Eeuo pipefail

readonly GOPHERNOTES_VERSION=v0.7.5
readonly GOPHERNOTES_SUM='h1:hhQiBOwv4KR02mlYdHiHfLGybtC1QxatCnJqt75apVw='
readonly GOMACRO_VERSION=v0.0.0-20240506194242-2ff796e3da10
readonly GOMACRO_SUM='h1:27rWQXh4NyifreWT/M1K/DcVLCLHjR8BuWbin7M6sbg='
readonly XTOOLS_VERSION=v0.35.0
readonly APT_PACKAGES="python3 python3-nbclient python3-nbformat jupyter-client jupyter-core gcc libc6-dev"
readonly PYTHON=/usr/bin/python3 # the apt modules are not visible to a pyenv/venv python3

PREFIX=${PREFIX:-/usr/local}
BUILD_DIR=${BUILD_DIR:-/opt/convnet-gophernotes}
KERNELS_DIR=${KERNELS_DIR:-/usr/local/share/jupyter/kernels}
FORCE=${FORCE:-0}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd) # the convnet module
SCRIPT_HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
T0=$(date +%s)

log() { printf '[setup %3ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
	printf '[setup] FAILED: %s\n' "$*" >&2
	exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root (run: sudo $0)"
}

# ---------------------------------------------------------------- Go
if ! command -v go >/dev/null 2>&1; then
	[ -x /usr/local/go/bin/go ] || die "go not found on PATH nor in /usr/local/go/bin"
	export PATH=/usr/local/go/bin:$PATH
fi
export GOTOOLCHAIN=local # never switch toolchains: the plugins must match the kernel
GOVERSION=$(go env GOVERSION)             # e.g. go1.26.8
GOMINOR=$(echo "$GOVERSION" | cut -d. -f1-2) # e.g. go1.26
# GOFLAGS that change how packages compile (-trimpath, -race, ...) must be the
# same for the kernel and its plugins, so they are part of the stamp;
# -buildvcs only changes a binary's build info and is left out.
GOFLAGS_NOW=$(go env GOFLAGS | tr ' ' '\n' | grep -v '^-buildvcs' | paste -sd' ' -) || true
case "$GOVERSION" in
go1.26.*) ;;
*) log "WARNING: this recipe was tested with Go 1.26, found $GOVERSION" ;;
esac

# One setup at a time (two run.sh started together would race on the build).
# The lock file is opened read-only, so that users other than its creator
# can take the lock too.
LOCK=/run/lock/convnet-notebooks-setup.lock
[ -e "$LOCK" ] || : 2>/dev/null >>"$LOCK" || true
if [ -r "$LOCK" ]; then
	exec 9<"$LOCK"
	flock 9
fi

# ---------------------------------------------------------------- 1. apt
missing=()
for p in $APT_PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	need_root "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	log "apt: installing ${missing[*]}"
	# Refresh the package lists only if apt does not know the packages yet.
	if ! apt-cache policy python3-nbclient 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		log "apt: no candidate for python3-nbclient, running apt-get update"
		apt-get -o DPkg::Lock::Timeout=600 update -q
	fi
	# The lock timeout waits for another apt/dpkg run instead of failing.
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
else
	log "apt: present ($APT_PACKAGES)"
fi
"$PYTHON" -c 'import nbclient, nbformat, jupyter_client' ||
	die "$PYTHON cannot import nbclient/nbformat/jupyter_client after the apt step"

# ---------------------------------------------------------------- 2. gophernotes
STAMP_FILE=$BUILD_DIR/stamp
GOMOD_HASH=$(sha256sum "$ROOT/go.mod" | cut -c1-16)
# The module cache's path is compiled into every package (without -trimpath),
# so a kernel built from another GOMODCACHE cannot load the plugins.
GOMODCACHE_NOW=$(go env GOMODCACHE)
STAMP="gophernotes=$GOPHERNOTES_VERSION gomacro=$GOMACRO_VERSION x/tools=$XTOOLS_VERSION $GOVERSION GOFLAGS=[$GOFLAGS_NOW] GOMODCACHE=$GOMODCACHE_NOW setup.sh=$SCRIPT_HASH go.mod=$GOMOD_HASH"
KERNEL_JSON=$KERNELS_DIR/gophernotes/kernel.json

kernel_spec() {
	cat <<EOF
{
  "argv": ["$PREFIX/bin/gophernotes", "{connection_file}"],
  "display_name": "Go (gophernotes)",
  "language": "go",
  "name": "gophernotes",
  "env": {
    "ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH": "$GOMINOR",
    "GOTOOLCHAIN": "local"
  }
}
EOF
}

# fetch_module PATH VERSION SUM DEST: copy a module's source from the module
# proxy into DEST (writable) after checking its h1 hash against SUM. The two
# modules are exempt from the checksum database (the gomacro pseudo-version
# is not in it); the pinned SUM replaces that check.
fetch_module() {
	local mpath=$1 version=$2 sum=$3 dest=$4 json dir got
	json=$(cd / && GONOSUMDB=github.com/cosmos72,github.com/gopherdata \
		go mod download -json "$mpath@$version") || die "go mod download $mpath@$version: $json"
	dir=$(printf '%s' "$json" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("Dir",""))')
	got=$(printf '%s' "$json" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("Sum",""))')
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then
		die "download of $mpath@$version gave no directory: $json"
	fi
	[ "$got" = "$sum" ] || die "checksum mismatch for $mpath@$version: got $got, want $sum"
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -r "$dir" "$dest"
	chmod -R u+w "$dest"
}

# replace_once FILE OLD NEW: replace the literal text OLD, which must occur
# exactly once in FILE, by NEW; fail if OLD is missing or ambiguous, or if NEW
# is not in the file afterwards.
replace_once() {
	"$PYTHON" - "$@" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
n = text.count(old)
if n != 1:
    sys.exit(f"patch: {path}: expected the text {old!r} once, found it {n} times")
text = text.replace(old, new)
open(path, "w", encoding="utf-8").write(text)
if new not in open(path, encoding="utf-8").read():
    sys.exit(f"patch: {path}: {new!r} missing after the patch")
EOF
}

patch_gophernotes() {
	local src=$1
	# Patch 1 (upstream gophernotes commit 1a743ef, after v0.7.5): the
	# interpreter-side proxy of display.JSONer must have the interface's
	# signature JSON() map[string]interface{}, or the newer gomacro refuses to
	# load the "display" package and the kernel dies at start.
	replace_once "$src/gophernotes/x_package.go" \
		$'\tJSON_  func(interface{}) string\n' \
		$'\tJSON_  func(interface{}) map[string]interface{}\n'
	replace_once "$src/gophernotes/x_package.go" \
		'func (P *proxy_JSONer) JSON() string {' \
		'func (P *proxy_JSONer) JSON() map[string]interface{} {'
	# Patch 2: in plugin mode gomacro names every interface proxy "P_<Name>",
	# so one import block holding two packages that declare the same
	# interface name (gorgonia and tensor both have BLAS) fails to compile
	# ("P_BLAS redeclared"). Prefix proxies with the package path, as gomacro
	# already does in its other mode.
	replace_once "$src/gomacro/base/genimport/genimport.go" \
		$'\t\tgen.proxyprefix = "P_"\n' \
		$'\t\tgen.proxyprefix = fmt.Sprintf("P_%s_", sanitizeIdent(path))\n'
	if grep -q 'gen.proxyprefix = "P_"$' "$src/gomacro/base/genimport/genimport.go"; then
		die "patch 2 incomplete: a plain \"P_\" proxy prefix is left in genimport.go"
	fi
	log "gophernotes: 2 patches applied and checked"
}

build_gophernotes() {
	need_root "building gophernotes into $PREFIX/bin"
	log "gophernotes: building ($STAMP)"
	mkdir -p "$BUILD_DIR" "$PREFIX/bin"
	rm -f "$STAMP_FILE"
	fetch_module github.com/gopherdata/gophernotes "$GOPHERNOTES_VERSION" "$GOPHERNOTES_SUM" "$BUILD_DIR/src/gophernotes"
	fetch_module github.com/cosmos72/gomacro "$GOMACRO_VERSION" "$GOMACRO_SUM" "$BUILD_DIR/src/gomacro"
	patch_gophernotes "$BUILD_DIR/src"

	# A throw-away main module that pins the versions and points at the
	# patched sources.
	cat >"$BUILD_DIR/go.mod" <<EOF
module convnet-gophernotes-build

go ${GOVERSION#go}

// gomacro cannot handle *types.Alias (the default since Go 1.23); without
// this the kernel panics at start.
godebug gotypesalias=0

require (
	github.com/cosmos72/gomacro $GOMACRO_VERSION
	github.com/gopherdata/gophernotes $GOPHERNOTES_VERSION
	golang.org/x/tools $XTOOLS_VERSION
)

replace github.com/gopherdata/gophernotes => ./src/gophernotes

replace github.com/cosmos72/gomacro => ./src/gomacro
EOF
	printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/gopherdata/gophernotes"\n' >"$BUILD_DIR/tools.go"
	rm -f "$BUILD_DIR/go.sum"
	log "gophernotes: go mod tidy"
	(cd "$BUILD_DIR" && go mod tidy) || die "go mod tidy in $BUILD_DIR"
	# go mod tidy may move x/tools; the pin must hold (other versions break).
	grep -Eq "^\s*golang.org/x/tools $XTOOLS_VERSION( // indirect)?\$" "$BUILD_DIR/go.mod" ||
		die "golang.org/x/tools is not at $XTOOLS_VERSION after go mod tidy: $(grep x/tools "$BUILD_DIR/go.mod")"
	align_with_project
	log "gophernotes: go build"
	(cd "$BUILD_DIR" && go build -o "$PREFIX/bin/gophernotes.new" github.com/gopherdata/gophernotes) ||
		die "go build of gophernotes"
	mv -f "$PREFIX/bin/gophernotes.new" "$PREFIX/bin/gophernotes"
}

# modules_of DIR PACKAGES...: "path version" of every module that provides a
# package linked into PACKAGES (built in DIR's main module; the main module
# and replaced modules left out), sorted.
modules_of() {
	local dir=$1
	shift
	(cd "$dir" && go list -deps -f '{{with .Module}}{{if and (not .Main) (not .Replace)}}{{.Path}} {{.Version}}{{end}}{{end}}' "$@") |
		sed '/^$/d' | sort -u
}

# shared_modules: "path project-version kernel-version" of every module
# whose packages both the project and the kernel link.
shared_modules() {
	join <(modules_of "$ROOT" ./...) <(modules_of "$BUILD_DIR" github.com/gopherdata/gophernotes)
}

# align_with_project: a plugin built from a notebook's imports cannot be
# loaded into the kernel when the two link different versions of one
# package ("plugin was built with a different version of package
# github.com/rivo/uniseg"). The plugin takes the project's versions, so the
# kernel is built with the project's version of every module they share.
align_with_project() {
	local shared path want pins=()
	shared=$(shared_modules) || die "go list -deps"
	while read -r path want have; do
		[ -n "$path" ] && [ "$want" != "$have" ] || continue
		[ "$path" != golang.org/x/tools ] ||
			die "the project requires golang.org/x/tools $want; the kernel needs $XTOOLS_VERSION"
		pins+=("-require=$path@$want")
		log "gophernotes: $path $have -> $want (the project's version)"
	done <<<"$shared"
	[ ${#pins[@]} -gt 0 ] || return 0
	(cd "$BUILD_DIR" && go mod edit "${pins[@]}" && go mod tidy) || die "pinning the project's versions in $BUILD_DIR"
	local left
	left=$(shared_modules | awk '$2 != $3') || die "go list -deps"
	[ -z "$left" ] || die "modules at other versions than the project's after pinning (path project kernel): $left"
}

install_kernel_spec() {
	if [ "$(cat "$KERNEL_JSON" 2>/dev/null)" != "$(kernel_spec)" ]; then
		need_root "writing $KERNEL_JSON"
		mkdir -p "$(dirname "$KERNEL_JSON")"
		kernel_spec >"$KERNEL_JSON"
		log "kernel spec: wrote $KERNEL_JSON"
	fi
}

# check_kernel: run a one-cell notebook on the kernel and look for its output.
check_kernel() {
	local tmp
	tmp=$(mktemp -d)
	"$PYTHON" - "$tmp/check.ipynb" <<'EOF'
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell
nb = new_notebook(cells=[new_code_cell('import "fmt"\n_, _ = fmt.Println("kernel ok", 6*7)')])
nb.metadata["kernelspec"] = {"name": "gophernotes", "display_name": "Go (gophernotes)", "language": "go"}
nbformat.write(nb, sys.argv[1])
EOF
	if ! "$PYTHON" "$HERE/execute.py" --out-dir "$tmp/out" --cell-timeout 120 "$tmp/check.ipynb" ||
		! grep -q 'kernel ok 42' "$tmp/out/check.ipynb"; then
		rm -rf "$tmp"
		die "the gophernotes kernel did not run a one-cell notebook (see above)"
	fi
	rm -rf "$tmp"
	log "gophernotes: kernel check passed"
}

if [ "$FORCE" != 1 ] && [ -x "$PREFIX/bin/gophernotes" ] &&
	[ "$(cat "$STAMP_FILE" 2>/dev/null)" = "$STAMP" ] &&
	[ "$(cat "$KERNEL_JSON" 2>/dev/null)" = "$(kernel_spec)" ]; then
	log "gophernotes: up to date ($STAMP)"
else
	build_gophernotes
	install_kernel_spec
	check_kernel
	echo "$STAMP" >"$STAMP_FILE"
	log "gophernotes: installed $PREFIX/bin/gophernotes and $KERNEL_JSON"
fi
log "done"
