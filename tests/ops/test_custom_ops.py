"""Users' custom ops: the C ABI (tflite_rt/custom_op.h) and InterpreterWithCustomOps.

The test compiles a small shared library of custom ops with the system C compiler (skipped
with a reason when there is none) and checks: registration by symbol name (in a named library
and in the process), by ctypes function and by Python callable; init/free pairing; custom
options reaching init; static and dynamic output shapes; quantization accessors; errors from
prepare and invoke naming the node and op; invalid registrations; version ranges; concurrent
registration from threads; and the unresolved-custom-op message. LiteRT has no counterpart
for these ops, so expectations are numpy.
"""
import ctypes
import os
import shutil
import subprocess
import threading

import numpy as np
import pytest

from tests.tflite_builder import ModelBuilder

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE = os.path.join(REPO, "csrc", "include")

SOURCE = r"""
#include <string.h>
#include <stdio.h>
#include "tflite_rt/custom_op.h"

static int n_init, n_free;
int counts(int which) { return which == 0 ? n_init : n_free; }

/* ScaleShift: y = x * a + b (float32), a and b from 8 bytes of custom options. */
typedef struct { float a, b; } ab;
static ab storage[64];
static int n_storage;

static int ss_init(void* user, const void* opts, size_t size, void** op_data) {
  if (size != 8) return 1;
  if (n_storage >= 64) return 5;
  ab* p = &storage[n_storage++];
  memcpy(p, opts, 8);
  *op_data = p;
  n_init++;
  return 0;
}
static void ss_free(void* user, void* op_data) { n_free++; }

static int ss_prepare(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  if (api->num_inputs(ctx) != 1 || api->num_outputs(ctx) != 1) return api->report_error(ctx, "one input, one output");
  const tflrt_custom_tensor* x = api->input(ctx, 0);
  if (api->type(x) != TFLRT_FLOAT32) return api->report_error(ctx, "x must be float32");
  if (api->data(api->output(ctx, 0)) != NULL && !api->is_constant(x)) { /* fine either way */ }
  int32_t dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0; i < api->ndims(x); i++) dims[i] = api->dim(x, i);
  return api->set_output_shape(ctx, 0, api->ndims(x), dims);
}
static int ss_eval(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  const ab* p = op_data;
  const tflrt_custom_tensor* x = api->input(ctx, 0);
  const float* in = api->data(x);
  float* out = api->mutable_data(api->output(ctx, 0));
  size_t n = api->bytes(x) / sizeof(float);
  for (size_t i = 0; i < n; i++) {
    if (in[i] != in[i]) return api->report_error(ctx, "NaN input");
    out[i] = in[i] * p->a + p->b;
  }
  return 0;
}

/* Iota: int32 output of length x[0] (x is an int32 graph input): a dynamic output. */
static int iota_prepare(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  if (api->is_constant(api->input(ctx, 0))) {
    int32_t n = *(const int32_t*)api->data(api->input(ctx, 0));
    return api->set_output_shape(ctx, 0, 1, &n);
  }
  return api->set_output_dynamic(ctx, 0);
}
static int iota_eval(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  int32_t n = *(const int32_t*)api->data(api->input(ctx, 0));
  if (n < 0) return api->report_error(ctx, "negative length");
  int r = api->set_output_shape(ctx, 0, 1, &n);
  if (r) return r;
  int32_t* out = api->mutable_data(api->output(ctx, 0));
  for (int32_t i = 0; i < n; i++) out[i] = i * (int32_t)(size_t)user;
  return 0;
}

/* QuantInfo: writes [num_quant_params, scale, zero_point, quantized_dim, version] of input 0. */
static int qi_prepare(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  int32_t five = 5;
  return api->set_output_shape(ctx, 0, 1, &five);
}
static int qi_eval(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
  const tflrt_custom_tensor* x = api->input(ctx, 0);
  float* out = api->mutable_data(api->output(ctx, 0));
  float s = 0; int64_t zp = 0;
  int32_t n = api->num_quant_params(x);
  if (n > 0 && api->quant_param(x, n - 1, &s, &zp) != 0) return api->report_error(ctx, "quant_param");
  if (api->quant_param(x, n, &s, &zp) == 0) return api->report_error(ctx, "quant_param out of range accepted");
  if (api->dim(x, 99) != -1 || api->input(ctx, 7) != NULL) return api->report_error(ctx, "range checks");
  if (strcmp(api->op_name(ctx), "QuantInfo") != 0) return api->report_error(ctx, "op_name");
  out[0] = (float)n; out[1] = s; out[2] = (float)zp; out[3] = (float)api->quantized_dim(x);
  out[4] = (float)api->op_version(ctx);
  return 0;
}

static int reg(const tflrt_custom_api* api, const char* name, int lo, int hi, void* user,
               int (*init)(void*, const void*, size_t, void**), void (*fr)(void*, void*),
               tflrt_custom_fn prep, tflrt_custom_fn ev) {
  if (api->abi_version != TFLRT_CUSTOM_OP_ABI_VERSION || api->struct_size < sizeof(tflrt_custom_api)) return 99;
  tflrt_custom_op op;
  memset(&op, 0, sizeof op);
  op.struct_size = sizeof op;
  op.name = name; op.min_version = lo; op.max_version = hi; op.user_data = user;
  op.init = init; op.free = fr; op.prepare = prep; op.eval = ev;
  char err[256];
  return api->register_op(api, &op, err, sizeof err);
}

int register_test_ops(const tflrt_custom_api* api) {
  int r = reg(api, "ScaleShift", 1, 2, NULL, ss_init, ss_free, ss_prepare, ss_eval);
  if (!r) r = reg(api, "Iota", 1, 1, (void*)(size_t)3, NULL, NULL, iota_prepare, iota_eval);
  if (!r) r = reg(api, "QuantInfo", 1, 9, NULL, NULL, NULL, qi_prepare, qi_eval);
  return r;
}

int register_invalid(const tflrt_custom_api* api) {
  return reg(api, "Broken", 1, 1, NULL, NULL, NULL, NULL, ss_eval); /* no prepare */
}
int register_bad_versions(const tflrt_custom_api* api) {
  return reg(api, "BadVersions", 3, 2, NULL, NULL, NULL, ss_prepare, ss_eval);
}

/* Threads: each registers its own name many times. */
int register_numbered(const tflrt_custom_api* api, int k) {
  char name[32];
  snprintf(name, sizeof name, "Threaded%d", k);
  for (int i = 0; i < 50; i++) {
    int r = reg(api, name, 1, 1, NULL, NULL, NULL, ss_prepare, ss_eval);
    if (r) return r;
  }
  return 0;
}
"""


