/*
 * problem — the one place an error becomes HTTP: ts_code → status, the
 * catalogue message in the request's language → an RFC 9457
 * application/problem+json body with the fields at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "internal.h"
#include "../platform/identity.h"
#include "../platform/secev.h"

void http_problem_members(http_req *r, jsonw *w, const ts_err *e)
{
    ts_msg msg = e->msg != M_NONE ? e->msg : e->code == TS_EVALIDATION ? M_VALIDATION : M_INTERNAL;
    char detail[512];
    ts_msg_render(detail, sizeof detail, msg, e->arg, r->lang);
    jw_kstr(w, "type", arena_printf(r->a, "/problems/%s", ts_code_slug(e->code)));
    jw_kstr(w, "title", ts_code_title(e->code, r->lang));
    jw_kint(w, "status", ts_code_http_status(e->code));
    jw_kstr(w, "detail", detail);
    jw_kstr(w, "instance", r->path ? r->path : "/");
    jw_kstr(w, "request_id", r->request_id);
    jw_key(w, "errors");
    jw_arr_begin(w);
    for (int i = 0; i < e->nfields; i++) {
        char m[256];
        ts_msg_render(m, sizeof m, e->fields[i].msg, e->fields[i].arg, r->lang);
        jw_obj_begin(w);
        jw_kstr(w, "field", e->fields[i].field);
        jw_kstr(w, "message", m);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void http_problem_render(http_req *r)
{
    ts_err *e = &r->err;
    if (e->code == TS_OK) ts_err_set(e, TS_EINTERNAL, M_INTERNAL, NULL);
    if (e->msg == M_NONE) e->msg = e->code == TS_EVALIDATION ? M_VALIDATION : M_INTERNAL;
    int status = ts_code_http_status(e->code);
    if (e->code == TS_EFORBIDDEN && !r->secev_noted) /* denials go to the audit trail, counted */
        secev_note(e->msg == M_CSRF ? SECEV_CSRF : SECEV_FORBIDDEN, http_client_ip(r), r->path);
    if (status >= 500 && e->debug[0])
        log_error("request %s %s failed: %s", r->request_id, r->path, e->debug);
    jsonw *w = http_json(r);
    jw_obj_begin(w);
    http_problem_members(r, w, e);
    jw_obj_end(w);
    http_reply(r, status, "application/problem+json; charset=utf-8", w->sb->buf, w->sb->len);
}
