"""CAST against LiteRT's reference kernels (BUILTIN_REF), every pair of supported types.

Every output, floats included, must be equal to LiteRT's bit for bit (a cast rounds at most
once): float -> integer truncates toward zero and saturates (NaN gives the maximum), integer ->
integer wraps, x -> bool is x != 0, -> float16 rounds to nearest even, complex64 -> x takes
the real part.
"""
import numpy as np
import pytest

from tests.oracle import check, have_litert, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

TYPES = [np.float32, np.float16, np.float64, np.complex64, np.int8, np.uint8, np.int16, np.uint16, np.int32,
         np.uint32, np.int64, np.bool_]
SHAPES = [(1,), (7,), (3, 5), (2, 3, 4), (2, 1, 3, 5), (1, 2, 3, 2, 3)]


def cast_model(shape, tin, tout, options=True):
    b = ModelBuilder()
    x = b.input("x", list(shape), tin)
    y = b.tensor("y", list(shape), tout)
    opts = {"in_data_type": np.dtype(tin), "out_data_type": np.dtype(tout)} if options else None
    b.op("CAST", inputs=[x], outputs=[y], options=opts, version=1)
    b.output(y)
    return b.build()


def special_values(dtype, rng, n=300):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        edges = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5, -0.5, 0.9, -0.9, 1.5, 2.5, -2.5, 127.9, -128.9, 255.9,
                 256.0, 32767.9, -32768.9, 65504.0, 65519.0, 65520.0, 2.0**31, -2.0**31, 2.0**32, 2.0**63,
                 -2.0**63, 3e38, 1e-8, 6e-5, 6.1e-5, 3e-8, 1e-40]
        with np.errstate(over="ignore"):
            rand = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 12, n)
            return np.concatenate([edges, rand]).astype(dt)
    if dt.kind == "c":
        re = np.concatenate([[0.0, -0.0, np.nan, np.inf, 1e10, -3.7], rng.standard_normal(n) * 300])
        return (re + 1j * rng.standard_normal(re.size)).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, n).astype(bool)
    info = np.iinfo(dt)
    edges = [info.min, info.max, 0, 1, info.max - 1, info.min + 1, 127, 128, 255, 256]
    return np.concatenate([np.array(edges, np.int64).clip(info.min, info.max),
                           rng.integers(info.min, info.max, n, endpoint=True)]).astype(dt)


def run_and_compare_bits(model, x, tin, tout):
    got = run_rt(model, [x])[0]
    if not have_litert():
        pytest.skip("ai-edge-litert not installed")
    ref = run_ref(model, [x])[0]
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if np.dtype(tout).kind in "fc":
        same = (got == ref) | (np.isnan(got) & np.isnan(ref))
        # signed zeros and NaN sign bits: compare the bits where values are equal or both NaN
        same &= (got.view(np.uint8).reshape(got.size, -1) == ref.view(np.uint8).reshape(ref.size, -1)).all(axis=1) \
            | np.isnan(got).ravel()
    else:
        same = got == ref
    bad = np.flatnonzero(~same)
    assert bad.size == 0, (f"{np.dtype(tin).name} -> {np.dtype(tout).name}: {bad.size} differ, first inputs "
                           f"{x.ravel()[bad[:4]]} got {got.ravel()[bad[:4]]} expected {ref.ravel()[bad[:4]]}")


@pytest.mark.parametrize("tout", TYPES, ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("tin", TYPES, ids=lambda t: np.dtype(t).name)
def test_all_pairs(tin, tout):
    x = special_values(tin, np.random.default_rng(0))
    run_and_compare_bits(cast_model(x.shape, tin, tout), x, tin, tout)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("tin,tout", [(np.float32, np.int32), (np.int32, np.float32), (np.int64, np.int8),
                                      (np.bool_, np.float32), (np.uint8, np.int16), (np.float32, np.bool_)])
def test_shapes(tin, tout, shape):
    rng = np.random.default_rng(1)
    x = special_values(tin, rng, n=int(np.prod(shape)))[-int(np.prod(shape)):].reshape(shape)
    check(cast_model(shape, tin, tout), [x])


def test_without_options():
    # TFLite ignores CastOptions: the tensor types decide
    x = np.array([1.7, -2.2, 300.0, np.nan], np.float32)
    check(cast_model(x.shape, np.float32, np.int8, options=False), [x],
          expected=[np.array([1, -2, 127, 127], np.int8)])


def test_large_tensor_threads():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((3, 50001)) * 1e5).astype(np.float32)
    check(cast_model(x.shape, np.float32, np.int16), [x], num_threads=4)


def test_unsupported_type():
    b = ModelBuilder()
    x = b.input("x", [4], np.float32)
    y = b.tensor("y", [4], np.uint64)
    b.op("CAST", inputs=[x], outputs=[y], version=1)
    b.output(y)
    with pytest.raises((RuntimeError, ValueError), match="CAST from FLOAT32 to UINT64"):
        run_rt(b.build(), [np.zeros(4, np.float32)])
