/* Model loader: decodes a .tflite flatbuffer into the structs of model.h and validates it.
 *
 * Order of work: root and identifier, schema version, buffers (resolved once, external data
 * checked against the file), operator codes, subgraphs (tensors via tensors.c, then inputs,
 * outputs and operators), signatures, metadata; finally the graph checks of validate.c.
 * Every flatbuffer read goes through fb.h. Decoded arrays live in a few blocks owned by the
 * model; the first error is written to the caller's buffer and loading stops. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "loader_internal.h"
#include "schema.h"

/* ---- owned memory ---------------------------------------------------------------------- */

struct tflrt_block {
  struct tflrt_block* next;
  size_t cap, used;
  max_align_t data[]; /* cap bytes */
};

#define LD_BLOCK_MIN ((size_t)64 << 10)

static void* block_alloc(ld_ctx* c, size_t bytes) {
  tflrt_model* m = c->m;
  if (bytes > SIZE_MAX - 15u) return NULL;
  bytes = (bytes + 15u) & ~(size_t)15u;
  struct tflrt_block* b = m->blocks;
  if (b == NULL || b->cap - b->used < bytes) {
    size_t cap = bytes > LD_BLOCK_MIN ? bytes : LD_BLOCK_MIN;
    if (cap > SIZE_MAX - sizeof(*b)) return NULL;
    struct tflrt_block* nb = calloc(1, sizeof(*nb) + cap);
    if (nb == NULL) return NULL;
    nb->cap = cap;
    m->meta_bytes += sizeof(*nb) + cap;
    if (b != NULL && b->cap - b->used >= LD_BLOCK_MIN / 4) {
      /* keep the roomy current block in front; a big request gets its own block behind it */
      nb->next = b->next;
      b->next = nb;
      nb->used = bytes;
      return (void*)nb->data;
    }
    nb->next = b;
    m->blocks = nb;
    b = nb;
  }
  void* p = (uint8_t*)b->data + b->used;
  b->used += bytes;
  return p;
}

void* ld_alloc(ld_ctx* c, size_t n, size_t elem) {
  if (n == 0) n = 1;
  if (elem != 0 && n > SIZE_MAX / elem) {
    ld_fail(c, TFLRT_ERR_MODEL, "decoded metadata size overflows");
    return NULL;
  }
  size_t bytes = n * elem;
  if (bytes > c->meta_budget) {
    ld_fail(c, TFLRT_ERR_MODEL,
            "%s: decoded metadata would exceed the limit for a %zu-byte file (vectors shared by many tables?)",
            c->where[0] ? c->where : "Model", c->size);
    return NULL;
  }
  c->meta_budget -= bytes;
  void* p = block_alloc(c, bytes);
  if (p == NULL) ld_fail(c, TFLRT_ERR_NOMEM, "out of memory decoding the model (%zu bytes)", bytes);
  return p;
}

void* ld_alloc_data(ld_ctx* c, size_t bytes) {
  void* p = block_alloc(c, bytes ? bytes : 1);
  if (p == NULL) ld_fail(c, TFLRT_ERR_NOMEM, "out of memory copying misaligned data (%zu bytes)", bytes);
  return p;
}

int ld_copy_i32(ld_ctx* c, const fb_vec* v, int32_t** out) {
  int32_t* a = ld_alloc(c, v->len, sizeof(int32_t));
  if (a == NULL) return LD_ALLOC_STATUS(c);
  if (v->len) memcpy(a, v->buf + v->pos, 4 * (size_t)v->len);
  *out = a;
  return TFLRT_OK;
}

int ld_fail(ld_ctx* c, int status, const char* fmt, ...) {
  if (!c->failed && c->err != NULL && c->err_cap > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_cap, fmt, ap);
    va_end(ap);
  }
  if (!c->failed) c->status = status;
  c->failed = 1;
  return status;
}

