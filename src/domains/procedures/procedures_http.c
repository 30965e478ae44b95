/*
 * procedures_http — the catalogue's doors: the public search and the
 * procedure page's data (GET /api/v1/procedures, GET
 * /api/v1/procedures/{code}), and the administrators' writes (POST a new
 * procedure, PUT a new version, POST an import). JSON in -> procedures.h
 * -> JSON out; the document is served as stored (its canonical form).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/http.h"
#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../lib/validate.h"
#include "../../platform/refcache.h"
#include "../agencies/agencies.h"
#include "../routes.h"
#include "procedures.h"

#define Q(m) JX_INTO(procedures_query, m)
/* the filters of a listing and of an export */
#define FILTERS                                                                                    \
    {.name = "q", .type = JX_STRING, .max_chars = 100, .allow_empty = true, Q(q)},                 \
        {.name = "field", .type = JX_STRING, .max_chars = 200, Q(field)},                          \
        {.name = "agency",                                                                         \
         .type = JX_STRING,                                                                        \
         .max_chars = AGENCY_CODE_MAX,                                                             \
         .format = &FMT_AGENCY_CODE,                                                               \
         Q(agency)},                                                                               \
        {.name = "service_level",                                                                  \
         .type = JX_STRING,                                                                        \
         .max_chars = 20,                                                                          \
         .enums = proc_service_levels,                                                             \
         .enum_list = "toan_trinh, mot_phan",                                                      \
         Q(service_level)},                                                                        \
    {                                                                                              \
        .name = "level", .type = JX_STRING, .max_chars = 20, .enums = proc_levels,                 \
        .enum_list = "province, commune", Q(level)                                                 \
    }

static const jx_field list_query[] = {
    HTTP_PAGE_INTO(procedures_query, 50, 500),
    FILTERS,
    {0},
};
static const char *const export_formats[] = {"json", "csv", NULL};
static const jx_field export_query[] = {
    FILTERS,
    {.name = "format",
     .type = JX_STRING,
     .max_chars = 4,
     .enums = export_formats,
     .enum_list = "json, csv"},
    {0},
};
#undef Q

static void write_summary(jsonw *w, const procedure *p)
{
    jw_obj_begin(w);
    jw_kstr(w, "code", p->code);
    jw_kint(w, "version", p->version);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "name_en", p->name_en);
    jw_kstr(w, "field", p->field);
    jw_kstr(w, "level", p->level);
    jw_kstr(w, "service_level", p->service_level);
    jw_kstr(w, "agency", p->agency);
    jw_kbool(w, "same_day", p->same_day);
    jw_kstr(w, "effective_from", p->effective_from);
    jw_kstr(w, "effective_to", p->effective_to);
}
JX_WRITER(write_item, procedure, write_summary)

static ts_code h_list(http_req *r, ts_ctx *x)
{
    procedures_query q = {0};
    http_query_read(r, &q);
    /* the catalogue changes a few times a month: its pages are kept as
     * rendered until it does (the "procedures" data version) */
    const char *key =
        arena_printf(r->a, "list:%s|%s|%s|%s|%s|%lld|%lld", q.q ? q.q : "", q.field ? q.field : "",
                     q.agency ? q.agency : "", q.service_level ? q.service_level : "",
                     q.level ? q.level : "", (long long)q.limit, (long long)q.offset);
    const char *cached;
    size_t clen;
    uint64_t gen;
    bool cacheable = strlen(key) < 200;
    if (cacheable && refcache_get(x->db, REF_PROCEDURES, key, r->a, &cached, &clen, &gen))
        return http_reply(r, 200, HTTP_JSON, cached, clen);
    procedure *items;
    int n;
    int64_t total;
    TS_TRY(procedures_list(x, &q, &items, &n, &total));
    ts_code rc = http_reply_page(r, items, sizeof *items, n, write_item, total, q.limit, q.offset);
    if (rc == TS_OK && cacheable && r->out)
        refcache_put(REF_PROCEDURES, key, gen, r->out, r->out_len);
    return rc;
}

typedef struct detail_q {
    int64_t version;
    const char *at;
} detail_q;
static const jx_field detail_query[] = {
    {.name = "version", .type = JX_INT, .min = 1, .max = 100000, JX_INTO(detail_q, version)},
    JX_DATE("at", JX_INTO(detail_q, at)),
    {0},
};

/* {"procedure": {...the document...}, "version", "current", "effective_to",
 * "same_day", "versions": [...]} */
