"""The model builder itself: its schema tables, its bytes, and one-op models run by LiteRT.

These tests check the test tool, not tflite_rt: if they fail, every op test built on the
builder is suspect. Three layers:
1. structure, read back with a tiny independent flatbuffer reader (no LiteRT needed);
2. every table of the builder against the flatbuffer reader classes shipped inside
   ai-edge-litert (op codes, union ids, enum values, each option field's slot, width and
   default), used at test time only;
3. (test_tflite_builder_ops.py) one-op models over ~80 builtin ops, run by LiteRT's
   reference kernels and compared with numpy: option slots and defaults mean what the builder
   says;
4. converter-written models read back (tflite_reader.load_model) and written again.
"""
import os

import numpy as np
import pytest

from tests import oracle
from tests.tflite_builder import (BUILTIN_CODE, BUILTIN_OPS, ENUMS, OP_OPTIONS, OPTION_TABLES,
                                  TENSOR_TYPE, ModelBuilder, options_table)
from tests.tflite_reader import load_model, model_root

needs_litert = pytest.mark.skipif(not oracle.have_litert(), reason="ai-edge-litert not installed")


# ---------------------------------------------------------------------------------------------
# 1. Structure, read back with a minimal reader (independent of LiteRT)
# ---------------------------------------------------------------------------------------------

def _root(data):
    return model_root(data)


def test_identifier_version_and_sentinel_buffer():
    b = ModelBuilder()
    x = b.input("x", [2, 3])
    y = b.tensor("y", [2, 3])
    b.op("RELU", [x], [y])
    b.output(y)
    data = b.build()
    assert data[4:8] == b"TFL3"
    m = _root(data)
    assert m.scalar(0, "I") == 3                     # Model.version
    bufs = m.tables(4)
    assert bufs[0].vector_pos(0) == (None, 0)       # buffer 0 is the empty sentinel
    sg = m.tables(2)[0]
    assert sg.vector(1, "i") == [x] and sg.vector(2, "i") == [y]
    assert sg.string(4) == "main"


def test_constant_data_is_16_byte_aligned_and_exact():
    b = ModelBuilder()
    arrays = [np.arange(n, dtype=dt) for n, dt in ((1, np.int8), (3, np.int8), (5, np.float32),
                                                   (7, np.int16), (2, np.int64))]
    idx = [b.const(f"c{i}", a) for i, a in enumerate(arrays)]
    y = b.tensor("y", [1])
    b.op("ADD", [idx[2], idx[2]], [y])
    data = b.build()
    m = _root(data)
    sg = m.tables(2)[0]
    tensors = sg.tables(0)
    bufs = m.tables(4)
    for i, a in zip(idx, arrays):
        t = tensors[i]
        start, n = bufs[t.scalar(2, "I")].vector_pos(0)
        assert start % 16 == 0, f"buffer of tensor {i} at offset {start}"
        assert data[start:start + n] == a.tobytes()
        assert t.vector(0, "i") == list(a.shape)
        assert t.scalar(1, "b") == TENSOR_TYPE[{"int8": "INT8", "float32": "FLOAT32", "int16":
                                                "INT16", "int64": "INT64"}[a.dtype.name]]


def test_opcodes_low_and_extended():
    b = ModelBuilder()
    x = b.input("x", [4])
    y = b.tensor("y", [4])
    z = b.tensor("z", [4])
    w = b.tensor("w", [4])
    b.op("ABS", [x], [y], version=2)
    b.op("CUMSUM", [y, b.const("axis", np.int32(0))], [z])     # code 128 >= 127
    b.op("MyCustomOp", [z], [w], custom_options=b"\x01\x02")
    b.op("ABS", [x], [w], version=2)                              # same opcode reused
    data = b.build()
    m = _root(data)
    codes = m.tables(1)
    assert len(codes) == 3
    assert [(c.scalar(0, "b"), c.scalar(3, "i"), c.scalar(2, "i", 1)) for c in codes] == [
        (101, 101, 2), (127, 128, 1), (32, 32, 1)]
    assert codes[2].string(1) == "MyCustomOp"
    ops = m.tables(2)[0].tables(3)
    assert [o.scalar(0, "I") for o in ops] == [0, 1, 2, 0]
    start, n = ops[2].vector_pos(5)
    assert data[start:start + n] == b"\x01\x02"


def test_operator_optional_fields():
    b = ModelBuilder()
    x = b.input("x", [2])
    v = b.variable("v", [2], data=np.array([1.0, 2.0], np.float32))
    t = b.tensor("t", [2], np.int16, quant=(0.5, 0))
    y = b.tensor("y", [2])
    b.op("ADD", [x, v, -1], [y], intermediates=[t], mutating_variable_inputs=[False, True, False])
    b.output(y)
    data = b.build()
    sg = _root(data).tables(2)[0]
    op = sg.tables(3)[0]
    assert op.vector(1, "i") == [x, v, -1]
    assert op.vector(7, "?") == [False, True, False]
    assert op.vector(8, "i") == [t]
    tv = sg.tables(0)[v]
    assert tv.scalar(5, "?") is True                     # is_variable
    start, n = _root(data).tables(4)[tv.scalar(2, "I")].vector_pos(0)
    assert np.frombuffer(data[start:start + n], np.float32).tolist() == [1.0, 2.0]
    q = sg.tables(0)[t].table(4)
    assert q.vector(2, "f") == [0.5] and q.vector(3, "q") == [0] and q.scalar(6, "i") == 0


