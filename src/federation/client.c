/*
** client.c: the node's client to its partners: signed HTTPS calls made
** with libcurl, many at once, each group bounded by a deadline.
**
** NOTES
**
**  1. One thread drives one curl multi handle.  Callers hand it a batch
**     of calls (a screening's fan-out to every partner) and a callback;
**     the thread runs them in parallel and calls back once when all have
**     ended or the deadline has passed, whichever comes first.  Calls
**     still running at the deadline end as FED_TIMEOUT: a slow or dead
**     partner costs the officer at most the deadline, never more, and is
**     reported as such, never as a no-hit.  Connections (and their TLS
**     sessions) stay in the multi handle's pool, so a partner asked
**     often is asked over an open connection.
**  2. Transport: https only (CURLOPT_PROTOCOLS_STR), no redirects, no
**     proxy from the environment, TLS 1.2 at least, peer and host name
**     verified; with a CA file registered for the peer (liaison peer add
**     --ca) that file is the only trust anchor (CAPATH unset), which pins
**     the partner's CA or its self-signed certificate.  Connect and total
**     timeouts come from the deadline.
**  3. Every request is signed (sign.c) when it is handed over, and every
**     response must carry the partner's signature over its status, body
**     and our request's nonce; an unsigned or badly signed answer is
**     FED_INVALID and its body is dropped unread.
**  4. Answers are capped (max_response, 1 MiB by default): a partner
**     cannot make this node buffer without bound.
**  5. The callback runs on this thread: it must not block (the screening
**     callback renders and queues an audit entry).  fed_client_call()
**     wraps one call for threads that may wait.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "federation/fed.h"

#define CONNECT_MS_MAX 3000
#define POLL_MS_MAX 1000
#define RESPONSE_MAX ((size_t)1 << 20)

typedef struct fed_batch {
    struct fed_batch *next;
    fed_call *calls;
    size_t n, pending;
    uint64_t deadline_us;
    fed_done_fn done;
    void *ud;
} fed_batch;

struct fed_client {
    const fed_identity *id;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    fed_batch *in_head, *in_tail;   /* submitted (under lock) */
    int stop;                       /* under lock */
    fed_batch *active;              /* the thread's own */
    CURLM *multi;
};

const char *fed_outcome_name(fed_outcome o)
{
    switch (o) {
    case FED_OK: return "ok";
    case FED_TIMEOUT: return "timeout";
    case FED_UNAVAILABLE: return "unavailable";
    default: return "invalid_response";
    }
}

int fed_peer_from_store(fed_peer *p, const store_peer *sp,
                        struct liaison_err *err)
{
    int rc;
    memset(p, 0, sizeof(*p));
    if (!fed_agency_ok(sp->agency))
        return util_err(err, LIAISON_EINVAL, 0, 0, "bad agency id");
    if ((rc = fed_peer_url_check(sp->url, err)) ||
        (rc = fed_public_key_parse(sp->public_key, p->pk, err)))
        return rc;
    util_strlcpy(p->agency, sp->agency, sizeof(p->agency));
    util_strlcpy(p->url, sp->url, sizeof(p->url));
    if (sp->ca_file && *sp->ca_file &&
        !(p->ca_file = util_strdup(sp->ca_file)))
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    return LIAISON_OK;
}

void fed_peer_fini(fed_peer *p)
{
    util_free(p->ca_file);
    p->ca_file = NULL;
}

void fed_call_init(fed_call *c)
{
    memset(c, 0, sizeof(*c));
    util_buf_init(&c->resp, RESPONSE_MAX);
}

void fed_call_fini(fed_call *c)
{
    util_buf_fini(&c->resp);
}

/* ---------------------------------------------------------------- one call */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    fed_call *k = ud;
    size_t n = size * nmemb;
    return util_buf_add(&k->resp, p, n) ? 0 : n;
}

