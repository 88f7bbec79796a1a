#!/usr/bin/env bash
# Runs pytest against an AddressSanitizer + UndefinedBehaviorSanitizer build of tflite_rt.
#
#   tests/run_sanitized.sh                       # the whole suite
#   tests/run_sanitized.sh tests/test_misuse.py -x -q
#   TFLITE_RT_SAN_NOBUILD=1 tests/run_sanitized.sh ...   # reuse the last sanitized build
#   tests/run_sanitized.sh --run python3 tests/fuzz/mutate_models.py ...   # any command, same set-up
#
# Builds with TFLITE_RT_SANITIZE=1 through tests/dev_build.sh into a private folder
# ($TMPDIR/tflite_rt_build_$TFLITE_RT_SAN_NAME, default "sanitized"; never installed into
# tflite_rt/), then runs pytest with
#   LD_PRELOAD      gcc's libasan + libubsan (the extension needs them first in the process),
#   ASAN_OPTIONS    detect_leaks=0 (CPython's own allocations look like leaks at exit), and
#                   allocator_may_return_null=1 (a huge request fails like it does without ASan),
#   UBSAN_OPTIONS   halt_on_error=1 (the build also has -fno-sanitize-recover=undefined),
#   TFLITE_RT_PKG_DIR / PYTHONPATH  the private copy: tests/conftest.py imports tflite_rt from
#                   there before anything else, subprocesses find it through PYTHONPATH.
# Any sanitizer report aborts the run with a stack trace; the exit status is pytest's.
# Exit 77 (nothing run) when gcc's sanitizer runtimes are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${TFLITE_RT_SAN_NAME:-sanitized}
# The real interpreter, not a pyenv shim: a shim is a bash script that would run under ASan too.
PY=$(python3 -c 'import sys; print(sys.executable)')
asan=$(gcc -print-file-name=libasan.so 2>/dev/null || true)
ubsan=$(gcc -print-file-name=libubsan.so 2>/dev/null || true)
if [ ! -e "$asan" ] || [ ! -e "$ubsan" ] || [ "${asan#/}" = "$asan" ]; then
  echo "run_sanitized: gcc's libasan/libubsan not found (install gcc's libasan8 + libubsan1): not run"
  exit 77
fi
tmp=${TMPDIR:-/tmp}/tflite_rt_build_$name
if [ "${TFLITE_RT_SAN_NOBUILD:-0}" != 1 ] || [ ! -d "$tmp/pkg/tflite_rt" ]; then
  echo "run_sanitized: building the ASan+UBSan extension in $tmp"
  TFLITE_RT_SANITIZE=1 tests/dev_build.sh "$name" | grep -v "^  LD_PRELOAD\|^sanitizer build" || exit 1
fi
pkg=$tmp/pkg
export LD_PRELOAD="$asan $ubsan${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
export TFLITE_RT_PKG_DIR=$pkg
export PYTHONPATH=$pkg${PYTHONPATH:+:$PYTHONPATH}
set +e
if [ "${1:-}" = "--run" ]; then
  shift
  echo "run_sanitized: $* with $pkg (LD_PRELOAD=$LD_PRELOAD)"
  "$@"
else
  echo "run_sanitized: pytest with $pkg (LD_PRELOAD=$LD_PRELOAD)"
  "$PY" -m pytest -p no:cacheprovider "$@"
fi
rc=$?
set -e
if [ $rc -ge 128 ]; then
  echo "run_sanitized: the command died (status $rc): a sanitizer report or a crash; see the output above"
fi
exit $rc
