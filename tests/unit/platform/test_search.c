/*
 * Unit tests for platform/search: how query text becomes an index query
 * on each backend (a data-driven table, hostile input included), and
 * searches through the real indexes of migration 007 on SQLite and, with
 * TINHSO_TEST_PG, PostgreSQL: word prefixes, several words, diacritics and
 * đ, hostile text, the index following imports and corrections, and a
 * database made before migration 007 migrating forward with its rows
 * indexed.
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
#include "db/migrate.h"
#include "domains/units/units.h"
#include "lib/arena.h"
#include "platform/search.h"

/* ------------------------------------------------------------------ */
/* search_parse                                                          */

static const struct {
    const char *q;
    search_kind kind;
    const char *fts5, *tsquery; /* the text bound to MATCH / to_tsquery */
} parse_cases[] = {
    {NULL, SEARCH_ANY, NULL, NULL},
    {"", SEARCH_ANY, NULL, NULL},
    {"   ", SEARCH_ANY, NULL, NULL},
    {" \t\n ", SEARCH_ANY, NULL, NULL},
    {"\xc2\xa0", SEARCH_ANY, NULL, NULL}, /* no-break space */
    {"bac ni", SEARCH_WORDS, "\"bac\"* \"ni\"*", "'bac':* & 'ni':*"},
    {"Bắc Ninh", SEARCH_WORDS, "\"bac\"* \"ninh\"*", "'bac':* & 'ninh':*"},
    {"BẮC   NINH  ", SEARCH_WORDS, "\"bac\"* \"ninh\"*", "'bac':* & 'ninh':*"},
    {"Ba\xcc\x86\xcc\x81"
     "c",
     SEARCH_WORDS, "\"bac\"*", "'bac':*"}, /* NFD */
    {"Đồng Đăng", SEARCH_WORDS, "\"dong\"* \"dang\"*", "'dong':* & 'dang':*"},
    {"đ", SEARCH_WORDS, "\"d\"*", "'d':*"},
    {"bac bac BẮC", SEARCH_WORDS, "\"bac\"*", "'bac':*"}, /* one lookup per distinct word */
    /* punctuation inside a word: parts that follow each other */
    {"000.00.11.H06", SEARCH_WORDS, "\"000 00 11 h06\"*", "'000' <-> '00' <-> '11' <-> 'h06':*"},
    {"h'leo", SEARCH_WORDS, "\"h leo\"*", "'h' <-> 'leo':*"},
    {"kinh-bac", SEARCH_WORDS, "\"kinh bac\"*", "'kinh' <-> 'bac':*"},
    /* nothing searchable: matches no row (not every row) */
    {"%", SEARCH_NOTHING, NULL, NULL},
    {"'", SEARCH_NOTHING, NULL, NULL},
    {"\"", SEARCH_NOTHING, NULL, NULL},
    {"* - + ( ) : ^ ~ & | ! <->", SEARCH_NOTHING, NULL, NULL},
    /* FTS5 syntax is plain text: quotes, stars, NEAR, NOT, minus, column filters */
    {"\"bac\" OR ninh*", SEARCH_WORDS, "\"bac\"* \"or\"* \"ninh\"*", "'bac':* & 'or':* & 'ninh':*"},
    {"NEAR(bac ninh, 2)", SEARCH_WORDS, "\"near bac\"* \"ninh\"* \"2\"*",
     "'near' <-> 'bac':* & 'ninh':* & '2':*"},
    {"bac NOT ninh", SEARCH_WORDS, "\"bac\"* \"not\"* \"ninh\"*", "'bac':* & 'not':* & 'ninh':*"},
    {"-ninh", SEARCH_WORDS, "\"ninh\"*", "'ninh':*"},
    {"search_key:bac", SEARCH_WORDS, "\"search key bac\"*", "'search' <-> 'key' <-> 'bac':*"},
    {"{search_key}: ^bac", SEARCH_WORDS, "\"search key\"* \"bac\"*",
     "'search' <-> 'key':* & 'bac':*"},
    /* tsquery operators and quotes are plain text too */
    {"bac & !ninh | x <-> y", SEARCH_WORDS, "\"bac\"* \"ninh\"* \"x\"* \"y\"*",
     "'bac':* & 'ninh':* & 'x':* & 'y':*"},
    {"bac:*A 'ninh'", SEARCH_WORDS, "\"bac a\"* \"ninh\"*", "'bac' <-> 'a':* & 'ninh':*"},
    {"' OR '1'='1", SEARCH_WORDS, "\"or\"* \"1 1\"*", "'or':* & '1' <-> '1':*"},
};

