"""REAL, IMAG, COMPLEX_ABS (complex64/complex128) and ATAN2 (float32/float64) against LiteRT
BUILTIN_REF, numpy fallback."""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder


def unary_model(op, shape, in_type, out_type):
    b = ModelBuilder()
    x = b.input("x", list(shape), in_type)
    y = b.tensor("y", list(shape), out_type)
    b.op(op, [x], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("op,fn", [("REAL", np.real), ("IMAG", np.imag), ("COMPLEX_ABS", np.abs)])
@pytest.mark.parametrize("ctype,ftype", [(np.complex64, np.float32), (np.complex128, np.float64)])
@pytest.mark.parametrize("shape", [(1,), (4, 3), (2, 2, 5)])
def test_complex_parts(op, fn, ctype, ftype, shape):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(ctype)
    check(unary_model(op, shape, ctype, ftype), [x], expected=[fn(x).astype(ftype)])


def test_complex_wrong_output_type():
    with pytest.raises((RuntimeError, ValueError), match="FLOAT32"):
        rt_interpreter(model_content=unary_model("REAL", (2,), np.complex64, np.float64)).allocate_tensors()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 4)])
def test_atan2(dtype, shape):
    rng = np.random.default_rng(len(shape))
    y, x = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    y.flat[0], x.flat[0] = 0.0, -1.0
    b = ModelBuilder()
    ty, tx = b.input("y", list(shape), dtype), b.input("x", list(shape), dtype)
    z = b.tensor("z", list(shape), dtype)
    b.op("ATAN2", [ty, tx], [z])
    b.output(z)
    check(b.build(), [y, x], expected=[np.arctan2(y, x)], tol=tolerances.FLOAT32)
