"""Real converter-written models (tests/models, see its README) against LiteRT's goldens.

Integer outputs must be bit-exact with LiteRT's reference kernels (`ref_out*`); float outputs
must be within the tolerance for the model's variant (tests/tolerances.py).
"""
import json
import os

import numpy as np
import pytest

from tests import oracle, tolerances

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
MODELS = sorted(f[:-len(".tflite")] for f in os.listdir(MODELS_DIR) if f.endswith(".tflite"))


def _golden(name):
    with np.load(os.path.join(MODELS_DIR, name + ".npz")) as g:
        return {k: g[k] for k in g.files}


def _inputs(g):
    n = len([k for k in g if k.startswith("in") and k[2:].isdigit()])
    return [g[f"in{i}"] for i in range(n)]


def _refs(g, kind="ref"):
    n = len([k for k in g if k.startswith(kind + "_out")])
    return [g[f"{kind}_out{i}"] for i in range(n)]


def _variant(name):
    return name.split("__", 1)[1]


def _run_path(path, inputs, num_threads):
    it = oracle.rt_interpreter(model_path=path, num_threads=num_threads)
    return oracle._run(it, inputs)


def test_corpus_present():
    assert {"mnist__fp32", "mnist__dr", "mnist__fp16", "mnist__int8", "mnist__int8_fio",
            "mnist__int16x8"} <= set(MODELS)


@pytest.mark.parametrize("num_threads", [1, 2])
@pytest.mark.parametrize("name", MODELS)
def test_model_matches_golden(name, num_threads):
    g = _golden(name)
    got = _run_path(os.path.join(MODELS_DIR, name + ".tflite"), _inputs(g), num_threads)
    oracle.compare_all(got, _refs(g), tolerances.for_variant(_variant(name)),
                       source="golden ref_out (LiteRT 2.3.0 BUILTIN_REF)")


@pytest.mark.parametrize("name", MODELS)
def test_model_content_equals_model_path(name):
    """Loading from bytes and from a file gives identical outputs (same kernels)."""
    g = _golden(name)
    path = os.path.join(MODELS_DIR, name + ".tflite")
    with open(path, "rb") as f:
        data = f.read()
    a = oracle.run_rt(data, _inputs(g))
    b = _run_path(path, _inputs(g), 1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", MODELS)
def test_rewritten_model_gives_identical_outputs(name):
    """The same model written again by tests/tflite_builder.py (another byte layout, buffers
    at other offsets) must give bit-identical outputs."""
    from tests.tflite_reader import load_model
    g = _golden(name)
    with open(os.path.join(MODELS_DIR, name + ".tflite"), "rb") as f:
        data = f.read()
    a = oracle.run_rt(data, _inputs(g))
    b = oracle.run_rt(load_model(data).build(), _inputs(g))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", MODELS)
def test_repeated_invoke_is_stable(name):
    """Invoking twice on the same inputs gives identical outputs (no stale state)."""
    g = _golden(name)
    it = oracle.rt_interpreter(model_path=os.path.join(MODELS_DIR, name + ".tflite"))
    first = oracle._run(it, _inputs(g))
    it.invoke()
    second = [np.array(it.get_tensor(d["index"])) for d in it.get_output_details()]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", MODELS)
def test_io_details_match_golden_info(name):
    info = json.loads(str(_golden(name)["info"]))
    it = oracle.rt_interpreter(model_path=os.path.join(MODELS_DIR, name + ".tflite"))
    for details, spec in ((it.get_input_details(), info["inputs"]),
                          (it.get_output_details(), info["outputs"])):
        assert [d["name"] for d in details] == [s["name"] for s in spec]
        assert [d["shape"].tolist() for d in details] == [s["shape"] for s in spec]
        assert [np.dtype(d["dtype"]).name for d in details] == [s["dtype"] for s in spec]
        for d, s in zip(details, spec):
            if s["quant"]:
                assert d["quantization"][0] == pytest.approx(s["quant"]["scale"][0], rel=1e-7)
                assert d["quantization"][1] == s["quant"]["zero_point"][0]
            else:
                assert d["quantization"] == (0.0, 0)


@pytest.mark.skipif(not oracle.have_litert(), reason="ai-edge-litert not installed")
@pytest.mark.parametrize("name", MODELS)
def test_golden_reproduced_by_litert(name):
    """The goldens are what the installed LiteRT computes (guards the test data itself)."""
    g = _golden(name)
    with open(os.path.join(MODELS_DIR, name + ".tflite"), "rb") as f:
        ref = oracle.run_ref(f.read(), _inputs(g))
    oracle.compare_all(ref, _refs(g), tolerances.for_variant(_variant(name)), source="golden")
