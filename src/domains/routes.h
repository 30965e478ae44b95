/*
 * routes — the registry of domains: each domain's route table and its
 * messages, and the list of route tables the server is started with (the
 * core routes, then one table per domain). app/main.c serves exactly this
 * list and tests/unit/http/test_openapi.c checks it against docs/openapi.json,
 * so a new domain cannot be served undocumented; tests/unit/lib/test_msg.c
 * checks every registered message.
 *
 * A domain registers itself with one line in TINHSO_DOMAINS (routes.c) and
 * defines `const ts_domain NAME_domain` in its NAME_http.c.
 */
#ifndef TS_ROUTES_H
#define TS_ROUTES_H

#include "../http/http.h"
#include "../platform/jobs.h"

typedef struct ts_domain {
    const char *name;         /* "units" */
    const http_route *routes; /* its route table (ends with a NULL method) */
    const ts_msg *messages;   /* its messages, NULL-terminated */
    const ts_job *jobs;       /* its periodic jobs (ends with a NULL name), or NULL */
} ts_domain;

/* NULL-terminated. */
extern const ts_domain *const tinhso_domains[];
/* NULL-terminated: the job tables of the domains that have some (platform/jobs). */
const ts_job *const *tinhso_job_lists(void);
/* NULL-terminated: http_core_routes, then each domain's table. */
extern const http_route *const tinhso_route_tables[];

#endif
