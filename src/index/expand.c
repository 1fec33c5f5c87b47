/*
** expand.c: a query part to the vocabulary entries similar to it (see
** search.c, note 1), and the expansion of every vocabulary entry the
** engine keeps (idx_nbr_build).
*/
#include <pthread.h>
#include <string.h>

#include "index/searcher.h"

#define MAX_EXAMINE 6000        /* vocabulary entries compared per part */
#define SKEL_CAP 128            /* parts looked at under the query's skeleton */
#define DEL_CAP 24              /* ...and under each one-deletion variant */

/* ---------------------------------------------------------------- sims */

/* Similarities of the query's parts to vocabulary entries, one row per
** entry, computed once per query: by the expansion for the entries it
** finds, and on demand while scoring for the other parts of candidate
** names.  A negative value means "not computed yet". */
sim_row *idx_row_of(liaison_searcher *s, uint32_t tok)
{
    uint32_t h = idx_row_slot(s, tok);
    sim_row *r;
    if (s->row_at[h].tok1)
        return &s->rows[s->row_at[h].row];
    if (s->nrows >= s->rows_cap)
        return NULL;
    s->row_at[h].tok1 = tok + 1;
    s->row_at[h].row = (uint32_t)s->nrows;
    r = &s->rows[s->nrows++];
    r->slot = h;
    idx_row_clear(s, r);
    return r;
}

void idx_rows_reset(liaison_searcher *s, int nparts)
{
    size_t i;
    for (i = 0; i < s->nrows; i++)
        s->row_at[s->rows[i].slot].tok1 = 0;
    s->nrows = 0;
    s->row_parts = nparts;
}

/* Similarity of query part qi to vocabulary entry tok, whose row is r
** (NULL: not kept). */
static double row_sim(liaison_searcher *s, sim_row *r, int qi, uint32_t tok,
                      int *how)
{
    match_tok v;
    double sim;
    int h;
    if (r && r->sim[qi] >= 0) {
        *how = r->how[qi];
        return r->sim[qi];
    }
    idx_vtok_view(s->e, tok, &v);
    /* Rounded as the row keeps it, so that the answer is the same
    ** whether it was computed now or earlier (or by an expansion this
    ** searcher remembers). */
    sim = (float)match_tok_sim(&s->qt[qi], &v, &h);
    if (r) {
        r->sim[qi] = (float)sim;
        r->how[qi] = (uint8_t)h;
    }
    *how = h;
    return sim;
}

/* A name's part scoring meets: most were found similar to one query part
** (or none) and are unlike the others, which the mask tells from lengths
** and signatures, for all the query parts at once (row_sim asking one
** pair at a time spent ~85 cycles a pair, mostly waiting on its own
** branches and arithmetic). */
void idx_row_complete(liaison_searcher *s, sim_row *r, uint32_t tok)
{
    match_tok v;
    uint32_t may;
    int i, nq = s->qside.n;
    idx_vtok_keys(s->e, tok, &v);
    may = match_tok_may_mask(s->qt, nq, &v);
    for (i = 0; i < nq; i++) {
        int h;
        if (r->sim[i] >= 0)
            continue;
        if (!((may >> i) & 1)) {
            r->sim[i] = 0;
            r->how[i] = MATCH_NONE;
            continue;
        }
        if (!v.form)
            idx_vtok_view(s->e, tok, &v);
        r->sim[i] = (float)match_tok_sim(&s->qt[i], &v, &h);
        r->how[i] = (uint8_t)h;
    }
    r->full = 1;
}

double idx_tok_sim(liaison_searcher *s, int qi, uint32_t tok, int *how)
{
    return row_sim(s, idx_row_of(s, tok), qi, tok, how);
}

/* ---------------------------------------------------------------- expand */

static void consider(liaison_searcher *s, int qi, uint32_t tok, int *examined)
{
    double sim;
    int how;
    if (s->seen[tok] == s->seen_stamp)
        return;
    s->seen[tok] = s->seen_stamp;
    (*examined)++;
    sim = idx_tok_sim(s, qi, tok, &how);
    if (sim >= MATCH_TOK_MIN && s->exp_start[qi + 1] < MAX_EXP) {
        exp_ent *x = &s->exp[s->exp_start[qi + 1]++];
        x->tok = tok;
        x->sim = (float)sim;
        x->qi = (uint8_t)qi;
        x->how = (uint8_t)how;
    }
}

