/*
** manifest_bench.c: passenger manifests screened in process (issue 4).
**
** usage: manifest_bench --watchlist FILE.jsonl --manifests DIR
**                       [--threads N] [--docs N] [--lookups N] --out FILE.json
**
** Loads the watchlist into an engine, together with N stolen-document
** records (numbers D0000000..; the manifests carry some of them), reads
** every PAXLST file of DIR (fmt_paxlst_parse, lenient, as `liaison screen
** --format paxlst` does) and screens every traveller (name, date of birth,
** nationality, passport) on N threads, one searcher each, taking chunks
** of travellers in turn.  Then times
** document lookups on one thread: one at a time (liaison_doc_lookup) and
** in batches (liaison_doc_lookup_batch) over a million distinct numbers.
** Loading and parsing are timed apart from screening.
*/
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/border.h"
#include "formats/formats.h"
#include "liaison.h"
#include "util/util.h"

typedef struct job {
    const liaison_engine *e;
    liaison_query *q;
    size_t n;                   /* travellers */
    atomic_size_t *next;        /* the next chunk to take, shared */
    long hits, doc_hits, errors;
} job;

#define CHUNK 64                /* travellers taken at a time */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "manifest_bench: %s\n", what);
    exit(2);
}

static void *screen_range(void *arg)
{
    job *j = arg;
    liaison_searcher *s = NULL;
    liaison_result res;
    liaison_screen_opts o = {-1, 10, 0, 0};
    size_t i;
    memset(&res, 0, sizeof(res));
    if (liaison_searcher_new(j->e, &s))
        die("searcher");
    /* Chunks taken in turn, as `liaison screen --batch` shares its work:
    ** no thread idles while the other finishes a costlier half. */
    for (;;) {
        size_t from = atomic_fetch_add(j->next, CHUNK), to = from + CHUNK;
        if (from >= j->n)
            break;
        for (i = from; i < to && i < j->n; i++) {
            if (liaison_screen(s, &j->q[i], &o, &res)) {
                j->errors++;
                continue;
            }
            if (res.n_hits)
                j->hits++;
        }
    }
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    return NULL;
}

