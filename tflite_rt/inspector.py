"""What is in a model and what it will cost: `tflite_rt.inspect_model(path) -> dict`.

Reads the model with the loader only (no interpreter), so it works for a model whose ops
are not all supported: the op table says which ops this build runs and `unsupported_ops`
lists the others before anyone deploys. When every op resolves, it also builds an
interpreter, allocates it and adds the memory report (arena, persistent, weights bytes) and
the arena plan (per tensor: offset, size, first and last node that use it).
"""
import os
import re

import numpy as np

from tflite_rt import _native


def _dtype_name(t):
    return _native.type_name(t)


def _tensor_summary(t):
    q = None
    if t["scales"]:
        if len(t["scales"]) == 1:
            q = {"scale": float(t["scales"][0]), "zero_point": int(t["zero_points"][0])}
        else:
            q = {"scales": len(t["scales"]), "quantized_dimension": t["quantized_dimension"]}
    return {"index": t["index"], "name": t["name"], "dtype": _dtype_name(t["type"]), "shape": list(t["shape"]),
            "shape_signature": list(t["shape_signature"]), "quantization": q}


def _load(model):
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _native.NativeModel.from_bytes(model), None, len(model)
    path = os.fspath(model)
    if not os.path.isfile(path):
        raise ValueError(f"Could not open '{path}'.")
    return _native.NativeModel.from_file(path), os.path.abspath(path), os.path.getsize(path)


