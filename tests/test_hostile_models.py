"""Hostile models never crash: they load and run, or raise ValueError (tflite_rt.ModelError for
a malformed model, UnsupportedOpError) or RuntimeError (prepare/invoke; OutOfMemoryError, a
RuntimeError and a MemoryError, for an arena over the interpreter's arena_limit).

Three groups:
  - every crasher the fuzzers found and that was fixed (tests/fuzz/crashers/*.tflite, run with
    the inputs mutate_models.py gave it: the seed is in the file name);
  - hand-made models, one per crash fixed at the right depth (the fuzzers' findings reduced to
    their cause);
  - TFLite's CVE classes (REFERENCE.md section 8) as a checklist: division by zero in prepare
    (strides, block sizes, dilations, depth multipliers, pool windows, zero scales), negative
    and out-of-range axes and indices, shape overflow, cycles, recursion, integer division by
    zero and INT_MIN / -1 at run time, zero-sized tensors.
These run in-process on purpose: under tests/run_sanitized.sh (ASan + UBSan) an out-of-bounds
access or undefined behaviour anywhere on these paths fails the run.
"""
import glob
import os
import re
import sys

import numpy as np
import pytest

import tflite_rt
from tests.oracle import have_litert, run_ref
from tests.tflite_builder import ModelBuilder, single_op_model

HERE = os.path.dirname(os.path.abspath(__file__))
CRASHERS = sorted(glob.glob(os.path.join(HERE, "fuzz", "crashers", "*.tflite")))
CLEAN = (ValueError, RuntimeError)  # an arena over the limit: OutOfMemoryError, a RuntimeError
F32, I32, I8 = np.float32, np.int32, np.int8


def _interp(data, **kw):
    from tflite_rt.interpreter import Interpreter
    kw.setdefault("arena_limit", 64 << 20)
    return Interpreter(model_content=data, **kw)


def run_clean(data, inputs=None, invoke_twice=False):
    """Load, allocate, set inputs (given, else zeros), invoke, read outputs. Returns the outputs,
    or the clean exception it raised; anything else propagates (and fails the test)."""
    try:
        it = _interp(data)
        it.allocate_tensors()
        for k, d in enumerate(it.get_input_details()):
            value = inputs[k] if inputs is not None else np.zeros(d["shape"], d["dtype"])
            it.set_tensor(d["index"], value)
        for _ in range(2 if invoke_twice else 1):
            it.invoke()
        return [it.get_tensor(d["index"]) for d in it.get_output_details()]
    except CLEAN as e:
        return e


def _supported(op):
    from tflite_rt.interpreter import supported_ops
    return op in supported_ops()


# ---------------------------------------------------------------------------------------------
# Saved crashers
# ---------------------------------------------------------------------------------------------

@pytest.mark.skipif(not CRASHERS, reason="no saved crashers")
@pytest.mark.parametrize("path", CRASHERS, ids=[os.path.basename(p)[:-7] for p in CRASHERS])
def test_saved_crasher(path):
    sys.path.insert(0, os.path.join(HERE, "fuzz"))
    try:
        import mutate_models
    finally:
        sys.path.pop(0)
    m = re.search(r"_(\d+)\.tflite$", path)
    seed = int(m.group(1)) if m else 0
    with open(path, "rb") as f:
        data = f.read()
    run_clean(data)  # as is, zero inputs: what a libFuzzer artifact needs
    outcome, stage, msg = mutate_models.run_model(data, seed, 32 << 20)  # as mutate_models ran it
    assert outcome in ("ok", "ValueError", "RuntimeError"), (outcome, stage, msg)


# ---------------------------------------------------------------------------------------------
# The fuzzers' findings, reduced
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["EXP", "LOG", "LOGISTIC", "TANH"])
def test_int16_lut_with_extreme_scales_is_defined(op):
    """libFuzzer (tests/fuzz/crashers/crash_lut16_nan_libfuzzer_0.tflite): an int16 EXP whose
    input scale is so large that the table's input range overflows to inf filled the table with
    NaN, and converting NaN to int16 is undefined behaviour (UBSan: float-cast-overflow). The
    tables now map NaN to 0, what x86 gives LiteRT. Runs clean; under ASan + UBSan the old code
    aborts here."""
    if not _supported(op):
        pytest.skip(f"{op} not registered")
    I16 = np.int16
    for in_scale, out_scale in ((3e38, 1e-3), (1e-3, 3e38), (3e38, 3e38), (1e-45, 1e-3)):
        m = single_op_model(op, [("x", [1, 8], I16, (in_scale, 0))], [("y", [1, 8], I16, (out_scale, 0))])
        x = np.array([[-32768, -1000, -1, 0, 1, 7, 1000, 32767]], I16)
        out = run_clean(m, [x])
        assert isinstance(out, (list, ValueError, RuntimeError)), out
        if isinstance(out, list) and have_litert():  # and the same bits as LiteRT's reference
            np.testing.assert_array_equal(out[0], run_ref(m, [x])[0])

