/*
** read.c: reading a watchlist file or buffer of any known format:
** opening (also "-" for stdin), detection, the JSONL reader, and finding
** the OFAC files that go with sdn.csv.
**
** JSONL is streamed a line at a time (a multi-gigabyte import never sits
** in memory); the CSV and XML lists are read whole (tens of MiB at most)
** because their parts refer to each other.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"

#define HEAD_SIZE 4096

/* Every line of lr as a native record; bad lines reported, not fatal. */
static int jsonl_read(fmt_lines *lr, const char *path, const char *list_name,
                      fmt_record_fn on_record, fmt_error_fn on_error,
                      void *ud, struct liaison_err *err)
{
    fmt_record r;
    int rc = LIAISON_OK;
    fmt_record_init(&r);
    for (;;) {
        struct liaison_err e;
        const char *s;
        size_t n, i = 0;
        int got = fmt_lines_next(lr, &s, &n);
        if (got == 0)
            break;
        if (got == LIAISON_ETOOBIG) {
            rc = fmt_report(on_error, ud, LIAISON_ETOOBIG, lr->lineno,
                            "line %ld: line too long (limit %zu bytes)",
                            lr->lineno, FMT_LINE_MAX);
            if (rc)
                break;
            continue;
        }
        if (got < 0) {
            rc = got == LIAISON_ENOMEM
                     ? util_err(err, got, lr->lineno, 0, "out of memory")
                     : util_err(err, got, lr->lineno, 0, "%s: read error at "
                                "line %ld", path, lr->lineno);
            break;
        }
        if (lr->lineno == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
            i = 3;              /* a byte-order mark */
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i == n)
            continue;
        rc = fmt_record_parse(&r, s + i, n - i, NULL, list_name, &e);
        if (rc == LIAISON_ENOMEM) {
            util_err(err, rc, lr->lineno, 0, "out of memory");
            break;
        }
        if (rc) {
            e.line = lr->lineno;
            rc = fmt_report(on_error, ud, e.code, lr->lineno, "line %ld: %s",
                            lr->lineno, e.msg);
        } else if (on_record) {
            rc = on_record(ud, &r);
        }
        if (rc)
            break;
    }
    fmt_record_fini(&r);
    return rc;
}

int fmt_read_mem(fmt_kind kind, const char *data, size_t len,
                 const char *list_name, fmt_record_fn on_record,
                 fmt_error_fn on_error, void *ud, struct liaison_err *err)
{
    fmt_ofac_files in;
    fmt_lines lr;
    int rc;
    if (kind == FMT_UNKNOWN)
        kind = fmt_detect(NULL, data, len);
    switch (kind) {
    case FMT_JSONL:
        fmt_lines_init_mem(&lr, data, len, FMT_LINE_MAX);
        rc = jsonl_read(&lr, "input", list_name, on_record, on_error, ud,
                        err);
        fmt_lines_fini(&lr);
        return rc;
    case FMT_OFAC_CSV:
        memset(&in, 0, sizeof(in));
        in.sdn = data;
        in.sdn_len = len;
        return fmt_ofac_read_mem(&in, list_name, on_record, on_error, ud,
                                 err);
    case FMT_UN_XML:
        return fmt_unxml_read_mem(data, len, list_name, on_record, on_error,
                                  ud, err);
    case FMT_UNKNOWN:
        break;
    }
    return util_err(err, LIAISON_EFORMAT, 0, 0,
                    "unknown format (not JSONL, OFAC CSV or UN XML)");
}

/* Read a whole optional file; *out is NULL (and LIAISON_OK) when it does
** not exist. */
static int read_optional(const char *path, char **out, size_t *len,
                         struct liaison_err *err)
{
    FILE *f = fopen(path, "rb");
    int rc;
    *out = NULL;
    *len = 0;
    if (!f)
        return errno == ENOENT ? LIAISON_OK
                               : util_err(err, LIAISON_EIO, 0, 0, "%s: %s",
                                          path, strerror(errno));
    rc = fmt_slurp(f, NULL, 0, FMT_FILE_MAX, out, len, path, err);
    fclose(f);
    return rc;
}

