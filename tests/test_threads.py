"""Threads and memory: interpreters used from Python threads.

  - many interpreters invoked concurrently (invoke releases the GIL) give the serial results;
  - one interpreter used from several threads at once is serialized by its C lock: every
    output read is a whole result of some invoke (never torn), and racing resize/allocate/invoke
    calls either work or raise a clean exception;
  - creating and destroying 10,000 interpreters (with thread pools too) does not grow RSS or
    the thread count beyond a bound.
No timing assertions.
"""
import gc
import os
import threading

import numpy as np
import pytest

from tests.tflite_builder import ModelBuilder

F32 = np.float32
MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
CLEAN = (ValueError, RuntimeError)  # an arena over the limit: OutOfMemoryError, a RuntimeError


def Interp(**kw):
    from tflite_rt.interpreter import Interpreter
    return Interpreter(**kw)


def add_model(n=256):
    b = ModelBuilder()
    x = b.input("x", [1, n], F32, shape_signature=[-1, n])
    y = b.input("y", [1, n], F32, shape_signature=[-1, n])
    t = b.tensor("t", [1, n], F32, shape_signature=[-1, n])
    out = b.tensor("out", [1, n], F32, shape_signature=[-1, n])
    b.op("ADD", [x, y], [t])
    b.op("MUL", [t, b.const("two", np.array([2.0], F32))], [out])
    b.output(out)
    return b.build()


def _model_paths():
    names = ["mnist__fp32", "mnist__int8", "mnist__int16x8", "mnist__dr"]
    return [os.path.join(MODELS_DIR, n + ".tflite") for n in names
            if os.path.exists(os.path.join(MODELS_DIR, n + ".tflite"))]


def _inputs(it, seed):
    rng = np.random.default_rng(seed)
    out = []
    for d in it.get_input_details():
        if np.issubdtype(d["dtype"], np.floating):
            out.append(rng.standard_normal(d["shape"]).astype(d["dtype"]))
        else:
            info = np.iinfo(d["dtype"])
            out.append(rng.integers(info.min, info.max, d["shape"], endpoint=True).astype(d["dtype"]))
    return out


