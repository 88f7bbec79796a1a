/* Services for control-flow ops (running other subgraphs) and resource variables. */
#include <stdlib.h>
#include <string.h>

#include "interp.h"

int32_t tflrt_num_subgraphs(const tflrt_ctx* ctx) { return ctx->interp->n_subgraphs; }

static tflrt_subgraph* sg_get(tflrt_ctx* ctx, int32_t s) {
  if (s < 0 || s >= ctx->interp->n_subgraphs) {
    tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "subgraph index %d is out of range (the model has %d subgraphs)", (int)s,
                  (int)ctx->interp->n_subgraphs);
    return NULL;
  }
  return &ctx->interp->sgs[s];
}

int tflrt_subgraph_io(tflrt_ctx* ctx, int32_t s, int32_t* n_in, const int32_t** in, int32_t* n_out,
                      const int32_t** out) {
  tflrt_subgraph* sg = sg_get(ctx, s);
  if (!sg) return TFLRT_ERR_MODEL;
  *n_in = sg->m->n_inputs;
  *in = sg->m->inputs;
  *n_out = sg->m->n_outputs;
  *out = sg->m->outputs;
  return TFLRT_OK;
}

tflrt_tensor* tflrt_subgraph_tensor(tflrt_ctx* ctx, int32_t s, int32_t t) {
  if (s < 0 || s >= ctx->interp->n_subgraphs) return NULL;
  tflrt_subgraph* sg = &ctx->interp->sgs[s];
  return (t >= 0 && t < sg->n_tensors) ? &sg->tensors[t] : NULL;
}

int tflrt_subgraph_set_input_shape(tflrt_ctx* ctx, int32_t s, int32_t i, int32_t ndims, const int32_t* dims) {
  tflrt_subgraph* sg = sg_get(ctx, s);
  if (!sg) return TFLRT_ERR_MODEL;
  if (i < 0 || i >= sg->m->n_inputs)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "subgraph %d has %d inputs, not %d", (int)s, (int)sg->m->n_inputs,
                         (int)i + 1);
  tflrt_tensor* t = &sg->tensors[sg->m->inputs[i]];
  int same = t->ndims == ndims;
  for (int32_t d = 0; same && d < ndims; d++) same = t->dims[d] == dims[d];
  if (same) return TFLRT_OK;
  if (t->alloc == TFLRT_ALLOC_CONST || t->alloc == TFLRT_ALLOC_PERSIST)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "input %d of subgraph %d is a constant or variable", (int)i, (int)s);
  /* shape and byte size through the common overflow-checked path, on a copy */
  tflrt_tensor tmp = *t;
  tmp.alloc = TFLRT_ALLOC_NONE;
  int r = tflrt_set_output_shape(ctx, &tmp, ndims, dims);
  if (r != TFLRT_OK) return r;
  t->ndims = tmp.ndims;
  memcpy(t->dims, tmp.dims, sizeof t->dims);
  t->bytes = tmp.bytes;
  sg->allocated = 0;
  if (t->alloc == TFLRT_ALLOC_ARENA) { /* the old slot is too small for the new shape: no data until prepared */
    t->alloc = TFLRT_ALLOC_NONE;
    t->data = NULL;
  }
  return TFLRT_OK;
}

int tflrt_subgraph_prepare(tflrt_ctx* ctx, int32_t s) {
  tflrt_subgraph* sg = sg_get(ctx, s);
  if (!sg) return TFLRT_ERR_MODEL;
  if (sg->allocated) return TFLRT_OK;
  return tflrt_subgraph_allocate(ctx->interp, sg);
}

int tflrt_subgraph_is_dynamic(tflrt_ctx* ctx, int32_t s) {
  tflrt_subgraph* sg = sg_get(ctx, s);
  if (!sg) return 0;
  for (int32_t i = 0; i < sg->m->n_outputs; i++)
    if (sg->tensors[sg->m->outputs[i]].alloc == TFLRT_ALLOC_DYNAMIC) return 1;
  return 0;
}

int tflrt_subgraph_run(tflrt_ctx* ctx, int32_t s) {
  tflrt_subgraph* sg = sg_get(ctx, s);
  if (!sg) return TFLRT_ERR_MODEL;
  if (!sg->allocated) {
    int r = tflrt_subgraph_allocate(ctx->interp, sg);
    if (r != TFLRT_OK) return r;
  }
  return tflrt_subgraph_invoke(ctx->interp, sg);
}

