/*
** srv_int.h: the server module's internal interface, shared by the files
** of src/server only.
**
** Threads (all started by srv_start):
**   - N libmicrohttpd workers (epoll, one event loop each): parse, check,
**     authenticate, screen, render.  They never wait on the store's write
**     lock: writes and slow reads go to the lane, audit entries to the
**     audit writer, and the connection is suspended until they are done;
**   - the audit writer (auditq.c): appends queued entries in group
**     commits and resumes the requests that wait for them;
**   - the lane (lane.c): store work that may block (record writes, lists,
**     audit reads and verification, accounts);
**   - the refresher (engine.c): rebuilds the index after changes and
**     swaps it in.
** Each thread that touches the store has its own handle (store.h).
*/
#ifndef LIAISON_SRV_INT_H
#define LIAISON_SRV_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "federation/fed.h"
#include "formats/border.h"
#include "formats/formats.h"
#include "policy/policy.h"
#include "server/server.h"
#include "store/store.h"
#include "util/util.h"

#define SRV_MAX_DOCS 8          /* documents in one screening subject */
#define SRV_MAX_PARAMS 2        /* {placeholders} in a route path */
#define SRV_MAX_PARTNERS 16     /* agencies named in one "partners" list */

typedef struct srv_req srv_req;
typedef struct srv_tctx srv_tctx;

/* ---------------------------------------------------------------- errors */

/* A refusal to send: HTTP status, a stable machine code and a message. */
typedef struct srv_error {
    int status;
    const char *code;           /* static */
    char msg[300];
} srv_error;

