#!/usr/bin/env bash
# Fetches the npm package nsfwjs 4.4.0 (MIT) and extracts its Keras MobileNetV2
# (a TF.js layers model: model.json + one uint8-quantised weight shard) into
# keras/testdata/nsfwjs/mobilenet_v2/ (git-ignored). The package wraps both files
# in UMD JavaScript; node require()s them to get the JSON object and the base64
# string of the shard. Idempotent and quiet: does nothing when the files are
# there and have the expected sizes. Needs npm and node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../testdata/nsfwjs/mobilenet_v2"
version=4.4.0
want_shard=2619461 # bytes, the sum of the manifest's weight sizes

if [ -f "$out/model.json" ] && [ "$(stat -c %s "$out/group1-shard1of1.bin" 2>/dev/null || echo 0)" = "$want_shard" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_nsfwjs.sh: npm is not installed" >&2; exit 1; }
command -v node >/dev/null || { echo "fetch_nsfwjs.sh: node is not installed" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "nsfwjs@$version" >/dev/null && tar xzf "nsfwjs-$version.tgz")
mkdir -p "$out"
node "$here/extract_nsfwjs.cjs" "$tmp/package/dist/models/mobilenet_v2" "$out"
size="$(stat -c %s "$out/group1-shard1of1.bin")"
if [ "$size" != "$want_shard" ]; then
  echo "fetch_nsfwjs.sh: extracted shard has $size bytes, want $want_shard" >&2
  exit 1
fi
