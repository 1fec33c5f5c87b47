/*
** pg.c: the PostgreSQL backend of the store (libpq): connecting, creating
** and checking the schema, write transactions, records, the change feed
** (with LISTEN/NOTIFY) and lists.  Users, audit, peers and disclosures are
** in pg_acct.c.  store.c calls these through pg_ops; nothing else does.
**
** NOTES ON THE POSTGRESQL BACKEND
**
**  1. A database holds a liaison store when it has a meta table with
**     application = 'liaison' and a schema_version we know; a newer or
**     unknown version is refused (LIAISON_EFORMAT) and nothing is touched.
**  2. Every write transaction takes pg_advisory_xact_lock(STORE_LOCK) right
**     after BEGIN.  PostgreSQL would otherwise let two writers take
**     sequence numbers 7 and 8 and commit 8 first; a change-feed reader
**     that saw 8 would then skip 7 for ever.  With the lock, sequence
**     order is commit order (store.c note 2), and audit appends queue up.
**     The lock is released only after the commit is visible.
**  3. A put is one statement (a data-modifying WITH: change row, list row,
**     record upsert), so it is one round trip and atomic on its own.
**     Refusals that must not abort the transaction (a duplicate key, a
**     missing row) are found from row counts, never from SQL errors.
**  4. A transaction that wrote changes sends NOTIFY liaison_changes just
**     before COMMIT; PostgreSQL delivers it on commit only, once.
**     store_changes_wait() LISTENs and waits on the connection's socket.
**  5. Big walks (records, changes, audit) go by keyset pages of PG_PAGE
**     rows (WHERE key > last ORDER BY key LIMIT n), so no cursor or
**     transaction is held open and the callback may use the handle.  A
**     walk outside a transaction is not one snapshot; index loaders read
**     store_last_seq() first and then apply the changes since.
**  6. Keys that are walked in order use COLLATE "C", so PostgreSQL orders
**     them by bytes exactly as SQLite does.
**  7. A store of an older schema version is upgraded when it is opened,
**     in one transaction under the write lock, which re-reads the version
**     (another node may have upgraded it meanwhile).  Version 2 added the
**     monitor role to the users table's CHECK constraint.
*/
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"
#include "util/util.h"

