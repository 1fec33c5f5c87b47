/*
** nonce.c: the replay cache of the peer protocol (sign.c note 4): every
** (agency, nonce) accepted is kept until its request's timestamp +
** FED_SKEW_S, after which the clock check refuses the request anyway.
**
** NOTES
**
**  1. Why memory and not the store: a store row per peer request would add
**     a write transaction (and, on SQLite, a turn on the one write lock)
**     to every partner screening.  The window is bounded (2 x FED_SKEW_S
**     at most, for a timestamp at the far edge of the clock window), so
**     the cache is bounded by the request rate times 10 minutes.
**  2. Restarts: the cache is refilled from the audit trail
**     (fed_nonces_reload): an accepted request is audited, nonce
**     included, before it is answered (fail closed), so every request
**     that got an answer in the last 10 minutes is found there.  Several
**     servers behind one load balancer (PostgreSQL) each keep their own
**     cache; route /peer/ to one of them, or accept that a replay within
**     5 minutes to another server is possible (inside TLS, with a pinned
**     certificate: the replayer must have the plaintext).
**  3. The table: open addressing over 16-byte keys, BLAKE2b-128 of
**     (agency, NUL, nonce), so entries are fixed-size and attacker-chosen
**     nonces cannot aim at one slot.  Expired entries are dropped when
**     the table would pass half full (a rebuild); it doubles up to max.
**     When max live entries are held, new requests are refused (fail
**     closed) rather than forgetting a live nonce.
*/
#include <pthread.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "federation/fed.h"

#define START_CAP 1024
#define DEFAULT_MAX ((size_t)4 << 20)

typedef struct slot {
    unsigned char key[16];
    int64_t expires;            /* 0: empty */
} slot;

struct fed_nonces {
    pthread_mutex_t lock;
    slot *slots;
    size_t cap;                 /* power of two */
    size_t count;
    size_t max;
};

int fed_nonces_new(size_t max, fed_nonces **out)
{
    fed_nonces *n;
    *out = NULL;
    if (sodium_init() < 0)
        return LIAISON_ECRYPTO;
    n = util_calloc(1, sizeof(*n));
    if (!n)
        return LIAISON_ENOMEM;
    n->max = max ? max : DEFAULT_MAX;
    n->cap = START_CAP;
    n->slots = util_calloc(n->cap, sizeof(slot));
    if (!n->slots) {
        util_free(n);
        return LIAISON_ENOMEM;
    }
    pthread_mutex_init(&n->lock, NULL);
    *out = n;
    return LIAISON_OK;
}

void fed_nonces_free(fed_nonces *n)
{
    if (!n)
        return;
    pthread_mutex_destroy(&n->lock);
    util_free(n->slots);
    util_free(n);
}

static uint64_t slot_hash(const unsigned char key[16])
{
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    return h;
}

/* Insert into a table known to have room; returns the slot. */
static slot *place(slot *slots, size_t cap, const unsigned char key[16])
{
    size_t i = (size_t)slot_hash(key) & (cap - 1);
    while (slots[i].expires && memcmp(slots[i].key, key, 16))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Rebuild into cap slots, keeping the live entries (note 3). */
static int rebuild(fed_nonces *n, size_t cap, int64_t now)
{
    slot *fresh = util_calloc(cap, sizeof(slot));
    size_t i, count = 0;
    if (!fresh)
        return LIAISON_ENOMEM;
    for (i = 0; i < n->cap; i++) {
        slot *s = &n->slots[i], *d;
        if (!s->expires || s->expires < now)
            continue;
        d = place(fresh, cap, s->key);
        *d = *s;
        count++;
    }
    util_free(n->slots);
    n->slots = fresh;
    n->cap = cap;
    n->count = count;
    return LIAISON_OK;
}

static void make_key(const char *agency, const char *nonce,
                     unsigned char key[16])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    crypto_generichash_update(&st, (const unsigned char *)agency,
                              strlen(agency) + 1);
    crypto_generichash_update(&st, (const unsigned char *)nonce,
                              strlen(nonce));
    crypto_generichash_final(&st, key, 16);
}

