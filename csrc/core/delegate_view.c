/* The read-only graph view given to delegate plugins (tflrt_graph_view in delegate.h).
 * Node indices are the model's (0 .. m->n_ops - 1); DELEGATE nodes are not visible. */
#include <stdio.h>
#include <string.h>

#include "delegate_impl.h"

#define VIEW(g) ((const tflrt_dview*)(const void*)(g))

static const tflrt_tensor* tensor_at(const tflrt_graph_view* g, int32_t t) {
  const tflrt_subgraph* sg = VIEW(g)->sg;
  return (t >= 0 && t < sg->n_tensors) ? &sg->tensors[t] : NULL;
}

static const tflrt_node* node_at(const tflrt_graph_view* g, int32_t n) {
  const tflrt_subgraph* sg = VIEW(g)->sg;
  return (n >= 0 && n < sg->m->n_ops) ? &sg->nodes[n] : NULL;
}

static int32_t v_num_tensors(const tflrt_graph_view* g) { return VIEW(g)->sg->n_tensors; }
static int32_t v_num_nodes(const tflrt_graph_view* g) { return VIEW(g)->sg->m->n_ops; }
static int32_t v_num_graph_inputs(const tflrt_graph_view* g) { return VIEW(g)->sg->m->n_inputs; }
static int32_t v_num_graph_outputs(const tflrt_graph_view* g) { return VIEW(g)->sg->m->n_outputs; }

static int32_t v_graph_input(const tflrt_graph_view* g, int32_t i) {
  const tflrt_msubgraph* m = VIEW(g)->sg->m;
  return (i >= 0 && i < m->n_inputs) ? m->inputs[i] : -1;
}

static int32_t v_graph_output(const tflrt_graph_view* g, int32_t i) {
  const tflrt_msubgraph* m = VIEW(g)->sg->m;
  return (i >= 0 && i < m->n_outputs) ? m->outputs[i] : -1;
}

static int32_t v_tensor_type(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->type : -1;
}

static int32_t v_tensor_ndims(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->ndims : -1;
}

static const int32_t* v_tensor_dims(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->dims : NULL;
}

static const char* v_tensor_name(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? (x->name ? x->name : "") : NULL;
}

static int32_t v_tensor_num_quant(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->nq : -1;
}

static const float* v_tensor_scales(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x && x->nq > 0 ? x->scales : NULL;
}

static const int64_t* v_tensor_zero_points(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x && x->nq > 0 ? x->zero_points : NULL;
}

static int32_t v_tensor_quant_dim(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->qdim : -1;
}

static const void* v_tensor_const_data(const tflrt_graph_view* g, int32_t t, size_t* bytes) {
  const tflrt_tensor* x = tensor_at(g, t);
  const int is_const = x != NULL && x->alloc == TFLRT_ALLOC_CONST;
  if (bytes) *bytes = is_const ? x->bytes : 0;
  return is_const ? x->data : NULL;
}

static int32_t v_tensor_is_variable(const tflrt_graph_view* g, int32_t t) {
  const tflrt_tensor* x = tensor_at(g, t);
  return x ? x->is_variable : -1;
}

static int32_t v_node_builtin_code(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x ? x->builtin_code : -1;
}

static const char* v_node_custom_name(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x && x->builtin_code == 32 ? VIEW(g)->sg->m->ops[n].custom_code : NULL;
}

static int32_t v_node_version(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x ? x->version : -1;
}

static int32_t v_node_num_inputs(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x ? x->n_inputs : -1;
}

static int32_t v_node_input(const tflrt_graph_view* g, int32_t n, int32_t i) {
  const tflrt_node* x = node_at(g, n);
  return x && i >= 0 && i < x->n_inputs ? x->inputs[i] : -1;
}

static int32_t v_node_num_outputs(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x ? x->n_outputs : -1;
}

static int32_t v_node_output(const tflrt_graph_view* g, int32_t n, int32_t i) {
  const tflrt_node* x = node_at(g, n);
  return x && i >= 0 && i < x->n_outputs ? x->outputs[i] : -1;
}

static int32_t v_node_options_type(const tflrt_graph_view* g, int32_t n) {
  const tflrt_node* x = node_at(g, n);
  return x && x->options ? x->options_type : (x ? 0 : -1);
}

static const void* v_node_custom_options(const tflrt_graph_view* g, int32_t n, size_t* size) {
  const tflrt_node* x = node_at(g, n);
  if (size) *size = x ? x->custom_options_size : 0;
  return x ? x->custom_options : NULL;
}

/* The options table of a slot (NULL: absent, the caller reads its default); -1 for a bad node
 * or slot. */
