/*
 * Unit tests for domains/agencies: the identifier and contact validators
 * (data-driven tables), and the tree rules against a temporary SQLite
 * database: create, duplicate and unknown parent refused, moving an agency
 * rewrites its whole subtree, moving it into its own subtree is refused,
 * and a failed or empty change writes nothing (not even an audit entry).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"

#include "testdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"
#include "domains/agencies/agencies.h"
#include "lib/arena.h"

/* ------------------------------------------------------------------ */
/* validators                                                            */

static const struct {
    const char *code;
    int ok;
} code_cases[] = {
    {"000.00.12.H56", 1},
    {"000.00.00.H06", 1},
    {"000.01.H56", 1},       /* one two-digit group */
    {"000.00.00.00.G01", 1}, /* three two-digit groups */
    {"072.10.90.H06", 1},
    {"999.99.99.Z99", 1},
    {"000.H56", 0},             /* no two-digit group */
    {"000.00.00.00.00.H56", 0}, /* four two-digit groups */
    {"00.00.12.H56", 0},        /* first group too short */
    {"0000.00.12.H56", 0},      /* first group too long */
    {"000.0.12.H56", 0},
    {"000.000.12.H56", 0},
    {"000.00.12.h56", 0},  /* lower-case letter */
    {"000.00.12.HH56", 0}, /* two letters */
    {"000.00.12.H5", 0},   /* one digit after the letter */
    {"000.00.12.H567", 0},
    {"000.00.12.156", 0},  /* no letter */
    {"000.00.12.H56.", 0}, /* trailing dot */
    {".000.00.12.H56", 0},
    {"000..00.12.H56", 0},
    {"000-00-12-H56", 0},
    {"000.00.12 H56", 0},
    {" 000.00.12.H56", 0},
    {"000.00.12.H56\n", 0},
    {"000.00.12.Ｈ56", 0}, /* full-width letter */
    {"000.00.12.H56'; DROP TABLE agencies;--", 0},
    {"", 0},
};

static void test_code_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof code_cases / sizeof code_cases[0]; i++) {
        int got = agencies_code_valid(code_cases[i].code);
        if (got != code_cases[i].ok)
            fail_msg("agencies_code_valid(\"%s\") = %d, want %d", code_cases[i].code, got,
                     code_cases[i].ok);
    }
    assert_false(agencies_code_valid(NULL));
}

static void test_kinds_valid(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ok;
    } cases[] = {
        {"department", 1}, {"commune_committee", 1}, {"Department", 0}, {"ministry", 0}, {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (agencies_kind_valid(cases[i].in) != cases[i].ok)
            fail_msg("kind \"%s\": want %d", cases[i].in, cases[i].ok);
    assert_false(agencies_kind_valid(NULL));
    for (int i = 0; agency_kinds[i]; i++)
        assert_true(FMT_AGENCY_KIND.ok(agency_kinds[i]));
}

/* ------------------------------------------------------------------ */
/* the tree, against a temporary database                                */

typedef struct fixture {
    testdb t;
    db *d;
    db_conn *c;
    arena *a;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (testdb_open(&f->t, "agencies")) return -1;
    ts_err e;
    ts_err_clear(&e);
    f->d = f->t.d;
    f->c = db_conn_get(f->d, &e);
    f->a = arena_new(1 << 14);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    arena_free(f->a);
    testdb_remove(&f->t);
    free(f);
    return 0;
}

static int64_t count(fixture *f, const char *sql)
{
    ts_err e;
    ts_err_clear(&e);
    return db_query_int(f->c, sql, -1, &e);
}

/* The operator's context on the fixture's connection (tests act as the console). */
static ts_ctx *op(fixture *f, ts_err *e)
{
    ts_ctx *x = arena_alloc(f->a, sizeof *x);
    ts_ctx_init(x, f->c, f->a, &ts_operator, "test", e);
    return x;
}

static ts_code create(fixture *f, const char *code, const char *parent, ts_err *e)
{
    agency_new n = {.code = code, .parent_code = parent, .kind = "department", .name = code};
    agency out;
    ts_err_clear(e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, &ts_operator, "test", e);
    return agencies_create(&x, &n, &out);
}

static ts_code move(fixture *f, const char *code, const char *parent, ts_err *e)
{
    agency_patch p = {.parent_code = parent, .clear_parent = parent == NULL};
    agency out;
    ts_err_clear(e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, &ts_operator, "test", e);
    return agencies_update(&x, code, &p, &out);
}

static void expect_node(fixture *f, const char *code, const char *parent_code, int level,
                        const char *path)
{
    agency g, *chain;
    int n;
    int64_t kids;
    ts_err e;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, NULL, NULL, &e);
    assert_int_equal(agencies_get(&x, code, &g, &chain, &n, &kids), TS_OK);
    if (parent_code)
        assert_string_equal(g.parent_code, parent_code);
    else
        assert_null(g.parent_code);
    assert_int_equal(g.level, level);
    assert_int_equal(n, level - 1); /* the chain has one entry per ancestor */
    if (path) assert_string_equal(g.path, path);
}

