/*
** facts.c: dates of birth, nationality and gender, and how they move a
** name score.
**
** Watchlist dates are often partial (1966, 1966-05), ranges (1960/1962),
** several per record, or placeholders: 1 January stands for "year known
** only", so 1966-01-01 matches a 1966 record and weighs little against
** 1966-07-14.  Day and month get transposed between conventions.  A clear
** mismatch is strong evidence of another person; agreement strengthens a
** name match.  Nationality and gender are weaker evidence (dual
** nationals, data-entry errors) and move the score less.
*/
#include <stdlib.h>
#include <string.h>

#include "match/match.h"

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* One date: YYYY[-MM[-DD]]; returns characters consumed or 0. */
static int parse_one(const char *s, size_t len, int16_t *y, int8_t *m,
                     int8_t *d)
{
    int v;
    *y = 0;
    *m = 0;
    *d = 0;
    if (len < 4 || !digits(s, 4, &v) || v < 1000 || v > 2999)
        return 0;
    *y = (int16_t)v;
    if (len == 4)
        return 4;
    if (len < 7 || s[4] != '-' || !digits(s + 5, 2, &v) || v < 1 || v > 12)
        return 0;
    *m = (int8_t)v;
    if (len == 7)
        return 7;
    if (len != 10 || s[7] != '-' || !digits(s + 8, 2, &v) || v < 1 || v > 31)
        return 0;
    *d = (int8_t)v;
    return 10;
}

int match_date_parse(const char *s, match_date *out)
{
    const char *slash;
    size_t len;
    memset(out, 0, sizeof(*out));
    if (!s)
        return LIAISON_EINVAL;
    len = strlen(s);
    slash = memchr(s, '/', len);
    if (!slash) {
        if (!parse_one(s, len, &out->y1, &out->m1, &out->d1))
            return LIAISON_EINVAL;
        out->y2 = out->y1;
        out->m2 = out->m1;
        out->d2 = out->d1;
        return LIAISON_OK;
    }
    if (!parse_one(s, (size_t)(slash - s), &out->y1, &out->m1, &out->d1) ||
        !parse_one(slash + 1, len - (size_t)(slash - s) - 1, &out->y2,
                   &out->m2, &out->d2) ||
        out->y2 < out->y1) {
        memset(out, 0, sizeof(*out));
        return LIAISON_EINVAL;
    }
    return LIAISON_OK;
}

/* Relation between a query date and one record date (or range). */
static int relate(const match_date *q, const match_date *r)
{
    int qm = q->m1, qd = q->d1, rm = r->m1, rd = r->d1, dy;
    if (!q->y1 || !r->y1)
        return MATCH_DOB_UNKNOWN;
    if (r->y1 != r->y2) {
        /* A range of years: inside is a year match. */
        if (q->y1 >= r->y1 && q->y1 <= r->y2)
            return MATCH_DOB_YEAR;
        dy = q->y1 < r->y1 ? r->y1 - q->y1 : q->y1 - r->y2;
        return dy == 1 ? MATCH_DOB_NEAR : dy < 5 ? MATCH_DOB_MISMATCH
                                                 : MATCH_DOB_FAR;
    }
    dy = abs(q->y1 - r->y1);
    if (dy)
        return dy == 1 ? MATCH_DOB_NEAR : dy < 5 ? MATCH_DOB_MISMATCH
                                                 : MATCH_DOB_FAR;
    /* 1 January is the usual placeholder for "year only". */
    if (qm == 1 && qd == 1)
        qm = qd = 0;
    if (rm == 1 && rd == 1)
        rm = rd = 0;
    if (!qm || !rm)
        return MATCH_DOB_YEAR;
    if (qm == rm) {
        if (!qd || !rd)
            return MATCH_DOB_MONTH;
        return qd == rd ? MATCH_DOB_EXACT : MATCH_DOB_NEAR;
    }
    if (qd && rd && qm == rd && qd == rm)
        return MATCH_DOB_TRANSPOSED;
    return MATCH_DOB_NEAR;
}

/* Rank of relations, best first, for picking among a record's dates. */
static int rank(int rel)
{
    static const int order[] = {
        [MATCH_DOB_EXACT] = 0,      [MATCH_DOB_MONTH] = 1,
        [MATCH_DOB_YEAR] = 2,       [MATCH_DOB_TRANSPOSED] = 3,
        [MATCH_DOB_NEAR] = 4,       [MATCH_DOB_MISMATCH] = 5,
        [MATCH_DOB_FAR] = 6,        [MATCH_DOB_UNKNOWN] = 7,
    };
    return order[rel];
}

int match_dob(const match_date *q, const match_date *r, size_t nr,
              int *best_index)
{
    int best = MATCH_DOB_UNKNOWN, bi = -1;
    size_t i;
    for (i = 0; i < nr; i++) {
        int rel = relate(q, &r[i]);
        if (rel != MATCH_DOB_UNKNOWN && rank(rel) < rank(best)) {
            best = rel;
            bi = (int)i;
        }
    }
    if (best_index)
        *best_index = bi;
    return best;
}

const char *match_dob_name(int rel)
{
    switch (rel) {
    case MATCH_DOB_EXACT: return "same date";
    case MATCH_DOB_MONTH: return "same year and month";
    case MATCH_DOB_YEAR: return "same year";
    case MATCH_DOB_TRANSPOSED: return "day and month swapped";
    case MATCH_DOB_NEAR: return "close";
    case MATCH_DOB_MISMATCH: return "differs";
    case MATCH_DOB_FAR: return "differs by 5+ years";
    default: return "unknown";
    }
}

uint32_t match_nat_code(const char *alpha3)
{
    uint32_t c = 0;
    size_t n = alpha3 ? strlen(alpha3) : 0;
    if (n == 0 || n > 3)
        return 0;
    memcpy(&c, alpha3, n);
    return c;
}

int match_nationality(uint32_t q, const uint32_t *r, size_t nr)
{
    size_t i;
    if (!q || nr == 0)
        return 0;
    for (i = 0; i < nr; i++)
        if (r[i] == q)
            return 1;
    return -1;
}

int match_gender(const char *q, const char *r)
{
    if (!q || !r || !*q || !*r)
        return 0;
    return (q[0] | 0x20) == (r[0] | 0x20) ? 1 : -1;
}

/* Move s toward 1 by a share of what is left.  Below 0.5 the share
** shrinks with s: agreeing dates strengthen a plausible name match, but
** do not lift a weak one (many people share a year of birth). */
static double raise(double s, double share)
{
    double k = s >= 0.5 ? 1.0 : s / 0.5;
    return s + (1.0 - s) * share * k;
}

double match_adjust(double s, const match_facts *f)
{
    switch (f->dob) {
    case MATCH_DOB_EXACT: s = raise(s, 0.6); break;
    case MATCH_DOB_MONTH: s = raise(s, 0.4); break;
    case MATCH_DOB_YEAR: s = raise(s, 0.25); break;
    case MATCH_DOB_TRANSPOSED: s = raise(s, 0.3); break;
    case MATCH_DOB_NEAR: s *= 0.95; break;
    case MATCH_DOB_MISMATCH: s *= 0.8; break;
    case MATCH_DOB_FAR: s *= 0.45; break;
    default: break;
    }
    if (f->nationality > 0)
        s = raise(s, 0.1);
    else if (f->nationality < 0)
        s *= 0.93;
    if (f->gender < 0)
        s *= 0.85;
    return s < 0 ? 0 : s > 1 ? 1 : s;
}
