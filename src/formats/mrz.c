/*
** mrz.c: machine-readable zones of travel documents (ICAO Doc 9303 parts
** 4-7: TD1, TD2, TD3, MRV-A, MRV-B) and of the French identity card of
** 1988: splitting the text into lines, recognising the layout, check
** digits, OCR correction, and turning the fields into screening values.
**
** Notes on the design:
**  1. Every layout is a row of spans (line, position, length) in one
**     table; there is no per-format code beyond the table, except the
**     French card's split document number.
**  2. Two copies of the lines are kept: as read (raw) and corrected.
**     Fields are extracted from both the same way; a field whose texts
**     differ is reported as corrected, with its raw text.
**  3. OCR correction is positional.  Where the layout says digits (dates,
**     check digits) a confusable letter becomes its digit, and where it
**     says letters (codes, states, names) a confusable digit becomes its
**     letter, unconditionally, since the other class can never be right.
**     Alphanumeric fields (document number, optional data) are changed
**     only to repair a failing check digit, and only when a unique
**     smallest change of at most two characters makes both the field's
**     check digit and the composite check digit pass: one check digit
**     alone would accept a wrong "correction" one time in ten.  Visas have
**     no composite, so their alphanumeric fields are never changed.
**  4. Nothing is allocated: fmt_mrz is a flat struct.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "formats/border.h"

/* ---------------------------------------------------------------- layouts */

struct span {
    signed char line;           /* -1: the layout has no such field */
    unsigned char pos, len;
};

#define NONE {-1, 0, 0}

struct layout {
    fmt_mrz_format format;
    int n_lines, width;
    struct span code, issuer, names, given, docnum, docnum_cd, nationality,
        dob, dob_cd, sex, expiry, expiry_cd, opt, opt_cd, opt2, composite;
    struct span comp_parts[4];  /* what the composite check digit covers */
    int long_number;            /* numbers over 9 characters go on in opt */
};

static const struct layout layouts[] = {
    {FMT_MRZ_TD1, 3, 30,
     {0, 0, 2}, {0, 2, 3}, {2, 0, 30}, NONE, {0, 5, 9}, {0, 14, 1},
     {1, 15, 3}, {1, 0, 6}, {1, 6, 1}, {1, 7, 1}, {1, 8, 6}, {1, 14, 1},
     {0, 15, 15}, NONE, {1, 18, 11}, {1, 29, 1},
     {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}, 1},
    {FMT_MRZ_TD2, 2, 36,
     {0, 0, 2}, {0, 2, 3}, {0, 5, 31}, NONE, {1, 0, 9}, {1, 9, 1},
     {1, 10, 3}, {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
     {1, 28, 7}, NONE, NONE, {1, 35, 1},
     {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}, NONE}, 1},
    {FMT_MRZ_TD3, 2, 44,
     {0, 0, 2}, {0, 2, 3}, {0, 5, 39}, NONE, {1, 0, 9}, {1, 9, 1},
     {1, 10, 3}, {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
     {1, 28, 14}, {1, 42, 1}, NONE, {1, 43, 1},
     {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}, NONE}, 0},
    {FMT_MRZ_MRVA, 2, 44,
     {0, 0, 2}, {0, 2, 3}, {0, 5, 39}, NONE, {1, 0, 9}, {1, 9, 1},
     {1, 10, 3}, {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
     {1, 28, 16}, NONE, NONE, NONE,
     {NONE, NONE, NONE, NONE}, 0},
    {FMT_MRZ_MRVB, 2, 36,
     {0, 0, 2}, {0, 2, 3}, {0, 5, 31}, NONE, {1, 0, 9}, {1, 9, 1},
     {1, 10, 3}, {1, 13, 6}, {1, 19, 1}, {1, 20, 1}, {1, 21, 6}, {1, 27, 1},
     {1, 28, 8}, NONE, NONE, NONE,
     {NONE, NONE, NONE, NONE}, 0},
    /* French card: line 1 code, FRA, surname (25), administrative code
    ** (6); line 2 card number (issue YYMM, office, serial), its check
    ** digit, given names (14), birth date, check, sex, composite over
    ** everything before it. */
    {FMT_MRZ_FR_ID, 2, 36,
     {0, 0, 2}, {0, 2, 3}, {0, 5, 25}, {1, 13, 14}, {1, 0, 12}, {1, 12, 1},
     NONE, {1, 27, 6}, {1, 33, 1}, {1, 34, 1}, NONE, NONE,
     {0, 30, 6}, NONE, NONE, {1, 35, 1},
     {{0, 0, 36}, {1, 0, 35}, NONE, NONE}, 0},
};

static const struct layout *layout_for(fmt_mrz_format f)
{
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(layouts); i++)
        if (layouts[i].format == f)
            return &layouts[i];
    return NULL;
}

const char *fmt_mrz_format_name(fmt_mrz_format f)
{
    switch (f) {
    case FMT_MRZ_TD1: return "TD1";
    case FMT_MRZ_TD2: return "TD2";
    case FMT_MRZ_TD3: return "TD3";
    case FMT_MRZ_MRVA: return "MRV-A";
    case FMT_MRZ_MRVB: return "MRV-B";
    case FMT_MRZ_FR_ID: return "FR-ID";
    }
    return "?";
}

/* ---------------------------------------------------------------- characters */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }

/* OCR-B confusions, letter -> digit (numeric positions).  Q is read for O. */
static char ocr_to_digit(char c)
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

