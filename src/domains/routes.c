/* routes — the list of route tables; see routes.h. Add a domain's table here. */
#include "routes.h"

#include "../http/server.h"

extern const http_route units_routes[];
extern const http_route agencies_routes[];
extern const http_route accounts_routes[];

const http_route *const tinhso_route_tables[] = {
    http_core_routes, /* health, readiness, metrics, OpenAPI */
    units_routes,     /* administrative units */
    agencies_routes,  /* agencies */
    accounts_routes,  /* sign-in, /me, accounts, API tokens, audit log */
    NULL,
};
