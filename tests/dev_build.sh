#!/usr/bin/env bash
# Developer build: compiles the C core and the extension in a private build folder and moves
# the extension into tflite_rt/ (an in-place build that several people can run at once).
#   tests/dev_build.sh [NAME]       NAME keeps build folders apart (default: $USER)
# Extra environment: TFLITE_RT_SANITIZE=1, TFLITE_RT_DEBUG=1 (see setup.py).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-${USER:-dev}}
tmp=${TMPDIR:-/tmp}/tflite_rt_build_$name
mkdir -p "$tmp"
rm -f "$tmp"/out/tflite_rt/_native*.so  # build_ext does not see the core library change
python3 setup.py -q build_clib --build-temp "$tmp/t" --build-clib "$tmp/lib" \
  build_ext --build-temp "$tmp/t" --build-lib "$tmp/out" >"$tmp/log" 2>&1 || { cat "$tmp/log" | grep -v "^copying\|^creating" | tail -40; exit 1; }
grep -E "warning:|error:" "$tmp/log" | head -20 || true
so=$(ls "$tmp"/out/tflite_rt/_native*.so)
cp "$so" "tflite_rt/.$(basename "$so").$$" && mv -f "tflite_rt/.$(basename "$so").$$" "tflite_rt/$(basename "$so")"
echo "built tflite_rt/$(basename "$so")"
