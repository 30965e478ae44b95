/*
 * fuzz_geojson — GeoJSON text through platform/geo as a boundary import
 * and a lookup use it: parse (geo_shape_parse), simplify, write and parse
 * the output back, index the shape in a set and locate points derived
 * from it (every vertex, edge midpoints, the box's corners and centre, a
 * few out-of-range points); a FeatureCollection is also added feature by
 * feature (geo_set_add_features). Any crash, leak, sanitizer report or
 * broken invariant is a bug:
 *   - a simplified ring is closed with at least 4 positions, and the
 *     simplified shape has the same rings and polygons;
 *   - the written geometry parses back with the same rings and polygons;
 *   - a vertex of a region is always found (polygons are closed);
 *   - a point out of range is an input error, never found.
 * Every refused input must carry a message that renders in both languages.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/strbuf.h"
#include "platform/geo.h"

static void render(const ts_err *e)
{
    char out[512];
    for (int lang = 0; lang < 2; lang++) {
        ts_msg_render(out, sizeof out, e->msg, e->arg, lang);
        for (int i = 0; i < e->nfields; i++)
            ts_msg_render(out, sizeof out, e->fields[i].msg, e->fields[i].arg, lang);
    }
}

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) __builtin_trap();                                                                \
    } while (0)

static void check_rings(const geo_shape *s)
{
    for (uint32_t r = 0, a = 0; r < s->nrings; a = s->ring_end[r++]) {
        uint32_t b = s->ring_end[r];
        CHECK(b - a >= 4);
        CHECK(s->xy[2 * a] == s->xy[2 * (b - 1)] && s->xy[2 * a + 1] == s->xy[2 * (b - 1) + 1]);
    }
}

static void locate_all(const geo_set *set, const geo_shape *s)
{
    geo_hit h;
    /* every vertex (at most 2000 of them), and the midpoint of its edge */
    uint32_t step = s->npts > 2000 ? s->npts / 2000 : 1;
    for (uint32_t i = 0; i < s->npts; i += step) {
        double x = s->xy[2 * i], y = s->xy[2 * i + 1];
        CHECK(geo_locate(set, y, x, &h) == TS_OK);
        if (i + 1 < s->npts) {
            double mx = (x + s->xy[2 * i + 2]) / 2, my = (y + s->xy[2 * i + 3]) / 2;
            ts_code rc = geo_locate(set, my, mx, &h);
            CHECK(rc == TS_OK || rc == TS_ENOTFOUND);
        }
    }
    geo_bbox b = s->bbox;
    const double pts[][2] = {{b.min_lat, b.min_lon},
                             {b.max_lat, b.max_lon},
                             {(b.min_lat + b.max_lat) / 2, (b.min_lon + b.max_lon) / 2},
                             {b.min_lat - 1e-7, b.min_lon},
                             {90, 180},
                             {-90, -180}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double lat = pts[i][0], lon = pts[i][1];
        bool range = lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
        ts_code rc = geo_locate(set, lat, lon, &h);
        CHECK(range ? rc == TS_OK || rc == TS_ENOTFOUND : rc == TS_EINVAL);
    }
    CHECK(geo_locate(set, 90.5, 0, &h) == TS_EINVAL);
    CHECK(geo_locate(set, 0, -180.5, &h) == TS_EINVAL);
    CHECK(geo_locate(set, NAN, 0, &h) == TS_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_err e;
    ts_err_clear(&e);
    geo_shape *s = NULL;
    if (geo_shape_parse((const char *)data, size, &s, &e) != TS_OK) {
        render(&e);
        return 0;
    }
    /* simplify at a tolerance the input chooses: 0 m to ~40 km */
    double tol = size ? (double)(data[size - 1] % 16) * (double)(data[size - 1] % 16) * 150 : 10;
    geo_shape *d = geo_shape_simplify(s, tol);
    CHECK(d->nrings == s->nrings && d->npolys == s->npolys && d->npts <= s->npts);
    check_rings(d);
    strbuf sb;
    sb_init(&sb);
    geo_shape_write(&sb, d, 6);
    geo_shape *back = NULL;
    ts_err e2;
    ts_err_clear(&e2);
    /* rounding to 6 decimals can only fail a ring by making it... nothing:
     * a closed ring stays closed, its count unchanged */
    CHECK(geo_shape_parse(sb.buf, sb.len, &back, &e2) == TS_OK);
    CHECK(back->nrings == d->nrings && back->npolys == d->npolys && back->npts == d->npts);
    geo_shape_free(back);
    sb_release(&sb);
    geo_shape_free(d);

    /* the set takes (and, once built, frees) its own copy */
    geo_shape *copy = NULL;
    CHECK(geo_shape_parse((const char *)data, size, &copy, &e) == TS_OK);
    geo_set *set = geo_set_new();
    ts_code rc = geo_set_add(set, "00001", "fuzz", copy, &e);
    if (rc == TS_OK) rc = geo_set_build(set, &e);
    if (rc == TS_OK)
        locate_all(set, s);
    else
        render(&e);
    geo_set_free(set);
    geo_shape_free(s);

    /* a collection: each feature a region, keyed by properties.code */
    json_error_t je;
    json_t *root = json_loadb((const char *)data, size, 0, &je);
    if (root) {
        geo_set *fs = geo_set_new();
        ts_err_clear(&e);
        if (geo_set_add_features(fs, root, &e) == TS_OK && geo_set_build(fs, &e) == TS_OK) {
            geo_hit h;
            geo_bbox b = geo_set_bbox(fs);
            (void)geo_locate(fs, (b.min_lat + b.max_lat) / 2, (b.min_lon + b.max_lon) / 2, &h);
        } else {
            render(&e);
        }
        geo_set_free(fs);
        json_decref(root);
    }
    return 0;
}
