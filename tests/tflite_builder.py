"""Write small, valid .tflite models from Python, for op tests and malformed-model tests.

    b = ModelBuilder()
    x = b.input("x", shape=[1, 8, 8, 3], dtype=np.int8, quant=(0.05, -3))
    w = b.const("w", weights, quant={"scales": s, "zero_points": [0] * 4, "axis": 0})
    bias = b.const("bias", bias_values)
    y = b.tensor("y", shape=[1, 8, 8, 4], dtype=np.int8, quant=(0.1, 2))
    b.op("CONV_2D", inputs=[x, w, bias], outputs=[y],
         options={"padding": "SAME", "fused_activation_function": "RELU"}, version=3)
    b.output(y)
    data = b.build()            # bytes of a "TFL3" flatbuffer with a 'serving_default' signature

Extra subgraphs (WHILE/IF/CALL_ONCE bodies) come from `b.subgraph()`, which returns a
builder with the same tensor/op methods; its `.index` is what the options refer to.
Operators whose name is not a builtin become custom ops (`custom_options=b"..."`).

What the builder knows about the schema (table slots, enums, option tables and defaults,
builtin operator codes) lives in tflite_schema.py, written as plain Python tables; bytes are
written with the `flatbuffers` package's low-level Builder. Option values may be given as
Python numbers, enum names (strings, e.g. "SAME", "RELU6") or numpy dtypes for TensorType
fields; vector fields take lists. Names from tflite_schema are re-exported here.

The builder does not check tensor indices given to `op()`, `output()` or signatures, so
malformed models for loader tests can be written with it on purpose. tflite_reader.py reads
models back (and `load_model` turns any .tflite into a ModelBuilder).
"""
import struct

import flatbuffers
import numpy as np

try:
    from .tflite_schema import *  # noqa: F401,F403  (re-exported: BUILTIN_CODE, OPTION_TABLES...)
    from .tflite_schema import (BUILTIN_CODE, ENUMS, FILE_IDENTIFIER, NUM_SLOTS,
                                PLACEHOLDER_FOR_GREATER_OP_CODES, SCALARS, SCHEMA_VERSION, SLOTS,
                                SPARSE_INDEX_VECTORS, TENSOR_TYPE_NAMES, TENSOR_TYPE_TO_NUMPY,
                                enum_value, options_table, tensor_type)
except ImportError:  # imported as a top-level module (tests/ on sys.path)
    from tflite_schema import *  # noqa: F401,F403
    from tflite_schema import (BUILTIN_CODE, ENUMS, FILE_IDENTIFIER, NUM_SLOTS,
                               PLACEHOLDER_FOR_GREATER_OP_CODES, SCALARS, SCHEMA_VERSION, SLOTS,
                               SPARSE_INDEX_VECTORS, TENSOR_TYPE_NAMES, TENSOR_TYPE_TO_NUMPY,
                               enum_value, options_table, tensor_type)

# Values the builder fills in when the caller leaves them out, because the schema's zero
# default would describe a meaningless op (stride 0, softmax beta 0, a 0x0 pool window).
# `op(..., fill_defaults=False)` writes exactly what was given (for malformed-model tests).
BUILDER_DEFAULTS = {
    "CONV_2D": {"stride_w": 1, "stride_h": 1},
    "DEPTHWISE_CONV_2D": {"stride_w": 1, "stride_h": 1, "depth_multiplier": 1},
    "TRANSPOSE_CONV": {"stride_w": 1, "stride_h": 1},
    "CONV_3D": {"stride_d": 1, "stride_w": 1, "stride_h": 1},
    "CONV_3D_TRANSPOSE": {"stride_d": 1, "stride_w": 1, "stride_h": 1},
    "AVERAGE_POOL_2D": {"stride_w": 1, "stride_h": 1, "filter_width": 1, "filter_height": 1},
    "MAX_POOL_2D": {"stride_w": 1, "stride_h": 1, "filter_width": 1, "filter_height": 1},
    "L2_POOL_2D": {"stride_w": 1, "stride_h": 1, "filter_width": 1, "filter_height": 1},
    "SOFTMAX": {"beta": 1.0},
}

