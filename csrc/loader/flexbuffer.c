/* Bounds-checked FlexBuffers reader (see flexbuffer.h for the layout). */
#include "flexbuffer.h"

#include <math.h>
#include <string.h>

static int valid_width(uint64_t w) { return w == 1 || w == 2 || w == 4 || w == 8; }

/* Whether [pos, pos + n) lies inside the buffer. */
static int inside(const uint8_t* buf, size_t size, size_t pos, size_t n) {
  (void)buf;
  return pos <= size && n <= size - pos;
}

static int read_uint(const uint8_t* buf, size_t size, size_t pos, size_t width, uint64_t* out) {
  if (!valid_width(width) || !inside(buf, size, pos, width)) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < width; i++) v |= (uint64_t)buf[pos + i] << (8 * i);
  *out = v;
  return 0;
}

static int read_int(const uint8_t* buf, size_t size, size_t pos, size_t width, int64_t* out) {
  uint64_t u;
  if (read_uint(buf, size, pos, width, &u)) return -1;
  if (width < 8 && (u >> (8 * width - 1)) & 1) u |= ~UINT64_C(0) << (8 * width); /* sign-extend */
  memcpy(out, &u, sizeof u);
  return 0;
}

static int read_float(const uint8_t* buf, size_t size, size_t pos, size_t width, double* out) {
  if (!inside(buf, size, pos, width)) return -1;
  if (width == 4) {
    float f;
    memcpy(&f, buf + pos, 4);
    *out = f;
    return 0;
  }
  if (width == 8) {
    memcpy(out, buf + pos, 8);
    return 0;
  }
  return -1; /* a float slot narrower than 4 bytes is not written by any encoder */
}

/* Target of the offset stored at pos (width bytes). */
static int follow(const uint8_t* buf, size_t size, size_t pos, size_t width, size_t* target) {
  uint64_t off;
  if (read_uint(buf, size, pos, width, &off) || off > pos) return -1;
  *target = pos - (size_t)off;
  return 0;
}

static void set_ref(flex_ref* r, const uint8_t* buf, size_t size, size_t pos, uint8_t parent_width,
                    uint8_t packed) {
  r->buf = buf;
  r->size = size;
  r->pos = pos;
  r->parent_width = parent_width;
  r->child_width = (uint8_t)(1u << (packed & 3u));
  r->type = (uint8_t)(packed >> 2);
}

int flex_root(const uint8_t* buf, size_t size, flex_ref* out) {
  memset(out, 0, sizeof *out);
  if (buf == NULL || size < 3) return -1;
  const uint8_t width = buf[size - 1];
  if (!valid_width(width) || size < 2u + width) return -1;
  set_ref(out, buf, size, size - 2 - width, width, buf[size - 2]);
  return 0;
}

/* Compares the NUL-terminated key stored at pos with `key`; -1 when unterminated. */
static int key_equals(const uint8_t* buf, size_t size, size_t pos, const char* key, int* equal) {
  const size_t n = strlen(key);
  const uint8_t* end = pos < size ? memchr(buf + pos, 0, size - pos) : NULL;
  if (end == NULL) return -1;
  *equal = (size_t)(end - (buf + pos)) == n && memcmp(buf + pos, key, n) == 0;
  return 0;
}

int flex_map_get(const flex_ref* map, const char* key, flex_ref* out, int* found) {
  *found = 0;
  memset(out, 0, sizeof *out);
  out->buf = map->buf;
  out->size = map->size;
  out->parent_width = out->child_width = 1;
  out->type = FLEX_NULL;
  if (map->type != FLEX_MAP) return -1;
  const uint8_t* buf = map->buf;
  const size_t size = map->size, bw = map->child_width;
  size_t vals;
  uint64_t count, keys_width;
  if (follow(buf, size, map->pos, map->parent_width, &vals) || vals < 3 * bw) return -1;
  if (read_uint(buf, size, vals - bw, bw, &count) || read_uint(buf, size, vals - 2 * bw, bw, &keys_width))
    return -1;
  if (!valid_width(keys_width)) return -1;
  /* values (count slots of bw bytes) then count packed types */
  if (count > size || !inside(buf, size, vals, (size_t)count * (bw + 1))) return -1;
  size_t keys;
  if (follow(buf, size, vals - 3 * bw, bw, &keys) || !inside(buf, size, keys, (size_t)count * keys_width))
    return -1;
  /* Linear scan: maps in options are small, and a scan does not depend on the keys being
   * sorted (a malformed file may not sort them). */
  for (uint64_t i = 0; i < count; i++) {
    size_t key_pos;
    int equal = 0;
    if (follow(buf, size, keys + (size_t)i * keys_width, (size_t)keys_width, &key_pos) ||
        key_equals(buf, size, key_pos, key, &equal))
      return -1;
    if (!equal) continue;
    set_ref(out, buf, size, vals + (size_t)i * bw, (uint8_t)bw, buf[vals + (size_t)count * bw + (size_t)i]);
    *found = 1;
    return 0;
  }
  return 0;
}

