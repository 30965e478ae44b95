/*
 * filing — how a dossier comes in: a citizen's or a business's draft (its
 * papers uploaded or taken from the owner's document store, then
 * submitted), or an officer's intake at the counter or from the post. The
 * code is given in the transaction that files the dossier. See dossiers.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../platform/worktime.h"
#include "../accounts/accounts.h"
#include "../agencies/agencies.h"
#include "../files/files.h"
#include "../schedules/schedules.h"
#include "dossiers_int.h"

/* ---- the code ------------------------------------------------------------------ */

/*
 * The default generator: `<agency>-<yyMMdd>-<NNNN>`, the number the next of
 * the receiving agency's daily counter, taken inside the filing's write (a
 * rolled-back filing gives it back; PostgreSQL's row lock orders two
 * processes taking the same counter, SQLite has one writer).
 */
static ts_code daily_code(ts_ctx *x, const char *ag_code, int64_t at, const char **code)
{
    int y, m, d, hh, mm;
    wt_local_split(at, &y, &m, &d, &hh, &mm);
    char day[8];
    snprintf(day, sizeof day, "%02d%02d%02d", y % 100, m, d);
    int64_t n = 0;
    TS_TRY(db_int(x->db, x->err, &n, 0,
                  "INSERT INTO dossier_counters (agency, day, last) VALUES (?, ?, 1) ON CONFLICT "
                  "(agency, day) DO UPDATE SET last = dossier_counters.last + 1 RETURNING last",
                  DBV_T(ag_code), DBV_T(day)));
    *code = arena_printf(x->a, "%s-%s-%04lld", ag_code, day, (long long)n);
    return TS_OK;
}

dossier_codegen dossiers_codegen = daily_code;

int64_t dz_procedure_flags(const procedure *p, const json_t *doc)
{
    int64_t f = !strcmp(p->service_level, "toan_trinh") ? DF_TOAN_TRINH : 0;
    const json_t *comps = json_object_get(doc, "components");
    for (size_t i = 0; i < json_array_size(comps); i++)
        if (json_is_true(json_object_get(json_array_get(comps, i), "from_state_data")))
            f |= DF_POPULATION;
    return f;
}

/* ---- where a dossier is filed -------------------------------------------------- */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The receiving and implementing agencies of a dossier of procedure p filed
 * with commune unit or at receiving (NULL: the procedure's first). */
static ts_code place(ts_ctx *x, const procedure *p, const json_t *doc, const char *unit,
                     const char *receiving, dossier *d)
{
    if (!strcmp(p->level, "commune")) {
        if (!unit) return ts_err_field(x->err, TS_EVALIDATION, "unit", M_DOSSIER_UNIT_NEEDED, NULL);
        agencies_query q = {.kind = "commune_committee", .unit = unit, .limit = 1};
        agencies_list_result res;
        TS_TRY(agencies_list(x, &q, &res));
        if (!res.n)
            return ts_err_field(x->err, TS_EVALIDATION, "unit", M_DOSSIER_UNIT_NO_AGENCY, unit);
        d->unit_code = unit;
        d->receiving = d->implementing = res.items[0].code;
        return TS_OK;
    }
    d->unit_code = unit;
    d->implementing = p->agency;
    const json_t *rl = json_object_get(doc, "receiving");
    const char *first = json_array_size(rl) ? json_string_value(json_array_get(rl, 0)) : NULL;
    if (!receiving) {
        d->receiving = first ? arena_strdup(x->a, first) : p->agency;
        return TS_OK;
    }
    bool ok = !strcmp(receiving, p->agency);
    for (size_t i = 0; i < json_array_size(rl) && !ok; i++)
        ok = !strcmp(receiving, json_string_value(json_array_get(rl, i)));
    if (!ok)
        return ts_err_field(x->err, TS_EVALIDATION, "receiving", M_DOSSIER_RECEIVING, receiving);
    d->receiving = receiving;
    return TS_OK;
}

/* The procedure version in force today, parsed. */
static ts_code current_procedure(ts_ctx *x, const char *code, procedure *p, json_t **doc)
{
    ts_code rc = procedures_get(x, code, 0, schedules_today(x), p);
    if (rc == TS_ENOTFOUND) { /* a member of the request names it: 422 at that member */
        bool exists =
            x->err->nfields > 0; /* procedures_get names "at" when only the day is wrong */
        ts_err_clear(x->err);
        return ts_err_field(x->err, TS_EVALIDATION, "procedure",
                            exists ? M_PROC_NOT_IN_FORCE : M_PROC_NOT_FOUND,
                            exists ? schedules_today(x) : code);
    }
    TS_TRY(rc);
    json_error_t je;
    *doc = json_loads(p->doc, 0, &je);
    return *doc ? TS_OK : ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "procedure document");
}

