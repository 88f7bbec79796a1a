"""CONCATENATION, PACK, UNPACK, SPLIT and SPLIT_V against LiteRT's reference kernels
(BUILTIN_REF), with numpy expectations as the fallback.

Sweeps ranks 1..6, every axis (negative too), size-1 and odd dimensions, the dtypes the
reference kernels accept, quantized inputs (int8 identical params, uint8 requantization,
int16 zero-point rules), constant and computed axis / size_splits inputs (the latter make
the outputs dynamic), and prepare errors. Outputs must be bit-exact (floats included: these
ops only move values, except uint8 requantization which is integer-exact too).
"""
import numpy as np
import pytest

from tests.ops.helpers import EXACT, invoke_error, prepare_error, rand
from tests.oracle import check
from tests.tflite_builder import ModelBuilder


MOVE_DTYPES = [np.float32, np.int8, np.uint8, np.int16, np.int32, np.int64]
SHAPES = [(5,), (1, 3), (2, 1, 3), (3, 2, 1, 4), (1, 2, 3, 1, 2), (2, 1, 2, 1, 3, 2)]


def quant_for(dtype):
    return {np.int8: (0.05, 3), np.uint8: (0.1, 128), np.int16: (0.01, 0)}.get(dtype)


# ---- CONCATENATION ---------------------------------------------------------------------------

def concat_model(shapes, dtype, axis, in_quants=None, out_quant=None, act="NONE", const_mask=(),
                 rng=None, version=1):
    b = ModelBuilder()
    ins, feeds = [], []
    for i, s in enumerate(shapes):
        q = in_quants[i] if in_quants else None
        if i in const_mask:
            ins.append(b.const(f"c{i}", rand(rng, s, dtype), quant=q))
        else:
            ins.append(b.input(f"x{i}", s, dtype, quant=q))
            feeds.append(rand(rng, s, dtype))
    rank = len(shapes[0])
    ax = axis % rank if rank else 0
    out_shape = list(shapes[0]) if rank else [0]
    out_shape[ax] = sum(s[ax] for s in shapes) if rank else len(shapes)
    y = b.tensor("y", out_shape, dtype, quant=out_quant)
    b.op("CONCATENATION", ins, [y], options={"axis": axis, "fused_activation_function": act},
         version=version)
    b.output(y)
    return b.build(), feeds


@pytest.mark.parametrize("dtype", MOVE_DTYPES + [np.bool_, np.float16, np.uint32], ids=lambda d: np.dtype(d).name)
def test_concat_dtypes(dtype):
    rng = np.random.default_rng(1)
    q = quant_for(dtype)
    shapes = [(2, 3, 4), (2, 1, 4), (2, 5, 4)]
    model, feeds = concat_model(shapes, dtype, 1, [q] * 3 if q else None, q, rng=rng)
    exp = np.concatenate(feeds, axis=1)
    check(model, feeds, expected=[exp], tol=EXACT)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_concat_axes(shape):
    rng = np.random.default_rng(2)
    rank = len(shape)
    for axis in range(-rank, rank):
        ax = axis % rank
        shapes = []
        for extra in (1, 3, 2):
            s = list(shape)
            s[ax] = extra
            shapes.append(tuple(s))
        model, feeds = concat_model(shapes, np.float32, axis, rng=rng)
        check(model, feeds, expected=[np.concatenate(feeds, axis=ax)], tol=EXACT)


def test_concat_single_input_and_many():
    rng = np.random.default_rng(3)
    model, feeds = concat_model([(3, 2)], np.int32, 0, rng=rng)
    check(model, feeds, expected=[feeds[0]], tol=EXACT)
    shapes = [(1, k % 3 + 1) for k in range(12)]
    model, feeds = concat_model(shapes, np.int8, -1, rng=rng)
    check(model, feeds, expected=[np.concatenate(feeds, axis=1)], tol=EXACT)


def test_concat_scalars_into_vector():
    """TFLite concatenates constant scalars (axis 0) into a vector; tflite_rt also computed ones."""
    rng = np.random.default_rng(20)
    model, feeds = concat_model([(), (), ()], np.int32, 0, const_mask=(0, 1, 2), rng=rng)
    check(model, feeds, tol=EXACT)
    model, feeds = concat_model([(), ()], np.float32, 0, rng=rng)
    check(model, feeds, expected=[np.stack(feeds)], tol=EXACT)


