/*
** auditq.c: the audit writer: one thread that appends the server's audit
** entries to the hash chain in group commits.
**
** NOTES ON AUDITING REQUESTS
**
**  1. A screening's result is released only after its audit entry is
**     committed (fail closed): the worker renders the response, suspends
**     the connection, queues the entry and returns to its event loop; the
**     writer commits and resumes the connection; a failed append turns the
**     response into a 503 and the hits are never sent.
**  2. Group commit: the writer takes everything queued (up to BATCH_MAX
**     entries) and appends it in ONE store transaction, so the cost of a
**     commit (an fsync with --sync full) is shared by every request that
**     arrived meanwhile and throughput does not depend on the disk's
**     fsync latency.  Entries are chained in queue order.  A busy
**     server's writer is faster than the requests come: it committed 1.6
**     entries at a time, and its commits and wake-ups cost 18 us of CPU
**     per screening, a fifth of the request.  So a group commit starts
**     at most SRV_AUDIT_COMMIT_EVERY_US after the last one began, when
**     waiting can gather more: (a) entries came while the writer was
**     committing (the load goes on): it sleeps out the interval; (b) it
**     was woken by an entry while a worker is still inside a handler
**     that has not queued its entry yet: it waits for the interval or
**     until no worker has an entry on the way (the last to queue its
**     entry or leave its handler wakes it).  Otherwise it commits at
**     once: a request alone, or clients that wait for each answer before
**     asking again, gain nothing from waiting (a wait in every case made
**     two such clients twice as slow).  Under full load a commit takes
**     ~10 entries.
**  3. Only this thread appends for the workers, so they never queue on
**     the store's write lock.  Other appenders (record writes on the lane,
**     `liaison user add` in another process) take the same write lock in
**     the store, which keeps the chain linear (audit.c note 4).
**  4. Durability.  With sync_full every group commit is fsynced before
**     the requests it holds are answered.  By default (store_set_sync
**     not full) a group commit is in the database when the requests are
**     answered, so a crash of the server loses nothing, and the syncer
**     thread fsyncs the log within DURABLE_MS (a power cut may lose the
**     entries of the last DURABLE_MS) and checkpoints it every
**     CHECKPOINT_MS, so that the writer itself does not wait for the disk:
**     on this project's 2-core test machine an fsync costs 7-10 ms, the
**     difference between a 5 ms and a 25 ms p99.
**  5. The log must also start over now and then (SQLite: the WAL only
**     restarts after a checkpoint has caught up with its end, which one
**     running beside a busy writer never does).  When the syncer finds
**     more than RESTART_FRAMES in it, it asks the writer to checkpoint
**     once between two group commits; the syncer has just copied nearly
**     everything, so that costs the writer two fsyncs, every 256 MiB of
**     log (every ~10 s at 30,000 screenings/s, hours at real rates).
**  6. Entries nobody waits for (authentication failures) are copied into
**     the queue; when it is full, their producer blocks until there is
**     room, so a flood of bad tokens is slowed down rather than dropped
**     from the trail.
**  7. At shutdown the queue is drained before the thread exits; anything
**     pushed after that fails at once (and its request gets a 503).
*/
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "server/srv_int.h"

#define BATCH_MAX 2048
#define QUEUE_MAX 65536
#define DURABLE_MS 100
#define CHECKPOINT_MS 1000
#define RESTART_FRAMES 65536       /* 256 MiB of 4 KiB pages */

static srv_req *req_of(srv_waiter *w)
{
    return (srv_req *)(void *)((char *)w - offsetof(srv_req, w));
}

/* Settle one item; the last item of a waiter resumes its request, after
** which neither the item nor the waiter may be touched. */
static void settle(srv *s, srv_audit_item *it, int rc, int64_t seq)
{
    srv_waiter *w = it->w;
    if (!w) {
        util_free(it);
        return;
    }
    if (rc) {
        if (!w->rc)
            w->rc = rc;
    } else {
        if (!w->first_seq)
            w->first_seq = seq;
        w->last_seq = seq;
    }
    if (--w->pending == 0)
        srv_req_resume(req_of(w));
    (void)s;
}

static void note_max(atomic_ulong *m, uint64_t v)
{
    unsigned long cur = atomic_load(m);
    while (v > cur && !atomic_compare_exchange_weak(m, &cur, v))
        ;
}

static int append_all(srv_auditq *q, srv_audit_item *first, int64_t *seqs,
                      long n)
{
    srv_audit_item *it;
    long i = 0;
    int rc = store_begin(q->st);
    if (rc)
        return rc;
    for (it = first; it && i < n; it = it->next, i++) {
        rc = audit_append(q->st, &it->e, &seqs[i]);
        if (rc)
            break;
    }
    if (rc) {
        store_rollback(q->st);
        return rc;
    }
    return store_commit(q->st);
}

