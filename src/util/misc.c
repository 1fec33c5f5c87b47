/*
** misc.c: error messages, time, files, string parsing and hashing.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

const char *liaison_strerror(int rc)
{
    switch (rc) {
    case LIAISON_OK: return "ok";
    case LIAISON_ENOMEM: return "out of memory";
    case LIAISON_EINVAL: return "invalid argument";
    case LIAISON_EUTF8: return "invalid UTF-8";
    case LIAISON_ETOOBIG: return "too big";
    case LIAISON_EDB: return "store error";
    case LIAISON_EIO: return "input/output error";
    case LIAISON_EFORMAT: return "malformed input";
    case LIAISON_ENOTFOUND: return "not found";
    case LIAISON_EEXIST: return "already exists";
    case LIAISON_EPERM: return "not permitted";
    case LIAISON_EAUTH: return "authentication failed";
    case LIAISON_ECHECK: return "check digit mismatch";
    case LIAISON_ECRYPTO: return "cryptographic failure";
    case LIAISON_ENET: return "network error";
    case LIAISON_ETIMEOUT: return "timed out";
    case LIAISON_EBUSY: return "busy";
    case LIAISON_ESTATE: return "invalid state";
    case LIAISON_EINTEGRITY: return "integrity check failed";
    default: return "unknown error";
    }
}

int util_verr(struct liaison_err *err, int code, long line, long col,
              const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        err->line = line;
        err->col = col;
        if (fmt)
            vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        else
            util_strlcpy(err->msg, liaison_strerror(code), sizeof(err->msg));
    }
    return code;
}

int util_err(struct liaison_err *err, int code, long line, long col,
             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    util_verr(err, code, line, col, fmt, ap);
    va_end(ap);
    return code;
}

uint64_t util_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t util_unix_time(void)
{
    return (int64_t)time(NULL);
}

/* Read a whole file, at most `max` bytes (ETOOBIG beyond).  *out is
** NUL-terminated and owned by the caller. */
int util_read_file(const char *path, size_t max, char **out, size_t *len,
                   struct liaison_err *err)
{
    FILE *f;
    util_buf b;
    char tmp[65536];
    size_t n;
    int rc = LIAISON_OK;

    *out = NULL;
    *len = 0;
    f = (path[0] == '-' && path[1] == '\0') ? stdin : fopen(path, "rb");
    if (!f)
        return util_err(err, LIAISON_EIO, 0, 0, "%s: %s", path,
                        strerror(errno));
    util_buf_init(&b, max);
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        rc = util_buf_add(&b, tmp, n);
        if (rc) {
            util_err(err, rc, 0, 0, "%s: %s", path,
                     rc == LIAISON_ETOOBIG ? "file too large"
                                           : liaison_strerror(rc));
            break;
        }
    }
    if (!rc && ferror(f))
        rc = util_err(err, LIAISON_EIO, 0, 0, "%s: read error", path);
    if (f != stdin)
        fclose(f);
    if (rc) {
        util_buf_fini(&b);
        return rc;
    }
    *len = b.len;
    *out = util_buf_take(&b);
    return *out ? LIAISON_OK : LIAISON_ENOMEM;
}

int util_streq_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

size_t util_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t m = n < size - 1 ? n : size - 1;
        memcpy(dst, src, m);
        dst[m] = '\0';
    }
    return n;
}

int util_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    *out = 0;
    if (!s || !*s)
        return LIAISON_EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return LIAISON_EINVAL;
    *out = v;
    return LIAISON_OK;
}

int util_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    *out = 0;
    if (!s || !*s)
        return LIAISON_EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || isnan(v))
        return LIAISON_EINVAL;
    *out = v;
    return LIAISON_OK;
}

uint64_t util_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}
