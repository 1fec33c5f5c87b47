/*
** engine.c: building the index (liaison_engine_new/add/build/free).
**
** NOTES ON THE DESIGN
**
** 1. Records are added one by one; each name is parsed once (text
**    module) and its parts interned into the vocabulary.  Nothing is
**    searchable until liaison_engine_build(), which computes weights and
**    lays postings and keys out as flat arrays (CSR).
** 2. Weights are evidence: -ln p / ln 1e6, where p is the chance that an
**    unrelated person's name contains the part (or an equivalent of it).
**    p is the larger of (a) the part's frequency among the *other* names
**    of the list (leave-one-out, so a part seen once says nothing about
**    its own frequency and small lists are not distorted) and (b) its
**    commonness in the general population (data/name_common.tsv), with a
**    floor of one in a million.  Equivalent spellings share one frequency:
**    Mohammed is common however it is spelled.
** 3. Strings (record ids, names as given, vocabulary keys) live in one
**    buffer addressed by 32-bit offsets; offset 0 is the empty string.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/index.h"

#define STRS_MAX ((size_t)UINT32_MAX - 1)
#define REF_POPULATION 1e6

void idx_vec_init(idx_vec *v, size_t size)
{
    v->p = NULL;
    v->n = v->cap = 0;
    v->size = size;
}

void idx_vec_fini(idx_vec *v)
{
    util_free(v->p);
    v->p = NULL;
    v->n = v->cap = 0;
}

/* Move a finished block of size bytes (used of them in use) to big-array
** memory (huge pages: util_malloc_big), where random reads cost fewer TLB
** misses.  Left where it is when small or when memory is short. */
static void settle(void **p, size_t used, size_t size)
{
    void *np;
    if (!*p || size < ((size_t)2 << 20) || !(np = util_malloc_big(size)))
        return;
    memcpy(np, *p, used);
    util_free(*p);
    *p = np;
}

static void idx_vec_settle(idx_vec *v)
{
    settle(&v->p, v->n * v->size, v->n * v->size);
    if (v->p && v->n * v->size >= ((size_t)2 << 20))
        v->cap = v->n;
}

void *idx_vec_push(idx_vec *v)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 64;
        void *np = util_realloc(v->p, ncap * v->size);
        if (!np)
            return NULL;
        v->p = np;
        v->cap = ncap;
    }
    return (char *)v->p + v->size * v->n++;
}

const char *idx_str(const liaison_engine *e, uint32_t off)
{
    return e->strs.p + off;
}

/* Append a string; returns its offset, 0 for NULL/empty, or UINT32_MAX
** when out of memory. */
static uint32_t put_str(liaison_engine *e, const char *s, size_t len)
{
    size_t off = e->strs.len;
    if (!s || !len)
        return 0;
    if (off + len + 1 > STRS_MAX)
        return UINT32_MAX;
    if (util_buf_add(&e->strs, s, len) || util_buf_addc(&e->strs, '\0'))
        return UINT32_MAX;
    return (uint32_t)off;
}

/* Intern a short string that repeats (list names, owners, categories). */
static uint32_t intern_str(liaison_engine *e, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    int64_t v;
    uint32_t off;
    if (!len)
        return 0;
    v = util_strmap_get(&e->str_intern, s, len);
    if (v >= 0)
        return (uint32_t)v;
    off = put_str(e, s, len);
    if (off == UINT32_MAX ||
        util_strmap_put(&e->str_intern, s, len, off, NULL, NULL))
        return UINT32_MAX;
    return off;
}