static ts_code check_case(ts_ctx *x, const json_t *doc, int case_index)
{
    size_t n = json_array_size(json_object_get(doc, "cases"));
    if (case_index < 0 || (size_t)case_index >= n)
        return ts_err_field(x->err, TS_EVALIDATION, "case", M_DOSSIER_CASE,
                            arena_printf(x->a, "%d", case_index));
    return TS_OK;
}

/* The applicant of a new dossier: as given, else (a citizen filing for
 * themselves) the account's name and contacts. */
static void applicant_of(ts_ctx *x, const dossier_applicant *in, bool own, dossier *d)
{
    d->applicant_kind = in->kind ? in->kind : "citizen";
    d->applicant_name = in->name ? in->name : own ? x->who->full_name : NULL;
    d->applicant_id_number = in->id_number;
    d->applicant_phone = in->phone ? in->phone : own ? x->who->phone : NULL;
    d->applicant_email = in->email ? in->email : own ? x->who->email : NULL;
    d->applicant_address = in->address;
}

static ts_code insert_row(ts_ctx *x, dossier *d, const char *idem_key)
{
    int64_t id = 0;
    TS_TRY(db_int(x->db, x->err, &id, 0,
                  "INSERT INTO dossiers (code, status, rev, procedure_code, procedure_version, "
                  "case_index, channel, owner_id, applicant_kind, applicant_name, "
                  "applicant_id_number, applicant_phone, applicant_email, applicant_address, "
                  "unit_code, receiving, implementing, step, form, idem_key, created_at, "
                  "created_by, extended, supplements, fee_vnd) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, "
                  "?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0, 0, 0) RETURNING id",
                  DBV_T(d->code), DBV_I(d->status), DBV_T(d->procedure_code),
                  DBV_I(d->procedure_version), DBV_I(d->case_index), DBV_I(d->channel),
                  d->owner_id ? DBV_I(d->owner_id) : DBV_NULL_VAL, DBV_T(d->applicant_kind),
                  DBV_T(d->applicant_name ? d->applicant_name : ""), DBV_T(d->applicant_id_number),
                  DBV_T(d->applicant_phone), DBV_T(d->applicant_email), DBV_T(d->applicant_address),
                  DBV_T(d->unit_code), DBV_T(d->receiving), DBV_T(d->implementing),
                  DBV_T(d->form ? d->form : "{}"), DBV_T(idem_key), DBV_T(ts_now(x)),
                  DBV_T(x->actor)));
    d->id = id;
    d->rev = 1;
    return TS_OK;
}

/* The dossier x->who made with idem_key before, if any (id 0: none). */
static ts_code by_idem_key(ts_ctx *x, const char *key, int64_t *id)
{
    *id = 0;
    if (!key) return TS_OK;
    return db_int(x->db, x->err, id, 0,
                  "SELECT id FROM dossiers WHERE created_by = ? AND idem_key = ?", DBV_T(x->actor),
                  DBV_T(key));
}

static ts_code reload(ts_ctx *x, int64_t id, dossier_view *out)
{
    bool found;
    memset(out, 0, sizeof *out);
    TS_TRY(dossiers_load(x, NULL, id, &out->d, &found));
    if (!found)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DRAFT_NOT_FOUND,
                          arena_printf(x->a, "%lld", (long long)id));
    return dossiers_view_fill(x, out);
}

/* ---- drafts ---------------------------------------------------------------------- */

typedef struct draft_ctx {
    const dossier_new *in;
    int64_t id;
    dossier_view *out;
    bool created;
} draft_ctx;

static ts_code need_account(ts_ctx *x)
{
    return x->who->account_id ? TS_OK : ts_forbidden(x);
}

