"""BITWISE_XOR, RIGHT_SHIFT (with broadcasting) and BITCAST against LiteRT BUILTIN_REF, with
numpy fallbacks. Integer outputs bit-exact."""
import numpy as np
import pytest

from tests.ops import helpers
from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

INT_TYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32]
SHAPES = [((5,), (5,)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((1,), (2, 2)), ((2, 3, 1, 2), (1, 3, 4, 1))]


def binary_model(op, s1, s2, dtype):
    b = ModelBuilder()
    x, y = b.input("x", list(s1), dtype), b.input("y", list(s2), dtype)
    z = b.tensor("z", list(np.broadcast_shapes(s1, s2)), dtype)
    b.op(op, [x, y], [z])
    b.output(z)
    return b.build()


def rand(rng, shape, dtype):
    return helpers.rand(rng, shape, dtype, lo=None, hi=None)  # the whole range


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("s1,s2", SHAPES)
def test_bitwise_xor(dtype, s1, s2):
    rng = np.random.default_rng(len(s1) + len(s2))
    x, y = rand(rng, s1, dtype), rand(rng, s2, dtype)
    check(binary_model("BITWISE_XOR", s1, s2, dtype), [x, y], expected=[np.bitwise_xor(x, y)], tol=EXACT)


def np_right_shift(x, y):
    bits = np.iinfo(x.dtype).bits
    yc = np.clip(y.astype(np.int64), 0, bits - 1)
    return np.right_shift(x.astype(np.int64), yc).astype(x.dtype)


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("s1,s2", SHAPES)
def test_right_shift(dtype, s1, s2):
    rng = np.random.default_rng(len(s1) * 3 + len(s2))
    x = rand(rng, s1, dtype)
    bits = np.iinfo(dtype).bits
    lo = -3 if np.iinfo(dtype).min < 0 else 0
    y = rng.integers(lo, bits + 4, size=s2).astype(dtype)
    check(binary_model("RIGHT_SHIFT", s1, s2, dtype), [x, y], expected=[np_right_shift(x, y)], tol=EXACT)


def bitcast_model(shape, in_type, out_shape, out_type):
    b = ModelBuilder()
    x = b.input("x", list(shape), in_type)
    y = b.tensor("y", list(out_shape), out_type)
    b.op("BITCAST", [x], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("in_type,out_type", [(np.float32, np.int32), (np.int32, np.uint8), (np.uint8, np.int32),
                                              (np.int16, np.uint16), (np.int64, np.int16), (np.uint16, np.int64)])
def test_bitcast(in_type, out_type):
    si, so = np.dtype(in_type).itemsize, np.dtype(out_type).itemsize
    shape = (2, 3) + ((so // si,) if si < so else ())
    x = np.random.default_rng(0).integers(0, 100, size=shape).astype(in_type)
    exp = x.view(out_type)
    if si > so:
        exp = exp.reshape(shape + (si // so,))
    else:
        exp = exp.reshape(shape[:-1]) if si < so else exp
    check(bitcast_model(shape, in_type, exp.shape, out_type), [x], expected=[exp], tol=EXACT)


def test_bitcast_wrong_last_dim():
    with pytest.raises((RuntimeError, ValueError), match="last dimension"):
        rt_interpreter(model_content=bitcast_model((2, 3), np.uint8, (2,), np.int32)).allocate_tensors()
