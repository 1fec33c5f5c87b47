/*
** test_text.c: UTF-8 validation, folding (Turkish casing, diacritics,
** scripts), skeletons, tokenising with particles and compounds, and the
** data tables.  Folding and skeleton cases are table-driven from
** tests/data/text/fold.tsv and skeleton.tsv.
*/
#include <unistd.h>

#include "testlib.h"

#include "text/text.h"

/* Read a TSV test table: calls fn(cols, ncols, lineno) per data line. */
static int each_row(const char *path, void (*fn)(char **cols, int n, int line))
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    int line = 0, rows = 0;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    while (fgets(buf, sizeof(buf), f)) {
        char *cols[8], *p = buf;
        int n = 0;
        line++;
        buf[strcspn(buf, "\r\n")] = '\0';
        if (!buf[0] || buf[0] == '#')
            continue;
        while (n < 8) {
            char *tab = strchr(p, '\t');
            cols[n++] = p;
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        fn(cols, n, line);
        rows++;
    }
    fclose(f);
    return rows;
}

/* Each test loads its own tables, so that the harness can check that it
** frees everything it allocates. */
static text_tables *tables;
static text_ctx *ctx;

static void setup(void)
{
    CHECK_EQ(text_tables_new(NULL, &tables, NULL), LIAISON_OK);
    CHECK_EQ(text_ctx_new(tables, &ctx), LIAISON_OK);
}

static void teardown(void)
{
    text_ctx_free(ctx);
    text_tables_free(tables);
    ctx = NULL;
    tables = NULL;
}

static void fold_row(char **c, int n, int line)
{
    char *out = NULL;
    int rc;
    if (n < 2) {
        fprintf(stderr, "fold.tsv:%d: two columns expected\n", line);
        CHECK(0);
        return;
    }
    rc = liaison_text_fold(c[0], strlen(c[0]), &out);
    CHECK_EQ(rc, LIAISON_OK);
    if (out && strcmp(out, c[1]))
        fprintf(stderr, "fold.tsv:%d: %s\n", line, c[0]);
    CHECK_STR(out, c[1]);
    liaison_free(out);
}

TEST(fold_table)
{
    CHECK(each_row("tests/data/text/fold.tsv", fold_row) >= 20);
}

/* The skeleton of a single part, Latin or Arabic script. */
static void skel_row(char **c, int n, int line)
{
    text_name *nm = util_malloc(sizeof(*nm));
    CHECK(nm != NULL);
    if (!nm || n < 2)
        return;
    CHECK_EQ(text_name_parse(ctx, c[0], strlen(c[0]), nm), LIAISON_OK);
    CHECK_EQ(nm->npos, 1);
    if (nm->ntoks > 0) {
        if (strcmp(text_tok_skel(nm, &nm->toks[0]), c[1]))
            fprintf(stderr, "skeleton.tsv:%d: %s\n", line, c[0]);
        CHECK_STR(text_tok_skel(nm, &nm->toks[0]), c[1]);
    }
    util_free(nm);
}

/* The ASCII path of folding gives what utf8proc gives, for every ASCII
** character alone and among others; a string longer than the room is cut
** the same way, with the full count returned. */
TEST(ascii_folds_as_utf8proc_does)
{
    static const char *const strings[] = {
        "VELIZ<<LUCES<MARIA", "O'Brien, Sean-Paul", "al-Tikriti `Abd",
        "MUSTAFA  ibn_Omar (alias: 'Abu Ali'); 1975/76", "~!@#$%^&*[]{}|\\",
    };
    int32_t a[64], b[64];
    char one[1];
    long na, nb, i;
    size_t k;
    int c;
    for (c = 0; c < 128; c++) {
        one[0] = (char)c;
        na = text_fold_cps(one, 1, a, 64);
        nb = text_fold_cps_utf8proc(one, 1, b, 64);
        if (na != nb)
            fprintf(stderr, "character %d: %ld code points, utf8proc %ld\n",
                    c, na, nb);
        CHECK_EQ(na, nb);
        for (i = 0; i < na; i++) {
            if (a[i] != b[i])
                fprintf(stderr, "character %d: %d, utf8proc %d\n", c,
                        (int)a[i], (int)b[i]);
            CHECK_EQ(a[i], b[i]);
        }
    }
    for (k = 0; k < UTIL_ARRAY_LEN(strings); k++) {
        size_t len = strlen(strings[k]);
        na = text_fold_cps(strings[k], len, a, 64);
        nb = text_fold_cps_utf8proc(strings[k], len, b, 64);
        CHECK_EQ(na, nb);
        CHECK_EQ(na, (long)len);
        CHECK(na == nb && !memcmp(a, b, (size_t)na * sizeof(a[0])));
    }
    /* Cut at the room: 40 characters into 16. */
    na = text_fold_cps("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn", 40, a, 16);
    nb = text_fold_cps_utf8proc("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn", 40,
                                b, 16);
    CHECK_EQ(na, 40);
    CHECK_EQ(nb, 40);
    CHECK(!memcmp(a, b, 16 * sizeof(a[0])));
    /* Not ASCII: utf8proc's answer, errors included. */
    CHECK_EQ(text_fold_cps("Y\xc4\xb1ld\xc4\xb1z", 8, a, 64), 6);
    CHECK_EQ(a[1], 'i');
    CHECK_EQ(text_fold_cps("ab\xff", 3, a, 64), LIAISON_EUTF8);
}

