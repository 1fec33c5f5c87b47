/*
** csv.c: splitting one CSV line into fields.
**
** RFC 4180 quoting: a field that starts with '"' runs to the next '"'
** not doubled, and "" inside it is one quote.  Both OFAC's files and our
** query files keep a record on one line, so a quote still open at the end
** of the line is an error for that line (the next line starts afresh:
** one truncated row cannot swallow the rest of a file).  Unquoted fields
** are taken as they are, blanks included.
*/
#include <string.h>

#include "formats/fmt_int.h"

void fmt_csv_row_init(fmt_csv_row *row)
{
    memset(row, 0, sizeof(*row));
    util_buf_init(&row->store, FMT_LINE_MAX * 2);
}

void fmt_csv_row_fini(fmt_csv_row *row)
{
    util_buf_fini(&row->store);
    row->n = 0;
}

int fmt_csv_split(fmt_csv_row *row, const char *line, size_t len, char delim,
                  struct liaison_err *err)
{
    size_t i = 0;
    int rc;
    util_buf_reset(&row->store);
    row->n = 0;
    for (;;) {
        size_t start;
        if (row->n == FMT_CSV_MAX_FIELDS)
            return util_err(err, LIAISON_EFORMAT, 0, (long)i + 1,
                            "more than %d fields", FMT_CSV_MAX_FIELDS);
        start = row->store.len;
        row->off[row->n] = start;
        if (i < len && line[i] == '"') {
            size_t q = i + 1;
            for (;;) {
                const char *e = memchr(line + q, '"', len - q);
                if (!e)
                    return util_err(err, LIAISON_EFORMAT, 0, (long)i + 1,
                                    "unterminated quoted field %zu",
                                    row->n + 1);
                rc = util_buf_add(&row->store, line + q,
                                  (size_t)(e - line) - q);
                if (rc)
                    return util_err(err, rc, 0, 0, "line too long");
                q = (size_t)(e - line) + 1;
                if (q < len && line[q] == '"') {
                    if ((rc = util_buf_addc(&row->store, '"')))
                        return util_err(err, rc, 0, 0, "line too long");
                    q++;
                    continue;
                }
                break;
            }
            i = q;
            if (i < len && line[i] != delim)
                return util_err(err, LIAISON_EFORMAT, 0, (long)i + 1,
                                "text after the closing quote of field %zu",
                                row->n + 1);
        } else {
            const char *e = memchr(line + i, delim, len - i);
            size_t end = e ? (size_t)(e - line) : len;
            if ((rc = util_buf_add(&row->store, line + i, end - i)))
                return util_err(err, rc, 0, 0, "line too long");
            i = end;
        }
        row->len[row->n] = row->store.len - start;
        if ((rc = util_buf_addc(&row->store, '\0')))
            return util_err(err, rc, 0, 0, "line too long");
        row->n++;
        if (i >= len)
            break;
        i++;                    /* the delimiter */
    }
    return LIAISON_OK;
}
