"""FULLY_CONNECTED against LiteRT's reference kernels (BUILTIN_REF).

Integer paths must be bit-exact (tests/oracle.check); float and hybrid paths within the
project tolerances. The default run is a representative sweep; `-m slow` runs the full grid.
"""
import itertools

import numpy as np
import pytest

from tests import tolerances
from tests.ops.helpers import one_op_model, prepare_error
from tests.oracle import check, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

ACTS = ["NONE", "RELU", "RELU_N1_TO_1", "RELU6"]

# kind -> (input dtype, weight dtype, output dtype, bias dtype, FULLY_CONNECTED version)
KINDS = {
    "f32": (np.float32, np.float32, np.float32, np.float32, 1),
    "qs8": (np.int8, np.int8, np.int8, np.int32, 4),
    "qu8": (np.uint8, np.uint8, np.uint8, np.int32, 1),
    "qu8_qs16": (np.uint8, np.uint8, np.int16, np.int32, 1),
    "qs16": (np.int16, np.int8, np.int16, np.int64, 4),
    "qs16_b32": (np.int16, np.int8, np.int16, np.int32, 11),
    "qs16w16": (np.int16, np.int16, np.int16, np.int32, 7),
    "qs16w16_b64": (np.int16, np.int16, np.int16, np.int64, 11),
    "hybrid": (np.float32, np.int8, np.float32, np.float32, 3),
}


