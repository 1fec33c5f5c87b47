/*
** h_disclosures.c: the disclosure workflow as users see it (DESIGN
** section 6): an officer or analyst asks the owner of a partner's hit for
** its details; the owner's analysts approve (some fields, with handling
** codes) or deny (with a reason); the answer travels back signed.
**
**   POST /v1/disclosures                 ask (officer, analyst)
**   GET  /v1/disclosures?status=&direction=   the requests one may see
**   GET  /v1/disclosures/{id}            one request; for an approved one
**                                        of ours, the released data
**   POST /v1/disclosures/{id}/approve    the owner's analyst releases
**   POST /v1/disclosures/{id}/deny       the owner's analyst refuses
**
** NOTES
**
**  1. Both nodes keep a row with the same id (chosen by the requester):
**     "outgoing" where requester_agency is this node, "incoming" where
**     owner_agency is.  A request is stored here only once the owner has
**     accepted it (signed 201), so a row never exists on one side only
**     because of a network failure on this one.
**  2. Least privilege: officers see and follow only their own requests;
**     analysts see their agency's, incoming and outgoing; only an analyst
**     of the owning agency decides, and only while the request is
**     pending.  Users of another agency on this node see nothing.
**  3. A decision is committed with its audit entry, then pushed to the
**     requester (POST /peer/v1/disclosures/{id}/answer).  If the push
**     fails the requester learns it the next time one of its users opens
**     the request: GET /v1/disclosures/{id} asks the owner (signed GET)
**     while it is pending here.
**  4. The released data is not copied into the requester's store: each
**     time a user opens an approved request, it is fetched from the owner,
**     signed, with the handling codes, and that fetch is audited on both
**     sides.  The owner thus keeps control of its data (a record it
**     deletes or corrects is withdrawn or corrected for the partner too)
**     and sees every use of what it released; the price is that the
**     owner must be reachable to show the data.
**  5. A hit reference (fed_hitref) from the partner's screening answer
**     must be quoted: a partner can ask only about records it hit.
*/
#include <string.h>

#include "audit/audit.h"
#include "server/srv_int.h"

#define JUSTIFICATION_MAX 2000
#define FIELDS_MAX 32
#define CODES_MAX 16
#define DISCLOSURE_TIMEOUT_MS 10000
#define PEER_DISC_PATH "/peer/v1/disclosures"

/* ---------------------------------------------------------------- helpers */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jtime(int64_t t)
{
    return t ? json_integer((json_int_t)t) : json_null();
}

/* A string field of o: NULL when absent or null; *bad when not a string,
** empty, too long or holding a control character. */
static const char *get_text(json_t *o, const char *key, size_t max, int *bad)
{
    json_t *v = json_object_get(o, key);
    const char *s;
    size_t i, n;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (n == 0 || n > max) {
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

/* Only these keys in o; *key (borrowed) the first other one. */
static int only_keys(json_t *o, const char *const *keys, size_t n,
                     const char **other)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i;
        int ok = 0;
        for (i = 0; i < n; i++)
            ok = ok || !strcmp(k, keys[i]);
        if (!ok) {
            *other = k;
            return 0;
        }
    }
    return 1;
}

/* An array of distinct field names (1..FIELDS_MAX, never "sharing");
** a new reference or NULL with e set. */
static json_t *get_fields(json_t *v, srv_error *e)
{
    size_t i, j;
    if (!json_is_array(v) || json_array_size(v) == 0 ||
        json_array_size(v) > FIELDS_MAX) {
        srv_error_set(e, 400, "bad_value", "fields: a list of 1 to %d field "
                      "names", FIELDS_MAX);
        return NULL;
    }
    for (i = 0; i < json_array_size(v); i++) {
        const char *f = json_string_value(json_array_get(v, i));
        if (!fed_field_name_ok(f) || !strcmp(f, "sharing")) {
            srv_error_set(e, 400, "bad_value", "fields[%zu] is not a field "
                          "of a record", i);
            return NULL;
        }
        for (j = 0; j < i; j++)
            if (!strcmp(f, json_string_value(json_array_get(v, j)))) {
                srv_error_set(e, 400, "bad_value", "fields: %s is named "
                              "twice", f);
                return NULL;
            }
    }
    return json_incref(v);
}

/* Handling codes as shown: [{"code","text"}]. */
static json_t *codes_shown(json_t *codes)
{
    json_t *out = json_array(), *c;
    size_t i;
    if (!out)
        return NULL;
    json_array_foreach(codes, i, c) {
        const char *code = json_string_value(c);
        const fed_handling_code *h = fed_handling_find(code);
        json_t *o = json_object();
        if (!o || !code)
            continue;
        json_object_set_new(o, "code", json_string(code));
        json_object_set_new(o, "text", json_string(
                                           h ? h->text
                                             : "A handling code this node "
                                               "does not know: ask the "
                                               "owner before any use."));
        json_array_append_new(out, o);
    }
    return out;
}

int srv_disc_terms(const store_disclosure *d, json_t **codes,
                   json_t **fields)
{
    json_t *t = d->handling ? json_loads(d->handling, 0, NULL) : NULL;
    json_t *c = json_object_get(t, "codes"), *f = json_object_get(t, "fields");
    *codes = json_is_array(c) ? json_incref(c) : json_array();
    *fields = json_is_array(f) ? json_incref(f) : json_array();
    json_decref(t);
    if (!*codes || !*fields) {
        json_decref(*codes);
        json_decref(*fields);
        *codes = *fields = NULL;
        return LIAISON_ENOMEM;
    }
    return LIAISON_OK;
}

