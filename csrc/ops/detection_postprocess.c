/* TFLite_Detection_PostProcess: the custom op that ends SSD detection models (a built-in custom
 * op, resolved by name like TFLite's BuiltinOpResolver resolves it).
 *
 * TFLite semantics (tflite/kernels/detection_postprocess.cc). Inputs: box encodings [1, N, >=4]
 * (y, x, h, w relative to the anchor), class predictions [1, N, C'] and anchors [N, 4]
 * (y_center, x_center, h, w); float32 or quantized uint8 (dequantized with each tensor's scale
 * and zero point; int8 is accepted too, TFLite refuses it). C' = num_classes or num_classes + 1
 * (a leading background class, skipped). Options: a FlexBuffers map in custom_options with
 * max_detections, max_classes_per_detection, detections_per_class (default 100),
 * use_regular_nms (default false), nms_score_threshold, nms_iou_threshold, num_classes,
 * y_scale, x_scale, h_scale, w_scale.
 * Outputs (float32): boxes [1, D, 4] as (ymin, xmin, ymax, xmax), classes [1, D], scores [1, D],
 * num_detections [1], with D = max_detections * max_classes_per_detection.
 *
 * 1. Decode (in double, rounded to float once): yc = y / y_scale * ha + ya, xc likewise,
 *    half_h = 0.5 * exp(h / h_scale) * ha, half_w likewise; box = (yc - half_h, xc - half_w,
 *    yc + half_h, xc + half_w). Every decoded box must have ymin <= ymax and xmin <= xmax.
 * 2a. Fast NMS (default): per anchor, the top min(max_classes_per_detection, num_classes)
 *    classes (std::partial_sort order; a plain argmax when one class is kept); one single-class
 *    NMS over the anchors' best scores with max_detections outputs; each selected anchor fills
 *    max_classes_per_detection consecutive output rows.
 * 2b. Regular NMS: single-class NMS per class with min(detections_per_class, max_detections)
 *    outputs, all merged by decreasing score (stable: earlier classes first on ties) and cut
 *    at max_detections; row i holds the i-th best.
 * Single-class NMS: keep scores >= nms_score_threshold, stable sort by decreasing score, take
 *    the best remaining box and drop every later one whose IoU with it is > nms_iou_threshold.
 * Rows past num_detections are 0 here (TFLite leaves them unwritten).
 *
 * The options are validated in parse and prepare (TFLite checks some only at invoke and none of
 * the scales): the FlexBuffers bytes are read with the bounds-checked reader of
 * loader/flexbuffer.h, and every count that sizes memory is range-checked. */
#include <math.h>
#include <string.h>

#include "../loader/flexbuffer.h"
#include "op.h"
#include "op_util.h"

#define DEFAULT_DETECTIONS_PER_CLASS 100

typedef struct {
  /* options */
  int32_t max_detections, max_classes_per_detection, detections_per_class, num_classes;
  int use_regular_nms;
  float score_threshold, iou_threshold;
  float y_scale, x_scale, h_scale, w_scale;
  /* from prepare */
  int32_t num_boxes, num_classes_with_background, box_stride, label_offset, out_rows;
  int32_t scratch;
  size_t off_decoded, off_scores, off_class_scores, off_keep_scores, off_keep_idx, off_sorted, off_sort_tmp,
      off_active, off_selected, off_max_scores, off_class_idx, off_box_info, off_merge_tmp;
} detection_data;

typedef struct {
  int32_t index;
  float score;
} box_info;

/* ---- options (FlexBuffers map) ---- */

static int opt_int(tflrt_ctx* ctx, const flex_ref* map, const char* key, int32_t dflt, int32_t* out) {
  flex_ref v;
  int found;
  if (flex_map_get(map, key, &v, &found)) return tflrt_op_error(ctx, "malformed custom options (key '%s')", key);
  *out = dflt;
  if (found && v.type != FLEX_NULL && flex_as_int32(&v, out))
    return tflrt_op_error(ctx, "option '%s' is not a 32-bit integer", key);
  return TFLRT_OK;
}

static int opt_float(tflrt_ctx* ctx, const flex_ref* map, const char* key, float* out) {
  flex_ref v;
  int found;
  if (flex_map_get(map, key, &v, &found)) return tflrt_op_error(ctx, "malformed custom options (key '%s')", key);
  *out = 0.0f;
  if (found && flex_as_float(&v, out)) return tflrt_op_error(ctx, "option '%s' is not a float", key);
  return TFLRT_OK;
}