def test_zero_point_outside_int32_is_a_model_error():
    """mutate_models: a zero point of 2**40 on a float tensor (no range check for its type)
    made get_tensor_details() raise OverflowError. The loader now keeps zero points in int32."""
    import tflite_rt
    b = ModelBuilder()
    x = b.input("x", [1, 4], F32, quant={"scales": [0.5], "zero_points": [1 << 40]})
    y = b.tensor("y", [1, 4], F32)
    b.op("RELU", [x], [y])
    b.output(y)
    with pytest.raises(tflite_rt.ModelError, match="zero point"):
        _interp(b.build())


def _hybrid_conv(n=4):
    b = ModelBuilder()
    x = b.input("x", [1, n, 1, 1], F32)
    w = b.const("w", np.full((2, 1, 1, 1), 127, np.int8),
                quant={"scales": [1 / 127, 2 / 127], "zero_points": [0, 0], "axis": 0})
    bias = b.const("b", np.zeros(2, F32))
    y = b.tensor("y", [1, n, 1, 2], F32)
    b.op("CONV_2D", [x, w, bias], [y], {"padding": "VALID"}, version=5)
    b.output(y)
    return b.build()


@pytest.mark.parametrize("values", [[np.inf, -np.inf, 1, 2], [3.4e38, -3.4e38, 0, 1], [np.nan, 1, 2, 3],
                                    [np.inf, np.inf, np.inf, np.inf]])
def test_hybrid_conv_input_with_inf(values):
    """mutate_models (sanitized, resnet_small__dr): an inf in a hybrid conv's input gave the
    dynamic input quantization a NaN zero point, converted to int32 (UB) and then negated
    (INT32_MIN: UB). The zero point is now clamped for non-finite ranges."""
    x = np.array(values, F32).reshape(1, 4, 1, 1)
    out = run_clean(_hybrid_conv(), [x])
    assert not isinstance(out, BaseException) or isinstance(out, CLEAN)


def test_parse_failure_is_a_model_error():
    """mutate_models: an op whose options table is missing failed in parse with RuntimeError at
    construction; a parse failure is a malformed model (ModelError, a ValueError)."""
    import tflite_rt
    if not _supported("FAKE_QUANT"):
        pytest.skip("FAKE_QUANT not built")
    b = ModelBuilder()
    x = b.input("x", [4], F32)
    y = b.tensor("y", [4], F32)
    b.op("FAKE_QUANT", [x], [y], options=False)
    b.output(y)
    with pytest.raises(tflite_rt.ModelError):
        _interp(b.build())


def test_resize_drops_the_stale_arena_slot():
    """A resized input has no data until allocate_tensors(): set_tensor/get_tensor/tensor()
    wrote or read the new byte count through the old, smaller arena slot."""
    b = ModelBuilder()
    x = b.input("x", [1, 4], F32)
    y = b.tensor("y", [1, 4], F32)
    b.op("RELU", [x], [y])
    b.output(y)
    it = _interp(b.build())
    it.allocate_tensors()
    it.resize_tensor_input(0, [1000, 4])
    with pytest.raises(ValueError, match="allocate_tensors"):
        it.set_tensor(0, np.ones((1000, 4), F32))
    with pytest.raises(ValueError):
        it.get_tensor(0)
    with pytest.raises(ValueError):
        it.tensor(0)()
    it.allocate_tensors()
    it.set_tensor(0, np.ones((1000, 4), F32))
    it.invoke()
    assert it.get_tensor(y).shape == (1000, 4)


# ---------------------------------------------------------------------------------------------
# TFLite's CVE classes as a checklist
# ---------------------------------------------------------------------------------------------

def _one_op(op, inputs, outputs, options=None, consts=None, version=1):
    return single_op_model(op, inputs, outputs, options, version=version, consts=consts,
                           fill_defaults=False)


def _conv(**opts):
    o = {"padding": "SAME", "stride_w": 1, "stride_h": 1}
    o.update(opts)
    return _one_op("CONV_2D", [("x", [1, 5, 5, 2], F32)], [("y", [1, 5, 5, 3], F32)], o,
                   consts={1: np.ones((3, 3, 3, 2), F32), 2: np.zeros(3, F32)})


def _dwconv(**opts):
    o = {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 1}
    o.update(opts)
    return _one_op("DEPTHWISE_CONV_2D", [("x", [1, 5, 5, 2], F32)], [("y", [1, 5, 5, 2], F32)], o,
                   consts={1: np.ones((1, 3, 3, 2), F32), 2: np.zeros(2, F32)})


def _pool(op, **opts):
    o = {"padding": "VALID", "stride_w": 1, "stride_h": 1, "filter_width": 2, "filter_height": 2}
    o.update(opts)
    return _one_op(op, [("x", [1, 4, 4, 1], F32)], [("y", [1, 3, 3, 1], F32)], o)


