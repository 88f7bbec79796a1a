"""TRANSPOSE, TILE, REVERSE_V2 and BROADCAST_TO against LiteRT's reference kernels (BUILTIN_REF),
with numpy as the fallback expectation.

Ranks 0/1..6 (TRANSPOSE to 6-D, every permutation up to 4-D, negative perm entries), size-1
and odd dimensions, dtypes, multiples incl. 0 and 1, reversed axis sets (contiguous, which
TFLite supports, and non-contiguous, an extension), computed perm/multiples/shape/axis tensors
(dynamic outputs), and prepare errors. Outputs bit-exact.
"""
import itertools

import numpy as np
import pytest

from tests.ops.helpers import DATA_DTYPES as DTYPES
from tests.ops.helpers import EXACT, data_op_model, feeds_for as _feeds, invoke_error, prepare_error, rand
from tests.oracle import check, compare_all, run_rt


def two_input_model(op, shape, dtype, second, out_shape, const=True, second_dtype=np.int32, version=1):
    return data_op_model(op, shape, dtype, {"s": second}, out_shape, const, second_dtype, version=version)


def feeds_for(x, second, const, second_dtype=np.int32):
    return _feeds(x, {"s": second}, const, second_dtype)


# ---- TRANSPOSE -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 1, 3), (2, 3, 4, 5)], ids=str)
def test_transpose_all_perms(shape):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, np.float32)
    for perm in itertools.permutations(range(len(shape))):
        exp = np.transpose(x, perm)
        check(two_input_model("TRANSPOSE", shape, np.float32, perm, exp.shape), [x], expected=[exp], tol=EXACT)


