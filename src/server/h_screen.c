/*
** h_screen.c: POST /v1/screen and POST /v1/screen/batch.
**
** A screening runs on the worker thread against the engine it holds a
** reference to (engine.c), through the thread's own searcher.  The
** response is rendered at once (DESIGN section 3 hit shape, by
** fmt_result_json), but released only when the screening's audit entry
** is committed (auditq.c note 1): who, agency, purpose, the query as
** asked, how many hits and which record ids.
**
** A subject with several documents is screened once with its name and
** first document, then once per further document alone; hits are merged
** by record (best score kept), best first, cut at the limit.
**
** Batches (JSONL queries as `liaison screen --batch` reads them, or a
** UN/EDIFACT PAXLST manifest) stream one result line per query with its
** query_id, then one {"summary":{..}} line.  The stream is produced in
** chunks of at most CHUNK_QUERIES queries or CHUNK_US of work, each
** audited (one entry per query) before it is sent; the whole batch is
** screened against one engine, even if a new one is swapped in meanwhile.
** A line that is not a valid query gives an error line with its line
** number and the batch goes on.
**
** With "partners", the local result, once rendered, goes to
** fed_screen.c, which asks the partners and merges their answers into
** the same response before it is audited and released.
*/
#include <string.h>
#include <strings.h>

#include "server/srv_int.h"

#define CHUNK_QUERIES 64
#define CHUNK_US 4000

/* ---------------------------------------------------------------- one query */

