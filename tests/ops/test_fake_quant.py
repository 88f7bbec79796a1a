"""FAKE_QUANT against LiteRT BUILTIN_REF (numpy fallback): ranges, bit widths, values outside
the range and on rounding ties; narrow_range and invalid ranges refused."""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder


def model(shape, mn, mx, bits, narrow=False):
    b = ModelBuilder()
    x = b.input("x", list(shape), np.float32)
    y = b.tensor("y", list(shape), np.float32)
    b.op("FAKE_QUANT", [x], [y], options={"min": mn, "max": mx, "num_bits": bits, "narrow_range": narrow},
         version=2 if narrow else 1)
    b.output(y)
    return b.build()


def np_fq(x, mn, mx, bits):
    f = np.float32
    qmax = f((1 << bits) - 1)
    scale = (f(mx) - f(mn)) / qmax
    zp_from_min = f(0) - f(mn) / scale
    zp = f(0) if zp_from_min < 0 else qmax if zp_from_min > qmax else f(np.floor(abs(zp_from_min) + 0.5))
    nmin, nmax = (f(0) - zp) * scale, (qmax - zp) * scale
    c = np.minimum(nmax, np.maximum(nmin, x))
    t = (c - nmin) * (f(1) / scale)
    r = np.sign(t) * np.floor(np.abs(t) + f(0.5))
    return (r * scale + nmin).astype(np.float32)


@pytest.mark.parametrize("mn,mx", [(-1.0, 1.0), (0.0, 6.0), (-3.3, 0.7), (-10.0, 0.0), (-0.5, 127.3)])
@pytest.mark.parametrize("bits", [2, 4, 8, 16])
def test_fake_quant(mn, mx, bits):
    rng = np.random.default_rng(bits)
    x = (rng.standard_normal((3, 17)) * (mx - mn)).astype(np.float32)
    check(model(x.shape, mn, mx, bits), [x], expected=[np_fq(x, mn, mx, bits)], tol=tolerances.FLOAT32)


@pytest.mark.parametrize("mn,mx,bits,narrow,needle", [(-1.0, 1.0, 8, True, "narrow_range"),
                                                      (1.0, 2.0, 8, False, "contain 0"),
                                                      (-1.0, 1.0, 1, False, "num_bits")])
def test_fake_quant_refused(mn, mx, bits, narrow, needle):
    with pytest.raises((RuntimeError, ValueError), match=needle):
        rt_interpreter(model_content=model((2,), mn, mx, bits, narrow)).allocate_tensors()
