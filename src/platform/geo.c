/*
 * geo — GeoJSON polygons, a point-in-polygon index and display output;
 * see geo.h for the rules. The index, in two levels:
 *
 * - a uniform grid of about 4 x 4 cells per polygon over the set's
 *   bounding box; each cell lists, in code order, the polygons whose
 *   bounding box (widened by GEO_EDGE_EPS) meets it;
 * - per polygon, its edges (all rings together: even-odd parity counts
 *   holes out) bucketed into horizontal slabs of equal height, about 8
 *   edges per slab, an edge copied into every slab its y-range meets. A ray cast from the point
 *   to +x tests only the edges of the point's slab.
 *
 * Edges are stored as their two end points (4 doubles), slab by slab in
 * one array per set, so a lookup reads a few contiguous cache lines.
 */
#include "geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonw.h"
#include "../lib/strbuf.h"

GEO_MESSAGES(TS_MSG_DEFINE)
const ts_msg geo_messages[] = {GEO_MESSAGES(TS_MSG_REF) NULL};

/* Memory: like the arena, running out aborts (a boundary set is built at
 * start or on a reload, never per request). */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("geo: out of memory\n", stderr);
        abort();
    }
    return q;
}
static void *xcalloc(size_t n, size_t size)
{
    void *q = calloc(n ? n : 1, size ? size : 1);
    if (!q) {
        fputs("geo: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* ------------------------------------------------------------------ */
/* parsing                                                              */

/* A shape being read, with where the reader is (for the error text). */
typedef struct shape_builder {
    geo_shape *s;
    uint32_t cap_pts, cap_rings, cap_polys;
    int feature;   /* index in a FeatureCollection, -1 outside one */
    bool in_feat;  /* inside a Feature (path "geometry.") */
    int poly;      /* polygon index in a MultiPolygon, -1 in a Polygon */
    int ring, pos; /* -1 when not inside one */
    ts_err *err;
} shape_builder;

/* The place the reader is at, as a JSON path: features[2].geometry.coordinates[0][1][5]. */
static void where(const shape_builder *b, char *out, size_t n)
{
    int w = 0;
    out[0] = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + w, n - (size_t)w, __VA_ARGS__);                                    \
        if (k_ > 0 && (size_t)(w + k_) < n) w += k_;                                               \
    } while (0)
    if (b->feature >= 0) ADD("features[%d].", b->feature);
    if (b->in_feat) ADD("geometry.");
    ADD("coordinates");
    if (b->poly >= 0) ADD("[%d]", b->poly);
    if (b->ring >= 0) ADD("[%d]", b->ring);
    if (b->pos >= 0) ADD("[%d]", b->pos);
#undef ADD
}

static ts_code fail(shape_builder *b, ts_msg msg)
{
    char at[128];
    where(b, at, sizeof at);
    return ts_err_set(b->err, TS_EINVAL, msg, at);
}

static ts_code fail_at(shape_builder *b, ts_msg msg, const char *at)
{
    return ts_err_set(b->err, TS_EINVAL, msg, at);
}

static ts_code read_ring(shape_builder *b, const json_t *ring)
{
    geo_shape *s = b->s;
    if (!json_is_array(ring)) return fail(b, M_GEO_SHAPE);
    size_t n = json_array_size(ring);
    if (n && !json_is_array(json_array_get(ring, 0))) return fail(b, M_GEO_SHAPE); /* nesting */
    if (n < 4) return fail(b, M_GEO_RING_SHORT);
    if (n > GEO_MAX_POSITIONS || s->npts + n > GEO_MAX_POSITIONS)
        return ts_err_set(b->err, TS_EINVAL, M_GEO_TOO_BIG, "positions > 4000000");
    if (s->nrings >= GEO_MAX_RINGS)
        return ts_err_set(b->err, TS_EINVAL, M_GEO_TOO_BIG, "rings > 200000");
    if (s->npts + n > b->cap_pts) {
        while (s->npts + n > b->cap_pts)
            b->cap_pts = b->cap_pts ? b->cap_pts * 2 : 1024;
        s->xy = xrealloc(s->xy, sizeof(double) * 2 * b->cap_pts);
    }
    double *xy = s->xy + 2 * (size_t)s->npts;
    for (size_t i = 0; i < n; i++) {
        b->pos = (int)i;
        const json_t *p = json_array_get(ring, i);
        if (!json_is_array(p) || json_array_size(p) < 2 || json_array_size(p) > 3)
            return fail(b, M_GEO_SHAPE);
        const json_t *jx = json_array_get(p, 0), *jy = json_array_get(p, 1);
        if (!json_is_number(jx) || !json_is_number(jy)) return fail(b, M_GEO_COORD);
        if (json_array_size(p) == 3 && !json_is_number(json_array_get(p, 2)))
            return fail(b, M_GEO_COORD);
        double x = json_number_value(jx), y = json_number_value(jy);
        if (!isfinite(x) || !isfinite(y) || x < -180 || x > 180 || y < -90 || y > 90)
            return fail(b, M_GEO_COORD);
        xy[2 * i] = x;
        xy[2 * i + 1] = y;
    }
    b->pos = -1;
    if (xy[0] != xy[2 * (n - 1)] || xy[1] != xy[2 * (n - 1) + 1]) return fail(b, M_GEO_RING_OPEN);
    for (size_t i = 0; i < n; i++) {
        geo_bbox *bb = &s->bbox;
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (x < bb->min_lon) bb->min_lon = x;
        if (x > bb->max_lon) bb->max_lon = x;
        if (y < bb->min_lat) bb->min_lat = y;
        if (y > bb->max_lat) bb->max_lat = y;
    }
    s->npts += (uint32_t)n;
    if (s->nrings == b->cap_rings) {
        b->cap_rings = b->cap_rings ? b->cap_rings * 2 : 16;
        s->ring_end = xrealloc(s->ring_end, sizeof(uint32_t) * b->cap_rings);
    }
    s->ring_end[s->nrings++] = s->npts;
    return TS_OK;
}

/* One polygon: an array of rings, the first the exterior. */
static ts_code read_polygon(shape_builder *b, const json_t *rings)
{
    geo_shape *s = b->s;
    if (!json_is_array(rings)) return fail(b, M_GEO_SHAPE);
    if (json_array_size(rings) == 0) return fail(b, M_GEO_RING_SHORT);
    if (s->npolys >= GEO_MAX_POLYGONS)
        return ts_err_set(b->err, TS_EINVAL, M_GEO_TOO_BIG, "polygons > 100000");
    size_t i;
    const json_t *r;
    json_array_foreach(rings, i, r)
    {
        b->ring = (int)i;
        TS_TRY(read_ring(b, r));
    }
    b->ring = -1;
    if (s->npolys == b->cap_polys) {
        b->cap_polys = b->cap_polys ? b->cap_polys * 2 : 4;
        s->poly_end = xrealloc(s->poly_end, sizeof(uint32_t) * b->cap_polys);
    }
    s->poly_end[s->npolys++] = s->nrings;
    return TS_OK;
}

static const char *type_of(const json_t *v)
{
    const json_t *t = json_object_get(v, "type");
    return json_is_string(t) ? json_string_value(t) : NULL;
}

/* A geometry object: Polygon or MultiPolygon. */
static ts_code read_geometry(shape_builder *b, const json_t *g)
{
    char at[64];
    snprintf(at, sizeof at,
             b->feature >= 0 ? "features[%d].geometry"
             : b->in_feat    ? "geometry"
                             : "$",
             b->feature);
    if (!json_is_object(g)) return fail_at(b, M_GEO_TYPE, at);
    const char *t = type_of(g);
    const json_t *c = json_object_get(g, "coordinates");
    if (!t) return fail_at(b, M_GEO_TYPE, at);
    if (!strcmp(t, "Polygon")) {
        b->poly = -1;
        return read_polygon(b, c);
    }
    if (!strcmp(t, "MultiPolygon")) {
        b->poly = -1;
        if (!json_is_array(c)) return fail(b, M_GEO_SHAPE);
        if (json_array_size(c) == 0) return fail(b, M_GEO_RING_SHORT);
        size_t i;
        const json_t *p;
        json_array_foreach(c, i, p)
        {
            b->poly = (int)i;
            TS_TRY(read_polygon(b, p));
        }
        b->poly = -1;
        return TS_OK;
    }
    return fail_at(b, M_GEO_TYPE, at);
}

static ts_code read_feature(shape_builder *b, const json_t *f)
{
    b->in_feat = true;
    ts_code rc = read_geometry(b, json_object_get(f, "geometry"));
    b->in_feat = false;
    return rc;
}

ts_code geo_shape_from_json(const json_t *v, geo_shape **out, ts_err *err)
{
    *out = NULL;
    geo_shape *s = xcalloc(1, sizeof *s);
    s->bbox = (geo_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
    shape_builder b = {.s = s, .feature = -1, .poly = -1, .ring = -1, .pos = -1, .err = err};
    ts_code rc;
    const char *t = json_is_object(v) ? type_of(v) : NULL;
    if (t && !strcmp(t, "FeatureCollection")) {
        const json_t *fs = json_object_get(v, "features");
        if (!json_is_array(fs)) {
            rc = fail_at(&b, M_GEO_SHAPE, "features");
            goto out_fail;
        }
        size_t i;
        const json_t *f;
        rc = TS_OK;
        json_array_foreach(fs, i, f)
        {
            b.feature = (int)i;
            char at[48];
            snprintf(at, sizeof at, "features[%zu]", i);
            const char *ft = json_is_object(f) ? type_of(f) : NULL;
            if (!ft || strcmp(ft, "Feature")) {
                rc = fail_at(&b, M_GEO_TYPE, at);
                goto out_fail;
            }
            if ((rc = read_feature(&b, f)) != TS_OK) goto out_fail;
        }
        if (s->npolys == 0) {
            rc = fail_at(&b, M_GEO_RING_SHORT, "features");
            goto out_fail;
        }
    } else if (t && !strcmp(t, "Feature")) {
        if ((rc = read_feature(&b, v)) != TS_OK) goto out_fail;
    } else {
        if ((rc = read_geometry(&b, v)) != TS_OK) goto out_fail;
    }
    *out = s;
    return TS_OK;
out_fail:
    geo_shape_free(s);
    return rc;
}

ts_code geo_shape_parse(const char *text, size_t len, geo_shape **out, ts_err *err)
{
    *out = NULL;
    if (len > GEO_MAX_TEXT) return ts_err_set(err, TS_EINVAL, M_GEO_TOO_BIG, "> 64 MiB");
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char at[200];
        snprintf(at, sizeof at, "%s (line %d, column %d)", je.text, je.line, je.column);
        return ts_err_set(err, TS_EINVAL, M_JSON_MALFORMED, at);
    }
    ts_code rc = geo_shape_from_json(root, out, err);
    json_decref(root);
    return rc;
}

void geo_shape_free(geo_shape *s)
{
    if (!s) return;
    free(s->xy);
    free(s->ring_end);
    free(s->poly_end);
    free(s);
}

static size_t shape_bytes(const geo_shape *s)
{
    return sizeof *s + sizeof(double) * 2 * s->npts + sizeof(uint32_t) * (s->nrings + s->npolys);
}

/* ------------------------------------------------------------------ */
/* simplification                                                       */

/* Squared distance, in m², from p to the segment a-b (local metres). */
static double seg_dist2(const double *p, const double *a, const double *b)
{
    double dx = b[0] - a[0], dy = b[1] - a[1];
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    double ex = a[0] + t * dx - p[0], ey = a[1] + t * dy - p[1];
    return ex * ex + ey * ey;
}

/* Douglas–Peucker over m[lo..hi] (metres), marking kept points. */
static void dp_mark(const double *m, uint32_t lo, uint32_t hi, double tol2, unsigned char *keep,
                    uint32_t *stack)
{
    size_t sp = 0;
    stack[sp++] = lo;
    stack[sp++] = hi;
    while (sp) {
        uint32_t b = stack[--sp], a = stack[--sp];
        if (b <= a + 1) continue;
        double best = -1;
        uint32_t at = a;
        for (uint32_t i = a + 1; i < b; i++) {
            double d = seg_dist2(m + 2 * i, m + 2 * a, m + 2 * b);
            if (d > best) {
                best = d;
                at = i;
            }
        }
        if (best > tol2) {
            keep[at] = 1;
            stack[sp++] = a;
            stack[sp++] = at;
            stack[sp++] = at;
            stack[sp++] = b;
        }
    }
}

geo_shape *geo_shape_simplify(const geo_shape *s, double tolerance_m)
{
    geo_shape *o = xcalloc(1, sizeof *o);
    o->xy = xrealloc(NULL, sizeof(double) * 2 * s->npts);
    o->ring_end = xrealloc(NULL, sizeof(uint32_t) * s->nrings);
    o->poly_end = xrealloc(NULL, sizeof(uint32_t) * s->npolys);
    memcpy(o->poly_end, s->poly_end, sizeof(uint32_t) * s->npolys);
    o->nrings = s->nrings;
    o->npolys = s->npolys;
    o->bbox = s->bbox;
    /* scratch for the longest ring: metres, marks and the DP stack */
    uint32_t maxn = 0;
    for (uint32_t r = 0, start = 0; r < s->nrings; start = s->ring_end[r++])
        if (s->ring_end[r] - start > maxn) maxn = s->ring_end[r] - start;
    double *m = xrealloc(NULL, sizeof(double) * 2 * maxn);
    unsigned char *keep = xrealloc(NULL, maxn);
    uint32_t *stack = xrealloc(NULL, sizeof(uint32_t) * 4 * (size_t)maxn + 8);
    double tol2 = tolerance_m > 0 ? tolerance_m * tolerance_m : 0;
    uint32_t w = 0;
    for (uint32_t r = 0, start = 0; r < s->nrings; start = s->ring_end[r++]) {
        uint32_t n = s->ring_end[r] - start;
        const double *xy = s->xy + 2 * (size_t)start;
        memset(keep, 0, n);
        keep[0] = keep[n - 1] = 1;
        if (n <= 4 || tol2 == 0) {
            memset(keep, 1, n);
        } else {
            /* project around the ring's middle latitude */
            double lat0 = 0;
            for (uint32_t i = 0; i < n; i++)
                lat0 += xy[2 * i + 1];
            lat0 /= n;
            double kx = 111320.0 * cos(lat0 * M_PI / 180.0), ky = 110574.0;
            for (uint32_t i = 0; i < n; i++) {
                m[2 * i] = (xy[2 * i] - xy[0]) * kx;
                m[2 * i + 1] = (xy[2 * i + 1] - xy[1]) * ky;
            }
            /* a closed ring: split at the point farthest from its start */
            uint32_t far = 0;
            double best = -1;
            for (uint32_t i = 1; i < n - 1; i++) {
                double d = m[2 * i] * m[2 * i] + m[2 * i + 1] * m[2 * i + 1];
                if (d > best) {
                    best = d;
                    far = i;
                }
            }
            keep[far] = 1;
            dp_mark(m, 0, far, tol2, keep, stack);
            dp_mark(m, far, n - 1, tol2, keep, stack);
            uint32_t kept = 0;
            for (uint32_t i = 0; i < n; i++)
                kept += keep[i];
            /* at least 4 positions: add the point farthest from the chord,
             * then (all points on one line) any other one */
            while (kept < 4) {
                uint32_t at = 0;
                double bd = -1;
                for (uint32_t i = 1; i < n - 1; i++) {
                    if (keep[i]) continue;
                    double d = seg_dist2(m + 2 * i, m, m + 2 * far);
                    if (d > bd) {
                        bd = d;
                        at = i;
                    }
                }
                keep[at] = 1;
                kept++;
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            if (!keep[i]) continue;
            o->xy[2 * (size_t)w] = xy[2 * i];
            o->xy[2 * (size_t)w + 1] = xy[2 * i + 1];
            w++;
        }
        o->ring_end[r] = w;
    }
    o->npts = w;
    free(m);
    free(keep);
    free(stack);
    return o;
}

/* ------------------------------------------------------------------ */
/* output                                                               */

/* v rounded to d decimals, trailing zeros dropped ("106.19", "-0.5", "21"). */
static void add_coord(strbuf *sb, double v, int d, double scale)
{
    char buf[40];
    double r = round(v * scale);
    if (r == 0) r = 0; /* no "-0" */
    int64_t iv = (int64_t)r;
    bool neg = iv < 0;
    uint64_t u = neg ? (uint64_t)(-iv) : (uint64_t)iv;
    int p = (int)sizeof buf;
    buf[--p] = 0;
    int frac = d;
    bool any = false;
    for (int i = 0; i < frac; i++) {
        int dig = (int)(u % 10);
        u /= 10;
        if (dig || any) {
            buf[--p] = (char)('0' + dig);
            any = true;
        }
    }
    if (any) buf[--p] = '.';
    do {
        buf[--p] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg) buf[--p] = '-';
    sb_add(sb, buf + p, sizeof buf - 1 - (size_t)p);
}

void geo_shape_write(strbuf *sb, const geo_shape *s, int decimals)
{
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    double scale = pow(10, decimals);
    sb_grow(sb, 48 + (size_t)s->npts * (size_t)(10 + 2 * decimals));
    sb_adds(sb, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
    uint32_t r = 0, pt = 0;
    for (uint32_t j = 0; j < s->npolys; j++) {
        sb_adds(sb, j ? ",[" : "[");
        for (uint32_t first = r; r < s->poly_end[j]; r++) {
            sb_adds(sb, r > first ? ",[" : "[");
            for (uint32_t p0 = pt; pt < s->ring_end[r]; pt++) {
                sb_adds(sb, pt > p0 ? ",[" : "[");
                add_coord(sb, s->xy[2 * (size_t)pt], decimals, scale);
                sb_addc(sb, ',');
                add_coord(sb, s->xy[2 * (size_t)pt + 1], decimals, scale);
                sb_addc(sb, ']');
            }
            sb_addc(sb, ']');
        }
        sb_addc(sb, ']');
    }
    sb_adds(sb, "]}");
}

void geo_fc_begin(jsonw *w)
{
    jw_obj_begin(w);
    jw_kstr(w, "type", "FeatureCollection");
    jw_key(w, "features");
    jw_arr_begin(w);
}

void geo_feature_write(jsonw *w, const char *code, const char *name, const char *geometry,
                       size_t glen)
{
    jw_obj_begin(w);
    jw_kstr(w, "type", "Feature");
    jw_key(w, "properties");
    jw_obj_begin(w);
    jw_kstr(w, "code", code);
    jw_kstr(w, "name", name);
    jw_obj_end(w);
    jw_key(w, "geometry");
    jw_raw(w, geometry, glen);
    jw_obj_end(w);
}

void geo_fc_end(jsonw *w)
{
    jw_arr_end(w);
    jw_obj_end(w);
}

/* ------------------------------------------------------------------ */
/* sets and the index                                                   */

typedef struct gseg {
    double ax, ay, bx, by;
} gseg;

typedef struct gpoly {
    geo_bbox bb;      /* widened by GEO_EDGE_EPS */
    uint32_t region;  /* index in set->regions (sorted by code) */
    uint32_t nslabs;  /* >= 1 */
    double y0, inv_h; /* slab of y: floor((y - y0) * inv_h) */
    uint32_t slab0;   /* this polygon's first entry in set->slab_off */
} gpoly;

typedef struct gregion {
    char *code, *name;
    geo_shape *shape;
} gregion;

struct geo_set {
    gregion *regions;
    uint32_t nregions, cap_regions;
    size_t npts; /* positions of every region (GEO_MAX_SET_POSITIONS) */
    bool built;
    geo_bbox bbox;
    gpoly *polys;
    uint32_t npolys;
    uint32_t *slab_off; /* per polygon slab: its first edge in segs (one past: the next) */
    gseg *segs;
    size_t nsegs;
    uint32_t gw, gh; /* grid cells across and down */
    double gx0, gy0, gix, giy;
    uint32_t *cell_off; /* gw*gh + 1 */
    uint32_t *cell_items;
    size_t bytes;
};

geo_set *geo_set_new(void)
{
    return xcalloc(1, sizeof(geo_set));
}

ts_code geo_set_add(geo_set *set, const char *code, const char *name, geo_shape *shape, ts_err *err)
{
    if (set->built || !code || !shape) {
        geo_shape_free(shape);
        return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    }
    if (set->nregions >= GEO_MAX_REGIONS) {
        geo_shape_free(shape);
        return ts_err_set(err, TS_EINVAL, M_GEO_TOO_BIG, "regions > 100000");
    }
    if (set->npts + shape->npts > GEO_MAX_SET_POSITIONS) {
        geo_shape_free(shape);
        return ts_err_set(err, TS_EINVAL, M_GEO_TOO_BIG, "positions in the set > 64000000");
    }
    set->npts += shape->npts;
    if (set->nregions == set->cap_regions) {
        set->cap_regions = set->cap_regions ? set->cap_regions * 2 : 64;
        set->regions = xrealloc(set->regions, sizeof(gregion) * set->cap_regions);
    }
    gregion *g = &set->regions[set->nregions++];
    g->code = strdup(code);
    g->name = name ? strdup(name) : NULL;
    if (!g->code || (name && !g->name)) abort();
    g->shape = shape;
    return TS_OK;
}

ts_code geo_set_add_features(geo_set *set, const json_t *fc, ts_err *err)
{
    const char *t = json_is_object(fc) ? type_of(fc) : NULL;
    const json_t *fs = json_object_get(fc, "features");
    if (!t || strcmp(t, "FeatureCollection") || !json_is_array(fs))
        return ts_err_set(err, TS_EINVAL, M_GEO_TYPE, "$");
    size_t i;
    const json_t *f;
    json_array_foreach(fs, i, f)
    {
        char at[48];
        snprintf(at, sizeof at, "features[%zu].properties.code", i);
        const json_t *props = json_object_get(f, "properties");
        const json_t *code = json_object_get(props, "code"), *name = json_object_get(props, "name");
        if (!json_is_string(code) || !json_string_length(code))
            return ts_err_set(err, TS_EINVAL, M_GEO_SHAPE, at);
        geo_shape *s;
        ts_code rc = geo_shape_from_json(f, &s, err);
        if (rc != TS_OK) {
            char inner[sizeof err->arg];
            memcpy(inner, err->arg, sizeof inner);
            snprintf(err->arg, sizeof err->arg, "features[%zu].%.120s", i % 100000000, inner);
            return rc;
        }
        TS_TRY(geo_set_add(set, json_string_value(code),
                           json_is_string(name) ? json_string_value(name) : NULL, s, err));
    }
    return TS_OK;
}

static int region_cmp(const void *a, const void *b)
{
    return strcmp(((const gregion *)a)->code, ((const gregion *)b)->code);
}

static inline double dmin(double a, double b)
{
    return a < b ? a : b;
}
static inline double dmax(double a, double b)
{
    return a > b ? a : b;
}

/* The slab of y in p, clamped to the polygon's slabs. */
static inline uint32_t slab_of(const gpoly *p, double y)
{
    double f = (y - p->y0) * p->inv_h;
    if (!(f > 0)) return 0;
    if (f >= p->nslabs) return p->nslabs - 1;
    return (uint32_t)f;
}

static void set_slabs(gpoly *p, uint32_t ns)
{
    double h = (p->bb.max_lat - p->bb.min_lat) / ns;
    p->nslabs = ns;
    p->y0 = p->bb.min_lat;
    p->inv_h = h > 0 ? 1.0 / h : 0;
}

/* The slab entries of rings [r0, r1) of s in p's slabs. */
static size_t slab_entries(const geo_shape *s, uint32_t r0, uint32_t r1, const gpoly *p)
{
    size_t n = 0;
    for (uint32_t r = r0; r < r1; r++) {
        uint32_t a = r ? s->ring_end[r - 1] : 0, b = s->ring_end[r];
        for (uint32_t k = a; k + 1 < b; k++) {
            const double *e = s->xy + 2 * (size_t)k;
            n += 1 + slab_of(p, dmax(e[1], e[3]) + GEO_EDGE_EPS) -
                 slab_of(p, dmin(e[1], e[3]) - GEO_EDGE_EPS);
        }
    }
    return n;
}

/* The polygons' slabs: count, then fill (two passes over the edges). */
static void build_slabs(geo_set *set)
{
    const double eps = GEO_EDGE_EPS;
    /* pass 1: per polygon its slab count and geometry; total slab entries */
    uint32_t nslab_total = 0;
    uint32_t pi = 0;
    for (uint32_t g = 0; g < set->nregions; g++) {
        const geo_shape *s = set->regions[g].shape;
        for (uint32_t j = 0, r = 0; j < s->npolys; j++) {
            gpoly *p = &set->polys[pi++];
            uint32_t r0 = r, nedges = 0;
            p->bb = (geo_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
            for (; r < s->poly_end[j]; r++) {
                uint32_t a = r ? s->ring_end[r - 1] : 0, b = s->ring_end[r];
                nedges += b - a - 1;
                for (uint32_t k = a; k < b; k++) {
                    double x = s->xy[2 * (size_t)k], y = s->xy[2 * (size_t)k + 1];
                    p->bb.min_lon = dmin(p->bb.min_lon, x);
                    p->bb.max_lon = dmax(p->bb.max_lon, x);
                    p->bb.min_lat = dmin(p->bb.min_lat, y);
                    p->bb.max_lat = dmax(p->bb.max_lat, y);
                }
            }
            p->bb.min_lon -= eps;
            p->bb.min_lat -= eps;
            p->bb.max_lon += eps;
            p->bb.max_lat += eps;
            p->region = g;
            /* about 8 edges per slab: a ray tests a dozen edges or so, and
             * the copies of edges spanning several slabs stay few (measured
             * on Bắc Ninh: 2 per slab took 60 % more memory for no speed,
             * bench/geo.c); fewer slabs while the copies would exceed 8
             * entries per edge (a zig-zag of tall edges stays bounded) */
            uint32_t ns = nedges / 8;
            if (ns < 1) ns = 1;
            if (ns > 65536) ns = 65536;
            for (;;) {
                set_slabs(p, ns);
                if (ns == 1 || slab_entries(s, r0, r, p) <= 8 * (size_t)nedges + 64) break;
                ns /= 2;
            }
            p->slab0 = nslab_total;
            nslab_total += ns;
        }
    }
    set->slab_off = xcalloc((size_t)nslab_total + 1, sizeof(uint32_t));
    /* pass 2 counts each slab's edges, pass 3 places them */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t sum = 0;
            for (uint32_t i = 0; i < nslab_total; i++) {
                size_t c = set->slab_off[i];
                set->slab_off[i] = (uint32_t)sum;
                sum += c;
            }
            set->slab_off[nslab_total] = (uint32_t)sum;
            set->nsegs = sum;
            set->segs = xrealloc(NULL, sizeof(gseg) * (sum ? sum : 1));
        }
        /* during pass 1, fill[i] is slab i's next free entry */
        uint32_t *fill = pass ? xrealloc(NULL, sizeof(uint32_t) * (nslab_total + 1)) : NULL;
        if (fill) memcpy(fill, set->slab_off, sizeof(uint32_t) * (nslab_total + 1));
        pi = 0;
        for (uint32_t g = 0; g < set->nregions; g++) {
            const geo_shape *s = set->regions[g].shape;
            for (uint32_t j = 0, r = 0; j < s->npolys; j++) {
                gpoly *p = &set->polys[pi++];
                for (; r < s->poly_end[j]; r++) {
                    uint32_t a = r ? s->ring_end[r - 1] : 0, b = s->ring_end[r];
                    for (uint32_t k = a; k + 1 < b; k++) {
                        const double *e = s->xy + 2 * (size_t)k;
                        uint32_t s0 = slab_of(p, dmin(e[1], e[3]) - eps);
                        uint32_t s1 = slab_of(p, dmax(e[1], e[3]) + eps);
                        for (uint32_t q = s0; q <= s1; q++) {
                            if (!pass)
                                set->slab_off[p->slab0 + q]++;
                            else
                                set->segs[fill[p->slab0 + q]++] = (gseg){e[0], e[1], e[2], e[3]};
                        }
                    }
                }
            }
        }
        free(fill);
    }
}

/* The grid: about 4 cells per polygon, then each cell's polygon list. */
static void build_grid(geo_set *set)
{
    geo_bbox bb = set->bbox;
    double w = bb.max_lon - bb.min_lon, h = bb.max_lat - bb.min_lat;
    double cells = 4.0 * set->npolys;
    if (cells < 1) cells = 1;
    if (cells > 1 << 20) cells = 1 << 20;
    double side = sqrt((w > 0 ? w : 1e-9) * (h > 0 ? h : 1e-9) / cells);
    uint32_t gw = (uint32_t)ceil(w / side), gh = (uint32_t)ceil(h / side);
    if (gw < 1) gw = 1;
    if (gh < 1) gh = 1;
    if (gw > 1024) gw = 1024;
    if (gh > 1024) gh = 1024;
    set->gw = gw;
    set->gh = gh;
    set->gx0 = bb.min_lon;
    set->gy0 = bb.min_lat;
    set->gix = w > 0 ? gw / w : 0;
    set->giy = h > 0 ? gh / h : 0;
    size_t nc = (size_t)gw * gh;
    set->cell_off = xcalloc(nc + 1, sizeof(uint32_t));
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            size_t sum = 0;
            for (size_t i = 0; i < nc; i++) {
                size_t c = set->cell_off[i];
                set->cell_off[i] = (uint32_t)sum;
                sum += c;
            }
            set->cell_off[nc] = (uint32_t)sum;
            set->cell_items = xrealloc(NULL, sizeof(uint32_t) * (sum ? sum : 1));
            fill = xrealloc(NULL, sizeof(uint32_t) * (nc + 1));
            memcpy(fill, set->cell_off, sizeof(uint32_t) * (nc + 1));
        }
        /* polygons in region (code) order, so each cell's list is too */
        for (uint32_t i = 0; i < set->npolys; i++) {
            const gpoly *p = &set->polys[i];
            double fx0 = (p->bb.min_lon - set->gx0) * set->gix;
            double fx1 = (p->bb.max_lon - set->gx0) * set->gix;
            double fy0 = (p->bb.min_lat - set->gy0) * set->giy;
            double fy1 = (p->bb.max_lat - set->gy0) * set->giy;
            uint32_t cx0 = fx0 > 0 ? (uint32_t)fx0 : 0, cy0 = fy0 > 0 ? (uint32_t)fy0 : 0;
            uint32_t cx1 = fx1 >= gw ? gw - 1 : fx1 > 0 ? (uint32_t)fx1 : 0;
            uint32_t cy1 = fy1 >= gh ? gh - 1 : fy1 > 0 ? (uint32_t)fy1 : 0;
            for (uint32_t cy = cy0; cy <= cy1; cy++)
                for (uint32_t cx = cx0; cx <= cx1; cx++) {
                    size_t c = (size_t)cy * gw + cx;
                    if (!pass)
                        set->cell_off[c]++;
                    else
                        set->cell_items[fill[c]++] = i;
                }
        }
        free(fill);
    }
}

