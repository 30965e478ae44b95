/*
 * accesslog — one JSON object per finished request on stderr:
 * time, request_id, method, path, status, bytes, us (and aborted when the
 * connection went away before the answer was out). Written with the
 * streaming writer, and the client's bytes (method, path) through
 * jw_kstr_lossy, so every line is valid JSON and valid UTF-8 whatever the
 * URL holds.
 */
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../lib/strbuf.h"
#include "../lib/timeutil.h"
#include "internal.h"

void accesslog_write(const http_req *r, int status, int64_t us, bool aborted)
{
    char ts[40];
    time_iso_us(time_now_us(), ts, sizeof ts);
    strbuf b;
    sb_init(&b);
    jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "time", ts);
    jw_kstr(&w, "request_id", r->request_id);
    jw_kstr_lossy(&w, "method", r->method ? r->method : "");
    jw_kstr_lossy(&w, "path", r->path ? r->path : "");
    jw_kint(&w, "status", status);
    jw_kint(&w, "bytes", r->replied ? (int64_t)r->out_len : 0);
    jw_kint(&w, "us", us);
    if (aborted) {
        jw_key(&w, "aborted");
        jw_bool(&w, true);
    }
    jw_obj_end(&w);
    sb_addc(&b, '\n');
    log_line(b.buf, b.len);
    sb_release(&b);
}
