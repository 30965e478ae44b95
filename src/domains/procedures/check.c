/*
 * check — a procedure document, member by member: shape, enumerations,
 * lengths, the rules between members (a case without a processing time, a
 * fee with both an amount and a rule, steps whose shares do not add up to
 * 100, a commune-level procedure naming one agency), and the agencies it
 * names. The checked document is rebuilt in one fixed member order: the
 * canonical form stored, compared on import and served.
 */
#include <stdio.h>
#include <string.h>

#include "../../lib/fieldcheck.h"
#include "../../lib/text.h"
#include "../../lib/validate.h"
#include "../agencies/agencies.h"
#include "../files/files.h"
#include "procedures.h"

const char *const proc_levels[] = {"province", "commune", NULL};
const char *const proc_service_levels[] = {"toan_trinh", "mot_phan", NULL};
static const char *const channels[] = {"online", "counter", "post", NULL};
static const char *const units[] = {"working_days", "working_hours", "days", NULL};
static const char *const fee_kinds[] = {"fee", "charge", NULL};
static const char *const forms[] = {"original", "copy", "either", NULL};
static const char *const step_roles[] = {"officer", "leader", NULL};

#define NAME_MAX_CHARS 500
#define LONG_MAX_CHARS 1000
#define REF_MAX_CHARS 300
#define LIST_MAX 100

bool procedures_code_valid(const char *s)
{
    /* D.DDDDDD, optionally .XNN (a province's own procedures) */
    if (!s || strlen(s) < 8) return false;
    if (!(s[0] >= '0' && s[0] <= '9') || s[1] != '.') return false;
    for (int i = 2; i < 8; i++)
        if (!(s[i] >= '0' && s[i] <= '9')) return false;
    if (!s[8]) return true;
    return s[8] == '.' && s[9] >= 'A' && s[9] <= 'Z' && s[10] >= '0' && s[10] <= '9' &&
           s[11] >= '0' && s[11] <= '9' && !s[12];
}

typedef struct chk {
    ts_ctx *x;
    ts_err *err;
} chk;

static const char *path(chk *c, const char *base, const char *m)
{
    return *base ? arena_printf(c->x->a, "%s.%s", base, m) : m;
}

static const char *item(chk *c, const char *base, const char *m, size_t i)
{
    return *base ? arena_printf(c->x->a, "%s.%s[%zu]", base, m, i)
                 : arena_printf(c->x->a, "%s[%zu]", m, i);
}

static void bad(chk *c, const char *field, ts_msg m, const char *arg)
{
    ts_err_field(c->err, TS_EVALIDATION, field, m, arg);
}

/* obj is an object whose members are all in allowed; false (named) otherwise. */
static bool object(chk *c, const json_t *obj, const char *at, const char *const allowed[])
{
    if (!json_is_object(obj)) {
        bad(c, *at ? at : "body", M_FIELD_TYPE_OBJECT, NULL);
        return false;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++)
            known = !strcmp(k, allowed[i]);
        if (!known) bad(c, path(c, at, k), M_FIELD_UNKNOWN, NULL);
    }
    return true;
}

/* A text member (trimmed, NFC) copied into out; NULL when absent/null. */
static const char *text(chk *c, const json_t *obj, json_t *out, const char *at, const char *key,
                        bool required, size_t max)
{
    const json_t *v = json_object_get(obj, key);
    const char *f = path(c, at, key);
    if (!v || json_is_null(v)) {
        if (required) bad(c, f, M_FIELD_REQUIRED, NULL);
        if (out) json_object_set_new(out, key, json_null());
        return NULL;
    }
    if (!json_is_string(v)) {
        bad(c, f, M_FIELD_TYPE_STRING, NULL);
        return NULL;
    }
    size_t len = json_string_length(v);
    const char *s = text_trim(json_string_value(v), &len);
    if (!text_utf8_valid(s, len)) {
        bad(c, f, M_FIELD_UTF8, NULL);
        return NULL;
    }
    const char *n = text_nfc(c->x->a, s, len);
    if (!n) {
        bad(c, f, M_FIELD_UTF8, NULL);
        return NULL;
    }
    fc_text(f, n, max, c->err);
    if (out) json_object_set_new(out, key, json_string(n));
    return n;
}

