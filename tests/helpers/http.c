/*
** http.c: the test HTTP client and server fixture (http.h).
*/
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "formats/formats.h"
#include "http.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/util.h"

void th_resp_free(th_resp *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

const char *th_header(const th_resp *r, const char *name, char *buf,
                      size_t n)
{
    const char *p = r->headers;
    size_t nl = strlen(name);
    if (!p)
        return NULL;
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            size_t len;
            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            len = e ? (size_t)(e - v) : strlen(v);
            if (len >= n)
                len = n - 1;
            memcpy(buf, v, len);
            buf[len] = 0;
            return buf;
        }
    }
    return NULL;
}

int th_connect(unsigned port, th_conn *c)
{
    struct sockaddr_in a;
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a))) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

void th_close(th_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* A growable receive buffer. */
typedef struct rbuf {
    char *p;
    size_t len, cap, pos;
} rbuf;

static int fill(int fd, rbuf *b, int timeout_ms)
{
    struct pollfd pfd;
    ssize_t n;
    if (b->cap - b->len < 65536) {
        size_t nc = b->cap ? b->cap * 2 : 131072;
        char *q = realloc(b->p, nc);
        if (!q)
            return -1;
        b->p = q;
        b->cap = nc;
    }
    pfd.fd = fd;
    pfd.events = POLLIN;
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -1;
    n = recv(fd, b->p + b->len, b->cap - b->len - 1, 0);
    if (n <= 0)
        return -1;
    b->len += (size_t)n;
    b->p[b->len] = 0;
    return 0;
}

static int need(int fd, rbuf *b, size_t n, int timeout_ms)
{
    while (b->len - b->pos < n)
        if (fill(fd, b, timeout_ms))
            return -1;
    return 0;
}

/* The position of "\r\n" at or after b->pos, reading more as needed. */
static long find_crlf(int fd, rbuf *b, int timeout_ms)
{
    for (;;) {
        char *p = b->len > b->pos ? strstr(b->p + b->pos, "\r\n") : NULL;
        if (p)
            return p - b->p;
        if (fill(fd, b, timeout_ms))
            return -1;
    }
}

static int append(th_resp *r, const char *s, size_t n)
{
    char *q = realloc(r->body, r->body_len + n + 1);
    if (!q)
        return -1;
    memcpy(q + r->body_len, s, n);
    r->body = q;
    r->body_len += n;
    r->body[r->body_len] = 0;
    return 0;
}

static int read_response(int fd, th_resp *out, int timeout_ms, int head)
{
    rbuf b;
    char *hend, cl[32], te[32];
    size_t hlen;
    memset(&b, 0, sizeof(b));
    memset(out, 0, sizeof(*out));
    for (;;) {
        hend = b.len ? strstr(b.p, "\r\n\r\n") : NULL;
        if (hend)
            break;
        if (fill(fd, &b, timeout_ms)) {
            free(b.p);
            return -1;
        }
    }
    hlen = (size_t)(hend - b.p) + 2;
    out->headers = malloc(hlen + 1);
    memcpy(out->headers, b.p, hlen);
    out->headers[hlen] = 0;
    if (sscanf(b.p, "HTTP/1.%*d %d", &out->status) != 1)
        out->status = -1;
    b.pos = hlen + 2;
    append(out, "", 0);
    if (head || out->status == 204 || out->status == 304) {
        free(b.p);
        return 0;
    }
    if (th_header(out, "Transfer-Encoding", te, sizeof(te)) &&
        !strcasecmp(te, "chunked")) {
        for (;;) {
            long e = find_crlf(fd, &b, timeout_ms);
            unsigned long n;
            if (e < 0)
                break;
            n = strtoul(b.p + b.pos, NULL, 16);
            b.pos = (size_t)e + 2;
            if (n == 0) {
                find_crlf(fd, &b, timeout_ms);
                break;
            }
            if (need(fd, &b, n + 2, timeout_ms))
                break;
            append(out, b.p + b.pos, n);
            b.pos += n + 2;
        }
    } else if (th_header(out, "Content-Length", cl, sizeof(cl))) {
        size_t n = strtoul(cl, NULL, 10);
        if (need(fd, &b, n, timeout_ms) == 0)
            append(out, b.p + b.pos, n);
    } else {
        while (fill(fd, &b, timeout_ms) == 0)
            ;
        append(out, b.p + b.pos, b.len - b.pos);
    }
    free(b.p);
    return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int th_exchange(th_conn *c, const char *raw, size_t len, th_resp *out,
                int timeout_ms)
{
    memset(out, 0, sizeof(*out));
    if (c->fd < 0)
        return -1;
    /* A refused request may be answered before all of it is sent: read
    ** the answer even when sending fails half-way. */
    send_all(c->fd, raw, len);
    return read_response(c->fd, out, timeout_ms,
                         len >= 5 && !memcmp(raw, "HEAD ", 5));
}

int th_send(th_conn *c, const char *method, const char *path,
            const char *token, const char *ctype, const char *body,
            size_t len, th_resp *out)
{
    size_t cap = len + 1024 + strlen(path);
    char *req = malloc(cap);
    int n, rc;
    n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method,
                 path);
    if (token)
        n += snprintf(req + n, cap - (size_t)n,
                      "Authorization: Bearer %s\r\n", token);
    if (ctype)
        n += snprintf(req + n, cap - (size_t)n, "Content-Type: %s\r\n", ctype);
    if (body)
        n += snprintf(req + n, cap - (size_t)n, "Content-Length: %zu\r\n",
                      len);
    n += snprintf(req + n, cap - (size_t)n, "\r\n");
    if (body && len)
        memcpy(req + n, body, len);
    rc = th_exchange(c, req, (size_t)n + (body ? len : 0), out, 30000);
    free(req);
    return rc;
}

int th_http(unsigned port, const char *method, const char *path,
            const char *token, const char *ctype, const char *body,
            th_resp *out)
{
    th_conn c;
    int rc;
    memset(out, 0, sizeof(*out));
    if (th_connect(port, &c))
        return -1;
    rc = th_send(&c, method, path, token, ctype, body,
                 body ? strlen(body) : 0, out);
    th_close(&c);
    return rc;
}

int th_raw(unsigned port, const char *raw, size_t len, th_resp *out)
{
    th_conn c;
    int rc;
    memset(out, 0, sizeof(*out));
    if (th_connect(port, &c))
        return -1;
    rc = th_exchange(&c, raw, len, out, 10000);
    th_close(&c);
    return rc;
}

int th_wait_closed(th_conn *c, int timeout_ms)
{
    struct pollfd pfd;
    char buf[4096];
    pfd.fd = c->fd;
    pfd.events = POLLIN;
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        ssize_t n;
        if (r <= 0)
            return 0;
        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return 1;
    }
}

