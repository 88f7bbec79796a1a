"""Custom ops from Python: LiteRT's InterpreterWithCustomOps, over tflite_rt's C custom-op ABI.

A model's custom op runs here once a C implementation is registered (the ABI, with an example,
is csrc/include/tflite_rt/custom_op.h). Implementations live in shared libraries that export a
*registerer*, a C function

    int register_my_ops(const tflrt_custom_api* api);   /* 0 on success */

which calls ``api->register_op(api, &op, err, err_cap)`` for each op. As in LiteRT, registerers
are given by symbol name:

    from tflite_rt import InterpreterWithCustomOps
    it = InterpreterWithCustomOps(custom_op_registerers=["register_my_ops"],
                                  custom_op_library="./libmy_ops.so", model_path="m.tflite")

Each entry of ``custom_op_registerers`` is one of
  * a symbol name (str), looked up in ``custom_op_library`` when given (a path or a
    ``ctypes.CDLL``), else in the libraries already loaded into the process;
  * a ``(library, symbol)`` pair;
  * a ctypes function pointer, or any Python callable taking the API table's address (int):
    the counterpart of LiteRT's "function that takes a uintptr_t".

Registration is process-wide (the libraries stay loaded for the life of the process) and is
idempotent: running the same registerer for every new interpreter is fine.
"""
import ctypes

from tflite_rt import _native
from tflite_rt.interpreter import Interpreter

_LOADED = {}  # path -> ctypes.CDLL: registered callbacks live there, so never unloaded


def _library(lib):
    if lib is None:
        return ctypes.CDLL(None)  # the process: the program and what it loaded
    if isinstance(lib, ctypes.CDLL):
        return lib
    path = str(lib)
    if path not in _LOADED:
        try:
            _LOADED[path] = ctypes.CDLL(path)
        except OSError as e:
            raise ValueError(f"Cannot load custom op library '{path}': {e}") from None
    return _LOADED[path]


def _resolve(registerer, library):
    """(callable taking the API address, description)."""
    if isinstance(registerer, tuple) and len(registerer) == 2:
        library, registerer = registerer
    if isinstance(registerer, (str, bytes)):
        name = registerer.decode() if isinstance(registerer, bytes) else registerer
        lib = _library(library)
        try:
            fn = getattr(lib, name)
        except AttributeError:
            where = f"'{library}'" if library is not None else "the process"
            raise ValueError(f"Looking up symbol '{name}' in {where} failed: no such C function "
                             "(is it exported, with C linkage?)") from None
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_void_p]
        return fn, f"registerer '{name}'"
    if isinstance(registerer, ctypes._CFuncPtr):  # noqa: SLF001 - the public base of ctypes functions
        if registerer.restype is None or registerer.restype is ctypes.c_int:
            registerer.restype = ctypes.c_int
        registerer.argtypes = [ctypes.c_void_p]
        return registerer, f"registerer {registerer!r}"
    if callable(registerer):
        return registerer, f"registerer {registerer!r}"
    raise TypeError(f"custom op registerer must be a symbol name, a (library, symbol) pair or a "
                    f"callable, not {type(registerer).__name__}")


def register(custom_op_registerers, custom_op_library=None):
    """Runs each registerer with the custom-op API table (see the module docstring)."""
    address = _native.custom_op_api_address()
    for reg in custom_op_registerers or []:
        fn, what = _resolve(reg, custom_op_library)
        status = fn(address)
        if status not in (None, 0):
            raise ValueError(f"Custom op {what} failed with status {status}")


class InterpreterWithCustomOps(Interpreter):
    """Interpreter whose model may use custom ops implemented in C.

    Mirrors ``ai_edge_litert.interpreter.InterpreterWithCustomOps``: ``custom_op_registerers``
    is a list of registerer symbol names or callables (see the module docstring);
    ``custom_op_library`` (tflite_rt only) names the shared library the symbols come from.
    Every other argument is the Interpreter's.
    """

    def __init__(self, custom_op_registerers=None, custom_op_library=None, **kwargs):
        self._custom_op_registerers = list(custom_op_registerers or [])
        register(self._custom_op_registerers, custom_op_library)
        super().__init__(**kwargs)
