"""DENSIFY (sparse constant -> dense tensor) against LiteRT BUILTIN_REF, with numpy as the
fallback expectation, and the refusal of sparse constants anywhere else.

Formats: CSR matrices (dim 0 dense, dim 1 sparse), a permuted traversal order (column-major
CSR), a 3-D tensor with a sparse middle level, and block-sparse matrices (1x4 and 2x2 dense
blocks, the layouts the TFLite converter writes for sparse FULLY_CONNECTED weights). Types:
float32, float16, int8. DENSIFY feeding FULLY_CONNECTED and CONV_2D weights, and a sparse
weight read directly by FULLY_CONNECTED / CONV_2D (must fail with UnsupportedOpError).
"""
import numpy as np
import pytest

from tests.ops.helpers import EXACT
from tests.oracle import check, rt_interpreter, rt_module
from tests.tflite_builder import ModelBuilder, csr_sparsity



def sparse_dense(rng, shape, dtype, density=0.3):
    x = rng.standard_normal(shape) * 4
    x[rng.random(shape) > density] = 0
    return x.astype(dtype)


def encode(dense, traversal, block_map=(), block_sizes=(), sparse_levels=()):
    """Our own encoder of the TFLite sparse format, for tests: levels follow `traversal`
    (tensor dims then block dims); `sparse_levels` lists the levels stored as SPARSE_CSR."""
    dense = np.asarray(dense)
    n = dense.ndim
    blocked = list(dense.shape)
    for d, bs in zip(block_map, block_sizes):
        assert blocked[d] % bs == 0
        blocked[d] //= bs
    ext = blocked + list(block_sizes)  # extent of every expanded dim
    L = len(traversal)

    def dense_index(coord):  # coord per level -> dense multi-index
        idx = [0] * n
        for lvl in range(n):
            idx[traversal[lvl]] = coord[lvl]
        for lvl in range(n, L):
            b = traversal[lvl] - n
            d = block_map[b]
            idx[d] = idx[d] * block_sizes[b] + coord[lvl]
        return tuple(idx)

    # Enumerate every full coordinate in traversal order; a subtree is kept when it holds a
    # non-zero (only sparse levels drop children).
    meta = [{"format": "DENSE", "dense_size": ext[traversal[lvl]]} if lvl not in sparse_levels
            else {"format": "SPARSE_CSR", "array_segments": [0], "array_indices": []} for lvl in range(L)]
    values = []

    def nonzero_below(coord, lvl):
        if lvl == L:
            return dense[dense_index(coord)] != 0
        return any(nonzero_below(coord + [i], lvl + 1) for i in range(ext[traversal[lvl]]))

    def visit_segments(coord, lvl):
        if lvl == L:
            values.append(dense[dense_index(coord)])
            return
        m = meta[lvl]
        for i in range(ext[traversal[lvl]]):
            if m["format"] == "SPARSE_CSR":
                if not nonzero_below(coord + [i], lvl + 1):
                    continue
                m["array_indices"].append(i)
            visit_segments(coord + [i], lvl + 1)
        if m["format"] == "SPARSE_CSR":
            m["array_segments"].append(len(m["array_indices"]))

    visit_segments([], 0)
    # A sparse level closes one segment per position of the previous level: every position
    # of a dense level is visited, and the visited positions of a sparse level are exactly
    # its stored indices, so closing once per visit is right.
    sparsity = {"traversal_order": list(traversal), "dim_metadata": meta}
    if block_map:
        sparsity["block_map"] = list(block_map)
    return np.array(values, dtype=dense.dtype), sparsity


def densify_model(dense, values, sparsity, extra_output=False):
    b = ModelBuilder()
    w = b.const("w_sparse", values, shape=list(dense.shape), sparsity=sparsity)
    y = b.tensor("dense", list(dense.shape), dense.dtype)
    b.op("DENSIFY", [w], [y])
    x = b.input("x", [1], np.float32)  # LiteRT needs a graph input to run a model
    z = b.tensor("x_copy", [1], np.float32)
    b.op("RESHAPE", [x, b.const("shape", np.array([1], np.int32))], [z])
    b.output(y)
    b.output(z)
    return b.build()


