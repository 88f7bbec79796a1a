"""Checks csrc/loader/schema.h and csrc/loader/types.c against the flatbuffer code that ships
with LiteRT (ai_edge_litert/schema_py_generated.py): every field slot, the BuiltinOperator
codes and names, the TensorType values, the union type ids and the defaults the loader uses.

Usage: python3 tests/c/check_schema.py   (from the repository root)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import ai_edge_litert
except ImportError:  # pragma: no cover
    print("SKIP: ai_edge_litert is not installed")
    sys.exit(0)

GEN = open(os.path.join(os.path.dirname(ai_edge_litert.__file__), "schema_py_generated.py")).read()
SCHEMA_H = open(os.path.join(ROOT, "csrc/loader/schema.h")).read()
TYPES_C = open(os.path.join(ROOT, "csrc/loader/types.c")).read()
TYPES_H = open(os.path.join(ROOT, "csrc/include/tflite_rt/types.h")).read()

# C constant prefix -> generated table name (longest prefixes first)
TABLES = [
    ("TENSORMAP", "TensorMap"), ("SUBGRAPH", "SubGraph"), ("TENSOR", "Tensor"), ("MODEL", "Model"),
    ("BUFFER", "Buffer"), ("OPERATOR", "Operator"), ("OPCODE", "OperatorCode"),
    ("QUANT", "QuantizationParameters"), ("SPARSITY", "SparsityParameters"),
    ("DIMMETA", "DimensionMetadata"), ("SIGNATURE", "SignatureDef"), ("METADATA", "Metadata"),
]
FIELD_RENAMES = {("SignatureDef", "Key"): "SignatureKey"}
DEPRECATED = {("SignatureDef", "DeprecatedTag")}  # keeps its slot, has no builder function

# generated builder functions: def <Table>Add<Field>(builder, x): builder.Prepend...Slot(slot, x, default)
slots = {}
for table, field, slot, default in re.findall(
        r"def (\w+?)Add(\w+)\(builder, \w+\):\s*\n\s*builder\.Prepend\w*Slot\((\d+), [^,]+(?:,[^,]+)*?, ([^)]*)\)", GEN):
    slots[(table, field)] = (int(slot), default.strip())


def camel(s):
    return "".join(w.capitalize() for w in s.lower().split("_"))


problems = []
checked = 0
for name, value in re.findall(r"\bTFLRT_([A-Z0-9_]+) = (\d+)", SCHEMA_H):
    for prefix, table in TABLES:
        if name.startswith(prefix + "_"):
            field = camel(name[len(prefix) + 1:])
            field = FIELD_RENAMES.get((table, field), field)
            if (table, field) in DEPRECATED:
                break
            got = slots.get((table, field))
            checked += 1
            if got is None:
                problems.append(f"TFLRT_{name}: no field {table}.{field} in the generated schema")
            elif got[0] != int(value):
                problems.append(f"TFLRT_{name} = {value}, schema slot {got[0]}")
            break
for table in ("Int32Vector", "Uint16Vector", "Uint8Vector"):
    checked += 1
    if slots.get((table, "Values"), (None,))[0] != 0:
        problems.append(f"{table}.values is not slot 0")

# defaults the loader relies on
for key, want in {("OperatorCode", "Version"): "1", ("QuantizationParameters", "QuantizedDimension"): "0",
                  ("Tensor", "Buffer"): "0", ("OperatorCode", "BuiltinCode"): "0"}.items():
    checked += 1
    if slots[key][1] != want:
        problems.append(f"default of {key} is {slots[key][1]}, loader assumes {want}")


def enum_values(cls):
    body = re.search(r"class %s\(object\):\n((?:    .*\n)+)" % cls, GEN).group(1)
    return {k: int(v) for k, v in re.findall(r"^    (\w+) = (-?\d+)", body, re.M)}


ops = enum_values("BuiltinOperator")
mine = {k: int(v) for k, v in re.findall(r"X\((\w+), (\d+)\)", SCHEMA_H)}
checked += len(ops)
if ops != mine:
    problems.append(f"BuiltinOperator differs: only in schema {sorted(set(ops.items()) - set(mine.items()))[:5]}, "
                    f"only in schema.h {sorted(set(mine.items()) - set(ops.items()))[:5]}")
if sorted(mine.values()) != list(range(len(mine))):
    problems.append("builtin codes are not contiguous from 0")

tt = enum_values("TensorType")
c_types = {k: int(v) for k, v in re.findall(r"TFLRT_(\w+) = (\d+),", TYPES_H) if k != "TYPE_COUNT"}
names = dict((int(i), n) for i, n in re.findall(r"\[(\d+)\] = \{\"(\w+)\"", TYPES_C))
checked += len(tt)
for k, v in tt.items():
    if k in c_types and c_types[k] != v:
        problems.append(f"TensorType {k} = {v}, types.h says {c_types[k]}")
    if names.get(v, "").replace("E4M3FN", "_E4M3FN").replace("E5M2", "_E5M2") != k:
        problems.append(f"type name of {v} is {names.get(v)}, schema says {k}")
if len(tt) != int(re.search(r"TFLRT_TYPE_COUNT = (\d+)", TYPES_H).group(1)):
    problems.append("TFLRT_TYPE_COUNT differs from the number of TensorType values")

for cls, prefix in (("QuantizationDetails", "TFLRT_QDETAILS_"), ("SparseIndexVector", "TFLRT_SPARSE_VEC_"),
                    ("DimensionType", "TFLRT_DIM_")):
    vals = enum_values(cls)
    c_vals = {k: int(v) for k, v in re.findall(prefix + r"(\w+) = (\d+)", SCHEMA_H)}
    want = {"QuantizationDetails": {"NONE": "NONE", "CUSTOM": "CustomQuantization",
                                    "BLOCKWISE": "BlockwiseQuantization", "MULTI_AXIS": "MultiAxisQuantization"},
            "SparseIndexVector": {"NONE": "NONE", "INT32": "Int32Vector", "UINT16": "Uint16Vector",
                                  "UINT8": "Uint8Vector"},
            "DimensionType": {"DENSE": "DENSE", "SPARSE_CSR": "SPARSE_CSR"}}[cls]
    for cname, sname in want.items():
        checked += 1
        if c_vals.get(cname) != vals.get(sname):
            problems.append(f"{cls}.{sname} = {vals.get(sname)}, schema.h {prefix}{cname} = {c_vals.get(cname)}")

for p in problems:
    print("MISMATCH", p)
print(f"{checked} schema facts checked, {len(problems)} mismatches")
sys.exit(1 if problems else 0)
