/*
 * Unit tests for platform/geo: the rules of geo_locate on small shapes
 * (a square with a hole, a MultiPolygon, points on edges and vertices,
 * the shared border of two squares, out-of-range input), malformed
 * GeoJSON refused with the place named, simplification that keeps rings
 * valid, the writer, and the real data: points computed (in Python, by an
 * independent ray cast over data/vn-admin/boundaries-24-communes.geojson,
 * each more than 1 km from any edge) to lie well inside known Bắc Ninh
 * communes, a shared vertex of two communes, and Hà Nội outside.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testmain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/embed.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "platform/geo.h"

static geo_shape *parse_ok(const char *text)
{
    ts_err e;
    ts_err_clear(&e);
    geo_shape *s = NULL;
    ts_code rc = geo_shape_parse(text, strlen(text), &s, &e);
    if (rc != TS_OK) fail_msg("%s: %s (%s)", text, e.msg ? e.msg->text[1] : "?", e.arg);
    return s;
}

/* A square [x0, x1] x [y0, y1] as the positions of a closed ring. */
static char *square(char *buf, size_t n, double x0, double y0, double x1, double y1)
{
    snprintf(buf, n, "[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]", x0, y0, x1, y0, x1, y1, x0, y1,
             x0, y0);
    return buf;
}

static geo_set *set_of(const char *const *codes, const char *const *geojson, int n)
{
    geo_set *set = geo_set_new();
    ts_err e;
    ts_err_clear(&e);
    for (int i = 0; i < n; i++)
        assert_int_equal(geo_set_add(set, codes[i], codes[i], parse_ok(geojson[i]), &e), TS_OK);
    assert_int_equal(geo_set_build(set, &e), TS_OK);
    return set;
}

typedef struct pt_case {
    double lat, lon;
    ts_code rc;
    const char *code;
    bool on_boundary;
} pt_case;

static void check_points(const geo_set *set, const pt_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        geo_hit h = {0};
        ts_code rc = geo_locate(set, c[i].lat, c[i].lon, &h);
        if (rc != c[i].rc)
            fail_msg("(%g, %g): code %d, expected %d", c[i].lat, c[i].lon, rc, c[i].rc);
        if (rc != TS_OK) continue;
        if (strcmp(h.code, c[i].code) || h.on_boundary != c[i].on_boundary)
            fail_msg("(%g, %g): %s%s, expected %s%s", c[i].lat, c[i].lon, h.code,
                     h.on_boundary ? " (boundary)" : "", c[i].code,
                     c[i].on_boundary ? " (boundary)" : "");
    }
}

/* A 10 x 10 square at (100..110, 10..20) with a 2 x 2 hole at (104..106, 14..16). */
static void square_with_hole(void **state)
{
    (void)state;
    char outer[200], hole[200], g[500];
    square(outer, sizeof outer, 100, 10, 110, 20);
    square(hole, sizeof hole, 104, 14, 106, 16);
    snprintf(g, sizeof g, "{\"type\":\"Polygon\",\"coordinates\":[%s,%s]}", outer, hole);
    const char *codes[] = {"00001"}, *geos[] = {g};
    geo_set *set = set_of(codes, geos, 1);
    static const pt_case cases[] = {
        {12, 102, TS_OK, "00001", false},     /* inside */
        {15, 105, TS_ENOTFOUND, NULL, false}, /* in the hole */
        {15, 104, TS_OK, "00001", true},      /* on the hole's edge */
        {14, 104, TS_OK, "00001", true},      /* on the hole's vertex */
        {10, 105, TS_OK, "00001", true},      /* on the bottom edge */
        {15, 110, TS_OK, "00001", true},      /* on the right edge */
        {20, 100, TS_OK, "00001", true},      /* on a corner */
        {10, 100, TS_OK, "00001", true},      /* on the first vertex */
        {15, 99.999, TS_ENOTFOUND, NULL, false}, {20.0001, 105, TS_ENOTFOUND, NULL, false},
        {14, 102, TS_OK, "00001", false}, /* level with the hole's vertex, left of it */
        {14, 108, TS_OK, "00001", false}, /* and right of it */
        {-30, -60, TS_ENOTFOUND, NULL, false},
    };
    check_points(set, cases, sizeof cases / sizeof cases[0]);
    assert_int_equal(geo_set_size(set), 1);
    assert_true(geo_set_bytes(set) > 0);
    geo_set_free(set);
}