/* Look at the parts under one key, most frequent first, at most cap of
** them: past the head of a long list (a short skeleton shared by a
** thousand spellings) lie rare parts that are mostly unrelated. */
static void consider_key(liaison_searcher *s, int qi, const char *k,
                         size_t len, uint32_t cap, int *examined)
{
    const liaison_engine *e = s->e;
    int64_t id = util_strmap_get(&e->key_map, k, len);
    uint32_t i, end;
    if (id < 0)
        return;
    end = e->key_off[id + 1];
    if (end - e->key_off[id] > cap)
        end = e->key_off[id] + cap;
    for (i = e->key_off[id]; i < end && *examined < MAX_EXAMINE; i++) {
        /* The entries are scattered over the vocabulary: ask for the ones
        ** a few steps ahead (their entry, stamps, then their strings) so
        ** that the comparisons do not wait on memory. */
        if (i + PREFETCH_FAR < end) {
            uint32_t t = e->key_toks[i + PREFETCH_FAR];
            PREFETCH(&IDX_AT(e->vocab, idx_vtok, t));
            PREFETCH(&s->seen[t]);
        }
        if (i + PREFETCH_NEAR < end)
            PREFETCH(idx_str(e, IDX_AT(e->vocab, idx_vtok,
                                       e->key_toks[i + PREFETCH_NEAR]).form));
        consider(s, qi, e->key_toks[i], examined);
    }
}

static void expand_fresh(liaison_searcher *s, int qi);

/* The expansion cache.  Traffic repeats name parts (Mohammed, Ali,
** Yilmaz), and a part's expansion depends on nothing but the part and the
** engine, which never changes under a searcher: each searcher keeps the
** expansions of recent parts, direct-mapped by a hash of the part. */
/* The flags match_tok_sim reads: a part's expansion depends on them. */
#define EXP_FLAGS (TEXT_TOK_ABJAD | TEXT_TOK_INITIAL | TEXT_TOK_TITLE | \
                   TEXT_TOK_SYLLABIC)

static uint64_t part_key(const match_tok *q)
{
    uint64_t h = util_hash(q->form, q->form_len);
    return h ^ ((uint64_t)(uint32_t)q->cls * 0x9E3779B97F4A7C15ULL) ^
           ((uint64_t)(q->flags & EXP_FLAGS) << 56);
}

/* The slot of a part's expansion in the small table (big 0) or the big
** one, and its entries. */
static exp_cache_ent *cache_at(liaison_searcher *s, uint64_t key, int big,
                               idx_nbr **items)
{
    size_t i = big ? EXP_SMALL_SLOTS + (key & (EXP_BIG_SLOTS - 1))
                   : key & (EXP_SMALL_SLOTS - 1);
    *items = s->cache_items +
             (big ? (size_t)EXP_SMALL_SLOTS * EXP_SMALL_ENTRIES +
                        (key & (EXP_BIG_SLOTS - 1)) * EXP_BIG_ENTRIES
                  : (key & (EXP_SMALL_SLOTS - 1)) * EXP_SMALL_ENTRIES);
    return &s->cache[i];
}

static exp_cache_ent *cache_slot(liaison_searcher *s, const match_tok *q,
                                 uint64_t key, idx_nbr **items)
{
    int big;
    for (big = 0; big < 2; big++) {
        exp_cache_ent *c = cache_at(s, key, big, items);
        if (c->used && c->key == key && c->form_len == q->form_len &&
            c->cls == q->cls && c->flags == (q->flags & EXP_FLAGS) &&
            !memcmp(c->form, q->form, q->form_len))
            return c;
    }
    return NULL;
}

static void cache_fill(liaison_searcher *s, const match_tok *q, uint64_t key,
                       uint32_t from, uint32_t to)
{
    idx_nbr *it;
    exp_cache_ent *c;
    uint32_t i;
    if (to - from > EXP_BIG_ENTRIES || q->form_len > sizeof(c->form))
        return;
    c = cache_at(s, key, to - from > EXP_SMALL_ENTRIES, &it);
    c->used = 1;
    c->key = key;
    c->cls = q->cls;
    c->flags = (uint8_t)(q->flags & EXP_FLAGS);
    c->form_len = q->form_len;
    memcpy(c->form, q->form, q->form_len);
    c->n = (uint16_t)(to - from);
    for (i = from; i < to; i++) {
        it[i - from].tok_how = s->exp[i].tok << 4 | s->exp[i].how;
        it[i - from].sim = s->exp[i].sim;
    }
}

