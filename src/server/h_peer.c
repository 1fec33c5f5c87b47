/*
** h_peer.c: the routes partner nodes call, under /peer/v1/, each signed
** by the partner and answered signed (fed.c checks and signs; sign.c
** says what is signed).
**
**   POST /peer/v1/screen                     a partner screens against
**                                            what this node shares
**   POST /peer/v1/disclosures                a partner asks for the
**                                            details behind a hit
**   GET  /peer/v1/disclosures/{id}           the requester fetches the
**                                            decision (and released data)
**   POST /peer/v1/disclosures/{id}/answer    the owner pushes its decision
**
** NOTES
**
**  1. A partner screens against the partners' view of the lists
**     (POLICY_VIEW_PARTNER: records shared at "hit" or "details" only,
**     rebuilt with the index, so a record changed to "none" disappears
**     for partners at the next refresh).  For a "hit" record the answer
**     holds its id, list, category, score, the owner's contact point and
**     a hit reference to quote in a disclosure request; nothing of the
**     record's content (not even the name that matched).  For "details"
**     it adds kind, the name that matched, why, and the record's details
**     view (disclose.c).
**  2. A partner cannot fish: its threshold is never below this node's
**     default (the calibrated one) and at most PEER_LIMIT_MAX hits come
**     back; it cannot make this node ask its own partners in turn.
**  3. Every request that passed the signature check is audited here with
**     the partner's agency as actor, the officer it names, the purpose,
**     the verbatim signed body and its signature (so the partner's
**     request can be proved later with its public key), the nonce (the
**     replay cache's restart source) and what was answered; the answer
**     is released only once that entry is committed.
*/
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "server/srv_int.h"

#define PEER_LIMIT_MAX 20
#define JUSTIFICATION_MAX 2000

/* ---------------------------------------------------------------- screening */

typedef struct requester {
    const char *user;
    const char *role;
} requester;

/* Take "requester" out of a peer body; *rest the body without it. */
static int split_requester(srv_req *r, json_t *o, requester *q,
                           util_buf *rest)
{
    json_t *rq = json_object_get(o, "requester");
    const char *key;
    json_t *v;
    memset(q, 0, sizeof(*q));
    if (!json_is_object(rq))
        return -1;
    json_object_foreach(rq, key, v) {
        if (!json_is_string(v) || json_string_length(v) > 64)
            return -1;
        if (!strcmp(key, "user"))
            q->user = util_arena_strdup(&r->arena, json_string_value(v));
        else if (!strcmp(key, "role"))
            q->role = util_arena_strdup(&r->arena, json_string_value(v));
        else
            return -1;
    }
    if (!q->user || !policy_name_ok(q->user) ||
        (q->role && !policy_name_ok(q->role)))
        return -1;
    json_object_del(o, "requester");
    return fed_json_dump(o, rest) ? -1 : 0;
}

/* One hit as the partner sees it (note 1). */
static int hit_out(srv_req *r, store *st, const liaison_hit *h,
                   const char *requester_agency, util_buf *o)
{
    const fed_identity *id = srv_fed_identity(r->s);
    const char *contact = srv_fed_contact(r->s);
    char ref[FED_REF_LEN + 1];
    int details = h->sharing == LIAISON_SHARE_DETAILS, rc;
    size_t i;
    double score = h->score > 1 ? 1 : h->score < 0 ? 0 : h->score;
    if (fed_hitref(id, requester_agency, h->id, ref))
        return LIAISON_EINVAL;
    rc = util_buf_addc(o, '{');
    if (!rc)
        rc = srv_json_kv_str(o, "id", h->id, 0);
    if (!rc)
        rc = srv_json_kv_str(o, "list", h->list, 1);
    if (!rc && h->category)
        rc = srv_json_kv_str(o, "category", h->category, 1);
    if (!rc)
        rc = util_buf_printf(o, ",\"score\":%.3f", score);
    if (!rc)
        rc = srv_json_kv_str(o, "sharing", details ? "details" : "hit", 1);
    if (!rc)
        rc = srv_json_kv_str(o, "owner", h->owner ? h->owner
                                                  : r->s->node_agency, 1);
    if (!rc)
        rc = srv_json_kv_str(o, "contact", contact, 1);
    if (!rc)
        rc = srv_json_kv_str(o, "ref", ref, 1);
    if (!rc && details) {
        char *json = NULL;
        size_t len = 0;
        rc = srv_json_kv_str(o, "kind", fmt_record_kind_name(h->kind), 1);
        if (!rc)
            rc = srv_json_kv_str(o, "matched", h->matched, 1);
        if (!rc)
            rc = util_buf_adds(o, ",\"why\":[");
        for (i = 0; i < h->n_why && !rc; i++) {
            if (i)
                rc = util_buf_addc(o, ',');
            if (!rc)
                rc = srv_json_add_str(o, h->why[i], strlen(h->why[i]));
        }
        if (!rc)
            rc = util_buf_adds(o, "],\"record\":");
        /* The record as stored now: a change since the index was built
        ** is what the owner shares now.  Gone since: no record. */
        if (!rc) {
            int g = store_record_get(st, h->id, &json, &len);
            if (g == LIAISON_OK)
                rc = fed_record_view(json, len, NULL, 0, o);
            else if (g == LIAISON_ENOTFOUND)
                rc = util_buf_adds(o, "null");
            else
                rc = g;
            util_free(json);
        }
    }
    if (!rc)
        rc = util_buf_addc(o, '}');
    return rc;
}