/* Two islands of one region; a point between them is outside. */
static void multipolygon(void **state)
{
    (void)state;
    char a[200], b[200], g[500];
    square(a, sizeof a, 0, 0, 1, 1);
    square(b, sizeof b, 3, 0, 4, 1);
    snprintf(g, sizeof g, "{\"type\":\"MultiPolygon\",\"coordinates\":[[%s],[%s]]}", a, b);
    const char *codes[] = {"00007"}, *geos[] = {g};
    geo_set *set = set_of(codes, geos, 1);
    static const pt_case cases[] = {
        {0.5, 0.5, TS_OK, "00007", false},
        {0.5, 3.5, TS_OK, "00007", false},
        {0.5, 2, TS_ENOTFOUND, NULL, false},
        {1, 3, TS_OK, "00007", true},
    };
    check_points(set, cases, sizeof cases / sizeof cases[0]);
    geo_set_free(set);
}

/* Two squares sharing the edge x = 1: the border goes to the smaller
 * code, whatever order they were added in, marked as a boundary. A
 * triangle whose vertex lies on the ray exercises the half-open rule. */
static void shared_border(void **state)
{
    (void)state;
    char a[200], b[200], ga[300], gb[300];
    square(a, sizeof a, 0, 0, 1, 1);
    square(b, sizeof b, 1, 0, 2, 1);
    snprintf(ga, sizeof ga, "{\"type\":\"Polygon\",\"coordinates\":[%s]}", a);
    snprintf(gb, sizeof gb,
             "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
             "{\"type\":\"Polygon\",\"coordinates\":[%s]}}",
             b);
    const char *codes[] = {"00020", "00010"}, *geos[] = {gb, ga};
    geo_set *set = set_of(codes, geos, 2);
    static const pt_case cases[] = {
        {0.5, 0.5, TS_OK, "00010", false},
        {0.5, 1.5, TS_OK, "00020", false},
        {0.5, 1, TS_OK, "00010", true},
        {0, 1, TS_OK, "00010", true},
        {1, 1, TS_OK, "00010", true},
        {0.5, 2, TS_OK, "00020", true},
        /* within GEO_EDGE_EPS of the border, on either side */
        {0.5, 1 + 1e-10, TS_OK, "00010", true},
        {0.5, 1 - 1e-10, TS_OK, "00010", true},
        /* just beyond it: inside the one it is in */
        {0.5, 1 + 1e-7, TS_OK, "00020", false},
    };
    check_points(set, cases, sizeof cases / sizeof cases[0]);
    geo_set_free(set);

    const char *tri = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,2],[0,4],[2,2],[0,0]]]}";
    const char *c2[] = {"1"}, *g2[] = {tri};
    set = set_of(c2, g2, 1);
    static const pt_case tcases[] = {
        {2, 1, TS_ENOTFOUND, NULL, false}, /* the ray passes through the vertex (2,2) */
        {2, 3, TS_OK, "1", false},
        {2, 2, TS_OK, "1", true},
        {1, 1, TS_OK, "1", true}, /* on the edge (0,0)-(2,2) */
        {3, 0.5, TS_ENOTFOUND, NULL, false},
    };
    check_points(set, tcases, sizeof tcases / sizeof tcases[0]);
    geo_set_free(set);
}

/* Out-of-range and non-finite input is an input error, not "not found". */
static void bad_points(void **state)
{
    (void)state;
    char a[200], g[300];
    snprintf(g, sizeof g, "{\"type\":\"Polygon\",\"coordinates\":[%s]}",
             square(a, sizeof a, 0, 0, 1, 1));
    const char *codes[] = {"1"}, *geos[] = {g};
    geo_set *set = set_of(codes, geos, 1);
    static const pt_case cases[] = {
        {91, 0.5, TS_EINVAL, NULL, false},     {-90.5, 0.5, TS_EINVAL, NULL, false},
        {0.5, 180.01, TS_EINVAL, NULL, false}, {0.5, -181, TS_EINVAL, NULL, false},
        {90, 180, TS_ENOTFOUND, NULL, false},  {-90, -180, TS_ENOTFOUND, NULL, false},
    };
    check_points(set, cases, sizeof cases / sizeof cases[0]);
    geo_hit h;
    assert_int_equal(geo_locate(set, NAN, 0.5, &h), TS_EINVAL);
    assert_int_equal(geo_locate(set, 0.5, NAN, &h), TS_EINVAL);
    assert_int_equal(geo_locate(set, INFINITY, 0.5, &h), TS_EINVAL);
    assert_int_equal(geo_locate(set, 0.5, -INFINITY, &h), TS_EINVAL);
    geo_set_free(set);
    /* an empty set: still an input error for bad input, not found otherwise */
    set = geo_set_new();
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(geo_set_build(set, &e), TS_OK);
    assert_int_equal(geo_locate(set, 0.5, 0.5, &h), TS_ENOTFOUND);
    assert_int_equal(geo_locate(set, 95, 0.5, &h), TS_EINVAL);
    geo_set_free(set);
}

