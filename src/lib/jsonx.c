/* jsonx — declared-shape validation of JSON input; see jsonx.h. */
#include "jsonx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "strbuf.h"
#include "text.h"
#include "validate.h"

/* "line:column" (1-based) of byte offset pos in body. */
static void where_at(const char *body, size_t pos, char *out, size_t cap)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (body[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)body[i] & 0xc0) != 0x80) {
            col++;
        }
    }
    snprintf(out, cap, "%d:%d", line, col);
}

/* The catalogue message for a jansson parse error: its code, and for
 * syntax errors whether it was an escape. Jansson's own (English) text
 * never reaches the client. */
static ts_msg parse_msg(const json_error_t *je)
{
    switch (json_error_code(je)) {
    case json_error_premature_end_of_input:
        return M_JSON_TRUNCATED;
    case json_error_end_of_input_expected:
        return M_JSON_TRAILING;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return M_JSON_NUL;
    case json_error_stack_overflow:
        return M_JSON_TOO_DEEP;
    case json_error_duplicate_key:
        return M_JSON_DUPLICATE;
    case json_error_invalid_utf8:
        return M_FIELD_UTF8;
    default:
        return strstr(je->text, "escape") ? M_JSON_BAD_ESCAPE : M_JSON_SYNTAX;
    }
}

ts_code jx_parse_object(const char *body, size_t len, json_t **out, ts_err *err)
{
    *out = NULL;
    char where[32];
    const char *nul = memchr(body, '\0', len);
    if (nul) {
        /* a raw NUL byte: jansson would call it a syntax error */
        where_at(body, (size_t)(nul - body), where, sizeof where);
        return ts_err_set(err, TS_EINVAL, M_JSON_NUL, where);
    }
    if (!text_utf8_valid(body, len)) return ts_err_set(err, TS_EINVAL, M_FIELD_UTF8, NULL);
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf(where, sizeof where, "%d:%d", je.line > 0 ? je.line : 1,
                 je.column > 0 ? je.column : 1);
        ts_err_set(err, TS_EINVAL, parse_msg(&je), where);
        ts_err_debug(err, "jansson: %s", je.text);
        return TS_EINVAL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        return ts_err_set(err, TS_EINVAL, M_JSON_NOT_OBJECT, NULL);
    }
    *out = v;
    return TS_OK;
}

const jx_field *jx_spec_find(const jx_field *spec, const char *name)
{
    for (; spec->name; spec++)
        if (!strcmp(spec->name, name)) return spec;
    return NULL;
}

/* The checks a text value gets after its type: length, format, enums. */
static void check_text(const jx_field *f, const char *s, size_t len, ts_code code, ts_err *err)
{
    if (!text_utf8_valid(s, len)) {
        ts_err_field(err, code, f->name, M_FIELD_UTF8, NULL);
        return;
    }
    const char *t = text_trim(s, &len);
    size_t max = f->max_chars ? f->max_chars : 1000;
    if (!len) {
        if (!f->allow_empty) ts_err_field(err, code, f->name, M_FIELD_EMPTY, NULL);
        return;
    }
    if (text_nfc_chars(t, len) > max) {
        char n[24];
        snprintf(n, sizeof n, "%zu", max);
        ts_err_field(err, code, f->name, M_FIELD_TOO_LONG, n);
        return;
    }
    if (!f->format && !f->enums) return;
    char small[256];
    char *v = len < sizeof small ? small : malloc(len + 1);
    if (!v) return;
    memcpy(v, t, len);
    v[len] = '\0';
    if (f->format && !f->format->ok(v))
        ts_err_field(err, code, f->name, f->format->msg, f->format->arg);
    if (f->enums) {
        bool found = false;
        for (const char *const *e = f->enums; *e && !found; e++)
            found = !strcmp(*e, v);
        if (!found) ts_err_field(err, code, f->name, M_FIELD_ENUM, f->enum_list);
    }
    if (v != small) free(v);
}

static void range_error(const jx_field *f, ts_code code, ts_err *err)
{
    char range[64];
    snprintf(range, sizeof range, "%lld..%lld", (long long)f->min, (long long)f->max);
    ts_err_field(err, code, f->name, M_FIELD_RANGE, range);
}

ts_code jx_check(json_t *obj, const jx_field *spec, ts_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (!jx_spec_find(spec, key)) ts_err_field(err, TS_EVALIDATION, key, M_FIELD_UNKNOWN, NULL);
    }
    for (const jx_field *f = spec; f->name; f++) {
        v = json_object_get(obj, f->name);
        if (v && json_is_null(v) && (f->nullable || !f->not_null)) {
            if (f->required && !f->nullable)
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_REQUIRED, NULL);
            continue;
        }
        if (!v) {
            if (f->required) ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_REQUIRED, NULL);
            continue;
        }
        switch (f->type) {
        case JX_STRING:
            if (!json_is_string(v))
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_TYPE_STRING, NULL);
            else
                check_text(f, json_string_value(v), json_string_length(v), TS_EVALIDATION, err);
            break;
        case JX_INT:
            if (!json_is_integer(v))
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_TYPE_INTEGER, NULL);
            else if (f->min < f->max &&
                     (json_integer_value(v) < f->min || json_integer_value(v) > f->max))
                range_error(f, TS_EVALIDATION, err);
            break;
        case JX_BOOL:
            if (!json_is_boolean(v))
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_TYPE_BOOL, NULL);
            break;
        case JX_OBJECT:
            if (!json_is_object(v))
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_TYPE_OBJECT, NULL);
            break;
        case JX_ARRAY:
            if (!json_is_array(v))
                ts_err_field(err, TS_EVALIDATION, f->name, M_FIELD_TYPE_ARRAY, NULL);
            break;
        case JX_ANY:
            break;
        }
    }
    return err->nfields ? err->code : TS_OK;
}

void jx_check_query(const jx_field *f, const char *v, ts_err *err)
{
    if (!v) {
        if (f->required) ts_err_field(err, TS_EINVAL, f->name, M_FIELD_REQUIRED, NULL);
        return;
    }
    if (f->type == JX_INT) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || *end || end == v || (f->min < f->max && (x < f->min || x > f->max)))
            range_error(f, TS_EINVAL, err);
        return;
    }
    check_text(f, v, strlen(v), TS_EINVAL, err);
}

const char *jx_str(arena *a, json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (!v || !json_is_string(v)) return NULL;
    size_t len = json_string_length(v);
    const char *s = text_trim(json_string_value(v), &len);
    return text_nfc(a, s, len);
}

char *jx_dump(arena *a, const json_t *v, size_t *len)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s) s = strdup("null");
    size_t n = strlen(s);
    char *r = arena_strndup(a, s, n);
    free(s);
    if (len) *len = n;
    return r;
}

json_t *jx_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *jx_diff(const json_t *from, const json_t *to)
{
    json_t *sum = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)to, k, v)
    {
        json_t *old = json_object_get(from, k);
        if (!json_equal(old, v))
            json_object_set_new(sum, k,
                                json_pack("{s:O,s:O}", "from", old ? old : json_null(), "to", v));
    }
    return sum;
}

json_t *jx_tree_of(void (*write)(jsonw *w, const void *obj), const void *obj)
{
    strbuf sb;
    sb_init(&sb);
    jsonw w;
    jw_init(&w, &sb);
    write(&w, obj);
    jw_obj_end(&w);
    json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
    sb_release(&sb);
    return o;
}