int tflrt_drop_unread_output(tflrt_ctx* ctx, tflrt_node* node, int32_t i) {
  tflrt_subgraph* sg = ctx->sg;
  tflrt_tensor* t = tflrt_out(ctx, node, i);
  if (!t || t->is_variable || node < sg->nodes || node >= sg->nodes + sg->m->n_ops) return 0;
  for (int32_t k = 0; k < sg->m->n_outputs; k++)
    if (sg->m->outputs[k] == t->index) return 0;
  for (int32_t k = 0; k < tflrt_plan_len(sg); k++) {
    const tflrt_node* n = tflrt_plan_node(sg, k);
    for (int32_t j = 0; j < n->n_inputs; j++)
      if (n->inputs[j] == t->index) return 0;
  }
  sg->node_outputs[(node->outputs - sg->node_outputs) + i] = -1;
  if (t->alloc == TFLRT_ALLOC_DYNAMIC) free(t->data);
  if (t->alloc == TFLRT_ALLOC_DYNAMIC || t->alloc == TFLRT_ALLOC_ARENA) {
    t->alloc = TFLRT_ALLOC_NONE;
    t->data = NULL;
    t->dyn_capacity = 0;
  }
  return 1;
}

/* ---- resource variables ---- */

static char* dup_str(const char* s) {
  size_t n = strlen(s ? s : "");
  char* d = malloc(n + 1);
  if (d) memcpy(d, s ? s : "", n + 1);
  return d;
}

int tflrt_resource_id(tflrt_ctx* ctx, const char* container, const char* shared_name, int32_t* id) {
  struct tflrt_interp* it = ctx->interp;
  const char* c = container ? container : "";
  const char* n = shared_name ? shared_name : "";
  for (int32_t i = 0; i < it->n_resources; i++) {
    if (strcmp(it->resources[i].container, c) == 0 && strcmp(it->resources[i].name, n) == 0) {
      *id = i;
      return TFLRT_OK;
    }
  }
  if (it->n_resources == it->cap_resources) {
    int32_t cap = it->cap_resources ? it->cap_resources * 2 : 8;
    tflrt_resource* r = realloc(it->resources, sizeof(*r) * (size_t)cap);
    if (!r) return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "out of memory for resource variables");
    it->resources = r;
    it->cap_resources = cap;
  }
  tflrt_resource* r = &it->resources[it->n_resources];
  memset(r, 0, sizeof(*r));
  r->container = dup_str(c);
  r->name = dup_str(n);
  if (!r->container || !r->name) {
    free(r->container), free(r->name);
    return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "out of memory for resource variables");
  }
  r->value.index = -1;
  r->value.name = r->name;
  *id = it->n_resources++;
  return TFLRT_OK;
}

int tflrt_resource_get(tflrt_ctx* ctx, int32_t id, const tflrt_tensor** value, int* has_value) {
  struct tflrt_interp* it = ctx->interp;
  if (id < 0 || id >= it->n_resources) return tflrt_op_error(ctx, "resource id %d is not valid", (int)id);
  *value = &it->resources[id].value;
  *has_value = it->resources[id].has_value;
  return TFLRT_OK;
}

int tflrt_resource_assign(tflrt_ctx* ctx, int32_t id, const tflrt_tensor* v) {
  struct tflrt_interp* it = ctx->interp;
  if (id < 0 || id >= it->n_resources) return tflrt_op_error(ctx, "resource id %d is not valid", (int)id);
  tflrt_resource* r = &it->resources[id];
  if (v->bytes > r->value.dyn_capacity) {
    void* p = realloc(r->value.data, v->bytes);
    if (!p) return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "out of memory assigning a resource variable");
    r->value.data = p;
    r->value.dyn_capacity = v->bytes;
  }
  r->value.type = v->type;
  r->value.ndims = v->ndims;
  memcpy(r->value.dims, v->dims, sizeof r->value.dims);
  r->value.bytes = v->bytes;
  r->value.nq = v->nq;
  r->value.scale = v->scale;
  r->value.zero_point = v->zero_point;
  r->value.scales = v->scales;
  r->value.zero_points = v->zero_points;
  r->value.qdim = v->qdim;
  r->value.alloc = TFLRT_ALLOC_DYNAMIC;
  if (v->bytes) memcpy(r->value.data, v->data, v->bytes);
  r->has_value = 1;
  return TFLRT_OK;
}

void tflrt_resources_free(struct tflrt_interp* it) {
  for (int32_t i = 0; i < it->n_resources; i++) {
    free(it->resources[i].container);
    free(it->resources[i].name);
    free(it->resources[i].value.data);
  }
  free(it->resources);
  it->resources = NULL;
  it->n_resources = it->cap_resources = 0;
}