/* The released view of d's record into out (approved d). */
static int released(store *st, const store_disclosure *d, json_t *fields,
                    util_buf *out, int *withdrawn)
{
    const char *names[FIELDS_MAX + 8];
    size_t n = 0, i;
    char *json = NULL;
    size_t len = 0;
    int rc = store_record_get(st, d->record_id, &json, &len);
    *withdrawn = 0;
    if (rc == LIAISON_ENOTFOUND) {
        *withdrawn = 1;
        return util_buf_adds(out, "null");
    }
    if (rc)
        return rc;
    for (i = 0; i < json_array_size(fields) && n < UTIL_ARRAY_LEN(names);
         i++)
        if (json_string_value(json_array_get(fields, i)))
            names[n++] = json_string_value(json_array_get(fields, i));
    rc = fed_record_view(json, len, names, n, out);
    util_free(json);
    return rc;
}

int srv_disc_answer(store *st, const store_disclosure *d, int with_record,
                    util_buf *out)
{
    json_t *codes = NULL, *fields = NULL, *o;
    int withdrawn = 0, rc = srv_disc_terms(d, &codes, &fields);
    if (rc)
        return rc;
    o = json_object();
    if (!o) {
        rc = LIAISON_ENOMEM;
        goto out;
    }
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "status", json_string(d->status));
    json_object_set_new(o, "record_id", json_string(d->record_id));
    json_object_set_new(o, "reason", jstr(d->reason));
    json_object_set_new(o, "decided_at", jtime(d->decided_at));
    json_object_set(o, "handling", codes);
    json_object_set(o, "fields", fields);
    rc = fed_json_dump(o, out);
    if (!rc && with_record && !strcmp(d->status, "approved")) {
        out->len--;             /* the closing brace */
        rc = util_buf_adds(out, ",\"record\":");
        if (!rc)
            rc = released(st, d, fields, out, &withdrawn);
        if (!rc)
            rc = util_buf_printf(out, ",\"withdrawn\":%s}",
                                 withdrawn ? "true" : "false");
    }
out:
    json_decref(o);
    json_decref(codes);
    json_decref(fields);
    return rc;
}

/* The detail of a disclosure audit entry: {"id":..} + extra keys. */
static int audit_disc(store *st, srv_req *r, const char *actor,
                      const char *agency, const char *action,
                      const char *purpose, json_t *detail)
{
    store_audit_entry e;
    util_buf d;
    int rc;
    util_buf_init(&d, (size_t)1 << 20);
    json_object_set_new(detail, "request", json_string(r->rid));
    rc = fed_json_dump(detail, &d);
    if (!rc && r->peer && srv_peer_agency(r)) {
        d.len--;
        rc = util_buf_adds(&d, ",\"peer\":true");
        if (!rc)
            rc = srv_peer_audit_keys(r, &d);
        if (!rc)
            rc = util_buf_addc(&d, '}');
    }
    if (!rc) {
        memset(&e, 0, sizeof(e));
        e.actor = actor;
        e.agency = agency;
        e.action = action;
        e.purpose = purpose;
        e.detail_json = util_buf_str(&d);
        rc = audit_append(st, &e, NULL);
    }
    util_buf_fini(&d);
    return rc;
}

static int code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n == 0 || n > 64)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

int srv_disc_apply(srv_req *r, store *st, const store_disclosure *d,
                   json_t *ans, const char *action, const char *source,
                   const char **why)
{
    const char *status = json_string_value(json_object_get(ans, "status"));
    json_t *codes = json_object_get(ans, "handling");
    json_t *fields = json_object_get(ans, "fields"), *terms, *det, *v;
    util_buf t;
    size_t i;
    int bad = 0, rc;
    const char *reason = get_text(ans, "reason", JUSTIFICATION_MAX, &bad);
    *why = NULL;
    if (!status || (strcmp(status, "approved") && strcmp(status, "denied")))
        *why = "status must be approved or denied";
    else if (bad)
        *why = "reason must be a string";
    else if (!json_is_array(codes) || json_array_size(codes) > CODES_MAX)
        *why = "handling must be a list of codes";
    else if (!json_is_array(fields) || json_array_size(fields) > 64)
        *why = "fields must be a list";
    if (*why)
        return LIAISON_EINVAL;
    json_array_foreach(codes, i, v)
        if (!code_ok(json_string_value(v)))
            *why = "handling: a code is not [a-z0-9-]";
    json_array_foreach(fields, i, v)
        if (!fed_field_name_ok(json_string_value(v)))
            *why = "fields: not a field name";
    if (*why)
        return LIAISON_EINVAL;
    terms = json_object();
    det = json_object();
    util_buf_init(&t, (size_t)64 << 10);
    rc = terms && det ? LIAISON_OK : LIAISON_ENOMEM;
    if (!rc) {
        json_object_set(terms, "codes", codes);
        json_object_set(terms, "fields", fields);
        rc = fed_json_dump(terms, &t);
    }
    if (!rc) {
        json_object_set_new(det, "id", json_string(d->id));
        json_object_set_new(det, "owner", json_string(d->owner_agency));
        json_object_set_new(det, "record_id", json_string(d->record_id));
        json_object_set_new(det, "status", json_string(status));
        json_object_set(det, "handling", codes);
        json_object_set(det, "fields", fields);
        json_object_set_new(det, "reason", jstr(reason));
        json_object_set_new(det, "source", json_string(source));
        rc = store_begin(st);
    }
    if (!rc) {
        rc = store_disclosure_decide(st, d->id, status, d->owner_agency,
                                     reason, util_buf_str(&t));
        if (!rc)
            rc = audit_disc(st, r, d->owner_agency, d->owner_agency, action,
                            d->purpose, det);
        if (rc)
            store_rollback(st);
        else
            rc = store_commit(st);
    }
    util_buf_fini(&t);
    json_decref(terms);
    json_decref(det);
    return rc;
}

