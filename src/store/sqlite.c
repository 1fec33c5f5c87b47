/*
** sqlite.c: the SQLite backend of the store: creating and opening a store
** file, write transactions, records, the change feed and lists.  Users,
** audit, peers and disclosures are in sqlite_acct.c.  store.c calls these
** through sq_ops; nothing else does.
**
** NOTES ON THE SQLITE BACKEND
**
**  1. A store file is recognised by PRAGMA application_id = STORE_APP_ID
**     and a meta table holding schema_version and agency.  Any other
**     SQLite file, and any file that is not SQLite, is refused with
**     LIAISON_EFORMAT; a schema_version other than one we know (newer,
**     or garbage) is refused and the file is not touched.
**  2. WAL mode: readers never block the writer nor the writer readers, so
**     one handle per server thread reads while an import writes.
**  3. synchronous=FULL: in WAL mode NORMAL is safe against corruption but
**     a power cut may lose the last commits; DESIGN section 7 promises
**     that a crash loses no committed record, so every commit syncs the
**     WAL.  That is one fsync per transaction, and an import is one
**     transaction, so the cost falls on single writes only.
**  4. Write transactions are BEGIN IMMEDIATE: the write lock is taken at
**     the start, so a transaction never fails half-way with SQLITE_BUSY
**     on upgrading a read lock, and sequence numbers are handed out in
**     commit order (store.c note 2).  busy_timeout makes writers queue.
**  5. A put first inserts its change row (changes.seq is AUTOINCREMENT,
**     so a seq is never reused, even once old change rows are pruned),
**     then upserts the record with that seq, then makes sure its list
**     exists.  store.c runs the three in one transaction.
**  6. An uncommitted transaction may already have pages in the WAL; they
**     carry no commit mark, so after a crash they are ignored and the
**     next writer overwrites them.  That is what makes an import all or
**     nothing (tested by killing a child mid-import).
**  7. A store of an older schema version is upgraded when it is opened,
**     in one transaction (a crash leaves it as it was; another process
**     may have upgraded it meanwhile, which the transaction re-checks).
**     Version 2 added the monitor role: SQLite cannot change a CHECK
**     constraint in place, so the users table is made again and its rows
**     copied, ids and token hashes unchanged.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_int.h"
#include "util/util.h"

#define STORE_APP_ID 0x4C494153      /* "LIAS" */
#define BUSY_TIMEOUT_MS 10000
#define WAL_CUT_LIMIT "67108864"        /* WAL kept after a checkpoint: 64 MiB */
#define WAL_KEEP_LIMIT "1073741824"     /* ...by a busy writer (sq_set_sync) */

