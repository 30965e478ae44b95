/*
 * err — the one error vocabulary of tinhso.
 * Every fallible function returns a ts_code and fills a ts_err: a code, a
 * message (Vietnamese and English, from the catalogue in msg.c) and the
 * fields at fault. http/problem.c maps it to RFC 9457 in one place.
 */
#ifndef TS_ERR_H
#define TS_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum ts_code {
    TS_OK = 0,
    TS_EINVAL,      /* malformed input (400) */
    TS_EVALIDATION, /* well-formed but invalid fields (422) */
    TS_ENOTFOUND,   /* no such object or route (404) */
    TS_EMETHOD,     /* method not allowed on this path (405) */
    TS_ECONFLICT,   /* uniqueness or state conflict (409) */
    TS_EFORBIDDEN,  /* authenticated but not allowed (403) */
    TS_EUNAUTH,     /* not authenticated (401) */
    TS_ETOOBIG,     /* body or field too large (413) */
    TS_EMEDIATYPE,  /* unsupported Content-Type (415) */
    TS_ERATELIMIT,  /* too many requests (429) */
    TS_EBUSY,       /* database busy / serialization failure: retryable (503) */
    TS_EUNAVAIL,    /* not ready: database down, shutting down (503) */
    TS_EDB,         /* database error (500) */
    TS_EINTERNAL,   /* anything else (500) */
    TS_CODE_COUNT
} ts_code;

/*
 * Messages: every user-facing text, in Vietnamese and English. Each floor
 * and each domain owns its messages: it lists them once, in its header, as
 * an X-macro of X(NAME, "tiếng Việt", "English"), declares them with
 * TS_MSG_EXTERN, defines them in its .c with TS_MSG_DEFINE and registers
 * the list (TS_MSG_REF, NULL-terminated) so tests/unit/lib/test_msg.c can
 * check every one. A message is a pointer: NULL (M_NONE) is "no message".
 * Texts with %s take one argument.
 */
typedef struct ts_message {
    const char *id;      /* its C name, e.g. "M_FIELD_REQUIRED" */
    const char *text[2]; /* [0] Vietnamese, [1] English */
} ts_message;
typedef const ts_message *ts_msg;
#define M_NONE ((ts_msg)0)
#define TS_MSG_EXTERN(name, vi, en) extern const ts_message name[1];
#define TS_MSG_DEFINE(name, vi, en) const ts_message name[1] = {{#name, {vi, en}}};
#define TS_MSG_REF(name, vi, en) name,

