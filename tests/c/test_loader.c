/* Standalone test driver for the model loader (csrc/loader).
 *
 * Build and run (from the repository root):
 *   gcc -std=c11 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
 *       -Icsrc/include -Icsrc tests/c/test_loader.c csrc/loader/[a-z]*.c -o build/test_loader
 *   build/test_loader [--models DIR] [--mutants N] [--truncations N] [--seed S] [--only SUBSTR]
 *                    [--messages]   (print every rejection message, to histogram the checks hit)
 *   build/test_loader --dump FILE.tflite      JSON of everything decoded (for compare_oracle.py)
 *   build/test_loader --check FILE.tflite     load one file, print status and message
 *
 * Default mode: (a) every .tflite file in DIR must load, through both the buffer and the file (mmap)
 * entry points, and a one-line summary is printed; (b) each model is truncated at many lengths
 * and mutated (bytes, bits, 32-bit words set to edge values, mostly outside the weight data),
 * and every mutant must either load, with all model.h invariants holding, or fail with
 * TFLRT_ERR_MODEL / TFLRT_ERR_UNSUPPORTED and a message. Under ASan/UBSan any crash, leak or
 * undefined behaviour aborts the run. Exit status 0 = all good. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/model.h"
#include "loader/schema.h"

/* ---- small helpers --------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t* s) { /* xorshift64* */
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}
static uint64_t rng_below(uint64_t* s, uint64_t n) { return n ? rng_next(s) % n : 0; }

static uint8_t* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* p = malloc(n > 0 ? (size_t)n : 1);
  if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  *size = n > 0 ? (size_t)n : 0;
  return p;
}