/* Resumed after the audit writer: release the answer, or withhold it. */
static void peer_ready(srv_req *r)
{
    if (r->w.rc) {
        srv_req_fail(r, 503, "audit_unavailable", "the audit trail could "
                     "not be written; the answer is withheld");
        return;
    }
    r->out.len--;
    if (util_buf_printf(&r->out, ",\"audit_seq\":%lld}",
                        (long long)r->w.first_seq))
        srv_req_fail(r, 500, "internal", "out of memory");
}

/* Note 3: the audit detail of a partner's screening. */
static int screen_detail(srv_req *r, const requester *rq,
                         const liaison_result *res, util_buf *d)
{
    const char *sig = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                  FED_H_SIGNATURE);
    size_t i;
    int rc = util_buf_addc(d, '{');
    if (!rc)
        rc = srv_json_kv_str(d, "request", r->rid, 0);
    if (!rc)
        rc = util_buf_adds(d, ",\"requester\":{");
    if (!rc)
        rc = srv_json_kv_str(d, "agency", srv_peer_agency(r), 0);
    if (!rc)
        rc = srv_json_kv_str(d, "user", rq->user, 1);
    if (!rc)
        rc = srv_json_kv_str(d, "role", rq->role, 1);
    if (!rc)
        rc = util_buf_addc(d, '}');
    if (!rc)
        rc = srv_peer_audit_keys(r, d);
    if (!rc)
        rc = util_buf_adds(d, ",\"body\":");
    if (!rc)
        rc = srv_json_add_str(d, r->body.p, r->body.len);
    if (!rc)
        rc = srv_json_kv_str(d, "signature", sig, 1);
    if (!rc)
        rc = util_buf_printf(d, ",\"hits\":%zu,\"records\":[", res->n_hits);
    for (i = 0; i < res->n_hits && !rc; i++) {
        if (i)
            rc = util_buf_addc(d, ',');
        if (!rc)
            rc = srv_json_add_str(d, res->hits[i].id,
                                  strlen(res->hits[i].id));
    }
    if (!rc)
        rc = util_buf_adds(d, "]}");
    return rc;
}

/* The partner's request into q and rq; 0, or -1 with the (audited)
** refusal set. */
static int peer_screen_parse(srv_req *r, srv_screen_req *q, requester *rq)
{
    srv *s = r->s;
    srv_error e;
    util_buf rest;
    json_t *o;
    int rc;
    o = srv_json_object(r->body.len ? r->body.p : "", r->body.len, &s->lim,
                        &e);
    if (!o) {
        srv_peer_reject(r, e.status, e.code, "%s", e.msg);
        return -1;
    }
    util_buf_init(&rest, (size_t)1 << 20);
    rc = split_requester(r, o, rq, &rest);
    json_decref(o);
    if (rc) {
        util_buf_fini(&rest);
        srv_peer_reject(r, 400, "bad_value", "requester: "
                        "{\"user\":NAME,\"role\":ROLE} is required");
        return -1;
    }
    rc = srv_screen_parse(rest.p, rest.len, &s->purposes, &s->lim,
                          &r->arena, q, &e);
    util_buf_fini(&rest);
    if (rc) {
        srv_peer_reject(r, e.status, e.code, "%s", e.msg);
        return -1;
    }
    if (q->partners) {
        srv_peer_reject(r, 400, "bad_value", "partners: a partner's "
                        "screening is not passed on");
        return -1;
    }
    return 0;
}