# ---------------------------------------------------------------------------------------------
# Low-level writing helpers
# ---------------------------------------------------------------------------------------------

def _raw_vector(fb, data, elem_size, count, alignment=None):
    """Write a vector from raw little-endian bytes (count elements of elem_size bytes)."""
    data = bytes(data)
    assert len(data) == elem_size * count
    fb.StartVector(elem_size, count, alignment or max(elem_size, 1))
    fb.head -= len(data)
    fb.Bytes[fb.head:fb.head + len(data)] = data
    return fb.EndVector()


def _scalar_vector(fb, type_, values):
    fmt = SCALARS[type_][1]
    vals = list(values)
    if type_ == "bool":
        vals = [bool(v) for v in vals]
    raw = b"".join(struct.pack(fmt, v) for v in vals)
    return _raw_vector(fb, raw, struct.calcsize(fmt), len(vals))


def _offset_vector(fb, offsets):
    fb.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        fb.PrependUOffsetTRelative(off)
    return fb.EndVector()


def _add_scalar(fb, slot, type_, value, default):
    flags = SCALARS[type_][0]
    if type_ == "bool":
        value, default = bool(value), bool(default)
    elif type_ == "float32":
        value, default = float(value), float(default)
    else:
        value, default = int(value), int(default)
    fb.PrependSlot(flags, slot, value, default)


class _TableWriter:
    """Writes one core table by field name (slots from tflite_schema.SLOTS). Offsets that
    are None and scalars equal to their default are left out, as flatbuffers does."""

    def __init__(self, fb, table):
        self.fb, self.slots = fb, SLOTS[table]
        fb.StartObject(NUM_SLOTS[table])

    def offset(self, field, off):
        if off is not None:
            self.fb.PrependUOffsetTRelativeSlot(self.slots[field], off, 0)

    def scalar(self, field, type_, value, default=0):
        _add_scalar(self.fb, self.slots[field], type_, value, default)

    def end(self):
        return self.fb.EndObject()


def _write_options(fb, table, options):
    """Write one option table; returns its offset. Unknown keys raise KeyError."""
    options = dict(options or {})
    unknown = set(options) - set(table.by_name)
    if unknown:
        raise KeyError(f"{table.name} has no field(s) {sorted(unknown)}; "
                       f"fields: {[f.name for f in table.fields if not f.deprecated]}")
    # Offsets (vectors, strings) must be written before the table starts.
    offsets = {}
    for f in table.fields:
        if f.name not in options or options[f.name] is None or f.deprecated:
            continue
        v = options[f.name]
        if f.type == "string":
            offsets[f.name] = fb.CreateString(v)
        elif f.is_vector:
            et = f.elem_type
            if et in ENUMS:
                vals = [enum_value(et, x) for x in v]
                et = ENUMS[et][0]
            else:
                vals = v.tolist() if isinstance(v, np.ndarray) else list(v)
            offsets[f.name] = _scalar_vector(fb, et, vals)
    fb.StartObject(len(table.fields))
    for f in table.fields:
        if f.name not in options or options[f.name] is None or f.deprecated:
            continue
        if f.name in offsets:
            fb.PrependUOffsetTRelativeSlot(f.slot, offsets[f.name], 0)
        elif f.type in ENUMS:
            _add_scalar(fb, f.slot, ENUMS[f.type][0], enum_value(f.type, options[f.name]),
                        f.default)
        else:
            _add_scalar(fb, f.slot, f.type, options[f.name], f.default)
    return fb.EndObject()


# ---------------------------------------------------------------------------------------------
# Tensors data encoding
# ---------------------------------------------------------------------------------------------

