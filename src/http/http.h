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
#include "../lib/jsonx.h"
#include "../platform/ctx.h"

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
    int64_t param_int[HTTP_MAX_PARAMS]; /* a declared integer parameter's value (route.ids) */
    char *body;                         /* NUL-terminated request body (in the arena) */
    size_t body_len;
    bool body_too_big;
    size_t max_body; /* this request's body limit (the route's, else max_body_bytes) */
    bool started;    /* first access-handler call done */
    bool bad_uri;    /* raw target had %00 */
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
    bool html_page;  /* an HTML document, also on its 304: gets the page CSP */
    int nhdrs;
    const char *hdr_name[HTTP_MAX_HEADERS];
    const char *hdr_val[HTTP_MAX_HEADERS];
    bool replied;
    bool secev_noted; /* a security event was counted for this request (platform/secev) */
    bool close_conn;  /* answer with Connection: close (framing errors, over the cap) */
    /* identity (http/auth.c): set before the handler runs */
    const struct http_config *cfg;
    struct ident_principal *principal; /* NULL on public routes and when anonymous */
    json_t *in; /* the checked body of a route with a body spec (freed with the arena) */
    /* a form body (http_form_read) */
    struct http_form_pair *form;
    int nform;
    bool form_read;
} http_req;

/* A handler gets the request and the context of its domain calls (the
 * request's connection, arena, principal, actor and error; x->db is NULL
 * on a route declared .no_db). It answers with http_reply* and returns
 * TS_OK, or returns the failure's code with r->err (== x->err) set. */
typedef ts_code (*http_handler)(http_req *r, ts_ctx *x);

/*
 * What a route needs, checked in one place (http/auth.c) before the
 * handler runs; the principal is then in r->principal. Roles are granted
 * on an agency and hold for its subtree; system_admin counts for every
 * role. A route declares the least it needs; the domain narrows it to the
 * target agency inside its own transaction (ts_require). Cookie-authenticated
 * writes (POST/PUT/PATCH/DELETE) also need the X-CSRF-Token header.
 */
typedef enum http_perm {
    PERM_PUBLIC = 0,    /* anyone, nothing resolved */
    PERM_AUTHENTICATED, /* any signed-in account, API token or the bootstrap token */
    PERM_SELF,          /* the same, restricted sessions included (decisions §29): sign-out,
                           /me, one's password and second factor */
    PERM_STAFF,         /* any grant: officer, agency_admin, leader or system_admin */
    PERM_OFFICER,       /* officer (or system_admin) somewhere */
    PERM_LEADER,        /* leader (or system_admin) somewhere */
    PERM_AGENCY_ADMIN,  /* agency_admin (or system_admin) somewhere */
    PERM_SYSTEM_ADMIN   /* system_admin */
} http_perm;

/* An integer path parameter ("/accounts/{id}"): digits only (at most 18),
 * within [min, max] (max 0: no upper bound); anything else is a 404 with the
 * given message (the thing was not found, whatever the text was). */
typedef struct http_path_int {
    const char *name;
    ts_msg not_found;
    int64_t min, max;
} http_path_int;

/*
 * A route: method, pattern, handler, the permission it needs, and what it
 * accepts. body: the JSON object's members (a route with a body spec gets
 * 415 without application/json, 400 for malformed JSON, 422 naming every
 * bad member); query: its query parameters (400 naming each bad one).
 * Both are checked, after the permission, before the handler runs, so a
 * handler reads its input with http_in_* and http_q* without checking it;
 * so are the integer path parameters named in ids (http_id reads them).
 */
typedef struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/units/{code}"; parameters may share a segment with text:
                            "/open311/v2/services/{code}.{format}" (route.c) */
    http_handler fn;
    http_perm perm;
    const jx_field *body;     /* NULL-name-terminated, or NULL: no body read */
    const jx_field *query;    /* NULL-name-terminated, or NULL: no parameters */
    const http_path_int *ids; /* NULL-name-terminated, or NULL: no integer path parameters */
    bool no_db;               /* the handler never touches the database (health, metrics) */
    size_t max_body;          /* uploads: a larger body limit than max_body_bytes; 0: that one */
} http_route;

/* The route's ids: `.ids = HTTP_IDS({"id", M_ACCOUNT_NOT_FOUND, 1, 0})`. */
#define HTTP_IDS(...) ((const http_path_int[]){__VA_ARGS__, {0}})

