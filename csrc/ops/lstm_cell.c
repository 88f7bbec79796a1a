/* The LSTM cell shared by the sequence LSTM ops: validation and the float / hybrid sequence loop
 * (see lstm_cell.h). */
#include "lstm_cell.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../quant/quant.h"
#include "op_util.h"

static const char* const GATE[4] = {"input", "forget", "cell", "output"};

static int check_vector(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int32_t n, int32_t type) {
  if (t->ndims != 1 || t->dims[0] != n)
    return tflrt_op_error(ctx, "%s must have shape [%d], got rank %d%s", what, (int)n, (int)t->ndims,
                          t->ndims == 1 ? " with a different length" : "");
  if (t->type != type)
    return tflrt_op_error(ctx, "%s must be %s, got %s", what, tflrt_type_name(type), tflrt_type_name(t->type));
  return TFLRT_OK;
}

static int check_matrix(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int32_t rows, int32_t cols,
                        int32_t type) {
  if (t->ndims != 2 || t->dims[0] != rows || t->dims[1] != cols)
    return tflrt_op_error(ctx, "%s must have shape [%d, %d]", what, (int)rows, (int)cols);
  if (t->type != type)
    return tflrt_op_error(ctx, "%s must be %s like the other weights, got %s", what, tflrt_type_name(type),
                          tflrt_type_name(t->type));
  return TFLRT_OK;
}

/* int8 weights of the hybrid and integer kernels: one (per-tensor) scale. TFLite reads only the
 * per-tensor scale, which it sets to 0 for per-channel tensors; such models are refused. */
static int check_weight_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1 || t->scales == NULL)
    return tflrt_op_error(ctx, "%s (%s) has no quantization scale", what, tflrt_type_name(t->type));
  if (t->nq > 1)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "%s has %d per-channel scales; TFLite's LSTM kernels support only a per-tensor scale",
                         what, (int)t->nq);
  if (!isfinite(t->scale) || t->scale < 0.0f)
    return tflrt_op_error(ctx, "%s has an invalid scale %g", what, (double)t->scale);
  return TFLRT_OK;
}

lstm_slots lstm_make_slots(int first, int state_h, int state_c, int ln_first, int aux_first) {
  lstm_slots sl;
  for (int g = 0; g < 4; g++) {
    sl.w_in[g] = (int8_t)(first + g);
    sl.w_rec[g] = (int8_t)(first + 4 + g);
    sl.bias[g] = (int8_t)(first + 11 + g);
    sl.ln[g] = (int8_t)(ln_first < 0 ? -1 : ln_first + g);
    sl.w_aux[g] = (int8_t)(aux_first < 0 ? -1 : aux_first + g);
  }
  sl.w_peep[LSTM_I] = (int8_t)(first + 8);
  sl.w_peep[LSTM_F] = (int8_t)(first + 9);
  sl.w_peep[LSTM_C] = -1;
  sl.w_peep[LSTM_O] = (int8_t)(first + 10);
  sl.w_proj = (int8_t)(first + 15);
  sl.b_proj = (int8_t)(first + 16);
  sl.state_h = (int8_t)state_h;
  sl.state_c = (int8_t)state_c;
  return sl;
}

int lstm_parse_options(tflrt_ctx* ctx, const tflrt_node* node, uint8_t options_type, const char* table,
                       const lstm_option_slots* slots, int time_major_default, lstm_options* o) {
  int8_t act = 0;
  float cell_clip = 0.0f, proj_clip = 0.0f;
  int time_major = time_major_default, asym = 0;
  const fb_table* t = node->options;
  if (t != NULL && node->options_type == options_type &&
      (fb_i8(t, slots->activation, 0, &act) || fb_f32(t, slots->cell_clip, 0.0f, &cell_clip) ||
       fb_f32(t, slots->proj_clip, 0.0f, &proj_clip) ||
       fb_bool(t, slots->time_major, time_major_default, &time_major) || fb_bool(t, slots->asymmetric, 0, &asym)))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed %s", table);
  if (act < TFLRT_ACT_NONE || act > TFLRT_ACT_SIGN_BIT)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "unknown fused activation function %d", (int)act);
  if (!(cell_clip >= 0.0f) || !(proj_clip >= 0.0f))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "cell_clip (%g) and proj_clip (%g) must be >= 0", (double)cell_clip,
                         (double)proj_clip);
  o->activation = act;
  o->cell_clip = cell_clip;
  o->proj_clip = proj_clip;
  o->time_major = time_major != 0;
  o->asymmetric = asym != 0;
  return TFLRT_OK;
}

void lstm_cell_init(lstm_cell* c, const lstm_slots* sl, const lstm_options* o) {
  memset(c, 0, sizeof(*c));
  c->sl = *sl;
  c->activation = o->activation;
  c->cell_clip = o->cell_clip;
  c->proj_clip = o->proj_clip;
  c->time_major = (uint8_t)o->time_major;
  c->asymmetric = (uint8_t)o->asymmetric;
}

