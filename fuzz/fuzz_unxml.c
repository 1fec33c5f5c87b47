/*
** fuzz_unxml.c: libFuzzer target for the UN consolidated list reader
** (formats/unxml.c over libxml2).
**
** Invariants: every record has an id "un-..." and a name, and canonical
** JSON that parses back to itself; an error for the whole file has a
** negative code and a message; no network or file access (XXE) happens,
** which the sanitizers and the DTD refusal make visible.
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
    if (strncmp(r->rec.id, "un-", 3) || !r->rec.id[3] || r->rec.n_names == 0)
        abort();
    if (r->rec.kind != LIAISON_KIND_PERSON &&
        r->rec.kind != LIAISON_KIND_ENTITY)
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
    struct liaison_err err;
    int rc;
    memset(&err, 0, sizeof(err));
    rc = fmt_unxml_read_mem((const char *)data, size, NULL, check_record,
                            check_error, NULL, &err);
    if (rc < 0 && (err.code != rc || !err.msg[0]))
        abort();
    return 0;
}
