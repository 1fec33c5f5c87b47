/*
** ofac.c: the OFAC legacy CSV files (sdn.csv, alt.csv, add.csv and
** sdn_comments.csv; cons_prim/cons_alt/cons_add/cons_comments for the
** consolidated non-SDN list) into native records.
**
** The files have no header row, quote text fields ("" for a quote), write
** an empty value as "-0- ", end lines with CRLF and may end with Ctrl-Z;
** their bytes are ASCII or Latin-1 (converted to UTF-8).  Columns:
**   sdn: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
**        Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
**   alt: ent_num, alt_num, alt_type, alt_name, alt_remarks
**   add: ent_num, add_num, address, city/state/postal, country, add_remarks
**   comments: ent_num, the rest of a Remarks text cut short in sdn.csv
** Invariants:
**   1. all of sdn.csv is read first, then alt, add and comments attach to
**      entries by ent_num; a row for an unknown ent_num is reported;
**   2. a bad row (wrong column count, broken quoting) is reported with its
**      file and line and skipped; reading goes on with the next line;
**   3. records are delivered in sdn.csv order once everything is read.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/fmt_int.h"

enum { SDN_COLS = 12, ALT_COLS = 5, ADD_COLS = 6, COMMENT_COLS = 2 };

struct alt {
    struct alt *next;
    const char *type, *name, *remarks;
};

struct addr {
    struct addr *next;
    const char *f[4];           /* address, city, country, remarks */
};

struct entry {
    long ent;
    long line;
    const char *f[SDN_COLS];    /* NULL: empty or "-0-" */
    const char *comments;
    struct alt *alts, *alt_last;    /* (no pointers into the entry: */
    struct addr *adds, *add_last;   /* the array is reallocated) */
};

struct key {
    long ent;
    size_t idx;
};

struct ofac {
    util_arena arena;
    struct entry *v;
    size_t n, cap;
    struct key *keys;           /* (ent, index in v), sorted */
    size_t nkeys;
    fmt_csv_row row;
    util_buf tmp;
    fmt_error_fn on_error;
    void *ud;
    int stop;                   /* non-zero: what a callback returned */
};

/* Trim, drop "-0-", convert to UTF-8 and keep in the arena; *out is NULL
** for an empty value. */
static int value(struct ofac *o, const char *s, size_t n, const char **out)
{
    int rc;
    *out = NULL;
    while (n && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || (n == 3 && !memcmp(s, "-0-", 3)))
        return LIAISON_OK;
    util_buf_reset(&o->tmp);
    if ((rc = fmt_buf_add_text(&o->tmp, s, n)))
        return rc;
    *out = util_arena_strndup(&o->arena, util_buf_str(&o->tmp), o->tmp.len);
    return *out ? LIAISON_OK : LIAISON_ENOMEM;
}

static int parse_ent(const char *s, size_t n, long *out)
{
    long v = 0;
    size_t i;
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 0 || n > 9)
        return LIAISON_EINVAL;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LIAISON_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return LIAISON_OK;
}

static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->ent != y->ent)
        return x->ent < y->ent ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct entry *lookup(struct ofac *o, long ent)
{
    size_t lo = 0, hi = o->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->keys[mid].ent == ent)
            return &o->v[o->keys[mid].idx];
        if (o->keys[mid].ent < ent)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Report through on_error; remembers a non-zero answer. */
#define REPORT(o, line, ...)                                              \
    do {                                                                  \
        int r_ = fmt_report((o)->on_error, (o)->ud, LIAISON_EFORMAT,      \
                            (line), __VA_ARGS__);                         \
        if (r_)                                                           \
            (o)->stop = r_;                                               \
    } while (0)

/* Handle one split row of a file; kind says which. */
typedef int (*row_fn)(struct ofac *o, const char *file, long line);

static int sdn_row(struct ofac *o, const char *file, long line)
{
    struct entry *e;
    size_t i;
    long ent;
    int rc;
    if (parse_ent(fmt_csv_field(&o->row, 0), o->row.len[0], &ent)) {
        REPORT(o, line, "%s line %ld: ent_num is not a number", file, line);
        return LIAISON_OK;
    }
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 1024;
        struct entry *nv = util_realloc(o->v, ncap * sizeof(*nv));
        if (!nv)
            return LIAISON_ENOMEM;
        o->v = nv;
        o->cap = ncap;
    }
    e = &o->v[o->n];
    memset(e, 0, sizeof(*e));
    e->ent = ent;
    e->line = line;
    for (i = 1; i < SDN_COLS; i++)
        if ((rc = value(o, fmt_csv_field(&o->row, i), o->row.len[i],
                        &e->f[i])))
            return rc;
    if (!e->f[1]) {
        REPORT(o, line, "%s line %ld: entry %ld has no name", file, line,
               ent);
        return LIAISON_OK;
    }
    o->n++;
    return LIAISON_OK;
}