/* ts = now on clock + us (for pthread_cond_timedwait on a condition of
** that clock). */
static void deadline_in(struct timespec *ts, clockid_t clock, long us)
{
    clock_gettime(clock, ts);
    ts->tv_sec += us / 1000000;
    ts->tv_nsec += (us % 1000000) * 1000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *writer(void *arg)
{
    srv *s = arg;
    srv_auditq *q = &s->aq;
    int64_t *seqs = util_calloc(BATCH_MAX, sizeof(int64_t));
    uint64_t last_take = 0;
    for (;;) {
        srv_audit_item *first, *last, *it, *next;
        long n = 0, i;
        uint64_t t0;
        int rc, woken = 0;
        pthread_mutex_lock(&q->lock);
        while (!q->head && !q->stop) {
            pthread_cond_wait(&q->cond, &q->lock);
            woken = 1;
        }
        if (!q->head) {
            pthread_mutex_unlock(&q->lock);
            break;              /* stopping and drained */
        }
        t0 = util_now_us();
        if (!q->stop && q->len < BATCH_MAX &&
            t0 - last_take < SRV_AUDIT_COMMIT_EVERY_US &&
            (!woken || atomic_load(&q->coming) > 0)) {
            /* Note 2: entries are on the way. */
            long us = (long)(SRV_AUDIT_COMMIT_EVERY_US - (t0 - last_take));
            struct timespec ts;
            if (!woken) {
                /* They came while committing: the load goes on. */
                ts.tv_sec = 0;
                ts.tv_nsec = us * 1000L;
                pthread_mutex_unlock(&q->lock);
                while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
                    ;
                pthread_mutex_lock(&q->lock);
            } else {
                deadline_in(&ts, CLOCK_MONOTONIC, us);
                while (!q->stop && q->len < BATCH_MAX &&
                       atomic_load(&q->coming) > 0 &&
                       pthread_cond_timedwait(&q->idle, &q->lock, &ts) == 0)
                    ;
            }
            t0 = util_now_us();
        }
        last_take = t0;
        first = last = q->head;
        n = 1;
        while (last->next && n < BATCH_MAX) {
            last = last->next;
            n++;
        }
        q->head = last->next;
        if (!q->head)
            q->tail = NULL;
        last->next = NULL;
        q->len -= n;
        pthread_cond_broadcast(&q->space);
        pthread_mutex_unlock(&q->lock);

        rc = seqs ? append_all(q, first, seqs, n) : LIAISON_ENOMEM;
        note_max(&q->commit_max_us, util_now_us() - t0);
        atomic_fetch_add(&q->commits, 1);
        if (atomic_exchange(&q->restart_wanted, 0)) {
            /* Note 5: between two commits, so the checkpoint can finish. */
            uint64_t t1 = util_now_us();
            store_checkpoint(q->st, NULL);
            atomic_fetch_add(&q->restarts, 1);
            note_max(&q->checkpoint_max_us, util_now_us() - t1);
        }
        if (rc)
            atomic_fetch_add(&q->failures, n);
        else
            atomic_fetch_add(&q->appended, n);
        for (it = first, i = 0; it; it = next, i++) {
            next = it->next;
            settle(s, it, rc, rc ? 0 : seqs[i]);
        }
    }
    util_free(seqs);
    return NULL;
}

/* Note 4: make group commits durable and checkpoint, off the writer. */
static void *syncer(void *arg)
{
    srv *s = arg;
    srv_auditq *q = &s->aq;
    unsigned long synced = 0, checkpointed = 0;
    uint64_t last_ckpt = util_now_us();
    int stop = 0;
    while (!stop) {
        struct timespec ts;
        unsigned long c;
        deadline_in(&ts, CLOCK_REALTIME, DURABLE_MS * 1000L);
        pthread_mutex_lock(&q->lock);
        while (!q->sync_stop &&
               pthread_cond_timedwait(&q->tick, &q->lock, &ts) == 0)
            ;
        stop = q->sync_stop;
        pthread_mutex_unlock(&q->lock);
        c = atomic_load(&q->commits);
        if (c != synced) {
            uint64_t t0 = util_now_us();
            if (store_sync(q->sync_st) == LIAISON_OK)
                synced = c;
            else
                atomic_fetch_add(&q->sync_failures, 1);
            note_max(&q->sync_max_us, util_now_us() - t0);
        }
        if (c != checkpointed &&
            (stop || util_now_us() - last_ckpt >= CHECKPOINT_MS * 1000)) {
            long frames = 0;
            store_checkpoint(q->sync_st, &frames);
            if (frames > RESTART_FRAMES)
                atomic_store(&q->restart_wanted, 1);
            checkpointed = c;
            last_ckpt = util_now_us();
        }
    }
    return NULL;
}

int srv_auditq_start(srv *s, struct liaison_err *err)
{
    srv_auditq *q = &s->aq;
    int rc;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    pthread_cond_init(&q->space, NULL);
    pthread_cond_init(&q->tick, NULL);
    {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&q->idle, &ca);
        pthread_condattr_destroy(&ca);
    }
    q->sync_full = s->cfg.sync_full;
    rc = store_open(s->db, &q->st, err);
    if (rc)
        return rc;
    if (!q->sync_full) {
        rc = store_open(s->db, &q->sync_st, err);
        if (!rc && (rc = store_set_sync(q->st, 0)))
            util_err(err, rc, 0, 0, "audit log: %s", store_last_error(q->st));
        if (rc)
            return rc;
    }
    if (pthread_create(&q->thread, NULL, writer, s))
        return util_err(err, LIAISON_ENOMEM, 0, 0,
                        "cannot start the audit writer");
    q->started = 1;
    if (!q->sync_full) {
        if (pthread_create(&q->sync_thread, NULL, syncer, s))
            return util_err(err, LIAISON_ENOMEM, 0, 0,
                            "cannot start the audit syncer");
        q->sync_started = 1;
    }
    return LIAISON_OK;
}

