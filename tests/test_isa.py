"""Every kernel ISA path against the reference kernels of tflite_rt itself.

The kernel table of an interpreter is filled with the reference kernels, then each ISA this
CPU has, up to a cap, plugs over the slots it implements (csrc/kernels/isa_plugs.h). Here each
available ISA (ref, avx2, avx512 on x86-64; the cap comes from TFLITE_RT_ISA or the native
isa_cap argument) runs one-op models over tile-boundary shapes, and the results are compared
with the same model under OpResolverType.BUILTIN_REF (which forces the reference kernels):

- bit-identical for every kernel plugged by default: they keep the reference's operations and
  order (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, BATCH_MATMUL, TRANSPOSE_CONV, elementwise
  arithmetic, RELU family, LEAKY_RELU, HARD_SWISH, pooling, reductions), whatever the thread
  split;
- within tests/tolerances.py FLOAT32 for the approximate ones (LOGISTIC, TANH, GELU, SOFTMAX,
  plugged with TFLITE_RT_FAST_F32=1).

Shapes straddle the register tiles of both x86 ISAs: vectors of 8 (AVX2) and 16 (AVX-512)
floats, conv/GEMM tiles of 6x16 / 8x32 (pixels x channels) and 1-row tiles, depthwise
groups of 8 and 4 pixels. An ISA the CPU lacks is skipped with the reason.

The corpus fp32 models (../shared/models, when present) run under every ISA against their
goldens. On a CPU without AVX-512, test_templates_16_lanes still checks the AVX-512 tiling
logic: it compiles the shared kernel templates with 16-lane vectors emulated on AVX2 and runs
them, with guard pages after every buffer, against the reference kernels (needs gcc). With
qemu-user installed, test_default_isa_under_qemu runs models on emulated Haswell (AVX2, no
AVX-512) and Nehalem (no AVX) CPUs with the default ISA selection.
No timings here: see bench/ and `tflite-rt bench`.
"""
import contextlib
import functools
import itertools
import os
import platform
import shutil
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

from tests import oracle, tolerances
from tests.tflite_builder import ModelBuilder

pytestmark = pytest.mark.skipif(oracle.impl_name() != "tflite_rt",
                                reason="ISA paths are a tflite_rt feature")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared"))
X86 = platform.machine().lower() in ("x86_64", "amd64")
ISAS = ["ref", "avx2", "avx512"] if X86 else ["ref"]
ISA_CAP = {"ref": 0, "avx2": 1, "avx512": 2}


@pytest.fixture(autouse=True)
def fast_f32(monkeypatch):
    """The approximate float32 kernels (LOGISTIC, TANH, GELU, SOFTMAX) are opt-in
    (csrc/kernels/isa_plugs.h): turn them on here, so these tests exercise them too;
    subprocesses inherit the variable."""
    monkeypatch.setenv("TFLITE_RT_FAST_F32", "1")


# ---- running one model under one ISA ---------------------------------------------------------

@contextlib.contextmanager
def isa_env(isa):
    old = os.environ.get("TFLITE_RT_ISA")
    os.environ["TFLITE_RT_ISA"] = isa
    try:
        yield
    finally:
        if old is None:
            del os.environ["TFLITE_RT_ISA"]
        else:
            os.environ["TFLITE_RT_ISA"] = old


@functools.lru_cache(maxsize=None)
def _best_isa():
    import tflite_rt
    data = one_op_model("RELU", [4])
    with isa_env("avx512"):
        return tflite_rt.Interpreter(model_content=data).kernel_isa


def need(isa):
    """Skip unless this CPU runs `isa`."""
    best = _best_isa()
    if best not in ISAS or ISAS.index(isa) > ISAS.index(best):
        pytest.skip(f"this CPU has no {isa} (best available: {best})")


def run(data, inputs, isa, num_threads=1):
    """Outputs of tflite_rt with kernels capped at `isa` (which must be available)."""
    import tflite_rt
    with isa_env(isa):
        it = tflite_rt.Interpreter(model_content=data, num_threads=num_threads)
    assert it.kernel_isa == isa
    return oracle._run(it, inputs)


def run_builtin_ref(data, inputs):
    import tflite_rt
    it = tflite_rt.Interpreter(model_content=data,
                               experimental_op_resolver_type=tflite_rt.OpResolverType.BUILTIN_REF)
    assert it.kernel_isa == "ref"
    return oracle._run(it, inputs)


def check_isa(isa, data, inputs, exact=False, num_threads=1):
    need(isa)
    got = run(data, inputs, isa, num_threads)
    ref = run_builtin_ref(data, inputs)
    assert len(got) == len(ref)
    for i, (g, r) in enumerate(zip(got, ref)):
        if exact:
            np.testing.assert_array_equal(g, r, err_msg=f"output {i} under {isa}: not bit-identical")
        else:
            oracle.compare(g, r, tolerances.FLOAT32, what=f"output {i} under {isa} vs BUILTIN_REF")


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# ---- model builders --------------------------------------------------------------------------

def one_op_model(op, shape, options=None):
    b = ModelBuilder()
    x = b.input("x", list(shape), np.float32)
    y = b.tensor("y", list(shape), np.float32)
    b.op(op, [x], [y], options=options)
    b.output(y)
    return b.build()