@pytest.fixture(scope="module")
def oplib(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler (cc/gcc/clang) to build the test's custom op library")
    d = tmp_path_factory.mktemp("customops")
    src = d / "test_ops.c"
    src.write_text(SOURCE)
    lib = d / "libtest_ops.so"
    r = subprocess.run([cc, "-std=c11", "-O1", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror",
                        "-shared", "-fPIC", "-I", INCLUDE, "-o", str(lib), str(src)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"compiling the custom op library failed:\n{r.stderr}")
    return str(lib)


def _interp_cls():
    from tflite_rt import InterpreterWithCustomOps
    return InterpreterWithCustomOps


def scale_shift_model(a=2.0, b=0.5, version=1, shape=(2, 3), dtype=np.float32):
    mb = ModelBuilder()
    x = mb.input("x", list(shape), dtype)
    y = mb.tensor("y", list(shape), np.float32)
    mb.op("ScaleShift", [x], [y], custom_options=np.array([a, b], np.float32).tobytes(), version=version)
    mb.output(y)
    return mb.build()


def run(it, *feeds):
    it.allocate_tensors()
    for d, v in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], v)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def test_registerer_by_name_in_library(oplib):
    it = _interp_cls()(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
                       model_content=scale_shift_model(2.0, 0.5))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(run(it, x)[0], x * 2 + 0.5)
    # resize: prepare runs again
    it.resize_tensor_input(it.get_input_details()[0]["index"], [4, 5])
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5)
    np.testing.assert_array_equal(run(it, x)[0], x * 2 + 0.5)


def test_init_free_pairing_and_options(oplib):
    lib = ctypes.CDLL(oplib)
    counts = lib.counts
    i0, f0 = counts(0), counts(1)
    its = [_interp_cls()(custom_op_registerers=[(oplib, "register_test_ops")],
                         model_content=scale_shift_model(float(k), -1.0)) for k in range(3)]
    assert counts(0) == i0 + 3
    x = np.ones((2, 3), np.float32)
    for k, it in enumerate(its):
        np.testing.assert_array_equal(run(it, x)[0], x * k - 1)
    del its, it
    import gc
    gc.collect()
    assert counts(1) == f0 + 3


