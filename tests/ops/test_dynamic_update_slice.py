"""DYNAMIC_UPDATE_SLICE against LiteRT BUILTIN_REF (numpy fallback): ranks 1..4, update sizes
from 0 to the whole operand, start indices in range, negative and too large (clamped), int32
and int64 indices, several dtypes."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check
from tests.tflite_builder import ModelBuilder



def model(op_shape, upd_shape, dtype, idx_type):
    b = ModelBuilder()
    x = b.input("x", list(op_shape), dtype)
    u = b.input("u", list(upd_shape), dtype)
    s = b.input("start", [len(op_shape)], idx_type)
    y = b.tensor("y", list(op_shape), dtype)
    b.op("DYNAMIC_UPDATE_SLICE", [x, u, s], [y])
    b.output(y)
    return b.build()


def np_dus(x, u, start):
    out = x.copy()
    begin = [int(min(max(s, 0), xd - ud)) for s, xd, ud in zip(start, x.shape, u.shape)]
    out[tuple(slice(b, b + d) for b, d in zip(begin, u.shape))] = u
    return out


CASES = [((6,), (2,), [3]), ((6,), (6,), [0]), ((4, 5), (2, 3), [1, 1]), ((4, 5), (2, 3), [-3, 9]),
         ((3, 4, 5), (1, 4, 2), [2, 0, 3]), ((2, 3, 4, 5), (1, 2, 2, 3), [1, 1, 5, -1]), ((4, 5), (0, 2), [1, 1])]


@pytest.mark.parametrize("op_shape,upd_shape,start", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.int32, np.int64, np.bool_])
@pytest.mark.parametrize("idx_type", [np.int32, np.int64])
def test_dynamic_update_slice(op_shape, upd_shape, start, dtype, idx_type):
    rng = np.random.default_rng(len(op_shape))
    x = rng.integers(0, 2 if dtype == np.bool_ else 100, size=op_shape).astype(dtype)
    u = rng.integers(0, 2 if dtype == np.bool_ else 100, size=upd_shape).astype(dtype)
    s = np.array(start, idx_type)
    check(model(op_shape, upd_shape, dtype, idx_type), [x, u, s], expected=[np_dus(x, u, s)], tol=EXACT)
