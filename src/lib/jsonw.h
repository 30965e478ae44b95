/*
 * jsonw — a streaming JSON writer into a strbuf, for hot read paths where
 * building a jansson tree and dumping it costs more than the database read
 * (see docs/decisions.md §11). Output is compact, UTF-8 passed through,
 * control characters and quotes escaped. Commas are inserted for you.
 */
#ifndef TS_JSONW_H
#define TS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef struct jsonw {
    strbuf *sb;
    int depth;
    uint64_t need_comma; /* bit per nesting level */
} jsonw;

void jw_init(jsonw *w, strbuf *sb);
void jw_obj_begin(jsonw *w);
void jw_obj_end(jsonw *w);
void jw_arr_begin(jsonw *w);
void jw_arr_end(jsonw *w);
/* Object member name; the value call follows. */
void jw_key(jsonw *w, const char *k);
void jw_str(jsonw *w, const char *s); /* NULL writes null */
void jw_int(jsonw *w, int64_t v);
void jw_bool(jsonw *w, bool v);
void jw_null(jsonw *w);
/* Convenience: key + value. */
void jw_kstr(jsonw *w, const char *k, const char *s);
/* Bytes from outside (a URL, a header) as a JSON string that is always
 * valid UTF-8: each byte of an invalid or overlong sequence (and each
 * surrogate) becomes U+FFFD; control characters are escaped. */
void jw_kstr_lossy(jsonw *w, const char *k, const char *s);
void jw_kint(jsonw *w, const char *k, int64_t v);
void jw_kbool(jsonw *w, const char *k, bool v);
/* k: epoch seconds t as ISO 8601 UTC ("2026-11-25T13:18:26.000000Z"), null when 0. */
void jw_kepoch(jsonw *w, const char *k, int64_t t);
/*
 * An object's members as a table, the way dbq maps columns: each entry
 * names a member, its C type and where it lives, so a serializer is a
 * list rather than a page of calls. JWF(STR, unit, code) writes
 * "code": unit->code (NULL as null).
 */
typedef enum jw_ftype { JWF_STR, JWF_INT, JWF_I64, JWF_BOOL } jw_ftype;
typedef struct jw_field {
    const char *name;
    jw_ftype type;
    size_t off;
} jw_field;
#define JWF(type, st, member)                                                                      \
    {                                                                                              \
#member, JWF_##type, offsetof(st, member)                                                  \
    }
#define JW_NFIELDS(f) ((int)(sizeof(f) / sizeof((f)[0])))
/* Write the members fields[0..n) of obj (inside an object the caller opened). */
void jw_fields(jsonw *w, const void *obj, const jw_field *fields, int n);
/* A value that is already JSON text (canonical text this program wrote). */
void jw_raw(jsonw *w, const char *json, size_t n);

#endif
