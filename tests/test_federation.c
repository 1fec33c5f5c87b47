/*
** test_federation.c: federation (src/federation, src/server/fed*.c,
** h_peer.c, h_disclosures.c, tools/cli_fed.c).
**
** Unit tests: the canonical strings and signatures (every field bound,
** the clock window), the key file (mode, O_EXCL, no symlinks), the replay
** cache and its refill from the audit trail, hit references, record views,
** URL and key checks.
**
** Then two or three real nodes (MA-DGSN, TR-EGM, FR-DGPN) in this process
** on 127.0.0.1 port 0, each with its own store, key pair and TLS
** certificate made here with openssl, HTTPS between them: hit and no-hit
** across nodes, every sharing level, a partner down and a partner that
** never answers (the deadline holds, reported as such), answers signed by
** the wrong agency, the disclosure workflow approved (a field subset,
** handling codes) and denied (the decision fetched after a restart),
** forged, replayed (also after a restart), stale, misaddressed requests,
** a removed peer, and a record changed from "hit" to "none".  Last, the
** `liaison key` and `liaison peer` commands.
*/
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "federation/fed.h"
#include "helpers/fed.h"
#include "helpers/http.h"
#include "server/srv_int.h"
#include "store/store.h"
#include "testlib.h"

static const char ma_records[] =
    "{\"id\":\"ma-1\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Youssef BENHADDOU\"}],\"dob\":\"1966\","
    "\"category\":\"terrorism\",\"sharing\":\"hit\"}\n";

static const char tr_records[] =
    "{\"id\":\"tr-1\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Mehmet YILMAZ\"}],\"dob\":\"1970-05-02\","
    "\"nationalities\":[\"TR\"],\"category\":\"organised-crime\","
    "\"sharing\":\"hit\"}\n"
    "{\"id\":\"tr-2\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Youssef BENHADDOU\"},{\"full\":\"Yusuf Ben Haddou\","
    "\"type\":\"alias\"}],\"dob\":\"1966\",\"nationalities\":[\"MA\"],"
    "\"documents\":[{\"type\":\"passport\",\"number\":\"AB1234567\","
    "\"country\":\"MAR\"}],\"category\":\"terrorism\","
    "\"sharing\":\"details\",\"remarks\":\"source: informant 17\"}\n"
    "{\"id\":\"tr-3\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Ahmet KAYA\"}],\"dob\":\"1980\",\"sharing\":\"none\"}\n"
    "{\"id\":\"tr-fr-1\",\"list\":\"copies\",\"kind\":\"person\",\"owner\":"
    "\"FR-DGPN\",\"names\":[{\"full\":\"Pierre MARTIN\"}],\"dob\":\"1960\","
    "\"sharing\":\"details\"}\n";

static const char fr_records[] =
    "{\"id\":\"fr-1\",\"list\":\"fpr\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Jean DUPONT\"}],\"dob\":\"1975\",\"sharing\":\"hit\"}\n";

static json_t *body_json(const th_resp *r)
{
    return r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The hit of record id in a screening response, or NULL. */
static json_t *find_hit(json_t *j, const char *id)
{
    json_t *h;
    size_t i;
    json_array_foreach(json_object_get(j, "hits"), i, h)
        if (jstr(h, "id") && !strcmp(jstr(h, "id"), id))
            return h;
    return NULL;
}

static json_t *partner(json_t *j, const char *agency)
{
    return json_object_get(json_object_get(j, "partners"), agency);
}

static int screen(const tf_node *n, const char *token, const char *name,
                  const char *dob, const char *partners, th_resp *r)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"purpose\":\"border-check\",\"subject\":"
             "{\"name\":\"%s\"%s%s%s},\"partners\":%s}", name,
             dob ? ",\"dob\":\"" : "", dob ? dob : "", dob ? "\"" : "",
             partners);
    return tf_https(n, "POST", "/v1/screen", token, body, r);
}

/* The "ref" of a partner's hit on id (copied), or "". */
static void ref_of(const th_resp *r, const char *id, char *out, size_t n)
{
    json_t *j = body_json(r), *h = find_hit(j, id);
    util_strlcpy(out, h && jstr(h, "ref") ? jstr(h, "ref") : "", n);
    json_decref(j);
}

static int64_t now(void)
{
    return util_unix_time();
}

/* ---------------------------------------------------------------- signing */

typedef struct keydir {
    char dir[64];
    char path[128];
    fed_identity *id;
} keydir;

static int keydir_make(keydir *k, const char *agency)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->dir, sizeof(k->dir), "/tmp/liaison-key-XXXXXX");
    if (!mkdtemp(k->dir))
        return -1;
    snprintf(k->path, sizeof(k->path), "%s/node.key", k->dir);
    if (fed_identity_create(k->path, NULL, NULL))
        return -1;
    return fed_identity_load(k->path, agency, &k->id, NULL) ? -1 : 0;
}

static void keydir_free(keydir *k)
{
    fed_identity_free(k->id);
    th_rmtree(k->dir);
}

static void pk_of(const fed_identity *id, unsigned char pk[32])
{
    fed_public_key_parse(fed_identity_public_key(id), pk, NULL);
}

