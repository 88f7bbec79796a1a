"""SEGMENT_SUM and UNSORTED_SEGMENT_{SUM, PROD, MAX, MIN} against LiteRT (BUILTIN_REF; SEGMENT_SUM
is only in LiteRT's optimized resolver, which oracle.check then uses) with numpy fallbacks.

Sweeps: int32 and float32 data, ranks 1..4, segment id layouts (repeats, gaps, negative ids in
the unsorted ops, ids of higher rank as a data-shape prefix), constant ids (static output) and
computed ids (dynamic output), num_segments above the largest id, integer wrap-around, and the
errors for unsorted ids / ids beyond num_segments.
"""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

UNSORTED = ["UNSORTED_SEGMENT_SUM", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_MIN"]


def np_unsorted(op, data, ids, n):
    flat = data.reshape(ids.size, -1)
    out_shape = (n,) + data.shape[ids.ndim:]
    if data.dtype == np.int32:
        init = {"SUM": 0, "PROD": 1, "MAX": np.iinfo(np.int32).min, "MIN": np.iinfo(np.int32).max}
    else:
        init = {"SUM": 0, "PROD": 1, "MAX": -np.finfo(np.float32).max, "MIN": np.finfo(np.float32).max}
    kind = op.rsplit("_", 1)[1]
    out = np.full((n, flat.shape[1]), init[kind], dtype=np.int64 if data.dtype == np.int32 else np.float64)
    for i, s in enumerate(ids.ravel()):
        if s < 0:
            continue
        v = flat[i].astype(out.dtype)
        out[s] = {"SUM": out[s] + v, "PROD": out[s] * v, "MAX": np.maximum(out[s], v),
                  "MIN": np.minimum(out[s], v)}[kind]
    if data.dtype == np.int32:
        out = (out & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
    return out.astype(data.dtype).reshape(out_shape)


def rand(rng, shape, dtype):
    if dtype == np.int32:
        return rng.integers(-5, 6, size=shape).astype(np.int32)
    return rng.standard_normal(shape).astype(np.float32)


def unsorted_model(op, data_shape, dtype, ids, n, const_ids=True, const_n=True):
    b = ModelBuilder()
    x = b.input("data", list(data_shape), dtype)
    ins = [x]
    ids_t = b.const("ids", ids) if const_ids else b.input("ids", list(ids.shape), np.int32)
    n_t = b.const("n", np.array([n], np.int32)) if const_n else b.input("n", [1], np.int32)
    out_shape = [n] + list(data_shape[ids.ndim:])
    y = b.tensor("y", out_shape, dtype)
    b.op(op, [x, ids_t, n_t], [y])
    b.output(y)
    del ins
    return b.build()


@pytest.mark.parametrize("op", UNSORTED)
@pytest.mark.parametrize("dtype", [np.int32, np.float32])
@pytest.mark.parametrize("data_shape,ids_rank", [((7,), 1), ((6, 3), 1), ((4, 3, 2), 2), ((5, 2, 3, 2), 1), ((1,), 1)])
@pytest.mark.parametrize("const_ids", [True, False])
def test_unsorted_segment(op, dtype, data_shape, ids_rank, const_ids):
    rng = np.random.default_rng(len(data_shape) * 10 + ids_rank)
    ids = rng.integers(-1, 4, size=data_shape[:ids_rank]).astype(np.int32)
    n = 5
    data = rand(rng, data_shape, dtype)
    model = unsorted_model(op, data_shape, dtype, ids, n, const_ids=const_ids, const_n=const_ids)
    feeds = [data] if const_ids else [data, ids, np.array([n], np.int32)]
    tol = tolerances.FLOAT32
    check(model, feeds, expected=[np_unsorted(op, data, ids, n)], tol=tol)


def test_unsorted_segment_int_wraps():
    data = np.array([2**30, 2**30, 3, 2**31 - 1, 5], np.int32)
    ids = np.array([0, 0, 1, 1, 1], np.int32)
    for op in ["UNSORTED_SEGMENT_SUM", "UNSORTED_SEGMENT_PROD"]:
        check(unsorted_model(op, (5,), np.int32, ids, 2), [data], expected=[np_unsorted(op, data, ids, 2)])


def test_unsorted_segment_id_beyond_num_segments():
    ids = np.array([0, 3], np.int32)
    model = unsorted_model("UNSORTED_SEGMENT_SUM", (2,), np.float32, ids, 3, const_ids=False, const_n=False)
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    for d, v in zip(it.get_input_details(), [np.ones(2, np.float32), ids, np.array([3], np.int32)]):
        it.set_tensor(d["index"], v)
    with pytest.raises(RuntimeError, match="num_segments"):
        it.invoke()
    with pytest.raises((RuntimeError, ValueError), match="num_segments"):
        rt_interpreter(model_content=unsorted_model("UNSORTED_SEGMENT_SUM", (2,), np.float32, ids, 3)).allocate_tensors()


def sorted_model(data_shape, dtype, ids, const_ids=True):
    b = ModelBuilder()
    x = b.input("data", list(data_shape), dtype)
    ids_t = b.const("ids", ids) if const_ids else b.input("ids", list(ids.shape), np.int32)
    rows = int(ids.max()) + 1 if ids.size else 0
    y = b.tensor("y", [rows] + list(data_shape[1:]), dtype)
    b.op("SEGMENT_SUM", [x, ids_t], [y])
    b.output(y)
    return b.build()


@pytest.mark.parametrize("dtype", [np.int32, np.float32])
@pytest.mark.parametrize("data_shape", [(1,), (6,), (5, 3), (4, 2, 3)])
@pytest.mark.parametrize("const_ids", [True, False])
def test_segment_sum(dtype, data_shape, const_ids):
    rng = np.random.default_rng(len(data_shape))
    steps = rng.integers(0, 2, size=data_shape[0])
    steps[0] = 0
    ids = np.cumsum(steps).astype(np.int32)
    data = rand(rng, data_shape, dtype)
    exp = np_unsorted("UNSORTED_SEGMENT_SUM", data, ids, int(ids.max()) + 1)
    feeds = [data] if const_ids else [data, ids]
    check(sorted_model(data_shape, dtype, ids, const_ids), feeds, expected=[exp])


def test_segment_sum_rejects_unsorted_ids():
    ids = np.array([0, 2, 2], np.int32)
    with pytest.raises((RuntimeError, ValueError), match="grow by 0 or 1"):
        rt_interpreter(model_content=sorted_model((3,), np.float32, ids)).allocate_tensors()
