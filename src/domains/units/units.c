/*
 * units — rules and SQL for administrative units; see units.h.
 */
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../lib/fieldcheck.h"
#include "../../lib/jsonw.h"
#include "../../lib/jsonx.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/audit.h"
#include "../../platform/ctx.h"
#include "../../platform/refcache.h"
#include "../../platform/search.h"

UNITS_MESSAGES(TS_MSG_DEFINE)
const ts_msg units_messages[] = {UNITS_MESSAGES(TS_MSG_REF) NULL};

#define UNIT_COLS                                                                                  \
    "id, code, parent_code, level, kind, name, name_en, full_name, full_name_en, code_name, "      \
    "unit_type, unit_type_en, valid_from, valid_to"

int units_code_valid(const char *code)
{
    if (!code) return 0;
    size_t n = strlen(code);
    if (n != 2 && n != 3 && n != 5) return 0;
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9') return 0;
    return 1;
}

static bool unit_code_ok(const char *code)
{
    return units_code_valid(code);
}
const ts_format FMT_UNIT_CODE = {unit_code_ok, M_UNIT_CODE_FORMAT, NULL};
/* The columns of UNIT_COLS, in order. */
static const db_colmap unit_map[] = {
    DBC(I64, unit, id),          DBC(TEXT, unit, code),      DBC(TEXT, unit, parent_code),
    DBC(INT, unit, level),       DBC(TEXT, unit, kind),      DBC(TEXT, unit, name),
    DBC(TEXT, unit, name_en),    DBC(TEXT, unit, full_name), DBC(TEXT, unit, full_name_en),
    DBC(TEXT, unit, code_name),  DBC(TEXT, unit, unit_type), DBC(TEXT, unit, unit_type_en),
    DBC(TEXT, unit, valid_from), DBC(TEXT, unit, valid_to),
};
#define UNIT_NCOLS ((int)(sizeof unit_map / sizeof unit_map[0]))

static void read_unit(arena *a, db_stmt *s, unit *u)
{
    db_row_map(a, s, unit_map, UNIT_NCOLS, u);
}

/* Today's date (UTC), formatted at most once a second per thread. */
const char *units_today(arena *a)
{
    static _Thread_local char d[16];
    static _Thread_local int64_t at_s = -1;
    int64_t now_s = time_now_us() / 1000000;
    if (now_s != at_s) {
        time_date(now_s * 1000000, d, sizeof d);
        at_s = now_s;
    }
    return arena_strdup(a, d);
}

/* The newest version of a unit whatever its validity (for corrections). */
static ts_code get_latest(db_conn *c, arena *a, const char *code, unit *out, ts_err *err)
{
    db_stmt *s;
    TS_TRY(db_prepare(c,
                      "SELECT " UNIT_COLS " FROM admin_units WHERE code = ? "
                      "ORDER BY valid_from DESC LIMIT 1",
                      &s, err));
    db_bind_text(s, 1, code, -1);
    int r = db_step(s, err);
    if (r == DB_ROW) read_unit(a, s, out);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r == DB_DONE) return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    return TS_OK;
}

ts_code units_exists(ts_ctx *x, const char *code, const char *date)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    const char *d = date ? date : units_today(a);
    int64_t n;
    TS_TRY(db_int(c, err, &n, 0,
                  "SELECT COUNT(*) FROM admin_units WHERE code = ? AND valid_from <= ? "
                  "AND (valid_to IS NULL OR valid_to > ?)",
                  DBV_T(code), DBV_T(d), DBV_T(d)));
    return n > 0 ? TS_OK : TS_ENOTFOUND;
}