TEST(skeleton_table)
{
    setup();
    CHECK(each_row("tests/data/text/skeleton.tsv", skel_row) >= 15);
    teardown();
}

TEST(utf8_invalid_is_an_error)
{
    static const char *bad[] = {
        "\xC0\xAF",             /* overlong '/' */
        "\xE0\x80\xAF",         /* overlong */
        "\xED\xA0\x80",         /* UTF-16 surrogate */
        "\xF4\x90\x80\x80",     /* above U+10FFFF */
        "abc\xC3",              /* truncated */
        "\xFF",                 /* never valid */
        "Ali \x80 Hassan",      /* stray continuation byte */
    };
    size_t i, off;
    char *out;
    text_name *nm = util_malloc(sizeof(*nm));
    setup();
    for (i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
        CHECK_EQ(text_utf8_check(bad[i], strlen(bad[i]), &off), LIAISON_EUTF8);
        CHECK_EQ(liaison_text_fold(bad[i], strlen(bad[i]), &out),
                 LIAISON_EUTF8);
        CHECK(out == NULL);
        CHECK_EQ(text_name_parse(ctx, bad[i], strlen(bad[i]), nm),
                 LIAISON_EUTF8);
    }
    CHECK_EQ(text_utf8_check("Ali \x80", 5, &off), LIAISON_EUTF8);
    CHECK_EQ(off, 4);
    CHECK_EQ(text_utf8_check("Yıldız 𝔸", strlen("Yıldız 𝔸"), NULL),
             LIAISON_OK);
    util_free(nm);
    teardown();
}

/* Find a part by form; NULL if absent. */
static const text_tok *find(const text_name *n, const char *form)
{
    int i;
    for (i = 0; i < n->ntoks; i++)
        if (!strcmp(text_tok_form(n, &n->toks[i]), form))
            return &n->toks[i];
    return NULL;
}

TEST(compounds_and_particles)
{
    text_name *nm = util_malloc(sizeof(*nm));
    const text_tok *t;
    setup();
    /* abd + article + name: parts kept, joined alternative covers both */
    CHECK_EQ(text_name_parse(ctx, "Abd al-Latif", 12, nm), LIAISON_OK);
    CHECK_EQ(nm->npos, 2);
    t = find(nm, "abdallatif");
    CHECK(t != NULL);
    if (t) {
        CHECK(t->flags & TEXT_TOK_COMPOUND);
        CHECK_EQ(t->first, 0);
        CHECK_EQ(t->last, 1);
    }
    t = find(nm, "abd");
    CHECK(t && (t->flags & TEXT_TOK_PARTICLE));
    /* name + article + din */
    CHECK_EQ(text_name_parse(ctx, "Nur al-Din", 10, nm), LIAISON_OK);
    CHECK(find(nm, "nuraldin") != NULL);
    /* kinship particle: kept, low weight, joined alternative */
    CHECK_EQ(text_name_parse(ctx, "Youssef Ben Haddou", 18, nm), LIAISON_OK);
    CHECK_EQ(nm->npos, 3);
    t = find(nm, "ben");
    CHECK(t && (t->flags & TEXT_TOK_PARTICLE));
    t = find(nm, "benhaddou");
    CHECK(t && (t->flags & TEXT_TOK_COMPOUND));
    /* "Abdul" before a family name is not joined for good */
    CHECK_EQ(text_name_parse(ctx, "MAJEED ABDUL CHAUDHRY", 21, nm), LIAISON_OK);
    CHECK(find(nm, "chaudhry") != NULL);
    CHECK(find(nm, "majeed") != NULL);
    /* titles are marked */
    CHECK_EQ(text_name_parse(ctx, "Haji Shabaz ZADRAN", 18, nm), LIAISON_OK);
    t = find(nm, "haji");
    CHECK(t && (t->flags & TEXT_TOK_TITLE));
    /* an article joined to its part also stands without it */
    CHECK_EQ(text_name_parse(ctx, "Hany Elsayed", 12, nm), LIAISON_OK);
    CHECK(find(nm, "sayed") != NULL);
    util_free(nm);
    teardown();
}

