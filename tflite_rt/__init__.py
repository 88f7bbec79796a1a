"""tflite_rt: a fast, small, safe TensorFlow Lite runtime with the tflite_runtime API.

    from tflite_rt import Interpreter
    it = Interpreter(model_path="model.tflite", num_threads=2)
    it.allocate_tensors(); it.set_tensor(idx, x); it.invoke(); y = it.get_tensor(out_idx)
"""
from tflite_rt._native import version as _version
from tflite_rt.delegate import Delegate, load_delegate
from tflite_rt.errors import ModelError, OutOfMemoryError, UnsupportedOpError
from tflite_rt.interpreter import Interpreter, OpResolverType, SignatureRunner, supported_ops
from tflite_rt.custom_ops import InterpreterWithCustomOps
from tflite_rt.benchmark import BenchmarkResult, benchmark
from tflite_rt.inspector import inspect_model

__version__ = _version()

__all__ = [
    "Interpreter",
    "InterpreterWithCustomOps",
    "OpResolverType",
    "SignatureRunner",
    "ModelError",
    "OutOfMemoryError",
    "UnsupportedOpError",
    "supported_ops",
    "load_delegate",
    "Delegate",
    "benchmark",
    "BenchmarkResult",
    "inspect_model",
    "__version__",
]
