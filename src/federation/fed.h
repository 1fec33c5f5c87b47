/*
** fed.h: federation between agencies (DESIGN section 6): this node's
** identity (an Ed25519 key pair kept in a file next to the store), the
** signed peer protocol (sign.c: what is signed, the clock window, the
** headers), the replay cache (nonce.c), the HTTPS client that talks to
** partners (client.c: libcurl, pinned CA, timeouts, parallel calls with a
** deadline) and the rules of what a hit and a disclosure release
** (disclose.c: shared views of a record, field subsets, handling codes,
** hit references).
**
** Nothing here knows about HTTP servers or users: the server
** (src/server/fed*.c, h_peer.c, h_disclosures.c) and the CLI
** (tools/cli_fed.c) put it to work.  Library code: it never prints and
** never exits; secrets are wiped after use and never appear in messages.
*/
#ifndef LIAISON_FED_H
#define LIAISON_FED_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "liaison.h"
#include "store/store.h"
#include "util/util.h"

/* ---------------------------------------------------------------- limits */

#define FED_AGENCY_MAX 64           /* policy_name_ok: 1..64 characters */
#define FED_SKEW_S 300              /* clock window either side (sign.c 3) */
#define FED_NONCE_BYTES 16          /* random bytes in a nonce */
#define FED_NONCE_MIN 16            /* characters accepted in a nonce */
#define FED_NONCE_MAX 64
#define FED_PK_B64_LEN 44           /* base64 of 32 bytes, padded */
#define FED_SIG_B64_LEN 88          /* base64 of 64 bytes, padded */
#define FED_REF_LEN 22              /* base64url of 16 bytes, no padding */
#define FED_PATH_MAX 512            /* signed paths */
#define FED_ID_MAX 128              /* disclosure and record ids */
#define FED_URL_MAX 256

/* Header names of the peer protocol (sign.c note 2). */
#define FED_H_AGENCY "Liaison-Agency"
#define FED_H_TIMESTAMP "Liaison-Timestamp"
#define FED_H_NONCE "Liaison-Nonce"
#define FED_H_SIGNATURE "Liaison-Signature"

/* ---------------------------------------------------------------- JSON */

/* Append j to out as compact JSON, without an intermediate copy (and so
** whatever allocator jansson was given).  LIAISON_ETOOBIG past out's cap;
** out is left as it was on failure. */
int fed_json_dump(const json_t *j, util_buf *out);

/* ---------------------------------------------------------------- identity */

typedef struct fed_identity fed_identity;

/* The key file a SQLite store at db uses by default: "<db>.key".
** LIAISON_EINVAL for a PostgreSQL conninfo (no file to sit next to: the
** caller must name one) and LIAISON_ETOOBIG when out is too small. */
int fed_key_default_path(const char *db, char *out, size_t n);

/* Make a new random key pair and write its seed to path, created with
** mode 0600 (O_EXCL: an existing file is LIAISON_EEXIST and is left
** alone; O_NOFOLLOW), fsynced with its folder.  *pk_b64 (if not NULL,
** FED_PK_B64_LEN + 1 bytes) gets the public key. */
int fed_identity_create(const char *path, char *pk_b64 /* OUT */,
                        struct liaison_err *err);

/* Load the key file at path for agency (the store's agency id).  Refuses
** (LIAISON_EPERM) a file that is not a regular file owned by this user or
** that group or others may read or write, like ssh does; LIAISON_EFORMAT
** for anything but a key file.  The secret stays in locked memory and is
** wiped by fed_identity_free().  On failure *out is NULL. */
int fed_identity_load(const char *path, const char *agency,
                      fed_identity **out /* OUT */, struct liaison_err *err);
void fed_identity_free(fed_identity *id);

/* The agency id and the base64 public key (borrowed). */
const char *fed_identity_agency(const fed_identity *id);
const char *fed_identity_public_key(const fed_identity *id);
/* The secret key, for sign.c only (never copied, printed or logged). */
const unsigned char *fed_identity_sk_(const fed_identity *id);

/* Decode a base64 Ed25519 public key (44 characters, padded).
** LIAISON_EINVAL with a message otherwise. */
int fed_public_key_parse(const char *b64, unsigned char pk[32] /* OUT */,
                         struct liaison_err *err);

/* A peer's base URL: "https://host[:port]" with no path (a trailing '/'
** is allowed), no user, query or fragment, at most FED_URL_MAX bytes.
** LIAISON_EINVAL with a message otherwise. */
int fed_peer_url_check(const char *url, struct liaison_err *err);

