/* tflite_rt public types: tensor element types (values equal TFLite's TensorType enum),
 * status codes, limits. Part of the stable C API seen by Cython and plugins. */
#ifndef TFLITE_RT_TYPES_H
#define TFLITE_RT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. The numeric values are those of the .tflite schema's TensorType. */
typedef enum {
  TFLRT_FLOAT32 = 0,
  TFLRT_FLOAT16 = 1,
  TFLRT_INT32 = 2,
  TFLRT_UINT8 = 3,
  TFLRT_INT64 = 4,
  TFLRT_STRING = 5,
  TFLRT_BOOL = 6,
  TFLRT_INT16 = 7,
  TFLRT_COMPLEX64 = 8,
  TFLRT_INT8 = 9,
  TFLRT_FLOAT64 = 10,
  TFLRT_COMPLEX128 = 11,
  TFLRT_UINT64 = 12,
  TFLRT_RESOURCE = 13,
  TFLRT_VARIANT = 14,
  TFLRT_UINT32 = 15,
  TFLRT_UINT16 = 16,
  TFLRT_INT4 = 17,
  TFLRT_BFLOAT16 = 18,
  TFLRT_TYPE_COUNT = 23 /* schema values 0..22 exist; 19..22 are unsupported here */
} tflrt_type;

/* Status codes. Each maps to one Python exception type in tflite_rt/errors.py. */
typedef enum {
  TFLRT_OK = 0,
  TFLRT_ERR_RUNTIME = 1,     /* RuntimeError: prepare/invoke failure, bad state */
  TFLRT_ERR_MODEL = 2,       /* ModelError(ValueError): malformed or inconsistent model */
  TFLRT_ERR_UNSUPPORTED = 3, /* UnsupportedOpError(ValueError): op/version/type not implemented */
  TFLRT_ERR_VALUE = 4,       /* ValueError: bad argument from the caller */
  TFLRT_ERR_NOMEM = 5        /* MemoryError: allocation failed or over the configured limit */
} tflrt_status;

#define TFLRT_MAX_DIMS 8          /* highest tensor rank accepted */
#define TFLRT_ALIGN 64            /* arena base and per-tensor offset alignment */
#define TFLRT_ERR_CAP 1024        /* bytes of the per-interpreter error buffer */

/* Bytes per element; 0 for types that have no fixed size or that we do not store
 * (STRING, RESOURCE, VARIANT, INT4 packed). */
size_t tflrt_type_size(int32_t type);
/* Upper-case name as TFLite prints it ("FLOAT32"), "UNKNOWN" when out of range. */
const char* tflrt_type_name(int32_t type);

#ifdef __cplusplus
}
#endif
#endif
