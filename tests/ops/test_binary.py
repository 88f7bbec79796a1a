"""Element-wise arithmetic (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, POW,
FLOOR_DIV, FLOOR_MOD, ADD_N) against LiteRT's reference kernels (BUILTIN_REF): integer outputs
bit-exact, float32 within tests/tolerances.py.

Cases LiteRT's reference kernels cannot run are kept away from the oracle, because they abort
or trap the whole process: int32 DIV of INT32_MIN by -1 and integer FLOOR_MOD by -1 of the
type minimum (SIGFPE), quantized ADD whose output rescale factor is >= 1, int16 ADD on the
power-of-two path with broadcasting, and 8-bit FLOOR_DIV of the type minimum by -1 (whose
result depends on whether LiteRT's loop was vectorised). tflite_rt's own behaviour in those
cases is checked directly where it is defined.
"""
import numpy as np
import pytest

from tests.ops import helpers
from tests.ops.helpers import invoke_error, prepare_error
from tests.oracle import check, impl_name, rt_interpreter
from tests.tflite_builder import ModelBuilder

# tflite_rt's own behaviour (error messages, cases LiteRT aborts on): not run when the tests
# are pointed at LiteRT itself (TFLITE_RT_TEST_IMPL=litert*).
tflite_rt_only = pytest.mark.skipif(impl_name() != "tflite_rt", reason="checks tflite_rt-specific behaviour")

RNG_SEED = 1234

# Shape pairs: size 1, odd, rank 0, scalar broadcast, both-sided broadcast, rank 1..8.
SHAPES = [
    ([1], [1]),
    ([7], [7]),
    ([], [3, 2]),
    ([2, 3], [1]),
    ([3, 5], [3, 5]),
    ([2, 3, 5], [5]),
    ([4, 1, 3], [1, 5, 1]),
    ([2, 3, 4, 5], [2, 1, 4, 1]),
    ([1, 3, 1, 2], [2, 1, 5, 1]),
    ([2, 1, 3, 1, 2], [1, 3, 1, 2, 1]),
    ([2, 1, 2, 1, 2, 3], [1, 2, 1, 2, 1, 3]),
    ([2, 1, 2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2, 1, 2]),
    ([3, 129], [129]),
    ([0, 3], [1, 3]),
]
SHAPE_IDS = ["x".join(map(str, a)) + "_" + "x".join(map(str, b)) for a, b in SHAPES]

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]

# Ops with an options table holding the fused activation.
HAS_ACT = {"ADD", "SUB", "MUL", "DIV"}

# (op, dtype) -> version the converter would write
VERSIONS = {
    ("ADD", "int8"): 2, ("ADD", "uint8"): 1, ("ADD", "int64"): 4, ("ADD", "int16q"): 3,
    ("ADD", "int16"): 5,
    ("SUB", "int8"): 2, ("SUB", "int64"): 4, ("SUB", "int16q"): 5,
    ("MUL", "int8"): 2, ("MUL", "int16q"): 4, ("MUL", "int64"): 5, ("MUL", "int16"): 7,
    ("MAXIMUM", "int8"): 2, ("MAXIMUM", "int16"): 4, ("MINIMUM", "int8"): 2, ("MINIMUM", "int16"): 4,
    ("SQUARED_DIFFERENCE", "int8"): 2,
    ("FLOOR_DIV", "float32"): 2, ("FLOOR_DIV", "int8"): 3, ("FLOOR_DIV", "int16"): 3,
    ("FLOOR_MOD", "int8"): 2, ("FLOOR_MOD", "int16"): 2,
}


def version_for(op, key):
    return VERSIONS.get((op, key), 1)


def binary_model(op, shape_a, shape_b, dtype, qa=None, qb=None, qo=None, out_dtype=None,
                 options=None, version=1, const_b=None):
    """One-op model y = op(a, b); b becomes a constant when const_b is given."""
    out_dtype = dtype if out_dtype is None else out_dtype
    b = ModelBuilder()
    ta = b.input("a", list(shape_a), dtype, quant=qa)
    if const_b is not None:
        tb = b.const("b", np.asarray(const_b, dtype=dtype).reshape(shape_b), quant=qb)
    else:
        tb = b.input("b", list(shape_b), dtype, quant=qb)
    out_shape = list(np.broadcast_shapes(tuple(shape_a), tuple(shape_b)))
    ty = b.tensor("y", out_shape, out_dtype, quant=qo)
    b.op(op, [ta, tb], [ty], options=options, version=version)
    b.output(ty)
    return b.build()


