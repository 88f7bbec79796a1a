"""Comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL), logical ops
(LOGICAL_AND, LOGICAL_OR, LOGICAL_NOT) and SELECT / SELECT_V2 against LiteRT's reference kernels
(BUILTIN_REF); all outputs bit-exact.

Not sent to the oracle: 8-bit comparisons of unquantized tensors and quantized comparisons where
a scale is exactly 1.0 (LiteRT aborts while quantizing the multiplier), NOT_EQUAL on unquantized
int16 (LiteRT leaves the output unwritten), and STRING comparisons (not supported here).
"""
import numpy as np
import pytest

from tests.ops.helpers import one_op_model, prepare_error
from tests.oracle import check, impl_name, run_rt
from tests.tflite_builder import ModelBuilder

# tflite_rt's own behaviour (error messages, cases LiteRT aborts on): not run when the tests
# are pointed at LiteRT itself (TFLITE_RT_TEST_IMPL=litert*).
tflite_rt_only = pytest.mark.skipif(impl_name() != "tflite_rt", reason="checks tflite_rt-specific behaviour")

RNG_SEED = 99

CMP_OPS = ["EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"]
NP_CMP = {"EQUAL": np.equal, "NOT_EQUAL": np.not_equal, "LESS": np.less, "LESS_EQUAL": np.less_equal,
          "GREATER": np.greater, "GREATER_EQUAL": np.greater_equal}

SHAPES = [
    ([1], [1]),
    ([9], [9]),
    ([], [2, 3]),
    ([2, 3], [1]),
    ([2, 3, 5], [5]),
    ([4, 1, 3], [1, 5, 1]),
    ([2, 3, 4, 5], [2, 1, 4, 1]),
    ([2, 1, 3, 1, 2], [1, 3, 1, 2, 1]),
    ([2, 1, 2, 1, 2, 3], [1, 2, 1, 2, 1, 3]),
    ([2, 1, 2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2, 1, 2]),
    ([0, 3], [3]),
]
SHAPE_IDS = ["x".join(map(str, a)) + "_" + "x".join(map(str, b)) for a, b in SHAPES]


def version_for(op, dtype):
    if dtype == np.int8:
        return 2
    if dtype == np.int16:
        return {"EQUAL": 5, "NOT_EQUAL": 4, "LESS": 3, "GREATER_EQUAL": 3}.get(op, 1)
    return 1


def cmp_model(op, sa, sb, dtype, qa=None, qb=None, version=None):
    b = ModelBuilder()
    ta = b.input("a", list(sa), dtype, quant=qa)
    tb = b.input("b", list(sb), dtype, quant=qb)
    ty = b.tensor("y", list(np.broadcast_shapes(tuple(sa), tuple(sb))), np.bool_)
    b.op(op, [ta, tb], [ty], version=version or version_for(op, dtype))
    b.output(ty)
    return b.build()


