/*
 * fuzz_client_ip — the client address of a request behind trusted
 * proxies (http_client_resolve): the input is split into a proxy list, a
 * peer address and an X-Forwarded-For header, as an attacker controls the
 * last and a misconfiguration the first. The answer must be an address
 * the peer or a proxy could have given, never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"
#include "lib/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* "proxies\npeer\nxff": NUL bytes end a part early, as C strings would */
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *peer = strchr(buf, '\n');
    char *xff = NULL;
    if (peer) {
        *peer++ = '\0';
        xff = strchr(peer, '\n');
        if (xff) *xff++ = '\0';
    } else {
        peer = buf + size;
    }
    http_config cfg;
    http_config_defaults(&cfg);
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save); p && cfg.nproxies < HTTP_MAX_PROXIES;
         p = strtok_r(NULL, ",", &save))
        if (http_net_parse(p, &cfg.proxies[cfg.nproxies]) == 0) cfg.nproxies++;
    arena *a = arena_new(512);
    const char *ip = http_client_resolve(a, &cfg, peer, xff);
    if (ip) (void)strlen(ip);
    arena_free(a);
    free(buf);
    return 0;
}