/* digit -> letter (alphabetic positions). */
static char ocr_to_letter(char c)
{
    switch (c) {
    case '0': return 'O';
    case '1': return 'I';
    case '2': return 'Z';
    case '5': return 'S';
    case '6': return 'G';
    case '8': return 'B';
    default: return c;
    }
}

/* The other member of a confusable pair, or 0. */
static char ocr_swap(char c)
{
    char d = is_digit(c) ? ocr_to_letter(c) : ocr_to_digit(c);
    return d != c ? d : 0;
}

/* ---------------------------------------------------------------- check digits */

static int ck_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (is_upper(c))
        return c - 'A' + 10;
    return 0;                   /* '<' */
}

static const int ck_weights[3] = {7, 3, 1};

/* Add s[0..n) to a running 7-3-1 sum whose next weight index is *wi. */
static int ck_add(int sum, const char *s, size_t n, int *wi)
{
    size_t i;
    for (i = 0; i < n; i++) {
        sum += ck_value(s[i]) * ck_weights[*wi];
        *wi = (*wi + 1) % 3;
    }
    return sum;
}

/* State of check digit `cd` over text[0..n).  A '<' digit over a field
** of fillers only is "absent"; any other '<' or non-digit is a failure. */
static fmt_check ck_state(const char *text, size_t n, char cd)
{
    int wi = 0, sum;
    size_t i;
    if (cd == '<') {
        for (i = 0; i < n; i++)
            if (text[i] != '<')
                return FMT_CHECK_INVALID;
        return FMT_CHECK_ABSENT;
    }
    if (!is_digit(cd))
        return FMT_CHECK_INVALID;
    sum = ck_add(0, text, n, &wi);
    return sum % 10 == cd - '0' ? FMT_CHECK_VALID : FMT_CHECK_INVALID;
}

int fmt_mrz_check_digit(const char *s, size_t n)
{
    int wi = 0;
    return ck_add(0, s, n, &wi) % 10;
}

/* The digit a field should have ('0'..'9'). */
static char ck_digit(const char *text, size_t n)
{
    int wi = 0;
    return (char)('0' + ck_add(0, text, n, &wi) % 10);
}

/* ---------------------------------------------------------------- lines */

typedef char mrz_lines[3][45];

static const char *at(mrz_lines l, struct span s)
{
    return &l[s.line][s.pos];
}

/* The document number as checked: the 9-character field, or under the
** long-number rule (TD1, TD2: '<' in the check digit position and the
** rest of the number at the start of the optional data, followed by its
** check digit) the joined number.  opt_skip is how much of the optional
** data the number used (including the '<' after it). */
struct docview {
    char text[32];
    size_t n;
    char alt[32];               /* long numbers: with the '<' left in */
    size_t alt_n;
    char cd;
    int cd_line, cd_pos;        /* where the check digit is */
    size_t opt_skip;
    int is_long;
};

static void docview_get(const struct layout *ly, mrz_lines l,
                        struct docview *dv)
{
    const char *num = at(l, ly->docnum);
    memset(dv, 0, sizeof(*dv));
    memcpy(dv->text, num, ly->docnum.len);
    dv->n = ly->docnum.len;
    dv->cd = *at(l, ly->docnum_cd);
    dv->cd_line = ly->docnum_cd.line;
    dv->cd_pos = ly->docnum_cd.pos;
    if (ly->long_number && dv->cd == '<') {
        const char *opt = at(l, ly->opt);
        size_t k = 0;
        while (k < ly->opt.len && opt[k] != '<')
            k++;
        if (k >= 1) {
            memcpy(dv->alt, num, ly->docnum.len);
            dv->alt[ly->docnum.len] = '<';
            memcpy(dv->alt + ly->docnum.len + 1, opt, k - 1);
            dv->alt_n = ly->docnum.len + k;
            memcpy(dv->text + dv->n, opt, k - 1);
            dv->n += k - 1;
            dv->cd = opt[k - 1];
            dv->cd_line = ly->opt.line;
            dv->cd_pos = ly->opt.pos + (int)k - 1;
            dv->opt_skip = k < ly->opt.len ? k + 1 : k;
            dv->is_long = 1;
        }
    }
}

/* Composite check over the layout's parts. */
static fmt_check composite_state(const struct layout *ly, mrz_lines l)
{
    int wi = 0, sum = 0;
    size_t i;
    char cd;
    if (ly->composite.line < 0)
        return FMT_CHECK_ABSENT;
    for (i = 0; i < UTIL_ARRAY_LEN(ly->comp_parts); i++)
        if (ly->comp_parts[i].line >= 0)
            sum = ck_add(sum, at(l, ly->comp_parts[i]),
                         ly->comp_parts[i].len, &wi);
    cd = *at(l, ly->composite);
    if (!is_digit(cd))
        return FMT_CHECK_INVALID;
    return sum % 10 == cd - '0' ? FMT_CHECK_VALID : FMT_CHECK_INVALID;
}

static fmt_check span_check(mrz_lines l, struct span field, struct span cd)
{
    if (field.line < 0 || cd.line < 0)
        return FMT_CHECK_ABSENT;
    return ck_state(at(l, field), field.len, *at(l, cd));
}

