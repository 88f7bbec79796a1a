/* Checks and readers shared by the op implementations; see op_util.h. */
#include <math.h>
#include <stdio.h>

#include "op_util.h"

/* " (name)" of input i from roles "a, b, c" ("" when roles is NULL or too short), into buf. */
static const char* role_of(const char* roles, int32_t i, char* buf, size_t size) {
  buf[0] = '\0';
  if (roles == NULL) return buf;
  const char* p = roles;
  for (; i > 0 && p != NULL; i--) {
    p = strchr(p, ',');
    if (p != NULL) p += 1 + (p[1] == ' ');
  }
  if (p == NULL || *p == '\0') return buf;
  const char* end = strchr(p, ',');
  const int len = (int)(end ? (size_t)(end - p) : strlen(p));
  snprintf(buf, size, " (%.*s)", len, p);
  return buf;
}

int tflrt_check_arity(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in, int32_t n_out,
                      const char* roles) {
  char role[64];
  const char* r0 = roles ? " (" : "";
  const char* r1 = roles ? ")" : "";
  if (node->n_inputs < min_in || node->n_inputs > max_in || node->n_outputs != n_out) {
    if (min_in == max_in)
      return tflrt_op_error(ctx, "expected %d input(s)%s%s%s and %d output(s), got %d and %d", (int)min_in, r0,
                            roles ? roles : "", r1, (int)n_out, (int)node->n_inputs, (int)node->n_outputs);
    if (max_in == INT32_MAX)
      return tflrt_op_error(ctx, "expected at least %d input(s)%s%s%s and %d output(s), got %d and %d", (int)min_in,
                            r0, roles ? roles : "", r1, (int)n_out, (int)node->n_inputs, (int)node->n_outputs);
    return tflrt_op_error(ctx, "expected %d to %d inputs%s%s%s and %d output(s), got %d and %d", (int)min_in,
                          (int)max_in, r0, roles ? roles : "", r1, (int)n_out, (int)node->n_inputs,
                          (int)node->n_outputs);
  }
  for (int32_t i = 0; i < min_in; i++)
    if (tflrt_in(ctx, node, i) == NULL)
      return tflrt_op_error(ctx, "input %d%s is missing", (int)i, role_of(roles, i, role, sizeof role));
  for (int32_t i = 0; i < n_out; i++)
    if (tflrt_out(ctx, node, i) == NULL) return tflrt_op_error(ctx, "output %d is missing", (int)i);
  return TFLRT_OK;
}

int tflrt_check_type_in(tflrt_ctx* ctx, int32_t type, uint32_t set, const char* what) {
  if (tflrt_type_in(type, set)) return TFLRT_OK;
  return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "%s%stype %s is not supported", what ? what : "", what ? " " : "",
                       tflrt_type_name(type));
}

int tflrt_check_same_type(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out) {
  if (tflrt_type_size(in->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(in->type));
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from input type %s", tflrt_type_name(out->type),
                          tflrt_type_name(in->type));
  return TFLRT_OK;
}

int tflrt_check_move_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in) {
  int rc = tflrt_check_arity(ctx, node, min_in, max_in, 1, NULL);
  return rc ? rc : tflrt_check_same_type(ctx, tflrt_in(ctx, node, 0), tflrt_out(ctx, node, 0));
}

int tflrt_check_same_quant(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out) {
  if (in->type != TFLRT_UINT8 && in->type != TFLRT_INT8 && in->type != TFLRT_INT16) return TFLRT_OK;
  if (in->scale != out->scale || in->zero_point != out->zero_point)
    return tflrt_op_error(ctx, "input and output must have the same scale and zero point");
  if (in->type == TFLRT_INT16 && in->zero_point != 0) return tflrt_op_error(ctx, "int16 needs zero point 0");
  return TFLRT_OK;
}

int tflrt_check_int_type(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->type != TFLRT_INT32 && t->type != TFLRT_INT64)
    return tflrt_op_error(ctx, "%s must be INT32 or INT64, got %s", what, tflrt_type_name(t->type));
  return TFLRT_OK;
}

int tflrt_check_data(tflrt_ctx* ctx, const tflrt_tensor* t, int64_t n, const char* what) {
  const size_t es = tflrt_type_size(t->type);
  if (n > 0 && (t->data == NULL || es == 0 || t->bytes / es < (size_t)n))
    return tflrt_op_error(ctx, "%s has no data", what);
  return TFLRT_OK;
}

int tflrt_read_scalar_int(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int64_t* v) {
  int rc = tflrt_check_int_type(ctx, t, what);
  if (rc) return rc;
  if (tflrt_num_elements(t) != 1) return tflrt_op_error(ctx, "%s must hold exactly one value", what);
  if ((rc = tflrt_check_data(ctx, t, 1, what))) return rc;
  *v = tflrt_int_at(t, 0);
  return TFLRT_OK;
}

int tflrt_normalize_axis(tflrt_ctx* ctx, int64_t axis, int32_t rank, int32_t* out) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    return tflrt_op_error(ctx, "axis %lld is out of range for rank %d (valid: [%d, %d])", (long long)axis, (int)rank,
                          (int)-rank, (int)rank - 1);
  *out = (int32_t)a;
  return TFLRT_OK;
}

