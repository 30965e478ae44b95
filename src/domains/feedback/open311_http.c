/*
 * open311_http — the doors of Open311 GeoReport v2 at /open311/v2/:
 * discovery, services, a service's definition, filing a request (form
 * body, api_key), the requests with the spec's filters, one request, a
 * token. The format is the suffix (.json, .xml; anything else 404); every
 * error is Open311's array of {code, description}, in English. Joined to
 * the feedback domain's route table by FEEDBACK_OPEN311_ROUTES.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http/server.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../lib/validate.h"
#include "../../platform/identity.h"
#include "../agencies/agencies.h"
#include "feedback_http.h"
#include "open311.h"

/* ---- answers ------------------------------------------------------------------------------- */

static ts_code send_doc(http_req *r, o3w *w, int status)
{
    if (!o3_ok(w)) { /* XML refused a text: an error rather than a broken document */
        o3_release(w);
        ts_err_set(&r->err, TS_EINTERNAL, M_INTERNAL, NULL);
        ts_err_debug(&r->err, "open311: the XML writer refused a name or a text");
        return TS_EINTERNAL;
    }
    size_t n;
    char *s = o3_take(w, &n);
    arena_cleanup_add(r->a, free, s);
    return http_reply(r, status, o3_ctype(w->f), s, n);
}

static ts_code fail(http_req *r, o3_format f, int status, const char *description)
{
    o3w w;
    o3_begin(&w, f);
    o3_errors(&w, status, description);
    return send_doc(r, &w, status);
}

/* Open311's name of a tinhso field. */
static const char *o3_field(const char *f)
{
    if (!strcmp(f, "lon")) return "long";
    if (!strcmp(f, "category")) return "service_code";
    if (!strcmp(f, "address")) return "address_string";
    if (!strcmp(f, "code")) return "service_request_id";
    return f;
}

/* A domain call's failure as Open311's error: 404 not found, 403 refused
 * keys, 429 throttled, 400 the rest; the description is the message's
 * English text, after the field it names. A 5xx (the database failed) is
 * returned to the server, which answers and logs it as problem+json. */
static ts_code fail_err(http_req *r, o3_format f, const ts_err *e)
{
    int status = ts_code_http_status(e->code);
    if (e->code == TS_ENOTFOUND)
        status = 404;
    else if (e->code == TS_EFORBIDDEN || e->code == TS_EUNAUTH)
        status = 403;
    else if (e->code == TS_ERATELIMIT)
        status = 429;
    else if (status < 500)
        status = 400;
    /* the server's own failure: its problem+json, logged like any other */
    if (status >= 500) return e->code;
    char msg[400];
    if (e->nfields) {
        char m[300];
        ts_msg_render(m, sizeof m, e->fields[0].msg, e->fields[0].arg[0] ? e->fields[0].arg : NULL,
                      1);
        snprintf(msg, sizeof msg, "%s: %s", o3_field(e->fields[0].field), m);
    } else if (e->msg) {
        ts_msg_render(msg, sizeof msg, e->msg, e->arg[0] ? e->arg : NULL, 1);
    } else {
        snprintf(msg, sizeof msg, "%s", ts_code_title(e->code, 1));
    }
    return fail(r, f, status, msg);
}

/* The format of the path's suffix; false after answering 404. */
static bool format_of(http_req *r, o3_format *f)
{
    if (o3_format_parse(http_param(r, "format"), f)) return true;
    *f = O3_JSON;
    fail(r, O3_JSON, 404, "Unknown format: use .json or .xml.");
    return false;
}

static o3_ctx record_ctx(http_req *r, ts_ctx *x, ts_code *rc)
{
    o3_ctx c = {.public_url = r->cfg->public_url, .lang = r->lang};
    *rc = feedback_categories(x, true, &c.cats, &c.ncats);
    return c;
}

/* ---- discovery and services ------------------------------------------------------------------ */

