/*
** test_index.c: the engine end to end through the public API: building,
** screening (table-driven from tests/data/screen_cases.tsv, each case
** among a background of other people), documents, explanations, bad
** input, candidate generation that does not scan the list, and running
** out of memory at every allocation of a build.
*/
#include "testlib.h"

#include "index/index.h"
#include "index/searcher.h"
#include "liaison.h"

/* Background: ordinary people, so that weights are realistic. */
static const char *given[] = {
    "Mohammed", "Ahmed", "Ali", "Hassan", "Omar", "Youssef", "Karim",
    "Fatima", "Aicha", "Mehmet", "Mustafa", "Ayse", "Jean", "Marie",
    "Pierre", "Ibrahim", "Khalid", "Said", "Rachid", "Nadia", "Emine",
    "Hamza", "Samir", "Leila", "Ozan",
};
static const char *family[] = {
    "El Amrani", "Benali", "Alaoui", "Tazi", "Yilmaz", "Kaya", "Demir",
    "Sahin", "Celik", "Martin", "Bernard", "Dubois", "Haddad", "Mansour",
    "Saleh", "Nasser", "Khoury", "Cherkaoui", "Bennani", "Ozturk",
    "Aydin", "Idrissi", "Lahlou", "Ziani", "Bouzid",
};

typedef struct rec_spec {
    const char *id, *name, *dob;
} rec_spec;

/* Add a one-name person record (dob may be NULL). */
static void add_person(liaison_engine *e, const char *id, const char *list,
                       const char *name, const char *dob)
{
    liaison_record r;
    liaison_name nm;
    const char *dobs[1];
    memset(&r, 0, sizeof(r));
    nm.full = name;
    nm.type = NULL;
    r.id = id;
    r.list = list;
    r.names = &nm;
    r.n_names = 1;
    if (dob) {
        dobs[0] = dob;
        r.dobs = dobs;
        r.n_dobs = 1;
    }
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
}

static liaison_engine *build_with(const liaison_engine_opts *o,
                                  const rec_spec *extra, size_t nextra)
{
    liaison_engine *e = NULL;
    char names[700][64], ids[700][16];
    size_t i, j, n = 0;
    CHECK_EQ(liaison_engine_new(o, &e, NULL), LIAISON_OK);
    if (!e)
        return NULL;
    for (i = 0; i < UTIL_ARRAY_LEN(given); i++) {
        for (j = 0; j < UTIL_ARRAY_LEN(family); j++) {
            snprintf(names[n], sizeof(names[n]), "%s %s", given[i],
                     family[(i * 7 + j) % UTIL_ARRAY_LEN(family)]);
            snprintf(ids[n], sizeof(ids[n]), "bg-%zu", n);
            add_person(e, ids[n], "background", names[n], NULL);
            n++;
        }
    }
    for (i = 0; i < nextra; i++)
        add_person(e, extra[i].id, "wanted", extra[i].name, extra[i].dob);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    return e;
}

static liaison_engine *build(const rec_spec *extra, size_t nextra)
{
    return build_with(NULL, extra, nextra);
}

/* Score of record id for a query (-1: not among the hits). */
static double score_of(liaison_engine *e, const char *id, const char *name,
                       const char *dob)
{
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts o = {0, 20, 1, 0};
    liaison_query q;
    double sc = -1;
    size_t i;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    q.name = name;
    q.dob = dob;
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    for (i = 0; i < res.n_hits; i++)
        if (!strcmp(res.hits[i].id, id))
            sc = res.hits[i].score;
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    return sc;
}

TEST(screen_cases)
{
    FILE *f = fopen("tests/data/screen_cases.tsv", "r");
    char buf[1024];
    int line = 0, rows = 0;
    CHECK(f != NULL);
    while (f && fgets(buf, sizeof(buf), f)) {
        char *c[5], *p = buf;
        int n = 0;
        rec_spec rs;
        liaison_engine *e;
        double sc;
        line++;
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!buf[0] || buf[0] == '#')
            continue;
        while (n < 5) {
            char *tab = strchr(p, '\t');
            c[n++] = p;
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (n != 5) {
            fprintf(stderr, "screen_cases.tsv:%d: 5 columns expected\n", line);
            CHECK(0);
            continue;
        }
        rs.id = "target";
        rs.name = c[0];
        rs.dob = strcmp(c[1], "-") ? c[1] : NULL;
        e = build(&rs, 1);
        sc = score_of(e, "target", c[2], strcmp(c[3], "-") ? c[3] : NULL);
        if ((!strcmp(c[4], "hit")) != (sc >= liaison_default_threshold()))
            fprintf(stderr, "screen_cases.tsv:%d: %s vs %s: score %.3f, "
                    "expected %s\n", line, c[0], c[2], sc, c[4]);
        CHECK((!strcmp(c[4], "hit")) == (sc >= liaison_default_threshold()));
        liaison_engine_free(e);
        rows++;
    }
    if (f)
        fclose(f);
    CHECK(rows >= 15);
}

