#!/usr/bin/env bash
# Builds the libFuzzer harness tests/fuzz/fuzz_interpreter.c (the C core linked directly,
# clang -fsanitize=fuzzer,address,undefined) and runs it.
#
#   tests/fuzz/run_libfuzzer.sh [SECONDS [JOBS]]      default 60 s, 1 job
#   tests/fuzz/run_libfuzzer.sh --build-only
#   tests/fuzz/run_libfuzzer.sh --replay FILE...       run files through the harness once
#
# Work folder: $TFLITE_RT_FUZZ_DIR (default $TMPDIR/tflite_rt_libfuzzer): obj/ (incremental
# build), seeds/ (tests/fuzz/make_seeds.py), corpus/ (what libFuzzer keeps), artifacts/.
# Runs in fork mode (-fork=JOBS): a timeout (a WHILE loop whose condition stays true is the
# model's semantics) or an OOM does not end the run; they are listed at the end. Exit status:
# 0 = no crash, 1 = crash/leak/sanitizer report (artifacts listed), 77 = clang or libFuzzer
# missing (nothing run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# TFLITE_RT_FUZZ_SAN=memory: MemorySanitizer instead of ASan+UBSan (uninitialized reads; its
# own work folder, since every object must be instrumented the same way)
FUZZ_SAN=${TFLITE_RT_FUZZ_SAN:-address}
OUT=${TFLITE_RT_FUZZ_DIR:-${TMPDIR:-/tmp}/tflite_rt_libfuzzer}
[ "$FUZZ_SAN" = memory ] && OUT=$OUT-msan
CC=${CC_FUZZ:-clang}
mode=run
if [ "${1:-}" = "--build-only" ]; then mode=build; shift; fi
if [ "${1:-}" = "--replay" ]; then mode=replay; shift; fi
SECS=60
JOBS=1
if [ "$mode" = run ]; then SECS=${1:-60}; JOBS=${2:-1}; fi

if ! command -v "$CC" >/dev/null 2>&1; then
  echo "run_libfuzzer: $CC not found (apt-get install -y clang libclang-rt-14-dev): not run"
  exit 77
fi
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"
probe="$OUT/probe.c"
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t* d, size_t n) { return 0; }\n' >"$probe"
probe_san=address,undefined
[ "$FUZZ_SAN" = memory ] && probe_san=memory
if ! "$CC" -fsanitize=fuzzer,$probe_san "$probe" -o "$OUT/probe" >/dev/null 2>&1; then
  echo "run_libfuzzer: $CC cannot link -fsanitize=fuzzer (libclang-rt-14-dev missing?): not run"
  exit 77
fi

if [ "$FUZZ_SAN" = memory ]; then
  SAN="-fsanitize=memory -fsanitize-memory-track-origins=2 -fno-omit-frame-pointer"
else
  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fi
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-wrapv -Icsrc/include -Icsrc -Wno-unused-command-line-argument"
machine=$(uname -m)
isa_flags() {  # the flags setup.py gives each ISA folder
  case "$1" in
    x86_avx2) echo "-mavx2 -mfma -mf16c" ;;
    x86_avx512) echo "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni -mfma -mf16c" ;;
    *) echo "" ;;
  esac
}
isa_built() {
  case "$1" in
    x86_avx2|x86_avx512) [ "$machine" = x86_64 ] ;;
    arm_neon) [ "$machine" = aarch64 ] || [ "$machine" = armv7l ] ;;
    *) return 1 ;;
  esac
}