def _tconv(**opts):
    o = {"padding": "VALID", "stride_w": 2, "stride_h": 2}
    o.update(opts)
    return _one_op("TRANSPOSE_CONV", [("x", [1, 3, 3, 2], F32)], [("y", [1, 7, 7, 1], F32)], o,
                   consts={0: np.array([1, 7, 7, 1], I32), 2: np.ones((1, 3, 3, 2), F32)})


def _space(op, block, in_shape=(1, 4, 4, 4), out_shape=(1, 2, 2, 16)):
    return _one_op(op, [("x", list(in_shape), F32)], [("y", list(out_shape), F32)], {"block_size": block})


def _b2s(block, crops):
    return _one_op("BATCH_TO_SPACE_ND", [("x", [4, 2, 2, 1], F32)], [("y", [1, 4, 4, 1], F32)], None,
                   consts={1: np.array(block, I32), 2: np.array(crops, I32)})


def _s2b(block, pads):
    return _one_op("SPACE_TO_BATCH_ND", [("x", [1, 4, 4, 1], F32)], [("y", [4, 2, 2, 1], F32)], None,
                   consts={1: np.array(block, I32), 2: np.array(pads, I32)})


def _axis_op(op, axis, out_shape=(2,), opts_key=None):
    if op in ("MEAN", "SUM", "REDUCE_MAX", "REDUCE_PROD"):
        return _one_op(op, [("x", [2, 3], F32)], [("y", list(out_shape), F32)], {"keep_dims": False},
                       consts={1: np.array(axis, I32)})
    if op in ("ARG_MAX", "ARG_MIN"):
        return _one_op(op, [("x", [2, 3], F32)], [("y", list(out_shape), I32)], {"output_type": "INT32"},
                       consts={1: np.array(axis, I32)})
    if op == "CUMSUM":
        return _one_op(op, [("x", [2, 3], F32)], [("y", [2, 3], F32)], {}, consts={1: np.array(axis, I32)})
    if op == "CONCATENATION":
        b = ModelBuilder()
        a, c = b.input("a", [2, 3], F32), b.input("c", [2, 3], F32)
        y = b.tensor("y", [4, 3], F32)
        b.op("CONCATENATION", [a, c], [y], {"axis": axis})
        b.output(y)
        return b.build()
    if op == "GATHER":
        return _one_op(op, [("x", [2, 3], F32)], [("y", [2, 2], F32)], {"axis": axis},
                       consts={1: np.array([0, 1], I32)})
    if op == "SPLIT":
        return _one_op(op, [("x", [2, 4], F32)], [("y0", [2, 2], F32), ("y1", [2, 2], F32)], {"num_splits": 2},
                       consts={0: np.array(axis, I32)})
    if op == "SQUEEZE":
        return _one_op(op, [("x", [1, 3, 1], F32)], [("y", [3], F32)], {"squeeze_dims": [axis]})
    if op == "EXPAND_DIMS":
        return _one_op(op, [("x", [2, 3], F32)], [("y", [2, 3, 1], F32)], None, consts={1: np.array(axis, I32)})
    if op == "PACK":
        return _one_op(op, [("a", [2, 3], F32), ("b", [2, 3], F32)], [("y", [2, 2, 3], F32)],
                       {"values_count": 2, "axis": axis})
    if op == "UNPACK":
        return _one_op(op, [("x", [2, 3], F32)], [("y0", [3], F32), ("y1", [3], F32)], {"num": 2, "axis": axis})
    if op == "SOFTMAX":
        return _one_op(op, [("x", [2, 3], F32)], [("y", [2, 3], F32)], {"beta": axis})
    if op == "ONE_HOT":
        return _one_op(op, [("i", [3], I32)], [("y", [3, 4], F32)], {"axis": axis},
                       consts={1: np.array(4, I32), 2: np.array(1, F32), 3: np.array(0, F32)})
    if op == "REVERSE_V2":
        return _one_op(op, [("x", [2, 3], F32)], [("y", [2, 3], F32)], None, consts={1: np.array([axis], I32)})
    raise KeyError(op)


AXES = [-3, 2, 5, -100, 2**31 - 1, -2**31]
AXIS_OPS = ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_PROD", "ARG_MAX", "ARG_MIN", "CUMSUM", "CONCATENATION",
            "GATHER", "SPLIT", "SQUEEZE", "EXPAND_DIMS", "PACK", "UNPACK", "REVERSE_V2", "ONE_HOT"]

