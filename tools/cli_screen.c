/*
** cli_screen.c: `liaison screen`, one traveller or a batch.
**
** Single: --name/--dob/--nationality/--gender/--doc or --mrz; prints the
** hits for a person (or one JSON object with --json).  Batch: --batch FILE
** reads JSONL (or CSV with a header, or a PAXLST manifest) and writes one
** JSON result line per query, in input order, with "query_id".  Batches
** are screened on all cores: chunks of queries are split between worker
** threads, each with its own searcher over the one shared engine.
** Every screening is written to the store's audit trail (actor
** "cli:<login>", the purpose given with --purpose) before its result is
** shown; a result that could not be audited is withheld.
** Exit status: 0 no hits, 1 hits found, 2 usage or input error.
*/
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "formats/border.h"
#include "formats/formats.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/util.h"

#define DEFAULT_PURPOSE "watchlist-maintenance"

static const char screen_usage[] =
    "usage: liaison screen [--db PATH] [--name N] [--dob D] [--nationality C]\n"
    "                      [--gender G] [--doc NUM] [--mrz TEXT]\n"
    "                      [--vin VIN] [--plate PLATE [--plate-country C]]\n"
    "                      [--threshold T] [--limit K] [--purpose P] [--json]\n"
    "       liaison screen [--db PATH] --batch FILE|- [--format jsonl|csv|paxlst]\n"
    "                      [--out FILE] [--threshold T] [--limit K] [--purpose P]\n"
    "\n"
    "Screen a traveller (or a batch of them) against every current record.\n"
    "  --name N          name in any script and order\n"
    "  --dob D           date of birth: YYYY, YYYY-MM or YYYY-MM-DD\n"
    "  --nationality C   ISO 3166 alpha-2 or alpha-3 code\n"
    "  --gender G        M or F\n"
    "  --doc NUM         travel document number (exact, OCR-tolerant)\n"
    "  --vin VIN         vehicle identification number (ISO 3779)\n"
    "  --plate PLATE     registration plate; --plate-country its country\n"
    "  --mrz TEXT        passport machine-readable zone, lines separated by\n"
    "                    a newline, '\\n' or '|'\n"
    "  --threshold T     lowest score reported, 0..1 (default 0.55)\n"
    "  --limit K         most hits per query (default 10)\n"
    "  --kind K          records a name is screened against: person (default),\n"
    "                    entity (companies, vessels) or any\n"
    "  --purpose P       why, kept in the audit trail with each query:\n"
    "                    border-check, visa-application, investigation, ...\n"
    "                    (default " DEFAULT_PURPOSE ", the analysts' use of\n"
    "                    the command line)\n"
    "  --json            one JSON object per query\n"
    "  --batch FILE      queries from FILE ('-': stdin), one result line each\n"
    "  --format F        batch input: jsonl (default), csv (header row naming\n"
    "                    the columns), paxlst (UN/EDIFACT passenger manifest)\n"
    "  --out FILE        write batch results to FILE instead of stdout\n"
    "Exit status: 0 no hits, 1 hits found, 2 usage or input error.\n";

typedef struct screen_args {
    const char *db;
    liaison_query q;
    const char *mrz;
    const char *batch, *format, *out;
    liaison_screen_opts opts;
    const char *purpose;
    store *st;                  /* open for the audit trail */
    int json;
} screen_args;

/* ---------------------------------------------------------------- engine */

/* The engine from a->db; the store stays open in a->st for the audit
** trail (closed by the caller, also on failure). */
static int load_engine(screen_args *a, liaison_engine **e)
{
    struct liaison_err err;
    int rc;
    if (cli_open_store("screen", a->db, &a->st))
        return CLI_ERROR;
    memset(&err, 0, sizeof(err));
    rc = policy_engine_load(a->st, POLICY_VIEW_OWN, NULL, NULL, e, NULL,
                            &err);
    if (rc)
        return cli_fail("screen", "%s: %s", a->db, err.msg);
    return CLI_OK;
}

