"""BATCH_MATMUL against LiteRT's reference kernels (BUILTIN_REF).

Sweeps: ranks 2..5 with numpy-style batch broadcasting (either side, missing leading dims),
adj_x / adj_y, size-1 and odd M/N/K, constant and run-time rhs, and every type pair TFLite
supports: float32, int8 -> int8, int8 -> int32, int16 x int16, int16 x int8, and the hybrid
path (float32 lhs, int8 rhs per-tensor or per-column, symmetric or asymmetric on-the-fly
input quantization). Integer outputs bit-exact; float per tests/tolerances.py (hybrid:
tolerances.HYBRID).
"""
import numpy as np
import pytest

from tests import tolerances
from tests.ops.helpers import prepare_error
from tests.oracle import check
from tests.tflite_builder import ModelBuilder

# (lhs shape, rhs shape) before adjoints, i.e. lhs [..., M, K], rhs [..., K, N]
SHAPES = [
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((2, 3, 7), (2, 7, 5)),
    ((2, 3, 7), (7, 5)),
    ((3, 7), (4, 7, 2)),
    ((2, 1, 3, 6), (1, 4, 6, 5)),
    ((1, 4, 9, 8), (1, 4, 8, 9)),
    ((2, 1, 2, 3, 4), (3, 1, 4, 5)),
    ((2, 3, 2, 1, 5), (2, 3, 1, 5, 3)),
    ((5, 1, 17), (5, 17, 1)),
]
S_IDS = ["x".join(map(str, a)) + "@" + "x".join(map(str, b)) for a, b in SHAPES]
ADJ = [(False, False), (True, False), (False, True), (True, True)]
ADJ_IDS = ["nn", "tn", "nt", "tt"]


def adjoint(shape, adj):
    shape = list(shape)
    if adj:
        shape[-1], shape[-2] = shape[-2], shape[-1]
    return shape


def bmm_model(lhs_shape, rhs_shape, ltype, rtype, otype, adj_x, adj_y, lq=None, rq=None, oq=None,
              rhs_data=None, asymmetric=False, version=1):
    """lhs_shape/rhs_shape as stored (adjoints already applied)."""
    b = ModelBuilder()
    x = b.input("lhs", list(lhs_shape), ltype, quant=lq)
    if rhs_data is not None:
        w = b.const("rhs", rhs_data, quant=rq)
    else:
        w = b.input("rhs", list(rhs_shape), rtype, quant=rq)
    y = b.tensor("out", [1], otype, quant=oq)
    b.op("BATCH_MATMUL", [x, w], [y], options={"adj_x": adj_x, "adj_y": adj_y,
                                               "asymmetric_quantize_inputs": asymmetric},
         version=version)
    b.output(y)
    return b.build()


def rand(rng, shape, dtype, lo=None, hi=None):
    if dtype == np.float32:
        return rng.uniform(-2, 2, shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min if lo is None else lo, info.max if hi is None else hi, shape,
                        endpoint=True).astype(dtype)


@pytest.mark.parametrize("const_rhs", [False, True], ids=["rhs_input", "rhs_const"])
@pytest.mark.parametrize("adj", ADJ, ids=ADJ_IDS)
@pytest.mark.parametrize("shapes", SHAPES, ids=S_IDS)
def test_float(shapes, adj, const_rhs):
    rng = np.random.default_rng(len(S_IDS[SHAPES.index(shapes)]))
    ls, rs = adjoint(shapes[0], adj[0]), adjoint(shapes[1], adj[1])
    x, w = rand(rng, ls, np.float32), rand(rng, rs, np.float32)
    m = bmm_model(ls, rs, np.float32, np.float32, np.float32, *adj,
                  rhs_data=w if const_rhs else None)
    check(m, [x] if const_rhs else [x, w])


QS8 = [((0.05, -3), (0.02, 4), (0.3, 7)), ((0.1, 127), (0.01, -128), (0.05, -128)),
       ((0.02, 0), (0.02, 0), (0.0001, 0))]


@pytest.mark.parametrize("q", range(len(QS8)), ids=["q0", "q1", "q2"])
@pytest.mark.parametrize("adj", ADJ, ids=ADJ_IDS)
@pytest.mark.parametrize("shapes", SHAPES, ids=S_IDS)
def test_int8(shapes, adj, q):
    rng = np.random.default_rng(q * 17 + len(shapes[0]))
    ls, rs = adjoint(shapes[0], adj[0]), adjoint(shapes[1], adj[1])
    x, w = rand(rng, ls, np.int8), rand(rng, rs, np.int8)
    lq, rq, oq = QS8[q]
    m = bmm_model(ls, rs, np.int8, np.int8, np.int8, *adj, lq, rq, oq, version=2)
    check(m, [x, w])
    m = bmm_model(ls, rs, np.int8, np.int8, np.int8, *adj, lq, rq, oq, rhs_data=w, version=2)
    check(m, [x])


@pytest.mark.parametrize("adj", ADJ, ids=ADJ_IDS)
@pytest.mark.parametrize("shapes", SHAPES[:6], ids=S_IDS[:6])
def test_int8_int32_output(shapes, adj):
    rng = np.random.default_rng(3)
    ls, rs = adjoint(shapes[0], adj[0]), adjoint(shapes[1], adj[1])
    x, w = rand(rng, ls, np.int8), rand(rng, rs, np.int8)
    m = bmm_model(ls, rs, np.int8, np.int8, np.int32, *adj, (0.05, -3), (0.02, 4), None,
                  version=2)
    check(m, [x, w])


