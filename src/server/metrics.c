/*
** metrics.c: counters for GET /metrics, in the Prometheus text format
** (version 0.0.4):
**
**   liaison_http_requests_total{route,method,status}
**   liaison_http_request_duration_seconds{route,method,status} (histogram)
**   liaison_screenings_total, liaison_screenings_with_hits_total,
**   liaison_screening_hit_records_total, liaison_auth_failures_total,
**   liaison_access_denied_total, liaison_index_records/_names/_tokens/
**   _documents/_bytes/_seq, liaison_index_builds_total, ...
**
** Counters are relaxed atomics: a scrape may see one request's count
** without its latency, never a torn number.  The histogram keeps one
** count per bucket and is made cumulative when rendered.
*/
#include <string.h>

#include "server/srv_int.h"

static const double bucket_s[SRV_METRIC_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

static const int statuses[SRV_METRIC_STATUSES - 1] = {
    200, 201, 204, 400, 401, 403, 404, 405, 408, 409,
    413, 415, 422, 429, 431, 500, 501, 503, 504};

#define NB (SRV_METRIC_BUCKETS + 1)

static size_t status_slot(int status)
{
    size_t i;
    for (i = 0; i < SRV_METRIC_STATUSES - 1; i++)
        if (statuses[i] == status)
            return i;
    return SRV_METRIC_STATUSES - 1;     /* other */
}

int srv_metrics_init(srv_metrics *m, size_t n_routes)
{
    size_t cells = (n_routes + 1) * SRV_METRIC_STATUSES;
    size_t i;
    memset(m, 0, sizeof(*m));
    m->n_routes = n_routes + 1;         /* + unmatched */
    m->counts = util_calloc(cells * NB, sizeof(*m->counts));
    m->sums_us = util_calloc(cells, sizeof(*m->sums_us));
    if (!m->counts || !m->sums_us) {
        srv_metrics_fini(m);
        return LIAISON_ENOMEM;
    }
    for (i = 0; i < cells * NB; i++)
        atomic_init(&m->counts[i], 0);
    for (i = 0; i < cells; i++)
        atomic_init(&m->sums_us[i], 0);
    m->started_us = util_now_us();
    return LIAISON_OK;
}

void srv_metrics_fini(srv_metrics *m)
{
    util_free(m->counts);
    util_free(m->sums_us);
    m->counts = NULL;
    m->sums_us = NULL;
}

void srv_metrics_request(srv_metrics *m, int route, int status, uint64_t us)
{
    size_t r = route < 0 || (size_t)route >= m->n_routes - 1
                   ? m->n_routes - 1 : (size_t)route;
    size_t cell = r * SRV_METRIC_STATUSES + status_slot(status), b;
    double s = (double)us / 1e6;
    if (!m->counts)
        return;
    for (b = 0; b < SRV_METRIC_BUCKETS; b++)
        if (s <= bucket_s[b])
            break;
    atomic_fetch_add_explicit(&m->counts[cell * NB + b], 1,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sums_us[cell], us, memory_order_relaxed);
}

static int labels(util_buf *o, size_t r, size_t st)
{
    const char *path = r < srv_n_routes ? srv_routes[r].path : "unmatched";
    const char *method = r < srv_n_routes ? srv_routes[r].method : "";
    if (st < SRV_METRIC_STATUSES - 1)
        return util_buf_printf(o, "route=\"%s\",method=\"%s\",status=\"%d\"",
                               path, method, statuses[st]);
    return util_buf_printf(o, "route=\"%s\",method=\"%s\",status=\"other\"",
                           path, method);
}

static int render_http(srv_metrics *m, util_buf *o)
{
    size_t r, st, b;
    int rc = util_buf_adds(o,
        "# HELP liaison_http_requests_total HTTP requests answered, by route "
        "and status.\n# TYPE liaison_http_requests_total counter\n");
    for (r = 0; r < m->n_routes && !rc; r++)
        for (st = 0; st < SRV_METRIC_STATUSES && !rc; st++) {
            size_t cell = r * SRV_METRIC_STATUSES + st;
            unsigned long long n = 0;
            for (b = 0; b < NB; b++)
                n += atomic_load_explicit(&m->counts[cell * NB + b],
                                          memory_order_relaxed);
            if (!n)
                continue;
            rc = util_buf_adds(o, "liaison_http_requests_total{");
            if (!rc)
                rc = labels(o, r, st);
            if (!rc)
                rc = util_buf_printf(o, "} %llu\n", n);
        }
    if (!rc)
        rc = util_buf_adds(o,
            "# HELP liaison_http_request_duration_seconds Time from the "
            "request's headers to the end of its response.\n"
            "# TYPE liaison_http_request_duration_seconds histogram\n");
    for (r = 0; r < m->n_routes && !rc; r++)
        for (st = 0; st < SRV_METRIC_STATUSES && !rc; st++) {
            size_t cell = r * SRV_METRIC_STATUSES + st;
            unsigned long long cum = 0, c[NB];
            for (b = 0; b < NB; b++) {
                c[b] = atomic_load_explicit(&m->counts[cell * NB + b],
                                            memory_order_relaxed);
                cum += c[b];
            }
            if (!cum)
                continue;
            cum = 0;
            for (b = 0; b < NB && !rc; b++) {
                cum += c[b];
                rc = util_buf_adds(o, "liaison_http_request_duration_seconds"
                                      "_bucket{");
                if (!rc)
                    rc = labels(o, r, st);
                if (!rc && b < SRV_METRIC_BUCKETS)
                    rc = util_buf_printf(o, ",le=\"%g\"} %llu\n",
                                         bucket_s[b], cum);
                else if (!rc)
                    rc = util_buf_printf(o, ",le=\"+Inf\"} %llu\n", cum);
            }
            if (!rc)
                rc = util_buf_adds(o, "liaison_http_request_duration_seconds"
                                      "_sum{");
            if (!rc)
                rc = labels(o, r, st);
            if (!rc)
                rc = util_buf_printf(o, "} %.6f\n",
                    (double)atomic_load_explicit(&m->sums_us[cell],
                                                 memory_order_relaxed) / 1e6);
            if (!rc)
                rc = util_buf_adds(o, "liaison_http_request_duration_seconds"
                                      "_count{");
            if (!rc)
                rc = labels(o, r, st);
            if (!rc)
                rc = util_buf_printf(o, "} %llu\n", cum);
        }
    return rc;
}

static int one(util_buf *o, const char *name, const char *type,
               const char *help, double v)
{
    return util_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name,
                           help, name, type, name, v);
}

