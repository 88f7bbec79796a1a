"""REVERSE_SEQUENCE against LiteRT BUILTIN_REF (numpy fallback): every (seq_dim, batch_dim)
pair of ranks 2..4 (batch before and after seq), int32/int64 lengths including 0, the full
length and negative ones, dtypes, and a too-long length (an error here)."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder



def np_revseq(x, lengths, seq_dim, batch_dim):
    out = x.copy()
    for b, L in enumerate(lengths):
        L = max(int(L), 0)
        src = [slice(None)] * x.ndim
        src[batch_dim] = b
        src[seq_dim] = slice(0, L)
        dst = list(src)
        dst[seq_dim] = slice(L - 1, None, -1) if L > 0 else slice(0, 0)
        out[tuple(dst)] = x[tuple(src)]
    return out


def model(shape, dtype, seq_dim, batch_dim, len_dtype=np.int32, lengths=None):
    b = ModelBuilder()
    x = b.input("x", list(shape), dtype)
    if lengths is None:
        ln = b.input("len", [shape[batch_dim]], len_dtype)
    else:
        ln = b.const("len", lengths)
    y = b.tensor("y", list(shape), dtype)
    b.op("REVERSE_SEQUENCE", [x, ln], [y], options={"seq_dim": seq_dim, "batch_dim": batch_dim})
    b.output(y)
    return b.build()


CASES = [((3, 5), 1, 0), ((5, 3), 0, 1), ((2, 4, 3), 1, 0), ((2, 4, 3), 2, 0), ((4, 2, 3), 0, 2),
         ((2, 3, 4, 2), 2, 1), ((2, 3, 4, 2), 1, 3), ((3, 2, 2, 5), 3, 0)]


@pytest.mark.parametrize("shape,seq_dim,batch_dim", CASES)
@pytest.mark.parametrize("len_dtype", [np.int32, np.int64])
def test_reverse_sequence(shape, seq_dim, batch_dim, len_dtype):
    rng = np.random.default_rng(sum(shape) + seq_dim)
    x = rng.standard_normal(shape).astype(np.float32)
    lengths = rng.integers(0, shape[seq_dim] + 1, size=shape[batch_dim]).astype(len_dtype)
    lengths[0] = shape[seq_dim]
    if lengths.size > 1:
        lengths[1] = 0
    check(model(shape, np.float32, seq_dim, batch_dim, len_dtype), [x, lengths],
          expected=[np_revseq(x, lengths, seq_dim, batch_dim)], tol=EXACT)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.int64])
def test_reverse_sequence_dtypes(dtype):
    x = np.arange(24).reshape(2, 3, 4).astype(dtype)
    lengths = np.array([3, 2], np.int32)
    check(model(x.shape, dtype, 1, 0), [x, lengths], expected=[np_revseq(x, lengths, 1, 0)], tol=EXACT)


def test_reverse_sequence_negative_length_copies():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    lengths = np.array([-3, 4, 2], np.int32)
    check(model(x.shape, np.float32, 1, 0), [x, lengths], expected=[np_revseq(x, lengths, 1, 0)], tol=EXACT)


def test_reverse_sequence_too_long_fails():
    it = rt_interpreter(model_content=model((2, 3), np.float32, 1, 0))
    it.allocate_tensors()
    feeds = [np.zeros((2, 3), np.float32), np.array([1, 4], np.int32)]
    for d, v in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], v)
    with pytest.raises(RuntimeError, match="longer than the sequence"):
        it.invoke()


def test_reverse_sequence_bad_dims():
    with pytest.raises((RuntimeError, ValueError), match="seq_dim"):
        rt_interpreter(model_content=model((2, 3), np.float32, 0, 0)).allocate_tensors()