#define STORE_LOCK "1279869267"             /* "LIAS" */
/* The users' roles (schema version 2 added monitor: note 7). */
#define PG_ROLES "('officer','analyst','auditor','admin','monitor')"

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE records("
    " id TEXT COLLATE \"C\" PRIMARY KEY,"
    " list TEXT COLLATE \"C\" NOT NULL,"
    " kind TEXT NOT NULL"
    "  CHECK(kind IN ('person','entity','document','vehicle')),"
    " owner TEXT,"
    " sharing TEXT NOT NULL CHECK(sharing IN ('none','hit','details')),"
    " n_names BIGINT NOT NULL CHECK(n_names >= 0),"
    " json TEXT NOT NULL,"
    " seq BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL);"
    "CREATE INDEX records_list ON records(list);"
    "CREATE TABLE changes("
    " seq BIGSERIAL PRIMARY KEY,"
    " id TEXT NOT NULL,"
    " op TEXT NOT NULL CHECK(op IN ('put','delete')),"
    " at BIGINT NOT NULL);"
    "CREATE TABLE lists("
    " name TEXT COLLATE \"C\" PRIMARY KEY,"
    " description TEXT,"
    " owner TEXT,"
    " created BIGINT NOT NULL);"
    "CREATE TABLE users("
    " id BIGSERIAL PRIMARY KEY,"
    " name TEXT COLLATE \"C\" NOT NULL UNIQUE,"
    " agency TEXT NOT NULL,"
    " role TEXT NOT NULL"
    "  CHECK(role IN " PG_ROLES "),"
    " token_hash TEXT NOT NULL UNIQUE,"
    " created BIGINT NOT NULL,"
    " revoked_at BIGINT);"
    "CREATE TABLE audit("
    " seq BIGINT PRIMARY KEY,"
    " at BIGINT NOT NULL,"
    " actor TEXT NOT NULL,"
    " agency TEXT,"
    " action TEXT NOT NULL,"
    " purpose TEXT,"
    " detail_json TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE FUNCTION liaison_audit_append_only() RETURNS trigger"
    " LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'audit is append-only'; END$$;"
    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit"
    " FOR EACH ROW EXECUTE FUNCTION liaison_audit_append_only();"
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION liaison_audit_append_only();"
    "CREATE TABLE peers("
    " agency TEXT COLLATE \"C\" PRIMARY KEY,"
    " url TEXT NOT NULL,"
    " public_key TEXT NOT NULL,"
    " ca_file TEXT,"
    " added BIGINT NOT NULL);"
    "CREATE TABLE disclosures("
    " id TEXT COLLATE \"C\" PRIMARY KEY,"
    " requester_agency TEXT NOT NULL,"
    " requester_user TEXT,"
    " owner_agency TEXT NOT NULL,"
    " record_id TEXT NOT NULL,"
    " purpose TEXT NOT NULL,"
    " justification TEXT,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK(status IN ('pending','approved','denied')),"
    " fields TEXT,"
    " reason TEXT,"
    " handling TEXT,"
    " decided_by TEXT,"
    " created BIGINT NOT NULL,"
    " decided_at BIGINT);"
    "CREATE INDEX disclosures_status ON disclosures(status, created);";

/* ---------------------------------------------------------------- helpers */

/* The server's message without its trailing newline. */
static int pg_fail(pg_store *q, const PGresult *res, const char *what)
{
    const char *m = res ? PQresultErrorMessage(res) : "";
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : 0;
    int code = LIAISON_EDB, n;
    if (!m || !*m)
        m = PQerrorMessage(q->conn);
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
                  !strcmp(state, "55P03")))
        code = LIAISON_EBUSY;
    if (PQstatus(q->conn) == CONNECTION_BAD)
        code = LIAISON_ENET;
    n = (int)strcspn(m, "\n");
    return store_set_error(&q->base, code, "%s: %.*s", what, n, m);
}

PGresult *pg_query(pg_store *q, const char *sql, int n,
                   const char *const *params, int *rc, const char *what)
{
    /* Without parameters, PQexec: the schema is several statements. */
    PGresult *res = n ? PQexecParams(q->conn, sql, n, NULL, params, NULL,
                                     NULL, 0)
                      : PQexec(q->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    *rc = LIAISON_OK;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return res;
    *rc = res ? pg_fail(q, res, what)
              : store_set_error(&q->base, LIAISON_ENOMEM, "%s: out of "
                                "memory", what);
    PQclear(res);
    return NULL;
}

int pg_command(pg_store *q, const char *sql, int n,
               const char *const *params, long *changed, const char *what)
{
    int rc;
    PGresult *res = pg_query(q, sql, n, params, &rc, what);
    if (!res)
        return rc;
    if (changed)
        *changed = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return LIAISON_OK;
}

const char *pg_val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int64_t pg_i64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col)
               ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *pg_num(char *buf, int64_t v)
{
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}

