/*
** h_records.c: the watchlist routes: POST /v1/records (bulk JSONL
** upsert), GET|PUT|DELETE /v1/records/{id}, GET /v1/lists.
**
** Every write runs on the store lane (lane.c) in ONE transaction together
** with its audit entries, so a record change without its audit entry (or
** the reverse) cannot exist.  A bulk upload is one transaction: bad lines
** are reported with their line numbers and skipped, the good ones are
** committed together (DESIGN section 2); with ?atomic=true any bad line
** rolls everything back.  After a commit the refresher is kicked, so the
** new records are screened as soon as the index is rebuilt.
**
** Agencies maintain their own records (policy_may_write_record): a record
** owned by another agency can neither be written nor replaced nor
** deleted.  The audit entry of a change names the record and carries the
** BLAKE2b-256 of its new canonical JSON rather than the JSON itself: it
** proves which version was written without copying personal data into a
** log that is never pruned.
*/
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "server/srv_int.h"

#define ERRORS_MAX 1000
#define ID_MAX 256

static const char *sharing_name(liaison_sharing s)
{
    switch (s) {
    case LIAISON_SHARE_NONE: return "none";
    case LIAISON_SHARE_DETAILS: return "details";
    default: return "hit";
    }
}

static void to_store(const fmt_record *f, store_rec *sr)
{
    memset(sr, 0, sizeof(*sr));
    sr->id = f->rec.id;
    sr->list = f->rec.list;
    sr->kind = fmt_record_kind_name(f->rec.kind);
    sr->owner = f->rec.owner;
    sr->sharing = sharing_name(f->rec.sharing);
    sr->n_names = (long)f->rec.n_names;
    sr->json = f->json;
    sr->json_len = f->json_len;
}

/* Whether a record with this id exists, and its owner (arena copy). */
static int existing(store *st, util_arena *a, const char *id, int *exists,
                    const char **owner)
{
    fmt_record fr;
    char *json = NULL;
    size_t len = 0;
    int rc = store_record_get(st, id, &json, &len);
    *exists = 0;
    *owner = NULL;
    if (rc == LIAISON_ENOTFOUND)
        return LIAISON_OK;
    if (rc)
        return rc;
    *exists = 1;
    fmt_record_init(&fr);
    if (fmt_record_from_json(&fr, json, len, NULL, NULL) == LIAISON_OK &&
        fr.rec.owner && !(*owner = util_arena_strdup(a, fr.rec.owner)))
        rc = LIAISON_ENOMEM;
    fmt_record_fini(&fr);
    util_free(json);
    return rc;
}

