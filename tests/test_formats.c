/*
** test_formats.c: tests of the formats module (native JSONL records, OFAC
** SDN CSV, UN consolidated XML, queries, result JSON, dates) and of the
** country tables in util.  Data files are under tests/data/formats (see
** the README there); the full real lists are read from ../shared/data.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "testlib.h"

#define DATA "tests/data/formats/"
#define LIT(s) (s), (sizeof(s) - 1)   /* a literal and its length */

/* ---------------------------------------------------------------- helpers */

/* What a streaming reader delivered: ids and canonical JSON of the
** records, and the errors with their lines. */
#define SINK_MAX 64
struct sink {
    int n;
    char id[SINK_MAX][64];
    char json[SINK_MAX][4096];
    liaison_kind kind[SINK_MAX];
    long persons, entities, names, dobs, docs, nats;
    int nerr;
    long err_line[SINK_MAX];
    int err_code[SINK_MAX];
    char err_msg[SINK_MAX][512];
    int stop_after;             /* non-zero: stop after that many records */
};

static int sink_record(void *ud, const fmt_record *r)
{
    struct sink *s = ud;
    if (r->rec.kind == LIAISON_KIND_PERSON)
        s->persons++;
    if (r->rec.kind == LIAISON_KIND_ENTITY)
        s->entities++;
    s->names += (long)r->rec.n_names;
    s->dobs += (long)r->rec.n_dobs;
    s->docs += (long)r->rec.n_documents;
    s->nats += (long)r->rec.n_nationalities;
    if (s->n < SINK_MAX) {
        util_strlcpy(s->id[s->n], r->rec.id, sizeof(s->id[0]));
        util_strlcpy(s->json[s->n], r->json, sizeof(s->json[0]));
        s->kind[s->n] = r->rec.kind;
    }
    s->n++;
    if (s->stop_after && s->n == s->stop_after)
        return 42;
    return 0;
}

static int sink_error(void *ud, const struct liaison_err *e)
{
    struct sink *s = ud;
    if (s->nerr < SINK_MAX) {
        s->err_line[s->nerr] = e->line;
        s->err_code[s->nerr] = e->code;
        util_strlcpy(s->err_msg[s->nerr], e->msg, sizeof(s->err_msg[0]));
    }
    s->nerr++;
    return 0;
}

static struct sink *sink_new(void)
{
    return calloc(1, sizeof(struct sink));
}

/* The index of the record with this id, or -1. */
static int sink_find(const struct sink *s, const char *id)
{
    int i;
    for (i = 0; i < s->n && i < SINK_MAX; i++)
        if (!strcmp(s->id[i], id))
            return i;
    return -1;
}

/* Does the JSON of record id contain the text want? */
static int json_has(const struct sink *s, const char *id, const char *want)
{
    int i = sink_find(s, id);
    if (i < 0) {
        fprintf(stderr, "record %s not delivered\n", id);
        return 0;
    }
    if (!strstr(s->json[i], want)) {
        fprintf(stderr, "%s: %s\n  lacks %s\n", id, s->json[i], want);
        return 0;
    }
    return 1;
}

static int parse(fmt_record *r, const char *json, struct liaison_err *err)
{
    return fmt_record_from_json(r, json, strlen(json), NULL, err);
}

/* ---------------------------------------------------------------- countries */

/* The stored-JSON view gives the same record as the full parse, without
** the canonical JSON. */
TEST(record_view_matches_parse)
{
    static const char line[] =
        "{\"id\":\"r1\",\"list\":\"wanted\",\"names\":[{\"full\":\"Youssef "
        "BENHADDOU\"},{\"full\":\"Yusuf Ben Haddou\",\"type\":\"alias\"}],"
        "\"dob\":[\"1966\",\"1967-02\"],\"nationalities\":[\"MA\"],"
        "\"documents\":[{\"number\":\"AB1234567\",\"country\":\"MAR\"}],"
        "\"extra\":{\"kept\":true}}";
    fmt_record a, b;
    fmt_record_init(&a);
    fmt_record_init(&b);
    CHECK_EQ(fmt_record_from_json(&a, line, strlen(line), NULL, NULL), 0);
    CHECK_EQ(fmt_record_view(&b, line, strlen(line), NULL), 0);
    CHECK(a.json != NULL);
    CHECK(b.json == NULL);
    CHECK_STR(b.rec.id, a.rec.id);
    CHECK_EQ(b.rec.n_names, 2);
    CHECK_STR(b.rec.names[1].full, "Yusuf Ben Haddou");
    CHECK_EQ(b.rec.n_dobs, 2);
    CHECK_STR(b.rec.nationalities[0], "MAR");
    CHECK_EQ(b.rec.n_documents, 1);
    CHECK_EQ(fmt_record_view(&b, "{\"id\":1}", 8, NULL), LIAISON_EINVAL);
    fmt_record_fini(&a);
    fmt_record_fini(&b);
}

TEST(country_codes)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"MA", "MAR"}, {"ma", "MAR"}, {"MAR", "MAR"}, {"mar", "MAR"},
        {"TR", "TUR"}, {"TUR", "TUR"}, {"Tr", "TUR"}, {"FR", "FRA"},
        {"DE", "DEU"}, {"D", "DEU"}, {"d", "DEU"}, {"GB", "GBR"},
        {"UK", "GBR"}, {"GBD", "GBD"}, {"GBN", "GBN"}, {"GBO", "GBO"},
        {"GBP", "GBP"}, {"GBS", "GBS"}, {"UNO", "UNO"}, {"UNA", "UNA"},
        {"UNK", "UNK"}, {"XXA", "XXA"}, {"XXB", "XXB"}, {"XXC", "XXC"},
        {"XXX", "XXX"}, {"EUE", "EUE"}, {"RKS", "RKS"}, {"XK", "RKS"},
        {"AX", "ALA"}, {"ZW", "ZWE"}, {"PS", "PSE"}, {"SS", "SSD"},
        {"ZZ", NULL}, {"QQ", NULL}, {"", NULL}, {"MARO", NULL},
        {"M4", NULL}, {"ÜR", NULL}, {"ABC", NULL},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        const char *got = util_country_alpha3(cases[i].in);
        if (cases[i].out)
            CHECK_STR(got, cases[i].out);
        else if (got)
            CHECK_STR(cases[i].in, "(should be unknown)");
    }
    CHECK(util_country_alpha3(NULL) == NULL);
}

/* Every ISO alpha-3 code the name table yields is itself accepted. */
TEST(country_names)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Iraq", "IRQ"}, {"IRAQ", "IRQ"}, {"  iraq  ", "IRQ"},
        {"Syrian Arab Republic", "SYR"}, {"Syria", "SYR"},
        {"Morocco", "MAR"}, {"Türkiye", "TUR"}, {"TÜRKIYE", "TUR"},
        {"Turkey", "TUR"}, {"Turkiye", "TUR"}, {"Afghanistan", "AFG"},
        {"Korea, North", "PRK"},
        {"Democratic People's Republic of Korea", "PRK"},
        {"Democratic People\xe2\x80\x99s Republic of Korea", "PRK"},
        {"Korea, South", "KOR"}, {"Republic of Korea", "KOR"},
        {"Iran (Islamic Republic of)", "IRN"}, {"Iran", "IRN"},
        {"United Kingdom of Great Britain and Northern Ireland", "GBR"},
        {"United States of America", "USA"}, {"Russian Federation", "RUS"},
        {"Russia", "RUS"}, {"Burma", "MMR"}, {"Myanmar", "MMR"},
        {"Congo, Democratic Republic of the", "COD"},
        {"Democratic Republic of the Congo", "COD"}, {"Congo", "COG"},
        {"State of Palestine", "PSE"}, {"Palestinian", "PSE"},
        {"Kosovo", "RKS"}, {"Côte d'Ivoire", "CIV"}, {"Cote d'Ivoire", "CIV"},
        {"United Republic of Tanzania", "TZA"}, {"Viet Nam", "VNM"},
        {"Macedonia, The Former Yugoslav Republic of", "MKD"},
        {"The Gambia", "GMB"}, {"Hong Kong", "HKG"}, {"Germany", "DEU"},
        {"Bosnia and Herzegovina", "BIH"}, {"Algeria", "DZA"},
        {"Tunisia", "TUN"}, {"Mauritania", "MRT"}, {"Saudi Arabia", "SAU"},
        {"Atlantis", NULL}, {"former Soviet Union", NULL}, {"", NULL},
        {"na", NULL},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        const char *got = util_country_from_name(cases[i].in);
        if (cases[i].out) {
            CHECK_STR(got, cases[i].out);
            CHECK_STR(util_country_alpha3(got), cases[i].out);
        } else if (got) {
            CHECK_STR(cases[i].in, "(should be unknown)");
        }
    }
    CHECK(util_country_from_name(NULL) == NULL);
}

