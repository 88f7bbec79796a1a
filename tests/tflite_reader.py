"""Read .tflite bytes back: a small flatbuffer table reader, and `load_model`, which turns any
model into a ModelBuilder (so a converter-written model can be edited and written again).

Independent of any TFLite package: slots and option tables come from tflite_schema.py.

    m = model_root(data)                      # the Model table
    sg = m.tables(SLOTS["Model"]["subgraphs"])[0]
    b = load_model(data); b.tensors[3]["shape"] = [-1]; bad = b.build()
"""
import struct

try:
    from .tflite_schema import ENUMS, OPTION_TABLES, SCALARS, SLOTS, SPARSE_INDEX_VECTORS
except ImportError:  # imported as a top-level module (tests/ on sys.path)
    from tflite_schema import ENUMS, OPTION_TABLES, SCALARS, SLOTS, SPARSE_INDEX_VECTORS


class FlatTable:
    """Read one flatbuffer table by slot: scalar(), table(), tables(), vector(), string()."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_len = struct.unpack_from("<H", buf, self.vt)[0]

    def _field(self, slot):
        off = 4 + 2 * slot
        return struct.unpack_from("<H", self.buf, self.vt + off)[0] if off < self.vt_len else 0

    def scalar(self, slot, fmt, default=0):
        o = self._field(slot)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] if o else default

    def _deref(self, slot):
        o = self._field(slot)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, slot):
        p = self._deref(slot)
        return None if p is None else FlatTable(self.buf, p)

    def vector_pos(self, slot):
        """(offset of the first element, element count); (None, 0) when absent."""
        p = self._deref(slot)
        return (None, 0) if p is None else (p + 4, struct.unpack_from("<I", self.buf, p)[0])

    def vector(self, slot, fmt):
        start, n = self.vector_pos(slot)
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, start + i * size)[0] for i in range(n)]

    def tables(self, slot):
        start, n = self.vector_pos(slot)
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(FlatTable(self.buf, p + struct.unpack_from("<I", self.buf, p)[0]))
        return out

    def string(self, slot):
        start, n = self.vector_pos(slot)
        return None if start is None else bytes(self.buf[start:start + n]).decode()


def model_root(data):
    """The Model table of .tflite bytes (field slots: tflite_schema.SLOTS)."""
    return FlatTable(data, struct.unpack_from("<I", data, 0)[0])


def model_tensor_count(data, subgraph=0):
    """Number of tensors the model itself declares in a subgraph."""
    sg = model_root(data).tables(SLOTS["Model"]["subgraphs"])[subgraph]
    return len(sg.tables(SLOTS["SubGraph"]["tensors"]))


def _fmt(type_):
    """struct format letter of a schema scalar or enum type."""
    if type_ in ENUMS:
        type_ = ENUMS[type_][0]
    return SCALARS[type_][1][1]


def read_options(table, flat):
    """The fields of an option table that are present, as {name: value} (enums as ints,
    vectors as lists, strings as str)."""
    out = {}
    for f in table.fields:
        if f.deprecated or not flat._field(f.slot):
            continue
        if f.type == "string":
            out[f.name] = flat.string(f.slot)
        elif f.is_vector:
            out[f.name] = flat.vector(f.slot, _fmt(f.elem_type))
        else:
            out[f.name] = flat.scalar(f.slot, _fmt(f.type))
    return out


_OPTIONS_BY_UNION = {(t.union, t.type_id): t for t in OPTION_TABLES.values()}


def _read_quant(q):
    if q is None:
        return None
    s = SLOTS["QuantizationParameters"]
    quant = {"scales": q.vector(s["scale"], "f"), "zero_points": q.vector(s["zero_point"], "q"),
             "axis": q.scalar(s["quantized_dimension"], "i")}
    for key in ("min", "max"):
        if q.vector_pos(s[key])[0] is not None:
            quant[key] = q.vector(s[key], "f")
    if q.scalar(s["details_type"], "B"):
        raise NotImplementedError("load_model: QuantizationDetails are not supported")
    if not quant["scales"] and not quant["zero_points"] and len(quant) == 3:
        return None
    return quant


def _read_sparsity(sp):
    if sp is None:
        return None
    s, d = SLOTS["SparsityParameters"], SLOTS["DimensionMetadata"]
    dims = []
    for dm in sp.tables(s["dim_metadata"]):
        entry = {"format": dm.scalar(d["format"], "b"), "dense_size": dm.scalar(d["dense_size"],
                                                                              "i")}
        for key in ("array_segments", "array_indices"):
            uid = dm.scalar(d[key + "_type"], "B")
            if uid:
                fmt = SCALARS[SPARSE_INDEX_VECTORS[uid]][1][1]
                entry[key] = dm.table(d[key]).vector(SLOTS["IndexVector"]["values"], fmt)
        dims.append(entry)
    out = {"traversal_order": sp.vector(s["traversal_order"], "i"), "dim_metadata": dims}
    if sp.vector_pos(s["block_map"])[0] is not None:
        out["block_map"] = sp.vector(s["block_map"], "i")
    return out


def load_model(data):
    """A ModelBuilder holding everything `data` declares that the builder can write: buffers,
    operator codes, subgraphs (tensors with quantization/sparsity, operators with options),
    signatures, metadata and description. Unknown option tables raise."""
    try:
        from .tflite_builder import ModelBuilder, SubgraphBuilder
    except ImportError:
        from tflite_builder import ModelBuilder, SubgraphBuilder
    m = model_root(data)
    M, SG, T, OP = SLOTS["Model"], SLOTS["SubGraph"], SLOTS["Tensor"], SLOTS["Operator"]
    b = ModelBuilder(description=m.string(M["description"]))
    b.buffers = []
    for buf in m.tables(M["buffers"]):
        start, n = buf.vector_pos(SLOTS["Buffer"]["data"])
        b.buffers.append(bytes(data[start:start + n]) if start is not None else b"")
    C = SLOTS["OperatorCode"]
    for oc in m.tables(M["operator_codes"]):
        code = max(oc.scalar(C["deprecated_builtin_code"], "b"), oc.scalar(C["builtin_code"], "i"))
        b.opcodes.append((code, oc.string(C["custom_code"]), oc.scalar(C["version"], "i", 1)))
    b.subgraphs = []
    for k, sg_t in enumerate(m.tables(M["subgraphs"])):
        sg = b if k == 0 else SubgraphBuilder(b, k, None)
        sg.name = sg_t.string(SG["name"])
        b.subgraphs.append(sg)
        for t in sg_t.tables(SG["tensors"]):
            sig = t.vector(T["shape_signature"], "i") \
                if t.vector_pos(T["shape_signature"])[0] is not None else None
            sg.tensors.append({
                "name": t.string(T["name"]) or "", "shape": t.vector(T["shape"], "i"),
                "type": t.scalar(T["type"], "b"), "buffer": t.scalar(T["buffer"], "I"),
                "quant": _read_quant(t.table(T["quantization"])),
                "is_variable": bool(t.scalar(T["is_variable"], "?")),
                "shape_signature": sig, "sparsity": _read_sparsity(t.table(T["sparsity"])),
                "has_rank": bool(t.scalar(T["has_rank"], "?")),
            })
        sg.inputs = sg_t.vector(SG["inputs"], "i")
        sg.outputs = sg_t.vector(SG["outputs"], "i")
        for op in sg_t.tables(SG["operators"]):
            table = options = None
            for union, field in ((1, "builtin_options"), (2, "builtin_options_2")):
                uid = op.scalar(OP[field + "_type"], "B")
                if uid:
                    table = _OPTIONS_BY_UNION[(union, uid)]
                    options = read_options(table, op.table(OP[field]))
            start, n = op.vector_pos(OP["custom_options"])
            mut = op.vector(OP["mutating_variable_inputs"], "?")
            inter = op.vector(OP["intermediates"], "i")
            sg.operators.append({
                "opcode": op.scalar(OP["opcode_index"], "I"),
                "inputs": op.vector(OP["inputs"], "i"), "outputs": op.vector(OP["outputs"], "i"),
                "table": table, "options": options,
                "custom_options": bytes(data[start:start + n]) if start is not None else None,
                "intermediates": inter or None, "mutating_variable_inputs": mut or None,
            })
    MD = SLOTS["Metadata"]
    b.metadata = [(md.string(MD["name"]), md.scalar(MD["buffer"], "I"))
                  for md in m.tables(M["metadata"])]
    S, TM = SLOTS["SignatureDef"], SLOTS["TensorMap"]
    sigs = []
    for sd in m.tables(M["signature_defs"]):
        maps = [{tm.string(TM["name"]): tm.scalar(TM["tensor_index"], "I")
                 for tm in sd.tables(S[key])} for key in ("inputs", "outputs")]
        sigs.append((sd.string(S["signature_key"]), maps[0], maps[1],
                     sd.scalar(S["subgraph_index"], "I")))
    b.signatures = sigs
    return b
