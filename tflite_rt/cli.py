"""The `tflite-rt` command.

    tflite-rt run MODEL       run a model on given, generated or image inputs; print the outputs
    tflite-rt inspect MODEL   inputs, outputs, signatures, op table (supported or not), memory plan
    tflite-rt bench MODEL     benchmark_model's flags and report; --compare litert|onnxruntime

User errors (bad path, unsupported model, bad flag value) print one line on stderr and exit
with status 2; see docs/cli.md.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "mnist_int8.tflite")
EXIT_USAGE = 2
EXIT_UNSUPPORTED = 3  # inspect --fail-on-unsupported


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


# ---------------------------------------------------------------------------------------------
# inputs: files, generated, images
# ---------------------------------------------------------------------------------------------

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
    if not os.path.isfile(path):
        raise CliError(f"no such input file: {path}")
    try:
        data = np.load(path)
    except Exception as e:  # numpy raises ValueError/OSError/UnpicklingError for bad files
        raise CliError(f"cannot read {path} as .npy/.npz: {e}") from None
    if isinstance(data, np.ndarray):
        arrays = [data]
    else:
        keys = list(data.files)
        if len(keys) != len(details):
            raise CliError(f"{path} has {len(keys)} arrays but the model has {len(details)} inputs")
        arrays = [data[d["name"]] if d["name"] in keys else data[keys[i]] for i, d in enumerate(details)]
    if len(arrays) != len(details):
        raise CliError(f"{path} has {len(arrays)} arrays but the model has {len(details)} inputs")
    return arrays


def _read_pnm(path):
    """Netpbm P2/P3 (ASCII) and P5/P6 (binary) grey/RGB images -> HxWxC uint8."""
    with open(path, "rb") as f:
        data = f.read()
    tokens, pos = [], 0
    while len(tokens) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            while pos < len(data) and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace():
            pos += 1
        if start == pos:
            raise CliError(f"{path}: truncated PNM header")
        tokens.append(data[start:pos])
    magic = tokens[0]
    if magic not in (b"P2", b"P3", b"P5", b"P6"):
        raise CliError(f"{path}: not a PGM/PPM file (magic {magic!r})")
    try:
        w, h, maxval = (int(t) for t in tokens[1:4])
    except ValueError:
        raise CliError(f"{path}: bad PNM header") from None
    if w <= 0 or h <= 0 or not 0 < maxval < 65536:
        raise CliError(f"{path}: bad PNM size or maxval")
    c = 3 if magic in (b"P3", b"P6") else 1
    n = w * h * c
    if magic in (b"P5", b"P6"):
        pos += 1  # one whitespace byte after maxval
        dt = np.dtype(">u2") if maxval > 255 else np.dtype(np.uint8)
        raw = np.frombuffer(data, dtype=dt, count=n, offset=pos) if len(data) - pos >= n * dt.itemsize else None
        if raw is None:
            raise CliError(f"{path}: truncated image data")
    else:
        raw = np.array(data[pos:].split()[:n], dtype=np.int64)
        if raw.size != n:
            raise CliError(f"{path}: truncated image data")
    img = raw.astype(np.float64).reshape(h, w, c)
    if maxval != 255:
        img = img * (255.0 / maxval)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def read_image(path):
    """An image file as HxWxC uint8 (C = 1 or 3). .ppm/.pgm/.pnm without Pillow; others need it."""
    if not os.path.isfile(path):
        raise CliError(f"no such image file: {path}")
    if os.path.splitext(path)[1].lower() in (".ppm", ".pgm", ".pnm"):
        return _read_pnm(path)
    try:
        from PIL import Image
    except ImportError:
        raise CliError(f"reading {os.path.splitext(path)[1] or 'this'} images needs Pillow (pip install pillow); "
                       ".ppm/.pgm images work without it") from None
    try:
        with Image.open(path) as im:
            im = im.convert("L" if im.mode in ("1", "L", "I;16", "I") else "RGB")
            arr = np.asarray(im, dtype=np.uint8)
    except OSError as e:
        raise CliError(f"cannot read image {path}: {e}") from None
    return arr[:, :, None] if arr.ndim == 2 else arr


def resize_bilinear(img, h, w):
    """HxWxC -> hxwxC float64, bilinear with half-pixel centers (like TF's resize with
    half_pixel_centers=True)."""
    H, W = img.shape[:2]
    if (H, W) == (h, w):
        return img.astype(np.float64)
    ys = np.clip((np.arange(h) + 0.5) * H / h - 0.5, 0, H - 1)
    xs = np.clip((np.arange(w) + 0.5) * W / w - 0.5, 0, W - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, H - 1), np.minimum(x0 + 1, W - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    a = img.astype(np.float64)
    top = a[y0][:, x0] * (1 - fx) + a[y0][:, x1] * fx
    bot = a[y1][:, x0] * (1 - fx) + a[y1][:, x1] * fx
    return top * (1 - fy) + bot * fy


def image_input(img, detail, mean=0.0, std=255.0):
    """The image resized into an input tensor (NHWC with batch 1, HWC, or HW): pixel values
    become (pixel - mean) / std, then are quantized with the input's scale and zero point
    when the input is an integer tensor."""
    shape = [int(d) for d in detail["shape"]]
    dtype = np.dtype(detail["dtype"])
    if len(shape) == 4:
        if shape[0] != 1:
            raise CliError(f"image inputs need batch 1, the input has shape {shape}")
        h, w, c = shape[1:]
    elif len(shape) == 3:
        h, w, c = shape
    elif len(shape) == 2:
        (h, w), c = shape, 1
    else:
        raise CliError(f"input {detail['name']} (shape {shape}) is not an image tensor")
    if c not in (1, 3):
        raise CliError(f"input {detail['name']} has {c} channels; images give 1 (grey) or 3 (RGB)")
    if c == 1 and img.shape[2] == 3:
        img = (img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]))[:, :, None]
    elif c == 3 and img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    x = (resize_bilinear(img, h, w) - mean) / std
    if dtype.kind == "f":
        out = x.astype(dtype)
    elif dtype.kind in "iu":
        scale, zp = detail.get("quantization", (0.0, 0))
        info = np.iinfo(dtype)
        q = np.rint(x / scale) + zp if scale else np.rint(x * std + mean) + (info.min if info.min < 0 else 0)
        out = np.clip(q, info.min, info.max).astype(dtype)
    else:
        raise CliError(f"cannot feed an image to an input of type {dtype}")
    return out.reshape(shape)


# ---------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------

def _summary(name, arr, topk, quant=None):
    s = f"{name}: {arr.dtype}{list(arr.shape)}"
    flat = arr.reshape(-1)
    if flat.size and arr.dtype.kind in "fiu":
        s += f" min {flat.min():.6g} max {flat.max():.6g} mean {flat.astype(np.float64).mean():.6g}"
        if topk > 0 and arr.ndim >= 1 and arr.shape[-1] > 1 and (arr.ndim == 1 or int(np.prod(arr.shape[:-1])) == 1):
            order = np.argsort(-flat.astype(np.float64), kind="stable")[:topk]
            if quant and quant[0]:
                scale, zp = quant
                items = [f"[{i}] {(int(flat[i]) - zp) * scale:.6g} (q {flat[i]})" for i in order]
            else:
                items = [f"[{i}] {flat[i]:.6g}" for i in order]
            s += "\n  top-%d: " % len(order) + ", ".join(items)
    return s


def _model_arg(args):
    model = SAMPLE if getattr(args, "sample", False) else args.model
    if model is None:
        raise CliError("give a model path" + (" or --sample" if hasattr(args, "sample") else ""))
    if not os.path.isfile(model):
        raise CliError(f"no such model file: {model}")
    return model


def cmd_run(args):
    from tflite_rt import Interpreter

    model = _model_arg(args)
    t0 = time.perf_counter()
    it = Interpreter(model_path=model, num_threads=args.num_threads)
    if args.signature is not None:
        runner = it.get_signature_runner(args.signature)
        t_init = time.perf_counter() - t0
        in_det = runner.get_input_details()
        details = [dict(d, name=k) for k, d in in_det.items()]
        out_det = runner.get_output_details()
    else:
        it.allocate_tensors()
        t_init = time.perf_counter() - t0
        details = it.get_input_details()
    rng = np.random.default_rng(args.seed)
    if args.input:
        arrays = _load_inputs(args.input, details)
    elif args.image:
        img = read_image(args.image)
        arrays = [image_input(img, details[0], args.image_mean, args.image_std)]
        arrays += [_make_input(d, args.generate, rng) for d in details[1:]]
    else:
        arrays = [_make_input(d, args.generate, rng) for d in details]
    arrays = [np.asarray(a, dtype=d["dtype"]).reshape(d["shape"]) for d, a in zip(details, arrays)]
    times = []
    if args.signature is not None:
        feed = {d["name"]: a for d, a in zip(details, arrays)}
        for _ in range(max(1, args.runs)):
            t = time.perf_counter()
            outs = runner(**feed)
            times.append(time.perf_counter() - t)
        quants = {k: d["quantization"] for k, d in out_det.items()}
    else:
        for d, a in zip(details, arrays):
            it.set_tensor(d["index"], a)
        for _ in range(max(1, args.runs)):
            t = time.perf_counter()
            it.invoke()
            times.append(time.perf_counter() - t)
        outs = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
        quants = {d["name"]: d["quantization"] for d in it.get_output_details()}
    print(f"model: {model}")
    print(f"kernels: {it.kernel_isa}, threads: {args.num_threads}"
          + (f", signature: {args.signature}" if args.signature is not None else ""))
    for d, a in zip(details, arrays):
        print("input  " + _summary(d["name"], np.asarray(a), 0 if args.image else args.topk))
    for name, a in outs.items():
        print("output " + _summary(name, a, args.topk, quants.get(name)))
    ms = np.array(times) * 1e3
    print(f"init {t_init * 1e3:.2f} ms; invoke x{len(ms)}: first {ms[0]:.3f} ms, median {np.median(ms):.3f} ms, "
          f"min {ms.min():.3f} ms")
    if args.save:
        np.savez(args.save, **outs)
        print(f"outputs saved to {args.save}")
    return 0


# ---------------------------------------------------------------------------------------------
# inspect
# ---------------------------------------------------------------------------------------------

def cmd_inspect(args):
    from tflite_rt.inspector import format_report, inspect_model, plot_memory_plan

    model = _model_arg(args)
    report = inspect_model(model, num_threads=args.num_threads, invoke=args.invoke)
    if args.json:
        _write_json(args.json, report)
    if args.json != "-":
        print(format_report(report, tensors=args.tensors, plan=not args.no_plan, max_plan_rows=args.max_rows))
    if args.plot:
        if not args.plot.lower().endswith((".png", ".svg", ".pdf")):
            raise CliError("--plot needs a .png, .svg or .pdf file name")
        if report["memory"] is None:
            raise CliError(f"no memory plan to draw: {report['interpreter_error']}")
        try:
            plot_memory_plan(report, args.plot)
        except ValueError as e:
            raise CliError(str(e)) from None
        print(f"memory plan drawn to {args.plot}", file=sys.stderr if args.json == "-" else sys.stdout)
    if args.fail_on_unsupported and not report["supported"]:
        return EXIT_UNSUPPORTED
    return 0


# ---------------------------------------------------------------------------------------------
# bench
# ---------------------------------------------------------------------------------------------

def _flag_bool(v):
    """benchmark_model style booleans: --flag, --flag=true, --flag=false, --flag=1/0."""
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {v!r}")


def cmd_bench(args):
    from tflite_rt.benchmark import benchmark

    model = args.graph or args.model
    if model is None:
        raise CliError("give a model path")
    if not os.path.isfile(model):
        raise CliError(f"no such model file: {model}")
    if args.compare == "onnxruntime" and not args.onnx:
        raise CliError("--compare onnxruntime needs --onnx MODEL.onnx")
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    result = benchmark(model, num_threads=args.num_threads, num_runs=args.num_runs, warmup_runs=args.warmup_runs,
                       min_secs=args.min_secs, max_secs=args.max_secs, enable_op_profiling=args.enable_op_profiling,
                       signature=args.signature, compare=args.compare, litert_resolver=args.litert_resolver,
                       onnx_model=args.onnx, inputs=args.input, seed=args.seed,
                       warmup_min_secs=args.warmup_min_secs, progress=progress)
    if args.json != "-":
        print(result.format())
    if args.json:
        _write_json(args.json, result.to_dict())
        if args.json != "-":
            print(f"results written to {args.json}")
    return 0


def _write_json(path, obj):
    from tflite_rt.benchmark import _json_default

    text = json.dumps(obj, indent=2, default=_json_default)
    if path == "-":
        print(text)
        return
    try:
        with open(path, "w") as f:
            f.write(text + "\n")
    except OSError as e:
        raise CliError(f"cannot write {path}: {e.strerror}") from None


# ---------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------

def build_parser():
    ap = argparse.ArgumentParser(prog="tflite-rt", description="Run, inspect and benchmark .tflite models with "
                                                               "tflite_rt. Details: docs/cli.md")
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="run a model and print its outputs and timing")
    r.add_argument("model", nargs="?", help="path to a .tflite model")
    r.add_argument("--sample", action="store_true", help="run the sample model shipped with the package")
    r.add_argument("--input", help=".npy or .npz file with the inputs (npz keys: input names, or in order)")
    r.add_argument("--image", help="an image file resized into the (first) input: .ppm/.pgm, or any format "
                                   "Pillow reads when it is installed")
    r.add_argument("--image_mean", type=float, default=0.0, help="image value = (pixel - mean) / std (default 0)")
    r.add_argument("--image_std", type=float, default=255.0,
                   help="(default 255: values in [0, 1]; MobileNet-style [-1, 1]: --image_mean 127.5 --image_std "
                        "127.5). Integer inputs are then quantized with the input's scale and zero point")
    r.add_argument("--generate", choices=["random", "zeros"], default="random", help="generated inputs")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--signature", help="run this signature (SignatureRunner) instead of subgraph 0")
    r.add_argument("--num_threads", type=int, default=1)
    r.add_argument("--runs", type=int, default=10, help="invocations to time")
    r.add_argument("--topk", type=int, default=5)
    r.add_argument("--save", help="write outputs to this .npz")
    r.set_defaults(fn=cmd_run)

    i = sub.add_parser("inspect", help="inputs, outputs, signatures, op table, tensors and memory plan")
    i.add_argument("model", nargs="?", help="path to a .tflite model")
    i.add_argument("--json", metavar="OUT", help="also write the report as JSON ('-': only JSON, on stdout)")
    i.add_argument("--plot", metavar="FILE", help="draw the arena plan (.png/.svg; needs matplotlib)")
    i.add_argument("--tensors", action="store_true", help="list every tensor (constants included)")
    i.add_argument("--no-plan", dest="no_plan", action="store_true", help="do not list the memory plan")
    i.add_argument("--max_rows", type=int, default=None, help="list at most this many arena tensors per subgraph")
    i.add_argument("--num_threads", type=int, default=1)
    i.add_argument("--invoke", action="store_true",
                   help="run the model once (zero inputs) before the memory report: control-flow subgraphs are "
                        "allocated at their first run")
    i.add_argument("--fail-on-unsupported", dest="fail_on_unsupported", action="store_true",
                   help=f"exit with status {EXIT_UNSUPPORTED} when the model has ops this build cannot run")
    i.set_defaults(fn=cmd_inspect)

    b = sub.add_parser("bench", help="benchmark a model (benchmark_model's flags and report)")
    b.add_argument("model", nargs="?", help="path to a .tflite model")
    b.add_argument("--graph", help="same as the positional MODEL (benchmark_model's name)")
    b.add_argument("--num_threads", type=int, default=1)
    b.add_argument("--num_runs", type=int, default=50, help="at least this many timed runs (default 50)")
    b.add_argument("--warmup_runs", type=int, default=1, help="untimed runs first (default 1)")
    b.add_argument("--warmup_min_secs", type=float, default=0.0, help="and warm up for at least this long")
    b.add_argument("--min_secs", type=float, default=1.0, help="time for at least this long (default 1)")
    b.add_argument("--max_secs", type=float, default=150.0, help="stop timing after this long (default 150)")
    b.add_argument("--enable_op_profiling", nargs="?", const=True, default=False, type=_flag_bool,
                   help="per-op tables (run order, top by time, summary by op type)")
    b.add_argument("--signature", "--signature_to_run_for", dest="signature", help="benchmark this signature")
    b.add_argument("--input", help=".npy/.npz with the inputs (default: random, --seed)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--json", metavar="OUT", help="write every field as JSON to OUT ('-': only JSON, on stdout)")
    b.add_argument("--compare", choices=["litert", "onnxruntime"],
                   help="also run ai_edge_litert (or onnxruntime) in this process, alternating runs")
    b.add_argument("--litert_resolver", choices=["auto", "builtin", "builtin_ref"], default="auto",
                   help="auto: XNNPACK (LiteRT's default); builtin: optimized kernels without XNNPACK; "
                        "builtin_ref: reference kernels")
    b.add_argument("--onnx", metavar="MODEL.onnx", help="the ONNX model for --compare onnxruntime")
    b.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="progress line on stderr (default: only when stderr is a terminal)")
    b.add_argument("--no-progress", dest="progress", action="store_false")
    b.set_defaults(fn=cmd_bench)
    return ap


def _one_line(e):
    msg = str(e).strip().replace("\n", " ")
    return msg if len(msg) <= 600 else msg[:600] + "..."


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except CliError as e:
        print(f"tflite-rt: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tflite-rt: interrupted", file=sys.stderr)
        return 130
    except (ValueError, RuntimeError, MemoryError, OSError) as e:
        from tflite_rt.errors import UnsupportedOpError

        hint = ""
        if isinstance(e, UnsupportedOpError) and getattr(args, "model", None):
            hint = f" (`tflite-rt inspect {args.model}` lists every op and whether it is supported)"
        name = type(e).__name__
        prefix = "" if name == "BenchmarkError" else f"{name}: "
        print(f"tflite-rt: error: {prefix}{_one_line(e)}{hint}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
