"""Delegates: accelerator plugins loaded as shared libraries.

    from tflite_rt import Interpreter, load_delegate
    import tflite_rt.delegates

    d = load_delegate(tflite_rt.delegates.path("refcheck"), {"check_finite": 1})
    it = Interpreter(model_path="model.tflite", experimental_delegates=[d])
    it.allocate_tensors()
    print(it.delegate_report())

`load_delegate(library, options=None)` has the name and signature of tflite_runtime's. The
library must implement tflite_rt's own plugin ABI (csrc/include/tflite_rt/delegate.h), not
TensorFlow Lite's TfLiteDelegate; docs/delegates.md explains how to write one.

Differences from tflite_runtime, on purpose: every loading failure (library not found, symbols
missing, an ABI version this runtime does not implement, the plugin refusing its options) raises
ValueError with the reason, never OSError or AttributeError, and nothing is printed when a
half-loaded delegate is freed. Lifetimes are counted in C: an interpreter keeps the delegates it
uses alive, and one delegate can serve many interpreters, whatever order Python frees them in.

Two options are read by the runtime itself and not passed to the plugin, as LiteRT's delegates
have them: max_delegated_partitions (keep the N largest partitions) and min_nodes_per_partition
(smaller partitions stay on CPU).
"""
import os

from tflite_rt import _native

__all__ = ["Delegate", "load_delegate", "apply_delegates", "delegate_report"]


class Delegate:
    """A loaded delegate plugin instance. Create it with load_delegate()."""

    def __init__(self, library, options=None):
        if options is None:
            options = {}
        if not isinstance(options, dict):
            raise TypeError(f"options must be a dict of option names to values, not {type(options).__name__}")
        if isinstance(library, bytes):
            library = library.decode()
        try:
            library = os.fspath(library)
        except TypeError:
            raise TypeError(f"library must be a path (str or os.PathLike), not {type(library).__name__}") from None
        self._library = library
        self._options = {str(k): str(v) for k, v in options.items()}
        self._native = None
        self._native = _native.load_delegate(library, list(self._options), list(self._options.values()))

    @property
    def name(self):
        """The plugin's name (e.g. 'refcheck')."""
        return self._native.name()

    @property
    def version(self):
        """The plugin's version string ('' when it reports none)."""
        return self._native.version()

    @property
    def library(self):
        return self._library

    @property
    def options(self):
        return dict(self._options)

    @property
    def abi(self):
        """(abi_version, struct_size) as the plugin reported them."""
        return self._native.abi()

    def _get_native_delegate_pointer(self):
        """The address of the C handle (tflrt_delegate_lib*), as tflite_runtime exposes its own."""
        return self._native.address()

    def __repr__(self):
        v = f" {self.version}" if self._native is not None and self.version else ""
        name = self.name if self._native is not None else "?"
        return f"<tflite_rt.Delegate {name}{v} from {self._library!r}>"


def load_delegate(library, options=None):
    """Loads a delegate plugin library and returns a Delegate for Interpreter(experimental_delegates=[...]).

    library: a path, or a bare file name searched like ctypes / dlopen do ('libfoo.so').
    options: a dict; keys and values are converted with str().
    Raises ValueError("Failed to load delegate from <library>: <reason>") on any failure."""
    return Delegate(library, options)


def apply_delegates(interpreter, delegates):
    """Applies each delegate, in list order, to every subgraph of the interpreter (called by
    Interpreter.__init__). A plugin that cannot run its partitions does not raise: the subgraph
    stays on CPU and delegate_report() says why."""
    flags = getattr(interpreter, "_delegate_flags", {})
    for d in delegates:
        if not isinstance(d, Delegate):
            raise TypeError(
                f"experimental_delegates must hold tflite_rt delegates from tflite_rt.load_delegate(), got "
                f"{type(d).__module__}.{type(d).__name__} (delegates loaded by tflite_runtime or ai_edge_litert "
                f"use TensorFlow Lite's ABI, which tflite_rt does not implement)")
        interpreter._native.apply_delegate(d._native, bool(flags.get("no_clustering")),
                                           bool(flags.get("no_node_fusion")))


def delegate_report(interpreter, subgraph_index=0):
    """What the delegates of an interpreter run (see Interpreter.delegate_report)."""
    native = interpreter._native
    nodes = native.nodes(subgraph_index)
    op_name = {n["index"]: n["op_name"] for n in nodes}
    delegations = native.delegations()
    partitions = []
    for p in native.partitions():
        if p["subgraph"] != subgraph_index:
            continue
        partitions.append({
            "delegate": delegations[p["delegation"]]["delegate"],
            "node_index": p["node"],
            "nodes": p["nodes"],
            "op_names": [op_name[k] for k in p["nodes"]],
            "inputs": p["inputs"],
            "outputs": p["outputs"],
        })
    plan = native.execution_plan(subgraph_index)
    delegated = {k for p in partitions for k in p["nodes"]}
    cpu = [{"index": k, "op_name": op_name[k]} for k in plan if op_name[k] != "DELEGATE" and k not in delegated]
    return {
        "subgraph": subgraph_index,
        "delegates": [
            {k: v for k, v in d.items() if k != "subgraph"} for d in delegations if d["subgraph"] == subgraph_index
        ],
        "partitions": partitions,
        "cpu_nodes": cpu,
        "execution_plan": plan,
    }


def format_report(report):
    """The report as readable text (one line per partition and a summary)."""
    lines = []
    for d in report["delegates"]:
        state = "active" if d["active"] else "not active"
        failed = f", {d['partitions_failed']} went back to CPU" if d["partitions_failed"] else ""
        lines.append(f"delegate {d['delegate']}: {d['supported_nodes']} nodes supported, "
                     f"{d['partitions_found']} partitions found, {d['partitions_delegated']} delegated{failed} ({state})")
        if d["fallback_reason"]:
            lines.append(f"  CPU fallback: {d['fallback_reason']}")
    for p in report["partitions"]:
        lines.append(f"  node {p['node_index']} DELEGATE ({p['delegate']}): {len(p['nodes'])} nodes "
                     f"{_ranges(p['nodes'])}: {_op_summary(p['op_names'])}")
    cpu = report["cpu_nodes"]
    lines.append(f"  CPU: {len(cpu)} nodes" + (f" {_ranges([c['index'] for c in cpu])}: "
                                                 f"{_op_summary([c['op_name'] for c in cpu])}" if cpu else ""))
    return "\n".join(lines)


def _ranges(v):
    out, i = [], 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[j + 1] == v[j] + 1:
            j += 1
        out.append(f"{v[i]}-{v[j]}" if j > i else f"{v[i]}")
        i = j + 1
    return "[" + ", ".join(out) + "]"


def _op_summary(names):
    counts = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    return ", ".join(f"{n} x{c}" if c > 1 else n for n, c in counts.items())
