"""int8 (qs8) SIMD kernels of every ISA against tflite_rt's own reference kernels, bit for bit.

The int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels of csrc/kernels/x86_avx2 and
x86_avx512 (qs8_*.c) plug over the reference slots at run time. Here each available ISA (the
cap comes from TFLITE_RT_ISA) runs one-op int8 models and must produce exactly the bytes of the
same model under OpResolverType.BUILTIN_REF (reference kernels only):

- shapes straddle the tiles: conv tiles of 6 pixels x 16 channels (AVX2, K in pairs) and
  8 pixels x 48 channels (AVX512-VNNI, K in groups of 4); depthwise blocks of 16 (AVX2) and
  32 (AVX-512) channels; FC steps of 16 / 32 inputs and 4 outputs;
- full-range data: activations over [-128, 127], weights over [-128, 127] (including -128,
  outside TFLite's spec but inside the type), zero points at -128, 0, 127 and random, biases up
  to +-2^30, per-channel scales spanning several decades (left and right shifts);
- strides 1-2, dilation, SAME/VALID, odd spatial sizes, K' longer than one panel chunk;
- every int8 corpus model (../shared/models/*int8*.tflite, when present) against its LiteRT
  BUILTIN_REF golden (ref_out*) and against tflite_rt's own reference run.

An ISA the CPU lacks is skipped with the reason. No timings here (see bench/).
"""
import contextlib
import functools
import glob
import os
import platform
import re
import zlib

import numpy as np
import pytest

from tests import oracle
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(oracle.impl_name() != "tflite_rt",
                                reason="ISA paths are a tflite_rt feature")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
X86 = platform.machine().lower() in ("x86_64", "amd64")
ISAS = ["avx2", "avx512"] if X86 else []
ORDER = ["ref", "avx2", "avx512"]


@contextlib.contextmanager
def isa_env(isa):
    old = os.environ.get("TFLITE_RT_ISA")
    os.environ["TFLITE_RT_ISA"] = isa
    try:
        yield
    finally:
        if old is None:
            del os.environ["TFLITE_RT_ISA"]
        else:
            os.environ["TFLITE_RT_ISA"] = old


@functools.lru_cache(maxsize=None)
def best_isa():
    import tflite_rt
    data, _ = fc_model(rng_for("probe"), 1, 4, 2, "pt")
    with isa_env("avx512"):
        return tflite_rt.Interpreter(model_content=data).kernel_isa


def need(isa):
    best = best_isa()
    if best not in ORDER or ORDER.index(isa) > ORDER.index(best):
        pytest.skip(f"this CPU has no {isa} (best available: {best})")


def run(data, inputs, isa=None, num_threads=1):
    import tflite_rt
    if isa is None:
        it = tflite_rt.Interpreter(model_content=data, num_threads=num_threads,
                                   experimental_op_resolver_type=tflite_rt.OpResolverType.BUILTIN_REF)
        assert it.kernel_isa == "ref"
    else:
        with isa_env(isa):
            it = tflite_rt.Interpreter(model_content=data, num_threads=num_threads)
        assert it.kernel_isa == isa
    return oracle._run(it, inputs)


def check_exact(isa, data, inputs, num_threads=1):
    need(isa)
    got = run(data, inputs, isa, num_threads)
    ref = run(data, inputs)
    for i, (g, r) in enumerate(zip(got, ref)):
        assert g.dtype == r.dtype and g.shape == r.shape
        if not np.array_equal(g, r):
            bad = np.argwhere(g != r)
            raise AssertionError(f"output {i} under {isa}: {len(bad)} of {g.size} values differ; "
                                 f"first at {bad[0].tolist()}: {g[tuple(bad[0])]} vs ref "
                                 f"{r[tuple(bad[0])]}")


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# ---- data ------------------------------------------------------------------------------------

def full_range_i8(rng, shape):
    """Uniform over [-128, 127] with the extremes over-represented."""
    x = rng.integers(-128, 128, shape)
    m = rng.random(shape)
    x = np.where(m < 0.05, -128, np.where(m > 0.95, 127, x))
    return x.astype(np.int8)


def zero_point(rng, kind):
    return {"lo": -128, "zero": 0, "hi": 127}.get(kind, int(rng.integers(-128, 128)))


def scales_wide(rng, n, lo=-3.0, hi=1.0):
    """Per-channel scales spanning several decades."""
    return (10.0 ** rng.uniform(lo, hi, n)).astype(np.float32)


