/* libFuzzer harness over the whole pipeline: load + create + allocate + invoke must fail
 * cleanly or succeed, never crash, whatever the bytes.
 *
 * Links the C core directly (no Python); built and run by tests/fuzz/run_libfuzzer.sh:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_interpreter.c <core> -o fuzz_interpreter
 * The interpreter's arena limit is the allocation quota (arena, scratch, persistent and
 * dynamic tensors), so a mutant that asks for gigabytes fails with TFLRT_ERR_NOMEM instead of
 * tripping libFuzzer's malloc limit.
 *
 * Contract checked (abort() = a finding):
 *   - load: OK, or MODEL / UNSUPPORTED / NOMEM with a message and no model;
 *   - create, allocate, invoke: any status, but a failure always leaves a message;
 *   - everything a successful call reports (tensor info, node info, data pointers) is readable:
 *     every tensor's bytes are read back, so ASan sees a pointer outside its block.
 *
 * -DTFLRT_FUZZ_STANDALONE gives a main() that runs the files named on the command line
 * (replaying crash files with gcc, no libFuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_rt/c_api.h"

#ifndef TFLRT_FUZZ_ARENA_LIMIT
#define TFLRT_FUZZ_ARENA_LIMIT (UINT64_C(64) << 20)
#endif

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static uint64_t fnv1a(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

static uint64_t xorshift(uint64_t* s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

static void check_failed(tflrt_interp* it, int r, const char* what) {
  if (r == TFLRT_OK) return;
  const char* e = tflrt_interp_error(it);
  if (r < TFLRT_ERR_RUNTIME || r > TFLRT_ERR_NOMEM || e == NULL || e[0] == 0) {
    fprintf(stderr, "%s returned status %d with message '%s'\n", what, r, e ? e : "(null)");
    abort();
  }
}

/* Reads every byte of every tensor that has data, and the node lists. */
static volatile uint64_t g_sink;

static void touch_all(tflrt_interp* it) {
  uint64_t sink = 0;
  for (int32_t s = 0; s < tflrt_interp_num_subgraphs(it); s++) {
    for (int32_t t = 0; t < tflrt_interp_num_tensors(it, s); t++) {
      tflrt_tensor_info ti;
      if (tflrt_interp_tensor(it, s, t, &ti) != TFLRT_OK) abort();
      sink += strlen(ti.name);
      for (int32_t d = 0; d < ti.ndims; d++) sink += (uint64_t)ti.dims[d];
      for (int32_t q = 0; q < ti.nq; q++) sink += (uint64_t)ti.zero_points[q] + (ti.scales[q] > 0);
      if (ti.data != NULL && ti.bytes > 0) {
        const uint8_t* p = ti.data;
        sink += p[0] + p[ti.bytes - 1] + p[ti.bytes / 2];
      }
    }
    for (int32_t k = 0; k < tflrt_interp_num_nodes(it, s); k++) {
      tflrt_node_info ni;
      if (tflrt_interp_node(it, s, k, &ni) != TFLRT_OK) abort();
      sink += strlen(ni.op_name);
      for (int32_t j = 0; j < ni.n_inputs; j++) sink += (uint64_t)ni.inputs[j];
      for (int32_t j = 0; j < ni.n_outputs; j++) sink += (uint64_t)ni.outputs[j];
    }
  }
  g_sink += sink;
}

/* Fills the inputs of subgraph 0: mostly small values (loop counters and indices stay in
 * range often enough to get past them), sometimes random bytes. */
static void fill_inputs(tflrt_interp* it, uint64_t seed) {
  for (int32_t i = 0; i < tflrt_interp_num_inputs(it, 0); i++) {
    const int32_t t = tflrt_interp_input(it, 0, i);
    tflrt_tensor_info ti;
    if (tflrt_interp_tensor(it, 0, t, &ti) != TFLRT_OK || ti.data == NULL || ti.bytes == 0) continue;
    uint8_t* buf = malloc(ti.bytes);
    if (!buf) continue;
    const int raw = (xorshift(&seed) & 7) == 0;
    const size_t es = tflrt_type_size(ti.type);
    for (size_t b = 0; b < ti.bytes; b++) buf[b] = raw ? (uint8_t)xorshift(&seed) : 0;
    if (!raw && es > 0) {
      for (size_t e = 0; e + es <= ti.bytes; e += es) {
        const uint32_t v = (uint32_t)(xorshift(&seed) % 4);
        if (ti.type == TFLRT_FLOAT32) {
          const float f = (float)v * 0.5f;
          memcpy(buf + e, &f, 4);
        } else {
          buf[e] = (uint8_t)v; /* little-endian small integer; bool 0/1/2/3 */
          if (ti.type == TFLRT_BOOL) buf[e] &= 1;
        }
      }
    }
    check_failed(it, tflrt_interp_copy_in(it, 0, t, buf, ti.bytes), "copy_in");
    free(buf);
  }
}