static const char *choice(chk *c, const json_t *obj, json_t *out, const char *at, const char *key,
                          const char *const allowed[])
{
    const char *s = text(c, obj, NULL, at, key, true, 40);
    if (!s) return NULL;
    for (int i = 0; allowed[i]; i++)
        if (!strcmp(s, allowed[i])) {
            json_object_set_new(out, key, json_string(allowed[i]));
            return allowed[i];
        }
    char list[200] = "";
    for (int i = 0; allowed[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 allowed[i]);
    bad(c, path(c, at, key), M_FIELD_ENUM, arena_strdup(c->x->a, list));
    return NULL;
}

static bool integer(chk *c, const json_t *obj, json_t *out, const char *at, const char *key,
                    json_int_t lo, json_int_t hi, bool required, json_int_t *val)
{
    const json_t *v = json_object_get(obj, key);
    const char *f = path(c, at, key);
    if (!v || json_is_null(v)) {
        if (required) bad(c, f, M_FIELD_REQUIRED, NULL);
        return false;
    }
    if (!json_is_integer(v)) {
        bad(c, f, M_FIELD_TYPE_INTEGER, NULL);
        return false;
    }
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) {
        bad(c, f, M_FIELD_RANGE, arena_printf(c->x->a, "%lld–%lld", (long long)lo, (long long)hi));
        return false;
    }
    if (out) json_object_set_new(out, key, json_integer(n));
    if (val) *val = n;
    return true;
}

static bool boolean(chk *c, const json_t *obj, json_t *out, const char *at, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v && !json_is_boolean(v)) bad(c, path(c, at, key), M_FIELD_TYPE_BOOL, NULL);
    bool b = v && json_is_true(v);
    json_object_set_new(out, key, json_boolean(b));
    return b;
}

/* An array member of at most max items (required: at least min). */
static const json_t *array(chk *c, const json_t *obj, const char *at, const char *key, size_t min,
                           size_t max)
{
    const json_t *v = json_object_get(obj, key);
    const char *f = path(c, at, key);
    if (!v || json_is_null(v)) {
        if (min) bad(c, f, M_FIELD_REQUIRED, NULL);
        return NULL;
    }
    if (!json_is_array(v)) {
        bad(c, f, M_FIELD_TYPE_ARRAY, NULL);
        return NULL;
    }
    size_t n = json_array_size(v);
    if (n > max) {
        bad(c, f, M_FIELD_RANGE, arena_printf(c->x->a, "≤ %zu", max));
        return NULL;
    }
    return v;
}

static const char *date(chk *c, const json_t *obj, json_t *out, const char *at, const char *key,
                        bool required)
{
    const char *s = text(c, obj, NULL, at, key, required, 10);
    if (!s) {
        json_object_set_new(out, key, json_null());
        return NULL;
    }
    if (!v_date(s)) {
        bad(c, path(c, at, key), M_FIELD_FORMAT, "YYYY-MM-DD");
        return NULL;
    }
    json_object_set_new(out, key, json_string(s));
    return s;
}

/* c's context with its own error: a look-up whose "not found" is a finding
 * of the check, not the request's failure. */
static ts_ctx quiet(chk *c, ts_err *scratch)
{
    ts_err_clear(scratch);
    ts_ctx y = *c->x;
    y.err = scratch;
    return y;
}

static void agency_ref(chk *c, const char *field, const char *code)
{
    agency g;
    if (!agencies_code_valid(code)) {
        bad(c, field, M_AGENCY_CODE_FORMAT, NULL);
        return;
    }
    ts_err scratch;
    ts_ctx y = quiet(c, &scratch);
    ts_code rc = agencies_find(&y, code, &g);
    if (rc == TS_ENOTFOUND)
        bad(c, field, M_AGENCY_NOT_FOUND, code);
    else if (rc != TS_OK)
        *c->err = scratch; /* the database failed: that is the answer */
}

