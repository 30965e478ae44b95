/* procedures — the catalogue's versions, listings and imports; see procedures.h. */
#include "procedures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../lib/embed.h"
#include "../../lib/fieldcheck.h"
#include "../../lib/text.h"
#include "../../platform/refcache.h"
#include "../../platform/search.h"
#include "../agencies/agencies.h"
#include "../files/files.h"

PROCEDURES_MESSAGES(TS_MSG_DEFINE)
const ts_msg procedures_messages[] = {PROCEDURES_MESSAGES(TS_MSG_REF) NULL};

#define COLS                                                                                       \
    "p.code, p.version, p.name, p.name_en, p.field, p.level, p.service_level, p.agency, "          \
    "p.effective_from, p.effective_to, p.current, p.same_day, p.created_at"
static const db_colmap cols[] = {
    DBC(TEXT, procedure, code),           DBC(I64, procedure, version),
    DBC(TEXT, procedure, name),           DBC(TEXT, procedure, name_en),
    DBC(TEXT, procedure, field),          DBC(TEXT, procedure, level),
    DBC(TEXT, procedure, service_level),  DBC(TEXT, procedure, agency),
    DBC(TEXT, procedure, effective_from), DBC(TEXT, procedure, effective_to),
    DBC(BOOL, procedure, current),        DBC(BOOL, procedure, same_day),
    DBC(TEXT, procedure, created_at),     DBC(TEXT, procedure, doc),
};
static const db_rowspec list_spec = {.size = sizeof(procedure), .map = cols, .ncols = 13};
static const db_rowspec full_spec = {.size = sizeof(procedure), .map = cols, .ncols = 14};
static const search_index procedures_search = {"procedures_fts", "p.id", "p.search_tsv"};

ts_code procedures_list(ts_ctx *x, const procedures_query *q, procedure **items, int *n,
                        int64_t *total)
{
    search_list l;
    *items = arena_calloc(x->a, sizeof **items);
    *n = 0;
    *total = 0;
    ts_code rc = search_list_begin(&l, x->db, x->a, q->q, x->err);
    if (rc != TS_OK) return rc;
    dbw_and(&l.w, "p.current = ?", DBV_I(1));
    dbw_text(&l.w, "p.field = ?", q->field);
    dbw_text(&l.w, "p.agency = ?", q->agency);
    dbw_text(&l.w, "p.service_level = ?", q->service_level);
    dbw_text(&l.w, "p.level = ?", q->level);
    dbw_page_q pq = {.cols = q->docs ? COLS ", p.doc" : COLS,
                     .from = "procedures p",
                     .order = "p.field, p.code",
                     .limit = q->limit,
                     .offset = q->offset};
    void *rows;
    rc = search_list_page(x->db, &l, &procedures_search, pq, q->docs ? &full_spec : &list_spec,
                          &rows, n, total, x->err);
    if (rc == TS_OK) *items = rows;
    return rc;
}