static const char *const sq_sql[SQ_COUNT] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_CHANGE_ADD] = "INSERT INTO changes(id, op, at) VALUES(?1, ?2, ?3)",
    [SQ_REC_PUT] =
        "INSERT INTO records(id, list, kind, owner, sharing, n_names, json,"
        " seq, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT(id) DO UPDATE SET list = excluded.list,"
        " kind = excluded.kind, owner = excluded.owner,"
        " sharing = excluded.sharing, n_names = excluded.n_names,"
        " json = excluded.json, seq = excluded.seq,"
        " updated_at = excluded.updated_at",
    [SQ_LIST_ENSURE] = "INSERT INTO lists(name, owner, created)"
                       " VALUES(?1, ?2, ?3) ON CONFLICT(name) DO NOTHING",
    [SQ_REC_GET] = "SELECT json FROM records WHERE id = ?1",
    [SQ_REC_DEL] = "DELETE FROM records WHERE id = ?1",
    [SQ_REC_EACH] = "SELECT id, list, kind, owner, sharing, n_names, json,"
                    " seq FROM records ORDER BY id",
    [SQ_LAST_SEQ] = "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
    [SQ_CHANGES] = "SELECT seq, id, op, at FROM changes WHERE seq > ?1"
                   " ORDER BY seq",
    [SQ_STATS] = "SELECT list, count(*), total(n_names) FROM records"
                 " GROUP BY list ORDER BY list",
    [SQ_LIST_PUT] =
        "INSERT INTO lists(name, description, owner, created)"
        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET"
        " description = excluded.description,"
        " owner = coalesce(excluded.owner, lists.owner)",
    [SQ_LIST_EACH] = "SELECT l.name, l.description, l.owner, l.created,"
                     " (SELECT count(*) FROM records r WHERE r.list = l.name)"
                     " FROM lists l ORDER BY l.name",
    [SQ_USER_ADD] = "INSERT INTO users(name, agency, role, token_hash,"
                    " created) VALUES(?1, ?2, ?3, ?4, ?5)"
                    " ON CONFLICT DO NOTHING",
    [SQ_USER_REVOKE] = "UPDATE users SET revoked_at = ?2"
                       " WHERE name = ?1 AND revoked_at IS NULL",
    [SQ_USER_BY_TOKEN] = "SELECT id, name, agency, role, created, revoked_at"
                         " FROM users WHERE token_hash = ?1"
                         " AND revoked_at IS NULL",
    [SQ_USER_LIST] = "SELECT id, name, agency, role, created, revoked_at"
                     " FROM users ORDER BY name",
    [SQ_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [SQ_AUDIT_ADD] = "INSERT INTO audit(seq, at, actor, agency, action,"
                     " purpose, detail_json, prev_hash, hash)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQ_AUDIT_EACH] = "SELECT seq, at, actor, agency, action, purpose,"
                      " detail_json, prev_hash, hash FROM audit"
                      " WHERE seq > ?1 ORDER BY seq",
    [SQ_PEER_ADD] = "INSERT INTO peers(agency, url, public_key, ca_file,"
                    " added) VALUES(?1, ?2, ?3, ?4, ?5)"
                    " ON CONFLICT DO NOTHING",
    [SQ_PEER_GET] = "SELECT agency, url, public_key, ca_file, added"
                    " FROM peers WHERE agency = ?1",
    [SQ_PEER_DEL] = "DELETE FROM peers WHERE agency = ?1",
    [SQ_PEER_EACH] = "SELECT agency, url, public_key, ca_file, added"
                     " FROM peers ORDER BY agency",
    [SQ_DISC_ADD] =
        "INSERT INTO disclosures(id, requester_agency, requester_user,"
        " owner_agency, record_id, purpose, justification, status, fields,"
        " handling, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending',"
        " ?8, ?9, ?10) ON CONFLICT DO NOTHING",
    [SQ_DISC_GET] =
        "SELECT id, requester_agency, requester_user, owner_agency,"
        " record_id, purpose, justification, status, fields, reason,"
        " handling, decided_by, created, decided_at FROM disclosures"
        " WHERE id = ?1",
    [SQ_DISC_DECIDE] =
        "UPDATE disclosures SET status = ?2, decided_by = ?3, reason = ?4,"
        " handling = coalesce(?5, handling), decided_at = ?6"
        " WHERE id = ?1 AND status = 'pending'",
    [SQ_DISC_EXISTS] = "SELECT 1 FROM disclosures WHERE id = ?1",
    [SQ_DISC_EACH] =
        "SELECT id, requester_agency, requester_user, owner_agency,"
        " record_id, purpose, justification, status, fields, reason,"
        " handling, decided_by, created, decided_at FROM disclosures"
        " WHERE ?1 IS NULL OR status = ?1 ORDER BY created, id",
};

/* The users table (schema version 2: version 1 knew no monitor role). */
#define USERS_COLUMNS                                                     \
    "(id INTEGER PRIMARY KEY,"                                            \
    " name TEXT NOT NULL UNIQUE,"                                         \
    " agency TEXT NOT NULL,"                                              \
    " role TEXT NOT NULL"                                                 \
    "  CHECK(role IN ('officer','analyst','auditor','admin','monitor')),"  \
    " token_hash TEXT NOT NULL UNIQUE,"                                   \
    " created INTEGER NOT NULL,"                                          \
    " revoked_at INTEGER);"