static void test_parse(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        for (int d = DB_SQLITE; d <= DB_PG; d++) {
            ts_err e;
            ts_err_clear(&e);
            search_query sq;
            assert_int_equal(search_parse(a, parse_cases[i].q, (db_dialect)d, &sq, &e), TS_OK);
            if (sq.kind != parse_cases[i].kind)
                fail_msg("case %zu [%s]: kind %d, want %d", i, parse_cases[i].q, sq.kind,
                         parse_cases[i].kind);
            const char *want = d == DB_SQLITE ? parse_cases[i].fts5 : parse_cases[i].tsquery;
            if (!want) {
                assert_null(sq.match);
                continue;
            }
            if (!sq.match || strcmp(sq.match, want))
                fail_msg("case %zu [%s] %s:\n  got:  %s\n  want: %s", i, parse_cases[i].q,
                         d == DB_SQLITE ? "fts5" : "tsquery", sq.match ? sq.match : "(null)", want);
        }
    }
    arena_free(a);
}

static void test_parse_refuses(void **state)
{
    (void)state;
    arena *a = arena_new(4096);
    char words[400] = "", longq[SEARCH_MAX_BYTES + 2];
    /* SEARCH_MAX_WORDS distinct words pass, one more is refused */
    for (int i = 0; i < SEARCH_MAX_WORDS; i++)
        snprintf(words + strlen(words), sizeof words - strlen(words), "w%d ", i);
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    const struct {
        const char *q;
        ts_code rc;
    } cases[] = {
        {"\xc3\x28", TS_EINVAL}, /* not UTF-8 */
        {"bac\xff", TS_EINVAL},  {longq, TS_EINVAL},
        {longq + 1, TS_OK}, /* exactly SEARCH_MAX_BYTES */
        {words, TS_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_err e;
        ts_err_clear(&e);
        search_query sq;
        assert_int_equal(search_parse(a, cases[i].q, DB_SQLITE, &sq, &e), cases[i].rc);
        if (cases[i].rc != TS_OK) {
            assert_int_equal(e.nfields, 1);
            assert_string_equal(e.fields[0].field, "q");
        }
    }
    strcat(words, "one-more");
    ts_err e;
    ts_err_clear(&e);
    search_query sq;
    assert_int_equal(search_parse(a, words, DB_PG, &sq, &e), TS_EINVAL);
    arena_free(a);
}

/* ------------------------------------------------------------------ */
/* through the indexes                                                   */

static const char units_json[] =
    "[{\"Code\":\"24\",\"Name\":\"Bắc Ninh\",\"FullName\":\"Tỉnh Bắc Ninh\","
    "\"NameEn\":\"Bac Ninh\",\"AdministrativeUnitShortNameEn\":\"Province\",\"Wards\":["
    "{\"Code\":\"09190\",\"Name\":\"Kinh Bắc\",\"FullName\":\"Phường Kinh Bắc\","
    "\"AdministrativeUnitShortNameEn\":\"Ward\"},"
    "{\"Code\":\"09220\",\"Name\":\"Đông Cứu\",\"FullName\":\"Xã Đông Cứu\","
    "\"AdministrativeUnitShortNameEn\":\"Commune\"},"
    "{\"Code\":\"09250\",\"Name\":\"Bắc Giang\",\"FullName\":\"Phường Bắc Giang\","
    "\"AdministrativeUnitShortNameEn\":\"Ward\"},"
    "{\"Code\":\"09280\",\"Name\":\"Ea H'Leo\",\"FullName\":\"Xã Ea H'Leo\","
    "\"AdministrativeUnitShortNameEn\":\"Commune\"}]},"
    "{\"Code\":\"01\",\"Name\":\"Hà Nội\",\"FullName\":\"Thành phố Hà Nội\","
    "\"AdministrativeUnitShortNameEn\":\"City\",\"Wards\":["
    "{\"Code\":\"00004\",\"Name\":\"Ba Đình\",\"FullName\":\"Phường Ba Đình\","
    "\"AdministrativeUnitShortNameEn\":\"Ward\"}]}]";

typedef testfx fixture;

/* The operator's context on the fixture's connection (tests act as the console). */
static ts_ctx *op(fixture *f, ts_err *e)
{
    ts_ctx *x = arena_alloc(f->a, sizeof *x);
    ts_ctx_init(x, f->c, f->a, &ts_operator, "test", e);
    return x;
}

static int setup_on(void **state, db_dialect d)
{
    int rc;
    fixture *f = testfx_open("search", d, &rc);
    *state = f;
    if (!f) return rc;
    ts_err e;
    ts_err_clear(&e);
    units_import_result res;
    if (units_import(op(f, &e), units_json, strlen(units_json), "2025-07-01", &res) != TS_OK) {
        print_error("import: %s\n", e.debug);
        return -1;
    }
    *state = f;
    return 0;
}

TESTDB_BACKEND_FIXTURE(fixture)

/* The codes a search finds, comma-separated in listing order ("" for none). */
static const char *found(fixture *f, const char *q)
{
    units_query uq = {.q = q, .limit = 100};
    units_list_result res;
    ts_err e;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, f->c, f->a, NULL, NULL, &e);
    ts_code rc = units_list(&x, &uq, &res);
    if (rc != TS_OK) fail_msg("search [%s]: code %d %s", q, rc, e.debug);
    if (res.total != res.n)
        fail_msg("search [%s]: total %lld, page %d", q, (long long)res.total, res.n);
    const char *out = "";
    for (int i = 0; i < res.n; i++)
        out = arena_printf(f->a, "%s%s%s", out, i ? "," : "", res.items[i].code);
    return out;
}