ts_code procedures_get(ts_ctx *x, const char *code, int64_t version, const char *at, procedure *out)
{
    if (!procedures_code_valid(code))
        return ts_err_set(x->err, TS_ENOTFOUND, M_PROC_NOT_FOUND, code);
    bool found;
    ts_code rc;
    if (version)
        rc = db_query_one(x->db, x->a,
                          "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                          "p.version = ?",
                          (const db_val[]){DBV_T(code), DBV_I(version)}, 2, &full_spec, out, &found,
                          x->err);
    else if (at)
        rc = db_query_one(x->db, x->a,
                          "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                          "p.effective_from <= ? AND (p.effective_to IS NULL OR p.effective_to > "
                          "?) ORDER BY p.version DESC LIMIT 1",
                          (const db_val[]){DBV_T(code), DBV_T(at), DBV_T(at)}, 3, &full_spec, out,
                          &found, x->err);
    else
        rc = db_query_one(x->db, x->a,
                          "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                          "p.current = 1",
                          (const db_val[]){DBV_T(code)}, 1, &full_spec, out, &found, x->err);
    if (rc != TS_OK) return rc;
    if (found) return TS_OK;
    if (version || at) {
        /* is it the procedure or the version that is missing? */
        procedure cur;
        TS_TRY(procedures_get(x, code, 0, NULL, &cur));
        const char *arg = version ? arena_printf(x->a, "%lld", (long long)version) : at;
        ts_msg m = version ? M_PROC_VERSION_NOT_FOUND : M_PROC_NOT_IN_FORCE;
        ts_err_set(x->err, TS_ENOTFOUND, m, arg);
        return ts_err_field(x->err, TS_ENOTFOUND, version ? "version" : "at", m, arg);
    }
    return ts_err_set(x->err, TS_ENOTFOUND, M_PROC_NOT_FOUND, code);
}

ts_code procedures_versions(ts_ctx *x, const char *code, procedure **items, int *n)
{
    void *rows;
    ts_code rc = db_query_all(
        x->db, x->a, "SELECT " COLS " FROM procedures p WHERE p.code = ? ORDER BY p.version",
        (const db_val[]){DBV_T(code)}, 1, &list_spec, 0, &rows, n, x->err);
    if (rc == TS_OK) *items = rows;
    return rc;
}

/* ---- writing ------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Who may write a procedure implemented by agency (NULL: communes' own,
 * which only a system administrator manages province-wide). */
static ts_code may_write(ts_ctx *x, const char *agency_code)
{
    if (!agency_code) return ts_require(x, ROLE_SYSTEM_ADMIN, NULL);
    agency g;
    ts_code rc = agencies_find(x, agency_code, &g);
    if (rc == TS_ENOTFOUND) return ts_err_set(x->err, rc, M_AGENCY_NOT_FOUND, agency_code);
    if (rc != TS_OK) return rc;
    return ts_require(x, ROLE_AGENCY_ADMIN, g.path);
}

/* Insert canon as version v of its code (current), audited as action. */
/* Insert canon as version v of its code (current); audited as action
 * unless audit is false (a bulk import audits once for all). */
static ts_code insert_version_as(ts_ctx *x, const json_t *canon, bool same_day, int64_t v,
                                 const char *action, bool audit, procedure *out)
{
    char *doc = json_dumps(canon, JSON_COMPACT);
    if (!doc) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, NULL);
    const char *code = jstr(canon, "code"), *name = jstr(canon, "name");
    const char *field = jstr(canon, "field");
    const char *key =
        arena_printf(x->a, "%s %s %s %s", text_fold(x->a, name, strlen(name)),
                     text_fold(x->a, field, strlen(field)),
                     jstr(canon, "name_en")
                         ? text_fold(x->a, jstr(canon, "name_en"), strlen(jstr(canon, "name_en")))
                         : "",
                     code);
    ts_code rc =
        db_run(x->db, x->err,
               "INSERT INTO procedures (code, version, current, name, name_en, field, level, "
               "service_level, agency, same_day, effective_from, effective_to, search_key, doc, "
               "created_at, created_by) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               DBV_T(code), DBV_I(v), DBV_T(name),
               jstr(canon, "name_en") ? DBV_T(jstr(canon, "name_en")) : DBV_NULL_VAL, DBV_T(field),
               DBV_T(jstr(canon, "level")), DBV_T(jstr(canon, "service_level")),
               jstr(canon, "agency") ? DBV_T(jstr(canon, "agency")) : DBV_NULL_VAL, DBV_I(same_day),
               DBV_T(jstr(canon, "effective_from")),
               jstr(canon, "effective_to") ? DBV_T(jstr(canon, "effective_to")) : DBV_NULL_VAL,
               DBV_T(key), DBV_T(doc), DBV_T(ts_now(x)), DBV_T(x->actor));
    if (rc == TS_OK && audit) {
        json_t *sum = json_pack("{s:s, s:I, s:s, s:s?}", "code", code, "version", (json_int_t)v,
                                "name", name, "agency", jstr(canon, "agency"));
        rc = ts_audit(x, action, "procedure", code, jstr(canon, "agency"), sum);
        json_decref(sum);
    }
    if (rc == TS_OK) rc = refcache_touch(x->db, REF_PROCEDURES, x->err);
    if (rc == TS_OK && out) {
        bool found;
        rc = db_query_one(x->db, x->a,
                          "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                          "p.version = ?",
                          (const db_val[]){DBV_T(code), DBV_I(v)}, 2, &full_spec, out, &found,
                          x->err);
    }
    free(doc);
    return rc;
}