def test_concat_with_constant_inputs():
    rng = np.random.default_rng(4)
    model, feeds = concat_model([(2, 2), (2, 3), (2, 1)], np.float32, 1, const_mask=(1,), rng=rng)
    check(model, feeds, tol=EXACT)


def test_concat_zero_sized_input():
    rng = np.random.default_rng(5)
    model, feeds = concat_model([(2, 0, 3), (2, 4, 3)], np.float32, 1, rng=rng)
    check(model, feeds, expected=[np.concatenate(feeds, axis=1)], tol=EXACT)


def test_concat_int8_same_params_v2():
    rng = np.random.default_rng(6)
    q = (0.07, -5)
    model, feeds = concat_model([(1, 4, 4, 3), (1, 4, 4, 5)], np.int8, 3, [q, q], q, rng=rng, version=2)
    check(model, feeds, expected=[np.concatenate(feeds, axis=3)], tol=EXACT)


@pytest.mark.parametrize("params", [
    [(0.1, 128), (0.05, 100), (0.2, 0)],      # every input requantized
    [(0.1, 128), (0.1, 128), (0.3, 7)],       # some copied, some requantized
    [(0.5, 255), (0.01, 0), (0.1, 128)],      # saturating both ways
], ids=["all", "mixed", "saturate"])
def test_concat_uint8_requantizes(params):
    rng = np.random.default_rng(7)
    shapes = [(2, 3), (2, 4), (2, 2)]
    model, feeds = concat_model(shapes, np.uint8, 1, params, (0.1, 128), rng=rng)
    check(model, feeds, tol=EXACT)


def test_concat_int16_scales_may_differ():
    rng = np.random.default_rng(8)
    model, feeds = concat_model([(3, 2), (3, 3)], np.int16, 1, [(0.01, 0), (0.02, 0)], (0.03, 0), rng=rng,
                                version=3)
    check(model, feeds, expected=[np.concatenate(feeds, axis=1)], tol=EXACT)


def test_concat_errors():
    rng = np.random.default_rng(9)
    model, _ = concat_model([(2, 3), (2, 3)], np.float32, 2, rng=rng)
    assert "axis" in prepare_error(model)
    model, _ = concat_model([(2, 3), (2, 3)], np.float32, -3, rng=rng)
    assert "axis" in prepare_error(model)
    model, _ = concat_model([(2, 3), (2, 3)], np.int8, 1, [(0.1, 0), (0.2, 0)], (0.1, 0), rng=rng)
    assert "int8" in prepare_error(model)
    model, _ = concat_model([(2, 3), (2, 3)], np.int16, 1, [(0.1, 1), (0.2, 0)], (0.1, 0), rng=rng)
    assert "zero point" in prepare_error(model)
    # mismatched non-axis dimension
    b = ModelBuilder()
    x0, x1 = b.input("x0", (2, 3), np.float32), b.input("x1", (3, 3), np.float32)
    y = b.tensor("y", (2, 6), np.float32)
    b.op("CONCATENATION", [x0, x1], [y], options={"axis": 1})
    b.output(y)
    assert "dimension" in prepare_error(b.build())


@pytest.mark.parametrize("act", ["RELU", "RELU6", "RELU_N1_TO_1"])
def test_concat_fused_activation_extension(act):
    """TFLite refuses a fused activation on CONCATENATION; tflite_rt applies it."""
    rng = np.random.default_rng(10)
    model, feeds = concat_model([(2, 3), (2, 2)], np.float32, 1, act=act, rng=rng)
    lo, hi = {"RELU": (0, np.inf), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}[act]
    exp = np.clip(np.concatenate(feeds, axis=1) * 4, lo, hi).astype(np.float32)
    feeds = [f * 4 for f in feeds]
    check(model, feeds, expected=[exp], tol=EXACT)


# ---- PACK / UNPACK ---------------------------------------------------------------------------

def pack_model(shape, n, dtype, axis, q=None, version=1):
    b = ModelBuilder()
    ins = [b.input(f"x{i}", shape, dtype, quant=q) for i in range(n)]
    rank = len(shape) + 1
    ax = axis % rank
    out_shape = list(shape)
    out_shape.insert(ax, n)
    y = b.tensor("y", out_shape, dtype, quant=q)
    b.op("PACK", ins, [y], options={"values_count": n, "axis": axis}, version=version)
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", MOVE_DTYPES + [np.uint32], ids=lambda d: np.dtype(d).name)
def test_pack_dtypes(dtype):
    rng = np.random.default_rng(11)
    shape = (3, 2)
    model = pack_model(shape, 3, dtype, 1, quant_for(dtype))
    feeds = [rand(rng, shape, dtype) for _ in range(3)]
    check(model, feeds, expected=[np.stack(feeds, axis=1)], tol=EXACT)