/* Write the audit entries details[0..n) ("screen", one per query) in one
** transaction: all of them or, on failure (reported), none. */
static int audit_screens(store *st, const char *purpose, char **details,
                         size_t n)
{
    size_t i;
    int rc = store_begin(st);
    for (i = 0; i < n && !rc; i++)
        if (details[i])
            rc = cli_audit_append(st, store_agency(st), "screen", purpose,
                                  details[i]);
    if (!rc)
        rc = store_commit(st);
    if (rc) {
        cli_fail("screen", "the audit trail could not be written (%s); "
                 "results withheld", store_last_error(st));
        store_rollback(st);
    }
    return rc;
}

/* ---------------------------------------------------------------- single */

static void print_human(const liaison_query *q, const liaison_result *res)
{
    size_t i, j;
    const char *who = q->name    ? q->name
                      : q->doc   ? q->doc
                      : q->vin   ? q->vin
                      : q->plate ? q->plate : "query";
    if (res->n_hits == 0) {
        printf("no hits for \"%s\" (%llu us)\n", who,
               (unsigned long long)res->took_us);
        return;
    }
    printf("%zu hit%s for \"%s\" (%llu us)\n", res->n_hits,
           res->n_hits == 1 ? "" : "s", who, (unsigned long long)res->took_us);
    for (i = 0; i < res->n_hits; i++) {
        const liaison_hit *h = &res->hits[i];
        printf("  %.3f  %-22s %-12s %s\n", h->score, h->id, h->list,
               h->matched ? h->matched : "");
        for (j = 0; j < h->n_why; j++)
            printf("         %s\n", h->why[j]);
    }
}

/* MRZ lines may arrive as "L1\nL2" with a literal backslash-n. */
static char *mrz_text(const char *s)
{
    size_t n = strlen(s), i, o = 0;
    char *t = util_malloc(n + 1);
    if (!t)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
            t[o++] = '\n';
            i++;
        } else {
            t[o++] = s[i];
        }
    }
    t[o] = '\0';
    return t;
}

static int screen_single(screen_args *a)
{
    liaison_engine *e = NULL;
    liaison_searcher *s = NULL;
    liaison_result res;
    fmt_mrz mrz;
    util_buf out;
    char *mtext = NULL, *detail;
    int rc, code = CLI_ERROR, have_mrz = 0;

    memset(&res, 0, sizeof(res));
    util_buf_init(&out, 0);
    if (a->mrz) {
        struct liaison_err err;
        memset(&err, 0, sizeof(err));
        mtext = mrz_text(a->mrz);
        if (!mtext)
            return cli_fail("screen", "out of memory");
        rc = fmt_mrz_parse(mtext, strlen(mtext), 0, &mrz, &err);
        if (rc) {
            cli_fail("screen", "--mrz: %s", err.msg);
            goto out;
        }
        have_mrz = 1;
        if (!mrz.valid)
            fprintf(stderr, "liaison screen: warning: MRZ check digits do "
                    "not all verify; screening it anyway, flagged\n");
        fmt_mrz_query(&mrz, &a->q);
    }
    if (!a->q.name && !a->q.doc && !a->q.vin && !a->q.plate)
        return cli_usage(stderr, screen_usage, CLI_ERROR);
    if (load_engine(a, &e))
        goto out;
    a->opts.want_why = 1;
    rc = liaison_searcher_new(e, &s);
    if (!rc)
        rc = liaison_screen(s, &a->q, &a->opts, &res);
    if (rc) {
        cli_fail("screen", "%s", rc == LIAISON_EUTF8
                                     ? "the name is not valid UTF-8"
                                 : rc == LIAISON_EINVAL
                                     ? "invalid query (check --dob: YYYY, "
                                       "YYYY-MM or YYYY-MM-DD)"
                                     : liaison_strerror(rc));
        goto out;
    }
    rc = fmt_result_audit_json(&out, NULL, &a->q, &res, "cli");
    if (rc) {
        cli_fail("screen", "%s", liaison_strerror(rc));
        goto out;
    }
    detail = out.p;
    if (audit_screens(a->st, a->purpose, &detail, 1))
        goto out;
    util_buf_reset(&out);
    if (a->json) {
        rc = fmt_result_json(&out, NULL, &a->q, &res);
        if (!rc && have_mrz) {
            /* Add the parsed MRZ (checks included) to the object. */
            out.len--;
            rc = util_buf_adds(&out, ",\"mrz\":");
            if (!rc)
                rc = fmt_mrz_to_json(&mrz, &out);
            if (!rc)
                rc = util_buf_addc(&out, '}');
        }
        if (rc) {
            cli_fail("screen", "%s", liaison_strerror(rc));
            goto out;
        }
        printf("%s\n", util_buf_str(&out));
    } else {
        print_human(&a->q, &res);
    }
    code = res.n_hits ? CLI_HITS : CLI_OK;
out:
    util_free(mtext);
    util_buf_fini(&out);
    liaison_result_fini(&res);
    liaison_searcher_free(s);
    liaison_engine_free(e);
    store_close(a->st);
    a->st = NULL;
    return code;
}

