/*
 * boundaries — the map shapes of administrative units and the commune of a
 * map point; see units.h. The shapes live in unit_boundaries (migration
 * 021) like every other unit fact, so the servers of one database agree
 * and a backup holds them; each process keeps one point-in-polygon index
 * (platform/geo) over the communes, built from the table on first use and
 * rebuilt when the 'boundaries' data version moves (docs/decisions.md §44).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../lib/strbuf.h"
#include "../../lib/timeutil.h"
#include "../../platform/audit.h"
#include "../../platform/geo.h"
#include "units.h"

/* ------------------------------------------------------------------ */
/* coordinates in a query                                               */

bool units_parse_coord(const char *s, double min, double max, double *out)
{
    if (!s) return false;
    while (*s == ' ' || *s == '\t')
        s++;
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    int ip = 0, fp = 0;
    while (*p >= '0' && *p <= '9' && ip < 4) {
        p++;
        ip++;
    }
    if (!ip) return false;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && fp < 16) {
            p++;
            fp++;
        }
        if (!fp || fp > 15) return false;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p) return false;
    double v = strtod(s, NULL);
    if (!isfinite(v) || v < min || v > max) return false;
    if (out) *out = v;
    return true;
}

static bool lat_ok(const char *v)
{
    return units_parse_coord(v, -90, 90, NULL);
}
static bool lon_ok(const char *v)
{
    return units_parse_coord(v, -180, 180, NULL);
}
const ts_format FMT_LATITUDE = {lat_ok, M_UNIT_LAT, NULL};
const ts_format FMT_LONGITUDE = {lon_ok, M_UNIT_LON, NULL};

/* ------------------------------------------------------------------ */
/* import                                                               */

/* One feature, prepared before the transaction. */
typedef struct bfeat {
    const char *code;
    char *full, *display; /* GeoJSON text (arena) */
    int vertices, display_vertices;
    int64_t bb[4]; /* micro-degrees */
} bfeat;

typedef struct bimport {
    bfeat *f;
    int n;
    units_boundaries_result *res;
} bimport;

static char *arena_sb(arena *a, strbuf *sb)
{
    char *t = arena_strndup(a, sb->buf ? sb->buf : "", sb->len);
    sb_clear(sb);
    return t;
}

/* The process's index is stale (this process just changed the boundaries). */
static atomic_bool geo_stale;
static void mark_stale(void *arg)
{
    (void)arg;
    atomic_store(&geo_stale, true);
}

