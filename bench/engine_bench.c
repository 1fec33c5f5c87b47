/*
** engine_bench.c: the in-process speed benchmark of the screening engine.
**
** Loads a native JSONL watchlist into an engine through the public API
** (liaison_engine_new/add/build), reports how long that took and how much
** memory the index holds, then screens a JSONL query stream: once on one
** thread, then on N threads each with its own liaison_searcher over the
** one shared engine.  Every query is timed on its own (clock_gettime);
** the timed loops do no I/O and no allocation of their own: queries are
** parsed before, hits are copied into arrays sized before, and the hits
** file is written after.
**
** usage: engine_bench --watchlist FILE [--queries FILE] [--threads N]
**                     [--threshold T] [--limit K] [--warmup N] [--loops L]
**                     [--build-threads N] [--out FILE.json]
**                     [--hits FILE.jsonl]
**        engine_bench --default-threshold
**
** Output (--out, default stdout): one JSON object, see bench/README.md.
** --hits writes {"query_id","hits":[{"id","score"}],"lat_us"} per query
** from the single-thread pass, the input of eval/score.py.
** --loops L repeats the single-thread pass L times (for perf record);
** latencies are those of every pass.
*/
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "liaison.h"
#include "formats/formats.h"
#include "util/util.h"

typedef struct bopts {
    const char *watchlist, *queries, *out, *hits;
    int threads;
    unsigned build_threads;     /* liaison_engine_opts; 0: every core */
    double threshold;
    size_t limit;
    long warmup, loops;
} bopts;

/* Hits of one query, copied out of the result in the timed loop. */
typedef struct qhits {
    uint32_t n;
    const char **ids;           /* borrowed from the engine */
    float *scores;
} qhits;

typedef struct qset {
    fmt_query *q;
    size_t n;
    size_t with_dob;
} qset;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Resident set size now, in KiB (0 when /proc is not there). */
static long rss_kb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "engine_bench: %s: %s\n", what, msg);
    exit(2);
}

/* ---------------------------------------------------------------- load */

typedef struct load_stats {
    double parse_s, add_s, finish_s;
    long bad;
} load_stats;

static liaison_engine *load(const char *path, unsigned build_threads,
                            load_stats *ls)
{
    FILE *f = fopen(path, "r");
    liaison_engine *e = NULL;
    liaison_engine_opts eo;
    struct liaison_err err;
    fmt_record r;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    uint64_t t0, t1, t2;
    if (!f)
        die(path, strerror(errno));
    memset(&err, 0, sizeof(err));
    memset(&eo, 0, sizeof(eo));
    eo.build_threads = build_threads;
    if (liaison_engine_new(&eo, &e, &err))
        die("liaison_engine_new", err.msg);
    fmt_record_init(&r);
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (len == 1)
            continue;
        t0 = now_ns();
        if (fmt_record_from_json(&r, line, (size_t)len - 1, NULL, &err)) {
            fprintf(stderr, "engine_bench: %s line %ld: %s\n", path, lineno,
                    err.msg);
            ls->bad++;
            continue;
        }
        t1 = now_ns();
        if (liaison_engine_add(e, &r.rec))
            ls->bad++;
        t2 = now_ns();
        ls->parse_s += (double)(t1 - t0) / 1e9;
        ls->add_s += (double)(t2 - t1) / 1e9;
    }
    free(line);
    fclose(f);
    fmt_record_fini(&r);
    t0 = now_ns();
    if (liaison_engine_build(e))
        die("liaison_engine_build", "failed");
    ls->finish_s = (double)(now_ns() - t0) / 1e9;
    return e;
}

static void read_queries(const char *path, qset *qs)
{
    FILE *f = fopen(path, "r");
    struct liaison_err err;
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t len;
    long lineno = 0;
    if (!f)
        die(path, strerror(errno));
    memset(&err, 0, sizeof(err));
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (len == 1)
            continue;
        if (qs->n == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            qs->q = realloc(qs->q, alloc * sizeof(*qs->q));
            if (!qs->q)
                die("queries", "out of memory");
        }
        fmt_query_init(&qs->q[qs->n]);
        if (fmt_query_from_json(&qs->q[qs->n], line, (size_t)len - 1, &err)) {
            fprintf(stderr, "engine_bench: %s line %ld: %s\n", path, lineno,
                    err.msg);
            fmt_query_fini(&qs->q[qs->n]);
            continue;
        }
        if (qs->q[qs->n].q.dob)
            qs->with_dob++;
        qs->n++;
    }
    free(line);
    fclose(f);
}