def bias_i32(rng, n, big=False):
    b = rng.integers(-2**16, 2**16, n)
    if big:
        b[:: 3] = rng.integers(-2**30, 2**30, len(b[:: 3]))
    return b.astype(np.int32)


# ---- one-op models ---------------------------------------------------------------------------

def conv_model(rng, n, h, w, cin, cout, k, stride, dilation, padding, act, zps, big_bias=False):
    """CONV_2D int8 per-channel: effective multipliers in_scale * w_scale / out_scale span about
    1e-3 .. 1e3 (right and left shifts)."""
    kh, kw = k
    zi, zo = zero_point(rng, zps[0]), zero_point(rng, zps[1])
    wq = full_range_i8(rng, (cout, kh, kw, cin))
    ws = scales_wide(rng, cout, -4.0, 0.0)
    in_scale = 0.5
    out_scale = float(in_scale * 10 ** rng.uniform(-3, -1))
    b = ModelBuilder()
    x = b.input("x", [n, h, w, cin], np.int8, quant=(in_scale, zi))
    wt = b.const("w", wq, quant={"scales": ws.tolist(), "zero_points": [0] * cout, "axis": 0})
    bt = b.const("b", bias_i32(rng, cout, big_bias),
                 quant={"scales": (in_scale * ws).tolist(), "zero_points": [0] * cout, "axis": 0})
    y = b.tensor("y", [n, 0, 0, cout], np.int8, quant=(out_scale, zo))
    b.op("CONV_2D", [x, wt, bt], [y],
         options={"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
                  "fused_activation_function": act}, version=3)
    b.output(y)
    return b.build(), [full_range_i8(rng, (n, h, w, cin))]


def dw_model(rng, n, h, w, c, k, stride, dilation, padding, act, zps, mult=1, big_bias=False):
    kh, kw = k
    cout = c * mult
    zi, zo = zero_point(rng, zps[0]), zero_point(rng, zps[1])
    wq = full_range_i8(rng, (1, kh, kw, cout))
    ws = scales_wide(rng, cout, -4.0, 0.0)
    in_scale = 0.25
    out_scale = float(in_scale * 10 ** rng.uniform(-3, -1))
    b = ModelBuilder()
    x = b.input("x", [n, h, w, c], np.int8, quant=(in_scale, zi))
    wt = b.const("w", wq, quant={"scales": ws.tolist(), "zero_points": [0] * cout, "axis": 3})
    bt = b.const("b", bias_i32(rng, cout, big_bias),
                 quant={"scales": (in_scale * ws).tolist(), "zero_points": [0] * cout, "axis": 0})
    y = b.tensor("y", [n, 0, 0, cout], np.int8, quant=(out_scale, zo))
    b.op("DEPTHWISE_CONV_2D", [x, wt, bt], [y],
         options={"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                  "depth_multiplier": mult, "dilation_h_factor": dilation[0],
                  "dilation_w_factor": dilation[1], "fused_activation_function": act},
         version=3)
    b.output(y)
    return b.build(), [full_range_i8(rng, (n, h, w, c))]


def fc_model(rng, batches, k, units, quant, act="NONE", zps=("rand", "rand"), wzp=0,
             big_bias=False):
    zi, zo = zero_point(rng, zps[0]), zero_point(rng, zps[1])
    wq = full_range_i8(rng, (units, k))
    in_scale = 0.5
    out_scale = float(in_scale * 10 ** rng.uniform(-3, -1))
    b = ModelBuilder()
    x = b.input("x", [batches, k], np.int8, quant=(in_scale, zi))
    if quant == "pc":
        ws = scales_wide(rng, units, -4.0, 0.0)
        wt = b.const("w", wq, quant={"scales": ws.tolist(), "zero_points": [0] * units, "axis": 0})
        bq = {"scales": (in_scale * ws).tolist(), "zero_points": [0] * units, "axis": 0}
        version = 12
    else:
        ws = float(10 ** rng.uniform(-4, 0))
        wt = b.const("w", wq, quant=(ws, wzp))
        bq = (in_scale * ws, 0)
        version = 4
    bt = b.const("b", bias_i32(rng, units, big_bias), quant=bq)
    y = b.tensor("y", [batches, units], np.int8, quant=(out_scale, zo))
    b.op("FULLY_CONNECTED", [x, wt, bt], [y], options={"fused_activation_function": act},
         version=version)
    b.output(y)
    return b.build(), [full_range_i8(rng, (batches, k))]