/* ---------------------------------------------------------------- fixture */

static const char default_records[] =
    "{\"id\":\"ma-1\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Youssef BENHADDOU\"},{\"full\":\"Yusuf Ben Haddou\","
    "\"type\":\"alias\"}],\"dob\":\"1966\",\"gender\":\"M\","
    "\"nationalities\":[\"MA\"],\"documents\":[{\"type\":\"passport\","
    "\"number\":\"AB1234567\",\"country\":\"MAR\",\"status\":\"stolen\"}],"
    "\"category\":\"terrorism\",\"sharing\":\"hit\"}\n"
    "{\"id\":\"ma-2\",\"list\":\"wanted\",\"kind\":\"person\",\"names\":"
    "[{\"full\":\"Abdellatif HAMMOUCHI\"}],\"dob\":\"1972-03-14\","
    "\"sharing\":\"details\"}\n"
    "{\"id\":\"tr-1\",\"list\":\"organised-crime\",\"kind\":\"person\","
    "\"owner\":\"TR-EGM\",\"names\":[{\"full\":\"Mehmet YILMAZ\"}],"
    "\"sharing\":\"hit\"}\n"
    "{\"id\":\"doc-1\",\"list\":\"stolen-documents\",\"kind\":\"document\","
    "\"documents\":[{\"type\":\"passport\",\"number\":\"ZX9988776\","
    "\"country\":\"TUR\",\"status\":\"stolen\"}],\"sharing\":\"hit\"}\n";