# sources: like setup.py (core, plus each ISA folder built for this machine with its flags)
srcs=()
while IFS= read -r f; do
  case "$f" in
    csrc/delegates/*) continue ;;
    csrc/kernels/x86_avx2/*|csrc/kernels/x86_avx512/*|csrc/kernels/arm_neon/*)
      d=${f#csrc/kernels/}; d=${d%%/*}; isa_built "$d" || continue ;;
  esac
  srcs+=("$f")
done < <(find csrc -name '*.c' | sort)

# incremental: a header newer than the stamp rebuilds everything
stamp="$OUT/obj/.stamp"
if [ -e "$stamp" ] && [ -n "$(find csrc -name '*.h' -newer "$stamp" -o -name '*.inc' -newer "$stamp" | head -1)" ]; then
  rm -f "$OUT"/obj/*.o
fi
objs=()
todo=()
for f in "${srcs[@]}"; do
  o="$OUT/obj/$(echo "$f" | tr / _).o"
  objs+=("$o")
  if [ ! -e "$o" ] || [ "$f" -nt "$o" ]; then todo+=("$f"); fi
done
compile_one() {
  f=$1
  o="$OUT/obj/$(echo "$f" | tr / _).o"
  extra=""
  case "$f" in
    csrc/kernels/x86_avx2/*) extra=$(isa_flags x86_avx2) ;;
    csrc/kernels/x86_avx512/*) extra=$(isa_flags x86_avx512) ;;
  esac
  # shellcheck disable=SC2086
  "$CC" $CFLAGS $SAN -fsanitize=fuzzer-no-link $extra -c "$f" -o "$o.tmp" && mv "$o.tmp" "$o"
}
export -f compile_one isa_flags
export OUT CC CFLAGS SAN
if [ ${#todo[@]} -gt 0 ]; then
  echo "run_libfuzzer: compiling ${#todo[@]} of ${#srcs[@]} files with $CC"
  printf '%s\n' "${todo[@]}" | xargs -P "$(nproc)" -I{} bash -c 'compile_one "$@"' _ {}
fi
touch "$stamp"
# shellcheck disable=SC2086
"$CC" $CFLAGS $SAN -fsanitize=fuzzer tests/fuzz/fuzz_interpreter.c "${objs[@]}" -o "$OUT/fuzz_interpreter" -lm -lpthread -ldl
echo "run_libfuzzer: built $OUT/fuzz_interpreter"
[ "$mode" = build ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ "$mode" = replay ]; then
  rc=0
  for f in "$@"; do "$OUT/fuzz_interpreter" -timeout=120 -rss_limit_mb=4096 "$f" >/dev/null 2>"$OUT/replay.log" || {
    rc=1; echo "== $f"; tail -40 "$OUT/replay.log"; }; done
  [ $rc = 0 ] && echo "run_libfuzzer: replayed $# files: no crash"
  exit $rc
fi

python3 tests/fuzz/make_seeds.py "$OUT/seeds" >/dev/null
before=$(ls "$OUT/artifacts" | wc -l)
log="$OUT/fuzz.log"
echo "run_libfuzzer: $SECS s, $JOBS job(s), corpus $OUT/corpus (+ seeds), artifacts $OUT/artifacts, log $log"
set +e
"$OUT/fuzz_interpreter" -fork="$JOBS" -max_total_time="$SECS" -max_len=65536 -timeout=25 -rss_limit_mb=3072 \
  -malloc_limit_mb=1024 -artifact_prefix="$OUT/artifacts/" -print_final_stats=1 \
  "$OUT/corpus" "$OUT/seeds" >"$log" 2>&1
rc=$?
set -e
grep -E "^#[0-9]+.*(DONE|pulse)|INFO: fuzzed for|stat::|crash|timeouts:|ooms:" "$log" | tail -12 || true
mapfile -t new < <(ls -t "$OUT/artifacts" | head -n $(( $(ls "$OUT/artifacts" | wc -l) - before )))
crashes=0
for a in "${new[@]}"; do
  case "$a" in
    crash-*|leak-*|undefined-*) crashes=$((crashes + 1)); echo "FINDING $OUT/artifacts/$a" ;;
    *) echo "note: $OUT/artifacts/$a (timeout/oom/slow: replay it to check)" ;;
  esac
done
if [ $crashes -gt 0 ] || { [ $rc -ne 0 ] && ! grep -q "INFO: fuzzed for\|Done [0-9]* runs" "$log"; }; then
  echo "run_libfuzzer: FAILED (exit $rc, $crashes crash artifact(s)); see $log"
  grep -B2 -A30 "ERROR: \|runtime error" "$log" | head -80 || true
  exit 1
fi
echo "run_libfuzzer: no crash in $SECS s"