int lstm_check(tflrt_ctx* ctx, const tflrt_node* node, const lstm_slots* sl, const tflrt_tensor* input,
               const tflrt_tensor* aux, int time_major, int allow_integer, lstm_shape* s) {
  char what[64];
  int rc;
  memset(s, 0, sizeof(*s));
  if (input->ndims != 3)
    return tflrt_op_error(ctx, "input must have rank 3 ([%s, n_input]), got rank %d",
                          time_major ? "time, batch" : "batch, time", (int)input->ndims);
  s->max_time = time_major ? input->dims[0] : input->dims[1];
  s->n_batch = time_major ? input->dims[1] : input->dims[0];
  s->n_input = input->dims[2];
  const tflrt_tensor* w_out = lstm_slot_tensor(ctx, node, sl->w_in[LSTM_O]);
  const tflrt_tensor* r_out = lstm_slot_tensor(ctx, node, sl->w_rec[LSTM_O]);
  if (w_out == NULL || r_out == NULL)
    return tflrt_op_error(ctx, "the input-to-output and recurrent-to-output weights are required");
  if (w_out->ndims != 2 || w_out->dims[1] != s->n_input)
    return tflrt_op_error(ctx, "input-to-output weights must have shape [n_cell, %d]", (int)s->n_input);
  s->n_cell = w_out->dims[0];
  if (r_out->ndims < 1 || r_out->ndims > 2 || r_out->dims[0] != s->n_cell)
    return tflrt_op_error(ctx, "recurrent-to-output weights must have shape [%d, n_output] or [%d]",
                          (int)s->n_cell, (int)s->n_cell);
  s->n_output = r_out->ndims == 1 ? r_out->dims[0] : r_out->dims[1];
  if (s->n_cell < 1 || s->n_output < 1)
    return tflrt_op_error(ctx, "the cell count (%d) and output size (%d) must be positive", (int)s->n_cell,
                          (int)s->n_output);
  const int32_t wtype = w_out->type;
  if (input->type == TFLRT_FLOAT32 && wtype == TFLRT_FLOAT32) {
    s->mode = LSTM_FLOAT;
  } else if (input->type == TFLRT_FLOAT32 && wtype == TFLRT_INT8) {
    s->mode = LSTM_HYBRID;
  } else if (input->type == TFLRT_INT8 && wtype == TFLRT_INT8 && allow_integer) {
    s->mode = LSTM_INTEGER;
  } else {
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "unsupported input %s with %s weights (supported: FLOAT32 with FLOAT32 or INT8 weights%s)",
                         tflrt_type_name(input->type), tflrt_type_name(wtype),
                         allow_integer ? ", INT8 with INT8 weights" : "");
  }
  const int integer = s->mode == LSTM_INTEGER;
  const int32_t bias_type = integer ? TFLRT_INT32 : TFLRT_FLOAT32;
  const tflrt_tensor* w_in[4];
  const tflrt_tensor* w_rec[4];
  for (int g = 0; g < 4; g++) {
    w_in[g] = lstm_slot_tensor(ctx, node, sl->w_in[g]);
    w_rec[g] = lstm_slot_tensor(ctx, node, sl->w_rec[g]);
    if (g != LSTM_I && (w_in[g] == NULL || w_rec[g] == NULL))
      return tflrt_op_error(ctx, "the input-to-%s and recurrent-to-%s weights are required", GATE[g], GATE[g]);
  }
  if ((w_in[LSTM_I] == NULL) != (w_rec[LSTM_I] == NULL))
    return tflrt_op_error(ctx, "the input-to-input and recurrent-to-input weights must be both present or both "
                          "absent (CIFG)");
  s->cifg = w_in[LSTM_I] == NULL;
  for (int g = s->cifg ? 1 : 0; g < 4; g++) {
    snprintf(what, sizeof(what), "input-to-%s weights", GATE[g]);
    if ((rc = check_matrix(ctx, w_in[g], what, s->n_cell, s->n_input, wtype)) != TFLRT_OK) return rc;
    if (s->mode != LSTM_FLOAT && (rc = check_weight_quant(ctx, w_in[g], what)) != TFLRT_OK) return rc;
    snprintf(what, sizeof(what), "recurrent-to-%s weights", GATE[g]);
    if (w_rec[g]->ndims == 1) {
      if (integer)
        return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "diagonal %s are not supported by the integer LSTM", what);
      if ((rc = check_vector(ctx, w_rec[g], what, s->n_cell, TFLRT_FLOAT32)) != TFLRT_OK) return rc;
      if (s->n_output != s->n_cell)
        return tflrt_op_error(ctx, "diagonal %s need n_output == n_cell (%d != %d)", what, (int)s->n_output,
                              (int)s->n_cell);
      s->diag[g] = 1;
    } else {
      if ((rc = check_matrix(ctx, w_rec[g], what, s->n_cell, s->n_output, wtype)) != TFLRT_OK) return rc;
      if (s->mode != LSTM_FLOAT && (rc = check_weight_quant(ctx, w_rec[g], what)) != TFLRT_OK) return rc;
    }
  }
  /* peephole */
  const int32_t peep_type = s->mode == LSTM_FLOAT ? TFLRT_FLOAT32 : (integer ? TFLRT_INT16 : TFLRT_INT8);
  int n_peep = 0;
  for (int g = 0; g < 4; g++) {
    const tflrt_tensor* p = g == LSTM_C ? NULL : lstm_slot_tensor(ctx, node, sl->w_peep[g]);
    if (p == NULL) continue;
    n_peep++;
    snprintf(what, sizeof(what), "cell-to-%s (peephole) weights", GATE[g]);
    if ((rc = check_vector(ctx, p, what, s->n_cell, peep_type)) != TFLRT_OK) return rc;
    if (s->mode != LSTM_FLOAT && (rc = check_weight_quant(ctx, p, what)) != TFLRT_OK) return rc;
  }
  const int peep_i = lstm_slot_tensor(ctx, node, sl->w_peep[LSTM_I]) != NULL;
  if (n_peep != 0 && !(n_peep == 3 || (s->cifg && n_peep == 2 && !peep_i)))
    return tflrt_op_error(ctx, "peephole weights must be all present (cell-to-input only without CIFG) or all absent");
  if (s->cifg && peep_i) return tflrt_op_error(ctx, "cell-to-input weights are given without an input gate (CIFG)");
  s->peephole = n_peep != 0;
  /* biases */
  for (int g = 0; g < 4; g++) {
    const tflrt_tensor* b = lstm_slot_tensor(ctx, node, sl->bias[g]);
    if (g == LSTM_I && s->cifg) {
      if (b != NULL) return tflrt_op_error(ctx, "an input gate bias is given without an input gate (CIFG)");
      continue;
    }
    if (b == NULL) return tflrt_op_error(ctx, "the %s gate bias is required", GATE[g]);
    snprintf(what, sizeof(what), "%s gate bias", GATE[g]);
    if ((rc = check_vector(ctx, b, what, s->n_cell, bias_type)) != TFLRT_OK) return rc;
  }
  /* projection */
  const tflrt_tensor* pw = lstm_slot_tensor(ctx, node, sl->w_proj);
  const tflrt_tensor* pb = lstm_slot_tensor(ctx, node, sl->b_proj);
  if (pb != NULL && pw == NULL) return tflrt_op_error(ctx, "a projection bias is given without projection weights");
  if (pw != NULL) {
    if ((rc = check_matrix(ctx, pw, "projection weights", s->n_output, s->n_cell, wtype)) != TFLRT_OK) return rc;
    if (s->mode != LSTM_FLOAT && (rc = check_weight_quant(ctx, pw, "projection weights")) != TFLRT_OK) return rc;
    if (pb != NULL && (rc = check_vector(ctx, pb, "projection bias", s->n_output, bias_type)) != TFLRT_OK) return rc;
  } else if (s->n_output != s->n_cell) {
    return tflrt_op_error(ctx, "without projection weights the output size (%d) must equal the cell count (%d)",
                          (int)s->n_output, (int)s->n_cell);
  }
  s->projection = pw != NULL;
  /* layer normalisation: decided by the forget-gate coefficients, as TFLite does */
  if (lstm_slot_tensor(ctx, node, sl->ln[LSTM_F]) != NULL) {
    s->layer_norm = 1;
    for (int g = 0; g < 4; g++) {
      const tflrt_tensor* l = lstm_slot_tensor(ctx, node, sl->ln[g]);
      if (g == LSTM_I && s->cifg) {
        if (l != NULL) return tflrt_op_error(ctx, "input layer-norm coefficients are given without an input gate");
        continue;
      }
      if (l == NULL) return tflrt_op_error(ctx, "layer normalisation needs the %s gate coefficients", GATE[g]);
      snprintf(what, sizeof(what), "%s layer-norm coefficients", GATE[g]);
      if ((rc = check_vector(ctx, l, what, s->n_cell, integer ? TFLRT_INT16 : TFLRT_FLOAT32)) != TFLRT_OK) return rc;
    }
  } else {
    for (int g = 0; g < 4; g++)
      if (lstm_slot_tensor(ctx, node, sl->ln[g]) != NULL)
        return tflrt_op_error(ctx, "layer-norm coefficients are given without the forget gate's");
  }
  /* auxiliary input (bidirectional) */
  if (aux != NULL) {
    if (aux->ndims != 3 || aux->dims[0] != input->dims[0] || aux->dims[1] != input->dims[1])
      return tflrt_op_error(ctx, "the auxiliary input must have rank 3 and the input's first two dimensions");
    if (aux->type != TFLRT_FLOAT32) return tflrt_op_error(ctx, "the auxiliary input must be FLOAT32");
    s->n_aux = aux->dims[2];
    s->aux = 1;
    for (int g = 0; g < 4; g++) {
      const tflrt_tensor* a = lstm_slot_tensor(ctx, node, sl->w_aux[g]);
      snprintf(what, sizeof(what), "auxiliary-input-to-%s weights", GATE[g]);
      if (g == LSTM_I && s->cifg) {
        if (a != NULL) return tflrt_op_error(ctx, "%s are given without an input gate (CIFG)", what);
        continue;
      }
      if (a == NULL) return tflrt_op_error(ctx, "%s are required with auxiliary weights", what);
      if ((rc = check_matrix(ctx, a, what, s->n_cell, s->n_aux, wtype)) != TFLRT_OK) return rc;
      if (s->mode != LSTM_FLOAT && (rc = check_weight_quant(ctx, a, what)) != TFLRT_OK) return rc;
    }
  }
  /* state tensors */
  const tflrt_tensor* h = lstm_slot_tensor(ctx, node, sl->state_h);
  const tflrt_tensor* c = lstm_slot_tensor(ctx, node, sl->state_c);
  if (h == NULL || c == NULL) return tflrt_op_error(ctx, "the output state and cell state inputs are required");
  if (!h->is_variable || !c->is_variable)
    return tflrt_op_error(ctx, "the %s state (tensor %d '%s') must be a variable tensor",
                          !h->is_variable ? "output" : "cell", (int)(!h->is_variable ? h : c)->index,
                          (!h->is_variable ? h : c)->name);
  const int32_t h_type = integer ? TFLRT_INT8 : TFLRT_FLOAT32, c_type = integer ? TFLRT_INT16 : TFLRT_FLOAT32;
  if (h->type != h_type || c->type != c_type)
    return tflrt_op_error(ctx, "the output and cell states must be %s and %s, got %s and %s",
                          tflrt_type_name(h_type), tflrt_type_name(c_type), tflrt_type_name(h->type),
                          tflrt_type_name(c->type));
  if (tflrt_num_elements(h) != (int64_t)s->n_batch * s->n_output)
    return tflrt_op_error(ctx, "the output state has %lld elements, expected batch %d x output %d",
                          (long long)tflrt_num_elements(h), (int)s->n_batch, (int)s->n_output);
  if (tflrt_num_elements(c) != (int64_t)s->n_batch * s->n_cell)
    return tflrt_op_error(ctx, "the cell state has %lld elements, expected batch %d x cells %d",
                          (long long)tflrt_num_elements(c), (int)s->n_batch, (int)s->n_cell);
  return TFLRT_OK;
}

