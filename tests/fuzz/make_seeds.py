#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer harness (tests/fuzz/fuzz_interpreter.c) into DIR:
tests/models/*.tflite, the builder-made control-flow models of mutate_models.py, the one-op
models of tests/test_tflite_builder_ops.py and, when present, the small corpus models of
../shared/models (at most --max-bytes each).

    python3 tests/fuzz/make_seeds.py /tmp/fuzz_seeds
"""
import argparse
import glob
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "tests"), ROOT]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--max-bytes", type=int, default=65536)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    n = 0
    for p in sorted(glob.glob(os.path.join(ROOT, "tests", "models", "*.tflite"))):
        if os.path.getsize(p) <= args.max_bytes:
            shutil.copy(p, os.path.join(args.dir, os.path.basename(p)))
            n += 1
    import mutate_models as mm
    for name in mm.EXTRA_MODELS:
        with open(os.path.join(args.dir, name + ".tflite"), "wb") as f:
            f.write(mm.model_bytes(name))
        n += 1
    try:
        cases = mm.builder_cases()
    except Exception as e:  # noqa: BLE001 - the seeds are a convenience
        print(f"builder cases skipped: {e}", file=sys.stderr)
        cases = []
    for name in cases:
        try:
            data = mm.model_bytes(name)
        except Exception as e:  # noqa: BLE001
            print(f"{name} skipped: {e}", file=sys.stderr)
            continue
        if len(data) <= args.max_bytes:
            with open(os.path.join(args.dir, name.replace(":", "_") + ".tflite"), "wb") as f:
                f.write(data)
            n += 1
    shared = os.environ.get("TFLITE_RT_CORPUS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models"))
    for p in sorted(glob.glob(os.path.join(shared, "*.tflite"))):
        if os.path.getsize(p) <= args.max_bytes:
            shutil.copy(p, os.path.join(args.dir, os.path.basename(p)))
            n += 1
    print(f"{n} seeds in {args.dir}")


if __name__ == "__main__":
    main()
