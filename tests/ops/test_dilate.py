"""DILATE against LiteRT BUILTIN_REF (numpy fallback): ranks 1..4, dilation factors 1..4 (ones
included), padding values, dtypes, constant and computed dilations (dynamic output), and a
factor < 1 (refused)."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder



def np_dilate(x, d, pad):
    out_shape = tuple((s - 1) * f + 1 for s, f in zip(x.shape, d))
    out = np.full(out_shape, pad, x.dtype)
    out[tuple(slice(None, None, f) for f in d)] = x
    return out


def model(shape, dtype, d, pad, const=True):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype)
    td = b.const("d", np.array(d, np.int32)) if const else b.input("d", [len(shape)], np.int32)
    tp = b.const("pad", np.array(pad, dtype))
    out_shape = [(s - 1) * f + 1 for s, f in zip(shape, d)]
    y = b.tensor("y", out_shape, dtype)
    b.op("DILATE", [x, td, tp], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("shape,d", [((5,), [2]), ((3, 3), [2, 3]), ((2, 4), [1, 3]), ((3, 2), [3, 1]),
                                     ((2, 3, 4), [1, 1, 1]), ((2, 2, 3, 2), [2, 1, 4, 2])])
@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int32, np.int64])
@pytest.mark.parametrize("const", [True, False])
def test_dilate(shape, d, dtype, const):
    x = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype) + 1
    feeds = [x] if const else [x, np.array(d, np.int32)]
    check(model(shape, dtype, d, -7, const), feeds, expected=[np_dilate(x, d, -7)], tol=EXACT)


def test_dilate_factor_below_one():
    with pytest.raises((RuntimeError, ValueError), match=">= 1"):
        rt_interpreter(model_content=model((2, 2), np.float32, [1, 0], 0.0)).allocate_tensors()
