/* refcheck ops: what is supported, shapes by refcheck's own rules, parameters, plain C kernels.
 *
 * The semantics are TFLite's reference kernels (the same ones tflite_rt's CPU path follows):
 * int8 uses per-tensor activations, per-tensor or per-channel symmetric weights, double-rounding
 * requantization (csrc/quant), TFLite's ADD rescaling (left shift 20), rounding integer average
 * pooling and the fixed-point SOFTMAX; float32 sums in the reference loop order. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "refcheck.h"

const char* const rc_op_names[] = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD",    "MUL",
                                   "AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE", "SOFTMAX"};
const int32_t rc_op_codes[] = {RC_CONV_2D, RC_DEPTHWISE_CONV_2D, RC_FULLY_CONNECTED, RC_ADD, RC_MUL,
                               RC_AVERAGE_POOL_2D, RC_MAX_POOL_2D, RC_RESHAPE, RC_SOFTMAX};
const int rc_num_ops = (int)(sizeof(rc_op_codes) / sizeof(rc_op_codes[0]));

/* BuiltinOptions union types of the options tables read here. */
enum { OPT_CONV = 1, OPT_DEPTHWISE = 2, OPT_POOL = 5, OPT_FC = 8, OPT_SOFTMAX = 9, OPT_ADD = 11, OPT_MUL = 21 };

const char* rc_op_name(int32_t code) {
  for (int i = 0; i < rc_num_ops; i++)
    if (rc_op_codes[i] == code) return rc_op_names[i];
  return "?";
}

#define FAIL(...) (snprintf(msg, msg_cap, __VA_ARGS__), 1)

/* ---- static checks (select_nodes) ---- */

static int64_t vnumel(const tflrt_graph_view* g, int32_t t) {
  int64_t n = 1;
  const int32_t* d = g->tensor_dims(g, t);
  for (int32_t i = 0; i < g->tensor_ndims(g, t); i++) n *= d[i];
  return n;
}

static int vconst(const tflrt_graph_view* g, int32_t t) { return t >= 0 && g->tensor_const_data(g, t, NULL) != NULL; }

/* A quantized activation: int8 with one scale > 0. */
static int act_quant_ok(const tflrt_graph_view* g, int32_t t) {
  if (g->tensor_num_quant(g, t) != 1) return 0;
  const float s = g->tensor_scales(g, t)[0];
  const int64_t zp = g->tensor_zero_points(g, t)[0];
  return s > 0.0f && isfinite(s) && zp >= -128 && zp <= 127;
}

/* int8 weights: per tensor, or one scale per channel along qdim; symmetric unless allow_zp. */
static int weights_quant_ok(const tflrt_graph_view* g, int32_t t, int32_t channels, int32_t qdim, int allow_zp) {
  const int32_t nq = g->tensor_num_quant(g, t);
  if (nq != 1 && !(nq == channels && g->tensor_quant_dim(g, t) == qdim)) return 0;
  for (int32_t i = 0; i < nq; i++) {
    const float s = g->tensor_scales(g, t)[i];
    if (!(s > 0.0f) || !isfinite(s)) return 0;
    if (!allow_zp && g->tensor_zero_points(g, t)[i] != 0) return 0;
  }
  return 1;
}

static int broadcastable(const tflrt_graph_view* g, int32_t a, int32_t b) {
  const int32_t ra = g->tensor_ndims(g, a), rb = g->tensor_ndims(g, b);
  const int32_t* da = g->tensor_dims(g, a);
  const int32_t* db = g->tensor_dims(g, b);
  if (ra > RC_MAX_DIMS || rb > RC_MAX_DIMS) return 0;
  for (int32_t i = 1; i <= ra && i <= rb; i++) {
    const int32_t x = da[ra - i], y = db[rb - i];
    if (x != y && x != 1 && y != 1) return 0;
  }
  return 1;
}

static int read_i8(const tflrt_graph_view* g, int32_t n, int32_t opt_type, int32_t slot, int32_t* out) {
  int8_t v = 0;
  *out = 0;
  if (g->node_options_type(g, n) != opt_type) return 0;
  if (g->option_i8(g, n, slot, 0, &v) != 0) return -1;
  *out = v;
  return 0;
}

