/*
 * Unit tests for platform/secev: events are aggregated per (kind, source,
 * minute) into one audit entry each with the count; a finished-minutes
 * flush leaves the current minute in memory; more sources than the table
 * holds fold into one "*" entry per kind, so the counts always add up; the
 * chain still verifies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"

#include "testdb.h"
#include <jansson.h>

#include "db/dbq.h"
#include "lib/timeutil.h"
#include "platform/audit.h"
#include "platform/secev.h"

static testdb T;

static int setup(void **state)
{
    (void)state;
    return testdb_open(&T, "secev");
}

static int teardown(void **state)
{
    (void)state;
    testdb_remove(&T);
    return 0;
}

/* sum of the counts, and number of entries, of action (and source when set) */
static int64_t counted(const char *action, const char *source, int64_t *entries)
{
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(T.d, &e);
    db_stmt *s;
    assert_int_equal(
        db_prepare(c, "SELECT object_id, summary FROM audit_log WHERE action = ?", &s, &e), TS_OK);
    db_bind_text(s, 1, action, -1);
    int64_t sum = 0;
    *entries = 0;
    while (db_step(s, &e) == DB_ROW) {
        if (source && strcmp(db_col_text(s, 0), source)) continue;
        json_t *j = json_loads(db_col_text(s, 1), 0, NULL);
        sum += json_integer_value(json_object_get(j, "count"));
        json_decref(j);
        (*entries)++;
    }
    db_reset(s);
    return sum;
}

static void test_aggregates(void **state)
{
    (void)state;
    int64_t minute = time_now_us() / 60000000;
    for (int i = 0; i < 500; i++) {
        secev_note(SECEV_BAD_TOKEN, "10.0.0.1", "/api/v1/accounts");
        secev_note(SECEV_CSRF, "10.0.0.1", "/api/v1/me/password");
        if (i % 5 == 0) secev_note(SECEV_BAD_TOKEN, "10.0.0.2", "/api/v1/tokens");
    }
    /* the current minute stays in memory */
    int w = secev_flush(T.d, false);
    if (time_now_us() / 60000000 == minute) assert_int_equal(w, 0);
    secev_flush(T.d, true);
    int64_t n;
    assert_int_equal(counted("security.bad_token", "10.0.0.1", &n), 500);
    assert_true(n >= 1 && n <= 2);
    assert_int_equal(counted("security.bad_token", "10.0.0.2", &n), 100);
    assert_int_equal(counted("security.csrf", NULL, &n), 500);
    assert_true(n >= 1 && n <= 2);
    assert_int_equal(secev_flush(T.d, true), 0); /* nothing left */
}

static void test_full_table_folds(void **state)
{
    (void)state;
    const int sources = 5000; /* more than the table's 3072 keys */
    for (int i = 0; i < sources; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        secev_note(SECEV_FORBIDDEN, ip, "/api/v1/accounts");
    }
    int written = secev_flush(T.d, true);
    assert_true(written > 0 && written < sources);
    int64_t n, star;
    assert_int_equal(counted("security.forbidden", NULL, &n), sources);
    assert_true(counted("security.forbidden", "*", &star) > 0);
    audit_report rep;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(audit_verify(db_conn_get(T.d, &e), &rep, &e), TS_OK);
    assert_false(rep.broken);
}

TS_TEST_MAIN(setup, teardown, cmocka_unit_test(test_aggregates),
             cmocka_unit_test(test_full_table_folds))