def inspect_model(model, num_threads=1, allocate=True, invoke=False):
    """A dict describing the model (a path or the bytes of a .tflite file):

    inputs / outputs / signatures, subgraphs, `ops` (one row per op name and version: count,
    input dtypes, supported), `unsupported_ops` (empty when tflite_rt runs every op),
    `nodes` and `tensors` per subgraph, and, when an interpreter could be built and
    allocated, `memory` (Interpreter.memory_info()) and `memory_plan` (per arena tensor:
    offset, bytes, lifetime). `interpreter_error` says why not otherwise.
    invoke=True also runs the model once on zero inputs before reading the memory report:
    subgraphs run by control-flow ops (WHILE, IF, ...) are only allocated when first run.
    Raises ModelError for a malformed file and ValueError for a bad path."""
    nm, path, size = _load(model)
    subgraphs = _native.model_subgraphs(nm)
    tensors = {s["index"]: _native.model_tensors(nm, s["index"]) for s in subgraphs}
    nodes = {s["index"]: _native.model_ops(nm, s["index"]) for s in subgraphs}

    interp, error, failed_node = None, None, None
    memory, plan, isa = None, None, None
    if allocate and all(n["supported"] for ns in nodes.values() for n in ns):
        from tflite_rt.interpreter import Interpreter

        try:
            interp = Interpreter(model_content=bytes(model) if path is None else None,
                                 model_path=path, num_threads=num_threads)
            interp.allocate_tensors()
            if invoke:
                for d in interp.get_input_details():
                    interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
                interp.invoke()
            memory = {k: int(v) for k, v in interp.memory_info().items()}
            plan = []
            for s in range(interp.num_subgraphs()):
                for e in interp.memory_plan(s):
                    if e["mem"] in ("none", "const"):  # constants: see tensors / weights_bytes
                        continue
                    plan.append({"subgraph": s, **e, "bytes": int(e["bytes"])})
            isa = interp.kernel_isa
        except (ValueError, RuntimeError, MemoryError) as e:
            error = f"{type(e).__name__}: {e}"
            m = re.search(r"[Nn]ode (\d+)", str(e))
            sg = re.search(r"[Ss]ubgraph (\d+)", str(e))
            if m:
                failed_node = (int(sg.group(1)) if sg else 0, int(m.group(1)))
    elif allocate:
        error = "not built: the model has ops this build does not support (see unsupported_ops)"

    # op table: one row per (op name, version)
    rows = {}
    for s, ns in nodes.items():
        ts = tensors[s]
        for n in ns:
            key = (n["op_name"], n["version"])
            r = rows.setdefault(key, {"op_name": n["op_name"], "builtin_code": n["builtin_code"],
                                      "custom_code": n["custom_code"], "version": n["version"], "count": 0,
                                      "dtypes": [], "supported": n["supported"], "nodes": [], "reason": None})
            r["count"] += 1
            r["nodes"].append([s, n["index"]])
            sig = ",".join(_dtype_name(ts[i]["type"]) for i in n["inputs"] if i >= 0)
            sig += "->" + ",".join(_dtype_name(ts[i]["type"]) for i in n["outputs"])
            if sig not in r["dtypes"]:
                r["dtypes"].append(sig)
            if not n["supported"]:
                r["reason"] = ("custom op (register a C implementation)" if n["custom_code"] is not None
                               else f"{n['op_name']} version {n['version']} is not in this build")
            if failed_node == (s, n["index"]):
                r["supported"] = False
                r["reason"] = error
    ops = sorted(rows.values(), key=lambda r: (-r["count"], r["op_name"], r["version"]))
    unsupported = [{"op_name": r["op_name"], "version": r["version"], "count": r["count"], "nodes": r["nodes"],
                    "dtypes": r["dtypes"], "reason": r["reason"]} for r in ops if not r["supported"]]

    sg0 = subgraphs[0]
    t0 = tensors[0]
    signatures = {}
    for sig in nm.signatures():
        ts = tensors[sig["subgraph"]]
        signatures[sig["key"]] = {
            "subgraph": sig["subgraph"],
            "inputs": {k: _tensor_summary(ts[v]) for k, v in sig["inputs"].items()},
            "outputs": {k: _tensor_summary(ts[v]) for k, v in sig["outputs"].items()},
        }
    supported_names = {name for name, *_ in _native.supported_ops()}
    return {
        "model": path,
        "model_bytes": size,
        "description": _native_description(nm),
        "num_subgraphs": len(subgraphs),
        "inputs": [_tensor_summary(t0[i]) for i in sg0["inputs"]],
        "outputs": [_tensor_summary(t0[i]) for i in sg0["outputs"]],
        "signatures": signatures,
        "subgraphs": [{"index": s["index"], "name": s["name"], "n_tensors": s["n_tensors"], "n_ops": s["n_ops"],
                       "inputs": s["inputs"], "outputs": s["outputs"]} for s in subgraphs],
        "ops": ops,
        "unsupported_ops": unsupported,
        "supported": not unsupported and error is None,
        "nodes": {s: [{k: n[k] for k in ("index", "op_name", "version", "supported", "inputs", "outputs")}
                      for n in ns] for s, ns in nodes.items()},
        "tensors": {s: [{**_tensor_summary(t), "bytes": int(t["bytes"]), "constant": t["is_constant"],
                         "variable": t["is_variable"]} for t in ts] for s, ts in tensors.items()},
        "weights_bytes": int(sum(t["bytes"] for ts in tensors.values() for t in ts if t["is_constant"])),
        "memory": memory,
        "memory_plan": plan,
        "kernel_isa": isa,
        "invoked": bool(invoke and memory is not None),
        "interpreter_error": error,
        "build_supports": len(supported_names),
    }


def _native_description(nm):
    return _native.model_description(nm)


def plan_extent(plan, subgraph=0):
    """Bytes the arena tensors of one subgraph span (max offset + size). Ops' scratch buffers
    also live in the arena, so this can be below memory['arena_bytes']."""
    ends = [e["arena_offset"] + e["bytes"] for e in plan or [] if e["subgraph"] == subgraph and e["mem"] == "arena"]
    return max(ends) if ends else 0