/* ---------------------------------------------------------------- dates */

TEST(dob_valid)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"1966", 1}, {"1966-07", 1}, {"1966-07-14", 1}, {"2000-02-29", 1},
        {"1960/1962", 1}, {"1960-05/1962-01-31", 1}, {"1960/1960-05", 1},
        {"1900-02-29", 0}, {"1966-13", 0}, {"1966-00", 0},
        {"1966-04-31", 0}, {"1966-7-4", 0}, {"66", 0}, {"", 0},
        {"1966-07-14T00:00", 0}, {"1962/1960", 0}, {"1960/", 0},
        {"/1960", 0}, {"0999", 0}, {"abcd", 0}, {"1960/1961/1962", 0},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        int rc = fmt_dob_valid(cases[i].s);
        if ((rc == LIAISON_OK) != cases[i].ok)
            CHECK_STR(cases[i].s, cases[i].ok ? "(valid)" : "(invalid)");
        CHECK(rc == LIAISON_OK || rc == LIAISON_EINVAL);
    }
    CHECK_EQ(fmt_dob_valid(NULL), LIAISON_EINVAL);
}

/* ---------------------------------------------------------------- records */

static const char example[] =
    "{\"id\":\"ma-dgsn-2024-000123\", \"list\":\"wanted\", \"kind\":\"person\","
    " \"names\":[{\"full\":\"Youssef BENHADDOU\"},"
    " {\"full\":\"Yusuf Ben Haddou\", \"type\":\"alias\"},"
    " {\"full\":\"\xd9\x8a\xd9\x88\xd8\xb3\xd9\x81 \xd8\xa8\xd9\x86\xd8\xad"
    "\xd8\xaf\xd9\x88\", \"type\":\"original\"}],"
    " \"dob\":\"1966\", \"gender\":\"M\", \"nationalities\":[\"MA\"],"
    " \"documents\":[{\"type\":\"passport\",\"number\":\"AB1234567\","
    "\"country\":\"MAR\",\"status\":\"stolen\"}],"
    " \"category\":\"terrorism\", \"sharing\":\"hit\", "
    "\"expires\":\"2027-09-21\"}";

TEST(record_design_example)
{
    fmt_record r;
    struct liaison_err err;
    fmt_record_init(&r);
    CHECK_EQ(parse(&r, example, &err), LIAISON_OK);
    CHECK_STR(r.rec.id, "ma-dgsn-2024-000123");
    CHECK_STR(r.rec.list, "wanted");
    CHECK_EQ(r.rec.kind, LIAISON_KIND_PERSON);
    CHECK_EQ(r.rec.n_names, 3);
    if (r.rec.n_names == 3) {
        CHECK_STR(r.rec.names[0].full, "Youssef BENHADDOU");
        CHECK(r.rec.names[0].type == NULL);
        CHECK_STR(r.rec.names[1].type, "alias");
        CHECK_STR(r.rec.names[2].type, "original");
    }
    CHECK_EQ(r.rec.n_dobs, 1);
    if (r.rec.n_dobs)
        CHECK_STR(r.rec.dobs[0], "1966");
    CHECK_STR(r.rec.gender, "M");
    CHECK_EQ(r.rec.n_nationalities, 1);
    if (r.rec.n_nationalities)
        CHECK_STR(r.rec.nationalities[0], "MAR");
    CHECK_EQ(r.rec.n_documents, 1);
    if (r.rec.n_documents) {
        CHECK_STR(r.rec.documents[0].number, "AB1234567");
        CHECK_STR(r.rec.documents[0].country, "MAR");
        CHECK_STR(r.rec.documents[0].status, "stolen");
        CHECK_STR(r.rec.documents[0].type, "passport");
    }
    CHECK_STR(r.rec.category, "terrorism");
    CHECK_EQ(r.rec.sharing, LIAISON_SHARE_HIT);
    CHECK_STR(r.rec.expires, "2027-09-21");
    CHECK(r.rec.owner == NULL);
    CHECK_STR(r.json,
              "{\"id\":\"ma-dgsn-2024-000123\",\"list\":\"wanted\","
              "\"kind\":\"person\",\"names\":[{\"full\":\"Youssef BENHADDOU\"},"
              "{\"full\":\"Yusuf Ben Haddou\",\"type\":\"alias\"},"
              "{\"full\":\"\xd9\x8a\xd9\x88\xd8\xb3\xd9\x81 \xd8\xa8\xd9\x86"
              "\xd8\xad\xd8\xaf\xd9\x88\",\"type\":\"original\"}],"
              "\"dob\":\"1966\",\"gender\":\"M\",\"nationalities\":[\"MAR\"],"
              "\"documents\":[{\"type\":\"passport\",\"number\":\"AB1234567\","
              "\"country\":\"MAR\",\"status\":\"stolen\"}],"
              "\"category\":\"terrorism\",\"sharing\":\"hit\","
              "\"expires\":\"2027-09-21\"}");
    CHECK_EQ(r.json_len, strlen(r.json));
    CHECK(strchr(r.json, '\n') == NULL);
    fmt_record_fini(&r);
}

/* The canonical JSON parses back to the same canonical JSON. */
TEST(record_canonical_is_stable)
{
    fmt_record r, r2;
    struct liaison_err err;
    fmt_record_init(&r);
    fmt_record_init(&r2);
    CHECK_EQ(parse(&r, example, &err), LIAISON_OK);
    CHECK_EQ(fmt_record_from_json(&r2, r.json, r.json_len, NULL, &err),
             LIAISON_OK);
    CHECK_STR(r2.json, r.json);
    fmt_record_fini(&r);
    fmt_record_fini(&r2);
}

TEST(record_unknown_fields_kept)
{
    fmt_record r;
    struct liaison_err err;
    fmt_record_init(&r);
    CHECK_EQ(parse(&r, "{\"zeta\":1,\"id\":\"x1\",\"list\":\"l\","
                       "\"names\":[{\"full\":\"A B\",\"script\":\"Latn\"}],"
                       "\"documents\":[{\"number\":\"N1\",\"country\":\"tr\","
                       "\"issued\":\"2019-01-02\"}],"
                       "\"photo\":{\"sha256\":\"ab\",\"n\":[1,2.5,null,true]},"
                       "\"alpha\":\"\xc3\xa7\"}", &err),
             LIAISON_OK);
    CHECK_STR(r.json,
              "{\"id\":\"x1\",\"list\":\"l\",\"kind\":\"person\","
              "\"names\":[{\"full\":\"A B\",\"script\":\"Latn\"}],"
              "\"documents\":[{\"number\":\"N1\",\"country\":\"TUR\","
              "\"issued\":\"2019-01-02\"}],\"sharing\":\"hit\",\"zeta\":1,"
              "\"photo\":{\"sha256\":\"ab\",\"n\":[1,2.5,null,true]},"
              "\"alpha\":\"\xc3\xa7\"}");
    fmt_record_fini(&r);
}

