/*
** load.c: a small HTTP/1.1 load generator for the HTTP benchmark, next to
** wrk: keep-alive connections posting JSON bodies round-robin, each
** request timed on its own with the monotonic clock.
**
**   TOKEN=... load --addr HOST:PORT --bodies FILE [--path /v1/screen]
**        [--connections C] [--threads T] [--seconds S] [--rate R]
**
** Why a second client.  wrk is closed-loop: each connection sends again
** when it has its answer, so a server that stops for 100 ms delays only
** the one request in flight on each connection, and the requests that
** would have been sent meanwhile are never measured (coordinated
** omission).  A target such as "p99 within 5 ms at 20,000 requests/s"
** is about a set load: that is --rate.  The figures also
** give the sum of the latencies over the connections' time (at most 1
** for a closed loop, by Little's law): on this project's machine, wrk
** with a Lua request() function once reported latencies adding up to
** several times what its own connections had time for, while this
** client, on the same server at the same moment, stayed consistent.
**
** With --rate R the connections share a schedule of R requests/s (each
** sends every C/R s) and a request's latency counts from the moment it
** was due, not from when it could go out: a server that falls behind
** shows it in the latencies (no coordinated omission, as wrk2 does).
** Without it each connection sends as soon as it has its answer.
**
** The bearer token comes from the environment (TOKEN), not the command
** line, where other users of the machine could read it.  Prints one line
** of figures; exit 1 when no request was answered.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#define RECV_CAP 65536          /* largest answer read (headers + body) */

typedef struct conn {
    int fd;
    int busy;                   /* a request is out, its answer awaited */
    size_t req;                 /* index of the request being sent */
    size_t written;
    char *buf;                  /* the answer so far */
    size_t got;
    uint64_t t_sent;            /* when the request was due or written */
    uint64_t t_next;            /* --rate: when the next one is due */
} conn;

typedef struct worker {
    int id, nconn;
    conn *c;
    uint64_t *lat;              /* nanoseconds, one per answer */
    size_t n_lat, cap_lat;
    long non200, errors, reconnects;
    uint64_t busy_ns;           /* time the connections waited, summed */
} worker;

static struct sockaddr_in addr;
static char **reqs;
static size_t *req_len, n_reqs;
static uint64_t t_end, interval_ns;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int conn_open(conn *c)
{
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    c->busy = 0;
    c->written = 0;
    c->got = 0;
    return 0;
}

static int note_latency(worker *w, uint64_t ns)
{
    if (w->n_lat == w->cap_lat) {
        size_t cap = w->cap_lat ? w->cap_lat * 2 : 65536;
        uint64_t *l = realloc(w->lat, cap * sizeof(*l));
        if (!l)
            return -1;
        w->lat = l;
        w->cap_lat = cap;
    }
    w->lat[w->n_lat++] = ns;
    return 0;
}

/* Length of a whole answer in buf (headers and Content-Length body), 0
** while incomplete, -1 if it cannot be read; *status and *close filled. */
static long answer_len(const char *buf, size_t n, int *status, int *close_)
{
    const char *end = memmem(buf, n, "\r\n\r\n", 4), *p;
    long clen = -1;
    if (!end)
        return n >= RECV_CAP ? -1 : 0;
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(buf + 9);
    *close_ = 0;
    for (p = buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
        p++;
        if (!strncasecmp(p, "content-length:", 15))
            clen = atol(p + 15);
        else if (!strncasecmp(p, "connection:", 11) &&
                 strstr(p, "close") && strstr(p, "close") < strchr(p, '\n'))
            *close_ = 1;
    }
    if (clen < 0)
        return -1;
    return (end + 4 - buf) + clen <= (long)n ? (end + 4 - buf) + clen : 0;
}

/* Send what is left of the current request; 0 when all of it is out. */
static int send_some(conn *c)
{
    while (c->written < req_len[c->req]) {
        ssize_t k = write(c->fd, reqs[c->req] + c->written,
                          req_len[c->req] - c->written);
        if (k < 0)
            return errno == EAGAIN ? 1 : -1;
        c->written += (size_t)k;
    }
    return 0;
}