static ts_code draft_create_tx(ts_ctx *x, void *argp)
{
    draft_ctx *dc = argp;
    const dossier_new *in = dc->in;
    int64_t id;
    TS_TRY(by_idem_key(x, in->idem_key, &id));
    if (id) {
        dc->id = id;
        return reload(x, id, dc->out);
    }
    procedure p;
    json_t *doc;
    TS_TRY(current_procedure(x, in->procedure, &p, &doc));
    dossier d = {.status = DS_DRAFT,
                 .procedure_code = p.code,
                 .procedure_version = p.version,
                 .case_index = in->case_index,
                 .channel = DCH_ONLINE,
                 .owner_id = x->who->account_id,
                 .form = in->form ? in->form : "{}"};
    ts_code rc = check_case(x, doc, in->case_index);
    if (rc == TS_OK) rc = place(x, &p, doc, in->unit, in->receiving, &d);
    json_decref(doc);
    TS_TRY(rc);
    applicant_of(x, &in->applicant, true, &d);
    TS_TRY(insert_row(x, &d, in->idem_key));
    dc->id = d.id;
    dc->created = true;
    TS_TRY(dz_audit(x, &d, "draft", DS_DRAFT, NULL, NULL));
    return reload(x, d.id, dc->out); /* the answer, read in the write: it cannot fail after it */
}

ts_code dossiers_draft_create(ts_ctx *x, const dossier_new *in, dossier_view *out)
{
    TS_TRY(need_account(x));
    draft_ctx dc = {.in = in, .out = out};
    return ts_write(x, draft_create_tx, &dc);
}

/* x->who's draft id (404 for anything else). */
static ts_code own_draft(ts_ctx *x, int64_t id, dossier *d)
{
    bool found;
    TS_TRY(dossiers_load(x, NULL, id, d, &found));
    if (!found || d->status != DS_DRAFT || !x->who->account_id || d->owner_id != x->who->account_id)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DRAFT_NOT_FOUND,
                          arena_printf(x->a, "%lld", (long long)id));
    return TS_OK;
}

ts_code dossiers_draft_get(ts_ctx *x, int64_t id, dossier_view *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(own_draft(x, id, &out->d));
    return dossiers_view_fill(x, out);
}

static ts_code draft_update_tx(ts_ctx *x, void *argp)
{
    draft_ctx *dc = argp;
    const dossier_new *in = dc->in;
    dossier d;
    TS_TRY(own_draft(x, dc->id, &d));
    procedure p;
    json_t *doc;
    TS_TRY(dz_procedure(x, &d, &p, &doc));
    ts_code rc = TS_OK;
    if (in->case_index >= 0) {
        rc = check_case(x, doc, in->case_index);
        d.case_index = in->case_index;
    }
    if (rc == TS_OK && (in->unit || in->receiving))
        rc = place(x, &p, doc, in->unit ? in->unit : d.unit_code, in->receiving, &d);
    json_decref(doc);
    TS_TRY(rc);
    const dossier_applicant *ap = &in->applicant;
    if (ap->kind) d.applicant_kind = ap->kind;
    if (ap->name) d.applicant_name = ap->name;
    if (ap->id_number) d.applicant_id_number = ap->id_number;
    if (ap->phone) d.applicant_phone = ap->phone;
    if (ap->email) d.applicant_email = ap->email;
    if (ap->address) d.applicant_address = ap->address;
    if (in->form) d.form = in->form;
    TS_TRY(dz_save(x, &d, d.rev));
    TS_TRY(dz_audit(x, &d, "draft_update", DS_DRAFT, NULL, NULL));
    return reload(x, d.id, dc->out);
}

ts_code dossiers_draft_update(ts_ctx *x, int64_t id, const dossier_new *in, dossier_view *out)
{
    draft_ctx dc = {.in = in, .id = id, .out = out};
    return ts_write(x, draft_update_tx, &dc);
}

static ts_code draft_delete_tx(ts_ctx *x, void *argp)
{
    draft_ctx *dc = argp;
    dossier d;
    TS_TRY(own_draft(x, dc->id, &d));
    TS_TRY(db_run(x->db, x->err, "DELETE FROM dossier_files WHERE dossier_id = ?", DBV_I(d.id)));
    TS_TRY(db_run(x->db, x->err, "DELETE FROM dossiers WHERE id = ?", DBV_I(d.id)));
    return dz_audit(x, &d, "draft_delete", DS_DRAFT, NULL, NULL);
}

