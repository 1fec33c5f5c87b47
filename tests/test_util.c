/*
** test_util.c: buffers, arenas, allocation failure injection, parsing.
*/
#include "testlib.h"

TEST(buf_grows_and_caps)
{
    util_buf b;
    int i;
    util_buf_init(&b, 100);
    for (i = 0; i < 10; i++)
        CHECK_EQ(util_buf_adds(&b, "0123456789"), LIAISON_OK);
    CHECK_EQ(b.len, 100);
    CHECK_EQ(util_buf_addc(&b, 'x'), LIAISON_ETOOBIG);
    CHECK_EQ(b.len, 100);           /* contents untouched on failure */
    CHECK_EQ(strlen(util_buf_str(&b)), 100);
    util_buf_fini(&b);
}

TEST(buf_json_escape)
{
    util_buf b;
    util_buf_init(&b, 0);
    CHECK_EQ(util_buf_add_json_str(&b, "a\"b\\c\n\x01", 7), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
    util_buf_fini(&b);
}

TEST(buf_printf)
{
    util_buf b;
    util_buf_init(&b, 0);
    CHECK_EQ(util_buf_printf(&b, "%d-%s", 42, "x"), LIAISON_OK);
    CHECK_EQ(util_buf_printf(&b, "/%.2f", 0.5), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "42-x/0.50");
    util_buf_fini(&b);
}

/* util_buf_printf formats into the room it has and grows only when the
** output does not fit: both paths, the edge where the output exactly
** fills the room (no space left for its terminator), and the cap. */
TEST(buf_printf_fits_grows_and_caps)
{
    util_buf b;
    char big[300];
    size_t room;
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    util_buf_init(&b, 0);
    CHECK_EQ(util_buf_adds(&b, "ab"), LIAISON_OK);      /* cap 64 */
    room = b.cap - b.len;
    CHECK_EQ(util_buf_printf(&b, "%.*s", (int)room, big), LIAISON_OK);
    CHECK_EQ(b.len, 2 + room);
    CHECK_EQ(strlen(util_buf_str(&b)), b.len);
    CHECK_EQ(util_buf_printf(&b, "<%s>", big), LIAISON_OK);
    CHECK_EQ(b.len, 2 + room + 301);
    CHECK(b.p[b.len - 1] == '>' && b.p[b.len] == '\0');
    util_buf_fini(&b);

    util_buf_init(&b, 10);
    CHECK_EQ(util_buf_printf(&b, "%d", 12345), LIAISON_OK);
    CHECK_EQ(util_buf_printf(&b, "%d", 123456), LIAISON_ETOOBIG);
    CHECK_STR(util_buf_str(&b), "12345");  /* as it was */
    CHECK_EQ(util_buf_printf(&b, "%s", "67890"), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "1234567890");
    CHECK_EQ(util_buf_printf(&b, "%s", ""), LIAISON_OK);
    CHECK_EQ(util_buf_printf(&b, "x"), LIAISON_ETOOBIG);
    CHECK_STR(util_buf_str(&b), "1234567890");
    util_buf_fini(&b);
}

TEST(buf_add_key)
{
    util_buf b;
    util_buf_init(&b, 0);
    CHECK_EQ(util_buf_addc(&b, '{'), LIAISON_OK);
    CHECK_EQ(util_buf_add_key(&b, "name", 0), LIAISON_OK);
    CHECK_EQ(util_buf_adds(&b, "1"), LIAISON_OK);
    CHECK_EQ(util_buf_add_key(&b, "dob", 1), LIAISON_OK);
    CHECK_EQ(util_buf_adds(&b, "2}"), LIAISON_OK);
    CHECK_STR(util_buf_str(&b), "{\"name\":1,\"dob\":2}");
    util_buf_fini(&b);
    util_buf_init(&b, 8);
    CHECK_EQ(util_buf_add_key(&b, "abc", 1), LIAISON_OK);  /* 7 bytes */
    CHECK_EQ(util_buf_add_key(&b, "x", 0), LIAISON_ETOOBIG);
    CHECK_STR(util_buf_str(&b), ",\"abc\":");
    util_buf_fini(&b);
}

TEST(arena_alignment_and_big_pieces)
{
    util_arena a;
    char *p, *big, *q;
    util_arena_init(&a, 64);
    p = util_arena_alloc(&a, 3);
    q = util_arena_alloc(&a, 5);
    CHECK(((uintptr_t)p & 7) == 0);
    CHECK(((uintptr_t)q & 7) == 0);
    big = util_arena_alloc(&a, 1000);
    CHECK(big != NULL);
    memset(big, 'x', 1000);
    CHECK_STR(util_arena_strdup(&a, "hello"), "hello");
    util_arena_fini(&a);
}

TEST(alloc_failure_injection)
{
    void *p, *q;
    util_alloc_fail_at(2);
    p = util_malloc(10);
    q = util_malloc(10);
    CHECK(p != NULL);
    CHECK(q == NULL);
    util_free(p);
    util_alloc_fail_at(0);
}

TEST(big_arrays_aligned_zeroed_counted)
{
    long live = util_alloc_live();
    size_t n = ((size_t)5 << 20) + 3, i, nonzero = 0;
    unsigned char *p = util_calloc_big(n, 1), *q;
    CHECK(p != NULL);
    CHECK_EQ((uintptr_t)p % ((size_t)2 << 20), 0);
    for (i = 0; p && i < n; i += 4093)
        nonzero += p[i] != 0;
    CHECK_EQ(nonzero, 0);
    if (p)
        p[n - 1] = 1;           /* the whole block is ours */
    CHECK_EQ(util_alloc_live(), live + 1);
    q = util_malloc_big(100);   /* small: an ordinary block */
    CHECK(q != NULL);
    CHECK_EQ(util_alloc_live(), live + 2);
    util_free(q);
    util_free(p);
    CHECK_EQ(util_alloc_live(), live);
    CHECK(util_calloc_big(SIZE_MAX / 2, 4) == NULL);    /* overflow */
    util_alloc_fail_at(1);
    CHECK(util_malloc_big((size_t)4 << 20) == NULL);
    util_alloc_fail_at(0);
    CHECK_EQ(util_alloc_live(), live);
}

TEST(parse_long_rejects_garbage)
{
    long v;
    CHECK_EQ(util_parse_long("42", 0, 100, &v), LIAISON_OK);
    CHECK_EQ(v, 42);
    CHECK_EQ(util_parse_long("42x", 0, 100, &v), LIAISON_EINVAL);
    CHECK_EQ(util_parse_long("", 0, 100, &v), LIAISON_EINVAL);
    CHECK_EQ(util_parse_long("101", 0, 100, &v), LIAISON_EINVAL);
}

TEST(strerror_never_null)
{
    int rc;
    for (rc = -40; rc <= 0; rc++)
        CHECK(liaison_strerror(rc) != NULL);
}

int main(int argc, char **argv)
{
    return testlib_main(argc, argv);
}
