/*
** store.h: durable records, lists, the change feed, users, the audit log,
** peers and disclosures.  One interface, two backends behind a vtable
** (struct store_ops in store_be.h): SQLite (default, embedded, WAL mode)
** and PostgreSQL.  Callers never see which one they have.  The store knows
** nothing of names or matching: it keeps each record's canonical JSON plus
** the columns it indexes, and it never sees raw tokens or computes hashes.
**
** Transactions: store_begin()/store_commit()/store_rollback().  An import
** is one transaction, so a crash at any point leaves either the whole file
** or nothing.  Writes outside an explicit transaction commit on their own
** and are atomic (a put is its record row, its change row and its list row
** together, or none of them).  A second store_begin() on a handle is
** refused with LIAISON_ESTATE (no nesting).  When a write fails inside an
** explicit transaction for any reason other than a bad argument, the
** transaction is spoiled: later writes return LIAISON_ESTATE and
** store_commit() rolls back and returns LIAISON_EDB.
**
** Threads: a `store *` is used by one thread at a time; it holds prepared
** statements and transaction state.  Open one handle per thread (the
** server opens one per worker).  SQLite in WAL mode then lets any number
** of readers run alongside one writer; writers queue on a busy timeout.
** Separate processes may share one store file the same way.
**
** Change feed: every put and delete gets a sequence number, strictly
** increasing in commit order (gaps are possible), kept on the record and
** in a change row (seq, id, op).  An index built from store_record_each()
** remembers store_last_seq() and later applies store_changes_since().
**
** Times are Unix seconds (int64_t); 0 means "not set".  Strings handed to
** callbacks are borrowed for the duration of the call.
*/
#ifndef LIAISON_STORE_H
#define LIAISON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "liaison.h"

typedef struct store store;

/* ---------------------------------------------------------------- opening */

/* Create a new store, with schema, and record the node's agency id (may be
** NULL).  path is a SQLite file (put in WAL mode), or a PostgreSQL conninfo
** (see store_open), in which case the schema is created in that database.
** Fails with LIAISON_EEXIST if a store (or, for SQLite, any file) is
** already there; nothing is left behind on failure. */
int store_create(const char *path, const char *agency,
                 struct liaison_err *err);

/* Open an existing store.  path is a SQLite file, or, when it starts with
** "postgres://", "postgresql://" or contains "dbname=", a PostgreSQL
** conninfo.  Fails with LIAISON_ENOTFOUND when there is no store, with
** LIAISON_EFORMAT when the file is not SQLite, not a liaison store, or has
** a schema version this program does not know (a newer one is never
** opened), and with LIAISON_EDB when the database fails. */
int store_open(const char *path, store **out /* OUT */,
               struct liaison_err *err);
void store_close(store *s);

/* The node's agency id (borrowed; NULL if none was set). */
const char *store_agency(store *s);

/* The backend's name: "sqlite" or "postgresql" (static). */
const char *store_backend(store *s);

/* A message for the last failure on this handle (borrowed, never NULL;
** "" if none).  For functions that take no liaison_err. */
const char *store_last_error(store *s);

/* The schema version this program creates and opens. */
#define STORE_SCHEMA_VERSION 2

/* ---------------------------------------------------------------- transactions */

/* BEGIN (SQLite: BEGIN IMMEDIATE, so the write lock is taken now and a
** later write cannot fail with "busy").  LIAISON_ESTATE if one is open. */
int store_begin(store *s);
/* LIAISON_ESTATE if none is open; LIAISON_EDB (after rolling back) if the
** transaction was spoiled by a failed write or the commit failed. */
int store_commit(store *s);
/* LIAISON_ESTATE if none is open. */
int store_rollback(store *s);
/* 1 if a transaction is open on this handle. */
int store_in_transaction(store *s);

/* ---------------------------------------------------------------- durability */