ts_code dossiers_draft_delete(ts_ctx *x, int64_t id)
{
    draft_ctx dc = {.id = id};
    return ts_write(x, draft_delete_tx, &dc);
}

/* ---- files ----------------------------------------------------------------------- */

typedef struct file_ctx {
    const dossier_file_in *in;
    const file_checked *k;
    dossier_file *out;
} file_ctx;

/* The dossier a file request names, and whether x->who may add a file of
 * kind to it now. */
static ts_code file_target(ts_ctx *x, int64_t draft_id, const char *code, const char *kind,
                           dossier *d)
{
    if (!code) return own_draft(x, draft_id, d);
    bool found, may = false;
    TS_TRY(dossiers_load(x, code, 0, d, &found));
    if (found) TS_TRY(dossiers_may_read(x, d, &may));
    if (!found || !may || d->status == DS_DRAFT)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_NOT_FOUND, code);
    bool owner = x->who->account_id && x->who->account_id == d->owner_id;
    const char *rpath, *hpath = d->handler_path;
    TS_TRY(dz_agency_path(x, d->receiving, &rpath));
    bool desk = ts_may(x, ROLE_OFFICER, rpath);
    bool open = d->status >= DS_SUBMITTED && d->status <= DS_FEE_DUE && d->status != DS_REFUSED;
    bool ok;
    if (!strcmp(kind, "component"))
        ok = (owner && d->status == DS_SUPPLEMENT) ||
             (desk && (d->status == DS_SUBMITTED || d->status == DS_RECEIVED ||
                       d->status == DS_SUPPLEMENT));
    else if (!strcmp(kind, "scan"))
        ok = desk && open;
    else /* result */
        ok = (d->status == DS_PROCESSING || d->status == DS_RECEIVED || d->status == DS_DONE) &&
             ((hpath && d->handler_role && ts_may(x, d->handler_role, hpath)) || desk);
    if (ok) return TS_OK;
    if (owner || desk) return ts_err_set(x->err, TS_ECONFLICT, dz_state_msg(d->status), NULL);
    return ts_forbidden(x);
}

