/* Element type sizes and names (tflite_rt/types.h). */
#include "tflite_rt/types.h"

/* Indexed by the schema's TensorType value. size 0: no fixed per-element size in bytes
 * (STRING, VARIANT) or sub-byte packed (INT4, INT2, UINT4). A RESOURCE tensor holds one int32
 * handle naming a resource variable of the interpreter. */
static const struct {
  const char* name;
  unsigned char size;
} k_types[TFLRT_TYPE_COUNT] = {
    [0] = {"FLOAT32", 4},     [1] = {"FLOAT16", 2},     [2] = {"INT32", 4},
    [3] = {"UINT8", 1},       [4] = {"INT64", 8},       [5] = {"STRING", 0},
    [6] = {"BOOL", 1},        [7] = {"INT16", 2},       [8] = {"COMPLEX64", 8},
    [9] = {"INT8", 1},        [10] = {"FLOAT64", 8},    [11] = {"COMPLEX128", 16},
    [12] = {"UINT64", 8},     [13] = {"RESOURCE", 4},   [14] = {"VARIANT", 0},
    [15] = {"UINT32", 4},     [16] = {"UINT16", 2},     [17] = {"INT4", 0},
    [18] = {"BFLOAT16", 2},   [19] = {"INT2", 0},       [20] = {"UINT4", 0},
    [21] = {"FLOAT8E4M3FN", 1}, [22] = {"FLOAT8E5M2", 1},
};

size_t tflrt_type_size(int32_t type) {
  if (type < 0 || type >= TFLRT_TYPE_COUNT) return 0;
  return k_types[type].size;
}

const char* tflrt_type_name(int32_t type) {
  if (type < 0 || type >= TFLRT_TYPE_COUNT) return "UNKNOWN";
  return k_types[type].name;
}