/* Part qi's expansion from a list (the cache's or the engine's), with
** the similarities it holds put in the rows; 0 when it does not fit. */
static int expand_copy(liaison_searcher *s, int qi, const idx_nbr *it,
                       size_t n)
{
    size_t i;
    if (s->exp_start[qi] + n > MAX_EXP)
        return 0;
    for (i = 0; i < n; i++) {
        uint32_t tok = it[i].tok_how >> 4;
        sim_row *r = idx_row_of(s, tok);
        exp_ent *x = &s->exp[s->exp_start[qi + 1]++];
        x->tok = tok;
        x->sim = it[i].sim;
        x->qi = (uint8_t)qi;
        x->how = (uint8_t)(it[i].tok_how & 15);
        if (r) {
            r->sim[qi] = x->sim;
            r->how[qi] = x->how;
        }
    }
    return 1;
}

/* The vocabulary entry that is part q, as far as its expansion goes (the
** same form, phonetic form, skeleton, class and flags match_tok_sim
** reads), or UINT32_MAX. */
static uint32_t vocab_twin(const liaison_searcher *s, const match_tok *q)
{
    const liaison_engine *e = s->e;
    const idx_vtok *v;
    char key[260];
    int64_t id;
    key[0] = (q->flags & TEXT_TOK_ABJAD) ? 'A' : 'L';
    memcpy(key + 1, q->form, q->form_len);
    id = util_strmap_get(&e->vocab_map, key, q->form_len + 1u);
    if (id < 0)
        return UINT32_MAX;
    v = &IDX_AT(e->vocab, idx_vtok, id);
    if (v->cls != q->cls || (v->flags & EXP_FLAGS) != (q->flags & EXP_FLAGS) ||
        v->phon_len != q->phon_len || v->skel_len != q->skel_len ||
        memcmp(idx_str(e, v->phon), q->phon, q->phon_len) ||
        memcmp(idx_str(e, v->skel), q->skel, q->skel_len))
        return UINT32_MAX;
    return (uint32_t)id;
}

void idx_part_expand(liaison_searcher *s, int qi)
{
    const liaison_engine *e = s->e;
    const match_tok *q = &s->qt[qi];
    uint64_t ck;
    idx_nbr *it = NULL;
    const exp_cache_ent *hit;
    uint32_t v;

    s->exp_start[qi + 1] = s->exp_start[qi];
    if (e->nbr_off && (v = vocab_twin(s, q)) != UINT32_MAX &&
        expand_copy(s, qi, e->nbr + e->nbr_off[v],
                    e->nbr_off[v + 1] - e->nbr_off[v]))
        return;
    ck = part_key(q);
    hit = cache_slot(s, q, ck, &it);
    if (hit && expand_copy(s, qi, it, hit->n))
        return;
    expand_fresh(s, qi);
    cache_fill(s, q, ck, s->exp_start[qi], s->exp_start[qi + 1]);
}

static void expand_fresh(liaison_searcher *s, int qi)
{
    const liaison_engine *e = s->e;
    const match_tok *q = &s->qt[qi];
    char key[260], del[128];
    int examined = 0;
    int64_t id;
    size_t i;

    /* Parts looked at once per part (many keys share parts). */
    s->seen_stamp = idx_gen_next(&s->seen_stamp, s->seen, e->vocab.n);
    /* exact form, in either script flag */
    memcpy(key + 1, q->form, q->form_len);
    key[0] = 'L';
    if ((id = util_strmap_get(&e->vocab_map, key, q->form_len + 1u)) >= 0)
        consider(s, qi, (uint32_t)id, &examined);
    key[0] = 'A';
    if ((id = util_strmap_get(&e->vocab_map, key, q->form_len + 1u)) >= 0)
        consider(s, qi, (uint32_t)id, &examined);
    /* equivalence class */
    if (q->cls >= 0 && (size_t)q->cls < e->nclasses) {
        uint32_t j;
        for (j = e->cls_off[q->cls];
             j < e->cls_off[q->cls + 1] && examined < MAX_EXAMINE; j++)
            consider(s, qi, e->cls_toks[j], &examined);
    }
    /* skeleton and its deletions (one-letter skeletons are too broad) */
    if (q->skel_len >= 2)
        consider_key(s, qi, q->skel, q->skel_len, SKEL_CAP, &examined);
    if (q->skel_len >= 4 && q->skel_len <= sizeof(del)) {
        for (i = 0; i < q->skel_len; i++) {
            if (i > 0 && q->skel[i] == q->skel[i - 1])
                continue;
            memcpy(del, q->skel, i);
            memcpy(del + i, q->skel + i + 1, q->skel_len - i - 1);
            consider_key(s, qi, del, q->skel_len - 1, DEL_CAP, &examined);
        }
    }
}

/* ---------------------------------------------------------------- neighbours */

