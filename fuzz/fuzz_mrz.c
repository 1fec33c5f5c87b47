/*
** fuzz_mrz.c: libFuzzer target for the MRZ parser (src/formats/mrz.c).
**
** Any bytes must give LIAISON_OK or LIAISON_EFORMAT (never a crash, never
** another code).  On success the invariants below must hold: every field
** is NUL-terminated inside its array and made of the characters it may
** hold, dates are well formed, `valid` agrees with the checks, the JSON
** is well-formed (jansson reads it back), and parsing the lines the
** parser reports gives the same document.  Allocations must balance.
** Seed corpus: fuzz/corpus/mrz/ (the shared specimens and odd inputs).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats/border.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                        \
    do {                                                                  \
        if (!(c))                                                         \
            abort();                                                      \
    } while (0)

/* s is NUL-terminated within n bytes and every byte is in `allowed`. */
static void field_ok(const char *s, size_t n, const char *allowed)
{
    const char *end = memchr(s, '\0', n);
    REQUIRE(end != NULL);
    for (; s < end; s++)
        REQUIRE(strchr(allowed, *s) != NULL);
}

#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

static void date_ok(const char *d)
{
    size_t n = strlen(d), i;
    REQUIRE(n == 0 || n == 4 || n == 7 || n == 10);
    for (i = 0; i < n; i++)
        REQUIRE((i == 4 || i == 7) ? d[i] == '-' : (d[i] >= '0' && d[i] <= '9'));
}

static void check_result(const fmt_mrz *m)
{
    int i, valid = 1;
    REQUIRE(m->format >= FMT_MRZ_TD1 && m->format <= FMT_MRZ_FR_ID);
    REQUIRE(m->n_lines == 2 || m->n_lines == 3);
    for (i = 0; i < 3; i++)
        field_ok(m->lines[i], sizeof(m->lines[i]), UPPER DIGITS "<");
    field_ok(m->document_code, sizeof(m->document_code), UPPER DIGITS "<");
    field_ok(m->issuer, sizeof(m->issuer), UPPER DIGITS "<");
    field_ok(m->nationality, sizeof(m->nationality), UPPER DIGITS "<");
    field_ok(m->surname, sizeof(m->surname), UPPER DIGITS " ");
    field_ok(m->given_names, sizeof(m->given_names), UPPER DIGITS " ");
    field_ok(m->full_name, sizeof(m->full_name), UPPER DIGITS " ");
    field_ok(m->document_number, sizeof(m->document_number), UPPER DIGITS "<");
    field_ok(m->optional_data, sizeof(m->optional_data), UPPER DIGITS "<");
    field_ok(m->optional_data2, sizeof(m->optional_data2), UPPER DIGITS "<");
    field_ok(m->dob, sizeof(m->dob), DIGITS "-");
    field_ok(m->expiry, sizeof(m->expiry), DIGITS "-");
    date_ok(m->dob);
    date_ok(m->expiry);
    REQUIRE(m->sex[0] == 'M' || m->sex[0] == 'F' || m->sex[0] == 'X');
    REQUIRE(m->sex[1] == '\0');
    REQUIRE(m->full_name[0] != ' ');
    for (i = 0; i < FMT_MRZ_NCHECKS; i++) {
        REQUIRE(m->checks[i] >= FMT_CHECK_ABSENT &&
                m->checks[i] <= FMT_CHECK_INVALID);
        if (m->checks[i] == FMT_CHECK_INVALID)
            valid = 0;
    }
    REQUIRE(m->valid == valid);
    REQUIRE(m->corrected == (m->corrected_fields != 0));
    for (i = 0; i < FMT_MRZ_NFIELDS; i++)
        field_ok(m->raw[i], sizeof(m->raw[i]), UPPER DIGITS "< ");
    for (i = 0; i < m->n_warnings && i < FMT_MRZ_MAX_WARNINGS; i++)
        REQUIRE(memchr(m->warnings[i], '\0', sizeof(m->warnings[i])) != NULL);
    REQUIRE(m->n_warnings >= 0);
}

static void check_json(const fmt_mrz *m)
{
    util_buf b;
    json_t *j;
    json_error_t jerr;
    util_buf_init(&b, 1 << 16);
    REQUIRE(fmt_mrz_to_json(m, &b) == LIAISON_OK);
    j = json_loadb(b.p, b.len, 0, &jerr);
    REQUIRE(j != NULL && json_is_object(j));
    REQUIRE(json_is_boolean(json_object_get(j, "valid")));
    REQUIRE(json_is_object(json_object_get(j, "checks")));
    json_decref(j);
    util_buf_fini(&b);
}

/* The lines the parser reports, parsed again, give the same document. */
static void check_reparse(const fmt_mrz *m)
{
    char text[3 * 45 + 3];
    size_t n = 0;
    int i;
    fmt_mrz again;
    for (i = 0; i < m->n_lines; i++) {
        size_t l = strlen(m->lines[i]);
        memcpy(text + n, m->lines[i], l);
        n += l;
        text[n++] = '\n';
    }
    REQUIRE(fmt_mrz_parse(text, n, 2025, &again, NULL) == LIAISON_OK);
    REQUIRE(again.format == m->format);
    REQUIRE(!strcmp(again.document_number, m->document_number));
    REQUIRE(!strcmp(again.full_name, m->full_name));
    REQUIRE(!strcmp(again.dob, m->dob));
    REQUIRE(!memcmp(again.checks, m->checks, sizeof(m->checks)));
    REQUIRE(again.corrected_fields == m->corrected_fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fmt_mrz m;
    struct liaison_err err;
    liaison_query q;
    char name[16];
    long live = util_alloc_live();
    int rc = fmt_mrz_parse((const char *)data, size, 2025, &m, &err);
    REQUIRE(rc == LIAISON_OK || rc == LIAISON_EFORMAT);
    if (rc == LIAISON_OK) {
        check_result(&m);
        check_json(&m);
        check_reparse(&m);
        fmt_mrz_query(&m, &q);
        REQUIRE(!q.name || !strcmp(q.name, m.full_name));
        REQUIRE(fmt_mrz_name(&m, name, sizeof(name)) == strlen(m.full_name));
        REQUIRE(strlen(name) < sizeof(name));
    } else {
        REQUIRE(err.code == LIAISON_EFORMAT);
        REQUIRE(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        REQUIRE(err.line >= 0 && err.col >= 0);
        REQUIRE(m.format == 0);
    }
    REQUIRE(util_alloc_live() == live);
    return 0;
}
