"""What the CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV op tests share: float64 numpy
references, the quantization of random test operands, one-op model assembly, and the checks
every kernel family gets (threads, absent bias, prepare errors)."""
import itertools

import numpy as np
import pytest

from tests import tolerances
from tests.oracle import check, compare_all, rt_interpreter, run_ref, run_rt
from tests.tflite_builder import ModelBuilder

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
QRANGE = {np.int8: (-128, 127), np.uint8: (0, 255), np.int16: (-32768, 32767)}
ACT_DTYPE = {"qs8": np.int8, "qs8_pt": np.int8, "qs8_int4": np.int8, "qs16": np.int16,
             "qs16_b32": np.int16, "qu8": np.uint8}
PER_TENSOR_MODES = ("qu8", "qs8_pt")  # one filter scale (and one bias scale, as converters write)


# ---- numpy references ------------------------------------------------------------------------

def window(n, k, stride, dilation, padding):
    """TFLite's output size and leading padding for one dimension."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = (n + stride - 1) // stride
    else:
        out = int((n + stride - eff) / stride)  # C division truncates toward zero
    pad = max((out - 1) * stride + eff - n, 0) // 2
    return out, pad


def np_conv(x, w, b, stride, dilation, padding, act="NONE"):
    """Float64 grouped NHWC convolution with TFLite's padding; w is [O, KH, KW, C/groups]."""
    n, h, wd, c = x.shape
    o, kh, kw, fc = w.shape
    groups = c // fc
    (sh, sw), (dh, dw) = stride, dilation
    oh, ph = window(h, kh, sh, dh, padding)
    ow, pw = window(wd, kw, sw, dw, padding)
    y = np.zeros((n, oh, ow, o))
    wg = w.reshape(groups, o // groups, kh, kw, fc).astype(np.float64)
    for oy in range(oh):
        for ox in range(ow):
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                if not 0 <= iy < h:
                    continue
                for kx in range(kw):
                    ix = ox * sw - pw + kx * dw
                    if not 0 <= ix < wd:
                        continue
                    patch = x[:, iy, ix, :].reshape(n, groups, fc).astype(np.float64)
                    y[:, oy, ox, :] += np.einsum("ngf,gof->ngo", patch,
                                                 wg[:, :, ky, kx, :]).reshape(n, o)
    if b is not None:
        y += b
    lo, hi = {"NONE": (-np.inf, np.inf), "RELU": (0, np.inf), "RELU6": (0, 6),
              "RELU_N1_TO_1": (-1, 1)}[act]
    return np.clip(y, lo, hi)


def np_depthwise(x, w, b, stride, dilation, padding, act="NONE"):
    """Float64 NHWC depthwise convolution; w is [1, KH, KW, C * multiplier]: the grouped
    convolution with one group per input channel (output channel c * multiplier + m)."""
    return np_conv(x, np.transpose(w, (3, 1, 2, 0)), b, stride, dilation, padding, act)


# ---- quantized operands ----------------------------------------------------------------------

def per_channel_quant(w, axis, bits=8):
    """Symmetric per-channel quantization along `axis`: (q, scales)."""
    qmax = 2 ** (bits - 1) - 1
    red = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.max(np.abs(w), axis=red)
    scales = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scales.reshape(shape)), -qmax, qmax).astype(np.int8)
    return q, scales


def channel_quant(scales, axis):
    """Builder quantization parameters: one scale per channel along `axis`, zero points 0."""
    return {"scales": np.asarray(scales).tolist(), "zero_points": [0] * len(scales), "axis": axis}


def out_quant(y, dtype):
    """An output scale/zero point covering most of y's range (some values saturate)."""
    lo, hi = QRANGE[dtype]
    if y.size == 0:  # empty output (VALID padding with a window larger than the input)
        return 1.0, 0
    if dtype == np.int16:
        return float(max(np.abs(y).max(), 1e-3) / 30000.0), 0
    span = max(float(y.max() - y.min()), 1e-3)
    scale = span / (hi - lo) * 0.9
    zp = int(np.clip(round(lo - y.min() / scale) + 5, lo, hi))
    return scale, zp


def quant_filter(mode, wf, axis):
    """Filter of a quantized mode: (data, real values, one scale per channel, builder quant).
    qu8: asymmetric uint8; qs8_pt: one int8 scale; otherwise per channel along `axis` (int4
    values for qs8_int4)."""
    cout = wf.shape[axis]
    if mode == "qu8":
        w_zp = 121
        s = max(float(wf.max() - wf.min()), float(np.abs(wf).max())) / 255
        wq = np.clip(np.round(wf / s) + w_zp, 0, 255).astype(np.uint8)
        return wq, (wq.astype(np.float64) - w_zp) * s, np.full(cout, s), (s, w_zp)
    if mode == "qs8_pt":
        s = float(np.abs(wf).max() / 127)
        wq = np.clip(np.round(wf / s), -127, 127).astype(np.int8)
        return wq, wq * s, np.full(cout, s), (s, 0)
    wq, scales = per_channel_quant(wf, axis, 4 if mode == "qs8_int4" else 8)
    shape = [1] * wf.ndim
    shape[axis] = -1
    return wq, wq * scales.reshape(shape).astype(np.float64), scales, channel_quant(scales, axis)


