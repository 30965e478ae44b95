/*
 * Unit tests for db/dbq (typed binds, column maps, the WHERE builder and
 * its count + page) and for migrate_for_dialect (per-backend sections of a
 * migration). The storage tests run on SQLite and, when TINHSO_TEST_PG is
 * set, on a fresh PostgreSQL database: the same bodies, the same answers.
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

#include "db/db.h"
#include "db/dbq.h"
#include "db/migrate.h"
#include "lib/arena.h"

/* ------------------------------------------------------------------ */
/* migrate_for_dialect                                                   */

static const struct {
    const char *in;
    const char *sqlite, *pg; /* expected scripts */
} dialect_cases[] = {
    {"", "", ""},
    {"CREATE TABLE a (x TEXT);\n", "CREATE TABLE a (x TEXT);\n", "CREATE TABLE a (x TEXT);\n"},
    /* sections, blanked lines keep their place */
    {"A;\n-- dialect: sqlite\nS;\n-- dialect: postgresql\nP;\n-- dialect: all\nB;\n",
     "A;\n\nS;\n\n\n\nB;\n", "A;\n\n\n\nP;\n\nB;\n"},
    /* no newline at the end; spaces around the marker's word */
    {"-- dialect:   postgresql  \nP1;\nP2", "\n\n", "\nP1;\nP2"},
    /* a comment starting like a marker but naming no dialect is an error */
    {"-- dialect: sqlite is the default\nX;\n", NULL, NULL},
    /* only a line that starts with the marker counts */
    {"  -- dialect: sqlite\nX;\n", "  -- dialect: sqlite\nX;\n", "  -- dialect: sqlite\nX;\n"},
    {"x; -- dialect: sqlite\nY;\n", "x; -- dialect: sqlite\nY;\n", "x; -- dialect: sqlite\nY;\n"},
    /* CRLF files */
    {"-- dialect: sqlite\r\nS;\r\n-- dialect: all\r\nB;\r\n", "\nS;\r\n\nB;\r\n", "\n\n\nB;\r\n"},
};

static void test_dialect_sections(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dialect_cases / sizeof dialect_cases[0]; i++) {
        for (int d = DB_SQLITE; d <= DB_PG; d++) {
            const char *want = d == DB_SQLITE ? dialect_cases[i].sqlite : dialect_cases[i].pg;
            int bad = -1;
            char *got = migrate_for_dialect(dialect_cases[i].in, (db_dialect)d, &bad);
            if (!want) { /* the marker-looking line is a bad marker */
                assert_null(got);
                continue;
            }
            assert_non_null(got);
            assert_int_equal(bad, 0);
            if (strcmp(got, want))
                fail_msg("case %zu (%s):\n  got:  [%s]\n  want: [%s]", i,
                         d == DB_SQLITE ? "sqlite" : "pg", got, want);
            free(got);
        }
    }
}

/* "-- search-index: T" stands for the backend's search index DDL, on one
 * line (test_search_index_runs runs it). */
static void test_search_index_directive(void **state)
{
    (void)state;
    static const char src[] = "A;\n-- search-index: things\nB;\n";
    int bad = -1;
    char *lite = migrate_for_dialect(src, DB_SQLITE, &bad);
    char *pg = migrate_for_dialect(src, DB_PG, &bad);
    assert_non_null(lite);
    assert_non_null(pg);
    assert_non_null(strstr(lite, "CREATE VIRTUAL TABLE things_fts USING fts5"));
    assert_non_null(strstr(lite, "CREATE TRIGGER things_fts_update AFTER UPDATE OF search_key"));
    assert_null(strstr(lite, "tsvector"));
    assert_non_null(strstr(pg, "ALTER TABLE things ADD COLUMN search_tsv tsvector"));
    assert_non_null(strstr(pg, "CREATE INDEX things_search ON things USING GIN"));
    assert_null(strstr(pg, "fts5"));
    int lines = 0; /* three lines, as written */
    for (const char *s = strchr(lite, '\n'); s; s = strchr(s + 1, '\n'))
        lines++;
    assert_int_equal(lines, 3);
    assert_string_equal(strrchr(lite, ';') - 1, "B;\n");
    free(pg);

    free(lite);

    /* a bad table name is refused with its line */
    static const char *const names[] = {"A;\n-- search-index:\n", "A;\n-- search-index: Things\n",
                                        "A;\n-- search-index: x;drop\n",
                                        "A;\n-- search-index: 1x\n"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int line = 0;
        assert_null(migrate_for_dialect(names[i], DB_PG, &line));
        assert_int_equal(line, 2);
    }
}

