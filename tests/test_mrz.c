/*
** test_mrz.c: the MRZ parser (src/formats/mrz.c): check digits, every
** layout, long document numbers, D<<, names, dates and centuries, OCR
** correction, junk, JSON, and all 47 specimens of
** ../shared/data/mrz_specimens/mrz_specimens.tsv.
*/
#include "testlib.h"

#include "formats/border.h"

static int parse(const char *s, fmt_mrz *m)
{
    return fmt_mrz_parse(s, strlen(s), 2025, m, NULL);
}

static int has_warning(const fmt_mrz *m, const char *needle)
{
    int i;
    for (i = 0; i < m->n_warnings && i < FMT_MRZ_MAX_WARNINGS; i++)
        if (strstr(m->warnings[i], needle))
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- check digits */

TEST(mrz_check_digit_table)
{
    static const struct {
        const char *s;
        int digit;
    } cases[] = {
        {"L898902C3", 6},       /* ICAO 9303 part 4 example */
        {"740812", 2},
        {"120415", 9},
        {"ZE184226B<<<<<", 1},
        {"D23145890734", 9},    /* part 5, long number */
        {"<<<<<<", 0},          /* fillers count 0 */
        {"A", 0},               /* 10 * 7 */
        {"AB<", 3},             /* 10*7 + 11*3 = 103 */
        {"Z", 5},               /* 35 * 7 = 245 */
        {"", 0},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++)
        CHECK_EQ(fmt_mrz_check_digit(cases[i].s, strlen(cases[i].s)),
                 cases[i].digit);
}

/* ---------------------------------------------------------------- layouts */

struct expect {
    const char *mrz;
    fmt_mrz_format format;
    const char *code, *issuer, *surname, *given, *number, *nationality;
    const char *dob, *sex, *expiry, *optional;
};

static const struct expect layouts[] = {
    /* TD3, ICAO Utopia specimen */
    {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
     "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
     FMT_MRZ_TD3, "P", "UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO",
     "1974-08-12", "F", "2012-04-15", "ZE184226B"},
    /* TD3, Germany's D<< as issuer and nationality */
    {"P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<|"
     "C01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
     FMT_MRZ_TD3, "P", "DEU", "MUSTERMANN", "ERIKA", "C01X0006H", "DEU",
     "1964-08-12", "F", "2017-10-31", ""},
    /* TD3, two-letter document code, personal number with letters */
    {"POCHNABULIKEMU<<ABULA<<<<<<<<<<<<<<<<<<<<<<<|"
     "E596593216CHN9701078M2510077LAKCLCLMMBKGG932",
     FMT_MRZ_TD3, "PO", "CHN", "ABULIKEMU", "ABULA", "E59659321", "CHN",
     "1997-01-07", "M", "2025-10-07", "LAKCLCLMMBKGG9"},
    /* TD1, Swiss ID */
    {"IDCHEA1234567<6<<<<<<<<<<<<<<<|7510256M2009018CHE<<<<<<<<<<<8|"
     "SMITH<<JOHN<ALBERT<<<<<<<<<<<<",
     FMT_MRZ_TD1, "ID", "CHE", "SMITH", "JOHN ALBERT", "A1234567", "CHE",
     "1975-10-25", "M", "2020-09-01", ""},
    /* TD1, long number (ICAO part 5 example), names with '<' inside */
    {"I<UTOD23145890<7349<<<<<<<<<<<|3407127M9507122UTO<<<<<<<<<<<2|"
     "STEVENSON<<PETER<JOHN<<<<<<<<<",
     FMT_MRZ_TD1, "I", "UTO", "STEVENSON", "PETER JOHN", "D23145890734",
     "UTO", "1934-07-12", "M", "1995-07-12", ""},
    /* TD1, long number with letters (Portugal), compound surname */
    {"I<PRT007777779<ZZ92<<<<<<<<<<<|8303143M3405282PRT<<<<<<<<<<<2|"
     "CACADOR<DE<ARAUJO<<ANDRE<ESTEV",
     FMT_MRZ_TD1, "I", "PRT", "CACADOR DE ARAUJO", "ANDRE ESTEV",
     "007777779ZZ9", "PRT", "1983-03-14", "M", "2034-05-28", ""},
    /* TD1, optional data kept with its inner filler */
    {"I<FINXA10000585010195<112X<<<<|9501016F2803135FIN<<<<<<<<<<<7|"
     "SPECIMEN<TRAVEL<<VILMA<SOFIA<<",
     FMT_MRZ_TD1, "I", "FIN", "SPECIMEN TRAVEL", "VILMA SOFIA", "XA1000058",
     "FIN", "1995-01-01", "F", "2028-03-13", "010195<112X"},
    /* TD1, D<< as issuer and nationality, unspecified sex */
    {"IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\n"
     "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
     FMT_MRZ_TD1, "ID", "DEU", "MUSTERMANN", "ERIKA", "T22000129", "DEU",
     "1964-08-12", "X", "2020-10-31", ""},
    /* TD2 */
    {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<|D231458907UTO7408122F1204159<<<<<<<6",
     FMT_MRZ_TD2, "I", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890", "UTO",
     "1974-08-12", "F", "2012-04-15", ""},
    /* TD2, long number rule */
    {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<|D23145890<UTO7408122F12041591233<<<4",
     FMT_MRZ_TD2, "I", "UTO", "ERIKSSON", "ANNA MARIA", "D23145890123",
     "UTO", "1974-08-12", "F", "2012-04-15", ""},
    /* MRV-A, expired last century */
    {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
     "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
     FMT_MRZ_MRVA, "V", "UTO", "ERIKSSON", "ANNA MARIA", "L8988901C", "XXX",
     "1940-09-07", "F", "1996-12-10", "6ZE184226B"},
    /* MRV-B, German visa */
    {"VBD<<DEDIC<<SIDNAN<<<<<<<<<<<<<<<<<<|D091740530BIH8201135M9708011<2020711",
     FMT_MRZ_MRVB, "VB", "DEU", "DEDIC", "SIDNAN", "D09174053", "BIH",
     "1982-01-13", "M", "1997-08-01", "<2020711"},
    /* French national identity card (1988), parsed with its own layout */
    {"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<|9409923102854CORINNE<<<<<<<6512068F4",
     FMT_MRZ_FR_ID, "ID", "FRA", "BERTHIER", "CORINNE", "940992310285", "FRA",
     "1965-12-06", "F", "", ""},
};

TEST(mrz_layouts_fields)
{
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(layouts); i++) {
        const struct expect *e = &layouts[i];
        fmt_mrz m;
        int rc = parse(e->mrz, &m);
        CHECK_EQ(rc, LIAISON_OK);
        if (rc) {
            fprintf(stderr, "  case %zu\n", i);
            continue;
        }
        CHECK_EQ(m.format, e->format);
        CHECK_STR(m.document_code, e->code);
        CHECK_STR(m.issuer, e->issuer);
        CHECK_STR(m.surname, e->surname);
        CHECK_STR(m.given_names, e->given);
        CHECK_STR(m.document_number, e->number);
        CHECK_STR(m.nationality, e->nationality);
        CHECK_STR(m.dob, e->dob);
        CHECK_STR(m.sex, e->sex);
        CHECK_STR(m.expiry, e->expiry);
        CHECK_STR(m.optional_data, e->optional);
        CHECK(m.valid);
        CHECK(!m.corrected);
        if (!m.valid || m.corrected)
            fprintf(stderr, "  case %zu: %s\n", i, m.warnings[0]);
    }
}

