/*
** http.h: test helpers for the HTTP server: a tiny blocking HTTP/1.1
** client over sockets (enough to send well-formed and deliberately
** malformed requests and read the answers, chunked included) and a server
** fixture that makes a store in a mkdtemp folder, adds one account per
** role and starts the server in-process on 127.0.0.1 port 0.
**
** Helpers allocate with malloc (not util_malloc), so they never show up
** in a test's "unfreed memory" count.
*/
#ifndef LIAISON_TEST_HTTP_H
#define LIAISON_TEST_HTTP_H

#include <stddef.h>

#include "server/server.h"

/* A response.  body is NUL-terminated; headers is the raw header block. */
typedef struct th_resp {
    int status;                 /* 0: no response (connection closed) */
    char *headers;
    char *body;
    size_t body_len;
} th_resp;

void th_resp_free(th_resp *r);
/* The value of header name (case-insensitive) copied into buf, or NULL. */
const char *th_header(const th_resp *r, const char *name, char *buf,
                      size_t n);

/* A connection (keep-alive). */
typedef struct th_conn {
    int fd;
} th_conn;

int th_connect(unsigned port, th_conn *c);
void th_close(th_conn *c);
/* Send raw bytes and read one response (timeout_ms for each read). */
int th_exchange(th_conn *c, const char *raw, size_t len, th_resp *out,
                int timeout_ms);
/* Build and send a request; token and ctype may be NULL. */
int th_send(th_conn *c, const char *method, const char *path,
            const char *token, const char *ctype, const char *body,
            size_t len, th_resp *out);

/* One request on a fresh connection. */
int th_http(unsigned port, const char *method, const char *path,
            const char *token, const char *ctype, const char *body,
            th_resp *out);
/* Raw bytes on a fresh connection, one response. */
int th_raw(unsigned port, const char *raw, size_t len, th_resp *out);
/* Whether the server closed the connection within timeout_ms. */
int th_wait_closed(th_conn *c, int timeout_ms);

/* ---------------------------------------------------------------- fixture */

#define TH_TOKEN_MAX 64

typedef struct th_server {
    char dir[64];
    char db[128];
    srv *s;
    unsigned port;
    char officer[TH_TOKEN_MAX];
    char analyst[TH_TOKEN_MAX];
    char auditor[TH_TOKEN_MAX];
    char admin[TH_TOKEN_MAX];
    char monitor[TH_TOKEN_MAX];
    char analyst2[TH_TOKEN_MAX];    /* an analyst of agency TR-EGM */
} th_server;

/* Make a store for agency MA-DGSN with the records in jsonl (NULL: a few
** built-in ones), the six accounts, and start a server with cfg (NULL:
** defaults; db and listen are set here).  0 on success. */
int th_server_start(th_server *f, const char *jsonl, const srv_config *cfg);
/* Start (again) a server on the fixture's store. */
int th_server_restart(th_server *f, const srv_config *cfg);
/* Stop the server (if running) and remove the folder. */
void th_server_stop(th_server *f);
/* Add an account directly in the store; token out (TH_TOKEN_MAX). */
int th_add_user(const char *db, const char *name, const char *agency,
                const char *role, char *token);
/* Wait until the server's index reflects change seq (or timeout). */
int th_wait_index(th_server *f, long long seq, int timeout_ms);
/* Remove a folder tree. */
void th_rmtree(const char *dir);
/* The path of the liaison program next to the test binaries. */
const char *th_liaison_path(void);

#endif /* LIAISON_TEST_HTTP_H */