/* The generic messages of the lowest floors (lib, db, http). */
#define TS_LIB_MESSAGES(X)                                                                                               \
    X(M_INTERNAL, "Lỗi hệ thống. Vui lòng thử lại sau.",                                                                 \
      "Internal error. Please try again later.")                                                                         \
    X(M_DB, "Lỗi cơ sở dữ liệu.", "Database error.")                                                                     \
    X(M_DB_BUSY, "Hệ thống đang bận, vui lòng thử lại.", "The system is busy, please retry.")                            \
    X(M_UNAVAILABLE, "Dịch vụ tạm thời không sẵn sàng.", "Service temporarily unavailable.")                             \
    X(M_NOT_FOUND_ROUTE, "Không tìm thấy địa chỉ %s.", "No resource at %s.")                                             \
    X(M_METHOD_NOT_ALLOWED, "Phương thức %s không được hỗ trợ cho địa chỉ này.",                                         \
      "Method %s is not allowed on this resource.")                                                                      \
    X(M_BODY_TOO_LARGE, "Nội dung gửi lên quá lớn (tối đa %s byte).",                                                    \
      "Request body too large (at most %s bytes).")                                                                      \
    X(M_MEDIA_TYPE, "Kiểu nội dung không được hỗ trợ; hãy gửi %s.",                                                      \
      "Unsupported content type; send %s.")                                                                              \
    X(M_FORM_MALFORMED,                                                                                                  \
      "Nội dung biểu mẫu không hợp lệ (mã thoát phần trăm sai, không phải UTF-8 hoặc quá nhiều " \
      "trường).",                                                                                                        \
      "Malformed form body (a bad percent escape, text that is not UTF-8, or too many fields).")                         \
    X(M_JSON_MALFORMED, "JSON không hợp lệ: %s.", "Malformed JSON: %s.")                                                 \
    X(M_JSON_NOT_OBJECT, "Nội dung phải là một đối tượng JSON.",                                                         \
      "The body must be a JSON object.")                                                                                 \
    X(M_SERVER_BUSY, "Máy chủ đang phục vụ số kết nối tối đa; vui lòng thử lại sau giây lát.",                           \
      "The server is at its connection limit; please retry in a moment.")                                                \
    X(M_FRAMING_LENGTH, "Yêu cầu có Content-Length lặp lại, mâu thuẫn hoặc không phải số.",                              \
      "The request has a repeated, conflicting or non-numeric Content-Length.")                                          \
    X(M_FRAMING_BOTH, "Yêu cầu không được có đồng thời Content-Length và Transfer-Encoding.",                            \
      "A request must not carry both Content-Length and Transfer-Encoding.")                                             \
    X(M_FRAMING_CHUNKED,                                                                                                 \
      "Transfer-Encoding không được hỗ trợ hoặc khối dữ liệu (chunk) sai kích thước.",                                   \
      "Unsupported Transfer-Encoding, or a chunk with a malformed size.")                                                \
    X(M_JSON_TRUNCATED,                                                                                                  \
      "JSON bị cắt cụt: nội dung hết trước khi đóng đủ ngoặc và chuỗi (dòng:cột %s).",                                   \
      "Truncated JSON: the body ends before every bracket and string is closed (line:column %s).")                       \
    X(M_JSON_NUL, "JSON chứa ký tự NUL (\\u0000), không được phép (dòng:cột %s).",                                       \
      "JSON contains a NUL character (\\u0000), which is not allowed (line:column %s).")                                 \
    X(M_JSON_BAD_ESCAPE, "JSON có chuỗi thoát sau dấu \\ không hợp lệ (dòng:cột %s).",                                   \
      "JSON has an invalid escape after a backslash (line:column %s).")                                                  \
    X(M_JSON_TRAILING, "JSON có nội dung thừa sau giá trị (dòng:cột %s).",                                               \
      "JSON has extra content after the value (line:column %s).")                                                        \
    X(M_JSON_TOO_DEEP, "JSON lồng nhau quá sâu (dòng:cột %s).",                                                          \
      "JSON is nested too deeply (line:column %s).")                                                                     \
    X(M_JSON_SYNTAX, "JSON sai cú pháp (dòng:cột %s).", "JSON syntax error (line:column %s).")                           \
    X(M_JSON_DUPLICATE, "JSON có một khóa lặp lại (dòng:cột %s).",                                                       \
      "JSON repeats an object key (line:column %s).")                                                                    \
    X(M_FIELD_REQUIRED, "Trường này là bắt buộc.", "This field is required.")                                            \
    X(M_FIELD_TYPE_STRING, "Phải là chuỗi ký tự.", "Must be a string.")                                                  \
    X(M_FIELD_TYPE_INTEGER, "Phải là số nguyên.", "Must be an integer.")                                                 \
    X(M_FIELD_TYPE_BOOL, "Phải là true hoặc false.", "Must be true or false.")                                           \
    X(M_FIELD_TYPE_OBJECT, "Phải là một đối tượng.", "Must be an object.")                                               \
    X(M_FIELD_TYPE_ARRAY, "Phải là một mảng.", "Must be an array.")                                                      \
    X(M_FIELD_UNKNOWN, "Trường không được hỗ trợ.", "Unknown field.")                                                    \
    X(M_FIELD_TOO_LONG, "Quá dài (tối đa %s ký tự).", "Too long (at most %s characters).")                               \
    X(M_FIELD_UTF8, "Không phải văn bản UTF-8 hợp lệ.", "Not valid UTF-8 text.")                                         \
    X(M_FIELD_EMPTY, "Không được để trống.", "Must not be empty.")                                                       \
    X(M_FIELD_FORMAT, "Sai định dạng: %s.", "Wrong format: %s.")                                                         \
    X(M_FIELD_ENUM, "Giá trị không hợp lệ; dùng một trong: %s.",                                                         \
      "Not an allowed value; use one of: %s.")                                                                           \
    X(M_FIELD_RANGE, "Giá trị ngoài phạm vi cho phép (%s).", "Value out of range (%s).")                                 \
    X(M_VALIDATION, "Dữ liệu gửi lên không hợp lệ.", "The submitted data is invalid.")                                   \
    X(M_CONFLICT, "Dữ liệu xung đột với bản ghi đã có.",                                                                 \
      "The data conflicts with an existing record.")                                                                     \
    X(M_AUTH_REQUIRED, "Cần đăng nhập hoặc mã truy cập (Authorization: Bearer).",                                        \
      "Authentication required (Authorization: Bearer).")                                                                \
    X(M_AUTH_FORBIDDEN, "Bạn không có quyền thực hiện thao tác này.",                                                    \
      "You are not allowed to do this.")                                                                                 \
    X(M_BAD_URI, "Địa chỉ yêu cầu chứa ký tự không hợp lệ (%00).",                                                       \
      "The request target contains an invalid character (%00).")                                                         \
    X(M_EMAIL_FORMAT, "Địa chỉ thư điện tử không hợp lệ.", "Not a valid e-mail address.")                                \
    X(M_PHONE_FORMAT,                                                                                                    \
      "Số điện thoại không hợp lệ (8–15 chữ số, có thể có +, dấu cách, -, ., ()).",                                      \
      "Not a valid phone number (8–15 digits; +, spaces, -, . and () allowed).")                                         \
    X(M_URL_FORMAT, "Địa chỉ trang web phải bắt đầu bằng http:// hoặc https://.",                                        \
      "A website address must start with http:// or https://.")