TEST(mrz_checks_reported_individually)
{
    fmt_mrz m;
    /* TD3: every check present. */
    CHECK_EQ(parse(layouts[0].mrz, &m), LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_VALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_OPTIONAL_DATA], FMT_CHECK_VALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_COMPOSITE], FMT_CHECK_VALID);
    /* TD3 with an empty personal number and '<' as its digit: absent. */
    CHECK_EQ(parse(layouts[1].mrz, &m), LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_OPTIONAL_DATA], FMT_CHECK_ABSENT);
    /* Visas: no composite, no optional-data digit. */
    CHECK_EQ(parse(layouts[10].mrz, &m), LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_COMPOSITE], FMT_CHECK_ABSENT);
    CHECK_EQ(m.checks[FMT_MRZ_CK_OPTIONAL_DATA], FMT_CHECK_ABSENT);
    CHECK_EQ(m.checks[FMT_MRZ_CK_EXPIRY], FMT_CHECK_VALID);
    /* One wrong digit (personal number 1 -> 2): that check and the
    ** composite fail, the others pass, the document is still returned. */
    CHECK_EQ(parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
                   "L898902C36UTO7408122F1204159ZE184226B<<<<<20", &m),
             LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_VALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOB], FMT_CHECK_VALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_EXPIRY], FMT_CHECK_VALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_OPTIONAL_DATA], FMT_CHECK_INVALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_COMPOSITE], FMT_CHECK_INVALID);
    CHECK(!m.valid);
    CHECK(!m.corrected);
    CHECK_STR(m.surname, "ERIKSSON");
    CHECK(has_warning(&m, "optional data check digit fails: expected 1, "
                          "found 2"));
}