static int cmp_hits(const void *a, const void *b)
{
    const liaison_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

int srv_screen_subject(srv_req *r, srv_slot *sl, const srv_screen_req *q,
                       const liaison_screen_opts *opts,
                       liaison_result *merged, const liaison_result **out)
{
    size_t i, n = 0, total, k;
    liaison_hit *hits;
    int rc = liaison_screen(sl->searcher, &q->q, opts, &sl->res[0]);
    *out = &sl->res[0];
    if (rc || q->n_docs < 2)
        return rc;
    total = sl->res[0].n_hits;
    for (i = 1; i < q->n_docs; i++) {
        liaison_query dq;
        memset(&dq, 0, sizeof(dq));
        dq.doc = q->docs[i].number;
        dq.doc_country = q->docs[i].country;
        rc = liaison_screen(sl->searcher, &dq, opts, &sl->res[i]);
        if (rc)
            return rc;
        total += sl->res[i].n_hits;
    }
    hits = util_arena_alloc(&r->arena, (total ? total : 1) * sizeof(*hits));
    if (!hits)
        return LIAISON_ENOMEM;
    for (i = 0; i < q->n_docs; i++) {
        const liaison_result *res = &sl->res[i];
        for (k = 0; k < res->n_hits; k++) {
            const liaison_hit *h = &res->hits[k];
            size_t j;
            for (j = 0; j < n; j++)
                if (!strcmp(hits[j].id, h->id))
                    break;
            if (j == n)
                hits[n++] = *h;
            else if (h->score > hits[j].score)
                hits[j] = *h;
        }
    }
    qsort(hits, n, sizeof(*hits), cmp_hits);
    memset(merged, 0, sizeof(*merged));
    merged->hits = hits;
    merged->n_hits = n < opts->limit ? n : opts->limit;
    merged->took_us = sl->res[0].took_us;
    for (i = 1; i < q->n_docs; i++)
        merged->took_us += sl->res[i].took_us;
    *out = merged;
    return LIAISON_OK;
}

/* The query as asked, for the audit trail. */
static int query_json(util_buf *b, const srv_screen_req *q)
{
    const liaison_query *x = &q->q;
    size_t i;
    int rc = util_buf_addc(b, '{'), first = 1;
#define KV(k, v)                                                          \
    if (!rc && (v)) {                                                     \
        rc = srv_json_kv_str(b, k, v, !first);                            \
        first = 0;                                                        \
    }
    KV("name", x->name);
    KV("dob", x->dob);
    KV("nationality", x->nationality);
    KV("gender", x->gender);
    KV("vin", x->vin);
    KV("plate", x->plate);
    KV("plate_country", x->plate_country);
#undef KV
    if (!rc && q->n_docs) {
        rc = util_buf_printf(b, "%s\"documents\":[", first ? "" : ",");
        first = 0;
        for (i = 0; i < q->n_docs && !rc; i++) {
            rc = util_buf_adds(b, i ? ",{" : "{");
            if (!rc)
                rc = srv_json_kv_str(b, "number", q->docs[i].number, 0);
            if (!rc && q->docs[i].country)
                rc = srv_json_kv_str(b, "country", q->docs[i].country, 1);
            if (!rc && q->docs[i].type)
                rc = srv_json_kv_str(b, "type", q->docs[i].type, 1);
            if (!rc)
                rc = util_buf_addc(b, '}');
        }
        if (!rc)
            rc = util_buf_addc(b, ']');
    }
    if (!rc && q->have_mrz)
        rc = util_buf_printf(b, "%s\"mrz\":true", first ? "" : ",");
    if (!rc)
        rc = util_buf_addc(b, '}');
    return rc;
}

/* The audit detail of one screening. */
static int detail_json(util_buf *b, srv_req *r, const srv_screen_req *q,
                       const liaison_result *res, const char *batch_qid,
                       long line)
{
    size_t i;
    int rc = util_buf_adds(b, "{\"request\":");
    if (!rc)
        rc = util_buf_add_json_str(b, r->rid, strlen(r->rid));
    if (!rc && batch_qid)
        rc = srv_json_kv_str(b, "query_id", batch_qid, 1);
    if (!rc && line > 0)
        rc = util_buf_printf(b, ",\"line\":%ld", line);
    if (!rc)
        rc = util_buf_adds(b, ",\"query\":");
    if (!rc)
        rc = query_json(b, q);
    if (!rc)
        rc = util_buf_printf(b, ",\"hits\":%zu,\"records\":[", res->n_hits);
    for (i = 0; i < res->n_hits && !rc; i++) {
        if (i)
            rc = util_buf_addc(b, ',');
        if (!rc)
            rc = srv_json_add_str(b, res->hits[i].id,
                                  strlen(res->hits[i].id));
    }
    if (!rc)
        rc = util_buf_adds(b, "]}");
    return rc;
}

static void count(srv *s, const liaison_result *res)
{
    atomic_fetch_add_explicit(&s->m.screenings, 1, memory_order_relaxed);
    if (res->n_hits) {
        atomic_fetch_add_explicit(&s->m.screenings_with_hits, 1,
                                  memory_order_relaxed);
        atomic_fetch_add_explicit(&s->m.hit_records, res->n_hits,
                                  memory_order_relaxed);
    }
}

/* A searcher for this thread, or a temporary one (kept in tmp). */
static srv_slot *get_slot(srv_req *r, srv_engine *e, srv_slot *tmp)
{
    srv_slot *sl = srv_engine_slot(e, r->t);
    if (sl)
        return sl;
    memset(tmp, 0, sizeof(*tmp));
    if (liaison_searcher_new(e->e, &tmp->searcher))
        return NULL;
    return tmp;
}

static void put_slot(srv_slot *sl, srv_slot *tmp)
{
    int k;
    if (sl != tmp)
        return;
    for (k = 0; k < SRV_MAX_DOCS + 1; k++)
        liaison_result_fini(&tmp->res[k]);
    liaison_searcher_free(tmp->searcher);
}

static enum srv_outcome screen_error(srv_req *r, int rc)
{
    if (rc == LIAISON_EUTF8)
        return srv_req_fail(r, 400, "invalid_utf8",
                            "the query is not valid UTF-8");
    if (rc == LIAISON_EINVAL)
        return srv_req_fail(r, 400, "bad_value",
                            "the engine refused the query (check the dates)");
    if (rc == LIAISON_ENOMEM)
        return srv_req_fail(r, 500, "internal", "out of memory");
    return srv_req_fail(r, 500, "internal", "screening failed: %s",
                        liaison_strerror(rc));
}

/* Resumed after the audit writer: send the result, or withhold it. */
static void screen_ready(srv_req *r)
{
    if (r->w.rc) {
        srv_req_fail(r, 503, "audit_unavailable",
                     "the audit trail could not be written; the result is "
                     "withheld");
        return;
    }
    /* out ends with '}': add the audit entry's number. */
    r->out.len--;
    if (util_buf_printf(&r->out, ",\"audit_seq\":%lld}",
                        (long long)r->w.first_seq))
        srv_req_fail(r, 500, "internal", "out of memory");
}

enum srv_outcome srv_h_screen(srv_req *r)
{
    srv *s = r->s;
    srv_screen_req *q = util_arena_alloc(&r->arena, sizeof(*q));
    liaison_screen_opts opts;
    liaison_result merged;
    const liaison_result *res = NULL;
    srv_slot tmp, *sl;
    srv_error e;
    util_buf d;
    char *detail;
    int rc;

    if (!q)
        return srv_req_fail(r, 500, "internal", "out of memory");
    if (srv_screen_parse(r->body.len ? r->body.p : "", r->body.len,
                         &s->purposes, &s->lim, &r->arena, q, &e) ||
        (q->partners && srv_fed_screen_check(r, q, &e)))
        return srv_req_error(r, &e);
    memset(&opts, 0, sizeof(opts));
    opts.threshold = q->threshold;
    opts.limit = q->limit;
    opts.want_why = 1;
    r->eng = srv_engine_acquire(s);
    sl = get_slot(r, r->eng, &tmp);
    if (!sl)
        return srv_req_fail(r, 500, "internal", "out of memory");
    rc = srv_screen_subject(r, sl, q, &opts, &merged, &res);
    util_buf_init(&d, (size_t)4 << 20);
    if (!rc)
        rc = fmt_result_json(&r->out, NULL, &q->q, res);
    if (!rc && q->have_mrz) {
        r->out.len--;
        rc = util_buf_adds(&r->out, ",\"mrz\":");
        if (!rc)
            rc = fmt_mrz_to_json(&q->mrz, &r->out);
        if (!rc)
            rc = util_buf_addc(&r->out, '}');
    }
    if (!rc) {
        r->out.len--;
        rc = srv_json_kv_str(&r->out, "purpose", q->purpose, 1);
        if (!rc)
            rc = util_buf_addc(&r->out, '}');
    }
    if (!rc)
        rc = detail_json(&d, r, q, res, NULL, 0);
    if (!rc)
        count(s, res);
    put_slot(sl, &tmp);
    srv_engine_release(r->eng);     /* hits are rendered: done with it */
    r->eng = NULL;
    detail = rc ? NULL : util_arena_strndup(&r->arena, d.p, d.len);
    util_buf_fini(&d);
    if (rc || !detail) {
        util_buf_reset(&r->out);
        return screen_error(r, rc ? rc : LIAISON_ENOMEM);
    }
    r->status = 200;
    r->out_type = "application/json";
    if (q->partners)            /* fan out, merge, audit: fed_screen.c */
        return srv_fed_screen(r, q, detail);
    srv_req_audit_entry(r, &r->item.e, "screen", q->purpose, detail);
    r->item.w = &r->w;
    r->item.next = NULL;
    r->w.conn = r->conn;
    r->w.pending = 1;
    r->on_ready = screen_ready;
    if (srv_req_suspend(r)) {
        r->on_ready = NULL;
        util_buf_reset(&r->out);
        r->close = 1;
        return srv_req_fail(r, 503, "shutting_down", "the server is "
                            "stopping");
    }
    srv_auditq_push(s, &r->item, &r->item, 1);
    return SRV_WAIT;
}

/* ---------------------------------------------------------------- batch */

struct srv_batch {
    int paxlst;
    fmt_paxlst *pax;
    size_t next_trav;
    const char *p, *end;        /* JSONL cursor in the body */
    long line;
    fmt_query fq;
    srv_screen_req sq;
    liaison_screen_opts opts;
    const char *purpose;
    util_buf chunk;             /* result lines of the current chunk */
    size_t off;                 /* bytes of chunk already sent */
    util_buf details;           /* the chunk's audit details, NUL-separated */
    size_t *detail_off;
    srv_audit_item *items;
    size_t n_items;
    long queries, with_hits, errors;
    int waiting, finished, failed, summary;
};

#define B_ITEMS CHUNK_QUERIES

void srv_batch_free(srv_req *r)
{
    srv_batch *b = r->batch;
    if (!b)
        return;
    fmt_paxlst_free(b->pax);
    fmt_query_fini(&b->fq);
    util_buf_fini(&b->chunk);
    util_buf_fini(&b->details);
    util_free(b->detail_off);
    util_free(b->items);
    util_free(b);
    r->batch = NULL;
}

static int error_line(srv_batch *b, const char *qid, long line,
                      const char *code, const char *msg)
{
    int rc = util_buf_addc(&b->chunk, '{');
    if (!rc && qid)
        rc = srv_json_kv_str(&b->chunk, "query_id", qid, 0);
    if (!rc)
        rc = util_buf_printf(&b->chunk, "%s\"line\":%ld,\"error\":{\"code\":"
                             "\"%s\",\"message\":", qid ? "," : "", line,
                             code);
    if (!rc)
        rc = srv_json_add_str(&b->chunk, msg, strlen(msg));
    if (!rc)
        rc = util_buf_adds(&b->chunk, "}}\n");
    b->errors++;
    return rc;
}

/* Manifest context of a traveller, appended to its result line. */
static int pax_extra(util_buf *o, const fmt_paxlst *m,
                     const fmt_paxlst_traveller *t)
{
    const fmt_paxlst_leg *f = m->flight;
    int rc = util_buf_adds(o, ",\"flight\":{");
    if (!rc && f) {
        const char *k[] = {"carrier", "number", "from", "departs", "to",
                           "arrives"};
        const char *v[] = {f->carrier, f->flight_number, f->dep_airport,
                           f->dep_time, f->arr_airport, f->arr_time};
        size_t j;
        int first = 1;
        for (j = 0; j < 6 && !rc; j++) {
            if (!v[j])
                continue;
            rc = srv_json_kv_str(o, k[j], v[j], !first);
            first = 0;
        }
    }
    if (!rc)
        rc = util_buf_printf(o, "},\"traveller\":{\"index\":%zu,\"role\":"
                             "\"%s\"", t->index,
                             t->role == FMT_PAX_CREW ? "crew"
                             : t->role == FMT_PAX_PASSENGER ? "passenger"
                                                            : "other");
    if (!rc && t->reference)
        rc = srv_json_kv_str(o, "reference", t->reference, 1);
    if (!rc)
        rc = util_buf_addc(o, '}');
    return rc;
}

/* Screen one query of the batch into the chunk and queue its audit. */
static int batch_query(srv_req *r, srv_slot *sl, const liaison_query *lq,
                       const char *qid, long line, const fmt_paxlst_traveller *t)
{
    srv_batch *b = r->batch;
    srv_screen_req *q = &b->sq;
    const liaison_result *res = NULL;
    liaison_result merged;
    size_t start;
    int rc;
    memset(q, 0, sizeof(*q));
    q->q = *lq;
    q->purpose = b->purpose;
    if (lq->doc) {
        q->docs[0].number = lq->doc;
        q->docs[0].country = lq->doc_country;
        q->n_docs = 1;
    }
    rc = srv_screen_subject(r, sl, q, &b->opts, &merged, &res);
    if (rc == LIAISON_EINVAL || rc == LIAISON_EUTF8)
        return error_line(b, qid, line, "bad_query",
                          rc == LIAISON_EUTF8 ? "the query is not valid "
                                                "UTF-8"
                                              : "the engine refused the query");
    if (rc)
        return rc;
    start = b->chunk.len;
    rc = fmt_result_json(&b->chunk, qid, lq, res);
    if (!rc && t) {
        b->chunk.len--;
        rc = pax_extra(&b->chunk, b->pax, t);
        if (!rc)
            rc = util_buf_addc(&b->chunk, '}');
    }
    if (!rc)
        rc = util_buf_addc(&b->chunk, '\n');
    if (!rc) {
        b->detail_off[b->n_items] = b->details.len;
        rc = detail_json(&b->details, r, q, res, qid, line);
        if (!rc)
            rc = util_buf_addc(&b->details, '\0');
    }
    if (rc) {
        b->chunk.len = start;
        return rc;
    }
    b->n_items++;
    b->queries++;
    if (res->n_hits)
        b->with_hits++;
    count(r->s, res);
    return LIAISON_OK;
}

/* The next JSONL line with content, or 0 at the end. */
static int next_line(srv_batch *b, const char **s, size_t *n)
{
    while (b->p < b->end) {
        const char *nl = memchr(b->p, '\n', (size_t)(b->end - b->p));
        const char *e = nl ? nl : b->end, *x = b->p;
        b->p = nl ? nl + 1 : b->end;
        b->line++;
        if (b->line == 1 && e - x >= 3 && !memcmp(x, "\xEF\xBB\xBF", 3))
            x += 3;
        while (x < e && (*x == ' ' || *x == '\t'))
            x++;
        while (e > x && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > x) {
            *s = x;
            *n = (size_t)(e - x);
            return 1;
        }
    }
    return 0;
}

/* Fill the chunk with the next queries' results; queue their audit. */
static int batch_produce(srv_req *r)
{
    srv_batch *b = r->batch;
    srv_slot tmp, *sl = get_slot(r, r->eng, &tmp);
    uint64_t t0 = util_now_us();
    int rc = LIAISON_OK;
    util_buf_reset(&b->chunk);
    util_buf_reset(&b->details);
    b->off = 0;
    b->n_items = 0;
    if (!sl)
        return LIAISON_ENOMEM;
    while (!rc && b->n_items < B_ITEMS && util_now_us() - t0 < CHUNK_US) {
        if (b->paxlst) {
            const fmt_paxlst_traveller *t;
            liaison_query lq;
            char id[32];
            if (b->next_trav >= b->pax->n_travellers) {
                b->finished = 1;
                break;
            }
            t = &b->pax->travellers[b->next_trav++];
            fmt_paxlst_query(t, &lq);
            snprintf(id, sizeof(id), "%zu", t->index);
            rc = batch_query(r, sl, &lq, t->reference ? t->reference : id,
                             (long)t->segment, t);
        } else {
            const char *s;
            size_t n;
            struct liaison_err err;
            srv_error e;
            if (!next_line(b, &s, &n)) {
                b->finished = 1;
                break;
            }
            memset(&err, 0, sizeof(err));
            if (srv_json_scan(s, n, &r->s->lim, 0, &e)) {
                rc = error_line(b, NULL, b->line, e.code, e.msg);
                continue;
            }
            if (fmt_query_from_json(&b->fq, s, n, &err)) {
                rc = error_line(b, NULL, b->line, "bad_query", err.msg);
                continue;
            }
            rc = batch_query(r, sl, &b->fq.q, b->fq.id, b->line, NULL);
        }
    }
    put_slot(sl, &tmp);
    return rc;
}

static int batch_summary(srv_batch *b)
{
    return util_buf_printf(&b->chunk, "{\"summary\":{\"queries\":%ld,"
                           "\"with_hits\":%ld,\"errors\":%ld}}\n", b->queries,
                           b->with_hits, b->errors);
}

static ssize_t batch_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    srv_req *r = cls;
    srv_batch *b = r->batch;
    size_t i;
    (void)pos;
    if (b->waiting) {
        b->waiting = 0;
        if (r->w.rc) {
            /* Audit failed: withhold this chunk, say why, stop. */
            srv_error e;
            srv_error_set(&e, 503, "audit_unavailable",
                          "the audit trail could not be written; results "
                          "from here on are withheld");
            util_buf_reset(&b->chunk);
            b->off = 0;
            if (srv_json_error(&b->chunk, &e) ||
                util_buf_addc(&b->chunk, '\n'))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            b->failed = 1;
        }
    }
    if (b->off < b->chunk.len) {
        size_t n = UTIL_MIN(max, b->chunk.len - b->off);
        memcpy(buf, b->chunk.p + b->off, n);
        b->off += n;
        return (ssize_t)n;
    }
    if (b->failed || b->summary)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (b->finished) {
        util_buf_reset(&b->chunk);
        b->off = 0;
        b->summary = 1;
        if (batch_summary(b))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        return batch_read(cls, pos, buf, max);
    }
    if (batch_produce(r))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (b->n_items == 0)
        return batch_read(cls, pos, buf, max);
    for (i = 0; i < b->n_items; i++) {
        srv_audit_item *it = &b->items[i];
        srv_req_audit_entry(r, &it->e, "screen", b->purpose,
                            b->details.p + b->detail_off[i]);
        it->w = &r->w;
        it->next = i + 1 < b->n_items ? &b->items[i + 1] : NULL;
    }
    r->w.conn = r->conn;
    r->w.rc = 0;
    r->w.first_seq = r->w.last_seq = 0;
    r->w.pending = (int)b->n_items;
    if (srv_req_suspend(r)) {
        /* Stopping: these results were not audited, so they stay here. */
        srv_error e;
        srv_error_set(&e, 503, "shutting_down", "the server is stopping; "
                      "the batch ends here");
        util_buf_reset(&b->chunk);
        b->off = 0;
        b->failed = 1;
        if (srv_json_error(&b->chunk, &e) || util_buf_addc(&b->chunk, '\n'))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        return batch_read(cls, pos, buf, max);
    }
    b->waiting = 1;
    srv_auditq_push(r->s, &b->items[0], &b->items[b->n_items - 1],
                    (long)b->n_items);
    return 0;
}