def out_size(n, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    return (n + stride - 1) // stride if padding == "SAME" else (n - eff) // stride + 1


def conv_model(rng, batch, h, w, cin, cout, kh, kw, stride, dil, padding, act, groups=1, bias=True):
    b = ModelBuilder()
    oh, ow = out_size(h, kh, stride[0], dil[0], padding), out_size(w, kw, stride[1], dil[1], padding)
    x = b.input("x", [batch, h, w, cin], np.float32)
    f = b.const("f", rng.standard_normal((cout, kh, kw, cin // groups)).astype(np.float32))
    ins = [x, f]
    if bias:
        ins.append(b.const("b", rng.standard_normal(cout).astype(np.float32)))
    y = b.tensor("y", [batch, oh, ow, cout], np.float32)
    b.op("CONV_2D", ins, [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                                "dilation_h_factor": dil[0], "dilation_w_factor": dil[1],
                                "fused_activation_function": act})
    b.output(y)
    return b.build(), [rng.standard_normal((batch, h, w, cin)).astype(np.float32)]


def dw_model(rng, batch, h, w, cin, mult, kh, kw, stride, dil, padding, act, bias=True):
    b = ModelBuilder()
    cout = cin * mult
    oh, ow = out_size(h, kh, stride[0], dil[0], padding), out_size(w, kw, stride[1], dil[1], padding)
    x = b.input("x", [batch, h, w, cin], np.float32)
    f = b.const("f", rng.standard_normal((1, kh, kw, cout)).astype(np.float32))
    ins = [x, f]
    if bias:
        ins.append(b.const("b", rng.standard_normal(cout).astype(np.float32)))
    y = b.tensor("y", [batch, oh, ow, cout], np.float32)
    b.op("DEPTHWISE_CONV_2D", ins, [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                                          "dilation_h_factor": dil[0], "dilation_w_factor": dil[1],
                                          "depth_multiplier": mult, "fused_activation_function": act},
         version=2)
    b.output(y)
    return b.build(), [rng.standard_normal((batch, h, w, cin)).astype(np.float32)]


# ---- ISA selection -----------------------------------------------------------------------------

@pytest.mark.parametrize("isa", ISAS)
def test_kernel_isa_reports_the_cap(isa):
    need(isa)
    import tflite_rt
    from tflite_rt import _native
    data = one_op_model("RELU", [4])
    with isa_env(isa):
        assert tflite_rt.Interpreter(model_content=data).kernel_isa == isa
    # the native constructor's cap, with no environment cap
    old = os.environ.pop("TFLITE_RT_ISA", None)
    try:
        native = _native.NativeInterpreter(_native.NativeModel.from_bytes(data), isa_cap=ISA_CAP[isa])
        assert native.isa() == isa
    finally:
        if old is not None:
            os.environ["TFLITE_RT_ISA"] = old
    # BUILTIN_REF always runs the reference kernels
    with isa_env(isa):
        it = tflite_rt.Interpreter(model_content=data,
                                   experimental_op_resolver_type=tflite_rt.OpResolverType.BUILTIN_REF)
    assert it.kernel_isa == "ref"


@pytest.mark.parametrize("isa", ISAS)
def test_approximate_kernels_are_opt_in(isa, monkeypatch):
    """Without TFLITE_RT_FAST_F32=1 only bit-identical float32 kernels are plugged: LOGISTIC then
    runs the reference, while CONV_2D (SIMD) is bit-identical anyway."""
    need(isa)
    monkeypatch.delenv("TFLITE_RT_FAST_F32", raising=False)
    x = np.linspace(-12, 12, 1001, dtype=np.float32)
    data = one_op_model("LOGISTIC", [x.size])
    np.testing.assert_array_equal(run(data, [x], isa)[0], run_builtin_ref(data, [x])[0])
    data, inputs = conv_model(rng_for("optin"), 1, 6, 9, 5, 20, 3, 3, (1, 1), (1, 1), "SAME", "RELU6")
    np.testing.assert_array_equal(run(data, inputs, isa)[0], run_builtin_ref(data, inputs)[0])


# ---- CONV_2D -----------------------------------------------------------------------------------

# (batch, h, w, cin, cout, kh, kw, stride, dilation, padding, act, groups, bias)
CONV_CASES = (
    # 1x1 convolutions (GEMM): pixel counts and channel counts around both tiles
    [(1, 1, w, cin, cout, 1, 1, (1, 1), (1, 1), "VALID", "NONE", 1, True)
     for w, cin, cout in [(1, 1, 1), (5, 3, 7), (6, 8, 8), (7, 9, 9), (8, 16, 15), (9, 17, 16), (12, 5, 17),
                          (13, 7, 24), (16, 33, 31), (17, 2, 32), (3, 40, 33), (11, 16, 48), (4, 64, 65),
                          (2, 96, 160)]]
    + [(2, 3, 5, 8, 20, 1, 1, (1, 1), (1, 1), "SAME", "RELU6", 1, False),
       (1, 7, 7, 24, 40, 1, 1, (2, 2), (1, 1), "VALID", "RELU", 1, True)]
    # spatial filters: padding, strides, dilations, odd sizes
    + [(1, h, w, cin, cout, k[0], k[1], s, d, pad, act, 1, True)
       for (h, w, cin, cout, k, s, d, pad, act) in [
           (5, 5, 3, 16, (3, 3), (1, 1), (1, 1), "SAME", "NONE"),
           (9, 9, 3, 32, (3, 3), (2, 2), (1, 1), "SAME", "RELU6"),
           (8, 11, 4, 9, (3, 3), (1, 2), (1, 1), "VALID", "NONE"),
           (7, 6, 5, 17, (5, 5), (1, 1), (2, 2), "SAME", "RELU_N1_TO_1"),
           (6, 13, 2, 33, (1, 7), (1, 1), (1, 1), "SAME", "NONE"),
           (13, 3, 6, 8, (7, 1), (3, 1), (1, 1), "SAME", "RELU"),
           (4, 4, 16, 24, (3, 3), (1, 1), (1, 1), "SAME", "NONE"),
           (3, 17, 7, 1, (2, 2), (2, 2), (1, 1), "VALID", "NONE"),
           (10, 10, 1, 6, (4, 4), (3, 3), (2, 1), "SAME", "NONE"),
           (2, 2, 3, 5, (5, 5), (1, 1), (1, 1), "SAME", "NONE"),
       ]]
    # grouped convolutions
    + [(1, 5, 6, 8, 16, 3, 3, (1, 1), (1, 1), "SAME", "NONE", 2, True),
       (2, 4, 4, 12, 9, 1, 1, (1, 1), (1, 1), "VALID", "RELU", 3, False),
       (1, 6, 7, 6, 40, 3, 3, (2, 2), (1, 1), "SAME", "NONE", 2, True)]
)


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "b{}_{}x{}x{}_o{}_k{}x{}_s{}_d{}_{}_{}_g{}{}".format(
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], "".join(map(str, c[7])), "".join(map(str, c[8])), c[9], c[10],
    c[11], "" if c[12] else "_nobias"))
@pytest.mark.parametrize("isa", ISAS)
def test_conv2d(isa, case):
    batch, h, w, cin, cout, kh, kw, stride, dil, padding, act, groups, bias = case
    data, inputs = conv_model(rng_for("conv", case), batch, h, w, cin, cout, kh, kw, stride, dil, padding, act,
                              groups, bias)
    check_isa(isa, data, inputs, exact=True)


@pytest.mark.parametrize("isa", ISAS)
def test_conv2d_nonconstant_filter(isa):
    """A filter computed at run time is not packed: the unpacked slot runs."""
    rng = rng_for("conv-dyn")
    b = ModelBuilder()
    x = b.input("x", [1, 6, 7, 5], np.float32)
    f = b.input("f", [9, 3, 3, 5], np.float32)
    y = b.tensor("y", [1, 6, 7, 9], np.float32)
    b.op("CONV_2D", [x, f], [y], {"padding": "SAME"})
    b.output(y)
    check_isa(isa, b.build(), [rng.standard_normal((1, 6, 7, 5)).astype(np.float32),
                               rng.standard_normal((9, 3, 3, 5)).astype(np.float32)])


@pytest.mark.parametrize("isa", ISAS)
def test_conv2d_special_values(isa):
    """NaN and infinities flow through the tiles as in the reference (NaN passes the clamp)."""
    rng = rng_for("conv-nan")
    data, (x,) = conv_model(rng, 1, 4, 9, 5, 19, 3, 3, (1, 1), (1, 1), "SAME", "RELU6")
    x[0, 1, 2, 3] = np.nan
    x[0, 3, 8, 0] = np.inf
    x[0, 2, 5, 1] = 1e-40  # a denormal
    check_isa(isa, data, [x], exact=True)


@pytest.mark.parametrize("isa", ISAS)
def test_conv2d_nonfinite_filter(isa):
    """A padding tap adds nothing in the reference, even when its weight is infinite."""
    rng = rng_for("conv-inf")
    b = ModelBuilder()
    x = b.input("x", [1, 5, 7, 3], np.float32)
    w = rng.standard_normal((10, 3, 3, 3)).astype(np.float32)
    w[2, 0, 1, 1] = np.inf
    w[7, 2, 2, 0] = np.nan
    f = b.const("f", w)
    y = b.tensor("y", [1, 5, 7, 10], np.float32)
    b.op("CONV_2D", [x, f], [y], {"padding": "SAME"})
    b.output(y)
    check_isa(isa, b.build(), [rng.standard_normal((1, 5, 7, 3)).astype(np.float32)], exact=True)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("isa", ISAS)
def test_conv2d_threads(isa, threads):
    """Row ranges split across threads start and end inside pixel tiles."""
    data, inputs = conv_model(rng_for("conv-mt"), 2, 7, 5, 12, 37, 3, 3, (1, 1), (1, 1), "SAME", "NONE")
    check_isa(isa, data, inputs, exact=True, num_threads=threads)


@pytest.mark.parametrize("isa", ISAS)
def test_results_do_not_depend_on_threads(isa):
    """Each output element is summed in the same order whatever the row/column ranges the
    thread pool gives a kernel: outputs are bit-identical for 1, 2 and 3 threads."""
    need(isa)
    rng = rng_for("threads-exact")
    models = [conv_model(rng, 2, 9, 7, 6, 37, 3, 3, (1, 1), (1, 1), "SAME", "RELU6"),
              conv_model(rng, 1, 11, 5, 16, 24, 1, 1, (1, 1), (1, 1), "VALID", "NONE"),
              dw_model(rng, 2, 9, 13, 37, 1, 3, 3, (2, 1), (1, 1), "SAME", "NONE"),
              fc_model(rng, 13, 40, 33), fc_model(rng, 2, 40, 200), fc_model(rng, 7, 3000, 20)]
    for data, inputs in models:
        outs = [run(data, inputs, isa, num_threads=t) for t in (1, 2, 3)]
        for other in outs[1:]:
            for a, b in zip(outs[0], other):
                np.testing.assert_array_equal(a, b)


# ---- DEPTHWISE_CONV_2D -----------------------------------------------------------------------

# (batch, h, w, cin, mult, kh, kw, stride, dilation, padding, act, bias)
DW_CASES = (
    [(1, 5, 6, c, 1, 3, 3, (1, 1), (1, 1), "SAME", "NONE", True)
     for c in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 70]]
    + [(2, 9, 8, 24, 1, 3, 3, (2, 2), (1, 1), "SAME", "RELU6", True),
       (1, 7, 7, 40, 1, 5, 5, (1, 1), (1, 1), "SAME", "NONE", False),
       (1, 9, 11, 18, 1, 5, 5, (2, 2), (1, 1), "SAME", "RELU", True),
       (1, 8, 8, 33, 1, 3, 3, (1, 1), (2, 2), "SAME", "NONE", True),
       (1, 6, 10, 20, 1, 3, 3, (1, 1), (1, 1), "VALID", "NONE", True),
       (1, 3, 17, 66, 1, 1, 7, (1, 3), (1, 1), "SAME", "RELU_N1_TO_1", True),
       (1, 5, 5, 12, 2, 3, 3, (1, 1), (1, 1), "SAME", "NONE", True),  # depth multiplier 2
       (1, 4, 4, 5, 3, 2, 2, (1, 1), (1, 1), "VALID", "NONE", True)]
)


@pytest.mark.parametrize("case", DW_CASES, ids=lambda c: "b{}_{}x{}x{}_m{}_k{}x{}_s{}_d{}_{}_{}{}".format(
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], "".join(map(str, c[7])), "".join(map(str, c[8])), c[9], c[10],
    "" if c[11] else "_nobias"))
