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

#define Q(m) JX_INTO(agencies_query, m)
static const jx_field list_query[] = {
    HTTP_PAGE_INTO(agencies_query, 100, 1000),
    {.name = "parent",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     Q(parent)},
    {.name = "within",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     Q(within)},
    {.name = "unit", .type = JX_STRING, .max_chars = 5, .format = &FMT_UNIT_CODE, Q(unit)},
    {.name = "kind", .type = JX_STRING, .max_chars = 40, .format = &FMT_AGENCY_KIND, Q(kind)},
    {.name = "q", .type = JX_STRING, .max_chars = 100, .allow_empty = true, Q(q)},
    {0},
};
#undef Q

JX_WRITER(write_agency, agency, agency_write_json)

static ts_code h_list(http_req *r, ts_ctx *x)
{
    agencies_query q = {0};
    http_query_read(r, &q);
    agencies_list_result res;
    TS_TRY(agencies_list(x, &q, &res));
    return http_reply_page(r, res.items, sizeof *res.items, res.n, write_agency, res.total, q.limit,
                           q.offset);
}

static ts_code h_get(http_req *r, ts_ctx *x)
{
    const char *code = http_param(r, "code");
    if (!agencies_code_valid(code))
        return ts_err_set(&r->err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    agency g, *chain;
    int n;
    int64_t children;
    TS_TRY(agencies_get(x, code, &g, &chain, &n, &children));
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
static ts_code h_kinds(http_req *r, ts_ctx *x)
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

/* The members an agency is created with (T agency_new) and those a change
 * may carry (T agency_patch, where null clears them: CLEAR). */
#define KEEP(T, m) .null_at = 0
#define CLEAR(T, m) JX_NULL_INTO(T, clear_##m)
#define CONTACT_FIELDS(T, NULLS)                                                                   \
    {.name = "email",                                                                              \
     .type = JX_STRING,                                                                            \
     .max_chars = 254,                                                                             \
     .nullable = true,                                                                             \
     .format = &FMT_EMAIL,                                                                         \
     JX_INTO(T, email),                                                                            \
     NULLS(T, email)},                                                                             \
        {.name = "phone",                                                                          \
         .type = JX_STRING,                                                                        \
         .max_chars = 30,                                                                          \
         .nullable = true,                                                                         \
         .format = &FMT_PHONE,                                                                     \
         JX_INTO(T, phone),                                                                        \
         NULLS(T, phone)},                                                                         \
        {.name = "address",                                                                        \
         .type = JX_STRING,                                                                        \
         .max_chars = 500,                                                                         \
         .nullable = true,                                                                         \
         JX_INTO(T, address),                                                                      \
         NULLS(T, address)},                                                                       \
    {                                                                                              \
        .name = "website", .type = JX_STRING, .max_chars = 300, .nullable = true,                  \
        .format = &FMT_URL, JX_INTO(T, website), NULLS(T, website)                                 \
    }

#define N(m) JX_INTO(agency_new, m)
static const jx_field create_body[] = {
    {.name = "code",
     .type = JX_STRING,
     .required = true,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     N(code)},
    {.name = "parent_code",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .format = &FMT_AGENCY_CODE,
     N(parent_code)},
    {.name = "kind", .type = JX_STRING, .max_chars = 40, .format = &FMT_AGENCY_KIND, N(kind)},
    {.name = "name", .type = JX_STRING, .required = true, .max_chars = AGENCY_NAME_MAX, N(name)},
    {.name = "short_name", .type = JX_STRING, .max_chars = AGENCY_SHORT_NAME_MAX, N(short_name)},
    {.name = "unit_code",
     .type = JX_STRING,
     .max_chars = 5,
     .format = &FMT_UNIT_CODE,
     N(unit_code)},
    CONTACT_FIELDS(agency_new, KEEP),
    JX_DATE("valid_from", N(valid_from)),
    JX_DATE("valid_to", N(valid_to)),
    {0},
};
#undef N

static ts_code h_create(http_req *r, ts_ctx *x)
{
    agency_new n = {0};
    http_in_read(r, &n);
    agency out;
    TS_TRY(agencies_create(x, &n, &out));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/agencies/%s", out.code));
    return http_reply_one(r, 201, write_agency, &out);
}

#define P(m) JX_INTO(agency_patch, m)
static const jx_field patch_body[] = {
    {.name = "name", .type = JX_STRING, .max_chars = AGENCY_NAME_MAX, .not_null = true, P(name)},
    {.name = "short_name",
     .type = JX_STRING,
     .max_chars = AGENCY_SHORT_NAME_MAX,
     .nullable = true,
     P(short_name),
     CLEAR(agency_patch, short_name)},
    CONTACT_FIELDS(agency_patch, CLEAR),
    JX_DATE("valid_to", .nullable = true, P(valid_to), CLEAR(agency_patch, valid_to)),
    {.name = "parent_code",
     .type = JX_STRING,
     .max_chars = AGENCY_CODE_MAX,
     .nullable = true,
     .format = &FMT_AGENCY_CODE,
     P(parent_code),
     JX_NULL_INTO(agency_patch, clear_parent)},
    {0},
};
#undef P

static ts_code h_patch(http_req *r, ts_ctx *x)
{
    agency_patch p = {0};
    http_in_read(r, &p);
    agency out;
    TS_TRY(agencies_update(x, http_param(r, "code"), &p, &out));
    return http_reply_one(r, 200, write_agency, &out);
}

const http_route agencies_routes[] = {
    {"GET", "/api/v1/agencies", h_list, PERM_PUBLIC, .query = list_query},
    {"POST", "/api/v1/agencies", h_create, PERM_SYSTEM_ADMIN, .body = create_body},
    {"GET", "/api/v1/agencies/{code}", h_get, PERM_PUBLIC, .query = NULL},
    {"GET", "/api/v1/agency-kinds", h_kinds, PERM_PUBLIC, .query = NULL},
    {"PATCH", "/api/v1/agencies/{code}", h_patch, PERM_AGENCY_ADMIN, .body = patch_body},
    {0},
};

const ts_domain agencies_domain = {"agencies", agencies_routes, agencies_messages, NULL};
