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
**    similarities the expansion computed (one row per vocabulary entry);
**    a part of the name the expansion did not meet is compared then
**    (nearly always told apart by lengths and letter signatures alone)
**    and remembered for the rest of the query name.  A record
**    scores the best of its names, adjusted by date of birth, nationality
**    and gender.  Documents, VINs and plates are exact lookups.
** 4. No allocation per query: the searcher owns every scratch array,
**    sized for the engine at creation, and the result keeps its buffers.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/searcher.h"

#define POSTINGS_BUDGET 4096u    /* postings walked before costly parts are left out */
#define MAX_HITS_CAP 1000
#define WALK_AHEAD 12           /* postings (their names' slots) prefetched
                                   ahead of the walk */
#define HASH_BITS 15            /* small walks accumulate in a hash table */
#define HASH_MAX_POSTINGS 12288u /* ...of 2^15 slots, kept under 3/8 full */
#define REC_BITS_FIRST 9        /* rec_slots at first: 2^9, for 2^8 records */

static void *zeroed_new(size_t n)
{
    return util_calloc_big(n, 1);   /* huge pages for the per-name arrays */
}

/* A searcher over e, built or being built.  expand_only: what expanding
** parts needs (idx_nbr_build), without the per-name and per-record
** scratch of a screening (~55 MiB at a million records) nor the cache. */
int idx_searcher_make(const liaison_engine *e, int expand_only,
                         liaison_searcher **out)
{
    liaison_searcher *s;
    size_t nv, nn, i;
    int rc;
    *out = NULL;
    nv = e->vocab.n ? e->vocab.n : 1;
    nn = e->n_names ? e->n_names : 1;
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
    s->rows_cap = MAX_ROWS;
    s->row_at = zeroed_new(ROW_SLOTS * sizeof(row_slot));
    if (rc || !s->seen || !s->rows || !s->row_at) {
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
    s->hash_used = zeroed_new((HASH_MAX_POSTINGS + 1) * sizeof(uint32_t));
    s->cands = zeroed_new((nn + 1) * sizeof(cand_ent));
    s->cand_year = zeroed_new((nn + 1) * sizeof(uint16_t));
    s->rank_tmp = util_malloc(RANK_SORT_MAX * sizeof(cand_ent));
    s->rec_bits = REC_BITS_FIRST;
    s->recs_cap = (size_t)1 << (REC_BITS_FIRST - 1);
    s->recs = util_malloc(s->recs_cap * sizeof(rec_score));
    s->rec_slots = util_calloc((size_t)1 << s->rec_bits, sizeof(acc_ent));
    for (i = 0; i < YEAR_MULTS; i++) {
        match_facts f = {0, 0, 0};
        f.dob = idx_years_relation((int)i);
        s->year_mult[i] = (float)(match_adjust(0.6, &f) / 0.6);
    }
    if (!s->cache || !s->cache_items || !s->acc || !s->hash ||
        !s->hash_used || !s->cands || !s->cand_year || !s->rank_tmp ||
        !s->recs ||
        !s->rec_slots) {
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
    return idx_searcher_make(e, 0, out);
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
    util_free(s->row_at);
    util_free(s->acc);
    util_free(s->hash);
    util_free(s->hash_used);
    util_free(s->cands);
    util_free(s->cand_year);
    util_free(s->rank_tmp);
    util_free(s->recs);
    util_free(s->rec_slots);
    util_free(s);
}

double liaison_default_threshold(void)
{
    return 0.55;
}

/* ---------------------------------------------------------------- candidates */

/* The entry of v's year directory for birth year y, or NULL when v has
** none or y is not past its first year and within it. */
static inline const uint32_t *year_dir_at(const liaison_engine *e,
                                          const idx_vtok *v, unsigned y)
{
    return v->yspan && y > v->ymin && y - v->ymin < v->yspan
               ? &e->ydir[v->ydir + (y - v->ymin)] : NULL;
}

/* First posting in [lo, hi) whose name's year is at least y, where lo
** is the first dated posting of v's list and hi its end. */
static uint32_t year_bound(const liaison_engine *e, const idx_vtok *v,
                           uint32_t lo, uint32_t hi, unsigned y)
{
    if (v->yspan) {
        const uint32_t *d = year_dir_at(e, v, y);
        return d ? lo + *d : y <= v->ymin ? lo : hi;
    }
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
** in cache, without a branch on whether a name is met for the first time
** (a coin toss the processor would mispredict: a third of the postings
** are): every posting writes its name's slot, entry and year, the same
** values again for a name met before, and the slot past the last for a
** new one (cands, cand_year and hash_used have room for it).  The table
** (256 KiB) stays in the second-level cache, not the first: the slot of
** the posting a dozen ahead is asked for (A/B at 1M, 8 to 32 ahead: p50
** 0.976-0.981).  A longer walk uses the per-name array, which touches a
** scattered cache line per posting, fetched ahead of need. */
static void walk(liaison_searcher *s, uint32_t from, uint32_t to, float w)
{
    const liaison_engine *e = s->e;
    const uint32_t mask = ((uint32_t)1 << HASH_BITS) - 1;
    uint32_t p;
    if (s->small_walk) {
        acc_ent *hash = s->hash;
        cand_ent *cands = s->cands;
        uint16_t *year = s->cand_year;
        uint32_t *used = s->hash_used;
        const uint32_t *post = e->post;
        const uint16_t *py = e->post_year;
        uint32_t nt = (uint32_t)s->ntouched;
        for (p = from; p < to; p++) {
            uint32_t n = post[p], st, slot, isnew;
            uint32_t h = (n * 0x9E3779B1u) >> (32 - HASH_BITS);
            float old;
            if (p + WALK_AHEAD < to)
                __builtin_prefetch(&hash[(post[p + WALK_AHEAD] * 0x9E3779B1u) >>
                                         (32 - HASH_BITS)], 1);
            while ((st = hash[h].stamp) != 0 && st != n + 1)
                h = (h + 1) & mask;
            isnew = st == 0;
            slot = isnew ? nt : hash[h].slot;
            hash[h].stamp = n + 1;
            hash[h].slot = slot;
            used[nt] = h;
            old = cands[slot].v;
            old = isnew ? 0.0f : old;
            cands[slot].n = n;
            cands[slot].v = old + w;
            year[slot] = py[p];
            nt += isnew;
        }
        s->ntouched = nt;
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

/* Before the walks: ask for where each entry's postings start and, with
** a year window, the directory entries of its bounds (the few entries
** ahead that accumulate asks for come too late for short lists, walked
** in a few dozen cycles).  The vocabulary entries are in cache:
** query_side has just read them all. */
PREFETCH_FN void prefetch_walk(const liaison_searcher *s, int qi)
{
    const liaison_engine *e = s->e;
    uint32_t x;
    for (x = s->exp_start[qi]; x < s->exp_start[qi + 1]; x++) {
        uint32_t t = s->exp[x].tok;
        const idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, t);
        const uint32_t *lo, *hi;
        PREFETCH(&e->post_off[t]);
        if (!s->year_lo)
            continue;
        lo = year_dir_at(e, v, s->year_lo);
        hi = year_dir_at(e, v, s->year_hi + 1u);
        if (lo)
            PREFETCH(lo);
        if (hi)
            PREFETCH(hi);
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
        const idx_vtok *v;
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
            uint32_t t = s->exp[x + PREFETCH_NEAR].tok, h = e->post_off[t];
            const idx_vtok *vn = &IDX_AT(e->vocab, idx_vtok, t);
            const uint32_t *d = s->year_lo ? year_dir_at(e, vn, s->year_lo)
                                           : NULL;
            PREFETCH(&e->post[h]);
            PREFETCH(&e->post_year[h]);
            if (d) {
                /* ...and where its year window starts (prefetch_walk
                ** asked for the directory) */
                h += vn->undated + *d;
                PREFETCH(&e->post[h]);
                PREFETCH(&e->post_year[h]);
            }
        }
        w = ex->sim * IDX_AT(e->vocab, idx_vtok, ex->tok).weight;
        a = e->post_off[ex->tok];
        b = e->post_off[ex->tok + 1];
        if (!s->year_lo || b - a < 16) {
            walk(s, a, b, w);
            continue;
        }
        v = &IDX_AT(e->vocab, idx_vtok, ex->tok);
        m = a + v->undated;
        walk(s, a, m, w);
        walk(s, year_bound(e, v, m, b, s->year_lo),
             year_bound(e, v, m, b, s->year_hi + 1u), w);
    }
}

/* ---------------------------------------------------------------- scoring */

/* Load name n's parts into rside.  The parts' strings are needed only to
** explain a hit (views): scoring looks similarities up by vocabulary id. */
void idx_name_load(liaison_searcher *s, uint32_t n, int views)
{
    const liaison_engine *e = s->e;
    const idx_name *nm = &e->names[n];
    const idx_unit *un = IDX_NAME_UNIT0(e, nm), *u1 = un + nm->nunits;
    match_side *r = &s->rside;
    sim_row *row;
    int i;
    r->n = 0;
    r->npos = nm->npos;
    if (r->npos > MATCH_MAX_POS)
        r->npos = MATCH_MAX_POS;
    for (i = 0; i < r->npos; i++)
        r->wpos[i] = 0;
    for (; un < u1 && r->n < MATCH_MAX_UNITS; un++) {
        int k = r->n++;
        if (views) {
            idx_vtok_view(e, un->tok, &s->rtoks[k]);
            s->rtoks[k].flags |= un->flags;
        }
        r->toks[k] = &s->rtoks[k];
        r->first[k] = un->first;
        r->last[k] = un->last;
        row = idx_row_of(s, un->tok);
        if (!row) {
            row = &s->spare[k];
            idx_row_clear(s, row);
        }
        if (!row->full)
            idx_row_complete(s, row, un->tok);
        s->rsims.sim[k] = row->sim;
        s->rsims.how[k] = row->how;
        if (!(un->flags & TEXT_TOK_COMPOUND) && un->first < MATCH_MAX_POS)
            r->wpos[un->first] = idx_unit_weight(e, un);
    }
}

/* Date of birth, nationality and gender relations of record rec, whose
** facts are f. */
static void record_facts(liaison_searcher *s, uint32_t rec,
                         const idx_facts *f, rec_score *rs)
{
    const liaison_engine *e = s->e;
    const match_date *dob = &f->dob;
    char g[2] = {f->gender, 0};
    rs->dob_rel = MATCH_DOB_UNKNOWN;
    if (s->has_dob && f->ndob) {
        if (f->ndob > 1)
            dob = &IDX_AT(e->dates, match_date,
                          IDX_AT(e->recs, idx_rec, rec).dob);
        rs->dob_rel = (int8_t)match_dob(&s->qdob, dob, f->ndob, NULL);
    }
    rs->nat = (int8_t)match_nationality(s->qnat4,
                                        idx_nats(e, &f->nat, f->nnat), f->nnat);
    rs->gender = (int8_t)match_gender(s->qgender, g);
}

static double adjusted(const rec_score *rs, double name);

/* Record rec's slot in rec_slots: the one holding it, or the free one
** where it goes.  A query meets a few dozen records: the table stays in
** cache, where an array over all records would cost a miss per record.
** Slots are stamped with the query, so that none needs clearing: after
** a query that met thousands of records (a document number on many),
** the next does not pay for wiping the table it grew. */
static acc_ent *rec_slot(liaison_searcher *s, uint32_t rec)
{
    uint32_t mask = ((uint32_t)1 << s->rec_bits) - 1;
    uint32_t h = (rec * 0x9E3779B1u) >> (32 - s->rec_bits);
    while (s->rec_slots[h].stamp == s->rec_gen &&
           s->recs[s->rec_slots[h].slot].rec != rec)
        h = (h + 1) & mask;
    return &s->rec_slots[h];
}

/* Room for one more record: recs doubled, and rec_slots with it (kept at
** most half full). */
static int recs_grow(liaison_searcher *s)
{
    size_t ncap = s->recs_cap * 2, i;
    acc_ent *ns = util_calloc(ncap * 2, sizeof(acc_ent));
    rec_score *nr = ns ? util_realloc(s->recs, ncap * sizeof(rec_score)) : NULL;
    if (!nr) {
        util_free(ns);
        return LIAISON_ENOMEM;
    }
    s->recs = nr;
    s->recs_cap = ncap;
    util_free(s->rec_slots);
    s->rec_slots = ns;
    s->rec_bits++;
    for (i = 0; i < s->nrecs; i++) {
        acc_ent *sl = rec_slot(s, s->recs[i].rec);
        sl->stamp = s->rec_gen;
        sl->slot = (uint32_t)i;
    }
    return LIAISON_OK;
}

/* Record rec's entry in recs, made on first meeting it (f: its facts, or
** NULL to read them from the record). */
static rec_score *rec_entry(liaison_searcher *s, uint32_t rec,
                            const idx_facts *f)
{
    idx_facts own;
    rec_score *rs;
    acc_ent *slot = rec_slot(s, rec);
    if (slot->stamp == s->rec_gen)
        return &s->recs[slot->slot];
    if (s->nrecs == s->recs_cap) {
        if (recs_grow(s))
            return NULL;
        slot = rec_slot(s, rec);
    }
    slot->stamp = s->rec_gen;
    slot->slot = (uint32_t)s->nrecs;
    rs = &s->recs[s->nrecs++];
    memset(rs, 0, sizeof(*rs));
    rs->rec = rec;
    rs->name = UINT32_MAX;
    rs->doc = -1;
    if (!f) {
        idx_rec_facts(s->e, rec, &own);
        f = &own;
    }
    record_facts(s, rec, f, rs);
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
    rs = rec_entry(s, rec, &nm->f);
    if (!rs)
        return LIAISON_ENOMEM;
    /* A record whose date of birth (or nationality, gender) rules it out
    ** even for an exact name is not worth aligning names for. */
    if (rs->ceiling < s->threshold)
        return LIAISON_OK;
    idx_name_load(s, n, 0);
    match_names_rows(&s->qside, &s->rside, &s->rsims, &ns);
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
int idx_name_prepare(liaison_searcher *s, const char *name, size_t len,
                        uint64_t *cost)
{
    const liaison_engine *e = s->e;
    int i, rc;
    rc = text_name_parse(s->tctx, name, len, &s->q);
    if (rc)
        return rc;
    /* Rows are per query part: a new name starts afresh. */
    idx_rows_reset(s, s->q.ntoks);
    s->exp_start[0] = 0;
    for (i = 0; i < s->q.ntoks; i++) {
        uint32_t x;
        match_tok_from_text(&s->q, i, &s->qt[i]);
        idx_part_expand(s, i);
        if (!cost)
            continue;
        cost[i] = 0;
        for (x = s->exp_start[i]; x < s->exp_start[i + 1]; x++)
            cost[i] += IDX_AT(e->vocab, idx_vtok, s->exp[x].tok).df;
    }
    query_side(s);
    return LIAISON_OK;
}

/* Scoring a name reads scattered memory: ask for it ahead, in three
** steps, each reading what the previous one fetched (the name's entry
** and its record's facts; the parts stored apart, a record's several
** dates or nationalities; the parts' vocabulary entries). */
PREFETCH_FN void prefetch_name(const liaison_searcher *s, uint32_t n,
                          int step)
{
    const liaison_engine *e = s->e;
    const idx_name *nm;
    const idx_facts *f;
    const idx_unit *un;
    uint32_t u;
    if (n == UINT32_MAX)
        return;
    nm = &e->names[n];
    f = &nm->f;
    if (step == 0) {
        PREFETCH(nm);
        return;
    }
    if (step == 1) {
        idx_prefetch_units(e, nm);
        if (f->ndob > 1)
            PREFETCH(&IDX_AT(e->recs, idx_rec, nm->rec));
        if (f->nnat > 1)
            PREFETCH((const uint32_t *)e->nats.p + f->nat);
        return;
    }
    if (f->ndob > 1)
        PREFETCH(&IDX_AT(e->dates, match_date,
                         IDX_AT(e->recs, idx_rec, nm->rec).dob));
    /* The parts' vocabulary entries: scoring reads every part's weight
    ** there, and compares those without a row with the query's parts. */
    un = IDX_NAME_UNIT0(e, nm);
    for (u = 0; u < nm->nunits && u < 8; u++)
        PREFETCH(&IDX_AT(e->vocab, idx_vtok, un[u].tok));
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
        prefetch_walk(s, order[j]);
    for (j = 0; j < n; j++)
        accumulate(s, order[j]);
    if (s->small_walk)
        for (c = 0; c < s->ntouched; c++)
            s->hash[s->hash_used[c]].stamp = 0;
    k = idx_candidates_pick(s, limit);
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
        rec_score *rs = rec_entry(s, doc->rec, NULL);
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
    s->qnat4 = match_nat_code(s->qnat);
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
    if (++s->rec_gen == 0) {
        memset(s->rec_slots, 0, sizeof(acc_ent) << s->rec_bits);
        s->rec_gen = 1;
    }
    s->nrecs = 0;
    for (a = 0; a < s->nalts; a++) {
        uint64_t cost[TEXT_MAX_TOKENS];
        rc = idx_name_prepare(s, q->name + s->alt_off[a], s->alt_len[a], cost);
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

    /* Only the records that make a hit are put in order (most of the
    ** few dozen scored do not). */
    for (i = 0, n = 0; i < s->nrecs; i++)
        if (s->recs[i].score >= threshold && s->recs[i].score > 0)
            s->recs[n++] = s->recs[i];
    s->nrecs = n;
    sort_recs(s->recs, n);
    if (n > limit)
        n = limit;
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
            rc = idx_hit_explain(s, rs, p, h);
            if (rc)
                return rc;
        }
    }
    res->n_hits = n;
    res->took_us = util_now_us() - t0;
    return LIAISON_OK;
}