/* ---------------------------------------------------------------- views */

static int outgoing(srv *s, const store_disclosure *d)
{
    return s->node_agency && !strcmp(d->requester_agency, s->node_agency);
}

static int incoming(srv *s, const store_disclosure *d)
{
    return s->node_agency && !strcmp(d->owner_agency, s->node_agency);
}

/* Note 2: whether r's user may see d. */
static int may_see(srv_req *r, const store_disclosure *d)
{
    srv *s = r->s;
    if (!s->node_agency || !r->user.agency ||
        strcmp(r->user.agency, s->node_agency))
        return 0;
    if (r->user.role == POLICY_ROLE_ANALYST)
        return outgoing(s, d) || incoming(s, d);
    return outgoing(s, d) && d->requester_user &&
           !strcmp(d->requester_user, r->user.name);
}

/* A disclosure as users see it. */
static json_t *disc_json(srv *s, const store_disclosure *d)
{
    json_t *o = json_object(), *req = json_object(), *codes = NULL,
           *fields = NULL, *asked;
    if (!o || !req || srv_disc_terms(d, &codes, &fields)) {
        json_decref(o);
        json_decref(req);
        return NULL;
    }
    asked = d->fields ? json_loads(d->fields, 0, NULL) : NULL;
    json_object_set_new(o, "id", json_string(d->id));
    json_object_set_new(o, "direction", json_string(
                                            outgoing(s, d) ? "outgoing"
                                                           : "incoming"));
    json_object_set_new(o, "owner", json_string(d->owner_agency));
    json_object_set_new(req, "agency", json_string(d->requester_agency));
    json_object_set_new(req, "user", jstr(d->requester_user));
    json_object_set_new(o, "requester", req);
    json_object_set_new(o, "record_id", json_string(d->record_id));
    json_object_set_new(o, "purpose", json_string(d->purpose));
    json_object_set_new(o, "justification", jstr(d->justification));
    json_object_set_new(o, "fields_requested",
                        json_is_array(asked) ? asked : json_null());
    if (!json_is_array(asked))
        json_decref(asked);
    json_object_set_new(o, "status", json_string(d->status));
    json_object_set_new(o, "reason", jstr(d->reason));
    json_object_set_new(o, "handling", codes_shown(codes));
    json_object_set(o, "fields_released", fields);
    json_object_set_new(o, "decided_by", jstr(d->decided_by));
    json_object_set_new(o, "created", jtime(d->created));
    json_object_set_new(o, "decided_at", jtime(d->decided_at));
    json_decref(codes);
    json_decref(fields);
    return o;
}

typedef struct list_ctx {
    srv_req *r;
    json_t *arr;
    const char *direction;
    int rc;
} list_ctx;

static int on_disc(void *ud, const store_disclosure *d)
{
    list_ctx *c = ud;
    json_t *o;
    if (!may_see(c->r, d))
        return 0;
    if (c->direction &&
        strcmp(c->direction, outgoing(c->r->s, d) ? "outgoing" : "incoming"))
        return 0;
    o = disc_json(c->r->s, d);
    if (!o || json_array_append_new(c->arr, o)) {
        c->rc = LIAISON_ENOMEM;
        return 1;
    }
    return 0;
}

static void list_job(srv_req *r, store *st)
{
    const char *status = srv_req_param(r, "status");
    const char *direction = srv_req_param(r, "direction");
    list_ctx c;
    json_t *o;
    int rc;
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "denied"))
        return (void)srv_req_fail(r, 400, "bad_parameter", "status: "
                                  "pending, approved or denied");
    if (direction && strcmp(direction, "incoming") &&
        strcmp(direction, "outgoing"))
        return (void)srv_req_fail(r, 400, "bad_parameter", "direction: "
                                  "incoming or outgoing");
    memset(&c, 0, sizeof(c));
    c.r = r;
    c.direction = direction;
    c.arr = json_array();
    o = json_object();
    if (!c.arr || !o) {
        json_decref(c.arr);
        json_decref(o);
        return (void)srv_req_fail(r, 500, "internal", "out of memory");
    }
    rc = store_disclosure_each(st, status, on_disc, &c);
    if (rc > 0)
        rc = c.rc;
    json_object_set_new(o, "disclosures", c.arr);
    util_buf_reset(&r->out);
    if (!rc)
        rc = fed_json_dump(o, &r->out);
    json_decref(o);
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    r->status = 200;
}

enum srv_outcome srv_h_disclosures_get(srv_req *r)
{
    return srv_lane_run(r, list_job);
}

/* ---------------------------------------------------------------- asking */

