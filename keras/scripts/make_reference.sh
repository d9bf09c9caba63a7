#!/usr/bin/env bash
# Regenerates the committed reference of the nsfwjs check (not run by test.sh):
#   keras/testdata/photos/*.png        224x224 RGB crops of Debian sample photos
#   keras/testdata/nsfwjs_reference.json  nsfwjs's probabilities and pooled
#                                        features for them, computed by tfjs
# Steps: apt-get download python3-skimage and python3-sklearn and unpack them
# with dpkg -x (installing skimage pulls ~116 packages), crop and scale the
# photos in Go (keras/internal/mkphotos), install @tensorflow/tfjs@4 and
# nsfwjs@4.4.0 with npm into a scratch folder, run reference.cjs.
# Needs apt-get (Debian 12), go, node, npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && apt-get download -qq python3-skimage python3-sklearn 2>/dev/null)
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$tmp/x"; done
d="$tmp/x/usr/lib/python3/dist-packages"
mkdir -p "$tmp/raw" "$root/keras/testdata/photos"
(cd "$root" && go run ./keras/internal/mkphotos -png keras/testdata/photos -raw "$tmp/raw" \
  "$d"/skimage/data/{astronaut,coffee,chelsea,motorcycle_left}.png \
  "$d"/sklearn/datasets/images/{china,flower}.jpg)

mkdir -p "$tmp/npm"
(cd "$tmp/npm" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @tensorflow/tfjs@4 nsfwjs@4.4.0 >/dev/null)
NODE_PATH="$tmp/npm/node_modules" node "$here/reference.cjs" "$root/keras/testdata/nsfwjs_reference.json" "$tmp"/raw/*.rgb
