"""CONV_2D against LiteRT's reference kernels (BUILTIN_REF): float32, int8 (per-tensor and
per-channel filters, int4 filters), int16x8 (int64 and int32 bias), legacy uint8, hybrid
(float input, int8 filter, per-tensor and per-channel), grouped convolution, batch > 1,
strides, dilations, SAME/VALID padding, fused activations, thread counts, and prepare errors.

Integer outputs must be bit-exact; float outputs within tests/tolerances.py. The default run
is a small representative grid; `pytest -m slow` adds a larger sweep.
"""
import itertools
import zlib

import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, compare_all, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
QRANGE = {np.int8: (-128, 127), np.uint8: (0, 255), np.int16: (-32768, 32767)}


# ---- numpy helpers ---------------------------------------------------------------------------

def window(n, k, stride, dilation, padding):
    """TFLite's output size and leading padding for one dimension."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (n + stride - 1) // stride
    else:
        out = int((n + stride - eff) / stride)  # C division truncates toward zero
    pad = max((out - 1) * stride + eff - n, 0) // 2
    return out, pad


def np_conv(x, w, b, stride, dilation, padding, act="NONE"):
    """Float64 grouped NHWC convolution with TFLite's padding; w is [O, KH, KW, C/groups]."""
    n, h, wd, c = x.shape
    o, kh, kw, fc = w.shape
    groups = c // fc
    (sh, sw), (dh, dw) = stride, dilation
    oh, ph = window(h, kh, sh, dh, padding)
    ow, pw = window(wd, kw, sw, dw, padding)
    y = np.zeros((n, oh, ow, o))
    wg = w.reshape(groups, o // groups, kh, kw, fc).astype(np.float64)
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if not 0 <= iy < h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pw + kx * dw
                    if not 0 <= ix < wd:
                        continue
                    patch = x[:, iy, ix, :].reshape(n, groups, fc).astype(np.float64)
                    y[:, oy, ox, :] += np.einsum("ngf,gof->ngo", patch,
                                                 wg[:, :, ky, kx, :]).reshape(n, o)
    if b is not None:
        y += b
    lo, hi = {"NONE": (-np.inf, np.inf), "RELU": (0, np.inf), "RELU6": (0, 6),
              "RELU_N1_TO_1": (-1, 1)}[act]
    return np.clip(y, lo, hi)


def per_channel_quant(w, axis, bits=8):
    """Symmetric per-channel quantization along `axis`: (q, scales)."""
    qmax = 2 ** (bits - 1) - 1
    red = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.max(np.abs(w), axis=red)
    scales = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scales.reshape(shape)), -qmax, qmax).astype(np.int8)
    return q, scales


def out_quant(y, dtype):
    """An output scale/zero point covering most of y's range (some values saturate)."""
    lo, hi = QRANGE[dtype]
    if y.size == 0:  # empty output (VALID padding with a window larger than the input)
        return 1.0, 0
    if dtype == np.int16:
        return float(max(np.abs(y).max(), 1e-3) / 30000.0), 0
    span = max(float(y.max() - y.min()), 1e-3)
    scale = span / (hi - lo) * 0.9
    zp = int(np.clip(round(lo - y.min() / scale) + 5, lo, hi))
    return scale, zp


# ---- model construction ----------------------------------------------------------------------

