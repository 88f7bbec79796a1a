"""benchmark_model from Python: `tflite_rt.benchmark(path, ...) -> BenchmarkResult`.

Same vocabulary and fields as TFLite's benchmark_model: init time, first inference, warmup
average, then count/first/curr/min/max/avg/std/p5/median/p95 of the timed runs in
microseconds, memory footprint (RSS delta at init and overall, peak RSS from the kernel's
VmHWM), and with `enable_op_profiling` the per-op tables (run order, top by time, summary by
op type) from the C core's per-node timers. `compare="litert"` (or "onnxruntime") loads the
other runtime in the same process, gives it the same inputs and alternates timed runs
between the two, then reports ratios and whether the outputs agree.

Timing: one `time.perf_counter_ns()` pair around each invoke (the Python call costs about a
microsecond). The timed phase runs at least `num_runs` iterations and at least `min_secs`
seconds, and stops after `max_secs` seconds whatever the count (benchmark_model's rule).
"""
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.random  # noqa: F401  (numpy 2 imports it lazily: keep its ~6 MB out of the RSS deltas)

SCHEMA = "tflite_rt.benchmark/1"
LITERT_RESOLVERS = ("auto", "builtin", "builtin_ref")
# int outputs: at most 1 LSB apart (LiteRT's XNNPACK requantizes in float, TFLite's own
# tests tolerate 1 LSB); float outputs: within 1% of the output's range (the loosest of
# tests/tolerances.py, for dynamic-range models) plus 1e-4 (one int16 step of a dequantized
# [0, 1) output is 3e-5).
INT_LSB_TOLERANCE = 1
FLOAT_RTOL, FLOAT_ATOL = 1e-2, 1e-4


class BenchmarkError(ValueError):
    """A benchmark that cannot run as asked (bad argument, missing optional runtime)."""


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------

@dataclass
class Stats:
    """benchmark_model's Stat: values in microseconds."""

    count: int = 0
    first: float = 0.0
    curr: float = 0.0
    min: float = 0.0
    max: float = 0.0
    mean: float = 0.0
    std: float = 0.0
    p5: float = 0.0
    median: float = 0.0
    p95: float = 0.0

    @classmethod
    def of(cls, samples_us):
        a = np.asarray(samples_us, dtype=np.float64)
        if a.size == 0:
            return cls()
        p5, p50, p95 = np.percentile(a, [5, 50, 95])
        return cls(count=int(a.size), first=float(a[0]), curr=float(a[-1]), min=float(a.min()), max=float(a.max()),
                   mean=float(a.mean()), std=float(a.std()), p5=float(p5), median=float(p50), p95=float(p95))

    def line(self):
        """The benchmark_model stats line."""
        if self.count and self.min == self.max:
            return f"count={self.count} curr={self.curr:.0f}(all same)"
        return (f"count={self.count} first={self.first:.0f} curr={self.curr:.0f} min={self.min:.0f} "
                f"max={self.max:.0f} avg={self.mean:.0f} std={self.std:.0f} p5={self.p5:.0f} "
                f"median={self.median:.0f} p95={self.p95:.0f}")


# ---------------------------------------------------------------------------------------------
# memory (Linux /proc/self/status)
# ---------------------------------------------------------------------------------------------

def _status_bytes(*keys):
    out = {k: None for k in keys}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0]) * 1024  # kB
    except OSError:
        pass
    return out


def rss_bytes():
    return _status_bytes("VmRSS")["VmRSS"]


def peak_rss_bytes():
    return _status_bytes("VmHWM")["VmHWM"]