static ts_code file_add_tx(ts_ctx *x, void *argp)
{
    file_ctx *fc = argp;
    const dossier_file_in *in = fc->in;
    dossier d;
    TS_TRY(file_target(x, in->draft_id, in->code, in->kind, &d));
    if (in->component >= 0) {
        procedure p;
        json_t *doc;
        TS_TRY(dz_procedure(x, &d, &p, &doc));
        size_t n = json_array_size(json_object_get(doc, "components"));
        json_decref(doc);
        if ((size_t)in->component >= n)
            return ts_err_field(x->err, TS_EVALIDATION, "component", M_DOSSIER_COMPONENT,
                                arena_printf(x->a, "%d", in->component));
    }
    file_checked k;
    const char *reused_from = NULL;
    if (in->reuse) {
        /* a paper of an earlier filed dossier of the owner's, or a result issued to them */
        db_stmt *s;
        TS_TRY(db_prepare(x->db,
                          "SELECT f.filename, f.media_type, f.size, d.code FROM dossier_files f "
                          "JOIN dossiers d ON d.id = f.dossier_id WHERE d.owner_id = ? AND "
                          "d.status > 0 AND f.sha256 = ? AND f.removed_at IS NULL ORDER BY f.id "
                          "DESC LIMIT 1",
                          &s, x->err));
        db_bind_list(s, DBV_I(d.owner_id ? d.owner_id : -1), DBV_T(in->reuse));
        int r = db_step(s, x->err);
        if (r == DB_ROW) {
            k = (file_checked){.sha256 = in->reuse,
                               .filename = db_col_dup(x->a, s, 0),
                               .media_type = db_col_dup(x->a, s, 1),
                               .len = (size_t)db_col_int(s, 2)};
            reused_from = db_col_dup(x->a, s, 3);
        }
        db_reset(s);
        if (r < 0) return (ts_code)-r;
        if (r != DB_ROW)
            return ts_err_field(x->err, TS_EVALIDATION, "reuse", M_DOSSIER_REUSE_UNKNOWN, NULL);
    } else {
        k = *fc->k;
    }
    int64_t count = 0, bytes = 0;
    TS_TRY(db_int(x->db, x->err, &count, 0,
                  "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ? AND removed_at IS NULL",
                  DBV_I(d.id)));
    TS_TRY(db_int(x->db, x->err, &bytes, 0,
                  "SELECT COALESCE(SUM(size), 0) FROM dossier_files WHERE dossier_id = ? AND "
                  "removed_at IS NULL",
                  DBV_I(d.id)));
    if (count >= DOSSIER_MAX_FILES || bytes + (int64_t)k.len > (int64_t)DOSSIER_MAX_BYTES)
        return ts_err_set(
            x->err, TS_ETOOBIG, M_DOSSIER_FILES_FULL,
            arena_printf(x->a, "%d / %u MB", DOSSIER_MAX_FILES, DOSSIER_MAX_BYTES >> 20));
    if (!in->reuse) {
        file_info fi;
        bool fresh;
        TS_TRY(files_keep(x, FILE_ATTACHMENT, &k, &fi, &fresh));
    }
    const char *now = ts_now(x);
    int64_t id = 0;
    TS_TRY(db_int(x->db, x->err, &id, 0,
                  "INSERT INTO dossier_files (dossier_id, kind, component, sha256, filename, "
                  "media_type, size, reused_from, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, "
                  "?, ?, ?, ?) RETURNING id",
                  DBV_I(d.id), DBV_T(in->kind), DBV_I(in->component), DBV_T(k.sha256),
                  DBV_T(k.filename), DBV_T(k.media_type), DBV_I(k.len), DBV_T(reused_from),
                  DBV_T(now), DBV_T(x->actor)));
    if (strcmp(in->kind, "result"))
        TS_TRY(db_run(x->db, x->err,
                      "UPDATE dossiers SET digitised = digitised + 1, reused = reused + ?, flags = "
                      "flags | ? WHERE id = ?",
                      DBV_I(reused_from ? 1 : 0),
                      DBV_I(DF_DIGITISED | (reused_from ? DF_REUSED : 0)), DBV_I(d.id)));
    *fc->out = (dossier_file){.id = id,
                              .kind = in->kind,
                              .component = in->component,
                              .sha256 = k.sha256,
                              .filename = k.filename,
                              .media_type = k.media_type,
                              .size = (int64_t)k.len,
                              .reused_from = reused_from,
                              .added_at = now};
    json_t *sum = json_pack("{s:s?,s:s,s:i,s:s,s:s,s:I,s:s?}", "code", d.code, "kind", in->kind,
                            "component", in->component, "sha256", k.sha256, "filename", k.filename,
                            "size", (json_int_t)k.len, "reused_from", reused_from);
    if (!d.code) json_object_set_new(sum, "draft", json_integer(d.id));
    ts_code rc = ts_audit(x, "dossier.file_add", "dossier",
                          d.code ? d.code : arena_printf(x->a, "draft:%lld", (long long)d.id),
                          in->code ? d.receiving : NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code dossiers_file_add(ts_ctx *x, const dossier_file_in *in, dossier_file *out)
{
    memset(out, 0, sizeof *out);
    TS_TRY(need_account(x));
    file_checked k = {0};
    if (!in->reuse)
        TS_TRY(
            files_check(x, FILE_ATTACHMENT, in->data, in->len, in->claimed_type, in->filename, &k));
    else if (!files_sha256_valid(in->reuse))
        return ts_err_field(x->err, TS_EVALIDATION, "reuse", M_DOSSIER_REUSE_UNKNOWN, NULL);
    file_ctx fc = {in, &k, out};
    return ts_write(x, file_add_tx, &fc);
}

typedef struct rm_ctx {
    int64_t draft_id, file_id;
} rm_ctx;

static ts_code file_remove_tx(ts_ctx *x, void *argp)
{
    rm_ctx *rc = argp;
    dossier d;
    TS_TRY(own_draft(x, rc->draft_id, &d));
    int64_t changes = 0;
    int64_t was_reused = 0;
    TS_TRY(db_int(x->db, x->err, &was_reused, 0,
                  "SELECT CASE WHEN reused_from IS NULL THEN 0 ELSE 1 END FROM dossier_files WHERE "
                  "id = ? AND dossier_id = ? AND removed_at IS NULL",
                  DBV_I(rc->file_id), DBV_I(d.id)));
    TS_TRY(db_run_vals(x->db,
                       "UPDATE dossier_files SET removed_at = ? WHERE id = ? AND dossier_id = ? "
                       "AND removed_at IS NULL",
                       (const db_val[]){DBV_T(ts_now(x)), DBV_I(rc->file_id), DBV_I(d.id)}, 3,
                       &changes, x->err));
    if (!changes)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_FILE_NOT_FOUND,
                          arena_printf(x->a, "%lld", (long long)rc->file_id));
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE dossiers SET digitised = digitised - 1, reused = reused - ?1, flags = "
                  "(flags & ~48) | (CASE WHEN digitised > 1 THEN 16 ELSE 0 END) | (CASE WHEN "
                  "reused - ?1 > 0 THEN 32 ELSE 0 END) WHERE id = ?2",
                  DBV_I(was_reused), DBV_I(d.id)));
    json_t *sum =
        json_pack("{s:I,s:I}", "draft", (json_int_t)d.id, "file", (json_int_t)rc->file_id);
    ts_code r = ts_audit(x, "dossier.file_remove", "dossier",
                         arena_printf(x->a, "draft:%lld", (long long)d.id), NULL, sum);
    json_decref(sum);
    return r;
}