/*
 *  R (1)              R                  R
 *  ├─ A (2)           ├─ A               └─ B
 *  │  └─ A1 (3)       └─ B                  └─ A
 *  │     └─ A11 (4)      └─ A1...  ...         └─ A1 └─ A11
 *  └─ B (5)
 */
static void build(fixture *f)
{
    ts_err e;
    assert_int_equal(create(f, "000.00.00.T01", NULL, &e), TS_OK);
    assert_int_equal(create(f, "000.00.01.T01", "000.00.00.T01", &e), TS_OK);
    assert_int_equal(create(f, "000.01.01.T01", "000.00.01.T01", &e), TS_OK);
    assert_int_equal(create(f, "001.01.01.T01", "000.01.01.T01", &e), TS_OK);
    assert_int_equal(create(f, "000.00.02.T01", "000.00.00.T01", &e), TS_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 5);
}

static void test_create_rules(void **state)
{
    fixture *f = *state;
    build(f);
    expect_node(f, "001.01.01.T01", "000.01.01.T01", 4, "/1/2/3/4/");
    ts_err e;
    /* duplicate code: 409, nothing written */
    assert_int_equal(create(f, "000.00.01.T01", "000.00.00.T01", &e), TS_ECONFLICT);
    assert_string_equal(e.fields[0].field, "code");
    /* unknown parent, unknown unit, bad code shape: 422 naming the field */
    assert_int_equal(create(f, "000.00.09.T01", "000.00.99.T01", &e), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "parent_code");
    agency_new n = {.code = "000.00.09.T01", .name = "X", .unit_code = "99999"};
    agency out;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, &ts_operator, "test", &e);
    assert_int_equal(agencies_create(&x, &n, &out), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "unit_code");
    assert_int_equal(create(f, "00.00.09.T01", NULL, &e), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "code");
    assert_int_equal(e.fields[0].msg, M_AGENCY_CODE_FORMAT);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM agencies"), 5);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 5);
}

static void test_move_subtree(void **state)
{
    fixture *f = *state;
    build(f);
    ts_err e;
    /* A (with A1, A11) moves under B: the whole subtree gets new paths and levels */
    assert_int_equal(move(f, "000.00.01.T01", "000.00.02.T01", &e), TS_OK);
    expect_node(f, "000.00.01.T01", "000.00.02.T01", 3, "/1/5/2/");
    expect_node(f, "000.01.01.T01", "000.00.01.T01", 4, "/1/5/2/3/");
    expect_node(f, "001.01.01.T01", "000.01.01.T01", 5, "/1/5/2/3/4/");
    expect_node(f, "000.00.02.T01", "000.00.00.T01", 2, "/1/5/");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 6);
    /* A1 becomes a root, taking A11 along */
    assert_int_equal(move(f, "000.01.01.T01", NULL, &e), TS_OK);
    expect_node(f, "000.01.01.T01", NULL, 1, "/3/");
    expect_node(f, "001.01.01.T01", "000.01.01.T01", 2, "/3/4/");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM agencies WHERE path LIKE '/1/%'"), 3);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 7);
    /* and back under A */
    assert_int_equal(move(f, "000.01.01.T01", "000.00.01.T01", &e), TS_OK);
    expect_node(f, "001.01.01.T01", "000.01.01.T01", 5, "/1/5/2/3/4/");
    /* the subtree filter follows the move */
    agencies_query q = {.within = "000.00.02.T01", .limit = 100};
    agencies_list_result res;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, NULL, NULL, &e);
    assert_int_equal(agencies_list(&x, &q, &res), TS_OK);
    assert_int_equal(res.total, 4);
}

