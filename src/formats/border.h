/*
** border.h: the documents and manifests met at a border crossing.
**
**   - machine-readable zones (MRZ) of travel documents, ICAO Doc 9303:
**     TD1 (3x30), TD2 (2x36), TD3 passports (2x44), MRV-A (2x44) and
**     MRV-B (2x36) visas, plus the French 1988 national identity card
**     (2x36, not ICAO but common at our borders); src/formats/mrz.c;
**   - UN/EDIFACT PAXLST passenger and crew manifests (D:02B, D:05B),
**     src/formats/paxlst.c.
**
** Both parsers are pure: they read a buffer, never print, never touch
** files, and return LIAISON_EFORMAT with a struct liaison_err naming the
** line and column (MRZ) or the segment number (EDIFACT) on malformed input.
** The declarations will move into formats.h; nothing here depends on it.
*/
#ifndef LIAISON_FORMATS_BORDER_H
#define LIAISON_FORMATS_BORDER_H

#include <stddef.h>

#include "liaison.h"
#include "util/util.h"

/* ================================================================ MRZ */

/* What an MRZ is.  FMT_MRZ_FR_ID is the French identity card of 1988-2021
** ("IDFRA" on two lines of 36); it is not ICAO TD2 and is parsed with its
** own layout (surname on line 1, given names, 12-character card number,
** no nationality field: FRA is reported; no expiry).  French and Swiss
** driving licences and other one-line or odd-length codes are refused
** with LIAISON_EFORMAT. */
typedef enum fmt_mrz_format {
    FMT_MRZ_TD1 = 1,            /* identity cards, 3 lines of 30 */
    FMT_MRZ_TD2,                /* 2 lines of 36, code not V */
    FMT_MRZ_TD3,                /* passports, 2 lines of 44, code not V */
    FMT_MRZ_MRVA,               /* visas, 2 lines of 44, code V */
    FMT_MRZ_MRVB,               /* visas, 2 lines of 36, code V */
    FMT_MRZ_FR_ID               /* French national identity card (1988) */
} fmt_mrz_format;

/* The ICAO 9303 check digit (0-9) of s[0..n): weights 7, 3, 1 repeated,
** 0-9 count as themselves, A-Z as 10-35, '<' and anything else as 0. */
int fmt_mrz_check_digit(const char *s, size_t n);

/* "TD1", "TD2", "TD3", "MRV-A", "MRV-B", "FR-ID"; "?" for anything else. */
const char *fmt_mrz_format_name(fmt_mrz_format f);

/* The state of one check digit. */
typedef enum fmt_check {
    FMT_CHECK_ABSENT = 0,       /* the format has none, or field and digit are all '<' */
    FMT_CHECK_VALID,
    FMT_CHECK_INVALID
} fmt_check;

/* The check digits of an MRZ, indexes into fmt_mrz.checks. */
enum {
    FMT_MRZ_CK_DOCUMENT_NUMBER = 0,
    FMT_MRZ_CK_DOB,
    FMT_MRZ_CK_EXPIRY,
    FMT_MRZ_CK_OPTIONAL_DATA,   /* TD3 personal number; absent elsewhere */
    FMT_MRZ_CK_COMPOSITE,       /* TD1, TD2, TD3, FR-ID; absent on visas */
    FMT_MRZ_NCHECKS
};

/* The fields of an MRZ as text, indexes into fmt_mrz.raw and bits of
** fmt_mrz.corrected_fields. */
enum {
    FMT_MRZ_F_DOCUMENT_CODE = 0,
    FMT_MRZ_F_ISSUER,
    FMT_MRZ_F_SURNAME,
    FMT_MRZ_F_GIVEN_NAMES,
    FMT_MRZ_F_DOCUMENT_NUMBER,
    FMT_MRZ_F_NATIONALITY,
    FMT_MRZ_F_DOB,
    FMT_MRZ_F_SEX,
    FMT_MRZ_F_EXPIRY,
    FMT_MRZ_F_OPTIONAL_DATA,
    FMT_MRZ_F_OPTIONAL_DATA2,
    FMT_MRZ_F_CHECK_DIGITS,     /* the check digit characters, in MRZ order */
    FMT_MRZ_NFIELDS
};

