"""SHAPE, FILL, ZEROS_LIKE and RANGE against LiteRT's reference kernels (BUILTIN_REF), with numpy
as the fallback expectation; plus small graphs where computed shapes flow through several ops
(SHAPE -> STRIDED_SLICE -> PACK -> FILL/RESHAPE/TILE), which exercises dynamic outputs.
"""
import numpy as np
import pytest

from tests.ops.helpers import EXACT, invoke_error, prepare_error
from tests.oracle import check
from tests.tflite_builder import ModelBuilder



# ---- SHAPE -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 1, 4), (1, 2, 3, 4, 5, 6)], ids=str)
@pytest.mark.parametrize("out_type", [np.int32, np.int64], ids=["i32", "i64"])
def test_shape(shape, out_type):
    b = ModelBuilder()
    x = b.input("x", shape, np.float32)
    y = b.tensor("y", (len(shape),), out_type)
    b.op("SHAPE", [x], [y], options={"out_type": out_type})
    b.output(y)
    check(b.build(), [np.zeros(shape, np.float32)], expected=[np.array(shape, out_type)], tol=EXACT)


def test_shape_follows_resized_input():
    b = ModelBuilder()
    x = b.input("x", (1, 3), np.int8)
    y = b.tensor("y", (2,), np.int32)
    b.op("SHAPE", [x], [y], options={"out_type": np.int32})
    b.output(y)
    check(b.build(), [np.zeros((4, 5), np.int8)], expected=[np.array([4, 5], np.int32)], tol=EXACT)


# ---- FILL ------------------------------------------------------------------------------------

