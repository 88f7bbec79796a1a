"""GATHER, GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP and ONE_HOT against LiteRT's reference kernels
(BUILTIN_REF), with numpy as the fallback expectation.

GATHER: every axis (negative too), batch_dims (negative too), int16/int32/int64 indices,
constant and computed indices, dtypes, ranks 1..6. GATHER_ND: index depths 0..rank.
SCATTER_ND: repeated indices accumulate, dtypes, computed shape (dynamic output).
EMBEDDING_LOOKUP: plain and hybrid (int8/uint8 values, per-tensor and per-row scales).
ONE_HOT: axes, dtypes, out-of-range indices, computed depth. Out-of-range indices must
fail cleanly: in prepare when constant, in invoke when computed. Outputs bit-exact.
"""
import numpy as np
import pytest

from tests.ops.helpers import DATA_DTYPES as DTYPES, EXACT, data_op_model, invoke_error, prepare_error, rand
from tests.oracle import check
from tests.tflite_builder import ModelBuilder


# ---- GATHER ----------------------------------------------------------------------------------

def np_gather(x, idx, axis, batch_dims):
    axis %= x.ndim
    batch_dims %= idx.ndim if idx.ndim else 1
    if batch_dims == 0:
        return np.take(x, idx, axis=axis)
    out = [np_gather(x[b], idx[b], axis - 1, batch_dims - 1) for b in range(x.shape[0])]
    return np.stack(out)


def gather_model(shape, dtype, idx, axis, batch_dims=0, const=True, version=1):
    exp_shape = np_gather(np.zeros(shape, np.int8), np.zeros(idx.shape, np.int64), axis, batch_dims).shape
    return data_op_model("GATHER", shape, dtype, {"idx": idx}, exp_shape, const, idx.dtype,
                         options={"axis": axis, "batch_dims": batch_dims}, version=version)


@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 5, 3), (3, 1, 4, 2), (2, 3, 1, 2, 3), (2, 1, 3, 2, 1, 2)], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_gather_axes(shape, const):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, np.float32)
    for axis in range(-len(shape), len(shape)):
        n = shape[axis]
        for ishape in [(), (3,), (2, 2)]:
            idx = rng.integers(0, n, size=ishape).astype(np.int32)
            model = gather_model(shape, np.float32, idx, axis, const=const)
            feeds = [x] if const else [x, idx]
            check(model, feeds, expected=[np_gather(x, idx, axis, 0)], tol=EXACT)