/* A component's template: an uploaded file (POST /api/v1/templates) named
 * by its SHA-256, as the text or as the object a procedure's answer gives
 * ({sha256, ...}: the rest is the store's, not the document's). The
 * canonical document keeps what a reader needs to download it. */
static json_t *template_ref(chk *c, const json_t *p, const char *at)
{
    const json_t *v = json_object_get(p, "template");
    const char *f = path(c, at, "template");
    if (json_is_object(v)) v = json_object_get(v, "sha256");
    if (!v || json_is_null(v)) return json_null();
    const char *sha = json_string_value(v);
    if (!files_sha256_valid(sha)) {
        bad(c, f, M_FIELD_FORMAT, "SHA-256 (64 hex)");
        return json_null();
    }
    ts_err scratch;
    ts_ctx y = quiet(c, &scratch);
    file_info fi;
    ts_code rc = files_get(&y, sha, FILE_TEMPLATE, &fi, NULL);
    if (rc == TS_ENOTFOUND) {
        bad(c, f, M_FILE_NOT_FOUND, sha);
        return json_null();
    }
    if (rc != TS_OK) {
        *c->err = scratch;
        return json_null();
    }
    return json_pack("{s:s,s:s,s:s,s:I}", "sha256", fi.sha256, "filename", fi.filename,
                     "media_type", fi.media_type, "size", (json_int_t)fi.size);
}

static json_t *check_time(chk *c, const json_t *t, const char *at)
{
    static const char *const m[] = {"channel", "unit", "amount", "same_day", NULL};
    json_t *o = json_object();
    if (!object(c, t, at, m)) return o;
    choice(c, t, o, at, "channel", channels);
    choice(c, t, o, at, "unit", units);
    integer(c, t, o, at, "amount", 1, 3650, true, NULL);
    boolean(c, t, o, at, "same_day");
    return o;
}

static json_t *check_fee(chk *c, const json_t *f, const char *at)
{
    static const char *const m[] = {"name", "kind", "amount_vnd", "rule", "ref", NULL};
    json_t *o = json_object();
    if (!object(c, f, at, m)) return o;
    text(c, f, o, at, "name", true, NAME_MAX_CHARS);
    choice(c, f, o, at, "kind", fee_kinds);
    bool has_amount =
        json_object_get(f, "amount_vnd") && !json_is_null(json_object_get(f, "amount_vnd"));
    bool has_rule = json_object_get(f, "rule") && !json_is_null(json_object_get(f, "rule"));
    if (has_amount == has_rule) bad(c, path(c, at, "amount_vnd"), M_PROC_FEE_ONE, NULL);
    if (has_amount)
        integer(c, f, o, at, "amount_vnd", 0, 100000000000LL, true, NULL);
    else
        json_object_set_new(o, "amount_vnd", json_null());
    text(c, f, o, at, "rule", false, LONG_MAX_CHARS);
    text(c, f, o, at, "ref", false, REF_MAX_CHARS);
    return o;
}

static json_t *check_case(chk *c, const json_t *k, const char *at, bool *same_day)
{
    static const char *const m[] = {"name", "name_en", "times", "fees", NULL};
    json_t *o = json_object();
    if (!object(c, k, at, m)) return o;
    text(c, k, o, at, "name", true, NAME_MAX_CHARS);
    text(c, k, o, at, "name_en", false, NAME_MAX_CHARS);
    const json_t *times = array(c, k, at, "times", 0, 3);
    json_t *ot = json_array();
    if (!times || json_array_size(times) == 0) bad(c, path(c, at, "times"), M_PROC_NO_TIME, NULL);
    for (size_t i = 0; i < json_array_size(times); i++) {
        json_t *t = check_time(c, json_array_get(times, i), item(c, at, "times", i));
        *same_day |= json_is_true(json_object_get(t, "same_day"));
        json_array_append_new(ot, t);
    }
    json_object_set_new(o, "times", ot);
    const json_t *fees = array(c, k, at, "fees", 0, 20);
    json_t *of = json_array();
    for (size_t i = 0; i < json_array_size(fees); i++)
        json_array_append_new(of, check_fee(c, json_array_get(fees, i), item(c, at, "fees", i)));
    json_object_set_new(o, "fees", of);
    return o;
}