const char* ld_printable(const char* s, char* out, size_t cap) {
  size_t i = 0, j = 0;
  if (cap == 0) return out;
  for (; s[i] != 0 && j + 1 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];
    out[j++] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? (char)ch : '?';
  }
  if (s[i] != 0 && cap >= 4) memcpy(out + cap - 4, "...", 3), j = cap - 1;
  out[j] = 0;
  return out;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static int count_of(ld_ctx* c, const fb_vec* v, const char* what, int32_t* n) {
  if (v->len > (uint32_t)INT32_MAX) return ld_fail(c, TFLRT_ERR_MODEL, "%s: too many entries (%u)", what, (unsigned)v->len);
  *n = (int32_t)v->len;
  return TFLRT_OK;
}

/* Copies a tensor-index vector; every entry must be in [allow_optional ? -1 : 0, n_tensors). */
static int decode_indices(ld_ctx* c, const fb_vec* v, int32_t n_tensors, int allow_optional,
                          const char* where, const char* what, int32_t* n, int32_t** out) {
  int rc = count_of(c, v, where, n);
  if (!rc) rc = ld_copy_i32(c, v, out);
  if (rc) return rc;
  for (int32_t i = 0; i < *n; i++) {
    int32_t t = (*out)[i];
    if ((t == -1 && allow_optional) || (t >= 0 && t < n_tensors)) continue;
    if (t == -1)
      return ld_fail(c, TFLRT_ERR_MODEL, "%s: %s %d is -1 (absent), which only operator inputs may be", where,
                     what, (int)i);
    return ld_fail(c, TFLRT_ERR_MODEL, "%s: %s %d is tensor %d but the subgraph has %d tensors", where,
                   what, (int)i, (int)t, (int)n_tensors);
  }
  return TFLRT_OK;
}

/* ---- buffers, opcodes ---------------------------------------------------------------------- */

static int decode_buffers(ld_ctx* c, const fb_table* root) {
  fb_vec v;
  if (!fb_has(root, TFLRT_MODEL_BUFFERS)) return ld_fail(c, TFLRT_ERR_MODEL, "No buffers in the model");
  if (fb_vec_field(root, TFLRT_MODEL_BUFFERS, 4, &v)) return ld_fail(c, TFLRT_ERR_MODEL, "Model: malformed buffers vector");
  if (count_of(c, &v, "Model buffers", &c->m->n_buffers)) return TFLRT_ERR_MODEL;
  c->buffers = calloc(v.len ? v.len : 1, sizeof(ld_buffer));
  if (c->buffers == NULL) return ld_fail(c, TFLRT_ERR_NOMEM, "out of memory (%u buffers)", (unsigned)v.len);
  for (uint32_t i = 0; i < v.len; i++) {
    fb_table b;
    fb_vec data;
    uint64_t off, size;
    ld_buffer* d = &c->buffers[i];
    if (fb_vec_table(&v, i, &b) || fb_vec_field(&b, TFLRT_BUFFER_DATA, 1, &data) ||
        fb_u64(&b, TFLRT_BUFFER_OFFSET, 0, &off) || fb_u64(&b, TFLRT_BUFFER_SIZE, 0, &size))
      return ld_fail(c, TFLRT_ERR_MODEL, "Buffer %u: malformed flatbuffer table", (unsigned)i);
    if (fb_has(&b, TFLRT_BUFFER_DATA)) {
      d->has_data = 1;
      d->data = data.buf + data.pos; /* inside the file even when empty */
      d->size = data.len;
    } else if (off > 1) {
      if (off > c->size || size > c->size - off)
        return ld_fail(c, TFLRT_ERR_MODEL, "Buffer %u: data lies outside the file (offset %llu, size %llu, file %zu bytes)",
                       (unsigned)i, (unsigned long long)off, (unsigned long long)size, c->size);
      d->has_data = 1;
      d->data = c->buf + off;
      d->size = size;
    }
    if (i == 0 && d->has_data && d->size != 0)
      return ld_fail(c, TFLRT_ERR_MODEL, "Buffer 0 must be empty (it holds %llu bytes)", (unsigned long long)d->size);
  }
  return TFLRT_OK;
}