int liaison_engine_new(const liaison_engine_opts *opts, liaison_engine **out,
                       struct liaison_err *err)
{
    liaison_engine *e;
    int rc;
    *out = NULL;
    e = util_calloc(1, sizeof(*e));
    if (!e)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    e->build_threads = opts ? opts->build_threads : 0;
    util_buf_init(&e->strs, STRS_MAX);
    util_strmap_init(&e->str_intern);
    util_strmap_init(&e->vocab_map);
    util_strmap_init(&e->key_map);
    util_strmap_init(&e->doc_map);
    idx_vec_init(&e->recs, sizeof(idx_rec));
    idx_vec_init(&e->dates, sizeof(match_date));
    idx_vec_init(&e->nats, 4);
    idx_vec_init(&e->vocab, sizeof(idx_vtok));
    idx_vec_init(&e->name_rec, sizeof(uint32_t));
    idx_vec_init(&e->name_full, sizeof(uint32_t));
    idx_vec_init(&e->name_off, sizeof(uint32_t));
    idx_vec_init(&e->name_npos, sizeof(uint8_t));
    idx_vec_init(&e->units, sizeof(idx_unit));
    idx_vec_init(&e->docs, sizeof(idx_doc));
    idx_vec_init(&e->doc_next, sizeof(uint32_t));
    idx_vec_init(&e->doc_head, sizeof(uint32_t));
    idx_vec_init(&e->doc_key, sizeof(uint32_t));
    rc = util_buf_addc(&e->strs, '\0');     /* offset 0: "" */
    if (!rc)
        rc = text_tables_new(opts ? opts->data_dir : NULL, &e->tables, err);
    if (!rc)
        rc = text_ctx_new(e->tables, &e->tctx);
    if (!rc) {
        e->scratch_name = util_malloc(sizeof(text_name));
        if (!e->scratch_name)
            rc = LIAISON_ENOMEM;
    }
    if (rc) {
        if (err && !err->msg[0])
            util_err(err, rc, 0, 0, "%s", liaison_strerror(rc));
        liaison_engine_free(e);
        return rc;
    }
    *out = e;
    return LIAISON_OK;
}

void liaison_engine_free(liaison_engine *e)
{
    if (!e)
        return;
    text_ctx_free(e->tctx);
    text_tables_free(e->tables);
    util_free(e->scratch_name);
    util_buf_fini(&e->strs);
    util_strmap_fini(&e->str_intern);
    util_strmap_fini(&e->vocab_map);
    util_strmap_fini(&e->key_map);
    util_strmap_fini(&e->doc_map);
    idx_vec_fini(&e->recs);
    idx_vec_fini(&e->dates);
    idx_vec_fini(&e->nats);
    idx_vec_fini(&e->vocab);
    idx_vec_fini(&e->name_rec);
    idx_vec_fini(&e->name_full);
    idx_vec_fini(&e->name_off);
    idx_vec_fini(&e->name_npos);
    idx_vec_fini(&e->units);
    idx_vec_fini(&e->docs);
    idx_vec_fini(&e->doc_next);
    idx_vec_fini(&e->doc_head);
    idx_vec_fini(&e->doc_key);
    util_free(e->doc_tab);
    util_free(e->post_off);
    util_free(e->post);
    util_free(e->names);
    util_free(e->post_year);
    util_free(e->ydir);
    util_free(e->key_off);
    util_free(e->key_toks);
    util_free(e->cls_off);
    util_free(e->cls_toks);
    util_free(e->nbr_off);
    util_free(e->nbr);
    util_free(e);
}

/* Intern one parsed part; returns its vocabulary id or UINT32_MAX. */
static uint32_t intern_tok(liaison_engine *e, const text_name *n,
                           const text_tok *t)
{
    char key[260];
    size_t klen = (size_t)t->form_len + 1;
    uint32_t id;
    int found;
    idx_vtok *v;
    key[0] = (t->flags & TEXT_TOK_ABJAD) ? 'A' : 'L';
    memcpy(key + 1, text_tok_form(n, t), t->form_len);
    if (util_strmap_put(&e->vocab_map, key, klen, (uint32_t)e->vocab.n,
                        &found, &id))
        return UINT32_MAX;
    if (found)
        return id;
    v = idx_vec_push(&e->vocab);
    if (!v)
        return UINT32_MAX;
    memset(v, 0, sizeof(*v));
    v->form = put_str(e, text_tok_form(n, t), t->form_len);
    v->phon = put_str(e, text_tok_phon(n, t), t->phon_len);
    v->skel = put_str(e, text_tok_skel(n, t), t->skel_len);
    if (v->form == UINT32_MAX || v->phon == UINT32_MAX ||
        v->skel == UINT32_MAX)
        return UINT32_MAX;
    v->form_len = t->form_len;
    v->phon_len = t->phon_len;
    v->skel_len = t->skel_len;
    v->flags = t->flags & (TEXT_TOK_ABJAD | TEXT_TOK_INITIAL);
    v->cls = t->cls;
    v->ssig = match_skel_sig(text_tok_skel(n, t), t->skel_len);
    v->fsig = match_signature(text_tok_form(n, t), t->form_len);
    v->psig = match_signature(text_tok_phon(n, t), t->phon_len);
    return id;
}

