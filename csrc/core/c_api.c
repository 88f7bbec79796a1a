/* Public C API: models, queries, memory report, supported ops. */
#include <stdio.h>
#include <string.h>

#include "../ops/registry.h"
#include "interp.h"

int tflrt_model_from_buffer(const void* data, size_t size, tflrt_model** out, char* err, size_t err_cap) {
  return tflrt_model_load_buffer(data, size, 0, out, err, err_cap);
}

int tflrt_model_from_file(const char* path, tflrt_model** out, char* err, size_t err_cap) {
  return tflrt_model_load_file(path, out, err, err_cap);
}

void tflrt_model_destroy(tflrt_model* m) { tflrt_model_free(m); }

int32_t tflrt_model_num_signatures(const tflrt_model* m) { return m->n_signatures; }
int32_t tflrt_model_num_subgraphs(const tflrt_model* m) { return m->n_subgraphs; }
const char* tflrt_model_description(const tflrt_model* m) { return m->description; }

int tflrt_model_signature(const tflrt_model* m, int32_t i, tflrt_signature_info* out) {
  if (i < 0 || i >= m->n_signatures) return TFLRT_ERR_VALUE;
  const tflrt_msignature* s = &m->signatures[i];
  out->key = s->key;
  out->subgraph = s->subgraph;
  out->n_inputs = s->n_inputs;
  out->n_outputs = s->n_outputs;
  out->input_names = (const char* const*)s->input_names;
  out->input_tensors = s->input_tensors;
  out->output_names = (const char* const*)s->output_names;
  out->output_tensors = s->output_tensors;
  return TFLRT_OK;
}

static const tflrt_subgraph* sg_at(const tflrt_interp* it, int32_t s) {
  return (s >= 0 && s < it->n_subgraphs) ? &it->sgs[s] : NULL;
}

int32_t tflrt_interp_num_subgraphs(const tflrt_interp* it) { return it->n_subgraphs; }

int32_t tflrt_interp_num_tensors(const tflrt_interp* it, int32_t s) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return sg ? sg->n_tensors : -1;
}

int32_t tflrt_interp_num_inputs(const tflrt_interp* it, int32_t s) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return sg ? sg->m->n_inputs : -1;
}

int32_t tflrt_interp_num_outputs(const tflrt_interp* it, int32_t s) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return sg ? sg->m->n_outputs : -1;
}

int32_t tflrt_interp_input(const tflrt_interp* it, int32_t s, int32_t i) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return (sg && i >= 0 && i < sg->m->n_inputs) ? sg->m->inputs[i] : -1;
}

int32_t tflrt_interp_output(const tflrt_interp* it, int32_t s, int32_t i) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return (sg && i >= 0 && i < sg->m->n_outputs) ? sg->m->outputs[i] : -1;
}

int tflrt_interp_tensor(const tflrt_interp* it, int32_t s, int32_t ti, tflrt_tensor_info* out) {
  const tflrt_subgraph* sg = sg_at(it, s);
  if (!sg || ti < 0 || ti >= sg->n_tensors) return TFLRT_ERR_VALUE;
  const tflrt_tensor* t = &sg->tensors[ti];
  const tflrt_mtensor* mt = &sg->m->tensors[ti];
  memset(out, 0, sizeof(*out));
  out->name = t->name;
  out->type = t->type;
  out->ndims = t->ndims;
  out->dims = t->dims;
  out->dims_signature = mt->dims_signature;
  out->data = t->data;
  out->bytes = t->bytes;
  out->nq = t->nq;
  out->scales = t->scales;
  out->zero_points = t->zero_points;
  out->qdim = t->qdim;
  out->mem = t->alloc;
  out->arena_offset = sg->arena_offset[ti];
  out->first_node = sg->first_use[ti];
  out->last_node = sg->last_use[ti];
  out->is_variable = t->is_variable;
  out->is_sparse = mt->sparsity != NULL;
  return TFLRT_OK;
}

static int copy_check(tflrt_interp* it, int32_t s, int32_t ti, size_t bytes, int writing, tflrt_tensor** out) {
  if (s < 0 || s >= it->n_subgraphs || ti < 0 || ti >= it->sgs[s].n_tensors)
    return tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Invalid tensor index %d", (int)ti);
  tflrt_tensor* t = &it->sgs[s].tensors[ti];
  if (t->data == NULL && t->bytes > 0)
    return tflrt_interp_fail(it, TFLRT_ERR_VALUE,
                             writing ? "Cannot set tensor: Tensor is unallocated. Try calling allocate_tensors() first"
                                     : "Tensor data is null. Run allocate_tensors() first");
  if (writing && t->alloc == TFLRT_ALLOC_CONST)
    return tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Cannot set tensor %d: it is a constant of the model", (int)ti);
  if (bytes != t->bytes)
    return tflrt_interp_fail(it, TFLRT_ERR_VALUE, "numpy array had %zu bytes but expected %zu bytes.", bytes,
                             t->bytes);
  *out = t;
  return TFLRT_OK;
}

int tflrt_interp_copy_in(tflrt_interp* it, int32_t s, int32_t ti, const void* src, size_t bytes) {
  pthread_mutex_lock(&it->mu);
  tflrt_tensor* t = NULL;
  int r = copy_check(it, s, ti, bytes, 1, &t);
  if (r == TFLRT_OK && bytes) memcpy(t->data, src, bytes);
  pthread_mutex_unlock(&it->mu);
  return r;
}

int tflrt_interp_copy_out(tflrt_interp* it, int32_t s, int32_t ti, void* dst, size_t bytes) {
  pthread_mutex_lock(&it->mu);
  tflrt_tensor* t = NULL;
  int r = copy_check(it, s, ti, bytes, 0, &t);
  if (r == TFLRT_OK && bytes) memcpy(dst, t->data, bytes);
  pthread_mutex_unlock(&it->mu);
  return r;
}

