"""RESHAPE, SQUEEZE and EXPAND_DIMS against LiteRT (BUILTIN_REF) and numpy: shapes from a
constant shape tensor, from ReshapeOptions, from a shape computed at run time (dynamic
output), -1 inference, scalars, zero-size tensors, several dtypes, and errors that name the
element counts."""
import numpy as np
import pytest

from tests.oracle import check, run_rt
from tests.tflite_builder import ModelBuilder

DTYPES = [np.float32, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -1000), min(info.max, 1000), shape,
                            endpoint=True).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _quant(dtype):
    return (0.05, 3) if dtype in (np.int8, np.uint8) else (0.01, 0) if dtype == np.int16 \
        else None


def reshape_model(in_shape, new_shape, dtype=np.float32, how="const", options_shape=None):
    """how: 'const' (shape tensor constant), 'options' (ReshapeOptions only, one input),
    'input' (shape tensor is a graph input: dynamic output), 'both' (const tensor and
    options; the tensor wins)."""
    b = ModelBuilder()
    q = _quant(dtype)
    xi = b.input("x", list(in_shape), dtype, quant=q)
    inputs = [xi]
    if how in ("const", "both"):
        inputs.append(b.const("shape", np.asarray(new_shape, np.int32)))
    elif how == "input":
        inputs.append(b.input("shape", [len(new_shape)], np.int32))
    yi = b.tensor("y", [], dtype, quant=q)
    opts = None
    if how == "options":
        opts = {"new_shape": list(new_shape)}
    elif how == "both":
        opts = {"new_shape": list(options_shape)}
    b.op("RESHAPE", inputs, [yi], options=opts, version=1)
    b.output(yi)
    return b.build()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("how", ["const", "options", "input"])
@pytest.mark.parametrize("in_shape,new_shape", [
    ((2, 3, 4), (6, 4)),
    ((2, 3, 4), (-1, 2)),
    ((2, 3, 4), (4, -1, 3)),
    ((1, 24), (2, 3, 2, 2)),
    ((5,), (1, 5, 1)),
    ((7, 1), (-1,)),
    ((1, 1, 1, 1), (1,)),
])
def test_reshape(dtype, how, in_shape, new_shape):
    x = _data(in_shape, dtype)
    model = reshape_model(in_shape, new_shape, dtype, how)
    inputs = [x, np.asarray(new_shape, np.int32)] if how == "input" else [x]
    want = x.reshape(new_shape)
    got = check(model, inputs, expected=[want])
    assert got[0].shape == want.shape
    np.testing.assert_array_equal(got[0], want)


def test_reshape_tensor_wins_over_options():
    x = _data((2, 6), np.float32)
    model = reshape_model((2, 6), (3, 4), how="both", options_shape=(4, 3))
    got = check(model, [x], expected=[x.reshape(3, 4)])
    assert got[0].shape == (3, 4)


def test_reshape_to_scalar_and_legacy_zero():
    x = np.array([[3.5]], np.float32)
    for how, shape in [("options", []), ("options", [0])]:  # [0] in options: legacy scalar
        got = check(reshape_model((1, 1), shape, how=how), [x], expected=[np.float32(3.5)])
        assert got[0].shape == ()


def test_reshape_empty_tensor():
    x = np.zeros((0, 4), np.float32)
    got = run_rt(reshape_model((0, 4), (-1, 2)), [x])
    assert got[0].shape == (0, 2)


def test_reshape_dynamic_shape_changes_between_invokes():
    # The shape input changes value (and length) between invokes; the output follows.
    import tflite_rt
    model = reshape_model((2, 6), (3, 4), how="input")
    it = tflite_rt.Interpreter(model_content=model)
    x = _data((2, 6), np.float32)
    x_idx, s_idx = [d["index"] for d in it.get_input_details()]
    for shape in [(3, 4), (4, 3), (12,), (2, 2, 3), (-1, 6)]:
        it.resize_tensor_input(s_idx, [len(shape)])
        it.allocate_tensors()
        it.set_tensor(x_idx, x)
        it.set_tensor(s_idx, np.asarray(shape, np.int32))
        it.invoke()
        out = it.get_tensor(it.get_output_details()[0]["index"])
        np.testing.assert_array_equal(out, x.reshape(shape))


