/*
** sim.c: similarity of single name parts.
**
** Two parts are compared on what their keys tell (text/phonetic.c):
**
**   same folded form                       1.00  exact
**   same equivalence class (data table)    0.95  equivalent  (yusuf, youssef)
**   same phonetic form                     0.90-0.93 phonetic (hammouchi, hamouchi)
**   close spelling                         mean of Jaro-Winkler and edit
**                                          similarity of the forms (or, a
**                                          little less, of the phonetic forms)
**   an initial                             0.78 against a part it begins
**   titles (haji, general)                 match nothing but the same title
**
** A part romanised from Han or Hangul is matched on near-exact spelling
** only.  A part transliterated from Arabic script has no short vowels (sdam for
** صدام), so spelling similarity means nothing for it; it is compared on
** consonant skeletons, with credit growing with the skeleton's length
** (one shared consonant says little).
*/
#include <string.h>

#include "match/match.h"

double match_jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    /* Bit-parallel, with the greedy matching of the textbook algorithm:
    ** each character of a takes the first unmatched equal character of b
    ** within the window.  peq[c] has bit j set where b[j] == c; only the
    ** entries of characters a and b hold are initialised. */
    uint64_t peq[256], used_a = 0, used_b = 0;
    size_t i, window, m = 0, t = 0, prefix = 0;
    double jaro;
    if (la == 0 || lb == 0)
        return la == lb ? 1.0 : 0.0;
    if (la > 64)
        la = 64;
    if (lb > 64)
        lb = 64;
    window = (la > lb ? la : lb) / 2;
    window = window > 0 ? window - 1 : 0;
    for (i = 0; i < la; i++)
        peq[(unsigned char)a[i]] = 0;
    for (i = 0; i < lb; i++)
        peq[(unsigned char)b[i]] = 0;
    for (i = 0; i < lb; i++)
        peq[(unsigned char)b[i]] |= (uint64_t)1 << i;
    for (i = 0; i < la; i++) {
        /* The positions of b within reach of a[i]: [i - window, i + window]
        ** (peq has no bits past b's end). */
        size_t lo = i > window ? i - window : 0, hi = i + window + 1;
        uint64_t win = (hi >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << hi) - 1) &
                       ~(((uint64_t)1 << lo) - 1);
        uint64_t cand = peq[(unsigned char)a[i]] & win & ~used_b;
        if (cand) {
            used_b |= cand & (~cand + 1);       /* the lowest */
            used_a |= (uint64_t)1 << i;
            m++;
        }
    }
    if (m == 0)
        return 0.0;
    while (used_a) {
        if (a[__builtin_ctzll(used_a)] != b[__builtin_ctzll(used_b)])
            t++;
        used_a &= used_a - 1;
        used_b &= used_b - 1;
    }
    jaro = ((double)m / (double)la + (double)m / (double)lb +
            ((double)m - (double)t / 2.0) / (double)m) / 3.0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/* Optimal-string-alignment distance, bit-parallel (Myers 1999 with
** Hyyro's 2003 transposition term): one pass over b with the columns of
** the dynamic-programming table held as bit vectors over a (at most 64
** characters).  The score of the last row is tracked; with max given, a
** lower bound (the score minus the characters of b left) ends early. */
int match_edit_distance(const char *a, size_t la, const char *b, size_t lb,
                        int max)
{
    uint64_t peq[256], pv, mv, d0 = 0, prev_eq = 0, hibit;
    size_t i, j;
    int score;
    if (la > 64 || lb > 64)
        return max + 1;
    if ((la > lb ? la - lb : lb - la) > (size_t)max)
        return max + 1;
    if (la == 0)
        return (int)lb > max ? max + 1 : (int)lb;
    for (i = 0; i < la; i++)
        peq[(unsigned char)a[i]] = 0;
    for (j = 0; j < lb; j++)
        peq[(unsigned char)b[j]] = 0;
    for (i = 0; i < la; i++)
        peq[(unsigned char)a[i]] |= (uint64_t)1 << i;
    pv = la == 64 ? ~(uint64_t)0 : (((uint64_t)1 << la) - 1);
    mv = 0;
    hibit = (uint64_t)1 << (la - 1);
    score = (int)la;
    for (j = 0; j < lb; j++) {
        uint64_t eq = peq[(unsigned char)b[j]];
        uint64_t tr = (((~d0) & eq) << 1) & prev_eq;
        uint64_t hp, hn;
        d0 = (((eq & pv) + pv) ^ pv) | eq | mv | tr;
        hp = mv | ~(d0 | pv);
        hn = d0 & pv;
        if (hp & hibit)
            score++;
        else if (hn & hibit)
            score--;
        hp = (hp << 1) | 1;
        hn <<= 1;
        pv = hn | ~(d0 | hp);
        mv = d0 & hp;
        prev_eq = eq;
        /* Each remaining character of b can lower the score by one. */
        if (score - (int)(lb - j - 1) > max)
            return max + 1;
    }
    return score > max ? max + 1 : score;
}

