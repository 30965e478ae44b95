/*
 * geo — boundaries as polygons, and which one holds a map point.
 *
 * Three parts, usable apart:
 *
 * 1. Shapes. geo_shape_parse reads GeoJSON (RFC 7946) — a Polygon or a
 *    MultiPolygon, bare or inside a Feature, or a FeatureCollection whose
 *    features' polygons are merged — into one compact form: flat arrays
 *    of positions, ring ends and polygon ends. Malformed input is an error
 *    naming where it is (TS_EINVAL, GEO_MESSAGES), never a crash: a wrong
 *    type, a ring of fewer than 4 positions or not closed, a coordinate
 *    that is not a finite number within [-180, 180] x [-90, 90], or more
 *    than GEO_MAX_* of anything. Self-intersection is not checked.
 *
 * 2. Sets. A geo_set holds named regions (key: a unit code) and, once
 *    built, an index: a uniform grid over the set whose cells list the
 *    polygons whose bounding box meets them, and per polygon its edges
 *    bucketed into horizontal slabs, so a lookup ray-casts only the edges
 *    of the point's slab of the few polygons of the point's cell. A built
 *    set is never written again: any number of threads may call
 *    geo_locate on it at once without a lock.
 *
 * 3. Display. geo_shape_simplify (Douglas–Peucker with a tolerance in
 *    metres, every ring kept valid) and writers of GeoJSON geometries,
 *    Features and FeatureCollections with rounded coordinates.
 *
 * Coordinates are WGS84 degrees, x = longitude, y = latitude, as in GeoJSON.
 */
#ifndef TS_GEO_H
#define TS_GEO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/err.h"

/* Messages (vi, en) of this floor; %s is where in the document. */
#define GEO_MESSAGES(X)                                                                                \
    X(M_GEO_TYPE,                                                                                      \
      "GeoJSON tại %s phải là Polygon hoặc MultiPolygon (có thể nằm trong Feature hoặc " \
      "FeatureCollection).",                                                                           \
      "GeoJSON at %s must be a Polygon or a MultiPolygon (possibly inside a Feature or a "             \
      "FeatureCollection).")                                                                           \
    X(M_GEO_SHAPE, "GeoJSON sai cấu trúc tại %s.", "Malformed GeoJSON at %s.")                         \
    X(M_GEO_RING_SHORT, "Vòng ranh giới tại %s có ít hơn 4 điểm.",                                     \
      "The ring at %s has fewer than 4 positions.")                                                    \
    X(M_GEO_RING_OPEN, "Vòng ranh giới tại %s không khép kín: điểm cuối phải trùng điểm đầu.",         \
      "The ring at %s is not closed: its last position must equal its first.")                         \
    X(M_GEO_COORD,                                                                                     \
      "Tọa độ tại %s không hợp lệ: kinh độ phải từ -180 đến 180, vĩ độ từ -90 đến 90.",                \
      "Invalid coordinate at %s: longitude must be within -180..180, latitude within -90..90.")        \
    X(M_GEO_TOO_BIG, "GeoJSON quá lớn: %s.", "GeoJSON too large: %s.")                                 \
    X(M_GEO_DUPLICATE, "Mã vùng %s xuất hiện hai lần.", "Region code %s appears twice.")
GEO_MESSAGES(TS_MSG_EXTERN)
/* NULL-terminated, for the message checks. */
extern const ts_msg geo_messages[];

/* The bounds of what one shape may hold ("absurd sizes" are errors). */
#define GEO_MAX_TEXT (64u << 20)       /* bytes of GeoJSON text */
#define GEO_MAX_POSITIONS 4000000      /* positions in one shape */
#define GEO_MAX_RINGS 200000           /* rings in one shape */
#define GEO_MAX_POLYGONS 100000        /* polygons in one shape */
#define GEO_MAX_REGIONS 100000         /* regions in one set */
#define GEO_MAX_SET_POSITIONS 64000000 /* positions of all the regions of a set */

/*
 * On an edge: a point within GEO_EDGE_EPS degrees (about 0.1 mm) of an
 * edge or a vertex is on it. The tolerance absorbs the rounding of
 * decimal coordinates to doubles, so a point on the shared border of two
 * regions is on the border of both, whichever way each was rounded.
 */
#define GEO_EDGE_EPS 1e-9

typedef struct geo_bbox {
    double min_lon, min_lat, max_lon, max_lat;
} geo_bbox;

/*
 * A parsed (Multi)Polygon. Polygon j holds rings [poly_end[j-1],
 * poly_end[j]) (poly_end[-1] = 0), its first ring the exterior, the
 * others holes; ring i holds positions [ring_end[i-1], ring_end[i]),
 * closed (its last position equals its first), at least 4 of them.
 */