/* Index one name of record rec. */
static int add_name(liaison_engine *e, uint32_t rec, const char *full)
{
    text_name *n = e->scratch_name;
    uint32_t *p, start = (uint32_t)e->units.n, ids[TEXT_MAX_TOKENS];
    uint8_t *np;
    int rc, i, j;

    rc = text_name_parse(e->tctx, full, strlen(full), n);
    if (rc)
        return rc;
    if (n->ntoks == 0)
        return LIAISON_OK;
    for (i = 0; i < n->ntoks; i++) {
        const text_tok *t = &n->toks[i];
        idx_unit *u;
        ids[i] = intern_tok(e, n, t);
        if (ids[i] == UINT32_MAX)
            return LIAISON_ENOMEM;
        for (j = 0; j < i && ids[j] != ids[i]; j++)
            ;
        if (j == i)
            IDX_AT(e->vocab, idx_vtok, ids[i]).df++;
        u = idx_vec_push(&e->units);
        if (!u)
            return LIAISON_ENOMEM;
        u->tok = ids[i];
        u->first = t->first;
        u->last = t->last;
        u->flags = t->flags;
        u->wq = 0;
    }
    if (!(p = idx_vec_push(&e->name_rec)))
        return LIAISON_ENOMEM;
    *p = rec;
    if (!(p = idx_vec_push(&e->name_off)))
        return LIAISON_ENOMEM;
    *p = start;
    if (!(p = idx_vec_push(&e->name_full)))
        return LIAISON_ENOMEM;
    *p = put_str(e, full, strlen(full));
    if (*p == UINT32_MAX)
        return LIAISON_ENOMEM;
    if (!(np = idx_vec_push(&e->name_npos)))
        return LIAISON_ENOMEM;
    *np = (uint8_t)n->npos;
    e->n_names++;
    return LIAISON_OK;
}

static int add_doc(liaison_engine *e, uint32_t rec, const char *type,
                   const char *number, const char *country)
{
    liaison_document d;
    if (!number || !*number)
        return LIAISON_OK;
    memset(&d, 0, sizeof(d));
    d.type = type;
    d.number = number;
    d.country = country;
    return idx_docs_add(e, rec, &d);
}

