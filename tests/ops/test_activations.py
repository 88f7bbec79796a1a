"""Activations against LiteRT's reference kernels (BUILTIN_REF): RELU, RELU6, RELU_N1_TO_1,
RELU_0_TO_1, LEAKY_RELU, ELU, HARD_SWISH, GELU, LOGISTIC, TANH, PRELU, LOG_SOFTMAX,
L2_NORMALIZATION.

Integer outputs must be bit-exact; 8-bit ops are swept over all 256 input values and several
input/output quantizations, int16 ops over every int16 value. ELU is missing from LiteRT's
reference resolver: it is compared with LiteRT's builtin kernels (the oracle falls back to
`expected`, computed with the BUILTIN resolver, whenever BUILTIN_REF cannot run a model).
"""
import numpy as np
import pytest

from tests.oracle import check, have_litert, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

SHAPES = [(1,), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (1, 2, 3, 2, 3)]

# version TFLite's converter writes for (op, input type)
VERSIONS = {
    "RELU": {np.int8: 2, np.uint8: 2, np.int16: 3}, "RELU6": {np.int8: 2, np.uint8: 2, np.int16: 3},
    "LEAKY_RELU": {np.int16: 2}, "GELU": {np.int8: 2, np.uint8: 2},
    "LOGISTIC": {np.int8: 2, np.int16: 3}, "TANH": {np.int8: 2, np.int16: 3},
    "LOG_SOFTMAX": {np.int8: 2}, "L2_NORMALIZATION": {np.int8: 2},
}

# (input scale, input zero point, output scale, output zero point) for int8; uint8 adds 128
Q8_PARAMS = [
    (0.05, 0, 0.05, 0),      # same scale
    (0.1, 10, 0.03, -5),     # output finer: saturates
    (0.02, -100, 0.2, 50),   # output coarser
    (0.5, 127, 0.01, -128),  # extreme zero points
    (0.003, -128, 0.004, 127),
]


def version(op, dtype):
    return VERSIONS.get(op, {}).get(dtype, 1)


def unary_model(op, shape, dtype, qin=None, qout=None, options=None, out_dtype=None):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype, quant=qin)
    y = b.tensor("y", list(shape), dtype if out_dtype is None else out_dtype, quant=qout)
    b.op(op, inputs=[x], outputs=[y], options=options, version=version(op, dtype))
    b.output(y)
    return b.build()