@pytest.mark.parametrize("idx_dtype", [np.int16, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
def test_gather_dtypes(dtype, idx_dtype):
    rng = np.random.default_rng(2)
    x = rand(rng, (5, 3), dtype)
    idx = np.array([4, 0, 0, 2], idx_dtype)
    check(gather_model(x.shape, dtype, idx, 0, version=2), [x], expected=[np_gather(x, idx, 0, 0)], tol=EXACT)


@pytest.mark.parametrize("shape,ishape,axis,bd", [
    ((2, 5, 3), (2, 4), 1, 1), ((2, 5, 3), (2, 4), 2, 1), ((2, 3, 4, 2), (2, 3, 2), 2, 2),
    ((2, 3, 4, 2), (2, 3, 2), 3, -1), ((3, 4), (3, 2, 2), 1, 1), ((2, 3, 4), (2,), -1, -1)], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_gather_batch_dims(shape, ishape, axis, bd, const):
    rng = np.random.default_rng(3)
    x = rand(rng, shape, np.float32)
    idx = rng.integers(0, shape[axis], size=ishape).astype(np.int32)
    model = gather_model(shape, np.float32, idx, axis, bd, const, version=5)
    check(model, [x] if const else [x, idx], expected=[np_gather(x, idx, axis, bd)], tol=EXACT)


def test_gather_errors():
    bad = np.array([0, 5], np.int32)
    assert "out of range" in prepare_error(gather_model((5, 2), np.float32, bad, 0))
    assert "out of range" in prepare_error(gather_model((5, 2), np.float32, np.array([-1], np.int32), 0))
    assert "axis" in prepare_error(gather_model((5, 2), np.float32, np.array([0], np.int32), 2))
    model = gather_model((5, 2), np.float32, bad, 0, const=False)
    assert "out of range" in invoke_error(model, [np.zeros((5, 2), np.float32), bad])
    model = gather_model((5, 2), np.float32, bad, 0, const=False)
    assert "out of range" in invoke_error(model, [np.zeros((5, 2), np.float32), np.array([-3, 1], np.int32)])


# ---- GATHER_ND -------------------------------------------------------------------------------

def np_gather_nd(p, idx):
    nd = idx.shape[-1]
    flat = idx.reshape(-1, nd)
    out = np.stack([p[tuple(r)] for r in flat]) if len(flat) else np.zeros((0,) + p.shape[nd:], p.dtype)
    return out.reshape(idx.shape[:-1] + p.shape[nd:])


def gather_nd_model(shape, dtype, idx, const=True):
    out_shape = idx.shape[:-1] + tuple(shape[idx.shape[-1]:])
    return data_op_model("GATHER_ND", shape, dtype, {"idx": idx}, out_shape, const, idx.dtype)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4), (2, 1, 3, 2)], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
@pytest.mark.parametrize("idx_dtype", [np.int16, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_gather_nd(shape, const, idx_dtype):
    rng = np.random.default_rng(4)
    x = rand(rng, shape, np.float32)
    for nd in range(1, len(shape) + 1):
        for lead in [(1,), (3,), (2, 2)]:
            idx = np.stack([rng.integers(0, shape[j], size=lead) for j in range(nd)], axis=-1).astype(idx_dtype)
            model = gather_nd_model(shape, np.float32, idx, const)
            check(model, [x] if const else [x, idx], expected=[np_gather_nd(x, idx)], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_gather_nd_dtypes(dtype):
    rng = np.random.default_rng(5)
    x = rand(rng, (3, 4, 2), dtype)
    idx = np.array([[2, 1], [0, 3], [2, 1]], np.int32)
    check(gather_nd_model(x.shape, dtype, idx), [x], expected=[np_gather_nd(x, idx)], tol=EXACT)


def test_gather_nd_errors():
    bad = np.array([[0, 4]], np.int32)
    assert "out of range" in prepare_error(gather_nd_model((3, 4), np.float32, bad))
    assert "exceeds" in prepare_error(gather_nd_model((3, 4), np.float32, np.zeros((1, 3), np.int32)))
    model = gather_nd_model((3, 4), np.float32, bad, const=False)
    assert "out of range" in invoke_error(model, [np.zeros((3, 4), np.float32), bad])


# ---- SCATTER_ND ------------------------------------------------------------------------------

def np_scatter_nd(idx, upd, shape):
    out = np.zeros(shape, upd.dtype)
    nd = idx.shape[-1]
    flat_i = idx.reshape(-1, nd)
    flat_u = upd.reshape((len(flat_i),) + tuple(shape[nd:]))
    with np.errstate(over="ignore"):
        for r, u in zip(flat_i, flat_u):
            if out.dtype == np.bool_:
                out[tuple(r)] |= u
            else:
                out[tuple(r)] = out[tuple(r)] + u
    return out


def scatter_model(idx, upd_shape, dtype, shape, const_shape=True):
    b = ModelBuilder()
    i = b.input("idx", idx.shape, idx.dtype)
    u = b.input("upd", upd_shape, dtype)
    s = b.const("shape", np.array(shape, idx.dtype)) if const_shape else b.input("shape", (len(shape),), idx.dtype)
    y = b.tensor("y", shape, dtype)
    b.op("SCATTER_ND", [i, u, s], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("shape,ishape", [((8,), (4, 1)), ((4, 3), (2, 1)), ((4, 3), (5, 2)), ((2, 3, 4), (2, 2, 2)),
                                          ((2, 3, 4), (3, 3)), ((5,), (6, 1))], ids=str)
@pytest.mark.parametrize("const_shape", [True, False], ids=["const", "computed"])
def test_scatter_nd(shape, ishape, const_shape):
    rng = np.random.default_rng(6)
    nd = ishape[-1]
    idx = np.stack([rng.integers(0, shape[j], size=ishape[:-1]) for j in range(nd)], axis=-1).astype(np.int32)
    upd_shape = ishape[:-1] + shape[nd:]
    upd = rand(rng, upd_shape, np.float32)
    model = scatter_model(idx, upd_shape, np.float32, shape, const_shape)
    feeds = [idx, upd] if const_shape else [idx, upd, np.array(shape, np.int32)]
    check(model, feeds, expected=[np_scatter_nd(idx, upd, shape)], tol=EXACT)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int32, np.int64, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_scatter_nd_dtypes_repeated_indices(dtype):
    rng = np.random.default_rng(7)
    idx = np.array([[1], [3], [1], [1]], np.int32)
    upd = rand(rng, (4, 3), dtype)
    if np.dtype(dtype).kind in "iu":
        upd = (upd * 57).astype(dtype)  # wrap around on accumulation
    check(scatter_model(idx, upd.shape, dtype, (5, 3)), [idx, upd], expected=[np_scatter_nd(idx, upd, (5, 3))],
          tol=EXACT)


def test_scatter_nd_errors():
    idx = np.array([[1], [7]], np.int32)
    model = scatter_model(idx, (2, 3), np.float32, (5, 3))
    assert "out of range" in invoke_error(model, [idx, np.ones((2, 3), np.float32)])
    assert "updates" in prepare_error(scatter_model(idx, (2, 4), np.float32, (5, 3)))


# ---- EMBEDDING_LOOKUP ------------------------------------------------------------------------

def embedding_model(lookup, value, out_dtype, quant=None, const_lookup=True, const_value=True):
    b = ModelBuilder()
    look = b.const("look", lookup) if const_lookup else b.input("look", lookup.shape, np.int32)
    val = b.const("val", value, quant=quant) if const_value else b.input("val", value.shape, value.dtype, quant=quant)
    y = b.tensor("y", (len(lookup),) + value.shape[1:], out_dtype)
    b.op("EMBEDDING_LOOKUP", [look, val], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("vshape", [(5, 3), (4, 2, 3), (6, 1)], ids=str)
def test_embedding_lookup(dtype, vshape):
    rng = np.random.default_rng(8)
    value = rand(rng, vshape, dtype)
    lookup = rng.integers(0, vshape[0], size=4).astype(np.int32)
    model = embedding_model(lookup, value, dtype, const_lookup=False, const_value=False)
    check(model, [lookup, value], expected=[value[lookup]], tol=EXACT)


@pytest.mark.parametrize("vdtype", [np.int8, np.uint8], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("per_row", [False, True], ids=["per_tensor", "per_row"])
def test_embedding_lookup_hybrid(vdtype, per_row):
    rng = np.random.default_rng(9)
    value = rand(rng, (4, 5), vdtype)
    if per_row:
        scales = [0.1, 0.02, 0.5, 0.003]
        quant = {"scales": scales, "zero_points": [0] * 4, "axis": 0}
    else:
        scales = [0.07] * 4
        quant = (0.07, 0)
    lookup = np.array([3, 0, 2, 3, 1], np.int32)
    model = embedding_model(lookup, value, np.float32, quant, const_lookup=False)
    as_int8 = value.view(np.int8).astype(np.float32)  # TFLite reads the bytes as int8
    exp = as_int8[lookup] * np.array(scales, np.float32)[lookup][:, None]
    check(model, [lookup], expected=[exp], tol=EXACT)


def test_embedding_lookup_errors():
    value = np.zeros((4, 2), np.float32)
    assert "out of range" in prepare_error(embedding_model(np.array([4], np.int32), value, np.float32))
    model = embedding_model(np.array([0], np.int32), value, np.float32, const_lookup=False)
    assert "out of range" in invoke_error(model, [np.array([-1], np.int32)])


# ---- ONE_HOT ---------------------------------------------------------------------------------

def np_one_hot(idx, depth, on, off, axis):
    idx = np.asarray(idx).astype(np.int64)
    hot = idx[..., None] == np.arange(depth)
    out = np.where(hot, on, off)
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


def one_hot_model(ishape, idx_dtype, depth, on, off, axis, const_depth=True):
    b = ModelBuilder()
    i = b.input("idx", ishape, idx_dtype)
    d = b.const("depth", np.array(depth, np.int32)) if const_depth else b.input("depth", (), np.int32)
    on_t, off_t = b.const("on", np.array(on)), b.const("off", np.array(off))
    oshape = list(ishape)
    oshape.insert(len(ishape) if axis == -1 else min(max(axis, 0), len(ishape)), max(depth, 0))
    y = b.tensor("y", oshape, np.array(on).dtype)
    b.op("ONE_HOT", [i, d, on_t, off_t], [y], options={"axis": axis})
    b.output(y)
    return b.build()


@pytest.mark.parametrize("ishape", [(), (4,), (2, 3), (2, 1, 3)], ids=str)
@pytest.mark.parametrize("const_depth", [True, False], ids=["const", "computed"])
def test_one_hot_axes(ishape, const_depth):
    rng = np.random.default_rng(10)
    depth = 4
    idx = rng.integers(-1, depth + 1, size=ishape).astype(np.int32)  # includes out-of-range -> all off
    for axis in [-1] + list(range(len(ishape) + 1)):
        on, off = np.float32(1.5), np.float32(-0.5)
        model = one_hot_model(ishape, np.int32, depth, on, off, axis, const_depth)
        feeds = [idx] if const_depth else [idx, np.array(depth, np.int32)]
        check(model, feeds, expected=[np_one_hot(idx, depth, on, off, axis)], tol=EXACT)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.int8, np.uint8, np.bool_, np.int16],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("idx_dtype", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_one_hot_dtypes(dtype, idx_dtype):
    idx = np.array([[0, 3], [2, 1]], idx_dtype)
    on, off = np.array(1, dtype), np.array(0, dtype)
    model = one_hot_model(idx.shape, idx_dtype, 3, on, off, -1)
    check(model, [idx], expected=[np_one_hot(idx, 3, on, off, -1)], tol=EXACT)


def test_one_hot_errors():
    assert "axis" in prepare_error(one_hot_model((2,), np.int32, 3, np.float32(1), np.float32(0), 2))
    assert "depth" in prepare_error(one_hot_model((2,), np.int32, -1, np.float32(1), np.float32(0), -1))
