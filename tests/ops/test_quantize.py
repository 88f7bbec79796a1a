"""QUANTIZE and DEQUANTIZE against LiteRT's reference kernels (BUILTIN_REF).

QUANTIZE outputs are integers and must be bit-exact; DEQUANTIZE outputs must match the
reference's float arithmetic (double multiply per-tensor, float multiply per-channel) to the
DEQUANTIZED tolerance (they are in fact identical).
"""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

INT_TYPES = [np.int8, np.uint8, np.int16]


def _quant_model(shape, tin, tout, in_q, out_q, version):
    b = ModelBuilder()
    x = b.input("x", shape, tin, quant=in_q)
    y = b.tensor("y", shape, tout, quant=out_q)
    b.op("QUANTIZE", [x], [y], version=version)
    b.output(y)
    return b.build()


def _dequant_model(shape, tin, in_q, version):
    b = ModelBuilder()
    x = b.input("x", shape, tin, quant=in_q)
    y = b.tensor("y", shape, np.float32)
    b.op("DEQUANTIZE", [x], [y], version=version)
    b.output(y)
    return b.build()


def _default_zp(dtype, rng):
    if dtype == np.int16:
        return 0
    if dtype == np.uint8:
        return int(rng.integers(0, 256))
    return int(rng.integers(-128, 128))


def _float_input(rng, shape, scale, zp, dtype):
    info = np.iinfo(dtype)
    lo, hi = (info.min - zp) * scale, (info.max - zp) * scale
    x = rng.uniform(lo * 1.2, hi * 1.2, size=shape).astype(np.float32)
    # exact half-way points exercise round-half-away-from-zero
    flat = x.reshape(-1)
    n = min(8, flat.size)
    flat[:n] = ((np.arange(n) - n // 2) + 0.5) * np.float32(scale)
    return x


# ---- QUANTIZE float -> int ----

@pytest.mark.parametrize("tout", INT_TYPES)
@pytest.mark.parametrize("shape", [(1,), (7,), (2, 3, 5), (1, 4, 4, 3)])
@pytest.mark.parametrize("scale", [0.1, 0.0037, 1.7])
def test_quantize_float(tout, shape, scale):
    rng = np.random.default_rng(len(shape))
    zp = _default_zp(tout, rng)
    model = _quant_model(shape, np.float32, tout, None, (scale, zp), 2 if tout == np.int16 else 1)
    for _ in range(2):
        check(model, [_float_input(rng, shape, scale, zp, tout)])


def test_quantize_float_specials():
    model = _quant_model((8,), np.float32, np.int8, None, (0.5, 3), 1)
    x = np.array([0.0, -0.0, 0.25, -0.25, 0.75, -0.75, 1e6, -1e6], np.float32)
    check(model, [x])


@pytest.mark.parametrize("tout", INT_TYPES)
@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((4, 3), 1), ((2, 3, 5), 1), ((2, 2, 2, 6), 3)])
def test_quantize_per_channel(tout, shape, axis):
    rng = np.random.default_rng(axis)
    n = shape[axis]
    scales = rng.uniform(0.01, 0.2, n).astype(np.float32)
    zps = [0] * n if tout == np.int16 else [_default_zp(tout, rng) for _ in range(n)]
    q = {"scales": scales.tolist(), "zero_points": zps, "axis": axis}
    model = _quant_model(shape, np.float32, tout, None, q, 3)
    x = rng.uniform(-40, 40, size=shape).astype(np.float32)
    check(model, [x])


# ---- QUANTIZE int -> int (requantize) ----

REQUANT = [(np.int8, np.int8), (np.int8, np.uint8), (np.int8, np.int16), (np.uint8, np.int8),
           (np.uint8, np.uint8), (np.uint8, np.int16), (np.int16, np.int8), (np.int16, np.int16),
           (np.int16, np.int32), (np.int32, np.int8), (np.int32, np.int16)]


@pytest.mark.parametrize("tin,tout", REQUANT)
@pytest.mark.parametrize("ratio", [1.0, 0.37, 2.6, 0.0041, 130.0])
def test_requantize(tin, tout, ratio):
    rng = np.random.default_rng(int(ratio * 100))
    shape = (3, 17)
    s_in = 0.02
    zin = 0 if tin in (np.int16, np.int32) else _default_zp(tin, rng)
    zout = 0 if tout in (np.int16, np.int32) else _default_zp(tout, rng)
    if tin == np.int16 and tout == np.int16:
        zin = zout = 0
    model = _quant_model(shape, tin, tout, (s_in, zin), (s_in / ratio, zout),
                         2 if tout == np.int16 else 1)
    info = np.iinfo(tin)
    lo, hi = (max(info.min, -(1 << 24)), min(info.max, 1 << 24)) if tin == np.int32 else (info.min, info.max)
    x = rng.integers(lo, hi, size=shape, endpoint=True).astype(tin)
    check(model, [x])


def test_requantize_int8_uint8_shift_by_128():
    # TFLite's fast path (xor 0x80) must equal the general formula
    model = _quant_model((256,), np.int8, np.uint8, (0.1, 5), (0.1, 133), 1)
    check(model, [np.arange(-128, 128, dtype=np.int8)])
    model = _quant_model((256,), np.uint8, np.int8, (0.1, 133), (0.1, 5), 1)
    check(model, [np.arange(0, 256, dtype=np.uint8)])


# ---- DEQUANTIZE ----