/* ---------------------------------------------------------------- screen */

typedef struct run {
    const liaison_engine *e;
    const qset *qs;
    const bopts *o;
    uint64_t *lat;              /* ns per query */
    qhits *hits;                /* NULL: do not keep hits */
    size_t *cands;
    int tid, nthreads;
    long errors;
    pthread_barrier_t *bar;
} run;

static void *screen_loop(void *arg)
{
    run *r = arg;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts so;
    size_t i, k;
    memset(&res, 0, sizeof(res));
    memset(&so, 0, sizeof(so));
    so.threshold = r->o->threshold;
    so.limit = r->o->limit;
    if (liaison_searcher_new(r->e, &s))
        die("liaison_searcher_new", "failed");
    /* Warm the searcher's scratch space and the caches. */
    for (i = (size_t)r->tid; i < r->qs->n && i < (size_t)r->o->warmup;
         i += (size_t)r->nthreads)
        liaison_screen(s, &r->qs->q[i].q, &so, &res);
    if (r->bar)
        pthread_barrier_wait(r->bar);
    for (i = (size_t)r->tid; i < r->qs->n; i += (size_t)r->nthreads) {
        uint64_t t0 = now_ns();
        int rc = liaison_screen(s, &r->qs->q[i].q, &so, &res);
        r->lat[i] = now_ns() - t0;
        if (rc) {
            r->errors++;
            continue;
        }
        if (r->cands)
            r->cands[i] = res.candidates;
        if (r->hits) {
            qhits *h = &r->hits[i];
            h->n = (uint32_t)(res.n_hits < r->o->limit ? res.n_hits
                                                         : r->o->limit);
            for (k = 0; k < h->n; k++) {
                h->ids[k] = res.hits[k].id;
                h->scores[k] = (float)res.hits[k].score;
            }
        }
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Latency summary of the queries selected by sel (NULL: all). */
static void summary(FILE *out, const uint64_t *lat, size_t n,
                    const unsigned char *sel, unsigned char want)
{
    uint64_t *v = malloc((n ? n : 1) * sizeof(*v)), sum = 0;
    size_t m = 0, i;
    if (!v)
        die("summary", "out of memory");
    for (i = 0; i < n; i++)
        if (!sel || sel[i] == want) {
            v[m++] = lat[i];
            sum += lat[i];
        }
    if (m == 0) {
        fprintf(out, "{\"n\": 0}");
        free(v);
        return;
    }
    qsort(v, m, sizeof(*v), cmp_u64);
#define PCT(p) ((double)v[(size_t)((double)(m - 1) * (p) + 0.5)] / 1e3)
    fprintf(out, "{\"n\": %zu, \"p50_us\": %.2f, \"p90_us\": %.2f, "
            "\"p99_us\": %.2f, \"p999_us\": %.2f, \"max_us\": %.2f, "
            "\"mean_us\": %.2f}", m, PCT(0.5), PCT(0.9), PCT(0.99),
            PCT(0.999), (double)v[m - 1] / 1e3, (double)sum / 1e3 / (double)m);
#undef PCT
    free(v);
}

static double run_pass(const liaison_engine *e, const qset *qs,
                       const bopts *o, int threads, uint64_t *lat,
                       qhits *hits, size_t *cands, long *errors)
{
    pthread_t th[64];
    run r[64];
    pthread_barrier_t bar;
    uint64_t t0;
    int i;
    if (threads > 64)
        threads = 64;
    pthread_barrier_init(&bar, NULL, (unsigned)threads + 1);
    for (i = 0; i < threads; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].e = e;
        r[i].qs = qs;
        r[i].o = o;
        r[i].lat = lat;
        r[i].hits = hits;
        r[i].cands = cands;
        r[i].tid = i;
        r[i].nthreads = threads;
        r[i].bar = &bar;
        if (pthread_create(&th[i], NULL, screen_loop, &r[i]))
            die("pthread_create", "failed");
    }
    pthread_barrier_wait(&bar);
    t0 = now_ns();
    for (i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        *errors += r[i].errors;
    }
    pthread_barrier_destroy(&bar);
    return (double)(now_ns() - t0) / 1e9;
}

/* ---------------------------------------------------------------- output */

static void write_hits(const char *path, const qset *qs, const qhits *hits,
                       const uint64_t *lat)
{
    FILE *f = fopen(path, "w");
    util_buf b;
    size_t i, k;
    if (!f)
        die(path, strerror(errno));
    util_buf_init(&b, 0);
    for (i = 0; i < qs->n; i++) {
        const char *id = qs->q[i].id ? qs->q[i].id : "";
        util_buf_reset(&b);
        util_buf_adds(&b, "{\"query_id\":");
        util_buf_add_json_str(&b, id, strlen(id));
        util_buf_adds(&b, ",\"hits\":[");
        for (k = 0; k < hits[i].n; k++) {
            util_buf_adds(&b, k ? ",{\"id\":" : "{\"id\":");
            util_buf_add_json_str(&b, hits[i].ids[k], strlen(hits[i].ids[k]));
            util_buf_printf(&b, ",\"score\":%.4f}", (double)hits[i].scores[k]);
        }
        util_buf_printf(&b, "],\"lat_us\":%.2f}\n", (double)lat[i] / 1e3);
        fputs(util_buf_str(&b), f);
    }
    util_buf_fini(&b);
    if (fclose(f))
        die(path, "write failed");
}

static void usage(void)
{
    fputs("usage: engine_bench --watchlist FILE [--queries FILE] [--threads N]\n"
          "                    [--threshold T] [--limit K] [--warmup N]\n"
          "                    [--loops L] [--build-threads N]\n"
          "                    [--out FILE.json] [--hits FILE.jsonl]\n"
          "       engine_bench --default-threshold\n",
          stderr);
    exit(2);
}

static void parse_args(int argc, char **argv, bopts *o)
{
    static const struct option lo[] = {
        {"watchlist", required_argument, NULL, 'w'},
        {"queries", required_argument, NULL, 'q'},
        {"threads", required_argument, NULL, 't'},
        {"threshold", required_argument, NULL, 'T'},
        {"limit", required_argument, NULL, 'k'},
        {"warmup", required_argument, NULL, 'W'},
        {"loops", required_argument, NULL, 'L'},
        {"build-threads", required_argument, NULL, 'B'},
        {"out", required_argument, NULL, 'o'},
        {"hits", required_argument, NULL, 'H'},
        {"default-threshold", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0}};
    long v;
    int c;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof(*o));
    o->threads = ncpu < 1 ? 1 : (int)ncpu;
    o->threshold = -1;
    o->limit = 10;
    o->warmup = 200;
    o->loops = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'w': o->watchlist = optarg; break;
        case 'q': o->queries = optarg; break;
        case 'o': o->out = optarg; break;
        case 'H': o->hits = optarg; break;
        case 'D':
            printf("%.4f\n", liaison_default_threshold());
            exit(0);
        case 'T':
            if (util_parse_double(optarg, &o->threshold))
                usage();
            break;
        case 't': case 'k': case 'W': case 'L': case 'B':
            if (util_parse_long(optarg, c == 'W' || c == 'B' ? 0 : 1, 1000000,
                                &v))
                usage();
            if (c == 't') o->threads = (int)(v > 64 ? 64 : v);
            else if (c == 'B') o->build_threads = (unsigned)(v > 64 ? 64 : v);
            else if (c == 'k') o->limit = (size_t)v;
            else if (c == 'W') o->warmup = v;
            else o->loops = v;
            break;
        default: usage();
        }
    }
    if (!o->watchlist || optind != argc)
        usage();
}

