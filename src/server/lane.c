/*
** lane.c: the store lane: a few threads, each with its own store handle,
** that run the requests' store work which may block: record writes (they
** take the store's write lock and fsync), bulk uploads, list counts, audit
** reads and verification, account changes.
**
** The worker suspends the connection and queues a job; a lane thread runs
** it, the job fills the response, and the lane resumes the connection,
** which the worker then sends.  Workers thus keep serving other
** connections (and screenings) while a 64 MiB upload is committed.  Jobs
** run in arrival order on whichever lane thread is free; at shutdown the
** queue is drained before the threads exit.  The federation lane
** (fed.c) is another srv_lane.
*/
#include <string.h>

#include "server/srv_int.h"

static void *lane_main(void *arg)
{
    void **a = arg;
    srv_lane *l = a[0];
    store *st = a[1];
    util_free(a);
    for (;;) {
        srv_lane_job *j;
        pthread_mutex_lock(&l->lock);
        while (!l->head && !l->stop)
            pthread_cond_wait(&l->cond, &l->lock);
        j = l->head;
        if (j) {
            l->head = j->next;
            if (!l->head)
                l->tail = NULL;
        }
        pthread_mutex_unlock(&l->lock);
        if (!j)
            break;              /* stopping and drained */
        j->fn(j->r, st);
        srv_req_resume(j->r);   /* j lives in r's arena: not touched again */
    }
    return NULL;
}

int srv_lane_start(srv_lane *l, const char *db, const char *name,
                   struct liaison_err *err)
{
    int i, rc;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    l->inited = 1;
    for (i = 0; i < SRV_LANE_THREADS; i++) {
        void **a;
        rc = store_open(db, &l->st[i], err);
        if (rc)
            return rc;
        a = util_malloc(2 * sizeof(void *));
        if (!a)
            return util_err(err, LIAISON_ENOMEM, 0, 0, "out of memory");
        a[0] = l;
        a[1] = l->st[i];
        if (pthread_create(&l->threads[i], NULL, lane_main, a)) {
            util_free(a);
            return util_err(err, LIAISON_ENOMEM, 0, 0, "cannot start the %s",
                            name);
        }
        l->n_started++;
    }
    return LIAISON_OK;
}

void srv_lane_stop(srv_lane *l)
{
    int i;
    if (!l->inited)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    for (i = 0; i < l->n_started; i++)
        pthread_join(l->threads[i], NULL);
    l->n_started = 0;
    for (i = 0; i < SRV_LANE_THREADS; i++) {
        store_close(l->st[i]);
        l->st[i] = NULL;
    }
    pthread_cond_destroy(&l->cond);
    pthread_mutex_destroy(&l->lock);
    l->inited = 0;
}

enum srv_outcome srv_lane_submit(srv_lane *l, srv_req *r, srv_lane_fn fn)
{
    srv_lane_job *j = util_arena_alloc(&r->arena, sizeof(*j));
    if (!j)
        return srv_req_fail(r, 500, "internal", "out of memory");
    j->next = NULL;
    j->r = r;
    j->fn = fn;
    if (srv_req_suspend(r)) {
        r->close = 1;
        return srv_req_fail(r, 503, "shutting_down", "the server is "
                            "stopping");
    }
    pthread_mutex_lock(&l->lock);
    if (l->stop) {
        pthread_mutex_unlock(&l->lock);
        srv_req_fail(r, 503, "shutting_down", "the server is stopping");
        srv_req_resume(r);
        return SRV_WAIT;
    }
    if (l->tail)
        l->tail->next = j;
    else
        l->head = j;
    l->tail = j;
    pthread_cond_signal(&l->cond);
    pthread_mutex_unlock(&l->lock);
    return SRV_WAIT;
}

enum srv_outcome srv_lane_run(srv_req *r, srv_lane_fn fn)
{
    return srv_lane_submit(&r->s->lane, r, fn);
}
