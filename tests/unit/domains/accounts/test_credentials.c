/*
 * Unit tests for the rules of decisions §30: where system_admin counts
 * (ident_path_is_root, ident_has_role on a grant below the root), the
 * expiry parser of tokens, and migration 010 on a database made before it,
 * on SQLite and, with TINHSO_TEST_PG, PostgreSQL: system_admin grants below
 * the root become agency_admin (and their sessions end), tokens made by an
 * account get it as owner and a 90-day expiry, tokens without one are
 * revoked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbq.h"
#include "db/migrate.h"
#include "domains/accounts/accounts.h"
#include "domains/agencies/agencies.h"
#include "lib/arena.h"
#include "lib/timeutil.h"
#include "platform/ctx.h"
#include "platform/identity.h"

static void test_root_paths(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool root;
    } cases[] = {{"/", true},        {"/1/", true}, {"/12/", true}, {"/1/5/", false},
                 {"/1/5/9/", false}, {"", false},   {"1/", false},  {NULL, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(ident_path_is_root(cases[i].path), cases[i].root);
}

/* A system_admin grant below the root is agency_admin there and nothing more. */
static void test_system_admin_below_root(void **state)
{
    (void)state;
    ident_grant below = {.role = ROLE_SYSTEM_ADMIN, .agency_path = "/1/5/"};
    ident_principal p = {.kind = IDENT_SESSION, .ngrants = 1, .grants = &below};
    assert_false(ident_has_role(&p, ROLE_SYSTEM_ADMIN, NULL));
    assert_false(ident_has_role(&p, ROLE_SYSTEM_ADMIN, "/1/5/"));
    assert_false(ident_has_role(&p, ROLE_AGENCY_ADMIN, "/1/"));
    assert_false(ident_has_role(&p, ROLE_AGENCY_ADMIN, "/1/7/"));
    assert_false(ident_has_role(&p, ROLE_OFFICER, "/1/5/"));
    assert_true(ident_has_role(&p, ROLE_AGENCY_ADMIN, "/1/5/"));
    assert_true(ident_has_role(&p, ROLE_AGENCY_ADMIN, "/1/5/8/"));
    assert_string_equal(ident_grant_role(&below), ROLE_AGENCY_ADMIN);
    ident_grant root = {.role = ROLE_SYSTEM_ADMIN, .agency_path = "/1/"};
    ident_principal q = {.kind = IDENT_SESSION, .ngrants = 1, .grants = &root};
    assert_true(ident_has_role(&q, ROLE_SYSTEM_ADMIN, NULL));
    assert_true(ident_has_role(&q, ROLE_LEADER, "/1/5/8/"));
}

