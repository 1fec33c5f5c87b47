/*
** fed.h: test helpers for federation: a node (its own mkdtemp folder,
** SQLite store, agency, key pair, TLS certificate made with openssl, two
** officers, an analyst and an auditor) started in-process on 127.0.0.1 port 0 with
** HTTPS, peers registered between nodes, HTTPS calls to the user API and
** hand-made signed calls to the peer API (to forge, replay or age them).
**
** Like http.h, helpers allocate with malloc, never util_malloc.
*/
#ifndef LIAISON_TEST_FED_H
#define LIAISON_TEST_FED_H

#include "federation/fed.h"
#include "http.h"

typedef struct tf_node {
    char dir[64];
    char db[128];
    char key[160];              /* the node's Ed25519 key file */
    char cert[160];             /* its TLS certificate (peers pin it) */
    char tlskey[160];
    char agency[32];
    char contact[64];
    srv *s;
    unsigned port;
    char officer[TH_TOKEN_MAX];
    char officer2[TH_TOKEN_MAX];
    char analyst[TH_TOKEN_MAX];
    char auditor[TH_TOKEN_MAX];
} tf_node;

/* Make a node for agency with the records in jsonl and start it; the
** partners' deadline is partner_timeout_ms (0: default), peers are
** re-read on every request.  0 on success. */
int tf_node_start(tf_node *n, const char *agency, const char *jsonl,
                  int partner_timeout_ms);
/* Start (again) a stopped node on its folder. */
int tf_node_restart(tf_node *n, int partner_timeout_ms);
/* Stop the server, keep the folder. */
void tf_node_stop(tf_node *n);
/* Stop and remove everything. */
void tf_node_free(tf_node *n);

/* Register `to` as a peer of `from` (its URL, public key, pinned cert). */
int tf_link(tf_node *from, const tf_node *to);
/* Register a peer by hand (any URL, key and CA). */
int tf_add_peer(tf_node *n, const char *agency, const char *url,
                const char *pk_b64, const char *ca);

/* A user API call over HTTPS, trusting the node's certificate. */
int tf_https(const tf_node *n, const char *method, const char *path,
             const char *token, const char *body, th_resp *out);

/* A peer API call with the given signature headers (made by the test
** with fed_sign_request, or forged). */
int tf_peer_raw(const tf_node *n, const char *method, const char *path,
                const char *body, const fed_auth *a, th_resp *out);

/* Load a node's identity from its key file (fed_identity_free it). */
fed_identity *tf_identity(const tf_node *n);

/* Whether the node's audit trail has an entry with action whose detail
** contains needle (NULL: any), waiting up to timeout_ms for entries
** appended without a waiter (refusals). */
int tf_audit_has(const tf_node *n, const char *action, const char *needle,
                 int timeout_ms);

#endif /* LIAISON_TEST_FED_H */
