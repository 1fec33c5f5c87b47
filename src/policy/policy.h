/*
** policy.h: who may see what.
**
** The policy module turns stored records into what a requester may screen
** against: the node's own officers see every current record; a partner
** agency sees only the node's own records (no owner, or the node's
** agency) whose sharing level allows it (DESIGN section 6), and never one
** marked "none".  Expired records are screened by no one.
**
** It also decides who may do what (roles.c: roles, permissions, the role
** matrix, who may change a record), how API tokens are made and checked
** (token.c: random tokens, their BLAKE2b hashes, constant-time compares)
** and why a screening may be run at all (purpose.c: the set of purposes).
*/
#ifndef LIAISON_POLICY_H
#define LIAISON_POLICY_H

#include "liaison.h"
#include "store/store.h"

/* Whose view of the records an engine is built for. */
typedef enum policy_view {
    POLICY_VIEW_OWN = 0,        /* this node's users: every current record */
    POLICY_VIEW_PARTNER         /* a partner agency: sharing hit or details */
} policy_view;

/* Counts from a load, for logs and metrics. */
typedef struct policy_load_stats {
    long loaded;
    long skipped_sharing;       /* not shareable with this view */
    long skipped_expired;
    long bad;                   /* stored JSON that no longer parses */
} policy_load_stats;

/* Build an engine from every record in the store that the view may see.
** today is "YYYY-MM-DD" (NULL: the current UTC date); records whose
** "expires" is before it are left out.  opts (may be NULL) as for
** liaison_engine_new.  On failure *out is NULL. */
int policy_engine_load(store *s, policy_view view, const char *today,
                       const liaison_engine_opts *opts,
                       liaison_engine **out /* OUT */,
                       policy_load_stats *stats /* OUT, may be NULL */,
                       struct liaison_err *err);

/* Whether a record with this sharing level may be seen in the view. */
int policy_view_allows(policy_view view, liaison_sharing sharing);

/* ---------------------------------------------------------------- roles */

/* A user's role, as a bit so that sets of roles are masks. */
typedef enum policy_role {
    POLICY_ROLE_NONE = 0,
    POLICY_ROLE_OFFICER = 1 << 0,   /* front line: screens travellers */
    POLICY_ROLE_ANALYST = 1 << 1,   /* maintains lists, answers disclosures */
    POLICY_ROLE_AUDITOR = 1 << 2,   /* data-protection officer: reads the audit */
    POLICY_ROLE_ADMIN = 1 << 3,     /* manages accounts */
    POLICY_ROLE_MONITOR = 1 << 4    /* monitoring: reads the metrics only */
} policy_role;

#define POLICY_ROLES_ALL                                                  \
    (POLICY_ROLE_OFFICER | POLICY_ROLE_ANALYST | POLICY_ROLE_AUDITOR |    \
     POLICY_ROLE_ADMIN | POLICY_ROLE_MONITOR)

/* "officer", "analyst", "auditor", "admin", "monitor" to a role;
** LIAISON_EINVAL for
** anything else (*out is then POLICY_ROLE_NONE). */
int policy_role_parse(const char *name, policy_role *out /* OUT */);
/* The stored name of a role; "none" for anything that is not one role. */
const char *policy_role_name(policy_role r);

/* What a request asks to do.  Routes name a permission, never a role, so
** the matrix below is the one place that says who may do what. */
typedef enum policy_perm {
    POLICY_PERM_SCREEN = 0,     /* POST /v1/screen, /v1/screen/batch */
    POLICY_PERM_RECORDS_READ,   /* GET /v1/records/{id} */
    POLICY_PERM_RECORDS_WRITE,  /* POST /v1/records, PUT|DELETE /v1/records/{id} */
    POLICY_PERM_LISTS_READ,     /* GET /v1/lists */
    POLICY_PERM_DISCLOSURES,    /* decide disclosures of own records */
    POLICY_PERM_AUDIT_READ,     /* GET /v1/audit: query texts, who asked what */
    POLICY_PERM_AUDIT_VERIFY,   /* GET /v1/audit/verify: integrity only */
    POLICY_PERM_USERS_MANAGE,   /* GET|POST /v1/users, DELETE /v1/users/{name} */
    POLICY_PERM_METRICS_READ,   /* GET /metrics: aggregate counters */
    POLICY_PERM_API_DESCRIBE,   /* GET /openapi.json */
    POLICY_PERM_DISCLOSURES_ASK, /* ask a partner for the details of a hit,
                                    follow one's requests */
    POLICY_PERM_COUNT
} policy_perm;