/* How this handle's commits reach the disk.  full (the default): a commit
** returns once it is synced (SQLite synchronous=FULL, PostgreSQL
** synchronous_commit=on).  Not full: a commit returns once it is in the
** database, so it survives a crash of this process but not a power cut
** until a later store_sync() on any handle of the same store; SQLite also
** stops checkpointing on this handle's commits (a checkpoint fsyncs inside
** the commit that runs it): call store_checkpoint() from another handle
** to copy the log back into the database, and now and then from this one,
** between commits, to let the log start over; SQLite then keeps the log
** file at the size it reached (up to 1 GiB) rather than cutting it back
** each time.  For a writer that commits often and cannot wait for a disk
** flush each time (the server's audit writer). */
int store_set_sync(store *s, int full);
/* Make every commit made so far by any handle durable (fsync the SQLite
** WAL; on PostgreSQL, a synchronous commit flushes the WAL).  Takes no
** write lock. */
int store_sync(store *s);
/* SQLite: copy what it can of the WAL back into the database without
** waiting for readers or writers (a PASSIVE checkpoint, which syncs what
** it copies).  *wal_frames (may be NULL) gets the number of frames in the
** WAL afterwards.  The WAL starts over from its beginning at the next
** write once a checkpoint has copied all of it; with a writer that never
** pauses, only a checkpoint run by that writer between its commits gets
** there.  PostgreSQL: a no-op, *wal_frames = 0. */
int store_checkpoint(store *s, long *wal_frames /* OUT */);

/* ---------------------------------------------------------------- records */

/* A stored record: columns plus canonical JSON.  Strings are borrowed. */
typedef struct store_rec {
    const char *id;
    const char *list;
    const char *kind;           /* person | entity | document | vehicle */
    const char *owner;          /* agency id; NULL = this node */
    const char *sharing;        /* none | hit | details */
    long n_names;               /* names in the record (for stats) */
    const char *json;
    size_t json_len;
    int64_t seq;                /* change sequence (set by the store) */
} store_rec;

/* Insert or replace a record (by id); gives it the next sequence number,
** writes a "put" change row and makes sure its list exists.  Within or
** outside a transaction.  LIAISON_EINVAL (with message) for an empty id or
** list, an unknown kind or sharing, n_names < 0 or no json. */
int store_record_put(store *s, const store_rec *r, struct liaison_err *err);

/* Fetch one record's JSON; *json is NUL-terminated and owned by the caller
** (util_free).  LIAISON_ENOTFOUND if there is none. */
int store_record_get(store *s, const char *id, char **json /* OUT */,
                     size_t *len /* OUT */);

/* Delete a record and write a "delete" change row; LIAISON_ENOTFOUND if
** there was none (nothing is written then). */
int store_record_delete(store *s, const char *id);

/* Call fn for every record, in id order, with one statement; stops early
** when fn returns non-zero and returns that value.  fn must not start
** another store_record_each() on the same handle (LIAISON_ESTATE). */
typedef int (*store_rec_fn)(void *ud, const store_rec *r);
int store_record_each(store *s, store_rec_fn fn, void *ud);

/* ---------------------------------------------------------------- change feed */

/* The highest change sequence number ever given (0 for a new store). */
int store_last_seq(store *s, int64_t *seq /* OUT */);

typedef enum store_op { STORE_OP_PUT = 1, STORE_OP_DELETE = 2 } store_op;

typedef struct store_change {
    int64_t seq;
    const char *id;
    store_op op;
    int64_t at;
} store_change;

/* Call fn for every change with seq > after, in seq order; stops early
** when fn returns non-zero and returns that value.  fn may read records
** (store_record_get) on the same handle. */
typedef int (*store_change_fn)(void *ud, const store_change *c);
int store_changes_since(store *s, int64_t after, store_change_fn fn,
                        void *ud);

