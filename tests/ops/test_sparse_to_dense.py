"""SPARSE_TO_DENSE against LiteRT BUILTIN_REF (numpy fallback): 1-D and N-D indices, scalar
and vector values, every value type, int32/int64 indices and shapes, repeated indices (last
wins), computed output shape (dynamic), and an out-of-range index (fails the invoke)."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder



def model(idx, out_shape, values, default, const_shape=True, idx_type=np.int32):
    b = ModelBuilder()
    ti = b.input("idx", list(idx.shape), idx_type)
    ts = b.const("shape", np.array(out_shape, idx_type)) if const_shape else b.input("shape", [len(out_shape)], idx_type)
    tv = b.input("values", list(values.shape), values.dtype)
    td = b.const("default", np.array(default, values.dtype))
    y = b.tensor("y", list(out_shape), values.dtype)
    b.op("SPARSE_TO_DENSE", [ti, ts, tv, td], [y])
    b.output(y)
    return b.build()


def np_s2d(idx, out_shape, values, default):
    out = np.full(out_shape, default, values.dtype)
    idx2 = idx.reshape(-1, 1) if idx.ndim < 2 else idx
    for i, ix in enumerate(idx2):
        out[tuple(ix)] = values if values.ndim == 0 else values[i]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.int8, np.uint8])
@pytest.mark.parametrize("out_shape", [(7,), (3, 4), (2, 3, 4), (2, 2, 3, 2)])
@pytest.mark.parametrize("scalar", [False, True])
@pytest.mark.parametrize("idx_type", [np.int32, np.int64])
def test_sparse_to_dense(dtype, out_shape, scalar, idx_type):
    rng = np.random.default_rng(len(out_shape))
    flat = rng.choice(int(np.prod(out_shape)), size=4, replace=False)
    coords = np.stack(np.unravel_index(flat, out_shape), axis=1).astype(idx_type)
    idx = coords[:, 0] if len(out_shape) == 1 else coords
    values = np.array(5, dtype) if scalar else rng.integers(1, 50, size=4).astype(dtype)
    feeds = [idx, values]
    check(model(idx, out_shape, values, 9, idx_type=idx_type), feeds,
          expected=[np_s2d(idx, out_shape, values, 9)], tol=EXACT)


def test_sparse_to_dense_repeated_index_and_dynamic_shape():
    idx = np.array([[0, 1], [2, 0], [0, 1]], np.int32)
    values = np.array([1.0, 2.0, 3.0], np.float32)
    got = check(model(idx, (3, 2), values, -1.0, const_shape=False), [idx, np.array([3, 2], np.int32), values],
                expected=[np_s2d(idx, (3, 2), values, -1.0)], tol=EXACT)
    assert got[0][0, 1] == 3.0


def test_sparse_to_dense_out_of_range():
    idx = np.array([0, 9], np.int32)
    m = model(idx, (4,), np.array([1, 2], np.int32), 0)
    it = rt_interpreter(model_content=m)
    it.allocate_tensors()
    for d, v in zip(it.get_input_details(), [idx, np.array([1, 2], np.int32)]):
        it.set_tensor(d["index"], v)
    with pytest.raises(RuntimeError, match="outside the output"):
        it.invoke()