int liaison_engine_add(liaison_engine *e, const liaison_record *r)
{
    idx_rec *ir;
    uint32_t rec;
    size_t i;
    int rc = LIAISON_OK;

    if (!e || !r || !r->id || !*r->id || !r->list || !*r->list)
        return LIAISON_EINVAL;
    if (e->built)
        return LIAISON_ESTATE;
    if (e->recs.n >= UINT32_MAX - 1)
        return LIAISON_ETOOBIG;
    for (i = 0; i < r->n_names; i++)
        if (r->names[i].full &&
            text_utf8_check(r->names[i].full, strlen(r->names[i].full), NULL))
            return LIAISON_EUTF8;
    rec = (uint32_t)e->recs.n;
    ir = idx_vec_push(&e->recs);
    if (!ir)
        return LIAISON_ENOMEM;
    memset(ir, 0, sizeof(*ir));
    ir->id = put_str(e, r->id, strlen(r->id));
    ir->list = intern_str(e, r->list);
    ir->owner = intern_str(e, r->owner);
    ir->category = intern_str(e, r->category);
    if (ir->id == UINT32_MAX || ir->list == UINT32_MAX ||
        ir->owner == UINT32_MAX || ir->category == UINT32_MAX)
        return LIAISON_ENOMEM;
    ir->kind = (uint8_t)r->kind;
    ir->sharing = (uint8_t)r->sharing;
    ir->gender = r->gender && (r->gender[0] == 'M' || r->gender[0] == 'F')
                     ? r->gender[0] : 0;
    ir->dob = (uint32_t)e->dates.n;
    for (i = 0; i < r->n_dobs && ir->ndob < 255; i++) {
        match_date d, *dp;
        if (match_date_parse(r->dobs[i], &d))
            continue;
        dp = idx_vec_push(&e->dates);
        if (!dp)
            return LIAISON_ENOMEM;
        *dp = d;
        ir = &IDX_AT(e->recs, idx_rec, rec);
        ir->ndob++;
    }
    {
        const match_date *d = &IDX_AT(e->dates, match_date, ir->dob);
        int lo = 9999, hi = 0, k;
        for (k = 0; k < ir->ndob; k++) {
            lo = d[k].y1 < lo ? d[k].y1 : lo;
            hi = d[k].y2 > hi ? d[k].y2 : hi;
        }
        ir->year = ir->ndob && hi - lo <= IDX_YEAR_SPREAD ? (uint16_t)lo : 0;
    }
    ir->nat = (uint32_t)e->nats.n;
    for (i = 0; i < r->n_nationalities && ir->nnat < 255; i++) {
        char *c;
        if (!r->nationalities[i] || strlen(r->nationalities[i]) != 3)
            continue;
        c = idx_vec_push(&e->nats);
        if (!c)
            return LIAISON_ENOMEM;
        memcpy(c, r->nationalities[i], 3);
        c[3] = '\0';
        ir = &IDX_AT(e->recs, idx_rec, rec);
        ir->nnat++;
    }
    if (ir->nnat == 1) {
        /* The usual single nationality is kept in the record itself. */
        e->nats.n--;
        memcpy(&ir->nat, (const char *)e->nats.p + 4 * e->nats.n, 4);
    }
    for (i = 0; i < r->n_names && !rc; i++)
        if (r->names[i].full)
            rc = add_name(e, rec, r->names[i].full);
    for (i = 0; i < r->n_documents && !rc; i++)
        rc = idx_docs_add(e, rec, &r->documents[i]);
    if (!rc)
        rc = add_doc(e, rec, "vin", r->vin, NULL);
    if (!rc)
        rc = add_doc(e, rec, "plate", r->plate, r->plate_country);
    return rc;
}

/* Weights: see note 2. */
static int compute_weights(liaison_engine *e)
{
    size_t nv = e->vocab.n, i;
    double n = (double)(e->n_names ? e->n_names : 1);
    double lnref = log(REF_POPULATION);
    uint32_t *cls_df = NULL;
    if (e->nclasses) {
        cls_df = util_calloc(e->nclasses, sizeof(uint32_t));
        if (!cls_df)
            return LIAISON_ENOMEM;
    }
    for (i = 0; i < nv; i++) {
        idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, i);
        if (v->cls >= 0 && (size_t)v->cls < e->nclasses)
            cls_df[v->cls] += v->df;
    }
    for (i = 0; i < nv; i++) {
        idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, i);
        double df = v->df, p_list, p_prior, c, p, w;
        const char *key = idx_str(e, v->form);
        size_t klen = v->form_len;
        if (v->cls >= 0 && (size_t)v->cls < e->nclasses) {
            df = cls_df[v->cls];
            key = text_class_name(e->tables, v->cls);
            klen = strlen(key);
        }
        p_list = df > 1 ? (df - 1) / n : 0.0;
        c = text_commonness(e->tables, key, klen);
        p_prior = c > 0 ? 0.1 * pow(10.0, -3.0 * (1.0 - c)) : 0.0;
        p = p_list > p_prior ? p_list : p_prior;
        if (p < 1.0 / REF_POPULATION)
            p = 1.0 / REF_POPULATION;
        w = -log(p) / lnref;
        /* A two- or three-letter part (Li, Yu, Ali) matches by chance far
        ** more often than its frequency alone says: other short parts are
        ** one letter away. */
        if (v->form_len <= 2 && w > 0.5)
            w = 0.5;
        else if (v->form_len == 3 && w > 0.75)
            w = 0.75;
        if (v->flags & TEXT_TOK_INITIAL)
            w *= 0.3;
        v->weight = (float)(w < 0.03 ? 0.03 : w > 1 ? 1 : w);
    }
    util_free(cls_df);
    return LIAISON_OK;
}