/* Copy header value v[0..n) (trimmed) into dst if it fits. */
static void take(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' ||
                 v[n - 1] == '\t'))
        n--;
    if (n < cap) {
        memcpy(dst, v, n);
        dst[n] = '\0';
    } else {
        dst[0] = '\0';
    }
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    fed_call *k = ud;
    fed_auth *a = &k->resp_auth_;
    size_t n = size * nmemb, nl;
    static const struct {
        const char *name;
        size_t off, cap;
    } want[] = {
        {FED_H_AGENCY, offsetof(fed_auth, agency), sizeof(a->agency)},
        {FED_H_TIMESTAMP, offsetof(fed_auth, timestamp),
         sizeof(a->timestamp)},
        {FED_H_SIGNATURE, offsetof(fed_auth, signature),
         sizeof(a->signature)},
    };
    size_t i;
    if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
        memset(a, 0, sizeof(*a));   /* a new response (after 1xx) */
        return n;
    }
    for (i = 0; i < UTIL_ARRAY_LEN(want); i++) {
        nl = strlen(want[i].name);
        if (n > nl && p[nl] == ':' && !strncasecmp(p, want[i].name, nl))
            take((char *)a + want[i].off, want[i].cap, p + nl + 1,
                 n - nl - 1);
    }
    return n;
}

static void fail_call(fed_call *k, fed_outcome o, const char *msg)
{
    k->outcome = o;
    util_strlcpy(k->error, msg, sizeof(k->error));
}

/* The request's headers: the four of the signature (note 3) and the
** content types; NULL when out of memory. */
static struct curl_slist *make_headers(const fed_call *k)
{
    const char *hv[4][2] = {
        {FED_H_AGENCY, k->req_.agency},
        {FED_H_TIMESTAMP, k->req_.timestamp},
        {FED_H_NONCE, k->req_.nonce},
        {FED_H_SIGNATURE, k->req_.signature},
    };
    struct curl_slist *h = NULL, *t;
    char line[160];
    int i;
    const char *fixed[3] = {"Accept: application/json", "Expect:",
                            k->body ? "Content-Type: application/json"
                                    : NULL};
    for (i = 0; i < 3; i++) {
        if (!fixed[i])
            continue;
        if (!(t = curl_slist_append(h, fixed[i])))
            goto fail;
        h = t;
    }
    for (i = 0; i < 4; i++) {
        snprintf(line, sizeof(line), "%s: %s", hv[i][0], hv[i][1]);
        if (!(t = curl_slist_append(h, line)))
            goto fail;
        h = t;
    }
    return h;
fail:
    curl_slist_free_all(h);
    return NULL;
}

/* Set up the easy handle of k (note 2).  remaining_ms > 0. */
static int setup(fed_call *k, long remaining_ms)
{
    char url[FED_URL_MAX + FED_PATH_MAX + 2];
    struct curl_slist *h;
    size_t ul;
    CURL *e = curl_easy_init();
    if (!e)
        return LIAISON_ENOMEM;
    if (!(h = make_headers(k))) {
        curl_easy_cleanup(e);
        return LIAISON_ENOMEM;
    }
    ul = strlen(k->peer->url);
    while (ul && k->peer->url[ul - 1] == '/')
        ul--;
    snprintf(url, sizeof(url), "%.*s%s", (int)ul, k->peer->url, k->path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (k->peer->ca_file) {
        curl_easy_setopt(e, CURLOPT_CAINFO, k->peer->ca_file);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     remaining_ms < CONNECT_MS_MAX ? remaining_ms
                                                   : (long)CONNECT_MS_MAX);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, remaining_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "liaison-peer/1");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (!strcmp(k->method, "POST")) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)k->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, k->body ? k->body : "");
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->resp.max);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, k);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, k);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, k->errbuf_);
    curl_easy_setopt(e, CURLOPT_PRIVATE, k);
    k->easy_ = e;
    k->hdrs_ = h;
    return LIAISON_OK;
}

static void release(fed_client *c, fed_call *k)
{
    if (k->easy_) {
        curl_multi_remove_handle(c->multi, k->easy_);
        curl_easy_cleanup(k->easy_);
        k->easy_ = NULL;
    }
    curl_slist_free_all(k->hdrs_);
    k->hdrs_ = NULL;
}

