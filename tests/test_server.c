/*
** test_server.c: the HTTP API (src/server) end to end, in-process, on
** 127.0.0.1 port 0: every route, the 401/403 matrix over every route and
** role, purposes, limits, the bad-input corpus (tests/data/server/bad),
** screening while the store changes underneath (no torn reads), audit
** fail-closed, TLS, graceful shutdown, timeouts and the connection cap,
** and the `liaison serve|user|audit` commands.
*/
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "helpers/http.h"
#include "server/srv_int.h"
#include "store/store.h"
#include "testlib.h"

#define JSON_T "application/json"
#define NDJSON "application/x-ndjson"

static json_t *body_json(const th_resp *r)
{
    return r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
}

/* The "error.code" of a response ("" if none). */
static const char *err_code(const th_resp *r, char *buf, size_t n)
{
    json_t *j = body_json(r);
    const char *c = j ? json_string_value(json_object_get(
                            json_object_get(j, "error"), "code"))
                      : NULL;
    util_strlcpy(buf, c ? c : "", n);
    json_decref(j);
    return buf;
}

static int count_hits(const th_resp *r)
{
    json_t *j = body_json(r);
    int n = j ? (int)json_array_size(json_object_get(j, "hits")) : -1;
    json_decref(j);
    return n;
}

static long long json_int(const th_resp *r, const char *key)
{
    json_t *j = body_json(r);
    long long v = j ? (long long)json_integer_value(json_object_get(j, key))
                    : -1;
    json_decref(j);
    return v;
}

static const char screen_ok[] =
    "{\"purpose\":\"border-check\",\"subject\":{\"name\":\"Yusuf Ben "
    "Haddou\",\"dob\":\"1966\"}}";

/* ---------------------------------------------------------------- routing */

TEST(routes_match_openapi)
{
    json_error_t e;
    json_t *doc = json_loads(srv_openapi_json, 0, &e), *paths, *item;
    const char *path;
    size_t k, n_doc = 0;
    CHECK(doc != NULL);
    if (!doc) {
        fprintf(stderr, "openapi: %s at %d\n", e.text, e.position);
        return;
    }
    CHECK_STR(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    paths = json_object_get(doc, "paths");
    /* Every route is in the document... */
    for (k = 0; k < srv_n_routes; k++) {
        char m[16];
        size_t i;
        for (i = 0; srv_routes[k].method[i] && i < sizeof(m) - 1; i++)
            m[i] = (char)(srv_routes[k].method[i] | 0x20);
        m[i] = 0;
        item = json_object_get(paths, srv_routes[k].path);
        if (!item || !json_object_get(item, m))
            fprintf(stderr, "not in openapi: %s %s\n", srv_routes[k].method,
                    srv_routes[k].path);
        CHECK(item && json_object_get(item, m));
    }
    /* ...and every operation of the document is a route. */
    json_object_foreach(paths, path, item) {
        const char *method;
        json_t *op;
        json_object_foreach(item, method, op) {
            char up[16];
            size_t i;
            int found = 0;
            if (!strcmp(method, "parameters"))
                continue;
            for (i = 0; method[i] && i < sizeof(up) - 1; i++)
                up[i] = (char)(method[i] & ~0x20);
            up[i] = 0;
            for (k = 0; k < srv_n_routes; k++)
                if (!strcmp(srv_routes[k].path, path) &&
                    !strcmp(srv_routes[k].method, up))
                    found = 1;
            if (!found)
                fprintf(stderr, "not a route: %s %s\n", up, path);
            CHECK(found);
            n_doc++;
        }
    }
    CHECK_EQ(n_doc, srv_n_routes);
    json_decref(doc);
}

TEST(router)
{
    srv_match m;
    CHECK_EQ(srv_route_find("POST", "/v1/screen", 10, &m), LIAISON_OK);
    CHECK_STR(m.route->path, "/v1/screen");
    CHECK_EQ(srv_route_find("GET", "/v1/records/ma-1", 16, &m), LIAISON_OK);
    CHECK_EQ(m.n_params, 1);
    CHECK_EQ(m.params[0].len, 4);
    CHECK(!memcmp(m.params[0].s, "ma-1", 4));
    CHECK_EQ(srv_route_find("GET", "/v1/screen", 10, &m), LIAISON_ENOTFOUND);
    CHECK(m.method_mismatch);
    CHECK_EQ(srv_route_find("GET", "/v1/nothing", 11, &m), LIAISON_ENOTFOUND);
    CHECK(!m.method_mismatch);
    CHECK_EQ(srv_route_find("POST", "/v1/screen/", 11, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("POST", "//v1/screen", 11, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/v1/records/", 12, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/v1/records/a/b", 15, &m),
             LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/v1/records/..", 14, &m),
             LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/v1/records/.", 13, &m),
             LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/v1/records/...", 15, &m), LIAISON_OK);
    CHECK_EQ(srv_route_find("get", "/healthz", 8, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "/healthz\0x", 10, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find("GET", "", 0, &m), LIAISON_ENOTFOUND);
    CHECK_EQ(srv_route_find(NULL, "/healthz", 8, &m), LIAISON_ENOTFOUND);
}

TEST(only_healthz_is_public)
{
    size_t k;
    for (k = 0; k < srv_n_routes; k++)
        CHECK_EQ(!!(srv_routes[k].flags & SRV_PUBLIC),
                 !strcmp(srv_routes[k].path, "/healthz"));
}

/* ---------------------------------------------------------------- screen bodies */

TEST(screen_body_parsing)
{
    policy_purposes p;
    srv_json_limits lim = {32, 65536};
    srv_screen_req q;
    srv_error e;
    util_arena a;
    const char *mrz_body =
        "{\"purpose\":\"border-check\",\"mrz\":\"P<UTOERIKSSON<<ANNA<MARIA"
        "<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\","
        "\"subject\":{\"documents\":[{\"number\":\"X1\"},{\"number\":\"X2\","
        "\"country\":\"tr\",\"type\":\"visa\"}]},\"limit\":3,"
        "\"threshold\":0.5,\"partners\":false}";
    policy_purposes_default(&p);
    util_arena_init(&a, 4096);
    CHECK_EQ(srv_screen_parse(screen_ok, strlen(screen_ok), &p, &lim, &a, &q,
                              &e), LIAISON_OK);
    CHECK_STR(q.purpose, "border-check");
    CHECK_STR(q.q.name, "Yusuf Ben Haddou");
    CHECK_STR(q.q.dob, "1966");
    CHECK_EQ(q.limit, 10);
    CHECK(q.threshold < 0);
    CHECK_EQ(srv_screen_parse(mrz_body, strlen(mrz_body), &p, &lim, &a, &q,
                              &e), LIAISON_OK);
    CHECK(q.have_mrz);
    CHECK_STR(q.q.name, "ANNA MARIA ERIKSSON");
    CHECK_EQ(q.n_docs, 3);
    CHECK_STR(q.docs[0].number, "L898902C3");    /* the MRZ's comes first */
    CHECK_STR(q.q.doc, "L898902C3");
    CHECK_STR(q.docs[2].country, "TUR");
    CHECK_EQ(q.limit, 3);
    /* The subject wins over the MRZ. */
    {
        const char *b = "{\"purpose\":\"investigation\",\"subject\":{\"name\":"
                        "\"Anna Erikson\"},\"mrz\":\"P<UTOERIKSSON<<ANNA<MARIA"
                        "<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F120415"
                        "9ZE184226B<<<<<10\"}";
        CHECK_EQ(srv_screen_parse(b, strlen(b), &p, &lim, &a, &q, &e),
                 LIAISON_OK);
        CHECK_STR(q.q.name, "Anna Erikson");
        CHECK_STR(q.q.dob, "1974-08-12");
    }
    /* The purpose set is configurable. */
    CHECK_EQ(policy_purposes_parse(&p, "asylum", NULL), LIAISON_OK);
    CHECK_EQ(srv_screen_parse(screen_ok, strlen(screen_ok), &p, &lim, &a, &q,
                              &e), LIAISON_EINVAL);
    CHECK_EQ(e.status, 400);
    CHECK_STR(e.code, "unknown_purpose");
    util_arena_fini(&a);
}

/* ---------------------------------------------------------------- the basics */

TEST(healthz_and_screen)
{
    th_server f;
    th_resp r;
    json_t *j, *hit;
    char buf[64];
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK_STR(r.body, "{\"status\":\"ok\"}");
    CHECK(th_header(&r, "X-Request-Id", buf, sizeof(buf)) != NULL);
    CHECK_STR(th_header(&r, "Cache-Control", buf, sizeof(buf)), "no-store");
    th_resp_free(&r);

    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK(j != NULL);
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR(json_string_value(json_object_get(hit, "id")), "ma-1");
    CHECK_STR(json_string_value(json_object_get(hit, "list")), "wanted");
    CHECK(json_real_value(json_object_get(hit, "score")) > 0.8);
    CHECK(json_array_size(json_object_get(hit, "why")) > 0);
    CHECK(json_is_object(json_object_get(j, "query")));
    CHECK(json_is_integer(json_object_get(j, "took_us")));
    CHECK_STR(json_string_value(json_object_get(j, "purpose")),
              "border-check");
    CHECK(json_integer_value(json_object_get(j, "audit_seq")) > 0);
    json_decref(j);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(screen_documents_mrz_vehicle)
{
    th_server f;
    th_resp r;
    json_t *j;
    const char *recs =
        "{\"id\":\"icao-1\",\"list\":\"wanted\",\"names\":[{\"full\":\"Anna "
        "Maria ERIKSSON\"}],\"dob\":\"1974-08-12\",\"sharing\":\"hit\"}\n"
        "{\"id\":\"doc-9\",\"list\":\"stolen-documents\",\"kind\":\"document\","
        "\"documents\":[{\"number\":\"ZX9988776\",\"country\":\"TUR\"}]}\n"
        "{\"id\":\"car-1\",\"list\":\"stolen-vehicles\",\"kind\":\"vehicle\","
        "\"plate\":\"12345-A-6\",\"country\":\"MAR\"}\n";
    CHECK_EQ(th_server_start(&f, recs, NULL), 0);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"mrz\":\"P<UTOERIKSSON<<"
                     "ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F"
                     "1204159ZE184226B<<<<<10\"}", &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(j, "hits"), 0), "id")),
              "icao-1");
    CHECK(json_is_true(json_object_get(json_object_get(j, "mrz"), "valid")));
    json_decref(j);
    th_resp_free(&r);
    /* A name plus two documents: the second document's hit is merged in. */
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"subject\":{\"name\":"
                     "\"Anna Maria Eriksson\",\"documents\":[{\"number\":"
                     "\"Q0000001\"},{\"number\":\"ZX9988776\",\"country\":"
                     "\"TR\"}]}}", &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"icao-1\"") && strstr(r.body, "\"doc-9\""));
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"subject\":{\"vehicle\":"
                     "{\"plate\":\"12345-A-6\",\"country\":\"MA\"}}}", &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"car-1\"") != NULL);
    th_resp_free(&r);
    th_server_stop(&f);
}