#define FMT_MRZ_MAX_WARNINGS 12

/* A parsed MRZ.  Self-contained (no pointers, nothing to free); every
** string is NUL-terminated ASCII: A-Z, 0-9, space, '-', and '<' where a
** filler sits inside a number or optional data.
**
** Values are those after OCR correction.  Correction is by position
** (FMT_MRZ_F_*, see mrz.c for the details):
**   - numeric positions (dates, check digits): O->0 I->1 Z->2 S->5 G->6
**     B->8, always (a letter can never be right there);
**   - alphabetic positions (document code, states, names): the reverse,
**     0->O 1->I 2->Z 5->S 6->G 8->B, always;
**   - alphanumeric fields guarded by a check digit (document number,
**     optional data): only when the check digit fails, and only a unique
**     smallest change of at most two characters that makes both the
**     field's check digit and the composite check digit pass (so never
**     on visas, which have no composite).
** A failing check digit is reported, never fatal.  A long document number
** (TD1, TD2) also passes when its digit was computed with the '<' in, as
** some Belgian cards do; a warning says so. */
typedef struct fmt_mrz {
    fmt_mrz_format format;
    int n_lines;
    char lines[3][45];          /* the MRZ as read, upper-cased */
    char document_code[3];      /* "P", "PO", "I", "ID", "V", "VB", ... */
    char issuer[4];             /* alpha-3 (D -> DEU); unknown codes as read */
    char surname[45];           /* primary identifier, '<' -> ' ' */
    char given_names[45];       /* secondary identifier, '<' -> ' ' */
    char full_name[90];         /* "GIVEN NAMES SURNAME" for screening */
    char document_number[32];   /* fillers stripped, long numbers joined */
    char nationality[4];        /* alpha-3 (D -> DEU); "" when the format has none */
    char dob[11];               /* YYYY-MM-DD, YYYY-MM or YYYY; "" if unknown */
    char sex[2];                /* "M", "F" or "X" (unspecified, also '<') */
    char expiry[11];            /* like dob; "" if unknown or absent */
    char optional_data[32];     /* TD1 line 1 (after a long number), TD2,
                                   TD3 personal number, visas; FR: admin code */
    char optional_data2[12];    /* TD1 line 2 optional data */
    fmt_check checks[FMT_MRZ_NCHECKS];     /* on the values above */
    fmt_check raw_checks[FMT_MRZ_NCHECKS]; /* on the MRZ as read */
    int valid;                  /* every present check digit passes (checks[]);
                                   "verified exactly as printed" is
                                   valid && !corrected */
    int corrected;              /* an OCR correction changed something */
    unsigned corrected_fields;  /* bit (1u << FMT_MRZ_F_*) per changed field */
    char raw[FMT_MRZ_NFIELDS][45]; /* each field's text as read ("" if same) */
    char warnings[FMT_MRZ_MAX_WARNINGS][112];
    int n_warnings;             /* may exceed FMT_MRZ_MAX_WARNINGS: dropped */
} fmt_mrz;

/* Parse an MRZ.  text holds the lines separated by '\n', "\r\n" or '|';
** blanks around lines and empty lines are ignored, lower case is
** upper-cased (with a warning), and a single run of 72, 88 or 90
** characters is split into 2x36, 2x44 or 3x30.
** ref_year chooses the century of two-digit years: a date of birth is in
** the latest century that does not put it after ref_year; an expiry date
** is 20YY unless that is more than 50 years after ref_year.  ref_year 0
** means the current year.
** Returns LIAISON_OK (also when check digits fail: see out->valid), or
** LIAISON_EFORMAT when the text is not an MRZ, with err->line and
** err->col (1-based) on the offending character or line; *out is then
** zeroed.  Returns LIAISON_EINVAL for NULL arguments.  Allocates nothing. */
int fmt_mrz_parse(const char *text, size_t len, int ref_year,
                  fmt_mrz *out /* OUT */, struct liaison_err *err);