TEST(record_normalises)
{
    fmt_record r;
    struct liaison_err err;
    fmt_record_init(&r);
    CHECK_EQ(parse(&r, "{\"id\":\"v1\",\"list\":\"stolen\",\"kind\":\"vehicle\","
                       "\"plate\":\"34 ABC 123\",\"country\":\"tr\","
                       "\"gender\":\"female\",\"nationalities\":\"D\","
                       "\"dob\":[\"1960/1962\",\"1971-02\"],"
                       "\"sharing\":\"details\",\"owner\":\"tr-egm\"}", &err),
             LIAISON_OK);
    CHECK_EQ(r.rec.kind, LIAISON_KIND_VEHICLE);
    CHECK_STR(r.rec.plate, "34 ABC 123");
    CHECK_STR(r.rec.plate_country, "TUR");
    CHECK(r.rec.vin == NULL);
    CHECK_STR(r.rec.gender, "F");
    CHECK_EQ(r.rec.n_nationalities, 1);
    if (r.rec.n_nationalities)
        CHECK_STR(r.rec.nationalities[0], "DEU");
    CHECK_EQ(r.rec.n_dobs, 2);
    if (r.rec.n_dobs == 2)
        CHECK_STR(r.rec.dobs[0], "1960/1962");
    CHECK_EQ(r.rec.sharing, LIAISON_SHARE_DETAILS);
    CHECK_STR(r.rec.owner, "tr-egm");
    CHECK(strstr(r.json, "\"country\":\"TUR\"") != NULL);
    CHECK(strstr(r.json, "\"nationalities\":[\"DEU\"]") != NULL);
    CHECK(strstr(r.json, "\"gender\":\"F\"") != NULL);

    /* A document record with its document at the top level. */
    CHECK_EQ(parse(&r, "{\"id\":\"d1\",\"list\":\"sltd\",\"kind\":\"document\","
                       "\"number\":\"ZX0001234\",\"type\":\"passport\","
                       "\"country\":\"MA\",\"status\":\"lost\"}", &err),
             LIAISON_OK);
    CHECK_EQ(r.rec.n_documents, 1);
    if (r.rec.n_documents) {
        CHECK_STR(r.rec.documents[0].number, "ZX0001234");
        CHECK_STR(r.rec.documents[0].country, "MAR");
        CHECK_STR(r.rec.documents[0].status, "lost");
    }
    CHECK(r.rec.plate_country == NULL);

    /* The default list, and the record's list. */
    CHECK_EQ(fmt_record_from_json(&r, LIT("{\"id\":\"p\",\"names\":[\"Ali\"]}"),
                                  "dflt", &err), LIAISON_OK);
    CHECK_STR(r.rec.list, "dflt");
    CHECK_STR(r.rec.names[0].full, "Ali");
    CHECK_EQ(fmt_record_from_json(&r, LIT("{\"id\":\"p\",\"list\":\"own\","
                                      "\"names\":[\"Ali\"]}"), "dflt",
                                  &err), LIAISON_OK);
    CHECK_STR(r.rec.list, "own");
    fmt_record_fini(&r);
}

TEST(record_errors)
{
    static const struct {
        const char *json;
        int code;
        const char *msg;        /* a part of the message */
    } cases[] = {
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":", LIAISON_EFORMAT,
         "invalid JSON"},
        {"[1,2]", LIAISON_EFORMAT, "not a JSON object"},
        {"{\"list\":\"l\",\"names\":[\"A\"]}", LIAISON_EINVAL, "missing \"id\""},
        {"{\"id\":\"\",\"list\":\"l\",\"names\":[\"A\"]}", LIAISON_EINVAL,
         "\"id\""},
        {"{\"id\":7,\"list\":\"l\",\"names\":[\"A\"]}", LIAISON_EINVAL, "\"id\""},
        {"{\"id\":\"a\",\"names\":[\"A\"]}", LIAISON_EINVAL, "missing \"list\""},
        {"{\"id\":\"a\",\"list\":\"l\"}", LIAISON_EINVAL, "at least one name"},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[]}", LIAISON_EINVAL,
         "at least one name"},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"type\":\"alias\"}]}",
         LIAISON_EINVAL, "\"names\"[0]"},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":\"  \"}]}",
         LIAISON_EINVAL, "\"names\"[0]"},
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"ship\",\"names\":[\"A\"]}",
         LIAISON_EINVAL, "\"kind\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],\"dob\":\"1966-13\"}",
         LIAISON_EINVAL, "\"dob\": invalid date \"1966-13\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],\"dob\":1966}",
         LIAISON_EINVAL, "\"dob\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],\"gender\":\"Q\"}",
         LIAISON_EINVAL, "\"gender\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],"
         "\"nationalities\":[\"MA\",\"QQ\"]}",
         LIAISON_EINVAL, "\"nationalities\"[1]: unknown country code \"QQ\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],"
         "\"documents\":[{\"number\":\"1\",\"country\":\"XYZ\"}]}",
         LIAISON_EINVAL, "\"documents\"[0]: unknown country code \"XYZ\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],"
         "\"documents\":[{\"type\":\"passport\"}]}",
         LIAISON_EINVAL, "\"documents\"[0] needs a \"number\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],\"sharing\":\"all\"}",
         LIAISON_EINVAL, "\"sharing\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"],"
         "\"expires\":\"2027-02-30\"}", LIAISON_EINVAL, "\"expires\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"vehicle\"}", LIAISON_EINVAL,
         "\"vin\" or \"plate\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"document\"}", LIAISON_EINVAL,
         "\"documents\" or a \"number\""},
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"vehicle\",\"vin\":"
         "\"WVWZZZ1JZXW000001\",\"country\":\"ZZ\"}", LIAISON_EINVAL,
         "\"country\""},
        /* ISO 3779: not a VIN; a North American check digit that fails */
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"vehicle\",\"vin\":\"V\"}",
         LIAISON_EINVAL, "not a VIN"},
        {"{\"id\":\"a\",\"list\":\"l\",\"kind\":\"vehicle\",\"vin\":"
         "\"1M8GDM9A1KP042788\"}", LIAISON_EINVAL, "expected 'X'"},
        {"{\"id\":\"a\",\"id\":\"b\",\"list\":\"l\",\"names\":[\"A\"]}",
         LIAISON_EFORMAT, "duplicate"},
        {"{\"id\":\"a\\u0000b\",\"list\":\"l\",\"names\":[\"A\"]}",
         LIAISON_EFORMAT, "invalid JSON"},
        {"{\"id\":\"a\nb\",\"list\":\"l\",\"names\":[\"A\"]}", LIAISON_EFORMAT,
         "invalid JSON"},
        {"{\"id\":\"a\\nb\",\"list\":\"l\",\"names\":[\"A\"]}", LIAISON_EINVAL,
         "control character"},
        {"", LIAISON_EFORMAT, "invalid JSON"},
    };
    fmt_record r;
    size_t i;
    fmt_record_init(&r);
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        struct liaison_err err;
        int rc;
        memset(&err, 0, sizeof(err));
        rc = parse(&r, cases[i].json, &err);
        if (rc != cases[i].code || err.code != rc ||
            !strstr(err.msg, cases[i].msg)) {
            fprintf(stderr, "case %zu: %s\n  rc %d, message \"%s\"\n", i,
                    cases[i].json, rc, err.msg);
            CHECK_EQ(rc, cases[i].code);
            CHECK(strstr(err.msg, cases[i].msg) != NULL);
        }
        /* A failed parse leaves the record reset. */
        CHECK(r.rec.id == NULL && r.json == NULL && r.rec.n_names == 0);
    }
    /* err may be NULL. */
    CHECK_EQ(parse(&r, "{", NULL), LIAISON_EFORMAT);
    fmt_record_fini(&r);
}

TEST(record_invalid_utf8)
{
    static const char *const bad[] = {
        "{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":\"Caf\xe9\"}]}",
        "{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":\"\xc3\"}]}",
        "{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":\"\xed\xa0\x80\"}]}",
        "{\"id\":\"a\",\"list\":\"l\",\"names\":[{\"full\":\"\xc0\xaf\"}]}",
        "{\"id\":\"a\",\"list\":\"l\",\"names\":[\"x\"],\"k\xff\":1}",
    };
    fmt_record r;
    size_t i;
    fmt_record_init(&r);
    for (i = 0; i < UTIL_ARRAY_LEN(bad); i++) {
        struct liaison_err err;
        memset(&err, 0, sizeof(err));
        CHECK_EQ(parse(&r, bad[i], &err), LIAISON_EUTF8);
        CHECK_EQ(err.code, LIAISON_EUTF8);
        CHECK(strstr(err.msg, "UTF-8") != NULL);
        CHECK(err.col > 0);
    }
    fmt_record_fini(&r);
}

TEST(record_too_big)
{
    size_t n = FMT_LINE_MAX + 100;
    char *big = malloc(n + 1);
    fmt_record r;
    struct liaison_err err;
    memset(big, ' ', n);
    memcpy(big, LIT("{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"]}"));
    big[n] = '\0';
    fmt_record_init(&r);
    CHECK_EQ(fmt_record_from_json(&r, big, n, NULL, &err), LIAISON_ETOOBIG);
    CHECK(strstr(err.msg, "too large") != NULL);
    /* Just under the cap is fine. */
    CHECK_EQ(fmt_record_from_json(&r, big, FMT_LINE_MAX, NULL, &err),
             LIAISON_OK);
    fmt_record_fini(&r);
    free(big);
}

