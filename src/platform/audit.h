/*
 * audit — the append-only, hash-chained audit trail ("truy vết dữ liệu").
 * Every state-changing domain function calls audit_append inside its own
 * write transaction; audit_verify walks the chain and names the first
 * entry that was edited, removed, inserted or reordered.
 */
#ifndef TS_AUDIT_H
#define TS_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

typedef struct audit_entry {
    const char *actor;       /* who: "user:42", "cli:root", "system" */
    const char *agency;      /* acting agency code, or NULL */
    const char *action;      /* verb: "units.import", "unit.update" */
    const char *object_type; /* "admin_unit", "dossier" ... */
    const char *object_id;   /* its id or code */
    const json_t *summary;   /* what changed (any JSON; stored canonical) */
} audit_entry;

/* Append one entry; must run inside a write transaction. *seq_out may be NULL. */
ts_code audit_append(db_conn *c, const audit_entry *e, int64_t *seq_out, ts_err *err);

typedef struct audit_report {
    int64_t checked;  /* entries whose hash was recomputed */
    int64_t security; /* of them, aggregated security events (action security.*) */
    bool broken;      /* false when the chain is intact */
    int64_t bad_seq;  /* first bad entry (when broken) */
    char why[256];    /* what is wrong there */
} audit_report;

/* Walk the chain; TS_OK with broken == false when intact. */
ts_code audit_verify(db_conn *c, audit_report *rep, ts_err *err);

/* SHA-256 of prev_hash ‖ canonical(entry) as 64 hex digits (exposed for tests). */
void audit_hash(const char *prev_hash, int64_t seq, const char *at, const char *actor,
                const char *agency, const char *action, const char *object_type,
                const char *object_id, const char *summary, char out[65]);

#endif
