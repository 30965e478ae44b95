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
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/text.h"
#include "../units/units.h"
#include "agencies.h"

static const jx_field list_query[] = {
    HTTP_PAGING(100, 1000),
    {.name = "parent", .type = JX_STRING, .max_chars = AGENCY_CODE_MAX, .format = &FMT_AGENCY_CODE},
    {.name = "within", .type = JX_STRING, .max_chars = AGENCY_CODE_MAX, .format = &FMT_AGENCY_CODE},
    {.name = "unit", .type = JX_STRING, .max_chars = 5, .format = &FMT_UNIT_CODE},
    {.name = "kind", .type = JX_STRING, .max_chars = 40, .format = &FMT_AGENCY_KIND},
    {.name = "q", .type = JX_STRING, .max_chars = 100, .allow_empty = true},
    {0},
};

JX_WRITER(write_agency, agency, agency_write_json)

static ts_code h_list(http_req *r)
{
    agencies_query q = {.parent = http_query(r, "parent"),
                        .within = http_query(r, "within"),
                        .unit = http_query(r, "unit"),
                        .kind = http_query(r, "kind"),
                        .q = http_query(r, "q"),
                        .limit = http_qint(r, "limit"),
                        .offset = http_qint(r, "offset")};
    db_conn *c = http_db(r);
    if (!c) return r->err.code;
    agencies_list_result res;
    ts_code rc = agencies_list(c, r->a, &q, &res, &r->err);
    if (rc != TS_OK) return rc;
    return http_reply_page(r, res.items, sizeof *res.items, res.n, write_agency, res.total, q.limit,
                           q.offset);
}

/* One agency (in a change's answer) */
static ts_code reply_agency(http_req *r, int status, const agency *g)
{
    jsonw *w = http_json(r);
    agency_write_json(w, g);
    jw_obj_end(w);
    return http_reply_w(r, status, w);
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
    jsonw *w = http_json(r);
    agency_write_json(w, &g);
    jw_key(w, "parents");
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) { /* a short reference to each ancestor */
        jw_obj_begin(w);
        jw_kstr(w, "code", chain[i].code);
        jw_kstr(w, "name", chain[i].name);
        jw_kstr(w, "short_name", chain[i].short_name);
        jw_kstr(w, "kind", chain[i].kind);
        jw_kint(w, "level", chain[i].level);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "children", children);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* GET /api/v1/agency-kinds: the kinds an agency may have (the web's choices). */
static ts_code h_kinds(http_req *r)
{
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; agency_kinds[i]; i++)
        jw_str(w, agency_kinds[i]);
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* The members an agency is created with, and those a change may carry. */
#define CONTACT_FIELDS                                                                             \
    {.name = "email",                                                                              \
     .type = JX_STRING,                                                                            \
     .max_chars = 254,                                                                             \
     .nullable = true,                                                                             \
     .format = &FMT_EMAIL},                                                                        \
        {.name = "phone",                                                                          \
         .type = JX_STRING,                                                                        \
         .max_chars = 30,                                                                          \
         .nullable = true,                                                                         \
         .format = &FMT_PHONE},                                                                    \
        {.name = "address", .type = JX_STRING, .max_chars = 500, .nullable = true},                \
    {                                                                                              \
        .name = "website", .type = JX_STRING, .max_chars = 300, .nullable = true,                  \
        .format = &FMT_URL                                                                         \
    }

static const jx_field create_body[] = {
    {.name = "code",
     .type = JX_STRING,
     .required = true,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE},
    {.name = "parent_code",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE},
    {.name = "kind", .type = JX_STRING, .max_chars = 40, .format = &FMT_AGENCY_KIND},
    {.name = "name", .type = JX_STRING, .required = true, .max_chars = AGENCY_NAME_MAX},
    {.name = "short_name", .type = JX_STRING, .max_chars = AGENCY_SHORT_NAME_MAX},
    {.name = "unit_code", .type = JX_STRING, .max_chars = 5, .format = &FMT_UNIT_CODE},
    CONTACT_FIELDS,
    {.name = "valid_from", .type = JX_STRING, .max_chars = 10, .format = &FMT_DATE},
    {.name = "valid_to", .type = JX_STRING, .max_chars = 10, .format = &FMT_DATE},
    {0},
};

static ts_code h_create(http_req *r)
{
    agency_new n = {
        .code = http_in_str(r, "code"),
        .parent_code = http_in_str(r, "parent_code"),
        .kind = http_in_str(r, "kind"),
        .name = http_in_str(r, "name"),
        .short_name = http_in_str(r, "short_name"),
        .unit_code = http_in_str(r, "unit_code"),
        .email = http_in_str(r, "email"),
        .phone = http_in_str(r, "phone"),
        .address = http_in_str(r, "address"),
        .website = http_in_str(r, "website"),
        .valid_from = http_in_str(r, "valid_from"),
        .valid_to = http_in_str(r, "valid_to"),
    };
    ts_ctx *x = http_ctx(r);
    if (!x) return r->err.code;
    agency out;
    if (agencies_create(x, &n, &out) != TS_OK) return r->err.code;
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/agencies/%s", out.code));
    return reply_agency(r, 201, &out);
}

static const jx_field patch_body[] = {
    {.name = "name", .type = JX_STRING, .max_chars = AGENCY_NAME_MAX, .not_null = true},
    {.name = "short_name", .type = JX_STRING, .max_chars = AGENCY_SHORT_NAME_MAX, .nullable = true},
    CONTACT_FIELDS,
    {.name = "valid_to", .type = JX_STRING, .max_chars = 10, .nullable = true, .format = &FMT_DATE},
    {.name = "parent_code",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .nullable = true,
     .format = &FMT_AGENCY_CODE},
    {0},
};

static ts_code h_patch(http_req *r)
{
    if (json_object_size(r->in) == 0)
        return ts_err_field(&r->err, TS_EVALIDATION, "name", M_FIELD_REQUIRED, NULL);
#define MEMBER(f) .f = http_in_str(r, #f), .clear_##f = http_in_null(r, #f)
    agency_patch p = {.name = http_in_str(r, "name"),
                      MEMBER(short_name),
                      MEMBER(email),
                      MEMBER(phone),
                      MEMBER(address),
                      MEMBER(website),
                      MEMBER(valid_to),
                      .parent_code = http_in_str(r, "parent_code"),
                      .clear_parent = http_in_null(r, "parent_code")};
#undef MEMBER
    ts_ctx *x = http_ctx(r);
    if (!x) return r->err.code;
    agency out;
    if (agencies_update(x, http_param(r, "code"), &p, &out) != TS_OK) return r->err.code;
    return reply_agency(r, 200, &out);
}

const http_route agencies_routes[] = {
    {"GET", "/api/v1/agencies", h_list, PERM_PUBLIC, .query = list_query},
    {"POST", "/api/v1/agencies", h_create, PERM_SYSTEM_ADMIN, .body = create_body},
    {"GET", "/api/v1/agencies/{code}", h_get, PERM_PUBLIC, NULL, NULL},
    {"GET", "/api/v1/agency-kinds", h_kinds, PERM_PUBLIC, NULL, NULL},
    {"PATCH", "/api/v1/agencies/{code}", h_patch, PERM_AGENCY_ADMIN, .body = patch_body},
    {0},
};

const ts_domain agencies_domain = {"agencies", agencies_routes, agencies_messages};