ts_code dossiers_file_remove(ts_ctx *x, int64_t draft_id, int64_t file_id)
{
    rm_ctx rc = {draft_id, file_id};
    return ts_write(x, file_remove_tx, &rc);
}

ts_code dossiers_file_get(ts_ctx *x, int64_t draft_id, const char *code, const char *sha256,
                          dossier_file *out, const void **data)
{
    memset(out, 0, sizeof *out);
    dossier d;
    if (code) {
        bool found, may = false;
        if (!dossiers_code_valid(code))
            return ts_err_field(x->err, TS_ENOTFOUND, "code", M_DOSSIER_CODE, NULL);
        TS_TRY(dossiers_load(x, code, 0, &d, &found));
        if (found) TS_TRY(dossiers_may_read(x, &d, &may));
        if (!found || !may || d.status == DS_DRAFT)
            return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_NOT_FOUND, code);
    } else {
        TS_TRY(own_draft(x, draft_id, &d));
    }
    bool found = false;
    if (files_sha256_valid(sha256)) {
        TS_TRY(db_query_one(x->db, x->a,
                            "SELECT id, kind, component, sha256, filename, media_type, size, "
                            "reused_from, added_at FROM dossier_files WHERE dossier_id = ? AND "
                            "sha256 = ? AND removed_at IS NULL ORDER BY id LIMIT 1",
                            (const db_val[]){DBV_I(d.id), DBV_T(sha256)}, 2, &dz_file_spec, out,
                            &found, x->err));
    }
    if (!found) return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_FILE_NOT_FOUND, sha256);
    file_info fi;
    ts_code rc = files_get(x, sha256, FILE_ATTACHMENT, &fi, data);
    if (rc == TS_ENOTFOUND)
        return ts_err_set(x->err, TS_ENOTFOUND, M_DOSSIER_FILE_NOT_FOUND, sha256);
    return rc;
}

ts_code dossiers_documents(ts_ctx *x, dossier_file **items, int *n)
{
    void *rows;
    /* reused_from here: the dossier it is in */
    TS_TRY(
        db_query_all(x->db, x->a,
                     "SELECT MAX(f.id), MIN(f.kind), MIN(f.component), f.sha256, MIN(f.filename), "
                     "MIN(f.media_type), MIN(f.size), MAX(d.code), MAX(f.added_at) FROM "
                     "dossier_files f JOIN dossiers d ON d.id = f.dossier_id WHERE d.owner_id = "
                     "? AND d.status > 0 AND f.removed_at IS NULL AND f.kind IN ('component', "
                     "'result') GROUP BY f.sha256 ORDER BY MAX(f.id) DESC",
                     (const db_val[]){DBV_I(x->who->account_id ? x->who->account_id : -1)}, 1,
                     &dz_file_spec, 500, &rows, n, x->err));
    *items = rows;
    return TS_OK;
}

/* ---- submission ------------------------------------------------------------------ */

typedef struct submit_ctx {
    int64_t id;
    dossier_view *out;
    bool created;
    int64_t new_version; /* the procedure changed under the draft */
} submit_ctx;