TEST(han_and_hangul_runs_are_syllabic)
{
    text_name *nm = util_malloc(sizeof(*nm));
    const text_tok *t;
    setup();
    /* A Chinese name: family name, then the given name's syllables
    ** joined, as pinyin writes them (Mao Zedong, Ouyang Xiu). */
    CHECK_EQ(text_name_parse(ctx, "毛泽东", strlen("毛泽东"), nm), LIAISON_OK);
    CHECK_EQ(nm->npos, 2);
    CHECK((t = find(nm, "mao")) != NULL && (t->flags & TEXT_TOK_SYLLABIC));
    CHECK((t = find(nm, "zedong")) != NULL && (t->flags & TEXT_TOK_SYLLABIC));
    CHECK_EQ(text_name_parse(ctx, "欧阳修", strlen("欧阳修"), nm), LIAISON_OK);
    CHECK_EQ(nm->npos, 2);
    CHECK(find(nm, "ouyang") != NULL && find(nm, "xiu") != NULL);
    /* A name already in parts keeps each run whole: here the given name
    ** 桂荣 (Guirong) and the family name 兰 (Lan). */
    CHECK_EQ(text_name_parse(ctx, "桂荣 兰", strlen("桂荣 兰"), nm),
             LIAISON_OK);
    CHECK_EQ(nm->npos, 2);
    CHECK(find(nm, "guirong") != NULL && find(nm, "lan") != NULL);
    /* A foreign name written in Chinese (Muhammad) stays one part. */
    CHECK_EQ(text_name_parse(ctx, "穆罕默德", strlen("穆罕默德"), nm),
             LIAISON_OK);
    CHECK_EQ(nm->npos, 1);
    CHECK_EQ(text_name_parse(ctx, "김정은", strlen("김정은"), nm), LIAISON_OK);
    CHECK(nm->ntoks >= 1 && (nm->toks[0].flags & TEXT_TOK_SYLLABIC));
    CHECK_EQ(text_name_parse(ctx, "Сергей", strlen("Сергей"), nm), LIAISON_OK);
    CHECK(nm->ntoks >= 1 && !(nm->toks[0].flags & TEXT_TOK_SYLLABIC));
    util_free(nm);
    teardown();
}

TEST(family_and_given_order)
{
    text_name *nm = util_malloc(sizeof(*nm));
    const text_tok *t;
    setup();
    CHECK_EQ(text_name_parse(ctx, "HAMMOUCHI, Abdellatif", 21, nm), LIAISON_OK);
    t = find(nm, "hammouchi");
    CHECK(t && (t->flags & TEXT_TOK_FAMILY));
    t = find(nm, "abdellatif");
    CHECK(t && (t->flags & TEXT_TOK_GIVEN));
    CHECK_EQ(text_name_parse(ctx, "HAMMOUCHI<<ABDELLATIF", 21, nm), LIAISON_OK);
    t = find(nm, "hammouchi");
    CHECK(t && (t->flags & TEXT_TOK_FAMILY));
    /* Officer typing order: no roles known */
    CHECK_EQ(text_name_parse(ctx, "Abdellatif Hammouchi", 20, nm), LIAISON_OK);
    t = find(nm, "hammouchi");
    CHECK(t && !(t->flags & (TEXT_TOK_FAMILY | TEXT_TOK_GIVEN)));
    util_free(nm);
    teardown();
}

