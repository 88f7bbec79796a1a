"""Helpers shared by the op tests: random inputs, the exact tolerance, one-op model builders and
the error a bad model raises.

Import as `from tests.ops.helpers import ...` (tests/ops is a namespace package inside `tests`).
"""
import numpy as np
import pytest

from tests import tolerances
from tests.oracle import _litert_interpreter, compare_all, have_litert, rt_interpreter
from tests.tflite_builder import ModelBuilder

# Ops that only move or select values: results must equal the expectation bit for bit.
EXACT = tolerances.Tolerance("exact", atol=0.0, rtol=0.0)
# The element types the data-movement ops are swept over.
DATA_DTYPES = [np.float32, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]


def rand(rng, shape, dtype, lo=-1000, hi=1000, fscale=1.0):
    """Random values of `dtype`: bool 0/1, floats standard normal times fscale, integers uniform
    in [lo, hi] clipped to the type's range (None: the type's own bound)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype.kind == "f":
        x = rng.standard_normal(shape)
        return (x if fscale == 1.0 else x * fscale).astype(dtype)
    info = np.iinfo(dtype)
    lo = info.min if lo is None else max(info.min, lo)
    hi = info.max if hi is None else min(info.max, hi)
    return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64 if info.bits < 64 else dtype).astype(dtype)


def prepare_error(model, feeds=None):
    """The message of the error raised by creating the interpreter and allocating its tensors or,
    with feeds, by the first invoke after them."""
    with pytest.raises((RuntimeError, ValueError)) as e:
        it = rt_interpreter(model_content=model)
        it.allocate_tensors()
        if feeds is not None:
            set_inputs(it, feeds)
            it.invoke()
    return str(e.value)


def invoke_error(model, feeds):
    """The message of the RuntimeError invoke raises (creating and allocating must succeed)."""
    it = rt_interpreter(model_content=model)
    it.allocate_tensors()
    set_inputs(it, feeds)
    with pytest.raises(RuntimeError) as e:
        it.invoke()
    return str(e.value)


def set_inputs(it, feeds):
    for d, v in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], v)


def one_op_model(op, inputs, outputs, options=None, version=1):
    """A model of one op. inputs: graph inputs (name, shape, dtype[, quant]), constants
    (name, array[, quant]) or -1 (an absent optional input); outputs: (name, shape, dtype[, quant]),
    all graph outputs."""
    b = ModelBuilder()
    ins = []
    for spec in inputs:
        if isinstance(spec, int):
            ins.append(spec)
        elif isinstance(spec[1], np.ndarray):
            ins.append(b.const(spec[0], spec[1], quant=spec[2] if len(spec) > 2 else None))
        else:
            ins.append(b.input(spec[0], spec[1], spec[2], quant=spec[3] if len(spec) > 3 else None))
    outs = [b.tensor(o[0], o[1], o[2], quant=o[3] if len(o) > 3 else None) for o in outputs]
    b.op(op, ins, outs, options=options, version=version)
    for t in outs:
        b.output(t)
    return b.build()


def data_op_model(op, shape, dtype, params, out_shape, const=True, param_dtype=np.int32, options=None, version=1,
                  quant=None, out_dtype=None, extra=None):
    """A one-op model over input x (shape, dtype, quant): then the int tensors `params`
    ({name: value}: perm, begin and size, paddings, axis, ...) as constants or, with const=False,
    as graph inputs fed after x (feeds_for); then the constants `extra` ({name: array, or
    (array, quant)}; quant defaults to x's). One output y of out_shape (out_dtype or dtype, x's
    quantization)."""
    b = ModelBuilder()
    ins = [b.input("x", shape, dtype, quant=quant)]
    for name, v in params.items():
        arr = np.asarray(v, param_dtype)
        ins.append(b.const(name, arr) if const else b.input(name, arr.shape, param_dtype))
    for name, v in (extra or {}).items():
        arr, q = v if isinstance(v, tuple) else (v, quant)
        ins.append(b.const(name, np.asarray(arr), quant=q))
    y = b.tensor("y", out_shape, dtype if out_dtype is None else out_dtype, quant=quant)
    b.op(op, ins, [y], options=options, version=version)
    b.output(y)
    return b.build()


def feeds_for(x, params, const, param_dtype=np.int32):
    """The feeds of a data_op_model: x, then the params unless they are constants."""
    return [x] if const else [x] + [np.asarray(v, param_dtype) for v in params.values()]


def litert_oracle(model):
    """LiteRT's interpreter for the model, allocated, and the resolver it uses: BUILTIN_REF, or
    its optimized kernels ("BUILTIN") when the reference resolver lacks the op version."""
    try:
        it = _litert_interpreter(model, "BUILTIN_REF")
        it.allocate_tensors()
        return it, "BUILTIN_REF"
    except (RuntimeError, ValueError) as e:
        if "Didn't find op" not in str(e):
            raise
    it = _litert_interpreter(model, "BUILTIN_WITHOUT_DEFAULT_DELEGATES")
    it.allocate_tensors()
    return it, "BUILTIN"


def run_sequence(model, gen, tol, invokes=3, reset_at=None, num_threads=1, seed=1, edit=None):
    """Stateful ops (RNN, LSTM): invokes the interpreter under test and LiteRT (litert_oracle)
    `invokes` times with fresh inputs gen(rng) (the state carries over), resetting the variables
    before invoke number `reset_at`, and compares every invoke. edit(x, k) may change the first
    input of invoke k in place (zero steps, ...)."""
    if not have_litert():
        pytest.skip("ai-edge-litert not installed")
    ref, which = litert_oracle(model)
    rt = rt_interpreter(model_content=model, num_threads=num_threads)
    rt.allocate_tensors()
    rng = np.random.default_rng(seed)
    for k in range(invokes):
        if reset_at is not None and k == reset_at:
            ref.reset_all_variables()
            rt.reset_all_variables()
        xs = gen(rng)
        if edit is not None:
            edit(xs[0], k)
        outs = []
        for it in (rt, ref):
            set_inputs(it, xs)
            it.invoke()
            outs.append([np.array(it.get_tensor(d["index"])) for d in it.get_output_details()])
        compare_all(outs[0], outs[1], tol, source=f"LiteRT {which} (invoke {k})",
                    int_atol=0 if which == "BUILTIN_REF" else 1)
