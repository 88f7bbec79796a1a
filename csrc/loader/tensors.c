/* Decoding and checking of one Tensor table: shape, type, quantization, sparsity and the
 * constant data it points to. Called by loader.c once the buffers are resolved. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "loader_internal.h"
#include "schema.h"

/* Error prefix for a tensor: "Subgraph 0, tensor 5 ('conv/weights')". */
typedef struct {
  ld_ctx* c;
  int32_t sg, idx;
  char name[LD_NAME_CAP];
} tctx;

#define TFAIL(tc, status, fmt, ...)                                                           \
  ld_fail((tc)->c, status, "Subgraph %d, tensor %d ('%s'): " fmt, (int)(tc)->sg, (int)(tc)->idx, \
          (tc)->name, __VA_ARGS__)
#define TMALFORMED(tc, field) TFAIL(tc, TFLRT_ERR_MODEL, "malformed flatbuffer field '%s'", field)

/* ---- quantization ---------------------------------------------------------------------- */

static int zero_point_range(int32_t type, int64_t* lo, int64_t* hi) {
  switch (type) {
    case TFLRT_INT8: *lo = -128; *hi = 127; return 1;
    case TFLRT_UINT8: *lo = 0; *hi = 255; return 1;
    case TFLRT_INT16: *lo = -32768; *hi = 32767; return 1;
    case TFLRT_UINT16: *lo = 0; *hi = 65535; return 1;
    case TFLRT_INT4: *lo = -8; *hi = 7; return 1;
    default: *lo = INT32_MIN; *hi = INT32_MAX; return 1; /* kernels and the Python API hold int32 */
  }
}

static int decode_quantization(tctx* tc, const fb_table* q, tflrt_mtensor* out) {
  ld_ctx* c = tc->c;
  uint8_t details;
  if (fb_u8(q, TFLRT_QUANT_DETAILS_TYPE, 0, &details)) return TMALFORMED(tc, "quantization.details_type");
  if (details == TFLRT_QDETAILS_BLOCKWISE || details == TFLRT_QDETAILS_MULTI_AXIS)
    return TFAIL(tc, TFLRT_ERR_UNSUPPORTED, "%s quantization is not supported",
                 details == TFLRT_QDETAILS_BLOCKWISE ? "blockwise" : "multi-axis");
  fb_vec scale, zp;
  if (fb_vec_field(q, TFLRT_QUANT_SCALE, 4, &scale)) return TMALFORMED(tc, "quantization.scale");
  if (fb_vec_field(q, TFLRT_QUANT_ZERO_POINT, 8, &zp)) return TMALFORMED(tc, "quantization.zero_point");
  int32_t qdim;
  if (fb_i32(q, TFLRT_QUANT_QUANTIZED_DIMENSION, 0, &qdim))
    return TMALFORMED(tc, "quantization.quantized_dimension");
  if (scale.len == 0) return TFLRT_OK; /* min/max only, or empty: not quantized */
  if (scale.len > INT32_MAX) return TMALFORMED(tc, "quantization.scale");
  if (zp.len != 0 && zp.len != scale.len)
    return TFAIL(tc, TFLRT_ERR_MODEL, "quantization has %u scales but %u zero points",
                 (unsigned)scale.len, (unsigned)zp.len);
  if (qdim < 0 || (out->ndims > 0 && qdim >= out->ndims))
    return TFAIL(tc, TFLRT_ERR_MODEL, "quantized_dimension %d is not an axis of a rank-%d tensor",
                 (int)qdim, (int)out->ndims);
  if (scale.len > 1) {
    if (out->ndims == 0)
      return TFAIL(tc, TFLRT_ERR_MODEL, "%u quantization scales for a scalar tensor",
                   (unsigned)scale.len);
    if ((int64_t)scale.len != out->dims[qdim])
      return TFAIL(tc, TFLRT_ERR_MODEL,
                   "%u quantization scales but dimension %d (quantized_dimension) is %d",
                   (unsigned)scale.len, (int)qdim, (int)out->dims[qdim]);
  }
  int32_t n = (int32_t)scale.len;
  out->scales = ld_alloc(c, (size_t)n, sizeof(float));
  out->zero_points = out->scales ? ld_alloc(c, (size_t)n, sizeof(int64_t)) : NULL;
  if (!out->zero_points) return LD_ALLOC_STATUS(c);
  int64_t lo = 0, hi = 0;
  int ranged = zero_point_range(out->type, &lo, &hi);
  for (int32_t i = 0; i < n; i++) {
    float s = fb_vec_f32_at(&scale, (uint32_t)i);
    /* 0 is legal: TFLite's quantizer writes it for a calibrated range of [0, 0] and for
     * all-zero weight channels; ops that divide by a scale must check it themselves. */
    if (!isfinite(s) || !(s >= 0.0f))
      return TFAIL(tc, TFLRT_ERR_MODEL, "quantization scale %d is %g (must be finite and >= 0)",
                   (int)i, (double)s);
    int64_t z = zp.len ? fb_vec_i64_at(&zp, (uint32_t)i) : 0;
    if (ranged && (z < lo || z > hi))
      return TFAIL(tc, TFLRT_ERR_MODEL, "zero point %d is %lld, outside [%lld, %lld] for %s",
                   (int)i, (long long)z, (long long)lo, (long long)hi, tflrt_type_name(out->type));
    out->scales[i] = s;
    out->zero_points[i] = z;
  }
  out->nq = n;
  out->qdim = qdim;
  return TFLRT_OK;
}