static ts_code import_tx(ts_ctx *x, void *argp)
{
    bimport *bi = argp;
    db_conn *c = x->db;
    ts_err *err = x->err;
    units_boundaries_result *res = bi->res;
    res->inserted = res->updated = res->unchanged = 0;
    const char *now = ts_now(x);
    for (int i = 0; i < bi->n; i++) {
        const bfeat *f = &bi->f[i];
        /* the unit: its newest version gives the level and the parent */
        db_stmt *s;
        TS_TRY(db_prepare(c,
                          "SELECT level, parent_code FROM admin_units WHERE code = ? "
                          "ORDER BY valid_from DESC LIMIT 1",
                          &s, err));
        db_bind_text(s, 1, f->code, -1);
        int r = db_step(s, err);
        int level = 0;
        const char *parent = NULL;
        if (r == DB_ROW) {
            level = (int)db_col_int(s, 0);
            parent = db_col_dup(x->a, s, 1);
        }
        db_reset(s);
        if (r < 0) return (ts_code)-r;
        if (r == DB_DONE) {
            char field[64];
            snprintf(field, sizeof field, "features[%d].properties.code", i);
            ts_err_field(err, TS_EVALIDATION, field, M_UNIT_BOUNDARY_UNIT, f->code);
            continue; /* report every unknown code at once */
        }
        /* unchanged? */
        TS_TRY(db_prepare(
            c, "SELECT geometry, level, parent_code FROM unit_boundaries WHERE code = ?", &s, err));
        db_bind_text(s, 1, f->code, -1);
        r = db_step(s, err);
        bool exists = r == DB_ROW, same = false;
        if (exists) {
            const char *g = db_col_text(s, 0), *pc = db_col_text(s, 2);
            same = g && !strcmp(g, f->full) && db_col_int(s, 1) == level &&
                   ((!pc && !parent) || (pc && parent && !strcmp(pc, parent)));
        }
        db_reset(s);
        if (r < 0) return (ts_code)-r;
        if (same) {
            res->unchanged++;
            continue;
        }
        TS_TRY(db_run(c, err,
                      "INSERT INTO unit_boundaries (code, level, parent_code, geometry, display, "
                      "vertices, display_vertices, min_lon_e6, min_lat_e6, max_lon_e6, max_lat_e6, "
                      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (code) DO UPDATE SET level = excluded.level, "
                      "parent_code = excluded.parent_code, geometry = excluded.geometry, "
                      "display = excluded.display, vertices = excluded.vertices, "
                      "display_vertices = excluded.display_vertices, "
                      "min_lon_e6 = excluded.min_lon_e6, min_lat_e6 = excluded.min_lat_e6, "
                      "max_lon_e6 = excluded.max_lon_e6, max_lat_e6 = excluded.max_lat_e6, "
                      "updated_at = excluded.updated_at",
                      DBV_T(f->code), DBV_I(level), DBV_T(parent), DBV_T(f->full),
                      DBV_T(f->display), DBV_I(f->vertices), DBV_I(f->display_vertices),
                      DBV_I(f->bb[0]), DBV_I(f->bb[1]), DBV_I(f->bb[2]), DBV_I(f->bb[3]),
                      DBV_T(now)));
        if (exists)
            res->updated++;
        else
            res->inserted++;
    }
    if (err->nfields) return err->code;
    if (res->inserted + res->updated == 0) return TS_OK; /* nothing changes: no audit entry */
    json_t *sum =
        json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:i}", "features", res->features, "inserted",
                  res->inserted, "updated", res->updated, "unchanged", res->unchanged, "vertices",
                  (json_int_t)res->vertices, "display_vertices", (json_int_t)res->display_vertices,
                  "display_tolerance_m", (int)UNITS_DISPLAY_TOLERANCE_M);
    ts_code rc = ts_audit(x, "units.boundaries_import", "unit_boundaries",
                          bi->n ? bi->f[0].code : "", NULL, sum);
    json_decref(sum);
    res->audit_seq = x->audit_seq;
    if (rc == TS_OK) {
        rc = db_run(c, err, "UPDATE data_versions SET version = version + 1 WHERE name = ?",
                    DBV_T("boundaries"));
        ts_after_commit(x, mark_stale, NULL);
    }
    return rc;
}

