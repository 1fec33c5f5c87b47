/*
** pg_int.h: the PostgreSQL backend's handle and query helpers, shared by
** pg.c (connecting, schema, transactions, records, change feed, lists)
** and pg_acct.c (users, audit, peers, disclosures).  Private to src/store.
*/
#ifndef LIAISON_STORE_PG_INT_H
#define LIAISON_STORE_PG_INT_H

#include <libpq-fe.h>

#include "store_be.h"

/* Statements prepared on the connection on first use. */
enum pg_stmt { PG_ST_PUT, PG_ST_COUNT };

typedef struct pg_store {
    store base;                 /* first: a pg_store * is a store * */
    PGconn *conn;
    int dirty;                  /* this transaction wrote changes: NOTIFY */
    int listening;              /* LISTEN liaison_changes was sent */
    char prepared[PG_ST_COUNT]; /* which pg_stmt are prepared */
} pg_store;

/* Rows fetched per query when walking a big table (keyset pages). */
#define PG_PAGE 2000
#define PG_PAGE_STR "2000"

/* Run sql with n text parameters (NULL entries are SQL NULL).  Returns the
** result, or NULL after setting the handle's message and *rc.  The caller
** PQclear()s the result. */
PGresult *pg_query(pg_store *q, const char *sql, int n,
                   const char *const *params, int *rc /* OUT */,
                   const char *what);
/* Run a command; *changed (may be NULL) gets the affected row count. */
int pg_command(pg_store *q, const char *sql, int n,
               const char *const *params, long *changed /* OUT */,
               const char *what);
/* Field (row, col), NULL for SQL NULL. */
const char *pg_val(const PGresult *res, int row, int col);
/* Field as an integer (0 for NULL). */
int64_t pg_i64(const PGresult *res, int row, int col);
/* Text of v in buf (at least 24 bytes); returns buf. */
const char *pg_num(char *buf, int64_t v);

/* pg_acct.c */
int pg_user_add(store *s, const char *name, const char *agency,
                const char *role, const char *token_hash, int64_t now);
int pg_user_revoke(store *s, const char *name, int64_t now);
int pg_user_by_token_hash(store *s, const char *token_hash,
                          store_user **out);
int pg_user_list(store *s, store_user_fn fn, void *ud);
int pg_audit_last(store *s, int64_t *seq, char *hash);
int pg_audit_insert(store *s, const store_audit_entry *e);
int pg_audit_each(store *s, int64_t after, store_audit_fn fn, void *ud);
int pg_peer_add(store *s, const store_peer *p, int64_t now);
int pg_peer_get(store *s, const char *agency, store_peer **out);
int pg_peer_remove(store *s, const char *agency);
int pg_peer_each(store *s, store_peer_fn fn, void *ud);
int pg_disclosure_add(store *s, const store_disclosure *d, int64_t now);
int pg_disclosure_get(store *s, const char *id, store_disclosure **out);
int pg_disclosure_decide(store *s, const char *id, const char *status,
                         const char *decided_by, const char *reason,
                         const char *handling, int64_t now);
int pg_disclosure_each(store *s, const char *status, store_disclosure_fn fn,
                       void *ud);

#endif /* LIAISON_STORE_PG_INT_H */