/* An API token given as a parameter rather than a Bearer header (Open311's
 * api_key), resolved the way a bearer token is (ident_token_resolve: not
 * revoked, not expired, its owner still holding its roles) and made for
 * purpose (ident_purpose_is). Every failure is TS_EFORBIDDEN: M_TOKEN_INVALID
 * for a missing, unknown, revoked or expired key (counted per client
 * address like a wrong bearer token: TS_ERATELIMIT once the address is
 * locked), M_TOKEN_OWNER, or M_TOKEN_PURPOSE (%s: purpose). The bootstrap
 * token is never a key. p is filled on TS_OK. */
struct ident_principal;
ts_code http_api_key(http_req *r, const char *key, const char *purpose, struct ident_principal *p);

/* The audit actor of the request: "user:42", "token:7", "admin-token". */
const char *http_actor(http_req *r);
/* The client's address, for throttling and logs: the socket peer, or, when
 * the peer is a trusted proxy (config trusted_proxies), the nearest address
 * in X-Forwarded-For that is not one. Normalised text ("::1", "10.0.0.7"). */
const char *http_client_ip(http_req *r);
/* Did the request come over TLS? cookie_secure forces it; else a trusted
 * proxy's X-Forwarded-Proto: https (tinhso itself speaks plain HTTP). */
bool http_secure(http_req *r);
/* Is the socket peer one of the trusted_proxies? */
bool http_peer_trusted(http_req *r);
/* Is the client address (http_client_ip) in one of nets[0..n)? */
struct http_net;
bool http_client_in(http_req *r, const struct http_net *nets, int n);
/* The session cookie's name for this request: __Host-tinhso_session over
 * TLS, tinhso_session over plain HTTP (a browser drops a __Host- cookie
 * that is not Secure). */
const char *http_session_cookie_name(http_req *r);
/* Set (value "" and max_age 0: clear) the session cookie: HttpOnly,
 * SameSite=Lax, Path=/, Secure and __Host- over TLS. */
void http_set_session_cookie(http_req *r, const char *value, int64_t max_age);
/* A cookie from the Cookie header (NULL when absent). */
const char *http_cookie(http_req *r, const char *name);

/* Path parameter by name (NULL when absent). */
const char *http_param(http_req *r, const char *name);
/* A declared integer path parameter (http_route.ids), already checked;
 * 0 when name is not one. */
int64_t http_id(http_req *r, const char *name);
/* Query argument by name; empty values count as absent (NULL). */
const char *http_query(http_req *r, const char *name);
/* Request header (case-insensitive), NULL when absent. */
const char *http_header(http_req *r, const char *name);
/* This thread's database connection; NULL with r->err set when unavailable. */
db_conn *http_db(http_req *r);

/* Reply with JSON text built in sb (takes its buffer; sb is left empty). */
struct strbuf;
ts_code http_reply_sb(http_req *r, int status, struct strbuf *sb);
/* The Content-Type of every JSON answer. */
#define HTTP_JSON "application/json; charset=utf-8"

/* A JSON answer written as a stream: http_json starts it (the writer and
 * its buffer live with the request), http_reply_w sends it. */
struct jsonw;
struct jsonw *http_json(http_req *r);
ts_code http_reply_w(http_req *r, int status, struct jsonw *w);

/* The members of the RFC 9457 problem the server answers for e (type,
 * title, status, detail, instance, request_id, errors), in the request's
 * language, into an object the caller opened: one problem per item of an
 * answer that reports each item on its own (bulk actions). */
void http_problem_members(http_req *r, struct jsonw *w, const ts_err *e);

/* One object, written by write without its closing brace (the writer a
 * listing's page uses, so one serializer serves both). */
ts_code http_reply_one(http_req *r, int status, void (*write)(struct jsonw *w, const void *obj),
                       const void *obj);
/* One page of a listing: {"items":[...], "total", "limit", "offset"}, each
 * of the n items (size bytes apart) written by write without its closing
 * brace; total < 0 writes only the items. */
ts_code http_reply_page(http_req *r, const void *items, size_t size, int n,
                        void (*write)(struct jsonw *w, const void *item), int64_t total,
                        int64_t limit, int64_t offset);
/* The limit and offset query parameters of a listing (into a query spec);
 * HTTP_PAGE_INTO also reads them into the members limit and offset of a T. */
#define HTTP_PAGE_SPEC(def_limit, max_limit, limit_at, offset_at)                                  \
    {.name = "limit", .type = JX_INT, .min = 1, .max = (max_limit), .def = (def_limit), limit_at}, \
    {                                                                                              \
        .name = "offset", .type = JX_INT, .min = 0, .max = 100000000, .def = 0, offset_at          \
    }
