"""HASHTABLE_LOOKUP against LiteRT BUILTIN_REF (numpy fallback): hits and misses, value ranks
1..3, several value types."""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check
from tests.tflite_builder import ModelBuilder



@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.int64])
@pytest.mark.parametrize("value_shape", [(5,), (5, 3), (5, 2, 2)])
@pytest.mark.parametrize("const_table", [True, False])
def test_hashtable_lookup(dtype, value_shape, const_table):
    rng = np.random.default_rng(len(value_shape))
    keys = np.array([-7, 0, 3, 12, 2**30], np.int32)
    values = rng.integers(1, 100, size=value_shape).astype(dtype)
    lookup = np.array([3, 4, -7, 2**30, 12, 0, 99, 3], np.int32)
    b = ModelBuilder()
    tl = b.input("lookup", [lookup.size], np.int32)
    if const_table:
        tk, tv = b.const("keys", keys), b.const("values", values)
    else:
        tk, tv = b.input("keys", [5], np.int32), b.input("values", list(value_shape), dtype)
    out = b.tensor("out", [lookup.size] + list(value_shape[1:]), dtype)
    hits = b.tensor("hits", [lookup.size], np.uint8)
    b.op("HASHTABLE_LOOKUP", [tl, tk, tv], [out, hits])
    b.output(out)
    b.output(hits)
    pos = {int(k): i for i, k in enumerate(keys)}
    exp = np.zeros((lookup.size,) + value_shape[1:], dtype)
    exp_hits = np.zeros(lookup.size, np.uint8)
    for i, k in enumerate(lookup):
        if int(k) in pos:
            exp[i] = values[pos[int(k)]]
            exp_hits[i] = 1
    feeds = [lookup] if const_table else [lookup, keys, values]
    check(b.build(), feeds, expected=[exp, exp_hits], tol=EXACT)