/* The entry an alt/add/comments row belongs to, or NULL (reported). */
static struct entry *owner(struct ofac *o, const char *file, long line)
{
    struct entry *e;
    long ent;
    if (parse_ent(fmt_csv_field(&o->row, 0), o->row.len[0], &ent)) {
        REPORT(o, line, "%s line %ld: ent_num is not a number", file, line);
        return NULL;
    }
    if (!(e = lookup(o, ent)))
        REPORT(o, line, "%s line %ld: no entry %ld in the SDN file", file,
               line, ent);
    return e;
}

static int alt_row(struct ofac *o, const char *file, long line)
{
    struct entry *e = owner(o, file, line);
    struct alt *a;
    int rc;
    if (!e)
        return LIAISON_OK;
    if (!(a = util_arena_alloc(&o->arena, sizeof(*a))))
        return LIAISON_ENOMEM;
    a->next = NULL;
    if ((rc = value(o, fmt_csv_field(&o->row, 2), o->row.len[2], &a->type)) ||
        (rc = value(o, fmt_csv_field(&o->row, 3), o->row.len[3], &a->name)) ||
        (rc = value(o, fmt_csv_field(&o->row, 4), o->row.len[4],
                    &a->remarks)))
        return rc;
    if (!a->name) {
        REPORT(o, line, "%s line %ld: alias without a name", file, line);
        return LIAISON_OK;
    }
    if (e->alt_last)
        e->alt_last->next = a;
    else
        e->alts = a;
    e->alt_last = a;
    return LIAISON_OK;
}

static int add_row(struct ofac *o, const char *file, long line)
{
    struct entry *e = owner(o, file, line);
    struct addr *a;
    size_t i;
    int rc, any = 0;
    if (!e)
        return LIAISON_OK;
    if (!(a = util_arena_alloc(&o->arena, sizeof(*a))))
        return LIAISON_ENOMEM;
    a->next = NULL;
    for (i = 0; i < 4; i++) {
        if ((rc = value(o, fmt_csv_field(&o->row, i + 2),
                        o->row.len[i + 2], &a->f[i])))
            return rc;
        any |= a->f[i] != NULL;
    }
    if (any) {
        if (e->add_last)
            e->add_last->next = a;
        else
            e->adds = a;
        e->add_last = a;
    }
    return LIAISON_OK;
}

static int comment_row(struct ofac *o, const char *file, long line)
{
    struct entry *e = owner(o, file, line);
    const char *text;
    int rc;
    if (!e)
        return LIAISON_OK;
    /* The overflow goes on exactly where sdn.csv cut the remarks. */
    util_buf_reset(&o->tmp);
    if ((e->f[11] && (rc = util_buf_adds(&o->tmp, e->f[11]))) ||
        (rc = fmt_buf_add_text(&o->tmp, fmt_csv_field(&o->row, 1),
                               o->row.len[1])))
        return rc;
    text = util_arena_strndup(&o->arena, util_buf_str(&o->tmp), o->tmp.len);
    if (!text)
        return LIAISON_ENOMEM;
    e->f[11] = text;
    return LIAISON_OK;
}

/* Read one file: split each line, check its column count, call fn.
** Blank lines and a final Ctrl-Z are skipped. */
static int read_rows(struct ofac *o, const char *data, size_t len,
                     const char *file, size_t cols, row_fn fn)
{
    size_t pos = 0;
    long line = 0;
    while (pos < len && !o->stop) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos, k;
        struct liaison_err e;
        int blank = 1, rc;
        pos += n + (nl ? 1 : 0);
        line++;
        while (n && (s[n - 1] == '\r' || s[n - 1] == 0x1A))
            n--;
        for (k = 0; k < n && blank; k++)
            blank = s[k] == ' ' || s[k] == '\t';
        if (blank)
            continue;
        if (n > FMT_LINE_MAX) {
            REPORT(o, line, "%s line %ld: line too long", file, line);
            continue;
        }
        rc = fmt_csv_split(&o->row, s, n, ',', &e);
        if (rc == LIAISON_ENOMEM)
            return rc;
        if (rc) {
            REPORT(o, line, "%s line %ld: %s", file, line, e.msg);
            continue;
        }
        if (o->row.n != cols) {
            REPORT(o, line, "%s line %ld: expected %zu fields, found %zu",
                   file, line, cols, o->row.n);
            continue;
        }
        if ((rc = fn(o, file, line)))
            return rc;
    }
    return LIAISON_OK;
}

