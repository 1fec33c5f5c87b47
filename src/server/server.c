/*
** server.c: the HTTP server's life and every request's path through it.
**
** NOTES ON REQUESTS
**
**  1. libmicrohttpd runs a pool of epoll event loops, one thread per core
**     (MHD_USE_EPOLL_INTERNAL_THREAD + MHD_OPTION_THREAD_POOL_SIZE).  On a
**     small machine this beats a thread per connection: no context switch
**     per request, one searcher per thread, keep-alive connections cost a
**     few hundred bytes.  Handlers must therefore never block; whatever
**     may (store writes, audit commits) is handed to another thread and
**     the connection is suspended until it is done (NOTES in auditq.c and
**     lane.c).
**  2. A request goes: headers (route, authentication, role, parameters,
**     Content-Length and Content-Type checks; refusals are answered at
**     once, before any body is read) -> body (appended to a buffer capped
**     at the route's limit) -> handler -> possibly suspended -> response.
**     The order of checks is fixed: 404/405, 503 when stopping, 401, 403,
**     400 for parameters, 413, 415.  An unauthenticated caller learns
**     nothing but that a token is needed.
**  3. Everything a request allocates hangs off its arena and its two
**     buffers, freed (or kept for the thread's next request) when
**     libmicrohttpd reports the request complete.  Responses point into
**     the request's buffer (no copy); the buffer outlives the response.
**  4. Suspension: the worker suspends the connection BEFORE handing the
**     work over, so the resume can never come first; the thread finishing
**     the work writes the results into the request and then resumes it,
**     and libmicrohttpd's own mutex orders those writes before the
**     worker's reads.
**  5. Shutdown: stop accepting; requests that arrive on open connections
**     get 503 and "Connection: close"; wait for in-flight requests (a
**     grace period, then only for suspended ones, which always complete)
**     and, for a moment (FRESH_WAIT_MS), for connections accepted before
**     the stop whose first request has not begun (its bytes may be on the
**     way through libmicrohttpd: it gets an answer, not a reset);
**     stop libmicrohttpd (never with a suspended connection: that is an
**     API violation); drain the lane and the audit queue; stop the
**     refresher; close every store handle.
*/
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "server/srv_int.h"

#define REQ_FREE_MAX 64
#define REQ_KEEP_BYTES ((size_t)256 << 10)
#define FRESH_WAIT_MS 1000      /* shutdown waits this long at most for
                                   connections without a request yet */

static _Thread_local srv_tctx *tl_ctx;

srv_tctx *srv_tctx_get(srv *s)
{
    srv_tctx *t = tl_ctx;
    if (t && t->s == s)
        return t;
    t = util_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->s = s;
    t->index = atomic_fetch_add(&s->next_worker, 1);
    pthread_mutex_lock(&s->tlock);
    t->next = s->tctxs;
    s->tctxs = t;
    pthread_mutex_unlock(&s->tlock);
    tl_ctx = t;
    return t;
}

/* ---------------------------------------------------------------- requests */

static void req_destroy(srv_req *r)
{
    util_arena_fini(&r->arena);
    util_buf_fini(&r->body);
    util_buf_fini(&r->out);
    util_free(r);
}