TEST(mrz_long_number_belgian_variants)
{
    fmt_mrz m;
    /* ICAO rule: check over 600001795015. */
    CHECK_EQ(parse("IDBEL600001795<0152<<<<<<<<<<<|1301014F2311207BEL130101987398|"
                   "SPECIMEN<<SPECIMEN<<<<<<<<<<<<", &m), LIAISON_OK);
    CHECK_STR(m.document_number, "600001795015");
    CHECK(m.valid);
    CHECK_EQ(m.n_warnings, 0);
    /* Older Belgian cards compute over 000590240<601: accepted, noted. */
    CHECK_EQ(parse("IDBEL000590240<6013<<<<<<<<<<<|8512017F1311048BEL851201002007|"
                   "REINARTZ<<ULRIKE<KATIA<E<<<<<<", &m), LIAISON_OK);
    CHECK_STR(m.document_number, "000590240601");
    CHECK_STR(m.given_names, "ULRIKE KATIA E");
    CHECK_STR(m.optional_data2, "85120100200");
    CHECK(m.valid);
    CHECK(has_warning(&m, "'<' included"));
    /* Neither rule fits 6: flagged. */
    CHECK_EQ(parse("IDBEL000590240<6016<<<<<<<<<<<|8512017F1311048BEL851201002007|"
                   "REINARTZ<<ULRIKE<KATIA<E<<<<<<", &m), LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_INVALID);
    CHECK(!m.valid);
}

/* ---------------------------------------------------------------- input forms */

TEST(mrz_line_separators_and_blanks)
{
    static const char *const forms[] = {
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n",
        "  P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<< | L898902C36UTO7408122F1204159ZE184226B<<<<<10  ",
        "\n\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\n\tL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
        /* one run of 88 characters */
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(forms); i++) {
        fmt_mrz m;
        CHECK_EQ(parse(forms[i], &m), LIAISON_OK);
        CHECK_EQ(m.format, FMT_MRZ_TD3);
        CHECK_STR(m.document_number, "L898902C3");
        CHECK(m.valid);
        CHECK_EQ(m.n_warnings, 2);      /* UTO is not a real state */
    }
}

TEST(mrz_lower_case_is_upper_cased_with_warning)
{
    fmt_mrz m;
    CHECK_EQ(parse("p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n"
                   "l898902c36uto7408122f1204159ze184226b<<<<<10", &m),
             LIAISON_OK);
    CHECK_STR(m.surname, "ERIKSSON");
    CHECK(m.valid);
    CHECK(has_warning(&m, "lower-case"));
}