/* Wait up to timeout_ms for a change with seq > after to be committed by
** anyone.  LIAISON_OK when there is one (possibly at once), LIAISON_ETIMEOUT
** otherwise; LIAISON_ESTATE inside a transaction.  PostgreSQL waits on
** LISTEN/NOTIFY; SQLite polls. */
int store_changes_wait(store *s, int64_t after, int timeout_ms);

/* ---------------------------------------------------------------- lists */

/* Counts for `liaison stats`. */
typedef struct store_list_count {
    char *list;
    long records;
} store_list_count;

typedef struct store_stats {
    long records;
    long names;                 /* sum of n_names */
    store_list_count *lists;    /* n_lists entries, sorted by name */
    size_t n_lists;
} store_stats;

/* Fill *out; release with store_stats_fini().  On failure *out is zeroed. */
int store_get_stats(store *s, store_stats *out /* OUT */);
void store_stats_fini(store_stats *st);

/* A list as /v1/lists shows it.  Lists are created by store_record_put()
** (owner = the first record's owner) and never removed by deletes. */
typedef struct store_list {
    const char *name;
    const char *description;    /* may be NULL */
    const char *owner;          /* may be NULL: this node */
    int64_t created;
    long records;               /* current records in the list */
} store_list;

/* Create a list or set its description (and owner, when not NULL). */
int store_list_put(store *s, const char *name, const char *description,
                   const char *owner);
/* Every list, by name; stops early when fn returns non-zero. */
typedef int (*store_list_fn)(void *ud, const store_list *l);
int store_list_each(store *s, store_list_fn fn, void *ud);

/* ---------------------------------------------------------------- users */

/* Roles, as stored: "officer", "analyst", "auditor", "admin", "monitor". */
typedef struct store_user {
    int64_t id;
    const char *name;
    const char *agency;
    const char *role;
    int64_t created;
    int64_t revoked_at;         /* 0 = active */
} store_user;

/* Add a user with the hash of their token (the caller hashes; the store
** never sees a raw token).  LIAISON_EEXIST if the name or the token hash is
** taken; LIAISON_EINVAL for an unknown role or empty field. */
int store_user_add(store *s, const char *name, const char *agency,
                   const char *role, const char *token_hash,
                   struct liaison_err *err);
/* Mark a user revoked (now).  LIAISON_ENOTFOUND if there is no such active
** user. */
int store_user_revoke(store *s, const char *name);
/* The active (not revoked) user holding this token hash, as one block the
** caller frees with store_user_free().  LIAISON_ENOTFOUND otherwise, for
** unknown and revoked tokens alike. */
int store_user_by_token_hash(store *s, const char *token_hash,
                             store_user **out /* OUT */);
void store_user_free(store_user *u);
/* Every user (revoked ones too), by name. */
typedef int (*store_user_fn)(void *ud, const store_user *u);
int store_user_list(store *s, store_user_fn fn, void *ud);

/* ---------------------------------------------------------------- audit */

/* Longest hash text (hex of 64 bytes) plus its NUL. */
#define STORE_AUDIT_HASH_MAX 129

/* One audit entry.  The store keeps the fields; the audit module computes
** the hash chain.  prev_hash is "" for the first entry. */
typedef struct store_audit_entry {
    int64_t seq;                /* 1, 2, 3, ...: set by the store */
    int64_t at;                 /* 0: the store sets now */
    const char *actor;          /* user name or peer agency; required */
    const char *agency;         /* may be NULL */
    const char *action;         /* required */
    const char *purpose;        /* may be NULL */
    const char *detail_json;    /* may be NULL */
    const char *prev_hash;
    const char *hash;
} store_audit_entry;

/* Append e as given (e->seq is ignored), atomically and serialised with
** every other writer.  e->prev_hash must equal the current last hash ("" or
** NULL for an empty log), else LIAISON_ESTATE and nothing is written: a
** chain cannot fork.  *seq (may be NULL) gets the new entry's seq. */
int store_audit_append(store *s, const store_audit_entry *e,
                       int64_t *seq /* OUT */);