def _string_tensor_bytes(values):
    """TFLite string tensor layout: int32 count, int32 offsets[count+1], then the bytes."""
    flat = np.asarray(values, dtype=object).ravel()
    items = [v if isinstance(v, bytes) else str(v).encode() for v in flat]
    n = len(items)
    header = 4 * (n + 2)
    offs, pos = [], header
    for it in items:
        offs.append(pos)
        pos += len(it)
    offs.append(pos)
    return struct.pack(f"<i{n + 1}i", n, *offs) + b"".join(items)


def _pack_4bit(values):
    """Two 4-bit values per byte, element 0 in the low nibble (TFLite's packed int4 layout)."""
    v = (np.asarray(values).astype(np.int64).ravel() & 0xF).astype(np.uint8)
    if v.size % 2:
        v = np.append(v, np.uint8(0))
    return (v[0::2] | (v[1::2] << 4)).tobytes()


def csr_sparsity(dense):
    """Encode a 2-D matrix as TFLite sparse (row-major, dim 0 dense, dim 1 CSR).

    Returns (values, sparsity) for `const(name, values, shape=dense.shape, sparsity=...)`.
    """
    dense = np.asarray(dense)
    assert dense.ndim == 2
    segments, indices, values = [0], [], []
    for row in dense:
        nz = np.nonzero(row)[0]
        indices.extend(nz.tolist())
        values.extend(row[nz].tolist())
        segments.append(len(indices))
    sparsity = {
        "traversal_order": [0, 1],
        "dim_metadata": [
            {"format": "DENSE", "dense_size": dense.shape[0]},
            {"format": "SPARSE_CSR", "array_segments": segments, "array_indices": indices},
        ],
    }
    return np.array(values, dtype=dense.dtype), sparsity


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------

def _norm_quant(quant):
    """None | (scale, zero_point) | dict(scales, zero_points, axis, min, max) -> dict or None."""
    if quant is None:
        return None
    if isinstance(quant, (tuple, list)):
        scale, zp = quant
        return {"scales": [float(scale)], "zero_points": [int(zp)], "axis": 0}
    q = dict(quant)
    if "scale" in q and "scales" not in q:
        q["scales"] = np.atleast_1d(q.pop("scale")).tolist()
    if "zero_point" in q and "zero_points" not in q:
        q["zero_points"] = np.atleast_1d(q.pop("zero_point")).tolist()
    if "quantized_dimension" in q and "axis" not in q:
        q["axis"] = q.pop("quantized_dimension")
    q.setdefault("axis", 0)
    if "scales" in q and "zero_points" not in q:
        q["zero_points"] = [0] * len(q["scales"])
    return q


def _signature_name(tensor_name):
    """'serving_default_x:0' style names lose the ':N' suffix; other names are kept."""
    base, sep, tail = tensor_name.rpartition(":")
    return base if sep and tail.isdigit() else tensor_name


