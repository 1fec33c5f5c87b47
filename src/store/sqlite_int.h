/*
** sqlite_int.h: the SQLite backend's handle and statement cache, shared by
** sqlite.c (opening, transactions, records, change feed, lists) and
** sqlite_acct.c (users, audit, peers, disclosures).  Private to src/store.
*/
#ifndef LIAISON_STORE_SQLITE_INT_H
#define LIAISON_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store_be.h"

/* Every statement the backend runs, prepared once per handle on first use
** (SQLITE_PREPARE_PERSISTENT) and reset after each use.  The SQL text is
** in sqlite.c (sq_sql[]) in the same order. */
enum sq_stmt {
    SQ_BEGIN, SQ_COMMIT, SQ_ROLLBACK,
    SQ_CHANGE_ADD, SQ_REC_PUT, SQ_LIST_ENSURE, SQ_REC_GET, SQ_REC_DEL,
    SQ_REC_EACH, SQ_LAST_SEQ, SQ_CHANGES, SQ_STATS, SQ_LIST_PUT,
    SQ_LIST_EACH,
    SQ_USER_ADD, SQ_USER_REVOKE, SQ_USER_BY_TOKEN, SQ_USER_LIST,
    SQ_AUDIT_LAST, SQ_AUDIT_ADD, SQ_AUDIT_EACH,
    SQ_PEER_ADD, SQ_PEER_GET, SQ_PEER_DEL, SQ_PEER_EACH,
    SQ_DISC_ADD, SQ_DISC_GET, SQ_DISC_DECIDE, SQ_DISC_EXISTS, SQ_DISC_EACH,
    SQ_COUNT
};

typedef struct sq_store {
    store base;                 /* first: a sq_store * is a store * */
    sqlite3 *db;
    sqlite3_stmt *st[SQ_COUNT];
} sq_store;

/* The cached statement i, ready for binding.  LIAISON_ESTATE if it is in
** use (a callback re-entered the same iteration). */
int sq_prep(sq_store *q, enum sq_stmt i, sqlite3_stmt **out /* OUT */);
/* Turn a SQLite result code into a LIAISON_E* code, with the message. */
int sq_fail(sq_store *q, int rc, const char *what);
/* Bind NULL for a NULL string, else the text (static: bound for the
** statement's run only). */
int sq_bind_str(sqlite3_stmt *st, int i, const char *s);
/* Column i as a string, NULL for SQL NULL. */
const char *sq_col_str(sqlite3_stmt *st, int i);
/* Step a statement that returns no rows, and reset it. */
int sq_exec(sq_store *q, sqlite3_stmt *st, const char *what);

/* sqlite_acct.c */
int sq_user_add(store *s, const char *name, const char *agency,
                const char *role, const char *token_hash, int64_t now);
int sq_user_revoke(store *s, const char *name, int64_t now);
int sq_user_by_token_hash(store *s, const char *token_hash,
                          store_user **out);
int sq_user_list(store *s, store_user_fn fn, void *ud);
int sq_audit_last(store *s, int64_t *seq, char *hash);
int sq_audit_insert(store *s, const store_audit_entry *e);
int sq_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud);
int sq_peer_add(store *s, const store_peer *p, int64_t now);
int sq_peer_get(store *s, const char *agency, store_peer **out);
int sq_peer_remove(store *s, const char *agency);
int sq_peer_each(store *s, store_peer_fn fn, void *ud);
int sq_disclosure_add(store *s, const store_disclosure *d, int64_t now);
int sq_disclosure_get(store *s, const char *id, store_disclosure **out);
int sq_disclosure_decide(store *s, const char *id, const char *status,
                         const char *decided_by, const char *reason,
                         const char *handling, int64_t now);
int sq_disclosure_each(store *s, const char *status, store_disclosure_fn fn,
                       void *ud);

#endif /* LIAISON_STORE_SQLITE_INT_H */
