/*
 * Unit tests for domains/units/boundaries.c on both backends: the
 * coordinate parser (a table), an import of two adjacent squares for two
 * real commune codes, lookups inside, on the shared border (the smaller
 * code, on_boundary) and outside, an unchanged re-import that writes
 * nothing, a changed one that the process's index follows at once,
 * refused files that write nothing, the permission, and the reads.
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

#include "db/dbq.h"
#include "domains/units/units.h"
#include "platform/geo.h"

static void test_parse_coord(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        double v;
    } cases[] = {
        {"21.287932", true, 21.287932},
        {"-0.5", true, -0.5},
        {"+90", true, 90},
        {"90.0", true, 90},
        {" 21.5 ", true, 21.5},
        {"0", true, 0},
        {"90.000001", false, 0},
        {"-91", false, 0},
        {"1e1", false, 0},
        {"0x15", false, 0},
        {"NaN", false, 0},
        {"inf", false, 0},
        {"21.", false, 0},
        {".5", false, 0},
        {"", false, 0},
        {"-", false, 0},
        {"21,5", false, 0},
        {"1.1234567890123456", false, 0},
        {"00021", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -1;
        bool ok = units_parse_coord(cases[i].s, -90, 90, &v);
        if (ok != cases[i].ok) fail_msg("\"%s\": %d, want %d", cases[i].s, ok, cases[i].ok);
        if (ok) assert_true(v == cases[i].v);
    }
    assert_false(units_parse_coord(NULL, -90, 90, NULL));
    assert_true(units_parse_coord("180", -180, 180, NULL));
    assert_false(units_parse_coord("180.5", -180, 180, NULL));
}

static const char units_json[] =
    "[{\"Code\":\"24\",\"Name\":\"Bắc Ninh\",\"FullName\":\"Tỉnh Bắc Ninh\","
    "\"AdministrativeUnitShortNameEn\":\"Province\",\"Wards\":["
    "{\"Code\":\"07210\",\"Name\":\"Bắc Giang\",\"FullName\":\"Phường Bắc Giang\","
    "\"AdministrativeUnitShortNameEn\":\"Ward\"},"
    "{\"Code\":\"07228\",\"Name\":\"Đa Mai\",\"FullName\":\"Phường Đa Mai\","
    "\"AdministrativeUnitShortNameEn\":\"Ward\"}]}]";

/* Two squares side by side: 07210 at lon 106.0–106.1, 07228 at 106.1–106.2
 * (shifted by dx), lat 21.0–21.1. */
static char *two_squares(arena *a, double dx)
{
    return arena_printf(
        a,
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"07228\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,21],[%.6f,21],[%.6f,21.1],[%.6f,21.1],"
        "[%.6f,21]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"code\":\"07210\",\"name\":\"x\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[106,21],[106.1,21],[106.1,21.1],[106,21.1],"
        "[106,21]]]}}]}",
        106.1 + dx, 106.2 + dx, 106.2 + dx, 106.1 + dx, 106.1 + dx);
}

typedef testfx fixture;

static ts_ctx *ctx(fixture *f, const ident_principal *who, ts_err *e)
{
    ts_ctx *x = arena_alloc(f->a, sizeof *x);
    ts_err_clear(e);
    ts_ctx_init(x, f->c, f->a, who, "test", e);
    return x;
}

static int setup_on(void **state, db_dialect d)
{
    int rc;
    fixture *f = testfx_open("boundaries", d, &rc);
    *state = f;
    if (!f) return rc;
    units_geo_release(); /* the index of the previous test's database */
    ts_err e;
    units_import_result res;
    if (units_import(ctx(f, &ts_operator, &e), units_json, strlen(units_json), "2025-07-01",
                     &res) != TS_OK) {
        print_error("import: %s\n", e.debug);
        return -1;
    }
    return 0;
}

TESTDB_BACKEND_FIXTURE(fixture)

static int64_t count(fixture *f, const char *sql)
{
    ts_err e;
    ts_err_clear(&e);
    int64_t n = -1;
    assert_int_equal(db_int_vals(f->c, sql, NULL, 0, -1, &n, &e), TS_OK);
    return n;
}

