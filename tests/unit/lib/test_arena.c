/* Unit tests for lib/arena and lib/strbuf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/strbuf.h"

static int cleanups_run;
static int order[4];

static void note(void *p)
{
    order[cleanups_run++] = (int)(intptr_t)p;
}

static void test_alloc_alignment_and_growth(void **state)
{
    (void)state;
    arena *a = arena_new(64);
    for (int i = 1; i < 2000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)(i % 97) + 1);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, (size_t)(i % 97) + 1);
    }
    char *big = arena_alloc(a, 3u << 20); /* larger than any block */
    memset(big, 1, 3u << 20);
    char *s = arena_printf(a, "%s-%d-%s", "mã", 42, "hồ sơ");
    assert_string_equal(s, "mã-42-hồ sơ");
    assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
    arena_free(a);
}

static void test_cleanups_lifo_on_reset_and_free(void **state)
{
    (void)state;
    cleanups_run = 0;
    arena *a = arena_new(1024);
    arena_cleanup_add(a, note, (void *)1);
    arena_cleanup_add(a, note, (void *)2);
    arena_reset(a);
    assert_int_equal(cleanups_run, 2);
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 1);
    assert_int_equal(arena_used(a), 0);
    arena_cleanup_add(a, note, (void *)3);
    arena_free(a);
    assert_int_equal(cleanups_run, 3);
    assert_int_equal(order[2], 3);
}

static void test_strbuf(void **state)
{
    (void)state;
    strbuf b;
    sb_init(&b);
    assert_string_equal(b.buf, "");
    for (int i = 0; i < 1000; i++)
        sb_addf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.buf));
    sb_clear(&b);
    sb_adds(&b, "Tỉnh ");
    sb_addc(&b, 'B');
    char long_arg[600];
    memset(long_arg, 'x', sizeof long_arg - 1);
    long_arg[sizeof long_arg - 1] = '\0';
    sb_addf(&b, "%s", long_arg); /* longer than the stack buffer */
    assert_int_equal(b.len, strlen("Tỉnh B") + 599);
    size_t n;
    char *d = sb_detach(&b, &n);
    assert_int_equal(n, strlen(d));
    free(d);
    assert_int_equal(b.len, 0);
    sb_release(&b);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_alloc_alignment_and_growth),
             cmocka_unit_test(test_cleanups_lifo_on_reset_and_free), cmocka_unit_test(test_strbuf))
