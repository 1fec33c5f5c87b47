/*
** docnum.c: normalising travel-document numbers, vehicle identification
** numbers and registration plates so that the index can look them up
** exactly and with OCR tolerance (DESIGN section 5).  Everything works on
** caller buffers; nothing allocates.
*/
#include <string.h>

#include "match/docnum.h"
#include "util/util.h"

/* ---------------------------------------------------------------- characters */

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

static unsigned char upper(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
}

/* The folding documented in docnum.h. */
static unsigned char ocr_fold(unsigned char c)
{
    switch (c) {
    case 'O': case 'Q': return '0';
    case 'I': return '1';
    case 'Z': return '2';
    case 'S': return '5';
    case 'G': return '6';
    case 'B': return '8';
    default: return c;
    }
}

/* Characters of Arabic script that numbers and plates are written with,
** by their two UTF-8 bytes: what each stands for in ASCII, or 0 to drop it.
**  - Arabic-Indic and Eastern Arabic-Indic (Persian) digits: digits.
**  - The series letters of Moroccan plates, "12345 | \xd8\xa3 | 6":
**    Moroccan law has cars that leave the country carry the same plate
**    in Latin capitals (12345-A-6), with these equivalents: alef A, ba B,
**    dal D, ha H, waw E, ta T, ya Y (alef with hamza above or below, or
**    madda, and alef maksura as they are typed for alef and ya).  So an
**    officer abroad who types the Latin plate finds the Moroccan record
**    written in Arabic, and the other way round.  No number or plate of
**    another country is lost by it: two spellings that matched before
**    still map alike, and the country check still tells plates apart.
**  - Tatweel (the stretching stroke in "\xd9\x87\xd9\x80") and the
**    Arabic letter mark (a direction mark copied with bidirectional
**    text): nothing. */
static const struct {
    unsigned char b0, b1;
    char ascii;
} arabic_chars[] = {
    {0xd8, 0xa2, 'A'}, {0xd8, 0xa3, 'A'}, {0xd8, 0xa5, 'A'},
    {0xd8, 0xa7, 'A'}, {0xd8, 0xa8, 'B'}, {0xd8, 0xaf, 'D'},
    {0xd8, 0xb7, 'T'}, {0xd9, 0x87, 'H'}, {0xd9, 0x88, 'E'},
    {0xd9, 0x89, 'Y'}, {0xd9, 0x8a, 'Y'},
    {0xd9, 0x80, 0}, {0xd8, 0x9c, 0},
};

/* What the character at s[i] (a byte >= 0x80) stands for: an Arabic
** character above, or a direction mark (U+200E, U+200F: dropped).  The
** ASCII character, 0 to drop it, with its length in *width; -1 when it is
** none of those. */
static int foreign_char(const char *s, size_t len, size_t i, size_t *width)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t k;
    if (i + 2 < len && u[0] == 0xe2 && u[1] == 0x80 &&
        (u[2] == 0x8e || u[2] == 0x8f)) {
        *width = 3;
        return 0;
    }
    if (i + 1 >= len)
        return -1;
    *width = 2;
    if ((u[0] == 0xd9 && u[1] >= 0xa0 && u[1] <= 0xa9) ||
        (u[0] == 0xdb && u[1] >= 0xb0 && u[1] <= 0xb9))
        return '0' + (u[1] & 0x0f);
    for (k = 0; k < UTIL_ARRAY_LEN(arabic_chars); k++)
        if (arabic_chars[k].b0 == u[0] && arabic_chars[k].b1 == u[1])
            return arabic_chars[k].ascii;
    return -1;
}

/* The next kept byte of s[*i..len) in normal form, or -1 at the end.
** Kept: ASCII letters and digits (upper-cased, maybe folded), the Arabic
** characters above as their ASCII equivalents, and every other byte >=
** 0x80; direction marks (U+200E, U+200F) are dropped. */
static int next_kept(const char *s, size_t len, size_t *i, unsigned flags)
{
    while (*i < len) {
        unsigned char c = (unsigned char)s[*i];
        size_t width;
        int a;
        if (c >= 0x80) {
            if ((a = foreign_char(s, len, *i, &width)) < 0) {
                (*i)++;
                return c;
            }
            *i += width;
            if (a == 0)
                continue;
            c = (unsigned char)a;
        } else {
            (*i)++;
            if (!is_alnum(c))
                continue;
            c = upper(c);
        }
        return (flags & DOCNUM_FOLD_OCR) ? ocr_fold(c) : c;
    }
    return -1;
}

/* ---------------------------------------------------------------- document numbers */

