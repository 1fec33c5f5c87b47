/*
** fed.c: the server's side of federation (DESIGN section 6): the node's
** identity, the partner client, the replay cache and the registered
** peers for the life of a server; signed peer requests checked on the
** way in and every peer response signed on the way out; and the
** federation lane, where work that waits on a partner runs.
**
** NOTES
**
**  1. Federation is on when srv_config.fed_key names a key file (liaison
**     serve finds "<db>.key" by itself) and the store has an agency id.
**     Off, /peer/v1/ answers 503 and "partners" is refused.
**  2. A peer request is checked twice.  From its headers (srv_peer_begin,
**     before the body is read): well-formed, timestamp within the window,
**     agency a registered peer, so a stranger cannot make this node read
**     a body.  Then, with the body (srv_peer_verify, first thing in every
**     SRV_PEER handler): the signature (sign.c), then the nonce (nonce.c)
**     -- in that order, so a forged request cannot burn a nonce.  Every
**     refusal is audited ("peer.refused": reason, method, path, remote
**     address), never with the signature.
**  3. Peers are read from the store (liaison peer add|remove, another
**     process) into a reference-counted snapshot, trusted for
**     auth_cache_ms like tokens (0: read on every request), so a removed
**     peer is refused within that time.
**  4. Every response of a peer route is signed (sign.c note 1), errors
**     included, whenever the request named a well-formed agency and
**     nonce: the requester can tell this node's answers from anyone
**     else's.
**  5. The federation lane: two threads with their own store handles for
**     the disclosure steps that call a partner (deliver a request, push a
**     decision, fetch an answer).  They wait on the network (bounded by
**     timeouts), so they must not hold up the store lane, whose record
**     writes have nothing to do with partners.
*/
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "server/srv_int.h"


/* Refusals and partner outcomes counted for /metrics. */
static const char *const refusal_kinds[] = {
    "unknown_peer", "bad_signature", "replay", "stale", "malformed", "other"};
#define REFUSAL_KINDS 6
static const char *const call_kinds[] = {
    "ok", "refused", "error", "timeout", "unavailable", "invalid_response"};
#define CALL_KINDS 6

typedef struct srv_fed srv_fed;

struct srv_fed {
    fed_identity *id;
    fed_client *client;
    fed_nonces *nonces;
    char *contact;
    int timeout_ms;
    int ttl_ms;
    /* peers (note 3), under plock */
    pthread_mutex_t plock;
    srv_peers *peers;
    uint64_t peers_at;
    store *pst;
    srv_lane lane;              /* note 5 */
    /* metrics */
    atomic_ullong accepted;
    atomic_ullong refused[REFUSAL_KINDS];
    atomic_ullong calls[CALL_KINDS];
};

/* A signed request's state, in the request's arena. */
typedef struct peer_req {
    fed_auth auth;
    unsigned char pk[32];
    int64_t ts;
    int verified;
} peer_req;

/* ---------------------------------------------------------------- peers */

void srv_fed_peers_release(srv_peers *p)
{
    size_t i;
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1,
                                        memory_order_acq_rel) != 1)
        return;
    for (i = 0; i < p->n; i++)
        fed_peer_fini(&p->p[i]);
    util_free(p->p);
    util_free(p);
}

typedef struct load_ctx {
    srv_peers *p;
    size_t cap;
    int rc;
} load_ctx;

static int on_peer(void *ud, const store_peer *sp)
{
    load_ctx *c = ud;
    fed_peer fp;
    if (fed_peer_from_store(&fp, sp, NULL))
        return 0;   /* refused by `liaison peer add`; never trusted */
    if (c->p->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        fed_peer *q = util_realloc(c->p->p, cap * sizeof(*q));
        if (!q) {
            fed_peer_fini(&fp);
            c->rc = LIAISON_ENOMEM;
            return 1;
        }
        c->p->p = q;
        c->cap = cap;
    }
    c->p->p[c->p->n++] = fp;
    return 0;
}

static int load_peers(srv_fed *f, srv_peers **out)
{
    load_ctx c;
    int rc;
    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.p = util_calloc(1, sizeof(*c.p));
    if (!c.p)
        return LIAISON_ENOMEM;
    atomic_init(&c.p->refs, 1);
    rc = store_peer_each(f->pst, on_peer, &c);
    if (rc > 0)
        rc = c.rc;
    if (rc) {
        srv_fed_peers_release(c.p);
        return rc;
    }
    *out = c.p;
    return LIAISON_OK;
}

