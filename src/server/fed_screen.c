/*
** fed_screen.c: POST /v1/screen with "partners": the node screens its
** own lists (h_screen.c), asks its partners at the same time and answers
** with both, one response, one audit entry.
**
** NOTES
**
**  1. The local result is rendered first; then one signed request per
**     partner (POST /peer/v1/screen: the subject as screened, purpose,
**     threshold, limit and the requesting officer's name and role) is
**     handed to the partner client (federation/client.c), which runs them
**     in parallel with one deadline (--partner-timeout-ms).  The
**     connection stays suspended; the worker serves others meanwhile.
**  2. When every partner has answered or the deadline has passed, the
**     answers are merged on the client's thread: every hit is marked
**     with its owner (local ones with this node's agency unless their
**     record names another), partner hits keep only the fields a partner
**     may send (sanitised: known keys, right types, at most `limit` per
**     partner), all are sorted by score, and a "partners" object says for
**     each partner asked: ok (with its hit count), refused (a signed 4xx),
**     error (a signed 5xx), timeout, unavailable or invalid_response (an
**     answer without a valid signature, whose content is never used).  A
**     partner that did not answer is never reported as a no-hit.
**  3. The audit entry is the local one plus, per partner, the outcome,
**     the nonce of our request (the partner's own audit entry carries the
**     same nonce) and the record ids it hit.  As for any screening, the
**     response is released only once that entry is committed.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_int.h"

#define PEER_SCREEN_PATH "/peer/v1/screen"
#define STR_MAX 1024
#define WHY_MAX 32

typedef struct fan {
    srv_req *r;
    srv_peers *peers;
    fed_call *calls;
    size_t n;
    size_t limit;
    const char *detail;
} fan;

int srv_fed_screen_check(srv_req *r, const srv_screen_req *q, srv_error *e)
{
    srv_peers *peers;
    size_t i;
    if (!r->s->fed)
        return srv_error_set(e, 501, "federation_disabled", "partners: "
                             "federation is not configured on this node");
    if (!q->n_partner_ids)
        return LIAISON_OK;
    peers = srv_fed_peers(r->s);
    if (!peers)
        return srv_error_set(e, 503, "unavailable", "cannot read the "
                             "partners now");
    for (i = 0; i < q->n_partner_ids; i++)
        if (!srv_fed_peer_find(peers, q->partner_ids[i])) {
            srv_fed_peers_release(peers);
            return srv_error_set(e, 400, "bad_value", "partners: %.64s is "
                                 "not a partner of this node",
                                 q->partner_ids[i]);
        }
    srv_fed_peers_release(peers);
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- the request */

/* The body of POST /peer/v1/screen (note 1). */
static int peer_body(srv_req *r, const srv_screen_req *q, util_buf *b)
{
    const liaison_query *x = &q->q;
    size_t i;
    int rc = util_buf_addc(b, '{'), first = 1;
    if (!rc)
        rc = srv_json_kv_str(b, "purpose", q->purpose, 0);
    if (!rc)
        rc = util_buf_adds(b, ",\"subject\":{");
#define KV(k, v)                                                          \
    if (!rc && (v)) {                                                     \
        rc = srv_json_kv_str(b, k, v, !first);                            \
        first = 0;                                                        \
    }
    KV("name", x->name);
    KV("dob", x->dob);
    KV("nationality", x->nationality);
    KV("gender", x->gender);
#undef KV
    if (!rc && q->n_docs) {
        rc = util_buf_adds(b, first ? "\"documents\":[" : ",\"documents\":[");
        first = 0;
        for (i = 0; i < q->n_docs && !rc; i++) {
            rc = util_buf_adds(b, i ? ",{" : "{");
            if (!rc)
                rc = srv_json_kv_str(b, "number", q->docs[i].number, 0);
            if (!rc && q->docs[i].country)
                rc = srv_json_kv_str(b, "country", q->docs[i].country, 1);
            if (!rc && q->docs[i].type)
                rc = srv_json_kv_str(b, "type", q->docs[i].type, 1);
            if (!rc)
                rc = util_buf_addc(b, '}');
        }
        if (!rc)
            rc = util_buf_addc(b, ']');
    }
    if (!rc && (x->vin || x->plate)) {
        int vfirst = 1;
        rc = util_buf_adds(b, first ? "\"vehicle\":{" : ",\"vehicle\":{");
        if (!rc && x->vin) {
            rc = srv_json_kv_str(b, "vin", x->vin, 0);
            vfirst = 0;
        }
        if (!rc && x->plate) {
            rc = srv_json_kv_str(b, "plate", x->plate, !vfirst);
            vfirst = 0;
        }
        if (!rc && x->plate_country)
            rc = srv_json_kv_str(b, "country", x->plate_country, !vfirst);
        if (!rc)
            rc = util_buf_addc(b, '}');
    }
    if (!rc)
        rc = util_buf_addc(b, '}');
    if (!rc && q->threshold >= 0)
        rc = util_buf_printf(b, ",\"threshold\":%.6f", q->threshold);
    if (!rc)
        rc = util_buf_printf(b, ",\"limit\":%zu,\"requester\":{", q->limit);
    if (!rc)
        rc = srv_json_kv_str(b, "user", r->user.name, 0);
    if (!rc)
        rc = srv_json_kv_str(b, "role", policy_role_name(r->user.role), 1);
    if (!rc)
        rc = util_buf_adds(b, "}}");
    return rc;
}

