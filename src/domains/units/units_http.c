/*
 * units_http — the HTTP door to units: GET /api/v1/units, GET and PATCH
 * /api/v1/units/{code}, and the map: GET /api/v1/units/{code}/boundary,
 * GET /api/v1/geo/communes, GET /api/v1/geo/locate. JSON in -> units.h
 * call -> JSON out.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "../../http/http.h"
#include "../routes.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/refcache.h"
#include "../../platform/geo.h"
#include "units.h"

/* Answer from the reference-data cache when it holds key; *gen is for
 * refcache_put after a miss. */
static bool reply_cached(http_req *r, db_conn *c, const char *key, uint64_t *gen)
{
    const char *body;
    size_t len;
    if (!refcache_get(c, REF_UNITS, key, r->a, &body, &len, gen)) return false;
    http_reply(r, 200, HTTP_JSON, body, len);
    return true;
}

static const jx_field list_query[] = {
    {.name = "level", .type = JX_INT, .min = 1, .max = 3, .def = 0, JX_INTO(units_query, level)},
    HTTP_PAGE_INTO(units_query, 100, 1000),
    JX_DATE("date", JX_INTO(units_query, date)),
    {.name = "parent",
     .type = JX_STRING,
     .max_chars = 5,
     .format = &FMT_UNIT_CODE,
     JX_INTO(units_query, parent)},
    {.name = "q",
     .type = JX_STRING,
     .max_chars = 100,
     .allow_empty = true,
     JX_INTO(units_query, q)},
    {0},
};

static ts_code h_list(http_req *r, ts_ctx *x)
{
    units_query q = {0};
    http_query_read(r, &q);
    int64_t limit = q.limit, offset = q.offset;
    db_conn *c = x->db;
    /* a page (the address picker's communes of a province, a search) is
     * reference data like one unit, kept under the same versions */
    char key[128];
    uint64_t gen = 0;
    bool keep = units_list_key(r->a, &q, key, sizeof key);
    if (keep && reply_cached(r, c, key, &gen)) return TS_OK;
    units_list_result res;
    TS_TRY(units_list(x, &q, &res));
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, 256 + (size_t)res.n * 400);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (int i = 0; i < res.n; i++) {
        unit_write_json(&w, &res.items[i]);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kint(&w, "total", res.total);
    jw_kint(&w, "limit", limit);
    jw_kint(&w, "offset", offset);
    jw_obj_end(&w);
    if (keep) refcache_put(REF_UNITS, key, gen, sb.buf, sb.len);
    return http_reply_sb(r, 200, &sb);
}

/* A unit, with its n ancestors as "parents" when n >= 0; kept in the cache
 * under key when one is given. */
static ts_code reply_unit(http_req *r, int status, const unit *u, const unit *chain, int n,
                          const char *key, uint64_t gen)
{
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, 640);
    jsonw w;
    jw_init(&w, &sb);
    unit_write_json(&w, u);
    if (n >= 0) {
        jw_key(&w, "parents");
        jw_arr_begin(&w);
        for (int i = 0; i < n; i++) {
            jw_obj_begin(&w);
            jw_kstr(&w, "code", chain[i].code);
            jw_kstr(&w, "name", chain[i].name);
            jw_kstr(&w, "full_name", chain[i].full_name);
            jw_kint(&w, "level", chain[i].level);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    }
    jw_obj_end(&w);
    if (key) refcache_put(REF_UNITS, key, gen, sb.buf, sb.len);
    return http_reply_sb(r, status, &sb);
}

/* GET /api/v1/units/{code}: the hottest public read (every address picker),
 * answered from the reference-data cache when its copy is current. */
