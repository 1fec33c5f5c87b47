/*
** fuzz_paxlst.c: libFuzzer target for the PAXLST parser
** (src/formats/paxlst.c).
**
** Each input is parsed three ways: strict (NULL options), lenient, and
** lenient with tiny caps.  Any bytes must give LIAISON_OK, LIAISON_EFORMAT
** or LIAISON_ETOOBIG with *out NULL on failure, never a crash.  On success:
** indexes, parts and document pointers stay inside the result, the caps
** hold, every string is valid UTF-8, and the strict result (when there is
** one) equals the lenient one in what it found.  Allocations must balance.
** Seed corpus: fuzz/corpus/paxlst/ (the GTAS samples and odd inputs).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/border.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                        \
    do {                                                                  \
        if (!(c))                                                         \
            abort();                                                      \
    } while (0)

static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1
              : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || (n && *p < 0xc2) || *p > 0xf4)
            return 0;
        p++;
        while (n-- > 0)
            if ((*p++ & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

static void str_ok(const char *s)
{
    if (s)
        REQUIRE(utf8_ok(s));
}

static void check_result(const fmt_paxlst *p, const fmt_paxlst_opts *o)
{
    size_t i, j, docs = 0;
    REQUIRE(p->n_parts >= 1 && p->parts != NULL);
    REQUIRE(!o || p->n_travellers <= (o->max_travellers ? o->max_travellers
                                                         : 50000));
    REQUIRE(p->n_warnings <= 64);
    REQUIRE(p->n_segments >= 2);
    REQUIRE(strlen(p->separators) == 6);
    if (p->n_legs)
        REQUIRE(p->flight >= p->legs && p->flight < p->legs + p->n_legs);
    else
        REQUIRE(p->flight == NULL);
    for (i = 0; i < p->n_warnings; i++)
        str_ok(p->warnings[i]);
    str_ok(p->syntax);
    str_ok(p->sender);
    str_ok(p->recipient);
    str_ok(p->version);
    for (i = 0; i < p->n_legs; i++) {
        str_ok(p->legs[i].carrier);
        str_ok(p->legs[i].flight_number);
        str_ok(p->legs[i].dep_airport);
        str_ok(p->legs[i].arr_airport);
        str_ok(p->legs[i].dep_time);
        str_ok(p->legs[i].arr_time);
    }
    for (i = 0; i < p->n_parts; i++) {
        str_ok(p->parts[i].reference);
        str_ok(p->parts[i].bgm_code);
        docs += p->parts[i].n_travellers;
    }
    REQUIRE(docs == p->n_travellers);
    for (i = 0; i < p->n_travellers; i++) {
        const fmt_paxlst_traveller *t = &p->travellers[i];
        liaison_query q;
        REQUIRE(t->index == i + 1);
        REQUIRE(t->part >= 1 && t->part <= p->n_parts);
        REQUIRE(t->segment >= 1 && t->segment <= p->n_segments);
        REQUIRE(t->role >= FMT_PAX_PASSENGER && t->role <= FMT_PAX_OTHER);
        REQUIRE(t->full_name != NULL || (!t->surname && !t->given_names));
        REQUIRE(!t->n_documents == !t->documents);
        REQUIRE(!o || !o->max_documents || t->n_documents <= o->max_documents);
        str_ok(t->qualifier);
        str_ok(t->surname);
        str_ok(t->given_names);
        str_ok(t->full_name);
        str_ok(t->dob);
        str_ok(t->nationality);
        str_ok(t->birth_place);
        str_ok(t->reference);
        if (t->dob)
            REQUIRE(strlen(t->dob) == 10);
        if (t->sex)
            REQUIRE(strchr("MFX", t->sex[0]) && !t->sex[1]);
        for (j = 0; j < t->n_documents; j++) {
            REQUIRE(t->documents[j].type != NULL);
            str_ok(t->documents[j].type);
            str_ok(t->documents[j].number);
            str_ok(t->documents[j].expiry);
            str_ok(t->documents[j].issuer);
        }
        fmt_paxlst_query(t, &q);
        REQUIRE(q.name == t->full_name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    fmt_paxlst *strict = NULL, *lenient = NULL, *tiny = NULL;
    fmt_paxlst_opts lo, to;
    struct liaison_err err;
    long live = util_alloc_live();
    int rs, rl, rt;

    rs = fmt_paxlst_parse(buf, size, NULL, &strict, &err);
    REQUIRE(rs == LIAISON_OK || rs == LIAISON_EFORMAT || rs == LIAISON_ETOOBIG);
    REQUIRE((rs == LIAISON_OK) == (strict != NULL));
    if (rs)
        REQUIRE(err.code == rs && memchr(err.msg, '\0', sizeof(err.msg)));

    memset(&lo, 0, sizeof(lo));
    lo.lenient = 1;
    lo.ref_year = 2025;
    rl = fmt_paxlst_parse(buf, size, &lo, &lenient, &err);
    REQUIRE(rl == LIAISON_OK || rl == LIAISON_EFORMAT || rl == LIAISON_ETOOBIG);
    REQUIRE((rl == LIAISON_OK) == (lenient != NULL));
    if (strict) {
        /* Lenient accepts everything strict does, and finds the same. */
        REQUIRE(lenient != NULL);
        check_result(strict, NULL);
        REQUIRE(strict->n_travellers == lenient->n_travellers);
        REQUIRE(strict->n_legs == lenient->n_legs);
        REQUIRE(strict->n_parts == lenient->n_parts);
    }
    if (lenient)
        check_result(lenient, &lo);

    memset(&to, 0, sizeof(to));
    to.lenient = 1;
    to.max_segment = 64;
    to.max_travellers = 3;
    to.max_documents = 1;
    to.max_legs = 2;
    to.max_messages = 2;
    rt = fmt_paxlst_parse(buf, size, &to, &tiny, &err);
    REQUIRE(rt == LIAISON_OK || rt == LIAISON_EFORMAT || rt == LIAISON_ETOOBIG);
    if (tiny) {
        check_result(tiny, &to);
        REQUIRE(lenient && tiny->n_travellers == lenient->n_travellers);
    }

    fmt_paxlst_free(strict);
    fmt_paxlst_free(lenient);
    fmt_paxlst_free(tiny);
    REQUIRE(util_alloc_live() == live);
    return 0;
}
