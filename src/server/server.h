/*
** server.h: the HTTP API server (`liaison serve`, DESIGN section 4).
**
** One call starts everything: the store is opened, the screening engine
** is built from it, the listening socket is bound and libmicrohttpd's
** worker threads, the audit writer, the store lane and the index
** refresher are started.  srv_stop() shuts down gracefully (no new
** requests, in-flight ones finish, the audit queue drains, the store is
** closed).  The server prints nothing; the CLI reports what it needs.
*/
#ifndef LIAISON_SERVER_H
#define LIAISON_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "liaison.h"
#include "policy/policy.h"

/* Defaults for srv_config fields left 0. */
#define SRV_DEFAULT_MAX_BODY ((size_t)1 << 20)           /* 1 MiB */
#define SRV_DEFAULT_MAX_BATCH_BODY ((size_t)64 << 20)    /* 64 MiB */
#define SRV_DEFAULT_MAX_CONNECTIONS 1024
#define SRV_DEFAULT_TIMEOUT_S 30
#define SRV_DEFAULT_JSON_DEPTH 32
#define SRV_DEFAULT_JSON_STRING ((size_t)64 << 10)       /* 64 KiB */
#define SRV_DEFAULT_AUTH_CACHE_MS 1000
#define SRV_MAX_THREADS 64
#define SRV_DEFAULT_PARTNER_TIMEOUT_MS 2000

typedef struct srv_config {
    const char *db;             /* store path or PostgreSQL conninfo */
    const char *listen;         /* "127.0.0.1:8080", "[::1]:0"; port 0 = any */
    const char *tls_cert;       /* PEM files; both or neither */
    const char *tls_key;
    int threads;                /* HTTP worker threads; 0 = online cores */
    size_t max_body;            /* single requests (413 beyond) */
    size_t max_batch_body;      /* /v1/screen/batch and POST /v1/records */
    unsigned max_connections;
    unsigned timeout_s;         /* idle time before a connection is closed */
    int json_max_depth;         /* nesting of arrays and objects */
    size_t json_max_string;     /* bytes in one JSON string */
    int auth_cache_ms;          /* how long a token check is trusted; -1 = 0 */
    int sync_full;              /* audit commits: 1 fsync each, 0 (default):
                                   group commits fsynced every 100 ms */
    const policy_purposes *purposes; /* NULL: policy_purposes_default() */
    const char *today;          /* "YYYY-MM-DD" for expiry; NULL: the UTC date */
    /* Federation (DESIGN section 6); off when fed_key is NULL. */
    const char *fed_key;        /* this node's key file (liaison init) */
    const char *fed_contact;    /* contact point partners see with a hit */
    int partner_timeout_ms;     /* deadline of a partner screening; 0: 2000 */
} srv_config;

typedef struct srv srv;

/* Start a server.  On failure *out is NULL, nothing is left running and err
** says why (cannot bind, no store, bad TLS files, ...). */
int srv_start(const srv_config *cfg, srv **out /* OUT */,
              struct liaison_err *err);

/* The bound address, "127.0.0.1:43123" (borrowed). */
const char *srv_address(const srv *s);
/* The bound port. */
unsigned srv_port(const srv *s);
/* Whether TLS is on. */
int srv_tls(const srv *s);

/* The store change sequence the current index reflects. */
int64_t srv_index_seq(srv *s);
/* Wait until the index reflects change seq: LIAISON_OK, or
** LIAISON_ETIMEOUT after timeout_ms. */
int srv_wait_index(srv *s, int64_t seq, int timeout_ms);

/* Stop gracefully: refuse new requests (503), let in-flight ones finish
** (at most grace_ms, then wait only for those whose results are being
** audited), drain the audit queue, stop every thread, close the store,
** free everything.  NULL is a no-op. */
void srv_stop(srv *s, int grace_ms);

#endif /* LIAISON_SERVER_H */