static int cmp_year(const void *a, const void *b, void *ud)
{
    const idx_name *nm = ud;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (nm[x].year != nm[y].year)
        return nm[x].year < nm[y].year ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void sort_by_year(uint32_t *p, size_t n, const idx_name *nm)
{
    size_t i, j;
    if (n > 32) {
        qsort_r(p, n, sizeof(uint32_t), cmp_year, (void *)nm);
        return;
    }
    for (i = 1; i < n; i++) {
        uint32_t x = p[i];
        for (j = i; j > 0 && cmp_year(&p[j - 1], &x, (void *)nm) > 0; j--)
            p[j] = p[j - 1];
        p[j] = x;
    }
}

void idx_rec_facts(const liaison_engine *e, uint32_t rec, idx_facts *out)
{
    const idx_rec *r = &IDX_AT(e->recs, idx_rec, rec);
    memset(out, 0, sizeof(*out));
    if (r->ndob == 1)
        out->dob = IDX_AT(e->dates, match_date, r->dob);
    out->nat = r->nat;
    out->ndob = r->ndob;
    out->nnat = r->nnat;
    out->gender = r->gender;
}

/* Year directories (idx_vtok.ydir): a query's birth-year window is found
** in a long list by one read, where a binary search through its years
** waited on a dozen (~4% of the median query).  Lists whose years span
** more than IDX_YDIR_SPAN (a stray year) keep the binary search. */
static int build_year_dirs(liaison_engine *e)
{
    size_t nv = e->vocab.n, i, total = 0;
    for (i = 0; i < nv; i++) {
        idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, i);
        uint32_t m = e->post_off[i] + v->undated, b = e->post_off[i + 1];
        unsigned span;
        v->yspan = 0;
        if (b - m < IDX_YDIR_MIN)
            continue;
        span = (unsigned)e->post_year[b - 1] - e->post_year[m] + 1u;
        if (span > IDX_YDIR_SPAN)
            continue;
        v->ymin = e->post_year[m];
        v->yspan = (uint16_t)span;
        v->ydir = (uint32_t)total;
        total += span;
    }
    e->ydir = util_malloc_big((total ? total : 1) * sizeof(uint32_t));
    if (!e->ydir)
        return LIAISON_ENOMEM;
    e->ydir_n = total;
    for (i = 0; i < nv; i++) {
        const idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, i);
        uint32_t m = e->post_off[i] + v->undated, p = m, k;
        for (k = 0; k < v->yspan; k++) {
            while (e->post_year[p] < v->ymin + k)
                p++;            /* stops at the last year, which is there */
            e->ydir[v->ydir + k] = p - m;
        }
    }
    return LIAISON_OK;
}

