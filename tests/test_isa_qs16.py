"""int16x8 (qs16: int16 activations, int8 weights, int64 bias) SIMD kernels of every ISA
against tflite_rt's own reference kernels, bit for bit.

The int16x8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels of csrc/kernels/x86_avx2
and x86_avx512 (qs16_*.c, instances of the templates in csrc/kernels/simd_tmpl) plug over the
reference at run time. Each available ISA runs one-op int16x8 models and must produce exactly
the bytes of the same model under OpResolverType.BUILTIN_REF (reference kernels only); a few
cases also go to LiteRT's BUILTIN_REF directly:

- shapes straddle the tiles: conv tiles of 6 pixels x 16 channels (AVX2) and 8 pixels x 48
  channels (AVX512-VNNI), K in pairs, int32 blocks of 480 K values widened to int64, panel
  chunks of 2048 values; depthwise blocks of 16 (AVX2) and 32 (AVX-512) channels; FC steps of
  16 / 32 inputs, int32 blocks of 3840 / 7680, 4 units at a time;
- full-range data: activations over [-32768, 32767] (extremes over-represented, and all
  -32768 against all -128 weights, the largest products), weights over [-128, 127];
- int64 biases: random, zero, absent, at the edge of the kernels' fast path (+-(2^46 - 1)),
  and beyond it (their exact path: 2^46, TFLite's 2^47 accumulator contract, where the
  reference clamps, and INT64_MIN / INT64_MAX, where its sum also wraps); per-channel
  multipliers from about 2^-30 to the largest accepted (2^14), and results beyond int32 (the
  reference's wrap);
- strides, dilations, SAME/VALID, batches, 2 threads;
- every int16x8 corpus model (../shared/models/*int16x8*.tflite, when present) against its
  LiteRT BUILTIN_REF golden (ref_out*) and tflite_rt's own reference run.

An ISA the CPU lacks is skipped with the reason. No timings here (see bench/).
"""
import numpy as np
import pytest

from tests import oracle
from tests.test_isa_qs8 import (DW_CHANNELS, DW_GENERAL, FC_K, FC_UNITS, GENERAL, ISAS, POINTWISE,
                                check_corpus, check_exact, corpus, full_range_i8, isa_env, need,
                                random_conv_geometry, rng_for, run, scales_wide)
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(oracle.impl_name() != "tflite_rt",
                                reason="ISA paths are a tflite_rt feature")

I64 = np.iinfo(np.int64)


# ---- data ------------------------------------------------------------------------------------

def full_range_i16(rng, shape):
    """Uniform over [-32768, 32767] with the extremes over-represented."""
    x = rng.integers(-32768, 32768, shape)
    m = rng.random(shape)
    x = np.where(m < 0.05, -32768, np.where(m > 0.95, 32767, x))
    return x.astype(np.int16)


def bias_i64(rng, n, kind):
    """rand: |b| < 2^40; zero; edge: random ones mixed with +-(2^46 - 1), the largest the SIMD
    kernels' fast path takes; beyond: random ones mixed with values at 2^46 (the kernels' exact
    path) and around TFLite's 2^47 contract (the reference clamps the sum); extreme: also the
    int64 limits (the reference's sum wraps, then is clamped)."""
    if kind == "zero":
        return np.zeros(n, np.int64)
    b = rng.integers(-2**40, 2**40, n, dtype=np.int64)
    if kind == "edge":
        b[::2] = np.array([2**46 - 1, 1 - 2**46], np.int64)[np.arange(len(b[::2])) % 2]
    if kind == "beyond":
        special = np.array([2**47 - 1, -2**47, 2**46, -2**46, 2**47, -2**47 - 1, 2**48, -2**48], np.int64)
        b[::2] = special[np.arange(len(b[::2])) % len(special)]
    if kind == "extreme":
        special = np.array([I64.max, I64.min, 2**47, -2**47, 2**47 - 1, -2**47 - 1, 2**46, -2**46,
                            I64.max - 2**30, I64.min + 2**30, 2**62, -2**62], np.int64)
        b[::2] = special[np.arange(len(b[::2])) % len(special)]
    return b


# ---- one-op models ---------------------------------------------------------------------------