static ts_code reply_procedure(http_req *r, ts_ctx *x, int status, const procedure *p)
{
    procedure *vs;
    int nv;
    TS_TRY(procedures_versions(x, p->code, &vs, &nv));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kstr(w, "code", p->code);
    jw_kint(w, "version", p->version);
    jw_kbool(w, "current", p->current);
    jw_kbool(w, "same_day", p->same_day);
    jw_kstr(w, "effective_from", p->effective_from);
    jw_kstr(w, "effective_to", p->effective_to);
    jw_kstr(w, "created_at", p->created_at);
    jw_key(w, "procedure");
    jw_raw(w, p->doc, strlen(p->doc));
    jw_key(w, "versions");
    jw_arr_begin(w);
    for (int i = 0; i < nv; i++) {
        jw_obj_begin(w);
        jw_kint(w, "version", vs[i].version);
        jw_kstr(w, "effective_from", vs[i].effective_from);
        jw_kstr(w, "effective_to", vs[i].effective_to);
        jw_kbool(w, "current", vs[i].current);
        jw_kstr(w, "created_at", vs[i].created_at);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return http_reply_w(r, status, w);
}

static ts_code h_get(http_req *r, ts_ctx *x)
{
    detail_q q = {0};
    http_query_read(r, &q);
    const char *code = http_param(r, "code");
    const char *key =
        arena_printf(r->a, "p:%s|%lld|%s", code, (long long)q.version, q.at ? q.at : "");
    const char *cached;
    size_t clen;
    uint64_t gen;
    bool cacheable = strlen(key) < 120;
    if (cacheable && refcache_get(x->db, REF_PROCEDURES, key, r->a, &cached, &clen, &gen))
        return http_reply(r, 200, HTTP_JSON, cached, clen);
    procedure p;
    TS_TRY(procedures_get(x, code, q.version, q.at, &p));
    ts_code rc = reply_procedure(r, x, 200, &p);
    if (rc == TS_OK && cacheable && r->out)
        refcache_put(REF_PROCEDURES, key, gen, r->out, r->out_len);
    return rc;
}

/* The body is the document itself: the route names its members (anything
 * else is refused before the handler) and the domain checks each one, to
 * the bottom (procedures_check). */
#define DOC_MEMBER(n)                                                                              \
    {                                                                                              \
        .name = n, .type = JX_ANY                                                                  \
    }
#define DOC_MEMBERS                                                                                \
    DOC_MEMBER("code"), DOC_MEMBER("name"), DOC_MEMBER("name_en"), DOC_MEMBER("field"),            \
        DOC_MEMBER("field_en"), DOC_MEMBER("level"), DOC_MEMBER("service_level"),                  \
        DOC_MEMBER("legacy_level"), DOC_MEMBER("agency"), DOC_MEMBER("receiving"),                 \
        DOC_MEMBER("cases"), DOC_MEMBER("components"), DOC_MEMBER("results"),                      \
        DOC_MEMBER("legal_basis"), DOC_MEMBER("effective_from"), DOC_MEMBER("effective_to"),       \
        DOC_MEMBER("steps")
static const jx_field doc_body[] = {DOC_MEMBERS, {0}};
static const jx_field edit_body[] = {
    DOC_MEMBERS,
    {.name = "base_version", .type = JX_INT, .required = true, .min = 1, .max = 100000},
    {0},
};

static ts_code h_create(http_req *r, ts_ctx *x)
{
    procedure p;
    TS_TRY(procedures_create(x, r->in, &p));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/procedures/%s", p.code));
    jsonw *w = http_json(r);
    write_summary(w, &p);
    jw_obj_end(w);
    return http_reply_w(r, 201, w);
}

static ts_code h_update(http_req *r, ts_ctx *x)
{
    const char *code = http_param(r, "code");
    json_t *base = json_object_get(r->in, "base_version"); /* checked by edit_body */
    json_t *doc = json_deep_copy(r->in);
    json_object_del(doc, "base_version");
    procedure p;
    ts_code rc = procedures_update(x, code, json_integer_value(base), doc, &p);
    json_decref(doc);
    if (rc != TS_OK) return rc;
    jsonw *w = http_json(r);
    write_summary(w, &p);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

static ts_code h_import(http_req *r, ts_ctx *x)
{
    procedures_import_result res;
    TS_TRY(procedures_import(x, json_object_get(r->in, "procedures"), &res));
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_kint(w, "inserted", res.inserted);
    jw_kint(w, "versioned", res.versioned);
    jw_kint(w, "unchanged", res.unchanged);
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}

/* The name of agency code, looked up once per agency however many rows
 * name it: codes[0..*n) / names[0..*n) are what was looked up so far. */
static ts_code agency_name(ts_ctx *x, const char *code, const char **codes, const char **names,
                           int *n, const char **out)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(codes[i], code)) {
            *out = names[i];
            return TS_OK;
        }
    agency g;
    ts_code rc = agencies_find(x, code, &g);
    if (rc != TS_OK && rc != TS_ENOTFOUND) return rc;
    codes[*n] = code;
    names[*n] = *out = rc == TS_OK ? g.name : "";
    (*n)++;
    return TS_OK;
}

