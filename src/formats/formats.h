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

/* The longest native JSON record (one JSONL line) or batch query line;
** longer ones are refused with LIAISON_ETOOBIG. */
#define FMT_LINE_MAX ((size_t)1 << 20)

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

/* "person", "entity", "document", "vehicle" (the JSON "kind"). */
const char *fmt_record_kind_name(liaison_kind k);

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

/* As fmt_record_from_json for JSON already stored (canonical): the same
** checks and the same liaison_record view, but no canonical JSON is made
** (r->json stays NULL).  For loading an engine from the store, where
** re-serialising every record would cost a third of the time. */
int fmt_record_view(fmt_record *r, const char *s, size_t len,
                    struct liaison_err *err);

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
/* As fmt_kind_from_name() ("auto" gives FMT_UNKNOWN), but an unknown name
** is LIAISON_EINVAL, so that a typo in --format is not taken for "auto".
** Also accepts "json", "ndjson", "ofac", "csv", "un", "xml". */
int fmt_kind_parse(const char *name, fmt_kind *out /* OUT */);

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

/* The same from memory (an HTTP body, a fuzzer's input): data[0..len) is
** a JSONL text, an OFAC sdn.csv (no alt/add) or a UN XML list.
** FMT_UNKNOWN detects the format from the content. */
int fmt_read_mem(fmt_kind kind, const char *data, size_t len,
                 const char *list_name, fmt_record_fn on_record,
                 fmt_error_fn on_error, void *ud, struct liaison_err *err);

/* The OFAC legacy CSV files in memory.  sdn is required; the others may
** be NULL.  *_name name the files in messages ("sdn.csv line 17: ..."),
** NULL for the defaults.  comments is sdn_comments.csv: the remarks
** overflow, appended to the entry's remarks. */
typedef struct fmt_ofac_files {
    const char *sdn; size_t sdn_len;
    const char *alt; size_t alt_len;
    const char *add; size_t add_len;
    const char *comments; size_t comments_len;
    const char *sdn_name, *alt_name, *add_name, *comments_name;
    const char *list;           /* default list: NULL = "ofac-sdn" */
} fmt_ofac_files;

int fmt_ofac_read_mem(const fmt_ofac_files *in, const char *list_name,
                      fmt_record_fn on_record, fmt_error_fn on_error,
                      void *ud, struct liaison_err *err);

/* A UN consolidated list in memory.  Fails (LIAISON_EFORMAT, err->line
** set) on malformed XML, a DTD (never needed, refused against entity
** tricks) or a root other than CONSOLIDATED_LIST. */
int fmt_unxml_read_mem(const char *data, size_t len, const char *list_name,
                       fmt_record_fn on_record, fmt_error_fn on_error,
                       void *ud, struct liaison_err *err);

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

/* CSV batch queries (`screen --batch --format csv`).  The first line is a
** header naming the columns with the JSON field names (id, name, dob,
** nationality, gender, doc, doc_country, vin, plate, plate_country; case
** and surrounding blanks ignored; "document" is taken for doc).  The
** delimiter is ',' unless the header has none and has ';' or a tab.
** Fields may be quoted ("" for a quote); empty fields are absent.  Values
** are checked as fmt_query_from_json() checks them. */
typedef struct fmt_query_csv {
    signed char col[16];        /* column -> field (-1: none); private */
    size_t ncols;
    char delim;
    void *row_;                 /* private scratch */
} fmt_query_csv;

/* Read the header line.  LIAISON_EINVAL naming an unknown or repeated
** column, or when no column gives a name, doc, vin or plate. */
int fmt_query_csv_init(fmt_query_csv *c, const char *header, size_t len,
                       struct liaison_err *err);
void fmt_query_csv_fini(fmt_query_csv *c);
/* Parse one data line into q (reset first). */
int fmt_query_csv_parse(fmt_query_csv *c, fmt_query *q, const char *line,
                        size_t len, struct liaison_err *err);

/* Read a whole batch file ("-": stdin) of JSONL (csv = 0) or CSV (csv = 1)
** queries, line by line, skipping blank lines.  on_query gets each good
** query with its line number (non-zero stops the reader, which returns
** it); on_error each bad line ("line 17: ...").  Returns LIAISON_OK when
** the file was read, or an error for an unreadable file or a bad header. */
typedef int (*fmt_query_fn)(void *ud, const fmt_query *q, long line);
int fmt_query_read_file(const char *path, int csv, fmt_query_fn on_query,
                        fmt_error_fn on_error, void *ud,
                        struct liaison_err *err);

/* ---------------------------------------------------------------- output */

/* Append one screening result as a single JSON line (no '\n'), DESIGN
** section 3: {"query_id":..,"query":{..},"hits":[..],"took_us":N}.
** query_id may be NULL (omitted). */
int fmt_result_json(util_buf *out, const char *query_id,
                    const liaison_query *q, const liaison_result *res);

/* Append what the audit trail keeps of one screening as a JSON object:
** {"query_id":..,"query":{..},"hits":N,"records":["id",..],"via":..}
** (query_id omitted when NULL; via names the channel, e.g. "cli"). */
int fmt_result_audit_json(util_buf *out, const char *query_id,
                          const liaison_query *q, const liaison_result *res,
                          const char *via);

/* ---------------------------------------------------------------- dates */

/* Validate a date of birth: YYYY, YYYY-MM, YYYY-MM-DD or an interval of
** two of those separated by '/'.  Returns LIAISON_OK or LIAISON_EINVAL. */
int fmt_dob_valid(const char *s);

#endif /* LIAISON_FORMATS_H */