int rc_supported(const tflrt_graph_view* g, int32_t n, char* msg, size_t msg_cap) {
  const int32_t code = g->node_builtin_code(g, n);
  const int32_t ni = g->node_num_inputs(g, n);
  if (g->node_num_outputs(g, n) != 1 || ni < 1) return FAIL("needs at least one input and exactly one output");
  const int32_t in = g->node_input(g, n, 0), out = g->node_output(g, n, 0);
  if (in < 0) return FAIL("the first input is absent");
  const int32_t type = g->tensor_type(g, in);
  if (type != TFLRT_FLOAT32 && type != TFLRT_INT8) return FAIL("only FLOAT32 and INT8 tensors");
  if (g->tensor_type(g, out) != type) return FAIL("input and output types differ");
  const int q = type == TFLRT_INT8;
  if (q && (!act_quant_ok(g, in) || !act_quant_ok(g, out)))
    return FAIL("INT8 input and output need per-tensor quantization");
  if (g->tensor_ndims(g, in) > RC_MAX_DIMS || g->tensor_ndims(g, out) > RC_MAX_DIMS) return FAIL("rank too high");
  int32_t act = 0;
  switch (code) {
    case RC_CONV_2D:
    case RC_DEPTHWISE_CONV_2D: {
      const int dw = code == RC_DEPTHWISE_CONV_2D;
      if (ni < 2 || ni > 3) return FAIL("needs 2 or 3 inputs");
      const int32_t f = g->node_input(g, n, 1), b = ni == 3 ? g->node_input(g, n, 2) : -1;
      if (!vconst(g, f) || g->tensor_type(g, f) != type || g->tensor_ndims(g, f) != 4)
        return FAIL("the filter must be a constant 4-D tensor of the input's type");
      if (g->tensor_ndims(g, in) != 4) return FAIL("the input must be 4-D");
      const int32_t* fd = g->tensor_dims(g, f);
      const int32_t cin = g->tensor_dims(g, in)[3], cout = dw ? fd[3] : fd[0];
      if (!dw && fd[3] != cin) return FAIL("grouped convolutions are not supported");
      if (dw && (fd[0] != 1 || cin <= 0 || cout % cin != 0)) return FAIL("unsupported depthwise filter shape");
      if (b >= 0 && (!vconst(g, b) || g->tensor_type(g, b) != (q ? TFLRT_INT32 : TFLRT_FLOAT32) || vnumel(g, b) != cout))
        return FAIL("the bias must be a constant of %s with one value per output channel", q ? "INT32" : "FLOAT32");
      if (q && !weights_quant_ok(g, f, cout, dw ? 3 : 0, 0)) return FAIL("unsupported filter quantization");
      if (read_i8(g, n, dw ? OPT_DEPTHWISE : OPT_CONV, dw ? 4 : 3, &act)) return FAIL("malformed options");
      break;
    }
    case RC_FULLY_CONNECTED: {
      if (ni < 2 || ni > 3) return FAIL("needs 2 or 3 inputs");
      const int32_t w = g->node_input(g, n, 1), b = ni == 3 ? g->node_input(g, n, 2) : -1;
      if (!vconst(g, w) || g->tensor_type(g, w) != type || g->tensor_ndims(g, w) != 2)
        return FAIL("the weights must be a constant 2-D tensor of the input's type");
      const int32_t units = g->tensor_dims(g, w)[0], k = g->tensor_dims(g, w)[1];
      if (k <= 0 || vnumel(g, in) % k != 0) return FAIL("the input size is not a multiple of the weights' depth");
      if (b >= 0 && (!vconst(g, b) || g->tensor_type(g, b) != (q ? TFLRT_INT32 : TFLRT_FLOAT32) || vnumel(g, b) != units))
        return FAIL("the bias must be a constant of %s with one value per unit", q ? "INT32" : "FLOAT32");
      if (q && !weights_quant_ok(g, w, units, 0, 1)) return FAIL("unsupported weights quantization");
      int32_t format = 0;
      if (read_i8(g, n, OPT_FC, 0, &act) || read_i8(g, n, OPT_FC, 1, &format)) return FAIL("malformed options");
      if (format != 0) return FAIL("shuffled weights are not supported");
      break;
    }
    case RC_ADD:
    case RC_MUL: {
      if (ni != 2) return FAIL("needs 2 inputs");
      const int32_t b = g->node_input(g, n, 1);
      if (b < 0 || g->tensor_type(g, b) != type) return FAIL("both inputs need the same type");
      if (!broadcastable(g, in, b)) return FAIL("shapes do not broadcast");
      if (q && !act_quant_ok(g, b)) return FAIL("INT8 inputs need per-tensor quantization");
      if (read_i8(g, n, code == RC_ADD ? OPT_ADD : OPT_MUL, 0, &act)) return FAIL("malformed options");
      if (q) { /* the rescale factors TFLite can represent */
        const float sa = g->tensor_scales(g, in)[0], sb = g->tensor_scales(g, b)[0], so = g->tensor_scales(g, out)[0];
        if (code == RC_ADD && 2.0 * (double)(sa > sb ? sa : sb) / ((double)(1 << 20) * (double)so) >= 1.0)
          return FAIL("the output scale is too small for the input scales");
        if (code == RC_MUL && (sa * sb) / so >= (float)(1u << 30)) return FAIL("the rescale factor is too large");
      }
      break;
    }
    case RC_AVERAGE_POOL_2D:
    case RC_MAX_POOL_2D:
      if (ni != 1 || g->tensor_ndims(g, in) != 4) return FAIL("needs one 4-D input");
      if (read_i8(g, n, OPT_POOL, 5, &act)) return FAIL("malformed options");
      break;
    case RC_RESHAPE:
      if (ni == 2 && g->node_input(g, n, 1) >= 0 && !vconst(g, g->node_input(g, n, 1)))
        return FAIL("the new shape is computed at run time");
      if (ni > 2) return FAIL("needs 1 or 2 inputs");
      if (vnumel(g, in) != vnumel(g, out)) return FAIL("input and output sizes differ");
      break;
    case RC_SOFTMAX: {
      if (ni != 1) return FAIL("needs one input");
      float beta = 0.0f;
      if (g->node_options_type(g, n) == OPT_SOFTMAX && g->option_f32(g, n, 0, 0.0f, &beta)) return FAIL("malformed options");
      if (!isfinite(beta)) return FAIL("beta is not finite");
      if (q) {
        if (g->tensor_zero_points(g, out)[0] != -128 || fabsf(g->tensor_scales(g, out)[0] - 1.0f / 256) > 1e-3f / 256)
          return FAIL("an INT8 output needs scale 1/256 and zero point -128");
        if (!((double)beta * (double)g->tensor_scales(g, in)[0] * (double)(1 << 26) > 1.0))
          return FAIL("beta x input scale is too small");
      }
      break;
    }
    default: return FAIL("not an op refcheck implements");
  }
  if (act < 0 || act > TFLRT_ACT_RELU6) return FAIL("fused activation %d is not supported", (int)act);
  return 0;
}

