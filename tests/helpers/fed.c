/*
** fed.c: the federation test fixture (fed.h): nodes with their own
** store, key and certificate, started in-process with HTTPS, and HTTPS
** calls made with libcurl.
*/
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fed.h"
#include "formats/formats.h"
#include "store/store.h"
#include "util/util.h"

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

static int on_rec(void *ud, const fmt_record *r)
{
    store_rec sr;
    memset(&sr, 0, sizeof(sr));
    sr.id = r->rec.id;
    sr.list = r->rec.list;
    sr.kind = fmt_record_kind_name(r->rec.kind);
    sr.owner = r->rec.owner;
    sr.sharing = r->rec.sharing == LIAISON_SHARE_NONE      ? "none"
                 : r->rec.sharing == LIAISON_SHARE_DETAILS ? "details"
                                                           : "hit";
    sr.n_names = (long)r->rec.n_names;
    sr.json = r->json;
    sr.json_len = r->json_len;
    return store_record_put(ud, &sr, NULL);
}

int tf_node_restart(tf_node *n, int partner_timeout_ms)
{
    srv_config c;
    struct liaison_err err;
    memset(&c, 0, sizeof(c));
    memset(&err, 0, sizeof(err));
    c.db = n->db;
    c.listen = "127.0.0.1:0";
    c.threads = 2;
    c.tls_cert = n->cert;
    c.tls_key = n->tlskey;
    c.auth_cache_ms = -1;       /* peers and tokens read every time */
    c.fed_key = n->key;
    c.fed_contact = n->contact;
    c.partner_timeout_ms = partner_timeout_ms;
    if (srv_start(&c, &n->s, &err)) {
        fprintf(stderr, "tf_node_start %s: %s\n", n->agency, err.msg);
        return -1;
    }
    n->port = srv_port(n->s);
    return 0;
}

int tf_node_start(tf_node *n, const char *agency, const char *jsonl,
                  int partner_timeout_ms)
{
    store *s = NULL;
    int rc;
    memset(n, 0, sizeof(*n));
    snprintf(n->dir, sizeof(n->dir), "/tmp/liaison-fed-XXXXXX");
    if (!mkdtemp(n->dir))
        return -1;
    snprintf(n->agency, sizeof(n->agency), "%s", agency);
    snprintf(n->contact, sizeof(n->contact), "%s liaison desk", agency);
    snprintf(n->db, sizeof(n->db), "%s/store.db", n->dir);
    snprintf(n->key, sizeof(n->key), "%s/store.db.key", n->dir);
    snprintf(n->cert, sizeof(n->cert), "%s/cert.pem", n->dir);
    snprintf(n->tlskey, sizeof(n->tlskey), "%s/tls.pem", n->dir);
    {
        const char *argv[] = {"openssl", "req", "-x509", "-newkey", "ec",
                              "-pkeyopt", "ec_paramgen_curve:prime256v1",
                              "-nodes", "-keyout", n->tlskey, "-out",
                              n->cert, "-days", "1", "-subj",
                              "/CN=127.0.0.1", "-addext",
                              "subjectAltName=IP:127.0.0.1", NULL};
        if (run_quiet(argv))
            return -1;
    }
    if (fed_identity_create(n->key, NULL, NULL) ||
        store_create(n->db, agency, NULL) || store_open(n->db, &s, NULL))
        return -1;
    rc = store_begin(s);
    if (!rc && jsonl)
        rc = fmt_read_mem(FMT_JSONL, jsonl, strlen(jsonl), NULL, on_rec,
                          NULL, s, NULL);
    if (!rc)
        rc = store_commit(s);
    store_close(s);
    if (rc || th_add_user(n->db, "olivia", agency, "officer", n->officer) ||
        th_add_user(n->db, "omar", agency, "officer", n->officer2) ||
        th_add_user(n->db, "anas", agency, "analyst", n->analyst) ||
        th_add_user(n->db, "aude", agency, "auditor", n->auditor))
        return -1;
    return tf_node_restart(n, partner_timeout_ms);
}

void tf_node_stop(tf_node *n)
{
    if (n->s)
        srv_stop(n->s, 5000);
    n->s = NULL;
}