static liaison_engine *load(const char *path, long docs, double *secs)
{
    liaison_engine *e = NULL;
    fmt_record r;
    struct liaison_err err;
    FILE *f = fopen(path, "r");
    char *line = NULL, id[32], num[24];
    size_t cap = 0;
    ssize_t len;
    long i;
    double t0 = now_s();
    if (!f || liaison_engine_new(NULL, &e, NULL))
        die("cannot read the watchlist");
    fmt_record_init(&r);
    while ((len = getline(&line, &cap, f)) > 0)
        if (!fmt_record_view(&r, line, (size_t)len - 1, &err))
            liaison_engine_add(e, &r.rec);
    fmt_record_fini(&r);
    free(line);
    fclose(f);
    for (i = 0; i < docs; i++) {
        liaison_record d;
        liaison_document doc = {"passport", num, NULL, "stolen"};
        memset(&d, 0, sizeof(d));
        snprintf(id, sizeof(id), "sltd-%ld", i);
        snprintf(num, sizeof(num), "D%07ld", i);
        d.id = id;
        d.list = "sltd";
        d.kind = LIAISON_KIND_DOCUMENT;
        d.documents = &doc;
        d.n_documents = 1;
        liaison_engine_add(e, &d);
    }
    if (liaison_engine_build(e))
        die("build");
    *secs = now_s() - t0;
    return e;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"watchlist", required_argument, NULL, 'w'},
        {"manifests", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"docs", required_argument, NULL, 'd'},
        {"lookups", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0}};
    const char *watch = NULL, *dir = NULL, *out = NULL;
    long threads = 2, docs = 1000000, lookups = 10000000, nt = 0, i, hits = 0;
    double load_s, parse_s, screen_s, single_s, batch_s, t0;
    liaison_engine *e;
    liaison_query *q = NULL;
    const char **nums = NULL;
    uint32_t *first;
    size_t cap = 0, nfiles = 0, ndocs;
    util_arena a;
    DIR *d;
    struct dirent *de;
    pthread_t th[64];
    job jobs[64];
    atomic_size_t next;
    FILE *fo;
    int c;
    long single_hits = 0, batch_hits = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'w': watch = optarg; break;
        case 'm': dir = optarg; break;
        case 't': threads = atol(optarg); break;
        case 'd': docs = atol(optarg); break;
        case 'l': lookups = atol(optarg); break;
        case 'o': out = optarg; break;
        default: die("usage: --watchlist F --manifests DIR [--threads N] "
                     "[--docs N] [--lookups N] --out F");
        }
    }
    if (!watch || !dir || !out || threads < 1 || threads > 64)
        die("usage: --watchlist F --manifests DIR --out F");
    e = load(watch, docs, &load_s);

    /* Parse every manifest; keep the travellers' queries (strings copied
    ** into one arena, manifests freed). */
    util_arena_init(&a, 1 << 20);
    t0 = now_s();
    if (!(d = opendir(dir)))
        die("cannot open the manifest folder");
    while ((de = readdir(d)) != NULL) {
        char path[4096], *data;
        size_t len, k;
        fmt_paxlst *m = NULL;
        fmt_paxlst_opts po;
        struct liaison_err err;
        if (!strstr(de->d_name, ".edi"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (util_read_file(path, 256u << 20, &data, &len, &err))
            die(err.msg);
        memset(&po, 0, sizeof(po));
        po.lenient = 1;
        po.max_travellers = 2000000;
        if (fmt_paxlst_parse(data, len, &po, &m, &err)) {
            fprintf(stderr, "%s: %s\n", path, err.msg);
            die("manifest does not parse");
        }
        util_free(data);
        for (k = 0; k < m->n_travellers; k++) {
            liaison_query x;
            if ((size_t)nt == cap) {
                cap = cap ? cap * 2 : 65536;
                q = realloc(q, cap * sizeof(*q));
                if (!q)
                    die("out of memory");
            }
            fmt_paxlst_query(&m->travellers[k], &x);
#define KEEP(f) x.f = x.f ? util_arena_strdup(&a, x.f) : NULL
            KEEP(name); KEEP(dob); KEEP(nationality); KEEP(gender);
            KEEP(doc); KEEP(doc_country);
#undef KEEP
            q[nt] = x;
            nt++;
        }
        fmt_paxlst_free(m);
        nfiles++;
    }
    closedir(d);
    parse_s = now_s() - t0;
    if (nt == 0)
        die("no travellers");

    /* Screen every traveller on all threads. */
    t0 = now_s();
    atomic_init(&next, 0);
    for (i = 0; i < threads; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].e = e;
        jobs[i].q = q;
        jobs[i].n = (size_t)nt;
        jobs[i].next = &next;
        pthread_create(&th[i], NULL, screen_range, &jobs[i]);
    }
    for (i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        hits += jobs[i].hits;
    }
    screen_s = now_s() - t0;

    /* Document lookups on one thread: one by one, then batched, over a
    ** million distinct numbers (1% reported stolen), so that the table is
    ** read from memory as in real traffic, not from a warm cache. */
    ndocs = 1000000;
    first = malloc(ndocs * sizeof(uint32_t));
    nums = realloc(nums, ndocs * sizeof(*nums));
    if (!first || !nums)
        die("out of memory");
    {
        uint64_t x = 88172645463325252ULL;
        size_t k;
        for (k = 0; k < ndocs; k++) {
            char buf[32];
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (x % 100 == 0)
                snprintf(buf, sizeof(buf), "D%07lu",
                         (unsigned long)((x >> 8) % (uint64_t)(docs ? docs : 1)));
            else
                snprintf(buf, sizeof(buf), "P%08lu",
                         (unsigned long)((x >> 8) % 100000000u));
            nums[k] = util_arena_strdup(&a, buf);
        }
    }
    t0 = now_s();
    for (i = 0; i < lookups; i++) {
        uint32_t rec;
        size_t n;
        liaison_doc_lookup(e, nums[(size_t)i % ndocs], NULL, &rec, 1, &n);
        single_hits += n > 0;
    }
    single_s = now_s() - t0;
    t0 = now_s();
    for (i = 0; i < lookups; i += (long)ndocs) {
        size_t n = (size_t)(lookups - i) < ndocs ? (size_t)(lookups - i) : ndocs, k;
        liaison_doc_lookup_batch(e, nums, n, first);
        for (k = 0; k < n; k++)
            batch_hits += first[k] != UINT32_MAX;
    }
    batch_s = now_s() - t0;

    fo = fopen(out, "w");
    if (!fo)
        die("cannot write --out");
    fprintf(fo, "{\"travellers\": %ld, \"manifest_files\": %zu, \"threads\": %ld, "
            "\"load_s\": %.3f, \"parse_s\": %.3f, \"screen_s\": %.3f, "
            "\"wall_s\": %.3f, \"travellers_per_s\": %.1f, "
            "\"travellers_with_hits\": %ld, \"documents\": %ld, "
            "\"doc_lookups\": %ld, \"doc_hits\": %ld, "
            "\"doc_lookups_per_s\": %.0f, \"doc_lookups_per_s_single\": %.0f}\n",
            nt, nfiles, threads, load_s, parse_s, screen_s, parse_s + screen_s,
            (double)nt / screen_s, hits, docs, lookups, batch_hits,
            (double)lookups / batch_s, (double)lookups / single_s);
    fclose(fo);
    (void)single_hits;
    free(first);
    free(q);
    free(nums);
    util_arena_fini(&a);
    liaison_engine_free(e);
    return 0;
}