def test_signature_names_strip_output_suffix():
    b = ModelBuilder()
    x = b.input("serving_default_x:0", [1])
    y = b.tensor("StatefulPartitionedCall:0", [1])
    b.op("RELU", [x], [y])
    b.output(y)
    m = _root(b.build())
    (sig,) = m.tables(7)
    assert sig.string(2) == "serving_default"
    assert [(t.string(0), t.scalar(1, "I")) for t in sig.tables(0)] == [("serving_default_x", 0)]
    assert [(t.string(0), t.scalar(1, "I")) for t in sig.tables(1)] == [
        ("StatefulPartitionedCall", 1)]
    assert _root(b.build(signature=None)).tables(7) == []


def test_every_op_name_has_a_code_and_every_table_an_op():
    assert len(BUILTIN_OPS) == 210 and len(set(BUILTIN_OPS)) == 210
    assert set(OP_OPTIONS) <= set(BUILTIN_OPS)
    assert set(OP_OPTIONS.values()) == set(OPTION_TABLES)
    ids = {}
    for t in OPTION_TABLES.values():
        assert (t.union, t.type_id) not in ids, (t.name, ids.get((t.union, t.type_id)))
        ids[(t.union, t.type_id)] = t.name
    assert sorted(i for u, i in ids if u == 1) == list(range(1, 127))
    assert sorted(i for u, i in ids if u == 2) == list(range(1, 24))


def test_option_errors_are_helpful():
    b = ModelBuilder()
    x = b.input("x", [1])
    with pytest.raises(KeyError, match="stride_w"):
        b.op("CONV_2D", [x], [x], options={"strid_w": 1})
    with pytest.raises(ValueError, match="Padding"):
        b.op("CONV_2D", [x], [x], options={"padding": "SAMEISH"})
    with pytest.raises(ValueError, match="takes no options"):
        ModelBuilder().op("LOGISTIC", [0], [1], options={"x": 1})


# ---------------------------------------------------------------------------------------------
# 2. Tables against the reader classes shipped in ai-edge-litert (test-time check only)
# ---------------------------------------------------------------------------------------------

def _schema():
    pytest.importorskip("ai_edge_litert")
    return pytest.importorskip("ai_edge_litert.schema_py_generated")


def _camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


@needs_litert
def test_builtin_codes_match_litert():
    s = _schema()
    names = {n: getattr(s.BuiltinOperator, n) for n in dir(s.BuiltinOperator)
             if not n.startswith("_")}
    assert names == BUILTIN_CODE


@needs_litert
def test_enums_match_litert():
    s = _schema()
    assert {n: getattr(s.TensorType, n) for n in dir(s.TensorType)
            if not n.startswith("_")} == TENSOR_TYPE
    prefixes = {"StablehloComparisonDirection": "STABLEHLO_COMPARISON_DIRECTION_",
                "StablehloComparisonType": "STABLEHLO_COMPARISON_TYPE_"}
    for enum, (_, members) in ENUMS.items():
        cls = getattr(s, enum)
        theirs = {n[len(prefixes.get(enum, "")):]: getattr(cls, n) for n in dir(cls)
                  if not n.startswith("_")}
        assert theirs == members, enum


def _distinct_value(field, k):
    """A value that cannot be mistaken for the default, another field or a narrower type."""
    et = field.elem_type
    if et in ENUMS:
        v = max(ENUMS[et][1].values())
        if et == "TensorType":
            v = TENSOR_TYPE["INT16"]   # any non-default member
        return [v, 0, v] if field.is_vector else v
    if et == "bool":
        return [True, False, True] if field.is_vector else True
    if et == "float32":
        return [0.5 + k, -2.25] if field.is_vector else 1.5 + k
    if et == "string":
        return f"s{k}"
    if et == "int64":
        return [2 ** 40 + k, -3] if field.is_vector else 2 ** 40 + k
    if et == "uint8":
        return [200, 1, k] if field.is_vector else 200
    if et == "uint32":
        return [3_000_000_000, k] if field.is_vector else 3_000_000_000 + k
    return [70000 + k, -5, k] if field.is_vector else 70000 + k


def _read_back(s, table, obj, field):
    acc = _camel(field.name)
    if field.is_vector:
        n = getattr(obj, acc + "Length")()
        return [getattr(obj, acc)(j) for j in range(n)]
    v = getattr(obj, acc)()
    return v.decode() if isinstance(v, bytes) else v