/* ---------------------------------------------------------------- batch */

#define CHUNK 2048
#define MAX_WORKERS 16

typedef struct slot {
    fmt_query q;
    char *extra;                /* JSON members appended to the result */
    char *line;                 /* the rendered result */
    char *audit;                /* ...and what the audit trail keeps */
} slot;

typedef struct batch {
    const liaison_engine *e;
    liaison_screen_opts opts;
    slot *slots;
    size_t n;                   /* queries in the current chunk */
    size_t next;                /* next to screen (shared, under lock) */
    pthread_mutex_t lock;
    liaison_searcher *searchers[MAX_WORKERS];
    int workers;
    FILE *out;
    store *st;                  /* for the audit trail */
    const char *purpose;
    char **audits;              /* the chunk's audit entries, in order */
    long done, hits, bad;
    int failed;
    int tty;
    uint64_t t0;
} batch;

static void *worker(void *arg)
{
    batch *b = ((void **)arg)[0];
    liaison_searcher *s = ((void **)arg)[1];
    liaison_result res;
    util_buf buf, abuf;
    memset(&res, 0, sizeof(res));
    util_buf_init(&buf, 0);
    util_buf_init(&abuf, 0);
    for (;;) {
        size_t i;
        slot *sl;
        int rc;
        pthread_mutex_lock(&b->lock);
        i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n)
            break;
        sl = &b->slots[i];
        util_buf_reset(&buf);
        rc = liaison_screen(s, &sl->q.q, &b->opts, &res);
        if (rc) {
            util_buf_printf(&buf, "{\"query_id\":");
            util_buf_add_json_str(&buf, sl->q.id ? sl->q.id : "",
                                  sl->q.id ? strlen(sl->q.id) : 0);
            util_buf_printf(&buf, ",\"error\":{\"code\":\"%s\",\"message\":"
                            "\"%s\"}}", rc == LIAISON_EUTF8 ? "utf8" : "invalid",
                            liaison_strerror(rc));
        } else {
            rc = fmt_result_json(&buf, sl->q.id, &sl->q.q, &res);
            if (!rc && sl->extra) {
                buf.len--;
                rc = util_buf_printf(&buf, ",%s}", sl->extra);
            }
            if (!rc) {
                util_buf_reset(&abuf);
                rc = fmt_result_audit_json(&abuf, sl->q.id, &sl->q.q, &res,
                                           "cli");
                sl->audit = rc ? NULL : util_buf_take(&abuf);
                if (!sl->audit)
                    rc = LIAISON_ENOMEM;
            }
            if (!rc && res.n_hits) {
                pthread_mutex_lock(&b->lock);
                b->hits++;
                pthread_mutex_unlock(&b->lock);
            }
        }
        sl->line = util_buf_take(&buf);
    }
    util_buf_fini(&buf);
    util_buf_fini(&abuf);
    liaison_result_fini(&res);
    return NULL;
}

static void progress(batch *b, int final)
{
    double secs;
    if (!b->tty)
        return;
    secs = (double)(util_now_us() - b->t0) / 1e6;
    fprintf(stderr, "\rscreened %ld queries, %ld with hits, %.0f/s%s", b->done,
            b->hits, secs > 0 ? (double)b->done / secs : 0.0,
            final ? "\n" : "   ");
    fflush(stderr);
}