/* Index the entries by ent_num.  A repeated ent_num is reported; the later
** entry is dropped (not delivered, gets no aliases). */
static int build_index(struct ofac *o, const char *file)
{
    size_t i, j;
    o->keys = util_malloc((o->n ? o->n : 1) * sizeof(*o->keys));
    if (!o->keys)
        return LIAISON_ENOMEM;
    for (i = 0; i < o->n; i++) {
        o->keys[i].ent = o->v[i].ent;
        o->keys[i].idx = i;
    }
    qsort(o->keys, o->n, sizeof(*o->keys), cmp_key);
    for (i = j = 0; i < o->n; i++) {
        if (j && o->keys[j - 1].ent == o->keys[i].ent) {
            struct entry *dup = &o->v[o->keys[i].idx];
            REPORT(o, dup->line, "%s line %ld: entry %ld appears twice",
                   file, dup->line, dup->ent);
            dup->f[1] = NULL;
            continue;
        }
        o->keys[j++] = o->keys[i];
    }
    o->nkeys = j;
    return LIAISON_OK;
}

static int set_str(json_t *obj, const char *key, const char *s)
{
    return s ? fmt_json_set(obj, key, json_string(s)) : LIAISON_OK;
}

/* "SDGT] [SYRIA" -> ["SDGT", "SYRIA"]. */
static int programs(json_t *obj, const char *s)
{
    json_t *arr;
    int rc;
    if (!s)
        return LIAISON_OK;
    if ((rc = fmt_json_set(obj, "programs", arr = json_array())))
        return rc;
    while (*s) {
        const char *end = strstr(s, "] [");
        size_t n = end ? (size_t)(end - s) : strlen(s);
        int oom;
        json_t *v;
        while (n && (*s == '[' || *s == ' '))
            s++, n--;
        while (n && (s[n - 1] == ']' || s[n - 1] == ' '))
            n--;
        if (n && (v = fmt_json_text(s, n, &oom)) != NULL) {
            if ((rc = fmt_json_append(arr, v)))
                return rc;
        } else if (n && oom) {
            return LIAISON_ENOMEM;
        }
        if (!end)
            break;
        s = end + 3;
    }
    return LIAISON_OK;
}

static int names_json(const struct entry *e, json_t *names)
{
    const struct alt *a;
    json_t *n = json_object();
    int rc = fmt_json_set(n, "full", json_string(e->f[1]));
    if (rc || (rc = fmt_json_append(names, n)))
        return rc;
    for (a = e->alts; a; a = a->next) {
        const char *type = "alias";
        if (a->remarks && strstr(a->remarks, "weak"))
            type = "low";
        else if (a->type && util_streq_nocase(a->type, "fka"))
            type = "fka";
        else if (a->type && util_streq_nocase(a->type, "nka"))
            type = "nka";
        n = json_object();
        if ((rc = fmt_json_set(n, "full", json_string(a->name))) ||
            (rc = fmt_json_set(n, "type", json_string(type))) ||
            (rc = fmt_json_append(names, n)))
            return rc;
    }
    return LIAISON_OK;
}

static int addresses_json(const struct entry *e, json_t *obj)
{
    static const char *const keys[4] = {"address", "city", "country",
                                        "remarks"};
    const struct addr *a;
    json_t *arr;
    int rc;
    if (!e->adds)
        return LIAISON_OK;
    if ((rc = fmt_json_set(obj, "addresses", arr = json_array())))
        return rc;
    for (a = e->adds; a; a = a->next) {
        json_t *o = json_object();
        size_t i;
        if ((rc = fmt_json_append(arr, o)))
            return rc;
        for (i = 0; i < 4; i++)
            if ((rc = set_str(o, keys[i], a->f[i])))
                return rc;
    }
    return LIAISON_OK;
}

