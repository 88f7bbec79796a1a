/* Control flow: WHILE, IF, CALL_ONCE. Each runs other subgraphs of the model through the
 * interpreter's subgraph services (op.h); values cross subgraph boundaries by copy.
 *
 * Shapes: when every subgraph output has a static shape equal to what the op's outputs need,
 * the op's outputs are planned in the arena; otherwise (a loop body that grows a tensor, IF
 * branches that disagree, a dynamic subgraph) the outputs are dynamic and shaped at eval. */
#include <string.h>

#include "op.h"

/* Option slots (WhileOptions, IfOptions, CallOnceOptions). */
enum { WHILE_COND = 0, WHILE_BODY = 1 };
enum { IF_THEN = 0, IF_ELSE = 1 };
enum { CALL_ONCE_INIT = 0 };

typedef struct {
  int32_t a, b;     /* WHILE: cond, body. IF: then, else. CALL_ONCE: init */
  int dynamic;      /* outputs shaped at eval */
  int done;         /* CALL_ONCE ran */
} flow_data;

static int read_pair(tflrt_ctx* ctx, tflrt_node* node, int slot_a, int slot_b) {
  flow_data* d = node->data;
  if (!node->options) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "missing options (subgraph indices)");
  if (fb_i32(node->options, slot_a, -1, &d->a) || (slot_b >= 0 && fb_i32(node->options, slot_b, -1, &d->b)))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed options");
  const int32_t n = tflrt_num_subgraphs(ctx);
  if (d->a <= 0 || d->a >= n || (slot_b >= 0 && (d->b <= 0 || d->b >= n)))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "subgraph indices (%d, %d) out of range: the model has %d subgraphs "
                         "and subgraph 0 is the main graph", (int)d->a, (int)(slot_b >= 0 ? d->b : 0), (int)n);
  return TFLRT_OK;
}

static int parse_while(tflrt_ctx* ctx, tflrt_node* node) { return read_pair(ctx, node, WHILE_COND, WHILE_BODY); }
static int parse_if(tflrt_ctx* ctx, tflrt_node* node) { return read_pair(ctx, node, IF_THEN, IF_ELSE); }
static int parse_call_once(tflrt_ctx* ctx, tflrt_node* node) { return read_pair(ctx, node, CALL_ONCE_INIT, -1); }

/* Gives the inputs of subgraph s the shapes of `src` tensors of the current subgraph. */
static int feed_shapes(tflrt_ctx* ctx, int32_t s, const tflrt_tensor* const* src, int32_t n) {
  int32_t n_in, n_out;
  const int32_t *in, *out;
  int r = tflrt_subgraph_io(ctx, s, &n_in, &in, &n_out, &out);
  if (r) return r;
  if (n_in != n) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "subgraph %d takes %d inputs but gets %d", (int)s, (int)n_in, (int)n);
  for (int32_t i = 0; i < n; i++) {
    const tflrt_tensor* t = tflrt_subgraph_tensor(ctx, s, in[i]);
    if (t->type != src[i]->type)
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "input %d of subgraph %d has type %s but gets %s", (int)i, (int)s,
                           tflrt_type_name(t->type), tflrt_type_name(src[i]->type));
    r = tflrt_subgraph_set_input_shape(ctx, s, i, src[i]->ndims, src[i]->dims);
    if (r) return r;
  }
  return TFLRT_OK;
}

/* Copies values into the inputs of subgraph s. */
static int feed_values(tflrt_ctx* ctx, int32_t s, const tflrt_tensor* const* src, int32_t n) {
  int r = feed_shapes(ctx, s, src, n);
  if (r) return r;
  r = tflrt_subgraph_prepare(ctx, s);
  if (r) return r;
  int32_t n_in, n_out;
  const int32_t *in, *out;
  tflrt_subgraph_io(ctx, s, &n_in, &in, &n_out, &out);
  for (int32_t i = 0; i < n; i++) {
    tflrt_tensor* t = tflrt_subgraph_tensor(ctx, s, in[i]);
    if (t->bytes != src[i]->bytes) return tflrt_op_error(ctx, "size mismatch feeding subgraph %d", (int)s);
    if (t->bytes && t->data != src[i]->data) memmove(t->data, src[i]->data, t->bytes);
  }
  return TFLRT_OK;
}

static int outputs_of(tflrt_ctx* ctx, int32_t s, const tflrt_tensor** dst, int32_t n) {
  int32_t n_in, n_out;
  const int32_t *in, *out;
  int r = tflrt_subgraph_io(ctx, s, &n_in, &in, &n_out, &out);
  if (r) return r;
  if (n_out != n) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "subgraph %d has %d outputs, expected %d", (int)s, (int)n_out, (int)n);
  for (int32_t i = 0; i < n; i++) dst[i] = tflrt_subgraph_tensor(ctx, s, out[i]);
  return TFLRT_OK;
}

