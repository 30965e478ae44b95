/*
 * fuzz_route — a request line against the real route tables: the method
 * and path an attacker sends are matched (route_find), path parameters
 * bound, the Allow list of a 405 built. Every route the server serves is
 * in the table, so every pattern shape is exercised. The input is
 * "METHOD PATH"; the path is used as the server sees it after decoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domains/routes.h"
#include "http/internal.h"

static http_server *srv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) {
        http_config cfg;
        http_config_defaults(&cfg);
        ts_err e;
        ts_err_clear(&e);
        srv = http_server_new(&cfg, NULL, tinhso_route_tables, &e);
        if (!srv) abort();
    }
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *path = strchr(buf, ' ');
    if (path)
        *path++ = '\0';
    else
        path = buf + strlen(buf);
    http_req r;
    memset(&r, 0, sizeof r);
    r.a = arena_new(512);
    r.srv = srv;
    r.path = path;
    r.method = buf;
    char allow[128];
    int i = route_find(srv, &r, buf, allow, sizeof allow);
    if (i >= 0) {
        const http_route *rt = http_server_route(srv, i);
        if (strcmp(rt->method, buf)) abort(); /* a match is for the method asked */
        for (int k = 0; k < r.nparams; k++)
            if (!r.param_val[k][0] || strchr(r.param_val[k], '/')) abort();
    } else if (strlen(allow) >= sizeof allow) {
        abort();
    }
    arena_free(r.a);
    free(buf);
    return 0;
}