static int decode_opcodes(ld_ctx* c, const fb_table* root) {
  tflrt_model* m = c->m;
  fb_vec v;
  if (fb_vec_field(root, TFLRT_MODEL_OPERATOR_CODES, 4, &v)) return ld_fail(c, TFLRT_ERR_MODEL, "Model: malformed operator_codes vector");
  if (count_of(c, &v, "Model operator_codes", &m->n_opcodes)) return TFLRT_ERR_MODEL;
  snprintf(c->where, sizeof c->where, "Model operator_codes");
  m->opcodes = ld_alloc(c, v.len, sizeof(tflrt_mopcode));
  if (m->opcodes == NULL) return LD_ALLOC_STATUS(c);
  for (uint32_t i = 0; i < v.len; i++) {
    fb_table t;
    int8_t dep;
    int32_t code, version;
    const char* custom;
    if (fb_vec_table(&v, i, &t) || fb_i8(&t, TFLRT_OPCODE_DEPRECATED_BUILTIN_CODE, 0, &dep) ||
        fb_i32(&t, TFLRT_OPCODE_BUILTIN_CODE, 0, &code) || fb_i32(&t, TFLRT_OPCODE_VERSION, 1, &version) ||
        fb_str_field(&t, TFLRT_OPCODE_CUSTOM_CODE, &custom, NULL))
      return ld_fail(c, TFLRT_ERR_MODEL, "Operator code %u: malformed flatbuffer table", (unsigned)i);
    if (dep > code) code = dep;
    if (code < 0 || code >= TFLRT_OP_COUNT)
      return ld_fail(c, TFLRT_ERR_MODEL, "Operator code %u: unknown builtin operator code %d", (unsigned)i, (int)code);
    if (version < 1)
      return ld_fail(c, TFLRT_ERR_MODEL, "Operator code %u (%s): version %d is not >= 1", (unsigned)i,
                     tflrt_builtin_name(code), (int)version);
    if (code == TFLRT_OP_CUSTOM && custom == NULL)
      return ld_fail(c, TFLRT_ERR_MODEL, "Operator code %u: CUSTOM operator without custom_code", (unsigned)i);
    m->opcodes[i].builtin_code = code;
    m->opcodes[i].version = version;
    m->opcodes[i].custom_code = code == TFLRT_OP_CUSTOM ? custom : NULL;
  }
  return TFLRT_OK;
}

/* ---- subgraphs ------------------------------------------------------------------------------ */

