/*
** index.h: the in-memory index behind liaison_engine.
**
** Layout (all arrays, no per-record heap objects, so a million records fit
** in well under a kilobyte per name):
**
**   vocabulary   one entry per distinct name part (folded form + script
**                flag): its keys (phonetic form, skeleton, class), how
**                many names contain it, and its weight
**   names        per indexed name: its record, its parts (vocabulary ids
**                with positions and per-occurrence flags) in one array
**   postings     per vocabulary entry: the names containing it (CSR),
**                names without a usable birth year first, then by year, so
**                that a query with a date of birth walks only the years
**                that could still make a hit
**   keys         skeletons and their single-deletion variants -> the
**                vocabulary entries having them, and class -> entries, so
**                that a query part finds similarly spelled parts without
**                scanning the vocabulary (symmetric-delete lookup)
**   records      id, list, owner, category, kind, sharing, dates of birth,
**                nationalities, gender; strings in one buffer
**   documents    normalised document numbers -> records (exact lookup)
**
** The engine is mutable only until liaison_engine_build(); afterwards it
** is read-only and shared by all searchers (one per thread).
*/
#ifndef LIAISON_INDEX_H
#define LIAISON_INDEX_H

#include <stdint.h>

#include "liaison.h"
#include "match/match.h"
#include "text/text.h"
#include "util/util.h"

typedef struct idx_vtok {
    uint32_t form, phon, skel;  /* offsets in the engine's vocabulary strings */
    uint8_t form_len, phon_len, skel_len, flags;
    int32_t cls;
    uint32_t df;                /* names containing this part */
    float weight;               /* evidence weight in [0,1] */
    uint32_t ssig;              /* skeleton hash (match_skel_sig) */
    uint32_t undated;           /* its postings without a birth year (they
                                   come first: a year window skips the rest
                                   without searching for where they end) */
    uint64_t fsig, psig;        /* letter signatures (match_signature) */
    uint32_t ydir;              /* its year directory in ydir, when yspan */
    uint16_t ymin, yspan;       /* ...for birth years ymin..ymin+yspan-1 */
} idx_vtok;

/* Lists of at least this many dated postings have a year directory
** (idx_vtok.ydir), when their years span at most IDX_YDIR_SPAN. */
#define IDX_YDIR_MIN 16
#define IDX_YDIR_SPAN 400

/* Scoring reads a part's weight at the head of its entry and, comparing
** it with a query part it was not found similar to, the signatures at
** the tail: in a line of its own (the array is 64-byte aligned once built
** at scale, util_malloc_big), one prefetch brings both.  At 56 bytes six
** entries in eight straddled two lines, and the comparisons waited on
** the second (perf: most of idx_vtok_view's time). */
_Static_assert(sizeof(idx_vtok) == 64, "a vocabulary entry is one cache line");

typedef struct idx_unit {
    uint32_t tok;               /* vocabulary id (its weight: see
                                   idx_unit_weight) */
    uint8_t first, last;        /* positions covered */
    uint8_t flags;              /* per-occurrence TEXT_TOK_* flags */
    uint8_t wq;                 /* idx_unit_weight in 1/255ths (set by
                                   build; ranks candidates without a
                                   vocabulary access) */
} idx_unit;

/* One vocabulary entry similar to a part, as the expansion finds it:
** its id and how it matched (tok_how = id << 4 | how), and the
** similarity. */
typedef struct idx_nbr {
    uint32_t tok_how;
    float sim;
} idx_nbr;

#define IDX_NBR_MAX_TOK ((uint32_t)1 << 28)

/* What scoring reads of a name's record (built from idx_rec and dates),
** carried by each of its names: scoring a name then costs the one access
** to the name, not the record's, then its dates'. */
typedef struct idx_facts {
    match_date dob;             /* the record's date of birth when it has
                                   exactly one (ndob 1); more: see idx_rec */
    uint32_t nat;               /* idx_rec.nat */
    uint8_t ndob, nnat;
    char gender;                /* 'M', 'F' or 0 */
    uint8_t pad;
} idx_facts;

/* What screening reads of a name, in one cache line (built from the
** vectors below): ranking and scoring a candidate read nothing else when
** the name has at most IDX_NAME_UNITS parts (97% of names) and its
** record at most one date of birth.  Memory is random reads: a second
** line per name was a second wait. */
#define IDX_NAME_UNITS 4

typedef struct idx_name {
    uint32_t rec;               /* its record */
    uint16_t year;              /* its record's year (idx_rec.year) */
    uint8_t kind;               /* its record's kind */
    uint8_t npos;               /* base positions */
    uint8_t nunits;             /* units (at most 255) */
    uint8_t pad[7];
    idx_facts f;                /* its record's facts */
    union {
        idx_unit u[IDX_NAME_UNITS];     /* its units, when they fit */
        uint32_t unit;                  /* else its first unit in units */
    };
} idx_name;

_Static_assert(sizeof(idx_name) == 64, "a name is one cache line");

/* Name nm's units (nm->nunits of them). */
#define IDX_NAME_UNIT0(e, nm)                                           \
    ((nm)->nunits <= IDX_NAME_UNITS                                     \
         ? (nm)->u : &IDX_AT((e)->units, idx_unit, (nm)->unit))

typedef struct idx_rec {
    uint32_t id, list, owner, category;   /* string offsets (0: none) */
    uint32_t dob;               /* index into dates */
    uint32_t nat;               /* index into nats (4 bytes each); with
                                   one nationality, its code itself */
    uint8_t ndob, nnat;
    uint8_t kind, sharing;
    char gender;                /* 'M', 'F' or 0 */
    uint16_t year;              /* earliest birth year, 0: none or too spread */
} idx_rec;