/* ---------------------------------------------------------------- merging */

static int str_ok(json_t *v)
{
    return json_is_string(v) && json_string_length(v) <= STR_MAX;
}

/* A partner's hit, reduced to what a partner may send (note 2); NULL if it
** is not a hit at all. */
static json_t *clean_hit(json_t *h, const char *owner)
{
    static const char *const strs[] = {"id", "list", "kind", "category",
                                       "sharing", "ref", "contact",
                                       "matched"};
    json_t *o, *v;
    size_t i;
    double score;
    v = json_object_get(h, "score");
    if (!json_is_object(h) || !str_ok(json_object_get(h, "id")) ||
        !json_is_number(v))
        return NULL;
    score = json_number_value(v);
    if (!(score >= 0 && score <= 1))
        return NULL;
    o = json_object();
    if (!o)
        return NULL;
    for (i = 0; i < UTIL_ARRAY_LEN(strs); i++) {
        v = json_object_get(h, strs[i]);
        if (str_ok(v))
            json_object_set(o, strs[i], v);
    }
    json_object_set_new(o, "owner", json_string(owner));
    json_object_set_new(o, "score", json_real(score));
    v = json_object_get(h, "why");
    if (json_is_array(v) && json_array_size(v) <= WHY_MAX) {
        int good = 1;
        json_t *w;
        json_array_foreach(v, i, w)
            good = good && str_ok(w);
        if (good)
            json_object_set(o, "why", v);
    }
    v = json_object_get(h, "record");
    if (json_is_object(v))
        json_object_set(o, "record", v);
    return o;
}

static double score_of(json_t *h)
{
    return json_number_value(json_object_get(h, "score"));
}

static const char *owner_of(json_t *h)
{
    const char *o = json_string_value(json_object_get(h, "owner"));
    return o ? o : "";
}

/* Best score first; ties by owner, then id, so the order is stable. */
static int cmp_hits(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double sx = score_of(x), sy = score_of(y);
    int c;
    if (sx != sy)
        return sx < sy ? 1 : -1;
    c = strcmp(owner_of(x), owner_of(y));
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(x, "id")) ?
                      json_string_value(json_object_get(x, "id")) : "",
                  json_string_value(json_object_get(y, "id")) ?
                      json_string_value(json_object_get(y, "id")) : "");
}

