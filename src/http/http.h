/*
 * http — what a domain's X_http.c sees: the request (arena, path params,
 * query, body, language, database connection) and the reply helpers.
 * Handlers return TS_OK after replying, or an error code with r->err
 * filled; the server renders errors as RFC 9457 problem+json.
 */
#ifndef TS_HTTP_H
#define TS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"
#include "../lib/arena.h"
#include "../lib/err.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8

typedef struct http_server http_server;

typedef struct http_req {
    arena *a;           /* freed when the response is done */
    http_server *srv;   /* the server (config, db) */
    void *conn;         /* struct MHD_Connection * */
    const char *method; /* GET, POST ... (HEAD is routed as GET) */
    const char *path;   /* decoded path, no query */
    int route;          /* index of the matched route, -1 if none */
    int nparams;
    const char *param_name[HTTP_MAX_PARAMS];
    const char *param_val[HTTP_MAX_PARAMS];
    char *body; /* NUL-terminated request body (in the arena) */
    size_t body_len;
    bool body_too_big;
    bool started; /* first access-handler call done */
    bool bad_uri; /* raw target had %00 */
    char request_id[68];
    int lang;   /* 0 Vietnamese, 1 English */
    ts_err err; /* filled by a failing handler */
    int64_t t0; /* monotonic start, µs */
    /* response */
    int status;
    const char *ctype;
    const char *out;
    size_t out_len;
    bool out_static; /* out points at embedded data */
    int nhdrs;
    const char *hdr_name[HTTP_MAX_HEADERS];
    const char *hdr_val[HTTP_MAX_HEADERS];
    bool replied;
} http_req;

typedef ts_code (*http_handler)(http_req *r);

/* Route permission levels (identity arrives with issue 3). */
typedef enum http_auth { AUTH_PUBLIC = 0, AUTH_ADMIN_TOKEN } http_auth;

typedef struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/units/{code}" */
    http_handler fn;
    http_auth auth;
} http_route;

/* Path parameter by name (NULL when absent). */
const char *http_param(http_req *r, const char *name);
/* Query argument by name; empty values count as absent (NULL). */
const char *http_query(http_req *r, const char *name);
/* Request header (case-insensitive), NULL when absent. */
const char *http_header(http_req *r, const char *name);
/* This thread's database connection; NULL with r->err set when unavailable. */
db_conn *http_db(http_req *r);

/* Reply with JSON (takes the reference to v). */
ts_code http_reply_json(http_req *r, int status, json_t *v);
/* Reply with bytes already in the arena (or static). */
ts_code http_reply(http_req *r, int status, const char *ctype, const char *body, size_t len);
/* Add a response header (name/value must outlive the request: arena or static). */
void http_add_header(http_req *r, const char *name, const char *value);

/* Parse the body as a JSON object; checks Content-Type. */
ts_code http_body_json(http_req *r, json_t **out);

/* Parse an integer query argument within [min,max] (def when absent). */
ts_code http_query_int(http_req *r, const char *name, int64_t def, int64_t min, int64_t max,
                       int64_t *out);

#endif
