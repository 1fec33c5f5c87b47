/*
** test_paxlst.c: the PAXLST parser (src/formats/paxlst.c): every GTAS
** sample in ../shared/data/paxlst_pnrgov_gtas/paxlst/ (traveller counts
** checked against an independent NAD count), strict and lenient trailer
** checks, UNA separator sets, the release character, truncation, multi-
** part messages, caps, character sets and allocation failures.
*/
#include "testlib.h"

#include "formats/border.h"

#define SAMPLES TESTLIB_SHARED "/data/paxlst_pnrgov_gtas/paxlst/"

/* A small interchange with default separators (segments: UNA 1, UNB 2,
** UNG 3, UNH 4, ..., UNT 27, UNE 28, UNZ 29). */
static const char base[] =
    "UNA:+.? '"
    "UNB+UNOA:4+SENDER:ZZ+RECEIVER:ZZ+250101:1200+REF1++APIS'\n"
    "UNG+PAXLST+XYZ AIRLINES+DHS+250101:1200+G1+UN+D:05B'\n"
    "UNH+M1+PAXLST:D:05B:UN:IATA'\n"
    "BGM+745'\n"
    "NAD+MS+++OPS'\n"
    "TDT+20+AT200+++AT'\n"
    "LOC+125+CMN'\n"
    "DTM+189:2501011200:201'\n"
    "LOC+87+IST'\n"
    "DTM+232:2501011730:201'\n"
    "NAD+FL+++EL AMRANI:YOUSSEF:ALI'\n"
    "ATT+2++M'\n"
    "DTM+329:850315'\n"
    "NAT+2+MAR'\n"
    "DOC+P:110:111+AB1234567'\n"
    "DTM+36:300101'\n"
    "LOC+91+MAR'\n"
    "NAD+FM+++YILMAZ:AYSE'\n"
    "ATT+2++F'\n"
    "DTM+329:900101'\n"
    "NAT+2+TR'\n"
    "DOC+P+U12345678'\n"
    "DTM+36:290630'\n"
    "LOC+91+TUR'\n"
    "CNT+42:2'\n"
    "UNT+24+M1'\n"
    "UNE+1+G1'\n"
    "UNZ+1+REF1'\n";

/* Replace the first `from` in src by `to`, into out. */
static const char *subst(const char *src, const char *from, const char *to,
                         char *out, size_t size)
{
    const char *p = strstr(src, from);
    size_t a, b = strlen(to), c;
    if (!p)
        return NULL;
    a = (size_t)(p - src);
    c = strlen(p + strlen(from));
    if (a + b + c + 1 > size)
        return NULL;
    memcpy(out, src, a);
    memcpy(out + a, to, b);
    memcpy(out + a + b, p + strlen(from), c + 1);
    return out;
}

static int parse_str(const char *s, int lenient, fmt_paxlst **out,
                     struct liaison_err *err)
{
    fmt_paxlst_opts o;
    memset(&o, 0, sizeof(o));
    o.lenient = lenient;
    o.ref_year = 2025;
    if (err)
        memset(err, 0, sizeof(*err));
    return fmt_paxlst_parse(s, strlen(s), &o, out, err);
}