def plot_memory_plan(report, out_path, subgraph=0, title=None):
    """Draws the arena plan of one subgraph: each tensor a box, x = its lifetime in nodes,
    y = its byte range in the arena. Needs matplotlib; out_path ending .png or .svg."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle
    except ImportError:
        raise ValueError("--plot needs matplotlib (pip install matplotlib)") from None
    plan = [e for e in report.get("memory_plan") or [] if e["subgraph"] == subgraph and e["mem"] == "arena"]
    if not plan:
        raise ValueError("no arena plan to draw (the interpreter could not be built, or the arena is empty)")
    n_nodes = len(report["nodes"].get(subgraph, [])) if isinstance(report["nodes"], dict) else 0
    fig, ax = plt.subplots(figsize=(11, 6))
    cmap = plt.get_cmap("tab20")
    arena = report["memory"]["arena_bytes"] if report.get("memory") else plan_extent(plan, subgraph)
    for i, e in enumerate(sorted(plan, key=lambda e: e["arena_offset"])):
        first = e["first_node"] if e["first_node"] >= 0 else 0
        last = e["last_node"] if e["last_node"] >= 0 else max(n_nodes - 1, first)
        ax.add_patch(Rectangle((first - 0.45, e["arena_offset"] / 1024), last - first + 0.9, e["bytes"] / 1024,
                               facecolor=cmap(i % 20), edgecolor="black", linewidth=0.4, alpha=0.85))
        if e["bytes"] >= arena * 0.03:  # tensor index; `tflite-rt inspect` lists the names by index
            ax.text(first + (last - first) / 2, (e["arena_offset"] + e["bytes"] / 2) / 1024, f"#{e['index']}",
                    fontsize=6, ha="center", va="center")
    ax.set_xlim(-1, max(n_nodes, 1))
    ax.set_ylim(0, max(arena, 1) / 1024 * 1.02)
    ax.axhline(arena / 1024, color="red", linewidth=0.8, linestyle="--")
    ax.set_xlabel("node (execution order)")
    ax.set_ylabel("arena offset (KiB)")
    name = os.path.basename(report["model"] or "model")
    ax.set_title(title or f"{name}: arena plan of subgraph {subgraph}, {arena:,} bytes "
                 "(boxes: tensors, #index; x: lifetime; y: offset)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_path)
    plt.close(fig)
    return out_path


def _q(t):
    q = t.get("quantization")
    if not q:
        return ""
    if "scale" in q:
        return f"scale {q['scale']:.6g} zp {q['zero_point']}"
    return f"per-channel ({q['scales']} scales, axis {q['quantized_dimension']})"


def _short_sig(sig):
    """'FLOAT32,FLOAT32,FLOAT32->FLOAT32' -> 'FLOAT32x3->FLOAT32' (display only)."""
    def runs(part):
        items, out = part.split(","), []
        for x in items:
            if out and out[-1][0] == x:
                out[-1][1] += 1
            else:
                out.append([x, 1])
        return ",".join(x if n == 1 else f"{x}x{n}" for x, n in out)

    ins, _, outs = sig.partition("->")
    return runs(ins) + "->" + runs(outs)


def _short(name, n=90):
    return name if len(name) <= n else name[:n - 3] + "..."


def _tline(t):
    return f"[{t['index']}] {t['name']}  {t['dtype']} {t['shape']}" + (f"  {_q(t)}" if t.get("quantization") else "")


def format_report(r, tensors=False, plan=True, max_plan_rows=None):
    """The text `tflite-rt inspect` prints."""
    L = []
    L.append(f"model: {r['model'] or '<bytes>'} ({r['model_bytes']:,} bytes)"
             + (f", description: {r['description']}" if r.get("description") else ""))
    n_ops = sum(len(v) for v in r["nodes"].values())
    n_t = sum(len(v) for v in r["tensors"].values())
    L.append(f"subgraphs: {r['num_subgraphs']}  tensors: {n_t}  ops: {n_ops}  weights: {r['weights_bytes']:,} bytes")
    L.append("inputs:")
    L += ["  " + _tline(t) for t in r["inputs"]]
    L.append("outputs:")
    L += ["  " + _tline(t) for t in r["outputs"]]
    if r["signatures"]:
        L.append("signatures:")
        for key, sig in r["signatures"].items():
            L.append(f"  {key} (subgraph {sig['subgraph']})")
            for kind in ("inputs", "outputs"):
                for name, t in sig[kind].items():
                    L.append(f"    {kind[:-1]:<6} {name} -> {_tline(t)}")
    else:
        L.append("signatures: none")
    unsup = r["unsupported_ops"]
    L.append(f"ops: {len(r['ops'])} kinds, {n_ops} nodes; "
             + ("every op is supported by this build" if not unsup else f"{len(unsup)} kind(s) NOT supported"))
    L.append("  {:<32} {:>4} {:>6}  {:<9}  {}".format("op", "ver", "count", "supported", "dtypes (inputs->outputs)"))
    for o in r["ops"]:
        L.append("  {:<32} {:>4} {:>6}  {:<9}  {}".format(o["op_name"][:32], o["version"], o["count"],
                                                          "yes" if o["supported"] else "NO",
                                                          " | ".join(_short_sig(x) for x in o["dtypes"][:3])
                                                          + (" ..." if len(o["dtypes"]) > 3 else "")))
    if unsup:
        L.append("unsupported ops (this model will not run with this build of tflite_rt):")
        for u in unsup:
            where = ", ".join(f"{s}:{k}" if s else str(k) for s, k in u["nodes"][:8])
            L.append(f"  {u['op_name']} v{u['version']} x{u['count']} (node {where}): {u['reason']}")
    if tensors:
        L.append("tensors:")
        for s, ts in r["tensors"].items():
            if r["num_subgraphs"] > 1:
                L.append(f"  subgraph {s}:")
            L.append("  {:>5} {:<10} {:>12}  {:<8} {:<20} {}".format("idx", "kind", "bytes", "dtype", "shape", "name"))
            for t in ts:
                kind = "const" if t["constant"] else ("variable" if t["variable"] else "activation")
                L.append("  {:>5} {:<10} {:>12,}  {:<8} {:<20} {}{}".format(
                    t["index"], kind, t["bytes"], t["dtype"], str(t["shape"]), t["name"],
                    f"  ({_q(t)})" if t.get("quantization") else ""))
    m = r["memory"]
    if m is None:
        L.append(f"memory: not available ({r['interpreter_error']})")
        return "\n".join(L)
    when = "after allocate_tensors() and one invoke" if r.get("invoked") else "after allocate_tensors()"
    L.append(f"memory ({when}, kernels {r['kernel_isa']}):")
    ext = plan_extent(r["memory_plan"], 0)
    L.append(f"  arena       {m['arena_bytes']:>14,} bytes  (activations and op scratch, all subgraphs; "
             f"subgraph 0 tensors span {ext:,})")
    L.append(f"  persistent  {m['persistent_bytes']:>14,} bytes  (per-op data: packed weights, multipliers, tables)")
    L.append(f"  dynamic     {m['dynamic_bytes']:>14,} bytes  (heap tensors of data-dependent shape)")
    L.append(f"  weights     {m['weights_bytes']:>14,} bytes  (constants, read from the model file)")
    L.append(f"  model       {m['model_bytes']:>14,} bytes")
    if r["num_subgraphs"] > 1 and not r.get("invoked"):
        L.append("  note: subgraphs run by control-flow ops are allocated when first run; --invoke includes them")
    if plan:
        rows = r["memory_plan"] or []
        for s in sorted({e["subgraph"] for e in rows}):
            sub = [e for e in rows if e["subgraph"] == s]
            arena = sorted((e for e in sub if e["mem"] == "arena"), key=lambda e: (e["arena_offset"], e["first_node"]))
            other = [e for e in sub if e["mem"] != "arena"]
            L.append(f"memory plan, subgraph {s}: {len(arena)} arena tensors by offset "
                     f"(lifetime: first..last node that uses it)")
            L.append("  {:>12} {:>12} {:>6} {:>6}  {:>5}  {}".format("offset", "bytes", "first", "last", "idx", "tensor"))
            shown = arena if max_plan_rows is None else arena[:max_plan_rows]
            for e in shown:
                L.append("  {:>12,} {:>12,} {:>6} {:>6}  {:>5}  {}".format(e["arena_offset"], e["bytes"], e["first_node"],
                                                                         e["last_node"], e["index"], _short(e["name"])))
            if len(shown) < len(arena):
                L.append(f"  ... {len(arena) - len(shown)} more")
            for e in other:
                L.append("  {:>12} {:>12,} {:>6} {:>6}  {:>5}  {} ({})".format("-", e["bytes"], e["first_node"],
                                                                             e["last_node"], e["index"], e["name"],
                                                                             e["mem"]))
    return "\n".join(L)
