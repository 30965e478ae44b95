/*
 * units_http — the HTTP door to units: GET /api/v1/units, GET and PATCH
 * /api/v1/units/{code}. JSON in -> units.h call -> JSON out.
 */
#include <stdio.h>
#include <string.h>

#include "../../http/http.h"
#include "../routes.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/refcache.h"
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

const http_route units_routes[] = {
    {"GET", "/api/v1/units", h_list, PERM_PUBLIC, .query = list_query},
    {"GET", "/api/v1/units/{code}", h_get, PERM_PUBLIC, .query = get_query},
    {"PATCH", "/api/v1/units/{code}", h_patch, PERM_SYSTEM_ADMIN, .body = patch_body},
    {0},
};

const ts_domain units_domain = {"units", units_routes, units_messages, NULL};