static json_t *check_component(chk *c, const json_t *p, const char *at)
{
    static const char *const m[] = {"name",     "form", "count", "required", "from_state_data",
                                    "template", NULL};
    json_t *o = json_object();
    if (!object(c, p, at, m)) return o;
    text(c, p, o, at, "name", true, LONG_MAX_CHARS);
    choice(c, p, o, at, "form", forms);
    if (!integer(c, p, o, at, "count", 1, 20, false, NULL))
        json_object_set_new(o, "count", json_integer(1));
    const json_t *req = json_object_get(p, "required");
    if (req && !json_is_boolean(req)) bad(c, path(c, at, "required"), M_FIELD_TYPE_BOOL, NULL);
    json_object_set_new(o, "required", json_boolean(!req || json_is_true(req)));
    boolean(c, p, o, at, "from_state_data");
    json_object_set_new(o, "template", template_ref(c, p, at));
    return o;
}

static json_t *check_legal(chk *c, const json_t *l, const char *at)
{
    static const char *const m[] = {"ref", "title", "date", NULL};
    json_t *o = json_object();
    if (!object(c, l, at, m)) return o;
    text(c, l, o, at, "ref", true, REF_MAX_CHARS);
    text(c, l, o, at, "title", false, LONG_MAX_CHARS);
    date(c, l, o, at, "date", false);
    return o;
}

static json_t *check_step(chk *c, const json_t *s, const char *at, json_int_t *share)
{
    static const char *const m[] = {"name", "name_en", "role", "agency", "share_percent", NULL};
    json_t *o = json_object();
    if (!object(c, s, at, m)) return o;
    text(c, s, o, at, "name", true, NAME_MAX_CHARS);
    text(c, s, o, at, "name_en", false, NAME_MAX_CHARS);
    choice(c, s, o, at, "role", step_roles);
    const char *ag = text(c, s, o, at, "agency", true, 40);
    if (ag && strcmp(ag, "receiving") && strcmp(ag, "implementing"))
        agency_ref(c, path(c, at, "agency"), ag);
    json_int_t p = 0;
    if (integer(c, s, o, at, "share_percent", 0, 100, true, &p)) *share += p;
    return o;
}