size_t lstm_scratch_block(size_t* total, size_t n, size_t size) {
  if (*total == SIZE_MAX) return SIZE_MAX;
  const size_t off = (*total + 63) & ~(size_t)63;
  if (off < *total || (size != 0 && n > (SIZE_MAX - off - 64) / size)) {
    *total = SIZE_MAX;
    return SIZE_MAX;
  }
  *total = off + n * size;
  return off;
}

/* ---- float and hybrid cell ---- */

#define COL_BLOCK 16

/* Scratch of one step over `nb` batch rows (carved from one block). */
typedef struct {
  float* pre[4];   /* gate pre-activations, then the gates [nb, n_cell] */
  float* tmp[4];   /* per-gate partial products [nb, n_cell] */
  float* stale;    /* the cell gate's partial sum TFLite keeps with activation NONE */
  float* hid;      /* o .* act(c) [nb, n_cell] */
  int8_t *q_in, *q_aux, *q_h, *q_hid;
  float *sf_in, *sf_aux, *sf_h, *sf_hid;
  int32_t *zp_in, *zp_aux, *zp_h, *zp_hid;
} cell_buffers;

static size_t carve(lstm_cell* c, int32_t nb, char* base, cell_buffers* b) {
  const lstm_shape* s = &c->s;
  size_t total = 0, off[24];
  int k = 0;
  const size_t gsz = (size_t)nb * (size_t)s->n_cell;
  for (int g = 0; g < 4; g++) off[k++] = lstm_scratch_block(&total, gsz, sizeof(float));
  for (int g = 0; g < 4; g++) off[k++] = lstm_scratch_block(&total, gsz, sizeof(float));
  off[k++] = lstm_scratch_block(&total, gsz, sizeof(float));
  off[k++] = lstm_scratch_block(&total, gsz, sizeof(float));
  const int hy = s->mode == LSTM_HYBRID;
  const size_t rows[4] = {(size_t)s->n_input, (size_t)s->n_aux, (size_t)s->n_output, (size_t)s->n_cell};
  for (int q = 0; q < 4; q++) off[k++] = lstm_scratch_block(&total, hy ? (size_t)nb * rows[q] : 0, 1);
  for (int q = 0; q < 4; q++) off[k++] = lstm_scratch_block(&total, hy ? (size_t)nb : 0, sizeof(float));
  for (int q = 0; q < 4; q++) off[k++] = lstm_scratch_block(&total, hy ? (size_t)nb : 0, sizeof(int32_t));
  if (base != NULL && total != SIZE_MAX) {
    k = 0;
    for (int g = 0; g < 4; g++) b->pre[g] = (float*)(base + off[k++]);
    for (int g = 0; g < 4; g++) b->tmp[g] = (float*)(base + off[k++]);
    b->stale = (float*)(base + off[k++]);
    b->hid = (float*)(base + off[k++]);
    int8_t** qs[4] = {&b->q_in, &b->q_aux, &b->q_h, &b->q_hid};
    float** sfs[4] = {&b->sf_in, &b->sf_aux, &b->sf_h, &b->sf_hid};
    int32_t** zps[4] = {&b->zp_in, &b->zp_aux, &b->zp_h, &b->zp_hid};
    for (int q = 0; q < 4; q++) *qs[q] = (int8_t*)(base + off[k++]);
    for (int q = 0; q < 4; q++) *sfs[q] = (float*)(base + off[k++]);
    for (int q = 0; q < 4; q++) *zps[q] = (int32_t*)(base + off[k++]);
  }
  return total;
}