/* Chinese names across scripts: a record in Han characters is found by
** the pinyin a passport has (family name, given name joined) in either
** order, and a record in pinyin by the Han characters; another given
** name is not the same person. */
TEST(chinese_names_across_scripts)
{
    static const rec_spec wanted[] = {
        {"cn-1", "习近平", NULL},
        {"cn-2", "Wang Wei", NULL},
        {"cn-3", "欧阳建国", NULL},
    };
    liaison_engine *e = build(wanted, UTIL_ARRAY_LEN(wanted));
    if (!e)
        return;
    CHECK(score_of(e, "cn-1", "Xi Jinping", NULL) >= 0.9);
    CHECK(score_of(e, "cn-1", "JINPING Xi", NULL) >= 0.9);
    CHECK(score_of(e, "cn-2", "王伟", NULL) >= 0.8);
    CHECK(score_of(e, "cn-3", "Ouyang Jianguo", NULL) >= 0.9);
    CHECK(score_of(e, "cn-2", "王明", NULL) < 0.55);
    liaison_engine_free(e);
}

TEST(dates_change_the_order)
{
    static const rec_spec recs[] = {
        {"a", "Karim BENSAID", "1950"},
        {"b", "Karim BENSAID", "1971-03-02"},
    };
    liaison_engine *e = build(recs, 2);
    double sa = score_of(e, "a", "Karim Bensaid", "1971-03-02");
    double sb = score_of(e, "b", "Karim Bensaid", "1971-03-02");
    CHECK(sb > sa);
    CHECK(sb > 0.9);
    liaison_engine_free(e);
}

TEST(explanations)
{
    static const rec_spec recs[] = {
        {"hm", "HAMMOUCHI, Abdellatif", "1966"},
    };
    liaison_engine *e = build(recs, 1);
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts o = {-1, 5, 1, 0};
    liaison_query q;
    size_t i;
    int fam = 0, given_ = 0, dob = 0;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    q.name = "Abdelatif Hammouchi";
    q.dob = "1966-07-14";
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK(res.n_hits >= 1);
    if (res.n_hits) {
        CHECK_STR(res.hits[0].id, "hm");
        CHECK_STR(res.hits[0].list, "wanted");
        CHECK_STR(res.hits[0].matched, "HAMMOUCHI, Abdellatif");
        for (i = 0; i < res.hits[0].n_why; i++) {
            const char *w = res.hits[0].why[i];
            fam |= !strncmp(w, "family: hammouchi=hammouchi", 27);
            given_ |= !strncmp(w, "given: abdelatif~abdellatif", 27);
            dob |= !strncmp(w, "dob: 1966-07-14 vs 1966 (same year)", 35);
        }
    }
    CHECK(fam);
    CHECK(given_);
    CHECK(dob);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* A long list of one name (one part: one list walked), born over
** seventy years: a query with a date of birth walks only the postings of
** its year window, found by binary search in the list (sorted by year).
** Every record born within four years of the query's (and every one
** without a date) is a hit, none further away. */
/* n people of made-up names (Baao Devic, ...), none born on a known
** date: a list's common background. */
static void add_background(liaison_engine *e, int n)
{
    int k;
    for (k = 0; k < n; k++) {
        char id[24], name[24];
        snprintf(id, sizeof(id), "bg-%d", k);
        snprintf(name, sizeof(name), "%c%c%co %c%c%cvic", 'B' + k % 20,
                 'a' + k / 20 % 20, 'a' + k / 400 % 26, 'D' + k % 19,
                 'e' + k / 19 % 17, 'a' + k / 323 % 26);
        add_person(e, id, "background", name, NULL);
    }
}

