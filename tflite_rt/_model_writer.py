"""A tiny .tflite writer for one-op models built in memory (kernel micro-benchmarks, CLI tests).

Pure Python (struct only, no `flatbuffers` package). It knows just enough of the schema to
write float32/int8 tensors with (per-channel) quantization, constant buffers, one subgraph,
builtin or custom operators and a 'serving_default' signature:

    w = ModelWriter()
    x = w.tensor("x", [1, 8, 8, 3], np.float32)
    k = w.const("k", np.ones((4, 3, 3, 3), np.float32))
    y = w.tensor("y", [1, 8, 8, 4], np.float32)
    w.op("CONV_2D", [x, k, -1], [y], options=conv2d_options(padding="SAME"))
    data = w.build(inputs=[x], outputs=[y])

The layout is written front to back: every table is followed by the objects it points to, so
every uoffset is positive; vtables sit just before their table.
"""
import struct

import numpy as np

BUILTIN_CODES = {"CONV_2D": 3, "DEPTHWISE_CONV_2D": 4, "FULLY_CONNECTED": 9, "CUSTOM": 32}
TENSOR_TYPES = {np.dtype(np.float32): 0, np.dtype(np.int32): 2, np.dtype(np.uint8): 3, np.dtype(np.int64): 4,
                np.dtype(np.int16): 7, np.dtype(np.int8): 9}
_ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
_PADDING = {"SAME": 0, "VALID": 1}
# BuiltinOptions union: (type value, {field: (slot, struct format)})
_OPTIONS = {
    "CONV_2D": (1, {"padding": (0, "b"), "stride_w": (1, "i"), "stride_h": (2, "i"),
                    "fused_activation_function": (3, "b"), "dilation_w_factor": (4, "i"),
                    "dilation_h_factor": (5, "i")}),
    "DEPTHWISE_CONV_2D": (2, {"padding": (0, "b"), "stride_w": (1, "i"), "stride_h": (2, "i"),
                              "depth_multiplier": (3, "i"), "fused_activation_function": (4, "b"),
                              "dilation_w_factor": (5, "i"), "dilation_h_factor": (6, "i")}),
    "FULLY_CONNECTED": (8, {"fused_activation_function": (0, "b"), "weights_format": (1, "b"),
                            "keep_num_dims": (2, "?")}),
}


# ---- a minimal front-to-back flatbuffer serializer ----

class _Table:
    def __init__(self, fields):
        # fields: {slot: ("scalar", fmt, value) | ("ref", obj)}
        self.fields = fields


class _Vec:
    def __init__(self, fmt, values, align=4):
        self.fmt, self.values, self.align = fmt, list(values), align


class _Bytes:
    def __init__(self, data, align=16):
        self.data, self.align = bytes(data), align


class _RefVec:
    def __init__(self, items):
        self.items = list(items)


class _Str:
    def __init__(self, s):
        self.data = s.encode()