/* Schema version 2.  Times are Unix seconds. */
static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE records("
    " id TEXT PRIMARY KEY NOT NULL,"
    " list TEXT NOT NULL,"
    " kind TEXT NOT NULL"
    "  CHECK(kind IN ('person','entity','document','vehicle')),"
    " owner TEXT,"
    " sharing TEXT NOT NULL CHECK(sharing IN ('none','hit','details')),"
    " n_names INTEGER NOT NULL CHECK(n_names >= 0),"
    " json TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX records_list ON records(list);"
    "CREATE TABLE changes("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL,"
    " op TEXT NOT NULL CHECK(op IN ('put','delete')),"
    " at INTEGER NOT NULL);"
    "CREATE TABLE lists("
    " name TEXT PRIMARY KEY NOT NULL,"
    " description TEXT,"
    " owner TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE users" USERS_COLUMNS
    "CREATE TABLE audit("
    " seq INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " agency TEXT,"
    " action TEXT NOT NULL,"
    " purpose TEXT,"
    " detail_json TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
    "CREATE TABLE peers("
    " agency TEXT PRIMARY KEY NOT NULL,"
    " url TEXT NOT NULL,"
    " public_key TEXT NOT NULL,"
    " ca_file TEXT,"
    " added INTEGER NOT NULL);"
    "CREATE TABLE disclosures("
    " id TEXT PRIMARY KEY NOT NULL,"
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
    " created INTEGER NOT NULL,"
    " decided_at INTEGER);"
    "CREATE INDEX disclosures_status ON disclosures(status, created);";

/* ---------------------------------------------------------------- helpers */

int sq_fail(sq_store *q, int rc, const char *what)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_NOMEM: code = LIAISON_ENOMEM; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = LIAISON_EBUSY; break;
    case SQLITE_NOTADB: code = LIAISON_EFORMAT; break;
    default: code = LIAISON_EDB; break;
    }
    return store_set_error(&q->base, code, "%s: %s", what,
                           q->db ? sqlite3_errmsg(q->db)
                                 : sqlite3_errstr(rc));
}

int sq_prep(sq_store *q, enum sq_stmt i, sqlite3_stmt **out)
{
    int rc;
    *out = NULL;
    if (!q->st[i]) {
        rc = sqlite3_prepare_v3(q->db, sq_sql[i], -1,
                                SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL);
        if (rc != SQLITE_OK)
            return sq_fail(q, rc, "preparing a statement");
    } else if (sqlite3_stmt_busy(q->st[i])) {
        return store_set_error(&q->base, LIAISON_ESTATE,
                               "statement in use: a callback re-entered "
                               "the store");
    }
    *out = q->st[i];
    return LIAISON_OK;
}