/* Out of memory at every allocation: a clean error, nothing leaked. */
TEST(record_oom)
{
    fmt_record r;
    long n;
    int ok = 0;
    for (n = 1; n < 200 && !ok; n++) {
        struct liaison_err err;
        int rc;
        fmt_record_init(&r);
        util_alloc_fail_at(n);
        rc = parse(&r, example, &err);
        util_alloc_fail_at(0);
        CHECK(rc == LIAISON_OK || rc == LIAISON_ENOMEM);
        if (rc == LIAISON_OK) {
            ok = 1;
            CHECK_STR(r.rec.id, "ma-dgsn-2024-000123");
        } else {
            CHECK(r.json == NULL);
        }
        fmt_record_fini(&r);
    }
    CHECK(ok);
    CHECK(n > 2);               /* at least one allocation did fail */
}

/* Every reader under allocation failure: LIAISON_OK or LIAISON_ENOMEM,
** never a crash, nothing leaked (the harness counts). */
TEST(readers_oom)
{
    static const struct {
        fmt_kind kind;
        const char *path;
    } files[] = {
        {FMT_JSONL, DATA "records.jsonl"},
        {FMT_OFAC_CSV, DATA "ofac/sdn.csv"},
        {FMT_UN_XML, DATA "un_excerpt.xml"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(files); i++) {
        long n;
        int done = 0;
        for (n = 1; n < 5000 && !done; n++) {
            struct sink *s = sink_new();
            struct liaison_err err;
            int rc;
            util_alloc_fail_at(n);
            rc = fmt_read_file(files[i].kind, files[i].path, NULL, sink_record,
                               sink_error, s, &err);
            util_alloc_fail_at(0);
            if (rc != LIAISON_OK && rc != LIAISON_ENOMEM) {
                fprintf(stderr, "%s, allocation %ld: rc %d %s\n",
                        files[i].path, n, rc, err.msg);
                CHECK(0);
                done = 1;
            }
            /* Success must be complete: nothing dropped silently.  Once
            ** n passes the number of allocations the loop is over. */
            if (rc == LIAISON_OK) {
                CHECK_EQ(s->n, i == 1 ? 12 : 4);
                CHECK_EQ(s->nerr, i == 0 ? 4 : 0);
                done = 1;
            }
            free(s);
        }
        CHECK(done);
        CHECK(n > 2);
    }
}

/* "-" reads standard input. */
TEST(jsonl_stdin)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    FILE *f = freopen(DATA "records.jsonl", "rb", stdin);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ(fmt_read_file(FMT_UNKNOWN, "-", NULL, sink_record,
                               sink_error, s, &err), LIAISON_OK);
        CHECK_EQ(s->n, 4);
        CHECK_EQ(s->nerr, 4);
    }
    free(s);
}

/* ---------------------------------------------------------------- JSONL */

TEST(jsonl_bad_lines_reported)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_JSONL, DATA "records.jsonl", NULL, sink_record,
                           sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 4);
    CHECK_STR(s->id[0], "ma-dgsn-2024-000123");
    CHECK_STR(s->id[1], "tr-egm-veh-77");
    CHECK_STR(s->id[2], "ma-doc-9");
    CHECK_STR(s->id[3], "un-ent-1");
    CHECK(json_has(s, "ma-dgsn-2024-000123",
                   "\"case_ref\":{\"unit\":\"BNPJ\",\"year\":2024}"));
    CHECK(json_has(s, "tr-egm-veh-77", "\"country\":\"TUR\""));
    CHECK_EQ(s->nerr, 4);
    CHECK_EQ(s->err_line[0], 4);
    CHECK_EQ(s->err_code[0], LIAISON_EFORMAT);
    CHECK(!strncmp(s->err_msg[0], "line 4: invalid JSON: ", 22));
    CHECK_EQ(s->err_line[1], 5);
    CHECK_STR(s->err_msg[1], "line 5: missing \"id\"");
    CHECK_EQ(s->err_line[2], 6);
    CHECK_EQ(s->err_code[2], LIAISON_EUTF8);
    CHECK(!strncmp(s->err_msg[2], "line 6: invalid UTF-8", 21));
    CHECK_EQ(s->err_line[3], 9);
    CHECK(strstr(s->err_msg[3], "line 9: \"nationalities\"[1]") != NULL);
    free(s);
}

TEST(jsonl_list_override_and_stop)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, DATA "records.jsonl", "imported",
                           sink_record, NULL, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 4);
    CHECK(json_has(s, "tr-egm-veh-77", "\"list\":\"imported\""));
    CHECK(json_has(s, "un-ent-1", "\"list\":\"imported\""));
    memset(s, 0, sizeof(*s));
    s->stop_after = 2;
    CHECK_EQ(fmt_read_file(FMT_JSONL, DATA "records.jsonl", NULL, sink_record,
                           sink_error, s, &err), 42);
    CHECK_EQ(s->n, 2);
    CHECK_EQ(s->nerr, 0);
    free(s);
}

TEST(jsonl_from_memory)
{
    static const char text[] =
        "\xEF\xBB\xBF{\"id\":\"a\",\"list\":\"l\",\"names\":[\"A\"]}\r\n"
        "\r\n"
        "{\"id\":\"b\",\"list\":\"l\",\"names\":[\"B\"]}\n"
        "{\"id\":\"c\",\"list\":\"l\",\"names\":[\"C\"]}\0garbage\n"
        "{\"id\":\"d\",\"list\":\"l\",\"names\":[\"D\"]}";
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_mem(FMT_UNKNOWN, text, sizeof(text) - 1, NULL,
                          sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 3);
    CHECK_STR(s->id[0], "a");
    CHECK_STR(s->id[1], "b");
    CHECK_STR(s->id[2], "d");
    /* The NUL in line 4 makes it bad, not a shorter good record. */
    CHECK_EQ(s->nerr, 1);
    CHECK_EQ(s->err_line[0], 4);
    free(s);
}

TEST(jsonl_long_line)
{
    size_t n = FMT_LINE_MAX + 10, pos;
    char *text = malloc(n + 200);
    struct sink *s = sink_new();
    struct liaison_err err;
    memset(text, 'x', n + 200);
    text[0] = '"';
    text[n] = '\n';
    pos = n + 1;
    memcpy(text + pos,
           LIT("{\"id\":\"after\",\"list\":\"l\",\"names\":[\"A\"]}\n"));
    pos += strlen("{\"id\":\"after\",\"list\":\"l\",\"names\":[\"A\"]}\n");
    CHECK_EQ(fmt_read_mem(FMT_JSONL, text, pos, NULL, sink_record, sink_error,
                          s, &err), LIAISON_OK);
    CHECK_EQ(s->nerr, 1);
    CHECK_EQ(s->err_code[0], LIAISON_ETOOBIG);
    CHECK_EQ(s->err_line[0], 1);
    CHECK_EQ(s->n, 1);
    CHECK_STR(s->id[0], "after");
    free(text);
    free(s);
}

TEST(read_file_errors)
{
    struct liaison_err err;
    memset(&err, 0, sizeof(err));
    CHECK_EQ(fmt_read_file(FMT_JSONL, DATA "no-such-file.jsonl", NULL, NULL,
                           NULL, NULL, &err), LIAISON_EIO);
    CHECK(strstr(err.msg, "no-such-file.jsonl") != NULL);
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, DATA "README.md", NULL, NULL, NULL,
                           NULL, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "unknown format") != NULL);
}

/* ---------------------------------------------------------------- OFAC */