TEST(year_windows_in_long_lists)
{
    enum { PER_YEAR = 2, Y0 = 1940, Y1 = 2009, NODATE = 20, BACKGROUND = 40000 };
    static char ids[(Y1 - Y0 + 1) * PER_YEAR + NODATE][16];
    static char dobs[(Y1 - Y0 + 1) * PER_YEAR][16];
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    /* A threshold that only a name born within four years of the query
    ** can reach (0.8 of the name score, 0.68 here; 0.45 further away, and
    ** under 0.5 for any name): the search walks a year window. */
    liaison_screen_opts o = {0.52, 1000, 0, 0};
    liaison_query q;
    int y, k, n = 0, qy;
    memset(&res, 0, sizeof(res));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (y = Y0; y <= Y1; y++)
        for (k = 0; k < PER_YEAR; k++, n++) {
            snprintf(ids[n], sizeof(ids[n]), "y%d-%d", y, k);
            snprintf(dobs[n], sizeof(dobs[n]), "%d-0%d-1%d", y, k + 1, k);
            add_person(e, ids[n], "wanted", "Bennani", dobs[n]);
        }
    for (k = 0; k < NODATE; k++, n++) {
        snprintf(ids[n], sizeof(ids[n]), "nd-%d", k);
        add_person(e, ids[n], "wanted", "Bennani", NULL);
    }
    add_background(e, BACKGROUND);    /* Bennani is not every name */
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    memset(&q, 0, sizeof(q));
    q.name = "Bennani";
    for (qy = Y0; qy <= Y1; qy++) {
        char qd[16];
        int per_year[Y1 - Y0 + 1], nodate = 0, wrong = 0;
        size_t i;
        memset(per_year, 0, sizeof(per_year));
        snprintf(qd, sizeof(qd), "%d-06-15", qy);
        q.dob = qd;
        CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
        for (i = 0; i < res.n_hits; i++) {
            int hy;
            if (!strncmp(res.hits[i].id, "nd-", 3))
                nodate++;
            else if (sscanf(res.hits[i].id, "y%d-", &hy) == 1)
                per_year[hy - Y0]++;
        }
        CHECK_EQ(nodate, NODATE);
        for (y = Y0; y <= Y1; y++) {
            int want = abs(y - qy) <= 4 ? PER_YEAR : 0;
            wrong += per_year[y - Y0] != want;
        }
        CHECK_EQ(wrong, 0);
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* The same windows through a list's year directory when its years have
** gaps (born every third year: a window may start or end in a year no
** one was born), and through the binary search when a stray year makes
** them span too long for a directory (Alaoui, one born in 1500). */
TEST(year_windows_with_gaps_and_stray_years)
{
    enum { STEP = 3, Y0 = 1940, Y1 = 2009, BACKGROUND = 20000 };
    static char ids[2][(Y1 - Y0) / STEP + 2][16], dobs[(Y1 - Y0) / STEP + 1][16];
    static const char *fam[2] = {"Bennani", "Alaoui"};
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts o = {0.52, 1000, 0, 0};
    liaison_query q;
    int y, k, f, qy;
    memset(&res, 0, sizeof(res));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (f = 0; f < 2; f++) {
        for (y = Y0, k = 0; y <= Y1; y += STEP, k++) {
            snprintf(ids[f][k], sizeof(ids[f][k]), "y%d", y);
            snprintf(dobs[k], sizeof(dobs[k]), "%d-03-1%d", y, f);
            add_person(e, ids[f][k], "wanted", fam[f], dobs[k]);
        }
    }
    add_person(e, "stray", "wanted", "Alaoui", "1500-01-01");
    add_background(e, BACKGROUND);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    memset(&q, 0, sizeof(q));
    for (f = 0; f < 2; f++) {
        q.name = fam[f];
        for (qy = Y0 - 6; qy <= Y1 + 6; qy++) {
            char qd[16];
            int want = 0, wrong = 0;
            size_t i;
            snprintf(qd, sizeof(qd), "%d-06-15", qy);
            q.dob = qd;
            CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
            for (y = Y0; y <= Y1; y += STEP)
                want += abs(y - qy) <= 4;
            for (i = 0; i < res.n_hits; i++) {
                int hy = 0;
                wrong += sscanf(res.hits[i].id, "y%d", &hy) != 1 ||
                         abs(hy - qy) > 4;
            }
            CHECK_EQ(wrong, 0);
            CHECK_EQ((int)res.n_hits, want);
        }
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* A query that meets more vocabulary entries than a searcher keeps rows
** for scores the parts it finds no row for in spare rows: on a list small
** enough that every name walked is scored, the answers are those of a
** searcher with room (here rows for none, against 16,384). */
TEST(rows_full_answers_the_same)
{
    static const char *people[][2] = {
        {"p1", "Mohammed Abdellatif Hammouchi"}, {"p2", "Youssef Benhaddou"},
        {"p3", "Mehmet Yilmaz"}, {"p4", "Ahmet Yildirim"},
        {"p5", "Saddam Hussein al-Tikriti"}, {"p6", "Abdoulaye Diallo"},
        {"p7", "Aleksandr Ivanov"}, {"p8", "Hassan Hussein"},
        {"p9", "Abu Bakr al-Baghdadi"}, {"p10", "Jean-Pierre Dupont"},
    };
    static const char *queries[] = {
        "Muhammad Abd al-Latif Hamouchi", "Yusuf Ben Haddou", "Mehmet Yılmaz",
        "Ahmed Yildirim", "صدام حسين", "Abdoullaye Dialo", "Alexander Iwanow",
        "Hussein Hassan", "Abou Bakr El Baghdadi", "Jean Pierre Dupond",
    };
    liaison_engine *e = NULL;
    liaison_searcher *roomy = NULL, *full = NULL;
    liaison_result a, b;
    liaison_screen_opts o = {0.3, 10, 0, 0};
    liaison_query q;
    size_t i, k;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i < UTIL_ARRAY_LEN(people); i++)
        add_person(e, people[i][0], "wanted", people[i][1], NULL);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &roomy), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &full), LIAISON_OK);
    full->rows_cap = 0;
    for (i = 0; i < UTIL_ARRAY_LEN(queries); i++) {
        q.name = queries[i];
        CHECK_EQ(liaison_screen(roomy, &q, &o, &a), LIAISON_OK);
        CHECK_EQ(liaison_screen(full, &q, &o, &b), LIAISON_OK);
        CHECK(a.n_hits > 0);
        CHECK_EQ(b.n_hits, a.n_hits);
        for (k = 0; k < a.n_hits && k < b.n_hits; k++) {
            CHECK_STR(b.hits[k].id, a.hits[k].id);
            CHECK(b.hits[k].score == a.hits[k].score);
        }
        CHECK_EQ(full->nrows, 0);
    }
    liaison_result_fini(&a);
    liaison_result_fini(&b);
    liaison_searcher_free(roomy);
    liaison_searcher_free(full);
    liaison_engine_free(e);
}