class _Writer:
    def __init__(self):
        self.buf = bytearray()

    def pad_to(self, align, extra=0):
        """Pad so that (len + extra) is a multiple of align."""
        while (len(self.buf) + extra) % align:
            self.buf.append(0)

    def patch(self, at, target):
        struct.pack_into("<I", self.buf, at, target - at)

    def write(self, obj):
        """Writes obj and everything it points to; returns obj's position."""
        if isinstance(obj, _Str):
            self.pad_to(4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.data)) + obj.data + b"\0"
            return pos
        if isinstance(obj, _Bytes):
            self.pad_to(max(obj.align, 4), 4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.data)) + obj.data
            return pos
        if isinstance(obj, _Vec):
            size = struct.calcsize("<" + obj.fmt)
            self.pad_to(max(size, 4), 4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.values))
            self.buf += b"".join(struct.pack("<" + obj.fmt, v) for v in obj.values)
            return pos
        if isinstance(obj, _RefVec):
            self.pad_to(4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.items))
            slots = []
            for _ in obj.items:
                slots.append(len(self.buf))
                self.buf += b"\0\0\0\0"
            for at, item in zip(slots, obj.items):
                self.patch(at, self.write(item))
            return pos
        if isinstance(obj, _Table):
            return self._table(obj)
        raise TypeError(obj)

    def _table(self, t):
        n_slots = (max(t.fields) + 1) if t.fields else 0
        # inline layout: soffset (4 bytes) then fields, largest first, naturally aligned
        items = []
        for slot, f in t.fields.items():
            size = 4 if f[0] == "ref" else struct.calcsize("<" + f[1])
            items.append((size, slot, f))
        items.sort(key=lambda x: (-x[0], x[1]))
        offsets, cur = {}, 4
        for size, slot, _f in items:
            cur = (cur + size - 1) // size * size
            offsets[slot] = cur
            cur += size
        table_size = (cur + 3) // 4 * 4
        vt = struct.pack("<HH", 4 + 2 * n_slots, table_size) + b"".join(
            struct.pack("<H", offsets.get(s, 0)) for s in range(n_slots))
        # vtable (2-byte aligned), then the table start aligned to 8
        self.pad_to(2)
        while (len(self.buf) + len(vt)) % 8:
            self.buf += b"\0\0"
        vt_pos = len(self.buf)
        self.buf += vt
        pos = len(self.buf)
        body = bytearray(table_size)
        struct.pack_into("<i", body, 0, pos - vt_pos)
        refs = []
        for size, slot, f in items:
            if f[0] == "ref":
                refs.append((pos + offsets[slot], f[1]))
            else:
                struct.pack_into("<" + f[1], body, offsets[slot], f[2])
        self.buf += body
        for at, child in refs:
            self.patch(at, self.write(child))
        return pos


def _scalar(fmt, v):
    return ("scalar", fmt, v)


def _ref(obj):
    return ("ref", obj)


def conv2d_options(padding="SAME", stride=(1, 1), activation="NONE", dilation=(1, 1)):
    return {"padding": _PADDING[padding], "stride_h": stride[0], "stride_w": stride[1],
            "fused_activation_function": _ACTIVATIONS[activation], "dilation_h_factor": dilation[0],
            "dilation_w_factor": dilation[1]}


def depthwise_options(padding="SAME", stride=(1, 1), depth_multiplier=1, activation="NONE"):
    return {"padding": _PADDING[padding], "stride_h": stride[0], "stride_w": stride[1],
            "depth_multiplier": depth_multiplier, "fused_activation_function": _ACTIVATIONS[activation]}


def fully_connected_options(activation="NONE", keep_num_dims=False):
    return {"fused_activation_function": _ACTIVATIONS[activation], "keep_num_dims": keep_num_dims}