@pytest.mark.parametrize("isa", ISAS)
def test_depthwise_conv2d(isa, case):
    batch, h, w, cin, mult, kh, kw, stride, dil, padding, act, bias = case
    data, inputs = dw_model(rng_for("dw", case), batch, h, w, cin, mult, kh, kw, stride, dil, padding, act, bias)
    check_isa(isa, data, inputs, exact=True)


@pytest.mark.parametrize("isa", ISAS)
def test_depthwise_conv2d_threads(isa):
    data, inputs = dw_model(rng_for("dw-mt"), 2, 9, 7, 37, 1, 3, 3, (1, 1), (1, 1), "SAME", "NONE")
    check_isa(isa, data, inputs, num_threads=2)


# ---- TRANSPOSE_CONV ------------------------------------------------------------------------------

# (h, w, cin, cout, kh, kw, stride, padding, bias)
TCONV_CASES = [(4, 4, 8, 16, 2, 2, (2, 2), "VALID", True), (32, 32, 64, 32, 2, 2, (2, 2), "SAME", True),
               (3, 5, 7, 9, 3, 3, (2, 2), "SAME", False), (5, 4, 3, 17, 3, 3, (1, 1), "SAME", True),
               (4, 6, 16, 33, 4, 4, (2, 2), "SAME", True), (3, 3, 5, 6, 3, 2, (3, 2), "VALID", True),
               (2, 7, 12, 8, 1, 1, (2, 3), "VALID", True), (6, 6, 9, 40, 5, 5, (3, 3), "SAME", False)]


@pytest.mark.parametrize("case", TCONV_CASES, ids=lambda c: "{}x{}x{}_o{}_k{}x{}_s{}_{}".format(
    c[0], c[1], c[2], c[3], c[4], c[5], "".join(map(str, c[6])), c[7]))
@pytest.mark.parametrize("isa", ISAS)
def test_transpose_conv(isa, case):
    h, w, cin, cout, kh, kw, stride, padding, with_bias = case
    rng = rng_for("tconv", case)
    oh = h * stride[0] if padding == "SAME" else (h - 1) * stride[0] + kh
    ow = w * stride[1] if padding == "SAME" else (w - 1) * stride[1] + kw
    b = ModelBuilder()
    shape = b.const("shape", np.array([2, oh, ow, cout], np.int32))
    f = b.const("f", rng.standard_normal((cout, kh, kw, cin)).astype(np.float32))
    x = b.input("x", [2, h, w, cin], np.float32)
    ins = [shape, f, x] + ([b.const("b", rng.standard_normal(cout).astype(np.float32))] if with_bias else [])
    y = b.tensor("y", [2, oh, ow, cout], np.float32)
    b.op("TRANSPOSE_CONV", ins, [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1]},
         version=3 if with_bias else 1)
    b.output(y)
    check_isa(isa, b.build(), [rng.standard_normal((2, h, w, cin)).astype(np.float32)], exact=True)


# ---- FULLY_CONNECTED ---------------------------------------------------------------------------

FC_CASES = [(b, k, n) for b, k, n in itertools.product([1, 2, 3, 4, 5, 7, 13], [1, 7, 8, 9, 16, 17, 33],
                                                       [1, 3, 4, 5, 9, 17])
            if (b * 7 + k * 3 + n) % 4 == 0] + [(1, 1280, 1000), (64, 128, 256), (6, 250, 130), (3, 2100, 40)]


def fc_model(rng, batch, k, n, act="NONE", bias=True):
    b = ModelBuilder()
    x = b.input("x", [batch, k], np.float32)
    w = b.const("w", rng.standard_normal((n, k)).astype(np.float32))
    ins = [x, w] + ([b.const("b", rng.standard_normal(n).astype(np.float32))] if bias else [])
    y = b.tensor("y", [batch, n], np.float32)
    b.op("FULLY_CONNECTED", ins, [y], {"fused_activation_function": act})
    b.output(y)
    return b.build(), [rng.standard_normal((batch, k)).astype(np.float32)]


@pytest.mark.parametrize("case", FC_CASES, ids=lambda c: "b{}_k{}_n{}".format(*c))
@pytest.mark.parametrize("isa", ISAS)
def test_fully_connected(isa, case):
    rng = rng_for("fc", case)
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][sum(case) % 4]
    data, inputs = fc_model(rng, *case, act=act, bias=sum(case) % 3 != 0)
    check_isa(isa, data, inputs, exact=True)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("isa", ISAS)
def test_fully_connected_threads(isa, threads):
    for case in [(1, 37, 200), (9, 40, 33)]:  # split over columns, then over rows
        data, inputs = fc_model(rng_for("fc-mt", case), *case)
        check_isa(isa, data, inputs, num_threads=threads)


# ---- BATCH_MATMUL ------------------------------------------------------------------------------

# (lhs shape, rhs shape, adj_x, adj_y)
BMM_CASES = [
    ((1, 5, 7), (1, 7, 9), False, False),
    ((2, 6, 16), (2, 16, 16), False, False),
    ((3, 7, 9), (9, 17), False, False),          # rhs broadcast over the batch
    ((1, 9, 33), (1, 33, 31), False, False),
    ((2, 13, 3), (2, 3, 40), False, False),
    ((1, 8, 5), (1, 8, 12), True, False),        # lhs transposed
    ((2, 4, 10), (2, 11, 10), False, True),      # rhs transposed: dot tiles
    ((1, 7, 17), (1, 5, 17), False, True),
    ((2, 6, 5), (2, 7, 6), True, True),          # both transposed
    ((2, 1, 4, 64, 32), (1, 4, 32, 64), False, False),
    ((1, 1, 1), (1, 1, 1), False, False),
]


@pytest.mark.parametrize("case", BMM_CASES, ids=lambda c: "{}x{}_{}{}".format(
    "x".join(map(str, c[0])), "x".join(map(str, c[1])), int(c[2]), int(c[3])))