/* The numeric value of r: *is_float selects *f, else *i (or *u for unsigned kinds). */
typedef struct {
  int kind; /* 0 signed, 1 unsigned, 2 float */
  int64_t i;
  uint64_t u;
  double f;
} flex_number;

static int number_of(const flex_ref* r, flex_number* n) {
  memset(n, 0, sizeof *n);
  size_t target;
  switch (r->type) {
    case FLEX_NULL:
      return 0;
    case FLEX_INT:
      return read_int(r->buf, r->size, r->pos, r->parent_width, &n->i);
    case FLEX_UINT:
    case FLEX_BOOL:
      n->kind = 1;
      return read_uint(r->buf, r->size, r->pos, r->parent_width, &n->u);
    case FLEX_FLOAT:
      n->kind = 2;
      return read_float(r->buf, r->size, r->pos, r->parent_width, &n->f);
    case FLEX_INDIRECT_INT:
      if (follow(r->buf, r->size, r->pos, r->parent_width, &target)) return -1;
      return read_int(r->buf, r->size, target, r->child_width, &n->i);
    case FLEX_INDIRECT_UINT:
      n->kind = 1;
      if (follow(r->buf, r->size, r->pos, r->parent_width, &target)) return -1;
      return read_uint(r->buf, r->size, target, r->child_width, &n->u);
    case FLEX_INDIRECT_FLOAT:
      n->kind = 2;
      if (follow(r->buf, r->size, r->pos, r->parent_width, &target)) return -1;
      return read_float(r->buf, r->size, target, r->child_width, &n->f);
    default:
      return -1; /* strings, keys, vectors, maps, blobs: not scalars */
  }
}

int flex_as_int64(const flex_ref* r, int64_t* out) {
  flex_number n;
  if (number_of(r, &n)) return -1;
  if (n.kind == 0) {
    *out = n.i;
  } else if (n.kind == 1) {
    if (n.u > (uint64_t)INT64_MAX) return -1;
    *out = (int64_t)n.u;
  } else {
    if (!(n.f > -9.2e18 && n.f < 9.2e18)) return -1; /* NaN or beyond int64 */
    *out = (int64_t)n.f;                              /* truncation, as the library does */
  }
  return 0;
}

int flex_as_int32(const flex_ref* r, int32_t* out) {
  int64_t v;
  if (flex_as_int64(r, &v) || v < INT32_MIN || v > INT32_MAX) return -1;
  *out = (int32_t)v;
  return 0;
}

int flex_as_double(const flex_ref* r, double* out) {
  flex_number n;
  if (number_of(r, &n)) return -1;
  *out = n.kind == 0 ? (double)n.i : n.kind == 1 ? (double)n.u : n.f;
  return 0;
}

int flex_as_float(const flex_ref* r, float* out) {
  double d;
  if (flex_as_double(r, &d)) return -1;
  if (isfinite(d) && (d > 3.4028234663852886e38 || d < -3.4028234663852886e38)) return -1;
  *out = (float)d;
  return 0;
}

int flex_as_bool(const flex_ref* r, int* out) {
  flex_number n;
  if (number_of(r, &n)) return -1;
  if (n.kind == 2) {
    if (isnan(n.f)) return -1;
    *out = n.f >= 1.0 || n.f <= -1.0; /* the library truncates to an integer, then tests != 0 */
  } else {
    *out = n.kind == 0 ? n.i != 0 : n.u != 0;
  }
  return 0;
}