/* A name of more parts than an idx_name carries (IDX_NAME_UNITS) keeps
** its units apart, in the engine's units, compacted after the build:
** each long name, among short ones and other long ones, is found by its
** own parts, in another order, and explained part by part. */
TEST(names_longer_than_a_name_entry)
{
    static const rec_spec recs[] = {
        {"l1", "Abdelkader Mustapha Benyoussef Ould Cheikh Tijani", NULL},
        {"s1", "Mustapha Benyoussef", NULL},
        {"l2", "Fatima Zohra Bint Ahmed Ouazzani Chahdi Lamrani", NULL},
        {"s2", "Fatima Ouazzani", NULL},
        {"l3", "Mehmet Ali Kemal Osman Yildirim Karaca", NULL},
    };
    static const char *const ask[][2] = {
        {"Tijani Cheikh Ould Benyoussef Mustapha Abdelkader", "l1"},
        {"Lamrani Chahdi Ouazzani Ahmed Bint Zohra Fatima", "l2"},
        {"Karaca Yildirim Osman Kemal Ali Mehmet", "l3"},
        {"Mustapha Benyoussef", "s1"},
    };
    liaison_engine *e = build(recs, UTIL_ARRAY_LEN(recs));
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts o = {-1, 5, 1, 0};
    liaison_query q;
    size_t i, j, long_names = 0;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    for (i = 0; i < e->n_names; i++)
        long_names += e->names[i].nunits > IDX_NAME_UNITS;
    CHECK_EQ(long_names, 3);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    for (i = 0; i < UTIL_ARRAY_LEN(ask); i++) {
        int parts = 0;
        q.name = ask[i][0];
        CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
        CHECK(res.n_hits >= 1);
        if (!res.n_hits)
            continue;
        CHECK_STR(res.hits[0].id, ask[i][1]);
        CHECK(res.hits[0].score >= (i < 3 ? 0.95 : 0.8));
        for (j = 0; j < res.hits[0].n_why; j++)
            parts += strstr(res.hits[0].why[j], "=") != NULL;
        CHECK(parts >= (i < 3 ? 6 : 2));
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(documents_exact_with_ocr_folding)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_record r;
    liaison_document d = {"passport", "AB1234567", "MAR", "stolen"};
    liaison_result res;
    liaison_screen_opts o = {-1, 5, 1, 0};
    liaison_query q;
    memset(&r, 0, sizeof(r));
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    r.id = "doc-1";
    r.list = "sltd";
    r.kind = LIAISON_KIND_DOCUMENT;
    r.documents = &d;
    r.n_documents = 1;
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    q.doc = "A8-1234S67";           /* OCR: B read as 8, 5 as S */
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    if (res.n_hits)
        CHECK_STR(res.hits[0].id, "doc-1");
    q.doc = "AB1234568";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 0);
    /* The same number issued by another country is another document. */
    q.doc = "AB1234567";
    q.doc_country = "TR";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 0);
    o.threshold = 0;
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    if (res.n_hits) {
        CHECK(res.hits[0].score < 0.5);
        CHECK(res.hits[0].n_why >= 1 &&
              strstr(res.hits[0].why[res.hits[0].n_why - 1],
                     "another issuing country") != NULL);
    }
    q.doc_country = "MA";
    o.threshold = -1;
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(vehicles_by_vin_and_plate)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_record r;
    liaison_result res;
    liaison_query q;
    memset(&r, 0, sizeof(r));
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    r.id = "veh-1";
    r.list = "stolen-vehicles";
    r.kind = LIAISON_KIND_VEHICLE;
    r.vin = "1M8GDM9AXKP042788";
    r.plate = "12345-A-6";
    r.plate_country = "MAR";
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    q.vin = "1m8gdm9axkp042788";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    q.vin = NULL;
    q.plate = "12345 A 6";
    q.plate_country = "MA";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    q.plate_country = "FR";         /* a French plate with the same text */
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 0);
    /* The same plate in Arabic, as the Moroccan list may hold it and a
    ** Moroccan officer types it: 12345 | alef | 6. */
    q.plate = "12345 | \xd8\xa3 | 6";
    q.plate_country = "MA";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    q.plate = "12345 | \xd8\xa8 | 6";    /* ba: another series */
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 0);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(document_lookup_api)
{
    liaison_engine *e = NULL;
    liaison_record r;
    liaison_document d[2] = {{"passport", "AB1234567", "MAR", "stolen"},
                             {"id-card", "X-99", "TUR", "lost"}};
    const char *nums[5] = {"ab 123 4567", "AB1234568", NULL, "x99", "A8I234567"};
    uint32_t recs[4], first[5];
    size_t n;
    char id[8];
    int i;
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i < 300; i++) {
        char num[16];
        liaison_document x = {"passport", num, "MAR", "stolen"};
        memset(&r, 0, sizeof(r));
        snprintf(id, sizeof(id), "d%d", i);
        snprintf(num, sizeof(num), "Q%07d", i);
        r.id = id;
        r.list = "sltd";
        r.kind = LIAISON_KIND_DOCUMENT;
        r.documents = i == 7 ? d : &x;
        r.n_documents = i == 7 ? 2 : 1;
        CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
    }
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_doc_lookup(e, "AB 1234567", NULL, recs, 4, &n), LIAISON_OK);
    CHECK_EQ(n, 1);
    if (n)
        CHECK_STR(liaison_record_id(e, recs[0]), "d7");
    CHECK_EQ(liaison_doc_lookup(e, "AB1234567", "TUR", recs, 4, &n), LIAISON_OK);
    CHECK_EQ(n, 0);
    CHECK_EQ(liaison_doc_lookup(e, "Q0000123", NULL, recs, 4, &n), LIAISON_OK);
    CHECK_EQ(n, 1);
    CHECK_EQ(liaison_doc_lookup_batch(e, nums, 5, first), LIAISON_OK);
    CHECK_STR(liaison_record_id(e, first[0]), "d7");
    CHECK_EQ(first[1], UINT32_MAX);
    CHECK_EQ(first[2], UINT32_MAX);
    CHECK_STR(liaison_record_id(e, first[3]), "d7");    /* */
    CHECK_STR(liaison_record_id(e, first[4]), "d7");    /* OCR: 8/B, I/1 */
    CHECK(liaison_record_id(e, 100000) == NULL);
    liaison_engine_free(e);
}