def test_registerer_in_process_and_as_callables(oplib):
    lib = ctypes.CDLL(oplib, mode=ctypes.RTLD_GLOBAL)
    x = np.full((2, 3), 3.0, np.float32)
    m = scale_shift_model(1.0, 1.0)
    for reg in ["register_test_ops", lib.register_test_ops, lambda addr: lib.register_test_ops(ctypes.c_void_p(addr))]:
        it = _interp_cls()(custom_op_registerers=[reg], model_content=m)
        np.testing.assert_array_equal(run(it, x)[0], x + 1)


def test_dynamic_output(oplib):
    mb = ModelBuilder()
    n = mb.input("n", [1], np.int32)
    y = mb.tensor("y", [1], np.int32)
    mb.op("Iota", [n], [y])
    mb.output(y)
    it = _interp_cls()(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
                       model_content=mb.build())
    for k in [5, 0, 9]:
        np.testing.assert_array_equal(run(it, np.array([k], np.int32))[0], np.arange(k) * 3)
    with pytest.raises(RuntimeError, match=r"Node 0 \(Iota\) failed to invoke: negative length"):
        run(it, np.array([-1], np.int32))


def test_quantization_accessors(oplib):
    mb = ModelBuilder()
    x = mb.input("x", [2, 2], np.int8, quant=(0.25, -3))
    y = mb.tensor("y", [5], np.float32)
    mb.op("QuantInfo", [x], [y], version=4)
    mb.output(y)
    it = _interp_cls()(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
                       model_content=mb.build())
    np.testing.assert_array_equal(run(it, np.zeros((2, 2), np.int8))[0], [1, 0.25, -3, 0, 4])


def test_errors_name_node_and_op(oplib):
    Interp = _interp_cls()
    it = Interp(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
                model_content=scale_shift_model(dtype=np.int32))
    with pytest.raises(RuntimeError, match=r"Node 0 \(ScaleShift\) failed to prepare: x must be float32"):
        it.allocate_tensors()
    it = Interp(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
                model_content=scale_shift_model())
    with pytest.raises(RuntimeError, match="NaN input"):
        run(it, np.full((2, 3), np.nan, np.float32))
    # init failure (options of the wrong size) fails construction
    mb = ModelBuilder()
    x = mb.input("x", [2], np.float32)
    y = mb.tensor("y", [2], np.float32)
    mb.op("ScaleShift", [x], [y], custom_options=b"abc")
    mb.output(y)
    with pytest.raises((RuntimeError, ValueError), match="init failed"):
        Interp(custom_op_registerers=["register_test_ops"], custom_op_library=oplib, model_content=mb.build())


def test_versions_and_unresolved(oplib):
    from tflite_rt import UnsupportedOpError
    Interp = _interp_cls()
    with pytest.raises(UnsupportedOpError) as e:
        Interp(custom_op_registerers=["register_test_ops"], custom_op_library=oplib,
               model_content=scale_shift_model(version=3))
    assert "not for this version" in str(e.value)
    mb = ModelBuilder()
    x = mb.input("x", [2], np.float32)
    y = mb.tensor("y", [2], np.float32)
    mb.op("NoSuchOp", [x], [y])
    mb.output(y)
    with pytest.raises(UnsupportedOpError) as e:
        Interp(model_content=mb.build())
    msg = str(e.value)
    assert "NoSuchOp" in msg and "InterpreterWithCustomOps" in msg and "tflrt_register_custom_op" in msg


def test_invalid_registrations(oplib):
    Interp = _interp_cls()
    m = scale_shift_model()
    with pytest.raises(ValueError, match="register_invalid.*status 4"):
        Interp(custom_op_registerers=["register_invalid"], custom_op_library=oplib, model_content=m)
    with pytest.raises(ValueError, match="status 4"):
        Interp(custom_op_registerers=["register_bad_versions"], custom_op_library=oplib, model_content=m)
    with pytest.raises(ValueError, match="no_such_symbol"):
        Interp(custom_op_registerers=["no_such_symbol"], custom_op_library=oplib, model_content=m)
    with pytest.raises(ValueError, match="Cannot load"):
        Interp(custom_op_registerers=["x"], custom_op_library="/nonexistent/lib.so", model_content=m)
    with pytest.raises(TypeError):
        Interp(custom_op_registerers=[42], model_content=m)


def test_concurrent_registration(oplib):
    from tflite_rt import _native
    lib = ctypes.CDLL(oplib)
    fn = lib.register_numbered
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    addr = _native.custom_op_api_address()
    results = []
    threads = [threading.Thread(target=lambda k=k: results.append(fn(addr, k))) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0] * 8
    for k in range(8):
        assert _native.op_supported(32, f"Threaded{k}", 1)
