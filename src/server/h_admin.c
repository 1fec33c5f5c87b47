/*
** h_admin.c: the accountability and operations routes: GET /v1/audit
** (paged), GET /v1/audit/verify, the account routes (GET|POST /v1/users,
** DELETE /v1/users/{name}), GET /healthz, GET /metrics, GET /openapi.json.
**
** A new user's token is generated here (policy_token_new), shown once in
** the 201 response and stored only as its hash; the response buffer is
** wiped when the request ends.  Account changes are audited in the same
** transaction as the change, and a revocation clears every worker's
** token cache at once.
*/
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "server/srv_int.h"

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000

/* ---------------------------------------------------------------- audit */

typedef struct page_ctx {
    util_buf *o;
    long limit, n;
    int64_t last;
    int more;
} page_ctx;

static int on_audit(void *ud, const store_audit_entry *e)
{
    page_ctx *c = ud;
    json_t *d = NULL;
    int rc;
    if (c->n == c->limit) {
        c->more = 1;
        return 1;
    }
    rc = util_buf_printf(c->o, "%s{\"seq\":%lld,\"at\":%lld", c->n ? "," : "",
                         (long long)e->seq, (long long)e->at);
    if (!rc)
        rc = srv_json_kv_str(c->o, "actor", e->actor, 1);
    if (!rc)
        rc = srv_json_kv_str(c->o, "agency", e->agency, 1);
    if (!rc)
        rc = srv_json_kv_str(c->o, "action", e->action, 1);
    if (!rc)
        rc = srv_json_kv_str(c->o, "purpose", e->purpose, 1);
    /* The detail is our own JSON; embed it as such if it still parses,
    ** else (a damaged entry) as a string. */
    if (!rc && e->detail_json &&
        (d = json_loads(e->detail_json, JSON_DECODE_ANY, NULL)) != NULL) {
        rc = util_buf_adds(c->o, ",\"detail\":");
        if (!rc)
            rc = util_buf_adds(c->o, e->detail_json);
    } else if (!rc) {
        rc = srv_json_kv_str(c->o, "detail", e->detail_json, 1);
    }
    json_decref(d);
    if (!rc)
        rc = srv_json_kv_str(c->o, "prev_hash", e->prev_hash, 1);
    if (!rc)
        rc = srv_json_kv_str(c->o, "hash", e->hash, 1);
    if (!rc)
        rc = util_buf_addc(c->o, '}');
    c->n++;
    c->last = e->seq;
    return rc;
}

static void audit_job(srv_req *r, store *st)
{
    const char *after_s = srv_req_param(r, "after");
    const char *limit_s = srv_req_param(r, "limit");
    long after = 0, limit = AUDIT_PAGE_DEFAULT;
    page_ctx c;
    int rc;
    if (after_s && util_parse_long(after_s, 0, 1L << 62, &after))
        return (void)srv_req_fail(r, 400, "bad_parameter",
                                  "after must be a whole number >= 0");
    if (limit_s && util_parse_long(limit_s, 1, AUDIT_PAGE_MAX, &limit))
        return (void)srv_req_fail(r, 400, "bad_parameter",
                                  "limit must be a whole number from 1 to %d",
                                  AUDIT_PAGE_MAX);
    memset(&c, 0, sizeof(c));
    c.o = &r->out;
    c.limit = limit;
    c.last = after;
    util_buf_reset(&r->out);
    rc = util_buf_adds(&r->out, "{\"entries\":[");
    if (!rc) {
        rc = store_audit_each(st, after, on_audit, &c);
        if (rc == 1)
            rc = LIAISON_OK;
    }
    if (!rc)
        rc = util_buf_printf(&r->out, "],\"next_after\":%lld,\"more\":%s}",
                             (long long)c.last, c.more ? "true" : "false");
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    r->status = 200;
}

enum srv_outcome srv_h_audit(srv_req *r)
{
    return srv_lane_run(r, audit_job);
}