TEST(sign_and_verify_bind_every_field)
{
    keydir k;
    fed_auth a, b;
    unsigned char pk[32];
    const char *why = NULL, *body = "{\"x\":1}";
    int64_t t = now();
    CHECK_EQ(keydir_make(&k, "TR-EGM"), 0);
    if (!k.id)
        return;
    pk_of(k.id, pk);
    CHECK_EQ(fed_sign_request(k.id, "MA-DGSN", "POST", "/peer/v1/screen",
                              body, strlen(body), t, &a), LIAISON_OK);
    CHECK_STR(a.agency, "TR-EGM");
    CHECK_EQ(strlen(a.nonce), 22);
    CHECK_EQ(strlen(a.signature), FED_SIG_B64_LEN);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &a, t, &why), LIAISON_OK);
    /* Each part of the canonical string is bound. */
    CHECK_EQ(fed_verify_request(pk, "FR-DGPN", "POST", "/peer/v1/screen",
                                body, strlen(body), &a, t, &why),
             LIAISON_EAUTH);
    CHECK_STR(why, "bad signature");
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "GET", "/peer/v1/screen",
                                body, strlen(body), &a, t, &why),
             LIAISON_EAUTH);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screem",
                                body, strlen(body), &a, t, &why),
             LIAISON_EAUTH);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                "{\"x\":2}", 7, &a, t, &why), LIAISON_EAUTH);
    b = a;
    b.nonce[0] = b.nonce[0] == 'A' ? 'B' : 'A';
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &b, t, &why),
             LIAISON_EAUTH);
    b = a;
    snprintf(b.timestamp, sizeof(b.timestamp), "%lld", (long long)t + 1);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &b, t, &why),
             LIAISON_EAUTH);
    b = a;
    util_strlcpy(b.agency, "FR-DGPN", sizeof(b.agency));
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &b, t, &why),
             LIAISON_EAUTH);
    b = a;
    b.signature[10] = b.signature[10] == 'A' ? 'B' : 'A';
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &b, t, &why),
             LIAISON_EAUTH);
    /* The clock window: 5 minutes either way. */
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &a, t + FED_SKEW_S, &why),
             LIAISON_OK);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &a, t + FED_SKEW_S + 1,
                                &why), LIAISON_EAUTH);
    CHECK(why && strstr(why, "stale") != NULL);
    CHECK_EQ(fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                body, strlen(body), &a, t - FED_SKEW_S - 1,
                                &why), LIAISON_EAUTH);
    /* Fields the canonical string cannot carry are refused. */
    CHECK_EQ(fed_sign_request(k.id, "MA-DGSN", "POST", "/a b", body, 7, t,
                              &b), LIAISON_EINVAL);
    CHECK_EQ(fed_sign_request(k.id, "MA\nDGSN", "POST", "/a", body, 7, t, &b),
             LIAISON_EINVAL);
    CHECK_EQ(fed_sign_request(k.id, "MA-DGSN", "post", "/a", body, 7, t, &b),
             LIAISON_EINVAL);
    memset(&b, 0, sizeof(b));
    CHECK_EQ(fed_auth_precheck(&b, t, &why), LIAISON_EAUTH);
    /* Responses: bound to the request's nonce, status and body. */
    CHECK_EQ(fed_sign_response(k.id, "MA-DGSN", "POST", "/peer/v1/screen",
                               a.nonce, 200, "{}", 2, t, &b), LIAISON_OK);
    CHECK_EQ(fed_verify_response(pk, "TR-EGM", "MA-DGSN", "POST",
                                 "/peer/v1/screen", a.nonce, 200, "{}", 2, &b,
                                 t, &why), LIAISON_OK);
    CHECK_EQ(fed_verify_response(pk, "TR-EGM", "MA-DGSN", "POST",
                                 "/peer/v1/screen", a.nonce, 201, "{}", 2, &b,
                                 t, &why), LIAISON_EAUTH);
    CHECK_EQ(fed_verify_response(pk, "TR-EGM", "MA-DGSN", "POST",
                                 "/peer/v1/screen", "AAAAAAAAAAAAAAAAAAAAAA",
                                 200, "{}", 2, &b, t, &why), LIAISON_EAUTH);
    CHECK_EQ(fed_verify_response(pk, "TR-EGM", "MA-DGSN", "POST",
                                 "/peer/v1/screen", a.nonce, 200, "[]", 2, &b,
                                 t, &why), LIAISON_EAUTH);
    CHECK_EQ(fed_verify_response(pk, "FR-DGPN", "MA-DGSN", "POST",
                                 "/peer/v1/screen", a.nonce, 200, "{}", 2, &b,
                                 t, &why), LIAISON_EAUTH);
    keydir_free(&k);
}

TEST(key_file_is_private_and_never_overwritten)
{
    keydir k;
    struct stat st;
    char pk[FED_PK_B64_LEN + 1], link_path[160], buf[256];
    fed_identity *id = NULL;
    struct liaison_err err;
    FILE *f;
    size_t n;
    memset(&err, 0, sizeof(err));
    CHECK_EQ(keydir_make(&k, "MA-DGSN"), 0);
    CHECK_EQ(stat(k.path, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    /* An existing file is left alone. */
    f = fopen(k.path, "r");
    n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    CHECK_EQ(fed_identity_create(k.path, pk, &err), LIAISON_EEXIST);
    {
        char again[256];
        f = fopen(k.path, "r");
        n = f ? fread(again, 1, sizeof(again) - 1, f) : 0;
        again[n] = 0;
        if (f)
            fclose(f);
        CHECK_STR(again, buf);
    }
    /* Readable by others: refused. */
    CHECK_EQ(chmod(k.path, 0644), 0);
    CHECK_EQ(fed_identity_load(k.path, "MA-DGSN", &id, &err), LIAISON_EPERM);
    CHECK(id == NULL);
    CHECK(strstr(err.msg, "chmod 600") != NULL);
    CHECK_EQ(chmod(k.path, 0600), 0);
    /* A symlink is not followed, neither to load nor to create. */
    snprintf(link_path, sizeof(link_path), "%s/link.key", k.dir);
    CHECK_EQ(symlink(k.path, link_path), 0);
    CHECK(fed_identity_load(link_path, "MA-DGSN", &id, &err) != LIAISON_OK);
    CHECK(fed_identity_create(link_path, pk, &err) != LIAISON_OK);
    /* Not a key file; no agency. */
    snprintf(link_path, sizeof(link_path), "%s/junk.key", k.dir);
    f = fopen(link_path, "w");
    if (f) {
        fputs("liaison-ed25519-v1 notbase64\n", f);
        fclose(f);
    }
    CHECK_EQ(chmod(link_path, 0600), 0);
    CHECK_EQ(fed_identity_load(link_path, "MA-DGSN", &id, &err),
             LIAISON_EFORMAT);
    CHECK_EQ(fed_identity_load(k.path, NULL, &id, &err), LIAISON_EINVAL);
    /* The key's message never quotes the secret. */
    CHECK(strstr(err.msg, buf + 19) == NULL);
    CHECK_EQ(fed_key_default_path("lists.db", buf, sizeof(buf)), LIAISON_OK);
    CHECK_STR(buf, "lists.db.key");
    CHECK_EQ(fed_key_default_path("postgres://x/y", buf, sizeof(buf)),
             LIAISON_EINVAL);
    keydir_free(&k);
}

TEST(replay_cache)
{
    fed_nonces *n = NULL;
    int64_t t = 1000000;
    int i, full = 0;
    char nonce[32];
    CHECK_EQ(fed_nonces_new(64, &n), LIAISON_OK);
    if (!n)
        return;
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "nonce-0000000000001", t + 300, t),
             LIAISON_OK);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "nonce-0000000000001", t + 300, t),
             LIAISON_EEXIST);
    CHECK_EQ(fed_nonces_check(n, "FR-DGPN", "nonce-0000000000001", t + 300,
                              t), LIAISON_OK);
    /* Past its expiry the entry is gone (the clock check refuses it). */
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "nonce-0000000000001", t + 700,
                              t + 301), LIAISON_OK);
    /* Full of live entries: refused, never forgotten. */
    for (i = 0; i < 200 && !full; i++) {
        int rc;
        snprintf(nonce, sizeof(nonce), "n-%08d-xxxxxxxx", i);
        rc = fed_nonces_check(n, "TR-EGM", nonce, t + 1000, t + 400);
        if (rc == LIAISON_ETOOBIG)
            full = 1;
        else
            CHECK_EQ(rc, LIAISON_OK);
    }
    CHECK(full);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "n-00000001-xxxxxxxx", t + 1000,
                              t + 400), LIAISON_EEXIST);
    /* Once they expire there is room again. */
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "later-0000000000001", t + 2000,
                              t + 1001), LIAISON_OK);
    fed_nonces_free(n);
}

