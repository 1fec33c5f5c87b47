/*
** paxlst.c: UN/EDIFACT PAXLST passenger and crew manifests (directories
** D:02B and D:05B, as airlines send them under the WCO/IATA/ICAO API
** guidelines): service string advice, the interchange envelope and its
** trailer counts, multi-part messages, flight legs and travellers with
** their documents.
**
** Notes on the design:
**  1. One pass over the caller's buffer.  A lexer cuts one segment at a
**     time into a fixed scratch buffer (cap: max_segment), unescaping the
**     release character and dropping line breaks, so a segment never
**     costs more than the cap whatever the input.  The repetition
**     separator is not split on: no PAXLST element we read repeats.
**  2. The result owns one arena for its strings and four growable arrays
**     (legs, travellers, documents, parts), each capped; memory is
**     bounded by the input size and the caps.  Documents are appended in
**     traveller order, so a traveller's documents are contiguous and the
**     pointers are fixed up once at the end (arrays move while growing).
**  3. Every string handed out is valid UTF-8: with a Latin syntax (UNOC
**     to UNOK) bytes >= 0x80 are read as ISO 8859-1; with any other,
**     valid UTF-8 is kept and anything else is read as ISO 8859-1, with
**     a warning.
**  4. Segments are numbered from 1 in input order, UNA included; every
**     error and warning names that number.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "formats/border.h"

#define MAX_ELEMS 32            /* per segment, tag included */
#define MAX_COMPS 128           /* per segment, all elements together */
#define MAX_WARNINGS 64

/* ---------------------------------------------------------------- result */

struct priv {
    util_arena arena;
    fmt_paxlst_leg *legs;
    size_t n_legs, cap_legs;
    fmt_paxlst_traveller *trav;
    size_t n_trav, cap_trav;
    fmt_paxlst_doc *docs;
    size_t n_docs, cap_docs;
    fmt_paxlst_part *parts;
    size_t n_parts, cap_parts;
    const char *warn[MAX_WARNINGS];
};

void fmt_paxlst_free(fmt_paxlst *p)
{
    struct priv *pv;
    if (!p)
        return;
    pv = p->priv_;
    if (pv) {
        util_arena_fini(&pv->arena);
        util_free(pv->legs);
        util_free(pv->trav);
        util_free(pv->docs);
        util_free(pv->parts);
        util_free(pv);
    }
    util_free(p);
}