static const void* tensor_data(tflrt_ctx* ctx, const tflrt_node* node, int slot) {
  const tflrt_tensor* t = lstm_slot_tensor(ctx, node, slot);
  return t ? t->data : NULL;
}

static void compute_row_sums(lstm_cell* c, const void* const* w) {
  const lstm_shape* s = &c->s;
  for (int m = 0; m < 13; m++) {
    if (c->row_sums[m] == NULL || w[m] == NULL) continue;
    const int32_t rows = m == LSTM_W_PROJ ? s->n_output : s->n_cell;
    const int32_t cols = m == LSTM_W_PROJ ? s->n_cell : (m < LSTM_W_AUX ? s->n_input : (m < LSTM_W_REC ? s->n_aux : s->n_output));
    for (int32_t r = 0; r < rows; r++) {
      const int8_t* row = (const int8_t*)w[m] + (size_t)r * (size_t)cols;
      uint32_t sum = 0;
      for (int32_t k = 0; k < cols; k++) sum += (uint32_t)(int32_t)row[k];
      c->row_sums[m][r] = tflrt_wrap_i32((int64_t)sum);
    }
  }
}

/* Weight matrix m of this direction (NULL when absent or a diagonal). */
static int weight_slot(const lstm_cell* c, int m) {
  if (m == LSTM_W_PROJ) return c->sl.w_proj;
  const int g = m % 4;
  if (m < LSTM_W_AUX) return c->sl.w_in[g];
  if (m < LSTM_W_REC) return c->s.aux ? c->sl.w_aux[g] : -1;
  return c->s.diag[g] ? -1 : c->sl.w_rec[g];
}

