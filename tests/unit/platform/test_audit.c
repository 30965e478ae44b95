/*
 * Unit tests for platform/audit: the hash is SHA-256 over prev_hash and the
 * canonical entry (known answers computed independently), the chain stays
 * valid under concurrent writers, and verify names the first bad entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"

#include "testdb.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"
#include "platform/audit.h"

static void test_known_answers(void **state)
{
    (void)state;
    char h[65];
    audit_hash("0000000000000000000000000000000000000000000000000000000000000000", 1,
               "2026-01-01T00:00:00.000000Z", "cli:root", NULL, "units.import", "admin_units",
               "2025-07-01", "{\"a\":1}", h);
    assert_string_equal(h, "21de250aa34f2c5e5659ea320a4fc209cc69d2424768bf36389339888f32650d");
    audit_hash("abababababababababababababababababababababababababababababababab", 2,
               "2026-01-01T00:00:00.000000Z", "user:7", "000.00.12.H56", "unit.update",
               "admin_unit", "24", "{\"name\":\"Bắc Ninh\"}", h);
    assert_string_equal(h, "00e76cca06b7c663318fb743cfef27f1656f78219a67d463dc3ef77b263a9937");
}

typedef struct fixture {
    testdb t;
    db *d;
} fixture;

/* A fresh database on dialect d; *state NULL (the test skips) when that
 * backend is not there (no TINHSO_TEST_PG for PostgreSQL). */
static int setup_on(void **state, db_dialect d)
{
    fixture *f = calloc(1, sizeof *f);
    int rc = testdb_open_backend(&f->t, "audit", d);
    if (rc) {
        free(f);
        *state = NULL;
        return rc < 0 ? -1 : 0;
    }
    f->d = f->t.d;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_on(state, DB_SQLITE);
}

static int setup_pg(void **state)
{
    return setup_on(state, DB_PG);
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f) return 0;
    testdb_remove(&f->t);
    free(f);
    return 0;
}

typedef struct append_arg {
    const char *actor;
    int i;
} append_arg;

static ts_code append_tx(db_conn *c, void *argp, ts_err *err)
{
    append_arg *a = argp;
    char id[32];
    snprintf(id, sizeof id, "%d", a->i);
    json_t *sum = json_pack("{s:i,s:s}", "i", a->i, "note", "đã xử lý");
    audit_entry e = {.actor = a->actor,
                     .action = "test.append",
                     .object_type = "test",
                     .object_id = id,
                     .summary = sum};
    ts_code rc = audit_append(c, &e, NULL, err);
    json_decref(sum);
    return rc;
}

static void verify_ok(db *d, int64_t want)
{
    ts_err e;
    ts_err_clear(&e);
    audit_report rep;
    assert_int_equal(audit_verify(db_conn_get(d, &e), &rep, &e), TS_OK);
    if (rep.broken) fail_msg("chain broken at %lld: %s", (long long)rep.bad_seq, rep.why);
    assert_int_equal(rep.checked, want);
}

static void test_append_and_verify(void **state)
{
    fixture *f = *state;
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(f->d, &e);
    for (int i = 0; i < 20; i++) {
        append_arg a = {"unit-test", i};
        assert_int_equal(db_transact(c, append_tx, &a, &e), TS_OK);
    }
    verify_ok(f->d, 20);
}

/* A failed transaction leaves no entry and no gap. */
static ts_code append_then_fail(db_conn *c, void *argp, ts_err *err)
{
    ts_code rc = append_tx(c, argp, err);
    if (rc != TS_OK) return rc;
    return ts_err_set(err, TS_EVALIDATION, M_VALIDATION, NULL);
}

static void test_rollback_leaves_no_gap(void **state)
{
    fixture *f = *state;
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(f->d, &e);
    append_arg a = {"unit-test", 1};
    assert_int_equal(db_transact(c, append_tx, &a, &e), TS_OK);
    assert_int_equal(db_transact(c, append_then_fail, &a, &e), TS_EVALIDATION);
    assert_int_equal(db_transact(c, append_tx, &a, &e), TS_OK);
    verify_ok(f->d, 2);
}

typedef struct thread_arg {
    db *d;
    int n;
    int failures;
} thread_arg;

