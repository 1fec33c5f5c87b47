/*
** engine.c: the screening engine the workers share, and its refresher.
**
** NOTES ON SWAPPING THE INDEX
**
**  1. An engine is immutable once built (liaison.h), so any number of
**     workers screen against it at once, each through its own searcher.
**  2. The current engine is one pointer under a mutex.  A reader takes a
**     reference (refs++) under the mutex and drops it when done; the
**     refresher builds a new engine entirely off to the side, then swaps
**     the pointer under the mutex and drops the old engine's reference.
**     Whoever drops the last reference frees the engine with its
**     searchers.  Readers therefore always see one complete engine: the
**     old one or the new one, never a half-built one, and reads never
**     stop while an index is built.
**  3. Searchers belong to the engine they search: slot i is made by
**     worker thread i on first use and only ever touched by it until the
**     engine is freed (after every reference is gone, so the refcount's
**     acquire/release orders the frees after the uses).
**  4. An engine is built from one pass over the store (one statement, so
**     one snapshot).  It records the change sequence read before that
**     pass; a change that lands during the pass makes the refresher see
**     seq > its own and build again, so nothing is missed, at worst a
**     change is applied twice.
**  5. The refresher wakes on the store's change feed (store_changes_wait:
**     LISTEN/NOTIFY on PostgreSQL, polling on SQLite) and, at once, when
**     the API wrote something (srv_engines_kick), so `liaison import` in
**     another process and POST /v1/records are both picked up.  At a new
**     UTC day it rebuilds too, since expiry depends on the date.
**  6. A failed build keeps the old engine and is retried on the next
**     change or after a pause.
**  7. The first build, before anything is served, uses every core; a
**     refresh builds on one thread (liaison_engine_opts.build_threads),
**     so that while an import is indexed the workers keep the other
**     cores and screenings do not slow down with it.
*/
#include <string.h>
#include <time.h>

#include "server/srv_int.h"

static void utc_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void engine_free(srv_engine *e)
{
    int i, k;
    if (!e)
        return;
    for (i = 0; i < e->n_slots; i++) {
        for (k = 0; k < SRV_MAX_DOCS + 1; k++)
            liaison_result_fini(&e->slots[i].res[k]);
        liaison_searcher_free(e->slots[i].searcher);
        if (!e->pslots)
            continue;
        for (k = 0; k < SRV_MAX_DOCS + 1; k++)
            liaison_result_fini(&e->pslots[i].res[k]);
        liaison_searcher_free(e->pslots[i].searcher);
    }
    util_free(e->slots);
    util_free(e->pslots);
    liaison_engine_free(e->e);
    liaison_engine_free(e->pe);
    util_free(e);
}

void srv_engine_release(srv_engine *e)
{
    if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        engine_free(e);
}

srv_engine *srv_engine_acquire(srv *s)
{
    srv_engine *e;
    pthread_mutex_lock(&s->eng.lock);
    e = s->eng.cur;
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&s->eng.lock);
    return e;
}

srv_slot *srv_engine_slot(srv_engine *e, srv_tctx *t)
{
    srv_slot *sl;
    if (!t || t->index < 0 || t->index >= e->n_slots)
        return NULL;
    sl = &e->slots[t->index];
    if (!sl->searcher && liaison_searcher_new(e->e, &sl->searcher))
        return NULL;
    return sl;
}

srv_slot *srv_engine_pslot(srv_engine *e, srv_tctx *t)
{
    srv_slot *sl;
    if (!e->pe || !t || t->index < 0 || t->index >= e->n_slots)
        return NULL;
    sl = &e->pslots[t->index];
    if (!sl->searcher && liaison_searcher_new(e->pe, &sl->searcher))
        return NULL;
    return sl;
}

/* Build a new engine from the store; background: while serving (note 7). */
static int build(srv *s, store *st, int background, srv_engine **out,
                 struct liaison_err *err)
{
    srv_engine *e;
    policy_load_stats ls;
    liaison_engine_opts eo;
    uint64_t t0 = util_now_us();
    int rc;
    *out = NULL;
    e = util_calloc(1, sizeof(*e));
    if (!e)
        return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    e->n_slots = s->threads;
    e->slots = util_calloc((size_t)s->threads, sizeof(srv_slot));
    atomic_init(&e->refs, 1);
    rc = e->slots ? store_last_seq(st, &e->seq) : LIAISON_ENOMEM;
    if (rc) {
        util_err(err, rc, 0, 0, "reading the change feed: %s",
                 rc == LIAISON_ENOMEM ? "out of memory" : store_last_error(st));
        engine_free(e);
        return rc;
    }
    memset(&eo, 0, sizeof(eo));
    eo.build_threads = background ? 1 : 0;
    rc = policy_engine_load(st, POLICY_VIEW_OWN, s->eng.today, &eo, &e->e,
                            &ls, err);
    /* Federation: partners screen against the records they may see only
    ** (sharing hit or details), built from the same change sequence. */
    if (!rc && s->eng.partner_view) {
        e->pslots = util_calloc((size_t)s->threads, sizeof(srv_slot));
        rc = e->pslots ? policy_engine_load(st, POLICY_VIEW_PARTNER,
                                            s->eng.today, &eo, &e->pe, NULL,
                                            err)
                       : util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
    }
    if (rc) {
        engine_free(e);
        return rc;
    }
    liaison_engine_get_stats(e->e, &e->st);
    e->build_s = (double)(util_now_us() - t0) / 1e6;
    atomic_fetch_add(&s->eng.builds, 1);
    *out = e;
    return LIAISON_OK;
}

