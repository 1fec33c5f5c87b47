/*
** lines.c: reading input files: a buffered line reader with a cap on the
** line length (multi-gigabyte JSONL imports are read a line at a time,
** and a line without end cannot exhaust memory), opening "-" as stdin,
** and reading a whole file after its already-read head.
**
** Lines may contain NUL bytes (the parsers then refuse them); "\r\n" and
** "\n" both end a line.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"

#define LINES_CHUNK (64 * 1024)

int fmt_open(const char *path, FILE **out, struct liaison_err *err)
{
    *out = NULL;
    if (!path)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no file name");
    if (!strcmp(path, "-")) {
        *out = stdin;
        return LIAISON_OK;
    }
    *out = fopen(path, "rb");
    if (!*out)
        return util_err(err, LIAISON_EIO, 0, 0, "%s: %s", path,
                        strerror(errno));
    return LIAISON_OK;
}

/* The reader starts with the head bytes the caller already took from f
** (to detect the format); it owns f when own is set. */
int fmt_lines_init(fmt_lines *lr, FILE *f, int own, const char *head,
                   size_t len, size_t max_line)
{
    memset(lr, 0, sizeof(*lr));
    lr->f = f;
    lr->own = own;
    lr->size = UTIL_MAX(LINES_CHUNK, len);
    util_buf_init(&lr->line, max_line);
    lr->buf = util_malloc(lr->size);
    if (!lr->buf)
        return LIAISON_ENOMEM;
    lr->own_buf = 1;
    if (len)
        memcpy(lr->buf, head, len);
    lr->end = len;
    return LIAISON_OK;
}

/* Lines of data[0..len), borrowed. */
void fmt_lines_init_mem(fmt_lines *lr, const char *data, size_t len,
                        size_t max_line)
{
    memset(lr, 0, sizeof(*lr));
    util_buf_init(&lr->line, max_line);
    lr->buf = (char *)data;     /* never written: own_buf is 0 */
    lr->size = lr->end = len;
    lr->eof = 1;
}

void fmt_lines_fini(fmt_lines *lr)
{
    if (lr->own && lr->f && lr->f != stdin)
        fclose(lr->f);
    lr->f = NULL;
    if (lr->own_buf)
        util_free(lr->buf);
    lr->buf = NULL;
    util_buf_fini(&lr->line);
}

/* Refill the buffer; 0 at end of input, LIAISON_EIO on error. */
static int fill(fmt_lines *lr)
{
    size_t n;
    if (lr->eof || !lr->f)
        return 0;
    n = fread(lr->buf, 1, lr->size, lr->f);
    lr->pos = 0;
    lr->end = n;
    if (n == 0) {
        lr->eof = 1;
        return ferror(lr->f) ? LIAISON_EIO : 0;
    }
    return 1;
}

int fmt_lines_next(fmt_lines *lr, const char **s, size_t *len)
{
    int got = 0, toobig = 0, rc;
    util_buf_reset(&lr->line);
    *s = NULL;
    *len = 0;
    for (;;) {
        const char *p, *nl;
        size_t n;
        if (lr->pos >= lr->end) {
            if ((rc = fill(lr)) < 0)
                return rc;
            if (rc == 0)
                break;
        }
        p = lr->buf + lr->pos;
        n = lr->end - lr->pos;
        got = 1;
        nl = memchr(p, '\n', n);
        if (nl)
            n = (size_t)(nl - p);
        if (!toobig && (rc = util_buf_add(&lr->line, p, n)) != LIAISON_OK) {
            if (rc != LIAISON_ETOOBIG)
                return rc;      /* out of memory */
            toobig = 1;         /* keep reading to the end of the line */
        }
        lr->pos += n + (nl ? 1 : 0);
        if (nl)
            break;
    }
    if (!got)
        return 0;
    lr->lineno++;
    if (toobig) {
        util_buf_reset(&lr->line);
        return LIAISON_ETOOBIG;
    }
    if (lr->line.len && lr->line.p[lr->line.len - 1] == '\r')
        lr->line.len--;
    *s = util_buf_str(&lr->line);
    *len = lr->line.len;
    return 1;
}

int fmt_slurp(FILE *f, const char *head, size_t hlen, size_t max,
              char **out, size_t *len, const char *path,
              struct liaison_err *err)
{
    util_buf b;
    char *tmp;
    size_t n;
    int rc;
    *out = NULL;
    *len = 0;
    util_buf_init(&b, max);
    tmp = util_malloc(LINES_CHUNK);
    rc = tmp ? util_buf_add(&b, head, hlen) : LIAISON_ENOMEM;
    while (!rc && (n = fread(tmp, 1, LINES_CHUNK, f)) > 0)
        rc = util_buf_add(&b, tmp, n);
    util_free(tmp);
    if (!rc && ferror(f))
        rc = util_err(err, LIAISON_EIO, 0, 0, "%s: read error", path);
    else if (rc == LIAISON_ETOOBIG)
        util_err(err, rc, 0, 0, "%s: file too large (limit %zu MiB)", path,
                 max >> 20);
    else if (rc)
        util_err(err, rc, 0, 0, "%s: %s", path, liaison_strerror(rc));
    if (rc) {
        util_buf_fini(&b);
        return rc;
    }
    n = b.len;
    if (!(*out = util_buf_take(&b)))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    *len = n;
    return LIAISON_OK;
}
