"""MAX_POOL_2D, AVERAGE_POOL_2D and L2_POOL_2D against LiteRT's reference kernels
(BUILTIN_REF): float32, int8, uint8 and int16, window/stride/padding combinations including
size-1 and odd sizes, windows larger than the input with SAME padding, batch > 1, fused
activations, thread counts, and prepare errors.

Integer outputs must be bit-exact (in particular the rounding of integer averages); float
outputs within tests/tolerances.py.
"""
import itertools

import numpy as np
import pytest

from tests.oracle import check, run_rt
from tests.tflite_builder import ModelBuilder

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
DTYPES = {"f32": np.float32, "qs8": np.int8, "qu8": np.uint8, "qs16": np.int16}
QUANT = {"qs8": (0.05, -5), "qu8": (0.04, 120), "qs16": (0.001, 0)}
VERSION = {"f32": 1, "qu8": 1, "qs8": 2, "qs16": 3}


def window(n, k, stride, padding):
    out = (n + stride - 1) // stride if padding == "SAME" else int((n + stride - k) / stride)
    return out, max((out - 1) * stride + k - n, 0) // 2


def np_pool(x, kind, fh, fw, sh, sw, padding, act="NONE"):
    """Float64 pooling with TFLite's windows (padding cells skipped)."""
    n, h, w, c = x.shape
    oh, ph = window(h, fh, sh, padding)
    ow, pw = window(w, fw, sw, padding)
    y = np.zeros((n, oh, ow, c))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * sh - ph, ox * sw - pw
            win = x[:, max(y0, 0):min(y0 + fh, h), max(x0, 0):min(x0 + fw, w), :]
            win = win.astype(np.float64)
            if kind == "MAX_POOL_2D":
                y[:, oy, ox, :] = win.max(axis=(1, 2))
            elif kind == "AVERAGE_POOL_2D":
                y[:, oy, ox, :] = win.mean(axis=(1, 2))
            else:
                y[:, oy, ox, :] = np.sqrt((win * win).mean(axis=(1, 2)))
    lo, hi = {"NONE": (-np.inf, np.inf), "RELU": (0, np.inf), "RELU6": (0, 6),
              "RELU_N1_TO_1": (-1, 1)}[act]
    return np.clip(y, lo, hi)


def pool_case(kind, mode, n=1, h=6, w=7, c=3, fh=2, fw=2, sh=2, sw=2, padding="SAME",
              act="NONE", seed=0):
    rng = np.random.default_rng(seed)
    dtype = DTYPES[mode]
    if mode == "f32":
        x = rng.uniform(-8, 8, (n, h, w, c)).astype(np.float32)
        quant = None
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, (n, h, w, c), endpoint=True).astype(dtype)
        quant = QUANT[mode]
    b = ModelBuilder()
    xi = b.input("x", [n, h, w, c], dtype, quant=quant)
    yi = b.tensor("y", [n, 0, 0, c], dtype, quant=quant)
    b.op(kind, [xi], [yi], options={"padding": padding, "stride_h": sh, "stride_w": sw,
                                    "filter_height": fh, "filter_width": fw,
                                    "fused_activation_function": act},
         version=1 if kind == "L2_POOL_2D" else VERSION[mode])
    b.output(yi)
    expected = [np_pool(x, kind, fh, fw, sh, sw, padding, act).astype(np.float32)] \
        if mode == "f32" else None
    return b.build(), [x], expected


GEOMETRIES = [
    # (n, h, w, c, fh, fw, sh, sw, padding)
    (1, 6, 7, 3, 2, 2, 2, 2, "SAME"),
    (1, 6, 7, 3, 2, 2, 2, 2, "VALID"),
    (2, 5, 5, 4, 3, 3, 1, 1, "SAME"),
    (1, 9, 8, 2, 3, 2, 2, 3, "VALID"),
    (1, 1, 1, 1, 1, 1, 1, 1, "SAME"),
    (3, 7, 4, 5, 7, 4, 1, 1, "VALID"),   # global pool
    (1, 4, 4, 3, 6, 6, 2, 2, "SAME"),    # window larger than the input
    (1, 5, 9, 2, 1, 3, 3, 1, "SAME"),    # window smaller than the stride
    (2, 13, 11, 3, 5, 4, 3, 2, "SAME"),
]
KINDS = ["MAX_POOL_2D", "AVERAGE_POOL_2D"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", list(DTYPES))
@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: "x".join(map(str, g[:8])) + g[8])
def test_pool_geometries(kind, mode, geom):
    n, h, w, c, fh, fw, sh, sw, padding = geom
    model, inputs, expected = pool_case(kind, mode, n, h, w, c, fh, fw, sh, sw, padding,
                                        seed=sum(geom[:8]))
    check(model, inputs, expected=expected)