/* The audit entry of a record change, appended in the caller's
** transaction. */
static int audit_change(srv_req *r, store *st, const char *action,
                        const fmt_record *f, const char *id, int created,
                        const char *via)
{
    store_audit_entry e;
    util_buf d;
    char hex[65];
    int rc;
    util_buf_init(&d, 64 * 1024);
    rc = util_buf_adds(&d, "{\"request\":");
    if (!rc)
        rc = util_buf_add_json_str(&d, r->rid, strlen(r->rid));
    if (!rc)
        rc = srv_json_kv_str(&d, "id", id, 1);
    if (!rc && f) {
        unsigned char h[32];
        crypto_generichash(h, sizeof(h), (const unsigned char *)f->json,
                           f->json_len, NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        rc = srv_json_kv_str(&d, "list", f->rec.list, 1);
        if (!rc && f->rec.owner)
            rc = srv_json_kv_str(&d, "owner", f->rec.owner, 1);
        if (!rc)
            rc = srv_json_kv_str(&d, "kind",
                                 fmt_record_kind_name(f->rec.kind), 1);
        if (!rc)
            rc = util_buf_printf(&d, ",\"created\":%s",
                                 created ? "true" : "false");
        if (!rc)
            rc = srv_json_kv_str(&d, "content_blake2b", hex, 1);
    }
    if (!rc)
        rc = srv_json_kv_str(&d, "via", via, 1);
    if (!rc)
        rc = util_buf_addc(&d, '}');
    if (!rc) {
        srv_req_audit_entry(r, &e, action, NULL, util_buf_str(&d));
        rc = audit_append(st, &e, NULL);
    }
    util_buf_fini(&d);
    return rc;
}

static int id_ok(const char *id)
{
    size_t n = strlen(id), i;
    if (n == 0 || n > ID_MAX || liaison_utf8_check(id, n, NULL))
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return 0;
    return 1;
}

/* A refusal on the record level, audited like a route-level one. */
static void deny(srv_req *r, const char *id, const char *owner)
{
    store_audit_entry e;
    util_buf d;
    util_buf_init(&d, 4096);
    util_buf_adds(&d, "{\"reason\":\"record owned by another agency\"");
    srv_json_kv_str(&d, "id", id, 1);
    srv_json_kv_str(&d, "owner", owner, 1);
    srv_json_kv_str(&d, "request", r->rid, 1);
    if (util_buf_addc(&d, '}') == LIAISON_OK) {
        srv_req_audit_entry(r, &e, "access.denied", NULL, util_buf_str(&d));
        srv_auditq_post(r->s, &e);
    }
    util_buf_fini(&d);
    atomic_fetch_add_explicit(&r->s->m.denied, 1, memory_order_relaxed);
    srv_req_fail(r, 403, "forbidden", "record %.80s belongs to agency "
                 "%.40s; only its own agency may change it", id,
                 owner ? owner : "(this node)");
}

static const char *owner_of(srv *s, const char *owner)
{
    return owner ? owner : s->node_agency;
}

/* ---------------------------------------------------------------- one record */

static void get_job(srv_req *r, store *st)
{
    const char *id = srv_req_path_param(r, 0);
    char *json = NULL;
    size_t len = 0;
    int rc;
    if (!id)
        return (void)srv_req_fail(r, 500, "internal", "out of memory");
    rc = store_record_get(st, id, &json, &len);
    if (rc == LIAISON_ENOTFOUND)
        return (void)srv_req_fail(r, 404, "not_found", "no record %.80s",
                                  id);
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    util_buf_reset(&r->out);
    if (util_buf_add(&r->out, json, len))
        srv_req_fail(r, 500, "internal", "out of memory");
    else
        r->status = 200;
    util_free(json);
}

enum srv_outcome srv_h_record_get(srv_req *r)
{
    const char *id = srv_req_path_param(r, 0);
    if (!id || !id_ok(id))
        return srv_req_fail(r, 400, "bad_value", "bad record id");
    return srv_lane_run(r, get_job);
}

static void put_job(srv_req *r, store *st)
{
    srv *s = r->s;
    const char *id = srv_req_path_param(r, 0), *old_owner = NULL;
    struct liaison_err err;
    fmt_record f;
    store_rec sr;
    srv_error e;
    int64_t seq = 0;
    int rc, exists = 0;

    memset(&err, 0, sizeof(err));
    fmt_record_init(&f);
    if (!id) {
        srv_req_fail(r, 500, "internal", "out of memory");
        goto out;
    }
    if (srv_json_scan(r->body.len ? r->body.p : "", r->body.len, &s->lim, 0,
                      &e)) {
        srv_req_error(r, &e);
        goto out;
    }
    rc = fmt_record_from_json(&f, r->body.len ? r->body.p : "", r->body.len,
                              NULL, &err);
    if (rc) {
        srv_req_fail(r, 400, rc == LIAISON_EUTF8 ? "invalid_utf8"
                             : "bad_record", "%s", err.msg);
        goto out;
    }
    if (strcmp(f.rec.id, id)) {
        srv_req_fail(r, 400, "id_mismatch", "the body's id \"%.80s\" is not "
                     "the id in the path", f.rec.id);
        goto out;
    }
    if (!policy_may_write_record(r->user.agency, s->node_agency,
                                 f.rec.owner)) {
        deny(r, id, owner_of(s, f.rec.owner));
        goto out;
    }
    if ((rc = store_begin(st))) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    rc = existing(st, &r->arena, id, &exists, &old_owner);
    if (!rc && exists &&
        !policy_may_write_record(r->user.agency, s->node_agency, old_owner)) {
        store_rollback(st);
        deny(r, id, owner_of(s, old_owner));
        goto out;
    }
    to_store(&f, &sr);
    if (!rc)
        rc = store_record_put(st, &sr, &err);
    if (!rc)
        rc = audit_change(r, st, "record.put", &f, id, !exists, "put");
    if (!rc)
        rc = store_last_seq(st, &seq);
    if (rc) {
        store_rollback(st);
        srv_req_store_error(r, st, rc);
        goto out;
    }
    if ((rc = store_commit(st))) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    srv_engines_kick(s);
    util_buf_reset(&r->out);
    r->status = exists ? 200 : 201;
    if (util_buf_adds(&r->out, "{") ||
        srv_json_kv_str(&r->out, "id", id, 0) ||
        util_buf_printf(&r->out, ",\"created\":%s,\"seq\":%lld}",
                        exists ? "false" : "true", (long long)seq))
        srv_req_fail(r, 500, "internal", "out of memory");
out:
    fmt_record_fini(&f);
}

enum srv_outcome srv_h_record_put(srv_req *r)
{
    const char *id = srv_req_path_param(r, 0);
    if (!id || !id_ok(id))
        return srv_req_fail(r, 400, "bad_value", "bad record id");
    return srv_lane_run(r, put_job);
}

static void delete_job(srv_req *r, store *st)
{
    srv *s = r->s;
    const char *id = srv_req_path_param(r, 0), *owner = NULL;
    int64_t seq = 0;
    int rc, exists = 0;
    if (!id)
        return (void)srv_req_fail(r, 500, "internal", "out of memory");
    if ((rc = store_begin(st)))
        return (void)srv_req_store_error(r, st, rc);
    rc = existing(st, &r->arena, id, &exists, &owner);
    if (!rc && !exists) {
        store_rollback(st);
        return (void)srv_req_fail(r, 404, "not_found", "no record %.80s", id);
    }
    if (!rc && !policy_may_write_record(r->user.agency, s->node_agency,
                                        owner)) {
        store_rollback(st);
        return deny(r, id, owner_of(s, owner));
    }
    if (!rc)
        rc = store_record_delete(st, id);
    if (!rc)
        rc = audit_change(r, st, "record.delete", NULL, id, 0, "delete");
    if (!rc)
        rc = store_last_seq(st, &seq);
    if (rc) {
        store_rollback(st);
        return (void)srv_req_store_error(r, st, rc);
    }
    if ((rc = store_commit(st)))
        return (void)srv_req_store_error(r, st, rc);
    srv_engines_kick(s);
    util_buf_reset(&r->out);
    r->status = 200;
    if (util_buf_adds(&r->out, "{") ||
        srv_json_kv_str(&r->out, "id", id, 0) ||
        util_buf_printf(&r->out, ",\"deleted\":true,\"seq\":%lld}",
                        (long long)seq))
        srv_req_fail(r, 500, "internal", "out of memory");
}

enum srv_outcome srv_h_record_delete(srv_req *r)
{
    const char *id = srv_req_path_param(r, 0);
    if (!id || !id_ok(id))
        return srv_req_fail(r, 400, "bad_value", "bad record id");
    return srv_lane_run(r, delete_job);
}

/* ---------------------------------------------------------------- bulk */

typedef struct bulk {
    util_buf errors;            /* ",{...}" entries */
    long n_errors, imported;
} bulk;

static int bulk_error(bulk *b, long line, const char *id, const char *code,
                      const char *msg)
{
    int rc;
    if (b->n_errors++ >= ERRORS_MAX)
        return LIAISON_OK;
    rc = util_buf_printf(&b->errors, "%s{\"line\":%ld",
                         b->n_errors > 1 ? "," : "", line);
    if (!rc && id)
        rc = srv_json_kv_str(&b->errors, "id", id, 1);
    if (!rc)
        rc = srv_json_kv_str(&b->errors, "code", code, 1);
    if (!rc)
        rc = srv_json_kv_str(&b->errors, "message", msg, 1);
    if (!rc)
        rc = util_buf_addc(&b->errors, '}');
    return rc;
}

/* One line of the upload; a store failure is returned (fatal). */
static int bulk_line(srv_req *r, store *st, bulk *b, fmt_record *f,
                     const char *s, size_t n, long line, const char *list)
{
    srv *sv = r->s;
    struct liaison_err err;
    const char *old_owner = NULL;
    store_rec sr;
    srv_error e;
    int rc, exists = 0;
    char msg[400];
    memset(&err, 0, sizeof(err));
    if (srv_json_scan(s, n, &sv->lim, 0, &e))
        return bulk_error(b, line, NULL, e.code, e.msg);
    rc = fmt_record_from_json(f, s, n, list, &err);
    if (rc == LIAISON_ENOMEM)
        return rc;
    if (rc)
        return bulk_error(b, line, NULL, rc == LIAISON_EUTF8 ? "invalid_utf8"
                                                             : "bad_record",
                          err.msg);
    if (!policy_may_write_record(r->user.agency, sv->node_agency,
                                 f->rec.owner)) {
        snprintf(msg, sizeof(msg), "record belongs to agency %.40s",
                 owner_of(sv, f->rec.owner));
        return bulk_error(b, line, f->rec.id, "forbidden", msg);
    }
    rc = existing(st, &r->arena, f->rec.id, &exists, &old_owner);
    if (rc)
        return rc;
    if (exists && !policy_may_write_record(r->user.agency, sv->node_agency,
                                           old_owner)) {
        snprintf(msg, sizeof(msg), "the stored record belongs to agency "
                 "%.40s", owner_of(sv, old_owner));
        return bulk_error(b, line, f->rec.id, "forbidden", msg);
    }
    to_store(f, &sr);
    rc = store_record_put(st, &sr, &err);
    if (rc == LIAISON_EINVAL)
        return bulk_error(b, line, f->rec.id, "bad_record", err.msg);
    if (!rc)
        rc = audit_change(r, st, "record.put", f, f->rec.id, !exists, "bulk");
    if (!rc)
        b->imported++;
    return rc;
}

static void bulk_job(srv_req *r, store *st)
{
    const char *list = srv_req_param(r, "list");
    const char *p = r->body.p, *end = r->body.p + r->body.len;
    int64_t seq = 0;
    long line = 0;
    int rc, atomic_mode = 0;
    fmt_record f;
    bulk b;

    if (srv_req_flag(r, "atomic", &atomic_mode))
        return (void)srv_req_fail(r, 400, "bad_parameter",
                                  "atomic must be true or false");
    if (list && (!*list || strlen(list) > 128 ||
                 liaison_utf8_check(list, strlen(list), NULL)))
        return (void)srv_req_fail(r, 400, "bad_parameter", "bad list name");
    if (r->body.len == 0)
        return (void)srv_req_fail(r, 400, "empty_body",
                                  "the body holds no records (JSONL)");
    memset(&b, 0, sizeof(b));
    util_buf_init(&b.errors, (size_t)16 << 20);
    fmt_record_init(&f);
    if ((rc = store_begin(st))) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *x = p;
        p = nl ? nl + 1 : end;
        line++;
        if (line == 1 && e - x >= 3 && !memcmp(x, "\xEF\xBB\xBF", 3))
            x += 3;
        while (x < e && (*x == ' ' || *x == '\t'))
            x++;
        while (e > x && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e == x)
            continue;
        if ((size_t)(e - x) > FMT_LINE_MAX) {
            rc = bulk_error(&b, line, NULL, "line_too_long",
                            "line longer than 1 MiB");
            continue;
        }
        rc = bulk_line(r, st, &b, &f, x, (size_t)(e - x), line, list);
    }
    if (rc) {
        store_rollback(st);
        srv_req_store_error(r, st, rc);
        goto out;
    }
    if (b.n_errors && (atomic_mode || b.imported == 0)) {
        store_rollback(st);
        util_buf_reset(&r->out);
        r->status = atomic_mode ? 422 : 400;
        rc = util_buf_printf(&r->out, "{\"error\":{\"code\":\"invalid_records"
                             "\",\"message\":\"%ld line%s refused; nothing "
                             "was written\"},\"rejected\":%ld,\"errors\":[",
                             b.n_errors, b.n_errors == 1 ? " was" : "s were",
                             b.n_errors);
        if (!rc && b.errors.len)
            rc = util_buf_add(&r->out, b.errors.p, b.errors.len);
        if (!rc)
            rc = util_buf_printf(&r->out, "],\"errors_truncated\":%s}",
                                 b.n_errors > ERRORS_MAX ? "true" : "false");
        if (rc)
            srv_req_fail(r, 500, "internal", "out of memory");
        goto out;
    }
    rc = store_last_seq(st, &seq);
    if (!rc)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc) {
        srv_req_store_error(r, st, rc);
        goto out;
    }
    if (b.imported)
        srv_engines_kick(r->s);
    util_buf_reset(&r->out);
    r->status = 200;
    rc = util_buf_printf(&r->out, "{\"imported\":%ld,\"rejected\":%ld,"
                         "\"seq\":%lld,\"errors\":[", b.imported, b.n_errors,
                         (long long)seq);
    if (!rc && b.errors.len)
        rc = util_buf_add(&r->out, b.errors.p, b.errors.len);
    if (!rc)
        rc = util_buf_printf(&r->out, "],\"errors_truncated\":%s}",
                             b.n_errors > ERRORS_MAX ? "true" : "false");
    if (rc)
        srv_req_fail(r, 500, "internal", "out of memory (the records were "
                     "written)");
