/*
 * open311 — GeoReport v2 on the feedback domain (open311.h): the writer
 * for both formats, a report as a request record, services and their
 * definitions, the checking of a POST's attributes, date-times.
 */
#include "open311.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/text.h"
#include "../../lib/timeutil.h"

#define PROVINCE_OFFSET_S (7 * 3600) /* Việt Nam: UTC+07:00, no summer time */

bool o3_format_parse(const char *s, o3_format *out)
{
    if (s && !strcmp(s, "json"))
        *out = O3_JSON;
    else if (s && !strcmp(s, "xml"))
        *out = O3_XML;
    else
        return false;
    return true;
}

const char *o3_ctype(o3_format f)
{
    return f == O3_XML ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
}

/* ---- the writer --------------------------------------------------------------------------- */

void o3_begin(o3w *w, o3_format f)
{
    w->f = f;
    sb_init(&w->sb);
    jw_init(&w->j, &w->sb);
    xw_init(&w->x, &w->sb);
    if (f == O3_XML) xw_decl(&w->x);
}

void o3_obj(o3w *w, const char *key, const char *elem)
{
    if (w->f == O3_XML) {
        xw_begin(&w->x, elem);
        return;
    }
    if (key) jw_key(&w->j, key);
    jw_obj_begin(&w->j);
}

void o3_obj_end(o3w *w)
{
    if (w->f == O3_XML) {
        xw_end(&w->x);
        return;
    }
    jw_obj_end(&w->j);
}

void o3_arr(o3w *w, const char *key, const char *elem)
{
    if (w->f == O3_XML) {
        xw_begin(&w->x, elem);
        return;
    }
    if (key) jw_key(&w->j, key);
    jw_arr_begin(&w->j);
}

void o3_arr_end(o3w *w)
{
    if (w->f == O3_XML) {
        xw_end(&w->x);
        return;
    }
    jw_arr_end(&w->j);
}

void o3_str(o3w *w, const char *key, const char *v)
{
    if (w->f == O3_XML) {
        xw_elem(&w->x, key, v);
        return;
    }
    jw_kstr(&w->j, key, v);
}

void o3_num(o3w *w, const char *key, const char *number)
{
    if (w->f == O3_XML) {
        xw_elem(&w->x, key, number);
        return;
    }
    jw_key(&w->j, key);
    if (number)
        jw_raw(&w->j, number, strlen(number));
    else
        jw_null(&w->j);
}

void o3_int(o3w *w, const char *key, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)v);
    o3_num(w, key, b);
}

void o3_bool(o3w *w, const char *key, bool v)
{
    if (w->f == O3_XML) {
        xw_elem(&w->x, key, v ? "true" : "false");
        return;
    }
    jw_kbool(&w->j, key, v);
}

void o3_item_str(o3w *w, const char *elem, const char *v)
{
    if (w->f == O3_XML) {
        xw_elem(&w->x, elem, v);
        return;
    }
    jw_str(&w->j, v);
}

bool o3_ok(const o3w *w)
{
    return w->f != O3_XML || xw_ok(&w->x);
}

char *o3_take(o3w *w, size_t *len)
{
    return sb_detach(&w->sb, len);
}

void o3_release(o3w *w)
{
    sb_release(&w->sb);
}

void o3_errors(o3w *w, int code, const char *description)
{
    o3_arr(w, NULL, "errors");
    o3_obj(w, NULL, "error");
    o3_int(w, "code", code);
    o3_str(w, "description", description);
    o3_obj_end(w);
    o3_arr_end(w);
}

/* ---- services ----------------------------------------------------------------------------- */

static bool has_attributes(const fb_category *c)
{
    json_t *a = json_loads(c->attributes ? c->attributes : "[]", 0, NULL);
    bool yes = json_is_array(a) && json_array_size(a) > 0;
    json_decref(a);
    return yes;
}

void o3_write_service(o3w *w, const fb_category *c, int lang)
{
    o3_obj(w, NULL, "service");
    o3_str(w, "service_code", c->code);
    o3_str(w, "service_name", lang && c->name_en ? c->name_en : c->name);
    o3_str(w, "description", c->description);
    o3_bool(w, "metadata", has_attributes(c));
    o3_str(w, "type", "realtime");
    o3_str(w, "keywords", c->keywords);
    o3_str(w, "group", lang && c->group_en ? c->group_en : c->group);
    o3_obj_end(w);
}

/* A JSON scalar as text ("co", 123 → "123"); NULL for null or anything else. */
static const char *scalar_text(arena *a, json_t *v)
{
    if (json_is_string(v)) return arena_strdup(a, json_string_value(v));
    if (json_is_integer(v)) return arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) return arena_printf(a, "%.15g", json_real_value(v));
    return NULL;
}