TEST(bad_queries)
{
    liaison_engine *e = build(NULL, 0);
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_query q;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_EINVAL);
    q.name = "Ali \xC3\x28 Hassan";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_EUTF8);
    q.name = "Ali Hassan";
    q.dob = "14/07/1966";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_EINVAL);
    q.dob = NULL;
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(records_are_checked)
{
    liaison_engine *e = NULL;
    liaison_record r;
    liaison_name nm = {"Ali \xFF", NULL};
    memset(&r, 0, sizeof(r));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    r.id = "x";
    r.list = "l";
    r.names = &nm;
    r.n_names = 1;
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_EUTF8);
    r.id = NULL;
    nm.full = "Ali";
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_EINVAL);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    r.id = "y";
    CHECK_EQ(liaison_engine_add(e, &r), LIAISON_ESTATE);
    liaison_engine_free(e);
}

TEST(candidates_do_not_scan_the_list)
{
    static const rec_spec recs[] = {{"t", "Zakaria KHOUDRI", NULL}};
    liaison_engine *e = build(recs, 1);
    liaison_engine_stats st;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_query q;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    liaison_engine_get_stats(e, &st);
    CHECK(st.names > 600);
    CHECK(st.bytes > 0);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    q.name = "Zakaria Khoudri";
    CHECK_EQ(liaison_screen(s, &q, NULL, &res), LIAISON_OK);
    CHECK(res.n_hits >= 1);
    CHECK(res.candidates < 10);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* Walks of a query's postings come in two kinds: up to about 12,000
** postings the names met are kept in a small table, beyond in a per-name
** array.  The answers must not depend on which.  n "Karim Mansouri <x>"
** and one "Karim Mansour": both query parts reach every name, and only
** the evidence accumulated on the walk (mansour is rare, mansouri common)
** brings the one out of the crowd to be scored.  A short walk in the
** same searcher after a long one is not disturbed by it, nor the long one
** by the short. */
static void crowd(size_t n)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_query q;
    liaison_screen_opts o = {0, 5, 0, 0};
    char name[64], id[16], want[16];
    size_t i;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i < n + 2; i++) {
        if (i == n)
            snprintf(name, sizeof(name), "Karim Mansour");
        else if (i == n + 1)
            snprintf(name, sizeof(name), "Zakaria Khoudri");
        else
            snprintf(name, sizeof(name), "Karim Mansouri %c%c%c%c",
                     'a' + (int)(i % 26), 'a' + (int)(i / 26 % 26),
                     'a' + (int)(i / 676 % 26), 'b' + (int)(i / 17576));
        snprintf(id, sizeof(id), "k%zu", i);
        add_person(e, id, "wanted", name, NULL);
    }
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    for (i = 0; i < 2; i++) {
        q.name = "KARIM MANSOUR";
        CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
        CHECK(res.n_hits >= 1);
        /* A few dozen of the crowd scored in full, not all of it. */
        CHECK(res.candidates >= 40 && res.candidates < 100);
        snprintf(want, sizeof(want), "k%zu", n);
        if (res.n_hits)
            CHECK_STR(res.hits[0].id, want);
        q.name = "Zakaria Khoudri";
        CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
        CHECK_EQ(res.n_hits, 1);
        snprintf(want, sizeof(want), "k%zu", n + 1);
        if (res.n_hits)
            CHECK_STR(res.hits[0].id, want);
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(short_and_long_walks_find_the_same)
{
    crowd(3000);        /* 6,000 postings: the small table */
    crowd(15000);       /* 30,000: the per-name array */
}

/* A query meets each record once however many of its names are scored,
** through a table that starts with room for 256 records and grows: 700
** namesakes answer as 700 hits, each once, in record order (equal
** scores), and the next queries in the same searcher start afresh.
** With room for five, the five are the first records, though the walk
** meets them last: born later (ten a year, the first in 2000, the next
** ten in 1999...), their names come last in each list, by year. */
static void namesakes(size_t n)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_query q;
    liaison_screen_opts o = {0, 1000, 0, 0};     /* threshold 0: the name is
                                                    common here, weighs little */
    char id[16];
    size_t i, want = n < 1000 ? n : 1000;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i < n; i++) {
        liaison_record r;
        liaison_name nm[2];
        char dob[16];
        const char *dobs[1] = {dob};
        memset(&r, 0, sizeof(r));
        snprintf(id, sizeof(id), "m%zu", i);
        snprintf(dob, sizeof(dob), "%zu", 2000 - i / 10);
        r.dobs = dobs;
        r.n_dobs = 1;
        nm[0].full = "Karim Mansour";
        nm[0].type = NULL;
        nm[1].full = "Kareem Mansur";
        nm[1].type = "aka";
        r.id = id;
        r.list = "wanted";
        r.names = nm;
        r.n_names = 2;
        CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
    }
    add_person(e, "z", "wanted", "Zakaria Khoudri", NULL);
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    q.name = "Karim Mansour";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, want);
    for (i = 0; i < res.n_hits && i < want; i++) {
        snprintf(id, sizeof(id), "m%zu", i);
        CHECK_STR(res.hits[i].id, id);
        CHECK(res.hits[i].score == res.hits[0].score);
    }
    CHECK(res.n_hits && res.hits[0].score > 0);
    q.name = "Zakaria Khoudri";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 1);
    if (res.n_hits)
        CHECK_STR(res.hits[0].id, "z");
    /* Of names tied on everything, those scored in full are the first
    ** in name order, wherever the walk left them: the five answers are
    ** the first five records. */
    o.limit = 5;
    q.name = "Karim Mansour";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK_EQ(res.n_hits, 5);
    for (i = 0; i < res.n_hits && i < 5; i++) {
        snprintf(id, sizeof(id), "m%zu", i);
        CHECK_STR(res.hits[i].id, id);
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

TEST(an_answer_with_hundreds_of_records)
{
    namesakes(700);
}

/* More names tied in the first ranking's best bucket than it sorts by
** bucket (RANK_SORT_MAX, 2048): the selections take them all. */
TEST(more_namesakes_than_the_bucket_sort_takes)
{
    namesakes(2200);
}

/* The walk leaves out a part that thousands of names share (Fatma, in
** 5,000 names) once a rarer one (Kuzucu, in 150) carries the query.  The
** Kuzucus all have the same evidence from the walk, and those born in the
** query's year come first, ahead of the one wanted, whose record has no
** date: more of them than are scored in full.  Ranked again on all their
** parts, the given name the walk left out lifts it back among those
** scored. */
TEST(a_part_left_out_of_the_walk_still_ranks)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_query q;
    liaison_screen_opts o = {0, 5, 0, 0};
    char name[64], id[16];
    size_t i, nf = 5000, nk = 150;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i <= nf + nk; i++) {
        /* Made-up parts, consonant-vowel so they look like names and
        ** share no part with the query. */
        char a = "bdgklmnprstvz"[i % 13], b = "aeiou"[i / 13 % 5],
             c = "bdgklmnprstvz"[i / 65 % 13], d = "aeiou"[i / 845 % 5];
        if (i < nf)
            snprintf(name, sizeof(name), "Fatma %c%c%c%cran", a, b, c, d);
        else if (i < nf + nk)
            snprintf(name, sizeof(name), "%c%c%c%cra Kuzucu", a, b, c, d);
        else
            snprintf(name, sizeof(name), "Fatma Kuzucu");
        snprintf(id, sizeof(id), "f%zu", i);
        add_person(e, id, "wanted", name,
                   i >= nf && i < nf + nk ? "1980" : NULL);
    }
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    q.name = "Fatma Kuzucu";
    q.dob = "1980-05-05";
    CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
    CHECK(res.candidates < nk);         /* not everything is scored */
    CHECK(res.n_hits >= 1);
    snprintf(id, sizeof(id), "f%zu", nf + nk);
    if (res.n_hits)
        CHECK_STR(res.hits[0].id, id);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* Answers to a set of queries, for comparing engines and searchers. */
