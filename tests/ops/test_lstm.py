"""UNIDIRECTIONAL_SEQUENCE_LSTM and BIDIRECTIONAL_SEQUENCE_LSTM against LiteRT's reference kernels.

Kinds: float32, hybrid (int8 weights, float activations, symmetric or asymmetric input
quantization) and, for the unidirectional op, the integer 8x8_16 LSTM (int8 activations, int16
cell state, five intermediate tensors). Sweeps cover batch, time steps (1, odd), time_major,
sizes, the optional inputs (peephole, projection with and without bias, layer norm, CIFG),
clips, fused activations, diagonal recurrent weights (version 4) and the state carried over
repeated invokes and cleared by reset_all_variables. Integer outputs are compared bit for bit,
float ones within tests/tolerances.py. The default run is a representative subset; `-m slow`
runs the larger grid.
"""
import itertools

import numpy as np
import pytest

from tests import tolerances
from tests.ops.helpers import prepare_error, run_sequence
from tests.tflite_builder import ModelBuilder

GATES = ("input", "forget", "cell", "output")


class Cfg(dict):
    """LSTM configuration with defaults; attribute access."""
    __getattr__ = dict.__getitem__


def cfg(**kw):
    c = Cfg(kind="f32", B=2, T=3, n_input=5, n_cell=6, n_output=None, time_major=False, cifg=False,
            peephole=False, projection=False, proj_bias=True, layer_norm=False, act="TANH",
            cell_clip=0.0, proj_clip=0.0, asym=False, diag=False, cell_shift=-11, seed=0,
            hidden_same_as_state=True, n_inputs=24)
    c.update(kw)
    if c["n_output"] is None:
        c["n_output"] = c["n_cell"] if not c["projection"] else c["n_cell"] - 2 or 1
    return c


def _int(rng, dtype, shape, lo=None, hi=None):
    info = np.iinfo(dtype)
    return rng.integers(info.min if lo is None else lo, info.max if hi is None else hi, size=shape,
                        endpoint=True).astype(dtype)


def _q8_weights(b, rng, name, shape, scale_range=(0.002, 0.02)):
    s = float(rng.uniform(*scale_range))
    return b.const(name, _int(rng, np.int8, shape, -127, 127), quant=(s, 0))