/* Postings: vocabulary id -> names containing it. */
static int build_postings(liaison_engine *e)
{
    size_t nv = e->vocab.n, nn = e->n_names, i, total;
    uint32_t *fill;
    const uint32_t *noff = e->name_off.p;
    e->post_off = util_calloc_big(nv + 1, sizeof(uint32_t));
    if (!e->post_off)
        return LIAISON_ENOMEM;
    for (i = 0; i < nv; i++)
        e->post_off[i + 1] = e->post_off[i] + IDX_AT(e->vocab, idx_vtok, i).df;
    total = e->post_off[nv];
    e->post = util_malloc_big((total ? total : 1) * sizeof(uint32_t));
    fill = util_malloc((nv ? nv : 1) * sizeof(uint32_t));
    if (!e->post || !fill) {
        util_free(fill);
        return LIAISON_ENOMEM;
    }
    memcpy(fill, e->post_off, nv * sizeof(uint32_t));
    for (i = 0; i < nn; i++) {
        size_t end = i + 1 < nn ? noff[i + 1] : e->units.n, u;
        for (u = noff[i]; u < end; u++) {
            uint32_t t = IDX_AT(e->units, idx_unit, u).tok;
            if (fill[t] > e->post_off[t] && e->post[fill[t] - 1] == i)
                continue;       /* part repeated within the name */
            e->post[fill[t]++] = (uint32_t)i;
        }
    }
    util_free(fill);
    e->names = util_malloc_big((nn ? nn : 1) * sizeof(idx_name));
    e->post_year = util_malloc_big((total ? total : 1) * sizeof(uint16_t));
    if (!e->names || !e->post_year)
        return LIAISON_ENOMEM;
    for (i = 0; i < nn; i++) {
        idx_name *nm = &e->names[i];
        size_t end = i + 1 < nn ? noff[i + 1] : e->units.n;
        const idx_rec *r;
        memset(nm, 0, sizeof(*nm));
        nm->rec = IDX_AT(e->name_rec, uint32_t, i);
        r = &IDX_AT(e->recs, idx_rec, nm->rec);
        nm->year = r->year;
        nm->kind = r->kind;
        nm->npos = IDX_AT(e->name_npos, uint8_t, i);
        nm->nunits = (uint8_t)(end - noff[i] > 255 ? 255 : end - noff[i]);
        if (nm->nunits <= IDX_NAME_UNITS)
            memcpy(nm->u, &IDX_AT(e->units, idx_unit, noff[i]),
                   nm->nunits * sizeof(idx_unit));
        else
            nm->unit = noff[i];
        idx_rec_facts(e, nm->rec, &nm->f);
    }
    /* Each list by (birth year, name): no year first. */
    for (i = 0; i < nv; i++)
        sort_by_year(e->post + e->post_off[i], e->post_off[i + 1] -
                     e->post_off[i], e->names);
    /* Years beside the postings: a query's year window is found by
    ** binary search in one array, not through the names. */
    for (i = 0; i < total; i++)
        e->post_year[i] = e->names[e->post[i]].year;
    for (i = 0; i < nv; i++) {
        uint32_t p = e->post_off[i];
        while (p < e->post_off[i + 1] && e->post_year[p] == 0)
            p++;
        IDX_AT(e->vocab, idx_vtok, i).undated = p - e->post_off[i];
    }
    return build_year_dirs(e);
}

/* Once the names carry their units (build_postings), units keeps only
** those of the longer names, and what building needed per name goes. */
static void units_compact(liaison_engine *e)
{
    idx_unit *u = e->units.p;
    size_t i, n = 0;
    for (i = 0; i < e->n_names; i++) {
        idx_name *nm = &e->names[i];
        if (nm->nunits <= IDX_NAME_UNITS)
            continue;           /* carried by the name (unit is u[0]) */
        memmove(&u[n], &u[nm->unit], nm->nunits * sizeof(idx_unit));
        nm->unit = (uint32_t)n;
        n += nm->nunits;
    }
    e->units.n = n;
    if (n < e->units.cap) {
        void *p = util_realloc(e->units.p, (n ? n : 1) * sizeof(idx_unit));
        if (p) {
            e->units.p = p;
            e->units.cap = n ? n : 1;
        }
    }
    idx_vec_fini(&e->name_off);
    idx_vec_fini(&e->name_rec);
    idx_vec_fini(&e->name_npos);
}

/* Keys: each skeleton, and for skeletons of 4+ consonants each
** single-deletion variant, map to the vocabulary entries having them.
** Deletions of shorter skeletons would be two-consonant keys shared by a
** large part of any vocabulary. */
typedef int (*key_fn)(liaison_engine *e, const char *k, size_t len,
                      uint32_t tok, void *ud);

static int each_key(liaison_engine *e, uint32_t tok, key_fn fn, void *ud)
{
    const idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, tok);
    const char *sk = idx_str(e, v->skel);
    size_t len = v->skel_len, i;
    char del[128];
    int rc;
    if (len == 0)
        return LIAISON_OK;
    rc = fn(e, sk, len, tok, ud);
    if (rc || len < 4 || len > sizeof(del))
        return rc;
    for (i = 0; i < len; i++) {
        if (i > 0 && sk[i] == sk[i - 1])
            continue;           /* same variant as the previous deletion */
        memcpy(del, sk, i);
        memcpy(del + i, sk + i + 1, len - i - 1);
        rc = fn(e, del, len - 1, tok, ud);
        if (rc)
            return rc;
    }
    return LIAISON_OK;
}

typedef struct key_pass {
    idx_vec counts;             /* uint32 per key id */
    uint32_t *fill;
    uint32_t last_key_of_tok;
} key_pass;