const char *match_how_name(int how)
{
    switch (how) {
    case MATCH_EXACT: return "exact";
    case MATCH_EQUIV: return "equivalent";
    case MATCH_PHONETIC: return "phonetic";
    case MATCH_FUZZY: return "spelling";
    case MATCH_SKELETON: return "consonants";
    case MATCH_INITIAL: return "initial";
    default: return "none";
    }
}

/* Skeleton credit for parts of which one has no vowels. */
static double skeleton_sim(const match_tok *a, const match_tok *b)
{
    size_t l = a->skel_len < b->skel_len ? a->skel_len : b->skel_len;
    size_t lmax = a->skel_len > b->skel_len ? a->skel_len : b->skel_len;
    int d;
    if (l == 0)
        return 0.0;
    /* Unvowelled forms are shorter, but not by half (sdam/saddam). */
    if (20 * UTIL_MIN(a->form_len, b->form_len) <
        9 * UTIL_MAX(a->form_len, b->form_len))
        return 0.0;
    if (a->skel_len == b->skel_len && a->ssig == b->ssig &&
        !memcmp(a->skel, b->skel, l))
        return l >= 3 ? 0.88 : l == 2 ? 0.80 : 0.72;
    if (lmax < 4)
        return 0.0;
    d = match_edit_distance(a->skel, a->skel_len, b->skel, b->skel_len, 1);
    return d <= 1 ? (lmax >= 5 ? 0.80 : 0.75) : 0.0;
}

/* Population count: one instruction when the build may use POPCNT
** (Makefile, ARCH), else without it (baseline x86-64, other machines). */
static inline size_t popcount64(uint64_t x)
{
#ifdef __POPCNT__
    return (size_t)__builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (size_t)((x * 0x0101010101010101ULL) >> 56);
#endif
}

uint32_t match_skel_sig(const char *s, size_t n)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    size_t i;
    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

uint64_t match_signature(const char *s, size_t n)
{
    uint64_t sig = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)1 << ((unsigned char)s[i] & 31);
        sig |= (sig & bit) << 32 | bit;
    }
    return sig;
}

/* Spelling similarity: the mean of Jaro-Winkler (generous with shared
** prefixes) and the edit-distance similarity 1 - d/len (strict with
** lengths), so that blanc/belavencev (JW 0.85) does not pass while
** abdoullaye/abdoulaye does.  Returns 0 as soon as the result cannot reach
** floor.  The letters two strings share bound both measures from above
** (Jaro's matches, and the edits needed); the signatures give that bound
** in a few instructions: popcount(sa & sb) counts shared letters up to two
** of each, and the occurrences beyond the second that either string has
** (its length less its signature's popcount) can add at most that many. */
#define RECIP4(n) 1.0 / (n), 1.0 / ((n) + 1), 1.0 / ((n) + 2), 1.0 / ((n) + 3)
#define RECIP16(n) RECIP4(n), RECIP4((n) + 4), RECIP4((n) + 8), RECIP4((n) + 12)

/* 1/n for the lengths spelling_sim takes (recip[0] unused). */
static const double recip[65] = {
    0.0, RECIP16(1), RECIP16(17), RECIP16(33), RECIP4(49), RECIP4(53),
    RECIP4(57), RECIP4(61)
};

