/*
 * msg — the generic messages (lib, db, http; each domain defines its own,
 * see err.h), rendering, and the table mapping error codes to HTTP status, title and type slug.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

TS_LIB_MESSAGES(TS_MSG_DEFINE)
const ts_msg ts_lib_messages[] = {TS_LIB_MESSAGES(TS_MSG_REF) NULL};

static const struct {
    int status;
    const char *slug;
    const char *title[2];
} codes[TS_CODE_COUNT] = {
    [TS_OK] = {200, "ok", {"Thành công", "OK"}},
    [TS_EINVAL] = {400, "bad-request", {"Yêu cầu không hợp lệ", "Bad request"}},
    [TS_EVALIDATION] = {422, "validation", {"Dữ liệu không hợp lệ", "Invalid data"}},
    [TS_ENOTFOUND] = {404, "not-found", {"Không tìm thấy", "Not found"}},
    [TS_EMETHOD] = {405,
                    "method-not-allowed",
                    {"Phương thức không được phép", "Method not allowed"}},
    [TS_ECONFLICT] = {409, "conflict", {"Xung đột dữ liệu", "Conflict"}},
    [TS_EFORBIDDEN] = {403, "forbidden", {"Không có quyền", "Forbidden"}},
    [TS_EUNAUTH] = {401, "unauthenticated", {"Chưa đăng nhập", "Unauthenticated"}},
    [TS_ETOOBIG] = {413, "too-large", {"Nội dung quá lớn", "Content too large"}},
    [TS_EMEDIATYPE] = {415,
                       "unsupported-media-type",
                       {"Kiểu nội dung không được hỗ trợ", "Unsupported media type"}},
    [TS_ERATELIMIT] = {429, "rate-limited", {"Quá nhiều yêu cầu", "Too many requests"}},
    [TS_EBUSY] = {503, "busy", {"Hệ thống bận", "Busy"}},
    [TS_EUNAVAIL] = {503, "unavailable", {"Không sẵn sàng", "Unavailable"}},
    [TS_EDB] = {500, "database", {"Lỗi cơ sở dữ liệu", "Database error"}},
    [TS_EINTERNAL] = {500, "internal", {"Lỗi hệ thống", "Internal error"}},
};

const char *ts_msg_text(ts_msg m, int lang)
{
    if (!m) return "";
    return m->text[lang ? 1 : 0];
}

const char *ts_code_title(ts_code c, int lang)
{
    if ((int)c < 0 || c >= TS_CODE_COUNT) c = TS_EINTERNAL;
    return codes[c].title[lang ? 1 : 0];
}

const char *ts_code_slug(ts_code c)
{
    if ((int)c < 0 || c >= TS_CODE_COUNT) c = TS_EINTERNAL;
    return codes[c].slug;
}

int ts_code_http_status(ts_code c)
{
    if ((int)c < 0 || c >= TS_CODE_COUNT) c = TS_EINTERNAL;
    return codes[c].status;
}

void ts_msg_render(char *out, size_t cap, ts_msg m, const char *arg, int lang)
{
    const char *fmt = ts_msg_text(m, lang);
    const char *p = strstr(fmt, "%s");
    if (!p) {
        snprintf(out, cap, "%s", fmt);
        return;
    }
    snprintf(out, cap, "%.*s%s%s", (int)(p - fmt), fmt, arg ? arg : "", p + 2);
}

void ts_err_clear(ts_err *e)
{
    e->code = TS_OK;
    e->msg = M_NONE;
    e->arg[0] = '\0';
    e->debug[0] = '\0';
    e->nfields = 0;
}

ts_code ts_err_set(ts_err *e, ts_code code, ts_msg msg, const char *arg)
{
    e->code = code;
    e->msg = msg;
    snprintf(e->arg, sizeof e->arg, "%s", arg ? arg : "");
    return code;
}

ts_code ts_err_field(ts_err *e, ts_code code, const char *field, ts_msg msg, const char *arg)
{
    if (e->code == TS_OK || e->msg == M_NONE) {
        e->code = code;
        e->msg = code == TS_EVALIDATION ? M_VALIDATION : (code == TS_EINVAL ? M_VALIDATION : msg);
    }
    if (e->nfields < TS_ERR_MAX_FIELDS) {
        ts_field_err *f = &e->fields[e->nfields++];
        snprintf(f->field, sizeof f->field, "%s", field ? field : "");
        f->msg = msg;
        snprintf(f->arg, sizeof f->arg, "%s", arg ? arg : "");
    }
    return e->code;
}

void ts_err_debug(ts_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->debug, sizeof e->debug, fmt, ap);
    va_end(ap);
}