int tflrt_read_ints(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int allow_scalar, int32_t max, int32_t* n,
                    int64_t* vals) {
  int rc = tflrt_check_int_type(ctx, t, what);
  if (rc) return rc;
  if (t->ndims > 1 || (t->ndims == 0 && !allow_scalar))
    return tflrt_op_error(ctx, "%s must be a vector, got rank %d", what, (int)t->ndims);
  const int32_t len = t->ndims == 0 ? 1 : t->dims[0];
  if (len > max) return tflrt_op_error(ctx, "%s has %d entries; at most %d are supported", what, (int)len, (int)max);
  *n = len;
  if (vals == NULL) return TFLRT_OK;
  if ((rc = tflrt_check_data(ctx, t, len, what))) return rc;
  for (int32_t i = 0; i < len; i++) vals[i] = tflrt_int_at(t, i);
  return TFLRT_OK;
}

int tflrt_parse_type_option(tflrt_ctx* ctx, const tflrt_node* node, uint8_t options_type, const char* table,
                            int32_t* type) {
  *type = -1;
  if (node->options == NULL || node->options_type != options_type || !fb_has(node->options, 0)) return TFLRT_OK;
  int8_t t;
  if (fb_i8(node->options, 0, 0, &t)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed %s", table);
  *type = t;
  return TFLRT_OK;
}

int tflrt_check_index_output(tflrt_ctx* ctx, const tflrt_tensor* out, int32_t opt_type, const char* option) {
  int rc = tflrt_check_int_type(ctx, out, "output");
  if (rc) return rc;
  if (opt_type >= 0 && opt_type != out->type)
    return tflrt_op_error(ctx, "%s %s differs from the output tensor type %s", option, tflrt_type_name(opt_type),
                          tflrt_type_name(out->type));
  return TFLRT_OK;
}

int tflrt_read_dims(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int32_t max, int32_t* n, int32_t* dims) {
  int64_t v[TFLRT_MAX_DIMS];
  int rc = tflrt_read_ints(ctx, t, what, 0, max < TFLRT_MAX_DIMS ? max : TFLRT_MAX_DIMS, n, v);
  if (rc) return rc;
  for (int32_t i = 0; i < *n; i++) {
    if (v[i] < 0 || v[i] > INT32_MAX)
      return tflrt_op_error(ctx, "%s[%d] = %lld is not a valid dimension", what, (int)i, (long long)v[i]);
    dims[i] = (int32_t)v[i];
  }
  return TFLRT_OK;
}

int tflrt_fit_output_shape(tflrt_ctx* ctx, tflrt_tensor* out, int32_t ndims, const int32_t* dims) {
  if (!ctx->in_eval || out->alloc == TFLRT_ALLOC_DYNAMIC) return tflrt_set_output_shape(ctx, out, ndims, dims);
  if (out->ndims != ndims) return tflrt_op_error(ctx, "output rank changed");
  for (int32_t i = 0; i < ndims; i++)
    if (out->dims[i] != dims[i]) return tflrt_op_error(ctx, "output shape changed");
  return TFLRT_OK;
}

int tflrt_parallel_blocks(tflrt_ctx* ctx, int64_t n, int64_t block, tflrt_range_fn fn, void* arg) {
  const int64_t blocks = (n + block - 1) / block;
  if (blocks > INT32_MAX) return tflrt_op_error(ctx, "tensor too large");
  if (blocks == 1)
    fn(arg, 0, 1);
  else if (blocks > 1)
    tflrt_parallel_for(ctx, (int32_t)blocks, fn, arg);
  return TFLRT_OK;
}

int tflrt_per_channel_layout(tflrt_ctx* ctx, const tflrt_tensor* q, const tflrt_tensor* shape, const char* what,
                             int32_t* channels, int64_t* inner) {
  if (q->qdim < 0 || q->qdim >= shape->ndims || shape->dims[q->qdim] != q->nq)
    return tflrt_op_error(ctx, "%s has %d per-channel scales along axis %d, which does not match the shape of tensor %d",
                          what, (int)q->nq, (int)q->qdim, (int)shape->index);
  *channels = q->nq;
  *inner = 1;
  for (int32_t i = q->qdim + 1; i < shape->ndims; i++) *inner *= shape->dims[i];
  return TFLRT_OK;
}

static int plan_and_fit(tflrt_ctx* ctx, tflrt_node* node, tflrt_tensor* out, tflrt_plan_fn make) {
  int32_t ndims;
  const int32_t* dims;
  int rc = make(ctx, node, &ndims, &dims);
  return rc ? rc : tflrt_fit_output_shape(ctx, out, ndims, dims);
}

int tflrt_plan_prepare(tflrt_ctx* ctx, tflrt_node* node, int values_known, tflrt_plan_fn make) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  return values_known ? plan_and_fit(ctx, node, out, make) : tflrt_set_dynamic(ctx, out);
}

int tflrt_plan_eval(tflrt_ctx* ctx, tflrt_node* node, tflrt_plan_fn make) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  return out->alloc == TFLRT_ALLOC_DYNAMIC ? plan_and_fit(ctx, node, out, make) : TFLRT_OK;
}

int tflrt_checked_log2(float x, int* log2_rounded) {
  const float l = logf(x) * (1.0f / logf(2.0f));
  const float r = roundf(l);
  *log2_rounded = (int)r;
  return fabsf(l - r) < 1e-3f;
}