/* ---- sparsity -------------------------------------------------------------------------- */

/* Decodes a SparseIndexVector union (slots type_slot and type_slot + 1) to int32. */
static int decode_index_vector(tctx* tc, const fb_table* dm, int type_slot, const char* what,
                               int32_t lvl, int32_t** out, int32_t* n) {
  uint8_t type;
  fb_table vt;
  int present;
  fb_vec v;
  if (fb_u8(dm, type_slot, 0, &type) || fb_table_field(dm, type_slot + 1, &vt, &present))
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: malformed %s", (int)lvl, what);
  size_t es = type == TFLRT_SPARSE_VEC_INT32 ? 4 : type == TFLRT_SPARSE_VEC_UINT16 ? 2
            : type == TFLRT_SPARSE_VEC_UINT8 ? 1 : 0;
  if (es == 0 || !present)
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: %s missing or of unknown type %u",
                 (int)lvl, what, (unsigned)type);
  if (fb_vec_field(&vt, TFLRT_SPARSE_VEC_VALUES, es, &v) || v.len > INT32_MAX)
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: malformed %s values", (int)lvl, what);
  int32_t* a = ld_alloc(tc->c, v.len, sizeof(int32_t));
  if (!a) return LD_ALLOC_STATUS(tc->c);
  const uint8_t* p = v.buf + v.pos;
  for (uint32_t i = 0; i < v.len; i++) {
    if (es == 4) {
      memcpy(&a[i], p + 4 * (size_t)i, 4);
    } else if (es == 2) {
      uint16_t u;
      memcpy(&u, p + 2 * (size_t)i, 2);
      a[i] = u;
    } else {
      a[i] = p[i];
    }
  }
  *out = a;
  *n = (int32_t)v.len;
  return TFLRT_OK;
}

/* Decodes SparsityParameters and checks that they describe the tensor's dense shape. On
 * success *values = the number of stored (non-zero) values. Invariants for densify kernels:
 * traversal_order = a permutation of the n dims, then of the k block dims; block_map lists k
 * distinct dims; block levels are DENSE with a size dividing the blocked dim; a DENSE level's
 * size equals its extent; a SPARSE_CSR level has prev+1 non-decreasing segments from 0 to its
 * index count, at most `extent` indices per segment, each index in [0, extent). */
