/*
** test_match.c: string similarity, part similarity, name alignment,
** dates of birth (partial, ranges, placeholders, transposed) and the
** adjustments they make to a score.
*/
#include <math.h>

#include "testlib.h"

#include "match/match.h"

#define NEAR(a, b) (fabs((a) - (b)) < 0.005)

TEST(jaro_winkler_known_values)
{
    /* The classic examples (Winkler 1990). */
    CHECK(NEAR(match_jaro_winkler("martha", 6, "marhta", 6), 0.961));
    CHECK(NEAR(match_jaro_winkler("dwayne", 6, "duane", 5), 0.840));
    CHECK(NEAR(match_jaro_winkler("dixon", 5, "dicksonx", 8), 0.813));
    CHECK(NEAR(match_jaro_winkler("abc", 3, "abc", 3), 1.0));
    CHECK(NEAR(match_jaro_winkler("abc", 3, "xyz", 3), 0.0));
    CHECK(NEAR(match_jaro_winkler("", 0, "", 0), 1.0));
}

/* Reference: the textbook Jaro-Winkler, character by character over the
** window (what match_jaro_winkler computes with bit masks). */
static double jw_reference(const char *a, size_t la, const char *b, size_t lb)
{
    unsigned char ma[64] = {0}, mb[64] = {0};
    size_t i, j, k, window, m = 0, t = 0, prefix = 0;
    double jaro;
    if (la == 0 || lb == 0)
        return la == lb ? 1.0 : 0.0;
    window = (la > lb ? la : lb) / 2;
    window = window > 0 ? window - 1 : 0;
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

/* Random strings over small alphabets (many repeats, many transpositions),
** every length up to 64: the bit-parallel version agrees exactly. */
TEST(jaro_winkler_agrees_with_the_textbook)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char a[64], b[64];
    int n, bad = 0;
    for (n = 0; n < 20000; n++) {
        size_t la, lb, i, alpha;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        la = (size_t)(x % 65);
        lb = (size_t)((x >> 8) % 65);
        alpha = 2 + (size_t)((x >> 16) % 12);
        if (n % 3 == 0)         /* near the other: a few edits apart */
            lb = la;
        for (i = 0; i < la; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a[i] = (char)('a' + x % alpha);
        }
        for (i = 0; i < lb; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = n % 3 == 0 && x % 4 ? a[i] : (char)('a' + x % alpha);
        }
        if (match_jaro_winkler(a, la, b, lb) != jw_reference(a, la, b, lb))
            bad++;
    }
    CHECK_EQ(bad, 0);
}

/* Reference: the textbook optimal-string-alignment table. */
static int osa_reference(const char *a, int la, const char *b, int lb)
{
    int d[20][20], i, j;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            int c = a[i - 1] == b[j - 1] ? 0 : 1, v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < v)
                v = d[i - 1][j - 1] + c;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

/* The bit-parallel distance agrees with the table on random strings over
** a small alphabet (many repeats and transpositions). */
TEST(edit_distance_matches_reference)
{
    unsigned x = 12345;
    int n, bad = 0;
    for (n = 0; n < 20000; n++) {
        char a[20], b[20];
        int la, lb, i, ref, got, cap;
        x = x * 1103515245u + 12345u;
        la = (int)(x >> 16) % 13;
        x = x * 1103515245u + 12345u;
        lb = (int)(x >> 16) % 13;
        for (i = 0; i < la; i++) {
            x = x * 1103515245u + 12345u;
            a[i] = (char)('a' + (x >> 16) % 4);
        }
        for (i = 0; i < lb; i++) {
            x = x * 1103515245u + 12345u;
            b[i] = (char)('a' + (x >> 16) % 4);
        }
        ref = osa_reference(a, la, b, lb);
        got = match_edit_distance(a, (size_t)la, b, (size_t)lb, 20);
        cap = match_edit_distance(a, (size_t)la, b, (size_t)lb, 2);
        if (got != ref || cap != (ref > 2 ? 3 : ref))
            bad++;
    }
    CHECK_EQ(bad, 0);
}

TEST(signatures_bound_shared_letters)
{
    uint64_t a = match_signature("hammouchi", 9);
    uint64_t b = match_signature("hamouchi", 8);
    CHECK_EQ(__builtin_popcountll(a), 9);     /* h and m twice: two bits each */
    CHECK_EQ(__builtin_popcountll(a & b), 8); /* all but the second m */
    CHECK_EQ(match_signature("", 0), 0);
}

TEST(edit_distance)
{
    CHECK_EQ(match_edit_distance("kitten", 6, "sitting", 7, 5), 3);
    CHECK_EQ(match_edit_distance("hammouchi", 9, "hammouchia", 10, 2), 1);
    CHECK_EQ(match_edit_distance("ab", 2, "ba", 2, 2), 1);  /* transposition */
    CHECK_EQ(match_edit_distance("abcdef", 6, "uvwxyz", 6, 2), 3); /* capped */
    CHECK_EQ(match_edit_distance("", 0, "abc", 3, 5), 3);
}