@pytest.mark.parametrize("shape,perm", [((2, 3, 1, 4, 3), (4, 0, 3, 1, 2)), ((2, 1, 3, 2, 2, 3), (5, 3, 1, 0, 4, 2)),
                                        ((3, 4), (-1, -2)), ((2, 3, 4), (0, -1, 1))], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_transpose_high_rank_negative_and_computed(shape, perm, const):
    rng = np.random.default_rng(2)
    x = rand(rng, shape, np.float32)
    exp = np.transpose(x, [p % len(shape) for p in perm])
    model = two_input_model("TRANSPOSE", shape, np.float32, perm, exp.shape, const)
    check(model, feeds_for(x, perm, const), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
def test_transpose_dtypes(dtype):
    rng = np.random.default_rng(3)
    x = rand(rng, (2, 3, 4), dtype)
    exp = np.transpose(x, (2, 0, 1))
    check(two_input_model("TRANSPOSE", x.shape, dtype, (2, 0, 1), exp.shape), [x], expected=[exp], tol=EXACT)


def test_transpose_errors():
    assert "perm" in prepare_error(two_input_model("TRANSPOSE", (2, 3), np.float32, (0, 2), (2, 3)))
    assert "repeats" in prepare_error(two_input_model("TRANSPOSE", (2, 3), np.float32, (0, 0), (2, 2)))
    assert "entries" in prepare_error(two_input_model("TRANSPOSE", (2, 3), np.float32, (0, 1, 2), (2, 3)))


# ---- TILE ----------------------------------------------------------------------------------

TILE_CASES = [((3,), (4,)), ((3,), (0,)), ((2, 3), (1, 1)), ((2, 3), (3, 2)), ((1, 2, 1), (2, 1, 5)),
              ((2, 1, 3, 1), (1, 3, 1, 2)), ((1, 2, 1, 2, 1), (2, 1, 2, 1, 3)), ((2, 1, 2, 1, 2, 1), (1, 2, 1, 2, 1, 2))]


@pytest.mark.parametrize("shape,mult", TILE_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
@pytest.mark.parametrize("mdtype", [np.int32, np.int64], ids=["i32", "i64"])
def test_tile(shape, mult, const, mdtype):
    rng = np.random.default_rng(4)
    x = rand(rng, shape, np.float32)
    exp = np.tile(x, mult)
    model = two_input_model("TILE", shape, np.float32, mult, exp.shape, const, mdtype)
    check(model, feeds_for(x, mult, const, mdtype), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_tile_dtypes(dtype):
    rng = np.random.default_rng(5)
    x = rand(rng, (2, 3), dtype)
    exp = np.tile(x, (2, 3))
    check(two_input_model("TILE", x.shape, dtype, (2, 3), exp.shape, version=2), [x], expected=[exp], tol=EXACT)


def test_tile_errors():
    assert "negative" in prepare_error(two_input_model("TILE", (2, 3), np.float32, (1, -1), (2, 3)))
    assert "entries" in prepare_error(two_input_model("TILE", (2, 3), np.float32, (1,), (2, 3)))


# ---- REVERSE_V2 ----------------------------------------------------------------------------

REVERSE_CASES = [((7,), [0]), ((7,), [-1]), ((3, 4), [1]), ((3, 4), [0]), ((3, 4), [0, 1]),
                 ((2, 3, 4), [1, 2]), ((2, 3, 4), [-3]), ((2, 1, 3, 4), [2]), ((2, 3, 1, 2, 3), [1, 2, 3]),
                 ((2, 2, 1, 3, 2, 2), [3, 4])]


@pytest.mark.parametrize("shape,axes", REVERSE_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_reverse(shape, axes, const):
    rng = np.random.default_rng(6)
    x = rand(rng, shape, np.float32)
    exp = np.flip(x, axis=tuple(axes)) if axes else x
    model = two_input_model("REVERSE_V2", shape, np.float32, np.array(axes, np.int32).reshape(-1), exp.shape, const)
    check(model, feeds_for(x, np.array(axes, np.int32).reshape(-1), const), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_reverse_no_axes(const):
    """An empty axis list copies the input (LiteRT's kernel crashes on it: numpy only)."""
    x = rand(np.random.default_rng(12), (3, 4), np.float32)
    axes = np.zeros((0,), np.int32)
    model = two_input_model("REVERSE_V2", x.shape, np.float32, axes, x.shape, const)
    compare_all(run_rt(model, feeds_for(x, axes, const)), [x], EXACT, source="numpy")


@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
def test_reverse_dtypes(dtype):
    rng = np.random.default_rng(7)
    x = rand(rng, (3, 5), dtype)
    check(two_input_model("REVERSE_V2", x.shape, dtype, [1], x.shape, version=3), [x],
          expected=[np.flip(x, 1)], tol=EXACT)


@pytest.mark.parametrize("axes", [[0, 2], [0, 3], [1, 3]], ids=str)
def test_reverse_non_contiguous_axes_extension(axes):
    """TFLite refuses non-contiguous axes; tflite_rt reverses them."""
    rng = np.random.default_rng(8)
    x = rand(rng, (2, 3, 4, 5), np.float32)
    check(two_input_model("REVERSE_V2", x.shape, np.float32, axes, x.shape), [x],
          expected=[np.flip(x, axis=tuple(axes))], tol=EXACT)


def test_reverse_errors():
    assert "out of range" in prepare_error(two_input_model("REVERSE_V2", (2, 3), np.float32, [2], (2, 3)))
    assert "twice" in prepare_error(two_input_model("REVERSE_V2", (2, 3), np.float32, [1, -1], (2, 3)))
    model = two_input_model("REVERSE_V2", (2, 3), np.float32, [0], (2, 3), const=False)
    assert "out of range" in invoke_error(model, [np.zeros((2, 3), np.float32), np.array([5], np.int32)])


# ---- BROADCAST_TO --------------------------------------------------------------------------

BCAST_CASES = [((1,), (4,)), ((3,), (2, 3)), ((2, 1), (2, 5)), ((1, 3, 1), (2, 3, 4)), ((), (2, 2)),
               ((4, 1, 2), (3, 4, 5, 2)), ((1, 2, 1, 3), (2, 1, 2, 4, 3)), ((2, 1, 1, 1, 2, 1), (2, 3, 1, 2, 2, 3)),
               ((2, 3), (2, 3)), ((1, 2), (0, 2))]


@pytest.mark.parametrize("shape,target", BCAST_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_broadcast_to(shape, target, const):
    rng = np.random.default_rng(9)
    x = rand(rng, shape, np.float32)
    exp = np.broadcast_to(x, target)
    model = two_input_model("BROADCAST_TO", shape, np.float32, target, target, const, version=2)
    check(model, feeds_for(x, target, const), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_broadcast_to_dtypes(dtype):
    rng = np.random.default_rng(10)
    x = rand(rng, (3, 1), dtype)
    model = two_input_model("BROADCAST_TO", x.shape, dtype, (2, 3, 4), (2, 3, 4), second_dtype=np.int64, version=3)
    check(model, [x], expected=[np.broadcast_to(x, (2, 3, 4))], tol=EXACT)


def test_broadcast_to_errors():
    assert "broadcast" in prepare_error(two_input_model("BROADCAST_TO", (2, 3), np.float32, (2, 4), (2, 4), version=2))
    assert "rank" in prepare_error(two_input_model("BROADCAST_TO", (2, 3), np.float32, (3,), (3,), version=2))


@pytest.mark.slow
def test_transpose_all_perms_5d_6d_slow():
    rng = np.random.default_rng(11)
    for shape in [(2, 3, 1, 2, 3), (2, 1, 2, 3, 1, 2)]:
        x = rand(rng, shape, np.int8)
        for perm in itertools.permutations(range(len(shape))):
            exp = np.transpose(x, perm)
            check(two_input_model("TRANSPOSE", shape, np.int8, perm, exp.shape), [x], expected=[exp], tol=EXACT)