/* The required papers of doc that d has no file for, by name. */
static ts_code missing_papers(ts_ctx *x, const dossier *d, const json_t *doc, const char **names)
{
    *names = NULL;
    const json_t *comps = json_object_get(doc, "components");
    for (size_t i = 0; i < json_array_size(comps); i++) {
        const json_t *c = json_array_get(comps, i);
        if (!json_is_true(json_object_get(c, "required")) ||
            json_is_true(json_object_get(c, "from_state_data")))
            continue;
        int64_t have = 0;
        TS_TRY(db_int(x->db, x->err, &have, 0,
                      "SELECT COUNT(*) FROM dossier_files WHERE dossier_id = ? AND component = ? "
                      "AND removed_at IS NULL",
                      DBV_I(d->id), DBV_I((int64_t)i)));
        if (!have)
            *names = *names ? arena_printf(x->a, "%s; %s", *names, jstr(c, "name"))
                            : arena_strdup(x->a, jstr(c, "name"));
    }
    return TS_OK;
}

static ts_code submit_tx(ts_ctx *x, void *argp)
{
    submit_ctx *sc = argp;
    sc->created = false;
    sc->new_version = 0;
    bool found;
    dossier d;
    TS_TRY(dossiers_load(x, NULL, sc->id, &d, &found));
    if (found && d.status != DS_DRAFT && x->who->account_id && d.owner_id == x->who->account_id)
        return reload(x, d.id, sc->out); /* submitted already: the same dossier */
    TS_TRY(own_draft(x, sc->id, &d));
    procedure p;
    json_t *doc;
    TS_TRY(current_procedure(x, d.procedure_code, &p, &doc));
    if (p.version != d.procedure_version) {
        json_decref(doc);
        sc->new_version = p.version;
        return TS_OK; /* moved below, in its own write */
    }
    const char *missing = NULL;
    ts_code rc = missing_papers(x, &d, doc, &missing);
    d.flags = dz_procedure_flags(&p, doc);
    json_decref(doc);
    TS_TRY(rc);
    if (missing)
        return ts_err_field(x->err, TS_EVALIDATION, "components", M_DOSSIER_MISSING, missing);
    if (!d.applicant_name || !*d.applicant_name)
        return ts_err_field(x->err, TS_EVALIDATION, "applicant_name", M_FIELD_REQUIRED, NULL);
    int64_t old = d.rev, now = dossiers_now_min(x);
    TS_TRY(dossiers_codegen(x, d.receiving, now, &d.code));
    d.status = DS_SUBMITTED;
    d.submitted_at = now;
    d.channel = DCH_ONLINE;
    d.handler = d.receiving;
    d.handler_role = ROLE_OFFICER;
    TS_TRY(dz_agency_path(x, d.receiving, &d.handler_path));
    TS_TRY(dz_save(x, &d, old));
    TS_TRY(dz_event(x, &d, "submit", DS_DRAFT, DS_SUBMITTED, NULL, NULL));
    sc->created = true;
    TS_TRY(dz_audit(x, &d, "submit", DS_DRAFT, d.receiving, NULL));
    dz_prev prev = {DS_DRAFT, NULL, NULL, 0};
    TS_TRY(dz_notify(x, &d, NULL, 0, "submit", &prev));
    return reload(x, d.id, sc->out);
}

typedef struct move_ctx {
    int64_t id, version;
} move_ctx;

static ts_code move_tx(ts_ctx *x, void *argp)
{
    move_ctx *mc = argp;
    dossier d;
    TS_TRY(own_draft(x, mc->id, &d));
    d.procedure_version = mc->version;
    TS_TRY(dz_save(x, &d, d.rev));
    return dz_audit(x, &d, "draft_update", DS_DRAFT, NULL, NULL);
}

ts_code dossiers_submit(ts_ctx *x, int64_t draft_id, dossier_view *out, bool *created)
{
    *created = false;
    memset(out, 0, sizeof *out);
    TS_TRY(need_account(x));
    submit_ctx sc = {.id = draft_id, .out = out};
    TS_TRY(ts_write(x, submit_tx, &sc));
    if (sc.new_version) {
        move_ctx mc = {draft_id, sc.new_version};
        TS_TRY(ts_write(x, move_tx, &mc));
        return ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_PROC_CHANGED,
                          arena_printf(x->a, "%lld", (long long)sc.new_version));
    }
    *created = sc.created;
    return TS_OK;
}

/* ---- intake at the counter or from the post -------------------------------------- */

typedef struct intake_ctx {
    const dossier_new *in;
    dossier_view *out;
    int64_t id;
    bool created;
} intake_ctx;