static int detection_parse(tflrt_ctx* ctx, tflrt_node* node) {
  detection_data* d = node->data;
  flex_ref root;
  if (node->custom_options == NULL || node->custom_options_size == 0)
    return tflrt_op_error(ctx, "custom options (a FlexBuffers map of the op's parameters) are missing");
  if (flex_root(node->custom_options, node->custom_options_size, &root) || root.type != FLEX_MAP)
    return tflrt_op_error(ctx, "custom options are not a FlexBuffers map");
  int r = opt_int(ctx, &root, "max_detections", 0, &d->max_detections);
  if (!r) r = opt_int(ctx, &root, "max_classes_per_detection", 0, &d->max_classes_per_detection);
  if (!r) r = opt_int(ctx, &root, "detections_per_class", DEFAULT_DETECTIONS_PER_CLASS, &d->detections_per_class);
  if (!r) r = opt_int(ctx, &root, "num_classes", 0, &d->num_classes);
  if (!r) r = opt_float(ctx, &root, "nms_score_threshold", &d->score_threshold);
  if (!r) r = opt_float(ctx, &root, "nms_iou_threshold", &d->iou_threshold);
  if (!r) r = opt_float(ctx, &root, "y_scale", &d->y_scale);
  if (!r) r = opt_float(ctx, &root, "x_scale", &d->x_scale);
  if (!r) r = opt_float(ctx, &root, "h_scale", &d->h_scale);
  if (!r) r = opt_float(ctx, &root, "w_scale", &d->w_scale);
  if (r) return r;
  flex_ref v;
  int found;
  if (flex_map_get(&root, "use_regular_nms", &v, &found))
    return tflrt_op_error(ctx, "malformed custom options (key 'use_regular_nms')");
  d->use_regular_nms = 0;
  if (found && v.type != FLEX_NULL && flex_as_bool(&v, &d->use_regular_nms))
    return tflrt_op_error(ctx, "option 'use_regular_nms' is not a bool");

  if (d->max_detections < 0) return tflrt_op_error(ctx, "max_detections is %d; it must be >= 0", (int)d->max_detections);
  if (d->max_classes_per_detection < 1)
    return tflrt_op_error(ctx, "max_classes_per_detection is %d; it must be >= 1", (int)d->max_classes_per_detection);
  if (d->num_classes < 1) return tflrt_op_error(ctx, "num_classes is %d; it must be >= 1", (int)d->num_classes);
  if (d->use_regular_nms && (d->detections_per_class < 1 || d->max_detections < 1))
    return tflrt_op_error(ctx, "regular NMS needs detections_per_class >= 1 and max_detections >= 1 (got %d and %d)",
                          (int)d->detections_per_class, (int)d->max_detections);
  if (!(d->iou_threshold > 0.0f && d->iou_threshold <= 1.0f))
    return tflrt_op_error(ctx, "nms_iou_threshold is %g; it must be in (0, 1]", (double)d->iou_threshold);
  const float scales[4] = {d->y_scale, d->x_scale, d->h_scale, d->w_scale};
  for (int i = 0; i < 4; i++)
    if (!isfinite(scales[i]) || scales[i] == 0.0f)
      return tflrt_op_error(ctx, "the box scales (y, x, h, w) must be finite and non-zero, got %g, %g, %g, %g",
                            (double)scales[0], (double)scales[1], (double)scales[2], (double)scales[3]);
  return TFLRT_OK;
}

/* ---- prepare ---- */

static int input_type_ok(const tflrt_tensor* t) {
  return t->type == TFLRT_FLOAT32 || ((t->type == TFLRT_UINT8 || t->type == TFLRT_INT8) && t->nq >= 1);
}

/* Appends a block of n elements of es bytes to the scratch layout; fails on overflow. */
static int carve(size_t* total, size_t n, size_t es, size_t* off) {
  const size_t align = 16;
  if (es != 0 && n > (SIZE_MAX / 4) / es) return -1;
  const size_t bytes = n * es;
  const size_t start = (*total + align - 1) & ~(align - 1);
  if (start > SIZE_MAX / 4 - bytes) return -1;
  *off = start;
  *total = start + bytes;
  return 0;
}

