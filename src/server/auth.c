/*
** auth.c: authenticating a request from its "Authorization: Bearer TOKEN"
** header.
**
** The token is hashed (policy_token_hash) and the active user with that
** hash is looked up in the store through the worker's own handle.  A
** short per-thread cache (auth_cache_ms, default 1 s) keeps screening at
** full speed without a store round trip per request; a revocation through
** the API clears every cache at once (an epoch counter), one made with
** `liaison user revoke` in another process takes effect within
** auth_cache_ms.  Cached hashes are compared in constant time.  Only
** successful checks are cached, so a new user works at once.
**
** Tokens never leave this file: not in logs, not in the audit trail (a
** failure is audited with its reason only), not in error messages.
*/
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "server/srv_int.h"

void srv_auth_invalidate(srv *s)
{
    atomic_fetch_add(&s->auth_epoch, 1);
}

/* The token from the header value: "Bearer" (any case), blanks, token. */
static int bearer(const char *h, const char **tok, size_t *len)
{
    size_t n;
    if (!h || strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
        return 0;
    h += 6;
    while (*h == ' ' || *h == '\t')
        h++;
    n = strlen(h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    *tok = h;
    *len = n;
    return n > 0;
}

static int set_user(srv_req *r, const char *name, const char *agency,
                    policy_role role)
{
    r->user.name = util_arena_strdup(&r->arena, name);
    r->user.agency = util_arena_strdup(&r->arena, agency ? agency : "");
    r->user.role = role;
    return r->user.name && r->user.agency ? LIAISON_OK : LIAISON_ENOMEM;
}

int srv_auth(srv_req *r, const char **why)
{
    srv *s = r->s;
    srv_tctx *t = r->t;
    const char *h, *tok = NULL;
    char hash[POLICY_TOKEN_HASH_MAX];
    size_t len = 0;
    unsigned epoch = atomic_load(&s->auth_epoch), i;
    uint64_t now = util_now_us();
    store_user *u = NULL;
    policy_role role;
    int rc;

    *why = NULL;
    h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h) {
        *why = "no Authorization header";
        return LIAISON_EAUTH;
    }
    if (!bearer(h, &tok, &len)) {
        *why = "Authorization is not a Bearer token";
        return LIAISON_EAUTH;
    }
    if (!policy_token_well_formed(tok, len)) {
        *why = "malformed token";
        return LIAISON_EAUTH;
    }
    rc = policy_token_hash(tok, len, hash);
    if (rc)
        return rc;
    for (i = 0; i < SRV_AUTH_CACHE; i++) {
        srv_auth_entry *c = &t->auth[i];
        if (c->expires_us > now && c->epoch == epoch &&
            policy_token_hash_equal(c->hash, hash))
            return set_user(r, c->name, c->agency, c->role);
    }
    if (!t->st) {
        rc = store_open(s->db, &t->st, NULL);
        if (rc)
            return rc;
    }
    rc = store_user_by_token_hash(t->st, hash, &u);
    if (rc == LIAISON_ENOTFOUND) {
        *why = "unknown or revoked token";
        return LIAISON_EAUTH;
    }
    if (rc)
        return rc;
    /* A role this program does not know grants nothing. */
    if (policy_role_parse(u->role, &role)) {
        store_user_free(u);
        *why = "the account has an unknown role";
        return LIAISON_EAUTH;
    }
    rc = set_user(r, u->name, u->agency, role);
    if (!rc && s->cfg.auth_cache_ms > 0 && strlen(u->name) < 128 &&
        (!u->agency || strlen(u->agency) < 64)) {
        srv_auth_entry *c = &t->auth[t->auth_next++ % SRV_AUTH_CACHE];
        memcpy(c->hash, hash, sizeof(hash));
        util_strlcpy(c->name, u->name, sizeof(c->name));
        util_strlcpy(c->agency, u->agency ? u->agency : "",
                     sizeof(c->agency));
        c->role = role;
        c->epoch = epoch;
        c->expires_us = now + (uint64_t)s->cfg.auth_cache_ms * 1000;
    }
    store_user_free(u);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}