static void test_dialect_unknown_refused(void **state)
{
    (void)state;
    /* a typo must not silently skip DDL: the line is named */
    static const char *const bad[] = {"A;\n-- dialect: postgres\nB;\n", "A;\n-- dialect: SQLite\n",
                                      "A;\n-- dialect:\n", "A;\n-- dialect: sqlite,postgresql\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int line = 0;
        assert_null(migrate_for_dialect(bad[i], DB_SQLITE, &line));
        assert_int_equal(line, 2);
    }
}

/* ------------------------------------------------------------------ */
/* storage, on each backend                                              */

typedef testfx fixture;

typedef struct item {
    int64_t id;
    const char *name;
    int n;
    bool flag;
    double x;
    const char *note;
} item;

static const db_colmap item_map[] = {
    DBC(I64, item, id),    DBC(TEXT, item, name), DBC(INT, item, n),
    DBC(BOOL, item, flag), DBC(DOUBLE, item, x),  DBC(TEXT, item, note),
};
static const db_rowspec item_rs = {.size = sizeof(item), .map = item_map, .ncols = 6};
#define ITEM_COLS "id, name, n, flag, x, note"

/* 12 rows: id 1..12, name 'r01'..'r12', n = id % 3, flag = id even,
 * x = id / 4 (integer division), note NULL for ids divisible by 4 */
static int setup_on(void **state, db_dialect d)
{
    int rc;
    fixture *f = testfx_open("dbq", d, &rc);
    *state = f;
    if (!f) return rc;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(db_exec(f->c,
                             "CREATE TABLE dbq_t (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT "
                             "NULL, n INTEGER NOT NULL, flag INTEGER NOT NULL, x REAL NOT NULL, "
                             "note TEXT)",
                             &e),
                     TS_OK);
    db_stmt *s;
    for (int i = 1; i <= 12; i++) {
        assert_int_equal(db_prepare(f->c, "INSERT INTO dbq_t VALUES (?, ?, ?, ?, ?, ?)", &s, &e),
                         TS_OK);
        char name[8];
        snprintf(name, sizeof name, "r%02d", i);
        db_bind_list(s, DBV_I(i), DBV_T(name), DBV_I(i % 3), DBV_I(i % 2 == 0), DBV_D(i / 4),
                     i % 4 ? DBV_T("note") : DBV_NULL_VAL);
        assert_int_equal(db_step(s, &e), DB_DONE);
        db_reset(s);
    }
    *state = f;
    return 0;
}

TESTDB_BACKEND_FIXTURE(fixture)

static void test_query_one_maps_every_type(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    item it;
    bool found;
    const db_val v[] = {DBV_T("r08")};
    assert_int_equal(db_query_one(f->c, f->a, "SELECT " ITEM_COLS " FROM dbq_t WHERE name = ?", v,
                                  1, &item_rs, &it, &found, &e),
                     TS_OK);
    assert_true(found);
    assert_int_equal(it.id, 8);
    assert_string_equal(it.name, "r08");
    assert_int_equal(it.n, 2);
    assert_true(it.flag);
    assert_true(it.x == 2.0);
    assert_null(it.note); /* SQL NULL stays NULL */
    /* no row: found false, out untouched */
    const db_val none[] = {DBV_T("nope")};
    it.id = -1;
    assert_int_equal(db_query_one(f->c, f->a, "SELECT " ITEM_COLS " FROM dbq_t WHERE name = ?",
                                  none, 1, &item_rs, &it, &found, &e),
                     TS_OK);
    assert_false(found);
    assert_int_equal(it.id, -1);
    /* a NULL text value binds NULL: nothing equals it */
    const db_val null_text[] = {DBV_T(NULL)};
    assert_int_equal(db_query_one(f->c, f->a, "SELECT " ITEM_COLS " FROM dbq_t WHERE note = ?",
                                  null_text, 1, &item_rs, &it, &found, &e),
                     TS_OK);
    assert_false(found);
}