ts_code units_get(ts_ctx *x, const char *code, const char *date, unit *out, unit **chain,
                  int *nchain)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    if (!units_code_valid(code))
        return ts_err_field(err, TS_ENOTFOUND, "code", M_UNIT_CODE_FORMAT, NULL);
    if (!date) date = units_today(a);
    /* the unit and up to two ancestors valid on date, in one round trip */
    db_stmt *s;
    TS_TRY(db_prepare(
        c,
        "SELECT u.id, u.code, u.parent_code, u.level, u.kind, u.name, u.name_en, u.full_name, "
        "u.full_name_en, u.code_name, u.unit_type, u.unit_type_en, u.valid_from, u.valid_to, "
        "p1.code, p1.name, p1.full_name, p1.level, p2.code, p2.name, p2.full_name, p2.level "
        "FROM admin_units u "
        "LEFT JOIN admin_units p1 ON p1.code = u.parent_code AND p1.valid_from <= ? "
        "AND (p1.valid_to IS NULL OR p1.valid_to > ?) "
        "LEFT JOIN admin_units p2 ON p2.code = p1.parent_code AND p2.valid_from <= ? "
        "AND (p2.valid_to IS NULL OR p2.valid_to > ?) "
        "WHERE u.code = ? AND u.valid_from <= ? AND (u.valid_to IS NULL OR u.valid_to > ?) "
        "ORDER BY u.valid_from DESC LIMIT 1",
        &s, err));
    for (int i = 1; i <= 7; i++)
        db_bind_text(s, i, i == 5 ? code : date, -1);
    int r = db_step(s, err);
    *nchain = 0;
    *chain = NULL;
    if (r == DB_ROW) {
        read_unit(a, s, out);
        unit *ch = arena_calloc(a, sizeof(unit) * 2);
        int n = 0;
        /* top-down: grandparent first */
        for (int col = 18; col >= 14; col -= 4) {
            if (db_col_is_null(s, col)) continue;
            ch[n].code = db_col_dup(a, s, col);
            ch[n].name = db_col_dup(a, s, col + 1);
            ch[n].full_name = db_col_dup(a, s, col + 2);
            ch[n].level = (int)db_col_int(s, col + 3);
            n++;
        }
        *chain = ch;
        *nchain = n;
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r == DB_DONE) return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    return TS_OK;
}

static const search_index units_search = {"admin_units_fts", "id", "search_tsv"};

ts_code units_list(ts_ctx *x, const units_query *q, units_list_result *out)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    memset(out, 0, sizeof *out);
    const char *date = q->date ? q->date : units_today(a);
    /* only the filters given go into the SQL, so the planner can use the
     * parent/level indexes (or the search index); each shape is prepared
     * once per connection */
    search_list l;
    ts_code rc = search_list_begin(&l, c, a, q->q, err);
    if (rc != TS_OK) return rc;
    dbw *w = &l.w;
    dbw_and(w, "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", DBV_T(date), DBV_T(date));
    dbw_text(w, "parent_code = ?", q->parent);
    dbw_int(w, "level = ?", q->level);
    dbw_page_q pq = {.cols = UNIT_COLS,
                     .from = "admin_units",
                     .order = "level, code",
                     .limit = q->limit,
                     .offset = q->offset};
    db_rowspec rs = {.size = sizeof(unit), .map = unit_map, .ncols = UNIT_NCOLS};
    void *items;
    rc = search_list_page(c, &l, &units_search, pq, &rs, &items, &out->n, &out->total, err);
    out->items = items;
    return rc;
}

bool units_list_key(arena *a, const units_query *q, char *key, size_t n)
{
    const char *f = "";
    if (q->q && !(f = text_fold(a, q->q, strlen(q->q)))) return false;
    int w = snprintf(key, n, "%c%s|%d|%lld|%lld@%s|%s", *f ? 'S' : 'L', q->parent ? q->parent : "",
                     q->level, (long long)q->limit, (long long)q->offset,
                     q->date ? q->date : units_today(a), f);
    return w > 0 && (size_t)w < n;
}

static const jw_field unit_fields[] = {
    JWF(STR, unit, code),      JWF(STR, unit, parent_code),  JWF(INT, unit, level),
    JWF(STR, unit, kind),      JWF(STR, unit, name),         JWF(STR, unit, name_en),
    JWF(STR, unit, full_name), JWF(STR, unit, full_name_en), JWF(STR, unit, code_name),
    JWF(STR, unit, unit_type), JWF(STR, unit, unit_type_en), JWF(STR, unit, valid_from),
    JWF(STR, unit, valid_to),
};

JX_SERIALIZER(unit, unit_write_json, unit_to_json, unit_fields)

/* ------------------------------------------------------------------ */
/* import                                                                */

typedef struct import_ctx {
    json_t *root;
    const char *valid_from;
    units_import_result *res;
    const char *now;
    arena *a;
} import_ctx;