TEST(mrz_junk_is_eformat_with_line_and_column)
{
    static const struct {
        const char *in;
        long line, col;
        const char *msg;
    } cases[] = {
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO74081%2F1204159ZE184226B<<<<<10",
         2, 19, "line 2, column 19: '%'"},
        {"  P<UTO ERIKSSON", 1, 8, "byte 0x20"},
        {"hello, world", 1, 6, "','"},
        {"P<UTO\xc3\x89RIKSSON", 1, 6, "byte 0xc3"},
        {"AAA001D<<|FACHE305142128097<<800126<<<<<|MARCHAND<<FABIENNE<<<<<<<<<<<<",
         1, 0, "line 1: 9 characters"},
        {"D1FRA13AA000026181231MARTIN<<9", 1, 0, "one line of 30"},
        {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<1",
         2, 0, "expected 44"},
        {"A|B|C|D", 4, 0, "at most 3 lines"},
        {"", 0, 0, "empty"},
        {" \n | \r\n", 0, 0, "empty"},
        {"P<UTO\0ERIKSSON", 1, 6, "byte 0x00"},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        fmt_mrz m;
        struct liaison_err err;
        size_t len = i == 10 ? 14 : strlen(cases[i].in);
        memset(&err, 0, sizeof(err));
        memset(&m, 0x55, sizeof(m));
        CHECK_EQ(fmt_mrz_parse(cases[i].in, len, 2025, &m, &err),
                 LIAISON_EFORMAT);
        CHECK_EQ(err.code, LIAISON_EFORMAT);
        CHECK_EQ(err.line, cases[i].line);
        CHECK_EQ(err.col, cases[i].col);
        CHECK(strstr(err.msg, cases[i].msg) != NULL);
        if (!strstr(err.msg, cases[i].msg))
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK_EQ(m.format, 0);          /* zeroed on failure */
    }
    CHECK_EQ(fmt_mrz_parse("x", 1, 0, NULL, NULL), LIAISON_EINVAL);
}

/* ---------------------------------------------------------------- dates */

TEST(mrz_dates_centuries_and_partial)
{
    static const struct {
        const char *line2;
        int ref_year;
        const char *dob;
        int warn;
    } cases[] = {
        {"L898902C36UTO74<<<<1F1204159ZE184226B<<<<<18", 2025, "1974", 0},
        {"L898902C36UTO7408<<7F1204159ZE184226B<<<<<10", 2025, "1974-08", 0},
        {"L898902C36UTO7408007F1204159ZE184226B<<<<<10", 2025, "1974-08", 0},
        {"L898902C36UTO<<<<<<0F1204159ZE184226B<<<<<10", 2025, "", 0},
        {"L898902C36UTO1501010F1204159ZE184226B<<<<<18", 2025, "2015-01-01", 0},
        {"L898902C36UTO1501010F1204159ZE184226B<<<<<18", 2010, "1915-01-01", 0},
        {"L898902C36UTO7413014F1204159ZE184226B<<<<<10", 2025, "", 1},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char buf[128];
        fmt_mrz m;
        snprintf(buf, sizeof(buf), "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|%s",
                 cases[i].line2);
        CHECK_EQ(fmt_mrz_parse(buf, strlen(buf), cases[i].ref_year, &m, NULL),
                 LIAISON_OK);
        CHECK_STR(m.dob, cases[i].dob);
        CHECK_EQ(has_warning(&m, "is not a date"), cases[i].warn);
        CHECK(m.valid);
    }
}

TEST(mrz_expiry_century)
{
    fmt_mrz m;
    /* 961210 is 1996 (2096 is more than 50 years ahead); 120415 is 2012. */
    CHECK_EQ(parse(layouts[10].mrz, &m), LIAISON_OK);
    CHECK_STR(m.expiry, "1996-12-10");
    CHECK_EQ(parse(layouts[0].mrz, &m), LIAISON_OK);
    CHECK_STR(m.expiry, "2012-04-15");
    /* 2034-05-28 stays in this century. */
    CHECK_EQ(parse(layouts[5].mrz, &m), LIAISON_OK);
    CHECK_STR(m.expiry, "2034-05-28");
}

/* ---------------------------------------------------------------- OCR */