ts_code units_boundaries_import(ts_ctx *x, const char *geojson, size_t len,
                                units_boundaries_result *res)
{
    ts_err *err = x->err;
    memset(res, 0, sizeof *res);
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    if (len > GEO_MAX_TEXT) return ts_err_set(err, TS_ETOOBIG, M_GEO_TOO_BIG, "> 64 MiB");
    json_error_t je;
    json_t *root = json_loadb(geojson, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char where[200];
        snprintf(where, sizeof where, "%s (line %d, column %d)", je.text, je.line, je.column);
        return ts_err_set(err, TS_EINVAL, M_JSON_MALFORMED, where);
    }
    ts_code rc = TS_OK;
    const json_t *fs = json_object_get(root, "features");
    const json_t *type = json_object_get(root, "type");
    if (!json_is_string(type) || strcmp(json_string_value(type), "FeatureCollection") ||
        !json_is_array(fs)) {
        rc = ts_err_field(err, TS_EVALIDATION, "$", M_GEO_TYPE, "$");
        goto out_root;
    }
    /* the costly part first: every shape checked, rewritten, simplified */
    bimport bi = {.n = (int)json_array_size(fs), .res = res};
    bi.f = arena_calloc(x->a, sizeof(bfeat) * (size_t)(bi.n ? bi.n : 1));
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < bi.n; i++) {
        const json_t *f = json_array_get(fs, (size_t)i);
        const json_t *code = json_object_get(json_object_get(f, "properties"), "code");
        char field[64];
        snprintf(field, sizeof field, "features[%d].properties.code", i);
        if (!json_is_string(code) || !units_code_valid(json_string_value(code))) {
            ts_err_field(err, TS_EVALIDATION, field, M_UNIT_CODE_FORMAT, NULL);
            continue;
        }
        for (int k = 0; k < i; k++)
            if (bi.f[k].code && !strcmp(bi.f[k].code, json_string_value(code))) {
                ts_err_field(err, TS_EVALIDATION, field, M_GEO_DUPLICATE, bi.f[k].code);
                break;
            }
        ts_err ge;
        ts_err_clear(&ge);
        geo_shape *s, *d;
        if (geo_shape_from_json(f, &s, &ge) != TS_OK) {
            snprintf(field, sizeof field, "features[%d]", i);
            ts_err_field(err, TS_EVALIDATION, field, ge.msg, ge.arg);
            continue;
        }
        bfeat *b = &bi.f[i];
        b->code = arena_strdup(x->a, json_string_value(code));
        geo_shape_write(&sb, s, UNITS_FULL_DECIMALS);
        b->full = arena_sb(x->a, &sb);
        d = geo_shape_simplify(s, UNITS_DISPLAY_TOLERANCE_M);
        geo_shape_write(&sb, d, UNITS_DISPLAY_DECIMALS);
        b->display = arena_sb(x->a, &sb);
        b->vertices = (int)s->npts;
        b->display_vertices = (int)d->npts;
        b->bb[0] = llround(s->bbox.min_lon * 1e6);
        b->bb[1] = llround(s->bbox.min_lat * 1e6);
        b->bb[2] = llround(s->bbox.max_lon * 1e6);
        b->bb[3] = llround(s->bbox.max_lat * 1e6);
        res->vertices += b->vertices;
        res->display_vertices += b->display_vertices;
        geo_shape_free(s);
        geo_shape_free(d);
    }
    sb_release(&sb);
    res->features = bi.n;
    if (err->nfields) {
        rc = err->code;
        goto out_root;
    }
    rc = ts_write(x, import_tx, &bi);
out_root:
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* reads                                                                */

static void read_boundary(arena *a, db_stmt *s, unit_boundary *b)
{
    b->code = db_col_dup(a, s, 0);
    b->name = db_col_dup(a, s, 1);
    b->parent_code = db_col_dup(a, s, 2);
    b->level = (int)db_col_int(s, 3);
    b->geometry = db_col_dup(a, s, 4);
    b->len = b->geometry ? strlen(b->geometry) : 0;
    b->vertices = (int)db_col_int(s, 5);
    for (int i = 0; i < 4; i++)
        b->bbox[i] = (double)db_col_int(s, 6 + i) / 1e6;
}

ts_code units_boundary_get(ts_ctx *x, const char *code, bool full, unit_boundary *out)
{
    ts_err *err = x->err;
    if (!units_code_valid(code)) return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    const char *today = units_today(x->a);
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      full ? "SELECT b.code, u.name, b.parent_code, b.level, b.geometry, "
                             "b.vertices, b.min_lon_e6, b.min_lat_e6, b.max_lon_e6, b.max_lat_e6 "
                             "FROM unit_boundaries b LEFT JOIN admin_units u ON u.code = b.code "
                             "AND u.valid_from <= ? AND (u.valid_to IS NULL OR u.valid_to > ?) "
                             "WHERE b.code = ?"
                           : "SELECT b.code, u.name, b.parent_code, b.level, b.display, "
                             "b.display_vertices, b.min_lon_e6, b.min_lat_e6, b.max_lon_e6, "
                             "b.max_lat_e6 FROM unit_boundaries b LEFT JOIN admin_units u "
                             "ON u.code = b.code AND u.valid_from <= ? "
                             "AND (u.valid_to IS NULL OR u.valid_to > ?) WHERE b.code = ?",
                      &s, err));
    db_bind_list(s, DBV_T(today), DBV_T(today), DBV_T(code));
    int r = db_step(s, err);
    if (r == DB_ROW) read_boundary(x->a, s, out);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r == DB_DONE) {
        /* a unit without a boundary, or no such unit */
        if (units_exists(x, code, NULL) == TS_OK)
            return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NO_BOUNDARY, code);
        return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    }
    return TS_OK;
}