TEST(arabic_meets_latin)
{
    text_name *a = util_malloc(sizeof(*a)), *b = util_malloc(sizeof(*b));
    setup();
    /* Known names take their class and its Latin spelling. */
    CHECK_EQ(text_name_parse(ctx, "يوسف", strlen("يوسف"), a), LIAISON_OK);
    CHECK_EQ(text_name_parse(ctx, "Youssef", 7, b), LIAISON_OK);
    CHECK(a->ntoks == 1 && b->ntoks == 1);
    CHECK(a->toks[0].cls >= 0);
    CHECK_EQ(a->toks[0].cls, b->toks[0].cls);
    CHECK(!(a->toks[0].flags & TEXT_TOK_ABJAD));
    /* Unknown ones are unvowelled and flagged. */
    CHECK_EQ(text_name_parse(ctx, "بنحدو", strlen("بنحدو"), a), LIAISON_OK);
    CHECK(a->ntoks == 1 && (a->toks[0].flags & TEXT_TOK_ABJAD));
    /* Persian letters and the Turkish form of Muhammad */
    CHECK_EQ(text_name_parse(ctx, "Mehmet", 6, a), LIAISON_OK);
    CHECK_EQ(text_name_parse(ctx, "محمد", strlen("محمد"), b), LIAISON_OK);
    CHECK(a->toks[0].cls >= 0);
    CHECK_EQ(a->toks[0].cls, b->toks[0].cls);
    util_free(a);
    util_free(b);
    teardown();
}

TEST(equivalence_table_loads)
{
    int32_t c1, c2, c3;
    setup();
    CHECK(text_tables_nclasses(tables) > 1000);
    c1 = text_equiv_class(tables, "mohammed", 8);
    c2 = text_equiv_class(tables, "muhammad", 8);
    c3 = text_equiv_class(tables, "ahmed", 5);
    CHECK(c1 >= 0);
    CHECK_EQ(c1, c2);
    CHECK(c3 >= 0 && c3 != c1);
    CHECK_EQ(text_equiv_class(tables, "youssef", 7),
             text_equiv_class(tables, "yusuf", 5));
    CHECK_EQ(text_equiv_class(tables, "hussein", 7),
             text_equiv_class(tables, "huseyin", 7));
    CHECK(text_equiv_class(tables, "hassan", 6) !=
          text_equiv_class(tables, "hussein", 7));
    CHECK(text_commonness(tables, "ali", 3) > 0.5);
    CHECK_EQ(text_particle_role(tables, "abdel", 5), TEXT_ROLE_ABD);
    CHECK_EQ(text_particle_role(tables, "bin", 3), TEXT_ROLE_KIN);
    CHECK_EQ(text_particle_role(tables, "hammouchi", 9), TEXT_ROLE_NONE);
    teardown();
}

TEST(data_dir_tables_are_checked)
{
    char dir[] = "/tmp/liaison-text-XXXXXX", path[256];
    text_tables *t = NULL;
    struct liaison_err err;
    FILE *f;
    CHECK(mkdtemp(dir) != NULL);
    memset(&err, 0, sizeof(err));
    /* A data dir without the tables is an error naming the file. */
    CHECK(text_tables_new(dir, &t, &err) != LIAISON_OK);
    CHECK(t == NULL);
    CHECK(strstr(err.msg, "name_equiv.tsv") != NULL);
    /* A malformed line is an error naming its line. */
    snprintf(path, sizeof(path), "%s/name_equiv.tsv", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("# header\nmohamed\tmuhammad\nbroken-line-without-tab\n", f);
        fclose(f);
    }
    memset(&err, 0, sizeof(err));
    CHECK_EQ(text_tables_new(dir, &t, &err), LIAISON_EFORMAT);
    CHECK_EQ(err.line, 3);
    remove(path);
    rmdir(dir);
}

TEST(long_and_empty_names)
{
    text_name *nm = util_malloc(sizeof(*nm));
    char *big = util_malloc(20000);
    size_t i;
    setup();
    for (i = 0; i + 1 < 20000; i++)
        big[i] = (char)(i % 7 == 6 ? ' ' : 'a' + (int)(i % 26));
    big[19999] = '\0';
    CHECK_EQ(text_name_parse(ctx, big, strlen(big), nm), LIAISON_OK);
    CHECK(nm->npos > 0 && nm->ntoks <= TEXT_MAX_TOKENS);
    CHECK_EQ(text_name_parse(ctx, "", 0, nm), LIAISON_OK);
    CHECK_EQ(nm->ntoks, 0);
    CHECK_EQ(text_name_parse(ctx, " - , ; 123 ", 11, nm), LIAISON_OK);
    CHECK_EQ(nm->ntoks, 0);
    util_free(big);
    util_free(nm);
    teardown();
}

TEST(tables_out_of_memory)
{
    long n;
    int ok = 0;
    for (n = 1; n < 400 && !ok; n += 7) {
        text_tables *t = NULL;
        int rc;
        util_alloc_fail_at(n);
        rc = text_tables_new(NULL, &t, NULL);
        util_alloc_fail_at(0);
        if (rc == LIAISON_OK) {
            ok = 1;
            text_tables_free(t);
        } else {
            CHECK(t == NULL);
        }
    }
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