int sq_bind_str(sqlite3_stmt *st, int i, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

const char *sq_col_str(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int sq_exec(sq_store *q, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sq_fail(q, rc, what);
    return LIAISON_OK;
}

/* Run one cached statement without parameters. */
static int run(sq_store *q, enum sq_stmt i, const char *what)
{
    sqlite3_stmt *st;
    int rc = sq_prep(q, i, &st);
    if (rc < 0)
        return rc;
    return sq_exec(q, st, what);
}

/* ---------------------------------------------------------------- transactions */

static int sq_begin(store *s)
{
    return run((sq_store *)s, SQ_BEGIN, "begin");
}

static int sq_commit(store *s)
{
    return run((sq_store *)s, SQ_COMMIT, "commit");
}

/* SQLite rolls back by itself after some errors (full disk, I/O); then
** there is nothing left to do. */
static int sq_rollback(store *s)
{
    sq_store *q = (sq_store *)s;
    if (sqlite3_get_autocommit(q->db))
        return LIAISON_OK;
    return run(q, SQ_ROLLBACK, "rollback");
}

/* ---------------------------------------------------------------- records */

/* Write a change row; *seq gets its sequence number. */
static int change_add(sq_store *q, const char *id, const char *op,
                      int64_t now, int64_t *seq)
{
    sqlite3_stmt *st;
    int rc = sq_prep(q, SQ_CHANGE_ADD, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    rc = sq_exec(q, st, "writing a change");
    if (rc == LIAISON_OK && seq)
        *seq = sqlite3_last_insert_rowid(q->db);
    return rc;
}

static int sq_record_put(store *s, const store_rec *r, int64_t now)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    int64_t seq = 0;
    int rc = change_add(q, r->id, "put", now, &seq);
    if (rc < 0)
        return rc;
    rc = sq_prep(q, SQ_REC_PUT, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->list, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
    sq_bind_str(st, 4, r->owner);
    sqlite3_bind_text(st, 5, r->sharing, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->n_names);
    sqlite3_bind_text64(st, 7, r->json, r->json_len, SQLITE_STATIC,
                        SQLITE_UTF8);
    sqlite3_bind_int64(st, 8, seq);
    sqlite3_bind_int64(st, 9, now);
    rc = sq_exec(q, st, "writing a record");
    if (rc < 0)
        return rc;
    rc = sq_prep(q, SQ_LIST_ENSURE, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, r->list, -1, SQLITE_STATIC);
    sq_bind_str(st, 2, r->owner);
    sqlite3_bind_int64(st, 3, now);
    return sq_exec(q, st, "writing a list");
}

static int sq_record_get(store *s, const char *id, char **json, size_t *len)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    const char *t;
    int rc = sq_prep(q, SQ_REC_GET, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = store_set_error(s, LIAISON_ENOTFOUND, "no record %s", id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = sq_fail(q, rc, "reading a record");
        goto out;
    }
    t = sq_col_str(st, 0);
    *len = (size_t)sqlite3_column_bytes(st, 0);
    *json = util_memdup(t ? t : "", *len + 1);
    rc = *json ? LIAISON_OK
               : store_set_error(s, LIAISON_ENOMEM, "out of memory");
out:
    sqlite3_reset(st);
    return rc;
}

static int sq_record_delete(store *s, const char *id, int64_t now)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    int rc = sq_prep(q, SQ_REC_DEL, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sq_exec(q, st, "deleting a record");
    if (rc < 0)
        return rc;
    if (sqlite3_changes(q->db) == 0)
        return store_set_error(s, LIAISON_ENOTFOUND, "no record %s", id);
    return change_add(q, id, "delete", now, NULL);
}

/* One statement for the whole walk: rows come in primary-key order from
** the id index, and every string is borrowed from the row. */
static int sq_record_each(store *s, store_rec_fn fn, void *ud)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    store_rec r;
    int rc = sq_prep(q, SQ_REC_EACH, &st);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r.id = sq_col_str(st, 0);
        r.list = sq_col_str(st, 1);
        r.kind = sq_col_str(st, 2);
        r.owner = sq_col_str(st, 3);
        r.sharing = sq_col_str(st, 4);
        r.n_names = (long)sqlite3_column_int64(st, 5);
        r.json = sq_col_str(st, 6);
        r.json_len = (size_t)sqlite3_column_bytes(st, 6);
        r.seq = sqlite3_column_int64(st, 7);
        rc = fn(ud, &r);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(q, rc, "reading records");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- change feed */

static int sq_last_seq(store *s, int64_t *seq)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    int rc = sq_prep(q, SQ_LAST_SEQ, &st);
    *seq = 0;
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(q, rc, "reading the last sequence number");
    return LIAISON_OK;
}

static int sq_changes_since(store *s, int64_t after, store_change_fn fn,
                            void *ud)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    store_change c;
    int rc = sq_prep(q, SQ_CHANGES, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(st, 1, after);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *op = sq_col_str(st, 2);
        c.seq = sqlite3_column_int64(st, 0);
        c.id = sq_col_str(st, 1);
        c.op = op && !strcmp(op, "delete") ? STORE_OP_DELETE : STORE_OP_PUT;
        c.at = sqlite3_column_int64(st, 3);
        rc = fn(ud, &c);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(q, rc, "reading changes");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- lists */

static int sq_stats(store *s, store_stats *out)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc = sq_prep(q, SQ_STATS, &st);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_list_count *lc;
        if (out->n_lists == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            lc = util_realloc(out->lists, ncap * sizeof(*lc));
            if (!lc)
                goto oom;
            out->lists = lc;
            cap = ncap;
        }
        lc = &out->lists[out->n_lists];
        lc->list = util_strdup(sq_col_str(st, 0) ? sq_col_str(st, 0) : "");
        if (!lc->list)
            goto oom;
        lc->records = (long)sqlite3_column_int64(st, 1);
        out->names += (long)sqlite3_column_double(st, 2);
        out->n_lists++;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(q, rc, "counting records");
    sqlite3_reset(st);
    return rc;
oom:
    sqlite3_reset(st);
    return store_set_error(s, LIAISON_ENOMEM, "out of memory");
}

static int sq_list_put(store *s, const char *name, const char *description,
                       const char *owner, int64_t now)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    int rc = sq_prep(q, SQ_LIST_PUT, &st);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sq_bind_str(st, 2, description);
    sq_bind_str(st, 3, owner);
    sqlite3_bind_int64(st, 4, now);
    return sq_exec(q, st, "writing a list");
}

static int sq_list_each(store *s, store_list_fn fn, void *ud)
{
    sq_store *q = (sq_store *)s;
    sqlite3_stmt *st;
    store_list l;
    int rc = sq_prep(q, SQ_LIST_EACH, &st);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        l.name = sq_col_str(st, 0);
        l.description = sq_col_str(st, 1);
        l.owner = sq_col_str(st, 2);
        l.created = sqlite3_column_int64(st, 3);
        l.records = (long)sqlite3_column_int64(st, 4);
        rc = fn(ud, &l);
        if (rc)
            goto out;
    }
    rc = rc == SQLITE_DONE ? LIAISON_OK : sq_fail(q, rc, "reading lists");
out:
    sqlite3_reset(st);
    return rc;
}