def conv16_model(rng, n, h, w, cin, cout, k, stride, dilation, padding, act="NONE", bias="rand",
                 dw=False, big_mult=False, x=None, wq=None):
    """CONV_2D (version 4) or DEPTHWISE_CONV_2D (version 5, multiplier 1) int16x8, per-channel
    filter scales: effective multipliers in_scale * w_scale / out_scale span about 1e-7 .. 1e3
    (shifts -23 .. 10); big_mult puts some at the largest shift accepted (2^14) and some at
    about 2^-30."""
    kh, kw = k
    wshape = (1, kh, kw, cin) if dw else (cout, kh, kw, cin)
    if dw:
        cout = cin
    if wq is None:
        wq = full_range_i8(rng, wshape)
    ws = scales_wide(rng, cout, -8.0, 0.0)
    in_scale = 0.5
    out_scale = float(in_scale * 10 ** rng.uniform(-3, -1))
    if big_mult:  # multiplier 1.5 * 2^13: shift 14 (the largest accepted), total shift 1
        ws[::3] = np.float32(out_scale / in_scale * 2.0**13 * 1.5)
        ws[1::3] = np.float32(out_scale / in_scale * 2.0**-30 * 1.5)
    b = ModelBuilder()
    xt = b.input("x", [n, h, w, cin], np.int16, quant=(in_scale, 0))
    wt = b.const("w", wq, quant={"scales": ws.tolist(), "zero_points": [0] * cout, "axis": 3 if dw else 0})
    ins = [xt, wt]
    if bias != "none":
        ins.append(b.const("b", bias_i64(rng, cout, bias),
                           quant={"scales": (in_scale * ws).tolist(), "zero_points": [0] * cout, "axis": 0}))
    y = b.tensor("y", [n, 0, 0, cout], np.int16, quant=(out_scale, 0))
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
            "fused_activation_function": act}
    if dw:
        opts["depth_multiplier"] = 1
    b.op("DEPTHWISE_CONV_2D" if dw else "CONV_2D", ins, [y], options=opts, version=5 if dw else 4)
    b.output(y)
    return b.build(), [full_range_i16(rng, (n, h, w, cin)) if x is None else x]


def check_exact_litert(isa, data, inputs, litert=True):
    """check_exact, and (litert, when ai-edge-litert is installed) the reference run must equal
    LiteRT's BUILTIN_REF: only for data inside TFLite's contract (beyond it TFLite's arithmetic
    is undefined)."""
    check_exact(isa, data, inputs)
    if not litert or not oracle.have_litert():
        return
    want = oracle._run(oracle._litert_interpreter(data), inputs)
    for g, r in zip(run(data, inputs), want):
        assert np.array_equal(g, r), "tflite_rt's reference differs from LiteRT's BUILTIN_REF"


# ---- CONV_2D ---------------------------------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("h,w,cin,cout", POINTWISE, ids=lambda v: str(v))
def test_conv_pointwise(isa, h, w, cin, cout):
    rng = rng_for("pw16", h, w, cin, cout)
    act = ["NONE", "RELU", "RELU6"][cout % 3]
    data, x = conv16_model(rng, 1, h, w, cin, cout, (1, 1), (1, 1), (1, 1), "VALID", act,
                           bias=["rand", "zero", "none", "extreme"][(h + cin) % 4])
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", GENERAL, ids=lambda c: f"{c[0]}x{c[1]}x{c[2]}-{c[3]}-k{c[4]}s{c[5]}d{c[6]}{c[7]}")
@pytest.mark.parametrize("bias", ["rand", "edge", "beyond", "extreme"])
def test_conv_general(isa, case, bias):
    h, w, cin, cout, k, stride, dil, pad = case
    rng = rng_for("gen16", case, bias)
    data, x = conv16_model(rng, 1, h, w, cin, cout, k, stride, dil, pad,
                           "RELU" if bias == "rand" else "NONE", bias=bias, big_mult=bias != "rand")
    check_exact(isa, data, x)


# K' around the int32 block (480 values), and beyond the 2048-value panel chunk (partial int64
# sums across chunks): (cin, kernel)
LONG_K = [(478, (1, 1)), (480, (1, 1)), (481, (1, 1)), (482, (1, 1)), (54, (3, 3)), (107, (3, 3)),
          (960, (1, 1)), (1100, (1, 1)), (2047, (1, 1)), (2049, (1, 1)), (640, (3, 3)), (2100, (1, 2))]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("cin,k", LONG_K, ids=lambda v: str(v))
