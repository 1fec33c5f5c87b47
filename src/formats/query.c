/*
** query.c: screening queries from batch input: one JSON object a line,
** or CSV with a header row, and a reader for whole batch files.
**
** A query field the engine does not know is an error, never ignored: a
** misspelt "nationalty" must not silently screen on less than the officer
** typed.  Countries are normalised to alpha-3 (codes or English names),
** gender to M/F, dates are checked.  The query owns its strings (arena).
*/
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "formats/fmt_int.h"

enum qtype { Q_TEXT, Q_DOB, Q_COUNTRY, Q_GENDER };

static const struct {
    const char *name;
    size_t off;
    enum qtype type;
} qfields[] = {
    {"name", offsetof(liaison_query, name), Q_TEXT},
    {"dob", offsetof(liaison_query, dob), Q_DOB},
    {"nationality", offsetof(liaison_query, nationality), Q_COUNTRY},
    {"gender", offsetof(liaison_query, gender), Q_GENDER},
    {"doc", offsetof(liaison_query, doc), Q_TEXT},
    {"doc_country", offsetof(liaison_query, doc_country), Q_COUNTRY},
    {"vin", offsetof(liaison_query, vin), Q_TEXT},
    {"plate", offsetof(liaison_query, plate), Q_TEXT},
    {"plate_country", offsetof(liaison_query, plate_country), Q_COUNTRY},
};

#define QF_ID ((int)UTIL_ARRAY_LEN(qfields))    /* the "id" column */

void fmt_query_init(fmt_query *q)
{
    memset(q, 0, sizeof(*q));
    util_arena_init(&q->arena, 1024);
}

void fmt_query_reset(fmt_query *q)
{
    util_arena_reset(&q->arena);
    memset(&q->q, 0, sizeof(q->q));
    q->id = NULL;
}

void fmt_query_fini(fmt_query *q)
{
    util_arena_fini(&q->arena);
    memset(&q->q, 0, sizeof(q->q));
    q->id = NULL;
}

static int field_index(const char *name, size_t n)
{
    size_t i;
    if (n == 2 && !memcmp(name, "id", 2))
        return QF_ID;
    for (i = 0; i < UTIL_ARRAY_LEN(qfields); i++)
        if (strlen(qfields[i].name) == n && !memcmp(qfields[i].name, name, n))
            return (int)i;
    return -1;
}

/* Check and store the value s[0..n) of field f (QF_ID or a qfields
** index).  Blank values leave the field unset. */
static int set_field(fmt_query *q, int f, const char *s, size_t n,
                     struct liaison_err *err)
{
    const char *name = f == QF_ID ? "id" : qfields[f].name, *val;
    char *copy;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return LIAISON_OK;
    if (!fmt_utf8_valid(s, n))
        return util_err(err, LIAISON_EUTF8, 0, 0, "\"%s\": invalid UTF-8",
                        name);
    if (memchr(s, '\0', n))
        return util_err(err, LIAISON_EINVAL, 0, 0, "\"%s\": NUL byte", name);
    if (!(copy = util_arena_strndup(&q->arena, s, n)))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    val = copy;
    if (f == QF_ID) {
        q->id = copy;
        return LIAISON_OK;
    }
    switch (qfields[f].type) {
    case Q_TEXT:
        break;
    case Q_DOB:
        if (!fmt_date_valid(s, n))
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "\"dob\": invalid date \"%.24s\" (YYYY, YYYY-MM "
                            "or YYYY-MM-DD)", copy);
        break;
    case Q_COUNTRY:
        val = util_country_alpha3(copy);
        if (!val)
            val = util_country_from_name(copy);
        if (!val)
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "\"%s\": unknown country \"%.40s\"", name, copy);
        break;
    case Q_GENDER:
        if (util_streq_nocase(copy, "M") || util_streq_nocase(copy, "male"))
            val = "M";
        else if (util_streq_nocase(copy, "F") ||
                 util_streq_nocase(copy, "female"))
            val = "F";
        else if (util_streq_nocase(copy, "X") || util_streq_nocase(copy, "U"))
            return LIAISON_OK;
        else
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "\"gender\" must be M or F");
        break;
    }
    *(const char **)((char *)&q->q + qfields[f].off) = val;
    return LIAISON_OK;
}