#define ANS_MAX 40
typedef struct answers {
    size_t n[ANS_MAX];
    char ids[ANS_MAX][10][16];
    double scores[ANS_MAX][10];
} answers;

/* Screen queries[0..nq) (in reverse order if reverse) on searcher s, or
** on a new searcher each when s is NULL. */
static void answer_all(const liaison_engine *e, liaison_searcher *s,
                       const char *const *queries, size_t nq, int reverse,
                       answers *out)
{
    liaison_searcher *own = NULL;
    liaison_result res;
    liaison_screen_opts o = {0, 10, 0, 0};
    liaison_query q;
    size_t j, h;
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    memset(out, 0, sizeof(*out));
    for (j = 0; j < nq && j < ANS_MAX; j++) {
        size_t i = reverse ? nq - 1 - j : j;
        if (!s)
            CHECK_EQ(liaison_searcher_new(e, &own), LIAISON_OK);
        q.name = queries[i];
        CHECK_EQ(liaison_screen(s ? s : own, &q, &o, &res), LIAISON_OK);
        out->n[i] = res.n_hits;
        for (h = 0; h < res.n_hits && h < 10; h++) {
            util_strlcpy(out->ids[i][h], res.hits[h].id, sizeof(out->ids[i][h]));
            out->scores[i][h] = res.hits[h].score;
        }
        liaison_searcher_free(own);
        own = NULL;
    }
    liaison_result_fini(&res);
}

/* How many answers of got differ from want (hits, order or score). */
static size_t answers_differ(const answers *got, const answers *want,
                             const char *const *queries, size_t nq)
{
    size_t i, h, bad = 0;
    for (i = 0; i < nq && i < ANS_MAX; i++) {
        if (got->n[i] != want->n[i]) {
            fprintf(stderr, "%s: %zu hits, expected %zu\n", queries[i],
                    got->n[i], want->n[i]);
            bad++;
            continue;
        }
        for (h = 0; h < got->n[i] && h < 10; h++)
            if (strcmp(got->ids[i][h], want->ids[i][h]) ||
                got->scores[i][h] != want->scores[i][h]) {
                fprintf(stderr, "%s: hit %zu %s %.17g, expected %s %.17g\n",
                        queries[i], h, got->ids[i][h], got->scores[i][h],
                        want->ids[i][h], want->scores[i][h]);
                bad++;
            }
    }
    return bad;
}

