"""Run a model with tflite_rt and with the reference oracle, and compare.

The oracle is LiteRT's reference kernels (ai_edge_litert, OpResolverType.BUILTIN_REF) when
ai-edge-litert is installed; otherwise a test may pass a numpy-computed `expected`.

    from tests.oracle import check
    check(model_bytes, [x, y])                        # vs LiteRT BUILTIN_REF
    check(model_bytes, [x], expected=[np.tanh(x)])    # used when LiteRT is missing

Integer/bool outputs must be bit-exact; float outputs are held to tests/tolerances.py.

TFLITE_RT_TEST_IMPL=litert runs the "tflite_rt" side with LiteRT's own Interpreter
(BUILTIN_REF) instead: a way to check the tests themselves. `litert-builtin` uses LiteRT's
optimized kernels without XNNPACK, `litert-auto` its default (XNNPACK).
"""
import os

import numpy as np
import pytest

try:
    from . import tolerances
except ImportError:  # imported as a top-level module (tests/ on sys.path)
    import tolerances

_IMPL_ENV = "TFLITE_RT_TEST_IMPL"


def have_litert():
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


def _litert_interpreter(model_bytes, resolver="BUILTIN_REF", **kw):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    return Interpreter(model_content=model_bytes,
                       experimental_op_resolver_type=getattr(OpResolverType, resolver), **kw)


def impl_name():
    """'tflite_rt' (default) or 'litert', 'litert-builtin', 'litert-auto'."""
    return os.environ.get(_IMPL_ENV, "tflite_rt")


def rt_module():
    """The module whose Interpreter the tests exercise (tflite_rt, or LiteRT's when the
    environment variable asks for it)."""
    if impl_name().startswith("litert"):
        if not have_litert():
            pytest.skip(f"{_IMPL_ENV}={impl_name()} but ai-edge-litert is not installed")
        import ai_edge_litert.interpreter as mod
        return mod
    import tflite_rt
    return tflite_rt


def rt_interpreter(**kw):
    """Create the Interpreter under test. Under TFLITE_RT_TEST_IMPL=litert* the LiteRT
    resolver is chosen by the variable unless the caller passes one."""
    mod = rt_module()
    name = impl_name()
    if name.startswith("litert") and "experimental_op_resolver_type" not in kw:
        resolver = {"litert": "BUILTIN_REF", "litert-builtin":
                    "BUILTIN_WITHOUT_DEFAULT_DELEGATES", "litert-auto": "AUTO"}[name]
        kw["experimental_op_resolver_type"] = getattr(mod.OpResolverType, resolver)
    return mod.Interpreter(**kw)


def model_error_type():
    """The exception type bad models must raise: tflite_rt.ModelError (a ValueError)."""
    mod = rt_module()
    return getattr(mod, "ModelError", ValueError)


def _ordered_inputs(interp, inputs):
    details = interp.get_input_details()
    if isinstance(inputs, dict):
        by_name = {d["name"]: d for d in details}
        pairs = [(by_name[k], v) for k, v in inputs.items()]
    else:
        inputs = list(inputs)
        if len(inputs) != len(details):
            raise ValueError(f"model has {len(details)} inputs, {len(inputs)} given")
        pairs = list(zip(details, inputs))
    return [(d, np.asarray(v)) for d, v in pairs]


def _run(interp, inputs):
    """allocate (resizing inputs whose shape differs), set inputs, invoke, copy outputs."""
    pairs = _ordered_inputs(interp, inputs)
    for d, v in pairs:
        if tuple(d["shape"]) != v.shape:
            interp.resize_tensor_input(d["index"], list(v.shape))
    interp.allocate_tensors()
    for d, v in pairs:
        interp.set_tensor(d["index"], v)
    interp.invoke()
    return [np.array(interp.get_tensor(d["index"])) for d in interp.get_output_details()]


def run_ref(model_bytes, inputs, resolver="BUILTIN_REF"):
    """Outputs of LiteRT's reference kernels (skips the test when LiteRT is not installed)."""
    if not have_litert():
        pytest.skip("ai-edge-litert not installed: no reference oracle")
    return _run(_litert_interpreter(model_bytes, resolver), inputs)


def run_rt(model_bytes, inputs, num_threads=1, **kw):
    """Outputs of tflite_rt (inputs: list in get_input_details order, or {name: array})."""
    interp = rt_interpreter(model_content=model_bytes, num_threads=num_threads, **kw)
    return _run(interp, inputs)


