"""Bad arrays and misuse of the Interpreter API: a clear Python exception, never a crash, never a
dangling pointer. (The basics -- wrong dtype/rank/dim, invoke before allocate, bad tensor
indices, held views -- are in test_interpreter_api.py; this adds the rest.) Run under
tests/run_sanitized.sh, an out-of-bounds copy or a dangling view fails the run.
"""
import gc
import sys

import numpy as np
import pytest

from tests.tflite_builder import ModelBuilder

F32 = np.float32
INT32_MAX = 2**31 - 1
BAD_INDICES = [-1, -2**31, 3, 99, 2**31 - 1, 2**31, 2**40, -2**40, 2**70]


def add_model(shape=(1, 4), signature=None):
    b = ModelBuilder()
    x = b.input("x", list(shape), F32, shape_signature=signature)
    y = b.input("y", list(shape), F32, shape_signature=signature)
    out = b.tensor("out", list(shape), F32, shape_signature=signature)
    b.op("ADD", [x, y], [out])
    b.output(out)
    return b.build()


def Interp(data=None, **kw):
    from tflite_rt.interpreter import Interpreter
    return Interpreter(model_content=data if data is not None else add_model(), **kw)


def ready(**kw):
    it = Interp(**kw)
    it.allocate_tensors()
    it.set_tensor(0, np.ones((1, 4), F32))
    it.set_tensor(1, np.full((1, 4), 2, F32))
    return it


# ---------------------------------------------------------------------------------------------
# set_tensor: what numpy gives us
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    [[1.0, 2.0, 3.0, 4.0]],                         # a list: float64
    [[1, 2, 3, 4]],                                 # a list: int64
    1.0, 7, True, None, "abcd", b"abcd",             # scalars, strings, None
    np.float32(1.0),                                # a rank-0 array
    np.zeros((1, 4), np.float64),                   # wrong dtype
    np.zeros((1, 4), ">f4"),                        # float32, but big-endian
    np.zeros((1, 4), np.float16),
    np.array([[1, 2, 3, 4]], dtype=object),         # object array
    np.array([[object()] * 4], dtype=object),
    np.zeros((1, 4), dtype=[("a", "<f4")]),         # structured
    np.zeros((4, 1), F32), np.zeros((1, 5), F32), np.zeros((1, 4, 1), F32), np.zeros((0,), F32),
    np.zeros((1, 0), F32),
], ids=lambda v: type(v).__name__ + (f"-{v.dtype}-{v.shape}" if isinstance(v, np.ndarray) else ""))
def test_set_tensor_rejects_bad_values(value):
    it = ready()
    with pytest.raises(ValueError):
        it.set_tensor(0, value)
    it.invoke()  # the interpreter is still usable
    np.testing.assert_array_equal(it.get_tensor(2), np.full((1, 4), 3, F32))


def test_set_tensor_accepts_read_only_non_contiguous_and_subclasses():
    it = ready()
    ro = np.arange(4, dtype=F32).reshape(1, 4)
    ro.flags.writeable = False
    it.set_tensor(0, ro)
    strided = np.arange(8, dtype=F32).reshape(1, 8)[:, ::2]           # every other element
    assert not strided.flags.c_contiguous
    it.set_tensor(1, strided)
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(2), ro + strided)
    reversed_ = np.arange(4, dtype=F32)[::-1].reshape(1, 4)             # negative stride
    it.set_tensor(0, reversed_)
    fortran = np.asfortranarray(np.arange(4, dtype=F32).reshape(1, 4))
    it.set_tensor(1, fortran)
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(2), reversed_ + fortran)
    class Sub(np.ndarray):
        pass
    it.set_tensor(0, np.ones((1, 4), F32).view(Sub))                    # an ndarray subclass


def test_set_tensor_from_a_view_of_its_own_memory():
    """set_tensor(i, tensor(i)()) copies a buffer onto itself under the C lock."""
    it = ready()
    view = it.tensor(0)()
    it.set_tensor(0, view)
    it.set_tensor(1, view)
    del view
    gc.collect()
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(2), np.full((1, 4), 2, F32))


def test_set_tensor_on_constants_and_intermediates():
    b = ModelBuilder()
    x = b.input("x", [4], F32)
    c = b.const("c", np.ones(4, F32))
    t = b.tensor("t", [4], F32)
    y = b.tensor("y", [4], F32)
    b.op("ADD", [x, c], [t])
    b.op("RELU", [t], [y])
    b.output(y)
    it = Interp(b.build())
    it.allocate_tensors()
    with pytest.raises(ValueError):
        it.set_tensor(c, np.zeros(4, F32))          # a constant lives in the model's bytes
    it.set_tensor(t, np.zeros(4, F32))              # allowed (LiteRT allows it too)
    it.set_tensor(x, np.full(4, -3, F32))
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(y), np.zeros(4, F32))


