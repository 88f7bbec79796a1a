/* NON_MAX_SUPPRESSION_V4 and NON_MAX_SUPPRESSION_V5 (single-class, hard or soft NMS).
 *
 * TFLite semantics (tflite/kernels/non_max_suppression.cc, internal/reference/
 * non_max_suppression.h). Inputs: boxes float32 [N, 4] as (y1, x1, y2, x2) in any corner
 * order, scores float32 [N], max_output_size int32 scalar, iou_threshold float32 scalar,
 * score_threshold float32 scalar and, with 6 inputs (what TFLite keys on, not the opcode),
 * soft_nms_sigma float32 scalar (>= 0).
 * Outputs: 5 inputs -> selected_indices int32 [max_output_size], num_selected int32 scalar;
 *          6 inputs -> selected_indices, selected_scores float32 [max_output_size], num_selected.
 * The selected outputs always have max_output_size elements (TFLite's only padding mode): the
 * first num_selected hold the result, the rest are 0. A computed max_output_size makes them
 * dynamic (sized at invoke).
 *
 * Algorithm: candidates with score > score_threshold enter a max-priority queue on score. The
 * best is popped; it is compared with the boxes selected since it was last examined, newest
 * first: an IoU >= iou_threshold drops it (hard suppression); otherwise, with sigma > 0, its
 * score decays by exp(-0.5 / sigma * iou^2) per box, and the scan stops once the score is
 * <= score_threshold. An undecayed candidate is selected; a decayed one still above the
 * threshold goes back into the queue. At most min(#candidates, max_output_size) are selected.
 *
 * Ties: TFLite's queue is std::priority_queue (libstdc++'s binary heap), so among equal scores
 * the order depends on that heap's exact sift steps. heap_push/heap_pop below follow the same
 * steps (hole moved to a leaf, then sifted up), so equal scores come out in the same order. */
#include <math.h>
#include <string.h>

#include "op.h"

typedef struct {
  int32_t index;
  float score;
  int32_t suppress_begin; /* selected boxes before this one were already compared */
} nms_candidate;

typedef struct {
  int soft;              /* 6 inputs: soft NMS with selected scores */
  int32_t num_boxes;
  int32_t queue_scratch; /* scratch id: num_boxes candidates */
  int max_out_dynamic;   /* max_output_size is computed: outputs sized at invoke */
} nms_data;

/* ---- libstdc++-compatible binary max-heap on score ---- */

static int score_less(const nms_candidate* a, const nms_candidate* b) { return a->score < b->score; }

static void heap_sift_up(nms_candidate* h, int32_t hole, int32_t top, nms_candidate value) {
  int32_t parent = (hole - 1) / 2;
  while (hole > top && score_less(&h[parent], &value)) {
    h[hole] = h[parent];
    hole = parent;
    parent = (hole - 1) / 2;
  }
  h[hole] = value;
}

/* Fills the hole at `hole` of a heap of len elements with value: the hole first walks down to a
 * leaf along the larger children, then value sifts up from there. */
static void heap_adjust(nms_candidate* h, int32_t hole, int32_t len, nms_candidate value) {
  const int32_t top = hole;
  int32_t child = hole;
  while (child < (len - 1) / 2) {
    child = 2 * (child + 1);
    if (score_less(&h[child], &h[child - 1])) child--;
    h[hole] = h[child];
    hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) {
    child = 2 * (child + 1);
    h[hole] = h[child - 1];
    hole = child - 1;
  }
  heap_sift_up(h, hole, top, value);
}

static void heap_push(nms_candidate* h, int32_t* len, nms_candidate value) {
  const int32_t hole = (*len)++;
  heap_sift_up(h, hole, 0, value);
}

static nms_candidate heap_pop(nms_candidate* h, int32_t* len) {
  const nms_candidate top = h[0];
  const int32_t last = *len - 1;
  if (last > 0) {
    const nms_candidate value = h[last];
    h[last] = h[0];
    heap_adjust(h, 0, last, value);
  }
  *len = last;
  return top;
}

/* ---- IoU of boxes i and j, corners in any order; 0 when either area is <= 0 ---- */

/* min/max with C++ std::min/std::max semantics (first argument on ties and NaN). */
static float min_f(float a, float b) { return b < a ? b : a; }
static float max_f(float a, float b) { return a < b ? b : a; }