/* Every vocabulary entry's expansion, computed once when the engine is
** built: nearly every part of a query is a part some listed name has
** (97% of the parts expanded afresh in the 1M-record benchmark), and its
** expansion - a few hundred vocabulary entries compared - was a quarter
** of a query's time.  Each entry is expanded as a query part spelled the
** same is (vocab_twin), by the same code, so answers do not change. */

typedef struct nbr_job {
    const liaison_engine *e;
    uint32_t from, to;          /* vocabulary entries */
    uint32_t *count;            /* per entry of [from, to) */
    idx_nbr *items;
    size_t n, cap;
    int rc;
} nbr_job;

static void *nbr_run(void *arg)
{
    nbr_job *j = arg;
    liaison_searcher *s = NULL;
    uint32_t t;
    j->rc = idx_searcher_make(j->e, 1, &s);
    for (t = j->from; t < j->to && !j->rc; t++) {
        uint32_t x, n;
        idx_vtok_view(j->e, t, &s->qt[0]);
        idx_rows_reset(s, 1);
        s->exp_start[0] = s->exp_start[1] = 0;
        expand_fresh(s, 0);
        n = s->exp_start[1];
        if (j->n + n > j->cap) {
            size_t cap = (j->n + n) * 2;
            idx_nbr *it = util_realloc(j->items, cap * sizeof(idx_nbr));
            if (!it) {
                j->rc = LIAISON_ENOMEM;
                break;
            }
            j->items = it;
            j->cap = cap;
        }
        for (x = 0; x < n; x++) {
            j->items[j->n + x].tok_how = s->exp[x].tok << 4 | s->exp[x].how;
            j->items[j->n + x].sim = s->exp[x].sim;
        }
        j->n += n;
        j->count[t - j->from] = n;
    }
    liaison_searcher_free(s);
    return NULL;
}

int idx_nbr_build(liaison_engine *e, int threads)
{
    nbr_job jobs[8];
    pthread_t tid[8];
    size_t nv = e->vocab.n, total = 0, k;
    int i, started = 0, rc = LIAISON_OK;
    memset(jobs, 0, sizeof(jobs));
    if (nv >= IDX_NBR_MAX_TOK)
        return LIAISON_OK;      /* ids do not fit: expand at query time */
    if (threads > 8)
        threads = 8;
    if ((size_t)threads > nv / 32)
        threads = (int)(nv / 32);       /* a searcher each: not for a few */
    if (threads < 1)
        threads = 1;
    e->nbr_off = util_malloc((nv + 1) * sizeof(uint32_t));
    if (!e->nbr_off)
        return LIAISON_ENOMEM;
    for (i = 0; i < threads; i++) {
        nbr_job *j = &jobs[i];
        j->e = e;
        j->from = (uint32_t)(nv * (size_t)i / (size_t)threads);
        j->to = (uint32_t)(nv * (size_t)(i + 1) / (size_t)threads);
        j->count = e->nbr_off + j->from;
        if (i > 0 && pthread_create(&tid[i], NULL, nbr_run, j) != 0) {
            j->rc = LIAISON_ENOMEM;
            break;
        }
        started = i + 1;
    }
    if (started > 0)
        nbr_run(&jobs[0]);
    for (i = 1; i < started; i++)
        pthread_join(tid[i], NULL);
    for (i = 0; i < threads; i++) {
        if (jobs[i].rc || i >= started)
            rc = jobs[i].rc ? jobs[i].rc : LIAISON_ENOMEM;
        total += jobs[i].n;
    }
    if (!rc && total >= UINT32_MAX)
        rc = LIAISON_ENOMEM;
    if (!rc)
        e->nbr = util_malloc_big((total ? total : 1) * sizeof(idx_nbr));
    if (!rc && !e->nbr)
        rc = LIAISON_ENOMEM;
    if (!rc) {
        /* Counts to offsets (in place: each count is read before its slot
        ** is overwritten), then the jobs' items in vocabulary order. */
        uint32_t off = 0;
        for (k = 0; k < nv; k++) {
            uint32_t c = e->nbr_off[k];
            e->nbr_off[k] = off;
            off += c;
        }
        e->nbr_off[nv] = off;
        for (i = 0, total = 0; i < threads; i++) {
            if (jobs[i].n)      /* items is NULL when there are none */
                memcpy(e->nbr + total, jobs[i].items,
                       jobs[i].n * sizeof(idx_nbr));
            total += jobs[i].n;
        }
    }
    for (i = 0; i < threads; i++)
        util_free(jobs[i].items);
    if (rc) {
        util_free(e->nbr_off);
        util_free(e->nbr);
        e->nbr_off = NULL;
        e->nbr = NULL;
    }
    return rc;
}
