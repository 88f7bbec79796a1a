#!/usr/bin/env python3
"""Mutation fuzzing of whole models: load + allocate_tensors + invoke must never crash or hang.

Every mutant of a corpus model is run in a worker subprocess (a pool, one per core by default)
and classified:

    ok          loaded, allocated and invoked (outputs read back)
    ValueError  / RuntimeError                    a clean exception, with the stage it came from
    OTHER       another exception type (a bug: the contract is the three above)
    CRASH       the worker died (signal, sanitizer report, abort)
    HANG        no answer within --timeout seconds (the worker is killed)

Mutants come from (model, seed) deterministically, so any line of the log can be reproduced
with `--replay-seed MODEL:SEED`. Byte-level mutants (flips, interesting u32 values, truncation)
are cheap and mostly exercise the loader; structural mutants edit the decoded model through
tests/tflite_reader.load_model (tensor indices incl. negative, shapes, dtypes, quantization,
op options, op codes and versions, control-flow subgraph indices incl. self-recursion, buffers,
constant values such as axes, shapes and gather indices, operator order) and reach the
interpreter and the ops' prepare/eval.

Crashers, hangs and OTHER exceptions are saved in --crashers (default tests/fuzz/crashers/):
NAME.tflite when the mutant is at most --max-save bytes, always NAME.txt with the model, seed,
mutations, outcome and the tail of the worker's stderr (sanitizer report).

    python3 tests/fuzz/mutate_models.py --mutants 2500 --jobs 2          # 8 models x 2500
    python3 tests/fuzz/mutate_models.py --models ops_zoo__int8 --mutants 200 --extras
    python3 tests/fuzz/mutate_models.py --replay tests/fuzz/crashers/x.tflite
    python3 tests/fuzz/mutate_models.py --replay-seed unet__int8:1234 --save /tmp/m.tflite

Use a private package copy (tests/dev_build.sh prints it) through PYTHONPATH for long runs;
for a sanitized run build with TFLITE_RT_SANITIZE=1 and pass the LD_PRELOAD line in the
environment (this script adds ASAN_OPTIONS/UBSAN_OPTIONS that make reports fatal).
"""
import argparse
import copy
import json
import os
import random
import selectors
import signal
import struct
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
MODELS_DIR = os.environ.get("TFLITE_RT_CORPUS", os.path.join(ROOT, "..", "shared", "models"))
DEFAULT_MODELS = ["mobilenet_v2_100__int8", "kws_dscnn__int16x8", "transformer__fp32", "unet__int8",
                  "ops_zoo__int8", "ops_zoo_float__fp32", "resnet_small__dr", "gru_bilstm__fp32"]
EXTRA_MODELS = ["cf_while", "cf_if", "cf_call_once", "cf_nested"]  # built here (control flow)

if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INTERESTING_INTS = [0, 1, -1, 2, -2, 3, 4, 7, 8, 9, 16, 255, 256, 65535, 65536, 1 << 20, 1 << 24,
                    1 << 30, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, -1000, 1000]
INTERESTING_FLOATS = [0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"), 1e-38, 1e38,
                      1e-45, 3.4e38, -3.4e38, 0.5, 1e-10, 65504.0]
SCALAR_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "uint16": (0, 65535),
                 "int32": (INT32_MIN, INT32_MAX), "uint32": (0, (1 << 32) - 1),
                 "int64": (-(1 << 63), (1 << 63) - 1), "uint64": (0, (1 << 64) - 1)}


# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

def _extra_model(name):
    import numpy as np
    from tflite_builder import ModelBuilder
    b = ModelBuilder()
    if name == "cf_while":
        cond = b.subgraph("cond")
        ci = cond.input("i", [], np.int32)
        cx = cond.input("x", [2], np.float32)
        lim = cond.const("lim", np.array(10, np.int32))
        cb = cond.tensor("c", [], np.bool_)
        cond.op("LESS", [ci, lim], [cb])
        cond.output(cb)
        body = b.subgraph("body")
        bi = body.input("i", [], np.int32)
        bx = body.input("x", [2], np.float32)
        three = body.const("three", np.array(3, np.int32))
        bo = body.tensor("o", [], np.int32)
        bxo = body.tensor("xo", [2], np.float32)
        body.op("ADD", [bi, three], [bo])
        body.op("MUL", [bx, bx], [bxo])
        body.output(bo, bxo)
        x = b.input("i", [], np.int32)
        xx = b.input("x", [2], np.float32)
        y = b.tensor("y", [], np.int32)
        yx = b.tensor("yx", [2], np.float32)
        b.op("WHILE", [x, xx], [y, yx], {"cond_subgraph_index": cond.index, "body_subgraph_index": body.index})
        b.output(y, yx)
    elif name == "cf_if":
        then_g, else_g = b.subgraph("then"), b.subgraph("else")
        for g, op in ((then_g, "ADD"), (else_g, "MUL")):
            p = g.input("a", [3])
            q = g.input("b", [3])
            r = g.tensor("r", [3])
            g.op(op, [p, q], [r])
            g.output(r)
        c = b.input("c", [], np.bool_)
        a = b.input("a", [3])
        bb = b.input("b", [3])
        y = b.tensor("y", [3])
        b.op("IF", [c, a, bb], [y], {"then_subgraph_index": then_g.index, "else_subgraph_index": else_g.index})
        b.output(y)
    elif name == "cf_call_once":
        init = b.subgraph("init")
        h = init.tensor("h", [], "RESOURCE")
        v = init.const("v", np.array([1.5, -2.0], np.float32))
        init.op("VAR_HANDLE", [], [h], {"container": "", "shared_name": "var0"})
        init.op("ASSIGN_VARIABLE", [h, v], [])
        x = b.input("x", [2], np.float32)
        hm = b.tensor("h", [], "RESOURCE")
        r = b.tensor("r", [2], np.float32)
        y = b.tensor("y", [2], np.float32)
        b.op("CALL_ONCE", [], [], {"init_subgraph_index": init.index})
        b.op("VAR_HANDLE", [], [hm], {"shared_name": "var0"})
        b.op("READ_VARIABLE", [hm], [r])
        b.op("ADD", [r, x], [y])
        b.output(y)
    elif name == "cf_nested":
        # WHILE whose body runs an IF; a RESHAPE with a computed shape makes a dynamic tensor
        then_g, else_g = b.subgraph("then"), b.subgraph("else")
        for g, op in ((then_g, "ADD"), (else_g, "SUB")):
            p = g.input("a", [4])
            r = g.tensor("r", [4])
            g.op(op, [p, p], [r])
            g.output(r)
        cond = b.subgraph("cond")
        ci = cond.input("i", [], np.int32)
        cond.input("x", [4], np.float32)
        lim = cond.const("lim", np.array(3, np.int32))
        cb = cond.tensor("c", [], np.bool_)
        cond.op("LESS", [ci, lim], [cb])
        cond.output(cb)
        body = b.subgraph("body")
        bi = body.input("i", [], np.int32)
        bx = body.input("x", [4], np.float32)
        one = body.const("one", np.array(1, np.int32))
        bo = body.tensor("o", [], np.int32)
        two = body.const("two", np.array(2, np.int32))
        odd = body.tensor("odd", [], np.int32)
        flag = body.tensor("flag", [], np.bool_)
        zero = body.const("zero", np.array(0, np.int32))
        bxo = body.tensor("xo", [4], np.float32)
        body.op("ADD", [bi, one], [bo])
        body.op("FLOOR_MOD", [bi, two], [odd])
        body.op("EQUAL", [odd, zero], [flag])
        body.op("IF", [flag, bx], [bxo], {"then_subgraph_index": then_g.index, "else_subgraph_index": else_g.index})
        body.output(bo, bxo)
        x = b.input("i", [], np.int32)
        xx = b.input("x", [4], np.float32)
        y = b.tensor("y", [], np.int32)
        yx = b.tensor("yx", [4], np.float32)
        shp = b.tensor("shp", [1], np.int32)
        out = b.tensor("out", [4], np.float32)
        b.op("WHILE", [x, xx], [y, yx], {"cond_subgraph_index": cond.index, "body_subgraph_index": body.index})
        b.op("SHAPE", [yx], [shp])
        b.op("RESHAPE", [yx, shp], [out])
        b.output(y, out)
    else:
        raise KeyError(name)
    return b.build()


