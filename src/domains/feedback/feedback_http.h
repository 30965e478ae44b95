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

/* The Open311 GeoReport v2 doors (open311_http.c), at /open311/v2/; the
 * format is the suffix ({format}: json or xml). No query or body spec:
 * the handlers read their parameters themselves, so that every error is
 * Open311's array rather than a problem+json. */
ts_code open311_h_discovery(http_req *r, ts_ctx *x);
ts_code open311_h_services(http_req *r, ts_ctx *x);
ts_code open311_h_definition(http_req *r, ts_ctx *x);
ts_code open311_h_post(http_req *r, ts_ctx *x);
ts_code open311_h_requests(http_req *r, ts_ctx *x);
ts_code open311_h_request(http_req *r, ts_ctx *x);
ts_code open311_h_token(http_req *r, ts_ctx *x);
#define FEEDBACK_OPEN311_ROUTES                                                                    \
    {"GET", "/open311/v2/discovery.{format}", open311_h_discovery, PERM_PUBLIC, .query = NULL},    \
        {"GET", "/open311/v2/services.{format}", open311_h_services, PERM_PUBLIC, .query = NULL},  \
        {"GET", "/open311/v2/services/{service_code}.{format}", open311_h_definition, PERM_PUBLIC, \
         .query = NULL},                                                                           \
        {"POST", "/open311/v2/requests.{format}", open311_h_post, PERM_PUBLIC, .query = NULL},     \
        {"GET", "/open311/v2/requests.{format}", open311_h_requests, PERM_PUBLIC, .query = NULL},  \
        {"GET", "/open311/v2/requests/{service_request_id}.{format}", open311_h_request,           \
         PERM_PUBLIC, .query = NULL},                                                              \
    {                                                                                              \
        "GET", "/open311/v2/tokens/{token}.{format}", open311_h_token, PERM_PUBLIC, .query = NULL  \
    }

#endif