TEST(replay_cache_refilled_from_audit)
{
    char dir[64] = "/tmp/liaison-fedaudit-XXXXXX", db[128];
    store *s = NULL;
    store_audit_entry e;
    fed_nonces *n = NULL;
    long loaded = -1;
    int64_t t = now();
    char detail[200];
    int i;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof(db), "%s/s.db", dir);
    CHECK_EQ(store_create(db, "MA-DGSN", NULL), LIAISON_OK);
    CHECK_EQ(store_open(db, &s, NULL), LIAISON_OK);
    if (!s)
        return;
    memset(&e, 0, sizeof(e));
    e.actor = "olivia";
    e.action = "screen";
    e.detail_json = "{}";
    for (i = 0; i < 40; i++)   /* old traffic */
        CHECK_EQ(audit_append(s, &e, NULL), LIAISON_OK);
    e.at = t - 3600;
    e.actor = e.agency = "TR-EGM";
    e.action = "peer.screen";
    snprintf(detail, sizeof(detail), "{\"peer_nonce\":\"old-aaaaaaaaaaaaaaa\","
             "\"peer_ts\":%lld}", (long long)(t - 3600));
    e.detail_json = detail;
    CHECK_EQ(audit_append(s, &e, NULL), LIAISON_OK);
    e.at = t - 10;
    snprintf(detail, sizeof(detail), "{\"peer_nonce\":\"new-aaaaaaaaaaaaaaa\","
             "\"peer_ts\":%lld}", (long long)(t - 10));
    CHECK_EQ(audit_append(s, &e, NULL), LIAISON_OK);
    e.action = "peer.refused";
    snprintf(detail, sizeof(detail), "{\"peer_nonce\":\"bad-aaaaaaaaaaaaaaa\","
             "\"peer_ts\":%lld}", (long long)(t - 10));
    CHECK_EQ(audit_append(s, &e, NULL), LIAISON_OK);
    e.action = "peer.disclosure.fetch";
    snprintf(detail, sizeof(detail), "{\"id\":\"d\",\"peer_nonce\":"
             "\"dsc-aaaaaaaaaaaaaaa\",\"peer_ts\":%lld}", (long long)(t - 5));
    CHECK_EQ(audit_append(s, &e, NULL), LIAISON_OK);
    CHECK_EQ(fed_nonces_new(0, &n), LIAISON_OK);
    CHECK_EQ(fed_nonces_reload(n, s, t, &loaded), LIAISON_OK);
    CHECK_EQ(loaded, 2);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "new-aaaaaaaaaaaaaaa", t + 300, t),
             LIAISON_EEXIST);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "dsc-aaaaaaaaaaaaaaa", t + 300, t),
             LIAISON_EEXIST);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "bad-aaaaaaaaaaaaaaa", t + 300, t),
             LIAISON_OK);
    CHECK_EQ(fed_nonces_check(n, "TR-EGM", "old-aaaaaaaaaaaaaaa", t + 300, t),
             LIAISON_OK);
    fed_nonces_free(n);
    store_close(s);
    th_rmtree(dir);
}

TEST(hit_references_and_record_views)
{
    keydir k, k2;
    char ref[FED_REF_LEN + 1];
    util_buf b;
    const char *fields[] = {"dob", "remarks", "sharing", "nope"};
    static const char rec[] =
        "{\"id\":\"tr-2\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
        "[{\"full\":\"Y B\"}],\"dob\":\"1966\",\"sharing\":\"details\","
        "\"owner\":\"TR-EGM\",\"remarks\":\"informant\"}";
    CHECK_EQ(keydir_make(&k, "TR-EGM"), 0);
    CHECK_EQ(keydir_make(&k2, "TR-EGM"), 0);
    CHECK_EQ(fed_hitref(k.id, "MA-DGSN", "tr-2", ref), LIAISON_OK);
    CHECK_EQ(strlen(ref), FED_REF_LEN);
    CHECK(fed_hitref_ok(k.id, "MA-DGSN", "tr-2", ref));
    CHECK(!fed_hitref_ok(k.id, "FR-DGPN", "tr-2", ref));
    CHECK(!fed_hitref_ok(k.id, "MA-DGSN", "tr-1", ref));
    CHECK(!fed_hitref_ok(k2.id, "MA-DGSN", "tr-2", ref));
    CHECK(!fed_hitref_ok(k.id, "MA-DGSN", "tr-2", "short"));
    util_buf_init(&b, 1 << 16);
    CHECK_EQ(fed_record_view(rec, strlen(rec), NULL, 0, &b), LIAISON_OK);
    CHECK(strstr(b.p, "\"names\"") && strstr(b.p, "\"dob\""));
    CHECK(!strstr(b.p, "sharing") && !strstr(b.p, "remarks") &&
          !strstr(b.p, "owner"));
    util_buf_reset(&b);
    CHECK_EQ(fed_record_view(rec, strlen(rec), fields, 4, &b), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "{\"id\":\"tr-2\",\"list\":\"wanted\","
                                "\"kind\":\"person\",\"dob\":\"1966\","
                                "\"remarks\":\"informant\"}");
    util_buf_reset(&b);
    CHECK_EQ(fed_record_view("[1]", 3, NULL, 0, &b), LIAISON_EFORMAT);
    util_buf_fini(&b);
    CHECK(fed_handling_find("no-onward-transmission") != NULL);
    CHECK(fed_handling_find("not-for-evidence") != NULL);
    CHECK(fed_handling_find("anything") == NULL);
    keydir_free(&k);
    keydir_free(&k2);
}

TEST(peer_url_and_key_checks)
{
    unsigned char pk[32];
    char id[FED_DISCLOSURE_ID_LEN + 1];
    CHECK_EQ(fed_peer_url_check("https://tr.example:8443", NULL), LIAISON_OK);
    CHECK_EQ(fed_peer_url_check("https://10.0.0.1/", NULL), LIAISON_OK);
    CHECK_EQ(fed_peer_url_check("http://tr.example", NULL), LIAISON_EINVAL);
    CHECK_EQ(fed_peer_url_check("https://tr.example/api", NULL),
             LIAISON_EINVAL);
    CHECK_EQ(fed_peer_url_check("https://u:p@tr.example", NULL),
             LIAISON_EINVAL);
    CHECK_EQ(fed_peer_url_check("https://tr.example?x=1", NULL),
             LIAISON_EINVAL);
    CHECK_EQ(fed_peer_url_check("https://", NULL), LIAISON_EINVAL);
    CHECK_EQ(fed_public_key_parse("AAAA", pk, NULL), LIAISON_EINVAL);
    CHECK_EQ(fed_public_key_parse("kNHIZER/3IOhjwjQt8M5Gfino79UOUDRLv7iApbYHdM=",
                                  pk, NULL), LIAISON_OK);
    CHECK_EQ(fed_disclosure_id_new(id), LIAISON_OK);
    CHECK(fed_disclosure_id_ok(id));
    CHECK(!fed_disclosure_id_ok("../etc"));
    CHECK(!fed_disclosure_id_ok("a b c d e f"));
    CHECK(fed_field_name_ok("nationalities"));
    CHECK(!fed_field_name_ok("Names"));
}

