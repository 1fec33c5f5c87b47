/*
** match.h: comparing names, dates of birth, nationalities and genders.
**
** The match module scores one query against one candidate: name parts
** are compared pairwise (match_tok_sim), aligned order-independently
** (match_names), and the name score is raised or lowered by date of birth,
** nationality and gender (match_adjust).  Every comparison can explain
** itself.  Nothing here knows about indexes or records in bulk.
*/
#ifndef LIAISON_MATCH_H
#define LIAISON_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "liaison.h"
#include "text/text.h"
#include "util/util.h"

/* ---------------------------------------------------------------- strings */

/* Jaro-Winkler similarity of two byte strings, in [0,1]. */
double match_jaro_winkler(const char *a, size_t la, const char *b, size_t lb);

/* Optimal-string-alignment edit distance (adjacent transpositions count
** one), capped: returns max+1 as soon as the distance exceeds max. */
int match_edit_distance(const char *a, size_t la, const char *b, size_t lb,
                        int max);

/* ---------------------------------------------------------------- parts */

/* A name part as the scorer sees it: views of the text module's keys,
** and letter signatures of the form and the phonetic form
** (match_signature) that bound similarities cheaply. */
typedef struct match_tok {
    const char *form, *phon, *skel;
    uint8_t form_len, phon_len, skel_len;
    uint8_t flags;              /* TEXT_TOK_* */
    int32_t cls;                /* equivalence class or -1 */
    uint32_t ssig;              /* match_skel_sig of skel */
    uint64_t fsig, psig;
} match_tok;

/* Letter signature of a string: bit c&31 for a letter seen once, bit
** 32+(c&31) for one seen twice or more.  popcount(a & b) bounds the
** letters two strings share (see sim.c). */
uint64_t match_signature(const char *s, size_t n);

/* A hash of a skeleton: parts with equal skeletons have equal ones, so
** that most unequal skeletons are told apart without reading them. */
uint32_t match_skel_sig(const char *s, size_t n);

/* How two parts matched (for explanations). */
enum match_how {
    MATCH_NONE = 0,
    MATCH_EXACT,                /* same folded form */
    MATCH_EQUIV,                /* same equivalence class */
    MATCH_PHONETIC,             /* same phonetic form */
    MATCH_FUZZY,                /* close spelling (Jaro-Winkler) */
    MATCH_SKELETON,             /* same consonants (unvowelled script) */
    MATCH_INITIAL               /* an initial and a part it begins */
};

const char *match_how_name(int how);

/* Parts below this similarity do not match at all. */
#define MATCH_TOK_MIN 0.75

/* Similarity of two parts in [0,1]; *how (if not NULL) says why. */
double match_tok_sim(const match_tok *a, const match_tok *b, int *how);

/* 0 when match_tok_sim(a, b) is 0 for certain, told without reading
** b's strings (form, phon, skel may be NULL): lengths, flags, class and
** signatures only.  1: it may not be. */
int match_tok_may_sim(const match_tok *a, const match_tok *b);

/* match_tok_may_sim of each of q[0..nq) (at most 32) against b: bit i
** for q[i].  For the many pairs of a query name and the parts of the
** names it is scored against: the same answers, without a branch per
** test. */
uint32_t match_tok_may_mask(const match_tok *q, int nq, const match_tok *b);

/* View of part i of a parsed name. */
void match_tok_from_text(const text_name *n, int i, match_tok *out /* OUT */);

/* ---------------------------------------------------------------- names */

#define MATCH_MAX_UNITS 24      /* parts per name, alternatives included */
#define MATCH_MAX_POS 24        /* base positions per name */

/* One side of a name comparison: parts (with compound alternatives) and
** a weight per base position (how much evidence that part carries). */
typedef struct match_side {
    const match_tok *toks[MATCH_MAX_UNITS];
    uint8_t first[MATCH_MAX_UNITS], last[MATCH_MAX_UNITS];
    int n;                      /* parts */
    int npos;                   /* base positions */
    float wpos[MATCH_MAX_POS];  /* weight per position, in [0,1] */
} match_side;

/* Part-pair similarity provider: lets the caller memoise similarities of
** query parts against a vocabulary.  qi/ri index the sides' parts. */
typedef double (*match_sim_fn)(void *ud, int qi, int ri, int *how);

/* An aligned pair, for explanations. */
typedef struct match_pair {
    uint8_t qi, ri;
    uint8_t how;
    float sim;
} match_pair;

typedef struct match_name_score {
    double score;               /* in [0,1] */
    double cov_q, cov_r;        /* weighted share of each side matched */
    double evidence;            /* absolute weight matched */
    match_pair pairs[MATCH_MAX_POS];
    int npairs;
} match_name_score;

/* Compare two names.  sim may be NULL (match_tok_sim is used). */
void match_names(const match_side *q, const match_side *r, match_sim_fn sim,
                 void *ud, match_name_score *out /* OUT */);

/* The similarities of every query part to each record part: sim[ri][qi]
** and how[ri][qi], for qi < q->n and ri < r->n. */
typedef struct match_rows {
    const float *sim[MATCH_MAX_UNITS];
    const uint8_t *how[MATCH_MAX_UNITS];
} match_rows;

/* match_names with the similarities known (a caller that keeps them in
** rows, as the index does, and asks no callback per pair). */
void match_names_rows(const match_side *q, const match_side *r,
                      const match_rows *rows, match_name_score *out /* OUT */);

/* ---------------------------------------------------------------- dates */

/* A date of birth or a range: y/m/d 0 when unknown. */
typedef struct match_date {
    int16_t y1, y2;
    int8_t m1, d1, m2, d2;
} match_date;

/* Parse YYYY, YYYY-MM, YYYY-MM-DD, or two of those joined by '/'. */
int match_date_parse(const char *s, match_date *out /* OUT */);

enum match_dob {
    MATCH_DOB_UNKNOWN = 0,      /* one side has no date */
    MATCH_DOB_EXACT,            /* same full date */
    MATCH_DOB_MONTH,            /* same year and month, day unknown */
    MATCH_DOB_YEAR,             /* same year (or inside a range), rest unknown */
    MATCH_DOB_TRANSPOSED,       /* day and month swapped */
    MATCH_DOB_NEAR,             /* one year apart, or same year other day */
    MATCH_DOB_MISMATCH,         /* two to four years apart */
    MATCH_DOB_FAR               /* five or more years apart */
};

/* Best relation between a query date and any of a record's dates. */
int match_dob(const match_date *q, const match_date *r, size_t nr,
              int *best_index /* OUT */);
const char *match_dob_name(int rel);

/* ---------------------------------------------------------------- final */

/* What else is known about both sides, for match_adjust. */
typedef struct match_facts {
    int dob;                    /* enum match_dob */
    int nationality;            /* 1 match, -1 mismatch, 0 unknown */
    int gender;                 /* 1 match, -1 mismatch, 0 unknown */
} match_facts;

/* Raise or lower a name score by the other facts; result in [0,1]. */
double match_adjust(double name_score, const match_facts *f);

/* A nationality (alpha-3) as one word: its 3 letters and a NUL, as the
** engine keeps a record's (0: none, or not a code). */
uint32_t match_nat_code(const char *alpha3);
/* Compare a query nationality with a record's (match_nat_code words):
** 1 one of them is it, -1 none is, 0 unknown (none given). */
int match_nationality(uint32_t q, const uint32_t *r, size_t nr);
int match_gender(const char *q, const char *r);

#endif /* LIAISON_MATCH_H */
