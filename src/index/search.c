/*
** search.c: screening one query against the index (liaison_screen).
**
** NOTES ON THE DESIGN
**
** 1. Expansion.  Each part of the query name is looked up in the
**    vocabulary by exact form, by equivalence class and by skeleton keys
**    (the skeleton and its single deletions: symmetric-delete lookup, one
**    consonant inserted, dropped or changed).  Every vocabulary entry so
**    found is compared with the query part (match_tok_sim) and kept when
**    similar enough.  The cost depends on the vocabulary's neighbourhood
**    of the query, not on the size of the list.  The engine keeps the
**    expansion of every vocabulary entry, computed when it is built
**    (idx_nbr_build): a query part spelled like one takes that; a
**    searcher remembers the expansions of the other parts it met.
** 2. Candidates.  The postings of the kept entries are walked and each
**    name accumulates sim x weight.  A query part whose postings are very
**    long (Mohammed in a million names) is not walked when the query has a
**    rarer part of real weight: a name matching only Mohammed could not
**    make a hit anyway, and its score is still computed in full if the
**    name is reached through another part.  Names are ranked in two
**    steps: by the evidence walked, weighed by how their birth year sits
**    with the query's; then the next hundred or so again on all their parts
**    (the similarities computed by the expansion, looked up: no string is
**    compared), which also counts the parts not walked and what the name
**    has that the query lacks.  Only the best of those (a few times the
**    limit) are scored in full.
** 3. Scoring.  match_names aligns query and name parts, looking up the
**    similarities the expansion computed (one row per vocabulary entry
**    found): a part the expansion did not find is not similar, and no
**    string is compared while scoring candidates.  A record
**    scores the best of its names, adjusted by date of birth, nationality
**    and gender.  Documents, VINs and plates are exact lookups.
** 4. No allocation per query: the searcher owns every scratch array,
**    sized for the engine at creation, and the result keeps its buffers.
*/
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#define MAX_EXP 8192            /* kept expansions per query */
#define MAX_EXAMINE 6000        /* vocabulary entries compared per part */
#define MAX_ROWS 16384          /* vocabulary entries compared per query */
#define SKEL_CAP 128            /* parts looked at under the query's skeleton */
#define POSTINGS_BUDGET 4096u    /* postings walked before costly parts are left out */
#define DEL_CAP 24              /* ...and under each one-deletion variant */
#define MAX_HITS_CAP 1000
#define MAX_ALTS 8              /* alternatives in one name field */
#define PREFETCH_FAR 6          /* prefetch distances, in items: index */
#define PREFETCH_NEAR 3         /* ...then what the index points to */
#define WALK_AHEAD 12           /* postings prefetched ahead of the walk */
#define HASH_BITS 15            /* small walks accumulate in a hash table */
#define HASH_MAX_POSTINGS 12288u /* ...of 2^15 slots, kept under 3/8 full */
#define RANK_CANDIDATES 128     /* names ranked again on all their parts */
#define YEAR_MULTS 6            /* birth years apart told apart in ranking */
#define SCORE_FIRST 36          /* names scored in full: the first ranking's
                                   best (at least this, or 4 per hit asked
                                   for), then the second's (12, or 2 per
                                   hit) among the rest */
#define SCORE_SECOND 12

#define PREFETCH(p) __builtin_prefetch(p)

typedef struct exp_ent {
    uint32_t tok;
    float sim;
    uint8_t qi, how;
} exp_ent;

/* The expansion cache, for parts the vocabulary does not have (the
** engine keeps the expansion of every part it has, idx_nbr_build): most
** expansions are short (a few dozen similar parts), so most slots hold up
** to EXP_SMALL_ENTRIES; the few long ones (common names with many
** spellings) go to a smaller table of longer slots.  About 9 MiB a
** searcher. */
#define EXP_SMALL_SLOTS 16384   /* parts whose expansion a searcher keeps */
#define EXP_SMALL_ENTRIES 48
#define EXP_BIG_SLOTS 1024      /* ...of which long ones */
#define EXP_BIG_ENTRIES 256     /* longest expansion kept */

typedef struct exp_cache_ent {
    uint64_t key;
    int32_t cls;
    uint8_t used, form_len, flags;
    uint16_t n;
    char form[40];
} exp_cache_ent;

/* Per name, one cache line access while walking postings: the stamp of
** the query that last touched it, and what it accumulated. */
typedef struct acc_ent {
    uint32_t stamp;
    uint32_t slot;              /* its entry in cands */
} acc_ent;

typedef struct cand_ent {
    float v;
    uint32_t n;
} cand_ent;

typedef struct sim_row {
    float sim[TEXT_MAX_TOKENS];
    uint8_t how[TEXT_MAX_TOKENS];
} sim_row;

typedef struct rec_score {
    uint32_t rec;
    uint32_t name;              /* best name (UINT32_MAX: document hit only) */
    float score;
    float name_score;
    int8_t dob_rel, nat, gender;
    int8_t alt;                 /* query name alternative of the best name */
    int8_t doc_country_differs; /* the number matched, another country issued it */
    float ceiling;              /* best score any name could reach */
    int32_t doc;                /* matching document, or -1 */
} rec_score;

struct liaison_searcher {
    const liaison_engine *e;
    text_ctx *tctx;
    text_name q;
    match_tok qt[TEXT_MAX_TOKENS];
    match_side qside;
    match_date qdob;
    int has_dob;
    const char *qnat;           /* alpha-3 or NULL */
    const char *qgender;
    unsigned kinds;             /* record kinds names are screened against */
    double threshold;
    unsigned year_lo, year_hi;  /* birth years worth walking (0: all) */
    const char *qname;          /* the query's name field, as given */
    size_t alt_off[MAX_ALTS], alt_len[MAX_ALTS];
    int nalts, cur_alt;         /* alternatives; the one prepared now */

    exp_ent exp[MAX_EXP];
    uint32_t exp_start[TEXT_MAX_TOKENS + 1];
    uint32_t *seen;             /* per vocabulary entry: stamp */
    uint32_t seen_stamp;