ts_code open311_h_discovery(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    fb_settings st;
    if (feedback_settings(x, &st) != TS_OK) return fail_err(r, f, x->err);
    agency ag = {0};
    const char *contact = r->cfg->public_url;
    if (st.intake_agency && agencies_find(x, st.intake_agency, &ag) == TS_OK)
        contact = arena_printf(r->a, "%s — %s", ag.name, r->cfg->public_url);
    o3w w;
    o3_begin(&w, f);
    o3_obj(&w, NULL, "discovery");
    o3_str(&w, "changeset", O3_CHANGESET);
    o3_str(&w, "contact", contact);
    o3_str(&w, "key_service",
           "api_key: a tinhso API token made for the purpose \"open311\"; the province's system "
           "administrators issue them (see /api/v1/openapi.json, POST /api/v1/tokens).");
    o3_arr(&w, "endpoints", "endpoints");
    o3_obj(&w, NULL, "endpoint");
    o3_str(&w, "specification", O3_SPEC);
    o3_str(&w, "url", arena_printf(r->a, "%s/open311/v2", r->cfg->public_url));
    o3_str(&w, "changeset", O3_CHANGESET);
    o3_str(&w, "type", "production");
    o3_arr(&w, "formats", "formats");
    o3_item_str(&w, "format", "text/xml");
    o3_item_str(&w, "format", "application/json");
    o3_arr_end(&w);
    o3_obj_end(&w);
    o3_arr_end(&w);
    o3_obj_end(&w);
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return send_doc(r, &w, 200);
}

ts_code open311_h_services(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    fb_category *items;
    int n;
    if (feedback_categories(x, false, &items, &n) != TS_OK) return fail_err(r, f, x->err);
    o3w w;
    o3_begin(&w, f);
    o3_arr(&w, NULL, "services");
    for (int i = 0; i < n; i++)
        o3_write_service(&w, &items[i], r->lang);
    o3_arr_end(&w);
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return send_doc(r, &w, 200);
}

/* The active category code names (*ok); else the 404 answered, or the
 * database's failure returned. */
static ts_code service_of(http_req *r, ts_ctx *x, o3_format f, const char *code, fb_category *c,
                          bool *ok)
{
    *ok = false;
    ts_code rc = code && strlen(code) <= 40 ? feedback_category(x, code, c) : TS_ENOTFOUND;
    if (rc == TS_OK && c->active) {
        *ok = true;
        return TS_OK;
    }
    if (rc == TS_OK || rc == TS_ENOTFOUND)
        return fail(r, f, 404, arena_printf(r->a, "service_code %s not found.", code ? code : ""));
    return fail_err(r, f, x->err);
}

ts_code open311_h_definition(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    fb_category c;
    bool ok;
    TS_TRY(service_of(r, x, f, http_param(r, "service_code"), &c, &ok));
    if (!ok) return TS_OK;
    o3w w;
    o3_begin(&w, f);
    o3_write_definition(&w, &c);
    http_add_header(r, "Cache-Control", "public, max-age=300");
    return send_doc(r, &w, 200);
}

/* ---- filing a request ------------------------------------------------------------------------ */

/* A form value trimmed and in NFC (NULL when absent or blank). */
static const char *form_text(http_req *r, const char *name)
{
    const char *v = http_form(r, name);
    if (!v) return NULL;
    size_t n = strlen(v);
    const char *t = text_trim(v, &n);
    return n ? text_nfc(r->a, t, n) : NULL;
}

static bool too_long(const char *v, size_t max)
{
    return v && text_utf8_chars(v, strlen(v)) > max;
}

/* The report's title: the description's first line, at most 100
 * characters, or the service's name. */
static const char *title_of(arena *a, const char *description, const fb_category *c)
{
    if (!description) return c->name;
    size_t n = strcspn(description, "\r\n"), chars = 0, i = 0;
    while (i < n && chars < 100) {
        unsigned char b = (unsigned char)description[i];
        i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        chars++;
    }
    if (i > n) i = n;
    if (!i) return c->name;
    return i < n ? arena_printf(a, "%.*s…", (int)i, description) : arena_strndup(a, description, i);
}