static void *writer(void *p)
{
    thread_arg *t = p;
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(t->d, &e);
    for (int i = 0; i < t->n; i++) {
        append_arg a = {"thread", i};
        if (!c || db_transact(c, append_tx, &a, &e) != TS_OK) t->failures++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fixture *f = *state;
    enum { NT = 8, PER = 40 };
    pthread_t th[NT];
    thread_arg args[NT];
    for (int i = 0; i < NT; i++) {
        args[i] = (thread_arg){f->d, PER, 0};
        pthread_create(&th[i], NULL, writer, &args[i]);
    }
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    verify_ok(f->d, NT * PER);
}

/* `tinhso audit verify` beside a running server: entries appended while
 * the chain is read never make an intact chain look broken (on PostgreSQL
 * each statement of a READ COMMITTED read sees new commits; verify reads the
 * head first and the chain up to it). */
static void test_verify_beside_writers(void **state)
{
    fixture *f = *state;
    if (!f) skip(); /* PostgreSQL not asked for */
    enum { NT = 2, PER = 150 };
    pthread_t th[NT];
    thread_arg args[NT];
    for (int i = 0; i < NT; i++) {
        args[i] = (thread_arg){f->d, PER, 0};
        pthread_create(&th[i], NULL, writer, &args[i]);
    }
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(f->d, &e);
    int runs = 0;
    int64_t last = 0;
    while (last < NT * PER) {
        audit_report rep;
        assert_int_equal(audit_verify(c, &rep, &e), TS_OK);
        if (rep.broken)
            fail_msg("run %d: broken at %lld: %s", runs, (long long)rep.bad_seq, rep.why);
        assert_true(rep.checked >= last); /* the chain only grows */
        last = rep.checked;
        runs++;
    }
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_true(runs > 1);
}

static void tamper_and_expect(db *d, const char *sql, int64_t bad)
{
    ts_err e;
    ts_err_clear(&e);
    db_conn *c = db_conn_get(d, &e);
    assert_int_equal(db_exec(c, sql, &e), TS_OK);
    audit_report rep;
    assert_int_equal(audit_verify(c, &rep, &e), TS_OK);
    if (!rep.broken || rep.bad_seq != bad)
        fail_msg("after '%s': bad entry %lld (%s), want %lld", sql, (long long)rep.bad_seq, rep.why,
                 (long long)bad);
}

static void test_tampering_is_named(void **state)
{
    static const struct {
        const char *sql;
        int64_t bad;
    } cases[] = {
        {"UPDATE audit_log SET actor = 'mallory' WHERE seq = 5", 5},
        {"UPDATE audit_log SET summary = '{\"i\":99}' WHERE seq = 3", 3},
        {"DELETE FROM audit_log WHERE seq = 4", 4},
        {"DELETE FROM audit_log WHERE seq = 10", 10},
        {"UPDATE audit_log SET hash = 'x' WHERE seq = 7", 7},
        /* an entry written past the head (the head not moved with it) */
        {"INSERT INTO audit_log (seq, at, actor, agency, action, object_type, object_id, summary, "
         "prev_hash, hash) SELECT 11, at, 'mallory', agency, action, object_type, object_id, "
         "summary, hash, hash FROM audit_log WHERE seq = 10",
         11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture *f = NULL;
        assert_int_equal(setup((void **)&f), 0);
        ts_err e;
        ts_err_clear(&e);
        db_conn *c = db_conn_get(f->d, &e);
        for (int k = 0; k < 10; k++) {
            append_arg a = {"unit-test", k};
            assert_int_equal(db_transact(c, append_tx, &a, &e), TS_OK);
        }
        tamper_and_expect(f->d, cases[i].sql, cases[i].bad);
        teardown((void **)&f);
    }
    (void)state;
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_known_answers),
             cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
             cmocka_unit_test_setup_teardown(test_rollback_leaves_no_gap, setup, teardown),
             cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
             cmocka_unit_test_setup_teardown(test_verify_beside_writers, setup, teardown),
             cmocka_unit_test_setup_teardown(test_verify_beside_writers, setup_pg, teardown),
             cmocka_unit_test(test_tampering_is_named))
