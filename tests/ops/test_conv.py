"""CONV_2D against LiteRT's reference kernels (BUILTIN_REF): float32, int8 (per-tensor and
per-channel filters, int4 filters), int16x8 (int64 and int32 bias), legacy uint8, hybrid
(float input, int8 filter, per-tensor and per-channel), grouped convolution, batch > 1,
strides, dilations, SAME/VALID padding, fused activations, thread counts, and prepare errors.

Integer outputs must be bit-exact; float outputs within tests/tolerances.py. The default run
is a small representative grid; `pytest -m slow` adds a larger sweep.
"""
import zlib

import numpy as np
import pytest

from tests.oracle import check, run_ref, run_rt
from tests.ops.conv_common import (ACTS, channel_quant, check_threads, check_without_bias,
                                   conv_options, geometry_id, np_conv, one_op_model,
                                   per_channel_quant, prepare_error, quant_operands,
                                   random_weights, run_sweep, tol_for)


# ---- model construction ----------------------------------------------------------------------

def conv_case(mode, n=1, h=6, w=7, cin=3, cout=4, kh=3, kw=3, stride=(1, 1), dilation=(1, 1),
              padding="SAME", act="NONE", groups=1, bias=True, seed=0):
    """Builds a one-op CONV_2D model. Returns (model bytes, [input array], numpy expectation or
    None). Modes: f32, qs8 (per-channel), qs8_pt (per-tensor), qs8_int4, qs16, qs16_b32,
    qu8, hybrid_pt, hybrid_pc. bias: True (random), False (no bias input) or "zero" (an
    all-zero bias tensor)."""
    rng = np.random.default_rng(seed)
    wf, bf = random_weights(rng, (cout, kh, kw, cin // groups), 0, bias)
    opts = conv_options(padding, stride, dilation, act)
    x_shape = (n, h, w, cin)

    if mode in ("f32", "hybrid_pt", "hybrid_pc"):
        x = rng.uniform(-2, 2, x_shape).astype(np.float32)
        expected = None
        if mode == "f32":
            wdata, wquant, version = wf, None, 6 if groups > 1 else 1
            expected = [np_conv(x, wf, bf if bias else None, stride, dilation, padding,
                                act).astype(np.float32)]
        elif mode == "hybrid_pc":
            wdata, s = per_channel_quant(wf, 0)
            wquant, version = channel_quant(s, 0), 5
        else:
            s = float(np.abs(wf).max() / 127)
            wdata = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
            wquant, version = (s, 0), 2
        model = one_op_model("CONV_2D", x_shape, cout, opts, version, w=wdata, w_quant=wquant,
                             b=bf if bias else None)
        return model, [x], expected

    xq, operands = quant_operands(rng, mode, x_shape, wf, bf, 0, bias, lambda x, w, b: np_conv(
        x, w, b, stride, dilation, padding))
    version = {"qs8": 3, "qs8_pt": 3, "qs8_int4": 7, "qs16": 4, "qs16_b32": 8, "qu8": 1}[mode]
    if groups > 1 and mode in ("qs8", "qs8_pt"):
        version = 6
    if mode == "qs16_b32":
        opts["quantized_bias_type"] = "INT32"
    model = one_op_model("CONV_2D", x_shape, cout, opts, version,
                         w_dtype="int4" if mode == "qs8_int4" else None, **operands)
    return model, [xq], None


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
@pytest.mark.parametrize("geom", GEOMETRIES, ids=geometry_id)
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
    check_threads(model, inputs, expected, tol_for(mode), threads)


@pytest.mark.parametrize("mode", ["f32", "qs8", "qu8", "qs16", "qs16_b32", "hybrid_pt",
                                  "hybrid_pc"])
def test_conv_without_bias(mode):
    check_without_bias(conv_case, mode, seed=3)


def test_conv_extreme_inputs_int8():
    # Full-scale inputs and filters, large accumulation depth (K = 3*3*64): exercises rounding
    # and saturation of the requantization.
    rng = np.random.default_rng(5)
    wq = np.where(rng.random((8, 3, 3, 64)) < 0.5, -127, 127).astype(np.int8)
    scales = (rng.uniform(0.5, 2, 8) * 1e-2).astype(np.float32)
    bq = rng.integers(-2**20, 2**20, 8).astype(np.int32)
    model = one_op_model("CONV_2D", (1, 5, 5, 64), 8, {"padding": "SAME"}, 3, np.int8, wq, bq,
                         x_quant=(0.5, -128), w_quant=channel_quant(scales, 0),
                         b_quant=channel_quant(0.5 * scales, 0), y_quant=(3.0, 3))
    check(model, [np.where(rng.random((1, 5, 5, 64)) < 0.5, -128, 127).astype(np.int8)])


@pytest.mark.parametrize("bias_dtype,version", [(np.int32, 8), (np.int64, 4)])
def test_conv_int16_accumulator_overflow(bias_dtype, version):
    # K = 3*3*64 full-scale int16 x int8 products overflow an int32 accumulator: with an int32
    # bias TFLite's accumulator wraps (tflite_rt reproduces it); with int64 it does not.
    w = np.full((4, 3, 3, 64), 127, np.int8)
    w[1] = -127
    w[2, :, :, ::2] = -127
    opts = {"padding": "VALID"}
    if bias_dtype == np.int32:
        opts["quantized_bias_type"] = "INT32"
    model = one_op_model("CONV_2D", (1, 3, 3, 64), 4, opts, version, np.int16, w,
                         np.array([0, 0, 0, 2**30], bias_dtype), x_quant=(1e-3, 0),
                         w_quant=channel_quant([1e-3] * 4, 0),
                         b_quant=channel_quant([1e-6] * 4, 0), y_quant=(0.5, 0))
    check(model, [np.full((1, 3, 3, 64), 32767, np.int16)])


@pytest.mark.parametrize("op", ["CONV_2D", "DEPTHWISE_CONV_2D"])
def test_int16_requantized_value_beyond_int32(op):
    # An int64 bias near 2^46 with an effective output scale near 2^14: the 64-bit
    # requantization produces a value outside int32, which TFLite casts (wraps) to int32.
    big = np.array([2**46 - 12345, -(2**46) + 777, 2**40 + 3, 5], np.int64)
    dw = op == "DEPTHWISE_CONV_2D"
    model = one_op_model(op, (1, 2, 2, 4), 4, {"padding": "VALID"}, 5 if dw else 4, np.int16,
                         np.ones((1, 1, 1, 4) if dw else (4, 1, 1, 4), np.int8), big,
                         x_quant=(1.0, 0), w_quant=channel_quant([1.0] * 4, 3 if dw else 0),
                         b_quant=channel_quant([1.0] * 4, 0), y_quant=(1 / 16000, 0))
    check(model, [np.array([1, -2, 3, -4] * 4, np.int16).reshape(1, 2, 2, 4)])


def hybrid_ties_model(op, xs):
    """A hybrid 1x1 CONV_2D/DEPTHWISE_CONV_2D whose output reproduces the dynamically quantized
    input: two channels with weight 127 and scales 1/127, 2/127 (different, so TFLite takes
    the per-channel path with asymmetric input quantization)."""
    dw = op == "DEPTHWISE_CONV_2D"
    opts = {"padding": "VALID", "depth_multiplier": 2} if dw else {"padding": "VALID"}
    return one_op_model(op, (1, len(xs), 1, 1), 2, opts, 6 if dw else 5,
                        w=np.full((1, 1, 1, 2) if dw else (2, 1, 1, 1), 127, np.int8),
                        b=np.zeros(2, np.float32),
                        w_quant=channel_quant([1 / 127, 2 / 127], 3 if dw else 0))


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
    model = one_op_model("CONV_2D", (1, 2, 2, 1), 1,
                         {"padding": "VALID", "stride_h": 2, "stride_w": 2}, 1,
                         w=np.ones((1, 3, 3, 1), np.float32), b=np.zeros(1, np.float32))
    got = run_rt(model, [np.ones((1, 2, 2, 1), np.float32)])
    assert got[0].shape == (1, 0, 0, 1)


# ---- prepare errors --------------------------------------------------------------------------

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
    model = one_op_model("CONV_2D", x_shape, w_shape[0], options, 1,
                         w=np.ones(w_shape, np.float32), b=np.zeros(bias_len, np.float32))
    prepare_error(model, "CONV_2D", message)


def test_conv_int8_filter_zero_point_rejected():
    model = one_op_model("CONV_2D", (1, 4, 4, 2), 2, {}, 3, np.int8,
                         np.ones((2, 1, 1, 2), np.int8), np.zeros(2, np.int32), x_quant=(0.1, 0),
                         w_quant=(0.1, 3), y_quant=(0.1, 0))
    prepare_error(model, "CONV_2D", "zero point")


# ---- slow sweep ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_conv_sweep(mode):
    def one(rng, seed, hw, k, stride, dilation, padding):
        n = int(rng.integers(1, 3))
        cin, cout = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        act = ACTS[int(rng.integers(0, 4))]
        model, inputs, expected = conv_case(mode, n, *hw, cin, cout, *k, stride, dilation,
                                            padding, act, seed=seed)
        check(model, inputs, expected=expected, tol=tol_for(mode))

    run_sweep(99, [(1, 1), (2, 3), (5, 5), (7, 4), (8, 9), (13, 11)], [(1, 1), (2, 3)],
              [(1, 1), (1, 2), (3, 1)], [(1, 1), (2, 2)], one)
