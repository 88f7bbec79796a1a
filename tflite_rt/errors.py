"""Exception types raised by tflite_rt.

They subclass the built-in types that tflite_runtime / ai_edge_litert raise in the same
situations, so code written against those packages keeps catching them."""


class ModelError(ValueError):
    """The model bytes are malformed or inconsistent (bad flatbuffer, out-of-range index,
    impossible shape, bad quantization parameters, cycle, ...)."""


class UnsupportedOpError(ValueError):
    """The model uses an operator, version or data type that tflite_rt does not implement."""


class OutOfMemoryError(RuntimeError, MemoryError):
    """Tensor memory could not be had: the arena the model needs is over the interpreter's
    `arena_limit`, or an allocation failed. Both a RuntimeError (what LiteRT raises when
    allocate_tensors() fails) and a MemoryError."""