class SubgraphBuilder:
    """Tensors and operators of one subgraph. ModelBuilder is subgraph 0 itself."""

    def __init__(self, model, index, name):
        self._model = model
        self.index = index
        self.name = name
        self.tensors = []      # dicts, see _add_tensor
        self.operators = []    # dicts, see op()
        self.inputs = []
        self.outputs = []

    # -- tensors --
    def _add_tensor(self, name, shape, dtype, quant=None, buffer=0, is_variable=False,
                    shape_signature=None, sparsity=None, has_rank=True):
        shape = [int(d) for d in shape] if shape is not None else []
        self.tensors.append({
            "name": name, "shape": shape, "type": tensor_type(dtype), "buffer": buffer,
            "quant": _norm_quant(quant), "is_variable": is_variable,
            "shape_signature": None if shape_signature is None else [int(d) for d in
                                                                      shape_signature],
            "sparsity": sparsity, "has_rank": has_rank,
        })
        return len(self.tensors) - 1

    def tensor(self, name, shape, dtype=np.float32, quant=None, shape_signature=None,
               has_rank=True):
        """An intermediate or output tensor (no data). Returns its index."""
        return self._add_tensor(name, shape, dtype, quant, shape_signature=shape_signature,
                                has_rank=has_rank)

    def input(self, name, shape, dtype=np.float32, quant=None, shape_signature=None):
        """A graph input of this subgraph. Returns its index."""
        idx = self.tensor(name, shape, dtype, quant, shape_signature)
        self.inputs.append(idx)
        return idx

    def const(self, name, data, dtype=None, quant=None, shape=None, sparsity=None):
        """A constant tensor whose data is stored in a model buffer (16-byte aligned).

        `dtype` overrides the array's dtype; "int4"/"uint4" pack two values per byte,
        object/str arrays become STRING tensors. With `sparsity` (see csr_sparsity), `data`
        holds the stored values and `shape` the dense shape.
        """
        arr = np.asarray(data)
        ttype = tensor_type(dtype if dtype is not None else arr.dtype)
        tname = TENSOR_TYPE_NAMES[ttype]
        if tname == "STRING":
            raw = _string_tensor_bytes(arr)
        elif tname in ("INT4", "UINT4"):
            raw = _pack_4bit(arr)
        else:
            np_dtype = TENSOR_TYPE_TO_NUMPY.get(tname)
            if np_dtype is None:
                raise ValueError(f"const() cannot encode {tname} data")
            raw = np.ascontiguousarray(arr, dtype=np_dtype.newbyteorder("<")).tobytes()
        buf = self._model._add_buffer(raw)
        return self._add_tensor(name, arr.shape if shape is None else shape, ttype, quant,
                                buffer=buf, sparsity=sparsity)

    def variable(self, name, shape, dtype=np.float32, quant=None, data=None,
                 shape_signature=None):
        """A variable tensor (is_variable=True), e.g. LSTM/RNN state. With `data` its initial
        value is stored in a buffer; without, the runtime starts it at zero."""
        buf = 0
        if data is not None:
            arr = np.asarray(data, dtype=TENSOR_TYPE_TO_NUMPY[TENSOR_TYPE_NAMES[
                tensor_type(dtype)]])
            buf = self._model._add_buffer(arr.tobytes())
        return self._add_tensor(name, shape, dtype, quant, buffer=buf, is_variable=True,
                                shape_signature=shape_signature)

    # -- graph --
    def op(self, name, inputs, outputs, options=None, version=1, custom_options=None,
           intermediates=None, mutating_variable_inputs=None, fill_defaults=True):
        """Append an operator. `name` is a BuiltinOperator name or, if it is not one, a
        custom op name. Returns the operator's index in this subgraph.

        options: dict of the op's option-table fields; None writes the table with defaults
                 (if the op has a table with fields), False writes no options at all.
        """
        name_up = name.upper() if name.upper() in BUILTIN_CODE else name
        is_builtin = name_up in BUILTIN_CODE and name_up != "CUSTOM"
        if options not in (None, False) and not is_builtin:
            raise ValueError(f"{name!r} is not a builtin op: use custom_options")
        table = options_table(name_up) if is_builtin else None
        if options not in (None, False) and table is None:
            raise ValueError(f"builtin op {name_up} takes no options, got {options}")
        opts = None
        if table is not None and options is not False:
            opts = dict(BUILDER_DEFAULTS.get(name_up, {})) if fill_defaults else {}
            opts.update(options or {})
            if not opts and not table.by_name and options is None:
                opts = None          # field-less table: written only when asked for ({})
        if opts is not None:         # report bad field names / enum values here, not in build()
            _write_options(flatbuffers.Builder(64), table, opts)
        code = BUILTIN_CODE[name_up] if is_builtin else BUILTIN_CODE["CUSTOM"]
        custom_name = None if is_builtin else name
        opcode = self._model._opcode(code, custom_name, version)
        self.operators.append({
            "opcode": opcode, "inputs": [int(i) for i in inputs],
            "outputs": [int(i) for i in outputs], "table": table if opts is not None else None,
            "options": opts, "custom_options": custom_options,
            "intermediates": intermediates, "mutating_variable_inputs": mutating_variable_inputs,
        })
        return len(self.operators) - 1

    def output(self, *indices):
        """Mark tensors as graph outputs (in call order)."""
        for i in indices:
            if isinstance(i, (list, tuple)):
                self.outputs.extend(int(j) for j in i)
            else:
                self.outputs.append(int(i))

    def set_inputs(self, indices):
        self.inputs = [int(i) for i in indices]

    def set_outputs(self, indices):
        self.outputs = [int(i) for i in indices]

    # -- serialization --
    def _write_quant(self, fb, q):
        vecs = {}
        for key, field, typ in (("min", "min", "float32"), ("max", "max", "float32"),
                                ("scales", "scale", "float32"),
                                ("zero_points", "zero_point", "int64")):
            if q is not None and q.get(key) is not None:
                vecs[field] = _scalar_vector(fb, typ, np.atleast_1d(q[key]).tolist())
        # like the converter, unquantized tensors get an empty table
        w = _TableWriter(fb, "QuantizationParameters")
        for field, off in vecs.items():
            w.offset(field, off)
        if q is not None:
            w.scalar("quantized_dimension", "int32", int(q.get("axis", 0)))
        return w.end()

    def _write_index_vector(self, fb, values):
        """A SparseIndexVector union member, narrowest type that fits: (type id, offset)."""
        values = np.asarray(values)
        top = int(values.max()) if values.size else 0
        uid = 1 if top > 65535 else 2 if top > 255 else 3
        raw = values.astype({"int32": "<i4", "uint16": "<u2",
                             "uint8": "u1"}[SPARSE_INDEX_VECTORS[uid]])
        vec = _raw_vector(fb, raw.tobytes(), raw.itemsize, raw.size, alignment=4)
        w = _TableWriter(fb, "IndexVector")
        w.offset("values", vec)
        return uid, w.end()

    def _write_sparsity(self, fb, sp):
        order = _scalar_vector(fb, "int32", sp.get("traversal_order", []))
        block_map = _scalar_vector(fb, "int32", sp["block_map"]) if sp.get("block_map") else None
        dims = []
        for dm in sp["dim_metadata"]:
            fmt = enum_value("DimensionType", dm.get("format", "DENSE"))
            seg = idx = None
            if fmt == ENUMS["DimensionType"][1]["SPARSE_CSR"]:
                seg = self._write_index_vector(fb, dm["array_segments"])
                idx = self._write_index_vector(fb, dm["array_indices"])
            w = _TableWriter(fb, "DimensionMetadata")
            w.scalar("format", "int8", fmt)
            w.scalar("dense_size", "int32", int(dm.get("dense_size", 0)))
            if seg:
                w.scalar("array_segments_type", "uint8", seg[0])
                w.offset("array_segments", seg[1])
                w.scalar("array_indices_type", "uint8", idx[0])
                w.offset("array_indices", idx[1])
            dims.append(w.end())
        dims_vec = _offset_vector(fb, dims)
        w = _TableWriter(fb, "SparsityParameters")
        w.offset("traversal_order", order)
        w.offset("block_map", block_map)
        w.offset("dim_metadata", dims_vec)
        return w.end()

    def _write_tensor(self, fb, t):
        name = fb.CreateString(t["name"])
        shape = _scalar_vector(fb, "int32", t["shape"])
        sig = (_scalar_vector(fb, "int32", t["shape_signature"])
               if t["shape_signature"] is not None else None)
        quant = self._write_quant(fb, t["quant"])
        sparsity = self._write_sparsity(fb, t["sparsity"]) if t["sparsity"] else None
        w = _TableWriter(fb, "Tensor")
        w.offset("shape", shape)
        w.scalar("type", "int8", t["type"])
        w.scalar("buffer", "uint32", t["buffer"])
        w.offset("name", name)
        w.offset("quantization", quant)
        w.scalar("is_variable", "bool", t["is_variable"])
        w.offset("sparsity", sparsity)
        w.offset("shape_signature", sig)
        w.scalar("has_rank", "bool", t["has_rank"])
        return w.end()

    def _write_operator(self, fb, op):
        ins = _scalar_vector(fb, "int32", op["inputs"])
        outs = _scalar_vector(fb, "int32", op["outputs"])
        opts = _write_options(fb, op["table"], op["options"]) if op["table"] else None
        custom = (_raw_vector(fb, op["custom_options"], 1, len(op["custom_options"]))
                  if op["custom_options"] is not None else None)
        mut = (_scalar_vector(fb, "bool", op["mutating_variable_inputs"])
               if op["mutating_variable_inputs"] else None)
        inter = (_scalar_vector(fb, "int32", op["intermediates"])
                 if op["intermediates"] else None)
        w = _TableWriter(fb, "Operator")
        w.scalar("opcode_index", "uint32", op["opcode"])
        w.offset("inputs", ins)
        w.offset("outputs", outs)
        if opts is not None:
            union = "builtin_options" if op["table"].union == 1 else "builtin_options_2"
            w.scalar(union + "_type", "uint8", op["table"].type_id)
            w.offset(union, opts)
        w.offset("custom_options", custom)
        w.offset("mutating_variable_inputs", mut)
        w.offset("intermediates", inter)
        return w.end()

    def _write(self, fb):
        tensors = _offset_vector(fb, [self._write_tensor(fb, t) for t in self.tensors])
        inputs = _scalar_vector(fb, "int32", self.inputs)
        outputs = _scalar_vector(fb, "int32", self.outputs)
        ops = _offset_vector(fb, [self._write_operator(fb, o) for o in self.operators])
        name = fb.CreateString(self.name) if self.name else None
        w = _TableWriter(fb, "SubGraph")
        w.offset("tensors", tensors)
        w.offset("inputs", inputs)
        w.offset("outputs", outputs)
        w.offset("operators", ops)
        w.offset("name", name)
        return w.end()

