/*
 * open311 — GeoReport v2 (http://wiki.open311.org/GeoReport_v2) on top of
 * the feedback domain: a category is a service, a report a service request.
 * What the doors (open311_http.c) share: the format by suffix, one writer
 * for both formats, the mapping of a report to a request record, the
 * service and service definition writers, the checking of a POST's
 * attributes against the definition, and date-times. See docs/api.md
 * (Open311) and docs/decisions.md §45.
 */
#ifndef TS_OPEN311_H
#define TS_OPEN311_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/jsonw.h"
#include "../../lib/strbuf.h"
#include "../../lib/xmlw.h"
#include "feedback_int.h"

#define O3_SPEC "http://wiki.open311.org/GeoReport_v2"
#define O3_CHANGESET "2026-12-04T00:00:00+07:00" /* when this API last changed */
#define O3_PAGE_SIZE_MAX 1000
#define O3_WINDOW_DAYS 90
#define O3_RADIUS_DEFAULT 1000 /* metres, GET requests with lat and long */
#define O3_RADIUS_MAX 50000
#define O3_ATTR_TEXT_MAX 1000 /* characters of a string/text attribute */

typedef enum o3_format { O3_JSON, O3_XML } o3_format;
/* "json" or "xml"; false for anything else. */
bool o3_format_parse(const char *s, o3_format *out);
/* application/json; charset=utf-8 or text/xml; charset=utf-8. */
const char *o3_ctype(o3_format f);

/*
 * One document in either format. An object or a list is opened with the
 * element name XML gives it (JSON drops it) and, inside an object, the key
 * JSON gives it (NULL: an item of a list, or the root); a member is a key
 * in JSON, an element in XML; a NULL value is null in JSON and an empty
 * element in XML. The XML document starts with its declaration.
 */
typedef struct o3w {
    o3_format f;
    strbuf sb;
    jsonw j;
    xmlw x;
} o3w;
void o3_begin(o3w *w, o3_format f);
void o3_obj(o3w *w, const char *key, const char *elem);
void o3_obj_end(o3w *w);
void o3_arr(o3w *w, const char *key, const char *elem);
void o3_arr_end(o3w *w);
void o3_str(o3w *w, const char *key, const char *v);
void o3_num(o3w *w, const char *key, const char *number); /* a JSON number's text; NULL: null */
void o3_int(o3w *w, const char *key, int64_t v);
void o3_bool(o3w *w, const char *key, bool v);
/* A string item of a list: JSON "v", XML <elem>v</elem>. */
void o3_item_str(o3w *w, const char *elem, const char *v);
/* False when XML refused a name or a text (invalid UTF-8, a control character). */
bool o3_ok(const o3w *w);
/* The document's text (w keeps nothing after it). */
char *o3_take(o3w *w, size_t *len);
void o3_release(o3w *w);

/* The errors document: [{code, description}] / <errors><error>…. */
void o3_errors(o3w *w, int code, const char *description);

/* ---- services --------------------------------------------------------------------------- */

/* A category as a service (lang: the names' language, 0 vi, 1 en). */
void o3_write_service(o3w *w, const fb_category *c, int lang);
/* A category's service definition (its attributes). */
void o3_write_definition(o3w *w, const fb_category *c);

/* A POST's attribute[CODE] values checked against c's definition: each
 * code one of the definition's, a singlevaluelist value one of its keys
 * (one value), a multivaluelist's values its keys, a number a number, a
 * datetime one (o3_parse_time), a string or text at most O3_ATTR_TEXT_MAX
 * characters, every required one given. codes[i]/values[i] (n of them; a
 * code may repeat for a multivaluelist). *attrs: a new JSON object
 * {code: value or [values]} (the caller decrefs it). False with an English
 * sentence in *why. */
bool o3_check_attributes(arena *a, const fb_category *c, const char *const *codes,
                         const char *const *values, int n, json_t **attrs, const char **why);

/* ---- requests --------------------------------------------------------------------------- */

typedef struct o3_ctx {
    const char *public_url; /* absolute links (media_url) */
    int lang;
    fb_category *cats;
    int ncats;
} o3_ctx;
/* A report (from the Open311 listing, feedback_list with open311) as a request record. */
void o3_write_request(o3w *w, const o3_ctx *c, const fb_report *r);
/* The status notes of r: the rejection's reason, the published answer,
 * "Merged into report PA-…" or NULL. */
const char *o3_status_notes(arena *a, const fb_report *r, int lang);
/* The service notice of a report of c. */
const char *o3_notice(arena *a, const fb_category *c, int lang);

/* ---- date-times ------------------------------------------------------------------------- */

/* "YYYY-MM-DDThh:mm[:ss[.fff]]" with "Z" or an offset "±hh:mm" (a space
 * stands for the '+' a query string turned into one) as epoch seconds;
 * false for anything else. */
bool o3_parse_time(const char *s, int64_t *epoch);
/* Epoch seconds as the province's time: "YYYY-MM-DDThh:mm:ss+07:00" (buf >= 32). */
const char *o3_format_time(int64_t epoch, char *buf, size_t cap);

#endif