static srv_req *req_new(srv *s, srv_tctx *t, struct MHD_Connection *c)
{
    srv_req *r = NULL;
    if (t && t->free_reqs) {
        r = t->free_reqs;
        t->free_reqs = r->next_free;
        t->n_free--;
    } else {
        r = util_calloc(1, sizeof(*r));
        if (!r)
            return NULL;
        util_arena_init(&r->arena, 4096);
        util_buf_init(&r->body, 0);
        util_buf_init(&r->out, 0);
    }
    r->s = s;
    r->t = t;
    r->conn = c;
    r->t0 = util_now_us();
    r->id = atomic_fetch_add(&s->next_rid, 1) + 1;
    snprintf(r->rid, sizeof(r->rid), "%s-%llx", s->boot,
             (unsigned long long)r->id);
    r->out.max = (size_t)256 << 20;
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

/* Back to the thread's free list (only from the thread that owns it). */
static void req_free(srv_req *r)
{
    srv_tctx *t = r->t;
    if (!t || t != tl_ctx || t->n_free >= REQ_FREE_MAX) {
        req_destroy(r);
        return;
    }
    if (r->arena.total > REQ_KEEP_BYTES)
        util_arena_fini(&r->arena);
    else
        util_arena_reset(&r->arena);
    if (r->body.cap > REQ_KEEP_BYTES)
        util_buf_fini(&r->body);
    if (r->out.cap > REQ_KEEP_BYTES)
        util_buf_fini(&r->out);
    util_buf_reset(&r->body);
    util_buf_reset(&r->out);
    {
        util_arena a = r->arena;
        util_buf b = r->body, o = r->out;
        memset(r, 0, sizeof(*r));
        r->arena = a;
        r->body = b;
        r->out = o;
    }
    r->next_free = t->free_reqs;
    t->free_reqs = r;
    t->n_free++;
}

const char *srv_req_param(srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int srv_req_flag(srv_req *r, const char *name, int *out)
{
    const char *v = NULL;
    *out = 0;
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name,
                                      strlen(name), &v, NULL) != MHD_YES)
        return LIAISON_OK;
    if (!v || !*v || !strcmp(v, "true") || !strcmp(v, "1")) {
        *out = 1;
        return LIAISON_OK;
    }
    return !strcmp(v, "false") || !strcmp(v, "0") ? LIAISON_OK
                                                  : LIAISON_EINVAL;
}

const char *srv_req_path_param(srv_req *r, int i)
{
    if (i < 0 || i >= r->m.n_params)
        return NULL;
    return util_arena_strndup(&r->arena, r->m.params[i].s,
                              r->m.params[i].len);
}

enum srv_outcome srv_req_error(srv_req *r, const srv_error *e)
{
    util_buf_reset(&r->out);
    r->status = e->status;
    r->out_type = "application/json";
    if (srv_json_error(&r->out, e)) {
        util_buf_reset(&r->out);
        r->status = 500;
    }
    if (e->status >= 400 && e->status < 500 && e->status != 401 &&
        e->status != 403)
        atomic_fetch_add_explicit(&r->s->m.bad_requests, 1,
                                  memory_order_relaxed);
    return SRV_RESPOND;
}

enum srv_outcome srv_req_fail(srv_req *r, int status, const char *code,
                              const char *fmt, ...)
{
    srv_error e;
    va_list ap;
    e.status = status;
    e.code = code;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    srv_utf8_trim(e.msg);
    return srv_req_error(r, &e);
}

enum srv_outcome srv_req_store_error(srv_req *r, store *st, int rc)
{
    switch (rc) {
    case LIAISON_ENOTFOUND:
        return srv_req_fail(r, 404, "not_found", "%s", store_last_error(st));
    case LIAISON_EEXIST:
        return srv_req_fail(r, 409, "conflict", "%s", store_last_error(st));
    case LIAISON_EINVAL:
        return srv_req_fail(r, 400, "bad_value", "%s", store_last_error(st));
    case LIAISON_EBUSY:
        return srv_req_fail(r, 503, "busy", "the store is busy; try again");
    case LIAISON_ENOMEM:
        return srv_req_fail(r, 500, "internal", "out of memory");
    default:
        /* Store messages can name paths and SQL; keep them out. */
        return srv_req_fail(r, 500, "store_error", "the store failed (%s)",
                            liaison_strerror(rc));
    }
}

int srv_req_suspend(srv_req *r)
{
    srv *s = r->s;
    pthread_mutex_lock(&s->slock);
    if (s->no_suspend) {
        pthread_mutex_unlock(&s->slock);
        return -1;
    }
    atomic_fetch_add(&s->suspended, 1);
    MHD_suspend_connection(r->conn);
    pthread_mutex_unlock(&s->slock);
    return 0;
}

void srv_req_resume(srv_req *r)
{
    srv *s = r->s;
    struct MHD_Connection *c = r->conn;
    /* After the resume the worker may finish and free r: read first. */
    MHD_resume_connection(c);
    atomic_fetch_sub(&s->suspended, 1);
}

void srv_req_audit_entry(srv_req *r, store_audit_entry *e,
                         const char *action, const char *purpose,
                         const char *detail_json)
{
    memset(e, 0, sizeof(*e));
    e->actor = r->user.name ? r->user.name : "unauthenticated";
    e->agency = r->user.agency && *r->user.agency ? r->user.agency : NULL;
    e->action = action;
    e->purpose = purpose;
    e->detail_json = detail_json;
}