def lstm_weights(b, rng, c, prefix=""):
    """The 23 non-input tensors of one LSTM direction (tensor indices, -1 for absent) plus the
    output-state and cell-state variables. Returns dict name -> index."""
    kind, n_in, n_cell, n_out, B = c.kind, c.n_input, c.n_cell, c.n_output, c.B
    t = {}
    integer = kind == "int8"
    for g in GATES:
        if g == "input" and c.cifg:
            t[f"w_in_{g}"] = t[f"w_rec_{g}"] = -1
            continue
        if kind == "f32":
            t[f"w_in_{g}"] = b.const(f"{prefix}w_in_{g}", (rng.standard_normal((n_cell, n_in)) /
                                                          np.sqrt(n_in)).astype(np.float32))
        else:
            t[f"w_in_{g}"] = _q8_weights(b, rng, f"{prefix}w_in_{g}", (n_cell, n_in))
        if c.diag:
            t[f"w_rec_{g}"] = b.const(f"{prefix}w_rec_{g}",
                                      (rng.standard_normal(n_cell) * 0.5).astype(np.float32))
        elif kind == "f32":
            t[f"w_rec_{g}"] = b.const(f"{prefix}w_rec_{g}", (rng.standard_normal((n_cell, n_out)) /
                                                           np.sqrt(n_out)).astype(np.float32))
        else:
            t[f"w_rec_{g}"] = _q8_weights(b, rng, f"{prefix}w_rec_{g}", (n_cell, n_out))
    for g in ("input", "forget", "output"):
        if not c.peephole or (g == "input" and c.cifg):
            t[f"peep_{g}"] = -1
        elif kind == "f32":
            t[f"peep_{g}"] = b.const(f"{prefix}peep_{g}", (rng.standard_normal(n_cell) * 0.3).astype(np.float32))
        elif kind == "hybrid":
            t[f"peep_{g}"] = _q8_weights(b, rng, f"{prefix}peep_{g}", (n_cell,), (0.002, 0.004))
        else:
            t[f"peep_{g}"] = b.const(f"{prefix}peep_{g}", _int(rng, np.int16, n_cell, -20000, 20000),
                                     quant=(float(rng.uniform(1e-5, 3e-5)), 0))
    for g in GATES:
        if g == "input" and c.cifg:
            t[f"bias_{g}"] = -1
        elif integer:
            t[f"bias_{g}"] = b.const(f"{prefix}bias_{g}", _int(rng, np.int32, n_cell, -20000, 20000),
                                     quant=(1e-5, 0))
        else:
            t[f"bias_{g}"] = b.const(f"{prefix}bias_{g}", (rng.standard_normal(n_cell) * 0.5 +
                                                         (1.0 if g == "forget" else 0.0)).astype(np.float32))
    if c.projection:
        if kind == "f32":
            t["w_proj"] = b.const(f"{prefix}w_proj", (rng.standard_normal((n_out, n_cell)) /
                                                     np.sqrt(n_cell)).astype(np.float32))
        else:
            t["w_proj"] = _q8_weights(b, rng, f"{prefix}w_proj", (n_out, n_cell))
        if not c.proj_bias:
            t["b_proj"] = -1
        elif integer:
            t["b_proj"] = b.const(f"{prefix}b_proj", _int(rng, np.int32, n_out, -3000, 3000), quant=(1e-5, 0))
        else:
            t["b_proj"] = b.const(f"{prefix}b_proj", (rng.standard_normal(n_out) * 0.2).astype(np.float32))
    else:
        t["w_proj"] = t["b_proj"] = -1
    if integer:
        s_state = 2.0 ** -7 if c.hidden_same_as_state else 0.011
        t["state_h"] = b.variable(f"{prefix}state_h", [B, n_out], np.int8, quant=(s_state, 3))
        t["state_c"] = b.variable(f"{prefix}state_c", [B, n_cell], np.int16, quant=(2.0 ** c.cell_shift, 0))
    else:
        t["state_h"] = b.variable(f"{prefix}state_h", [B, n_out], np.float32)
        t["state_c"] = b.variable(f"{prefix}state_c", [B, n_cell], np.float32)
    for g in GATES:
        if not c.layer_norm or (g == "input" and c.cifg):
            t[f"ln_{g}"] = -1
        elif integer:
            t[f"ln_{g}"] = b.const(f"{prefix}ln_{g}", _int(rng, np.int16, n_cell, 8000, 32000),
                                   quant=(float(rng.uniform(2e-5, 6e-5)), 0))
        else:
            t[f"ln_{g}"] = b.const(f"{prefix}ln_{g}", rng.uniform(0.5, 1.5, n_cell).astype(np.float32))
    return t