/* The audit entry of a screening says who, agency, purpose, the query and
** the records hit. */
TEST(screen_is_audited)
{
    th_server f;
    th_resp r;
    json_t *j, *e, *d;
    long long seq;
    char path[64];
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    seq = json_int(&r, "audit_seq");
    th_resp_free(&r);
    snprintf(path, sizeof(path), "/v1/audit?after=%lld&limit=1", seq - 1);
    CHECK_EQ(th_http(f.port, "GET", path, f.auditor, NULL, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    e = json_array_get(json_object_get(j, "entries"), 0);
    CHECK_EQ(json_integer_value(json_object_get(e, "seq")), seq);
    CHECK_STR(json_string_value(json_object_get(e, "actor")), "olivia");
    CHECK_STR(json_string_value(json_object_get(e, "agency")), "MA-DGSN");
    CHECK_STR(json_string_value(json_object_get(e, "action")), "screen");
    CHECK_STR(json_string_value(json_object_get(e, "purpose")),
              "border-check");
    d = json_object_get(e, "detail");
    CHECK_STR(json_string_value(json_object_get(json_object_get(d, "query"),
                                                "name")), "Yusuf Ben Haddou");
    CHECK_EQ(json_integer_value(json_object_get(d, "hits")), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(d, "records"),
                                               0)), "ma-1");
    CHECK_EQ(strlen(json_string_value(json_object_get(e, "hash"))), 64);
    /* No token anywhere in the trail. */
    CHECK(strstr(r.body, f.officer) == NULL);
    CHECK(strstr(r.body, "lsn_") == NULL);
    json_decref(j);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(purpose_required_and_configurable)
{
    th_server f;
    th_resp r;
    char c[64];
    srv_config cfg;
    policy_purposes p;
    CHECK_EQ(policy_purposes_parse(&p, "border-check,asylum", NULL),
             LIAISON_OK);
    memset(&cfg, 0, sizeof(cfg));
    cfg.purposes = &p;
    CHECK_EQ(th_server_start(&f, NULL, &cfg), 0);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"subject\":{\"name\":\"Ali\"}}", &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "purpose_required");
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"investigation\",\"subject\":{\"name\":"
                     "\"Ali\"}}", &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "unknown_purpose");
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"asylum\",\"subject\":{\"name\":\"Ali\"}}",
                     &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen/batch", f.officer, NDJSON,
                     "{\"name\":\"Ali\"}\n", &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "purpose_required");
    th_resp_free(&r);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- 401 / 403 */

/* A request for each route that gets past authentication and the role
** check without side effects (it may still be a 4xx of its own). */
static void route_request(size_t k, const char **path, const char **body,
                          const char **ctype)
{
    const srv_route *rt = &srv_routes[k];
    *body = NULL;
    *ctype = NULL;
    *path = rt->path;
    if (!strcmp(rt->path, "/v1/screen")) {
        *body = screen_ok;
        *ctype = JSON_T;
    } else if (!strcmp(rt->path, "/v1/screen/batch")) {
        *path = "/v1/screen/batch?purpose=border-check";
        *body = "{\"id\":\"q\",\"name\":\"Ali\"}\n";
        *ctype = NDJSON;
    } else if (!strcmp(rt->path, "/v1/records")) {
        *body = "not a record\n";
        *ctype = NDJSON;
    } else if (!strcmp(rt->path, "/v1/records/{id}")) {
        *path = "/v1/records/nope";
        if (!strcmp(rt->method, "PUT")) {
            *body = "{}";
            *ctype = JSON_T;
        }
    } else if (!strcmp(rt->path, "/v1/users")) {
        if (!strcmp(rt->method, "POST")) {
            *body = "{}";
            *ctype = JSON_T;
        }
    } else if (!strcmp(rt->path, "/v1/users/{name}")) {
        *path = "/v1/users/nobody";
    } else if (!strncmp(rt->path, "/v1/disclosures", 15)) {
        if (!strcmp(rt->path, "/v1/disclosures/{id}"))
            *path = "/v1/disclosures/dsc-nope0000";
        else if (strstr(rt->path, "/approve"))
            *path = "/v1/disclosures/dsc-nope0000/approve";
        else if (strstr(rt->path, "/deny"))
            *path = "/v1/disclosures/dsc-nope0000/deny";
        if (!strcmp(rt->method, "POST")) {
            *body = "{}";
            *ctype = JSON_T;
        }
    }
}

TEST(auth_and_role_matrix)
{
    th_server f;
    const char *tokens[5];
    policy_role roles[5] = {POLICY_ROLE_OFFICER, POLICY_ROLE_ANALYST,
                            POLICY_ROLE_AUDITOR, POLICY_ROLE_ADMIN,
                            POLICY_ROLE_MONITOR};
    char bad_token[POLICY_TOKEN_MAX];
    size_t k;
    int i;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    tokens[0] = f.officer;
    tokens[1] = f.analyst;
    tokens[2] = f.auditor;
    tokens[3] = f.admin;
    tokens[4] = f.monitor;
    CHECK_EQ(policy_token_new(bad_token), LIAISON_OK);
    for (k = 0; k < srv_n_routes; k++) {
        const char *path, *body, *ctype;
        th_resp r;
        char c[64], hdr[128];
        route_request(k, &path, &body, &ctype);
        /* Partner nodes sign instead (test_federation.c). */
        if (srv_routes[k].flags & (SRV_PUBLIC | SRV_PEER))
            continue;
        /* No token, a well-formed unknown token, junk. */
        CHECK_EQ(th_http(f.port, srv_routes[k].method, path, NULL, ctype,
                         body, &r), 0);
        CHECK_EQ(r.status, 401);
        CHECK_STR(err_code(&r, c, sizeof(c)), "unauthenticated");
        CHECK(th_header(&r, "WWW-Authenticate", hdr, sizeof(hdr)) != NULL);
        th_resp_free(&r);
        CHECK_EQ(th_http(f.port, srv_routes[k].method, path, bad_token, ctype,
                         body, &r), 0);
        CHECK_EQ(r.status, 401);
        th_resp_free(&r);
        CHECK_EQ(th_http(f.port, srv_routes[k].method, path, "x", ctype,
                         body, &r), 0);
        CHECK_EQ(r.status, 401);
        th_resp_free(&r);
        for (i = 0; i < 5; i++) {
            int allowed = policy_role_allows(roles[i], srv_routes[k].perm);
            CHECK_EQ(th_http(f.port, srv_routes[k].method, path, tokens[i],
                             ctype, body, &r), 0);
            if (allowed != (r.status != 403) || r.status == 401)
                fprintf(stderr, "%s %s as %s: %d %s\n", srv_routes[k].method,
                        path, policy_role_name(roles[i]), r.status, r.body);
            CHECK(r.status != 401);
            CHECK_EQ(r.status == 403, !allowed);
            if (r.status == 403)
                CHECK_STR(err_code(&r, c, sizeof(c)), "forbidden");
            th_resp_free(&r);
        }
    }
    th_server_stop(&f);
}

