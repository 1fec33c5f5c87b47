/*
** json.c: request-body checks before parsing, strict JSON object parsing
** and the error body every refusal carries:
**
**   {"error":{"code":"malformed_json","message":"line 1, column 7: ..."}}
**
** The scan runs before jansson sees a byte, so that invalid UTF-8, NUL
** bytes, deep nesting (stack use) and huge strings are refused cheaply
** and with a precise message, whatever the parser would have done.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/srv_int.h"

int srv_error_set(srv_error *e, int status, const char *code,
                  const char *fmt, ...)
{
    va_list ap;
    e->status = status;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    srv_utf8_trim(e->msg);
    return LIAISON_EINVAL;
}

/* Cut a string that snprintf may have cut inside a UTF-8 sequence back to
** the last whole character, so that messages stay valid UTF-8. */
void srv_utf8_trim(char *s)
{
    size_t n = strlen(s), bad = 0;
    while (n && liaison_utf8_check(s, n, &bad) != LIAISON_OK)
        n = bad;
    s[n] = '\0';
}

int srv_json_scan(const char *s, size_t n, const srv_json_limits *lim,
                  int per_line, srv_error *e)
{
    size_t i, bad = 0, str_start = 0;
    int depth = 0, in_str = 0, esc = 0;
    long line = 1;
    if (liaison_utf8_check(s, n, &bad) != LIAISON_OK)
        return srv_error_set(e, 400, "invalid_utf8",
                             "the body is not valid UTF-8 (byte %zu)", bad);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return srv_error_set(e, 400, "malformed_json",
                                 "NUL byte in the body (byte %zu)", i);
        if (in_str) {
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            if (in_str && i + 1 - str_start > lim->max_string)
                return srv_error_set(e, 400, "string_too_long",
                                     "a string at byte %zu is longer than "
                                     "%zu bytes", str_start, lim->max_string);
            if (c == '\n' && per_line) {
                in_str = 0;     /* malformed; the line parser says so */
                depth = 0;
                line++;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            str_start = i + 1;
            break;
        case '[':
        case '{':
            if (++depth > lim->max_depth)
                return per_line
                    ? srv_error_set(e, 400, "too_deep", "line %ld: JSON "
                                    "nested deeper than %d levels", line,
                                    lim->max_depth)
                    : srv_error_set(e, 400, "too_deep", "JSON nested deeper "
                                    "than %d levels (byte %zu)",
                                    lim->max_depth, i);
            break;
        case ']':
        case '}':
            if (depth > 0)
                depth--;
            break;
        case '\n':
            if (per_line) {
                depth = 0;
                line++;
            }
            break;
        default:
            break;
        }
    }
    return LIAISON_OK;
}

json_t *srv_json_object(const char *s, size_t n, const srv_json_limits *lim,
                        srv_error *e)
{
    json_error_t jerr;
    json_t *v;
    if (n == 0) {
        srv_error_set(e, 400, "malformed_json", "the body is empty; a JSON "
                      "object is expected");
        return NULL;
    }
    if (srv_json_scan(s, n, lim, 0, e))
        return NULL;
    v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        srv_error_set(e, 400, "malformed_json", "line %d, column %d: %s",
                      jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        srv_error_set(e, 400, "bad_type", "the body must be a JSON object");
        return NULL;
    }
    return v;
}

/* Bytes that are not UTF-8 (a raw path, a header) become U+FFFD, so the
** result is always valid JSON. */
int srv_json_add_str(util_buf *b, const char *s, size_t n)
{
    util_buf t;
    size_t bad = 0;
    int rc = LIAISON_OK;
    if (liaison_utf8_check(s, n, &bad) == LIAISON_OK)
        return util_buf_add_json_str(b, s, n);
    util_buf_init(&t, n * 3 + 16);
    while (!rc && n) {
        if (liaison_utf8_check(s, n, &bad) == LIAISON_OK) {
            rc = util_buf_add(&t, s, n);
            break;
        }
        if (bad)
            rc = util_buf_add(&t, s, bad);
        if (!rc)
            rc = util_buf_adds(&t, "\xef\xbf\xbd");
        s += bad + 1;
        n -= bad + 1;
    }
    if (!rc)
        rc = util_buf_add_json_str(b, t.len ? t.p : "", t.len);
    util_buf_fini(&t);
    return rc;
}

int srv_json_kv_str(util_buf *b, const char *key, const char *v, int comma)
{
    int rc = util_buf_add_key(b, key, comma);
    if (rc)
        return rc;
    if (!v)
        return util_buf_adds(b, "null");
    return srv_json_add_str(b, v, strlen(v));
}

int srv_json_error(util_buf *b, const srv_error *e)
{
    int rc = util_buf_adds(b, "{\"error\":{\"code\":");
    if (!rc)
        rc = util_buf_add_json_str(b, e->code, strlen(e->code));
    if (!rc)
        rc = util_buf_adds(b, ",\"message\":");
    if (!rc)
        rc = util_buf_add_json_str(b, e->msg, strlen(e->msg));
    if (!rc)
        rc = util_buf_adds(b, "}}");
    return rc;
}
