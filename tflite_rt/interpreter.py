"""The drop-in Interpreter: the API of tflite_runtime.interpreter / ai_edge_litert.interpreter
over the C core. Everything here is marshalling; the work happens in C."""
import enum
import operator
import os
import sys

import numpy as np

from tflite_rt import _native

_VIEW_HELD = _native.VIEW_HELD  # the binding checks it again, atomically with the call


_INT32_MIN, _INT32_MAX = -(1 << 31), (1 << 31) - 1


def _index(value, what):
    """An index argument as a Python int (TypeError for non-integers, like LiteRT). Values that
    do not fit the C API's int32 raise ValueError here rather than OverflowError in the binding;
    in-range values are checked by the C core (which names the valid range)."""
    i = operator.index(value)
    if not _INT32_MIN <= i <= _INT32_MAX:
        raise ValueError(f"Invalid {what} {i}: out of range")
    return i


class OpResolverType(enum.Enum):
    """Which kernels run. Same names and values as LiteRT's OpResolverType."""

    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def _resolver_value(r):
    if r is None:
        return 0
    if isinstance(r, OpResolverType):
        return r.value
    name = getattr(r, "name", None)  # LiteRT's own enum
    if name in OpResolverType.__members__:
        return OpResolverType[name].value
    value = int(r)
    if value not in (0, 1, 2, 3):
        raise ValueError(f"Unknown op resolver type {r!r}")
    return value


def supported_ops():
    """{op_name: (min_version, max_version)} of the builtin ops this build runs."""
    return {name: (lo, hi) for name, _code, lo, hi in _native.supported_ops()}