@pytest.mark.parametrize("shape", [()] + SHAPES[:5], ids=str)
def test_pack_axes(shape):
    rng = np.random.default_rng(12)
    rank = len(shape) + 1
    for axis in range(-rank, rank):
        model = pack_model(shape, 2, np.float32, axis)
        feeds = [rand(rng, shape, np.float32) for _ in range(2)]
        check(model, feeds, expected=[np.stack(feeds, axis=axis % rank)], tol=EXACT)


def unpack_model(shape, dtype, axis, q=None, num=None):
    b = ModelBuilder()
    x = b.input("x", shape, dtype, quant=q)
    ax = axis % len(shape)
    n = shape[ax] if num is None else num
    out_shape = [d for i, d in enumerate(shape) if i != ax]
    ys = [b.tensor(f"y{i}", out_shape, dtype, quant=q) for i in range(n)]
    b.op("UNPACK", [x], ys, options={"num": n, "axis": axis})
    b.output(*ys)
    return b.build()


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.int16, np.int32, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_unpack_dtypes(dtype):
    rng = np.random.default_rng(13)
    x = rand(rng, (2, 3, 2), dtype)
    model = unpack_model(x.shape, dtype, 1, quant_for(dtype))
    check(model, [x], expected=[x[:, i] for i in range(3)], tol=EXACT)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unpack_axes(shape):
    rng = np.random.default_rng(14)
    for axis in range(-len(shape), len(shape)):
        x = rand(rng, shape, np.float32)
        model = unpack_model(shape, np.float32, axis)
        exp = [np.take(x, i, axis=axis) for i in range(shape[axis])]
        check(model, [x], expected=exp, tol=EXACT)


def test_pack_unpack_errors():
    b = ModelBuilder()
    x0, x1 = b.input("x0", (2, 3), np.float32), b.input("x1", (2, 3), np.float32)
    y = b.tensor("y", (2, 2, 3), np.float32)
    b.op("PACK", [x0, x1], [y], options={"values_count": 3, "axis": 0})
    b.output(y)
    assert "values_count" in prepare_error(b.build())
    assert "axis" in prepare_error(pack_model((2, 3), 2, np.float32, 3))
    assert "num" in prepare_error(unpack_model((2, 3), np.float32, 1, num=2))


# ---- SPLIT / SPLIT_V -------------------------------------------------------------------------

def split_model(shape, dtype, axis, n, const_axis=True, q=None, axis_dtype=np.int32):
    b = ModelBuilder()
    a = b.const("axis", np.array(axis, axis_dtype)) if const_axis else b.input("axis", (), axis_dtype)
    x = b.input("x", shape, dtype, quant=q)
    ax = axis % len(shape)
    out_shape = list(shape)
    out_shape[ax] = shape[ax] // n
    ys = [b.tensor(f"y{i}", out_shape, dtype, quant=q) for i in range(n)]
    b.op("SPLIT", [a, x], ys, options={"num_splits": n})
    b.output(*ys)
    return b.build()


@pytest.mark.parametrize("dtype", MOVE_DTYPES, ids=lambda d: np.dtype(d).name)
def test_split_dtypes(dtype):
    rng = np.random.default_rng(15)
    x = rand(rng, (2, 6, 3), dtype)
    model = split_model(x.shape, dtype, 1, 3, q=quant_for(dtype))
    check(model, [x], expected=np.split(x, 3, axis=1), tol=EXACT)


@pytest.mark.parametrize("shape", [(6,), (4, 6), (2, 3, 4), (2, 2, 2, 6), (1, 4, 1, 2, 2), (2, 1, 2, 1, 3, 2)],
                         ids=str)
@pytest.mark.parametrize("const_axis", [True, False], ids=["const_axis", "input_axis"])
def test_split_axes(shape, const_axis):
    rng = np.random.default_rng(16)
    for axis in range(-len(shape), len(shape)):
        for n in sorted({1, shape[axis]} | ({2} if shape[axis] % 2 == 0 else set())):
            x = rand(rng, shape, np.float32)
            model = split_model(shape, np.float32, axis, n, const_axis)
            feeds = [x] if const_axis else [np.array(axis, np.int32), x]
            check(model, feeds, expected=np.split(x, n, axis=axis), tol=EXACT)


