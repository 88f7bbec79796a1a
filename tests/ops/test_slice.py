"""SLICE and STRIDED_SLICE against LiteRT's reference kernels (BUILTIN_REF), with numpy slicing
as the fallback expectation.

SLICE: ranks 1..6, size -1, int32/int64 begin/size, constant and computed begin/size
(dynamic output), dtypes. STRIDED_SLICE: begin/end/ellipsis/new_axis/shrink_axis masks,
negative indices and strides, out-of-range (clamped) indices, offset=True, constant and
computed spec tensors, dtypes, plus a seeded random sweep of specs. Outputs bit-exact.
"""
import numpy as np
import pytest

from tests.ops.helpers import DATA_DTYPES as DTYPES, EXACT, data_op_model, feeds_for, invoke_error, prepare_error, rand
from tests.oracle import check


# ---- SLICE -------------------------------------------------------------------------------

def slice_params(begin, size):
    return {"begin": begin, "size": size}


def slice_model(shape, dtype, begin, size, out_shape, const=True, idx_dtype=np.int32, version=1):
    return data_op_model("SLICE", shape, dtype, slice_params(begin, size), out_shape, const, idx_dtype, version=version)


def np_slice(x, begin, size):
    return x[tuple(slice(bg, x.shape[i] if sz == -1 else bg + sz) for i, (bg, sz) in enumerate(zip(begin, size)))]


SLICE_CASES = [
    ((7,), [2], [3]),
    ((7,), [0], [-1]),
    ((4, 5), [1, 0], [2, -1]),
    ((1, 5, 3), [0, 4, 1], [1, 1, 2]),
    ((2, 3, 4, 5), [1, 1, 0, 2], [1, 2, 4, 3]),
    ((2, 3, 1, 4, 2), [0, 1, 0, 1, 0], [2, -1, 1, 2, 1]),
    ((2, 1, 3, 2, 2, 3), [1, 0, 1, 0, 1, 1], [-1, 1, 2, 2, 1, 2]),
    ((3, 4), [1, 2], [0, 2]),  # empty
]


@pytest.mark.parametrize("shape,begin,size", SLICE_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
@pytest.mark.parametrize("idx_dtype", [np.int32, np.int64], ids=["i32", "i64"])
def test_slice_shapes(shape, begin, size, const, idx_dtype):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, np.float32)
    exp = np_slice(x, begin, size)
    model = slice_model(shape, np.float32, begin, size, exp.shape, const, idx_dtype)
    check(model, feeds_for(x, slice_params(begin, size), const, idx_dtype), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_slice_dtypes(dtype):
    rng = np.random.default_rng(2)
    x = rand(rng, (3, 4, 5), dtype)
    begin, size = [1, 0, 2], [2, 3, -1]
    exp = np_slice(x, begin, size)
    check(slice_model(x.shape, dtype, begin, size, exp.shape), [x], expected=[exp], tol=EXACT)


def test_slice_errors():
    assert "begin" in prepare_error(slice_model((4, 5), np.float32, [-1, 0], [1, 1], (1, 1)))
    assert "size" in prepare_error(slice_model((4, 5), np.float32, [3, 0], [2, 1], (2, 1)))
    assert "size" in prepare_error(slice_model((4, 5), np.float32, [0, 0], [-2, 1], (1, 1)))
    assert "entries" in prepare_error(slice_model((4, 5), np.float32, [0], [1], (1, 5)))


def test_slice_computed_out_of_range_fails_in_invoke():
    model = slice_model((4, 5), np.float32, [0, 0], [1, 1], (1, 1), const=False)
    assert "size" in invoke_error(model, feeds_for(np.zeros((4, 5), np.float32), slice_params([3, 0], [5, 1]), False))


# ---- STRIDED_SLICE -----------------------------------------------------------------------

def ss_params(begin, end, strides):
    return {name: np.reshape(v, -1) for name, v in (("begin", begin), ("end", end), ("strides", strides))}


def ss_model(shape, dtype, begin, end, strides, masks, out_shape, const=True, offset=False, version=1):
    opts = dict(zip(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), masks))
    if offset:
        opts["offset"] = True
    return data_op_model("STRIDED_SLICE", shape, dtype, ss_params(begin, end, strides), out_shape, const, options=opts,
                         version=version)