def conv_case(mode, n=1, h=6, w=7, cin=3, cout=4, kh=3, kw=3, stride=(1, 1), dilation=(1, 1),
              padding="SAME", act="NONE", groups=1, bias=True, seed=0):
    # bias: True (random), False (no bias input) or "zero" (an all-zero bias tensor)
    """Builds a one-op CONV_2D model. Returns (model bytes, [input array], numpy expectation or
    None). Modes: f32, qs8 (per-channel), qs8_pt (per-tensor), qs8_int4, qs16, qs16_b32,
    qu8, hybrid_pt, hybrid_pc."""
    rng = np.random.default_rng(seed)
    fc = cin // groups
    wf = rng.uniform(-1, 1, (cout, kh, kw, fc)).astype(np.float32)
    wf *= rng.uniform(0.2, 2.0, (cout, 1, 1, 1)).astype(np.float32)  # channel scales differ
    bf = rng.uniform(-1, 1, cout).astype(np.float32)
    if bias == "zero":
        bf[:] = 0
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
            "fused_activation_function": act}
    b = ModelBuilder()
    expected = None

    if mode in ("f32", "hybrid_pt", "hybrid_pc"):
        x = rng.uniform(-2, 2, (n, h, w, cin)).astype(np.float32)
        xi = b.input("x", [n, h, w, cin], np.float32)
        if mode == "f32":
            wt = b.const("w", wf)
            version = 6 if groups > 1 else 1
            expected = [np_conv(x, wf, bf if bias else None, stride, dilation, padding,
                                act).astype(np.float32)]
        else:
            if mode == "hybrid_pc":
                q, s = per_channel_quant(wf, 0)
                wt = b.const("w", q, quant={"scales": s.tolist(), "zero_points": [0] * cout,
                                             "axis": 0})
                version = 5
            else:
                s = float(np.abs(wf).max() / 127)
                q = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
                wt = b.const("w", q, quant=(s, 0))
                version = 2
        bt = b.const("b", bf) if bias else -1
        yi = b.tensor("y", [n, 0, 0, cout], np.float32)
        b.op("CONV_2D", [xi, wt, bt] if bias else [xi, wt], [yi], options=opts, version=version)
        b.output(yi)
        return b.build(), [x], expected

    act_dtype = {"qs8": np.int8, "qs8_pt": np.int8, "qs8_int4": np.int8, "qs16": np.int16,
                 "qs16_b32": np.int16, "qu8": np.uint8}[mode]
    lo, hi = QRANGE[act_dtype]
    if act_dtype == np.int16:
        in_scale, in_zp = 1.0 / 8192, 0
        xq = rng.integers(-20000, 20000, (n, h, w, cin), endpoint=True).astype(np.int16)
    elif act_dtype == np.uint8:
        in_scale, in_zp = 0.02, 131
        xq = rng.integers(0, 255, (n, h, w, cin), endpoint=True).astype(np.uint8)
    else:
        in_scale, in_zp = 0.02, -7
        xq = rng.integers(-128, 127, (n, h, w, cin), endpoint=True).astype(np.int8)
    x_real = (xq.astype(np.float64) - in_zp) * in_scale

    if mode == "qu8":
        w_zp = 121
        s = max(float(wf.max() - wf.min()), float(np.abs(wf).max())) / 255
        wq = np.clip(np.round(wf / s) + w_zp, 0, 255).astype(np.uint8)
        w_real = (wq.astype(np.float64) - w_zp) * s
        w_scales = np.full(cout, s)
        wquant = (s, w_zp)
        wdata = wq
    elif mode == "qs8_pt":
        s = float(np.abs(wf).max() / 127)
        wq = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
        w_real = wq * s
        w_scales = np.full(cout, s)
        wquant = (s, 0)
        wdata = wq
    else:
        bits = 4 if mode == "qs8_int4" else 8
        wq, w_scales = per_channel_quant(wf, 0, bits)
        w_real = wq * w_scales.reshape(-1, 1, 1, 1).astype(np.float64)
        wquant = {"scales": w_scales.tolist(), "zero_points": [0] * cout, "axis": 0}
        wdata = wq
    bias_scales = in_scale * np.asarray(w_scales, dtype=np.float64)
    bias_dtype = np.int64 if mode == "qs16" else np.int32
    bq = np.round(bf / bias_scales).astype(bias_dtype)
    y = np_conv(x_real, w_real, bq * bias_scales if bias else None, stride, dilation, padding)
    out_scale, out_zp = out_quant(y, act_dtype)

    xi = b.input("x", [n, h, w, cin], act_dtype, quant=(in_scale, in_zp))
    if mode == "qs8_int4":
        wt = b.const("w", wdata, dtype="int4", quant=wquant)
    else:
        wt = b.const("w", wdata, quant=wquant)
    bt = -1
    if bias:
        if mode in ("qu8", "qs8_pt"):  # per-tensor filter: one bias scale, as converters write
            bquant = (float(bias_scales[0]), 0)
        else:
            bquant = {"scales": bias_scales.astype(np.float32).tolist(),
                      "zero_points": [0] * cout, "axis": 0}
        bt = b.const("b", bq, quant=bquant)
    yi = b.tensor("y", [n, 0, 0, cout], act_dtype, quant=(out_scale, out_zp))
    version = {"qs8": 3, "qs8_pt": 3, "qs8_int4": 7, "qs16": 4, "qs16_b32": 8, "qu8": 1}[mode]
    if groups > 1 and mode in ("qs8", "qs8_pt"):
        version = 6
    if mode == "qs16_b32":
        opts["quantized_bias_type"] = "INT32"
    b.op("CONV_2D", [xi, wt, bt] if bias else [xi, wt], [yi], options=opts, version=version)
    b.output(yi)
    return b.build(), [xq], expected