/* ---------------------------------------------------------------- responses */

static void add_allow(srv_req *r, struct MHD_Response *resp)
{
    char allow[64] = "";
    size_t k, n = 0;
    for (k = 0; k < srv_n_routes; k++) {
        srv_match m;
        if (srv_route_find(srv_routes[k].method, r->path, strlen(r->path),
                           &m) == LIAISON_OK && m.route == &srv_routes[k] &&
            !strstr(allow, srv_routes[k].method)) {
            n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s",
                                  n ? ", " : "", srv_routes[k].method);
            if (n >= sizeof(allow))
                break;
        }
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
}

static enum MHD_Result send_response(srv_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    if (r->on_ready) {
        void (*fn)(srv_req *) = r->on_ready;
        r->on_ready = NULL;
        fn(r);
    }
    if (!r->status)
        r->status = 500;
    resp = MHD_create_response_from_buffer(r->out.len,
                                           r->out.len ? r->out.p : (void *)"",
                                           MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->out_type ? r->out_type : "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    if (r->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"liaison\"");
    if (r->status == 405)
        add_allow(r, resp);
    if (r->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (r->add_headers)
        r->add_headers(r, resp);
    r->state = RQ_SENT;
    ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---------------------------------------------------------------- checks */

/* An audit entry for a refused request (no one waits for it). */
static void audit_refusal(srv_req *r, const char *action, const char *why)
{
    store_audit_entry e;
    util_buf d;
    const char *ip = NULL;
    char host[64] = "";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr &&
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in),
                    host, sizeof(host), NULL, 0, NI_NUMERICHOST) == 0)
        ip = host;
    util_buf_init(&d, 4096);
    util_buf_addc(&d, '{');
    srv_json_kv_str(&d, "reason", why, 0);
    srv_json_kv_str(&d, "method", r->method, 1);
    util_buf_adds(&d, ",\"path\":");
    srv_json_add_str(&d, r->path, UTIL_MIN(strlen(r->path), 256));
    srv_json_kv_str(&d, "remote", ip, 1);
    srv_json_kv_str(&d, "request", r->rid, 1);
    if (util_buf_addc(&d, '}') == LIAISON_OK) {
        srv_req_audit_entry(r, &e, action, NULL, util_buf_str(&d));
        srv_auditq_post(r->s, &e);
    }
    util_buf_fini(&d);
}

typedef struct param_check {
    const char *allowed;
    const char *bad;
    int dup;
    char seen[8][32];
    int n_seen;
} param_check;

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *value)
{
    param_check *p = cls;
    const char *a = p->allowed;
    size_t n = strlen(key);
    int i, ok = 0;
    (void)kind;
    (void)value;
    while (*a && !ok) {
        const char *e = strchr(a, ' ');
        size_t len = e ? (size_t)(e - a) : strlen(a);
        ok = len == n && !memcmp(a, key, n);
        a += len + (e ? 1 : 0);
    }
    if (!ok) {
        p->bad = key;
        return MHD_NO;
    }
    for (i = 0; i < p->n_seen; i++)
        if (!strcmp(p->seen[i], key)) {
            p->bad = key;
            p->dup = 1;
            return MHD_NO;
        }
    if (p->n_seen < 8)
        util_strlcpy(p->seen[p->n_seen++], key, sizeof(p->seen[0]));
    return MHD_YES;
}