ts_code units_boundaries_of(ts_ctx *x, const char *parent, int level, unit_boundary **items, int *n)
{
    ts_err *err = x->err;
    *items = NULL;
    *n = 0;
    const char *today = units_today(x->a);
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT b.code, u.name, b.parent_code, b.level, b.display, "
                      "b.display_vertices, b.min_lon_e6, b.min_lat_e6, b.max_lon_e6, b.max_lat_e6 "
                      "FROM unit_boundaries b LEFT JOIN admin_units u ON u.code = b.code "
                      "AND u.valid_from <= ? AND (u.valid_to IS NULL OR u.valid_to > ?) "
                      "WHERE b.parent_code = ? AND b.level = ? ORDER BY b.code",
                      &s, err));
    db_bind_list(s, DBV_T(today), DBV_T(today), DBV_T(parent), DBV_I(level));
    int cap = 0, r;
    unit_boundary *v = NULL;
    while ((r = db_step(s, err)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 128;
            unit_boundary *nv = arena_alloc(x->a, sizeof *nv * (size_t)cap);
            if (*n) memcpy(nv, v, sizeof *nv * (size_t)*n);
            v = nv;
        }
        read_boundary(x->a, s, &v[(*n)++]);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    *items = v;
    return TS_OK;
}

ts_code units_boundaries_etag(ts_ctx *x, const char **etag)
{
    int64_t vu = 0, vb = 0;
    TS_TRY(db_int(x->db, x->err, &vu, 0, "SELECT version FROM data_versions WHERE name = ?",
                  DBV_T("units")));
    TS_TRY(db_int(x->db, x->err, &vb, 0, "SELECT version FROM data_versions WHERE name = ?",
                  DBV_T("boundaries")));
    *etag = arena_printf(x->a, "g%lld.%lld", (long long)vu, (long long)vb);
    return TS_OK;
}

/* ------------------------------------------------------------------ */
/* the index                                                            */

/* One built index, shared by the requests using it; freed by the last. */
typedef struct geo_ref {
    geo_set *set;
    int64_t version; /* of 'boundaries' when it was read */
    atomic_int refs;
} geo_ref;

static struct {
    pthread_mutex_t mu;
    geo_ref *cur;       /* NULL until first use; holds one reference */
    int64_t checked_us; /* monotonic time of the last version check */
} geo_idx = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

#define GEO_CHECK_US 1000000 /* read the version at most once a second */

static void ref_release(geo_ref *r)
{
    if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
        geo_set_free(r->set);
        free(r);
    }
}

/* A new index of the communes stored now. */
static ts_code ref_build(ts_ctx *x, int64_t version, geo_ref **out)
{
    ts_err *err = x->err;
    int64_t t0 = time_mono_us();
    geo_set *set = geo_set_new();
    db_stmt *s;
    ts_code rc = db_prepare(x->db,
                            "SELECT code, geometry FROM unit_boundaries WHERE level = 3 "
                            "ORDER BY code",
                            &s, err);
    if (rc != TS_OK) goto out_set;
    int r;
    while ((r = db_step(s, err)) == DB_ROW) {
        const char *code = db_col_text(s, 0), *g = db_col_text(s, 1);
        geo_shape *sh;
        ts_err ge;
        ts_err_clear(&ge);
        if (geo_shape_parse(g, g ? strlen(g) : 0, &sh, &ge) != TS_OK) {
            /* stored by units_boundaries_import, so checked: an edit behind our back */
            log_error("units: the stored boundary of %s is not valid GeoJSON (%s); skipped", code,
                      ge.arg);
            continue;
        }
        if (geo_set_add(set, code, NULL, sh, &ge) != TS_OK)
            log_error("units: boundary %s not indexed (%s)", code, ge.arg);
    }
    db_reset(s);
    if (r < 0) {
        rc = (ts_code)-r;
        goto out_set;
    }
    if ((rc = geo_set_build(set, err)) != TS_OK) goto out_set;
    geo_ref *ref = calloc(1, sizeof *ref);
    if (!ref) abort();
    ref->set = set;
    ref->version = version;
    atomic_init(&ref->refs, 1);
    *out = ref;
    log_info("units: boundary index of %d communes built in %.1f ms (%.1f MiB, version %lld)",
             geo_set_size(set), (double)(time_mono_us() - t0) / 1000,
             (double)geo_set_bytes(set) / 1048576, (long long)version);
    return TS_OK;
out_set:
    geo_set_free(set);
    return rc;
}

