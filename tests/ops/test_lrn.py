"""LOCAL_RESPONSE_NORMALIZATION (float32) against LiteRT's reference kernel (BUILTIN_REF).

TFLite's reference kernel sums squares over channels [c - radius, c + radius) (exclusive upper
end, unlike its optimized kernel and TensorFlow); the numpy expectation below follows the
reference so the test also runs without LiteRT.
"""
import numpy as np
import pytest

from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder


def lrn_model(shape, radius, bias, alpha, beta, dtype=np.float32):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype)
    y = b.tensor("y", list(shape), dtype)
    b.op("LOCAL_RESPONSE_NORMALIZATION", [x], [y],
         options={"radius": radius, "bias": bias, "alpha": alpha, "beta": beta})
    b.output(y)
    return b.build()


def np_lrn(x, radius, bias, alpha, beta):
    x64 = x.astype(np.float64)
    depth = x.shape[-1]
    out = np.empty_like(x64)
    for c in range(depth):
        lo, hi = max(0, c - radius), min(depth, c + radius)
        s = (x64[..., lo:hi] ** 2).sum(axis=-1)
        out[..., c] = x64[..., c] * (bias + alpha * s) ** (-beta)
    return out.astype(np.float32)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 2, 3, 7), (2, 3, 1, 16), (1, 4, 5, 33)],
                         ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("radius,bias,alpha,beta", [
    (0, 1.0, 1.0, 0.5), (1, 1.0, 0.5, 0.75), (2, 2.0, 1e-4, 0.75), (5, 0.5, 0.2, 1.0),
    (100, 1.0, 0.01, 0.3), (3, 1.0, 1.0, 0.0)],
    ids=["r0", "r1", "r2-alexnet", "r5-beta1", "r-huge", "beta0"])
def test_lrn(shape, radius, bias, alpha, beta):
    rng = np.random.default_rng(sum(shape) + radius)
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    check(lrn_model(shape, radius, bias, alpha, beta), [x],
          expected=[np_lrn(x, radius, bias, alpha, beta)])


@pytest.mark.parametrize("threads", [2, 3])
def test_lrn_threads(threads):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (2, 7, 5, 12)).astype(np.float32)
    check(lrn_model(x.shape, 2, 1.0, 0.1, 0.75), [x], num_threads=threads,
          expected=[np_lrn(x, 2, 1.0, 0.1, 0.75)])


def test_lrn_errors():
    for shape, dtype, what in (((2, 3, 4), np.float32, "4-D"), ((1, 2, 3, 4), np.int8, "FLOAT32")):
        with pytest.raises((RuntimeError, ValueError)) as e:
            it = rt_interpreter(model_content=lrn_model(shape, 1, 1.0, 1.0, 0.5, dtype))
            it.allocate_tensors()
        assert what in str(e.value)
