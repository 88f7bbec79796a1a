"""DEPTHWISE_CONV_2D against LiteRT's reference kernels (BUILTIN_REF): float32, int8
(per-channel along dimension 3 and per-tensor filters, int4 filters), int16x8 (int64 bias),
legacy uint8, hybrid (float input, int8 filter), depth multipliers, batch > 1, strides,
dilations, SAME/VALID padding, fused activations, thread counts, and prepare errors.

Integer outputs must be bit-exact; float outputs within tests/tolerances.py. `pytest -m slow`
adds a larger sweep.
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


def window(n, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    out = (n + stride - 1) // stride if padding == "SAME" else int((n + stride - eff) / stride)
    return out, max((out - 1) * stride + eff - n, 0) // 2


def np_depthwise(x, w, b, stride, dilation, padding, act="NONE"):
    """Float64 NHWC depthwise convolution; w is [1, KH, KW, C * multiplier]."""
    n, h, wd, c = x.shape
    _, kh, kw, oc = w.shape
    dm = oc // c
    (sh, sw), (dh, dw) = stride, dilation
    oh, ph = window(h, kh, sh, dh, padding)
    ow, pw = window(wd, kw, sw, dw, padding)
    y = np.zeros((n, oh, ow, oc))
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if not 0 <= iy < h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pw + kx * dw
                    if 0 <= ix < wd:
                        y[:, oy, ox, :] += np.repeat(x[:, iy, ix, :].astype(np.float64), dm,
                                                     axis=1) * w[0, ky, kx, :]
    if b is not None:
        y += b
    lo, hi = {"NONE": (-np.inf, np.inf), "RELU": (0, np.inf), "RELU6": (0, 6),
              "RELU_N1_TO_1": (-1, 1)}[act]
    return np.clip(y, lo, hi)


def out_quant(y, dtype):
    lo, hi = QRANGE[dtype]
    if y.size == 0:  # empty output (VALID padding with a window larger than the input)
        return 1.0, 0
    if dtype == np.int16:
        return float(max(np.abs(y).max(), 1e-3) / 30000.0), 0
    span = max(float(y.max() - y.min()), 1e-3)
    scale = span / (hi - lo) * 0.9
    return scale, int(np.clip(round(lo - y.min() / scale) + 5, lo, hi))


def dw_case(mode, n=1, h=6, w=7, cin=3, dm=1, kh=3, kw=3, stride=(1, 1), dilation=(1, 1),
            padding="SAME", act="NONE", bias=True, seed=0, dm_option=None, int4_as_int8=False,
            single_scale=False):
    """One-op DEPTHWISE_CONV_2D model: (bytes, [input], numpy expectation or None).
    Modes: f32, qs8 (per-channel), qs8_pt, qs8_int4, qs16, qu8, hybrid, hybrid_pt.
    int4_as_int8 writes the int4 case's filter values as plain int8 (same numbers);
    single_scale writes hybrid_pt's (all equal) filter scales as one per-tensor scale."""
    rng = np.random.default_rng(seed)
    cout = cin * dm
    wf = rng.uniform(-1, 1, (1, kh, kw, cout)).astype(np.float32)
    wf *= rng.uniform(0.2, 2.0, (1, 1, 1, cout)).astype(np.float32)
    bf = rng.uniform(-1, 1, cout).astype(np.float32)
    if bias == "zero":
        bf[:] = 0
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
            "fused_activation_function": act,
            "depth_multiplier": dm if dm_option is None else dm_option}
    b = ModelBuilder()
    expected = None
    if mode in ("f32", "hybrid", "hybrid_pt"):
        x = rng.uniform(-2, 2, (n, h, w, cin)).astype(np.float32)
        xi = b.input("x", [n, h, w, cin], np.float32)
        if mode == "f32":
            wt = b.const("w", wf)
            version = 2 if dilation != (1, 1) else 1
            expected = [np_depthwise(x, wf, bf if bias else None, stride, dilation, padding,
                                     act).astype(np.float32)]
        else:
            amax = np.abs(wf).max(axis=(0, 1, 2))
            s = np.where(amax > 0, amax / 127, 1.0).astype(np.float32)
            if mode == "hybrid_pt":
                s[:] = s.max()
            q = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
            if single_scale:
                wt = b.const("w", q, quant=(float(s[0]), 0))
                version = 4
            else:
                wt = b.const("w", q, quant={"scales": s.tolist(), "zero_points": [0] * cout,
                                             "axis": 3})
                version = 6
        bt = b.const("b", bf) if bias else -1
        yi = b.tensor("y", [n, 0, 0, cout], np.float32)
        b.op("DEPTHWISE_CONV_2D", [xi, wt, bt] if bias else [xi, wt], [yi], options=opts,
             version=version)
        b.output(yi)
        return b.build(), [x], expected

    act_dtype = {"qs8": np.int8, "qs8_pt": np.int8, "qs8_int4": np.int8, "qs16": np.int16,
                 "qu8": np.uint8}[mode]
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
        wdata = np.clip(np.round(wf / s) + w_zp, 0, 255).astype(np.uint8)
        w_real = (wdata.astype(np.float64) - w_zp) * s
        w_scales = np.full(cout, s)
        wquant = (s, w_zp)
    elif mode == "qs8_pt":
        s = float(np.abs(wf).max() / 127)
        wdata = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
        w_real = wdata * s
        w_scales = np.full(cout, s)
        wquant = (s, 0)
    else:
        qmax = 7 if mode == "qs8_int4" else 127
        amax = np.abs(wf).max(axis=(0, 1, 2))
        w_scales = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
        wdata = np.clip(np.round(wf / w_scales), -qmax, qmax).astype(np.int8)
        w_real = wdata * w_scales.astype(np.float64)
        wquant = {"scales": w_scales.tolist(), "zero_points": [0] * cout, "axis": 3}
    bias_scales = in_scale * np.asarray(w_scales, dtype=np.float64)
    bq = np.round(bf / bias_scales).astype(np.int64 if mode == "qs16" else np.int32)
    y = np_depthwise(x_real, w_real, bq * bias_scales if bias else None, stride, dilation,
                     padding)
    out_scale, out_zp = out_quant(y, act_dtype)
    xi = b.input("x", [n, h, w, cin], act_dtype, quant=(in_scale, in_zp))
    int4 = mode == "qs8_int4" and not int4_as_int8
    wt = b.const("w", wdata, dtype="int4" if int4 else None, quant=wquant)
    bt = -1
    if bias:
        if mode in ("qu8", "qs8_pt"):  # per-tensor filter: one bias scale
            bquant = (float(bias_scales[0]), 0)
        else:
            bquant = {"scales": bias_scales.astype(np.float32).tolist(),
                      "zero_points": [0] * cout, "axis": 0}
        bt = b.const("b", bq, quant=bquant)
    yi = b.tensor("y", [n, 0, 0, cout], act_dtype, quant=(out_scale, out_zp))
    version = {"qs8": 3, "qs8_pt": 3, "qs8_int4": 7 if int4 else 3, "qs16": 5, "qu8": 1}[mode]
    b.op("DEPTHWISE_CONV_2D", [xi, wt, bt] if bias else [xi, wt], [yi], options=opts,
         version=version)
    b.output(yi)
    return b.build(), [xq], expected