/* Append the JSON object that `liaison mrz parse` prints (one line):
**   {"format","document_code","issuer","surname","given_names","full_name",
**    "document_number","nationality","dob","sex","expiry","optional_data",
**    ["optional_data2" (TD1)],
**    "checks":{"document_number","dob","expiry","optional_data",
**              "composite"},            true | false | null (absent)
**    "valid", "corrected", ["raw":{field: text as read} when corrected,
**    "checks_as_read":{...} when corrected], "warnings":[...]}
** Empty dates and codes are null.  Returns LIAISON_OK, LIAISON_ENOMEM or
** LIAISON_ETOOBIG (out's cap); on failure out may hold part of it. */
int fmt_mrz_to_json(const fmt_mrz *m, util_buf *out);

/* The holder's name in screening order, "GIVEN NAMES SURNAME" (MRZ order
** is surname first), into buf (always NUL-terminated when size > 0).
** Returns the length of the full name, like snprintf: a result >= size
** means it was cut.  The same text is in m->full_name. */
size_t fmt_mrz_name(const fmt_mrz *m, char *buf, size_t size);

/* Fill a screening query from a parsed MRZ: name, dob, nationality,
** gender, doc and doc_country.  The strings are borrowed from m (and
** static ones), so m must outlive q.  Fields the MRZ lacks are NULL.
** This function can't fail. */
void fmt_mrz_query(const fmt_mrz *m, liaison_query *q /* OUT */);

/* ================================================================ PAXLST */

/* Options; zero-initialise (or pass NULL) for the defaults.
**
** Strict by default: a trailer that disagrees with what it closes is an
** error: UNT segment count or message reference, UNE message count or
** group reference, UNZ count or interchange reference, and anything but
** blanks after UNZ.  With lenient set, those become warnings and the
** manifest is returned, so that a sloppy carrier message can still be
** screened (6 of the 8 GTAS sample messages have wrong UNT counts).
** Truncation (no UNT or UNZ), bad syntax and a message that is not PAXLST
** are errors in both modes.  CNT totals are only ever warnings.
**
** Caps (0 = default): the parser's memory is bounded by them; exceeding
** one is LIAISON_ETOOBIG naming the segment. */
typedef struct fmt_paxlst_opts {
    int lenient;                /* trailer mismatches are warnings, not errors */
    int ref_year;               /* century of two-digit years; 0 = this year */
    size_t max_bytes;           /* input size; default 64 MiB */
    size_t max_segment;         /* bytes in one segment; default 4096 */
    size_t max_travellers;      /* default 50000 */
    size_t max_documents;       /* per traveller; default 16 */
    size_t max_legs;            /* flight legs; default 32 */
    size_t max_messages;        /* UNH..UNT parts; default 1000 */
} fmt_paxlst_opts;

/* One flight leg (TDT group). */
typedef struct fmt_paxlst_leg {
    const char *carrier;        /* TDT carrier, else the flight number's designator */
    const char *flight_number;  /* e.g. "UA0989" as sent */
    const char *dep_airport;    /* LOC 125 (or the first LOC 92) */
    const char *dep_time;       /* DTM 189: "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD" */
    const char *arr_airport;    /* LOC 87 (or the second LOC 92) */
    const char *arr_time;       /* DTM 232 */
} fmt_paxlst_leg;

/* A travel document of a traveller (DOC group). */
typedef struct fmt_paxlst_doc {
    const char *type;           /* DOC code: P passport, V visa, I, A, C, ...; "" if not given */
    const char *number;
    const char *expiry;         /* DTM 36, YYYY-MM-DD; NULL if not given */
    const char *issue_date;     /* DTM 182; NULL if not given */
    const char *issuer;         /* LOC 91, alpha-3 when known; NULL if not given */
} fmt_paxlst_doc;

typedef enum fmt_paxlst_role {
    FMT_PAX_PASSENGER = 1,      /* NAD FL, DDU (in transit) */
    FMT_PAX_CREW,               /* NAD FM, DDT (in transit) */
    FMT_PAX_OTHER               /* any other NAD qualifier but MS (with a
                                   warning): nobody goes unscreened */
} fmt_paxlst_role;