/* The engine keeps each vocabulary entry's expansion (idx_nbr_build);
** a query part spelled like an entry takes it instead of expanding
** afresh.  Answers are the same as without the table, and the table is
** the same however many threads computed it. */
TEST(kept_expansions_answer_as_fresh_ones)
{
    static const char *const queries[] = {
        "Mohammed Benali", "Mohamed Ben Ali", "Muhammad Benaly",
        "Benali Mohammed", "محمد بن علي", "Ahmed Tazi", "Ahmad Tazy",
        "Hadj Ahmed Tazi", "Haji Omar Saleh", "Ali Yilmaz", "Ali Yilmas",
        "Yılmaz Ali", "Mehmet Kaya", "Jean-Pierre Martin", "李伟", "Wei Li",
        "Fatima Zahra Alaoui", "A. Alaoui", "Karim El Amrani",
        "Yusuf Hadad", "Saeed Cherqaoui", "Dr Omar Haddad", "Xqzt Vrrp",
    };
    enum { NQ = sizeof(queries) / sizeof(queries[0]) };
    static answers kept, fresh, again;
    liaison_engine *e = build(NULL, 0);
    size_t nv = e->vocab.n, items;
    uint32_t *off;
    idx_nbr *nbr;
    CHECK(e->nbr_off != NULL);
    items = e->nbr_off[nv];
    CHECK(items > nv);          /* most parts have look-alikes here */
    off = malloc((nv + 1) * sizeof(*off));
    nbr = malloc(items * sizeof(*nbr));
    CHECK(off != NULL && nbr != NULL);
    memcpy(off, e->nbr_off, (nv + 1) * sizeof(*off));
    memcpy(nbr, e->nbr, items * sizeof(*nbr));
    answer_all(e, NULL, queries, NQ, 0, &kept);
    /* Without the table... */
    util_free(e->nbr_off);
    util_free(e->nbr);
    e->nbr_off = NULL;
    e->nbr = NULL;
    answer_all(e, NULL, queries, NQ, 0, &fresh);
    /* ...and with it again, computed on four threads. */
    CHECK_EQ(idx_nbr_build(e, 4), LIAISON_OK);
    CHECK(e->nbr_off != NULL);
    CHECK(!memcmp(off, e->nbr_off, (nv + 1) * sizeof(*off)));
    CHECK(!memcmp(nbr, e->nbr, items * sizeof(*nbr)));
    answer_all(e, NULL, queries, NQ, 0, &again);
    CHECK_EQ(answers_differ(&kept, &fresh, queries, NQ), 0);
    CHECK_EQ(answers_differ(&again, &fresh, queries, NQ), 0);
    CHECK(fresh.n[0] > 0);
    free(off);
    free(nbr);
    liaison_engine_free(e);
}

/* An engine built on the one thread the options allow (as the server
** refreshes its index while serving) is the engine built on every core. */
TEST(build_threads_change_nothing_but_time)
{
    /* Made-up names from syllables: enough parts (over 64) that every
    ** core takes a share of the table. */
    static const char *syl[] = {"ka", "mo", "ri", "ta", "ben", "sa", "lu",
                                "hu", "zo", "fe", "dar", "nim"};
    static char names[144][32], ids[144][16];
    static rec_spec extra[144];
    liaison_engine_opts o;
    liaison_engine *all, *one;
    size_t nv, i, j, n = 0;
    for (i = 0; i < 12; i++)
        for (j = 0; j < 12; j++, n++) {
            snprintf(names[n], sizeof(names[n]), "%s%s %s%s%s", syl[i],
                     syl[j], syl[j], syl[(i + 5) % 12], syl[i]);
            snprintf(ids[n], sizeof(ids[n]), "syl-%zu", n);
            extra[n].id = ids[n];
            extra[n].name = names[n];
            extra[n].dob = NULL;
        }
    all = build_with(NULL, extra, n);
    memset(&o, 0, sizeof(o));
    o.build_threads = 1;
    one = build_with(&o, extra, n);
    CHECK(all != NULL && one != NULL);
    if (!all || !one)
        return;
    CHECK_EQ(one->build_threads, 1u);
    CHECK_EQ(all->build_threads, 0u);
    nv = all->vocab.n;
    CHECK(nv >= 64);
    CHECK_EQ(one->vocab.n, nv);
    CHECK(all->nbr_off != NULL && one->nbr_off != NULL);
    if (all->nbr_off && one->nbr_off) {
        CHECK(!memcmp(all->nbr_off, one->nbr_off, (nv + 1) * sizeof(uint32_t)));
        CHECK(!memcmp(all->nbr, one->nbr,
                      all->nbr_off[nv] * sizeof(idx_nbr)));
    }
    liaison_engine_free(one);
    liaison_engine_free(all);
}

