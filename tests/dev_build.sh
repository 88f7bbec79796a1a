#!/usr/bin/env bash
# Developer build: compiles the C core and the extension in a private build folder, then
#  - copies the package with the fresh extension to $TMPDIR/tflite_rt_build_NAME/pkg (use it with
#    PYTHONPATH=... for measurements that must not see other people's rebuilds), and
#  - unless this is a sanitizer build, moves the extension into tflite_rt/ (an in-place build
#    that several people can run at once).
#   tests/dev_build.sh [NAME]       NAME keeps build folders apart (default: $USER)
# Extra environment: TFLITE_RT_SANITIZE=1, TFLITE_RT_DEBUG=1 (see setup.py).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-${USER:-dev}}
tmp=${TMPDIR:-/tmp}/tflite_rt_build_$name
mkdir -p "$tmp"
rm -f "$tmp"/out/tflite_rt/_native*.so  # build_ext does not see the core library change
python3 setup.py -q build_clib --force --build-temp "$tmp/t" --build-clib "$tmp/lib" \
  build_ext --build-temp "$tmp/t" --build-lib "$tmp/out" >"$tmp/log" 2>&1 || { grep -v "^copying\|^creating" "$tmp/log" | tail -40; exit 1; }
grep -E "warning:|error:" "$tmp/log" | head -20 || true
so=$(ls "$tmp"/out/tflite_rt/_native*.so)
rm -rf "$tmp/pkg" && mkdir -p "$tmp/pkg" && cp -r tflite_rt "$tmp/pkg/" && rm -f "$tmp"/pkg/tflite_rt/_native*.so
cp "$so" "$tmp/pkg/tflite_rt/"
cp "$tmp"/out/tflite_rt/delegates/libtflrt_*.so "$tmp/pkg/tflite_rt/delegates/" 2>/dev/null || true  # delegate plugins
echo "private copy: PYTHONPATH=$tmp/pkg"
if [ "${TFLITE_RT_SANITIZE:-0}" = "1" ]; then
  echo "sanitizer build: not installed into tflite_rt/. Run with"
  echo "  LD_PRELOAD=\"\$(gcc -print-file-name=libasan.so) \$(gcc -print-file-name=libubsan.so)\" ASAN_OPTIONS=detect_leaks=0 PYTHONPATH=$tmp/pkg python3 ..."
  exit 0
fi
cp "$so" "tflite_rt/.$(basename "$so").$$" && mv -f "tflite_rt/.$(basename "$so").$$" "tflite_rt/$(basename "$so")"
echo "built tflite_rt/$(basename "$so")"
# delegate plugins shipped with the package (csrc/delegates/NAME -> tflite_rt/delegates/libtflrt_NAME.so)
for p in "$tmp"/out/tflite_rt/delegates/libtflrt_*.so; do
  [ -e "$p" ] || continue
  cp "$p" "tflite_rt/delegates/.$(basename "$p").$$" && mv -f "tflite_rt/delegates/.$(basename "$p").$$" "tflite_rt/delegates/$(basename "$p")"
done
