"""The `tflite-rt` command: run a model on a shell (more subcommands: inspect, bench)."""
import argparse
import os
import sys
import time

import numpy as np

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "mnist_int8.tflite")


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


def _make_input(detail, mode, rng):
    shape, dtype = tuple(int(d) for d in detail["shape"]), np.dtype(detail["dtype"])
    if mode == "zeros":
        return np.zeros(shape, dtype)
    if dtype.kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, int(info.max) + 1, size=shape, dtype=dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    raise CliError(f"cannot generate input of type {dtype}")


def _load_inputs(path, details):
    data = np.load(path)
    if isinstance(data, np.ndarray):
        arrays = [data]
    else:
        keys = list(data.files)
        arrays = [data[d["name"]] if d["name"] in keys else data[keys[i]] for i, d in enumerate(details)]
    if len(arrays) != len(details):
        raise CliError(f"{path} has {len(arrays)} arrays but the model has {len(details)} inputs")
    return arrays


def _summary(name, arr, topk):
    s = f"{name}: {arr.dtype}{list(arr.shape)}"
    flat = arr.reshape(-1)
    if flat.size and arr.dtype.kind in "fiu":
        s += f" min {flat.min():.6g} max {flat.max():.6g} mean {flat.astype(np.float64).mean():.6g}"
        if arr.ndim >= 1 and arr.shape[-1] > 1 and (arr.ndim == 1 or int(np.prod(arr.shape[:-1])) == 1):
            order = np.argsort(-flat.astype(np.float64), kind="stable")[:topk]
            s += "\n  top-%d: " % len(order) + ", ".join(f"[{i}] {flat[i]:.6g}" for i in order)
    return s


def cmd_run(args):
    from tflite_rt import Interpreter

    model = SAMPLE if args.sample else args.model
    if model is None:
        raise CliError("give a model path or --sample")
    if not os.path.isfile(model):
        raise CliError(f"no such model file: {model}")
    t0 = time.perf_counter()
    it = Interpreter(model_path=model, num_threads=args.num_threads)
    it.allocate_tensors()
    t_init = time.perf_counter() - t0
    details = it.get_input_details()
    rng = np.random.default_rng(args.seed)
    if args.input:
        arrays = _load_inputs(args.input, details)
    else:
        arrays = [_make_input(d, args.generate, rng) for d in details]
    for d, a in zip(details, arrays):
        it.set_tensor(d["index"], np.asarray(a, dtype=d["dtype"]).reshape(d["shape"]))
    times = []
    for _ in range(max(1, args.runs)):
        t = time.perf_counter()
        it.invoke()
        times.append(time.perf_counter() - t)
    outs = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
    print(f"model: {model}")
    print(f"kernels: {it.kernel_isa}, threads: {args.num_threads}")
    for d, a in zip(details, arrays):
        print("input  " + _summary(d["name"], np.asarray(a), args.topk))
    for name, a in outs.items():
        print("output " + _summary(name, a, args.topk))
    ms = np.array(times) * 1e3
    print(f"init {t_init * 1e3:.2f} ms; invoke x{len(ms)}: first {ms[0]:.3f} ms, median {np.median(ms):.3f} ms, "
          f"min {ms.min():.3f} ms")
    if args.save:
        np.savez(args.save, **outs)
        print(f"outputs saved to {args.save}")
    return 0


def build_parser():
    ap = argparse.ArgumentParser(prog="tflite-rt", description="Run .tflite models with tflite_rt.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a model once and print its outputs and timing")
    r.add_argument("model", nargs="?", help="path to a .tflite model")
    r.add_argument("--sample", action="store_true", help="run the sample model shipped with the package")
    r.add_argument("--input", help=".npy or .npz file with the inputs (npz keys: input names, or in order)")
    r.add_argument("--generate", choices=["random", "zeros"], default="random", help="generated inputs")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--num_threads", type=int, default=1)
    r.add_argument("--runs", type=int, default=10, help="invocations to time")
    r.add_argument("--topk", type=int, default=5)
    r.add_argument("--save", help="write outputs to this .npz")
    r.set_defaults(fn=cmd_run)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except CliError as e:
        print(f"tflite-rt: error: {e}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError, MemoryError, OSError) as e:
        print(f"tflite-rt: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
