"""DEPTHWISE_CONV_2D against LiteRT's reference kernels (BUILTIN_REF): float32, int8
(per-channel along dimension 3 and per-tensor filters, int4 filters), int16x8 (int64 bias),
legacy uint8, hybrid (float input, int8 filter), depth multipliers, batch > 1, strides,
dilations, SAME/VALID padding, fused activations, thread counts, and prepare errors.

Integer outputs must be bit-exact; float outputs within tests/tolerances.py. `pytest -m slow`
adds a larger sweep.
"""
import zlib

import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, compare_all, run_ref, run_rt
from tests.ops.conv_common import (ACTS, channel_quant, check_threads, check_without_bias,
                                   conv_options, geometry_id, np_depthwise, one_op_model,
                                   per_channel_quant, prepare_error, quant_operands,
                                   random_weights, run_sweep, tol_for)


def dw_case(mode, n=1, h=6, w=7, cin=3, dm=1, kh=3, kw=3, stride=(1, 1), dilation=(1, 1),
            padding="SAME", act="NONE", bias=True, seed=0, dm_option=None, int4_as_int8=False,
            single_scale=False):
    """One-op DEPTHWISE_CONV_2D model: (bytes, [input], numpy expectation or None).
    Modes: f32, qs8 (per-channel), qs8_pt, qs8_int4, qs16, qu8, hybrid, hybrid_pt.
    int4_as_int8 writes the int4 case's filter values as plain int8 (same numbers);
    single_scale writes hybrid_pt's (all equal) filter scales as one per-tensor scale."""
    rng = np.random.default_rng(seed)
    cout = cin * dm
    wf, bf = random_weights(rng, (1, kh, kw, cout), 3, bias)
    opts = conv_options(padding, stride, dilation, act,
                        depth_multiplier=dm if dm_option is None else dm_option)
    x_shape = (n, h, w, cin)
    if mode in ("f32", "hybrid", "hybrid_pt"):
        x = rng.uniform(-2, 2, x_shape).astype(np.float32)
        expected = None
        if mode == "f32":
            wdata, wquant, version = wf, None, 2 if dilation != (1, 1) else 1
            expected = [np_depthwise(x, wf, bf if bias else None, stride, dilation, padding,
                                     act).astype(np.float32)]
        else:
            _, s = per_channel_quant(wf, 3)
            if mode == "hybrid_pt":
                s[:] = s.max()
            wdata = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
            wquant, version = ((float(s[0]), 0), 4) if single_scale else (channel_quant(s, 3), 6)
        model = one_op_model("DEPTHWISE_CONV_2D", x_shape, cout, opts, version, w=wdata,
                             w_quant=wquant, b=bf if bias else None)
        return model, [x], expected

    xq, operands = quant_operands(rng, mode, x_shape, wf, bf, 3, bias, lambda x, w, b: np_depthwise(
        x, w, b, stride, dilation, padding))
    int4 = mode == "qs8_int4" and not int4_as_int8
    version = {"qs8": 3, "qs8_pt": 3, "qs8_int4": 7 if int4 else 3, "qs16": 5, "qu8": 1}[mode]
    model = one_op_model("DEPTHWISE_CONV_2D", x_shape, cout, opts, version,
                         w_dtype="int4" if int4 else None, **operands)
    return model, [xq], None


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
@pytest.mark.parametrize("geom", GEOMETRIES, ids=geometry_id)
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
    check_threads(model, inputs, expected, tol_for(mode), threads)


@pytest.mark.parametrize("mode", ["f32", "qs8", "qu8", "qs16", "hybrid"])
def test_depthwise_without_bias(mode):
    check_without_bias(dw_case, mode, dm=2, seed=3)


@pytest.mark.parametrize("options,w_shape,x_shape,bias_len,message", [
    ({"stride_w": 0}, (1, 3, 3, 6), (1, 5, 5, 3), 6, "stride"),
    ({"dilation_h_factor": -2}, (1, 3, 3, 6), (1, 5, 5, 3), 6, "dilation"),
    ({"padding": "VALID"}, (1, 9, 3, 6), (1, 5, 5, 3), 6, "larger than the input"),
    ({}, (1, 3, 3, 4), (1, 5, 5, 3), 4, "multiple of the input channels"),
    ({}, (2, 3, 3, 6), (1, 5, 5, 3), 6, "dimension 0 must be 1"),
    ({}, (1, 3, 3, 6), (1, 5, 5, 3), 5, "bias"),
])
def test_depthwise_prepare_errors(options, w_shape, x_shape, bias_len, message):
    model = one_op_model("DEPTHWISE_CONV_2D", x_shape, w_shape[3], options, 1,
                         w=np.ones(w_shape, np.float32), b=np.zeros(bias_len, np.float32))
    prepare_error(model, "DEPTHWISE_CONV_2D", message)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_depthwise_sweep(mode):
    def one(rng, seed, hw, k, stride, dilation, padding):
        run_case(mode, n=int(rng.integers(1, 3)), h=hw[0], w=hw[1], cin=int(rng.integers(1, 7)),
                 dm=int(rng.integers(1, 4)), kh=k[0], kw=k[1], stride=stride, dilation=dilation,
                 padding=padding, act=ACTS[int(rng.integers(0, 4))], seed=seed)

    run_sweep(98, [(1, 1), (2, 3), (5, 5), (7, 4), (8, 9), (12, 13)], [(1, 1), (3, 3), (2, 5)],
              [(1, 1), (2, 2), (1, 3)], [(1, 1), (2, 1)], one)