/* The current index, one reference taken (ref_release it): built on first
 * use, rebuilt when the stored version moved. */
static ts_code ref_acquire(ts_ctx *x, geo_ref **out)
{
    ts_code rc = TS_OK;
    pthread_mutex_lock(&geo_idx.mu);
    int64_t now = time_mono_us();
    bool stale = atomic_exchange(&geo_stale, false);
    if (!geo_idx.cur || stale || now - geo_idx.checked_us >= GEO_CHECK_US) {
        int64_t v = 0;
        rc = db_int(x->db, x->err, &v, 0, "SELECT version FROM data_versions WHERE name = ?",
                    DBV_T("boundaries"));
        if (rc == TS_OK) {
            geo_idx.checked_us = now;
            if (!geo_idx.cur || geo_idx.cur->version != v || stale) {
                geo_ref *fresh;
                rc = ref_build(x, v, &fresh);
                if (rc == TS_OK) {
                    ref_release(geo_idx.cur);
                    geo_idx.cur = fresh;
                }
            }
        }
        if (rc != TS_OK && stale) atomic_store(&geo_stale, true); /* try again next time */
        /* a failed check fails the request (its error is set): a storage failure is never
         * swallowed, and the next request checks again */
        if (rc != TS_OK) geo_idx.checked_us = 0;
    }
    if (rc == TS_OK) {
        atomic_fetch_add(&geo_idx.cur->refs, 1);
        *out = geo_idx.cur;
    }
    pthread_mutex_unlock(&geo_idx.mu);
    return rc;
}

void units_geo_release(void)
{
    pthread_mutex_lock(&geo_idx.mu);
    ref_release(geo_idx.cur);
    geo_idx.cur = NULL;
    geo_idx.checked_us = 0;
    pthread_mutex_unlock(&geo_idx.mu);
}

ts_code units_locate(ts_ctx *x, double lat, double lon, units_location *out)
{
    ts_err *err = x->err;
    memset(out, 0, sizeof *out);
    if (!isfinite(lat) || lat < -90 || lat > 90)
        return ts_err_field(err, TS_EVALIDATION, "lat", M_UNIT_LAT, NULL);
    if (!isfinite(lon) || lon < -180 || lon > 180)
        return ts_err_field(err, TS_EVALIDATION, "lon", M_UNIT_LON, NULL);
    geo_ref *ref;
    TS_TRY(ref_acquire(x, &ref));
    geo_hit h;
    ts_code rc = geo_locate(ref->set, lat, lon, &h);
    const char *code = rc == TS_OK ? arena_strdup(x->a, h.code) : NULL;
    out->on_boundary = rc == TS_OK && h.on_boundary;
    ref_release(ref);
    if (rc != TS_OK) {
        char pt[64];
        snprintf(pt, sizeof pt, "(%.6f, %.6f)", lat, lon);
        return ts_err_set(err, TS_ENOTFOUND, M_UNIT_OUTSIDE, pt);
    }
    unit *chain;
    int n;
    rc = units_get(x, code, NULL, &out->commune, &chain, &n);
    if (rc == TS_ENOTFOUND) { /* a boundary of a unit no longer valid today */
        char pt[64];
        snprintf(pt, sizeof pt, "(%.6f, %.6f)", lat, lon);
        return ts_err_set(err, TS_ENOTFOUND, M_UNIT_OUTSIDE, pt);
    }
    TS_TRY(rc);
    for (int i = 0; i < n; i++)
        if (chain[i].level == 1) {
            out->province_code = chain[i].code;
            out->province_name = chain[i].name;
            out->province_full_name = chain[i].full_name;
        }
    return TS_OK;
}