/* Whether spelling_sim could reach floor, told from the lengths and
** signatures alone: the letters the strings can share (0: it cannot).
** Most pairs stop here, so the bound is taken without dividing: jw_ub +
** ed_ub = 0.6 + 0.2 c (1/la + 1/lb) + c/l for c letters shared.  The
** margin keeps it from refusing a pair the exact bound (spelling_sim)
** lets through. */
static size_t spelling_may(size_t la, uint64_t sa, size_t lb, uint64_t sb,
                           double floor)
{
    size_t l = la > lb ? la : lb, common, xa, xb;
    double c;
    if (la == 0 || lb == 0 || la > 64 || lb > 64)
        return 0;
    xa = la - (size_t)popcount64(sa);
    xb = lb - (size_t)popcount64(sb);
    common = (size_t)popcount64(sa & sb) + (xa < xb ? xa : xb);
    if (common > la)
        common = la;
    if (common > lb)
        common = lb;
    c = (double)common;
    if (0.6 + 0.2 * c * (recip[la] + recip[lb]) + c * recip[l] <
        2.0 * floor - 1e-9)
        return 0;
    return common;
}

static double spelling_sim(const char *a, size_t la, uint64_t sa,
                           const char *b, size_t lb, uint64_t sb, double floor)
{
    size_t l = la > lb ? la : lb, common;
    double jaro_ub, jw_ub, ed_ub, jw, need;
    int d, dmax;
    common = spelling_may(la, sa, lb, sb, floor);
    if (common == 0)
        return 0.0;
    ed_ub = (double)common / (double)l;
    jaro_ub = ((double)common / (double)la + (double)common / (double)lb + 1.0)
              / 3.0;
    jw_ub = jaro_ub + 0.4 * (1.0 - jaro_ub);
    if ((jw_ub + ed_ub) / 2.0 < floor)
        return 0.0;
    jw = match_jaro_winkler(a, la, b, lb);
    if (jw < 0.6 || (jw + ed_ub) / 2.0 < floor)
        return 0.0;
    need = (jw + 1.0 - 2.0 * floor) * (double)l;     /* largest d allowed */
    dmax = need < 0 ? 0 : need > 8 ? 8 : (int)(need + 1e-9);
    d = match_edit_distance(a, la, b, lb, dmax);
    if (d > dmax)
        return 0.0;
    return (jw + 1.0 - (double)d / (double)l) / 2.0;
}