void tf_node_free(tf_node *n)
{
    tf_node_stop(n);
    th_rmtree(n->dir);
    n->dir[0] = 0;
}

fed_identity *tf_identity(const tf_node *n)
{
    fed_identity *id = NULL;
    fed_identity_load(n->key, n->agency, &id, NULL);
    return id;
}

int tf_add_peer(tf_node *n, const char *agency, const char *url,
                const char *pk_b64, const char *ca)
{
    store_peer p;
    store *s = NULL;
    int rc;
    memset(&p, 0, sizeof(p));
    p.agency = agency;
    p.url = url;
    p.public_key = pk_b64;
    p.ca_file = ca;
    if (store_open(n->db, &s, NULL))
        return -1;
    rc = store_peer_add(s, &p, NULL);
    store_close(s);
    return rc ? -1 : 0;
}

int tf_link(tf_node *from, const tf_node *to)
{
    fed_identity *id = tf_identity(to);
    char url[64];
    int rc;
    if (!id)
        return -1;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u", to->port);
    rc = tf_add_peer(from, to->agency, url, fed_identity_public_key(id),
                     to->cert);
    fed_identity_free(id);
    return rc;
}

/* ---------------------------------------------------------------- HTTPS */

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    char **buf = ((char ***)ud)[0];
    size_t *len = ((size_t **)ud)[1];
    size_t k = size * n;
    char *q = realloc(*buf, *len + k + 1);
    if (!q)
        return 0;
    memcpy(q + *len, p, k);
    *buf = q;
    *len += k;
    q[*len] = 0;
    return k;
}

static int call(const tf_node *n, const char *method, const char *path,
                const char *body, struct curl_slist *hdrs, th_resp *out)
{
    char url[600];
    size_t hlen = 0;
    void *bud[2], *hud[2];
    long code = 0;
    CURLcode rc;
    CURL *h = curl_easy_init();
    memset(out, 0, sizeof(*out));
    if (!h)
        return -1;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", n->port, path);
    bud[0] = &out->body;
    bud[1] = &out->body_len;
    hud[0] = &out->headers;
    hud[1] = &hlen;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, n->cert);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, bud);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, hud);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    out->status = rc == CURLE_OK ? (int)code : 0;
    return rc == CURLE_OK ? 0 : -1;
}

int tf_https(const tf_node *n, const char *method, const char *path,
             const char *token, const char *body, th_resp *out)
{
    struct curl_slist *h = NULL;
    char auth[128];
    int rc;
    h = curl_slist_append(h, "Expect:");
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    rc = call(n, method, path, body, h, out);
    curl_slist_free_all(h);
    return rc;
}

int tf_peer_raw(const tf_node *n, const char *method, const char *path,
                const char *body, const fed_auth *a, th_resp *out)
{
    struct curl_slist *h = NULL;
    char line[200];
    int rc;
    h = curl_slist_append(h, "Expect:");
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    snprintf(line, sizeof(line), FED_H_AGENCY ": %s", a->agency);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), FED_H_TIMESTAMP ": %s", a->timestamp);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), FED_H_NONCE ": %s", a->nonce);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), FED_H_SIGNATURE ": %s", a->signature);
    h = curl_slist_append(h, line);
    rc = call(n, method, path, body, h, out);
    curl_slist_free_all(h);
    return rc;
}

/* ---------------------------------------------------------------- audit */

typedef struct find_ctx {
    const char *action, *needle;
    int found;
} find_ctx;

static int on_entry(void *ud, const store_audit_entry *e)
{
    find_ctx *c = ud;
    if (!strcmp(e->action, c->action) &&
        (!c->needle || (e->detail_json && strstr(e->detail_json,
                                                 c->needle))))
        c->found = 1;
    return c->found;
}

int tf_audit_has(const tf_node *n, const char *action, const char *needle,
                 int timeout_ms)
{
    uint64_t deadline = util_now_us() + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        find_ctx c = {action, needle, 0};
        store *s = NULL;
        if (store_open(n->db, &s, NULL) == LIAISON_OK) {
            store_audit_each(s, 0, on_entry, &c);
            store_close(s);
        }
        if (c.found)
            return 1;
        if (util_now_us() >= deadline)
            return 0;
        {
            /* Entries without a waiter land within a group commit. */
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}