/* Copies src into node output i, shaping it first when outputs are dynamic. */
static int emit(tflrt_ctx* ctx, tflrt_node* node, int32_t i, const tflrt_tensor* src, int dynamic) {
  tflrt_tensor* o = tflrt_out(ctx, node, i);
  if (!o) return TFLRT_OK; /* dropped */
  if (o->type != src->type) return tflrt_op_error(ctx, "output %d has type %s but the subgraph gives %s", (int)i,
                                                 tflrt_type_name(o->type), tflrt_type_name(src->type));
  if (dynamic) {
    int r = tflrt_set_output_shape(ctx, o, src->ndims, src->dims);
    if (r) return r;
  } else if (!tflrt_same_shape(o, src)) {
    return tflrt_op_error(ctx, "output %d changed shape at run time", (int)i);
  }
  if (o->bytes) memcpy(o->data, src->data, o->bytes);
  return TFLRT_OK;
}

#define MAX_IO 256

/* ---- WHILE ---- */

/* As TFLite's WHILE does at prepare: a loop variable the body passes through unchanged (body
 * output i is body input i) whose WHILE output nothing reads loses that output (it lists -1, the
 * tensor gets no memory), except for string, resource and variant values. The result would only
 * have equalled the input anyway. */
static void drop_unread_invariants(tflrt_ctx* ctx, tflrt_node* node, int32_t body, int32_t n) {
  int32_t n_in, n_out;
  const int32_t *in, *out;
  if (tflrt_subgraph_io(ctx, body, &n_in, &in, &n_out, &out) || n_in != n || n_out != n) return;
  for (int32_t i = 0; i < n; i++) {
    if (in[i] != out[i] || !tflrt_out(ctx, node, i)) continue;
    const int32_t type = tflrt_subgraph_tensor(ctx, body, in[i])->type;
    if (type == TFLRT_STRING || type == TFLRT_RESOURCE || type == TFLRT_VARIANT) continue;
    tflrt_drop_unread_output(ctx, node, i);
  }
}

static int while_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  const int32_t n = node->n_inputs;
  if (n != node->n_outputs || n > MAX_IO)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "WHILE needs as many outputs as inputs (got %d and %d, at most %d)",
                         (int)n, (int)node->n_outputs, MAX_IO);
  const tflrt_tensor* in[MAX_IO];
  for (int32_t i = 0; i < n; i++) {
    in[i] = tflrt_in(ctx, node, i);
    if (!in[i]) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "input %d is missing", (int)i);
  }
  int r = feed_shapes(ctx, d->a, in, n);
  if (!r) r = tflrt_subgraph_prepare(ctx, d->a);
  if (r) return r;
  const tflrt_tensor* cond_out[1];
  r = outputs_of(ctx, d->a, cond_out, 1);
  if (r) return r;
  if (cond_out[0]->type != TFLRT_BOOL)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "the condition subgraph %d must output one bool, not %s", (int)d->a,
                         tflrt_type_name(cond_out[0]->type));
  r = feed_shapes(ctx, d->b, in, n);
  if (!r) r = tflrt_subgraph_prepare(ctx, d->b);
  if (r) return r;
  const tflrt_tensor* body_out[MAX_IO];
  r = outputs_of(ctx, d->b, body_out, n);
  if (r) return r;
  drop_unread_invariants(ctx, node, d->b, n);
  d->dynamic = tflrt_subgraph_is_dynamic(ctx, d->a) || tflrt_subgraph_is_dynamic(ctx, d->b);
  for (int32_t i = 0; i < n; i++) {
    if (body_out[i]->type != in[i]->type)
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "body output %d has type %s but loop variable %d is %s", (int)i,
                           tflrt_type_name(body_out[i]->type), (int)i, tflrt_type_name(in[i]->type));
    if (!tflrt_same_shape(body_out[i], in[i])) d->dynamic = 1;
  }
  for (int32_t i = 0; i < n; i++) {
    tflrt_tensor* o = tflrt_out(ctx, node, i);
    if (!o) continue; /* dropped */
    if (d->dynamic) {
      r = tflrt_set_dynamic(ctx, o);
    } else {
      r = tflrt_set_output_shape(ctx, o, in[i]->ndims, in[i]->dims);
    }
    if (r) return r;
  }
  return TFLRT_OK;
}