static int decode_operator(ld_ctx* c, int32_t sg, int32_t idx, const fb_table* t, tflrt_mop* op) {
  tflrt_model* m = c->m;
  const int32_t nt = m->subgraphs[sg].n_tensors;
  char where[96];
  if (fb_u32(t, TFLRT_OPERATOR_OPCODE_INDEX, 0, &op->opcode_index))
    return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d, operator %d: malformed opcode_index", (int)sg, (int)idx);
  if (op->opcode_index >= (uint32_t)m->n_opcodes)
    return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d, operator %d: opcode_index %u but the model has %d operator codes",
                   (int)sg, (int)idx, (unsigned)op->opcode_index, (int)m->n_opcodes);
  const tflrt_mopcode* oc = &m->opcodes[op->opcode_index];
  op->builtin_code = oc->builtin_code;
  op->version = oc->version;
  op->custom_code = oc->custom_code;
  snprintf(where, sizeof where, "Subgraph %d, operator %d (%s)", (int)sg, (int)idx,
           oc->builtin_code == TFLRT_OP_CUSTOM ? "CUSTOM" : tflrt_builtin_name(oc->builtin_code));
  memcpy(c->where, where, sizeof where < sizeof c->where ? sizeof where : sizeof c->where);
  c->where[sizeof c->where - 1] = 0;

  fb_vec in, out, im, co;
  if (fb_vec_field(t, TFLRT_OPERATOR_INPUTS, 4, &in) || fb_vec_field(t, TFLRT_OPERATOR_OUTPUTS, 4, &out) ||
      fb_vec_field(t, TFLRT_OPERATOR_INTERMEDIATES, 4, &im))
    return ld_fail(c, TFLRT_ERR_MODEL, "%s: malformed inputs, outputs or intermediates", where);
  int rc = decode_indices(c, &in, nt, 1, where, "input", &op->n_inputs, &op->inputs);
  if (!rc) rc = decode_indices(c, &out, nt, 0, where, "output", &op->n_outputs, &op->outputs);
  if (!rc) rc = decode_indices(c, &im, nt, 0, where, "intermediate", &op->n_intermediates, &op->intermediates);
  if (rc) return rc;

  if (fb_u8(t, TFLRT_OPERATOR_BUILTIN_OPTIONS_TYPE, 0, &op->options_type) ||
      fb_table_field(t, TFLRT_OPERATOR_BUILTIN_OPTIONS, &op->options, &op->has_options) ||
      fb_u8(t, TFLRT_OPERATOR_BUILTIN_OPTIONS_2_TYPE, 0, &op->options2_type) ||
      fb_table_field(t, TFLRT_OPERATOR_BUILTIN_OPTIONS_2, &op->options2, &op->has_options2))
    return ld_fail(c, TFLRT_ERR_MODEL, "%s: malformed builtin options", where);
  if (op->options_type == 0) op->has_options = 0;
  if (op->options2_type == 0) op->has_options2 = 0;

  uint64_t loff, lsize;
  if (fb_vec_field(t, TFLRT_OPERATOR_CUSTOM_OPTIONS, 1, &co) ||
      fb_u64(t, TFLRT_OPERATOR_LARGE_CUSTOM_OPTIONS_OFFSET, 0, &loff) ||
      fb_u64(t, TFLRT_OPERATOR_LARGE_CUSTOM_OPTIONS_SIZE, 0, &lsize))
    return ld_fail(c, TFLRT_ERR_MODEL, "%s: malformed custom options", where);
  if (fb_has(t, TFLRT_OPERATOR_CUSTOM_OPTIONS)) {
    op->custom_options = co.buf + co.pos;
    op->custom_options_size = co.len;
  } else if (loff > 1) {
    if (loff > c->size || lsize > c->size - loff)
      return ld_fail(c, TFLRT_ERR_MODEL, "%s: custom options lie outside the file (offset %llu, size %llu, file %zu bytes)",
                     where, (unsigned long long)loff, (unsigned long long)lsize, c->size);
    op->custom_options = c->buf + loff;
    op->custom_options_size = (size_t)lsize;
  }
  return TFLRT_OK;
}