CASES = [
    # shape, traversal, block_map, block_sizes, sparse_levels
    ((4, 6), (0, 1), (), (), (1,)),
    ((5, 3), (1, 0), (), (), (1,)),  # column-major CSR
    ((7, 9), (0, 1), (), (), (0, 1)),  # both levels sparse
    ((3, 4, 5), (0, 1, 2), (), (), (1,)),
    ((3, 4, 5), (2, 0, 1), (), (), (2,)),
    ((4, 8), (0, 1, 2), (1,), (4,), (1,)),  # 1x4 blocks
    ((4, 6), (0, 1, 2, 3), (0, 1), (2, 2), (1,)),  # 2x2 blocks
    ((1, 1), (0, 1), (), (), (1,)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-t{c[1]}-b{c[2]}")
def test_densify(case, dtype):
    shape, trav, bmap, bsz, sparse = case
    rng = np.random.default_rng(hash((shape, trav)) % 2**32)
    dense = sparse_dense(rng, shape, dtype)
    if bmap:  # zero whole blocks so the block structure matters
        dense = dense.copy()
        dense[..., :1] = 0
    values, sp = encode(dense, trav, bmap, bsz, sparse)
    if values.size == 0:  # an all-zero tensor stores no values (an empty buffer = no data)
        dense.flat[0] = 1
        values, sp = encode(dense, trav, bmap, bsz, sparse)
    model = densify_model(dense, values, sp)
    x = np.array([1.5], np.float32)
    got = check(model, [x], expected=[dense, x], tol=EXACT)
    np.testing.assert_array_equal(got[0], dense)


def test_densify_csr_helper_and_output_is_constant():
    dense = np.array([[0, 1.5, 0, 0], [0, 0, 0, 0], [2, 0, 0, -3]], np.float32)
    values, sp = csr_sparsity(dense)
    model = densify_model(dense, values, sp)
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], np.array([1.0], np.float32))
    it.invoke()
    out = it.get_output_details()[0]["index"]
    np.testing.assert_array_equal(it.get_tensor(out), dense)
    it.invoke()  # computed once, still there
    np.testing.assert_array_equal(it.get_tensor(out), dense)


def fc_model(w_dense, dtype=np.float32, densify=True):
    rng = np.random.default_rng(3)
    n_out, n_in = w_dense.shape
    b = ModelBuilder()
    x = b.input("x", [2, n_in], np.float32)
    values, sp = csr_sparsity(w_dense)
    ws = b.const("w_sparse", values, shape=[n_out, n_in], sparsity=sp)
    if densify:
        w = b.tensor("w", [n_out, n_in], np.float32)
        b.op("DENSIFY", [ws], [w])
    else:
        w = ws
    bias = b.const("bias", rng.standard_normal(n_out).astype(np.float32))
    y = b.tensor("y", [2, n_out], np.float32)
    b.op("FULLY_CONNECTED", [x, w, bias], [y])
    b.output(y)
    return b.build()


def conv_model(w_dense, densify=True):
    co, kh, kw, ci = w_dense.shape
    b = ModelBuilder()
    x = b.input("x", [1, 5, 5, ci], np.float32)
    values, sp = encode(w_dense, (0, 1, 2, 3), (), (), (3,))
    ws = b.const("w_sparse", values, shape=list(w_dense.shape), sparsity=sp)
    if densify:
        w = b.tensor("w", list(w_dense.shape), np.float32)
        b.op("DENSIFY", [ws], [w])
    else:
        w = ws
    bias = b.const("bias", np.zeros(co, np.float32))
    y = b.tensor("y", [1, 5, 5, co], np.float32)
    b.op("CONV_2D", [x, w, bias], [y], options={"padding": "SAME"})
    b.output(y)
    return b.build()


def test_densify_feeds_fully_connected():
    rng = np.random.default_rng(0)
    w = sparse_dense(rng, (6, 10), np.float32)
    x = rng.standard_normal((2, 10)).astype(np.float32)
    check(fc_model(w), [x], expected=[x @ w.T + 0])  # bias differs; LiteRT is the oracle


def test_densify_feeds_conv():
    rng = np.random.default_rng(1)
    w = sparse_dense(rng, (4, 3, 3, 2), np.float32)
    x = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    check(conv_model(w), [x])


@pytest.mark.parametrize("op", ["FULLY_CONNECTED", "CONV_2D"])
def test_sparse_weights_without_densify_are_unsupported(op):
    rng = np.random.default_rng(2)
    if op == "FULLY_CONNECTED":
        model = fc_model(sparse_dense(rng, (6, 10), np.float32), densify=False)
    else:
        model = conv_model(sparse_dense(rng, (4, 3, 3, 2), np.float32), densify=False)
    it = rt_interpreter(model_content=model)
    err = getattr(rt_module(), "UnsupportedOpError", ValueError)
    with pytest.raises(err) as e:
        it.allocate_tensors()
    msg = str(e.value)
    assert op in msg and "sparse" in msg and "DENSIFY" in msg, msg


def test_densify_rejects_dense_input():
    b = ModelBuilder()
    w = b.const("w", np.ones((2, 2), np.float32))
    y = b.tensor("y", [2, 2], np.float32)
    b.op("DENSIFY", [w], [y])
    x = b.input("x", [1], np.float32)
    b.output(y)
    b.output(x)
    it = rt_interpreter(model_content=b.build())
    with pytest.raises((RuntimeError, ValueError)) as e:
        it.allocate_tensors()
    assert "sparse constant" in str(e.value)
