"""Element-wise math against LiteRT's reference kernels (BUILTIN_REF): ABS, NEG, SQRT, RSQRT,
EXP, LOG, SIN, COS, CEIL, FLOOR, ROUND, SQUARE, SIGN.

Integer outputs must be bit-exact: int8 variants are swept over all 256 input values and
several quantizations, int16 variants over every int16 value. CEIL and ROUND (and ABS version 4-5)
are missing from LiteRT's reference resolver: they are compared with LiteRT's builtin kernels
(the oracle falls back to `expected` whenever BUILTIN_REF cannot run a model).
"""
import numpy as np
import pytest

from tests.oracle import check, have_litert, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

SHAPES = [(1,), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (1, 2, 3, 2, 3)]

# version TFLite's converter writes for (op, input type, quantized)
VERSIONS = {
    "ABS": {np.int8: 2, np.int16: 3, np.int32: 5}, "RSQRT": {np.int8: 2, np.int16: 3},
    "SQRT": {np.int8: 2, np.int16: 2}, "EXP": {np.int8: 2, np.int16: 2}, "LOG": {np.int8: 2, np.int16: 2},
    "SIGN": {np.int32: 2},
}

# (input scale, input zero point, output scale, output zero point), int8
Q8_PARAMS = [(0.05, 0, 0.05, 0), (0.1, 10, 0.03, -5), (0.02, -100, 0.2, 50), (0.5, 127, 0.01, -128),
             (0.003, -128, 0.004, 127)]
Q16_SCALES = [(0.001, 0.001), (0.0005, 0.002), (0.003, 0.0001), (1 / 4096, 1 / 32768)]


def unary_model(op, shape, dtype, qin=None, qout=None, version=None):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype, quant=qin)
    y = b.tensor("y", list(shape), dtype, quant=qout)
    v = version if version is not None else VERSIONS.get(op, {}).get(dtype, 1)
    b.op(op, inputs=[x], outputs=[y], version=v)
    b.output(y)
    return b.build()