TEST(mrz_ocr_positional_correction_td1)
{
    fmt_mrz clean, m;
    CHECK_EQ(parse(layouts[3].mrz, &clean), LIAISON_OK);
    CHECK_EQ(parse("IDCHEA1234567<6<<<<<<<<<<<<<<<|7SIOZSGMZOO90IBCHE<<<<<<<<<<<B|"
                   "5M1TH<<J0HN<AL8ERT<<<<<<<<<<<<", &m), LIAISON_OK);
    CHECK(m.corrected);
    CHECK(m.valid);                     /* every digit passes once corrected */
    CHECK_EQ(m.raw_checks[FMT_MRZ_CK_DOB], FMT_CHECK_INVALID);
    CHECK_EQ(m.raw_checks[FMT_MRZ_CK_COMPOSITE], FMT_CHECK_INVALID);
    CHECK_STR(m.surname, clean.surname);
    CHECK_STR(m.given_names, clean.given_names);
    CHECK_STR(m.dob, clean.dob);
    CHECK_STR(m.expiry, clean.expiry);
    CHECK_STR(m.full_name, "JOHN ALBERT SMITH");
    CHECK_STR(m.raw[FMT_MRZ_F_SURNAME], "5M1TH");
    CHECK_STR(m.raw[FMT_MRZ_F_DOB], "7SIOZS");
    CHECK_STR(m.raw[FMT_MRZ_F_EXPIRY], "ZOO90I");
    CHECK(m.corrected_fields & (1u << FMT_MRZ_F_CHECK_DIGITS));
    CHECK(!(m.corrected_fields & (1u << FMT_MRZ_F_DOCUMENT_NUMBER)));
    CHECK_STR(m.raw[FMT_MRZ_F_DOCUMENT_NUMBER], "");
    CHECK(has_warning(&m, "surname: OCR-corrected 5M1TH to SMITH"));
}

TEST(mrz_ocr_country_codes_and_doc_code)
{
    fmt_mrz m;
    /* Issuer UT0, nationality stays UTO, composite O -> 0. */
    CHECK_EQ(parse("P<UT0ERIK55ON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<|"
                   "L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O", &m),
             LIAISON_OK);
    CHECK_STR(m.issuer, "UTO");
    CHECK_STR(m.raw[FMT_MRZ_F_ISSUER], "UT0");
    CHECK_STR(m.surname, "ERIKSSON");
    CHECK_STR(m.dob, "1974-08-12");
    CHECK(m.corrected);
    CHECK(m.valid);
    /* French card read with 1 for I in the document code. */
    CHECK_EQ(parse("1DFRATE5T<NAME<<<<<<<<<<<<<<<<0CHE02|I7I0GVA123451RO8ERTA<<<<<<<9IIZ3IIF2",
                   &m), LIAISON_OK);
    CHECK_EQ(m.format, FMT_MRZ_FR_ID);
    CHECK_STR(m.document_code, "ID");
    CHECK_STR(m.document_number, "1710GVA12345");
    CHECK_STR(m.given_names, "ROBERTA");
    CHECK_STR(m.surname, "TEST NAME");
    CHECK_STR(m.dob, "1991-12-31");
    CHECK(m.corrected);
    CHECK(m.valid);
}

TEST(mrz_ocr_document_number_repaired_by_check_digits)
{
    fmt_mrz m;
    /* 0 of L898902C3 read as O: the number's digit and the composite both
    ** fail; the one swap that satisfies both is applied. */
    CHECK_EQ(parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
                   "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10", &m),
             LIAISON_OK);
    CHECK_STR(m.document_number, "L898902C3");
    CHECK_STR(m.raw[FMT_MRZ_F_DOCUMENT_NUMBER], "L8989O2C3");
    CHECK_EQ(m.raw_checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_INVALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_VALID);
    CHECK(m.corrected);
    CHECK(m.valid);
}

TEST(mrz_ocr_visa_number_not_guessed)
{
    fmt_mrz m;
    /* Visas have no composite: one check digit is too weak to choose a
    ** correction, so the number is reported as read and flagged. */
    CHECK_EQ(parse("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|"
                   "L898890IC4XXX4009078F96121096ZE184226B<<<<<<", &m),
             LIAISON_OK);
    CHECK_STR(m.document_number, "L898890IC");
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOCUMENT_NUMBER], FMT_CHECK_INVALID);
    CHECK(!m.valid);
    CHECK(!m.corrected);
}