/* Screen q against the partners' view and render the answer in r->out
** and its audit detail in *detail (arena). */
static int peer_answer(srv_req *r, const srv_screen_req *q,
                       const requester *rq, char **detail)
{
    srv *s = r->s;
    const char *agency = srv_peer_agency(r);
    liaison_screen_opts opts;
    liaison_result merged;
    const liaison_result *res = NULL;
    srv_slot *sl;
    util_buf d;
    size_t i;
    int rc;
    *detail = NULL;
    memset(&opts, 0, sizeof(opts));
    /* Note 2. */
    opts.threshold = q->threshold < liaison_default_threshold()
                         ? liaison_default_threshold() : q->threshold;
    opts.limit = q->limit > PEER_LIMIT_MAX ? PEER_LIMIT_MAX : q->limit;
    opts.want_why = 1;
    r->eng = srv_engine_acquire(s);
    if (!(sl = srv_engine_pslot(r->eng, r->t)))
        return LIAISON_ESTATE;
    rc = srv_screen_subject(r, sl, q, &opts, &merged, &res);
    util_buf_init(&d, (size_t)4 << 20);
    util_buf_reset(&r->out);
    if (!rc)
        rc = util_buf_addc(&r->out, '{');
    if (!rc)
        rc = srv_json_kv_str(&r->out, "agency", s->node_agency, 0);
    if (!rc)
        rc = srv_json_kv_str(&r->out, "contact", srv_fed_contact(s), 1);
    if (!rc)
        rc = util_buf_adds(&r->out, ",\"hits\":[");
    for (i = 0; !rc && i < res->n_hits; i++) {
        if (i)
            rc = util_buf_addc(&r->out, ',');
        if (!rc)
            rc = hit_out(r, r->t->st, &res->hits[i], agency, &r->out);
    }
    if (!rc)
        rc = util_buf_printf(&r->out, "],\"took_us\":%llu}",
                             (unsigned long long)res->took_us);
    if (!rc)
        rc = screen_detail(r, rq, res, &d);
    srv_engine_release(r->eng);     /* hits are rendered */
    r->eng = NULL;
    if (!rc && !(*detail = util_arena_strndup(&r->arena, d.p, d.len)))
        rc = LIAISON_ENOMEM;
    util_buf_fini(&d);
    return rc;
}

enum srv_outcome srv_h_peer_screen(srv_req *r)
{
    srv *s = r->s;
    srv_screen_req *q;
    const char *agency;
    requester rq;
    char *detail = NULL;
    int rc;

    if (srv_peer_verify(r))
        return SRV_RESPOND;
    agency = srv_peer_agency(r);
    if (!(q = util_arena_alloc(&r->arena, sizeof(*q))))
        return srv_req_fail(r, 500, "internal", "out of memory");
    if (peer_screen_parse(r, q, &rq))
        return SRV_RESPOND;
    if (!r->t || (!r->t->st && store_open(s->db, &r->t->st, NULL)))
        return srv_req_fail(r, 503, "unavailable", "the store is not "
                            "available");
    rc = peer_answer(r, q, &rq, &detail);
    if (rc) {
        util_buf_reset(&r->out);
        if (rc == LIAISON_EUTF8 || rc == LIAISON_EINVAL)
            return srv_peer_reject(r, 400, "bad_value", "the query was "
                                   "refused by the engine");
        if (rc == LIAISON_ESTATE)
            return srv_req_fail(r, 503, "unavailable", "the partners' view "
                                "is not built");
        return srv_req_fail(r, 500, "internal", "screening failed (%s)",
                            liaison_strerror(rc));
    }
    r->status = 200;
    memset(&r->item.e, 0, sizeof(r->item.e));
    r->item.e.actor = agency;
    r->item.e.agency = agency;
    r->item.e.action = "peer.screen";
    r->item.e.purpose = q->purpose;
    r->item.e.detail_json = detail;
    r->item.w = &r->w;
    r->item.next = NULL;
    r->w.conn = r->conn;
    r->w.pending = 1;
    r->on_ready = peer_ready;
    if (srv_req_suspend(r)) {
        r->on_ready = NULL;
        util_buf_reset(&r->out);
        r->close = 1;
        return srv_req_fail(r, 503, "shutting_down", "the server is "
                            "stopping");
    }
    srv_auditq_push(s, &r->item, &r->item, 1);
    return SRV_WAIT;
}