srv_peers *srv_fed_peers(srv *s)
{
    srv_fed *f = s->fed;
    srv_peers *p = NULL, *fresh = NULL;
    uint64_t now = util_now_us();
    if (!f)
        return NULL;
    pthread_mutex_lock(&f->plock);
    if (!f->peers || f->ttl_ms <= 0 ||
        now - f->peers_at > (uint64_t)f->ttl_ms * 1000u) {
        if (load_peers(f, &fresh) == LIAISON_OK) {
            srv_fed_peers_release(f->peers);
            f->peers = fresh;
            f->peers_at = now;
        } else if (f->ttl_ms <= 0) {
            /* Asked to check every time and cannot: trust nothing. */
            srv_fed_peers_release(f->peers);
            f->peers = NULL;
        }
    }
    p = f->peers;
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&f->plock);
    return p;
}

const fed_peer *srv_fed_peer_find(const srv_peers *p, const char *agency)
{
    size_t i;
    if (!p || !agency)
        return NULL;
    for (i = 0; i < p->n; i++)
        if (!strcmp(p->p[i].agency, agency))
            return &p->p[i];
    return NULL;
}

const fed_identity *srv_fed_identity(srv *s)
{
    return s->fed ? s->fed->id : NULL;
}

int srv_fed_timeout_ms(srv *s)
{
    return s->fed ? s->fed->timeout_ms : SRV_DEFAULT_PARTNER_TIMEOUT_MS;
}

const char *srv_fed_contact(srv *s)
{
    return s->fed ? s->fed->contact : NULL;
}

fed_client *srv_fed_client(srv *s)
{
    return s->fed ? s->fed->client : NULL;
}

/* ---------------------------------------------------------------- the lane */

enum srv_outcome srv_fed_lane_run(srv_req *r, srv_lane_fn fn)
{
    srv_fed *f = r->s->fed;
    if (!f)
        return srv_req_fail(r, 501, "federation_disabled", "federation is "
                            "not configured on this node (no key file)");
    return srv_lane_submit(&f->lane, r, fn);
}

/* ---------------------------------------------------------------- life */

int srv_fed_start(srv *s, struct liaison_err *err)
{
    srv_fed *f;
    long loaded = 0;
    int rc;
    if (!s->cfg.fed_key)
        return LIAISON_OK;
    if (!s->node_agency)
        return util_err(err, LIAISON_EINVAL, 0, 0, "federation needs the "
                        "store's agency id (liaison init --agency ID)");
    f = util_calloc(1, sizeof(*f));
    if (!f)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    pthread_mutex_init(&f->plock, NULL);
    s->fed = f;
    f->timeout_ms = s->cfg.partner_timeout_ms > 0
                        ? s->cfg.partner_timeout_ms
                        : SRV_DEFAULT_PARTNER_TIMEOUT_MS;
    f->ttl_ms = s->cfg.auth_cache_ms;
    if (s->cfg.fed_contact &&
        !(f->contact = util_strdup(s->cfg.fed_contact)))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    if ((rc = fed_identity_load(s->cfg.fed_key, s->node_agency, &f->id,
                                err)))
        return rc;
    if ((rc = fed_nonces_new(0, &f->nonces)))
        return util_err(err, rc, 0, 0, "replay cache: %s",
                        liaison_strerror(rc));
    if ((rc = store_open(s->db, &f->pst, err)))
        return rc;
    rc = fed_nonces_reload(f->nonces, f->pst, util_unix_time(), &loaded);
    if (rc)
        return util_err(err, rc, 0, 0, "refilling the replay cache from "
                        "the audit trail: %s", store_last_error(f->pst));
    if ((rc = fed_client_new(f->id, &f->client, err)))
        return rc;
    if ((rc = srv_lane_start(&f->lane, s->db, "federation lane", err)))
        return rc;
    return LIAISON_OK;
}

void srv_fed_stop(srv *s)
{
    srv_fed *f = s->fed;
    if (!f)
        return;
    srv_lane_stop(&f->lane);
    fed_client_free(f->client);
    srv_fed_peers_release(f->peers);
    store_close(f->pst);
    fed_nonces_free(f->nonces);
    fed_identity_free(f->id);
    util_free(f->contact);
    pthread_mutex_destroy(&f->plock);
    util_free(f);
    s->fed = NULL;
}

/* ---------------------------------------------------------------- peer requests */

/* The client's address for the audit trail. */
static const char *remote(srv_req *r, char *host, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr &&
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6
                        ? sizeof(struct sockaddr_in6)
                        : sizeof(struct sockaddr_in),
                    host, (socklen_t)n, NULL, 0, NI_NUMERICHOST) == 0)
        return host;
    return NULL;
}

static int refusal_kind(const char *why)
{
    if (!strncmp(why, "not a registered peer", 21))
        return 0;
    if (!strcmp(why, "bad signature"))
        return 1;
    if (!strcmp(why, "replayed nonce"))
        return 2;
    if (!strncmp(why, "stale", 5))
        return 3;
    if (!strncmp(why, "malformed", 9) || !strncmp(why, "missing", 7))
        return 4;
    return 5;
}