static void test_parse_epoch(void **state)
{
    (void)state;
    int64_t t;
    assert_true(time_parse_epoch("1970-01-02", &t));
    assert_int_equal(t, 86400);
    assert_true(time_parse_epoch("2027-03-01T12:30:05Z", &t));
    assert_int_equal(t, 1803904205);
    assert_true(time_parse_epoch("2027-03-01T12:30:05.123456Z", &t));
    assert_int_equal(t, 1803904205);
    static const char *const bad[] = {"",
                                      "2027-02-30",
                                      "2027-03-01T12:30:05",
                                      "next year",
                                      "2027-03-01T25:00:00Z",
                                      "2027-03-01 12:30:05Z",
                                      "2027-03-01T12:30:05+07:00",
                                      NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(time_parse_epoch(bad[i], &t));
    assert_false(time_parse_epoch(NULL, &t));
}

/* ------------------------------------------------------------------ */
/* migration 010 on both backends                                        */

typedef testfx fixture;

static int setup_on(void **state, db_dialect d)
{
    int rc;
    fixture *f = testfx_open("credentials", d, &rc);
    *state = f;
    return f ? 0 : rc;
}

TESTDB_BACKEND_FIXTURE(fixture)

static ts_ctx *op(fixture *f, ts_err *e)
{
    ts_ctx *x = arena_alloc(f->a, sizeof *x);
    ts_ctx_init(x, f->c, f->a, &ts_operator, "test", e);
    return x;
}

static int64_t count(fixture *f, const char *sql)
{
    ts_err e;
    ts_err_clear(&e);
    int64_t n = -1;
    assert_int_equal(db_int_vals(f->c, sql, NULL, 0, -1, &n, &e), TS_OK);
    return n;
}

static void exec(fixture *f, const char *sql)
{
    ts_err e;
    ts_err_clear(&e);
    if (db_exec(f->c, sql, &e) != TS_OK) fail_msg("%s: %s", sql, e.debug);
}

static void test_migration_010(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    agency root, dept;
    agency_new r = {.code = "000.00.00.H06", .name = "UBND tỉnh"};
    agency_new s = {.code = "000.00.03.H06", .parent_code = "000.00.00.H06", .name = "Sở Tư pháp"};
    assert_int_equal(agencies_create(op(f, &e), &r, &root), TS_OK);
    assert_int_equal(agencies_create(op(f, &e), &s, &dept), TS_OK);
    account a;
    account_new n = {.username = "stp.it",
                     .kind = "officer",
                     .full_name = "Kiều Văn Tin",
                     .password = "mạng nội bộ sở tư pháp",
                     .role = ROLE_OFFICER,
                     .agency_code = "000.00.03.H06"};
    assert_int_equal(accounts_create(op(f, &e), &n, &a), TS_OK);
    /* the state before 010: a system_admin grant on the department, a
     * session, a token made by the account and one by the bootstrap token */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO grants (account_id, role, agency_id, created_at, created_by) "
             "VALUES (%lld, 'system_admin', %lld, 'x', 'admin-token');"
             "INSERT INTO sessions (token_hash, account_id, csrf, created_at, last_seen, "
             "expires_at) VALUES ('h1', %lld, 'c', 0, 0, 9999999999);"
             "INSERT INTO api_tokens (token_hash, name, agency_id, permissions, created_at, "
             "created_by) VALUES ('t1', 'mine', %lld, 'agency_admin', 'x', 'user:%lld');"
             "INSERT INTO api_tokens (token_hash, name, agency_id, permissions, created_at, "
             "created_by) VALUES ('t2', 'orphan', %lld, 'system_admin', 'x', 'admin-token')",
             (long long)a.id, (long long)dept.id, (long long)a.id, (long long)dept.id,
             (long long)a.id, (long long)root.id);
    exec(f, sql);
    exec(f, "DROP INDEX api_tokens_owner");
    exec(f, "ALTER TABLE api_tokens DROP COLUMN owner_id");
    exec(f, "ALTER TABLE api_tokens DROP COLUMN purpose");
    exec(f, "ALTER TABLE api_tokens DROP COLUMN expires_at");
    exec(f, "ALTER TABLE api_tokens DROP COLUMN mint");
    exec(f, "ALTER TABLE sessions DROP COLUMN user_agent");
    exec(f, "DELETE FROM schema_migrations WHERE version LIKE '010%'");
    assert_false(migrate_is_current(f->c));
    int applied;
    assert_int_equal(migrate_up(f->c, &applied, &e), TS_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM grants WHERE role = 'system_admin'"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM grants WHERE role = 'agency_admin' AND "
                              "created_by = 'migration:010'"),
                     1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM sessions"), 0);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM api_tokens WHERE name = 'mine' AND owner_id = %lld AND "
             "revoked_at IS NULL AND purpose = 'mine'",
             (long long)a.id);
    assert_int_equal(count(f, sql), 1);
    int64_t now = time_now_us() / 1000000;
    int64_t exp = count(f, "SELECT expires_at FROM api_tokens WHERE name = 'mine'");
    assert_true(exp > now + 90 * 86400 - 120 && exp <= now + 90 * 86400);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM api_tokens WHERE name = 'orphan' AND "
                              "owner_id IS NULL AND revoked_at IS NOT NULL"),
                     1);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_root_paths),
        cmocka_unit_test(test_system_admin_below_root),
        cmocka_unit_test(test_parse_epoch),
    };
    const struct CMUnitTest sqlite[] = {
        cmocka_unit_test_setup_teardown(test_migration_010, setup_sqlite, teardown)};
    const struct CMUnitTest pg[] = {
        cmocka_unit_test_setup_teardown(test_migration_010, setup_pg, teardown)};
    int failed = cmocka_run_group_tests_name("credentials", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("credentials-sqlite", sqlite, NULL, NULL);
    failed += cmocka_run_group_tests_name("credentials-postgresql", pg, NULL, NULL);
    return failed;
}