def check_op(model, inputs, expected=None, num_threads=1):
    """check() against BUILTIN_REF; where BUILTIN_REF lacks the op or version, against LiteRT's
    builtin kernels, else against the numpy `expected`."""
    if have_litert():
        try:
            expected = run_ref(model, inputs, resolver="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
        except (RuntimeError, ValueError):
            pass
    return check(model, inputs, expected=expected, num_threads=num_threads)


def all_values(dtype):
    info = np.iinfo(dtype)
    return np.arange(info.min, info.max + 1).astype(dtype)


# ---------------------------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------------------------

WIDE = np.concatenate([np.linspace(-50, 50, 1001), [0.0, -0.0, 1e-30, -1e-30, 3e38, -3e38, np.inf, -np.inf,
                                                   1e10, -1e10]]).astype(np.float32)
POSITIVE = np.concatenate([np.geomspace(1e-30, 1e30, 601), [1.0, 4.0, 0.25]]).astype(np.float32)

FLOAT_CASES = {
    "ABS": (WIDE, np.abs), "NEG": (WIDE, np.negative), "SQUARE": (WIDE, np.square),
    "SIN": (np.linspace(-100, 100, 2001).astype(np.float32), np.sin),
    "COS": (np.linspace(-100, 100, 2001).astype(np.float32), np.cos),
    "CEIL": (WIDE, np.ceil), "FLOOR": (WIDE, np.floor), "SIGN": (WIDE, np.sign),
    "EXP": (np.linspace(-100, 100, 2001).astype(np.float32), np.exp),
    "SQRT": (POSITIVE, np.sqrt), "RSQRT": (POSITIVE, lambda x: 1 / np.sqrt(x)), "LOG": (POSITIVE, np.log),
}


@pytest.mark.parametrize("op", sorted(FLOAT_CASES))
def test_float_values(op):
    x, fn = FLOAT_CASES[op]
    with np.errstate(all="ignore"):
        check_op(unary_model(op, x.shape, np.float32), [x], expected=[fn(x).astype(np.float32)])


def test_float_domain_edges():
    # outside the domain: NaN / inf must appear in the same places
    x = np.array([-1.0, 0.0, -0.0, 1.0, np.inf, -np.inf, np.nan], np.float32)
    with np.errstate(all="ignore"):
        for op, fn in [("SQRT", np.sqrt), ("RSQRT", lambda v: 1 / np.sqrt(v)), ("LOG", np.log), ("EXP", np.exp)]:
            check_op(unary_model(op, x.shape, np.float32), [x], expected=[fn(x).astype(np.float32)])


def test_round_half_to_even():
    halves = np.arange(-10, 10) + 0.5
    x = np.concatenate([halves, halves + 1e-3, halves - 1e-3, [-0.3, 0.3, 1e20, -1e20, 8388607.5, 2.5e-45]])
    x = x.astype(np.float32)
    check_op(unary_model("ROUND", x.shape, np.float32), [x], expected=[np.round(x)])


def test_sign_types():
    xf = np.array([-2.5, -0.0, 0.0, 3.0, np.nan, -np.inf, np.inf], np.float32)
    check_op(unary_model("SIGN", xf.shape, np.float32), [xf], expected=[np.sign(xf)])
    xd = xf.astype(np.float64)
    check_op(unary_model("SIGN", xd.shape, np.float64), [xd], expected=[np.sign(xd)])
    xi = np.array([-2**31, -5, 0, 7, 2**31 - 1], np.int32)
    check_op(unary_model("SIGN", xi.shape, np.int32), [xi], expected=[np.sign(xi)])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", ["ABS", "NEG", "SQRT", "EXP", "LOG", "SIN", "ROUND", "SQUARE"])
def test_float_shapes(op, shape):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    if op in ("SQRT", "LOG"):
        x = np.abs(x) + 0.01
    fn = FLOAT_CASES.get(op, (None, np.round))[1]
    check_op(unary_model(op, shape, np.float32), [x], expected=[fn(x).astype(np.float32)])


# ---------------------------------------------------------------------------------------------
# plain integers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_neg_integers(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min + 1, -1, 0, 1, info.max], dtype)
    with np.errstate(over="ignore"):
        check_op(unary_model("NEG", x.shape, dtype), [x], expected=[-x])
    if dtype in (np.int8, np.int16):
        x = all_values(dtype)
        check_op(unary_model("NEG", x.shape, dtype), [x], expected=[-x])


def test_abs_integers():
    x = np.array([-2**31, -2**31 + 1, -7, 0, 9, 2**31 - 1], np.int32)
    check_op(unary_model("ABS", x.shape, np.int32), [x], expected=[np.abs(x)])
    x = all_values(np.int16)  # int16 without quantization: plain |x| (version 4)
    check_op(unary_model("ABS", x.shape, np.int16, version=4), [x], expected=[np.abs(x)])


# ---------------------------------------------------------------------------------------------
# int8 quantized: every input value
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", Q8_PARAMS)
@pytest.mark.parametrize("op", ["ABS", "EXP", "LOG"])
def test_q8_all_values(op, params):
    si, zi, so, zo = params
    x = all_values(np.int8)
    check_op(unary_model(op, x.shape, np.int8, (si, zi), (so, zo)), [x])


@pytest.mark.parametrize("params", Q8_PARAMS + [(0.01, 0, 0.5, 0), (2.0, 0, 0.001, 0)])
@pytest.mark.parametrize("op", ["SQRT", "RSQRT"])
def test_q8_sqrt_rsqrt(op, params):
    si, zi, so, zo = params
    x = np.arange(zi, 128).astype(np.int8)  # inputs at or above the zero point
    check_op(unary_model(op, x.shape, np.int8, (si, zi), (so, zo)), [x])


def test_q8_abs_same_scale_saturates():
    x = all_values(np.int8)
    for zi, zo in [(0, 0), (-128, 0), (100, -100), (0, 127)]:
        check_op(unary_model("ABS", x.shape, np.int8, (0.1, zi), (0.1, zo)), [x])


@pytest.mark.parametrize("shape", SHAPES)
def test_q8_shapes(shape):
    rng = np.random.default_rng(11)
    x = rng.integers(-128, 128, size=shape).astype(np.int8)
    for op in ("ABS", "EXP", "LOG"):
        check_op(unary_model(op, shape, np.int8, (0.07, -3), (0.05, 9)), [x])
    xs = rng.integers(-3, 128, size=shape).astype(np.int8)
    for op in ("SQRT", "RSQRT"):
        check_op(unary_model(op, shape, np.int8, (0.07, -3), (0.05, 9)), [xs])


# ---------------------------------------------------------------------------------------------
# int16 quantized (zero points 0): every input value
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scales", Q16_SCALES)
@pytest.mark.parametrize("op", ["ABS", "EXP", "LOG"])
def test_q16_all_values(op, scales):
    si, so = scales
    x = all_values(np.int16)
    check_op(unary_model(op, x.shape, np.int16, (si, 0), (so, 0)), [x])


@pytest.mark.parametrize("scales", Q16_SCALES)
@pytest.mark.parametrize("op", ["SQRT", "RSQRT"])
def test_q16_sqrt_rsqrt(op, scales):
    si, so = scales
    x = np.arange(0, 32768).astype(np.int16)
    check_op(unary_model(op, x.shape, np.int16, (si, 0), (so, 0)), [x])


# ---------------------------------------------------------------------------------------------
# errors, threads
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op,dtype,qin,qout,message", [
    ("EXP", np.int16, (0.001, 2), (0.001, 0), "zero point"),
    ("ABS", np.int16, (0.001, 0), (0.001, 1), "zero point"),
    ("LOG", np.int8, (0.1, 0), None, "quantization"),
    ("SQRT", np.int8, (0.0, 0), (0.1, 0), "scale"),
    ("SQUARE", np.int32, None, None, "not supported"),
    ("SIN", np.int8, (0.1, 0), (0.1, 0), "not supported"),
    ("NEG", np.uint8, None, None, "not supported"),
    ("CEIL", np.int32, None, None, "not supported"),
])
def test_prepare_errors(op, dtype, qin, qout, message):
    model = unary_model(op, (4,), dtype, qin, qout)
    with pytest.raises(RuntimeError, match=f"failed to prepare.*{message}"):
        run_rt(model, [np.zeros(4, dtype)])


