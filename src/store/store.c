/*
** store.c: the backend-independent half of the store.  It picks the
** backend from the path, checks arguments, keeps each handle's transaction
** state and wraps every write in a transaction; the backends (sqlite.c,
** pg.c) only run statements.
**
** NOTES ON TRANSACTIONS AND SEQUENCES
**
**  1. Every write runs inside a backend write transaction that takes the
**     writer lock when it begins (SQLite BEGIN IMMEDIATE, PostgreSQL an
**     advisory transaction lock).  Without an explicit store_begin() the
**     write gets its own transaction here (wbegin/wend), so a put is its
**     record row, change row and list row together or nothing.
**  2. Writers are therefore serialised across threads and processes, and
**     the order in which sequence numbers are given is the order in which
**     transactions commit.  A change-feed reader that has seen seq N can
**     never later find a committed change with seq <= N that it missed.
**  3. Sequence numbers only grow (SQLite AUTOINCREMENT, a PostgreSQL
**     sequence); a rolled-back transaction may leave a gap.
**  4. A failed write inside an explicit transaction spoils it, except for
**     the clean refusals that change nothing (EINVAL, ENOTFOUND, EEXIST,
**     ESTATE): an import is all of a file or none of it, never a file
**     minus the rows whose statements happened to fail.
**  5. No nesting: store_begin() on a handle with an open (or spoiled)
**     transaction is refused with LIAISON_ESTATE.
**  6. The audit chain is read and extended inside one write transaction
**     (store_audit_append_chained), and a plain append checks prev_hash
**     against the last hash in that transaction, so the chain cannot fork.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store_be.h"
#include "util/util.h"

int store_set_error(store *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
    va_end(ap);
    return code;
}

/* Copy the handle's message into err (if any) and return rc. */
static int report(store *s, int rc, struct liaison_err *err)
{
    if (rc < 0 && err)
        util_err(err, rc, 0, 0, "%s",
                 s->errmsg[0] ? s->errmsg : liaison_strerror(rc));
    return rc;
}

static int is_pg(const char *path)
{
    return !strncmp(path, "postgres://", 11) ||
           !strncmp(path, "postgresql://", 13) || strstr(path, "dbname=");
}

static int in_set(const char *v, const char *const *set, size_t n)
{
    size_t i;
    if (!v)
        return 0;
    for (i = 0; i < n; i++)
        if (!strcmp(v, set[i]))
            return 1;
    return 0;
}

int store_kind_ok(const char *kind)
{
    static const char *const k[] = {"person", "entity", "document",
                                    "vehicle"};
    return in_set(kind, k, UTIL_ARRAY_LEN(k));
}

int store_sharing_ok(const char *sharing)
{
    static const char *const k[] = {"none", "hit", "details"};
    return in_set(sharing, k, UTIL_ARRAY_LEN(k));
}

int store_role_ok(const char *role)
{
    static const char *const k[] = {"officer", "analyst", "auditor",
                                    "admin", "monitor"};
    return in_set(role, k, UTIL_ARRAY_LEN(k));
}

static int empty(const char *s)
{
    return !s || !*s;
}

/* ---------------------------------------------------------------- opening */

int store_create(const char *path, const char *agency,
                 struct liaison_err *err)
{
    store *s = NULL;
    int rc;
    if (empty(path))
        return util_err(err, LIAISON_EINVAL, 0, 0, "no store path");
    if (agency && !*agency)
        return util_err(err, LIAISON_EINVAL, 0, 0, "empty agency id");
    if (is_pg(path))
        rc = store_pg_open(path, 1, agency, &s, err);
    else
        rc = store_sqlite_open(path, 1, agency, &s, err);
    store_close(s);
    return rc;
}

int store_open(const char *path, store **out, struct liaison_err *err)
{
    *out = NULL;
    if (empty(path))
        return util_err(err, LIAISON_EINVAL, 0, 0, "no store path");
    if (is_pg(path))
        return store_pg_open(path, 0, NULL, out, err);
    return store_sqlite_open(path, 0, NULL, out, err);
}