/* The OFAC trio: sdn (already read) plus the files beside it.  sdn.csv
** goes with alt.csv, add.csv, sdn_comments.csv; cons_prim.csv with
** cons_alt.csv, cons_add.csv, cons_comments.csv; upper-case names
** (SDN.CSV) with upper-case partners. */
static int ofac_read(const char *path, char *sdn, size_t sdn_len,
                     const char *list_name, fmt_record_fn on_record,
                     fmt_error_fn on_error, void *ud,
                     struct liaison_err *err)
{
    static const char *const lower[2][3] = {
        {"alt.csv", "add.csv", "sdn_comments.csv"},
        {"cons_alt.csv", "cons_add.csv", "cons_comments.csv"},
    };
    static const char *const upper[2][3] = {
        {"ALT.CSV", "ADD.CSV", "SDN_COMMENTS.CSV"},
        {"CONS_ALT.CSV", "CONS_ADD.CSV", "CONS_COMMENTS.CSV"},
    };
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    int cons = !strncmp(base, "cons_", 5) || !strncmp(base, "CONS_", 5);
    int up = base[0] >= 'A' && base[0] <= 'Z';
    const char *const *names = up ? upper[cons] : lower[cons];
    char *data[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0}, dir = (size_t)(base - path), i;
    fmt_ofac_files in;
    int rc = LIAISON_OK;
    for (i = 0; i < 3 && !rc && strcmp(path, "-"); i++) {
        char sib[4096];
        if (dir + strlen(names[i]) + 1 > sizeof(sib))
            break;
        snprintf(sib, sizeof(sib), "%.*s%s", (int)dir, path, names[i]);
        rc = read_optional(sib, &data[i], &lens[i], err);
    }
    memset(&in, 0, sizeof(in));
    in.sdn = sdn;
    in.sdn_len = sdn_len;
    in.sdn_name = base;
    in.alt = data[0];
    in.alt_len = lens[0];
    in.add = data[1];
    in.add_len = lens[1];
    in.comments = data[2];
    in.comments_len = lens[2];
    in.alt_name = names[0];
    in.add_name = names[1];
    in.comments_name = names[2];
    in.list = cons ? "ofac-cons" : "ofac-sdn";
    if (!rc)
        rc = fmt_ofac_read_mem(&in, list_name, on_record, on_error, ud, err);
    for (i = 0; i < 3; i++)
        util_free(data[i]);
    return rc;
}

int fmt_read_file(fmt_kind kind, const char *path, const char *list_name,
                  fmt_record_fn on_record, fmt_error_fn on_error, void *ud,
                  struct liaison_err *err)
{
    char head[HEAD_SIZE], *data = NULL;
    size_t hlen, len;
    fmt_lines lr;
    FILE *f;
    int rc = fmt_open(path, &f, err);
    if (rc)
        return rc;
    hlen = fread(head, 1, sizeof(head), f);
    if (ferror(f)) {
        rc = util_err(err, LIAISON_EIO, 0, 0, "%s: read error", path);
        goto out;
    }
    if (kind == FMT_UNKNOWN)
        kind = fmt_detect(path, head, hlen);
    switch (kind) {
    case FMT_JSONL:
        rc = fmt_lines_init(&lr, f, 0, head, hlen, FMT_LINE_MAX);
        if (!rc)
            rc = jsonl_read(&lr, path, list_name, on_record, on_error, ud,
                            err);
        else
            util_err(err, rc, 0, 0, "out of memory");
        fmt_lines_fini(&lr);
        break;
    case FMT_OFAC_CSV:
    case FMT_UN_XML:
        rc = fmt_slurp(f, head, hlen, FMT_FILE_MAX, &data, &len, path, err);
        if (rc)
            break;
        if (kind == FMT_UN_XML)
            rc = fmt_unxml_read_mem(data, len, list_name, on_record,
                                    on_error, ud, err);
        else
            rc = ofac_read(path, data, len, list_name, on_record, on_error,
                           ud, err);
        break;
    case FMT_UNKNOWN:
        rc = util_err(err, LIAISON_EFORMAT, 0, 0,
                      "%s: unknown format (not JSONL, OFAC CSV or UN XML)",
                      path);
        break;
    }
out:
    util_free(data);
    if (f != stdin)
        fclose(f);
    return rc;
}