static float box_iou(const float* boxes, int32_t i, int32_t j) {
  const float* a = boxes + 4 * (size_t)i;
  const float* b = boxes + 4 * (size_t)j;
  const float ay0 = min_f(a[0], a[2]), ay1 = max_f(a[0], a[2]), ax0 = min_f(a[1], a[3]), ax1 = max_f(a[1], a[3]);
  const float by0 = min_f(b[0], b[2]), by1 = max_f(b[0], b[2]), bx0 = min_f(b[1], b[3]), bx1 = max_f(b[1], b[3]);
  const float area_a = (ay1 - ay0) * (ax1 - ax0);
  const float area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0 || area_b <= 0) return 0.0f;
  const float ih = min_f(ay1, by1) - max_f(ay0, by0);
  const float iw = min_f(ax1, bx1) - max_f(ax0, bx0);
  const float inter = max_f(ih, 0.0f) * max_f(iw, 0.0f);
  return inter / (area_a + area_b - inter);
}

/* Runs NMS; selected/selected_scores have room for max_out entries (scores may be NULL).
 * Returns the number selected. */
static int32_t run_nms(const float* boxes, const float* scores, int32_t num_boxes, int32_t max_out, float iou_thr,
                       float score_thr, float sigma, nms_candidate* heap, int32_t* selected,
                       float* selected_scores) {
  int32_t len = 0;
  for (int32_t i = 0; i < num_boxes; i++) {
    if (scores[i] > score_thr) {
      const nms_candidate c = {i, scores[i], 0};
      heap_push(heap, &len, c);
    }
  }
  const int32_t n_out = len < max_out ? len : max_out;
  int32_t n_sel = 0;
  const float scale = sigma > 0.0f ? (float)(-0.5 / (double)sigma) : 0.0f;
  while (n_sel < n_out && len > 0) {
    nms_candidate c = heap_pop(heap, &len);
    const float original = c.score;
    int hard = 0;
    for (int32_t j = n_sel - 1; j >= c.suppress_begin; j--) {
      const float iou = box_iou(boxes, c.index, selected[j]);
      if (iou >= iou_thr) {
        hard = 1;
        break;
      }
      if (sigma > 0.0f) c.score = c.score * expf(scale * iou * iou);
      if (c.score <= score_thr) break;
    }
    c.suppress_begin = n_sel;
    if (hard) continue;
    if (c.score == original) {
      selected[n_sel] = c.index;
      if (selected_scores) selected_scores[n_sel] = c.score;
      n_sel++;
    }
    if (c.score > score_thr) heap_push(heap, &len, c);
  }
  return n_sel;
}

/* ---- op glue ---- */

static int scalar_input(tflrt_ctx* ctx, const tflrt_tensor* t, int32_t type, const char* what) {
  if (t == NULL) return tflrt_op_error(ctx, "input %s is missing", what);
  if (t->type != type || t->ndims != 0)
    return tflrt_op_error(ctx, "%s must be a %s scalar, got %s of rank %d", what, tflrt_type_name(type),
                          tflrt_type_name(t->type), (int)t->ndims);
  return TFLRT_OK;
}

static float f32_at(const tflrt_tensor* t) {
  float v;
  memcpy(&v, t->data, sizeof v);
  return v;
}

static int32_t i32_at(const tflrt_tensor* t) {
  int32_t v;
  memcpy(&v, t->data, sizeof v);
  return v;
}

static int size_outputs(tflrt_ctx* ctx, const tflrt_node* node, const nms_data* d, int32_t max_out) {
  const int32_t dims[1] = {max_out};
  int r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), 1, dims);
  if (r == TFLRT_OK && d->soft) r = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 1), 1, dims);
  return r;
}