/* Make room for one more element of an array capped at max elements. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem, size_t max)
{
    size_t ncap;
    void *np;
    if (n >= max)
        return LIAISON_ETOOBIG;
    if (n < *cap)
        return LIAISON_OK;
    ncap = *cap ? *cap * 2 : 16;
    if (ncap > max)
        ncap = max;
    np = util_realloc(*arr, ncap * elem);
    if (!np)
        return LIAISON_ENOMEM;
    *arr = np;
    *cap = ncap;
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need, k;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) need = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) need = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) need = 3, cp = c & 0x07;
    else return 0;
    if (n - 1 < need)
        return 0;
    for (k = 1; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need + 1;
}

/* Messages quote input: keep them valid UTF-8 without control characters
** (a byte that is neither becomes '?'; so does a sequence cut by %.Ns). */
static void msg_repair(char *m)
{
    unsigned char *s = (unsigned char *)m;
    size_t n = strlen(m), i = 0, k;
    while (i < n) {
        k = utf8_seq(s + i, n - i);
        if (!k || s[i] < 0x20 || s[i] == 0x7f) {
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

/* ---------------------------------------------------------------- lexer */

struct seps {
    char comp, elem, dec, rel, rep, term;
};

/* One segment, cut into NUL-terminated components in `data`. */
struct seg {
    long number;
    size_t offset;              /* of its first byte in the input */
    char tag[4];
    char *data;                 /* scratch, max_segment + MAX_COMPS bytes */
    size_t used;
    size_t n_elems;
    unsigned char elem_first[MAX_ELEMS + 1];
    size_t n_comps;
    size_t comp_off[MAX_COMPS];
};

struct lexer {
    const char *buf;
    size_t len, pos;
    struct seps sep;
    long segno;
    size_t max_segment;
};

/* Component c of element e ("" when absent); element 0 is the tag. */
static const char *sv(const struct seg *s, size_t e, size_t c)
{
    size_t first, last;
    if (e >= s->n_elems)
        return "";
    first = s->elem_first[e];
    last = e + 1 < s->n_elems ? s->elem_first[e + 1] : s->n_comps;
    if (first + c >= last)
        return "";
    return s->data + s->comp_off[first + c];
}

static size_t n_comps_of(const struct seg *s, size_t e)
{
    size_t last;
    if (e >= s->n_elems)
        return 0;
    last = e + 1 < s->n_elems ? s->elem_first[e + 1] : s->n_comps;
    return last - s->elem_first[e];
}

static int lex_err(const struct lexer *lx, const struct seg *s,
                   struct liaison_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int lex_err(const struct lexer *lx, const struct seg *s,
                   struct liaison_err *err, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    (void)lx;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    msg_repair(msg);
    if (s->tag[0])
        return util_err(err, code, s->number, (long)s->offset + 1,
                        "segment %ld (%s): %s", s->number, s->tag, msg);
    return util_err(err, code, s->number, (long)s->offset + 1,
                    "segment %ld: %s", s->number, msg);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int new_comp(const struct lexer *lx, struct seg *s,
                    struct liaison_err *err)
{
    if (s->n_comps == MAX_COMPS)
        return lex_err(lx, s, err, LIAISON_ETOOBIG,
                       "more than %d components", MAX_COMPS);
    if (s->n_comps)
        s->data[s->used++] = '\0';
    s->comp_off[s->n_comps++] = s->used;
    return LIAISON_OK;
}

static int new_elem(const struct lexer *lx, struct seg *s,
                    struct liaison_err *err)
{
    if (s->n_elems == MAX_ELEMS)
        return lex_err(lx, s, err, LIAISON_ETOOBIG,
                       "more than %d elements", MAX_ELEMS - 1);
    s->elem_first[s->n_elems++] = (unsigned char)s->n_comps;
    return new_comp(lx, s, err);
}

/* Check and copy the tag (element 0, blanks trimmed). */
static int set_tag(const struct lexer *lx, struct seg *s,
                   struct liaison_err *err)
{
    const char *t = sv(s, 0, 0);
    size_t n, i;
    while (*t == ' ')
        t++;
    n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    for (i = 0; i < n && n == 3; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9')))
            break;
    if (n != 3 || i != 3)
        return lex_err(lx, s, err, LIAISON_EFORMAT,
                       "not a segment tag (three letters or digits)");
    memcpy(s->tag, t, 3);
    s->tag[3] = '\0';
    return LIAISON_OK;
}

/* Read the next segment.  Returns 1 with *s filled, 0 at the end of the
** input (only blanks left), or a negative error. */
static int lex_next(struct lexer *lx, struct seg *s, struct liaison_err *err)
{
    const struct seps *sp = &lx->sep;
    int rc;
    while (lx->pos < lx->len && is_space(lx->buf[lx->pos]))
        lx->pos++;
    if (lx->pos == lx->len)
        return 0;
    s->number = ++lx->segno;
    s->offset = lx->pos;
    s->tag[0] = '\0';
    s->used = s->n_elems = s->n_comps = 0;
    if ((rc = new_elem(lx, s, err)) != 0)
        return rc;
    for (;;) {
        char c;
        if (lx->pos == lx->len)
            return lex_err(lx, s, err, LIAISON_EFORMAT,
                           "input ends inside the segment (truncated?)");
        c = lx->buf[lx->pos++];
        if (c == sp->term)
            break;
        if (c == '\r' || c == '\n')
            continue;                   /* line-wrapped EDIFACT */
        if (c == sp->elem) {
            if ((rc = new_elem(lx, s, err)) != 0)
                return rc;
            continue;
        }
        if (c == sp->comp) {
            if ((rc = new_comp(lx, s, err)) != 0)
                return rc;
            continue;
        }
        if (sp->rel && c == sp->rel) {
            if (lx->pos == lx->len)
                return lex_err(lx, s, err, LIAISON_EFORMAT,
                               "release character at the end of the input");
            c = lx->buf[lx->pos++];
        }
        if ((unsigned char)c < 0x20 && c != '\t')
            return lex_err(lx, s, err, LIAISON_EFORMAT,
                           "control character 0x%02x", (unsigned char)c);
        if (s->used >= lx->max_segment)
            return lex_err(lx, s, err, LIAISON_ETOOBIG,
                           "longer than %zu bytes", lx->max_segment);
        s->data[s->used++] = c;
    }
    s->data[s->used] = '\0';
    if ((rc = set_tag(lx, s, err)) != 0)
        return rc;
    return 1;
}

/* ---------------------------------------------------------------- parser */

enum where { IN_HEADER, IN_LEG, IN_TRAVELLER, IN_OTHER };

struct parser {
    fmt_paxlst_opts o;
    fmt_paxlst *p;
    struct priv *pv;
    struct liaison_err *err;
    struct lexer lx;
    struct seg seg;
    int oom;
    int latin1;                 /* syntax UNOC..UNOK */
    int warned_encoding;
    int have_unb, in_group, in_msg, done, used_groups;
    long n_groups, group_msgs, msgs, msg_segs;
    const char *unb_ref, *ung_ref, *unh_ref;
    enum where where;
    long cur_trav, cur_doc, cur_leg, main_leg;
    int leg_main_flag;          /* the current leg has LOC 125 or 87 */
    size_t part_trav;           /* travellers in the current part */
};

static void warn(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct parser *ps, const char *fmt, ...)
{
    char msg[480];
    int n;
    va_list ap;
    char *copy;
    if (ps->p->n_warnings >= MAX_WARNINGS) {
        ps->p->n_warnings_dropped++;
        return;
    }
    if (ps->seg.tag[0])
        n = snprintf(msg, sizeof(msg), "segment %ld (%s): ", ps->seg.number,
                     ps->seg.tag);
    else
        n = snprintf(msg, sizeof(msg), "segment %ld: ", ps->seg.number);
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    msg_repair(msg);
    copy = util_arena_strdup(&ps->pv->arena, msg);
    if (!copy) {
        ps->oom = 1;
        return;
    }
    ps->pv->warn[ps->p->n_warnings++] = copy;
}

static int fail(struct parser *ps, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, int code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lex_err(&ps->lx, &ps->seg, ps->err, code, "%s", msg);
}

/* A trailer mismatch: an error when strict, a warning when lenient. */
static int mismatch(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int mismatch(struct parser *ps, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!ps->o.lenient)
        return fail(ps, LIAISON_EFORMAT, "%s", msg);
    warn(ps, "%s", msg);
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- text */

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(s + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Windows-1252 for 0x80..0x9f (what "Latin-1" text usually is; the five
** unassigned bytes become U+FFFD). */
static const unsigned short cp1252[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178
};

/* Append code point cp (< 0x10000) as UTF-8; returns bytes written. */
static size_t put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    d[0] = (char)(0xe0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* A trimmed copy of s in the arena, as UTF-8 (design note 3); NULL for
** an empty value (or out of memory: ps->oom). */
static const char *keep(struct parser *ps, const char *s)
{
    size_t n, i, o = 0;
    int latin;
    char *d;
    while (*s == ' ')
        s++;
    n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (!n)
        return NULL;
    latin = ps->latin1 || !utf8_valid((const unsigned char *)s, n);
    if (latin && !ps->latin1 && !ps->warned_encoding) {
        ps->warned_encoding = 1;
        warn(ps, "bytes that are not UTF-8 read as ISO 8859-1");
    }
    d = util_arena_alloc(&ps->pv->arena, latin ? 3 * n + 1 : n + 1);
    if (!d) {
        ps->oom = 1;
        return NULL;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (latin && c >= 0x80)
            o += put_utf8(d + o, c < 0xa0 ? cp1252[c - 0x80] : c);
        else
            d[o++] = (char)c;
    }
    d[o] = '\0';
    return d;
}

/* Components from..end of element e, trimmed, joined by single spaces;
** NULL when all are empty. */
static const char *keep_joined(struct parser *ps, size_t e, size_t from)
{
    size_t c, n = 0, total = 0, k = n_comps_of(&ps->seg, e);
    char *buf;
    for (c = from; c < k; c++)
        total += strlen(sv(&ps->seg, e, c)) + 1;
    if (!total)
        return NULL;
    buf = util_arena_alloc(&ps->pv->arena, total + 1);
    if (!buf) {
        ps->oom = 1;
        return NULL;
    }
    for (c = from; c < k; c++) {
        const char *v = sv(&ps->seg, e, c);
        size_t l;
        while (*v == ' ')
            v++;
        l = strlen(v);
        while (l > 0 && v[l - 1] == ' ')
            l--;
        if (!l)
            continue;
        if (n)
            buf[n++] = ' ';
        memcpy(buf + n, v, l);
        n += l;
    }
    buf[n] = '\0';
    return keep(ps, buf);
}

static const char *country(struct parser *ps, const char *what,
                           const char *code)
{
    const char *a3;
    while (*code == ' ')
        code++;
    if (!*code)
        return NULL;
    a3 = util_country_alpha3(code);
    if (a3)
        return a3;
    warn(ps, "%s %s is not a known country code", what, code);
    return keep(ps, code);
}

/* ---------------------------------------------------------------- dates */

enum date_kind { DATE_PAST, DATE_FUTURE, DATE_TIME };

static int digits(const char *s, size_t n)
{
    int v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int month_days(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* DTM value -> YYYY-MM-DD, or YYYY-MM-DDTHH:MM for DATE_TIME when the
** value has a time.  Accepts YYMMDD, CCYYMMDD, YYMMDDHHMM and
** CCYYMMDDHHMM (formats 101, 102, 201, 203) by length.
** Two-digit years: DATE_PAST (birth, issue) never after ref_year;
** otherwise 20YY unless more than 50 years ahead.  NULL (with a warning)
** when it is no date. */
static const char *convert_dtm(struct parser *ps, const char *v,
                               enum date_kind kind)
{
    char out[32];
    size_t n, yl;
    int y, mo, d, hh = -1, mi = -1;
    while (*v == ' ')
        v++;
    n = strlen(v);
    while (n > 0 && v[n - 1] == ' ')
        n--;
    if (n != 6 && n != 8 && n != 10 && n != 12)
        goto bad;
    yl = (n == 8 || n == 12) ? 4 : 2;
    y = digits(v, yl);
    mo = digits(v + yl, 2);
    d = digits(v + yl + 2, 2);
    if (n >= 10) {
        hh = digits(v + yl + 4, 2);
        mi = digits(v + yl + 6, 2);
        if (hh < 0 || hh > 23 || mi < 0 || mi > 59)
            goto bad;
    }
    if (y < 0 || mo < 1 || mo > 12)
        goto bad;
    if (yl == 2) {
        y += 2000;
        if (kind == DATE_PAST ? y > ps->o.ref_year : y > ps->o.ref_year + 50)
            y -= 100;
    }
    if (d < 1 || d > month_days(y, mo))
        goto bad;
    if (hh >= 0 && kind == DATE_TIME)
        snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d", y, mo, d, hh,
                 mi);
    else
        snprintf(out, sizeof(out), "%04d-%02d-%02d", y, mo, d);
    return keep(ps, out);
bad:
    warn(ps, "'%.20s' is not a date", v);
    return NULL;
}

/* ---------------------------------------------------------------- travellers */

static fmt_paxlst_traveller *cur_trav(struct parser *ps)
{
    return ps->cur_trav >= 0 ? &ps->pv->trav[ps->cur_trav] : NULL;
}

static fmt_paxlst_doc *cur_doc(struct parser *ps)
{
    return ps->cur_doc >= 0 ? &ps->pv->docs[ps->cur_doc] : NULL;
}

/* Close the current traveller: its screening name (both parts are
** already UTF-8 in the arena). */
static void trav_end(struct parser *ps)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    if (t && !t->full_name && (t->surname || t->given_names)) {
        size_t g = t->given_names ? strlen(t->given_names) : 0;
        size_t s = t->surname ? strlen(t->surname) : 0;
        char *f = util_arena_alloc(&ps->pv->arena, g + s + 2);
        if (!f) {
            ps->oom = 1;
        } else {
            memcpy(f, t->given_names ? t->given_names : "", g);
            if (g && s)
                f[g++] = ' ';
            memcpy(f + g, t->surname ? t->surname : "", s);
            f[g + s] = '\0';
            t->full_name = f;
        }
    }
    ps->cur_trav = -1;
    ps->cur_doc = -1;
}

/* NAD: a traveller (FL, DDU passengers; FM, DDT crew; any other
** qualifier but MS, so that nobody goes unscreened) or the reporting
** party (MS). */
static int on_nad(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    const char *q = sv(s, 1, 0);
    fmt_paxlst_traveller *t;
    fmt_paxlst_role role;
    int rc;
    trav_end(ps);
    if (!strcmp(q, "MS")) {
        ps->where = IN_OTHER;
        return LIAISON_OK;
    }
    if (!strcmp(q, "FL") || !strcmp(q, "DDU"))
        role = FMT_PAX_PASSENGER;
    else if (!strcmp(q, "FM") || !strcmp(q, "DDT"))
        role = FMT_PAX_CREW;
    else {
        role = FMT_PAX_OTHER;
        warn(ps, "party qualifier '%.8s' taken as a traveller", q);
    }
    rc = grow((void **)&ps->pv->trav, &ps->pv->cap_trav, ps->pv->n_trav,
              sizeof(*t), ps->o.max_travellers);
    if (rc)
        return fail(ps, rc, rc == LIAISON_ETOOBIG ? "more than %zu travellers"
                                                  : "out of memory",
                    ps->o.max_travellers);
    ps->cur_trav = (long)ps->pv->n_trav++;
    t = cur_trav(ps);
    memset(t, 0, sizeof(*t));
    t->index = ps->pv->n_trav;
    t->segment = s->number;
    t->part = ps->pv->n_parts;
    t->role = role;
    t->qualifier = keep(ps, q);
    t->surname = keep(ps, sv(s, 4, 0));
    t->given_names = keep_joined(ps, 4, 1);
    if (!t->surname && !t->given_names)     /* C058: unstructured name */
        t->surname = keep_joined(ps, 3, 0);
    if (!t->surname && !t->given_names)
        warn(ps, "traveller without a name");
    ps->part_trav++;
    ps->where = IN_TRAVELLER;
    return LIAISON_OK;
}

static int on_doc(struct parser *ps)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    fmt_paxlst_doc *d;
    int rc;
    if (!t) {
        warn(ps, "document outside a traveller ignored");
        return LIAISON_OK;
    }
    if (t->n_documents >= ps->o.max_documents)
        return fail(ps, LIAISON_ETOOBIG, "more than %zu documents for one "
                    "traveller", ps->o.max_documents);
    rc = grow((void **)&ps->pv->docs, &ps->pv->cap_docs, ps->pv->n_docs,
              sizeof(*d), (size_t)-1 / sizeof(*d));
    if (rc)
        return fail(ps, rc, "out of memory");
    ps->cur_doc = (long)ps->pv->n_docs++;
    d = cur_doc(ps);
    memset(d, 0, sizeof(*d));
    d->type = keep(ps, sv(&ps->seg, 1, 0));
    if (!d->type)
        d->type = "";
    d->number = keep(ps, sv(&ps->seg, 2, 0));
    if (!d->number)
        warn(ps, "document without a number");
    t->n_documents++;
    return LIAISON_OK;
}

/* Location: element 2, the code, or its name (component 4) when the code
** is empty (LOC+180+:::HARTFORD USA). */
static const char *loc_value(const struct seg *s)
{
    const char *v = sv(s, 2, 0);
    return *v ? v : sv(s, 2, 3);
}

static void on_traveller_loc(struct parser *ps, const char *q)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    fmt_paxlst_doc *d = cur_doc(ps);
    const char *v = loc_value(&ps->seg);
    if (!strcmp(q, "174"))
        t->residence = country(ps, "country of residence", v);
    else if (!strcmp(q, "178"))
        t->embarkation = keep(ps, v);
    else if (!strcmp(q, "179"))
        t->debarkation = keep(ps, v);
    else if (!strcmp(q, "180"))
        t->birth_place = keep(ps, v);
    else if (!strcmp(q, "91") && d)
        d->issuer = country(ps, "document issuer", v);
}

static void on_traveller_dtm(struct parser *ps, const char *q, const char *v)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    fmt_paxlst_doc *d = cur_doc(ps);
    if (!strcmp(q, "329"))
        t->dob = convert_dtm(ps, v, DATE_PAST);
    else if (!strcmp(q, "36") && d)
        d->expiry = convert_dtm(ps, v, DATE_FUTURE);
    else if (!strcmp(q, "182") && d)
        d->issue_date = convert_dtm(ps, v, DATE_PAST);
}

/* ---------------------------------------------------------------- legs */

static fmt_paxlst_leg *cur_leg(struct parser *ps)
{
    return ps->cur_leg >= 0 ? &ps->pv->legs[ps->cur_leg] : NULL;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Does value v (blanks around it ignored) equal ref (NULL: empty)? */
static int same_ref(const char *v, const char *ref)
{
    size_t n, r = ref ? strlen(ref) : 0;
    while (*v == ' ')
        v++;
    n = strlen(v);
    while (n > 0 && v[n - 1] == ' ')
        n--;
    return n == r && (!n || !memcmp(v, ref, n));
}

/* Close the current leg; a repeat of an earlier one (the header of each
** part of a multi-part list repeats the flight) is dropped. */
static void leg_end(struct parser *ps)
{
    fmt_paxlst_leg *l = cur_leg(ps);
    size_t i;
    long keep_idx = ps->cur_leg;
    if (!l)
        return;
    for (i = 0; i + 1 < ps->pv->n_legs; i++) {
        const fmt_paxlst_leg *o = &ps->pv->legs[i];
        if (same(o->flight_number, l->flight_number) &&
            same(o->carrier, l->carrier) &&
            same(o->dep_airport, l->dep_airport) &&
            same(o->arr_airport, l->arr_airport) &&
            same(o->dep_time, l->dep_time) && same(o->arr_time, l->arr_time)) {
            ps->pv->n_legs--;
            keep_idx = (long)i;
            break;
        }
    }
    if (ps->leg_main_flag && ps->main_leg < 0)
        ps->main_leg = keep_idx;
    ps->cur_leg = -1;
    ps->leg_main_flag = 0;
}

static int on_tdt(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    fmt_paxlst_leg *l;
    const char *fn;
    int rc;
    trav_end(ps);
    leg_end(ps);
    rc = grow((void **)&ps->pv->legs, &ps->pv->cap_legs, ps->pv->n_legs,
              sizeof(*l), ps->o.max_legs);
    if (rc)
        return fail(ps, rc, rc == LIAISON_ETOOBIG ? "more than %zu flight legs"
                                                  : "out of memory",
                    ps->o.max_legs);
    ps->cur_leg = (long)ps->pv->n_legs++;
    l = cur_leg(ps);
    memset(l, 0, sizeof(*l));
    fn = sv(s, 2, 0);
    l->flight_number = keep(ps, fn);
    l->carrier = keep(ps, sv(s, 5, 0));
    if (!l->carrier && strlen(fn) > 2) {
        char des[3];                    /* the airline designator */
        memcpy(des, fn, 2);
        des[2] = '\0';
        l->carrier = keep(ps, des);
    }
    ps->where = IN_LEG;
    return LIAISON_OK;
}

static void on_leg_loc(struct parser *ps, const char *q)
{
    fmt_paxlst_leg *l = cur_leg(ps);
    const char *v = loc_value(&ps->seg);
    if (!strcmp(q, "125")) {
        l->dep_airport = keep(ps, v);
        ps->leg_main_flag = 1;
    } else if (!strcmp(q, "87")) {
        l->arr_airport = keep(ps, v);
        ps->leg_main_flag = 1;
    } else if (!strcmp(q, "92")) {      /* routing: first from, then to */
        if (!l->dep_airport)
            l->dep_airport = keep(ps, v);
        else
            l->arr_airport = keep(ps, v);
    }
}

static void on_leg_dtm(struct parser *ps, const char *q, const char *v)
{
    fmt_paxlst_leg *l = cur_leg(ps);
    if (!strcmp(q, "189"))
        l->dep_time = convert_dtm(ps, v, DATE_TIME);
    else if (!strcmp(q, "232"))
        l->arr_time = convert_dtm(ps, v, DATE_TIME);
}

/* ---------------------------------------------------------------- segments */

static int on_loc(struct parser *ps)
{
    const char *q = sv(&ps->seg, 1, 0);
    if (ps->where == IN_TRAVELLER)
        on_traveller_loc(ps, q);
    else if (ps->where == IN_LEG)
        on_leg_loc(ps, q);
    return LIAISON_OK;
}

static int on_dtm(struct parser *ps)
{
    const char *q = sv(&ps->seg, 1, 0), *v = sv(&ps->seg, 1, 1);
    if (ps->where == IN_TRAVELLER)
        on_traveller_dtm(ps, q, v);
    else if (ps->where == IN_LEG)
        on_leg_dtm(ps, q, v);
    return LIAISON_OK;
}

static int on_att(struct parser *ps)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    const char *v = sv(&ps->seg, 3, 0);
    if (!t || strcmp(sv(&ps->seg, 1, 0), "2"))
        return LIAISON_OK;
    if (!strcmp(v, "M") || !strcmp(v, "F"))
        t->sex = v[0] == 'M' ? "M" : "F";
    else if (!strcmp(v, "U") || !strcmp(v, "X"))
        t->sex = "X";
    else
        warn(ps, "sex '%.8s' is not M, F, U or X", v);
    return LIAISON_OK;
}

static int on_nat(struct parser *ps)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    if (t)
        t->nationality = country(ps, "nationality", sv(&ps->seg, 2, 0));
    return LIAISON_OK;
}

static int on_rff(struct parser *ps)
{
    fmt_paxlst_traveller *t = cur_trav(ps);
    const char *q = sv(&ps->seg, 1, 0);
    if (!t)
        return LIAISON_OK;
    if (!strcmp(q, "AVF"))
        t->reservation = keep(ps, sv(&ps->seg, 1, 1));
    else if (!strcmp(q, "ABO"))
        t->reference = keep(ps, sv(&ps->seg, 1, 1));
    return LIAISON_OK;
}

static int on_bgm(struct parser *ps)
{
    fmt_paxlst_part *pt = &ps->pv->parts[ps->pv->n_parts - 1];
    pt->bgm_code = keep(ps, sv(&ps->seg, 1, 0));
    pt->bgm_id = keep(ps, sv(&ps->seg, 2, 0));
    return LIAISON_OK;
}

/* CNT 41/42: the sender's traveller total (CNT+42:10).  A mismatch is
** only a warning: senders disagree on what it counts. */
static int on_cnt(struct parser *ps)
{
    fmt_paxlst_part *pt = &ps->pv->parts[ps->pv->n_parts - 1];
    const char *v = sv(&ps->seg, 1, 1);
    long n;
    trav_end(ps);
    ps->where = IN_OTHER;
    if (!*v && *sv(&ps->seg, 2, 0)) {
        v = sv(&ps->seg, 2, 0);
        warn(ps, "count in element 2 instead of component 2");
    }
    if (util_parse_long(v, 0, 100000000L, &n) != LIAISON_OK) {
        warn(ps, "count '%.20s' is not a number", v);
        return LIAISON_OK;
    }
    pt->declared_travellers = n;
    return LIAISON_OK;
}

/* Message segments other than the envelope. */
static const struct {
    const char *tag;
    int (*fn)(struct parser *ps);
} handlers[] = {
    {"BGM", on_bgm}, {"TDT", on_tdt}, {"LOC", on_loc}, {"DTM", on_dtm},
    {"NAD", on_nad}, {"ATT", on_att}, {"NAT", on_nat}, {"DOC", on_doc},
    {"RFF", on_rff}, {"CNT", on_cnt},
};

/* ---------------------------------------------------------------- envelope */

/* Is v the decimal number want?  (Leading zeros allowed.) */
static int count_is(const char *v, long want)
{
    long n;
    return util_parse_long(v, 0, 1000000000L, &n) == LIAISON_OK && n == want;
}

static int on_unb(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    const char *syn = sv(s, 1, 0);
    char buf[64];
    if (ps->have_unb || ps->msgs)
        return fail(ps, LIAISON_EFORMAT, "UNB must open the interchange");
    ps->have_unb = 1;
    snprintf(buf, sizeof(buf), "%.20s%s%.20s", syn, *sv(s, 1, 1) ? ":" : "",
             sv(s, 1, 1));
    ps->p->syntax = keep(ps, buf);
    ps->latin1 = strlen(syn) == 4 && !memcmp(syn, "UNO", 3) &&
                 syn[3] >= 'C' && syn[3] <= 'K';
    ps->p->sender = keep(ps, sv(s, 2, 0));
    ps->p->recipient = keep(ps, sv(s, 3, 0));
    snprintf(buf, sizeof(buf), "%.20s%s%.20s", sv(s, 4, 0),
             *sv(s, 4, 1) ? ":" : "", sv(s, 4, 1));
    ps->p->prepared = keep(ps, buf);
    ps->unb_ref = ps->p->interchange_ref = keep(ps, sv(s, 5, 0));
    return LIAISON_OK;
}

static int on_ung(struct parser *ps)
{
    if (!ps->have_unb || ps->in_msg || ps->in_group)
        return fail(ps, LIAISON_EFORMAT, "UNG outside the interchange or "
                    "inside a group or message");
    ps->in_group = 1;
    ps->used_groups = 1;
    ps->n_groups++;
    ps->group_msgs = 0;
    ps->ung_ref = keep(ps, sv(&ps->seg, 5, 0));
    return LIAISON_OK;
}

static int on_unh(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    fmt_paxlst_part *pt;
    char ver[32];
    long seq = 0;
    int rc;
    if (ps->in_msg)
        return fail(ps, LIAISON_EFORMAT, "UNH inside message %.40s (no UNT "
                    "before it)", ps->unh_ref ? ps->unh_ref : "");
    if (ps->used_groups && !ps->in_group)
        return fail(ps, LIAISON_EFORMAT, "UNH outside a group (UNG) in an "
                    "interchange that uses groups");
    if (strcmp(sv(s, 2, 0), "PAXLST"))
        return fail(ps, LIAISON_EFORMAT, "message type '%.20s' is not PAXLST",
                    sv(s, 2, 0));
    rc = grow((void **)&ps->pv->parts, &ps->pv->cap_parts, ps->pv->n_parts,
              sizeof(*pt), ps->o.max_messages);
    if (rc)
        return fail(ps, rc, rc == LIAISON_ETOOBIG ? "more than %zu messages"
                                                  : "out of memory",
                    ps->o.max_messages);
    pt = &ps->pv->parts[ps->pv->n_parts++];
    memset(pt, 0, sizeof(*pt));
    ps->in_msg = 1;
    ps->msgs++;
    ps->group_msgs++;
    ps->msg_segs = 1;
    ps->part_trav = 0;
    ps->where = IN_HEADER;
    ps->unh_ref = pt->reference = keep(ps, sv(s, 1, 0));
    snprintf(ver, sizeof(ver), "%.8s:%.8s", sv(s, 2, 1), sv(s, 2, 2));
    if (!ps->p->version)
        ps->p->version = keep(ps, ver);
    pt->common_ref = keep(ps, sv(s, 3, 0));
    if (*sv(s, 4, 0) && util_parse_long(sv(s, 4, 0), 1, 99999, &seq))
        warn(ps, "part number '%.20s' is not a number", sv(s, 4, 0));
    pt->sequence = seq;
    pt->last = sv(s, 4, 1)[0];
    pt->declared_travellers = -1;
    if (strcmp(ver, "D:02B") && strcmp(ver, "D:05B"))
        warn(ps, "directory %s: only D:02B and D:05B are known", ver);
    return LIAISON_OK;
}

static int on_unt(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    fmt_paxlst_part *pt;
    int rc = LIAISON_OK;
    trav_end(ps);                       /* on_segment saw in_msg */
    leg_end(ps);
    pt = &ps->pv->parts[ps->pv->n_parts - 1];
    pt->n_travellers = ps->part_trav;
    if (!count_is(sv(s, 1, 0), ps->msg_segs))
        rc = mismatch(ps, "message has %ld segments, UNT says '%.20s'",
                      ps->msg_segs, sv(s, 1, 0));
    if (!rc && !same_ref(sv(s, 2, 0), ps->unh_ref))
        rc = mismatch(ps, "reference '%.40s' is not the UNH's '%.40s'",
                      sv(s, 2, 0), ps->unh_ref ? ps->unh_ref : "");
    if (pt->declared_travellers >= 0 &&
        pt->declared_travellers != (long)pt->n_travellers)
        warn(ps, "CNT declares %ld travellers, the message has %zu",
             pt->declared_travellers, pt->n_travellers);
    ps->in_msg = 0;
    ps->where = IN_OTHER;
    return rc;
}

static int on_une(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    int rc;
    if (!ps->in_group || ps->in_msg)
        return fail(ps, LIAISON_EFORMAT, "UNE without a group, or inside a "
                    "message");
    ps->in_group = 0;
    rc = count_is(sv(s, 1, 0), ps->group_msgs) ? LIAISON_OK
         : mismatch(ps, "group has %ld messages, UNE says '%.20s'",
                    ps->group_msgs, sv(s, 1, 0));
    if (!rc && !same_ref(sv(s, 2, 0), ps->ung_ref))
        rc = mismatch(ps, "reference '%.40s' is not the UNG's '%.40s'",
                      sv(s, 2, 0), ps->ung_ref ? ps->ung_ref : "");
    return rc;
}

static int on_unz(struct parser *ps)
{
    const struct seg *s = &ps->seg;
    long want = ps->used_groups ? ps->n_groups : ps->msgs;
    int rc;
    if (!ps->have_unb || ps->in_msg || ps->in_group)
        return fail(ps, LIAISON_EFORMAT, "UNZ without UNB, or before the "
                    "last %s is closed", ps->in_msg ? "message" : "group");
    ps->done = 1;
    rc = count_is(sv(s, 1, 0), want) ? LIAISON_OK
         : mismatch(ps, "interchange has %ld %s, UNZ says '%.20s'", want,
                    ps->used_groups ? "groups" : "messages", sv(s, 1, 0));
    if (!rc && !same_ref(sv(s, 2, 0), ps->unb_ref))
        rc = mismatch(ps, "reference '%.40s' is not the UNB's '%.40s'",
                      sv(s, 2, 0), ps->unb_ref ? ps->unb_ref : "");
    return rc;
}

/* One segment in its place in the envelope. */
static int on_segment(struct parser *ps)
{
    const char *tag = ps->seg.tag;
    size_t i;
    if (!strcmp(tag, "UNA"))
        return fail(ps, LIAISON_EFORMAT, "UNA must come first");
    if (!strcmp(tag, "UNB"))
        return on_unb(ps);
    if (!ps->have_unb && !ps->msgs && strcmp(tag, "UNH"))
        return fail(ps, LIAISON_EFORMAT, "expected UNA, UNB or UNH, not "
                    "'%s': not an EDIFACT interchange", tag);
    if (!strcmp(tag, "UNG"))
        return on_ung(ps);
    if (!strcmp(tag, "UNH"))
        return on_unh(ps);
    if (!strcmp(tag, "UNE"))
        return on_une(ps);
    if (!strcmp(tag, "UNZ"))
        return on_unz(ps);
    if (!ps->in_msg)
        return fail(ps, LIAISON_EFORMAT, "segment outside a message "
                    "(UNH..UNT)");
    ps->msg_segs++;
    if (!strcmp(tag, "UNT"))
        return on_unt(ps);
    for (i = 0; i < UTIL_ARRAY_LEN(handlers); i++)
        if (!strcmp(tag, handlers[i].tag))
            return handlers[i].fn(ps);
    return LIAISON_OK;                  /* COM, FTX, MEA, EMP, ...: not needed */
}

/* ---------------------------------------------------------------- parse */

/* UNA: the six service characters.  Returns LIAISON_OK (consumed or
** absent) or LIAISON_EFORMAT. */
static int read_una(struct parser *ps)
{
    struct lexer *lx = &ps->lx;
    struct seps *sp = &lx->sep;
    const char *b;
    int i;
    while (lx->pos < lx->len && is_space(lx->buf[lx->pos]))
        lx->pos++;
    if (lx->len - lx->pos < 3 || memcmp(lx->buf + lx->pos, "UNA", 3))
        return LIAISON_OK;
    ps->seg.number = ++lx->segno;
    ps->seg.offset = lx->pos;
    memcpy(ps->seg.tag, "UNA", 4);
    if (lx->len - lx->pos < 9)
        return fail(ps, LIAISON_EFORMAT, "service string advice cut short");
    b = lx->buf + lx->pos + 3;
    for (i = 0; i < 6; i++) {
        unsigned char c = (unsigned char)b[i];
        if ((c < 0x20 || c > 0x7e) && !(i == 5 && (c == '\r' || c == '\n')))
            return fail(ps, LIAISON_EFORMAT, "service character %d is not "
                        "printable (0x%02x)", i + 1, c);
    }
    memcpy(ps->p->separators, b, 6);
    sp->comp = b[0];
    sp->elem = b[1];
    sp->dec = b[2];
    sp->rel = b[3] == ' ' ? 0 : b[3];
    sp->rep = b[4];
    sp->term = b[5];
    if (sp->comp == sp->elem || sp->comp == sp->term ||
        sp->elem == sp->term || (sp->rel && (sp->rel == sp->comp ||
        sp->rel == sp->elem || sp->rel == sp->term)) ||
        is_space(sp->comp) || is_space(sp->elem) || sp->term == ' ' ||
        sp->term == '\t' || !sp->comp || !sp->elem || !sp->term)
        return fail(ps, LIAISON_EFORMAT, "component, element, release and "
                    "segment separators must be distinct and not blank");
    lx->pos += 9;
    return LIAISON_OK;
}

/* After UNZ only blanks may follow (strict), or anything is ignored with
** a warning (lenient). */
static int check_tail(struct parser *ps)
{
    struct lexer *lx = &ps->lx;
    size_t rest;
    while (lx->pos < lx->len && is_space(lx->buf[lx->pos]))
        lx->pos++;
    if (lx->pos == lx->len)
        return LIAISON_OK;
    rest = lx->len - lx->pos;
    ps->seg.number = lx->segno + 1;
    ps->seg.offset = lx->pos;
    ps->seg.tag[0] = '\0';
    return mismatch(ps, "%zu bytes after UNZ", rest);
}

static int check_end(struct parser *ps)
{
    ps->seg.number = ps->lx.segno + 1;
    ps->seg.offset = ps->lx.len;
    ps->seg.tag[0] = '\0';
    if (ps->in_msg)
        return fail(ps, LIAISON_EFORMAT, "input ends inside message '%.40s' "
                    "(no UNT): truncated", ps->unh_ref ? ps->unh_ref : "");
    if (ps->in_group)
        return fail(ps, LIAISON_EFORMAT, "input ends inside a group (no "
                    "UNE): truncated");
    if (ps->have_unb && !ps->done)
        return fail(ps, LIAISON_EFORMAT, "input ends before UNZ: truncated");
    if (!ps->msgs)
        return fail(ps, LIAISON_EFORMAT, "no message (UNH) in the input");
    if (!ps->have_unb)
        warn(ps, "no interchange envelope (UNB..UNZ)");
    return LIAISON_OK;
}

/* Part numbers: 1, 2, ... with the last marked final (F). */
static void check_parts(struct parser *ps)
{
    const struct priv *pv = ps->pv;
    size_t i;
    for (i = 0; i < pv->n_parts; i++) {
        if (!pv->parts[i].sequence)
            return;
        if (pv->parts[i].sequence != (long)i + 1) {
            warn(ps, "message %zu is part %ld of its list: parts are "
                 "missing from this interchange", i + 1,
                 pv->parts[i].sequence);
            return;
        }
    }
    if (pv->n_parts && pv->parts[pv->n_parts - 1].last != 'F')
        warn(ps, "the last part is not marked final (F): more may follow");
}

static void set_defaults(fmt_paxlst_opts *o, const fmt_paxlst_opts *in)
{
    memset(o, 0, sizeof(*o));
    if (in)
        *o = *in;
    if (!o->max_bytes) o->max_bytes = (size_t)64 << 20;
    if (!o->max_segment) o->max_segment = 4096;
    if (!o->max_travellers) o->max_travellers = 50000;
    if (!o->max_documents) o->max_documents = 16;
    if (!o->max_legs) o->max_legs = 32;
    if (!o->max_messages) o->max_messages = 1000;
    if (o->ref_year <= 0) {
        time_t t = (time_t)util_unix_time();
        struct tm tm;
        o->ref_year = gmtime_r(&t, &tm) ? tm.tm_year + 1900 : 2000;
    }
}

/* Point everything of the result at its final arrays (design note 2). */
static void finish(struct parser *ps)
{
    struct priv *pv = ps->pv;
    fmt_paxlst *p = ps->p;
    size_t i, d = 0;
    for (i = 0; i < pv->n_trav; i++) {
        pv->trav[i].documents = pv->trav[i].n_documents ? pv->docs + d : NULL;
        d += pv->trav[i].n_documents;
    }
    p->legs = pv->legs;
    p->n_legs = pv->n_legs;
    p->flight = ps->main_leg >= 0 ? &pv->legs[ps->main_leg]
              : pv->n_legs ? &pv->legs[pv->n_legs - 1] : NULL;
    p->travellers = pv->trav;
    p->n_travellers = pv->n_trav;
    p->parts = pv->parts;
    p->n_parts = pv->n_parts;
    p->warnings = pv->warn;
    p->n_segments = ps->lx.segno;
}

static int run(struct parser *ps)
{
    int rc;
    if ((rc = read_una(ps)) != 0)
        return rc;
    for (;;) {
        rc = lex_next(&ps->lx, &ps->seg, ps->err);
        if (rc <= 0)
            break;
        rc = on_segment(ps);
        if (!rc && ps->oom)
            rc = fail(ps, LIAISON_ENOMEM, "out of memory");
        if (rc)
            return rc;
        if (ps->done) {
            rc = check_tail(ps);
            return rc ? rc : check_end(ps);
        }
    }
    if (rc < 0)
        return rc;
    return check_end(ps);
}

int fmt_paxlst_parse(const char *buf, size_t len, const fmt_paxlst_opts *opts,
                     fmt_paxlst **out, struct liaison_err *err)
{
    struct parser ps;
    int rc;
    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return util_err(err, LIAISON_EINVAL, 0, 0, "no input or output");
    memset(&ps, 0, sizeof(ps));
    set_defaults(&ps.o, opts);
    if (len > ps.o.max_bytes)
        return util_err(err, LIAISON_ETOOBIG, 0, 0, "manifest of %zu bytes "
                        "is over the limit of %zu", len, ps.o.max_bytes);
    ps.err = err;
    ps.cur_trav = ps.cur_doc = ps.cur_leg = ps.main_leg = -1;
    ps.lx.buf = buf ? buf : "";
    ps.lx.len = len;
    ps.lx.max_segment = ps.o.max_segment;
    ps.lx.sep.comp = ':';
    ps.lx.sep.elem = '+';
    ps.lx.sep.dec = '.';
    ps.lx.sep.rel = '?';
    ps.lx.sep.rep = '*';
    ps.lx.sep.term = '\'';
    ps.p = util_calloc(1, sizeof(*ps.p));
    ps.pv = util_calloc(1, sizeof(*ps.pv));
    ps.seg.data = util_malloc(ps.o.max_segment + MAX_COMPS + 1);
    if (!ps.p || !ps.pv || !ps.seg.data) {
        util_free(ps.p);
        util_free(ps.pv);
        util_free(ps.seg.data);
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    }
    ps.p->priv_ = ps.pv;
    util_arena_init(&ps.pv->arena, 16384);
    rc = run(&ps);
    if (!rc) {
        check_parts(&ps);
        if (ps.oom)
            rc = util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    }
    util_free(ps.seg.data);
    if (rc) {
        fmt_paxlst_free(ps.p);
        return rc;
    }
    if (!ps.p->separators[0])
        memcpy(ps.p->separators, ":+.?*'", 7);
    finish(&ps);
    *out = ps.p;
    return LIAISON_OK;
}

void fmt_paxlst_query(const fmt_paxlst_traveller *t, liaison_query *q)
{
    size_t i;
    const fmt_paxlst_doc *doc = NULL;
    memset(q, 0, sizeof(*q));
    q->name = t->full_name;
    q->dob = t->dob;
    q->nationality = t->nationality;
    q->gender = t->sex && t->sex[0] != 'X' ? t->sex : NULL;
    for (i = 0; i < t->n_documents; i++) {
        const fmt_paxlst_doc *d = &t->documents[i];
        if (!d->number)
            continue;
        if (!doc || (!strcmp(d->type, "P") && strcmp(doc->type, "P")))
            doc = d;
    }
    if (doc) {
        q->doc = doc->number;
        q->doc_country = doc->issuer;
    }
}
