/*
 * agencies_http — the HTTP door to agencies: GET and POST /api/v1/agencies,
 * GET and PATCH /api/v1/agencies/{code}. JSON in -> agencies.h call -> JSON
 * out. Creating an agency needs system_admin; changing one needs
 * agency_admin (or system_admin) on that agency or an ancestor, and on the
 * new parent when it moves.
 */
#include <string.h>

#include "../../http/http.h"
#include "../routes.h"
#include "../../lib/jsonx.h"
#include "../../lib/text.h"
#include "../units/units.h"
#include "agencies.h"

/* An optional agency-code query parameter; 400 naming it when malformed. */
static ts_code query_code(http_req *r, const char *name, const char **out)
{
    *out = http_query(r, name);
    if (*out && !agencies_code_valid(*out))
        return ts_err_field(&r->err, TS_EINVAL, name, M_AGENCY_CODE_FORMAT, NULL);
    return TS_OK;
}

static ts_code h_list(http_req *r)
{
    agencies_query q = {0};
    int64_t limit, offset;
    if (http_query_int(r, "limit", 100, 1, 1000, &limit) != TS_OK) return r->err.code;
    if (http_query_int(r, "offset", 0, 0, 100000000, &offset) != TS_OK) return r->err.code;
    if (query_code(r, "parent", &q.parent) != TS_OK) return r->err.code;
    if (query_code(r, "within", &q.within) != TS_OK) return r->err.code;
    q.unit = http_query(r, "unit");
    if (q.unit && !units_code_valid(q.unit))
        return ts_err_field(&r->err, TS_EINVAL, "unit", M_UNIT_CODE_FORMAT, NULL);
    q.kind = http_query(r, "kind");
    if (q.kind && !agencies_kind_valid(q.kind))
        return ts_err_field(&r->err, TS_EINVAL, "kind", M_AGENCY_KIND, AGENCY_KIND_LIST);
    if (http_query_text(r, "q", 100, &q.q) != TS_OK) return r->err.code;
    q.limit = limit;
    q.offset = offset;
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    agencies_list_result res;
    ts_code rc = agencies_list(c, r->a, &q, &res, &r->err);
    if (rc != TS_OK) return rc;
    json_t *items = json_array();
    for (int i = 0; i < res.n; i++)
        json_array_append_new(items, agency_to_json(&res.items[i]));
    json_t *o = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)res.total,
                          "limit", (json_int_t)limit, "offset", (json_int_t)offset);
    return http_reply_json(r, 200, o);
}

static json_t *ref_json(const agency *g)
{
    json_t *p = json_object();
    json_object_set_new(p, "code", json_string(g->code));
    json_object_set_new(p, "name", json_string(g->name));
    json_object_set_new(p, "short_name", g->short_name ? json_string(g->short_name) : json_null());
    json_object_set_new(p, "kind", json_string(g->kind));
    json_object_set_new(p, "level", json_integer(g->level));
    return p;
}

static ts_code h_get(http_req *r)
{
    const char *code = http_param(r, "code");
    if (!agencies_code_valid(code))
        return ts_err_set(&r->err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    agency g, *chain;
    int n;
    int64_t children;
    ts_code rc = agencies_get(c, r->a, code, &g, &chain, &n, &children, &r->err);
    if (rc != TS_OK) return rc;
    json_t *o = agency_to_json(&g);
    json_t *parents = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(parents, ref_json(&chain[i]));
    json_object_set_new(o, "parents", parents);
    json_object_set_new(o, "children", json_integer(children));
    return http_reply_json(r, 200, o);
}

static const jx_field create_spec[] = {
    {"code", JX_STRING, true, AGENCY_CODE_MAX, false},
    {"parent_code", JX_STRING, false, AGENCY_CODE_MAX, false},
    {"kind", JX_STRING, false, 40, false},
    {"name", JX_STRING, true, AGENCY_NAME_MAX, false},
    {"short_name", JX_STRING, false, AGENCY_SHORT_NAME_MAX, false},
    {"unit_code", JX_STRING, false, 5, false},
    {"email", JX_STRING, false, 254, false},
    {"phone", JX_STRING, false, 30, false},
    {"address", JX_STRING, false, 500, false},
    {"website", JX_STRING, false, 300, false},
    {"valid_from", JX_STRING, false, 10, false},
    {"valid_to", JX_STRING, false, 10, false},
    {NULL, 0, false, 0, false},
};

static ts_code h_create(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, create_spec, &r->err) != TS_OK) return r->err.code;
    agency_new n = {
        .code = jx_str(r->a, in, "code"),
        .parent_code = jx_str(r->a, in, "parent_code"),
        .kind = jx_str(r->a, in, "kind"),
        .name = jx_str(r->a, in, "name"),
        .short_name = jx_str(r->a, in, "short_name"),
        .unit_code = jx_str(r->a, in, "unit_code"),
        .email = jx_str(r->a, in, "email"),
        .phone = jx_str(r->a, in, "phone"),
        .address = jx_str(r->a, in, "address"),
        .website = jx_str(r->a, in, "website"),
        .valid_from = jx_str(r->a, in, "valid_from"),
        .valid_to = jx_str(r->a, in, "valid_to"),
    };
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    agency out;
    ts_code rc = agencies_create(c, r->a, &n, http_actor(r), &out, &r->err);
    if (rc != TS_OK) return rc;
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/agencies/%s", out.code));
    return http_reply_json(r, 201, agency_to_json(&out));
}

