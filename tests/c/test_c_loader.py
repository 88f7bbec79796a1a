"""pytest entry for the C model loader tests in this folder (short versions of each).

Builds tests/c/test_loader.c with gcc (ASan + UBSan when available), then:
  - every corpus model loads, and mutants load or fail cleanly (fewer mutants than a full run);
  - schema.h / types.c agree with the flatbuffer code shipped with LiteRT;
  - decoded tensors/ops/signatures equal LiteRT's view of the corpus;
  - targeted semantic mutations are rejected with precise messages.
Full runs: see the usage lines at the top of each script.
"""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.environ.get("TFLITE_RT_CORPUS", os.path.join(ROOT, "..", "shared", "models"))


def _build(tmp_path_factory, sanitize):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found")
    out = str(tmp_path_factory.mktemp("loader") / "test_loader")
    srcs = [os.path.join(ROOT, "csrc", "loader", f) for f in sorted(os.listdir(os.path.join(ROOT, "csrc", "loader")))
            if f.endswith(".c")]
    flags = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"] if sanitize else []
    cmd = ["gcc", "-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", *flags,
           "-I" + os.path.join(ROOT, "csrc", "include"), "-I" + os.path.join(ROOT, "csrc"),
           os.path.join(HERE, "test_loader.c"), *srcs, "-o", out, "-lm"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 and sanitize:
        pytest.skip("sanitizer build failed: " + r.stderr[-500:])
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    return _build(tmp_path_factory, sanitize=True)


@pytest.fixture(scope="module")
def plain_driver(tmp_path_factory):
    return _build(tmp_path_factory, sanitize=False)


def _has_models():
    return os.path.isdir(MODELS) and any(f.endswith(".tflite") for f in os.listdir(MODELS))


@pytest.mark.skipif(not _has_models(), reason="model corpus not found")
def test_corpus_loads_and_mutants_fail_cleanly(driver):
    r = subprocess.run([driver, "--models", MODELS, "--mutants", "300", "--truncations", "80"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (r.stdout[-3000:] + r.stderr[-3000:])
    assert "bad 0" in r.stdout.splitlines()[-1]


def _run_script(name, *args):
    pytest.importorskip("ai_edge_litert")
    pytest.importorskip("flatbuffers")
    r = subprocess.run([sys.executable, os.path.join(HERE, name), *args], capture_output=True, text=True,
                       cwd=ROOT, timeout=900)
    assert r.returncode == 0, (r.stdout[-3000:] + r.stderr[-3000:])


def test_schema_constants_match_litert():
    _run_script("check_schema.py")


@pytest.mark.skipif(not _has_models(), reason="model corpus not found")
def test_decoded_models_match_litert(plain_driver):
    _run_script("compare_oracle.py", "--driver", plain_driver)


@pytest.mark.skipif(not _has_models(), reason="model corpus not found")
def test_semantic_mutations(driver):
    _run_script("semantic_mutations.py", "--driver", driver, "--no-litert-verdict")