def compare(got, ref, tol=tolerances.FLOAT32, what="output", int_atol=0):
    """Assert one output matches: same shape and dtype; integers/bools bit-exact (or within
    `int_atol`); floats within `tol` (see tolerances.py). The message names the max
    difference, how many elements differ and the first differing index."""
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    assert got.dtype == ref.dtype, f"{what}: dtype {got.dtype}, expected {ref.dtype}"
    if ref.dtype.kind in "fc":
        a, b = got.astype(np.complex128 if ref.dtype.kind == "c" else np.float64), \
            ref.astype(np.complex128 if ref.dtype.kind == "c" else np.float64)
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        inf_mismatch = (np.isinf(a) | np.isinf(b)) & (a != b)
        bad_special = (nan_a != nan_b) | inf_mismatch
        fin = np.isfinite(a) & np.isfinite(b)
        diff = np.zeros(b.shape)
        diff[fin] = np.abs(a[fin] - b[fin])
        absmax = float(np.max(np.abs(b[fin]))) if fin.any() else 0.0
        bound = tol.bound(absmax)
        bad = bad_special | (diff > bound)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise AssertionError(
                f"{what}: {int(bad.sum())}/{ref.size} elements outside {tol.name} tolerance "
                f"(max|d| {float(diff.max()) if diff.size else 0.0:.3g}, allowed {bound:.3g} = "
                f"{tol.atol:g} + {tol.rtol:g} * max|ref| {absmax:.3g}); "
                f"{int(bad_special.sum())} NaN/inf mismatches; "
                f"first at {first}: got {got[first]!r}, expected {ref[first]!r}")
    else:
        if int_atol and ref.dtype.kind in "iu":
            ne = np.abs(got.astype(np.int64) - ref.astype(np.int64)) > int_atol
        else:
            ne = got != ref
        if ne.any():
            first = tuple(int(i) for i in np.argwhere(ne)[0])
            d = np.abs(got.astype(np.int64) - ref.astype(np.int64)) if ref.dtype.kind in "iub" \
                else None
            maxd = f"max|d| {int(d.max())}, " if d is not None else ""
            exact = "bit-exact" if not int_atol else f"within {int_atol}"
            raise AssertionError(
                f"{what}: integer output not {exact}: {int(ne.sum())}/{ref.size} elements "
                f"differ ({maxd}first at {first}: got {got[first]!r}, expected {ref[first]!r})")


def compare_all(got, ref, tol=tolerances.FLOAT32, source="oracle", int_atol=0):
    assert len(got) == len(ref), f"{len(got)} outputs, {source} has {len(ref)}"
    for i, (g, r) in enumerate(zip(got, ref)):
        compare(g, r, tol, what=f"output {i} vs {source}", int_atol=int_atol)


def check(model_bytes, inputs, expected=None, tol=tolerances.FLOAT32, num_threads=1, **kw):
    """Run tflite_rt and compare with LiteRT BUILTIN_REF if installed, else with `expected`
    (list of numpy arrays), else skip. Returns tflite_rt's outputs.

    When LiteRT's reference resolver lacks the op (it registers fewer ops than its optimized
    one), the test's `expected` is used if given, else LiteRT's optimized kernels
    (BUILTIN_WITHOUT_DEFAULT_DELEGATES), whose integer results may differ from the reference
    by 1, so integers are then held to +-1."""
    got = run_rt(model_bytes, inputs, num_threads=num_threads, **kw)
    if have_litert():
        try:
            ref = run_ref(model_bytes, inputs)
        except (RuntimeError, ValueError) as e:
            if expected is not None:
                compare_all(got, [np.asarray(x) for x in expected], tol, source="numpy")
                return got
            if "Didn't find op" not in str(e):
                pytest.skip(f"LiteRT BUILTIN_REF cannot run this model ({e}) and the test "
                            "gave no numpy expectation")
            ref = run_ref(model_bytes, inputs, resolver="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
            compare_all(got, ref, tol, source="LiteRT BUILTIN (its reference resolver lacks "
                        "the op)", int_atol=1)
            return got
        compare_all(got, ref, tol, source="LiteRT BUILTIN_REF")
    elif expected is not None:
        compare_all(got, [np.asarray(x) for x in expected], tol, source="numpy")
    else:
        pytest.skip("ai-edge-litert not installed and no numpy expectation given")
    return got
