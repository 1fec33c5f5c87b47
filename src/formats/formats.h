/*
** formats.h: reading and writing the file formats liaison speaks.
**
** Every watchlist format is turned into native records (DESIGN section 2):
** a liaison_record view for the engine plus the record's canonical JSON,
** which is what the store keeps (unknown fields included).  Readers stream:
** they call a callback per good record and an error callback per bad one
** (with its line number), and go on; only an unusable file as a whole
** (not the format, unreadable) makes them fail.
*/
#ifndef LIAISON_FORMATS_H
#define LIAISON_FORMATS_H

#include <stddef.h>

#include "liaison.h"
#include "util/util.h"

/* ---------------------------------------------------------------- records */

/* A parsed record.  Owns all its memory (an arena); rec points into it.
** Initialise with fmt_record_init(), reuse across parses, free with
** fmt_record_fini(). */
typedef struct fmt_record {
    liaison_record rec;
    char *json;                 /* canonical native JSON, one line, no '\n' */
    size_t json_len;
    util_arena arena;
} fmt_record;

void fmt_record_init(fmt_record *r);
void fmt_record_reset(fmt_record *r);
void fmt_record_fini(fmt_record *r);

/* Parse one native JSON record (DESIGN section 2).  Validates: id and list
** present (list may come from default_list), kind known, dob shapes,
** country codes (alpha-2 or -3, stored as alpha-3), sharing level, UTF-8.
** Unknown fields are kept in r->json.  On error err says what and where
** (err->col is the byte offset when known); r is left reset. */
int fmt_record_from_json(fmt_record *r, const char *s, size_t len,
                         const char *default_list, struct liaison_err *err);

/* Callbacks for streaming readers.  A record callback returning non-zero
** stops the reader, which then returns that value.  The error callback is
** told about each bad line or entry (err->line set) and the reader goes on
** unless it returns non-zero. */
typedef int (*fmt_record_fn)(void *ud, const fmt_record *r);
typedef int (*fmt_error_fn)(void *ud, const struct liaison_err *err);

/* Known watchlist formats. */
typedef enum fmt_kind {
    FMT_UNKNOWN = 0,
    FMT_JSONL,                  /* native records, one a line */
    FMT_OFAC_CSV,               /* OFAC SDN sdn.csv (+ alt.csv, add.csv beside it) */
    FMT_UN_XML                  /* UN Security Council consolidated list */
} fmt_kind;

/* Parse a --format name ("auto", "jsonl", "ofac-csv", "un-xml"). */
fmt_kind fmt_kind_from_name(const char *name);
const char *fmt_kind_name(fmt_kind k);

/* Guess the format from the file name and its first bytes. */
fmt_kind fmt_detect(const char *path, const char *head, size_t len);

/* Read a whole watchlist file of the given kind.  For FMT_OFAC_CSV, path
** is sdn.csv (or cons_prim.csv) and the alt/add files beside it are read
** too when present (alt.csv/add.csv, cons_alt.csv/cons_add.csv).
** list_name overrides the list the records go to (NULL: the format's
** default: "ofac-sdn", "un-sc", or the JSON's own "list").
** Returns LIAISON_OK when the file was read (bad entries reported through
** on_error), or an error for an unreadable or wholly foreign file (e.g. XML
** that is not the UN schema), with err saying why. */
int fmt_read_file(fmt_kind kind, const char *path, const char *list_name,
                  fmt_record_fn on_record, fmt_error_fn on_error, void *ud,
                  struct liaison_err *err);

/* ---------------------------------------------------------------- queries */

/* A parsed screening query with its caller's id.  Owns its memory. */
typedef struct fmt_query {
    char *id;                   /* "id" of a batch line; may be NULL */
    liaison_query q;
    util_arena arena;
} fmt_query;

void fmt_query_init(fmt_query *q);
void fmt_query_reset(fmt_query *q);
void fmt_query_fini(fmt_query *q);

/* One batch query line: {"id":..,"name":..,"dob":..,"nationality":..,
** "gender":..,"doc":..}.  Unknown fields are refused with an error naming
** them (a typo must not silently screen less). */
int fmt_query_from_json(fmt_query *q, const char *s, size_t len,
                        struct liaison_err *err);

/* ---------------------------------------------------------------- output */

/* Append one screening result as a single JSON line (no '\n'), DESIGN
** section 3: {"query_id":..,"query":{..},"hits":[..],"took_us":N}.
** query_id may be NULL (omitted). */
int fmt_result_json(util_buf *out, const char *query_id,
                    const liaison_query *q, const liaison_result *res);

/* ---------------------------------------------------------------- dates */

/* Validate a date of birth: YYYY, YYYY-MM, YYYY-MM-DD or an interval of
** two of those separated by '/'.  Returns LIAISON_OK or LIAISON_EINVAL. */
int fmt_dob_valid(const char *s);

#endif /* LIAISON_FORMATS_H */
