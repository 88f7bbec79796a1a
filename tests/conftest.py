"""Shared pytest setup.

- Markers: `slow` (long sweeps; deselected by default through pyproject's addopts
  `-m 'not slow'`, run them with `pytest -m slow` or `pytest -m ''` for everything).
- `tests` is a package (tests/__init__.py): write `from tests.tflite_builder import
  ModelBuilder` and `from tests.oracle import check`. tests/ itself is also put on sys.path so
  `import tflite_builder` works in a script next to them.
- Fixtures: `models_dir` (tests/models), `model_bytes(name)`, `golden(name)`.
"""
import os
import sys

import numpy as np
import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TESTS_DIR)
MODELS_DIR = os.path.join(TESTS_DIR, "models")

for p in (REPO_DIR, TESTS_DIR):
    if p not in sys.path:
        sys.path.insert(0, p)

# TFLITE_RT_PKG_DIR: a folder holding a built tflite_rt package (the private copy printed by
# tests/dev_build.sh, the sanitized build of tests/run_sanitized.sh) to test instead of the
# repo's tflite_rt/. It goes first on sys.path (subprocesses see it through PYTHONPATH).
_PKG_DIR = os.environ.get("TFLITE_RT_PKG_DIR")
if _PKG_DIR:
    if _PKG_DIR in sys.path:
        sys.path.remove(_PKG_DIR)
    sys.path.insert(0, _PKG_DIR)
    import tflite_rt  # noqa: E402 - now, so that pytest putting the rootdir first later changes nothing
    if not os.path.abspath(tflite_rt.__file__).startswith(os.path.abspath(_PKG_DIR) + os.sep):
        raise RuntimeError(f"TFLITE_RT_PKG_DIR={_PKG_DIR}, but tflite_rt was imported from {tflite_rt.__file__}")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long parameter sweeps (run with -m slow)")


def pytest_report_header(config):
    from tests import oracle
    lines = [f"interpreter under test: {oracle.impl_name()}"]
    if _PKG_DIR:
        import tflite_rt
        lines.append(f"tflite_rt package: {os.path.dirname(tflite_rt.__file__)} (TFLITE_RT_PKG_DIR)")
    if oracle.have_litert():
        import importlib.metadata as md
        try:
            lines.append(f"oracle: ai-edge-litert {md.version('ai-edge-litert')} BUILTIN_REF")
        except md.PackageNotFoundError:
            lines.append("oracle: ai_edge_litert BUILTIN_REF")
    else:
        lines.append("oracle: none (ai-edge-litert not installed; numpy expectations only)")
    return lines


@pytest.fixture(scope="session")
def models_dir():
    return MODELS_DIR


@pytest.fixture(scope="session")
def model_bytes():
    """model_bytes('mnist__int8') -> the bytes of tests/models/mnist__int8.tflite."""
    def load(name):
        with open(os.path.join(MODELS_DIR, name + ".tflite"), "rb") as f:
            return f.read()
    return load


@pytest.fixture(scope="session")
def golden():
    """golden('mnist__int8') -> dict of the arrays in tests/models/mnist__int8.npz."""
    def load(name):
        with np.load(os.path.join(MODELS_DIR, name + ".npz")) as g:
            return {k: g[k] for k in g.files}
    return load