def quant_operands(rng, mode, x_shape, wf, bf, axis, bias, reference):
    """Random quantized input, filter (per-channel along `axis`) and bias of a quantized mode,
    with an output quantization fitted to reference(x_real, w_real, b_real). Returns the input
    and the keyword arguments of one_op_model."""
    dtype = ACT_DTYPE[mode]
    if dtype == np.int16:
        in_scale, in_zp = 1.0 / 8192, 0
        xq = rng.integers(-20000, 20000, x_shape, endpoint=True).astype(np.int16)
    elif dtype == np.uint8:
        in_scale, in_zp = 0.02, 131
        xq = rng.integers(0, 255, x_shape, endpoint=True).astype(np.uint8)
    else:
        in_scale, in_zp = 0.02, -7
        xq = rng.integers(-128, 127, x_shape, endpoint=True).astype(np.int8)
    x_real = (xq.astype(np.float64) - in_zp) * in_scale
    wq, w_real, w_scales, w_quant = quant_filter(mode, wf, axis)
    bias_scales = in_scale * np.asarray(w_scales, dtype=np.float64)
    bq = np.round(bf / bias_scales).astype(np.int64 if mode == "qs16" else np.int32)
    y = reference(x_real, w_real, bq * bias_scales if bias else None)
    if mode in PER_TENSOR_MODES:
        b_quant = (float(bias_scales[0]), 0)
    else:
        b_quant = channel_quant(bias_scales.astype(np.float32), 0)
    return xq, dict(dtype=dtype, w=wq, b=bq if bias else None, x_quant=(in_scale, in_zp),
                    w_quant=w_quant, b_quant=b_quant, y_quant=out_quant(y, dtype))


# ---- models ----------------------------------------------------------------------------------

def conv_options(padding, stride, dilation, act, **extra):
    return {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dilation[0], "dilation_w_factor": dilation[1],
            "fused_activation_function": act, **extra}


def one_op_model(op, x_shape, cout, opts, version, dtype=np.float32, w=None, b=None,
                 x_quant=None, w_quant=None, b_quant=None, y_quant=None, w_dtype=None):
    """A one-op CONV_2D/DEPTHWISE_CONV_2D model: input x, constant filter w, optional constant
    bias b (None: the node has two inputs), output y [N, ?, ?, cout]."""
    mb = ModelBuilder()
    ins = [mb.input("x", list(x_shape), dtype, quant=x_quant),
           mb.const("w", w, dtype=w_dtype, quant=w_quant)]
    if b is not None:
        ins.append(mb.const("b", b, quant=b_quant))
    y = mb.tensor("y", [x_shape[0], 0, 0, cout], dtype, quant=y_quant)
    mb.op(op, ins, [y], options=opts, version=version)
    mb.output(y)
    return mb.build()


def random_weights(rng, w_shape, channel_axis, bias):
    """Float filter (channel magnitudes differ) and bias; bias="zero" gives an all-zero bias."""
    wf = rng.uniform(-1, 1, w_shape).astype(np.float32)
    scale_shape = [1] * len(w_shape)
    scale_shape[channel_axis] = w_shape[channel_axis]
    wf *= rng.uniform(0.2, 2.0, scale_shape).astype(np.float32)
    bf = rng.uniform(-1, 1, w_shape[channel_axis]).astype(np.float32)
    if bias == "zero":
        bf[:] = 0
    return wf, bf


def tol_for(mode):
    return tolerances.HYBRID if mode.startswith("hybrid") else tolerances.FLOAT32


def geometry_id(g):
    """Test id of a (n, h, w, cin, c, kh, kw, stride, dilation, padding) geometry."""
    return "x".join(map(str, g[:7])) + f"_s{g[7][0]}{g[7][1]}_d{g[8][0]}{g[8][1]}_{g[9]}"


def run_sweep(seed, shapes, kernels, strides, dilations, run_one):
    """Slow sweeps: calls run_one(rng, index, (h, w), (kh, kw), stride, dilation, padding) for
    every combination with SAME and VALID padding, leaving out VALID windows larger than the
    input by a stride or more (an error, not an empty output)."""
    rng = np.random.default_rng(seed)
    ran = 0
    for (h, w), (kh, kw), stride, dilation, padding in itertools.product(
            shapes, kernels, strides, dilations, ["SAME", "VALID"]):
        if padding == "VALID" and ((kh - 1) * dilation[0] + 1 > h + stride[0] - 1 or
                                   (kw - 1) * dilation[1] + 1 > w + stride[1] - 1):
            continue
        run_one(rng, ran, (h, w), (kh, kw), stride, dilation, padding)
        ran += 1
    assert ran > 50


# ---- checks ----------------------------------------------------------------------------------

def check_threads(model, inputs, expected, tol, threads):
    """Bit-identical with one thread, and matching the oracle with `threads`."""
    one = run_rt(model, inputs, num_threads=1)
    many = run_rt(model, inputs, num_threads=threads)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)
    check(model, inputs, expected=expected, tol=tol, num_threads=threads)


def check_without_bias(case, mode, **kw):
    """TFLite's kernels insist on a bias; tflite_rt accepts its absence (a zero bias). Compare
    with the oracle running the same model given an explicit all-zero bias."""
    model_nb, inputs, _ = case(mode, bias=False, **kw)
    model_zb, _, _ = case(mode, bias="zero", **kw)
    compare_all(run_rt(model_nb, inputs), run_ref(model_zb, inputs), tol_for(mode),
                source="oracle with a zero bias")


def prepare_error(model, op, match=None):
    """Creating or allocating the interpreter fails with a message naming the op (and matching
    `match`); returns the message."""
    with pytest.raises((RuntimeError, ValueError), match=match) as e:
        rt_interpreter(model_content=model).allocate_tensors()
    assert op in str(e.value)
    return str(e.value)
