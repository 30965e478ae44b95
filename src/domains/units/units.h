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
      "An administrative unit code has 2, 3 or 5 digits.")                                         \
    X(M_UNIT_NO_BOUNDARY, "Chưa có ranh giới của đơn vị hành chính %s.",                           \
      "No boundary is stored for administrative unit %s.")                                         \
    X(M_UNIT_BOUNDARY_UNIT, "Không có đơn vị hành chính mã %s cho ranh giới này.",                 \
      "There is no administrative unit %s for this boundary.")                                     \
    X(M_UNIT_OUTSIDE, "Điểm %s nằm ngoài tỉnh: không thuộc xã, phường nào đã có ranh giới.",       \
      "The point %s is outside the province: no commune or ward with a stored boundary holds it.") \
    X(M_UNIT_LAT, "Vĩ độ (lat) phải là số thập phân từ -90 đến 90, ví dụ 21.186.",                 \
      "The latitude (lat) must be a decimal number from -90 to 90, e.g. 21.186.")                  \
    X(M_UNIT_LON, "Kinh độ (lon) phải là số thập phân từ -180 đến 180, ví dụ 106.076.",            \
      "The longitude (lon) must be a decimal number from -180 to 180, e.g. 106.076.")
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

/* ------------------------------------------------------------------ */
/* boundaries (boundaries.c): the map shapes of units, and which commune
 * holds a map point (platform/geo)                                     */

/* The simplification of the display copy, in metres, and the decimals of
 * the stored copies (6: about 0.1 m; 5: about 1 m, plenty for a map). */
#define UNITS_DISPLAY_TOLERANCE_M 20.0
#define UNITS_FULL_DECIMALS 6
#define UNITS_DISPLAY_DECIMALS 5

typedef struct unit_boundary {
    const char *code;
    const char *name; /* the unit's name today (NULL when it is not valid today) */
    const char *parent_code;
    int level;
    const char *geometry; /* a GeoJSON MultiPolygon, the full or the display copy */
    size_t len;
    int vertices;   /* positions in that copy */
    double bbox[4]; /* min_lon, min_lat, max_lon, max_lat of the full shape */
} unit_boundary;

typedef struct units_boundaries_result {
    int features;
    int inserted, updated, unchanged;
    int64_t vertices, display_vertices;
    int64_t audit_seq;
} units_boundaries_result;

/*
 * Store boundaries from a GeoJSON FeatureCollection whose features have
 * properties.code, the code of an existing unit (as in
 * data/vn-admin/boundaries-24-communes.geojson). Each geometry is checked
 * by platform/geo (every problem is a 422 naming the feature), rewritten
 * in full and simplified for display. Idempotent; one transaction with
 * one audit entry and a move of the 'boundaries' data version (so every
 * server rebuilds its index) when anything changed, neither when nothing
 * did (audit_seq 0). Needs system_admin.
 */
ts_code units_boundaries_import(ts_ctx *x, const char *geojson, size_t len,
                                units_boundaries_result *res);
/* The boundary of one unit: its display copy, or the full one. */
ts_code units_boundary_get(ts_ctx *x, const char *code, bool full, unit_boundary *out);
/* The display copies of the units of level under parent, by code. */
ts_code units_boundaries_of(ts_ctx *x, const char *parent, int level, unit_boundary **items,
                            int *n);
/* The versions the boundary answers depend on (units' names, boundaries)
 * as the core of a validator, "g<units>.<boundaries>", in the arena. */
ts_code units_boundaries_etag(ts_ctx *x, const char **etag);

typedef struct units_location {
    unit commune;
    const char *province_code, *province_name, *province_full_name; /* NULL when none */
    bool on_boundary; /* on the commune's edge: shared borders go to the smaller code */
} units_location;

/*
 * The commune (level 3) whose boundary holds (lat, lon), by geo_locate's
 * rules (platform/geo.h), with its province. TS_EVALIDATION naming "lat"
 * or "lon" for a coordinate out of range or not finite; TS_ENOTFOUND
 * (M_UNIT_OUTSIDE) when no stored commune holds the point. The index is
 * built from unit_boundaries on first use in the process and rebuilt
 * when the 'boundaries' data version moves (checked at most once a
 * second, at once after this process's own import); any number of
 * threads read it at once.
 */
ts_code units_locate(ts_ctx *x, double lat, double lon, units_location *out);
/* Free the process's index (at exit, for leak checks). */
void units_geo_release(void);

/* A coordinate as sent in a query: a plain decimal ("-21.186", "106",
 * at most 15 decimals; no exponent, no NaN; spaces around it ignored),
 * within [min, max]. */
bool units_parse_coord(const char *s, double min, double max, double *out);
/* lat and lon query parameters (M_UNIT_LAT, M_UNIT_LON). */
extern const ts_format FMT_LATITUDE, FMT_LONGITUDE;

/* The one serializer of a unit: written straight into a stream, without its
 * closing brace (so the caller can add members). */
struct jsonw;
void unit_write_json(struct jsonw *w, const unit *u);
/* The same object as a tree (audit summaries and diffs; new reference). */
json_t *unit_to_json(const unit *u);

#endif