/* Closing rolls back an open transaction.  NULL is a no-op. */
void store_close(store *s)
{
    if (!s)
        return;
    if (s->tx != STORE_TX_NONE)
        s->ops->rollback(s);
    util_free(s->agency);
    s->ops->close(s);
}

const char *store_agency(store *s)
{
    return s->agency;
}

const char *store_backend(store *s)
{
    return s->ops->name;
}

const char *store_last_error(store *s)
{
    return s->errmsg;
}

/* ---------------------------------------------------------------- transactions */

int store_begin(store *s)
{
    int rc;
    if (s->tx != STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE,
                               "a transaction is already open");
    rc = s->ops->begin(s);
    if (rc == LIAISON_OK)
        s->tx = STORE_TX_OPEN;
    return rc;
}

int store_commit(store *s)
{
    int rc;
    if (s->tx == STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE, "no transaction is open");
    if (s->tx == STORE_TX_SPOILED) {
        s->ops->rollback(s);
        s->tx = STORE_TX_NONE;
        return store_set_error(s, LIAISON_EDB,
                               "transaction rolled back: an earlier write "
                               "failed (%s)", s->errmsg);
    }
    rc = s->ops->commit(s);
    if (rc < 0)
        s->ops->rollback(s);
    s->tx = STORE_TX_NONE;
    return rc;
}

int store_rollback(store *s)
{
    int rc;
    if (s->tx == STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE, "no transaction is open");
    rc = s->ops->rollback(s);
    s->tx = STORE_TX_NONE;
    return rc;
}

int store_in_transaction(store *s)
{
    return s->tx != STORE_TX_NONE;
}

/* ---------------------------------------------------------------- durability */

int store_set_sync(store *s, int full)
{
    if (s->tx != STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE,
                               "cannot change the sync mode in a "
                               "transaction");
    return s->ops->set_sync(s, full != 0);
}

int store_sync(store *s)
{
    if (s->tx != STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE,
                               "cannot sync in a transaction");
    return s->ops->sync(s);
}

int store_checkpoint(store *s, long *wal_frames)
{
    long dummy;
    if (!wal_frames)
        wal_frames = &dummy;
    *wal_frames = 0;
    if (s->tx != STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE,
                               "cannot checkpoint in a transaction");
    return s->ops->checkpoint ? s->ops->checkpoint(s, wal_frames)
                              : LIAISON_OK;
}

/* Start a write: join the caller's transaction or open an implicit one
** (*implicit = 1).  A spoiled transaction takes no more writes. */
static int wbegin(store *s, int *implicit)
{
    *implicit = 0;
    if (s->tx == STORE_TX_SPOILED)
        return store_set_error(s, LIAISON_ESTATE,
                               "transaction spoiled by an earlier failed "
                               "write; roll it back");
    if (s->tx == STORE_TX_OPEN)
        return LIAISON_OK;
    *implicit = 1;
    return s->ops->begin(s);
}

static int clean_refusal(int rc)
{
    return rc == LIAISON_EINVAL || rc == LIAISON_ENOTFOUND ||
           rc == LIAISON_EEXIST || rc == LIAISON_ESTATE;
}

/* Finish a write that returned rc.  spoil: a failure may have left part of
** the write behind.  Returns the final code. */
static int wend(store *s, int implicit, int rc, int spoil)
{
    if (implicit) {
        if (rc < 0) {
            s->ops->rollback(s);
            return rc;
        }
        rc = s->ops->commit(s);
        if (rc < 0)
            s->ops->rollback(s);
        return rc;
    }
    if (rc < 0 && spoil)
        s->tx = STORE_TX_SPOILED;
    return rc;
}

/* ---------------------------------------------------------------- records */