    exp_cache_ent *cache;       /* EXP_SMALL_SLOTS + EXP_BIG_SLOTS */
    idx_nbr *cache_items;    /* ...their entries, in step */
    sim_row *rows;              /* MAX_ROWS rows */
    size_t nrows;
    uint32_t *tok_row;          /* per vocabulary entry: its row */
    uint32_t *tok_stamp;        /* ...valid when equal to tok_gen */
    uint32_t tok_gen;

    acc_ent *acc;               /* per name: walked this query? where in cands */
    acc_ent *hash;              /* small walks: name + 1 -> where in cands */
    uint32_t *hash_used;        /* ...the slots taken, to clear them */
    int small_walk;             /* this name walks through hash */
    uint32_t acc_gen;
    cand_ent *cands;            /* names walked, with their evidence */
    uint16_t *cand_year;        /* ...and their birth years (0: none) */
    float year_mult[YEAR_MULTS];  /* by years apart: match_adjust(0.6)/0.6 */
    size_t ntouched;

    int32_t *rec_slot;          /* per record: index in recs, stamped */
    uint32_t *rec_stamp;
    uint32_t rec_gen;
    rec_score *recs;
    size_t nrecs, recs_cap;

    /* scratch for scoring one name */
    match_tok rtoks[MATCH_MAX_UNITS];
    match_side rside;
    uint32_t rtok_ids[MATCH_MAX_UNITS];
};

/* What a result owns. */
typedef struct result_priv {
    liaison_hit *hits;
    size_t cap;
    util_arena arena;           /* why strings, reset per query */
} result_priv;

/* How a name's birth year sits with the query's date of birth, as
** match_dob would put it knowing only how many years apart they are: the
** same year is taken to share the month as well (a coin toss between day
** and year only). */
static int years_relation(int d)
{
    return d == 0 ? MATCH_DOB_MONTH : d == 1 ? MATCH_DOB_NEAR
           : d < 5 ? MATCH_DOB_MISMATCH : MATCH_DOB_FAR;
}

static void *zeroed_new(size_t n)
{
    return util_calloc_big(n, 1);   /* huge pages for the per-name arrays */
}

/* A searcher over e, built or being built.  expand_only: what expanding
** parts needs (idx_nbr_build), without the per-name and per-record
** scratch of a screening (~55 MiB at a million records) nor the cache. */
static int searcher_make(const liaison_engine *e, int expand_only,
                         liaison_searcher **out)
{
    liaison_searcher *s;
    size_t nv, nn, nr, i;
    int rc;
    *out = NULL;
    nv = e->vocab.n ? e->vocab.n : 1;
    nn = e->n_names ? e->n_names : 1;
    nr = e->recs.n ? e->recs.n : 1;
    s = util_calloc(1, sizeof(*s));
    if (!s)
        return LIAISON_ENOMEM;
    s->e = e;
    rc = text_ctx_new(e->tables, &s->tctx);
    /* Scratch is written through now (zeroed_new), not on first use: a
    ** fresh page costs a fault, and a query that meets a dozen of them
    ** takes milliseconds instead of microseconds. */
    s->seen = zeroed_new(nv * sizeof(uint32_t));
    s->rows = zeroed_new(MAX_ROWS * sizeof(sim_row));
    s->tok_row = zeroed_new(nv * sizeof(uint32_t));
    s->tok_stamp = zeroed_new(nv * sizeof(uint32_t));
    if (rc || !s->seen || !s->rows || !s->tok_row || !s->tok_stamp) {
        liaison_searcher_free(s);
        return LIAISON_ENOMEM;
    }
    if (expand_only) {
        *out = s;
        return LIAISON_OK;
    }
    s->cache = zeroed_new((EXP_SMALL_SLOTS + EXP_BIG_SLOTS) *
                          sizeof(exp_cache_ent));
    s->cache_items = zeroed_new(((size_t)EXP_SMALL_SLOTS * EXP_SMALL_ENTRIES +
                                 (size_t)EXP_BIG_SLOTS * EXP_BIG_ENTRIES) *
                                sizeof(idx_nbr));
    s->acc = zeroed_new(nn * sizeof(acc_ent));
    s->hash = zeroed_new(((size_t)1 << HASH_BITS) * sizeof(acc_ent));
    s->hash_used = zeroed_new(HASH_MAX_POSTINGS * sizeof(uint32_t));
    s->cands = zeroed_new(nn * sizeof(cand_ent));
    s->cand_year = zeroed_new(nn * sizeof(uint16_t));
    s->rec_slot = zeroed_new(nr * sizeof(int32_t));
    s->rec_stamp = zeroed_new(nr * sizeof(uint32_t));
    s->recs_cap = 256;
    s->recs = util_malloc(s->recs_cap * sizeof(rec_score));
    for (i = 0; i < YEAR_MULTS; i++) {
        match_facts f = {0, 0, 0};
        f.dob = years_relation((int)i);
        s->year_mult[i] = (float)(match_adjust(0.6, &f) / 0.6);
    }
    if (!s->cache || !s->cache_items || !s->acc || !s->hash ||
        !s->hash_used || !s->cands || !s->cand_year || !s->rec_slot ||
        !s->rec_stamp || !s->recs) {
        liaison_searcher_free(s);
        return LIAISON_ENOMEM;
    }
    *out = s;
    return LIAISON_OK;
}

int liaison_searcher_new(const liaison_engine *e, liaison_searcher **out)
{
    *out = NULL;
    if (!e || !e->built)
        return LIAISON_ESTATE;
    return searcher_make(e, 0, out);
}

void liaison_searcher_free(liaison_searcher *s)
{
    if (!s)
        return;
    text_ctx_free(s->tctx);
    util_free(s->seen);
    util_free(s->rows);
    util_free(s->cache);
    util_free(s->cache_items);
    util_free(s->tok_row);
    util_free(s->tok_stamp);
    util_free(s->acc);
    util_free(s->hash);
    util_free(s->hash_used);
    util_free(s->cands);
    util_free(s->cand_year);
    util_free(s->rec_slot);
    util_free(s->rec_stamp);
    util_free(s->recs);
    util_free(s);
}

double liaison_default_threshold(void)
{
    return 0.55;
}