/* Auth failures and denials are audited, without the token. */
TEST(auth_failures_audited)
{
    th_server f;
    th_resp r;
    char bad[POLICY_TOKEN_MAX];
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(policy_token_new(bad), LIAISON_OK);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", bad, JSON_T, screen_ok,
                     &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit", f.officer, NULL, NULL, &r),
             0);
    CHECK_EQ(r.status, 403);
    th_resp_free(&r);
    /* The refusal entries are queued without waiting: read until seen. */
    {
        uint64_t deadline = util_now_us() + 30 * 1000000ull;
        int seen = 0;
        while (seen < 2 && util_now_us() < deadline) {
            CHECK_EQ(th_http(f.port, "GET", "/v1/audit?limit=1000",
                             f.auditor, NULL, NULL, &r), 0);
            seen = !!strstr(r.body, "\"auth.fail\"") +
                   !!strstr(r.body, "\"access.denied\"");
            if (seen == 2) {
                CHECK(strstr(r.body, "unknown or revoked token") != NULL);
                CHECK(strstr(r.body, bad) == NULL);
                CHECK(strstr(r.body, "\"actor\":\"olivia\"") != NULL);
            }
            th_resp_free(&r);
        }
        CHECK_EQ(seen, 2);
    }
    th_server_stop(&f);
}