static void verify_job(srv_req *r, store *st)
{
    const char *as = srv_req_param(r, "anchor_seq");
    const char *ah = srv_req_param(r, "anchor_hash");
    audit_verify_report rep;
    audit_anchor anchor;
    long seq = 0;
    int rc;
    if (!as != !ah)
        return (void)srv_req_fail(r, 400, "bad_parameter",
                                  "anchor_seq and anchor_hash go together");
    if (as && (util_parse_long(as, 1, 1L << 62, &seq) ||
               strlen(ah) != AUDIT_HASH_LEN))
        return (void)srv_req_fail(r, 400, "bad_parameter",
                                  "anchor_seq must be a number >= 1 and "
                                  "anchor_hash 64 hex characters");
    anchor.seq = seq;
    anchor.hash = ah;
    rc = audit_verify(st, as ? &anchor : NULL, &rep);
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    util_buf_reset(&r->out);
    rc = util_buf_printf(&r->out, "{\"ok\":%s,\"entries\":%lld,"
                         "\"last_seq\":%lld", rep.ok ? "true" : "false",
                         (long long)rep.count, (long long)rep.last_seq);
    if (!rc)
        rc = srv_json_kv_str(&r->out, "head", rep.head, 1);
    if (!rc && !rep.ok)
        rc = util_buf_printf(&r->out, ",\"bad_seq\":%lld",
                             (long long)rep.bad_seq);
    if (!rc && !rep.ok)
        rc = srv_json_kv_str(&r->out, "problem", rep.problem, 1);
    if (!rc)
        rc = util_buf_addc(&r->out, '}');
    if (rc)
        return (void)srv_req_fail(r, 500, "internal", "out of memory");
    r->status = 200;
}

enum srv_outcome srv_h_audit_verify(srv_req *r)
{
    return srv_lane_run(r, verify_job);
}

/* ---------------------------------------------------------------- users */

static int on_user(void *ud, const store_user *u)
{
    util_buf *o = ((void **)ud)[0];
    int *n = ((void **)ud)[1];
    int rc = util_buf_adds(o, (*n)++ ? ",{" : "{");
    if (!rc)
        rc = srv_json_kv_str(o, "name", u->name, 0);
    if (!rc)
        rc = srv_json_kv_str(o, "agency", u->agency, 1);
    if (!rc)
        rc = srv_json_kv_str(o, "role", u->role, 1);
    if (!rc)
        rc = util_buf_printf(o, ",\"created\":%lld,\"revoked_at\":",
                             (long long)u->created);
    if (!rc)
        rc = u->revoked_at ? util_buf_printf(o, "%lld}",
                                             (long long)u->revoked_at)
                           : util_buf_adds(o, "null}");
    return rc;
}

static void users_get_job(srv_req *r, store *st)
{
    int n = 0, rc;
    void *ud[2];
    ud[0] = &r->out;
    ud[1] = &n;
    util_buf_reset(&r->out);
    rc = util_buf_adds(&r->out, "{\"users\":[");
    if (!rc)
        rc = store_user_list(st, on_user, ud);
    if (!rc)
        rc = util_buf_adds(&r->out, "]}");
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    r->status = 200;
}

enum srv_outcome srv_h_users_get(srv_req *r)
{
    return srv_lane_run(r, users_get_job);
}

static int account_audit(srv_req *r, store *st, const char *action,
                         const char *name, const char *agency,
                         const char *role)
{
    store_audit_entry e;
    util_buf d;
    int rc;
    util_buf_init(&d, 4096);
    rc = util_buf_addc(&d, '{');
    if (!rc)
        rc = srv_json_kv_str(&d, "user", name, 0);
    if (!rc && agency)
        rc = srv_json_kv_str(&d, "user_agency", agency, 1);
    if (!rc && role)
        rc = srv_json_kv_str(&d, "role", role, 1);
    if (!rc)
        rc = srv_json_kv_str(&d, "request", r->rid, 1);
    if (!rc)
        rc = util_buf_addc(&d, '}');
    if (!rc) {
        srv_req_audit_entry(r, &e, action, NULL, util_buf_str(&d));
        rc = audit_append(st, &e, NULL);
    }
    util_buf_fini(&d);
    return rc;
}