ts_code open311_h_post(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    if (http_form_read(r) != TS_OK) return fail_err(r, f, &r->err);
    ident_principal key;
    if (http_api_key(r, http_form(r, "api_key"), IDENT_PURPOSE_OPEN311, &key) != TS_OK) {
        if (r->err.code == TS_ERATELIMIT) return fail_err(r, f, &r->err);
        if (r->err.code != TS_EFORBIDDEN) return fail_err(r, f, &r->err);
        char m[300];
        ts_msg_render(m, sizeof m, r->err.msg, r->err.arg[0] ? r->err.arg : NULL, 1);
        return fail(r, f, 403, arena_printf(r->a, "Invalid api_key: %s", m));
    }
    const char *code = form_text(r, "service_code");
    if (!code) return fail(r, f, 400, "service_code is required.");
    fb_category c;
    bool ok;
    TS_TRY(service_of(r, x, f, code, &c, &ok));
    if (!ok) return TS_OK;

    fb_new in = {.category = c.code, .channel = "open311", .client = key.token_name};
    /* the location: lat and long, address_string or address_id */
    const char *lat = form_text(r, "lat"), *lon = form_text(r, "long");
    const char *address = form_text(r, "address_string"), *address_id = form_text(r, "address_id");
    if (lat || lon) {
        if (!lat || !lon) return fail(r, f, 400, "lat and long must be given together.");
        if (!fb_parse_double(lat, &in.lat) || in.lat < -90 || in.lat > 90)
            return fail(r, f, 400, "lat must be a number between -90 and 90.");
        if (!fb_parse_double(lon, &in.lon) || in.lon < -180 || in.lon > 180)
            return fail(r, f, 400, "long must be a number between -180 and 180.");
        in.has_point = true;
    }
    if (!in.has_point && !address && !address_id)
        return fail(r, f, 400,
                    "A location is required: lat and long, address_string or address_id.");
    if (too_long(address, 300))
        return fail(r, f, 400, "address_string is longer than 300 characters.");
    if (too_long(address_id, 100))
        return fail(r, f, 400, "address_id is longer than 100 characters.");
    in.address = address;
    /* the text and the person the client names */
    in.description = form_text(r, "description");
    if (too_long(in.description, FB_DESCRIPTION_MAX))
        return fail(r, f, 400, "description is longer than 4000 characters.");
    in.title = title_of(r->a, in.description, &c);
    if (!in.description) in.description = "";
    in.email = form_text(r, "email");
    if (in.email && (too_long(in.email, 254) || !v_email(in.email)))
        return fail(r, f, 400, "email is not a valid e-mail address.");
    in.phone = form_text(r, "phone");
    if (in.phone && (too_long(in.phone, 20) || !v_phone(in.phone)))
        return fail(r, f, 400, "phone is not a valid phone number.");
    const char *first = form_text(r, "first_name"), *last = form_text(r, "last_name");
    if (too_long(first, 100) || too_long(last, 100))
        return fail(r, f, 400, "first_name and last_name are at most 100 characters each.");
    if (first || last)
        in.name = arena_printf(r->a, "%s%s%s", first ? first : "", first && last ? " " : "",
                               last ? last : "");
    const char *device = form_text(r, "device_id"), *account = form_text(r, "account_id");
    if (too_long(device, 100) || too_long(account, 100))
        return fail(r, f, 400, "device_id and account_id are at most 100 characters each.");
    in.media_url = form_text(r, "media_url");
    if (in.media_url && (too_long(in.media_url, 2000) || strncmp(in.media_url, "https://", 8) ||
                         !v_url(in.media_url)))
        return fail(r, f, 400, "media_url must be an https:// URL.");
    /* attribute[CODE] against the service definition */
    const char *codes[HTTP_FORM_MAX_PAIRS], *values[HTTP_FORM_MAX_PAIRS];
    int na = 0, it = 0;
    while (na < HTTP_FORM_MAX_PAIRS && http_form_next(r, "attribute", &it, &codes[na], &values[na]))
        na++;
    json_t *attrs;
    const char *why;
    if (!o3_check_attributes(r->a, &c, codes, values, na, &attrs, &why))
        return fail(r, f, 400, why);
    /* what the client said that tinhso has no column for */
    json_t *extra = json_object();
    if (in.media_url) json_object_set_new(extra, "media_url", json_string(in.media_url));
    if (address_id) json_object_set_new(extra, "address_id", json_string(address_id));
    if (device) json_object_set_new(extra, "device_id", json_string(device));
    if (account) json_object_set_new(extra, "account_id", json_string(account));
    if (json_object_size(extra)) json_object_set(attrs, "_open311", extra);
    json_decref(extra);
    if (json_object_size(attrs)) {
        char *s = json_dumps(attrs, JSON_COMPACT);
        in.attrs = s ? arena_strdup(r->a, s) : NULL;
        free(s);
    }
    json_decref(attrs);
    /* filed as from the person named, by the client's key: no account of
     * the key's owner, but the key in the audit trail */
    x->actor = ident_actor(r->a, &key);
    fb_view v;
    if (feedback_submit(x, &in, &v) != TS_OK) return fail_err(r, f, x->err);
    o3w w;
    o3_begin(&w, f);
    o3_arr(&w, NULL, "service_requests");
    o3_obj(&w, NULL, "request");
    o3_str(&w, "service_request_id", v.r.code);
    o3_str(&w, "service_notice", o3_notice(r->a, &c, r->lang));
    o3_str(&w, "account_id", NULL);
    o3_obj_end(&w);
    o3_arr_end(&w);
    return send_doc(r, &w, 200);
}

