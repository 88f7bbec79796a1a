"""One-op models from the builder, run by LiteRT's reference kernels and compared with numpy.

This checks the builder (tests/tflite_builder.py), not tflite_rt: each case sets options
with non-default values (enums, vectors, floats, subgraph indices, variables, sparse and
string constants) and numpy says what those options mean, so a wrong slot or default shows
as a wrong result. Skipped without ai-edge-litert.
"""
import numpy as np
import pytest

from tests import oracle
from tests.tflite_builder import ModelBuilder, csr_sparsity, single_op_model

needs_litert = pytest.mark.skipif(not oracle.have_litert(), reason="ai-edge-litert not installed")


F32 = np.float32
RNG = np.random.default_rng(1234)


def _rand(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape).astype(F32)


def _same_pads(size, k, stride, dilation=1):
    eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2


def np_conv2d(x, w, bias, stride=(1, 1), padding="VALID", dilation=(1, 1)):
    """NHWC input, OHWI filter."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    if padding == "SAME":
        oh, ph = _same_pads(h, kh, stride[0], dilation[0])
        ow, pw = _same_pads(wd, kw, stride[1], dilation[1])
    else:
        oh = (h - (kh - 1) * dilation[0] - 1) // stride[0] + 1
        ow = (wd - (kw - 1) * dilation[1] - 1) // stride[1] + 1
        ph = pw = 0
    xp = np.zeros((n, h + 2 * kh * dilation[0], wd + 2 * kw * dilation[1], c), np.float64)
    xp[:, ph:ph + h, pw:pw + wd] = x     # plenty of zero margin after the data
    out = np.zeros((n, oh, ow, o), np.float64)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b_ in range(kw):
                    patch = xp[:, i * stride[0] + a * dilation[0], j * stride[1] + b_ * dilation[1]]
                    out[:, i, j] += patch @ w[:, a, b_].T.astype(np.float64)
    return (out + bias).astype(F32)


def np_pool(x, k, stride, padding, fn):
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, ph = _same_pads(h, k[0], stride[0])
        ow, pw = _same_pads(w, k[1], stride[1])
    else:
        oh, ow, ph, pw = (h - k[0]) // stride[0] + 1, (w - k[1]) // stride[1] + 1, 0, 0
    out = np.zeros((n, oh, ow, c), F32)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * stride[0] - ph, j * stride[1] - pw
            win = x[:, max(r0, 0):min(r0 + k[0], h), max(c0, 0):min(c0 + k[1], w)]
            out[:, i, j] = fn(win, axis=(1, 2))
    return out


def _unary(op, x, out_shape=None, out_dtype=None, options=None, version=1):
    out_dtype = out_dtype or x.dtype
    return single_op_model(op, [("x", list(x.shape), x.dtype)],
                           [("y", list(out_shape or x.shape), out_dtype)], options, version)


def _binary(op, a, b, out, options=None, out_dtype=None):
    return single_op_model(op, [("a", list(a.shape), a.dtype), ("b", list(b.shape), b.dtype)],
                           [("y", list(out.shape), out_dtype or out.dtype)], options)


def _with_consts(op, graph_inputs, consts, outputs, options=None, version=1):
    """graph_inputs: list of arrays (by position order among non-const inputs)."""
    return single_op_model(op, [(f"in{i}", list(a.shape), a.dtype) for i, a in
                                enumerate(graph_inputs)],
                           [(f"out{i}", list(o.shape), o.dtype) for i, o in enumerate(outputs)],
                           options, version, consts=consts)


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def add_relu():
    a, b = _rand(2, 3), _rand(2, 3)
    y = np.maximum(a + b, 0)
    return _binary("ADD", a, b, y, {"fused_activation_function": "RELU"}), [a, b], [y]


@case
def sub_relu6_broadcast():
    a, b = _rand(2, 3, lo=-10, hi=10), _rand(3, lo=-3, hi=3)
    y = np.clip(a - b, 0, 6)
    return _binary("SUB", a, b, y, {"fused_activation_function": "RELU6"}), [a, b], [y]


@case
def mul_relu_n1_to_1():
    a, b = _rand(4, lo=-2, hi=2), _rand(4, lo=-2, hi=2)
    y = np.clip(a * b, -1, 1)
    return _binary("MUL", a, b, y, {"fused_activation_function": "RELU_N1_TO_1"}), [a, b], [y]


@case
def div_relu_n1_to_1():
    a, b = _rand(5, lo=-3, hi=3), _rand(5, lo=0.5, hi=2)
    y = np.clip(a / b, -1, 1)
    # (LiteRT's DIV ignores a fused TANH: only the clamp-style activations are applied)
    return _binary("DIV", a, b, y, {"fused_activation_function": "RELU_N1_TO_1"}), [a, b], [y]


@case
def add_int32():
    a = RNG.integers(-1000, 1000, (3, 4)).astype(np.int32)
    b = RNG.integers(-1000, 1000, (3, 4)).astype(np.int32)
    return _binary("ADD", a, b, a + b), [a, b], [a + b]


@case
def conv2d_same_stride2():
    x, w, bias = _rand(1, 7, 6, 3), _rand(4, 3, 3, 3), _rand(4)
    y = np_conv2d(x, w, bias, (2, 2), "SAME")
    m = _with_consts("CONV_2D", [x], {1: w, 2: bias}, [y],
                     {"padding": "SAME", "stride_h": 2, "stride_w": 2})
    return m, [x], [y]


@case
def conv2d_valid_dilated_relu():
    x, w, bias = _rand(1, 9, 8, 2), _rand(3, 2, 3, 2), _rand(3)
    y = np.maximum(np_conv2d(x, w, bias, (1, 2), "VALID", (2, 1)), 0)
    m = _with_consts("CONV_2D", [x], {1: w, 2: bias}, [y],
                     {"padding": "VALID", "stride_h": 1, "stride_w": 2, "dilation_h_factor": 2,
                      "fused_activation_function": "RELU"})
    return m, [x], [y]


@case
def depthwise_conv2d_multiplier2():
    x, w, bias = _rand(1, 5, 5, 2), _rand(1, 3, 3, 4), _rand(4)
    # depthwise = per-channel conv: output channel c*2+m uses input channel c
    y = np.zeros((1, 3, 3, 4), F32)
    for oc in range(4):
        y[..., oc] = np_conv2d(x[..., oc // 2:oc // 2 + 1], w[:, :, :, oc][..., None]
                               .transpose(0, 1, 2, 3), bias[oc:oc + 1], (1, 1), "VALID")[..., 0]
    m = _with_consts("DEPTHWISE_CONV_2D", [x], {1: w, 2: bias}, [y],
                     {"padding": "VALID", "depth_multiplier": 2})
    return m, [x], [y]


@case
def transpose_conv_valid_stride2():
    x, w = _rand(1, 3, 3, 2), _rand(4, 3, 3, 2)          # weights OHWI
    s, k = 2, 3
    out_h = (3 - 1) * s + k
    y = np.zeros((1, out_h, out_h, 4), np.float64)
    for i in range(3):
        for j in range(3):
            y[0, i * s:i * s + k, j * s:j * s + k] += np.einsum("c,ohwc->hwo", x[0, i, j], w)
    y = y.astype(F32)
    m = _with_consts("TRANSPOSE_CONV", [x], {0: np.array(y.shape, np.int32), 1: w}, [y],
                     {"padding": "VALID", "stride_h": 2, "stride_w": 2})
    return m, [x], [y]


@case
def fully_connected_keep_num_dims():
    x, w, bias = _rand(2, 3, 5), _rand(4, 5), _rand(4)
    y = x @ w.T + bias
    m = _with_consts("FULLY_CONNECTED", [x], {1: w, 2: bias}, [y], {"keep_num_dims": True})
    return m, [x], [y]


@case
def fully_connected_no_bias_relu():
    x, w = _rand(3, 6), _rand(2, 6)
    y = np.maximum(x @ w.T, 0)
    m = _with_consts("FULLY_CONNECTED", [x], {1: w, 2: None}, [y],
                     {"fused_activation_function": "RELU"})
    return m, [x], [y]


@case
def average_pool_valid():
    x = _rand(1, 6, 6, 3)
    y = np_pool(x, (2, 3), (2, 3), "VALID", np.mean)
    return _unary("AVERAGE_POOL_2D", x, y.shape, options={
        "padding": "VALID", "filter_height": 2, "filter_width": 3, "stride_h": 2,
        "stride_w": 3}), [x], [y]


@case
def max_pool_same():
    x = _rand(1, 7, 5, 2)
    y = np_pool(x, (3, 3), (2, 2), "SAME", np.max)
    return _unary("MAX_POOL_2D", x, y.shape, options={
        "padding": "SAME", "filter_height": 3, "filter_width": 3, "stride_h": 2,
        "stride_w": 2}), [x], [y]


@case
def l2_pool():
    x = _rand(1, 4, 4, 2)
    y = np.sqrt(np_pool(x * x, (2, 2), (2, 2), "VALID", np.mean))
    return _unary("L2_POOL_2D", x, y.shape, options={
        "padding": "VALID", "filter_height": 2, "filter_width": 2, "stride_h": 2,
        "stride_w": 2}), [x], [y]


@case
def softmax_beta():
    x = _rand(2, 7, lo=-3, hi=3)
    e = np.exp(0.5 * (x - x.max(-1, keepdims=True)))
    y = e / e.sum(-1, keepdims=True)
    return _unary("SOFTMAX", x, options={"beta": 0.5}), [x], [y]


@case
def log_softmax():
    x = _rand(2, 5, lo=-3, hi=3)
    y = x - x.max(-1, keepdims=True)
    y = y - np.log(np.exp(y).sum(-1, keepdims=True))
    return _unary("LOG_SOFTMAX", x), [x], [y]


@case
def concatenation_axis1():
    a, b = _rand(2, 3, 2), _rand(2, 1, 2)
    y = np.concatenate([a, b], axis=1)
    # (LiteRT's float CONCATENATION rejects a fused activation at prepare)
    m = single_op_model("CONCATENATION", [("a", [2, 3, 2], F32), ("b", [2, 1, 2], F32)],
                        [("y", [2, 4, 2], F32)], {"axis": 1})
    return m, [a, b], [y]


@case
def concatenation_negative_axis():
    a, b = _rand(2, 3), _rand(2, 2)
    y = np.concatenate([a, b], axis=-1)
    m = single_op_model("CONCATENATION", [("a", [2, 3], F32), ("b", [2, 2], F32)],
                        [("y", [2, 5], F32)], {"axis": -1})
    return m, [a, b], [y]


@case
def reshape_new_shape_option_only():
    x = _rand(2, 3, 4)
    y = x.reshape(4, 6)
    return _unary("RESHAPE", x, y.shape, options={"new_shape": [4, 6]}), [x], [y]


@case
def reshape_shape_tensor():
    x = _rand(2, 6)
    y = x.reshape(3, 4)
    return _with_consts("RESHAPE", [x], {1: np.array([3, -1], np.int32)}, [y]), [x], [y]


@case
def squeeze_dims():
    x = _rand(1, 3, 1, 2, 1)
    y = np.squeeze(x, axis=(0, 4))
    return _unary("SQUEEZE", x, y.shape, options={"squeeze_dims": [0, -1]}), [x], [y]


@case
def expand_dims():
    x = _rand(3, 2)
    y = x[:, None]
    return _with_consts("EXPAND_DIMS", [x], {1: np.array(1, np.int32)}, [y]), [x], [y]


@case
def strided_slice_masks():
    x = _rand(4, 5, 6)
    # begin_mask on dim 0, end_mask on dim 2, shrink dim 1 (index 2), stride 2 on dim 2
    y = x[:, 2, 1::2]
    consts = {1: np.array([3, 2, 1], np.int32), 2: np.array([4, 3, 0], np.int32),
              3: np.array([1, 1, 2], np.int32)}
    m = _with_consts("STRIDED_SLICE", [x], consts, [y],
                     {"begin_mask": 1, "end_mask": 4, "shrink_axis_mask": 2})
    return m, [x], [y]


@case
def slice_op():
    x = _rand(3, 4)
    y = x[1:3, 1:4]
    consts = {1: np.array([1, 1], np.int32), 2: np.array([2, -1], np.int32)}
    return _with_consts("SLICE", [x], consts, [y]), [x], [y]


@case
def transpose():
    x = _rand(2, 3, 4)
    y = x.transpose(2, 0, 1)
    return _with_consts("TRANSPOSE", [x], {1: np.array([2, 0, 1], np.int32)}, [y]), [x], [y]


@case
def mean_keep_dims():
    x = _rand(2, 3, 4)
    y = x.mean(axis=(1,), keepdims=True)
    return _with_consts("MEAN", [x], {1: np.array([1], np.int32)}, [y],
                        {"keep_dims": True}), [x], [y]


@case
def sum_no_keep_dims():
    x = _rand(2, 3, 4)
    y = x.sum(axis=(0, 2))
    return _with_consts("SUM", [x], {1: np.array([0, 2], np.int32)}, [y]), [x], [y]


@case
def reduce_prod_keep_dims():
    x = _rand(3, 4, lo=0.5, hi=1.5)
    return (_with_consts("REDUCE_PROD", [x], {1: np.array([1], np.int32)},
                         [x.prod(1, keepdims=True)], {"keep_dims": True}), [x],
            [x.prod(1, keepdims=True)])


@case
def reduce_max():
    x = _rand(3, 4)
    return _with_consts("REDUCE_MAX", [x], {1: np.array([0], np.int32)}, [x.max(0)]), [x], \
        [x.max(0)]


@case
def reduce_any():
    x = RNG.random((3, 4)) > 0.7
    y = x.any(axis=1)
    return _with_consts("REDUCE_ANY", [x], {1: np.array([1], np.int32)}, [y]), [x], [y]


@case
def gather_axis1():
    x = _rand(3, 5)
    idx = np.array([4, 0, 2], np.int32)
    y = x[:, idx]
    return _with_consts("GATHER", [x], {1: idx}, [y], {"axis": 1}), [x], [y]


@case
def gather_nd():
    x = _rand(3, 4)
    idx = np.array([[0, 1], [2, 3]], np.int32)
    y = x[idx[:, 0], idx[:, 1]]
    return _with_consts("GATHER_ND", [x], {1: idx}, [y]), [x], [y]


@case
def pack_axis1():
    a, b = _rand(2, 3), _rand(2, 3)
    y = np.stack([a, b], axis=1)
    m = single_op_model("PACK", [("a", [2, 3], F32), ("b", [2, 3], F32)], [("y", [2, 2, 3], F32)],
                        {"values_count": 2, "axis": 1})
    return m, [a, b], [y]


@case
def unpack_axis1():
    x = _rand(2, 3, 2)
    ys = [x[:, i] for i in range(3)]
    return _with_consts("UNPACK", [x], {}, ys, {"num": 3, "axis": 1}), [x], ys


@case
def split_num_splits():
    x = _rand(2, 6)
    ys = np.split(x, 3, axis=1)
    m = _with_consts("SPLIT", [x], {0: np.array(1, np.int32)}, ys, {"num_splits": 3})
    return m, [x], ys


@case
def split_v():
    x = _rand(7, 2)
    ys = [x[:2], x[2:3], x[3:]]
    m = _with_consts("SPLIT_V", [x], {1: np.array([2, 1, -1], np.int32),
                                      2: np.array(0, np.int32)}, ys, {"num_splits": 3})
    return m, [x], ys


@case
def cast_float_to_int32():
    x = _rand(6, lo=-5, hi=5)
    y = x.astype(np.int32)
    return _unary("CAST", x, out_dtype=np.int32, options={
        "in_data_type": np.float32, "out_data_type": "INT32"}), [x], [y]


@case
def arg_max_int64():
    x = _rand(3, 5)
    y = x.argmax(1).astype(np.int64)
    return _with_consts("ARG_MAX", [x], {1: np.array([1], np.int32)}, [y],
                        {"output_type": "INT64"}), [x], [y]


@case
def arg_min_int32():
    x = _rand(4, 3)
    y = x.argmin(0).astype(np.int32)
    return _with_consts("ARG_MIN", [x], {1: np.array([0], np.int32)}, [y],
                        {"output_type": np.int32}), [x], [y]


@case
def leaky_relu_alpha():
    x = _rand(8)
    y = np.where(x > 0, x, 0.2 * x).astype(F32)
    return _unary("LEAKY_RELU", x, options={"alpha": 0.2}), [x], [y]


@case
def mirror_pad_symmetric():
    x = _rand(2, 3)
    pads = np.array([[1, 1], [2, 0]], np.int32)
    y = np.pad(x, pads, mode="symmetric")
    return _with_consts("MIRROR_PAD", [x], {1: pads}, [y], {"mode": "SYMMETRIC"}), [x], [y]


@case
def mirror_pad_reflect():
    x = _rand(3, 3)
    pads = np.array([[1, 2], [0, 1]], np.int32)
    y = np.pad(x, pads, mode="reflect")
    return _with_consts("MIRROR_PAD", [x], {1: pads}, [y], {"mode": "REFLECT"}), [x], [y]


@case
def padv2():
    x = _rand(2, 2)
    pads = np.array([[0, 1], [2, 0]], np.int32)
    y = np.pad(x, pads, constant_values=0.5)
    m = _with_consts("PADV2", [x], {1: pads, 2: np.array([0.5], F32)}, [y])
    return m, [x], [y]


@case
def resize_bilinear_align_corners():
    x = _rand(1, 2, 2, 1)
    # align_corners: corners map to corners; 2 -> 3 samples at 0, 0.5, 1
    t = np.array([0.0, 0.5, 1.0])
    a, b, c, d = x[0, 0, 0, 0], x[0, 0, 1, 0], x[0, 1, 0, 0], x[0, 1, 1, 0]
    top = a + (b - a) * t
    bot = c + (d - c) * t
    y = (top[None, :] + (bot - top)[None, :] * t[:, None]).astype(F32).reshape(1, 3, 3, 1)
    m = _with_consts("RESIZE_BILINEAR", [x], {1: np.array([3, 3], np.int32)}, [y],
                     {"align_corners": True})
    return m, [x], [y]


@case
def resize_bilinear_half_pixel():
    x = _rand(1, 2, 2, 1)
    # half_pixel_centers, 2 -> 4: source coords (i + .5) / 2 - .5, clamped to [0, 1]
    src = np.clip((np.arange(4) + 0.5) / 2 - 0.5, 0, 1)
    g = x[0, :, :, 0].astype(np.float64)
    rows = g[0][None, :] * (1 - src[:, None]) + g[1][None, :] * src[:, None]
    y = (rows[:, 0][:, None] * (1 - src[None, :]) + rows[:, 1][:, None] * src[None, :])
    y = y.astype(F32).reshape(1, 4, 4, 1)
    m = _with_consts("RESIZE_BILINEAR", [x], {1: np.array([4, 4], np.int32)}, [y],
                     {"half_pixel_centers": True})
    return m, [x], [y]


@case
def resize_nearest_align_corners():
    x = _rand(1, 3, 3, 1)
    # align_corners: scale (3-1)/(5-1) = .5, index round(i * .5)
    idx = np.minimum(np.floor(np.arange(5) * 0.5 + 0.5).astype(int), 2)
    y = x[:, idx][:, :, idx]
    m = _with_consts("RESIZE_NEAREST_NEIGHBOR", [x], {1: np.array([5, 5], np.int32)}, [y],
                     {"align_corners": True})
    return m, [x], [y]


@case
def depth_to_space():
    x = _rand(1, 2, 3, 8)
    n, h, w, c = x.shape
    bs = 2
    y = x.reshape(n, h, w, bs, bs, c // 4).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * 2, w * 2,
                                                                              c // 4)
    return _unary("DEPTH_TO_SPACE", x, y.shape, options={"block_size": 2}), [x], [y]


@case
def space_to_depth():
    x = _rand(1, 4, 6, 2)
    n, h, w, c = x.shape
    y = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h // 2,
                                                                                  w // 2, 4 * c)
    return _unary("SPACE_TO_DEPTH", x, y.shape, options={"block_size": 2}), [x], [y]


@case
def cumsum_exclusive_reverse():
    x = _rand(2, 5)
    r = np.flip(x, 1)
    y = np.flip(np.cumsum(r, 1) - r, 1)
    return _with_consts("CUMSUM", [x], {1: np.array(1, np.int32)}, [y],
                        {"exclusive": True, "reverse": True}), [x], [y]


@case
def batch_matmul_adj_y():
    a, b = _rand(2, 3, 4), _rand(2, 5, 4)
    y = a @ b.transpose(0, 2, 1)
    return _binary("BATCH_MATMUL", a, b, y, {"adj_y": True}), [a, b], [y]


@case
def batch_matmul_adj_x():
    a, b = _rand(2, 4, 3), _rand(2, 4, 5)
    y = a.transpose(0, 2, 1) @ b
    return _binary("BATCH_MATMUL", a, b, y, {"adj_x": True}), [a, b], [y]


@case
def one_hot_axis0():
    idx = np.array([2, 0, 1, 3], np.int32)
    y = np.where(np.eye(4)[idx].T > 0, 2.0, -1.0).astype(F32)
    m = _with_consts("ONE_HOT", [idx], {1: np.array(4, np.int32), 2: np.array(2.0, F32),
                                        3: np.array(-1.0, F32)}, [y], {"axis": 0})
    return m, [idx], [y]


@case
def shape_int64():
    x = _rand(2, 3, 5)
    y = np.array(x.shape, np.int64)
    return _unary("SHAPE", x, y.shape, out_dtype=np.int64, options={"out_type": "INT64"}), \
        [x], [y]


@case
def gelu_approximate():
    x = _rand(9, lo=-3, hi=3).astype(np.float64)
    y = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return _unary("GELU", x.astype(F32), options={"approximate": True}), [x.astype(F32)], \
        [y.astype(F32)]


@case
def gelu_exact():
    from math import erf
    x = _rand(9, lo=-3, hi=3)
    y = np.array([0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x.astype(np.float64)], F32)
    return _unary("GELU", x), [x], [y]


@case
def l2_normalization():
    x = _rand(2, 6)
    y = x / np.sqrt((x * x).sum(-1, keepdims=True))
    return _unary("L2_NORMALIZATION", x), [x], [y]


@case
def local_response_normalization():
    x = _rand(1, 2, 2, 7)
    r, bias, alpha, beta = 2, 1.5, 0.3, 0.75
    sq = x.astype(np.float64) ** 2
    y = np.empty_like(sq)
    for c in range(7):
        # LiteRT's reference kernel sums channels [c - r, c + r) (the upper end excluded),
        # unlike TensorFlow's documented [c - r, c + r]
        s = sq[..., max(0, c - r):min(7, c + r)].sum(-1)
        y[..., c] = x[..., c] / (bias + alpha * s) ** beta
    return _unary("LOCAL_RESPONSE_NORMALIZATION", x, options={
        "radius": r, "bias": bias, "alpha": alpha, "beta": beta}), [x], [y.astype(F32)]


@case
def rsqrt():
    x = _rand(6, lo=0.2, hi=3)
    return _unary("RSQRT", x), [x], [1 / np.sqrt(x)]


@case
def hard_swish():
    x = _rand(8, lo=-5, hi=5)
    y = x * np.clip(x + 3, 0, 6) / 6
    return _unary("HARD_SWISH", x), [x], [y.astype(F32)]


@case
def elu():
    x = _rand(8, lo=-3, hi=3)
    y = np.where(x > 0, x, np.expm1(x)).astype(F32)
    return _unary("ELU", x), [x], [y]


@case
def squared_difference():
    a, b = _rand(5, lo=0.5, hi=2), _rand(5, lo=0.5, hi=2)
    return _binary("SQUARED_DIFFERENCE", a, b, (a - b) ** 2), [a, b], [(a - b) ** 2]


@case
def pow_op():
    a, b = _rand(5, lo=0.5, hi=2), _rand(5, lo=-2, hi=2)
    return _binary("POW", a, b, a ** b), [a, b], [(a ** b).astype(F32)]


@case
def floor_mod_int():
    a = RNG.integers(-20, 20, 8).astype(np.int32)
    b = RNG.choice([-3, -2, 2, 5], 8).astype(np.int32)
    return _binary("FLOOR_MOD", a, b, np.mod(a, b)), [a, b], [np.mod(a, b)]


@case
def greater_equal():
    a, b = _rand(6), _rand(6)
    y = a >= b
    return _binary("GREATER_EQUAL", a, b, y), [a, b], [y]


@case
def logical_or():
    a, b = RNG.random(6) > 0.5, RNG.random(6) > 0.5
    return _binary("LOGICAL_OR", a, b, a | b), [a, b], [a | b]


@case
def select_v2_broadcast():
    c = RNG.random((2, 1)) > 0.5
    a, b = _rand(2, 3), _rand(2, 3)
    y = np.where(c, a, b)
    m = single_op_model("SELECT_V2", [("c", [2, 1], np.bool_), ("a", [2, 3], F32),
                                      ("b", [2, 3], F32)], [("y", [2, 3], F32)])
    return m, [c, a, b], [y]


@case
def tile():
    x = _rand(2, 3)
    y = np.tile(x, (2, 1))
    return _with_consts("TILE", [x], {1: np.array([2, 1], np.int32)}, [y]), [x], [y]


@case
def broadcast_to():
    x = _rand(1, 3)
    y = np.broadcast_to(x, (4, 3)).copy()
    return _with_consts("BROADCAST_TO", [x], {1: np.array([4, 3], np.int32)}, [y], version=2), \
        [x], [y]


@case
def fill():
    y = np.full((2, 3), 7, np.int32)
    m = _with_consts("FILL", [], {0: np.array([2, 3], np.int32), 1: np.array(7, np.int32)}, [y])
    return m, [], [y]


@case
def range_op():
    y = np.arange(2, 11, 3, dtype=np.int32)
    m = _with_consts("RANGE", [], {0: np.array(2, np.int32), 1: np.array(11, np.int32),
                                   2: np.array(3, np.int32)}, [y])
    return m, [], [y]


@case
def reverse_v2():
    x = _rand(3, 4)
    return _with_consts("REVERSE_V2", [x], {1: np.array([1], np.int32)}, [x[:, ::-1]]), [x], \
        [x[:, ::-1].copy()]


@case
def topk_v2():
    x = np.array([[3, 1, 4, 1.5, 5, 9]], F32)
    v = np.array([[9, 5, 4]], F32)
    i = np.array([[5, 4, 2]], np.int32)
    return _with_consts("TOPK_V2", [x], {1: np.array(3, np.int32)}, [v, i]), [x], [v, i]


@case
def scatter_nd():
    idx = np.array([[1], [3]], np.int32)
    upd = np.array([5.0, 7.0], F32)
    y = np.zeros(5, F32)
    y[[1, 3]] = upd
    m = _with_consts("SCATTER_ND", [], {0: idx, 1: upd, 2: np.array([5], np.int32)}, [y])
    return m, [], [y]


@case
def embedding_lookup():
    table = _rand(5, 3)
    ids = np.array([4, 0, 4], np.int32)
    return _with_consts("EMBEDDING_LOOKUP", [ids], {1: table}, [table[ids]]), [ids], [table[ids]]


@case
def add_n():
    a, b, c = _rand(4), _rand(4), _rand(4)
    m = single_op_model("ADD_N", [("a", [4], F32), ("b", [4], F32), ("c", [4], F32)],
                        [("y", [4], F32)])
    return m, [a, b, c], [a + b + c]


@case
def prelu():
    x, alpha = _rand(2, 4), _rand(4, lo=0, hi=0.5)
    y = np.where(x > 0, x, alpha * x).astype(F32)
    return _with_consts("PRELU", [x], {1: alpha}, [y]), [x], [y]


@case
def quantize_dequantize_int8():
    b = ModelBuilder()
    x = b.input("x", [6], F32)
    q = b.tensor("q", [6], np.int8, quant=(0.1, 3))
    y = b.tensor("y", [6], F32)
    b.op("QUANTIZE", [x], [q])
    b.op("DEQUANTIZE", [q], [y])
    b.output(q, y)
    xv = np.array([-1.0, -0.04, 0.0, 0.26, 5.0, 20.0], F32)
    qv = np.clip(np.round(xv / 0.1) + 3, -128, 127).astype(np.int8)
    return b.build(), [xv], [qv, ((qv.astype(F32) - 3) * F32(0.1)).astype(F32)]


@case
def dequantize_per_channel_const():
    w = np.array([[1, -2], [3, 4], [-5, 6]], np.int8)
    scales = [0.5, 0.25, 2.0]
    b = ModelBuilder()
    c = b.const("w", w, quant={"scales": scales, "zero_points": [0, 0, 0], "axis": 0})
    y = b.tensor("y", [3, 2], F32)
    x = b.input("x", [3, 2], F32)
    z = b.tensor("z", [3, 2], F32)
    b.op("DEQUANTIZE", [c], [y])
    b.op("ADD", [y, x], [z])
    b.output(z)
    xv = _rand(3, 2)
    return b.build(), [xv], [w * np.array(scales, F32)[:, None] + xv]


@case
def dequantize_float16_const():
    w = _rand(3, 2).astype(np.float16)
    b = ModelBuilder()
    c = b.const("w", w)
    y = b.tensor("y", [3, 2], F32)
    b.op("DEQUANTIZE", [c], [y])
    b.output(y)
    return b.build(), [], [w.astype(F32)]


@case
def conv2d_int8_per_channel():
    """Per-channel quantized conv (quantized_dimension 0): within one step of float."""
    xf, wf = _rand(1, 5, 5, 2), _rand(3, 3, 3, 2)
    x_scale, x_zp = 1 / 127.5, -1
    xq = np.clip(np.round(xf / x_scale) + x_zp, -128, 127).astype(np.int8)
    w_scales = np.abs(wf).reshape(3, -1).max(1) / 127
    wq = np.round(wf / w_scales[:, None, None, None]).astype(np.int8)
    bias = np.array([10, -20, 30], np.int32)
    ref = np_conv2d((xq.astype(F32) - x_zp) * x_scale,
                    wq.astype(F32) * w_scales[:, None, None, None].astype(F32),
                    bias * (x_scale * w_scales).astype(F32), (1, 1), "VALID")
    y_scale, y_zp = float(np.abs(ref).max() / 100), 5
    b = ModelBuilder()
    x = b.input("x", [1, 5, 5, 2], np.int8, quant=(x_scale, x_zp))
    w = b.const("w", wq, quant={"scales": w_scales.tolist(), "zero_points": [0] * 3, "axis": 0})
    bb = b.const("b", bias, quant={"scales": (x_scale * w_scales).tolist(),
                                   "zero_points": [0] * 3, "axis": 0})
    y = b.tensor("y", [1, 3, 3, 3], np.int8, quant=(y_scale, y_zp))
    b.op("CONV_2D", [x, w, bb], [y], {"padding": "VALID"}, version=3)
    b.output(y)
    yq = np.clip(np.round(ref / y_scale) + y_zp, -128, 127).astype(np.int8)
    return b.build(), [xq], [yq], 1      # integer tolerance of 1 step vs float rounding


@case
def while_loop_subgraphs():
    """WHILE with cond/body subgraph indices: i = 0; while i < 10: i += 3 -> 12."""
    b = ModelBuilder()
    cond = b.subgraph("cond")
    ci = cond.input("i", [], np.int32)
    lim = cond.const("lim", np.array(10, np.int32))
    cb = cond.tensor("c", [], np.bool_)
    cond.op("LESS", [ci, lim], [cb])
    cond.output(cb)
    body = b.subgraph("body")
    bi = body.input("i", [], np.int32)
    three = body.const("three", np.array(3, np.int32))
    bo = body.tensor("o", [], np.int32)
    body.op("ADD", [bi, three], [bo])
    body.output(bo)
    x = b.input("x", [], np.int32)
    y = b.tensor("y", [], np.int32)
    b.op("WHILE", [x], [y], {"cond_subgraph_index": cond.index,
                             "body_subgraph_index": body.index})
    b.output(y)
    return b.build(), [np.array(0, np.int32)], [np.array(12, np.int32)]


@case
def if_subgraphs():
    b = ModelBuilder()
    then_g, else_g = b.subgraph("then"), b.subgraph("else")
    for g, op in ((then_g, "ADD"), (else_g, "MUL")):
        p = g.input("a", [3])
        q = g.input("b", [3])
        r = g.tensor("r", [3])
        g.op(op, [p, q], [r])
        g.output(r)
    c = b.input("c", [], np.bool_)
    a = b.input("a", [3])
    bb = b.input("b", [3])
    y = b.tensor("y", [3])
    b.op("IF", [c, a, bb], [y], {"then_subgraph_index": then_g.index,
                                 "else_subgraph_index": else_g.index})
    b.output(y)
    av, bv = _rand(3), _rand(3)
    return b.build(), [np.array(False), av, bv], [av * bv]


@case
def resource_variable_call_once():
    """VAR_HANDLE (string options), ASSIGN_VARIABLE in a CALL_ONCE init subgraph,
    READ_VARIABLE in main."""
    b = ModelBuilder()
    init = b.subgraph("init")
    h = init.tensor("h", [], "RESOURCE")
    v = init.const("v", np.array([1.5, -2.0], F32))
    init.op("VAR_HANDLE", [], [h], {"container": "", "shared_name": "var0"})
    init.op("ASSIGN_VARIABLE", [h, v], [])
    x = b.input("x", [2], F32)
    hm = b.tensor("h", [], "RESOURCE")
    r = b.tensor("r", [2], F32)
    y = b.tensor("y", [2], F32)
    b.op("CALL_ONCE", [], [], {"init_subgraph_index": init.index})
    b.op("VAR_HANDLE", [], [hm], {"shared_name": "var0"})
    b.op("READ_VARIABLE", [hm], [r])
    b.op("ADD", [r, x], [y])
    b.output(y)
    xv = _rand(2)
    return b.build(), [xv], [xv + np.array([1.5, -2.0], F32)]


@case
def rnn_with_variable_state():
    """UNIDIRECTIONAL_SEQUENCE_RNN: a variable tensor (hidden state) and SequenceRNNOptions."""
    B, T, I, U = 2, 3, 4, 5
    x, W, R, bias = _rand(B, T, I), _rand(U, I), _rand(U, U), _rand(U)
    h = np.zeros((B, U), np.float64)
    ys = []
    for t in range(T):
        h = np.tanh(x[:, t] @ W.T + h @ R.T + bias)
        ys.append(h)
    y = np.stack(ys, 1).astype(F32)
    b = ModelBuilder()
    xi = b.input("x", [B, T, I])
    state = b.variable("h", [B, U])
    out = b.tensor("y", [B, T, U])
    b.op("UNIDIRECTIONAL_SEQUENCE_RNN",
         [xi, b.const("W", W), b.const("R", R), b.const("b", bias), state], [out],
         {"time_major": False, "fused_activation_function": "TANH"})
    b.output(out)
    return b.build(), [x], [y]


@case
def densify_sparse_const():
    dense = np.array([[0, 1.5, 0, 0], [0, 0, 0, 0], [2.0, 0, 0, -3.0]], F32)
    vals, sp = csr_sparsity(dense)
    b = ModelBuilder()
    c = b.const("w", vals, shape=dense.shape, sparsity=sp)
    y = b.tensor("y", list(dense.shape))
    b.op("DENSIFY", [c], [y])
    b.output(y)
    return b.build(), [], [dense]


@case
def int4_weights_dequantize_fc():
    """FULLY_CONNECTED with packed int4 per-channel weights (dynamic dequantization path)."""
    wq = RNG.integers(-7, 8, size=(3, 6)).astype(np.int8)
    scales = [0.1, 0.2, 0.05]
    x = _rand(2, 6)
    b = ModelBuilder()
    xi = b.input("x", [2, 6])
    w = b.const("w", wq, dtype="int4", quant={"scales": scales, "zero_points": [0] * 3,
                                              "axis": 0})
    wd = b.tensor("wd", [3, 6])
    y = b.tensor("y", [2, 3])
    b.op("DEQUANTIZE", [w], [wd], version=6)
    b.op("FULLY_CONNECTED", [xi, wd, -1], [y])
    b.output(y)
    wf = wq.astype(F32) * np.array(scales, F32)[:, None]
    return b.build(), [x], [x @ wf.T]


@case
def conv3d_strides():
    """CONV_3D: filter [kd, kh, kw, in, out]; distinct strides per axis (d=2, h=1, w=2)."""
    x, w, bias = _rand(1, 5, 3, 5, 2), _rand(2, 1, 2, 2, 3), _rand(3)
    od, oh, ow = (5 - 2) // 2 + 1, 3, (5 - 2) // 2 + 1
    y = np.zeros((1, od, oh, ow, 3), np.float64)
    for d in range(od):
        for h in range(oh):
            for c in range(ow):
                patch = x[0, 2 * d:2 * d + 2, h:h + 1, 2 * c:2 * c + 2]     # [2, 1, 2, in]
                y[0, d, h, c] = np.einsum("dhwi,dhwio->o", patch, w) + bias
    y = y.astype(F32)
    m = _with_consts("CONV_3D", [x], {1: w, 2: bias}, [y],
                     {"padding": "VALID", "stride_d": 2, "stride_h": 1, "stride_w": 2})
    return m, [x], [y]


@case
def gather_string_const():
    """A STRING constant (count, offsets, bytes layout) read by GATHER."""
    table = np.array([b"alpha", b"", b"gamma delta"], dtype=object)
    b = ModelBuilder()
    t = b.const("table", table)
    i = b.input("i", [2], np.int32)
    y = b.tensor("y", [2], "string")
    b.op("GATHER", [t, i], [y])
    b.output(y)
    return b.build(), [np.array([2, 0], np.int32)], [table[[2, 0]]]


@needs_litert
@pytest.mark.parametrize("name", sorted(CASES))
def test_one_op_model_runs_in_litert_ref(name):
    out = CASES[name]()
    model, inputs, expected = out[:3]
    int_tol = out[3] if len(out) > 3 else 0
    try:
        got = oracle.run_ref(model, inputs)
    except ValueError as e:   # op missing from LiteRT's reference resolver (e.g. ELU)
        if "Didn't find op" not in str(e):
            raise
        got = oracle.run_ref(model, inputs, resolver="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape, (g.shape, e.shape)
        assert g.dtype == e.dtype, (g.dtype, e.dtype)
        if e.dtype.kind == "f":
            np.testing.assert_allclose(g, e, rtol=2e-5, atol=2e-5)
        elif int_tol:
            assert np.abs(g.astype(np.int64) - e).max() <= int_tol
        else:
            np.testing.assert_array_equal(g, e)


def test_case_count():
    assert len(CASES) >= 60
