/* Users' custom ops (public ABI: tflite_rt/custom_op.h).
 *
 * Each registration becomes one custom_entry: a tflrt_op (first member, so node->op leads back
 * to the entry) whose parse/prepare/eval trampolines call the user's callbacks (free runs from
 * tflrt_custom_node_release, which the interpreter calls for every node it destroys), plus a
 * copy of the user's tflrt_custom_op and name. Entries are heap blocks that live for the rest of
 * the process (the op registry hands out pointers to them and never removes any). The user
 * sees a node through a tflrt_custom_ctx built on the stack for each call, and tensors through
 * opaque handles that are the runtime's tensors, reached only via the API table below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/registry.h"
#include "interp.h"
#include "tflite_rt/custom_op.h"

#define CUSTOM_NAME_CAP 128

typedef struct {
  tflrt_op op;            /* must stay first */
  tflrt_custom_op def;    /* the user's struct, fields past their struct_size zeroed */
  char name[CUSTOM_NAME_CAP];
} custom_entry;

typedef struct {
  void* op_data; /* what init returned */
  int inited;    /* init succeeded: free is owed */
} custom_node_data;

struct tflrt_custom_ctx {
  tflrt_ctx* ctx;
  tflrt_node* node;
  const custom_entry* entry;
};

/* Serializes "is it registered already? if not, add it": registration is rare. */
static pthread_mutex_t register_mu = PTHREAD_MUTEX_INITIALIZER;

static const custom_entry* entry_of(const tflrt_node* node) { return (const custom_entry*)node->op; }

static int user_status(int r) {
  return r == TFLRT_OK ? TFLRT_OK : (r > TFLRT_OK && r <= TFLRT_ERR_NOMEM) ? r : TFLRT_ERR_RUNTIME;
}

/* ---- the API table (tensor handles are tflrt_tensor pointers) ---- */

static const tflrt_tensor* T(const tflrt_custom_tensor* t) { return (const tflrt_tensor*)(const void*)t; }

static int32_t api_num_inputs(const tflrt_custom_ctx* c) { return c->node->n_inputs; }
static int32_t api_num_outputs(const tflrt_custom_ctx* c) { return c->node->n_outputs; }
static const tflrt_custom_tensor* api_input(const tflrt_custom_ctx* c, int32_t i) {
  return (const tflrt_custom_tensor*)(const void*)tflrt_in(c->ctx, c->node, i);
}
static tflrt_custom_tensor* api_output(tflrt_custom_ctx* c, int32_t i) {
  return (tflrt_custom_tensor*)(void*)tflrt_out(c->ctx, c->node, i);
}
static const char* api_op_name(const tflrt_custom_ctx* c) { return c->node->op_name; }
static int32_t api_op_version(const tflrt_custom_ctx* c) { return c->node->version; }

static int32_t api_type(const tflrt_custom_tensor* t) { return t ? T(t)->type : -1; }
static int32_t api_ndims(const tflrt_custom_tensor* t) { return t ? T(t)->ndims : -1; }
static int32_t api_dim(const tflrt_custom_tensor* t, int32_t i) {
  return (t && i >= 0 && i < T(t)->ndims) ? T(t)->dims[i] : -1;
}
static const void* api_data(const tflrt_custom_tensor* t) { return t ? T(t)->data : NULL; }
static void* api_mutable_data(tflrt_custom_tensor* t) {
  tflrt_tensor* x = (tflrt_tensor*)(void*)t;
  return (x && x->alloc != TFLRT_ALLOC_CONST) ? x->data : NULL;
}
static size_t api_bytes(const tflrt_custom_tensor* t) { return t ? T(t)->bytes : 0; }
static int api_is_constant(const tflrt_custom_tensor* t) { return t ? tflrt_is_const(T(t)) : 0; }
static const char* api_name(const tflrt_custom_tensor* t) { return t ? T(t)->name : ""; }
static int32_t api_num_quant(const tflrt_custom_tensor* t) { return t ? T(t)->nq : 0; }
static int api_quant_param(const tflrt_custom_tensor* t, int32_t i, float* scale, int64_t* zp) {
  if (!t || i < 0 || i >= T(t)->nq || T(t)->scales == NULL) return TFLRT_ERR_VALUE;
  if (scale) *scale = T(t)->scales[i];
  if (zp) *zp = T(t)->zero_points ? T(t)->zero_points[i] : 0;
  return TFLRT_OK;
}
static int32_t api_quantized_dim(const tflrt_custom_tensor* t) { return t ? T(t)->qdim : 0; }

