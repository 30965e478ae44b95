/*
 * request — what a handler calls (http.h): path parameters, query
 * arguments, headers, the body as JSON, the database connection, and the
 * reply helpers; plus the request id and the language picked from the
 * request's headers before routing.
 */
#include <microhttpd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "../lib/jsonx.h"
#include "../lib/strbuf.h"
#include "../lib/text.h"
#include "../lib/timeutil.h"
#include "internal.h"

const char *http_param(http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (!strcmp(r->param_name[i], name)) return r->param_val[i];
    return NULL;
}

int64_t http_id(http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (!strcmp(r->param_name[i], name)) return r->param_int[i];
    return 0;
}

const char *http_query(http_req *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

const char *http_header(http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

db_conn *http_db(http_req *r)
{
    db_conn *c = db_conn_get(r->srv->db, &r->err);
    if (!c && r->err.code == TS_OK) ts_err_set(&r->err, TS_EUNAVAIL, M_UNAVAILABLE, NULL);
    return c;
}

void http_add_header(http_req *r, const char *name, const char *value)
{
    if (r->nhdrs < HTTP_MAX_HEADERS) {
        r->hdr_name[r->nhdrs] = name;
        r->hdr_val[r->nhdrs] = value;
        r->nhdrs++;
    }
}

ts_code http_reply(http_req *r, int status, const char *ctype, const char *body, size_t len)
{
    r->status = status;
    r->ctype = ctype;
    r->out = body;
    r->out_len = len;
    r->replied = true;
    return TS_OK;
}

ts_code http_reply_sb(http_req *r, int status, strbuf *sb)
{
    size_t n;
    char *s = sb_detach(sb, &n);
    arena_cleanup_add(r->a, free, s);
    return http_reply(r, status, HTTP_JSON, s, n);
}

ts_code http_body_json(http_req *r, json_t **out)
{
    *out = NULL;
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) ||
        (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return ts_err_set(&r->err, TS_EMEDIATYPE, M_MEDIA_TYPE, "application/json");
    ts_code rc = jx_parse_object(r->body ? r->body : "", r->body_len, out, &r->err);
    if (rc == TS_OK) arena_cleanup_add(r->a, (void (*)(void *))json_decref, *out);
    return rc;
}

/* ------------------------------------------------------------------ */
/* request id, language                                                  */

static bool sane_request_id(const char *v)
{
    size_t n = 0;
    for (; v[n]; n++) {
        char c = v[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
        if (n >= 64) return false;
    }
    return n > 0;
}

static _Thread_local uint64_t rid_state;

static void new_request_id(char *out, size_t cap)
{
    if (!rid_state) {
        if (getrandom(&rid_state, sizeof rid_state, 0) != sizeof rid_state)
            rid_state = (uint64_t)time_mono_us() ^ (uint64_t)(uintptr_t)&rid_state;
        rid_state |= 1;
    }
    /* xorshift64* */
    rid_state ^= rid_state >> 12;
    rid_state ^= rid_state << 25;
    rid_state ^= rid_state >> 27;
    uint64_t v = rid_state * 2685821657736338717ULL;
    snprintf(out, cap, "%016llx", (unsigned long long)v);
}

static int pick_lang(http_req *r)
{
    const char *al = http_header(r, "Accept-Language");
    if (!al) return 0;
    while (*al == ' ')
        al++;
    return (!strncasecmp(al, "en", 2) &&
            (al[2] == '\0' || al[2] == '-' || al[2] == ',' || al[2] == ';' || al[2] == ' '))
               ? 1
               : 0;
}

void request_identify(http_req *r)
{
    r->lang = pick_lang(r);
    const char *rid = http_header(r, "X-Request-Id");
    if (rid && sane_request_id(rid))
        snprintf(r->request_id, sizeof r->request_id, "%s", rid);
    else
        new_request_id(r->request_id, sizeof r->request_id);
}

/* filename*=UTF-8''… (RFC 6266 / 8187); see http.h. */
const char *http_attachment(arena *a, const char *name)
{
    size_t n = strlen(name);
    char *enc = arena_alloc(a, 3 * n + 1), *ascii = arena_alloc(a, n + 1);
    size_t e = 0, k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            enc[e++] = (char)*p;
        else
            e += (size_t)snprintf(enc + e, 4, "%%%02X", *p);
        if (*p < 0x80)
            ascii[k++] = *p == '"' || *p == '\\' ? '_' : (char)*p;
        else if (*p >= 0xc0) /* one '_' a character: its first byte */
            ascii[k++] = '_';
    }
    enc[e] = ascii[k] = '\0';
    return arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}