def check_op(model, inputs, num_threads=1):
    """check() against BUILTIN_REF; where BUILTIN_REF lacks the op, against LiteRT's builtin
    kernels (passed as `expected`)."""
    expected = None
    if have_litert():
        try:
            expected = run_ref(model, inputs, resolver="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
        except (RuntimeError, ValueError):
            expected = None
    return check(model, inputs, expected=expected, num_threads=num_threads)


def all_int8(dtype, shape=(256,)):
    info = np.iinfo(dtype)
    return np.arange(info.min, info.max + 1).astype(dtype).reshape(shape)


def random_q(rng, shape, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    x.flat[0] = info.min
    x.flat[-1] = info.max
    return x


def q8(params, dtype):
    si, zi, so, zo = params
    off = 128 if dtype == np.uint8 else 0
    return (si, zi + off), (so, zo + off)


FLOAT_INPUT = np.concatenate([np.linspace(-20, 20, 801), [-100.0, 100.0, -1e4, 1e4, 0.0, -0.0, 3.0, -3.0,
                                                           6.0, 1.0, -1.0, 16.6, 16.7, -9.0, -9.01]]).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------------------------

FLOAT_OPS = [("RELU", None), ("RELU6", None), ("RELU_N1_TO_1", None), ("RELU_0_TO_1", None),
             ("LEAKY_RELU", {"alpha": 0.2}), ("LEAKY_RELU", {"alpha": -1.5}), ("ELU", None),
             ("HARD_SWISH", None), ("GELU", {"approximate": False}), ("GELU", {"approximate": True}),
             ("LOGISTIC", None), ("TANH", None)]


@pytest.mark.parametrize("op,options", FLOAT_OPS)
def test_float_values(op, options):
    check_op(unary_model(op, FLOAT_INPUT.shape, np.float32, options=options), [FLOAT_INPUT])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op,options", FLOAT_OPS[::2] + FLOAT_OPS[1::4])
def test_float_shapes(op, options, shape):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    check_op(unary_model(op, shape, np.float32, options=options), [x])


def test_leaky_relu_no_options():
    # absent LeakyReluOptions: alpha = 0
    check_op(unary_model("LEAKY_RELU", (5,), np.float32), [np.array([-2, -1, 0, 1, 2], np.float32)])


# ---------------------------------------------------------------------------------------------
# 8-bit: every input value
# ---------------------------------------------------------------------------------------------

Q8_OPS = [("RELU", None, (np.int8, np.uint8)), ("RELU6", None, (np.int8, np.uint8)),
          ("RELU_N1_TO_1", None, (np.int8, np.uint8)), ("RELU_0_TO_1", None, (np.int8, np.uint8)),
          ("LEAKY_RELU", {"alpha": 0.1}, (np.int8, np.uint8)), ("LEAKY_RELU", {"alpha": 2.5}, (np.int8,)),
          ("LEAKY_RELU", {"alpha": -0.3}, (np.int8,)), ("ELU", None, (np.int8,)),
          ("HARD_SWISH", None, (np.int8, np.uint8)), ("GELU", {"approximate": False}, (np.int8, np.uint8)),
          ("GELU", {"approximate": True}, (np.int8, np.uint8)), ("TANH", None, (np.int8, np.uint8))]


@pytest.mark.parametrize("params", Q8_PARAMS)
@pytest.mark.parametrize("op,options,dtypes", Q8_OPS)
def test_q8_all_values(op, options, dtypes, params):
    for dtype in dtypes:
        qin, qout = q8(params, dtype)
        check_op(unary_model(op, (256,), dtype, qin, qout, options), [all_int8(dtype)])


@pytest.mark.parametrize("in_scale,in_zp", [(0.05, 0), (0.1, 10), (0.5, -128), (0.01, 127), (1 / 16, -3)])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_q8_logistic(dtype, in_scale, in_zp):
    # TFLite requires output scale 1/256; the zero point is free for the table kernels
    off = 128 if dtype == np.uint8 else 0
    for out_zp in (-128, 0):
        model = unary_model("LOGISTIC", (256,), dtype, (in_scale, in_zp + off), (1 / 256, out_zp + off))
        check_op(model, [all_int8(dtype)])


def test_q8_hard_swish_large_ranges():
    # partially trained models have large ranges: left shifts in the "reluish" path
    for si, so in [(0.5, 0.5), (2.0, 1.0), (0.004, 0.1), (5.0, 40.0)]:
        check_op(unary_model("HARD_SWISH", (256,), np.int8, (si, -10), (so, 7)), [all_int8(np.int8)])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op,options", [("RELU", None), ("LEAKY_RELU", {"alpha": 0.3}), ("HARD_SWISH", None),
                                        ("LOGISTIC", None), ("TANH", None), ("GELU", {"approximate": True})])
def test_q8_shapes(op, options, shape):
    rng = np.random.default_rng(7)
    qout = (1 / 256, -128) if op == "LOGISTIC" else (0.04, 3)
    check_op(unary_model(op, shape, np.int8, (0.06, -7), qout, options), [random_q(rng, shape, np.int8)])


# ---------------------------------------------------------------------------------------------
# int16
# ---------------------------------------------------------------------------------------------

ALL_INT16 = np.arange(-32768, 32768).astype(np.int16)