CASES = {
    # division by zero / meaningless windows in prepare
    "conv_stride_0": lambda: _conv(stride_w=0),
    "conv_stride_negative": lambda: _conv(stride_h=-1),
    "conv_dilation_0": lambda: _conv(dilation_w_factor=0, dilation_h_factor=1),
    "conv_dilation_huge": lambda: _conv(dilation_w_factor=2**31 - 1, dilation_h_factor=1),
    "conv_stride_huge": lambda: _conv(stride_w=2**31 - 1),
    "dwconv_multiplier_0": lambda: _dwconv(depth_multiplier=0),
    "dwconv_multiplier_negative": lambda: _dwconv(depth_multiplier=-3),
    "dwconv_stride_0": lambda: _dwconv(stride_w=0),
    "dwconv_dilation_negative": lambda: _dwconv(dilation_h_factor=-1, dilation_w_factor=1),
    "avgpool_filter_0": lambda: _pool("AVERAGE_POOL_2D", filter_width=0),
    "maxpool_stride_0": lambda: _pool("MAX_POOL_2D", stride_h=0),
    "l2pool_filter_negative": lambda: _pool("L2_POOL_2D", filter_height=-2),
    "avgpool_filter_huge": lambda: _pool("AVERAGE_POOL_2D", filter_width=2**31 - 1, padding="SAME"),
    "tconv_stride_0": lambda: _tconv(stride_w=0),
    "tconv_stride_negative": lambda: _tconv(stride_h=-2),
    "space_to_depth_block_0": lambda: _space("SPACE_TO_DEPTH", 0),
    "space_to_depth_block_negative": lambda: _space("SPACE_TO_DEPTH", -2),
    "depth_to_space_block_0": lambda: _space("DEPTH_TO_SPACE", 0, (1, 2, 2, 16), (1, 4, 4, 4)),
    "depth_to_space_block_huge": lambda: _space("DEPTH_TO_SPACE", 2**16, (1, 2, 2, 16), (1, 4, 4, 4)),
    "batch_to_space_block_0": lambda: _b2s([0, 2], [[0, 0], [0, 0]]),
    "batch_to_space_crops_negative": lambda: _b2s([2, 2], [[-1, 0], [0, 0]]),
    "batch_to_space_crops_huge": lambda: _b2s([2, 2], [[0, 2**31 - 1], [0, 0]]),
    "space_to_batch_block_0": lambda: _s2b([2, 0], [[0, 0], [0, 0]]),
    "space_to_batch_pads_negative": lambda: _s2b([2, 2], [[0, -3], [0, 0]]),
    "split_num_splits_0": lambda: _one_op("SPLIT", [("x", [2, 4], F32)], [("y", [2, 4], F32)],
                                          {"num_splits": 0}, consts={0: np.array(1, I32)}),
    "split_v_negative_sizes": lambda: _one_op("SPLIT_V", [("x", [2, 4], F32)],
                                              [("y0", [2, 5], F32), ("y1", [2, 1], F32)], {"num_splits": 2},
                                              consts={1: np.array([5, -1], I32), 2: np.array(1, I32)}),
    "split_v_two_minus_ones": lambda: _one_op("SPLIT_V", [("x", [2, 4], F32)],
                                              [("y0", [2, 2], F32), ("y1", [2, 2], F32)], {"num_splits": 2},
                                              consts={1: np.array([-1, -1], I32), 2: np.array(1, I32)}),
    "strided_slice_stride_0": lambda: _one_op("STRIDED_SLICE", [("x", [4, 4], F32)], [("y", [2, 4], F32)], {},
                                              consts={1: np.array([0, 0], I32), 2: np.array([4, 4], I32),
                                                      3: np.array([0, 1], I32)}),
    "strided_slice_huge_bounds": lambda: _one_op("STRIDED_SLICE", [("x", [4, 4], F32)], [("y", [4, 4], F32)], {},
                                                 consts={1: np.array([-2**31, -2**31], I32),
                                                         2: np.array([2**31 - 1, 2**31 - 1], I32),
                                                         3: np.array([2**31 - 1, -2**31], I32)}),
    "slice_negative_begin": lambda: _one_op("SLICE", [("x", [4, 4], F32)], [("y", [2, 2], F32)], None,
                                            consts={1: np.array([-1, 0], I32), 2: np.array([2, 2], I32)}),
    "slice_size_past_end": lambda: _one_op("SLICE", [("x", [4, 4], F32)], [("y", [2, 2], F32)], None,
                                           consts={1: np.array([3, 0], I32), 2: np.array([2**31 - 1, -1], I32)}),
    "pad_negative": lambda: _one_op("PAD", [("x", [2, 2], F32)], [("y", [2, 2], F32)], None,
                                    consts={1: np.array([[-1, 0], [0, 0]], I32)}),
    "pad_huge": lambda: _one_op("PAD", [("x", [2, 2], F32)], [("y", [2, 2], F32)], None,
                                consts={1: np.array([[2**31 - 1, 2**31 - 1], [0, 0]], I32)}),
    "mirror_pad_larger_than_dim": lambda: _one_op("MIRROR_PAD", [("x", [2, 2], F32)], [("y", [8, 2], F32)],
                                                  {"mode": "REFLECT"}, consts={1: np.array([[3, 3], [0, 0]], I32)}),
    "transpose_perm_duplicate": lambda: _one_op("TRANSPOSE", [("x", [2, 3], F32)], [("y", [3, 2], F32)], None,
                                                consts={1: np.array([1, 1], I32)}),
    "transpose_perm_out_of_range": lambda: _one_op("TRANSPOSE", [("x", [2, 3], F32)], [("y", [3, 2], F32)], None,
                                                   consts={1: np.array([-5, 7], I32)}),
    "tile_negative": lambda: _one_op("TILE", [("x", [2, 3], F32)], [("y", [2, 3], F32)], None,
                                     consts={1: np.array([-1, 1], I32)}),
    "tile_overflow": lambda: _one_op("TILE", [("x", [2, 3], F32)], [("y", [2, 3], F32)], None,
                                     consts={1: np.array([2**30, 2**30], I32)}),
    "reshape_two_minus_ones": lambda: _one_op("RESHAPE", [("x", [2, 3], F32)], [("y", [6], F32)], None,
                                              consts={1: np.array([-1, -1], I32)}),
    "reshape_overflowing_shape": lambda: _one_op("RESHAPE", [("x", [2, 3], F32)], [("y", [6], F32)], None,
                                                 consts={1: np.array([2**16, 2**16, 2**16, 0], I32)}),
    "reshape_negative_dim": lambda: _one_op("RESHAPE", [("x", [2, 3], F32)], [("y", [6], F32)], None,
                                            consts={1: np.array([-2, -3], I32)}),
    "resize_size_0": lambda: _one_op("RESIZE_BILINEAR", [("x", [1, 2, 2, 1], F32)], [("y", [1, 0, 0, 1], F32)], {},
                                     consts={1: np.array([0, 0], I32)}),
    "resize_size_negative": lambda: _one_op("RESIZE_NEAREST_NEIGHBOR", [("x", [1, 2, 2, 1], F32)],
                                            [("y", [1, 4, 4, 1], F32)], {}, consts={1: np.array([-4, 4], I32)}),
    "resize_size_huge": lambda: _one_op("RESIZE_BILINEAR", [("x", [1, 2, 2, 1], F32)],
                                        [("y", [1, 4, 4, 1], F32)], {},
                                        consts={1: np.array([2**31 - 1, 2**31 - 1], I32)}),
    "topk_k_negative": lambda: _one_op("TOPK_V2", [("x", [2, 5], F32)], [("v", [2, 2], F32), ("i", [2, 2], I32)],
                                       None, consts={1: np.array(-2, I32)}),
    "topk_k_too_large": lambda: _one_op("TOPK_V2", [("x", [2, 5], F32)], [("v", [2, 9], F32), ("i", [2, 9], I32)],
                                        None, consts={1: np.array(9, I32)}),
    "one_hot_depth_negative": lambda: _one_op("ONE_HOT", [("i", [3], I32)], [("y", [3, 4], F32)], {"axis": -1},
                                              consts={1: np.array(-4, I32), 2: np.array(1, F32),
                                                      3: np.array(0, F32)}),
    "gather_index_negative": lambda: _one_op("GATHER", [("x", [4, 2], F32)], [("y", [2, 2], F32)], {"axis": 0},
                                             consts={1: np.array([-1, 0], I32)}),
    "gather_index_huge": lambda: _one_op("GATHER", [("x", [4, 2], F32)], [("y", [2, 2], F32)], {"axis": 0},
                                         consts={1: np.array([2**31 - 1, 0], I32)}),
    "gather_nd_index_negative": lambda: _one_op("GATHER_ND", [("x", [4, 2], F32)], [("y", [2, 2], F32)], None,
                                                consts={1: np.array([[-1], [3]], I32)}),
    "gather_nd_index_depth_too_large": lambda: _one_op("GATHER_ND", [("x", [4, 2], F32)], [("y", [1], F32)], None,
                                                       consts={1: np.array([[0, 1, 2]], I32)}),
    "scatter_nd_index_out_of_range": lambda: _one_op("SCATTER_ND", [("u", [2], F32)], [("y", [4], F32)], None,
                                                     consts={0: np.array([[5], [-1]], I32), 2: np.array([4], I32)}),
    "embedding_lookup_out_of_range": lambda: _one_op("EMBEDDING_LOOKUP", [("i", [2], I32)], [("y", [2, 3], F32)],
                                                     None, consts={1: np.ones((4, 3), F32)}),
    "fully_connected_weights_mismatch": lambda: _one_op("FULLY_CONNECTED", [("x", [2, 3], F32)],
                                                        [("y", [2, 4], F32)], {},
                                                        consts={1: np.ones((4, 5), F32), 2: np.zeros(4, F32)}),
    "fully_connected_zero_sized_weights": lambda: _one_op("FULLY_CONNECTED", [("x", [2, 0], F32)],
                                                          [("y", [2, 4], F32)], {},
                                                          consts={1: np.ones((4, 0), F32), 2: np.zeros(4, F32)}),
    "batch_matmul_mismatch": lambda: _one_op("BATCH_MATMUL", [("a", [2, 3, 4], F32), ("b", [2, 5, 6], F32)],
                                             [("y", [2, 3, 6], F32)], {}),
    "softmax_empty": lambda: _one_op("SOFTMAX", [("x", [0, 3], F32)], [("y", [0, 3], F32)], {"beta": 1.0}),
    "l2norm_empty": lambda: _one_op("L2_NORMALIZATION", [("x", [2, 0], F32)], [("y", [2, 0], F32)], {}),
    "mean_empty": lambda: _one_op("MEAN", [("x", [0, 3], F32)], [("y", [3], F32)], {"keep_dims": False},
                                  consts={1: np.array([0], I32)}),
    "conv_zero_sized_input": lambda: _one_op("CONV_2D", [("x", [1, 0, 5, 2], F32)], [("y", [1, 0, 5, 3], F32)],
                                             {"padding": "SAME", "stride_w": 1, "stride_h": 1},
                                             consts={1: np.ones((3, 3, 3, 2), F32), 2: np.zeros(3, F32)}),
    "lrn_radius_huge": lambda: _one_op("LOCAL_RESPONSE_NORMALIZATION", [("x", [1, 2, 2, 4], F32)],
                                       [("y", [1, 2, 2, 4], F32)], {"radius": 2**31 - 1, "bias": 1.0, "alpha": 1.0,
                                                                    "beta": 0.5}),
    "lrn_radius_negative": lambda: _one_op("LOCAL_RESPONSE_NORMALIZATION", [("x", [1, 2, 2, 4], F32)],
                                           [("y", [1, 2, 2, 4], F32)], {"radius": -5, "bias": 1.0, "alpha": 1.0,
                                                                         "beta": 0.5}),
    "range_delta_0": lambda: _one_op("RANGE", [], [("y", [4], I32)], None,
                                     consts={0: np.array(0, I32), 1: np.array(4, I32), 2: np.array(0, I32)}),
    "range_huge": lambda: _one_op("RANGE", [], [("y", [4], I32)], None,
                                  consts={0: np.array(-2**31, I32), 1: np.array(2**31 - 1, I32),
                                          2: np.array(1, I32)}),
    "fill_negative_dims": lambda: _one_op("FILL", [], [("y", [2], F32)], None,
                                          consts={0: np.array([-2, 3], I32), 1: np.array(1, F32)}),
    "fill_huge_dims": lambda: _one_op("FILL", [], [("y", [2], F32)], None,
                                      consts={0: np.array([2**20, 2**20], I32), 1: np.array(1, F32)}),
    "broadcast_to_huge": lambda: _one_op("BROADCAST_TO", [("x", [1, 3], F32)], [("y", [4, 3], F32)], None,
                                         consts={1: np.array([2**31 - 1, 3], I32)}),
}
for _op in AXIS_OPS:
    for _ax in AXES:
        CASES[f"{_op.lower()}_axis_{_ax}"] = (lambda op=_op, ax=_ax: _axis_op(op, ax))