def _reset_peak_rss():
    """Resets VmHWM to the current RSS (Linux >= 4.0). True when it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

def random_input(shape, dtype, rng):
    """benchmark_model's default random inputs: floats uniform in [-1, 1), integer types over
    their full range except int32/int64 (often indices or token ids) in [0, 99], bools."""
    dtype = np.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    if dtype.kind == "f":
        return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)
    if dtype in (np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.uint32), np.dtype(np.uint64)):
        return rng.integers(0, 100, size=shape).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, int(info.max) + 1, size=shape, dtype=dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    raise BenchmarkError(f"cannot generate a random input of type {dtype}")


def _coerce_inputs(inputs, specs):
    """inputs: None, a list of arrays (in order), a dict {name: array}, or an .npy/.npz path."""
    if isinstance(inputs, (str, os.PathLike)):
        data = np.load(os.fspath(inputs))
        if isinstance(data, np.ndarray):
            inputs = [data]
        else:
            keys = list(data.files)
            inputs = {k: data[k] for k in keys}
            if not all(s["name"] in inputs for s in specs):
                inputs = [data[k] for k in keys]
    if isinstance(inputs, dict):
        missing = [s["name"] for s in specs if s["name"] not in inputs]
        if missing:
            raise BenchmarkError(f"no input given for {missing}")
        arrays = [inputs[s["name"]] for s in specs]
    else:
        arrays = list(inputs)
    if len(arrays) != len(specs):
        raise BenchmarkError(f"{len(arrays)} input arrays given but the model has {len(specs)} inputs")
    out = []
    for s, a in zip(specs, arrays):
        a = np.asarray(a)
        if a.dtype != s["dtype"]:
            a = a.astype(s["dtype"])
        if tuple(a.shape) != tuple(s["shape"]):
            if a.size != int(np.prod(s["shape"])):
                raise BenchmarkError(f"input {s['name']}: shape {list(a.shape)} does not fit {list(s['shape'])}")
            a = a.reshape(s["shape"])
        out.append(np.ascontiguousarray(a))
    return out


# ---------------------------------------------------------------------------------------------
# runners: one object per runtime, same small interface
# ---------------------------------------------------------------------------------------------

class _TfliteRtRunner:
    name = "tflite_rt"

    def __init__(self, model_path, num_threads, signature):
        from tflite_rt import __version__
        from tflite_rt.interpreter import Interpreter

        self.version = __version__
        t0 = time.perf_counter_ns()
        self.interpreter = it = Interpreter(model_path=model_path, num_threads=num_threads)
        native = it._native
        if signature is None:
            self.subgraph = 0
            self.input_ids = native.inputs(0)
            self.output_ids = native.outputs(0)
            self.input_names = [native.tensor_info(0, t)["name"] for t in self.input_ids]
            self.output_names = [native.tensor_info(0, t)["name"] for t in self.output_ids]
        else:
            if signature not in it._signatures:
                raise BenchmarkError(f"no signature {signature!r} in the model (it has {sorted(it._signatures)})")
            sig = it._signatures[signature]
            self.subgraph = sig["subgraph"]
            self.input_names, self.input_ids = list(sig["inputs"]), list(sig["inputs"].values())
            self.output_names, self.output_ids = sorted(sig["outputs"]), [sig["outputs"][k] for k in sorted(sig["outputs"])]
        native.allocate(self.subgraph)
        self.init_ns = time.perf_counter_ns() - t0
        self._native = native
        self.invoke = lambda n=native, s=self.subgraph: n.invoke(s)
        self.kernel_isa = native.isa()

    def input_specs(self):
        out = []
        for name, t in zip(self.input_names, self.input_ids):
            info = self._native.tensor_info(self.subgraph, t)
            from tflite_rt import _native
            out.append({"name": name, "shape": list(info["shape"]), "dtype": np.dtype(_native.dtype_of(info["type"]))})
        return out

    def set_inputs(self, arrays):
        for t, a in zip(self.input_ids, arrays):
            self._native.set_tensor(self.subgraph, t, a)

    def outputs(self):
        return [self._native.get_tensor(self.subgraph, t) for t in self.output_ids]

    def output_quant(self):
        out = []
        for t in self.output_ids:
            info = self._native.tensor_info(self.subgraph, t)
            out.append((info["scales"][0], info["zero_points"][0]) if len(info["scales"]) == 1 else None)
        return out


class _LiteRTRunner:
    name = "litert"

    def __init__(self, model_path, num_threads, signature, resolver="auto"):
        try:
            import ai_edge_litert
            from ai_edge_litert import interpreter as lit
        except ImportError as e:
            raise BenchmarkError(f"--compare litert needs ai-edge-litert (pip install ai-edge-litert): {e}") from None
        if resolver not in LITERT_RESOLVERS:
            raise BenchmarkError(f"unknown LiteRT resolver {resolver!r} (choose from {', '.join(LITERT_RESOLVERS)})")
        # 'builtin' means LiteRT's optimized kernels without XNNPACK: its own OpResolverType.BUILTIN
        # still applies the default (XNNPACK) delegate, like AUTO.
        rtype = {"auto": lit.OpResolverType.AUTO, "builtin": lit.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
                 "builtin_ref": lit.OpResolverType.BUILTIN_REF}[resolver]
        self.version = getattr(ai_edge_litert, "__version__", "?")
        self.resolver = resolver
        t0 = time.perf_counter_ns()
        try:
            self.interpreter = it = lit.Interpreter(model_path=model_path, num_threads=num_threads,
                                                    experimental_op_resolver_type=rtype)
            if signature is None:
                it.allocate_tensors()
        except (ValueError, RuntimeError) as e:
            raise BenchmarkError(f"LiteRT ({resolver}) cannot run the model: {type(e).__name__}: "
                                 f"{str(e).strip().splitlines()[0] if str(e).strip() else ''}") from None
        if signature is None:
            self._w, self.subgraph = it._interpreter, 0
            ins, outs = it.get_input_details(), it.get_output_details()
            self.input_names, self.input_ids = [d["name"] for d in ins], [d["index"] for d in ins]
            self.output_names, self.output_ids = [d["name"] for d in outs], [d["index"] for d in outs]
            self._input_details = ins
        else:
            if signature not in it.get_signature_list():
                raise BenchmarkError(f"LiteRT: no signature {signature!r} in the model")
            r = it.get_signature_runner(signature)
            self._w, self.subgraph = r._interpreter_wrapper, r._subgraph_index
            self.input_names, self.input_ids = list(r._inputs), list(r._inputs.values())
            outs = dict(r._outputs)
            self.output_names, self.output_ids = sorted(outs), [outs[k] for k in sorted(outs)]
            self._w.AllocateTensors(self.subgraph)
            det = r.get_input_details()
            self._input_details = [det[n] for n in self.input_names]
        self.init_ns = time.perf_counter_ns() - t0
        w, s = self._w, self.subgraph
        self.invoke = lambda: w.Invoke(s)
        self.kernel_isa = {"auto": "XNNPACK", "builtin": "builtin (no XNNPACK)", "builtin_ref": "reference"}[resolver]

    def input_specs(self):
        return [{"name": n, "shape": list(d["shape"]), "dtype": np.dtype(d["dtype"])}
                for n, d in zip(self.input_names, self._input_details)]

    def set_inputs(self, arrays):
        for t, a in zip(self.input_ids, arrays):
            self._w.SetTensor(t, a, self.subgraph)

    def outputs(self):
        return [self._w.GetTensor(t, self.subgraph) for t in self.output_ids]


class _OnnxRunner:
    name = "onnxruntime"

    def __init__(self, onnx_path, num_threads):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise BenchmarkError(f"--compare onnxruntime needs onnxruntime (pip install onnxruntime): {e}") from None
        if not onnx_path:
            raise BenchmarkError("--compare onnxruntime needs --onnx MODEL.onnx")
        if not os.path.isfile(onnx_path):
            raise BenchmarkError(f"no such ONNX model file: {onnx_path}")
        self.version = ort.__version__
        self.kernel_isa = "CPUExecutionProvider"
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = num_threads
        opts.inter_op_num_threads = 1
        t0 = time.perf_counter_ns()
        self.sess = ort.InferenceSession(onnx_path, sess_options=opts, providers=["CPUExecutionProvider"])
        self.init_ns = time.perf_counter_ns() - t0
        self.inputs_meta = self.sess.get_inputs()
        self.input_names = [i.name for i in self.inputs_meta]
        self.output_names = [o.name for o in self.sess.get_outputs()]
        self.feed = {}
        self._outs = None

    _ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int8)": np.int8,
                  "tensor(uint8)": np.uint8, "tensor(int16)": np.int16, "tensor(int32)": np.int32,
                  "tensor(int64)": np.int64, "tensor(bool)": np.bool_, "tensor(float16)": np.float16}

    def input_specs(self):
        out = []
        for i in self.inputs_meta:
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
            out.append({"name": i.name, "shape": shape, "dtype": np.dtype(self._ORT_TYPES.get(i.type, np.float32))})
        return out

    def set_inputs(self, arrays):
        self.feed = {n: a for n, a in zip(self.input_names, arrays)}

    def invoke(self):
        self._outs = self.sess.run(None, self.feed)

    def outputs(self):
        return list(self._outs) if self._outs is not None else []


def _adapt_inputs(arrays, specs, rng):
    """The tflite_rt inputs fed to another runtime: as is when shapes match, NHWC->NCHW when that
    makes them match, else fresh random inputs (then outputs are not comparable)."""
    out, same = [], True
    if len(arrays) != len(specs):
        return [random_input(s["shape"], s["dtype"], rng) for s in specs], False
    for a, s in zip(arrays, specs):
        if list(a.shape) == list(s["shape"]):
            out.append(a.astype(s["dtype"], copy=False))
        elif a.ndim == 4 and list(a.transpose(0, 3, 1, 2).shape) == list(s["shape"]):
            out.append(np.ascontiguousarray(a.transpose(0, 3, 1, 2)).astype(s["dtype"], copy=False))
        else:
            out.append(random_input(s["shape"], s["dtype"], rng))
            same = False
    return out, same


def compare_outputs(ours, theirs, names):
    """Per output: max |diff| and whether it is within tolerance (ints: 1 LSB; floats: 1% of
    the range of the other runtime's output + 1e-4)."""
    per, agree = [], True
    if len(ours) != len(theirs):
        return {"agree": False, "exact": False, "reason": f"{len(ours)} vs {len(theirs)} outputs", "outputs": []}
    for name, a, b in zip(names, ours, theirs):
        b = np.asarray(b)
        if a.shape != b.shape and a.ndim == 4 and b.ndim == 4 and b.transpose(0, 2, 3, 1).shape == a.shape:
            b = b.transpose(0, 2, 3, 1)
        entry = {"name": name, "shape": list(a.shape), "dtype": str(a.dtype)}
        if a.shape != b.shape:
            entry.update(agree=False, reason=f"shape {list(a.shape)} vs {list(b.shape)}")
            per.append(entry)
            agree = False
            continue
        if a.dtype.kind in "iub" and b.dtype.kind in "iub":
            d = np.abs(a.astype(np.int64) - b.astype(np.int64))
            mx = int(d.max()) if d.size else 0
            ok = mx <= INT_LSB_TOLERANCE
            entry.update(max_abs_diff=mx, exact=mx == 0, bound=INT_LSB_TOLERANCE,
                         mismatches=int((d > 0).sum()), agree=bool(ok))
        else:
            af, bf = a.astype(np.float64), b.astype(np.float64)
            fin = np.isfinite(af) & np.isfinite(bf)
            same_nonfinite = bool(np.array_equal(np.isfinite(af), np.isfinite(bf)))
            d = np.abs(af[fin] - bf[fin])
            mx = float(d.max()) if d.size else 0.0
            ref_max = float(np.abs(bf[fin]).max()) if d.size else 0.0
            bound = FLOAT_ATOL + FLOAT_RTOL * ref_max
            ok = same_nonfinite and mx <= bound
            entry.update(max_abs_diff=mx, exact=bool(mx == 0 and same_nonfinite), bound=bound, agree=bool(ok))
        if a.size > 1 and a.ndim >= 1 and int(np.prod(a.shape[:-1])) == 1:
            entry["argmax_equal"] = bool(np.argmax(a.reshape(-1)) == np.argmax(b.reshape(-1)))
        agree = agree and entry["agree"]
        per.append(entry)
    return {"agree": bool(agree), "exact": all(e.get("exact", False) for e in per), "outputs": per}


# ---------------------------------------------------------------------------------------------
# op profile tables
# ---------------------------------------------------------------------------------------------

def _op_tables(runner, first_profile, profile, top=10):
    native, sg = runner._native, runner.subgraph
    nodes = native.nodes(sg)
    rows, start = [], 0.0
    total = sum(ns / c for ns, c in profile if c) or 1.0
    for node, (ns, count), (fns, fcount) in zip(nodes, profile, first_profile):
        avg_ns = ns / count if count else 0.0
        out_bytes = 0
        for t in node["outputs"]:
            if t >= 0:
                out_bytes += native.tensor_info(sg, t)["bytes"]
        # the first output that exists (a WHILE may have dropped an unread one: -1)
        name = next((native.tensor_info(sg, t)["name"] for t in node["outputs"] if t >= 0), "")
        rows.append({"index": node["index"], "node_type": node["op_name"], "start_ms": start / 1e6,
                     "first_ms": (fns / fcount if fcount else 0.0) / 1e6, "avg_ms": avg_ns / 1e6,
                     "pct": 100.0 * avg_ns / total, "out_kb": out_bytes / 1024.0,
                     "times_called": (count / profile_runs(profile)) if count else 0, "name": name})
        start += avg_ns
    cdf = 0.0
    for r in rows:
        cdf += r["pct"]
        r["cdf_pct"] = cdf
    top_rows = [dict(r) for r in sorted(rows, key=lambda r: -r["avg_ms"])[:top]]
    cdf = 0.0
    for r in top_rows:
        cdf += r["pct"]
        r["cdf_pct"] = cdf
    by_type = {}
    for r in rows:
        e = by_type.setdefault(r["node_type"], {"node_type": r["node_type"], "count": 0, "avg_ms": 0.0,
                                                "first_ms": 0.0, "out_kb": 0.0, "times_called": 0})
        e["count"] += 1
        e["avg_ms"] += r["avg_ms"]
        e["first_ms"] += r["first_ms"]
        e["out_kb"] += r["out_kb"]
        e["times_called"] += r["times_called"]
    summary = sorted(by_type.values(), key=lambda e: -e["avg_ms"])
    cdf = 0.0
    for e in summary:
        e["pct"] = 100.0 * e["avg_ms"] * 1e6 / total
        cdf += e["pct"]
        e["cdf_pct"] = cdf
    return {"runs_profiled": profile_runs(profile), "total_avg_ms": total / 1e6, "run_order": rows,
            "top_by_time": top_rows, "by_op_type": summary}


def profile_runs(profile):
    counts = [c for _ns, c in profile if c]
    return min(counts) if counts else 0


def format_op_tables(op_profile):
    cols = ("[node type]", "[start]", "[first]", "[avg ms]", "[%]", "[cdf%]", "[out KB]", "[times called]", "[Name]")

    def table(title, rows, summary=False):
        lines = [f"{'=' * 30} {title} {'=' * 30}"]
        head = list(cols)
        if summary:
            head = ["[node type]", "[count]", "[first]", "[avg ms]", "[%]", "[cdf%]", "[out KB]", "[times called]"]
        lines.append("{:>28} ".format(head[0]) + " ".join("{:>10}".format(h) for h in head[1:-1]) + "  " + head[-1])
        for r in rows:
            if summary:
                vals = [str(r["count"]), f"{r['first_ms']:.3f}", f"{r['avg_ms']:.3f}", f"{r['pct']:.2f}%",
                        f"{r['cdf_pct']:.2f}%", f"{r['out_kb']:.1f}"]
                last = f"{r['times_called']:g}"
            else:
                vals = [f"{r['start_ms']:.3f}", f"{r['first_ms']:.3f}", f"{r['avg_ms']:.3f}", f"{r['pct']:.2f}%",
                        f"{r['cdf_pct']:.2f}%", f"{r['out_kb']:.1f}", f"{r['times_called']:g}"]
                last = r["name"] if len(r["name"]) <= 80 else r["name"][:77] + "..."
            lines.append("{:>28} ".format(r["node_type"][:28]) + " ".join("{:>10}".format(v) for v in vals)
                         + "  " + last)
        return lines

    out = []
    out += table("Run Order", op_profile["run_order"])
    out += [""] + table("Top by Computation Time", op_profile["top_by_time"])
    out += [""] + table("Summary by node type", op_profile["by_op_type"], summary=True)
    out.append(f"Timings over {op_profile['runs_profiled']} runs; sum of node averages "
               f"{op_profile['total_avg_ms']:.3f} ms (C timers around each node's eval).")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------

@dataclass
class BenchmarkResult:
    model: str
    model_size_bytes: int
    runtime: str
    version: str
    kernel_isa: str
    num_threads: int
    signature: object
    settings: dict
    init_us: float
    first_inference_us: float
    warmup_avg_us: float
    warmup: Stats
    inference: Stats
    memory: dict
    op_profile: object = None
    compare: object = None
    host: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    # benchmark_model's names for the headline numbers
    @property
    def count(self):
        return self.inference.count

    @property
    def min_us(self):
        return self.inference.min

    @property
    def max_us(self):
        return self.inference.max

    @property
    def mean_us(self):
        return self.inference.mean

    @property
    def std_us(self):
        return self.inference.std

    @property
    def p5_us(self):
        return self.inference.p5

    @property
    def median_us(self):
        return self.inference.median

    @property
    def p95_us(self):
        return self.inference.p95

    @property
    def peak_rss_bytes(self):
        return self.memory.get("peak_rss_bytes")

    def to_dict(self):
        d = asdict(self)
        d = {"schema": SCHEMA, **d}
        return d

    def to_json(self, indent=2):
        return json.dumps(self.to_dict(), indent=indent, default=_json_default)

    def format(self):
        return format_result(self)

    def __str__(self):
        return self.format()


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _mb(b):
    return "n/a" if b is None else f"{b / 1e6:.2f}"


def format_result(r):
    s = r.settings
    lines = [
        f"The input model file size (MB): {r.model_size_bytes / 1e6:.6g}",
        f"Runtime: {r.runtime} {r.version}, kernels: {r.kernel_isa}, threads: {r.num_threads}"
        + (f", signature: {r.signature}" if r.signature else ""),
        f"Initialized session in {r.init_us / 1e3:.3f} ms.",
        f"Running benchmark for at least {s['warmup_runs']} iterations and at least {s['warmup_min_secs']:g} seconds "
        f"but terminate if exceeding {s['max_secs']:g} seconds.",
        r.warmup.line(),
        f"Running benchmark for at least {s['num_runs']} iterations and at least {s['min_secs']:g} seconds but "
        f"terminate if exceeding {s['max_secs']:g} seconds.",
        r.inference.line(),
        f"Inference timings in us: Init: {r.init_us:.0f}, First inference: {r.first_inference_us:.0f}, "
        f"Warmup (avg): {r.warmup_avg_us:.0f}, Inference (avg): {r.inference.mean:.0f}",
    ]
    m = r.memory
    lines.append(f"Memory footprint delta from the start of the tool (MB): init={_mb(m.get('rss_delta_init_bytes'))} "
                 f"overall={_mb(m.get('rss_delta_overall_bytes'))}")
    peak = m.get("peak_rss_bytes")
    lines.append(f"Overall peak memory footprint (MB) via VmHWM: {_mb(peak)}"
                 + ("" if not r.compare else " (process: both runtimes; tflite_rt alone before the other was loaded: "
                    f"{_mb(m.get('peak_rss_tflite_rt_only_bytes'))})"))
    lines.append(f"VmRSS (MB): {_mb(m.get('rss_end_bytes'))}; tflite_rt arena {m.get('arena_bytes', 0):,} B, "
                 f"persistent {m.get('persistent_bytes', 0):,} B, weights {m.get('weights_bytes', 0):,} B")
    if r.op_profile:
        lines += ["", format_op_tables(r.op_profile)]
    if r.compare:
        lines += ["", format_compare(r)]
    for n in r.notes:
        lines.append(f"note: {n}")
    load, ncpu = (r.host or {}).get("loadavg_1_5_15"), (r.host or {}).get("cpu_count")
    if load and ncpu and load[0] > ncpu * 0.75:
        lines.append(f"note: load average {load[0]:.1f} on {ncpu} CPUs when the benchmark ended: other processes "
                     "competed for the CPU, timings are inflated and noisy")
    return "\n".join(lines)


def format_compare(r):
    c = r.compare
    o = c["inference"]
    name = c["runtime"] + (f" ({c['resolver']})" if c.get("resolver") else "")
    lines = [f"{'=' * 30} Compare: {r.runtime} vs {name} {c['version']} {'=' * 30}",
             f"{c['runtime']}: {Stats(**o).line()}",
             f"runs alternated between the two runtimes on the same inputs: {c['alternated']}",
             "{:<18} {:>14} {:>14} {:>10}".format("[us]", r.runtime, c["runtime"], "ratio")]
    rows = [("init", r.init_us, c["init_us"]), ("first inference", r.first_inference_us, c["first_inference_us"]),
            ("warmup avg", r.warmup_avg_us, c["warmup_avg_us"]), ("min", r.inference.min, o["min"]),
            ("median", r.inference.median, o["median"]), ("mean", r.inference.mean, o["mean"]),
            ("p95", r.inference.p95, o["p95"])]
    for label, a, b in rows:
        ratio = a / b if b else float("nan")
        lines.append("{:<18} {:>14.1f} {:>14.1f} {:>9.2f}x".format(label, a, b, ratio))
    med = c["ratios"]["median"]
    if med == med:
        lines.append(f"{r.runtime} median / {c['runtime']} median = {med:.2f}x "
                     f"({'tflite_rt slower' if med > 1 else 'tflite_rt faster'})")
    if c.get("memory", {}).get("rss_delta_init_bytes") is not None:
        lines.append(f"RSS delta at init (MB): {r.runtime} {_mb(r.memory.get('rss_delta_init_bytes'))}, "
                     f"{c['runtime']} {_mb(c['memory']['rss_delta_init_bytes'])} (includes importing it)")
    out = c["outputs"]
    if out.get("compared", True):
        verdict = "agree" + (" (bit-exact)" if out.get("exact") else "") if out["agree"] else "DIFFER"
        lines.append(f"outputs: {verdict}")
        for e in out.get("outputs", []):
            detail = e.get("reason") or f"max |diff| {e['max_abs_diff']:.6g} (bound {e['bound']:.3g})"
            if "argmax_equal" in e:
                detail += f", argmax {'equal' if e['argmax_equal'] else 'DIFFERENT'}"
            lines.append(f"  {e['name']}: {detail}")
        if not out["agree"] and c["runtime"] == "litert" and c.get("resolver") != "builtin_ref":
            lines.append("  (LiteRT's XNNPACK/optimized kernels and its own reference kernels disagree too on some "
                         "models, dynamic-range ones especially: --litert_resolver builtin_ref compares with its "
                         "reference kernels)")
    else:
        lines.append(f"outputs: not compared ({out.get('reason')})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------------

class _Progress:
    def __init__(self, enabled, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.last = 0.0
        self.width = 0

    def show(self, text, force=False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        pad = max(0, self.width - len(text))
        self.width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def done(self):
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _host():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {"python": platform.python_version(), "platform": platform.platform(), "machine": platform.machine(),
            "cpu": cpu, "cpu_count": os.cpu_count(), "numpy": np.__version__, "loadavg_1_5_15": load}


def benchmark(model_path, num_threads=1, num_runs=50, warmup_runs=1, min_secs=1.0, max_secs=150,
              enable_op_profiling=False, signature=None, compare=None, *, litert_resolver="auto", onnx_model=None,
              inputs=None, seed=0, warmup_min_secs=0.0, progress=False):
    """Benchmark a .tflite model with tflite_rt (and optionally another runtime).

    compare: None, "litert" (ai_edge_litert's Interpreter; litert_resolver "auto" = XNNPACK,
    "builtin" = optimized kernels without XNNPACK, "builtin_ref" = reference kernels) or
    "onnxruntime" (onnx_model: the .onnx of the same network).
    inputs: None (random, seeded), a list of arrays, {name: array}, or an .npy/.npz path.
    progress: True to print a progress line on stderr.
    Raises BenchmarkError (a ValueError) for bad arguments, and the Interpreter's errors
    (UnsupportedOpError, ModelError, ...) for models tflite_rt cannot run."""
    model_path = os.fspath(model_path)
    if not os.path.isfile(model_path):
        raise BenchmarkError(f"no such model file: {model_path}")
    if not isinstance(num_threads, int) or num_threads < 1:
        raise BenchmarkError("num_threads must be an int >= 1")
    if num_runs < 1:
        raise BenchmarkError("num_runs must be >= 1")
    if warmup_runs < 0:
        raise BenchmarkError("warmup_runs must be >= 0")
    if min_secs < 0 or max_secs <= 0:
        raise BenchmarkError("min_secs must be >= 0 and max_secs > 0")
    if compare not in (None, "litert", "onnxruntime"):
        raise BenchmarkError(f"unknown compare target {compare!r} (litert or onnxruntime)")
    if compare == "litert" and litert_resolver not in LITERT_RESOLVERS:
        raise BenchmarkError(f"unknown LiteRT resolver {litert_resolver!r} (choose from {', '.join(LITERT_RESOLVERS)})")
    if compare == "onnxruntime":
        # fail before the (possibly slow) tflite_rt part
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise BenchmarkError("--compare onnxruntime needs onnxruntime, which is not installed "
                                 "(pip install onnxruntime)") from None
        if not onnx_model:
            raise BenchmarkError("--compare onnxruntime needs --onnx MODEL.onnx")
    notes = []
    prog = _Progress(progress)
    peak_reset = _reset_peak_rss()
    if not peak_reset:
        notes.append("could not reset the peak RSS counter: peak_rss_bytes covers the whole process life")
    rss0 = rss_bytes()

    # ---- tflite_rt: init, first inference, warmup ----
    prog.show("[bench] tflite_rt: loading", force=True)
    rt = _TfliteRtRunner(model_path, num_threads, signature)
    rss_init = rss_bytes()
    specs = rt.input_specs()
    rng = np.random.default_rng(seed)
    arrays = _coerce_inputs(inputs, specs) if inputs is not None else [random_input(s["shape"], s["dtype"], rng)
                                                                       for s in specs]
    rt.set_inputs(arrays)
    native = rt._native
    if enable_op_profiling:
        native.set_profiling(True)
    warm = []
    t_phase = time.perf_counter()
    while len(warm) < max(1, warmup_runs) or time.perf_counter() - t_phase < warmup_min_secs:
        t = time.perf_counter_ns()
        rt.invoke()
        warm.append((time.perf_counter_ns() - t) / 1e3)
        if len(warm) == 1 and enable_op_profiling:
            first_profile = native.node_profile(rt.subgraph)
        prog.show(f"[bench] tflite_rt warmup {len(warm)}/{max(1, warmup_runs)}")
        if time.perf_counter() - t_phase > max_secs:
            break
    peak_rt_only = peak_rss_bytes()
    rss_rt_warm = rss_bytes()

    # ---- the other runtime ----
    other, other_warm, same_inputs, rss_other0 = None, [], True, None
    if compare:
        prog.show(f"[bench] {compare}: loading", force=True)
        rss_other0 = rss_bytes()
        if compare == "litert":
            other = _LiteRTRunner(model_path, num_threads, signature, litert_resolver)
        else:
            other = _OnnxRunner(onnx_model, num_threads)
        rss_other_init = rss_bytes()
        other_arrays, same_inputs = _adapt_inputs(arrays, other.input_specs(), np.random.default_rng(seed))
        if not same_inputs:
            notes.append(f"{other.name} inputs do not match tflite_rt's; it ran on its own random inputs")
        other.set_inputs(other_arrays)
        t_phase = time.perf_counter()
        while len(other_warm) < max(1, warmup_runs) or time.perf_counter() - t_phase < warmup_min_secs:
            t = time.perf_counter_ns()
            other.invoke()
            other_warm.append((time.perf_counter_ns() - t) / 1e3)
            prog.show(f"[bench] {other.name} warmup {len(other_warm)}/{max(1, warmup_runs)}")
            if time.perf_counter() - t_phase > max_secs:
                break

    # ---- timed runs (alternating when comparing) ----
    if enable_op_profiling:
        native.set_profiling(True)  # resets: the profile covers the timed runs
    ours, theirs = [], []
    t_phase = time.perf_counter()
    i = 0
    while True:
        elapsed = time.perf_counter() - t_phase
        if (len(ours) >= num_runs and elapsed >= min_secs) or elapsed >= max_secs:
            break
        pair = [(rt, ours), (other, theirs)] if other else [(rt, ours)]
        if other and i % 2:
            pair.reverse()
        for runner, sink in pair:
            t = time.perf_counter_ns()
            runner.invoke()
            sink.append((time.perf_counter_ns() - t) / 1e3)
        i += 1
        if prog.enabled:
            msg = f"[bench] run {len(ours)}/{num_runs} {elapsed:.1f}s tflite_rt median {np.median(ours) / 1e3:.3f} ms"
            if other:
                msg += f" | {other.name} median {np.median(theirs) / 1e3:.3f} ms"
            prog.show(msg)
    prog.done()
    if len(ours) < num_runs:
        notes.append(f"stopped after {len(ours)} runs: max_secs={max_secs:g} reached")

    op_profile = None
    if enable_op_profiling:
        profile = native.node_profile(rt.subgraph)
        native.set_profiling(False)
        op_profile = _op_tables(rt, first_profile, profile)

    mem = rt.interpreter.memory_info()
    rss_end = rss_bytes()
    memory = {
        "rss_start_bytes": rss0,
        "rss_after_init_bytes": rss_init,
        "rss_end_bytes": rss_end,
        "rss_delta_init_bytes": None if rss0 is None else rss_init - rss0,
        # with compare, "overall" stops before the other runtime is loaded
        "rss_delta_overall_bytes": None if rss0 is None else (rss_rt_warm if compare else rss_end) - rss0,
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_rss_tflite_rt_only_bytes": peak_rt_only,
        "peak_rss_reset_at_start": peak_reset,
        **{k: int(v) for k, v in mem.items()},
    }
    warm_stats = Stats.of(warm)
    result = BenchmarkResult(
        model=os.path.abspath(model_path), model_size_bytes=os.path.getsize(model_path), runtime="tflite_rt",
        version=rt.version, kernel_isa=rt.kernel_isa, num_threads=num_threads, signature=signature,
        settings={"num_runs": num_runs, "warmup_runs": warmup_runs, "warmup_min_secs": warmup_min_secs,
                  "min_secs": min_secs, "max_secs": max_secs, "enable_op_profiling": bool(enable_op_profiling),
                  "seed": seed, "inputs": "given" if inputs is not None else "random",
                  "compare": compare, "litert_resolver": litert_resolver if compare == "litert" else None},
        init_us=rt.init_ns / 1e3, first_inference_us=warm[0], warmup_avg_us=warm_stats.mean, warmup=warm_stats,
        inference=Stats.of(ours), memory=memory, op_profile=op_profile, host=_host(), notes=notes)

    if other:
        theirs_stats = Stats.of(theirs)
        ow = Stats.of(other_warm)
        if same_inputs:
            outputs = compare_outputs(rt.outputs(), other.outputs(), rt.output_names)
            outputs["compared"] = True
        else:
            outputs = {"compared": False, "agree": None, "reason": "different inputs"}

        def ratio(a, b):
            return a / b if b else float("nan")

        s = result.inference
        result.compare = {
            "runtime": other.name, "version": other.version, "resolver": getattr(other, "resolver", None),
            "kernels": other.kernel_isa, "alternated": True, "same_inputs": same_inputs,
            "init_us": other.init_ns / 1e3, "first_inference_us": other_warm[0], "warmup_avg_us": ow.mean,
            "warmup": asdict(ow), "inference": asdict(theirs_stats),
            "memory": {"rss_delta_init_bytes": None if rss_other0 is None else rss_other_init - rss_other0},
            "ratios": {  # tflite_rt / other: > 1 means tflite_rt is slower
                "init": ratio(result.init_us, other.init_ns / 1e3),
                "first_inference": ratio(result.first_inference_us, other_warm[0]),
                "warmup_avg": ratio(result.warmup_avg_us, ow.mean),
                "min": ratio(s.min, theirs_stats.min), "median": ratio(s.median, theirs_stats.median),
                "mean": ratio(s.mean, theirs_stats.mean), "p95": ratio(s.p95, theirs_stats.p95)},
            "outputs": outputs,
        }
    return result
