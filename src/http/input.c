/*
 * input — a request's input checked against its route's declared specs
 * (http_validate, run by the dispatcher before the handler), the handler's
 * accessors for it, and the domain-call context of a request (http_ctx).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonw.h"
#include "../lib/strbuf.h"
#include "../lib/text.h"
#include "http.h"
#include "server.h"

static const http_route *route_of(http_req *r);

/* s as a decimal integer of at most 18 digits in [min, max] (max 0: no
 * upper bound), or -1. */
static int64_t path_int(const char *s, int64_t min, int64_t max)
{
    if (!s || !*s || strlen(s) > 18) return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    long long v = strtoll(s, NULL, 10);
    return v < min || (max && v > max) ? -1 : v;
}

/* The route's integer path parameters into r->param_int; a 404 naming the
 * thing and the parameter for the first that is not one. */
static ts_code check_ids(http_req *r, const http_path_int *ids)
{
    for (const http_path_int *d = ids; d->name; d++)
        for (int i = 0; i < r->nparams; i++) {
            if (strcmp(r->param_name[i], d->name)) continue;
            int64_t v = path_int(r->param_val[i], d->min, d->max);
            if (v < 0) {
                ts_err_set(&r->err, TS_ENOTFOUND, d->not_found, r->param_val[i]);
                return ts_err_field(&r->err, TS_ENOTFOUND, d->name, d->not_found, r->param_val[i]);
            }
            r->param_int[i] = v;
        }
    return TS_OK;
}

ts_code http_validate(http_req *r, const http_route *rt)
{
    if (rt->ids) TS_TRY(check_ids(r, rt->ids));
    if (rt->query) {
        for (const jx_field *f = rt->query; f->name; f++)
            jx_check_query(f, http_query(r, f->name), &r->err);
        if (r->err.nfields) return r->err.code;
    }
    if (rt->body) {
        json_t *in;
        TS_TRY(http_body_json(r, &in));
        TS_TRY(jx_check(in, rt->body, &r->err));
        if (!strcmp(rt->method, "PATCH") && json_object_size(in) == 0)
            return ts_err_field(&r->err, TS_EVALIDATION, rt->body[0].name, M_FIELD_REQUIRED, NULL);
        r->in = in;
    }
    return TS_OK;
}

ts_ctx *http_ctx(http_req *r, bool with_db)
{
    db_conn *c = with_db ? http_db(r) : NULL;
    if (with_db && !c) return NULL;
    ts_ctx *x = arena_alloc(r->a, sizeof *x);
    ts_ctx_init(x, c, r->a, r->principal, http_actor(r), &r->err);
    return x;
}

const char *http_in_str(http_req *r, const char *name)
{
    return r->in ? jx_str(r->a, r->in, name) : NULL;
}

const char *http_in_raw(http_req *r, const char *name)
{
    json_t *v = r->in ? json_object_get(r->in, name) : NULL;
    return json_is_string(v) ? arena_strdup(r->a, json_string_value(v)) : NULL;
}

bool http_in_has(http_req *r, const char *name)
{
    return r->in && json_object_get(r->in, name) != NULL;
}

bool http_in_null(http_req *r, const char *name)
{
    return r->in && json_is_null(json_object_get(r->in, name));
}

bool http_in_bool(http_req *r, const char *name)
{
    return r->in && json_is_true(json_object_get(r->in, name));
}

json_t *http_in_json(http_req *r, const char *name)
{
    return r->in ? json_object_get(r->in, name) : NULL;
}

int64_t http_qint(http_req *r, const char *name)
{
    const http_route *rt = route_of(r);
    const jx_field *f = rt && rt->query ? jx_spec_find(rt->query, name) : NULL;
    const char *v = http_query(r, name);
    if (!v) return f ? f->def : 0;
    return strtoll(v, NULL, 10); /* checked by http_validate */
}

static const http_route *route_of(http_req *r);

/* Store a value read for f into its member of out. */
static void put(const jx_field *f, void *out, const char *str, int64_t i, bool b)
{
    char *m = (char *)out + f->at - 1;
    switch (f->type) {
    case JX_STRING:
        memcpy(m, &str, sizeof str);
        break;
    case JX_INT:
        if (f->at_size == sizeof(int)) {
            int v = (int)i;
            memcpy(m, &v, sizeof v);
        } else {
            memcpy(m, &i, sizeof i);
        }
        break;
    case JX_BOOL:
        memcpy(m, &b, sizeof b);
        break;
    default:
        break;
    }
}

void http_in_read(http_req *r, void *out)
{
    const http_route *rt = route_of(r);
    for (const jx_field *f = rt ? rt->body : NULL; f && f->name; f++) {
        if (f->null_at) {
            bool null = http_in_null(r, f->name);
            memcpy((char *)out + f->null_at - 1, &null, sizeof null);
        }
        if (!f->at) continue;
        json_t *v = http_in_json(r, f->name);
        put(f, out, f->type == JX_STRING ? http_in_str(r, f->name) : NULL,
            json_is_integer(v) ? json_integer_value(v) : f->def, json_is_true(v));
    }
}

void http_query_read(http_req *r, void *out)
{
    const http_route *rt = route_of(r);
    for (const jx_field *f = rt ? rt->query : NULL; f && f->name; f++) {
        if (!f->at) continue;
        const char *v = http_query(r, f->name);
        put(f, out, v, f->type == JX_INT ? http_qint(r, f->name) : 0, v && !strcmp(v, "true"));
    }
}

static const http_route *route_of(http_req *r)
{
    if (!r->srv || r->route < 0 || r->route >= http_server_route_count(r->srv)) return NULL;
    return http_server_route(r->srv, r->route);
}

static void sb_free(void *p)
{
    sb_release(p);
}

jsonw *http_json(http_req *r)
{
    strbuf *sb = arena_alloc(r->a, sizeof *sb);
    sb_init(sb);
    sb_grow(sb, 1024);
    arena_cleanup_add(r->a, sb_free, sb);
    jsonw *w = arena_alloc(r->a, sizeof *w);
    jw_init(w, sb);
    return w;
}

ts_code http_reply_w(http_req *r, int status, jsonw *w)
{
    /* the buffer stays owned by the arena's cleanup, freed after sending */
    return http_reply(r, status, HTTP_JSON, w->sb->buf, w->sb->len);
}

ts_code http_reply_one(http_req *r, int status, void (*write)(jsonw *w, const void *obj),
                       const void *obj)
{
    jsonw *w = http_json(r);
    write(w, obj);
    jw_obj_end(w);
    return http_reply_w(r, status, w);
}

ts_code http_reply_page(http_req *r, const void *items, size_t size, int n,
                        void (*write)(jsonw *w, const void *item), int64_t total, int64_t limit,
                        int64_t offset)
{
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        write(w, (const char *)items + (size_t)i * size);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (total >= 0) {
        jw_kint(w, "total", total);
        jw_kint(w, "limit", limit);
        jw_kint(w, "offset", offset);
    }
    jw_obj_end(w);
    return http_reply_w(r, 200, w);
}
