/*
** names.c: comparing two whole names.
**
** NOTES ON THE DESIGN
**
** 1. Order does not matter: lists write FAMILY, Given; passports
**    FAMILY<<GIVEN; officers type Given Family.  Parts are aligned one to
**    one, greedily by similarity (ties: the pair covering more weight
**    first), which for the handful of parts in a name finds the same
**    alignment as an optimal assignment in practice.
** 2. A name part may be a compound alternative covering two positions
**    (Ben Haddou ~ Benhaddou): a pair is taken only if none of the
**    positions it covers on either side is taken yet.
** 3. Each position carries a weight in [0,1]: how much evidence that part
**    is (rare family names near 1, Mohammed or Ali low, titles ~0).  A
**    matched query part takes the weight of the record part it matched,
**    so a spelling variant weighs what the record's part weighs.
** 4. A matched pair is credited sim^2 of its weight: an exact part counts
**    fully, a 0.8 spelling variant about two thirds, so that several loose
**    resemblances do not add up to one exact match.
** 5. The score combines how much of each side is matched (coverage of the
**    query and of the record; the larger counts more, so a query that
**    names only part of a long record name still scores well) with how
**    much absolute evidence was matched: sharing only a common first
**    name can never make a hit, however short the names.
*/
#include <math.h>
#include <string.h>

#include "match/match.h"

typedef struct cand {
    float sim;
    float weight;
    uint8_t qi, ri, how;
} cand;

static uint32_t span_mask(int first, int last)
{
    uint32_t m = 0;
    int i;
    for (i = first; i <= last && i < 32; i++)
        m |= 1u << i;
    return m;
}

static float span_weight(const match_side *s, int first, int last)
{
    float w = 0;
    int i;
    for (i = first; i <= last && i < s->npos; i++)
        w += s->wpos[i];
    return w;
}

/* Insertion sort, best first: a name has few candidate pairs. */
static void sort_cands(cand *c, int n)
{
    int i, j;
    for (i = 1; i < n; i++) {
        cand x = c[i];
        for (j = i; j > 0; j--) {
            const cand *y = &c[j - 1];
            if (y->sim > x.sim || (y->sim == x.sim && y->weight >= x.weight))
                break;
            c[j] = c[j - 1];
        }
        c[j] = x;
    }
}

#define EVIDENCE_SCALE 0.35     /* matched weight giving 1 - 1/e of full credit */

void match_names(const match_side *q, const match_side *r, match_sim_fn sim,
                 void *ud, match_name_score *out)
{
    float sims[MATCH_MAX_UNITS][MATCH_MAX_UNITS];
    uint8_t hows[MATCH_MAX_UNITS][MATCH_MAX_UNITS];
    match_rows rows;
    int i, j;
    for (j = 0; j < r->n; j++) {
        for (i = 0; i < q->n; i++) {
            int how = MATCH_NONE;
            double s = sim ? sim(ud, i, j, &how)
                           : match_tok_sim(q->toks[i], r->toks[j], &how);
            if (s < MATCH_TOK_MIN)      /* not to round up to it */
                s = 0, how = MATCH_NONE;
            sims[j][i] = (float)s;
            hows[j][i] = (uint8_t)how;
        }
        rows.sim[j] = sims[j];
        rows.how[j] = hows[j];
    }
    match_names_rows(q, r, &rows, out);
}

void match_names_rows(const match_side *q, const match_side *r,
                      const match_rows *rows, match_name_score *out)
{
    cand cands[MATCH_MAX_UNITS * 8];
    int nc = 0, i, j;
    uint32_t qused = 0, rused = 0;
    double mr = 0, wmatched = 0, wq_unmatched = 0, wr_total = 0;
    double cov_q, cov_r, hi, lo;

    out->score = out->cov_q = out->cov_r = out->evidence = 0;
    out->npairs = 0;
    if (q->n == 0 || r->n == 0)
        return;
    for (i = 0; i < q->n; i++) {
        for (j = 0; j < r->n; j++) {
            float s = rows->sim[j][i];
            if (s < MATCH_TOK_MIN)
                continue;
            if (nc == (int)UTIL_ARRAY_LEN(cands))
                break;
            cands[nc].sim = s;
            cands[nc].weight = span_weight(r, r->first[j], r->last[j]);
            cands[nc].qi = (uint8_t)i;
            cands[nc].ri = (uint8_t)j;
            cands[nc].how = rows->how[j][i];
            nc++;
        }
    }
    sort_cands(cands, nc);
    for (i = 0; i < nc; i++) {
        const cand *c = &cands[i];
        uint32_t qm = span_mask(q->first[c->qi], q->last[c->qi]);
        uint32_t rm = span_mask(r->first[c->ri], r->last[c->ri]);
        if ((qm & qused) || (rm & rused))
            continue;
        qused |= qm;
        rused |= rm;
        mr += c->sim * c->sim * c->weight;
        wmatched += c->weight;
        if (out->npairs < MATCH_MAX_POS) {
            match_pair *p = &out->pairs[out->npairs++];
            p->qi = c->qi;
            p->ri = c->ri;
            p->how = c->how;
            p->sim = c->sim;
        }
    }
    for (i = 0; i < q->npos && i < 32; i++)
        if (!(qused & (1u << i)))
            wq_unmatched += q->wpos[i];
    for (i = 0; i < r->npos; i++)
        wr_total += r->wpos[i];
    if (mr <= 0 || wr_total <= 0)
        return;
    cov_q = mr / (wmatched + wq_unmatched);
    cov_r = mr / wr_total;
    hi = cov_q > cov_r ? cov_q : cov_r;
    lo = cov_q > cov_r ? cov_r : cov_q;
    out->cov_q = cov_q;
    out->cov_r = cov_r;
    out->evidence = mr;
    out->score = (0.6 * hi + 0.4 * lo) * (1.0 - exp(-mr / EVIDENCE_SCALE));
    if (out->score > 1.0)
        out->score = 1.0;
}