/* ---------------------------------------------------------------- opening */

static void sq_close(store *s)
{
    sq_store *q = (sq_store *)s;
    int i;
    for (i = 0; i < SQ_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    sqlite3_close(q->db);
    util_free(q);
}

/* Durability (store.h).  Not full: synchronous=NORMAL (WAL mode stays
** consistent; a commit is durable once the WAL is synced) and no
** automatic checkpoints on this handle: each would fsync inside one of its
** commits.  Nor is the WAL cut back to WAL_CUT_LIMIT when this handle
** starts it over: the log of a busy writer is overwritten in place, at
** the size it grew to (up to WAL_KEEP_LIMIT).  Cutting 200 MiB off it and
** growing it again stalled the commit that restarted the log for ~100 ms
** on ext4, and every request waiting on that commit with it. */
static int sq_set_sync(store *s, int full)
{
    sq_store *q = (sq_store *)s;
    int rc = sqlite3_exec(q->db, full ? "PRAGMA synchronous = FULL;"
                                        "PRAGMA wal_autocheckpoint = 1000;"
                                        "PRAGMA journal_size_limit = "
                                        WAL_CUT_LIMIT
                                      : "PRAGMA synchronous = NORMAL;"
                                        "PRAGMA wal_autocheckpoint = 0;"
                                        "PRAGMA journal_size_limit = "
                                        WAL_KEEP_LIMIT,
                          NULL, NULL, NULL);
    return rc == SQLITE_OK ? LIAISON_OK : sq_fail(q, rc, "setting sync");
}

/* fsync the WAL through this connection's own handle on it (every
** connection's commits live in the same file). */
static int sq_sync(store *s)
{
    sq_store *q = (sq_store *)s;
    sqlite3_file *wal = NULL;
    int64_t seq;
    int rc = sq_last_seq(s, &seq);    /* a read: the WAL is open now */
    if (rc < 0)
        return rc;
    rc = sqlite3_file_control(q->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                              &wal);
    if (rc != SQLITE_OK || !wal || !wal->pMethods)
        return store_set_error(s, LIAISON_EDB, "syncing: no WAL file");
    rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    return rc == SQLITE_OK ? LIAISON_OK : sq_fail(q, rc, "syncing the WAL");
}

static int sq_checkpoint(store *s, long *wal_frames)
{
    sq_store *q = (sq_store *)s;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(q->db, "main",
                                       SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    *wal_frames = log > 0 ? log : 0;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return LIAISON_OK;      /* someone else is checkpointing */
    return rc == SQLITE_OK ? LIAISON_OK : sq_fail(q, rc, "checkpointing");
}

static const struct store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .set_sync = sq_set_sync,
    .sync = sq_sync,
    .checkpoint = sq_checkpoint,
    .record_put = sq_record_put,
    .record_get = sq_record_get,
    .record_delete = sq_record_delete,
    .record_each = sq_record_each,
    .last_seq = sq_last_seq,
    .changes_since = sq_changes_since,
    .changes_wait = NULL,
    .stats = sq_stats,
    .list_put = sq_list_put,
    .list_each = sq_list_each,
    .user_add = sq_user_add,
    .user_revoke = sq_user_revoke,
    .user_by_token_hash = sq_user_by_token_hash,
    .user_list = sq_user_list,
    .audit_last = sq_audit_last,
    .audit_insert = sq_audit_insert,
    .audit_each = sq_audit_each,
    .peer_add = sq_peer_add,
    .peer_get = sq_peer_get,
    .peer_remove = sq_peer_remove,
    .peer_each = sq_peer_each,
    .disclosure_add = sq_disclosure_add,
    .disclosure_get = sq_disclosure_get,
    .disclosure_decide = sq_disclosure_decide,
    .disclosure_each = sq_disclosure_each,
};

/* Run a one-row query and copy column 0 as text into buf ("" for NULL or
** no row; *found says which). */
static int query_text(sq_store *q, const char *sql, const char *param,
                      char *buf, size_t size, int *found)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    buf[0] = 0;
    *found = 0;
    if (rc != SQLITE_OK)
        goto fail;
    if (param)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = sq_col_str(st, 0);
        util_strlcpy(buf, t ? t : "", size);
        *found = 1;
    } else if (rc != SQLITE_DONE) {
        goto fail;
    }
    sqlite3_finalize(st);
    return LIAISON_OK;