@pytest.mark.parametrize("in_scale", [1 / 4096, 1 / 8192, 1 / 2048, 0.001, 3 / 32768, 2e-5, 0.01])
@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_q16_logistic_tanh(op, in_scale):
    # power-of-two input scales take the shift path, others the multiplier path
    model = unary_model(op, ALL_INT16.shape, np.int16, (in_scale, 0), (1 / 32768, 0))
    check_op(model, [ALL_INT16])


@pytest.mark.parametrize("scales", [(0.001, 0.001), (0.0005, 0.002), (0.003, 0.0001)])
@pytest.mark.parametrize("op,options", [("RELU", None), ("RELU6", None), ("LEAKY_RELU", {"alpha": 0.2}),
                                        ("LEAKY_RELU", {"alpha": -0.7}), ("GELU", {"approximate": False}),
                                        ("GELU", {"approximate": True})])
def test_q16_all_values(op, options, scales):
    si, so = scales
    check_op(unary_model(op, ALL_INT16.shape, np.int16, (si, 0), (so, 0), options), [ALL_INT16])


# ---------------------------------------------------------------------------------------------
# PRELU
# ---------------------------------------------------------------------------------------------

PRELU_SHAPES = [((2, 3, 4, 5), (5,)), ((2, 3, 4, 5), (1, 1, 5)), ((2, 3, 4, 5), (4, 1)), ((2, 3, 4, 5), (3, 4, 5)),
                ((7,), (7,)), ((7,), (1,)), ((1,), (1,)), ((3, 4), (3, 4)), ((1, 3, 1, 2, 4), (3, 1, 1, 4)),
                ((2, 2, 3), ())]


def prelu_model(shape, alpha, dtype, qin=None, qalpha=None, qout=None, const_alpha=True):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype, quant=qin)
    a = b.const("alpha", alpha, quant=qalpha) if const_alpha else b.input("alpha", list(alpha.shape),
                                                                          alpha.dtype, quant=qalpha)
    y = b.tensor("y", list(shape), dtype, quant=qout)
    b.op("PRELU", inputs=[x, a], outputs=[y], version=1)
    b.output(y)
    return b.build()


@pytest.mark.parametrize("shape,alpha_shape", PRELU_SHAPES)
def test_prelu(shape, alpha_shape):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    a = rng.standard_normal(alpha_shape).astype(np.float32)
    check_op(prelu_model(shape, a, np.float32), [x])
    ai = rng.integers(-128, 128, size=alpha_shape).astype(np.int8)
    check_op(prelu_model(shape, ai, np.int8, (0.05, 3), (0.01, -4), (0.07, -10)), [random_q(rng, shape, np.int8)])
    au = rng.integers(0, 256, size=alpha_shape).astype(np.uint8)
    check_op(prelu_model(shape, au, np.uint8, (0.05, 130), (0.01, 120), (0.07, 100)), [random_q(rng, shape, np.uint8)])
    check_op(prelu_model(shape, ai, np.int16, (0.001, 0), (0.01, 0), (0.002, 0)), [random_q(rng, shape, np.int16)])


def test_prelu_all_int8_values_and_runtime_alpha():
    rng = np.random.default_rng(4)
    x = all_int8(np.int8, (4, 64))
    for qin, qa, qout in [((0.05, 0), (0.004, 0), (0.05, 0)), ((0.1, -20), (0.02, 30), (0.03, 100))]:
        a = rng.integers(-128, 128, size=(64,)).astype(np.int8)
        check_op(prelu_model(x.shape, a, np.int8, qin, qa, qout), [x])
        check_op(prelu_model(x.shape, a, np.int8, qin, qa, qout, const_alpha=False), [x, a])


def test_prelu_bad_alpha_shape():
    model = prelu_model((2, 3), np.ones((2,), np.float32), np.float32)
    with pytest.raises(RuntimeError, match="PRELU"):
        run_rt(model, [np.zeros((2, 3), np.float32)])


# ---------------------------------------------------------------------------------------------
# LOG_SOFTMAX and L2_NORMALIZATION
# ---------------------------------------------------------------------------------------------