# ---------------------------------------------------------------------------------------------
# Indices: out of range, negative, beyond int32, not integers -- in every method
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("index", BAD_INDICES)
def test_bad_tensor_index_everywhere(index):
    it = ready()
    value = np.zeros((1, 4), F32)
    calls = {
        "set_tensor": lambda: it.set_tensor(index, value),
        "get_tensor": lambda: it.get_tensor(index),
        "tensor": lambda: it.tensor(index)(),
        "_get_tensor_details": lambda: it._get_tensor_details(index),
        "resize_tensor_input": lambda: it.resize_tensor_input(index, [1, 4]),
        "_get_op_details": lambda: it._get_op_details(index),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError):
            call()
    it.invoke()


@pytest.mark.parametrize("sg", [-1, 1, 7, 2**31 - 1, 2**31, -2**40])
def test_bad_subgraph_index_everywhere(sg):
    it = ready()
    calls = {
        "get_tensor": lambda: it.get_tensor(0, sg),
        "get_tensor_details": lambda: it.get_tensor_details(sg),
        "_get_tensor_details": lambda: it._get_tensor_details(0, sg),
        "memory_plan": lambda: it.memory_plan(sg),
        "op_profile": lambda: it.op_profile(sg),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("index", [1.0, "0", None, [0], np.float32(0)])
def test_non_integer_indices_raise_type_error(index):
    it = ready()
    for call in (lambda: it.get_tensor(index), lambda: it.set_tensor(index, np.zeros((1, 4), F32)),
                 lambda: it.tensor(index)()):
        with pytest.raises(TypeError):
            call()


def test_numpy_integer_indices_work():
    it = ready()
    it.set_tensor(np.int64(0), np.ones((1, 4), F32))
    it.invoke()
    assert it.get_tensor(np.int32(2)).shape == (1, 4)
    assert it.get_tensor(np.uint8(2), np.int16(0)).shape == (1, 4)


# ---------------------------------------------------------------------------------------------
# Life cycle: invoke before allocate, resize without allocate, held views, deletion
# ---------------------------------------------------------------------------------------------

def test_invoke_and_copies_before_allocate():
    it = Interp()
    with pytest.raises(RuntimeError):
        it.invoke()
    with pytest.raises(ValueError):
        it.get_tensor(2)
    with pytest.raises(ValueError):
        it.set_tensor(0, np.zeros((1, 4), F32))
    with pytest.raises(ValueError):
        it.tensor(0)()


@pytest.mark.parametrize("new_shape", [(2, 4), (1000, 4), (1, 1), (0, 4)])
def test_resize_then_use_without_allocate(new_shape):
    it = ready()
    it.invoke()
    it.resize_tensor_input(0, list(new_shape))
    it.resize_tensor_input(1, list(new_shape))
    with pytest.raises(RuntimeError):
        it.invoke()
    if np.prod(new_shape) not in (0, 4):
        with pytest.raises(ValueError):   # the old arena slot has the old size
            it.set_tensor(0, np.ones(new_shape, F32))
        with pytest.raises(ValueError):
            it.get_tensor(0)
        with pytest.raises(ValueError):
            it.tensor(0)()
    it.get_tensor(2)                      # an un-resized tensor keeps its (old) value
    it.allocate_tensors()
    it.set_tensor(0, np.ones(new_shape, F32))
    it.set_tensor(1, np.ones(new_shape, F32))
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(2), np.full(new_shape, 2, F32))


@pytest.mark.parametrize("shape", [[2**31, 4], [2**62, 4], [2**30, 2**30], [2**20, 2**20, 2**20],
                                   [INT32_MAX] * 8, [1] * 9, [-1, 4], [-2**31, 4], [2**31 - 1]])
def test_huge_or_bad_resize_is_clean(shape):
    it = ready(arena_limit=64 << 20)
    try:
        it.resize_tensor_input(0, shape)
        it.resize_tensor_input(1, shape)
        it.allocate_tensors()
    except (ValueError, MemoryError, RuntimeError):
        pass
    else:
        pytest.fail(f"resize to {shape} was accepted")
    it.resize_tensor_input(0, [1, 4])      # and the interpreter recovers
    it.resize_tensor_input(1, [1, 4])
    it.allocate_tensors()
    it.set_tensor(0, np.ones((1, 4), F32))
    it.set_tensor(1, np.ones((1, 4), F32))
    it.invoke()


def test_resize_over_arena_limit_at_allocate_is_memory_error():
    it = Interp(arena_limit=1 << 20)
    it.resize_tensor_input(0, [1000, 200])     # 800 KB each: fine alone, 2.4 MB for the graph
    it.resize_tensor_input(1, [1000, 200])
    with pytest.raises(MemoryError):
        it.allocate_tensors()