/* The request as it goes to the owner (POST /peer/v1/disclosures). */
static int ask_body(srv_req *r, const char *id, const char *record_id,
                    const char *ref, const char *purpose,
                    const char *justification, json_t *fields, util_buf *b)
{
    json_t *o = json_object(), *req = json_object();
    int rc = o && req ? LIAISON_OK : LIAISON_ENOMEM;
    if (!rc) {
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "record_id", json_string(record_id));
        json_object_set_new(o, "ref", json_string(ref));
        json_object_set_new(o, "purpose", json_string(purpose));
        json_object_set_new(o, "justification", json_string(justification));
        if (fields)
            json_object_set(o, "fields", fields);
        json_object_set_new(req, "user", json_string(r->user.name));
        json_object_set_new(req, "role", json_string(
                                             policy_role_name(r->user.role)));
        json_object_set(o, "requester", req);
        rc = fed_json_dump(o, b);
    }
    json_decref(o);
    json_decref(req);
    return rc;
}

/* The owner did not take the request: audit why and answer. */
static void ask_failed(srv_req *r, store *st, const fed_call *k,
                       const char *id, const char *owner,
                       const char *record_id, const char *purpose)
{
    json_t *det = json_object(), *m = NULL, *ans = NULL;
    int timeout = k->outcome == FED_TIMEOUT;
    const char *msg = k->error;
    if (k->outcome == FED_OK) {
        ans = json_loadb(k->resp.p ? k->resp.p : "", k->resp.len, 0, NULL);
        m = json_object_get(json_object_get(ans, "error"), "message");
        msg = json_is_string(m) ? json_string_value(m) : "refused";
    }
    if (det) {
        json_object_set_new(det, "id", json_string(id));
        json_object_set_new(det, "owner", json_string(owner));
        json_object_set_new(det, "record_id", json_string(record_id));
        json_object_set_new(det, "outcome", json_string(
                                                fed_outcome_name(k->outcome)));
        if (k->outcome == FED_OK)
            json_object_set_new(det, "http", json_integer(k->status));
        json_object_set_new(det, "message", json_string(msg));
        json_object_set_new(det, "peer_nonce", json_string(k->req_.nonce));
        audit_disc(st, r, r->user.name, r->user.agency,
                   k->outcome == FED_OK ? "disclosure.request.refused"
                                        : "disclosure.request.failed",
                   purpose, det);
        json_decref(det);
    }
    if (k->outcome != FED_OK)
        srv_req_fail(r, timeout ? 504 : 502, "owner_unavailable",
                     "%s could not be reached: %s", owner, k->error);
    else if (k->status >= 400 && k->status < 500)
        srv_req_fail(r, k->status == 404 ? 404 : 422, "owner_refused",
                     "%s refused the request: %s", owner, msg);
    else
        srv_req_fail(r, 502, "owner_error", "%s failed (HTTP %ld): %s",
                     owner, k->status, msg);
    json_decref(ans);
}

/* A request as an officer makes it (POST /v1/disclosures). */
typedef struct ask_req {
    const char *owner, *record_id, *ref, *purpose, *just;
    json_t *fields;             /* owned; NULL: whatever the owner releases */
} ask_req;

/* Check the body o into a (strings borrowed from o); 0, or -1 with the
** response set. */
static int ask_parse(srv_req *r, json_t *o, ask_req *a)
{
    static const char *const keys[] = {"owner", "record_id", "ref",
                                       "purpose", "justification", "fields"};
    srv *s = r->s;
    const char *other = NULL;
    srv_error e;
    int bad = 0;
    memset(a, 0, sizeof(*a));
    if (!only_keys(o, keys, UTIL_ARRAY_LEN(keys), &other)) {
        srv_req_fail(r, 400, "unknown_field", "unknown field \"%.40s\"",
                     other);
        return -1;
    }
    a->owner = get_text(o, "owner", FED_AGENCY_MAX, &bad);
    a->record_id = get_text(o, "record_id", FED_ID_MAX, &bad);
    a->ref = get_text(o, "ref", FED_REF_LEN, &bad);
    a->purpose = get_text(o, "purpose", POLICY_PURPOSE_LEN_MAX, &bad);
    a->just = get_text(o, "justification", JUSTIFICATION_MAX, &bad);
    if (bad || !a->owner || !a->record_id || !a->ref || !a->purpose ||
        !a->just) {
        srv_req_fail(r, 400, bad ? "bad_value" : "missing_field",
                     "owner, record_id, ref (from the hit), purpose and "
                     "justification are required strings (justification "
                     "at most %d bytes)", JUSTIFICATION_MAX);
        return -1;
    }
    if (!policy_purpose_allowed(&s->purposes, a->purpose,
                                strlen(a->purpose))) {
        srv_req_fail(r, 400, "unknown_purpose", "purpose \"%.48s\" is not "
                     "one of the purposes configured on this node",
                     a->purpose);
        return -1;
    }
    if (json_object_get(o, "fields") &&
        !(a->fields = get_fields(json_object_get(o, "fields"), &e))) {
        srv_req_error(r, &e);
        return -1;
    }
    if (!s->node_agency || !strcmp(a->owner, s->node_agency) ||
        !r->user.agency || strcmp(r->user.agency, s->node_agency)) {
        srv_req_fail(r, 400, "bad_value", "owner: disclosures are asked of "
                     "a partner agency, by users of this node's agency");
        return -1;
    }
    return 0;
}