/* The native JSON of one entry. */
static int entry_json(const struct entry *e, json_t **out)
{
    static const char *const extra[] = {
        NULL, NULL, NULL, NULL, "title", "call_sign", "vessel_type",
        "tonnage", "grt", "vessel_flag", "vessel_owner", NULL
    };
    json_t *obj = json_object(), *names = json_array();
    const char *type = e->f[2];
    int person = type && util_streq_nocase(type, "individual");
    char id[32];
    size_t i;
    int rc;
    *out = NULL;
    snprintf(id, sizeof(id), "ofac-%ld", e->ent);
    rc = fmt_json_set(obj, "id", json_string(id));
    if (!rc)
        rc = fmt_json_set(obj, "kind",
                          json_string(person ? "person" : "entity"));
    if (!rc)
        rc = fmt_json_set(obj, "names", json_incref(names));
    if (!rc)
        rc = names_json(e, names);
    if (!rc && type && !person)
        rc = set_str(obj, "ofac_type", type);
    if (!rc)
        rc = fmt_json_set(obj, "category", json_string("sanctions"));
    if (!rc)
        rc = programs(obj, e->f[3]);
    for (i = 4; i < 11 && !rc; i++)
        rc = set_str(obj, extra[i], e->f[i]);
    if (!rc && e->f[11]) {
        rc = set_str(obj, "remarks", e->f[11]);
        if (!rc)
            rc = fmt_ofac_remarks(obj, names, e->f[11]);
    }
    if (!rc)
        rc = addresses_json(e, obj);
    json_decref(names);
    if (rc) {
        json_decref(obj);
        return rc;
    }
    *out = obj;
    return LIAISON_OK;
}

static int deliver(struct ofac *o, const char *file, const char *list,
                   const char *list_name, fmt_record_fn on_record)
{
    fmt_record r;
    size_t i;
    int rc = LIAISON_OK;
    fmt_record_init(&r);
    for (i = 0; i < o->n && !rc && !o->stop; i++) {
        const struct entry *e = &o->v[i];
        struct liaison_err err;
        json_t *obj;
        if (!e->f[1])
            continue;
        if ((rc = entry_json(e, &obj)))
            break;
        rc = fmt_record_from_obj(&r, obj, list, list_name, &err);
        json_decref(obj);
        if (rc == LIAISON_ENOMEM)
            break;
        if (rc) {
            rc = LIAISON_OK;
            REPORT(o, e->line, "%s line %ld: %s", file, e->line, err.msg);
            continue;
        }
        if (on_record)
            rc = on_record(o->ud, &r);
    }
    fmt_record_fini(&r);
    return rc;
}

int fmt_ofac_read_mem(const fmt_ofac_files *in, const char *list_name,
                      fmt_record_fn on_record, fmt_error_fn on_error,
                      void *ud, struct liaison_err *err)
{
    const char *sdn_name = in->sdn_name ? in->sdn_name : "sdn.csv";
    struct ofac o;
    int rc;
    if (!in->sdn)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no SDN file");
    memset(&o, 0, sizeof(o));
    util_arena_init(&o.arena, 256 * 1024);
    fmt_csv_row_init(&o.row);
    util_buf_init(&o.tmp, FMT_JSON_OUT_MAX);
    o.on_error = on_error;
    o.ud = ud;
    rc = read_rows(&o, in->sdn, in->sdn_len, sdn_name, SDN_COLS, sdn_row);
    if (!rc && !o.stop)
        rc = build_index(&o, sdn_name);
    if (!rc && !o.stop && in->alt)
        rc = read_rows(&o, in->alt, in->alt_len,
                       in->alt_name ? in->alt_name : "alt.csv", ALT_COLS,
                       alt_row);
    if (!rc && !o.stop && in->add)
        rc = read_rows(&o, in->add, in->add_len,
                       in->add_name ? in->add_name : "add.csv", ADD_COLS,
                       add_row);
    if (!rc && !o.stop && in->comments)
        rc = read_rows(&o, in->comments, in->comments_len,
                       in->comments_name ? in->comments_name
                                         : "sdn_comments.csv",
                       COMMENT_COLS, comment_row);
    if (!rc && !o.stop)
        rc = deliver(&o, sdn_name, in->list ? in->list : "ofac-sdn",
                     list_name, on_record);
    if (!rc)
        rc = o.stop;
    if (rc == LIAISON_ENOMEM)
        util_err(err, rc, 0, 0, "out of memory");
    util_free(o.keys);
    util_free(o.v);
    util_buf_fini(&o.tmp);
    fmt_csv_row_fini(&o.row);
    util_arena_fini(&o.arena);
    return rc;
}
