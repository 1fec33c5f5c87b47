/*
** searcher.h: what the files of one screening share, internal to
** src/index: search.c (the searcher, candidates, scoring and
** liaison_screen), expand.c (query parts to similar vocabulary entries,
** and the engine's kept expansions), rank.c (which walked names to score)
** and why.c (explaining a hit).
*/
#ifndef LIAISON_INDEX_SEARCHER_H
#define LIAISON_INDEX_SEARCHER_H

#include <stdint.h>
#include <string.h>

#include "index/index.h"

#define MAX_ALTS 8              /* alternatives in one name field */
#define MAX_EXP 8192            /* kept expansions per query */
#define MAX_ROWS 16384          /* vocabulary entries compared per query */
#define PREFETCH_FAR 6          /* prefetch distances, in items: index */
#define PREFETCH_NEAR 3         /* ...then what the index points to */
#define YEAR_MULTS 6            /* birth years apart told apart in ranking */
#define RANK_BUCKETS 256        /* first ranking's histogram, over [0, 1) */
#define RANK_SORT_MAX 2048      /* names kept from it sorted by bucket */

#define PREFETCH(p) __builtin_prefetch(p)
/* For a function that only prefetches.  GCC takes __builtin_prefetch for
** a statement without side effects, finds such a function pure, and
** drops every call to it (its result is unused): inlined early, its
** prefetches stay in the caller (tools/check_prefetch.sh checks). */
#define PREFETCH_FN static inline __attribute__((always_inline))

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

/* A stamped slot: per name, one cache line access while walking postings
** (the query that last touched it, and its entry in cands); per record
** met, its entry in recs (rec_slots). */
typedef struct acc_ent {
    uint32_t stamp;
    uint32_t slot;              /* its entry in cands, or in recs */
} acc_ent;

typedef struct cand_ent {
    float v;
    uint32_t n;
} cand_ent;

typedef struct sim_row {
    float sim[TEXT_MAX_TOKENS]; /* per query part (-1: not compared yet) */
    uint8_t how[TEXT_MAX_TOKENS];
    uint32_t slot;              /* its slot in row_at */
    uint8_t full;               /* compared with every query part */
} sim_row;

/* Which vocabulary entries have a row: an open-addressing table the size
** of twice MAX_ROWS, of which a query touches a few hundred slots (they
** stay in cache, where arrays over the whole vocabulary would cost a
** miss per candidate name part). */
#define ROW_BITS 15
#define ROW_SLOTS ((uint32_t)1 << ROW_BITS)

typedef struct row_slot {
    uint32_t tok1;              /* vocabulary id + 1; 0: free */
    uint32_t row;
} row_slot;

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
    uint32_t qnat4;             /* ...as match_nat_code (0: none) */
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
    sim_row *rows;              /* MAX_ROWS rows, nrows of them in use */
    size_t nrows;
    size_t rows_cap;            /* rows a query may make: MAX_ROWS (less
                                   in a test of what follows when full) */
    int row_parts;              /* query parts a row holds */
    row_slot *row_at;           /* ROW_SLOTS: vocabulary entry -> row */

    acc_ent *acc;               /* per name: walked this query? where in cands */
    acc_ent *hash;              /* small walks: name + 1 -> where in cands */
    uint32_t *hash_used;        /* ...the slots taken, to clear them */
    int small_walk;             /* this name walks through hash */
    uint32_t acc_gen;
    cand_ent *cands;            /* names walked, with their evidence */
    uint16_t *cand_year;        /* ...and their birth years (0: none) */
    float year_mult[YEAR_MULTS];  /* by years apart: match_adjust(0.6)/0.6 */
    uint32_t rank_hist[RANK_BUCKETS];   /* first ranking: names by score */
    cand_ent *rank_tmp;         /* RANK_SORT_MAX: names kept, by bucket */
    size_t ntouched;

    rec_score *recs;            /* the records met this query */
    size_t nrecs, recs_cap;
    acc_ent *rec_slots;         /* record -> its entry in recs, open
                                   addressing, 2 x recs_cap slots; a slot
                                   not stamped rec_gen is free */
    unsigned rec_bits;          /* log2 of the slots */
    uint32_t rec_gen;           /* this query's stamp */

    /* scratch for scoring one name */
    match_tok rtoks[MATCH_MAX_UNITS];
    match_side rside;
    match_rows rsims;                   /* ...their similarities to the
                                           query's parts (their rows) */
    sim_row spare[MATCH_MAX_UNITS];     /* rows when rows has no room */
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
static inline int idx_years_relation(int d)
{
    return d == 0 ? MATCH_DOB_MONTH : d == 1 ? MATCH_DOB_NEAR
           : d < 5 ? MATCH_DOB_MISMATCH : MATCH_DOB_FAR;
}

static inline uint32_t idx_row_hash(uint32_t tok)
{
    return (tok * 0x9E3779B1u) >> (32 - ROW_BITS);
}