static int rec_check(store *s, const store_rec *r)
{
    if (!r || empty(r->id))
        return store_set_error(s, LIAISON_EINVAL, "record without id");
    if (empty(r->list))
        return store_set_error(s, LIAISON_EINVAL, "record %s: no list",
                               r->id);
    if (!store_kind_ok(r->kind))
        return store_set_error(s, LIAISON_EINVAL, "record %s: bad kind '%s'",
                               r->id, r->kind ? r->kind : "");
    if (!store_sharing_ok(r->sharing))
        return store_set_error(s, LIAISON_EINVAL,
                               "record %s: bad sharing '%s'", r->id,
                               r->sharing ? r->sharing : "");
    if (r->n_names < 0 || !r->json)
        return store_set_error(s, LIAISON_EINVAL,
                               "record %s: no json or negative n_names",
                               r->id);
    if (r->owner && !*r->owner)
        return store_set_error(s, LIAISON_EINVAL, "record %s: empty owner",
                               r->id);
    return LIAISON_OK;
}

int store_record_put(store *s, const store_rec *r, struct liaison_err *err)
{
    int implicit, rc = rec_check(s, r);
    if (rc < 0)
        return report(s, rc, err);
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return report(s, rc, err);
    rc = s->ops->record_put(s, r, util_unix_time());
    return report(s, wend(s, implicit, rc, !clean_refusal(rc)), err);
}

int store_record_get(store *s, const char *id, char **json, size_t *len)
{
    int rc;
    *json = NULL;
    *len = 0;
    if (empty(id))
        return store_set_error(s, LIAISON_EINVAL, "no record id");
    rc = s->ops->record_get(s, id, json, len);
    if (rc < 0) {
        util_free(*json);
        *json = NULL;
        *len = 0;
    }
    return rc;
}

int store_record_delete(store *s, const char *id)
{
    int implicit, rc;
    if (empty(id))
        return store_set_error(s, LIAISON_EINVAL, "no record id");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->record_delete(s, id, util_unix_time());
    return wend(s, implicit, rc, !clean_refusal(rc));
}

int store_record_each(store *s, store_rec_fn fn, void *ud)
{
    if (!fn)
        return store_set_error(s, LIAISON_EINVAL, "no callback");
    return s->ops->record_each(s, fn, ud);
}

/* ---------------------------------------------------------------- change feed */

int store_last_seq(store *s, int64_t *seq)
{
    int rc = s->ops->last_seq(s, seq);
    if (rc < 0)
        *seq = 0;
    return rc;
}

int store_changes_since(store *s, int64_t after, store_change_fn fn,
                        void *ud)
{
    if (!fn || after < 0)
        return store_set_error(s, LIAISON_EINVAL, "bad arguments");
    return s->ops->changes_since(s, after, fn, ud);
}

/* Polling fallback: check every 20 ms until the deadline. */
int store_changes_wait(store *s, int64_t after, int timeout_ms)
{
    uint64_t deadline;
    int64_t seq;
    int rc;
    if (timeout_ms < 0)
        return store_set_error(s, LIAISON_EINVAL, "negative timeout");
    if (s->tx != STORE_TX_NONE)
        return store_set_error(s, LIAISON_ESTATE,
                               "cannot wait for changes in a transaction");
    if (s->ops->changes_wait)
        return s->ops->changes_wait(s, after, timeout_ms);
    deadline = util_now_us() + (uint64_t)timeout_ms * 1000;
    for (;;) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        rc = s->ops->last_seq(s, &seq);
        if (rc < 0)
            return rc;
        if (seq > after)
            return LIAISON_OK;
        if (util_now_us() >= deadline)
            return LIAISON_ETIMEOUT;
        nanosleep(&ts, NULL);
    }
}

/* ---------------------------------------------------------------- lists */

int store_get_stats(store *s, store_stats *out)
{
    size_t i;
    int rc;
    memset(out, 0, sizeof(*out));
    rc = s->ops->stats(s, out);
    if (rc < 0) {
        store_stats_fini(out);
        return rc;
    }
    for (i = 0; i < out->n_lists; i++)
        out->records += out->lists[i].records;
    return LIAISON_OK;
}