def tol_for(mode):
    return tolerances.HYBRID if mode.startswith("hybrid") else tolerances.FLOAT32


def run_case(mode, **kw):
    """Checks one case. int4 filters (version 7) are not in LiteRT's reference resolver: the
    oracle then runs the same filter values stored as int8."""
    model, inputs, expected = dw_case(mode, **kw)
    if mode == "qs8_int4":
        ref_model, _, _ = dw_case(mode, int4_as_int8=True, **kw)
        compare_all(run_rt(model, inputs), run_ref(ref_model, inputs),
                    source="LiteRT BUILTIN_REF (same filter as int8)")
    elif mode == "hybrid_pt":
        # One filter scale: LiteRT's hybrid kernel indexes the scales per channel, so the
        # oracle runs the same scale repeated per channel; tflite_rt gets a single scale.
        model1, _, _ = dw_case(mode, single_scale=True, **kw)
        compare_all(run_rt(model1, inputs), run_ref(model, inputs), tolerances.HYBRID,
                    source="LiteRT BUILTIN_REF (scale repeated per channel)")
    else:
        check(model, inputs, expected=expected, tol=tol_for(mode))


MODES = ["f32", "qs8", "qs8_pt", "qs8_int4", "qs16", "qu8", "hybrid"]

GEOMETRIES = [
    # (n, h, w, cin, dm, kh, kw, stride, dilation, padding)
    (1, 6, 7, 3, 1, 3, 3, (1, 1), (1, 1), "SAME"),
    (1, 6, 7, 3, 2, 3, 3, (2, 2), (1, 1), "VALID"),
    (2, 5, 5, 4, 1, 1, 1, (1, 1), (1, 1), "VALID"),
    (1, 9, 8, 2, 3, 3, 2, (2, 1), (2, 3), "SAME"),
    (1, 1, 1, 1, 1, 1, 1, (1, 1), (1, 1), "SAME"),
    (3, 7, 4, 5, 1, 5, 3, (3, 2), (1, 1), "SAME"),
    (1, 3, 3, 1, 4, 3, 3, (1, 1), (1, 1), "VALID"),  # one input channel, multiplier 4
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: "x".join(map(str, g[:7])) +
                         f"_s{g[7][0]}{g[7][1]}_d{g[8][0]}{g[8][1]}_{g[9]}")
