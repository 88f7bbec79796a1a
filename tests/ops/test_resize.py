"""RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR against LiteRT's reference kernels (BUILTIN_REF).

Sweeps: up- and down-sampling by integer and non-integer factors, size 1 on either side,
identity, batch > 1, odd channel counts, align_corners / half_pixel_centers, every supported
type (bilinear: float32, uint8 in float arithmetic, int8 and int16 in 10-bit fixed point;
nearest: float32, int32, uint8, int8, int16), constant and run-time size tensors, threads, and
prepare errors. Integer outputs are bit-exact (rounding of the fixed-point interpolation and of
uint8's float path included); float within tests/tolerances.py.
"""
import numpy as np
import pytest

from tests.ops.helpers import prepare_error
from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

BILINEAR_TYPES = {"f32": np.float32, "qu8": np.uint8, "qs8": np.int8, "qs16": np.int16}
NEAREST_TYPES = dict(BILINEAR_TYPES, i32=np.int32)
QUANT = {"qu8": (0.05, 128), "qs8": (0.05, -3), "qs16": (0.001, 0)}
# (in_h, in_w) -> (out_h, out_w)
GEOMETRIES = [
    ((4, 4), (8, 8)),
    ((3, 5), (7, 9)),
    ((8, 8), (4, 4)),
    ((9, 7), (4, 3)),
    ((5, 6), (5, 6)),
    ((1, 1), (3, 4)),
    ((4, 5), (1, 1)),
    ((2, 3), (5, 1)),
    ((6, 4), (13, 11)),
    ((1, 7), (3, 2)),
]
G_IDS = [f"{a}x{b}-to-{c}x{d}" for (a, b), (c, d) in GEOMETRIES]
MODES = [(False, False), (True, False), (False, True), (True, True)]
M_IDS = ["plain", "align", "halfpix", "align+halfpix"]


def resize_model(op, dtype, n, in_hw, out_hw, c, align, half, const_size=True, quant=None,
                 version=None):
    b = ModelBuilder()
    x = b.input("x", [n, in_hw[0], in_hw[1], c], dtype, quant=quant)
    size = np.array(out_hw, np.int32)
    s = b.const("size", size) if const_size else b.input("size", [2], np.int32)
    y = b.tensor("y", [n, 1, 1, c], dtype, quant=quant)
    if version is None:
        version = {np.float32: 1, np.uint8: 2, np.int8: 2, np.int16: 4, np.int32: 3}[dtype]
        if half:
            version = max(version, 3)
    b.op(op, [x, s], [y], options={"align_corners": align, "half_pixel_centers": half},
         version=version)
    b.output(y)
    return b.build(), size


def rand_images(rng, shape, dtype):
    if dtype == np.float32:
        return rng.uniform(-10, 10, shape).astype(np.float32)
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if dtype != np.int32 else (-100000, 100000)
    return rng.integers(lo, hi, shape, endpoint=True).astype(dtype)


# op -> (types, alignment modes, seed factor, channels)
SWEEP = {"RESIZE_BILINEAR": (BILINEAR_TYPES, MODES[:3], 13, 3),
         "RESIZE_NEAREST_NEIGHBOR": (NEAREST_TYPES, MODES, 7, 5)}
SWEEP_CASES = [(op, tname, mode) for op, (types, modes, _, _) in SWEEP.items()
               for tname in types for mode in modes]
SWEEP_IDS = [f"{op.split('_')[1].lower()}-{t}-{M_IDS[MODES.index(m)]}" for op, t, m in SWEEP_CASES]


@pytest.mark.parametrize("op,tname,mode", SWEEP_CASES, ids=SWEEP_IDS)
@pytest.mark.parametrize("in_hw,out_hw", GEOMETRIES, ids=G_IDS)
def test_resize(op, tname, mode, in_hw, out_hw):
    types, _, seed_factor, c = SWEEP[op]
    dtype = types[tname]
    rng = np.random.default_rng(sum(in_hw) * seed_factor + sum(out_hw))
    x = rand_images(rng, (2, *in_hw, c), dtype)
    m, _ = resize_model(op, dtype, 2, in_hw, out_hw, c, *mode, quant=QUANT.get(tname))
    check(m, [x])