/* Every allocation of the library pieces may fail: each reports
** LIAISON_ENOMEM and leaves nothing behind (the runner counts). */
TEST(allocation_failures_are_reported)
{
    static const char rec[] =
        "{\"id\":\"tr-2\",\"list\":\"wanted\",\"names\":[{\"full\":"
        "\"Y B\"}],\"dob\":\"1966\",\"sharing\":\"details\"}";
    keydir k;
    long n;
    int done_view = 0, done_nonce = 0, done_id = 0;
    CHECK_EQ(keydir_make(&k, "MA-DGSN"), 0);
    json_set_alloc_funcs(util_malloc, util_free);
    for (n = 1; n < 400 && !(done_view && done_nonce && done_id); n++) {
        util_buf b;
        fed_nonces *c = NULL;
        fed_identity *id = NULL;
        int rc, i;
        util_buf_init(&b, 1 << 16);
        util_alloc_fail_at(n);
        rc = fed_record_view(rec, strlen(rec), NULL, 0, &b);
        util_alloc_fail_at(0);
        /* jansson reports some failed allocations as syntax errors. */
        CHECK(rc == LIAISON_OK || rc == LIAISON_ENOMEM ||
              rc == LIAISON_EFORMAT);
        done_view = done_view || rc == LIAISON_OK;
        util_buf_fini(&b);
        util_alloc_fail_at(n);
        rc = fed_nonces_new(4, &c);
        for (i = 0; !rc && i < 8; i++) {
            char nonce[32];
            snprintf(nonce, sizeof(nonce), "nonce-%04d-aaaaaaaaaaa", i);
            rc = fed_nonces_check(c, "TR-EGM", nonce, 100, 1);
            if (rc == LIAISON_ETOOBIG)
                rc = LIAISON_OK, i = 8;
        }
        util_alloc_fail_at(0);
        CHECK(rc == LIAISON_OK || rc == LIAISON_ENOMEM);
        done_nonce = done_nonce || rc == LIAISON_OK;
        fed_nonces_free(c);
        util_alloc_fail_at(n);
        rc = fed_identity_load(k.path, "MA-DGSN", &id, NULL);
        util_alloc_fail_at(0);
        CHECK(rc == LIAISON_OK || rc == LIAISON_ENOMEM);
        CHECK((rc == LIAISON_OK) == (id != NULL));
        done_id = done_id || rc == LIAISON_OK;
        fed_identity_free(id);
    }
    CHECK(done_view && done_nonce && done_id);
    keydir_free(&k);
}

/* ---------------------------------------------------------------- nodes */

/* MA, TR and FR, each a peer of MA and MA a peer of each. */
static int three(tf_node *ma, tf_node *tr, tf_node *fr, int timeout_ms)
{
    if (tf_node_start(ma, "MA-DGSN", ma_records, timeout_ms) ||
        tf_node_start(tr, "TR-EGM", tr_records, 0) ||
        (fr && tf_node_start(fr, "FR-DGPN", fr_records, 0)) ||
        tf_link(ma, tr) || tf_link(tr, ma) ||
        (fr && (tf_link(ma, fr) || tf_link(fr, ma))))
        return -1;
    return 0;
}

