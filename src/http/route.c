/*
 * route — method + path patterns ("/api/v1/units/{code}") split into
 * segments at start and matched by a linear scan: a few dozen routes cost
 * less than a hash. A path that matches with another method gives the
 * Allow list for 405.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int route_compile(route_ent *e, const http_route *r)
{
    const char *p = r->pattern;
    e->r = r;
    e->nsegs = 0;
    while (*p == '/')
        p++;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (e->nsegs == HTTP_MAX_SEGS) return -1;
        e->segs[e->nsegs] = p;
        e->seglen[e->nsegs] = n;
        e->nsegs++;
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

/* Does path fit e? With bind, its parameters are copied into r. */
static bool route_match(const route_ent *e, const char *path, http_req *r, bool bind)
{
    const char *p = path;
    int np = 0;
    while (*p == '/')
        p++;
    for (int i = 0; i < e->nsegs; i++) {
        if (!*p) return false;
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        const char *seg = e->segs[i];
        size_t sl = e->seglen[i];
        if (seg[0] == '{') {
            if (n == 0) return false;
            if (bind && np < HTTP_MAX_PARAMS) {
                r->param_name[np] = arena_strndup(r->a, seg + 1, sl - 2);
                r->param_val[np] = arena_strndup(r->a, p, n);
                r->param_int[np] = 0;
                np++;
            }
        } else if (n != sl || memcmp(p, seg, n)) {
            return false;
        }
        p += n;
        if (*p == '/') p++;
    }
    if (*p) return false;
    if (bind) r->nparams = np;
    return true;
}

/* Append ", M" (or "M") to the Allow list unless it is there. */
static void allow_add(char *allow, size_t cap, size_t *used, const char *m)
{
    if (strstr(allow, m)) return;
    int n = snprintf(allow + *used, cap - *used, "%s%s", *used ? ", " : "", m);
    if (n > 0 && (size_t)n < cap - *used) *used += (size_t)n;
}

int route_find(const http_server *s, http_req *r, const char *method, char *allow, size_t cap)
{
    allow[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < s->nroutes; i++) {
        const route_ent *e = &s->routes[i];
        if (!route_match(e, r->path, r, false)) continue;
        if (!strcmp(e->r->method, method)) {
            route_match(e, r->path, r, true);
            return i;
        }
        allow_add(allow, cap, &used, e->r->method);
        if (!strcmp(e->r->method, "GET")) allow_add(allow, cap, &used, "HEAD");
    }
    return -1;
}

int http_server_route_count(const http_server *s)
{
    return s->nroutes;
}

const http_route *http_server_route(const http_server *s, int i)
{
    return s->routes[i].r;
}