static void test_import_and_locate(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    units_boundaries_result res;
    const char *fc = two_squares(f->a, 0);
    assert_int_equal(units_boundaries_import(ctx(f, &ts_operator, &e), fc, strlen(fc), &res),
                     TS_OK);
    assert_int_equal(res.features, 2);
    assert_int_equal(res.inserted, 2);
    assert_true(res.audit_seq > 0);
    assert_int_equal(count(f, "SELECT version FROM data_versions WHERE name = 'boundaries'"), 1);

    static const struct {
        double lat, lon;
        ts_code rc;
        const char *code;
        bool edge;
    } cases[] = {
        {21.05, 106.05, TS_OK, "07210", false},
        {21.05, 106.15, TS_OK, "07228", false},
        {21.05, 106.1, TS_OK, "07210", true}, /* the shared border: the smaller code */
        {21.1, 106.1, TS_OK, "07210", true},  /* the shared corner */
        {21.05, 106.2, TS_OK, "07228", true},
        {21.05, 105.9, TS_ENOTFOUND, NULL, false},
        {21.0285, 105.8542, TS_ENOTFOUND, NULL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        units_location loc;
        ts_code rc = units_locate(ctx(f, &ts_anonymous, &e), cases[i].lat, cases[i].lon, &loc);
        if (rc != cases[i].rc) fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
        if (rc != TS_OK) {
            assert_ptr_equal(e.msg, M_UNIT_OUTSIDE);
            continue;
        }
        assert_string_equal(loc.commune.code, cases[i].code);
        assert_int_equal(loc.on_boundary, cases[i].edge);
        assert_string_equal(loc.province_code, "24");
        assert_string_equal(loc.province_name, "Bắc Ninh");
    }
    /* out of range: a field error, not "not found" */
    units_location loc;
    assert_int_equal(units_locate(ctx(f, &ts_anonymous, &e), 91, 106, &loc), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "lat");
    assert_int_equal(units_locate(ctx(f, &ts_anonymous, &e), 21, -200, &loc), TS_EVALIDATION);
    assert_string_equal(e.fields[0].field, "lon");

    /* the same file again: nothing written, no audit entry, no new version */
    int64_t audits = count(f, "SELECT COUNT(*) FROM audit_log");
    assert_int_equal(units_boundaries_import(ctx(f, &ts_operator, &e), fc, strlen(fc), &res),
                     TS_OK);
    assert_int_equal(res.unchanged, 2);
    assert_int_equal(res.audit_seq, 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audits);
    assert_int_equal(count(f, "SELECT version FROM data_versions WHERE name = 'boundaries'"), 1);

    /* 07228 moves east: the index follows at once (this process wrote it) */
    const char *moved = two_squares(f->a, 0.5);
    assert_int_equal(units_boundaries_import(ctx(f, &ts_operator, &e), moved, strlen(moved), &res),
                     TS_OK);
    assert_int_equal(res.updated, 1);
    assert_int_equal(res.unchanged, 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audits + 1);
    assert_int_equal(count(f, "SELECT version FROM data_versions WHERE name = 'boundaries'"), 2);
    assert_int_equal(units_locate(ctx(f, &ts_anonymous, &e), 21.05, 106.15, &loc), TS_ENOTFOUND);
    assert_int_equal(units_locate(ctx(f, &ts_anonymous, &e), 21.05, 106.65, &loc), TS_OK);
    assert_string_equal(loc.commune.code, "07228");
    assert_false(loc.on_boundary);
    units_geo_release();
}

static void test_refused(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    units_boundaries_result res;
#define SQ "{\"type\":\"Polygon\",\"coordinates\":[[[106,21],[106.1,21],[106.1,21.1],[106,21]]]}"
    static const struct {
        const char *json;
        ts_code rc;
        const char *field; /* the first field at fault, or NULL */
    } cases[] = {
        {"{", TS_EINVAL, NULL},
        {"[]", TS_EVALIDATION, "$"},
        {"{\"type\":\"Feature\",\"geometry\":" SQ "}", TS_EVALIDATION, "$"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
         "{\"code\":\"99999\"},\"geometry\":" SQ "}]}",
         TS_EVALIDATION, "features[0].properties.code"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
         "{\"code\":\"7210\"},\"geometry\":" SQ "}]}",
         TS_EVALIDATION, "features[0].properties.code"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
         "{\"code\":\"07210\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[106,21],"
         "[106.1,21],[106,21]]]}}]}",
         TS_EVALIDATION, "features[0]"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
         "{\"code\":\"07210\"},\"geometry\":" SQ "},{\"type\":\"Feature\",\"properties\":"
         "{\"code\":\"07210\"},\"geometry\":" SQ "}]}",
         TS_EVALIDATION, "features[1].properties.code"},
    };
#undef SQ
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_code rc = units_boundaries_import(ctx(f, &ts_operator, &e), cases[i].json,
                                             strlen(cases[i].json), &res);
        if (rc != cases[i].rc) fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
        if (cases[i].field) {
            assert_true(e.nfields >= 1);
            assert_string_equal(e.fields[0].field, cases[i].field);
        }
    }
    assert_int_equal(count(f, "SELECT COUNT(*) FROM unit_boundaries"), 0);
    assert_int_equal(count(f, "SELECT version FROM data_versions WHERE name = 'boundaries'"), 0);
    /* only a system admin imports */
    const char *fc = two_squares(f->a, 0);
    assert_int_equal(units_boundaries_import(ctx(f, &ts_anonymous, &e), fc, strlen(fc), &res),
                     TS_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM unit_boundaries"), 0);
    /* no boundaries at all: every point is outside */
    units_location loc;
    assert_int_equal(units_locate(ctx(f, &ts_anonymous, &e), 21.05, 106.05, &loc), TS_ENOTFOUND);
    units_geo_release();
}

static void test_reads(void **state)
{
    fixture *f = fx(state);
    ts_err e;
    units_boundaries_result res;
    const char *fc = two_squares(f->a, 0);
    assert_int_equal(units_boundaries_import(ctx(f, &ts_operator, &e), fc, strlen(fc), &res),
                     TS_OK);
    unit_boundary b;
    assert_int_equal(units_boundary_get(ctx(f, &ts_anonymous, &e), "07210", true, &b), TS_OK);
    assert_string_equal(b.code, "07210");
    assert_string_equal(b.name, "Bắc Giang");
    assert_string_equal(b.parent_code, "24");
    assert_int_equal(b.level, 3);
    assert_int_equal(b.vertices, 5);
    assert_string_equal(b.geometry, "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[106,21],"
                                    "[106.1,21],[106.1,21.1],[106,21.1],[106,21]]]]}");
    assert_true(b.bbox[0] == 106 && b.bbox[1] == 21 && b.bbox[2] == 106.1 && b.bbox[3] == 21.1);
    assert_int_equal(units_boundary_get(ctx(f, &ts_anonymous, &e), "07210", false, &b), TS_OK);
    assert_int_equal(b.vertices, 5); /* a square keeps its 5 positions */
    assert_int_equal(units_boundary_get(ctx(f, &ts_anonymous, &e), "24", false, &b), TS_ENOTFOUND);
    assert_ptr_equal(e.msg, M_UNIT_NO_BOUNDARY);
    assert_int_equal(units_boundary_get(ctx(f, &ts_anonymous, &e), "99", false, &b), TS_ENOTFOUND);
    assert_ptr_equal(e.msg, M_UNIT_NOT_FOUND);
    unit_boundary *items;
    int n;
    assert_int_equal(units_boundaries_of(ctx(f, &ts_anonymous, &e), "24", 3, &items, &n), TS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].code, "07210");
    assert_string_equal(items[1].code, "07228");
    assert_string_equal(items[1].name, "Đa Mai");
    const char *etag;
    assert_int_equal(units_boundaries_etag(ctx(f, &ts_anonymous, &e), &etag), TS_OK);
    assert_string_equal(etag, "g1.1");
    units_geo_release();
}

int main(void)
{
    const struct CMUnitTest pure[] = {cmocka_unit_test(test_parse_coord)};
#define STORAGE(setup)                                                                             \
    cmocka_unit_test_setup_teardown(test_import_and_locate, setup, teardown),                      \
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),                            \
        cmocka_unit_test_setup_teardown(test_reads, setup, teardown)
    const struct CMUnitTest sqlite[] = {STORAGE(setup_sqlite)};
    const struct CMUnitTest pg[] = {STORAGE(setup_pg)};
    int failed = cmocka_run_group_tests_name("boundaries", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("boundaries-sqlite", sqlite, NULL, NULL);
    failed += cmocka_run_group_tests_name("boundaries-pg", pg, NULL, NULL);
    return failed ? 1 : 0;
}
