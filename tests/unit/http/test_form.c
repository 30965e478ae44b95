/* Unit tests for http/form.c: decoding form-urlencoded bodies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"
#include <string.h>

#include "http/http.h"

static int decode(arena *a, const char *body, http_form_pair **p)
{
    int n = -1;
    if (!http_form_decode(a, body, strlen(body), HTTP_FORM_MAX_PAIRS, p, &n)) return -1;
    return n;
}

static void test_pairs(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    http_form_pair *p;
    assert_int_equal(decode(a,
                            "service_code=cay-xanh&description=C%C3%A2y+g%C3%A3y&lat=16.46"
                            "&attribute%5Bchan-duong%5D=co&&flag&empty=",
                            &p),
                     6);
    assert_string_equal(p[0].name, "service_code");
    assert_string_equal(p[0].value, "cay-xanh");
    assert_string_equal(p[1].value, "Cây gãy");
    assert_string_equal(p[3].name, "attribute[chan-duong]");
    assert_string_equal(p[3].value, "co");
    assert_string_equal(p[4].name, "flag");
    assert_string_equal(p[4].value, "");
    assert_string_equal(p[5].value, "");
    assert_int_equal(decode(a, "", &p), 0);
    assert_int_equal(decode(a, "a=%2B%26%3D+", &p), 1);
    assert_string_equal(p[0].value, "+&= ");
    assert_int_equal(decode(a, "a=b=c", &p), 1);
    assert_string_equal(p[0].value, "b=c");
    arena_free(a);
}

static void test_refused(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    http_form_pair *p;
    static const char *const bad[] = {
        "a=%",   "a=%4",  "a=%zz",    "a=%C3",       /* a cut UTF-8 sequence */
        "a=%00", "%FF=1", "a=%C0%AF", "a=%ED%A0%80", /* a surrogate */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(decode(a, bad[i], &p), -1);
    /* more pairs than allowed */
    char big[4 * (HTTP_FORM_MAX_PAIRS + 1) + 1];
    size_t k = 0;
    for (int i = 0; i <= HTTP_FORM_MAX_PAIRS; i++) {
        memcpy(big + k, "a=1&", 4);
        k += 4;
    }
    big[k - 1] = '\0';
    assert_int_equal(decode(a, big, &p), -1);
    big[k - 1 - 4 * 1] = '\0'; /* exactly the maximum */
    assert_int_equal(decode(a, big, &p), HTTP_FORM_MAX_PAIRS);
    arena_free(a);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_pairs), cmocka_unit_test(test_refused))
