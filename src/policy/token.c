/*
** token.c: API tokens.  A token is 32 bytes from libsodium's CSPRNG,
** shown once as "lsn_" + URL-safe base64; the store keeps only the
** lower-case hex of BLAKE2b-256("liaison-token-v1" || token).
**
** Why a plain (unkeyed, domain-separated) BLAKE2b and not crypto_pwhash:
** password hashing is slow on purpose because passwords are guessable;
** these tokens carry 256 bits of entropy, so no dictionary or brute-force
** search of a stolen hash is possible and a fast hash loses nothing,
** while a deliberately slow one would cost ~100 ms on every request.  A
** server-side key (pepper) would add a secret to manage without adding
** strength for 256-bit tokens.  The "lsn_" prefix lets secret scanners
** recognise a leaked token.
**
** Comparisons of hashes are constant-time (sodium_memcmp).  Looking a
** user up by hash in the store is not, but what leaks there is the hash of
** a guess, which tells an attacker nothing about any real token.
*/
#include <string.h>

#include <sodium.h>

#include "policy/policy.h"

static const char domain[] = "liaison-token-v1";

static int sodium_ready(void)
{
    return sodium_init() < 0 ? LIAISON_ECRYPTO : LIAISON_OK;
}

int policy_token_new(char out[POLICY_TOKEN_MAX])
{
    unsigned char raw[POLICY_TOKEN_BYTES];
    size_t pre = sizeof(POLICY_TOKEN_PREFIX) - 1;
    int rc = sodium_ready();
    out[0] = '\0';
    if (rc)
        return rc;
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, POLICY_TOKEN_PREFIX, pre);
    sodium_bin2base64(out + pre, POLICY_TOKEN_MAX - pre, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    return LIAISON_OK;
}

static int b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int policy_token_well_formed(const char *t, size_t len)
{
    size_t pre = sizeof(POLICY_TOKEN_PREFIX) - 1, i;
    if (!t || len != POLICY_TOKEN_LEN || memcmp(t, POLICY_TOKEN_PREFIX, pre))
        return 0;
    for (i = pre; i < len; i++)
        if (!b64url(t[i]))
            return 0;
    return 1;
}

int policy_token_hash(const char *t, size_t len,
                      char out[POLICY_TOKEN_HASH_MAX])
{
    unsigned char h[32];
    crypto_generichash_state st;
    int rc = sodium_ready();
    out[0] = '\0';
    if (rc)
        return rc;
    if (!t || len > 1024)
        return LIAISON_EINVAL;
    if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) ||
        crypto_generichash_update(&st, (const unsigned char *)domain,
                                  sizeof(domain) - 1) ||
        crypto_generichash_update(&st, (const unsigned char *)t, len) ||
        crypto_generichash_final(&st, h, sizeof(h)))
        return LIAISON_ECRYPTO;
    sodium_bin2hex(out, POLICY_TOKEN_HASH_MAX, h, sizeof(h));
    return LIAISON_OK;
}

int policy_token_hash_equal(const char *a, const char *b)
{
    size_t la, lb;
    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb || la == 0)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}
