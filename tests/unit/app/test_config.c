/*
 * test_config — the configuration table: every key parses into its member,
 * values out of range or of the wrong type are refused naming the key, and
 * malformed JSON names line:column. Data-driven: text in, result out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testmain.h"

#include "app/config.h"

static void test_good(void **state)
{
    (void)state;
    app_config c;
    config_defaults(&c);
    const char *t = "{\"db\": \"sqlite:/tmp/x.db\", \"listen\": \"localhost:9000\", \"threads\": 3,"
                    " \"max_body_bytes\": 2048, \"max_connections\": 500,"
                    " \"max_connections_per_address\": 7, \"header_timeout_seconds\": 4,"
                    " \"timeout_seconds\": 60, \"access_log\": false, \"session_idle_seconds\": 99,"
                    " \"trusted_proxies\": [\"10.0.0.0/8\", \"::1\"],"
                    " \"metrics_allow\": [\"192.0.2.0/24\"], \"metrics_token\": \"m\","
                    " \"admin_token_after_setup\": true, \"bearer_max_failures\": 4}";
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(config_parse(t, strlen(t), &c, &e), TS_OK);
    assert_string_equal(c.db, "sqlite:/tmp/x.db");
    assert_string_equal(c.http.host, "127.0.0.1");
    assert_int_equal(c.http.port, 9000);
    assert_int_equal(c.http.threads, 3);
    assert_int_equal(c.http.max_body, 2048);
    assert_int_equal(c.http.max_connections, 500);
    assert_int_equal(c.http.max_per_addr, 7);
    assert_int_equal(c.http.header_timeout_s, 4);
    assert_int_equal(c.http.timeout_s, 60);
    assert_false(c.http.access_log);
    assert_int_equal(c.http.ident.idle_s, 99);
    assert_int_equal(c.http.nproxies, 2);
    assert_int_equal(c.http.nmetrics_allow, 1);
    assert_int_equal(c.http.metrics_allow[0].prefix, 24);
    assert_string_equal(c.http.metrics_token, "m");
    assert_true(c.http.admin_token_after_setup);
    assert_int_equal(c.http.ident.bearer_max_failures, 4);
    /* untouched keys keep their defaults */
    assert_int_equal(c.http.max_header, 16384);
    assert_true(c.http.ref_cache);
}

static void test_defaults(void **state)
{
    (void)state;
    app_config c;
    config_defaults(&c);
    assert_int_equal(c.http.max_connections, 0); /* from the file limit */
    assert_int_equal(c.http.header_timeout_s, 10);
    assert_int_equal(c.http.timeout_s, 30);
    assert_int_equal(c.http.max_per_addr, 128);
    assert_string_equal(c.db, "");
    /* the second factor is required of administrators (decisions §29) */
    assert_int_equal(c.http.ident.mfa_roles,
                     ident_role_bit("agency_admin") | ident_role_bit("system_admin"));
    assert_int_equal(c.http.ident.reset_link_s, 86400);
}

static void test_mfa_roles(void **state)
{
    (void)state;
    app_config c;
    config_defaults(&c);
    ts_err e;
    ts_err_clear(&e);
    const char *off = "{\"mfa_required_roles\": []}";
    assert_int_equal(config_parse(off, strlen(off), &c, &e), TS_OK);
    assert_int_equal(c.http.ident.mfa_roles, 0);
    const char *more = "{\"mfa_required_roles\": [\"officer\", \"leader\"]}";
    assert_int_equal(config_parse(more, strlen(more), &c, &e), TS_OK);
    assert_int_equal(c.http.ident.mfa_roles, ident_role_bit("officer") | ident_role_bit("leader"));
}