static int check_locked(fed_nonces *n, const unsigned char key[16],
                        int64_t expires, int64_t now)
{
    slot *s = place(n->slots, n->cap, key);
    int rc;
    if (s->expires) {
        if (s->expires >= now)
            return LIAISON_EEXIST;
        s->expires = expires;       /* an expired twin: reuse its slot */
        return LIAISON_OK;
    }
    if (n->count >= n->max || (n->count + 1) * 2 > n->cap) {
        size_t cap = n->cap;
        rc = rebuild(n, cap, now);            /* drop the expired */
        if (rc)
            return rc;
        if (n->count >= n->max)
            return LIAISON_ETOOBIG;
        while ((n->count + 1) * 2 > cap)
            cap *= 2;
        if (cap != n->cap && (rc = rebuild(n, cap, now)))
            return rc;
        s = place(n->slots, n->cap, key);
    }
    memcpy(s->key, key, 16);
    s->expires = expires;
    n->count++;
    return LIAISON_OK;
}

int fed_nonces_check(fed_nonces *n, const char *agency, const char *nonce,
                     int64_t expires, int64_t now)
{
    unsigned char key[16];
    int rc;
    if (!n || !agency || !nonce)
        return LIAISON_EINVAL;
    make_key(agency, nonce, key);
    pthread_mutex_lock(&n->lock);
    rc = check_locked(n, key, expires < now ? now : expires, now);
    pthread_mutex_unlock(&n->lock);
    return rc;
}

size_t fed_nonces_count(fed_nonces *n)
{
    size_t c;
    pthread_mutex_lock(&n->lock);
    c = n->count;
    pthread_mutex_unlock(&n->lock);
    return c;
}

/* ---------------------------------------------------------------- reload */

typedef struct probe {
    int64_t at;
    int found;
} probe;

static int on_probe(void *ud, const store_audit_entry *e)
{
    probe *p = ud;
    p->at = e->at;
    p->found = 1;
    return 1;
}

typedef struct reload_ctx {
    fed_nonces *n;
    int64_t now;
    long loaded;
    int rc;
} reload_ctx;

static int on_entry(void *ud, const store_audit_entry *e)
{
    reload_ctx *c = ud;
    json_t *d, *nv, *tv;
    if (!e->action || strncmp(e->action, "peer.", 5) ||
        !strcmp(e->action, "peer.refused") || !e->agency || !e->detail_json)
        return 0;
    d = json_loads(e->detail_json, 0, NULL);
    if (!d)
        return 0;
    nv = json_object_get(d, "peer_nonce");
    tv = json_object_get(d, "peer_ts");
    if (json_is_string(nv) && json_is_integer(tv)) {
        int64_t exp = (int64_t)json_integer_value(tv) + FED_SKEW_S;
        if (exp >= c->now) {
            int rc = fed_nonces_check(c->n, e->agency, json_string_value(nv),
                                      exp, c->now);
            if (rc == LIAISON_OK)
                c->loaded++;
            else if (rc != LIAISON_EEXIST)
                c->rc = rc;
        }
    }
    json_decref(d);
    return c->rc ? 1 : 0;
}

/* The audit log is in seq order and its times follow it (appends are
** serialised by the store), so the first entry young enough to matter is
** found by bisection, with one indexed read per step, and only the tail
** from there is read. */
int fed_nonces_reload(fed_nonces *n, store *s, int64_t now, long *loaded)
{
    int64_t last = 0, lo = 0, hi, cutoff = now - 2 * FED_SKEW_S - 60;
    reload_ctx c;
    int rc;
    if (loaded)
        *loaded = 0;
    rc = store_audit_last(s, &last, NULL);
    if (rc)
        return rc;
    hi = last;                  /* answer in (lo, hi]: first seq >= cutoff */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        probe p = {0, 0};
        rc = store_audit_each(s, mid - 1, on_probe, &p);
        if (rc < 0)
            return rc;
        if (p.found && p.at >= cutoff)
            hi = mid;
        else
            lo = mid;
    }
    memset(&c, 0, sizeof(c));
    c.n = n;
    c.now = now;
    rc = store_audit_each(s, lo, on_entry, &c);
    if (rc < 0)
        return rc;
    if (c.rc)
        return c.rc;
    if (loaded)
        *loaded = c.loaded;
    return LIAISON_OK;
}