TEST(ofac_sample_rows)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_OFAC_CSV, DATA "ofac/sdn.csv", NULL,
                           sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 12);
    CHECK_EQ(s->nerr, 0);
    CHECK_EQ(s->persons, 9);
    CHECK_STR(s->id[0], "ofac-36");
    /* Entity with alias (alt.csv) and address (add.csv). */
    CHECK(json_has(s, "ofac-36", "\"list\":\"ofac-sdn\",\"kind\":\"entity\","
                   "\"names\":[{\"full\":\"AEROCARIBBEAN AIRLINES\"},"
                   "{\"full\":\"AERO-CARIBBEAN\",\"type\":\"alias\"}]"));
    CHECK(json_has(s, "ofac-36", "\"addresses\":[{\"city\":\"Havana\","
                   "\"country\":\"Cuba\"}]"));
    CHECK(json_has(s, "ofac-36", "\"programs\":[\"CUBA\"]"));
    CHECK(json_has(s, "ofac-36", "\"category\":\"sanctions\""));
    /* A weak alias from the remarks. */
    CHECK(json_has(s, "ofac-306", "{\"full\":\"BNC\",\"type\":\"low\"}"));
    /* DOB, passports with and without a country, programs. */
    CHECK(json_has(s, "ofac-2676", "\"dob\":\"1951-06-19\""));
    CHECK(json_has(s, "ofac-2676",
                   "\"documents\":[{\"type\":\"passport\",\"number\":\"1084010\","
                   "\"country\":\"EGY\"},{\"type\":\"passport\","
                   "\"number\":\"19820215\"}]"));
    CHECK(json_has(s, "ofac-2686", "\"dob\":[\"1960-08-31\",\"1953-08-31\","
                   "\"1955-08-31\",\"1958-08-31\"],\"gender\":\"M\""));
    CHECK(json_has(s, "ofac-2686", "\"programs\":[\"SDGT\",\"SYRIA\"]"));
    CHECK(json_has(s, "ofac-2686", "\"number\":\"042833\",\"country\":\"LBN\""));
    /* A vessel stays an entity with its type kept. */
    CHECK(json_has(s, "ofac-4234", "\"kind\":\"entity\""));
    CHECK(json_has(s, "ofac-4234", "\"ofac_type\":\"vessel\""));
    CHECK(json_has(s, "ofac-4234", "\"call_sign\":\"CL2685\""));
    /* nationality, DOB circa, DOB range. */
    CHECK(json_has(s, "ofac-7266", "\"nationalities\":[\"MAR\"]"));
    CHECK(json_has(s, "ofac-7846", "\"dob\":\"1957\",\"nationalities\":[\"IRQ\"]"));
    CHECK(json_has(s, "ofac-15496", "\"dob\":\"1929/1930\""));
    /* Gender Female, passport and national ID of Turkey. */
    CHECK(json_has(s, "ofac-24521", "\"gender\":\"F\",\"nationalities\":"
                   "[\"TUR\"],\"documents\":[{\"type\":\"passport\","
                   "\"number\":\"791029\",\"country\":\"TUR\"},"
                   "{\"type\":\"national-id\",\"number\":\"27224237098\","
                   "\"country\":\"TUR\"}]"));
    CHECK(json_has(s, "ofac-24521", "\"remarks\":\"DOB 15 Sep 1975; POB "
                   "Karabuk"));
    CHECK(json_has(s, "ofac-23649", "{\"full\":\"SU, Madame\",\"type\":\"low\"}"));
    free(s);
}

/* The liaison_record view of an OFAC entry. */
static int check_2676(void *ud, const fmt_record *r)
{
    int *seen = ud;
    if (strcmp(r->rec.id, "ofac-2676"))
        return 0;
    (*seen)++;
    CHECK_EQ(r->rec.kind, LIAISON_KIND_PERSON);
    CHECK_STR(r->rec.list, "sdn-test");
    CHECK_EQ(r->rec.n_names, 4);
    CHECK_STR(r->rec.names[0].full, "AL ZAWAHIRI, Dr. Ayman");
    CHECK_STR(r->rec.names[1].type, "alias");
    CHECK_EQ(r->rec.n_dobs, 1);
    CHECK_EQ(r->rec.n_documents, 2);
    if (r->rec.n_documents == 2) {
        CHECK_STR(r->rec.documents[0].country, "EGY");
        CHECK(r->rec.documents[1].country == NULL);
    }
    CHECK_STR(r->rec.category, "sanctions");
    return 0;
}

TEST(ofac_record_view)
{
    int seen = 0;
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, DATA "ofac/sdn.csv", "sdn-test",
                           check_2676, NULL, &seen, &err), LIAISON_OK);
    CHECK_EQ(seen, 1);
}

TEST(ofac_truncated_csv)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_OFAC_CSV, DATA "ofac_truncated/sdn.csv", NULL,
                           sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 3);
    CHECK(sink_find(s, "ofac-2674") >= 0);
    CHECK(sink_find(s, "ofac-2676") >= 0);
    CHECK(sink_find(s, "ofac-7266") >= 0);
    CHECK(sink_find(s, "ofac-2677") < 0);
    CHECK(sink_find(s, "ofac-2686") < 0);
    CHECK_EQ(s->nerr, 3);
    CHECK_EQ(s->err_line[0], 3);
    CHECK_STR(s->err_msg[0], "sdn.csv line 3: expected 12 fields, found 4");
    CHECK_EQ(s->err_line[1], 5);
    CHECK(strstr(s->err_msg[1], "sdn.csv line 5: unterminated quoted") != NULL);
    /* alt.csv: a row for an entry that is not there. */
    CHECK_EQ(s->err_line[2], 5);
    CHECK(strstr(s->err_msg[2], "alt.csv line 5: no entry 99999999") != NULL);
    /* The aliases that do belong are there. */
    CHECK(json_has(s, "ofac-2674", "\"ZAYDAN, Muhammad\""));
    free(s);
}

TEST(ofac_in_memory)
{
    /* Latin-1 name, "" escapes, LF only, Ctrl-Z, a weak alt alias. */
    static const char sdn[] =
        "100,\"M\xdcLLER, J\xfcrgen \"\"Jo\"\"\",\"individual\",\"SDGT\","
        "-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB Mar 1961; citizen "
        "Germany; National ID No. 123-45 (Germany); alt. DOB circa "
        "1958-1960; Passport X1.\"\n"
        "101,\"ACME\",-0- ,\"IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
        "\x1a";
    static const char alt[] = "100,1,\"aka\",\"JOJO\",\"weak\"\n"
                              "101,2,\"fka\",\"ACME OLD\",-0- \n"
                              "101,2,\"nka\",\"ACME NEW\",-0- \n";
    static const char add[] = "101,1,\"Str. 1\",-0- ,\"Iran\",-0- \n"
                              "102,1,\"Nowhere\",-0- ,-0- ,-0- \n";
    fmt_ofac_files in;
    struct sink *s = sink_new();
    struct liaison_err err;
    memset(&in, 0, sizeof(in));
    in.sdn = sdn;
    in.sdn_len = sizeof(sdn) - 1;
    in.alt = alt;
    in.alt_len = sizeof(alt) - 1;
    in.add = add;
    in.add_len = sizeof(add) - 1;
    in.list = "test-list";
    CHECK_EQ(fmt_ofac_read_mem(&in, NULL, sink_record, sink_error, s, &err),
             LIAISON_OK);
    CHECK_EQ(s->n, 2);
    CHECK(json_has(s, "ofac-100", "\"list\":\"test-list\""));
    CHECK(json_has(s, "ofac-100",
                   "{\"full\":\"M\xc3\x9cLLER, J\xc3\xbcrgen \\\"Jo\\\"\"},"
                   "{\"full\":\"JOJO\",\"type\":\"low\"}"));
    CHECK(json_has(s, "ofac-100", "\"dob\":[\"1961-03\",\"1958/1960\"]"));
    CHECK(json_has(s, "ofac-100", "\"nationalities\":[\"DEU\"]"));
    CHECK(json_has(s, "ofac-100", "{\"type\":\"national-id\",\"number\":"
                   "\"123-45\",\"country\":\"DEU\"},{\"type\":\"passport\","
                   "\"number\":\"X1\"}"));
    CHECK(json_has(s, "ofac-101", "\"kind\":\"entity\""));
    CHECK(json_has(s, "ofac-101", "{\"full\":\"ACME OLD\",\"type\":\"fka\"},"
                   "{\"full\":\"ACME NEW\",\"type\":\"nka\"}"));
    CHECK(json_has(s, "ofac-101", "\"addresses\":[{\"address\":\"Str. 1\","
                   "\"country\":\"Iran\"}]"));
    CHECK_EQ(s->nerr, 1);
    CHECK_EQ(s->err_line[0], 2);
    CHECK(strstr(s->err_msg[0], "add.csv line 2: no entry 102") != NULL);
    free(s);
}