int docnum_normalise(const char *s, size_t len, unsigned flags, char *out,
                     size_t size, size_t *out_len)
{
    size_t i = 0, n = 0;
    int c;
    if (out_len)
        *out_len = 0;
    if ((!s && len) || !out || !size || !out_len)
        return LIAISON_EINVAL;
    while ((c = next_kept(s, len, &i, flags)) >= 0) {
        if (n + 1 >= size) {
            out[0] = '\0';
            return LIAISON_ETOOBIG;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    *out_len = n;
    return LIAISON_OK;
}

int docnum_equal(const char *a, size_t alen, const char *b, size_t blen,
                 unsigned flags)
{
    size_t i = 0, j = 0;
    int any = 0;
    if ((!a && alen) || (!b && blen))
        return 0;
    for (;;) {
        int x = next_kept(a, alen, &i, flags);
        int y = next_kept(b, blen, &j, flags);
        if (x != y)
            return 0;
        if (x < 0)
            return any;
        any = 1;
    }
}

/* ---------------------------------------------------------------- VIN */

/* ISO 3779 transliteration; 0 for the letters a VIN may not hold. */
static int vin_value(unsigned char c)
{
    static const signed char letters[26] = {
        1, 2, 3, 4, 5, 6, 7, 8, 0,      /* A-H, I */
        1, 2, 3, 4, 5, 0, 7, 0, 9,      /* J-N, O, P, Q, R */
        2, 3, 4, 5, 6, 7, 8, 9          /* S-Z */
    };
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z' && letters[c - 'A'])
        return letters[c - 'A'];
    return -1;
}

char docnum_vin_check_digit(const char vin[17])
{
    static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0,
                                    9, 8, 7, 6, 5, 4, 3, 2};
    int sum = 0, i;
    for (i = 0; i < 17; i++) {
        int v = vin_value((unsigned char)vin[i]);
        if (v < 0)
            return 0;
        sum += v * weights[i];
    }
    sum %= 11;
    return sum == 10 ? 'X' : (char)('0' + sum);
}

static const char *vin_region(char c)
{
    if (c >= '1' && c <= '5') return "north-america";
    if (c == '6' || c == '7') return "oceania";
    if (c == '8' || c == '9' || c == '0') return "south-america";
    if (c >= 'A' && c <= 'H') return "africa";
    if (c >= 'J' && c <= 'R') return "asia";
    return "europe";                    /* S-Z */
}

int docnum_vin_parse(const char *s, size_t len, docnum_vin *out)
{
    size_t i, n = 0;
    if (!out)
        return LIAISON_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!s && len)
        return LIAISON_EINVAL;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '-' || c == '.' || c == '\t')
            continue;
        if (!is_alnum(c) || n == 17)
            goto bad;
        c = upper(c);
        if (c == 'I' || c == 'O' || c == 'Q') {
            c = c == 'I' ? '1' : '0';
            out->corrected = 1;
        }
        out->vin[n++] = (char)c;
    }
    if (n != 17)
        goto bad;
    out->vin[17] = '\0';
    out->region = vin_region(out->vin[0]);
    out->expected = docnum_vin_check_digit(out->vin);
    out->check_matches = out->vin[8] == out->expected;
    if (out->vin[0] >= '1' && out->vin[0] <= '5')
        out->check = out->check_matches ? DOCNUM_VIN_CHECK_VALID
                                        : DOCNUM_VIN_CHECK_INVALID;
    return LIAISON_OK;
bad:
    memset(out, 0, sizeof(*out));
    return LIAISON_EINVAL;
}

/* ---------------------------------------------------------------- plates */

/* International vehicle distinguishing signs (Vienna Convention 1968)
** that are not ISO 3166 codes; signs equal to an ISO code (MA, TR, DZ,
** ...) need no entry, and ET (Egypt's sign, Ethiopia's ISO code) is left
** to ISO.  Short: looked up linearly. */
static const struct {
    const char *sign, *a3;
} plate_signs[] = {
    {"A", "AUT"}, {"B", "BEL"}, {"CDN", "CAN"}, {"E", "ESP"}, {"F", "FRA"},
    {"FL", "LIE"}, {"GBG", "GGY"}, {"GBJ", "JEY"}, {"GBM", "IMN"},
    {"GBZ", "GIB"}, {"H", "HUN"}, {"I", "ITA"}, {"J", "JPN"}, {"K", "KHM"},
    {"KSA", "SAU"}, {"L", "LUX"}, {"LAR", "LBY"}, {"M", "MLT"},
    {"N", "NOR"}, {"NMK", "MKD"}, {"P", "PRT"}, {"Q", "QAT"},
    {"RA", "ARG"}, {"RCH", "CHL"}, {"RIM", "MRT"}, {"RL", "LBN"},
    {"ROK", "KOR"}, {"RSM", "SMR"}, {"S", "SWE"}, {"SLO", "SVN"},
    {"UAE", "ARE"}, {"V", "VAT"}, {"WAN", "NGA"}, {"Z", "ZMB"},
};

const char *docnum_plate_country(const char *code)
{
    char up[4];
    size_t i, n;
    const char *a3;
    if (!code)
        return NULL;
    a3 = util_country_alpha3(code);
    if (a3)
        return a3;
    n = strlen(code);
    if (n == 0 || n > 3)
        return NULL;
    for (i = 0; i < n; i++)
        up[i] = (char)upper((unsigned char)code[i]);
    up[n] = '\0';
    for (i = 0; i < UTIL_ARRAY_LEN(plate_signs); i++)
        if (!strcmp(up, plate_signs[i].sign))
            return plate_signs[i].a3;
    return NULL;
}

int docnum_plate_normalise(const char *plate, size_t len, const char *country,
                           unsigned flags, docnum_plate *out)
{
    size_t n;
    int rc;
    if (!out)
        return LIAISON_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!plate && len)
        return LIAISON_EINVAL;
    rc = docnum_normalise(plate ? plate : "", len, flags, out->plate,
                          sizeof(out->plate), &n);
    if (!rc && n == 0)
        rc = LIAISON_EINVAL;
    if (!rc && country && country[0]) {
        const char *a3 = docnum_plate_country(country);
        if (a3)
            util_strlcpy(out->country, a3, sizeof(out->country));
        else
            rc = LIAISON_EINVAL;
    }
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}