def build_lstm(c):
    """A one-op UNIDIRECTIONAL_SEQUENCE_LSTM model; returns (bytes, input generator)."""
    rng = np.random.default_rng(c.seed)
    b = ModelBuilder()
    shape = [c.T, c.B, c.n_input] if c.time_major else [c.B, c.T, c.n_input]
    out_shape = shape[:2] + [c.n_output]
    integer = c.kind == "int8"
    if integer:
        x = b.input("x", shape, np.int8, quant=(0.02, -4))
        gen = lambda r: [_int(r, np.int8, shape)]
    else:
        x = b.input("x", shape, np.float32)
        gen = lambda r: [(r.standard_normal(shape) * 1.5).astype(np.float32)]
    t = lstm_weights(b, rng, c)
    if integer:
        y = b.tensor("y", out_shape, np.int8, quant=(2.0 ** -7, 3))
    else:
        y = b.tensor("y", out_shape, np.float32)
    ins = [x] + [t[f"w_in_{g}"] for g in GATES] + [t[f"w_rec_{g}"] for g in GATES] + \
          [t["peep_input"], t["peep_forget"], t["peep_output"]] + [t[f"bias_{g}"] for g in GATES] + \
          [t["w_proj"], t["b_proj"], t["state_h"], t["state_c"]]
    if c.n_inputs == 24:
        ins += [t[f"ln_{g}"] for g in GATES]
    inter = None
    if integer:
        inter = []
        for i, g in enumerate(GATES):
            q = (float(rng.uniform(0.0004, 0.001)), 0) if c.layer_norm else None
            inter.append(b.tensor(f"inter_{g}", [0], np.int16 if q else np.float32, quant=q))
        hid_q = (2.0 ** -7, 3) if c.hidden_same_as_state else (0.006, -2)
        inter.append(b.tensor("inter_hidden", [0], np.int8, quant=hid_q))
    version = 1
    if c.kind == "hybrid":
        version = 3 if c.asym else 2
    if c.diag:
        version = 4
    opts = {"fused_activation_function": c.act, "cell_clip": c.cell_clip, "proj_clip": c.proj_clip,
            "time_major": c.time_major, "asymmetric_quantize_inputs": c.asym,
            "diagonal_recurrent_tensors": c.diag}
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs=ins, outputs=[y], options=opts, version=version,
         intermediates=inter)
    b.output(y)
    return b.build(), gen


def tol_for(kind):
    return {"f32": tolerances.FLOAT32, "hybrid": tolerances.HYBRID}.get(kind, tolerances.FLOAT32)


def case(invokes=2, **kw):
    c = cfg(**kw)
    model, gen = build_lstm(c)
    run_sequence(model, gen, tol_for(c.kind), invokes=invokes)


# ---- float32 ----

@pytest.mark.parametrize("B,T,n_input,n_cell,time_major", [
    (1, 1, 3, 4, False), (2, 3, 5, 6, False), (3, 5, 7, 17, True), (1, 4, 16, 33, False), (2, 1, 1, 1, True)])
def test_f32_shapes(B, T, n_input, n_cell, time_major):
    case(kind="f32", B=B, T=T, n_input=n_input, n_cell=n_cell, time_major=time_major)


@pytest.mark.parametrize("cifg,peephole,projection,layer_norm", [
    (True, False, False, False), (False, True, False, False), (False, False, True, False),
    (False, False, False, True), (True, True, True, True), (False, True, True, True)])
@pytest.mark.parametrize("time_major", [False, True])
def test_f32_optional_inputs(cifg, peephole, projection, layer_norm, time_major):
    case(kind="f32", cifg=cifg, peephole=peephole, projection=projection, layer_norm=layer_norm,
         time_major=time_major, B=2, T=3, n_cell=7)


@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"])
def test_f32_activations(act):
    case(kind="f32", act=act, peephole=True, seed=3)


def test_f32_clips_and_projection_without_bias():
    case(kind="f32", projection=True, proj_bias=False, cell_clip=0.4, proj_clip=0.3, n_cell=9, T=4)


def test_f32_twenty_inputs():
    case(kind="f32", n_inputs=20, peephole=True)


@pytest.mark.parametrize("act", ["NONE", "TANH"])
@pytest.mark.parametrize("time_major", [False, True])
def test_f32_zero_input_steps(act, time_major):
    """All-zero input steps: TFLite skips the input product; with activation NONE its result
    then depends on which accumulation buffer holds the sum."""
    c = cfg(kind="f32", act=act, time_major=time_major, B=2, T=5, projection=True)
    model, gen = build_lstm(c)

    def zero(x, k):
        if time_major:
            x[1] = 0
            x[3] = 0
        else:
            x[:, 1] = 0
            x[0, 3] = 0
    run_sequence(model, gen, tol_for("f32"), edit=zero)


