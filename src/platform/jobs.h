/*
 * jobs — the domains' periodic jobs (decisions §39): each domain may declare
 * jobs in its ts_domain (overdue-step escalation, ...), and every serving
 * process runs each of them every `jobs_every_seconds`, as the system, with
 * its own connection. A job must be idempotent and safe to run in several
 * processes at once (its writes check what they change, like any write):
 * what it does is derived from the rows, so a restart loses nothing.
 */
#ifndef TS_JOBS_H
#define TS_JOBS_H

#include "ctx.h"

typedef struct ts_job {
    const char *name;          /* "dossiers.escalate" */
    ts_code (*run)(ts_ctx *x); /* x: the system (the operator's rights), actor "system:NAME" */
} ts_job;

/* Run every job of the NULL-terminated lists once; returns how many failed
 * (each failure is logged). For the thread, the CLI and tests. */
int jobs_run_once(db *d, const ts_job *const *lists);

/* The thread of `tinhso serve`: jobs_run_once every every_s seconds (0:
 * nothing). lists must outlive jobs_stop. */
ts_code jobs_start(db *d, const ts_job *const *lists, int every_s, ts_err *err);
void jobs_stop(void);

#endif