/* Compute the new entry's hash: e has seq, at and prev_hash filled in;
** write a NUL-terminated hash of at most STORE_AUDIT_HASH_MAX bytes into
** hash.  Return LIAISON_OK or a negative code to abandon the append. */
typedef int (*store_audit_hash_fn)(void *ud, const store_audit_entry *e,
                                   char *hash /* OUT */);

/* Read the last entry, fill seq, at and prev_hash, call hash_fn and append,
** all in ONE write transaction (so concurrent appenders from any thread or
** process queue up and cannot fork the chain).  e->seq, e->prev_hash and
** e->hash are ignored.  Inside an explicit transaction the entry joins it. */
int store_audit_append_chained(store *s, const store_audit_entry *e,
                               store_audit_hash_fn hash_fn, void *ud,
                               int64_t *seq /* OUT */);

/* Every entry with seq > after, in seq order; stops early when fn returns
** non-zero and returns that value. */
typedef int (*store_audit_fn)(void *ud, const store_audit_entry *e);
int store_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud);

/* The last entry's seq and hash (0 and "" for an empty log); hash must
** hold STORE_AUDIT_HASH_MAX bytes and may be NULL. */
int store_audit_last(store *s, int64_t *seq /* OUT */,
                     char *hash /* OUT */);

/* ---------------------------------------------------------------- peers */

typedef struct store_peer {
    const char *agency;
    const char *url;
    const char *public_key;     /* as the federation module encodes it */
    const char *ca_file;        /* may be NULL */
    int64_t added;              /* set by the store */
} store_peer;

/* LIAISON_EEXIST if the agency is already a peer. */
int store_peer_add(store *s, const store_peer *p, struct liaison_err *err);
/* One block, freed with util_free().  LIAISON_ENOTFOUND if none. */
int store_peer_get(store *s, const char *agency, store_peer **out /* OUT */);
int store_peer_remove(store *s, const char *agency);
typedef int (*store_peer_fn)(void *ud, const store_peer *p);
int store_peer_each(store *s, store_peer_fn fn, void *ud);

/* ---------------------------------------------------------------- disclosures */

/* A request for the details behind a hit.  Status, as stored: "pending",
** "approved", "denied". */
typedef struct store_disclosure {
    const char *id;             /* globally unique; chosen by the caller */
    const char *requester_agency;
    const char *requester_user; /* may be NULL */
    const char *owner_agency;
    const char *record_id;
    const char *purpose;
    const char *justification;  /* may be NULL */
    const char *status;         /* set by the store on add: "pending" */
    const char *fields;         /* JSON array of fields asked for; may be NULL */
    const char *reason;         /* given with the decision; may be NULL */
    const char *handling;       /* handling codes; may be NULL */
    const char *decided_by;     /* may be NULL */
    int64_t created;            /* 0: the store sets now */
    int64_t decided_at;
} store_disclosure;

/* Record a new, pending request.  LIAISON_EEXIST for a known id. */
int store_disclosure_add(store *s, const store_disclosure *d,
                         struct liaison_err *err);
/* One block, freed with util_free().  LIAISON_ENOTFOUND if none. */
int store_disclosure_get(store *s, const char *id,
                         store_disclosure **out /* OUT */);
/* Decide a pending request: status "approved" or "denied".  LIAISON_ESTATE
** if it is no longer pending, LIAISON_ENOTFOUND if unknown. */
int store_disclosure_decide(store *s, const char *id, const char *status,
                            const char *decided_by, const char *reason,
                            const char *handling);
/* Requests with this status (NULL: all), oldest first. */
typedef int (*store_disclosure_fn)(void *ud, const store_disclosure *d);
int store_disclosure_each(store *s, const char *status,
                          store_disclosure_fn fn, void *ud);

#endif /* LIAISON_STORE_H */