def _quant_case(op, in_scale, out_scale):
    """An int8 op with a zero (or tiny, or huge) scale: prepare divides by scales."""
    q_in, q_out = (in_scale, 0), (out_scale, 0)
    if op in ("ADD", "SUB", "MUL"):
        return _one_op(op, [("a", [2, 3], I8, q_in), ("b", [2, 3], I8, q_in)], [("y", [2, 3], I8, q_out)], {})
    if op in ("SOFTMAX", "LOGISTIC", "TANH", "AVERAGE_POOL_2D", "MEAN", "L2_NORMALIZATION", "HARD_SWISH",
              "LEAKY_RELU", "QUANTIZE", "DEQUANTIZE", "RESIZE_BILINEAR", "CONCATENATION"):
        shape = [1, 2, 2, 3]
        out_dtype = F32 if op == "DEQUANTIZE" else I8
        outq = None if op == "DEQUANTIZE" else q_out
        ins = [("x", shape, F32 if op == "QUANTIZE" else I8, None if op == "QUANTIZE" else q_in)]
        opts = {"SOFTMAX": {"beta": 1.0}, "AVERAGE_POOL_2D": {"padding": "VALID", "stride_w": 1, "stride_h": 1,
                                                                "filter_width": 1, "filter_height": 1},
                "MEAN": {"keep_dims": True}, "L2_NORMALIZATION": {}, "LEAKY_RELU": {"alpha": 0.1},
                "RESIZE_BILINEAR": {}, "CONCATENATION": {"axis": 3}}.get(op)
        consts = {"MEAN": {1: np.array([1, 2], I32)}, "RESIZE_BILINEAR": {1: np.array([2, 2], I32)}}.get(op)
        out_shape = [1, 1, 1, 3] if op == "MEAN" else shape
        return _one_op(op, ins, [("y", out_shape, out_dtype, outq)], opts, consts=consts)
    if op == "FULLY_CONNECTED":
        return _one_op(op, [("x", [2, 3], I8, q_in)], [("y", [2, 4], I8, q_out)], {},
                       consts={1: (np.ones((4, 3), I8), (in_scale, 0)), 2: (np.zeros(4, I32), (min(in_scale * in_scale, 3e38), 0))})
    if op == "CONV_2D":
        return _one_op(op, [("x", [1, 3, 3, 2], I8, q_in)], [("y", [1, 3, 3, 2], I8, q_out)],
                       {"padding": "SAME", "stride_w": 1, "stride_h": 1},
                       consts={1: (np.ones((2, 3, 3, 2), I8), (in_scale, 0)),
                               2: (np.zeros(2, I32), (min(in_scale * in_scale, 3e38), 0))}, version=3)
    raise KeyError(op)


