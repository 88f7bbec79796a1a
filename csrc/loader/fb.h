/* Bounds-checked FlatBuffers reader (little-endian hosts).
 *
 * Every accessor checks the bytes it touches against the buffer before reading them, and
 * reads through memcpy so that unaligned data in a hostile file is never dereferenced as a
 * wider type. Accessors return 0 on success and -1 when the buffer is malformed; absent
 * fields are not errors and yield the caller's default.
 *
 * Layout facts used here (FlatBuffers binary format):
 *   root:   u32 offset at byte 0 to the root table; 4-byte file identifier at bytes 4..7
 *   table:  i32 at the table start = table_pos - vtable_pos
 *   vtable: u16 vtable bytes, u16 table bytes, then one u16 offset per field slot (0 = absent)
 *   offset fields (table, vector, string): u32 at the field, target = field_pos + value
 *   vector: u32 element count, then the elements; string: u32 length, bytes, NUL
 *   union:  a u8 type field at slot k and an offset field at slot k+1 */
#ifndef TFLITE_RT_FB_H
#define TFLITE_RT_FB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t* buf;
  size_t size;
  size_t pos;      /* table start */
  size_t vt;       /* vtable start */
  uint16_t vt_len; /* vtable bytes */
} fb_table;

typedef struct {
  const uint8_t* buf;
  size_t size;
  size_t pos;   /* first element */
  uint32_t len; /* element count */
} fb_vec;

/* Root table of a buffer. Also checks the 4-byte identifier when ident != NULL. */
int fb_root(const uint8_t* buf, size_t size, const char* ident, fb_table* out);

/* Whether a field slot is present in the table. */
int fb_has(const fb_table* t, int slot);

/* Scalars: *out = default when absent. */
int fb_u8(const fb_table* t, int slot, uint8_t dflt, uint8_t* out);
int fb_i8(const fb_table* t, int slot, int8_t dflt, int8_t* out);
int fb_bool(const fb_table* t, int slot, int dflt, int* out);
int fb_u16(const fb_table* t, int slot, uint16_t dflt, uint16_t* out);
int fb_i16(const fb_table* t, int slot, int16_t dflt, int16_t* out);
int fb_i32(const fb_table* t, int slot, int32_t dflt, int32_t* out);
int fb_u32(const fb_table* t, int slot, uint32_t dflt, uint32_t* out);
int fb_i64(const fb_table* t, int slot, int64_t dflt, int64_t* out);
int fb_u64(const fb_table* t, int slot, uint64_t dflt, uint64_t* out);
int fb_f32(const fb_table* t, int slot, float dflt, float* out);

/* Sub-table; *present = 0 (and *out zeroed) when the field is absent. */
int fb_table_field(const fb_table* t, int slot, fb_table* out, int* present);
/* Vector of elements of elem_size bytes; an absent field gives len 0. The whole vector is
 * checked to lie inside the buffer. */
int fb_vec_field(const fb_table* t, int slot, size_t elem_size, fb_vec* out);
/* String: *s points at NUL-terminated bytes inside the buffer (the NUL is checked), or NULL
 * when absent. */
int fb_str_field(const fb_table* t, int slot, const char** s, uint32_t* len);

/* Vector elements (index checked against len). */
int fb_vec_table(const fb_vec* v, uint32_t i, fb_table* out);
int fb_vec_str(const fb_vec* v, uint32_t i, const char** s, uint32_t* len);
int32_t fb_vec_i32_at(const fb_vec* v, uint32_t i);   /* caller checked i < len */
int64_t fb_vec_i64_at(const fb_vec* v, uint32_t i);
float fb_vec_f32_at(const fb_vec* v, uint32_t i);
uint8_t fb_vec_u8_at(const fb_vec* v, uint32_t i);
const uint8_t* fb_vec_data(const fb_vec* v);

#endif
