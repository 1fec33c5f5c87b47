/*
** sign.c: signing and verifying the requests and responses that nodes of
** the federation exchange under /peer/v1/.
**
** INVARIANTS OF THE PEER PROTOCOL
**
**  1. What is signed.  A request: the Ed25519 signature (crypto_sign,
**     detached) of the canonical string
**
**         "liaison-peer-request-v1" LF METHOD LF PATH LF FROM LF TO LF
**         TIMESTAMP LF NONCE LF hex(SHA-256(body)) LF
**
**     FROM is the sender's agency id, TO the receiver's: a request signed
**     for one partner is worthless at another.  PATH is the request
**     target exactly as sent; peer routes take no query string (the
**     router refuses one), so nothing outside the signed string changes
**     what a request means.  A response: the signature of
**
**         "liaison-peer-response-v1" LF STATUS LF METHOD LF PATH LF FROM
**         LF TO LF TIMESTAMP LF REQUEST-NONCE LF hex(SHA-256(body)) LF
**
**     with FROM the responder, TO the requester and the nonce of the
**     request it answers, so an answer cannot be replayed to another
**     request, another agency or with another status.
**  2. Encoding.  Every field is checked before signing and verifying:
**     METHOD [A-Z]{1,10}; PATH printable ASCII without blanks, at most
**     FED_PATH_MAX; agency ids policy_name_ok's alphabet; TIMESTAMP
**     decimal digits; NONCE [A-Za-z0-9_-]{16,64}; STATUS 3 digits.  No
**     field can hold a LF and the number of fields is fixed, so one
**     canonical string has exactly one reading.  The tag first line
**     separates requests from responses and from any later version.
**     Headers: Liaison-Agency, Liaison-Timestamp (Unix seconds),
**     Liaison-Nonce (requests only: 16 random bytes, base64url) and
**     Liaison-Signature (base64 of the 64-byte signature).
**  3. Clock skew.  A request or response whose timestamp is more than
**     FED_SKEW_S (5 minutes) before or after the verifier's clock is
**     refused as stale.  Nodes are expected to run NTP; 5 minutes leaves
**     room for a badly set clock without making a captured request usable
**     for long.
**  4. Replay window.  Within those 5 minutes a captured request could be
**     sent again; the receiver keeps every (agency, nonce) it accepted
**     until the request's timestamp + FED_SKEW_S (nonce.c), after which
**     invariant 3 refuses it anyway.  A restart refills that cache from
**     the audit trail (every accepted request is audited, with its nonce,
**     before it is answered), so the window is covered across restarts.
**  5. Keys.  A peer's public key comes only from the store (liaison peer
**     add); a request naming an agency that is not a peer, or no longer
**     one, is refused before its body is read.  Signatures are checked
**     with crypto_sign_verify_detached, which runs in constant time; no
**     secret is compared with memcmp.
**  6. Transport.  All of this is on top of HTTPS with the partner's
**     certificate or CA pinned (client.c): the signatures authenticate
**     agencies end to end (a TLS-terminating proxy cannot forge or
**     alter a request) and make every answer attributable.
*/
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "federation/fed.h"

#define REQ_TAG "liaison-peer-request-v1"
#define RESP_TAG "liaison-peer-response-v1"
/* tag + method + path + 2 agencies + timestamp + nonce + hash + LFs */
#define CANON_MAX (32 + 12 + FED_PATH_MAX + 2 * (FED_AGENCY_MAX + 1) + 24 + \
                   FED_NONCE_MAX + 65 + 16)

static int method_ok(const char *m)
{
    size_t n = m ? strlen(m) : 0, i;
    if (n == 0 || n > 10)
        return 0;
    for (i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return 0;
    return 1;
}

static int path_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0, i;
    if (n == 0 || n > FED_PATH_MAX || p[0] != '/')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
            return 0;
    return 1;
}

static int nonce_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;
    if (n < FED_NONCE_MIN || n > FED_NONCE_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* A timestamp header: 1 to 19 digits, no sign, no blanks. */
static int parse_ts(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0, i;
    int64_t v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static void body_hash_hex(const void *body, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, body ? body : (const void *)"",
                       (unsigned long long)len);
    sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The canonical string of a request (status < 0) or a response (note 1).
** LIAISON_EINVAL when a field breaks note 2. */
static int canonical(char *out, size_t cap, size_t *n, int status,
                     const char *method, const char *path, const char *from,
                     const char *to, const char *ts, const char *nonce,
                     const void *body, size_t len)
{
    char hex[65];
    int k;
    int64_t t;
    if (!method_ok(method) || !path_ok(path) || !fed_agency_ok(from) ||
        !fed_agency_ok(to) || parse_ts(ts, &t) || !nonce_ok(nonce) ||
        (status >= 0 && (status < 100 || status > 999)))
        return LIAISON_EINVAL;
    body_hash_hex(body, len, hex);
    if (status < 0)
        k = snprintf(out, cap, REQ_TAG "\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n",
                     method, path, from, to, ts, nonce, hex);
    else
        k = snprintf(out, cap, RESP_TAG "\n%d\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n",
                     status, method, path, from, to, ts, nonce, hex);
    if (k < 0 || (size_t)k >= cap)
        return LIAISON_EINVAL;
    *n = (size_t)k;
    return LIAISON_OK;
}

static int sign(const fed_identity *id, const char *canon, size_t n,
                fed_auth *out)
{
    unsigned char sig[crypto_sign_BYTES];
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)canon, n,
                             fed_identity_sk_(id)))
        return LIAISON_ECRYPTO;
    sodium_bin2base64(out->signature, sizeof(out->signature), sig,
                      sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    return LIAISON_OK;
}