static int media_ok(const char *ct, int big)
{
    static const char *const json[] = {"application/json"};
    static const char *const lines[] = {
        "application/json", "application/x-ndjson", "application/jsonl",
        "application/x-jsonlines", "application/jsonlines", "text/plain",
        "application/edifact"};
    const char *const *set = big ? lines : json;
    size_t n = big ? UTIL_ARRAY_LEN(lines) : UTIL_ARRAY_LEN(json), i, len;
    if (!ct)
        return 1;
    len = strcspn(ct, ";");
    while (len && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    for (i = 0; i < n; i++)
        if (strlen(set[i]) == len && !strncasecmp(ct, set[i], len))
            return 1;
    return 0;
}

/* Everything decided from the headers (note 2).  Returns MHD_YES to read
** the body, or the result of sending a refusal. */
static enum MHD_Result begin(srv_req *r)
{
    srv *s = r->s;
    const srv_route *rt;
    const char *cl, *why = NULL;
    param_check pc;
    int rc;

    if (srv_route_find(r->method, r->path, strlen(r->path), &r->m)) {
        if (r->m.method_mismatch)
            srv_req_fail(r, 405, "method_not_allowed",
                         "%s is not allowed here", r->method);
        else
            srv_req_fail(r, 404, "not_found", "no such route");
        return send_response(r);
    }
    rt = r->m.route;
    if (atomic_load(&s->stopping)) {
        r->close = 1;
        srv_req_fail(r, 503, "shutting_down", "the server is stopping");
        return send_response(r);
    }
    if (rt->flags & SRV_PEER) {
        /* A partner node: its signature, not a token (fed.c). */
        if (srv_peer_begin(r))
            return send_response(r);
    } else if (!(rt->flags & SRV_PUBLIC)) {
        rc = r->t ? srv_auth(r, &why) : LIAISON_ENOMEM;
        if (rc == LIAISON_EAUTH) {
            atomic_fetch_add_explicit(&s->m.auth_failures, 1,
                                      memory_order_relaxed);
            audit_refusal(r, "auth.fail", why);
            srv_req_fail(r, 401, "unauthenticated",
                         "a valid bearer token is required");
            return send_response(r);
        }
        if (rc) {
            srv_req_fail(r, 503, "unavailable",
                         "cannot check credentials now (%s)",
                         liaison_strerror(rc));
            return send_response(r);
        }
        if (!policy_role_allows(r->user.role, rt->perm)) {
            atomic_fetch_add_explicit(&s->m.denied, 1, memory_order_relaxed);
            audit_refusal(r, "access.denied", policy_perm_name(rt->perm));
            srv_req_fail(r, 403, "forbidden", "the %s role may not %s",
                         policy_role_name(r->user.role),
                         policy_perm_name(rt->perm));
            return send_response(r);
        }
    }
    memset(&pc, 0, sizeof(pc));
    pc.allowed = rt->params;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, on_param, &pc);
    if (pc.bad) {
        srv_req_fail(r, 400, "unknown_parameter",
                     pc.dup ? "query parameter \"%.40s\" given twice"
                            : "unknown query parameter \"%.40s\"", pc.bad);
        return send_response(r);
    }
    r->body_max = rt->flags & SRV_BODY_BIG ? s->cfg.max_batch_body
                  : rt->flags & SRV_BODY   ? s->cfg.max_body
                                           : 0;
    r->body.max = r->body_max;
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        long n = 0;
        if (util_parse_long(cl, 0, 1L << 62, &n) || (size_t)n > r->body_max) {
            if (r->body_max == 0 && n > 0)
                srv_req_fail(r, 400, "unexpected_body",
                             "%s %s takes no body", rt->method, rt->path);
            else
                srv_req_fail(r, 413, "body_too_large",
                             "the body is larger than %zu bytes",
                             r->body_max);
            r->close = 1;
            return send_response(r);
        }
    }
    r->content_type = MHD_lookup_connection_value(
        r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (r->body_max && !media_ok(r->content_type, rt->flags & SRV_BODY_BIG)) {
        srv_req_fail(r, 415, "unsupported_media_type",
                     "Content-Type %.60s is not accepted here",
                     r->content_type);
        r->close = 1;
        return send_response(r);
    }
    r->state = RQ_BODY;
    return MHD_YES;
}

static enum MHD_Result dispatch(srv_req *r)
{
    enum srv_outcome rc;
    srv_auditq_enter(r->s);
    rc = r->m.route->handler(r);
    srv_auditq_leave(r->s);
    switch (rc) {
    case SRV_RESPOND:
        return send_response(r);
    case SRV_WAIT:
        if (r->state != RQ_SENT)
            r->state = RQ_READY;
        return MHD_YES;
    case SRV_QUEUED:
        r->state = RQ_SENT;
        return MHD_YES;
    default:
        return MHD_NO;
    }
}

/* Per connection: whether a request has begun on it (touched only by the
** worker thread that serves the connection). */
typedef struct srv_conn {
    int began;
} srv_conn;