void o3_write_definition(o3w *w, const fb_category *c)
{
    arena *a = arena_new(1024);
    json_t *attrs = json_loads(c->attributes ? c->attributes : "[]", 0, NULL);
    o3_obj(w, NULL, "service_definition");
    o3_str(w, "service_code", c->code);
    o3_arr(w, "attributes", "attributes");
    size_t i;
    json_t *at;
    json_array_foreach(attrs, i, at)
    {
        o3_obj(w, NULL, "attribute");
        o3_bool(w, "variable", !json_is_false(json_object_get(at, "variable")));
        o3_str(w, "code", json_string_value(json_object_get(at, "code")));
        o3_str(w, "datatype", json_string_value(json_object_get(at, "datatype")));
        o3_bool(w, "required", json_is_true(json_object_get(at, "required")));
        o3_str(w, "datatype_description",
               json_string_value(json_object_get(at, "datatype_description")));
        json_t *order = json_object_get(at, "order");
        o3_int(w, "order", json_is_integer(order) ? json_integer_value(order) : (int64_t)i + 1);
        o3_str(w, "description", json_string_value(json_object_get(at, "description")));
        json_t *values = json_object_get(at, "values");
        if (json_is_array(values)) {
            o3_arr(w, "values", "values");
            size_t k;
            json_t *v;
            json_array_foreach(values, k, v)
            {
                o3_obj(w, NULL, "value");
                json_t *key = json_object_get(v, "key");
                if (json_is_string(key))
                    o3_str(w, "key", json_string_value(key));
                else
                    o3_num(w, "key", scalar_text(a, key));
                o3_str(w, "name", json_string_value(json_object_get(v, "name")));
                o3_obj_end(w);
            }
            o3_arr_end(w);
        }
        o3_obj_end(w);
    }
    o3_arr_end(w);
    o3_obj_end(w);
    json_decref(attrs);
    arena_free(a);
}

/* ---- attributes of a POST -----------------------------------------------------------------------
 */

static bool value_is_key(json_t *values, const char *v)
{
    arena *a = arena_new(256);
    bool yes = false;
    size_t k;
    json_t *it;
    json_array_foreach(values, k, it)
    {
        const char *key = scalar_text(a, json_object_get(it, "key"));
        if (key && !strcmp(key, v)) {
            yes = true;
            break;
        }
    }
    arena_free(a);
    return yes;
}

bool o3_check_attributes(arena *a, const fb_category *c, const char *const *codes,
                         const char *const *values, int n, json_t **attrs, const char **why)
{
    *why = NULL;
    *attrs = json_object();
    json_t *def = json_loads(c->attributes ? c->attributes : "[]", 0, NULL);
    if (!json_is_array(def)) {
        json_decref(def);
        def = json_array();
    }
    for (int i = 0; i < n && !*why; i++) {
        json_t *at = NULL, *it;
        size_t k;
        json_array_foreach(def, k, it)
        {
            const char *code = json_string_value(json_object_get(it, "code"));
            if (code && !strcmp(code, codes[i]) &&
                !json_is_false(json_object_get(it, "variable"))) {
                at = it;
                break;
            }
        }
        if (!at) {
            *why = arena_printf(a, "Service %s has no attribute %s.", c->code, codes[i]);
            break;
        }
        const char *type = json_string_value(json_object_get(at, "datatype"));
        const char *v = values[i];
        json_t *have = json_object_get(*attrs, codes[i]);
        if (type && !strcmp(type, "multivaluelist")) {
            if (!value_is_key(json_object_get(at, "values"), v)) {
                *why = arena_printf(a, "attribute[%s]: %s is not one of its values.", codes[i], v);
                break;
            }
            if (!have) {
                have = json_array();
                json_object_set_new(*attrs, codes[i], have);
            }
            json_array_append_new(have, json_string(v));
            continue;
        }
        if (have) {
            *why = arena_printf(a, "attribute[%s] takes one value.", codes[i]);
            break;
        }
        if (type && !strcmp(type, "singlevaluelist")) {
            if (!value_is_key(json_object_get(at, "values"), v))
                *why = arena_printf(a, "attribute[%s]: %s is not one of its values.", codes[i], v);
            else
                json_object_set_new(*attrs, codes[i], json_string(v));
        } else if (type && !strcmp(type, "number")) {
            double d;
            char *end;
            d = strtod(v, &end);
            if (*end || end == v || !isfinite(d))
                *why = arena_printf(a, "attribute[%s] must be a number.", codes[i]);
            else
                json_object_set_new(*attrs, codes[i], json_real(d));
        } else if (type && !strcmp(type, "datetime")) {
            int64_t t;
            if (!o3_parse_time(v, &t))
                *why = arena_printf(a,
                                    "attribute[%s] must be an ISO 8601 date-time with a "
                                    "time zone.",
                                    codes[i]);
            else
                json_object_set_new(*attrs, codes[i], json_string(v));
        } else {
            if (text_utf8_chars(v, strlen(v)) > O3_ATTR_TEXT_MAX)
                *why = arena_printf(a, "attribute[%s] is longer than %d characters.", codes[i],
                                    O3_ATTR_TEXT_MAX);
            else
                json_object_set_new(*attrs, codes[i], json_string(v));
        }
    }
    size_t k;
    json_t *it;
    json_array_foreach(def, k, it)
    {
        if (*why) break;
        const char *code = json_string_value(json_object_get(it, "code"));
        if (code && json_is_true(json_object_get(it, "required")) &&
            !json_is_false(json_object_get(it, "variable")) && !json_object_get(*attrs, code))
            *why = arena_printf(a, "attribute[%s] is required for service %s.", code, c->code);
    }
    json_decref(def);
    if (*why) {
        json_decref(*attrs);
        *attrs = NULL;
        return false;
    }
    return true;
}