static int check_nonempty(const fmt_query *q, struct liaison_err *err)
{
    if (!q->q.name && !q->q.doc && !q->q.vin && !q->q.plate)
        return util_err(err, LIAISON_EINVAL, 0, 0,
                        "query has no name, doc, vin or plate");
    return LIAISON_OK;
}

static int json_fields(fmt_query *q, json_t *obj, struct liaison_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int f = field_index(key, strlen(key)), rc;
        char num[64];
        const char *s;
        if (f < 0)
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "unknown field \"%.40s\"", key);
        if (json_is_null(v))
            continue;
        if (json_is_string(v)) {
            s = json_string_value(v);
            rc = set_field(q, f, s, json_string_length(v), err);
        } else if (f == QF_ID && json_is_integer(v)) {
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                     json_integer_value(v));
            rc = set_field(q, f, num, strlen(num), err);
        } else if (f == QF_ID && json_is_real(v)) {
            snprintf(num, sizeof(num), "%.17g", json_real_value(v));
            rc = set_field(q, f, num, strlen(num), err);
        } else {
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "\"%s\" must be a string", key);
        }
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

int fmt_query_from_json(fmt_query *q, const char *s, size_t len,
                        struct liaison_err *err)
{
    json_error_t jerr;
    json_t *obj;
    int rc;
    fmt_query_reset(q);
    if (len > FMT_LINE_MAX)
        return util_err(err, LIAISON_ETOOBIG, 0, 0,
                        "query too large (%zu bytes)", len);
    obj = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        if (json_error_code(&jerr) == json_error_invalid_utf8)
            return util_err(err, LIAISON_EUTF8, 0, jerr.position,
                            "invalid UTF-8 near byte %d", jerr.position);
        return util_err(err, LIAISON_EFORMAT, 0, jerr.position,
                        "invalid JSON: %s (byte %d)", jerr.text,
                        jerr.position);
    }
    if (!json_is_object(obj))
        rc = util_err(err, LIAISON_EFORMAT, 0, 0, "not a JSON object");
    else
        rc = json_fields(q, obj, err);
    json_decref(obj);
    if (!rc)
        rc = check_nonempty(q, err);
    if (rc)
        fmt_query_reset(q);
    return rc;
}

/* ---------------------------------------------------------------- CSV */