def rand(rng, shape, dtype, lo=None, hi=None):
    """Floats normal with sigma 3, integers over the type's whole range unless lo/hi say."""
    return helpers.rand(rng, shape, dtype, lo, hi, fscale=3)


def nonzero(rng, shape, dtype, lo, hi, forbidden=0):
    """Random integers in [lo, hi] without `forbidden` (a divisor's zero)."""
    x = rand(rng, shape, dtype, lo, hi)
    x[x == forbidden] = forbidden + 1 if forbidden + 1 <= hi else forbidden - 1
    return x


def act_options(op, act):
    return {"fused_activation_function": act} if op in HAS_ACT else None


# ---------------------------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------------------------

FLOAT_OPS = ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "POW",
             "FLOOR_DIV", "FLOOR_MOD"]


def float_inputs(rng, op, sa, sb):
    a = rand(rng, sa, np.float32)
    b = rand(rng, sb, np.float32)
    if op == "POW":
        a = np.abs(a) + 0.1
        b = np.clip(b, -4, 4)
    if op in ("FLOOR_DIV", "DIV"):
        b[np.abs(b) < 1e-3] = 1.0
    return a, b


@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("op", FLOAT_OPS)
def test_float32(op, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    a, b = float_inputs(rng, op, sa, sb)
    check(binary_model(op, sa, sb, np.float32, version=version_for(op, "float32")), [a, b])


@pytest.mark.parametrize("act", ACTS[1:] + ["TANH", "SIGN_BIT"])
@pytest.mark.parametrize("op", sorted(HAS_ACT))
def test_float32_activation(op, act):
    rng = np.random.default_rng(RNG_SEED)
    a, b = float_inputs(rng, op, [4, 9], [9])
    check(binary_model(op, [4, 9], [9], np.float32, options=act_options(op, act)), [a, b])


def test_float32_specials():
    """inf, NaN, signed zeros, overflow: TFLite clamps ADD/SUB/MUL/DIV results to +-FLT_MAX."""
    sp = np.array([0, -0.0, 1, -1, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-30, 2.5, -2.5],
                  np.float32)
    a, b = [v.ravel().copy() for v in np.meshgrid(sp, sp, indexing="ij")]
    for op in ["ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "POW",
               "FLOOR_MOD"]:
        check(binary_model(op, a.shape, b.shape, np.float32), [a, b])


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0, 2.000001, 7.0, 0.5, -2.0, 130.0])
def test_float32_pow_scalar_exponent(exponent):
    """A broadcast single exponent that is an integer >= 1 takes TFLite's repeated-squaring path."""
    rng = np.random.default_rng(RNG_SEED)
    a = rand(rng, [5, 7], np.float32)
    check(binary_model("POW", [5, 7], [1], np.float32), [a, np.array([exponent], np.float32)])
    check(binary_model("POW", [5, 7], [], np.float32, const_b=exponent), [a])


def test_const_operand():
    rng = np.random.default_rng(RNG_SEED)
    a = rand(rng, [2, 3, 4], np.float32)
    w = rand(rng, [4], np.float32)
    for op in ["ADD", "MUL", "SUB", "MAXIMUM"]:
        check(binary_model(op, [2, 3, 4], [4], np.float32, const_b=w), [a])


@pytest.mark.parametrize("threads", [2, 4])
def test_threads(threads):
    rng = np.random.default_rng(RNG_SEED)
    for sa, sb in [([3, 40000], [40000]), ([257, 33, 5], [33, 1]), ([200000], [1])]:
        a, b = float_inputs(rng, "ADD", sa, sb)
        check(binary_model("ADD", sa, sb, np.float32), [a, b], num_threads=threads)
        qa, qb, qo = (0.05, 3), (0.04, -7), (0.08, 1)
        a8, b8 = rand(rng, sa, np.int8), rand(rng, sb, np.int8)
        check(binary_model("MUL", sa, sb, np.int8, qa, qb, qo, version=2), [a8, b8], num_threads=threads)