def fill_model(dims, value, const_dims=True, dims_dtype=np.int32, q=None):
    b = ModelBuilder()
    d = b.const("dims", np.array(dims, dims_dtype)) if const_dims else b.input("dims", (len(dims),), dims_dtype)
    v = b.input("value", (), np.asarray(value).dtype, quant=q)
    y = b.tensor("y", dims, np.asarray(value).dtype, quant=q)
    b.op("FILL", [d, v], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dims", [[], [4], [2, 3], [1, 0, 2], [2, 1, 3, 1, 2, 2]], ids=str)
@pytest.mark.parametrize("const_dims", [True, False], ids=["const", "computed"])
@pytest.mark.parametrize("dims_dtype", [np.int32, np.int64], ids=["i32", "i64"])
def test_fill(dims, const_dims, dims_dtype):
    value = np.array(2.5, np.float32)
    model = fill_model(dims, value, const_dims, dims_dtype)
    feeds = ([] if const_dims else [np.array(dims, dims_dtype)]) + [value]
    check(model, feeds, expected=[np.full(dims, value)], tol=EXACT)


@pytest.mark.parametrize("value,q", [(np.int8(-7), (0.1, 3)), (np.uint8(200), None), (np.int16(-300), (0.1, 0)),
                                     (np.int32(123456), None), (np.int64(-2 ** 40), None), (np.bool_(True), None),
                                     (np.float16(1.5), None)], ids=lambda v: type(v).__name__)
def test_fill_dtypes(value, q):
    value = np.array(value)
    check(fill_model([2, 3], value, q=q), [value], expected=[np.full((2, 3), value)], tol=EXACT)


def test_fill_errors():
    b = ModelBuilder()
    d = b.const("dims", np.array([2, -1], np.int32))
    v = b.input("value", (), np.float32)
    y = b.tensor("y", (2, 1), np.float32)
    b.op("FILL", [d, v], [y])
    b.output(y)
    assert "dims" in prepare_error(b.build())


# ---- ZEROS_LIKE ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.int8, np.bool_], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 1)], ids=str)
def test_zeros_like(dtype, shape):
    b = ModelBuilder()
    x = b.input("x", shape, dtype)
    y = b.tensor("y", shape, dtype)
    b.op("ZEROS_LIKE", [x], [y])
    b.output(y)
    check(b.build(), [np.ones(shape, dtype)], expected=[np.zeros(shape, dtype)], tol=EXACT)


# ---- RANGE -----------------------------------------------------------------------------------

def range_model(dtype, start, limit, delta, const=True):
    b = ModelBuilder()
    vals = [np.array(v, dtype) for v in (start, limit, delta)]
    ins = [b.const(n, v) if const else b.input(n, (), dtype) for n, v in zip(("start", "limit", "delta"), vals)]
    n = 0 if delta == 0 else (len(np.arange(start, limit, delta, dtype=np.float64)) if dtype == np.float32
                              else len(range(start, limit, delta)))
    y = b.tensor("y", (n,), dtype)
    b.op("RANGE", ins, [y])
    b.output(y)
    return b.build(), ([] if const else vals)


def np_range(dtype, start, limit, delta):
    if dtype == np.float32:  # TFLite accumulates value += delta in float
        n = int(np.ceil(abs((np.float32(limit) - np.float32(start)) / np.float32(delta))))
        out, v = [], np.float32(start)
        for _ in range(n):
            out.append(v)
            v = np.float32(v + np.float32(delta))
        return np.array(out, np.float32)
    return np.arange(start, limit, delta).astype(dtype)


@pytest.mark.parametrize("dtype,args", [(np.int32, (0, 10, 3)), (np.int32, (10, -4, -2)), (np.int32, (5, 5, 1)),
                                        (np.int64, (-(2 ** 40), -(2 ** 40) + 7, 2)), (np.float32, (0.0, 1.0, 0.1)),
                                        (np.float32, (3.5, -2.0, -0.7)), (np.float32, (1.0, 1.0, 0.5))], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_range(dtype, args, const):
    model, feeds = range_model(dtype, *args, const=const)
    check(model, feeds, expected=[np_range(dtype, *args)], tol=EXACT)


def test_range_errors():
    assert "delta" in prepare_error(range_model(np.int32, 0, 5, 0)[0])
    assert "does not lead" in prepare_error(range_model(np.int32, 0, 5, -1)[0])
    model, _ = range_model(np.float32, 0.0, 1.0, 0.5, const=False)
    assert "does not lead" in invoke_error(model, [np.array(v, np.float32) for v in (0, 1, -1)])


# ---- computed shapes through several ops -----------------------------------------------------

def test_shape_slice_pack_fill_chain():
    """FILL(PACK(STRIDED_SLICE(SHAPE(x))[0], 3), 1.0): every output after SHAPE is dynamic."""
    b = ModelBuilder()
    x = b.input("x", (4, 2), np.float32)
    s = b.tensor("s", (2,), np.int32)
    b.op("SHAPE", [x], [s], options={"out_type": np.int32})
    n = b.tensor("n", (), np.int32)
    b.op("STRIDED_SLICE", [s, b.const("b0", np.array([0], np.int32)), b.const("e0", np.array([1], np.int32)),
                           b.const("s0", np.array([1], np.int32))], [n], options={"shrink_axis_mask": 1})
    dims = b.tensor("dims", (2,), np.int32)
    b.op("PACK", [n, b.const("three", np.array(3, np.int32))], [dims], options={"values_count": 2, "axis": 0})
    y = b.tensor("y", (4, 3), np.float32)
    b.op("FILL", [dims, b.const("one", np.array(1.0, np.float32))], [y])
    b.output(y)
    model = b.build()
    for rows in (4, 1, 7):
        check(model, [np.zeros((rows, 2), np.float32)], expected=[np.ones((rows, 3), np.float32)], tol=EXACT)


def test_range_tile_gather_chain():
    """GATHER(x, RANGE(0, n, 1)) and TILE by a computed multiple: dynamic index/multiple tensors."""
    b = ModelBuilder()
    x = b.input("x", (5, 2), np.float32)
    n = b.input("n", (), np.int32)
    r = b.tensor("r", (3,), np.int32)
    b.op("RANGE", [b.const("z", np.array(0, np.int32)), n, b.const("d", np.array(1, np.int32))], [r])
    g = b.tensor("g", (3, 2), np.float32)
    b.op("GATHER", [x, r], [g], options={"axis": 0})
    m = b.tensor("m", (2,), np.int32)
    b.op("PACK", [n, b.const("one", np.array(1, np.int32))], [m], options={"values_count": 2, "axis": 0})
    y = b.tensor("y", (9, 2), np.float32)
    b.op("TILE", [g, m], [y])
    b.output(y)
    model = b.build()
    x_val = np.arange(10, dtype=np.float32).reshape(5, 2)
    for k in (3, 1, 5):
        exp = np.tile(x_val[:k], (k, 1))
        check(model, [x_val, np.array(k, np.int32)], expected=[exp], tol=EXACT)