TEST(revocation)
{
    th_server f;
    th_resp r;
    char tok[TH_TOKEN_MAX];
    store *s = NULL;
    srv_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.auth_cache_ms = -1;     /* every request checked against the store */
    CHECK_EQ(th_server_start(&f, NULL, &cfg), 0);
    /* Through the API, by an admin: effective at once. */
    CHECK_EQ(th_http(f.port, "POST", "/v1/users", f.admin, JSON_T,
                     "{\"name\":\"zoe\",\"role\":\"officer\"}", &r), 0);
    CHECK_EQ(r.status, 201);
    {
        json_t *j = body_json(&r);
        const char *t = json_string_value(json_object_get(j, "token"));
        CHECK(t && policy_token_well_formed(t, strlen(t)));
        util_strlcpy(tok, t ? t : "", sizeof(tok));
        CHECK_STR(json_string_value(json_object_get(j, "agency")), "MA-DGSN");
        json_decref(j);
    }
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", tok, JSON_T, screen_ok,
                     &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/users", f.admin, JSON_T,
                     "{\"name\":\"zoe\",\"role\":\"officer\"}", &r), 0);
    CHECK_EQ(r.status, 409);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "DELETE", "/v1/users/zoe", f.admin, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", tok, JSON_T, screen_ok,
                     &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "DELETE", "/v1/users/zoe", f.admin, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    /* Directly in the store (as `liaison user revoke` does). */
    CHECK_EQ(store_open(f.db, &s, NULL), LIAISON_OK);
    CHECK_EQ(store_user_revoke(s, "olivia"), LIAISON_OK);
    store_close(s);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/users", f.admin, NULL, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"zoe\"") && strstr(r.body, "\"revoked_at\":1"));
    CHECK(strstr(r.body, "token") == NULL && strstr(r.body, "hash") == NULL);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(bearer_parsing)
{
    th_server f;
    th_resp r;
    char raw[512];
    int n;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    /* Scheme names are case-insensitive; blanks around the token go. */
    n = snprintf(raw, sizeof(raw), "GET /openapi.json HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: bearer   %s  \r\n\r\n", f.officer);
    CHECK_EQ(th_raw(f.port, raw, (size_t)n, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    n = snprintf(raw, sizeof(raw), "GET /openapi.json HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Basic %s\r\n\r\n", f.officer);
    CHECK_EQ(th_raw(f.port, raw, (size_t)n, &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- records */

TEST(records_crud_and_audit)
{
    th_server f;
    th_resp r;
    const char *rec = "{\"id\":\"ma-9\",\"list\":\"wanted\",\"names\":[{\"full\":"
                      "\"Karim Zerhouni\"}],\"dob\":\"1980\"}";
    char c[64];
    long long seq;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/ma-9", f.analyst, JSON_T,
                     rec, &r), 0);
    CHECK_EQ(r.status, 201);
    seq = json_int(&r, "seq");
    CHECK(seq > 0);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/records/ma-9", f.analyst, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "Karim Zerhouni") != NULL);
    th_resp_free(&r);
    /* The index picks the new record up without a restart. */
    CHECK_EQ(th_wait_index(&f, seq, 20000), LIAISON_OK);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"subject\":{\"name\":"
                     "\"Karim Zerhouni\"}}", &r), 0);
    CHECK(strstr(r.body, "\"ma-9\"") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/ma-9", f.analyst, JSON_T,
                     rec, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    /* The body's id must be the path's. */
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/ma-10", f.analyst, JSON_T,
                     rec, &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "id_mismatch");
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "DELETE", "/v1/records/ma-9", f.analyst, NULL,
                     NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    seq = json_int(&r, "seq");
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/records/ma-9", f.analyst, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "DELETE", "/v1/records/ma-9", f.analyst, NULL,
                     NULL, &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    CHECK_EQ(th_wait_index(&f, seq, 20000), LIAISON_OK);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"subject\":{\"name\":"
                     "\"Karim Zerhouni\"}}", &r), 0);
    CHECK(strstr(r.body, "\"ma-9\"") == NULL);
    th_resp_free(&r);
    /* Every change is in the audit trail, and the chain holds. */
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit?limit=1000", f.auditor, NULL,
                     NULL, &r), 0);
    CHECK(strstr(r.body, "\"record.put\"") &&
          strstr(r.body, "\"record.delete\""));
    CHECK(strstr(r.body, "content_blake2b") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit/verify", f.auditor, NULL, NULL,
                     &r), 0);
    CHECK(strstr(r.body, "\"ok\":true") != NULL);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(records_belong_to_their_agency)
{
    th_server f;
    th_resp r;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    /* tr-1 is owned by TR-EGM: MA-DGSN's analyst may not touch it. */
    CHECK_EQ(th_http(f.port, "DELETE", "/v1/records/tr-1", f.analyst, NULL,
                     NULL, &r), 0);
    CHECK_EQ(r.status, 403);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/tr-1", f.analyst, JSON_T,
                     "{\"id\":\"tr-1\",\"list\":\"x\",\"names\":[{\"full\":"
                     "\"A B\"}]}", &r), 0);
    CHECK_EQ(r.status, 403);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/ma-1", f.analyst2, JSON_T,
                     "{\"id\":\"ma-1\",\"list\":\"x\",\"owner\":\"TR-EGM\","
                     "\"names\":[{\"full\":\"A B\"}]}", &r), 0);
    CHECK_EQ(r.status, 403);
    th_resp_free(&r);
    /* TR-EGM's analyst may replace its own. */
    CHECK_EQ(th_http(f.port, "PUT", "/v1/records/tr-1", f.analyst2, JSON_T,
                     "{\"id\":\"tr-1\",\"list\":\"organised-crime\",\"owner\":"
                     "\"TR-EGM\",\"names\":[{\"full\":\"Mehmet Yilmaz\"}]}",
                     &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(records_bulk)
{
    th_server f;
    th_resp r;
    json_t *j, *errs;
    const char *body =
        "{\"id\":\"b-1\",\"list\":\"wanted\",\"names\":[{\"full\":\"Ali One\"}]}\n"
        "\n"
        "{\"id\":\"b-2\",\"names\":[{\"full\":\"Ali Two\"}]}\n"
        "{\"id\":\"b-3\",\"list\":\"wanted\",\"names\":[{\"full\":\"Ali Three\"}],"
        "\"dob\":\"19xx\"}\n"
        "{\"id\":\"tr-1\",\"list\":\"wanted\",\"names\":[{\"full\":\"X Y\"}]}\n"
        "{\"id\":\"b-4\",\"list\":\"wanted\",\"names\":[{\"full\":\"Ali \xff\"}]}\n"
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
        "{\"id\":\"b-5\",\"list\":\"wanted\",\"names\":[{\"full\":\"Ali Five\"}]}";
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    /* atomic: any bad line and nothing is written; a bare ?atomic is
    ** atomic too, and a value that is not yes or no is refused. */
    CHECK_EQ(th_http(f.port, "POST", "/v1/records?atomic=true", f.analyst,
                     NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 422);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/records?atomic", f.analyst,
                     NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 422);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/records?atomic=maybe", f.analyst,
                     NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK(strstr(r.body, "atomic") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/records/b-1", f.analyst, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    /* Default: bad lines reported with their numbers, the rest written. */
    CHECK_EQ(th_http(f.port, "POST", "/v1/records?list=bulk", f.analyst,
                     NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_EQ(json_integer_value(json_object_get(j, "imported")), 3);
    CHECK_EQ(json_integer_value(json_object_get(j, "rejected")), 4);
    errs = json_object_get(j, "errors");
    CHECK_EQ(json_integer_value(json_object_get(json_array_get(errs, 0),
                                                "line")), 4);
    CHECK_EQ(json_integer_value(json_object_get(json_array_get(errs, 1),
                                                "line")), 5);
    CHECK_STR(json_string_value(json_object_get(json_array_get(errs, 1),
                                                "code")), "forbidden");
    CHECK_EQ(json_integer_value(json_object_get(json_array_get(errs, 2),
                                                "line")), 6);
    CHECK_STR(json_string_value(json_object_get(json_array_get(errs, 3),
                                                "code")), "too_deep");
    json_decref(j);
    th_resp_free(&r);
    /* ?list= applies to lines without one; lines with one keep theirs. */
    CHECK_EQ(th_http(f.port, "GET", "/v1/records/b-2", f.analyst, NULL, NULL,
                     &r), 0);
    CHECK(strstr(r.body, "\"list\":\"bulk\"") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/lists", f.analyst, NULL, NULL, &r),
             0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"name\":\"bulk\"") &&
          strstr(r.body, "\"name\":\"wanted\""));
    th_resp_free(&r);
    /* Only bad lines: 400, nothing written. */
    CHECK_EQ(th_http(f.port, "POST", "/v1/records", f.analyst, NDJSON,
                     "junk\n[]\n", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- batch */

TEST(batch_jsonl)
{
    th_server f;
    th_resp r;
    char hdr[64];
    const char *body = "{\"id\":\"q1\",\"name\":\"Youssef Benhaddou\"}\n"
                       "{\"id\":\"q2\",\"nam\":\"x\"}\n"
                       "\n"
                       "{\"id\":\"q3\",\"doc\":\"ZX9988776\"}\n"
                       "not json\n"
                       "{\"id\":\"q4\",\"name\":\"Nobody Atall\"}";
    int lines = 0;
    const char *p;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "POST",
                     "/v1/screen/batch?purpose=border-check&limit=5", f.officer,
                     NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK_STR(th_header(&r, "Content-Type", hdr, sizeof(hdr)),
              "application/x-ndjson");
    for (p = r.body; *p; p++)
        lines += *p == '\n';
    CHECK_EQ(lines, 6);
    CHECK(strstr(r.body, "{\"query_id\":\"q1\"") != NULL);
    CHECK(strstr(r.body, "\"ma-1\"") != NULL);
    CHECK(strstr(r.body, "\"line\":2,\"error\":{\"code\":\"bad_query\"") !=
          NULL);
    CHECK(strstr(r.body, "\"doc-1\"") != NULL);
    CHECK(strstr(r.body, "\"line\":5,\"error\"") != NULL);
    CHECK(strstr(r.body, "{\"summary\":{\"queries\":3,\"with_hits\":2,"
                         "\"errors\":2}}") != NULL);
    th_resp_free(&r);
    /* One audit entry per query screened. */
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit?limit=1000", f.auditor, NULL,
                     NULL, &r), 0);
    CHECK(strstr(r.body, "\"query_id\":\"q1\"") &&
          strstr(r.body, "\"query_id\":\"q3\"") &&
          strstr(r.body, "\"query_id\":\"q4\""));
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(batch_large_streams)
{
    th_server f;
    th_resp r;
    size_t cap = 2000 * 64, n = 0;
    char *body = malloc(cap);
    int i, lines = 0;
    const char *p;
    for (i = 0; i < 1500; i++)
        n += (size_t)snprintf(body + n, cap - n,
                              "{\"id\":\"%d\",\"name\":\"Traveller %d Smith\"}\n",
                              i, i);
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen/batch?purpose=border-check",
                     f.officer, NDJSON, body, &r), 0);
    CHECK_EQ(r.status, 200);
    for (p = r.body; p && *p; p++)
        lines += *p == '\n';
    CHECK_EQ(lines, 1501);
    CHECK(strstr(r.body, "\"queries\":1500") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit/verify", f.auditor, NULL, NULL,
                     &r), 0);
    CHECK(strstr(r.body, "\"ok\":true") != NULL);
    CHECK(json_int(&r, "entries") >= 1500);
    th_resp_free(&r);
    free(body);
    th_server_stop(&f);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *p;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    p = malloc((size_t)n + 1);
    if (fread(p, 1, (size_t)n, fp) != (size_t)n) {
        free(p);
        fclose(fp);
        return NULL;
    }
    p[n] = 0;
    fclose(fp);
    *len = (size_t)n;
    return p;
}

TEST(batch_paxlst)
{
    th_server f;
    th_resp r;
    th_conn c;
    size_t len = 0;
    char *pax = slurp(TESTLIB_SHARED "/data/paxlst_pnrgov_gtas/paxlst/"
                      "loader_Test1.txt", &len);
    CHECK(pax != NULL);
    if (!pax)
        return;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_connect(f.port, &c), 0);
    CHECK_EQ(th_send(&c, "POST", "/v1/screen/batch?purpose=border-check",
                     f.officer, "application/edifact", pax, len, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"flight\":{\"carrier\":\"UA\"") != NULL);
    CHECK(strstr(r.body, "\"traveller\":{\"index\":1") != NULL);
    CHECK(strstr(r.body, "{\"summary\":") != NULL);
    th_resp_free(&r);
    /* The same with ?format=paxlst, on the same (kept-alive) connection. */
    CHECK_EQ(th_send(&c, "POST", "/v1/screen/batch?purpose=border-check&"
                     "format=paxlst", f.officer, "text/plain", pax, len, &r),
             0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"traveller\"") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_send(&c, "POST", "/v1/screen/batch?purpose=border-check",
                     f.officer, "application/edifact", "UNB+garbage'", 12,
                     &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    th_close(&c);
    free(pax);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- operations */

TEST(metrics_and_openapi)
{
    th_server f;
    th_resp r;
    json_t *j;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", NULL, JSON_T, screen_ok,
                     &r), 0);
    th_resp_free(&r);
    /* A request is counted when libmicrohttpd reports it complete, which
    ** may be just after the client has its answer: read until both are
    ** (these two lines: a bare 'status="200"} 1' is also the count of an
    ** earlier /metrics read). */
    {
        static const char ok200[] =
            "liaison_http_requests_total{route=\"/v1/screen\","
            "method=\"POST\",status=\"200\"} 1";
        static const char no401[] =
            "liaison_http_requests_total{route=\"/v1/screen\","
            "method=\"POST\",status=\"401\"} 1";
        uint64_t deadline = util_now_us() + 30 * 1000000ull;
        for (;;) {
            CHECK_EQ(th_http(f.port, "GET", "/metrics", f.admin, NULL, NULL,
                             &r), 0);
            if ((r.body && strstr(r.body, ok200) && strstr(r.body, no401)) ||
                util_now_us() > deadline)
                break;
            th_resp_free(&r);
        }
        CHECK_EQ(r.status, 200);
        CHECK(r.body && strstr(r.body, ok200) != NULL);
        CHECK(r.body && strstr(r.body, no401) != NULL);
    }
    CHECK(strstr(r.body, "liaison_http_request_duration_seconds_bucket{"
                         "route=\"/v1/screen\",method=\"POST\",status=\"200\","
                         "le=\"+Inf\"} 1") != NULL);
    CHECK(strstr(r.body, "\nliaison_index_records 4\n") != NULL);
    CHECK(strstr(r.body, "\nliaison_screenings_total 1\n") != NULL);
    CHECK(strstr(r.body, "\nliaison_screenings_with_hits_total 1\n") != NULL);
    CHECK(strstr(r.body, "\nliaison_auth_failures_total 1\n") != NULL);
    CHECK(strstr(r.body, "# TYPE liaison_http_request_duration_seconds "
                         "histogram") != NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/openapi.json", f.officer, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK(j && json_is_object(json_object_get(j, "paths")));
    json_decref(j);
    th_resp_free(&r);
    th_server_stop(&f);
}

TEST(audit_paging_and_verify)
{
    th_server f;
    th_resp r;
    json_t *j;
    int i;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    for (i = 0; i < 5; i++) {
        CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                         screen_ok, &r), 0);
        th_resp_free(&r);
    }
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit?after=0&limit=2", f.auditor,
                     NULL, NULL, &r), 0);
    j = body_json(&r);
    CHECK_EQ(json_array_size(json_object_get(j, "entries")), 2);
    CHECK(json_is_true(json_object_get(j, "more")));
    CHECK_EQ(json_integer_value(json_object_get(j, "next_after")), 2);
    json_decref(j);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit?after=2&limit=1000", f.auditor,
                     NULL, NULL, &r), 0);
    j = body_json(&r);
    CHECK_EQ(json_array_size(json_object_get(j, "entries")), 3);
    CHECK(json_is_false(json_object_get(j, "more")));
    json_decref(j);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit/verify", f.admin, NULL, NULL,
                     &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"ok\":true,\"entries\":5") != NULL);
    th_resp_free(&r);
    /* An attacker edits entry 2 in the file: the API names it. */
    {
        sqlite3 *h = NULL;
        CHECK_EQ(sqlite3_open(f.db, &h), SQLITE_OK);
        CHECK_EQ(sqlite3_exec(h, "DROP TRIGGER audit_no_update;"
                                 "UPDATE audit SET purpose = 'investigation'"
                                 " WHERE seq = 2", NULL, NULL, NULL),
                 SQLITE_OK);
        sqlite3_close(h);
    }
    CHECK_EQ(th_http(f.port, "GET", "/v1/audit/verify", f.auditor, NULL, NULL,
                     &r), 0);
    CHECK(strstr(r.body, "\"ok\":false") && strstr(r.body, "\"bad_seq\":2"));
    th_resp_free(&r);
    th_server_stop(&f);
}

