/*
 * agencies — rules and SQL for agencies (cơ quan, đơn vị); see agencies.h.
 */
#include "agencies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../db/dbrow.h"
#include "../../lib/fieldcheck.h"
#include "../../lib/jsonx.h"
#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../lib/text.h"
#include "../../lib/timeutil.h"
#include "../../platform/audit.h"
#include "../../platform/ctx.h"
#include "../../platform/search.h"
#include "../units/units.h"

AGENCIES_MESSAGES(TS_MSG_DEFINE)
const ts_msg agencies_messages[] = {AGENCIES_MESSAGES(TS_MSG_REF) NULL};

#define AG_COLS                                                                                    \
    "a.id, a.code, a.parent_id, p.code, a.path, a.level, a.kind, a.name, a.short_name, "           \
    "a.unit_code, a.email, a.phone, a.address, a.website, a.valid_from, a.valid_to, "              \
    "a.created_at, a.updated_at"
#define AG_FROM " FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id"

/* Deepest tree we walk for a parent chain (a guard, real trees have 3–5). */
#define AG_MAX_DEPTH 32

/* ------------------------------------------------------------------ */
/* validators                                                            */

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}
static int is_upper(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

int agencies_code_valid(const char *code)
{
    if (!code) return 0;
    const char *p = code;
    for (int i = 0; i < 3; i++)
        if (!is_digit(*p++)) return 0;
    int groups = 0;
    while (p[0] == '.' && is_digit(p[1]) && is_digit(p[2]) && p[3] == '.') {
        p += 3;
        groups++;
    }
    if (groups < 1 || groups > 3) return 0;
    return p[0] == '.' && is_upper(p[1]) && is_digit(p[2]) && is_digit(p[3]) && p[4] == '\0';
}

const char *const agency_kinds[] = {
    "province_committee", "department", "division", "service_centre",
    "commune_committee",  "police",     "other",    NULL};

int agencies_kind_valid(const char *kind)
{
    if (!kind) return 0;
    for (int i = 0; agency_kinds[i]; i++)
        if (!strcmp(kind, agency_kinds[i])) return 1;
    return 0;
}

static bool code_ok(const char *code)
{
    return agencies_code_valid(code);
}
const ts_format FMT_AGENCY_CODE = {code_ok, M_AGENCY_CODE_FORMAT, NULL};

static bool kind_ok(const char *kind)
{
    return agencies_kind_valid(kind);
}
const ts_format FMT_AGENCY_KIND = {kind_ok, M_AGENCY_KIND, AGENCY_KIND_LIST};

/* ------------------------------------------------------------------ */
/* reading                                                               */

static void read_agency(arena *a, db_stmt *s, agency *g)
{
    g->id = db_col_int(s, 0);
    g->code = db_col_dup(a, s, 1);
    g->parent_id = db_col_is_null(s, 2) ? 0 : db_col_int(s, 2);
    g->parent_code = db_col_dup(a, s, 3);
    g->path = db_col_dup(a, s, 4);
    g->level = (int)db_col_int(s, 5);
    g->kind = db_col_dup(a, s, 6);
    g->name = db_col_dup(a, s, 7);
    g->short_name = db_col_dup(a, s, 8);
    g->unit_code = db_col_dup(a, s, 9);
    g->email = db_col_dup(a, s, 10);
    g->phone = db_col_dup(a, s, 11);
    g->address = db_col_dup(a, s, 12);
    g->website = db_col_dup(a, s, 13);
    g->valid_from = db_col_dup(a, s, 14);
    g->valid_to = db_col_dup(a, s, 15);
    g->created_at = db_col_dup(a, s, 16);
    g->updated_at = db_col_dup(a, s, 17);
}

/* One agency by code (code != NULL) or else by id. TS_ENOTFOUND (without a
 * message) when absent: callers choose the message. */
static ts_code get_one(db_conn *c, arena *a, const char *code, int64_t id, agency *out, ts_err *err)
{
    db_stmt *s;
    TS_TRY(db_prepare(c,
                      code ? "SELECT " AG_COLS AG_FROM " WHERE a.code = ?"
                           : "SELECT " AG_COLS AG_FROM " WHERE a.id = ?",
                      &s, err));
    if (code)
        db_bind_text(s, 1, code, -1);
    else
        db_bind_int(s, 1, id);
    int r = db_step(s, err);
    if (r == DB_ROW) read_agency(a, s, out);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    return r == DB_ROW ? TS_OK : TS_ENOTFOUND;
}

static ts_code get_by_code(db_conn *c, arena *a, const char *code, agency *out, ts_err *err)
{
    return get_one(c, a, code, 0, out, err);
}

/* 1 when an administrative unit with this code is valid today, 0 when not, <0 on error. */
static int unit_exists(db_conn *c, arena *a, const char *code, ts_err *err)
{
    ts_ctx y;
    ts_ctx_init(&y, c, a, NULL, NULL, err);
    ts_code rc = units_exists(&y, code, NULL);
    return rc == TS_OK ? 1 : rc == TS_ENOTFOUND ? 0 : -(int)rc;
}

ts_code agencies_find(ts_ctx *x, const char *code, agency *out)
{
    if (!agencies_code_valid(code)) return TS_ENOTFOUND;
    return get_by_code(x->db, x->a, code, out, x->err);
}

ts_code agencies_get(ts_ctx *x, const char *code, agency *out, agency **chain, int *nchain,
                     int64_t *nchildren)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    *chain = NULL;
    *nchain = 0;
    *nchildren = 0;
    if (!agencies_code_valid(code)) return ts_err_set(err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    ts_code rc = get_by_code(c, a, code, out, err);
    if (rc == TS_ENOTFOUND) return ts_err_set(err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    if (rc != TS_OK) return rc;
    agency tmp[AG_MAX_DEPTH];
    int n = 0;
    int64_t pid = out->parent_id;
    while (pid && n < AG_MAX_DEPTH) {
        rc = get_one(c, a, NULL, pid, &tmp[n], err);
        if (rc == TS_ENOTFOUND) break; /* cannot happen with the foreign key */
        if (rc != TS_OK) return rc;
        pid = tmp[n].parent_id;
        n++;
    }
    agency *ch = arena_alloc(a, sizeof(agency) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        ch[i] = tmp[n - 1 - i];
    *chain = ch;
    *nchain = n;
    db_stmt *s;
    TS_TRY(db_prepare(c, "SELECT COUNT(*) FROM agencies WHERE parent_id = ?", &s, err));
    db_bind_int(s, 1, out->id);
    return dbrow_int(s, 0, nchildren, err);
}

static const search_index agencies_search = {"agencies_fts", "a.id", "a.search_tsv"};

static void read_agency_row(arena *a, db_stmt *s, void *item)
{
    read_agency(a, s, item);
}

ts_code agencies_list(ts_ctx *x, const agencies_query *q, agencies_list_result *out)
{
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    memset(out, 0, sizeof *out);
    out->items = arena_calloc(a, sizeof *out->items);
    search_list l;
    ts_code rc = search_list_begin(&l, c, a, q->q, err);
    if (rc != TS_OK) return rc;
    dbw *w = &l.w;
    agency g;
    if (q->parent) {
        rc = get_by_code(c, a, q->parent, &g, err);
        if (rc == TS_ENOTFOUND) return TS_OK; /* no such parent: no children */
        if (rc != TS_OK) return rc;
        dbw_and(w, "a.parent_id = ?", DBV_I(g.id));
    }
    if (q->within) {
        rc = get_by_code(c, a, q->within, &g, err);
        if (rc == TS_ENOTFOUND) return TS_OK;
        if (rc != TS_OK) return rc;
        /* ids and '/' only: no escaping needed */
        dbw_and(w, "a.path LIKE ?", DBV_T(arena_printf(a, "%s%%", g.path)));
    }
    dbw_text(w, "a.unit_code = ?", q->unit);
    dbw_text(w, "a.kind = ?", q->kind);
    dbw_page_q pq = {.cols = AG_COLS,
                     .from = "agencies a LEFT JOIN agencies p ON p.id = a.parent_id",
                     .order = "a.level, a.code",
                     .limit = q->limit,
                     .offset = q->offset};
    db_rowspec rs = {.size = sizeof(agency), .fn = read_agency_row};
    void *items;
    rc = search_list_page(c, &l, &agencies_search, pq, &rs, &items, &out->n, &out->total, err);
    out->items = items;
    return rc;
}

static const jw_field agency_fields[] = {
    JWF(STR, agency, code),      JWF(STR, agency, parent_code), JWF(INT, agency, level),
    JWF(STR, agency, kind),      JWF(STR, agency, name),        JWF(STR, agency, short_name),
    JWF(STR, agency, unit_code), JWF(STR, agency, email),       JWF(STR, agency, phone),
    JWF(STR, agency, address),   JWF(STR, agency, website),     JWF(STR, agency, valid_from),
    JWF(STR, agency, valid_to),  JWF(STR, agency, created_at),  JWF(STR, agency, updated_at),
};

JX_SERIALIZER(agency, agency_write_json, agency_to_json, agency_fields)

/* ------------------------------------------------------------------ */
/* writing (inside a transaction)                                        */

static const char *search_key(arena *a, const char *name, const char *short_name, const char *code)
{
    return arena_printf(a, "%s %s %s", text_fold(a, name, strlen(name)),
                        short_name ? text_fold(a, short_name, strlen(short_name)) : "",
                        text_fold(a, code, strlen(code)));
}

/* Insert g (code, kind, names, contacts, dates) under parent (NULL = root); fills id/path/level. */
static ts_code insert_row(db_conn *c, arena *a, agency *g, const agency *parent, const char *now,
                          ts_err *err)
{
    db_stmt *s;
    ts_code rc = db_prepare(
        c,
        "INSERT INTO agencies (code, parent_id, path, level, kind, name, short_name, unit_code, "
        "email, phone, address, website, search_key, valid_from, valid_to, created_at, "
        "updated_at) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &s, err);
    if (rc != TS_OK) return rc;
    g->level = parent ? parent->level + 1 : 1;
    g->parent_id = parent ? parent->id : 0;
    g->parent_code = parent ? parent->code : NULL;
    db_bind_text(s, 1, g->code, -1);
    if (parent)
        db_bind_int(s, 2, parent->id);
    else
        db_bind_null(s, 2);
    db_bind_int(s, 3, g->level);
    db_bind_text(s, 4, g->kind, -1);
    db_bind_text(s, 5, g->name, -1);
    db_bind_text(s, 6, g->short_name, -1);
    db_bind_text(s, 7, g->unit_code, -1);
    db_bind_text(s, 8, g->email, -1);
    db_bind_text(s, 9, g->phone, -1);
    db_bind_text(s, 10, g->address, -1);
    db_bind_text(s, 11, g->website, -1);
    db_bind_text(s, 12, search_key(a, g->name, g->short_name, g->code), -1);
    db_bind_text(s, 13, g->valid_from, -1);
    db_bind_text(s, 14, g->valid_to, -1);
    db_bind_text(s, 15, now, -1);
    db_bind_text(s, 16, now, -1);
    rc = dbrow_int(s, g->id, &g->id, err);
    if (rc != TS_OK) return rc;
    g->path = arena_printf(a, "%s%lld/", parent ? parent->path : "/", (long long)g->id);
    g->created_at = g->updated_at = now;
    TS_TRY(db_prepare(c, "UPDATE agencies SET path = ? WHERE id = ?", &s, err));
    db_bind_text(s, 1, g->path, -1);
    db_bind_int(s, 2, g->id);
    int r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* Write g's own columns (not its place in the tree) back to its row. */
static ts_code update_row(db_conn *c, arena *a, const agency *g, const char *now, ts_err *err)
{
    return db_run(c, err,
                  "UPDATE agencies SET kind = ?, name = ?, short_name = ?, "
                  "unit_code = ?, email = ?, phone = ?, address = ?, website = ?, "
                  "valid_to = ?, search_key = ?, updated_at = ? WHERE id = ?",
                  DBV_T(g->kind), DBV_T(g->name), DBV_T(g->short_name), DBV_T(g->unit_code),
                  DBV_T(g->email), DBV_T(g->phone), DBV_T(g->address), DBV_T(g->website),
                  DBV_T(g->valid_to), DBV_T(search_key(a, g->name, g->short_name, g->code)),
                  DBV_T(now), DBV_I(g->id));
}

/* 1 when candidate is g itself or lies in g's subtree. */
static int in_subtree(const agency *g, const agency *candidate)
{
    return !strncmp(candidate->path, g->path, strlen(g->path));
}

/*
 * Move g under parent (NULL = make it a root): its parent_id, and the path
 * and level of g and its whole subtree. The caller has refused cycles.
 */
static ts_code move_subtree(db_conn *c, arena *a, const agency *g, const agency *parent,
                            const char *now, ts_err *err)
{
    const char *new_path =
        arena_printf(a, "%s%lld/", parent ? parent->path : "/", (long long)g->id);
    int64_t dlevel = (int64_t)(parent ? parent->level + 1 : 1) - g->level;
    db_stmt *s;
    ts_code rc = db_prepare(c, "UPDATE agencies SET parent_id = ? WHERE id = ?", &s, err);
    if (rc != TS_OK) return rc;
    if (parent)
        db_bind_int(s, 1, parent->id);
    else
        db_bind_null(s, 1);
    db_bind_int(s, 2, g->id);
    int r = db_step(s, err);
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    rc =
        db_prepare(c,
                   "UPDATE agencies SET path = CAST(? AS TEXT) || substr(path, CAST(? AS INTEGER)),"
                   " level = level + CAST(? AS INTEGER), updated_at = ? WHERE path LIKE ?",
                   &s, err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_T(new_path), DBV_I((int64_t)strlen(g->path) + 1), DBV_I(dlevel), DBV_T(now),
                 DBV_T(arena_printf(a, "%s%%", g->path)));
    r = db_step(s, err);
    db_reset(s);
    return r < 0 ? (ts_code)-r : TS_OK;
}

/* {field: {from, to}} for every field that differs (updated_at aside). */
static json_t *diff(const agency *before, const agency *after)
{
    json_t *from = agency_to_json(before), *to = agency_to_json(after);
    json_object_del(from, "updated_at");
    json_object_del(to, "updated_at");
    json_t *sum = jx_diff(from, to);
    json_decref(from);
    json_decref(to);
    return sum;
}

/* ------------------------------------------------------------------ */
/* create                                                                */

static void check_contacts(const char *email, const char *phone, const char *address,
                           const char *website, ts_err *err)
{
    if (email && !v_email(email)) ts_err_field(err, TS_EVALIDATION, "email", M_EMAIL_FORMAT, NULL);
    if (phone && !v_phone(phone)) ts_err_field(err, TS_EVALIDATION, "phone", M_PHONE_FORMAT, NULL);
    fc_text("address", address, 500, err);
    if (website && !v_url(website))
        ts_err_field(err, TS_EVALIDATION, "website", M_URL_FORMAT, NULL);
}

typedef struct create_ctx {
    const agency_new *in;
    agency *out;
} create_ctx;

static ts_code create_tx(ts_ctx *x, void *argp)
{
    create_ctx *cc = argp;
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    const agency_new *in = cc->in;
    agency existing, parent = {0};
    ts_code rc = get_by_code(c, a, in->code, &existing, err);
    if (rc == TS_OK) { /* the detail and the field both name the code */
        ts_err_set(err, TS_ECONFLICT, M_AGENCY_CODE_TAKEN, in->code);
        return ts_err_field(err, TS_ECONFLICT, "code", M_AGENCY_CODE_TAKEN, in->code);
    }
    if (rc != TS_ENOTFOUND) return rc;
    if (in->parent_code) {
        rc = get_by_code(c, a, in->parent_code, &parent, err);
        if (rc == TS_ENOTFOUND)
            ts_err_field(err, TS_EVALIDATION, "parent_code", M_AGENCY_PARENT_NOT_FOUND,
                         in->parent_code);
        else if (rc != TS_OK)
            return rc;
    }
    if (in->unit_code) {
        int r = unit_exists(c, a, in->unit_code, err);
        if (r < 0) return (ts_code)-r;
        if (!r) ts_err_field(err, TS_EVALIDATION, "unit_code", M_UNIT_NOT_FOUND, in->unit_code);
    }
    if (err->nfields) return err->code;
    agency g = {0};
    g.code = in->code;
    g.kind = in->kind ? in->kind : "other";
    g.name = in->name;
    g.short_name = in->short_name;
    g.unit_code = in->unit_code;
    g.email = in->email;
    g.phone = in->phone;
    g.address = in->address;
    g.website = in->website;
    g.valid_from = in->valid_from ? in->valid_from : units_today(a);
    g.valid_to = in->valid_to;
    rc = insert_row(c, a, &g, in->parent_code ? &parent : NULL, ts_now(x), err);
    if (rc != TS_OK) return rc;
    json_t *sum = agency_to_json(&g);
    json_object_del(sum, "created_at");
    json_object_del(sum, "updated_at");
    rc = ts_audit(x, "agency.create", "agency", g.code, g.code, sum);
    json_decref(sum);
    *cc->out = g;
    return rc;
}

ts_code agencies_create(ts_ctx *x, const agency_new *in, agency *out)
{
    arena *a = x->a;
    ts_err *err = x->err;
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    if (!in->code)
        ts_err_field(err, TS_EVALIDATION, "code", M_FIELD_REQUIRED, NULL);
    else if (!agencies_code_valid(in->code))
        ts_err_field(err, TS_EVALIDATION, "code", M_AGENCY_CODE_FORMAT, NULL);
    if (in->parent_code && !agencies_code_valid(in->parent_code))
        ts_err_field(err, TS_EVALIDATION, "parent_code", M_AGENCY_CODE_FORMAT, NULL);
    if (in->kind && !agencies_kind_valid(in->kind))
        ts_err_field(err, TS_EVALIDATION, "kind", M_AGENCY_KIND, AGENCY_KIND_LIST);
    fc_text_required("name", in->name, AGENCY_NAME_MAX, err);
    fc_text("short_name", in->short_name, AGENCY_SHORT_NAME_MAX, err);
    if (in->unit_code && !units_code_valid(in->unit_code))
        ts_err_field(err, TS_EVALIDATION, "unit_code", M_UNIT_CODE_FORMAT, NULL);
    check_contacts(in->email, in->phone, in->address, in->website, err);
    if (in->valid_from && !time_valid_date(in->valid_from))
        ts_err_field(err, TS_EVALIDATION, "valid_from", M_FIELD_FORMAT, "YYYY-MM-DD");
    if (in->valid_to && !time_valid_date(in->valid_to))
        ts_err_field(err, TS_EVALIDATION, "valid_to", M_FIELD_FORMAT, "YYYY-MM-DD");
    else if (in->valid_to) {
        const char *from = in->valid_from ? in->valid_from : units_today(a);
        if (strcmp(in->valid_to, from) <= 0)
            ts_err_field(err, TS_EVALIDATION, "valid_to", M_FIELD_RANGE, "> valid_from");
    }
    if (err->nfields) return err->code;
    create_ctx cc = {in, out};
    return ts_write(x, create_tx, &cc);
}

/* ------------------------------------------------------------------ */
/* update                                                                */

typedef struct update_ctx {
    const char *code;
    const agency_patch *p;
    agency *out;
} update_ctx;

static ts_code update_tx(ts_ctx *x, void *argp)
{
    update_ctx *uc = argp;
    db_conn *c = x->db;
    arena *a = x->a;
    ts_err *err = x->err;
    const agency_patch *p = uc->p;
    agency before;
    ts_code rc = get_by_code(c, a, uc->code, &before, err);
    if (rc == TS_ENOTFOUND) return ts_err_set(err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, uc->code);
    if (rc != TS_OK) return rc;
    /* the agency, and a new parent, must lie in the actor's subtree; making
     * it a root takes a system admin of the whole tree */
    TS_TRY(ts_require(x, ROLE_AGENCY_ADMIN, before.path));
    if (p->clear_parent) TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, "/"));
    agency after = before, parent;
    const agency *new_parent = NULL;
    int move = 0;
    if (p->parent_code) {
        rc = get_by_code(c, a, p->parent_code, &parent, err);
        if (rc == TS_ENOTFOUND)
            return ts_err_field(err, TS_EVALIDATION, "parent_code", M_AGENCY_PARENT_NOT_FOUND,
                                p->parent_code);
        if (rc != TS_OK) return rc;
        TS_TRY(ts_require(x, ROLE_AGENCY_ADMIN, parent.path));
        if (in_subtree(&before, &parent))
            return ts_err_field(err, TS_EVALIDATION, "parent_code", M_AGENCY_CYCLE, NULL);
        new_parent = &parent;
        move = parent.id != before.parent_id;
    } else if (p->clear_parent) {
        move = before.parent_id != 0;
    }
    if (move) {
        after.parent_id = new_parent ? new_parent->id : 0;
        after.parent_code = new_parent ? new_parent->code : NULL;
        after.level = new_parent ? new_parent->level + 1 : 1;
    }
#define APPLY(f)                                                                                   \
    do {                                                                                           \
        if (p->f) after.f = p->f;                                                                  \
        if (p->clear_##f) after.f = NULL;                                                          \
    } while (0)
    if (p->name) after.name = p->name;
    APPLY(short_name);
    APPLY(email);
    APPLY(phone);
    APPLY(address);
    APPLY(website);
    APPLY(valid_to);
#undef APPLY
    if (after.valid_to && strcmp(after.valid_to, after.valid_from) <= 0)
        return ts_err_field(err, TS_EVALIDATION, "valid_to", M_FIELD_RANGE, "> valid_from");
    json_t *sum = diff(&before, &after);
    *uc->out = after;
    if (json_object_size(sum) == 0) { /* nothing changes: no write, no audit entry */
        json_decref(sum);
        return TS_OK;
    }
    const char *now = ts_now(x);
    rc = update_row(c, a, &after, now, err);
    if (rc == TS_OK && move) rc = move_subtree(c, a, &before, new_parent, now, err);
    if (rc == TS_OK) rc = ts_audit(x, "agency.update", "agency", before.code, before.code, sum);
    json_decref(sum);
    if (rc != TS_OK) return rc;
    rc = get_by_code(c, a, before.code, uc->out, err);
    return rc == TS_ENOTFOUND ? TS_EINTERNAL : rc;
}

ts_code agencies_update(ts_ctx *x, const char *code, const agency_patch *p, agency *out)
{
    ts_err *err = x->err;
    if (!agencies_code_valid(code)) return ts_err_set(err, TS_ENOTFOUND, M_AGENCY_NOT_FOUND, code);
    if (p->name) fc_text("name", p->name, AGENCY_NAME_MAX, err);
    fc_text("short_name", p->short_name, AGENCY_SHORT_NAME_MAX, err);
    check_contacts(p->email, p->phone, p->address, p->website, err);
    if (p->valid_to && !time_valid_date(p->valid_to))
        ts_err_field(err, TS_EVALIDATION, "valid_to", M_FIELD_FORMAT, "YYYY-MM-DD");
    if (p->parent_code && !agencies_code_valid(p->parent_code))
        ts_err_field(err, TS_EVALIDATION, "parent_code", M_AGENCY_CODE_FORMAT, NULL);
    if (err->nfields) return err->code;
    update_ctx uc = {code, p, out};
    return ts_write(x, update_tx, &uc);
}

/* ------------------------------------------------------------------ */
/* demo data                                                             */

/*
 * Identifier scheme of the demo (ILLUSTRATIVE: real identifiers are
 * assigned by the Ministry; "H06" is not Bắc Ninh's real letter-code).
 * Read right to left, `LLL.MM.NN.H06`:
 *   H06  the province (Bắc Ninh);
 *   NN   a unit directly under the provincial people's committee:
 *        00 the committee itself, 01–49 departments and province-level
 *        agencies, 90 the block of commune people's committees;
 *   MM   a unit inside NN (a division, a centre), 00 = NN itself;
 *   LLL  a third level, 000 when unused.
 * A commune people's committee is `DDD.DD.90.H06`, where DDDDD is the
 * commune's statistics-office code (07210 -> 072.10.90.H06), so its
 * identifier is stable whatever order the units come in.
 */
#define DEMO_PROVINCE_UNIT "24"
#define DEMO_ROOT "000.00.00.H06"
#define DEMO_VALID_FROM "2025-07-01"

static const struct demo_agency {
    const char *code, *parent, *kind, *name, *short_name, *website;
} demo_agencies[] = {
    {DEMO_ROOT, NULL, "province_committee", "Ủy ban nhân dân tỉnh Bắc Ninh", "UBND tỉnh Bắc Ninh",
     "https://bacninh.gov.vn"},
    {"000.00.01.H06", DEMO_ROOT, "department", "Văn phòng Ủy ban nhân dân tỉnh",
     "Văn phòng UBND tỉnh", NULL},
    {"000.00.02.H06", DEMO_ROOT, "department", "Sở Nội vụ", "SNV", NULL},
    {"000.00.03.H06", DEMO_ROOT, "department", "Sở Tư pháp", "STP", NULL},
    {"000.00.04.H06", DEMO_ROOT, "department", "Sở Xây dựng", "SXD", NULL},
    {"000.00.05.H06", DEMO_ROOT, "department", "Sở Tài chính", "STC", NULL},
    {"000.00.06.H06", DEMO_ROOT, "department", "Sở Khoa học và Công nghệ", "Sở KH&CN", NULL},
    {"000.00.07.H06", DEMO_ROOT, "department", "Sở Y tế", "SYT", NULL},
    {"000.00.08.H06", DEMO_ROOT, "department", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", NULL},
    {"000.00.09.H06", DEMO_ROOT, "department", "Sở Nông nghiệp và Môi trường", "Sở NN&MT", NULL},
    {"000.00.10.H06", DEMO_ROOT, "department", "Sở Công Thương", "SCT", NULL},
    {"000.00.11.H06", DEMO_ROOT, "department", "Sở Văn hóa, Thể thao và Du lịch", "Sở VHTTDL",
     NULL},
    {"000.00.12.H06", DEMO_ROOT, "police", "Công an tỉnh Bắc Ninh", "Công an tỉnh", NULL},
    {"000.00.13.H06", DEMO_ROOT, "department", "Sở Dân tộc và Tôn giáo", "Sở DT&TG", NULL},
    {"000.00.14.H06", DEMO_ROOT, "department", "Thanh tra tỉnh", "TTT", NULL},
    {"000.00.15.H06", DEMO_ROOT, "department", "Sở Ngoại vụ", "SNgV", NULL},
    {"000.20.01.H06", "000.00.01.H06", "service_centre",
     "Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh", "Trung tâm PVHCC tỉnh", NULL},
    {"000.21.01.H06", "000.00.01.H06", "service_centre",
     "Trung tâm Giám sát, điều hành thông minh tỉnh Bắc Ninh", "Trung tâm IOC tỉnh", NULL},
    {"000.01.03.H06", "000.00.03.H06", "division", "Phòng Hành chính tư pháp", NULL, NULL},
    {"000.02.03.H06", "000.00.03.H06", "division", "Phòng Bổ trợ tư pháp", NULL, NULL},
};

typedef struct demo_ctx {
    const char *actor;
    agencies_demo_result *res;
    arena *a;
    const char *now;
} demo_ctx;

/* Insert or bring up to date one demo agency. */
static ts_code demo_upsert(demo_ctx *dc, db_conn *c, const agency *want, ts_err *err)
{
    arena *a = dc->a;
    agency cur, parent;
    const agency *pp = NULL;
    ts_code rc;
    if (want->parent_code) {
        rc = get_by_code(c, a, want->parent_code, &parent, err);
        if (rc == TS_ENOTFOUND) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
        if (rc != TS_OK) return rc;
        pp = &parent;
    }
    rc = get_by_code(c, a, want->code, &cur, err);
    if (rc == TS_ENOTFOUND) {
        agency g = *want;
        rc = insert_row(c, a, &g, pp, dc->now, err);
        if (rc == TS_OK) dc->res->inserted++;
        return rc;
    }
    if (rc != TS_OK) return rc;
    int moved = (pp ? pp->id : 0) != cur.parent_id;
    if (moved && pp && in_subtree(&cur, pp)) /* edited into a cycle? keep the tree sound */
        return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    if (!moved && fc_same(cur.kind, want->kind) && fc_same(cur.name, want->name) &&
        fc_same(cur.short_name, want->short_name) && fc_same(cur.unit_code, want->unit_code) &&
        fc_same(cur.website, want->website)) {
        dc->res->unchanged++;
        return TS_OK;
    }
    agency upd = cur;
    upd.kind = want->kind;
    upd.name = want->name;
    upd.short_name = want->short_name;
    upd.unit_code = want->unit_code;
    upd.website = want->website;
    rc = update_row(c, a, &upd, dc->now, err);
    if (rc == TS_OK && moved) rc = move_subtree(c, a, &cur, pp, dc->now, err);
    if (rc == TS_OK) dc->res->updated++;
    return rc;
}

static ts_code demo_tx(ts_ctx *x, void *argp)
{
    db_conn *c = x->db;
    ts_err *err = x->err;
    demo_ctx *dc = argp;
    arena *a = dc->a;
    memset(dc->res, 0, sizeof *dc->res);
    int r = unit_exists(c, a, DEMO_PROVINCE_UNIT, err);
    if (r < 0) return (ts_code)-r;
    if (!r) return ts_err_set(err, TS_ENOTFOUND, M_UNIT_NOT_FOUND, DEMO_PROVINCE_UNIT);
    /* the communes and wards of the province, valid today */
    units_query uq = {.parent = DEMO_PROVINCE_UNIT, .level = 3, .limit = 256};
    units_list_result ul;
    ts_ctx y = *x;
    y.a = a;
    ts_code rc = units_list(&y, &uq, &ul);
    if (rc != TS_OK) return rc;
    int n = 0;
    agency *communes = arena_calloc(a, sizeof(agency) * (size_t)(ul.n ? ul.n : 1));
    for (int i = 0; i < ul.n; i++) {
        const unit *u = &ul.items[i];
        if (!u->code || strlen(u->code) != 5 || !u->full_name) continue;
        agency *g = &communes[n++];
        g->code = arena_printf(a, "%.3s.%.2s.90.H06", u->code, u->code + 3);
        g->parent_code = DEMO_ROOT;
        g->kind = "commune_committee";
        g->name = arena_printf(a, "UBND %s", u->full_name);
        g->unit_code = u->code;
        g->valid_from = DEMO_VALID_FROM;
    }
    for (size_t i = 0; i < sizeof demo_agencies / sizeof demo_agencies[0]; i++) {
        const struct demo_agency *da = &demo_agencies[i];
        agency g = {.code = da->code,
                    .parent_code = da->parent,
                    .kind = da->kind,
                    .name = da->name,
                    .short_name = da->short_name,
                    .unit_code = DEMO_PROVINCE_UNIT,
                    .website = da->website,
                    .valid_from = DEMO_VALID_FROM};
        rc = demo_upsert(dc, c, &g, err);
        if (rc != TS_OK) return rc;
    }
    for (int i = 0; i < n; i++) {
        rc = demo_upsert(dc, c, &communes[i], err);
        if (rc != TS_OK) return rc;
    }
    agencies_demo_result *res = dc->res;
    json_t *sum =
        json_pack("{s:s,s:i,s:i,s:i,s:i}", "province_unit", DEMO_PROVINCE_UNIT, "communes", n,
                  "inserted", res->inserted, "updated", res->updated, "unchanged", res->unchanged);
    rc = ts_audit(x, "agencies.demo", "agency", DEMO_ROOT, NULL, sum);
    res->audit_seq = x->audit_seq;
    json_decref(sum);
    return rc;
}

ts_code agencies_demo(db_conn *c, const char *actor, agencies_demo_result *res, ts_err *err)
{
    memset(res, 0, sizeof *res);
    char now[40];
    time_iso_us(time_now_us(), now, sizeof now);
    demo_ctx dc = {.actor = actor, .res = res, .now = now};
    dc.a = arena_new(1 << 16);
    ts_ctx x;
    ts_ctx_init(&x, c, dc.a, &ts_operator, actor, err);
    ts_code rc = ts_write(&x, demo_tx, &dc);
    arena_free(dc.a);
    return rc;
}
