"""ARG_MAX, ARG_MIN, TOPK_V2 and CUMSUM against LiteRT's reference kernels (BUILTIN_REF), with
numpy as the fallback expectation.

Every axis (negative too), ties (first index wins), NaN handling, int32/int64 outputs,
computed axis / k (dynamic outputs), dtypes; TOPK with k = 0, 1, row size, repeated values,
int16 indices; CUMSUM exclusive/reverse on every axis. Outputs bit-exact (CUMSUM float sums
too: the scan order is TFLite's).
"""
import numpy as np
import pytest

from tests.ops.helpers import EXACT, data_op_model, prepare_error, rand
from tests.oracle import check
from tests.tflite_builder import ModelBuilder


# ---- ARG_MAX / ARG_MIN -----------------------------------------------------------------------

def arg_model(op, shape, dtype, axis, out_type=np.int32, const=True, axis_dtype=np.int32, version=1, out_shape=None):
    if out_shape is None:
        out_shape = [d for i, d in enumerate(shape) if i != axis % len(shape)]
    return data_op_model(op, shape, dtype, {"axis": [axis]}, out_shape, const, axis_dtype,
                         options={"output_type": out_type}, version=version, out_dtype=out_type)


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (2, 1, 3, 4), (2, 3, 1, 2, 3)], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_arg_axes(op, shape, const):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, np.int32, -3, 3)  # many ties
    fn = np.argmax if op == "ARG_MAX" else np.argmin
    for axis in range(-len(shape), len(shape)):
        model = arg_model(op, shape, np.int32, axis, const=const)
        feeds = [x] if const else [x, np.array([axis], np.int32)]
        check(model, feeds, expected=[fn(x, axis=axis).astype(np.int32)], tol=EXACT)


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int32, np.bool_], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("out_type", [np.int32, np.int64], ids=["i32", "i64"])
@pytest.mark.parametrize("axis_dtype", [np.int32, np.int64], ids=["ax32", "ax64"])
def test_arg_dtypes(op, dtype, out_type, axis_dtype):
    rng = np.random.default_rng(2)
    fn = np.argmax if op == "ARG_MAX" else np.argmin
    for shape, axis in [((4, 9), 1), ((4, 9), 0), ((2, 3, 17), -1)]:
        x = rand(rng, shape, dtype, -20, 20)
        model = arg_model(op, shape, dtype, axis, out_type, axis_dtype=axis_dtype, version=2)
        check(model, [x], expected=[fn(x, axis=axis).astype(out_type)], tol=EXACT)


def arg_row_f32(x, want_max):
    """TFLite's float32 contiguous-row arg max/min as its x86 build runs it (differs from
    'NaN never wins' only for NaN-laden rows of length >= 4): NaN-aware lanes over blocks of 4,
    a pairwise reduction where a pair holding a NaN yields its first lane, then a scalar tail."""
    better = (lambda v, b: v > b) if want_max else (lambda v, b: v < b)
    ok = lambda v, b: not np.isnan(v) and (np.isnan(b) or better(v, b))
    n, best, idx, i = len(x), x[0], 0, 1
    if n >= 4:
        lv, li = list(x[:4]), [0, 1, 2, 3]
        i = 4
        while i <= n - 4:
            for j in range(4):
                if ok(x[i + j], lv[j]):
                    lv[j], li[j] = x[i + j], i + j
            i += 4
        pair = lambda p, q: p if (np.isnan(p) or np.isnan(q)) else (max(p, q) if want_max else min(p, q))
        best = pair(pair(lv[0], lv[1]), pair(lv[2], lv[3]))
        idx = min([li[j] for j in range(4) if lv[j] == best], default=2 ** 31 - 1)
    for i in range(i, n):
        if ok(x[i], best):
            best, idx = x[i], i
    return 0 if np.isnan(best) else idx


def np_arg_nan_aware(x, axis, want_max):
    """The strided path (inner size > 1): a NaN never wins, all-NaN gives 0."""
    xm = np.moveaxis(x, axis, -1)
    out = np.zeros(xm.shape[:-1], np.int64)
    for pos in np.ndindex(*xm.shape[:-1]):
        row = xm[pos]
        out[pos] = 0 if np.all(np.isnan(row)) else (np.nanargmax(row) if want_max else np.nanargmin(row))
    return out