/* The folded search key of a unit: "bac ninh tinh bac ninh bac ninh 24". */
static const char *search_key(arena *a, const char *name, const char *full, const char *name_en,
                              const char *code)
{
    return arena_printf(a, "%s %s %s %s", text_fold(a, name, strlen(name)),
                        text_fold(a, full, strlen(full)),
                        name_en ? text_fold(a, name_en, strlen(name_en)) : "", code);
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *kind_of(const char *type_en, int level)
{
    if (!type_en) return level == 1 ? "province" : level == 2 ? "district" : "commune";
    if (!strcmp(type_en, "Province")) return "province";
    if (!strcmp(type_en, "City")) return level == 1 ? "city" : "district_city";
    if (!strcmp(type_en, "Ward")) return "ward";
    if (!strcmp(type_en, "Commune")) return "commune";
    if (!strcmp(type_en, "Township")) return "township";
    if (!strcmp(type_en, "Town")) return "town";
    if (!strcmp(type_en, "District") || !strcmp(type_en, "Urban district") ||
        !strcmp(type_en, "Rural district"))
        return "district";
    if (strstr(type_en, "Special")) return "special_zone";
    return level == 1 ? "province" : level == 2 ? "district" : "commune";
}

/* Validate one item; fills field errors naming its position. */
static int check_item(json_t *it, int level, const char *where, ts_err *err)
{
    static const char *const req[] = {"Code", "Name", "FullName"};
    if (!json_is_object(it)) {
        ts_err_field(err, TS_EVALIDATION, where, M_FIELD_TYPE_OBJECT, NULL);
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        const char *v = jstr(it, req[i]);
        char f[160];
        snprintf(f, sizeof f, "%.120s.%s", where, req[i]);
        if (!v || !*v) {
            ts_err_field(err, TS_EVALIDATION, f, M_FIELD_REQUIRED, NULL);
            return 0;
        }
        if (strlen(v) > 300) {
            ts_err_field(err, TS_EVALIDATION, f, M_FIELD_TOO_LONG, "300");
            return 0;
        }
    }
    const char *code = jstr(it, "Code");
    size_t want = level == 1 ? 2 : level == 2 ? 3 : 5;
    if (!units_code_valid(code) || strlen(code) != want) {
        char f[160];
        snprintf(f, sizeof f, "%.120s.Code", where);
        ts_err_field(err, TS_EVALIDATION, f, M_UNIT_CODE_FORMAT, NULL);
        return 0;
    }
    return 1;
}

static ts_code upsert(import_ctx *ic, db_conn *c, json_t *it, int level, int64_t parent_id,
                      const char *parent_code, int64_t *id_out, ts_err *err)
{
    arena *a = ic->a;
    const char *code = jstr(it, "Code");
    const char *name = jstr(it, "Name"), *name_en = jstr(it, "NameEn");
    const char *full = jstr(it, "FullName"), *full_en = jstr(it, "FullNameEn");
    const char *type = jstr(it, "AdministrativeUnitShortName");
    const char *type_en = jstr(it, "AdministrativeUnitShortNameEn");
    const char *code_name = jstr(it, "CodeName");
    name = text_nfc(a, name, strlen(name));
    full = text_nfc(a, full, strlen(full));
    if (!name || !full) return ts_err_field(err, TS_EVALIDATION, code, M_FIELD_UTF8, NULL);
    if (name_en) name_en = text_nfc(a, name_en, strlen(name_en));
    if (full_en) full_en = text_nfc(a, full_en, strlen(full_en));
    if (type) type = text_nfc(a, type, strlen(type));
    const char *key = search_key(a, name, full, name_en, code);

    /* existing row for this shape? compare to count unchanged vs updated */
    db_stmt *s;
    ts_code rc = db_prepare(c,
                            "SELECT id, name, name_en, full_name, full_name_en, parent_code, "
                            "kind, unit_type, unit_type_en, code_name FROM admin_units "
                            "WHERE code = ? AND valid_from = ?",
                            &s, err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, code, -1);
    db_bind_text(s, 2, ic->valid_from, -1);
    int r = db_step(s, err);
    const char *kind = kind_of(type_en, level);
    db_val parent = parent_id ? DBV_I(parent_id) : DBV_NULL_VAL;
    if (r == DB_ROW) {
        int64_t id = db_col_int(s, 0);
#define SAME(i, v) fc_same(db_col_text(s, i), (v))
        int same = SAME(1, name) && SAME(2, name_en) && SAME(3, full) && SAME(4, full_en) &&
                   SAME(5, parent_code) && SAME(6, kind) && SAME(7, type) && SAME(8, type_en) &&
                   SAME(9, code_name);
#undef SAME
        db_reset(s);
        *id_out = id;
        if (same) {
            ic->res->unchanged++;
            return TS_OK;
        }
        rc = db_run(c, err,
                    "UPDATE admin_units SET name = ?, name_en = ?, full_name = ?, "
                    "full_name_en = ?, parent_id = ?, parent_code = ?, level = ?, kind = ?, "
                    "unit_type = ?, unit_type_en = ?, code_name = ?, search_key = ?, "
                    "updated_at = ? WHERE id = ?",
                    DBV_T(name), DBV_T(name_en), DBV_T(full), DBV_T(full_en), parent,
                    DBV_T(parent_code), DBV_I(level), DBV_T(kind), DBV_T(type), DBV_T(type_en),
                    DBV_T(code_name), DBV_T(key), DBV_T(ic->now), DBV_I(id));
        if (rc != TS_OK) return rc;
        ic->res->updated++;
        return TS_OK;
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    TS_TRY(db_int(c, err, id_out, 0,
                  "INSERT INTO admin_units (code, parent_id, parent_code, level, kind, name, "
                  "name_en, full_name, full_name_en, code_name, unit_type, unit_type_en, "
                  "search_key, valid_from, valid_to, updated_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING id",
                  DBV_T(code), parent, DBV_T(parent_code), DBV_I(level), DBV_T(kind), DBV_T(name),
                  DBV_T(name_en), DBV_T(full), DBV_T(full_en), DBV_T(code_name), DBV_T(type),
                  DBV_T(type_en), DBV_T(key), DBV_T(ic->valid_from), DBV_T(ic->now)));
    ic->res->inserted++;
    return TS_OK;
}

static ts_code import_tx(ts_ctx *x, void *argp)
{
    import_ctx *ic = argp;
    db_conn *c = x->db;
    ts_err *err = x->err;
    units_import_result *res = ic->res;
    memset(res, 0, sizeof *res);
    ic->now = ts_now(x);
    ic->a = x->a;
    size_t i;
    json_t *p;
    json_array_foreach(ic->root, i, p)
    {
        int64_t pid = 0;
        ts_code rc = upsert(ic, c, p, 1, 0, NULL, &pid, err);
        if (rc != TS_OK) return rc;
        res->provinces++;
        const char *pcode = jstr(p, "Code");
        json_t *dists = json_object_get(p, "Districts");
        size_t j;
        json_t *d;
        json_array_foreach(dists, j, d)
        {
            int64_t did = 0;
            rc = upsert(ic, c, d, 2, pid, pcode, &did, err);
            if (rc != TS_OK) return rc;
            res->districts++;
            size_t k;
            json_t *w;
            json_array_foreach(json_object_get(d, "Wards"), k, w)
            {
                int64_t wid;
                rc = upsert(ic, c, w, 3, did, jstr(d, "Code"), &wid, err);
                if (rc != TS_OK) return rc;
                res->communes++;
            }
        }
        json_t *w;
        json_array_foreach(json_object_get(p, "Wards"), j, w)
        {
            int64_t wid;
            rc = upsert(ic, c, w, 3, pid, pcode, &wid, err);
            if (rc != TS_OK) return rc;
            res->communes++;
        }
    }
    json_t *sum =
        json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:i}", "valid_from", ic->valid_from, "provinces",
                  res->provinces, "districts", res->districts, "communes", res->communes,
                  "inserted", res->inserted, "updated", res->updated, "unchanged", res->unchanged);
    ts_code rc = ts_audit(x, "units.import", "admin_units", ic->valid_from, NULL, sum);
    json_decref(sum);
    res->audit_seq = x->audit_seq;
    /* bumps the version; after the commit every server drops its copies */
    if (rc == TS_OK) rc = refcache_touch(c, REF_UNITS, err);
    return rc;
}