/* ---- reading requests -------------------------------------------------------------------------
 */

static ts_code reply_records(http_req *r, ts_ctx *x, o3_format f, const fb_list *l)
{
    ts_code rc;
    o3_ctx c = record_ctx(r, x, &rc);
    if (rc != TS_OK) return fail_err(r, f, x->err);
    o3w w;
    o3_begin(&w, f);
    o3_arr(&w, NULL, "service_requests");
    for (int i = 0; i < l->n; i++)
        o3_write_request(&w, &c, &l->items[i]);
    o3_arr_end(&w);
    http_add_header(r, "Cache-Control", "public, max-age=30");
    return send_doc(r, &w, 200);
}

/* A positive integer query parameter (def when absent); false when bad. */
static bool qint(http_req *r, const char *name, int64_t def, int64_t max, int64_t *out)
{
    const char *v = http_query(r, name);
    *out = def;
    if (!v) return true;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || end == v || n < 1 || n > max) return false;
    *out = n;
    return true;
}

static const char *iso_utc(arena *a, int64_t epoch)
{
    char b[40];
    time_iso_us(epoch * 1000000, b, sizeof b);
    return arena_strdup(a, b);
}

ts_code open311_h_requests(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    fb_query q = {.open311 = true, .order = "newest"};
    int64_t page, size;
    if (!qint(r, "page_size", O3_PAGE_SIZE_MAX, O3_PAGE_SIZE_MAX, &size))
        return fail(r, f, 400, "page_size must be a whole number from 1 to 1000.");
    if (!qint(r, "page", 1, 1000000, &page))
        return fail(r, f, 400, "page must be a whole number from 1.");
    q.limit = size;
    q.offset = (page - 1) * size;
    const char *ids = http_query(r, "service_request_id");
    if (ids) { /* the ids override every other filter */
        q.ids = ids;
    } else {
        q.category = http_query(r, "service_code");
        const char *status = http_query(r, "status");
        if (status) {
            char *dup = arena_strdup(r->a, status), *save = NULL;
            for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ')
                    t++;
                if (strcmp(t, "open") && strcmp(t, "closed"))
                    return fail(r, f, 400,
                                "status must be open, closed or both (comma-separated).");
            }
            q.status = status;
        }
        const char *sd = http_query(r, "start_date"), *ed = http_query(r, "end_date");
        int64_t start = 0, end = 0, window = (int64_t)O3_WINDOW_DAYS * 86400;
        if (sd && !o3_parse_time(sd, &start))
            return fail(r, f, 400,
                        "start_date must be an ISO 8601 date-time with a time zone, "
                        "e.g. 2026-12-01T08:00:00+07:00.");
        if (ed && !o3_parse_time(ed, &end))
            return fail(r, f, 400,
                        "end_date must be an ISO 8601 date-time with a time zone, "
                        "e.g. 2026-12-31T17:00:00+07:00.");
        if (sd && ed) {
            if (start > end) return fail(r, f, 400, "start_date must not be after end_date.");
            if (end - start > window)
                return fail(r, f, 400, "The date range may not span more than 90 days.");
        } else if (sd) {
            end = start + window;
        } else {
            if (!ed) end = x->now_us / 1000000;
            start = end - window;
        }
        const char *lat = http_query(r, "lat"), *lon = http_query(r, "long");
        if (lat || lon) { /* the extension lat, long, radius (metres) */
            if (!lat || !lon) return fail(r, f, 400, "lat and long must be given together.");
            if (!fb_parse_double(lat, &q.clat) || q.clat < -90 || q.clat > 90)
                return fail(r, f, 400, "lat must be a number between -90 and 90.");
            if (!fb_parse_double(lon, &q.clon) || q.clon < -180 || q.clon > 180)
                return fail(r, f, 400, "long must be a number between -180 and 180.");
            int64_t radius;
            if (!qint(r, "radius", O3_RADIUS_DEFAULT, O3_RADIUS_MAX, &radius))
                return fail(r, f, 400, "radius must be a whole number of metres from 1 to 50000.");
            q.has_circle = true;
            q.radius_m = (int)radius;
        } else if (http_query(r, "radius")) {
            return fail(r, f, 400, "radius needs lat and long.");
        }
        q.created_from = iso_utc(r->a, start);
        q.created_to = iso_utc(r->a, end + 1); /* end_date is included */
    }
    fb_list l;
    if (feedback_list(x, &q, &l) != TS_OK) return fail_err(r, f, x->err);
    return reply_records(r, x, f, &l);
}