static int wants_paxlst(srv_req *r, const char *format, srv_error *e)
{
    if (format) {
        if (!strcmp(format, "paxlst") || !strcmp(format, "edifact"))
            return 1;
        if (!strcmp(format, "jsonl"))
            return 0;
        srv_error_set(e, 400, "bad_parameter", "format must be jsonl or "
                      "paxlst");
        return -1;
    }
    return r->content_type &&
           !strncasecmp(r->content_type, "application/edifact", 19);
}

enum srv_outcome srv_h_screen_batch(srv_req *r)
{
    srv *s = r->s;
    const char *purpose = srv_req_param(r, "purpose");
    const char *th = srv_req_param(r, "threshold");
    const char *lim = srv_req_param(r, "limit");
    struct MHD_Response *resp;
    srv_batch *b;
    srv_error e;
    int pax;

    if (!purpose || !*purpose)
        return srv_req_fail(r, 400, "purpose_required",
                            "every screening names a purpose: add "
                            "?purpose=border-check (or another configured "
                            "purpose)");
    if (!policy_purpose_allowed(&s->purposes, purpose, strlen(purpose)))
        return srv_req_fail(r, 400, "unknown_purpose",
                            "purpose \"%.48s\" is not one of the purposes "
                            "configured on this node", purpose);
    pax = wants_paxlst(r, srv_req_param(r, "format"), &e);
    if (pax < 0)
        return srv_req_error(r, &e);
    b = util_calloc(1, sizeof(*b));
    if (!b)
        return srv_req_fail(r, 500, "internal", "out of memory");
    r->batch = b;
    b->purpose = util_arena_strdup(&r->arena, purpose);
    b->paxlst = pax;
    b->opts.threshold = -1;
    b->opts.limit = 10;
    b->opts.want_why = 1;
    fmt_query_init(&b->fq);
    util_buf_init(&b->chunk, (size_t)64 << 20);
    util_buf_init(&b->details, (size_t)64 << 20);
    b->detail_off = util_calloc(B_ITEMS, sizeof(size_t));
    b->items = util_calloc(B_ITEMS, sizeof(srv_audit_item));
    if (!b->purpose || !b->detail_off || !b->items)
        return srv_req_fail(r, 500, "internal", "out of memory");
    if (th && (util_parse_double(th, &b->opts.threshold) ||
               !(b->opts.threshold >= 0 && b->opts.threshold <= 1)))
        return srv_req_fail(r, 400, "bad_parameter",
                            "threshold must be a number from 0 to 1");
    if (lim) {
        long l;
        if (util_parse_long(lim, 1, 100, &l))
            return srv_req_fail(r, 400, "bad_parameter",
                                "limit must be a whole number from 1 to 100");
        b->opts.limit = (size_t)l;
    }
    if (r->body.len == 0)
        return srv_req_fail(r, 400, "empty_query", "the body holds no "
                            "queries");
    if (pax) {
        struct liaison_err err;
        fmt_paxlst_opts po;
        memset(&err, 0, sizeof(err));
        memset(&po, 0, sizeof(po));
        po.lenient = 1;
        po.max_bytes = s->cfg.max_batch_body;
        if (fmt_paxlst_parse(r->body.p, r->body.len, &po, &b->pax, &err))
            return srv_req_fail(r, err.code == LIAISON_ETOOBIG ? 413 : 400,
                                err.code == LIAISON_ETOOBIG ? "body_too_large"
                                                            : "bad_paxlst",
                                "segment %ld: %s", err.line, err.msg);
    } else {
        b->p = r->body.p;
        b->end = r->body.p + r->body.len;
    }
    r->eng = srv_engine_acquire(s);
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                             batch_read, r, NULL);
    if (!resp)
        return srv_req_fail(r, 500, "internal", "out of memory");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/x-ndjson");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    r->status = 200;
    if (MHD_queue_response(r->conn, MHD_HTTP_OK, resp) != MHD_YES) {
        MHD_destroy_response(resp);
        return SRV_FAIL;
    }
    MHD_destroy_response(resp);
    return SRV_QUEUED;
}