def test_depthwise_geometries(mode, geom):
    n, h, w, cin, dm, kh, kw, stride, dilation, padding = geom
    run_case(mode, n=n, h=h, w=w, cin=cin, dm=dm, kh=kh, kw=kw, stride=stride,
             dilation=dilation, padding=padding, seed=zlib.crc32(repr((mode, geom)).encode()))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("act", ACTS)
def test_depthwise_activations(mode, act):
    run_case(mode, n=1, h=5, w=6, cin=4, dm=2, act=act, seed=7)


def test_depthwise_hybrid_single_scale():
    run_case("hybrid_pt", n=2, h=5, w=5, cin=3, dm=1, seed=4)


@pytest.mark.parametrize("mode", ["f32", "qs8"])
@pytest.mark.parametrize("dm_option", [0, 5])
def test_depthwise_multiplier_option_ignored(mode, dm_option):
    # The multiplier comes from the shapes; LiteRT ignores the option for these types too.
    model, inputs, expected = dw_case(mode, cin=3, dm=2, dm_option=dm_option, seed=2)
    check(model, inputs, expected=expected)


@pytest.mark.parametrize("mode", ["f32", "qs8", "qs16", "hybrid"])
@pytest.mark.parametrize("threads", [2, 3])
def test_depthwise_threads(mode, threads):
    model, inputs, expected = dw_case(mode, n=2, h=9, w=6, cin=3, dm=2, seed=11)
    one = run_rt(model, inputs, num_threads=1)
    many = run_rt(model, inputs, num_threads=threads)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)
    check(model, inputs, expected=expected, tol=tol_for(mode), num_threads=threads)


@pytest.mark.parametrize("mode", ["f32", "qs8", "qu8", "qs16", "hybrid"])
def test_depthwise_without_bias(mode):
    model_nb, inputs, _ = dw_case(mode, bias=False, dm=2, seed=3)
    model_zb, _, _ = dw_case(mode, bias="zero", dm=2, seed=3)
    compare_all(run_rt(model_nb, inputs), run_ref(model_zb, inputs), tol_for(mode),
                source="oracle with a zero bias")


def _float_dw(options, w_shape=(1, 3, 3, 6), x_shape=(1, 5, 5, 3), bias_len=6):
    b = ModelBuilder()
    xi = b.input("x", list(x_shape), np.float32)
    wt = b.const("w", np.ones(w_shape, np.float32))
    bt = b.const("b", np.zeros(bias_len, np.float32))
    yi = b.tensor("y", [1, 1, 1, w_shape[3]], np.float32)
    b.op("DEPTHWISE_CONV_2D", [xi, wt, bt], [yi], options=options, version=1)
    b.output(yi)
    return b.build(), [np.ones(x_shape, np.float32)]


@pytest.mark.parametrize("options,w_shape,x_shape,bias_len,message", [
    ({"stride_w": 0}, (1, 3, 3, 6), (1, 5, 5, 3), 6, "stride"),
    ({"dilation_h_factor": -2}, (1, 3, 3, 6), (1, 5, 5, 3), 6, "dilation"),
    ({"padding": "VALID"}, (1, 9, 3, 6), (1, 5, 5, 3), 6, "larger than the input"),
    ({}, (1, 3, 3, 4), (1, 5, 5, 3), 4, "multiple of the input channels"),
    ({}, (2, 3, 3, 6), (1, 5, 5, 3), 6, "dimension 0 must be 1"),
    ({}, (1, 3, 3, 6), (1, 5, 5, 3), 5, "bias"),
])
def test_depthwise_prepare_errors(options, w_shape, x_shape, bias_len, message):
    model, inputs = _float_dw(options, w_shape, x_shape, bias_len)
    with pytest.raises(Exception, match=message) as e:
        run_rt(model, inputs)
    assert "DEPTHWISE_CONV_2D" in str(e.value)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_depthwise_sweep(mode):
    rng = np.random.default_rng(98)
    shapes = [(1, 1), (2, 3), (5, 5), (7, 4), (8, 9), (12, 13)]
    cases = itertools.product(shapes, [(1, 1), (3, 3), (2, 5)], [(1, 1), (2, 2), (1, 3)],
                              [(1, 1), (2, 1)], ["SAME", "VALID"])
    ran = 0
    for (h, w), (kh, kw), stride, dilation, padding in cases:
        if padding == "VALID" and ((kh - 1) * dilation[0] + 1 > h + stride[0] - 1 or
                                   (kw - 1) * dilation[1] + 1 > w + stride[1] - 1):
            continue
        run_case(mode, n=int(rng.integers(1, 3)), h=h, w=w, cin=int(rng.integers(1, 7)),
                 dm=int(rng.integers(1, 4)), kh=kh, kw=kw, stride=stride, dilation=dilation,
                 padding=padding, act=ACTS[int(rng.integers(0, 4))], seed=ran)
        ran += 1
    assert ran > 50