TEST(screen_across_nodes_hit_no_hit_and_sharing_levels)
{
    tf_node ma, tr, fr;
    th_resp r;
    json_t *j, *h;
    CHECK_EQ(three(&ma, &tr, &fr, 0), 0);
    /* "hit": reference, list, category, score, contact, nothing more. */
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", "1970", "true", &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(jstr(partner(j, "TR-EGM"), "status"), "ok");
    CHECK_EQ(json_integer_value(json_object_get(partner(j, "TR-EGM"),
                                                "hits")), 1);
    CHECK_STR(jstr(partner(j, "FR-DGPN"), "status"), "ok");
    CHECK_EQ(json_integer_value(json_object_get(partner(j, "FR-DGPN"),
                                                "hits")), 0);
    h = find_hit(j, "tr-1");
    CHECK(h != NULL);
    CHECK_STR(jstr(h, "owner"), "TR-EGM");
    CHECK_STR(jstr(h, "sharing"), "hit");
    CHECK_STR(jstr(h, "list"), "wanted");
    CHECK_STR(jstr(h, "category"), "organised-crime");
    CHECK_STR(jstr(h, "contact"), "TR-EGM liaison desk");
    CHECK(jstr(h, "ref") && strlen(jstr(h, "ref")) == FED_REF_LEN);
    CHECK(json_number_value(json_object_get(h, "score")) > 0.55);
    CHECK(!json_object_get(h, "record") && !json_object_get(h, "matched") &&
          !json_object_get(h, "why") && !json_object_get(h, "names"));
    CHECK(json_integer_value(json_object_get(j, "audit_seq")) > 0);
    json_decref(j);
    th_resp_free(&r);
    /* "details": the record, without its sharing level or unknown fields;
    ** the local hit is marked with this node's agency. */
    CHECK_EQ(screen(&ma, ma.officer, "Yusuf Ben Haddou", "1966", "true", &r),
             0);
    j = body_json(&r);
    h = find_hit(j, "ma-1");
    CHECK(h && jstr(h, "owner") && !strcmp(jstr(h, "owner"), "MA-DGSN"));
    h = find_hit(j, "tr-2");
    CHECK(h != NULL);
    CHECK_STR(jstr(h, "sharing"), "details");
    CHECK_STR(jstr(h, "owner"), "TR-EGM");
    CHECK(jstr(h, "matched") != NULL);
    CHECK(json_array_size(json_object_get(json_object_get(h, "record"),
                                          "names")) == 2);
    CHECK_STR(jstr(json_object_get(h, "record"), "dob"), "1966");
    CHECK(r.body && !strstr(r.body, "informant") &&
          !strstr(r.body, "\"sharing\":\"details\",\"remarks\""));
    CHECK(!json_object_get(json_object_get(h, "record"), "sharing"));
    json_decref(j);
    th_resp_free(&r);
    /* "none" never leaves: TR's own officers find tr-3, partners do not. */
    CHECK_EQ(screen(&ma, ma.officer, "Ahmet Kaya", "1980", "[\"TR-EGM\"]",
                    &r), 0);
    j = body_json(&r);
    CHECK_EQ(r.status, 200);
    CHECK_STR(jstr(partner(j, "TR-EGM"), "status"), "ok");
    CHECK(partner(j, "FR-DGPN") == NULL);
    CHECK(find_hit(j, "tr-3") == NULL);
    CHECK(r.body && !strstr(r.body, "tr-3"));
    json_decref(j);
    th_resp_free(&r);
    CHECK_EQ(screen(&tr, tr.officer, "Ahmet Kaya", "1980", "false", &r), 0);
    CHECK(r.body && strstr(r.body, "\"tr-3\"") != NULL);
    th_resp_free(&r);
    /* A record TR holds for FR is FR's to share, not TR's. */
    CHECK_EQ(screen(&ma, ma.officer, "Pierre Martin", "1960", "[\"TR-EGM\"]",
                    &r), 0);
    CHECK(r.status == 200 && r.body && !strstr(r.body, "tr-fr-1"));
    th_resp_free(&r);
    CHECK_EQ(screen(&tr, tr.officer, "Pierre Martin", "1960", "false", &r),
             0);
    CHECK(r.body && strstr(r.body, "\"tr-fr-1\"") != NULL);
    th_resp_free(&r);
    /* A partner not registered is refused; the hit is audited on both
    ** sides with the officer's name and the same nonce. */
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", NULL, "[\"XX-NONE\"]",
                    &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    CHECK(tf_audit_has(&tr, "peer.screen", "\"user\":\"olivia\"", 0));
    CHECK(tf_audit_has(&ma, "screen", "\"TR-EGM\":{", 0));
    tf_node_free(&ma);
    tf_node_free(&tr);
    tf_node_free(&fr);
}

/* A port nothing listens on, and a socket that accepts connections (the
** kernel's backlog) but never answers. */
static unsigned closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned port = 0;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
        !getsockname(fd, (struct sockaddr *)&a, &len))
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int silent_listener(unsigned *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
        listen(fd, 16) || getsockname(fd, (struct sockaddr *)&a, &len)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

TEST(partner_down_or_silent_is_reported_within_the_deadline)
{
    tf_node ma, tr;
    fed_identity *tid;
    th_resp r;
    json_t *j;
    char url[64];
    unsigned slow_port = 0;
    int fd;
    uint64_t t0, took_ms;
    CHECK_EQ(three(&ma, &tr, NULL, 700), 0);
    tid = tf_identity(&tr);
    fd = silent_listener(&slow_port);
    CHECK(fd >= 0 && tid != NULL);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", closed_port());
    CHECK_EQ(tf_add_peer(&ma, "XX-DOWN", url, fed_identity_public_key(tid),
                         tr.cert), 0);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", slow_port);
    CHECK_EQ(tf_add_peer(&ma, "XX-SLOW", url, fed_identity_public_key(tid),
                         tr.cert), 0);
    t0 = util_now_us();
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", "1970", "true", &r), 0);
    took_ms = (util_now_us() - t0) / 1000;
    CHECK_EQ(r.status, 200);
    CHECK(took_ms >= 600 && took_ms < 2500);
    if (took_ms < 600 || took_ms >= 2500)
        fprintf(stderr, "partner deadline 700 ms, answered in %llu ms\n",
                (unsigned long long)took_ms);
    j = body_json(&r);
    CHECK_STR(jstr(partner(j, "XX-DOWN"), "status"), "unavailable");
    CHECK_STR(jstr(partner(j, "XX-SLOW"), "status"), "timeout");
    CHECK(json_object_get(partner(j, "XX-SLOW"), "hits") == NULL);
    CHECK_STR(jstr(partner(j, "TR-EGM"), "status"), "ok");
    CHECK(find_hit(j, "tr-1") != NULL);
    json_decref(j);
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "screen", "\"status\":\"timeout\"", 0));
    if (fd >= 0)
        close(fd);
    fed_identity_free(tid);
    tf_node_free(&ma);
    tf_node_free(&tr);
}

TEST(answers_signed_by_another_agency_are_not_used)
{
    tf_node ma, tr, fr;
    fed_identity *tid;
    th_resp r;
    json_t *j;
    char url[64];
    store *s = NULL;
    CHECK_EQ(three(&ma, &tr, &fr, 0), 0);
    /* MA's entry for TR points at FR's server: FR refuses a request signed
    ** for TR, and its (signed) refusal is not TR's. */
    tid = tf_identity(&tr);
    CHECK_EQ(store_open(ma.db, &s, NULL), LIAISON_OK);
    CHECK_EQ(store_peer_remove(s, "TR-EGM"), LIAISON_OK);
    store_close(s);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", fr.port);
    CHECK_EQ(tf_add_peer(&ma, "TR-EGM", url, fed_identity_public_key(tid),
                         fr.cert), 0);
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", "1970", "[\"TR-EGM\"]",
                    &r), 0);
    j = body_json(&r);
    CHECK_EQ(r.status, 200);
    CHECK_STR(jstr(partner(j, "TR-EGM"), "status"), "invalid_response");
    CHECK(find_hit(j, "tr-1") == NULL);
    json_decref(j);
    th_resp_free(&r);
    CHECK(tf_audit_has(&fr, "peer.refused", "bad signature", 2000));
    fed_identity_free(tid);
    tf_node_free(&ma);
    tf_node_free(&tr);
    tf_node_free(&fr);
}

/* ---------------------------------------------------------------- peer requests */

static const char peer_body[] =
    "{\"purpose\":\"border-check\",\"subject\":{\"name\":\"Youssef "
    "Benhaddou\"},\"requester\":{\"user\":\"tarik\",\"role\":\"analyst\"}}";