static int while_eval(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  const int32_t n = node->n_inputs;
  const tflrt_tensor* cur[MAX_IO];
  for (int32_t i = 0; i < n; i++) cur[i] = tflrt_in(ctx, node, i);
  for (;;) {
    int r = feed_values(ctx, d->a, cur, n);
    if (!r) r = tflrt_subgraph_run(ctx, d->a);
    if (r) return r;
    const tflrt_tensor* c[1];
    outputs_of(ctx, d->a, c, 1);
    if (c[0]->bytes < 1 || !c[0]->data) return tflrt_op_error(ctx, "the condition is empty");
    if (!*(const uint8_t*)c[0]->data) break;
    /* The body reads the copies just given to the condition, never its own outputs: a body
     * that permutes its loop variables would otherwise overwrite values it still has to read. */
    int32_t n_in, n_out;
    const int32_t *cin, *cout;
    tflrt_subgraph_io(ctx, d->a, &n_in, &cin, &n_out, &cout);
    for (int32_t i = 0; i < n; i++) cur[i] = tflrt_subgraph_tensor(ctx, d->a, cin[i]);
    r = feed_values(ctx, d->b, cur, n);
    if (!r) r = tflrt_subgraph_run(ctx, d->b);
    if (r) return r;
    r = outputs_of(ctx, d->b, cur, n);
    if (r) return r;
  }
  for (int32_t i = 0; i < n; i++) {
    int r = emit(ctx, node, i, cur[i], d->dynamic);
    if (r) return r;
  }
  return TFLRT_OK;
}

/* ---- IF ---- */

static int if_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  const int32_t n = node->n_inputs - 1;
  if (n < 0 || n > MAX_IO) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "IF needs a condition input");
  const tflrt_tensor* cond = tflrt_in(ctx, node, 0);
  if (!cond || cond->type != TFLRT_BOOL || tflrt_num_elements(cond) != 1)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "the condition must be a bool tensor with one element");
  const tflrt_tensor* in[MAX_IO];
  for (int32_t i = 0; i < n; i++) {
    in[i] = tflrt_in(ctx, node, i + 1);
    if (!in[i]) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "input %d is missing", (int)i + 1);
  }
  const int32_t branch[2] = {d->a, d->b};
  const tflrt_tensor* outs[2][MAX_IO];
  if (node->n_outputs > MAX_IO) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "too many outputs");
  d->dynamic = 0;
  for (int k = 0; k < 2; k++) {
    int r = feed_shapes(ctx, branch[k], in, n);
    if (!r) r = tflrt_subgraph_prepare(ctx, branch[k]);
    if (!r) r = outputs_of(ctx, branch[k], outs[k], node->n_outputs);
    if (r) return r;
    if (tflrt_subgraph_is_dynamic(ctx, branch[k])) d->dynamic = 1;
  }
  for (int32_t i = 0; i < node->n_outputs; i++) {
    if (outs[0][i]->type != outs[1][i]->type)
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "the branches give output %d different types", (int)i);
    if (!tflrt_same_shape(outs[0][i], outs[1][i])) d->dynamic = 1;
  }
  for (int32_t i = 0; i < node->n_outputs; i++) {
    tflrt_tensor* o = tflrt_out(ctx, node, i);
    int r = d->dynamic ? tflrt_set_dynamic(ctx, o) : tflrt_set_output_shape(ctx, o, outs[0][i]->ndims, outs[0][i]->dims);
    if (r) return r;
  }
  return TFLRT_OK;
}

static int if_eval(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  const int32_t n = node->n_inputs - 1;
  const tflrt_tensor* cond = tflrt_in(ctx, node, 0);
  const int32_t s = *(const uint8_t*)cond->data ? d->a : d->b;
  const tflrt_tensor* in[MAX_IO];
  for (int32_t i = 0; i < n; i++) in[i] = tflrt_in(ctx, node, i + 1);
  int r = feed_values(ctx, s, in, n);
  if (!r) r = tflrt_subgraph_run(ctx, s);
  if (r) return r;
  const tflrt_tensor* outs[MAX_IO];
  r = outputs_of(ctx, s, outs, node->n_outputs);
  for (int32_t i = 0; !r && i < node->n_outputs; i++) r = emit(ctx, node, i, outs[i], d->dynamic);
  return r;
}

/* ---- CALL_ONCE ---- */

static int call_once_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  int32_t n_in, n_out;
  const int32_t *in, *out;
  int r = tflrt_subgraph_io(ctx, d->a, &n_in, &in, &n_out, &out);
  if (r) return r;
  if (n_in != 0 || n_out != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "the init subgraph %d must have no inputs and no outputs", (int)d->a);
  return tflrt_subgraph_prepare(ctx, d->a);
}

static int call_once_eval(tflrt_ctx* ctx, tflrt_node* node) {
  flow_data* d = node->data;
  if (d->done) return TFLRT_OK;
  int r = tflrt_subgraph_run(ctx, d->a);
  if (r == TFLRT_OK) d->done = 1;
  return r;
}

const tflrt_op tflrt_op_while = {"WHILE", 119, 1, 1, sizeof(flow_data), parse_while, while_prepare, while_eval};
const tflrt_op tflrt_op_if = {"IF", 118, 1, 1, sizeof(flow_data), parse_if, if_prepare, if_eval};
const tflrt_op tflrt_op_call_once = {"CALL_ONCE", 129, 1, 1, sizeof(flow_data), parse_call_once,
                                     call_once_prepare, call_once_eval};