static ts_code insert_version(ts_ctx *x, const json_t *canon, bool same_day, int64_t v,
                              const char *action, procedure *out)
{
    return insert_version_as(x, canon, same_day, v, action, true, out);
}

/* Close the current version of code where next begins (effective_to), and
 * make it not current. 422 when next does not begin after it. */
static ts_code supersede(ts_ctx *x, const procedure *cur, const char *next_from)
{
    if (strcmp(next_from, cur->effective_from) <= 0)
        return ts_err_field(x->err, TS_EVALIDATION, "effective_from", M_PROC_EFFECTIVE_ORDER,
                            cur->effective_from);
    const char *to = cur->effective_to && strcmp(cur->effective_to, next_from) < 0
                         ? cur->effective_to
                         : next_from;
    return db_run(x->db, x->err,
                  "UPDATE procedures SET current = 0, effective_to = ? WHERE code = ? AND "
                  "version = ?",
                  DBV_T(to), DBV_T(cur->code), DBV_I(cur->version));
}

typedef struct write_arg {
    const json_t *canon;
    bool same_day;
    const char *code; /* update: the procedure's code */
    int64_t base;     /* update: the version it was made from */
    procedure *out;
} write_arg;

static ts_code create_tx(ts_ctx *x, void *argp)
{
    write_arg *w = argp;
    ts_code rc = may_write(x, jstr(w->canon, "agency"));
    if (rc != TS_OK) return rc;
    int64_t have;
    TS_TRY(db_int(x->db, x->err, &have, 0, "SELECT COUNT(*) FROM procedures WHERE code = ?",
                  DBV_T(jstr(w->canon, "code"))));
    if (have)
        return ts_err_field(x->err, TS_ECONFLICT, "code", M_PROC_EXISTS, jstr(w->canon, "code"));
    return insert_version(x, w->canon, w->same_day, 1, "procedure.create", w->out);
}

ts_code procedures_create(ts_ctx *x, const json_t *doc, procedure *out)
{
    json_t *canon;
    bool same_day;
    ts_code rc = procedures_check(x, doc, &canon, &same_day);
    if (rc != TS_OK) return rc;
    write_arg w = {canon, same_day, NULL, 0, out};
    rc = ts_write(x, create_tx, &w);
    json_decref(canon);
    return rc;
}

static ts_code update_tx(ts_ctx *x, void *argp)
{
    write_arg *w = argp;
    procedure cur;
    ts_code rc = procedures_get(x, w->code, 0, NULL, &cur);
    if (rc != TS_OK) return rc;
    rc = may_write(x, cur.agency);
    if (rc == TS_OK && !fc_same(cur.agency, jstr(w->canon, "agency")))
        rc = may_write(x, jstr(w->canon, "agency"));
    if (rc != TS_OK) return rc;
    if (w->base != cur.version)
        return ts_err_field(x->err, TS_ECONFLICT, "base_version", M_PROC_STALE,
                            arena_printf(x->a, "%lld", (long long)cur.version));
    TS_TRY(supersede(x, &cur, jstr(w->canon, "effective_from")));
    return insert_version(x, w->canon, w->same_day, cur.version + 1, "procedure.update", w->out);
}

ts_code procedures_update(ts_ctx *x, const char *code, int64_t base_version, const json_t *doc,
                          procedure *out)
{
    json_t *canon;
    bool same_day;
    ts_code rc = procedures_check(x, doc, &canon, &same_day);
    if (rc != TS_OK) return rc;
    if (strcmp(jstr(canon, "code"), code)) {
        json_decref(canon);
        return ts_err_field(x->err, TS_EVALIDATION, "code", M_FIELD_ENUM, code);
    }
    write_arg w = {canon, same_day, code, base_version, out};
    rc = ts_write(x, update_tx, &w);
    json_decref(canon);
    return rc;
}

