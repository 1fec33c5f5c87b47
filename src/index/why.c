/*
** why.c: explaining a hit - each aligned pair of name parts, the parts
** left unmatched, and the date of birth, nationality, gender and document
** that moved the score.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "index/searcher.h"

/* ---------------------------------------------------------------- why */

/* One end of a date: YYYY, YYYY-MM or YYYY-MM-DD, as much as is known. */
static void ymd_str(int y, int m, int d, char *out, size_t cap)
{
    if (m && d)
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    else if (m)
        snprintf(out, cap, "%04d-%02d", y, m);
    else
        snprintf(out, cap, "%04d", y);
}

static void date_str(const match_date *d, char *out, size_t cap)
{
    char a[40], b[40];
    ymd_str(d->y1, d->m1, d->d1, a, sizeof(a));
    if (d->y1 == d->y2 && d->m1 == d->m2 && d->d1 == d->d2) {
        snprintf(out, cap, "%s", a);
        return;
    }
    ymd_str(d->y2, d->m2, d->d2, b, sizeof(b));
    snprintf(out, cap, "%s/%s", a, b);
}

typedef struct why_list {
    const char *items[MATCH_MAX_POS + 8];
    size_t n;
} why_list;

static int why_add(result_priv *p, why_list *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_add(result_priv *p, why_list *w, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    char *s;
    if (w->n >= UTIL_ARRAY_LEN(w->items))
        return LIAISON_OK;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    s = util_arena_strdup(&p->arena, buf);
    if (!s)
        return LIAISON_ENOMEM;
    w->items[w->n++] = s;
    return LIAISON_OK;
}

static const char *role_of(uint8_t flags)
{
    if (flags & TEXT_TOK_TITLE)
        return "title";
    if (flags & TEXT_TOK_FAMILY)
        return "family";
    if (flags & TEXT_TOK_GIVEN)
        return "given";
    return "name";
}

/* Explain a name match: each aligned pair, then the query parts left
** unmatched. */
static int why_name(liaison_searcher *s, const rec_score *rs, result_priv *p,
                    why_list *w)
{
    match_name_score ns;
    uint32_t qused = 0;
    char unmatched[256];
    size_t ul = 0;
    int i, rc = LIAISON_OK;
    if (rs->alt != s->cur_alt && rs->alt >= 0 && rs->alt < s->nalts) {
        rc = idx_name_prepare(s, s->qname + s->alt_off[rs->alt],
                          s->alt_len[rs->alt], NULL);
        if (rc)
            return rc;
        s->cur_alt = rs->alt;
    }
    if (s->nalts > 1)
        rc = why_add(p, w, "query name: %.*s", (int)s->alt_len[rs->alt],
                     s->qname + s->alt_off[rs->alt]);
    idx_name_load(s, rs->name, 1);
    match_names_rows(&s->qside, &s->rside, &s->rsims, &ns);
    for (i = 0; i < ns.npairs && !rc; i++) {
        const match_pair *mp = &ns.pairs[i];
        const match_tok *qt = s->qside.toks[mp->qi], *rt = s->rside.toks[mp->ri];
        int k;
        for (k = s->qside.first[mp->qi]; k <= s->qside.last[mp->qi]; k++)
            qused |= 1u << k;
        rc = why_add(p, w, "%s: %.*s%s%.*s %.2f (%s)", role_of(rt->flags),
                     (int)qt->form_len, qt->form,
                     mp->how == MATCH_EXACT ? "=" : "~", (int)rt->form_len,
                     rt->form, mp->sim, match_how_name(mp->how));
    }
    for (i = 0; i < s->qside.n && !rc; i++) {
        const match_tok *qt = s->qside.toks[i];
        if ((qt->flags & TEXT_TOK_COMPOUND) || (qused & (1u << s->qside.first[i])))
            continue;
        if (ul + qt->form_len + 3 < sizeof(unmatched)) {
            if (ul)
                unmatched[ul++] = ',', unmatched[ul++] = ' ';
            memcpy(unmatched + ul, qt->form, qt->form_len);
            ul += qt->form_len;
        }
    }
    if (!rc && ul)
        rc = why_add(p, w, "not in this name: %.*s", (int)ul, unmatched);
    return rc;
}

int idx_hit_explain(liaison_searcher *s, const rec_score *rs,
                       result_priv *p, liaison_hit *h)
{
    const liaison_engine *e = s->e;
    const idx_rec *r = &IDX_AT(e->recs, idx_rec, rs->rec);
    why_list w;
    const char **arr;
    int rc = LIAISON_OK;
    w.n = 0;
    if (rs->name != UINT32_MAX)
        rc = why_name(s, rs, p, &w);
    if (!rc && rs->dob_rel != MATCH_DOB_UNKNOWN) {
        int bi;
        char qd[96], rd[96];
        match_dob(&s->qdob, &IDX_AT(e->dates, match_date, r->dob), r->ndob,
                  &bi);
        date_str(&s->qdob, qd, sizeof(qd));
        date_str(&IDX_AT(e->dates, match_date, r->dob + (uint32_t)(bi < 0 ? 0 : bi)),
                 rd, sizeof(rd));
        rc = why_add(p, &w, "dob: %s vs %s (%s)", qd, rd,
                     match_dob_name(rs->dob_rel));
    }
    if (!rc && rs->nat > 0)
        rc = why_add(p, &w, "nationality: %s (same)", s->qnat);
    else if (!rc && rs->nat < 0)
        rc = why_add(p, &w, "nationality: %s, record says %s%s", s->qnat,
                     idx_rec_nat(e, r, 0), r->nnat > 1 ? " and others" : "");
    if (!rc && rs->gender < 0)
        rc = why_add(p, &w, "gender: %s, record says %c", s->qgender,
                     r->gender);
    if (!rc && rs->doc >= 0) {
        const idx_doc *d = &IDX_AT(e->docs, idx_doc, rs->doc);
        rc = why_add(p, &w, "document: %s%s%s%s%s%s%s (%s)",
                     idx_str(e, d->number), d->type ? " " : "",
                     idx_str(e, d->type), d->country ? " " : "",
                     idx_str(e, d->country), d->status ? ", " : "",
                     idx_str(e, d->status),
                     rs->doc_country_differs
                         ? "same number, another issuing country"
                         : "exact number");
    }
    if (rc)
        return rc;
    arr = util_arena_alloc(&p->arena, (w.n ? w.n : 1) * sizeof(char *));
    if (!arr)
        return LIAISON_ENOMEM;
    memcpy(arr, w.items, w.n * sizeof(char *));
    h->why = arr;
    h->n_why = w.n;
    return LIAISON_OK;
}