@pytest.mark.parametrize("act", ["TANH", "NONE"])
@pytest.mark.parametrize("kind", ["f32", "hybrid"])
def test_diagonal_recurrent_weights(kind, act):
    """Version 4: [n_cell] recurrent weights (LiteRT's reference resolver stops at version 3,
    so the oracle is its optimized resolver)."""
    c = cfg(kind=kind, diag=True, act=act, peephole=True, B=2, T=4)
    model, gen = build_lstm(c)

    def zero(x, k):
        x[:, 2] = 0
    run_sequence(model, gen, tol_for(kind), edit=zero)


def test_state_carried_and_reset():
    c = cfg(kind="f32", B=2, T=2, peephole=True, projection=True)
    model, gen = build_lstm(c)
    run_sequence(model, gen, tol_for("f32"), invokes=4, reset_at=2)


# ---- hybrid ----

@pytest.mark.parametrize("asym", [False, True])
@pytest.mark.parametrize("B,T,n_input,n_cell,time_major", [
    (1, 3, 5, 6, False), (2, 4, 7, 17, True), (3, 1, 16, 8, False)])
def test_hybrid_shapes(asym, B, T, n_input, n_cell, time_major):
    case(kind="hybrid", asym=asym, B=B, T=T, n_input=n_input, n_cell=n_cell, time_major=time_major)


@pytest.mark.parametrize("asym", [False, True])
@pytest.mark.parametrize("cifg,peephole,projection,layer_norm", [
    (True, False, False, False), (False, True, False, False), (False, False, True, False),
    (False, False, False, True), (True, True, True, True)])
def test_hybrid_optional_inputs(asym, cifg, peephole, projection, layer_norm):
    case(kind="hybrid", asym=asym, cifg=cifg, peephole=peephole, projection=projection,
         layer_norm=layer_norm, cell_clip=0.8, proj_clip=0.6 if projection else 0.0)


@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU6", "SIGN_BIT"])
def test_hybrid_activations(act):
    case(kind="hybrid", act=act, asym=True)


def test_hybrid_zero_steps_and_reset():
    c = cfg(kind="hybrid", asym=True, B=2, T=4, projection=True)
    model, gen = build_lstm(c)

    def zero(x, k):
        x[:, 0] = 0
    run_sequence(model, gen, tol_for("hybrid"), invokes=3, reset_at=1, edit=zero)


# ---- integer (8x8_16) ----

@pytest.mark.parametrize("B,T,n_input,n_cell,time_major", [
    (1, 1, 3, 4, False), (2, 3, 5, 6, False), (3, 5, 7, 17, True), (1, 4, 16, 33, False), (2, 2, 9, 32, True)])
def test_int8_shapes(B, T, n_input, n_cell, time_major):
    case(kind="int8", B=B, T=T, n_input=n_input, n_cell=n_cell, time_major=time_major)


@pytest.mark.parametrize("cifg,peephole,projection,layer_norm", [
    (True, False, False, False), (False, True, False, False), (False, False, True, False),
    (False, False, False, True), (True, True, True, True), (False, True, True, True),
    (False, True, False, True)])
@pytest.mark.parametrize("time_major", [False, True])
def test_int8_optional_inputs(cifg, peephole, projection, layer_norm, time_major):
    case(kind="int8", cifg=cifg, peephole=peephole, projection=projection, layer_norm=layer_norm,
         time_major=time_major, B=2, T=3, n_cell=20, n_output=20 if not projection else 12)


@pytest.mark.parametrize("cell_shift", [-15, -11, -9, -16])
def test_int8_cell_scales(cell_shift):
    """-16 gives tanh 15 - 16 = -1 integer bits: TFLite's tanh then writes nothing."""
    case(kind="int8", cell_shift=cell_shift, peephole=True, n_cell=18, cell_clip=3.0)


def test_int8_clips_and_distinct_hidden_scale():
    case(kind="int8", projection=True, proj_clip=0.5, cell_clip=1.0, hidden_same_as_state=False, n_cell=10,
         n_output=7)


def test_int8_initial_state_is_zero_point():
    """LiteRT starts and resets int8 variable tensors at their zero point (the state here has
    zero point 3), not at 0."""
    c = cfg(kind="int8", B=2, T=2, n_cell=6)
    model, gen = build_lstm(c)
    run_sequence(model, gen, tol_for("int8"), invokes=3, reset_at=1)