out:
    fmt_record_fini(&f);
    util_buf_fini(&b.errors);
}

enum srv_outcome srv_h_records_post(srv_req *r)
{
    return srv_lane_run(r, bulk_job);
}

/* ---------------------------------------------------------------- lists */

typedef struct lists_ctx {
    util_buf *o;
    int n;
} lists_ctx;

static int on_list(void *ud, const store_list *l)
{
    lists_ctx *c = ud;
    int rc = util_buf_adds(c->o, c->n++ ? ",{" : "{");
    if (!rc)
        rc = srv_json_kv_str(c->o, "name", l->name, 0);
    if (!rc)
        rc = srv_json_kv_str(c->o, "description", l->description, 1);
    if (!rc)
        rc = srv_json_kv_str(c->o, "owner", l->owner, 1);
    if (!rc)
        rc = util_buf_printf(c->o, ",\"created\":%lld,\"records\":%ld}",
                             (long long)l->created, l->records);
    return rc;
}

static void lists_job(srv_req *r, store *st)
{
    lists_ctx c;
    int rc;
    util_buf_reset(&r->out);
    c.o = &r->out;
    c.n = 0;
    rc = util_buf_adds(&r->out, "{\"lists\":[");
    if (!rc)
        rc = store_list_each(st, on_list, &c);
    if (!rc)
        rc = util_buf_adds(&r->out, "]}");
    if (rc)
        return (void)srv_req_store_error(r, st, rc);
    r->status = 200;
}

enum srv_outcome srv_h_lists(srv_req *r)
{
    return srv_lane_run(r, lists_job);
}