int32_t tflrt_interp_num_nodes(const tflrt_interp* it, int32_t s) {
  const tflrt_subgraph* sg = sg_at(it, s);
  return sg ? sg->n_nodes : -1;
}

int tflrt_interp_node(const tflrt_interp* it, int32_t s, int32_t k, tflrt_node_info* out) {
  const tflrt_subgraph* sg = sg_at(it, s);
  if (!sg || k < 0 || k >= sg->n_nodes) return TFLRT_ERR_VALUE;
  const tflrt_node* n = &sg->nodes[k];
  out->op_name = n->op_name;
  out->builtin_code = n->builtin_code;
  out->version = n->version;
  out->n_inputs = n->n_inputs;
  out->n_outputs = n->n_outputs;
  out->inputs = n->inputs;
  out->outputs = n->outputs;
  return TFLRT_OK;
}

int tflrt_interp_memory(const tflrt_interp* it, tflrt_memory_info* out) {
  memset(out, 0, sizeof(*out));
  const tflrt_model* m = it->model;
  out->model_bytes = m->size;
  out->persistent_bytes = it->persistent_bytes;
  for (int32_t s = 0; s < it->n_subgraphs; s++) {
    const tflrt_subgraph* sg = &it->sgs[s];
    out->arena_bytes += sg->arena_bytes;
    for (int32_t i = 0; i < sg->n_tensors; i++) {
      const tflrt_tensor* t = &sg->tensors[i];
      if (t->alloc == TFLRT_ALLOC_CONST) out->weights_bytes += t->bytes;
      if (t->alloc == TFLRT_ALLOC_DYNAMIC) out->dynamic_bytes += t->dyn_capacity;
    }
  }
  return TFLRT_OK;
}

int32_t tflrt_num_supported_ops(void) { return tflrt_registry_count(); }

int tflrt_supported_op(int32_t i, const char** name, int32_t* code, int32_t* min_v, int32_t* max_v) {
  const tflrt_op* op = tflrt_registry_at(i);
  if (!op) return TFLRT_ERR_VALUE;
  *name = op->name;
  *code = op->builtin_code;
  *min_v = op->min_version;
  *max_v = op->max_version;
  return TFLRT_OK;
}

int tflrt_op_supported(int32_t code, const char* custom_name, int32_t version) {
  int other = 0;
  return tflrt_registry_find(code, custom_name, version, &other) != NULL;
}

const char* tflrt_builtin_op_name(int32_t code) { return tflrt_builtin_name(code); }
const char* tflrt_type_name_of(int32_t type) { return tflrt_type_name(type); }

/* ---- model queries without an interpreter ---- */

static const tflrt_msubgraph* msg_at(const tflrt_model* m, int32_t s) {
  return (m && s >= 0 && s < m->n_subgraphs) ? &m->subgraphs[s] : NULL;
}

int tflrt_model_subgraph(const tflrt_model* m, int32_t s, tflrt_model_subgraph_info* out) {
  const tflrt_msubgraph* sg = msg_at(m, s);
  if (!sg) return TFLRT_ERR_VALUE;
  out->name = sg->name;
  out->n_tensors = sg->n_tensors;
  out->n_ops = sg->n_ops;
  out->n_inputs = sg->n_inputs;
  out->n_outputs = sg->n_outputs;
  out->inputs = sg->inputs;
  out->outputs = sg->outputs;
  return TFLRT_OK;
}

int tflrt_model_op(const tflrt_model* m, int32_t s, int32_t k, tflrt_model_op_info* out) {
  const tflrt_msubgraph* sg = msg_at(m, s);
  if (!sg || k < 0 || k >= sg->n_ops) return TFLRT_ERR_VALUE;
  const tflrt_mop* op = &sg->ops[k];
  const char* name = op->custom_code ? op->custom_code : tflrt_builtin_name(op->builtin_code);
  out->op_name = name ? name : "UNKNOWN";
  out->custom_code = op->custom_code;
  out->builtin_code = op->builtin_code;
  out->version = op->version;
  out->supported = tflrt_op_supported(op->builtin_code, op->custom_code, op->version);
  out->n_inputs = op->n_inputs;
  out->n_outputs = op->n_outputs;
  out->inputs = op->inputs;
  out->outputs = op->outputs;
  return TFLRT_OK;
}

int tflrt_model_tensor(const tflrt_model* m, int32_t s, int32_t ti, tflrt_tensor_info* out) {
  const tflrt_msubgraph* sg = msg_at(m, s);
  if (!sg || ti < 0 || ti >= sg->n_tensors) return TFLRT_ERR_VALUE;
  const tflrt_mtensor* t = &sg->tensors[ti];
  memset(out, 0, sizeof(*out));
  out->name = t->name;
  out->type = t->type;
  out->ndims = t->ndims;
  out->dims = t->dims;
  out->dims_signature = t->dims_signature;
  out->data = (void*)t->data;
  if (t->data) {
    out->bytes = t->data_size;
  } else {
    size_t n = tflrt_type_size(t->type);
    for (int32_t d = 0; d < t->ndims; d++) n *= (size_t)t->dims[d]; /* the loader caps elements at 2^31 - 1 */
    out->bytes = n;
  }
  out->nq = t->nq;
  out->scales = t->scales;
  out->zero_points = t->zero_points;
  out->qdim = t->qdim;
  out->mem = t->data ? TFLRT_MEM_CONST : TFLRT_MEM_NONE;
  out->arena_offset = -1;
  out->first_node = -1;
  out->last_node = -1;
  out->is_variable = t->is_variable;
  out->is_sparse = t->sparsity != NULL;
  return TFLRT_OK;
}