ts_code geo_set_build(geo_set *set, ts_err *err)
{
    if (set->built) return TS_OK;
    if (set->nregions) qsort(set->regions, set->nregions, sizeof(gregion), region_cmp);
    for (uint32_t i = 1; i < set->nregions; i++)
        if (!strcmp(set->regions[i - 1].code, set->regions[i].code))
            return ts_err_set(err, TS_EINVAL, M_GEO_DUPLICATE, set->regions[i].code);
    size_t np = 0;
    size_t bytes = sizeof *set + sizeof(gregion) * set->nregions;
    set->bbox = (geo_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (uint32_t i = 0; i < set->nregions; i++) {
        const gregion *g = &set->regions[i];
        np += g->shape->npolys;
        bytes += shape_bytes(g->shape) + strlen(g->code) + 1 + (g->name ? strlen(g->name) + 1 : 0);
        set->bbox.min_lon = dmin(set->bbox.min_lon, g->shape->bbox.min_lon - GEO_EDGE_EPS);
        set->bbox.min_lat = dmin(set->bbox.min_lat, g->shape->bbox.min_lat - GEO_EDGE_EPS);
        set->bbox.max_lon = dmax(set->bbox.max_lon, g->shape->bbox.max_lon + GEO_EDGE_EPS);
        set->bbox.max_lat = dmax(set->bbox.max_lat, g->shape->bbox.max_lat + GEO_EDGE_EPS);
    }
    if (!set->nregions) set->bbox = (geo_bbox){0, 0, 0, 0};
    set->npolys = (uint32_t)np;
    set->polys = xcalloc(np, sizeof(gpoly));
    build_slabs(set);
    build_grid(set);
    uint32_t nslabs =
        set->npolys ? set->polys[set->npolys - 1].slab0 + set->polys[set->npolys - 1].nslabs : 0;
    bytes += sizeof(gpoly) * np + sizeof(uint32_t) * ((size_t)nslabs + 1) +
             sizeof(gseg) * set->nsegs +
             sizeof(uint32_t) *
                 ((size_t)set->gw * set->gh + 1 + set->cell_off[(size_t)set->gw * set->gh]);
    /* the index holds every edge: the shapes are no longer needed */
    for (uint32_t i = 0; i < set->nregions; i++) {
        bytes -= shape_bytes(set->regions[i].shape);
        geo_shape_free(set->regions[i].shape);
        set->regions[i].shape = NULL;
    }
    set->bytes = bytes;
    set->built = true;
    return TS_OK;
}

void geo_set_free(geo_set *set)
{
    if (!set) return;
    for (uint32_t i = 0; i < set->nregions; i++) {
        free(set->regions[i].code);
        free(set->regions[i].name);
        geo_shape_free(set->regions[i].shape);
    }
    free(set->regions);
    free(set->polys);
    free(set->slab_off);
    free(set->segs);
    free(set->cell_off);
    free(set->cell_items);
    free(set);
}

int geo_set_size(const geo_set *set)
{
    return (int)set->nregions;
}

size_t geo_set_bytes(const geo_set *set)
{
    return set->built ? set->bytes : sizeof *set;
}

geo_bbox geo_set_bbox(const geo_set *set)
{
    return set->bbox;
}

/* Is (x, y) within GEO_EDGE_EPS of the segment e? */
static inline bool on_segment(const gseg *e, double x, double y)
{
    const double eps = GEO_EDGE_EPS;
    if (x < dmin(e->ax, e->bx) - eps || x > dmax(e->ax, e->bx) + eps) return false;
    double dx = e->bx - e->ax, dy = e->by - e->ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((x - e->ax) * dx + (y - e->ay) * dy) / len2 : 0;
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    double ex = e->ax + t * dx - x, ey = e->ay + t * dy - y;
    return ex * ex + ey * ey <= eps * eps;
}

/* 0 outside p, 1 inside, 2 on its boundary (an edge of any of its rings). */
static int in_polygon(const geo_set *set, const gpoly *p, double x, double y)
{
    uint32_t q = p->slab0 + slab_of(p, y);
    const gseg *e = set->segs + set->slab_off[q], *end = set->segs + set->slab_off[q + 1];
    bool inside = false;
    for (; e < end; e++) {
        double lo = dmin(e->ay, e->by), hi = dmax(e->ay, e->by);
        if (y < lo - GEO_EDGE_EPS || y > hi + GEO_EDGE_EPS) continue;
        if (on_segment(e, x, y)) return 2;
        /* the half-open rule counts a vertex on the ray once */
        if ((e->ay > y) != (e->by > y)) {
            double xi = e->ax + (y - e->ay) * (e->bx - e->ax) / (e->by - e->ay);
            if (x < xi) inside = !inside;
        }
    }
    return inside ? 1 : 0;
}

ts_code geo_locate(const geo_set *set, double lat, double lon, geo_hit *out)
{
    if (!isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180)
        return TS_EINVAL;
    if (!set->built || !set->npolys) return TS_ENOTFOUND;
    double x = lon, y = lat;
    const geo_bbox *bb = &set->bbox;
    if (x < bb->min_lon || x > bb->max_lon || y < bb->min_lat || y > bb->max_lat)
        return TS_ENOTFOUND;
    double fx = (x - set->gx0) * set->gix, fy = (y - set->gy0) * set->giy;
    uint32_t cx = fx >= set->gw ? set->gw - 1 : fx > 0 ? (uint32_t)fx : 0;
    uint32_t cy = fy >= set->gh ? set->gh - 1 : fy > 0 ? (uint32_t)fy : 0;
    size_t c = (size_t)cy * set->gw + cx;
    int64_t edge_region = -1;
    for (uint32_t k = set->cell_off[c]; k < set->cell_off[c + 1]; k++) {
        const gpoly *p = &set->polys[set->cell_items[k]];
        if (x < p->bb.min_lon || x > p->bb.max_lon || y < p->bb.min_lat || y > p->bb.max_lat)
            continue;
        int in = in_polygon(set, p, x, y);
        if (in == 1) { /* the list is in code order: the first inside wins */
            const gregion *g = &set->regions[p->region];
            *out = (geo_hit){g->code, g->name, false};
            return TS_OK;
        }
        if (in == 2 && edge_region < 0) edge_region = p->region;
    }
    if (edge_region < 0) return TS_ENOTFOUND;
    const gregion *g = &set->regions[edge_region];
    *out = (geo_hit){g->code, g->name, true};
    return TS_OK;
}