/* ---- requests ------------------------------------------------------------------------------- */

const char *o3_status_notes(arena *a, const fb_report *r, int lang)
{
    char buf[256];
    switch (r->status) {
    case FS_REJECTED:
        return r->reason;
    case FS_ANSWERED:
    case FS_CLOSED:
        return r->answer;
    case FS_MERGED:
        if (!r->merged_into) return NULL;
        ts_msg_render(buf, sizeof buf, M_FB_O311_MERGED, r->merged_into, lang);
        return arena_strdup(a, buf);
    default:
        return NULL;
    }
}

const char *o3_notice(arena *a, const fb_category *c, int lang)
{
    char buf[400], days[16];
    snprintf(days, sizeof days, "%d", c->deadline_days);
    ts_msg_render(buf, sizeof buf, M_FB_O311_NOTICE, days, lang);
    return arena_strdup(a, buf);
}

static const fb_category *category_of(const o3_ctx *c, const char *code)
{
    for (int i = 0; i < c->ncats; i++)
        if (!strcmp(c->cats[i].code, code)) return &c->cats[i];
    return NULL;
}

/* An ISO UTC timestamp of the database ("…Z") as the province's time. */
static const char *iso_local(arena *a, const char *iso)
{
    int64_t t;
    char b[40];
    if (!iso || !time_parse_epoch(iso, &t)) return NULL;
    return arena_strdup(a, o3_format_time(t, b, sizeof b));
}

static const char *coord(arena *a, double v)
{
    return arena_printf(a, "%.6f", v);
}

void o3_write_request(o3w *w, const o3_ctx *c, const fb_report *r)
{
    arena *a = arena_new(1024);
    const fb_category *cat = category_of(c, r->category);
    char b[40];
    o3_obj(w, NULL, "request");
    o3_str(w, "service_request_id", r->code);
    o3_str(w, "status", feedback_status_open(r->status) ? "open" : "closed");
    o3_str(w, "status_notes", o3_status_notes(a, r, c->lang));
    o3_str(w, "service_name",
           cat ? (c->lang && cat->name_en ? cat->name_en : cat->name) : r->category);
    o3_str(w, "service_code", r->category);
    o3_str(w, "description", r->description);
    o3_str(w, "agency_responsible", r->agency_name);
    o3_str(w, "service_notice", cat ? o3_notice(a, cat, c->lang) : NULL);
    o3_str(w, "requested_datetime", iso_local(a, r->created_at));
    o3_str(w, "updated_datetime", iso_local(a, r->updated_at));
    o3_str(w, "expected_datetime",
           r->due_at ? o3_format_time((r->due_at * 60) - PROVINCE_OFFSET_S, b, sizeof b) : NULL);
    o3_str(w, "address", r->address);
    o3_str(w, "address_id", NULL); /* tinhso keeps no address register */
    o3_str(w, "zipcode", NULL);
    o3_num(w, "lat", r->has_point ? coord(a, r->lat) : NULL);
    o3_num(w, "long", r->has_point ? coord(a, r->lon) : NULL);
    o3_str(w, "media_url",
           r->first_photo ? arena_printf(a, "%s/api/v1/public/feedback/%s/photos/%d", c->public_url,
                                         r->code, r->first_photo)
                          : NULL);
    o3_obj_end(w);
    arena_free(a);
}

/* ---- date-times --------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool o3_parse_time(const char *s, int64_t *epoch)
{
    int y, mo, d, hh, mi, ss = 0;
    if (!s || strlen(s) < 17) return false;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &hh) || s[13] != ':' ||
        !digits(s + 14, 2, &mi))
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &ss)) return false;
        p += 3;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9') return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || hh > 23 || mi > 59 || ss > 59)
        return false;
    int off = 0;
    if (*p == 'Z' && !p[1]) {
        off = 0;
    } else if ((*p == '+' || *p == '-' || *p == ' ') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 14 || om > 59) return false;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
    } else {
        return false;
    }
    *epoch = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
    return true;
}

const char *o3_format_time(int64_t epoch, char *buf, size_t cap)
{
    time_t t = (time_t)(epoch + PROVINCE_OFFSET_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02u+07:00",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u);
    return buf;
}
