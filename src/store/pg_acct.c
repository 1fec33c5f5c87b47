/*
** pg_acct.c: the PostgreSQL backend's users, audit log, peers and
** disclosure requests.  store.c wraps every write in a write transaction
** (pg.c note 2), so each function is one statement.
**
** Invariants:
**  1. A refusal (duplicate key, missing row, decided request) is found from
**     the row count of an ON CONFLICT DO NOTHING or a guarded UPDATE, never
**     from an SQL error: an error would abort the caller's transaction.
**  2. The audit table refuses UPDATE, DELETE and TRUNCATE by trigger.
*/
#include <string.h>

#include "store/pg_int.h"
#include "util/util.h"

#define Q(s) ((pg_store *)(s))

/* Run a one-statement write; EEXIST/ENOTFOUND (with msg) if no row. */
static int write_one(store *s, const char *sql, int n, const char *const *p,
                     int none_code, const char *what, const char *key)
{
    long changed = 0;
    int rc = pg_command(Q(s), sql, n, p, &changed, what);
    if (rc == LIAISON_OK && changed == 0)
        rc = store_set_error(s, none_code, "%s: %s %s", what, key,
                             none_code == LIAISON_EEXIST ? "already exists"
                                                         : "not found");
    return rc;
}

/* ---------------------------------------------------------------- users */

#define USER_COLS "id, name, agency, role, created, revoked_at"

int pg_user_add(store *s, const char *name, const char *agency,
                const char *role, const char *token_hash, int64_t now)
{
    char t[24];
    const char *p[5] = {name, agency, role, token_hash, pg_num(t, now)};
    int rc = write_one(s, "INSERT INTO users(name, agency, role, token_hash,"
                       " created) VALUES($1, $2, $3, $4, $5)"
                       " ON CONFLICT DO NOTHING", 5, p, LIAISON_EEXIST,
                       "adding a user", name);
    if (rc == LIAISON_EEXIST)
        store_set_error(s, rc, "user %s or that token already exists", name);
    return rc;
}

int pg_user_revoke(store *s, const char *name, int64_t now)
{
    char t[24];
    const char *p[2] = {name, pg_num(t, now)};
    return write_one(s, "UPDATE users SET revoked_at = $2"
                     " WHERE name = $1 AND revoked_at IS NULL", 2, p,
                     LIAISON_ENOTFOUND, "revoking a user", name);
}

static void user_row(const PGresult *res, int i, store_user *u)
{
    u->id = pg_i64(res, i, 0);
    u->name = pg_val(res, i, 1);
    u->agency = pg_val(res, i, 2);
    u->role = pg_val(res, i, 3);
    u->created = pg_i64(res, i, 4);
    u->revoked_at = pg_i64(res, i, 5);
}