# ---------------------------------------------------------------------------------------------
# int32 / int64 (raw)
# ---------------------------------------------------------------------------------------------

INT32_OPS = ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "POW",
             "FLOOR_DIV", "FLOOR_MOD"]


def int_inputs(rng, op, sa, sb, dtype):
    if op == "POW":
        return rand(rng, sa, dtype, -9, 9), rand(rng, sb, dtype, 0, 9)
    a = rand(rng, sa, dtype, -1000, 1000)
    if op in ("DIV", "FLOOR_DIV", "FLOOR_MOD"):
        return a, nonzero(rng, sb, dtype, -40, 40)
    return a, rand(rng, sb, dtype, -1000, 1000)


@pytest.mark.parametrize("shapes", SHAPES[:10], ids=SHAPE_IDS[:10])
@pytest.mark.parametrize("op", INT32_OPS)
def test_int32(op, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    check(binary_model(op, sa, sb, np.int32), list(int_inputs(rng, op, sa, sb, np.int32)))


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("op", sorted(HAS_ACT))
def test_int32_activation(op, act):
    rng = np.random.default_rng(RNG_SEED)
    a, b = int_inputs(rng, op, [3, 11], [11], np.int32)
    check(binary_model(op, [3, 11], [11], np.int32, options=act_options(op, act)), [a, b])


def test_int32_wraparound():
    v = np.array([2**31 - 1, -2**31, 2**30, -7, 7, 65536, -65536], np.int32)
    a, b = [x.ravel().copy() for x in np.meshgrid(v, v, indexing="ij")]
    for op in ["ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]:
        check(binary_model(op, a.shape, b.shape, np.int32), [a, b])
    check(binary_model("FLOOR_DIV", [2], [2], np.int32),
          [np.array([-2**31, 5], np.int32), np.array([-1, -1], np.int32)])


def test_int32_pow_large():
    rng = np.random.default_rng(RNG_SEED)
    a = rand(rng, [400], np.int32, -20000, 20000)
    check(binary_model("POW", [400], [400], np.int32), [a, rand(rng, [400], np.int32, 0, 12)])
    check(binary_model("POW", [400], [1], np.int32), [a, np.array([7], np.int32)])
    check(binary_model("POW", [400], [1], np.int32), [a, np.array([0], np.int32)])


INT64_OPS = [("ADD", 4), ("SUB", 4), ("MUL", 5), ("MAXIMUM", 1), ("MINIMUM", 1), ("FLOOR_MOD", 1)]


@pytest.mark.parametrize("shapes", SHAPES[:9], ids=SHAPE_IDS[:9])
@pytest.mark.parametrize("op,version", INT64_OPS)
def test_int64(op, version, shapes):
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    a, b = int_inputs(rng, op, sa, sb, np.int64)
    a = a * np.int64(3_000_000_007)
    check(binary_model(op, sa, sb, np.int64, version=version), [a, b])


@pytest.mark.parametrize("act", ACTS)
def test_uint32_mul(act):
    """MUL v7 on uint32 (wrap-around; TFLite's uint32 RELU_N1_TO_1 bounds make every output 1)."""
    rng = np.random.default_rng(RNG_SEED)
    a = rng.integers(0, 2**32, size=[3, 7], dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2**32, size=[7], dtype=np.uint64).astype(np.uint32)
    b[:3] = [0, 1, 5]
    check(binary_model("MUL", [3, 7], [7], np.uint32, options={"fused_activation_function": act},
                       version=7), [a, b])


@pytest.mark.parametrize("act", ACTS)
def test_int64_activation(act):
    rng = np.random.default_rng(RNG_SEED)
    a, b = int_inputs(rng, "ADD", [3, 5], [5], np.int64)
    for op, version in INT64_OPS[:3]:
        check(binary_model(op, [3, 5], [5], np.int64, options=act_options(op, act), version=version),
              [a, b])


# ---------------------------------------------------------------------------------------------
# quantized int8 / uint8
# ---------------------------------------------------------------------------------------------

# (scale_a, zp_a), (scale_b, zp_b), (scale_out, zp_out)
QPARAMS_8 = [
    ((0.05, 3), (0.07, -2), (0.1, 1)),
    ((0.02, -128), (0.02, -128), (0.04, -128)),
    ((0.5, 10), (0.001, -5), (0.3, -20)),
    ((1 / 128, 0), (1 / 64, 0), (1 / 32, 0)),
    ((0.003, 120), (0.9, -100), (0.01, 0)),
]


def to_uint8_q(q):
    return tuple((s, zp + 128) for s, zp in q)


def q8_inputs(rng, op, sa, sb, dtype, qb):
    a = rand(rng, sa, dtype)
    if op == "DIV":
        return a, nonzero(rng, sb, dtype, np.iinfo(dtype).min, np.iinfo(dtype).max, qb[1])
    return a, rand(rng, sb, dtype)


Q8_OPS = ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]


# every shape with the first two scale sets, the other scale sets on one broadcast shape
Q8_CASES = [(s, qi) for s in SHAPES[:12] for qi in (0, 1)] + [(SHAPES[6], qi) for qi in range(2, len(QPARAMS_8))]
Q8_IDS = [f"{SHAPE_IDS[SHAPES.index(s)]}-q{qi}" for s, qi in Q8_CASES]


@pytest.mark.parametrize("shapes,qi", Q8_CASES, ids=Q8_IDS)
@pytest.mark.parametrize("op", Q8_OPS)
def test_int8(op, shapes, qi):
    sa, sb = shapes
    qa, qb, qo = QPARAMS_8[qi]
    rng = np.random.default_rng(RNG_SEED + qi)
    a, b = q8_inputs(rng, op, sa, sb, np.int8, qb)
    check(binary_model(op, sa, sb, np.int8, qa, qb, qo, version=version_for(op, "int8")), [a, b])


UINT8_OPS = ["ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM"]


@pytest.mark.parametrize("qi", [0, 1, 2, 4])
@pytest.mark.parametrize("shapes", [SHAPES[1], SHAPES[3], SHAPES[6], SHAPES[9]],
                         ids=[SHAPE_IDS[1], SHAPE_IDS[3], SHAPE_IDS[6], SHAPE_IDS[9]])
@pytest.mark.parametrize("op", UINT8_OPS)
def test_uint8(op, shapes, qi):
    sa, sb = shapes
    qa, qb, qo = to_uint8_q(QPARAMS_8[qi])
    rng = np.random.default_rng(RNG_SEED + qi)
    a, b = q8_inputs(rng, op, sa, sb, np.uint8, qb)
    check(binary_model(op, sa, sb, np.uint8, qa, qb, qo), [a, b])


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("op", sorted(HAS_ACT))
def test_quantized_8bit_activation(op, act, dtype):
    qa, qb, qo = QPARAMS_8[0] if dtype == np.int8 else to_uint8_q(QPARAMS_8[0])
    rng = np.random.default_rng(RNG_SEED)
    a, b = q8_inputs(rng, op, [5, 13], [13], dtype, qb)
    version = version_for(op, "int8") if dtype == np.int8 else 1
    check(binary_model(op, [5, 13], [13], dtype, qa, qb, qo, options=act_options(op, act),
                       version=version), [a, b])


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE"])
def test_int8_all_pairs(op):
    """Every (a, b) int8 pair, for a few scale sets (incl. TFLite's wide DIV exponents)."""
    v = np.arange(-128, 128, dtype=np.int8)
    a, b = [x.ravel().copy() for x in np.meshgrid(v, v, indexing="ij")]
    for qa, qb, qo in QPARAMS_8 + [((0.5, 2), (0.001, -3), (0.01, 7))]:
        keep = b != qb[1] if op == "DIV" else slice(None)
        aa, bb = a[keep], b[keep]
        check(binary_model(op, aa.shape, bb.shape, np.int8, qa, qb, qo,
                           version=version_for(op, "int8")), [aa, bb])


def test_sub_large_output_multiplier():
    """SUB's output rescale factor may exceed one (TFLite quantizes it as 'greater than one')."""
    v = np.arange(-128, 128, dtype=np.int8)
    a, b = [x.ravel().copy() for x in np.meshgrid(v, v, indexing="ij")]
    for qa, qb, qo in [((1.0, 0), (1.0, 3), (1e-7, 0)), ((0.5, 0), (0.25, 3), (2e-7, 5))]:
        check(binary_model("SUB", a.shape, b.shape, np.int8, qa, qb, qo, version=2), [a, b])


@pytest.mark.parametrize("op", ["FLOOR_DIV", "FLOOR_MOD"])
@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_small_int_floor(op, dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(RNG_SEED)
    a = rand(rng, [2000], dtype)
    b = nonzero(rng, [2000], dtype, info.min, info.max)
    bad = (a == info.min) & (b == -1)          # MIN / -1: see the module docstring
    b[bad] = 1
    key = "int8" if dtype == np.int8 else "int16"
    check(binary_model(op, [2000], [2000], dtype, version=version_for(op, key)), [a, b])
    small = nonzero(rng, [1, 7], dtype, -9, 9)
    check(binary_model(op, [4, 7], [1, 7], dtype, version=version_for(op, key)),
          [rand(rng, [4, 7], dtype), small])


# ---------------------------------------------------------------------------------------------
# int16
# ---------------------------------------------------------------------------------------------

QPARAMS_16 = [
    ((0.001, 0), (0.0007, 0), (0.002, 0)),
    ((2.0**-12, 0), (2.0**-12, 0), (2.0**-11, 0)),
    ((1e-4, 0), (3e-3, 0), (5e-3, 0)),
]


@pytest.mark.parametrize("qi", range(len(QPARAMS_16)))
@pytest.mark.parametrize("shapes", SHAPES[:10], ids=SHAPE_IDS[:10])
@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "DIV"])
def test_int16_quantized(op, shapes, qi):
    sa, sb = shapes
    qa, qb, qo = QPARAMS_16[qi]
    rng = np.random.default_rng(RNG_SEED + qi)
    a = rand(rng, sa, np.int16)
    b = nonzero(rng, sb, np.int16, -32768, 32767) if op == "DIV" else rand(rng, sb, np.int16)
    # pot_scale_int16=False: the general path (what converters write for int16x8 models)
    opts = {"pot_scale_int16": False} if op in ("ADD", "SUB") else None
    version = {"ADD": 3, "SUB": 5, "MUL": 4, "DIV": 1}[op]
    check(binary_model(op, sa, sb, np.int16, qa, qb, qo, options=opts, version=version), [a, b])


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "DIV"])
def test_int16_quantized_activation(op, act):
    qa, qb, qo = QPARAMS_16[0]
    rng = np.random.default_rng(RNG_SEED)
    a = rand(rng, [3, 17], np.int16)
    b = nonzero(rng, [17], np.int16, -32768, 32767) if op == "DIV" else rand(rng, [17], np.int16)
    opts = {"fused_activation_function": act}
    if op in ("ADD", "SUB"):
        opts["pot_scale_int16"] = False
    check(binary_model(op, [3, 17], [17], np.int16, qa, qb, qo, options=opts), [a, b])