static void swap_in(srv *s, srv_engine *e)
{
    srv_engine *old;
    pthread_mutex_lock(&s->eng.lock);
    old = s->eng.cur;
    s->eng.cur = e;
    pthread_cond_broadcast(&s->eng.cond);
    pthread_mutex_unlock(&s->eng.lock);
    srv_engine_release(old);
}

/* Wait up to ms for a kick or a stop; 1 when stopping. */
static int pause_ms(srv *s, int ms)
{
    struct timespec ts;
    int stop;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->eng.lock);
    while (!s->eng.stop && !s->eng.kick &&
           pthread_cond_timedwait(&s->eng.cond, &s->eng.lock, &ts) == 0)
        ;
    stop = s->eng.stop;
    pthread_mutex_unlock(&s->eng.lock);
    return stop;
}

static void *refresher(void *arg)
{
    srv *s = arg;
    for (;;) {
        int64_t have;
        int rc, kicked, stop, day = 0;
        pthread_mutex_lock(&s->eng.lock);
        stop = s->eng.stop;
        kicked = s->eng.kick;
        s->eng.kick = 0;
        have = s->eng.cur->seq;
        pthread_mutex_unlock(&s->eng.lock);
        if (stop)
            break;
        if (!kicked) {
            rc = store_changes_wait(s->eng.st, have, 200);
            if (rc == LIAISON_ETIMEOUT) {
                char now[11];
                if (s->eng.fixed_today)
                    continue;
                utc_today(now);
                if (!strcmp(now, s->eng.today))
                    continue;
                memcpy(s->eng.today, now, sizeof(now));
                day = 1;
            } else if (rc) {
                if (pause_ms(s, 1000))
                    break;
                continue;
            }
        } else {
            int64_t last = 0;
            if (store_last_seq(s->eng.st, &last) == LIAISON_OK &&
                last <= have && !day)
                continue;       /* nothing new after all */
        }
        {
            struct liaison_err err;
            srv_engine *e = NULL;
            memset(&err, 0, sizeof(err));
            if (build(s, s->eng.st, 1, &e, &err) == LIAISON_OK) {
                swap_in(s, e);
            } else {
                atomic_fetch_add(&s->eng.build_failures, 1);
                if (pause_ms(s, 1000))
                    break;
            }
        }
    }
    return NULL;
}

int srv_engines_start(srv *s, struct liaison_err *err)
{
    srv_engine *e = NULL;
    int rc;
    pthread_mutex_init(&s->eng.lock, NULL);
    pthread_cond_init(&s->eng.cond, NULL);
    s->eng.partner_view = s->cfg.fed_key != NULL;
    if (s->cfg.today) {
        util_strlcpy(s->eng.today, s->cfg.today, sizeof(s->eng.today));
        s->eng.fixed_today = 1;
    } else {
        utc_today(s->eng.today);
    }
    rc = store_open(s->db, &s->eng.st, err);
    if (rc)
        return rc;
    rc = build(s, s->eng.st, 0, &e, err);
    if (rc)
        return rc;
    s->eng.cur = e;
    if (pthread_create(&s->eng.thread, NULL, refresher, s))
        return util_err(err, LIAISON_ENOMEM, 0, 0,
                        "cannot start the index refresher");
    s->eng.started = 1;
    return LIAISON_OK;
}

void srv_engines_stop(srv *s)
{
    if (s->eng.started) {
        pthread_mutex_lock(&s->eng.lock);
        s->eng.stop = 1;
        pthread_cond_broadcast(&s->eng.cond);
        pthread_mutex_unlock(&s->eng.lock);
        pthread_join(s->eng.thread, NULL);
        s->eng.started = 0;
    }
    srv_engine_release(s->eng.cur);
    s->eng.cur = NULL;
    store_close(s->eng.st);
    s->eng.st = NULL;
    pthread_cond_destroy(&s->eng.cond);
    pthread_mutex_destroy(&s->eng.lock);
}

void srv_engines_kick(srv *s)
{
    pthread_mutex_lock(&s->eng.lock);
    s->eng.kick = 1;
    pthread_cond_broadcast(&s->eng.cond);
    pthread_mutex_unlock(&s->eng.lock);
}

int64_t srv_index_seq(srv *s)
{
    int64_t seq;
    pthread_mutex_lock(&s->eng.lock);
    seq = s->eng.cur ? s->eng.cur->seq : 0;
    pthread_mutex_unlock(&s->eng.lock);
    return seq;
}

int srv_wait_index(srv *s, int64_t seq, int timeout_ms)
{
    struct timespec ts;
    int rc = LIAISON_OK;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->eng.lock);
    while (s->eng.cur->seq < seq)
        if (pthread_cond_timedwait(&s->eng.cond, &s->eng.lock, &ts)) {
            rc = s->eng.cur->seq < seq ? LIAISON_ETIMEOUT : LIAISON_OK;
            break;
        }
    pthread_mutex_unlock(&s->eng.lock);
    return rc;
}
