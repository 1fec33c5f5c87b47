/*
** fmt_int.h: helpers shared by the files of the formats module, and by
** nothing else (the module's interface is formats.h).
**
** Every reader turns its input into a native JSON object (jansson) and
** hands it to fmt_record_from_obj(), so validation, normalisation and the
** canonical JSON live in one place (record.c).
*/
#ifndef LIAISON_FMT_INT_H
#define LIAISON_FMT_INT_H

#include <jansson.h>
#include <stdio.h>

#include "formats/formats.h"

/* Limits. */
#define FMT_FILE_MAX ((size_t)512 << 20)    /* whole-file readers (CSV, XML) */
#define FMT_JSON_OUT_MAX ((size_t)4 << 20)  /* canonical JSON of one record */

/* Records (record.c). */

/* Validate and normalise a native record given as a JSON object (not
** consumed) into r.  default_list is used when the object has no "list";
** list_override (if not NULL) replaces it.  On error r is reset and err
** says what, naming the field. */
int fmt_record_from_obj(fmt_record *r, json_t *obj, const char *default_list,
                        const char *list_override, struct liaison_err *err);

/* Parse one JSON text into r, as fmt_record_from_json() with an override. */
int fmt_record_parse(fmt_record *r, const char *s, size_t len,
                     const char *default_list, const char *list_override,
                     struct liaison_err *err);

/* Text (text.c). */

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int fmt_utf8_valid(const char *s, size_t len);

/* Append s to b as UTF-8: copied when valid UTF-8, otherwise converted
** from Latin-1.  C0 controls other than tab become spaces. */
int fmt_buf_add_text(util_buf *b, const char *s, size_t len);

/* Append s as a JSON string literal; invalid UTF-8 bytes become U+FFFD. */
int fmt_buf_add_json_str(util_buf *b, const char *s);

/* A new JSON string from s[0..len): blanks collapsed and trimmed, Latin-1
** converted as fmt_buf_add_text() does.  NULL when empty or out of memory
** (*oom tells which). */
json_t *fmt_json_text(const char *s, size_t len, int *oom);

/* Set obj[key] to a new reference (stolen); returns LIAISON_ENOMEM when
** val is NULL or the set fails. */
int fmt_json_set(json_t *obj, const char *key, json_t *val);
/* Append to an array (stolen reference); LIAISON_ENOMEM on failure. */
int fmt_json_append(json_t *arr, json_t *val);
/* Append a string to arr unless an equal string is already there. */
int fmt_json_append_unique(json_t *arr, const char *s);

/* Dates (dob.c). */

/* 1 when s[0..len) is YYYY, YYYY-MM or YYYY-MM-DD with a real date. */
int fmt_date_valid(const char *s, size_t len);

/* English list dates, as OFAC writes them: "1962", "14 Jul 1966",
** "Jul 1966", "circa 1960", "1960 to 1962", "14 Jan 1960 to 14 Dec 1962",
** "circa 1960-1962".  Writes the ISO form (an interval "A/B" for ranges)
** into out; LIAISON_EINVAL when s is no such date. */
int fmt_dob_from_english(const char *s, size_t len, char *out, size_t size);

/* Lines (lines.c). */

/* A buffered line reader over a FILE with a line-length cap. */
typedef struct fmt_lines {
    FILE *f;
    int own;                    /* fclose() at fini */
    int own_buf;                /* buf is ours (not caller's memory) */
    char *buf;                  /* read buffer */
    size_t pos, end, size;
    util_buf line;              /* the current line */
    long lineno;
    int eof, toobig;
} fmt_lines;

/* Read lines from f, starting with the `len` bytes of `head` that the
** caller already took from f (to detect the format; may be 0).  The reader
** closes f at fini when own is set (never stdin). */
int fmt_lines_init(fmt_lines *lr, FILE *f, int own, const char *head,
                   size_t len, size_t max_line);
/* Read the lines of data[0..len) (borrowed; must outlive the reader). */
void fmt_lines_init_mem(fmt_lines *lr, const char *data, size_t len,
                        size_t max_line);
void fmt_lines_fini(fmt_lines *lr);
/* Next line without its "\n" / "\r\n": 1 with *s and *len set; 0 at end;
** LIAISON_ETOOBIG for a line over the cap (skipped, lineno counts it);
** LIAISON_EIO on a read error, LIAISON_ENOMEM. */
int fmt_lines_next(fmt_lines *lr, const char **s, size_t *len);

/* Open a file for reading ("-" is stdin). */
int fmt_open(const char *path, FILE **out, struct liaison_err *err);

/* Read the rest of f after head into a new NUL-terminated buffer (util_free). */
int fmt_slurp(FILE *f, const char *head, size_t hlen, size_t max,
              char **out, size_t *len, const char *path,
              struct liaison_err *err);

/* CSV (csv.c). */

/* The fields of one CSV line, unescaped, each NUL-terminated inside
** `store`; fmt_csv_field() gives field i, valid until the next split. */
#define FMT_CSV_MAX_FIELDS 64
typedef struct fmt_csv_row {
    util_buf store;
    size_t off[FMT_CSV_MAX_FIELDS];
    size_t len[FMT_CSV_MAX_FIELDS];
    size_t n;
} fmt_csv_row;

void fmt_csv_row_init(fmt_csv_row *row);
void fmt_csv_row_fini(fmt_csv_row *row);
/* Split one line (no line break in it) on delim.  Quoted fields use ""
** for a quote.  LIAISON_EFORMAT with a message for an unterminated quote,
** text after a closing quote, or more than FMT_CSV_MAX_FIELDS fields. */
int fmt_csv_split(fmt_csv_row *row, const char *line, size_t len, char delim,
                  struct liaison_err *err);
static inline const char *fmt_csv_field(const fmt_csv_row *row, size_t i)
{
    return row->store.p + row->off[i];
}

/* OFAC (ofac_remarks.c). */

/* Add what the Remarks text of an SDN entry says to the native record obj
** ("dob", "nationalities", "nationality_text", "documents", "gender") and
** its weak aliases to names (type "low").  Fails only for lack of memory. */
int fmt_ofac_remarks(json_t *obj, json_t *names, const char *remarks);

/* Report a bad entry: fill a liaison_err and call on_error (if any).
** Returns what on_error returned (non-zero stops the reader). */
int fmt_report(fmt_error_fn on_error, void *ud, int code, long line,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif /* LIAISON_FMT_INT_H */