static int detection_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  detection_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 3, 4);
  if (rc) return rc;
  const tflrt_tensor* boxes = tflrt_in(ctx, node, 0);
  const tflrt_tensor* classes = tflrt_in(ctx, node, 1);
  const tflrt_tensor* anchors = tflrt_in(ctx, node, 2);
  if (boxes->ndims != 3 || boxes->dims[0] != 1 || boxes->dims[2] < 4)
    return tflrt_op_error(ctx, "box encodings must be [1, num_boxes, >= 4]");
  const int32_t n = boxes->dims[1];
  if (classes->ndims != 3 || classes->dims[0] != 1 || classes->dims[1] != n)
    return tflrt_op_error(ctx, "class predictions must be [1, %d, num_classes (+1)]", (int)n);
  if (anchors->ndims != 2 || anchors->dims[0] < n || anchors->dims[1] != 4)
    return tflrt_op_error(ctx, "anchors must be [%d, 4]", (int)n);
  if (!input_type_ok(boxes) || !input_type_ok(classes) || !input_type_ok(anchors))
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "inputs must be float32, or uint8/int8 with quantization parameters (got %s, %s, %s)",
                         tflrt_type_name(boxes->type), tflrt_type_name(classes->type), tflrt_type_name(anchors->type));
  const int32_t ncwb = classes->dims[2];
  if (ncwb < d->num_classes || ncwb - d->num_classes > 1)
    return tflrt_op_error(ctx, "class predictions have %d classes; num_classes is %d (at most one background class)",
                          (int)ncwb, (int)d->num_classes);
  d->num_boxes = n;
  d->num_classes_with_background = ncwb;
  d->label_offset = ncwb - d->num_classes;
  d->box_stride = boxes->dims[2];
  const int64_t rows = (int64_t)d->max_detections * d->max_classes_per_detection;
  if (rows > INT32_MAX / 4) return tflrt_op_error(ctx, "max_detections x max_classes_per_detection is too large");
  d->out_rows = (int32_t)rows;

  const int32_t dims_boxes[3] = {1, d->out_rows, 4}, dims_rows[2] = {1, d->out_rows}, dims_num[1] = {1};
  for (int32_t i = 0; i < 4; i++)
    if (tflrt_out(ctx, node, i)->type != TFLRT_FLOAT32) return tflrt_op_error(ctx, "output %d must be float32", (int)i);
  int r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), 3, dims_boxes);
  if (!r) r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 1), 2, dims_rows);
  if (!r) r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 2), 2, dims_rows);
  if (!r) r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 3), 1, dims_num);
  if (r) return r;

  /* one scratch block, carved: every array the NMS passes need */
  const size_t un = (size_t)n;
  const int32_t per_class = d->detections_per_class < d->max_detections ? d->detections_per_class : d->max_detections;
  const size_t n_info = d->use_regular_nms ? (size_t)d->max_detections + (size_t)per_class : 0;
  size_t total = 0;
  int bad = carve(&total, un * 4, sizeof(float), &d->off_decoded);
  bad |= carve(&total, classes->type == TFLRT_FLOAT32 ? 0 : un * (size_t)ncwb, sizeof(float), &d->off_scores);
  bad |= carve(&total, un, sizeof(float), &d->off_class_scores);
  bad |= carve(&total, un, sizeof(float), &d->off_keep_scores);
  bad |= carve(&total, un, sizeof(int32_t), &d->off_keep_idx);
  bad |= carve(&total, un, sizeof(int32_t), &d->off_sorted);
  bad |= carve(&total, un, sizeof(int32_t), &d->off_sort_tmp);
  bad |= carve(&total, un, 1, &d->off_active);
  bad |= carve(&total, un, sizeof(int32_t), &d->off_selected);
  bad |= carve(&total, d->use_regular_nms ? 0 : un, sizeof(float), &d->off_max_scores);
  bad |= carve(&total, d->use_regular_nms ? 0 : un * (size_t)d->num_classes, sizeof(int32_t), &d->off_class_idx);
  bad |= carve(&total, n_info, sizeof(box_info), &d->off_box_info);
  bad |= carve(&total, n_info, sizeof(box_info), &d->off_merge_tmp);
  if (bad) return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "working memory size overflows");
  if (total == 0) total = 64; /* never a NULL scratch pointer */
  return tflrt_request_scratch(ctx, node, total, &d->scratch);
}

/* ---- eval helpers ---- */

static float dequant(const tflrt_tensor* t, size_t i) {
  const int32_t q = t->type == TFLRT_UINT8 ? ((const uint8_t*)t->data)[i] : ((const int8_t*)t->data)[i];
  return ((float)q - (float)t->zero_point) * t->scale;
}