def builder_cases():
    """Names ('case:NAME') of the one-op models of tests/test_tflite_builder_ops.py."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from tests import test_tflite_builder_ops as t
    return ["case:" + n for n in t.CASES]


def model_bytes(name):
    if name in EXTRA_MODELS:
        return _extra_model(name)
    if name.startswith("case:"):
        if ROOT not in sys.path:
            sys.path.insert(0, ROOT)
        from tests import test_tflite_builder_ops as t
        return t.CASES[name[5:]]()[0]
    path = name if os.path.isfile(name) else os.path.join(MODELS_DIR, name + ".tflite")
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------

class Mutator:
    """Deterministic mutants of one model: mutate(seed) -> (bytes, [description, ...])."""

    def __init__(self, name, data):
        from tflite_reader import load_model
        self.name = name
        self.data = data
        self.base = load_model(data)
        self.meta_ranges = self._metadata_ranges(data)

    @staticmethod
    def _metadata_ranges(data):
        """Byte ranges of the file that are not large buffer payloads (where flips matter)."""
        from tflite_reader import model_root
        from tflite_schema import SLOTS
        big = []
        try:
            for buf in model_root(data).tables(SLOTS["Model"]["buffers"]):
                start, n = buf.vector_pos(SLOTS["Buffer"]["data"])
                if start is not None and n > 256:
                    big.append((start, start + n))
        except Exception:
            pass
        big.sort()
        out, pos = [], 0
        for s, e in big:
            if s > pos:
                out.append((pos, s))
            pos = max(pos, e)
        if pos < len(data):
            out.append((pos, len(data)))
        return out or [(0, len(data))]

    def _meta_pos(self, rng):
        weights = [e - s for s, e in self.meta_ranges]
        s, e = rng.choices(self.meta_ranges, weights=weights)[0]
        return rng.randrange(s, e)

    # ---- byte level ----
    def byte_mutant(self, rng):
        data = bytearray(self.data)
        kind = rng.choice(["flip", "flip", "u32", "u32", "truncate", "zero"])
        if kind == "truncate":
            cut = self._meta_pos(rng) if rng.random() < 0.7 else rng.randrange(0, len(data))
            return bytes(data[:cut]), [f"truncate to {cut} of {len(data)} bytes"]
        desc = []
        for _ in range(rng.randint(1, 4)):
            p = self._meta_pos(rng) if rng.random() < 0.9 else rng.randrange(len(data))
            if kind == "flip":
                bit = rng.randrange(8)
                data[p] ^= 1 << bit
                desc.append(f"flip bit {bit} at {p}")
            elif kind == "zero":
                n = rng.randint(1, 16)
                data[p:p + n] = bytes(len(data[p:p + n]))
                desc.append(f"zero {n} bytes at {p}")
            else:
                p &= ~3
                v = rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(data), len(data) - 4, 0xFFFF,
                                rng.getrandbits(32), rng.getrandbits(8)])
                if p + 4 <= len(data):
                    data[p:p + 4] = struct.pack("<I", v)
                    desc.append(f"u32 {v:#x} at {p}")
        return bytes(data), desc

    # ---- structural ----
    def struct_mutant(self, rng):
        b = copy.copy(self.base)
        # copy what mutations change (buffers are bytes: immutable, shared)
        b.buffers = list(self.base.buffers)
        b.opcodes = list(self.base.opcodes)
        b.signatures = copy.deepcopy(self.base.signatures)
        subgraphs = []
        for k, sg in enumerate(self.base.subgraphs):
            c = b if k == 0 else copy.copy(sg)
            c.tensors = copy.deepcopy(sg.tensors)
            c.operators = []
            for op in sg.operators:
                o = dict(op)
                o["inputs"], o["outputs"] = list(op["inputs"]), list(op["outputs"])
                o["options"] = copy.deepcopy(op["options"])
                c.operators.append(o)
            c.inputs, c.outputs = list(sg.inputs), list(sg.outputs)
            subgraphs.append(c)
        b.subgraphs = subgraphs
        desc = []
        for _ in range(rng.choices([1, 2, 3], weights=[6, 3, 1])[0]):
            m = rng.choices(MUTATIONS, weights=[w for _, w in MUTATIONS])[0][0]
            d = m(self, b, rng)
            if d:
                desc.append(d)
        return b.build(signature=None), desc

    def mutate(self, seed):
        rng = random.Random(f"{self.name}:{seed}")
        for attempt in range(8):
            try:
                if rng.random() < 0.25:
                    return self.byte_mutant(rng)
                data, desc = self.struct_mutant(rng)
                if desc:
                    return data, desc
            except (struct.error, OverflowError, ValueError, TypeError, KeyError, IndexError):
                continue  # the builder could not write this one: draw another
        return self.byte_mutant(rng)


def _sg(b, rng):
    k = rng.randrange(len(b.subgraphs))
    return k, b.subgraphs[k]


def _bad_index(n, rng):
    return rng.choice([-1, -2, -3, -(1 << 31), n, n + 1, n + rng.randint(2, 100), INT32_MAX,
                       rng.randrange(max(n, 1)), rng.randrange(max(n, 1))])


def m_op_tensor_index(mu, b, rng):
    k, sg = _sg(b, rng)
    if not sg.operators:
        return None
    oi = rng.randrange(len(sg.operators))
    op = sg.operators[oi]
    field = rng.choice(["inputs", "outputs"])
    lst = op[field]
    n = len(sg.tensors)
    action = rng.random()
    if action < 0.6 and lst:
        j = rng.randrange(len(lst))
        if rng.random() < 0.3 and field == "inputs" and op["outputs"]:
            v = rng.choice(op["outputs"])  # input == output
        elif rng.random() < 0.3 and field == "outputs" and op["inputs"]:
            v = rng.choice(op["inputs"])
        else:
            v = _bad_index(n, rng)
        old = lst[j]
        lst[j] = v
        return f"sg{k} op{oi} {field}[{j}] {old} -> {v}"
    if action < 0.8 and lst:
        j = rng.randrange(len(lst))
        del lst[j]
        return f"sg{k} op{oi} drop {field}[{j}]"
    v = rng.choice([-1, rng.randrange(max(n, 1)), _bad_index(n, rng)])
    lst.append(v)
    return f"sg{k} op{oi} append {field} {v}"


def m_graph_io(mu, b, rng):
    k, sg = _sg(b, rng)
    field = rng.choice(["inputs", "outputs"])
    lst = getattr(sg, field)
    n = len(sg.tensors)
    r = rng.random()
    if r < 0.5 and lst:
        j = rng.randrange(len(lst))
        v = _bad_index(n, rng)
        lst[j] = v
        return f"sg{k} graph {field}[{j}] -> {v}"
    if r < 0.75 and lst:
        j = rng.randrange(len(lst))
        del lst[j]
        return f"sg{k} graph drop {field}[{j}]"
    v = rng.randrange(max(n, 1)) if rng.random() < 0.7 else _bad_index(n, rng)
    lst.append(v)
    return f"sg{k} graph append {field} {v}"


def _pick_tensor(b, rng, pred=None):
    k, sg = _sg(b, rng)
    cands = [i for i, t in enumerate(sg.tensors) if pred is None or pred(t)]
    if not cands:
        return None, None, None
    # favour tensors the ops use
    i = rng.choice(cands)
    return k, i, sg.tensors[i]


def _dim_value(rng, old):
    return rng.choice([0, 0, -1, -2, INT32_MIN, INT32_MAX, 1 << 16, 1 << 20, 65535, 1, 2, 3,
                       max(old - 1, 0), old + 1, old * 2, rng.randint(1, 64)])


_ITEMSIZE = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 8: 8, 9: 1, 10: 8, 11: 16, 12: 8, 15: 4, 16: 2, 18: 2}


def _refit_buffer(b, t, rng):
    """Gives a constant tensor a new buffer that matches its (mutated) shape and type, so the
    mutant gets past the loader's size check and reaches prepare."""
    if t["buffer"] <= 0 or t["buffer"] >= len(b.buffers) or rng.random() < 0.3:
        return ""
    es = _ITEMSIZE.get(t["type"])
    if es is None or any(d < 0 for d in t["shape"]):
        return ""
    n = 1
    for d in t["shape"]:
        n *= d
    if n * es > (1 << 20):
        return ""
    old = b.buffers[t["buffer"]]
    if rng.random() < 0.5 and old:
        raw = (old * (n * es // len(old) + 1))[:n * es]
    else:
        raw = bytes(rng.getrandbits(8) for _ in range(min(n * es, 4096))) + bytes(max(n * es - 4096, 0))
    b.buffers.append(raw)
    t["buffer"] = len(b.buffers) - 1
    return " (buffer refitted)"


def m_shape(mu, b, rng):
    k, i, t = _pick_tensor(b, rng, (lambda t: t["buffer"] == 0) if rng.random() < 0.6 else None)
    if t is None:
        return None
    shape = list(t["shape"])
    r = rng.random()
    if r < 0.5 and shape:
        d = rng.randrange(len(shape))
        shape[d] = _dim_value(rng, shape[d])
    elif r < 0.65 and shape:
        del shape[rng.randrange(len(shape))]
    elif r < 0.8:
        shape.insert(rng.randrange(len(shape) + 1), rng.choice([1, 1, 2, 0, 3]))
    elif r < 0.9:
        shape = [1] * rng.choice([9, 10, 16]) if rng.random() < 0.5 else shape + [1] * (9 - len(shape))
    else:
        shape = []
    old = t["shape"]
    t["shape"] = shape
    if t["shape_signature"] is not None and rng.random() < 0.7:
        t["shape_signature"] = [(-1 if rng.random() < 0.3 else d) for d in shape]
    return f"sg{k} tensor{i} shape {old} -> {shape}" + _refit_buffer(b, t, rng)


def m_shape_signature(mu, b, rng):
    k, i, t = _pick_tensor(b, rng)
    if t is None:
        return None
    n = len(t["shape"])
    choice = rng.random()
    if choice < 0.4:
        sig = [rng.choice([-1, -2, d, 0, INT32_MIN]) for d in t["shape"]]
    elif choice < 0.7:
        sig = [-1] * rng.choice([max(n - 1, 0), n + 1, n])
    else:
        sig = None
    t["shape_signature"] = sig
    return f"sg{k} tensor{i} shape_signature -> {sig}"


def m_dtype(mu, b, rng):
    k, i, t = _pick_tensor(b, rng, (lambda t: t["buffer"] == 0) if rng.random() < 0.5 else None)
    if t is None:
        return None
    v = rng.choice(list(range(0, 23)) * 2 + [0, 2, 3, 9, 7, 1, 23, 50, 127, -1, -128])
    old = t["type"]
    t["type"] = v
    return f"sg{k} tensor{i} type {old} -> {v}" + _refit_buffer(b, t, rng)


def m_quant(mu, b, rng):
    k, i, t = _pick_tensor(b, rng)
    if t is None:
        return None
    q = copy.deepcopy(t["quant"]) if t["quant"] else {"scales": [0.1], "zero_points": [0], "axis": 0}
    r = rng.random()
    n = len(q.get("scales") or [])
    if r < 0.3 and n:
        j = rng.randrange(n)
        q["scales"][j] = rng.choice(INTERESTING_FLOATS + [-1.0, -0.5])
        what = f"scale[{j}] = {q['scales'][j]}"
    elif r < 0.5:
        m = rng.choice([0, 1, max(n - 1, 0), n + 1, 2, 64])
        q["scales"] = [rng.choice([0.5, 0.01, 1.0]) for _ in range(m)]
        q["zero_points"] = [0] * (m if rng.random() < 0.7 else rng.choice([0, 1, m + 1]))
        what = f"{m} scales, {len(q['zero_points'])} zero points"
    elif r < 0.7:
        zps = q.get("zero_points") or [0]
        j = rng.randrange(len(zps))
        zps[j] = rng.choice([-129, 128, 255, 256, -32769, 32768, INT32_MIN, INT32_MAX, 1 << 40, -1, 127, -128])
        q["zero_points"] = zps
        what = f"zero_point[{j}] = {zps[j]}"
    elif r < 0.9:
        q["axis"] = rng.choice([-1, -2, len(t["shape"]), len(t["shape"]) + 1, 7, 8, 100, INT32_MAX, 0, 1, 3])
        what = f"quantized_dimension = {q['axis']}"
    else:
        q = None
        what = "no quantization"
    t["quant"] = q
    return f"sg{k} tensor{i} quant {what}"


def _clamp_scalar(typ, v):
    if typ == "bool":
        return bool(v)
    if typ == "float32":
        return float(v)
    lo, hi = SCALAR_RANGES.get(typ, (INT32_MIN, INT32_MAX))
    v = int(v)
    return min(max(v, lo), hi)


def m_options(mu, b, rng):
    from tflite_schema import ENUMS, OPTION_TABLES, options_table, BUILTIN_OPS
    k, sg = _sg(b, rng)
    if not sg.operators:
        return None
    oi = rng.randrange(len(sg.operators))
    op = sg.operators[oi]
    code = b.opcodes[op["opcode"]][0]
    r = rng.random()
    if op["table"] is None or r < 0.1:
        if r < 0.05:
            op["table"] = rng.choice(list(OPTION_TABLES.values()))
            op["options"] = {}
            return f"sg{k} op{oi} options table -> {op['table'].name} (wrong table)"
        t = options_table(BUILTIN_OPS[code]) if 0 <= code < len(BUILTIN_OPS) else None
        if t is None or op["table"] is not None:
            op["table"], op["options"] = None, None
            return f"sg{k} op{oi} options removed"
        op["table"], op["options"] = t, {}
        return f"sg{k} op{oi} options table {t.name} with defaults"
    table = op["table"]
    fields = [f for f in table.fields if not f.deprecated]
    if not fields:
        return None
    f = rng.choice(fields)
    opts = op["options"] if op["options"] is not None else {}
    op["options"] = opts
    if f.type == "string":
        v = rng.choice(["", "x", "var0", "\u00ff" * 3, "a" * 300])
    elif f.is_vector:
        et = f.elem_type
        et = ENUMS[et][0] if et in ENUMS else et
        cur = list(opts.get(f.name) or [])
        rr = rng.random()
        if rr < 0.3 or not cur:
            cur = [rng.choice(INTERESTING_INTS) for _ in range(rng.choice([0, 1, 2, 4, 9]))]
        elif rr < 0.7:
            cur[rng.randrange(len(cur))] = rng.choice(INTERESTING_INTS)
        else:
            cur = cur + [rng.choice([-1, 0, 1])]
        v = [(_clamp_scalar(et, x) if et != "float32" else float(x)) for x in cur]
    elif f.type in ENUMS:
        et = ENUMS[f.type][0]
        v = _clamp_scalar(et, rng.choice([-1, 5, 6, 7, 100, 127, -128, 2, 3, 4]))
    elif f.type == "float32":
        v = rng.choice(INTERESTING_FLOATS)
    elif f.type == "bool":
        v = not bool(opts.get(f.name, f.default))
    else:
        v = _clamp_scalar(f.type, rng.choice(INTERESTING_INTS + [len(b.subgraphs), len(b.subgraphs) - 1, k]))
    opts[f.name] = v
    return f"sg{k} op{oi} ({BUILTIN_OPS[code] if 0 <= code < len(BUILTIN_OPS) else code}) {f.name} = {v!r}"


def _supported_codes():
    try:
        from tflite_rt import _native
        return sorted({code for _n, code, _lo, _hi in _native.supported_ops()})
    except Exception:
        return list(range(0, 127))


_SUPPORTED = None


def m_opcode(mu, b, rng):
    global _SUPPORTED
    if _SUPPORTED is None:
        _SUPPORTED = _supported_codes()
    r = rng.random()
    if r < 0.45:
        k, sg = _sg(b, rng)
        if not sg.operators:
            return None
        oi = rng.randrange(len(sg.operators))
        op = sg.operators[oi]
        if rng.random() < 0.5 and len(b.opcodes) > 1:
            v = rng.randrange(len(b.opcodes))
        elif rng.random() < 0.8:
            code = rng.choice(_SUPPORTED)
            b.opcodes.append((code, None, rng.choice([1, 1, 2, 3])))
            v = len(b.opcodes) - 1
        else:
            v = rng.choice([len(b.opcodes), len(b.opcodes) + 5, (1 << 32) - 1])
        old = op["opcode"]
        op["opcode"] = v
        return f"sg{k} op{oi} opcode_index {old} -> {v}"
    if not b.opcodes:
        return None
    j = rng.randrange(len(b.opcodes))
    code, custom, ver = b.opcodes[j]
    if r < 0.75:
        ver = rng.choice([0, -1, 2, 3, 4, 5, 7, 100, INT32_MAX, INT32_MIN])
    elif r < 0.95:
        code = rng.choice(_SUPPORTED + [200, 209, 210, 255, 1000, -1, 32, 51, 16, 127])
        custom = "my_custom_op" if code == 32 else None
    else:
        code, custom = 32, rng.choice([None, "", "X" * 100])
    b.opcodes[j] = (code, custom, ver)
    return f"opcode {j} -> ({code}, {custom!r}, version {ver})"


def m_control_flow(mu, b, rng):
    """Subgraph indices of WHILE/IF/CALL_ONCE: out of range, negative, self-recursion; or a new
    control-flow op pointing at its own subgraph."""
    from tflite_schema import BUILTIN_CODE, options_table
    cf = {BUILTIN_CODE["WHILE"], BUILTIN_CODE["IF"], BUILTIN_CODE["CALL_ONCE"]}
    sites = [(k, oi) for k, sg in enumerate(b.subgraphs) for oi, op in enumerate(sg.operators)
             if b.opcodes[op["opcode"]][0] in cf and op["options"] is not None]
    n = len(b.subgraphs)
    if sites and rng.random() < 0.75:
        k, oi = rng.choice(sites)
        op = b.subgraphs[k].operators[oi]
        field = rng.choice([f for f in op["options"]] or ["init_subgraph_index"])
        v = rng.choice([k, k, 0, -1, n, n + 1, INT32_MAX, INT32_MIN, rng.randrange(n)])
        op["options"][field] = v
        return f"sg{k} op{oi} {field} = {v} (subgraph {k}, {n} subgraphs)"
    # insert CALL_ONCE / WHILE referring back to an ancestor or itself
    k, sg = _sg(b, rng)
    kind = rng.choice(["CALL_ONCE", "CALL_ONCE", "WHILE", "IF"])
    code = BUILTIN_CODE[kind]
    key = (code, None, 1)
    if key not in b.opcodes:
        b.opcodes.append(key)
    target = rng.choice([k, 0, rng.randrange(n)])
    if kind == "CALL_ONCE":
        op = {"opcode": b.opcodes.index(key), "inputs": [], "outputs": [], "table": options_table(kind),
              "options": {"init_subgraph_index": target}, "custom_options": None, "intermediates": None,
              "mutating_variable_inputs": None}
    else:
        ins = list(sg.inputs) or [0]
        t = len(sg.tensors)
        sg.tensors.append(copy.deepcopy(sg.tensors[ins[0]]) if sg.tensors else
                          {"name": "x", "shape": [], "type": 2, "buffer": 0, "quant": None, "is_variable": False,
                           "shape_signature": None, "sparsity": None, "has_rank": True})
        sg.tensors[-1]["buffer"] = 0
        opts = ({"cond_subgraph_index": target, "body_subgraph_index": rng.choice([target, k])} if kind == "WHILE"
                else {"then_subgraph_index": target, "else_subgraph_index": rng.choice([target, k])})
        op = {"opcode": b.opcodes.index(key), "inputs": ins[:1] if kind == "WHILE" else [ins[0]] + ins[:1],
              "outputs": [t], "table": options_table(kind), "options": opts, "custom_options": None,
              "intermediates": None, "mutating_variable_inputs": None}
    pos = rng.randrange(len(sg.operators) + 1)
    sg.operators.insert(pos, op)
    return f"sg{k} insert {kind} at {pos} -> subgraph {target}"


def m_buffer(mu, b, rng):
    r = rng.random()
    if r < 0.5:
        k, i, t = _pick_tensor(b, rng, lambda t: t["buffer"] > 0)
        if t is None:
            return None
        bi = t["buffer"]
        raw = b.buffers[bi]
        rr = rng.random()
        if rr < 0.3:
            new = raw[:max(len(raw) - rng.choice([1, 2, 4, 8, len(raw)]), 0)]
        elif rr < 0.5:
            new = raw + bytes(rng.choice([1, 4, 16]))
        elif rr < 0.6:
            new = b""
        else:
            new = raw[:len(raw) // 2]
        b.buffers[bi] = new
        return f"buffer {bi} (sg{k} tensor{i}) {len(raw)} -> {len(new)} bytes"
    k, i, t = _pick_tensor(b, rng)
    if t is None:
        return None
    nb = len(b.buffers)
    v = rng.choice([0, rng.randrange(nb), nb, nb + 1, (1 << 32) - 1, rng.randrange(nb)])
    old = t["buffer"]
    t["buffer"] = v
    return f"sg{k} tensor{i} buffer {old} -> {v}"


def m_const_values(mu, b, rng):
    """Values of small integer constants (axes, shapes, paddings, perms, begin/end/strides,
    gather indices, block shapes, sizes) and float constants."""
    import numpy as np
    k, i, t = _pick_tensor(b, rng, lambda t: 0 < t["buffer"] < len(b.buffers) and
                           t["type"] in (2, 4, 0, 9, 3, 7) and 0 < len(b.buffers[t["buffer"]]) <= 4096)
    if t is None:
        return None
    dt = {2: "<i4", 4: "<i8", 0: "<f4", 9: "i1", 3: "u1", 7: "<i2"}[t["type"]]
    raw = b.buffers[t["buffer"]]
    arr = np.frombuffer(raw, dtype=dt).copy()
    if arr.size == 0:
        return None
    j = rng.randrange(arr.size)
    if dt in ("<i4", "<i8"):
        v = rng.choice([-1, -2, -3, -4, -5, 0, 1, 2, 3, 4, 5, 8, 9, 100, INT32_MAX, INT32_MIN, 1 << 16,
                        int(arr[j]) + 1, int(arr[j]) - 1, -int(arr[j])])
        if dt == "<i8" and rng.random() < 0.2:
            v = rng.choice([1 << 40, -(1 << 40), (1 << 63) - 1, -(1 << 63)])
    elif dt == "<f4":
        v = rng.choice(INTERESTING_FLOATS)
    else:
        info = np.iinfo(np.dtype(dt))
        v = rng.choice([info.min, info.max, 0, -1 if info.min < 0 else 1])
    arr[j] = v
    b.buffers = list(b.buffers)
    nb = arr.tobytes()
    # a new buffer, so tensors sharing the old one keep their values
    b.buffers.append(nb)
    t["buffer"] = len(b.buffers) - 1
    return f"sg{k} tensor{i} value[{j}] = {v}"


def m_ops_order(mu, b, rng):
    k, sg = _sg(b, rng)
    ops = sg.operators
    if not ops:
        return None
    r = rng.random()
    if r < 0.35 and len(ops) > 1:
        a, c = rng.sample(range(len(ops)), 2)
        ops[a], ops[c] = ops[c], ops[a]
        return f"sg{k} swap ops {a} {c}"
    if r < 0.6:
        j = rng.randrange(len(ops))
        del ops[j]
        return f"sg{k} delete op {j}"
    if r < 0.8:
        j = rng.randrange(len(ops))
        ops.insert(rng.randrange(len(ops) + 1), copy.deepcopy(ops[j]))
        return f"sg{k} duplicate op {j}"
    if r < 0.9 and sg.tensors:
        j = rng.randrange(len(sg.tensors))
        del sg.tensors[j]
        return f"sg{k} delete tensor {j} (later indices shift)"
    if len(b.subgraphs) > 1 and rng.random() < 0.5:
        j = rng.randrange(1, len(b.subgraphs))
        del b.subgraphs[j]
        return f"delete subgraph {j}"
    b.subgraphs[:] = b.subgraphs[:1] if rng.random() < 0.5 else []
    return "keep only the first subgraph" if b.subgraphs else "no subgraphs"


def m_variable(mu, b, rng):
    k, i, t = _pick_tensor(b, rng)
    if t is None:
        return None
    t["is_variable"] = not t["is_variable"]
    return f"sg{k} tensor{i} is_variable = {t['is_variable']}"


def m_signature(mu, b, rng):
    if rng.random() < 0.4 and len(b.subgraphs) > 1:
        # a signature that runs a control-flow body directly
        k = rng.randrange(1, len(b.subgraphs))
        sg = b.subgraphs[k]
        ins = {f"in{j}": t for j, t in enumerate(sg.inputs)}
        outs = {f"out{j}": t for j, t in enumerate(sg.outputs)}
        b.signatures = list(b.signatures or []) + [(f"sub{k}", ins, outs, k)]
        return f"signature for subgraph {k}"
    sigs = b.signatures
    if not sigs:
        b.signatures = [("s", {"x": rng.choice([0, -1, 1 << 20])}, {"y": 0}, rng.choice([0, 1, 5, (1 << 32) - 1]))]
        return f"add signature {b.signatures[0]}"
    j = rng.randrange(len(sigs))
    key, ins, outs, sub = sigs[j]
    ins, outs = dict(ins), dict(outs)
    r = rng.random()
    if r < 0.4 and ins:
        name = rng.choice(list(ins))
        ins[name] = rng.choice([1 << 20, (1 << 32) - 1, len(b.subgraphs[0].tensors), 0])
    elif r < 0.7:
        sub = rng.choice([len(b.subgraphs), (1 << 32) - 1, 1, 0])
    else:
        outs["extra"] = rng.choice([0, 1, (1 << 31)])
    sigs[j] = (key, ins, outs, sub)
    return f"signature {j} -> {sigs[j]}"


def m_custom_options(mu, b, rng):
    k, sg = _sg(b, rng)
    if not sg.operators:
        return None
    oi = rng.randrange(len(sg.operators))
    n = rng.choice([0, 1, 7, 64])
    sg.operators[oi]["custom_options"] = bytes(rng.getrandbits(8) for _ in range(n))
    return f"sg{k} op{oi} custom_options {n} random bytes"


def m_sparsity(mu, b, rng):
    k, i, t = _pick_tensor(b, rng, lambda t: t["buffer"] > 0 and len(t["shape"]) >= 1)
    if t is None:
        return None
    n = len(t["shape"])
    order = list(range(n))
    if rng.random() < 0.3:
        rng.shuffle(order)
    dims = [{"format": "DENSE", "dense_size": d} for d in t["shape"]]
    if rng.random() < 0.7:
        j = rng.randrange(n)
        dims[j] = {"format": "SPARSE_CSR", "array_segments": [0, rng.randint(0, 3)],
                   "array_indices": [rng.choice([0, 1, 5, 65535]) for _ in range(rng.randint(0, 3))]}
    t["sparsity"] = {"traversal_order": order, "dim_metadata": dims}
    return f"sg{k} tensor{i} sparsity {t['sparsity']}"


MUTATIONS = [
    (m_op_tensor_index, 12), (m_graph_io, 4), (m_shape, 14), (m_shape_signature, 2), (m_dtype, 9),
    (m_quant, 8), (m_options, 14), (m_opcode, 7), (m_control_flow, 5), (m_buffer, 5),
    (m_const_values, 12), (m_ops_order, 4), (m_variable, 2), (m_signature, 2), (m_custom_options, 1),
    (m_sparsity, 1),
]


# ---------------------------------------------------------------------------------------------
# Running one model (in the worker)
# ---------------------------------------------------------------------------------------------

def _random_input(np, rng, shape, dtype):
    shape = [int(d) for d in shape]
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.floating):
        a = rng.standard_normal(size=shape).astype(dtype)
        if a.size and rng.random() < 0.1:
            a.reshape(-1)[rng.integers(0, a.size)] = rng.choice([np.nan, np.inf, -np.inf, 1e30])
        return a
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        # mostly small values: a scalar int input is often a loop counter, and a WHILE loop
        # from INT32_MIN to 3 is the model's semantics, not a hang of the runtime
        if rng.random() < 0.8 or not shape:
            lo = 0 if rng.random() < 0.5 else max(info.min, -4)
            return rng.integers(lo, min(info.max, 8), size=shape, endpoint=True).astype(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    if np.issubdtype(dtype, np.complexfloating):
        return (rng.standard_normal(size=shape) + 1j * rng.standard_normal(size=shape)).astype(dtype)
    raise TypeError(f"no random input for {dtype}")


MAX_INPUT_ELEMS = 1 << 24


class LoopWatchdog:
    """Tells a WHILE loop that keeps iterating (the model's own semantics: its condition stays
    true) from a hang of the runtime. While invoke runs (the GIL is released), a thread samples
    the per-node eval counts of the subgraphs other than 0; if they still grow after
    `after` seconds, it reports LOOP and ends the worker (the parent starts a new one)."""

    def __init__(self, out, after):
        import threading
        self.out, self.after = out, after
        self.interp = None
        self.job_start = time.time()
        threading.Thread(target=self._run, daemon=True).start()

    def _count(self, it):
        n = 0
        for s in range(1, it.num_subgraphs()):
            n += sum(c for _ns, c in it._native.node_profile(s))
        return n

    def _run(self):
        while True:
            time.sleep(0.5)
            it = self.interp
            if it is None or time.time() - self.job_start < self.after:
                continue
            try:
                a = self._count(it)
                time.sleep(1.0)
                if self.interp is it and self._count(it) > a:
                    self.out.write(json.dumps({"outcome": "LOOP", "stage": "invoke",
                                               "msg": f"a WHILE loop still iterates after {self.after:.0f}s "
                                                      f"(subgraph node evals {a} and growing)"}) + "\n")
                    self.out.flush()
                    os._exit(0)
            except Exception:
                pass


def run_model(data, seed, arena_limit, watchdog=None):
    """Load + allocate + invoke; returns (outcome, stage, message). outcome is 'ok', an exception
    class name (ValueError, RuntimeError and their subclasses are mapped to these two; an
    arena over the limit is tflite_rt.OutOfMemoryError, a RuntimeError) or 'OTHER:<name>'
    (a bare MemoryError included: the contract is ValueError or RuntimeError)."""
    import numpy as np
    from tflite_rt.interpreter import Interpreter
    rng = np.random.default_rng(seed)
    stage = "load"
    # kernels: the best ISA of this machine most of the time, sometimes a cap (the env is read
    # when an interpreter is created) or the reference resolver; sometimes a thread pool
    isa = str(rng.choice(["best", "best", "avx2", "ref"]))
    os.environ["TFLITE_RT_ISA"] = isa
    kw = {}
    if rng.random() < 0.15:
        kw["experimental_op_resolver_type"] = 2  # BUILTIN_REF
    if rng.random() < 0.25:
        kw["num_threads"] = 2
    try:
        it = Interpreter(model_content=data, arena_limit=arena_limit, **kw)
        stage = "details"
        ins = it.get_input_details()
        it.get_output_details()
        if rng.random() < 0.15 and ins:
            stage = "resize"
            d = ins[int(rng.integers(0, len(ins)))]
            shape = [int(x) for x in d["shape"]]
            if shape:
                j = int(rng.integers(0, len(shape)))
                shape[j] = int(rng.choice([0, 1, 2, 3, shape[j] + 1]))
            it.resize_tensor_input(d["index"], shape)
        stage = "allocate"
        it.allocate_tensors()
        stage = "details"
        it.get_tensor_details()
        stage = "set_tensor"
        for d in it.get_input_details():
            n = int(np.prod([int(x) for x in d["shape"]])) if len(d["shape"]) else 1
            if n > MAX_INPUT_ELEMS:
                continue
            if d["dtype"] is np.object_ or np.dtype(d["dtype"]) == np.dtype(object):
                continue
            it.set_tensor(d["index"], _random_input(np, rng, d["shape"], np.dtype(d["dtype"])))
        if watchdog is not None:
            it.enable_op_profiling(True)
            watchdog.interp = it
        for rep in range(2 if rng.random() < 0.2 else 1):
            stage = "invoke"
            it.invoke()
        if watchdog is not None:
            watchdog.interp = None
        stage = "get_tensor"
        for d in it.get_output_details():
            it.get_tensor(d["index"])
        if rng.random() < 0.3:
            # every tensor of every subgraph: a stale pointer or a wrong byte count shows here
            stage = "read_all"
            for sg in range(it.num_subgraphs()):
                for t in range(it._native.num_tensors(sg)):
                    try:
                        it.get_tensor(t, sg)
                    except ValueError:
                        pass
            it.memory_info()
            it.memory_plan()
            it.op_profile()
        if rng.random() < 0.3:
            stage = "signature"
            for key in it.get_signature_list():
                runner = it.get_signature_runner(key)
                args = {}
                for name, d in runner.get_input_details().items():
                    dt = np.dtype(d["dtype"])
                    if dt == np.dtype(object) or int(np.prod(d["shape"])) > MAX_INPUT_ELEMS:
                        break
                    args[name] = _random_input(np, rng, d["shape"], dt)
                else:
                    runner(**args)
        if rng.random() < 0.1:
            stage = "reset"
            it.reset_all_variables()
            it.invoke()
        return "ok", "done", ""
    except RuntimeError as e:  # tflite_rt.OutOfMemoryError (arena_limit) included
        return "RuntimeError", stage, str(e)[:300]
    except ValueError as e:
        return "ValueError", stage, str(e)[:300]
    except BaseException as e:  # noqa: BLE001 - anything else breaks the contract
        return "OTHER:" + type(e).__name__, stage, (str(e)[:300] + " | " + traceback.format_exc()[-600:])


def worker_main(args):
    """Reads 'MODEL SEED' or 'FILE PATH' lines; for each, writes the mutant to the scratch file
    first (so the parent can save it if we die), runs it and prints one JSON line."""
    if args.rlimit_gb and not os.environ.get("LD_PRELOAD"):
        import resource
        lim = int(args.rlimit_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    import tflite_rt  # noqa: F401 - fail early, and report where it comes from
    mutators = {}
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr
    watchdog = LoopWatchdog(out, args.timeout / 2) if args.timeout else None
    out.write(json.dumps({"ready": True, "pkg": os.path.dirname(tflite_rt.__file__)}) + "\n")
    for line in sys.stdin:
        parts = line.split(None, 1)
        if len(parts) != 2:
            continue
        kind, arg = parts[0], parts[1].strip()
        desc = []
        t0 = time.time()
        if kind == "FILE":
            with open(arg, "rb") as f:
                data = f.read()
            seed = 0
        else:
            name, seed = arg.rsplit(" ", 1)
            seed = int(seed)
            if name not in mutators:
                mutators[name] = Mutator(name, model_bytes(name))
            data, desc = mutators[name].mutate(seed)
            with open(args.scratch + ".tmp", "wb") as f:
                f.write(data)
            with open(args.scratch + ".txt", "w") as f:
                f.write("\n".join(desc) + "\n")
            os.replace(args.scratch + ".tmp", args.scratch)
        gen = time.time() - t0
        if watchdog is not None:
            watchdog.job_start = time.time()
        outcome, stage, msg = run_model(data, seed, args.arena_limit, watchdog)
        out.write(json.dumps({"outcome": outcome, "stage": stage, "msg": msg, "desc": desc, "size": len(data),
                              "gen_s": round(gen, 4), "run_s": round(time.time() - t0 - gen, 4)}) + "\n")


# ---------------------------------------------------------------------------------------------
# The pool (parent)
# ---------------------------------------------------------------------------------------------

class Worker:
    def __init__(self, k, args, workdir, env):
        self.k = k
        self.scratch = os.path.join(workdir, f"w{k}.tflite")
        self.errpath = os.path.join(workdir, f"w{k}.stderr")
        self.args, self.env = args, env
        self.proc = None
        self.job = None
        self.start()

    def start(self):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--scratch", self.scratch,
               "--timeout", str(self.args.timeout),
               "--arena-limit", str(self.args.arena_limit), "--rlimit-gb", str(self.args.rlimit_gb)]
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     env=self.env, bufsize=0)
        self.buf = b""
        line = self.readline(120)
        if line is None:
            raise SystemExit(f"worker {self.k} did not start:\n" + self.stderr_tail())
        hello = json.loads(line)
        self.pkg = hello.get("pkg")

    def readline(self, timeout):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            sel = selectors.DefaultSelector()
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            ev = sel.select(left)
            sel.close()
            if not ev:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def stderr_tail(self, n=6000):
        self.err.flush()
        try:
            with open(self.errpath, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def send(self, job):
        self.job = job
        self.t0 = time.time()
        # truncate stderr so a report belongs to this job
        self.err.truncate(0)
        self.err.seek(0)
        self.proc.stdin.write((job + "\n").encode())

    def kill(self):
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.err.close()


def describe_exit(rc):
    if rc is None:
        return "no exit status"
    if rc < 0:
        try:
            return f"signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"signal {-rc}"
    return f"exit code {rc}"


def save_finding(args, model, seed, kind, data_path, desc, detail, stderr):
    os.makedirs(args.crashers, exist_ok=True)
    base = os.path.join(args.crashers, f"{kind.lower()}_{model}_{seed}")
    size = os.path.getsize(data_path) if data_path and os.path.exists(data_path) else -1
    saved = False
    if 0 <= size <= args.max_save:
        with open(data_path, "rb") as f, open(base + ".tflite", "wb") as g:
            g.write(f.read())
        saved = True
    with open(base + ".txt", "w") as f:
        f.write(f"model: {model}\nseed: {seed}\noutcome: {kind}\ndetail: {detail}\nsize: {size}\n")
        f.write(f"bytes saved: {saved} (reproduce: mutate_models.py --replay-seed {model}:{seed})\n")
        f.write("mutations:\n" + "".join(f"  {d}\n" for d in desc))
        if stderr:
            f.write("stderr tail:\n" + stderr[-5000:] + "\n")
    return base


def recheck_hangs(args, env, findings):
    """Runs every HANG again alone with --recheck-timeout: the ones that finish were slow (a
    mutated shape made the model bigger), not stuck. Moves them from findings to the result."""
    hangs = [f for f in findings if f[2] == "HANG"]
    if not hangs or args.recheck_timeout <= 0:
        return []
    print(f"rechecking {len(hangs)} timeouts with a {args.recheck_timeout:.0f}s limit...", flush=True)
    slow, pending = [], list(hangs)
    running = []
    while pending or running:
        while pending and len(running) < args.jobs:
            f = pending.pop()
            cmd = [sys.executable, os.path.abspath(__file__), "--replay-seed", f"{f[0]}:{f[1]}",
                   "--arena-limit", str(args.arena_limit)]
            running.append((f, time.time(), subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                             env=env)))
        time.sleep(0.5)
        for item in list(running):
            f, t0, p = item
            if p.poll() is None and time.time() - t0 < args.recheck_timeout:
                continue
            running.remove(item)
            if p.poll() is None:
                p.kill()
                p.wait()
                continue  # still a hang
            out = p.stdout.read().decode("utf-8", "replace").strip().splitlines()
            if p.returncode == 0:
                findings.remove(f)
                slow.append((f[0], f[1], "SLOW", f"finished in {time.time() - t0:.0f}s: {out[-1] if out else ''}",
                             f[4]))
                with open(f[4] + ".txt", "a") as g:
                    g.write(f"recheck: finished in {time.time() - t0:.0f}s (slow, not stuck): {out[-1] if out else ''}\n")
            else:
                findings.remove(f)
                findings.append((f[0], f[1], "CRASH", f"on recheck: {describe_exit(p.returncode)}", f[4]))
    return slow


def parent_main(args):
    models = args.models.split(",") if args.models else list(DEFAULT_MODELS)
    if args.extras:
        models += EXTRA_MODELS
    if args.cases:
        models += builder_cases()
    env = dict(os.environ)
    if env.get("LD_PRELOAD"):
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1:allocator_may_return_null=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:abort_on_error=1")
    workdir = args.workdir or os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mutate_models_{os.getpid()}")
    os.makedirs(workdir, exist_ok=True)
    jobs = []
    for i in range(args.mutants):
        for m in models:
            jobs.append(f"SEED {m} {args.seed + i}")
    jobs.reverse()
    total = len(jobs)
    workers = [Worker(k, args, workdir, env) for k in range(args.jobs)]
    print(f"mutate_models: {len(models)} models x {args.mutants} mutants = {total}, {args.jobs} workers, "
          f"timeout {args.timeout}s, arena_limit {args.arena_limit}, package {workers[0].pkg}, "
          f"sanitized={'LD_PRELOAD' in env}", flush=True)
    counts, per_model, findings = {}, {}, []
    t_start = time.time()
    done = 0
    log = open(args.log, "a") if args.log else None
    last_report = time.time()

    def record(w, res):
        nonlocal done
        _, model, seed = w.job.split(" ")
        outcome = res["outcome"]
        key = outcome if outcome in ("ok", "CRASH", "HANG", "LOOP") or outcome.startswith("OTHER") else \
            f"{outcome}@{res.get('stage')}"
        counts[key] = counts.get(key, 0) + 1
        pm = per_model.setdefault(model, {})
        cls = "bad" if outcome in ("CRASH", "HANG") or outcome.startswith("OTHER") else \
            ("ok" if outcome in ("ok", "LOOP") else "clean")
        pm[cls] = pm.get(cls, 0) + 1
        done += 1
        if log:
            log.write(json.dumps({"model": model, "seed": int(seed), **res}) + "\n")
        if cls == "bad":
            base = save_finding(args, model, seed, outcome.replace(":", "_"), w.scratch, res.get("desc", []),
                                res.get("msg", ""), res.get("stderr", ""))
            findings.append((model, seed, outcome, res.get("msg", "")[:200], base))
            print(f"!! {outcome} {model} seed {seed}: {res.get('msg', '')[:200]} -> {base}.txt", flush=True)

    try:
        busy = []
        for w in workers:
            if jobs:
                w.send(jobs.pop())
                busy.append(w)
        while busy:
            sel = selectors.DefaultSelector()
            for w in busy:
                sel.register(w.proc.stdout, selectors.EVENT_READ, w)
            events = sel.select(0.5)
            sel.close()
            now = time.time()
            ready = [key.data for key, _ in events]
            for w in list(busy):
                res = None
                if w in ready:
                    chunk = os.read(w.proc.stdout.fileno(), 65536)
                    if chunk:
                        w.buf += chunk
                        if b"\n" not in w.buf:
                            continue
                        line, w.buf = w.buf.split(b"\n", 1)
                        res = json.loads(line)
                    else:
                        rc = w.proc.wait()
                        desc = open(w.scratch + ".txt").read().split("\n") if os.path.exists(w.scratch + ".txt") else []
                        res = {"outcome": "CRASH", "stage": "?", "msg": describe_exit(rc), "desc": [d for d in desc if d],
                               "stderr": w.stderr_tail()}
                elif now - w.t0 > args.timeout:
                    desc = open(w.scratch + ".txt").read().split("\n") if os.path.exists(w.scratch + ".txt") else []
                    res = {"outcome": "HANG", "stage": "?", "msg": f"no answer in {args.timeout}s",
                           "desc": [d for d in desc if d], "stderr": ""}
                    w.kill()
                if res is None:
                    continue
                record(w, res)
                if res["outcome"] in ("CRASH", "HANG", "LOOP"):
                    if res["outcome"] != "HANG":
                        w.kill()
                    w.start()
                if jobs:
                    w.send(jobs.pop())
                else:
                    busy.remove(w)
            if time.time() - last_report > args.report_every:
                last_report = time.time()
                el = time.time() - t_start
                print(f"[{el:7.0f}s] {done}/{total} ({done / max(el, 1e-9):.1f}/s) "
                      + " ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:8]),
                      flush=True)
    finally:
        for w in workers:
            if w.proc.poll() is None:
                try:
                    w.proc.stdin.close()
                except OSError:
                    pass
                w.kill()
        if log:
            log.close()
    el = time.time() - t_start
    slow = recheck_hangs(args, env, findings)
    bad = sum(1 for f in findings)
    print(f"\n== mutate_models summary: {done} mutants in {el:.0f} s ({done / max(el, 1e-9):.1f}/s), "
          f"{len(models)} models, sanitized={'LD_PRELOAD' in env}")
    for k, v in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {k:40s} {v}")
    print("  per model (ok / clean exception / bad):")
    for m in models:
        pm = per_model.get(m, {})
        print(f"    {m:28s} {pm.get('ok', 0):6d} {pm.get('clean', 0):6d} {pm.get('bad', 0):4d}")
    print(f"  crashes {sum(1 for f in findings if f[2] == 'CRASH')}, hangs {sum(1 for f in findings if f[2] == 'HANG')}, "
          f"other exceptions {sum(1 for f in findings if f[2].startswith('OTHER'))}, "
          f"slow (timed out, finished on recheck) {len(slow)}")
    for f in slow:
        print(f"    SLOW {f[0]} seed {f[1]}: {f[3]}")
    for f in findings:
        print(f"    {f[2]} {f[0]} seed {f[1]}: {f[3]}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", help="comma-separated corpus names or paths (default: the eight)")
    ap.add_argument("--extras", action="store_true", help="also the builder-made control-flow models")
    ap.add_argument("--cases", action="store_true",
                    help="also the one-op models of tests/test_tflite_builder_ops.py (88 ops and options)")
    ap.add_argument("--mutants", type=int, default=100, help="mutants per model")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--arena-limit", type=int, default=32 << 20)
    ap.add_argument("--recheck-timeout", type=float, default=600.0,
                    help="run timeouts again alone with this limit (0: no recheck)")
    ap.add_argument("--rlimit-gb", type=float, default=6.0, help="address-space limit of non-sanitized workers")
    ap.add_argument("--crashers", default=os.path.join(HERE, "crashers"))
    ap.add_argument("--max-save", type=int, default=512 << 10, help="largest mutant saved as .tflite")
    ap.add_argument("--workdir")
    ap.add_argument("--log", help="append one JSON line per mutant")
    ap.add_argument("--report-every", type=float, default=60.0)
    ap.add_argument("--replay", nargs="+", help="run these files (in this process) and print outcomes")
    ap.add_argument("--replay-seed", help="MODEL:SEED: regenerate one mutant, print its mutations and run it")
    ap.add_argument("--save", help="with --replay-seed: write the mutant here")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--scratch", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args)
    if args.replay:
        for p in args.replay:
            with open(p, "rb") as f:
                print(p, run_model(f.read(), 0, args.arena_limit), flush=True)
        return 0
    if args.replay_seed:
        name, seed = args.replay_seed.rsplit(":", 1)
        data, desc = Mutator(name, model_bytes(name)).mutate(int(seed))
        print("\n".join(desc), flush=True)
        if args.save:
            with open(args.save, "wb") as f:
                f.write(data)
        print(run_model(data, int(seed), args.arena_limit), flush=True)
        return 0
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
