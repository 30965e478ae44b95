/*
 * msg — the message catalogue: every user-facing error text, in
 * Vietnamese (default) and English. Texts with %s take one argument.
 * Also the table mapping error codes to HTTP status, title and type slug.
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *const messages[M_COUNT][2] = {
    [M_NONE] = {"", ""},
    [M_INTERNAL] = {"Lỗi hệ thống. Vui lòng thử lại sau.",
                    "Internal error. Please try again later."},
    [M_DB] = {"Lỗi cơ sở dữ liệu.", "Database error."},
    [M_DB_BUSY] = {"Hệ thống đang bận, vui lòng thử lại.", "The system is busy, please retry."},
    [M_UNAVAILABLE] = {"Dịch vụ tạm thời không sẵn sàng.", "Service temporarily unavailable."},
    [M_NOT_FOUND_ROUTE] = {"Không tìm thấy địa chỉ %s.", "No resource at %s."},
    [M_METHOD_NOT_ALLOWED] = {"Phương thức %s không được hỗ trợ cho địa chỉ này.",
                              "Method %s is not allowed on this resource."},
    [M_BODY_TOO_LARGE] = {"Nội dung gửi lên quá lớn (tối đa %s byte).",
                          "Request body too large (at most %s bytes)."},
    [M_MEDIA_TYPE] = {"Kiểu nội dung không được hỗ trợ; hãy gửi %s.",
                      "Unsupported content type; send %s."},
    [M_JSON_MALFORMED] = {"JSON không hợp lệ: %s.", "Malformed JSON: %s."},
    [M_JSON_NOT_OBJECT] = {"Nội dung phải là một đối tượng JSON.",
                           "The body must be a JSON object."},
    [M_FIELD_REQUIRED] = {"Trường này là bắt buộc.", "This field is required."},
    [M_FIELD_TYPE_STRING] = {"Phải là chuỗi ký tự.", "Must be a string."},
    [M_FIELD_TYPE_INTEGER] = {"Phải là số nguyên.", "Must be an integer."},
    [M_FIELD_TYPE_BOOL] = {"Phải là true hoặc false.", "Must be true or false."},
    [M_FIELD_TYPE_OBJECT] = {"Phải là một đối tượng.", "Must be an object."},
    [M_FIELD_TYPE_ARRAY] = {"Phải là một mảng.", "Must be an array."},
    [M_FIELD_UNKNOWN] = {"Trường không được hỗ trợ.", "Unknown field."},
    [M_FIELD_TOO_LONG] = {"Quá dài (tối đa %s ký tự).", "Too long (at most %s characters)."},
    [M_FIELD_UTF8] = {"Không phải văn bản UTF-8 hợp lệ.", "Not valid UTF-8 text."},
    [M_FIELD_EMPTY] = {"Không được để trống.", "Must not be empty."},
    [M_FIELD_FORMAT] = {"Sai định dạng: %s.", "Wrong format: %s."},
    [M_FIELD_RANGE] = {"Giá trị ngoài phạm vi cho phép (%s).", "Value out of range (%s)."},
    [M_VALIDATION] = {"Dữ liệu gửi lên không hợp lệ.", "The submitted data is invalid."},
    [M_UNIT_NOT_FOUND] = {"Không tìm thấy đơn vị hành chính %s.",
                          "Administrative unit %s not found."},
    [M_UNIT_CODE_FORMAT] = {"Mã đơn vị hành chính gồm 2, 3 hoặc 5 chữ số.",
                            "An administrative unit code has 2, 3 or 5 digits."},
    [M_UNIT_PARENT_NOT_FOUND] = {"Không tìm thấy đơn vị cấp trên %s.", "Parent unit %s not found."},
    [M_QUERY_PARAM] = {"Tham số truy vấn không hợp lệ.", "Invalid query parameter."},
    [M_CONFLICT] = {"Dữ liệu xung đột với bản ghi đã có.",
                    "The data conflicts with an existing record."},
    [M_AUTH_REQUIRED] = {"Cần đăng nhập hoặc mã truy cập (Authorization: Bearer).",
                         "Authentication required (Authorization: Bearer)."},
    [M_AUTH_FORBIDDEN] = {"Bạn không có quyền thực hiện thao tác này.",
                          "You are not allowed to do this."},
    [M_BAD_URI] = {"Địa chỉ yêu cầu chứa ký tự không hợp lệ (%00).",
                   "The request target contains an invalid character (%00)."},
    [M_AGENCY_NOT_FOUND] = {"Không tìm thấy cơ quan, đơn vị %s.", "Agency %s not found."},
    [M_AGENCY_CODE_FORMAT] = {"Mã định danh điện tử sai định dạng (ví dụ 000.00.12.H56).",
                              "Wrong electronic identifier format (for example 000.00.12.H56)."},
    [M_AGENCY_CODE_TAKEN] = {"Mã định danh %s đã được sử dụng.",
                             "Agency code %s is already in use."},
    [M_AGENCY_PARENT_NOT_FOUND] = {"Không tìm thấy cơ quan cấp trên %s.",
                                   "Parent agency %s not found."},
    [M_AGENCY_CYCLE] = {"Không thể chuyển cơ quan vào chính nó hoặc đơn vị trực thuộc của nó.",
                        "An agency cannot be moved under itself or one of its own sub-units."},
    [M_AGENCY_KIND] = {"Loại cơ quan không hợp lệ; dùng một trong: %s.",
                       "Unknown agency kind; use one of: %s."},
    [M_EMAIL_FORMAT] = {"Địa chỉ thư điện tử không hợp lệ.", "Not a valid e-mail address."},
    [M_PHONE_FORMAT] =
        {"Số điện thoại không hợp lệ (6–15 chữ số, có thể có +, dấu cách, -, ., ()).",
         "Not a valid phone number (6–15 digits; +, spaces, -, . and () allowed)."},
    [M_URL_FORMAT] = {"Địa chỉ trang web phải bắt đầu bằng http:// hoặc https://.",
                      "A website address must start with http:// or https://."},
    [M_PASSWORD_TOO_SHORT] = {"Mật khẩu phải có ít nhất 10 ký tự.",
                              "A password needs at least 10 characters."},
    [M_PASSWORD_TOO_LONG] = {"Mật khẩu quá dài (tối đa 256 byte).",
                             "The password is too long (at most 256 bytes)."},
    [M_PASSWORD_HAS_USERNAME] = {"Mật khẩu không được chứa tên đăng nhập.",
                                 "The password must not contain the username."},
    [M_PASSWORD_COMMON] = {"Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.",
                           "This password is too common and easy to guess; choose another."},
    [M_PASSWORD_WRONG] = {"Mật khẩu hiện tại không đúng.", "The current password is wrong."},
    [M_LOGIN_FAILED] = {"Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."},
    [M_LOGIN_LOCKED] = {"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau %s giây.",
                        "Too many failed sign-ins; try again in %s seconds."},
    [M_REGISTER_LIMITED] = {"Đã có quá nhiều đăng ký tài khoản từ địa chỉ này; vui lòng thử lại "
                            "sau %s giây.",
                            "Too many registrations from this address; try again in %s seconds."},
    [M_SESSION_INVALID] = {"Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
                           "The session is invalid or has expired; please sign in again."},
    [M_TOKEN_INVALID] = {"Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.",
                         "The access token is invalid, expired or revoked."},
    [M_CSRF] = {"Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token).",
                "Missing or wrong anti-forgery token (X-CSRF-Token)."},
    [M_USERNAME_FORMAT] =
        {"Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu . _ - @ +.",
         "A username has 3–64 characters: lower-case letters, digits, . _ - @ +."},
    [M_USERNAME_TAKEN] = {"Tên đăng nhập %s đã được sử dụng.", "The username %s is already taken."},
    [M_ROLE_UNKNOWN] = {"Vai trò không hợp lệ; dùng một trong: %s.",
                        "Unknown role; use one of: %s."},
    [M_ROLE_NOT_ALLOWED] = {"Bạn không thể cấp vai trò %s.", "You cannot grant the role %s."},
    [M_ACCOUNT_NOT_FOUND] = {"Không tìm thấy tài khoản %s.", "Account %s not found."},
    [M_TOKEN_NOT_FOUND] = {"Không tìm thấy mã truy cập %s.", "Access token %s not found."},
    [M_SESSION_ONLY] = {"Thao tác này cần đăng nhập bằng tài khoản.",
                        "This needs a signed-in account."},
    [M_GRANT_EXISTS] = {"Tài khoản đã có vai trò %s tại cơ quan này.",
                        "The account already holds the role %s on this agency."},
    [M_GRANT_NOT_FOUND] = {"Không tìm thấy quyền %s của tài khoản.",
                           "Grant %s of this account not found."},
    [M_ACCOUNT_SELF_DISABLE] = {"Bạn không thể tự khoá tài khoản của mình.",
                                "You cannot disable your own account."},
    [M_GRANT_OFFICER_ONLY] = {"Chỉ tài khoản cán bộ mới được cấp vai trò.",
                              "Roles can only be granted to officer accounts."},
    [M_SERVER_BUSY] = {"Máy chủ đang phục vụ số kết nối tối đa; vui lòng thử lại sau giây lát.",
                       "The server is at its connection limit; please retry in a moment."},
    [M_FRAMING_LENGTH] = {"Yêu cầu có Content-Length lặp lại, mâu thuẫn hoặc không phải số.",
                          "The request has a repeated, conflicting or non-numeric Content-Length."},
    [M_FRAMING_BOTH] = {"Yêu cầu không được có đồng thời Content-Length và Transfer-Encoding.",
                        "A request must not carry both Content-Length and Transfer-Encoding."},
    [M_FRAMING_CHUNKED] = {"Transfer-Encoding không được hỗ trợ hoặc khối dữ liệu (chunk) sai "
                           "kích thước.",
                           "Unsupported Transfer-Encoding, or a chunk with a malformed size."},
    [M_JSON_TRUNCATED] = {"JSON bị cắt cụt: nội dung hết trước khi đóng đủ ngoặc và chuỗi "
                          "(dòng:cột %s).",
                          "Truncated JSON: the body ends before every bracket and string is "
                          "closed (line:column %s)."},
    [M_JSON_NUL] = {"JSON chứa ký tự NUL (\\u0000), không được phép (dòng:cột %s).",
                    "JSON contains a NUL character (\\u0000), which is not allowed "
                    "(line:column %s)."},
    [M_JSON_BAD_ESCAPE] = {"JSON có chuỗi thoát sau dấu \\ không hợp lệ (dòng:cột %s).",
                           "JSON has an invalid escape after a backslash (line:column %s)."},
    [M_JSON_TRAILING] = {"JSON có nội dung thừa sau giá trị (dòng:cột %s).",
                         "JSON has extra content after the value (line:column %s)."},
    [M_JSON_TOO_DEEP] = {"JSON lồng nhau quá sâu (dòng:cột %s).",
                         "JSON is nested too deeply (line:column %s)."},
    [M_JSON_SYNTAX] = {"JSON sai cú pháp (dòng:cột %s).", "JSON syntax error (line:column %s)."},
    [M_JSON_DUPLICATE] = {"JSON có một khóa lặp lại (dòng:cột %s).",
                          "JSON repeats an object key (line:column %s)."},
};

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
    if ((int)m < 0 || m >= M_COUNT || !messages[m][0]) return "";
    return messages[m][lang ? 1 : 0];
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
