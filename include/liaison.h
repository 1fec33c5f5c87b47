/*
** liaison.h: the public interface of the liaison screening engine.
**
** The engine matches people (names across spellings and scripts, dates of
** birth, nationalities, gender) and travel documents against watchlist
** records held in memory, and explains every hit.  It is made of three
** modules, reachable only through this header:
**
**   text   UTF-8 validation, normalisation, transliteration, tokenising
**   match  comparing names, dates and documents; one score in [0,1]
**   index  candidate generation over a whole watchlist
**
** The command-line program and the HTTP server use nothing else of the
** engine, so this header is exercised by our own code.
**
** Conventions (see STYLE.md):
**   - fallible functions return LIAISON_OK (0) or a negative LIAISON_E* code;
**   - results go in trailing out-parameters; on failure they are NULL/0;
**   - text is UTF-8, passed as NUL-terminated strings at this boundary;
**   - an engine is immutable once built and may be shared by any number of
**     threads; each thread screens through its own liaison_searcher.
*/
#ifndef LIAISON_H
#define LIAISON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

#define LIAISON_OK          0
#define LIAISON_ENOMEM     -1   /* out of memory */
#define LIAISON_EINVAL     -2   /* invalid argument or value */
#define LIAISON_EUTF8      -3   /* invalid UTF-8 */
#define LIAISON_ETOOBIG    -4   /* a size limit was exceeded */
#define LIAISON_EDB        -5   /* the store failed */
#define LIAISON_EIO        -6   /* reading or writing a file failed */
#define LIAISON_EFORMAT    -7   /* malformed input (JSON, CSV, XML, EDIFACT, MRZ) */
#define LIAISON_ENOTFOUND  -8   /* no such record, user, peer, ... */
#define LIAISON_EEXIST     -9   /* already exists */
#define LIAISON_EPERM     -10   /* not allowed (role, sharing level) */
#define LIAISON_EAUTH     -11   /* authentication failed */
#define LIAISON_ECHECK    -12   /* a check digit or checksum is wrong */
#define LIAISON_ECRYPTO   -13   /* a cryptographic operation failed */
#define LIAISON_ENET      -14   /* a network operation failed */
#define LIAISON_ETIMEOUT  -15   /* a deadline passed */
#define LIAISON_EBUSY     -16   /* resource busy; try again */
#define LIAISON_ESTATE    -17   /* call not valid in the object's state */
#define LIAISON_EINTEGRITY -18  /* stored data failed verification */

/* A message for the user, and where in the input the problem is.  Functions
** that take a `struct liaison_err *` accept NULL when the caller does not
** want the message.  line and col are 1-based; 0 means "not applicable". */
struct liaison_err {
    int code;                   /* the LIAISON_E* code also returned */
    long line;                  /* input line (or segment, for EDIFACT) */
    long col;                   /* column or byte offset within the line */
    char msg[512];              /* NUL-terminated, never contains secrets */
};

/* A static, human-readable text for an error code; never NULL. */
const char *liaison_strerror(int rc);

/* ---------------------------------------------------------------- records */

/* What a record describes. */
typedef enum liaison_kind {
    LIAISON_KIND_PERSON = 0,
    LIAISON_KIND_ENTITY,        /* organisation, company (sanctions lists) */
    LIAISON_KIND_DOCUMENT,      /* stolen/lost/revoked travel document */
    LIAISON_KIND_VEHICLE
} liaison_kind;

/* Who outside the owning agency may learn of a record (DESIGN section 2). */
typedef enum liaison_sharing {
    LIAISON_SHARE_NONE = 0,     /* own agency only */
    LIAISON_SHARE_HIT,          /* partners learn hit/no-hit and reference */
    LIAISON_SHARE_DETAILS       /* partners see the record */
} liaison_sharing;

/* One name of a record.  type: "primary" (also when absent), "alias",
** "original" (original script), "fka", "low" (weak alias) or any other
** string, kept as given. */
typedef struct liaison_name {
    const char *full;
    const char *type;           /* may be NULL: primary */
} liaison_name;