/* Note 2: an audited refusal, 401 unless status says otherwise. */
static int refuse(srv_req *r, int status, const char *code, const char *why)
{
    peer_req *p = r->peer;
    const char *who = p && fed_agency_ok(p->auth.agency) ? p->auth.agency
                                                         : NULL;
    store_audit_entry e;
    util_buf d;
    char host[64];
    util_buf_init(&d, 4096);
    if (!util_buf_addc(&d, '{') && !srv_json_kv_str(&d, "reason", why, 0) &&
        !srv_json_kv_str(&d, "method", r->method, 1) &&
        !util_buf_adds(&d, ",\"path\":") &&
        !srv_json_add_str(&d, r->path, UTIL_MIN(strlen(r->path), 256)) &&
        !srv_json_kv_str(&d, "remote", remote(r, host, sizeof(host)), 1) &&
        !srv_json_kv_str(&d, "request", r->rid, 1) &&
        !util_buf_addc(&d, '}')) {
        memset(&e, 0, sizeof(e));
        e.actor = who ? who : "unknown-peer";
        e.agency = who;
        e.action = "peer.refused";
        e.detail_json = util_buf_str(&d);
        srv_auditq_post(r->s, &e);
    }
    util_buf_fini(&d);
    if (r->s->fed)
        atomic_fetch_add_explicit(&r->s->fed->refused[refusal_kind(why)], 1,
                                  memory_order_relaxed);
    srv_req_fail(r, status, code, "%s", why);
    return -1;
}

/* Copy header name's value into dst, or "" when absent or too long. */
static void header(srv_req *r, const char *name, char *dst, size_t cap)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                name);
    dst[0] = '\0';
    if (v && strlen(v) < cap)
        util_strlcpy(dst, v, cap);
}

/* Note 4: sign whatever goes back. */
static void sign_response(srv_req *r, struct MHD_Response *resp)
{
    peer_req *p = r->peer;
    srv_fed *f = r->s->fed;
    fed_auth a;
    if (!p || !f ||
        fed_sign_response(f->id, p->auth.agency, r->method, r->path,
                          p->auth.nonce, r->status, r->out.p, r->out.len,
                          util_unix_time(), &a))
        return;
    MHD_add_response_header(resp, FED_H_AGENCY, a.agency);
    MHD_add_response_header(resp, FED_H_TIMESTAMP, a.timestamp);
    MHD_add_response_header(resp, FED_H_SIGNATURE, a.signature);
}