void srv_auditq_stop(srv *s)
{
    srv_auditq *q = &s->aq;
    srv_audit_item *it, *next;
    if (q->started) {
        pthread_mutex_lock(&q->lock);
        q->stop = 1;
        pthread_cond_broadcast(&q->cond);
        pthread_cond_broadcast(&q->space);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
        q->started = 0;
    }
    if (q->sync_started) {
        /* The writer has drained: one last sync, then the syncer exits. */
        pthread_mutex_lock(&q->lock);
        q->sync_stop = 1;
        pthread_cond_broadcast(&q->tick);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->sync_thread, NULL);
        q->sync_started = 0;
    }
    /* Nothing should be left; fail whatever is. */
    for (it = q->head; it; it = next) {
        next = it->next;
        settle(s, it, LIAISON_ESTATE, 0);
    }
    q->head = q->tail = NULL;
    store_close(q->st);
    q->st = NULL;
    store_close(q->sync_st);
    q->sync_st = NULL;
    pthread_cond_destroy(&q->tick);
    pthread_cond_destroy(&q->idle);
    pthread_cond_destroy(&q->space);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
}

/* Note 2: whether this thread is in a handler whose entry is not queued
** yet.  The last such worker to queue its entry or leave its handler
** wakes a writer waiting for it (called with q->lock held). */
static _Thread_local int tl_coming;

static void entry_came(srv_auditq *q)
{
    if (!tl_coming)
        return;
    tl_coming = 0;
    if (atomic_fetch_sub(&q->coming, 1) == 1)
        pthread_cond_signal(&q->idle);
}

void srv_auditq_enter(srv *s)
{
    tl_coming = 1;
    atomic_fetch_add(&s->aq.coming, 1);
}

void srv_auditq_leave(srv *s)
{
    srv_auditq *q = &s->aq;
    if (!tl_coming)
        return;
    pthread_mutex_lock(&q->lock);
    entry_came(q);
    pthread_mutex_unlock(&q->lock);
}

void srv_auditq_push(srv *s, srv_audit_item *first, srv_audit_item *last,
                     long n)
{
    srv_auditq *q = &s->aq;
    srv_audit_item *it, *next;
    pthread_mutex_lock(&q->lock);
    if (q->stop || !q->started) {
        pthread_mutex_unlock(&q->lock);
        for (it = first; it; it = next) {
            next = it->next;
            settle(s, it, LIAISON_ESTATE, 0);
        }
        return;
    }
    last->next = NULL;
    if (q->tail)
        q->tail->next = first;
    else
        q->head = first;
    q->tail = last;
    q->len += n;
    pthread_cond_signal(&q->cond);
    entry_came(q);
    pthread_mutex_unlock(&q->lock);
}

/* One heap block: the item, then its strings. */
int srv_auditq_post(srv *s, const store_audit_entry *e)
{
    srv_auditq *q = &s->aq;
    const char *f[5] = {e->actor, e->agency, e->action, e->purpose,
                        e->detail_json};
    size_t len[5], total = sizeof(srv_audit_item), i;
    srv_audit_item *it;
    char *p, *dst[5];
    for (i = 0; i < 5; i++) {
        len[i] = f[i] ? strlen(f[i]) + 1 : 0;
        total += len[i];
    }
    it = util_calloc(1, total);
    if (!it)
        return LIAISON_ENOMEM;
    p = (char *)(it + 1);
    for (i = 0; i < 5; i++) {
        dst[i] = NULL;
        if (f[i]) {
            memcpy(p, f[i], len[i]);
            dst[i] = p;
            p += len[i];
        }
    }
    it->e.actor = dst[0];
    it->e.agency = dst[1];
    it->e.action = dst[2];
    it->e.purpose = dst[3];
    it->e.detail_json = dst[4];
    it->e.at = e->at;
    pthread_mutex_lock(&q->lock);
    while (q->len >= QUEUE_MAX && !q->stop)
        pthread_cond_wait(&q->space, &q->lock);
    pthread_mutex_unlock(&q->lock);
    srv_auditq_push(s, it, it, 1);
    return LIAISON_OK;
}