double match_tok_sim(const match_tok *a, const match_tok *b, int *how)
{
    double s, p;
    int h = MATCH_NONE, same_skel;
    /* Equal strings have equal signatures: compare those first (a
    ** register compare) and the bytes only when they agree. */
    if (a->form_len == b->form_len && a->fsig == b->fsig &&
        !memcmp(a->form, b->form, a->form_len)) {
        if (how)
            *how = MATCH_EXACT;
        return 1.0;
    }
    if (a->cls >= 0 && a->cls == b->cls) {
        if (how)
            *how = MATCH_EQUIV;
        return 0.95;
    }
    if ((a->flags | b->flags) & TEXT_TOK_ABJAD) {
        s = skeleton_sim(a, b);
        if (how)
            *how = s > 0 ? MATCH_SKELETON : MATCH_NONE;
        return s;
    }
    if ((a->flags | b->flags) & TEXT_TOK_SYLLABIC) {
        /* Romanised syllable by syllable (Han, Hangul): a letter apart is
        ** another syllable (qiang, quan; jun, chun), so only a near-exact
        ** spelling counts. */
        s = spelling_sim(a->form, a->form_len, a->fsig, b->form, b->form_len,
                         b->fsig, 0.9);
        if (how)
            *how = s > 0 ? MATCH_FUZZY : MATCH_NONE;
        return s;
    }
    if ((a->flags | b->flags) & TEXT_TOK_TITLE) {
        /* Titles say nothing about identity; only the same title matches. */
        if (how)
            *how = MATCH_NONE;
        return 0.0;
    }
    if ((a->flags | b->flags) & TEXT_TOK_INITIAL) {
        s = (a->form_len == 1 || b->form_len == 1) && a->form[0] == b->form[0]
                ? 0.78 : 0.0;
        if (how)
            *how = s > 0 ? MATCH_INITIAL : MATCH_NONE;
        return s;
    }
    if (a->phon_len == b->phon_len && a->phon_len > 0 && a->psig == b->psig &&
        !memcmp(a->phon, b->phon, a->phon_len)) {
        /* Short parts share phonetic forms by chance (chad, saiid; qing,
        ** kyong): the shorter the skeleton, the less it says. */
        p = a->skel_len >= 3 && a->form_len >= 5 && b->form_len >= 5 ? 0.93
            : a->skel_len >= 2 ? 0.82 : 0.76;
        s = spelling_sim(a->form, a->form_len, a->fsig, b->form, b->form_len,
                         b->fsig, p);
        if (how)
            *how = s > p ? MATCH_FUZZY : MATCH_PHONETIC;
        return s > p ? s : p;
    }
    /* Same consonants, other vowels (mouled, maulid): transliterations
    ** of one name, unless the table knows them as two names (ahmed and
    ** hamid share HMT). */
    same_skel = a->skel_len >= 3 && a->skel_len == b->skel_len &&
                a->ssig == b->ssig && !memcmp(a->skel, b->skel, a->skel_len) &&
                (a->cls < 0 || b->cls < 0) &&
                10 * UTIL_MIN(a->form_len, b->form_len) >=
                    6 * UTIL_MAX(a->form_len, b->form_len);
    s = spelling_sim(a->form, a->form_len, a->fsig, b->form, b->form_len,
                     b->fsig, same_skel ? 0.55 : MATCH_TOK_MIN);
    h = MATCH_FUZZY;
    if (same_skel && s < 0.80 && s >= 0.55) {
        s = 0.80;
        h = MATCH_SKELETON;
    }
    /* Two known names of different classes are different names: only
    ** their spelling may bring them together (a typo), not their sound
    ** (hassan, hussein). */
    if (a->phon_len >= 5 && b->phon_len >= 5 &&
        !(a->cls >= 0 && b->cls >= 0)) {
        p = 0.97 * spelling_sim(a->phon, a->phon_len, a->psig, b->phon,
                                b->phon_len, b->psig,
                                UTIL_MAX(s, MATCH_TOK_MIN) / 0.97);
        if (p > s) {
            s = p;
            h = MATCH_PHONETIC;
        }
    }
    if (s < MATCH_TOK_MIN)
        s = 0.0, h = MATCH_NONE;
    if (how)
        *how = h;
    return s;
}

/* match_tok_sim's steps, each asking only whether it could give more
** than 0 (a pair it would refuse on strings it read is let through). */
int match_tok_may_sim(const match_tok *a, const match_tok *b)
{
    unsigned flags = a->flags | b->flags;
    int same_skel;
    if (a->form_len == b->form_len && a->fsig == b->fsig)
        return 1;                               /* maybe exact */
    if (a->cls >= 0 && a->cls == b->cls)
        return 1;
    if (flags & TEXT_TOK_ABJAD) {               /* skeleton_sim */
        size_t l = UTIL_MIN(a->skel_len, b->skel_len);
        size_t lmax = UTIL_MAX(a->skel_len, b->skel_len);
        if (l == 0 || 20 * UTIL_MIN(a->form_len, b->form_len) <
                          9 * UTIL_MAX(a->form_len, b->form_len))
            return 0;
        if (a->skel_len == b->skel_len && a->ssig == b->ssig)
            return 1;
        return lmax >= 4 && lmax - l <= 1;      /* one edit apart? */
    }
    if (flags & TEXT_TOK_SYLLABIC)
        return spelling_may(a->form_len, a->fsig, b->form_len, b->fsig, 0.9) > 0;
    if (flags & TEXT_TOK_TITLE)
        return 0;
    if (flags & TEXT_TOK_INITIAL)
        return a->form_len == 1 || b->form_len == 1;
    if (a->phon_len == b->phon_len && a->phon_len > 0 && a->psig == b->psig)
        return 1;                               /* maybe the same sound */
    same_skel = a->skel_len >= 3 && a->skel_len == b->skel_len &&
                a->ssig == b->ssig && (a->cls < 0 || b->cls < 0) &&
                10 * UTIL_MIN(a->form_len, b->form_len) >=
                    6 * UTIL_MAX(a->form_len, b->form_len);
    if (same_skel || spelling_may(a->form_len, a->fsig, b->form_len, b->fsig,
                                  MATCH_TOK_MIN))
        return 1;
    return a->phon_len >= 5 && b->phon_len >= 5 &&
           !(a->cls >= 0 && b->cls >= 0) &&
           spelling_may(a->phon_len, a->psig, b->phon_len, b->psig,
                        MATCH_TOK_MIN / 0.97) > 0;
}