/* ---- options (init) ---- */

int rc_read_options(const tflrt_graph_view* g, rc_node* nd, char* msg, size_t msg_cap) {
  const int32_t n = nd->node;
  const int32_t ot = g->node_options_type(g, n);
  int8_t pad = 0, act = 0;
  int keep = 0, bad = 0;
  nd->stride_w = nd->stride_h = 0;
  nd->dilation_w = nd->dilation_h = 1;
  switch (nd->code) {
    case RC_CONV_2D:
      if (ot != OPT_CONV) break;
      bad = g->option_i8(g, n, 0, 0, &pad) || g->option_i32(g, n, 1, 0, &nd->stride_w) ||
            g->option_i32(g, n, 2, 0, &nd->stride_h) || g->option_i8(g, n, 3, 0, &act) ||
            g->option_i32(g, n, 4, 1, &nd->dilation_w) || g->option_i32(g, n, 5, 1, &nd->dilation_h);
      break;
    case RC_DEPTHWISE_CONV_2D:
      if (ot != OPT_DEPTHWISE) break;
      bad = g->option_i8(g, n, 0, 0, &pad) || g->option_i32(g, n, 1, 0, &nd->stride_w) ||
            g->option_i32(g, n, 2, 0, &nd->stride_h) || g->option_i32(g, n, 3, 0, &nd->depth_multiplier) ||
            g->option_i8(g, n, 4, 0, &act) || g->option_i32(g, n, 5, 1, &nd->dilation_w) ||
            g->option_i32(g, n, 6, 1, &nd->dilation_h);
      break;
    case RC_FULLY_CONNECTED:
      if (ot != OPT_FC) break;
      bad = g->option_i8(g, n, 0, 0, &act) || g->option_bool(g, n, 2, 0, &keep);
      break;
    case RC_ADD:
    case RC_MUL:
      if (ot != (nd->code == RC_ADD ? OPT_ADD : OPT_MUL)) break;
      bad = g->option_i8(g, n, 0, 0, &act);
      break;
    case RC_AVERAGE_POOL_2D:
    case RC_MAX_POOL_2D:
      if (ot != OPT_POOL) break;
      bad = g->option_i8(g, n, 0, 0, &pad) || g->option_i32(g, n, 1, 0, &nd->stride_w) ||
            g->option_i32(g, n, 2, 0, &nd->stride_h) || g->option_i32(g, n, 3, 0, &nd->filter_w) ||
            g->option_i32(g, n, 4, 0, &nd->filter_h) || g->option_i8(g, n, 5, 0, &act);
      break;
    case RC_SOFTMAX:
      if (ot == OPT_SOFTMAX) bad = g->option_f32(g, n, 0, 0.0f, &nd->beta);
      break;
    default: break;
  }
  if (bad) return FAIL("node %d (%s): malformed options", (int)n, rc_op_name(nd->code));
  nd->padding = pad;
  nd->activation = act;
  nd->keep_num_dims = keep;
  return 0;
}

