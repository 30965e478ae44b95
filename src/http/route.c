/*
 * route — method + path patterns ("/api/v1/units/{code}", or parameters
 * inside a segment: "/open311/v2/services/{code}.{format}") split into
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

/* Is the segment one whole parameter ("{code}")? */
static bool whole_param(const char *seg, size_t sl)
{
    return sl >= 3 && seg[0] == '{' && seg[sl - 1] == '}' && !memchr(seg + 1, '{', sl - 2);
}

static void bind_param(http_req *r, int *np, const char *name, size_t nl, const char *v, size_t n)
{
    if (*np >= HTTP_MAX_PARAMS) return;
    r->param_name[*np] = arena_strndup(r->a, name, nl);
    r->param_val[*np] = arena_strndup(r->a, v, n);
    r->param_int[*np] = 0;
    (*np)++;
}

/* Does the text t[0..n) of one path segment fit the template s[0..sl), a
 * segment of literal text and parameters ("services.{format}",
 * "{code}.{format}")? A parameter takes one character or more: the most
 * that lets the rest fit, so "a.b.json" is code "a.b", format "json". */
static bool tmpl_match(const char *s, size_t sl, const char *t, size_t n, http_req *r, bool bind,
                       int *np)
{
    if (!sl) return n == 0;
    if (s[0] != '{') {
        const char *brace = memchr(s, '{', sl);
        size_t k = brace ? (size_t)(brace - s) : sl;
        if (n < k || memcmp(s, t, k)) return false;
        return tmpl_match(s + k, sl - k, t + k, n - k, r, bind, np);
    }
    const char *close = memchr(s, '}', sl);
    if (!close) return false;
    size_t used = (size_t)(close - s) + 1;
    for (size_t take = n; take >= 1; take--) {
        if (!tmpl_match(s + used, sl - used, t + take, n - take, r, false, np)) continue;
        if (bind) {
            bind_param(r, np, s + 1, used - 2, t, take);
            tmpl_match(s + used, sl - used, t + take, n - take, r, true, np);
        }
        return true;
    }
    return false;
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
        if (whole_param(seg, sl)) {
            if (n == 0) return false;
            if (bind) bind_param(r, &np, seg + 1, sl - 2, p, n);
        } else if (memchr(seg, '{', sl)) {
            if (!tmpl_match(seg, sl, p, n, r, bind, &np)) return false;
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
