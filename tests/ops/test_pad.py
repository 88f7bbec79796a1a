"""PAD, PADV2 and MIRROR_PAD against LiteRT's reference kernels (BUILTIN_REF), with numpy as the
fallback expectation.

Ranks 0..5 (TFLite's limit) and 6 (an extension), zero paddings, int32/int64 (and int8/int16
for PAD) paddings, constant and computed paddings (dynamic output), the pad value rules for
quantized types (zero point vs constant_values), REFLECT and SYMMETRIC at their maximum
paddings, dtypes, and prepare errors. Outputs bit-exact.
"""
import numpy as np
import pytest

from tests.ops.helpers import DATA_DTYPES as DTYPES, EXACT, data_op_model, feeds_for, prepare_error, rand
from tests.oracle import check


def pad_params(shape, pads):
    return {"pads": np.reshape(pads, (len(shape), 2))}


def pad_model(op, shape, dtype, pads, const=True, pad_dtype=np.int32, value=None, q=None, value_q=None, mode=None,
              version=1):
    parr = np.array(pads, pad_dtype).reshape(len(shape), 2)
    out_shape = [d + int(a) + int(c) for d, (a, c) in zip(shape, parr)]
    extra = {"value": (np.array(value, dtype), value_q if value_q is not None else q)} if value is not None else None
    return data_op_model(op, shape, dtype, pad_params(shape, pads), out_shape, const, pad_dtype,
                         options={"mode": mode} if mode is not None else None, version=version, quant=q, extra=extra)


def feeds(x, pads, const, pad_dtype=np.int32):
    return feeds_for(x, pad_params(x.shape, pads), const, pad_dtype)


PAD_CASES = [((5,), [[2, 3]]), ((2, 3), [[0, 0], [1, 2]]), ((2, 3), [[1, 0], [0, 0]]), ((1, 4, 4, 3), [[0, 0], [1, 1], [2, 0], [0, 0]]),
             ((2, 1, 3, 2), [[1, 1], [0, 2], [1, 0], [0, 1]]), ((2, 1, 2, 1, 2), [[0, 1], [1, 0], [0, 0], [2, 1], [1, 1]]),
             ((3, 0, 2), [[0, 0], [1, 1], [0, 1]]), ((3, 4), [[0, 0], [0, 0]])]


@pytest.mark.parametrize("shape,pads", PAD_CASES, ids=str)
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
@pytest.mark.parametrize("pad_dtype", [np.int32, np.int64], ids=["i32", "i64"])
def test_pad(shape, pads, const, pad_dtype):
    rng = np.random.default_rng(1)
    x = rand(rng, shape, np.float32)
    exp = np.pad(x, pads)
    check(pad_model("PAD", shape, np.float32, pads, const, pad_dtype), feeds(x, pads, const, pad_dtype), expected=[exp],
          tol=EXACT)


@pytest.mark.parametrize("dtype", DTYPES + [np.float16], ids=lambda d: np.dtype(d).name)
def test_pad_dtypes_unquantized(dtype):
    rng = np.random.default_rng(2)
    x = rand(rng, (2, 3, 2), dtype)
    pads = [[1, 0], [0, 2], [1, 1]]
    check(pad_model("PAD", x.shape, dtype, pads), [x], expected=[np.pad(x, pads)], tol=EXACT)


@pytest.mark.parametrize("dtype,q", [(np.int8, (0.1, -5)), (np.uint8, (0.1, 130)), (np.int16, (0.01, 0))],
                         ids=["int8", "uint8", "int16"])
def test_pad_quantized_pads_zero_point(dtype, q):
    rng = np.random.default_rng(3)
    x = rand(rng, (1, 3, 3, 2), dtype)
    pads = [[0, 0], [1, 1], [2, 0], [0, 0]]
    exp = np.pad(x, pads, constant_values=q[1])
    check(pad_model("PAD", x.shape, dtype, pads, q=q, version=2), [x], expected=[exp], tol=EXACT)


