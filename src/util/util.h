/*
** util.h: allocation, growable buffers, arenas, errors and small helpers
** shared by every module.  Nothing here knows about names, records or HTTP.
*/
#ifndef LIAISON_UTIL_H
#define LIAISON_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "liaison.h"

/* Allocation.  Everything the library allocates goes through these so that
** LIAISON_FAIL_ALLOC=N can fail the Nth allocation (OOM tests) and debug
** builds can count what is never freed. */
void *util_malloc(size_t n);
void *util_calloc(size_t n, size_t size);
/* For large arrays read at random (index tables, per-name scratch): from
** 2 MiB up, aligned to 2 MiB and backed by huge pages where the kernel
** gives them (madvise), so that random reads miss the TLB less.  Freed
** with util_free.  util_calloc_big zeroes. */
void *util_malloc_big(size_t n);
void *util_calloc_big(size_t n, size_t size);
void *util_realloc(void *p, size_t n);
void util_free(void *p);
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);
void *util_memdup(const void *p, size_t n);

/* Allocation accounting (tests).  util_alloc_live() is the number of
** allocations not yet freed; util_alloc_fail_at(n) makes the nth following
** allocation fail (0 disables). */
long util_alloc_live(void);
void util_alloc_fail_at(long n);

/* Errors: fill err (if not NULL) and return code. */
int util_err(struct liaison_err *err, int code, long line, long col,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int util_verr(struct liaison_err *err, int code, long line, long col,
              const char *fmt, va_list ap);

/* Growable byte buffer with a hard cap (curl dynbuf).  Always kept
** NUL-terminated when len > 0 or after util_buf_str(). */
typedef struct util_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;                 /* hard limit; growing past it is ETOOBIG */
} util_buf;

void util_buf_init(util_buf *b, size_t max);
void util_buf_fini(util_buf *b);
void util_buf_reset(util_buf *b);
int util_buf_reserve(util_buf *b, size_t extra);
int util_buf_add(util_buf *b, const void *p, size_t n);
int util_buf_addc(util_buf *b, char c);
int util_buf_adds(util_buf *b, const char *s);
int util_buf_printf(util_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int util_buf_add_key(util_buf *b, const char *key, int comma);
/* Append s as a JSON string literal (with quotes), escaping as needed. */
int util_buf_add_json_str(util_buf *b, const char *s, size_t n);
/* The contents as a NUL-terminated string ("" when empty); borrowed. */
const char *util_buf_str(util_buf *b);
/* Take ownership of the contents; the buffer is left empty. */
char *util_buf_take(util_buf *b);

/* Arena: many small allocations freed together. */
typedef struct util_arena_block util_arena_block;
typedef struct util_arena {
    util_arena_block *head;
    size_t block_size;
    size_t total;               /* bytes held */
} util_arena;

void util_arena_init(util_arena *a, size_t block_size);
void util_arena_fini(util_arena *a);
void util_arena_reset(util_arena *a);   /* keeps the first block */
void *util_arena_alloc(util_arena *a, size_t n);        /* 8-byte aligned */
char *util_arena_strdup(util_arena *a, const char *s);
char *util_arena_strndup(util_arena *a, const char *s, size_t n);


/* String map: byte strings to uint32 values, open addressing.  Keys are
** copied into the map's arena.  Not thread-safe for writes; concurrent
** reads of a map nobody writes are safe. */
typedef struct util_strmap_slot {
    uint64_t hash;
    const char *key;            /* NULL: empty slot */
    uint32_t len;
    uint32_t val;
} util_strmap_slot;

typedef struct util_strmap {
    util_strmap_slot *slots;
    size_t cap;                 /* power of two */
    size_t count;
    util_arena keys;
} util_strmap;

void util_strmap_init(util_strmap *m);
void util_strmap_fini(util_strmap *m);
/* Value of key, or -1 when absent. */
int64_t util_strmap_get(const util_strmap *m, const char *key, size_t len);
/* Insert key with val unless present.  *found (if not NULL) tells whether
** it was there; *val_out (if not NULL) gets the stored value. */
int util_strmap_put(util_strmap *m, const char *key, size_t len, uint32_t val,
                    int *found /* OUT */, uint32_t *val_out /* OUT */);
/* Heap bytes held by the map. */
size_t util_strmap_bytes(const util_strmap *m);

/* Time. */
uint64_t util_now_us(void);             /* monotonic microseconds */
int64_t util_unix_time(void);           /* wall clock seconds */

/* Files. */
int util_read_file(const char *path, size_t max, char **out /* OUT */,
                   size_t *len /* OUT */, struct liaison_err *err);

/* Strings. */
int util_streq_nocase(const char *a, const char *b);   /* ASCII only */
size_t util_strlcpy(char *dst, const char *src, size_t size);
/* Parse a decimal integer in [lo,hi]; whole string must be a number. */
int util_parse_long(const char *s, long lo, long hi, long *out /* OUT */);
int util_parse_double(const char *s, double *out /* OUT */);

/* Hashing (64-bit FNV-1a variant with a final mix; not cryptographic). */
uint64_t util_hash(const void *p, size_t n);

/* Countries: turn an ISO 3166-1 alpha-2 or alpha-3 code (any case), or an
** ICAO 9303 code (D for Germany, GBD, UNA, XXA, ...), into the alpha-3
** code as stored.  Returns NULL for an unknown code.  The returned string
** is static. */
const char *util_country_alpha3(const char *code);
/* Countries by name, as the UN and OFAC lists and people write them
** ("Iraq", "Syrian Arab Republic", "Korea, North", "Türkiye"/"Turkey"):
** the alpha-3 code, or NULL for an unknown name.  Case, Latin accents and
** surrounding blanks are ignored.  The returned string is static. */
const char *util_country_from_name(const char *name);

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UTIL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UTIL_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif /* LIAISON_UTIL_H */
