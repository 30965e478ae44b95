/*
 * routes — every route table the server is started with: the core routes
 * and one table per domain. app/main.c serves exactly this list and
 * tests/unit/test_openapi.c checks it against docs/openapi.json, so a new
 * domain cannot be served undocumented.
 */
#ifndef TS_ROUTES_H
#define TS_ROUTES_H

#include "../http/http.h"

/* NULL-terminated. */
extern const http_route *const tinhso_route_tables[];

#endif