static const struct {
    const char *code, *new_parent;
} cycles[] = {
    {"000.00.00.T01", "000.00.00.T01"}, /* under itself */
    {"000.00.00.T01", "000.00.01.T01"}, /* under its child */
    {"000.00.00.T01", "001.01.01.T01"}, /* under a grandchild's child */
    {"000.00.01.T01", "000.01.01.T01"}, {"000.00.01.T01", "001.01.01.T01"},
    {"000.01.01.T01", "000.01.01.T01"},
};

static void test_cycles_refused(void **state)
{
    fixture *f = *state;
    build(f);
    int64_t audit = count(f, "SELECT COUNT(*) FROM audit_log");
    for (size_t i = 0; i < sizeof cycles / sizeof cycles[0]; i++) {
        ts_err e;
        ts_code rc = move(f, cycles[i].code, cycles[i].new_parent, &e);
        if (rc != TS_EVALIDATION || e.nfields != 1 || strcmp(e.fields[0].field, "parent_code") ||
            e.fields[0].msg != M_AGENCY_CYCLE)
            fail_msg("moving %s under %s: rc %d, want a parent_code cycle error", cycles[i].code,
                     cycles[i].new_parent, rc);
    }
    expect_node(f, "000.00.00.T01", NULL, 1, "/1/");
    expect_node(f, "000.00.01.T01", "000.00.00.T01", 2, "/1/2/");
    expect_node(f, "001.01.01.T01", "000.01.01.T01", 4, "/1/2/3/4/");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audit);
}

static void test_noop_patch_writes_nothing(void **state)
{
    fixture *f = *state;
    build(f);
    int64_t audit = count(f, "SELECT COUNT(*) FROM audit_log");
    ts_err e;
    /* same parent, same name: nothing to do */
    assert_int_equal(move(f, "000.00.01.T01", "000.00.00.T01", &e), TS_OK);
    agency_patch p = {.name = "000.00.01.T01"};
    agency out;
    ts_err_clear(&e);
    assert_int_equal(agencies_update(op(f, &e), "000.00.01.T01", &p, &out), TS_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audit);
    /* a real change: one entry with from/to of the changed field only */
    agency_patch q = {.name = "Sở Thử nghiệm", .email = "tn@example.vn"};
    ts_err_clear(&e);
    assert_int_equal(agencies_update(op(f, &e), "000.00.01.T01", &q, &out), TS_OK);
    assert_string_equal(out.name, "Sở Thử nghiệm");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audit + 1);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'agency.update' AND summary = "
                 "'{\"email\":{\"from\":null,\"to\":\"tn@example.vn\"},\"name\":{\"from\":"
                 "\"000.00.01.T01\",\"to\":\"Sở Thử nghiệm\"}}'"),
        1);
    /* a bad field is refused before anything is written */
    agency_patch bad = {.name = "Y", .phone = "abc"};
    ts_err_clear(&e);
    assert_int_equal(agencies_update(op(f, &e), "000.00.01.T01", &bad, &out), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "phone");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audit + 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM agencies WHERE name = 'Y'"), 0);
    /* unknown agency */
    ts_err_clear(&e);
    assert_int_equal(agencies_update(op(f, &e), "000.00.77.T01", &q, &out), TS_ENOTFOUND);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(test_code_valid), cmocka_unit_test(test_kinds_valid),
             cmocka_unit_test_setup_teardown(test_create_rules, setup, teardown),
             cmocka_unit_test_setup_teardown(test_move_subtree, setup, teardown),
             cmocka_unit_test_setup_teardown(test_cycles_refused, setup, teardown),
             cmocka_unit_test_setup_teardown(test_noop_patch_writes_nothing, setup, teardown))