/* ---- prepare ---- */

/* TFLite's SAME/VALID output size and leading padding of one spatial dimension. */
static int window(int32_t padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t* out,
                  int32_t* pad) {
  if ((padding != 0 && padding != 1) || in < 0 || filter <= 0 || stride <= 0 || dilation <= 0) return 1;
  const int64_t eff = ((int64_t)filter - 1) * dilation + 1;
  if ((int64_t)in + eff + stride > INT32_MAX) return 1;
  const int64_t o = padding == 0 ? ((int64_t)in + stride - 1) / stride : ((int64_t)in + stride - eff) / stride;
  if (o < 0) return 1;
  int64_t total = (o - 1) * stride + eff - in;
  *out = (int32_t)o;
  *pad = (int32_t)((total > 0 ? total : 0) / 2);
  return 0;
}

static void shape_text(const int32_t* d, int32_t n, char* buf, size_t cap) {
  size_t used = (size_t)snprintf(buf, cap, "[");
  for (int32_t i = 0; i < n && used < cap; i++) used += (size_t)snprintf(buf + used, cap - used, "%s%d", i ? ", " : "", (int)d[i]);
  if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* The check refcheck exists for: the runtime's (propagated) output shape must be the one the
 * op's rules give. */
static int check_shape(const rc_node* nd, const rc_tensor* out, const int32_t* want, int32_t nwant, char* msg,
                       size_t msg_cap) {
  int same = out->ndims == nwant;
  for (int32_t i = 0; same && i < nwant; i++) same = out->dims[i] == want[i];
  if (same) return 0;
  char a[128], b[128];
  shape_text(out->dims, out->ndims, a, sizeof a);
  shape_text(want, nwant, b, sizeof b);
  return FAIL("node %d (%s): the runtime gives output tensor %d the shape %s, but %s's rules give %s", (int)nd->node,
              rc_op_name(nd->code), (int)out->tensor, a, rc_op_name(nd->code), b);
}

static int64_t numel(const rc_tensor* t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->ndims; i++) n *= t->dims[i];
  return n;
}