@pytest.mark.parametrize("act", ["NONE", "RELU"])
@pytest.mark.parametrize("scales", [(-12, -12, -12), (-15, -12, -12), (-12, -14, -12), (-10, -10, -10)])
@pytest.mark.parametrize("op", ["ADD", "SUB"])
def test_int16_power_of_two(op, scales, act):
    """pot_scale_int16 (the schema default) with power-of-two scales: TFLite's shift-only path
    (one input scale equals the output scale, the other is no larger). LiteRT's reference only
    supports it without broadcasting."""
    la, lb, lo = scales
    rng = np.random.default_rng(RNG_SEED)
    a, b = rand(rng, [300], np.int16), rand(rng, [300], np.int16)
    check(binary_model(op, [300], [300], np.int16, (2.0**la, 0), (2.0**lb, 0), (2.0**lo, 0),
                       options={"fused_activation_function": act}, version=3 if op == "ADD" else 2),
          [a, b])


@tflite_rt_only
def test_int16_power_of_two_broadcast_runs():
    """LiteRT aborts here; tflite_rt broadcasts (checked against numpy)."""
    a = np.array([[100, -200, 4096]], np.int16)
    b = np.array([[8], [-8]], np.int16)
    model = binary_model("ADD", [1, 3], [2, 1], np.int16, (2.0**-12, 0), (2.0**-15, 0), (2.0**-12, 0),
                         version=3)
    from tests.oracle import run_rt
    got = run_rt(model, [a, b])[0]
    np.testing.assert_array_equal(got, np.array([[101, -199, 4097], [99, -201, 4095]], np.int16))