static int has_warning(const fmt_paxlst *p, const char *needle)
{
    size_t i;
    for (i = 0; i < p->n_warnings; i++)
        if (strstr(p->warnings[i], needle))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- basics */

TEST(paxlst_base_fields)
{
    fmt_paxlst *p = NULL;
    const fmt_paxlst_traveller *t;
    liaison_query q;
    CHECK_EQ(parse_str(base, 0, &p, NULL), LIAISON_OK);
    if (!p)
        return;
    CHECK_STR(p->separators, ":+.? '");
    CHECK_STR(p->syntax, "UNOA:4");
    CHECK_STR(p->sender, "SENDER");
    CHECK_STR(p->recipient, "RECEIVER");
    CHECK_STR(p->interchange_ref, "REF1");
    CHECK_STR(p->version, "D:05B");
    CHECK_EQ(p->n_segments, 29);
    CHECK_EQ(p->n_warnings, 0);
    CHECK_EQ(p->n_legs, 1);
    CHECK(p->flight == &p->legs[0]);
    CHECK_STR(p->flight->carrier, "AT");
    CHECK_STR(p->flight->flight_number, "AT200");
    CHECK_STR(p->flight->dep_airport, "CMN");
    CHECK_STR(p->flight->dep_time, "2025-01-01T12:00");
    CHECK_STR(p->flight->arr_airport, "IST");
    CHECK_STR(p->flight->arr_time, "2025-01-01T17:30");
    CHECK_EQ(p->n_parts, 1);
    CHECK_STR(p->parts[0].reference, "M1");
    CHECK_STR(p->parts[0].bgm_code, "745");
    CHECK_EQ(p->parts[0].n_travellers, 2);
    CHECK_EQ(p->parts[0].declared_travellers, 2);
    CHECK_EQ(p->n_travellers, 2);
    t = &p->travellers[0];
    CHECK_EQ(t->index, 1);
    CHECK_EQ(t->segment, 12);
    CHECK_EQ(t->part, 1);
    CHECK_EQ(t->role, FMT_PAX_PASSENGER);
    CHECK_STR(t->qualifier, "FL");
    CHECK_STR(t->surname, "EL AMRANI");
    CHECK_STR(t->given_names, "YOUSSEF ALI");
    CHECK_STR(t->full_name, "YOUSSEF ALI EL AMRANI");
    CHECK_STR(t->dob, "1985-03-15");
    CHECK_STR(t->sex, "M");
    CHECK_STR(t->nationality, "MAR");
    CHECK_EQ(t->n_documents, 1);
    CHECK_STR(t->documents[0].type, "P");
    CHECK_STR(t->documents[0].number, "AB1234567");
    CHECK_STR(t->documents[0].expiry, "2030-01-01");
    CHECK_STR(t->documents[0].issuer, "MAR");
    t = &p->travellers[1];
    CHECK_EQ(t->role, FMT_PAX_CREW);
    CHECK_STR(t->full_name, "AYSE YILMAZ");
    CHECK_STR(t->nationality, "TUR");       /* alpha-2 TR -> TUR */
    CHECK_STR(t->dob, "1990-01-01");
    CHECK_STR(t->documents[0].expiry, "2029-06-30");
    fmt_paxlst_query(&p->travellers[0], &q);
    CHECK_STR(q.name, "YOUSSEF ALI EL AMRANI");
    CHECK_STR(q.dob, "1985-03-15");
    CHECK_STR(q.nationality, "MAR");
    CHECK_STR(q.gender, "M");
    CHECK_STR(q.doc, "AB1234567");
    CHECK_STR(q.doc_country, "MAR");
    fmt_paxlst_free(p);
    fmt_paxlst_free(NULL);
}

TEST(paxlst_null_opts_is_strict_and_defaults)
{
    fmt_paxlst *p = NULL;
    char buf[2048];
    struct liaison_err err;
    CHECK_EQ(fmt_paxlst_parse(base, strlen(base), NULL, &p, &err), LIAISON_OK);
    fmt_paxlst_free(p);
    subst(base, "UNT+24+M1", "UNT+25+M1", buf, sizeof(buf));
    CHECK_EQ(fmt_paxlst_parse(buf, strlen(buf), NULL, &p, &err),
             LIAISON_EFORMAT);
    CHECK(p == NULL);
    CHECK_EQ(fmt_paxlst_parse(NULL, 5, NULL, &p, &err), LIAISON_EINVAL);
    CHECK_EQ(fmt_paxlst_parse(base, 5, NULL, NULL, &err), LIAISON_EINVAL);
}

/* ---------------------------------------------------------------- samples */

/* Traveller NAD segments counted the simple way: after each terminator
** (and blanks), "NAD" + element separator + a traveller qualifier. */
static size_t count_nads(const char *s, size_t len)
{
    char elem = '+', term = '\'';
    size_t i, n = 0;
    const char *end = s + len;
    while (s < end && (*s == ' ' || *s == '\r' || *s == '\n'))
        s++;
    if (end - s >= 9 && !memcmp(s, "UNA", 3)) {
        elem = s[4];
        term = s[8];
    }
    len = (size_t)(end - s);
    for (i = 0; i + 5 < len; i++) {
        size_t j = i, q;
        if (s[i] != term)
            continue;
        j++;
        while (j < len && (s[j] == ' ' || s[j] == '\r' || s[j] == '\n'))
            j++;
        if (j + 4 >= len || memcmp(s + j, "NAD", 3) || s[j + 3] != elem)
            continue;
        j += 4;
        for (q = j; q < len && s[q] != elem && s[q] != term; q++)
            ;
        if ((q - j == 2 && (!memcmp(s + j, "FL", 2) || !memcmp(s + j, "FM", 2))) ||
            (q - j == 3 && (!memcmp(s + j, "DDU", 3) || !memcmp(s + j, "DDT", 3))))
            n++;
    }
    return n;
}

static const struct {
    const char *file;
    size_t travellers;
    long strict_line;           /* segment named by the strict error; 0: ok */
    size_t legs;
} samples[] = {
    {"loader_Test1.txt", 8, 109, 1},
    {"loader_Test3.txt", 260, 3134, 1},
    {"loader_airline2.edi", 10, 114, 1},
    {"loader_multiple_flight_leg_apis.txt", 2, 52, 3},
    {"parsers_apisMessage.txt", 2, 0, 2},
    {"tamr_flight1.txt", 10, 182, 1},
    {"tamr_flight2.txt", 10, 181, 1},
    {"tamr_flight3.txt", 10, 188, 1},
};

TEST(paxlst_samples_all_parse_lenient)
{
    size_t i, total = 0;
    for (i = 0; i < UTIL_ARRAY_LEN(samples); i++) {
        char path[256], *data = NULL;
        size_t len = 0, k;
        fmt_paxlst *p = NULL;
        fmt_paxlst_opts o;
        struct liaison_err err;
        int rc;
        snprintf(path, sizeof(path), SAMPLES "%s", samples[i].file);
        rc = util_read_file(path, 1 << 22, &data, &len, NULL);
        CHECK_EQ(rc, LIAISON_OK);
        if (rc)
            continue;
        memset(&o, 0, sizeof(o));
        o.lenient = 1;
        o.ref_year = 2025;
        rc = fmt_paxlst_parse(data, len, &o, &p, &err);
        CHECK_EQ(rc, LIAISON_OK);
        if (rc) {
            fprintf(stderr, "  %s: %s\n", samples[i].file, err.msg);
            util_free(data);
            continue;
        }
        CHECK_EQ(p->n_travellers, samples[i].travellers);
        CHECK_EQ(p->n_travellers, count_nads(data, len));
        CHECK_EQ(p->n_legs, samples[i].legs);
        CHECK(p->flight != NULL);
        for (k = 0; k < p->n_travellers; k++) {
            const fmt_paxlst_traveller *t = &p->travellers[k];
            CHECK(t->surname != NULL);
            CHECK(t->full_name != NULL);
            CHECK(t->dob != NULL);
            CHECK(t->sex != NULL);
            CHECK_EQ(t->index, k + 1);
        }
        total += p->n_travellers;
        fmt_paxlst_free(p);
        util_free(data);
    }
    CHECK_EQ(total, 312);
}

TEST(paxlst_samples_strict_names_the_bad_trailer)
{
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(samples); i++) {
        char path[256], *data = NULL;
        size_t len = 0;
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        int rc;
        snprintf(path, sizeof(path), SAMPLES "%s", samples[i].file);
        if (util_read_file(path, 1 << 22, &data, &len, NULL))
            continue;
        memset(&err, 0, sizeof(err));
        rc = fmt_paxlst_parse(data, len, NULL, &p, &err);
        if (!samples[i].strict_line) {
            CHECK_EQ(rc, LIAISON_OK);
            CHECK_EQ(p ? p->n_travellers : 0, samples[i].travellers);
        } else {
            CHECK_EQ(rc, LIAISON_EFORMAT);
            CHECK(p == NULL);
            CHECK_EQ(err.line, samples[i].strict_line);
            CHECK(err.col > 0);
        }
        fmt_paxlst_free(p);
        util_free(data);
    }
}