@pytest.mark.parametrize("how", ["const", "options"])
@pytest.mark.parametrize("new_shape,message", [
    ((5, 5), "cannot reshape 24 elements into a shape of 25 elements"),
    ((-1, -1), "more than one -1"),
    ((4, -2, 3), "negative dimension"),
    ((5, -1), "cannot reshape 24 elements into a shape of 20 elements"),
])
def test_reshape_errors(how, new_shape, message):
    model = reshape_model((2, 3, 4), new_shape, how=how)
    with pytest.raises(Exception, match=message) as e:
        run_rt(model, [_data((2, 3, 4), np.float32)])
    assert "RESHAPE" in str(e.value)


def test_reshape_error_at_invoke_for_dynamic_shape():
    model = reshape_model((2, 3, 4), (5, 5), how="input")
    with pytest.raises(Exception, match="24 elements into a shape of 25"):
        run_rt(model, [_data((2, 3, 4), np.float32), np.array([5, 5], np.int32)])


# ---- SQUEEZE ---------------------------------------------------------------------------------

def squeeze_model(in_shape, dims, dtype=np.float32):
    b = ModelBuilder()
    xi = b.input("x", list(in_shape), dtype, quant=_quant(dtype))
    yi = b.tensor("y", [], dtype, quant=_quant(dtype))
    b.op("SQUEEZE", [xi], [yi], options={"squeeze_dims": list(dims)}, version=1)
    b.output(yi)
    return b.build()


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("in_shape,dims", [
    ((1, 3, 1, 2), []),
    ((1, 3, 1, 2), [0]),
    ((1, 3, 1, 2), [-2]),
    ((1, 3, 1, 2), [0, 2]),
    ((1, 1, 1), []),
    ((4,), []),
    ((1, 5, 1), [2, -1]),   # the same dimension twice
])
def test_squeeze(dtype, in_shape, dims):
    x = _data(in_shape, dtype)
    want = np.squeeze(x, axis=tuple(sorted({d % len(in_shape) for d in dims})) or None)
    got = check(squeeze_model(in_shape, dims, dtype), [x], expected=[want])
    assert got[0].shape == want.shape


@pytest.mark.parametrize("dims,message", [([1], "size 3"), ([4], "out of range"),
                                          ([-5], "out of range")])
def test_squeeze_errors(dims, message):
    with pytest.raises(Exception, match=message) as e:
        run_rt(squeeze_model((1, 3, 1, 2), dims), [_data((1, 3, 1, 2), np.float32)])
    assert "SQUEEZE" in str(e.value)


# ---- EXPAND_DIMS -----------------------------------------------------------------------------

def expand_model(in_shape, axis, dtype=np.float32, axis_dtype=np.int32, axis_input=False):
    b = ModelBuilder()
    xi = b.input("x", list(in_shape), dtype, quant=_quant(dtype))
    if axis_input:
        ai = b.input("axis", [1], axis_dtype)
    else:
        ai = b.const("axis", np.asarray([axis], axis_dtype))
    yi = b.tensor("y", [], dtype, quant=_quant(dtype))
    b.op("EXPAND_DIMS", [xi, ai], [yi], version=1)
    b.output(yi)
    return b.build()


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("axis_dtype", [np.int32, np.int64], ids=["i32", "i64"])
@pytest.mark.parametrize("axis_input", [False, True], ids=["const", "dynamic"])
@pytest.mark.parametrize("in_shape,axis", [((2, 3), 0), ((2, 3), 1), ((2, 3), 2), ((2, 3), -1),
                                           ((2, 3), -3), ((), 0), ((4,), -1)])
def test_expand_dims(dtype, axis_dtype, axis_input, in_shape, axis):
    x = _data(in_shape, dtype)
    model = expand_model(in_shape, axis, dtype, axis_dtype, axis_input)
    inputs = [x, np.asarray([axis], axis_dtype)] if axis_input else [x]
    want = np.expand_dims(x, axis)
    got = check(model, inputs, expected=[want])
    assert got[0].shape == want.shape


@pytest.mark.parametrize("axis", [3, -4])
def test_expand_dims_axis_out_of_range(axis):
    with pytest.raises(Exception, match="out of range") as e:
        run_rt(expand_model((2, 3), axis), [_data((2, 3), np.float32)])
    assert "EXPAND_DIMS" in str(e.value)