static void read4(const tflrt_tensor* t, size_t first, float out[4]) {
  if (t->type == TFLRT_FLOAT32) {
    memcpy(out, (const float*)t->data + first, 4 * sizeof(float));
    return;
  }
  for (int k = 0; k < 4; k++) out[k] = dequant(t, first + (size_t)k);
}

static int decode_boxes(const detection_data* d, const tflrt_tensor* enc, const tflrt_tensor* anchors, float* out) {
  for (int32_t i = 0; i < d->num_boxes; i++) {
    float e[4], a[4]; /* e: y, x, h, w; a: y, x, h, w */
    read4(enc, (size_t)i * (size_t)d->box_stride, e);
    read4(anchors, (size_t)i * 4, a);
    const float yc = (float)((double)e[0] / (double)d->y_scale * (double)a[2] + (double)a[0]);
    const float xc = (float)((double)e[1] / (double)d->x_scale * (double)a[3] + (double)a[1]);
    const float hh = (float)(0.5 * exp((double)e[2] / (double)d->h_scale) * (double)a[2]);
    const float hw = (float)(0.5 * exp((double)e[3] / (double)d->w_scale) * (double)a[3]);
    float* b = out + 4 * (size_t)i;
    b[0] = yc - hh;
    b[1] = xc - hw;
    b[2] = yc + hh;
    b[3] = xc + hw;
    if (b[0] > b[2] || b[1] > b[3]) return -1;
  }
  return 0;
}

static float min_f(float a, float b) { return b < a ? b : a; }
static float max_f(float a, float b) { return a < b ? b : a; }

static float corner_iou(const float* boxes, int32_t i, int32_t j) {
  const float* a = boxes + 4 * (size_t)i;
  const float* b = boxes + 4 * (size_t)j;
  const float area_a = (a[2] - a[0]) * (a[3] - a[1]);
  const float area_b = (b[2] - b[0]) * (b[3] - b[1]);
  if (area_a <= 0 || area_b <= 0) return 0.0f;
  const float ih = min_f(a[2], b[2]) - max_f(a[0], b[0]);
  const float iw = min_f(a[3], b[3]) - max_f(a[1], b[1]);
  const float inter = max_f(ih, 0.0f) * max_f(iw, 0.0f);
  return inter / (area_a + area_b - inter);
}

/* Stable sort of idx[0..n) by decreasing values[idx] (bottom-up merge sort through tmp). */
static void stable_argsort_desc(const float* values, int32_t* idx, int32_t* tmp, int32_t n) {
  for (int32_t i = 0; i < n; i++) idx[i] = i;
  for (int32_t width = 1; width < n; width *= 2) {
    for (int32_t lo = 0; lo < n; lo += 2 * width) {
      const int32_t mid = lo + width < n ? lo + width : n;
      const int32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int32_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) tmp[k++] = values[idx[b]] > values[idx[a]] ? idx[b++] : idx[a++];
      while (a < mid) tmp[k++] = idx[a++];
      while (b < hi) tmp[k++] = idx[b++];
    }
    memcpy(idx, tmp, sizeof(int32_t) * (size_t)n);
  }
}

typedef struct {
  const float* decoded;
  float* keep_scores;
  int32_t *keep_idx, *sorted, *sort_tmp, *selected;
  uint8_t* active;
} nms_work;

/* Single-class NMS over scores[0..n); fills w->selected, returns the count. */
static int32_t single_class_nms(const detection_data* d, const nms_work* w, const float* scores, int32_t n,
                                int32_t max_out) {
  int32_t kept = 0;
  for (int32_t i = 0; i < n; i++) {
    if (scores[i] >= d->score_threshold) {
      w->keep_scores[kept] = scores[i];
      w->keep_idx[kept++] = i;
    }
  }
  stable_argsort_desc(w->keep_scores, w->sorted, w->sort_tmp, kept);
  const int32_t out_size = kept < max_out ? kept : max_out;
  if (kept > 0) memset(w->active, 1, (size_t)kept);
  int32_t n_active = kept, n_sel = 0;
  for (int32_t i = 0; i < kept; i++) {
    if (n_active == 0 || n_sel >= out_size) break;
    if (!w->active[i]) continue;
    const int32_t bi = w->keep_idx[w->sorted[i]];
    w->selected[n_sel++] = bi;
    w->active[i] = 0;
    n_active--;
    for (int32_t j = i + 1; j < kept; j++) {
      if (w->active[j] && corner_iou(w->decoded, bi, w->keep_idx[w->sorted[j]]) > d->iou_threshold) {
        w->active[j] = 0;
        n_active--;
      }
    }
  }
  return n_sel;
}