static ts_code intake_tx(ts_ctx *x, void *argp)
{
    intake_ctx *ic = argp;
    const dossier_new *in = ic->in;
    ic->created = false;
    TS_TRY(by_idem_key(x, in->idem_key, &ic->id));
    if (ic->id) return reload(x, ic->id, ic->out);
    procedure p;
    json_t *doc;
    TS_TRY(current_procedure(x, in->procedure, &p, &doc));
    dossier d = {.status = DS_DRAFT,
                 .procedure_code = p.code,
                 .procedure_version = p.version,
                 .case_index = in->case_index,
                 .channel = in->channel && !strcmp(in->channel, "post") ? DCH_POST : DCH_COUNTER,
                 .form = in->form ? in->form : "{}"};
    ts_code rc = check_case(x, doc, in->case_index);
    if (rc == TS_OK) rc = place(x, &p, doc, in->unit, in->receiving, &d);
    const char *rpath = NULL;
    if (rc == TS_OK) rc = dz_agency_path(x, d.receiving, &rpath);
    if (rc == TS_OK) rc = ts_require(x, ROLE_OFFICER, rpath);
    if (rc == TS_OK && in->owner) {
        rc =
            db_int(x->db, x->err, &d.owner_id, 0,
                   "SELECT id FROM accounts WHERE username = ? AND disabled = 0", DBV_T(in->owner));
        if (rc == TS_OK && !d.owner_id)
            rc = ts_err_field(x->err, TS_EVALIDATION, "owner", M_ACCOUNT_NOT_FOUND, in->owner);
    }
    applicant_of(x, &in->applicant, false, &d);
    if (rc == TS_OK && (!d.applicant_name || !*d.applicant_name))
        rc = ts_err_field(x->err, TS_EVALIDATION, "applicant_name", M_FIELD_REQUIRED, NULL);
    int64_t now = dossiers_now_min(x);
    if (rc == TS_OK) rc = dossiers_codegen(x, d.receiving, now, &d.code);
    if (rc == TS_OK) rc = insert_row(x, &d, in->idem_key);
    if (rc == TS_OK) {
        int64_t old = d.rev;
        d.submitted_at = now;
        d.flags = dz_procedure_flags(&p, doc);
        rc = dz_receive(x, &d, doc);
        if (rc == TS_OK) rc = dz_save(x, &d, old);
    }
    dossier_step *steps = NULL;
    int nsteps = 0;
    if (rc == TS_OK) rc = dz_steps_of_doc(x, &d, doc, &steps, &nsteps);
    agency rag; /* the names the notices say */
    d.procedure_name = p.name;
    d.procedure_name_en = p.name_en;
    if (rc == TS_OK) { /* a storage failure fails the intake; a missing name is only a code */
        ts_code fr = agencies_find(x, d.receiving, &rag);
        if (fr == TS_OK) d.receiving_name = rag.name;
        if (fr == TS_ENOTFOUND)
            ts_err_clear(x->err);
        else
            rc = fr;
    }
    json_decref(doc);
    TS_TRY(rc);
    TS_TRY(dz_event(x, &d, "intake", DS_DRAFT, DS_RECEIVED, d.receiving, NULL));
    ic->id = d.id;
    ic->created = true;
    TS_TRY(dz_audit(x, &d, "intake", DS_DRAFT, d.receiving, NULL));
    dz_prev prev = {DS_DRAFT, NULL, NULL, 0};
    TS_TRY(dz_notify(x, &d, steps, nsteps, "intake", &prev));
    return reload(x, d.id, ic->out);
}

ts_code dossiers_intake(ts_ctx *x, const dossier_new *in, dossier_view *out, bool *created)
{
    *created = false;
    memset(out, 0, sizeof *out);
    intake_ctx ic = {.in = in, .out = out};
    ts_code rc = ts_write(x, intake_tx, &ic);
    if (rc == TS_ECONFLICT && in->idem_key) { /* the same key at the same instant */
        ts_err_clear(x->err);
        TS_TRY(by_idem_key(x, in->idem_key, &ic.id));
        if (!ic.id) return ts_err_set(x->err, TS_ECONFLICT, M_CONFLICT, NULL);
        ic.created = false;
        rc = reload(x, ic.id, out);
    }
    TS_TRY(rc);
    *created = ic.created;
    return TS_OK;
}
