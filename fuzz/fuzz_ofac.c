/*
** fuzz_ofac.c: libFuzzer target for the OFAC legacy CSV reader
** (formats/ofac.c, ofac_remarks.c, csv.c).
**
** The input is up to four files separated by NUL bytes: sdn.csv, alt.csv,
** add.csv, sdn_comments.csv.  Invariants: every record has an id
** "ofac-<digits>", a name, and canonical JSON that parses back to itself;
** every reported error has a negative code and a line number.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_record(void *ud, const fmt_record *r)
{
    fmt_record again;
    struct liaison_err err;
    size_t i;
    (void)ud;
    if (strncmp(r->rec.id, "ofac-", 5) || !r->rec.id[5])
        abort();
    for (i = 5; r->rec.id[i]; i++)
        if (r->rec.id[i] < '0' || r->rec.id[i] > '9')
            abort();
    if (r->rec.n_names == 0 || !r->rec.names[0].full)
        abort();
    fmt_record_init(&again);
    if (fmt_record_from_json(&again, r->json, r->json_len, NULL, &err) != 0 ||
        again.json_len != r->json_len ||
        memcmp(again.json, r->json, r->json_len))
        abort();
    fmt_record_fini(&again);
    return 0;
}

static int check_error(void *ud, const struct liaison_err *err)
{
    (void)ud;
    if (err->code >= 0 || err->line <= 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[4] = {NULL, NULL, NULL, NULL}, *s = (const char *)data;
    size_t len[4] = {0, 0, 0, 0}, n = 0;
    fmt_ofac_files in;
    struct liaison_err err;
    const char *end = s + size;
    while (n < 4) {
        const char *z = n < 3 ? memchr(s, '\0', (size_t)(end - s)) : NULL;
        part[n] = s;
        len[n] = z ? (size_t)(z - s) : (size_t)(end - s);
        n++;
        if (!z)
            break;
        s = z + 1;
    }
    memset(&in, 0, sizeof(in));
    in.sdn = part[0];
    in.sdn_len = len[0];
    in.alt = part[1];
    in.alt_len = len[1];
    in.add = part[2];
    in.add_len = len[2];
    in.comments = part[3];
    in.comments_len = len[3];
    fmt_ofac_read_mem(&in, NULL, check_record, check_error, NULL, &err);
    return 0;
}