ROW_SHAPES = [(1,), (7,), (3, 5), (2, 3, 17), (1, 2, 3, 300), (2, 1, 1, 2, 9)]
ROW_SCALES = [(0.1, 0), (0.05, -20), (1.0, 5), (0.01, 100), (0.5, -128)]


@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_log_softmax(shape):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    check_op(unary_model("LOG_SOFTMAX", shape, np.float32), [x])
    for si, zi in ROW_SCALES:
        check_op(unary_model("LOG_SOFTMAX", shape, np.int8, (si, zi), (16 / 256, 127)), [random_q(rng, shape, np.int8)])
        check_op(unary_model("LOG_SOFTMAX", shape, np.uint8, (si, zi + 128), (16 / 256, 255)),
                 [random_q(rng, shape, np.uint8)])


def test_log_softmax_all_int8_values_per_row():
    # every value in a row; rows with a narrow band (many contributing exps) and one peak
    rng = np.random.default_rng(6)
    x = np.stack([all_int8(np.int8), rng.integers(-3, 3, 256).astype(np.int8),
                  np.where(np.arange(256) == 17, 127, -128).astype(np.int8)])
    for si, zi in ROW_SCALES:
        check_op(unary_model("LOG_SOFTMAX", x.shape, np.int8, (si, zi), (16 / 256, 127)), [x])


@pytest.mark.parametrize("shape", ROW_SHAPES)
def test_l2_normalization(shape):
    rng = np.random.default_rng(8)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    check_op(unary_model("L2_NORMALIZATION", shape, np.float32), [x])
    check_op(unary_model("L2_NORMALIZATION", shape, np.float32), [np.zeros(shape, np.float32)])  # epsilon
    for si, zi in ROW_SCALES:
        check_op(unary_model("L2_NORMALIZATION", shape, np.int8, (si, zi), (1 / 128, 0)),
                 [random_q(rng, shape, np.int8)])
        check_op(unary_model("L2_NORMALIZATION", shape, np.uint8, (si, zi + 128), (1 / 128, 128)),
                 [random_q(rng, shape, np.uint8)])


def test_l2_normalization_int8_edges():
    # rows at the zero point (sum 0), a single non-zero, all extremes, a long row
    x = np.zeros((5, 600), np.int8)
    x[1, 3] = 1
    x[2, :] = -128
    x[3, ::2] = 127
    x[4] = all_int8(np.int8, (256,)).repeat(3)[:600]
    for zp in (0, -128, 5):
        check_op(unary_model("L2_NORMALIZATION", x.shape, np.int8, (0.02, zp), (1 / 128, 0)), [x])


# ---------------------------------------------------------------------------------------------
# threads, errors
# ---------------------------------------------------------------------------------------------

def test_threads_large_tensor():
    rng = np.random.default_rng(9)
    shape = (3, 40001)
    xf = (rng.standard_normal(shape) * 4).astype(np.float32)
    check_op(unary_model("TANH", shape, np.float32), [xf], num_threads=4)
    check_op(unary_model("HARD_SWISH", shape, np.int8, (0.05, 1), (0.03, -2)), [random_q(rng, shape, np.int8)],
             num_threads=4)
    check_op(unary_model("LOG_SOFTMAX", shape[::-1], np.int8, (0.1, 0), (16 / 256, 127)),
             [random_q(rng, shape[::-1], np.int8)], num_threads=4)