/* One partner's status; its hits appended to hits, their ids to ids. */
static json_t *partner_status(fan *f, fed_call *k, json_t *hits,
                              json_t *ids)
{
    json_t *st = json_object(), *ans = NULL, *ph, *h;
    size_t i, n = 0;
    if (!st)
        return NULL;
    json_object_set_new(st, "took_ms", json_integer((json_int_t)(
                                           k->took_us / 1000)));
    if (k->outcome != FED_OK) {
        json_object_set_new(st, "status",
                            json_string(fed_outcome_name(k->outcome)));
        json_object_set_new(st, "message", json_string(k->error));
        return st;
    }
    ans = json_loadb(k->resp.p ? k->resp.p : "", k->resp.len, 0, NULL);
    if (k->status != 200) {
        json_t *m = json_object_get(json_object_get(ans, "error"),
                                    "message");
        json_object_set_new(st, "status", json_string(
                                              k->status >= 500 ? "error"
                                                               : "refused"));
        json_object_set_new(st, "http", json_integer(k->status));
        if (str_ok(m))
            json_object_set(st, "message", m);
        json_decref(ans);
        return st;
    }
    ph = json_object_get(ans, "hits");
    if (!json_is_array(ph)) {
        json_object_set_new(st, "status", json_string("invalid_response"));
        json_object_set_new(st, "message", json_string("no hits in the "
                                                       "answer"));
        json_decref(ans);
        return st;
    }
    json_array_foreach(ph, i, h) {
        json_t *c;
        if (n >= f->limit)
            break;
        c = clean_hit(h, k->peer->agency);
        if (!c)
            continue;
        json_array_append(ids, json_object_get(c, "id"));
        json_array_append_new(hits, c);
        n++;
    }
    json_object_set_new(st, "status", json_string("ok"));
    json_object_set_new(st, "hits", json_integer((json_int_t)n));
    if (json_is_integer(json_object_get(ans, "audit_seq")))
        json_object_set(st, "audit_seq", json_object_get(ans, "audit_seq"));
    json_decref(ans);
    return st;
}

/* Sort an array of hits by score, best first. */
static int sort_hits(json_t *hits)
{
    size_t n = json_array_size(hits), i;
    json_t **v;
    if (n < 2)
        return LIAISON_OK;
    v = util_malloc(n * sizeof(*v));
    if (!v)
        return LIAISON_ENOMEM;
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(hits, i));
    qsort(v, n, sizeof(*v), cmp_hits);
    json_array_clear(hits);
    for (i = 0; i < n; i++)
        json_array_append_new(hits, v[i]);
    util_free(v);
    return LIAISON_OK;
}

/* Merge the answers into r->out and the audit detail (notes 2 and 3). */
static int merge(fan *f, char **detail)
{
    srv_req *r = f->r;
    const char *me = r->s->node_agency;
    json_t *root, *hits, *h, *parts, *audit;
    util_buf d;
    size_t i;
    int rc = LIAISON_ENOMEM;
    *detail = NULL;
    root = json_loadb(r->out.p, r->out.len, 0, NULL);
    hits = json_object_get(root, "hits");
    parts = json_object();
    audit = json_object();
    if (!json_is_array(hits) || !parts || !audit)
        goto out;
    json_array_foreach(hits, i, h)
        if (!json_object_get(h, "owner") && me)
            json_object_set_new(h, "owner", json_string(me));
    for (i = 0; i < f->n; i++) {
        fed_call *k = &f->calls[i];
        json_t *ids = json_array(), *st, *a;
        if (!ids)
            goto out;
        st = partner_status(f, k, hits, ids);
        a = st ? json_deep_copy(st) : NULL;
        if (!a) {
            json_decref(st);
            json_decref(ids);
            goto out;
        }
        json_object_set_new(a, "nonce", json_string(k->req_.nonce));
        json_object_set_new(a, "records", ids);
        json_object_del(a, "message");
        json_object_set_new(parts, k->peer->agency, st);
        json_object_set_new(audit, k->peer->agency, a);
    }
    if (sort_hits(hits))
        goto out;
    json_object_set(root, "partners", parts);
    util_buf_reset(&r->out);
    if ((rc = fed_json_dump(root, &r->out)))
        goto out;
    /* The local detail ends with '}': add the partners to it. */
    util_buf_init(&d, (size_t)4 << 20);
    rc = util_buf_add(&d, f->detail, strlen(f->detail) - 1);
    if (!rc)
        rc = util_buf_adds(&d, ",\"partners\":");
    if (!rc)
        rc = fed_json_dump(audit, &d);
    if (!rc)
        rc = util_buf_addc(&d, '}');
    if (!rc && !(*detail = util_arena_strndup(&r->arena, d.p, d.len)))
        rc = LIAISON_ENOMEM;
    util_buf_fini(&d);
out:
    json_decref(root);
    json_decref(parts);
    json_decref(audit);
    return rc;
}

/* ---------------------------------------------------------------- the end */

/* Resumed after the audit writer (as h_screen.c's screen_ready). */
static void fan_ready(srv_req *r)
{
    if (r->w.rc) {
        srv_req_fail(r, 503, "audit_unavailable", "the audit trail could "
                     "not be written; the result is withheld");
        return;
    }
    r->out.len--;
    if (util_buf_printf(&r->out, ",\"audit_seq\":%lld}",
                        (long long)r->w.first_seq))
        srv_req_fail(r, 500, "internal", "out of memory");
}

