/*
 * test_validate — the shared field formats (lib/validate.c): one definition
 * of e-mail, phone, web address and date for every domain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"

#include "lib/arena.h"
#include "lib/jsonx.h"
#include "lib/validate.h"

typedef bool (*validator)(const char *);

static const struct {
    const char *what;
    validator fn;
    const char *in;
    int ok;
} cases[] = {
    {"email", v_email, "stp@bacninh.gov.vn", 1},
    {"email", v_email, "van.phong-ubnd+1@example.vn", 1},
    {"email", v_email, "a@b.vn", 1},
    {"email", v_email, "no-at.example.vn", 0},
    {"email", v_email, "two@@example.vn", 0},
    {"email", v_email, "a@b@example.vn", 0},
    {"email", v_email, "@example.vn", 0},
    {"email", v_email, "user@localhost", 0},
    {"email", v_email, "user@.example.vn", 0},
    {"email", v_email, "user@example..vn", 0},
    {"email", v_email, "user@example.vn.", 0},
    {"email", v_email, "us er@example.vn", 0},
    {"email", v_email, "user@exa mple.vn", 0},
    {"email", v_email, "<script>@example.vn", 0},
    {"email", v_email, "user.@example.vn", 0},
    {"email", v_email, "ngườidùng@example.vn", 0},
    {"email", v_email, "", 0},
    {"phone", v_phone, "0222 3822 000", 1},
    {"phone", v_phone, "+84 222 3822000", 1},
    {"phone", v_phone, "(0222) 382-2000", 1},
    {"phone", v_phone, "0222.3822.000", 1},
    {"phone", v_phone, "12345", 0},            /* too few digits */
    {"phone", v_phone, "1234567890123456", 0}, /* too many */
    {"phone", v_phone, "84+222 3822000", 0},   /* + not first */
    {"phone", v_phone, "0222-3822-abc", 0},
    {"phone", v_phone, "", 0},
    {"website", v_url, "https://bacninh.gov.vn", 1},
    {"website", v_url, "http://stp.bacninh.gov.vn/gioi-thieu?a=1", 1},
    {"website", v_url, "bacninh.gov.vn", 0},
    {"website", v_url, "javascript:alert(1)", 0},
    {"website", v_url, "https://", 0},
    {"website", v_url, "https:///path", 0},
    {"website", v_url, "https://exa mple.vn", 0},
    {"website", v_url, "https://example.vn/\"><script>", 0},
    {"phone", v_phone, "1900 1234", 1},       /* hotlines have 8 digits */
    {"phone", v_phone, "0912 345 678", 1},    /* a mobile: 10 */
    {"phone", v_phone, "+84 912 345 678", 1}, /* the same in E.164: 11 */
    {"phone", v_phone, "123 4567", 0},        /* 7 */
    {"phone", v_phone, "123456789012345", 1}, /* 15, E.164's longest */
    {"date", v_date, "2025-07-01", 1},
    {"date", v_date, "2024-02-29", 1},
    {"date", v_date, "2025-02-29", 0},
    {"date", v_date, "2025-7-1", 0},
    {"date", v_date, "01/07/2025", 0},
    {"date", v_date, "", 0},
};

static void formats(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = cases[i].fn(cases[i].in);
        if (got != cases[i].ok)
            fail_msg("%s \"%s\": got %d, want %d", cases[i].what, cases[i].in, got, cases[i].ok);
    }
    assert_false(v_email(NULL));
    assert_false(v_phone(NULL));
    assert_false(v_url(NULL));
    assert_false(v_date(NULL));
}

static void phone_digits(void **state)
{
    (void)state;
    arena *a = arena_new(256);
    assert_string_equal(v_phone_digits(a, "+84 (222) 3822-000"), "842223822000");
    assert_null(v_phone_digits(a, "call me"));
    arena_free(a);
}

/* A spec naming a format reports every bad member at once, each with its field. */
static void spec_reports_every_field(void **state)
{
    (void)state;
    static const char *const colours[] = {"red", "green", NULL};
    static const jx_field spec[] = {
        {.name = "email", .type = JX_STRING, .format = &FMT_EMAIL},
        {.name = "phone", .type = JX_STRING, .nullable = true, .format = &FMT_PHONE},
        {.name = "colour", .type = JX_STRING, .enums = colours, .enum_list = "red, green"},
        {.name = "n", .type = JX_INT, .min = 1, .max = 9},
        {.name = "name", .type = JX_STRING, .required = true, .not_null = true},
        {0},
    };
    json_t *in = json_pack("{s:s,s:n,s:s,s:i,s:n,s:b}", "email", "not-an-address", "phone",
                           "colour", "blue", "n", 10, "name", "extra", 1);
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(jx_check(in, spec, &e), TS_EVALIDATION);
    const char *want[] = {"extra", "email", "colour", "n", "name"};
    assert_int_equal(e.nfields, 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(e.fields[i].field, want[i]);
    assert_ptr_equal(e.fields[1].msg, M_EMAIL_FORMAT);
    assert_ptr_equal(e.fields[2].msg, M_FIELD_ENUM);
    assert_ptr_equal(e.fields[3].msg, M_FIELD_RANGE);
    assert_ptr_equal(e.fields[4].msg, M_FIELD_TYPE_STRING);
    json_decref(in);
    /* query parameters: text in, 400 naming the parameter */
    ts_err_clear(&e);
    jx_check_query(&spec[3], "abc", &e);
    jx_check_query(&spec[0], "a@b.vn", &e);
    jx_check_query(&spec[2], "green", &e);
    assert_int_equal(e.nfields, 1);
    assert_int_equal(e.code, TS_EINVAL);
    assert_string_equal(e.fields[0].field, "n");
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(formats), cmocka_unit_test(phone_digits),
             cmocka_unit_test(spec_reports_every_field))