TS_LIB_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated. */
extern const ts_msg ts_lib_messages[];

#define TS_ERR_MAX_FIELDS 8

typedef struct ts_field_err {
    char field[64];
    ts_msg msg;
    char arg[96]; /* one optional argument substituted for %s */
} ts_field_err;

typedef struct ts_err {
    ts_code code;
    ts_msg msg;
    char arg[160];   /* optional argument for the main message */
    char debug[256]; /* internal detail: logged, never shown to clients */
    int nfields;
    ts_field_err fields[TS_ERR_MAX_FIELDS];
} ts_err;

void ts_err_clear(ts_err *e);
/* Set code + catalogue message (with optional %s argument); returns code. */
ts_code ts_err_set(ts_err *e, ts_code code, ts_msg msg, const char *arg);
/* Add a field error (keeps the first TS_ERR_MAX_FIELDS); returns e->code. */
ts_code ts_err_field(ts_err *e, ts_code code, const char *field, ts_msg msg, const char *arg);
/* Return from the calling function with expr's code unless it is TS_OK:
 * `TS_TRY(units_get(x, code, &u));` for the one failure path every call
 * that fills a ts_err has. */
#define TS_TRY(expr)                                                                               \
    do {                                                                                           \
        ts_code ts_try_rc_ = (expr);                                                               \
        if (ts_try_rc_ != TS_OK) return ts_try_rc_;                                                \
    } while (0)

/* Record internal detail (printf); never sent to clients. */
void ts_err_debug(ts_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Catalogue look-ups. lang: 0 = Vietnamese, 1 = English. */
const char *ts_msg_text(ts_msg m, int lang);
const char *ts_code_title(ts_code c, int lang);
const char *ts_code_slug(ts_code c);
int ts_code_http_status(ts_code c);
/* Render a catalogue message with its argument into out. */
void ts_msg_render(char *out, size_t cap, ts_msg m, const char *arg, int lang);

#endif