TEST(forged_replayed_stale_misaddressed_and_removed_peers_are_refused)
{
    tf_node ma, tr;
    fed_identity *tid, *mid;
    keydir forger;
    fed_auth a, b, resp;
    th_resp r;
    unsigned char mpk[32];
    const char *why = NULL;
    char hdr[128];
    store *s = NULL;
    CHECK_EQ(three(&ma, &tr, NULL, 0), 0);
    tid = tf_identity(&tr);
    mid = tf_identity(&ma);
    CHECK(tid && mid);
    if (!tid || !mid)
        goto out;
    pk_of(mid, mpk);
    /* A good request, answered and signed by MA. */
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &a),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &a, &r),
             0);
    CHECK_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "\"ma-1\"") && strstr(r.body, "\"ref\""));
    memset(&resp, 0, sizeof(resp));
    th_header(&r, FED_H_AGENCY, resp.agency, sizeof(resp.agency));
    th_header(&r, FED_H_TIMESTAMP, resp.timestamp, sizeof(resp.timestamp));
    th_header(&r, FED_H_SIGNATURE, resp.signature, sizeof(resp.signature));
    CHECK_EQ(fed_verify_response(mpk, "MA-DGSN", "TR-EGM", "POST",
                                 "/peer/v1/screen", a.nonce, r.status,
                                 r.body, r.body_len, &resp, now(), &why),
             LIAISON_OK);
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "peer.screen", a.nonce, 0));
    CHECK(tf_audit_has(&ma, "peer.screen", "\"user\":\"tarik\"", 0));
    /* The same request again: a replay. */
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &a, &r),
             0);
    CHECK_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "replayed nonce"));
    CHECK(th_header(&r, FED_H_SIGNATURE, hdr, sizeof(hdr)) != NULL);
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "peer.refused", "replayed nonce", 2000));
    /* Another body under that signature. */
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen",
                         "{\"purpose\":\"border-check\",\"subject\":{\"name\":"
                         "\"Mehmet\"},\"requester\":{\"user\":\"x\"}}", &b,
                         &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    /* Signed by another key claiming to be TR. */
    CHECK_EQ(keydir_make(&forger, "TR-EGM"), 0);
    CHECK_EQ(fed_sign_request(forger.id, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "bad signature"));
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "peer.refused", "bad signature", 2000));
    keydir_free(&forger);
    /* Signed for another agency. */
    CHECK_EQ(fed_sign_request(tid, "FR-DGPN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    /* Stale, either way, refused before the body is read. */
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now() - 400, &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "stale"));
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "peer.refused", "stale timestamp", 2000));
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now() + 400, &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    /* No signature at all; a user's token is no use here. */
    memset(&b, 0, sizeof(b));
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&ma, "POST", "/peer/v1/screen", ma.analyst, peer_body,
                      &r), 0);
    CHECK_EQ(r.status, 401);
    th_resp_free(&r);
    /* A query string: peer routes take none. */
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST",
                              "/peer/v1/screen?limit=100", peer_body,
                              strlen(peer_body), now(), &b), LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen?limit=100", peer_body,
                         &b, &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    /* A partner cannot make this node ask its own partners. */
    {
        static const char cascade[] =
            "{\"purpose\":\"border-check\",\"subject\":{\"name\":\"A B\"},"
            "\"partners\":true,\"requester\":{\"user\":\"tarik\"}}";
        CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                                  cascade, strlen(cascade), now(), &b),
                 LIAISON_OK);
        CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", cascade, &b, &r),
                 0);
        CHECK_EQ(r.status, 400);
        th_resp_free(&r);
    }
    /* Removed: refused at once (peers are read on every request here). */
    CHECK_EQ(store_open(ma.db, &s, NULL), LIAISON_OK);
    CHECK_EQ(store_peer_remove(s, "TR-EGM"), LIAISON_OK);
    store_close(s);
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &b),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &b, &r),
             0);
    CHECK_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "not a registered peer"));
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "peer.refused", "not a registered peer", 2000));
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", NULL, "[\"TR-EGM\"]",
                    &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", NULL, "true", &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, "\"partners\":{}"));
    th_resp_free(&r);
    /* And counted. */
    CHECK_EQ(tf_https(&ma, "GET", "/metrics", ma.auditor, NULL, &r), 0);
    CHECK(r.body && strstr(r.body, "liaison_peer_requests_total 2\n"));
    CHECK(r.body && strstr(r.body, "liaison_peer_refusals_total{reason="
                                   "\"replay\"} 1\n"));
    CHECK(r.body && strstr(r.body, "liaison_peer_refusals_total{reason="
                                   "\"unknown_peer\"} 1\n"));
    th_resp_free(&r);
out:
    fed_identity_free(tid);
    fed_identity_free(mid);
    tf_node_free(&ma);
    tf_node_free(&tr);
}

TEST(record_changed_from_hit_to_none_disappears_for_partners)
{
    tf_node ma, tr;
    th_resp r;
    json_t *j;
    char ref[FED_REF_LEN + 1], body[600];
    long long seq;
    CHECK_EQ(three(&ma, &tr, NULL, 0), 0);
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", "1970", "true", &r), 0);
    ref_of(&r, "tr-1", ref, sizeof(ref));
    CHECK(ref[0] != 0);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "PUT", "/v1/records/tr-1", tr.analyst,
                      "{\"id\":\"tr-1\",\"list\":\"wanted\",\"kind\":"
                      "\"person\",\"names\":[{\"full\":\"Mehmet YILMAZ\"}],"
                      "\"dob\":\"1970-05-02\",\"sharing\":\"none\"}", &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    seq = (long long)json_integer_value(json_object_get(j, "seq"));
    json_decref(j);
    th_resp_free(&r);
    CHECK(seq > 0);
    CHECK_EQ(srv_wait_index(tr.s, seq, 10000), LIAISON_OK);
    CHECK_EQ(screen(&ma, ma.officer, "Mehmet Yilmaz", "1970", "true", &r), 0);
    j = body_json(&r);
    CHECK_STR(jstr(partner(j, "TR-EGM"), "status"), "ok");
    CHECK_EQ(json_integer_value(json_object_get(partner(j, "TR-EGM"),
                                                "hits")), 0);
    CHECK(find_hit(j, "tr-1") == NULL);
    json_decref(j);
    th_resp_free(&r);
    /* Nor can its details be asked for with the old reference. */
    snprintf(body, sizeof(body), "{\"owner\":\"TR-EGM\",\"record_id\":"
             "\"tr-1\",\"ref\":\"%s\",\"purpose\":\"border-check\","
             "\"justification\":\"check\"}", ref);
    CHECK_EQ(tf_https(&ma, "POST", "/v1/disclosures", ma.officer, body, &r),
             0);
    CHECK_EQ(r.status, 404);
    CHECK(r.body && strstr(r.body, "owner_refused"));
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "disclosure.request.refused", "tr-1", 0));
    /* TR's own officers still find it. */
    CHECK_EQ(screen(&tr, tr.officer, "Mehmet Yilmaz", "1970", "false", &r),
             0);
    CHECK(r.body && strstr(r.body, "\"tr-1\""));
    th_resp_free(&r);
    tf_node_free(&ma);
    tf_node_free(&tr);
}

/* ---------------------------------------------------------------- disclosures */

/* Ask TR for record id's details as MA's officer; the new id in out. */
static int ask(tf_node *ma, const char *id, const char *fields, char *out,
               size_t n)
{
    th_resp r;
    json_t *j;
    char ref[FED_REF_LEN + 1], body[700];
    int status;
    CHECK_EQ(screen(ma, ma->officer, !strcmp(id, "tr-1") ? "Mehmet Yilmaz"
                                                         : "Yusuf Ben Haddou",
                    NULL, "[\"TR-EGM\"]", &r), 0);
    ref_of(&r, id, ref, sizeof(ref));
    th_resp_free(&r);
    snprintf(body, sizeof(body), "{\"owner\":\"TR-EGM\",\"record_id\":\"%s\","
             "\"ref\":\"%s\",\"purpose\":\"border-check\",\"justification\":"
             "\"traveller at CMN airport, flight TK617\"%s%s}", id, ref,
             fields ? ",\"fields\":" : "", fields ? fields : "");
    CHECK_EQ(tf_https(ma, "POST", "/v1/disclosures", ma->officer, body, &r),
             0);
    status = r.status;
    j = body_json(&r);
    util_strlcpy(out, jstr(j, "id") ? jstr(j, "id") : "", n);
    json_decref(j);
    th_resp_free(&r);
    return status;
}

