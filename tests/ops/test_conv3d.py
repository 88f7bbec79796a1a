"""CONV_3D (float32) against LiteRT's reference kernel (BUILTIN_REF): strides, dilations,
SAME/VALID, bias or not, fused activations, batch > 1, size-1 dimensions, threads, errors."""
import numpy as np
import pytest

from tests.oracle import check, rt_interpreter
from tests.tflite_builder import ModelBuilder

# (n, d, h, w, cin, cout, kd, kh, kw, sd, sh, sw, dd, dh, dw, padding)
GEOMETRIES = [
    (1, 4, 5, 6, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, "SAME"),
    (1, 4, 5, 6, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, "VALID"),
    (2, 5, 4, 4, 2, 3, 2, 3, 2, 2, 1, 2, 1, 1, 1, "SAME"),
    (1, 6, 6, 5, 1, 4, 3, 2, 3, 2, 2, 1, 1, 1, 1, "VALID"),
    (1, 7, 6, 6, 2, 2, 2, 2, 2, 1, 1, 1, 2, 3, 2, "SAME"),
    (1, 1, 1, 1, 5, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "VALID"),
    (1, 3, 7, 2, 4, 1, 1, 3, 1, 3, 2, 1, 1, 1, 1, "SAME"),
]
G_IDS = ["g%d" % i for i in range(len(GEOMETRIES))]


def conv3d_model(g, filt, bias=None, act="NONE", version=1):
    n, d, h, w, cin, cout, kd, kh, kw, sd, sh, sw, dd, dh, dw, padding = g
    b = ModelBuilder()
    x = b.input("x", [n, d, h, w, cin], np.float32)
    ins = [x, b.const("filter", filt)]
    if bias is not None:
        ins.append(b.const("bias", bias))
    y = b.tensor("y", [1], np.float32)
    b.op("CONV_3D", ins, [y], options={
        "padding": padding, "stride_d": sd, "stride_h": sh, "stride_w": sw,
        "dilation_d_factor": dd, "dilation_h_factor": dh, "dilation_w_factor": dw,
        "fused_activation_function": act}, version=version)
    b.output(y)
    return b.build()


@pytest.mark.parametrize("act", ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("g", GEOMETRIES, ids=G_IDS)
def test_conv3d(g, with_bias, act):
    rng = np.random.default_rng(sum(g[:15]))
    n, d, h, w, cin, cout, kd, kh, kw = g[:9]
    filt = rng.uniform(-1, 1, (kd, kh, kw, cin, cout)).astype(np.float32)
    bias = rng.uniform(-1, 1, cout).astype(np.float32) if with_bias else None
    x = rng.uniform(-2, 2, (n, d, h, w, cin)).astype(np.float32)
    check(conv3d_model(g, filt, bias, act), [x])


@pytest.mark.parametrize("threads", [2, 3])
def test_conv3d_threads(threads):
    g = (2, 5, 4, 4, 2, 3, 2, 3, 2, 2, 1, 2, 1, 1, 1, "SAME")
    rng = np.random.default_rng(1)
    filt = rng.uniform(-1, 1, (2, 3, 2, 2, 3)).astype(np.float32)
    x = rng.uniform(-2, 2, (2, 5, 4, 4, 2)).astype(np.float32)
    check(conv3d_model(g, filt), [x], num_threads=threads)


def test_conv3d_errors():
    g = (1, 4, 5, 6, 3, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, "SAME")
    rng = np.random.default_rng(0)
    for filt, what in ((rng.uniform(-1, 1, (3, 3, 3, 4, 2)).astype(np.float32), "channels"),
                       (rng.uniform(-1, 1, (3, 3, 3, 2)).astype(np.float32), "5-D")):
        with pytest.raises((RuntimeError, ValueError)) as e:
            it = rt_interpreter(model_content=conv3d_model(g, filt))
            it.allocate_tensors()
        assert what in str(e.value)
    bad = list(g)
    bad[9] = 0  # stride_d
    with pytest.raises((RuntimeError, ValueError)) as e:
        filt = rng.uniform(-1, 1, (3, 3, 3, 3, 2)).astype(np.float32)
        it = rt_interpreter(model_content=conv3d_model(tuple(bad), filt))
        it.allocate_tensors()
    assert "stride" in str(e.value)