static ts_code h_get(http_req *r, ts_ctx *x)
{
    const char *code = http_param(r, "code");
    const char *date = http_query(r, "date");
    if (!units_code_valid(code)) return ts_err_set(&r->err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    db_conn *c = x->db;
    /* the answer depends on the code and the day only */
    char key[32];
    snprintf(key, sizeof key, "%s@%s", code, date ? date : units_today(r->a));
    uint64_t gen;
    if (reply_cached(r, c, key, &gen)) return TS_OK;
    unit u, *chain;
    int n;
    TS_TRY(units_get(x, code, date, &u, &chain, &n));
    return reply_unit(r, 200, &u, chain, n, key, gen);
}

static const jx_field get_query[] = {
    JX_DATE("date"),
    {0},
};

#define P(m) JX_INTO(units_patch, m)
static const jx_field patch_body[] = {
    {.name = "name", .type = JX_STRING, .max_chars = 200, .not_null = true, P(name)},
    {.name = "name_en", .type = JX_STRING, .max_chars = 200, .not_null = true, P(name_en)},
    {.name = "full_name", .type = JX_STRING, .max_chars = 300, .not_null = true, P(full_name)},
    {.name = "full_name_en",
     .type = JX_STRING,
     .max_chars = 300,
     .not_null = true,
     P(full_name_en)},
    JX_DATE("valid_to", .nullable = true, P(valid_to), JX_NULL_INTO(units_patch, clear_valid_to)),
    {0},
};
#undef P

static ts_code h_patch(http_req *r, ts_ctx *x)
{
    units_patch p = {0};
    http_in_read(r, &p);
    unit out;
    TS_TRY(units_update(x, http_param(r, "code"), &p, &out));
    return reply_unit(r, 200, &out, NULL, -1, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* boundaries and the map                                               */

/* A 304 when the client holds etag; else false. */
static bool not_modified(http_req *r, const char *etag)
{
    http_add_header(r, "ETag", etag);
    /* a phone keeps the shapes an hour, then asks again with its ETag */
    http_add_header(r, "Cache-Control", "public, max-age=3600");
    http_add_header(r, "Vary", "Accept-Encoding");
    const char *inm = http_header(r, "If-None-Match");
    if (!inm || !strstr(inm, etag)) return false;
    http_reply(r, 304, NULL, "", 0);
    return true;
}

/* Reply with sb, gzipped when the client takes it (the collection of a
 * province's communes is ~430 KiB of JSON, ~3x smaller gzipped). */
static ts_code reply_maybe_gzip(http_req *r, strbuf *sb)
{
    if (sb->len < 1024 || !http_accepts_gzip(r)) return http_reply_sb(r, 200, sb);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return http_reply_sb(r, 200, sb);
    uLong cap = deflateBound(&z, (uLong)sb->len);
    unsigned char *out = arena_alloc(r->a, cap);
    z.next_in = (Bytef *)sb->buf;
    z.avail_in = (uInt)sb->len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) return http_reply_sb(r, 200, sb);
    sb_release(sb);
    http_add_header(r, "Content-Encoding", "gzip");
    return http_reply(r, 200, HTTP_JSON, (const char *)out, n);
}

static void kcoord(jsonw *w, double v)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%.6f", v);
    jw_raw(w, b, (size_t)n);
}

static const char *const detail_values[] = {"simplified", "full", NULL};
static const jx_field boundary_query[] = {
    {.name = "detail",
     .type = JX_STRING,
     .max_chars = 10,
     .enums = detail_values,
     .enum_list = "simplified, full"},
    {0},
};

/* GET /api/v1/units/{code}/boundary[?detail=full]: one GeoJSON Feature. */
static ts_code h_boundary(http_req *r, ts_ctx *x)
{
    const char *code = http_param(r, "code");
    const char *detail = http_query(r, "detail");
    bool full = detail && !strcmp(detail, "full");
    if (!units_code_valid(code)) return ts_err_set(&r->err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    const char *v;
    TS_TRY(units_boundaries_etag(x, &v));
    if (not_modified(r, arena_printf(r->a, "\"%s.%s.%c\"", v, code, full ? 'f' : 's')))
        return TS_OK;
    unit_boundary b;
    TS_TRY(units_boundary_get(x, code, full, &b));
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, b.len + 512);
    jsonw w;
    jw_init(&w, &sb);
    jw_obj_begin(&w);
    jw_kstr(&w, "type", "Feature");
    jw_kstr(&w, "id", b.code);
    jw_key(&w, "properties");
    jw_obj_begin(&w);
    jw_kstr(&w, "code", b.code);
    jw_kstr(&w, "name", b.name);
    jw_kint(&w, "level", b.level);
    jw_kstr(&w, "parent_code", b.parent_code);
    jw_kstr(&w, "detail", full ? "full" : "simplified");
    jw_kint(&w, "vertices", b.vertices);
    jw_obj_end(&w);
    jw_key(&w, "bbox");
    jw_arr_begin(&w);
    for (int i = 0; i < 4; i++)
        kcoord(&w, b.bbox[i]);
    jw_arr_end(&w);
    jw_key(&w, "geometry");
    jw_raw(&w, b.geometry, b.len);
    jw_obj_end(&w);
    return reply_maybe_gzip(r, &sb);
}

static const jx_field communes_query[] = {
    {.name = "province",
     .type = JX_STRING,
     .required = true,
     .max_chars = 5,
     .format = &FMT_UNIT_CODE},
    {0},
};

/* GET /api/v1/geo/communes?province=24: what the map draws. */
static ts_code h_communes(http_req *r, ts_ctx *x)
{
    const char *prov = http_query(r, "province");
    if (units_exists(x, prov, NULL) != TS_OK)
        return ts_err_set(&r->err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, prov);
    const char *v;
    TS_TRY(units_boundaries_etag(x, &v));
    if (not_modified(r, arena_printf(r->a, "\"%s.c%s\"", v, prov))) return TS_OK;
    unit_boundary *items;
    int n;
    TS_TRY(units_boundaries_of(x, prov, 3, &items, &n));
    size_t total = 128;
    for (int i = 0; i < n; i++)
        total += items[i].len + 128;
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, total);
    jsonw w;
    jw_init(&w, &sb);
    geo_fc_begin(&w);
    for (int i = 0; i < n; i++)
        geo_feature_write(&w, items[i].code, items[i].name, items[i].geometry, items[i].len);
    geo_fc_end(&w);
    return reply_maybe_gzip(r, &sb);
}