@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: "x".join(map(str, g[:8])) + g[8])
def test_l2_pool_geometries(geom):
    n, h, w, c, fh, fw, sh, sw, padding = geom
    model, inputs, expected = pool_case("L2_POOL_2D", "f32", n, h, w, c, fh, fw, sh, sw,
                                        padding, seed=3)
    check(model, inputs, expected=expected)


# (kind, mode) pairs that exist: L2_POOL_2D is float32 only, as in TFLite.
KIND_MODES = [(k, m) for k in KINDS for m in DTYPES] + [("L2_POOL_2D", "f32")]


@pytest.mark.parametrize("kind,mode", KIND_MODES)
@pytest.mark.parametrize("act", ACTS)
def test_pool_activations(kind, mode, act):
    model, inputs, expected = pool_case(kind, mode, 2, 5, 6, 3, 3, 3, 1, 2, "SAME", act, seed=5)
    check(model, inputs, expected=expected)


@pytest.mark.parametrize("mode", ["qs8", "qs16"])
def test_avg_pool_rounding_negative_halves(mode):
    # Sums that land on exact halves, positive and negative: rounding away from zero.
    dtype = DTYPES[mode]
    x = np.array([1, 2, -1, -2, 3, 4, -3, -4], dtype=dtype).reshape(1, 2, 4, 1)
    model, _, _ = pool_case("AVERAGE_POOL_2D", mode, 1, 2, 4, 1, 1, 2, 1, 2, "VALID")
    got = check(model, [x])
    assert got[0].ravel().tolist() == [2, -2, 4, -4]  # 1.5, -1.5, 3.5, -3.5 away from zero


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["f32", "qs8"])
def test_pool_threads(kind, mode):
    model, inputs, expected = pool_case(kind, mode, 2, 11, 6, 4, 3, 3, 1, 1, "SAME", seed=8)
    one = run_rt(model, inputs, num_threads=1)
    many = run_rt(model, inputs, num_threads=3)
    np.testing.assert_array_equal(one[0], many[0])
    check(model, inputs, expected=expected, num_threads=3)


def _pool_model(kind, options, dtype=np.float32, x_shape=(1, 4, 4, 2)):
    b = ModelBuilder()
    q = None if dtype == np.float32 else (0.1, 0)
    xi = b.input("x", list(x_shape), dtype, quant=q)
    yi = b.tensor("y", [1, 1, 1, x_shape[-1]], dtype, quant=q)
    b.op(kind, [xi], [yi], options=options, version=1)
    b.output(yi)
    return b.build(), [np.ones(x_shape, dtype)]


@pytest.mark.parametrize("kind,options,dtype,x_shape,message", [
    ("MAX_POOL_2D", {"stride_w": 0}, np.float32, (1, 4, 4, 2), "stride"),
    ("AVERAGE_POOL_2D", {"filter_width": 0}, np.float32, (1, 4, 4, 2), "filter"),
    ("AVERAGE_POOL_2D", {"filter_height": 6, "padding": "VALID"}, np.float32, (1, 4, 4, 2),
     "larger than the input"),
    ("MAX_POOL_2D", {}, np.float32, (1, 4, 4), "4-D"),
    ("L2_POOL_2D", {}, np.int8, (1, 4, 4, 2), "FLOAT32"),
    ("MAX_POOL_2D", {}, np.int32, (1, 4, 4, 2), "not supported"),
])
def test_pool_prepare_errors(kind, options, dtype, x_shape, message):
    model, inputs = _pool_model(kind, options, dtype, x_shape)
    with pytest.raises(Exception, match=message) as e:
        run_rt(model, inputs)
    assert kind in str(e.value)


@pytest.mark.slow
@pytest.mark.parametrize("kind,mode", KIND_MODES)
def test_pool_sweep(kind, mode):
    rng = np.random.default_rng(97)
    ran = 0
    for (h, w), (fh, fw), (sh, sw), padding in itertools.product(
            [(1, 1), (2, 3), (5, 5), (8, 7), (16, 15)], [(1, 1), (2, 2), (3, 2), (5, 5)],
            [(1, 1), (2, 2), (3, 1)], ["SAME", "VALID"]):
        if padding == "VALID" and (fh > h + sh - 1 or fw > w + sw - 1):
            continue
        model, inputs, expected = pool_case(kind, mode, int(rng.integers(1, 3)), h, w,
                                            int(rng.integers(1, 6)), fh, fw, sh, sw, padding,
                                            ACTS[int(rng.integers(0, 4))], seed=ran)
        check(model, inputs, expected=expected)
        ran += 1
    assert ran > 50