/* spelling_may without branches: the same test in the same arithmetic
** (ft = 2 floor - 1e-9). */
static inline int spelling_may_nb(size_t la, uint64_t sa, size_t lb,
                                  uint64_t sb, double ft)
{
    size_t xa = la - (size_t)popcount64(sa), xb = lb - (size_t)popcount64(sb);
    size_t common = (size_t)popcount64(sa & sb) + (xa < xb ? xa : xb);
    size_t ia = la < 64 ? la : 64, ib = lb < 64 ? lb : 64;
    double c;
    common = common < la ? common : la;
    common = common < lb ? common : lb;
    c = (double)common;
    return (la - 1 < 64) & (lb - 1 < 64) & (common > 0) &
           (0.6 + 0.2 * c * (recip[ia] + recip[ib]) +
                c * recip[ia > ib ? ia : ib] >= ft);
}

uint32_t match_tok_may_mask(const match_tok *q, int nq, const match_tok *b)
{
    const unsigned special = TEXT_TOK_ABJAD | TEXT_TOK_SYLLABIC |
                             TEXT_TOK_TITLE | TEXT_TOK_INITIAL;
    const double ft_form = 2.0 * MATCH_TOK_MIN - 1e-9;
    const double ft_phon = 2.0 * (MATCH_TOK_MIN / 0.97) - 1e-9;
    uint32_t mask = 0;
    int i;
    for (i = 0; i < nq && i < 32; i++) {
        const match_tok *a = &q[i];
        int may;
        if ((a->flags | b->flags) & special) {
            may = match_tok_may_sim(a, b);
        } else {
            /* match_tok_may_sim's steps for parts without those flags,
            ** each a test of its own, or'ed: no branch to mispredict. */
            may = (a->form_len == b->form_len) & (a->fsig == b->fsig);
            may |= (a->cls >= 0) & (a->cls == b->cls);
            may |= (a->phon_len == b->phon_len) & (a->phon_len > 0) &
                   (a->psig == b->psig);
            may |= (a->skel_len >= 3) & (a->skel_len == b->skel_len) &
                   (a->ssig == b->ssig) & ((a->cls < 0) | (b->cls < 0)) &
                   (10 * UTIL_MIN(a->form_len, b->form_len) >=
                    6 * UTIL_MAX(a->form_len, b->form_len));
            may |= spelling_may_nb(a->form_len, a->fsig, b->form_len, b->fsig,
                                   ft_form);
            may |= (a->phon_len >= 5) & (b->phon_len >= 5) &
                   ((a->cls < 0) | (b->cls < 0)) &
                   spelling_may_nb(a->phon_len, a->psig, b->phon_len, b->psig,
                                   ft_phon);
        }
        mask |= (uint32_t)may << i;
    }
    return mask;
}

void match_tok_from_text(const text_name *n, int i, match_tok *out)
{
    const text_tok *t = &n->toks[i];
    out->form = text_tok_form(n, t);
    out->phon = text_tok_phon(n, t);
    out->skel = text_tok_skel(n, t);
    out->form_len = t->form_len;
    out->phon_len = t->phon_len;
    out->skel_len = t->skel_len;
    out->flags = t->flags;
    out->cls = t->cls;
    out->ssig = match_skel_sig(out->skel, out->skel_len);
    out->fsig = match_signature(out->form, out->form_len);
    out->psig = match_signature(out->phon, out->phon_len);
}