/* Screen the queued chunk on all workers and write its results in order. */
static int flush_chunk(batch *b)
{
    pthread_t th[MAX_WORKERS];
    void *args[MAX_WORKERS][2];
    int i, started = 0;
    size_t k;
    if (b->n == 0)
        return LIAISON_OK;
    b->next = 0;
    for (i = 0; i < b->workers; i++) {
        args[i][0] = b;
        args[i][1] = b->searchers[i];
        if (i == 0 || b->n < 64)
            continue;           /* worker 0 runs on this thread */
        if (pthread_create(&th[i], NULL, worker, args[i]) == 0)
            started |= 1 << i;
    }
    worker(args[0]);
    for (i = 1; i < b->workers; i++)
        if (started & (1 << i))
            pthread_join(th[i], NULL);
    for (k = 0; k < b->n; k++)
        b->audits[k] = b->slots[k].audit;
    if (!b->failed && audit_screens(b->st, b->purpose, b->audits, b->n))
        b->failed = 2;          /* reported; nothing more is written */
    for (k = 0; k < b->n; k++) {
        slot *sl = &b->slots[k];
        if (!b->failed && sl->line && fprintf(b->out, "%s\n", sl->line) < 0)
            b->failed = 1;
        util_free(sl->line);
        util_free(sl->extra);
        util_free(sl->audit);
        sl->line = sl->extra = sl->audit = NULL;
        fmt_query_reset(&sl->q);
    }
    b->done += (long)b->n;
    b->n = 0;
    progress(b, 0);
    return b->failed ? LIAISON_EIO : LIAISON_OK;
}

/* Copy a query into the next slot (its strings into the slot's arena). */
static int queue(batch *b, const liaison_query *q, const char *id,
                 const char *extra)
{
    slot *sl = &b->slots[b->n];
    util_arena *a = &sl->q.arena;
    liaison_query *d = &sl->q.q;
#define DUP(f) d->f = q->f ? util_arena_strdup(a, q->f) : NULL
    DUP(name); DUP(dob); DUP(nationality); DUP(gender); DUP(doc);
    DUP(doc_country); DUP(vin); DUP(plate); DUP(plate_country);
#undef DUP
    sl->q.id = id ? util_arena_strdup(a, id) : NULL;
    sl->extra = extra ? util_strdup(extra) : NULL;
    b->n++;
    if (b->n == CHUNK)
        return flush_chunk(b);
    return LIAISON_OK;
}

static int on_query(void *ud, const fmt_query *q, long line)
{
    (void)line;
    return queue(ud, &q->q, q->id, NULL);
}

static int on_query_error(void *ud, const struct liaison_err *err)
{
    batch *b = ud;
    b->bad++;
    fprintf(stderr, "%sliaison screen: %s\n", b->tty ? "\n" : "", err->msg);
    return LIAISON_OK;
}

/* Manifest: one query per traveller; the flight and the traveller's
** reference ride along in each result line. */
static int queue_paxlst(batch *b, const char *path)
{
    struct liaison_err err;
    fmt_paxlst_opts popts;
    fmt_paxlst *m = NULL;
    char *data = NULL;
    size_t len, i;
    int rc;
    util_buf extra;
    memset(&err, 0, sizeof(err));
    rc = util_read_file(path, 256u << 20, &data, &len, &err);
    if (rc)
        return cli_fail("screen", "%s", err.msg);
    /* Lenient: a manifest whose trailer counts are off (common in real
    ** traffic) is still screened, traveller by traveller, with the
    ** problems reported; a manifest that cannot be read at all fails. */
    memset(&popts, 0, sizeof(popts));
    popts.lenient = 1;
    rc = fmt_paxlst_parse(data, len, &popts, &m, &err);
    util_free(data);
    if (rc)
        return cli_fail("screen", "%s: %s", path, err.msg);
    for (i = 0; i < m->n_warnings; i++)
        fprintf(stderr, "liaison screen: %s: warning: %s\n", path,
                m->warnings[i]);
    if (m->n_warnings_dropped)
        fprintf(stderr, "liaison screen: %s: %zu more warnings\n", path,
                m->n_warnings_dropped);
    util_buf_init(&extra, 0);
    for (i = 0; i < m->n_travellers && !rc; i++) {
        const fmt_paxlst_traveller *t = &m->travellers[i];
        const fmt_paxlst_leg *f = m->flight;
        liaison_query q;
        char id[64];
        util_buf_reset(&extra);
        fmt_paxlst_query(t, &q);
        snprintf(id, sizeof(id), "%zu", t->index);
        rc = util_buf_adds(&extra, "\"flight\":{");
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
                rc = util_buf_printf(&extra, "%s\"%s\":", first ? "" : ",",
                                     k[j]);
                if (!rc)
                    rc = util_buf_add_json_str(&extra, v[j], strlen(v[j]));
                first = 0;
            }
        }
        if (!rc)
            rc = util_buf_printf(&extra, "},\"traveller\":{\"index\":%zu,"
                                 "\"role\":\"%s\"", t->index,
                                 t->role == FMT_PAX_CREW ? "crew"
                                 : t->role == FMT_PAX_PASSENGER ? "passenger"
                                                                : "other");
        if (!rc && t->reference) {
            rc = util_buf_adds(&extra, ",\"reference\":");
            if (!rc)
                rc = util_buf_add_json_str(&extra, t->reference,
                                           strlen(t->reference));
        }
        if (!rc)
            rc = util_buf_addc(&extra, '}');
        if (!rc)
            rc = queue(b, &q, t->reference ? t->reference : id,
                       util_buf_str(&extra));
    }
    util_buf_fini(&extra);
    fmt_paxlst_free(m);
    return rc ? b->failed == 2 ? CLI_ERROR
                              : cli_fail("screen", "%s", liaison_strerror(rc))
              : CLI_OK;
}