int rc_prepare_node(const tflrt_graph_view* g, rc_part* p, rc_node* nd, char* msg, size_t msg_cap) {
  const rc_tensor* in = &p->tensors[nd->in[0]];
  const rc_tensor* in2 = nd->n_in > 1 && nd->in[1] >= 0 ? &p->tensors[nd->in[1]] : NULL;
  const rc_tensor* out = &p->tensors[nd->out];
  const int q = in->type == TFLRT_INT8;
  int32_t want[RC_MAX_DIMS], nwant = 0;
  rc_free_node(nd);
  if (q) tflrt_act_range_quant(nd->activation, out->scale, out->zero_point, -128, 127, &nd->qmin, &nd->qmax);
  else tflrt_act_range_f32(nd->activation, &nd->fmin, &nd->fmax);
  switch (nd->code) {
    case RC_CONV_2D:
    case RC_DEPTHWISE_CONV_2D:
    case RC_AVERAGE_POOL_2D:
    case RC_MAX_POOL_2D: {
      const int conv = nd->code == RC_CONV_2D, dw = nd->code == RC_DEPTHWISE_CONV_2D, pool = !conv && !dw;
      if (in->ndims != 4) return FAIL("node %d: the input is not 4-D", (int)nd->node);
      const int32_t fh = pool ? nd->filter_h : in2->dims[1], fw = pool ? nd->filter_w : in2->dims[2];
      const int32_t dh = pool ? 1 : nd->dilation_h, dwl = pool ? 1 : nd->dilation_w;
      if (window(nd->padding, in->dims[1], fh, nd->stride_h, dh, &want[1], &nd->pad_h) ||
          window(nd->padding, in->dims[2], fw, nd->stride_w, dwl, &want[2], &nd->pad_w))
        return FAIL("node %d (%s): invalid window (padding %d, filter %dx%d, stride %dx%d, dilation %dx%d)",
                    (int)nd->node, rc_op_name(nd->code), (int)nd->padding, (int)fh, (int)fw, (int)nd->stride_h,
                    (int)nd->stride_w, (int)dh, (int)dwl);
      want[0] = in->dims[0];
      want[3] = conv ? in2->dims[0] : (dw ? in2->dims[3] : in->dims[3]);
      nwant = 4;
      if (q && !pool) {
        const int32_t cout = want[3];
        const int32_t nq = g->tensor_num_quant(g, in2->tensor);
        nd->mult = malloc(sizeof(int32_t) * (size_t)(cout + 1));
        nd->shift = malloc(sizeof(int32_t) * (size_t)(cout + 1));
        if (!nd->mult || !nd->shift) return FAIL("out of memory");
        if (tflrt_conv_multipliers(in->scale, g->tensor_scales(g, in2->tensor), nq, out->scale, cout, nd->mult,
                                   nd->shift) > 30)
          return FAIL("node %d: input scale x filter scale / output scale is too large", (int)nd->node);
      }
      break;
    }
    case RC_FULLY_CONNECTED: {
      const int32_t units = in2->dims[0], k = in2->dims[1];
      const int64_t total = numel(in);
      if (k <= 0 || total % k != 0) return FAIL("node %d: input size is not a multiple of %d", (int)nd->node, (int)k);
      if (nd->keep_num_dims) {
        if (in->dims[in->ndims - 1] != k) return FAIL("node %d: keep_num_dims needs the last dimension %d", (int)nd->node, (int)k);
        nwant = in->ndims;
        memcpy(want, in->dims, sizeof(int32_t) * (size_t)nwant);
        want[nwant - 1] = units;
      } else {
        nwant = 2;
        want[0] = (int32_t)(total / k);
        want[1] = units;
      }
      if (q) {
        const int32_t nq = g->tensor_num_quant(g, in2->tensor);
        const float* ws = g->tensor_scales(g, in2->tensor);
        nd->fc_scale = malloc(sizeof(double) * (size_t)(units + 1));
        if (!nd->fc_scale) return FAIL("out of memory");
        for (int32_t c = 0; c < units; c++)
          nd->fc_scale[c] = (double)in->scale * (double)(nq > 1 ? ws[c] : ws[0]) / (double)out->scale;
        nd->filter_offset = nq > 1 ? 0 : -(int32_t)g->tensor_zero_points(g, in2->tensor)[0];
      }
      break;
    }
    case RC_ADD:
    case RC_MUL: {
      nwant = in->ndims > in2->ndims ? in->ndims : in2->ndims;
      for (int32_t i = 1; i <= nwant; i++) {
        const int32_t x = i <= in->ndims ? in->dims[in->ndims - i] : 1;
        const int32_t y = i <= in2->ndims ? in2->dims[in2->ndims - i] : 1;
        if (x != y && x != 1 && y != 1) return FAIL("node %d: shapes do not broadcast", (int)nd->node);
        want[nwant - i] = x == 1 ? y : x;
      }
      if (q && nd->code == RC_ADD) {
        const double twice_max = 2.0 * (double)(in->scale > in2->scale ? in->scale : in2->scale);
        int sa, sb, so;
        nd->left_shift = 20;
        tflrt_quantize_multiplier_smaller_than_one((double)in->scale / twice_max, &nd->a_mult, &sa);
        tflrt_quantize_multiplier_smaller_than_one((double)in2->scale / twice_max, &nd->b_mult, &sb);
        tflrt_quantize_multiplier_smaller_than_one(twice_max / ((double)(1 << 20) * (double)out->scale), &nd->out_mult,
                                                   &so);
        nd->a_shift = sa, nd->b_shift = sb, nd->out_shift = so;
      } else if (q) {
        const float real = (in->scale * in2->scale) / out->scale; /* in float, as TFLite */
        int s;
        tflrt_quantize_multiplier((double)real, &nd->out_mult, &s);
        nd->out_shift = s;
      }
      break;
    }
    case RC_RESHAPE:
      if (numel(in) != numel(out)) return FAIL("node %d (RESHAPE): input and output sizes differ", (int)nd->node);
      return 0; /* any shape with the same size */
    case RC_SOFTMAX:
      nwant = in->ndims;
      memcpy(want, in->dims, sizeof(int32_t) * (size_t)nwant);
      if (q) {
        const double real = fmin((double)nd->beta * (double)in->scale * (double)(1 << 26), 2147483647.0);
        int shift;
        tflrt_quantize_multiplier(real, &nd->a_mult, &shift);
        nd->a_shift = shift;
        const double radius = 31.0 * (double)(1LL << 26) / (double)(1LL << shift);
        nd->diff_min = -(int32_t)floor(radius);
      }
      break;
    default: return FAIL("node %d: unsupported op", (int)nd->node);
  }
  return check_shape(nd, out, want, nwant, msg, msg_cap);
}

