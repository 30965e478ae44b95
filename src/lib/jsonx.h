/*
 * jsonx — JSON input checked against a declared shape before any rule
 * runs: types, required fields, unknown fields, lengths, UTF-8. Strings
 * come out trimmed and in Unicode NFC, copied into the request arena.
 */
#ifndef TS_JSONX_H
#define TS_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

typedef enum jx_type { JX_STRING = 1, JX_INT, JX_BOOL, JX_OBJECT, JX_ARRAY, JX_ANY } jx_type;

typedef struct jx_field {
    const char *name;
    jx_type type;
    bool required;
    size_t max_chars; /* strings: 0 = 1000 */
    bool allow_empty; /* strings: "" allowed */
} jx_field;

/* Parse a request body as one JSON object (duplicate keys rejected). */
ts_code jx_parse_object(const char *body, size_t len, json_t **out, ts_err *err);
/* Check obj against a NULL-name-terminated spec; collect every field error. */
ts_code jx_check(json_t *obj, const jx_field *spec, ts_err *err);
/* String member, trimmed + NFC, in the arena; NULL when absent or null. */
const char *jx_str(arena *a, json_t *obj, const char *name);
/* Integer member or def. */
int64_t jx_int(json_t *obj, const char *name, int64_t def);
/* A JSON string, or null for NULL (new reference). */
json_t *jx_str_or_null(const char *s);
/* {field: {"from": old, "to": new}} for every member of `to` that differs in
 * `from` (the audit summary of an update; new reference). */
json_t *jx_diff(const json_t *from, const json_t *to);
/* Dump as compact JSON with sorted keys into the arena. */
char *jx_dump(arena *a, const json_t *v, size_t *len);

#endif