static int decode_subgraph(ld_ctx* c, int32_t sg, const fb_table* t) {
  tflrt_msubgraph* s = &c->m->subgraphs[sg];
  fb_vec tv, iv, ov, opv;
  const char* name;
  char where[48];
  snprintf(where, sizeof where, "Subgraph %d", (int)sg);
  snprintf(c->where, sizeof c->where, "Subgraph %d", (int)sg);
  if (fb_str_field(t, TFLRT_SUBGRAPH_NAME, &name, NULL) || fb_vec_field(t, TFLRT_SUBGRAPH_TENSORS, 4, &tv) ||
      fb_vec_field(t, TFLRT_SUBGRAPH_INPUTS, 4, &iv) || fb_vec_field(t, TFLRT_SUBGRAPH_OUTPUTS, 4, &ov) ||
      fb_vec_field(t, TFLRT_SUBGRAPH_OPERATORS, 4, &opv))
    return ld_fail(c, TFLRT_ERR_MODEL, "%s: malformed flatbuffer table", where);
  s->name = name ? name : "";
  if (count_of(c, &tv, where, &s->n_tensors) || count_of(c, &opv, where, &s->n_ops)) return TFLRT_ERR_MODEL;
  s->tensors = ld_alloc(c, tv.len, sizeof(tflrt_mtensor));
  s->ops = s->tensors ? ld_alloc(c, opv.len, sizeof(tflrt_mop)) : NULL;
  if (s->ops == NULL) return LD_ALLOC_STATUS(c);
  for (int32_t i = 0; i < s->n_tensors; i++) {
    fb_table tt;
    if (fb_vec_table(&tv, (uint32_t)i, &tt))
      return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d, tensor %d: malformed flatbuffer table", (int)sg, (int)i);
    snprintf(c->where, sizeof c->where, "Subgraph %d, tensor %d", (int)sg, (int)i);
    int rc = ld_decode_tensor(c, sg, i, &tt, &s->tensors[i]);
    if (rc) return rc;
  }
  snprintf(c->where, sizeof c->where, "Subgraph %d", (int)sg);
  int rc = decode_indices(c, &iv, s->n_tensors, 0, where, "input", &s->n_inputs, &s->inputs);
  if (!rc) rc = decode_indices(c, &ov, s->n_tensors, 0, where, "output", &s->n_outputs, &s->outputs);
  if (rc) return rc;
  for (int32_t i = 0; i < s->n_ops; i++) {
    fb_table ot;
    if (fb_vec_table(&opv, (uint32_t)i, &ot))
      return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d, operator %d: malformed flatbuffer table", (int)sg, (int)i);
    rc = decode_operator(c, sg, i, &ot, &s->ops[i]);
    if (rc) return rc;
  }
  return TFLRT_OK;
}

/* ---- signatures, metadata -------------------------------------------------------------------- */

static int decode_tensor_map(ld_ctx* c, int32_t si, const fb_vec* v, const char* what, int32_t nt,
                             int32_t* n, const char*** names, int32_t** tensors) {
  if (count_of(c, v, "SignatureDef", n)) return TFLRT_ERR_MODEL;
  *names = ld_alloc(c, v->len, sizeof(const char*));
  *tensors = *names ? ld_alloc(c, v->len, sizeof(int32_t)) : NULL;
  if (*tensors == NULL) return LD_ALLOC_STATUS(c);
  for (uint32_t i = 0; i < v->len; i++) {
    fb_table t;
    const char* name;
    uint32_t idx;
    if (fb_vec_table(v, i, &t) || fb_str_field(&t, TFLRT_TENSORMAP_NAME, &name, NULL) ||
        fb_u32(&t, TFLRT_TENSORMAP_TENSOR_INDEX, 0, &idx))
      return ld_fail(c, TFLRT_ERR_MODEL, "Signature %d, %s %u: malformed flatbuffer table", (int)si, what, (unsigned)i);
    if (idx >= (uint32_t)nt)
      return ld_fail(c, TFLRT_ERR_MODEL, "Signature %d, %s %u: tensor index %u but the subgraph has %d tensors",
                     (int)si, what, (unsigned)i, (unsigned)idx, (int)nt);
    (*names)[i] = name ? name : "";
    (*tensors)[i] = (int32_t)idx;
  }
  return TFLRT_OK;
}