class Interpreter:
    """Runs a .tflite model. Drop-in for tflite_runtime.interpreter.Interpreter."""

    def __init__(
        self,
        model_path=None,
        model_content=None,
        experimental_delegates=None,
        num_threads=None,
        experimental_op_resolver_type=OpResolverType.AUTO,
        experimental_preserve_all_tensors=False,
        experimental_disable_delegate_clustering=False,
        experimental_default_delegate_latest_features=False,
        experimental_compress_quantization_zero_points=False,
        experimental_disable_delegate_node_fusion=False,
        experimental_force_delegate_node_profiling=False,
        arena_limit=None,
    ):
        self._native = None
        if num_threads is not None:
            if not isinstance(num_threads, int) or isinstance(num_threads, bool):
                raise ValueError("type of num_threads should be int")
            if num_threads < 1:
                raise ValueError("num_threads should >= 1")
            if num_threads > _INT32_MAX:
                raise ValueError(f"num_threads {num_threads} is too large")
        if arena_limit is not None:
            arena_limit = operator.index(arena_limit)
            if not 0 <= arena_limit < (1 << 64):
                raise ValueError(f"arena_limit must be in [0, 2**64) bytes (0 = default), not {arena_limit}")
        if model_path is not None and model_content is not None:
            raise ValueError("Can't both provide `model_path` and `model_content`")
        if model_path is None and model_content is None:
            raise ValueError("`model_path` or `model_content` must be specified.")
        if model_path is not None:
            path = os.fspath(model_path)
            if not os.path.isfile(path):
                raise ValueError(f"Could not open '{path}'.")
            self._model = _native.NativeModel.from_file(path)
        else:
            self._model_content = model_content
            self._model = _native.NativeModel.from_bytes(model_content)
        self._native = _native.NativeInterpreter(
            self._model,
            num_threads=int(num_threads or 1),
            resolver=_resolver_value(experimental_op_resolver_type),
            preserve_all_tensors=bool(experimental_preserve_all_tensors),
            arena_limit=int(arena_limit or 0),
        )
        self._signatures = {s["key"]: s for s in self._model.signatures()}
        self._delegates = list(experimental_delegates or [])  # kept: the interpreter holds its delegates
        self._delegate_flags = {"no_clustering": bool(experimental_disable_delegate_clustering),
                                "no_node_fusion": bool(experimental_disable_delegate_node_fusion)}
        if self._delegates:
            from tflite_rt.delegate import apply_delegates

            apply_delegates(self, self._delegates)

    # ---- life cycle ----

    def _ensure_safe(self):
        if self._native.live_views > 0:
            raise RuntimeError(_VIEW_HELD)

    def allocate_tensors(self):
        self._ensure_safe()
        self._native.allocate(0)

    def invoke(self):
        self._ensure_safe()
        self._native.invoke(0)

    def reset_all_variables(self):
        self._native.reset_variables()

    def num_subgraphs(self):
        return self._native.num_subgraphs()

    # ---- tensors ----

    def _tensor_details(self, tensor_index, subgraph_index=0):
        tensor_index = _index(tensor_index, "tensor index")
        info = self._native.tensor_info(_index(subgraph_index, "subgraph index"), tensor_index)
        dtype = _native.dtype_of(info["type"])
        if dtype is None:
            raise ValueError(f"Tensor {tensor_index} has type {_native.type_name(info['type'])}, which has no numpy dtype")
        scales = np.array(info["scales"], dtype=np.float32)
        zero_points = np.array(info["zero_points"], dtype=np.int32)
        if len(scales) == 1:
            quantization = (float(scales[0]), int(zero_points[0]))
        else:
            quantization = (0.0, 0)
        return {
            "name": info["name"],
            "index": tensor_index,
            "shape": np.array(info["shape"], dtype=np.int32),
            "shape_signature": np.array(info["shape_signature"], dtype=np.int32),
            "dtype": dtype,
            "quantization": quantization,
            "quantization_parameters": {
                "scales": scales,
                "zero_points": zero_points,
                "quantized_dimension": info["quantized_dimension"],
                "block_size": 0,
            },
            "sparsity_parameters": {},
        }

    def _get_tensor_details(self, tensor_index, subgraph_index=0):
        return self._tensor_details(tensor_index, subgraph_index)

    def get_input_details(self):
        return [self._tensor_details(i) for i in self._native.inputs(0)]

    def get_output_details(self):
        return [self._tensor_details(i) for i in self._native.outputs(0)]

    def get_tensor_details(self, subgraph_index=0):
        subgraph_index = _index(subgraph_index, "subgraph_index")
        n = self._native.num_tensors(subgraph_index)
        if n < 0:
            raise ValueError(f"subgraph_index is out of range: {subgraph_index} for the model, which has "
                             f"{self._native.num_subgraphs()} subgraphs.")
        out = []
        for i in range(n):
            try:
                out.append(self._tensor_details(i, subgraph_index))
            except ValueError:
                pass
        return out

    def set_tensor(self, tensor_index, value):
        self._native.set_tensor(0, _index(tensor_index, "tensor index"), value)

    def get_tensor(self, tensor_index, subgraph_index=0):
        return self._native.get_tensor(_index(subgraph_index, "subgraph index"), _index(tensor_index, "tensor index"))

    def tensor(self, tensor_index):
        """A function returning a numpy view of the tensor's memory (no copy). Do not keep the
        view across allocate_tensors(), invoke() or resize_tensor_input(): they raise while one
        is alive, instead of leaving it pointing at freed memory."""
        native = self._native
        tensor_index = _index(tensor_index, "tensor index")
        return lambda: native.tensor_view(0, tensor_index)

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        self._ensure_safe()
        shape = np.array(tensor_size)
        if shape.ndim != 1:
            raise ValueError(f"Shape should be 1D instead of {shape.ndim}.")
        if shape.size and shape.dtype.kind not in "iu":
            raise ValueError(f"Shape must be type int32 (was {shape.dtype}).")
        dims = [int(d) for d in shape.astype(np.int64)]
        if any(not _INT32_MIN <= d <= _INT32_MAX for d in dims):
            raise ValueError(f"Cannot resize input {input_index}: dimensions {dims} do not fit int32")
        self._native.resize_input(0, _index(input_index, "input tensor index"), dims, bool(strict))

    # ---- ops ----

    def _op_details(self, node):
        def types(idxs):
            out = []
            for t in idxs:
                if t < 0:
                    continue
                out.append(_native.dtype_of(self._native.tensor_info(0, t)["type"]))
            return out

        return {
            "index": node["index"],
            "op_name": node["op_name"],
            "inputs": np.array(node["inputs"], dtype=np.int32),
            "outputs": np.array(node["outputs"], dtype=np.int32),
            "operand_types": types(node["inputs"]),
            "result_types": types(node["outputs"]),
        }

    def _get_ops_details(self):
        return [self._op_details(n) for n in self._native.nodes(0)]

    def _get_op_details(self, op_index):
        nodes = self._native.nodes(0)
        if not 0 <= op_index < len(nodes):
            raise ValueError(f"Invalid op index {op_index} (the model has {len(nodes)} ops)")
        return self._op_details(nodes[op_index])

    # ---- signatures ----

    def get_signature_list(self):
        return {
            key: {"inputs": sorted(s["inputs"]), "outputs": sorted(s["outputs"])}
            for key, s in sorted(self._signatures.items())
        }

    def _get_full_signature_list(self):
        return {key: {"inputs": dict(s["inputs"]), "outputs": dict(s["outputs"])} for key, s in self._signatures.items()}

    def get_signature_runner(self, signature_key=None):
        if signature_key is None:
            if len(self._signatures) != 1:
                raise ValueError(
                    "SignatureDef signature_key is None and model has {0} Signatures. None is only allowed when "
                    "the model has 1 SignatureDef".format(len(self._signatures)))
            signature_key = next(iter(self._signatures))
        if signature_key not in self._signatures:
            raise ValueError(f"Invalid signature_key provided: '{signature_key}'. Available: "
                             f"{sorted(self._signatures)}")
        return SignatureRunner(self, signature_key)

    # ---- tflite_rt extras ----

    def memory_info(self):
        """Arena, persistent, dynamic and weight bytes (after allocate_tensors())."""
        return self._native.memory()

    def memory_plan(self, subgraph_index=0):
        """Per-tensor placement: name, bytes, where it lives, arena offset and lifetime."""
        out = []
        subgraph_index = self._check_subgraph(subgraph_index)
        for i in range(self._native.num_tensors(subgraph_index)):
            info = self._native.tensor_info(subgraph_index, i)
            out.append({k: info[k] for k in ("name", "bytes", "mem", "arena_offset", "first_node", "last_node")}
                       | {"index": i, "shape": info["shape"]})
        return out

    def _check_subgraph(self, subgraph_index):
        s = _index(subgraph_index, "subgraph index")
        if not 0 <= s < self._native.num_subgraphs():
            raise ValueError(f"Invalid subgraph index {s} (the model has {self._native.num_subgraphs()} subgraphs)")
        return s

    def set_num_threads(self, num_threads):
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError("num_threads should >= 1")
        if num_threads > _INT32_MAX:
            raise ValueError(f"num_threads {num_threads} is too large")
        self._native.set_num_threads(num_threads)

    @property
    def kernel_isa(self):
        """The instruction set of the kernels that run ('ref', 'avx2', ...)."""
        return self._native.isa()

    def enable_op_profiling(self, enabled=True):
        """Time every node's eval in C from now on (enabling resets the counters)."""
        self._native.set_profiling(bool(enabled))

    def op_profile(self, subgraph_index=0):
        """Per node, in run order: {index, op_name, outputs, total_us, count, avg_us} since
        enable_op_profiling(). Nodes of control-flow bodies are timed inside their caller."""
        out = []
        subgraph_index = self._check_subgraph(subgraph_index)
        for node, (ns, count) in zip(self._native.nodes(subgraph_index), self._native.node_profile(subgraph_index)):
            out.append({"index": node["index"], "op_name": node["op_name"], "outputs": node["outputs"],
                        "total_us": ns / 1e3, "count": count, "avg_us": ns / 1e3 / count if count else 0.0})
        return out

    def delegate_report(self, subgraph_index=0):
        """Which nodes the delegates run: {'delegates': [per delegate: supported_nodes,
        partitions_found, partitions_delegated, active, fallback_reason], 'partitions': [per
        DELEGATE node: node_index, nodes, op_names, inputs, outputs], 'cpu_nodes': [{index,
        op_name}], 'execution_plan': [node indices]}. tflite_rt.delegate.format_report() prints it."""
        from tflite_rt.delegate import delegate_report

        return delegate_report(self, subgraph_index)

    def unsupported_ops(self):
        """[] when every op of the model runs here. (Unsupported ops already fail construction; this
        is for the rare custom op registered later.)"""
        return []