static const struct {
    const char *q, *codes;
} search_cases[] = {
    {"bac ninh", "24"},
    {"bac ni", "24"},             /* the last word a prefix */
    {"b n", "24"},                /* every word a prefix */
    {"ninh bac", "24"},           /* order of words does not matter */
    {"phuong kinh bac", "09190"}, /* words from the full name */
    {"kinh", "09190"},
    {"BẮC", "24,09190,09250"}, /* levels first, then codes */
    {"bắc", "24,09190,09250"},
    {"dong cuu", "09220"}, /* đ folds to d */
    {"Đông Cứu", "09220"},
    {"đô", "09220"},
    {"ba dinh", "00004"},
    {"ac", ""},         /* not the start of a word */
    {"ninh x", ""},     /* every word must match */
    {"h'leo", "09280"}, /* parts in order */
    {"ea h leo", "09280"},
    {"leo h", "09280"}, /* two words: both are there */
    {"09190", "09190"}, /* the code is in the key */
    {"0919", "09190"},
    {"province", ""}, /* English type names are not in the key */
    /* hostile text is plain text */
    {"\"bac\"", "24,09190,09250"},
    {"bac*", "24,09190,09250"},
    {"bac OR giang", ""}, /* OR is a word, found nowhere */
    {"bac NOT giang", ""},
    {"NEAR(bac ninh)", ""}, /* "near bac" is not in a key */
    {"-giang bac", "09250"},
    {"search_key:bac", ""},
    {"bac & !giang", "09250"},
    {"bac | ninh", "24"},
    {"bac <-> ninh", "24"},
    {"'bac':*", "24,09190,09250"},
    {"%", ""},
    {"\\", ""},
    {"' OR '1'='1", ""},
    {"'; DROP TABLE admin_units;--", ""},
};

static void test_search_cases(void **state)
{
    fixture *f = fx(state);
    for (size_t i = 0; i < sizeof search_cases / sizeof search_cases[0]; i++) {
        const char *got = found(f, search_cases[i].q);
        if (strcmp(got, search_cases[i].codes))
            fail_msg("[%s]: found [%s], want [%s]", search_cases[i].q, got, search_cases[i].codes);
    }
    /* the tables are intact after all that */
    assert_string_equal(found(f, NULL), "01,24,00004,09190,09220,09250,09280");
}