def _rand_int(rng, dtype, shape, lo=None, hi=None):
    info = np.iinfo(dtype)
    lo = info.min if lo is None else lo
    hi = info.max if hi is None else hi
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def build_fc(kind, in_shape, units, *, bias="yes", act="NONE", keep_num_dims=False,
             per_channel=False, asym=False, weight_zp=0, seed=0):
    """A one-op FULLY_CONNECTED model. bias: 'yes', 'none' (2 inputs) or 'missing' (-1).
    Returns (model bytes, input generator rng -> [x])."""
    rng = np.random.default_rng(seed)
    tin, tw, tout, tb, version = KINDS[kind]
    k = in_shape[-1]
    total = int(np.prod(in_shape))
    assert total % k == 0
    out_shape = list(in_shape[:-1]) + [units] if keep_num_dims else [total // k, units]
    if keep_num_dims:
        version = max(version, 5)
    if bias != "yes":
        version = max(version, 6)
    if kind == "hybrid" and asym:
        version = 9
    if kind == "hybrid" and per_channel:
        version = 12
    b = ModelBuilder()

    if kind in ("f32", "hybrid"):
        x_q = None
        gen = lambda r: [r.standard_normal(in_shape).astype(np.float32) * 2 + 0.3]
    elif tin == np.int8:
        sx, zx = float(rng.uniform(0.01, 0.05)), int(rng.integers(-20, 20))
        x_q = (sx, zx)
        gen = lambda r: [_rand_int(r, np.int8, in_shape)]
    elif tin == np.uint8:
        sx, zx = float(rng.uniform(0.01, 0.05)), int(rng.integers(100, 156))
        x_q = (sx, zx)
        gen = lambda r: [_rand_int(r, np.uint8, in_shape)]
    else:
        sx, zx = float(rng.uniform(1e-4, 5e-4)), 0
        x_q = (sx, zx)
        gen = lambda r: [_rand_int(r, np.int16, in_shape)]
    x = b.input("x", in_shape, tin, quant=x_q)

    # weights
    if tw == np.float32:
        wv = (rng.standard_normal((units, k)) / np.sqrt(k)).astype(np.float32)
        w = b.const("w", wv)
        w_real = wv.astype(np.float64)
        wq = None
    else:
        lo, hi = (-127, 127) if tw == np.int8 else (None, None)
        if tw == np.int16:
            lo, hi = -32767, 32767
        wv = _rand_int(rng, tw, (units, k), lo, hi)
        if tw == np.uint8:
            zw = int(rng.integers(100, 156))
        else:
            zw = 0 if per_channel else weight_zp
        base = 0.02 / np.sqrt(k) if tw != np.int16 else 1e-4 / np.sqrt(k)
        if per_channel:
            sw = (base * rng.uniform(0.5, 2.0, units)).astype(np.float32)
            wq = {"scales": sw.tolist(), "zero_points": [0] * units, "axis": 0}
        else:
            sw = np.full(units, base, np.float32)
            wq = (float(sw[0]), zw)
        w = b.const("w", wv, quant=wq)
        w_real = (wv.astype(np.float64) - zw) * sw[:, None]

    # bias
    inputs = [x, w]
    bias_real = np.zeros(units)
    if bias == "yes":
        if tb == np.float32:
            bv = rng.standard_normal(units).astype(np.float32)
            inputs.append(b.const("bias", bv))
            bias_real = bv.astype(np.float64)
        else:
            bscale = (sx * sw).astype(np.float32)
            bias_real = rng.standard_normal(units) * 0.5
            bv = np.round(bias_real / bscale).astype(tb)
            bq = {"scales": bscale.tolist(), "zero_points": [0] * units, "axis": 0} \
                if per_channel else (float(bscale[0]), 0)
            inputs.append(b.const("bias", bv, quant=bq))
    elif bias == "missing":
        inputs.append(-1)

    # output quantization: cover the range of a typical output, with a little clipping
    if tout == np.float32:
        y = b.tensor("y", out_shape, np.float32)
    else:
        xs = gen(np.random.default_rng(seed + 1000))[0]
        x_real = (xs.astype(np.float64) - x_q[1]) * x_q[0]
        y_real = x_real.reshape(-1, k) @ w_real.T + bias_real
        span = max(float(np.max(np.abs(y_real))), 1e-3)
        if tout == np.int16:
            zy = 0
            sy = span / 30000.0
        elif tout == np.uint8:
            zy = int(rng.integers(100, 156))
            sy = span / 120.0
        else:
            zy = int(rng.integers(-10, 10))
            sy = span / 120.0
        y = b.tensor("y", out_shape, tout, quant=(sy, zy))

    options = {"fused_activation_function": act, "keep_num_dims": keep_num_dims,
               "asymmetric_quantize_inputs": asym}
    if kind == "qs16_b32":
        options["quantized_bias_type"] = "INT32"
    if kind == "qs16w16_b64":
        options["quantized_bias_type"] = "INT64"
    b.op("FULLY_CONNECTED", inputs, [y], options=options, version=version)
    b.output(y)
    return b.build(), gen


def run_case(kind, in_shape, units, seed=0, n_inputs=2, num_threads=1, tol=tolerances.FLOAT32,
             **kw):
    model, gen = build_fc(kind, in_shape, units, seed=seed, **kw)
    rng = np.random.default_rng(seed + 7)
    for _ in range(n_inputs):
        check(model, gen(rng), tol=tol, num_threads=num_threads)


SHAPES = [((1, 1), 1), ((1, 7), 5), ((3, 17), 13), ((2, 3, 8), 4), ((5, 33), 40), ((4, 2, 2, 6), 3)]


# ---- float32 ----

@pytest.mark.parametrize("in_shape,units", SHAPES)
@pytest.mark.parametrize("bias", ["yes", "none", "missing"])
def test_f32_shapes_bias(in_shape, units, bias):
    run_case("f32", in_shape, units, bias=bias)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("keep_num_dims", [False, True])
def test_f32_activation_keep_dims(act, keep_num_dims):
    run_case("f32", (2, 3, 9), 6, act=act, keep_num_dims=keep_num_dims)


def test_f32_flattens_input_rank():
    # [2, 3, 4] with 6 input features: flattened to 4 rows of 6
    model, gen = _flatten_model()
    check(model, gen(np.random.default_rng(1)))


def _flatten_model():
    rng = np.random.default_rng(3)
    b = ModelBuilder()
    x = b.input("x", [2, 3, 4], np.float32)
    w = b.const("w", rng.standard_normal((5, 6)).astype(np.float32))
    y = b.tensor("y", [4, 5], np.float32)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=6)
    b.output(y)
    return b.build(), lambda r: [r.standard_normal((2, 3, 4)).astype(np.float32)]


# ---- int8 / uint8 ----

@pytest.mark.parametrize("in_shape,units", SHAPES)
@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("bias", ["yes", "missing"])
def test_qs8(in_shape, units, per_channel, bias):
    run_case("qs8", in_shape, units, per_channel=per_channel, bias=bias, seed=units)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("per_channel", [False, True])
def test_qs8_activation(act, per_channel):
    run_case("qs8", (3, 21), 9, act=act, per_channel=per_channel, seed=5)


def test_qs8_keep_num_dims_and_weight_zero_point():
    run_case("qs8", (2, 3, 10), 7, keep_num_dims=True, seed=11)
    run_case("qs8", (3, 10), 7, weight_zp=3, seed=12)


@pytest.mark.parametrize("kind", ["qu8", "qu8_qs16"])
@pytest.mark.parametrize("in_shape,units", [((1, 5), 3), ((3, 17), 13), ((2, 2, 8), 6)])
@pytest.mark.parametrize("act", ["NONE", "RELU"])
def test_uint8(kind, in_shape, units, act):
    run_case(kind, in_shape, units, act=act, seed=units + 1)


# ---- int16 activations ----

