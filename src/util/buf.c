/*
** buf.c: growable byte buffers with a hard cap, and arenas.
**
** A util_buf grows geometrically up to its `max`; growing past it fails with
** LIAISON_ETOOBIG and leaves the contents as they were (curl's dynbuf does
** the same with its `toobig`).  An arena hands out 8-byte aligned pieces of
** large blocks, all freed at once.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void util_buf_init(util_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : (size_t)1 << 30;
}

void util_buf_fini(util_buf *b)
{
    util_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void util_buf_reset(util_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* Make room for `extra` more bytes plus a terminating NUL. */
int util_buf_reserve(util_buf *b, size_t extra)
{
    size_t need, ncap;
    char *np;
    if (extra > b->max || b->len > b->max - extra)
        return LIAISON_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return LIAISON_OK;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    np = util_realloc(b->p, ncap);
    if (!np)
        return LIAISON_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return LIAISON_OK;
}

int util_buf_add(util_buf *b, const void *p, size_t n)
{
    int rc = util_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return LIAISON_OK;
}

int util_buf_addc(util_buf *b, char c)
{
    return util_buf_add(b, &c, 1);
}

int util_buf_adds(util_buf *b, const char *s)
{
    return util_buf_add(b, s, strlen(s));
}

/* Formatted into the room the buffer has, in one pass; only output that
** does not fit is formatted again, after growing the buffer. */
int util_buf_printf(util_buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n, rc;
    va_start(ap, fmt);
    n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (room)
            b->p[b->len] = '\0';
        return LIAISON_EINVAL;
    }
    if ((size_t)n < room) {     /* cap <= max + 1: within the limit too */
        b->len += (size_t)n;
        return LIAISON_OK;
    }
    if (room)
        b->p[b->len] = '\0';   /* as it was, should growing fail */
    rc = util_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LIAISON_OK;
}

/* A JSON object key, "key": (after a comma when comma is set).  The key
** is the caller's literal: it is not escaped. */
int util_buf_add_key(util_buf *b, const char *key, int comma)
{
    size_t n = strlen(key);
    int rc = util_buf_reserve(b, n + 4);
    if (rc)
        return rc;
    if (comma)
        b->p[b->len++] = ',';
    b->p[b->len++] = '"';
    memcpy(b->p + b->len, key, n);
    b->len += n;
    b->p[b->len++] = '"';
    b->p[b->len++] = ':';
    b->p[b->len] = '\0';
    return LIAISON_OK;
}

/* JSON string escaping (RFC 8259): quotes, backslash and control
** characters; other bytes are copied, as the input is valid UTF-8. */
int util_buf_add_json_str(util_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;
    int rc = util_buf_addc(b, '"');
    for (i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run)
            rc = util_buf_add(b, s + i - run, run);
        run = 0;
        if (rc)
            break;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        }
        rc = util_buf_adds(b, esc);
    }
    if (!rc && run)
        rc = util_buf_add(b, s + n - run, run);
    if (!rc)
        rc = util_buf_addc(b, '"');
    return rc;
}

const char *util_buf_str(util_buf *b)
{
    return b->p ? b->p : "";
}

char *util_buf_take(util_buf *b)
{
    char *p = b->p;
    if (!p)
        p = util_strdup("");
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---------------------------------------------------------------- arena */

struct util_arena_block {
    util_arena_block *next;
    size_t size;
    size_t used;
    /* followed by the data, 16-byte aligned */
    _Alignas(16) unsigned char data[];
};

void util_arena_init(util_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void util_arena_fini(util_arena *a)
{
    util_arena_block *blk = a->head;
    while (blk) {
        util_arena_block *next = blk->next;
        util_free(blk);
        blk = next;
    }
    a->head = NULL;
    a->total = 0;
}

void util_arena_reset(util_arena *a)
{
    util_arena_block *blk;
    if (!a->head)
        return;
    blk = a->head->next;
    while (blk) {
        util_arena_block *next = blk->next;
        a->total -= blk->size;
        util_free(blk);
        blk = next;
    }
    a->head->next = NULL;
    a->head->used = 0;
}

void *util_arena_alloc(util_arena *a, size_t n)
{
    util_arena_block *blk = a->head;
    void *p;
    n = (n + 7) & ~(size_t)7;
    if (!blk || blk->size - blk->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        util_arena_block *nb = util_malloc(sizeof(*nb) + size);
        if (!nb)
            return NULL;
        nb->size = size;
        nb->used = 0;
        a->total += size;
        if (blk && n > a->block_size) {
            /* An oversized piece: keep the current block in front. */
            nb->next = blk->next;
            blk->next = nb;
        } else {
            nb->next = blk;
            a->head = nb;
        }
        blk = nb;
    }
    p = blk->data + blk->used;
    blk->used += n;
    return p;
}

char *util_arena_strndup(util_arena *a, const char *s, size_t n)
{
    char *p = util_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *util_arena_strdup(util_arena *a, const char *s)
{
    return s ? util_arena_strndup(a, s, strlen(s)) : NULL;
}