static void read_name_only(arena *a, db_stmt *s, void *p)
{
    item *it = p;
    it->name = db_col_dup(a, s, 0);
    it->id = 100 + db_col_int(s, 1);
}

static void test_query_all_and_callback(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    void *rows;
    int n;
    /* more rows than the first allocation: the array grows */
    assert_int_equal(db_query_all(f->c, f->a, "SELECT " ITEM_COLS " FROM dbq_t ORDER BY id", NULL,
                                  0, &item_rs, 0, &rows, &n, &e),
                     TS_OK);
    assert_int_equal(n, 12);
    item *its = rows;
    for (int i = 0; i < 12; i++)
        assert_int_equal(its[i].id, i + 1);
    /* at most max rows; a callback reads what it wants */
    db_rowspec rs = {.size = sizeof(item), .fn = read_name_only};
    const db_val v[] = {DBV_I(1)};
    assert_int_equal(db_query_all(f->c, f->a,
                                  "SELECT name, id FROM dbq_t WHERE n = ? ORDER BY id DESC", v, 1,
                                  &rs, 2, &rows, &n, &e),
                     TS_OK);
    assert_int_equal(n, 2);
    its = rows;
    assert_string_equal(its[0].name, "r10");
    assert_int_equal(its[0].id, 110);
    assert_string_equal(its[1].name, "r07");
    /* an error is reported, not a partial answer */
    assert_int_not_equal(
        db_query_all(f->c, f->a, "SELECT nope FROM dbq_t", NULL, 0, &item_rs, 0, &rows, &n, &e),
        TS_OK);
}

static void test_where_builder_only_given_filters(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    dbw w;
    dbw_init(&w, a);
    assert_string_equal(dbw_where(&w), "");
    dbw_text(&w, "name = ?", NULL); /* absent: nothing added */
    dbw_int(&w, "n = ?", 0);
    assert_string_equal(dbw_where(&w), "");
    assert_int_equal(w.nvals, 0);
    dbw_int(&w, "n = ?", 2);
    dbw_text(&w, "name = ?", "r05");
    dbw_and(&w, "id BETWEEN ? AND ?", DBV_I(1), DBV_I(9));
    assert_string_equal(dbw_where(&w), " WHERE n = ? AND name = ? AND id BETWEEN ? AND ?");
    assert_int_equal(w.nvals, 4);
    assert_int_equal(w.vals[0].i, 2);
    assert_string_equal(w.vals[1].s, "r05");
    assert_int_equal(w.vals[3].i, 9);
    /* many values: the builder grows */
    for (int i = 0; i < 100; i++)
        dbw_and(&w, "id <> ?", DBV_I(1000 + i));
    assert_int_equal(w.nvals, 104);
    assert_int_equal(w.vals[103].i, 1099);
    assert_string_equal(w.vals[1].s, "r05");
    arena_free(a);
}

/* One listing through dbw_page, both counting ways: ids of the page and the total. */
static void page(fixture *f, bool over, int64_t flag, int64_t n_is, int64_t limit, int64_t offset,
                 int64_t want_total, const int *want_ids, int nwant)
{
    ts_err e;
    ts_err_clear(&e);
    dbw w;
    dbw_init(&w, f->a);
    dbw_int(&w, "flag = ?", flag);
    if (n_is >= 0) dbw_and(&w, "n = ?", DBV_I(n_is));
    dbw_page_q pq = {.cols = ITEM_COLS,
                     .from = "dbq_t",
                     .order = "x DESC, id",
                     .limit = limit,
                     .offset = offset,
                     .count_over = over};
    void *rows;
    int n;
    int64_t total;
    assert_int_equal(dbw_page(f->c, &w, &pq, &item_rs, &rows, &n, &total, &e), TS_OK);
    assert_non_null(rows);
    assert_int_equal(total, want_total);
    assert_int_equal(n, nwant);
    item *its = rows;
    for (int i = 0; i < nwant; i++)
        assert_int_equal(its[i].id, want_ids[i]);
}