/* A travel document held by a person, or a document record itself. */
typedef struct liaison_document {
    const char *type;           /* passport, id-card, visa, ... ; may be NULL */
    const char *number;
    const char *country;        /* ISO 3166-1 alpha-3; may be NULL */
    const char *status;         /* stolen, lost, revoked, invalidated; may be NULL */
} liaison_document;

/* A watchlist record as the engine sees it.  Every pointer is borrowed from
** whoever built the struct (a parser, the store); the engine copies what it
** keeps.  Dates of birth are "YYYY", "YYYY-MM", "YYYY-MM-DD" or an interval
** "YYYY[-MM[-DD]]/YYYY[-MM[-DD]]" (ranges are normal on sanctions lists). */
typedef struct liaison_record {
    const char *id;             /* unique within a store; required */
    const char *list;           /* list name; required */
    const char *owner;          /* owning agency id; NULL = this node */
    liaison_kind kind;
    const liaison_name *names;  size_t n_names;
    const char *const *dobs;    size_t n_dobs;
    const char *gender;         /* "M", "F" or NULL */
    const char *const *nationalities; size_t n_nationalities; /* alpha-3 */
    const liaison_document *documents; size_t n_documents;
    const char *vin;            /* vehicles */
    const char *plate;
    const char *plate_country;  /* alpha-3 */
    const char *category;       /* terrorism, organised-crime, sanctions, ... */
    liaison_sharing sharing;
    const char *expires;        /* YYYY-MM-DD or NULL */
} liaison_record;

/* ---------------------------------------------------------------- text */

/* LIAISON_OK if s[0..len) is well-formed UTF-8, else LIAISON_EUTF8 with
** *bad_offset (if not NULL) the byte offset of the first bad sequence. */
int liaison_utf8_check(const char *s, size_t len, size_t *bad_offset);

/* Fold a name for comparison: validates UTF-8, applies NFKC and case
** folding (Turkish dotted and dotless i meet plain i), strips diacritics,
** folds punctuation to single spaces and transliterates other scripts
** to Latin.  On success *out is a NUL-terminated string the caller frees
** with liaison_free().  Returns LIAISON_EUTF8 on invalid input. */
int liaison_text_fold(const char *s, size_t len, char **out /* OUT */);

/* Free memory returned by this library (NULL is a no-op). */
void liaison_free(void *p);

/* ---------------------------------------------------------------- engine */

typedef struct liaison_engine liaison_engine;
typedef struct liaison_searcher liaison_searcher;

/* Build options.  Zero-initialise and set what you need. */
typedef struct liaison_engine_opts {
    const char *data_dir;       /* override the built-in tables; NULL = built in */
    size_t expect_records;      /* sizing hint; 0 = unknown */
    unsigned build_threads;     /* threads liaison_engine_build may use; 0 =
                                   one per core.  The engine is the same. */
} liaison_engine_opts;

/* Create an empty engine (loads the name-equivalence and particle tables).
** opts may be NULL.  On failure *out is NULL and err (if given) says why. */
int liaison_engine_new(const liaison_engine_opts *opts,
                       liaison_engine **out /* OUT */,
                       struct liaison_err *err);

/* Add a record.  Copies everything it keeps.  Only valid before
** liaison_engine_build().  A record whose names are all invalid UTF-8 is
** refused with LIAISON_EUTF8 and nothing of it is kept. */
int liaison_engine_add(liaison_engine *e, const liaison_record *rec);

/* Finish the engine: compute name-part weights from the indexed data and
** lay out the index for searching.  After this the engine is read-only. */
int liaison_engine_build(liaison_engine *e);

/* Release an engine (NULL is a no-op).  No searcher may be in use. */
void liaison_engine_free(liaison_engine *e);

/* Counts for stats and metrics. */
typedef struct liaison_engine_stats {
    size_t records;             /* records added */
    size_t names;               /* names indexed */
    size_t tokens;              /* distinct name parts */
    size_t documents;           /* document numbers indexed */
    size_t bytes;               /* heap bytes held by the engine */
} liaison_engine_stats;

void liaison_engine_get_stats(const liaison_engine *e,
                              liaison_engine_stats *out /* OUT */);