/* Note 1: the owner has it; now ours too, with its audit entry. */
static int ask_record(srv_req *r, store *st, const ask_req *a,
                      const char *id, const char *nonce)
{
    store_disclosure d;
    util_buf fj;
    json_t *det = json_object();
    int rc = det ? LIAISON_OK : LIAISON_ENOMEM;
    util_buf_init(&fj, (size_t)64 << 10);
    if (!rc && a->fields)
        rc = fed_json_dump(a->fields, &fj);
    memset(&d, 0, sizeof(d));
    d.id = id;
    d.requester_agency = r->s->node_agency;
    d.requester_user = r->user.name;
    d.owner_agency = a->owner;
    d.record_id = a->record_id;
    d.purpose = a->purpose;
    d.justification = a->just;
    d.fields = a->fields ? util_buf_str(&fj) : NULL;
    if (!rc && !(rc = store_begin(st))) {
        rc = store_disclosure_add(st, &d, NULL);
        if (!rc) {
            json_object_set_new(det, "id", json_string(id));
            json_object_set_new(det, "owner", json_string(a->owner));
            json_object_set_new(det, "record_id",
                                json_string(a->record_id));
            json_object_set_new(det, "justification", json_string(a->just));
            json_object_set(det, "fields",
                            a->fields ? a->fields : json_null());
            json_object_set_new(det, "peer_nonce", json_string(nonce));
            rc = audit_disc(st, r, r->user.name, r->user.agency,
                            "disclosure.request", a->purpose, det);
        }
        if (rc)
            store_rollback(st);
        else
            rc = store_commit(st);
    }
    json_decref(det);
    util_buf_fini(&fj);
    return rc;
}

static void ask_job(srv_req *r, store *st)
{
    srv *s = r->s;
    char id[FED_DISCLOSURE_ID_LEN + 1];
    srv_peers *peers = NULL;
    const fed_peer *p;
    ask_req a;
    srv_error e;
    json_t *o;
    fed_call k;
    util_buf b;
    int rc;

    memset(&a, 0, sizeof(a));
    o = srv_json_object(r->body.len ? r->body.p : "", r->body.len, &s->lim,
                        &e);
    if (!o)
        return (void)srv_req_error(r, &e);
    fed_call_init(&k);
    util_buf_init(&b, (size_t)1 << 20);
    if (ask_parse(r, o, &a))
        goto out;
    peers = srv_fed_peers(s);
    if (!(p = srv_fed_peer_find(peers, a.owner))) {
        srv_req_fail(r, 400, "bad_value", "owner: %.64s is not a partner of "
                     "this node", a.owner);
        goto out;
    }
    if (fed_disclosure_id_new(id) ||
        ask_body(r, id, a.record_id, a.ref, a.purpose, a.just, a.fields,
                 &b)) {
        srv_req_fail(r, 500, "internal", "out of memory");
        goto out;
    }
    k.peer = p;
    k.method = "POST";
    k.path = PEER_DISC_PATH;
    k.body = b.p;
    k.body_len = b.len;
    if (fed_client_call(srv_fed_client(s), &k, DISCLOSURE_TIMEOUT_MS)) {
        srv_req_fail(r, 503, "shutting_down", "the server is stopping");
        goto out;
    }
    if (k.outcome != FED_OK || k.status != 201) {
        ask_failed(r, st, &k, id, a.owner, a.record_id, a.purpose);
        goto out;
    }
    if ((rc = ask_record(r, st, &a, id, k.req_.nonce))) {
        srv_req_fail(r, 500, "store_error", "%s has the request (%s) but "
                     "this node could not record it (%s)", a.owner, id,
                     liaison_strerror(rc));
        goto out;
    }
    util_buf_reset(&r->out);
    {
        json_t *ans = json_object();
        if (ans) {
            json_object_set_new(ans, "id", json_string(id));
            json_object_set_new(ans, "status", json_string("pending"));
            json_object_set_new(ans, "owner", json_string(a.owner));
            json_object_set_new(ans, "record_id", json_string(a.record_id));
            json_object_set_new(ans, "purpose", json_string(a.purpose));
        }
        if (!ans || fed_json_dump(ans, &r->out))
            srv_req_fail(r, 500, "internal", "out of memory");
        else
            r->status = 201;
        json_decref(ans);
    }
out:
    srv_fed_peers_release(peers);
    json_decref(a.fields);
    json_decref(o);
    fed_call_fini(&k);
    util_buf_fini(&b);
}

enum srv_outcome srv_h_disclosures_post(srv_req *r)
{
    return srv_fed_lane_run(r, ask_job);
}

/* ---------------------------------------------------------------- one request */

/* Ask the owner about our request d (note 3, 4); *ans the verified answer
** (parsed) or NULL, *outcome what happened. */
static void fetch(srv_req *r, const store_disclosure *d, json_t **ans,
                  const char **outcome)
{
    srv *s = r->s;
    srv_peers *peers = srv_fed_peers(s);
    const fed_peer *p = srv_fed_peer_find(peers, d->owner_agency);
    char path[FED_PATH_MAX];
    fed_call k;
    *ans = NULL;
    *outcome = "not_a_partner";
    if (!p) {
        srv_fed_peers_release(peers);
        return;
    }
    snprintf(path, sizeof(path), PEER_DISC_PATH "/%s", d->id);
    fed_call_init(&k);
    k.peer = p;
    k.method = "GET";
    k.path = path;
    *outcome = "unavailable";
    if (fed_client_call(srv_fed_client(s), &k, DISCLOSURE_TIMEOUT_MS) == 0) {
        *outcome = fed_outcome_name(k.outcome);
        if (k.outcome == FED_OK && k.status == 200)
            *ans = json_loadb(k.resp.p, k.resp.len, 0, NULL);
        else if (k.outcome == FED_OK)
            *outcome = "refused";
    }
    fed_call_fini(&k);
    srv_fed_peers_release(peers);
}

