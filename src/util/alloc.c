/*
** alloc.c: the library's allocator wrappers.
**
** Every allocation of liaison goes through util_malloc() and friends.  Two
** test facilities hang off them:
**   - a live-allocation counter, so that test runners can report memory that
**     was never freed (as SQLite's tester reports "Unfreed memory");
**   - LIAISON_FAIL_ALLOC=N (or util_alloc_fail_at()) makes the Nth
**     allocation from now fail, as curl's torture mode does.
** Both are process-wide atomics: this is test instrumentation, not library
** state, and costs one relaxed atomic add per call.
*/
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

static atomic_long live_allocs;
static atomic_long fail_countdown = -1;   /* -1: not yet read from env */

static int should_fail(void)
{
    long v = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (v == -1) {
        const char *env = getenv("LIAISON_FAIL_ALLOC");
        long n = 0;
        if (env && util_parse_long(env, 1, 1L << 40, &n) == LIAISON_OK)
            v = n;
        else
            v = 0;
        atomic_store(&fail_countdown, v);
    }
    if (v <= 0)
        return 0;
    v = atomic_fetch_sub(&fail_countdown, 1);
    return v == 1;
}

void util_alloc_fail_at(long n)
{
    atomic_store(&fail_countdown, n > 0 ? n : 0);
}

long util_alloc_live(void)
{
    return atomic_load(&live_allocs);
}

void *util_malloc(size_t n)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(n ? n : 1);
    if (p)
        atomic_fetch_add_explicit(&live_allocs, 1, memory_order_relaxed);
    return p;
}

#define HUGE_PAGE ((size_t)2 << 20)

void *util_malloc_big(size_t n)
{
    void *p = NULL;
    size_t whole;
    if (n < HUGE_PAGE)
        return util_malloc(n);
    if (should_fail())
        return NULL;
    /* Whole huge pages, so that the advice covers only this block. */
    whole = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (whole < n || posix_memalign(&p, HUGE_PAGE, whole) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, whole, MADV_HUGEPAGE);     /* a hint: may be refused */
#endif
    atomic_fetch_add_explicit(&live_allocs, 1, memory_order_relaxed);
    return p;
}

void *util_calloc_big(size_t n, size_t size)
{
    void *p;
    size_t total;
    if (size && n > SIZE_MAX / size)
        return NULL;
    total = n * size;
    p = util_malloc_big(total);
    if (p && total)
        memset(p, 0, total);
    return p;
}

void *util_calloc(size_t n, size_t size)
{
    void *p;
    if (should_fail())
        return NULL;
    if (n == 0 || size == 0)
        n = size = 1;
    p = calloc(n, size);
    if (p)
        atomic_fetch_add_explicit(&live_allocs, 1, memory_order_relaxed);
    return p;
}

/* Like realloc(); realloc(NULL, n) counts as a new allocation.  On failure
** the old block is left untouched and NULL is returned. */
void *util_realloc(void *p, size_t n)
{
    void *q;
    if (should_fail())
        return NULL;
    q = realloc(p, n ? n : 1);
    if (q && !p)
        atomic_fetch_add_explicit(&live_allocs, 1, memory_order_relaxed);
    return q;
}

void util_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&live_allocs, 1, memory_order_relaxed);
    free(p);
}

void *util_memdup(const void *p, size_t n)
{
    void *q = util_malloc(n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *util_strndup(const char *s, size_t n)
{
    char *q = util_malloc(n + 1);
    if (!q)
        return NULL;
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *util_strdup(const char *s)
{
    return s ? util_strndup(s, strlen(s)) : NULL;
}

void liaison_free(void *p)
{
    util_free(p);
}