static void parse_date(const char *s, match_date *d)
{
    CHECK_EQ(match_date_parse(s, d), LIAISON_OK);
}

TEST(dates_parse)
{
    match_date d;
    parse_date("1966", &d);
    CHECK(d.y1 == 1966 && d.m1 == 0 && d.y2 == 1966);
    parse_date("1966-07", &d);
    CHECK(d.m1 == 7 && d.d1 == 0);
    parse_date("1966-07-14", &d);
    CHECK(d.d1 == 14);
    parse_date("1960/1962", &d);
    CHECK(d.y1 == 1960 && d.y2 == 1962);
    CHECK_EQ(match_date_parse("1966-13-01", &d), LIAISON_EINVAL);
    CHECK_EQ(match_date_parse("66-07-14", &d), LIAISON_EINVAL);
    CHECK_EQ(match_date_parse("1966-07-14x", &d), LIAISON_EINVAL);
    CHECK_EQ(match_date_parse("1970/1960", &d), LIAISON_EINVAL);
    CHECK_EQ(match_date_parse("", &d), LIAISON_EINVAL);
}

/* Relation of a query date to one record date, by table. */
TEST(dates_relate)
{
    static const struct {
        const char *q, *r;
        int rel;
    } cases[] = {
        {"1966-07-14", "1966-07-14", MATCH_DOB_EXACT},
        {"1966-07-14", "1966", MATCH_DOB_YEAR},
        {"1966-07-14", "1966-07", MATCH_DOB_MONTH},
        {"1966-07-14", "1966-01-01", MATCH_DOB_YEAR},   /* placeholder */
        {"1966-01-01", "1966-07-14", MATCH_DOB_YEAR},
        {"1966-05-07", "1966-07-05", MATCH_DOB_TRANSPOSED},
        {"1966-07-14", "1966-07-15", MATCH_DOB_NEAR},
        {"1966-07-14", "1967", MATCH_DOB_NEAR},
        {"1966-07-14", "1969", MATCH_DOB_MISMATCH},
        {"1966-07-14", "1991-02-02", MATCH_DOB_FAR},
        {"1961", "1960/1962", MATCH_DOB_YEAR},
        {"1963", "1960/1962", MATCH_DOB_NEAR},
        {"1980", "1960/1962", MATCH_DOB_FAR},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        match_date q, r;
        int rel;
        parse_date(cases[i].q, &q);
        parse_date(cases[i].r, &r);
        rel = match_dob(&q, &r, 1, NULL);
        if (rel != cases[i].rel)
            fprintf(stderr, "case %zu: %s vs %s\n", i, cases[i].q, cases[i].r);
        CHECK_EQ(rel, cases[i].rel);
    }
}

TEST(dates_best_of_several)
{
    match_date q, r[3];
    int bi;
    parse_date("1970-03-02", &q);
    parse_date("1955", &r[0]);
    parse_date("1970", &r[1]);
    parse_date("1971", &r[2]);
    CHECK_EQ(match_dob(&q, r, 3, &bi), MATCH_DOB_YEAR);
    CHECK_EQ(bi, 1);
    CHECK_EQ(match_dob(&q, r, 0, &bi), MATCH_DOB_UNKNOWN);
}

TEST(adjust_moves_scores_the_right_way)
{
    match_facts f = {MATCH_DOB_UNKNOWN, 0, 0};
    double base = 0.8;
    CHECK(NEAR(match_adjust(base, &f), base));
    f.dob = MATCH_DOB_EXACT;
    CHECK(match_adjust(base, &f) > base);
    f.dob = MATCH_DOB_YEAR;
    CHECK(match_adjust(base, &f) > base);
    CHECK(match_adjust(base, &f) < 1.0);
    f.dob = MATCH_DOB_MISMATCH;
    CHECK(match_adjust(base, &f) < base);
    f.dob = MATCH_DOB_FAR;
    CHECK(match_adjust(base, &f) < base * 0.6);
    f.dob = MATCH_DOB_UNKNOWN;
    f.nationality = -1;
    CHECK(match_adjust(base, &f) < base);
    f.nationality = 1;
    CHECK(match_adjust(base, &f) > base);
    f.nationality = 0;
    f.gender = -1;
    CHECK(match_adjust(base, &f) < base);
    /* agreement lifts a weak name match only a little */
    f.gender = 0;
    f.dob = MATCH_DOB_EXACT;
    CHECK(match_adjust(0.2, &f) < 0.45);
}

