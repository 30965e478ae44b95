/*
 * static — the web front end's files, embedded in the binary at build
 * time (lib/embed.h): content type by extension, a gzip copy for clients
 * that take it, ETag revalidation, long caching for hashed assets.
 */
#include <string.h>
#include <strings.h>

#include "../lib/embed.h"
#include "internal.h"

bool http_accepts_gzip(http_req *r)
{
    const char *ae = http_header(r, "Accept-Encoding");
    if (!ae) return false;
    const char *g = strcasestr(ae, "gzip");
    if (!g) return false;
    const char *q = strchr(g, ';');
    const char *comma = strchr(g, ',');
    if (q && (!comma || q < comma) && strstr(q, "q=0") && !strstr(q, "q=0.")) return false;
    return true;
}

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* True when the path tries to climb out of the web root or is otherwise odd. */
static bool path_is_hostile(const char *p)
{
    if (strstr(p, "/../") || strstr(p, "/./") || strstr(p, "//") || strchr(p, '\\')) return true;
    size_t n = strlen(p);
    if (n >= 3 && !strcmp(p + n - 3, "/..")) return true;
    if (n >= 2 && !strcmp(p + n - 2, "/.")) return true;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return true;
    return false;
}

bool static_serve(http_req *r)
{
    const char *p = r->path;
    if (path_is_hostile(p)) return false;
    if (!strcmp(p, "/")) p = "/index.html";
    const ts_embedded *e = ts_embedded_find(ts_web_assets, p + 1);
    if (!e) return false;
    r->out_static = true;
    /* a 304 carries the headers the cached page keeps: the page's policy too */
    r->html_page = !strncmp(mime_of(p), "text/html", 9);
    http_add_header(r, "ETag", e->etag);
    http_add_header(r, "Vary", "Accept-Encoding");
    http_add_header(r, "Cache-Control",
                    !strncmp(p, "/assets/", 8) ? "public, max-age=31536000, immutable"
                                               : "no-cache");
    const char *inm = http_header(r, "If-None-Match");
    if (inm && strstr(inm, e->etag)) {
        http_reply(r, 304, NULL, "", 0);
        return true;
    }
    if (e->gz && http_accepts_gzip(r)) {
        http_add_header(r, "Content-Encoding", "gzip");
        http_reply(r, 200, mime_of(p), (const char *)e->gz, e->gz_len);
    } else {
        http_reply(r, 200, mime_of(p), (const char *)e->data, e->len);
    }
    return true;
}