TEST(paxlst_sample_details)
{
    char *data = NULL;
    size_t len = 0;
    fmt_paxlst *p = NULL;
    fmt_paxlst_opts o;
    const fmt_paxlst_traveller *t;
    liaison_query q;
    memset(&o, 0, sizeof(o));
    o.lenient = 1;
    o.ref_year = 2025;
    /* Three legs; the flight is the one with LOC 125/87. */
    CHECK_EQ(util_read_file(SAMPLES "loader_multiple_flight_leg_apis.txt",
                            1 << 20, &data, &len, NULL), LIAISON_OK);
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK(p->flight == &p->legs[2]);
        CHECK_STR(p->legs[0].dep_airport, "MIA");
        CHECK_STR(p->legs[0].arr_airport, "IAD");
        CHECK_STR(p->flight->dep_airport, "JFK");
        CHECK_STR(p->flight->arr_airport, "CDG");
        CHECK_STR(p->flight->arr_time, "2008-08-11T06:30");
        t = &p->travellers[0];
        CHECK_STR(t->reference, "UUI34T543");
        CHECK_STR(t->reservation, "GJIO3RT");
        CHECK_STR(t->documents[0].number, "YY3478621G");
        CHECK(has_warning(p, "7 bytes after UNZ"));
    }
    fmt_paxlst_free(p);
    util_free(data);
    /* Birth place by name; Test1 crew. */
    CHECK_EQ(util_read_file(SAMPLES "loader_Test1.txt", 1 << 20, &data, &len,
                            NULL), LIAISON_OK);
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, NULL), LIAISON_OK);
    if (p) {
        t = &p->travellers[0];
        CHECK_EQ(t->role, FMT_PAX_CREW);
        CHECK_STR(t->birth_place, "Hartford USA");
        CHECK_STR(t->residence, "GBR");
        CHECK_STR(t->documents[0].expiry, "2061-02-18");
        CHECK(has_warning(p, "segment 109 (UNT): message has 107 segments"));
        CHECK(has_warning(p, "segment 111 (UNZ): reference"));
    }
    fmt_paxlst_free(p);
    util_free(data);
    /* A visa and an untyped document; the query prefers the passport. */
    CHECK_EQ(util_read_file(SAMPLES "tamr_flight3.txt", 1 << 20, &data, &len,
                            NULL), LIAISON_OK);
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, NULL), LIAISON_OK);
    if (p) {
        t = &p->travellers[0];
        CHECK_EQ(t->n_documents, 2);
        CHECK_STR(t->documents[1].type, "V");
        fmt_paxlst_query(t, &q);
        CHECK_STR(q.doc, "563056942");
        CHECK_STR(q.doc_country, "GBR");
        /* DTM+329: 670603 (a blank before the date) is still read. */
        {
            size_t k, found = 0;
            for (k = 0; k < p->n_travellers; k++)
                found += p->travellers[k].dob &&
                         !strcmp(p->travellers[k].dob, "1967-06-03");
            CHECK_EQ(found, 1);
            CHECK(!has_warning(p, "is not a date"));
        }
    }
    fmt_paxlst_free(p);
    util_free(data);
}