class ModelWriter:
    """Collects tensors, buffers and ops of one subgraph; build() returns the .tflite bytes."""

    def __init__(self):
        self.tensors = []
        self.buffers = [b""]  # buffer 0: the empty sentinel
        self.opcodes = []     # (builtin_code, custom_code, version)
        self.ops = []

    def tensor(self, name, shape, dtype, quant=None, data=None):
        """quant: None, (scale, zero_point), or {"scales": [...], "zero_points": [...], "axis": d}."""
        buffer = 0
        if data is not None:
            arr = np.ascontiguousarray(np.asarray(data, dtype=dtype))
            assert list(arr.shape) == list(shape), (arr.shape, shape)
            self.buffers.append(arr.tobytes())
            buffer = len(self.buffers) - 1
        self.tensors.append({"name": name, "shape": [int(d) for d in shape], "type": TENSOR_TYPES[np.dtype(dtype)],
                             "buffer": buffer, "quant": quant})
        return len(self.tensors) - 1

    def const(self, name, array, quant=None):
        array = np.asarray(array)
        return self.tensor(name, array.shape, array.dtype, quant=quant, data=array)

    def op(self, name, inputs, outputs, options=None, version=1, custom_code=None):
        code = BUILTIN_CODES["CUSTOM"] if custom_code is not None else BUILTIN_CODES[name]
        key = (code, custom_code, version)
        if key not in self.opcodes:
            self.opcodes.append(key)
        self.ops.append({"opcode": self.opcodes.index(key), "name": name, "inputs": list(inputs),
                         "outputs": list(outputs), "options": options or {}})

    def _tensor_table(self, t):
        f = {0: _ref(_Vec("i", t["shape"])), 1: _scalar("b", t["type"]), 2: _scalar("I", t["buffer"]),
             3: _ref(_Str(t["name"]))}
        q = t["quant"]
        if q is not None:
            if isinstance(q, dict):
                scales, zps, axis = list(q["scales"]), list(q["zero_points"]), int(q.get("axis", 0))
            else:
                scales, zps, axis = [q[0]], [q[1]], 0
            f[4] = _ref(_Table({2: _ref(_Vec("f", [float(s) for s in scales])),
                                3: _ref(_Vec("q", [int(z) for z in zps], 8)), 6: _scalar("i", axis)}))
        return _Table(f)

    def _op_table(self, op):
        f = {0: _scalar("I", op["opcode"]), 1: _ref(_Vec("i", op["inputs"])), 2: _ref(_Vec("i", op["outputs"]))}
        if op["name"] in _OPTIONS and op["options"] is not None:
            utype, schema = _OPTIONS[op["name"]]
            fields = {}
            for key, value in op["options"].items():
                slot, fmt = schema[key]
                fields[slot] = _scalar(fmt, value)  # written even when equal to the schema default
            f[3] = _scalar("B", utype)
            f[4] = _ref(_Table(fields))
        return _Table(f)

    def build(self, inputs, outputs, signature_key="serving_default", description="tflite_rt model writer"):
        inputs, outputs = list(inputs), list(outputs)
        opcodes = []
        for code, custom, version in self.opcodes:
            f = {0: _scalar("b", min(code, 127)), 2: _scalar("i", version), 3: _scalar("i", code)}
            if custom is not None:
                f[1] = _ref(_Str(custom))
            opcodes.append(_Table(f))
        subgraph = _Table({0: _ref(_RefVec([self._tensor_table(t) for t in self.tensors])),
                           1: _ref(_Vec("i", inputs)), 2: _ref(_Vec("i", outputs)),
                           3: _ref(_RefVec([self._op_table(o) for o in self.ops])), 4: _ref(_Str("main"))})
        buffers = [_Table({0: _ref(_Bytes(b))} if b else {}) for b in self.buffers]

        def tmap(idx):
            return _Table({0: _ref(_Str(self.tensors[idx]["name"])), 1: _scalar("I", idx)})

        sig = _Table({0: _ref(_RefVec([tmap(i) for i in inputs])), 1: _ref(_RefVec([tmap(i) for i in outputs])),
                      2: _ref(_Str(signature_key)), 4: _scalar("I", 0)})
        model = _Table({0: _scalar("I", 3), 1: _ref(_RefVec(opcodes)), 2: _ref(_RefVec([subgraph])),
                        3: _ref(_Str(description)), 4: _ref(_RefVec(buffers)), 7: _ref(_RefVec([sig]))})
        w = _Writer()
        w.buf += b"\0\0\0\0TFL3"
        w.patch(0, w.write(model))
        w.pad_to(16)
        return bytes(w.buf)


# ---- the one-op models of the kernel benchmarks ----

def _quant_weights(rng, shape, axis):
    w = rng.integers(-127, 128, size=shape, dtype=np.int8)
    n = shape[axis]
    scales = (rng.uniform(0.5, 1.5, n) * 0.01).astype(np.float32)
    return w, {"scales": scales, "zero_points": [0] * n, "axis": axis}