static int screen_batch(screen_args *a)
{
    batch b;
    liaison_engine *e = NULL;
    struct liaison_err err;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int rc = CLI_OK, i, fmt = 0;
    size_t k;

    memset(&b, 0, sizeof(b));
    memset(&err, 0, sizeof(err));
    if (a->format && !strcmp(a->format, "csv"))
        fmt = 1;
    else if (a->format && !strcmp(a->format, "paxlst"))
        fmt = 2;
    else if (a->format && strcmp(a->format, "jsonl"))
        return cli_fail("screen", "--format: unknown batch format '%s' "
                        "(jsonl, csv, paxlst)", a->format);
    if (load_engine(a, &e)) {
        store_close(a->st);
        a->st = NULL;
        return CLI_ERROR;
    }
    b.e = e;
    b.st = a->st;
    b.purpose = a->purpose;
    b.opts = a->opts;
    b.opts.want_why = 1;
    b.out = stdout;
    b.tty = isatty(2);
    b.t0 = util_now_us();
    b.workers = ncpu < 1 ? 1 : ncpu > MAX_WORKERS ? MAX_WORKERS : (int)ncpu;
    pthread_mutex_init(&b.lock, NULL);
    b.slots = util_calloc(CHUNK, sizeof(slot));
    b.audits = util_calloc(CHUNK, sizeof(char *));
    if (!b.slots || !b.audits) {
        rc = cli_fail("screen", "out of memory");
        goto out;
    }
    for (k = 0; k < CHUNK; k++)
        fmt_query_init(&b.slots[k].q);
    for (i = 0; i < b.workers; i++)
        if (liaison_searcher_new(e, &b.searchers[i])) {
            rc = cli_fail("screen", "out of memory");
            goto out;
        }
    if (a->out && !(b.out = fopen(a->out, "w"))) {
        b.out = stdout;
        rc = cli_fail("screen", "--out %s: cannot write", a->out);
        goto out;
    }
    if (fmt == 2) {
        rc = queue_paxlst(&b, a->batch);
    } else {
        int r = fmt_query_read_file(a->batch, fmt, on_query, on_query_error,
                                    &b, &err);
        if (r && b.failed != 2)
            rc = cli_fail("screen", "%s", err.msg[0] ? err.msg
                                                     : liaison_strerror(r));
    }
    if (b.failed == 2)
        rc = CLI_ERROR;         /* the audit trail failed: reported */
    else if (flush_chunk(&b) || fflush(b.out) != 0)
        rc = cli_fail("screen", "writing results failed");
    progress(&b, 1);
    if (rc == CLI_OK)
        rc = b.bad ? CLI_ERROR : b.hits ? CLI_HITS : CLI_OK;
out:
    if (b.out && b.out != stdout)
        fclose(b.out);
    for (i = 0; i < MAX_WORKERS; i++)
        liaison_searcher_free(b.searchers[i]);
    if (b.slots)
        for (k = 0; k < CHUNK; k++)
            fmt_query_fini(&b.slots[k].q);
    util_free(b.slots);
    util_free(b.audits);
    pthread_mutex_destroy(&b.lock);
    liaison_engine_free(e);
    store_close(a->st);
    a->st = NULL;
    return rc;
}

