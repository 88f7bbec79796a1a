"""STABLEHLO_ADD / MULTIPLY / MAXIMUM / MINIMUM / AND against LiteRT BUILTIN_REF (AND: LiteRT's
optimized resolver), numpy fallback: every supported type, same-shape inputs, integer
wrap-around, bool semantics, and a shape mismatch (refused)."""
import numpy as np
import pytest

from tests import tolerances
from tests.ops import helpers
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

TYPES = [np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
         np.uint64, np.bool_]
OPS = {"STABLEHLO_ADD": np.add, "STABLEHLO_MULTIPLY": np.multiply, "STABLEHLO_MAXIMUM": np.maximum,
       "STABLEHLO_MINIMUM": np.minimum, "STABLEHLO_AND": np.bitwise_and}


def model(op, shape, dtype, shape2=None):
    b = ModelBuilder()
    x, y = b.input("x", list(shape), dtype), b.input("y", list(shape2 or shape), dtype)
    z = b.tensor("z", list(shape), dtype)
    b.op(op, [x, y], [z])
    b.output(z)
    return b.build()


def rand(rng, shape, dtype):
    return helpers.rand(rng, shape, dtype, lo=None, hi=None, fscale=10)  # integers: the whole range


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 4)])
def test_stablehlo_elementwise(op, dtype, shape):
    if op == "STABLEHLO_AND" and np.dtype(dtype).kind == "f":
        pytest.skip("AND is for integers and bool")
    rng = np.random.default_rng(len(shape))
    x, y = rand(rng, shape, dtype), rand(rng, shape, dtype)
    with np.errstate(over="ignore"):
        if dtype == np.bool_:
            exp = {"STABLEHLO_ADD": x | y, "STABLEHLO_MULTIPLY": x & y, "STABLEHLO_MAXIMUM": x | y,
                   "STABLEHLO_MINIMUM": x & y, "STABLEHLO_AND": x & y}[op]
        else:
            exp = OPS[op](x, y).astype(dtype)
    tol = tolerances.FLOAT32 if np.dtype(dtype).kind == "f" else helpers.EXACT
    check(model(op, shape, dtype), [x, y], expected=[exp], tol=tol)


def test_stablehlo_shape_mismatch():
    with pytest.raises((RuntimeError, ValueError), match="same shape"):
        rt_interpreter(model_content=model("STABLEHLO_ADD", (2, 3), np.float32, (3, 2))).allocate_tensors()