static int cmp_str(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/* ---- invariant checker: everything model.h promises after TFLRT_OK ------------------------- */

static int fail_inv(const char* what, int sg, int idx) {
  fprintf(stderr, "INVARIANT BROKEN: %s (subgraph %d, index %d)\n", what, sg, idx);
  return 1;
}

static int inside(const tflrt_model* m, const void* p, size_t n) {
  const uint8_t* b = m->bytes;
  const uint8_t* q = p;
  return q >= b && q <= b + m->size && n <= (size_t)(b + m->size - q);
}

/* Touches every decoded byte (ASan catches dangling pointers) and re-checks the contract.
 * Returns the number of broken invariants. */
static int check_invariants_(const tflrt_model* m, uint8_t** avail_out) {
  volatile uint64_t sink = 0;
  if (m->n_subgraphs < 1) return fail_inv("no subgraph", -1, -1);
  sink += strlen(m->description);
  for (int i = 0; i < m->n_opcodes; i++) {
    const tflrt_mopcode* oc = &m->opcodes[i];
    if (oc->version < 1 || !tflrt_builtin_name(oc->builtin_code)) return fail_inv("opcode", -1, i);
    if ((oc->builtin_code == TFLRT_OP_CUSTOM) != (oc->custom_code != NULL)) return fail_inv("custom_code", -1, i);
    if (oc->custom_code) sink += strlen(oc->custom_code);
  }
  for (int s = 0; s < m->n_subgraphs; s++) {
    const tflrt_msubgraph* g = &m->subgraphs[s];
    sink += strlen(g->name);
    free(*avail_out);
    uint8_t* avail = *avail_out = calloc((size_t)g->n_tensors + 1, 1);
    for (int t = 0; t < g->n_tensors; t++) {
      const tflrt_mtensor* x = &g->tensors[t];
      sink += strlen(x->name);
      if (x->type < 0 || x->type >= TFLRT_TYPE_COUNT) return fail_inv("type", s, t);
      if (x->ndims < 0 || x->ndims > TFLRT_MAX_DIMS || !x->dims) return fail_inv("ndims", s, t);
      uint64_t count = 1;
      for (int d = 0; d < x->ndims; d++) {
        if (x->dims[d] < 0) return fail_inv("dim < 0", s, t);
        count *= (uint64_t)x->dims[d];
        if (x->dims_signature && x->dims_signature[d] < -1) return fail_inv("dims_signature", s, t);
      }
      if (x->buffer != 0 && x->buffer >= (uint32_t)m->n_buffers) return fail_inv("buffer index", s, t);
      if (x->nq < 0 || (x->nq > 0 && (!x->scales || !x->zero_points))) return fail_inv("quant arrays", s, t);
      for (int q = 0; q < x->nq; q++) {
        if (!(x->scales[q] >= 0.0f) || x->scales[q] > 3.4e38f) return fail_inv("scale", s, t);
        sink += (uint64_t)x->zero_points[q];
      }
      if (x->nq > 1 && (x->qdim < 0 || x->qdim >= x->ndims || x->dims[x->qdim] != x->nq))
        return fail_inv("quantized_dimension", s, t);
      if (x->data) {
        avail[t] = 1;
        if (x->is_variable) return fail_inv("variable with data", s, t);
        size_t es = tflrt_type_size(x->type);
        if (!x->sparsity && es && x->data_size != count * es) return fail_inv("data_size", s, t);
        if (es > 1 && ((uintptr_t)x->data % (es >= 8 ? 8 : es)) != 0) return fail_inv("alignment", s, t);
        if (x->data_size) sink += x->data[0] + x->data[x->data_size - 1];
        (void)inside;
      }
      if (x->is_variable || count == 0) avail[t] = 1;
      if (x->sparsity) {
        const tflrt_sparsity* sp = x->sparsity;
        for (int l = 0; l < sp->n_traversal; l++) sink += (uint64_t)sp->traversal_order[l];
        for (int l = 0; l < sp->n_block_map; l++) sink += (uint64_t)sp->block_map[l];
        for (int l = 0; l < sp->n_dim_metadata; l++) {
          const struct tflrt_dim_metadata* dm = &sp->dim_metadata[l];
          for (int k = 0; k < dm->n_segments; k++) sink += (uint64_t)dm->segments[k];
          for (int k = 0; k < dm->n_indices; k++) sink += (uint64_t)dm->indices[k];
        }
      }
    }
    for (int i = 0; i < g->n_inputs; i++) {
      if (g->inputs[i] < 0 || g->inputs[i] >= g->n_tensors) return fail_inv("subgraph input", s, i);
      avail[g->inputs[i]] = 1;
    }
    for (int o = 0; o < g->n_ops; o++) {
      const tflrt_mop* op = &g->ops[o];
      if (op->opcode_index >= (uint32_t)m->n_opcodes) return fail_inv("opcode_index", s, o);
      if (op->builtin_code != m->opcodes[op->opcode_index].builtin_code) return fail_inv("op code copy", s, o);
      for (int j = 0; j < op->n_inputs; j++) {
        int t = op->inputs[j];
        if (t < -1 || t >= g->n_tensors) return fail_inv("op input range", s, o);
        if (t >= 0 && !avail[t]) return fail_inv("op input not available", s, o);
      }
      for (int j = 0; j < op->n_intermediates; j++)
        if (op->intermediates[j] < 0 || op->intermediates[j] >= g->n_tensors) return fail_inv("intermediate", s, o);
      for (int j = 0; j < op->n_outputs; j++) {
        int t = op->outputs[j];
        if (t < 0 || t >= g->n_tensors) return fail_inv("op output range", s, o);
        for (int k = 0; k < op->n_inputs; k++)
          if (op->inputs[k] == t) return fail_inv("input == output", s, o);
        if (g->tensors[t].data) return fail_inv("op writes a constant", s, o);
      }
      for (int j = 0; j < op->n_outputs; j++) avail[op->outputs[j]] = 1;
      if (op->custom_options_size) {
        if (!inside(m, op->custom_options, op->custom_options_size)) return fail_inv("custom options", s, o);
        sink += op->custom_options[0] + op->custom_options[op->custom_options_size - 1];
      }
    }
    for (int i = 0; i < g->n_outputs; i++)
      if (g->outputs[i] < 0 || g->outputs[i] >= g->n_tensors) return fail_inv("subgraph output", s, i);
  }
  for (int i = 0; i < m->n_signatures; i++) {
    const tflrt_msignature* sg = &m->signatures[i];
    if (sg->subgraph < 0 || sg->subgraph >= m->n_subgraphs || !sg->key) return fail_inv("signature", -1, i);
    const int nt = m->subgraphs[sg->subgraph].n_tensors;
    sink += strlen(sg->key);
    for (int j = 0; j < sg->n_inputs; j++)
      if (sg->input_tensors[j] < 0 || sg->input_tensors[j] >= nt || !sg->input_names[j]) return fail_inv("sig input", -1, i);
      else sink += strlen(sg->input_names[j]);
    for (int j = 0; j < sg->n_outputs; j++)
      if (sg->output_tensors[j] < 0 || sg->output_tensors[j] >= nt || !sg->output_names[j]) return fail_inv("sig output", -1, i);
      else sink += strlen(sg->output_names[j]);
  }
  (void)sink;
  return 0;
}

static int check_invariants(const tflrt_model* m) {
  uint8_t* avail = NULL;
  int r = check_invariants_(m, &avail);
  free(avail);
  return r;
}

/* ---- JSON dump ------------------------------------------------------------------------------ */

static void json_str(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void json_ints(const int32_t* a, int n) {
  putchar('[');
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)a[i]);
  putchar(']');
}