def _run(it, inputs):
    for d, v in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], v)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def _run_threads(fn, n):
    errors = []

    def wrap(k):
        try:
            fn(k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# ---------------------------------------------------------------------------------------------
# Many interpreters at once
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("num_threads", [1, 2])
def test_concurrent_interpreters_match_serial(num_threads):
    paths = _model_paths() or [None]
    jobs = []
    for k in range(12):
        path = paths[k % len(paths)]
        jobs.append((path, k))

    def make(path):
        if path is None:
            return Interp(model_content=add_model(), num_threads=num_threads)
        return Interp(model_path=path, num_threads=num_threads)

    expected = {}
    for path, seed in jobs:
        it = make(path)
        it.allocate_tensors()
        expected[(path, seed)] = _run(it, _inputs(it, seed))

    got = {}

    def work(k):
        path, seed = jobs[k]
        it = make(path)
        it.allocate_tensors()
        inputs = _inputs(it, seed)
        for _ in range(5):
            out = _run(it, inputs)
            for a, b in zip(out, expected[(path, seed)]):
                np.testing.assert_array_equal(a, b)
        got[k] = out

    _run_threads(work, len(jobs))
    assert len(got) == len(jobs)


def test_shared_model_bytes_many_interpreters():
    """One bytes object, many interpreters created and run in parallel threads."""
    data = add_model()
    x = np.arange(256, dtype=F32).reshape(1, 256)

    def work(k):
        for _ in range(20):
            it = Interp(model_content=data)
            it.allocate_tensors()
            out = _run(it, [x, x + k])
            np.testing.assert_array_equal(out[0], 2 * (2 * x + k))

    _run_threads(work, 8)


# ---------------------------------------------------------------------------------------------
# One interpreter, several threads
# ---------------------------------------------------------------------------------------------

def test_one_interpreter_from_many_threads_is_never_torn():
    """Threads set uniform inputs (x = y = k), invoke and read the output. Interleavings may
    mix inputs of different threads, but every output read must be uniform: a whole result of
    one invoke (2 * (a + b) for some a, b that were set), never half of one and half of another."""
    it = Interp(model_content=add_model(4096))
    it.allocate_tensors()
    values = set()
    out_index = it.get_output_details()[0]["index"]
    it.set_tensor(0, np.full((1, 4096), 1.0, F32))
    it.set_tensor(1, np.full((1, 4096), 1.0, F32))

    def work(k):
        v = np.full((1, 4096), float(k + 1), F32)
        for _ in range(200):
            it.set_tensor(0, v)
            it.set_tensor(1, v)
            it.invoke()
            out = it.get_tensor(out_index)
            first = out[0, 0]
            assert np.all(out == first), "torn output"
            values.add(float(first))

    _run_threads(work, 6)
    valid = {2.0 * (a + b) for a in range(1, 7) for b in range(1, 7)}
    assert values <= valid


def test_racing_resize_allocate_invoke_is_clean():
    """One thread resizes and re-allocates while others set, invoke and read: each call works or
    raises a clean exception (shape mismatch, not allocated); nothing crashes or corrupts."""
    it = Interp(model_content=add_model(64))
    it.allocate_tensors()
    stop = threading.Event()
    counts = {"ok": 0, "clean": 0}
    lock = threading.Lock()

    def resizer(_):
        try:
            for k in range(300):
                rows = 1 + k % 3
                try:
                    it.resize_tensor_input(0, [rows, 64])
                    it.resize_tensor_input(1, [rows, 64])
                    it.allocate_tensors()
                except CLEAN:
                    pass
        finally:
            stop.set()

    def user(k):
        n = 0
        while not stop.is_set() or n < 50:
            n += 1
            try:
                rows = it.get_input_details()[0]["shape"][0]
                v = np.full((rows, 64), float(k), F32)
                it.set_tensor(0, v)
                it.set_tensor(1, v)
                it.invoke()
                out = it.get_tensor(2)
                assert np.all(out == out.flat[0]) if out.size else True
                with lock:
                    counts["ok"] += 1
            except CLEAN:
                with lock:
                    counts["clean"] += 1

    _run_threads(lambda k: resizer(k) if k == 0 else user(k), 4)
    it.resize_tensor_input(0, [2, 64])
    it.resize_tensor_input(1, [2, 64])
    it.allocate_tensors()
    out = _run(it, [np.ones((2, 64), F32), np.ones((2, 64), F32)])
    np.testing.assert_array_equal(out[0], np.full((2, 64), 4, F32))
    assert counts["ok"] + counts["clean"] >= 150


def test_views_racing_reallocation_are_refused_not_dangling():
    """tensor() views from one thread while another resizes, allocates and invokes: a view is
    either refused (RuntimeError: a call that moves memory is running; ValueError: no data yet)
    or valid for as long as it lives (allocate/invoke refuse while it exists). Under ASan a
    view into a freed arena would be reported here."""
    import sys
    it = Interp(model_content=add_model(64))
    it.allocate_tensors()
    stop = threading.Event()
    seen = {"views": 0, "refused": 0}
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: hit the windows between check and call
    try:
        def reallocator(_):
            try:
                for k in range(3000):
                    try:
                        it.resize_tensor_input(0, [1 + k % 5, 64])
                        it.resize_tensor_input(1, [1 + k % 5, 64])
                        it.allocate_tensors()
                        it.invoke()
                    except RuntimeError:
                        pass
            finally:
                stop.set()

        def viewer(_):
            while not stop.is_set():
                try:
                    v = it.tensor(0)()
                except (RuntimeError, ValueError):
                    seen["refused"] += 1
                    continue
                total = 0.0
                for _ in range(3):
                    total += float(v.sum())
                seen["views"] += 1
                del v

        _run_threads(lambda k: reallocator(k) if k == 0 else viewer(k), 3)
    finally:
        sys.setswitchinterval(old)
    gc.collect()
    it.resize_tensor_input(0, [2, 64])
    it.resize_tensor_input(1, [2, 64])
    it.allocate_tensors()
    out = _run(it, [np.ones((2, 64), F32), np.ones((2, 64), F32)])
    np.testing.assert_array_equal(out[0], np.full((2, 64), 4, F32))


def test_threads_with_a_thread_pool_interpreter():
    it = Interp(model_content=add_model(1 << 14), num_threads=4)
    it.allocate_tensors()

    def work(k):
        v = np.full((1, 1 << 14), float(k), F32)
        for _ in range(50):
            it.set_tensor(0, v)
            it.set_tensor(1, v)
            it.invoke()
            out = it.get_tensor(3)
            assert np.all(out == out[0, 0])

    _run_threads(work, 4)


def test_set_num_threads_while_invoking():
    it = Interp(model_content=add_model(1 << 14), num_threads=2)
    it.allocate_tensors()
    x = np.ones((1, 1 << 14), F32)

    def work(k):
        for j in range(40):
            if k == 0:
                it.set_num_threads(1 + j % 4)
            else:
                out = _run(it, [x, x])
                np.testing.assert_array_equal(out[0], np.full_like(x, 4))

    _run_threads(work, 3)


# ---------------------------------------------------------------------------------------------
# Memory and threads do not leak
# ---------------------------------------------------------------------------------------------

def _rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def _threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def _churn(n, data, paths):
    x = np.ones((1, 256), F32)
    for k in range(n):
        if paths and k % 10 == 0:
            it = Interp(model_path=paths[(k // 10) % len(paths)])
            it.allocate_tensors()
            it.invoke()
        else:
            it = Interp(model_content=data, num_threads=2 if k % 50 == 0 else 1)
            it.allocate_tensors()
            _run(it, [x, x])
            if k % 3 == 0:
                v = it.tensor(2)()
                del v
        del it


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_create_destroy_10000_interpreters_does_not_grow():
    data = add_model()
    paths = _model_paths()
    _churn(300, data, paths)               # warm up allocators and caches
    gc.collect()
    rss0, threads0 = _rss_kb(), _threads()
    _churn(10000, data, paths)
    gc.collect()
    rss1, threads1 = _rss_kb(), _threads()
    growth_mb = (rss1 - rss0) / 1024
    # generous under ASan (quarantine holds freed blocks); a leak of even 2 KB per interpreter
    # would be 20 MB
    limit = 300 if os.environ.get("LD_PRELOAD", "").find("asan") >= 0 else 20
    assert growth_mb < limit, f"RSS grew by {growth_mb:.1f} MB over 10,000 interpreters"
    assert threads1 <= threads0, f"threads: {threads0} -> {threads1}"