def tol_for(mode):
    return tolerances.HYBRID if mode.startswith("hybrid") else tolerances.FLOAT32


# ---- default grid ----------------------------------------------------------------------------

MODES = ["f32", "qs8", "qs8_pt", "qs16", "qs16_b32", "qu8", "hybrid_pt", "hybrid_pc", "qs8_int4"]

GEOMETRIES = [
    # (n, h, w, cin, cout, kh, kw, stride, dilation, padding)
    (1, 6, 7, 3, 4, 3, 3, (1, 1), (1, 1), "SAME"),
    (1, 6, 7, 3, 4, 3, 3, (2, 2), (1, 1), "VALID"),
    (2, 5, 5, 2, 3, 1, 1, (1, 1), (1, 1), "VALID"),    # 1x1, batch 2
    (1, 9, 8, 4, 5, 3, 2, (2, 1), (2, 3), "SAME"),     # dilation, odd sizes
    (1, 1, 1, 1, 1, 1, 1, (1, 1), (1, 1), "SAME"),     # everything size 1
    (3, 7, 4, 5, 2, 5, 3, (3, 2), (1, 1), "SAME"),     # filter larger than stride, batch 3
    (1, 4, 4, 3, 2, 4, 4, (1, 1), (1, 1), "VALID"),    # filter == input -> 1x1 output
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: "x".join(map(str, g[:7])) +
                         f"_s{g[7][0]}{g[7][1]}_d{g[8][0]}{g[8][1]}_{g[9]}")
def test_conv_geometries(mode, geom):
    n, h, w, cin, cout, kh, kw, stride, dilation, padding = geom
    model, inputs, expected = conv_case(mode, n, h, w, cin, cout, kh, kw, stride, dilation,
                                        padding, seed=zlib.crc32(repr((mode, geom)).encode()) % 1000)
    check(model, inputs, expected=expected, tol=tol_for(mode))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("act", ACTS)
def test_conv_activations(mode, act):
    model, inputs, expected = conv_case(mode, n=1, h=5, w=6, cin=3, cout=4, act=act, seed=7)
    check(model, inputs, expected=expected, tol=tol_for(mode))


@pytest.mark.parametrize("mode", ["f32", "qs8", "qs8_pt", "qs16", "qu8", "hybrid_pc"])
@pytest.mark.parametrize("groups,cin,cout", [(2, 4, 6), (3, 6, 3), (4, 4, 4)])
def test_conv_grouped(mode, groups, cin, cout):
    # Grouped conv (filter channels < input channels). Not tested: hybrid with a per-tensor
    # filter scale, which LiteRT 2.3 rejects for groups (it wants one scale per channel) and
    # tflite_rt runs through the per-channel hybrid path.
    model, inputs, expected = conv_case(mode, n=2, h=5, w=5, cin=cin, cout=cout, groups=groups,
                                        stride=(1, 2), seed=groups)
    check(model, inputs, expected=expected, tol=tol_for(mode))


