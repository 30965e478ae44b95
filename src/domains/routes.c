/* routes — the list of route tables; see routes.h. Add a domain's table here. */
#include "routes.h"

#include "../http/server.h"

extern const http_route units_routes[];
extern const http_route agencies_routes[];

const http_route *const tinhso_route_tables[] = {
    http_core_routes,
    units_routes,
    agencies_routes,
    NULL,
};