TEST(ofac_bad_rows)
{
    static const char sdn[] =
        "abc,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "5,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "6,\"A\"x,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "7,\"SEVEN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "7,\"SEVEN AGAIN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "8,\"EIGHT\",\"individual\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
        "\"DOB 31 Feb 1970; nationality Atlantis\"\r\n";
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_mem(FMT_OFAC_CSV, sdn, sizeof(sdn) - 1, NULL,
                          sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 2);
    CHECK_STR(s->id[0], "ofac-7");
    CHECK(json_has(s, "ofac-7", "\"SEVEN\""));
    /* An impossible date is left out; an unknown country kept as text. */
    CHECK(json_has(s, "ofac-8", "\"nationality_text\":[\"Atlantis\"]"));
    CHECK(strstr(s->json[1], "\"dob\"") == NULL);
    CHECK_EQ(s->nerr, 4);
    CHECK_EQ(s->err_line[0], 1);
    CHECK(strstr(s->err_msg[0], "ent_num") != NULL);
    CHECK_EQ(s->err_line[1], 2);
    CHECK(strstr(s->err_msg[1], "no name") != NULL);
    CHECK_EQ(s->err_line[2], 3);
    CHECK(strstr(s->err_msg[2], "after the closing quote") != NULL);
    CHECK_EQ(s->err_line[3], 5);
    CHECK(strstr(s->err_msg[3], "appears twice") != NULL);
    free(s);
}

TEST(ofac_remarks_english_dates)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"1962", "1962"}, {"14 Jul 1966", "1966-07-14"}, {"Jul 1966", "1966-07"},
        {"4 Jul 1966", "1966-07-04"}, {"circa 1960", "1960"},
        {"circa 14 Jul 1966", "1966-07-14"}, {"1960 to 1962", "1960/1962"},
        {"14 Jan 1960 to 14 Dec 1962", "1960-01-14/1962-12-14"},
        {"Mar 1960 to Feb 1962", "1960-03/1962-02"},
        {"circa 1960-1962", "1960/1962"}, {"01 September 1977", "1977-09-01"},
        {"31 Feb 1970", NULL}, {"1962 to 1960", NULL}, {"", NULL},
        {"circa", NULL}, {"Jul", NULL}, {"14 Foo 1966", NULL},
        {"123 Jul 1966", NULL}, {"1966-1960", NULL},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        fmt_ofac_files in;
        char row[256];
        struct sink *s = sink_new();
        snprintf(row, sizeof(row), "1,\"A\",\"individual\",-0- ,-0- ,-0- ,"
                 "-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB %s\"\n", cases[i].in);
        memset(&in, 0, sizeof(in));
        in.sdn = row;
        in.sdn_len = strlen(row);
        CHECK_EQ(fmt_ofac_read_mem(&in, NULL, sink_record, NULL, s, NULL), 0);
        CHECK_EQ(s->n, 1);
        if (cases[i].out) {
            char want[64];
            snprintf(want, sizeof(want), "\"dob\":\"%s\"", cases[i].out);
            if (!strstr(s->json[0], want))
                CHECK_STR(s->json[0], want);
        } else if (strstr(s->json[0], "\"dob\"")) {
            CHECK_STR(s->json[0], "(no dob)");
        }
        free(s);
    }
}

/* ---------------------------------------------------------------- UN XML */

TEST(unxml_excerpt)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, DATA "un_excerpt.xml", NULL,
                           sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->nerr, 0);
    CHECK_EQ(s->n, 4);
    CHECK_EQ(s->persons, 3);
    CHECK_EQ(s->entities, 1);
    CHECK_STR(s->id[0], "un-QDi.082");
    CHECK(json_has(s, "un-QDi.082", "\"list\":\"un-sc\",\"kind\":\"person\","
                   "\"names\":[{\"full\":\"MOUNIR EL MOTASSADEQ\"},"
                   "{\"full\":\"\xd9\x85\xd9\x86\xd9\x8a\xd8\xb1 \xd8\xa7\xd9\x84"
                   "\xd9\x85\xd8\xaa\xd8\xb5\xd8\xaf\xd9\x82\",\"type\":"
                   "\"original\"},{\"full\":\"Mounir el Moutassadeq\","
                   "\"type\":\"alias\"}]"));
    CHECK(json_has(s, "un-QDi.082", "\"dob\":\"1974-04-03\","
                   "\"nationalities\":[\"MAR\"]"));
    CHECK(json_has(s, "un-QDi.082", "{\"type\":\"passport\",\"type_text\":"
                   "\"Passport\",\"number\":\"H 236483\",\"country\":\"MAR\"}"));
    CHECK(json_has(s, "un-QDi.082", "\"type\":\"national-id\""));
    CHECK(json_has(s, "un-QDi.082", "\"un_list_type\":\"Al-Qaida\""));
    CHECK(json_has(s, "un-QDi.082", "\"listed_on\":\"2002-09-30\""));
    CHECK(json_has(s, "un-QDi.082", "\"comments\":\"Arrested on 28 Nov. 2001"));
    CHECK(json_has(s, "un-KPi.066", "\"dob\":\"1967/1969\""));
    CHECK(json_has(s, "un-KPi.066", "\"nationalities\":[\"PRK\"]"));
    CHECK(json_has(s, "un-QDi.428", "\"gender\":\"M\""));
    CHECK(json_has(s, "un-QDi.428", "\"nationalities\":[\"SYR\"]"));
    CHECK(json_has(s, "un-QDi.428", "\"type\":\"low\""));
    /* The trailing blank of the Arabic name is gone. */
    CHECK(json_has(s, "un-QDi.428", "\xd8\xb2\xd9\x8a\xd9\x86\xd9\x8a\xd9\x87\","
                   "\"type\":\"original\""));
    CHECK(json_has(s, "un-CDe.001", "\"kind\":\"entity\""));
    CHECK(json_has(s, "un-CDe.001", "{\"full\":\"ADF/NALU\",\"type\":\"fka\"}"));
    CHECK(json_has(s, "un-CDe.001", "{\"full\":\"Allied Democratic Forces\","
                   "\"type\":\"alias\"}"));
    free(s);
}

static int check_qdi082(void *ud, const fmt_record *r)
{
    int *seen = ud;
    if (strcmp(r->rec.id, "un-QDi.082"))
        return 0;
    (*seen)++;
    CHECK_STR(r->rec.list, "un-test");
    CHECK_EQ(r->rec.n_names, 3);
    CHECK_STR(r->rec.names[1].type, "original");
    CHECK_EQ(r->rec.n_documents, 2);
    if (r->rec.n_documents == 2) {
        CHECK_STR(r->rec.documents[0].number, "H 236483");
        CHECK_STR(r->rec.documents[0].country, "MAR");
        CHECK_STR(r->rec.documents[1].type, "national-id");
    }
    CHECK_EQ(r->rec.n_nationalities, 1);
    return 0;
}

TEST(unxml_record_view)
{
    int seen = 0;
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UN_XML, DATA "un_excerpt.xml", "un-test",
                           check_qdi082, NULL, &seen, &err), LIAISON_OK);
    CHECK_EQ(seen, 1);
}

TEST(unxml_bad_entries)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UN_XML, DATA "un_bad_entries.xml", NULL,
                           sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 2);
    CHECK(json_has(s, "un-CDi.001", "\"dob\":\"1971\",\"nationalities\":"
                   "[\"COD\"]"));
    CHECK(json_has(s, "un-CDe.002", "\"nationality_text\":[\"Atlantis\"]"));
    CHECK_EQ(s->nerr, 2);
    CHECK_EQ(s->err_line[0], 17);
    CHECK(strstr(s->err_msg[0], "line 17: INDIVIDUAL un-XXi.002") != NULL);
    CHECK(strstr(s->err_msg[0], "name") != NULL);
    CHECK_EQ(s->err_line[1], 21);
    CHECK(strstr(s->err_msg[1], "REFERENCE_NUMBER") != NULL);
    free(s);
}