ts_code open311_h_request(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    const char *id = http_param(r, "service_request_id");
    fb_list l = {0};
    if (fb_code_valid(id)) {
        fb_query q = {.open311 = true, .ids = id, .limit = 1};
        if (feedback_list(x, &q, &l) != TS_OK) return fail_err(r, f, x->err);
    }
    if (!l.n) return fail(r, f, 404, arena_printf(r->a, "service_request_id %s not found.", id));
    return reply_records(r, x, f, &l);
}

ts_code open311_h_token(http_req *r, ts_ctx *x)
{
    o3_format f;
    if (!format_of(r, &f)) return TS_OK;
    const char *token = http_param(r, "token"), *code;
    ts_code rc = feedback_code_of_token(x, token, &code);
    if (rc == TS_ENOTFOUND)
        return fail(r, f, 404, arena_printf(r->a, "token %s not found.", token));
    if (rc != TS_OK) return fail_err(r, f, x->err);
    o3w w;
    o3_begin(&w, f);
    o3_arr(&w, NULL, "service_requests");
    o3_obj(&w, NULL, "request");
    o3_str(&w, "service_request_id", code);
    o3_str(&w, "token", token);
    o3_obj_end(&w);
    o3_arr_end(&w);
    return send_doc(r, &w, 200);
}
