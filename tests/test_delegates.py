"""Delegates: the plugin ABI (csrc/include/tflite_rt/delegate.h), loading, partitioning, CPU
fallback, lifetimes, and the shipped refcheck delegate.

Two plugins are used:
  - tests/delegates/test_delegate.c, compiled here with the system C compiler into a temporary
    folder (in several variants, to test every loading failure). It claims the float32 op types
    named in its `ops` option and runs them itself.
  - refcheck, shipped with the package (tflite_rt.delegates.path("refcheck")), on the corpus
    models in ../shared/models and on one-op models of every op and type it runs.
A delegate changes where nodes run, never results: every test compares with the CPU-only run
(integers bit-exact, float32 within tests/tolerances.py). The refcheck corpus and op sweeps compare
with the CPU run on the reference kernels (BUILTIN_REF), so they test the delegate, not the SIMD
kernels; the mobilenet test compares with the default CPU run as well.
"""
import gc
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

import tflite_rt
import tflite_rt.delegates
from tflite_rt import _native
from tflite_rt.delegate import format_report
from tests import tolerances
from tests.tflite_builder import ModelBuilder

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TEST_PLUGIN_SRC = os.path.join(HERE, "delegates", "test_delegate.c")
INCLUDE = os.path.join(REPO, "csrc", "include")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "models")
CC = next((c for c in (os.environ.get("CC"), "cc", "gcc", "clang") if c and shutil.which(c)), None)