/* The roles (a mask) granted a permission; 0 for an unknown one. */
unsigned policy_perm_roles(policy_perm p);
/* Whether role holds permission p. */
int policy_role_allows(policy_role role, policy_perm p);
/* "screen", "records.read", ... (static; "?" for an unknown one). */
const char *policy_perm_name(policy_perm p);

/* Whether a user of user_agency may create, change or delete a record
** owned by record_owner (NULL: this node, whose agency is node_agency,
** itself possibly NULL).  Agencies maintain their own records only. */
int policy_may_write_record(const char *user_agency, const char *node_agency,
                            const char *record_owner);

/* Whether s is acceptable as a user or agency name: 1 to 64 of A-Z a-z
** 0-9 . _ - @ (names end up in URLs, logs and audit entries). */
int policy_name_ok(const char *s);

/* ---------------------------------------------------------------- tokens */

/* A token is "lsn_" and the URL-safe base64 (no padding) of 32 random
** bytes from libsodium: 47 characters.  Only its hash is ever stored. */
#define POLICY_TOKEN_PREFIX "lsn_"
#define POLICY_TOKEN_BYTES 32
#define POLICY_TOKEN_LEN 47
#define POLICY_TOKEN_MAX (POLICY_TOKEN_LEN + 1)
/* A token hash: lower-case hex of BLAKE2b-256, 64 characters. */
#define POLICY_TOKEN_HASH_LEN 64
#define POLICY_TOKEN_HASH_MAX (POLICY_TOKEN_HASH_LEN + 1)

/* Make a new random token into out (NUL-terminated).  LIAISON_ECRYPTO if
** libsodium cannot start. */
int policy_token_new(char out[POLICY_TOKEN_MAX]);
/* Whether t[0..len) has the shape of a token (prefix, length, alphabet).
** Cheap, so that junk is refused before anything is looked up. */
int policy_token_well_formed(const char *t, size_t len);
/* Hash a token (any bytes, len <= 1024) into out, NUL-terminated. */
int policy_token_hash(const char *t, size_t len,
                      char out[POLICY_TOKEN_HASH_MAX]);
/* Compare two token hashes in constant time (for equal lengths); 1 when
** equal.  NULL or different lengths compare unequal. */
int policy_token_hash_equal(const char *a, const char *b);

/* ---------------------------------------------------------------- purposes */

/* Why a screening is run.  Every screening names one of a configured set
** (DESIGN section 4); purposes are lower-case ASCII words joined by '-'. */
#define POLICY_PURPOSES_MAX 32
#define POLICY_PURPOSE_LEN_MAX 48

typedef struct policy_purposes {
    size_t n;
    char names[POLICY_PURPOSES_MAX][POLICY_PURPOSE_LEN_MAX + 1];
} policy_purposes;

/* The default set: border-check, visa-application, residence-permit,
** investigation, watchlist-maintenance.  This function can't fail. */
void policy_purposes_default(policy_purposes *p /* OUT */);
/* Replace the set with a comma-separated list ("border-check,asylum").
** LIAISON_EINVAL (err says which) for an empty list, a bad or repeated
** name, or too many; p is then left as it was. */
int policy_purposes_parse(policy_purposes *p, const char *list,
                          struct liaison_err *err);
/* Whether s[0..len) is in the set. */
int policy_purpose_allowed(const policy_purposes *p, const char *s,
                           size_t len);

#endif /* LIAISON_POLICY_H */