/* ---------------------------------------------------------------- disclosures */

static const char *text_of(json_t *o, const char *key, size_t max, int *bad)
{
    json_t *v = json_object_get(o, key);
    size_t i, n;
    const char *s;
    if (!v || json_is_null(v))
        return NULL;
    s = json_string_value(v);
    n = s ? json_string_length(v) : 0;
    if (!s || n == 0 || n > max) {
        *bad = 1;
        return NULL;
    }
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n') {
            *bad = 1;
            return NULL;
        }
    return s;
}

/* A disclosure's audit entry on this side, in st's open transaction. */
static int audit_peer(srv_req *r, store *st, const char *action,
                      const char *purpose, json_t *det)
{
    store_audit_entry e;
    util_buf d;
    int rc;
    util_buf_init(&d, (size_t)1 << 20);
    json_object_set_new(det, "request", json_string(r->rid));
    rc = fed_json_dump(det, &d);
    if (!rc) {
        d.len--;
        rc = srv_peer_audit_keys(r, &d);
        if (!rc)
            rc = util_buf_addc(&d, '}');
    }
    if (!rc) {
        memset(&e, 0, sizeof(e));
        e.actor = srv_peer_agency(r);
        e.agency = srv_peer_agency(r);
        e.action = action;
        e.purpose = purpose;
        e.detail_json = util_buf_str(&d);
        rc = audit_append(st, &e, NULL);
    }
    util_buf_fini(&d);
    return rc;
}

/* Whether record id is this node's own, shared with partners and not
** expired (what the partners' view holds: policy/load.c). */
static int shareable(srv_req *r, store *st, const char *id, int *ok)
{
    fmt_record fr;
    char *json = NULL, today[11];
    size_t len = 0;
    int rc = store_record_get(st, id, &json, &len);
    *ok = 0;
    if (rc == LIAISON_ENOTFOUND)
        return LIAISON_OK;
    if (rc)
        return rc;
    fmt_record_init(&fr);
    if (r->s->eng.fixed_today) {     /* --today, copied at start */
        util_strlcpy(today, r->s->eng.today, sizeof(today));
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    }
    if (fmt_record_from_json(&fr, json, len, NULL, NULL) == LIAISON_OK)
        *ok = policy_view_allows(POLICY_VIEW_PARTNER, fr.rec.sharing) &&
              !(fr.rec.expires && strlen(fr.rec.expires) >= 10 &&
                strncmp(fr.rec.expires, today, 10) < 0) &&
              (!fr.rec.owner || !*fr.rec.owner ||
               (r->s->node_agency &&
                !strcmp(fr.rec.owner, r->s->node_agency)));
    fmt_record_fini(&fr);
    util_free(json);
    return LIAISON_OK;
}

/* A partner's request for details, as received. */
typedef struct peer_ask {
    const char *id, *rid, *ref, *purpose, *just, *user, *role;
    json_t *fields;             /* borrowed from the body; may be NULL */
} peer_ask;

/* Check the body o into a; 0, or -1 with the (audited) refusal set. */
static int peer_ask_parse(srv_req *r, store *st, json_t *o, peer_ask *a)
{
    srv *s = r->s;
    json_t *rq = json_object_get(o, "requester"), *f;
    size_t i;
    int bad = 0, ok = 0, rc;
    memset(a, 0, sizeof(*a));
    a->id = text_of(o, "id", 64, &bad);
    a->rid = text_of(o, "record_id", FED_ID_MAX, &bad);
    a->ref = text_of(o, "ref", FED_REF_LEN, &bad);
    a->purpose = text_of(o, "purpose", POLICY_PURPOSE_LEN_MAX, &bad);
    a->just = text_of(o, "justification", JUSTIFICATION_MAX, &bad);
    a->fields = json_object_get(o, "fields");
    if (json_is_object(rq)) {
        a->user = text_of(rq, "user", 64, &bad);
        a->role = text_of(rq, "role", 64, &bad);
    }
    if (bad || !fed_disclosure_id_ok(a->id) || !a->rid || !a->ref ||
        !a->purpose || !a->just || !a->user || !policy_name_ok(a->user)) {
        srv_peer_reject(r, 400, "bad_value", "id, record_id, ref, purpose, "
                        "justification and requester.user are required");
        return -1;
    }
    if (!policy_purpose_allowed(&s->purposes, a->purpose,
                                strlen(a->purpose))) {
        srv_peer_reject(r, 400, "unknown_purpose", "purpose \"%.48s\" is not "
                        "one of this node's purposes", a->purpose);
        return -1;
    }
    if (json_is_null(a->fields))
        a->fields = NULL;
    ok = !a->fields || (json_is_array(a->fields) &&
                        json_array_size(a->fields) > 0 &&
                        json_array_size(a->fields) <= 32);
    json_array_foreach(a->fields, i, f)
        ok = ok && fed_field_name_ok(json_string_value(f));
    if (!ok) {
        srv_peer_reject(r, 400, "bad_value", "fields: a list of field names");
        return -1;
    }
    /* The same answer for a record that does not exist, one not shared
    ** and a reference that does not fit: nothing is learnt by asking. */
    if ((rc = shareable(r, st, a->rid, &ok))) {
        srv_req_store_error(r, st, rc);
        return -1;
    }
    if (!ok || !fed_hitref_ok(srv_fed_identity(s), srv_peer_agency(r),
                              a->rid, a->ref)) {
        srv_peer_reject(r, 404, "not_found", "no shared record with this id "
                        "and hit reference");
        return -1;
    }
    return 0;
}

