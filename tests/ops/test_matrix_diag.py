"""MATRIX_DIAG and MATRIX_SET_DIAG against LiteRT BUILTIN_REF (numpy fallback): batch ranks
0..3, square and non-square matrices, every dtype TFLite lists, and a wrong diagonal shape
(refused here; TFLite reads out of bounds)."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

DTYPES = [np.float32, np.int8, np.uint8, np.int16, np.int32, np.int64]


def rand(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(0, 100, size=shape).astype(dtype)


def np_diag(x):
    n = x.shape[-1]
    return x[..., :, None] * np.eye(n, dtype=x.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1,), (4,), (2, 3), (2, 1, 5), (3, 2, 2, 2)])
def test_matrix_diag(dtype, shape):
    x = rand(np.random.default_rng(len(shape)), shape, dtype)
    b = ModelBuilder()
    i = b.input("x", list(shape), dtype)
    y = b.tensor("y", list(shape) + [shape[-1]], dtype)
    b.op("MATRIX_DIAG", [i], [y])
    b.output(y)
    check(b.build(), [x], expected=[np_diag(x)], tol=EXACT)


def set_diag_model(shape, diag_shape, dtype):
    b = ModelBuilder()
    i = b.input("x", list(shape), dtype)
    d = b.input("d", list(diag_shape), dtype)
    y = b.tensor("y", list(shape), dtype)
    b.op("MATRIX_SET_DIAG", [i, d], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 5), (5, 2), (2, 3, 4), (2, 2, 3, 3)])
def test_matrix_set_diag(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    k = min(shape[-2:])
    x = rand(rng, shape, dtype)
    dg = rand(rng, shape[:-2] + (k,), dtype)
    exp = x.copy()
    idx = np.arange(k)
    exp[..., idx, idx] = dg
    check(set_diag_model(shape, shape[:-2] + (k,), dtype), [x, dg], expected=[exp], tol=EXACT)


def test_matrix_set_diag_wrong_diagonal_shape():
    it = rt_interpreter(model_content=set_diag_model((3, 4), (2,), np.float32))
    with pytest.raises((RuntimeError, ValueError), match="min"):
        it.allocate_tensors()