typedef struct bad_case {
    const char *json;
    ts_msg msg;
    const char *where; /* a substring of the place named, or NULL */
} bad_case;

static void malformed(void **state)
{
    (void)state;
#define SQ "[[0,0],[1,0],[1,1],[0,1],[0,0]]"
    const bad_case cases[] = {
        {"", M_JSON_MALFORMED, NULL},
        {"[1,2", M_JSON_MALFORMED, NULL},
        {"[42]", M_GEO_TYPE, "$"},
        {"{\"type\":\"Point\",\"coordinates\":[0,0]}", M_GEO_TYPE, "$"},
        {"{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", M_GEO_TYPE, NULL},
        {"{\"coordinates\":[" SQ "]}", M_GEO_TYPE, NULL},
        {"{\"type\":\"Polygon\"}", M_GEO_SHAPE, "coordinates"},
        {"{\"type\":\"Polygon\",\"coordinates\":{}}", M_GEO_SHAPE, NULL},
        {"{\"type\":\"Polygon\",\"coordinates\":[]}", M_GEO_RING_SHORT, NULL},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", M_GEO_RING_SHORT,
         "coordinates[0]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]}",
         M_GEO_RING_OPEN, "coordinates[0]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,\"x\"],[0,1],[0,0]]]}",
         M_GEO_COORD, "coordinates[0][2]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1],[0,1],[0,0]]]}", M_GEO_SHAPE,
         "coordinates[0][2]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1,1,1],[0,1],[0,0]]]}",
         M_GEO_SHAPE, "coordinates[0][2]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[181,0],[1,1],[0,1],[0,0]]]}", M_GEO_COORD,
         "coordinates[0][1]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,-91],[1,1],[0,1],[0,0]]]}", M_GEO_COORD,
         "coordinates[0][1]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1e999],[1,1],[0,1],[0,0]]]}",
         M_JSON_MALFORMED, NULL},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,null],[1,1],[0,1],[0,0]]]}", M_GEO_COORD,
         NULL},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[]}", M_GEO_RING_SHORT, NULL},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQ "],[[[0,0],[1,0],[0,0]]]]}",
         M_GEO_RING_SHORT, "coordinates[1][0]"},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[" SQ "]}", M_GEO_SHAPE, NULL},
        {"{\"type\":\"Feature\",\"geometry\":null}", M_GEO_TYPE, "geometry"},
        {"{\"type\":\"FeatureCollection\",\"features\":{}}", M_GEO_SHAPE, "features"},
        {"{\"type\":\"FeatureCollection\",\"features\":[]}", M_GEO_RING_SHORT, "features"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[" SQ "]}},{\"type\":\"Point\"}]}",
         M_GEO_TYPE, "features[1]"},
        {"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0.5]]]}}]}",
         M_GEO_RING_OPEN, "features[0].geometry.coordinates[0]"},
        {"{\"type\":\"Polygon\",\"type\":\"Polygon\",\"coordinates\":[" SQ "]}", M_JSON_MALFORMED,
         NULL},
    };