/* Connections are accepted until the server stops. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
                                 socklen_t len)
{
    srv *s = cls;
    (void)addr;
    (void)len;
    return atomic_load(&s->stopping) ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    srv *s = cls;
    srv_conn *sc = *socket_context;
    (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        sc = util_calloc(1, sizeof(*sc));
        *socket_context = sc;
        if (sc)
            atomic_fetch_add(&s->fresh, 1);
        return;
    }
    if (sc && !sc->began)
        atomic_fetch_sub(&s->fresh, 1);
    util_free(sc);
    *socket_context = NULL;
}

static void conn_began(srv *s, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    srv_conn *sc = ci ? ci->socket_context : NULL;
    if (sc && !sc->began) {
        sc->began = 1;
        atomic_fetch_sub(&s->fresh, 1);
    }
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **ptr)
{
    srv *s = cls;
    srv_req *r = *ptr;
    (void)version;
    if (!r) {
        r = req_new(s, srv_tctx_get(s), c);
        conn_began(s, c);
        if (!r)
            return MHD_NO;
        *ptr = r;
        r->method = method;
        r->path = url;
        return begin(r);
    }
    switch (r->state) {
    case RQ_BODY:
        if (*upload_size) {
            size_t n = *upload_size;
            *upload_size = 0;
            if (r->body.len + n > r->body_max)
                return MHD_NO;  /* chunked past the cap: drop it */
            return util_buf_add(&r->body, upload, n) ? MHD_NO : MHD_YES;
        }
        return dispatch(r);
    case RQ_READY:
        return send_response(r);
    default:
        return MHD_YES;
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ptr,
                         enum MHD_RequestTerminationCode toe)
{
    srv *s = cls;
    srv_req *r = *ptr;
    (void)c;
    if (!r)
        return;
    *ptr = NULL;
    srv_metrics_request(&s->m, r->m.index,
                        toe == MHD_REQUEST_TERMINATED_COMPLETED_OK
                            ? r->status : (r->status ? r->status : 400),
                        util_now_us() - r->t0);
    if (r->secret && r->out.p)
        sodium_memzero(r->out.p, r->out.cap);
    srv_batch_free(r);
    if (r->eng) {
        srv_engine_release(r->eng);
        r->eng = NULL;
    }
    atomic_fetch_sub(&s->inflight, 1);
    req_free(r);
}

/* ---------------------------------------------------------------- starting */

/* Bind and listen on "host:port" or "[v6]:port"; fill addr and port. */
static int bind_listen(srv *s, const char *spec, struct liaison_err *err)
{
    char host[256], port[16], hbuf[64], pbuf[16];
    const char *colon;
    struct addrinfo hints, *res = NULL, *ai;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = -1, one = 1, rc;
    size_t hl;
    if (!spec || !*spec)
        spec = "127.0.0.1:8080";
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':')
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "--listen: expected [ADDRESS]:PORT, got '%s'",
                            spec);
        hl = (size_t)(end - spec - 1);
        colon = end + 1;
        if (hl >= sizeof(host))
            return util_err(err, LIAISON_EINVAL, 0, 0, "--listen: address "
                            "too long");
        memcpy(host, spec + 1, hl);
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "--listen: expected ADDRESS:PORT, got '%s'", spec);
        hl = (size_t)(colon - spec);
        if (hl >= sizeof(host))
            return util_err(err, LIAISON_EINVAL, 0, 0, "--listen: address "
                            "too long");
        memcpy(host, spec, hl);
    }
    host[hl] = '\0';
    {
        long p;
        if (util_parse_long(colon + 1, 0, 65535, &p))
            return util_err(err, LIAISON_EINVAL, 0, 0,
                            "--listen: bad port '%s'", colon + 1);
        snprintf(port, sizeof(port), "%ld", p);
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(hl ? host : NULL, port, &hints, &res);
    if (rc)
        return util_err(err, LIAISON_ENET, 0, 0, "--listen %s: %s", spec,
                        gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 1024) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return util_err(err, LIAISON_ENET, 0, 0, "cannot listen on %s: %s",
                        spec, strerror(errno));
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
        getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof(hbuf), pbuf,
                    sizeof(pbuf), NI_NUMERICHOST | NI_NUMERICSERV)) {
        close(fd);
        return util_err(err, LIAISON_ENET, 0, 0, "cannot read the bound "
                        "address");
    }
    snprintf(s->addr, sizeof(s->addr), ss.ss_family == AF_INET6 ? "[%s]:%s"
                                                                : "%s:%s",
             hbuf, pbuf);
    s->port = (unsigned)strtoul(pbuf, NULL, 10);
    s->listen_fd = fd;
    return LIAISON_OK;
}