static int decode_signatures(ld_ctx* c, const fb_table* root) {
  tflrt_model* m = c->m;
  fb_vec v;
  if (fb_vec_field(root, TFLRT_MODEL_SIGNATURE_DEFS, 4, &v)) return ld_fail(c, TFLRT_ERR_MODEL, "Model: malformed signature_defs vector");
  if (count_of(c, &v, "Model signature_defs", &m->n_signatures)) return TFLRT_ERR_MODEL;
  m->signatures = ld_alloc(c, v.len, sizeof(tflrt_msignature));
  if (m->signatures == NULL) return LD_ALLOC_STATUS(c);
  for (uint32_t i = 0; i < v.len; i++) {
    tflrt_msignature* s = &m->signatures[i];
    snprintf(c->where, sizeof c->where, "Signature %u", (unsigned)i);
    fb_table t;
    fb_vec in, out;
    uint32_t sg;
    if (fb_vec_table(&v, i, &t) || fb_str_field(&t, TFLRT_SIGNATURE_KEY, &s->key, NULL) ||
        fb_u32(&t, TFLRT_SIGNATURE_SUBGRAPH_INDEX, 0, &sg) || fb_vec_field(&t, TFLRT_SIGNATURE_INPUTS, 4, &in) ||
        fb_vec_field(&t, TFLRT_SIGNATURE_OUTPUTS, 4, &out))
      return ld_fail(c, TFLRT_ERR_MODEL, "Signature %u: malformed flatbuffer table", (unsigned)i);
    if (s->key == NULL) return ld_fail(c, TFLRT_ERR_MODEL, "Signature %u: missing signature_key", (unsigned)i);
    if (sg >= (uint32_t)m->n_subgraphs)
      return ld_fail(c, TFLRT_ERR_MODEL, "Signature %u: subgraph index %u but the model has %d subgraphs",
                     (unsigned)i, (unsigned)sg, (int)m->n_subgraphs);
    s->subgraph = (int32_t)sg;
    const int32_t nt = m->subgraphs[sg].n_tensors;
    int rc = decode_tensor_map(c, (int32_t)i, &in, "input", nt, &s->n_inputs, &s->input_names, &s->input_tensors);
    if (!rc) rc = decode_tensor_map(c, (int32_t)i, &out, "output", nt, &s->n_outputs, &s->output_names, &s->output_tensors);
    if (rc) return rc;
  }
  return TFLRT_OK;
}

static int check_metadata(ld_ctx* c, const fb_table* root) {
  fb_vec v;
  if (fb_vec_field(root, TFLRT_MODEL_METADATA, 4, &v)) return ld_fail(c, TFLRT_ERR_MODEL, "Model: malformed metadata vector");
  for (uint32_t i = 0; i < v.len; i++) {
    fb_table t;
    const char* name;
    uint32_t b;
    if (fb_vec_table(&v, i, &t) || fb_str_field(&t, TFLRT_METADATA_NAME, &name, NULL) ||
        fb_u32(&t, TFLRT_METADATA_BUFFER, 0, &b))
      return ld_fail(c, TFLRT_ERR_MODEL, "Metadata %u: malformed flatbuffer table", (unsigned)i);
    if (b >= (uint32_t)c->m->n_buffers)
      return ld_fail(c, TFLRT_ERR_MODEL, "Metadata %u: buffer index %u but the model has %d buffers", (unsigned)i,
                     (unsigned)b, (int)c->m->n_buffers);
  }
  return TFLRT_OK;
}

/* ---- entry points ------------------------------------------------------------------------------ */