@pytest.mark.parametrize("kind", ["qs16", "qs16_b32"])
@pytest.mark.parametrize("in_shape,units", SHAPES[:5])
@pytest.mark.parametrize("per_channel", [False, True])
def test_int16x8(kind, in_shape, units, per_channel):
    run_case(kind, in_shape, units, per_channel=per_channel, seed=units + 2)


@pytest.mark.parametrize("bias", ["none", "missing"])
@pytest.mark.parametrize("act", ["NONE", "RELU6"])
def test_int16x8_no_bias(bias, act):
    run_case("qs16", (3, 19), 8, bias=bias, act=act, seed=4)


@pytest.mark.parametrize("kind", ["qs16w16", "qs16w16_b64"])
@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("bias", ["yes", "missing"])
def test_int16_weights(kind, per_channel, bias):
    # TFLite reads the bias of int16 weights as int32 unless quantized_bias_type is INT64
    # (an int64 bias without that option is read as int32 words: not tested, tflite_rt reads
    # the bias by its own type)
    run_case(kind, (3, 19), 8, per_channel=per_channel, bias=bias, seed=6)


# ---- hybrid (dynamic range) ----

@pytest.mark.parametrize("in_shape,units", SHAPES)
@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("asym", [False, True])
def test_hybrid(in_shape, units, per_channel, asym):
    run_case("hybrid", in_shape, units, per_channel=per_channel, asym=asym, seed=units + 3)


@pytest.mark.parametrize("act", ACTS + ["TANH", "SIGN_BIT"])
@pytest.mark.parametrize("asym", [False, True])
def test_hybrid_activation(act, asym):
    run_case("hybrid", (2, 15), 9, act=act, asym=asym, bias="missing", seed=8)


def test_hybrid_zero_and_constant_rows():
    model, _ = build_fc("hybrid", (4, 6), 5, per_channel=True, asym=True, seed=2)
    x = np.zeros((4, 6), np.float32)
    x[1] = 3.0        # constant positive row
    x[2] = -2.0       # constant negative row
    x[3, 0] = 1e-3    # tiny
    check(model, [x])


@pytest.mark.parametrize("lo,hi", [(-4.0, 11.9375), (-15.9375, 0.0)])
def test_hybrid_asymmetric_ties(lo, hi):
    # Row range [lo, hi] gives an exact scale of 1/16, so x / scale lands on exact halves; with
    # identity weights each output shows one quantized input. LiteRT 2.3.0 rounds x / scale
    # half away from zero and then adds the zero point (which differs from rounding
    # zero_point + x / scale on ties); the conv family's f32_to_qd8_asym kernel, shared by
    # both ops, must keep matching it.
    halves = np.arange(-254.5, 255, 1.0) / 16
    xs = np.concatenate([[lo, hi], halves[(halves >= lo) & (halves <= hi)]]).astype(np.float32)
    k = xs.size
    b = ModelBuilder()
    x = b.input("x", [1, k], np.float32)
    w = b.const("w", np.eye(k, dtype=np.int8) * 127, quant=(1 / 127, 0))
    y = b.tensor("y", [1, k], np.float32)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], options={"asymmetric_quantize_inputs": True},
         version=9)
    b.output(y)
    got, ref = run_rt(b.build(), [xs[None]]), run_ref(b.build(), [xs[None]])
    np.testing.assert_array_equal(got[0], ref[0])


# ---- degenerate shapes and non-constant weights ----

@pytest.mark.parametrize("tin", [np.float32, np.int8])
def test_zero_input_features(tin):
    # weights [3, 0]: TFLite zero-fills the output (raw zeros, not the zero point)
    b = ModelBuilder()
    q = None if tin == np.float32 else (0.1, 2)
    x = b.input("x", [2, 0], tin, quant=q)
    # (weights as a graph input: a zero-byte constant buffer is a loader matter)
    w = b.input("w", [3, 0], tin, quant=None if q is None else (0.1, 0))
    y = b.tensor("y", [2, 3], tin, quant=None if q is None else (0.1, 5))
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=6)
    b.output(y)
    (got,) = check(b.build(), [np.zeros((2, 0), tin), np.zeros((3, 0), tin)])
    assert got.shape == (2, 3) and not got.any()


def test_zero_batch():
    b = ModelBuilder()
    x = b.input("x", [0, 4], np.float32)
    w = b.const("w", np.ones((3, 4), np.float32))
    y = b.tensor("y", [0, 3], np.float32)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], version=6)
    b.output(y)
    (got,) = check(b.build(), [np.zeros((0, 4), np.float32)])
    assert got.shape == (0, 3)