typedef struct idx_doc {
    uint32_t rec;
    uint32_t number;            /* original number, string offset */
    uint32_t type, country, status;
} idx_doc;

/* A growable array of fixed-size items (build phase). */
typedef struct idx_vec {
    void *p;
    size_t n, cap, size;
} idx_vec;

struct liaison_engine {
    text_tables *tables;
    text_ctx *tctx;             /* for parsing at build time */
    text_name *scratch_name;
    int built;
    unsigned build_threads;     /* liaison_engine_opts; 0: one per core */

    /* strings: record fields, names as given, vocabulary keys */
    util_buf strs;
    util_strmap str_intern;     /* small repeated strings (lists, owners) */

    idx_vec recs;               /* idx_rec */
    idx_vec dates;              /* match_date */
    idx_vec nats;               /* char[4] */

    idx_vec vocab;              /* idx_vtok */
    util_strmap vocab_map;      /* script flag + form -> vocab id */

    idx_vec name_rec;           /* uint32: name -> record */
    idx_vec name_full;          /* uint32: name -> string offset */
    idx_vec name_off;           /* uint32: name -> first unit (n+1 entries) */
    idx_vec name_npos;          /* uint8 */
    idx_vec units;              /* idx_unit */

    /* built by liaison_engine_build */
    uint32_t *post_off;         /* vocab -> first posting (nvocab+1) */
    uint32_t *post;             /* name ids, by (birth year, name) */
    uint16_t *post_year;        /* the year of each posting's name, in step */
    uint32_t *ydir;             /* year directories of the longer lists:
                                   per birth year from the list's first,
                                   where its names born then or later
                                   start (from its first dated posting) */
    size_t ydir_n;
    idx_name *names;            /* per name, what screening reads of it */
    util_strmap key_map;        /* skeleton key -> key id */
    uint32_t *key_off;          /* key id -> first entry (nkeys+1) */
    uint32_t *key_toks;         /* vocab ids */
    uint32_t *cls_off;          /* class -> first entry (nclasses+1) */
    uint32_t *cls_toks;
    size_t nclasses;
    /* Each vocabulary entry's expansion, as a query part spelled the
    ** same would get it (search.c, idx_nbr_build); NULL when not built. */
    uint32_t *nbr_off;          /* vocab -> first neighbour (nvocab+1) */
    idx_nbr *nbr;

    /* documents: normalised number -> first idx_doc; chained.  While
    ** building, doc_map finds a number's list; once built, doc_tab does:
    ** 8-byte slots (hash tag << 32 | list id), half empty, so that a
    ** number that is on no list (the usual case) costs one cache line. */
    idx_vec docs;               /* idx_doc */
    util_strmap doc_map;        /* normalised number -> doc list id */
    idx_vec doc_next;           /* uint32: next doc with the same number */
    idx_vec doc_head;           /* uint32: list id -> first doc */
    idx_vec doc_key;            /* uint32: list id -> normalised number (strs) */
    uint64_t *doc_tab;
    size_t doc_tab_mask;

    size_t n_names;
};

/* Vector helpers. */
void idx_vec_init(idx_vec *v, size_t size);
void idx_vec_fini(idx_vec *v);
void *idx_vec_push(idx_vec *v);         /* NULL on ENOMEM */
#define IDX_AT(v, type, i) (((type *)(v).p)[i])

/* A record's birth years may spread this much and still be filed under
** the earliest (alternative dates a year or two apart are common). */
#define IDX_YEAR_SPREAD 2

/* Weight of one occurrence: the part's weight, less for titles and
** particles, which say little about who someone is. */
static inline float idx_unit_weight(const liaison_engine *e,
                                    const idx_unit *u)
{
    float w = IDX_AT(e->vocab, idx_vtok, u->tok).weight;
    if (u->flags & TEXT_TOK_TITLE)
        w *= 0.1f;
    else if (u->flags & TEXT_TOK_PARTICLE)
        w *= 0.5f;
    return w;
}

/* Vocabulary entry tok as match_tok_sim takes it, but for its strings
** (NULL): enough for match_tok_may_sim, without reading them. */
static inline void idx_vtok_keys(const liaison_engine *e, uint32_t tok,
                                 match_tok *out /* OUT */)
{
    const idx_vtok *v = &IDX_AT(e->vocab, idx_vtok, tok);
    out->form = out->phon = out->skel = NULL;
    out->form_len = v->form_len;
    out->phon_len = v->phon_len;
    out->skel_len = v->skel_len;
    out->flags = v->flags;
    out->cls = v->cls;
    out->ssig = v->ssig;
    out->fsig = v->fsig;
    out->psig = v->psig;
}

/* Build-time helpers (engine.c). */
const char *idx_str(const liaison_engine *e, uint32_t off);
void idx_vtok_view(const liaison_engine *e, uint32_t tok,
                   match_tok *out /* OUT */);
/* Record rec's facts as scoring reads them (idx_facts). */
void idx_rec_facts(const liaison_engine *e, uint32_t rec,
                   idx_facts *out /* OUT */);

/* Compute every vocabulary entry's expansion into nbr_off/nbr (search.c),
** on up to threads threads; the rest of the engine must be built. */
int idx_nbr_build(liaison_engine *e, int threads);

/* Document numbers (docs.c). */
int idx_docs_add(liaison_engine *e, uint32_t rec, const liaison_document *d);
int idx_docs_build(liaison_engine *e);
size_t idx_docnum_key(const char *num, char *out, size_t cap);
/* The list (chain head index) of a normalised number, or -1. */
int64_t idx_docs_find(const liaison_engine *e, const char *key, size_t klen);

#endif /* LIAISON_INDEX_H */
