/*
** sqlite_acct.c: the SQLite backend's accounts and accountability tables:
** users (with token hashes, never tokens), the append-only audit log,
** peers and disclosure requests.  store.c wraps every write here in a
** write transaction, so each function is a statement or two.
**
** Invariants:
**  1. Inserts that may meet an existing key use ON CONFLICT DO NOTHING and
**     report LIAISON_EEXIST from the change count, so a refusal never
**     raises an SQL error and never spoils the caller's transaction.
**  2. The audit table refuses UPDATE and DELETE by trigger; entries are
**     only ever inserted, with the seq store.c chose under the write lock.
*/
#include <string.h>

#include "store/sqlite_int.h"
#include "util/util.h"

#define Q(s) ((sq_store *)(s))

static int64_t col_time(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? 0 : sqlite3_column_int64(st, i);
}

/* Step an INSERT ... ON CONFLICT DO NOTHING; EEXIST when nothing went in. */
static int insert_new(sq_store *q, sqlite3_stmt *st, const char *what,
                      const char *key)
{
    int rc = sq_exec(q, st, what);
    if (rc == LIAISON_OK && sqlite3_changes(q->db) == 0)
        rc = store_set_error(&q->base, LIAISON_EEXIST, "%s: %s already exists",
                             what, key);
    return rc;
}

/* ---------------------------------------------------------------- users */

int sq_user_add(store *s, const char *name, const char *agency,
                const char *role, const char *token_hash, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_USER_ADD, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    rc = insert_new(Q(s), st, "adding a user", name);
    if (rc == LIAISON_EEXIST)
        store_set_error(s, rc, "user %s or that token already exists", name);
    return rc;
}

int sq_user_revoke(store *s, const char *name, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_USER_REVOKE, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    rc = sq_exec(Q(s), st, "revoking a user");
    if (rc == LIAISON_OK && sqlite3_changes(Q(s)->db) == 0)
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no active user %s", name);
    return rc;
}

static void user_row(sqlite3_stmt *st, store_user *u)
{
    u->id = sqlite3_column_int64(st, 0);
    u->name = sq_col_str(st, 1);
    u->agency = sq_col_str(st, 2);
    u->role = sq_col_str(st, 3);
    u->created = col_time(st, 4);
    u->revoked_at = col_time(st, 5);
}

int sq_user_by_token_hash(store *s, const char *token_hash,
                          store_user **out)
{
    sqlite3_stmt *st;
    store_user u;
    int rc = sq_prep(Q(s), SQ_USER_BY_TOKEN, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        user_row(st, &u);
        *out = store_user_dup(&u);
        rc = *out ? LIAISON_OK
                  : store_set_error(s, LIAISON_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no active user with "
                             "that token");
    } else {
        rc = sq_fail(Q(s), rc, "looking up a token");
    }
    sqlite3_reset(st);
    return rc;
}

int sq_user_list(store *s, store_user_fn fn, void *ud)
{
    sqlite3_stmt *st;
    store_user u;
    int rc = sq_prep(Q(s), SQ_USER_LIST, &st);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        user_row(st, &u);
        rc = fn(ud, &u);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(Q(s), rc, "reading users");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- audit */

int sq_audit_last(store *s, int64_t *seq, char *hash)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_AUDIT_LAST, &st);
    *seq = 0;
    hash[0] = 0;
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *h = sq_col_str(st, 1);
        *seq = sqlite3_column_int64(st, 0);
        util_strlcpy(hash, h ? h : "", STORE_AUDIT_HASH_MAX);
        rc = LIAISON_OK;
    } else if (rc == SQLITE_DONE) {
        rc = LIAISON_OK;
    } else {
        rc = sq_fail(Q(s), rc, "reading the audit log");
    }
    sqlite3_reset(st);
    return rc;
}

int sq_audit_insert(store *s, const store_audit_entry *e)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_AUDIT_ADD, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, e->at);
    sqlite3_bind_text(st, 3, e->actor, -1, SQLITE_STATIC);
    sq_bind_str(st, 4, e->agency);
    sqlite3_bind_text(st, 5, e->action, -1, SQLITE_STATIC);
    sq_bind_str(st, 6, e->purpose);
    sq_bind_str(st, 7, e->detail_json);
    sqlite3_bind_text(st, 8, e->prev_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, e->hash, -1, SQLITE_STATIC);
    return sq_exec(Q(s), st, "appending to the audit log");
}

int sq_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud)
{
    sqlite3_stmt *st;
    store_audit_entry e;
    int rc = sq_prep(Q(s), SQ_AUDIT_EACH, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, after);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        e.seq = sqlite3_column_int64(st, 0);
        e.at = sqlite3_column_int64(st, 1);
        e.actor = sq_col_str(st, 2);
        e.agency = sq_col_str(st, 3);
        e.action = sq_col_str(st, 4);
        e.purpose = sq_col_str(st, 5);
        e.detail_json = sq_col_str(st, 6);
        e.prev_hash = sq_col_str(st, 7);
        e.hash = sq_col_str(st, 8);
        rc = fn(ud, &e);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK
                           : sq_fail(Q(s), rc, "reading the audit log");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- peers */

int sq_peer_add(store *s, const store_peer *p, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_PEER_ADD, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, p->agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->public_key, -1, SQLITE_STATIC);
    sq_bind_str(st, 4, p->ca_file);
    sqlite3_bind_int64(st, 5, now);
    return insert_new(Q(s), st, "adding a peer", p->agency);
}