def np_strided(x, begin, end, strides, masks, offset=False):
    bm, em, elm, nm, sm = masks
    idx = []
    for i, (bg, en, st) in enumerate(zip(begin, end, strides)):
        if elm >> i & 1:
            idx.append(Ellipsis)
        elif nm >> i & 1:
            idx.append(np.newaxis)
        elif sm >> i & 1:
            idx.append(bg)
        else:
            if offset:
                en = bg + en
            idx.append(slice(None if bm >> i & 1 else bg, None if em >> i & 1 else en, st))
    return x[tuple(idx)]


SS_CASES = [
    # shape, begin, end, strides, (begin, end, ellipsis, new_axis, shrink)
    ((8,), [1], [7], [2], (0, 0, 0, 0, 0)),
    ((8,), [-1], [-9], [-1], (0, 0, 0, 0, 0)),
    ((8,), [6], [1], [-2], (0, 0, 0, 0, 0)),
    ((8,), [-20], [20], [3], (0, 0, 0, 0, 0)),         # clamped
    ((8,), [3], [0], [1], (0, 0, 0, 0, 0)),             # empty
    ((8,), [5], [0], [1], (0, 0, 0, 0, 1)),             # shrink -> scalar
    ((8,), [-2], [0], [1], (0, 0, 0, 0, 1)),            # shrink negative index
    ((4, 6), [1, 5], [3, 0], [1, -2], (0, 0, 0, 0, 0)),
    ((4, 6), [1, 2], [0, 0], [1, 1], (0, 2, 0, 0, 0)),
    ((4, 6), [0, 2], [3, 5], [1, 1], (1, 0, 0, 0, 0)),
    ((4, 6), [2, 0], [3, 6], [1, 2], (0, 0, 0, 0, 1)),
    ((4, 6), [0, 0], [1, 6], [1, 1], (0, 0, 0, 1, 0)),  # new axis first
    ((4, 6), [0, 0, 0], [4, 1, 6], [1, 1, 1], (0, 0, 0, 2, 0)),
    ((2, 3, 4), [0, 1], [0, 3], [1, 1], (0, 0, 1, 0, 0)),  # ..., 1:3
    ((2, 3, 4), [1, 0], [2, 0], [1, 1], (0, 0, 2, 0, 1)),  # 1, ...
    ((2, 3, 4, 5), [0, 1, 0], [0, 2, 0], [1, 1, 1], (0, 0, 1, 4, 2)),  # ..., 1, newaxis
    ((2, 3, 4, 5), [1, -1, 0, 4], [2, 0, 4, 0], [1, -1, 2, -1], (0, 2, 0, 0, 1)),
    ((3, 1, 4, 2, 5), [0, 0, 1, 0, 4], [3, 1, 4, 2, 0], [2, 1, 2, 1, -3], (0, 0, 0, 0, 0)),
    ((2, 2, 3, 1, 4, 2), [1, 0, 2, 0, 1, 1], [2, 2, 0, 1, 4, 2], [1, 1, -1, 1, 2, 1], (0, 0, 0, 0, 1)),
]


