/*
** audit.h: the tamper-evident audit trail.
**
** Every screening, record change, authentication failure, account change
** and (later) disclosure step is appended to the store's audit log as one
** entry.  Each entry carries the hash of the one before it, so changing,
** removing, inserting or reordering any entry breaks the chain, and
** audit_verify() finds the first broken link.  The store keeps the rows
** and serialises appends; this module owns the hash and its encoding.
**
** What goes in: actor (user name, or "unauthenticated"), agency, action
** ("screen", "record.put", "auth.fail", ...), purpose, and a JSON detail
** that keeps the query text and the ids of the records hit.  Tokens and
** other secrets never go in.
*/
#ifndef LIAISON_AUDIT_H
#define LIAISON_AUDIT_H

#include <stdint.h>

#include "liaison.h"
#include "store/store.h"

/* An entry hash: lower-case hex of BLAKE2b-256, 64 characters. */
#define AUDIT_HASH_LEN 64

/* ---------------------------------------------------------------- hashing */

/* Hash of e (seq, at, actor, agency, action, purpose, detail_json and
** prev_hash; e->hash is ignored) into hash, NUL-terminated; hash must hold
** STORE_AUDIT_HASH_MAX bytes.  LIAISON_EINVAL for a NULL actor or action,
** LIAISON_ECRYPTO if libsodium cannot start. */
int audit_entry_hash(const store_audit_entry *e,
                     char hash[STORE_AUDIT_HASH_MAX]);

/* The same with the signature of store_audit_hash_fn (ud unused). */
int audit_hash_fn(void *ud, const store_audit_entry *e, char *hash);

/* ---------------------------------------------------------------- appending */

/* Append e to the chain in one write transaction (joining the caller's,
** if one is open).  e->seq, e->prev_hash and e->hash are ignored; e->at 0
** means now.  *seq (may be NULL) gets the entry's number. */
int audit_append(store *s, const store_audit_entry *e,
                 int64_t *seq /* OUT */);

/* ---------------------------------------------------------------- verifying */

typedef struct audit_verify_report {
    int ok;                     /* 1: every link holds */
    int64_t count;              /* entries checked */
    int64_t last_seq;           /* the last good entry (0: none) */
    char head[STORE_AUDIT_HASH_MAX]; /* its hash ("" for none) */
    int64_t bad_seq;            /* the first broken entry (0 when ok) */
    char problem[256];          /* what is wrong with it ("" when ok) */
} audit_verify_report;

/* An anchor: a (seq, hash) pair recorded outside the store earlier (from
** a previous report's last_seq and head).  A chain can be cut short at its
** end without breaking a link; checking it against an anchor detects that. */
typedef struct audit_anchor {
    int64_t seq;
    const char *hash;
} audit_anchor;

/* Walk the whole log and check, entry by entry: seq follows the previous
** one by exactly 1 (starting at 1), prev_hash is the previous entry's hash
** ("" for the first), and hash is the hash of the entry's contents.  Stops
** at the first broken link, reported in *out (ok = 0, bad_seq, problem).
** With an anchor (may be NULL), also checks that entry anchor->seq exists
** with that hash.  Returns LIAISON_OK whether or not the chain holds (see
** out->ok); an error only when the store cannot be read. */
int audit_verify(store *s, const audit_anchor *anchor,
                 audit_verify_report *out /* OUT */);

#endif /* LIAISON_AUDIT_H */