int lstm_cell_prepare(tflrt_ctx* ctx, tflrt_node* node, lstm_cell* c) {
  const lstm_shape* s = &c->s;
  memset(c->scales, 0, sizeof(c->scales));
  memset(c->row_sums, 0, sizeof(c->row_sums));
  c->row_sums_const = 0;
  if (s->mode == LSTM_HYBRID) {
    int all_const = 1;
    for (int m = 0; m < 13; m++) {
      const tflrt_tensor* w = lstm_slot_tensor(ctx, node, weight_slot(c, m));
      if (w == NULL) continue;
      const int32_t rows = m == LSTM_W_PROJ ? s->n_output : s->n_cell;
      float* sc = tflrt_persistent_alloc(ctx, node, (size_t)rows * sizeof(float));
      int32_t* rs = tflrt_persistent_alloc(ctx, node, (size_t)rows * sizeof(int32_t));
      if (sc == NULL || rs == NULL) return TFLRT_ERR_NOMEM;
      for (int32_t r = 0; r < rows; r++) sc[r] = w->scale;
      c->scales[m] = sc;
      c->row_sums[m] = rs;
      if (!tflrt_is_const(w)) all_const = 0;
    }
    for (int g = 0; g < 4; g++) {
      const tflrt_tensor* p = g == LSTM_C ? NULL : lstm_slot_tensor(ctx, node, c->sl.w_peep[g]);
      c->peep_scale[g] = p ? p->scale : 0.0f;
    }
    if (all_const) {
      const void* w[13];
      for (int m = 0; m < 13; m++) w[m] = tensor_data(ctx, node, weight_slot(c, m));
      compute_row_sums(c, w);
      c->row_sums_const = 1;
    }
  }
  const int32_t nb = c->time_major ? s->n_batch : 1;
  c->scratch_bytes = carve(c, nb, NULL, NULL);
  if (c->scratch_bytes == SIZE_MAX) return tflrt_op_error(ctx, "scratch size overflows");
  return TFLRT_OK;
}

/* One step's inputs and the weights, shared with the worker threads. */
typedef struct {
  tflrt_ctx* ctx;
  const lstm_cell* c;
  const cell_buffers* b;
  int32_t nb; /* batch rows in this step */
  const float *x, *aux, *h; /* [nb, n_input], [nb, n_aux], [nb, n_output] */
  const void* w[13];
  const float* diag[4];
  const float* bias[4];
  const float* proj_bias;
  int in_nz, aux_nz, h_nz, keep_stale;
  int gates[4], n_gates, n_blocks;
} step_work;

static void add_cols(float* dst, const float* src, int32_t nb, int32_t n, int32_t c0, int32_t c1) {
  for (int32_t b = 0; b < nb; b++)
    for (int32_t j = c0; j < c1; j++) dst[(size_t)b * n + j] += src[(size_t)b * n + j];
}

/* Gate g's products over cell columns [c0, c1): pre = bias (0 with layer norm) + W x + W_aux x_aux
 * + R h, in TFLite's order of float additions. */