/* Releases what store_get_stats() filled; the struct is left zeroed. */
void store_stats_fini(store_stats *st)
{
    size_t i;
    if (!st)
        return;
    for (i = 0; i < st->n_lists; i++)
        util_free(st->lists[i].list);
    util_free(st->lists);
    memset(st, 0, sizeof(*st));
}

int store_list_put(store *s, const char *name, const char *description,
                   const char *owner)
{
    int implicit, rc;
    if (empty(name))
        return store_set_error(s, LIAISON_EINVAL, "no list name");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->list_put(s, name, description, owner, util_unix_time());
    return wend(s, implicit, rc, !clean_refusal(rc));
}

int store_list_each(store *s, store_list_fn fn, void *ud)
{
    if (!fn)
        return store_set_error(s, LIAISON_EINVAL, "no callback");
    return s->ops->list_each(s, fn, ud);
}

/* ---------------------------------------------------------------- users */

int store_user_add(store *s, const char *name, const char *agency,
                   const char *role, const char *token_hash,
                   struct liaison_err *err)
{
    int implicit, rc;
    if (empty(name) || empty(agency) || empty(token_hash))
        return report(s, store_set_error(s, LIAISON_EINVAL,
                      "user needs a name, an agency and a token hash"), err);
    if (!store_role_ok(role))
        return report(s, store_set_error(s, LIAISON_EINVAL,
                      "unknown role '%s' (officer, analyst, auditor, "
                      "admin, monitor)",
                      role ? role : ""), err);
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return report(s, rc, err);
    rc = s->ops->user_add(s, name, agency, role, token_hash,
                          util_unix_time());
    return report(s, wend(s, implicit, rc, !clean_refusal(rc)), err);
}

int store_user_revoke(store *s, const char *name)
{
    int implicit, rc;
    if (empty(name))
        return store_set_error(s, LIAISON_EINVAL, "no user name");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->user_revoke(s, name, util_unix_time());
    return wend(s, implicit, rc, !clean_refusal(rc));
}

int store_user_by_token_hash(store *s, const char *token_hash,
                             store_user **out)
{
    *out = NULL;
    if (empty(token_hash))
        return store_set_error(s, LIAISON_EINVAL, "no token hash");
    return s->ops->user_by_token_hash(s, token_hash, out);
}

void store_user_free(store_user *u)
{
    util_free(u);
}

int store_user_list(store *s, store_user_fn fn, void *ud)
{
    if (!fn)
        return store_set_error(s, LIAISON_EINVAL, "no callback");
    return s->ops->user_list(s, fn, ud);
}

/* ---------------------------------------------------------------- audit */

static int audit_check(store *s, const store_audit_entry *e)
{
    if (!e || empty(e->actor) || empty(e->action))
        return store_set_error(s, LIAISON_EINVAL,
                               "audit entry needs an actor and an action");
    return LIAISON_OK;
}

static int hash_ok(const char *h)
{
    return h && *h && memchr(h, 0, STORE_AUDIT_HASH_MAX);
}

int store_audit_append(store *s, const store_audit_entry *e, int64_t *seq)
{
    char last_hash[STORE_AUDIT_HASH_MAX];
    store_audit_entry x;
    int64_t last;
    int implicit, rc;
    const char *prev;
    if (seq)
        *seq = 0;
    rc = audit_check(s, e);
    if (rc < 0)
        return rc;
    if (!hash_ok(e->hash))
        return store_set_error(s, LIAISON_EINVAL, "bad audit hash");
    prev = e->prev_hash ? e->prev_hash : "";
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->audit_last(s, &last, last_hash);
    if (rc == LIAISON_OK && strcmp(prev, last_hash))
        rc = store_set_error(s, LIAISON_ESTATE,
                             "audit chain moved on: prev_hash is not the "
                             "hash of entry %lld", (long long)last);
    if (rc == LIAISON_OK) {
        x = *e;
        x.seq = last + 1;
        x.at = e->at ? e->at : util_unix_time();
        x.prev_hash = prev;
        rc = s->ops->audit_insert(s, &x);
    }
    rc = wend(s, implicit, rc, !clean_refusal(rc));
    if (rc == LIAISON_OK && seq)
        *seq = last + 1;
    return rc;
}