void rc_free_node(rc_node* nd) {
  free(nd->mult);
  free(nd->shift);
  free(nd->fc_scale);
  nd->mult = nd->shift = NULL;
  nd->fc_scale = NULL;
}

/* ---- kernels ---- */

static inline float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }
static inline int32_t clampi(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
static inline size_t at4(const int32_t* d, int32_t a, int32_t b, int32_t c, int32_t e) {
  return (((size_t)a * (size_t)d[1] + (size_t)b) * (size_t)d[2] + (size_t)c) * (size_t)d[3] + (size_t)e;
}

/* CONV_2D and DEPTHWISE_CONV_2D: for each output value, sum over filter rows, columns, then input
 * channels (one channel for depthwise), skipping taps outside the input. */
static void run_conv(const rc_part* p, const rc_node* nd) {
  const rc_tensor* in = &p->tensors[nd->in[0]];
  const rc_tensor* f = &p->tensors[nd->in[1]];
  const rc_tensor* bias = nd->n_in > 2 && nd->in[2] >= 0 ? &p->tensors[nd->in[2]] : NULL;
  const rc_tensor* out = &p->tensors[nd->out];
  const int dw = nd->code == RC_DEPTHWISE_CONV_2D;
  const int32_t cin = in->dims[3], cout = out->dims[3], dm = dw ? cout / cin : 1;
  const int32_t kh = f->dims[1], kw = f->dims[2];
  const int q = in->type == TFLRT_INT8;
  for (int32_t b = 0; b < out->dims[0]; b++)
    for (int32_t oy = 0; oy < out->dims[1]; oy++)
      for (int32_t ox = 0; ox < out->dims[2]; ox++)
        for (int32_t oc = 0; oc < cout; oc++) {
          const int32_t ic0 = dw ? oc / dm : 0, ic1 = dw ? ic0 + 1 : cin;
          float facc = 0.0f;
          int64_t qacc = 0;
          for (int32_t fy = 0; fy < kh; fy++) {
            const int32_t iy = oy * nd->stride_h - nd->pad_h + fy * nd->dilation_h;
            if (iy < 0 || iy >= in->dims[1]) continue;
            for (int32_t fx = 0; fx < kw; fx++) {
              const int32_t ix = ox * nd->stride_w - nd->pad_w + fx * nd->dilation_w;
              if (ix < 0 || ix >= in->dims[2]) continue;
              for (int32_t ic = ic0; ic < ic1; ic++) {
                const size_t xi = at4(in->dims, b, iy, ix, ic);
                const size_t wi = dw ? at4(f->dims, 0, fy, fx, oc) : at4(f->dims, oc, fy, fx, ic);
                if (q)
                  qacc += (int64_t)((const int8_t*)f->data)[wi] *
                          (int64_t)((int32_t)((const int8_t*)in->data)[xi] - in->zero_point);
                else
                  facc += ((const float*)in->data)[xi] * ((const float*)f->data)[wi];
              }
            }
          }
          const size_t oi = at4(out->dims, b, oy, ox, oc);
          if (q) {
            if (bias) qacc += ((const int32_t*)bias->data)[oc];
            const int32_t v = tflrt_mbqm(tflrt_wrap_i32(qacc), nd->mult[oc], nd->shift[oc]) + out->zero_point;
            ((int8_t*)out->data)[oi] = (int8_t)clampi(v, nd->qmin, nd->qmax);
          } else {
            const float v = facc + (bias ? ((const float*)bias->data)[oc] : 0.0f);
            ((float*)out->data)[oi] = clampf(v, nd->fmin, nd->fmax);
          }
        }
}

static void run_fc(const rc_part* p, const rc_node* nd) {
  const rc_tensor* in = &p->tensors[nd->in[0]];
  const rc_tensor* w = &p->tensors[nd->in[1]];
  const rc_tensor* bias = nd->n_in > 2 && nd->in[2] >= 0 ? &p->tensors[nd->in[2]] : NULL;
  const rc_tensor* out = &p->tensors[nd->out];
  const int32_t units = w->dims[0], k = w->dims[1];
  const int64_t batches = numel(in) / k;
  for (int64_t b = 0; b < batches; b++)
    for (int32_t u = 0; u < units; u++) {
      const size_t oi = (size_t)b * (size_t)units + (size_t)u;
      if (in->type == TFLRT_INT8) {
        const int8_t* x = (const int8_t*)in->data + (size_t)b * (size_t)k;
        const int8_t* wr = (const int8_t*)w->data + (size_t)u * (size_t)k;
        uint32_t acc = 0; /* TFLite's int32 accumulator, wrapping */
        for (int32_t i = 0; i < k; i++)
          acc += (uint32_t)(((int32_t)wr[i] + nd->filter_offset) * ((int32_t)x[i] - in->zero_point));
        if (bias) acc += (uint32_t)((const int32_t*)bias->data)[u];
        double v = round((double)(int32_t)acc * nd->fc_scale[u]);
        v = v > 2147483647.0 ? 2147483647.0 : (v < -2147483648.0 ? -2147483648.0 : v);
        const int64_t r = (int64_t)v + out->zero_point;
        ((int8_t*)out->data)[oi] = (int8_t)(r < nd->qmin ? nd->qmin : (r > nd->qmax ? nd->qmax : r));
      } else {
        const float* x = (const float*)in->data + (size_t)b * (size_t)k;
        const float* wr = (const float*)w->data + (size_t)u * (size_t)k;
        float acc = 0.0f;
        for (int32_t i = 0; i < k; i++) acc += x[i] * wr[i];
        ((float*)out->data)[oi] = clampf(acc + (bias ? ((const float*)bias->data)[u] : 0.0f), nd->fmin, nd->fmax);
      }
    }
}

/* Offset in t of output element i (numpy broadcasting, shapes aligned on the right). */
static size_t bcast_offset(const rc_tensor* t, const rc_tensor* out, int64_t i) {
  size_t off = 0, stride = 1;
  for (int32_t d = out->ndims - 1, td = t->ndims - 1; d >= 0; d--, td--) {
    const int32_t coord = (int32_t)(i % out->dims[d]);
    i /= out->dims[d];
    if (td < 0) continue;
    if (t->dims[td] != 1) off += (size_t)coord * stride;
    stride *= (size_t)t->dims[td];
  }
  return off;
}

static void run_binary(const rc_part* p, const rc_node* nd) {
  const rc_tensor* a = &p->tensors[nd->in[0]];
  const rc_tensor* b = &p->tensors[nd->in[1]];
  const rc_tensor* out = &p->tensors[nd->out];
  const int64_t n = numel(out);
  const int add = nd->code == RC_ADD;
  for (int64_t i = 0; i < n; i++) {
    const size_t ia = bcast_offset(a, out, i), ib = bcast_offset(b, out, i);
    if (out->type == TFLRT_FLOAT32) {
      const float x = ((const float*)a->data)[ia], y = ((const float*)b->data)[ib];
      ((float*)out->data)[i] = clampf(add ? x + y : x * y, nd->fmin, nd->fmax);
      continue;
    }
    const int32_t x = (int32_t)((const int8_t*)a->data)[ia] - a->zero_point;
    const int32_t y = (int32_t)((const int8_t*)b->data)[ib] - b->zero_point;
    int32_t r;
    if (add) {
      const int32_t sx = tflrt_rdbpot(tflrt_srdhm(x * (1 << nd->left_shift), nd->a_mult), -nd->a_shift);
      const int32_t sy = tflrt_rdbpot(tflrt_srdhm(y * (1 << nd->left_shift), nd->b_mult), -nd->b_shift);
      r = tflrt_rdbpot(tflrt_srdhm(sx + sy, nd->out_mult), -nd->out_shift);
    } else {
      r = tflrt_mbqm(x * y, nd->out_mult, nd->out_shift);
    }
    ((int8_t*)out->data)[i] = (int8_t)clampi(r + out->zero_point, nd->qmin, nd->qmax);
  }
}

static void run_pool(const rc_part* p, const rc_node* nd) {
  const rc_tensor* in = &p->tensors[nd->in[0]];
  const rc_tensor* out = &p->tensors[nd->out];
  const int avg = nd->code == RC_AVERAGE_POOL_2D, q = in->type == TFLRT_INT8;
  for (int32_t b = 0; b < out->dims[0]; b++)
    for (int32_t oy = 0; oy < out->dims[1]; oy++)
      for (int32_t ox = 0; ox < out->dims[2]; ox++)
        for (int32_t c = 0; c < out->dims[3]; c++) {
          const int32_t y0 = oy * nd->stride_h - nd->pad_h, x0 = ox * nd->stride_w - nd->pad_w;
          float fsum = 0.0f, fcount = 0.0f, fmax = -FLT_MAX;
          int64_t qsum = 0;
          int32_t qcount = 0, qmax = -128;
          for (int32_t y = y0 < 0 ? 0 : y0; y < y0 + nd->filter_h && y < in->dims[1]; y++)
            for (int32_t x = x0 < 0 ? 0 : x0; x < x0 + nd->filter_w && x < in->dims[2]; x++) {
              const size_t ii = at4(in->dims, b, y, x, c);
              if (q) {
                const int32_t v = ((const int8_t*)in->data)[ii];
                qsum += v;
                qcount++;
                qmax = v > qmax ? v : qmax;
              } else {
                const float v = ((const float*)in->data)[ii];
                fsum += v;
                fcount += 1.0f;
                fmax = v > fmax ? v : fmax;
              }
            }
          const size_t oi = at4(out->dims, b, oy, ox, c);
          if (!q) {
            ((float*)out->data)[oi] = clampf(avg ? fsum / fcount : fmax, nd->fmin, nd->fmax);
          } else if (!avg) {
            ((int8_t*)out->data)[oi] = (int8_t)clampi(qmax, nd->qmin, nd->qmax);
          } else { /* rounded half away from zero */
            const int32_t s = tflrt_wrap_i32(qsum);
            const int32_t v = s > 0 ? tflrt_wrap_i32((int64_t)s + qcount / 2) / qcount
                                    : tflrt_wrap_i32((int64_t)s - qcount / 2) / qcount;
            ((int8_t*)out->data)[oi] = (int8_t)clampi(v, nd->qmin, nd->qmax);
          }
        }
}

/* exp(diff x beta x scale) in Q0 for a contributing difference (fixed point, Q5.26 input). */
static inline int32_t softmax_exp(const rc_node* nd, int32_t diff) {
  return tflrt_fp_exp_on_negative_values(tflrt_mbqm_greater_than_one(diff, nd->a_mult, nd->a_shift), 5);
}

static void run_softmax(const rc_part* p, const rc_node* nd) {
  const rc_tensor* in = &p->tensors[nd->in[0]];
  const rc_tensor* out = &p->tensors[nd->out];
  const int32_t depth = in->ndims ? in->dims[in->ndims - 1] : 1;
  if (depth <= 0) return;
  const int64_t rows = numel(in) / depth;
  for (int64_t r = 0; r < rows; r++) {
    const size_t o = (size_t)r * (size_t)depth;
    if (in->type == TFLRT_FLOAT32) {
      const float* x = (const float*)in->data + o;
      float* y = (float*)out->data + o;
      float max = -FLT_MAX, sum = 0.0f;
      for (int32_t c = 0; c < depth; c++) max = x[c] > max ? x[c] : max;
      for (int32_t c = 0; c < depth; c++) sum += (y[c] = expf((x[c] - max) * nd->beta));
      for (int32_t c = 0; c < depth; c++) y[c] = y[c] / sum;
      continue;
    }
    const int8_t* x = (const int8_t*)in->data + o;
    int8_t* y = (int8_t*)out->data + o;
    int32_t max = -128, sum = 0; /* sum of exps in Q12.19 */
    for (int32_t c = 0; c < depth; c++) max = x[c] > max ? x[c] : max;
    for (int32_t c = 0; c < depth; c++)
      if (x[c] - max >= nd->diff_min) sum = tflrt_fp_add(sum, tflrt_fp_rescale(softmax_exp(nd, x[c] - max), 0, 12));
    int bits_over_unit;
    const int32_t recip = tflrt_fp_reciprocal(sum, 12, &bits_over_unit);
    int exponent = bits_over_unit + 31 - 8;
    if (exponent < 0) exponent = 0;
    for (int32_t c = 0; c < depth; c++) {
      int32_t v = -128;
      if (x[c] - max >= nd->diff_min) {
        const int32_t prod = tflrt_srdhm(recip, softmax_exp(nd, x[c] - max));
        v = (exponent > 31 ? 0 : tflrt_rdbpot(prod, exponent)) - 128;
      }
      y[c] = (int8_t)clampi(v, -128, 127);
    }
  }
}

void rc_run_node(const rc_part* p, const rc_node* nd) {
  switch (nd->code) {
    case RC_CONV_2D:
    case RC_DEPTHWISE_CONV_2D: run_conv(p, nd); break;
    case RC_FULLY_CONNECTED: run_fc(p, nd); break;
    case RC_ADD:
    case RC_MUL: run_binary(p, nd); break;
    case RC_AVERAGE_POOL_2D:
    case RC_MAX_POOL_2D: run_pool(p, nd); break;
    case RC_RESHAPE: {
      const rc_tensor* in = &p->tensors[nd->in[0]];
      const rc_tensor* out = &p->tensors[nd->out];
      if (in->data != out->data && out->bytes) memcpy(out->data, in->data, out->bytes);
      break;
    }
    case RC_SOFTMAX: run_softmax(p, nd); break;
    default: break;
  }
}
