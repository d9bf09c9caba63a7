#!/usr/bin/env bash
# Extracts skimage's LFW faces/non-faces subset (lfw_subset.npy: 200 grey
# 25x25 images, float64; the first 100 are faces) from Debian 12's
# python3-skimage package into keras/testdata/skimage/ (git-ignored), for
# examples/transfer. The package is fetched with apt-get download and unpacked
# with dpkg -x (installing it would pull in ~116 packages). Idempotent, quiet.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../testdata/skimage"
want=1000080 # bytes of lfw_subset.npy in python3-skimage 0.19.3-8
if [ "$(stat -c %s "$out/lfw_subset.npy" 2>/dev/null || echo 0)" = "$want" ]; then
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && { apt-get download -qq python3-skimage >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download -qq python3-skimage >/dev/null; }; })
dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
mkdir -p "$out"
cp "$tmp/x/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy" "$out/lfw_subset.npy.tmp"
mv "$out/lfw_subset.npy.tmp" "$out/lfw_subset.npy"
size="$(stat -c %s "$out/lfw_subset.npy")"
if [ "$size" != "$want" ]; then
  echo "fetch_skimage.sh: lfw_subset.npy has $size bytes, want $want" >&2
  exit 1
fi