@pytest.mark.parametrize("shape", [[1.5, 4], ["a", 4], [[1, 4]], None, "14", [np.nan, 4], [1 + 2j, 4]])
def test_resize_with_non_integer_shape(shape):
    it = Interp()
    with pytest.raises((ValueError, TypeError)):
        it.resize_tensor_input(0, shape)


@pytest.mark.parametrize("action", ["invoke", "allocate_tensors", "resize_tensor_input", "signature_runner"])
def test_view_held_across_reallocation_raises(action):
    it = ready()
    views = [it.tensor(i)() for i in range(3)]
    call = {"invoke": it.invoke, "allocate_tensors": it.allocate_tensors,
            "resize_tensor_input": lambda: it.resize_tensor_input(0, [3, 4]),
            "signature_runner": lambda: it.get_signature_runner()(x=np.ones((1, 4), F32), y=np.ones((1, 4), F32)),
            }[action]
    with pytest.raises(RuntimeError):
        call()
    np.testing.assert_array_equal(views[0], np.ones((1, 4), F32))   # still valid
    del views
    gc.collect()
    call()


def test_views_survive_the_interpreter():
    """Deleting the Interpreter while views are alive: the views keep the native interpreter
    (and its arena) alive; reading and writing them stays in bounds (checked by ASan)."""
    it = ready()
    it.invoke()
    views = [it.tensor(i)() for i in range(3)]
    sliced = it.tensor(2)()[0, 1:3]
    del it
    gc.collect()
    for _ in range(3):
        gc.collect()
    np.testing.assert_array_equal(views[2], np.full((1, 4), 3, F32))
    views[0][...] = 5
    sliced[...] = 9
    assert float(views[2].sum()) == 3 + 9 + 9 + 3
    del views
    gc.collect()
    assert float(sliced.sum()) == 18


def test_view_from_a_deleted_interpreters_function():
    it = ready()
    it.invoke()
    f = it.tensor(2)
    del it
    gc.collect()
    np.testing.assert_array_equal(f(), np.full((1, 4), 3, F32))


def test_many_views_and_interpreters_churn():
    keep = []
    for k in range(200):
        it = ready()
        it.invoke()
        if k % 7 == 0:
            keep.append(it.tensor(2)())
        del it
    gc.collect()
    for v in keep:
        np.testing.assert_array_equal(v, np.full((1, 4), 3, F32))


# ---------------------------------------------------------------------------------------------
# Constructor and settings
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["text", [1, 2, 3], 123, np.zeros(16, np.uint8), object()])
def test_model_content_of_the_wrong_type(content):
    with pytest.raises((TypeError, ValueError)):
        Interp(content)


@pytest.mark.parametrize("content", [b"", b"\0", b"TFL3", bytes(64), b"\xff" * 64, bytearray(b"\x10\0\0\0TFL3")])
def test_model_content_garbage(content):
    import tflite_rt
    with pytest.raises(tflite_rt.ModelError):
        Interp(content)


def test_bytearray_content_is_copied():
    data = bytearray(add_model())
    it = Interp(data)
    data[:] = bytes(len(data))          # scribbling over the caller's buffer must not matter
    it.allocate_tensors()
    it.set_tensor(0, np.ones((1, 4), F32))
    it.set_tensor(1, np.ones((1, 4), F32))
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(2), np.full((1, 4), 2, F32))


@pytest.mark.parametrize("limit", [-1, 2**64, 2**70, 1.5, "1"])
def test_bad_arena_limit(limit):
    with pytest.raises((ValueError, TypeError)):
        Interp(arena_limit=limit)


@pytest.mark.parametrize("n", [2**31, 2**40, -5, 0])
def test_bad_num_threads(n):
    with pytest.raises(ValueError):
        Interp(num_threads=n)
    it = Interp()
    with pytest.raises(ValueError):
        it.set_num_threads(n)


def test_signature_runner_misuse():
    it = Interp(add_model(signature=[-1, 4]))
    run = it.get_signature_runner()
    with pytest.raises(ValueError):
        run(x=np.ones((1, 4), F32))                         # missing input
    with pytest.raises(ValueError):
        run(x=np.ones((1, 4), F32), z=np.ones((1, 4), F32))
    with pytest.raises(ValueError):
        run(x=np.ones((1, 4), np.float64), y=np.ones((1, 4), F32))
    with pytest.raises((ValueError, RuntimeError)):
        run(x=np.ones((3, 4), F32), y=np.ones((2, 4), F32))  # shapes that do not broadcast
    huge = np.broadcast_to(np.float32(0), (2**31, 4))        # zero-stride: 2**31 rows, no memory
    with pytest.raises((ValueError, MemoryError)):
        run(x=huge, y=huge)
    out = run(x=np.ones((2, 4), F32), y=np.ones((2, 4), F32))
    np.testing.assert_array_equal(out["out"], np.full((2, 4), 2, F32))