static void users_post_job(srv_req *r, store *st)
{
    srv *s = r->s;
    const char *name = NULL, *agency = NULL, *role = NULL, *key;
    char token[POLICY_TOKEN_MAX], hash[POLICY_TOKEN_HASH_MAX];
    struct liaison_err err;
    policy_role pr;
    srv_error e;
    json_t *o, *v;
    int rc = LIAISON_OK;

    memset(&err, 0, sizeof(err));
    o = srv_json_object(r->body.len ? r->body.p : "", r->body.len, &s->lim,
                        &e);
    if (!o)
        return (void)srv_req_error(r, &e);
    json_object_foreach(o, key, v) {
        const char **dst = !strcmp(key, "name")     ? &name
                           : !strcmp(key, "agency") ? &agency
                           : !strcmp(key, "role")   ? &role
                                                    : NULL;
        if (!dst) {
            srv_req_fail(r, 400, "unknown_field", "unknown field \"%.40s\"",
                         key);
            rc = LIAISON_EINVAL;
            break;
        }
        if (!json_is_string(v)) {
            srv_req_fail(r, 400, "bad_type", "%s must be a string", key);
            rc = LIAISON_EINVAL;
            break;
        }
        *dst = util_arena_strdup(&r->arena, json_string_value(v));
    }
    json_decref(o);
    if (rc)
        return;
    if (!agency)
        agency = r->user.agency;
    if (!name || !policy_name_ok(name))
        return (void)srv_req_fail(r, 400, "bad_value", "name: 1 to 64 of "
                                  "A-Z a-z 0-9 . _ - @");
    if (!agency || !policy_name_ok(agency))
        return (void)srv_req_fail(r, 400, "bad_value", "agency: 1 to 64 of "
                                  "A-Z a-z 0-9 . _ - @");
    if (!role || policy_role_parse(role, &pr))
        return (void)srv_req_fail(r, 400, "bad_value", "role must be "
                                  "officer, analyst, auditor, admin or "
                                  "monitor");
    if (policy_token_new(token) || policy_token_hash(token, strlen(token),
                                                     hash))
        return (void)srv_req_fail(r, 500, "internal", "cannot make a token");
    if ((rc = store_begin(st)))
        goto fail;
    rc = store_user_add(st, name, agency, role, hash, &err);
    if (!rc)
        rc = account_audit(r, st, "user.add", name, agency, role);
    if (rc) {
        store_rollback(st);
        goto fail;
    }
    if ((rc = store_commit(st)))
        goto fail;
    util_buf_reset(&r->out);
    r->status = 201;
    r->secret = 1;
    if (util_buf_addc(&r->out, '{') ||
        srv_json_kv_str(&r->out, "name", name, 0) ||
        srv_json_kv_str(&r->out, "agency", agency, 1) ||
        srv_json_kv_str(&r->out, "role", role, 1) ||
        srv_json_kv_str(&r->out, "token", token, 1) ||
        util_buf_addc(&r->out, '}'))
        srv_req_fail(r, 500, "internal", "out of memory (the user was added; "
                     "revoke it and try again)");
    sodium_memzero(token, sizeof(token));
    return;
fail:
    sodium_memzero(token, sizeof(token));
    if (rc == LIAISON_EEXIST)
        return (void)srv_req_fail(r, 409, "conflict", "user %.64s exists",
                                  name);
    srv_req_store_error(r, st, rc);
}

enum srv_outcome srv_h_users_post(srv_req *r)
{
    return srv_lane_run(r, users_post_job);
}

static void user_delete_job(srv_req *r, store *st)
{
    const char *name = srv_req_path_param(r, 0);
    int rc;
    if (!name || !policy_name_ok(name))
        return (void)srv_req_fail(r, 400, "bad_value", "bad user name");
    if ((rc = store_begin(st)))
        return (void)srv_req_store_error(r, st, rc);
    rc = store_user_revoke(st, name);
    if (!rc)
        rc = account_audit(r, st, "user.revoke", name, NULL, NULL);
    if (rc) {
        store_rollback(st);
        if (rc == LIAISON_ENOTFOUND)
            return (void)srv_req_fail(r, 404, "not_found",
                                      "no active user %.64s", name);
        return (void)srv_req_store_error(r, st, rc);
    }
    if ((rc = store_commit(st)))
        return (void)srv_req_store_error(r, st, rc);
    srv_auth_invalidate(r->s);
    util_buf_reset(&r->out);
    r->status = 200;
    if (util_buf_addc(&r->out, '{') ||
        srv_json_kv_str(&r->out, "name", name, 0) ||
        util_buf_adds(&r->out, ",\"revoked\":true}"))
        srv_req_fail(r, 500, "internal", "out of memory");
}

enum srv_outcome srv_h_user_delete(srv_req *r)
{
    return srv_lane_run(r, user_delete_job);
}

/* ---------------------------------------------------------------- operations */

enum srv_outcome srv_h_healthz(srv_req *r)
{
    util_buf_reset(&r->out);
    if (atomic_load(&r->s->stopping)) {
        r->status = 503;
        r->close = 1;
        util_buf_adds(&r->out, "{\"status\":\"stopping\"}");
    } else {
        r->status = 200;
        util_buf_adds(&r->out, "{\"status\":\"ok\"}");
    }
    return SRV_RESPOND;
}

enum srv_outcome srv_h_metrics(srv_req *r)
{
    util_buf_reset(&r->out);
    if (srv_metrics_render(r->s, &r->out))
        return srv_req_fail(r, 500, "internal", "out of memory");
    r->status = 200;
    r->out_type = "text/plain; version=0.0.4; charset=utf-8";
    return SRV_RESPOND;
}

enum srv_outcome srv_h_openapi(srv_req *r)
{
    util_buf_reset(&r->out);
    if (util_buf_adds(&r->out, srv_openapi_json))
        return srv_req_fail(r, 500, "internal", "out of memory");
    r->status = 200;
    return SRV_RESPOND;
}