@pytest.mark.parametrize("kind", ["qs8", "hybrid"])
def test_weights_as_graph_input(kind):
    # weights computed at run time: hybrid row sums are recomputed at every invoke
    rng = np.random.default_rng(4)
    b = ModelBuilder()
    if kind == "qs8":
        x = b.input("x", [3, 10], np.int8, quant=(0.05, -3))
        out = b.tensor("y", [3, 6], np.int8, quant=(0.08, 1))
    else:
        x = b.input("x", [3, 10], np.float32)
        out = b.tensor("y", [3, 6], np.float32)
    w = b.input("w", [6, 10], np.int8, quant=(0.02, 0))
    b.op("FULLY_CONNECTED", [x, w, -1], [out], version=6,
         options={"asymmetric_quantize_inputs": kind == "hybrid"})
    b.output(out)
    model = b.build()
    for _ in range(2):
        xv = (rng.standard_normal((3, 10)).astype(np.float32) if kind == "hybrid"
              else rng.integers(-128, 128, (3, 10)).astype(np.int8))
        wv = rng.integers(-127, 128, (6, 10)).astype(np.int8)
        check(model, [xv, wv])


# ---- threads: row split and column split ----

@pytest.mark.parametrize("kind", ["f32", "qs8", "qs16", "hybrid"])
@pytest.mark.parametrize("in_shape,units,threads", [((1, 40), 70, 3), ((9, 20), 33, 4)])
def test_threads(kind, in_shape, units, threads):
    run_case(kind, in_shape, units, num_threads=threads, per_channel=True, seed=9)


# ---- errors ----

def _error_model(kind, **kw):
    return build_fc(kind, (2, 8), 4, **kw)[0]


def _fc_model(inputs, y, version, **options):
    return one_op_model("FULLY_CONNECTED", inputs, [y], options or None, version)


_W34 = ("w", np.ones((3, 4), np.float32))
_PER_CHANNEL_AXIS_1 = {"scales": [0.1] * 4, "zero_points": [0] * 4, "axis": 1}
ERRORS = {  # name -> (model builder, expected message)
    "float_tanh": (lambda: _error_model("f32", act="TANH"), "TANH"),
    "quantized_sign_bit": (lambda: _error_model("qs8", act="SIGN_BIT"), "SIGN_BIT"),
    "shuffled_weights_format": (lambda: _fc_model(
        [("x", [1, 16], np.uint8, (0.1, 128)), ("w", np.full((4, 16), 128, np.uint8), (0.1, 128)),
         -1], ("y", [1, 4], np.int16, (0.1, 0)), 2, weights_format="SHUFFLED4x16INT8"),
        "SHUFFLED4x16INT8"),
    "input_not_multiple_of_features": (lambda: _fc_model(
        [("x", [1, 10], np.float32), _W34, -1], ("y", [2, 3], np.float32), 6), "not a multiple"),
    "bias_length": (lambda: _fc_model(
        [("x", [1, 4], np.float32), _W34, ("bias", np.ones(2, np.float32))],
        ("y", [1, 3], np.float32), 1), "bias has 2 elements"),
    "per_channel_axis": (lambda: _fc_model(
        [("x", [1, 4], np.int8, (0.1, 0)), ("w", np.ones((3, 4), np.int8), _PER_CHANNEL_AXIS_1), -1],
        ("y", [1, 3], np.int8, (0.1, 0)), 6), "axis 0"),
    "int16_bias_type_mismatch": (lambda: _fc_model(
        [("x", [1, 4], np.int16, (0.001, 0)), ("w", np.ones((3, 4), np.int8), (0.01, 0)),
         ("bias", np.ones(3, np.int64), (1e-5, 0))],
        ("y", [1, 3], np.int16, (0.001, 0)), 11, quantized_bias_type="INT32"),
        "quantized_bias_type"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error(name):
    build, message = ERRORS[name]
    assert message in prepare_error(build())


# ---- the full grid (slow) ----

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["f32", "qs8", "qu8", "qu8_qs16", "qs16", "qs16_b32", "hybrid"])
@pytest.mark.parametrize("batch,k,units", list(itertools.product([1, 2, 7], [1, 3, 16, 31, 64],
                                                                  [1, 2, 15, 17])))
def test_grid(kind, batch, k, units):
    per_channel_opts = [False, True] if kind in ("qs8", "qs16", "qs16_b32", "hybrid") else [False]
    for per_channel in per_channel_opts:
        for act in (ACTS if kind != "hybrid" else ACTS + ["TANH"]):
            asyms = [False, True] if kind == "hybrid" else [False]
            for asym in asyms:
                run_case(kind, (batch, k), units, per_channel=per_channel, act=act, asym=asym,
                         seed=batch * 1000 + k * 10 + units, n_inputs=1)