static void start_request(worker *w, conn *c, uint64_t due)
{
    c->req = (c->req + (size_t)w->nconn) % n_reqs;
    c->written = 0;
    c->got = 0;
    c->busy = 1;
    c->t_sent = due;
}

static void reconnect(worker *w, int ep, conn *c)
{
    struct epoll_event ev;
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    w->reconnects++;
    if (conn_open(c) != 0)
        return;
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Read what has arrived; an answer completes the request. */
static void on_readable(worker *w, int ep, conn *c, uint64_t now)
{
    for (;;) {
        ssize_t k = read(c->fd, c->buf + c->got, RECV_CAP - c->got);
        int status = 0, cl = 0;
        long len;
        if (k == 0 || (k < 0 && errno != EAGAIN)) {
            if (c->busy)
                w->errors++;
            reconnect(w, ep, c);
            return;
        }
        if (k < 0)
            return;
        c->got += (size_t)k;
        len = answer_len(c->buf, c->got, &status, &cl);
        if (len < 0) {
            w->errors++;
            reconnect(w, ep, c);
            return;
        }
        if (len == 0)
            continue;
        if (status != 200)
            w->non200++;
        if (now > c->t_sent) {
            note_latency(w, now - c->t_sent);
            w->busy_ns += now - c->t_sent;
        }
        c->busy = 0;
        if (cl)
            reconnect(w, ep, c);
        return;
    }
}

static void *run(void *arg)
{
    worker *w = arg;
    struct epoll_event evs[64];
    int ep = epoll_create1(0), i;
    uint64_t t0 = now_ns();
    for (i = 0; i < w->nconn; i++) {
        conn *c = &w->c[i];
        struct epoll_event ev;
        c->buf = malloc(RECV_CAP);
        c->req = ((size_t)w->id * 7919 + (size_t)i) % n_reqs;
        /* Spread the connections' schedules over one interval. */
        c->t_next = t0 + interval_ns * (uint64_t)i / (uint64_t)w->nconn;
        if (!c->buf || conn_open(c) != 0) {
            fprintf(stderr, "load: cannot connect\n");
            exit(2);
        }
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    for (;;) {
        uint64_t now = now_ns(), wake = t_end;
        int n;
        if (now >= t_end)
            break;
        /* Start the requests that are due, and push what is unsent. */
        for (i = 0; i < w->nconn; i++) {
            conn *c = &w->c[i];
            if (c->fd < 0) {
                reconnect(w, ep, c);
                continue;
            }
            if (!c->busy) {
                if (interval_ns && c->t_next > now) {
                    if (c->t_next < wake)
                        wake = c->t_next;
                    continue;
                }
                start_request(w, c, interval_ns ? c->t_next : now);
                if (interval_ns)
                    c->t_next += interval_ns;
            }
            if (c->written < req_len[c->req] && send_some(c) < 0) {
                w->errors++;
                reconnect(w, ep, c);
            }
        }
        {
            /* Nanosecond timeouts: a schedule of a request every few
            ** hundred microseconds cannot wait in whole milliseconds. */
            uint64_t d = wake > now ? wake - now : 0;
            struct timespec ts;
            ts.tv_sec = (time_t)(d / 1000000000u);
            ts.tv_nsec = (long)(d % 1000000000u);
            n = epoll_pwait2(ep, evs, 64, &ts, NULL);
        }
        now = now_ns();
        for (i = 0; i < n; i++)
            on_readable(w, ep, evs[i].data.ptr, now);
    }
    for (i = 0; i < w->nconn; i++) {
        if (w->c[i].fd >= 0)
            close(w->c[i].fd);
        free(w->c[i].buf);
    }
    close(ep);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int load_bodies(const char *path, const char *host, const char *route,
                       const char *token)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, n_cap = 0;
    ssize_t len;
    if (!f)
        return -1;
    while ((len = getline(&line, &cap, f)) > 0) {
        char *r;
        int k;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0)
            continue;
        if (n_reqs == n_cap) {
            n_cap = n_cap ? n_cap * 2 : 1024;
            reqs = realloc(reqs, n_cap * sizeof(*reqs));
            req_len = realloc(req_len, n_cap * sizeof(*req_len));
            if (!reqs || !req_len)
                return -1;
        }
        k = asprintf(&r, "POST %s HTTP/1.1\r\nHost: %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Length: %zd\r\n\r\n%s",
                     route, host, token, len, line);
        if (k < 0)
            return -1;
        reqs[n_reqs] = r;
        req_len[n_reqs++] = (size_t)k;
    }
    free(line);
    fclose(f);
    return n_reqs ? 0 : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: TOKEN=... load --addr HOST:PORT --bodies FILE "
            "[--path P] [--connections C] [--threads T] [--seconds S] "
            "[--rate R]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *a = NULL, *bodies = NULL, *route = "/v1/screen";
    const char *token = getenv("TOKEN");
    int conns = 16, threads = 2, i, k;
    double seconds = 10, rate = 0, ms, busy_s = 0;
    char host[64];
    worker *w;
    pthread_t *tid;
    uint64_t *all, t0, n = 0;
    long non200 = 0, errors = 0, reconnects = 0;
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(argv[i], "--addr"))
            a = v;
        else if (!strcmp(argv[i], "--bodies"))
            bodies = v;
        else if (!strcmp(argv[i], "--path"))
            route = v;
        else if (!strcmp(argv[i], "--connections"))
            conns = atoi(v);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(v);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = atof(v);
        else if (!strcmp(argv[i], "--rate"))
            rate = atof(v);
        else
            usage();
        i++;
    }
    if (!a || !bodies || conns < 1 || threads < 1 || seconds <= 0 || rate < 0)
        usage();
    if (threads > conns)
        threads = conns;
    {
        const char *colon = strrchr(a, ':');
        if (!colon || (size_t)(colon - a) >= sizeof(host))
            usage();
        memcpy(host, a, (size_t)(colon - a));
        host[colon - a] = 0;
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
            usage();
    }
    if (load_bodies(bodies, a, route, token ? token : "") != 0) {
        fprintf(stderr, "load: cannot read bodies from %s\n", bodies);
        return 2;
    }
    interval_ns = rate > 0 ? (uint64_t)(1e9 * conns / rate) : 0;
    w = calloc((size_t)threads, sizeof(*w));
    tid = calloc((size_t)threads, sizeof(*tid));
    if (!w || !tid)
        return 2;
    t0 = now_ns();
    t_end = t0 + (uint64_t)(seconds * 1e9);
    for (i = 0; i < threads; i++) {
        w[i].id = i;
        w[i].nconn = conns / threads + (i < conns % threads);
        w[i].c = calloc((size_t)w[i].nconn, sizeof(conn));
        if (!w[i].c || pthread_create(&tid[i], NULL, run, &w[i]))
            return 2;
    }
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        n += w[i].n_lat;
        non200 += w[i].non200;
        errors += w[i].errors;
        reconnects += w[i].reconnects;
        busy_s += (double)w[i].busy_ns / 1e9;
    }
    if (n == 0) {
        fprintf(stderr, "load: no request was answered\n");
        return 1;
    }
    all = malloc(n * sizeof(*all));
    if (!all)
        return 2;
    for (i = 0, n = 0; i < threads; i++) {
        memcpy(all + n, w[i].lat, w[i].n_lat * sizeof(*all));
        n += w[i].n_lat;
    }
    qsort(all, n, sizeof(*all), cmp_u64);
    ms = (double)(now_ns() - t0) / 1e9;
#define PCT(p) ((double)all[(size_t)((double)(n - 1) * (p))] / 1e6)
    k = printf("load: %d connections on %d threads, %.1f s%s: %llu requests, "
               "%.0f requests/s, latency p50 %.2f ms, p90 %.2f ms, "
               "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; non-200: %ld; "
               "errors: %ld; reconnects: %ld; latency sum / connection "
               "time %.2f\n",
               conns, threads, ms, rate > 0 ? " at a set rate" : "",
               (unsigned long long)n, (double)n / ms, PCT(0.50), PCT(0.90),
               PCT(0.99), PCT(0.999), (double)all[n - 1] / 1e6, non200,
               errors, reconnects, busy_s / (ms * conns));
    return k < 0;
}