@pytest.mark.parametrize("mode", ["f32", "qs8", "qs16", "hybrid_pc"])
@pytest.mark.parametrize("threads", [2, 3])
def test_conv_threads(mode, threads):
    model, inputs, expected = conv_case(mode, n=2, h=9, w=6, cin=3, cout=5, seed=11)
    one = run_rt(model, inputs, num_threads=1)
    many = run_rt(model, inputs, num_threads=threads)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)
    check(model, inputs, expected=expected, tol=tol_for(mode), num_threads=threads)


@pytest.mark.parametrize("mode", ["f32", "qs8", "qu8", "qs16", "qs16_b32", "hybrid_pt",
                                  "hybrid_pc"])
def test_conv_without_bias(mode):
    # TFLite's kernel insists on a bias; tflite_rt accepts its absence (a zero bias). Compare
    # with the oracle running the same model given an explicit all-zero bias.
    model_nb, inputs, _ = conv_case(mode, bias=False, seed=3)
    model_zb, _, _ = conv_case(mode, bias="zero", seed=3)
    got = run_rt(model_nb, inputs)
    ref = run_ref(model_zb, inputs)
    compare_all(got, ref, tol_for(mode), source="oracle with a zero bias")


def test_conv_extreme_inputs_int8():
    # Full-scale inputs and filters, large accumulation depth (K = 3*3*64): exercises rounding
    # and saturation of the requantization.
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    xi = b.input("x", [1, 5, 5, 64], np.int8, quant=(0.5, -128))
    wq = np.where(rng.random((8, 3, 3, 64)) < 0.5, -127, 127).astype(np.int8)
    scales = (rng.uniform(0.5, 2, 8) * 1e-2).astype(np.float32)
    wt = b.const("w", wq, quant={"scales": scales.tolist(), "zero_points": [0] * 8, "axis": 0})
    bt = b.const("b", rng.integers(-2**20, 2**20, 8).astype(np.int32),
                 quant={"scales": (0.5 * scales).tolist(), "zero_points": [0] * 8, "axis": 0})
    yi = b.tensor("y", [1, 5, 5, 8], np.int8, quant=(3.0, 3))
    b.op("CONV_2D", [xi, wt, bt], [yi], options={"padding": "SAME"}, version=3)
    b.output(yi)
    x = np.where(rng.random((1, 5, 5, 64)) < 0.5, -128, 127).astype(np.int8)
    check(b.build(), [x])


@pytest.mark.parametrize("bias_dtype,version", [(np.int32, 8), (np.int64, 4)])
def test_conv_int16_accumulator_overflow(bias_dtype, version):
    # K = 3*3*64 full-scale int16 x int8 products overflow an int32 accumulator: with an int32
    # bias TFLite's accumulator wraps (tflite_rt reproduces it); with int64 it does not.
    w = np.full((4, 3, 3, 64), 127, np.int8)
    w[1] = -127
    w[2, :, :, ::2] = -127
    b = ModelBuilder()
    xi = b.input("x", [1, 3, 3, 64], np.int16, quant=(1e-3, 0))
    wt = b.const("w", w, quant={"scales": [1e-3] * 4, "zero_points": [0] * 4, "axis": 0})
    bt = b.const("b", np.array([0, 0, 0, 2**30], bias_dtype),
                 quant={"scales": [1e-6] * 4, "zero_points": [0] * 4, "axis": 0})
    yi = b.tensor("y", [1, 1, 1, 4], np.int16, quant=(0.5, 0))
    opts = {"padding": "VALID"}
    if bias_dtype == np.int32:
        opts["quantized_bias_type"] = "INT32"
    b.op("CONV_2D", [xi, wt, bt], [yi], options=opts, version=version)
    b.output(yi)
    check(b.build(), [np.full((1, 3, 3, 64), 32767, np.int16)])


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D"])
def test_int16_requantized_value_beyond_int32(op):
    # An int64 bias near 2^46 with an effective output scale near 2^14: the 64-bit
    # requantization produces a value outside int32, which TFLite casts (wraps) to int32.
    big = np.array([2**46 - 12345, -(2**46) + 777, 2**40 + 3, 5], np.int64)
    b = ModelBuilder()
    xi = b.input("x", [1, 2, 2, 4 if op == "CONV_2D" else 4], np.int16, quant=(1.0, 0))
    if op == "CONV_2D":
        wt = b.const("w", np.ones((4, 1, 1, 4), np.int8), quant={"scales": [1.0] * 4,
                                                                 "zero_points": [0] * 4, "axis": 0})
        version = 4
    else:
        wt = b.const("w", np.ones((1, 1, 1, 4), np.int8), quant={"scales": [1.0] * 4,
                                                                 "zero_points": [0] * 4, "axis": 3})
        version = 5
    bt = b.const("b", big, quant={"scales": [1.0] * 4, "zero_points": [0] * 4, "axis": 0})
    yi = b.tensor("y", [1, 2, 2, 4], np.int16, quant=(1 / 16000, 0))
    b.op(op, [xi, wt, bt], [yi], options={"padding": "VALID"}, version=version)
    b.output(yi)
    x = np.array([1, -2, 3, -4] * 4, np.int16).reshape(1, 2, 2, 4)
    check(b.build(), [x])