def splitv_model(shape, dtype, sizes, axis, const_sizes=True, const_axis=True, sizes_dtype=np.int32, out_sizes=None):
    b = ModelBuilder()
    x = b.input("x", shape, dtype)
    s = (b.const("sizes", np.array(sizes, sizes_dtype)) if const_sizes
         else b.input("sizes", (len(sizes),), sizes_dtype))
    a = b.const("axis", np.array(axis, np.int32)) if const_axis else b.input("axis", (), np.int32)
    ax = axis % len(shape)
    out_sizes = out_sizes or sizes
    ys = []
    for i, k in enumerate(out_sizes):
        os_ = list(shape)
        os_[ax] = k if k >= 0 else 0
        ys.append(b.tensor(f"y{i}", os_, dtype))
    b.op("SPLIT_V", [x, s, a], ys, options={"num_splits": len(sizes)})
    b.output(*ys)
    return b.build()


@pytest.mark.parametrize("sizes", [[2, 3, 1], [6], [0, 6], [1, -1, 2], [-1, 0]], ids=str)
@pytest.mark.parametrize("const_inputs", [(True, True), (False, True), (True, False)],
                         ids=["const", "input_sizes", "input_axis"])
@pytest.mark.parametrize("sizes_dtype", [np.int32, np.int64], ids=["i32", "i64"])
def test_split_v(sizes, const_inputs, sizes_dtype):
    rng = np.random.default_rng(17)
    shape = (2, 6, 3)
    x = rand(rng, shape, np.float32)
    real = list(sizes)
    if -1 in real:
        real[real.index(-1)] = 6 - sum(k for k in real if k != -1)
    model = splitv_model(shape, np.float32, sizes, 1, *const_inputs, sizes_dtype=sizes_dtype, out_sizes=real)
    feeds = [x]
    if not const_inputs[0]:
        feeds.append(np.array(sizes, sizes_dtype))
    if not const_inputs[1]:
        feeds.append(np.array(1, np.int32))
    exp = np.split(x, np.cumsum(real)[:-1], axis=1)
    check(model, feeds, expected=exp, tol=EXACT)


@pytest.mark.parametrize("dtype", MOVE_DTYPES, ids=lambda d: np.dtype(d).name)
def test_split_v_dtypes_negative_axis(dtype):
    rng = np.random.default_rng(18)
    x = rand(rng, (3, 2, 5), dtype)
    model = splitv_model(x.shape, dtype, [1, 4], -1)
    check(model, [x], expected=np.split(x, [1], axis=-1), tol=EXACT)


def test_split_errors():
    assert "evenly" in prepare_error(split_model((2, 5), np.float32, 1, 2))
    assert "axis" in prepare_error(split_model((2, 6), np.float32, 2, 2))
    assert "axis" in prepare_error(split_model((2, 6), np.float32, -3, 2))
    assert "sum" in prepare_error(splitv_model((2, 6), np.float32, [2, 3], 1))
    assert "-1" in prepare_error(splitv_model((2, 6), np.float32, [-1, -1], 1, out_sizes=[3, 3]))
    assert "out of range" in prepare_error(splitv_model((2, 6), np.float32, [-2, 8], 1, out_sizes=[0, 6]))


def test_split_computed_axis_out_of_range_fails_in_invoke():
    model = split_model((2, 6), np.float32, 1, 2, const_axis=False)
    assert "axis" in invoke_error(model, [np.array(5, np.int32), np.zeros((2, 6), np.float32)])


@pytest.mark.slow
@pytest.mark.parametrize("dtype", MOVE_DTYPES, ids=lambda d: np.dtype(d).name)
def test_concat_split_sweep_slow(dtype):
    rng = np.random.default_rng(19)
    for shape in SHAPES:
        for axis in range(len(shape)):
            for n_in in (1, 2, 4):
                shapes = []
                for k in range(n_in):
                    s = list(shape)
                    s[axis] = (k * 2) % 5 + 1
                    shapes.append(tuple(s))
                q = quant_for(dtype)
                model, feeds = concat_model(shapes, dtype, axis, [q] * n_in if q else None, q, rng=rng)
                check(model, feeds, expected=[np.concatenate(feeds, axis=axis)], tol=EXACT)
