/*
** testlib.h: a tiny test harness.
**
**   TEST(name) { CHECK(x); CHECK_EQ(a, b); CHECK_STR(a, b); }
**   int main(int argc, char **argv) { return testlib_main(argc, argv); }
**
** Tests register themselves (constructor functions).  With no arguments the
** runner runs every test; with names, only those.  A failed check prints
** file:line and both values, and the test goes on.  The run ends with one
** line, "test_text: 57 passed, 0 failed", and exits 1 on any failure.  A
** test that leaves library allocations unfreed fails ("unfreed memory").
*/
#ifndef LIAISON_TESTLIB_H
#define LIAISON_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/util/util.h"

typedef void (*testlib_fn)(void);

struct testlib_case {
    const char *name;
    testlib_fn fn;
};

#define TESTLIB_MAX 1024
static struct testlib_case testlib_cases[TESTLIB_MAX];
static int testlib_ncases;
static int testlib_failed_checks;

static inline void testlib_register(const char *name, testlib_fn fn)
{
    if (testlib_ncases < TESTLIB_MAX) {
        testlib_cases[testlib_ncases].name = name;
        testlib_cases[testlib_ncases].fn = fn;
        testlib_ncases++;
    }
}

#define TEST(name)                                                        \
    static void test_##name(void);                                        \
    __attribute__((constructor)) static void testlib_reg_##name(void)     \
    {                                                                     \
        testlib_register(#name, test_##name);                             \
    }                                                                     \
    static void test_##name(void)

#define CHECK(c)                                                          \
    do {                                                                  \
        if (!(c)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,        \
                    __LINE__, #c);                                        \
            testlib_failed_checks++;                                      \
        }                                                                 \
    } while (0)

#define CHECK_EQ(a, b)                                                    \
    do {                                                                  \
        long long testlib_a = (long long)(a), testlib_b = (long long)(b); \
        if (testlib_a != testlib_b) {                                     \
            fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", \
                    __FILE__, __LINE__, #a, #b, testlib_a, testlib_b);    \
            testlib_failed_checks++;                                      \
        }                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *testlib_sa = (a), *testlib_sb = (b);                  \
        if (!testlib_sa || !testlib_sb || strcmp(testlib_sa, testlib_sb)) { \
            fprintf(stderr, "%s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b,                           \
                    testlib_sa ? testlib_sa : "(null)",                   \
                    testlib_sb ? testlib_sb : "(null)");                  \
            testlib_failed_checks++;                                      \
        }                                                                 \
    } while (0)

/* Path of a file under tests/data or ../shared, relative to the repository
** root; tests run from the root (make check does). */
#define TESTLIB_SHARED "../shared"

static inline int testlib_main(int argc, char **argv)
{
    const char *prog = strrchr(argv[0], '/');
    int passed = 0, failed = 0, i, j;
    prog = prog ? prog + 1 : argv[0];
    for (i = 0; i < testlib_ncases; i++) {
        int before = testlib_failed_checks;
        long live = util_alloc_live();
        if (argc > 1) {
            int want = 0;
            for (j = 1; j < argc; j++)
                if (!strcmp(argv[j], testlib_cases[i].name))
                    want = 1;
            if (!want)
                continue;
        }
        testlib_cases[i].fn();
        if (util_alloc_live() != live) {
            fprintf(stderr, "%s: unfreed memory: %ld allocations\n",
                    testlib_cases[i].name, util_alloc_live() - live);
            testlib_failed_checks++;
        }
        if (testlib_failed_checks != before) {
            fprintf(stderr, "FAIL %s\n", testlib_cases[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", prog, passed, failed);
    return failed ? 1 : 0;
}

#endif /* LIAISON_TESTLIB_H */