#define HTTP_PAGING(def_limit, max_limit) HTTP_PAGE_SPEC(def_limit, max_limit, .at = 0, .at = 0)
#define HTTP_PAGE_INTO(T, def_limit, max_limit)                                                    \
    HTTP_PAGE_SPEC(def_limit, max_limit, JX_INTO(T, limit), JX_INTO(T, offset))

/* A Content-Disposition for a download named filename (RFC 6266 / 8187:
 * filename*=UTF-8''… with every byte outside the attr-chars
 * percent-encoded, and an ASCII fallback for old clients), in a. */
const char *http_attachment(arena *a, const char *filename);
/* Does the client take a gzip Content-Encoding (Accept-Encoding, q=0 honoured)? */
bool http_accepts_gzip(http_req *r);
/* Reply with bytes already in the arena (or static). */
ts_code http_reply(http_req *r, int status, const char *ctype, const char *body, size_t len);
/* Add a response header (name/value must outlive the request: arena or static). */
void http_add_header(http_req *r, const char *name, const char *value);

/* Check the request against its route's body and query specs (server
 * dispatch, before the handler); fills r->in. A PATCH must change
 * something: an empty object is a 422 naming the spec's first member. */
ts_code http_validate(http_req *r, const http_route *rt);
/* The context of the request's domain calls (made by the dispatcher and
 * handed to the handler): its connection (none unless with_db),
 * arena, principal (anonymous on public routes), actor and error; NULL
 * with r->err set when the database is unavailable. */
ts_ctx *http_ctx(http_req *r, bool with_db);

/* Read the checked body's members declared with JX_INTO / JX_NULL_INTO
 * (jsonx.h) into out, a struct of the type the route's spec names. */
void http_in_read(http_req *r, void *out);
/* The same for the checked query: text parameters as http_query gives
 * them, integers as http_qint. */
void http_query_read(http_req *r, void *out);

/* Body members of a checked body (r->in). */
/* String, trimmed and NFC (NULL when absent or null). */
const char *http_in_str(http_req *r, const char *name);
/* String exactly as sent (passwords): never trimmed or normalised. */
const char *http_in_raw(http_req *r, const char *name);
/* Present in the body (null included). */
bool http_in_has(http_req *r, const char *name);
/* Present and null ("clear it", for nullable members). */
bool http_in_null(http_req *r, const char *name);
bool http_in_bool(http_req *r, const char *name);
/* The member itself (borrowed), NULL when absent. */
json_t *http_in_json(http_req *r, const char *name);
/* An integer query parameter of a checked query (the spec's def when
 * absent); text parameters are read with http_query. */
int64_t http_qint(http_req *r, const char *name);

/*
 * application/x-www-form-urlencoded bodies (http/form.c), for clients that
 * speak forms (Open311's POST). http_form_decode splits body[0..len) into
 * pairs at '&', each name and value at the first '=' (no '=': the value
 * ""), reads '+' as a space and %XX as a byte; an empty pair ("a=1&&b=2")
 * is skipped. It refuses the whole body (false, nothing out) when an
 * escape is not % and two hex digits, a decoded name or value is not UTF-8
 * or holds NUL, or there are more than max pairs.
 */
typedef struct http_form_pair {
    const char *name, *value; /* decoded, in the arena */
} http_form_pair;
#define HTTP_FORM_MAX_PAIRS 200
bool http_form_decode(arena *a, const char *body, size_t len, int max, http_form_pair **out,
                      int *n);
/* Read r's body as a form, once: TS_EMEDIATYPE (M_MEDIA_TYPE) unless the
 * Content-Type is application/x-www-form-urlencoded (parameters such as
 * "; charset=UTF-8" allowed), TS_EINVAL (M_FORM_MALFORMED) when
 * http_form_decode refuses it (at most HTTP_FORM_MAX_PAIRS pairs). */
ts_code http_form_read(http_req *r);
/* A form field's value (the first when repeated) after http_form_read;
 * NULL when absent or empty: an empty value equals an absent one. Values
 * are as sent (not trimmed or normalised). */
const char *http_form(http_req *r, const char *name);
/* The fields named PREFIX[KEY] or PREFIX[KEY][] (Open311's attribute[CODE]
 * and a multivaluelist's attribute[CODE][]), in order, empty values
 * skipped: start with *i = 0; each call gives the next *key (KEY, in the
 * arena) and *value, false at the end. */
bool http_form_next(http_req *r, const char *prefix, int *i, const char **key, const char **value);

/* Parse the body as a JSON object; checks Content-Type. */
ts_code http_body_json(http_req *r, json_t **out);

#endif
