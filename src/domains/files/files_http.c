/*
 * files_http — POST /api/v1/templates (an agency admin uploads a form; the
 * body is the file itself) and GET /api/v1/templates/{sha256} (anyone
 * downloads it). A procedure's component names its template by SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include "../../http/server.h"
#include "../../lib/jsonw.h"
#include "../routes.h"
#include "files.h"

static const jw_field file_fields[] = {
    JWF(STR, file_info, sha256), JWF(STR, file_info, filename),   JWF(STR, file_info, media_type),
    JWF(I64, file_info, size),   JWF(STR, file_info, created_at),
};
static void write_file_any(jsonw *w, const void *f)
{
    jw_obj_begin(w);
    jw_fields(w, f, file_fields, JW_NFIELDS(file_fields));
}

static const jx_field upload_query[] = {
    {.name = "filename", .type = JX_STRING, .required = true, .max_chars = 200},
    {0},
};

static ts_code h_upload(http_req *r, ts_ctx *x)
{
    file_info f;
    bool created;
    TS_TRY(files_put(x, FILE_TEMPLATE, r->body, r->body_len, http_header(r, "Content-Type"),
                     http_query(r, "filename"), &f, &created));
    http_add_header(r, "Location", arena_printf(r->a, "/api/v1/templates/%s", f.sha256));
    return http_reply_one(r, created ? 201 : 200, write_file_any, &f);
}

static ts_code h_download(http_req *r, ts_ctx *x)
{
    const char *sha = http_param(r, "sha256");
    file_info f;
    const void *data = NULL;
    ts_code rc = files_get(x, sha, FILE_TEMPLATE, &f, &data);
    if (rc == TS_ENOTFOUND) return ts_err_set(&r->err, TS_ENOTFOUND, M_FILE_NOT_FOUND, sha);
    if (rc != TS_OK) return rc;
    /* the bytes never change under their name: cache for good */
    const char *etag = arena_printf(r->a, "\"%s\"", f.sha256);
    http_add_header(r, "ETag", etag);
    http_add_header(r, "Cache-Control", "public, max-age=31536000, immutable");
    const char *inm = http_header(r, "If-None-Match");
    if (inm && strstr(inm, f.sha256)) return http_reply(r, 304, NULL, "", 0);
    http_add_header(r, "Content-Disposition", http_attachment(r->a, f.filename));
    return http_reply(r, 200, f.media_type, data, (size_t)f.size);
}

const http_route files_routes[] = {
    {"POST", "/api/v1/templates", h_upload, PERM_AGENCY_ADMIN, .query = upload_query,
     .max_body = FILE_TEMPLATE_MAX},
    {"GET", "/api/v1/templates/{sha256}", h_download, PERM_PUBLIC, .query = NULL},
    {0},
};

const ts_domain files_domain = {"files", files_routes, files_messages, NULL};
