/*
** rank.c: which of the names a query walked are scored in full (see
** search.c, note 2).
*/
#include <math.h>
#include <string.h>

#include "index/searcher.h"

#define RANK_CANDIDATES 128     /* names ranked again on all their parts */
#define SCORE_FIRST 36          /* names scored in full: the first ranking's
                                   best (at least this, or 4 per hit asked
                                   for), then the second's (12, or 2 per
                                   hit) among the rest */
#define SCORE_SECOND 12

/* Move the k best names to the front of a (quickselect), in the order
** sort_cands puts them: evidence descending, then name order.  Ties are
** common (names sharing the parts walked and the birth year), and which
** of them are kept must not depend on where the walk left them. */
static inline uint64_t cand_key(cand_ent x)
{
    uint32_t bits;
    memcpy(&bits, &x.v, sizeof(bits));     /* scores are >= 0: the bits
                                               order as the values do */
    return (uint64_t)bits << 32 | (uint32_t)~x.n;
}

static void select_top(cand_ent *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    if (k >= hi)
        return;
    while (hi - lo > 1) {
        uint64_t pk = cand_key(a[lo + (hi - lo) / 2]);
        size_t i = lo, j = hi - 1;
        while (i <= j) {
            while (cand_key(a[i]) > pk)
                i++;
            while (cand_key(a[j]) < pk)
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
    return idx_years_relation((int)y < s->qdob.y1 ? s->qdob.y1 - (int)y
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
** out a name without a date, nor one born in the query's year.  With
** hist, counts the names of each score bucket (keep_best_buckets). */
static void rank_walked(liaison_searcher *s, int hist)
{
    size_t c;
    int has_year = s->has_dob && s->qdob.y1 > 0;
    if (hist)
        memset(s->rank_hist, 0, sizeof(s->rank_hist));
    for (c = 0; c < s->ntouched; c++) {
        float v = s->cands[c].v, m = 1.0f;
        int y = s->cand_year[c];
        if (has_year && y) {
            int d = y < s->qdob.y1 ? s->qdob.y1 - y
                    : y > s->qdob.y2 ? y - s->qdob.y2 : 0;
            m = s->year_mult[d < YEAR_MULTS ? d : YEAR_MULTS - 1];
        }
        v = v / (v + RANK_SCALE) * m;
        s->cands[c].v = v;
        if (hist)
            s->rank_hist[rank_bucket(v)]++;
    }
}

/* Keep in cands only the names of the buckets that hold the k best (and
** a few more: the last bucket's), in one pass without branches, so that
** what follows sorts through a few hundred names, not the thousands
** walked; returns the lowest bucket kept. */
static uint32_t keep_best_buckets(liaison_searcher *s, cand_ent *a,
                                  size_t *n, size_t k)
{
    size_t got = 0, nk = 0, c;
    uint32_t b = RANK_BUCKETS;
    while (b > 0 && got < k)
        got += s->rank_hist[--b];
    for (c = 0; c < *n; c++) {
        cand_ent x = a[c];
        a[nk] = x;
        nk += rank_bucket(x.v) >= b;
    }
    *n = nk;
    return b;
}

/* The names kept (all of buckets b and up) in bucket order, best first,
** as walked within a bucket: a counting sort on the histogram. */
static void bucket_order(liaison_searcher *s, uint32_t b)
{
    uint32_t off[RANK_BUCKETS], k, pos = 0;
    size_t c;
    for (k = RANK_BUCKETS; k-- > b;) {
        off[k] = pos;
        pos += s->rank_hist[k];
    }
    for (c = 0; c < s->ntouched; c++) {
        cand_ent x = s->cands[c];
        s->rank_tmp[off[rank_bucket(x.v)]++] = x;
    }
    memcpy(s->cands, s->rank_tmp, s->ntouched * sizeof(cand_ent));
}

/* With cands in bucket order, the k best (by cand_key) to the front:
** only the names of the bucket the k-th and the next share, if they do,
** need comparing. */
static void bucket_split(liaison_searcher *s, size_t k)
{
    size_t g0, g1;
    uint32_t bk;
    if (k == 0 || k >= s->ntouched)
        return;
    bk = rank_bucket(s->cands[k].v);
    if (rank_bucket(s->cands[k - 1].v) != bk)
        return;
    for (g0 = k - 1; g0 > 0 && rank_bucket(s->cands[g0 - 1].v) == bk; g0--)
        ;
    for (g1 = k + 1; g1 < s->ntouched && rank_bucket(s->cands[g1].v) == bk;
         g1++)
        ;
    select_top(s->cands + g0, g1 - g0, k - g0);
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
    const idx_unit *un = IDX_NAME_UNIT0(e, nm), *u1 = un + nm->nunits;
    uint32_t qmask = 0;
    float ev = 0, w_name = 0, w_matched = 0, w_qleft = 0, cq, cr, hi, lo;
    int i, nq = s->q.ntoks < MATCH_MAX_UNITS ? s->q.ntoks : MATCH_MAX_UNITS;
    for (; un < u1; un++) {
        float w = (float)un->wq * (1.0f / 255.0f), best = 0;
        const sim_row *r;
        int bq = -1;
        if (!(un->flags & TEXT_TOK_COMPOUND))
            w_name += w;
        r = idx_row_find(s, un->tok);
        if (!r)
            continue;
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

/* Second ranking of cands[from..ntouched), counted in rank_hist. */
static void rank_again(liaison_searcher *s, size_t from)
{
    const liaison_engine *e = s->e;
    cand_ent *a = s->cands + from;
    size_t m = s->ntouched - from, c;
    memset(s->rank_hist, 0, sizeof(s->rank_hist));
    for (c = 0; c < m; c++) {
        if (c + PREFETCH_FAR < m)
            PREFETCH(&e->names[a[c + PREFETCH_FAR].n]);
        if (c + PREFETCH_NEAR < m)
            idx_prefetch_units(e, &e->names[a[c + PREFETCH_NEAR].n]);
        a[c].v = rank_name(s, a[c].n);
        s->rank_hist[rank_bucket(a[c].v)]++;
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
size_t idx_candidates_pick(liaison_searcher *s, size_t limit)
{
    size_t first = limit * 4 < SCORE_FIRST ? SCORE_FIRST : limit * 4;
    size_t second = limit * 2 < SCORE_SECOND ? SCORE_SECOND : limit * 2;
    int many = s->ntouched > 2 * (first + RANK_CANDIDATES), picked = 0;
    size_t m;
    rank_walked(s, many);
    if (s->ntouched <= first + second) {
        sort_cands(s->cands, s->ntouched);
        return s->ntouched;
    }
    if (many) {
        uint32_t b = keep_best_buckets(s, s->cands, &s->ntouched,
                                       first + RANK_CANDIDATES);
        if (s->ntouched <= RANK_SORT_MAX) {
            /* The buckets order all but the names of one bucket; the
            ** selections compare only those (quickselect through all
            ** kept, a coin toss a comparison, was ~6% of the median
            ** query). */
            bucket_order(s, b);
            bucket_split(s, first + RANK_CANDIDATES);
            s->ntouched = first + RANK_CANDIDATES;
            bucket_split(s, first);
            picked = 1;
        }
    }
    if (!picked) {
        select_top(s->cands, s->ntouched, first + RANK_CANDIDATES);
        if (s->ntouched > first + RANK_CANDIDATES)
            s->ntouched = first + RANK_CANDIDATES;
        select_top(s->cands, s->ntouched, first);
    }
    sort_cands(s->cands, first);
    rank_again(s, first);
    m = s->ntouched - first;
    keep_best_buckets(s, s->cands + first, &m, second);
    select_top(s->cands + first, m, second);
    sort_cands(s->cands + first, second);
    return first + second;
}