static int dump(const char* path) {
  char err[TFLRT_ERR_CAP];
  tflrt_model* m;
  int rc = tflrt_model_load_file(path, &m, err, sizeof err);
  if (rc) {
    printf("{\"status\":%d,\"error\":", rc);
    json_str(err);
    printf("}\n");
    return 1;
  }
  printf("{\"status\":0,\"version\":%u,\"description\":", (unsigned)m->version);
  json_str(m->description);
  printf(",\"n_buffers\":%d,\"meta_bytes\":%zu,\"opcodes\":[", (int)m->n_buffers, m->meta_bytes);
  for (int i = 0; i < m->n_opcodes; i++) {
    printf("%s{\"code\":%d,\"name\":\"%s\",\"version\":%d,\"custom_code\":", i ? "," : "", (int)m->opcodes[i].builtin_code,
           tflrt_builtin_name(m->opcodes[i].builtin_code), (int)m->opcodes[i].version);
    if (m->opcodes[i].custom_code) json_str(m->opcodes[i].custom_code); else printf("null");
    putchar('}');
  }
  printf("],\"subgraphs\":[");
  for (int s = 0; s < m->n_subgraphs; s++) {
    const tflrt_msubgraph* g = &m->subgraphs[s];
    printf("%s{\"name\":", s ? "," : "");
    json_str(g->name);
    printf(",\"inputs\":");
    json_ints(g->inputs, g->n_inputs);
    printf(",\"outputs\":");
    json_ints(g->outputs, g->n_outputs);
    printf(",\"tensors\":[");
    for (int t = 0; t < g->n_tensors; t++) {
      const tflrt_mtensor* x = &g->tensors[t];
      printf("%s{\"name\":", t ? "," : "");
      json_str(x->name);
      printf(",\"type\":\"%s\",\"shape\":", tflrt_type_name(x->type));
      json_ints(x->dims, x->ndims);
      printf(",\"shape_signature\":");
      if (x->dims_signature) json_ints(x->dims_signature, x->ndims); else printf("null");
      printf(",\"buffer\":%u,\"constant\":%d,\"data_size\":%zu,\"is_variable\":%d,\"sparse\":%d,\"qdim\":%d,\"scales\":[",
             (unsigned)x->buffer, x->data != NULL, x->data_size, x->is_variable, x->sparsity != NULL, (int)x->qdim);
      for (int q = 0; q < x->nq; q++) printf("%s%.9g", q ? "," : "", (double)x->scales[q]);
      printf("],\"zero_points\":[");
      for (int q = 0; q < x->nq; q++) printf("%s%lld", q ? "," : "", (long long)x->zero_points[q]);
      printf("]");
      if (x->sparsity) {
        const tflrt_sparsity* sp = x->sparsity;
        printf(",\"sparsity\":{\"traversal_order\":");
        json_ints(sp->traversal_order, sp->n_traversal);
        printf(",\"block_map\":");
        json_ints(sp->block_map, sp->n_block_map);
        printf(",\"dim_metadata\":[");
        for (int l = 0; l < sp->n_dim_metadata; l++) {
          const struct tflrt_dim_metadata* dm = &sp->dim_metadata[l];
          printf("%s{\"format\":%d,\"dense_size\":%d,\"array_segments\":", l ? "," : "", (int)dm->format,
                 (int)dm->dense_size);
          json_ints(dm->segments, dm->n_segments);
          printf(",\"array_indices\":");
          json_ints(dm->indices, dm->n_indices);
          putchar('}');
        }
        printf("]}");
      }
      putchar('}');
    }
    printf("],\"ops\":[");
    for (int o = 0; o < g->n_ops; o++) {
      const tflrt_mop* op = &g->ops[o];
      printf("%s{\"name\":\"%s\",\"version\":%d,\"custom_code\":", o ? "," : "", tflrt_builtin_name(op->builtin_code),
             (int)op->version);
      if (op->custom_code) json_str(op->custom_code); else printf("null");
      printf(",\"options_type\":%d,\"has_options\":%d,\"custom_options_size\":%zu,\"inputs\":", op->options_type,
             op->has_options, op->custom_options_size);
      json_ints(op->inputs, op->n_inputs);
      printf(",\"outputs\":");
      json_ints(op->outputs, op->n_outputs);
      printf(",\"intermediates\":");
      json_ints(op->intermediates, op->n_intermediates);
      putchar('}');
    }
    printf("]}");
  }
  printf("],\"signatures\":[");
  for (int i = 0; i < m->n_signatures; i++) {
    const tflrt_msignature* sg = &m->signatures[i];
    printf("%s{\"key\":", i ? "," : "");
    json_str(sg->key);
    printf(",\"subgraph\":%d,\"inputs\":{", (int)sg->subgraph);
    for (int j = 0; j < sg->n_inputs; j++) {
      printf("%s", j ? "," : "");
      json_str(sg->input_names[j]);
      printf(":%d", (int)sg->input_tensors[j]);
    }
    printf("},\"outputs\":{");
    for (int j = 0; j < sg->n_outputs; j++) {
      printf("%s", j ? "," : "");
      json_str(sg->output_names[j]);
      printf(":%d", (int)sg->output_tensors[j]);
    }
    printf("}}");
  }
  printf("]}\n");
  tflrt_model_free(m);
  return 0;
}