/* ---------------------------------------------------------------- separators */

/* The base message with other service characters: ':' '+' '\'' replaced
** by comp, elem, term; UNA advising them. */
static void with_seps(char *out, size_t size, char comp, char elem, char rel,
                      char rep, char term)
{
    const char *s = base + 9;           /* after the UNA */
    size_t n = 0;
    out[n++] = 'U', out[n++] = 'N', out[n++] = 'A';
    out[n++] = comp, out[n++] = elem, out[n++] = '.';
    out[n++] = rel, out[n++] = rep, out[n++] = term;
    for (; *s && n + 1 < size; s++)
        out[n++] = *s == ':' ? comp : *s == '+' ? elem : *s == '\'' ? term : *s;
    out[n] = '\0';
}

TEST(paxlst_una_custom_separators)
{
    static const char sets[][5] = {
        {':', '*', '?', ' ', '$'},      /* GTAS airline2 */
        {'#', '|', '\\', '~', '!'},
        {'^', '&', ' ', ' ', '~'},      /* no release character */
        {':', '+', '?', '*', '\n'},     /* one segment a line */
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(sets); i++) {
        char buf[2048];
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        with_seps(buf, sizeof(buf), sets[i][0], sets[i][1], sets[i][2],
                  sets[i][3], sets[i][4]);
        CHECK_EQ(parse_str(buf, 0, &p, &err), LIAISON_OK);
        if (!p) {
            fprintf(stderr, "  set %zu: %s\n", i, err.msg);
            continue;
        }
        CHECK_EQ(p->n_travellers, 2);
        CHECK_STR(p->travellers[0].given_names, "YOUSSEF ALI");
        CHECK_STR(p->flight->dep_time, "2025-01-01T12:00");
        CHECK_EQ(p->separators[0], sets[i][0]);
        CHECK_EQ(p->separators[5], sets[i][4]);
        fmt_paxlst_free(p);
    }
}

TEST(paxlst_una_bad)
{
    fmt_paxlst *p = NULL;
    struct liaison_err err;
    CHECK_EQ(parse_str("UNA::.? 'UNB+UNOA:4'", 0, &p, &err), LIAISON_EFORMAT);
    CHECK_EQ(err.line, 1);
    CHECK(strstr(err.msg, "segment 1 (UNA)") != NULL);
    CHECK_EQ(parse_str("UNA:+", 0, &p, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "cut short") != NULL);
    CHECK_EQ(parse_str("UNA:+.\001 'UNB+UNOA:4'", 0, &p, &err),
             LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "not printable (0x01)") != NULL);
    CHECK(p == NULL);
}

TEST(paxlst_release_character)
{
    char a[2048], b[2048];
    fmt_paxlst *p = NULL;
    /* Escaped terminator, separators and the release character itself. */
    subst(base, "EL AMRANI:YOUSSEF:ALI", "O?'NEIL?+SMITH:JEAN?:PAUL:A??B",
          a, sizeof(a));
    CHECK_EQ(parse_str(a, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "O'NEIL+SMITH");
        CHECK_STR(p->travellers[0].given_names, "JEAN:PAUL A?B");
        fmt_paxlst_free(p);
    }
    /* With a custom release character. */
    with_seps(b, sizeof(b), '#', '|', '\\', '~', '!');
    subst(b, "EL AMRANI#YOUSSEF#ALI", "O\\!NEIL#JO\\|E", a, sizeof(a));
    CHECK_EQ(parse_str(a, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "O!NEIL");
        CHECK_STR(p->travellers[0].given_names, "JO|E");
        fmt_paxlst_free(p);
    }
    /* A release character at the very end. */
    CHECK_EQ(parse_str("UNB+UNOA:4+A+B+1:1+R?", 0, &p, NULL), LIAISON_EFORMAT);
}

TEST(paxlst_default_separators_without_una)
{
    fmt_paxlst *p = NULL;
    CHECK_EQ(parse_str(base + 9, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->separators, ":+.?*'");
        CHECK_EQ(p->n_segments, 28);
        CHECK_EQ(p->n_travellers, 2);
        fmt_paxlst_free(p);
    }
}

TEST(paxlst_line_wrapped_segments)
{
    char a[2048];
    fmt_paxlst *p = NULL;
    subst(base, "NAD+FL+++EL AMRANI", "NAD+FL++\r\n+EL AM\nRANI", a, sizeof(a));
    CHECK_EQ(parse_str(a, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "EL AMRANI");
        fmt_paxlst_free(p);
    }
}