def test_conv_long_k(isa, cin, k):
    rng = rng_for("longk16", cin, k)
    data, x = conv16_model(rng, 1, 3, 4, cin, 20 + cin % 37, k, (1, 1), (1, 1), "SAME",
                           bias=["rand", "edge", "beyond", "extreme"][cin % 4], big_mult=True)
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("cin,k", [(480, (1, 1)), (481, (1, 1)), (2049, (1, 1)), (512, (3, 3))],
                         ids=lambda v: str(v))
@pytest.mark.parametrize("bias", ["rand", "edge", "beyond", "extreme"])
def test_conv_largest_products(isa, cin, k, bias):
    # every product is (-32768) * (-128) = 2^22: an int32 block of 480 values sums to
    # 480 * 2^22 < 2^31, the bound of the widening; alternate channels take -2^22 (weight 127
    # is -2^22 + 2^15) and sums far beyond int32 overall
    rng = rng_for("big16", cin, k)
    cout = 50
    wq = np.full((cout, k[0], k[1], cin), -128, np.int8)
    wq[1::2] = 127
    x = np.full((1, 3, 3, cin), -32768, np.int16)
    x[0, 1, 1, ::7] = 32767
    data, xs = conv16_model(rng, 1, 3, 3, cin, cout, k, (1, 1), (1, 1), "SAME", bias=bias, x=x, wq=wq,
                            big_mult=True)
    check_exact_litert(isa, data, xs, litert=bias == "rand")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("seed", range(12))
def test_conv_random(isa, seed):
    rng = rng_for("conv16rand", seed)
    n, h, w, cin, cout, k, stride, dil, pad, act = random_conv_geometry(rng, seed, 70, 100)
    data, x = conv16_model(rng, n, h, w, cin, cout, k, stride, dil, pad, act,
                           bias=["rand", "extreme", "none", "edge", "beyond", "zero"][seed % 6],
                           big_mult=seed % 4 == 1)
    check_exact(isa, data, x)


# ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("c", DW_CHANNELS + [64])
@pytest.mark.parametrize("stride,pad", [((1, 1), "SAME"), ((2, 2), "SAME"), ((2, 1), "VALID")])
def test_dw_3x3(isa, c, stride, pad):
    rng = rng_for("dw16", c, stride, pad)
    data, x = conv16_model(rng, 1, 7, 9, c, c, (3, 3), stride, (1, 1), pad, ["NONE", "RELU6"][c % 2],
                           bias=["rand", "extreme", "zero", "none", "edge"][c % 5], dw=True, big_mult=c % 3 == 0)
    check_exact(isa, data, x)


# test_isa_qs8's cases with depth multiplier 1 (the only one the kernels pack)
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("case", [c[:7] for c in DW_GENERAL if c[7] == 1],
                         ids=lambda c: f"{c[0]}x{c[1]}x{c[2]}-k{c[3]}s{c[4]}d{c[5]}{c[6]}")
@pytest.mark.parametrize("bias", ["rand", "edge", "beyond", "extreme"])
def test_dw_general(isa, case, bias):
    h, w, c, k, stride, dil, pad = case
    rng = rng_for("dwgen16", case, bias)
    data, x = conv16_model(rng, 1, h, w, c, c, k, stride, dil, pad, "RELU" if bias == "rand" else "NONE",
                           bias=bias, dw=True, big_mult=bias != "rand")
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("k", [(3, 3), (8, 8)])
@pytest.mark.parametrize("bias", ["rand", "edge", "beyond", "extreme"])
def test_dw_largest_products(isa, k, bias):
    # (-32768) * (-128) on every tap: 64 taps sum to 2^28 in the int32 lanes
    rng = rng_for("dwbig16", k)
    c = 40
    wq = np.full((1, k[0], k[1], c), -128, np.int8)
    wq[..., 1::2] = 127
    x = np.full((1, 9, 9, c), -32768, np.int16)
    data, xs = conv16_model(rng, 1, 9, 9, c, c, k, (1, 1), (1, 1), "VALID", bias=bias, dw=True, x=x, wq=wq,
                            big_mult=True)
    check_exact_litert(isa, data, xs, litert=bias == "rand")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dw", [False, True], ids=["conv", "dw"])
@pytest.mark.parametrize("bias", ["rand", "extreme"])
def test_batches_threads(isa, dw, bias):
    rng = rng_for("batch16", dw, bias)
    data, x = conv16_model(rng, 3, 9, 8, 40, 40, (3, 3), (1, 2 - dw), (1, 1), "SAME", bias=bias, dw=dw)
    check_exact(isa, data, x)
    check_exact(isa, data, x, num_threads=2)