/* Our request *dp: bring it up to date from the owner (note 3) and, once
** approved, take the released data from its answer, auditing that it is
** shown (note 4).  *ans (parsed, may be NULL) and *outcome say what the
** owner answered.  0, or -1 with the response set. */
static int view_outgoing(srv_req *r, store *st, store_disclosure **dp,
                         json_t **ans, const char **outcome, int *withdrawn)
{
    store_disclosure *d = *dp;
    const char *now, *why;
    json_t *det;
    int rc;
    fetch(r, d, ans, outcome);
    now = json_string_value(json_object_get(*ans, "status"));
    if (now && strcmp(now, "pending") && !strcmp(d->status, "pending")) {
        rc = srv_disc_apply(r, st, d, *ans, "disclosure.answer", "poll",
                            &why);
        if (rc == LIAISON_OK || rc == LIAISON_ESTATE) {
            *dp = NULL;
            rc = store_disclosure_get(st, d->id, dp);
            util_free(d);
            if (rc) {
                srv_req_store_error(r, st, rc);
                return -1;
            }
            d = *dp;
        }
    }
    if (!*ans || strcmp(d->status, "approved") ||
        !json_object_get(*ans, "record"))
        return 0;
    *withdrawn = json_is_true(json_object_get(*ans, "withdrawn"));
    det = json_object();
    if (det) {
        json_object_set_new(det, "id", json_string(d->id));
        json_object_set_new(det, "owner", json_string(d->owner_agency));
        json_object_set_new(det, "record_id", json_string(d->record_id));
        json_object_set(det, "fields", json_object_get(*ans, "fields"));
        json_object_set_new(det, "withdrawn", json_boolean(*withdrawn));
    }
    /* Shown only once its viewing is on the record. */
    rc = det ? audit_disc(st, r, r->user.name, r->user.agency,
                          "disclosure.view", d->purpose, det)
             : LIAISON_ENOMEM;
    json_decref(det);
    if (rc) {
        srv_req_fail(r, 503, "audit_unavailable", "the audit trail could "
                     "not be written; the data is withheld");
        return -1;
    }
    return 0;
}

static void view_job(srv_req *r, store *st)
{
    srv *s = r->s;
    const char *id = srv_req_path_param(r, 0), *outcome = NULL;
    store_disclosure *d = NULL;
    json_t *o = NULL, *ans = NULL;
    util_buf rec;
    int rc = LIAISON_ENOTFOUND, withdrawn = 0;
    util_buf_init(&rec, (size_t)1 << 20);
    if (fed_disclosure_id_ok(id))
        rc = store_disclosure_get(st, id, &d);
    if (rc == LIAISON_ENOTFOUND || (!rc && !may_see(r, d))) {
        srv_req_fail(r, 404, "not_found", "no such disclosure request");
        goto out;
    }
    if (rc) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    if (outgoing(s, d)) {
        if (view_outgoing(r, st, &d, &ans, &outcome, &withdrawn))
            goto out;
    } else if (!strcmp(d->status, "approved")) {
        json_t *codes = NULL, *fields = NULL;
        if (!srv_disc_terms(d, &codes, &fields)) {
            released(st, d, fields, &rec, &withdrawn);
            json_decref(codes);
            json_decref(fields);
        }
    }
    if (!(o = disc_json(s, d))) {
        srv_req_fail(r, 500, "internal", "out of memory");
        goto out;
    }
    if (outgoing(s, d)) {
        json_t *rj = strcmp(d->status, "approved")
                         ? NULL : json_object_get(ans, "record");
        json_object_set_new(o, "owner_status", json_string(outcome));
        json_object_set_new(o, "record", rj ? json_incref(rj) : json_null());
    } else if (rec.len) {
        json_t *rj = json_loadb(rec.p, rec.len, 0, NULL);
        json_object_set_new(o, "record", rj ? rj : json_null());
    }
    if (!strcmp(d->status, "approved"))
        json_object_set_new(o, "withdrawn", json_boolean(withdrawn));
    util_buf_reset(&r->out);
    if (fed_json_dump(o, &r->out))
        srv_req_fail(r, 500, "internal", "out of memory");
    else
        r->status = 200;
out:
    json_decref(o);
    json_decref(ans);
    util_free(d);
    util_buf_fini(&rec);
}

enum srv_outcome srv_h_disclosure_get(srv_req *r)
{
    return srv_fed_lane_run(r, view_job);
}

/* ---------------------------------------------------------------- deciding */