static int decode_model(ld_ctx* c) {
  tflrt_model* m = c->m;
  fb_table root;
  if (c->size < 8)
    return ld_fail(c, TFLRT_ERR_MODEL, "The model is not a valid Flatbuffer buffer: %zu bytes is too short", c->size);
  if (memcmp(c->buf + 4, TFLRT_FILE_IDENTIFIER, 4) != 0) {
    char id[5];
    for (int i = 0; i < 4; i++) {
      unsigned char ch = c->buf[4 + i];
      id[i] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? (char)ch : '?';
    }
    id[4] = 0;
    return ld_fail(c, TFLRT_ERR_MODEL, "The model is not a valid Flatbuffer buffer: identifier is '%s', expected '%s'",
                   id, TFLRT_FILE_IDENTIFIER);
  }
  if (fb_root(c->buf, c->size, TFLRT_FILE_IDENTIFIER, &root))
    return ld_fail(c, TFLRT_ERR_MODEL, "The model is not a valid Flatbuffer buffer: root table lies outside the %zu-byte file",
                   c->size);
  const char* desc;
  fb_vec sgv;
  if (fb_u32(&root, TFLRT_MODEL_VERSION, 0, &m->version) || fb_str_field(&root, TFLRT_MODEL_DESCRIPTION, &desc, NULL) ||
      fb_vec_field(&root, TFLRT_MODEL_SUBGRAPHS, 4, &sgv))
    return ld_fail(c, TFLRT_ERR_MODEL, "Model: malformed root table");
  if (m->version != TFLRT_SCHEMA_VERSION)
    return ld_fail(c, TFLRT_ERR_MODEL, "Model provided is schema version %u not equal to supported version %d",
                   (unsigned)m->version, TFLRT_SCHEMA_VERSION);
  m->description = desc ? desc : "";
  if (sgv.len == 0) return ld_fail(c, TFLRT_ERR_MODEL, "No subgraph in the model");
  int rc = decode_buffers(c, &root);
  if (!rc) rc = decode_opcodes(c, &root);
  if (!rc) rc = count_of(c, &sgv, "Model subgraphs", &m->n_subgraphs);
  if (rc) return rc;
  m->subgraphs = ld_alloc(c, sgv.len, sizeof(tflrt_msubgraph));
  if (m->subgraphs == NULL) return LD_ALLOC_STATUS(c);
  for (int32_t i = 0; i < m->n_subgraphs; i++) {
    fb_table t;
    if (fb_vec_table(&sgv, (uint32_t)i, &t))
      return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d: malformed flatbuffer table", (int)i);
    rc = decode_subgraph(c, i, &t);
    if (rc) return rc;
  }
  rc = decode_signatures(c, &root);
  if (!rc) rc = check_metadata(c, &root);
  for (int32_t i = 0; !rc && i < m->n_subgraphs; i++) rc = ld_validate_subgraph(c, i);
  return rc;
}

static int load(tflrt_model* m, char* err, size_t err_cap) {
  ld_ctx c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.buf = m->bytes;
  c.size = m->size;
  c.err = err;
  c.err_cap = err_cap;
  c.meta_budget = m->size > (SIZE_MAX - TFLRT_META_BUDGET_FIXED) / TFLRT_META_BUDGET_FACTOR
                      ? SIZE_MAX
                      : TFLRT_META_BUDGET_FIXED + TFLRT_META_BUDGET_FACTOR * m->size;
  m->meta_bytes = sizeof(*m);
  int rc = decode_model(&c);
  if (rc == TFLRT_OK && c.failed) rc = c.status; /* defensive: an error was reported */
  if (rc != TFLRT_OK && !c.failed) ld_fail(&c, rc, "invalid model (status %d)", rc);
  free(c.buffers);
  return rc;
}

void tflrt_model_free(tflrt_model* m) {
  if (m == NULL) return;
  struct tflrt_block* b = m->blocks;
  while (b != NULL) {
    struct tflrt_block* next = b->next;
    free(b);
    b = next;
  }
#if !defined(_WIN32)
  if (m->mmap_base != NULL) munmap(m->mmap_base, m->mmap_size);
#endif
  free(m->owned_bytes);
  free(m);
}

static void set_err(char* err, size_t cap, const char* fmt, const char* arg, const char* detail) {
  if (err != NULL && cap > 0) snprintf(err, cap, fmt, arg, detail);
}