int fmt_query_csv_init(fmt_query_csv *c, const char *header, size_t len,
                       struct liaison_err *err)
{
    fmt_csv_row *row;
    size_t i;
    int rc, seen[UTIL_ARRAY_LEN(qfields) + 1], useful = 0;
    memset(c, 0, sizeof(*c));
    memset(seen, 0, sizeof(seen));
    if (len >= 3 && !memcmp(header, "\xEF\xBB\xBF", 3))
        header += 3, len -= 3;
    c->delim = ',';
    if (!memchr(header, ',', len)) {
        if (memchr(header, ';', len))
            c->delim = ';';
        else if (memchr(header, '\t', len))
            c->delim = '\t';
    }
    if (!(row = util_malloc(sizeof(*row))))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    fmt_csv_row_init(row);
    c->row_ = row;
    if ((rc = fmt_csv_split(row, header, len, c->delim, err)))
        goto fail;
    if (row->n > UTIL_ARRAY_LEN(c->col)) {
        rc = util_err(err, LIAISON_EINVAL, 0, 0, "too many columns (%zu)",
                      row->n);
        goto fail;
    }
    for (i = 0; i < row->n; i++) {
        char name[32];
        const char *s = fmt_csv_field(row, i);
        size_t n = row->len[i], k;
        int f;
        while (n && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
        for (k = 0; k < n && k + 1 < sizeof(name); k++)
            name[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
        name[k] = '\0';
        f = n < sizeof(name) ? field_index(name, k) : -1;
        if (f < 0 && !strcmp(name, "document"))
            f = field_index("doc", 3);
        if (f < 0 || seen[f]) {
            rc = util_err(err, LIAISON_EINVAL, 1, (long)i + 1,
                          "%s column \"%.31s\"",
                          f < 0 ? "unknown" : "repeated", name);
            goto fail;
        }
        seen[f] = 1;
        c->col[i] = (signed char)f;
        if (f != QF_ID && qfields[f].type == Q_TEXT)
            useful = 1;
    }
    c->ncols = row->n;
    if (!useful) {
        rc = util_err(err, LIAISON_EINVAL, 1, 0,
                      "no name, doc, vin or plate column");
        goto fail;
    }
    return LIAISON_OK;
fail:
    fmt_query_csv_fini(c);
    return rc;
}

void fmt_query_csv_fini(fmt_query_csv *c)
{
    if (c->row_) {
        fmt_csv_row_fini(c->row_);
        util_free(c->row_);
    }
    c->row_ = NULL;
    c->ncols = 0;
}

int fmt_query_csv_parse(fmt_query_csv *c, fmt_query *q, const char *line,
                        size_t len, struct liaison_err *err)
{
    fmt_csv_row *row = c->row_;
    size_t i;
    int rc;
    fmt_query_reset(q);
    if (!row)
        return util_err(err, LIAISON_ESTATE, 0, 0, "no CSV header read");
    if (len > FMT_LINE_MAX)
        return util_err(err, LIAISON_ETOOBIG, 0, 0, "line too long");
    if ((rc = fmt_csv_split(row, line, len, c->delim, err)))
        return rc;
    if (row->n != c->ncols)
        return util_err(err, LIAISON_EFORMAT, 0, 0,
                        "expected %zu fields, found %zu", c->ncols, row->n);
    for (i = 0; i < row->n; i++) {
        size_t n = row->len[i];
        const char *s = fmt_csv_field(row, i);
        if (n && s[n - 1] == '\r')
            n--;
        if ((rc = set_field(q, c->col[i], s, n, err))) {
            fmt_query_reset(q);
            return rc;
        }
    }
    if ((rc = check_nonempty(q, err)))
        fmt_query_reset(q);
    return rc;
}

/* ---------------------------------------------------------------- files */

int fmt_query_read_file(const char *path, int csv, fmt_query_fn on_query,
                        fmt_error_fn on_error, void *ud,
                        struct liaison_err *err)
{
    fmt_query_csv c;
    fmt_query q;
    fmt_lines lr;
    FILE *f;
    int rc = fmt_open(path, &f, err), have_header = 0;
    if (rc)
        return rc;
    memset(&c, 0, sizeof(c));
    fmt_query_init(&q);
    if ((rc = fmt_lines_init(&lr, f, 1, NULL, 0, FMT_LINE_MAX))) {
        util_err(err, rc, 0, 0, "out of memory");
        goto out;
    }
    for (;;) {
        struct liaison_err e;
        const char *s;
        size_t n, i = 0;
        int got = fmt_lines_next(&lr, &s, &n);
        if (got == 0)
            break;
        if (got == LIAISON_ETOOBIG) {
            if ((rc = fmt_report(on_error, ud, got, lr.lineno,
                                 "line %ld: line too long", lr.lineno)))
                break;
            continue;
        }
        if (got < 0) {
            rc = util_err(err, got, lr.lineno, 0, "%s: %s", path,
                          got == LIAISON_ENOMEM ? "out of memory"
                                                : "read error");
            break;
        }
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            continue;
        if (csv && !have_header) {
            if ((rc = fmt_query_csv_init(&c, s, n, &e))) {
                rc = util_err(err, rc, lr.lineno, e.col,
                              "%s line %ld: %s", path, lr.lineno, e.msg);
                break;
            }
            have_header = 1;
            continue;
        }
        rc = csv ? fmt_query_csv_parse(&c, &q, s, n, &e)
                 : fmt_query_from_json(&q, s, n, &e);
        if (rc == LIAISON_ENOMEM) {
            util_err(err, rc, lr.lineno, 0, "out of memory");
            break;
        }
        if (rc)
            rc = fmt_report(on_error, ud, e.code, lr.lineno, "line %ld: %s",
                            lr.lineno, e.msg);
        else if (on_query)
            rc = on_query(ud, &q, lr.lineno);
        if (rc)
            break;
    }
out:
    fmt_lines_fini(&lr);
    fmt_query_csv_fini(&c);
    fmt_query_fini(&q);
    return rc;
}