def hybrid_ties_model(op, xs):
    """A hybrid 1x1 CONV_2D/DEPTHWISE_CONV_2D whose output reproduces the dynamically quantized
    input: two channels with weight 127 and scales 1/127, 2/127 (different, so TFLite takes
    the per-channel path with asymmetric input quantization)."""
    n = len(xs)
    b = ModelBuilder()
    xi = b.input("x", [1, n, 1, 1], np.float32)
    if op == "CONV_2D":
        wt = b.const("w", np.full((2, 1, 1, 1), 127, np.int8),
                     quant={"scales": [1 / 127, 2 / 127], "zero_points": [0, 0], "axis": 0})
        opts, version = {"padding": "VALID"}, 5
    else:
        wt = b.const("w", np.full((1, 1, 1, 2), 127, np.int8),
                     quant={"scales": [1 / 127, 2 / 127], "zero_points": [0, 0], "axis": 3})
        opts, version = {"padding": "VALID", "depth_multiplier": 2}, 6
    bt = b.const("b", np.zeros(2, np.float32))
    yi = b.tensor("y", [1, n, 1, 2], np.float32)
    b.op(op, [xi, wt, bt], [yi], options=opts, version=version)
    b.output(yi)
    return b.build()


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("lo,hi", [(-4.0, 11.9375), (-15.9375, 0.0)])
def test_hybrid_input_quantization_ties(op, lo, hi):
    # Inputs whose range gives an exact scale of 1/16, so x * 16 lands on exact halves: the
    # rounding of the dynamic asymmetric quantization must agree with LiteRT's on ties
    # (it rounds x / scale half away from zero, then adds the zero point).
    halves = np.arange(-254.5, 255, 1.0) / 16
    xs = np.concatenate([[lo, hi], halves[(halves >= lo) & (halves <= hi)]]).astype(np.float32)
    model = hybrid_ties_model(op, xs)
    x = xs.reshape(1, -1, 1, 1)
    got, ref = run_rt(model, [x]), run_ref(model, [x])
    np.testing.assert_array_equal(got[0], ref[0])


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@pytest.mark.parametrize("seed", range(4))
def test_hybrid_input_quantization_exact(op, seed):
    # Asymmetric ranges whose width is not exact in float: the dynamic scale (range taken in
    # float, 1/scale in double) must match LiteRT's bit for bit, so the float outputs are equal.
    rng = np.random.default_rng(seed)
    lo, hi = -rng.uniform(0.1, 9), rng.uniform(0.1, 9)
    xs = rng.uniform(lo, hi, 997).astype(np.float32)
    model = hybrid_ties_model(op, xs)
    x = xs.reshape(1, -1, 1, 1)
    np.testing.assert_array_equal(run_rt(model, [x])[0], run_ref(model, [x])[0])


def test_conv_valid_empty_output():
    # VALID with an input smaller than the filter by less than a stride: TFLite gives an empty
    # output rather than an error.
    b = ModelBuilder()
    xi = b.input("x", [1, 2, 2, 1], np.float32)
    wt = b.const("w", np.ones((1, 3, 3, 1), np.float32))
    bt = b.const("b", np.zeros(1, np.float32))
    yi = b.tensor("y", [1, 0, 0, 1], np.float32)
    b.op("CONV_2D", [xi, wt, bt], [yi], options={"padding": "VALID", "stride_h": 2,
                                                 "stride_w": 2}, version=1)
    b.output(yi)
    got = run_rt(b.build(), [np.ones((1, 2, 2, 1), np.float32)])
    assert got[0].shape == (1, 0, 0, 1)