# ---- CONV_2D ---------------------------------------------------------------------------------

# (pixels h x w) x (cin) x (cout): pixel counts around the 6 / 8 pixel tiles, cin around the
# K groups of 2 / 4 / 16, cout around the 8 / 16 / 48 channel blocks.
POINTWISE = [
    (1, 1, 1, 1), (1, 5, 3, 7), (2, 3, 4, 8), (1, 7, 15, 9), (2, 4, 16, 15), (3, 3, 17, 16),
    (3, 5, 31, 17), (4, 4, 32, 31), (1, 17, 33, 32), (5, 5, 63, 33), (3, 6, 64, 47),
    (7, 7, 65, 48), (2, 9, 96, 49), (1, 13, 160, 64), (3, 3, 320, 97), (6, 6, 8, 24),
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("h,w,cin,cout", POINTWISE, ids=lambda v: str(v))
def test_conv_pointwise(isa, h, w, cin, cout):
    rng = rng_for("pw", h, w, cin, cout)
    zps = [("lo", "hi"), ("hi", "lo"), ("zero", "rand"), ("rand", "zero")][(h + cin) % 4]
    act = ["NONE", "RELU", "RELU6"][cout % 3]
    data, x = conv_model(rng, 1, h, w, cin, cout, (1, 1), (1, 1), (1, 1), "VALID", act, zps)
    check_exact(isa, data, x)


# (h, w, cin, cout, kernel, stride, dilation, padding)
GENERAL = [
    (9, 9, 3, 32, (3, 3), (2, 2), (1, 1), "SAME"),     # MobileNet stem
    (7, 8, 3, 16, (3, 3), (2, 2), (1, 1), "VALID"),
    (5, 5, 1, 1, (3, 3), (1, 1), (1, 1), "SAME"),
    (6, 7, 2, 9, (3, 3), (1, 1), (2, 2), "SAME"),
    (11, 5, 5, 17, (5, 2), (2, 1), (1, 3), "SAME"),
    (8, 8, 16, 33, (1, 3), (1, 2), (1, 1), "VALID"),
    (4, 9, 7, 48, (3, 1), (1, 1), (3, 1), "SAME"),
    (3, 3, 24, 49, (2, 2), (1, 1), (1, 1), "VALID"),
    (10, 10, 8, 20, (1, 1), (2, 2), (1, 1), "SAME"),   # strided 1x1: not the pointwise path
    (5, 6, 13, 8, (4, 4), (3, 2), (1, 1), "SAME"),
    (1, 1, 9, 5, (3, 3), (1, 1), (1, 1), "SAME"),      # every tap but one outside the input
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", GENERAL, ids=lambda c: f"{c[0]}x{c[1]}x{c[2]}-{c[3]}-k{c[4]}s{c[5]}d{c[6]}{c[7]}")
@pytest.mark.parametrize("zps", [("lo", "hi"), ("hi", "lo"), ("rand", "rand")])
def test_conv_general(isa, case, zps):
    h, w, cin, cout, k, stride, dil, pad = case
    rng = rng_for("gen", case, zps)
    data, x = conv_model(rng, 1, h, w, cin, cout, k, stride, dil, pad, "RELU6" if zps[0] == "lo" else "NONE",
                         zps)
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("cin,k", [(1100, (1, 1)), (640, (3, 3)), (2100, (1, 2))],
                         ids=["1x1-1100", "3x3-640", "1x2-2100"])
def test_conv_long_k(isa, cin, k):
    # K' = 1100 / 5760 / 4200: more than one panel chunk (2048 int16 on AVX2, 4096 bytes on
    # AVX-512) in some cases, so partial sums cross chunks
    rng = rng_for("longk", cin, k)
    data, x = conv_model(rng, 1, 3, 4, cin, 20, k, (1, 1), (1, 1), "SAME", "NONE", ("rand", "rand"))
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
def test_conv_batches_threads_big_bias(isa):
    rng = rng_for("batch")
    data, x = conv_model(rng, 3, 7, 5, 12, 40, (3, 3), (1, 2), (1, 1), "SAME", "NONE",
                         ("rand", "rand"), big_bias=True)
    check_exact(isa, data, x)
    check_exact(isa, data, x, num_threads=2)


@pytest.mark.parametrize("isa", ISAS)
def test_conv_accumulator_wraps(isa):
    # K' = 3*3*512 products of -128 * -128 (x + 128 with input zero point 0... here x = -128 and
    # zero point 127: (x - zp) = -255) exceed int32 when added to a huge bias: the int32 sum
    # wraps in the reference, and must wrap identically in every ISA.
    rng = rng_for("wrap")
    b = ModelBuilder()
    cin, cout = 512, 19
    x = b.input("x", [1, 3, 3, cin], np.int8, quant=(1.0, 127))
    wq = np.full((cout, 3, 3, cin), -128, np.int8)
    wq[1::2] = 127
    wt = b.const("w", wq, quant={"scales": [1e-3] * cout, "zero_points": [0] * cout, "axis": 0})
    bias = np.full(cout, 2**31 - 2**20, np.int64)
    bias[::3] = -2**31
    bt = b.const("b", bias.astype(np.int32),
                 quant={"scales": [1e-3] * cout, "zero_points": [0] * cout, "axis": 0})
    y = b.tensor("y", [1, 0, 0, cout], np.int8, quant=(1.0, 0))
    b.op("CONV_2D", [x, wt, bt], [y], options={"padding": "SAME"}, version=3)
    b.output(y)
    xs = np.full((1, 3, 3, cin), -128, np.int8)
    xs[0, 1] = full_range_i8(rng, (3, cin))
    check_exact(isa, b.build(), [xs])


def random_conv_geometry(rng, seed, max_cin, max_cout):
    """(n, h, w, cin, cout, kernel, stride, dilation, padding, activation) drawn for seed."""
    kh, kw = (int(v) for v in rng.integers(1, 5, 2))
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    dh, dw = (int(v) for v in rng.integers(1, 3, 2))
    h, w = int(rng.integers(max(1, kh), 12)), int(rng.integers(max(1, kw), 12))
    cin, cout = int(rng.integers(1, max_cin)), int(rng.integers(1, max_cout))
    pad = ["SAME", "VALID"][seed % 2]
    if pad == "VALID" and ((kh - 1) * dh + 1 > h or (kw - 1) * dw + 1 > w):
        pad = "SAME"
    return (int(rng.integers(1, 3)), h, w, cin, cout, (kh, kw), (sh, sw), (dh, dw), pad,
            ["NONE", "RELU", "RELU6"][seed % 3])


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("seed", range(12))
def test_conv_random(isa, seed):
    rng = rng_for("convrand", seed)
    n, h, w, cin, cout, k, stride, dil, pad, act = random_conv_geometry(rng, seed, 34, 70)
    zps = (["lo", "hi", "zero", "rand"][seed % 4], ["hi", "rand", "lo", "zero"][seed % 4])
    data, x = conv_model(rng, n, h, w, cin, cout, k, stride, dil, pad, act, zps, big_bias=seed % 2 == 1)
    check_exact(isa, data, x)


# ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------------

DW_CHANNELS = [1, 2, 7, 8, 15, 16, 17, 24, 31, 32, 33, 48, 65]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("c", DW_CHANNELS)
@pytest.mark.parametrize("stride,pad", [((1, 1), "SAME"), ((2, 2), "SAME"), ((2, 1), "VALID")])
def test_dw_3x3(isa, c, stride, pad):
    rng = rng_for("dw33", c, stride, pad)
    zps = [("lo", "hi"), ("hi", "lo"), ("rand", "rand")][c % 3]
    data, x = dw_model(rng, 1, 7, 9, c, (3, 3), stride, (1, 1), pad, ["NONE", "RELU6"][c % 2], zps)
    check_exact(isa, data, x)


# (h, w, c, kernel, stride, dilation, padding, depth multiplier)
DW_GENERAL = [
    (5, 5, 16, (1, 1), (1, 1), (1, 1), "VALID", 1),
    (6, 7, 33, (2, 2), (1, 1), (1, 1), "SAME", 1),
    (9, 9, 32, (5, 5), (2, 2), (1, 1), "SAME", 1),
    (8, 6, 17, (3, 1), (1, 2), (2, 1), "SAME", 1),
    (7, 11, 31, (1, 7), (1, 1), (1, 1), "SAME", 1),
    (10, 10, 5, (8, 8), (1, 1), (1, 1), "SAME", 1),   # 64 taps: the largest packed filter
    (10, 10, 5, (9, 9), (1, 1), (1, 1), "SAME", 1),   # 81 taps: reference fallback
    (6, 6, 40, (3, 3), (1, 1), (2, 2), "SAME", 1),
    (2, 2, 24, (3, 3), (1, 1), (1, 1), "SAME", 1),    # every pixel on the border
    (5, 5, 8, (3, 3), (1, 1), (1, 1), "SAME", 2),     # depth multiplier 2: reference fallback
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", DW_GENERAL,
                         ids=lambda c: f"{c[0]}x{c[1]}x{c[2]}-k{c[3]}s{c[4]}d{c[5]}{c[6]}m{c[7]}")
@pytest.mark.parametrize("zps", [("lo", "hi"), ("hi", "lo"), ("rand", "rand")])
def test_dw_general(isa, case, zps):
    h, w, c, k, stride, dil, pad, mult = case
    rng = rng_for("dwgen", case, zps)
    data, x = dw_model(rng, 1, h, w, c, k, stride, dil, pad, "RELU" if zps[0] == "hi" else "NONE", zps,
                       mult=mult, big_bias=zps[0] == "rand")
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
def test_dw_batches_threads(isa):
    rng = rng_for("dwbatch")
    data, x = dw_model(rng, 3, 9, 8, 40, (3, 3), (1, 1), (1, 1), "SAME", "NONE", ("rand", "rand"),
                       big_bias=True)
    check_exact(isa, data, x)
    check_exact(isa, data, x, num_threads=2)


# ---- FULLY_CONNECTED -------------------------------------------------------------------------

FC_K = [1, 15, 16, 17, 31, 32, 33, 63, 65, 1280]
FC_UNITS = [1, 3, 4, 5, 9, 17]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("k", FC_K)
@pytest.mark.parametrize("quant", ["pt", "pc", "pt_wzp"])
def test_fc(isa, k, quant):
    rng = rng_for("fc", k, quant)
    units = FC_UNITS[k % len(FC_UNITS)]
    batches = 1 + k % 3
    zps = [("lo", "hi"), ("hi", "lo"), ("rand", "rand")][k % 3]
    data, x = fc_model(rng, batches, k, units, "pc" if quant == "pc" else "pt",
                       act=["NONE", "RELU", "RELU6"][k % 3], zps=zps,
                       wzp=int(rng.integers(-128, 128)) if quant == "pt_wzp" else 0,
                       big_bias=k % 2 == 1)
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("units", FC_UNITS + [16, 33])
def test_fc_units(isa, units):
    rng = rng_for("fcu", units)
    data, x = fc_model(rng, 2, 40, units, "pc", zps=("rand", "rand"))
    check_exact(isa, data, x)
    check_exact(isa, data, x, num_threads=2)


# ---- corpus models ---------------------------------------------------------------------------

def corpus(pattern):
    """Corpus model names matching pattern (e.g. "*int8*")."""
    d = os.path.join(SHARED, "models")
    if not os.path.isdir(d):
        return []
    return sorted(os.path.basename(p)[:-len(".tflite")] for p in glob.glob(os.path.join(d, pattern + ".tflite")))


@functools.lru_cache(maxsize=None)
def corpus_case(name):
    with open(os.path.join(SHARED, "models", name + ".tflite"), "rb") as f:
        data = f.read()
    g = np.load(os.path.join(SHARED, "golden", name + ".npz"))
    count = lambda prefix: len([k for k in g.files if re.fullmatch(prefix + r"\d+", k)])  # noqa: E731
    inputs = [g[f"in{i}"] for i in range(count("in"))]
    golden = [g[f"ref_out{i}"] for i in range(count("ref_out"))]
    return data, inputs, golden


def check_corpus(isa, name):
    """Corpus model `name` under isa: the same bytes as tflite_rt's reference run and as the
    LiteRT BUILTIN_REF golden outputs."""
    if name == "(no corpus)":
        pytest.skip(f"no corpus in {SHARED}/models")
    need(isa)
    try:
        data, inputs, golden = corpus_case(name)
        ref = run(data, inputs)
    except Exception as e:  # no golden file, or an op tflite_rt does not run: not this file's concern
        pytest.skip(f"cannot check {name}: {e}")
    got = run(data, inputs, isa)
    for i, (g, r) in enumerate(zip(got, ref)):
        assert np.array_equal(g, r), f"{name} output {i} under {isa} differs from tflite_rt's reference"
    for i, gold in enumerate(golden):
        assert np.array_equal(got[i], gold), f"{name} output {i} under {isa} differs from LiteRT's BUILTIN_REF"


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", corpus("*int8*") or ["(no corpus)"])
def test_corpus_int8(isa, name):
    check_corpus(isa, name)
