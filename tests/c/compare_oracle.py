"""Cross-checks what the C model loader decodes against LiteRT's own view of the same files.

For each model: tensor names, shapes, shape signatures, dtypes, quantization scales, zero
points and quantized_dimension of every subgraph; op names, inputs and outputs of subgraph 0
(LiteRT's Python API only lists those); and signature keys with their tensor indices.

Usage (from the repository root; needs the LiteRT pip package, ai-edge-litert):
    gcc -std=c11 -O1 -Icsrc/include -Icsrc tests/c/test_loader.c csrc/loader/[a-z]*.c \
        -o build/test_loader_plain -lm
    python3 tests/c/compare_oracle.py --driver build/test_loader_plain [MODEL ...]
Without MODEL arguments every ../shared/models/*.tflite is compared. Exit status 0 = all match.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np

try:
    from ai_edge_litert import interpreter as litert
except ImportError:  # pragma: no cover
    try:
        from tflite_runtime import interpreter as litert
    except ImportError:
        print("SKIP: neither ai_edge_litert nor tflite_runtime is installed")
        sys.exit(0)

# numpy dtype name -> the loader's type name (tflrt_type_name)
DTYPE_NAMES = {
    "float32": "FLOAT32", "float16": "FLOAT16", "int32": "INT32", "uint8": "UINT8",
    "int64": "INT64", "object": "STRING", "bytes": "STRING", "bool": "BOOL", "int16": "INT16",
    "complex64": "COMPLEX64", "int8": "INT8", "float64": "FLOAT64", "complex128": "COMPLEX128",
    "uint64": "UINT64", "uint32": "UINT32", "uint16": "UINT16",
}


def compare(path, driver):
    out = subprocess.run([driver, "--dump", path], capture_output=True, text=True)
    ours = json.loads(out.stdout)
    if ours["status"] != 0:
        return [f"loader rejected the model: {ours['error']}"]
    it = litert.Interpreter(
        model_path=path,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    problems = []
    n_checked = 0
    if it.num_subgraphs() != len(ours["subgraphs"]):
        problems.append(f"subgraphs: litert {it.num_subgraphs()} ours {len(ours['subgraphs'])}")
    for s, sg in enumerate(ours["subgraphs"][: it.num_subgraphs()]):
        details = it.get_tensor_details(subgraph_index=s)
        if len(details) != len(sg["tensors"]):
            problems.append(f"subgraph {s}: litert {len(details)} tensors, ours {len(sg['tensors'])}")
        for d, t in zip(details, sg["tensors"]):
            where = f"subgraph {s} tensor {d['index']} ({d['name']})"
            n_checked += 1
            if d["name"] != t["name"]:
                problems.append(f"{where}: name {t['name']!r}")
            if list(d["shape"]) != t["shape"]:
                problems.append(f"{where}: shape litert {list(d['shape'])} ours {t['shape']}")
            sig = t["shape_signature"] if t["shape_signature"] is not None else t["shape"]
            if list(d["shape_signature"]) != sig:
                problems.append(f"{where}: shape_signature litert {list(d['shape_signature'])} ours {sig}")
            dname = DTYPE_NAMES.get(np.dtype(d["dtype"]).name, np.dtype(d["dtype"]).name)
            if dname != t["type"]:
                problems.append(f"{where}: dtype litert {dname} ours {t['type']}")
            qp = d["quantization_parameters"]
            scales = [float(x) for x in qp["scales"]]
            zps = [int(x) for x in qp["zero_points"]]
            if np.float32(scales).tobytes() != np.float32(t["scales"]).tobytes():
                problems.append(f"{where}: scales differ ({len(scales)} vs {len(t['scales'])})")
            if zps != t["zero_points"]:
                problems.append(f"{where}: zero points litert {zps[:4]} ours {t['zero_points'][:4]}")
            if scales and qp["quantized_dimension"] != t["qdim"]:
                problems.append(f"{where}: quantized_dimension litert {qp['quantized_dimension']} ours {t['qdim']}")
            if bool(d["sparsity_parameters"]) != bool(t["sparse"]):
                problems.append(f"{where}: sparsity litert {bool(d['sparsity_parameters'])} ours {t['sparse']}")
    ops = it._get_ops_details()
    sg0 = ours["subgraphs"][0]
    if len(ops) != len(sg0["ops"]):
        problems.append(f"ops: litert {len(ops)} ours {len(sg0['ops'])}")
    for d, o in zip(ops, sg0["ops"]):
        name = o["custom_code"] if o["name"] == "CUSTOM" else o["name"]
        if d["op_name"] != name:
            problems.append(f"op {d['index']}: name litert {d['op_name']} ours {name}")
        if list(d["inputs"]) != o["inputs"] or list(d["outputs"]) != o["outputs"]:
            problems.append(f"op {d['index']} ({name}): inputs/outputs differ")
    sigs = it._get_full_signature_list()
    mine = {x["key"]: x for x in ours["signatures"]}
    if set(sigs) != set(mine):
        problems.append(f"signature keys litert {sorted(sigs)} ours {sorted(mine)}")
    for key, sd in sigs.items():
        if key in mine and (sd["inputs"] != mine[key]["inputs"] or sd["outputs"] != mine[key]["outputs"]):
            problems.append(f"signature {key}: tensor maps differ")
    return problems, n_checked, len(ops)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", default="build/test_loader_plain")
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    models = args.models or sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models", "*.tflite")))
    bad = 0
    tensors = ops = 0
    for path in models:
        res = compare(path, args.driver)
        if isinstance(res, list):
            problems, nt, no = res, 0, 0
        else:
            problems, nt, no = res
        tensors += nt
        ops += no
        status = "ok  " if not problems else "DIFF"
        print(f"{status} {os.path.basename(path)}: {nt} tensors, {no} ops compared")
        for p in problems[:10]:
            print("     ", p)
        bad += bool(problems)
    print(f"{len(models) - bad}/{len(models)} models match LiteRT ({tensors} tensors, {ops} ops compared)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