#undef SQ
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_err e;
        ts_err_clear(&e);
        geo_shape *s = (geo_shape *)1;
        ts_code rc = geo_shape_parse(cases[i].json, strlen(cases[i].json), &s, &e);
        if (rc != TS_EINVAL) fail_msg("case %zu (%s): accepted", i, cases[i].json);
        assert_null(s);
        if (e.msg != cases[i].msg)
            fail_msg("case %zu (%s): %s, expected %s", i, cases[i].json, e.msg ? e.msg->id : "-",
                     cases[i].msg->id);
        if (cases[i].where && !strstr(e.arg, cases[i].where))
            fail_msg("case %zu: place \"%s\" does not name %s", i, e.arg, cases[i].where);
    }
    /* a ring with a third coordinate (altitude) and integers is fine */
    geo_shape *s = parse_ok("{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[1,0,5],[1,1,5],"
                            "[0,1,5],[0,0,5]]]}");
    assert_int_equal(s->npts, 5);
    assert_int_equal(s->nrings, 1);
    assert_int_equal(s->npolys, 1);
    geo_shape_free(s);
    /* absurd sizes: text over the bound is refused before it is read */
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(geo_shape_parse("{}", (size_t)GEO_MAX_TEXT + 1, &s, &e), TS_EINVAL);
    assert_ptr_equal(e.msg, M_GEO_TOO_BIG);
    /* a duplicate code in a set */
    geo_set *set = geo_set_new();
    const char *g = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}";
    assert_int_equal(geo_set_add(set, "24", NULL, parse_ok(g), &e), TS_OK);
    assert_int_equal(geo_set_add(set, "24", NULL, parse_ok(g), &e), TS_OK);
    assert_int_equal(geo_set_build(set, &e), TS_EINVAL);
    assert_ptr_equal(e.msg, M_GEO_DUPLICATE);
    geo_set_free(set);
}

/* Every ring of s closed with at least 4 positions. */
static void assert_rings_valid(const geo_shape *s)
{
    for (uint32_t r = 0, a = 0; r < s->nrings; a = s->ring_end[r++]) {
        uint32_t n = s->ring_end[r] - a;
        assert_true(n >= 4);
        assert_true(s->xy[2 * a] == s->xy[2 * (s->ring_end[r] - 1)]);
        assert_true(s->xy[2 * a + 1] == s->xy[2 * (s->ring_end[r] - 1) + 1]);
    }
}

static void simplify(void **state)
{
    (void)state;
    /* a circle of 720 points (radius ~1.1 km) with a small square hole,
     * and a tiny island far smaller than the tolerance */
    strbuf sb;
    sb_init(&sb);
    sb_adds(&sb, "{\"type\":\"MultiPolygon\",\"coordinates\":[[[");
    for (int i = 0; i <= 720; i++) {
        double t = (i % 720) * M_PI / 360;
        sb_addf(&sb, "%s[%.7f,%.7f]", i ? "," : "", 106 + 0.01 * cos(t), 21 + 0.01 * sin(t));
    }
    sb_adds(&sb, "],[[106.001,21.001],[106.002,21.001],[106.002,21.002],[106.001,21.002],"
                 "[106.001,21.001]]],[[[106.1,21.1],[106.10001,21.1],[106.10001,21.10001],"
                 "[106.1,21.10001],[106.1,21.1]]]]}");
    geo_shape *s = parse_ok(sb.buf);
    assert_int_equal(s->nrings, 3);
    assert_int_equal(s->npolys, 2);
    double tols[] = {0, 1, 10, 50, 1000, 1e6};
    uint32_t last = UINT32_MAX;
    for (size_t i = 0; i < sizeof tols / sizeof tols[0]; i++) {
        geo_shape *d = geo_shape_simplify(s, tols[i]);
        assert_int_equal(d->nrings, s->nrings);
        assert_int_equal(d->npolys, s->npolys);
        assert_rings_valid(d);
        assert_true(d->npts <= last); /* more tolerance, fewer points */
        if (tols[i] == 0) assert_int_equal(d->npts, s->npts);
        if (tols[i] == 10) assert_true(d->ring_end[0] < 200);
        last = d->npts;
        geo_shape_free(d);
    }
    geo_shape_free(s);

    /* the writer: rounded, trailing zeros dropped, no -0, parses back */
    s = parse_ok("{\"type\":\"Polygon\",\"coordinates\":[[[106.1234567,-21.5],[106.2,-21.5],"
                 "[106.2,-0.0000001],[106.1234567,-21.5]]]}");
    sb_clear(&sb);
    geo_shape_write(&sb, s, 6);
    assert_string_equal(sb.buf, "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[106.123457,-21.5],"
                                "[106.2,-21.5],[106.2,0],[106.123457,-21.5]]]]}");
    geo_shape *back = parse_ok(sb.buf);
    assert_int_equal(back->npts, 4);
    geo_shape_free(back);
    /* a Feature collection around it */
    strbuf fc;
    sb_init(&fc);
    jsonw w;
    jw_init(&w, &fc);
    geo_fc_begin(&w);
    geo_feature_write(&w, "24", "Bắc Ninh", sb.buf, sb.len);
    geo_feature_write(&w, "25", NULL, sb.buf, sb.len);
    geo_fc_end(&w);
    json_error_t je;
    json_t *root = json_loadb(fc.buf, fc.len, 0, &je);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "features")), 2);
    geo_set *set = geo_set_new();
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(geo_set_add_features(set, root, &e), TS_OK);
    assert_int_equal(geo_set_size(set), 2);
    geo_set_free(set);
    json_decref(root);
    sb_release(&fc);
    geo_shape_free(s);
    sb_release(&sb);
}