@pytest.mark.parametrize("op,dtype,zp,message", [("SQRT", np.int8, 0, "non-negative"),
                                                 ("RSQRT", np.int8, 5, "positive"),
                                                 ("SQRT", np.int16, 0, "non-negative"),
                                                 ("RSQRT", np.int16, 0, "positive")])
def test_invoke_rejects_negative(op, dtype, zp, message):
    model = unary_model(op, (4,), dtype, (0.1, zp), (0.1, 0))
    with pytest.raises(RuntimeError, match=f"failed to invoke.*{message}"):
        run_rt(model, [np.array([zp, zp + 1, zp - 1, zp + 2], dtype)])
    if have_litert():  # LiteRT refuses these inputs too
        with pytest.raises(RuntimeError):
            run_ref(model, [np.array([zp, zp + 1, zp - 1, zp + 2], dtype)])


def test_threads_large_tensor():
    rng = np.random.default_rng(12)
    shape = (5, 30011)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    check_op(unary_model("EXP", shape, np.float32), [x], expected=[np.exp(x)], num_threads=4)
    xi = rng.integers(0, 128, size=shape).astype(np.int8)
    check_op(unary_model("RSQRT", shape, np.int8, (0.05, 0), (0.02, -20)), [xi], num_threads=4)


# ---------------------------------------------------------------------------------------------
# long sweeps (pytest -m slow)
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("op", ["ABS", "EXP", "LOG", "SQRT", "RSQRT"])
def test_q8_random_quantizations(op):
    rng = np.random.default_rng(31)
    for _ in range(60):
        si, so = (float(v) for v in 10.0 ** rng.uniform(-3, 0.5, 2))
        zi, zo = (int(v) for v in rng.integers(-128, 128, 2))
        x = np.arange(zi, 128).astype(np.int8) if op in ("SQRT", "RSQRT") else all_values(np.int8)
        check_op(unary_model(op, x.shape, np.int8, (si, zi), (so, zo)), [x])


@pytest.mark.slow
@pytest.mark.parametrize("op", ["ABS", "EXP", "LOG", "SQRT", "RSQRT"])
def test_q16_random_scales(op):
    rng = np.random.default_rng(32)
    x = np.arange(0, 32768).astype(np.int16) if op in ("SQRT", "RSQRT") else all_values(np.int16)
    for _ in range(25):
        si, so = (float(v) for v in 10.0 ** rng.uniform(-5, -1, 2))
        check_op(unary_model(op, x.shape, np.int16, (si, 0), (so, 0)), [x])