static int load_tls(srv *s, struct liaison_err *err)
{
    size_t n;
    int rc;
    if (!s->cfg.tls_cert && !s->cfg.tls_key)
        return LIAISON_OK;
    if (!s->cfg.tls_cert || !s->cfg.tls_key)
        return util_err(err, LIAISON_EINVAL, 0, 0,
                        "--tls-cert and --tls-key go together");
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return util_err(err, LIAISON_EINVAL, 0, 0,
                        "this libmicrohttpd was built without TLS");
    rc = util_read_file(s->cfg.tls_cert, 1 << 20, &s->tls_cert_pem, &n, err);
    if (!rc)
        rc = util_read_file(s->cfg.tls_key, 1 << 20, &s->tls_key_pem,
                            &s->tls_key_len, err);
    return rc;
}

static void *json_alloc(size_t n)
{
    return util_malloc(n);
}

static void teardown(srv *s)
{
    srv_tctx *t, *tn;
    if (s->mhd) {
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;
        s->listen_fd = -1;      /* libmicrohttpd closed it */
    }
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    s->listen_fd = -1;
    srv_fed_stop(s);
    srv_lane_stop(&s->lane);
    if (s->aq.started || s->aq.st)
        srv_auditq_stop(s);
    if (s->eng.cur || s->eng.st)
        srv_engines_stop(s);
    for (t = s->tctxs; t; t = tn) {
        srv_req *r, *rn;
        tn = t->next;
        for (r = t->free_reqs; r; r = rn) {
            rn = r->next_free;
            req_destroy(r);
        }
        store_close(t->st);
        sodium_memzero(t->auth, sizeof(t->auth));
        util_free(t);
    }
    s->tctxs = NULL;
    srv_metrics_fini(&s->m);
    if (s->tls_key_pem)
        sodium_memzero(s->tls_key_pem, s->tls_key_len);
    util_free(s->tls_key_pem);
    util_free(s->tls_cert_pem);
    util_free(s->node_agency);
    util_free(s->db);
    pthread_mutex_destroy(&s->tlock);
    pthread_mutex_destroy(&s->slock);
    util_free(s);
}

