"""TRANSPOSE_CONV against LiteRT's reference kernels (BUILTIN_REF).

Sweeps: strides 1..3 (also unequal), SAME/VALID, filters larger than the stride, 1x1 and
non-square, odd sizes, batch > 1, with and without bias, fused activations (version 4), and
every type TFLite supports: float32, int8 (per-tensor and per-channel filter), uint8, int16
with int64 bias or int32 bias + quantized_bias_type (version 5), and the hybrid path (float32
input, int8 filter). Constant and run-time output_shape, threads, prepare errors.
Integer outputs bit-exact; float within tests/tolerances.py (hybrid: tolerances.HYBRID).
"""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import _litert_interpreter, check, have_litert, run_rt
from tests.ops.conv_common import prepare_error
from tests.tflite_builder import ModelBuilder


def out_size(n, k, s, padding):
    """An output size whose forward convolution gives back n (the largest such)."""
    return n * s if padding == "SAME" else (n - 1) * s + k


# (n, h, w, cin, cout, kh, kw, sh, sw, padding)
GEOMETRIES = [
    (1, 4, 4, 3, 2, 3, 3, 2, 2, "SAME"),
    (1, 4, 4, 3, 2, 3, 3, 2, 2, "VALID"),
    (2, 3, 5, 4, 3, 2, 2, 2, 2, "SAME"),
    (1, 5, 3, 2, 5, 3, 2, 1, 1, "SAME"),
    (1, 5, 3, 2, 5, 3, 2, 1, 1, "VALID"),
    (1, 3, 3, 1, 1, 1, 1, 3, 3, "VALID"),
    (1, 2, 3, 6, 4, 5, 5, 3, 2, "SAME"),
    (1, 1, 1, 3, 2, 4, 4, 2, 2, "VALID"),
    (1, 6, 4, 3, 2, 4, 3, 2, 3, "SAME"),
]
G_IDS = ["{}x{}x{}x{}-o{}-k{}x{}-s{}x{}-{}".format(*g) for g in GEOMETRIES]


def tconv_model(g, in_type, filter_data, fq=None, iq=None, oq=None, bias=None, act="NONE",
                const_shape=True, out_hw=None, version=None, bias_type=None, bq=None):
    n, h, w, cin, cout, kh, kw, sh, sw, padding = g
    oh, ow = out_hw or (out_size(h, kh, sh, padding), out_size(w, kw, sw, padding))
    b = ModelBuilder()
    shape = np.array([n, oh, ow, cout], np.int32)
    s = b.const("output_shape", shape) if const_shape else b.input("output_shape", [4], np.int32)
    f = b.const("filter", filter_data, quant=fq)
    x = b.input("x", [n, h, w, cin], in_type, quant=iq)
    ins = [s, f, x]
    if bias is not None:
        ins.append(b.const("bias", bias, quant=bq))
    y = b.tensor("y", [n, oh, ow, cout], in_type, quant=oq)
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "fused_activation_function": act}
    if bias_type is not None:
        opts["quantized_bias_type"] = bias_type
    if version is None:
        version = 4 if act != "NONE" else (3 if bias is not None else 1)
        if bias_type is not None:
            version = 5
    b.op("TRANSPOSE_CONV", ins, [y], options=opts, version=version)
    b.output(y)
    return b.build(), shape


def rand(rng, shape, dtype, lo=None, hi=None):
    if dtype == np.float32:
        return rng.uniform(-1, 1, shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min if lo is None else lo, info.max if hi is None else hi, shape,
                        endpoint=True).astype(dtype)