static int decode_sparsity(tctx* tc, const fb_table* sp, tflrt_mtensor* t, uint64_t* values) {
  ld_ctx* c = tc->c;
  fb_vec to, bm, dmv;
  if (fb_vec_field(sp, TFLRT_SPARSITY_TRAVERSAL_ORDER, 4, &to)) return TMALFORMED(tc, "sparsity.traversal_order");
  if (fb_vec_field(sp, TFLRT_SPARSITY_BLOCK_MAP, 4, &bm)) return TMALFORMED(tc, "sparsity.block_map");
  if (fb_vec_field(sp, TFLRT_SPARSITY_DIM_METADATA, 4, &dmv)) return TMALFORMED(tc, "sparsity.dim_metadata");
  const int32_t n = t->ndims;
  if (n == 0 || to.len < (uint32_t)n || to.len > 2u * (uint32_t)n)
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity traversal_order has %u entries for a rank-%d tensor",
                 (unsigned)to.len, (int)n);
  const int32_t L = (int32_t)to.len, k = L - n;
  if (bm.len != (uint32_t)k)
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity block_map has %u entries, expected %d",
                 (unsigned)bm.len, (int)k);
  if (dmv.len != (uint32_t)L)
    return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity dim_metadata has %u entries, expected %d",
                 (unsigned)dmv.len, (int)L);
  tflrt_sparsity* s = ld_alloc(c, 1, sizeof(*s));
  if (!s || ld_copy_i32(c, &to, &s->traversal_order) || ld_copy_i32(c, &bm, &s->block_map))
    return LD_ALLOC_STATUS(c);
  s->dim_metadata = ld_alloc(c, (size_t)L, sizeof(*s->dim_metadata));
  if (!s->dim_metadata) return LD_ALLOC_STATUS(c);
  s->n_traversal = L;
  s->n_block_map = k;
  s->n_dim_metadata = L;

  /* permutations */
  uint32_t seen = 0; /* L <= 16 */
  for (int32_t l = 0; l < L; l++) {
    int32_t v = s->traversal_order[l];
    int32_t lo = l < n ? 0 : n, hi = l < n ? n : L;
    if (v < lo || v >= hi || (seen & (1u << v)))
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity traversal_order[%d] = %d is not a valid permutation entry",
                   (int)l, (int)v);
    seen |= 1u << v;
  }
  seen = 0;
  for (int32_t b = 0; b < k; b++) {
    int32_t d = s->block_map[b];
    if (d < 0 || d >= n || (seen & (1u << d)))
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity block_map[%d] = %d is not a distinct dimension",
                   (int)b, (int)d);
    seen |= 1u << d;
  }
  /* decode the levels */
  for (int32_t l = 0; l < L; l++) {
    struct tflrt_dim_metadata* dm = &s->dim_metadata[l];
    fb_table dt;
    int8_t fmt;
    if (fb_vec_table(&dmv, (uint32_t)l, &dt) || fb_i8(&dt, TFLRT_DIMMETA_FORMAT, 0, &fmt) ||
        fb_i32(&dt, TFLRT_DIMMETA_DENSE_SIZE, 0, &dm->dense_size))
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: malformed dim_metadata", (int)l);
    if (fmt != TFLRT_DIM_DENSE && fmt != TFLRT_DIM_SPARSE_CSR)
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d has unknown format %d", (int)l, (int)fmt);
    dm->format = fmt;
    if (fmt == TFLRT_DIM_SPARSE_CSR) {
      int rc = decode_index_vector(tc, &dt, TFLRT_DIMMETA_ARRAY_SEGMENTS_TYPE, "array_segments", l,
                                   &dm->segments, &dm->n_segments);
      if (rc) return rc;
      rc = decode_index_vector(tc, &dt, TFLRT_DIMMETA_ARRAY_INDICES_TYPE, "array_indices", l,
                               &dm->indices, &dm->n_indices);
      if (rc) return rc;
    }
  }
  /* block sizes: the DENSE level that traverses block dimension n + b */
  int32_t block_size[TFLRT_MAX_DIMS];
  for (int32_t l = n; l < L; l++) {
    int32_t b = s->traversal_order[l] - n;
    const struct tflrt_dim_metadata* dm = &s->dim_metadata[l];
    int32_t d = s->block_map[b];
    if (dm->format != TFLRT_DIM_DENSE || dm->dense_size <= 0 || t->dims[d] % dm->dense_size != 0)
      return TFAIL(tc, TFLRT_ERR_MODEL,
                   "sparsity level %d: block of dimension %d must be dense with a size dividing %d",
                   (int)l, (int)d, (int)t->dims[d]);
    block_size[b] = dm->dense_size;
  }
  /* walk the levels, counting stored positions */
  uint64_t positions = 1;
  for (int32_t l = 0; l < L; l++) {
    int32_t v = s->traversal_order[l];
    int64_t extent;
    if (v >= n) {
      extent = block_size[v - n];
    } else {
      extent = t->dims[v];
      for (int32_t b = 0; b < k; b++)
        if (s->block_map[b] == v) extent /= block_size[b];
    }
    const struct tflrt_dim_metadata* dm = &s->dim_metadata[l];
    if (dm->format == TFLRT_DIM_DENSE) {
      if (dm->dense_size != extent)
        return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: dense_size %d but the dimension is %lld",
                     (int)l, (int)dm->dense_size, (long long)extent);
      positions *= (uint64_t)extent; /* bounded by the element count */
      continue;
    }
    if ((uint64_t)dm->n_segments != positions + 1)
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: %d segments, expected %llu", (int)l,
                   (int)dm->n_segments, (unsigned long long)(positions + 1));
    if (dm->segments[0] != 0 || dm->segments[dm->n_segments - 1] != dm->n_indices)
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: segments must run from 0 to %d",
                   (int)l, (int)dm->n_indices);
    for (int32_t i = 0; i + 1 < dm->n_segments; i++) {
      int64_t len = (int64_t)dm->segments[i + 1] - dm->segments[i];
      if (len < 0 || len > extent)
        return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: segment %d holds %lld indices (dimension %lld)",
                     (int)l, (int)i, (long long)len, (long long)extent);
    }
    for (int32_t i = 0; i < dm->n_indices; i++)
      if (dm->indices[i] < 0 || dm->indices[i] >= extent)
        return TFAIL(tc, TFLRT_ERR_MODEL, "sparsity level %d: index %d is %d, outside [0, %lld)",
                     (int)l, (int)i, (int)dm->indices[i], (long long)extent);
    positions = (uint64_t)dm->n_indices;
  }
  t->sparsity = s;
  *values = positions;
  return TFLRT_OK;
}