@pytest.mark.parametrize("out_dtype,zp", [(np.int8, 3), (np.uint8, 128)])
@pytest.mark.parametrize("act", ["NONE", "RELU"])
def test_int16_mul_to_8bit(out_dtype, zp, act):
    rng = np.random.default_rng(RNG_SEED)
    a, b = rand(rng, [500], np.int16), rand(rng, [500], np.int16)
    a[:2] = -32768
    b[:2] = -32768
    check(binary_model("MUL", [500], [500], np.int16, (2.0**-15, 0), (2.0**-15, 0), (1 / 128, zp),
                       out_dtype=out_dtype, options={"fused_activation_function": act}, version=4),
          [a, b])


@pytest.mark.parametrize("shapes", SHAPES[:8], ids=SHAPE_IDS[:8])
@pytest.mark.parametrize("op", ["ADD", "MUL", "MAXIMUM", "MINIMUM"])
def test_int16_raw(op, shapes):
    """Unquantized int16: ADD v5, MUL v7 (wrap-around), MAXIMUM/MINIMUM."""
    sa, sb = shapes
    rng = np.random.default_rng(RNG_SEED)
    a, b = rand(rng, sa, np.int16), rand(rng, sb, np.int16)
    check(binary_model(op, sa, sb, np.int16, version=version_for(op, "int16")), [a, b])