static void test_index_follows_writes(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    /* a correction: found by its new name at once, no longer by the old one */
    units_patch p = {.name = "Võ Cường", .full_name = "Phường Võ Cường"};
    unit out;
    assert_int_equal(units_update(op(f, &e), "09250", &p, &out), TS_OK);
    assert_string_equal(found(f, "vo cuong"), "09250");
    assert_string_equal(found(f, "bac giang"), "");
    assert_string_equal(found(f, "bac"), "24,09190");
    /* a re-import changes the name back, and adds a unit */
    const char more[] = "[{\"Code\":\"01\",\"Name\":\"Hà Nội\",\"FullName\":\"Thành phố Hà Nội\","
                        "\"AdministrativeUnitShortNameEn\":\"City\",\"Wards\":["
                        "{\"Code\":\"00004\",\"Name\":\"Ba Đình\",\"FullName\":\"Phường Ba Đình\","
                        "\"AdministrativeUnitShortNameEn\":\"Ward\"},"
                        "{\"Code\":\"00008\",\"Name\":\"Ngọc Hà\",\"FullName\":\"Phường Ngọc Hà\","
                        "\"AdministrativeUnitShortNameEn\":\"Ward\"}]},"
                        "{\"Code\":\"24\",\"Name\":\"Bắc Ninh\",\"FullName\":\"Tỉnh Bắc Ninh\","
                        "\"Wards\":[{\"Code\":\"09250\",\"Name\":\"Bắc Giang\","
                        "\"FullName\":\"Phường Bắc Giang\","
                        "\"AdministrativeUnitShortNameEn\":\"Ward\"}]}]";
    units_import_result res;
    assert_int_equal(units_import(op(f, &e), more, strlen(more), "2025-07-01", &res), TS_OK);
    assert_int_equal(res.inserted, 1);
    assert_string_equal(found(f, "ngoc ha"), "00008");
    assert_string_equal(found(f, "ha"), "01,00008");
    assert_string_equal(found(f, "bac giang"), "09250");
    assert_string_equal(found(f, "vo cuong"), "");
}

/* A database made before migration 007: its rows are indexed when it migrates. */
static void test_migrates_forward(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    ts_err_clear(&e);
    bool pg = db_conn_dialect(f->c) == DB_PG;
    const char *undo =
        pg ? "DROP INDEX admin_units_search; ALTER TABLE admin_units DROP COLUMN search_tsv;"
             "DROP INDEX agencies_search; ALTER TABLE agencies DROP COLUMN search_tsv;"
             "DROP INDEX accounts_search; ALTER TABLE accounts DROP COLUMN search_tsv;"
           : "DROP TABLE admin_units_fts; DROP TABLE agencies_fts; DROP TABLE accounts_fts;"
             "DROP TRIGGER admin_units_fts_insert; DROP TRIGGER admin_units_fts_delete;"
             "DROP TRIGGER admin_units_fts_update; DROP TRIGGER agencies_fts_insert;"
             "DROP TRIGGER agencies_fts_delete; DROP TRIGGER agencies_fts_update;"
             "DROP TRIGGER accounts_fts_insert; DROP TRIGGER accounts_fts_delete;"
             "DROP TRIGGER accounts_fts_update;";
    assert_int_equal(db_exec(f->c, undo, &e), TS_OK);
    assert_int_equal(db_exec(f->c, "DELETE FROM schema_migrations WHERE version LIKE '007%'", &e),
                     TS_OK);
    assert_false(migrate_is_current(f->c));
    /* written by the old code: no index to keep */
    assert_int_equal(db_exec(f->c,
                             "UPDATE admin_units SET name = 'Từ Sơn', full_name = 'Phường Từ Sơn', "
                             "search_key = 'tu son phuong tu son 09220' WHERE code = '09220'",
                             &e),
                     TS_OK);
    int applied;
    assert_int_equal(migrate_up(f->c, &applied, &e), TS_OK);
    assert_int_equal(applied, 1);
    assert_true(migrate_is_current(f->c));
    assert_string_equal(found(f, "tu son"), "09220");
    assert_string_equal(found(f, "bac ninh"), "24");
    assert_string_equal(found(f, "dong cuu"), "");
    /* and the index follows writes from then on */
    units_patch p = {.name = "Đông Cứu", .full_name = "Xã Đông Cứu"};
    unit out;
    assert_int_equal(units_update(op(f, &e), "09220", &p, &out), TS_OK);
    assert_string_equal(found(f, "dong cuu"), "09220");
    assert_string_equal(found(f, "tu son"), "");
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),
    };
#define STORAGE(setup)                                                                             \
    cmocka_unit_test_setup_teardown(test_search_cases, setup, teardown),                           \
        cmocka_unit_test_setup_teardown(test_index_follows_writes, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_migrates_forward, setup, teardown)
    const struct CMUnitTest sqlite[] = {STORAGE(setup_sqlite)};
    const struct CMUnitTest pg[] = {STORAGE(setup_pg)};
    int failed = cmocka_run_group_tests_name("search", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("search-sqlite", sqlite, NULL, NULL);
    failed += cmocka_run_group_tests_name("search-postgresql", pg, NULL, NULL);
    return failed;
}