/* Stamps wrap after 2^32 queries; clear the array then. */
static uint32_t next_gen(uint32_t *gen, uint32_t *arr, size_t n)
{
    if (++*gen == 0) {
        memset(arr, 0, n * sizeof(uint32_t));
        *gen = 1;
    }
    return *gen;
}

/* ---------------------------------------------------------------- sims */

/* Similarities of the query's parts to vocabulary entries, one row per
** entry, computed once per query: by the expansion for the entries it
** finds, and on demand while scoring for the other parts of candidate
** names.  A negative value means "not computed yet". */
static sim_row *row_of(liaison_searcher *s, uint32_t tok)
{
    sim_row *r;
    int i;
    if (s->tok_stamp[tok] == s->tok_gen)
        return &s->rows[s->tok_row[tok]];
    if (s->nrows == MAX_ROWS)
        return NULL;
    s->tok_stamp[tok] = s->tok_gen;
    s->tok_row[tok] = (uint32_t)s->nrows;
    r = &s->rows[s->nrows++];
    for (i = 0; i < TEXT_MAX_TOKENS; i++)
        r->sim[i] = -1.0f;
    return r;
}

static double tok_sim(liaison_searcher *s, int qi, uint32_t tok, int *how)
{
    sim_row *r = row_of(s, tok);
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

/* ---------------------------------------------------------------- expand */

static void consider(liaison_searcher *s, int qi, uint32_t tok, int *examined)
{
    double sim;
    int how;
    if (s->seen[tok] == s->seen_stamp)
        return;
    s->seen[tok] = s->seen_stamp;
    (*examined)++;
    sim = tok_sim(s, qi, tok, &how);
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
            PREFETCH(&s->tok_stamp[t]);
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
        sim_row *r = row_of(s, tok);
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

static void expand_part(liaison_searcher *s, int qi)
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
    s->seen_stamp = next_gen(&s->seen_stamp, s->seen, e->vocab.n);
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
    j->rc = searcher_make(j->e, 1, &s);
    for (t = j->from; t < j->to && !j->rc; t++) {
        uint32_t x, n;
        idx_vtok_view(j->e, t, &s->qt[0]);
        s->tok_gen = next_gen(&s->tok_gen, s->tok_stamp, j->e->vocab.n);
        s->nrows = 0;
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

/* ---------------------------------------------------------------- candidates */

/* First posting in [lo, hi) whose name's year is at least y. */
static uint32_t year_bound(const liaison_engine *e, uint32_t lo, uint32_t hi,
                           unsigned y)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->post_year[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void touch(liaison_searcher *s, acc_ent *a, uint32_t n, uint32_t p)
{
    a->slot = (uint32_t)s->ntouched;
    s->cands[s->ntouched].n = n;
    s->cands[s->ntouched].v = 0;
    s->cand_year[s->ntouched] = s->e->post_year[p];
    s->ntouched++;
}

/* Add w to the names of postings [from, to).  A walk of a few thousand
** postings (the usual query) keeps its names in a hash table that stays
** in cache; a longer one uses the per-name array, which touches a
** scattered cache line per posting, fetched ahead of need. */
static void walk(liaison_searcher *s, uint32_t from, uint32_t to, float w)
{
    const liaison_engine *e = s->e;
    const uint32_t mask = ((uint32_t)1 << HASH_BITS) - 1;
    uint32_t p;
    if (s->small_walk) {
        for (p = from; p < to; p++) {
            uint32_t n = e->post[p];
            uint32_t h = (n * 0x9E3779B1u) >> (32 - HASH_BITS);
            while (s->hash[h].stamp && s->hash[h].stamp != n + 1)
                h = (h + 1) & mask;
            if (!s->hash[h].stamp) {
                s->hash[h].stamp = n + 1;
                s->hash_used[s->ntouched] = h;
                touch(s, &s->hash[h], n, p);
            }
            s->cands[s->hash[h].slot].v += w;
        }
        return;
    }
    for (p = from; p < to; p++) {
        uint32_t n = e->post[p];
        acc_ent *a = &s->acc[n];
        if (p + WALK_AHEAD < to)
            __builtin_prefetch(&s->acc[e->post[p + WALK_AHEAD]], 1);
        if (a->stamp != s->acc_gen) {
            a->stamp = s->acc_gen;
            touch(s, a, n, p);
        }
        s->cands[a->slot].v += w;
    }
}

/* Walk the postings of part qi's expansion.  With a year window (a query
** date of birth and a threshold no record outside it can reach), only the
** names without a year and those born inside the window are walked. */
static void accumulate(liaison_searcher *s, int qi)
{
    const liaison_engine *e = s->e;
    uint32_t x, end = s->exp_start[qi + 1];
    for (x = s->exp_start[qi]; x < end; x++) {
        const exp_ent *ex = &s->exp[x];
        float w;
        uint32_t a, b, m;
        /* Entries are scattered: fetch their weights and posting bounds
        ** ahead, then the head of their postings. */
        if (x + PREFETCH_FAR < end) {
            uint32_t t = s->exp[x + PREFETCH_FAR].tok;
            PREFETCH(&IDX_AT(e->vocab, idx_vtok, t));
            PREFETCH(&e->post_off[t]);
        }
        if (x + PREFETCH_NEAR < end) {
            uint32_t h = e->post_off[s->exp[x + PREFETCH_NEAR].tok];
            PREFETCH(&e->post[h]);
            PREFETCH(&e->post_year[h]);
        }
        w = ex->sim * IDX_AT(e->vocab, idx_vtok, ex->tok).weight;
        a = e->post_off[ex->tok];
        b = e->post_off[ex->tok + 1];
        if (!s->year_lo || b - a < 16) {
            walk(s, a, b, w);
            continue;
        }
        m = year_bound(e, a, b, 1);
        walk(s, a, m, w);
        walk(s, year_bound(e, m, b, s->year_lo),
             year_bound(e, m, b, s->year_hi + 1u), w);
    }
}

/* Move the k best-accumulating names to the front of touched (quickselect
** on acc, descending). */
static void select_top(cand_ent *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    if (k >= hi)
        return;
    while (hi - lo > 1) {
        float pivot = a[lo + (hi - lo) / 2].v;
        size_t i = lo, j = hi - 1;
        while (i <= j) {
            while (a[i].v > pivot)
                i++;
            while (a[j].v < pivot)
                j--;
            if (i <= j) {
                cand_ent t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j + 1;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* ---------------------------------------------------------------- scoring */

static double side_sim(void *ud, int qi, int ri, int *how)
{
    liaison_searcher *s = ud;
    return tok_sim(s, qi, s->rtok_ids[ri], how);
}

/* Load name n's parts into rside.  The parts' strings are needed only to
** explain a hit (views): scoring looks similarities up by vocabulary id. */
static void load_name(liaison_searcher *s, uint32_t n, int views)
{
    const liaison_engine *e = s->e;
    const idx_name *nm = &e->names[n];
    uint32_t u0 = nm->unit, u1 = nm->unit + nm->nunits;
    match_side *r = &s->rside;
    uint32_t u;
    int i;
    r->n = 0;
    r->npos = nm->npos;
    if (r->npos > MATCH_MAX_POS)
        r->npos = MATCH_MAX_POS;
    for (i = 0; i < r->npos; i++)
        r->wpos[i] = 0;
    for (u = u0; u < u1 && r->n < MATCH_MAX_UNITS; u++) {
        const idx_unit *un = &IDX_AT(e->units, idx_unit, u);
        int k = r->n++;
        if (views) {
            idx_vtok_view(e, un->tok, &s->rtoks[k]);
            s->rtoks[k].flags |= un->flags;
        }
        r->toks[k] = &s->rtoks[k];
        r->first[k] = un->first;
        r->last[k] = un->last;
        s->rtok_ids[k] = un->tok;
        if (!(un->flags & TEXT_TOK_COMPOUND) && un->first < MATCH_MAX_POS)
            r->wpos[un->first] = idx_unit_weight(e, un);
    }
}

static const char *rec_nat(const liaison_engine *e, const idx_rec *r, int i)
{
    if (r->nnat == 1)
        return (const char *)&r->nat;
    return (const char *)e->nats.p + 4 * (size_t)(r->nat + (uint32_t)i);
}

/* Date of birth, nationality and gender relations of a record. */
static void record_facts(liaison_searcher *s, uint32_t rec, rec_score *rs)
{
    const liaison_engine *e = s->e;
    const idx_rec *r = &IDX_AT(e->recs, idx_rec, rec);
    const char *nats[256];
    char g[2] = {r->gender, 0};
    int i;
    rs->dob_rel = MATCH_DOB_UNKNOWN;
    if (s->has_dob && r->ndob)
        rs->dob_rel = (int8_t)match_dob(&s->qdob,
                                        &IDX_AT(e->dates, match_date, r->dob),
                                        r->ndob, NULL);
    for (i = 0; i < r->nnat; i++)
        nats[i] = rec_nat(e, r, i);
    rs->nat = (int8_t)match_nationality(s->qnat, nats, r->nnat);
    rs->gender = (int8_t)match_gender(s->qgender, g);
}

static double adjusted(const rec_score *rs, double name);

static rec_score *rec_entry(liaison_searcher *s, uint32_t rec)
{
    rec_score *rs;
    if (s->rec_stamp[rec] == s->rec_gen)
        return &s->recs[s->rec_slot[rec]];
    if (s->nrecs == s->recs_cap) {
        size_t ncap = s->recs_cap * 2;
        rec_score *nr = util_realloc(s->recs, ncap * sizeof(rec_score));
        if (!nr)
            return NULL;
        s->recs = nr;
        s->recs_cap = ncap;
    }
    s->rec_stamp[rec] = s->rec_gen;
    s->rec_slot[rec] = (int32_t)s->nrecs;
    rs = &s->recs[s->nrecs++];
    memset(rs, 0, sizeof(*rs));
    rs->rec = rec;
    rs->name = UINT32_MAX;
    rs->doc = -1;
    record_facts(s, rec, rs);
    rs->ceiling = (float)adjusted(rs, 1.0);
    return rs;
}

static double adjusted(const rec_score *rs, double name)
{
    match_facts f;
    f.dob = rs->dob_rel;
    f.nationality = rs->nat;
    f.gender = rs->gender;
    return match_adjust(name, &f);
}

static int score_name(liaison_searcher *s, uint32_t n)
{
    match_name_score ns;
    rec_score *rs;
    double sc;
    uint32_t rec;
    const idx_name *nm = &s->e->names[n];
    unsigned y = nm->year;
    if (!(s->kinds & (1u << nm->kind)))
        return LIAISON_OK;
    /* Born outside the year window: no name could make a hit. */
    if (y && s->year_lo && (y + IDX_YEAR_SPREAD < s->year_lo || y > s->year_hi))
        return LIAISON_OK;
    rec = nm->rec;
    rs = rec_entry(s, rec);
    if (!rs)
        return LIAISON_ENOMEM;
    /* A record whose date of birth (or nationality, gender) rules it out
    ** even for an exact name is not worth aligning names for. */
    if (rs->ceiling < s->threshold)
        return LIAISON_OK;
    load_name(s, n, 0);
    match_names(&s->qside, &s->rside, side_sim, s, &ns);
    if (ns.score <= 0)
        return LIAISON_OK;
    sc = adjusted(rs, ns.score);
    if (sc > rs->score) {
        rs->score = (float)sc;
        rs->name_score = (float)ns.score;
        rs->name = n;
        rs->alt = (int8_t)s->cur_alt;
    }
    return LIAISON_OK;
}

/* Query side weights: per position, the weight of the vocabulary entry
** closest to the part, or a rare part's weight when none is close. */
static void query_side(liaison_searcher *s)
{
    match_side *q = &s->qside;
    int i;
    q->n = 0;
    q->npos = s->q.npos > MATCH_MAX_POS ? MATCH_MAX_POS : s->q.npos;
    for (i = 0; i < q->npos; i++)
        q->wpos[i] = 0.9f;
    for (i = 0; i < s->q.ntoks && i < MATCH_MAX_UNITS; i++) {
        const text_tok *t = &s->q.toks[i];
        uint32_t x;
        float w = -1;
        match_tok_from_text(&s->q, i, &s->qt[i]);
        q->toks[q->n] = &s->qt[i];
        q->first[q->n] = t->first;
        q->last[q->n] = t->last;
        q->n++;
        if (t->flags & TEXT_TOK_COMPOUND || t->first >= MATCH_MAX_POS)
            continue;
        /* The weight of the closest entry (the part itself, or the most
        ** frequent of its best matches), not of a rare look-alike: a
        ** Mohammed weighs what Mohammed weighs. */
        {
            float best = -1;
            uint32_t bdf = 0;
            for (x = s->exp_start[i]; x < s->exp_start[i + 1]; x++) {
                const idx_vtok *v = &IDX_AT(s->e->vocab, idx_vtok,
                                            s->exp[x].tok);
                if (s->exp[x].sim < 0.9f)
                    continue;
                if (s->exp[x].sim > best ||
                    (s->exp[x].sim == best && v->df > bdf)) {
                    best = s->exp[x].sim;
                    bdf = v->df;
                    w = v->weight;
                }
            }
        }
        if (w < 0)
            w = 0.9f;
        if (t->flags & TEXT_TOK_TITLE)
            w *= 0.1f;
        else if (t->flags & TEXT_TOK_PARTICLE)
            w *= 0.5f;
        q->wpos[t->first] = w;
    }
}

/* Parse one query name and expand its parts against the vocabulary;
** fills q, qt, exp and qside, and cost[] per part (postings to walk). */
static int prepare_name(liaison_searcher *s, const char *name, size_t len,
                        uint64_t *cost)
{
    const liaison_engine *e = s->e;
    int i, rc;
    rc = text_name_parse(s->tctx, name, len, &s->q);
    if (rc)
        return rc;
    /* Rows are per query part: a new name starts afresh. */
    s->tok_gen = next_gen(&s->tok_gen, s->tok_stamp, s->e->vocab.n);
    s->nrows = 0;
    s->exp_start[0] = 0;
    for (i = 0; i < s->q.ntoks; i++) {
        uint32_t x;
        match_tok_from_text(&s->q, i, &s->qt[i]);
        expand_part(s, i);
        if (!cost)
            continue;
        cost[i] = 0;
        for (x = s->exp_start[i]; x < s->exp_start[i + 1]; x++)
            cost[i] += IDX_AT(e->vocab, idx_vtok, s->exp[x].tok).df;
    }
    query_side(s);
    return LIAISON_OK;
}

/* Sort candidates by accumulated evidence, best first (ties: name
** order).  Insertion sort: k is a few dozen, and qsort would allocate. */
static void sort_cands(cand_ent *a, size_t k)
{
    size_t i, j;
    for (i = 1; i < k; i++) {
        cand_ent x = a[i];
        for (j = i; j > 0 && (a[j - 1].v < x.v ||
                              (a[j - 1].v == x.v && a[j - 1].n > x.n)); j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
}

/* ---------------------------------------------------------------- ranking */

#define RANK_SCALE 0.35f        /* evidence giving half credit (match_names
                                   gives 1 - 1/e at its own 0.35) */

static int year_relation(const liaison_searcher *s, unsigned y)
{
    if (!s->has_dob || !y || s->qdob.y1 <= 0)
        return MATCH_DOB_UNKNOWN;
    return years_relation((int)y < s->qdob.y1 ? s->qdob.y1 - (int)y
                          : (int)y > s->qdob.y2 ? (int)y - s->qdob.y2 : 0);
}

static float rank_adjust(const liaison_searcher *s, float v, unsigned y)
{
    match_facts f;
    f.dob = year_relation(s, y);
    f.nationality = 0;
    f.gender = 0;
    return (float)match_adjust(v, &f);
}

/* First ranking: the evidence walked, as a score in [0, 1), adjusted for
** the birth year as match_adjust adjusts a score of 0.6 (year_mult, set
** up with the searcher).  A name born in another decade does not crowd
** out a name without a date, nor one born in the query's year. */
static void rank_walked(liaison_searcher *s)
{
    size_t c;
    int has_year = s->has_dob && s->qdob.y1 > 0;
    for (c = 0; c < s->ntouched; c++) {
        float v = s->cands[c].v, m = 1.0f;
        int y = s->cand_year[c];
        if (has_year && y) {
            int d = y < s->qdob.y1 ? s->qdob.y1 - y
                    : y > s->qdob.y2 ? y - s->qdob.y2 : 0;
            m = s->year_mult[d < YEAR_MULTS ? d : YEAR_MULTS - 1];
        }
        s->cands[c].v = v / (v + RANK_SCALE) * m;
    }
}

/* Second ranking of one name, on all its parts: each part's best
** similarity to a query part as the expansion found it (no string is
** compared: a part the expansion did not meet counts as unlike), weighed
** as match_names weighs, without its one-to-one alignment.  Counts the
** query parts that were not walked (too common), and the name's parts
** the query lacks, which the walk cannot see. */
static float rank_name(const liaison_searcher *s, uint32_t n)
{
    const liaison_engine *e = s->e;
    const idx_name *nm = &e->names[n];
    uint32_t u = nm->unit, u1 = nm->unit + nm->nunits, qmask = 0;
    float ev = 0, w_name = 0, w_matched = 0, w_qleft = 0, cq, cr, hi, lo;
    int i, nq = s->q.ntoks < MATCH_MAX_UNITS ? s->q.ntoks : MATCH_MAX_UNITS;
    for (; u < u1; u++) {
        const idx_unit *un = &IDX_AT(e->units, idx_unit, u);
        float w = (float)un->wq * (1.0f / 255.0f), best = 0;
        const sim_row *r;
        int bq = -1;
        if (!(un->flags & TEXT_TOK_COMPOUND))
            w_name += w;
        if (s->tok_stamp[un->tok] != s->tok_gen)
            continue;
        r = &s->rows[s->tok_row[un->tok]];
        for (i = 0; i < nq; i++) {
            if (r->sim[i] > best) {
                best = r->sim[i];
                bq = i;
            }
        }
        if (bq < 0 || best < MATCH_TOK_MIN)
            continue;
        ev += best * best * w;
        w_matched += w;
        qmask |= 1u << bq;
    }
    if (ev <= 0 || w_name <= 0)
        return 0;
    for (i = 0; i < nq; i++) {
        const text_tok *t = &s->q.toks[i];
        if (!((qmask >> i) & 1) && !(t->flags & TEXT_TOK_COMPOUND) &&
            t->first < MATCH_MAX_POS)
            w_qleft += s->qside.wpos[t->first];
    }
    cq = ev / (w_matched + w_qleft);
    cr = ev / w_name;
    hi = cq > cr ? cq : cr;
    lo = cq > cr ? cr : cq;
    return rank_adjust(s, (0.6f * hi + 0.4f * lo) * (1.0f - expf(-ev / RANK_SCALE)),
                       nm->year);
}

/* Second ranking of cands[from..ntouched). */
static void rank_again(liaison_searcher *s, size_t from)
{
    const liaison_engine *e = s->e;
    cand_ent *a = s->cands + from;
    size_t m = s->ntouched - from, c;
    for (c = 0; c < m; c++) {
        if (c + PREFETCH_FAR < m)
            PREFETCH(&e->names[a[c + PREFETCH_FAR].n]);
        if (c + PREFETCH_NEAR < m)
            PREFETCH(&IDX_AT(e->units, idx_unit,
                             e->names[a[c + PREFETCH_NEAR].n].unit));
        if (c + 1 < m) {
            const idx_name *nm = &e->names[a[c + 1].n];
            uint32_t u;
            for (u = nm->unit; u < nm->unit + nm->nunits && u < nm->unit + 8;
                 u++)
                PREFETCH(&s->tok_stamp[IDX_AT(e->units, idx_unit, u).tok]);
        }
        a[c].v = rank_name(s, a[c].n);
    }
}

/* The names to score in full, moved to the front of cands, best first;
** returns how many.  When there are more than the full scoring takes,
** most come from the first ranking (which knows what the expansion did
** not find: a typo in a short part, an initial, is still walked through
** the other parts), the rest from the second ranking of the next
** RANK_CANDIDATES (which sees the parts not walked and the parts the
** query lacks: a name that shares the query's one common part and its
** one rare part with thousands of others). */
static size_t pick_candidates(liaison_searcher *s, size_t limit)
{
    size_t first = limit * 4 < SCORE_FIRST ? SCORE_FIRST : limit * 4;
    size_t second = limit * 2 < SCORE_SECOND ? SCORE_SECOND : limit * 2;
    rank_walked(s);
    if (s->ntouched <= first + second) {
        sort_cands(s->cands, s->ntouched);
        return s->ntouched;
    }
    select_top(s->cands, s->ntouched, first + RANK_CANDIDATES);
    if (s->ntouched > first + RANK_CANDIDATES)
        s->ntouched = first + RANK_CANDIDATES;
    select_top(s->cands, s->ntouched, first);
    sort_cands(s->cands, first);
    rank_again(s, first);
    select_top(s->cands + first, s->ntouched - first, second);
    sort_cands(s->cands + first, second);
    return first + second;
}

/* Scoring a name reads scattered memory: ask for it ahead, in three
** steps, each reading what the previous one fetched (the name's entry;
** its parts and record; the parts' vocabulary entries, the record's
** dates and nationalities). */
static void prefetch_name(const liaison_searcher *s, uint32_t n, int step)
{
    const liaison_engine *e = s->e;
    const idx_name *nm;
    const idx_rec *rec;
    uint32_t u;
    if (n == UINT32_MAX)
        return;
    nm = &e->names[n];
    if (step == 0) {
        PREFETCH(nm);
        return;
    }
    if (step == 1) {
        PREFETCH(&IDX_AT(e->units, idx_unit, nm->unit));
        PREFETCH(&IDX_AT(e->recs, idx_rec, nm->rec));
        PREFETCH(&s->rec_stamp[nm->rec]);
        PREFETCH(&s->rec_slot[nm->rec]);
        return;
    }
    rec = &IDX_AT(e->recs, idx_rec, nm->rec);
    if (rec->ndob)
        PREFETCH(&IDX_AT(e->dates, match_date, rec->dob));
    if (rec->nnat > 1)
        PREFETCH((const char *)e->nats.p + 4 * (size_t)rec->nat);
    for (u = nm->unit; u < nm->unit + nm->nunits && u < nm->unit + 8; u++) {
        uint32_t t = IDX_AT(e->units, idx_unit, u).tok;
        PREFETCH(&IDX_AT(e->vocab, idx_vtok, t));
        PREFETCH(&s->tok_stamp[t]);
    }
}

/* Candidates for the prepared name, then full scores for the best. */
static int screen_name(liaison_searcher *s, size_t limit, const uint64_t *cost)
{
    const liaison_engine *e = s->e;
    const match_side *q = &s->qside;
    int order[TEXT_MAX_TOKENS], i, j, n = 0, nq = s->q.ntoks, rc;
    uint64_t spent = 0;
    uint32_t covered = 0;
    float total = 0, got = 0;
    size_t k, c;

    /* Parts in order of cost (postings to walk), cheapest first. */
    for (i = 0; i < nq; i++) {
        if ((s->q.toks[i].flags & TEXT_TOK_TITLE) || cost[i] == 0)
            continue;
        for (j = n; j > 0 && cost[order[j - 1]] > cost[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
        n++;
    }
    for (i = 0; i < q->npos; i++)
        total += q->wpos[i];
    /* The parts to walk.  Once half the query's weight has been walked, a
    ** costly part only adds names that share nothing rarer with the
    ** query: they cannot reach a hit, and are scored in full anyway when
    ** reached through another part. */
    for (j = 0; j < n; j++) {
        const text_tok *t = &s->q.toks[order[j]];
        int p;
        if (spent > 0 && spent + cost[order[j]] > POSTINGS_BUDGET &&
            got >= 0.5f * total)
            break;
        spent += cost[order[j]];
        for (p = t->first; p <= t->last && p < MATCH_MAX_POS; p++) {
            if (!(covered & (1u << p)))
                got += q->wpos[p];
            covered |= 1u << p;
        }
    }
    n = j;
    s->small_walk = spent <= HASH_MAX_POSTINGS;
    if (!s->small_walk && ++s->acc_gen == 0) {
        memset(s->acc, 0, e->n_names * sizeof(acc_ent));
        s->acc_gen = 1;
    }
    s->ntouched = 0;
    for (j = 0; j < n; j++)
        accumulate(s, order[j]);
    if (s->small_walk)
        for (c = 0; c < s->ntouched; c++)
            s->hash[s->hash_used[c]].stamp = 0;
    k = pick_candidates(s, limit);
    for (c = 0; c < k; c++) {
        prefetch_name(s, c + PREFETCH_FAR < k ? s->cands[c + PREFETCH_FAR].n
                                               : UINT32_MAX, 0);
        prefetch_name(s, c + PREFETCH_NEAR < k ? s->cands[c + PREFETCH_NEAR].n
                                                : UINT32_MAX, 1);
        prefetch_name(s, c + 1 < k ? s->cands[c + 1].n : UINT32_MAX, 2);
        rc = score_name(s, s->cands[c].n);
        if (rc)
            return rc;
    }
    return (int)c;
}

/* A name field may hold alternatives, as lists write them: "A; B" and
** "A (B; C)".  Split them (at most MAX_ALTS); a name without ';' or '('
** is one alternative. */
static int split_alts(const char *name, size_t len, size_t *off, size_t *alen)
{
    size_t i, start = 0;
    int n = 0, depth = 0;
    if (!memchr(name, ';', len) && !memchr(name, '(', len)) {
        off[0] = 0;
        alen[0] = len;
        return 1;
    }
    for (i = 0; i <= len && n < MAX_ALTS; i++) {
        char c = i < len ? name[i] : ';';
        int cut = c == ';' || c == '(' || c == ')' || c == '[' || c == ']';
        if (!cut)
            continue;
        if (c == '(' || c == '[')
            depth++;
        else if ((c == ')' || c == ']') && depth > 0)
            depth--;
        {
            size_t a = start, b = i;
            while (a < b && (name[a] == ' ' || name[a] == ','))
                a++;
            while (b > a && (name[b - 1] == ' ' || name[b - 1] == ','))
                b--;
            if (b > a) {
                off[n] = a;
                alen[n] = b - a;
                n++;
            }
        }
        start = i + 1;
    }
    (void)depth;
    return n;
}

/* Look a document number (or VIN, or plate) up.  country is the query's
** issuing country (alpha-3) or NULL: the same number issued by another
** country is another document, reported far below the threshold. */
static void screen_docs(liaison_searcher *s, const char *num,
                        const char *country)
{
    const liaison_engine *e = s->e;
    char key[128];
    size_t klen = idx_docnum_key(num, key, sizeof(key));
    int64_t list;
    uint32_t d;
    if (klen < 3)
        return;
    list = idx_docs_find(e, key, klen);
    if (list < 0)
        return;
    for (d = IDX_AT(e->doc_head, uint32_t, list); d != UINT32_MAX;
         d = IDX_AT(e->doc_next, uint32_t, d)) {
        const idx_doc *doc = &IDX_AT(e->docs, idx_doc, d);
        rec_score *rs = rec_entry(s, doc->rec);
        double sc;
        if (!rs)
            return;
        /* An exact number (after OCR folding) is near-certain; a person's
        ** own document with another name is still worth a hit. */
        sc = 0.95;
        if (rs->name != UINT32_MAX && rs->name_score > 0.5)
            sc = 0.99;
        if (country && doc->country &&
            strcmp(country, idx_str(e, doc->country)) != 0) {
            sc = 0.3;
            rs->doc_country_differs = 1;
        }
        if (sc > rs->score)
            rs->score = (float)sc;
        rs->doc = (int32_t)d;
    }
}

/* The birth years a record must fall in to reach the threshold with the
** query's date of birth: beyond them even an exact name (and the same
** nationality) scores below it.  Records with alternative dates are filed
** under their earliest, so the window reaches IDX_YEAR_SPREAD lower. */
static void year_window(liaison_searcher *s)
{
    match_facts f = {MATCH_DOB_FAR, 1, 0};
    unsigned r;
    s->year_lo = s->year_hi = 0;
    if (!s->has_dob || s->qdob.y1 <= 0)
        return;
    if (match_adjust(1.0, &f) >= s->threshold)
        return;                 /* any year could still hit */
    f.dob = MATCH_DOB_MISMATCH;
    r = match_adjust(1.0, &f) >= s->threshold ? 4 : 1;
    s->year_lo = (unsigned)s->qdob.y1 > r + IDX_YEAR_SPREAD
                     ? (unsigned)s->qdob.y1 - r - IDX_YEAR_SPREAD : 1;
    s->year_hi = (unsigned)s->qdob.y2 + r;
}

/* ---------------------------------------------------------------- results */

static result_priv *priv_of(liaison_result *res)
{
    result_priv *p = res->priv_;
    if (!p) {
        p = util_calloc(1, sizeof(*p));
        if (!p)
            return NULL;
        util_arena_init(&p->arena, 16 * 1024);
        res->priv_ = p;
    }
    return p;
}

void liaison_result_fini(liaison_result *res)
{
    result_priv *p;
    if (!res)
        return;
    p = res->priv_;
    if (p) {
        util_free(p->hits);
        util_arena_fini(&p->arena);
        util_free(p);
    }
    memset(res, 0, sizeof(*res));
}

/* Best record first (ties: record order), without allocating. */
static int rec_before(const rec_score *x, const rec_score *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    return x->rec < y->rec;
}

static void sort_recs(rec_score *r, size_t n)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        rec_score x = r[i];
        for (j = i; j > 0 && rec_before(&x, &r[j - 1]); j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
}

/* ---------------------------------------------------------------- why */

static void date_str(const match_date *d, char *out, size_t cap)
{
    char a[40], b[40];
    if (d->m1 && d->d1)
        snprintf(a, sizeof(a), "%04d-%02d-%02d", d->y1, d->m1, d->d1);
    else if (d->m1)
        snprintf(a, sizeof(a), "%04d-%02d", d->y1, d->m1);
    else
        snprintf(a, sizeof(a), "%04d", d->y1);
    if (d->y1 == d->y2 && d->m1 == d->m2 && d->d1 == d->d2) {
        snprintf(out, cap, "%s", a);
        return;
    }
    if (d->m2 && d->d2)
        snprintf(b, sizeof(b), "%04d-%02d-%02d", d->y2, d->m2, d->d2);
    else if (d->m2)
        snprintf(b, sizeof(b), "%04d-%02d", d->y2, d->m2);
    else
        snprintf(b, sizeof(b), "%04d", d->y2);
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
        rc = prepare_name(s, s->qname + s->alt_off[rs->alt],
                          s->alt_len[rs->alt], NULL);
        if (rc)
            return rc;
        s->cur_alt = rs->alt;
    }
    if (s->nalts > 1)
        rc = why_add(p, w, "query name: %.*s", (int)s->alt_len[rs->alt],
                     s->qname + s->alt_off[rs->alt]);
    load_name(s, rs->name, 1);
    match_names(&s->qside, &s->rside, side_sim, s, &ns);
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

static int idx_explain(liaison_searcher *s, const rec_score *rs,
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
                     rec_nat(e, r, 0), r->nnat > 1 ? " and others" : "");
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

int liaison_screen(liaison_searcher *s, const liaison_query *q,
                   const liaison_screen_opts *opts, liaison_result *res)
{
    uint64_t t0 = util_now_us();
    double threshold = opts && opts->threshold >= 0
                           ? opts->threshold : liaison_default_threshold();
    size_t limit = opts && opts->limit ? opts->limit : 10, i, n;
    result_priv *p;
    int rc, scored = 0, a;

    if (!s || !q || !res)
        return LIAISON_EINVAL;
    if (limit > MAX_HITS_CAP)
        limit = MAX_HITS_CAP;
    p = priv_of(res);
    if (!p)
        return LIAISON_ENOMEM;
    res->n_hits = 0;
    res->candidates = 0;
    util_arena_reset(&p->arena);
    if ((!q->name || !*q->name) && (!q->doc || !*q->doc) &&
        (!q->vin || !*q->vin) && (!q->plate || !*q->plate))
        return LIAISON_EINVAL;

    s->has_dob = q->dob && *q->dob && !match_date_parse(q->dob, &s->qdob);
    if (q->dob && *q->dob && !s->has_dob)
        return LIAISON_EINVAL;
    s->qnat = q->nationality && *q->nationality
                  ? util_country_alpha3(q->nationality) : NULL;
    s->qgender = q->gender;
    s->kinds = opts && opts->kinds ? opts->kinds : LIAISON_KINDS_PERSON;
    s->threshold = threshold;
    year_window(s);
    s->q.ntoks = 0;
    s->q.npos = 0;
    s->nalts = 0;
    s->cur_alt = -1;
    if (q->name && *q->name) {
        size_t nlen = strlen(q->name);
        if (liaison_utf8_check(q->name, nlen, NULL))
            return LIAISON_EUTF8;
        s->qname = q->name;
        s->nalts = split_alts(q->name, nlen, s->alt_off, s->alt_len);
    }
    s->rec_gen = next_gen(&s->rec_gen, s->rec_stamp, s->e->recs.n);
    s->nrecs = 0;
    for (a = 0; a < s->nalts; a++) {
        uint64_t cost[TEXT_MAX_TOKENS];
        rc = prepare_name(s, q->name + s->alt_off[a], s->alt_len[a], cost);
        if (rc)
            return rc;
        s->cur_alt = a;
        if (s->q.ntoks == 0)
            continue;
        rc = screen_name(s, limit, cost);
        if (rc < 0)
            return rc;
        scored += rc;
    }
    if (q->doc && *q->doc)
        screen_docs(s, q->doc, q->doc_country && *q->doc_country
                                   ? util_country_alpha3(q->doc_country) : NULL);
    if (q->vin && *q->vin)
        screen_docs(s, q->vin, NULL);
    if (q->plate && *q->plate)
        screen_docs(s, q->plate,
                    q->plate_country && *q->plate_country
                        ? util_country_alpha3(q->plate_country) : NULL);
    res->candidates = (size_t)scored;

    sort_recs(s->recs, s->nrecs);
    for (n = 0; n < s->nrecs && n < limit && s->recs[n].score >= threshold &&
                s->recs[n].score > 0;
         n++)
        ;
    if (n > p->cap) {
        liaison_hit *nh = util_realloc(p->hits, n * sizeof(liaison_hit));
        if (!nh)
            return LIAISON_ENOMEM;
        p->hits = nh;
        p->cap = n;
    }
    res->hits = p->hits;
    for (i = 0; i < n; i++) {
        const rec_score *rs = &s->recs[i];
        const idx_rec *r = &IDX_AT(s->e->recs, idx_rec, rs->rec);
        liaison_hit *h = &p->hits[i];
        memset(h, 0, sizeof(*h));
        h->record = rs->rec;
        h->id = idx_str(s->e, r->id);
        h->list = idx_str(s->e, r->list);
        h->owner = r->owner ? idx_str(s->e, r->owner) : NULL;
        h->category = r->category ? idx_str(s->e, r->category) : NULL;
        h->kind = (liaison_kind)r->kind;
        h->sharing = (liaison_sharing)r->sharing;
        h->score = floor(rs->score * 1000.0 + 0.5) / 1000.0;
        if (rs->name != UINT32_MAX)
            h->matched = idx_str(s->e,
                                 IDX_AT(s->e->name_full, uint32_t, rs->name));
        else if (rs->doc >= 0)
            h->matched = idx_str(s->e,
                                 IDX_AT(s->e->docs, idx_doc, rs->doc).number);
        if (opts && opts->want_why) {
            rc = idx_explain(s, rs, p, h);
            if (rc)
                return rc;
        }
    }
    res->n_hits = n;
    res->took_us = util_now_us() - t0;
    return LIAISON_OK;
}