/* ---- import --------------------------------------------------------------------- */

typedef struct import_arg {
    json_t **canon;
    bool *same_day;
    int64_t *version; /* the version each document names, 0: none */
    size_t n;
    procedures_import_result *out;
    bool bulk;     /* one audit entry for the whole import (the demo's load) */
    json_t *codes; /* bulk: the codes written */
} import_arg;

static ts_code import_one(ts_ctx *x, import_arg *ia, size_t i)
{
    const json_t *canon = ia->canon[i];
    const char *code = jstr(canon, "code");
    char *doc = json_dumps(canon, JSON_COMPACT);
    if (!doc) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, NULL);
    procedure cur;
    bool found = false;
    ts_code rc = db_query_one(x->db, x->a,
                              "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                              "p.current = 1",
                              (const db_val[]){DBV_T(code)}, 1, &full_spec, &cur, &found, x->err);
    int64_t want = ia->version[i];
    const char *f = arena_printf(x->a, "procedures[%zu].version", i);
    if (rc == TS_OK && want && found && want <= cur.version) {
        /* a version that exists: the same content, or a clash */
        procedure old;
        bool have;
        rc = db_query_one(x->db, x->a,
                          "SELECT " COLS ", p.doc FROM procedures p WHERE p.code = ? AND "
                          "p.version = ?",
                          (const db_val[]){DBV_T(code), DBV_I(want)}, 2, &full_spec, &old, &have,
                          x->err);
        if (rc == TS_OK && have && !strcmp(old.doc, doc))
            ia->out->unchanged++;
        else if (rc == TS_OK)
            rc = ts_err_field(x->err, TS_ECONFLICT, f, M_PROC_VERSION_CLASH,
                              arena_printf(x->a, "%lld", (long long)want));
    } else if (rc == TS_OK && want && want != (found ? cur.version + 1 : 1)) {
        rc = ts_err_field(x->err, TS_EVALIDATION, f, M_PROC_VERSION_NEXT,
                          arena_printf(x->a, "%lld", (long long)(found ? cur.version + 1 : 1)));
    } else if (rc == TS_OK && found && !want && !strcmp(cur.doc, doc)) {
        ia->out->unchanged++;
    } else if (rc == TS_OK) {
        rc = may_write(x, jstr(canon, "agency"));
        if (rc == TS_OK && found) rc = supersede(x, &cur, jstr(canon, "effective_from"));
        if (rc == TS_OK)
            rc =
                insert_version_as(x, canon, ia->same_day[i], found ? cur.version + 1 : 1,
                                  found ? "procedure.update" : "procedure.create", !ia->bulk, NULL);
        if (rc == TS_OK && ia->bulk) json_array_append_new(ia->codes, json_string(code));
        if (rc == TS_OK) ++*(found ? &ia->out->versioned : &ia->out->inserted);
        if (rc == TS_EVALIDATION && x->err->nfields == 1 &&
            !strcmp(x->err->fields[0].field, "effective_from"))
            snprintf(x->err->fields[0].field, sizeof x->err->fields[0].field,
                     "procedures[%zu].effective_from", i);
    }
    free(doc);
    return rc;
}

static ts_code import_tx(ts_ctx *x, void *argp)
{
    import_arg *ia = argp;
    ts_code rc = ts_require(x, ROLE_SYSTEM_ADMIN, NULL);
    memset(ia->out, 0, sizeof *ia->out);
    for (size_t i = 0; rc == TS_OK && i < ia->n; i++)
        rc = import_one(x, ia, i);
    if (rc == TS_OK && ia->bulk && json_array_size(ia->codes)) {
        json_t *sum = json_pack("{s:i, s:i, s:O}", "inserted", ia->out->inserted, "versioned",
                                ia->out->versioned, "codes", ia->codes);
        rc = ts_audit(x, "procedure.import", "procedure", "*", NULL, sum);
        json_decref(sum);
    }
    return rc;
}

