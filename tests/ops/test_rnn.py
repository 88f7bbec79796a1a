"""RNN and UNIDIRECTIONAL_SEQUENCE_RNN against LiteRT's reference kernels (BUILTIN_REF).

float32 and hybrid (int8 weights, float activations quantized per batch row, symmetric or
asymmetric): h_t = act(bias + W x_t + R h_{t-1}). Sweeps over batch, time steps, time_major,
sizes, fused activations, all-zero input steps (TFLite skips those products), repeated invokes
with the hidden state carried over, and reset_all_variables. Float outputs are held to
tests/tolerances.py (FLOAT32, HYBRID).
"""
import numpy as np
import pytest

from tests import tolerances
from tests.ops.helpers import prepare_error, run_sequence
from tests.tflite_builder import ModelBuilder

ACTS = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"]


def build_rnn(kind, B, T, n_input, units, *, sequence=True, time_major=False, act="TANH", asym=False,
              seed=0):
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    if sequence:
        shape = [T, B, n_input] if time_major else [B, T, n_input]
        out_shape = shape[:2] + [units]
    else:
        shape, out_shape = [B, n_input], [B, units]
    x = b.input("x", shape, np.float32)
    wv = (rng.standard_normal((units, n_input)) / np.sqrt(n_input)).astype(np.float32)
    rv = (rng.standard_normal((units, units)) / np.sqrt(units)).astype(np.float32)
    if kind == "f32":
        w, r = b.const("w", wv), b.const("r", rv)
    else:
        def q(name, v):
            s = float(np.abs(v).max() / 127)
            return b.const(name, np.clip(np.round(v / s), -127, 127).astype(np.int8), quant=(s, 0))
        w, r = q("w", wv), q("r", rv)
    bias = b.const("bias", (rng.standard_normal(units) * 0.3).astype(np.float32))
    h = b.variable("state_h", [B, units], np.float32)
    y = b.tensor("y", out_shape, np.float32)
    version = 1 if kind == "f32" else (3 if asym else 2)
    if sequence:
        b.op("UNIDIRECTIONAL_SEQUENCE_RNN", [x, w, r, bias, h], [y], version=version,
             options={"time_major": time_major, "fused_activation_function": act,
                      "asymmetric_quantize_inputs": asym})
    else:
        b.op("RNN", [x, w, r, bias, h], [y], version=version,
             options={"fused_activation_function": act, "asymmetric_quantize_inputs": asym})
    b.output(y)
    return b.build(), lambda g: [(g.standard_normal(shape) * 1.5).astype(np.float32)]


TOL = {"f32": tolerances.FLOAT32, "hybrid": tolerances.HYBRID}


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("B,T,n_input,units,time_major", [
    (1, 1, 3, 4, False), (2, 3, 5, 6, False), (3, 5, 7, 17, True), (1, 4, 16, 33, False), (2, 1, 1, 1, True)])
def test_sequence_shapes(kind, B, T, n_input, units, time_major):
    model, gen = build_rnn(kind, B, T, n_input, units, time_major=time_major, asym=kind == "hybrid" and B > 1)
    run_sequence(model, gen, TOL[kind])


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("act", ACTS)
def test_sequence_activations(kind, act):
    model, gen = build_rnn(kind, 2, 3, 5, 7, act=act, seed=2)
    run_sequence(model, gen, TOL[kind])


@pytest.mark.parametrize("asym", [False, True])
@pytest.mark.parametrize("time_major", [False, True])
def test_hybrid_modes(asym, time_major):
    model, gen = build_rnn("hybrid", 3, 4, 9, 12, time_major=time_major, asym=asym, seed=4)
    run_sequence(model, gen, TOL["hybrid"])


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("B,n_input,units", [(1, 3, 4), (3, 8, 16), (2, 17, 5)])
@pytest.mark.parametrize("act", ["TANH", "RELU"])
def test_rnn(kind, B, n_input, units, act):
    """RNN: one step per invoke, the hidden state carried across invokes."""
    model, gen = build_rnn(kind, B, 1, n_input, units, sequence=False, act=act, asym=kind == "hybrid")
    run_sequence(model, gen, TOL[kind], invokes=4, reset_at=2)


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("time_major", [False, True])
def test_zero_steps(kind, time_major):
    model, gen = build_rnn(kind, 2, 4, 5, 6, time_major=time_major, asym=True)

    def zero(x, k):
        if k == 0:
            x[...] = 0
        elif time_major:
            x[1] = 0
        else:
            x[:, 2] = 0
    run_sequence(model, gen, TOL[kind], invokes=3, edit=zero)


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
def test_state_carried_and_reset(kind):
    model, gen = build_rnn(kind, 2, 3, 4, 5)
    run_sequence(model, gen, TOL[kind], invokes=4, reset_at=2)


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
def test_threads(kind):
    model, gen = build_rnn(kind, 4, 3, 64, 128, time_major=True)
    run_sequence(model, gen, TOL[kind], num_threads=3)


def test_error_hidden_state_not_variable():
    b = ModelBuilder()
    x = b.input("x", [1, 2, 3], np.float32)
    w = b.const("w", np.zeros((4, 3), np.float32))
    r = b.const("r", np.zeros((4, 4), np.float32))
    bias = b.const("bias", np.zeros(4, np.float32))
    h = b.input("h", [1, 4], np.float32)
    y = b.tensor("y", [1, 2, 4], np.float32)
    b.op("UNIDIRECTIONAL_SEQUENCE_RNN", [x, w, r, bias, h], [y])
    b.output(y)
    assert "variable" in prepare_error(b.build())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("act", ACTS)
def test_grid(kind, time_major, act):
    for seed, (B, T, n_input, units) in enumerate([(1, 1, 1, 1), (2, 5, 9, 16), (3, 2, 17, 33), (5, 7, 4, 15)]):
        model, gen = build_rnn(kind, B, T, n_input, units, time_major=time_major, act=act,
                               asym=bool(seed % 2), seed=seed)
        run_sequence(model, gen, TOL[kind])