int main(int argc, char **argv)
{
    bopts o;
    load_stats ls;
    liaison_engine_stats st;
    liaison_engine *e;
    qset qs;
    uint64_t *lat = NULL, *lat1 = NULL, t0;
    qhits *hits = NULL;
    size_t *cands = NULL, i, ncand = 0, nhit = 0;
    unsigned char *has_dob = NULL;
    long rss0, rss1, errors = 0, loop;
    double wall1 = 0, wallm = 0, load_s;
    FILE *out = stdout;

    parse_args(argc, argv, &o);
    memset(&ls, 0, sizeof(ls));
    memset(&qs, 0, sizeof(qs));
    rss0 = rss_kb();
    t0 = now_ns();
    e = load(o.watchlist, o.build_threads, &ls);
    load_s = (double)(now_ns() - t0) / 1e9;
    rss1 = rss_kb();
    liaison_engine_get_stats(e, &st);

    if (o.queries) {
        read_queries(o.queries, &qs);
        lat = calloc(qs.n + 1, sizeof(*lat));
        lat1 = calloc((qs.n + 1) * (size_t)o.loops, sizeof(*lat1));
        cands = calloc(qs.n + 1, sizeof(*cands));
        hits = calloc(qs.n + 1, sizeof(*hits));
        has_dob = calloc(qs.n + 1, 1);
        if (!lat || !lat1 || !cands || !hits || !has_dob)
            die("queries", "out of memory");
        for (i = 0; i < qs.n; i++) {
            hits[i].ids = calloc(o.limit, sizeof(char *));
            hits[i].scores = calloc(o.limit, sizeof(float));
            if (!hits[i].ids || !hits[i].scores)
                die("queries", "out of memory");
            has_dob[i] = qs.q[i].q.dob != NULL;
        }
        for (loop = 0; loop < o.loops; loop++) {
            wall1 += run_pass(e, &qs, &o, 1, lat, hits, cands, &errors);
            memcpy(lat1 + (size_t)loop * qs.n, lat, qs.n * sizeof(*lat));
        }
        for (i = 0; i < qs.n; i++) {
            ncand += cands[i];
            nhit += hits[i].n > 0;
        }
        if (o.threads > 1)
            wallm = run_pass(e, &qs, &o, o.threads, lat, NULL, NULL, &errors);
    }

    if (o.out && !(out = fopen(o.out, "w")))
        die(o.out, strerror(errno));
    fprintf(out, "{\"records\": %zu, \"names\": %zu, \"tokens\": %zu, "
            "\"bad_records\": %ld,\n", st.records, st.names, st.tokens, ls.bad);
    fprintf(out, " \"parse_s\": %.3f, \"add_s\": %.3f, \"finish_s\": %.3f, "
            "\"build_s\": %.3f, \"load_s\": %.3f,\n", ls.parse_s, ls.add_s,
            ls.finish_s, ls.add_s + ls.finish_s, load_s);
    fprintf(out, " \"engine_bytes\": %zu, \"bytes_per_name\": %.1f, "
            "\"rss_before_kb\": %ld, \"rss_after_kb\": %ld, "
            "\"rss_bytes_per_name\": %.1f, \"peak_rss_kb\": %ld",
            st.bytes, st.names ? (double)st.bytes / (double)st.names : 0.0,
            rss0, rss1,
            st.names ? (double)(rss1 - rss0) * 1024.0 / (double)st.names : 0.0,
            peak_rss_kb());
    if (o.queries) {
        size_t n1 = qs.n * (size_t)o.loops;
        unsigned char *dob1 = malloc(n1 + 1);
        if (!dob1)
            die("output", "out of memory");
        for (i = 0; i < n1; i++)
            dob1[i] = has_dob[i % qs.n];
        fprintf(out, ",\n \"queries\": %zu, \"queries_with_dob\": %zu, "
                "\"threshold\": %.3f, \"limit\": %zu, \"errors\": %ld, "
                "\"loops\": %ld,\n", qs.n, qs.with_dob,
                o.threshold < 0 ? liaison_default_threshold() : o.threshold,
                o.limit, errors, o.loops);
        fprintf(out, " \"single\": {\"threads\": 1, \"wall_s\": %.3f, "
                "\"qps\": %.1f, \"queries_with_hits\": %zu, "
                "\"mean_candidates\": %.1f, \"all\": ", wall1,
                wall1 > 0 ? (double)n1 / wall1 : 0.0, nhit,
                qs.n ? (double)ncand / (double)qs.n : 0.0);
        summary(out, lat1, n1, NULL, 0);
        fputs(", \"name_dob\": ", out);
        summary(out, lat1, n1, dob1, 1);
        fputs(", \"name_only\": ", out);
        summary(out, lat1, n1, dob1, 0);
        fputs("}", out);
        if (o.threads > 1) {
            fprintf(out, ",\n \"multi\": {\"threads\": %d, \"wall_s\": %.3f, "
                    "\"qps\": %.1f, \"all\": ", o.threads, wallm,
                    wallm > 0 ? (double)qs.n / wallm : 0.0);
            summary(out, lat, qs.n, NULL, 0);
            fputs("}", out);
        }
        free(dob1);
    }
    fputs("}\n", out);
    if (out != stdout && fclose(out))
        die(o.out, "write failed");
    if (o.hits && o.queries)
        write_hits(o.hits, &qs, hits, lat1);

    for (i = 0; i < qs.n; i++) {
        if (hits) {
            free(hits[i].ids);
            free(hits[i].scores);
        }
        fmt_query_fini(&qs.q[i]);
    }
    free(qs.q);
    free(hits);
    free(lat);
    free(lat1);
    free(cands);
    free(has_dob);
    liaison_engine_free(e);
    return 0;
}