int th_add_user(const char *db, const char *name, const char *agency,
                const char *role, char *token)
{
    char hash[POLICY_TOKEN_HASH_MAX];
    store *s = NULL;
    int rc;
    if (policy_token_new(token) ||
        policy_token_hash(token, strlen(token), hash))
        return -1;
    if (store_open(db, &s, NULL))
        return -1;
    rc = store_user_add(s, name, agency, role, hash, NULL);
    store_close(s);
    return rc ? -1 : 0;
}

typedef struct imp {
    store *s;
} imp;

static int on_rec(void *ud, const fmt_record *r)
{
    imp *c = ud;
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
    return store_record_put(c->s, &sr, NULL);
}

int th_server_restart(th_server *f, const srv_config *cfg)
{
    srv_config c;
    struct liaison_err err;
    memset(&err, 0, sizeof(err));
    if (cfg)
        c = *cfg;
    else
        memset(&c, 0, sizeof(c));
    c.db = f->db;
    c.listen = "127.0.0.1:0";
    if (!c.threads)
        c.threads = 2;
    if (srv_start(&c, &f->s, &err)) {
        fprintf(stderr, "th_server_start: %s\n", err.msg);
        return -1;
    }
    f->port = srv_port(f->s);
    return 0;
}

int th_server_start(th_server *f, const char *jsonl, const srv_config *cfg)
{
    imp c;
    int rc;
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/liaison-srv-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/store.db", f->dir);
    if (store_create(f->db, "MA-DGSN", NULL) || store_open(f->db, &c.s, NULL))
        return -1;
    if (!jsonl)
        jsonl = default_records;
    rc = store_begin(c.s);
    if (!rc)
        rc = fmt_read_mem(FMT_JSONL, jsonl, strlen(jsonl), NULL, on_rec,
                          NULL, &c, NULL);
    if (!rc)
        rc = store_commit(c.s);
    store_close(c.s);
    if (rc)
        return -1;
    if (th_add_user(f->db, "olivia", "MA-DGSN", "officer", f->officer) ||
        th_add_user(f->db, "anas", "MA-DGSN", "analyst", f->analyst) ||
        th_add_user(f->db, "aude", "MA-DGSN", "auditor", f->auditor) ||
        th_add_user(f->db, "adam", "MA-DGSN", "admin", f->admin) ||
        th_add_user(f->db, "mona", "MA-DGSN", "monitor", f->monitor) ||
        th_add_user(f->db, "tarik", "TR-EGM", "analyst", f->analyst2))
        return -1;
    return th_server_restart(f, cfg);
}

static int rm_one(const char *path, const struct stat *sb, int flag,
                  struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void th_rmtree(const char *dir)
{
    if (dir && *dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void th_server_stop(th_server *f)
{
    if (f->s)
        srv_stop(f->s, 5000);
    f->s = NULL;
    th_rmtree(f->dir);
    f->dir[0] = 0;
}

int th_wait_index(th_server *f, long long seq, int timeout_ms)
{
    return srv_wait_index(f->s, seq, timeout_ms);
}

const char *th_liaison_path(void)
{
    static char path[4200];
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;
    if (n <= 0)
        return "liaison";
    exe[n] = 0;
    slash = strrchr(exe, '/');          /* .../B/tests/test_x */
    if (slash)
        *slash = 0;
    slash = strrchr(exe, '/');          /* .../B/tests */
    if (slash)
        *slash = 0;
    snprintf(path, sizeof(path), "%s/liaison", exe);
    return path;
}
