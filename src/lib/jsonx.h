/*
 * jsonx — JSON input checked against a declared shape before any rule
 * runs: types, required fields, unknown fields, lengths, UTF-8. Strings
 * come out trimmed and in Unicode NFC, copied into the request arena.
 */
#ifndef TS_JSONX_H
#define TS_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

typedef enum jx_type { JX_STRING = 1, JX_INT, JX_BOOL, JX_OBJECT, JX_ARRAY, JX_ANY } jx_type;

struct ts_format;

/*
 * One field of a request body or one query parameter. Route tables name
 * a spec for each (http.h); the server checks it before the handler runs
 * and reports every violation at once, each naming its field.
 *   null in a body: absent, unless .nullable (null means "clear it") or
 *   .not_null (null is an error).
 *   strings: trimmed, at most max_chars characters after NFC (0 = 1000),
 *   not empty unless allow_empty; then .format and .enums, when given.
 *   JX_INT: within [min, max] when min < max; query parameters default to
 *   .def when absent.
 *   JX_INTO(T, member): the checked value is read into that member of a T
 *   (http_in_read, http_query_read): a string into a const char * (trimmed
 *   and NFC; NULL when absent or null), a JX_INT into an int or int64_t
 *   (.def when absent), a JX_BOOL into a bool. JX_NULL_INTO(T, member): a
 *   bool set when the member is present and null ("clear it").
 */
typedef struct jx_field {
    const char *name;
    jx_type type;
    bool required;
    size_t max_chars;
    bool allow_empty;
    bool nullable;
    bool not_null;
    const struct ts_format *format; /* strings: the format it must have */
    const char *const *enums;       /* strings: NULL-terminated allowed values */
    const char *enum_list;          /* their list for the message: "a, b, c" */
    int64_t min, max, def;          /* JX_INT */
    size_t at;                      /* JX_INTO: the member's offset + 1 (0: not read) */
    unsigned char at_size;          /* its size */
    size_t null_at;                 /* JX_NULL_INTO: the flag's offset + 1 (0: none) */
} jx_field;

/* A date member (YYYY-MM-DD, FMT_DATE of lib/validate.h) with whatever
 * else it needs: JX_DATE("valid_to", .nullable = true, JX_INTO(T, valid_to)). */
#define JX_DATE(nm, ...)                                                                           \
    {                                                                                              \
        .name = (nm), .type = JX_STRING, .max_chars = 10, .format = &FMT_DATE, __VA_ARGS__         \
    }
#define JX_INTO(T, m) .at = offsetof(T, m) + 1, .at_size = sizeof(((T *)0)->m)
#define JX_NULL_INTO(T, m) .null_at = offsetof(T, m) + 1

/* Parse a request body as one JSON object (duplicate keys rejected). */
ts_code jx_parse_object(const char *body, size_t len, json_t **out, ts_err *err);
/* Check obj against a NULL-name-terminated spec; collect every field error
 * (TS_EVALIDATION, 422). Unknown members are errors too. */
ts_code jx_check(json_t *obj, const jx_field *spec, ts_err *err);
/* Check one query parameter's text value v (NULL: absent) against f;
 * violations are TS_EINVAL (400) field errors naming it. */
void jx_check_query(const jx_field *f, const char *v, ts_err *err);
/* The spec of name in a NULL-name-terminated spec, or NULL. */
const jx_field *jx_spec_find(const jx_field *spec, const char *name);
/* String member, trimmed + NFC, in the arena; NULL when absent or null. */
const char *jx_str(arena *a, json_t *obj, const char *name);
/* A JSON string, or null for NULL (new reference). */
json_t *jx_str_or_null(const char *s);
/* {field: {"from": old, "to": new}} for every member of `to` that differs in
 * `from` (the audit summary of an update; new reference). */
json_t *jx_diff(const json_t *from, const json_t *to);
/* The tree of what write puts into a stream for obj, an object written
 * without its closing brace (the domains' serializers): one serializer
 * gives both the answer and the audit summary (new reference). */
struct jsonw;
/* The untyped writer a page or a tree takes, made from a typed serializer:
 * JX_WRITER(write_agency, agency, agency_write_json). */
#define JX_WRITER(name, type, fn)                                                                  \
    static void name(struct jsonw *w, const void *obj)                                             \
    {                                                                                              \
        fn(w, (const type *)obj);                                                                  \
    }
/* The one serializer of type T from its member table (jw_fields): defines
 * void write_fn(struct jsonw *, const T *), which writes the object without
 * its closing brace, and json_t *tree_fn(const T *), the same as a tree. */
#define JX_SERIALIZER(T, write_fn, tree_fn, fields)                                                \
    void write_fn(struct jsonw *w, const T *o)                                                     \
    {                                                                                              \
        jw_obj_begin(w);                                                                           \
        jw_fields(w, o, fields, JW_NFIELDS(fields));                                               \
    }                                                                                              \
    JX_WRITER(write_fn##_any, T, write_fn)                                                         \
    json_t *tree_fn(const T *o)                                                                    \
    {                                                                                              \
        return jx_tree_of(write_fn##_any, o);                                                      \
    }
json_t *jx_tree_of(void (*write)(struct jsonw *w, const void *obj), const void *obj);
/* Dump as compact JSON with sorted keys into the arena. */
char *jx_dump(arena *a, const json_t *v, size_t *len);

#endif