static int api_set_output_shape(tflrt_custom_ctx* c, int32_t i, int32_t ndims, const int32_t* dims) {
  tflrt_tensor* t = tflrt_out(c->ctx, c->node, i);
  if (t == NULL) return tflrt_op_fail(c->ctx, TFLRT_ERR_VALUE, "set_output_shape: no output %d", (int)i);
  if (ndims < 0 || ndims > TFLRT_MAX_DIMS || (ndims > 0 && dims == NULL))
    return tflrt_op_fail(c->ctx, TFLRT_ERR_VALUE, "set_output_shape: invalid rank %d", (int)ndims);
  if (c->ctx->in_eval && t->alloc != TFLRT_ALLOC_DYNAMIC) {
    int same = ndims == t->ndims;
    for (int32_t d = 0; same && d < ndims; d++) same = dims[d] == t->dims[d];
    if (!same)
      return tflrt_op_error(c->ctx, "output %d changes shape during invoke but was not marked dynamic in prepare",
                            (int)i);
    return TFLRT_OK;
  }
  return tflrt_set_output_shape(c->ctx, t, ndims, dims);
}

static int api_set_output_dynamic(tflrt_custom_ctx* c, int32_t i) {
  tflrt_tensor* t = tflrt_out(c->ctx, c->node, i);
  if (t == NULL) return tflrt_op_fail(c->ctx, TFLRT_ERR_VALUE, "set_output_dynamic: no output %d", (int)i);
  if (c->ctx->in_eval) return tflrt_op_error(c->ctx, "set_output_dynamic is for prepare only");
  return tflrt_set_dynamic(c->ctx, t);
}

static int api_report_error(tflrt_custom_ctx* c, const char* message) {
  return tflrt_op_error(c->ctx, "%s", message ? message : "error");
}

static int api_register(const tflrt_custom_api* api, const tflrt_custom_op* op, char* err, size_t err_cap);

static const tflrt_custom_api custom_api = {
    .abi_version = TFLRT_CUSTOM_OP_ABI_VERSION,
    .struct_size = sizeof(tflrt_custom_api),
    .register_op = api_register,
    .num_inputs = api_num_inputs,
    .num_outputs = api_num_outputs,
    .input = api_input,
    .output = api_output,
    .op_name = api_op_name,
    .op_version = api_op_version,
    .type = api_type,
    .ndims = api_ndims,
    .dim = api_dim,
    .data = api_data,
    .mutable_data = api_mutable_data,
    .bytes = api_bytes,
    .is_constant = api_is_constant,
    .name = api_name,
    .num_quant_params = api_num_quant,
    .quant_param = api_quant_param,
    .quantized_dim = api_quantized_dim,
    .set_output_shape = api_set_output_shape,
    .set_output_dynamic = api_set_output_dynamic,
    .report_error = api_report_error,
};

const tflrt_custom_api* tflrt_custom_op_api(void) { return &custom_api; }

/* ---- trampolines: the tflrt_op of every registered custom op ---- */

static int custom_parse(tflrt_ctx* ctx, tflrt_node* node) {
  const custom_entry* e = entry_of(node);
  custom_node_data* nd = node->data;
  if (e->def.init == NULL) return TFLRT_OK;
  void* op_data = NULL;
  const int r = e->def.init(e->def.user_data, node->custom_options, node->custom_options_size, &op_data);
  if (r != TFLRT_OK) return tflrt_op_fail(ctx, user_status(r), "custom op init failed (status %d)", r);
  nd->op_data = op_data;
  nd->inited = 1;
  return TFLRT_OK;
}

static int call_user(tflrt_ctx* ctx, tflrt_node* node, tflrt_custom_fn fn) {
  const custom_entry* e = entry_of(node);
  const custom_node_data* nd = node->data;
  tflrt_custom_ctx c = {ctx, node, e};
  return user_status(fn(&custom_api, &c, e->def.user_data, nd->op_data));
}

