/* Names of the builtin operators, spelled as TFLite prints them ("CONV_2D"). */
#include "model.h"
#include "schema.h"

#define TFLRT_OP_NAME_ENTRY(name, code) [code] = #name,
static const char* const k_builtin_names[TFLRT_OP_COUNT] = {TFLRT_BUILTIN_OPS(TFLRT_OP_NAME_ENTRY)};
#undef TFLRT_OP_NAME_ENTRY

const char* tflrt_builtin_name(int32_t code) {
  if (code < 0 || code >= TFLRT_OP_COUNT) return NULL;
  return k_builtin_names[code];
}