/* ---- constant data --------------------------------------------------------------------- */

/* Sanity of a constant STRING tensor: int32 count, count + 1 int32 offsets, then bytes. */
static int check_strings(tctx* tc, const uint8_t* p, uint64_t size, uint64_t count) {
  int32_t n, off;
  int64_t prev;
  if (size > TFLRT_MAX_TENSOR_BYTES)
    return TFAIL(tc, TFLRT_ERR_MODEL, "string data of %llu bytes exceeds the limit of %llu",
                 (unsigned long long)size, (unsigned long long)TFLRT_MAX_TENSOR_BYTES);
  if (size < 8) return TFAIL(tc, TFLRT_ERR_MODEL, "string data of %llu bytes is too short", (unsigned long long)size);
  memcpy(&n, p, 4);
  if (n < 0 || (uint64_t)n != count)
    return TFAIL(tc, TFLRT_ERR_MODEL, "string data holds %d strings for %llu elements", (int)n,
                 (unsigned long long)count);
  uint64_t header = 4 * ((uint64_t)n + 2);
  if (header > size) return TFAIL(tc, TFLRT_ERR_MODEL, "string offsets exceed the %llu data bytes", (unsigned long long)size);
  prev = (int64_t)header;
  for (int32_t i = 0; i <= n; i++) {
    memcpy(&off, p + 4 + 4 * (size_t)i, 4);
    if ((i == 0 && (uint64_t)off != header) || off < prev || (uint64_t)off > size)
      return TFAIL(tc, TFLRT_ERR_MODEL, "string offset %d is %d (data of %llu bytes)", (int)i,
                   (int)off, (unsigned long long)size);
    prev = off;
  }
  return TFLRT_OK;
}