static void gate_products(const step_work* wk, int g, int32_t c0, int32_t c1) {
  const lstm_cell* c = wk->c;
  const lstm_shape* s = &c->s;
  const tflrt_fc_kernels* fk = &wk->ctx->k->fc;
  const int32_t n = s->n_cell, nb = wk->nb;
  float* pre = wk->b->pre[g];
  float* tmp = wk->b->tmp[g];
  const float* bias = s->layer_norm ? NULL : wk->bias[g];
  const int hybrid = s->mode == LSTM_HYBRID;
  tflrt_fc_params p = lstm_fc_params(nb, n);
  /* input */
  if (wk->in_nz) {
    p.in_features = s->n_input;
    if (hybrid) {
      p.filter_scale = c->scales[LSTM_W_IN + g];
      fk->qd8_f32_qc8w_fc(&p, wk->b->q_in, wk->b->sf_in, wk->b->zp_in, wk->w[LSTM_W_IN + g],
                          c->row_sums[LSTM_W_IN + g], bias, pre, 0, nb, c0, c1);
    } else {
      fk->f32_fc(&p, wk->x, wk->w[LSTM_W_IN + g], bias, pre, 0, nb, c0, c1);
    }
  } else {
    for (int32_t b = 0; b < nb; b++)
      for (int32_t j = c0; j < c1; j++) pre[(size_t)b * n + j] = bias ? bias[j] : 0.0f;
  }
  /* auxiliary input */
  if (wk->aux_nz) {
    p.in_features = s->n_aux;
    if (hybrid) {
      p.filter_scale = c->scales[LSTM_W_AUX + g];
      fk->qd8_f32_qc8w_fc(&p, wk->b->q_aux, wk->b->sf_aux, wk->b->zp_aux, wk->w[LSTM_W_AUX + g],
                          c->row_sums[LSTM_W_AUX + g], NULL, tmp, 0, nb, c0, c1);
    } else {
      fk->f32_fc(&p, wk->aux, wk->w[LSTM_W_AUX + g], NULL, tmp, 0, nb, c0, c1);
    }
    add_cols(pre, tmp, nb, n, c0, c1);
  }
  if (g == LSTM_C && wk->keep_stale) {
    float* st = wk->b->stale;
    for (int32_t b = 0; b < nb; b++)
      for (int32_t j = c0; j < c1; j++)
        st[(size_t)b * n + j] = s->diag[g] ? (bias ? bias[j] : 0.0f) : pre[(size_t)b * n + j];
  }
  /* recurrent (the hybrid kernel skips an all-zero state) */
  if (hybrid && !wk->h_nz) return;
  if (s->diag[g]) {
    const float* d = wk->diag[g];
    for (int32_t b = 0; b < nb; b++)
      for (int32_t j = c0; j < c1; j++) pre[(size_t)b * n + j] += d[j] * wk->h[(size_t)b * n + j];
    return;
  }
  p.in_features = s->n_output;
  if (hybrid) {
    p.filter_scale = c->scales[LSTM_W_REC + g];
    fk->qd8_f32_qc8w_fc(&p, wk->b->q_h, wk->b->sf_h, wk->b->zp_h, wk->w[LSTM_W_REC + g],
                        c->row_sums[LSTM_W_REC + g], NULL, tmp, 0, nb, c0, c1);
  } else {
    fk->f32_fc(&p, wk->h, wk->w[LSTM_W_REC + g], NULL, tmp, 0, nb, c0, c1);
  }
  add_cols(pre, tmp, nb, n, c0, c1);
}

static void gate_products_range(void* arg, int32_t begin, int32_t end) {
  const step_work* wk = arg;
  for (int32_t it = begin; it < end; it++) {
    const int g = wk->gates[it / wk->n_blocks];
    const int32_t c0 = (it % wk->n_blocks) * COL_BLOCK;
    const int32_t c1 = c0 + COL_BLOCK < wk->c->s.n_cell ? c0 + COL_BLOCK : wk->c->s.n_cell;
    gate_products(wk, g, c0, c1);
  }
}

void lstm_activation(tflrt_ctx* ctx, int32_t act, const float* x, float* y, size_t n) {
  tflrt_unary_params up;
  memset(&up, 0, sizeof(up));
  switch (act) {
    case TFLRT_ACT_RELU:
      for (size_t i = 0; i < n; i++) y[i] = 0.0f < x[i] ? x[i] : 0.0f;
      break;
    case TFLRT_ACT_RELU_N1_TO_1:
      for (size_t i = 0; i < n; i++) {
        const float v = 1.0f < x[i] ? 1.0f : x[i];
        y[i] = -1.0f < v ? v : -1.0f;
      }
      break;
    case TFLRT_ACT_RELU6:
      for (size_t i = 0; i < n; i++) {
        const float v = 6.0f < x[i] ? 6.0f : x[i];
        y[i] = 0.0f < v ? v : 0.0f;
      }
      break;
    case TFLRT_ACT_TANH: ctx->k->unary.f32_tanh(&up, x, y, n); break;
    case TFLRT_ACT_SIGN_BIT:
      for (size_t i = 0; i < n; i++) y[i] = signbit(x[i]) ? 1.0f : 0.0f;
      break;
    default: break;
  }
}

static void sigmoid(tflrt_ctx* ctx, float* x, size_t n) {
  tflrt_unary_params up;
  memset(&up, 0, sizeof(up));
  ctx->k->unary.f32_logistic(&up, x, x, n);
}

/* Peephole (cell state c), layer normalisation and the gate activation. */
static void finish_gate(step_work* wk, int g, const float* cell, const void* peep, const float* ln) {
  const lstm_cell* c = wk->c;
  const int32_t n = c->s.n_cell, nb = wk->nb;
  const size_t total = (size_t)nb * (size_t)n;
  float* pre = wk->b->pre[g];
  if (peep != NULL) {
    if (c->s.mode == LSTM_HYBRID) {
      const int8_t* w = peep;
      const float scale = c->peep_scale[g];
      for (int32_t b = 0; b < nb; b++)
        for (int32_t j = 0; j < n; j++) pre[(size_t)b * n + j] += scale * (float)w[j] * cell[(size_t)b * n + j];
    } else {
      const float* w = peep;
      for (int32_t b = 0; b < nb; b++)
        for (int32_t j = 0; j < n; j++) pre[(size_t)b * n + j] += w[j] * cell[(size_t)b * n + j];
    }
  }
  if (ln != NULL) wk->ctx->k->lstm.f32_layer_norm(pre, ln, wk->bias[g], nb, n);
  if (g != LSTM_C) {
    sigmoid(wk->ctx, pre, total);
  } else if (c->activation != TFLRT_ACT_NONE) {
    lstm_activation(wk->ctx, c->activation, pre, pre, total);
  } else if (wk->keep_stale) {
    memcpy(pre, wk->b->stale, total * sizeof(float));
  }
}