/* ---- fuzzing ---------------------------------------------------------------------------------- */

typedef struct {
  long tried, ok, model_err, unsupported, bad;
  int print_messages; /* --messages: print every error message (for a histogram) */
} stats;

static int accept_result(int rc, tflrt_model* m, const char* err, stats* st, const char* what) {
  st->tried++;
  if (rc == TFLRT_OK) {
    st->ok++;
    int broken = check_invariants(m);
    tflrt_model_free(m);
    if (broken) {
      fprintf(stderr, "  mutant %s loaded but breaks invariants\n", what);
      st->bad++;
      return 1;
    }
    return 0;
  }
  if (m != NULL) {
    fprintf(stderr, "  mutant %s: failure but model pointer set\n", what);
    st->bad++;
    return 1;
  }
  if ((rc != TFLRT_ERR_MODEL && rc != TFLRT_ERR_UNSUPPORTED) || err[0] == 0) {
    fprintf(stderr, "  mutant %s: status %d, message '%s'\n", what, rc, err);
    st->bad++;
    return 1;
  }
  if (rc == TFLRT_ERR_MODEL) st->model_err++; else st->unsupported++;
  if (st->print_messages) printf("MSG %s\n", err);
  return 0;
}

static const uint32_t k_words[] = {0u, 1u, 2u, 3u, 4u, 7u, 8u, 0xFFu, 0x7Fu, 0x80u, 0xFFFFu, 0x7FFFFFFFu,
                                   0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFCu, 0x10000u, 209u, 210u, 127u};

