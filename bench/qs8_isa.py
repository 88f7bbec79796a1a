"""int8 model latency per kernel ISA against LiteRT, in one process, runs alternating.

    python3 bench/qs8_isa.py [--rounds 40] [--json out.json] [MODEL.tflite ...]

For each model: tflite_rt with kernels capped at ref, avx2 and avx512 (a cap above what the CPU
has runs the best available ISA, and is listed once), and LiteRT (ai_edge_litert, default
resolver, i.e. with XNNPACK), all with one thread. Each round invokes every runner once, in the
same order, so load changes on the machine hit all of them alike; the reference kernels run
every 5th round only (they are ~30x slower). Reports median and minimum per runner and the
ratio of medians to LiteRT, and checks the tflite_rt outputs against the model's golden
ref_out0 (LiteRT BUILTIN_REF) when ../shared/golden has it.
Default models: ../shared/models/mobilenet_v2_100__int8.tflite and mobilenet_v1_100__int8.tflite.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))


def golden_for(path):
    g = os.path.join(os.path.dirname(os.path.dirname(path)), "golden",
                     os.path.basename(path).replace(".tflite", ".npz"))
    return np.load(g) if os.path.exists(g) else None


def inputs_for(details, golden, rng):
    out = []
    for i, d in enumerate(details):
        if golden is not None and f"in{i}" in golden.files:
            out.append(golden[f"in{i}"])
        else:
            info = np.iinfo(d["dtype"]) if np.issubdtype(d["dtype"], np.integer) else None
            out.append(rng.integers(info.min, info.max + 1, d["shape"]).astype(d["dtype"]) if info
                       else rng.standard_normal(d["shape"]).astype(d["dtype"]))
    return out


def rt_runner(path, cap, golden, rng):
    from tflite_rt import _native
    it = _native.NativeInterpreter(_native.NativeModel.from_file(path), num_threads=1, isa_cap=cap)
    it.allocate()
    ins = it.inputs()
    details = [{"shape": it.tensor_info(0, t)["shape"], "dtype": _native.dtype_of(it.tensor_info(0, t)["type"])}
               for t in ins]
    for t, x in zip(ins, inputs_for(details, golden, rng)):
        it.set_tensor(0, t, x)
    return it.isa(), it.invoke, lambda: np.array(it.get_tensor(0, it.outputs()[0]))


def litert_runner(path, golden, rng):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    details = it.get_input_details()
    for d, x in zip(details, inputs_for(details, golden, rng)):
        it.set_tensor(d["index"], x)
    return "litert", it.invoke, lambda: it.get_tensor(it.get_output_details()[0]["index"])


def bench(path, rounds):
    golden = golden_for(path)
    runners, seen = [], set()
    for cap in (0, 1, 2):
        r = rt_runner(path, cap, golden, np.random.default_rng(0))
        if r[0] not in seen:
            seen.add(r[0])
            runners.append(r)
    try:
        runners.append(litert_runner(path, golden, np.random.default_rng(0)))
    except ImportError:
        pass
    for _, inv, _ in runners:
        inv()  # warm-up
    times = {name: [] for name, _, _ in runners}
    for r in range(rounds):
        for name, inv, _ in runners:
            if name == "ref" and r % 5:
                continue
            t0 = time.perf_counter()
            inv()
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["litert"]) if "litert" in times else None
    res = {"model": os.path.basename(path), "runners": {}}
    for name, _, out in runners:
        med, mn = statistics.median(times[name]), min(times[name])
        entry = {"median_ms": med * 1e3, "min_ms": mn * 1e3, "n": len(times[name])}
        if base:
            entry["median_vs_litert"] = med / base
        if golden is not None and "ref_out0" in golden.files and name != "litert":
            entry["equals_golden_ref_out0"] = bool(np.array_equal(out(), golden["ref_out0"]))
        res["runners"][name] = entry
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    models = a.models or [os.path.join(SHARED, "models", m) for m in
                          ("mobilenet_v2_100__int8.tflite", "mobilenet_v1_100__int8.tflite")]
    results = []
    for m in models:
        r = bench(m, a.rounds)
        results.append(r)
        print(r["model"])
        for name, e in r["runners"].items():
            extra = f"  {e['median_vs_litert']:.2f}x LiteRT" if "median_vs_litert" in e else ""
            gold = "" if "equals_golden_ref_out0" not in e else f"  golden {'ok' if e['equals_golden_ref_out0'] else 'DIFFERS'}"
            print(f"  {name:7s} median {e['median_ms']:8.2f} ms  min {e['min_ms']:8.2f} ms  n={e['n']:3d}{extra}{gold}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