/* ---- std::partial_sort (libstdc++ steps) of class indices by decreasing score ---- */

static int score_greater(const float* v, int32_t a, int32_t b) { return v[a] > v[b]; }

static void idx_sift_up(const float* v, int32_t* h, int32_t hole, int32_t top, int32_t value) {
  int32_t parent = (hole - 1) / 2;
  while (hole > top && score_greater(v, h[parent], value)) {
    h[hole] = h[parent];
    hole = parent;
    parent = (hole - 1) / 2;
  }
  h[hole] = value;
}

static void idx_adjust(const float* v, int32_t* h, int32_t hole, int32_t len, int32_t value) {
  const int32_t top = hole;
  int32_t child = hole;
  while (child < (len - 1) / 2) {
    child = 2 * (child + 1);
    if (score_greater(v, h[child], h[child - 1])) child--;
    h[hole] = h[child];
    hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) {
    child = 2 * (child + 1);
    h[hole] = h[child - 1];
    hole = child - 1;
  }
  idx_sift_up(v, h, hole, top, value);
}

/* h[0..k) receives the k best of 0..n-1, in decreasing order (ties as libstdc++ orders them). */
static void partial_argsort_desc(const float* v, int32_t* h, int32_t n, int32_t k) {
  for (int32_t i = 0; i < n; i++) h[i] = i;
  if (k > 1) /* make_heap on [0, k) */
    for (int32_t parent = (k - 2) / 2; parent >= 0; parent--) idx_adjust(v, h, parent, k, h[parent]);
  for (int32_t i = k; i < n; i++) {
    if (score_greater(v, h[i], h[0])) {
      const int32_t value = h[i];
      h[i] = h[0];
      idx_adjust(v, h, 0, k, value);
    }
  }
  for (int32_t last = k - 1; last > 0; last--) { /* sort_heap */
    const int32_t value = h[last];
    h[last] = h[0];
    idx_adjust(v, h, 0, last, value);
  }
}

/* First index of the largest non-NaN value (0 when all are NaN). */
static int32_t argmax_first(const float* v, int32_t n) {
  int32_t best = 0;
  float m = v[0];
  for (int32_t i = 1; i < n; i++)
    if (!isnan(v[i]) && (isnan(m) || v[i] > m)) {
      m = v[i];
      best = i;
    }
  return isnan(m) ? 0 : best;
}

static void write_row(float* boxes, float* classes, float* scores, int32_t row, const float* box, float cls, float sc) {
  memcpy(boxes + 4 * (size_t)row, box, 4 * sizeof(float));
  classes[row] = cls;
  scores[row] = sc;
}

static int32_t fast_nms(const detection_data* d, const nms_work* w, uint8_t* base, const float* scores, float* ob,
                        float* oc, float* os) {
  const int32_t nc = d->num_classes, stride = d->num_classes_with_background;
  const int32_t per_anchor = d->max_classes_per_detection < nc ? d->max_classes_per_detection : nc;
  float* max_scores = (float*)(base + d->off_max_scores);
  int32_t* class_idx = (int32_t*)(base + d->off_class_idx);
  for (int32_t row = 0; row < d->num_boxes; row++) {
    const float* s = scores + (size_t)row * (size_t)stride + d->label_offset;
    int32_t* ci = class_idx + (size_t)row * (size_t)nc;
    if (per_anchor == 1)
      ci[0] = argmax_first(s, nc);
    else
      partial_argsort_desc(s, ci, nc, per_anchor);
    max_scores[row] = s[ci[0]];
  }
  const int32_t n_sel = single_class_nms(d, w, max_scores, d->num_boxes, d->max_detections);
  for (int32_t k = 0; k < n_sel; k++) {
    const int32_t a = w->selected[k];
    const float* s = scores + (size_t)a * (size_t)stride + d->label_offset;
    const int32_t* ci = class_idx + (size_t)a * (size_t)nc;
    for (int32_t col = 0; col < per_anchor; col++)
      write_row(ob, oc, os, d->max_classes_per_detection * k + col, w->decoded + 4 * (size_t)a, (float)ci[col],
                s[ci[col]]);
  }
  return n_sel;
}

/* Stable merge of info[0..mid) and info[mid..end), both by decreasing score. */
static void merge_desc(box_info* info, box_info* tmp, int32_t mid, int32_t end) {
  int32_t a = 0, b = mid, k = 0;
  while (a < mid && b < end) tmp[k++] = info[b].score > info[a].score ? info[b++] : info[a++];
  while (a < mid) tmp[k++] = info[a++];
  while (b < end) tmp[k++] = info[b++];
  memcpy(info, tmp, sizeof(box_info) * (size_t)end);
}