typedef struct {
  step_work* wk;
  float* h;
} proj_work;

/* h[:, blocks [begin, end)) = b_proj + W_proj hid */
static void proj_range(void* arg, int32_t begin, int32_t end) {
  const proj_work* pw = arg;
  const step_work* wk = pw->wk;
  const lstm_cell* c = wk->c;
  const int32_t n_out = c->s.n_output;
  const int32_t c0 = begin * COL_BLOCK, c1 = end * COL_BLOCK < n_out ? end * COL_BLOCK : n_out;
  tflrt_fc_params p = lstm_fc_params(wk->nb, n_out);
  p.in_features = c->s.n_cell;
  const tflrt_fc_kernels* fk = &wk->ctx->k->fc;
  if (c->s.mode == LSTM_HYBRID) {
    p.filter_scale = c->scales[LSTM_W_PROJ];
    fk->qd8_f32_qc8w_fc(&p, wk->b->q_hid, wk->b->sf_hid, wk->b->zp_hid, wk->w[LSTM_W_PROJ],
                        c->row_sums[LSTM_W_PROJ], wk->proj_bias, pw->h, 0, wk->nb, c0, c1);
  } else {
    fk->f32_fc(&p, wk->b->hid, wk->w[LSTM_W_PROJ], wk->proj_bias, pw->h, 0, wk->nb, c0, c1);
  }
}

/* One time step over wk->nb batch rows: updates h [nb, n_output] and cell [nb, n_cell]. */
static void lstm_step(step_work* wk, float* h, float* cell, const void* const* peep, const float* const* ln) {
  const lstm_cell* c = wk->c;
  const lstm_shape* s = &c->s;
  tflrt_ctx* ctx = wk->ctx;
  const cell_buffers* b = wk->b;
  const int32_t nb = wk->nb, n = s->n_cell;
  const size_t total = (size_t)nb * (size_t)n;
  const int hybrid = s->mode == LSTM_HYBRID;
  wk->h = h;
  wk->in_nz = !lstm_all_zero(wk->x, (size_t)nb * (size_t)s->n_input);
  wk->aux_nz = s->aux && !lstm_all_zero(wk->aux, (size_t)nb * (size_t)s->n_aux);
  wk->h_nz = !lstm_all_zero(h, (size_t)nb * (size_t)s->n_output);
  if (hybrid) {
    const tflrt_conv_kernels* ck = &ctx->k->conv;
    const int asym = c->asymmetric;
    if (wk->in_nz) tflrt_quantize_rows(ck, asym, wk->x, (size_t)s->n_input, 0, nb, b->q_in, b->sf_in, b->zp_in);
    if (wk->aux_nz) tflrt_quantize_rows(ck, asym, wk->aux, (size_t)s->n_aux, 0, nb, b->q_aux, b->sf_aux, b->zp_aux);
    if (wk->h_nz) tflrt_quantize_rows(ck, asym, h, (size_t)s->n_output, 0, nb, b->q_h, b->sf_h, b->zp_h);
  }
  /* TFLite float: with activation NONE the cell gate's result stays in the accumulation buffer
   * unless the number of buffer swaps (one per non-zero input, one for a diagonal recurrence)
   * leaves it in the gate buffer. */
  wk->keep_stale = 0;
  if (!hybrid && c->activation == TFLRT_ACT_NONE) {
    const int swaps = wk->in_nz + wk->aux_nz + (s->diag[LSTM_C] ? 1 : 0);
    wk->keep_stale = (swaps % 2) == 0;
  }
  wk->n_gates = 0;
  for (int g = s->cifg ? 1 : 0; g < 4; g++) wk->gates[wk->n_gates++] = g;
  wk->n_blocks = (n + COL_BLOCK - 1) / COL_BLOCK;
  const int64_t macs = (int64_t)nb * n * (s->n_input + s->n_aux + s->n_output);
  if (ctx->num_threads > 1 && macs >= 32768)
    tflrt_parallel_for(ctx, wk->n_gates * wk->n_blocks, gate_products_range, wk);
  else
    gate_products_range(wk, 0, wk->n_gates * wk->n_blocks);
  if (!s->cifg) finish_gate(wk, LSTM_I, cell, peep[LSTM_I], ln[LSTM_I]);
  finish_gate(wk, LSTM_F, cell, peep[LSTM_F], ln[LSTM_F]);
  finish_gate(wk, LSTM_C, cell, NULL, ln[LSTM_C]);
  /* cell update */
  float* fg = b->pre[LSTM_F];
  const float* ig = b->pre[LSTM_I];
  const float* cg = b->pre[LSTM_C];
  for (size_t i = 0; i < total; i++) {
    float v = fg[i] * cell[i];
    v += cg[i] * (s->cifg ? 1.0f - fg[i] : ig[i]);
    cell[i] = v;
  }
  if (c->cell_clip > 0.0f) {
    const float clip = c->cell_clip;
    for (size_t i = 0; i < total; i++) {
      const float v = clip < cell[i] ? clip : cell[i];
      cell[i] = -clip < v ? v : -clip;
    }
  }
  finish_gate(wk, LSTM_O, cell, peep[LSTM_O], ln[LSTM_O]);
  /* hidden: o .* act(c); TFLite's NONE leaves the cell gate in place of act(c) */
  float* hid = b->hid;
  if (c->activation == TFLRT_ACT_NONE)
    memcpy(hid, cg, total * sizeof(float));
  else
    lstm_activation(ctx, c->activation, cell, hid, total);
  const float* og = b->pre[LSTM_O];
  for (size_t i = 0; i < total; i++) hid[i] = og[i] * hid[i];
  if (!s->projection) {
    memcpy(h, hid, total * sizeof(float));
    return;
  }
  const size_t hn = (size_t)nb * (size_t)s->n_output;
  proj_work pw = {wk, h};
  const int32_t blocks = (s->n_output + COL_BLOCK - 1) / COL_BLOCK;
  if (hybrid && lstm_all_zero(hid, total)) { /* TFLite skips the product: h = b_proj */
    for (int32_t r = 0; r < nb; r++)
      for (int32_t j = 0; j < s->n_output; j++)
        h[(size_t)r * s->n_output + j] = wk->proj_bias ? wk->proj_bias[j] : 0.0f;
  } else {
    if (hybrid)
      tflrt_quantize_rows(&ctx->k->conv, c->asymmetric, hid, (size_t)n, 0, nb, b->q_hid, b->sf_hid, b->zp_hid);
    if (ctx->num_threads > 1 && (int64_t)nb * n * s->n_output >= 32768)
      tflrt_parallel_for(ctx, blocks, proj_range, &pw);
    else
      proj_range(&pw, 0, blocks);
  }
  if (c->proj_clip > 0.0f) {
    const float clip = c->proj_clip;
    for (size_t i = 0; i < hn; i++) {
      const float v = clip < h[i] ? clip : h[i];
      h[i] = -clip < v ? v : -clip;
    }
  }
}