TEST(nationality_and_gender)
{
    const uint32_t nats[] = {match_nat_code("MAR"), match_nat_code("FRA")};
    CHECK_EQ(match_nationality(match_nat_code("FRA"), nats, 2), 1);
    CHECK_EQ(match_nationality(match_nat_code("TUR"), nats, 2), -1);
    CHECK_EQ(match_nationality(match_nat_code(NULL), nats, 2), 0);
    CHECK_EQ(match_nationality(match_nat_code("TUR"), nats, 0), 0);
    CHECK_EQ(match_gender("M", "m"), 1);
    CHECK_EQ(match_gender("F", "M"), -1);
    CHECK_EQ(match_gender(NULL, "M"), 0);
}

/* Parse two names and compare them with default weights (1 each). */
static double compare(text_ctx *c, const char *a, const char *b, int *npairs)
{
    text_name *na = util_malloc(sizeof(*na)), *nb = util_malloc(sizeof(*nb));
    match_tok ta[TEXT_MAX_TOKENS], tb[TEXT_MAX_TOKENS];
    match_side qa, qb;
    match_name_score ns;
    int i;
    memset(&ns, 0, sizeof(ns));
    CHECK_EQ(text_name_parse(c, a, strlen(a), na), LIAISON_OK);
    CHECK_EQ(text_name_parse(c, b, strlen(b), nb), LIAISON_OK);
    memset(&qa, 0, sizeof(qa));
    memset(&qb, 0, sizeof(qb));
    for (i = 0; i < na->ntoks; i++) {
        match_tok_from_text(na, i, &ta[i]);
        qa.toks[i] = &ta[i];
        qa.first[i] = na->toks[i].first;
        qa.last[i] = na->toks[i].last;
    }
    qa.n = na->ntoks;
    qa.npos = na->npos;
    for (i = 0; i < nb->ntoks; i++) {
        match_tok_from_text(nb, i, &tb[i]);
        qb.toks[i] = &tb[i];
        qb.first[i] = nb->toks[i].first;
        qb.last[i] = nb->toks[i].last;
    }
    qb.n = nb->ntoks;
    qb.npos = nb->npos;
    for (i = 0; i < MATCH_MAX_POS; i++)
        qa.wpos[i] = qb.wpos[i] = 1.0f;
    match_names(&qa, &qb, NULL, NULL, &ns);
    if (npairs)
        *npairs = ns.npairs;
    util_free(na);
    util_free(nb);
    return ns.score;
}

TEST(names_order_and_compounds)
{
    text_tables *t = NULL;
    text_ctx *c = NULL;
    int np = 0;
    CHECK_EQ(text_tables_new(NULL, &t, NULL), LIAISON_OK);
    CHECK_EQ(text_ctx_new(t, &c), LIAISON_OK);
    /* the same name in any order is a full match */
    CHECK(compare(c, "Youssef Benhaddou", "BENHADDOU, Youssef", &np) > 0.95);
    CHECK_EQ(np, 2);
    /* joined and split particles meet */
    CHECK(compare(c, "Youssef Ben Haddou", "Youssef Benhaddou", NULL) > 0.95);
    CHECK(compare(c, "Abd al-Latif Hammouchi", "Abdellatif Hammouchi",
                  NULL) > 0.85);
    /* a missing middle name costs a little, not everything */
    {
        double full = compare(c, "Ali Hassan Majid", "Ali Hassan Majid", NULL);
        double part = compare(c, "Ali Majid", "Ali Hassan Majid", NULL);
        CHECK(part < full);
        CHECK(part > 0.7);
    }
    /* nothing in common */
    CHECK(compare(c, "Jean Dupont", "Hiroshi Tanaka", &np) < 0.05);
    CHECK_EQ(np, 0);
    text_ctx_free(c);
    text_tables_free(t);
}

TEST(part_similarity)
{
    text_tables *t = NULL;
    text_ctx *c = NULL;
    text_name *a = util_malloc(sizeof(*a)), *b = util_malloc(sizeof(*b));
    static const struct {
        const char *x, *y;
        double lo, hi;
        int how;
    } cases[] = {
        {"hammouchi", "hammouchi", 1.0, 1.0, MATCH_EXACT},
        {"youssef", "yusuf", 0.95, 0.95, MATCH_EQUIV},
        {"hammouchi", "hamouchi", 0.85, 0.99, -1},
        {"صدام", "saddam", 0.85, 1.0, -1},
        {"omar", "amir", 0.0, 0.0, MATCH_NONE},
        {"hassan", "hussein", 0.0, 0.80, -1},
        {"general", "general", 1.0, 1.0, MATCH_EXACT},
    };
    size_t i;
    CHECK_EQ(text_tables_new(NULL, &t, NULL), LIAISON_OK);
    CHECK_EQ(text_ctx_new(t, &c), LIAISON_OK);
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        match_tok ta, tb;
        double s;
        int how;
        CHECK_EQ(text_name_parse(c, cases[i].x, strlen(cases[i].x), a), 0);
        CHECK_EQ(text_name_parse(c, cases[i].y, strlen(cases[i].y), b), 0);
        match_tok_from_text(a, 0, &ta);
        match_tok_from_text(b, 0, &tb);
        s = match_tok_sim(&ta, &tb, &how);
        if (s < cases[i].lo - 1e-9 || s > cases[i].hi + 1e-9)
            fprintf(stderr, "%s ~ %s = %.3f\n", cases[i].x, cases[i].y, s);
        CHECK(s >= cases[i].lo - 1e-9 && s <= cases[i].hi + 1e-9);
        if (cases[i].how >= 0)
            CHECK_EQ(how, cases[i].how);
    }
    util_free(a);
    util_free(b);
    text_ctx_free(c);
    text_tables_free(t);
}