int store_audit_append_chained(store *s, const store_audit_entry *e,
                               store_audit_hash_fn hash_fn, void *ud,
                               int64_t *seq)
{
    char prev[STORE_AUDIT_HASH_MAX], hash[STORE_AUDIT_HASH_MAX];
    store_audit_entry x;
    int64_t last = 0;
    int implicit, rc, spoil = 1;
    if (seq)
        *seq = 0;
    rc = audit_check(s, e);
    if (rc < 0)
        return rc;
    if (!hash_fn)
        return store_set_error(s, LIAISON_EINVAL, "no hash function");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->audit_last(s, &last, prev);
    if (rc < 0)
        goto out;
    x = *e;
    x.seq = last + 1;
    x.at = e->at ? e->at : util_unix_time();
    x.prev_hash = prev;
    x.hash = NULL;
    memset(hash, 0, sizeof(hash));
    spoil = 0;                  /* nothing written yet */
    rc = hash_fn(ud, &x, hash);
    if (rc > 0)
        rc = LIAISON_EINVAL;
    if (rc == LIAISON_OK && (!hash[0] || hash[sizeof(hash) - 1]))
        rc = store_set_error(s, LIAISON_EINVAL,
                             "hash function gave an empty or long hash");
    else if (rc < 0)
        store_set_error(s, rc, "hash function failed: %s",
                        liaison_strerror(rc));
    if (rc < 0)
        goto out;
    x.hash = hash;
    spoil = 1;
    rc = s->ops->audit_insert(s, &x);
out:
    rc = wend(s, implicit, rc, spoil && !clean_refusal(rc));
    if (rc == LIAISON_OK && seq)
        *seq = last + 1;
    return rc;
}

int store_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud)
{
    if (!fn || after < 0)
        return store_set_error(s, LIAISON_EINVAL, "bad arguments");
    return s->ops->audit_each(s, after, fn, ud);
}

int store_audit_last(store *s, int64_t *seq, char *hash)
{
    char h[STORE_AUDIT_HASH_MAX];
    int rc = s->ops->audit_last(s, seq, h);
    if (rc < 0) {
        *seq = 0;
        h[0] = 0;
    }
    if (hash)
        memcpy(hash, h, strlen(h) + 1);
    return rc;
}

/* ---------------------------------------------------------------- peers */

int store_peer_add(store *s, const store_peer *p, struct liaison_err *err)
{
    int implicit, rc;
    if (!p || empty(p->agency) || empty(p->url) || empty(p->public_key))
        return report(s, store_set_error(s, LIAISON_EINVAL,
                      "peer needs an agency, a URL and a public key"), err);
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return report(s, rc, err);
    rc = s->ops->peer_add(s, p, util_unix_time());
    return report(s, wend(s, implicit, rc, !clean_refusal(rc)), err);
}

int store_peer_get(store *s, const char *agency, store_peer **out)
{
    *out = NULL;
    if (empty(agency))
        return store_set_error(s, LIAISON_EINVAL, "no peer agency");
    return s->ops->peer_get(s, agency, out);
}

int store_peer_remove(store *s, const char *agency)
{
    int implicit, rc;
    if (empty(agency))
        return store_set_error(s, LIAISON_EINVAL, "no peer agency");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->peer_remove(s, agency);
    return wend(s, implicit, rc, !clean_refusal(rc));
}

int store_peer_each(store *s, store_peer_fn fn, void *ud)
{
    if (!fn)
        return store_set_error(s, LIAISON_EINVAL, "no callback");
    return s->ops->peer_each(s, fn, ud);
}

/* ---------------------------------------------------------------- disclosures */

int store_disclosure_add(store *s, const store_disclosure *d,
                         struct liaison_err *err)
{
    int implicit, rc;
    if (!d || empty(d->id) || empty(d->requester_agency) ||
        empty(d->owner_agency) || empty(d->record_id) || empty(d->purpose))
        return report(s, store_set_error(s, LIAISON_EINVAL,
                      "disclosure needs an id, requester and owner agencies, "
                      "a record id and a purpose"), err);
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return report(s, rc, err);
    rc = s->ops->disclosure_add(s, d, util_unix_time());
    return report(s, wend(s, implicit, rc, !clean_refusal(rc)), err);
}