@pytest.mark.parametrize("tin", INT_TYPES)
@pytest.mark.parametrize("shape", [(1,), (9,), (2, 3, 4)])
@pytest.mark.parametrize("scale", [0.1, 0.0037, 3.3])
def test_dequantize(tin, shape, scale):
    rng = np.random.default_rng(len(shape))
    zp = _default_zp(tin, rng)
    model = _dequant_model(shape, tin, (scale, zp), 3 if tin == np.int16 else 2)
    info = np.iinfo(tin)
    x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(tin)
    check(model, [x], tol=tolerances.DEQUANTIZED)


@pytest.mark.parametrize("tin", [np.int8, np.uint8])
@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((4, 3), 1), ((2, 3, 5), 2), ((3, 2, 2, 2), 0)])
def test_dequantize_per_channel(tin, shape, axis):
    rng = np.random.default_rng(axis + 10)
    n = shape[axis]
    scales = rng.uniform(0.01, 0.2, n).astype(np.float32)
    zps = [_default_zp(tin, rng) for _ in range(n)] if tin == np.uint8 else [0] * n
    q = {"scales": scales.tolist(), "zero_points": zps, "axis": axis}
    # a constant input (the usual per-channel weights case) and a graph input
    b = ModelBuilder()
    info = np.iinfo(tin)
    w = b.const("w", rng.integers(info.min, info.max, size=shape, endpoint=True).astype(tin), quant=q)
    y = b.tensor("y", shape, np.float32)
    b.op("DEQUANTIZE", [w], [y], version=5)
    b.output(y)
    check(b.build(), [], tol=tolerances.DEQUANTIZED)
    model = _dequant_model(shape, tin, q, 5)
    check(model, [rng.integers(info.min, info.max, size=shape, endpoint=True).astype(tin)],
          tol=tolerances.DEQUANTIZED)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN payloads in the comparison
def test_dequantize_float16():
    bits = np.concatenate([np.arange(0, 65536, 97, dtype=np.uint32),
                           [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00,
                            0x7e00, 0x3c00]]).astype(np.uint16)
    vals = bits.view(np.float16)
    model = _dequant_model(vals.shape, np.float16, None, 3)
    got = check(model, [vals])[0]
    ref = vals.astype(np.float32)
    assert np.array_equal(got.view(np.uint32)[~np.isnan(ref)], ref.view(np.uint32)[~np.isnan(ref)])


def test_dequantize_constant_float16_weights_each_invoke():
    # fp16 weights feeding a float op: the dequantized values must survive repeated invokes
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    x = b.input("x", [2, 6], np.float32)
    wh = b.const("w16", rng.standard_normal((4, 6)).astype(np.float16))
    w = b.tensor("w", [4, 6], np.float32)
    b.op("DEQUANTIZE", [wh], [w], version=3)
    y = b.tensor("y", [2, 4], np.float32)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=6)
    b.output(y)
    model = b.build()
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outp = it.get_output_details()[0]["index"]
    xs = [rng.standard_normal((2, 6)).astype(np.float32) for _ in range(3)]
    for xv in xs:
        it.set_tensor(inp, xv)
        it.invoke()
        got = it.get_tensor(outp)
        ref = check(model, [xv])[0]
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


# ---- errors ----

def _allocate(model):
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    return it


def test_error_quantize_unsupported_pair():
    with pytest.raises(ValueError, match="INT16 with output type UINT8"):
        _allocate(_quant_model((4,), np.int16, np.uint8, (0.1, 0), (0.1, 0), 1))


def test_error_quantize_no_output_quantization():
    b = ModelBuilder()
    x = b.input("x", [4], np.float32)
    y = b.tensor("y", [4], np.int8)
    b.op("QUANTIZE", [x], [y], version=1)
    b.output(y)
    with pytest.raises((RuntimeError, ValueError), match="quantization"):
        _allocate(b.build())


def test_error_dequantize_int16_zero_point():
    with pytest.raises((RuntimeError, ValueError), match="zero point 0"):
        _allocate(_dequant_model((4,), np.int16, (0.1, 3), 3))


def test_error_requantize_int16_zero_point():
    with pytest.raises((RuntimeError, ValueError), match="zero points 0"):
        _allocate(_quant_model((4,), np.int16, np.int16, (0.1, 1), (0.2, 0), 2))


@pytest.mark.slow
@pytest.mark.parametrize("tin,tout", REQUANT)
def test_requantize_grid(tin, tout):
    rng = np.random.default_rng(99)
    for ratio in np.exp(rng.uniform(-6, 5, 25)):
        zin = 0 if tin in (np.int16, np.int32) else _default_zp(tin, rng)
        zout = 0 if tout in (np.int16, np.int32) else _default_zp(tout, rng)
        model = _quant_model((64,), tin, tout, (0.03, zin), (0.03 / float(ratio), zout), 1)
        info = np.iinfo(tin)
        lo, hi = (-(1 << 20), 1 << 20) if tin == np.int32 else (info.min, info.max)
        check(model, [rng.integers(lo, hi, size=(64,), endpoint=True).astype(tin)])


@pytest.mark.slow
@pytest.mark.parametrize("tout", INT_TYPES)
def test_quantize_float_grid(tout):
    rng = np.random.default_rng(7)
    for scale in np.exp(rng.uniform(-9, 2, 30)):
        zp = _default_zp(tout, rng)
        model = _quant_model((200,), np.float32, tout, None, (float(scale), zp), 1)
        check(model, [_float_input(rng, (200,), float(scale), zp, tout)])
