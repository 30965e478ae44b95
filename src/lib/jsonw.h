/*
 * jsonw — a streaming JSON writer into a strbuf, for hot read paths where
 * building a jansson tree and dumping it costs more than the database read
 * (see docs/decisions.md §11). Output is compact, UTF-8 passed through,
 * control characters and quotes escaped. Commas are inserted for you.
 */
#ifndef TS_JSONW_H
#define TS_JSONW_H

#include <stdbool.h>
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
void jw_kint(jsonw *w, const char *k, int64_t v);
void jw_kbool(jsonw *w, const char *k, bool v);
/* A value that is already JSON text (canonical text this program wrote). */
void jw_raw(jsonw *w, const char *json, size_t n);

#endif
