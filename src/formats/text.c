/*
** text.c: byte-level text helpers for the readers: UTF-8 validation,
** Latin-1 to UTF-8 conversion (the OFAC files are Latin-1), blank
** collapsing, safe JSON string output, small jansson wrappers, and the
** error-report helper shared by the streaming readers.
**
** Name normalisation proper (NFKC, case folding, transliteration) is the
** text module's; nothing here looks at what the letters are.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"

/* Length of the UTF-8 sequence at s[0..n), or 0 when it is malformed
** (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0;               /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0;               /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;               /* overlong */
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;               /* past U+10FFFF */
        return 4;
    }
    return 0;
}

int fmt_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

int fmt_buf_add_text(util_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    int latin1 = !fmt_utf8_valid(s, len);
    size_t i;
    int rc = util_buf_reserve(b, latin1 ? 2 * len : len);
    if (rc)
        return rc;
    for (i = 0; i < len && !rc; i++) {
        unsigned char c = p[i];
        if (c < 0x20 && c != '\t')
            rc = util_buf_addc(b, ' ');
        else if (c < 0x80 || !latin1)
            rc = util_buf_addc(b, (char)c);
        else {
            char u[2];
            u[0] = (char)(0xC0 | (c >> 6));
            u[1] = (char)(0x80 | (c & 0x3F));
            rc = util_buf_add(b, u, 2);
        }
    }
    return rc;
}

int fmt_buf_add_json_str(util_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, start = 0;
    util_buf tmp;
    int rc;
    if (fmt_utf8_valid(s, n))
        return util_buf_add_json_str(b, s, n);
    /* Rare: rebuild with U+FFFD for each bad byte, then escape. */
    util_buf_init(&tmp, b->max);
    rc = LIAISON_OK;
    while (i < n && !rc) {
        size_t k = utf8_seq(p + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        rc = util_buf_add(&tmp, s + start, i - start);
        if (!rc)
            rc = util_buf_add(&tmp, "\xEF\xBF\xBD", 3);
        start = ++i;
    }
    if (!rc)
        rc = util_buf_add(&tmp, s + start, n - start);
    if (!rc)
        rc = util_buf_add_json_str(b, util_buf_str(&tmp), tmp.len);
    util_buf_fini(&tmp);
    return rc;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

json_t *fmt_json_text(const char *s, size_t len, int *oom)
{
    util_buf b;
    size_t i;
    int space = 0, rc = LIAISON_OK;
    json_t *v = NULL;
    *oom = 0;
    util_buf_init(&b, FMT_JSON_OUT_MAX);
    for (i = 0; i < len && !rc; i++) {
        size_t j = i;
        if (is_blank((unsigned char)s[i])) {
            space = b.len > 0;
            continue;
        }
        while (j < len && !is_blank((unsigned char)s[j]))
            j++;
        if (space)
            rc = util_buf_addc(&b, ' ');
        if (!rc)
            rc = fmt_buf_add_text(&b, s + i, j - i);
        space = 0;
        i = j - 1;
    }
    if (rc) {
        *oom = 1;
    } else if (b.len > 0) {
        v = json_stringn(b.p, b.len);
        if (!v)
            *oom = 1;
    }
    util_buf_fini(&b);
    return v;
}

int fmt_json_set(json_t *obj, const char *key, json_t *val)
{
    if (!val)
        return LIAISON_ENOMEM;
    return json_object_set_new(obj, key, val) ? LIAISON_ENOMEM : LIAISON_OK;
}

int fmt_json_append(json_t *arr, json_t *val)
{
    if (!val)
        return LIAISON_ENOMEM;
    return json_array_append_new(arr, val) ? LIAISON_ENOMEM : LIAISON_OK;
}

int fmt_json_append_unique(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return LIAISON_OK;
    }
    return fmt_json_append(arr, json_string(s));
}

int fmt_report(fmt_error_fn on_error, void *ud, int code, long line,
               const char *fmt, ...)
{
    struct liaison_err e;
    va_list ap;
    if (!on_error)
        return 0;
    va_start(ap, fmt);
    util_verr(&e, code, line, 0, fmt, ap);
    va_end(ap);
    return on_error(ud, &e);
}