ts_code procedures_check(ts_ctx *x, const json_t *doc, json_t **canon, bool *same_day_out)
{
    static const char *const m[] = {"version",      "code",     "name",        "name_en",
                                    "field",        "field_en", "level",       "service_level",
                                    "legacy_level", "agency",   "receiving",   "cases",
                                    "components",   "results",  "legal_basis", "effective_from",
                                    "effective_to", "steps",    NULL};
    chk c = {x, x->err};
    *canon = NULL;
    json_t *o = json_object();
    if (!object(&c, doc, "", m)) {
        json_decref(o);
        return x->err->code;
    }
    const char *code = text(&c, doc, o, "", "code", true, 20);
    if (code && !procedures_code_valid(code)) bad(&c, "code", M_PROC_CODE, NULL);
    text(&c, doc, o, "", "name", true, NAME_MAX_CHARS);
    text(&c, doc, o, "", "name_en", false, NAME_MAX_CHARS);
    text(&c, doc, o, "", "field", true, 200);
    text(&c, doc, o, "", "field_en", false, 200);
    const char *level = choice(&c, doc, o, "", "level", proc_levels);
    choice(&c, doc, o, "", "service_level", proc_service_levels);
    json_int_t legacy = 0;
    if (integer(&c, doc, NULL, "", "legacy_level", 3, 4, false, &legacy))
        json_object_set_new(o, "legacy_level", json_integer(legacy));
    else
        json_object_set_new(o, "legacy_level", json_null());
    const char *ag = text(&c, doc, o, "", "agency", false, 40);
    if (ag) agency_ref(&c, "agency", ag);
    if (level && !strcmp(level, "commune") && ag) bad(&c, "agency", M_PROC_COMMUNE_AGENCY, NULL);
    const json_t *agv = json_object_get(doc, "agency");
    if (level && !strcmp(level, "province") && (!agv || json_is_null(agv)))
        bad(&c, "agency", M_PROC_PROVINCE_AGENCY, NULL);

    const json_t *recv = array(&c, doc, "", "receiving", 0, 20);
    json_t *orecv = json_array();
    for (size_t i = 0; i < json_array_size(recv); i++) {
        const json_t *v = json_array_get(recv, i);
        const char *f = item(&c, "", "receiving", i);
        if (!json_is_string(v))
            bad(&c, f, M_FIELD_TYPE_STRING, NULL);
        else {
            agency_ref(&c, f, json_string_value(v));
            json_array_append_new(orecv, json_string(json_string_value(v)));
        }
    }
    json_object_set_new(o, "receiving", orecv);

    const json_t *cases = array(&c, doc, "", "cases", 1, LIST_MAX);
    if (cases && !json_array_size(cases)) bad(&c, "cases", M_PROC_NO_CASE, NULL);
    json_t *ocases = json_array();
    bool same_day = false;
    for (size_t i = 0; i < json_array_size(cases); i++)
        json_array_append_new(
            ocases, check_case(&c, json_array_get(cases, i), item(&c, "", "cases", i), &same_day));
    json_object_set_new(o, "cases", ocases);

    const json_t *comps = array(&c, doc, "", "components", 0, LIST_MAX);
    json_t *ocomps = json_array();
    for (size_t i = 0; i < json_array_size(comps); i++)
        json_array_append_new(
            ocomps, check_component(&c, json_array_get(comps, i), item(&c, "", "components", i)));
    json_object_set_new(o, "components", ocomps);

    const json_t *res = array(&c, doc, "", "results", 0, 20);
    json_t *ores = json_array();
    for (size_t i = 0; i < json_array_size(res); i++) {
        const json_t *v = json_array_get(res, i);
        const char *f = item(&c, "", "results", i);
        if (!json_is_string(v)) {
            bad(&c, f, M_FIELD_TYPE_STRING, NULL);
            continue;
        }
        fc_text_required(f, json_string_value(v), LONG_MAX_CHARS, c.err);
        json_array_append_new(ores, json_string(json_string_value(v)));
    }
    json_object_set_new(o, "results", ores);

    const json_t *legal = array(&c, doc, "", "legal_basis", 0, LIST_MAX);
    json_t *olegal = json_array();
    for (size_t i = 0; i < json_array_size(legal); i++)
        json_array_append_new(
            olegal, check_legal(&c, json_array_get(legal, i), item(&c, "", "legal_basis", i)));
    json_object_set_new(o, "legal_basis", olegal);

    const char *from = date(&c, doc, o, "", "effective_from", true);
    const char *to = date(&c, doc, o, "", "effective_to", false);
    if (from && to && strcmp(to, from) <= 0) bad(&c, "effective_to", M_PROC_DATES, NULL);

    const json_t *steps = array(&c, doc, "", "steps", 0, 30);
    json_t *osteps = json_array();
    json_int_t share = 0;
    for (size_t i = 0; i < json_array_size(steps); i++)
        json_array_append_new(
            osteps, check_step(&c, json_array_get(steps, i), item(&c, "", "steps", i), &share));
    if (json_array_size(steps) && share != 100)
        bad(&c, "steps", M_PROC_SHARES, arena_printf(x->a, "%lld", (long long)share));
    json_object_set_new(o, "steps", osteps);
    if (same_day_out) *same_day_out = same_day;

    if (x->err->code != TS_OK) {
        json_decref(o);
        return x->err->code;
    }
    *canon = o;
    return TS_OK;
}