/* match_tok_may_sim never refuses a pair match_tok_sim finds similar,
** match_tok_may_mask agrees with it pair by pair, and most unlike pairs
** are refused (what makes it worth having).  The names mix the paths
** match_tok_sim takes: Latin spellings and typos, Turkish, Arabic script,
** initials, titles, a particle, romanised Chinese, long compounds. */
TEST(signature_screen_keeps_every_similar_pair)
{
    static const char *names[] = {
        "Mohammed Abdellatif Hammouchi", "Muhammad Abd al-Latif Hamouchi",
        "Youssef Benhaddou", "Yusuf Ben Haddou", "Mehmet Yilmaz",
        "Mehmet Yılmaz", "Ahmet Yildirim", "Ahmed Yıldırım", "Hassan Hussein",
        "Hussain Hasan", "Omar Amir", "Saddam Hussein al-Tikriti",
        "صدام حسين", "محمد عبد اللطيف", "Sdam Hsyn", "J. R. Smith",
        "John Robert Smith", "Jean-Pierre Dupont", "Jean Pierre Dupond",
        "Dr. Ayman al-Zawahiri", "General Qassem Soleimani",
        "Kassem Suleimani", "Wang Qiang", "Wang Quan", "Kim Jong Un",
        "Abdoulaye Diallo", "Abdoullaye Dialo", "Aleksandr Ivanov",
        "Alexander Iwanow", "Maulid Mouled", "Xavier Zzyzx",
        "Abu Bakr al-Baghdadi", "Abou Bakr El Baghdadi",
        "Hajji Mullah Mohammad Omar", "Tanaka Hiroshi", "Blanc Belavencev",
    };
    text_tables *t = NULL;
    text_ctx *c = NULL;
    text_name *na = util_malloc(sizeof(*na));
    match_tok *toks = util_malloc(512 * sizeof(*toks));
    char *store = util_malloc(512 * 3 * 64);
    int n = 0, i, j, similar = 0, refused = 0, unlike = 0;
    size_t k;
    CHECK_EQ(text_tables_new(NULL, &t, NULL), LIAISON_OK);
    CHECK_EQ(text_ctx_new(t, &c), LIAISON_OK);
    for (k = 0; k < UTIL_ARRAY_LEN(names); k++) {
        CHECK_EQ(text_name_parse(c, names[k], strlen(names[k]), na), 0);
        for (i = 0; i < na->ntoks && n < 512; i++, n++) {
            /* The parts' strings live in the parsed name: copy them. */
            char *f = store + (size_t)n * 192;
            match_tok_from_text(na, i, &toks[n]);
            memcpy(f, toks[n].form, toks[n].form_len);
            memcpy(f + 64, toks[n].phon, toks[n].phon_len);
            memcpy(f + 128, toks[n].skel, toks[n].skel_len);
            toks[n].form = f;
            toks[n].phon = f + 64;
            toks[n].skel = f + 128;
        }
    }
    CHECK(n > 80);
    for (i = 0; i < n; i++) {
        /* The mask over the parts from i on (at most 32) against j. */
        int nq = n - i < 32 ? n - i : 32;
        for (j = 0; j < n; j++) {
            uint32_t mask = match_tok_may_mask(&toks[i], nq, &toks[j]);
            int q, may = match_tok_may_sim(&toks[i], &toks[j]);
            double sim = match_tok_sim(&toks[i], &toks[j], NULL);
            for (q = 0; q < nq; q++)
                CHECK_EQ((int)((mask >> q) & 1),
                         match_tok_may_sim(&toks[i + q], &toks[j]));
            if (sim > 0) {
                similar++;
                CHECK_EQ(may, 1);
            } else {
                unlike++;
                refused += !may;
            }
        }
    }
    CHECK(similar > n);                 /* more than each with itself */
    CHECK(refused * 10 > unlike * 8);   /* most unlike pairs refused */
    util_free(store);
    util_free(toks);
    util_free(na);
    text_ctx_free(c);
    text_tables_free(t);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