fail:
    rc = sq_fail(q, rc, "reading the store header");
    sqlite3_finalize(st);
    return rc;
}

static int exec_sql(sq_store *q, const char *sql, const char *what)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? LIAISON_OK : sq_fail(q, rc, what);
}

/* Make the schema in a fresh, empty database, in one transaction. */
static int make_schema(sq_store *q, const char *agency)
{
    sqlite3_stmt *st = NULL;
    char sql[128];
    int rc;
    rc = exec_sql(q, "BEGIN IMMEDIATE", "creating the store");
    if (rc < 0)
        return rc;
    rc = exec_sql(q, schema_sql, "creating the schema");
    if (rc < 0)
        goto out;
    snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;"
             "PRAGMA user_version = %d", STORE_APP_ID, STORE_SCHEMA_VERSION);
    rc = exec_sql(q, sql, "creating the schema");
    if (rc < 0)
        goto out;
    rc = sqlite3_prepare_v2(q->db, "INSERT INTO meta(key, value) VALUES"
                            " ('schema_version', ?1), ('agency', ?2)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_fail(q, rc, "creating the schema");
        goto out;
    }
    sqlite3_bind_int(st, 1, STORE_SCHEMA_VERSION);
    sq_bind_str(st, 2, agency);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? LIAISON_OK
                           : sq_fail(q, rc, "creating the schema");
    if (rc == LIAISON_OK)
        rc = exec_sql(q, "COMMIT", "creating the store");
out:
    sqlite3_finalize(st);
    if (rc < 0 && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Set the connection up: WAL, sync, foreign keys (notes 2 and 3); the
** busy timeout is set on opening, before anything is read. */
static int configure(sq_store *q)
{
    char mode[16];
    int found, rc;
    rc = query_text(q, "PRAGMA journal_mode = WAL", NULL, mode,
                    sizeof(mode), &found);
    if (rc < 0)
        return rc;
    if (strcmp(mode, "wal"))
        return store_set_error(&q->base, LIAISON_EDB,
                               "cannot put the store in WAL mode (got '%s')",
                               mode);
    /* journal_size_limit: after a big import is checkpointed, the WAL
    ** file is cut back to 64 MiB instead of keeping the import's size. */
    return exec_sql(q, "PRAGMA synchronous = FULL;"
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA cache_size = -16384;"
                    "PRAGMA journal_size_limit = " WAL_CUT_LIMIT,
                    "configuring the store");
}

/* Check that this is a liaison store we understand (note 1), read the
** agency id and the schema version. */
static int check_header(sq_store *q, const char *path, long *out_version)
{
    char buf[256];
    long version = 0, app = 0;
    int found, rc;
    rc = query_text(q, "PRAGMA application_id", NULL, buf, sizeof(buf),
                    &found);
    if (rc == LIAISON_EFORMAT)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "%s is not a liaison store (not a SQLite "
                               "database)", path);
    if (rc < 0)
        return rc;
    if (util_parse_long(buf, -2147483648L, 2147483647L, &app) < 0 ||
        app != STORE_APP_ID)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "%s is a SQLite database but not a liaison "
                               "store", path);
    rc = query_text(q, "SELECT value FROM meta WHERE key = ?1",
                    "schema_version", buf, sizeof(buf), &found);
    if (rc < 0 || !found)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "%s: liaison store without a schema version "
                               "(damaged?)", path);
    if (util_parse_long(buf, 1, 1000000, &version) < 0)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "%s: unknown store schema version '%s'",
                               path, buf);
    if (version > STORE_SCHEMA_VERSION)
        return store_set_error(&q->base, LIAISON_EFORMAT,
                               "%s: store schema version %ld is newer than "
                               "this program's (%d); use a newer liaison",
                               path, version, STORE_SCHEMA_VERSION);
    *out_version = version;
    rc = query_text(q, "SELECT value FROM meta WHERE key = 'agency'", NULL,
                    buf, sizeof(buf), &found);
    if (rc < 0)
        return rc;
    if (buf[0] && !(q->base.agency = util_strdup(buf)))
        return store_set_error(&q->base, LIAISON_ENOMEM, "out of memory");
    return LIAISON_OK;
}