/* ---------------------------------------------------------------- trailers */

TEST(paxlst_trailer_mismatches)
{
    static const struct {
        const char *from, *to;
        long line;
        const char *msg;
    } cases[] = {
        {"UNT+24+M1", "UNT+23+M1", 27, "message has 24 segments, UNT says '23'"},
        {"UNT+24+M1", "UNT+24+M2", 27, "reference 'M2' is not the UNH's 'M1'"},
        {"UNT+24+M1", "UNT+X+M1", 27, "UNT says 'X'"},
        {"UNE+1+G1", "UNE+2+G1", 28, "group has 1 messages, UNE says '2'"},
        {"UNE+1+G1", "UNE+1+G9", 28, "not the UNG's 'G1'"},
        {"UNZ+1+REF1", "UNZ+3+REF1", 29, "interchange has 1 groups, UNZ says '3'"},
        {"UNZ+1+REF1", "UNZ+1+REF2", 29, "not the UNB's 'REF1'"},
        {"UNZ+1+REF1'\n", "UNZ+1+REF1'\nGARBAGE", 30, "7 bytes after UNZ"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char buf[2048];
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        CHECK(subst(base, cases[i].from, cases[i].to, buf, sizeof(buf)) != NULL);
        CHECK_EQ(parse_str(buf, 0, &p, &err), LIAISON_EFORMAT);
        CHECK_EQ(err.line, cases[i].line);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        /* Lenient: the same text is a warning and the manifest is kept. */
        CHECK_EQ(parse_str(buf, 1, &p, &err), LIAISON_OK);
        if (p) {
            CHECK(has_warning(p, cases[i].msg));
            CHECK_EQ(p->n_travellers, 2);
            fmt_paxlst_free(p);
        }
    }
}

TEST(paxlst_unt_count_error_position)
{
    char buf[2048];
    fmt_paxlst *p = NULL;
    struct liaison_err err;
    const char *unt;
    subst(base, "UNT+24+M1", "UNT+99+M1", buf, sizeof(buf));
    CHECK_EQ(parse_str(buf, 0, &p, &err), LIAISON_EFORMAT);
    unt = strstr(buf, "UNT+");
    CHECK_EQ(err.code, LIAISON_EFORMAT);
    CHECK_EQ(err.line, 27);
    CHECK_EQ(err.col, (long)(unt - buf) + 1);
    CHECK(strstr(err.msg, "segment 27 (UNT)") != NULL);
}

TEST(paxlst_cnt_mismatch_is_warning)
{
    char buf[2048];
    fmt_paxlst *p = NULL;
    subst(base, "CNT+42:2", "CNT+42:5", buf, sizeof(buf));
    CHECK_EQ(parse_str(buf, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK(has_warning(p, "CNT declares 5 travellers, the message has 2"));
        fmt_paxlst_free(p);
    }
}

/* ---------------------------------------------------------------- malformed */

TEST(paxlst_truncated)
{
    size_t cuts[] = {0, 0, 0, 0};
    const char *names[] = {"inside the segment", "no UNT", "no UNE",
                           "before UNZ"};
    size_t i;
    cuts[0] = (size_t)(strstr(base, "NAD+FM") - base) + 5;  /* mid-segment */
    cuts[1] = (size_t)(strstr(base, "NAD+FM") - base);      /* after a segment */
    cuts[2] = (size_t)(strstr(base, "UNE+") - base);
    cuts[3] = (size_t)(strstr(base, "UNZ+") - base);
    for (i = 0; i < UTIL_ARRAY_LEN(cuts); i++) {
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        memset(&err, 0, sizeof(err));
        CHECK_EQ(fmt_paxlst_parse(base, cuts[i], NULL, &p, &err),
                 LIAISON_EFORMAT);
        CHECK(p == NULL);
        CHECK(strstr(err.msg, names[i]) != NULL);
        if (!strstr(err.msg, names[i]))
            fprintf(stderr, "  cut %zu: %s\n", i, err.msg);
        CHECK(err.line > 0);
    }
}

TEST(paxlst_malformed_inputs)
{
    static const struct {
        const char *in;
        long line;
        const char *msg;
    } cases[] = {
        {"", 1, "no message"},
        {"   \r\n ", 1, "no message"},
        {"hello world", 1, "input ends inside the segment"},
        {"hello'world'", 1, "not a segment tag"},
        {"{\"a\":1}'", 1, "not a segment tag"},
        {"NAD+FL+++X'", 1, "expected UNA, UNB or UNH"},
        {"UNB+UNOA:4+A+B+1:1+R'NAD+FL+++X'", 2, "outside a message"},
        {"UNB+UNOA:4+A+B+1:1+R'UNH+1+PNRGOV:11:1:IA'", 2, "'PNRGOV' is not PAXLST"},
        {"UNB+UNOA:4+A+B+1:1+R'UNH+1+PAXLST:D:02B'UNH+2+PAXLST:D:02B'", 3,
         "UNH inside message"},
        {"UNB+UNOA:4+A+B+1:1+R'UNB+UNOA:4'", 2, "UNB must open"},
        {"UNB+UNOA:4+A+B+1:1+R'UNH+1+PAXLST:D:02B'NAD+FL+++A\001B'", 3,
         "control character 0x01"},
        {"UNB+UNOA:4+A+B+1:1+R'UNT+1+1'", 2, "outside a message"},
        {"UNB+UNOA:4+A+B+1:1+R'UNZ+0+R'", 0, "no message"},
        {"UNB+UNOA:4+A+B+1:1+R'UNE+0+R'", 2, "UNE without a group"},
        {"UNB+UNOA:4+A+B+1:1+R'UNA:+.? ''", 2, "UNA must come first"},
        {"UNB+UNOA:4+A+B+1:1+R'UNG+PAXLST+A+B+1:1+G+UN+D:02B'UNZ+1+R'", 3,
         "before the last group"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        fmt_paxlst *p = (fmt_paxlst *)&p;
        struct liaison_err err;
        CHECK_EQ(parse_str(cases[i].in, 1, &p, &err), LIAISON_EFORMAT);
        CHECK(p == NULL);
        if (cases[i].line)
            CHECK_EQ(err.line, cases[i].line);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
    }
    /* The PNRGOV samples are refused as "not PAXLST". */
    {
        char *data = NULL;
        size_t len = 0;
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        if (util_read_file(TESTLIB_SHARED "/data/paxlst_pnrgov_gtas/pnrgov/"
                           "loader_pnr1.txt", 1 << 20, &data, &len, NULL) == 0) {
            CHECK_EQ(fmt_paxlst_parse(data, len, NULL, &p, &err),
                     LIAISON_EFORMAT);
            CHECK(strstr(err.msg, "is not PAXLST") != NULL);
            util_free(data);
        }
    }
}

TEST(paxlst_bare_message_without_envelope)
{
    const char *start = strstr(base, "UNH+"), *end = strstr(base, "UNE+");
    char buf[2048];
    fmt_paxlst *p = NULL;
    memcpy(buf, start, (size_t)(end - start));
    buf[end - start] = '\0';
    CHECK_EQ(parse_str(buf, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_EQ(p->n_travellers, 2);
        CHECK(has_warning(p, "no interchange envelope"));
        fmt_paxlst_free(p);
    }
}

/* ---------------------------------------------------------------- multi-part */

TEST(paxlst_multi_part)
{
    static const char msg[] =
        "UNB+UNOA:4+S+R+250101:1200+IC7'"
        "UNH+P1+PAXLST:D:02B:UN:IATA+AT200/250101+01:C'"
        "BGM+745'TDT+20+AT200+++AT'LOC+125+CMN'DTM+189:2501011200:201'"
        "LOC+87+IST'DTM+232:2501011730:201'"
        "NAD+FL+++ONE:A'DTM+329:800101'"
        "NAD+FL+++TWO:B'DTM+329:800102'"
        "UNT+12+P1'"
        "UNH+P2+PAXLST:D:02B:UN:IATA+AT200/250101+02:F'"
        "BGM+745'TDT+20+AT200+++AT'LOC+125+CMN'DTM+189:2501011200:201'"
        "LOC+87+IST'DTM+232:2501011730:201'"
        "NAD+FL+++THREE:C'DTM+329:800103'"
        "UNT+10+P2'"
        "UNZ+2+IC7'";
    fmt_paxlst *p = NULL;
    struct liaison_err err;
    CHECK_EQ(parse_str(msg, 0, &p, &err), LIAISON_OK);
    if (!p) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK_EQ(p->n_parts, 2);
    CHECK_EQ(p->parts[0].sequence, 1);
    CHECK_EQ(p->parts[0].last, 'C');
    CHECK_EQ(p->parts[1].sequence, 2);
    CHECK_EQ(p->parts[1].last, 'F');
    CHECK_STR(p->parts[1].common_ref, "AT200/250101");
    CHECK_EQ(p->parts[0].n_travellers, 2);
    CHECK_EQ(p->parts[1].n_travellers, 1);
    CHECK_EQ(p->n_legs, 1);             /* the repeated header is one leg */
    CHECK(p->flight == &p->legs[0]);
    CHECK_EQ(p->n_travellers, 3);
    CHECK_EQ(p->travellers[2].part, 2);
    CHECK_EQ(p->travellers[2].index, 3);
    CHECK_STR(p->travellers[2].full_name, "C THREE");
    CHECK_EQ(p->n_warnings, 0);
    fmt_paxlst_free(p);
    /* Only part 2 of a list: warned. */
    {
        char buf[2048];
        subst(msg, "+01:C'", "+03:C'", buf, sizeof(buf));
        CHECK_EQ(parse_str(buf, 0, &p, &err), LIAISON_OK);
        if (p) {
            CHECK(has_warning(p, "parts are missing"));
            fmt_paxlst_free(p);
        }
    }
}

/* ---------------------------------------------------------------- caps */

TEST(paxlst_caps_etoobig)
{
    char *data = NULL;
    size_t len = 0;
    fmt_paxlst *p = NULL;
    fmt_paxlst_opts o;
    struct liaison_err err;
    CHECK_EQ(util_read_file(SAMPLES "loader_Test3.txt", 1 << 20, &data, &len,
                            NULL), LIAISON_OK);
    memset(&o, 0, sizeof(o));
    o.lenient = 1;
    o.max_travellers = 5;
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, &err), LIAISON_ETOOBIG);
    CHECK(p == NULL);
    CHECK_EQ(err.line, 73);             /* the sixth NAD+FL */
    CHECK(strstr(err.msg, "more than 5 travellers") != NULL);
    memset(&o, 0, sizeof(o));
    o.max_bytes = 1000;
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, &err), LIAISON_ETOOBIG);
    memset(&o, 0, sizeof(o));
    o.max_segment = 20;
    CHECK_EQ(fmt_paxlst_parse(data, len, &o, &p, &err), LIAISON_ETOOBIG);
    CHECK(strstr(err.msg, "longer than 20 bytes") != NULL);
    util_free(data);
    {
        char buf[2048];
        memset(&o, 0, sizeof(o));
        o.max_documents = 1;
        subst(base, "DTM+36:300101'", "DTM+36:300101'DOC+V+X1'", buf,
              sizeof(buf));
        CHECK_EQ(fmt_paxlst_parse(buf, strlen(buf), &o, &p, &err),
                 LIAISON_ETOOBIG);
        memset(&o, 0, sizeof(o));
        o.max_legs = 1;
        subst(base, "NAD+FL", "TDT+20+XX1'NAD+FL", buf, sizeof(buf));
        CHECK_EQ(fmt_paxlst_parse(buf, strlen(buf), &o, &p, &err),
                 LIAISON_ETOOBIG);
        /* 40 elements in one segment */
        subst(base, "BGM+745'", "BGM+1+2+3+4+5+6+7+8+9+0+1+2+3+4+5+6+7+8+9+0"
              "+1+2+3+4+5+6+7+8+9+0+1+2+3+4+5+6+7+8+9+0'", buf, sizeof(buf));
        CHECK_EQ(parse_str(buf, 1, &p, &err), LIAISON_ETOOBIG);
    }
}