static void fuzz_model(const char* name, const uint8_t* orig, size_t size, int n_mutants, int n_trunc,
                       uint64_t seed, stats* st) {
  char err[TFLRT_ERR_CAP];
  char what[96];
  tflrt_model* m = NULL;
  uint64_t rs = seed;
  for (const char* p = name; *p; p++) rs = (rs ^ (uint8_t)*p) * 0x100000001B3ULL;
  if (rs == 0) rs = 1;

  /* positions outside constant data: where structure lives */
  uint8_t* work = malloc(size);
  memcpy(work, orig, size);
  uint8_t* is_data = calloc(size, 1);
  if (tflrt_model_load_buffer(work, size, 0, &m, err, sizeof err) == TFLRT_OK) {
    for (int s = 0; s < m->n_subgraphs; s++)
      for (int t = 0; t < m->subgraphs[s].n_tensors; t++) {
        const tflrt_mtensor* x = &m->subgraphs[s].tensors[t];
        if (x->data && x->data >= work && x->data < work + size) memset(is_data + (x->data - work), 1, x->data_size);
      }
    tflrt_model_free(m);
  }
  size_t n_meta = 0;
  for (size_t i = 0; i < size; i++) n_meta += !is_data[i];
  size_t* meta = malloc((n_meta ? n_meta : 1) * sizeof(size_t));
  n_meta = 0;
  for (size_t i = 0; i < size; i++)
    if (!is_data[i]) meta[n_meta++] = i;
  free(is_data);

  /* truncations: every length below 64, then spread over the file (each in an exact-size
   * allocation, so reading past the end is an ASan error) */
  for (int k = 0; k < n_trunc; k++) {
    size_t len = k < 64 ? (size_t)k : (size_t)rng_below(&rs, size);
    if (len >= size) continue;
    uint8_t* cut = malloc(len ? len : 1);
    memcpy(cut, orig, len);
    m = NULL;
    int rc = tflrt_model_load_buffer(cut, len, 0, &m, err, sizeof err);
    snprintf(what, sizeof what, "%s truncated at %zu", name, len);
    accept_result(rc, m, err, st, what);
    free(cut);
  }

  /* in-place mutations of `work` (exactly `size` bytes) */
  enum { MAXM = 8 };
  for (int k = 0; k < n_mutants; k++) {
    size_t pos[MAXM * 4];
    uint8_t saved[MAXM * 4];
    int np = 0;
    int nm = 1 + (int)rng_below(&rs, (k % 4 == 3) ? MAXM : 2);
    for (int j = 0; j < nm; j++) {
      size_t p = (rng_below(&rs, 10) < 9 && n_meta) ? meta[rng_below(&rs, n_meta)] : (size_t)rng_below(&rs, size);
      int kind = (int)rng_below(&rs, 4);
      if (kind >= 2) { /* 32-bit word */
        p &= ~(size_t)3;
        if (p + 4 > size) continue;
        uint32_t w;
        memcpy(&w, work + p, 4);
        if (kind == 2) w = k_words[rng_below(&rs, sizeof k_words / sizeof k_words[0])];
        else w += (uint32_t)((int32_t)rng_below(&rs, 17) - 8) * (rng_below(&rs, 2) ? 1u : 4u);
        for (int b = 0; b < 4; b++) pos[np] = p + (size_t)b, saved[np] = work[p + (size_t)b], np++;
        memcpy(work + p, &w, 4);
      } else {
        pos[np] = p, saved[np] = work[p], np++;
        work[p] = kind == 0 ? (uint8_t)rng_next(&rs) : (uint8_t)(work[p] ^ (1u << rng_below(&rs, 8)));
      }
    }
    m = NULL;
    int rc = tflrt_model_load_buffer(work, size, 0, &m, err, sizeof err);
    snprintf(what, sizeof what, "%s #%d", name, k);
    if (accept_result(rc, m, err, st, what)) {
      for (int j = 0; j < np; j++) fprintf(stderr, "    byte %zu: %02x -> %02x\n", pos[j], saved[j], work[pos[j]]);
    }
    for (int j = np - 1; j >= 0; j--) work[pos[j]] = saved[j];
  }
  free(meta);
  free(work);
}

/* ---- main ------------------------------------------------------------------------------------ */

static int api_edge_cases(const char* a_model) {
  char err[TFLRT_ERR_CAP];
  tflrt_model* m = (tflrt_model*)1;
  int bad = 0;
  if (tflrt_model_load_file("/nonexistent/x.tflite", &m, err, sizeof err) != TFLRT_ERR_VALUE || m || !err[0]) bad++;
  if (tflrt_model_load_file("/tmp", &m, err, sizeof err) != TFLRT_ERR_VALUE || m || !err[0]) bad++;
  if (tflrt_model_load_file("/dev/null", &m, err, sizeof err) == TFLRT_OK || m || !err[0]) bad++;
  if (tflrt_model_load_buffer(NULL, 0, 0, &m, err, sizeof err) != TFLRT_ERR_MODEL || m || !err[0]) bad++;
  if (tflrt_model_load_buffer("TFL3TFL3", 8, 1, &m, err, 1) != TFLRT_ERR_MODEL || m || err[0]) bad++;
  if (tflrt_model_load_buffer("abcdEFGH", 8, 0, &m, err, sizeof err) != TFLRT_ERR_MODEL ||
      !strstr(err, "'EFGH'"))
    bad++;
  tflrt_model_free(NULL);
  if (a_model) { /* copy mode keeps its own bytes */
    size_t size;
    uint8_t* b = read_file(a_model, &size);
    int rc = tflrt_model_load_buffer(b, size, 1, &m, err, sizeof err);
    memset(b, 0xA5, size);
    free(b);
    if (rc != TFLRT_OK || check_invariants(m)) bad++;
    if (rc == TFLRT_OK) tflrt_model_free(m);
  }
  printf("API edge cases: %s\n", bad ? "FAILED" : "ok");
  return bad;
}