/* The fields an approval releases: those asked (or given), each present in
** the record; a new reference, or NULL with e set. */
static json_t *release_set(store *st, const store_disclosure *d,
                           json_t *given, srv_error *e)
{
    static const char *const known[] = {"names", "dob", "gender",
                                        "nationalities", "documents", "vin",
                                        "plate", "country", "category",
                                        "expires"};
    json_t *rec, *asked = d->fields ? json_loads(d->fields, 0, NULL) : NULL;
    json_t *out = json_array(), *v;
    char *json = NULL;
    size_t len = 0, i, j;
    int rc = store_record_get(st, d->record_id, &json, &len);
    if (rc) {
        srv_error_set(e, rc == LIAISON_ENOTFOUND ? 409 : 500,
                      rc == LIAISON_ENOTFOUND ? "conflict" : "store_error",
                      "the record %s %s", d->record_id,
                      rc == LIAISON_ENOTFOUND ? "no longer exists"
                                              : "cannot be read");
        json_decref(asked);
        json_decref(out);
        return NULL;
    }
    rec = json_loadb(json, len, 0, NULL);
    util_free(json);
    if (given) {
        json_array_foreach(given, i, v) {
            const char *f = json_string_value(v);
            int in_asked = !json_is_array(asked);
            json_t *a;
            json_array_foreach(asked, j, a)
                in_asked = in_asked || !strcmp(json_string_value(a), f);
            if (!json_object_get(rec, f) || !in_asked) {
                srv_error_set(e, 400, "bad_value", "fields: %s is %s", f,
                              in_asked ? "not in the record"
                                       : "not among the fields asked for");
                json_decref(out);
                out = NULL;
                break;
            }
            json_array_append(out, v);
        }
    } else if (json_is_array(asked)) {
        json_array_foreach(asked, i, v)
            if (json_object_get(rec, json_string_value(v)))
                json_array_append(out, v);
    } else {
        for (i = 0; i < UTIL_ARRAY_LEN(known); i++)
            if (json_object_get(rec, known[i]))
                json_array_append_new(out, json_string(known[i]));
    }
    if (out && json_array_size(out) == 0) {
        srv_error_set(e, 400, "bad_value", "fields: nothing to release (the "
                      "record has none of the fields)");
        json_decref(out);
        out = NULL;
    }
    json_decref(rec);
    json_decref(asked);
    return out;
}

/* Note 3: push the decision to the requester; *delivery its outcome. */
static int push(srv_req *r, store *st, const store_disclosure *d,
                const char **delivery)
{
    srv *s = r->s;
    srv_peers *peers = srv_fed_peers(s);
    const fed_peer *p = srv_fed_peer_find(peers, d->requester_agency);
    char path[FED_PATH_MAX];
    util_buf b;
    fed_call k;
    json_t *det;
    int delivered = 0;
    *delivery = "not_a_partner";
    util_buf_init(&b, (size_t)64 << 10);
    fed_call_init(&k);
    if (p && srv_disc_answer(st, d, 0, &b) == LIAISON_OK) {
        snprintf(path, sizeof(path), PEER_DISC_PATH "/%s/answer", d->id);
        k.peer = p;
        k.method = "POST";
        k.path = path;
        k.body = b.p;
        k.body_len = b.len;
        *delivery = "unavailable";
        if (fed_client_call(srv_fed_client(s), &k, DISCLOSURE_TIMEOUT_MS) ==
            0) {
            *delivery = k.outcome != FED_OK ? fed_outcome_name(k.outcome)
                        : k.status == 200   ? "ok"
                                            : "refused";
            delivered = k.outcome == FED_OK && k.status == 200;
        }
    }
    det = json_object();
    if (det) {
        json_object_set_new(det, "id", json_string(d->id));
        json_object_set_new(det, "requester",
                            json_string(d->requester_agency));
        json_object_set_new(det, "delivery", json_string(*delivery));
        json_object_set_new(det, "peer_nonce", json_string(k.req_.nonce));
        audit_disc(st, r, r->user.name, r->user.agency,
                   "disclosure.answer.sent", d->purpose, det);
        json_decref(det);
    }
    fed_call_fini(&k);
    util_buf_fini(&b);
    srv_fed_peers_release(peers);
    return delivered;
}

/* The request {id} if r's user may decide it now (note 2); NULL with the
** response set otherwise. */
static store_disclosure *decidable(srv_req *r, store *st)
{
    const char *id = srv_req_path_param(r, 0);
    store_disclosure *d = NULL;
    int rc = LIAISON_ENOTFOUND;
    if (fed_disclosure_id_ok(id))
        rc = store_disclosure_get(st, id, &d);
    if (rc == LIAISON_ENOTFOUND || (!rc && !may_see(r, d))) {
        srv_req_fail(r, 404, "not_found", "no such disclosure request");
    } else if (rc) {
        srv_req_store_error(r, st, rc);
    } else if (!incoming(r->s, d)) {
        srv_req_fail(r, 409, "conflict", "this request is this node's own: "
                     "only %.64s decides it", d->owner_agency);
    } else if (strcmp(d->status, "pending")) {
        srv_req_fail(r, 409, "conflict", "the request was already %s",
                     d->status);
    } else {
        return d;
    }
    util_free(d);
    return NULL;
}

/* A decision as an analyst gives it. */
typedef struct decision {
    int approve;
    const char *reason;         /* the denial's reason or the approval's
                                   note; borrowed from the body */
    json_t *codes, *fields;     /* owned */
} decision;

/* The approval's codes and fields from o; 0, or -1 with the response. */
static int approval_parse(srv_req *r, store *st, const store_disclosure *d,
                          json_t *o, decision *x)
{
    json_t *v = json_object_get(o, "handling"), *el, *given = NULL;
    srv_error e;
    size_t i;
    if (v && (!json_is_array(v) || json_array_size(v) > CODES_MAX)) {
        srv_req_fail(r, 400, "bad_value", "handling: a list of codes");
        return -1;
    }
    json_array_foreach(v, i, el) {
        if (!fed_handling_find(json_string_value(el))) {
            srv_req_fail(r, 400, "bad_value", "handling[%zu]: unknown code "
                         "(known: no-onward-transmission, not-for-evidence, "
                         "no-action-without-contact, police-use-only, "
                         "delete-after-use)", i);
            return -1;
        }
        json_array_append(x->codes, el);
    }
    if (json_object_get(o, "fields") &&
        !(given = get_fields(json_object_get(o, "fields"), &e))) {
        srv_req_error(r, &e);
        return -1;
    }
    x->fields = release_set(st, d, given, &e);
    json_decref(given);
    if (!x->fields) {
        srv_req_error(r, &e);
        return -1;
    }
    return 0;
}