TEST(unxml_refused)
{
    static const struct {
        const char *file;
        long line;
        const char *msg;
    } cases[] = {
        {"un_not_un.xml", 2,
         "not a UN consolidated list (root element sdnList)"},
        {"un_malformed.xml", 10, "malformed XML at line 10"},
        {"un_xxe.xml", 1, "DTD"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char path[256];
        struct sink *s = sink_new();
        struct liaison_err err;
        memset(&err, 0, sizeof(err));
        snprintf(path, sizeof(path), DATA "%s", cases[i].file);
        CHECK_EQ(fmt_read_file(FMT_UNKNOWN, path, NULL, sink_record,
                               sink_error, s, &err), LIAISON_EFORMAT);
        CHECK_EQ(err.code, LIAISON_EFORMAT);
        CHECK_EQ(err.line, cases[i].line);
        if (!strstr(err.msg, cases[i].msg))
            CHECK_STR(err.msg, cases[i].msg);
        CHECK_EQ(s->n, 0);
        free(s);
    }
}

/* ---------------------------------------------------------------- detect */

TEST(detect_formats)
{
    static const struct {
        const char *path, *head;
        fmt_kind want;
    } cases[] = {
        {"x.jsonl", "{\"id\":1}", FMT_JSONL},
        {"x.json", "", FMT_JSONL},
        {"x.txt", "  \n{\"id\":1}", FMT_JSONL},
        {"x", "\xEF\xBB\xBF{", FMT_JSONL},
        {"list.xml", "<?xml version=\"1.0\"?>", FMT_UN_XML},
        {"list.XML", "", FMT_UN_XML},
        {"-", "<CONSOLIDATED_LIST>", FMT_UN_XML},
        {"sdn.csv", "36,\"AEROCARIBBEAN AIRLINES\",-0- ", FMT_OFAC_CSV},
        {"SDN.CSV", "36,\"A\"", FMT_OFAC_CSV},
        {NULL, "306,\"BANCO\"", FMT_OFAC_CSV},
        {"people.csv", "name,dob\nAli,1970", FMT_UNKNOWN},
        {"notes.txt", "hello", FMT_UNKNOWN},
        {"x.jsonl", "<a/>", FMT_UN_XML},
        {NULL, "", FMT_UNKNOWN},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        fmt_kind k = fmt_detect(cases[i].path, cases[i].head,
                                strlen(cases[i].head));
        if (k != cases[i].want) {
            fprintf(stderr, "detect case %zu (%s)\n", i,
                    cases[i].path ? cases[i].path : "NULL");
            CHECK_EQ(k, cases[i].want);
        }
    }
}

TEST(kind_names)
{
    fmt_kind k;
    CHECK_EQ(fmt_kind_from_name("auto"), FMT_UNKNOWN);
    CHECK_EQ(fmt_kind_from_name("jsonl"), FMT_JSONL);
    CHECK_EQ(fmt_kind_from_name("ofac-csv"), FMT_OFAC_CSV);
    CHECK_EQ(fmt_kind_from_name("un-xml"), FMT_UN_XML);
    CHECK_EQ(fmt_kind_from_name("UN-XML"), FMT_UN_XML);
    CHECK_EQ(fmt_kind_from_name("nonsense"), FMT_UNKNOWN);
    CHECK_EQ(fmt_kind_parse("nonsense", &k), LIAISON_EINVAL);
    CHECK_EQ(fmt_kind_parse("auto", &k), LIAISON_OK);
    CHECK_EQ(k, FMT_UNKNOWN);
    CHECK_EQ(fmt_kind_parse("ofac", &k), LIAISON_OK);
    CHECK_EQ(k, FMT_OFAC_CSV);
    CHECK_STR(fmt_kind_name(FMT_JSONL), "jsonl");
    CHECK_STR(fmt_kind_name(FMT_OFAC_CSV), "ofac-csv");
    CHECK_STR(fmt_kind_name(FMT_UN_XML), "un-xml");
    CHECK_STR(fmt_kind_name(FMT_UNKNOWN), "auto");
    CHECK_STR(fmt_record_kind_name(LIAISON_KIND_VEHICLE), "vehicle");
}

/* ---------------------------------------------------------------- queries */

TEST(query_json)
{
    fmt_query q;
    struct liaison_err err;
    fmt_query_init(&q);
    CHECK_EQ(fmt_query_from_json(&q, LIT("{\"id\":\"q1\",\"name\":\"Youssef "
                                     "Benhaddou\",\"dob\":\"1966\","
                                     "\"nationality\":\"ma\",\"gender\":"
                                     "\"male\",\"doc\":\"AB1234567\","
                                     "\"doc_country\":\"Morocco\","
                                     "\"vin\":null}"), &err),
             LIAISON_OK);
    CHECK_STR(q.id, "q1");
    CHECK_STR(q.q.name, "Youssef Benhaddou");
    CHECK_STR(q.q.dob, "1966");
    CHECK_STR(q.q.nationality, "MAR");
    CHECK_STR(q.q.gender, "M");
    CHECK_STR(q.q.doc, "AB1234567");
    CHECK_STR(q.q.doc_country, "MAR");
    CHECK(q.q.vin == NULL && q.q.plate == NULL);

    CHECK_EQ(fmt_query_from_json(&q, LIT("{\"id\":17,\"plate\":\"34 ABC 123\","
                                     "\"plate_country\":\"TR\"}"), &err),
             LIAISON_OK);
    CHECK_STR(q.id, "17");
    CHECK_STR(q.q.plate_country, "TUR");
    CHECK(q.q.name == NULL);
    fmt_query_fini(&q);
}

TEST(query_json_errors)
{
    static const struct {
        const char *json;
        int code;
        const char *msg;
    } cases[] = {
        {"{\"name\":\"A\",\"nmae\":\"B\"}", LIAISON_EINVAL,
         "unknown field \"nmae\""},
        {"{\"name\":\"Caf\xe9\"}", LIAISON_EUTF8, "UTF-8"},
        {"{\"name\":\"A\",\"dob\":\"1966-02-30\"}", LIAISON_EINVAL, "\"dob\""},
        {"{\"name\":\"A\",\"nationality\":\"Atlantis\"}", LIAISON_EINVAL,
         "\"nationality\": unknown country"},
        {"{\"name\":\"A\",\"gender\":\"Z\"}", LIAISON_EINVAL, "\"gender\""},
        {"{\"name\":7}", LIAISON_EINVAL, "\"name\" must be a string"},
        {"{\"id\":\"x\",\"dob\":\"1966\"}", LIAISON_EINVAL,
         "no name, doc, vin or plate"},
        {"{\"name\":\"  \"}", LIAISON_EINVAL, "no name"},
        {"{\"name\":", LIAISON_EFORMAT, "invalid JSON"},
        {"\"name\"", LIAISON_EFORMAT, "JSON"},
        {"[{\"name\":\"A\"}]", LIAISON_EFORMAT, "not a JSON object"},
    };
    fmt_query q;
    size_t i;
    fmt_query_init(&q);
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        struct liaison_err err;
        int rc;
        memset(&err, 0, sizeof(err));
        rc = fmt_query_from_json(&q, cases[i].json, strlen(cases[i].json),
                                 &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg)) {
            fprintf(stderr, "query case %zu: rc %d \"%s\"\n", i, rc, err.msg);
            CHECK_EQ(rc, cases[i].code);
            CHECK(strstr(err.msg, cases[i].msg) != NULL);
        }
        CHECK(q.q.name == NULL && q.id == NULL);
    }
    fmt_query_fini(&q);
}

TEST(query_csv)
{
    fmt_query_csv c;
    fmt_query q;
    struct liaison_err err;
    static const char header[] = "ID; Name ;dob;Nationality;document";
    fmt_query_init(&q);
    CHECK_EQ(fmt_query_csv_init(&c, header, strlen(header), &err), LIAISON_OK);
    CHECK_EQ(c.ncols, 5);
    CHECK_EQ(fmt_query_csv_parse(&c, &q,
                                 LIT("q1;\"BEN HADDOU; Youssef\";1966;TR;"),
                                 &err), LIAISON_OK);
    CHECK_STR(q.id, "q1");
    CHECK_STR(q.q.name, "BEN HADDOU; Youssef");
    CHECK_STR(q.q.nationality, "TUR");
    CHECK(q.q.doc == NULL);
    CHECK_EQ(fmt_query_csv_parse(&c, &q, LIT("q2;;;;AB12"), &err), LIAISON_OK);
    CHECK_STR(q.q.doc, "AB12");
    CHECK(q.q.name == NULL);
    CHECK_EQ(fmt_query_csv_parse(&c, &q, LIT("q3;A;1966"), &err),
             LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "expected 5 fields, found 3") != NULL);
    CHECK_EQ(fmt_query_csv_parse(&c, &q, LIT("q4;\"A;1966;;;"), &err),
             LIAISON_EFORMAT);
    CHECK_EQ(fmt_query_csv_parse(&c, &q, LIT("q5;A\xff;;;"), &err),
             LIAISON_EUTF8);
    fmt_query_csv_fini(&c);

    CHECK_EQ(fmt_query_csv_init(&c, LIT("id,name,passport"), &err),
             LIAISON_EINVAL);
    CHECK(strstr(err.msg, "unknown column \"passport\"") != NULL);
    CHECK_EQ(fmt_query_csv_init(&c, LIT("name,dob,name"), &err),
             LIAISON_EINVAL);
    CHECK(strstr(err.msg, "repeated column \"name\"") != NULL);
    CHECK_EQ(fmt_query_csv_init(&c, LIT("id,dob"), &err), LIAISON_EINVAL);
    CHECK_EQ(fmt_query_csv_init(&c, LIT("name\tdob"), &err), LIAISON_OK);
    CHECK_EQ(c.delim, '\t');
    fmt_query_csv_fini(&c);
    fmt_query_fini(&q);
}