/* One person on the manifest (NAD group).  Strings are NULL when absent
** and always valid UTF-8 (Latin-1 input is converted). */
typedef struct fmt_paxlst_traveller {
    size_t index;               /* 1-based, in interchange order */
    long segment;               /* segment number of its NAD */
    size_t part;                /* 1-based message (UNH) it came in */
    fmt_paxlst_role role;
    const char *qualifier;      /* NAD qualifier as sent: "FL", "FM", ... */
    const char *surname;        /* NAD name component 1 */
    const char *given_names;    /* components 2.., joined by spaces */
    const char *full_name;      /* "GIVEN NAMES SURNAME" */
    const char *dob;            /* DTM 329: YYYY-MM-DD (a time is dropped) */
    const char *sex;            /* ATT 2: "M", "F" or "X" */
    const char *nationality;    /* NAT: alpha-3 when known */
    const char *residence;      /* LOC 174 */
    const char *birth_place;    /* LOC 180 (code or name) */
    const char *embarkation;    /* LOC 178 */
    const char *debarkation;    /* LOC 179 */
    const char *reference;      /* RFF ABO, the traveller's unique reference */
    const char *reservation;    /* RFF AVF, the booking (PNR) locator */
    const fmt_paxlst_doc *documents;
    size_t n_documents;
} fmt_paxlst_traveller;

/* One message (UNH..UNT) of the interchange: a part of a multi-part list. */
typedef struct fmt_paxlst_part {
    const char *reference;      /* UNH message reference */
    const char *common_ref;     /* UNH common access reference (S009+1) or NULL */
    long sequence;              /* UNH S010 sequence number; 0 if not given */
    char last;                  /* UNH S010 first/last: 'C', 'F' or 0 */
    const char *bgm_code;       /* 745 passenger list, 250 crew list, ... */
    const char *bgm_id;         /* BGM document identifier, NULL if none */
    size_t n_travellers;
    long declared_travellers;   /* CNT 41/42 value, -1 if none */
} fmt_paxlst_part;

/* A parsed interchange. */
typedef struct fmt_paxlst {
    char separators[7];         /* component, element, decimal, release,
                                   repetition, terminator, as in the UNA
                                   (' ': none) or the defaults ":+.?*'" */
    const char *syntax;         /* UNB S001: "UNOA:4" */
    const char *sender;         /* UNB S002 */
    const char *recipient;      /* UNB S003 */
    const char *prepared;       /* UNB date:time as sent */
    const char *interchange_ref;
    const char *version;        /* "D:02B", "D:05B" (UNH S009) */
    const fmt_paxlst_leg *legs;
    size_t n_legs;
    const fmt_paxlst_leg *flight; /* the leg with LOC 125/87, else the last; NULL if none */
    const fmt_paxlst_traveller *travellers;
    size_t n_travellers;
    const fmt_paxlst_part *parts;
    size_t n_parts;
    long n_segments;            /* segments read, UNA included */
    const char *const *warnings; /* "segment N (TAG): ..." */
    size_t n_warnings;          /* kept; at most 64 */
    size_t n_warnings_dropped;
    void *priv_;                /* owned memory */
} fmt_paxlst;

/* Parse a PAXLST interchange (UNA? UNB [UNG] UNH..UNT... [UNE] UNZ).
** buf need not be NUL-terminated.  Blanks and line breaks between
** segments and line breaks inside them are ignored.  On success *out is a
** new manifest to release with fmt_paxlst_free().  On failure *out is NULL
** and err->line is the 1-based segment number (UNA counts), err->col the
** 1-based byte offset of that segment in buf:
**   LIAISON_EFORMAT  not EDIFACT, not PAXLST, bad syntax, truncated, or
**                    (strict) a trailer count or reference mismatch;
**   LIAISON_ETOOBIG  a cap of opts was exceeded;
**   LIAISON_ENOMEM, LIAISON_EINVAL (NULL arguments). */
int fmt_paxlst_parse(const char *buf, size_t len, const fmt_paxlst_opts *opts,
                     fmt_paxlst **out /* OUT */, struct liaison_err *err);

/* Release a manifest (NULL is a no-op). */
void fmt_paxlst_free(fmt_paxlst *p);

/* Fill a screening query for one traveller: name (full_name), dob,
** nationality, gender and the first document (a passport if there is one)
** with its issuer.  Strings are borrowed from the manifest.  Can't fail. */
void fmt_paxlst_query(const fmt_paxlst_traveller *t,
                      liaison_query *q /* OUT */);

#endif /* LIAISON_FORMATS_BORDER_H */