class SignatureRunner:
    """Runs one signature of the model: runner(**inputs) -> {output_name: array}."""

    def __init__(self, interpreter, signature_key):
        self._interpreter = interpreter
        self._native = interpreter._native
        sig = interpreter._signatures[signature_key]
        self._key = signature_key
        self._subgraph = sig["subgraph"]
        self._inputs = sig["inputs"]
        self._outputs = sig["outputs"]

    def __call__(self, **kwargs):
        if len(kwargs) != len(self._inputs):
            raise ValueError(
                "Invalid number of inputs provided for running a SignatureDef, expected %s vs provided %s"
                % (len(self._inputs), len(kwargs)))
        for name in kwargs:
            if name not in self._inputs:
                raise ValueError(f"Invalid Input name ({name}) for SignatureDef")
        self._interpreter._ensure_safe()
        arrays = {}
        for name, value in kwargs.items():
            arr = np.asarray(value)
            arrays[name] = arr
            if any(d > _INT32_MAX for d in arr.shape):
                raise ValueError(f"Input {name} has shape {arr.shape}, which does not fit int32")
            self._native.resize_input(self._subgraph, self._inputs[name], list(arr.shape), False)
        if not self._native.is_allocated(self._subgraph):
            self._native.allocate(self._subgraph)
        for name, arr in arrays.items():
            self._native.set_tensor(self._subgraph, self._inputs[name], arr)
        self._native.invoke(self._subgraph)
        return {name: self._native.get_tensor(self._subgraph, t) for name, t in self._outputs.items()}

    def get_input_details(self):
        return {name: self._interpreter._tensor_details(t, self._subgraph) for name, t in self._inputs.items()}

    def get_output_details(self):
        return {name: self._interpreter._tensor_details(t, self._subgraph) for name, t in self._outputs.items()}