static void end_call(fed_client *c, fed_call *k)
{
    fed_batch *b = k->batch_;
    release(c, k);
    k->took_us = util_now_us() - k->t0_;
    if (k->outcome != FED_OK)
        util_buf_reset(&k->resp);
    k->done_ = 1;
    b->pending--;
}

/* A transfer finished: classify it and verify the answer (note 3). */
static void finish(fed_client *c, fed_call *k, CURLcode res)
{
    const char *why = NULL;
    if (res == CURLE_OK) {
        curl_easy_getinfo(k->easy_, CURLINFO_RESPONSE_CODE, &k->status);
        if (fed_verify_response(k->peer->pk, k->peer->agency,
                                fed_identity_agency(c->id), k->method,
                                k->path, k->req_.nonce, (int)k->status,
                                k->resp.p, k->resp.len, &k->resp_auth_,
                                util_unix_time(), &why))
            fail_call(k, FED_INVALID, why);
        else
            k->outcome = FED_OK;
    } else if (res == CURLE_OPERATION_TIMEDOUT) {
        /* Connecting, the TLS handshake or the answer: whichever it was,
        ** the partner did not answer in time (a refused connection or a
        ** refused certificate is FED_UNAVAILABLE, below). */
        fail_call(k, FED_TIMEOUT, k->errbuf_[0] ? k->errbuf_
                                                : "no answer before the "
                                                  "deadline");
    } else if (res == CURLE_WRITE_ERROR || res == CURLE_FILESIZE_EXCEEDED) {
        fail_call(k, FED_INVALID, "the answer is larger than the limit");
    } else {
        fail_call(k, FED_UNAVAILABLE,
                  k->errbuf_[0] ? k->errbuf_ : curl_easy_strerror(res));
    }
    end_call(c, k);
}

/* ---------------------------------------------------------------- the thread */

static void start_batch(fed_client *c, fed_batch *b)
{
    uint64_t now = util_now_us();
    size_t i;
    for (i = 0; i < b->n; i++) {
        fed_call *k = &b->calls[i];
        long ms = b->deadline_us > now
                      ? (long)((b->deadline_us - now + 999) / 1000) : 1;
        k->t0_ = now;
        if (setup(k, ms) ||
            curl_multi_add_handle(c->multi, k->easy_) != CURLM_OK) {
            fail_call(k, FED_UNAVAILABLE, "cannot start the call");
            end_call(c, k);
        }
    }
    b->next = c->active;
    c->active = b;
}

/* Time out the calls of batches past their deadline (or all, stopping);
** call back and drop the batches that are complete. */
static void sweep(fed_client *c, int stopping)
{
    fed_batch **pp = &c->active;
    uint64_t now = util_now_us();
    while (*pp) {
        fed_batch *b = *pp;
        size_t i;
        if (stopping || now >= b->deadline_us)
            for (i = 0; i < b->n; i++) {
                fed_call *k = &b->calls[i];
                if (k->done_)
                    continue;
                if (stopping)
                    fail_call(k, FED_UNAVAILABLE, "this node is stopping");
                else
                    fail_call(k, FED_TIMEOUT, "no answer before the "
                              "deadline");
                end_call(c, k);
            }
        if (b->pending == 0) {
            *pp = b->next;
            b->done(b->ud);
            util_free(b);
        } else {
            pp = &b->next;
        }
    }
}

static int next_wait_ms(fed_client *c)
{
    uint64_t now = util_now_us(), soonest = now + POLL_MS_MAX * 1000ull;
    fed_batch *b;
    for (b = c->active; b; b = b->next)
        if (b->deadline_us < soonest)
            soonest = b->deadline_us;
    return soonest <= now ? 0 : (int)((soonest - now + 999) / 1000);
}

static void *run(void *arg)
{
    fed_client *c = arg;
    for (;;) {
        fed_batch *in, *next;
        CURLMsg *m;
        int running = 0, left, stop;
        pthread_mutex_lock(&c->lock);
        in = c->in_head;
        c->in_head = c->in_tail = NULL;
        stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        for (; in; in = next) {
            next = in->next;
            start_batch(c, in);
        }
        if (stop) {
            sweep(c, 1);
            break;
        }
        curl_multi_perform(c->multi, &running);
        while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
            fed_call *k = NULL;
            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&k);
            if (k)
                finish(c, k, m->data.result);
        }
        sweep(c, 0);
        curl_multi_poll(c->multi, NULL, 0, next_wait_ms(c), NULL);
    }
    return NULL;
}