static int custom_prepare(tflrt_ctx* ctx, tflrt_node* node) { return call_user(ctx, node, entry_of(node)->def.prepare); }
static int custom_eval(tflrt_ctx* ctx, tflrt_node* node) { return call_user(ctx, node, entry_of(node)->def.eval); }

/* Called by the interpreter for every node it destroys; acts on user custom ops only. */
void tflrt_custom_node_release(tflrt_node* node) {
  if (node->op == NULL || node->op->prepare != custom_prepare) return;
  const custom_entry* e = entry_of(node);
  custom_node_data* nd = node->data;
  if (nd == NULL || !nd->inited) return;
  if (e->def.free != NULL) e->def.free(e->def.user_data, nd->op_data);
  nd->inited = 0;
  nd->op_data = NULL;
}

/* ---- registration ---- */

static int reg_fail(char* err, size_t cap, int status, const char* msg, const char* name) {
  if (err != NULL && cap > 0) snprintf(err, cap, "cannot register custom op '%s': %s", name ? name : "(null)", msg);
  return status;
}

static int same_def(const tflrt_custom_op* a, const tflrt_custom_op* b) {
  return a->min_version == b->min_version && a->max_version == b->max_version && a->user_data == b->user_data &&
         a->init == b->init && a->free == b->free && a->prepare == b->prepare && a->eval == b->eval;
}

int tflrt_register_custom_op(const tflrt_custom_op* op, char* err, size_t err_cap) {
  if (err != NULL && err_cap > 0) err[0] = 0;
  const size_t v1_size = offsetof(tflrt_custom_op, eval) + sizeof(op->eval);
  if (op == NULL) return reg_fail(err, err_cap, TFLRT_ERR_VALUE, "no op given", NULL);
  if (op->struct_size < v1_size)
    return reg_fail(err, err_cap, TFLRT_ERR_VALUE, "struct_size is smaller than tflrt_custom_op 1.0", NULL);
  tflrt_custom_op def;
  memset(&def, 0, sizeof def);
  memcpy(&def, op, op->struct_size < sizeof def ? op->struct_size : sizeof def);
  def.struct_size = sizeof def;
  const size_t len = def.name ? strlen(def.name) : 0;
  if (len == 0 || len >= CUSTOM_NAME_CAP)
    return reg_fail(err, err_cap, TFLRT_ERR_VALUE, "the name must have 1 to 127 bytes", def.name);
  if (def.min_version < 1 || def.max_version < def.min_version)
    return reg_fail(err, err_cap, TFLRT_ERR_VALUE, "versions must satisfy 1 <= min_version <= max_version",
                    def.name);
  if (def.prepare == NULL || def.eval == NULL)
    return reg_fail(err, err_cap, TFLRT_ERR_VALUE, "prepare and eval are required", def.name);

  pthread_mutex_lock(&register_mu);
  int found_other = 0;
  const tflrt_op* prev = tflrt_registry_find(TFLRT_BUILTIN_CUSTOM, def.name, def.min_version, &found_other);
  int status = TFLRT_OK;
  if (prev != NULL && prev->prepare == custom_prepare && same_def(&((const custom_entry*)prev)->def, &def)) {
    status = TFLRT_OK; /* the same implementation again (e.g. one registerer run per interpreter) */
  } else {
    custom_entry* e = calloc(1, sizeof *e);
    if (e == NULL) {
      status = reg_fail(err, err_cap, TFLRT_ERR_NOMEM, "out of memory", def.name);
    } else {
      memcpy(e->name, def.name, len + 1);
      e->def = def;
      e->def.name = e->name;
      e->op.name = e->name;
      e->op.builtin_code = TFLRT_BUILTIN_CUSTOM;
      e->op.min_version = def.min_version;
      e->op.max_version = def.max_version;
      e->op.data_size = sizeof(custom_node_data);
      e->op.parse = custom_parse;
      e->op.prepare = custom_prepare;
      e->op.eval = custom_eval;
      if (tflrt_registry_add_custom(&e->op) != 0) {
        free(e);
        status = reg_fail(err, err_cap, TFLRT_ERR_NOMEM, "the custom op registry is full", def.name);
      }
    }
  }
  pthread_mutex_unlock(&register_mu);
  return status;
}

static int api_register(const tflrt_custom_api* api, const tflrt_custom_op* op, char* err, size_t err_cap) {
  (void)api;
  return tflrt_register_custom_op(op, err, err_cap);
}