@pytest.mark.parametrize("op", ["RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"])
@pytest.mark.parametrize("tname", ["f32", "qs8", "qu8"])
def test_runtime_size(op, tname):
    """A size tensor fed at run time makes the output dynamic: one interpreter, several sizes."""
    dtype = BILINEAR_TYPES[tname]
    rng = np.random.default_rng(1)
    x = rand_images(rng, (1, 5, 4, 3), dtype)
    m, _ = resize_model(op, dtype, 1, (5, 4), (2, 2), 3, False, True, const_size=False,
                        quant=QUANT.get(tname))
    for out_hw in ((2, 2), (10, 8), (7, 3), (1, 1)):
        check(m, [x, np.array(out_hw, np.int32)])
    it = rt_interpreter(model_content=m)
    it.allocate_tensors()
    for out_hw in ((10, 8), (3, 3)):
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.set_tensor(it.get_input_details()[1]["index"], np.array(out_hw, np.int32))
        it.invoke()
        assert it.get_tensor(it.get_output_details()[0]["index"]).shape == (1, *out_hw, 3)


@pytest.mark.parametrize("threads", [2, 4])
@pytest.mark.parametrize("op", ["RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"])
def test_threads(op, threads):
    rng = np.random.default_rng(4)
    for tname in ("f32", "qs8"):
        dtype = BILINEAR_TYPES[tname]
        x = rand_images(rng, (3, 9, 11, 4), dtype)
        m, _ = resize_model(op, dtype, 3, (9, 11), (20, 17), 4, False, True,
                            quant=QUANT.get(tname))
        check(m, [x], num_threads=threads)


@pytest.mark.slow
@pytest.mark.parametrize("tname", list(BILINEAR_TYPES))
def test_bilinear_large_sweep(tname):
    dtype = BILINEAR_TYPES[tname]
    rng = np.random.default_rng(99)
    for _ in range(40):
        in_hw = tuple(int(v) for v in rng.integers(1, 24, 2))
        out_hw = tuple(int(v) for v in rng.integers(1, 48, 2))
        mode = MODES[int(rng.integers(0, 3))]
        x = rand_images(rng, (1, *in_hw, 2), dtype)
        m, _ = resize_model("RESIZE_BILINEAR", dtype, 1, in_hw, out_hw, 2, *mode,
                            quant=QUANT.get(tname))
        check(m, [x])


def test_errors():
    m, _ = resize_model("RESIZE_BILINEAR", np.float32, 1, (2, 2), (4, 4), 1, True, True)
    assert "half_pixel_centers" in prepare_error(m)
    m, _ = resize_model("RESIZE_BILINEAR", np.float32, 1, (2, 2), (0, 4), 1, False, False)
    assert "positive" in prepare_error(m)
    m, _ = resize_model("RESIZE_NEAREST_NEIGHBOR", np.float32, 1, (2, 2), (-1, 4), 1, False,
                        False)
    assert "non-negative" in prepare_error(m)
    m, _ = resize_model("RESIZE_BILINEAR", np.int32, 1, (2, 2), (4, 4), 1, False, False,
                        version=1)
    assert "not supported" in prepare_error(m)
    b = ModelBuilder()
    x = b.input("x", [2, 2, 3], np.float32)
    s = b.const("size", np.array([4, 4], np.int32))
    y = b.tensor("y", [1], np.float32)
    b.op("RESIZE_BILINEAR", [x, s], [y])
    b.output(y)
    assert "4-D" in prepare_error(b.build())
    b = ModelBuilder()
    x = b.input("x", [1, 2, 2, 3], np.float32)
    s = b.const("size", np.array([4, 4, 4], np.int32))
    y = b.tensor("y", [1], np.float32)
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, s], [y])
    b.output(y)
    assert "2 elements" in prepare_error(b.build())


def test_dynamic_chain():
    """A run-time size makes the resize output dynamic; the ops after it (another resize, a
    MEAN, a BATCH_MATMUL) are then prepared at invoke time with the new shapes."""
    b = ModelBuilder()
    x = b.input("x", [1, 4, 5, 3], np.float32)
    s = b.input("size", [2], np.int32)
    y = b.tensor("y", [1, 1, 1, 3], np.float32)
    b.op("RESIZE_BILINEAR", [x, s], [y], options={"half_pixel_centers": True}, version=3)
    z = b.tensor("z", [1, 1, 1, 3], np.float32)
    b.op("RESIZE_NEAREST_NEIGHBOR", [y, b.const("size2", np.array([3, 7], np.int32))], [z])
    mean = b.tensor("mean", [1], np.float32)
    b.op("MEAN", [y, b.const("axes", np.array([1, 2], np.int32))], [mean],
         options={"keep_dims": False})
    prod = b.tensor("prod", [1], np.float32)
    b.op("BATCH_MATMUL", [z, b.const("w", np.linspace(-1, 1, 12, dtype=np.float32)
                                     .reshape(3, 4))], [prod])
    b.output(z, mean, prod)
    m = b.build()
    rng = np.random.default_rng(0)
    xin = rng.uniform(-1, 1, (1, 4, 5, 3)).astype(np.float32)
    for hw in ((8, 10), (2, 3), (5, 5)):
        check(m, [xin, np.array(hw, np.int32)])
