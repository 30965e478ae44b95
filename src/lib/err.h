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

/* Message ids: one catalogue for every user-facing error text (msg.c). */
typedef enum ts_msg {
    M_NONE = 0,
    M_INTERNAL,
    M_DB,
    M_DB_BUSY,
    M_UNAVAILABLE,
    M_NOT_FOUND_ROUTE,
    M_METHOD_NOT_ALLOWED,
    M_BODY_TOO_LARGE,
    M_MEDIA_TYPE,
    M_JSON_MALFORMED,
    M_JSON_NOT_OBJECT,
    M_FIELD_REQUIRED,
    M_FIELD_TYPE_STRING,
    M_FIELD_TYPE_INTEGER,
    M_FIELD_TYPE_BOOL,
    M_FIELD_TYPE_OBJECT,
    M_FIELD_TYPE_ARRAY,
    M_FIELD_UNKNOWN,
    M_FIELD_TOO_LONG,
    M_FIELD_UTF8,
    M_FIELD_EMPTY,
    M_FIELD_FORMAT,
    M_FIELD_RANGE,
    M_VALIDATION,
    M_UNIT_NOT_FOUND,
    M_UNIT_CODE_FORMAT,
    M_UNIT_PARENT_NOT_FOUND,
    M_QUERY_PARAM,
    M_CONFLICT,
    M_AUTH_REQUIRED,
    M_AUTH_FORBIDDEN,
    M_BAD_URI,
    M_AGENCY_NOT_FOUND,
    M_AGENCY_CODE_FORMAT,
    M_AGENCY_CODE_TAKEN,
    M_AGENCY_PARENT_NOT_FOUND,
    M_AGENCY_CYCLE,
    M_AGENCY_KIND,
    M_EMAIL_FORMAT,
    M_PHONE_FORMAT,
    M_URL_FORMAT,
    M_PASSWORD_TOO_SHORT,
    M_PASSWORD_TOO_LONG,
    M_PASSWORD_HAS_USERNAME,
    M_PASSWORD_COMMON,
    M_PASSWORD_WRONG,
    M_LOGIN_FAILED,
    M_LOGIN_LOCKED,
    M_REGISTER_LIMITED,
    M_SESSION_INVALID,
    M_TOKEN_INVALID,
    M_CSRF,
    M_USERNAME_FORMAT,
    M_USERNAME_TAKEN,
    M_ROLE_UNKNOWN,
    M_ROLE_NOT_ALLOWED,
    M_ACCOUNT_NOT_FOUND,
    M_TOKEN_NOT_FOUND,
    M_SESSION_ONLY,
    M_GRANT_EXISTS,
    M_GRANT_NOT_FOUND,
    M_ACCOUNT_SELF_DISABLE,
    M_GRANT_OFFICER_ONLY,
    M_SERVER_BUSY,
    M_FRAMING_LENGTH,
    M_FRAMING_BOTH,
    M_FRAMING_CHUNKED,
    M_JSON_TRUNCATED,
    M_JSON_NUL,
    M_JSON_BAD_ESCAPE,
    M_JSON_TRAILING,
    M_JSON_TOO_DEEP,
    M_JSON_SYNTAX,
    M_JSON_DUPLICATE,
    M_COUNT
} ts_msg;

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