static int verify(const unsigned char pk[32], const char *canon, size_t n,
                  const char *sig_b64)
{
    unsigned char sig[crypto_sign_BYTES];
    size_t len = 0;
    if (!sig_b64 || strlen(sig_b64) != FED_SIG_B64_LEN ||
        sodium_base642bin(sig, sizeof(sig), sig_b64, FED_SIG_B64_LEN, NULL,
                          &len, NULL, sodium_base64_VARIANT_ORIGINAL) ||
        len != sizeof(sig))
        return -1;
    return crypto_sign_verify_detached(sig, (const unsigned char *)canon, n,
                                       pk);
}

/* Note 3: within FED_SKEW_S of now. */
static int fresh(const char *ts, int64_t now, const char **why)
{
    int64_t t = 0;
    if (parse_ts(ts, &t)) {
        *why = "malformed timestamp";
        return 0;
    }
    if (t < now - FED_SKEW_S || t > now + FED_SKEW_S) {
        *why = "stale timestamp (more than 5 minutes from this node's "
               "clock)";
        return 0;
    }
    return 1;
}

int fed_sign_request(const fed_identity *id, const char *to,
                     const char *method, const char *path, const void *body,
                     size_t len, int64_t now, fed_auth *out)
{
    unsigned char raw[FED_NONCE_BYTES];
    char canon[CANON_MAX];
    size_t n = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!id || sodium_init() < 0)
        return LIAISON_EINVAL;
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out->nonce, sizeof(out->nonce), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out->timestamp, sizeof(out->timestamp), "%lld", (long long)now);
    util_strlcpy(out->agency, fed_identity_agency(id), sizeof(out->agency));
    rc = canonical(canon, sizeof(canon), &n, -1, method, path, out->agency,
                   to, out->timestamp, out->nonce, body, len);
    if (!rc)
        rc = sign(id, canon, n, out);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

int fed_auth_precheck(const fed_auth *in, int64_t now, const char **why)
{
    *why = NULL;
    if (!in->agency[0] || !in->timestamp[0] || !in->nonce[0] ||
        !in->signature[0]) {
        *why = "missing Liaison-Agency, -Timestamp, -Nonce or -Signature";
        return LIAISON_EAUTH;
    }
    if (!fed_agency_ok(in->agency)) {
        *why = "malformed agency id";
        return LIAISON_EAUTH;
    }
    if (!nonce_ok(in->nonce)) {
        *why = "malformed nonce";
        return LIAISON_EAUTH;
    }
    if (strlen(in->signature) != FED_SIG_B64_LEN) {
        *why = "malformed signature";
        return LIAISON_EAUTH;
    }
    if (!fresh(in->timestamp, now, why))
        return LIAISON_EAUTH;
    return LIAISON_OK;
}

int fed_verify_request(const unsigned char pk[32], const char *to,
                       const char *method, const char *path,
                       const void *body, size_t len, const fed_auth *in,
                       int64_t now, const char **why)
{
    char canon[CANON_MAX];
    size_t n = 0;
    int rc = fed_auth_precheck(in, now, why);
    if (rc)
        return rc;
    if (canonical(canon, sizeof(canon), &n, -1, method, path, in->agency, to,
                  in->timestamp, in->nonce, body, len)) {
        *why = "request cannot be canonicalised (method, path or agency)";
        return LIAISON_EAUTH;
    }
    if (verify(pk, canon, n, in->signature)) {
        *why = "bad signature";
        return LIAISON_EAUTH;
    }
    return LIAISON_OK;
}

int fed_sign_response(const fed_identity *id, const char *to,
                      const char *method, const char *path,
                      const char *req_nonce, int status, const void *body,
                      size_t len, int64_t now, fed_auth *out)
{
    char canon[CANON_MAX];
    size_t n = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!id)
        return LIAISON_EINVAL;
    snprintf(out->timestamp, sizeof(out->timestamp), "%lld", (long long)now);
    util_strlcpy(out->agency, fed_identity_agency(id), sizeof(out->agency));
    rc = canonical(canon, sizeof(canon), &n, status, method, path,
                   out->agency, to, out->timestamp, req_nonce, body, len);
    if (!rc)
        rc = sign(id, canon, n, out);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

int fed_verify_response(const unsigned char pk[32], const char *from,
                        const char *to, const char *method, const char *path,
                        const char *req_nonce, int status, const void *body,
                        size_t len, const fed_auth *in, int64_t now,
                        const char **why)
{
    char canon[CANON_MAX];
    size_t n = 0;
    *why = NULL;
    if (!in->agency[0] || !in->timestamp[0] || !in->signature[0]) {
        *why = "the answer is not signed";
        return LIAISON_EAUTH;
    }
    if (strcmp(in->agency, from)) {
        *why = "the answer is signed by another agency";
        return LIAISON_EAUTH;
    }
    if (!fresh(in->timestamp, now, why))
        return LIAISON_EAUTH;
    if (canonical(canon, sizeof(canon), &n, status, method, path, from, to,
                  in->timestamp, req_nonce, body, len)) {
        *why = "the answer cannot be canonicalised";
        return LIAISON_EAUTH;
    }
    if (verify(pk, canon, n, in->signature)) {
        *why = "bad signature on the answer";
        return LIAISON_EAUTH;
    }
    return LIAISON_OK;
}
