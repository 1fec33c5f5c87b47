/*
** routes.c: the HTTP API as one static table {method, path, handler,
** flags, permission, query parameters} (STYLE.md), and the router.
**
** Paths are matched segment by segment; "{name}" matches exactly one
** non-empty segment.  No trailing slashes, no empty segments, no dot
** segments: anything else is 404, a known path with another method 405.
** The permission names a column of the role matrix (policy/roles.c); the
** parameter list is the whole set of query parameters the route accepts
** (any other is a 400).  tests/test_server.c checks that this table and
** the OpenAPI document (openapi.c) describe the same routes.
*/
#include <string.h>

#include "server/srv_int.h"

const srv_route srv_routes[] = {
    {"POST", "/v1/screen", srv_h_screen, SRV_BODY, POLICY_PERM_SCREEN, ""},
    {"POST", "/v1/screen/batch", srv_h_screen_batch, SRV_BODY_BIG,
     POLICY_PERM_SCREEN, "purpose threshold limit format"},
    {"POST", "/v1/records", srv_h_records_post, SRV_BODY_BIG,
     POLICY_PERM_RECORDS_WRITE, "list atomic"},
    {"GET", "/v1/records/{id}", srv_h_record_get, 0,
     POLICY_PERM_RECORDS_READ, ""},
    {"PUT", "/v1/records/{id}", srv_h_record_put, SRV_BODY,
     POLICY_PERM_RECORDS_WRITE, ""},
    {"DELETE", "/v1/records/{id}", srv_h_record_delete, 0,
     POLICY_PERM_RECORDS_WRITE, ""},
    {"GET", "/v1/lists", srv_h_lists, 0, POLICY_PERM_LISTS_READ, ""},
    {"GET", "/v1/audit", srv_h_audit, 0, POLICY_PERM_AUDIT_READ,
     "after limit"},
    {"GET", "/v1/audit/verify", srv_h_audit_verify, 0,
     POLICY_PERM_AUDIT_VERIFY, "anchor_seq anchor_hash"},
    {"GET", "/v1/users", srv_h_users_get, 0, POLICY_PERM_USERS_MANAGE, ""},
    {"POST", "/v1/users", srv_h_users_post, SRV_BODY,
     POLICY_PERM_USERS_MANAGE, ""},
    {"DELETE", "/v1/users/{name}", srv_h_user_delete, 0,
     POLICY_PERM_USERS_MANAGE, ""},
    {"GET", "/healthz", srv_h_healthz, SRV_PUBLIC, POLICY_PERM_COUNT, ""},
    {"GET", "/metrics", srv_h_metrics, 0, POLICY_PERM_METRICS_READ, ""},
    {"GET", "/openapi.json", srv_h_openapi, 0, POLICY_PERM_API_DESCRIBE, ""},
    /* Disclosures (h_disclosures.c): officers and analysts ask, only the
    ** owning agency's analysts decide. */
    {"POST", "/v1/disclosures", srv_h_disclosures_post, SRV_BODY,
     POLICY_PERM_DISCLOSURES_ASK, ""},
    {"GET", "/v1/disclosures", srv_h_disclosures_get, 0,
     POLICY_PERM_DISCLOSURES_ASK, "status direction"},
    {"GET", "/v1/disclosures/{id}", srv_h_disclosure_get, 0,
     POLICY_PERM_DISCLOSURES_ASK, ""},
    {"POST", "/v1/disclosures/{id}/approve", srv_h_disclosure_approve,
     SRV_BODY, POLICY_PERM_DISCLOSURES, ""},
    {"POST", "/v1/disclosures/{id}/deny", srv_h_disclosure_deny, SRV_BODY,
     POLICY_PERM_DISCLOSURES, ""},
    /* Partner nodes, signed (h_peer.c, fed.c); no query parameters, so
    ** the signed path is the whole request target. */
    {"POST", "/peer/v1/screen", srv_h_peer_screen, SRV_PEER | SRV_BODY,
     POLICY_PERM_COUNT, ""},
    {"POST", "/peer/v1/disclosures", srv_h_peer_disclosure_post,
     SRV_PEER | SRV_BODY, POLICY_PERM_COUNT, ""},
    {"GET", "/peer/v1/disclosures/{id}", srv_h_peer_disclosure_get,
     SRV_PEER, POLICY_PERM_COUNT, ""},
    {"POST", "/peer/v1/disclosures/{id}/answer",
     srv_h_peer_disclosure_answer, SRV_PEER | SRV_BODY, POLICY_PERM_COUNT,
     ""},
};

const size_t srv_n_routes = sizeof(srv_routes) / sizeof(srv_routes[0]);

#define PATH_MAX_LEN 2048

/* Match path[0..len) against a template; fill params.  1 on a match. */
static int match(const char *tpl, const char *path, size_t len,
                 srv_match *m)
{
    size_t i = 0;
    const char *t = tpl;
    m->n_params = 0;
    while (*t) {
        const char *tend;
        size_t seg_start, tlen;
        if (*t != '/' || i >= len || path[i] != '/')
            return 0;
        t++;
        i++;
        tend = strchr(t, '/');
        tlen = tend ? (size_t)(tend - t) : strlen(t);
        seg_start = i;
        while (i < len && path[i] != '/')
            i++;
        if (i == seg_start)
            return 0;           /* empty segment */
        if (tlen >= 2 && t[0] == '{' && t[tlen - 1] == '}') {
            if (m->n_params == SRV_MAX_PARAMS)
                return 0;
            if ((i - seg_start == 1 && path[seg_start] == '.') ||
                (i - seg_start == 2 && path[seg_start] == '.' &&
                 path[seg_start + 1] == '.'))
                return 0;       /* dot segments are never ids */
            m->params[m->n_params].s = path + seg_start;
            m->params[m->n_params].len = i - seg_start;
            m->n_params++;
        } else if (tlen != i - seg_start ||
                   memcmp(t, path + seg_start, tlen)) {
            return 0;
        }
        t += tlen;
    }
    return i == len;
}

int srv_route_find(const char *method, const char *path, size_t len,
                   srv_match *m)
{
    size_t k;
    memset(m, 0, sizeof(*m));
    m->index = -1;
    if (!method || !path || len == 0 || len > PATH_MAX_LEN ||
        memchr(path, '\0', len))
        return LIAISON_ENOTFOUND;
    for (k = 0; k < srv_n_routes; k++) {
        srv_match t;
        memset(&t, 0, sizeof(t));
        if (!match(srv_routes[k].path, path, len, &t))
            continue;
        if (strcmp(srv_routes[k].method, method)) {
            m->method_mismatch = 1;
            continue;
        }
        *m = t;
        m->route = &srv_routes[k];
        m->index = (int)k;
        m->method_mismatch = 0;
        return LIAISON_OK;
    }
    return LIAISON_ENOTFOUND;
}
