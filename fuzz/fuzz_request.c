/*
** fuzz_request.c: libFuzzer target for POST /v1/screen bodies
** (server/screen_req.c, server/json.c).
**
** The input is a request body.  Invariants: the parser never crashes;
** when it accepts, the purpose is one of the configured ones and there is
** something to screen (a name, a document, a vehicle), every string it
** keeps is valid UTF-8 without control characters (MRZ lines aside),
** limit and threshold are in range and partners named are agency ids;
** when it refuses, the status is a 4xx or 501 with a code and a message
** that is valid UTF-8 and that the error renderer turns into valid JSON.  The input is also scanned as
** JSONL (per line) with the batch limits.  A failed invariant aborts.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/srv_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, int mrz)
{
    size_t i, n;
    if (!s)
        return;
    n = strlen(s);
    if (liaison_utf8_check(s, n, NULL) != LIAISON_OK)
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && !mrz)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static policy_purposes purposes;
    static int ready;
    srv_json_limits lim = {32, 65536};
    srv_screen_req q;
    srv_error e;
    util_arena a;
    size_t i;
    if (!ready) {
        policy_purposes_default(&purposes);
        ready = 1;
    }
    util_arena_init(&a, 4096);
    memset(&e, 0, sizeof(e));
    if (srv_screen_parse((const char *)data, size, &purposes, &lim, &a, &q,
                         &e) == LIAISON_OK) {
        if (!q.purpose ||
            !policy_purpose_allowed(&purposes, q.purpose, strlen(q.purpose)))
            abort();
        if (!q.q.name && !q.q.doc && !q.q.vin && !q.q.plate)
            abort();
        if (q.limit < 1 || q.limit > 100 || q.threshold > 1 ||
            q.n_docs > SRV_MAX_DOCS || q.n_partner_ids > SRV_MAX_PARTNERS ||
            (q.n_partner_ids && !q.partners))
            abort();
        for (i = 0; i < q.n_partner_ids; i++)
            if (!fed_agency_ok(q.partner_ids[i]))
                abort();
        check_str(q.q.name, 0);
        check_str(q.q.dob, 0);
        check_str(q.q.vin, 0);
        check_str(q.q.plate, 0);
        for (i = 0; i < q.n_docs; i++) {
            if (!q.docs[i].number)
                abort();
            check_str(q.docs[i].number, 0);
            check_str(q.docs[i].type, 0);
        }
    } else {
        util_buf b;
        json_t *j;
        if (!((e.status >= 400 && e.status < 500) || e.status == 501 ||
              e.status == 500) || !e.code || !*e.code)
            abort();
        check_str(e.msg, 1);
        util_buf_init(&b, 1 << 16);
        if (srv_json_error(&b, &e))
            abort();
        j = json_loadb(b.p, b.len, 0, NULL);
        if (!j)
            abort();
        json_decref(j);
        util_buf_fini(&b);
    }
    util_arena_fini(&a);
    memset(&e, 0, sizeof(e));
    if (srv_json_scan((const char *)data, size, &lim, 1, &e) != LIAISON_OK &&
        (e.status != 400 || !e.code))
        abort();
    return 0;
}