@pytest.mark.parametrize("act", ACTS)
def test_int16_raw_activation(act):
    rng = np.random.default_rng(RNG_SEED)
    a, b = rand(rng, [4, 9], np.int16, -10, 10), rand(rng, [9], np.int16, -10, 10)
    for op, version in [("ADD", 5), ("MUL", 7)]:
        check(binary_model(op, [4, 9], [9], np.int16, options={"fused_activation_function": act},
                           version=version), [a, b])


# ---------------------------------------------------------------------------------------------
# ADD_N
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 7])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("shape", [[1], [5], [2, 3, 4], [3, 20001]])
def test_add_n(dtype, n, shape):
    rng = np.random.default_rng(RNG_SEED)
    b = ModelBuilder()
    ins = [b.input(f"x{i}", shape, dtype) for i in range(n)]
    y = b.tensor("y", shape, dtype)
    b.op("ADD_N", ins, [y])
    b.output(y)
    xs = [rand(rng, shape, dtype, -2**29, 2**29) for _ in range(n)]
    check(b.build(), xs, num_threads=2 if shape[-1] > 1000 else 1)


# ---------------------------------------------------------------------------------------------
# errors (tflite_rt only)
# ---------------------------------------------------------------------------------------------

@tflite_rt_only
@pytest.mark.parametrize("op,dtype,zp", [("DIV", np.int32, 0), ("DIV", np.int8, 3), ("DIV", np.uint8, 130),
                                         ("DIV", np.int16, 0), ("FLOOR_DIV", np.int32, 0),
                                         ("FLOOR_DIV", np.float32, 0), ("FLOOR_DIV", np.int8, 0),
                                         ("FLOOR_MOD", np.int32, 0), ("FLOOR_MOD", np.int64, 0),
                                         ("FLOOR_MOD", np.int16, 0)])
def test_division_by_zero_fails_cleanly(op, dtype, zp):
    quantized = op == "DIV" and dtype in (np.int8, np.uint8, np.int16)
    q = (0.1, zp) if quantized else None
    model = binary_model(op, [3], [3], dtype, q, q, q)
    a = np.array([1, 2, 3], dtype)
    b = np.array([1, zp, 2], dtype)
    assert "division by zero" in invoke_error(model, [a, b])