int srv_error_set(srv_error *e, int status, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Cut s back to its last whole UTF-8 character. */
void srv_utf8_trim(char *s);

/* ---------------------------------------------------------------- JSON */

/* Limits for request bodies. */
typedef struct srv_json_limits {
    int max_depth;
    size_t max_string;
} srv_json_limits;

/* Check s[0..n) before it is parsed: valid UTF-8, no NUL, nesting at most
** max_depth, no string longer than max_string.  With per_line, each line
** is checked on its own (JSONL).  On failure e is a 400 naming the
** problem and its byte offset. */
int srv_json_scan(const char *s, size_t n, const srv_json_limits *lim,
                  int per_line, srv_error *e);

/* Parse one JSON object (duplicate keys refused); 400 in e otherwise. */
json_t *srv_json_object(const char *s, size_t n, const srv_json_limits *lim,
                        srv_error *e);

/* Append {"error":{"code":..,"message":..}}. */
int srv_json_error(util_buf *b, const srv_error *e);

/* Append s[0..n) as a JSON string; bytes that are not UTF-8 become
** U+FFFD so the output is always valid JSON. */
int srv_json_add_str(util_buf *b, const char *s, size_t n);

/* Append "key": and a JSON string (NULL: null), comma first if asked. */
int srv_json_kv_str(util_buf *b, const char *key, const char *v, int comma);

/* ---------------------------------------------------------------- screen bodies */

/* A parsed POST /v1/screen body.  Strings live in the arena given to the
** parser. */
typedef struct srv_screen_req {
    const char *purpose;
    liaison_query q;            /* name, dob, nationality, gender, first doc */
    struct {
        const char *number, *country, *type;
    } docs[SRV_MAX_DOCS];
    size_t n_docs;
    int have_mrz;
    fmt_mrz mrz;
    double threshold;           /* < 0: default */
    size_t limit;
    int partners;               /* 1: ask partners too (fed_screen.c) */
    const char *partner_ids[SRV_MAX_PARTNERS]; /* only these; none: all */
    size_t n_partner_ids;
} srv_screen_req;

/* Parse and check a screen body (DESIGN section 4).  Unknown fields, wrong
** types, bad dates, unknown countries, a missing or unknown purpose and an
** empty subject are refused with a 400 in e naming the field. */
int srv_screen_parse(const char *body, size_t len,
                     const policy_purposes *purposes,
                     const srv_json_limits *lim, util_arena *a,
                     srv_screen_req *out /* OUT */, srv_error *e);

/* ---------------------------------------------------------------- routes */

/* What a handler did with the request. */
enum srv_outcome {
    SRV_RESPOND = 0,            /* r->status and r->out hold the response */
    SRV_WAIT,                   /* suspended: resumed when the work is done */
    SRV_QUEUED,                 /* a response (streaming) is already queued */
    SRV_FAIL                    /* give up on the connection */
};

typedef enum srv_outcome (*srv_handler)(srv_req *r);

/* Route flags. */
#define SRV_PUBLIC 1u           /* no token needed (/healthz only) */
#define SRV_BODY 2u             /* takes a body up to max_body */
#define SRV_BODY_BIG 4u         /* takes a body up to max_batch_body */
#define SRV_PEER 8u             /* a partner node's signed request, not a
                                   user's token (fed.c); /peer/v1/ only */

typedef struct srv_route {
    const char *method;
    const char *path;           /* segments; "{name}" matches one segment */
    srv_handler handler;
    unsigned flags;
    policy_perm perm;           /* ignored for SRV_PUBLIC */
    const char *params;         /* allowed query parameters, ' '-separated */
} srv_route;

/* A matched route and its path parameters (borrowed from the path). */
typedef struct srv_match {
    const srv_route *route;
    int index;                  /* in the table */
    struct {
        const char *s;
        size_t len;
    } params[SRV_MAX_PARAMS];
    int n_params;
    int method_mismatch;        /* the path exists, not with this method */
} srv_match;

/* The table and its size. */
extern const srv_route srv_routes[];
extern const size_t srv_n_routes;

/* Find the route for method and path (no query string).  LIAISON_OK with
** m filled, LIAISON_ENOTFOUND (m->method_mismatch tells 405 from 404).
** Paths longer than 2048 bytes never match. */
int srv_route_find(const char *method, const char *path, size_t len,
                   srv_match *m /* OUT */);

/* The OpenAPI 3 document served at /openapi.json. */
extern const char srv_openapi_json[];

/* Handlers (h_*.c). */
enum srv_outcome srv_h_screen(srv_req *r);
enum srv_outcome srv_h_screen_batch(srv_req *r);
enum srv_outcome srv_h_records_post(srv_req *r);
enum srv_outcome srv_h_record_get(srv_req *r);
enum srv_outcome srv_h_record_put(srv_req *r);
enum srv_outcome srv_h_record_delete(srv_req *r);
enum srv_outcome srv_h_lists(srv_req *r);
enum srv_outcome srv_h_audit(srv_req *r);
enum srv_outcome srv_h_audit_verify(srv_req *r);
enum srv_outcome srv_h_users_get(srv_req *r);
enum srv_outcome srv_h_users_post(srv_req *r);
enum srv_outcome srv_h_user_delete(srv_req *r);
enum srv_outcome srv_h_healthz(srv_req *r);
enum srv_outcome srv_h_metrics(srv_req *r);
enum srv_outcome srv_h_openapi(srv_req *r);
/* Federation (h_disclosures.c, h_peer.c). */
enum srv_outcome srv_h_disclosures_post(srv_req *r);
enum srv_outcome srv_h_disclosures_get(srv_req *r);
enum srv_outcome srv_h_disclosure_get(srv_req *r);
enum srv_outcome srv_h_disclosure_approve(srv_req *r);
enum srv_outcome srv_h_disclosure_deny(srv_req *r);
enum srv_outcome srv_h_peer_screen(srv_req *r);
enum srv_outcome srv_h_peer_disclosure_post(srv_req *r);
enum srv_outcome srv_h_peer_disclosure_get(srv_req *r);
enum srv_outcome srv_h_peer_disclosure_answer(srv_req *r);

/* ---------------------------------------------------------------- engine */

/* One built engine, reference-counted.  Readers hold a reference for as
** long as they use it (a single screening, or a whole batch, so a batch
** sees one engine throughout); the last release frees it. */
typedef struct srv_slot {
    liaison_searcher *searcher;
    liaison_result res[SRV_MAX_DOCS + 1];
} srv_slot;

typedef struct srv_engine {
    liaison_engine *e;
    atomic_long refs;
    int64_t seq;                /* store change sequence it reflects */
    liaison_engine_stats st;
    double build_s;
    int n_slots;
    srv_slot *slots;            /* one per worker thread, made on first use */
    liaison_engine *pe;         /* the partners' view (POLICY_VIEW_PARTNER):
                                   NULL when federation is off */
    srv_slot *pslots;           /* its searchers, as slots */
} srv_engine;

typedef struct srv_engines {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    srv_engine *cur;
    pthread_t thread;
    int started;
    int stop;                   /* under lock */
    int kick;                   /* under lock: rebuild now */
    store *st;                  /* the refresher's handle */
    atomic_long builds, build_failures;
    char today[11];
    int fixed_today;
    int partner_view;           /* also build the partners' view */
} srv_engines;

/* Load the first engine (before serving) and start the refresher. */
int srv_engines_start(srv *s, struct liaison_err *err);
void srv_engines_stop(srv *s);
/* A reference to the current engine (never NULL once started). */
srv_engine *srv_engine_acquire(srv *s);
void srv_engine_release(srv_engine *e);
/* This thread's searcher and results for e; NULL when out of memory. */
srv_slot *srv_engine_slot(srv_engine *e, srv_tctx *t);
/* The same for the partners' view; NULL when there is none. */
srv_slot *srv_engine_pslot(srv_engine *e, srv_tctx *t);
/* Ask for a rebuild now (after a write through the API). */
void srv_engines_kick(srv *s);
/* Screen q's subject (name and first document) and each other document
** alone with sl's searcher; several results are merged by record into
** *merged (hits in r's arena), best first.  *out points at the result to
** render (sl->res[0] or merged).  h_screen.c; used by the peer route. */
int srv_screen_subject(srv_req *r, srv_slot *sl, const srv_screen_req *q,
                       const liaison_screen_opts *opts,
                       liaison_result *merged, const liaison_result **out);

/* ---------------------------------------------------------------- waiting */

/* A request waiting for background work (audit commits, lane jobs).  The
** worker suspends the connection before handing the work over; whoever
** finishes the last piece resumes it.  Only that thread writes rc/seq
** before resuming (libmicrohttpd's mutex orders them for the worker). */
typedef struct srv_waiter {
    struct MHD_Connection *conn;
    int pending;                /* pieces of work not yet done */
    int rc;                     /* first failure, 0 if none */
    int64_t first_seq, last_seq;
} srv_waiter;

/* ---------------------------------------------------------------- audit queue */

typedef struct srv_audit_item {
    struct srv_audit_item *next;
    store_audit_entry e;        /* strings borrowed from the waiter's request,
                                   or owned by the item when w is NULL */
    srv_waiter *w;              /* NULL: nobody waits; the writer frees it */
} srv_audit_item;

#define SRV_AUDIT_COMMIT_EVERY_US 500   /* group commits at most this often
                                           (auditq.c, note 2) */

typedef struct srv_auditq {
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* work arrived / stop */
    pthread_cond_t space;       /* the queue has room again */
    srv_audit_item *head, *tail;
    long len;
    int stop;                   /* the writer drains and exits */
    int sync_stop;              /* then the syncer syncs once and exits */
    pthread_cond_t tick;        /* wakes the syncer at shutdown */
    pthread_cond_t idle;        /* the entries on the way have come (note 2) */
    atomic_int coming;          /* workers in a handler, entry not queued yet */
    pthread_t thread;
    int started;
    pthread_t sync_thread;
    int sync_started;
    store *st;                  /* the writer's handle */
    store *sync_st;             /* the syncer's handle */
    int sync_full;
    atomic_ulong appended, commits, failures, sync_failures;
    atomic_ulong commit_max_us, sync_max_us, checkpoint_max_us;
    atomic_int restart_wanted;  /* the syncer asks the writer to checkpoint */
    atomic_ulong restarts;
} srv_auditq;

int srv_auditq_start(srv *s, struct liaison_err *err);
void srv_auditq_stop(srv *s);
/* Queue items (a list linked by next) whose waiter, if any, has been
** suspended and had pending set.  Never fails: if the writer has stopped,
** the items fail at once. */
void srv_auditq_push(srv *s, srv_audit_item *first, srv_audit_item *last,
                     long n);
/* Around every route handler, on the worker's thread: while a worker is
** in one and has not queued its entry, the writer may wait for it
** (auditq.c, note 2). */
void srv_auditq_enter(srv *s);
void srv_auditq_leave(srv *s);
/* Queue one entry nobody waits for (copied).  Blocks while the queue is
** full (backpressure on floods of bad tokens). */
int srv_auditq_post(srv *s, const store_audit_entry *e);

/* ---------------------------------------------------------------- lane */

typedef void (*srv_lane_fn)(srv_req *r, store *st);

typedef struct srv_lane_job {
    struct srv_lane_job *next;
    srv_req *r;
    srv_lane_fn fn;
} srv_lane_job;

#define SRV_LANE_THREADS 2

/* A lane: SRV_LANE_THREADS threads, each with its own store handle,
** running queued jobs in arrival order.  The server has one for store
** work (s->lane); federation has its own for calls to partners. */
typedef struct srv_lane {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    srv_lane_job *head, *tail;
    int stop;
    int inited;                 /* lock and cond made */
    pthread_t threads[SRV_LANE_THREADS];
    store *st[SRV_LANE_THREADS];
    int n_started;
} srv_lane;

/* Open the threads' store handles on db and start them; name says which
** lane in errors. */
int srv_lane_start(srv_lane *l, const char *db, const char *name,
                   struct liaison_err *err);
/* Drain the queue, join the threads, close their stores (nothing when the
** lane was never started). */
void srv_lane_stop(srv_lane *l);
/* Suspend r and run fn(r, store) on one of l's threads; fn fills r's
** response (r->status, r->out); the request is then resumed and sent. */
enum srv_outcome srv_lane_submit(srv_lane *l, srv_req *r, srv_lane_fn fn);
/* The same on the server's store lane. */
enum srv_outcome srv_lane_run(srv_req *r, srv_lane_fn fn);

/* ---------------------------------------------------------------- metrics */

#define SRV_METRIC_BUCKETS 14
#define SRV_METRIC_STATUSES 20

typedef struct srv_metrics {
    /* [route][status slot][bucket]; the last route is "unmatched" */
    atomic_ullong *counts;      /* route x status x (buckets + 1 (+Inf)) */
    atomic_ullong *sums_us;     /* route x status */
    size_t n_routes;
    atomic_ullong screenings, screenings_with_hits, hit_records;
    atomic_ullong auth_failures, denied;
    atomic_ullong bad_requests;
    uint64_t started_us;
} srv_metrics;

int srv_metrics_init(srv_metrics *m, size_t n_routes);
void srv_metrics_fini(srv_metrics *m);
/* Count a finished request (route -1: unmatched). */
void srv_metrics_request(srv_metrics *m, int route, int status,
                         uint64_t us);
/* Render the Prometheus text format. */
int srv_metrics_render(srv *s, util_buf *out);

/* ---------------------------------------------------------------- auth */

/* The authenticated caller of a request. */
typedef struct srv_user {
    const char *name;
    const char *agency;
    policy_role role;
} srv_user;

#define SRV_AUTH_CACHE 16

typedef struct srv_auth_entry {
    char hash[POLICY_TOKEN_HASH_MAX];
    char name[128];
    char agency[64];
    policy_role role;
    uint64_t expires_us;
    unsigned epoch;
} srv_auth_entry;

/* Check the request's Authorization header.  LIAISON_OK with r->user set,
** LIAISON_EAUTH (reason in *why, static, for the audit trail only),
** or another error when the store fails. */
int srv_auth(srv_req *r, const char **why /* OUT */);
/* Forget every cached token check (after a revocation). */
void srv_auth_invalidate(srv *s);

/* ---------------------------------------------------------------- per thread */

/* State of one worker thread, made on its first request. */
struct srv_tctx {
    srv *s;
    int index;                  /* 0.. threads-1: its engine slot */
    store *st;                  /* for token checks; opened on first use */
    srv_auth_entry auth[SRV_AUTH_CACHE];
    unsigned auth_next;
    srv_req *free_reqs;         /* finished requests kept for reuse */
    int n_free;
    srv_tctx *next;             /* in srv->tctxs */
};

srv_tctx *srv_tctx_get(srv *s);

/* ---------------------------------------------------------------- requests */

enum srv_rstate {
    RQ_BODY = 1,                /* receiving the body */
    RQ_WAIT,                    /* suspended for background work */
    RQ_READY,                   /* resumed: send r->status / r->out */
    RQ_SENT                     /* a response is queued */
};

typedef struct srv_batch srv_batch;

struct srv_req {
    srv *s;
    srv_tctx *t;
    struct MHD_Connection *conn;
    srv_match m;
    const char *method;
    const char *path;
    uint64_t t0;
    uint64_t id;
    char rid[32];               /* request id, also in X-Request-Id */
    enum srv_rstate state;
    util_arena arena;           /* everything of this request, freed at the end */
    util_buf body;
    size_t body_max;
    srv_user user;
    const char *content_type;
    int status;
    util_buf out;
    const char *out_type;       /* Content-Type of out */
    int close;                  /* Connection: close */
    int secret;                 /* out holds a token: wipe it at the end */
    srv_waiter w;
    srv_audit_item item;        /* the one entry of a single screening */
    void (*on_ready)(srv_req *r);  /* called when resumed, before sending */
    srv_engine *eng;            /* held while screening */
    srv_batch *batch;
    void *peer;                 /* a signed peer request's state (fed.c) */
    /* Adds headers to the response about to be sent (peer signatures). */
    void (*add_headers)(srv_req *r, struct MHD_Response *resp);
    int64_t out_seq;            /* sequence to report (audit or change) */
    srv_req *next_free;
};

/* Shortcuts for handlers. */
/* The value of query parameter name, or NULL. */
const char *srv_req_param(srv_req *r, const char *name);
/* A yes/no query parameter: absent or "false"/"0" is 0; present bare
** ("?atomic"), empty, "true" or "1" is 1.  LIAISON_EINVAL for anything
** else. */
int srv_req_flag(srv_req *r, const char *name, int *out);
/* Path parameter i as a NUL-terminated copy in the arena. */
const char *srv_req_path_param(srv_req *r, int i);
/* Fill the response with an error; returns SRV_RESPOND. */
enum srv_outcome srv_req_error(srv_req *r, const srv_error *e);
enum srv_outcome srv_req_fail(srv_req *r, int status, const char *code,
                              const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Map a LIAISON_E* from the store to a response. */
enum srv_outcome srv_req_store_error(srv_req *r, store *st, int rc);
/* Suspend r for background work; wake with srv_req_resume.  -1 (and
** nothing suspended) once srv_stop() has stopped taking new work. */
int srv_req_suspend(srv_req *r);
void srv_req_resume(srv_req *r);
/* A basic audit entry for this request (actor, agency from r->user). */
void srv_req_audit_entry(srv_req *r, store_audit_entry *e,
                         const char *action, const char *purpose,
                         const char *detail_json);

/* Release a request's batch state (NULL batch: no-op). */
void srv_batch_free(srv_req *r);

/* ---------------------------------------------------------------- the server */

struct srv {
    srv_config cfg;             /* strings copied */
    char *db;
    policy_purposes purposes;
    srv_json_limits lim;
    char addr[80];
    unsigned port;
    int listen_fd;
    struct MHD_Daemon *mhd;
    char *tls_cert_pem, *tls_key_pem;
    size_t tls_key_len;
    char *node_agency;
    char boot[9];               /* random hex prefix of request ids */
    atomic_ullong next_rid;
    atomic_int next_worker;
    atomic_long inflight;
    atomic_long fresh;          /* connections no request has begun on */
    atomic_long suspended;
    pthread_mutex_t slock;      /* suspensions vs. the end of shutdown */
    int no_suspend;             /* under slock */
    atomic_int stopping;
    atomic_uint auth_epoch;
    int threads;
    srv_engines eng;
    srv_auditq aq;
    srv_lane lane;
    srv_metrics m;
    pthread_mutex_t tlock;
    srv_tctx *tctxs;
    struct srv_fed *fed;        /* NULL: federation off (fed.c) */
};

/* ---------------------------------------------------------------- federation */

/* The registered peers, as one reference-counted snapshot (fed.c). */
typedef struct srv_peers {
    atomic_long refs;
    size_t n;
    fed_peer *p;
} srv_peers;

/* Start federation when cfg->fed_key names a key file (the identity, the
** partner client, the replay cache refilled from the audit trail, a
** lane for calls to partners); a no-op otherwise. */
int srv_fed_start(srv *s, struct liaison_err *err);
void srv_fed_stop(srv *s);
/* This node's identity, or NULL when federation is off. */
const fed_identity *srv_fed_identity(srv *s);
/* The peers now (a reference; release it), or NULL when federation is
** off or the store fails. */
srv_peers *srv_fed_peers(srv *s);
void srv_fed_peers_release(srv_peers *p);
/* The peer with this agency id in p, or NULL. */
const fed_peer *srv_fed_peer_find(const srv_peers *p, const char *agency);
/* The partners' deadline and this node's contact point (may be NULL). */
int srv_fed_timeout_ms(srv *s);
const char *srv_fed_contact(srv *s);
fed_client *srv_fed_client(srv *s);

/* Signed peer requests.  srv_peer_begin() runs from the headers (before
** the body): federation on, headers well-formed, timestamp fresh, agency
** a registered peer; otherwise it fills a refusal (audited) and returns
** -1.  Handlers of SRV_PEER routes start with srv_peer_verify(): the
** signature over the body, then the nonce; -1 when refused (the
** response is set).  Every response of a peer route is signed. */
int srv_peer_begin(srv_req *r);
int srv_peer_verify(srv_req *r);
/* The verified sender's agency id, and its request's nonce and time. */
const char *srv_peer_agency(srv_req *r);
const char *srv_peer_nonce(srv_req *r);
int64_t srv_peer_ts(srv_req *r);
/* Append ,"peer_nonce":..,"peer_ts":.. (the audit keys that let a restart
** refill the replay cache, nonce.c) to an audit detail being built. */
int srv_peer_audit_keys(srv_req *r, util_buf *b);
/* An audited refusal of a peer request after its signature was checked
** (a 4xx of the handler): action "peer.rejected". */
enum srv_outcome srv_peer_reject(srv_req *r, int status, const char *code,
                                 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Run fn(r, store) on the federation lane: threads that may wait on a
** partner (disclosure requests, decisions pushed back, answers fetched),
** so that the store lane never waits on the network.  As srv_lane_run. */
enum srv_outcome srv_fed_lane_run(srv_req *r, srv_lane_fn fn);

/* Metrics: count a partner call's outcome; render the federation's
** counters (nothing when federation is off). */
void srv_fed_count_call(srv *s, const fed_call *k);
int srv_fed_metrics(srv *s, util_buf *o);

/* Disclosures (h_disclosures.c), shared with h_peer.c.  The handling
** column of a decided disclosure holds its terms as JSON,
** {"codes":[handling codes],"fields":[fields released]}. */
int srv_disc_terms(const store_disclosure *d, json_t **codes /* OUT */,
                   json_t **fields /* OUT */);
/* The owner's answer for d as a partner receives it (signed by the peer
** route that sends it): {"id","status","record_id","reason","decided_at",
** "handling":[codes],"fields":[..]} and, with with_record and when
** approved, "record" (the released fields of the record as it is now) or
** "withdrawn":true when the record is gone. */
int srv_disc_answer(store *st, const store_disclosure *d, int with_record,
                    util_buf *out);
/* On the requester's side, record the owner's answer ans (a parsed
** answer) to d, pending here: decide it and audit action (detail with
** source and, for a peer route, its nonce) in one transaction.  An
** answer that is not one is LIAISON_EINVAL with *why. */
int srv_disc_apply(srv_req *r, store *st, const store_disclosure *d,
                   json_t *ans, const char *action, const char *source,
                   const char **why /* OUT */);

/* Screening with partners (fed_screen.c).  srv_fed_screen_check() runs
** before the local screening (refuses partners when federation is off or
** an agency named is not a peer); srv_fed_screen() takes over once the
** local result is rendered in r->out with its audit detail: fans out,
** merges, audits and answers. */
int srv_fed_screen_check(srv_req *r, const srv_screen_req *q, srv_error *e);
enum srv_outcome srv_fed_screen(srv_req *r, const srv_screen_req *q,
                                const char *detail);

#endif /* LIAISON_SRV_INT_H */