static int32_t regular_nms(const detection_data* d, const nms_work* w, uint8_t* base, const float* scores, float* ob,
                           float* oc, float* os) {
  const int32_t stride = d->num_classes_with_background;
  const int32_t per_class = d->detections_per_class < d->max_detections ? d->detections_per_class : d->max_detections;
  float* class_scores = (float*)(base + d->off_class_scores);
  box_info* info = (box_info*)(base + d->off_box_info);
  box_info* tmp = (box_info*)(base + d->off_merge_tmp);
  int32_t size = 0;
  for (int32_t col = 0; col < d->num_classes; col++) {
    for (int32_t row = 0; row < d->num_boxes; row++)
      class_scores[row] = scores[(size_t)row * (size_t)stride + (size_t)col + (size_t)d->label_offset];
    const int32_t n_sel = single_class_nms(d, w, class_scores, d->num_boxes, per_class);
    if (n_sel == 0) continue;
    for (int32_t i = 0; i < n_sel; i++) {
      info[size + i].score = class_scores[w->selected[i]];
      info[size + i].index = w->selected[i] * stride + col + d->label_offset;
    }
    merge_desc(info, tmp, size, size + n_sel);
    size = size + n_sel < d->max_detections ? size + n_sel : d->max_detections;
  }
  for (int32_t i = 0; i < size; i++) {
    const int32_t anchor = info[i].index / stride;
    const int32_t cls = info[i].index - anchor * stride - d->label_offset;
    write_row(ob, oc, os, i, w->decoded + 4 * (size_t)anchor, (float)cls, info[i].score);
  }
  return size;
}

static int detection_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const detection_data* d = node->data;
  const tflrt_tensor* enc = tflrt_in(ctx, node, 0);
  const tflrt_tensor* cls = tflrt_in(ctx, node, 1);
  const tflrt_tensor* anchors = tflrt_in(ctx, node, 2);
  float* ob = tflrt_out(ctx, node, 0)->data;
  float* oc = tflrt_out(ctx, node, 1)->data;
  float* os = tflrt_out(ctx, node, 2)->data;
  float* on = tflrt_out(ctx, node, 3)->data;
  uint8_t* base = node->scratch[d->scratch];
  nms_work w = {
      .decoded = (const float*)(base + d->off_decoded),
      .keep_scores = (float*)(base + d->off_keep_scores),
      .keep_idx = (int32_t*)(base + d->off_keep_idx),
      .sorted = (int32_t*)(base + d->off_sorted),
      .sort_tmp = (int32_t*)(base + d->off_sort_tmp),
      .selected = (int32_t*)(base + d->off_selected),
      .active = base + d->off_active,
  };
  if (decode_boxes(d, enc, anchors, (float*)(base + d->off_decoded)))
    return tflrt_op_error(ctx, "a decoded box has ymin > ymax or xmin > xmax (negative anchor size?)");
  const float* scores = cls->data;
  if (cls->type != TFLRT_FLOAT32) {
    float* deq = (float*)(base + d->off_scores);
    const size_t count = (size_t)d->num_boxes * (size_t)d->num_classes_with_background;
    const double scale = cls->scale;
    for (size_t i = 0; i < count; i++) {
      const int32_t q = cls->type == TFLRT_UINT8 ? ((const uint8_t*)cls->data)[i] : ((const int8_t*)cls->data)[i];
      deq[i] = (float)(scale * (double)(q - cls->zero_point));
    }
    scores = deq;
  }
  memset(ob, 0, sizeof(float) * 4 * (size_t)d->out_rows);
  memset(oc, 0, sizeof(float) * (size_t)d->out_rows);
  memset(os, 0, sizeof(float) * (size_t)d->out_rows);
  const int32_t n_det = d->use_regular_nms ? regular_nms(d, &w, base, scores, ob, oc, os)
                                           : fast_nms(d, &w, base, scores, ob, oc, os);
  on[0] = (float)n_det;
  return TFLRT_OK;
}

const tflrt_op tflrt_op_detection_postprocess = {
    .name = "TFLite_Detection_PostProcess", .builtin_code = 32, .min_version = 1, .max_version = 1,
    .data_size = sizeof(detection_data), .parse = detection_parse, .prepare = detection_prepare,
    .eval = detection_eval,
};
