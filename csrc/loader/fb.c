/* Bounds-checked FlatBuffers reader. See fb.h for the format facts it relies on. */
#include "fb.h"

#include <string.h>

static int in_bounds(size_t size, size_t pos, size_t n) { return pos <= size && n <= size - pos; }

static uint16_t rd_u16(const uint8_t* p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd_u32(const uint8_t* p) { uint32_t v; memcpy(&v, p, 4); return v; }
static int32_t rd_i32(const uint8_t* p) { int32_t v; memcpy(&v, p, 4); return v; }

static int table_at(const uint8_t* buf, size_t size, size_t pos, fb_table* out) {
  if (!in_bounds(size, pos, 4) || (pos & 3u)) return -1;
  int64_t vt = (int64_t)pos - (int64_t)rd_i32(buf + pos);
  if (vt < 0 || !in_bounds(size, (size_t)vt, 4)) return -1;
  uint16_t vt_len = rd_u16(buf + vt);
  uint16_t tb_len = rd_u16(buf + vt + 2);
  if (vt_len < 4 || (vt_len & 1u) || !in_bounds(size, (size_t)vt, vt_len)) return -1;
  if (tb_len < 4 || !in_bounds(size, pos, tb_len)) return -1;
  out->buf = buf;
  out->size = size;
  out->pos = pos;
  out->vt = (size_t)vt;
  out->vt_len = vt_len;
  return 0;
}

int fb_root(const uint8_t* buf, size_t size, const char* ident, fb_table* out) {
  if (buf == NULL || size < 8) return -1;
  if (ident != NULL && memcmp(buf + 4, ident, 4) != 0) return -1;
  return table_at(buf, size, rd_u32(buf), out);
}

/* Position of a field's bytes, or 0 when absent; -1 when the field lies outside the table. */
static int64_t field_pos(const fb_table* t, int slot, size_t width) {
  size_t e = 4 + 2 * (size_t)slot;
  if (slot < 0 || e + 2 > t->vt_len) return 0;
  uint16_t off = rd_u16(t->buf + t->vt + e);
  if (off == 0) return 0;
  uint16_t tb_len = rd_u16(t->buf + t->vt + 2);
  if ((size_t)off + width > tb_len) return -1;
  return (int64_t)(t->pos + off);
}

int fb_has(const fb_table* t, int slot) { return field_pos(t, slot, 1) > 0; }

#define FB_SCALAR(fn, T)                                        \
  int fn(const fb_table* t, int slot, T dflt, T* out) {         \
    int64_t p = field_pos(t, slot, sizeof(T));                  \
    if (p < 0) return -1;                                       \
    if (p == 0) { *out = dflt; return 0; }                      \
    memcpy(out, t->buf + p, sizeof(T));                         \
    return 0;                                                   \
  }
FB_SCALAR(fb_u8, uint8_t)
FB_SCALAR(fb_i8, int8_t)
FB_SCALAR(fb_u16, uint16_t)
FB_SCALAR(fb_i16, int16_t)
FB_SCALAR(fb_i32, int32_t)
FB_SCALAR(fb_u32, uint32_t)
FB_SCALAR(fb_i64, int64_t)
FB_SCALAR(fb_u64, uint64_t)
FB_SCALAR(fb_f32, float)

int fb_bool(const fb_table* t, int slot, int dflt, int* out) {
  uint8_t v;
  if (fb_u8(t, slot, (uint8_t)(dflt != 0), &v)) return -1;
  *out = v != 0;
  return 0;
}

/* Follows an offset field; *target = 0 when absent. */
static int deref(const fb_table* t, int slot, size_t* target) {
  int64_t p = field_pos(t, slot, 4);
  if (p < 0) return -1;
  if (p == 0) { *target = 0; return 0; }
  uint32_t off = rd_u32(t->buf + p);
  if (off == 0) return -1;
  size_t tg = (size_t)p + off;
  if (tg < (size_t)p || tg >= t->size) return -1;
  *target = tg;
  return 0;
}

int fb_table_field(const fb_table* t, int slot, fb_table* out, int* present) {
  size_t tg;
  memset(out, 0, sizeof(*out));
  *present = 0;
  if (deref(t, slot, &tg)) return -1;
  if (tg == 0) return 0;
  if (table_at(t->buf, t->size, tg, out)) return -1;
  *present = 1;
  return 0;
}

static int vec_at(const uint8_t* buf, size_t size, size_t tg, size_t elem_size, fb_vec* out) {
  if (!in_bounds(size, tg, 4)) return -1;
  uint32_t n = rd_u32(buf + tg);
  if ((uint64_t)n * elem_size > (uint64_t)(size - tg - 4)) return -1;
  out->buf = buf;
  out->size = size;
  out->pos = tg + 4;
  out->len = n;
  return 0;
}

int fb_vec_field(const fb_table* t, int slot, size_t elem_size, fb_vec* out) {
  size_t tg;
  memset(out, 0, sizeof(*out));
  out->buf = t->buf;
  out->size = t->size;
  if (deref(t, slot, &tg)) return -1;
  if (tg == 0) return 0;
  return vec_at(t->buf, t->size, tg, elem_size, out);
}

static int str_at(const uint8_t* buf, size_t size, size_t tg, const char** s, uint32_t* len) {
  fb_vec v;
  if (vec_at(buf, size, tg, 1, &v)) return -1;
  if (!in_bounds(size, v.pos, (size_t)v.len + 1) || buf[v.pos + v.len] != 0) return -1;
  *s = (const char*)(buf + v.pos);
  if (len) *len = v.len;
  return 0;
}

int fb_str_field(const fb_table* t, int slot, const char** s, uint32_t* len) {
  size_t tg;
  *s = NULL;
  if (len) *len = 0;
  if (deref(t, slot, &tg)) return -1;
  if (tg == 0) return 0;
  return str_at(t->buf, t->size, tg, s, len);
}

static int vec_deref(const fb_vec* v, uint32_t i, size_t* tg) {
  if (i >= v->len) return -1;
  size_t p = v->pos + 4 * (size_t)i;
  if (!in_bounds(v->size, p, 4)) return -1;
  uint32_t off = rd_u32(v->buf + p);
  size_t t = p + off;
  if (off == 0 || t < p || t >= v->size) return -1;
  *tg = t;
  return 0;
}

int fb_vec_table(const fb_vec* v, uint32_t i, fb_table* out) {
  size_t tg;
  if (vec_deref(v, i, &tg)) return -1;
  return table_at(v->buf, v->size, tg, out);
}

int fb_vec_str(const fb_vec* v, uint32_t i, const char** s, uint32_t* len) {
  size_t tg;
  if (vec_deref(v, i, &tg)) return -1;
  return str_at(v->buf, v->size, tg, s, len);
}

int32_t fb_vec_i32_at(const fb_vec* v, uint32_t i) { return rd_i32(v->buf + v->pos + 4 * (size_t)i); }
int64_t fb_vec_i64_at(const fb_vec* v, uint32_t i) {
  int64_t x;
  memcpy(&x, v->buf + v->pos + 8 * (size_t)i, 8);
  return x;
}
float fb_vec_f32_at(const fb_vec* v, uint32_t i) {
  float x;
  memcpy(&x, v->buf + v->pos + 4 * (size_t)i, 4);
  return x;
}
uint8_t fb_vec_u8_at(const fb_vec* v, uint32_t i) { return v->buf[v->pos + i]; }
const uint8_t* fb_vec_data(const fb_vec* v) { return v->len ? v->buf + v->pos : NULL; }