def test_int8_projection_without_bias():
    case(kind="int8", projection=True, proj_bias=False, n_cell=8, n_output=5)


def test_int8_state_carried_and_reset():
    c = cfg(kind="int8", B=2, T=3, peephole=True, layer_norm=True, n_cell=16)
    model, gen = build_lstm(c)
    run_sequence(model, gen, tol_for("int8"), invokes=4, reset_at=2)


@pytest.mark.parametrize("kind", ["f32", "hybrid", "int8"])
def test_threads(kind):
    c = cfg(kind=kind, B=4, T=3, n_input=40, n_cell=96, projection=True, peephole=True,
            time_major=True, asym=kind == "hybrid")
    model, gen = build_lstm(c)
    run_sequence(model, gen, tol_for(kind), num_threads=3)


# ---- errors ----

def _error_model(kind, replace, version):
    """A UNIDIRECTIONAL_SEQUENCE_LSTM without peepholes, projection or layer norm whose tensors
    named in replace(b, c) ({name: tensor}) are replaced."""
    c = cfg(kind=kind)
    b = ModelBuilder()
    rng = np.random.default_rng(0)
    x = b.input("x", [c.B, c.T, c.n_input], np.float32)
    t = lstm_weights(b, rng, c)
    t.update(replace(b, c))
    y = b.tensor("y", [c.B, c.T, c.n_output], np.float32)
    ins = [x] + [t[f"w_in_{g}"] for g in GATES] + [t[f"w_rec_{g}"] for g in GATES] + [-1, -1, -1] + \
          [t[f"bias_{g}"] for g in GATES] + [-1, -1, t["state_h"], t["state_c"]] + [-1] * 4
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs=ins, outputs=[y], version=version)
    b.output(y)
    return b.build()


