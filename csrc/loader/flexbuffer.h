/* Bounds-checked reader for FlexBuffers, the self-describing format of custom op options
 * (Operator.custom_options with custom_options_format FLEXBUFFERS). Only what ops need: the root
 * value, lookup of a key in a map, and scalars (int, uint, float, bool, null, direct or
 * indirect). Every byte is checked against the buffer before it is read (the options come from
 * untrusted files); accessors return 0 on success and -1 when the bytes are malformed or the
 * value is not of a convertible kind.
 *
 * Layout facts used here (FlexBuffers binary format, little-endian):
 *   buffer end:  ... root value (W bytes) | root packed type (1 byte) | W (1 byte: 1, 2, 4, 8)
 *   packed type: (type << 2) | log2(child byte width); the child width sizes what an offset
 *                points at (the elements of a vector, the bytes of an indirect scalar)
 *   offsets:     unsigned, counted backwards: target = position of the offset - its value
 *   map:         [keys offset][keys byte width][count] | count values | count packed types;
 *                the three header fields are one child width each, just before the values; the
 *                keys are a typed vector of KEY offsets to NUL-terminated strings
 *   scalars:     INT/UINT/BOOL/FLOAT inline in the parent's width; INDIRECT_* via an offset,
 *                in the child width. */
#ifndef TFLITE_RT_FLEXBUFFER_H
#define TFLITE_RT_FLEXBUFFER_H

#include <stddef.h>
#include <stdint.h>

/* Value types (upper 6 bits of a packed type), as the format defines them. */
enum {
  FLEX_NULL = 0,
  FLEX_INT = 1,
  FLEX_UINT = 2,
  FLEX_FLOAT = 3,
  FLEX_KEY = 4,
  FLEX_STRING = 5,
  FLEX_INDIRECT_INT = 6,
  FLEX_INDIRECT_UINT = 7,
  FLEX_INDIRECT_FLOAT = 8,
  FLEX_MAP = 9,
  FLEX_VECTOR = 10,
  FLEX_BOOL = 26
};

/* One value: where it sits and how it is typed. */
typedef struct {
  const uint8_t* buf;
  size_t size;
  size_t pos;            /* the value (or its offset) starts here */
  uint8_t parent_width;  /* bytes of the value slot: 1, 2, 4 or 8 */
  uint8_t child_width;   /* bytes of what an offset points at: 1, 2, 4 or 8 */
  uint8_t type;          /* FLEX_* */
} flex_ref;

/* The root value of a buffer. */
int flex_root(const uint8_t* buf, size_t size, flex_ref* out);

/* Looks `key` up in a map (r->type == FLEX_MAP). *found = 0 and *out is a NULL value when the
 * key is absent (not an error: absent options take defaults). */
int flex_map_get(const flex_ref* map, const char* key, flex_ref* out, int* found);

/* Scalar conversions, as the FlexBuffers library converts (NULL reads as 0 / false, bool as
 * 0 / 1, a float truncates toward zero when read as an integer). Fail for strings, vectors,
 * maps, NaN or out-of-range values. */
int flex_as_int64(const flex_ref* r, int64_t* out);
int flex_as_int32(const flex_ref* r, int32_t* out);
int flex_as_double(const flex_ref* r, double* out);
int flex_as_float(const flex_ref* r, float* out); /* fails when the value overflows a float */
int flex_as_bool(const flex_ref* r, int* out);

#endif