static const jx_field patch_spec[] = {
    {"name", JX_STRING, false, AGENCY_NAME_MAX, false},
    {"short_name", JX_STRING, false, AGENCY_SHORT_NAME_MAX, false},
    {"email", JX_STRING, false, 254, false},
    {"phone", JX_STRING, false, 30, false},
    {"address", JX_STRING, false, 500, false},
    {"website", JX_STRING, false, 300, false},
    {"valid_to", JX_STRING, false, 10, false},
    {"parent_code", JX_STRING, false, AGENCY_CODE_MAX, false},
    {NULL, 0, false, 0, false},
};

/* A nullable member: sets *val (string) or *clear (JSON null). */
static void nullable(http_req *r, json_t *in, const char *name, const char **val, int *clear)
{
    json_t *v = json_object_get(in, name);
    if (v && json_is_null(v))
        *clear = 1;
    else if (v)
        *val = jx_str(r->a, in, name);
}

static ts_code h_patch(http_req *r)
{
    json_t *in;
    if (http_body_json(r, &in) != TS_OK) return r->err.code;
    if (jx_check(in, patch_spec, &r->err) != TS_OK) return r->err.code;
    if (json_object_size(in) == 0)
        return ts_err_field(&r->err, TS_EVALIDATION, "name", M_FIELD_REQUIRED, NULL);
    json_t *nm = json_object_get(in, "name");
    if (nm && json_is_null(nm))
        return ts_err_field(&r->err, TS_EVALIDATION, "name", M_FIELD_TYPE_STRING, NULL);
    agency_patch p = {0};
    p.name = jx_str(r->a, in, "name");
    nullable(r, in, "short_name", &p.short_name, &p.clear_short_name);
    nullable(r, in, "email", &p.email, &p.clear_email);
    nullable(r, in, "phone", &p.phone, &p.clear_phone);
    nullable(r, in, "address", &p.address, &p.clear_address);
    nullable(r, in, "website", &p.website, &p.clear_website);
    nullable(r, in, "valid_to", &p.valid_to, &p.clear_valid_to);
    nullable(r, in, "parent_code", &p.parent_code, &p.clear_parent);
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    /* the agency (and a new parent) must lie in the caller's subtree */
    const char *code = http_param(r, "code");
    agency cur, *chain;
    int nchain;
    int64_t nchildren;
    ts_code rc = agencies_get(c, r->a, code, &cur, &chain, &nchain, &nchildren, &r->err);
    if (rc != TS_OK) return rc;
    if (http_require_scope_path(r, PERM_AGENCY_ADMIN, cur.path) != TS_OK) return r->err.code;
    if (p.parent_code || p.clear_parent) {
        agency par;
        if (p.clear_parent) {
            if (http_require_scope_path(r, PERM_SYSTEM_ADMIN, "/") != TS_OK) return r->err.code;
        } else if (agencies_code_valid(p.parent_code) &&
                   agencies_get(c, r->a, p.parent_code, &par, &chain, &nchain, &nchildren,
                                &r->err) == TS_OK) {
            if (http_require_scope_path(r, PERM_AGENCY_ADMIN, par.path) != TS_OK)
                return r->err.code;
        } else {
            ts_err_clear(&r->err); /* agencies_update names the bad parent_code */
        }
    }
    agency out;
    rc = agencies_update(c, r->a, code, &p, http_actor(r), &out, &r->err);
    if (rc != TS_OK) return rc;
    return http_reply_json(r, 200, agency_to_json(&out));
}

const http_route agencies_routes[] = {
    {"GET", "/api/v1/agencies", h_list, PERM_PUBLIC},
    {"POST", "/api/v1/agencies", h_create, PERM_SYSTEM_ADMIN},
    {"GET", "/api/v1/agencies/{code}", h_get, PERM_PUBLIC},
    {"PATCH", "/api/v1/agencies/{code}", h_patch, PERM_AGENCY_ADMIN},
    {NULL, NULL, NULL, 0},
};

const ts_domain agencies_domain = {"agencies", agencies_routes, agencies_messages};