def one_op_model(op, dtype, *, batch=1, h=56, w=56, cin=64, cout=64, k=3, stride=1, units=1024, seed=0):
    """(model bytes, flops, bytes moved) for one CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED.
    dtype: "float32" or "int8" (per-channel int8 weights, int32 bias, int8 activations)."""
    rng = np.random.default_rng(seed)
    mw = ModelWriter()
    q = dtype == "int8"
    adt = np.int8 if q else np.float32
    depth = {"CONV_2D": k * k * cin, "DEPTHWISE_CONV_2D": k * k, "FULLY_CONNECTED": cin}.get(op, 1)
    # output scale so that random int8 inputs and weights give outputs spread over ~±60 levels
    in_q, out_q = ((0.05, -3), (0.05 * 0.01 * 73 * 73 * depth ** 0.5 / 30, 2)) if q else (None, None)
    esize = 1 if q else 4
    if op in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        ho, wo = (h + stride - 1) // stride, (w + stride - 1) // stride
        x = mw.tensor("input", [batch, h, w, cin], adt, in_q)
        if op == "CONV_2D":
            wshape, nout, axis = [cout, k, k, cin], cout, 0
            flops = 2 * batch * ho * wo * cout * k * k * cin
        else:
            wshape, nout, axis = [1, k, k, cin], cin, 3
            flops = 2 * batch * ho * wo * cin * k * k
        if q:
            wt, wq = _quant_weights(rng, wshape, axis)
            kern = mw.const("filter", wt, wq)
            bq = {"scales": [in_q[0] * s for s in wq["scales"]], "zero_points": [0] * nout, "axis": 0}
            bias = mw.const("bias", rng.integers(-1000, 1000, size=[nout], dtype=np.int32), bq)
        else:
            kern = mw.const("filter", rng.standard_normal(wshape).astype(np.float32) * 0.1)
            bias = mw.const("bias", rng.standard_normal([nout]).astype(np.float32))
        y = mw.tensor("output", [batch, ho, wo, nout], adt, out_q)
        if op == "CONV_2D":
            mw.op(op, [x, kern, bias], [y], conv2d_options("SAME", (stride, stride)), version=3 if q else 1)
        else:
            mw.op(op, [x, kern, bias], [y], depthwise_options("SAME", (stride, stride)), version=3 if q else 1)
        moved = (batch * h * w * cin + batch * ho * wo * nout) * esize + int(np.prod(wshape)) * esize
    elif op == "FULLY_CONNECTED":
        x = mw.tensor("input", [batch, cin], adt, in_q)
        if q:  # per-tensor weights: per-channel FULLY_CONNECTED needs newer op versions
            wt = rng.integers(-127, 128, size=[units, cin], dtype=np.int8)
            wq = {"scales": [0.01], "zero_points": [0], "axis": 0}
            kern = mw.const("weights", wt, wq)
            bq = (in_q[0] * 0.01, 0)
            bias = mw.const("bias", rng.integers(-1000, 1000, size=[units], dtype=np.int32), bq)
        else:
            kern = mw.const("weights", rng.standard_normal([units, cin]).astype(np.float32) * 0.05)
            bias = mw.const("bias", rng.standard_normal([units]).astype(np.float32))
        y = mw.tensor("output", [batch, units], adt, out_q)
        mw.op(op, [x, kern, bias], [y], fully_connected_options(), version=4 if q else 1)
        flops = 2 * batch * units * cin
        moved = (batch * cin + batch * units + units * cin) * esize
    else:
        raise ValueError(f"no one-op model for {op}")
    return mw.build([x], [y], description=f"one-op {op} {dtype}"), flops, moved


def custom_op_model(custom_code="TFLRT_NOT_AN_OP"):
    """A model with one custom op no runtime knows: for 'unsupported op' paths."""
    mw = ModelWriter()
    x = mw.tensor("x", [1, 4], np.float32)
    y = mw.tensor("y", [1, 4], np.float32)
    mw.op("CUSTOM", [x], [y], custom_code=custom_code)
    return mw.build([x], [y])
