/*
 * units — Vietnam's administrative units (đơn vị hành chính) as a tree with
 * levels and validity dates: province (1) > district (2) > commune (3).
 * The 2025 two-level shape simply has communes directly under provinces.
 * Codes follow the statistics office: 2 digits (province), 3 (district),
 * 5 (commune). Search uses a folded key so "bac ninh" finds "Bắc Ninh".
 */
#ifndef TS_UNITS_H
#define TS_UNITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../db/db.h"
#include "../../lib/arena.h"
#include "../../lib/validate.h"
#include "../../platform/ctx.h"

/* Messages (vi, en) of this module; see err.h. */
#define UNITS_MESSAGES(X)                                                                          \
    X(M_UNIT_NOT_FOUND, "Không tìm thấy đơn vị hành chính %s.",                                    \
      "Administrative unit %s not found.")                                                         \
    X(M_UNIT_CODE_FORMAT, "Mã đơn vị hành chính gồm 2, 3 hoặc 5 chữ số.",                          \
      "An administrative unit code has 2, 3 or 5 digits.")
UNITS_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg units_messages[];

typedef struct unit {
    int64_t id;
    const char *code;         /* statistics-office code */
    const char *parent_code;  /* NULL for provinces */
    int level;                /* 1 province, 2 district, 3 commune */
    const char *kind;         /* province, city, district, town, ward, commune, special_zone */
    const char *name;         /* "Bắc Ninh" */
    const char *name_en;      /* "Bac Ninh" */
    const char *full_name;    /* "Tỉnh Bắc Ninh" */
    const char *full_name_en; /* "Bac Ninh Province" */
    const char *code_name;    /* "bac_ninh" */
    const char *unit_type;    /* "Tỉnh" */
    const char *unit_type_en; /* "Province" */
    const char *valid_from;   /* YYYY-MM-DD */
    const char *valid_to;     /* YYYY-MM-DD (exclusive) or NULL */
} unit;

typedef struct units_query {
    const char *parent; /* parent code, or NULL */
    const char *q;      /* free text, matched diacritics-insensitively */
    int level;          /* 0 = any */
    const char *date;   /* units valid on this date (YYYY-MM-DD); NULL = today */
    int64_t limit;
    int64_t offset;
} units_query;

typedef struct units_list_result {
    unit *items;
    int n;
    int64_t total;
} units_list_result;

/* True when code has the shape of a unit code (2, 3 or 5 digits). */
int units_code_valid(const char *code);
/* That shape as a field format (M_UNIT_CODE_FORMAT). */
extern const ts_format FMT_UNIT_CODE;

/* Today's date (UTC) as YYYY-MM-DD, in a. */
const char *units_today(arena *a);

/* TS_OK when a unit with code is valid on date (NULL = today), TS_ENOTFOUND
 * (err untouched) when not. For other domains (agencies, addresses). */
ts_code units_exists(ts_ctx *x, const char *code, const char *date);
/* One unit valid on date (NULL = today), with its ancestors top-down in chain. */
ts_code units_get(ts_ctx *x, const char *code, const char *date, unit *out, unit **chain,
                  int *nchain);
ts_code units_list(ts_ctx *x, const units_query *q, units_list_result *out);
/*
 * The reference-data cache key of a listing's answer (filters, page, day
 * and the folded search text, so "Bắc Ninh" and "bac  ninh" share one
 * copy) into key[0..n). False when it does not fit or q is not valid
 * UTF-8: such answers are not kept.
 */
bool units_list_key(arena *a, const units_query *q, char *key, size_t n);

typedef struct units_import_result {
    int provinces, districts, communes; /* seen in the file */
    int inserted, updated, unchanged;
    int64_t audit_seq;
} units_import_result;

/*
 * Import units from the vn-admin JSON shape: an array of provinces, each
 * with Wards[] (and optionally Districts[] holding Wards[]). Idempotent:
 * re-import updates names and never duplicates. One transaction, one
 * audit entry; needs system_admin (the CLI acts as ts_operator). valid_from: the date the shape
 * took effect (YYYY-MM-DD).
 */
ts_code units_import(ts_ctx *x, const char *json, size_t len, const char *valid_from,
                     units_import_result *res);

typedef struct units_patch {
    const char *name, *name_en, *full_name, *full_name_en; /* NULL = unchanged */
    const char *valid_to;                                  /* NULL = unchanged */
    bool clear_valid_to;                                   /* set valid_to to NULL */
} units_patch;

/* Correct a unit's names or close its validity (system_admin); audited. */
ts_code units_update(ts_ctx *x, const char *code, const units_patch *p, unit *out);

/* The one serializer of a unit: written straight into a stream, without its
 * closing brace (so the caller can add members). */
struct jsonw;
void unit_write_json(struct jsonw *w, const unit *u);
/* The same object as a tree (audit summaries and diffs; new reference). */
json_t *unit_to_json(const unit *u);

#endif