/* All check digits.  A long document number passes when its digit fits
** the number as ICAO computes it (without the '<') or, as on some Belgian
** cards (PRADO BEL-BO-03003), with the '<' in; *alt (if not NULL) is set
** in the second case. */
static void checks_compute(const struct layout *ly, mrz_lines l,
                           fmt_check ck[FMT_MRZ_NCHECKS], int *alt)
{
    struct docview dv;
    docview_get(ly, l, &dv);
    if (alt)
        *alt = 0;
    ck[FMT_MRZ_CK_DOCUMENT_NUMBER] = ck_state(dv.text, dv.n, dv.cd);
    if (dv.is_long && ck[FMT_MRZ_CK_DOCUMENT_NUMBER] == FMT_CHECK_INVALID &&
        ck_state(dv.alt, dv.alt_n, dv.cd) == FMT_CHECK_VALID) {
        ck[FMT_MRZ_CK_DOCUMENT_NUMBER] = FMT_CHECK_VALID;
        if (alt)
            *alt = 1;
    }
    /* The document number's digit is mandatory: "absent" is a failure. */
    if (ck[FMT_MRZ_CK_DOCUMENT_NUMBER] == FMT_CHECK_ABSENT)
        ck[FMT_MRZ_CK_DOCUMENT_NUMBER] = FMT_CHECK_INVALID;
    ck[FMT_MRZ_CK_DOB] = span_check(l, ly->dob, ly->dob_cd);
    ck[FMT_MRZ_CK_EXPIRY] = span_check(l, ly->expiry, ly->expiry_cd);
    ck[FMT_MRZ_CK_OPTIONAL_DATA] = span_check(l, ly->opt, ly->opt_cd);
    ck[FMT_MRZ_CK_COMPOSITE] = composite_state(ly, l);
}

/* ---------------------------------------------------------------- warnings */