/* Store the pending request with its audit entry, in one transaction. */
static int peer_ask_record(srv_req *r, store *st, const peer_ask *a)
{
    const char *agency = srv_peer_agency(r);
    store_disclosure d;
    util_buf fj;
    json_t *det = json_object();
    int rc = det ? LIAISON_OK : LIAISON_ENOMEM;
    util_buf_init(&fj, (size_t)64 << 10);
    if (!rc && a->fields)
        rc = fed_json_dump(a->fields, &fj);
    memset(&d, 0, sizeof(d));
    d.id = a->id;
    d.requester_agency = agency;
    d.requester_user = a->user;
    d.owner_agency = r->s->node_agency;
    d.record_id = a->rid;
    d.purpose = a->purpose;
    d.justification = a->just;
    d.fields = a->fields ? util_buf_str(&fj) : NULL;
    if (!rc) {
        json_object_set_new(det, "id", json_string(a->id));
        json_object_set_new(det, "requester", json_string(agency));
        json_object_set_new(det, "requester_user", json_string(a->user));
        json_object_set_new(det, "requester_role",
                            a->role ? json_string(a->role) : json_null());
        json_object_set_new(det, "record_id", json_string(a->rid));
        json_object_set_new(det, "justification", json_string(a->just));
        json_object_set(det, "fields", a->fields ? a->fields : json_null());
        rc = store_begin(st);
    }
    if (!rc) {
        rc = store_disclosure_add(st, &d, NULL);
        if (!rc)
            rc = audit_peer(r, st, "peer.disclosure.request", a->purpose,
                            det);
        if (rc)
            store_rollback(st);
        else
            rc = store_commit(st);
    }
    json_decref(det);
    util_buf_fini(&fj);
    return rc;
}

static void disc_request_job(srv_req *r, store *st)
{
    peer_ask a;
    srv_error e;
    json_t *o;
    int rc;
    o = srv_json_object(r->body.p, r->body.len, &r->s->lim, &e);
    if (!o)
        return (void)srv_peer_reject(r, e.status, e.code, "%s", e.msg);
    if (peer_ask_parse(r, st, o, &a))
        goto out;
    rc = peer_ask_record(r, st, &a);
    if (rc == LIAISON_EEXIST) {
        srv_peer_reject(r, 409, "conflict", "a request with this id exists");
    } else if (rc) {
        srv_req_store_error(r, st, rc);
    } else {
        util_buf_reset(&r->out);
        if (util_buf_addc(&r->out, '{') ||
            srv_json_kv_str(&r->out, "id", a.id, 0) ||
            util_buf_adds(&r->out, ",\"status\":\"pending\"}"))
            srv_req_fail(r, 500, "internal", "out of memory");
        else
            r->status = 201;
    }
out:
    json_decref(o);
}

enum srv_outcome srv_h_peer_disclosure_post(srv_req *r)
{
    if (srv_peer_verify(r))
        return SRV_RESPOND;
    return srv_lane_run(r, disc_request_job);
}