static int has_str(json_t *arr, const char *s)
{
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return 1;
    return 0;
}

TEST(disclosure_approved_with_a_field_subset_and_handling_codes)
{
    tf_node ma, tr;
    th_resp r;
    json_t *j, *rec;
    char id[64], path[160], body[300];
    CHECK_EQ(three(&ma, &tr, NULL, 0), 0);
    CHECK_EQ(ask(&ma, "tr-1", "[\"names\",\"dob\",\"nationalities\"]", id,
                 sizeof(id)), 201);
    CHECK(fed_disclosure_id_ok(id));
    /* Refused requests: a bad reference, an unknown or own agency, no
    ** justification. */
    CHECK_EQ(tf_https(&ma, "POST", "/v1/disclosures", ma.officer,
                      "{\"owner\":\"TR-EGM\",\"record_id\":\"tr-1\",\"ref\":"
                      "\"AAAAAAAAAAAAAAAAAAAAAA\",\"purpose\":\"border-check\","
                      "\"justification\":\"x\"}", &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&ma, "POST", "/v1/disclosures", ma.officer,
                      "{\"owner\":\"XX-NONE\",\"record_id\":\"tr-1\",\"ref\":"
                      "\"AAAAAAAAAAAAAAAAAAAAAA\",\"purpose\":\"border-check\","
                      "\"justification\":\"x\"}", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&ma, "POST", "/v1/disclosures", ma.officer,
                      "{\"owner\":\"TR-EGM\",\"record_id\":\"tr-1\",\"ref\":"
                      "\"AAAAAAAAAAAAAAAAAAAAAA\",\"purpose\":\"border-check\""
                      "}", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    /* The owner's analysts see it pending; its officers do not. */
    CHECK_EQ(tf_https(&tr, "GET", "/v1/disclosures?status=pending",
                      tr.analyst, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    CHECK(r.body && strstr(r.body, id) && strstr(r.body, "\"incoming\"") &&
          strstr(r.body, "flight TK617"));
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "GET", "/v1/disclosures", tr.officer, NULL, &r),
             0);
    CHECK(r.status == 200 && r.body && !strstr(r.body, id));
    th_resp_free(&r);
    /* Only analysts decide, only valid codes, only fields asked for. */
    snprintf(path, sizeof(path), "/v1/disclosures/%s/approve", id);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.officer, "{}", &r), 0);
    CHECK_EQ(r.status, 403);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst,
                      "{\"handling\":[\"whatever\"]}", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst,
                      "{\"fields\":[\"documents\"]}", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    /* The requester cannot decide its own request. */
    CHECK_EQ(tf_https(&ma, "POST", path, ma.analyst, "{}", &r), 0);
    CHECK_EQ(r.status, 409);
    th_resp_free(&r);
    snprintf(body, sizeof(body), "{\"fields\":[\"dob\",\"nationalities\"],"
             "\"handling\":[\"no-onward-transmission\",\"not-for-evidence\"],"
             "\"note\":\"call the desk before acting\"}");
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst, body, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(jstr(j, "status"), "approved");
    CHECK(json_is_true(json_object_get(j, "delivered")));
    json_decref(j);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst, body, &r), 0);
    CHECK_EQ(r.status, 409);
    th_resp_free(&r);
    /* The requester sees the released fields with the handling codes. */
    snprintf(path, sizeof(path), "/v1/disclosures/%s", id);
    CHECK_EQ(tf_https(&ma, "GET", path, ma.officer, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(jstr(j, "status"), "approved");
    CHECK_STR(jstr(j, "direction"), "outgoing");
    CHECK_STR(jstr(j, "owner_status"), "ok");
    rec = json_object_get(j, "record");
    CHECK_STR(jstr(rec, "dob"), "1970-05-02");
    CHECK(has_str(json_object_get(rec, "nationalities"), "TUR"));
    CHECK(json_object_get(rec, "names") == NULL);
    CHECK(json_object_get(rec, "sharing") == NULL);
    CHECK_EQ(json_array_size(json_object_get(j, "handling")), 2);
    CHECK_STR(jstr(json_array_get(json_object_get(j, "handling"), 0), "code"),
              "no-onward-transmission");
    CHECK(strstr(jstr(json_array_get(json_object_get(j, "handling"), 1),
                      "text") ? jstr(json_array_get(json_object_get(j,
                                     "handling"), 1), "text") : "",
                 "evidence") != NULL);
    CHECK_STR(jstr(j, "reason"), "call the desk before acting");
    json_decref(j);
    th_resp_free(&r);
    /* Another officer of MA does not see olivia's request. */
    CHECK_EQ(tf_https(&ma, "GET", path, ma.officer2, NULL, &r), 0);
    CHECK_EQ(r.status, 404);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&ma, "GET", "/v1/disclosures?direction=outgoing",
                      ma.analyst, NULL, &r), 0);
    CHECK(r.status == 200 && r.body && strstr(r.body, id));
    th_resp_free(&r);
    /* Every step audited on both sides. */
    CHECK(tf_audit_has(&ma, "disclosure.request", id, 0));
    CHECK(tf_audit_has(&ma, "peer.disclosure.answer", id, 0));
    CHECK(tf_audit_has(&ma, "disclosure.view", id, 0));
    CHECK(tf_audit_has(&tr, "peer.disclosure.request", id, 0));
    CHECK(tf_audit_has(&tr, "disclosure.approve", id, 0));
    CHECK(tf_audit_has(&tr, "disclosure.answer.sent", id, 0));
    CHECK(tf_audit_has(&tr, "peer.disclosure.fetch", id, 0));
    tf_node_free(&ma);
    tf_node_free(&tr);
}