int fed_client_new(const fed_identity *id, fed_client **out,
                   struct liaison_err *err)
{
    fed_client *c;
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT))
        return util_err(err, LIAISON_ENET, 0, 0, "libcurl failed to start");
    c = util_calloc(1, sizeof(*c));
    if (!c) {
        curl_global_cleanup();
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    }
    c->id = id;
    pthread_mutex_init(&c->lock, NULL);
    c->multi = curl_multi_init();
    if (!c->multi) {
        fed_client_free(c);
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    }
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 32L);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 64L);
    if (pthread_create(&c->thread, NULL, run, c)) {
        fed_client_free(c);
        return util_err(err, LIAISON_ENOMEM, 0, 0,
                        "cannot start the partner client");
    }
    c->started = 1;
    *out = c;
    return LIAISON_OK;
}

void fed_client_free(fed_client *c)
{
    if (!c)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->lock);
        c->stop = 1;
        pthread_mutex_unlock(&c->lock);
        curl_multi_wakeup(c->multi);
        pthread_join(c->thread, NULL);
    }
    if (c->multi)
        curl_multi_cleanup(c->multi);
    pthread_mutex_destroy(&c->lock);
    util_free(c);
    curl_global_cleanup();
}

int fed_client_submit(fed_client *c, fed_call *calls, size_t n,
                      int timeout_ms, fed_done_fn done, void *ud)
{
    fed_batch *b;
    int64_t now = util_unix_time();
    size_t i;
    int rc;
    if (!c || !done || (n && !calls))
        return LIAISON_EINVAL;
    b = util_calloc(1, sizeof(*b));
    if (!b)
        return LIAISON_ENOMEM;
    for (i = 0; i < n; i++) {
        fed_call *k = &calls[i];
        util_buf_reset(&k->resp);
        k->outcome = FED_UNAVAILABLE;
        k->status = 0;
        k->error[0] = k->errbuf_[0] = '\0';
        k->done_ = 0;
        k->batch_ = b;
        k->easy_ = k->hdrs_ = NULL;
        memset(&k->resp_auth_, 0, sizeof(k->resp_auth_));
        k->resp.max = k->max_response ? k->max_response : RESPONSE_MAX;
        if (!k->peer || !k->method || !k->path ||
            (rc = fed_sign_request(c->id, k->peer->agency, k->method,
                                   k->path, k->body, k->body_len, now,
                                   &k->req_))) {
            util_free(b);
            return LIAISON_EINVAL;
        }
    }
    b->calls = calls;
    b->n = b->pending = n;
    b->deadline_us = util_now_us() +
                     (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000u;
    b->done = done;
    b->ud = ud;
    pthread_mutex_lock(&c->lock);
    if (c->stop) {
        pthread_mutex_unlock(&c->lock);
        util_free(b);
        return LIAISON_ESTATE;
    }
    if (c->in_tail)
        c->in_tail->next = b;
    else
        c->in_head = b;
    c->in_tail = b;
    pthread_mutex_unlock(&c->lock);
    curl_multi_wakeup(c->multi);
    return LIAISON_OK;
}

/* ---------------------------------------------------------------- waiting */

typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
} waiter;

static void wake(void *ud)
{
    waiter *w = ud;
    pthread_mutex_lock(&w->lock);
    w->done = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int fed_client_call(fed_client *c, fed_call *call, int timeout_ms)
{
    waiter w;
    int rc;
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    w.done = 0;
    rc = fed_client_submit(c, call, 1, timeout_ms, wake, &w);
    if (!rc) {
        pthread_mutex_lock(&w.lock);
        while (!w.done)
            pthread_cond_wait(&w.cond, &w.lock);
        pthread_mutex_unlock(&w.lock);
    }
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
    return rc;
}
