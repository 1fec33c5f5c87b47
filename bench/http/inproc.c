/*
** inproc.c: the in-process counterpart of the HTTP benchmark: the same
** POST /v1/screen bodies, parsed by the server's own parser
** (srv_screen_parse) and screened with liaison_screen() in a loop on N
** threads, each with its own searcher over one shared engine, rendering
** each result with fmt_result_json() as the server does.  What it leaves
** out is exactly the HTTP, authentication and audit overhead.
**
**   inproc --db PATH --bodies FILE [--threads N] [--seconds S]
**
** Prints queries/s and latency percentiles of liaison_screen() itself.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "server/srv_int.h"
#include "store/store.h"
#include "util/util.h"

typedef struct job {
    const liaison_engine *e;
    char **bodies;
    size_t *lens;
    size_t n;
    double seconds;
    int id;
    uint64_t *lat;              /* microseconds, one per query */
    size_t n_lat, cap_lat;
    long done, hits, bad;
} job;

static policy_purposes purposes;
static srv_json_limits lim = {32, 65536};

static void *run(void *arg)
{
    job *j = arg;
    liaison_searcher *s = NULL;
    liaison_result res;
    util_arena a;
    util_buf out;
    uint64_t end = util_now_us() + (uint64_t)(j->seconds * 1e6);
    size_t i = (size_t)j->id * 7919;
    memset(&res, 0, sizeof(res));
    util_arena_init(&a, 8192);
    util_buf_init(&out, 0);
    if (liaison_searcher_new(j->e, &s))
        return NULL;
    while (util_now_us() < end) {
        srv_screen_req q;
        srv_error e;
        liaison_screen_opts o;
        uint64_t t0 = util_now_us();
        i = (i + 1) % j->n;
        util_arena_reset(&a);
        util_buf_reset(&out);
        if (srv_screen_parse(j->bodies[i], j->lens[i], &purposes, &lim, &a,
                             &q, &e)) {
            j->bad++;
            continue;
        }
        memset(&o, 0, sizeof(o));
        o.threshold = q.threshold;
        o.limit = q.limit;
        o.want_why = 1;
        if (liaison_screen(s, &q.q, &o, &res) ||
            fmt_result_json(&out, NULL, &q.q, &res)) {
            j->bad++;
            continue;
        }
        if (res.n_hits)
            j->hits++;
        j->done++;
        if (j->n_lat == j->cap_lat) {
            size_t nc = j->cap_lat ? j->cap_lat * 2 : 65536;
            uint64_t *p = realloc(j->lat, nc * sizeof(*p));
            if (!p)
                break;
            j->lat = p;
            j->cap_lat = nc;
        }
        j->lat[j->n_lat++] = util_now_us() - t0;
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    util_arena_fini(&a);
    util_buf_fini(&out);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *bodies_path = NULL;
    int threads = 2, i;
    double seconds = 10;
    struct liaison_err err;
    liaison_engine *e = NULL;
    store *st = NULL;
    char *data = NULL, **bodies = NULL, *p;
    size_t len = 0, n = 0, cap = 0, *lens = NULL, total = 0, k;
    pthread_t th[64];
    job jobs[64];
    uint64_t *all;
    long done = 0, hits = 0, bad = 0;
    uint64_t t0;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--db"))
            db = argv[i + 1];
        else if (!strcmp(argv[i], "--bodies"))
            bodies_path = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = (int)strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = strtod(argv[i + 1], NULL);
    }
    if (!db || !bodies_path || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: inproc --db PATH --bodies FILE [--threads N]"
                        " [--seconds S]\n");
        return 2;
    }
    memset(&err, 0, sizeof(err));
    policy_purposes_default(&purposes);
    if (util_read_file(bodies_path, 1 << 30, &data, &len, &err) ||
        store_open(db, &st, &err)) {
        fprintf(stderr, "inproc: %s\n", err.msg);
        return 2;
    }
    t0 = util_now_us();
    if (policy_engine_load(st, POLICY_VIEW_OWN, NULL, NULL, &e, NULL, &err)) {
        fprintf(stderr, "inproc: %s\n", err.msg);
        return 2;
    }
    fprintf(stderr, "inproc: engine built in %.2f s\n",
            (double)(util_now_us() - t0) / 1e6);
    store_close(st);
    for (p = data; p < data + len;) {
        char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        if (l) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                bodies = realloc(bodies, cap * sizeof(*bodies));
                lens = realloc(lens, cap * sizeof(*lens));
            }
            bodies[n] = p;
            lens[n] = l;
            n++;
        }
        p += l + 1;
    }
    memset(jobs, 0, sizeof(jobs));
    for (i = 0; i < threads; i++) {
        jobs[i].e = e;
        jobs[i].bodies = bodies;
        jobs[i].lens = lens;
        jobs[i].n = n;
        jobs[i].seconds = seconds;
        jobs[i].id = i + 1;
        pthread_create(&th[i], NULL, run, &jobs[i]);
    }
    for (i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        done += jobs[i].done;
        hits += jobs[i].hits;
        bad += jobs[i].bad;
        total += jobs[i].n_lat;
    }
    all = malloc((total ? total : 1) * sizeof(*all));
    for (i = 0, k = 0; i < threads; i++) {
        memcpy(all + k, jobs[i].lat, jobs[i].n_lat * sizeof(*all));
        k += jobs[i].n_lat;
        free(jobs[i].lat);
    }
    qsort(all, total, sizeof(*all), cmp_u64);
    printf("in-process: %d threads, %.0f s: %ld queries, %.0f queries/s, "
           "%ld with hits, %ld refused\n", threads, seconds, done,
           (double)done / seconds, hits, bad);
    if (total)
        printf("in-process latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
               "p99.9 %.3f ms\n", (double)all[total / 2] / 1000,
               (double)all[total * 9 / 10] / 1000,
               (double)all[total * 99 / 100] / 1000,
               (double)all[total * 999 / 1000] / 1000);
    free(all);
    free(bodies);
    free(lens);
    util_free(data);
    liaison_engine_free(e);
    return 0;
}