/* Whether s is an agency id: policy_name_ok's rule, 1 to 64 of A-Z a-z
** 0-9 . _ - @. */
int fed_agency_ok(const char *s);

/* ---------------------------------------------------------------- signing */

/* The four headers of a signed request, or the three of a signed response
** (nonce is "" there: a response is bound to its request's nonce). */
typedef struct fed_auth {
    char agency[FED_AGENCY_MAX + 1];
    char timestamp[24];
    char nonce[FED_NONCE_MAX + 1];
    char signature[FED_SIG_B64_LEN + 1];
} fed_auth;

/* Sign a request from id to agency `to`: a fresh nonce, the timestamp now
** (Unix seconds) and the signature of the canonical string (sign.c note
** 1).  method is upper case, path is the request target (no query: peer
** routes take none).  LIAISON_EINVAL for a field the canonical string
** cannot carry. */
int fed_sign_request(const fed_identity *id, const char *to,
                     const char *method, const char *path, const void *body,
                     size_t len, int64_t now, fed_auth *out /* OUT */);

/* Check the headers of a request before its body arrives: present,
** well-formed, timestamp within FED_SKEW_S of now.  LIAISON_EAUTH with
** *why (static, for the audit trail) otherwise. */
int fed_auth_precheck(const fed_auth *in, int64_t now,
                      const char **why /* OUT */);

/* Verify a request received by agency `to` from in->agency, whose public
** key is pk: precheck, then the signature over the canonical string.
** LIAISON_EAUTH with *why otherwise.  Replays are the caller's business
** (fed_nonces). */
int fed_verify_request(const unsigned char pk[32], const char *to,
                       const char *method, const char *path,
                       const void *body, size_t len, const fed_auth *in,
                       int64_t now, const char **why /* OUT */);

/* Sign the response of status with body to a request (method, path,
** req_nonce) that agency `to` sent. */
int fed_sign_response(const fed_identity *id, const char *to,
                      const char *method, const char *path,
                      const char *req_nonce, int status, const void *body,
                      size_t len, int64_t now, fed_auth *out /* OUT */);

/* Verify a response from agency `from` (key pk) to our request (method,
** path, req_nonce): agency matches, timestamp fresh, signature good.
** LIAISON_EAUTH with *why otherwise. */
int fed_verify_response(const unsigned char pk[32], const char *from,
                        const char *to, const char *method, const char *path,
                        const char *req_nonce, int status, const void *body,
                        size_t len, const fed_auth *in, int64_t now,
                        const char **why /* OUT */);

/* ---------------------------------------------------------------- replay cache */

typedef struct fed_nonces fed_nonces;

/* A cache of (agency, nonce) pairs seen, each kept until its expiry, at
** most max entries (0: 4 Mi). */
int fed_nonces_new(size_t max, fed_nonces **out /* OUT */);
void fed_nonces_free(fed_nonces *n);

/* Record (agency, nonce) until expires (Unix seconds).  LIAISON_OK the
** first time, LIAISON_EEXIST for a replay, LIAISON_ETOOBIG when the cache
** is full of live entries (refuse the request: fail closed).  Thread-safe. */
int fed_nonces_check(fed_nonces *n, const char *agency, const char *nonce,
                     int64_t expires, int64_t now);

/* Entries held (tests, metrics). */
size_t fed_nonces_count(fed_nonces *n);

/* Refill the cache after a restart from the audit trail: every accepted
** peer request is audited (action "peer.*" other than "peer.refused",
** agency = the peer, detail {"peer_nonce":..,"peer_ts":..}) before it is
** answered, so the nonces of the last 2 x FED_SKEW_S are all there.
** *loaded (may be NULL) gets how many were put back. */
int fed_nonces_reload(fed_nonces *n, store *s, int64_t now,
                      long *loaded /* OUT */);

/* ---------------------------------------------------------------- client */

typedef struct fed_client fed_client;

/* A peer as the client needs it. */
typedef struct fed_peer {
    char agency[FED_AGENCY_MAX + 1];
    char url[FED_URL_MAX + 1];
    char *ca_file;              /* owned; NULL: the system's CAs */
    unsigned char pk[32];
} fed_peer;

/* Fill p from a stored peer.  LIAISON_EINVAL when its key or URL is bad. */
int fed_peer_from_store(fed_peer *p, const store_peer *sp,
                        struct liaison_err *err);
void fed_peer_fini(fed_peer *p);