/* The request d of the verified peer, as requester (want_owner 0) or as
** owner (1); NULL (404 set) otherwise, the same answer as for no request. */
static store_disclosure *peer_disc(srv_req *r, store *st, int want_owner)
{
    const char *id = srv_req_path_param(r, 0), *agency = srv_peer_agency(r);
    const char *me = r->s->node_agency;
    store_disclosure *d = NULL;
    int rc;
    if (!fed_disclosure_id_ok(id)) {
        srv_peer_reject(r, 404, "not_found", "no such disclosure request");
        return NULL;
    }
    rc = store_disclosure_get(st, id, &d);
    if (rc && rc != LIAISON_ENOTFOUND) {
        srv_req_store_error(r, st, rc);
        return NULL;
    }
    if (rc || !me ||
        (want_owner ? strcmp(d->owner_agency, agency) ||
                          strcmp(d->requester_agency, me)
                    : strcmp(d->requester_agency, agency) ||
                          strcmp(d->owner_agency, me))) {
        util_free(d);
        srv_peer_reject(r, 404, "not_found", "no such disclosure request");
        return NULL;
    }
    return d;
}

static void disc_fetch_job(srv_req *r, store *st)
{
    store_disclosure *d = peer_disc(r, st, 0);
    json_t *codes = NULL, *fields = NULL, *det;
    util_buf b;
    int rc;
    if (!d)
        return;
    util_buf_init(&b, (size_t)1 << 20);
    rc = srv_disc_answer(st, d, 1, &b);
    det = json_object();
    if (!rc && det && !srv_disc_terms(d, &codes, &fields)) {
        json_object_set_new(det, "id", json_string(d->id));
        json_object_set_new(det, "record_id", json_string(d->record_id));
        json_object_set_new(det, "status", json_string(d->status));
        if (!strcmp(d->status, "approved"))
            json_object_set(det, "fields_released", fields);
        rc = store_begin(st);
        if (!rc) {
            rc = audit_peer(r, st, "peer.disclosure.fetch", d->purpose, det);
            if (rc)
                store_rollback(st);
            else
                rc = store_commit(st);
        }
    } else if (!rc) {
        rc = LIAISON_ENOMEM;
    }
    if (rc) {
        srv_req_fail(r, 503, "audit_unavailable", "the answer is withheld "
                     "(%s)", liaison_strerror(rc));
    } else {
        util_buf_reset(&r->out);
        if (util_buf_add(&r->out, b.p, b.len))
            srv_req_fail(r, 500, "internal", "out of memory");
        else
            r->status = 200;
    }
    json_decref(det);
    json_decref(codes);
    json_decref(fields);
    util_buf_fini(&b);
    util_free(d);
}

enum srv_outcome srv_h_peer_disclosure_get(srv_req *r)
{
    if (srv_peer_verify(r))
        return SRV_RESPOND;
    return srv_lane_run(r, disc_fetch_job);
}

static void disc_answer_job(srv_req *r, store *st)
{
    store_disclosure *d = peer_disc(r, st, 1);
    const char *why = NULL;
    srv_error e;
    json_t *ans;
    int rc;
    if (!d)
        return;
    ans = srv_json_object(r->body.p, r->body.len, &r->s->lim, &e);
    if (!ans) {
        srv_peer_reject(r, e.status, e.code, "%s", e.msg);
    } else if (strcmp(d->status, "pending")) {
        srv_peer_reject(r, 409, "conflict", "already %s here", d->status);
    } else if ((rc = srv_disc_apply(r, st, d, ans, "peer.disclosure.answer",
                                    "push", &why)) == LIAISON_EINVAL) {
        srv_peer_reject(r, 400, "bad_value", "%s", why ? why : "bad answer");
    } else if (rc == LIAISON_ESTATE) {
        srv_peer_reject(r, 409, "conflict", "already decided here");
    } else if (rc) {
        srv_req_store_error(r, st, rc);
    } else {
        util_buf_reset(&r->out);
        if (util_buf_addc(&r->out, '{') ||
            srv_json_kv_str(&r->out, "id", d->id, 0) ||
            util_buf_adds(&r->out, ",\"recorded\":true}"))
            srv_req_fail(r, 500, "internal", "out of memory");
        else
            r->status = 200;
    }
    json_decref(ans);
    util_free(d);
}

enum srv_outcome srv_h_peer_disclosure_answer(srv_req *r)
{
    if (srv_peer_verify(r))
        return SRV_RESPOND;
    return srv_lane_run(r, disc_answer_job);
}
