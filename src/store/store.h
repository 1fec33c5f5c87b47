/*
** store.h: durable records and lists (later: users, audit, peers,
** disclosures).  One interface, two backends: SQLite (default, embedded,
** WAL mode) and PostgreSQL.  The store knows nothing of names or matching:
** it keeps each record's canonical JSON plus the columns it indexes.
**
** Transactions: store_begin()/store_commit()/store_rollback().  An import
** is one transaction, so a crash at any point leaves either the whole file
** or nothing.  Writes outside an explicit transaction commit on their own.
*/
#ifndef LIAISON_STORE_H
#define LIAISON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "liaison.h"

typedef struct store store;

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

/* Create a new store at path (SQLite file), with schema, in WAL mode, and
** record the node's agency id (may be NULL).  Fails with LIAISON_EEXIST if
** a store is already there. */
int store_create(const char *path, const char *agency,
                 struct liaison_err *err);

/* Open an existing store.  path is a SQLite file, or, when it starts with
** "postgres://", "postgresql://" or contains "dbname=", a PostgreSQL
** conninfo.  Fails with LIAISON_ENOTFOUND when there is no store. */
int store_open(const char *path, store **out /* OUT */,
               struct liaison_err *err);
void store_close(store *s);

/* The node's agency id (borrowed; NULL if none was set). */
const char *store_agency(store *s);

/* Transactions. */
int store_begin(store *s);
int store_commit(store *s);
int store_rollback(store *s);

/* Insert or replace a record (by id).  Within or outside a transaction. */
int store_record_put(store *s, const store_rec *r, struct liaison_err *err);

/* Fetch one record's JSON; *json is owned by the caller (util_free). */
int store_record_get(store *s, const char *id, char **json /* OUT */,
                     size_t *len /* OUT */);

/* Delete a record; LIAISON_ENOTFOUND if there was none. */
int store_record_delete(store *s, const char *id);

/* Call fn for every record, in id order; stops early when fn returns
** non-zero and returns that value. */
typedef int (*store_rec_fn)(void *ud, const store_rec *r);
int store_record_each(store *s, store_rec_fn fn, void *ud);

/* Counts for `liaison stats`. */
typedef struct store_list_count {
    char *list;
    long records;
} store_list_count;

typedef struct store_stats {
    long records;
    long names;
    store_list_count *lists;    /* n_lists entries, sorted by name */
    size_t n_lists;
} store_stats;

int store_get_stats(store *s, store_stats *out /* OUT */);
void store_stats_fini(store_stats *st);

/* The highest change sequence number (for refreshing an index). */
int store_last_seq(store *s, int64_t *seq /* OUT */);

#endif /* LIAISON_STORE_H */
