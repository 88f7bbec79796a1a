"""Targeted semantic mutations of real models: each must be rejected by the C loader with a
message naming the place; valid variants (repacked, external data at odd offsets, sparse
constants of several layouts) must load, and the sparse ones must decode exactly as LiteRT
reports them. Also records whether LiteRT itself accepts each mutant (informational).

Usage (repository root; needs the LiteRT pip package and flatbuffers):
    gcc -std=c11 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Icsrc/include -Icsrc \
        tests/c/test_loader.c csrc/loader/[a-z]*.c -o build/test_loader -lm
    python3 tests/c/semantic_mutations.py --driver build/test_loader
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as S
except ImportError:  # pragma: no cover
    print("SKIP: needs flatbuffers and ai_edge_litert")
    sys.exit(0)

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models")
TMP = tempfile.mkdtemp(prefix="tflrt_semantic_")


def load(name):
    return S.ModelT.InitFromPackedBuf(open(os.path.join(MODELS, name), "rb").read(), 0)


def pack(m):
    b = flatbuffers.Builder(1 << 16)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def run_ours(driver, data, tag):
    path = os.path.join(TMP, tag + ".tflite")
    with open(path, "wb") as f:
        f.write(data)
    r = subprocess.run([driver, "--check", path], capture_output=True, text=True)
    if r.returncode not in (0, 1) or r.stderr.strip():
        return "CRASH", r.stdout + r.stderr
    return ("ok" if r.returncode == 0 else "rejected"), r.stdout.strip()


def litert_accepts(data):
    """Whether LiteRT builds the interpreter and allocates tensors (run in a child: it may abort)."""
    code = ("import sys\nfrom ai_edge_litert import interpreter as I\n"
            "it=I.Interpreter(model_content=open(sys.argv[1],'rb').read(),"
            "experimental_op_resolver_type=I.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)\n"
            "it.allocate_tensors()\n")
    path = os.path.join(TMP, "litert.tflite")
    with open(path, "wb") as f:
        f.write(data)
    r = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True)
    return "accepts" if r.returncode == 0 else ("crashes" if r.returncode < 0 else "rejects")


# ---- mutations of mnist__int8 (tensors: 0 input, 2 fc weights, 3 conv bias, 4 conv weights,
# 5..9 activations; ops CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX) ------------------

def sg(m):
    return m.subgraphs[0]


def set_dim(m):
    sg(m).tensors[4].shape[2] = -3


def big_index(m):
    sg(m).operators[0].inputs[1] = 57


def neg_index(m):
    sg(m).operators[0].inputs[1] = -5


def out_optional(m):
    sg(m).operators[1].outputs[0] = -1


def swap_ops(m):
    ops = sg(m).operators
    ops[0], ops[1] = ops[1], ops[0]


def cycle(m):  # op 1 reads op 2's output, op 2 reads op 1's: a loop
    sg(m).operators[1].inputs[0] = sg(m).operators[2].outputs[0]


def in_is_out(m):
    op = sg(m).operators[1]
    op.outputs[0] = op.inputs[0]


def write_const(m):
    sg(m).operators[1].outputs[0] = 4


def write_input(m):
    sg(m).operators[1].outputs[0] = 0


def produced_twice(m):  # FULLY_CONNECTED also writes MAX_POOL_2D's output
    sg(m).operators[3].outputs[0] = sg(m).operators[1].outputs[0]


def buffer0_data(m):
    m.buffers[0].data = np.arange(4, dtype=np.uint8)


def short_data(m):
    b = m.buffers[sg(m).tensors[4].buffer]
    b.data = b.data[:-1]


def far_offset(m):
    b = m.buffers[sg(m).tensors[4].buffer]
    b.data, b.offset, b.size = None, 10**9, 72


def quant(field, value):
    def f(m):
        q = sg(m).tensors[4].quantization
        if field == "scale0":
            q.scale[0] = value
        elif field == "zp_count":
            q.zeroPoint = q.zeroPoint[:-1]
        elif field == "zp0":
            q.zeroPoint[0] = value
        elif field == "scales":
            q.scale = q.scale[:-1]
            q.zeroPoint = q.zeroPoint[:-1]
        elif field == "qdim":
            q.quantizedDimension = value
    return f


def opcode(field, value):
    def f(m):
        oc = m.operatorCodes[0]
        if field == "version":
            oc.version = value
        elif field == "code":
            oc.builtinCode = value
            oc.deprecatedBuiltinCode = 127
        elif field == "custom":
            oc.builtinCode, oc.deprecatedBuiltinCode, oc.customCode = 32, 32, None
    return f


def opcode_index(m):
    sg(m).operators[0].opcodeIndex = 99


def sg_input(m):
    sg(m).inputs[0] = 10


def sig_subgraph(m):
    m.signatureDefs[0].subgraphIndex = 3


def sig_tensor(m):
    m.signatureDefs[0].inputs[0].tensorIndex = 42


def version2(m):
    m.version = 2


def no_subgraph(m):
    m.subgraphs = []


def rank9(m):
    sg(m).tensors[6].shape = [1] * 9


def overflow(m):
    sg(m).tensors[6].shape = [65536, 65536, 65536]


def too_big(m):
    t = sg(m).tensors[6]
    t.shape, t.shapeSignature, t.type = [32768, 32768, 1], None, S.TensorType.FLOAT32


def sig_len(m):
    sg(m).tensors[6].shapeSignature = [1, 13]


def var_with_data(m):
    sg(m).tensors[4].isVariable = True


def const_input(m):
    sg(m).inputs[0] = 4


def dangling_output(m):
    t = copy.deepcopy(sg(m).tensors[9])
    t.name = "dangling"
    sg(m).tensors.append(t)
    sg(m).outputs = list(sg(m).outputs) + [len(sg(m).tensors) - 1]


def unproduced_input(m):
    t = copy.deepcopy(sg(m).tensors[5])
    t.name = "orphan"
    sg(m).tensors.append(t)
    sg(m).operators[1].inputs[0] = len(sg(m).tensors) - 1


def meta_buffer(m):
    m.metadata[0].buffer = 999


def bad_type(m):
    sg(m).tensors[6].type = 40


REJECT = [
    ("negative dim", set_dim, "tensor 4 ('mnist_cnn_1/conv2d_1/convolution'): dimension 2 is -3"),
    ("index too big", big_index, "operator 0 (CONV_2D): input 1 is tensor 57 but the subgraph has 10 tensors"),
    ("negative index", neg_index, "input 1 is tensor -5"),
    ("optional output", out_optional, "operator 1 (MAX_POOL_2D): output 0 is -1"),
    ("ops swapped", swap_ops, "produced only later by operator 1"),
    ("cycle", cycle, "operator 1 (MAX_POOL_2D): input 0 is tensor 7"),
    ("input is output", in_is_out, "both an input and an output"),
    ("writes a constant", write_const, "which is a constant"),
    ("writes a graph input", write_input, "which is a subgraph input"),
    ("produced twice", produced_twice, "already produced by operator 1"),
    ("buffer 0 not empty", buffer0_data, "Buffer 0 must be empty"),
    ("data too short", short_data, "holds 71 bytes but the shape needs 72"),
    ("data outside file", far_offset, "data lies outside the file (offset 1000000000, size 72"),
    ("scale < 0", quant("scale0", -1.0), "quantization scale 0 is -1"),
    ("scale nan", quant("scale0", float("nan")), "quantization scale 0 is nan"),
    ("scale inf", quant("scale0", float("inf")), "quantization scale 0 is inf"),
    ("zero point count", quant("zp_count", 0), "8 scales but 7 zero points"),
    ("int8 zero point 200", quant("zp0", 200), "zero point 0 is 200, outside [-128, 127] for INT8"),
    ("per-channel count", quant("scales", 0), "7 quantization scales but dimension 0"),
    ("quantized_dimension", quant("qdim", 5), "quantized_dimension 5 is not an axis"),
    ("opcode version 0", opcode("version", 0), "version 0 is not >= 1"),
    ("builtin code 300", opcode("code", 300), "unknown builtin operator code 300"),
    ("CUSTOM without name", opcode("custom", 0), "CUSTOM operator without custom_code"),
    ("opcode_index", opcode_index, "opcode_index 99 but the model has 5 operator codes"),
    ("subgraph input", sg_input, "Subgraph 0: input 0 is tensor 10 but the subgraph has 10 tensors"),
    ("signature subgraph", sig_subgraph, "Signature 0: subgraph index 3"),
    ("signature tensor", sig_tensor, "Signature 0, input 0: tensor index 42"),
    ("schema version 2", version2, "schema version 2 not equal to supported version 3"),
    ("no subgraph", no_subgraph, "No subgraph in the model"),
    ("rank 9", rank9, "rank 9 exceeds the maximum of 8"),
    ("shape overflow", overflow, "shape overflow"),
    ("tensor over 2 GiB", too_big, "4294967296 bytes exceed the limit"),
    ("shape_signature length", sig_len, "shape_signature has 2 entries but the shape has 4"),
    ("variable with data", var_with_data, "variable tensor has constant data"),
    ("constant graph input", const_input, "Subgraph 0: input 0 is tensor 4"),
    ("output never produced", dangling_output, "output 1 is tensor 10 ('dangling'), which nothing produces"),
    ("input never produced", unproduced_input, "tensor 10 ('orphan'), which no operator produces"),
    ("metadata buffer", meta_buffer, "Metadata 0: buffer index 999"),
    ("unknown type", bad_type, "unknown element type 40"),
]


# ---- sparse constants: DENSIFY of a [4, 4] or [4, 6] float tensor ------------------------------

def sparse_model(shape, values, traversal, block_map, levels, index_type=S.SparseIndexVector.Int32Vector):
    """levels: list of ("D", size) or ("S", segments, indices)."""
    m = S.ModelT()
    m.version = 3
    oc = S.OperatorCodeT()
    oc.builtinCode = oc.deprecatedBuiltinCode = S.BuiltinOperator.DENSIFY
    oc.version = 1
    m.operatorCodes = [oc]
    m.buffers = [S.BufferT(), S.BufferT(), S.BufferT()]
    m.buffers[1].data = np.frombuffer(np.float32(values).tobytes(), np.uint8)
    t0, t1 = S.TensorT(), S.TensorT()
    t0.shape, t0.type, t0.buffer, t0.name = list(shape), S.TensorType.FLOAT32, 1, "sparse"
    t1.shape, t1.type, t1.buffer, t1.name = list(shape), S.TensorType.FLOAT32, 2, "dense"
    sp = S.SparsityParametersT()
    sp.traversalOrder, sp.blockMap, sp.dimMetadata = list(traversal), list(block_map) or None, []
    vec = {S.SparseIndexVector.Int32Vector: S.Int32VectorT, S.SparseIndexVector.Uint16Vector: S.Uint16VectorT,
           S.SparseIndexVector.Uint8Vector: S.Uint8VectorT}[index_type]
    for lv in levels:
        d = S.DimensionMetadataT()
        if lv[0] == "D":
            d.format, d.denseSize = S.DimensionType.DENSE, lv[1]
        else:
            d.format = S.DimensionType.SPARSE_CSR
            seg, idx = vec(), vec()
            seg.values, idx.values = list(lv[1]), list(lv[2])
            d.arraySegmentsType = d.arrayIndicesType = index_type
            d.arraySegments, d.arrayIndices = seg, idx
        sp.dimMetadata.append(d)
    t0.sparsity = sp
    op = S.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    op.builtinOptionsType = S.BuiltinOptions.DensifyOptions
    op.builtinOptions = S.DensifyOptionsT()
    g = S.SubGraphT()
    g.tensors, g.inputs, g.outputs, g.operators, g.name = [t0, t1], [], [1], [op], "main"
    m.subgraphs = [g]
    return pack(m)


CSR = dict(shape=[4, 4], values=[1, 2, 3, 4, 5], traversal=[0, 1], block_map=[],
           levels=[("D", 4), ("S", [0, 2, 3, 3, 5], [0, 3, 1, 0, 2])])
BLOCK = dict(shape=[4, 6], values=list(range(1, 13)), traversal=[0, 1, 2, 3], block_map=[0, 1],
             levels=[("D", 2), ("S", [0, 1, 2], [0, 1]), ("D", 2), ("D", 3)])
SPARSE_OK = [
    ("CSR int32 indices", dict(CSR)),
    ("CSR uint8 indices", dict(CSR, index_type=S.SparseIndexVector.Uint8Vector)),
    ("CSR uint16 indices", dict(CSR, index_type=S.SparseIndexVector.Uint16Vector)),
    ("column-major CSR", dict(CSR, traversal=[1, 0])),
    ("2x3 blocks", dict(BLOCK)),
    ("all dense levels", dict(shape=[2, 3], values=list(range(6)), traversal=[0, 1], block_map=[],
                              levels=[("D", 2), ("D", 3)])),
]
SPARSE_BAD = [
    ("index out of range", dict(CSR, levels=[("D", 4), ("S", [0, 2, 3, 3, 5], [0, 4, 1, 0, 2])]), "index 1 is 4"),
    ("segment count", dict(CSR, levels=[("D", 4), ("S", [0, 2, 5], [0, 3, 1, 0, 2])]), "3 segments, expected 5"),
    ("segments end", dict(CSR, levels=[("D", 4), ("S", [0, 2, 3, 3, 4], [0, 3, 1, 0, 2])]), "segments must run from 0 to 5"),
    ("not a permutation", dict(CSR, traversal=[0, 0]), "traversal_order[1] = 0"),
    ("dense size", dict(CSR, levels=[("D", 3), ("S", [0, 2, 3, 5], [0, 3, 1, 0, 2])]), "dense_size 3 but the dimension is 4"),
    ("value count", dict(CSR, values=[1, 2, 3, 4]), "sparse data is 16 bytes but 5 values"),
    ("block not dividing", dict(BLOCK, levels=[("D", 2), ("S", [0, 1, 2], [0, 1]), ("D", 2), ("D", 4)]),
     "block of dimension 1 must be dense with a size dividing 6"),
    ("dim_metadata count", dict(CSR, levels=[("D", 4)]), "dim_metadata has 1 entries, expected 2"),
]


def litert_sparsity(data):
    code = ("import sys,json\nfrom ai_edge_litert import interpreter as I\n"
            "it=I.Interpreter(model_content=open(sys.argv[1],'rb').read(),"
            "experimental_op_resolver_type=I.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)\n"
            "it.allocate_tensors(); it.invoke()\n"
            "sp=it.get_tensor_details()[0]['sparsity_parameters']\n"
            "dm=[{k:(list(map(int,v)) if hasattr(v,'__len__') else int(v)) for k,v in d.items()} for d in sp['dim_metadata']]\n"
            "print(json.dumps({'traversal_order':list(map(int,sp['traversal_order'])),"
            "'block_map':list(map(int,sp.get('block_map',[]))),'dim_metadata':dm,"
            "'dense':it.get_tensor(it.get_output_details()[0]['index']).tolist()}))\n")
    path = os.path.join(TMP, "litert_sparse.tflite")
    with open(path, "wb") as f:
        f.write(data)
    r = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def shared_vector_model(n_ops, n_refs):
    """n_ops operators whose inputs all point at ONE vector of n_refs entries: small file,
    huge decoded size (n_ops * n_refs indices). The loader must refuse, not allocate it."""
    b = flatbuffers.Builder(1 << 20)
    shared = b.CreateNumpyVector(np.zeros(n_refs, np.int32))
    ops = []
    for i in range(n_ops):
        out = b.CreateNumpyVector(np.array([i + 1], np.int32))
        S.OperatorStart(b)
        S.OperatorAddOpcodeIndex(b, 0)
        S.OperatorAddInputs(b, shared)
        S.OperatorAddOutputs(b, out)
        ops.append(S.OperatorEnd(b))
    tensors = []
    for i in range(n_ops + 1):
        shape = b.CreateNumpyVector(np.array([1], np.int32))
        S.TensorStart(b)
        S.TensorAddShape(b, shape)
        tensors.append(S.TensorEnd(b))

    def vec(items):
        b.StartVector(4, len(items), 4)
        for x in reversed(items):
            b.PrependUOffsetTRelative(x)
        return b.EndVector()
    tv, ov = vec(tensors), vec(ops)
    ins, outs = b.CreateNumpyVector(np.array([0], np.int32)), b.CreateNumpyVector(np.array([n_ops], np.int32))
    S.SubGraphStart(b)
    S.SubGraphAddTensors(b, tv)
    S.SubGraphAddInputs(b, ins)
    S.SubGraphAddOutputs(b, outs)
    S.SubGraphAddOperators(b, ov)
    g = S.SubGraphEnd(b)
    S.OperatorCodeStart(b)
    S.OperatorCodeAddBuiltinCode(b, S.BuiltinOperator.ADD_N)
    S.OperatorCodeAddVersion(b, 1)
    oc = S.OperatorCodeEnd(b)
    S.BufferStart(b)
    buf0 = S.BufferEnd(b)
    sgv, ocv, bv = vec([g]), vec([oc]), vec([buf0])
    S.ModelStart(b)
    S.ModelAddVersion(b, 3)
    S.ModelAddSubgraphs(b, sgv)
    S.ModelAddOperatorCodes(b, ocv)
    S.ModelAddBuffers(b, bv)
    b.Finish(S.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default="build/test_loader")
    ap.add_argument("--no-litert-verdict", action="store_true",
                    help="do not ask LiteRT whether it accepts each mutant (faster)")
    args = ap.parse_args()
    global litert_accepts
    if args.no_litert_verdict:
        litert_accepts = lambda data: "n/a"  # noqa: E731
    bad = 0
    base = load("mnist__int8.tflite")

    # valid variants
    repacked = pack(base)  # the Python packer aligns uint8 vectors to 1: misaligned int32/float data
    res, msg = run_ours(args.driver, repacked, "repacked")
    print(f"{'ok  ' if res == 'ok' else 'FAIL'} repacked model loads: {msg}")
    bad += res != "ok"
    ext = copy.deepcopy(base)
    tail = bytearray()
    moved = []
    data0 = pack(ext)
    for t in sg(ext).tensors:  # move every constant out of the flatbuffer, at odd offsets
        b = ext.buffers[t.buffer]
        if b.data is not None and len(b.data):
            tail += b"\x00" * 3
            moved.append((t.buffer, len(tail), bytes(b.data)))
            tail += bytes(b.data)
            b.data = None
    for _ in range(2):  # offsets depend on the flatbuffer size: pack twice
        for bi, off, raw in moved:
            ext.buffers[bi].offset, ext.buffers[bi].size = len(data0) + off, len(raw)
        data0 = pack(ext)
    ext_bytes = data0 + bytes(tail)
    res, msg = run_ours(args.driver, ext_bytes, "external")
    lit = litert_accepts(ext_bytes)
    print(f"{'ok  ' if res == 'ok' else 'FAIL'} external data at odd offsets loads ({msg}); LiteRT {lit}")
    bad += res != "ok"

    zero_scale = copy.deepcopy(base)  # legal: TFLite's quantizer emits 0 for all-zero channels
    sg(zero_scale).tensors[4].quantization.scale[0] = 0.0
    res, msg = run_ours(args.driver, pack(zero_scale), "zero_scale")
    print(f"{'ok  ' if res == 'ok' else 'FAIL'} weight scale 0 loads ({msg}); LiteRT {litert_accepts(pack(zero_scale))}")
    bad += res != "ok"

    for title, spec in SPARSE_OK:
        data = sparse_model(**spec)
        res, msg = run_ours(args.driver, data, "sparse")
        dump = json.loads(subprocess.run([args.driver, "--dump", os.path.join(TMP, "sparse.tflite")],
                                         capture_output=True, text=True).stdout)
        ref = litert_sparsity(data)
        ours = dump["subgraphs"][0]["tensors"][0].get("sparsity") if res == "ok" else None
        same = ref is not None and ours is not None and ours["traversal_order"] == ref["traversal_order"] and \
            ours["block_map"] == ref["block_map"] and all(
                o["format"] == r["format"] and (o["dense_size"] == r["dense_size"] if r["format"] == 0 else
                                                (o["array_segments"] == r["array_segments"] and
                                                 o["array_indices"] == r["array_indices"]))
                for o, r in zip(ours["dim_metadata"], ref["dim_metadata"]))
        print(f"{'ok  ' if same else 'FAIL'} sparse {title}: ours {res}, LiteRT "
              f"{'densifies it' if ref else 'rejects it'}, decoded sparsity {'matches' if same else 'DIFFERS'}")
        bad += not same

    cases = [(t, lambda f=f: (lambda m: (f(m), pack(m))[1])(copy.deepcopy(base)), e) for t, f, e in REJECT]
    cases += [(t, lambda s=s: sparse_model(**s), e) for t, s, e in SPARSE_BAD]
    lit_accepts = []
    for title, make, expect in cases:
        data = make()
        res, msg = run_ours(args.driver, data, "mutant")
        lit = litert_accepts(data)
        good = res == "rejected" and expect in msg
        if lit == "accepts":
            lit_accepts.append(title)
        print(f"{'ok  ' if good else 'FAIL'} {title:24s} LiteRT {lit:8s} ours: {msg}")
        if not good:
            print(f"       expected a rejection containing: {expect}")
        bad += not good
    small = shared_vector_model(20, 50)  # the same construction, harmless size: must load
    res, msg = run_ours(args.driver, small, "shared_small")
    print(f"{'ok  ' if res == 'ok' else 'FAIL'} {'shared vector, small':24s} ours: {msg}")
    bad += res != "ok"
    bomb = shared_vector_model(3000, 30000)  # ~0.3 MB file, 360 MB if decoded naively
    res, msg = run_ours(args.driver, bomb, "shared_bomb")
    good = res == "rejected" and "decoded metadata would exceed the limit" in msg
    print(f"{'ok  ' if good else 'FAIL'} {'shared vector bomb':24s} ({len(bomb)} bytes) ours: {msg}")
    bad += not good
    # an identifier check needs raw bytes
    data = bytearray(pack(base))
    data[4:8] = b"XXXX"
    res, msg = run_ours(args.driver, bytes(data), "ident")
    good = res == "rejected" and "identifier is 'XXXX', expected 'TFL3'" in msg
    print(f"{'ok  ' if good else 'FAIL'} {'identifier':24s} ours: {msg}")
    bad += not good
    total = len(cases) + 6 + len(SPARSE_OK)
    print(f"{total - bad}/{total} checks passed; "
          f"LiteRT accepted {len(lit_accepts)} of the mutants we reject: {lit_accepts}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