static void warn(fmt_mrz *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(fmt_mrz *m, const char *fmt, ...)
{
    va_list ap;
    if (m->n_warnings < FMT_MRZ_MAX_WARNINGS) {
        va_start(ap, fmt);
        vsnprintf(m->warnings[m->n_warnings], sizeof(m->warnings[0]), fmt, ap);
        va_end(ap);
    }
    m->n_warnings++;
}

/* ---------------------------------------------------------------- splitting */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split text into at most 3 upper-cased lines of at most 90 characters
** (90: a TD1 pasted as one run).  Returns LIAISON_OK or LIAISON_EFORMAT
** naming the line and column (1-based, in the line as given). */
static int split_lines(const char *text, size_t len, char buf[3][91],
                       size_t lens[3], long linenos[3], int *n_lines,
                       int *lowered, struct liaison_err *err)
{
    size_t start = 0;
    long lineno = 0;
    *n_lines = 0;
    *lowered = 0;
    while (start <= len) {
        size_t end = start, a, b, i;
        lineno++;
        while (end < len && text[end] != '\n' && text[end] != '|')
            end++;
        a = start;
        b = end;
        while (a < b && is_blank(text[a]))
            a++;
        while (b > a && is_blank(text[b - 1]))
            b--;
        for (i = a; i < b; i++) {
            char c = text[i];
            unsigned char uc = (unsigned char)c;
            long col = (long)(i - start) + 1;
            if (c >= 'a' && c <= 'z') {
                *lowered = 1;
            } else if (!is_upper(c) && !is_digit(c) && c != '<') {
                if (uc > 0x20 && uc < 0x7f)
                    return util_err(err, LIAISON_EFORMAT, lineno, col,
                                    "line %ld, column %ld: '%c' is not an "
                                    "MRZ character (A-Z, 0-9, <)",
                                    lineno, col, c);
                return util_err(err, LIAISON_EFORMAT, lineno, col,
                                "line %ld, column %ld: byte 0x%02x is not an "
                                "MRZ character (A-Z, 0-9, <)",
                                lineno, col, uc);
            }
        }
        start = end + 1;
        if (a == b)
            continue;
        if (*n_lines == 3)
            return util_err(err, LIAISON_EFORMAT, lineno, 0,
                            "line %ld: an MRZ has at most 3 lines", lineno);
        if (b - a > 90)
            return util_err(err, LIAISON_EFORMAT, lineno, 0,
                            "line %ld: %zu characters, too long for an MRZ "
                            "line", lineno, b - a);
        for (i = a; i < b; i++) {
            char c = text[i];
            buf[*n_lines][i - a] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
        }
        buf[*n_lines][b - a] = '\0';
        lens[*n_lines] = b - a;
        linenos[*n_lines] = lineno;
        (*n_lines)++;
    }
    return LIAISON_OK;
}

/* Check the shape (2x36, 2x44, 3x30, or one run of 72, 88 or 90) and lay
** the lines out in l.  Returns LIAISON_EFORMAT naming the line. */
static int shape_lines(char buf[3][91], const size_t lens[3],
                       const long linenos[3], int n, mrz_lines l,
                       int *n_out, int *width, struct liaison_err *err)
{
    int i;
    memset(l, 0, sizeof(mrz_lines));
    if (n == 0)
        return util_err(err, LIAISON_EFORMAT, 0, 0, "empty MRZ");
    if (n == 1) {
        size_t w = lens[0] == 90 ? 30 : lens[0] == 72 ? 36
                 : lens[0] == 88 ? 44 : 0;
        if (!w)
            return util_err(err, LIAISON_EFORMAT, linenos[0], 0,
                            "line %ld: one line of %zu characters; an MRZ "
                            "has 2 lines of 36 or 44, or 3 of 30",
                            linenos[0], lens[0]);
        *n_out = (int)(lens[0] / w);
        *width = (int)w;
        for (i = 0; i < *n_out; i++)
            memcpy(l[i], buf[0] + (size_t)i * w, w);
        return LIAISON_OK;
    }
    if (n == 3) {
        for (i = 0; i < 3; i++)
            if (lens[i] != 30)
                return util_err(err, LIAISON_EFORMAT, linenos[i], 0,
                                "line %ld: %zu characters; a 3-line MRZ "
                                "(TD1) has lines of 30", linenos[i], lens[i]);
        *width = 30;
    } else {
        if (lens[0] != 36 && lens[0] != 44)
            return util_err(err, LIAISON_EFORMAT, linenos[0], 0,
                            "line %ld: %zu characters; a 2-line MRZ has "
                            "lines of 36 or 44", linenos[0], lens[0]);
        if (lens[1] != lens[0])
            return util_err(err, LIAISON_EFORMAT, linenos[1], 0,
                            "line %ld: %zu characters, expected %zu like "
                            "the line before", linenos[1], lens[1], lens[0]);
        *width = (int)lens[0];
    }
    *n_out = n;
    for (i = 0; i < n; i++)
        memcpy(l[i], buf[i], lens[i]);
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- correction */

static void fold_span(mrz_lines l, struct span s, char (*map)(char))
{
    int i;
    if (s.line < 0)
        return;
    for (i = 0; i < s.len; i++)
        l[s.line][s.pos + i] = map(l[s.line][s.pos + i]);
}

/* Positional folding (design note 3): letters where only letters may be,
** digits where only digits may be. */
static void fold_positions(const struct layout *ly, mrz_lines l)
{
    static const struct span fr_numeric[2] = {{1, 0, 4}, {1, 7, 5}};
    struct docview dv;
    fold_span(l, ly->code, ocr_to_letter);
    fold_span(l, ly->issuer, ocr_to_letter);
    fold_span(l, ly->names, ocr_to_letter);
    fold_span(l, ly->given, ocr_to_letter);
    fold_span(l, ly->nationality, ocr_to_letter);
    fold_span(l, ly->dob, ocr_to_digit);
    fold_span(l, ly->dob_cd, ocr_to_digit);
    fold_span(l, ly->expiry, ocr_to_digit);
    fold_span(l, ly->expiry_cd, ocr_to_digit);
    fold_span(l, ly->docnum_cd, ocr_to_digit);
    fold_span(l, ly->opt_cd, ocr_to_digit);
    fold_span(l, ly->composite, ocr_to_digit);
    if (ly->format == FMT_MRZ_FR_ID) {
        fold_span(l, fr_numeric[0], ocr_to_digit);
        fold_span(l, fr_numeric[1], ocr_to_digit);
    }
    docview_get(ly, l, &dv);
    if (dv.is_long)
        l[dv.cd_line][dv.cd_pos] = ocr_to_digit(l[dv.cd_line][dv.cd_pos]);
}

struct mpos {
    unsigned char line, pos;
};

struct cand {
    int n;                      /* 0, 1 or 2 changes */
    struct mpos p[2];
};

#define MAX_CANDS 64

/* The positions of an alphanumeric field guarded by a check digit:
** which 0 is the document number (with a long number's continuation),
** 1 the optional data (TD3 personal number). */
static size_t field_positions(const struct layout *ly, mrz_lines l,
                              int which, struct mpos *out)
{
    size_t n = 0;
    int i;
    if (which == 0) {
        struct docview dv;
        docview_get(ly, l, &dv);
        for (i = 0; i < ly->docnum.len; i++) {
            out[n].line = (unsigned char)ly->docnum.line;
            out[n++].pos = (unsigned char)(ly->docnum.pos + i);
        }
        if (dv.is_long)
            for (i = ly->opt.pos; i < dv.cd_pos; i++) {
                out[n].line = (unsigned char)ly->opt.line;
                out[n++].pos = (unsigned char)i;
            }
    } else {
        for (i = 0; i < ly->opt.len; i++) {
            out[n].line = (unsigned char)ly->opt.line;
            out[n++].pos = (unsigned char)(ly->opt.pos + i);
        }
    }
    return n;
}

static fmt_check field_check(const struct layout *ly, mrz_lines l, int which)
{
    fmt_check ck[FMT_MRZ_NCHECKS];
    checks_compute(ly, l, ck, NULL);
    return ck[which == 0 ? FMT_MRZ_CK_DOCUMENT_NUMBER
                         : FMT_MRZ_CK_OPTIONAL_DATA];
}

static void cand_apply(mrz_lines l, const struct cand *c)
{
    int i;
    for (i = 0; i < c->n; i++) {
        char *p = &l[c->p[i].line][c->p[i].pos];
        *p = ocr_swap(*p);
    }
}

/* Changes of one or two confusable characters that make the field's check
** digit pass (at most MAX_CANDS of them).  The field is left as it was. */
static size_t find_candidates(const struct layout *ly, mrz_lines l,
                              int which, struct cand *out)
{
    struct mpos all[48], conf[48];
    size_t n_all, n_conf = 0, n_out = 0, i, j;
    n_all = field_positions(ly, l, which, all);
    for (i = 0; i < n_all; i++)
        if (ocr_swap(l[all[i].line][all[i].pos]))
            conf[n_conf++] = all[i];
    for (i = 0; i < n_conf && n_out < MAX_CANDS; i++) {
        for (j = i; j < n_conf && n_out < MAX_CANDS; j++) {
            struct cand c;
            char save[2];
            c.n = i == j ? 1 : 2;
            c.p[0] = conf[i];
            c.p[1] = conf[j];
            save[0] = l[conf[i].line][conf[i].pos];
            save[1] = l[conf[j].line][conf[j].pos];
            cand_apply(l, &c);
            if (field_check(ly, l, which) == FMT_CHECK_VALID)
                out[n_out++] = c;
            l[conf[i].line][conf[i].pos] = save[0];
            l[conf[j].line][conf[j].pos] = save[1];
        }
    }
    return n_out;
}

/* Design note 3: repair the document number and optional data only with
** the unique smallest change that satisfies their check digits and the
** composite.  Returns 1 if the lines were changed. */
static int correct_alnum(const struct layout *ly, mrz_lines l, fmt_mrz *m)
{
    struct cand dc[MAX_CANDS], oc[MAX_CANDS], best[2];
    size_t nd = 1, no = 1, i, j;
    int best_n = 99, ties = 0, need_d, need_o;
    if (ly->composite.line < 0)
        return 0;
    need_d = field_check(ly, l, 0) == FMT_CHECK_INVALID;
    need_o = ly->opt_cd.line >= 0 &&
             field_check(ly, l, 1) == FMT_CHECK_INVALID;
    if (!need_d && !need_o)
        return 0;
    memset(dc, 0, sizeof(dc[0]));
    memset(oc, 0, sizeof(oc[0]));
    if (need_d)
        nd = find_candidates(ly, l, 0, dc);
    if (need_o)
        no = find_candidates(ly, l, 1, oc);
    for (i = 0; i < nd; i++) {
        for (j = 0; j < no; j++) {
            mrz_lines t;
            memcpy(t, l, sizeof(t));
            cand_apply(t, &dc[i]);
            cand_apply(t, &oc[j]);
            if (composite_state(ly, t) != FMT_CHECK_VALID)
                continue;
            if (dc[i].n + oc[j].n < best_n) {
                best_n = dc[i].n + oc[j].n;
                best[0] = dc[i];
                best[1] = oc[j];
                ties = 1;
            } else if (dc[i].n + oc[j].n == best_n) {
                ties++;
            }
        }
    }
    if (ties != 1) {
        warn(m, "%s: %s", need_d ? "document number" : "optional data",
             ties ? "several OCR corrections fit the check digits, none "
                    "applied"
                  : "no OCR correction fits the check digits");
        return 0;
    }
    cand_apply(l, &best[0]);
    cand_apply(l, &best[1]);
    return 1;
}

/* ---------------------------------------------------------------- fields */

struct ftext {
    char f[FMT_MRZ_NFIELDS][45];
};

/* Copy n characters, dropping trailing fillers. */
static void strip_copy(char *dst, size_t size, const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '<')
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* A name part: '<' become single spaces, none at the ends. */
static void name_copy(char *dst, size_t size, const char *s, size_t n)
{
    size_t i, o = 0;
    int space = 0;
    for (i = 0; i < n && o + 1 < size; i++) {
        if (s[i] == '<') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < size)
            dst[o++] = ' ';
        space = 0;
        dst[o++] = s[i];
    }
    dst[o] = '\0';
}

static void extract(const struct layout *ly, mrz_lines l, struct ftext *t)
{
    struct docview dv;
    char *cds = t->f[FMT_MRZ_F_CHECK_DIGITS];
    size_t n = 0;
    memset(t, 0, sizeof(*t));
    docview_get(ly, l, &dv);
    strip_copy(t->f[FMT_MRZ_F_DOCUMENT_CODE], 45, at(l, ly->code),
               ly->code.len);
    strip_copy(t->f[FMT_MRZ_F_ISSUER], 45, at(l, ly->issuer), ly->issuer.len);
    if (ly->given.line >= 0) {
        name_copy(t->f[FMT_MRZ_F_SURNAME], 45, at(l, ly->names),
                  ly->names.len);
        name_copy(t->f[FMT_MRZ_F_GIVEN_NAMES], 45, at(l, ly->given),
                  ly->given.len);
    } else {
        const char *s = at(l, ly->names);
        size_t len = ly->names.len, i = 0;
        while (len > 0 && s[len - 1] == '<')
            len--;
        while (i + 1 < len && !(s[i] == '<' && s[i + 1] == '<'))
            i++;
        if (i + 1 >= len)
            i = len;
        name_copy(t->f[FMT_MRZ_F_SURNAME], 45, s, i);
        if (i + 2 <= len)
            name_copy(t->f[FMT_MRZ_F_GIVEN_NAMES], 45, s + i + 2,
                      len - i - 2);
    }
    strip_copy(t->f[FMT_MRZ_F_DOCUMENT_NUMBER], 45, dv.text, dv.n);
    if (ly->nationality.line >= 0)
        strip_copy(t->f[FMT_MRZ_F_NATIONALITY], 45, at(l, ly->nationality),
                   ly->nationality.len);
    if (ly->dob.line >= 0)
        memcpy(t->f[FMT_MRZ_F_DOB], at(l, ly->dob), 6);
    t->f[FMT_MRZ_F_SEX][0] = *at(l, ly->sex);
    if (ly->expiry.line >= 0)
        memcpy(t->f[FMT_MRZ_F_EXPIRY], at(l, ly->expiry), 6);
    if (ly->opt.line >= 0 && dv.opt_skip < ly->opt.len)
        strip_copy(t->f[FMT_MRZ_F_OPTIONAL_DATA], 45,
                   at(l, ly->opt) + dv.opt_skip, ly->opt.len - dv.opt_skip);
    if (ly->opt2.line >= 0)
        strip_copy(t->f[FMT_MRZ_F_OPTIONAL_DATA2], 45, at(l, ly->opt2),
                   ly->opt2.len);
    cds[n++] = dv.cd;
    if (ly->dob_cd.line >= 0)
        cds[n++] = *at(l, ly->dob_cd);
    if (ly->expiry_cd.line >= 0)
        cds[n++] = *at(l, ly->expiry_cd);
    if (ly->opt_cd.line >= 0)
        cds[n++] = *at(l, ly->opt_cd);
    if (ly->composite.line >= 0)
        cds[n++] = *at(l, ly->composite);
    cds[n] = '\0';
}

static const char *const field_names[FMT_MRZ_NFIELDS] = {
    "document_code", "issuer", "surname", "given_names", "document_number",
    "nationality", "dob", "sex", "expiry", "optional_data", "optional_data2",
    "check_digits"
};

static const char *const check_names[FMT_MRZ_NCHECKS] = {
    "document_number", "dob", "expiry", "optional_data", "composite"
};

/* ---------------------------------------------------------------- values */

static int current_year(void)
{
    time_t t = (time_t)util_unix_time();
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 2000;
    return tm.tm_year + 1900;
}

static int days_in_month(int y, int mo)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[mo - 1];
}