/* Group commits (auditq.c, note 2).  Entries that come one by one while
** a worker is inside a handler (its entry on the way) are committed
** several at a time, at most one commit per SRV_AUDIT_COMMIT_EVERY_US
** (without the wait: one commit per entry, 2.7 times the bound); with no
** worker in a handler, each is committed at once (nothing could join
** it).  None is lost either way. */
typedef struct in_handler {
    srv *s;
    atomic_int go, done;
} in_handler;

static void *stay_in_handler(void *arg)
{
    in_handler *h = arg;
    srv_auditq_enter(h->s);
    atomic_store(&h->go, 1);
    while (!atomic_load(&h->done))
        usleep(1000);
    srv_auditq_leave(h->s);
    return NULL;
}

static unsigned long post_one_by_one(th_server *f, int n, uint64_t *took)
{
    unsigned long c0 = atomic_load(&f->s->aq.commits);
    unsigned long a0 = atomic_load(&f->s->aq.appended);
    uint64_t t0 = util_now_us();
    int i;
    for (i = 0; i < n; i++) {
        store_audit_entry e;
        char detail[64];
        memset(&e, 0, sizeof(e));
        snprintf(detail, sizeof(detail), "{\"n\":%d}", i);
        e.actor = "test";
        e.action = "auth.fail";
        e.detail_json = detail;
        if (srv_auditq_post(f->s, &e) != LIAISON_OK)
            return 0;
        usleep(100);
    }
    while (atomic_load(&f->s->aq.appended) < a0 + (unsigned long)n &&
           util_now_us() - t0 < 60 * 1000000ull)
        usleep(1000);
    *took = util_now_us() - t0;
    if (atomic_load(&f->s->aq.appended) - a0 != (unsigned long)n)
        return 0;
    return atomic_load(&f->s->aq.commits) - c0;
}

TEST(audit_group_commits_wait_only_for_entries_on_the_way)
{
    th_server f;
    in_handler h;
    pthread_t t;
    unsigned long commits;
    uint64_t took;
    int n = 1500;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    /* No worker in a handler: one commit per entry. */
    commits = post_one_by_one(&f, 300, &took);
    fprintf(stderr, "  alone: 300 entries in %lu commits, %llu us\n",
            commits, (unsigned long long)took);
    CHECK(commits >= 200);
    /* A worker in a handler all along: commits spaced. */
    h.s = f.s;
    atomic_init(&h.go, 0);
    atomic_init(&h.done, 0);
    CHECK_EQ(pthread_create(&t, NULL, stay_in_handler, &h), 0);
    while (!atomic_load(&h.go))
        usleep(100);
    commits = post_one_by_one(&f, n, &took);
    atomic_store(&h.done, 1);
    pthread_join(t, NULL);
    fprintf(stderr, "  on the way: %d entries in %lu commits, %llu us\n", n,
            commits, (unsigned long long)took);
    CHECK(commits >= 1);
    CHECK(commits <= took / SRV_AUDIT_COMMIT_EVERY_US + 2);
    CHECK_EQ(atomic_load(&f.s->aq.failures), 0);
    CHECK_EQ(atomic_load(&f.s->aq.coming), 0);
    th_server_stop(&f);
}

/* If the audit trail cannot be written, no result leaves the server. */
TEST(audit_failure_withholds_results)
{
    th_server f;
    th_resp r;
    char c[64];
    sqlite3 *h = NULL;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(sqlite3_open(f.db, &h), SQLITE_OK);
    CHECK_EQ(sqlite3_exec(h, "CREATE TRIGGER no_audit BEFORE INSERT ON audit"
                             " BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                          NULL, NULL, NULL), SQLITE_OK);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 503);
    CHECK_STR(err_code(&r, c, sizeof(c)), "audit_unavailable");
    CHECK(strstr(r.body, "ma-1") == NULL);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen/batch?purpose=border-check",
                     f.officer, NDJSON, "{\"id\":\"q\",\"name\":\"Youssef "
                     "Benhaddou\"}\n", &r), 0);
    CHECK(strstr(r.body, "ma-1") == NULL);
    CHECK(strstr(r.body, "audit_unavailable") != NULL);
    th_resp_free(&r);
    CHECK_EQ(sqlite3_exec(h, "DROP TRIGGER no_audit", NULL, NULL, NULL),
             SQLITE_OK);
    sqlite3_close(h);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- limits */

TEST(limits)
{
    th_server f;
    th_resp r;
    srv_config cfg;
    char raw[512], c[64];
    char *big;
    int n;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_body = 4096;
    cfg.max_batch_body = 8192;
    cfg.json_max_depth = 8;
    cfg.json_max_string = 512;
    CHECK_EQ(th_server_start(&f, NULL, &cfg), 0);
    /* 413 from Content-Length alone, before any body is read. */
    n = snprintf(raw, sizeof(raw), "POST /v1/screen HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: application/json"
                 "\r\nContent-Length: 5000\r\n\r\n", f.officer);
    CHECK_EQ(th_raw(f.port, raw, (size_t)n, &r), 0);
    CHECK_EQ(r.status, 413);
    CHECK_STR(err_code(&r, c, sizeof(c)), "body_too_large");
    th_resp_free(&r);
    n = snprintf(raw, sizeof(raw), "POST /v1/screen/batch?purpose=border-check"
                 " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Length: 8193\r\n\r\n", f.officer);
    CHECK_EQ(th_raw(f.port, raw, (size_t)n, &r), 0);
    CHECK_EQ(r.status, 413);
    th_resp_free(&r);
    /* The batch limit is larger than the single one. */
    big = malloc(6000);
    memset(big, ' ', 5999);
    big[5999] = 0;
    memcpy(big, "{\"id\":\"q\",\"name\":\"Ali\"}\n", 25);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen/batch?purpose=border-check",
                     f.officer, NDJSON, big, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    free(big);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     "{\"purpose\":\"border-check\",\"subject\":{\"name\":"
                     "[[[[[[[[[[\"x\"]]]]]]]]]]}}", &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "too_deep");
    th_resp_free(&r);
    big = malloc(2000);
    memset(big, 'a', 1999);
    big[1999] = 0;
    memcpy(big, "{\"purpose\":\"", 12);
    memcpy(big + 1990, "\"}", 3);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T, big,
                     &r), 0);
    CHECK_EQ(r.status, 400);
    CHECK_STR(err_code(&r, c, sizeof(c)), "string_too_long");
    th_resp_free(&r);
    free(big);
    th_server_stop(&f);
}