/* Bring a store of schema version `version` to this program's (note 7). */
static int upgrade(sq_store *q, long version)
{
    char buf[32];
    int found, rc;
    /* A file this process may only read is read as it is (a version 1
    ** store lacks nothing but the monitor role). */
    if (version >= STORE_SCHEMA_VERSION ||
        sqlite3_db_readonly(q->db, "main") == 1)
        return LIAISON_OK;
    rc = exec_sql(q, "BEGIN IMMEDIATE", "upgrading the store");
    if (rc < 0)
        return rc;
    rc = query_text(q, "SELECT value FROM meta WHERE key = ?1",
                    "schema_version", buf, sizeof(buf), &found);
    if (rc >= 0 && found && !strcmp(buf, "1"))
        rc = exec_sql(q, "CREATE TABLE users_v2" USERS_COLUMNS
                      "INSERT INTO users_v2(id, name, agency, role,"
                      " token_hash, created, revoked_at)"
                      " SELECT id, name, agency, role, token_hash, created,"
                      " revoked_at FROM users;"
                      "DROP TABLE users;"
                      "ALTER TABLE users_v2 RENAME TO users;"
                      "UPDATE meta SET value = '2'"
                      " WHERE key = 'schema_version';"
                      "PRAGMA user_version = 2",
                      "upgrading the store to schema version 2");
    if (rc >= 0)
        rc = exec_sql(q, "COMMIT", "upgrading the store");
    if (rc < 0 && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return rc < 0 ? rc : LIAISON_OK;
}

/* Remove a store file that we failed to create, with its WAL files. */
static void unlink_store(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char buf[4096];
    size_t i;
    for (i = 0; i < UTIL_ARRAY_LEN(suffix); i++) {
        if ((size_t)snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]) <
            sizeof(buf))
            unlink(buf);
    }
}

int store_sqlite_open(const char *path, int create, const char *agency,
                      store **out, struct liaison_err *err)
{
    struct stat sb;
    sq_store *q = NULL;
    int rc, fd, made = 0;
    *out = NULL;
    if (create) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            return util_err(err, LIAISON_EEXIST, 0, 0,
                            "%s already exists", path);
        if (fd < 0)
            return util_err(err, LIAISON_EIO, 0, 0, "cannot create %s: %s",
                            path, strerror(errno));
        close(fd);
        made = 1;
    } else if (stat(path, &sb) < 0) {
        if (errno == ENOENT)
            return util_err(err, LIAISON_ENOTFOUND, 0, 0,
                            "no store at %s (run liaison init)", path);
        return util_err(err, LIAISON_EIO, 0, 0, "cannot open %s: %s", path,
                        strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        return util_err(err, LIAISON_EFORMAT, 0, 0,
                        "%s is not a liaison store (not a file)", path);
    }
    q = util_calloc(1, sizeof(*q));
    if (!q) {
        rc = util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    q->base.ops = &sq_ops;
    rc = sqlite3_open_v2(path, &q->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_fail(q, rc, "opening the store");
        goto fail;
    }
    sqlite3_extended_result_codes(q->db, 1);
    /* Before the header is read: another handle may hold a lock for a
    ** moment (recovering the WAL when the file is first opened, or
    ** upgrading the schema, note 7), and reading must wait, not fail. */
    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    if (create) {
        rc = configure(q);
        if (rc == LIAISON_OK)
            rc = make_schema(q, agency);
    } else {
        long version = 0;
        rc = check_header(q, path, &version);
        if (rc == LIAISON_OK)
            rc = configure(q);
        if (rc == LIAISON_OK)
            rc = upgrade(q, version);
    }
    if (rc < 0)
        goto fail;
    *out = &q->base;
    q = NULL;
    rc = LIAISON_OK;
    goto out;
fail:
    util_err(err, rc, 0, 0, "%s", q->base.errmsg);
    util_free(q->base.agency);
    sq_close(&q->base);
    q = NULL;
out:
    if (rc < 0 && made)
        unlink_store(path);
    return rc;
}