def rand(rng, shape, dtype, lo=None, hi=None):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype.kind == "f":
        # few distinct values so that equality is exercised
        return (rng.integers(-4, 5, size=shape) * 0.5).astype(dtype)
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64])
@pytest.mark.parametrize("op", CMP_OPS)
def test_raw(op, dtype, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    lo, hi = (-5, 5) if dtype != np.float32 else (None, None)
    check(cmp_model(op, sa, sb, dtype), [rand(rng, sa, dtype, lo, hi), rand(rng, sb, dtype, lo, hi)])


def test_float_specials():
    sp = np.array([0, -0.0, 1, -1, np.inf, -np.inf, np.nan, 3.4e38], np.float32)
    a, b = [v.ravel().copy() for v in np.meshgrid(sp, sp, indexing="ij")]
    for op in CMP_OPS:
        check(cmp_model(op, a.shape, b.shape, np.float32), [a, b])


def test_int64_extremes():
    v = np.array([np.iinfo(np.int64).min, -1, 0, 1, np.iinfo(np.int64).max, 2**40], np.int64)
    a, b = [x.ravel().copy() for x in np.meshgrid(v, v, indexing="ij")]
    for op in CMP_OPS:
        check(cmp_model(op, a.shape, b.shape, np.int64), [a, b])


@pytest.mark.parametrize("shapes", SHAPES[:6], ids=SHAPE_IDS[:6])
@pytest.mark.parametrize("op", ["EQUAL", "NOT_EQUAL"])
def test_bool(op, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    check(cmp_model(op, sa, sb, np.bool_), [rand(rng, sa, np.bool_), rand(rng, sb, np.bool_)])


# (scale_a, zp_a), (scale_b, zp_b): equal scales, different scales, scales >= 1
QPARAMS = [
    ((0.05, 0), (0.05, 0)),
    ((0.05, 3), (0.05, -7)),
    ((0.05, 3), (0.07, -2)),
    ((0.003, 100), (0.9, -100)),
    ((2.0, 0), (0.5, 3)),
    ((3.0, 1), (1.5, 3)),
]


@pytest.mark.parametrize("qi", range(len(QPARAMS)))
@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
@pytest.mark.parametrize("op", CMP_OPS)
def test_quantized_8bit_all_pairs(op, dtype, qi):
    """Every pair of stored values; inputs with different scales compare by real value."""
    v = np.arange(np.iinfo(dtype).min, np.iinfo(dtype).max + 1).astype(dtype)
    a, b = [x.ravel().copy() for x in np.meshgrid(v, v, indexing="ij")]
    qa, qb = QPARAMS[qi]
    if dtype == np.uint8:
        qa, qb = (qa[0], qa[1] + 128), (qb[0], qb[1] + 128)
    check(cmp_model(op, a.shape, b.shape, dtype, qa, qb), [a, b])


@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("op", CMP_OPS)
def test_quantized_int8_broadcast(op, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    check(cmp_model(op, sa, sb, np.int8, (0.05, 3), (0.07, -2)),
          [rand(rng, sa, np.int8), rand(rng, sb, np.int8)])


@pytest.mark.parametrize("quantized", [False, True])
@pytest.mark.parametrize("op", CMP_OPS)
def test_int16(op, quantized):
    """EQUAL/NOT_EQUAL rescale quantized int16; the ordering comparisons compare raw values."""
    if op == "NOT_EQUAL" and not quantized:
        pytest.skip("LiteRT leaves the output of unquantized int16 NOT_EQUAL unwritten")
    rng = np.random.default_rng(RNG_SEED)
    qa, qb = ((0.001, 0), (0.0005, 0)) if quantized else (None, None)
    a = rand(rng, [3, 50], np.int16, -300, 300)
    b = rand(rng, [50], np.int16, -300, 300)
    b[::2] -= b[::2] % 2
    a[0, :] = b // 2 if quantized else b  # equal real values (scaled) or equal raw values
    check(cmp_model(op, [3, 50], [50], np.int16, qa, qb), [a, b])


@tflite_rt_only
def test_int16_not_equal_unquantized():
    a = np.array([1, 2, -3], np.int16)
    b = np.array([1, 5, -3], np.int16)
    got = run_rt(cmp_model("NOT_EQUAL", [3], [3], np.int16), [a, b])[0]
    np.testing.assert_array_equal(got, [False, True, False])


@tflite_rt_only
def test_int8_unquantized_compares_raw():
    a = np.array([-128, 0, 5, 127], np.int8)
    b = np.array([127, 0, 4, -128], np.int8)
    for op in CMP_OPS:
        got = run_rt(cmp_model(op, [4], [4], np.int8), [a, b])[0]
        np.testing.assert_array_equal(got, NP_CMP[op](a, b))


# ---------------------------------------------------------------------------------------------
# logical
# ---------------------------------------------------------------------------------------------

def logical_model(op, sa, sb):
    b = ModelBuilder()
    ta = b.input("a", list(sa), np.bool_)
    ins = [ta]
    if sb is not None:
        ins.append(b.input("b", list(sb), np.bool_))
        out_shape = list(np.broadcast_shapes(tuple(sa), tuple(sb)))
    else:
        out_shape = list(sa)
    ty = b.tensor("y", out_shape, np.bool_)
    b.op(op, ins, [ty])
    b.output(ty)
    return b.build()


@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("op", ["LOGICAL_AND", "LOGICAL_OR"])
def test_logical_binary(op, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    check(logical_model(op, sa, sb), [rand(rng, sa, np.bool_), rand(rng, sb, np.bool_)])


@pytest.mark.parametrize("shape", [[1], [], [7], [2, 3, 4], [0, 2]])
def test_logical_not(shape):
    rng = np.random.default_rng(RNG_SEED)
    check(logical_model("LOGICAL_NOT", shape, None), [rand(rng, shape, np.bool_)])


@tflite_rt_only
def test_logical_rejects_non_bool():
    model = one_op_model("LOGICAL_AND", [("a", [3], np.int32), ("b", [3], np.int32)], [("y", [3], np.int32)])
    assert "BOOL" in prepare_error(model)


# ---------------------------------------------------------------------------------------------
# SELECT, SELECT_V2
# ---------------------------------------------------------------------------------------------

def select_model(op, sc, sx, sy, dtype, out_shape, q=None, version=1):
    b = ModelBuilder()
    tc = b.input("c", list(sc), np.bool_)
    tx = b.input("x", list(sx), dtype, quant=q)
    ty = b.input("y", list(sy), dtype, quant=q)
    to = b.tensor("out", list(out_shape), dtype, quant=q)
    b.op(op, [tc, tx, ty], [to], version=version)
    b.output(to)
    return b.build()


SELECT_DTYPES = [np.float32, np.int32, np.int64, np.int8, np.uint8, np.int16, np.bool_]
SELECT_VERSION = {np.int8: 2}

V1_SHAPES = [  # condition, x (= y) shapes
    ([1], [1]),
    ([7], [7]),
    ([2, 3, 4], [2, 3, 4]),
    ([], [2, 3]),
    ([3], [3, 4]),
    ([4], [4, 2, 5]),
    ([2, 1, 3, 2, 2], [2, 1, 3, 2, 2]),
]


@pytest.mark.parametrize("shapes", V1_SHAPES, ids=["c" + "x".join(map(str, c)) + "_x" + "x".join(map(str, x))
                                                    for c, x in V1_SHAPES])
@pytest.mark.parametrize("dtype", SELECT_DTYPES)
def test_select(dtype, shapes):
    sc, sx = shapes
    rng = np.random.default_rng(RNG_SEED)
    version = 3 if len(sx) == 5 else SELECT_VERSION.get(dtype, 1)
    check(select_model("SELECT", sc, sx, sx, dtype, sx, version=version),
          [rand(rng, sc, np.bool_), rand(rng, sx, dtype), rand(rng, sx, dtype)])


V2_SHAPES = [  # condition, x, y
    ([1], [1], [1]),
    ([5], [5], [5]),
    ([2, 3], [1], [2, 3]),
    ([2, 1], [1, 3], [2, 3]),
    ([], [4], [2, 1]),
    ([3, 1, 1], [1, 4, 1], [1, 1, 5]),
    ([2, 3, 4], [4], [3, 1]),
    ([1, 2, 1, 2, 1, 2], [2, 1, 2, 1, 2, 1], [2]),
    ([2, 1, 2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2, 1, 2], [1]),
    ([0, 3], [3], [1]),
]


@pytest.mark.parametrize("shapes", V2_SHAPES, ids=["_".join("x".join(map(str, s)) for s in v) for v in V2_SHAPES])
@pytest.mark.parametrize("dtype", SELECT_DTYPES)
def test_select_v2(dtype, shapes):
    sc, sx, sy = shapes
    out_shape = list(np.broadcast_shapes(tuple(sc), tuple(sx), tuple(sy)))
    rng = np.random.default_rng(RNG_SEED)
    check(select_model("SELECT_V2", sc, sx, sy, dtype, out_shape),
          [rand(rng, sc, np.bool_), rand(rng, sx, dtype), rand(rng, sy, dtype)])


def test_select_single_values_keep_output_shape():
    """All inputs and the output with one element: the output keeps its declared shape."""
    for op in ["SELECT", "SELECT_V2"]:
        model = select_model(op, [], [1], [1, 1], np.float32, [1, 1, 1])
        for c in [True, False]:
            got = check(model, [np.array(c), np.array([1.5], np.float32), np.array([[2.5]], np.float32)])
            assert got[0].shape == (1, 1, 1)


def test_select_quantized_copies_values():
    rng = np.random.default_rng(RNG_SEED)
    check(select_model("SELECT_V2", [2, 3], [3], [2, 1], np.int8, [2, 3], q=(0.1, 3)),
          [rand(rng, [2, 3], np.bool_), rand(rng, [3], np.int8), rand(rng, [2, 1], np.int8)])


@pytest.mark.parametrize("threads", [1, 3])
def test_select_large(threads):
    rng = np.random.default_rng(RNG_SEED)
    sc, sx, sy = [64, 1, 1000], [1, 33, 1000], [64, 33, 1]
    check(select_model("SELECT_V2", sc, sx, sy, np.float32, [64, 33, 1000]),
          [rand(rng, sc, np.bool_), rand(rng, sx, np.float32), rand(rng, sy, np.float32)],
          num_threads=threads)


@tflite_rt_only
def test_select_v1_rejects_broadcast():
    assert "SELECT" in prepare_error(select_model("SELECT", [2, 1], [2, 3], [2, 3], np.float32, [2, 3]))
    assert "broadcastable" in prepare_error(select_model("SELECT_V2", [2, 2], [2, 3], [2, 3], np.float32, [2, 3]))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40))
def test_random_broadcast_sweep(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 9))
    out = rng.integers(1, 4, rank)
    def sub():
        s = [int(d) if rng.random() < 0.5 else 1 for d in out]
        return s[int(rng.integers(0, rank + 1)):]
    sa, sb, sc = sub(), sub(), sub()
    op = CMP_OPS[seed % 6]
    check(cmp_model(op, sa, sb, np.int8, (0.05, 3), (0.07, -2)), [rand(rng, sa, np.int8), rand(rng, sb, np.int8)])
    osh = list(np.broadcast_shapes(tuple(sc), tuple(sa), tuple(sb)))
    check(select_model("SELECT_V2", sc, sa, sb, np.int16, osh),
          [rand(rng, sc, np.bool_), rand(rng, sa, np.int16), rand(rng, sb, np.int16)])