/* A searcher remembers expansions and similarities between queries; what
** it answers must not depend on what it was asked before.  Each query on
** a searcher that has answered all the others (in both orders) gets
** exactly the hits and scores of a fresh searcher: same script and
** different flags (a title, a syllable romanised from Han) included. */
TEST(answers_do_not_depend_on_earlier_queries)
{
    static const char *const queries[] = {
        "Mohammed Benali", "Mohamed Ben Ali", "Muhammad Benaly",
        "Benali Mohammed", "محمد بن علي", "Ahmed Tazi", "Ahmad Tazy",
        "Hadj Ahmed Tazi", "Haji Omar Saleh", "Omar Haji", "Ali Yilmaz",
        "Ali Yilmas", "Yılmaz Ali", "Mehmet Kaya", "Mehmed Kaya",
        "Jean Martin", "Jean-Pierre Martin", "Li Wei", "李伟",
        "Wei Li", "Fatima Zahra Alaoui", "Fatma Alawi", "A. Alaoui",
        "Karim El Amrani", "Karim Amrani", "Youssef Haddad",
        "Yusuf Hadad", "Said Cherkaoui", "Saeed Cherqaoui",
    };
    enum { NQ = sizeof(queries) / sizeof(queries[0]) };
    static answers fresh, got;
    liaison_engine *e = build(NULL, 0);
    liaison_searcher *s = NULL;
    size_t pass, bad = 0;
    answer_all(e, NULL, queries, NQ, 0, &fresh);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    for (pass = 0; pass < 3; pass++) {
        answer_all(e, s, queries, NQ, pass == 1, &got);
        bad += answers_differ(&got, &fresh, queries, NQ);
    }
    CHECK_EQ(bad, 0);
    CHECK(fresh.n[0] > 0);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* A record's nationality agrees or disagrees with the traveller's, with
** one nationality (kept in the record itself) or several; the
** explanation names the record's. */
TEST(nationalities_one_or_several)
{
    static const char *const one[] = {"MAR"}, *const two[] = {"TUR", "DEU"};
    static const struct {
        const char *name, *nat, *id, *why;
    } cases[] = {
        {"Karim Bennani", "MAR", "n1", "nationality: MAR (same)"},
        {"Karim Bennani", "FRA", "n1", "record says MAR"},
        {"Kemal Aydin", "DEU", "n2", "nationality: DEU (same)"},
        {"Kemal Aydin", "TUR", "n2", "nationality: TUR (same)"},
        {"Kemal Aydin", "FRA", "n2", "record says TUR and others"},
        {"Kemal Aydin", "de", "n2", "nationality: DEU (same)"},
        {"Karim Bennani", "ma", "n1", "nationality: MAR (same)"},
    };
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_record r;
    liaison_name nm;
    liaison_screen_opts o = {0, 5, 1, 0};
    liaison_query q;
    size_t i, k;
    memset(&res, 0, sizeof(res));
    CHECK_EQ(liaison_engine_new(NULL, &e, NULL), LIAISON_OK);
    for (i = 0; i < 2; i++) {
        memset(&r, 0, sizeof(r));
        nm.full = i ? "Kemal Aydin" : "Karim Bennani";
        nm.type = NULL;
        r.id = i ? "n2" : "n1";
        r.list = "wanted";
        r.names = &nm;
        r.n_names = 1;
        r.nationalities = i ? two : one;
        r.n_nationalities = i ? 2 : 1;
        CHECK_EQ(liaison_engine_add(e, &r), LIAISON_OK);
    }
    CHECK_EQ(liaison_engine_build(e), LIAISON_OK);
    CHECK_EQ(liaison_searcher_new(e, &s), LIAISON_OK);
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        int found = 0;
        memset(&q, 0, sizeof(q));
        q.name = cases[i].name;
        q.nationality = cases[i].nat;
        CHECK_EQ(liaison_screen(s, &q, &o, &res), LIAISON_OK);
        CHECK(res.n_hits >= 1);
        if (res.n_hits < 1)
            continue;
        CHECK_STR(res.hits[0].id, cases[i].id);
        for (k = 0; k < res.hits[0].n_why; k++)
            found |= strstr(res.hits[0].why[k], cases[i].why) != NULL;
        for (k = 0; !found && k < res.hits[0].n_why; k++)
            fprintf(stderr, "case %zu: why %s\n", i, res.hits[0].why[k]);
        CHECK(found);
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
}

/* Fail each allocation of a small build and screen in turn: every failure
** is reported, nothing leaks (the harness counts), nothing crashes. */
TEST(out_of_memory_everywhere)
{
    long n;
    int completed = 0;
    for (n = 1; n < 3000 && !completed; n += 3) {
        liaison_engine *e = NULL;
        liaison_searcher *s = NULL;
        liaison_result res;
        liaison_record r;
        liaison_name nm = {"Youssef BENHADDOU", NULL};
        liaison_query q;
        int rc;
        memset(&r, 0, sizeof(r));
        memset(&res, 0, sizeof(res));
        memset(&q, 0, sizeof(q));
        r.id = "x";
        r.list = "l";
        r.names = &nm;
        r.n_names = 1;
        q.name = "Yusuf Ben Haddou";
        util_alloc_fail_at(n);
        rc = liaison_engine_new(NULL, &e, NULL);
        if (!rc)
            rc = liaison_engine_add(e, &r);
        if (!rc)
            rc = liaison_engine_build(e);
        if (!rc)
            rc = liaison_searcher_new(e, &s);
        if (!rc)
            rc = liaison_screen(s, &q, NULL, &res);
        util_alloc_fail_at(0);
        if (!rc) {
            completed = 1;
            CHECK_EQ(res.n_hits, 1);
        } else {
            CHECK(rc == LIAISON_ENOMEM || rc == LIAISON_EFORMAT);
        }
        liaison_result_fini(&res);
        liaison_searcher_free(s);
        liaison_engine_free(e);
    }
    CHECK(completed);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
