/*
** store_be.h: the contract between store.c (dispatch, transaction state,
** argument checks) and the backends (sqlite.c, pg.c).  Nothing outside
** src/store includes this file; callers use store.h only.
**
** A backend handle embeds `struct store` as its first member.  Backend
** functions report failure by returning a negative LIAISON_E* code after
** setting the handle's message with store_set_error().  They must leave
** the database unchanged when they return one of the "clean" codes
** (LIAISON_EINVAL, LIAISON_ENOTFOUND, LIAISON_EEXIST, LIAISON_ESTATE);
** any other failure inside an explicit transaction spoils it (store.c).
**
** Write functions (record_put, record_delete, list_put, user_*, audit_insert,
** peer_*, disclosure_add/decide) are always called between the backend's
** begin and commit: store.c opens an implicit transaction around them when
** the caller has none, so backends never manage atomicity themselves.
*/
#ifndef LIAISON_STORE_BE_H
#define LIAISON_STORE_BE_H

#include "store.h"

/* Transaction state of a handle. */
enum store_tx { STORE_TX_NONE = 0, STORE_TX_OPEN, STORE_TX_SPOILED };

struct store {
    const struct store_ops *ops;
    char *agency;               /* owned; NULL if none */
    enum store_tx tx;
    char errmsg[512];
};

struct store_ops {
    const char *name;
    void (*close)(store *s);

    /* A write transaction: takes the writer lock at once.  rollback must
    ** cope with a transaction the database already rolled back. */
    int (*begin)(store *s);
    int (*commit)(store *s);
    int (*rollback)(store *s);

    /* Durability (store_set_sync, store_sync, store_checkpoint); NULL
    ** checkpoint: nothing to do. */
    int (*set_sync)(store *s, int full);
    int (*sync)(store *s);
    int (*checkpoint)(store *s, long *wal_frames);

    int (*record_put)(store *s, const store_rec *r, int64_t now);
    int (*record_get)(store *s, const char *id, char **json, size_t *len);
    int (*record_delete)(store *s, const char *id, int64_t now);
    int (*record_each)(store *s, store_rec_fn fn, void *ud);
    int (*last_seq)(store *s, int64_t *seq);
    int (*changes_since)(store *s, int64_t after, store_change_fn fn,
                         void *ud);
    /* Wait for a notification; NULL: store.c polls last_seq. */
    int (*changes_wait)(store *s, int64_t after, int timeout_ms);
    /* Per-list record counts in name order, and the total of n_names;
    ** fills lists, n_lists and names: store.c sums records. */
    int (*stats)(store *s, store_stats *out);
    int (*list_put)(store *s, const char *name, const char *description,
                    const char *owner, int64_t now);
    int (*list_each)(store *s, store_list_fn fn, void *ud);

    int (*user_add)(store *s, const char *name, const char *agency,
                    const char *role, const char *token_hash, int64_t now);
    int (*user_revoke)(store *s, const char *name, int64_t now);
    int (*user_by_token_hash)(store *s, const char *token_hash,
                              store_user **out);
    int (*user_list)(store *s, store_user_fn fn, void *ud);

    /* The last entry's seq and hash (0, "" when empty). */
    int (*audit_last)(store *s, int64_t *seq, char *hash);
    /* Insert e exactly as given (seq, at and hashes set). */
    int (*audit_insert)(store *s, const store_audit_entry *e);
    int (*audit_each)(store *s, int64_t after, store_audit_fn fn, void *ud);

    int (*peer_add)(store *s, const store_peer *p, int64_t now);
    int (*peer_get)(store *s, const char *agency, store_peer **out);
    int (*peer_remove)(store *s, const char *agency);
    int (*peer_each)(store *s, store_peer_fn fn, void *ud);

    int (*disclosure_add)(store *s, const store_disclosure *d, int64_t now);
    int (*disclosure_get)(store *s, const char *id, store_disclosure **out);
    int (*disclosure_decide)(store *s, const char *id, const char *status,
                             const char *decided_by, const char *reason,
                             const char *handling, int64_t now);
    int (*disclosure_each)(store *s, const char *status,
                           store_disclosure_fn fn, void *ud);
};

/* Backend entry points.  create != 0: make a new store (with agency),
** else open one.  On success *out is a handle whose base is set up. */
int store_sqlite_open(const char *path, int create, const char *agency,
                      store **out, struct liaison_err *err);
int store_pg_open(const char *conninfo, int create, const char *agency,
                  store **out, struct liaison_err *err);

/* Set the handle's message and return code. */
int store_set_error(store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies of a user, peer or disclosure as one block (util_free); NULL when
** out of memory. */
store_user *store_user_dup(const store_user *u);
store_peer *store_peer_dup(const store_peer *p);
store_disclosure *store_disclosure_dup(const store_disclosure *d);

/* Shared value checks. */
int store_kind_ok(const char *kind);
int store_sharing_ok(const char *sharing);
int store_role_ok(const char *role);

#endif /* LIAISON_STORE_BE_H */
