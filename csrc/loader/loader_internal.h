/* Shared state of the model loader (loader.c, tensors.c, validate.c). Not a public header.
 *
 * Limits, and why:
 *  - TFLRT_MAX_TENSOR_ELEMS = 2^31 - 1: kernels index tensors with int32 flat offsets (as
 *    TFLite's RuntimeShape::FlatSize does), so a larger element count could not be addressed.
 *  - TFLRT_MAX_TENSOR_BYTES = 2^31: a flatbuffer cannot exceed 2 GiB, so converter output
 *    never holds a larger constant inline, and a larger activation does not fit the arena
 *    sizes this runtime targets; it also keeps byte sizes and sums of a few of them far from
 *    overflowing size_t on 32-bit hosts.
 *  - Decoded metadata is capped at 16 x file size + 4 MiB. A hostile file can make many tables
 *    point at one shared vector (N ops x the same M-entry input list costs N*M decoded
 *    entries for 4*(N+M) file bytes); converter output decodes to about its own metadata size. */
#ifndef TFLITE_RT_LOADER_INTERNAL_H
#define TFLITE_RT_LOADER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fb.h"
#include "model.h"

#define TFLRT_MAX_TENSOR_ELEMS ((uint64_t)INT32_MAX)
#define TFLRT_MAX_TENSOR_BYTES ((uint64_t)1 << 31)
#define TFLRT_META_BUDGET_FIXED ((size_t)4 << 20)
#define TFLRT_META_BUDGET_FACTOR 16

/* One entry of Model.buffers, resolved. */
typedef struct {
  const uint8_t* data; /* NULL when the buffer holds no data */
  uint64_t size;
  int has_data;        /* a data vector (possibly empty) or external data is present */
  const uint8_t* aligned; /* aligned copy, made on first need */
  size_t aligned_to;
} ld_buffer;

typedef struct {
  tflrt_model* m;
  const uint8_t* buf;
  size_t size;
  char* err;
  size_t err_cap;
  int failed;            /* first error already written */
  int status;            /* status of that first error */
  size_t meta_budget;    /* bytes of metadata still allowed */
  ld_buffer* buffers;    /* m->n_buffers entries, temporary */
  char where[112];       /* what is being decoded, for allocation errors */
} ld_ctx;

/* Writes the first error message (later ones are dropped) and returns status. */
int ld_fail(ld_ctx* c, int status, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* After a failed ld_alloc / ld_copy_i32: the status of the error it reported (TFLRT_ERR_NOMEM,
 * or TFLRT_ERR_MODEL when the metadata budget was exceeded). */
#define LD_ALLOC_STATUS(c) ((c)->failed ? (c)->status : TFLRT_ERR_NOMEM)

/* Zeroed metadata allocation of n * elem bytes (at least 1 byte, 16-aligned), owned by the
 * model and counted against the budget. NULL after writing an error. */
void* ld_alloc(ld_ctx* c, size_t n, size_t elem);
/* Owned allocation not counted against the metadata budget (aligned copies of data). */
void* ld_alloc_data(ld_ctx* c, size_t bytes);
/* Copies an int32 vector; *out is never NULL on success. */
int ld_copy_i32(ld_ctx* c, const fb_vec* v, int32_t** out);

/* Printable, bounded copy of a name from the file for error messages. */
const char* ld_printable(const char* s, char* out, size_t cap);
#define LD_NAME_CAP 72

/* Decodes tensor `idx` of subgraph `sg` into *out (tensors.c). */
int ld_decode_tensor(ld_ctx* c, int32_t sg, int32_t idx, const fb_table* t, tflrt_mtensor* out);
/* Graph checks of one decoded subgraph (validate.c). */
int ld_validate_subgraph(ld_ctx* c, int32_t sg);

#endif