@tflite_rt_only
def test_division_by_zero_then_recovers():
    model = binary_model("FLOOR_DIV", [3], [3], np.int32)
    interp = rt_interpreter(model_content=model)
    interp.allocate_tensors()
    ia, ib = [d["index"] for d in interp.get_input_details()]
    interp.set_tensor(ia, np.array([7, -7, 9], np.int32))
    interp.set_tensor(ib, np.array([2, 0, 2], np.int32))
    with pytest.raises(RuntimeError, match="division by zero"):
        interp.invoke()
    interp.set_tensor(ib, np.array([2, 2, -2], np.int32))
    interp.invoke()
    out = interp.get_tensor(interp.get_output_details()[0]["index"])
    np.testing.assert_array_equal(out, [3, -4, -5])


@tflite_rt_only
def test_int_edge_cases_without_trap():
    """Cases that trap in LiteRT (SIGFPE) give defined results here."""
    from tests.oracle import run_rt
    mn = np.iinfo(np.int32).min
    got = run_rt(binary_model("DIV", [2], [2], np.int32), [np.array([mn, 7], np.int32),
                                                           np.array([-1, -1], np.int32)])[0]
    np.testing.assert_array_equal(got, [mn, -7])
    got = run_rt(binary_model("FLOOR_MOD", [2], [2], np.int32), [np.array([mn, 7], np.int32),
                                                                 np.array([-1, -1], np.int32)])[0]
    np.testing.assert_array_equal(got, [0, 0])


def test_pow_negative_int_exponent_fails():
    model = binary_model("POW", [2], [2], np.int32)
    assert "negative" in invoke_error(model, [np.array([2, 3], np.int32), np.array([1, -1], np.int32)])


def test_not_broadcastable():
    model = binary_model("ADD", [2, 3], [1, 3], np.float32)
    interp = rt_interpreter(model_content=model)
    ib = interp.get_input_details()[1]["index"]
    interp.resize_tensor_input(ib, [4])
    with pytest.raises((RuntimeError, ValueError), match="not broadcastable"):
        interp.allocate_tensors()


@tflite_rt_only
def test_type_mismatch():
    b = ModelBuilder()
    x = b.input("x", [3], np.float32)
    z = b.input("z", [3], np.int32)
    y = b.tensor("y", [3], np.float32)
    b.op("ADD", [x, z], [y])
    b.output(y)
    assert "types differ" in prepare_error(b.build())


@tflite_rt_only
def test_quantized_missing_params():
    model = binary_model("ADD", [3], [3], np.int8, (0.1, 0), None, (0.1, 0), version=2)
    assert "quantization" in prepare_error(model)


def test_resize_then_broadcast():
    model = binary_model("MUL", [2, 3], [3], np.float32)
    rng = np.random.default_rng(RNG_SEED)
    check(model, [rand(rng, [5, 4, 3], np.float32), rand(rng, [3], np.float32)])
    check(model, [rand(rng, [1], np.float32), rand(rng, [6], np.float32)])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(30))
def test_random_sweep(seed):
    """Random shapes/dtypes/ops/scales."""
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(1, 7))
    out = rng.integers(1, 5, rank)
    sa = [int(d) if rng.random() < 0.6 else 1 for d in out]
    sb = [int(d) if rng.random() < 0.6 else 1 for d in out][int(rng.integers(0, rank)):]
    for op in ["ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "DIV"]:
        qa = (float(rng.uniform(0.001, 0.2)), int(rng.integers(-128, 128)))
        qb = (float(rng.uniform(0.001, 0.2)), int(rng.integers(-128, 128)))
        qo = (float(rng.uniform(0.01, 0.5)), int(rng.integers(-128, 128)))
        a, b = q8_inputs(rng, op, sa, sb, np.int8, qb)
        act = ACTS[int(rng.integers(0, 4))]
        check(binary_model(op, sa, sb, np.int8, qa, qb, qo, options=act_options(op, act),
                           version=version_for(op, "int8")), [a, b])