/* The embedded Bắc Ninh communes. */
static geo_set *bac_ninh(void)
{
    const ts_embedded *f =
        ts_embedded_find(ts_data_files, "data/vn-admin/boundaries-24-communes.geojson");
    assert_non_null(f);
    json_error_t je;
    json_t *root = json_loadb((const char *)f->data, f->len, 0, &je);
    assert_non_null(root);
    geo_set *set = geo_set_new();
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(geo_set_add_features(set, root, &e), TS_OK);
    json_decref(root);
    assert_int_equal(geo_set_build(set, &e), TS_OK);
    assert_int_equal(geo_set_size(set), 99);
    return set;
}

static void real_communes(void **state)
{
    (void)state;
    geo_set *set = bac_ninh();
    static const pt_case cases[] = {
        {21.287932, 106.220648, TS_OK, "07210", false}, /* Bắc Giang */
        {21.367972, 106.127538, TS_OK, "07339", false}, /* Tân Yên */
        {21.416041, 106.597959, TS_OK, "07525", false}, /* Chũ */
        {21.343584, 106.794319, TS_OK, "07642", false}, /* Yên Định */
        {21.316947, 105.996997, TS_OK, "07840", false}, /* Hiệp Hoà */
        {21.1382, 106.254302, TS_OK, "09292", false},   /* Phù Lãng */
        {21.062641, 106.117, TS_OK, "09409", false},    /* Mão Điền */
        {21.006456, 106.16389, TS_OK, "09529", false},  /* Lâm Thao */
        /* a vertex the data give to both Đa Mai (07228) and 07795 */
        {21.263882, 106.155813, TS_OK, "07228", true},
        /* the middle of the edge they share */
        {21.2637925, 106.1558855, TS_OK, "07228", true},
        /* Hà Nội: Hoàn Kiếm lake */
        {21.0285, 105.8542, TS_ENOTFOUND, NULL, false},
        {10.7769, 106.7009, TS_ENOTFOUND, NULL, false}, /* Hồ Chí Minh City */
    };
    check_points(set, cases, sizeof cases / sizeof cases[0]);
    /* every commune's simplified shape stays valid */
    const ts_embedded *f =
        ts_embedded_find(ts_data_files, "data/vn-admin/boundaries-24-province.geojson");
    assert_non_null(f);
    ts_err e;
    ts_err_clear(&e);
    geo_shape *p;
    assert_int_equal(geo_shape_parse((const char *)f->data, f->len, &p, &e), TS_OK);
    geo_shape *d = geo_shape_simplify(p, 20);
    assert_rings_valid(d);
    assert_true(d->npts < p->npts);
    geo_shape_free(d);
    /* the province holds every interior point above */
    geo_set *prov = geo_set_new();
    assert_int_equal(geo_set_add(prov, "24", "Bắc Ninh", p, &e), TS_OK);
    assert_int_equal(geo_set_build(prov, &e), TS_OK);
    for (int i = 0; i < 8; i++) {
        geo_hit h;
        assert_int_equal(geo_locate(prov, cases[i].lat, cases[i].lon, &h), TS_OK);
        assert_string_equal(h.code, "24");
    }
    geo_hit h;
    assert_int_equal(geo_locate(prov, 21.0285, 105.8542, &h), TS_ENOTFOUND);
    geo_set_free(prov);
    geo_set_free(set);
}

TS_TEST_MAIN(NULL, NULL, cmocka_unit_test(square_with_hole), cmocka_unit_test(multipolygon),
             cmocka_unit_test(shared_border), cmocka_unit_test(bad_points),
             cmocka_unit_test(malformed), cmocka_unit_test(simplify),
             cmocka_unit_test(real_communes))
