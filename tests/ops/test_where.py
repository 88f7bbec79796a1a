"""WHERE (coordinates of non-zero elements) and UNIQUE against LiteRT BUILTIN_REF (numpy
fallback). WHERE: every condition type, ranks 1..4, all-false / all-true, -0.0 and NaN,
constant condition (static output) and computed (dynamic). UNIQUE: dtypes, int32/int64 index
output, repeats, 0.0 vs -0.0, empty input."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

COND_TYPES = [np.bool_, np.float32, np.int64, np.int32, np.int8, np.uint8, np.uint32]


def where_model(shape, dtype, const=None):
    b = ModelBuilder()
    if const is None:
        c = b.input("c", list(shape), dtype)
    else:
        c = b.const("c", const)
        b.input("unused", [1], np.float32)
    y = b.tensor("y", [1, len(shape)], np.int64)
    b.op("WHERE", [c], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", COND_TYPES)
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 4), (2, 3, 2), (2, 1, 3, 2)])
def test_where(dtype, shape):
    rng = np.random.default_rng(len(shape))
    c = (rng.random(shape) > 0.5).astype(dtype)
    check(where_model(shape, dtype), [c], expected=[np.argwhere(c).astype(np.int64)], tol=EXACT)


@pytest.mark.parametrize("fill", [0, 1])
def test_where_all_or_nothing(fill):
    c = np.full((3, 2), fill, np.int32)
    check(where_model(c.shape, np.int32), [c], expected=[np.argwhere(c).astype(np.int64)], tol=EXACT)


def test_where_float_special_values():
    c = np.array([0.0, -0.0, np.nan, 1.5, -2.0], np.float32)
    check(where_model(c.shape, np.float32), [c], expected=[np.argwhere(c != 0).astype(np.int64)], tol=EXACT)


def test_where_constant_condition():
    c = np.array([[1, 0, 3], [0, 0, 2]], np.int32)
    check(where_model(c.shape, np.int32, const=c), [np.zeros(1, np.float32)],
          expected=[np.argwhere(c).astype(np.int64)], tol=EXACT)


def unique_model(n, dtype, idx_type=np.int32):
    b = ModelBuilder()
    x = b.input("x", [n], dtype)
    y = b.tensor("y", [n], dtype)
    idx = b.tensor("idx", [n], idx_type)
    b.op("UNIQUE", [x], [y, idx], options={"idx_out_type": idx_type})
    b.output(y)
    b.output(idx)
    return b.build()


def np_unique(x):
    vals, first, inv = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return vals[order], rank[inv.ravel()]


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.float32])
@pytest.mark.parametrize("idx_type", [np.int32, np.int64])
@pytest.mark.parametrize("n", [1, 9, 200])
def test_unique(dtype, idx_type, n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, max(2, n // 3), size=n).astype(dtype)
    vals, idx = np_unique(x)
    check(unique_model(n, dtype, idx_type), [x], expected=[vals, idx.astype(idx_type)], tol=EXACT)


def test_unique_signed_zero():
    x = np.array([0.0, -0.0, 1.0, -0.0, 2.0, 1.0], np.float32)
    got = check(unique_model(6, np.float32), [x], expected=[np.array([0.0, 1.0, 2.0], np.float32),
                                                            np.array([0, 0, 1, 0, 2, 1], np.int32)], tol=EXACT)
    assert got[0].shape == (3,)


def test_unique_rejects_bad_index_type():
    b = ModelBuilder()
    x = b.input("x", [3], np.int32)
    y = b.tensor("y", [3], np.int32)
    idx = b.tensor("idx", [3], np.int16)
    b.op("UNIQUE", [x], [y, idx], options={"idx_out_type": np.int16})
    b.output(y)
    b.output(idx)
    with pytest.raises((RuntimeError, ValueError), match="int32 or int64"):
        rt_interpreter(model_content=b.build()).allocate_tensors()