@pytest.mark.parametrize("op", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("n", [1, 3, 4, 5, 8, 11, 16, 23])
def test_arg_nan_rows(op, n):
    rng = np.random.default_rng(100 + n)
    want_max = op == "ARG_MAX"
    x = rng.integers(-3, 4, size=(40, n)).astype(np.float32)
    x[rng.random(x.shape) < 0.3] = np.nan
    x[0] = np.nan
    exp = np.array([arg_row_f32(r, want_max) for r in x], np.int32)
    check(arg_model(op, x.shape, np.float32, 1), [x], expected=[exp], tol=EXACT)
    # the same values along a non-innermost axis take the strided path
    xt = np.repeat(x.T[:, :, None], 2, axis=2).copy()
    exp_t = np_arg_nan_aware(xt, 0, want_max).astype(np.int32)
    check(arg_model(op, xt.shape, np.float32, 0), [xt], expected=[exp_t], tol=EXACT)


def test_arg_errors():
    assert "axis" in prepare_error(arg_model("ARG_MAX", (3, 4), np.float32, 2, out_shape=(3,)))
    assert "empty" in prepare_error(arg_model("ARG_MIN", (3, 0), np.float32, 1))


# ---- TOPK_V2 ---------------------------------------------------------------------------------

def topk_model(shape, dtype, k, const=True, idx_type=np.int32, k_dtype=np.int32, version=1):
    b = ModelBuilder()
    x = b.input("x", shape, dtype)
    kt = b.const("k", np.array(k, k_dtype)) if const else b.input("k", (), k_dtype)
    out_shape = list(shape[:-1]) + [max(k, 0)]
    v = b.tensor("values", out_shape, dtype)
    i = b.tensor("indices", out_shape, idx_type)
    b.op("TOPK_V2", [x, kt], [v, i], version=version)
    b.output(v, i)
    return b.build()


def np_topk(x, k):
    k = max(k, 0)
    order = np.argsort(-x.astype(np.float64), axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


@pytest.mark.parametrize("shape", [(1,), (7,), (3, 10), (2, 3, 16), (2, 1, 2, 33)], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_topk(shape, const):
    rng = np.random.default_rng(3)
    x = rand(rng, shape, np.int32, -5, 5)  # ties
    n = shape[-1]
    for k in sorted({0, 1, n // 2, n}):
        model = topk_model(shape, np.int32, k, const)
        feeds = [x] if const else [x, np.array(k, np.int32)]
        check(model, feeds, expected=list(np_topk(x, k)), tol=EXACT)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int16, np.int32, np.int64],
                         ids=lambda d: np.dtype(d).name)
def test_topk_dtypes(dtype):
    rng = np.random.default_rng(4)
    x = rand(rng, (3, 20), dtype, -50, 50)
    check(topk_model(x.shape, dtype, 6, version=2), [x], expected=list(np_topk(x, 6)), tol=EXACT)


def test_topk_int16_indices_and_k():
    rng = np.random.default_rng(5)
    x = rand(rng, (4, 12), np.float32)
    v, i = np_topk(x, 5)
    check(topk_model(x.shape, np.float32, 5, idx_type=np.int16, k_dtype=np.int16, version=3), [x],
          expected=[v, i.astype(np.int16)], tol=EXACT)


def test_topk_nan_ranks_last():
    x = np.array([[1.0, np.nan, 3.0, -np.inf, np.nan, 3.0]], np.float32)
    exp_i = np.array([[2, 5, 0, 3, 1, 4]], np.int32)
    check(topk_model(x.shape, np.float32, 6), [x], expected=[np.take_along_axis(x, exp_i, -1), exp_i], tol=EXACT)


def test_topk_errors():
    assert "larger" in prepare_error(topk_model((2, 3), np.float32, 4))


# ---- CUMSUM ----------------------------------------------------------------------------------

def cumsum_model(shape, dtype, axis, exclusive, reverse, const=True):
    return data_op_model("CUMSUM", shape, dtype, {"axis": axis}, shape, const,
                         options={"exclusive": exclusive, "reverse": reverse})


def np_cumsum(x, axis, exclusive, reverse):
    y = np.flip(x, axis) if reverse else x
    with np.errstate(over="ignore"):
        c = np.cumsum(y, axis=axis, dtype=x.dtype)
    if exclusive:
        c = np.concatenate([np.zeros_like(np.take(c, [0], axis)), np.delete(c, -1, axis)], axis)
    return np.flip(c, axis) if reverse else c


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (2, 1, 3, 2, 2)], ids=str)
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["incl", "excl", "rev", "excl_rev"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
def test_cumsum(shape, flags, dtype):
    rng = np.random.default_rng(6)
    x = rand(rng, shape, dtype)
    for axis in range(-len(shape), len(shape)):
        model = cumsum_model(shape, dtype, axis, *flags)
        check(model, [x], expected=[np_cumsum(x, axis, *flags)], tol=EXACT)


def test_cumsum_computed_axis_and_errors():
    rng = np.random.default_rng(7)
    x = rand(rng, (3, 4), np.float32)
    model = cumsum_model(x.shape, np.float32, 0, False, False, const=False)
    check(model, [x, np.array(-1, np.int32)], expected=[np_cumsum(x, -1, False, False)], tol=EXACT)
    assert "axis" in prepare_error(cumsum_model((3, 4), np.float32, 2, False, False))