static const struct {
    const char *text;
    const char *field; /* the key named, NULL for a syntax error */
    ts_msg msg;
} bad[] = {
    {"{\"nope\": 1}", "nope", M_FIELD_UNKNOWN},
    {"{\"threads\": \"2\"}", "threads", M_FIELD_TYPE_INTEGER},
    {"{\"threads\": 257}", "threads", M_FIELD_RANGE},
    {"{\"max_header_bytes\": 100}", "max_header_bytes", M_FIELD_RANGE},
    {"{\"max_connections\": -1}", "max_connections", M_FIELD_RANGE},
    {"{\"max_connections_per_address\": 0}", "max_connections_per_address", M_FIELD_RANGE},
    {"{\"header_timeout_seconds\": 0}", "header_timeout_seconds", M_FIELD_RANGE},
    {"{\"access_log\": 1}", "access_log", M_FIELD_TYPE_BOOL},
    {"{\"listen\": \"8080\"}", "listen", M_FIELD_FORMAT},
    {"{\"listen\": \"h:70000\"}", "listen", M_FIELD_RANGE},
    {"{\"trusted_proxies\": \"10.0.0.1\"}", "trusted_proxies", M_FIELD_TYPE_ARRAY},
    {"{\"trusted_proxies\": [\"10.0.0.1\", \"x\"]}", "trusted_proxies[1]", M_FIELD_FORMAT},
    {"{\"admin_token\": 5}", "admin_token", M_FIELD_TYPE_STRING},
    {"{\"metrics_allow\": [\"10.0.0.0/33\"]}", "metrics_allow[0]", M_FIELD_FORMAT},
    {"{\"bearer_max_failures\": 0}", "bearer_max_failures", M_FIELD_RANGE},
    {"{\"mfa_required_roles\": \"agency_admin\"}", "mfa_required_roles", M_FIELD_TYPE_ARRAY},
    {"{\"mfa_required_roles\": [\"officer\", \"chief\"]}", "mfa_required_roles[1]", M_ROLE_UNKNOWN},
    {"{\"mfa_required_roles\": [1]}", "mfa_required_roles[0]", M_ROLE_UNKNOWN},
    {"{\"password_reset_link_seconds\": 10}", "password_reset_link_seconds", M_FIELD_RANGE},
    {"{\"mfa_key_file\": 1}", "mfa_key_file", M_FIELD_TYPE_STRING},
    {"{\"threads\": 2, \"threads\": 3}", NULL, M_JSON_DUPLICATE},
    {"{\"threads\": 2", NULL, M_JSON_TRUNCATED},
    {"[1]", NULL, M_JSON_NOT_OBJECT},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        app_config c;
        config_defaults(&c);
        ts_err e;
        ts_err_clear(&e);
        assert_int_not_equal(config_parse(bad[i].text, strlen(bad[i].text), &c, &e), TS_OK);
        if (bad[i].field) {
            assert_int_equal(e.nfields, 1);
            assert_string_equal(e.fields[0].field, bad[i].field);
            assert_int_equal(e.fields[0].msg, bad[i].msg);
        } else {
            assert_int_equal(e.msg, bad[i].msg);
        }
    }
}

/* The bootstrap token: 32 random bytes at least (64 hex, 43 base64url), no pattern. */
static void test_token_strength(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        bool strong;
    } cases[] = {
        {"abc", false},
        {"test-admin-token-0123456789abcdef", false},                                /* 33 */
        {"9f3c2a7e5b18d4c06e2f9a1b7c3d5e8f0a4b6c2d9e1f3a5b7c8d0e2f4a6b8c1d", true},  /* hex 64 */
        {"9f3c2a7e5b18d4c06e2f9a1b7c3d5e8f0a4b6c2d9e1f3a5b7c8d0e2f4a6b8c1", false},  /* hex 63 */
        {"Qm9vdHN0cmFwLXRva2VuLWZvci10aW5oc28tdGVzdHM", true},                       /* b64url 43 */
        {"Qm9vdHN0cmFwLXRva2VuLWZvci10aW5oc28tdGVzdH", false},                       /* 42 */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, /* a pattern */
        {"01234567890123456789012345678901234567890123456789012345678901234567", false},
        {"Qm9vdHN0cmFwLXRva2VuLWZvci10aW5oc28tdGVzdHM=", false}, /* not base64url */
        {"Qm9vdHN0cmFwLXRva2VuLWZvci10aW5oc28tdGVzdHMé", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(config_token_strong(cases[i].t), cases[i].strong);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_good), cmocka_unit_test(test_defaults),
             cmocka_unit_test(test_mfa_roles), cmocka_unit_test(test_bad),
             cmocka_unit_test(test_token_strength))
