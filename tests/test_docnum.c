/*
** test_docnum.c: document-number normalisation and OCR folding, VIN check
** digits (ISO 3779, North America only), plates and their countries
** (src/match/docnum.c).  Table-driven.
*/
#include "testlib.h"

#include "match/docnum.h"

TEST(docnum_normalise_table)
{
    static const struct {
        const char *in;
        unsigned flags;
        const char *out;
    } cases[] = {
        {"ab 123-456", 0, "AB123456"},
        {"  L898902C3 ", 0, "L898902C3"},
        {"A.B/C<D_E,F", 0, "ABCDEF"},
        {"l898902c3", 0, "L898902C3"},
        {"\t12\r\n34\x01", 0, "1234"},
        {"O0Q IZ2 S5 G6 B8", DOCNUM_FOLD_OCR, "000122556688"},
        {"O0Q IZ2 S5 G6 B8", 0, "O0QIZ2S5G6B8"},
        {"DLUVTAE", DOCNUM_FOLD_OCR, "DLUVTAE"},  /* not folded, on purpose */
        {"ab-12", DOCNUM_FOLD_OCR, "A812"},
        {"\xd0\x9e\xd0\x9e 12", 0, "\xd0\x9e\xd0\x9e" "12"},  /* Cyrillic kept */
        {"---", 0, ""},
        {"", 0, ""},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        char out[32];
        size_t n = 99;
        CHECK_EQ(docnum_normalise(cases[i].in, strlen(cases[i].in),
                                  cases[i].flags, out, sizeof(out), &n),
                 LIAISON_OK);
        CHECK_STR(out, cases[i].out);
        CHECK_EQ(n, strlen(cases[i].out));
    }
}

TEST(docnum_normalise_limits)
{
    char out[5];
    size_t n = 7;
    CHECK_EQ(docnum_normalise("ABCD", 4, 0, out, sizeof(out), &n), LIAISON_OK);
    CHECK_STR(out, "ABCD");
    CHECK_EQ(docnum_normalise("AB-CDE", 6, 0, out, sizeof(out), &n),
             LIAISON_ETOOBIG);
    CHECK_STR(out, "");
    CHECK_EQ(n, 0);
    CHECK_EQ(docnum_normalise("A", 1, 0, out, 0, &n), LIAISON_EINVAL);
    CHECK_EQ(docnum_normalise(NULL, 3, 0, out, sizeof(out), &n),
             LIAISON_EINVAL);
    CHECK_EQ(docnum_normalise(NULL, 0, 0, out, sizeof(out), &n), LIAISON_OK);
    CHECK_STR(out, "");
    /* Embedded NUL is a dropped byte, not the end. */
    CHECK_EQ(docnum_normalise("A\0B", 3, 0, out, sizeof(out), &n), LIAISON_OK);
    CHECK_STR(out, "AB");
}

TEST(docnum_equal_table)
{
    static const struct {
        const char *a, *b;
        unsigned flags;
        int eq;
    } cases[] = {
        {"AB1234567", "ab 123 4567", 0, 1},
        {"AB1234567", "AB-1234-567", 0, 1},
        {"AB1234567", "AB1234568", 0, 0},
        {"A81234567", "AB1234567", 0, 0},
        {"A81234567", "AB1234567", DOCNUM_FOLD_OCR, 1},
        {"0O1I", "OO11", DOCNUM_FOLD_OCR, 1},
        {"D1234", "01234", DOCNUM_FOLD_OCR, 0},
        {"AB12", "AB123", 0, 0},
        {"", "", 0, 0},                 /* nothing is equal to nothing */
        {"--", " ", 0, 0},
        /* A Moroccan plate in Arabic and as it reads abroad. */
        {"12345 | \xd8\xa3 | 6", "12345-A-6", 0, 1},
        {"12345 | \xd8\xa3 | 6", "12345-B-6", 0, 0},
        {"12345 | \xd8\xa3 | 6", "12345 \xd8\xa7 6", 0, 1},
        {"\xd9\xa5\xd9\xa0", "50", 0, 1},
        {"12 \xd8\xb4 3", "123", 0, 0},   /* a letter kept, not dropped */
        {"\xd8", "\xd8", 0, 1},             /* a cut sequence kept as is */
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        CHECK_EQ(docnum_equal(cases[i].a, strlen(cases[i].a), cases[i].b,
                              strlen(cases[i].b), cases[i].flags),
                 cases[i].eq);
        CHECK_EQ(docnum_equal(cases[i].b, strlen(cases[i].b), cases[i].a,
                              strlen(cases[i].a), cases[i].flags),
                 cases[i].eq);
    }
}