TEST(mrz_ocr_no_correction_when_digit_itself_wrong)
{
    fmt_mrz m;
    /* Date of birth digit 7 -> 8: nothing to correct, reported. */
    CHECK_EQ(parse("IDBEL000590240<6013<<<<<<<<<<<|8512018F1311048BEL851201002007|"
                   "REINARTZ<<ULRIKE<KATIA<E<<<<<<", &m), LIAISON_OK);
    CHECK_EQ(m.checks[FMT_MRZ_CK_DOB], FMT_CHECK_INVALID);
    CHECK_EQ(m.checks[FMT_MRZ_CK_COMPOSITE], FMT_CHECK_INVALID);
    CHECK(!m.valid);
    CHECK(!m.corrected);
    CHECK_STR(m.dob, "1985-12-01");
}

/* ---------------------------------------------------------------- output */

TEST(mrz_json_exact)
{
    fmt_mrz m;
    util_buf b;
    util_buf_init(&b, 0);
    CHECK_EQ(parse(layouts[1].mrz, &m), LIAISON_OK);
    CHECK_EQ(fmt_mrz_to_json(&m, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b),
              "{\"format\":\"TD3\",\"document_code\":\"P\",\"issuer\":\"DEU\","
              "\"surname\":\"MUSTERMANN\",\"given_names\":\"ERIKA\","
              "\"full_name\":\"ERIKA MUSTERMANN\",\"document_number\":\"C01X0006H\","
              "\"nationality\":\"DEU\",\"dob\":\"1964-08-12\",\"sex\":\"F\","
              "\"expiry\":\"2017-10-31\",\"optional_data\":null,"
              "\"checks\":{\"document_number\":true,\"dob\":true,\"expiry\":true,"
              "\"optional_data\":null,\"composite\":true},"
              "\"valid\":true,\"corrected\":false,\"warnings\":[]}");
    util_buf_fini(&b);
}

TEST(mrz_json_corrected_has_raw_and_checks_as_read)
{
    fmt_mrz m;
    util_buf b;
    const char *s;
    util_buf_init(&b, 0);
    CHECK_EQ(parse("IDCHEA1234567<6<<<<<<<<<<<<<<<|7SIOZSGMZOO90IBCHE<<<<<<<<<<<B|"
                   "5M1TH<<J0HN<AL8ERT<<<<<<<<<<<<", &m), LIAISON_OK);
    CHECK_EQ(fmt_mrz_to_json(&m, &b), LIAISON_OK);
    s = util_buf_str(&b);
    CHECK(strstr(s, "\"corrected\":true,\"raw\":{\"surname\":\"5M1TH\",") != NULL);
    CHECK(strstr(s, "\"checks_as_read\":{\"document_number\":true,\"dob\":false,") != NULL);
    CHECK(strstr(s, "\"optional_data2\":null") != NULL);
    util_buf_fini(&b);
    /* A small cap is ETOOBIG, not a crash. */
    util_buf_init(&b, 40);
    CHECK_EQ(fmt_mrz_to_json(&m, &b), LIAISON_ETOOBIG);
    util_buf_fini(&b);
}

TEST(mrz_json_out_of_memory)
{
    fmt_mrz m;
    util_buf b;
    CHECK_EQ(parse(layouts[0].mrz, &m), LIAISON_OK);
    util_buf_init(&b, 0);
    util_alloc_fail_at(1);
    CHECK_EQ(fmt_mrz_to_json(&m, &b), LIAISON_ENOMEM);
    util_alloc_fail_at(0);
    util_buf_fini(&b);
}