ERRORS = {  # name -> (kind, replaced tensors, op version, expected message)
    "state_not_variable": ("f32", lambda b, c: {"state_h": b.input("not_var", [c.B, c.n_output], np.float32)}, 1,
                           "variable"),
    "per_channel_hybrid_weights": ("hybrid", lambda b, c: {"w_in_forget": b.const(
        "pc", np.ones((c.n_cell, c.n_input), np.int8),
        quant={"scales": [0.01] * c.n_cell, "zero_points": [0] * c.n_cell, "axis": 0})}, 2, "per-channel"),
    "bad_bias_shape": ("f32", lambda b, c: {"bias_cell": b.const("bad_bias", np.zeros(c.n_cell + 1, np.float32))}, 1,
                       "cell gate bias"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error(name):
    kind, replace, version, message = ERRORS[name]
    assert message in prepare_error(_error_model(kind, replace, version))


# ---- BIDIRECTIONAL_SEQUENCE_LSTM ----

def build_bidi(c, merge=False, aux_mode="none"):
    """aux_mode: 'none', 'cross' (auxiliary input and weights) or 'bw_input' (the backward cell
    reads the auxiliary input)."""
    rng = np.random.default_rng(c.seed)
    b = ModelBuilder()
    shape = [c.T, c.B, c.n_input] if c.time_major else [c.B, c.T, c.n_input]
    x = b.input("x", shape, np.float32)
    n_aux = 4
    aux = -1
    if aux_mode == "cross":
        aux = b.input("aux", shape[:2] + [n_aux], np.float32)
    elif aux_mode == "bw_input":
        aux = b.input("aux", shape, np.float32)
    fw = lstm_weights(b, rng, c, "fw_")
    bw = lstm_weights(b, rng, c, "bw_")

    def cell(t):
        return [t[f"w_in_{g}"] for g in GATES] + [t[f"w_rec_{g}"] for g in GATES] + \
               [t["peep_input"], t["peep_forget"], t["peep_output"]] + [t[f"bias_{g}"] for g in GATES] + \
               [t["w_proj"], t["b_proj"]]
    aux_w = [-1] * 8
    if aux_mode == "cross":
        aux_w = []
        for p in ("fw", "bw"):
            for g in GATES:
                if g == "input" and c.cifg:
                    aux_w.append(-1)
                elif c.kind == "f32":
                    aux_w.append(b.const(f"{p}_aux_{g}", (rng.standard_normal((c.n_cell, n_aux)) * 0.4
                                                         ).astype(np.float32)))
                else:
                    aux_w.append(_q8_weights(b, rng, f"{p}_aux_{g}", (c.n_cell, n_aux)))
    ins = [x] + cell(fw) + cell(bw) + [fw["state_h"], fw["state_c"], bw["state_h"], bw["state_c"], aux] + aux_w
    assert len(ins) == 48
    outs = []
    if merge:
        outs.append(b.tensor("y", shape[:2] + [2 * c.n_output], np.float32))
    else:
        outs.append(b.tensor("y_fw", shape[:2] + [c.n_output], np.float32))
        outs.append(b.tensor("y_bw", shape[:2] + [c.n_output], np.float32))
    version = 1 if c.kind == "f32" else (3 if c.asym else 2)
    opts = {"fused_activation_function": c.act, "cell_clip": c.cell_clip, "proj_clip": c.proj_clip,
            "merge_outputs": merge, "time_major": c.time_major, "asymmetric_quantize_inputs": c.asym}
    b.op("BIDIRECTIONAL_SEQUENCE_LSTM", inputs=ins, outputs=outs, options=opts, version=version)
    b.output(*outs)
    n_in = 1 if aux_mode == "none" else 2
    aux_shape = shape[:2] + [n_aux] if aux_mode == "cross" else shape

    def gen(r):
        v = [(r.standard_normal(shape) * 1.5).astype(np.float32)]
        if n_in == 2:
            v.append((r.standard_normal(aux_shape)).astype(np.float32))
        return v
    return b.build(), gen


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("merge,time_major,B", [(False, False, 2), (False, True, 3), (True, True, 2),
                                                (True, False, 1)])
def test_bidi(kind, merge, time_major, B):
    c = cfg(kind=kind, B=B, T=4, time_major=time_major, n_cell=7, n_inputs=20)
    model, gen = build_bidi(c, merge=merge)
    run_sequence(model, gen, tol_for(kind))


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
@pytest.mark.parametrize("aux_mode", ["cross", "bw_input"])
def test_bidi_aux(kind, aux_mode):
    c = cfg(kind=kind, B=2, T=3, time_major=True, n_cell=6, asym=kind == "hybrid")
    model, gen = build_bidi(c, aux_mode=aux_mode)
    run_sequence(model, gen, tol_for(kind))


@pytest.mark.parametrize("kind", ["f32", "hybrid"])
def test_bidi_optional_inputs(kind):
    c = cfg(kind=kind, B=2, T=3, time_major=True, cifg=True, peephole=True, projection=True,
            n_cell=9, cell_clip=0.7, proj_clip=0.5, act="RELU6")
    model, gen = build_bidi(c, merge=True)
    run_sequence(model, gen, tol_for(kind), invokes=3, reset_at=2)


# ---- the larger grid ----

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["f32", "hybrid", "int8"])
@pytest.mark.parametrize("cifg,peephole,projection,layer_norm",
                         list(itertools.product([False, True], repeat=4)))
@pytest.mark.parametrize("time_major", [False, True])
def test_grid(kind, cifg, peephole, projection, layer_norm, time_major):
    for seed, (B, T, n_in, n_cell) in enumerate([(1, 1, 2, 3), (2, 5, 9, 16), (3, 2, 17, 33)]):
        n_out = n_cell if not projection else max(1, n_cell - 5)
        case(kind=kind, cifg=cifg, peephole=peephole, projection=projection, layer_norm=layer_norm,
             time_major=time_major, B=B, T=T, n_input=n_in, n_cell=n_cell, n_output=n_out, seed=seed,
             asym=bool(seed % 2), cell_clip=0.5 * seed, proj_clip=0.25 * seed if projection else 0.0)