TEST(docnum_vin_table)
{
    static const struct {
        const char *in;
        int rc;
        const char *vin;
        docnum_vin_check check;
        char expected;
        int corrected;
        const char *region;
    } cases[] = {
        {"1M8GDM9AXKP042788", 0, "1M8GDM9AXKP042788", DOCNUM_VIN_CHECK_VALID, 'X', 0, "north-america"},
        {"11111111111111111", 0, "11111111111111111", DOCNUM_VIN_CHECK_VALID, '1', 0, "north-america"},
        {"1hgcm82633a004352", 0, "1HGCM82633A004352", DOCNUM_VIN_CHECK_VALID, '3', 0, "north-america"},
        {"3VW FE21C0 4M000001", 0, "3VWFE21C04M000001", DOCNUM_VIN_CHECK_VALID, '0', 0, "north-america"},
        {"2T1BURHE0JC043821", 0, "2T1BURHE0JC043821", DOCNUM_VIN_CHECK_INVALID, 'X', 0, "north-america"},
        {"5YJSA1E14HF000337", 0, "5YJSA1E14HF000337", DOCNUM_VIN_CHECK_INVALID, '8', 0, "north-america"},
        {"1FTFW1ET5DFC10312", 0, "1FTFW1ET5DFC10312", DOCNUM_VIN_CHECK_INVALID, '9', 0, "north-america"},
        /* outside North America position 9 is free: not applicable */
        {"WVWZZZ1JZXW000001", 0, "WVWZZZ1JZXW000001", DOCNUM_VIN_CHECK_NA, '0', 0, "europe"},
        {"VF1RFB00X56789012", 0, "VF1RFB00X56789012", DOCNUM_VIN_CHECK_NA, '9', 0, "europe"},
        {"JH4KA7561PC008269", 0, "JH4KA7561PC008269", DOCNUM_VIN_CHECK_NA, '1', 0, "asia"},
        /* O and I never occur: read as 0 and 1, then checked */
        {"1M8GDM9AXKPO42788", 0, "1M8GDM9AXKP042788", DOCNUM_VIN_CHECK_VALID, 'X', 1, "north-america"},
        {"IIIIIIIIIIIIIIIII", 0, "11111111111111111", DOCNUM_VIN_CHECK_VALID, '1', 1, "north-america"},
        {"1M8-GDM9.AXKP042788", 0, "1M8GDM9AXKP042788", DOCNUM_VIN_CHECK_VALID, 'X', 0, "north-america"},
        /* not a VIN */
        {"1M8GDM9AXKP04278", LIAISON_EINVAL, "", DOCNUM_VIN_CHECK_NA, 0, 0, NULL},
        {"1M8GDM9AXKP0427888", LIAISON_EINVAL, "", DOCNUM_VIN_CHECK_NA, 0, 0, NULL},
        {"1M8GDM9AXKP04278*", LIAISON_EINVAL, "", DOCNUM_VIN_CHECK_NA, 0, 0, NULL},
        {"", LIAISON_EINVAL, "", DOCNUM_VIN_CHECK_NA, 0, 0, NULL},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        docnum_vin v;
        CHECK_EQ(docnum_vin_parse(cases[i].in, strlen(cases[i].in), &v),
                 cases[i].rc);
        CHECK_STR(v.vin, cases[i].vin);
        CHECK_EQ(v.check, cases[i].check);
        CHECK_EQ(v.expected, cases[i].expected);
        CHECK_EQ(v.corrected, cases[i].corrected);
        if (cases[i].region)
            CHECK_STR(v.region, cases[i].region);
        else
            CHECK(v.region == NULL);
    }
}

