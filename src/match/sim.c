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
** A part transliterated from Arabic script has no short vowels (sdam for
** صدام), so spelling similarity means nothing for it; it is compared on
** consonant skeletons, with credit growing with the skeleton's length
** (one shared consonant says little).
*/
#include <string.h>

#include "match/match.h"

double match_jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    unsigned char ma[64], mb[64];
    size_t i, j, k, window, m = 0, t = 0, prefix = 0;
    double jaro;
    if (la == 0 || lb == 0)
        return la == lb ? 1.0 : 0.0;
    if (la > 64)
        la = 64;
    if (lb > 64)
        lb = 64;
    window = (la > lb ? la : lb) / 2;
    window = window > 0 ? window - 1 : 0;
    memset(ma, 0, la);
    memset(mb, 0, lb);
    for (i = 0; i < la; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (j = lo; j < hi; j++) {
            if (!mb[j] && a[i] == b[j]) {
                ma[i] = mb[j] = 1;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;
    for (i = 0, k = 0; i < la; i++) {
        if (!ma[i])
            continue;
        while (!mb[k])
            k++;
        if (a[i] != b[k])
            t++;
        k++;
    }
    jaro = ((double)m / (double)la + (double)m / (double)lb +
            ((double)m - (double)t / 2.0) / (double)m) / 3.0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

int match_edit_distance(const char *a, size_t la, const char *b, size_t lb,
                        int max)
{
    int rows[3][65];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t i, j;
    if (la > 64 || lb > 64)
        return max + 1;
    if ((la > lb ? la - lb : lb - la) > (size_t)max)
        return max + 1;
    for (j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (i = 1; i <= la; i++) {
        int best = max + 1;
        int *tmp;
        cur[0] = (int)i;
        for (j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
        tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
    }
    return prev[lb] > max ? max + 1 : prev[lb];
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
    if (a->skel_len == b->skel_len && !memcmp(a->skel, b->skel, l))
        return l >= 3 ? 0.88 : l == 2 ? 0.80 : 0.72;
    if (lmax < 4)
        return 0.0;
    d = match_edit_distance(a->skel, a->skel_len, b->skel, b->skel_len, 1);
    return d <= 1 ? (lmax >= 5 ? 0.80 : 0.75) : 0.0;
}

/* Spelling similarity: the mean of Jaro-Winkler (generous with shared
** prefixes) and the edit-distance similarity 1 - d/len (strict with
** lengths), so that blanc/belavencev (JW 0.85) does not pass while
** abdoullaye/abdoulaye does. */
static double spelling_sim(const char *a, size_t la, const char *b, size_t lb)
{
    size_t l = la > lb ? la : lb;
    int d;
    double jw, ed;
    if (l == 0)
        return 0.0;
    jw = match_jaro_winkler(a, la, b, lb);
    if (jw < 0.6)
        return 0.0;
    d = match_edit_distance(a, la, b, lb, 4);
    ed = 1.0 - (double)d / (double)l;
    if (ed < 0)
        ed = 0;
    return (jw + ed) / 2.0;
}

double match_tok_sim(const match_tok *a, const match_tok *b, int *how)
{
    double s, p;
    int h = MATCH_NONE;
    if (a->form_len == b->form_len && !memcmp(a->form, b->form, a->form_len)) {
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
    if (a->phon_len == b->phon_len && a->phon_len > 0 &&
        !memcmp(a->phon, b->phon, a->phon_len)) {
        /* Short parts share phonetic forms by chance (chad, saiid; qing,
        ** kyong): the shorter the skeleton, the less it says. */
        s = spelling_sim(a->form, a->form_len, b->form, b->form_len);
        p = a->skel_len >= 3 && a->form_len >= 5 && b->form_len >= 5 ? 0.93
            : a->skel_len >= 2 ? 0.82 : 0.76;
        if (how)
            *how = s > p ? MATCH_FUZZY : MATCH_PHONETIC;
        return s > p ? s : p;
    }
    s = spelling_sim(a->form, a->form_len, b->form, b->form_len);
    h = MATCH_FUZZY;
    /* Same consonants, other vowels (mouled, maulid): transliterations
    ** of one name, unless the table knows them as two names (ahmed and
    ** hamid share HMT). */
    if (s < 0.80 && s >= 0.55 && a->skel_len >= 3 &&
        a->skel_len == b->skel_len && !memcmp(a->skel, b->skel, a->skel_len) &&
        (a->cls < 0 || b->cls < 0) &&
        10 * UTIL_MIN(a->form_len, b->form_len) >=
            6 * UTIL_MAX(a->form_len, b->form_len)) {
        s = 0.80;
        h = MATCH_SKELETON;
    }
    /* Two known names of different classes are different names: only
    ** their spelling may bring them together (a typo), not their sound
    ** (hassan, hussein). */
    if (a->phon_len >= 5 && b->phon_len >= 5 &&
        !(a->cls >= 0 && b->cls >= 0)) {
        p = 0.97 * spelling_sim(a->phon, a->phon_len, b->phon, b->phon_len);
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
}
