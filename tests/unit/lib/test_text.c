/* Unit tests for lib/text: UTF-8 validity, NFC, Vietnamese folding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <string.h>

#include "lib/text.h"

static void test_fold_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Bắc Ninh", "bac ninh"},
        {"BẮC NINH", "bac ninh"},
        {"bac ninh", "bac ninh"},
        {"Ba\xcc\x86\xcc\x81"
         "c Ninh",
         "bac ninh"}, /* NFD input */
        {"Đồng Tháp", "dong thap"},
        {"đường Nguyễn Trãi", "duong nguyen trai"},
        {"  Thành   phố\tHuế  ", "thanh pho hue"},
        {"Phường Ngọc Hà", "phuong ngoc ha"},
        {"Xã Ea H'Leo", "xa ea h'leo"},
        {"Ỷ Lan", "y lan"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena *a = arena_new(1024);
        const char *got = text_fold(a, cases[i].in, strlen(cases[i].in));
        assert_non_null(got);
        if (strcmp(got, cases[i].want))
            fail_msg("fold(%s) = '%s', want '%s'", cases[i].in, got, cases[i].want);
        arena_free(a);
    }
}

static void test_nfc(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    const char nfd[] = "Ba\xcc\x86\xcc\x81"
                       "c"; /* a + breve + acute */
    const char *got = text_nfc(a, nfd, strlen(nfd));
    assert_string_equal(got, "Bắc");
    assert_int_equal(strlen(got), 5); /* B + U+1EAF (3 bytes) + c */
    assert_string_equal(text_nfc(a, "ascii only", 10), "ascii only");
    arena_free(a);
}

static void test_utf8_validity(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        int valid;
    } cases[] = {
        {"Hà Nội", 8, 1},
        {"\xc3\x28", 2, 0},         /* bad continuation */
        {"\xe0\x80\xaf", 3, 0},     /* overlong '/' */
        {"\xed\xa0\x80", 3, 0},     /* UTF-16 surrogate */
        {"\xf4\x90\x80\x80", 4, 0}, /* beyond U+10FFFF */
        {"abc\0def", 7, 0},         /* embedded NUL */
        {"\xe1\xba", 2, 0},         /* truncated */
        {"", 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (text_utf8_valid(cases[i].s, cases[i].len) != cases[i].valid)
            fail_msg("case %zu: validity should be %d", i, cases[i].valid);
    arena *a = arena_new(1024);
    assert_null(text_fold(a, "\xc3\x28", 2));
    assert_null(text_nfc(a, "\xc3\x28", 2));
    arena_free(a);
    assert_int_equal(text_utf8_chars("Bắc Ninh", strlen("Bắc Ninh")), 8);
}

static void test_trim(void **state)
{
    (void)state;
    const char *s = " \t Hà Nội\xc2\xa0 ";
    size_t n = strlen(s);
    const char *t = text_trim(s, &n);
    assert_int_equal(n, strlen("Hà Nội"));
    assert_memory_equal(t, "Hà Nội", n);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_fold_table), cmocka_unit_test(test_nfc),
             cmocka_unit_test(test_utf8_validity), cmocka_unit_test(test_trim))