struct qsink {
    int n;
    char ids[16][32];
    long lines[16];
    struct sink errs;
};

static int qsink_query(void *ud, const fmt_query *q, long line)
{
    struct qsink *s = ud;
    if (s->n < 16) {
        util_strlcpy(s->ids[s->n], q->id ? q->id : "", sizeof(s->ids[0]));
        s->lines[s->n] = line;
    }
    s->n++;
    return 0;
}

static int qsink_error(void *ud, const struct liaison_err *e)
{
    struct qsink *s = ud;
    return sink_error(&s->errs, e);
}

TEST(query_read_files)
{
    struct qsink *s = calloc(1, sizeof(*s));
    struct liaison_err err;
    CHECK_EQ(fmt_query_read_file(DATA "queries.jsonl", 0, qsink_query,
                                 qsink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 3);
    CHECK_STR(s->ids[0], "q1");
    CHECK_STR(s->ids[1], "2");
    CHECK_EQ(s->lines[1], 3);
    CHECK_STR(s->ids[2], "q4");
    CHECK_EQ(s->errs.nerr, 1);
    CHECK_EQ(s->errs.err_line[0], 4);
    CHECK_STR(s->errs.err_msg[0], "line 4: unknown field \"nmae\"");

    memset(s, 0, sizeof(*s));
    CHECK_EQ(fmt_query_read_file(DATA "queries.csv", 1, qsink_query,
                                 qsink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 3);
    CHECK_STR(s->ids[0], "q1");
    CHECK_STR(s->ids[1], "q2");
    CHECK_STR(s->ids[2], "q4");
    CHECK_EQ(s->lines[2], 5);
    CHECK_EQ(s->errs.nerr, 2);
    CHECK_EQ(s->errs.err_line[0], 4);
    CHECK(!strncmp(s->errs.err_msg[0], "line 4: unterminated", 20));
    CHECK_EQ(s->errs.err_line[1], 6);
    CHECK(strstr(s->errs.err_msg[1], "\"dob\"") != NULL);
    free(s);
}

/* ---------------------------------------------------------------- results */

TEST(result_json)
{
    static const char *const why[] = {"given: abdelatif~abdellatif 0.97",
                                      "family: \"hammouchi\" exact"};
    liaison_hit hits[2];
    liaison_result res;
    liaison_query q;
    util_buf b;
    memset(hits, 0, sizeof(hits));
    memset(&res, 0, sizeof(res));
    memset(&q, 0, sizeof(q));
    q.name = "Abdelatif Hammouchi";
    q.dob = "1972";
    hits[0].id = "ma-1";
    hits[0].list = "wanted";
    hits[0].owner = "ma-dgsn";
    hits[0].kind = LIAISON_KIND_PERSON;
    hits[0].score = 0.93;
    hits[0].matched = "ABDELLATIF HAMMOUCHI";
    hits[0].why = why;
    hits[0].n_why = 2;
    hits[1].id = "ofac-1";
    hits[1].list = "ofac-sdn";
    hits[1].kind = LIAISON_KIND_ENTITY;
    hits[1].score = 0.80049;
    hits[1].matched = "HAMMOUCHI TRADING";
    res.hits = hits;
    res.n_hits = 2;
    res.took_us = 41;
    util_buf_init(&b, 0);
    CHECK_EQ(fmt_result_json(&b, "q1", &q, &res), LIAISON_OK);
    CHECK_STR(util_buf_str(&b),
              "{\"query_id\":\"q1\",\"query\":{\"name\":\"Abdelatif Hammouchi\","
              "\"dob\":\"1972\"},\"hits\":[{\"id\":\"ma-1\",\"list\":\"wanted\","
              "\"owner\":\"ma-dgsn\",\"kind\":\"person\",\"score\":0.930,"
              "\"matched\":\"ABDELLATIF HAMMOUCHI\",\"why\":[\"given: "
              "abdelatif~abdellatif 0.97\",\"family: \\\"hammouchi\\\" exact\"]},"
              "{\"id\":\"ofac-1\",\"list\":\"ofac-sdn\",\"kind\":\"entity\","
              "\"score\":0.800,\"matched\":\"HAMMOUCHI TRADING\",\"why\":[]}],"
              "\"took_us\":41}");
    /* No id, no hits, appended after what is there. */
    util_buf_reset(&b);
    util_buf_adds(&b, "X");
    res.n_hits = 0;
    res.took_us = 7;
    q.dob = NULL;
    q.name = "Bad \xff byte";
    CHECK_EQ(fmt_result_json(&b, NULL, &q, &res), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "X{\"query\":{\"name\":\"Bad \xef\xbf\xbd "
                                "byte\"},\"hits\":[],\"took_us\":7}");
    /* Too small a buffer: an error and the buffer as it was. */
    util_buf_fini(&b);
    util_buf_init(&b, 20);
    util_buf_adds(&b, "keep");
    res.n_hits = 2;
    CHECK_EQ(fmt_result_json(&b, "q1", &q, &res), LIAISON_ETOOBIG);
    CHECK_STR(util_buf_str(&b), "keep");
    CHECK_EQ(b.len, 4);
    util_buf_fini(&b);
}

/* ---------------------------------------------------------------- real lists */

TEST(real_ofac_sdn_2021)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, TESTLIB_SHARED
                           "/data/ofac_sdn_2021/sdn.csv", NULL, sink_record,
                           sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 8976);
    CHECK_EQ(s->persons, 4620);
    CHECK_EQ(s->nerr, 0);
    /* 8,976 primary names + 11,910 alt.csv aliases + weak remark aliases */
    CHECK(s->names > 8976 + 11910);
    CHECK(s->dobs > 4000);
    CHECK(s->docs > 2000);
    CHECK(s->nats > 2000);
    free(s);
}

TEST(real_ofac_other_files)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_OFAC_CSV, TESTLIB_SHARED
                           "/data/ofac_consolidated_nonsdn_2025/cons_prim.csv",
                           NULL, sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 442);
    CHECK_EQ(s->persons, 79);
    CHECK_EQ(s->nerr, 0);
    CHECK(json_has(s, "ofac-9639", "\"list\":\"ofac-cons\""));
    CHECK(json_has(s, "ofac-9639", "{\"full\":\"HANIYYA, Ismaeel\","
                   "\"type\":\"alias\"}"));
    memset(s, 0, sizeof(*s));
    /* The 2019 sdn.csv has no final line break and no Ctrl-Z. */
    CHECK_EQ(fmt_read_file(FMT_OFAC_CSV, TESTLIB_SHARED
                           "/data/ofac_sdn_2019/sdn.csv", NULL, sink_record,
                           sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->n, 7379);
    CHECK_EQ(s->nerr, 0);
    free(s);
}

TEST(real_un_2026)
{
    struct sink *s = sink_new();
    struct liaison_err err;
    CHECK_EQ(fmt_read_file(FMT_UNKNOWN, TESTLIB_SHARED
                           "/data/un_sc_consolidated/consolidated_2026-02-27.xml",
                           NULL, sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->persons, 730);
    CHECK_EQ(s->entities, 273);
    CHECK_EQ(s->n, 1003);
    CHECK_EQ(s->nerr, 0);
    CHECK(s->docs >= 440);
    CHECK(s->dobs >= 649);
    memset(s, 0, sizeof(*s));
    CHECK_EQ(fmt_read_file(FMT_UN_XML, TESTLIB_SHARED
                           "/data/un_sc_consolidated/consolidated_2025-11-20.xml",
                           NULL, sink_record, sink_error, s, &err), LIAISON_OK);
    CHECK_EQ(s->persons, 727);
    CHECK_EQ(s->nerr, 0);
    free(s);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