@needs_litert
@pytest.mark.parametrize("table_name", sorted(OPTION_TABLES))
def test_option_table_matches_litert(table_name):
    """Each field written by the builder reads back through LiteRT's reader classes with the
    same value (slot and width right), and absent fields read as the builder's default."""
    s = _schema()
    table = OPTION_TABLES[table_name]
    op_name = next(op for op, t in OP_OPTIONS.items() if t == table_name)
    union_enum = s.BuiltinOptions if table.union == 1 else s.BuiltinOptions2
    assert getattr(union_enum, table_name) == table.type_id
    fields = [f for f in table.fields if not f.deprecated]
    for values in ({f.name: _distinct_value(f, k) for k, f in enumerate(fields)}, {}):
        b = ModelBuilder()
        x = b.input("x", [1])
        b.op(op_name, [x], [x], options=values, fill_defaults=False)
        model = s.Model.GetRootAs(b.build(), 0)
        op = model.Subgraphs(0).Operators(0)
        if table.union == 1:
            assert op.BuiltinOptionsType() == table.type_id
            tab = op.BuiltinOptions()
        else:
            assert op.BuiltinOptions2Type() == table.type_id
            tab = op.BuiltinOptions2()
        obj = getattr(s, table_name)()
        obj.Init(tab.Bytes, tab.Pos)
        for f in fields:
            got = _read_back(s, table, obj, f)
            if f.name in values:
                want = values[f.name]
                if f.elem_type == "float32":
                    assert got == pytest.approx(want), f.name
                else:
                    assert got == want, f.name
            elif f.is_vector:
                assert got == [], f.name
            elif f.type == "string":
                assert got is None, f.name
            else:
                assert got == f.default, f"{table_name}.{f.name} default"


@needs_litert
def test_custom_op_is_reported_by_name():
    b = ModelBuilder()
    x = b.input("x", [2])
    y = b.tensor("y", [2])
    b.op("TflrtTestOnlyOp", [x], [y], custom_options=b"\x00")
    b.output(y)
    from ai_edge_litert.interpreter import Interpreter
    with pytest.raises(RuntimeError, match="TflrtTestOnlyOp"):
        Interpreter(model_content=b.build()).allocate_tensors()


def _model_files():
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
    return {f[:-7]: os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".tflite")}


def _summary(b):
    return ([(t["name"], t["shape"], t["type"], t["buffer"], t["quant"], t["is_variable"],
              t["shape_signature"]) for sg in b.subgraphs for t in sg.tensors],
            [(o["opcode"], o["inputs"], o["outputs"], o["table"] and o["table"].name,
              o["options"]) for sg in b.subgraphs for o in sg.operators],
            b.opcodes, b.buffers, b.signatures, b.metadata)


@pytest.mark.parametrize("name", sorted(_model_files()))
def test_load_model_round_trip_structure(name):
    """Reading a converter-written model and writing it again loses nothing."""
    with open(_model_files()[name], "rb") as f:
        data = f.read()
    first = load_model(data)
    again = load_model(first.build())
    assert _summary(again) == _summary(first)


@needs_litert
@pytest.mark.parametrize("name", sorted(_model_files()))
def test_load_model_round_trip_runs_identically(name):
    """The rewritten model (new layout, 16-byte aligned buffers) computes the same bits and
    shows the same details in LiteRT. (The same check passed on all 76 models of the
    project's shared corpus when this test was written.)"""
    with open(_model_files()[name], "rb") as f:
        data = f.read()
    rebuilt = load_model(data).build()
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    rng = np.random.default_rng(0)
    runs = []
    for d in (data, rebuilt):
        it = Interpreter(model_content=d, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        it.allocate_tensors()
        if not runs:
            feeds = [rng.uniform(0, 1, t["shape"]).astype(t["dtype"]) if t["dtype"] == np.float32
                     else rng.integers(-128, 128, t["shape"]).astype(t["dtype"])
                     for t in it.get_input_details()]
        for t, v in zip(it.get_input_details(), feeds):
            it.set_tensor(t["index"], v)
        it.invoke()
        runs.append(([it.get_tensor(t["index"]) for t in it.get_output_details()],
                     [(t["name"], t["shape"].tolist(), t["dtype"], t["quantization"],
                       t["quantization_parameters"]["scales"].tolist())
                      for t in it.get_tensor_details()],
                     [(o["op_name"], o["inputs"].tolist(), o["outputs"].tolist())
                      for o in it._get_ops_details()], it.get_signature_list()))
    (o1, d1, p1, s1), (o2, d2, p2, s2) = runs
    assert d1 == d2 and p1 == p2 and s1 == s2
    for a, b in zip(o1, o2):
        np.testing.assert_array_equal(a, b)


def test_every_builtin_op_encodes():
    """Every builtin op (with its option table at defaults) serializes without error."""
    for name in BUILTIN_OPS:
        if name in ("CUSTOM", "PLACEHOLDER_FOR_GREATER_OP_CODES"):
            continue
        b = ModelBuilder()
        x = b.input("x", [1])
        y = b.tensor("y", [1])
        b.op(name, [x], [y], options={} if options_table(name) else None)
        b.output(y)
        data = b.build()
        op = _root(data).tables(2)[0].tables(3)[0]
        t = options_table(name)
        if t is not None:
            slot = 3 if t.union == 1 else 11
            assert op.scalar(slot, "B") == t.type_id, name