TEST(disclosure_denied_and_learnt_after_a_restart)
{
    tf_node ma, tr;
    fed_identity *tid;
    fed_auth a;
    th_resp r;
    json_t *j;
    char id[64], path[160];
    CHECK_EQ(three(&ma, &tr, NULL, 0), 0);
    CHECK_EQ(ask(&ma, "tr-2", NULL, id, sizeof(id)), 201);
    /* A request TR sends MA now, to replay after MA restarts. */
    tid = tf_identity(&tr);
    CHECK(tid != NULL);
    CHECK_EQ(fed_sign_request(tid, "MA-DGSN", "POST", "/peer/v1/screen",
                              peer_body, strlen(peer_body), now(), &a),
             LIAISON_OK);
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &a, &r),
             0);
    CHECK_EQ(r.status, 200);
    th_resp_free(&r);
    /* MA is down when TR decides: the push fails, the decision stands. */
    tf_node_stop(&ma);
    snprintf(path, sizeof(path), "/v1/disclosures/%s/deny", id);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst, "{}", &r), 0);
    CHECK_EQ(r.status, 400);
    th_resp_free(&r);
    CHECK_EQ(tf_https(&tr, "POST", path, tr.analyst,
                      "{\"reason\":\"ongoing operation: contact the desk\"}",
                      &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(jstr(j, "status"), "denied");
    CHECK(json_is_false(json_object_get(j, "delivered")));
    json_decref(j);
    th_resp_free(&r);
    CHECK_EQ(tf_node_restart(&ma, 0), 0);
    /* The replay cache came back from the audit trail. */
    CHECK_EQ(tf_peer_raw(&ma, "POST", "/peer/v1/screen", peer_body, &a, &r),
             0);
    CHECK_EQ(r.status, 401);
    CHECK(r.body && strstr(r.body, "replayed nonce"));
    th_resp_free(&r);
    /* Opening the request asks the owner, which answers signed. */
    snprintf(path, sizeof(path), "/v1/disclosures/%s", id);
    CHECK_EQ(tf_https(&ma, "GET", path, ma.officer, NULL, &r), 0);
    CHECK_EQ(r.status, 200);
    j = body_json(&r);
    CHECK_STR(jstr(j, "status"), "denied");
    CHECK_STR(jstr(j, "reason"), "ongoing operation: contact the desk");
    CHECK(json_is_null(json_object_get(j, "record")));
    json_decref(j);
    th_resp_free(&r);
    CHECK(tf_audit_has(&ma, "disclosure.answer", "\"source\":\"poll\"", 0));
    CHECK(tf_audit_has(&tr, "disclosure.deny", id, 0));
    CHECK(tf_audit_has(&tr, "disclosure.answer.sent", "unavailable", 0));
    fed_identity_free(tid);
    tf_node_free(&ma);
    tf_node_free(&tr);
}

/* ---------------------------------------------------------------- the CLI */

static int run(const char *const *args, char *out, size_t n)
{
    const char *argv[20];
    int p[2], status = 0, i;
    size_t len = 0;
    pid_t pid;
    argv[0] = th_liaison_path();
    for (i = 0; args[i] && i < 18; i++)
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
        char tmp[256];
        ssize_t k = read(p[0], out ? out + len : tmp,
                         out ? n - 1 - len : sizeof(tmp));
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

TEST(cli_key_and_peer_commands)
{
    char dir[64] = "/tmp/liaison-fedcli-XXXXXX", db[128], key[160], ca[160];
    char out[4096], pk[64], before[256];
    struct stat st;
    FILE *f;
    size_t n;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof(db), "%s/a.db", dir);
    snprintf(key, sizeof(key), "%s/a.db.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    {
        const char *a[] = {"init", "--db", db, "--agency", "MA-DGSN", NULL};
        CHECK_EQ(run(a, NULL, 0), 0);
    }
    CHECK_EQ(stat(key, &st), 0);
    CHECK_EQ(st.st_mode & 0777, 0600);
    {
        const char *a[] = {"key", "show", "--db", db, NULL};
        CHECK_EQ(run(a, out, sizeof(out)), 0);
        out[strcspn(out, "\n")] = 0;
        CHECK_EQ(strlen(out), FED_PK_B64_LEN);
        util_strlcpy(pk, out, sizeof(pk));
    }
    {
        const char *a[] = {"key", "show", "--db", db, "--json", NULL};
        CHECK_EQ(run(a, out, sizeof(out)), 0);
        CHECK(strstr(out, "\"agency\":\"MA-DGSN\"") && strstr(out, pk));
    }
    /* A second init neither replaces the store nor the key. */
    f = fopen(key, "r");
    n = f ? fread(before, 1, sizeof(before) - 1, f) : 0;
    before[n] = 0;
    if (f)
        fclose(f);
    {
        const char *a[] = {"init", "--db", db, "--agency", "MA-DGSN", NULL};
        CHECK_EQ(run(a, NULL, 0), 2);
        const char *b[] = {"key", "create", "--db", db, NULL};
        CHECK_EQ(run(b, NULL, 0), 2);
    }
    {
        char again[256];
        f = fopen(key, "r");
        n = f ? fread(again, 1, sizeof(again) - 1, f) : 0;
        again[n] = 0;
        if (f)
            fclose(f);
        CHECK_STR(again, before);
    }
    f = fopen(ca, "w");
    if (f) {
        fputs("not a certificate\n", f);
        fclose(f);
    }
    {
        const char *bad_url[] = {"peer", "add", "--db", db, "--agency",
                                 "TR-EGM", "--url", "http://tr.example",
                                 "--key", pk, NULL};
        const char *bad_key[] = {"peer", "add", "--db", db, "--agency",
                                 "TR-EGM", "--url", "https://tr.example",
                                 "--key", "AAAA", NULL};
        const char *bad_ca[] = {"peer", "add", "--db", db, "--agency",
                                "TR-EGM", "--url", "https://tr.example",
                                "--key", pk, "--ca", ca, NULL};
        const char *self[] = {"peer", "add", "--db", db, "--agency",
                              "MA-DGSN", "--url", "https://tr.example",
                              "--key", pk, NULL};
        const char *good[] = {"peer", "add", "--db", db, "--agency", "TR-EGM",
                              "--url", "https://tr.example:8443", "--key", pk,
                              NULL};
        const char *list[] = {"peer", "list", "--db", db, "--json", NULL};
        const char *rm[] = {"peer", "remove", "--db", db, "TR-EGM", NULL};
        CHECK_EQ(run(bad_url, NULL, 0), 2);
        CHECK_EQ(run(bad_key, NULL, 0), 2);
        CHECK_EQ(run(bad_ca, NULL, 0), 2);
        CHECK_EQ(run(self, NULL, 0), 2);
        CHECK_EQ(run(good, NULL, 0), 0);
        CHECK_EQ(run(good, NULL, 0), 2);
        CHECK_EQ(run(list, out, sizeof(out)), 0);
        CHECK(strstr(out, "\"agency\":\"TR-EGM\"") &&
              strstr(out, "https://tr.example:8443"));
        CHECK_EQ(run(rm, NULL, 0), 0);
        CHECK_EQ(run(rm, NULL, 0), 2);
        CHECK_EQ(run(list, out, sizeof(out)), 0);
        CHECK(!strstr(out, "TR-EGM"));
    }
    {
        const char *a[] = {"audit", "list", "--db", db, NULL};
        CHECK_EQ(run(a, out, sizeof(out)), 0);
        CHECK(strstr(out, "peer.add") && strstr(out, "peer.remove"));
    }
    /* A key file others can read is refused. */
    CHECK_EQ(chmod(key, 0640), 0);
    {
        const char *a[] = {"key", "show", "--db", db, NULL};
        CHECK_EQ(run(a, NULL, 0), 2);
    }
    th_rmtree(dir);
}

int main(int argc, char **argv)
{
    int rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = testlib_main(argc, argv);
    curl_global_cleanup();
    return rc;
}
