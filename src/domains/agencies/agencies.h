/*
 * agencies — the province's agencies (cơ quan, đơn vị) as their own tree:
 * the provincial people's committee > departments (sở) > divisions, the
 * commune people's committees, service centres. Each has an electronic
 * identifier per QCVN 102:2016 shaped like `000.00.12.H56`. The tree is
 * kept as a materialized path of ids ('/1/5/') so "an agency and its
 * subtree" (the scope of a permission) is one prefix match.
 *
 * Every writing function takes the acting principal as `actor` (recorded in
 * the audit chain); the permission layer will check it before calling.
 */
#ifndef TS_AGENCIES_H
#define TS_AGENCIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../db/db.h"
#include "../../lib/arena.h"
#include "../../lib/validate.h"
#include "../../platform/ctx.h"

/* Messages (vi, en) of this module; see err.h. */
#define AGENCIES_MESSAGES(X)                                                                       \
    X(M_AGENCY_NOT_FOUND, "Không tìm thấy cơ quan, đơn vị %s.", "Agency %s not found.")            \
    X(M_AGENCY_CODE_FORMAT, "Mã định danh điện tử sai định dạng (ví dụ 000.00.12.H56).",           \
      "Wrong electronic identifier format (for example 000.00.12.H56).")                           \
    X(M_AGENCY_CODE_TAKEN, "Mã định danh %s đã được sử dụng.",                                     \
      "Agency code %s is already in use.")                                                         \
    X(M_AGENCY_PARENT_NOT_FOUND, "Không tìm thấy cơ quan cấp trên %s.",                            \
      "Parent agency %s not found.")                                                               \
    X(M_AGENCY_CYCLE, "Không thể chuyển cơ quan vào chính nó hoặc đơn vị trực thuộc của nó.",      \
      "An agency cannot be moved under itself or one of its own sub-units.")                       \
    X(M_AGENCY_KIND, "Loại cơ quan không hợp lệ; dùng một trong: %s.",                             \
      "Unknown agency kind; use one of: %s.")
AGENCIES_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg agencies_messages[];

#define AGENCY_NAME_MAX 300
#define AGENCY_SHORT_NAME_MAX 100
#define AGENCY_CODE_MAX 32

typedef struct agency {
    int64_t id;
    const char *code;        /* QCVN 102:2016 identifier */
    int64_t parent_id;       /* 0 for a root */
    const char *parent_code; /* NULL for a root */
    const char *path;        /* '/1/5/' (ids, internal) */
    int level;               /* depth, 1 = root */
    const char *kind;        /* see agencies_kind_valid */
    const char *name;        /* "Sở Tư pháp" */
    const char *short_name;  /* "STP" or NULL */
    const char *unit_code;   /* administrative unit served (admin_units.code) or NULL */
    const char *email, *phone, *address, *website; /* NULL when unknown */
    const char *valid_from;                        /* YYYY-MM-DD */
    const char *valid_to;                          /* YYYY-MM-DD (exclusive) or NULL */
    const char *created_at, *updated_at;           /* ISO 8601 UTC */
} agency;

/*
 * True when code has the shape of an electronic identifier: three digits,
 * one to three groups of two digits, then a letter and two digits, all
 * separated by dots ("000.00.12.H56", "000.01.H56", "000.00.00.00.G01").
 */
int agencies_code_valid(const char *code);
#define AGENCY_KIND_LIST                                                                           \
    "province_committee, department, division, service_centre, commune_committee, police, other"
/* One of AGENCY_KIND_LIST. */
int agencies_kind_valid(const char *kind);
/* The kinds, NULL-terminated (field specs; GET /api/v1/agency-kinds). */
extern const char *const agency_kinds[];
/* An agency code and kind as field formats (M_AGENCY_CODE_FORMAT, M_AGENCY_KIND). */
extern const ts_format FMT_AGENCY_CODE, FMT_AGENCY_KIND;

typedef struct agencies_query {
    const char *q;      /* free text on name, short name, code (diacritics-insensitive) */
    const char *parent; /* direct children of this agency code */
    const char *within; /* this agency and its whole subtree */
    const char *unit;   /* serving this administrative unit code */
    const char *kind;
    int64_t limit;
    int64_t offset;
} agencies_query;

typedef struct agencies_list_result {
    agency *items;
    int n;
    int64_t total;
} agencies_list_result;

/* Ordered by level, then code. An unknown parent/within code gives total 0. */
ts_code agencies_list(ts_ctx *x, const agencies_query *q, agencies_list_result *out);

/* One agency by code, without its ancestors: TS_ENOTFOUND (err untouched)
 * when there is none. For other domains (accounts, dossiers) and scope checks. */
ts_code agencies_find(ts_ctx *x, const char *code, agency *out);
/* One agency with its ancestors top-down in chain and its direct children count. */
ts_code agencies_get(ts_ctx *x, const char *code, agency *out, agency **chain, int *nchain,
                     int64_t *nchildren);

typedef struct agency_new {
    const char *code, *parent_code, *kind, *name, *short_name, *unit_code;
    const char *email, *phone, *address, *website;
    const char *valid_from; /* NULL = today (UTC) */
    const char *valid_to;   /* NULL = open */
} agency_new;

/* Create an agency (system_admin); audited as agency.create. Duplicate
 * code: TS_ECONFLICT. */
ts_code agencies_create(ts_ctx *x, const agency_new *in, agency *out);

typedef struct agency_patch {
    /* NULL = unchanged; for the optional fields, clear_x sets them to null */
    const char *name, *short_name, *email, *phone, *address, *website, *valid_to;
    bool clear_short_name, clear_email, clear_phone, clear_address, clear_website, clear_valid_to;
    const char *parent_code; /* move under this agency */
    bool clear_parent;       /* make it a root */
} agency_patch;

/*
 * Change an agency; audited as agency.update with {field: {from, to}}. A
 * move rewrites the path and level of the whole subtree in the same
 * transaction; moving under itself or its own subtree is TS_EVALIDATION.
 * A patch that changes nothing writes nothing (no audit entry). Needs
 * agency_admin on the agency and on a new parent (system_admin of the whole
 * tree to make it a root), checked inside the transaction.
 */
ts_code agencies_update(ts_ctx *x, const char *code, const agency_patch *p, agency *out);

typedef struct agencies_demo_result {
    int inserted, updated, unchanged;
    int64_t audit_seq;
} agencies_demo_result;

/*
 * The demo province's agencies (Bắc Ninh, administrative unit 24): the
 * provincial committee, its departments, the public-administration
 * service centre, two divisions and one people's committee per commune or
 * ward of unit 24 found in admin_units (import the units first).
 * Idempotent (upsert by code); one transaction, one audit entry.
 */
ts_code agencies_demo(db_conn *c, const char *actor, agencies_demo_result *res, ts_err *err);

/* The one serializer of an agency (no internal ids or path), written into a
 * stream without its closing brace so the caller can add members. */
struct jsonw;
void agency_write_json(struct jsonw *w, const agency *ag);
/* The same object as a tree (audit summaries and diffs; new reference). */
json_t *agency_to_json(const agency *ag);

#endif