static int options_of(const tflrt_graph_view* g, int32_t n, int32_t* slot, const fb_table** t) {
  const tflrt_node* x = node_at(g, n);
  if (x == NULL || *slot < 0) return -1;
  const int second = (*slot & TFLRT_OPTIONS_2) != 0;
  *slot &= ~TFLRT_OPTIONS_2;
  if (*slot > 0xFFFF) return -1;
  *t = second ? x->options2 : x->options;
  return 0;
}

#define DEFINE_OPTION(NAME, CT, FB)                                                               \
  static int NAME(const tflrt_graph_view* g, int32_t n, int32_t slot, CT dflt, CT* out) {         \
    const fb_table* t = NULL;                                                                     \
    *out = dflt;                                                                                  \
    if (options_of(g, n, &slot, &t) != 0) return -1;                                              \
    return t == NULL ? 0 : FB(t, slot, dflt, out);                                                \
  }

DEFINE_OPTION(v_option_i8, int8_t, fb_i8)
DEFINE_OPTION(v_option_u8, uint8_t, fb_u8)
DEFINE_OPTION(v_option_i16, int16_t, fb_i16)
DEFINE_OPTION(v_option_i32, int32_t, fb_i32)
DEFINE_OPTION(v_option_u32, uint32_t, fb_u32)
DEFINE_OPTION(v_option_i64, int64_t, fb_i64)
DEFINE_OPTION(v_option_f32, float, fb_f32)
DEFINE_OPTION(v_option_bool, int, fb_bool)

static int v_option_i32_vector(const tflrt_graph_view* g, int32_t n, int32_t slot, int32_t* out, int32_t cap,
                               int32_t* len) {
  const fb_table* t = NULL;
  *len = 0;
  if (options_of(g, n, &slot, &t) != 0 || cap < 0) return -1;
  if (t == NULL) return 0;
  fb_vec v;
  if (fb_vec_field(t, slot, sizeof(int32_t), &v) != 0) return -1;
  if (v.len > (uint32_t)INT32_MAX) return -1;
  *len = (int32_t)v.len;
  for (uint32_t i = 0; i < v.len && (int32_t)i < cap; i++) out[i] = fb_vec_i32_at(&v, i);
  return 0;
}

static void v_report_error(const tflrt_graph_view* g, const char* msg) {
  tflrt_dview* v = (tflrt_dview*)(void*)(uintptr_t)g; /* the view is our own, writable object */
  snprintf(v->msg, sizeof v->msg, "%s", msg ? msg : "");
}

const char* tflrt_dview_message(const tflrt_dview* v, const char* fallback) {
  return v->msg[0] ? v->msg : fallback;
}

void tflrt_dview_init(tflrt_dview* v, struct tflrt_interp* it, tflrt_subgraph* sg) {
  memset(v, 0, sizeof(*v));
  v->it = it;
  v->sg = sg;
  tflrt_graph_view* p = &v->pub;
  p->struct_size = sizeof(tflrt_graph_view);
  p->abi_minor = TFLRT_DELEGATE_ABI_MINOR;
  p->subgraph = sg->index;
  p->num_tensors = v_num_tensors;
  p->num_nodes = v_num_nodes;
  p->num_graph_inputs = v_num_graph_inputs;
  p->graph_input = v_graph_input;
  p->num_graph_outputs = v_num_graph_outputs;
  p->graph_output = v_graph_output;
  p->tensor_type = v_tensor_type;
  p->tensor_ndims = v_tensor_ndims;
  p->tensor_dims = v_tensor_dims;
  p->tensor_name = v_tensor_name;
  p->tensor_num_quant = v_tensor_num_quant;
  p->tensor_scales = v_tensor_scales;
  p->tensor_zero_points = v_tensor_zero_points;
  p->tensor_quant_dim = v_tensor_quant_dim;
  p->tensor_const_data = v_tensor_const_data;
  p->tensor_is_variable = v_tensor_is_variable;
  p->node_builtin_code = v_node_builtin_code;
  p->node_custom_name = v_node_custom_name;
  p->node_version = v_node_version;
  p->node_num_inputs = v_node_num_inputs;
  p->node_input = v_node_input;
  p->node_num_outputs = v_node_num_outputs;
  p->node_output = v_node_output;
  p->node_options_type = v_node_options_type;
  p->node_custom_options = v_node_custom_options;
  p->option_bool = v_option_bool;
  p->option_i8 = v_option_i8;
  p->option_u8 = v_option_u8;
  p->option_i16 = v_option_i16;
  p->option_i32 = v_option_i32;
  p->option_u32 = v_option_u32;
  p->option_i64 = v_option_i64;
  p->option_f32 = v_option_f32;
  p->option_i32_vector = v_option_i32_vector;
  p->report_error = v_report_error;
}