TEST(connection_timeout_and_cap)
{
    th_server f;
    srv_config cfg;
    th_conn a, b, c, d;
    th_resp r;
    memset(&cfg, 0, sizeof(cfg));
    cfg.timeout_s = 1;
    cfg.max_connections = 3;
    CHECK_EQ(th_server_start(&f, NULL, &cfg), 0);
    /* A client that sends half a request is cut off after the timeout. */
    CHECK_EQ(th_connect(f.port, &a), 0);
    CHECK(send(a.fd, "GET /healthz HTTP/1.1\r\nHo", 25, MSG_NOSIGNAL) == 25);
    CHECK(th_wait_closed(&a, 10000));
    th_close(&a);
    /* Three connections are allowed, the fourth is closed at once. */
    CHECK_EQ(th_connect(f.port, &a), 0);
    CHECK_EQ(th_connect(f.port, &b), 0);
    CHECK_EQ(th_connect(f.port, &c), 0);
    CHECK_EQ(th_send(&a, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_send(&c, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_connect(f.port, &d), 0);
    CHECK(th_wait_closed(&d, 10000));
    th_close(&d);
    th_close(&a);
    th_close(&b);
    th_close(&c);
    th_server_stop(&f);
}

/* A body sent in chunks past the cap is refused without harm. */
TEST(chunked_body_past_the_cap)
{
    th_server f;
    srv_config cfg;
    th_conn c;
    th_resp r;
    char hdr[512], chunk[64];
    int n, i;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_body = 1024;
    CHECK_EQ(th_server_start(&f, NULL, &cfg), 0);
    CHECK_EQ(th_connect(f.port, &c), 0);
    n = snprintf(hdr, sizeof(hdr), "POST /v1/screen HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: application/json"
                 "\r\nTransfer-Encoding: chunked\r\n\r\n", f.officer);
    send(c.fd, hdr, (size_t)n, MSG_NOSIGNAL);
    for (i = 0; i < 40; i++) {
        n = snprintf(chunk, sizeof(chunk), "20\r\n%032d\r\n", i);
        if (send(c.fd, chunk, (size_t)n, MSG_NOSIGNAL) <= 0)
            break;
    }
    CHECK(th_wait_closed(&c, 10000));
    th_close(&c);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- the corpus */

static long store_records(const char *db)
{
    store *s = NULL;
    store_stats st;
    long n = -1;
    if (store_open(db, &s, NULL) == LIAISON_OK &&
        store_get_stats(s, &st) == LIAISON_OK) {
        n = st.records;
        store_stats_fini(&st);
    }
    store_close(s);
    return n;
}

/* Replace {{NAME}} placeholders in text.  Not raw: the head (up to the
** first blank line) gets CRLF line ends and {{LEN}} is the length of the
** body (what follows the blank line, sent as is).  Raw: sent as is. */
static void put(char **out, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n + len + 1 > *cap) {
        *cap = (*n + len + 1) * 2;
        *out = realloc(*out, *cap);
    }
    memcpy(*out + *n, s, len);
    *n += len;
}

static void expand(const char *s, size_t len, th_server *f, size_t body_len,
                   int crlf, char **out, size_t *n, size_t *cap)
{
    static const char *const names[] = {"{{OFFICER}}", "{{ANALYST}}",
                                        "{{AUDITOR}}", "{{ADMIN}}",
                                        "{{LEN}}", "{{NUL}}"};
    char num[32];
    const char *vals[6];
    size_t i = 0, k;
    snprintf(num, sizeof(num), "%zu", body_len);
    vals[0] = f->officer;
    vals[1] = f->analyst;
    vals[2] = f->auditor;
    vals[3] = f->admin;
    vals[4] = num;
    vals[5] = "";
    while (i < len) {
        int done = 0;
        for (k = 0; k < 6 && !done; k++)
            if (len - i >= strlen(names[k]) &&
                !memcmp(s + i, names[k], strlen(names[k]))) {
                put(out, n, cap, vals[k], k == 5 ? 1 : strlen(vals[k]));
                i += strlen(names[k]);
                done = 1;
            }
        if (done)
            continue;
        if (crlf && s[i] == '\n')
            put(out, n, cap, "\r", 1);
        put(out, n, cap, s + i, 1);
        i++;
    }
}

static size_t expanded_len(const char *s, size_t len, th_server *f)
{
    char *tmp = NULL;
    size_t n = 0, cap = 0;
    expand(s, len, f, 0, 0, &tmp, &n, &cap);
    free(tmp);
    return n;
}

static char *prepare(const char *text, th_server *f, size_t *out_len,
                     int raw)
{
    const char *sep = raw ? NULL : strstr(text, "\n\n");
    size_t n = 0, cap = 0, tl = strlen(text);
    char *out = NULL;
    if (raw) {
        expand(text, tl, f, 0, 0, &out, &n, &cap);
    } else if (!sep) {
        while (tl && text[tl - 1] == '\n')
            tl--;
        expand(text, tl, f, 0, 1, &out, &n, &cap);
        put(&out, &n, &cap, "\r\n\r\n", 4);
    } else {
        const char *body = sep + 2;
        size_t blen = tl - (size_t)(body - text);
        size_t elen = expanded_len(body, blen, f);
        expand(text, (size_t)(sep - text) + 1, f, elen, 1, &out, &n, &cap);
        put(&out, &n, &cap, "\r\n", 2);
        expand(body, blen, f, 0, 0, &out, &n, &cap);
    }
    *out_len = n;
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(bad_input_corpus)
{
    th_server f;
    DIR *d = opendir("tests/data/server/bad");
    struct dirent *de;
    char *names[512];
    int n = 0, i, passed = 0;
    long before;
    audit_verify_report rep;
    store *s = NULL;
    th_resp r;
    CHECK(d != NULL);
    if (!d)
        return;
    while ((de = readdir(d)) && n < 512)
        if (de->d_name[0] != '.')
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    CHECK(n >= 50);
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    before = store_records(f.db);
    for (i = 0; i < n; i++) {
        char path[600], want[64] = "", code[64] = "", got[64];
        size_t len = 0, rlen = 0;
        char *text, *req, *nl;
        int raw;
        snprintf(path, sizeof(path), "tests/data/server/bad/%s", names[i]);
        text = slurp(path, &len);
        CHECK(text != NULL);
        if (!text)
            continue;
        /* "# expect STATUS [CODE]" then the request. */
        nl = strchr(text, '\n');
        if (nl)
            *nl = 0;
        sscanf(text, "# expect %63s %63s", want, code);
        if (nl)
            *nl = '\n';
        raw = strstr(text, "# raw") == text ||
              (nl && !strncmp(nl + 1, "# raw\n", 6));
        if (nl && !strncmp(nl + 1, "# raw\n", 6))
            nl += 6;
        req = prepare(nl ? nl + 1 : "", &f, &rlen, raw);
        memset(&r, 0, sizeof(r));
        th_raw(f.port, req, rlen, &r);
        if (!strcmp(want, "4xx")) {
            if (!(r.status == 0 || (r.status >= 400 && r.status < 500)))
                fprintf(stderr, "%s: got %d\n", names[i], r.status);
            CHECK(r.status == 0 || (r.status >= 400 && r.status < 500));
        } else {
            int ok = r.status == (int)strtol(want, NULL, 10);
            if (ok && code[0])
                ok = !strcmp(err_code(&r, got, sizeof(got)), code);
            if (!ok)
                fprintf(stderr, "%s: want %s %s, got %d %.300s\n", names[i],
                        want, code, r.status, r.body ? r.body : "");
            CHECK(ok);
            passed += ok;
        }
        th_resp_free(&r);
        free(req);
        free(text);
        free(names[i]);
    }
    /* The server still answers, correctly, and nothing was written. */
    CHECK_EQ(th_http(f.port, "GET", "/healthz", NULL, NULL, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    CHECK_EQ(th_http(f.port, "POST", "/v1/screen", f.officer, JSON_T,
                     screen_ok, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(count_hits(&r), 1);
    th_resp_free(&r);
    CHECK_EQ(store_records(f.db), before);
    CHECK_EQ(store_open(f.db, &s, NULL), LIAISON_OK);
    CHECK_EQ(audit_verify(s, NULL, &rep), LIAISON_OK);
    CHECK(rep.ok);
    store_close(s);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- no torn reads */

#define GEN_SIZE 6
#define GENERATIONS 8

typedef struct torn {
    th_server *f;
    atomic_int done;
    atomic_long screens, bad;
    int writer_failed;
} torn;

/* Replace generation g-1 by generation g in one transaction, from a store
** handle of its own (as `liaison import` in another process would).  The
** records of a generation share a document number, so one screening
** finds all of them at once. */
static int write_generation(store *s, int g)
{
    int i, rc = store_begin(s);
    for (i = 0; i < GEN_SIZE && !rc; i++) {
        char id[32], json[256];
        store_rec r;
        if (g > 0) {
            snprintf(id, sizeof(id), "gen-%d-%d", g - 1, i);
            rc = store_record_delete(s, id);
            if (rc)
                break;
        }
        snprintf(id, sizeof(id), "gen-%d-%d", g, i);
        snprintf(json, sizeof(json), "{\"id\":\"%s\",\"list\":\"gen\","
                 "\"kind\":\"document\",\"documents\":[{\"number\":"
                 "\"GEN7777777\",\"country\":\"MAR\"}],\"sharing\":\"hit\"}",
                 id);
        memset(&r, 0, sizeof(r));
        r.id = id;
        r.list = "gen";
        r.kind = "document";
        r.sharing = "hit";
        r.n_names = 0;
        r.json = json;
        r.json_len = strlen(json);
        rc = store_record_put(s, &r, NULL);
    }
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s);
}

static void *screener(void *arg)
{
    torn *t = arg;
    th_conn c;
    if (th_connect(t->f->port, &c))
        return NULL;
    while (!atomic_load(&t->done)) {
        th_resp r;
        json_t *j, *hits;
        size_t i;
        int gen = -1, n = 0, mixed = 0;
        static const char q[] = "{\"purpose\":\"border-check\",\"subject\":"
                                "{\"documents\":[{\"number\":\"GEN7777777\"}]},"
                                "\"limit\":50}";
        if (th_send(&c, "POST", "/v1/screen", t->f->officer, JSON_T, q,
                    sizeof(q) - 1, &r) ||
            r.status != 200) {
            atomic_fetch_add(&t->bad, 1);
            th_resp_free(&r);
            break;
        }
        j = body_json(&r);
        hits = json_object_get(j, "hits");
        for (i = 0; i < json_array_size(hits); i++) {
            const char *id = json_string_value(
                json_object_get(json_array_get(hits, i), "id"));
            int g = -1, k = -1;
            if (!id || sscanf(id, "gen-%d-%d", &g, &k) != 2)
                continue;
            n++;
            if (gen >= 0 && g != gen)
                mixed = 1;
            gen = g;
        }
        /* Always one whole generation: never half of one, never two. */
        if (n != GEN_SIZE || mixed) {
            fprintf(stderr, "torn read: %d hits, mixed %d: %s\n", n, mixed,
                    r.body);
            atomic_fetch_add(&t->bad, 1);
        }
        atomic_fetch_add(&t->screens, 1);
        json_decref(j);
        th_resp_free(&r);
    }
    th_close(&c);
    return NULL;
}

TEST(concurrent_screening_and_import_no_torn_reads)
{
    th_server f;
    torn t;
    store *s = NULL;
    pthread_t th[3];
    int g, i;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(store_open(f.db, &s, NULL), LIAISON_OK);
    CHECK_EQ(write_generation(s, 0), LIAISON_OK);
    {
        int64_t seq = 0;
        store_last_seq(s, &seq);
        CHECK_EQ(th_wait_index(&f, seq, 20000), LIAISON_OK);
    }
    memset(&t, 0, sizeof(t));
    t.f = &f;
    for (i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, screener, &t);
    for (g = 1; g <= GENERATIONS; g++) {
        int64_t seq = 0;
        CHECK_EQ(write_generation(s, g), LIAISON_OK);
        store_last_seq(s, &seq);
        /* Let the refresher swap this one in before the next. */
        CHECK_EQ(th_wait_index(&f, seq, 20000), LIAISON_OK);
    }
    atomic_store(&t.done, 1);
    for (i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    store_close(s);
    CHECK_EQ(atomic_load(&t.bad), 0);
    CHECK(atomic_load(&t.screens) > 0);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- shutdown */

typedef struct stopper {
    srv *s;
} stopper;

static void *stop_it(void *arg)
{
    stopper *st = arg;
    srv_stop(st->s, 10000);
    return NULL;
}

TEST(graceful_shutdown_finishes_in_flight_requests)
{
    th_server f;
    th_conn c, probe;
    th_resp r;
    stopper st;
    pthread_t t;
    char head[512];
    size_t blen = strlen(screen_ok);
    int n, refused = 0, tries;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    CHECK_EQ(th_connect(f.port, &c), 0);
    n = snprintf(head, sizeof(head), "POST /v1/screen HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: application/json"
                 "\r\nContent-Length: %zu\r\n\r\n", f.officer, blen);
    /* Headers and half the body: the request is in flight. */
    CHECK(send(c.fd, head, (size_t)n, MSG_NOSIGNAL) == n);
    CHECK(send(c.fd, screen_ok, 10, MSG_NOSIGNAL) == 10);
    /* In flight: the server has begun it. */
    for (tries = 0; tries < 5000 && atomic_load(&f.s->inflight) < 1; tries++)
        usleep(1000);
    CHECK_EQ(atomic_load(&f.s->inflight), 1);
    st.s = f.s;
    pthread_create(&t, NULL, stop_it, &st);
    /* Wait until the server stops accepting... */
    for (tries = 0; tries < 20000 && !refused; tries++) {
        if (th_connect(f.port, &probe))
            refused = 1;
        else {
            th_resp pr;
            refused = th_exchange(&probe, "GET /healthz HTTP/1.1\r\nHost: x"
                                          "\r\n\r\n", 34, &pr, 2000) != 0 ||
                      pr.status == 503;
            th_resp_free(&pr);
            th_close(&probe);
        }
    }
    CHECK(refused);
    /* ...then finish the request: it is answered in full. */
    CHECK_EQ(th_exchange(&c, screen_ok + 10, blen - 10, &r, 10000), 0);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(count_hits(&r), 1);
    th_resp_free(&r);
    th_close(&c);
    pthread_join(t, NULL);
    f.s = NULL;                 /* stopped */
    /* The store was closed cleanly: the chain holds. */
    {
        store *s = NULL;
        audit_verify_report rep;
        CHECK_EQ(store_open(f.db, &s, NULL), LIAISON_OK);
        CHECK_EQ(audit_verify(s, NULL, &rep), LIAISON_OK);
        CHECK(rep.ok);
        CHECK(rep.count >= 1);
        store_close(s);
    }
    th_server_stop(&f);
}

/* A connection the server has accepted, whose request arrives as the
** server stops, gets an answer (the screening, or 503 shutting_down), not
** a reset: the stop waits a moment for requests not begun yet. */
TEST(a_request_arriving_as_the_server_stops_is_answered)
{
    th_server f;
    int round, answered = 0, tries;
    char req[1024];
    int n;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    n = snprintf(req, sizeof(req), "POST /v1/screen HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: application/json"
                 "\r\nContent-Length: %zu\r\n\r\n%s", f.officer,
                 strlen(screen_ok), screen_ok);
    for (round = 0; round < 5; round++) {
        th_conn c;
        th_resp r;
        stopper st;
        pthread_t t;
        char code[64];
        if (round > 0)
            CHECK_EQ(th_server_restart(&f, NULL), 0);
        CHECK_EQ(th_connect(f.port, &c), 0);
        /* Accepted by the server, nothing asked yet. */
        for (tries = 0; tries < 5000 && atomic_load(&f.s->fresh) < 1; tries++)
            usleep(1000);
        CHECK_EQ(atomic_load(&f.s->fresh), 1);
        st.s = f.s;
        pthread_create(&t, NULL, stop_it, &st);
        if (th_exchange(&c, req, (size_t)n, &r, 10000) == 0) {
            CHECK(r.status == 200 || r.status == 503);
            if (r.status == 200)
                CHECK_EQ(count_hits(&r), 1);
            else
                CHECK_STR(err_code(&r, code, sizeof(code)), "shutting_down");
            answered++;
            th_resp_free(&r);
        }
        th_close(&c);
        pthread_join(t, NULL);
        f.s = NULL;
    }
    CHECK_EQ(answered, 5);
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- TLS */

static int run_quiet(const char *const *argv)
{
    pid_t pid = fork();
    int status = 0;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 1);
        dup2(nul, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static size_t curl_sink(char *p, size_t size, size_t n, void *ud)
{
    th_resp *r = ud;
    size_t len = size * n;
    char *q = realloc(r->body, r->body_len + len + 1);
    if (!q)
        return 0;
    memcpy(q + r->body_len, p, len);
    r->body = q;
    r->body_len += len;
    r->body[r->body_len] = 0;
    return len;
}

TEST(tls)
{
    th_server f;
    srv_config cfg;
    char cert[160], key[160], url[128], auth[128];
    th_resp r;
    CURL *h;
    struct curl_slist *hdrs = NULL;
    long code = 0;
    memset(&f, 0, sizeof(f));
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    srv_stop(f.s, 1000);
    f.s = NULL;
    snprintf(cert, sizeof(cert), "%s/cert.pem", f.dir);
    snprintf(key, sizeof(key), "%s/key.pem", f.dir);
    {
        const char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec",
                              "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", key, "-out", cert, "-days",
                              "1", "-subj", "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1", NULL};
        CHECK_EQ(run_quiet(argv), 0);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.tls_cert = cert;
    cfg.tls_key = key;
    CHECK_EQ(th_server_restart(&f, &cfg), 0);
    CHECK(srv_tls(f.s));
    /* Plain HTTP to the TLS port gets no HTTP answer. */
    CHECK(th_http(f.port, "GET", "/healthz", NULL, NULL, NULL, &r) != 0 ||
          r.status != 200);
    th_resp_free(&r);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    h = curl_easy_init();
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/v1/screen", f.port);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", f.officer);
    hdrs = curl_slist_append(hdrs, auth);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    memset(&r, 0, sizeof(r));
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, cert);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, screen_ok);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    CHECK_EQ(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    CHECK_EQ(code, 200);
    CHECK(r.body && strstr(r.body, "\"ma-1\"") != NULL);
    th_resp_free(&r);
    /* A client that does not trust the certificate refuses it. */
    curl_easy_setopt(h, CURLOPT_CAINFO, "/dev/null");
    CHECK(curl_easy_perform(h) != CURLE_OK);
    th_resp_free(&r);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    th_server_stop(&f);
}

/* ---------------------------------------------------------------- the CLI */

/* Run the liaison program; stdout into out (if not NULL). */
static int run_cli(const char *const *args, char *out, size_t n)
{
    const char *argv[16];
    int p[2], status = 0, i;
    size_t len = 0;
    pid_t pid;
    argv[0] = th_liaison_path();
    for (i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    argv[i + 1] = NULL;
    if (pipe(p))
        return -1;
    pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(p[1], 1);
        dup2(nul, 2);
        close(p[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    for (;;) {
        ssize_t k = read(p[0], out ? out + len : (char[256]){0},
                         out ? n - 1 - len : 256);
        if (k <= 0)
            break;
        if (out)
            len += (size_t)k;
        if (out && len >= n - 1)
            break;
    }
    close(p[0]);
    if (out)
        out[len] = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(cli_user_and_audit)
{
    th_server f;
    char out[4096], db_bytes_hit = 0;
    size_t len = 0;
    char *file;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    srv_stop(f.s, 1000);
    f.s = NULL;
    {
        const char *a[] = {"user", "add", "--db", f.db, "--agency", "MA-DGSN",
                           "--role", "officer", "cli-officer", NULL};
        CHECK_EQ(run_cli(a, out, sizeof(out)), 0);
    }
    /* Alone on stdout: the token and a newline. */
    CHECK_EQ(strlen(out), POLICY_TOKEN_LEN + 1);
    CHECK(policy_token_well_formed(out, POLICY_TOKEN_LEN));
    out[POLICY_TOKEN_LEN] = 0;
    /* Only its hash is stored. */
    file = slurp(f.db, &len);
    if (file && len >= POLICY_TOKEN_LEN) {
        size_t i;
        for (i = 0; i + POLICY_TOKEN_LEN <= len; i++)
            if (!memcmp(file + i, out, POLICY_TOKEN_LEN))
                db_bytes_hit = 1;
    }
    CHECK(!db_bytes_hit);
    free(file);
    {
        const char *a[] = {"user", "add", "--db", f.db, "--agency", "MA-DGSN",
                           "--role", "superuser", "x", NULL};
        CHECK_EQ(run_cli(a, out, sizeof(out)), 2);
        CHECK_STR(out, "");
    }
    {
        const char *a[] = {"user", "list", "--db", f.db, NULL};
        CHECK_EQ(run_cli(a, out, sizeof(out)), 0);
        CHECK(strstr(out, "cli-officer") && strstr(out, "active"));
        CHECK(strstr(out, "lsn_") == NULL);
    }
    {
        const char *a[] = {"user", "revoke", "--db", f.db, "cli-officer",
                           NULL};
        CHECK_EQ(run_cli(a, NULL, 0), 0);
        CHECK_EQ(run_cli(a, NULL, 0), 2);
    }
    {
        const char *a[] = {"audit", "verify", "--db", f.db, NULL};
        CHECK_EQ(run_cli(a, out, sizeof(out)), 0);
        CHECK(!strncmp(out, "ok: 2 entries", 13));
    }
    {
        const char *a[] = {"audit", "list", "--db", f.db, "--json", NULL};
        CHECK_EQ(run_cli(a, out, sizeof(out)), 0);
        CHECK(strstr(out, "\"user.add\"") && strstr(out, "\"user.revoke\""));
        CHECK(strstr(out, "\"actor\":\"cli:") != NULL);
    }
    {
        sqlite3 *h = NULL;
        const char *a[] = {"audit", "verify", "--db", f.db, "--json", NULL};
        sqlite3_open(f.db, &h);
        sqlite3_exec(h, "DROP TRIGGER audit_no_update; UPDATE audit SET "
                        "actor = 'someone' WHERE seq = 1", NULL, NULL, NULL);
        sqlite3_close(h);
        CHECK_EQ(run_cli(a, out, sizeof(out)), 1);
        CHECK(strstr(out, "\"ok\":false") && strstr(out, "\"bad_seq\":1"));
    }
    th_server_stop(&f);
}

TEST(cli_serve_prints_address_and_stops_on_sigterm)
{
    th_server f;
    int err[2], status = 0;
    char buf[512] = "", *p;
    size_t len = 0;
    unsigned port = 0;
    pid_t pid;
    th_resp r;
    CHECK_EQ(th_server_start(&f, NULL, NULL), 0);
    srv_stop(f.s, 1000);
    f.s = NULL;
    CHECK_EQ(pipe(err), 0);
    pid = fork();
    if (pid == 0) {
        const char *argv[] = {th_liaison_path(), "serve", "--db", f.db,
                              "--listen", "127.0.0.1:0", NULL};
        int nul = open("/dev/null", O_WRONLY);
        dup2(err[1], 2);
        dup2(nul, 1);
        close(err[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(err[1]);
    /* Read stderr until the address is there (the read blocks, no sleep). */
    while (!strchr(buf, '\n') && len < sizeof(buf) - 1) {
        ssize_t k = read(err[0], buf + len, sizeof(buf) - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = 0;
    }
    p = strstr(buf, "liaison: listening on 127.0.0.1:");
    CHECK(p != NULL);
    if (p)
        port = (unsigned)strtoul(p + 32, NULL, 10);
    CHECK(port > 0);
    if (port) {
        CHECK_EQ(th_http(port, "POST", "/v1/screen", f.officer, JSON_T,
                         screen_ok, &r), 0);
        CHECK_EQ(r.status, 200);
        th_resp_free(&r);
    }
    kill(pid, SIGTERM);
    for (;;) {
        ssize_t k = read(err[0], buf + len, sizeof(buf) - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = 0;
    }
    close(err[0]);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strstr(buf, "liaison: stopped") != NULL);
    th_server_stop(&f);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    return testlib_main(argc, argv);
}
