"""DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND against LiteRT's
reference kernels (BUILTIN_REF), with numpy as the fallback expectation.

Block sizes 1..3, batches > 1, odd spatial sizes, 3-D and 4-D inputs for the *_ND ops,
paddings/crops, constant and computed block_shape/paddings (dynamic output), the zero-point
padding of quantized SPACE_TO_BATCH_ND, dtypes, and prepare errors. Outputs bit-exact.
"""
import numpy as np
import pytest

from tests.ops.helpers import EXACT, data_op_model, feeds_for, prepare_error, rand
from tests.oracle import check, compare_all, run_rt

DTYPES = [np.float32, np.int8, np.uint8, np.int32, np.int64]


def np_d2s(x, bs):
    n, h, w, c = x.shape
    oc = c // (bs * bs)
    return x.reshape(n, h, w, bs, bs, oc).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * bs, w * bs, oc)


def np_s2d(x, bs):
    n, h, w, c = x.shape
    return x.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h // bs, w // bs, bs * bs * c)


def block_model(op, shape, dtype, bs, out_shape, q=None, version=1):
    return data_op_model(op, shape, dtype, {}, out_shape, options={"block_size": bs}, version=version, quant=q)


# op -> (numpy expectation, (shape, block_size) cases)
BLOCK_OPS = {"DEPTH_TO_SPACE": (np_d2s, [((1, 2, 3, 4), 2), ((2, 3, 1, 9), 3), ((1, 1, 1, 4), 2), ((2, 2, 2, 3), 1),
                                          ((1, 3, 5, 8), 2)]),
             "SPACE_TO_DEPTH": (np_s2d, [((1, 4, 6, 2), 2), ((2, 3, 6, 1), 3), ((1, 2, 2, 5), 2), ((2, 3, 3, 3), 1),
                                          ((1, 6, 4, 3), 2)])}