@pytest.mark.parametrize("isa", ISAS)
def test_batch_matmul(isa, case):
    lshape, rshape, adj_x, adj_y = case
    rng = rng_for("bmm", case)
    m = lshape[-1] if adj_x else lshape[-2]
    n = rshape[-2] if adj_y else rshape[-1]
    batch = np.broadcast_shapes(lshape[:-2], rshape[:-2])
    b = ModelBuilder()
    x = b.input("x", list(lshape), np.float32)
    w = b.input("w", list(rshape), np.float32)
    y = b.tensor("y", list(batch) + [m, n], np.float32)
    b.op("BATCH_MATMUL", [x, w], [y], {"adj_x": adj_x, "adj_y": adj_y})
    b.output(y)
    check_isa(isa, b.build(), [rng.standard_normal(lshape).astype(np.float32),
                               rng.standard_normal(rshape).astype(np.float32)], exact=True)


# ---- elementwise -----------------------------------------------------------------------------

BINARY_OPS = ["ADD", "SUB", "MUL", "DIV", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM"]
# (a shape, b shape): same shapes of every tail length, scalar operands, broadcast runs
BINARY_SHAPES = ([((n,), (n,)) for n in [1, 7, 8, 9, 15, 16, 17, 33]]
                 + [((17,), (1,)), ((1,), (23,)), ((2, 3, 19), (19,)), ((1, 5, 1, 24), (1, 1, 7, 24)),
                    ((4, 1), (1, 37)), ((1, 6, 6, 40), (1, 1, 1, 40))])


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=lambda s: "{}_{}".format(
    "x".join(map(str, s[0])), "x".join(map(str, s[1]))))
@pytest.mark.parametrize("op", BINARY_OPS)
@pytest.mark.parametrize("isa", ISAS)
def test_binary(isa, op, shapes):
    sa, sb = shapes
    rng = rng_for("bin", op, shapes)
    out = np.broadcast_shapes(sa, sb)
    b = ModelBuilder()
    x = b.input("a", list(sa), np.float32)
    z = b.input("b", list(sb), np.float32)
    y = b.tensor("y", list(out), np.float32)
    opts = {"fused_activation_function": "RELU6"} if op in ("ADD", "MUL") and len(sa) == 2 else None
    b.op(op, [x, z], [y], opts)
    b.output(y)
    a = (rng.standard_normal(sa) * 4).astype(np.float32)
    c = (rng.standard_normal(sb) * 4).astype(np.float32)
    if a.size > 3:
        a.flat[3] = np.nan
    if c.size > 5:
        c.flat[5] = -np.inf
    check_isa(isa, b.build(), [a, c], exact=True)


UNARY_OPS = [("RELU", None, True), ("RELU6", None, True), ("RELU_N1_TO_1", None, True),
             ("LEAKY_RELU", {"alpha": 0.25}, True), ("HARD_SWISH", None, True),
             ("LOGISTIC", None, False), ("TANH", None, False), ("GELU", {"approximate": False}, False),
             ("GELU", {"approximate": True}, False)]


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 17, 33, 1000])
@pytest.mark.parametrize("op,options,exact", UNARY_OPS, ids=[f"{o}{'-approx' if opt and opt.get('approximate') else ''}"
                                                             for o, opt, _ in UNARY_OPS])
@pytest.mark.parametrize("isa", ISAS)
def test_unary(isa, op, options, exact, n):
    rng = rng_for("un", op, n)
    x = (rng.standard_normal(n) * 6).astype(np.float32)
    special = [np.nan, np.inf, -np.inf, -0.0, 0.0, -40.0, 40.0, -9.5, 17.0, 3e-8]
    x[:min(n, len(special))] = special[:min(n, len(special))]
    check_isa(isa, one_op_model(op, [n], options), [x], exact=exact)


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH", "GELU"])
@pytest.mark.parametrize("isa", ISAS)
def test_unary_accuracy_sweep(isa, op):
    """The vector exp/erfc approximations over the whole useful range, at a fine step, against
    the reference element by element: absolute error well inside the FLOAT32 atol."""
    x = np.linspace(-30, 30, 60001, dtype=np.float32)
    need(isa)
    data = one_op_model(op, [x.size])
    got, = run(data, [x], isa)
    ref, = run_builtin_ref(data, [x])
    err = np.abs(got.astype(np.float64) - ref)
    assert err.max() <= 1e-6, f"{op} under {isa}: max abs error {err.max():.3g} at x={x[err.argmax()]}"


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (2, 8), (4, 9), (2, 16), (1, 17), (2, 4, 64), (1, 1000)],
                         ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("beta", [1.0, 0.25, -0.5])
@pytest.mark.parametrize("isa", ISAS)
def test_softmax(isa, beta, shape):
    rng = rng_for("softmax", beta, shape)
    x = (rng.standard_normal(shape) * 8).astype(np.float32)
    x.flat[0] = -np.inf
    check_isa(isa, one_op_model("SOFTMAX", list(shape), {"beta": beta}), [x])


# ---- pooling and reductions ------------------------------------------------------------------

# (h, w, c, filter, stride, padding)
POOL_CASES = [(5, 5, c, (2, 2), (2, 2), "SAME") for c in [1, 7, 8, 9, 16, 17, 33]] + [
    (7, 9, 24, (3, 3), (1, 1), "SAME"), (8, 6, 40, (3, 2), (2, 1), "VALID"), (4, 4, 64, (4, 4), (1, 1), "VALID"),
    (6, 7, 5, (3, 3), (2, 2), "SAME")]


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "{}x{}x{}_k{}_s{}_{}".format(
    c[0], c[1], c[2], "x".join(map(str, c[3])), "x".join(map(str, c[4])), c[5]))
