"""RANK and BROADCAST_ARGS against LiteRT BUILTIN_REF (numpy fallback), and BUCKETIZE.

RANK: ranks 0..5 (its output is a constant computed in prepare). BROADCAST_ARGS: int32/int64,
different lengths, ones on either side, constant inputs (constant output) and computed ones,
and incompatible shapes (an error; TFLite aborts). BUCKETIZE: float32/float64/int32/int64
inputs, values on boundaries, empty boundary list, unsorted boundaries (an error)."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder



@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 2, 3, 4, 5)])
def test_rank(shape):
    b = ModelBuilder()
    x = b.input("x", list(shape), np.float32)
    y = b.tensor("r", [], np.int32)
    b.op("RANK", [x], [y])
    b.output(y)
    check(b.build(), [np.zeros(shape, np.float32)], expected=[np.array(len(shape), np.int32)], tol=EXACT)


def bargs_model(a, c, dtype, const):
    b = ModelBuilder()
    if const:
        ta, tc = b.const("a", np.array(a, dtype)), b.const("c", np.array(c, dtype))
        b.input("unused", [1], np.float32)
    else:
        ta, tc = b.input("a", [len(a)], dtype), b.input("c", [len(c)], dtype)
    y = b.tensor("y", [max(len(a), len(c))], dtype)
    b.op("BROADCAST_ARGS", [ta, tc], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("a,c", [([2, 3], [2, 3]), ([1, 3], [4, 1]), ([5, 1, 3], [2, 1]), ([1], [7, 2, 1]),
                                 ([3], [])])
@pytest.mark.parametrize("const", [False, True])
def test_broadcast_args(dtype, a, c, const):
    exp = np.array(np.broadcast_shapes(tuple(a), tuple(c)), dtype)
    feeds = [np.zeros(1, np.float32)] if const else [np.array(a, dtype), np.array(c, dtype)]
    check(bargs_model(a, c, dtype, const), feeds, expected=[exp], tol=EXACT)


def test_broadcast_args_incompatible():
    with pytest.raises((RuntimeError, ValueError), match="cannot be broadcast"):
        rt_interpreter(model_content=bargs_model([2, 3], [4, 3], np.int32, True)).allocate_tensors()


def bucketize_model(shape, dtype, boundaries):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype)
    y = b.tensor("y", list(shape), np.int32)
    b.op("BUCKETIZE", [x], [y], options={"boundaries": list(boundaries)})
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("boundaries", [[0.0, 10.0, 100.0], [-5.5, -1.0, 0.0, 0.5, 3.0, 3.0, 7.25], [], [1.0]])
def test_bucketize(dtype, boundaries):
    rng = np.random.default_rng(len(boundaries))
    x = (rng.standard_normal((3, 5)) * 20).astype(dtype)
    if np.dtype(dtype).kind == "f" and boundaries:
        x.flat[:len(boundaries)] = boundaries  # exactly on a boundary: goes right
    exp = np.searchsorted(np.array(boundaries, np.float64), x.astype(np.float64), side="right").astype(np.int32)
    check(bucketize_model(x.shape, dtype, boundaries), [x], expected=[exp], tol=EXACT)


def test_bucketize_unsorted_boundaries():
    with pytest.raises((RuntimeError, ValueError), match="sorted"):
        rt_interpreter(model_content=bucketize_model((2,), np.float32, [1.0, 0.0])).allocate_tensors()