/* The decision in r's body: approve {fields, handling, note}, deny
** {reason}; 0, or -1 with the response set. */
static int decision_parse(srv_req *r, store *st, const store_disclosure *d,
                          json_t *o, decision *x)
{
    static const char *const akeys[] = {"fields", "handling", "note"};
    static const char *const dkeys[] = {"reason"};
    const char *other = NULL;
    int bad = 0;
    if (!only_keys(o, x->approve ? akeys : dkeys,
                   x->approve ? UTIL_ARRAY_LEN(akeys) : UTIL_ARRAY_LEN(dkeys),
                   &other)) {
        srv_req_fail(r, 400, "unknown_field", "unknown field \"%.40s\"",
                     other);
        return -1;
    }
    x->reason = get_text(o, x->approve ? "note" : "reason",
                         JUSTIFICATION_MAX, &bad);
    if (bad || (!x->approve && !x->reason)) {
        srv_req_fail(r, 400, bad ? "bad_value" : "missing_field",
                     x->approve ? "note must be a string"
                                : "reason is required: say why the request "
                                  "is denied");
        return -1;
    }
    x->codes = json_array();
    if (!x->codes) {
        srv_req_fail(r, 500, "internal", "out of memory");
        return -1;
    }
    if (x->approve)
        return approval_parse(r, st, d, o, x);
    if (!(x->fields = json_array())) {
        srv_req_fail(r, 500, "internal", "out of memory");
        return -1;
    }
    return 0;
}

/* Commit the decision with its audit entry, in one transaction
** (LIAISON_ESTATE when it was decided meanwhile). */
static int decision_commit(srv_req *r, store *st, const store_disclosure *d,
                           const decision *x)
{
    json_t *terms = json_object(), *det = json_object();
    util_buf t;
    int rc = terms && det ? LIAISON_OK : LIAISON_ENOMEM;
    util_buf_init(&t, (size_t)64 << 10);
    if (!rc) {
        json_object_set(terms, "codes", x->codes);
        json_object_set(terms, "fields", x->fields);
        json_object_set_new(det, "id", json_string(d->id));
        json_object_set_new(det, "requester",
                            json_string(d->requester_agency));
        json_object_set_new(det, "requester_user", jstr(d->requester_user));
        json_object_set_new(det, "record_id", json_string(d->record_id));
        json_object_set(det, "handling", x->codes);
        json_object_set(det, "fields", x->fields);
        json_object_set_new(det, "reason", jstr(x->reason));
        rc = fed_json_dump(terms, &t);
    }
    if (!rc && !(rc = store_begin(st))) {
        rc = store_disclosure_decide(st, d->id,
                                     x->approve ? "approved" : "denied",
                                     r->user.name, x->reason,
                                     util_buf_str(&t));
        if (!rc)
            rc = audit_disc(st, r, r->user.name, r->user.agency,
                            x->approve ? "disclosure.approve"
                                       : "disclosure.deny", d->purpose, det);
        if (rc)
            store_rollback(st);
        else
            rc = store_commit(st);
    }
    util_buf_fini(&t);
    json_decref(terms);
    json_decref(det);
    return rc;
}

static void decide_job(srv_req *r, store *st, int approve)
{
    store_disclosure *d = decidable(r, st), *now = NULL;
    const char *delivery = NULL;
    json_t *o = NULL, *res = NULL;
    decision x;
    srv_error e;
    int rc, delivered;

    memset(&x, 0, sizeof(x));
    x.approve = approve;
    if (!d)
        return;
    o = srv_json_object(r->body.len ? r->body.p : "{}",
                        r->body.len ? r->body.len : 2, &r->s->lim, &e);
    if (!o) {
        srv_req_error(r, &e);
        goto out;
    }
    if (decision_parse(r, st, d, o, &x))
        goto out;
    rc = decision_commit(r, st, d, &x);
    if (!rc)
        rc = store_disclosure_get(st, d->id, &now);
    if (rc == LIAISON_ESTATE) {
        srv_req_fail(r, 409, "conflict", "the request was decided "
                     "meanwhile");
        goto out;
    }
    if (rc) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    delivered = push(r, st, now, &delivery);
    if (!(res = disc_json(r->s, now))) {
        srv_req_fail(r, 500, "internal", "out of memory");
        goto out;
    }
    json_object_set_new(res, "delivered", json_boolean(delivered));
    json_object_set_new(res, "delivery", json_string(delivery));
    util_buf_reset(&r->out);
    if (fed_json_dump(res, &r->out))
        srv_req_fail(r, 500, "internal", "out of memory");
    else
        r->status = 200;
out:
    json_decref(res);
    json_decref(x.codes);
    json_decref(x.fields);
    json_decref(o);
    util_free(d);
    util_free(now);
}

static void approve_job(srv_req *r, store *st)
{
    decide_job(r, st, 1);
}

static void deny_job(srv_req *r, store *st)
{
    decide_job(r, st, 0);
}

enum srv_outcome srv_h_disclosure_approve(srv_req *r)
{
    return srv_fed_lane_run(r, approve_job);
}

enum srv_outcome srv_h_disclosure_deny(srv_req *r)
{
    return srv_fed_lane_run(r, deny_job);
}