@pytest.mark.parametrize("act", ["NONE", "RELU6"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_float(g, with_bias, act):
    rng = np.random.default_rng(sum(g[:9]))
    n, h, w, cin, cout, kh, kw = g[:7]
    filt = rand(rng, (cout, kh, kw, cin), np.float32)
    bias = rand(rng, (cout,), np.float32) if with_bias else None
    x = rand(rng, (n, h, w, cin), np.float32) * 4
    m, _ = tconv_model(g, np.float32, filt, bias=bias, act=act)
    check(m, [x])


@pytest.mark.parametrize("act", ["NONE", "RELU"])
@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_int8(g, with_bias, per_channel, act):
    rng = np.random.default_rng(sum(g[:9]) + 1)
    n, h, w, cin, cout, kh, kw = g[:7]
    filt = rand(rng, (cout, kh, kw, cin), np.int8, -127, 127)
    if per_channel:
        fs = list(rng.uniform(0.002, 0.02, cout))
        fq = {"scales": fs, "zero_points": [0] * cout, "axis": 0}
    else:
        fs = [0.01] * cout
        fq = (0.01, 0)
    iq, oq = (0.05, -7), (0.08, 5)
    bias = (rng.integers(-2000, 2000, cout).astype(np.int32) if with_bias else None)
    x = rand(rng, (n, h, w, cin), np.int8)
    m, _ = tconv_model(g, np.int8, filt, fq, iq, oq, bias=bias, act=act,
                       version=4 if act != "NONE" else 3)
    check(m, [x])


@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_uint8(g):
    rng = np.random.default_rng(sum(g[:9]) + 2)
    n, h, w, cin, cout, kh, kw = g[:7]
    filt = rand(rng, (cout, kh, kw, cin), np.uint8)
    iq, fq, oq = (0.05, 120), (0.01, 130), (0.1, 100)
    bias = rng.integers(-500, 500, cout).astype(np.int32)
    x = rand(rng, (n, h, w, cin), np.uint8)
    m, _ = tconv_model(g, np.uint8, filt, fq, iq, oq, bias=bias, version=3)
    check(m, [x])
    m, _ = tconv_model(g, np.uint8, filt, fq, iq, oq, version=1)
    check(m, [x])


@pytest.mark.parametrize("bias_kind", ["none", "int64", "int32_v5", "none_v5_int32"])
@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_int16(g, bias_kind):
    rng = np.random.default_rng(sum(g[:9]) + 3)
    n, h, w, cin, cout, kh, kw = g[:7]
    filt = rand(rng, (cout, kh, kw, cin), np.int8, -127, 127)
    fq = {"scales": list(rng.uniform(0.002, 0.02, cout)), "zero_points": [0] * cout, "axis": 0}
    iq, oq = (0.0005, 0), (0.0007, 0)
    bias, bias_type = None, None
    if bias_kind == "int64":
        bias = rng.integers(-100000, 100000, cout).astype(np.int64)
    elif bias_kind == "int32_v5":
        bias, bias_type = rng.integers(-100000, 100000, cout).astype(np.int32), "INT32"
    elif bias_kind == "none_v5_int32":
        bias_type = "INT32"
    x = rand(rng, (n, h, w, cin), np.int16)
    m, _ = tconv_model(g, np.int16, filt, fq, iq, oq, bias=bias, bias_type=bias_type,
                       version=5 if bias_type else 3)
    check(m, [x])


def test_int16_extreme_bias_as_conv():
    """An int64 bias near INT64_MAX / INT64_MIN (only a hostile file has one) is added without
    overflow and the sum held to MultiplyByQuantizedMultiplier's +-2^47 domain, exactly as
    CONV_2D does: a 1x1 stride-1 TRANSPOSE_CONV and the same CONV_2D give the same outputs.
    (LiteRT's int64 addition overflows there; under ASan + UBSan an overflow aborts the run.)"""
    g = (1, 3, 3, 2, 4, 1, 1, 1, 1, "VALID")
    rng = np.random.default_rng(7)
    filt = rand(rng, (4, 1, 1, 2), np.int8, -127, 127)
    fq = {"scales": [0.01, 0.02, 0.005, 0.01], "zero_points": [0] * 4, "axis": 0}
    iq, oq = (0.0005, 0), (0.0007, 0)
    i64 = np.iinfo(np.int64)
    bias = np.array([i64.max, i64.min, i64.max - 5, 2**47 - 3], np.int64)
    x = rand(rng, (1, 3, 3, 2), np.int16)
    tconv, _ = tconv_model(g, np.int16, filt, fq, iq, oq, bias=bias, version=3)
    b = ModelBuilder()
    xi = b.input("x", [1, 3, 3, 2], np.int16, quant=iq)
    y = b.tensor("y", [1, 3, 3, 4], np.int16, quant=oq)
    b.op("CONV_2D", [xi, b.const("filter", filt, quant=fq), b.const("bias", bias)], [y],
         options={"padding": "VALID"}, version=4)
    b.output(y)
    (want,) = run_rt(b.build(), [x])
    (got,) = run_rt(tconv, [x])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_hybrid(g, per_channel):
    rng = np.random.default_rng(sum(g[:9]) + 4)
    n, h, w, cin, cout, kh, kw = g[:7]
    filt = rand(rng, (cout, kh, kw, cin), np.int8, -127, 127)
    if per_channel:
        fq = {"scales": list(rng.uniform(0.002, 0.02, cout)), "zero_points": [0] * cout,
              "axis": 0}
    else:
        fq = (0.01, 0)
    bias = rand(rng, (cout,), np.float32)
    x = rand(rng, (n, h, w, cin), np.float32) * 3 + 0.5
    m, _ = tconv_model(g, np.float32, filt, fq, bias=bias, version=3)
    check(m, [x], tol=tolerances.HYBRID)


@pytest.mark.parametrize("tname", ["f32", "qs8"])
def test_runtime_output_shape(tname):
    g = (1, 4, 5, 3, 2, 3, 3, 2, 2, "SAME")
    rng = np.random.default_rng(6)
    dtype = np.float32 if tname == "f32" else np.int8
    filt = rand(rng, (2, 3, 3, 3), dtype, -127, 127)
    q = {} if tname == "f32" else dict(fq=(0.01, 0), iq=(0.05, 1), oq=(0.1, -2))
    m, shape = tconv_model(g, dtype, filt, const_shape=False, **q)
    x = rand(rng, (1, 4, 5, 3), dtype)
    for oh, ow in ((8, 10), (7, 9)):  # both give back 4x5 with SAME, stride 2
        check(m, [np.array([1, oh, ow, 2], np.int32), x])


@pytest.mark.parametrize("threads", [2, 3])
def test_threads(threads):
    g = (2, 5, 6, 4, 3, 3, 3, 2, 2, "SAME")
    rng = np.random.default_rng(12)
    filt = rand(rng, (3, 3, 3, 4), np.float32)
    check(tconv_model(g, np.float32, filt)[0], [rand(rng, (2, 5, 6, 4), np.float32)],
          num_threads=threads)
    f8 = rand(rng, (3, 3, 3, 4), np.int8, -127, 127)
    m, _ = tconv_model(g, np.int8, f8, (0.01, 0), (0.05, 3), (0.1, -1))
    check(m, [rand(rng, (2, 5, 6, 4), np.int8)], num_threads=threads)


def test_errors():
    g = (1, 4, 4, 3, 2, 3, 3, 2, 2, "SAME")
    rng = np.random.default_rng(0)
    filt = rand(rng, (2, 3, 3, 3), np.float32)

    def error(model, match):
        return prepare_error(model, "TRANSPOSE_CONV", match)

    error(tconv_model(g, np.float32, filt, out_hw=(5, 12))[0], "does not match")
    error(tconv_model((1, 4, 4, 3, 2, 3, 3, 0, 2, "SAME"), np.float32, filt, out_hw=(8, 8))[0],
          "strides")
    error(tconv_model(g, np.float32, rand(rng, (2, 3, 3, 5), np.float32))[0], "channels")
    error(tconv_model(g, np.float32, filt, bias=np.zeros(3, np.float32))[0],
          r"bias tensor \d+ \('bias'\) has 3 elements")
    f8 = rand(rng, (2, 3, 3, 3), np.int8)
    error(tconv_model(g, np.int16, f8, (0.01, 0), (0.001, 2), (0.001, 0))[0], "zero point 0")
    error(tconv_model(g, np.int8, f8)[0], "no quantization parameters")


G_1X1 = (1, 4, 4, 3, 2, 1, 1, 1, 1, "VALID")


@pytest.mark.parametrize("bq", [None, {"scales": [0.25, 0.25], "zero_points": [0, 0], "axis": 0},
                                (0.3, 0)], ids=["no_quant", "per_channel", "off_by_20pct"])
def test_uint8_bias_scale_checked(bq):
    # Legacy uint8, as LiteRT (and CONV_2D): the bias's per-tensor scale (0 unless it has
    # exactly one) must be input_scale x filter_scale within 2% of an output step.
    m, _ = tconv_model(G_1X1, np.uint8, np.full((2, 1, 1, 3), 140, np.uint8), (0.5, 128),
                       (0.5, 128), (0.1, 100), bias=np.array([3, -4], np.int32), bq=bq)
    assert "bias tensor" in prepare_error(m, "TRANSPOSE_CONV", "differs from input scale")
    if have_litert():
        with pytest.raises(RuntimeError):
            _litert_interpreter(m).allocate_tensors()


def test_bias_zero_point_read_per_tensor():
    # A bias zero point is checked when the bias has one (per-tensor) scale, as LiteRT reads it;
    # per-channel zero points are not read.
    filt = np.full((2, 1, 1, 3), 10, np.int8)
    bias = np.array([3, -4], np.int32)
    x = np.full((1, 4, 4, 3), 3, np.int8)
    bq = {"scales": [0.25, 0.25], "zero_points": [5, 0], "axis": 0}
    m, _ = tconv_model(G_1X1, np.int8, filt, (0.5, 0), (0.5, 0), (1.0, 0), bias=bias, bq=bq)
    check(m, [x])
    m, _ = tconv_model(G_1X1, np.int8, filt, (0.5, 0), (0.5, 0), (1.0, 0), bias=bias, bq=(0.25, 5))
    prepare_error(m, "TRANSPOSE_CONV", r"bias tensor \d+ \('bias'\) has zero point 5")
