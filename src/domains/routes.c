/* routes — the registry of domains; see routes.h. A new domain adds one line here. */
#include "routes.h"

#include "../http/server.h"

#define TINHSO_DOMAINS(X)                                                                          \
    X(units)         /* administrative units */                                                    \
    X(agencies)      /* agencies */                                                                \
    X(accounts)      /* sign-in, /me, accounts, API tokens, audit log */                           \
    X(schedules)     /* the calendar: holidays, yearly schedules, deadlines */                     \
    X(mfa)           /* one's second factor: enrolment, removal */                                 \
    X(audit)         /* the audit log's signed tree heads and proofs */                            \
    X(procedures)    /* the catalogue of administrative procedures */                              \
    X(files)         /* the blob store: procedures' templates */                                   \
    X(dossiers)      /* dossiers: filing, the one-stop shop, lookup */                             \
    X(notifications) /* one's notifications; the outbox */                                         \
    X(feedback)      /* citizen feedback (phản ánh, kiến nghị); Open311 */

#define DOMAIN_EXTERN(d) extern const ts_domain d##_domain;
#define DOMAIN_REF(d) &d##_domain,
#define DOMAIN_ROUTES(d) d##_routes,
#define ROUTES_EXTERN(d) extern const http_route d##_routes[];

TINHSO_DOMAINS(DOMAIN_EXTERN)
TINHSO_DOMAINS(ROUTES_EXTERN)

const ts_domain *const tinhso_domains[] = {TINHSO_DOMAINS(DOMAIN_REF) NULL};

const http_route *const tinhso_route_tables[] = {
    http_core_routes, /* health, readiness, metrics, OpenAPI */
    TINHSO_DOMAINS(DOMAIN_ROUTES) NULL,
};

const ts_job *const *tinhso_job_lists(void)
{
    static const ts_job *lists[sizeof tinhso_domains / sizeof tinhso_domains[0]];
    int n = 0;
    for (int i = 0; tinhso_domains[i]; i++)
        if (tinhso_domains[i]->jobs) lists[n++] = tinhso_domains[i]->jobs;
    lists[n] = NULL;
    return lists;
}