/* The list as a spreadsheet: a UTF-8 byte order mark (so that Excel reads
 * the diacritics), a header row in Vietnamese, a row per procedure. */
static ts_code reply_csv(http_req *r, ts_ctx *x, const procedure *ps, int n)
{
    /* the agencies' names first: a failed lookup is the answer */
    size_t cap = (size_t)(n ? n : 1);
    const char **codes = arena_calloc(r->a, sizeof *codes * cap);
    const char **names = arena_calloc(r->a, sizeof *names * cap);
    const char **row_agency = arena_calloc(r->a, sizeof *row_agency * cap);
    int nnames = 0;
    for (int i = 0; i < n; i++) {
        row_agency[i] = "Ủy ban nhân dân cấp xã";
        if (ps[i].agency)
            TS_TRY(agency_name(x, ps[i].agency, codes, names, &nnames, &row_agency[i]));
    }
    strbuf sb;
    sb_init(&sb);
    sb_adds(&sb, "\xef\xbb\xbf");
    static const char *const head[] = {"Mã thủ tục",        "Tên thủ tục",           "Lĩnh vực",
                                       "Cấp thực hiện",     "Mức độ dịch vụ",        "Mã cơ quan",
                                       "Cơ quan thực hiện", "Giải quyết trong ngày", "Hiệu lực từ",
                                       "Phiên bản"};
    int nh = (int)(sizeof head / sizeof head[0]);
    for (int i = 0; i < nh; i++)
        sb_csv(&sb, head[i], i == nh - 1);
    for (int i = 0; i < n; i++) {
        const procedure *p = &ps[i];
        sb_csv(&sb, p->code, false);
        sb_csv(&sb, p->name, false);
        sb_csv(&sb, p->field, false);
        sb_csv(&sb, !strcmp(p->level, "province") ? "Cấp tỉnh" : "Cấp xã", false);
        sb_csv(&sb, !strcmp(p->service_level, "toan_trinh") ? "Toàn trình" : "Một phần", false);
        sb_csv(&sb, p->agency, false);
        sb_csv(&sb, row_agency[i], false);
        sb_csv(&sb, p->same_day ? "Có" : "Không", false);
        sb_csv(&sb, p->effective_from, false);
        sb_csv(&sb, arena_printf(r->a, "%lld", (long long)p->version), true);
    }
    ts_code rc = http_reply_sb(r, 200, &sb);
    r->ctype = "text/csv; charset=utf-8; header=present";
    http_add_header(r, "Content-Disposition", "attachment; filename=\"thu-tuc-hanh-chinh.csv\"");
    return rc;
}

/* GET /api/v1/procedures/export: the current versions the filters select,
 * as JSON the import takes back (each document with its version) or CSV. */
static ts_code h_export(http_req *r, ts_ctx *x)
{
    procedures_query q = {0};
    http_query_read(r, &q);
    q.limit = 5000; /* the import's own ceiling: one export is one import */
    q.docs = true;
    procedure *ps;
    int n;
    int64_t total;
    TS_TRY(procedures_list(x, &q, &ps, &n, &total));
    const char *format = http_query(r, "format");
    if (format && !strcmp(format, "csv")) return reply_csv(r, x, ps, n);
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "procedures");
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        json_t *d = json_loads(ps[i].doc, 0, NULL);
        if (!d) continue; /* cannot happen: the stored document is checked JSON */
        json_object_set_new(d, "version", json_integer(ps[i].version));
        char *s = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s) jw_raw(w, s, strlen(s));
        free(s);
        json_decref(d);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    http_add_header(r, "Content-Disposition", "attachment; filename=\"thu-tuc-hanh-chinh.json\"");
    return http_reply_w(r, 200, w);
}

static const jx_field import_body[] = {
    {.name = "procedures", .type = JX_ARRAY, .required = true},
    {0},
};

const http_route procedures_routes[] = {
    {"GET", "/api/v1/procedures", h_list, PERM_PUBLIC, .query = list_query},
    {"POST", "/api/v1/procedures", h_create, PERM_AGENCY_ADMIN, .body = doc_body},
    {"POST", "/api/v1/procedures/import", h_import, PERM_SYSTEM_ADMIN, .body = import_body},
    {"GET", "/api/v1/procedures/export", h_export, PERM_PUBLIC, .query = export_query},
    {"GET", "/api/v1/procedures/{code}", h_get, PERM_PUBLIC, .query = detail_query},
    {"PUT", "/api/v1/procedures/{code}", h_update, PERM_AGENCY_ADMIN, .body = edit_body},
    {0},
};

const ts_domain procedures_domain = {"procedures", procedures_routes, procedures_messages, NULL};
