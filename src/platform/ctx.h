/*
 * ctx — what every domain function is handed, whoever calls it (the HTTP
 * door, the CLI, another domain or a test): the database connection, the
 * arena, who is acting (principal and audit label), the clock and the
 * error. Domains authorise with ts_require inside their own transaction,
 * so "check, then act" cannot race, and change state only through
 * ts_write: one transaction that appends the audit entry and runs the
 * after-commit hooks (cache invalidation, events for live views).
 */
#ifndef TS_CTX_H
#define TS_CTX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"
#include "../lib/arena.h"
#include "../lib/err.h"
#include "identity.h"

typedef struct ts_ctx {
    db_conn *db;
    arena *a;                   /* everything a call returns lives here */
    const ident_principal *who; /* who acts; never NULL (anonymous: no grants) */
    const char *actor;          /* audit label: "user:42", "token:7", "cli:root" */
    int64_t now_us;             /* the clock of this call (wall time, µs) */
    ts_err *err;
    int64_t audit_seq; /* seq of the last entry ts_audit appended */
} ts_ctx;

/* A principal that holds nothing (self-registration, sign-in). */
extern const ident_principal ts_anonymous;
/* The operator at the console: system_admin everywhere. */
extern const ident_principal ts_operator;

/* Fill x; who NULL = ts_anonymous; the clock is read now. */
void ts_ctx_init(ts_ctx *x, db_conn *c, arena *a, const ident_principal *who, const char *actor,
                 ts_err *err);

/* True when x->who holds role (system_admin counts for every role) on the
 * agency at agency_path or an ancestor; agency_path NULL = anywhere. */
bool ts_may(const ts_ctx *x, const char *role, const char *agency_path);
/* The same, failing with 403 (M_AUTH_FORBIDDEN) when it does not (NULL:
 * the role anywhere). */
ts_code ts_require(ts_ctx *x, const char *role, const char *agency_path);
/* 403 (M_AUTH_FORBIDDEN): for rules ts_require cannot say. */
ts_code ts_forbidden(ts_ctx *x);
/* The agency paths where x->who holds role: NULL with *n = 0 for a system
 * admin (everything); otherwise an arena array of every such grant (no cap),
 * possibly empty. */
const char **ts_role_paths(const ts_ctx *x, const char *role, int *n);

/* Restrict w (db/dbq.h) to rows within x->who's staff grants (officer,
 * leader, agency_admin): the SQL expression path_expr is an agency's path,
 * tested "path_expr LIKE ?" against each grant's path; wrap is the
 * predicate's shape, its "%s" standing for those tests ORed ("(%s)", or
 * "d.handler IN (SELECT sa.code FROM agencies sa WHERE %s)"). Nothing is
 * added for a system admin; "0 = 1" without a staff grant. */
struct dbw;
void ts_staff_scope(ts_ctx *x, struct dbw *w, const char *path_expr, const char *wrap);

/*
 * The one write path: run fn in a write transaction (retried on a busy
 * database), commit when it returns TS_OK, roll back otherwise; after a
 * commit run the hooks fn registered, in order. The ISO-8601 time of the
 * write is ts_now(x). Whatever fn returns is returned; x->err says why.
 */
typedef ts_code (*ts_write_fn)(ts_ctx *x, void *arg);
ts_code ts_write(ts_ctx *x, ts_write_fn fn, void *arg);
/* Append the audit entry of the write in progress (summary: any JSON, not
 * stolen; NULL = {}). object_type "agency", action "agency.update"... The
 * acting agency is agency (NULL: none). The change is also
 * published on the event bus once the write commits: topic = action,
 * payload {seq, object_type, object_id, agency, actor} (platform/events.h;
 * other processes hear of it through NOTIFY on PostgreSQL). */
ts_code ts_audit(ts_ctx *x, const char *action, const char *object_type, const char *object_id,
                 const char *agency, const json_t *summary);
/* Run fn(arg) once the write in progress has committed (never after a
 * rollback or a retried attempt; db_on_commit); arg must outlive the write. */
void ts_after_commit(ts_ctx *x, void (*fn)(void *arg), void *arg);
/* x's clock as ISO-8601 UTC with microseconds, in the arena. */
const char *ts_now(ts_ctx *x);

#endif
