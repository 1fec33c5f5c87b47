/*
** audit.c: the audit chain: the canonical encoding of an entry, its hash,
** appending and verification.
**
** NOTES ON THE DESIGN OF THE CHAIN
**
**  1. hash(entry) = BLAKE2b-256 (libsodium crypto_generichash) over the
**     canonical encoding below, written as 64 lower-case hex characters.
**  2. The encoding is unambiguous, so that no two different entries have
**     the same bytes (no "ab"+"c" = "a"+"bc" games):
**        "liaison-audit-v1"                       16 bytes, version tag
**        seq                                      8 bytes, big-endian
**        at                                       8 bytes, big-endian two's complement
**        then for actor, agency, action, purpose, detail_json, prev_hash:
**          0x00                                   absent (NULL or "")
**          0x01, length (8 bytes big-endian), the bytes
**     NULL and "" are the same (absent) because a backend may store one as
**     the other; the field order is fixed; nothing else is hashed.
**  3. Entry n names the hash of entry n-1 in prev_hash ("" for entry 1),
**     so the hash of the last entry (the head) commits to the whole log.
**  4. Appends go through store_audit_append_chained(), which reads the
**     head, calls audit_hash_fn() and inserts in ONE write transaction:
**     concurrent appenders (threads or processes) queue on the write lock
**     and the chain never forks.
**  5. Verification recomputes every hash from the stored fields and checks
**     that seq runs 1, 2, 3, ... without gaps; an edited entry fails its own
**     hash, a deleted or inserted one breaks seq or prev_hash, a re-hashed
**     edit breaks the next entry's prev_hash.  Only a cut at the end keeps
**     every link; an anchor (seq, head) kept elsewhere catches that.
**  6. The store refuses UPDATE and DELETE on the audit table (triggers);
**     the chain is what catches someone who removes the triggers or edits
**     the file by hand.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "util/util.h"

static const char tag[16] = {'l', 'i', 'a', 'i', 's', 'o', 'n', '-',
                             'a', 'u', 'd', 'i', 't', '-', 'v', '1'};

static void put_u64(crypto_generichash_state *st, uint64_t v)
{
    unsigned char b[8];
    int i;
    for (i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    crypto_generichash_update(st, b, sizeof(b));
}

static void put_field(crypto_generichash_state *st, const char *s)
{
    unsigned char present = 1, absent = 0;
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        crypto_generichash_update(st, &absent, 1);
        return;
    }
    crypto_generichash_update(st, &present, 1);
    put_u64(st, (uint64_t)n);
    crypto_generichash_update(st, (const unsigned char *)s, n);
}

int audit_entry_hash(const store_audit_entry *e,
                     char hash[STORE_AUDIT_HASH_MAX])
{
    crypto_generichash_state st;
    unsigned char h[32];
    hash[0] = '\0';
    if (!e || !e->actor || !e->action)
        return LIAISON_EINVAL;
    if (sodium_init() < 0)
        return LIAISON_ECRYPTO;
    if (crypto_generichash_init(&st, NULL, 0, sizeof(h)))
        return LIAISON_ECRYPTO;
    crypto_generichash_update(&st, (const unsigned char *)tag, sizeof(tag));
    put_u64(&st, (uint64_t)e->seq);
    put_u64(&st, (uint64_t)e->at);
    put_field(&st, e->actor);
    put_field(&st, e->agency);
    put_field(&st, e->action);
    put_field(&st, e->purpose);
    put_field(&st, e->detail_json);
    put_field(&st, e->prev_hash);
    if (crypto_generichash_final(&st, h, sizeof(h)))
        return LIAISON_ECRYPTO;
    sodium_bin2hex(hash, STORE_AUDIT_HASH_MAX, h, sizeof(h));
    return LIAISON_OK;
}

int audit_hash_fn(void *ud, const store_audit_entry *e, char *hash)
{
    (void)ud;
    return audit_entry_hash(e, hash);
}

int audit_append(store *s, const store_audit_entry *e, int64_t *seq)
{
    return store_audit_append_chained(s, e, audit_hash_fn, NULL, seq);
}

/* ---------------------------------------------------------------- verify */

typedef struct verify_ctx {
    audit_verify_report *r;
    const audit_anchor *anchor;
    int anchor_seen;
    int64_t prev_seq;
    char prev_hash[STORE_AUDIT_HASH_MAX];
    int rc;
} verify_ctx;

static int broken(verify_ctx *c, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int broken(verify_ctx *c, int64_t seq, const char *fmt, ...)
{
    va_list ap;
    c->r->ok = 0;
    c->r->bad_seq = seq;
    va_start(ap, fmt);
    vsnprintf(c->r->problem, sizeof(c->r->problem), fmt, ap);
    va_end(ap);
    return 1;                   /* stop the walk */
}

static int on_entry(void *ud, const store_audit_entry *e)
{
    verify_ctx *c = ud;
    char h[STORE_AUDIT_HASH_MAX];
    const char *prev = e->prev_hash ? e->prev_hash : "";
    int rc;
    if (e->seq != c->prev_seq + 1)
        return c->prev_seq == 0 && e->seq > 1
                   ? broken(c, e->seq, "the log starts at entry %lld: "
                            "entries 1 to %lld are missing",
                            (long long)e->seq, (long long)e->seq - 1)
                   : broken(c, e->seq, "entry %lld follows entry %lld: "
                            "entries are missing or out of order",
                            (long long)e->seq, (long long)c->prev_seq);
    if (strcmp(prev, c->prev_hash))
        return broken(c, e->seq, c->prev_seq == 0
                      ? "the first entry names a previous hash"
                      : "prev_hash is not the hash of entry %lld: that "
                        "entry or this link was changed",
                      (long long)c->prev_seq);
    rc = audit_entry_hash(e, h);
    if (rc) {
        if (rc == LIAISON_EINVAL)
            return broken(c, e->seq, "the entry has no actor or action");
        c->rc = rc;
        return 1;
    }
    if (!e->hash || strcmp(h, e->hash))
        return broken(c, e->seq, "the hash does not match the entry's "
                      "contents: the entry was changed");
    if (c->anchor && c->anchor->seq == e->seq) {
        c->anchor_seen = 1;
        if (!c->anchor->hash || strcmp(c->anchor->hash, e->hash))
            return broken(c, e->seq, "the entry differs from the anchor "
                          "recorded for it");
    }
    c->r->count++;
    c->prev_seq = e->seq;
    util_strlcpy(c->prev_hash, e->hash, sizeof(c->prev_hash));
    c->r->last_seq = e->seq;
    util_strlcpy(c->r->head, e->hash, sizeof(c->r->head));
    return 0;
}

int audit_verify(store *s, const audit_anchor *anchor,
                 audit_verify_report *out)
{
    verify_ctx c;
    int rc;
    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    out->ok = 1;
    c.r = out;
    c.anchor = anchor && anchor->seq > 0 ? anchor : NULL;
    rc = store_audit_each(s, 0, on_entry, &c);
    if (rc < 0)
        return rc;
    if (c.rc < 0)
        return c.rc;
    if (out->ok && c.anchor && !c.anchor_seen)
        broken(&c, c.anchor->seq, "entry %lld, recorded in the anchor, is "
               "gone: the log was cut short after entry %lld",
               (long long)c.anchor->seq, (long long)out->last_seq);
    return LIAISON_OK;
}