static void test_page_count_and_rows(void **state)
{
    fixture *f = fx(state);
    for (int over = 0; over < 2; over++) {
        /* everything: 12 rows, ordered by x DESC then id */
        page(f, over, 0, -1, 3, 0, 12, (const int[]){12, 8, 9, 10}, 3);
        page(f, over, 0, -1, 3, 3, 12, (const int[]){10, 11, 4}, 3);
        /* the last, short page */
        page(f, over, 0, -1, 5, 10, 12, (const int[]){2, 3}, 2);
        /* past the end: no rows, the total still counts every match */
        page(f, over, 0, -1, 5, 12, 12, NULL, 0);
        page(f, over, 0, -1, 5, 500, 12, NULL, 0);
        /* filters: even ids with n = 0 are 6 and 12 */
        page(f, over, 1, 0, 10, 0, 2, (const int[]){12, 6}, 2);
        /* nothing matches */
        page(f, over, 1, 7, 10, 0, 0, NULL, 0);
    }
}

/* The directive's DDL runs on each backend and the index follows inserts
 * and changes of the key. */
static void test_search_index_runs(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    db_dialect d = db_conn_dialect(f->c);
    assert_int_equal(
        db_exec(f->c,
                "CREATE TABLE things (id INTEGER PRIMARY KEY, search_key TEXT NOT NULL);"
                "INSERT INTO things (id, search_key) VALUES (1, 'ha noi')",
                &e),
        TS_OK);
    int bad;
    char *ddl = migrate_for_dialect("-- search-index: things\n", d, &bad);
    assert_non_null(ddl);
    if (db_exec(f->c, ddl, &e) != TS_OK) fail_msg("%s: %s", ddl, e.debug);
    free(ddl);
    assert_int_equal(db_exec(f->c,
                             "INSERT INTO things (id, search_key) VALUES (2, 'bac-ninh');"
                             "UPDATE things SET search_key = 'hai phong' WHERE id = 1",
                             &e),
                     TS_OK);
    const char *q = d == DB_SQLITE
                        ? "SELECT COALESCE(SUM(rowid), 0) FROM things_fts WHERE things_fts MATCH ?"
                        : "SELECT COALESCE(SUM(id), 0) FROM things"
                          " WHERE search_tsv @@ to_tsquery('simple', ?)";
    static const struct {
        const char *lite, *pg;
        int64_t ids;
    } cases[] = {
        {"bac*", "bac:*", 2}, {"ninh", "ninh", 2}, {"noi", "noi", 0}, {"pho*", "pho:*", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        db_stmt *st;
        assert_int_equal(db_prepare(f->c, q, &st, &e), TS_OK);
        db_bind_text(st, 1, d == DB_SQLITE ? cases[i].lite : cases[i].pg, -1);
        assert_int_equal(db_step(st, &e), DB_ROW);
        assert_int_equal(db_col_int(st, 0), cases[i].ids);
        db_reset(st);
    }
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_dialect_sections),
        cmocka_unit_test(test_dialect_unknown_refused),
        cmocka_unit_test(test_search_index_directive),
        cmocka_unit_test(test_where_builder_only_given_filters),
    };
#define STORAGE(setup)                                                                             \
    cmocka_unit_test_setup_teardown(test_query_one_maps_every_type, setup, teardown),              \
        cmocka_unit_test_setup_teardown(test_query_all_and_callback, setup, teardown),             \
        cmocka_unit_test_setup_teardown(test_page_count_and_rows, setup, teardown),                \
        cmocka_unit_test_setup_teardown(test_search_index_runs, setup, teardown)
    const struct CMUnitTest sqlite[] = {STORAGE(setup_sqlite)};
    const struct CMUnitTest pg[] = {STORAGE(setup_pg)};
    int failed = cmocka_run_group_tests_name("dbq", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("dbq-sqlite", sqlite, NULL, NULL);
    failed += cmocka_run_group_tests_name("dbq-postgresql", pg, NULL, NULL);
    return failed;
}