static ts_code import_docs(ts_ctx *x, const json_t *docs, bool bulk, procedures_import_result *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(docs) || json_array_size(docs) == 0 || json_array_size(docs) > 5000)
        return ts_err_field(x->err, TS_EVALIDATION, "procedures", M_FIELD_TYPE_ARRAY, NULL);
    size_t n = json_array_size(docs);
    import_arg ia = {arena_calloc(x->a, sizeof(json_t *) * n),
                     arena_calloc(x->a, sizeof(bool) * n),
                     arena_calloc(x->a, sizeof(int64_t) * n),
                     n,
                     out,
                     bulk,
                     json_array()};
    ts_code rc = TS_OK;
    /* check every document first, naming each problem under its index */
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(docs, i);
        ts_err one;
        ts_err_clear(&one);
        ts_err *keep = x->err;
        x->err = &one;
        ts_code r1 = procedures_check(x, d, &ia.canon[i], &ia.same_day[i]);
        x->err = keep;
        const json_t *v = json_is_object(d) ? json_object_get(d, "version") : NULL;
        if (v && (!json_is_integer(v) || json_integer_value(v) < 1))
            ts_err_field(x->err, TS_EVALIDATION, arena_printf(x->a, "procedures[%zu].version", i),
                         M_FIELD_TYPE_INTEGER, NULL);
        else if (v)
            ia.version[i] = json_integer_value(v);
        if (r1 == TS_OK) continue;
        if (r1 != TS_EVALIDATION) {
            *x->err = one;
            rc = r1;
            break;
        }
        for (int k = 0; k < one.nfields; k++)
            ts_err_field(x->err, TS_EVALIDATION,
                         arena_printf(x->a, "procedures[%zu].%s", i, one.fields[k].field),
                         one.fields[k].msg, one.fields[k].arg);
    }
    /* the same code twice in one import */
    for (size_t i = 0; rc == TS_OK && i < n; i++)
        for (size_t j = 0; ia.canon[i] && j < i; j++)
            if (ia.canon[j] && !strcmp(jstr(ia.canon[i], "code"), jstr(ia.canon[j], "code")) &&
                !ia.version[i])
                ts_err_field(x->err, TS_EVALIDATION, arena_printf(x->a, "procedures[%zu].code", i),
                             M_PROC_EXISTS, jstr(ia.canon[i], "code"));
    if (rc == TS_OK && x->err->nfields) rc = x->err->code;
    if (rc == TS_OK) rc = ts_write(x, import_tx, &ia);
    for (size_t i = 0; i < n; i++)
        json_decref(ia.canon[i]);
    json_decref(ia.codes);
    return rc;
}

ts_code procedures_import(ts_ctx *x, const json_t *docs, procedures_import_result *out)
{
    return import_docs(x, docs, false, out);
}

ts_code procedures_demo(ts_ctx *x, procedures_import_result *out)
{
    memset(out, 0, sizeof *out);
    const ts_embedded *f = ts_embedded_find(ts_data_files, "data/procedures/bac-ninh.json");
    if (!f) return TS_OK; /* a build without the demo catalogue */
    /* first the forms its components name by SHA-256 */
    file_src src[16];
    int n = 0, added;
    for (const ts_embedded *t = ts_data_files; t->path && n < 16; t++)
        if (!strncmp(t->path, "data/templates/", 15))
            src[n++] = (file_src){t->path + 15, t->data, t->len};
    if (n) TS_TRY(files_import(x, FILE_TEMPLATE, src, n, &added));
    json_error_t je;
    json_t *root = json_loadb((const char *)f->data, f->len, 0, &je);
    if (!root) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "bac-ninh.json");
    ts_code rc = import_docs(x, json_object_get(root, "procedures"), true, out);
    json_decref(root);
    return rc;
}