/* Points out->data at the buffer's bytes, copying them when misaligned for `align`. */
static int attach_data(tctx* tc, ld_buffer* b, size_t align, tflrt_mtensor* out) {
  const uint8_t* p = b->data;
  if (p != NULL && align > 1 && ((uintptr_t)p % align) != 0) {
    if (b->aligned == NULL || b->aligned_to < align) {
      uint8_t* copy = ld_alloc_data(tc->c, (size_t)b->size); /* 16-aligned */
      if (!copy) return LD_ALLOC_STATUS(tc->c);
      memcpy(copy, p, (size_t)b->size);
      b->aligned = copy;
      b->aligned_to = 16;
    }
    p = b->aligned;
  }
  out->data = p;
  out->data_size = (size_t)b->size;
  return TFLRT_OK;
}

/* ---- tensor ---------------------------------------------------------------------------- */

int ld_decode_tensor(ld_ctx* c, int32_t sg, int32_t idx, const fb_table* t, tflrt_mtensor* out) {
  tctx tcs = {c, sg, idx, ""}, *tc = &tcs;
  const char* name;
  if (fb_str_field(t, TFLRT_TENSOR_NAME, &name, NULL)) return TMALFORMED(tc, "name");
  out->name = name ? name : "";
  ld_printable(out->name, tc->name, sizeof tc->name);

  int8_t type;
  if (fb_i8(t, TFLRT_TENSOR_TYPE, 0, &type)) return TMALFORMED(tc, "type");
  if (type < 0 || type >= TFLRT_TYPE_COUNT)
    return TFAIL(tc, TFLRT_ERR_MODEL, "unknown element type %d", (int)type);
  out->type = type;

  fb_vec shape, sig;
  if (fb_vec_field(t, TFLRT_TENSOR_SHAPE, 4, &shape)) return TMALFORMED(tc, "shape");
  if (shape.len > TFLRT_MAX_DIMS)
    return TFAIL(tc, TFLRT_ERR_MODEL, "rank %u exceeds the maximum of %d", (unsigned)shape.len, TFLRT_MAX_DIMS);
  out->ndims = (int32_t)shape.len;
  if (ld_copy_i32(c, &shape, &out->dims)) return LD_ALLOC_STATUS(c);
  uint64_t count = 1;
  int has_zero = 0;
  for (int32_t i = 0; i < out->ndims; i++) {
    if (out->dims[i] < 0) return TFAIL(tc, TFLRT_ERR_MODEL, "dimension %d is %d", (int)i, (int)out->dims[i]);
    if (out->dims[i] == 0) has_zero = 1;
  }
  if (has_zero) {
    count = 0;
  } else {
    for (int32_t i = 0; i < out->ndims; i++) {
      count *= (uint64_t)out->dims[i]; /* both factors < 2^32: no wrap */
      if (count > TFLRT_MAX_TENSOR_ELEMS)
        return TFAIL(tc, TFLRT_ERR_MODEL, "more than %llu elements (shape overflow)",
                     (unsigned long long)TFLRT_MAX_TENSOR_ELEMS);
    }
  }
  const size_t es = tflrt_type_size(out->type);
  uint64_t bytes = count * es;
  if (out->type == TFLRT_INT4 || out->type == 20 /* UINT4 */) bytes = (count + 1) / 2;
  if (out->type == 19 /* INT2 */) bytes = (count + 3) / 4;
  if (bytes > TFLRT_MAX_TENSOR_BYTES)
    return TFAIL(tc, TFLRT_ERR_MODEL, "%llu bytes exceed the limit of %llu per tensor",
                 (unsigned long long)bytes, (unsigned long long)TFLRT_MAX_TENSOR_BYTES);

  if (fb_vec_field(t, TFLRT_TENSOR_SHAPE_SIGNATURE, 4, &sig)) return TMALFORMED(tc, "shape_signature");
  if (fb_has(t, TFLRT_TENSOR_SHAPE_SIGNATURE)) {
    if (sig.len != shape.len)
      return TFAIL(tc, TFLRT_ERR_MODEL, "shape_signature has %u entries but the shape has %u",
                   (unsigned)sig.len, (unsigned)shape.len);
    if (ld_copy_i32(c, &sig, &out->dims_signature)) return LD_ALLOC_STATUS(c);
    for (int32_t i = 0; i < out->ndims; i++)
      if (out->dims_signature[i] < -1)
        return TFAIL(tc, TFLRT_ERR_MODEL, "shape_signature entry %d is %d", (int)i,
                     (int)out->dims_signature[i]);
  }

  int is_var;
  uint32_t external;
  if (fb_bool(t, TFLRT_TENSOR_IS_VARIABLE, 0, &is_var)) return TMALFORMED(tc, "is_variable");
  if (fb_u32(t, TFLRT_TENSOR_EXTERNAL_BUFFER, 0, &external)) return TMALFORMED(tc, "external_buffer");
  out->is_variable = (uint8_t)is_var;
  if (external != 0)
    return TFAIL(tc, TFLRT_ERR_UNSUPPORTED, "data in external buffer %u (outside the model file) is not supported",
                 (unsigned)external);

  fb_table sub;
  int present;
  if (fb_table_field(t, TFLRT_TENSOR_QUANTIZATION, &sub, &present)) return TMALFORMED(tc, "quantization");
  if (present) {
    int rc = decode_quantization(tc, &sub, out);
    if (rc) return rc;
  }

  if (fb_u32(t, TFLRT_TENSOR_BUFFER, 0, &out->buffer)) return TMALFORMED(tc, "buffer");
  if (out->buffer != 0 && out->buffer >= (uint32_t)c->m->n_buffers)
    return TFAIL(tc, TFLRT_ERR_MODEL, "buffer index %u but the model has %d buffers",
                 (unsigned)out->buffer, (int)c->m->n_buffers);
  ld_buffer* b = out->buffer ? &c->buffers[out->buffer] : NULL;
  /* An empty buffer means "no data" (TFLite would instead reject an empty data vector for a
   * tensor with elements). A zero-element tensor thus never counts as a constant; the graph
   * checks let anyone read it without a producer. */
  if (b == NULL || !b->has_data || b->size == 0) return TFLRT_OK;
  if (out->is_variable)
    return TFAIL(tc, TFLRT_ERR_MODEL, "variable tensor has constant data (buffer %u)", (unsigned)out->buffer);

  if (fb_table_field(t, TFLRT_TENSOR_SPARSITY, &sub, &present)) return TMALFORMED(tc, "sparsity");
  if (present) { /* only constants can be sparse (as in TFLite) */
    uint64_t values = 0;
    int rc = decode_sparsity(tc, &sub, out, &values);
    if (rc) return rc;
    if (es == 0)
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparse tensor of type %s is not supported", tflrt_type_name(out->type));
    if (b->size != values * es)
      return TFAIL(tc, TFLRT_ERR_MODEL, "sparse data is %llu bytes but %llu values of %s need %llu",
                   (unsigned long long)b->size, (unsigned long long)values,
                   tflrt_type_name(out->type), (unsigned long long)(values * es));
    return attach_data(tc, b, es >= 8 ? 8 : es, out);
  }
  if (out->type == TFLRT_STRING) {
    int rc = check_strings(tc, b->data, b->size, count);
    if (rc) return rc;
    return attach_data(tc, b, 4, out);
  }
  if (es == 0 && (out->type == TFLRT_RESOURCE || out->type == TFLRT_VARIANT))
    return attach_data(tc, b, 1, out); /* opaque: no size rule */
  if (b->size != bytes)
    return TFAIL(tc, TFLRT_ERR_MODEL, "buffer %u holds %llu bytes but the shape needs %llu (%llu x %s)",
                 (unsigned)out->buffer, (unsigned long long)b->size, (unsigned long long)bytes,
                 (unsigned long long)count, tflrt_type_name(out->type));
  return attach_data(tc, b, es == 0 ? 1 : es >= 8 ? 8 : es, out);
}