@pytest.mark.parametrize("op", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
@pytest.mark.parametrize("isa", ISAS)
def test_pool(isa, op, case):
    h, w, c, k, s, padding = case
    rng = rng_for("pool", op, case)
    oh, ow = out_size(h, k[0], s[0], 1, padding), out_size(w, k[1], s[1], 1, padding)
    b = ModelBuilder()
    x = b.input("x", [2, h, w, c], np.float32)
    y = b.tensor("y", [2, oh, ow, c], np.float32)
    b.op(op, [x], [y], {"padding": padding, "stride_h": s[0], "stride_w": s[1], "filter_height": k[0],
                        "filter_width": k[1], "fused_activation_function": "RELU6" if c % 2 else "NONE"})
    b.output(y)
    xv = (rng.standard_normal((2, h, w, c)) * 4).astype(np.float32)
    xv[0, 0, 0, 0] = np.nan
    check_isa(isa, b.build(), [xv], exact=True)


# (input shape, axes, keep_dims)
REDUCE_CASES = [((1, 5, 5, c), [1, 2], True) for c in [1, 7, 8, 9, 16, 17, 33, 1280]] + [
    ((2, 3, 4, 20), [1, 2], False), ((2, 7, 19), [0], False), ((3, 4, 33), [0, 1], True), ((6, 40), [1], False),
    ((4, 9, 17), [1], True)]


@pytest.mark.parametrize("case", REDUCE_CASES, ids=lambda c: "{}_ax{}".format(
    "x".join(map(str, c[0])), "".join(map(str, c[1]))))
@pytest.mark.parametrize("op", ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"])
@pytest.mark.parametrize("isa", ISAS)
def test_reduce(isa, op, case):
    shape, axes, keep = case
    rng = rng_for("red", op, case)
    out = [1 if i in axes else d for i, d in enumerate(shape)] if keep else \
        [d for i, d in enumerate(shape) if i not in axes]
    b = ModelBuilder()
    x = b.input("x", list(shape), np.float32)
    ax = b.const("axes", np.array(axes, np.int32))
    y = b.tensor("y", out, np.float32)
    b.op(op, [x, ax], [y], {"keep_dims": keep})
    b.output(y)
    scale = 1.0 if op == "REDUCE_PROD" else 4.0
    check_isa(isa, b.build(), [(rng.standard_normal(shape) * scale).astype(np.float32)], exact=True)


# ---- the corpus --------------------------------------------------------------------------------

def corpus_fp32():
    d = os.path.join(SHARED, "models")
    if not os.path.isdir(d):
        return []
    return sorted(f[:-len(".tflite")] for f in os.listdir(d) if f.endswith("__fp32.tflite"))


@pytest.mark.parametrize("name", corpus_fp32() or ["(no corpus)"])
@pytest.mark.parametrize("isa", ISAS)
def test_corpus_fp32(isa, name):
    """Each fp32 corpus model under each ISA: LiteRT's BUILTIN_REF goldens where they exist,
    otherwise tflite_rt's own BUILTIN_REF run."""
    if name == "(no corpus)":
        pytest.skip(f"no corpus in {SHARED}/models")
    need(isa)
    with open(os.path.join(SHARED, "models", name + ".tflite"), "rb") as f:
        data = f.read()
    gpath = os.path.join(SHARED, "golden", name + ".npz")
    if not os.path.isfile(gpath):
        pytest.skip(f"no golden for {name}")
    with np.load(gpath) as g:
        inputs = [g[f"in{i}"] for i in range(len([k for k in g.files if k[:2] == "in" and k[2:].isdigit()]))]
        refs = [g[f"ref_out{i}"] for i in range(len([k for k in g.files if k.startswith("ref_out")]))]
    try:
        got = run(data, inputs, isa)
    except Exception as e:  # ops still missing in tflite_rt are not this test's business
        if "nsupported" in type(e).__name__ + str(e):
            pytest.skip(f"{name}: {e}")
        raise
    if refs:
        oracle.compare_all(got, refs, tolerances.FLOAT32, source=f"golden ref_out under {isa}")
    else:
        oracle.compare_all(got, run_builtin_ref(data, inputs), tolerances.FLOAT32,
                           source=f"tflite_rt BUILTIN_REF under {isa}")


# ---- the 16-lane templates on any x86-64 CPU ---------------------------------------------------

EMUL16_H = r"""
/* The simd vocabulary of csrc/kernels/simd_tmpl with VN = 16, emulated with two AVX2 vectors. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#define VN 16
#define ISA_FN(name) name##__emul16
typedef struct { __m256 lo, hi; } vf;
typedef struct { __m256 lo, hi; } vmask;
#define E2(L, H) { vf r_; r_.lo = L; r_.hi = H; return r_; }
static inline vf v_ld(const float* p) E2(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8))
static inline void v_st(float* p, vf v) { _mm256_storeu_ps(p, v.lo); _mm256_storeu_ps(p + 8, v.hi); }
static inline vf v_set1(float x) E2(_mm256_set1_ps(x), _mm256_set1_ps(x))
static inline vf v_bcast(const float* p) E2(_mm256_broadcast_ss(p), _mm256_broadcast_ss(p))
static inline vf v_zero(void) E2(_mm256_setzero_ps(), _mm256_setzero_ps())
static inline vf v_fma(vf a, vf b, vf c) E2(_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi))
#define BIN(name, op) static inline vf name(vf a, vf b) E2(op(a.lo, b.lo), op(a.hi, b.hi))
BIN(v_add, _mm256_add_ps) BIN(v_sub, _mm256_sub_ps) BIN(v_mul, _mm256_mul_ps) BIN(v_div, _mm256_div_ps)
BIN(v_max, _mm256_max_ps) BIN(v_min, _mm256_min_ps)
static inline vf v_clamp(vf x, vf lo, vf hi) { return v_min(hi, v_max(lo, x)); }
static inline vmask v_lt(vf a, vf b) { vmask m; m.lo = _mm256_cmp_ps(a.lo, b.lo, _CMP_LT_OQ); m.hi = _mm256_cmp_ps(a.hi, b.hi, _CMP_LT_OQ); return m; }
static inline vmask v_gt(vf a, vf b) { vmask m; m.lo = _mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ); m.hi = _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ); return m; }
static inline vf v_select(vmask m, vf a, vf b) E2(_mm256_blendv_ps(b.lo, a.lo, m.lo), _mm256_blendv_ps(b.hi, a.hi, m.hi))
static inline vf v_round(vf x) E2(_mm256_round_ps(x.lo, 8), _mm256_round_ps(x.hi, 8))
static inline __m256 p2_(__m256 n) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23)); }
static inline vf v_pow2i(vf n) E2(p2_(n.lo), p2_(n.hi))
static inline vf v_abs(vf x) E2(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x.lo), _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x.hi))
static inline __m256i m8_(size_t n) { static const int32_t t[16] = {-1,-1,-1,-1,-1,-1,-1,-1,0,0,0,0,0,0,0,0}; return _mm256_loadu_si256((const __m256i*)(t + 8 - (n > 8 ? 8 : n))); }
static inline vf v_ld_part(const float* p, size_t n) {
  vf r; r.lo = _mm256_maskload_ps(p, m8_(n)); r.hi = n > 8 ? _mm256_maskload_ps(p + 8, m8_(n - 8)) : _mm256_setzero_ps(); return r; }
static inline void v_st_part(float* p, vf v, size_t n) { float t[16]; v_st(t, v); for (size_t i = 0; i < n; i++) p[i] = t[i]; }
static inline float v_hsum(vf v) { float t[16]; v_st(t, v); float s = 0; for (int i = 0; i < 16; i++) s += t[i]; return s; }typedef unsigned int v_fpstate;
static inline v_fpstate v_fp_enter(void) { const unsigned int c = _mm_getcsr(); _mm_setcsr(c | 0x8040u); return c; }
static inline void v_fp_leave(v_fpstate c) { _mm_setcsr(c); }
static inline vf v_gather(const float* base, const int32_t* idx) E2(_mm256_i32gather_ps(base, _mm256_loadu_si256((const __m256i*)idx), 4), _mm256_i32gather_ps(base, _mm256_loadu_si256((const __m256i*)(idx + 8)), 4))
static inline void v_transpose(vf* r) { float t[256], u[256]; for (int i = 0; i < 16; i++) v_st(t + 16 * i, r[i]);
  for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) u[16 * j + i] = t[16 * i + j];
  for (int i = 0; i < 16; i++) r[i] = v_ld(u + 16 * i); }
"""

HARNESS_C = r"""
/* Random tile-boundary shapes: every f32 slot of a plugged table against the reference table.
 * Inputs end right before a PROT_NONE page (an over-read faults); exact slots are memcmp'd. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kernels/kernels.h"
void PLUG(tflrt_kernels* k, int fast_f32);

static unsigned long long rs = 88172645463325252ull;
static unsigned rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return (unsigned)(rs >> 11); }
static int ri(int lo, int hi) { return lo + (int)(rnd() % (unsigned)(hi - lo + 1)); }
static float rf(void) { return (float)((int)(rnd() % 2001) - 1000) / 500.0f; }
static float* galloc(size_t n) {
  const size_t pg = 4096, npg = (n * sizeof(float) + pg - 1) / pg + 1;
  unsigned char* m = mmap(NULL, npg * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) abort();
  mprotect(m + (npg - 1) * pg, pg, PROT_NONE);
  return (float*)(void*)(m + (npg - 1) * pg - n * sizeof(float));
}
static void gfree(float* p, size_t n) {
  const size_t pg = 4096, npg = (n * sizeof(float) + pg - 1) / pg + 1;
  munmap((unsigned char*)(void*)(p + n) - (npg - 1) * pg, npg * pg);
}
static float* grand(size_t n) { float* p = galloc(n); for (size_t i = 0; i < n; i++) p[i] = rf(); return p; }
static int fails = 0, checks = 0;
static void compare(const char* what, const float* got, const float* ref, size_t n, int exact) {
  double mx = 0, md = 0;
  checks++;
  if (exact) { if (memcmp(got, ref, n * sizeof(float))) { fails++; printf("FAIL %s: not bit-identical\n", what); } return; }
  for (size_t i = 0; i < n; i++) if (fabs(ref[i]) > mx) mx = fabs(ref[i]);
  for (size_t i = 0; i < n; i++) {
    if (isnan(ref[i]) != isnan(got[i])) { md = INFINITY; break; }
    if (!isnan(ref[i]) && fabs((double)got[i] - ref[i]) > md) md = fabs((double)got[i] - ref[i]);
  }
  if (!(md <= 1e-6 + 1e-4 * mx)) { fails++; printf("FAIL %s: max|d| %g, max|ref| %g\n", what, md, mx); }
}
static void window(int in, int f, int s, int d, int same, int* out, int* pad) {
  const int ef = (f - 1) * d + 1;
  if (same) { *out = (in + s - 1) / s; const int t = (*out - 1) * s + ef - in; *pad = t > 0 ? t / 2 : 0; }
  else { *out = in >= ef ? (in - ef) / s + 1 : 0; *pad = 0; }
}

static void conv(const tflrt_kernels* K, int dw) {
  for (int it = 0; it < 400; it++) {
    tflrt_conv_params p; memset(&p, 0, sizeof p);
    p.batches = ri(1, 2); p.in_h = ri(1, 9); p.in_w = ri(1, 19); p.filter_h = ri(1, 4); p.filter_w = ri(1, 4);
    if (rnd() % 4 == 0) p.filter_h = p.filter_w = 1;
    p.stride_h = ri(1, 3); p.stride_w = ri(1, 3); p.dilation_h = ri(1, 2); p.dilation_w = ri(1, 2);
    if (rnd() % 2) p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    const int same = rnd() % 2;
    window(p.in_h, p.filter_h, p.stride_h, p.dilation_h, same, &p.out_h, &p.pad_h);
    window(p.in_w, p.filter_w, p.stride_w, p.dilation_w, same, &p.out_w, &p.pad_w);
    if (p.out_h <= 0 || p.out_w <= 0) continue;
    if (dw) { p.in_c = ri(1, 70); p.depth_multiplier = rnd() % 8 ? 1 : 2; p.out_c = p.in_c * p.depth_multiplier; p.filter_c = 1; }
    else {
      const int g = rnd() % 6 ? 1 : ri(2, 3);
      p.filter_c = ri(1, 40); p.in_c = p.filter_c * g;
      p.out_c_per_group = rnd() % 3 ? ri(1, 70) : 16 * ri(1, 4) + ri(0, 2) - 1;
      p.out_c = p.out_c_per_group * g;
    }
    p.f32_min = -FLT_MAX; p.f32_max = FLT_MAX;
    if (rnd() % 3 == 0) { p.f32_min = 0; p.f32_max = 6; }
    const size_t ni = (size_t)p.batches * p.in_h * p.in_w * p.in_c, no = (size_t)p.batches * p.out_h * p.out_w * p.out_c;
    const size_t nf = dw ? (size_t)p.filter_h * p.filter_w * p.out_c : (size_t)p.out_c * p.filter_h * p.filter_w * p.filter_c;
    float *in = grand(ni), *f = grand(nf), *bias = rnd() % 4 ? grand(p.out_c) : NULL, *ref = galloc(no), *got = galloc(no);
    if (rnd() % 10 == 0) f[ri(0, (int)nf - 1)] = rnd() % 2 ? INFINITY : NAN; /* padding taps must be skipped */
    if (rnd() % 10 == 0) in[ri(0, (int)ni - 1)] = 1e-40f; /* denormals are kept */
    const int rows = p.batches * p.out_h, split = ri(0, rows);
    if (dw) {
      tflrt_f32_dwconv2d__ref(&p, in, f, bias, ref, 0, rows);
      K->conv.f32_dwconv2d(&p, in, f, bias, got, 0, split);
      K->conv.f32_dwconv2d(&p, in, f, bias, got, split, rows);
    } else {
      tflrt_f32_conv2d__ref(&p, in, f, bias, ref, 0, rows);
      const size_t bytes = K->conv.f32_conv2d_packed_size(&p);
      void* packed = NULL;
      if (bytes == 0 || posix_memalign(&packed, 64, bytes)) { fails++; printf("FAIL conv: not packed\n"); continue; }
      memset(packed, 0x7f, bytes); /* the pack must write every byte the kernel reads */
      K->conv.f32_conv2d_pack(&p, f, bias, packed);
      K->conv.f32_conv2d_packed(&p, in, packed, got, 0, split);
      K->conv.f32_conv2d_packed(&p, in, packed, got, split, rows);
      free(packed);
    }
    compare(dw ? "dwconv" : "conv", got, ref, no, 1);
    gfree(in, ni); gfree(f, nf); if (bias) gfree(bias, p.out_c); gfree(ref, no); gfree(got, no);
  }
}

static void tconv(const tflrt_kernels* K, const tflrt_kernels* R) {
  for (int it = 0; it < 300; it++) {
    tflrt_conv_params p; memset(&p, 0, sizeof p);
    p.batches = ri(1, 2); p.in_h = ri(1, 7); p.in_w = ri(1, 9); p.in_c = ri(1, 40); p.out_c = ri(1, 40);
    p.filter_h = ri(1, 4); p.filter_w = ri(1, 4); p.stride_h = ri(1, 3); p.stride_w = ri(1, 3);
    p.dilation_h = p.dilation_w = 1; p.filter_c = p.in_c;
    p.out_h = (p.in_h - 1) * p.stride_h + p.filter_h - ri(0, p.filter_h - 1);
    p.out_w = (p.in_w - 1) * p.stride_w + p.filter_w - ri(0, p.filter_w - 1);
    p.pad_h = ((p.in_h - 1) * p.stride_h + p.filter_h - p.out_h) / 2;
    p.pad_w = ((p.in_w - 1) * p.stride_w + p.filter_w - p.out_w) / 2;
    p.f32_min = -FLT_MAX; p.f32_max = FLT_MAX;
    if (rnd() % 3 == 0) { p.f32_min = 0; p.f32_max = 6; }
    const size_t ni = (size_t)p.batches * p.in_h * p.in_w * p.in_c, no = (size_t)p.batches * p.out_h * p.out_w * p.out_c;
    const size_t nf = (size_t)p.out_c * p.filter_h * p.filter_w * p.in_c;
    float *in = grand(ni), *f = grand(nf), *bias = rnd() % 3 ? grand(p.out_c) : NULL, *ref = galloc(no), *got = galloc(no);
    if (rnd() % 10 == 0) f[ri(0, (int)nf - 1)] = INFINITY;
    const int rows = p.batches * p.out_h, split = ri(0, rows);
    R->tconv.f32_tconv(&p, in, f, bias, ref, 0, rows);
    K->tconv.f32_tconv(&p, in, f, bias, got, 0, split);
    K->tconv.f32_tconv(&p, in, f, bias, got, split, rows);
    compare("tconv", got, ref, no, 1);
    gfree(in, ni); gfree(f, nf); if (bias) gfree(bias, p.out_c); gfree(ref, no); gfree(got, no);
  }
}

static void fc(const tflrt_kernels* K) {
  for (int it = 0; it < 400; it++) {
    tflrt_fc_params p; memset(&p, 0, sizeof p);
    p.batches = ri(1, 14); p.in_features = rnd() % 8 ? ri(1, 70) : ri(1000, 2100); p.out_features = ri(1, 40);
    p.f32_min = -FLT_MAX; p.f32_max = FLT_MAX;
    const size_t ni = (size_t)p.batches * p.in_features, nw = (size_t)p.out_features * p.in_features, no = (size_t)p.batches * p.out_features;
    float *in = grand(ni), *w = grand(nw), *bias = rnd() % 3 ? grand(p.out_features) : NULL, *ref = galloc(no), *got = galloc(no);
    for (size_t i = 0; i < no; i++) ref[i] = got[i] = 7.0f;
    int r0 = ri(0, p.batches - 1), r1 = ri(r0, p.batches), c0 = ri(0, p.out_features - 1), c1 = ri(c0, p.out_features);
    tflrt_f32_fc__ref(&p, in, w, bias, ref, r0, r1, c0, c1);
    K->fc.f32_fc(&p, in, w, bias, got, r0, r1, c0, c1);
    compare("fc", got, ref, no, 1);
    gfree(in, ni); gfree(w, nw); if (bias) gfree(bias, p.out_features); gfree(ref, no); gfree(got, no);
  }
}

static void bmm(const tflrt_kernels* K, const tflrt_kernels* R) {
  for (int it = 0; it < 400; it++) {
    tflrt_bmm_params p; memset(&p, 0, sizeof p);
    p.m = ri(1, 20); p.n = ri(1, 70); p.k = ri(0, 40);
    const int lb = ri(1, 3), rb = rnd() % 2 ? lb : 1, adj_x = rnd() % 2, adj_y = rnd() % 2;
    p.batch_size[0] = p.batch_size[1] = 1; p.batch_size[2] = lb;
    p.lhs_ms = adj_x ? 1 : p.k; p.lhs_ks = adj_x ? p.m : 1; p.rhs_ks = adj_y ? 1 : p.n; p.rhs_ns = adj_y ? p.k : 1;
    p.lhs_bstride[2] = (int64_t)p.m * p.k; p.rhs_bstride[2] = rb == 1 ? 0 : (int64_t)p.k * p.n;
    const size_t nl = (size_t)lb * p.m * p.k + 1, nr = (size_t)rb * p.k * p.n + 1, no = (size_t)lb * p.m * p.n;
    float *l = grand(nl), *r = grand(nr), *ref = galloc(no), *got = galloc(no);
    const int rows = lb * p.m, split = ri(0, rows);
    R->matmul.f32_bmm(&p, l + 1, r + 1, ref, 0, rows);
    K->matmul.f32_bmm(&p, l + 1, r + 1, got, 0, split);
    K->matmul.f32_bmm(&p, l + 1, r + 1, got, split, rows);
    compare("bmm", got, ref, no, 1);
    gfree(l, nl); gfree(r, nr); gfree(ref, no); gfree(got, no);
  }
}

static void pool_reduce(const tflrt_kernels* K, const tflrt_kernels* R) {
  for (int it = 0; it < 300; it++) {
    tflrt_pool_params p; memset(&p, 0, sizeof p);
    p.batches = ri(1, 2); p.in_h = ri(1, 9); p.in_w = ri(1, 9); p.channels = ri(1, 40);
    p.filter_h = ri(1, 3); p.filter_w = ri(1, 3); p.stride_h = ri(1, 2); p.stride_w = ri(1, 2);
    window(p.in_h, p.filter_h, p.stride_h, 1, 1, &p.out_h, &p.pad_h);
    window(p.in_w, p.filter_w, p.stride_w, 1, 1, &p.out_w, &p.pad_w);
    p.f32_min = -FLT_MAX; p.f32_max = FLT_MAX;
    const size_t ni = (size_t)p.batches * p.in_h * p.in_w * p.channels, no = (size_t)p.batches * p.out_h * p.out_w * p.channels;
    float *in = grand(ni), *ref = galloc(no), *got = galloc(no);
    const int rows = p.batches * p.out_h;
    R->pool.f32_maxpool2d(&p, in, ref, 0, rows); K->pool.f32_maxpool2d(&p, in, got, 0, rows); compare("maxpool", got, ref, no, 1);
    R->pool.f32_avgpool2d(&p, in, ref, 0, rows); K->pool.f32_avgpool2d(&p, in, got, 0, rows); compare("avgpool", got, ref, no, 1);
    gfree(in, ni); gfree(ref, no); gfree(got, no);
  }
  for (int it = 0; it < 300; it++) {
    const int B = ri(1, 2), H = ri(1, 5), W = ri(1, 5), C = ri(1, 50);
    tflrt_reduce_params p; memset(&p, 0, sizeof p);
    const int32_t ops[5] = {TFLRT_REDUCE_MEAN, TFLRT_REDUCE_SUM, TFLRT_REDUCE_MAX, TFLRT_REDUCE_MIN, TFLRT_REDUCE_PROD};
    p.op = ops[ri(0, 4)];
    p.n_outer = 2; p.outer_size[0] = B; p.outer_stride[0] = (int64_t)H * W * C; p.outer_size[1] = C; p.outer_stride[1] = 1;
    p.n_inner = 2; p.inner_size[0] = H; p.inner_stride[0] = (int64_t)W * C; p.inner_size[1] = W; p.inner_stride[1] = C;
    p.inner_count = (int64_t)H * W; p.init_from_first = rnd() % 2;
    if (rnd() % 2) { /* reduce the last two axes: [B, H] kept, [W, C] reduced (gathers) */
      p.outer_size[0] = B; p.outer_stride[0] = (int64_t)H * W * C; p.outer_size[1] = H; p.outer_stride[1] = (int64_t)W * C;
      p.inner_size[0] = W; p.inner_stride[0] = C; p.inner_size[1] = C; p.inner_stride[1] = 1; p.inner_count = (int64_t)W * C;
    }
    const size_t ni = (size_t)B * H * W * C, no = (size_t)B * p.outer_size[1];
    float *in = grand(ni), *ref = galloc(no), *got = galloc(no);
    const int split = ri(0, (int)no);
    R->reduce.f32_reduce(&p, in, ref, 0, (int)no);
    K->reduce.f32_reduce(&p, in, got, 0, split);
    K->reduce.f32_reduce(&p, in, got, split, (int)no);
    compare("reduce", got, ref, no, 1);
    gfree(in, ni); gfree(ref, no); gfree(got, no);
  }
}

static void elementwise(const tflrt_kernels* K, const tflrt_kernels* R) {
  for (int n = 1; n < 70; n++) {
    float *a = grand(n), *b = grand(n), *ref = galloc(n), *got = galloc(n);
    a[0] = NAN; if (n > 3) b[3] = INFINITY;
    tflrt_binary_params bp; memset(&bp, 0, sizeof bp); bp.f32_min = -FLT_MAX; bp.f32_max = FLT_MAX;
    const int ops[7] = {TFLRT_BINOP_ADD, TFLRT_BINOP_SUB, TFLRT_BINOP_MUL, TFLRT_BINOP_DIV, TFLRT_BINOP_SQRDIFF, TFLRT_BINOP_MAX, TFLRT_BINOP_MIN};
    for (int o = 0; o < 7; o++) for (int mode = 0; mode < 3; mode++) {
      const float* x = mode == 1 ? a + n - 1 : a; const float* z = mode == 2 ? b + n - 1 : b;
      R->binary.f32[ops[o]](&bp, n, x, z, ref, mode); K->binary.f32[ops[o]](&bp, n, x, z, got, mode);
      compare("binary", got, ref, n, 1);
    }
    tflrt_unary_params up; memset(&up, 0, sizeof up); up.f_min = 0; up.f_max = 6; up.alpha = 0.2f;
    for (int i = 0; i < n; i++) a[i] = rf() * 12.0f;
    a[0] = NAN; if (n > 6) a[6] = -INFINITY; if (n > 7) a[7] = INFINITY;
    tflrt_unary_fn fr[7] = {R->unary.f32_clamp, R->unary.f32_leaky_relu, R->unary.f32_hard_swish, R->unary.f32_logistic, R->unary.f32_tanh, R->unary.f32_gelu, R->unary.f32_gelu_tanh};
    tflrt_unary_fn fk[7] = {K->unary.f32_clamp, K->unary.f32_leaky_relu, K->unary.f32_hard_swish, K->unary.f32_logistic, K->unary.f32_tanh, K->unary.f32_gelu, K->unary.f32_gelu_tanh};
    for (int u = 0; u < 7; u++) {
      fr[u](&up, a, ref, n); fk[u](&up, a, got, n); compare("unary", got, ref, n, u < 3);
      memcpy(got, a, n * sizeof(float)); fk[u](&up, got, got, n); compare("unary in place", got, ref, n, u < 3);
    }
    gfree(a, n); gfree(b, n); gfree(ref, n); gfree(got, n);
  }
}

static void softmax(const tflrt_kernels* K, const tflrt_kernels* R) {
  for (int it = 0; it < 200; it++) {
    tflrt_softmax_params p; memset(&p, 0, sizeof p);
    p.rows = ri(1, 5); p.depth = ri(1, 70); p.beta = rnd() % 2 ? 1.0f : 0.37f;
    if (rnd() % 10 == 0) p.beta = -0.5f; /* the reference path */
    const size_t n = (size_t)p.rows * p.depth;
    float *x = grand(n), *ref = galloc(n), *got = galloc(n);
    for (size_t i = 0; i < n; i++) x[i] *= 8.0f;
    if (rnd() % 4 == 0) x[ri(0, (int)n - 1)] = -INFINITY;
    const int split = ri(0, p.rows);
    R->softmax.f32_softmax(&p, x, ref, 0, p.rows);
    K->softmax.f32_softmax(&p, x, got, 0, split);
    K->softmax.f32_softmax(&p, x, got, split, p.rows);
    compare("softmax", got, ref, n, 0);
    gfree(x, n); gfree(ref, n); gfree(got, n);
  }
}

int main(void) {
  tflrt_kernels R, K;
  memset(&R, 0, sizeof R);
  tflrt_conv_kernels_ref(&R.conv); tflrt_fc_kernels_ref(&R.fc); tflrt_matmul_kernels_ref(&R.matmul);
  tflrt_pool_kernels_ref(&R.pool); tflrt_reduce_kernels_ref(&R.reduce); tflrt_binary_kernels_ref(&R.binary);
  tflrt_unary_kernels_ref(&R.unary); tflrt_softmax_kernels_ref(&R.softmax); tflrt_tconv_kernels_ref(&R.tconv);
  K = R;
  PLUG(&K, 1);
  conv(&K, 0); conv(&K, 1); fc(&K); bmm(&K, &R); pool_reduce(&K, &R); elementwise(&K, &R); softmax(&K, &R); tconv(&K, &R);
  printf("%d checks, %d failures\n", checks, fails);
  return fails != 0;
}
"""


def _build_harness(tmp, isa):
    """Compiles the harness against the repository's kernel sources for `isa` ('avx2': the real
    folder; 'emul16': the AVX-512 folder's templates over 16-lane vectors emulated on AVX2)."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    csrc = os.path.join(REPO, "csrc")
    kdir = os.path.join(csrc, "kernels")
    srcs = [os.path.join(kdir, "reference", f) for f in os.listdir(os.path.join(kdir, "reference")) if f.endswith(".c")]
    srcs += [os.path.join(csrc, "quant", f) for f in os.listdir(os.path.join(csrc, "quant")) if f.endswith(".c")]
    srcs += [os.path.join(csrc, "loader", "types.c")]
    flags = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-O1", "-w", "-I" + os.path.join(csrc, "include"),
             "-I" + csrc, "-I" + tmp]
    avx2 = ["-mavx2", "-mfma", "-mf16c"]
    if isa == "avx2":
        isa_srcs = [os.path.join(kdir, "x86_avx2", f) for f in os.listdir(os.path.join(kdir, "x86_avx2"))
                    if f.endswith(".c")]
        plug = "tflrt_kernels_plug_avx2"
    else:
        with open(os.path.join(tmp, "simd_emul16.h"), "w") as f:
            f.write(EMUL16_H)
        isa_srcs = []
        for fam in ["f32_gemm", "f32_dwconv", "f32_elementwise"]:
            with open(os.path.join(kdir, "x86_avx512", f"{fam}_avx512.c")) as f:
                text = f.read()
            text = (text.replace('#include "simd_avx512.h"', '#include "simd_emul16.h"')
                    .replace('#include "plug_avx512.h"', "").replace("__avx512", "__emul16")
                    .replace('"../', '"kernels/'))
            path = os.path.join(tmp, f"{fam}_emul16.c")
            with open(path, "w") as f:
                f.write(text + "\n")
            isa_srcs.append(path)
        with open(os.path.join(tmp, "plug_emul16.c"), "w") as f:
            f.write(textwrap.dedent("""
                #include "kernels/kernels.h"
                void tflrt_plug_f32_gemm__emul16(tflrt_kernels* k);
                void tflrt_plug_f32_dwconv__emul16(tflrt_kernels* k);
                void tflrt_plug_f32_elementwise__emul16(tflrt_kernels* k);
                void tflrt_plug_f32_approx__emul16(tflrt_kernels* k);
                void plug_emul16(tflrt_kernels* k, int fast_f32) {
                  tflrt_plug_f32_gemm__emul16(k); tflrt_plug_f32_dwconv__emul16(k); tflrt_plug_f32_elementwise__emul16(k);
                  if (fast_f32) tflrt_plug_f32_approx__emul16(k);
                }"""))
        isa_srcs.append(os.path.join(tmp, "plug_emul16.c"))
        plug = "plug_emul16"
    with open(os.path.join(tmp, "harness.c"), "w") as f:
        f.write(HARNESS_C)
    objs = []
    for i, src in enumerate(srcs + isa_srcs + [os.path.join(tmp, "harness.c")]):
        obj = os.path.join(tmp, f"o{i}.o")
        extra = avx2 if src in isa_srcs else []
        if src.endswith("harness.c"):
            extra = [f"-DPLUG={plug}"]
        r = subprocess.run([cc] + flags + extra + ["-c", src, "-o", obj], capture_output=True, text=True)
        assert r.returncode == 0, f"compiling {src}:\n{r.stderr[-3000:]}"
        objs.append(obj)
    exe = os.path.join(tmp, "harness")
    r = subprocess.run([cc] + objs + ["-lm", "-o", exe], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return exe


@pytest.mark.parametrize("isa", ["avx2", "emul16"])
def test_templates_16_lanes(isa, tmp_path):
    """Kernel-level sweep with guard pages: the real AVX2 kernels, and the AVX-512 folder's
    templates (VN = 16, 8x32 conv tiles, 4x4 dot tiles) with 16-lane vectors emulated on AVX2, so
    their tiling is checked on CPUs without AVX-512 too."""
    if not X86 or sys.platform != "linux":
        pytest.skip("x86-64 Linux only")
    need("avx2")
    exe = _build_harness(str(tmp_path), isa)
    r = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 failures" in r.stdout


# ---- the default ISA on emulated CPUs ---------------------------------------------------------

@pytest.mark.parametrize("cpu,isa", [("Haswell", "avx2"), ("Nehalem", "ref")])
def test_default_isa_under_qemu(cpu, isa):
    """On an emulated CPU (qemu-x86_64 -cpu Haswell: AVX2 without AVX-512; Nehalem: no AVX),
    the default table is the best ISA that CPU has and its results match the goldens: no
    AVX-512 instruction leaks into the AVX2 path, no AVX one into the baseline."""
    qemu = shutil.which("qemu-x86_64")
    if not X86 or sys.platform != "linux" or qemu is None:
        pytest.skip("qemu-x86_64 not installed (apt-get install qemu-user)")
    if "libasan" in os.environ.get("LD_PRELOAD", ""):  # tests/run_sanitized.sh
        pytest.skip("an AddressSanitizer build cannot run under qemu user mode")
    names = [n for n in ["mobilenet_v1_025__fp32", "mnist__fp32"] if n in corpus_fp32()]
    if not names:
        pytest.skip("no corpus")
    script = textwrap.dedent(f"""
        import os, sys, numpy as np
        sys.path.insert(0, {REPO!r})
        os.environ.pop("TFLITE_RT_ISA", None)
        import tflite_rt
        for name in {names!r}:
            it = tflite_rt.Interpreter(model_path=os.path.join({SHARED!r}, "models", name + ".tflite"))
            assert it.kernel_isa == {isa!r}, it.kernel_isa
            g = np.load(os.path.join({SHARED!r}, "golden", name + ".npz"))
            it.allocate_tensors()
            it.set_tensor(it.get_input_details()[0]["index"], g["in0"])
            it.invoke()
            y = it.get_tensor(it.get_output_details()[0]["index"])
            ref = g["ref_out0"]
            d = float(np.max(np.abs(y.astype(np.float64) - ref)))
            assert d <= 1e-6 + 1e-4 * float(np.max(np.abs(ref))), (name, d)
        print("ok")
    """)
    import tflite_rt
    pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(tflite_rt.__file__)))
    script = script.replace(repr(REPO), repr(pkg_root), 1)  # the package under test, wherever it is
    r = subprocess.run([qemu, "-cpu", cpu, sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0 and "ok" in r.stdout, r.stdout[-2000:] + r.stderr[-3000:]
