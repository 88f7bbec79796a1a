/* The loaded model: an immutable, validated description of a .tflite file.
 *
 * Metadata (shapes, indices, quantization, names) is decoded into arrays owned by the model;
 * constant tensor data points into the model bytes (no copy) unless it was misaligned for its
 * element type, in which case the loader copies it into an aligned block it owns.
 * After tflrt_model_load returns TFLRT_OK, every invariant listed below holds, so the
 * interpreter and the ops may rely on them without re-checking. */
#ifndef TFLITE_RT_MODEL_H
#define TFLITE_RT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "fb.h"
#include "tflite_rt/types.h"

/* Sparsity of a constant tensor (schema SparsityParameters), decoded. */
typedef struct {
  int32_t n_traversal;        /* traversal_order length */
  int32_t* traversal_order;
  int32_t n_block_map;
  int32_t* block_map;
  int32_t n_dim_metadata;
  struct tflrt_dim_metadata {
    int32_t format;           /* 0 DENSE, 1 SPARSE_CSR */
    int32_t dense_size;
    int32_t n_segments, n_indices;
    int32_t* segments;        /* decoded to int32 whatever the stored vector type */
    int32_t* indices;
  } *dim_metadata;
} tflrt_sparsity;

typedef struct {
  const char* name;          /* never NULL ("" when absent) */
  int32_t type;              /* tflrt_type; validated 0..TFLRT_TYPE_COUNT-1 */
  int32_t ndims;             /* 0..TFLRT_MAX_DIMS */
  int32_t* dims;             /* ndims entries, each >= 0 */
  int32_t* dims_signature;   /* ndims entries (-1 = unknown) or NULL when absent */
  uint32_t buffer;           /* buffer index (0 = none) */
  const uint8_t* data;       /* constant data or NULL */
  size_t data_size;          /* bytes of data; = element count x type size for dense fixed-size types (sparse: the stored values) */
  /* Quantization: nq == 0 when unquantized. scales/zero_points have nq entries. */
  int32_t nq;
  float* scales;             /* all finite and >= 0 (TFLite writes 0 for all-zero ranges); an op dividing by one must check it */
  int64_t* zero_points;      /* nq entries (missing zero points in the file read as 0) */
  int32_t qdim;              /* quantized_dimension, valid axis when nq > 1 */
  uint8_t is_variable;
  tflrt_sparsity* sparsity;  /* NULL when dense */
} tflrt_mtensor;

typedef struct {
  int32_t builtin_code;      /* max(builtin_code, deprecated_builtin_code); 32 = CUSTOM */
  int32_t version;           /* >= 1 */
  const char* custom_code;   /* NULL unless CUSTOM */
} tflrt_mopcode;

typedef struct {
  uint32_t opcode_index;     /* < model->n_opcodes */
  int32_t builtin_code;      /* copied from the opcode */
  int32_t version;
  const char* custom_code;
  int32_t n_inputs, n_outputs, n_intermediates;
  int32_t* inputs;           /* each -1 (optional, absent) or a valid tensor index */
  int32_t* outputs;          /* each a valid tensor index, never -1 */
  int32_t* intermediates;
  uint8_t options_type;      /* builtin_options union type (0 = NONE) */
  fb_table options;          /* valid when has_options */
  int has_options;
  uint8_t options2_type;     /* builtin_options_2 union type */
  fb_table options2;
  int has_options2;
  const uint8_t* custom_options; /* NULL or custom_options_size bytes inside the model */
  size_t custom_options_size;
} tflrt_mop;

typedef struct {
  const char* name;          /* never NULL */
  int32_t n_tensors, n_inputs, n_outputs, n_ops;
  tflrt_mtensor* tensors;
  int32_t* inputs;           /* valid tensor indices */
  int32_t* outputs;
  tflrt_mop* ops;            /* in execution order; every input of an op is a constant, a
                                subgraph input, a variable, an output of an earlier op, or a
                                tensor with no elements (then possibly without data) */
} tflrt_msubgraph;

typedef struct {
  const char* key;
  int32_t subgraph;          /* valid subgraph index */
  int32_t n_inputs, n_outputs;
  const char** input_names;
  int32_t* input_tensors;    /* valid tensor indices of that subgraph */
  const char** output_names;
  int32_t* output_tensors;
} tflrt_msignature;

typedef struct tflrt_model {
  const uint8_t* bytes;      /* the whole file */
  size_t size;
  uint32_t version;          /* schema version (3) */
  const char* description;   /* never NULL */
  int32_t n_opcodes, n_subgraphs, n_buffers, n_signatures;
  tflrt_mopcode* opcodes;
  tflrt_msubgraph* subgraphs; /* n_subgraphs >= 1 */
  tflrt_msignature* signatures;
  /* ownership (private to the loader) */
  void* mmap_base;
  size_t mmap_size;
  void* owned_bytes;         /* copy of caller bytes when requested */
  struct tflrt_block* blocks; /* decoded metadata allocations */
  size_t meta_bytes;         /* bytes of decoded metadata, for memory reports */
} tflrt_model;

/* Loads and validates. On failure returns a status (TFLRT_ERR_MODEL for malformed input,
 * TFLRT_ERR_NOMEM, TFLRT_ERR_VALUE for an unreadable path) and writes a message naming the
 * offending subgraph/operator/tensor into err (err_cap bytes, always NUL-terminated).
 * from_buffer borrows `data` (the caller keeps it alive) unless copy != 0. */
int tflrt_model_load_buffer(const void* data, size_t size, int copy, tflrt_model** out, char* err,
                            size_t err_cap);
int tflrt_model_load_file(const char* path, tflrt_model** out, char* err, size_t err_cap);
void tflrt_model_free(tflrt_model* m);

/* Name of a builtin operator code as TFLite prints it ("CONV_2D"), or NULL if unknown. */
const char* tflrt_builtin_name(int32_t code);

#endif