/* Run a hot statement, prepared once per connection under a fixed name
** (server-side plan reuse; a put is then one round trip of parameters). */
static int pg_prepared(pg_store *q, enum pg_stmt i, const char *sql, int n,
                       const char *const *params, const char *what)
{
    static const char *const names[PG_ST_COUNT] = {"liaison_put"};
    PGresult *res;
    int rc = LIAISON_OK;
    if (!q->prepared[i]) {
        res = PQprepare(q->conn, names[i], sql, n, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_fail(q, res, what);
        PQclear(res);
        if (rc < 0)
            return rc;
        q->prepared[i] = 1;
    }
    res = PQexecPrepared(q->conn, names[i], n, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK &&
        PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = pg_fail(q, res, what);
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- transactions */

static int pg_begin(store *s)
{
    pg_store *q = (pg_store *)s;
    int rc = pg_command(q, "BEGIN", 0, NULL, NULL, "begin");
    if (rc < 0)
        return rc;
    q->dirty = 0;
    rc = pg_command(q, "SELECT pg_advisory_xact_lock(" STORE_LOCK ")", 0,
                    NULL, NULL, "taking the write lock");
    if (rc < 0)
        pg_command(q, "ROLLBACK", 0, NULL, NULL, "rollback");
    return rc;
}

/* COMMIT of an aborted transaction "succeeds" as ROLLBACK: say so. */
static int pg_commit(store *s)
{
    pg_store *q = (pg_store *)s;
    PGresult *res;
    int rc;
    if (q->dirty) {
        rc = pg_command(q, "NOTIFY liaison_changes", 0, NULL, NULL,
                        "notifying");
        if (rc < 0)
            return rc;
    }
    res = pg_query(q, "COMMIT", 0, NULL, &rc, "commit");
    if (!res)
        return rc;
    if (!strcmp(PQcmdStatus(res), "ROLLBACK"))
        rc = store_set_error(s, LIAISON_EDB, "commit: the transaction had "
                             "failed and was rolled back");
    PQclear(res);
    q->dirty = 0;
    return rc;
}

static int pg_rollback(store *s)
{
    pg_store *q = (pg_store *)s;
    q->dirty = 0;
    if (PQtransactionStatus(q->conn) == PQTRANS_IDLE)
        return LIAISON_OK;
    return pg_command(q, "ROLLBACK", 0, NULL, NULL, "rollback");
}

/* ---------------------------------------------------------------- records */

static int pg_record_put(store *s, const store_rec *r, int64_t now)
{
    static const char sql[] =
        "WITH c AS (INSERT INTO changes(id, op, at) VALUES($1, 'put', $8)"
        "  RETURNING seq),"
        " l AS (INSERT INTO lists(name, owner, created) VALUES($2, $4, $8)"
        "  ON CONFLICT (name) DO NOTHING)"
        " INSERT INTO records(id, list, kind, owner, sharing, n_names, json,"
        "  seq, updated_at)"
        " SELECT $1, $2, $3, $4, $5, $6, $7, c.seq, $8 FROM c"
        " ON CONFLICT (id) DO UPDATE SET list = excluded.list,"
        "  kind = excluded.kind, owner = excluded.owner,"
        "  sharing = excluded.sharing, n_names = excluded.n_names,"
        "  json = excluded.json, seq = excluded.seq,"
        "  updated_at = excluded.updated_at";
    pg_store *q = (pg_store *)s;
    char nn[24], t[24], *json;
    const char *p[8];
    int rc;
    /* libpq wants NUL-terminated text; json comes with a length. */
    json = util_strndup(r->json, r->json_len);
    if (!json)
        return store_set_error(s, LIAISON_ENOMEM, "out of memory");
    p[0] = r->id;
    p[1] = r->list;
    p[2] = r->kind;
    p[3] = r->owner;
    p[4] = r->sharing;
    p[5] = pg_num(nn, r->n_names);
    p[6] = json;
    p[7] = pg_num(t, now);
    rc = pg_prepared(q, PG_ST_PUT, sql, 8, p, "writing a record");
    util_free(json);
    if (rc == LIAISON_OK)
        q->dirty = 1;
    return rc;
}

static int pg_record_get(store *s, const char *id, char **json, size_t *len)
{
    pg_store *q = (pg_store *)s;
    const char *p[1] = {id};
    int rc;
    PGresult *res = pg_query(q, "SELECT json FROM records WHERE id = $1", 1,
                             p, &rc, "reading a record");
    if (!res)
        return rc;
    if (PQntuples(res) == 0) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no record %s", id);
    } else {
        *len = (size_t)PQgetlength(res, 0, 0);
        *json = util_memdup(PQgetvalue(res, 0, 0), *len + 1);
        if (!*json)
            rc = store_set_error(s, LIAISON_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

static int pg_record_delete(store *s, const char *id, int64_t now)
{
    static const char sql[] =
        "WITH d AS (DELETE FROM records WHERE id = $1 RETURNING id)"
        " INSERT INTO changes(id, op, at) SELECT id, 'delete', $2 FROM d";
    pg_store *q = (pg_store *)s;
    char t[24];
    const char *p[2] = {id, pg_num(t, now)};
    long n = 0;
    int rc = pg_command(q, sql, 2, p, &n, "deleting a record");
    if (rc < 0)
        return rc;
    if (n == 0)
        return store_set_error(s, LIAISON_ENOTFOUND, "no record %s", id);
    q->dirty = 1;
    return LIAISON_OK;
}

/* Keyset pages in id order (note 5). */
static int pg_record_each(store *s, store_rec_fn fn, void *ud)
{
    static const char sql[] =
        "SELECT id, list, kind, owner, sharing, n_names, json, seq"
        " FROM records WHERE $1::text IS NULL OR id > $1"
        " ORDER BY id LIMIT " PG_PAGE_STR;
    pg_store *q = (pg_store *)s;
    char *last = NULL;
    PGresult *res = NULL;
    store_rec r;
    int rc = LIAISON_OK, i, n;
    do {
        const char *p[1] = {last};
        res = pg_query(q, sql, 1, p, &rc, "reading records");
        if (!res)
            goto out;
        n = PQntuples(res);
        for (i = 0; i < n; i++) {
            r.id = pg_val(res, i, 0);
            r.list = pg_val(res, i, 1);
            r.kind = pg_val(res, i, 2);
            r.owner = pg_val(res, i, 3);
            r.sharing = pg_val(res, i, 4);
            r.n_names = (long)pg_i64(res, i, 5);
            r.json = pg_val(res, i, 6);
            r.json_len = (size_t)PQgetlength(res, i, 6);
            r.seq = pg_i64(res, i, 7);
            rc = fn(ud, &r);
            if (rc)
                goto out;
        }
        if (n > 0) {
            util_free(last);
            last = util_strdup(pg_val(res, n - 1, 0));
            if (!last) {
                rc = store_set_error(s, LIAISON_ENOMEM, "out of memory");
                goto out;
            }
        }
        PQclear(res);
        res = NULL;
    } while (n == PG_PAGE);
out:
    PQclear(res);
    util_free(last);
    return rc;
}

/* ---------------------------------------------------------------- change feed */

static int pg_last_seq(store *s, int64_t *seq)
{
    int rc;
    PGresult *res = pg_query((pg_store *)s,
                             "SELECT coalesce(max(seq), 0) FROM changes", 0,
                             NULL, &rc, "reading the last sequence number");
    *seq = 0;
    if (!res)
        return rc;
    *seq = pg_i64(res, 0, 0);
    PQclear(res);
    return LIAISON_OK;
}

static int pg_changes_since(store *s, int64_t after, store_change_fn fn,
                            void *ud)
{
    static const char sql[] =
        "SELECT seq, id, op, at FROM changes WHERE seq > $1"
        " ORDER BY seq LIMIT " PG_PAGE_STR;
    pg_store *q = (pg_store *)s;
    PGresult *res = NULL;
    store_change c;
    char a[24];
    int rc = LIAISON_OK, i, n;
    do {
        const char *p[1] = {pg_num(a, after)};
        res = pg_query(q, sql, 1, p, &rc, "reading changes");
        if (!res)
            return rc;
        n = PQntuples(res);
        for (i = 0; i < n; i++) {
            c.seq = pg_i64(res, i, 0);
            c.id = pg_val(res, i, 1);
            c.op = !strcmp(pg_val(res, i, 2), "delete") ? STORE_OP_DELETE
                                                        : STORE_OP_PUT;
            c.at = pg_i64(res, i, 3);
            after = c.seq;
            rc = fn(ud, &c);
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

static void drain_notifies(pg_store *q)
{
    PGnotify *nf;
    while ((nf = PQnotifies(q->conn)) != NULL)
        PQfreemem(nf);
}

/* LISTEN once per handle, then: check, wait on the socket, check (note 4).
** A commit between the check and poll() still wakes us: its NOTIFY is
** queued for this connection since the LISTEN. */
static int pg_changes_wait(store *s, int64_t after, int timeout_ms)
{
    pg_store *q = (pg_store *)s;
    uint64_t deadline = util_now_us() + (uint64_t)timeout_ms * 1000;
    int64_t seq;
    int rc;
    if (!q->listening) {
        rc = pg_command(q, "LISTEN liaison_changes", 0, NULL, NULL,
                        "listening for changes");
        if (rc < 0)
            return rc;
        q->listening = 1;
    }
    for (;;) {
        struct pollfd pfd;
        uint64_t now;
        drain_notifies(q);
        rc = pg_last_seq(s, &seq);
        if (rc < 0)
            return rc;
        if (seq > after)
            return LIAISON_OK;
        now = util_now_us();
        if (now >= deadline)
            return LIAISON_ETIMEOUT;
        pfd.fd = PQsocket(q->conn);
        pfd.events = POLLIN;
        pfd.revents = 0;
        rc = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
        if (rc < 0 && errno != EINTR)
            return store_set_error(s, LIAISON_EIO, "poll: %s",
                                   strerror(errno));
        if (rc > 0 && !PQconsumeInput(q->conn))
            return pg_fail(q, NULL, "waiting for changes");
    }
}

/* ---------------------------------------------------------------- lists */

static int pg_stats(store *s, store_stats *out)
{
    int rc, i, n;
    PGresult *res = pg_query((pg_store *)s,
                             "SELECT list, count(*), coalesce(sum(n_names),"
                             " 0) FROM records GROUP BY list ORDER BY list",
                             0, NULL, &rc, "counting records");
    if (!res)
        return rc;
    n = PQntuples(res);
    out->lists = util_calloc((size_t)n, sizeof(*out->lists));
    if (!out->lists)
        goto oom;
    for (i = 0; i < n; i++) {
        out->lists[i].list = util_strdup(PQgetvalue(res, i, 0));
        if (!out->lists[i].list)
            goto oom;
        out->n_lists++;
        out->lists[i].records = (long)pg_i64(res, i, 1);
        out->names += (long)pg_i64(res, i, 2);
    }
    PQclear(res);
    return LIAISON_OK;
oom:
    PQclear(res);
    return store_set_error(s, LIAISON_ENOMEM, "out of memory");
}

static int pg_list_put(store *s, const char *name, const char *description,
                       const char *owner, int64_t now)
{
    static const char sql[] =
        "INSERT INTO lists(name, description, owner, created)"
        " VALUES($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET"
        " description = excluded.description,"
        " owner = coalesce(excluded.owner, lists.owner)";
    char t[24];
    const char *p[4] = {name, description, owner, pg_num(t, now)};
    return pg_command((pg_store *)s, sql, 4, p, NULL, "writing a list");
}

static int pg_list_each(store *s, store_list_fn fn, void *ud)
{
    int rc, i, n;
    store_list l;
    PGresult *res = pg_query((pg_store *)s,
                             "SELECT l.name, l.description, l.owner,"
                             " l.created, (SELECT count(*) FROM records r"
                             " WHERE r.list = l.name) FROM lists l"
                             " ORDER BY l.name", 0, NULL, &rc,
                             "reading lists");
    if (!res)
        return rc;
    n = PQntuples(res);
    for (i = 0; i < n && rc == 0; i++) {
        l.name = pg_val(res, i, 0);
        l.description = pg_val(res, i, 1);
        l.owner = pg_val(res, i, 2);
        l.created = pg_i64(res, i, 3);
        l.records = (long)pg_i64(res, i, 4);
        rc = fn(ud, &l);
    }
    PQclear(res);
    return rc;
}

/* ---------------------------------------------------------------- opening */

static void pg_close(store *s)
{
    pg_store *q = (pg_store *)s;
    PQfinish(q->conn);
    util_free(q);
}

/* Durability (store.h).  synchronous_commit=off: a commit returns before
** the WAL is flushed; the server's WAL writer flushes it within
** 3 x wal_writer_delay, or store_sync() does at once. */
static int pg_set_sync(store *s, int full)
{
    return pg_command((pg_store *)s, full ? "SET synchronous_commit TO on"
                                          : "SET synchronous_commit TO off",
                      0, NULL, NULL, "setting sync");
}

/* A synchronous commit that writes a commit record flushes the WAL up to
** it, and so every earlier commit of anyone. */
static int pg_sync(store *s)
{
    pg_store *q = (pg_store *)s;
    int rc = pg_command(q, "BEGIN; SET LOCAL synchronous_commit TO on;"
                        " SELECT txid_current(); COMMIT", 0, NULL, NULL,
                        "syncing");
    if (rc < 0 && PQtransactionStatus(q->conn) != PQTRANS_IDLE)
        pg_command(q, "ROLLBACK", 0, NULL, NULL, "rollback");
    return rc;
}

static const struct store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .set_sync = pg_set_sync,
    .sync = pg_sync,
    .checkpoint = NULL,
    .record_put = pg_record_put,
    .record_get = pg_record_get,
    .record_delete = pg_record_delete,
    .record_each = pg_record_each,
    .last_seq = pg_last_seq,
    .changes_since = pg_changes_since,
    .changes_wait = pg_changes_wait,
    .stats = pg_stats,
    .list_put = pg_list_put,
    .list_each = pg_list_each,
    .user_add = pg_user_add,
    .user_revoke = pg_user_revoke,
    .user_by_token_hash = pg_user_by_token_hash,
    .user_list = pg_user_list,
    .audit_last = pg_audit_last,
    .audit_insert = pg_audit_insert,
    .audit_each = pg_audit_each,
    .peer_add = pg_peer_add,
    .peer_get = pg_peer_get,
    .peer_remove = pg_peer_remove,
    .peer_each = pg_peer_each,
    .disclosure_add = pg_disclosure_add,
    .disclosure_get = pg_disclosure_get,
    .disclosure_decide = pg_disclosure_decide,
    .disclosure_each = pg_disclosure_each,
};

static void quiet(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

/* 1 if this database has a meta table, 0 if not; negative on failure. */
static int has_meta(pg_store *q)
{
    int rc;
    PGresult *res = pg_query(q, "SELECT to_regclass('meta') IS NOT NULL", 0,
                             NULL, &rc, "looking for a store");
    if (!res)
        return rc;
    rc = !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    return rc;
}

/* Make the schema, under the write lock, unless a store is there. */
static int make_schema(pg_store *q, const char *agency)
{
    static const char meta_sql[] =
        "INSERT INTO meta(key, value) VALUES ('application', 'liaison'),"
        " ('schema_version', $1), ('agency', $2)";
    char v[24];
    const char *p[2] = {pg_num(v, STORE_SCHEMA_VERSION), agency};
    int rc = pg_begin(&q->base);
    if (rc < 0)
        return rc;
    rc = has_meta(q);
    if (rc > 0)
        rc = store_set_error(&q->base, LIAISON_EEXIST,
                             "this database already holds a store");
    if (rc == 0)
        rc = pg_command(q, schema_sql, 0, NULL, NULL, "creating the schema");
    if (rc == 0)
        rc = pg_command(q, meta_sql, 2, p, NULL, "creating the schema");
    if (rc == 0)
        return pg_commit(&q->base);
    pg_rollback(&q->base);
    return rc;
}

/* Check that this is a liaison store we understand (note 1); its schema
** version to *out_version. */
static int check_meta(pg_store *q, long *out_version)
{
    const char *app = NULL, *ver = NULL, *agency = NULL;
    PGresult *res;
    long version = 0;
    int rc = has_meta(q), i;
    if (rc == 0)
        return store_set_error(&q->base, LIAISON_ENOTFOUND,
                               "no liaison store in this database (run "
                               "liaison init)");
    if (rc < 0)
        return rc;
    res = pg_query(q, "SELECT key, value FROM meta", 0, NULL, &rc, "x");
    if (!res)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "this database has a meta table but is not "
                               "a liaison store");
    for (i = 0; i < PQntuples(res); i++) {
        const char *k = PQgetvalue(res, i, 0);
        if (!strcmp(k, "application"))
            app = pg_val(res, i, 1);
        else if (!strcmp(k, "schema_version"))
            ver = pg_val(res, i, 1);
        else if (!strcmp(k, "agency"))
            agency = pg_val(res, i, 1);
    }
    if (!app || strcmp(app, "liaison"))
        rc = store_set_error(&q->base, LIAISON_EFORMAT,
                             "this database is not a liaison store");
    else if (!ver || util_parse_long(ver, 1, 1000000, &version) < 0)
        rc = store_set_error(&q->base, LIAISON_EFORMAT,
                             "unknown store schema version '%s'",
                             ver ? ver : "");
    else if (version > STORE_SCHEMA_VERSION)
        rc = store_set_error(&q->base, LIAISON_EFORMAT,
                             "store schema version %ld is newer than this "
                             "program's (%d); use a newer liaison", version,
                             STORE_SCHEMA_VERSION);
    else if (agency && *agency && !(q->base.agency = util_strdup(agency)))
        rc = store_set_error(&q->base, LIAISON_ENOMEM, "out of memory");
    *out_version = version;
    PQclear(res);
    return rc;
}

/* Bring a store of schema version `version` to this program's (note 7). */
static int upgrade(pg_store *q, long version)
{
    PGresult *res;
    int rc, old;
    if (version >= STORE_SCHEMA_VERSION)
        return LIAISON_OK;
    rc = pg_begin(&q->base);
    if (rc < 0)
        return rc;
    res = pg_query(q, "SELECT value FROM meta WHERE key = 'schema_version'",
                   0, NULL, &rc, "upgrading the store");
    old = res && PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    if (res && old)
        rc = pg_command(q, "ALTER TABLE users"
                        " DROP CONSTRAINT IF EXISTS users_role_check,"
                        " ADD CONSTRAINT users_role_check"
                        " CHECK(role IN " PG_ROLES ");"
                        "UPDATE meta SET value = '2'"
                        " WHERE key = 'schema_version'", 0, NULL, NULL,
                        "upgrading the store to schema version 2");
    if (res && rc == LIAISON_OK)
        return pg_commit(&q->base);
    pg_rollback(&q->base);
    return rc < 0 ? rc : LIAISON_EDB;
}

int store_pg_open(const char *conninfo, int create, const char *agency,
                  store **out, struct liaison_err *err)
{
    pg_store *q;
    long version = 0;
    int rc;
    *out = NULL;
    q = util_calloc(1, sizeof(*q));
    if (!q)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    q->base.ops = &pg_ops;
    q->conn = PQconnectdb(conninfo);
    if (!q->conn) {
        rc = store_set_error(&q->base, LIAISON_ENOMEM, "out of memory");
        goto fail;
    }
    if (PQstatus(q->conn) != CONNECTION_OK) {
        const char *m = PQerrorMessage(q->conn);
        rc = store_set_error(&q->base, LIAISON_EDB,
                             "cannot connect to PostgreSQL: %.*s",
                             (int)strcspn(m, "\n"), m);
        goto fail;
    }
    PQsetNoticeProcessor(q->conn, quiet, NULL);    /* never print */
    if (PQsetClientEncoding(q->conn, "UTF8") != 0) {
        rc = pg_fail(q, NULL, "setting the client encoding");
        goto fail;
    }
    rc = pg_command(q, "SET client_min_messages = warning", 0, NULL, NULL,
                    "configuring the connection");
    if (rc == LIAISON_OK && create)
        rc = make_schema(q, agency);
    if (rc == LIAISON_OK)
        rc = check_meta(q, &version);
    if (rc == LIAISON_OK)
        rc = upgrade(q, version);
    if (rc < 0)
        goto fail;
    *out = &q->base;
    return LIAISON_OK;
fail:
    util_err(err, rc, 0, 0, "%s", q->base.errmsg);
    util_free(q->base.agency);
    pg_close(&q->base);
    return rc;
}
