"""Property: whatever the bytes, a model loads or raises ValueError (ModelError,
UnsupportedOpError), then allocates or raises, then invokes or raises -- ValueError or
RuntimeError (OutOfMemoryError over the arena limit is one), never a crash, never another type.

Hypothesis draws the mutants from the models of tests/models/*.tflite and two builder models
with control flow (IF, CALL_ONCE; no WHILE: a mutated loop may run forever by design): byte
flips (biased to the part of the file that is not weights), interesting 32-bit values,
truncation, and the structural mutations of tests/fuzz/mutate_models.py (indices,
shapes, types, quantization, options, op codes, subgraph indices, constant values), chosen by
a drawn seed. A few hundred examples by default (well under 30 s); `-m slow` runs thousands.
Run in-process: under tests/run_sanitized.sh every example is also checked by ASan/UBSan.
"""
import glob
import os
import struct
import sys

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_FILES = sorted(glob.glob(os.path.join(HERE, "models", "*.tflite")))
ARENA_LIMIT = 16 << 20


def _mutate_models():
    sys.path.insert(0, os.path.join(HERE, "fuzz"))
    try:
        import mutate_models
    finally:
        sys.path.pop(0)
    return mutate_models


def _seeds():
    out = {}
    for p in SEED_FILES:
        with open(p, "rb") as f:
            out[os.path.basename(p)[:-7]] = f.read()
    mm = _mutate_models()
    # control flow without WHILE: a mutated loop condition may legitimately never turn false
    # (mutate_models.py, with its loop watchdog, covers WHILE)
    for name in ("cf_if", "cf_call_once"):
        out[name] = mm.model_bytes(name)
    return out


SEEDS = _seeds()
NAMES = sorted(SEEDS)
_MUTATORS = {}


def _mutator(name):
    if name not in _MUTATORS:
        _MUTATORS[name] = _mutate_models().Mutator(name, SEEDS[name])
    return _MUTATORS[name]


def check_never_crashes(data, input_seed=0):
    """The property itself. Returns the stage reached, for statistics."""
    from tflite_rt.interpreter import Interpreter
    try:
        it = Interpreter(model_content=data, arena_limit=ARENA_LIMIT)
    except (ValueError, RuntimeError):
        return "load"
    try:
        it.allocate_tensors()
    except (ValueError, RuntimeError):
        return "allocate"
    rng = np.random.default_rng(input_seed)
    try:
        for d in it.get_input_details():
            dt = np.dtype(d["dtype"])
            shape = [int(x) for x in d["shape"]]
            if dt.kind == "f":
                v = rng.standard_normal(shape).astype(dt)
            elif dt.kind in "iu":
                v = rng.integers(0, 4, shape).astype(dt)
            elif dt.kind == "b":
                v = rng.integers(0, 2, shape).astype(dt)
            else:
                continue
            it.set_tensor(d["index"], v)
        it.invoke()
        for d in it.get_output_details():
            it.get_tensor(d["index"])
    except (ValueError, RuntimeError):
        return "invoke"
    return "ok"


def _flip_positions(name):
    ranges = _mutator(name).meta_ranges
    return st.sampled_from(ranges).flatmap(lambda r: st.integers(r[0], r[1] - 1))


@st.composite
def byte_mutants(draw):
    name = draw(st.sampled_from(NAMES))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(_flip_positions(name))
        if draw(st.booleans()):
            data[pos] ^= 1 << draw(st.integers(0, 7))
        else:
            pos &= ~3
            value = draw(st.sampled_from([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(data), 0xFFFF]))
            if pos + 4 <= len(data):
                data[pos:pos + 4] = struct.pack("<I", value)
    return bytes(data)


@st.composite
def truncated(draw):
    name = draw(st.sampled_from(NAMES))
    data = SEEDS[name]
    return data[:draw(st.integers(0, len(data) - 1))]


@st.composite
def structural(draw):
    name = draw(st.sampled_from(NAMES))
    seed = draw(st.integers(0, 2**32 - 1))
    data, _desc = _mutator(name).mutate(seed)
    return data


FAST = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@FAST
@given(byte_mutants(), st.integers(0, 1000))
def test_byte_mutants_never_crash(data, input_seed):
    check_never_crashes(data, input_seed)


@FAST
@given(truncated())
def test_truncated_models_raise_model_error(data):
    import tflite_rt
    from tflite_rt.interpreter import Interpreter
    with pytest.raises(tflite_rt.ModelError):
        Interpreter(model_content=data, arena_limit=ARENA_LIMIT)


@FAST
@given(structural(), st.integers(0, 1000))
def test_structural_mutants_never_crash(data, input_seed):
    check_never_crashes(data, input_seed)


@pytest.mark.slow
@SLOW
@given(st.one_of(byte_mutants(), truncated(), structural()), st.integers(0, 1000))
def test_mutants_never_crash_long(data, input_seed):
    check_never_crashes(data, input_seed)