#define LOAD(x) ((double)atomic_load_explicit(&(x), memory_order_relaxed))

int srv_metrics_render(srv *s, util_buf *o)
{
    srv_metrics *m = &s->m;
    srv_engine *e = srv_engine_acquire(s);
    long qlen;
    int rc = render_http(m, o);
    pthread_mutex_lock(&s->aq.lock);
    qlen = s->aq.len;
    pthread_mutex_unlock(&s->aq.lock);
    if (!rc)
        rc = one(o, "liaison_screenings_total", "counter",
                 "Queries screened (single and batch).", LOAD(m->screenings));
    if (!rc)
        rc = one(o, "liaison_screenings_with_hits_total", "counter",
                 "Queries screened that had at least one hit.",
                 LOAD(m->screenings_with_hits));
    if (!rc)
        rc = one(o, "liaison_screening_hit_records_total", "counter",
                 "Hits returned (records).", LOAD(m->hit_records));
    if (!rc)
        rc = one(o, "liaison_auth_failures_total", "counter",
                 "Requests refused for a missing or invalid token.",
                 LOAD(m->auth_failures));
    if (!rc)
        rc = one(o, "liaison_access_denied_total", "counter",
                 "Requests refused because the role lacks the permission.",
                 LOAD(m->denied));
    if (!rc)
        rc = one(o, "liaison_index_records", "gauge",
                 "Records in the index being served.", (double)e->st.records);
    if (!rc)
        rc = one(o, "liaison_index_names", "gauge", "Names indexed.",
                 (double)e->st.names);
    if (!rc)
        rc = one(o, "liaison_index_tokens", "gauge",
                 "Distinct name parts indexed.", (double)e->st.tokens);
    if (!rc)
        rc = one(o, "liaison_index_documents", "gauge",
                 "Document numbers indexed.", (double)e->st.documents);
    if (!rc)
        rc = one(o, "liaison_index_bytes", "gauge",
                 "Heap bytes held by the index.", (double)e->st.bytes);
    if (!rc)
        rc = one(o, "liaison_index_seq", "gauge",
                 "Store change sequence the index reflects.", (double)e->seq);
    if (!rc)
        rc = one(o, "liaison_index_build_seconds", "gauge",
                 "Time the last index build took.", e->build_s);
    if (!rc)
        rc = one(o, "liaison_index_builds_total", "counter",
                 "Index builds (the first one included).",
                 LOAD(s->eng.builds));
    if (!rc)
        rc = one(o, "liaison_index_build_failures_total", "counter",
                 "Index builds that failed (the old index stayed).",
                 LOAD(s->eng.build_failures));
    if (!rc)
        rc = one(o, "liaison_audit_entries_total", "counter",
                 "Audit entries appended by this server.",
                 LOAD(s->aq.appended));
    if (!rc)
        rc = one(o, "liaison_audit_commits_total", "counter",
                 "Group commits of audit entries.", LOAD(s->aq.commits));
    if (!rc)
        rc = one(o, "liaison_audit_failures_total", "counter",
                 "Audit entries that could not be written (their requests "
                 "were refused).", LOAD(s->aq.failures));
    if (!rc)
        rc = one(o, "liaison_audit_sync_failures_total", "counter",
                 "Deferred fsyncs of the audit log that failed (--sync "
                 "normal); each is retried.", LOAD(s->aq.sync_failures));
    if (!rc)
        rc = one(o, "liaison_audit_commit_max_seconds", "gauge",
                 "Longest group commit of audit entries so far.",
                 LOAD(s->aq.commit_max_us) / 1e6);
    if (!rc)
        rc = one(o, "liaison_audit_sync_max_seconds", "gauge",
                 "Longest deferred fsync of the audit log so far.",
                 LOAD(s->aq.sync_max_us) / 1e6);
    if (!rc)
        rc = one(o, "liaison_audit_checkpoint_max_seconds", "gauge",
                 "Longest checkpoint by the audit writer (to restart the "
                 "log) so far.", LOAD(s->aq.checkpoint_max_us) / 1e6);
    if (!rc)
        rc = one(o, "liaison_audit_log_restarts_total", "counter",
                 "Checkpoints run by the audit writer to restart the log.",
                 LOAD(s->aq.restarts));
    if (!rc)
        rc = one(o, "liaison_audit_queue_length", "gauge",
                 "Audit entries waiting to be written.", (double)qlen);
    if (!rc)
        rc = one(o, "liaison_http_requests_in_flight", "gauge",
                 "Requests being handled.", LOAD(s->inflight));
    if (!rc)
        rc = one(o, "liaison_uptime_seconds", "gauge",
                 "Seconds since the server started.",
                 (double)(util_now_us() - m->started_us) / 1e6);
    if (!rc)
        rc = srv_fed_metrics(s, o);     /* federation (fed.c) */
    srv_engine_release(e);
    return rc;
}