int srv_start(const srv_config *cfg, srv **out, struct liaison_err *err)
{
    srv *s;
    long ncpu;
    unsigned char boot[4];
    unsigned flags;
    int rc;

    *out = NULL;
    if (!cfg || !cfg->db)
        return util_err(err, LIAISON_EINVAL, 0, 0, "no store given");
    if (sodium_init() < 0)
        return util_err(err, LIAISON_ECRYPTO, 0, 0, "libsodium failed");
    json_set_alloc_funcs(json_alloc, util_free);
    s = util_calloc(1, sizeof(*s));
    if (!s)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    s->listen_fd = -1;
    pthread_mutex_init(&s->tlock, NULL);
    pthread_mutex_init(&s->slock, NULL);
    s->cfg = *cfg;
    s->db = util_strdup(cfg->db);
    s->cfg.db = s->db;
    s->cfg.listen = NULL;       /* not kept */
    if (!s->cfg.max_body)
        s->cfg.max_body = SRV_DEFAULT_MAX_BODY;
    if (!s->cfg.max_batch_body)
        s->cfg.max_batch_body = SRV_DEFAULT_MAX_BATCH_BODY;
    if (!s->cfg.max_connections)
        s->cfg.max_connections = SRV_DEFAULT_MAX_CONNECTIONS;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = SRV_DEFAULT_TIMEOUT_S;
    if (s->cfg.auth_cache_ms == 0)
        s->cfg.auth_cache_ms = SRV_DEFAULT_AUTH_CACHE_MS;
    else if (s->cfg.auth_cache_ms < 0)
        s->cfg.auth_cache_ms = 0;
    s->lim.max_depth = cfg->json_max_depth > 0 ? cfg->json_max_depth
                                                : SRV_DEFAULT_JSON_DEPTH;
    s->lim.max_string = cfg->json_max_string ? cfg->json_max_string
                                             : SRV_DEFAULT_JSON_STRING;
    if (cfg->purposes)
        s->purposes = *cfg->purposes;
    else
        policy_purposes_default(&s->purposes);
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    s->threads = cfg->threads > 0 ? cfg->threads : ncpu > 0 ? (int)ncpu : 1;
    if (s->threads > SRV_MAX_THREADS)
        s->threads = SRV_MAX_THREADS;
    randombytes_buf(boot, sizeof(boot));
    sodium_bin2hex(s->boot, sizeof(s->boot), boot, sizeof(boot));
    if (!s->db) {
        rc = util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        goto fail;
    }
    if ((rc = srv_metrics_init(&s->m, srv_n_routes))) {
        util_err(err, rc, 0, 0, "out of memory");
        goto fail;
    }
    if ((rc = srv_engines_start(s, err)))
        goto fail;
    if (store_agency(s->eng.st) &&
        !(s->node_agency = util_strdup(store_agency(s->eng.st)))) {
        rc = util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        goto fail;
    }
    if ((rc = srv_auditq_start(s, err)) || (rc = srv_lane_start(&s->lane, s->db, "store lane", err)) ||
        (rc = srv_fed_start(s, err)) || (rc = load_tls(s, err)) ||
        (rc = bind_listen(s, cfg->listen, err)))
        goto fail;
    flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_TURBO;
    if (s->tls_cert_pem)
        flags |= MHD_USE_TLS;
    {
        struct MHD_OptionItem o[16];
        int n = 0;
#define OPT(opt, v, p) o[n].option = (opt), o[n].value = (intptr_t)(v), \
                       o[n].ptr_value = (p), n++
        OPT(MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL);
        OPT(MHD_OPTION_THREAD_POOL_SIZE, s->threads, NULL);
        OPT(MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections, NULL);
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s, NULL);
        OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL);
        OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, s);
        OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, s);
        OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
        if (s->tls_cert_pem) {
            OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert_pem);
            OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem);
            OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
                (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
        }
        OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
        s->mhd = MHD_start_daemon(flags, 0, on_accept, s, on_access, s,
                                  MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    }
    if (!s->mhd) {
        rc = util_err(err, LIAISON_ENET, 0, 0, "cannot start the HTTP "
                      "server on %s%s", s->addr,
                      s->tls_cert_pem ? " (check the TLS certificate and "
                                        "key)" : "");
        goto fail;
    }
    *out = s;
    return LIAISON_OK;
fail:
    teardown(s);
    return rc;
}

const char *srv_address(const srv *s)
{
    return s->addr;
}

unsigned srv_port(const srv *s)
{
    return s->port;
}

int srv_tls(const srv *s)
{
    return s->tls_cert_pem != NULL;
}

static void nap(void)
{
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

void srv_stop(srv *s, int grace_ms)
{
    uint64_t deadline, fresh_deadline;
    if (!s)
        return;
    /* New connections are refused from now on (on_accept).  Not with
    ** MHD_quiesce_daemon: with a thread pool it races the workers' own
    ** handling of the listening socket in their epoll sets and can abort
    ** the process ("Failed to remove listen FD from epoll set", seen in
    ** CI under load). */
    atomic_store(&s->stopping, 1);
    deadline = util_now_us() + (uint64_t)(grace_ms > 0 ? grace_ms : 0) * 1000;
    fresh_deadline = util_now_us() + FRESH_WAIT_MS * 1000;
    while ((atomic_load(&s->inflight) > 0 ||
            (atomic_load(&s->fresh) > 0 && util_now_us() < fresh_deadline)) &&
           util_now_us() < deadline)
        nap();
    /* From now on nothing new is suspended (a batch still streaming ends
    ** with a shutting_down line); those suspended wait for the lane or the
    ** audit writer, which always finish them (the store's busy timeout
    ** bounds any wait).  libmicrohttpd must never be stopped with a
    ** suspended connection. */
    pthread_mutex_lock(&s->slock);
    s->no_suspend = 1;
    pthread_mutex_unlock(&s->slock);
    while (atomic_load(&s->suspended) > 0)
        nap();
    teardown(s);
}