static int nms_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  nms_data* d = node->data;
  if (node->n_inputs != 5 && node->n_inputs != 6)
    return tflrt_op_error(ctx, "expected 5 inputs (hard NMS) or 6 (soft NMS), got %d", (int)node->n_inputs);
  d->soft = node->n_inputs == 6;
  const int32_t n_out = d->soft ? 3 : 2;
  if (node->n_outputs != n_out)
    return tflrt_op_error(ctx, "expected %d outputs with %d inputs, got %d", (int)n_out, (int)node->n_inputs,
                          (int)node->n_outputs);
  const tflrt_tensor* boxes = tflrt_in(ctx, node, 0);
  const tflrt_tensor* scores = tflrt_in(ctx, node, 1);
  if (boxes == NULL || scores == NULL) return tflrt_op_error(ctx, "boxes and scores are required");
  if (boxes->type != TFLRT_FLOAT32 || boxes->ndims != 2 || boxes->dims[1] != 4)
    return tflrt_op_error(ctx, "boxes must be float32 [num_boxes, 4], got %s of rank %d", tflrt_type_name(boxes->type),
                          (int)boxes->ndims);
  if (scores->type != TFLRT_FLOAT32 || scores->ndims != 1 || scores->dims[0] != boxes->dims[0])
    return tflrt_op_error(ctx, "scores must be float32 [%d], like the boxes", (int)boxes->dims[0]);
  const tflrt_tensor* max_out = tflrt_in(ctx, node, 2);
  int r = scalar_input(ctx, max_out, TFLRT_INT32, "max_output_size");
  if (r == TFLRT_OK) r = scalar_input(ctx, tflrt_in(ctx, node, 3), TFLRT_FLOAT32, "iou_threshold");
  if (r == TFLRT_OK) r = scalar_input(ctx, tflrt_in(ctx, node, 4), TFLRT_FLOAT32, "score_threshold");
  if (r == TFLRT_OK && d->soft) r = scalar_input(ctx, tflrt_in(ctx, node, 5), TFLRT_FLOAT32, "soft_nms_sigma");
  if (r != TFLRT_OK) return r;
  if (d->soft && tflrt_is_const(tflrt_in(ctx, node, 5)) && !(f32_at(tflrt_in(ctx, node, 5)) >= 0.0f))
    return tflrt_op_error(ctx, "invalid sigma value for soft NMS: %g (must be >= 0)",
                          (double)f32_at(tflrt_in(ctx, node, 5)));

  tflrt_tensor* sel = tflrt_out(ctx, node, 0);
  tflrt_tensor* sel_scores = d->soft ? tflrt_out(ctx, node, 1) : NULL;
  tflrt_tensor* num = tflrt_out(ctx, node, n_out - 1);
  if (sel->type != TFLRT_INT32 || num->type != TFLRT_INT32 || (sel_scores && sel_scores->type != TFLRT_FLOAT32))
    return tflrt_op_error(ctx, "outputs must be int32 selected indices%s and an int32 count",
                          d->soft ? ", float32 selected scores" : "");
  r = tflrt_set_output_shape(ctx, num, 0, NULL);
  if (r != TFLRT_OK) return r;

  d->num_boxes = boxes->dims[0];
  d->max_out_dynamic = !tflrt_is_const(max_out);
  if (d->max_out_dynamic) {
    r = tflrt_set_dynamic(ctx, sel);
    if (r == TFLRT_OK && sel_scores) r = tflrt_set_dynamic(ctx, sel_scores);
  } else {
    const int32_t m = i32_at(max_out);
    if (m < 0) return tflrt_op_error(ctx, "max_output_size is %d; it must be >= 0", (int)m);
    r = size_outputs(ctx, node, d, m);
  }
  if (r != TFLRT_OK) return r;
  return tflrt_request_scratch(ctx, node, sizeof(nms_candidate) * (size_t)d->num_boxes, &d->queue_scratch);
}

static int nms_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const nms_data* d = node->data;
  const tflrt_tensor* boxes = tflrt_in(ctx, node, 0);
  const tflrt_tensor* scores = tflrt_in(ctx, node, 1);
  const int32_t max_out = i32_at(tflrt_in(ctx, node, 2));
  const float iou_thr = f32_at(tflrt_in(ctx, node, 3));
  const float score_thr = f32_at(tflrt_in(ctx, node, 4));
  const float sigma = d->soft ? f32_at(tflrt_in(ctx, node, 5)) : 0.0f;
  if (max_out < 0) return tflrt_op_error(ctx, "max_output_size is %d; it must be >= 0", (int)max_out);
  if (!(sigma >= 0.0f)) return tflrt_op_error(ctx, "invalid sigma value for soft NMS: %g (must be >= 0)", (double)sigma);
  if (d->max_out_dynamic) {
    int r = size_outputs(ctx, node, d, max_out);
    if (r != TFLRT_OK) return r;
  }
  tflrt_tensor* sel = tflrt_out(ctx, node, 0);
  tflrt_tensor* sel_scores = d->soft ? tflrt_out(ctx, node, 1) : NULL;
  tflrt_tensor* num = tflrt_out(ctx, node, d->soft ? 2 : 1);
  int32_t* sel_idx = sel->data;
  float* sel_sc = sel_scores ? sel_scores->data : NULL;
  const int32_t n = run_nms(boxes->data, scores->data, d->num_boxes, max_out, iou_thr, score_thr, sigma,
                            node->scratch[d->queue_scratch], sel_idx, sel_sc);
  for (int32_t i = n; i < max_out; i++) {
    sel_idx[i] = 0;
    if (sel_sc) sel_sc[i] = 0.0f;
  }
  memcpy(num->data, &n, sizeof n);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_non_max_suppression_v4 = {
    .name = "NON_MAX_SUPPRESSION_V4", .builtin_code = 120, .min_version = 1, .max_version = 1,
    .data_size = sizeof(nms_data), .parse = NULL, .prepare = nms_prepare, .eval = nms_eval,
};
const tflrt_op tflrt_op_non_max_suppression_v5 = {
    .name = "NON_MAX_SUPPRESSION_V5", .builtin_code = 121, .min_version = 1, .max_version = 1,
    .data_size = sizeof(nms_data), .parse = NULL, .prepare = nms_prepare, .eval = nms_eval,
};