QUANT_OPS = ["ADD", "SUB", "MUL", "SOFTMAX", "LOGISTIC", "TANH", "AVERAGE_POOL_2D", "MEAN", "L2_NORMALIZATION",
             "HARD_SWISH", "LEAKY_RELU", "QUANTIZE", "DEQUANTIZE", "RESIZE_BILINEAR", "CONCATENATION",
             "FULLY_CONNECTED", "CONV_2D"]
for _op in QUANT_OPS:
    for _name, _si, _so in (("out0", 0.5, 0.0), ("in0", 0.0, 0.5), ("tiny", 1e-38, 1e-38), ("huge", 3e38, 1e-38),
                            ("denormal", 1e-45, 3e38)):
        CASES[f"{_op.lower()}_int8_scale_{_name}"] = (lambda op=_op, si=_si, so=_so: _quant_case(op, si, so))


@pytest.mark.parametrize("name", sorted(CASES))
def test_cve_class(name):
    try:
        data = CASES[name]()
    except (KeyError, ValueError) as e:  # the builder cannot write this op/option here
        pytest.skip(f"builder: {e}")
    out = run_clean(data, invoke_twice=True)
    assert isinstance(out, (list, *CLEAN))


# run-time integer arithmetic: division by zero and INT_MIN / -1 are signals (SIGFPE) in C