# ---- FULLY_CONNECTED -------------------------------------------------------------------------

def fc16_model(rng, batches, k, units, quant="pc", bias="rand", wzp=0, x=None, wq=None, act="NONE",
               scales=(-8.0, 0.0)):
    """FULLY_CONNECTED int16x8 (int64 bias, version 4 or 12 for per-channel weights); weight
    scales 10^scales[0] .. 10^scales[1]."""
    if wq is None:
        wq = full_range_i8(rng, (units, k))
    in_scale = 0.5
    out_scale = float(in_scale * 10 ** rng.uniform(-3, -1))
    b = ModelBuilder()
    xt = b.input("x", [batches, k], np.int16, quant=(in_scale, 0))
    if quant == "pc":
        ws = scales_wide(rng, units, *scales)
        wt = b.const("w", wq, quant={"scales": ws.tolist(), "zero_points": [0] * units, "axis": 0})
        bq = {"scales": (in_scale * ws).tolist(), "zero_points": [0] * units, "axis": 0}
    else:
        ws = float(10 ** rng.uniform(-6, 0))
        wt = b.const("w", wq, quant=(ws, wzp))
        bq = (in_scale * ws, 0)
    ins = [xt, wt]
    if bias != "none":
        ins.append(b.const("b", bias_i64(rng, units, bias), quant=bq))
    y = b.tensor("y", [batches, units], np.int16, quant=(out_scale, 0))
    b.op("FULLY_CONNECTED", ins, [y], options={"fused_activation_function": act},
         version=12 if quant == "pc" else 4)
    b.output(y)
    return b.build(), [full_range_i16(rng, (batches, k)) if x is None else x]


# test_isa_qs8's in_features, and around the int32 blocks (3840 / 7680 values)
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("k", FC_K + [64, 3839, 3841, 7681])
@pytest.mark.parametrize("quant,bias,wzp", [("pc", "rand", False), ("pt", "extreme", False),
                                            ("pt", "none", True), ("pc", "zero", False)])
def test_fc(isa, k, quant, bias, wzp):
    rng = rng_for("fc16", k, quant, bias)
    data, x = fc16_model(rng, 1 + k % 3, k, FC_UNITS[k % len(FC_UNITS)], quant, bias=bias,
                         wzp=int(rng.integers(-128, 128)) if wzp else 0, act=["NONE", "RELU", "RELU6"][k % 3])
    check_exact(isa, data, x)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("k", [64, 3841, 8000, 16400])
def test_fc_largest_products(isa, k):
    # every product (-32768) * (-128) = 2^22 (odd units: 127): int32 blocks at their bound. Small
    # scales keep acc * scale inside int32 (beyond it TFLite's double -> int32 conversion is
    # undefined, and LiteRT's result differs from the reference's saturation)
    rng = rng_for("fcbig16", k)
    wq = np.full((6, k), -128, np.int8)
    wq[1::2] = 127
    x = np.full((2, k), -32768, np.int16)
    x[1, ::3] = 32767
    data, xs = fc16_model(rng, 2, k, 6, bias="rand", x=x, wq=wq, scales=(-12.0, -7.0))
    check_exact_litert(isa, data, xs)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("units", FC_UNITS + [16, 33])
def test_fc_units_threads(isa, units):
    rng = rng_for("fcu16", units)
    data, x = fc16_model(rng, 3, 40, units)
    check_exact(isa, data, x)
    check_exact(isa, data, x, num_threads=2)


# ---- the packed kernels do run ---------------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dw", [False, True], ids=["conv", "dw"])
def test_weights_packed(isa, dw):
    # packing in prepare shows as persistent memory beyond the reference's multipliers
    import tflite_rt
    need(isa)
    data, _ = conv16_model(rng_for("packed16", dw), 1, 8, 8, 32, 32, (3, 3), (1, 1), (1, 1), "SAME", dw=dw)
    ref = tflite_rt.Interpreter(model_content=data,
                                experimental_op_resolver_type=tflite_rt.OpResolverType.BUILTIN_REF)
    with isa_env(isa):
        simd = tflite_rt.Interpreter(model_content=data)
    ref.allocate_tensors()
    simd.allocate_tensors()
    assert simd.memory_info()["persistent_bytes"] > ref.memory_info()["persistent_bytes"] + 9 * 32 * 2


# ---- corpus models ---------------------------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("name", corpus("*int16x8*") or ["(no corpus)"])
def test_corpus_int16x8(isa, name):
    check_corpus(isa, name)