static void peer_row(sqlite3_stmt *st, store_peer *p)
{
    p->agency = sq_col_str(st, 0);
    p->url = sq_col_str(st, 1);
    p->public_key = sq_col_str(st, 2);
    p->ca_file = sq_col_str(st, 3);
    p->added = col_time(st, 4);
}

int sq_peer_get(store *s, const char *agency, store_peer **out)
{
    sqlite3_stmt *st;
    store_peer p;
    int rc = sq_prep(Q(s), SQ_PEER_GET, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        peer_row(st, &p);
        *out = store_peer_dup(&p);
        rc = *out ? LIAISON_OK
                  : store_set_error(s, LIAISON_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no peer %s", agency);
    } else {
        rc = sq_fail(Q(s), rc, "reading a peer");
    }
    sqlite3_reset(st);
    return rc;
}

int sq_peer_remove(store *s, const char *agency)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_PEER_DEL, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, agency, -1, SQLITE_STATIC);
    rc = sq_exec(Q(s), st, "removing a peer");
    if (rc == LIAISON_OK && sqlite3_changes(Q(s)->db) == 0)
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no peer %s", agency);
    return rc;
}

int sq_peer_each(store *s, store_peer_fn fn, void *ud)
{
    sqlite3_stmt *st;
    store_peer p;
    int rc = sq_prep(Q(s), SQ_PEER_EACH, &st);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        peer_row(st, &p);
        rc = fn(ud, &p);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(Q(s), rc, "reading peers");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- disclosures */

int sq_disclosure_add(store *s, const store_disclosure *d, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_DISC_ADD, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->requester_agency, -1, SQLITE_STATIC);
    sq_bind_str(st, 3, d->requester_user);
    sqlite3_bind_text(st, 4, d->owner_agency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, d->record_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, d->purpose, -1, SQLITE_STATIC);
    sq_bind_str(st, 7, d->justification);
    sq_bind_str(st, 8, d->fields);
    sq_bind_str(st, 9, d->handling);
    sqlite3_bind_int64(st, 10, d->created ? d->created : now);
    return insert_new(Q(s), st, "adding a disclosure request", d->id);
}

static void disc_row(sqlite3_stmt *st, store_disclosure *d)
{
    d->id = sq_col_str(st, 0);
    d->requester_agency = sq_col_str(st, 1);
    d->requester_user = sq_col_str(st, 2);
    d->owner_agency = sq_col_str(st, 3);
    d->record_id = sq_col_str(st, 4);
    d->purpose = sq_col_str(st, 5);
    d->justification = sq_col_str(st, 6);
    d->status = sq_col_str(st, 7);
    d->fields = sq_col_str(st, 8);
    d->reason = sq_col_str(st, 9);
    d->handling = sq_col_str(st, 10);
    d->decided_by = sq_col_str(st, 11);
    d->created = col_time(st, 12);
    d->decided_at = col_time(st, 13);
}

int sq_disclosure_get(store *s, const char *id, store_disclosure **out)
{
    sqlite3_stmt *st;
    store_disclosure d;
    int rc = sq_prep(Q(s), SQ_DISC_GET, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        disc_row(st, &d);
        *out = store_disclosure_dup(&d);
        rc = *out ? LIAISON_OK
                  : store_set_error(s, LIAISON_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no disclosure %s", id);
    } else {
        rc = sq_fail(Q(s), rc, "reading a disclosure");
    }
    sqlite3_reset(st);
    return rc;
}

int sq_disclosure_decide(store *s, const char *id, const char *status,
                         const char *decided_by, const char *reason,
                         const char *handling, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sq_prep(Q(s), SQ_DISC_DECIDE, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sq_bind_str(st, 3, decided_by);
    sq_bind_str(st, 4, reason);
    sq_bind_str(st, 5, handling);
    sqlite3_bind_int64(st, 6, now);
    rc = sq_exec(Q(s), st, "deciding a disclosure");
    if (rc < 0 || sqlite3_changes(Q(s)->db) > 0)
        return rc;
    /* Nothing changed: unknown, or already decided. */
    rc = sq_prep(Q(s), SQ_DISC_EXISTS, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return store_set_error(s, LIAISON_ESTATE,
                               "disclosure %s was already decided", id);
    if (rc == SQLITE_DONE)
        return store_set_error(s, LIAISON_ENOTFOUND, "no disclosure %s", id);
    return sq_fail(Q(s), rc, "reading a disclosure");
}

int sq_disclosure_each(store *s, const char *status, store_disclosure_fn fn,
                       void *ud)
{
    sqlite3_stmt *st;
    store_disclosure d;
    int rc = sq_prep(Q(s), SQ_DISC_EACH, &st);
    if (rc < 0)
        return rc;
    sq_bind_str(st, 1, status);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        disc_row(st, &d);
        rc = fn(ud, &d);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK
                           : sq_fail(Q(s), rc, "reading disclosures");
out:
    sqlite3_reset(st);
    return rc;
}