int main(int argc, char** argv) {
  const char* dir = "../shared/models"; /* run from the repository root */
  const char* only = NULL;
  int n_mutants = 3000, n_trunc = 200, print_messages = 0;
  uint64_t seed = 12345;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--dump") && i + 1 < argc) return dump(argv[i + 1]);
    if (!strcmp(argv[i], "--check") && i + 1 < argc) {
      char err[TFLRT_ERR_CAP];
      tflrt_model* m = NULL;
      int rc = tflrt_model_load_file(argv[i + 1], &m, err, sizeof err);
      if (!rc && check_invariants(m)) rc = -1, snprintf(err, sizeof err, "loaded, but invariants are broken");
      printf("status %d: %s\n", rc, rc ? err : "ok");
      if (m) tflrt_model_free(m);
      return rc != 0;
    }
    if (!strcmp(argv[i], "--models") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--mutants") && i + 1 < argc) n_mutants = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--truncations") && i + 1 < argc) n_trunc = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    else if (!strcmp(argv[i], "--messages")) print_messages = 1;
    else {
      fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  DIR* d = opendir(dir);
  if (!d) {
    fprintf(stderr, "cannot open %s\n", dir);
    return 2;
  }
  char* names[4096];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && n < 4096) {
    size_t l = strlen(e->d_name);
    if (l > 7 && !strcmp(e->d_name + l - 7, ".tflite") && (!only || strstr(e->d_name, only))) {
      names[n] = malloc(strlen(dir) + l + 2);
      sprintf(names[n], "%s/%s", dir, e->d_name);
      n++;
    }
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_str);

  int failures = api_edge_cases(n ? names[0] : NULL);
  int loaded = 0;
  stats st = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    char err[TFLRT_ERR_CAP];
    size_t size;
    uint8_t* bytes = read_file(names[i], &size);
    tflrt_model *m = NULL, *mf = NULL;
    int rc = bytes ? tflrt_model_load_buffer(bytes, size, 0, &m, err, sizeof err) : -1;
    const char* base = strrchr(names[i], '/') + 1;
    if (rc != TFLRT_OK) {
      printf("FAIL %-36s status %d: %s\n", base, rc, bytes ? err : "unreadable");
      failures++;
    } else {
      int rcf = tflrt_model_load_file(names[i], &mf, err, sizeof err);
      int ntens = 0, nops = 0;
      for (int s = 0; s < m->n_subgraphs; s++) ntens += m->subgraphs[s].n_tensors, nops += m->subgraphs[s].n_ops;
      int broken = check_invariants(m) + (rcf ? 1 : check_invariants(mf));
      if (rcf == TFLRT_OK && (mf->n_subgraphs != m->n_subgraphs || mf->meta_bytes != m->meta_bytes)) broken++;
      printf("%s %-36s %9zu bytes  subgraphs %d  tensors %5d  ops %4d  opcodes %2d  signatures %d  meta %zu\n",
             broken ? "BAD " : "ok  ", base, size, m->n_subgraphs, ntens, nops, m->n_opcodes, m->n_signatures,
             m->meta_bytes);
      failures += broken != 0;
      loaded += !broken;
      tflrt_model_free(m);
      if (rcf == TFLRT_OK) tflrt_model_free(mf);
    }
    fflush(stdout);
    if (bytes && (n_mutants > 0 || n_trunc > 0)) {
      stats ms = {0, 0, 0, 0, 0, print_messages};
      fuzz_model(base, bytes, size, n_mutants, n_trunc, seed, &ms);
      printf("     mutants %ld: loaded %ld, ModelError %ld, unsupported %ld, bad %ld\n", ms.tried, ms.ok,
             ms.model_err, ms.unsupported, ms.bad);
      st.tried += ms.tried, st.ok += ms.ok, st.model_err += ms.model_err, st.unsupported += ms.unsupported,
          st.bad += ms.bad;
      failures += ms.bad != 0;
    }
    free(bytes);
    free(names[i]);
  }
  printf("models loaded %d/%d; mutants %ld: loaded %ld, ModelError %ld, unsupported %ld, bad %ld\n", loaded, n,
         st.tried, st.ok, st.model_err, st.unsupported, st.bad);
  return failures ? 1 : 0;
}