TEST(docnum_vin_check_digit_direct)
{
    CHECK_EQ(docnum_vin_check_digit("1M8GDM9AXKP042788"), 'X');
    CHECK_EQ(docnum_vin_check_digit("1M8GDM9A_KP042788"), 0);
    CHECK_EQ(docnum_vin_check_digit("1M8GDM9AOKP042788"), 0);   /* O */
    CHECK_EQ(docnum_vin_check_digit("1m8GDM9AXKP042788"), 0);   /* lower */
}

TEST(docnum_plate_table)
{
    static const struct {
        const char *plate, *country;
        unsigned flags;
        int rc;
        const char *out, *a3;
    } cases[] = {
        {"34 ABC 123", "TR", 0, LIAISON_OK, "34ABC123", "TUR"},
        {"34-abc-123", "TUR", 0, LIAISON_OK, "34ABC123", "TUR"},
        {"AB-123-CD", "F", 0, LIAISON_OK, "AB123CD", "FRA"},
        {"B.MW 1234", "D", 0, LIAISON_OK, "BMW1234", "DEU"},
        {"1234-BCD", "E", 0, LIAISON_OK, "1234BCD", "ESP"},
        /* Moroccan plates: the Arabic series letter as the plate reads
        ** abroad (ba B, waw E, ha with tatweel H), Arabic-Indic digits,
        ** a direction mark copied with the text; a letter no plate
        ** series uses (sheen) stays as it is. */
        {"123456 | \xd8\xa8 | 6", "MA", 0, LIAISON_OK, "123456B6", "MAR"},
        {"4567 \xd9\x88 26", "MA", 0, LIAISON_OK, "4567E26", "MAR"},
        {"88 \xd9\x87\xd9\x80 1", "MA", 0, LIAISON_OK, "88H1", "MAR"},
        {"\xd9\xa1\xd9\xa2\xd9\xa3 \xd8\xa3 \xdb\xb4", "MA", 0,
         LIAISON_OK, "123A4", "MAR"},
        {"\xe2\x80\x8f" "77 \xd8\xb7 9", NULL, 0, LIAISON_OK, "77T9", ""},
        {"12 \xd8\xb4 3", "MA", 0, LIAISON_OK, "12\xd8\xb4" "3", "MAR"},
        {"12 \xd8\xa8 3", "MA", DOCNUM_FOLD_OCR, LIAISON_OK, "1283", "MAR"},
        {"123 456", "RL", 0, LIAISON_OK, "123456", "LBN"},
        {"123 456", "ET", 0, LIAISON_OK, "123456", "ETH"},     /* ISO wins */
        {"SO 1234", NULL, DOCNUM_FOLD_OCR, LIAISON_OK, "501234", ""},
        {"AB 12", "", 0, LIAISON_OK, "AB12", ""},
        {" - ", "TR", 0, LIAISON_EINVAL, "", ""},
        {"AB 12", "XYZQ", 0, LIAISON_EINVAL, "", ""},
        {"AB 12", "QQ", 0, LIAISON_EINVAL, "", ""},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "TR", 0, LIAISON_ETOOBIG, "", ""},
    };
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        docnum_plate p;
        CHECK_EQ(docnum_plate_normalise(cases[i].plate, strlen(cases[i].plate),
                                        cases[i].country, cases[i].flags, &p),
                 cases[i].rc);
        CHECK_STR(p.plate, cases[i].out);
        CHECK_STR(p.country, cases[i].a3);
    }
    CHECK_EQ(docnum_plate_normalise("A", 1, NULL, 0, NULL), LIAISON_EINVAL);
}

TEST(docnum_plate_country_signs)
{
    CHECK_STR(docnum_plate_country("CH"), "CHE");
    CHECK_STR(docnum_plate_country("ksa"), "SAU");
    CHECK_STR(docnum_plate_country("GBZ"), "GIB");
    CHECK_STR(docnum_plate_country("MAR"), "MAR");
    CHECK(docnum_plate_country("XX") == NULL);
    CHECK(docnum_plate_country("ABCD") == NULL);
    CHECK(docnum_plate_country(NULL) == NULL);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