TEST(mrz_name_and_query)
{
    fmt_mrz m;
    liaison_query q;
    char small[8];
    CHECK_EQ(parse(layouts[5].mrz, &m), LIAISON_OK);
    CHECK_STR(m.full_name, "ANDRE ESTEV CACADOR DE ARAUJO");
    CHECK_EQ(fmt_mrz_name(&m, small, sizeof(small)), 29);
    CHECK_STR(small, "ANDRE E");
    fmt_mrz_query(&m, &q);
    CHECK_STR(q.name, "ANDRE ESTEV CACADOR DE ARAUJO");
    CHECK_STR(q.dob, "1983-03-14");
    CHECK_STR(q.nationality, "PRT");
    CHECK_STR(q.gender, "M");
    CHECK_STR(q.doc, "007777779ZZ9");
    CHECK_STR(q.doc_country, "PRT");
    CHECK(q.vin == NULL && q.plate == NULL);
    /* No surname: the name is the given names alone; sex < is no gender. */
    CHECK_EQ(parse("IDD<<T220001293<<<<<<<<<<<<<<<\n6408125<2010315D<<<<<<<<<<<<<4\n"
                   "<<ERIKA<<<<<<<<<<<<<<<<<<<<<<<", &m), LIAISON_OK);
    CHECK_STR(m.full_name, "ERIKA");
    fmt_mrz_query(&m, &q);
    CHECK(q.gender == NULL);
    CHECK(has_warning(&m, "surname (primary identifier) is empty"));
}

/* ---------------------------------------------------------------- specimens */

/* Every row of the shared specimen table: ICAO specimens parse with the
** layout named; valid ones pass every check untouched; the others (bad
** digits, OCR-corrupted) are flagged (not valid, or corrected); French
** ID cards parse as FR-ID; driving licences are refused. */
TEST(mrz_specimens_tsv)
{
    char *data = NULL, *line, *next;
    size_t len = 0;
    int rows = 0, icao = 0, valid = 0, flagged = 0, fr = 0, refused = 0;
    int rc = util_read_file(TESTLIB_SHARED "/data/mrz_specimens/mrz_specimens.tsv",
                            1 << 20, &data, &len, NULL);
    CHECK_EQ(rc, LIAISON_OK);
    if (rc)
        return;
    line = strchr(data, '\n');          /* skip the header */
    for (line = line ? line + 1 : NULL; line && *line; line = next) {
        char *col[5];
        int n = 0;
        fmt_mrz m;
        struct liaison_err err;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        col[n++] = line;
        while (n < 5 && (col[n] = strchr(col[n - 1], '\t')) != NULL)
            *col[n]++ = '\0', n++;
        CHECK_EQ(n, 5);
        if (n < 5)
            continue;
        rows++;
        rc = fmt_mrz_parse(col[4], strlen(col[4]), 2025, &m, &err);
        if (strstr(col[2], "DRIVING_LICENCE")) {
            CHECK_EQ(rc, LIAISON_EFORMAT);
            refused += rc == LIAISON_EFORMAT;
            continue;
        }
        CHECK_EQ(rc, LIAISON_OK);
        if (rc) {
            fprintf(stderr, "  %s: %s\n", col[4], err.msg);
            continue;
        }
        if (strstr(col[2], "FRENCH_NATIONAL_ID")) {
            CHECK_EQ(m.format, FMT_MRZ_FR_ID);
            fr++;
            continue;
        }
        icao++;
        CHECK_STR(fmt_mrz_format_name(m.format),
                  !strcmp(col[2], "MRVA") ? "MRV-A"
                  : !strcmp(col[2], "MRVB") ? "MRV-B" : col[2]);
        if (!strcmp(col[3], "true")) {
            CHECK(m.valid && !m.corrected);
            if (!m.valid || m.corrected)
                fprintf(stderr, "  not valid: %s\n", col[4]);
            valid += m.valid && !m.corrected;
        } else {
            CHECK(!m.valid || m.corrected);
            if (m.valid && !m.corrected)
                fprintf(stderr, "  not flagged: %s\n", col[4]);
            flagged += !m.valid || m.corrected;
        }
    }
    CHECK_EQ(rows, 47);
    CHECK_EQ(icao, 40);
    CHECK_EQ(valid, 32);
    CHECK_EQ(flagged, 8);
    CHECK_EQ(fr, 3);
    CHECK_EQ(refused, 4);
    util_free(data);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
