/*
** fuzz_records.c: libFuzzer target for native JSONL records and batch
** query lines (formats/record.c, read.c, query.c).
**
** The input is read as a JSONL file.  Invariants checked on every record
** delivered: id and list are set, a person or entity has a name, the
** canonical JSON is one line, and parsing it again gives the same
** canonical JSON (normalisation is idempotent).  Each line is also tried
** as a screening query.  A failed invariant aborts.
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
    (void)ud;
    if (!r->rec.id || !*r->rec.id || !r->rec.list || !*r->rec.list)
        abort();
    if ((r->rec.kind == LIAISON_KIND_PERSON ||
         r->rec.kind == LIAISON_KIND_ENTITY) && r->rec.n_names == 0)
        abort();
    if (!r->json || r->json_len != strlen(r->json) ||
        memchr(r->json, '\n', r->json_len))
        abort();
    fmt_record_init(&again);
    if (fmt_record_from_json(&again, r->json, r->json_len, NULL, &err) != 0)
        abort();
    if (again.json_len != r->json_len || memcmp(again.json, r->json,
                                                r->json_len))
        abort();
    fmt_record_fini(&again);
    return 0;
}

static int ignore_error(void *ud, const struct liaison_err *err)
{
    (void)ud;
    if (err->code >= 0 || err->line <= 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    struct liaison_err err;
    fmt_query q;
    fmt_read_mem(FMT_JSONL, s, size, NULL, check_record, ignore_error, NULL,
                 &err);
    fmt_read_mem(FMT_JSONL, s, size, "fuzz-list", check_record, ignore_error,
                 NULL, &err);
    fmt_query_init(&q);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (fmt_query_from_json(&q, s, n, &err) == 0 && !q.q.name &&
            !q.q.doc && !q.q.vin && !q.q.plate)
            abort();
        s += n + 1;
    }
    fmt_query_fini(&q);
    return 0;
}