static const jx_field locate_query[] = {
    {.name = "lat", .type = JX_STRING, .required = true, .max_chars = 24, .format = &FMT_LATITUDE},
    {.name = "lon", .type = JX_STRING, .required = true, .max_chars = 24, .format = &FMT_LONGITUDE},
    {0},
};

/* GET /api/v1/geo/locate?lat=&lon=: the commune a feedback report goes to. */
static ts_code h_locate(http_req *r, ts_ctx *x)
{
    double lat = 0, lon = 0;
    units_parse_coord(http_query(r, "lat"), -90, 90, &lat); /* checked by the spec */
    units_parse_coord(http_query(r, "lon"), -180, 180, &lon);
    units_location loc;
    TS_TRY(units_locate(x, lat, lon, &loc));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "commune");
    jw_obj_begin(w);
    jw_kstr(w, "code", loc.commune.code);
    jw_kstr(w, "name", loc.commune.name);
    jw_kstr(w, "full_name", loc.commune.full_name);
    jw_kstr(w, "kind", loc.commune.kind);
    jw_obj_end(w);
    jw_key(w, "province");
    if (loc.province_code) {
        jw_obj_begin(w);
        jw_kstr(w, "code", loc.province_code);
        jw_kstr(w, "name", loc.province_name);
        jw_kstr(w, "full_name", loc.province_full_name);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "on_boundary", loc.on_boundary);
    jw_key(w, "point");
    jw_obj_begin(w);
    jw_key(w, "lat");
    kcoord(w, lat);
    jw_key(w, "lon");
    kcoord(w, lon);
    jw_obj_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

const http_route units_routes[] = {
    {"GET", "/api/v1/units", h_list, PERM_PUBLIC, .query = list_query},
    {"GET", "/api/v1/units/{code}", h_get, PERM_PUBLIC, .query = get_query},
    {"PATCH", "/api/v1/units/{code}", h_patch, PERM_SYSTEM_ADMIN, .body = patch_body},
    {"GET", "/api/v1/units/{code}/boundary", h_boundary, PERM_PUBLIC, .query = boundary_query},
    {"GET", "/api/v1/geo/communes", h_communes, PERM_PUBLIC, .query = communes_query},
    {"GET", "/api/v1/geo/locate", h_locate, PERM_PUBLIC, .query = locate_query},
    {0},
};

const ts_domain units_domain = {"units", units_routes, units_messages, NULL};
