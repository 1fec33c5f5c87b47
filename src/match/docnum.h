/*
** docnum.h: travel-document numbers, vehicle identification numbers (VIN,
** ISO 3779) and registration plates, normalised for exact and
** OCR-tolerant lookup.  Pure functions on caller buffers: nothing here
** allocates, keeps state or prints.
*/
#ifndef LIAISON_MATCH_DOCNUM_H
#define LIAISON_MATCH_DOCNUM_H

#include <stddef.h>

#include "liaison.h"

/* ---------------------------------------------------------------- document numbers */

/* Flag: fold characters that OCR engines and people confuse onto one
** representative, the digit:
**     O Q -> 0     I -> 1     Z -> 2     S -> 5     G -> 6     B -> 8
** Deliberately not folded: D (a common series letter, and OCR-B tells D
** from 0), L (upper-case L resembles neither 1 nor I), U/V, T/7, A/4, E/3
** (rare confusions that would merge many genuinely different numbers).
** Two numbers equal under folding differ at most by those confusions;
** callers that want "exact" and "OCR-tolerant" both normalise twice. */
#define DOCNUM_FOLD_OCR 0x1u

/* Normalise a document number: ASCII letters upper-cased; every other
** ASCII byte that is not a letter or digit (space, '-', '.', '/', '<',
** control characters, ...) dropped; Arabic-Indic digits and the Arabic
** letters of Moroccan plates as ASCII (see docnum.c), tatweel and
** direction marks dropped; other bytes >= 0x80 (letters of other scripts
** in UTF-8) kept as they are; with DOCNUM_FOLD_OCR, the folding above.
** Writes the result NUL-terminated to out[size] and its length to
** *out_len.  Returns LIAISON_OK, LIAISON_ETOOBIG if it needs more than
** size - 1 bytes (out then holds "" and *out_len 0), or LIAISON_EINVAL
** for NULL arguments or size 0. */
int docnum_normalise(const char *s, size_t len, unsigned flags,
                     char *out, size_t size, size_t *out_len /* OUT */);

/* 1 when a and b normalise to the same non-empty text under flags, else
** 0.  Compares in place (any length, no buffer). */
int docnum_equal(const char *a, size_t alen, const char *b, size_t blen,
                 unsigned flags);

/* ---------------------------------------------------------------- VIN */

typedef enum docnum_vin_check {
    DOCNUM_VIN_CHECK_NA = 0,    /* not North American: position 9 is free */
    DOCNUM_VIN_CHECK_VALID,
    DOCNUM_VIN_CHECK_INVALID
} docnum_vin_check;

/* A VIN as read and checked. */
typedef struct docnum_vin {
    char vin[18];               /* 17 characters, upper case, no separators */
    int corrected;              /* I, O or Q (never in a VIN) became 1, 0, 0 */
    const char *region;         /* from the first character (static string):
                                   "north-america" (1-5), "oceania" (6-7),
                                   "south-america" (8, 9, 0), "africa" (A-H),
                                   "asia" (J-R), "europe" (S-Z) */
    docnum_vin_check check;     /* validated for North America only */
    char expected;              /* the check digit for this VIN: '0'-'9' or 'X' */
    int check_matches;          /* position 9 == expected (any region; for
                                   information outside North America) */
} docnum_vin;

/* The ISO 3779 / 49 CFR 565 check digit of vin[0..17): letters
** transliterated (A=1 ... H=8, J=1 ... R=9, S=2 ... Z=9), weights
** 8,7,6,5,4,3,2,10,0,9,8,7,6,5,4,3,2, sum mod 11, 10 written 'X'.
** Returns '0'-'9' or 'X', or 0 when vin holds a byte that is not an
** upper-case letter (other than I, O, Q) or a digit. */
char docnum_vin_check_digit(const char vin[17]);

/* Read a VIN: ASCII letters upper-cased, spaces, '-' and '.' dropped, I,
** O and Q replaced by 1, 0 and 0 (they are not allowed, precisely because
** they are misread), then the check digit verified for North American
** VINs (first character 1-5) and reported as not applicable elsewhere.
** Returns LIAISON_OK with *out filled (also when the check digit fails:
** see out->check), or LIAISON_EINVAL when the text is not 17 letters and
** digits (*out is then zeroed). */
int docnum_vin_parse(const char *s, size_t len, docnum_vin *out /* OUT */);

/* ---------------------------------------------------------------- plates */

#define DOCNUM_PLATE_MAX 24

/* A registration plate and the country that issued it, kept apart. */
typedef struct docnum_plate {
    char plate[DOCNUM_PLATE_MAX];   /* upper case, no separators */
    char country[4];                /* alpha-3, "" if none was given */
} docnum_plate;

/* Normalise a plate: ASCII letters upper-cased; spaces, '-', '.', '|',
** '/' and other ASCII punctuation dropped; Arabic-Indic digits and the
** series letters of Moroccan plates as their ASCII equivalents (docnum.c:
** 12345 | <alef> | 6 is 12345A6, as the same car's plate abroad reads);
** other bytes >= 0x80 kept; with DOCNUM_FOLD_OCR the
** document-number folding (ANPR cameras make the same confusions).
** country (may be NULL or "") is an ISO 3166 alpha-2 or alpha-3 code, or
** an international vehicle distinguishing sign (F, E, I, CH, RL, KSA,
** ...; where a sign is also another country's ISO code, ISO wins).
** Returns LIAISON_OK, LIAISON_EINVAL for an empty plate or an unknown
** country, or LIAISON_ETOOBIG for a plate of DOCNUM_PLATE_MAX bytes or
** more; on failure *out is zeroed. */
int docnum_plate_normalise(const char *plate, size_t len, const char *country,
                           unsigned flags, docnum_plate *out /* OUT */);

/* The alpha-3 code for a country given as alpha-2, alpha-3, ICAO code or
** vehicle distinguishing sign, or NULL.  Static string. */
const char *docnum_plate_country(const char *code);

#endif /* LIAISON_MATCH_DOCNUM_H */