static int key_count(liaison_engine *e, const char *k, size_t len,
                     uint32_t tok, void *ud)
{
    key_pass *kp = ud;
    uint32_t id;
    int found, rc;
    (void)tok;
    rc = util_strmap_put(&e->key_map, k, len, (uint32_t)kp->counts.n, &found,
                         &id);
    if (rc)
        return rc;
    if (!found) {
        uint32_t *c = idx_vec_push(&kp->counts);
        if (!c)
            return LIAISON_ENOMEM;
        *c = 0;
    }
    IDX_AT(kp->counts, uint32_t, id)++;
    return LIAISON_OK;
}

static int key_fill(liaison_engine *e, const char *k, size_t len,
                    uint32_t tok, void *ud)
{
    key_pass *kp = ud;
    int64_t id = util_strmap_get(&e->key_map, k, len);
    if (id < 0)
        return LIAISON_EINVAL;
    e->key_toks[kp->fill[id]++] = tok;
    return LIAISON_OK;
}

static int cmp_df_desc(const void *a, const void *b, void *ud)
{
    const idx_vtok *v = ud;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (v[x].df != v[y].df)
        return v[x].df < v[y].df ? 1 : -1;
    return x < y ? -1 : x > y;
}

static int build_keys(liaison_engine *e)
{
    key_pass kp;
    size_t nv = e->vocab.n, nk, i;
    int rc = LIAISON_OK;
    idx_vec_init(&kp.counts, sizeof(uint32_t));
    kp.fill = NULL;
    for (i = 0; i < nv && !rc; i++)
        rc = each_key(e, (uint32_t)i, key_count, &kp);
    if (rc)
        goto out;
    nk = kp.counts.n;
    e->key_off = util_calloc_big(nk + 1, sizeof(uint32_t));
    kp.fill = util_malloc((nk ? nk : 1) * sizeof(uint32_t));
    if (!e->key_off || !kp.fill) {
        rc = LIAISON_ENOMEM;
        goto out;
    }
    for (i = 0; i < nk; i++)
        e->key_off[i + 1] = e->key_off[i] + IDX_AT(kp.counts, uint32_t, i);
    e->key_toks = util_malloc_big((e->key_off[nk] ? e->key_off[nk] : 1) *
                              sizeof(uint32_t));
    if (!e->key_toks) {
        rc = LIAISON_ENOMEM;
        goto out;
    }
    memcpy(kp.fill, e->key_off, nk * sizeof(uint32_t));
    for (i = 0; i < nv && !rc; i++)
        rc = each_key(e, (uint32_t)i, key_fill, &kp);
    /* Most frequent parts first: a query looks at the head of a long list
    ** (see search.c, consider_key). */
    for (i = 0; i < nk && !rc; i++)
        qsort_r(e->key_toks + e->key_off[i], e->key_off[i + 1] - e->key_off[i],
                sizeof(uint32_t), cmp_df_desc, e->vocab.p);
out:
    idx_vec_fini(&kp.counts);
    util_free(kp.fill);
    return rc;
}

/* Class -> vocabulary entries of that class. */
static int build_classes(liaison_engine *e)
{
    size_t nv = e->vocab.n, nc = e->nclasses, i;
    uint32_t *fill;
    e->cls_off = util_calloc(nc + 1, sizeof(uint32_t));
    if (!e->cls_off)
        return LIAISON_ENOMEM;
    for (i = 0; i < nv; i++) {
        int32_t c = IDX_AT(e->vocab, idx_vtok, i).cls;
        if (c >= 0 && (size_t)c < nc)
            e->cls_off[c + 1]++;
    }
    for (i = 0; i < nc; i++)
        e->cls_off[i + 1] += e->cls_off[i];
    e->cls_toks = util_malloc((e->cls_off[nc] ? e->cls_off[nc] : 1) *
                              sizeof(uint32_t));
    fill = util_malloc((nc ? nc : 1) * sizeof(uint32_t));
    if (!e->cls_toks || !fill) {
        util_free(fill);
        return LIAISON_ENOMEM;
    }
    memcpy(fill, e->cls_off, nc * sizeof(uint32_t));
    for (i = 0; i < nv; i++) {
        int32_t c = IDX_AT(e->vocab, idx_vtok, i).cls;
        if (c >= 0 && (size_t)c < nc)
            e->cls_toks[fill[c]++] = (uint32_t)i;
    }
    util_free(fill);
    return LIAISON_OK;
}