@pytest.mark.parametrize("shape,begin,end,strides,masks", SS_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_strided_slice(shape, begin, end, strides, masks, const):
    rng = np.random.default_rng(3)
    x = rand(rng, shape, np.float32)
    exp = np_strided(x, begin, end, strides, masks)
    model = ss_model(shape, np.float32, begin, end, strides, masks, exp.shape, const)
    check(model, feeds_for(x, ss_params(begin, end, strides), const), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
def test_strided_slice_dtypes(dtype):
    rng = np.random.default_rng(4)
    x = rand(rng, (3, 4, 5), dtype)
    args = ([2, 0, 4], [0, 4, 0], [-1, 2, -2], (0, 0, 0, 0, 0))
    exp = np_strided(x, *args)
    check(ss_model(x.shape, dtype, *args, exp.shape), [x], expected=[exp], tol=EXACT)


@pytest.mark.parametrize("begin,size,strides", [([1, 0], [2, 3], [1, 1]), ([0, 2], [3, 2], [1, 1]),
                                                ([1, 1], [2, 3], [1, 2]), ([3, 4], [-2, -3], [-1, -2])],
                         ids=str)
def test_strided_slice_offset(begin, size, strides):
    rng = np.random.default_rng(5)
    x = rand(rng, (4, 5), np.float32)
    masks = (0, 0, 0, 0, 0)
    exp = np_strided(x, begin, size, strides, masks, offset=True)
    model = ss_model(x.shape, np.float32, begin, size, strides, masks, exp.shape, offset=True, version=4)
    check(model, [x], expected=[exp], tol=EXACT)


def test_strided_slice_errors():
    assert "strides" in prepare_error(ss_model((4,), np.float32, [0], [4], [0], (0,) * 5, (4,)))
    assert "shrunk" in prepare_error(ss_model((4,), np.float32, [4], [5], [1], (0, 0, 0, 0, 1), ()))
    assert "ellipsis" in prepare_error(ss_model((4, 4), np.float32, [0, 0], [1, 1], [1, 1], (0, 0, 3, 0, 0), (4, 4)))
    assert "offset" in prepare_error(ss_model((4,), np.float32, [2], [3], [1], (0,) * 5, (3,), offset=True))


def _random_spec(rng, shape):
    """A random valid TF-style slice spec (begin, end, strides, masks) for `shape`."""
    rank = len(shape)
    n_spec = int(rng.integers(1, rank + 2))
    begin, end, strides = [], [], []
    bm = em = elm = nm = sm = 0
    use_ellipsis = rng.random() < 0.3
    ell_pos = int(rng.integers(0, n_spec)) if use_ellipsis else -1
    real_left = rank
    for i in range(n_spec):
        if i == ell_pos:
            elm |= 1 << i
            begin.append(0), end.append(0), strides.append(1)
            continue
        slots_after = n_spec - i - 1 - (1 if ell_pos > i else 0)
        if rng.random() < 0.15:
            nm |= 1 << i
            begin.append(0), end.append(0), strides.append(1)
            continue
        if real_left == 0 or (not use_ellipsis and real_left <= 0):
            nm |= 1 << i
            begin.append(0), end.append(0), strides.append(1)
            continue
        dim = shape[rank - real_left] if not use_ellipsis or i < ell_pos else None
        real_left -= 1
        if dim is None:
            # after the ellipsis, the spec aligns from the end
            dim = shape[rank - 1 - slots_after] if slots_after < rank else 1
        st = int(rng.choice([1, 1, 2, 3, -1, -2]))
        if rng.random() < 0.2 and dim > 0:
            sm |= 1 << i
            begin.append(int(rng.integers(-dim, dim))), end.append(0), strides.append(1)
            continue
        begin.append(int(rng.integers(-dim - 2, dim + 3))), end.append(int(rng.integers(-dim - 2, dim + 3)))
        strides.append(st)
        if rng.random() < 0.2:
            bm |= 1 << i
        if rng.random() < 0.2:
            em |= 1 << i
    return begin, end, strides, (bm, em, elm, nm, sm)


@pytest.mark.parametrize("seed", range(8))
def test_strided_slice_random(seed):
    rng = np.random.default_rng(100 + seed)
    done = 0
    while done < 12:
        rank = int(rng.integers(1, 5))
        shape = tuple(int(v) for v in rng.integers(1, 5, size=rank))
        begin, end, strides, masks = _random_spec(rng, shape)
        x = rand(rng, shape, np.float32)
        try:
            exp = np_strided(x, begin, end, strides, masks)
        except IndexError:
            continue
        if exp.ndim > 8 or len(begin) > len(shape) + bin(masks[3]).count("1") + 1:
            continue
        model = ss_model(shape, np.float32, begin, end, strides, masks, exp.shape)
        check(model, [x], expected=[exp], tol=EXACT)
        done += 1
