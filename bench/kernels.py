#!/usr/bin/env python3
"""Kernel micro-benchmarks: GFLOP/s and GB/s of the hot kernels under every ISA this CPU has.

Each case is a one-op model (CONV_2D 1x1 and 3x3, DEPTHWISE_CONV_2D 3x3, FULLY_CONNECTED) in
float32 and int8, written in memory by tflite_rt._model_writer, run by tflite_rt with the
kernel ISA capped at each available level (NativeInterpreter's isa_cap, the same cap as the
TFLITE_RT_ISA environment variable). With --litert the same models also run under LiteRT
(XNNPACK) as a yardstick.

    python3 bench/kernels.py                       # all cases, all ISAs, 1 thread
    python3 bench/kernels.py --ops CONV_2D --dtypes int8 --num_threads 2 --json k.json

GFLOP/s = 2 x multiply-accumulates / median time. GB/s = (input + output + weight bytes) /
median time: a lower bound of the traffic (caches hide re-reads), useful for the memory-bound
cases (depthwise, fully connected at batch 1). See bench/README.md: single runs lie.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # run from a checkout without installing

from tflite_rt import _native  # noqa: E402
from tflite_rt._model_writer import one_op_model  # noqa: E402
from tflite_rt.benchmark import Stats  # noqa: E402

ISA_IDS = {"ref": 0, "avx2": 1, "avx512": 2, "neon": 3}  # csrc/kernels/kernels.h tflrt_isa

# (label, op, shape arguments of one_op_model): MobileNet-like layer sizes
CASES = [
    ("conv1x1 28x28x128->128", "CONV_2D", dict(h=28, w=28, cin=128, cout=128, k=1)),
    ("conv3x3 28x28x64->64", "CONV_2D", dict(h=28, w=28, cin=64, cout=64, k=3)),
    ("dwconv3x3 56x56x128", "DEPTHWISE_CONV_2D", dict(h=56, w=56, cin=128, k=3)),
    ("fc 1x1024->1000", "FULLY_CONNECTED", dict(cin=1024, units=1000)),
]


def available_isas():
    """ISA levels this CPU runs, from /proc/cpuinfo (what tflite_rt's dispatch would detect)."""
    m = platform.machine().lower()
    if m in ("aarch64", "arm64"):
        return ["ref", "neon"]
    if m not in ("x86_64", "amd64"):
        return ["ref"]
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        return ["ref"]
    out = ["ref"]
    if {"avx2", "fma"} <= flags:
        out.append("avx2")
        if {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags:
            out.append("avx512")
    return out


def _time(invoke, num_runs, min_secs, max_secs, warmup):
    for _ in range(warmup):
        invoke()
    samples, t0 = [], time.perf_counter()
    while True:
        el = time.perf_counter() - t0
        if (len(samples) >= num_runs and el >= min_secs) or el >= max_secs:
            break
        t = time.perf_counter_ns()
        invoke()
        samples.append((time.perf_counter_ns() - t) / 1e3)
    return Stats.of(samples)


def _input(it_native, rng):
    t = it_native.inputs(0)[0]
    info = it_native.tensor_info(0, t)
    dt = np.dtype(_native.dtype_of(info["type"]))
    if dt.kind == "f":
        x = rng.uniform(-1, 1, size=info["shape"]).astype(dt)
    else:
        x = rng.integers(-128, 128, size=info["shape"]).astype(dt)
    return t, x


def run_tflite_rt(data, isa, threads, args, skip_isas=()):
    """(ISA that ran, Stats or None when that ISA is in skip_isas)."""
    model = _native.NativeModel.from_bytes(data)
    it = _native.NativeInterpreter(model, num_threads=threads, isa_cap=ISA_IDS[isa])
    if it.isa() in skip_isas:
        return it.isa(), None
    it.allocate(0)
    t, x = _input(it, np.random.default_rng(0))
    it.set_tensor(0, t, x)
    stats = _time(lambda: it.invoke(0), args.num_runs, args.min_secs, args.max_secs, args.warmup_runs)
    return it.isa(), stats


def run_litert(data, threads, args):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=data, num_threads=threads)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    rng = np.random.default_rng(0)
    x = (rng.uniform(-1, 1, size=d["shape"]) if d["dtype"] == np.float32
         else rng.integers(-128, 128, size=d["shape"])).astype(d["dtype"])
    it.set_tensor(d["index"], x)
    return _time(it.invoke, args.num_runs, args.min_secs, args.max_secs, args.warmup_runs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ops", nargs="*", default=None, help="CONV_2D DEPTHWISE_CONV_2D FULLY_CONNECTED (default all)")
    ap.add_argument("--dtypes", nargs="*", default=["float32", "int8"])
    ap.add_argument("--isas", nargs="*", default=None, help="ISA caps to try (default: all this CPU has)")
    ap.add_argument("--num_threads", type=int, default=1)
    ap.add_argument("--num_runs", type=int, default=10)
    ap.add_argument("--warmup_runs", type=int, default=1)
    ap.add_argument("--min_secs", type=float, default=0.5)
    ap.add_argument("--max_secs", type=float, default=20.0)
    ap.add_argument("--litert", action="store_true", help="also time LiteRT (XNNPACK) on the same one-op models")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    isas = args.isas or available_isas()
    unknown = [i for i in isas if i not in ISA_IDS]
    if unknown:
        ap.error(f"unknown ISA {unknown}; known: {sorted(ISA_IDS)}")
    cases = [c for c in CASES if args.ops is None or c[1] in args.ops]
    rows = []
    print(f"# tflite_rt kernel micro-benchmarks: {platform.machine()}, ISAs {', '.join(isas)}, "
          f"{args.num_threads} thread(s), median of >= {args.num_runs} runs / {args.min_secs:g} s")
    try:
        load = os.getloadavg()[0]
        if load > (os.cpu_count() or 1) * 0.75:
            print(f"# WARNING: load average {load:.1f} on {os.cpu_count()} CPUs: numbers are contended")
    except OSError:
        pass
    print()
    print("| case | dtype | ISA cap | kernels ran | median us | min us | GFLOP/s | GB/s |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    for label, op, shape in cases:
        for dtype in args.dtypes:
            data, flops, moved = one_op_model(op, dtype, **shape)
            seen = {}
            for isa in isas:
                ran, st = run_tflite_rt(data, isa, args.num_threads, args, skip_isas=seen)
                if st is None:
                    print(f"| {label} | {dtype} | {isa} | {ran} (same kernels as cap {seen[ran]}: not re-timed) "
                          "| | | | |", flush=True)
                    continue
                row = {"case": label, "op": op, "dtype": dtype, "isa_cap": isa, "isa": ran, "runtime": "tflite_rt",
                       "flops": flops, "bytes": moved, "threads": args.num_threads, "stats_us": st.__dict__,
                       "gflops": flops / (st.median * 1e3), "gbps": moved / (st.median * 1e3)}
                seen[ran] = isa
                rows.append(row)
                print(f"| {label} | {dtype} | {isa} | {ran} | {st.median:,.1f} | {st.min:,.1f} | "
                      f"{row['gflops']:.2f} | {row['gbps']:.2f} |", flush=True)
            if args.litert:
                try:
                    st = run_litert(data, args.num_threads, args)
                except ImportError:
                    print("| (LiteRT not installed) |")
                    args.litert = False
                    continue
                row = {"case": label, "op": op, "dtype": dtype, "isa_cap": None, "isa": "XNNPACK",
                       "runtime": "litert", "flops": flops, "bytes": moved, "threads": args.num_threads,
                       "stats_us": st.__dict__, "gflops": flops / (st.median * 1e3), "gbps": moved / (st.median * 1e3)}
                rows.append(row)
                print(f"| {label} | {dtype} | LiteRT | XNNPACK | {st.median:,.1f} | {st.min:,.1f} | "
                      f"{row['gflops']:.2f} | {row['gbps']:.2f} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "tflite_rt.kernels/1", "machine": platform.machine(), "isas": isas, "rows": rows}, f,
                      indent=2)
        print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