int liaison_engine_build(liaison_engine *e)
{
    int rc;
    uint32_t *p;
    if (!e)
        return LIAISON_EINVAL;
    if (e->built)
        return LIAISON_ESTATE;
    /* Sentinel: name_off gets n+1 entries. */
    p = idx_vec_push(&e->name_off);
    if (!p)
        return LIAISON_ENOMEM;
    *p = (uint32_t)e->units.n;
    e->name_off.n--;            /* keep n = names; the sentinel stays in memory */
    e->nclasses = text_tables_nclasses(e->tables);
    rc = compute_weights(e);
    if (!rc) {
        size_t u;
        for (u = 0; u < e->units.n; u++) {
            idx_unit *un = &IDX_AT(e->units, idx_unit, u);
            un->wq = (uint8_t)(idx_unit_weight(e, un) * 255.0f + 0.5f);
        }
    }
    if (!rc)
        rc = build_postings(e);
    if (!rc) {
        units_compact(e);
        rc = build_keys(e);
    }
    if (!rc)
        rc = build_classes(e);
    if (!rc)
        rc = idx_docs_build(e);
    if (!rc) {
        /* What screening reads at random, to huge pages. */
        idx_vec_settle(&e->units);
        idx_vec_settle(&e->vocab);
        idx_vec_settle(&e->recs);
        idx_vec_settle(&e->dates);
        idx_vec_settle(&e->docs);
        idx_vec_settle(&e->doc_head);
        idx_vec_settle(&e->doc_key);
        {
            void *sp = e->strs.p;
            settle(&sp, e->strs.len, e->strs.cap);
            e->strs.p = sp;
        }
        rc = idx_nbr_build(e, e->build_threads
                                  ? (int)e->build_threads
                                  : (int)sysconf(_SC_NPROCESSORS_ONLN));
    }
    if (!rc)
        e->built = 1;
    return rc;
}

void idx_vtok_view(const liaison_engine *e, uint32_t tok, match_tok *out)
{
    const idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, tok);
    idx_vtok_keys(e, tok, out);
    out->form = idx_str(e, v->form);
    out->phon = idx_str(e, v->phon);
    out->skel = idx_str(e, v->skel);
}

void liaison_engine_get_stats(const liaison_engine *e,
                              liaison_engine_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!e)
        return;
    out->records = e->recs.n;
    out->names = e->n_names;
    out->tokens = e->vocab.n;
    out->documents = e->docs.n;
    out->bytes = e->strs.cap + util_strmap_bytes(&e->str_intern) +
                 util_strmap_bytes(&e->vocab_map) +
                 util_strmap_bytes(&e->key_map) +
                 util_strmap_bytes(&e->doc_map) +
                 e->recs.cap * e->recs.size + e->dates.cap * e->dates.size +
                 e->nats.cap * e->nats.size + e->vocab.cap * e->vocab.size +
                 e->name_rec.cap * 4 + e->name_full.cap * 4 +
                 e->name_off.cap * 4 + e->name_npos.cap +
                 e->units.cap * e->units.size + e->docs.cap * e->docs.size +
                 e->doc_next.cap * 4 + e->doc_head.cap * 4 +
                 e->doc_key.cap * 4 + (e->doc_tab ? (e->doc_tab_mask + 1) * 8 : 0) +
                 (e->vocab.n + 1) * 4 * (e->post_off ? 1 : 0) +
                 (e->post_off ? e->post_off[e->vocab.n] * 6 : 0) +
                 e->ydir_n * 4 +
                 (e->names ? e->n_names * sizeof(idx_name) : 0) +
                 (e->nbr_off ? (e->vocab.n + 1) * 4 +
                               e->nbr_off[e->vocab.n] * sizeof(idx_nbr) : 0) +
                 (e->key_off ? (e->key_map.count + 1) * 4 +
                               e->key_off[e->key_map.count] * 4 : 0) +
                 (e->cls_off ? (e->nclasses + 1) * 4 +
                               e->cls_off[e->nclasses] * 4 : 0);
}