/* A searcher holds per-thread scratch space so that screening allocates
** nothing in the hot path.  One per thread; it borrows the engine, which
** must outlive it. */
int liaison_searcher_new(const liaison_engine *e,
                         liaison_searcher **out /* OUT */);
void liaison_searcher_free(liaison_searcher *s);

/* A query: who is at the border.  Every field may be NULL except that at
** least one of name and doc must be set. */
typedef struct liaison_query {
    const char *name;           /* any script, any order */
    const char *dob;            /* YYYY, YYYY-MM, YYYY-MM-DD */
    const char *nationality;    /* alpha-2 or alpha-3 */
    const char *gender;         /* M, F */
    const char *doc;            /* document number */
    const char *doc_country;    /* issuing country of doc */
    const char *vin;            /* vehicle identification number */
    const char *plate;          /* registration plate */
    const char *plate_country;
} liaison_query;

/* Record kinds a name is screened against, as a bit mask. */
#define LIAISON_KINDS_PERSON   (1u << LIAISON_KIND_PERSON)
#define LIAISON_KINDS_ENTITY   (1u << LIAISON_KIND_ENTITY)
#define LIAISON_KINDS_ALL      0xFu

/* Screening options.  threshold < 0 means "use the engine's default"
** (liaison_default_threshold()); limit 0 means 10.  kinds 0 means
** persons: a traveller's name is screened against person records, not
** against the names of companies and vessels on sanctions lists (set
** LIAISON_KINDS_ALL for sanctions screening).  Document numbers, VINs and
** plates are looked up in every kind of record. */
typedef struct liaison_screen_opts {
    double threshold;
    size_t limit;
    int want_why;               /* fill liaison_hit.why */
    unsigned kinds;             /* LIAISON_KINDS_*; 0 = persons */
} liaison_screen_opts;

double liaison_default_threshold(void);

/* One hit.  Strings are borrowed from the engine (id, list, owner,
** matched) or from the result (why); valid until the result is reset or
** freed. */
typedef struct liaison_hit {
    uint32_t record;            /* engine-internal record number */
    const char *id;
    const char *list;
    const char *owner;          /* NULL = this node */
    const char *category;
    liaison_kind kind;
    liaison_sharing sharing;
    double score;               /* in [0,1] */
    const char *matched;        /* the record's name (or document) that matched */
    const char *const *why;     /* n_why human-readable reasons */
    size_t n_why;
} liaison_hit;

/* A screening result; reusable across queries (it keeps its buffers). */
typedef struct liaison_result {
    liaison_hit *hits;          /* best first */
    size_t n_hits;
    uint64_t took_us;
    size_t candidates;          /* names scored (diagnostics) */
    void *priv_;                /* owned buffers */
} liaison_result;

/* Screen one query.  res must be zero-initialised before first use and
** released with liaison_result_fini().  Returns LIAISON_EINVAL for an
** empty query and LIAISON_EUTF8 when the name is not valid UTF-8. */
int liaison_screen(liaison_searcher *s, const liaison_query *q,
                   const liaison_screen_opts *opts, liaison_result *res);

void liaison_result_fini(liaison_result *res);

/* Exact lookup of a travel document number, VIN or plate (normalised:
** separators and case dropped, OCR confusions folded), without a
** searcher: the records holding it, issued by country (alpha-3) when
** country is not NULL.  Fills at most cap record numbers into recs and the
** total in *n.  Thread-safe on a built engine; allocates nothing. */
int liaison_doc_lookup(const liaison_engine *e, const char *number,
                       const char *country, uint32_t *recs, size_t cap,
                       size_t *n /* OUT */);

/* Many lookups at once (a manifest, a sweep): for each number, the first
** record holding it, or UINT32_MAX.  Same normalisation as
** liaison_doc_lookup (no country filter); overlaps the memory latency of
** the lookups, so it is several times faster per number. */
int liaison_doc_lookup_batch(const liaison_engine *e,
                             const char *const *numbers, size_t count,
                             uint32_t *first_rec /* OUT: count entries */);

/* The id of an engine record number (from a hit or a lookup); NULL if
** out of range.  Borrowed from the engine. */
const char *liaison_record_id(const liaison_engine *e, uint32_t rec);

#ifdef __cplusplus
}
#endif
#endif /* LIAISON_H */