int cli_screen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"dob", required_argument, NULL, 'b'},
        {"nationality", required_argument, NULL, 'c'},
        {"gender", required_argument, NULL, 'g'},
        {"doc", required_argument, NULL, 'D'},
        {"mrz", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"batch", required_argument, NULL, 'B'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"kind", required_argument, NULL, 'K'},
        {"vin", required_argument, NULL, 'V'},
        {"plate", required_argument, NULL, 'P'},
        {"plate-country", required_argument, NULL, 'C'},
        {"purpose", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    screen_args a;
    long limit;
    int c;
    memset(&a, 0, sizeof(a));
    a.db = CLI_DEFAULT_DB;
    a.opts.threshold = -1;
    a.opts.limit = 10;
    a.purpose = DEFAULT_PURPOSE;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a.db = optarg; break;
        case 'n': a.q.name = optarg; break;
        case 'b': a.q.dob = optarg; break;
        case 'c': a.q.nationality = optarg; break;
        case 'g': a.q.gender = optarg; break;
        case 'D': a.q.doc = optarg; break;
        case 'm': a.mrz = optarg; break;
        case 'V': a.q.vin = optarg; break;
        case 'P': a.q.plate = optarg; break;
        case 'C': a.q.plate_country = optarg; break;
        case 'U': {
            policy_purposes one;
            struct liaison_err err;
            memset(&err, 0, sizeof(err));
            if (policy_purposes_parse(&one, optarg, &err) || one.n != 1)
                return cli_fail("screen", "--purpose: %s", err.msg[0]
                                ? err.msg : "give one purpose");
            a.purpose = optarg;
            break;
        }
        case 't':
            if (cli_parse_double("screen", "--threshold", optarg, 0, 1,
                                 &a.opts.threshold))
                return CLI_ERROR;
            break;
        case 'k':
            if (cli_parse_size("screen", "--limit", optarg, 1, 1000, &limit))
                return CLI_ERROR;
            a.opts.limit = (size_t)limit;
            break;
        case 'j': a.json = 1; break;
        case 'B': a.batch = optarg; break;
        case 'f': a.format = optarg; break;
        case 'o': a.out = optarg; break;
        case 'K':
            if (!strcmp(optarg, "person"))
                a.opts.kinds = LIAISON_KINDS_PERSON;
            else if (!strcmp(optarg, "entity"))
                a.opts.kinds = LIAISON_KINDS_ENTITY;
            else if (!strcmp(optarg, "any"))
                a.opts.kinds = LIAISON_KINDS_ALL;
            else
                return cli_fail("screen", "--kind: expected person, entity "
                                "or any, got '%s'", optarg);
            break;
        case 'h': return cli_usage(stdout, screen_usage, CLI_OK);
        default: return cli_usage(stderr, screen_usage, CLI_ERROR);
        }
    }
    if (optind != argc)
        return cli_usage(stderr, screen_usage, CLI_ERROR);
    if (a.q.dob && fmt_dob_valid(a.q.dob))
        return cli_fail("screen", "--dob: '%s' is not YYYY, YYYY-MM or "
                        "YYYY-MM-DD", a.q.dob);
    if (a.q.nationality && !util_country_alpha3(a.q.nationality))
        return cli_fail("screen", "--nationality: unknown country code '%s'",
                        a.q.nationality);
    if (a.q.name && liaison_utf8_check(a.q.name, strlen(a.q.name), NULL))
        return cli_fail("screen", "--name: not valid UTF-8");
    if (a.batch) {
        if (a.q.name || a.q.doc || a.mrz || a.q.vin || a.q.plate)
            return cli_fail("screen", "--batch screens a file; leave out "
                            "--name, --doc, --vin, --plate and --mrz");
        return screen_batch(&a);
    }
    if (a.format || a.out)
        return cli_fail("screen", "--format and --out go with --batch");
    return screen_single(&a);
}
