"""SOFTMAX against LiteRT's reference kernels (BUILTIN_REF): integer outputs bit-exact.

Note for whoever extends these tests: LiteRT's reference int8/uint8 softmax aborts the whole
process (TFLITE_CHECK) when a row's sum of exps exceeds 2^(39 - output bits), e.g. more than
~512 near-equal logits with an 8-bit output; such cases are tested against numpy only.
"""
import itertools

import numpy as np
import pytest

from tests.oracle import check, run_rt, rt_interpreter
from tests.tflite_builder import ModelBuilder

# input dtype -> output dtypes with the output quantization TFLite's fixed-point kernels produce
OUT_QUANT = {
    np.int8: (1 / 256, -128),
    np.uint8: (1 / 256, 0),
    "int16_from_8bit": (1 / 65536, -32768),
    np.int16: (1 / 32768, 0),
}
VERSION = {np.float32: 1, np.uint8: 1, np.int8: 2, np.int16: 3}


def build_softmax(shape, tin, tout=None, beta=1.0, in_scale=0.05, in_zp=0, options=True):
    tout = tin if tout is None else tout
    b = ModelBuilder()
    if tin == np.float32:
        x = b.input("x", shape, np.float32)
        y = b.tensor("y", shape, np.float32)
    else:
        x = b.input("x", shape, tin, quant=(in_scale, in_zp))
        key = "int16_from_8bit" if (tout == np.int16 and tin != np.int16) else tout
        y = b.tensor("y", shape, tout, quant=OUT_QUANT[key])
    b.op("SOFTMAX", [x], [y], options={"beta": beta} if options else False, version=VERSION[tin])
    b.output(y)
    return b.build()


def gen_input(rng, shape, dtype, mode="uniform"):
    if dtype == np.float32:
        x = rng.standard_normal(shape).astype(np.float32) * 3
        if mode == "peaky":
            x[..., 0] += 20
        return x
    info = np.iinfo(dtype)
    if mode == "uniform":
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    if mode == "narrow":  # values within a small band: many contributing exps
        c = (int(info.min) + int(info.max)) // 2
        return rng.integers(c - 8, c + 8, size=shape, endpoint=True).astype(dtype)
    x = rng.integers(info.min, info.min + 20, size=shape, endpoint=True).astype(dtype)  # peaky
    x[..., -1] = info.max
    return x


def run_case(shape, tin, tout=None, beta=1.0, in_scale=0.05, in_zp=0, seed=0,
             modes=("uniform", "narrow", "peaky"), num_threads=1):
    model = build_softmax(shape, tin, tout, beta, in_scale, in_zp)
    rng = np.random.default_rng(seed)
    for mode in modes:
        check(model, [gen_input(rng, shape, tin, mode)], num_threads=num_threads)


DEPTHS = [1, 2, 3, 7, 10, 64, 255, 300]
SHAPES = [lambda d: (d,), lambda d: (2, d), lambda d: (2, 3, d)]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_f32(depth, beta):
    run_case((3, depth), np.float32, beta=beta, modes=("uniform", "peaky"))


def test_f32_ranks_and_beta_zero():
    for mk in SHAPES:
        run_case(mk(5), np.float32)
    run_case((2, 9), np.float32, beta=0.0)


@pytest.mark.parametrize("tin", [np.int8, np.uint8])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("in_scale,beta", [(0.05, 1.0), (0.5, 1.0), (0.01, 2.5), (1.0, 0.3)])
def test_8bit(tin, depth, in_scale, beta):
    zp = -7 if tin == np.int8 else 131
    run_case((2, depth), tin, beta=beta, in_scale=in_scale, in_zp=zp, seed=depth)


@pytest.mark.parametrize("tin", [np.int8, np.uint8])
@pytest.mark.parametrize("depth", [1, 5, 64, 300])
def test_8bit_to_int16(tin, depth):
    run_case((3, depth), tin, np.int16, in_scale=0.1, seed=depth)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("in_scale,beta", [(1e-3, 1.0), (3e-4, 1.0), (1e-2, 0.7), (5e-5, 2.0)])