int srv_peer_begin(srv_req *r)
{
    srv_fed *f = r->s->fed;
    peer_req *p = util_arena_alloc(&r->arena, sizeof(*p));
    srv_peers *peers;
    const fed_peer *fp;
    const char *why = NULL;
    if (!p) {
        srv_req_fail(r, 500, "internal", "out of memory");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    r->peer = p;
    header(r, FED_H_AGENCY, p->auth.agency, sizeof(p->auth.agency));
    header(r, FED_H_TIMESTAMP, p->auth.timestamp, sizeof(p->auth.timestamp));
    header(r, FED_H_NONCE, p->auth.nonce, sizeof(p->auth.nonce));
    header(r, FED_H_SIGNATURE, p->auth.signature,
           sizeof(p->auth.signature));
    r->add_headers = sign_response;
    if (!f)
        return refuse(r, 503, "federation_disabled", "federation is not "
                      "configured on this node");
    if (fed_auth_precheck(&p->auth, util_unix_time(), &why))
        return refuse(r, 401, "peer_unauthenticated", why);
    peers = srv_fed_peers(r->s);
    if (!peers)
        return refuse(r, 503, "unavailable", "cannot read the peers now");
    fp = srv_fed_peer_find(peers, p->auth.agency);
    if (fp)
        memcpy(p->pk, fp->pk, sizeof(p->pk));
    srv_fed_peers_release(peers);
    if (!fp)
        return refuse(r, 401, "peer_unauthenticated", "not a registered "
                      "peer (unknown or removed)");
    return 0;
}

int srv_peer_verify(srv_req *r)
{
    srv_fed *f = r->s->fed;
    peer_req *p = r->peer;
    const char *why = NULL;
    int64_t now = util_unix_time();
    long ts = 0;
    int rc;
    if (!f || !p)
        return refuse(r, 500, "internal", "peer state missing");
    if (fed_verify_request(p->pk, fed_identity_agency(f->id), r->method,
                           r->path, r->body.p, r->body.len, &p->auth, now,
                           &why))
        return refuse(r, 401, "peer_unauthenticated", why);
    util_parse_long(p->auth.timestamp, 0, 1L << 62, &ts);
    p->ts = ts;
    rc = fed_nonces_check(f->nonces, p->auth.agency, p->auth.nonce,
                          p->ts + FED_SKEW_S, now);
    if (rc == LIAISON_EEXIST)
        return refuse(r, 401, "peer_unauthenticated", "replayed nonce");
    if (rc)
        return refuse(r, 503, "busy", "the replay cache is full; try again");
    p->verified = 1;
    atomic_fetch_add_explicit(&f->accepted, 1, memory_order_relaxed);
    return 0;
}

const char *srv_peer_agency(srv_req *r)
{
    peer_req *p = r->peer;
    return p && p->verified ? p->auth.agency : NULL;
}

const char *srv_peer_nonce(srv_req *r)
{
    peer_req *p = r->peer;
    return p ? p->auth.nonce : NULL;
}

int64_t srv_peer_ts(srv_req *r)
{
    peer_req *p = r->peer;
    return p ? p->ts : 0;
}

int srv_peer_audit_keys(srv_req *r, util_buf *b)
{
    peer_req *p = r->peer;
    int rc;
    if (!p)
        return LIAISON_OK;
    rc = srv_json_kv_str(b, "peer_nonce", p->auth.nonce, 1);
    if (!rc)
        rc = util_buf_printf(b, ",\"peer_ts\":%lld", (long long)p->ts);
    return rc;
}

enum srv_outcome srv_peer_reject(srv_req *r, int status, const char *code,
                                 const char *fmt, ...)
{
    srv_error e;
    store_audit_entry a;
    util_buf d;
    va_list ap;
    e.status = status;
    e.code = code;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    srv_utf8_trim(e.msg);
    util_buf_init(&d, 4096);
    if (!util_buf_addc(&d, '{') && !srv_json_kv_str(&d, "reason", e.msg, 0) &&
        !srv_json_kv_str(&d, "code", code, 1) &&
        !srv_json_kv_str(&d, "path", r->path, 1) &&
        !srv_json_kv_str(&d, "request", r->rid, 1) &&
        !srv_peer_audit_keys(r, &d) && !util_buf_addc(&d, '}')) {
        memset(&a, 0, sizeof(a));
        a.actor = srv_peer_agency(r) ? srv_peer_agency(r) : "unknown-peer";
        a.agency = srv_peer_agency(r);
        a.action = "peer.rejected";
        a.detail_json = util_buf_str(&d);
        srv_auditq_post(r->s, &a);
    }
    util_buf_fini(&d);
    return srv_req_error(r, &e);
}

/* ---------------------------------------------------------------- metrics */

void srv_fed_count_call(srv *s, const fed_call *k)
{
    int kind = k->outcome == FED_TIMEOUT       ? 3
               : k->outcome == FED_UNAVAILABLE ? 4
               : k->outcome == FED_INVALID     ? 5
               : k->status >= 500              ? 2
               : k->status >= 400              ? 1
                                               : 0;
    if (s->fed)
        atomic_fetch_add_explicit(&s->fed->calls[kind], 1,
                                  memory_order_relaxed);
}

int srv_fed_metrics(srv *s, util_buf *o)
{
    srv_fed *f = s->fed;
    int rc, i;
    if (!f)
        return LIAISON_OK;
    rc = util_buf_printf(o, "# HELP liaison_peer_requests_total Requests "
                         "from partner nodes whose signature and nonce "
                         "were accepted.\n# TYPE liaison_peer_requests_total "
                         "counter\nliaison_peer_requests_total %llu\n"
                         "# HELP liaison_peer_refusals_total Requests from "
                         "partner nodes refused (audited as peer.refused).\n"
                         "# TYPE liaison_peer_refusals_total counter\n",
                         (unsigned long long)atomic_load(&f->accepted));
    for (i = 0; !rc && i < REFUSAL_KINDS; i++)
        rc = util_buf_printf(o, "liaison_peer_refusals_total{reason=\"%s\"} "
                             "%llu\n", refusal_kinds[i],
                             (unsigned long long)atomic_load(&f->refused[i]));
    if (!rc)
        rc = util_buf_adds(o, "# HELP liaison_partner_calls_total Screening "
                           "calls to partners by outcome.\n# TYPE "
                           "liaison_partner_calls_total counter\n");
    for (i = 0; !rc && i < CALL_KINDS; i++)
        rc = util_buf_printf(o, "liaison_partner_calls_total{status=\"%s\"} "
                             "%llu\n", call_kinds[i],
                             (unsigned long long)atomic_load(&f->calls[i]));
    if (!rc)
        rc = util_buf_printf(o, "# HELP liaison_peer_nonces Nonces held by "
                             "the replay cache.\n# TYPE liaison_peer_nonces "
                             "gauge\nliaison_peer_nonces %zu\n",
                             fed_nonces_count(f->nonces));
    return rc;
}