static int two_digits(const char *s)
{
    if (!is_digit(s[0]) || !is_digit(s[1]))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int unknown_pair(const char *s)
{
    return (s[0] == '<' && s[1] == '<') || (s[0] == '0' && s[1] == '0');
}

/* YYMMDD -> YYYY-MM-DD, YYYY-MM (day unknown: << or 00) or YYYY (month
** unknown); "" when all fillers.  Returns 0, or -1 when it is no date. */
static int convert_date(const char *s, int is_dob, int ref_year, char out[11])
{
    int yy, mm, dd, y;
    out[0] = '\0';
    if (!strcmp(s, "<<<<<<"))
        return 0;
    if ((yy = two_digits(s)) < 0)
        return -1;
    y = 2000 + yy;
    if (is_dob ? y > ref_year : y > ref_year + 50)
        y -= 100;
    if (unknown_pair(s + 2)) {
        snprintf(out, 11, "%04d", y);
        return 0;
    }
    if ((mm = two_digits(s + 2)) < 1 || mm > 12)
        return -1;
    if (unknown_pair(s + 4)) {
        snprintf(out, 11, "%04d-%02d", y, mm);
        return 0;
    }
    if ((dd = two_digits(s + 4)) < 1 || dd > days_in_month(y, mm))
        return -1;
    snprintf(out, 11, "%04d-%02d-%02d", y, mm, dd);
    return 0;
}

/* A state code: ICAO D (Germany) and alpha-2 go to alpha-3; an unknown
** code is kept as read, with a warning. */
static void convert_state(fmt_mrz *m, const char *what, const char *code,
                          char out[4])
{
    const char *a3;
    if (!code[0]) {
        warn(m, "%s is empty", what);
        out[0] = '\0';
        return;
    }
    a3 = util_country_alpha3(code);
    if (!a3)
        warn(m, "%s %s is not a known state code", what, code);
    util_strlcpy(out, a3 ? a3 : code, 4);
}

static const char *const check_labels[FMT_MRZ_NCHECKS] = {
    "document number", "date of birth", "expiry date", "optional data",
    "composite"
};

static void warn_checks(const struct layout *ly, mrz_lines l, fmt_mrz *m)
{
    int i;
    for (i = 0; i < FMT_MRZ_NCHECKS; i++) {
        struct docview dv;
        char want = 0, found = 0;
        if (m->checks[i] != FMT_CHECK_INVALID)
            continue;
        docview_get(ly, l, &dv);
        if (i == FMT_MRZ_CK_DOCUMENT_NUMBER) {
            want = ck_digit(dv.text, dv.n);
            found = dv.cd;
        } else if (i == FMT_MRZ_CK_DOB) {
            want = ck_digit(at(l, ly->dob), 6);
            found = *at(l, ly->dob_cd);
        } else if (i == FMT_MRZ_CK_EXPIRY) {
            want = ck_digit(at(l, ly->expiry), 6);
            found = *at(l, ly->expiry_cd);
        } else if (i == FMT_MRZ_CK_OPTIONAL_DATA) {
            want = ck_digit(at(l, ly->opt), ly->opt.len);
            found = *at(l, ly->opt_cd);
        } else {
            int wi = 0, sum = 0;
            size_t k;
            for (k = 0; k < UTIL_ARRAY_LEN(ly->comp_parts); k++)
                if (ly->comp_parts[k].line >= 0)
                    sum = ck_add(sum, at(l, ly->comp_parts[k]),
                                 ly->comp_parts[k].len, &wi);
            want = (char)('0' + sum % 10);
            found = *at(l, ly->composite);
        }
        warn(m, "%s check digit fails: expected %c, found %c",
             check_labels[i], want, found);
    }
}

static void check_layout_warnings(const struct layout *ly, mrz_lines l,
                                  fmt_mrz *m)
{
    char c = l[0][0];
    if (ly->format == FMT_MRZ_TD3 && c != 'P')
        warn(m, "document code %c on a 2x44 MRZ is not a passport code", c);
    if ((ly->format == FMT_MRZ_TD1 || ly->format == FMT_MRZ_TD2) &&
        c != 'I' && c != 'A' && c != 'C')
        warn(m, "document code %c is not an identity document code", c);
    if (ly->names.line >= 0 &&
        l[ly->names.line][ly->names.pos + ly->names.len - 1] != '<')
        warn(m, "name field is full: names may be truncated");
}

static void set_values(const struct layout *ly, mrz_lines l,
                       const struct ftext *t, int ref_year, fmt_mrz *m)
{
    char sex = t->f[FMT_MRZ_F_SEX][0];
    util_strlcpy(m->document_code, t->f[FMT_MRZ_F_DOCUMENT_CODE],
                 sizeof(m->document_code));
    convert_state(m, "issuing state", t->f[FMT_MRZ_F_ISSUER], m->issuer);
    util_strlcpy(m->surname, t->f[FMT_MRZ_F_SURNAME], sizeof(m->surname));
    util_strlcpy(m->given_names, t->f[FMT_MRZ_F_GIVEN_NAMES],
                 sizeof(m->given_names));
    if (!m->surname[0])
        warn(m, "surname (primary identifier) is empty");
    fmt_mrz_name(m, m->full_name, sizeof(m->full_name));
    util_strlcpy(m->document_number, t->f[FMT_MRZ_F_DOCUMENT_NUMBER],
                 sizeof(m->document_number));
    if (ly->nationality.line >= 0)
        convert_state(m, "nationality", t->f[FMT_MRZ_F_NATIONALITY],
                      m->nationality);
    else if (ly->format == FMT_MRZ_FR_ID)
        util_strlcpy(m->nationality, "FRA", sizeof(m->nationality));
    if (ly->dob.line >= 0 &&
        convert_date(t->f[FMT_MRZ_F_DOB], 1, ref_year, m->dob) < 0)
        warn(m, "date of birth %s is not a date", t->f[FMT_MRZ_F_DOB]);
    if (ly->expiry.line >= 0 &&
        convert_date(t->f[FMT_MRZ_F_EXPIRY], 0, ref_year, m->expiry) < 0)
        warn(m, "expiry date %s is not a date", t->f[FMT_MRZ_F_EXPIRY]);
    if (sex == 'M' || sex == 'F') {
        m->sex[0] = sex;
    } else {
        m->sex[0] = 'X';
        if (sex != 'X' && sex != '<')
            warn(m, "sex %c is not M, F, X or <", sex);
    }
    util_strlcpy(m->optional_data, t->f[FMT_MRZ_F_OPTIONAL_DATA],
                 sizeof(m->optional_data));
    util_strlcpy(m->optional_data2, t->f[FMT_MRZ_F_OPTIONAL_DATA2],
                 sizeof(m->optional_data2));
    check_layout_warnings(ly, l, m);
}

/* ---------------------------------------------------------------- parse */

/* Design note 2: a field whose text changed was corrected. */
static void report_corrections(const struct ftext *rt, const struct ftext *ct,
                               fmt_mrz *m)
{
    int i;
    for (i = 0; i < FMT_MRZ_NFIELDS; i++) {
        if (!strcmp(rt->f[i], ct->f[i]))
            continue;
        m->corrected = 1;
        m->corrected_fields |= 1u << i;
        util_strlcpy(m->raw[i], rt->f[i], sizeof(m->raw[i]));
        warn(m, "%s: OCR-corrected %s to %s", field_names[i], rt->f[i],
             ct->f[i]);
    }
}

static fmt_mrz_format detect_format(int n, int width, mrz_lines l)
{
    if (n == 3)
        return FMT_MRZ_TD1;
    if (width == 44)
        return l[0][0] == 'V' ? FMT_MRZ_MRVA : FMT_MRZ_TD3;
    if (l[0][0] == 'V')
        return FMT_MRZ_MRVB;
    if (!memcmp(l[0], "IDFRA", 5))
        return FMT_MRZ_FR_ID;
    return FMT_MRZ_TD2;
}

int fmt_mrz_parse(const char *text, size_t len, int ref_year, fmt_mrz *out,
                  struct liaison_err *err)
{
    char buf[3][91];
    size_t lens[3];
    long linenos[3];
    mrz_lines raw, cor;
    struct ftext rt, ct;
    const struct layout *ly;
    int n, n_lines = 0, width = 0, lowered, rc, i, alt;
    static const struct span head = {0, 0, 5};

    if (!out)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no output");
    memset(out, 0, sizeof(*out));
    if (!text && len)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no input");
    rc = split_lines(text ? text : "", len, buf, lens, linenos, &n, &lowered,
                     err);
    if (!rc)
        rc = shape_lines(buf, lens, linenos, n, raw, &n_lines, &width, err);
    if (rc) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (ref_year <= 0)
        ref_year = current_year();
    memcpy(cor, raw, sizeof(cor));
    fold_span(cor, head, ocr_to_letter);
    ly = layout_for(detect_format(n_lines, width, cor));
    out->format = ly->format;
    out->n_lines = n_lines;
    for (i = 0; i < n_lines; i++)
        memcpy(out->lines[i], raw[i], (size_t)width);
    if (lowered)
        warn(out, "lower-case letters read as upper case");

    fold_positions(ly, cor);
    correct_alnum(ly, cor, out);
    checks_compute(ly, raw, out->raw_checks, NULL);
    checks_compute(ly, cor, out->checks, &alt);
    if (alt)
        warn(out, "document number check digit computed with the '<' "
                  "included (non-standard, as on some Belgian cards)");

    extract(ly, raw, &rt);
    extract(ly, cor, &ct);
    report_corrections(&rt, &ct, out);
    set_values(ly, cor, &ct, ref_year, out);
    out->valid = 1;
    for (i = 0; i < FMT_MRZ_NCHECKS; i++)
        if (out->checks[i] == FMT_CHECK_INVALID)
            out->valid = 0;
    warn_checks(ly, cor, out);
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- output */

size_t fmt_mrz_name(const fmt_mrz *m, char *buf, size_t size)
{
    const char *g = m->given_names, *s = m->surname;
    size_t gl = strlen(g), sl = strlen(s), n = 0, total;
    total = gl + sl + (gl && sl ? 1 : 0);
    if (size == 0)
        return total;
    if (gl) {
        size_t k = UTIL_MIN(gl, size - 1 - n);
        memcpy(buf + n, g, k);
        n += k;
        if (sl && n + 1 < size)
            buf[n++] = ' ';
    }
    if (sl) {
        size_t k = UTIL_MIN(sl, size - 1 - n);
        memcpy(buf + n, s, k);
        n += k;
    }
    buf[n] = '\0';
    return total;
}

void fmt_mrz_query(const fmt_mrz *m, liaison_query *q)
{
    memset(q, 0, sizeof(*q));
    q->name = m->full_name[0] ? m->full_name : NULL;
    q->dob = m->dob[0] ? m->dob : NULL;
    q->nationality = m->nationality[0] ? m->nationality : NULL;
    q->gender = m->sex[0] == 'M' ? "M" : m->sex[0] == 'F' ? "F" : NULL;
    q->doc = m->document_number[0] ? m->document_number : NULL;
    q->doc_country = m->issuer[0] ? m->issuer : NULL;
}

static int json_key_str(util_buf *b, const char *key, const char *val,
                        int first)
{
    int rc = util_buf_add_key(b, key, !first);
    if (rc)
        return rc;
    if (!val || !val[0])
        return util_buf_adds(b, "null");
    return util_buf_add_json_str(b, val, strlen(val));
}

static int json_checks(util_buf *b, const char *key,
                       const fmt_check ck[FMT_MRZ_NCHECKS])
{
    int rc = util_buf_printf(b, ",\"%s\":{", key), i;
    for (i = 0; i < FMT_MRZ_NCHECKS && !rc; i++)
        rc = util_buf_printf(b, "%s\"%s\":%s", i ? "," : "", check_names[i],
                             ck[i] == FMT_CHECK_VALID ? "true"
                             : ck[i] == FMT_CHECK_INVALID ? "false" : "null");
    return rc ? rc : util_buf_addc(b, '}');
}

int fmt_mrz_to_json(const fmt_mrz *m, util_buf *b)
{
    int rc, i, first = 1;
    rc = util_buf_addc(b, '{');
    if (!rc) rc = json_key_str(b, "format", fmt_mrz_format_name(m->format), 1);
    if (!rc) rc = json_key_str(b, "document_code", m->document_code, 0);
    if (!rc) rc = json_key_str(b, "issuer", m->issuer, 0);
    if (!rc) rc = json_key_str(b, "surname", m->surname, 0);
    if (!rc) rc = json_key_str(b, "given_names", m->given_names, 0);
    if (!rc) rc = json_key_str(b, "full_name", m->full_name, 0);
    if (!rc) rc = json_key_str(b, "document_number", m->document_number, 0);
    if (!rc) rc = json_key_str(b, "nationality", m->nationality, 0);
    if (!rc) rc = json_key_str(b, "dob", m->dob, 0);
    if (!rc) rc = json_key_str(b, "sex", m->sex, 0);
    if (!rc) rc = json_key_str(b, "expiry", m->expiry, 0);
    if (!rc) rc = json_key_str(b, "optional_data", m->optional_data, 0);
    if (!rc && m->format == FMT_MRZ_TD1)
        rc = json_key_str(b, "optional_data2", m->optional_data2, 0);
    if (!rc) rc = json_checks(b, "checks", m->checks);
    if (!rc)
        rc = util_buf_printf(b, ",\"valid\":%s,\"corrected\":%s",
                             m->valid ? "true" : "false",
                             m->corrected ? "true" : "false");
    if (!rc && m->corrected) {
        rc = util_buf_adds(b, ",\"raw\":{");
        for (i = 0; i < FMT_MRZ_NFIELDS && !rc; i++) {
            if (!(m->corrected_fields & (1u << i)))
                continue;
            rc = json_key_str(b, field_names[i], m->raw[i], first);
            first = 0;
        }
        if (!rc) rc = util_buf_addc(b, '}');
        if (!rc) rc = json_checks(b, "checks_as_read", m->raw_checks);
    }
    if (!rc) rc = util_buf_adds(b, ",\"warnings\":[");
    for (i = 0; i < m->n_warnings && i < FMT_MRZ_MAX_WARNINGS && !rc; i++) {
        if (i) rc = util_buf_addc(b, ',');
        if (!rc) rc = util_buf_add_json_str(b, m->warnings[i],
                                            strlen(m->warnings[i]));
    }
    if (!rc) rc = util_buf_adds(b, "]}");
    return rc;
}