# ---- helpers ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def plugin(tmp_path_factory):
    """plugin(*defines) -> path of tests/delegates/test_delegate.c built with those -D flags."""
    if CC is None:
        pytest.skip("no C compiler to build the test delegate")
    out = tmp_path_factory.mktemp("delegates")
    cache = {}

    def build(*defines):
        if defines not in cache:
            tag = "".join("_" + d.lstrip("-D").replace("=", "") for d in defines)
            path = str(out / f"libtd{tag}.so")
            cmd = [CC, "-std=c11", "-O1", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror",
                   f"-I{INCLUDE}", *defines, TEST_PLUGIN_SRC, "-o", path, "-lm"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            assert r.returncode == 0, f"building the test delegate failed:\n{' '.join(cmd)}\n{r.stderr}"
            cache[defines] = path
        return cache[defines]

    return build


def refcheck_path():
    return tflite_rt.delegates.path("refcheck")


def run(model, inputs, delegates=None, **kw):
    it = tflite_rt.Interpreter(model_content=model, experimental_delegates=delegates, **kw)
    it.allocate_tensors()
    for det, x in zip(it.get_input_details(), inputs):
        it.set_tensor(det["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()], it


def assert_same(got, want, tol=tolerances.FLOAT32):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        if w.dtype.kind == "f":
            err = np.max(np.abs(g.astype(np.float64) - w)) if w.size else 0.0
            assert err <= tol.bound(np.max(np.abs(w)) if w.size else 0.0), f"max error {err}"
        else:
            np.testing.assert_array_equal(g, w)


def chain_model(ops, shape=(1, 8)):
    """x -> ops[0] -> ops[1] ... ; binary ops take the running value and input y."""
    b = ModelBuilder()
    x = b.input("x", list(shape), np.float32)
    y = b.input("y", list(shape), np.float32)
    cur = x
    for i, op in enumerate(ops):
        t = b.tensor(f"t{i}", list(shape), np.float32)
        b.op(op, [cur] if op in ("TANH", "RELU", "LOGISTIC") else [cur, y], [t])
        cur = t
    b.output(cur)
    return b.build()


def rand_inputs(model, seed=0):
    it = tflite_rt.Interpreter(model_content=model)
    rng = np.random.default_rng(seed)
    out = []
    for d in it.get_input_details():
        if d["dtype"] == np.float32:
            out.append(rng.standard_normal(d["shape"]).astype(np.float32))
        else:
            out.append(rng.integers(-128, 128, d["shape"]).astype(d["dtype"]))
    return out


def report_partitions(it, sg=0):
    return [p["nodes"] for p in it.delegate_report(sg)["partitions"]]


# ---- the partitioner as a pure function ----------------------------------------------------

def partition(ins, outs, sup, n_tensors=None, **kw):
    n_tensors = n_tensors or (max([t for l in ins + outs for t in l] + [0]) + 1)
    subsets, found = _native.partition_graph(n_tensors, ins, outs, sup, **kw)
    return subsets, found


def test_partition_interleaved_chain():
    # t0 -> n0 -> t1 -> n1 -> t2 -> ... : supported, unsupported, supported, unsupported, supported
    ins = [[0], [1], [2], [3], [4]]
    outs = [[1], [2], [3], [4], [5]]
    subsets, found = partition(ins, outs, [1, 0, 1, 0, 1])
    assert subsets == [(True, [0]), (False, [1]), (True, [2]), (False, [3]), (True, [4])]
    assert found == 3
    subsets, _ = partition(ins, outs, [1, 1, 0, 1, 1])
    assert subsets == [(True, [0, 1]), (False, [2]), (True, [3, 4])]


def test_partition_greedy_merges_branches_and_keeps_order_when_asked():
    # branch 1: n0 (S) -> n1 (U) -> t2 ; branch 2: n2 (S) -> n3 (S) -> t4 ; both from t0
    ins, outs = [[0], [1], [0], [3]], [[1], [2], [3], [4]]
    subsets, found = partition(ins, outs, [1, 0, 1, 1])
    assert subsets == [(True, [0, 2, 3]), (False, [1])] and found == 1
    subsets, found = partition(ins, outs, [1, 0, 1, 1], greedy=False)
    assert subsets == [(True, [0]), (False, [1]), (True, [2, 3])] and found == 2


def test_partition_never_routes_through_cpu_nodes():
    # n0 (S) -> t1 -> n1 (U) -> t2 -> n2 (S); n2 also reads t1: {n0, n2} would be a cycle
    subsets, found = partition([[0], [1], [1, 2]], [[1], [2], [3]], [1, 0, 1])
    assert subsets == [(True, [0]), (False, [1]), (True, [2])] and found == 2


def test_partition_max_partitions_and_min_nodes():
    # delegated runs of 3, 1 and 2 nodes separated by unsupported nodes
    sup = [1, 1, 1, 0, 1, 0, 1, 1]
    ins = [[i] for i in range(8)]
    outs = [[i + 1] for i in range(8)]
    deleg = lambda s: [nodes for d, nodes in s if d]  # noqa: E731
    s, found = partition(ins, outs, sup)
    assert deleg(s) == [[0, 1, 2], [4], [6, 7]] and found == 3
    s, _ = partition(ins, outs, sup, max_partitions=1)
    assert deleg(s) == [[0, 1, 2]]
    s, _ = partition(ins, outs, sup, max_partitions=2)
    assert deleg(s) == [[0, 1, 2], [6, 7]]
    s, _ = partition(ins, outs, sup, min_nodes=2)
    assert deleg(s) == [[0, 1, 2], [6, 7]]
    s, _ = partition(ins, outs, sup, min_nodes=4)
    assert deleg(s) == []
    # dropped partitions keep their nodes in place, on CPU
    assert [n for _, nodes in s for n in nodes] == list(range(8))


def test_partition_side_effects_keep_their_order():
    # n0 (U, side effect), n1 (S, reads nothing produced), n2 (U, side effect) reads t0 only.
    # Without the side-effect chain greedy would run n2 with n0; with it n2 still follows n0.
    ins, outs = [[0], [0], [0]], [[1], [2], [3]]
    s, _ = partition(ins, outs, [0, 1, 0], side_effect=[1, 0, 1])
    order = [n for _, nodes in s for n in nodes]
    assert order.index(0) < order.index(2)
    # two side-effect nodes that are both supported cannot swap either
    s, _ = partition([[0], [0], [0]], [[1], [2], [3]], [1, 0, 1], side_effect=[1, 1, 1])
    order = [n for _, nodes in s for n in nodes]
    assert order == [0, 1, 2]


def test_partition_without_node_fusion():
    s, found = partition([[0], [1], [2]], [[1], [2], [3]], [1, 1, 1], no_fusion=True)
    assert s == [(True, [0]), (True, [1]), (True, [2])] and found == 3


def test_partition_rejects_graphs_out_of_order():
    with pytest.raises(ValueError, match="execution order"):
        partition([[1], [0]], [[2], [1]], [1, 1])  # node 0 reads t1, written later by node 1


@pytest.mark.parametrize("seed", range(40))
def test_partition_random_graphs_are_valid(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    n_inputs = int(rng.integers(1, 4))
    ins, outs, next_t = [], [], n_inputs
    for k in range(n):
        avail = next_t
        ins.append(sorted({int(rng.integers(0, avail)) for _ in range(int(rng.integers(1, 4)))}))
        outs.append([next_t])
        next_t += 1
    sup = [int(v) for v in rng.integers(0, 2, n)]
    side = [int(v) for v in (rng.random(n) < 0.1)]
    greedy = bool(rng.integers(0, 2))
    s, found = partition(ins, outs, sup, n_tensors=next_t, side_effect=side, greedy=greedy)
    order = [k for _, nodes in s for k in nodes]
    assert sorted(order) == list(range(n))
    pos = {k: i for i, k in enumerate(order)}
    producer = {outs[k][0]: k for k in range(n)}
    for k in range(n):  # every input is produced earlier in the new order: no cycle anywhere
        for t in ins[k]:
            if t in producer:
                assert pos[producer[t]] < pos[k]
    for d, nodes in s:  # homogeneous subsets, each contiguous in the order
        assert all(sup[k] == int(d) for k in nodes) or not d
        assert [pos[k] for k in nodes] == list(range(pos[nodes[0]], pos[nodes[0]] + len(nodes)))
    last = -1
    for k in order:  # side-effect nodes keep their relative order
        if side[k]:
            assert k > last
            last = k
    assert sum(sup) == sum(len(nodes) for d, nodes in s if d)  # no limits: every claim delegated


# ---- applying a delegate ---------------------------------------------------------------------

def test_interleaved_supported_nodes(plugin):
    model = chain_model(["ADD", "TANH", "MUL", "MUL", "TANH", "ADD", "SUB", "ADD"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    rep = it.delegate_report()
    assert report_partitions(it) == [[0], [2, 3], [5], [7]]
    assert [c["index"] for c in rep["cpu_nodes"]] == [1, 4, 6]
    assert rep["delegates"] == [{"delegate": "testdelegate", "supported_nodes": 5, "partitions_found": 4,
                                 "partitions_delegated": 4, "partitions_failed": 0, "active": True,
                                 "fallback_reason": ""}]
    text = format_report(rep)
    assert "4 partitions found" in text and "CPU: 3 nodes [1, 4, 6]" in text


def branch_model():
    """Two branches from x and y, three outputs:
         a = x + y (0); b = tanh(a) (1); c = a * y (2); d = tanh(c) (3); e = c + x (4); f = b * e (5)
       outputs: f, d, a."""
    b = ModelBuilder()
    x = b.input("x", [2, 3], np.float32)
    y = b.input("y", [2, 3], np.float32)
    t = {k: b.tensor(k, [2, 3], np.float32) for k in "abcdef"}
    b.op("ADD", [x, y], [t["a"]])
    b.op("TANH", [t["a"]], [t["b"]])
    b.op("MUL", [t["a"], y], [t["c"]])
    b.op("TANH", [t["c"]], [t["d"]])
    b.op("ADD", [t["c"], x], [t["e"]])
    b.op("MUL", [t["b"], t["e"]], [t["f"]])
    b.output(t["f"], t["d"], t["a"])
    return b.build()


def test_branches_and_multiple_outputs(plugin):
    model = branch_model()
    inputs = rand_inputs(model, 1)
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    # greedy: {0, 2, 4} runs first (4 needs only c and x), then the TANHs, then {5}
    assert report_partitions(it) == [[0, 2, 4], [5]]
    parts = it.delegate_report()["partitions"]
    a, b_, c, d_, e, f = 2, 3, 4, 5, 6, 7
    # a: a graph output, c: read by a TANH on CPU, e: read by the second partition
    assert parts[0]["inputs"] == [0, 1] and parts[0]["outputs"] == [a, c, e]
    assert parts[1]["inputs"] == [b_, e] and parts[1]["outputs"] == [f]
    plan = it.delegate_report()["execution_plan"]
    assert plan[0] == parts[0]["node_index"] and plan[-1] == parts[1]["node_index"]
    # not greedy: the original order is kept
    got, it = run(model, inputs, [d], experimental_disable_delegate_clustering=True)
    assert_same(got, want)
    assert report_partitions(it) == [[0], [2], [4, 5]]


def test_internal_tensors_get_no_runtime_memory(plugin):
    model = chain_model(["ADD", "MUL", "ADD", "TANH"])
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    _, it = run(model, rand_inputs(model), [d])
    plan = {p["name"]: p for p in it.memory_plan()}
    assert plan["t0"]["mem"] == "none" and plan["t1"]["mem"] == "none"  # inside the partition
    assert plan["t2"]["mem"] == "arena"                                 # read by TANH on CPU
    with pytest.raises(ValueError):
        it.get_tensor(plan["t0"]["index"])


def test_ops_details_show_delegate_nodes(plugin):
    model = chain_model(["ADD", "TANH", "MUL"])
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    _, it = run(model, rand_inputs(model), [d])
    ops = it._get_ops_details()
    assert [o["op_name"] for o in ops] == ["ADD", "TANH", "MUL", "DELEGATE", "DELEGATE"]
    assert [o["index"] for o in ops] == [0, 1, 2, 3, 4]
    assert list(ops[3]["inputs"]) == [0, 1] and list(ops[3]["outputs"]) == [2]
    assert it._get_op_details(4)["op_name"] == "DELEGATE"
    assert ops[3]["operand_types"] == [np.float32, np.float32]


def test_max_delegated_partitions_and_min_nodes_per_partition(plugin):
    model = chain_model(["ADD", "ADD", "ADD", "TANH", "MUL", "TANH", "ADD", "MUL"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    cases = [({}, [[0, 1, 2], [4], [6, 7]]),
             ({"max_delegated_partitions": 1}, [[0, 1, 2]]),
             ({"max_delegated_partitions": "2"}, [[0, 1, 2], [6, 7]]),
             ({"min_nodes_per_partition": 2}, [[0, 1, 2], [6, 7]]),
             ({"min_nodes_per_partition": 3, "max_delegated_partitions": 0}, [[0, 1, 2]]),
             ({"min_nodes_per_partition": 4}, [])]
    for opts, parts in cases:
        d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", **opts})
        got, it = run(model, inputs, [d])
        assert_same(got, want)
        assert report_partitions(it) == parts, opts
        rep = it.delegate_report()["delegates"][0]
        assert rep["partitions_found"] == 3 and rep["partitions_delegated"] == len(parts)
        assert rep["active"] == bool(parts)


def test_disable_node_fusion(plugin):
    model = chain_model(["ADD", "MUL", "TANH", "ADD"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    got, it = run(model, inputs, [d], experimental_disable_delegate_node_fusion=True)
    assert_same(got, want)
    assert report_partitions(it) == [[0], [1], [3]]


def test_two_delegates_apply_in_order(plugin):
    model = chain_model(["ADD", "MUL", "TANH", "ADD", "MUL"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    d1 = tflite_rt.load_delegate(plugin(), {"ops": "ADD"})
    d2 = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL,TANH"})
    got, it = run(model, inputs, [d1, d2])
    assert_same(got, want)
    rep = it.delegate_report()
    # the first delegate takes the ADDs; the second gets what is left and cannot absorb them
    assert [(p["nodes"], p["delegate"]) for p in rep["partitions"]] == [
        ([0], "testdelegate"), ([3], "testdelegate"), ([1, 2], "testdelegate"), ([4], "testdelegate")]
    assert [d["supported_nodes"] for d in rep["delegates"]] == [2, 3]
    assert rep["cpu_nodes"] == []


def test_delegate_in_control_flow_body(plugin):
    b = ModelBuilder()
    cond = b.subgraph("cond")
    ci = cond.input("i", [2], np.float32)
    lim = cond.const("lim", np.array(10, np.float32))
    s = cond.tensor("s", [], np.float32)
    cond.op("SUM", [ci, cond.const("axis", np.array([0], np.int32))], [s])
    c = cond.tensor("c", [], np.bool_)
    cond.op("LESS", [s, lim], [c])
    cond.output(c)
    body = b.subgraph("body")
    bi = body.input("i", [2], np.float32)
    three = body.const("three", np.array([1.5, 2.0], np.float32))
    t = body.tensor("t", [2], np.float32)
    body.op("ADD", [bi, three], [t])
    o = body.tensor("o", [2], np.float32)
    body.op("MUL", [t, body.const("one", np.array([1.0, 1.0], np.float32))], [o])
    body.output(o)
    x = b.input("x", [2], np.float32)
    y = b.tensor("y", [2], np.float32)
    b.op("WHILE", [x], [y], {"cond_subgraph_index": cond.index, "body_subgraph_index": body.index})
    b.output(y)
    model = b.build()
    inputs = [np.array([0.5, 0.0], np.float32)]
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    assert report_partitions(it, 0) == []
    assert report_partitions(it, body.index) == [[0, 1]]


# ---- loading failures: always ValueError, saying what went wrong -----------------------------

LOAD_FAILURES = [
    # (build defines or a special path, options, words the message must contain)
    ("missing", {}, ["Failed to load delegate from", "cannot open the library", "No such file"]),
    ("libm", {}, ["does not export tflrt_delegate_create", "not a tflite_rt delegate plugin"]),
    (("-DTD_TFLITE",), {}, ["does not export tflrt_delegate_create", "TensorFlow Lite external delegate"]),
    (("-DTD_NO_DESTROY",), {}, ["does not export tflrt_delegate_destroy"]),
    (("-DTD_ABI=2",), {}, ["built for delegate ABI version 2", "implements version 1"]),
    (("-DTD_ABI=0",), {}, ["built for delegate ABI version 0", "implements version 1"]),
    (("-DTD_SMALL",), {}, ["struct_size 16", "smaller than", "ABI version 1.0"]),
    (("-DTD_NO_INVOKE",), {}, ["does not set the required callback invoke"]),
    ((), {"fail_create": "no accelerator found on bus 3"}, ["returned NULL", "no accelerator found on bus 3"]),
    ((), {"colour": "blue"}, ["unknown option 'colour'"]),
    ((), {"max_delegated_partitions": "many"}, ["max_delegated_partitions must be an integer, got 'many'"]),
]


@pytest.mark.parametrize("what,options,words", LOAD_FAILURES, ids=lambda v: str(v)[:40])
def test_loading_failures_raise_value_error(plugin, capfd, tmp_path, what, options, words):
    if what == "missing":
        library = str(tmp_path / "libnothere.so")
    elif what == "libm":
        library = "libm.so.6"
    else:
        library = plugin(*what)
    with pytest.raises(ValueError) as e:
        tflite_rt.load_delegate(library, options)
    assert type(e.value) is ValueError
    msg = str(e.value)
    assert msg.startswith(f"Failed to load delegate from {library}")
    for w in words:
        assert w in msg, msg
    del e
    gc.collect()
    out, err = capfd.readouterr()
    assert out == "" and err == "", "loading failures must not print anything"


def test_library_argument_types(plugin):
    with pytest.raises(TypeError):
        tflite_rt.load_delegate(42)
    with pytest.raises(TypeError):
        tflite_rt.load_delegate(plugin(), options=[("ops", "ADD")])
    d = tflite_rt.load_delegate(os.fsencode(plugin()), {"ops": 1})  # bytes path, str() of values
    assert d.options == {"ops": "1"}


def test_plugin_built_against_abi_1_0_works(plugin):
    """A plugin compiled with the 1.0 header (its struct ends before `version`) loads and runs."""
    model = chain_model(["ADD", "TANH", "MUL"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    full = tflite_rt.load_delegate(plugin()).abi[1]
    d = tflite_rt.load_delegate(plugin("-DTD_V1_0"), {"ops": "ADD,MUL"})
    assert d.abi[0] == 1 and d.abi[1] < full and d.version == ""
    if sys.maxsize > 2**32:
        assert d.abi[1] == full - 8  # 1.1 appended one pointer
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    assert report_partitions(it) == [[0], [2]]


def test_plugin_built_against_newer_minor_works(plugin):
    model = chain_model(["ADD", "MUL"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    full = tflite_rt.load_delegate(plugin()).abi[1]
    d = tflite_rt.load_delegate(plugin("-DTD_BIG"), {"ops": "ADD,MUL"})
    assert d.abi[1] == full + 64 and d.version == "1.2.3"
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    assert report_partitions(it) == [[0, 1]]


# ---- plugin failures after loading: CPU fallback ---------------------------------------------

def test_select_failure_keeps_cpu_plan(plugin):
    model = chain_model(["ADD", "TANH", "MUL"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", "fail_select": "graph too large"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    rep = it.delegate_report()
    assert rep["partitions"] == [] and not rep["delegates"][0]["active"]
    assert "failed to select nodes: graph too large" in rep["delegates"][0]["fallback_reason"]


@pytest.mark.parametrize("stage", ["init", "prepare"])
def test_partition_failure_falls_back_to_cpu(plugin, stage):
    model = chain_model(["ADD", "TANH", "MUL", "TANH", "ADD"])
    inputs = rand_inputs(model)
    want, _ = run(model, inputs)
    # every partition fails
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", f"fail_{stage}": "out of on-chip memory"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    rep = it.delegate_report()
    assert rep["partitions"] == [] and [c["index"] for c in rep["cpu_nodes"]] == [0, 1, 2, 3, 4]
    info = rep["delegates"][0]
    assert not info["active"] and info["partitions_failed"] == 3 and info["partitions_delegated"] == 0
    assert "out of on-chip memory" in info["fallback_reason"]
    assert "partition of nodes 2" in info["fallback_reason"]
    assert "DELEGATE" not in [o["op_name"] for o in it._get_ops_details()]
    # only the partition holding node 2 fails: the others stay delegated
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", f"fail_{stage}": "no", "fail_nodes": "2"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    assert report_partitions(it) == [[0], [4]]
    info = it.delegate_report()["delegates"][0]
    assert info["active"] and info["partitions_failed"] == 1 and info["partitions_delegated"] == 2
    it.invoke()  # and it keeps working
    assert_same([it.get_tensor(it.get_output_details()[0]["index"])], want)


def test_dynamic_shapes_send_the_partition_to_cpu(plugin):
    """A partition whose input gets its shape only at run time cannot be prepared: CPU fallback."""
    b = ModelBuilder()
    x = b.input("x", [6], np.float32)
    shape = b.input("shape", [2], np.int32)
    r = b.tensor("r", [2, 3], np.float32)
    b.op("RESHAPE", [x, shape], [r])
    o = b.tensor("o", [2, 3], np.float32)
    b.op("ADD", [r, r], [o])
    b.output(o)
    model = b.build()
    inputs = [np.arange(6, dtype=np.float32), np.array([3, 2], np.int32)]
    want, _ = run(model, inputs)
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD"})
    got, it = run(model, inputs, [d])
    assert_same(got, want)
    info = it.delegate_report()["delegates"][0]
    assert not info["active"] and "shape known only at run time" in info["fallback_reason"]


def test_invoke_failure_raises_runtime_error(plugin):
    model = chain_model(["ADD", "TANH"])
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD", "fail_invoke": "device lost"})
    it = tflite_rt.Interpreter(model_content=model, experimental_delegates=[d])
    it.allocate_tensors()
    with pytest.raises(RuntimeError, match=r"Node 2 \(DELEGATE\) failed to invoke: delegate 'testdelegate', "
                                           r"partition of nodes 0: device lost"):
        it.invoke()


def test_non_delegate_objects_are_refused():
    model = chain_model(["ADD"])
    with pytest.raises(TypeError, match="tflite_rt.load_delegate"):
        tflite_rt.Interpreter(model_content=model, experimental_delegates=[object()])


# ---- lifetimes, sharing, threads, resize -----------------------------------------------------

def test_many_interpreters_share_one_delegate(plugin, tmp_path, capfd):
    marker = tmp_path / "destroyed.txt"
    model = chain_model(["ADD", "TANH", "MUL"])
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", "destroy_marker": str(marker)})
    its = [tflite_rt.Interpreter(model_content=model, experimental_delegates=[d]) for _ in range(5)]
    del d  # the interpreters keep it alive
    gc.collect()
    assert not marker.exists()
    for k, it in enumerate(its):
        inputs = rand_inputs(model, k)
        it.allocate_tensors()
        for det, x in zip(it.get_input_details(), inputs):
            it.set_tensor(det["index"], x)
        it.invoke()
        want, _ = run(model, inputs)
        assert_same([it.get_tensor(it.get_output_details()[0]["index"])], want)
    del its[:4]
    gc.collect()
    assert not marker.exists()
    del its, it
    gc.collect()
    assert marker.read_text() == "destroyed inits=10 frees=10\n"  # destroyed once, after every free
    assert capfd.readouterr() == ("", "")


def test_freeing_in_any_order(plugin, tmp_path, capfd):
    model = chain_model(["ADD", "MUL"])
    for order in ("delegate first", "interpreter first"):
        marker = tmp_path / f"{order}.txt"
        d = tflite_rt.load_delegate(plugin(), {"ops": "ADD", "destroy_marker": str(marker)})
        _, it = run(model, rand_inputs(model), [d])
        if order == "delegate first":
            del d
            gc.collect()
            it.invoke()
            del it
        else:
            del it
            gc.collect()
            assert not marker.exists()
            del d
        gc.collect()
        assert marker.read_text() == "destroyed inits=1 frees=1\n"
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("serialize", ["0", "1"])
def test_threads_share_one_delegate(plugin, serialize):
    model = chain_model(["ADD", "MUL", "TANH", "ADD"], shape=(64, 64))
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL", "serialize": serialize})
    errors = []

    def worker(k):
        try:
            inputs = rand_inputs(model, k)
            want, _ = run(model, inputs)
            it = tflite_rt.Interpreter(model_content=model, experimental_delegates=[d])
            it.allocate_tensors()
            for _ in range(20):
                for det, x in zip(it.get_input_details(), inputs):
                    it.set_tensor(det["index"], x)
                it.invoke()
                assert_same([it.get_tensor(it.get_output_details()[0]["index"])], want)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_resize_tensor_input_with_delegate(plugin):
    model = chain_model(["ADD", "TANH", "MUL", "ADD"], shape=(1, 4))
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    it = tflite_rt.Interpreter(model_content=model, experimental_delegates=[d])
    for shape in ([1, 4], [3, 5], [2, 7], [1, 4]):
        for det in it.get_input_details():
            it.resize_tensor_input(det["index"], shape)
        it.allocate_tensors()
        rng = np.random.default_rng(len(shape) + shape[1])
        inputs = [rng.standard_normal(shape).astype(np.float32) for _ in range(2)]
        for det, x in zip(it.get_input_details(), inputs):
            it.set_tensor(det["index"], x)
        it.invoke()
        cpu = tflite_rt.Interpreter(model_content=model)
        for det in cpu.get_input_details():
            cpu.resize_tensor_input(det["index"], shape)
        cpu.allocate_tensors()
        for det, x in zip(cpu.get_input_details(), inputs):
            cpu.set_tensor(det["index"], x)
        cpu.invoke()
        out = it.get_tensor(it.get_output_details()[0]["index"])
        assert out.shape == tuple(shape)
        assert_same([out], [cpu.get_tensor(cpu.get_output_details()[0]["index"])])
        assert report_partitions(it) == [[0], [2, 3]]


def test_profiling_times_delegate_nodes(plugin):
    model = chain_model(["ADD", "TANH", "MUL"])
    d = tflite_rt.load_delegate(plugin(), {"ops": "ADD,MUL"})
    _, it = run(model, rand_inputs(model), [d])
    it._native.set_profiling(True)
    it.invoke()
    prof = it._native.node_profile(0)
    assert len(prof) == 5
    assert [c for _, c in prof] == [0, 1, 0, 1, 1]  # ADD and MUL run inside nodes 3 and 4


# ---- refcheck, the shipped delegate ----------------------------------------------------------

def test_refcheck_is_shipped():
    path = refcheck_path()
    assert os.path.isfile(path) and os.path.dirname(path) == os.path.dirname(tflite_rt.delegates.__file__)
    assert "refcheck" in tflite_rt.delegates.available()
    d = tflite_rt.load_delegate(path)
    assert d.name == "refcheck" and d.version and d.abi[0] == 1
    with pytest.raises(ValueError, match="No delegate plugin named 'nope'"):
        tflite_rt.delegates.path("nope")


def corpus_inputs(it, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for d in it.get_input_details():
        if d["dtype"] == np.float32:
            out.append(rng.uniform(-1, 1, d["shape"]).astype(np.float32))
        elif d["dtype"] in (np.int32, np.int64):  # token ids, indices: small and valid
            out.append(rng.integers(0, 10, d["shape"]).astype(d["dtype"]))
        else:
            info = np.iinfo(d["dtype"])
            out.append(rng.integers(info.min, info.max + 1, d["shape"]).astype(d["dtype"]))
    return out


REF = {"experimental_op_resolver_type": tflite_rt.OpResolverType.BUILTIN_REF}


def corpus_run(path, delegates=None, **kw):
    it = tflite_rt.Interpreter(model_path=path, experimental_delegates=delegates, **kw)
    it.allocate_tensors()
    outs = []
    for seed in range(2):
        for det, x in zip(it.get_input_details(), corpus_inputs(it, seed)):
            it.set_tensor(det["index"], x)
        it.invoke()
        outs += [it.get_tensor(d["index"]) for d in it.get_output_details()]
    return outs, it


MOBILENET_PARTITIONS = [[*range(0, 27)], [28, 29, 30]]


@pytest.mark.parametrize("name", ["mobilenet_v1_025__int8", "mobilenet_v1_025__fp32"])
def test_refcheck_on_mobilenet(name):
    path = os.path.join(CORPUS, name + ".tflite")
    if not os.path.isfile(path):
        pytest.skip(f"{path} is not available")
    want, _ = corpus_run(path)
    got, it = corpus_run(path, [tflite_rt.load_delegate(refcheck_path(), {"check_finite": 1})])
    assert_same(got, want)  # the default CPU run: int8 bit-exact, float within FLOAT32
    want_ref, _ = corpus_run(path, **REF)
    got_ref, _ = corpus_run(path, [tflite_rt.load_delegate(refcheck_path())], **REF)
    assert_same(got_ref, want_ref)  # the reference CPU kernels (in practice identical)
    rep = it.delegate_report()
    assert report_partitions(it) == MOBILENET_PARTITIONS
    assert rep["cpu_nodes"] == [{"index": 27, "op_name": "MEAN"}]
    assert rep["partitions"][0]["op_names"][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert rep["partitions"][1]["op_names"] == ["CONV_2D", "RESHAPE", "SOFTMAX"]


CORPUS_MODELS = ["mnist__int8", "mnist__fp32", "kws_dscnn__int8", "kws_dscnn__fp32", "mobilenet_v2_100__int8",
                 "mobilenet_v2_100__fp32", "mobilenet_v3_small__int8", "resnet_small__int8", "resnet_small__fp32",
                 "unet__int8", "transformer__int8", "transformer__fp32", "keras_acts__int8", "efficientnet_b0__int8",
                 "mobilenet_v1_025__int8_fio"]


@pytest.mark.parametrize("name", CORPUS_MODELS)
def test_refcheck_on_corpus(name):
    path = os.path.join(CORPUS, name + ".tflite")
    if not os.path.isfile(path):
        pytest.skip(f"{path} is not available")
    want, _ = corpus_run(path, **REF)
    got, it = corpus_run(path, [tflite_rt.load_delegate(refcheck_path())], **REF)
    assert_same(got, want, tolerances.DEQUANTIZED if "fio" in name else tolerances.FLOAT32)
    info = it.delegate_report()["delegates"][0]
    assert info["active"] and info["partitions_failed"] == 0, info


# one-op models of everything refcheck runs

def _q(rng, shape, dtype):
    return rng.integers(-128, 128, shape).astype(np.int8) if dtype == np.int8 else \
        rng.uniform(-2, 2, shape).astype(np.float32)


def _qp(dtype, scale, zp):
    return (scale, zp) if dtype == np.int8 else None


def conv_like(op, dtype, act, padding, stride, dilation, per_channel, rng):
    b = ModelBuilder()
    cin, cout = 3, (6 if op == "DEPTHWISE_CONV_2D" else 4)
    x = b.input("x", [2, 7, 6, cin], dtype, quant=_qp(dtype, 0.05, 3))
    fshape = [1, 3, 2, cout] if op == "DEPTHWISE_CONV_2D" else [cout, 3, 2, cin]
    axis = 3 if op == "DEPTHWISE_CONV_2D" else 0
    if dtype == np.int8:
        scales = list(rng.uniform(0.005, 0.02, cout)) if per_channel else [0.01]
        w = b.const("w", rng.integers(-127, 128, fshape).astype(np.int8),
                    quant={"scales": scales, "zero_points": [0] * len(scales), "axis": axis})
        bias = b.const("b", rng.integers(-500, 500, [cout]).astype(np.int32))
    else:
        w = b.const("w", rng.uniform(-1, 1, fshape).astype(np.float32))
        bias = b.const("b", rng.uniform(-1, 1, [cout]).astype(np.float32))
    y = b.tensor("y", [1], dtype, quant=_qp(dtype, 0.08, -5))
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "fused_activation_function": act,
            "dilation_w_factor": dilation, "dilation_h_factor": dilation}
    if op == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = cout // cin
    b.op(op, [x, w, bias], [y], opts, version=3 if dtype == np.int8 else 1)
    b.output(y)
    return b.build()


def fc_model(dtype, act, per_channel, keep, rng):
    b = ModelBuilder()
    x = b.input("x", [2, 3, 5], dtype, quant=_qp(dtype, 0.04, -2))
    if dtype == np.int8:
        scales = list(rng.uniform(0.005, 0.02, 4)) if per_channel else [0.01]
        w = b.const("w", rng.integers(-127, 128, [4, 5]).astype(np.int8),
                    quant={"scales": scales, "zero_points": [0] * len(scales), "axis": 0})
        bias = b.const("b", rng.integers(-300, 300, [4]).astype(np.int32))
    else:
        w = b.const("w", rng.uniform(-1, 1, [4, 5]).astype(np.float32))
        bias = b.const("b", rng.uniform(-1, 1, [4]).astype(np.float32))
    y = b.tensor("y", [2, 3, 4] if keep else [6, 4], dtype, quant=_qp(dtype, 0.06, 4))
    b.op("FULLY_CONNECTED", [x, w, bias], [y], {"fused_activation_function": act, "keep_num_dims": keep},
         version=7 if per_channel else 4)
    b.output(y)
    return b.build()


def binary_model(op, dtype, act, shapes):
    b = ModelBuilder()
    x = b.input("x", shapes[0], dtype, quant=_qp(dtype, 0.05, 3))
    z = b.input("z", shapes[1], dtype, quant=_qp(dtype, 0.03, -7))
    out_shape = list(np.broadcast_shapes(tuple(shapes[0]), tuple(shapes[1])))
    y = b.tensor("y", out_shape, dtype, quant=_qp(dtype, 0.07 if op == "ADD" else 0.02, 1))
    b.op(op, [x, z], [y], {"fused_activation_function": act}, version=2 if dtype == np.int8 else 1)
    b.output(y)
    return b.build()


def pool_model(op, dtype, act, padding, filt, stride):
    b = ModelBuilder()
    x = b.input("x", [1, 7, 8, 3], dtype, quant=_qp(dtype, 0.05, 3))
    y = b.tensor("y", [1], dtype, quant=_qp(dtype, 0.05, 3))
    b.op(op, [x], [y], {"padding": padding, "stride_w": stride, "stride_h": stride, "filter_width": filt,
                        "filter_height": filt, "fused_activation_function": act}, version=2 if dtype == np.int8 else 1)
    b.output(y)
    return b.build()


def softmax_reshape_model(dtype, beta):
    b = ModelBuilder()
    x = b.input("x", [2, 3, 4], dtype, quant=_qp(dtype, 0.1, 2))
    r = b.tensor("r", [6, 4], dtype, quant=_qp(dtype, 0.1, 2))
    b.op("RESHAPE", [x, b.const("shape", np.array([6, 4], np.int32))], [r])
    y = b.tensor("y", [6, 4], dtype, quant=_qp(dtype, 1 / 256, -128))
    b.op("SOFTMAX", [r], [y], {"beta": beta}, version=2 if dtype == np.int8 else 1)
    b.output(y)
    return b.build()


def op_models():
    rng = np.random.default_rng(7)
    out = []
    for dtype in (np.float32, np.int8):
        dn = "f32" if dtype == np.float32 else "s8"
        for op in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            for act, padding, stride, dilation, pc in [("NONE", "SAME", 1, 1, True), ("RELU", "VALID", 2, 1, False),
                                                       ("RELU6", "SAME", 2, 2, True),
                                                       ("RELU_N1_TO_1", "VALID", 1, 2, True)]:
                out.append((f"{op}-{dn}-{act}-{padding}-s{stride}-d{dilation}-pc{int(pc)}",
                            conv_like(op, dtype, act, padding, stride, dilation, pc, rng)))
        for act, pc, keep in [("NONE", False, False), ("RELU", True, True), ("RELU6", True, False)]:
            out.append((f"FC-{dn}-{act}-pc{int(pc)}-keep{int(keep)}", fc_model(dtype, act, pc, keep, rng)))
        for op in ("ADD", "MUL"):
            for act, shapes in [("NONE", ([2, 3, 4], [2, 3, 4])), ("RELU", ([2, 3, 4], [4])),
                                ("RELU6", ([2, 1, 4], [3, 1])), ("NONE", ([1], [2, 2, 2, 2, 3]))]:
                out.append((f"{op}-{dn}-{act}-{shapes}", binary_model(op, dtype, act, shapes)))
        for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            for act, padding, filt, stride in [("NONE", "SAME", 3, 2), ("RELU6", "VALID", 2, 1), ("RELU", "SAME", 4, 3)]:
                out.append((f"{op}-{dn}-{act}-{padding}-f{filt}-s{stride}", pool_model(op, dtype, act, padding, filt,
                                                                                     stride)))
        for beta in (1.0, 0.5):
            out.append((f"RESHAPE-SOFTMAX-{dn}-beta{beta}", softmax_reshape_model(dtype, beta)))
    return out


OP_MODELS = op_models()


@pytest.mark.parametrize("name,model", OP_MODELS, ids=[n for n, _ in OP_MODELS])
def test_refcheck_ops(name, model):
    inputs = rand_inputs(model, 3)
    want, _ = run(model, inputs, **REF)
    got, it = run(model, inputs, [tflite_rt.load_delegate(refcheck_path())], **REF)
    assert_same(got, want)
    rep = it.delegate_report()
    assert rep["cpu_nodes"] == [] and len(rep["partitions"]) == 1, format_report(rep)


def test_refcheck_options():
    model = chain_model(["ADD", "MUL", "ADD"])
    _, it = run(model, rand_inputs(model), [tflite_rt.load_delegate(refcheck_path(), {"ops": "MUL"})])
    assert report_partitions(it) == [[1]]
    with pytest.raises(ValueError, match="unknown op 'TANH' in option ops"):
        tflite_rt.load_delegate(refcheck_path(), {"ops": "ADD,TANH"})
    with pytest.raises(ValueError, match="check_finite must be 0 or 1, got 'maybe'"):
        tflite_rt.load_delegate(refcheck_path(), {"check_finite": "maybe"})
    with pytest.raises(ValueError, match="refcheck: unknown option 'fast'"):
        tflite_rt.load_delegate(refcheck_path(), {"fast": True})


def test_refcheck_finds_non_finite_values():
    model = chain_model(["MUL", "MUL", "ADD"])
    inputs = [np.full((1, 8), 1e20, np.float32), np.full((1, 8), 1e20, np.float32)]
    d = tflite_rt.load_delegate(refcheck_path(), {"check_finite": 1})
    it = tflite_rt.Interpreter(model_content=model, experimental_delegates=[d])
    it.allocate_tensors()
    for det, x in zip(it.get_input_details(), inputs):
        it.set_tensor(det["index"], x)
    with pytest.raises(RuntimeError, match=r"refcheck: node 0 \(MUL\) wrote infinity to tensor 2 \('t0'\) at element 0"):
        it.invoke()
    run(model, inputs, [tflite_rt.load_delegate(refcheck_path())])  # without the check it runs


@pytest.mark.slow
def test_refcheck_from_an_installed_wheel(tmp_path):
    """pip builds a wheel, installs it into a fresh virtual environment, and the shipped delegate
    loads there with load_delegate() and runs a corpus model."""
    model = os.path.join(CORPUS, "mobilenet_v1_025__int8.tflite")
    if not os.path.isfile(model):
        pytest.skip(f"{model} is not available")
    src = tmp_path / "src"  # build from a copy: pip builds in-tree and must not touch the work tree
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".git", "build", "*.so", "__pycache__", "*.egg-info",
                                                            ".pytest_cache"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", str(src)], check=True,
                   cwd=str(tmp_path))
    script = (
        "import os, numpy as np, tflite_rt, tflite_rt.delegates as D\n"
        "p = D.path('refcheck'); assert 'site-packages' in p, p\n"
        f"it = tflite_rt.Interpreter(model_path={model!r}, experimental_delegates=[tflite_rt.load_delegate(p)])\n"
        "it.allocate_tensors(); it.invoke()\n"
        "print(len(it.delegate_report()['partitions']))\n")
    r = subprocess.run([py, "-c", script], capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2"