@pytest.mark.parametrize("op,shape,bs", [(op, *c) for op, (_, cases) in BLOCK_OPS.items() for c in cases], ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_depth_space(op, shape, bs, dtype):
    x = rand(np.random.default_rng(1), shape, dtype)
    exp = BLOCK_OPS[op][0](x, bs)
    version = 2 if op == "SPACE_TO_DEPTH" and dtype == np.int8 else 1
    check(block_model(op, shape, dtype, bs, exp.shape, version=version), [x], expected=[exp], tol=EXACT)


def test_depth_space_errors():
    assert "block_size" in prepare_error(block_model("DEPTH_TO_SPACE", (1, 2, 2, 4), np.float32, 0, (1, 2, 2, 4)))
    assert "multiple" in prepare_error(block_model("DEPTH_TO_SPACE", (1, 2, 2, 6), np.float32, 2, (1, 4, 4, 1)))
    assert "multiples" in prepare_error(block_model("SPACE_TO_DEPTH", (1, 3, 2, 1), np.float32, 2, (1, 1, 1, 4)))
    assert "4-D" in prepare_error(block_model("SPACE_TO_DEPTH", (3, 2, 1), np.float32, 1, (3, 2, 1)))


# ---- SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND ---------------------------------------------------

def np_s2b(x, block, pads, pad_value=0):
    m = len(block)
    padded = np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - 1 - m), constant_values=pad_value)
    n = x.shape[0]
    sp = padded.shape[1:1 + m]
    shape = [n]
    for s, b in zip(sp, block):
        shape += [s // b, b]
    shape += list(padded.shape[1 + m:])
    r = padded.reshape(shape)
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + list(range(1 + 2 * m, r.ndim))
    r = r.transpose(perm)
    return r.reshape([n * int(np.prod(block))] + [s // b for s, b in zip(sp, block)] + list(padded.shape[1 + m:]))


def np_b2s(x, block, crops):
    m = len(block)
    nb = int(np.prod(block))
    n = x.shape[0] // nb
    r = x.reshape(list(block) + [n] + list(x.shape[1:]))
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += list(range(2 * m + 1, r.ndim))
    r = r.transpose(perm)
    r = r.reshape([n] + [x.shape[1 + i] * block[i] for i in range(m)] + list(x.shape[1 + m:]))
    idx = [slice(None)] + [slice(c0, r.shape[1 + i] - c1) for i, (c0, c1) in enumerate(crops)]
    return r[tuple(idx)]


def nd_params(block, pc):
    return {"block": block, "pc": np.reshape(pc, (len(block), 2))}


def nd_model(op, shape, dtype, block, pc, out_shape, const=True, q=None, idx_dtype=np.int32, version=1):
    return data_op_model(op, shape, dtype, nd_params(block, pc), out_shape, const, idx_dtype, version=version, quant=q)


S2B_CASES = [((1, 4, 4, 1), [2, 2], [[0, 0], [0, 0]]), ((2, 3, 5, 2), [2, 3], [[1, 0], [0, 1]]),
             ((1, 5, 2), [3], [[1, 0]]), ((3, 2, 2, 3), [1, 1], [[0, 0], [0, 0]]), ((1, 2, 3, 1), [2, 2], [[1, 1], [0, 1]])]
B2S_CASES = [((4, 2, 2, 1), [2, 2], [[0, 0], [0, 0]]), ((12, 2, 2, 2), [2, 3], [[1, 0], [0, 2]]),
             ((3, 2, 2), [3], [[1, 2]]), ((2, 3, 2, 3), [1, 1], [[0, 0], [0, 0]]), ((8, 1, 3, 1), [2, 2], [[0, 1], [1, 1]])]
# op -> (numpy expectation(x, block, paddings or crops, pad_value), cases, input shape of the dtype sweep)
ND_OPS = {"SPACE_TO_BATCH_ND": (np_s2b, S2B_CASES, (1, 3, 3, 2)),
          "BATCH_TO_SPACE_ND": (lambda x, block, crops, pad_value: np_b2s(x, block, crops), B2S_CASES, (4, 2, 3, 2))}


@pytest.mark.parametrize("op,shape,block,pc", [(op, *c) for op, (_, cases, _) in ND_OPS.items() for c in cases], ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_space_batch_nd(op, shape, block, pc, const):
    rng = np.random.default_rng(3)
    x = rand(rng, shape, np.float32)
    exp = ND_OPS[op][0](x, block, pc, 0)
    model = nd_model(op, shape, np.float32, block, pc, exp.shape, const)
    check(model, feeds_for(x, nd_params(block, pc), const), expected=[exp], tol=EXACT)


@pytest.mark.parametrize("op", list(ND_OPS))
@pytest.mark.parametrize("dtype,q", [(np.int8, (0.1, -3)), (np.uint8, (0.2, 200)), (np.int16, (0.1, 0)),
                                     (np.int32, None), (np.int64, None)], ids=["i8", "u8", "i16", "i32", "i64"])
def test_space_batch_nd_dtypes(op, dtype, q):
    """SPACE_TO_BATCH_ND pads quantized types with the zero point."""
    expect, _, shape = ND_OPS[op]
    x = rand(np.random.default_rng(4), shape, dtype)
    block, pc = [2, 2], [[1, 0], [0, 1]]
    exp = expect(x, block, pc, q[1] if q else 0)
    check(nd_model(op, x.shape, dtype, block, pc, exp.shape, q=q, version=2), [x], expected=[exp], tol=EXACT)


def test_space_batch_round_trip_5d_extension():
    """TFLite stops at 4-D; tflite_rt applies the same rule to 5-D (3 spatial dims)."""
    rng = np.random.default_rng(7)
    x = rand(rng, (1, 2, 4, 3, 2), np.float32)
    block, pads = [2, 2, 3], [[0, 0], [1, 1], [0, 0]]
    exp = np_s2b(x, block, pads)
    compare_all(run_rt(nd_model("SPACE_TO_BATCH_ND", x.shape, np.float32, block, pads, exp.shape), [x]), [exp], EXACT,
                source="numpy")
    back = np_b2s(exp, block, pads)
    compare_all(run_rt(nd_model("BATCH_TO_SPACE_ND", exp.shape, np.float32, block, pads, back.shape), [exp]), [x], EXACT,
                source="numpy")


def test_space_batch_errors():
    assert "block_shape" in prepare_error(nd_model("SPACE_TO_BATCH_ND", (1, 4, 4, 1), np.float32, [0, 2], [[0, 0], [0, 0]], (1, 4, 2, 1)))
    assert "multiple" in prepare_error(nd_model("SPACE_TO_BATCH_ND", (1, 5, 4, 1), np.float32, [2, 2], [[0, 0], [0, 0]], (4, 2, 2, 1)))
    assert ">= 0" in prepare_error(nd_model("SPACE_TO_BATCH_ND", (1, 4, 4, 1), np.float32, [2, 2], [[-2, 0], [0, 0]], (4, 1, 2, 1)))
    assert "multiple" in prepare_error(nd_model("BATCH_TO_SPACE_ND", (3, 2, 2, 1), np.float32, [2, 2], [[0, 0], [0, 0]], (1, 4, 4, 1)))
    assert "crops" in prepare_error(nd_model("BATCH_TO_SPACE_ND", (4, 1, 1, 1), np.float32, [2, 2], [[2, 1], [0, 0]], (1, 0, 2, 1)))