/* ---------------------------------------------------------------- text */

TEST(paxlst_character_sets)
{
    char a[2048], b[2048];
    fmt_paxlst *p = NULL;
    /* UNOC: ISO 8859-1 bytes become UTF-8. */
    subst(base, "UNOA:4", "UNOC:4", a, sizeof(a));
    subst(a, "EL AMRANI", "M\xdcLLER", b, sizeof(b));
    CHECK_EQ(parse_str(b, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "M\xc3\x9cLLER");
        CHECK_EQ(p->n_warnings, 0);
        fmt_paxlst_free(p);
    }
    /* UNOA carrying UTF-8: kept. */
    subst(base, "EL AMRANI", "\xc3\x87" "EL\xc4\xb0K", b, sizeof(b));
    CHECK_EQ(parse_str(b, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "\xc3\x87" "EL\xc4\xb0K");
        CHECK_EQ(p->n_warnings, 0);
        fmt_paxlst_free(p);
    }
    /* UNOA with stray 8-bit bytes: read as Latin-1 / Windows-1252. */
    subst(base, "EL AMRANI", "NOV\x87K \xe9", b, sizeof(b));
    CHECK_EQ(parse_str(b, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_STR(p->travellers[0].surname, "NOV\xe2\x80\xa1K \xc3\xa9");
        CHECK(has_warning(p, "not UTF-8"));
        fmt_paxlst_free(p);
    }
}

static int utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1
              : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || *p < 0x20)
            return 0;
        p++;
        while (n-- > 0)
            if ((*p++ & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

/* Found by fuzzing: warnings and errors quoted raw 8-bit input. */
TEST(paxlst_messages_are_utf8)
{
    char buf[2048];
    fmt_paxlst *p = NULL;
    struct liaison_err err;
    size_t i;
    subst(base, "PAXLST:D:05B", "PAXLST:D:05\xbe\xc5\xaa\xae", buf, sizeof(buf));
    CHECK_EQ(parse_str(buf, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK(has_warning(p, "directory D:05"));
        for (i = 0; i < p->n_warnings; i++)
            CHECK(utf8_clean(p->warnings[i]));
        CHECK(utf8_clean(p->version));
        fmt_paxlst_free(p);
    }
    /* A 2-byte character cut in half by the quote length, in an error. */
    subst(base, "UNH+M1+PAXLST", "UNH+M1+ABCDEFGHIJKLMNOPQRS\xc3\xa9", buf,
          sizeof(buf));
    CHECK_EQ(parse_str(buf, 0, &p, &err), LIAISON_EFORMAT);
    CHECK(strstr(err.msg, "'ABCDEFGHIJKLMNOPQRS?' is not PAXLST") != NULL);
    CHECK(utf8_clean(err.msg));
}

TEST(paxlst_unknown_sex_and_issue_date)
{
    char a[2048], b[2048];
    fmt_paxlst *p = NULL;
    subst(base, "ATT+2++M", "ATT+2++U", a, sizeof(a));
    subst(a, "DTM+36:300101'", "DTM+36:300101'DTM+182:200102'", b, sizeof(b));
    subst(b, "UNT+24+M1", "UNT+25+M1", a, sizeof(a));
    CHECK_EQ(parse_str(a, 0, &p, NULL), LIAISON_OK);
    if (p) {
        liaison_query q;
        CHECK_STR(p->travellers[0].sex, "X");
        CHECK_STR(p->travellers[0].documents[0].issue_date, "2020-01-02");
        fmt_paxlst_query(&p->travellers[0], &q);
        CHECK(q.gender == NULL);
        fmt_paxlst_free(p);
    }
}

TEST(paxlst_long_names_kept_whole)
{
    char name[1501], big[3100], buf[8192];
    fmt_paxlst *p = NULL;
    memset(name, 'A', 1500);
    name[1500] = '\0';
    snprintf(big, sizeof(big), "%s:%s\xc3\xa9", name, name);
    subst(base, "EL AMRANI:YOUSSEF:ALI", big, buf, sizeof(buf));
    CHECK_EQ(parse_str(buf, 0, &p, NULL), LIAISON_OK);
    if (p) {
        CHECK_EQ(strlen(p->travellers[0].surname), 1500);
        CHECK_EQ(strlen(p->travellers[0].given_names), 1502);
        CHECK_EQ(strlen(p->travellers[0].full_name), 3003);
        fmt_paxlst_free(p);
    }
}

TEST(paxlst_dates_and_values)
{
    static const struct {
        const char *from, *to;
        const char *dob;
        const char *warn;
    } cases[] = {
        {"DTM+329:850315", "DTM+329:19850315:102", "1985-03-15", NULL},
        {"DTM+329:850315", "DTM+329:150315", "2015-03-15", NULL},
        {"DTM+329:850315", "DTM+329:260315", "1926-03-15", NULL},
        {"DTM+329:850315", "DTM+329:851315", NULL, "is not a date"},
        {"DTM+329:850315", "DTM+329:850230", NULL, "is not a date"},
        {"DTM+329:850315", "DTM+329:000229", "2000-02-29", NULL},
        {"DTM+329:850315", "DTM+329:198503151200:203", "1985-03-15", NULL},
        {"ATT+2++M", "ATT+2++Q", "1985-03-15", "sex 'Q'"},
        {"NAT+2+MAR", "NAT+2+ZZZ", "1985-03-15", "nationality ZZZ is not"},
        {"NAD+FL+++", "NAD+ZZ+++", "1985-03-15", "'ZZ' taken as a traveller"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char buf[2048];
        fmt_paxlst *p = NULL;
        CHECK(subst(base, cases[i].from, cases[i].to, buf, sizeof(buf)) != NULL);
        CHECK_EQ(parse_str(buf, 0, &p, NULL), LIAISON_OK);
        if (!p)
            continue;
        if (cases[i].dob)
            CHECK_STR(p->travellers[0].dob, cases[i].dob);
        else
            CHECK(p->travellers[0].dob == NULL);
        if (cases[i].warn)
            CHECK(has_warning(p, cases[i].warn));
        else
            CHECK_EQ(p->n_warnings, 0);
        CHECK_EQ(p->n_travellers, 2);
        fmt_paxlst_free(p);
    }
}

/* ---------------------------------------------------------------- memory */

TEST(paxlst_allocation_failures)
{
    char *data = NULL;
    size_t len = 0;
    long n;
    int ok = 0;
    fmt_paxlst_opts o;
    CHECK_EQ(util_read_file(SAMPLES "tamr_flight1.txt", 1 << 20, &data, &len,
                            NULL), LIAISON_OK);
    memset(&o, 0, sizeof(o));
    o.lenient = 1;
    for (n = 1; n < 500 && !ok; n++) {
        fmt_paxlst *p = NULL;
        struct liaison_err err;
        int rc;
        util_alloc_fail_at(n);
        rc = fmt_paxlst_parse(data, len, &o, &p, &err);
        util_alloc_fail_at(0);
        if (rc == LIAISON_OK) {
            ok = 1;
            CHECK_EQ(p->n_travellers, 10);
        } else {
            CHECK_EQ(rc, LIAISON_ENOMEM);
            CHECK(p == NULL);
        }
        fmt_paxlst_free(p);
    }
    CHECK(ok);
    CHECK(n > 5);
    util_free(data);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