def test_int16(depth, in_scale, beta):
    run_case((2, depth), np.int16, beta=beta, in_scale=in_scale, seed=depth)


@pytest.mark.parametrize("tin", [np.float32, np.int8, np.int16])
def test_ranks(tin):
    for mk in SHAPES:
        run_case(mk(6), tin, in_scale=0.05 if tin != np.int16 else 1e-3)


@pytest.mark.parametrize("tin", [np.float32, np.int8, np.uint8, np.int16])
def test_threads(tin):
    run_case((37, 19), tin, in_scale=0.05 if tin != np.int16 else 1e-3, num_threads=3)


def test_int8_large_uniform_row_no_abort():
    # 1000 equal logits: each probability 1/1000 < 1/512, so the 8-bit output is the zero
    # point; LiteRT's reference aborts here (shift > 31), tflite_rt returns the rounded value.
    model = build_softmax((1, 1000), np.int8, in_scale=0.1)
    (y,) = run_rt(model, [np.zeros((1, 1000), np.int8)])
    assert np.all(y == -128)
    (y,) = run_rt(build_softmax((1, 1000), np.int8, np.int16, in_scale=0.1),
                  [np.zeros((1, 1000), np.int8)])
    # 1/1000 in units of 1/65536, offset by -32768
    assert np.all(np.abs(y.astype(np.int32) + 32768 - 65.536) <= 1)


def test_missing_options_means_beta_zero():
    # TFLite leaves beta at 0 when the options table is absent: a uniform float softmax
    model = build_softmax((2, 4), np.float32, options=False)
    (y,) = check(model, [np.arange(8, dtype=np.float32).reshape(2, 4)])
    np.testing.assert_allclose(y, 0.25, rtol=1e-6)


def _allocate(model):
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    return it


def test_error_output_quantization():
    b = ModelBuilder()
    x = b.input("x", [1, 4], np.int8, quant=(0.1, 0))
    y = b.tensor("y", [1, 4], np.int8, quant=(1 / 128, 0))
    b.op("SOFTMAX", [x], [y], options={"beta": 1.0}, version=2)
    b.output(y)
    with pytest.raises((RuntimeError, ValueError), match="scale 1/256 and zero point -128"):
        _allocate(b.build())


def test_error_int16_output_quantization():
    b = ModelBuilder()
    x = b.input("x", [1, 4], np.int16, quant=(1e-3, 0))
    y = b.tensor("y", [1, 4], np.int16, quant=(1 / 256, 0))
    b.op("SOFTMAX", [x], [y], options={"beta": 1.0}, version=3)
    b.output(y)
    with pytest.raises((RuntimeError, ValueError), match="1/32768"):
        _allocate(b.build())


def test_error_int8_beta_zero():
    with pytest.raises((RuntimeError, ValueError), match="too small"):
        _allocate(build_softmax((1, 4), np.int8, beta=0.0))


def test_error_unsupported_type():
    b = ModelBuilder()
    x = b.input("x", [1, 4], np.int32)
    y = b.tensor("y", [1, 4], np.int32)
    b.op("SOFTMAX", [x], [y], options={"beta": 1.0}, version=1)
    b.output(y)
    with pytest.raises(ValueError, match="INT32"):
        _allocate(b.build())


@pytest.mark.slow
@pytest.mark.parametrize("tin", [np.float32, np.int8, np.uint8, np.int16])
@pytest.mark.parametrize("depth", list(range(1, 301, 7)) + [256, 299, 300])
@pytest.mark.parametrize("beta", [1.0, 0.25, 3.0])
def test_grid(tin, depth, beta):
    scales = {np.float32: [1.0], np.int8: [0.02, 0.2, 0.9], np.uint8: [0.02, 0.2, 0.9],
              np.int16: [1e-4, 1e-3, 4e-3]}[tin]
    for s in scales:
        run_case((3, depth), tin, beta=beta, in_scale=s, seed=depth)