INT_DIV_OPS = ["DIV", "FLOOR_DIV", "FLOOR_MOD"]


@pytest.mark.parametrize("op", INT_DIV_OPS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int16, np.int8])
def test_integer_division_by_zero_and_overflow(op, dtype):
    info = np.iinfo(dtype)
    b = ModelBuilder()
    x = b.input("x", [4], dtype)
    y = b.input("y", [4], dtype)
    z = b.tensor("z", [4], dtype)
    b.op(op, [x, y], [z])
    b.output(z)
    a = np.array([1, info.min, info.min, 7], dtype)
    d = np.array([0, -1, 0, -1], dtype)
    out = run_clean(b.build(), [a, d])
    assert isinstance(out, (list, *CLEAN))


@pytest.mark.parametrize("op", ["ABS", "NEG", "SQUARE"])
def test_integer_unary_overflow(op):
    b = ModelBuilder()
    x = b.input("x", [3], I32)
    y = b.tensor("y", [3], I32)
    b.op(op, [x], [y])
    b.output(y)
    out = run_clean(b.build(), [np.array([-2**31, 2**31 - 1, 46341], I32)])
    assert isinstance(out, (list, *CLEAN))


@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "MAXIMUM", "POW"])
def test_integer_binary_overflow(op):
    b = ModelBuilder()
    x = b.input("x", [4], I32)
    y = b.input("y", [4], I32)
    z = b.tensor("z", [4], I32)
    b.op(op, [x, y], [z])
    b.output(z)
    out = run_clean(b.build(), [np.array([2**31 - 1, -2**31, 2**31 - 1, -2**31], I32),
                                np.array([1, -1, 2**31 - 1, 2**31 - 1], I32)])
    assert isinstance(out, (list, *CLEAN))


@pytest.mark.parametrize("values", [[np.nan, np.inf], [-np.inf, 3e38], [1e30, -1e30]])
@pytest.mark.parametrize("op", ["CAST", "QUANTIZE", "ARG_MAX", "TOPK_V2", "FLOOR", "ROUND"])
def test_nonfinite_floats_into_integer_paths(op, values):
    """Float -> int conversions of NaN/inf/huge values are undefined behaviour in C."""
    x = np.array(values, F32)
    if op == "CAST":
        data = _one_op(op, [("x", [2], F32)], [("y", [2], I32)], None)
    elif op == "QUANTIZE":
        data = _one_op(op, [("x", [2], F32)], [("y", [2], I8, (0.5, 3))], None)
    elif op == "ARG_MAX":
        data = _one_op(op, [("x", [2], F32)], [("y", [], I32)], {"output_type": "INT32"}, consts={1: np.array(0, I32)})
    elif op == "TOPK_V2":
        data = _one_op(op, [("x", [2], F32)], [("v", [1], F32), ("i", [1], I32)], None, consts={1: np.array(1, I32)})
    else:
        data = _one_op(op, [("x", [2], F32)], [("y", [2], F32)], None)
    out = run_clean(data, [x])
    assert isinstance(out, (list, *CLEAN))