ts_code units_import(ts_ctx *x, const char *json, size_t len, const char *valid_from,
                     units_import_result *res)
{
    ts_err *err = x->err;
    memset(res, 0, sizeof *res);
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    if (!time_valid_date(valid_from))
        return ts_err_field(err, TS_EVALIDATION, "valid_from", M_FIELD_FORMAT, "YYYY-MM-DD");
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root) {
        char where[200];
        snprintf(where, sizeof where, "%s (line %d, column %d)", je.text, je.line, je.column);
        return ts_err_set(err, TS_EINVAL, M_JSON_MALFORMED, where);
    }
    ts_code rc = TS_OK;
    if (!json_is_array(root)) {
        rc = ts_err_field(err, TS_EVALIDATION, "$", M_FIELD_TYPE_ARRAY, NULL);
        goto out_root;
    }
    /* validate everything before writing anything */
    size_t i;
    json_t *p;
    json_array_foreach(root, i, p)
    {
        char where[64];
        snprintf(where, sizeof where, "[%zu]", i);
        if (!check_item(p, 1, where, err)) break;
        json_t *dists = json_object_get(p, "Districts"), *wards = json_object_get(p, "Wards");
        if ((dists && !json_is_array(dists)) || (wards && !json_is_array(wards))) {
            ts_err_field(err, TS_EVALIDATION, where, M_FIELD_TYPE_ARRAY, NULL);
            break;
        }
        size_t j, k;
        json_t *d, *w;
        json_array_foreach(dists, j, d)
        {
            char wd[96];
            snprintf(wd, sizeof wd, "[%zu].Districts[%zu]", i, j);
            if (!check_item(d, 2, wd, err)) break;
            json_t *dw = json_object_get(d, "Wards");
            if (dw && !json_is_array(dw)) {
                ts_err_field(err, TS_EVALIDATION, wd, M_FIELD_TYPE_ARRAY, NULL);
                break;
            }
            json_array_foreach(dw, k, w)
            {
                char ww[128];
                snprintf(ww, sizeof ww, "[%zu].Districts[%zu].Wards[%zu]", i, j, k);
                if (!check_item(w, 3, ww, err)) break;
            }
        }
        json_array_foreach(wards, j, w)
        {
            char ww[96];
            snprintf(ww, sizeof ww, "[%zu].Wards[%zu]", i, j);
            if (!check_item(w, 3, ww, err)) break;
        }
        if (err->nfields) break;
    }
    if (err->nfields) {
        rc = err->code;
        goto out_root;
    }
    import_ctx ic = {.root = root, .valid_from = valid_from, .res = res};
    rc = ts_write(x, import_tx, &ic);
    if (rc == TS_OK && res->inserted + res->updated > 0) /* one index segment again */
        rc = search_optimize(x->db, &units_search, err);
