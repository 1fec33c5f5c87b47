/*
** sigbench.c: what the peer protocol's cryptography costs, apart from the
** network: Ed25519 signing and verification (libsodium crypto_sign_detached
** and crypto_sign_verify_detached) on a canonical string, and the whole of
** federation/sign.c for a request and for an answer of typical size
** (nonce, SHA-256 of the body, canonical string, signature, base64).
**
**   sigbench [--iterations N]        prints one JSON object on stdout
**
** Part of bench/federation/run.sh.  A screening with 2 partners costs the
** requesting node 2 request signatures and 2 answer verifications, and
** each partner 1 verification and 1 signature.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "federation/fed.h"

static const char body[] =
    "{\"purpose\":\"border-check\",\"subject\":{\"name\":\"Youssef "
    "BENHADDOU\",\"dob\":\"1966-03-01\",\"nationality\":\"MAR\",\"documents\":"
    "[{\"number\":\"AB1234567\",\"country\":\"MAR\"}]},\"limit\":10,"
    "\"requester\":{\"user\":\"olivia\",\"role\":\"officer\"}}";

static const char answer[] =
    "{\"agency\":\"TR-EGM\",\"contact\":\"TR-EGM liaison desk\",\"hits\":[{"
    "\"id\":\"w0012345\",\"list\":\"terrorism\",\"category\":\"terrorism\","
    "\"score\":0.913,\"sharing\":\"hit\",\"owner\":\"TR-EGM\",\"contact\":"
    "\"TR-EGM liaison desk\",\"ref\":\"h0VyHOiTbcmc49JqtpUt0Q\"}],"
    "\"took_us\":412,\"audit_seq\":123456}";

static double per_op_us(uint64_t t0, long n)
{
    return (double)(util_now_us() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/liaison-sigbench-XXXXXX", path[64];
    unsigned char pk[32], sig[crypto_sign_BYTES];
    unsigned char rpk[crypto_sign_PUBLICKEYBYTES];
    unsigned char rsk[crypto_sign_SECRETKEYBYTES];
    const char *why = NULL;
    fed_identity *id = NULL;
    fed_auth a, b;
    long n = 20000, i, bad = 0;
    int64_t now;
    uint64_t t0;
    double sign_us, verify_us, req_sign_us, req_verify_us, resp_sign_us,
        resp_verify_us;
    char canon[400];
    size_t clen;
    if (argc == 3 && !strcmp(argv[1], "--iterations"))
        n = atol(argv[2]);
    if (n < 1 || sodium_init() < 0 || !mkdtemp(dir))
        return 2;
    snprintf(path, sizeof(path), "%s/k", dir);
    if (fed_identity_create(path, NULL, NULL) ||
        fed_identity_load(path, "TR-EGM", &id, NULL))
        return 2;
    unlink(path);
    rmdir(dir);
    fed_public_key_parse(fed_identity_public_key(id), pk, NULL);
    now = util_unix_time();

    /* The raw primitive on a canonical string of the usual length. */
    crypto_sign_keypair(rpk, rsk);
    clen = (size_t)snprintf(canon, sizeof(canon),
                            "liaison-peer-request-v1\nPOST\n/peer/v1/screen\n"
                            "MA-DGSN\nTR-EGM\n%lld\nvEuFGhxR4-nPq1VgASXEvw\n"
                            "%064d\n", (long long)now, 0);
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        crypto_sign_detached(sig, NULL, (const unsigned char *)canon, clen,
                             rsk);
    sign_us = per_op_us(t0, n);
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        bad += crypto_sign_verify_detached(sig, (const unsigned char *)canon,
                                           clen, rpk) != 0;
    verify_us = per_op_us(t0, n);

    /* The protocol: a request, then an answer. */
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        fed_sign_request(id, "MA-DGSN", "POST", "/peer/v1/screen", body,
                         sizeof(body) - 1, now, &a);
    req_sign_us = per_op_us(t0, n);
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        bad += fed_verify_request(pk, "MA-DGSN", "POST", "/peer/v1/screen",
                                  body, sizeof(body) - 1, &a, now,
                                  &why) != 0;
    req_verify_us = per_op_us(t0, n);
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        fed_sign_response(id, "MA-DGSN", "POST", "/peer/v1/screen", a.nonce,
                          200, answer, sizeof(answer) - 1, now, &b);
    resp_sign_us = per_op_us(t0, n);
    t0 = util_now_us();
    for (i = 0; i < n; i++)
        bad += fed_verify_response(pk, "TR-EGM", "MA-DGSN", "POST",
                                   "/peer/v1/screen", a.nonce, 200, answer,
                                   sizeof(answer) - 1, &b, now, &why) != 0;
    resp_verify_us = per_op_us(t0, n);
    fed_identity_free(id);
    printf("{\"iterations\":%ld,\"ed25519_sign_us\":%.2f,"
           "\"ed25519_verify_us\":%.2f,\"request_sign_us\":%.2f,"
           "\"request_verify_us\":%.2f,\"answer_sign_us\":%.2f,"
           "\"answer_verify_us\":%.2f,\"per_screening_2_partners_us\":%.2f,"
           "\"failures\":%ld}\n",
           n, sign_us, verify_us, req_sign_us, req_verify_us, resp_sign_us,
           resp_verify_us,
           2 * (req_sign_us + resp_verify_us) +
               2 * (req_verify_us + resp_sign_us),
           bad);
    return bad ? 1 : 0;
}