int lstm_cell_run(tflrt_ctx* ctx, const tflrt_node* node, lstm_cell* c, const float* input, const float* aux,
                  float* output, int32_t out_stride, int32_t out_offset, int forward, void* scratch) {
  const lstm_shape* s = &c->s;
  step_work wk;
  memset(&wk, 0, sizeof(wk));
  wk.ctx = ctx;
  wk.c = c;
  const void* peep[4] = {NULL, NULL, NULL, NULL};
  const float* ln[4] = {NULL, NULL, NULL, NULL};
  for (int m = 0; m < 13; m++) {
    const tflrt_tensor* t = lstm_slot_tensor(ctx, node, weight_slot(c, m));
    wk.w[m] = t ? t->data : NULL;
    if (t != NULL && t->data == NULL) return tflrt_op_error(ctx, "weight tensor %d has no data", (int)t->index);
  }
  for (int g = 0; g < 4; g++) {
    if (g == LSTM_I && s->cifg) continue;
    wk.bias[g] = tensor_data(ctx, node, c->sl.bias[g]);
    if (s->diag[g]) wk.diag[g] = tensor_data(ctx, node, c->sl.w_rec[g]);
    if (s->peephole && g != LSTM_C) peep[g] = tensor_data(ctx, node, c->sl.w_peep[g]);
    if (s->layer_norm) ln[g] = tensor_data(ctx, node, c->sl.ln[g]);
    if (wk.bias[g] == NULL || (s->diag[g] && wk.diag[g] == NULL) || (s->peephole && g != LSTM_C && !peep[g]) ||
        (s->layer_norm && ln[g] == NULL))
      return tflrt_op_error(ctx, "a %s gate tensor has no data", GATE[g]);
  }
  wk.proj_bias = tensor_data(ctx, node, c->sl.b_proj);
  float* h_state = (float*)tensor_data(ctx, node, c->sl.state_h);
  float* c_state = (float*)tensor_data(ctx, node, c->sl.state_c);
  if (h_state == NULL || c_state == NULL) return tflrt_op_error(ctx, "a state tensor has no data");
  if (s->mode == LSTM_HYBRID && !c->row_sums_const) compute_row_sums(c, wk.w);
  cell_buffers b;
  const int32_t nb = c->time_major ? s->n_batch : 1;
  carve(c, nb, scratch, &b);
  wk.b = &b;
  wk.nb = nb;
  const int32_t T = s->max_time, B = s->n_batch, n_out = s->n_output;
  const size_t in_row = (size_t)s->n_input, aux_row = (size_t)s->n_aux;
  for (int32_t bb = 0; bb < (c->time_major ? 1 : B); bb++) {
    float* h = c->time_major ? h_state : h_state + (size_t)bb * n_out;
    float* cell = c->time_major ? c_state : c_state + (size_t)bb * s->n_cell;
    for (int32_t t = 0; t < T; t++) {
      const int32_t tr = forward ? t : T - 1 - t;
      /* first row of this step in [time, batch] or [batch, time] order */
      const size_t row = c->time_major ? (size_t)tr * (size_t)B : (size_t)bb * (size_t)T + (size_t)tr;
      wk.x = input + row * in_row;
      wk.aux = s->aux ? aux + row * aux_row : NULL;
      lstm_step(&wk, h, cell, peep, ln);
      for (int32_t r = 0; r < nb; r++)
        memcpy(output + (row + (size_t)r) * (size_t)out_stride + (size_t)out_offset, h + (size_t)r * n_out,
               (size_t)n_out * sizeof(float));
    }
  }
  return TFLRT_OK;
}