@pytest.mark.parametrize("op,dtype,qin,qout,message", [
    ("LOGISTIC", np.int8, (0.1, 0), (0.01, -128), "1/256"),
    ("LOGISTIC", np.int16, (0.001, 0), (1 / 16384, 0), "1/32768"),
    ("TANH", np.int16, (0.001, 3), (1 / 32768, 0), "zero point"),
    ("RELU", np.int16, (0.001, 1), (0.001, 0), "zero point"),
    ("RELU", np.int8, (0.0, 0), (0.1, 0), "scale"),
    ("RELU", np.int8, None, None, "quantization"),
    ("RELU_N1_TO_1", np.int16, (0.001, 0), (0.001, 0), "not supported"),
    ("HARD_SWISH", np.int16, (0.001, 0), (0.001, 0), "not supported"),
    ("ELU", np.uint8, (0.1, 128), (0.1, 128), "not supported"),
    ("LOG_SOFTMAX", np.int8, (0.1, 0), (0.1, 127), "16/256"),
    ("L2_NORMALIZATION", np.int8, (0.1, 0), (1 / 128, 3), "1/128"),
])
def test_prepare_errors(op, dtype, qin, qout, message):
    model = unary_model(op, (4,), dtype, qin, qout)
    with pytest.raises(RuntimeError, match=f"failed to prepare.*{message}"):
        run_rt(model, [np.zeros(4, dtype)])


def test_mismatched_types():
    model = unary_model("RELU", (4,), np.float32, out_dtype=np.int32)
    with pytest.raises(RuntimeError, match="differ"):
        run_rt(model, [np.zeros(4, np.float32)])


# ---------------------------------------------------------------------------------------------
# long sweeps (pytest -m slow)
# ---------------------------------------------------------------------------------------------

def random_q8_params(rng, n):
    for _ in range(n):
        si, so = 10.0 ** rng.uniform(-3.5, 0.5, 2)
        yield float(si), int(rng.integers(-128, 128)), float(so), int(rng.integers(-128, 128))


def check_or_both_refuse(model, inputs):
    """check_op(), except that a model tflite_rt refuses in prepare must be refused by LiteRT too
    (random quantizations reach TFLite's own limits, e.g. HARD_SWISH's output multiplier)."""
    try:
        run_rt(model, inputs)
    except RuntimeError as e:
        if "failed to prepare" not in str(e) or not have_litert():
            raise
        with pytest.raises((RuntimeError, ValueError)):
            run_ref(model, inputs, resolver="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
        return
    check_op(model, inputs)


@pytest.mark.slow
@pytest.mark.parametrize("op,options,dtypes", Q8_OPS)
def test_q8_random_quantizations(op, options, dtypes):
    rng = np.random.default_rng(sum(map(ord, op)))
    for params in random_q8_params(rng, 40):
        for dtype in dtypes:
            qin, qout = q8(params, dtype)
            check_or_both_refuse(unary_model(op, (256,), dtype, qin, qout, options), [all_int8(dtype)])


@pytest.mark.slow
def test_q8_logistic_random_scales():
    rng = np.random.default_rng(21)
    for params in random_q8_params(rng, 60):
        for dtype in (np.int8, np.uint8):
            qin, qout = q8(params, dtype)
            model = unary_model("LOGISTIC", (256,), dtype, qin, (1 / 256, qout[1]))
            check_op(model, [all_int8(dtype)])


@pytest.mark.slow
@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
def test_q16_logistic_tanh_random_scales(op):
    rng = np.random.default_rng(22)
    for si in 10.0 ** rng.uniform(-6, -1, 40):
        check_op(unary_model(op, ALL_INT16.shape, np.int16, (float(si), 0), (1 / 32768, 0)), [ALL_INT16])


@pytest.mark.slow
def test_log_softmax_l2norm_random():
    rng = np.random.default_rng(23)
    for depth in (1, 2, 5, 16, 33, 100, 1000):
        shape = (4, depth)
        for si in 10.0 ** rng.uniform(-3, 1, 6):
            zi = int(rng.integers(-128, 128))
            x = random_q(rng, shape, np.int8)
            check_op(unary_model("LOG_SOFTMAX", shape, np.int8, (float(si), zi), (16 / 256, 127)), [x])
            check_op(unary_model("L2_NORMALIZATION", shape, np.int8, (float(si), zi), (1 / 128, 0)), [x])