static void read_outputs(tflrt_interp* it) {
  for (int32_t i = 0; i < tflrt_interp_num_outputs(it, 0); i++) {
    const int32_t t = tflrt_interp_output(it, 0, i);
    tflrt_tensor_info ti;
    if (tflrt_interp_tensor(it, 0, t, &ti) != TFLRT_OK) abort();
    if (ti.bytes == 0 || ti.bytes > (64u << 20)) continue;
    uint8_t* buf = malloc(ti.bytes);
    if (!buf) continue;
    int r = tflrt_interp_copy_out(it, 0, t, buf, ti.bytes);
    if (r == TFLRT_OK) g_sink += buf[0] + buf[ti.bytes - 1];
    free(buf);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char err[TFLRT_ERR_CAP];
  err[0] = 0;
  tflrt_model* m = NULL;
  int r = tflrt_model_from_buffer(data, size, &m, err, sizeof err);
  if (r != TFLRT_OK) {
    if ((r != TFLRT_ERR_MODEL && r != TFLRT_ERR_UNSUPPORTED && r != TFLRT_ERR_NOMEM) || m != NULL || err[0] == 0) {
      fprintf(stderr, "load returned status %d, model %p, message '%s'\n", r, (void*)m, err);
      abort();
    }
    return 0;
  }
  tflrt_options o;
  tflrt_options_init(&o);
  o.arena_limit = TFLRT_FUZZ_ARENA_LIMIT;
  const uint64_t seed = fnv1a(data, size) | 1;
  /* kernels: reference, AVX2 or the best this machine has (ISA caps above it are ignored);
   * now and then a thread pool, so the ops' range splitting runs too */
  static const int32_t caps[4] = {0 /* ref */, 1 /* avx2 */, -1, -1};
  o.isa_cap = caps[(seed >> 8) & 3];
  o.num_threads = ((seed >> 10) & 7) == 0 ? 2 : 1;
  tflrt_interp* it = NULL;
  err[0] = 0;
  r = tflrt_interp_create(m, &o, &it, err, sizeof err);
  if (r != TFLRT_OK) {
    if (it != NULL || err[0] == 0) {
      fprintf(stderr, "create returned status %d, interpreter %p, message '%s'\n", r, (void*)it, err);
      abort();
    }
    tflrt_model_destroy(m);
    return 0;
  }
  touch_all(it);
  r = tflrt_interp_allocate(it, 0);
  check_failed(it, r, "allocate");
  if (r == TFLRT_OK) {
    touch_all(it);
    fill_inputs(it, seed);
    r = tflrt_interp_invoke(it, 0);
    check_failed(it, r, "invoke");
    touch_all(it);
    if (r == TFLRT_OK) {
      read_outputs(it);
      if (seed & 2) check_failed(it, tflrt_interp_invoke(it, 0), "second invoke");
    }
    /* resize the first input (one dimension + 1) and run again: prepare with new shapes */
    if ((seed & 12) == 12 && tflrt_interp_num_inputs(it, 0) > 0) {
      tflrt_tensor_info ti;
      const int32_t t = tflrt_interp_input(it, 0, 0);
      if (tflrt_interp_tensor(it, 0, t, &ti) == TFLRT_OK && ti.ndims > 0) {
        int32_t dims[TFLRT_MAX_DIMS];
        memcpy(dims, ti.dims, sizeof(int32_t) * (size_t)ti.ndims);
        dims[(seed >> 4) % (uint64_t)ti.ndims] += 1;
        if (tflrt_interp_resize_input(it, 0, t, dims, ti.ndims, 0) == TFLRT_OK &&
            tflrt_interp_allocate(it, 0) == TFLRT_OK) {
          fill_inputs(it, seed);
          check_failed(it, tflrt_interp_invoke(it, 0), "invoke after resize");
          touch_all(it);
        }
      }
    }
  }
  tflrt_interp_destroy(it);
  tflrt_model_destroy(m);
  return 0;
}

#include "fuzz_standalone_main.h" /* main() with -DTFLRT_FUZZ_STANDALONE */