/* The slot of vocabulary entry tok in row_at: its own, or the free one
** it would take. */
static inline uint32_t idx_row_slot(const liaison_searcher *s, uint32_t tok)
{
    uint32_t h = idx_row_hash(tok);
    while (s->row_at[h].tok1 && s->row_at[h].tok1 != tok + 1)
        h = (h + 1) & (ROW_SLOTS - 1);
    return h;
}

/* The row of vocabulary entry tok, or NULL. */
static inline sim_row *idx_row_find(const liaison_searcher *s, uint32_t tok)
{
    const row_slot *sl = &s->row_at[idx_row_slot(s, tok)];
    return sl->tok1 ? &s->rows[sl->row] : NULL;
}

/* Row r starts afresh: not compared with any query part yet. */
static inline void idx_row_clear(const liaison_searcher *s, sim_row *r)
{
    int i;
    for (i = 0; i < s->row_parts; i++)
        r->sim[i] = -1.0f;
    r->full = 0;
}

/* Ask for the units of a name that does not carry them (first and last
** line). */
PREFETCH_FN void idx_prefetch_units(const liaison_engine *e,
                                      const idx_name *nm)
{
    if (nm->nunits > IDX_NAME_UNITS) {
        PREFETCH(&IDX_AT(e->units, idx_unit, nm->unit));
        PREFETCH(&IDX_AT(e->units, idx_unit, nm->unit + nm->nunits - 1u));
    }
}

/* A first-ranking score's bucket (scores of 1 and more share the last). */
static inline uint32_t rank_bucket(float v)
{
    uint32_t b = (uint32_t)(v * (float)RANK_BUCKETS);
    return b < RANK_BUCKETS ? b : RANK_BUCKETS - 1;
}

/* Stamps wrap after 2^32 queries; clear the array then. */
static inline uint32_t idx_gen_next(uint32_t *gen, uint32_t *arr, size_t n)
{
    if (++*gen == 0) {
        memset(arr, 0, n * sizeof(uint32_t));
        *gen = 1;
    }
    return *gen;
}

/* The nationality codes (nnat of them) of a record, or of its facts,
** whose nat field is *nat: each 3 letters and a NUL in one word
** (match_nat_code); one is kept in the field itself. */
static inline const uint32_t *idx_nats(const liaison_engine *e,
                                       const uint32_t *nat, unsigned nnat)
{
    return nnat == 1 ? nat : (const uint32_t *)e->nats.p + *nat;
}

static inline const uint32_t *idx_rec_nats(const liaison_engine *e,
                                           const idx_rec *r)
{
    return idx_nats(e, &r->nat, r->nnat);
}

static inline const char *idx_rec_nat(const liaison_engine *e, const idx_rec *r, int i)
{
    return (const char *)(idx_rec_nats(e, r) + i);
}

/* search.c */
/* A searcher over e, built or being built.  expand_only: what expanding
** parts needs (idx_nbr_build), without the per-name and per-record
** scratch of a screening (~55 MiB at a million records) nor the cache. */
int idx_searcher_make(const liaison_engine *e, int expand_only,
                      liaison_searcher **out /* OUT */);
/* Parse a query name and expand its parts; cost[] (may be NULL) gets the
** postings each part would walk. */
int idx_name_prepare(liaison_searcher *s, const char *name, size_t len,
                     uint64_t *cost /* OUT */);
/* Load name n into the searcher's record side (views: with the parts'
** strings, to explain). */
void idx_name_load(liaison_searcher *s, uint32_t n, int views);

/* expand.c */
/* Forget every row (a new query name, of nparts parts: what a row
** holds, and what a new one starts with, "not compared yet"). */
void idx_rows_reset(liaison_searcher *s, int nparts);
/* The row of vocabulary entry tok, made if need be (NULL: no room). */
sim_row *idx_row_of(liaison_searcher *s, uint32_t tok);
/* Compare vocabulary entry tok, whose row is r, with each query part it
** was not compared with yet. */
void idx_row_complete(liaison_searcher *s, sim_row *r, uint32_t tok);
/* Similarity of query part qi to vocabulary entry tok, remembered for
** the query name. */
double idx_tok_sim(liaison_searcher *s, int qi, uint32_t tok, int *how);
/* Fill part qi's expansion (exp[exp_start[qi]..exp_start[qi + 1])). */
void idx_part_expand(liaison_searcher *s, int qi);

/* rank.c */
/* Rank the walked names and move the ones to score in full to the front
** of cands, best first; returns how many. */
size_t idx_candidates_pick(liaison_searcher *s, size_t limit);

/* why.c */
/* Fill h->why for record score rs. */
int idx_hit_explain(liaison_searcher *s, const rec_score *rs, result_priv *p,
                    liaison_hit *h);

#endif /* LIAISON_INDEX_SEARCHER_H */