int tflrt_model_load_buffer(const void* data, size_t size, int copy, tflrt_model** out, char* err,
                            size_t err_cap) {
  if (err != NULL && err_cap > 0) err[0] = 0;
  if (out == NULL) return TFLRT_ERR_VALUE;
  *out = NULL;
  if (data == NULL && size != 0) {
    set_err(err, err_cap, "%s%s", "model buffer is NULL", "");
    return TFLRT_ERR_VALUE;
  }
  tflrt_model* m = calloc(1, sizeof(*m));
  if (m == NULL) {
    set_err(err, err_cap, "%s%s", "out of memory", "");
    return TFLRT_ERR_NOMEM;
  }
  m->bytes = data;
  m->size = size;
  if (copy && size > 0) {
    m->owned_bytes = malloc(size);
    if (m->owned_bytes == NULL) {
      free(m);
      set_err(err, err_cap, "%s%s", "out of memory copying the model", "");
      return TFLRT_ERR_NOMEM;
    }
    memcpy(m->owned_bytes, data, size);
    m->bytes = m->owned_bytes;
  }
  if (m->bytes == NULL) m->bytes = (const uint8_t*)"";
  int rc = load(m, err, err_cap);
  if (rc != TFLRT_OK) {
    tflrt_model_free(m);
    return rc;
  }
  *out = m;
  return TFLRT_OK;
}

static const char* errno_text(int e) {
  switch (e) {
    case ENOENT: return "No such file or directory";
    case EACCES: return "Permission denied";
    case EISDIR: return "Is a directory";
    case ENOMEM: return "Cannot allocate memory";
    case EMFILE: case ENFILE: return "Too many open files";
    default: return "cannot be read";
  }
}

int tflrt_model_load_file(const char* path, tflrt_model** out, char* err, size_t err_cap) {
  if (err != NULL && err_cap > 0) err[0] = 0;
  if (out == NULL) return TFLRT_ERR_VALUE;
  *out = NULL;
  if (path == NULL) {
    set_err(err, err_cap, "%s%s", "model path is NULL", "");
    return TFLRT_ERR_VALUE;
  }
#if !defined(_WIN32)
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, err_cap, "Could not open '%s': %s", path, errno_text(errno));
    return TFLRT_ERR_VALUE;
  }
  struct stat st;
  memset(&st, 0, sizeof st);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const char* why = S_ISDIR(st.st_mode) ? "Is a directory" : "not a regular file";
    if (st.st_mode == 0) why = errno_text(errno);
    close(fd);
    set_err(err, err_cap, "Could not open '%s': %s", path, why);
    return TFLRT_ERR_VALUE;
  }
  if (st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX) {
    close(fd);
    set_err(err, err_cap, "The model is not a valid Flatbuffer file: '%s' %s", path,
            st.st_size <= 0 ? "is empty" : "is too large");
    return TFLRT_ERR_MODEL;
  }
  size_t size = (size_t)st.st_size;
  void* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    set_err(err, err_cap, "Could not map '%s': %s", path, errno_text(errno));
    return TFLRT_ERR_VALUE;
  }
  tflrt_model* m = calloc(1, sizeof(*m));
  if (m == NULL) {
    munmap(p, size);
    set_err(err, err_cap, "%s%s", "out of memory", "");
    return TFLRT_ERR_NOMEM;
  }
  m->mmap_base = p;
  m->mmap_size = size;
  m->bytes = p;
  m->size = size;
#else
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    set_err(err, err_cap, "Could not open '%s': %s", path, errno_text(errno));
    return TFLRT_ERR_VALUE;
  }
  tflrt_model* m = calloc(1, sizeof(*m));
  size_t cap = 1 << 16, size = 0;
  uint8_t* data = malloc(cap);
  while (m && data) {
    size_t got = fread(data + size, 1, cap - size, f);
    size += got;
    if (got == 0) break;
    if (size == cap) {
      uint8_t* bigger = cap <= SIZE_MAX / 2 ? realloc(data, cap * 2) : NULL;
      if (bigger == NULL) { free(data); data = NULL; break; }
      data = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (m == NULL || data == NULL) {
    free(m);
    free(data);
    set_err(err, err_cap, "%s%s", "out of memory reading the model", "");
    return TFLRT_ERR_NOMEM;
  }
  m->owned_bytes = data;
  m->bytes = data;
  m->size = size;
#endif
  int rc = load(m, err, err_cap);
  if (rc != TFLRT_OK) {
    tflrt_model_free(m);
    return rc;
  }
  *out = m;
  return TFLRT_OK;
}