class ModelBuilder(SubgraphBuilder):
    """A whole model; its own tensor/op methods build subgraph 0 ("main")."""

    def __init__(self, description="tflite_rt test model"):
        super().__init__(self, 0, "main")
        self.description = description
        self.subgraphs = [self]
        self.buffers = [b""]          # buffer 0: the empty sentinel
        self.opcodes = []             # (builtin code, custom name, version)
        self.metadata = []            # (name, buffer index)
        self.signatures = None        # None: one default signature at build time

    def subgraph(self, name=None):
        """A new subgraph (for WHILE/IF/CALL_ONCE bodies); its `.index` goes in options."""
        sg = SubgraphBuilder(self, len(self.subgraphs), name or f"subgraph{len(self.subgraphs)}")
        self.subgraphs.append(sg)
        return sg

    def _add_buffer(self, raw):
        self.buffers.append(bytes(raw))
        return len(self.buffers) - 1

    def _opcode(self, code, custom_name, version):
        key = (code, custom_name, int(version))
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def add_metadata(self, name, data):
        self.metadata.append((name, self._add_buffer(data)))

    def signature(self, key="serving_default", inputs=None, outputs=None, subgraph=0):
        """Add a SignatureDef. inputs/outputs: {name: tensor index}; by default the
        subgraph's inputs/outputs under their tensor names (':N' suffix dropped)."""
        sg = self.subgraphs[subgraph]
        if inputs is None:
            inputs = {_signature_name(sg.tensors[i]["name"]): i for i in sg.inputs}
        if outputs is None:
            outputs = {_signature_name(sg.tensors[i]["name"]): i for i in sg.outputs}
        if self.signatures is None:
            self.signatures = []
        self.signatures.append((key, dict(inputs), dict(outputs), subgraph))

    def _write_signature(self, fb, key, inputs, outputs, subgraph):
        def tensor_maps(mapping):
            maps = []
            for name, idx in mapping.items():
                s = fb.CreateString(name)
                w = _TableWriter(fb, "TensorMap")
                w.offset("name", s)
                w.scalar("tensor_index", "uint32", int(idx))
                maps.append(w.end())
            return _offset_vector(fb, maps)
        ins, outs = tensor_maps(inputs), tensor_maps(outputs)
        k = fb.CreateString(key)
        w = _TableWriter(fb, "SignatureDef")
        w.offset("inputs", ins)
        w.offset("outputs", outs)
        w.offset("signature_key", k)
        w.scalar("subgraph_index", "uint32", subgraph)
        return w.end()

    def build(self, signature="serving_default"):
        """Serialize to bytes. `signature`: key of the default SignatureDef for subgraph 0
        (used when signature() was never called); None writes no signature."""
        sigs = self.signatures
        if sigs is None and signature:
            self.signature(signature)
            sigs, self.signatures = self.signatures, None
        fb = flatbuffers.Builder(1024)
        # Buffers first: large data near the end of the file, like the converter.
        buf_offsets = []
        for raw in self.buffers:
            data = _raw_vector(fb, raw, 1, len(raw), alignment=16) if raw else None
            w = _TableWriter(fb, "Buffer")
            w.offset("data", data)
            buf_offsets.append(w.end())
        buffers = _offset_vector(fb, buf_offsets)
        codes = []
        for code, custom_name, version in self.opcodes:
            cname = fb.CreateString(custom_name) if custom_name is not None else None
            w = _TableWriter(fb, "OperatorCode")
            w.scalar("deprecated_builtin_code", "int8",
                     min(code, PLACEHOLDER_FOR_GREATER_OP_CODES))
            w.offset("custom_code", cname)
            w.scalar("version", "int32", version, default=1)
            w.scalar("builtin_code", "int32", code)
            codes.append(w.end())
        codes_vec = _offset_vector(fb, codes)
        subgraphs = _offset_vector(fb, [sg._write(fb) for sg in self.subgraphs])
        desc = fb.CreateString(self.description) if self.description else None
        meta = None
        if self.metadata:
            entries = []
            for name, bidx in self.metadata:
                n = fb.CreateString(name)
                w = _TableWriter(fb, "Metadata")
                w.offset("name", n)
                w.scalar("buffer", "uint32", bidx)
                entries.append(w.end())
            meta = _offset_vector(fb, entries)
        sig_vec = (_offset_vector(fb, [self._write_signature(fb, *s) for s in sigs])
                   if sigs else None)
        w = _TableWriter(fb, "Model")
        w.scalar("version", "uint32", SCHEMA_VERSION)
        w.offset("operator_codes", codes_vec)
        w.offset("subgraphs", subgraphs)
        w.offset("description", desc)
        w.offset("buffers", buffers)
        w.offset("metadata", meta)
        w.offset("signature_defs", sig_vec)
        fb.Finish(w.end(), file_identifier=FILE_IDENTIFIER)
        return bytes(fb.Output())

    def save(self, path, **kw):
        data = self.build(**kw)
        with open(path, "wb") as f:
            f.write(data)
        return data


def single_op_model(op, inputs, outputs, options=None, version=1, consts=None, **op_kw):
    """Shortcut for a one-op model.

    inputs/outputs: lists of (name, shape, dtype[, quant]); consts: {position: array or
    (array, quant)} replacing input positions with constant tensors (the rest stay graph
    inputs, in order). Returns the model bytes.
    """
    b = ModelBuilder()
    consts = consts or {}
    in_idx, n_graph = [], 0
    for pos in range(len(inputs) + len(consts)):
        if pos in consts:
            c = consts[pos]
            arr, q = (c if isinstance(c, tuple) else (c, None))
            in_idx.append(-1 if arr is None else b.const(f"c{pos}", arr, quant=q))
        else:
            spec = inputs[n_graph]
            n_graph += 1
            in_idx.append(b.input(spec[0], spec[1], spec[2], *(spec[3:4])))
    out_idx = [b.tensor(s[0], s[1], s[2], *(s[3:4])) for s in outputs]
    b.op(op, in_idx, out_idx, options=options, version=version, **op_kw)
    b.output(*out_idx)
    return b.build()

