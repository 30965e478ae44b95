/*
 * units_http — the HTTP door to units: GET /api/v1/units, GET and PATCH
 * /api/v1/units/{code}. JSON in -> units.h call -> JSON out.
 */
#include <stdio.h>
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/refcache.h"
#include "units.h"

static ts_code check_date(http_req *r, const char **date)
{
    *date = http_query(r, "date");
    if (*date && !time_valid_date(*date))
        return ts_err_field(&r->err, TS_EINVAL, "date", M_FIELD_FORMAT, "YYYY-MM-DD");
    return TS_OK;
}

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

static ts_code h_list(http_req *r)
{
    units_query q = {0};
    int64_t level, limit, offset;
    if (http_query_int(r, "level", 0, 1, 3, &level) != TS_OK) return r->err.code;
    if (http_query_int(r, "limit", 100, 1, 1000, &limit) != TS_OK) return r->err.code;
    if (http_query_int(r, "offset", 0, 0, 100000000, &offset) != TS_OK) return r->err.code;
    if (check_date(r, &q.date) != TS_OK) return r->err.code;
    q.parent = http_query(r, "parent");
    if (q.parent && !units_code_valid(q.parent))
        return ts_err_field(&r->err, TS_EINVAL, "parent", M_UNIT_CODE_FORMAT, NULL);
    if (http_query_text(r, "q", 100, &q.q) != TS_OK) return r->err.code;
    q.level = (int)level;
    q.limit = limit;
    q.offset = offset;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    /* a page (the address picker's communes of a province, a search) is
     * reference data like one unit, kept under the same versions */
    char key[128];
    uint64_t gen = 0;
    bool keep = units_list_key(r->a, &q, key, sizeof key);
    if (keep && reply_cached(r, c, key, &gen)) return TS_OK;
    units_list_result res;
    ts_code rc = units_list(c, r->a, &q, &res, &r->err);
    if (rc != TS_OK) return rc;
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

/* GET /api/v1/units/{code}: the hottest public read (every address picker),
 * answered from the reference-data cache when its copy is current. */
static ts_code h_get(http_req *r)
{
    const char *code = http_param(r, "code");
    const char *date;
    if (check_date(r, &date) != TS_OK) return r->err.code;
    if (!units_code_valid(code)) return ts_err_set(&r->err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    /* the answer depends on the code and the day only */
    char key[32];
    snprintf(key, sizeof key, "%s@%s", code, date ? date : units_today(r->a));
    uint64_t gen;
    if (reply_cached(r, c, key, &gen)) return TS_OK;
    unit u, *chain;
    int n;
    ts_code rc = units_get(c, r->a, code, date, &u, &chain, &n, &r->err);
    if (rc != TS_OK) return rc;
    strbuf sb;
    sb_init(&sb);
    sb_grow(&sb, 640);
    jsonw w;
    jw_init(&w, &sb);
    unit_write_json(&w, &u);
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
    jw_obj_end(&w);
    refcache_put(REF_UNITS, key, gen, sb.buf, sb.len);
    return http_reply_sb(r, 200, &sb);
}

static const jx_field patch_spec[] = {
    {"name", JX_STRING, false, 200, false},      {"name_en", JX_STRING, false, 200, false},
    {"full_name", JX_STRING, false, 300, false}, {"full_name_en", JX_STRING, false, 300, false},
    {"valid_to", JX_ANY, false, 0, false},       {NULL, 0, false, 0, false},
};

static ts_code h_patch(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, patch_spec, &r->err) != TS_OK) return r->err.code;
    units_patch p = {0};
    p.name = jx_str(r->a, in, "name");
    p.name_en = jx_str(r->a, in, "name_en");
    p.full_name = jx_str(r->a, in, "full_name");
    p.full_name_en = jx_str(r->a, in, "full_name_en");
    json_t *vt = json_object_get(in, "valid_to");
    if (vt && json_is_null(vt))
        p.clear_valid_to = 1;
    else if (vt && !json_is_string(vt))
        return ts_err_field(&r->err, TS_EVALIDATION, "valid_to", M_FIELD_TYPE_STRING, NULL);
    else if (vt)
        p.valid_to = jx_str(r->a, in, "valid_to");
    if (json_object_size(in) == 0)
        return ts_err_field(&r->err, TS_EVALIDATION, "name", M_FIELD_REQUIRED, NULL);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    unit out;
    ts_code rc = units_update(c, r->a, http_param(r, "code"), &p, http_actor(r), &out, &r->err);
    if (rc != TS_OK) return rc;
    return http_reply_json(r, 200, unit_to_json(&out));
}

const http_route units_routes[] = {
    {"GET", "/api/v1/units", h_list, PERM_PUBLIC},
    {"GET", "/api/v1/units/{code}", h_get, PERM_PUBLIC},
    {"PATCH", "/api/v1/units/{code}", h_patch, PERM_SYSTEM_ADMIN},
    {NULL, NULL, NULL, 0},
};