@pytest.mark.parametrize("dtype,q,value", [(np.float32, None, 2.5), (np.int32, None, -7), (np.int64, None, 9),
                                           (np.int8, (0.1, -5), 17), (np.uint8, (0.1, 130), 3), (np.int8, None, -3),
                                           (np.int16, (0.01, 0), -300), (np.bool_, None, True)],
                         ids=["f32", "i32", "i64", "qi8", "qu8", "i8", "qi16", "bool"])
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_padv2(dtype, q, value, const):
    rng = np.random.default_rng(4)
    x = rand(rng, (2, 3, 2), dtype)
    pads = [[1, 1], [0, 2], [1, 0]]
    exp = np.pad(x, pads, constant_values=value)
    model = pad_model("PADV2", x.shape, dtype, pads, const, value=value, q=q, version=2)
    check(model, feeds(x, pads, const), expected=[exp], tol=EXACT)


def test_pad_rank0_and_rank6():
    rng = np.random.default_rng(5)
    x = rand(rng, (), np.float32)
    model = pad_model("PAD", (), np.float32, np.zeros((0, 2), np.int32))
    check(model, [x], expected=[x], tol=EXACT)
    x = rand(rng, (2, 1, 2, 1, 2, 1), np.float32)
    pads = [[0, 1], [1, 0], [0, 0], [1, 1], [0, 1], [1, 0]]
    check(pad_model("PAD", x.shape, np.float32, pads), [x], expected=[np.pad(x, pads)], tol=EXACT)


def test_pad_errors():
    assert "must be >= 0" in prepare_error(pad_model("PAD", (2, 3), np.float32, [[0, -1], [0, 0]]))
    assert "shape" in prepare_error(data_op_model("PAD", (2, 3), np.float32, {"p": np.zeros((3, 2))}, (2, 3)))
    model = pad_model("PADV2", (2, 3), np.int8, [[0, 1], [0, 0]], value=1, q=(0.1, 0), value_q=(0.2, 0))
    assert "scale" in prepare_error(model)


# ---- MIRROR_PAD ------------------------------------------------------------------------------

MIRROR_CASES = [((5,), [[2, 3]]), ((5,), [[4, 4]]), ((3, 4), [[1, 2], [3, 0]]), ((2, 3, 4), [[1, 1], [2, 2], [3, 3]]),
                ((1, 3, 3, 2), [[0, 0], [2, 1], [1, 2], [0, 0]]), ((2, 2, 1, 2, 3), [[1, 1], [1, 0], [0, 0], [1, 1], [2, 0]]),
                ((3, 4), [[0, 0], [0, 0]])]


@pytest.mark.parametrize("shape,pads", MIRROR_CASES, ids=str)
@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("const", [True, False], ids=["const", "computed"])
def test_mirror_pad(shape, pads, mode, const):
    offset = 1 if mode == "REFLECT" else 0
    if any(max(p) > d - offset for d, p in zip(shape, pads)):
        pytest.skip("paddings too large for this mode")
    rng = np.random.default_rng(6)
    x = rand(rng, shape, np.float32)
    exp = np.pad(x, pads, mode="reflect" if mode == "REFLECT" else "symmetric")
    check(pad_model("MIRROR_PAD", shape, np.float32, pads, const, mode=mode), feeds(x, pads, const), expected=[exp],
          tol=EXACT)


@pytest.mark.parametrize("dtype,q", [(np.float32, None), (np.int8, (0.1, 3)), (np.uint8, (0.1, 128)), (np.int16, (0.1, 0)),
                                     (np.int32, None), (np.int64, None), (np.bool_, None)],
                         ids=["f32", "i8", "u8", "i16", "i32", "i64", "bool"])
def test_mirror_pad_dtypes(dtype, q):
    rng = np.random.default_rng(7)
    x = rand(rng, (3, 4), dtype)
    pads = [[2, 1], [1, 3]]
    exp = np.pad(x, pads, mode="reflect")
    check(pad_model("MIRROR_PAD", x.shape, dtype, pads, q=q, mode="REFLECT", pad_dtype=np.int64, version=2), [x],
          expected=[exp], tol=EXACT)


def test_mirror_pad_errors():
    assert "exceed" in prepare_error(pad_model("MIRROR_PAD", (3,), np.float32, [[3, 0]], mode="REFLECT"))
    assert "exceed" in prepare_error(pad_model("MIRROR_PAD", (3,), np.float32, [[0, 4]], mode="SYMMETRIC"))
    assert "must be >= 0" in prepare_error(pad_model("MIRROR_PAD", (3,), np.float32, [[-1, 0]], mode="SYMMETRIC"))
