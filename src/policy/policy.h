/*
** policy.h: who may see what.
**
** The policy module turns stored records into what a requester may screen
** against: the node's own officers see every current record; a partner
** agency sees only records whose sharing level allows it (DESIGN section
** 6), and never one marked "none".  Expired records are screened by no one.
** Roles, purposes and tokens join this module with the HTTP server.
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
** "expires" is before it are left out.  On failure *out is NULL. */
int policy_engine_load(store *s, policy_view view, const char *today,
                       liaison_engine **out /* OUT */,
                       policy_load_stats *stats /* OUT, may be NULL */,
                       struct liaison_err *err);

/* Whether a record with this sharing level may be seen in the view. */
int policy_view_allows(policy_view view, liaison_sharing sharing);

#endif /* LIAISON_POLICY_H */