/* Every partner has answered or the deadline has passed. */
static void fan_done(void *ud)
{
    fan *f = ud;
    srv_req *r = f->r;
    char *detail = NULL;
    size_t i;
    int rc = merge(f, &detail);
    for (i = 0; i < f->n; i++) {
        srv_fed_count_call(r->s, &f->calls[i]);
        fed_call_fini(&f->calls[i]);
    }
    srv_fed_peers_release(f->peers);
    f->peers = NULL;
    if (rc) {
        r->on_ready = NULL;
        srv_req_fail(r, 500, "internal", "cannot merge the partners' "
                     "answers (%s)", liaison_strerror(rc));
        srv_req_resume(r);
        return;
    }
    srv_req_audit_entry(r, &r->item.e, "screen", r->item.e.purpose, detail);
    r->item.w = &r->w;
    r->item.next = NULL;
    srv_auditq_push(r->s, &r->item, &r->item, 1);
}

/* One call per partner asked (all, or those named), sharing one body. */
static size_t fan_calls(fan *f, const srv_screen_req *q, const char *body)
{
    const char *me = f->r->s->node_agency;
    size_t i, j, n = 0;
    for (i = 0; i < f->peers->n; i++) {
        const fed_peer *p = &f->peers->p[i];
        int want = !q->n_partner_ids;
        for (j = 0; j < q->n_partner_ids; j++)
            want = want || !strcmp(q->partner_ids[j], p->agency);
        if (!want || (me && !strcmp(p->agency, me)))
            continue;
        fed_call_init(&f->calls[n]);
        f->calls[n].peer = p;
        f->calls[n].method = "POST";
        f->calls[n].path = PEER_SCREEN_PATH;
        f->calls[n].body = body;
        f->calls[n].body_len = strlen(body);
        n++;
    }
    return n;
}

static void fan_abandon(fan *f)
{
    size_t i;
    for (i = 0; i < f->n; i++)
        fed_call_fini(&f->calls[i]);
    srv_fed_peers_release(f->peers);
    f->peers = NULL;
}

enum srv_outcome srv_fed_screen(srv_req *r, const srv_screen_req *q,
                                const char *detail)
{
    srv *s = r->s;
    fan *f = util_arena_alloc(&r->arena, sizeof(*f));
    util_buf b;
    char *body;
    size_t i;
    int rc;
    if (!f)
        return srv_req_fail(r, 500, "internal", "out of memory");
    memset(f, 0, sizeof(*f));
    f->r = r;
    f->detail = detail;
    f->limit = q->limit;
    f->peers = srv_fed_peers(s);
    if (!f->peers)
        return srv_req_fail(r, 503, "unavailable", "cannot read the "
                            "partners now");
    f->calls = util_arena_alloc(&r->arena, (f->peers->n ? f->peers->n : 1) *
                                               sizeof(fed_call));
    util_buf_init(&b, (size_t)1 << 20);
    rc = f->calls ? peer_body(r, q, &b) : LIAISON_ENOMEM;
    body = rc ? NULL : util_arena_strndup(&r->arena, b.p, b.len);
    util_buf_fini(&b);
    if (!body) {
        fan_abandon(f);
        return srv_req_fail(r, 500, "internal", "out of memory");
    }
    f->n = fan_calls(f, q, body);
    /* The purpose rides in the audit entry fan_done() writes. */
    memset(&r->item.e, 0, sizeof(r->item.e));
    r->item.e.purpose = q->purpose;
    r->w.conn = r->conn;
    r->w.pending = 1;
    r->on_ready = fan_ready;
    if (srv_req_suspend(r)) {
        fan_abandon(f);
        r->on_ready = NULL;
        r->close = 1;
        return srv_req_fail(r, 503, "shutting_down", "the server is "
                            "stopping");
    }
    if (f->n == 0 || fed_client_submit(srv_fed_client(s), f->calls, f->n,
                                       srv_fed_timeout_ms(s), fan_done, f)) {
        for (i = 0; i < f->n; i++) {
            f->calls[i].outcome = FED_UNAVAILABLE;
            util_strlcpy(f->calls[i].error, "this node is stopping",
                         sizeof(f->calls[i].error));
        }
        fan_done(f);
    }
    return SRV_WAIT;
}