int pg_user_by_token_hash(store *s, const char *token_hash,
                          store_user **out)
{
    const char *p[1] = {token_hash};
    store_user u;
    int rc;
    PGresult *res = pg_query(Q(s), "SELECT " USER_COLS " FROM users"
                             " WHERE token_hash = $1 AND revoked_at IS NULL",
                             1, p, &rc, "looking up a token");
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        rc = store_set_error(s, LIAISON_ENOTFOUND,
                             "no active user with that token");
    } else {
        user_row(res, 0, &u);
        *out = store_user_dup(&u);
        if (!*out)
            rc = store_set_error(s, LIAISON_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

int pg_user_list(store *s, store_user_fn fn, void *ud)
{
    store_user u;
    int rc, i;
    PGresult *res = pg_query(Q(s), "SELECT " USER_COLS " FROM users"
                             " ORDER BY name", 0, NULL, &rc,
                             "reading users");
    if (!res)
        return rc;
    for (i = 0; i < PQntuples(res) && rc == 0; i++) {
        user_row(res, i, &u);
        rc = fn(ud, &u);
    }
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- audit */

int pg_audit_last(store *s, int64_t *seq, char *hash)
{
    int rc;
    PGresult *res = pg_query(Q(s), "SELECT seq, hash FROM audit"
                             " ORDER BY seq DESC LIMIT 1", 0, NULL, &rc,
                             "reading the audit log");
    *seq = 0;
    hash[0] = 0;
    if (!res)
        return rc;
    if (PQntuples(res) > 0) {
        *seq = pg_i64(res, 0, 0);
        util_strlcpy(hash, PQgetvalue(res, 0, 1), STORE_AUDIT_HASH_MAX);
    }
    PQclear(res);
    return LIAISON_OK;
}

int pg_audit_insert(store *s, const store_audit_entry *e)
{
    char sq[24], at[24];
    const char *p[9] = {pg_num(sq, e->seq), pg_num(at, e->at), e->actor,
                        e->agency, e->action, e->purpose, e->detail_json,
                        e->prev_hash, e->hash};
    return pg_command(Q(s), "INSERT INTO audit(seq, at, actor, agency,"
                      " action, purpose, detail_json, prev_hash, hash)"
                      " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9, p,
                      NULL, "appending to the audit log");
}

/* Keyset pages in seq order (pg.c note 5). */
int pg_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud)
{
    static const char sql[] =
        "SELECT seq, at, actor, agency, action, purpose, detail_json,"
        " prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq"
        " LIMIT " PG_PAGE_STR;
    store_audit_entry e;
    PGresult *res = NULL;
    char a[24];
    int rc = LIAISON_OK, i, n;
    do {
        const char *p[1] = {pg_num(a, after)};
        res = pg_query(Q(s), sql, 1, p, &rc, "reading the audit log");
        if (!res)
            return rc;
        n = PQntuples(res);
        for (i = 0; i < n; i++) {
            e.seq = pg_i64(res, i, 0);
            e.at = pg_i64(res, i, 1);
            e.actor = pg_val(res, i, 2);
            e.agency = pg_val(res, i, 3);
            e.action = pg_val(res, i, 4);
            e.purpose = pg_val(res, i, 5);
            e.detail_json = pg_val(res, i, 6);
            e.prev_hash = pg_val(res, i, 7);
            e.hash = pg_val(res, i, 8);
            after = e.seq;
            rc = fn(ud, &e);
            if (rc)
                goto out;
        }
        PQclear(res);
        res = NULL;
    } while (n == PG_PAGE);
out:
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- peers */

#define PEER_COLS "agency, url, public_key, ca_file, added"

int pg_peer_add(store *s, const store_peer *pe, int64_t now)
{
    char t[24];
    const char *p[5] = {pe->agency, pe->url, pe->public_key, pe->ca_file,
                        pg_num(t, now)};
    return write_one(s, "INSERT INTO peers(" PEER_COLS ")"
                     " VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                     5, p, LIAISON_EEXIST, "adding a peer", pe->agency);
}

static void peer_row(const PGresult *res, int i, store_peer *p)
{
    p->agency = pg_val(res, i, 0);
    p->url = pg_val(res, i, 1);
    p->public_key = pg_val(res, i, 2);
    p->ca_file = pg_val(res, i, 3);
    p->added = pg_i64(res, i, 4);
}

int pg_peer_get(store *s, const char *agency, store_peer **out)
{
    const char *p[1] = {agency};
    store_peer pe;
    int rc;
    PGresult *res = pg_query(Q(s), "SELECT " PEER_COLS " FROM peers"
                             " WHERE agency = $1", 1, p, &rc,
                             "reading a peer");
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no peer %s", agency);
    } else {
        peer_row(res, 0, &pe);
        *out = store_peer_dup(&pe);
        if (!*out)
            rc = store_set_error(s, LIAISON_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

int pg_peer_remove(store *s, const char *agency)
{
    const char *p[1] = {agency};
    return write_one(s, "DELETE FROM peers WHERE agency = $1", 1, p,
                     LIAISON_ENOTFOUND, "removing a peer", agency);
}

int pg_peer_each(store *s, store_peer_fn fn, void *ud)
{
    store_peer pe;
    int rc, i;
    PGresult *res = pg_query(Q(s), "SELECT " PEER_COLS " FROM peers"
                             " ORDER BY agency", 0, NULL, &rc,
                             "reading peers");
    if (!res)
        return rc;
    for (i = 0; i < PQntuples(res) && rc == 0; i++) {
        peer_row(res, i, &pe);
        rc = fn(ud, &pe);
    }
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- disclosures */

#define DISC_COLS                                                        \
    "id, requester_agency, requester_user, owner_agency, record_id,"     \
    " purpose, justification, status, fields, reason, handling,"         \
    " decided_by, created, decided_at"

int pg_disclosure_add(store *s, const store_disclosure *d, int64_t now)
{
    char t[24];
    const char *p[10] = {d->id, d->requester_agency, d->requester_user,
                         d->owner_agency, d->record_id, d->purpose,
                         d->justification, d->fields, d->handling,
                         pg_num(t, d->created ? d->created : now)};
    return write_one(s, "INSERT INTO disclosures(id, requester_agency,"
                     " requester_user, owner_agency, record_id, purpose,"
                     " justification, status, fields, handling, created)"
                     " VALUES($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9,"
                     " $10) ON CONFLICT DO NOTHING", 10, p, LIAISON_EEXIST,
                     "adding a disclosure request", d->id);
}

static void disc_row(const PGresult *res, int i, store_disclosure *d)
{
    d->id = pg_val(res, i, 0);
    d->requester_agency = pg_val(res, i, 1);
    d->requester_user = pg_val(res, i, 2);
    d->owner_agency = pg_val(res, i, 3);
    d->record_id = pg_val(res, i, 4);
    d->purpose = pg_val(res, i, 5);
    d->justification = pg_val(res, i, 6);
    d->status = pg_val(res, i, 7);
    d->fields = pg_val(res, i, 8);
    d->reason = pg_val(res, i, 9);
    d->handling = pg_val(res, i, 10);
    d->decided_by = pg_val(res, i, 11);
    d->created = pg_i64(res, i, 12);
    d->decided_at = pg_i64(res, i, 13);
}

int pg_disclosure_get(store *s, const char *id, store_disclosure **out)
{
    const char *p[1] = {id};
    store_disclosure d;
    int rc;
    PGresult *res = pg_query(Q(s), "SELECT " DISC_COLS " FROM disclosures"
                             " WHERE id = $1", 1, p, &rc,
                             "reading a disclosure");
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no disclosure %s", id);
    } else {
        disc_row(res, 0, &d);
        *out = store_disclosure_dup(&d);
        if (!*out)
            rc = store_set_error(s, LIAISON_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

/* One statement tells the three cases apart: decided now, already
** decided (ESTATE), unknown (ENOTFOUND). */
int pg_disclosure_decide(store *s, const char *id, const char *status,
                         const char *decided_by, const char *reason,
                         const char *handling, int64_t now)
{
    static const char sql[] =
        "WITH u AS (UPDATE disclosures SET status = $2, decided_by = $3,"
        " reason = $4, handling = coalesce($5, handling), decided_at = $6"
        " WHERE id = $1 AND status = 'pending' RETURNING id)"
        " SELECT (SELECT count(*) FROM u),"
        " (SELECT count(*) FROM disclosures WHERE id = $1)";
    char t[24];
    const char *p[6] = {id, status, decided_by, reason, handling,
                        pg_num(t, now)};
    int rc;
    PGresult *res = pg_query(Q(s), sql, 6, p, &rc, "deciding a disclosure");
    if (!res)
        return rc;
    if (pg_i64(res, 0, 0) == 0)
        rc = pg_i64(res, 0, 1)
                 ? store_set_error(s, LIAISON_ESTATE,
                                   "disclosure %s was already decided", id)
                 : store_set_error(s, LIAISON_ENOTFOUND,
                                   "no disclosure %s", id);
    PQclear(res);
    return rc;
}

int pg_disclosure_each(store *s, const char *status, store_disclosure_fn fn,
                       void *ud)
{
    const char *p[1] = {status};
    store_disclosure d;
    int rc, i;
    PGresult *res = pg_query(Q(s), "SELECT " DISC_COLS " FROM disclosures"
                             " WHERE $1::text IS NULL OR status = $1"
                             " ORDER BY created, id", 1, p, &rc,
                             "reading disclosures");
    if (!res)
        return rc;
    for (i = 0; i < PQntuples(res) && rc == 0; i++) {
        disc_row(res, i, &d);
        rc = fn(ud, &d);
    }
    PQclear(res);
    return rc;
}