# ---- prepare errors --------------------------------------------------------------------------

def _float_conv(options, w_shape=(2, 3, 3, 3), x_shape=(1, 5, 5, 3), bias_len=2):
    b = ModelBuilder()
    xi = b.input("x", list(x_shape), np.float32)
    wt = b.const("w", np.ones(w_shape, np.float32))
    bt = b.const("b", np.zeros(bias_len, np.float32))
    yi = b.tensor("y", [1, 1, 1, w_shape[0]], np.float32)
    b.op("CONV_2D", [xi, wt, bt], [yi], options=options, version=1)
    b.output(yi)
    return b.build(), [np.ones(x_shape, np.float32)]


@pytest.mark.parametrize("options,w_shape,x_shape,bias_len,message", [
    ({"stride_w": 0}, (2, 3, 3, 3), (1, 5, 5, 3), 2, "stride"),
    ({"stride_h": -1}, (2, 3, 3, 3), (1, 5, 5, 3), 2, "stride"),
    ({"dilation_w_factor": 0}, (2, 3, 3, 3), (1, 5, 5, 3), 2, "dilation"),
    ({"padding": "VALID"}, (2, 7, 7, 3), (1, 5, 5, 3), 2, "larger than the input"),
    ({}, (2, 3, 3, 2), (1, 5, 5, 3), 2, "multiple of the filter"),
    ({}, (2, 3, 3, 3), (1, 5, 5, 3), 3, r"bias tensor 2 \('b'\) has 3 elements"),
    ({"fused_activation_function": 9}, (2, 3, 3, 3), (1, 5, 5, 3), 2, "activation"),
])
def test_conv_prepare_errors(options, w_shape, x_shape, bias_len, message):
    model, inputs = _float_conv(options, w_shape, x_shape, bias_len)
    with pytest.raises(Exception, match=message) as e:
        run_rt(model, inputs)
    assert "CONV_2D" in str(e.value)


def test_conv_int8_filter_zero_point_rejected():
    b = ModelBuilder()
    xi = b.input("x", [1, 4, 4, 2], np.int8, quant=(0.1, 0))
    wt = b.const("w", np.ones((2, 1, 1, 2), np.int8), quant=(0.1, 3))
    bt = b.const("b", np.zeros(2, np.int32))
    yi = b.tensor("y", [1, 4, 4, 2], np.int8, quant=(0.1, 0))
    b.op("CONV_2D", [xi, wt, bt], [yi], options={}, version=3)
    b.output(yi)
    with pytest.raises(Exception, match="zero point"):
        run_rt(b.build(), [np.zeros((1, 4, 4, 2), np.int8)])


# ---- slow sweep ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_conv_sweep(mode):
    rng = np.random.default_rng(99)
    shapes = [(1, 1), (2, 3), (5, 5), (7, 4), (8, 9), (13, 11)]
    cases = itertools.product(shapes, [(1, 1), (2, 3)], [(1, 1), (1, 2), (3, 1)],
                              [(1, 1), (2, 2)], ["SAME", "VALID"])
    ran = 0
    for (h, w), (kh, kw), stride, dilation, padding in cases:
        if padding == "VALID" and ((kh - 1) * dilation[0] + 1 > h + stride[0] - 1 or
                                   (kw - 1) * dilation[1] + 1 > w + stride[1] - 1):
            continue
        n = int(rng.integers(1, 3))
        cin, cout = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        act = ACTS[int(rng.integers(0, 4))]
        model, inputs, expected = conv_case(mode, n, h, w, cin, cout, kh, kw, stride, dilation,
                                            padding, act, seed=ran)
        check(model, inputs, expected=expected, tol=tol_for(mode))
        ran += 1
    assert ran > 50