int store_disclosure_get(store *s, const char *id, store_disclosure **out)
{
    *out = NULL;
    if (empty(id))
        return store_set_error(s, LIAISON_EINVAL, "no disclosure id");
    return s->ops->disclosure_get(s, id, out);
}

int store_disclosure_decide(store *s, const char *id, const char *status,
                            const char *decided_by, const char *reason,
                            const char *handling)
{
    int implicit, rc;
    if (empty(id))
        return store_set_error(s, LIAISON_EINVAL, "no disclosure id");
    if (!status || (strcmp(status, "approved") && strcmp(status, "denied")))
        return store_set_error(s, LIAISON_EINVAL,
                               "a decision is 'approved' or 'denied'");
    rc = wbegin(s, &implicit);
    if (rc < 0)
        return rc;
    rc = s->ops->disclosure_decide(s, id, status, decided_by, reason,
                                   handling, util_unix_time());
    return wend(s, implicit, rc, !clean_refusal(rc));
}

int store_disclosure_each(store *s, const char *status,
                          store_disclosure_fn fn, void *ud)
{
    if (!fn)
        return store_set_error(s, LIAISON_EINVAL, "no callback");
    return s->ops->disclosure_each(s, status, fn, ud);
}

/* ---------------------------------------------------------------- copies */

/* Block layout helpers: measure, then copy strings after the struct. */
static size_t slen(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static const char *put(char **p, const char *s)
{
    char *d = *p;
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s) + 1;
    memcpy(d, s, n);
    *p += n;
    return d;
}

store_user *store_user_dup(const store_user *u)
{
    size_t n = sizeof(*u) + slen(u->name) + slen(u->agency) + slen(u->role);
    store_user *c = util_malloc(n);
    char *p;
    if (!c)
        return NULL;
    *c = *u;
    p = (char *)(c + 1);
    c->name = put(&p, u->name);
    c->agency = put(&p, u->agency);
    c->role = put(&p, u->role);
    return c;
}

store_peer *store_peer_dup(const store_peer *pe)
{
    size_t n = sizeof(*pe) + slen(pe->agency) + slen(pe->url) +
               slen(pe->public_key) + slen(pe->ca_file);
    store_peer *c = util_malloc(n);
    char *p;
    if (!c)
        return NULL;
    *c = *pe;
    p = (char *)(c + 1);
    c->agency = put(&p, pe->agency);
    c->url = put(&p, pe->url);
    c->public_key = put(&p, pe->public_key);
    c->ca_file = put(&p, pe->ca_file);
    return c;
}

store_disclosure *store_disclosure_dup(const store_disclosure *d)
{
    size_t n = sizeof(*d) + slen(d->id) + slen(d->requester_agency) +
               slen(d->requester_user) + slen(d->owner_agency) +
               slen(d->record_id) + slen(d->purpose) +
               slen(d->justification) + slen(d->status) + slen(d->fields) +
               slen(d->reason) + slen(d->handling) + slen(d->decided_by);
    store_disclosure *c = util_malloc(n);
    char *p;
    if (!c)
        return NULL;
    *c = *d;
    p = (char *)(c + 1);
    c->id = put(&p, d->id);
    c->requester_agency = put(&p, d->requester_agency);
    c->requester_user = put(&p, d->requester_user);
    c->owner_agency = put(&p, d->owner_agency);
    c->record_id = put(&p, d->record_id);
    c->purpose = put(&p, d->purpose);
    c->justification = put(&p, d->justification);
    c->status = put(&p, d->status);
    c->fields = put(&p, d->fields);
    c->reason = put(&p, d->reason);
    c->handling = put(&p, d->handling);
    c->decided_by = put(&p, d->decided_by);
    return c;
}