/* Outcomes of a call, for the "partners" status object. */
typedef enum fed_outcome {
    FED_OK = 0,                 /* a signed, verified response (any status) */
    FED_TIMEOUT,                /* no answer before the deadline */
    FED_UNAVAILABLE,            /* cannot connect, TLS refused, ... */
    FED_INVALID                 /* an answer that is not validly signed */
} fed_outcome;

/* "ok", "timeout", "unavailable", "invalid_response". */
const char *fed_outcome_name(fed_outcome o);

/* One signed call to a peer.  The caller fills the input part (strings
** borrowed until the call is done) and calls fed_call_fini() after. */
typedef struct fed_call {
    /* in */
    const fed_peer *peer;
    const char *method;         /* "GET" or "POST" */
    const char *path;           /* "/peer/v1/screen" */
    const char *body;           /* may be NULL for GET */
    size_t body_len;
    size_t max_response;        /* 0: 1 MiB */
    /* out */
    fed_outcome outcome;
    long status;                /* HTTP status when outcome is FED_OK */
    util_buf resp;              /* the verified response body */
    char error[200];            /* why, when outcome is not FED_OK */
    uint64_t took_us;
    /* private */
    fed_auth req_;
    fed_auth resp_auth_;
    void *easy_;
    void *hdrs_;
    void *batch_;
    uint64_t t0_;
    int done_;
    char errbuf_[256];
} fed_call;

void fed_call_init(fed_call *c);
void fed_call_fini(fed_call *c);

/* Start the client's thread.  id is borrowed and must outlive it. */
int fed_client_new(const fed_identity *id, fed_client **out /* OUT */,
                   struct liaison_err *err);
/* Stop the thread; calls still running end as FED_UNAVAILABLE and their
** callbacks run first.  NULL is a no-op. */
void fed_client_free(fed_client *c);

/* Run n calls in parallel; done(ud) is called once, on the client's
** thread, when every call has ended or timeout_ms has passed (those not
** done end as FED_TIMEOUT).  done must not block.  LIAISON_ESTATE when
** the client is stopping (done is then not called). */
typedef void (*fed_done_fn)(void *ud);
int fed_client_submit(fed_client *c, fed_call *calls, size_t n,
                      int timeout_ms, fed_done_fn done, void *ud);

/* One call, waiting for it (never on the client's own thread). */
int fed_client_call(fed_client *c, fed_call *call, int timeout_ms);

/* ---------------------------------------------------------------- disclosures */

/* A hit reference: what a partner must quote to ask for the details
** behind a hit, so that it can only ask about records it actually hit
** (no enumeration of ids).  BLAKE2b-128 keyed with a key derived from the
** node's secret, over (requester agency, record id); FED_REF_LEN
** characters of base64url.  out holds FED_REF_LEN + 1 bytes. */
int fed_hitref(const fed_identity *id, const char *requester,
               const char *record_id, char *out /* OUT */);
/* 1 when ref is the reference of (requester, record_id); constant time. */
int fed_hitref_ok(const fed_identity *id, const char *requester,
                  const char *record_id, const char *ref);

/* A new disclosure id: "dsc-" and 32 hex digits of randomness. */
#define FED_DISCLOSURE_ID_LEN 36
int fed_disclosure_id_new(char *out /* OUT: FED_DISCLOSURE_ID_LEN + 1 */);
/* Whether s can be a disclosure id in a URL: 8 to 64 of A-Z a-z 0-9 - _. */
int fed_disclosure_id_ok(const char *s);
/* Whether s can name a field of a record: 1 to 40 of a-z 0-9 _. */
int fed_field_name_ok(const char *s);

/* Handling codes that ride along with disclosed data. */
typedef struct fed_handling_code {
    const char *code;           /* "no-onward-transmission" */
    const char *text;           /* what it obliges the recipient to */
} fed_handling_code;

/* The table (n entries) and one code's entry (NULL if unknown). */
const fed_handling_code *fed_handling_codes(size_t *n /* OUT */);
const fed_handling_code *fed_handling_find(const char *code);

/* What a partner sees of a record the owner shares.  fields NULL: the
** "details" view (the record's known fields, DESIGN section 2, without
** its sharing level, owner and unknown fields); else exactly those
** fields that the record has, always with id, list and kind.  Appends one
** JSON object to out.  LIAISON_EFORMAT for stored JSON that is not an
** object. */
int fed_record_view(const char *json, size_t len, const char *const *fields,
                    size_t n_fields, util_buf *out);

#endif /* LIAISON_FED_H */