typedef struct geo_shape {
    double *xy;         /* lon, lat of each position */
    uint32_t npts;      /* positions */
    uint32_t *ring_end; /* one past each ring's last position */
    uint32_t nrings;
    uint32_t *poly_end; /* one past each polygon's last ring */
    uint32_t npolys;
    geo_bbox bbox; /* of every position */
} geo_shape;

/* Parse GeoJSON text (at most GEO_MAX_TEXT bytes) into *out (free with
 * geo_shape_free). TS_EINVAL with err naming the place when it is not a
 * valid (Multi)Polygon, Feature or FeatureCollection of them. */
ts_code geo_shape_parse(const char *text, size_t len, geo_shape **out, ts_err *err);
/* The same from a jansson tree. */
ts_code geo_shape_from_json(const json_t *v, geo_shape **out, ts_err *err);
void geo_shape_free(geo_shape *s);

/*
 * A copy of s for drawing: each ring simplified by Douglas–Peucker, no
 * kept point farther than tolerance_m metres from the original line
 * (distances in a local equirectangular projection around the ring).
 * Every ring stays closed with at least 4 positions, and every ring and
 * polygon is kept (holes and islands do not vanish). Neighbouring shapes
 * are simplified independently, so their shared borders may part by up
 * to tolerance_m: good for a map, not for geo_locate.
 */
geo_shape *geo_shape_simplify(const geo_shape *s, double tolerance_m);

/* The geometry as GeoJSON {"type":"MultiPolygon","coordinates":...}, each
 * coordinate rounded to decimals (0..9) places, trailing zeros dropped. */
struct strbuf;
void geo_shape_write(struct strbuf *sb, const geo_shape *s, int decimals);

/* Features and collections around geometries already written as text
 * (geometry, glen: a GeoJSON geometry object, written verbatim).
 * geo_fc_begin and geo_fc_end bracket the features of a collection
 * (the writer puts the commas); geo_feature_write writes one Feature
 * with properties code and name (NULL: null). */
struct jsonw;
void geo_fc_begin(struct jsonw *w);
void geo_feature_write(struct jsonw *w, const char *code, const char *name, const char *geometry,
                       size_t glen);
void geo_fc_end(struct jsonw *w);

/* ------------------------------------------------------------------ */
/* sets of regions                                                     */

typedef struct geo_set geo_set;

geo_set *geo_set_new(void);
/*
 * Add a region: code (its key, copied), name (copied; may be NULL) and
 * its shape, which the set takes whatever the result (freed by
 * geo_set_build once its edges are indexed, by geo_set_free, or at once on
 * failure): do not use shape after the call. Before geo_set_build only.
 */
ts_code geo_set_add(geo_set *set, const char *code, const char *name, geo_shape *shape,
                    ts_err *err);
/* Add every Feature of a FeatureCollection as a region, keyed by its
 * properties.code (a string), named by properties.name. */
ts_code geo_set_add_features(geo_set *set, const json_t *fc, ts_err *err);
/* Build the index; after it the set is read-only. TS_EINVAL when two
 * regions have the same code (M_GEO_DUPLICATE) or there are more than
 * GEO_MAX_REGIONS. */
ts_code geo_set_build(geo_set *set, ts_err *err);
void geo_set_free(geo_set *set);
/* Regions in the set. */
int geo_set_size(const geo_set *set);
/* Bytes the set holds (shapes, index, names): the memory figure. */
size_t geo_set_bytes(const geo_set *set);
/* The bounding box of every region (all zero when empty). */
geo_bbox geo_set_bbox(const geo_set *set);

typedef struct geo_hit {
    const char *code; /* the region's code and name, owned by the set */
    const char *name;
    bool on_boundary; /* the point is on the chosen region's edge, not inside it */
} geo_hit;

/*
 * Which region holds the point (lat, lon), by these rules:
 *
 * - Polygons are closed: a point on an edge or a vertex (within
 *   GEO_EDGE_EPS) belongs to the polygon, and on_boundary says so.
 *   A point in a hole is outside that polygon; one on the hole's edge is
 *   on the boundary.
 * - A point inside some region (not on its edge) goes to that region; if
 *   the data overlap and several hold it inside, to the smallest code
 *   (strcmp order). on_boundary is false.
 * - Else, a point on the edge of one or more regions (the shared border
 *   of two communes, or the province's outer edge) goes to the smallest
 *   code among them, with on_boundary true.
 * - Else TS_ENOTFOUND (the caller flags the point for a person).
 * - lat outside [-90, 90], lon outside [-180, 180], or either not finite:
 *   TS_EINVAL, whatever the set holds.
 *
 * TS_OK fills *out. Reads only: safe from many threads at once on a
 * built set. An unbuilt set answers TS_ENOTFOUND.
 */
ts_code geo_locate(const geo_set *set, double lat, double lon, geo_hit *out);

#endif
