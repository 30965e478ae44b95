/*
 * problem — the one place an error becomes HTTP: ts_code → status, the
 * catalogue message in the request's language → an RFC 9457
 * application/problem+json body with the fields at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "internal.h"

void http_problem_render(http_req *r)
{
    ts_err *e = &r->err;
    if (e->code == TS_OK) ts_err_set(e, TS_EINTERNAL, M_INTERNAL, NULL);
    if (e->msg == M_NONE) e->msg = e->code == TS_EVALIDATION ? M_VALIDATION : M_INTERNAL;
    int status = ts_code_http_status(e->code);
    if (status >= 500 && e->debug[0])
        log_error("request %s %s failed: %s", r->request_id, r->path, e->debug);
    char detail[512];
    ts_msg_render(detail, sizeof detail, e->msg, e->arg, r->lang);
    json_t *p = json_object();
    json_object_set_new(p, "type", json_sprintf("/problems/%s", ts_code_slug(e->code)));
    json_object_set_new(p, "title", json_string(ts_code_title(e->code, r->lang)));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "detail", json_string(detail));
    json_object_set_new(p, "instance", json_string(r->path ? r->path : "/"));
    json_object_set_new(p, "request_id", json_string(r->request_id));
    json_t *errs = json_array();
    for (int i = 0; i < e->nfields; i++) {
        char m[256];
        ts_msg_render(m, sizeof m, e->fields[i].msg, e->fields[i].arg, r->lang);
        json_t *fe = json_object();
        json_object_set_new(fe, "field", json_string(e->fields[i].field));
        json_object_set_new(fe, "message", json_string(m));
        json_array_append_new(errs, fe);
    }
    json_object_set_new(p, "errors", errs);
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    if (!s) s = strdup("{}");
    arena_cleanup_add(r->a, free, s);
    http_reply(r, status, "application/problem+json; charset=utf-8", s, strlen(s));
}