# graph structure

def test_op_reading_its_own_output_is_rejected():
    import tflite_rt
    b = ModelBuilder()
    x = b.input("x", [2], F32)
    y = b.tensor("y", [2], F32)
    b.op("ADD", [x, y], [y])
    b.output(y)
    with pytest.raises(tflite_rt.ModelError):
        _interp(b.build())


def test_cycle_between_two_ops_is_rejected():
    import tflite_rt
    b = ModelBuilder()
    x = b.input("x", [2], F32)
    t1, t2 = b.tensor("t1", [2], F32), b.tensor("t2", [2], F32)
    b.op("ADD", [x, t2], [t1])
    b.op("ADD", [x, t1], [t2])
    b.output(t2)
    with pytest.raises(tflite_rt.ModelError):
        _interp(b.build())


@pytest.mark.parametrize("kind", ["call_once_self", "while_self_body", "if_self", "mutual"])
def test_recursive_control_flow_is_rejected(kind):
    b = ModelBuilder()
    x = b.input("x", [], I32)
    y = b.tensor("y", [], I32)
    if kind == "call_once_self":
        b.op("CALL_ONCE", [], [], {"init_subgraph_index": 0})
        b.op("ABS", [x], [y])
    elif kind == "mutual":
        s1 = b.subgraph("a")
        s2 = b.subgraph("b")
        s1.op("CALL_ONCE", [], [], {"init_subgraph_index": s2.index})
        s2.op("CALL_ONCE", [], [], {"init_subgraph_index": s1.index})
        b.op("CALL_ONCE", [], [], {"init_subgraph_index": s1.index})
        b.op("ABS", [x], [y])
    else:
        sub = b.subgraph("s")
        si = sub.input("i", [], I32)
        so = sub.tensor("o", [], I32 if kind != "if_self" else I32)
        c = sub.tensor("c", [], np.bool_)
        sub.op("LESS", [si, si], [c])
        if kind == "while_self_body":
            sub.op("WHILE", [si], [so], {"cond_subgraph_index": sub.index, "body_subgraph_index": sub.index})
        else:
            sub.op("IF", [c, si], [so], {"then_subgraph_index": sub.index, "else_subgraph_index": sub.index})
        sub.output(so)
        b.op("IF", [b.const("t", np.array(True)), x], [y],
             {"then_subgraph_index": sub.index, "else_subgraph_index": sub.index})
    b.output(y)
    out = run_clean(b.build(), [np.array(1, I32)])
    assert isinstance(out, CLEAN), out


@pytest.mark.parametrize("index", [-1, 99, 2**31 - 1, -2**31])
@pytest.mark.parametrize("op", ["WHILE", "IF", "CALL_ONCE"])
def test_control_flow_subgraph_index_out_of_range(op, index):
    import tflite_rt
    b = ModelBuilder()
    x = b.input("x", [], I32)
    y = b.tensor("y", [], I32)
    if op == "WHILE":
        b.op(op, [x], [y], {"cond_subgraph_index": index, "body_subgraph_index": index})
    elif op == "IF":
        b.op(op, [b.const("c", np.array(True)), x], [y], {"then_subgraph_index": index, "else_subgraph_index": 0})
    else:
        b.op(op, [], [], {"init_subgraph_index": index})
        b.op("ABS", [x], [y])
    b.output(y)
    with pytest.raises(tflite_rt.ModelError):
        _interp(b.build())


def test_tensor_count_overflow_in_shape():
    import tflite_rt
    b = ModelBuilder()
    x = b.input("x", [2**16, 2**16, 2**16], F32)
    y = b.tensor("y", [2**16, 2**16, 2**16], F32)
    b.op("RELU", [x], [y])
    b.output(y)
    with pytest.raises(tflite_rt.ModelError):
        _interp(b.build())


def test_arena_limit_gives_out_of_memory_error():
    b = ModelBuilder()
    x = b.input("x", [1024, 1024], F32)
    y = b.tensor("y", [1024, 1024], F32)
    b.op("RELU", [x], [y])
    b.output(y)
    it = _interp(b.build(), arena_limit=1 << 20)
    with pytest.raises(tflite_rt.OutOfMemoryError, match="arena") as e:
        it.allocate_tensors()
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, MemoryError)