@pytest.mark.parametrize("rtype", [np.int16, np.int8], ids=["x16", "x8"])
@pytest.mark.parametrize("adj", ADJ, ids=ADJ_IDS)
@pytest.mark.parametrize("shapes", SHAPES, ids=S_IDS)
def test_int16(shapes, adj, rtype):
    rng = np.random.default_rng(5 + len(shapes[1]))
    ls, rs = adjoint(shapes[0], adj[0]), adjoint(shapes[1], adj[1])
    x, w = rand(rng, ls, np.int16), rand(rng, rs, rtype)
    for lq, rq, oq in (((0.001, 0), (0.002, 0), (0.01, 0)), ((0.0003, 0), (0.05, 0), (0.2, 0))):
        m = bmm_model(ls, rs, np.int16, rtype, np.int16, *adj, lq, rq, oq, version=3)
        check(m, [x, w])


HYBRID_SHAPES = [s for s in SHAPES if len(s[0]) <= 3 or s[0][:-2].count(1) >= len(s[0]) - 3]


@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_column"])
@pytest.mark.parametrize("asym", [False, True], ids=["sym", "asym"])
@pytest.mark.parametrize("adj", ADJ, ids=ADJ_IDS)
@pytest.mark.parametrize("shapes", HYBRID_SHAPES,
                         ids=[S_IDS[SHAPES.index(s)] for s in HYBRID_SHAPES])
def test_hybrid(shapes, adj, asym, per_channel):
    """float32 lhs x constant int8 rhs (dynamic-range quantization)."""
    rng = np.random.default_rng(11 + len(shapes[0]))
    ls, rs = adjoint(shapes[0], adj[0]), adjoint(shapes[1], adj[1])
    x = rand(rng, ls, np.float32)
    x += 0.7  # asymmetric inputs exercise the zero-point correction
    w = rand(rng, rs, np.int8, -127, 127)
    n = shapes[1][-1]
    if per_channel and n > 1:
        axis = len(rs) - 2 if adj[1] else len(rs) - 1
        rq = {"scales": list(rng.uniform(0.005, 0.03, n)), "zero_points": [0] * n, "axis": axis}
    else:
        rq = (0.02, 0)
    m = bmm_model(ls, rs, np.float32, np.int8, np.float32, *adj, rq=rq, rhs_data=w,
                  asymmetric=asym, version=4 if asym else 1)
    check(m, [x], tol=tolerances.HYBRID)


@pytest.mark.parametrize("threads", [2, 3])
def test_threads(threads):
    rng = np.random.default_rng(8)
    x, w = rand(rng, (2, 3, 17, 9), np.float32), rand(rng, (3, 9, 13), np.float32)
    check(bmm_model(x.shape, w.shape, np.float32, np.float32, np.float32, False, False),
          [x, w], num_threads=threads)
    x8, w8 = rand(rng, (2, 3, 17, 9), np.int8), rand(rng, (3, 9, 13), np.int8)
    check(bmm_model(x8.shape, w8.shape, np.int8, np.int8, np.int8, False, False, *QS8[0],
                    version=2), [x8, w8], num_threads=threads)
    wh = rand(rng, (9, 13), np.int8, -127, 127)
    xh = rand(rng, (1, 3, 17, 9), np.float32)
    check(bmm_model(xh.shape, wh.shape, np.float32, np.int8, np.float32, False, False,
                    rq=(0.01, 0), rhs_data=wh, asymmetric=True, version=4),
          [xh], num_threads=threads, tol=tolerances.HYBRID)


def np_hybrid_symmetric(x, w, w_scale):
    """Hybrid BATCH_MATMUL with symmetric per-row input quantization, emulated in float32."""
    rng_ = np.maximum(np.abs(x).max(axis=-1, keepdims=True), 0).astype(np.float32)
    inv = np.where(rng_ > 0, np.float32(127) / np.where(rng_ > 0, rng_, 1), 0).astype(np.float32)
    q = np.clip(np.round(x * inv), -127, 127).astype(np.int32)
    sf = np.where(rng_ > 0, rng_ / np.float32(127), 1).astype(np.float32)
    acc = np.matmul(q, w.astype(np.int32)).astype(np.float32)
    return ((sf * np.float32(w_scale)) * acc).astype(np.float32)


def test_hybrid_two_batch_dims():
    """Two lhs batch dimensions > 1: TFLite's reference kernel reads the per-row scales of the
    wrong rows here (see batch_matmul.c); tflite_rt is checked against a numpy emulation."""
    from tests.oracle import compare, run_rt
    rng = np.random.default_rng(21)
    x = rand(rng, (2, 3, 5, 9), np.float32)
    w = rand(rng, (9, 4), np.int8, -127, 127)
    m = bmm_model(x.shape, w.shape, np.float32, np.int8, np.float32, False, False,
                  rq=(0.01, 0), rhs_data=w)
    got = run_rt(m, [x])[0]
    compare(got, np_hybrid_symmetric(x, w, 0.01), tolerances.HYBRID, what="hybrid vs numpy")


def test_errors():
    f = np.float32
    assert "inner dimensions" in prepare_error(bmm_model((3, 4), (5, 6), f, f, f, False, False))
    assert "broadcast" in prepare_error(bmm_model((2, 3, 4), (3, 4, 5), f, f, f, False, False))
    assert "ranks" in prepare_error(bmm_model((4,), (4, 5), f, f, f, False, False))
    assert "ranks" in prepare_error(bmm_model((1, 1, 1, 1, 3, 4), (4, 5), f, f, f, False, False))
    assert "unsupported types" in prepare_error(
        bmm_model((3, 4), (4, 5), np.int8, f, f, False, False))
    assert "zero point" in prepare_error(
        bmm_model((3, 4), (4, 5), np.int16, np.int16, np.int16, False, False, (0.1, 1), (0.1, 0),
                  (0.1, 0)))
    assert "scale" in prepare_error(
        bmm_model((3, 4), (4, 5), np.int8, np.int8, np.int8, False, False))
