/* feedback_http — what the feedback domain's doors share (the Open311 routes
 * are in open311_http.c and joined to the domain's route table here). */
#ifndef TS_FEEDBACK_HTTP_H
#define TS_FEEDBACK_HTTP_H

#include "../../http/http.h"
#include "feedback_int.h"

/* A decimal number (strtod, finite, nothing after it). */
bool fb_parse_double(const char *s, double *out);

/* GET /api/v1/stats/feedback (stats_http.c) and its query. */
extern const jx_field fb_stats_query[];
ts_code feedback_h_stats(http_req *r, ts_ctx *x);

/* The Open311 GeoReport v2 routes (open311_http.c), at /open311/v2/. */
#define FEEDBACK_OPEN311_ROUTES {"GET", "/open311/v2/placeholder", NULL, PERM_PUBLIC}

#endif