out_root:
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------ */
/* update                                                                */

typedef struct update_ctx {
    const char *code;
    const units_patch *p;
    unit *out;
} update_ctx;

static ts_code update_tx(ts_ctx *x, void *argp)
{
    update_ctx *uc = argp;
    db_conn *c = x->db;
    ts_err *err = x->err;
    unit before;
    ts_code rc = get_latest(c, x->a, uc->code, &before, err);
    if (rc != TS_OK) return rc;
    const units_patch *p = uc->p;
    unit after = before;
    if (p->name) after.name = p->name;
    if (p->name_en) after.name_en = p->name_en;
    if (p->full_name) after.full_name = p->full_name;
    if (p->full_name_en) after.full_name_en = p->full_name_en;
    if (p->valid_to) after.valid_to = p->valid_to;
    if (p->clear_valid_to) after.valid_to = NULL;
    if (after.valid_to && strcmp(after.valid_to, after.valid_from) <= 0)
        return ts_err_field(err, TS_EVALIDATION, "valid_to", M_FIELD_RANGE, "> valid_from");
    json_t *from = unit_to_json(&before), *to = unit_to_json(&after);
    json_t *sum = jx_diff(from, to);
    json_decref(from);
    json_decref(to);
    *uc->out = after;
    if (json_object_size(sum) == 0) { /* nothing changes: no write, no audit entry */
        json_decref(sum);
        return TS_OK;
    }
    const char *key = search_key(x->a, after.name, after.full_name, after.name_en, after.code);
    const char *now = ts_now(x);
    db_stmt *s;
    rc = db_prepare(c,
                    "UPDATE admin_units SET name = ?, name_en = ?, full_name = ?, "
                    "full_name_en = ?, valid_to = ?, search_key = ?, updated_at = ? WHERE id = ?",
                    &s, err);
    if (rc != TS_OK) goto out_sum;
    db_bind_list(s, DBV_T(after.name), DBV_T(after.name_en), DBV_T(after.full_name),
                 DBV_T(after.full_name_en), DBV_T(after.valid_to), DBV_T(key), DBV_T(now),
                 DBV_I(before.id));
    int r = db_step(s, err);
    db_reset(s);
    if (r < 0) {
        rc = (ts_code)-r;
        goto out_sum;
    }
    rc = ts_audit(x, "unit.update", "admin_unit", before.code, NULL, sum);
    /* bumps the version; after the commit every server drops its copies */
    if (rc == TS_OK) rc = refcache_touch(c, REF_UNITS, err);
out_sum:
    json_decref(sum);
    return rc;
}

ts_code units_update(ts_ctx *x, const char *code, const units_patch *p, unit *out)
{
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    if (!units_code_valid(code)) return ts_err_set(x->err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, code);
    if (p->valid_to && !time_valid_date(p->valid_to))
        return ts_err_field(x->err, TS_EVALIDATION, "valid_to", M_FIELD_FORMAT, "YYYY-MM-DD");
    update_ctx uc = {code, p, out};
    return ts_write(x, update_tx, &uc);
}
