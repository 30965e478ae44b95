/*
 * secev — security events in the audit trail (issue 8 item 12; decisions
 * §28): 403 denials, CSRF failures, bad bearer tokens, throttling and MFA
 * failures, aggregated so an attack cannot flood the chain: at most one
 * audit entry per (kind, source address) per minute, carrying the count.
 * Counts are kept in memory per process; a thread writes each finished
 * minute's entries (within about a second of the boundary) and, on stop,
 * everything still counted — nothing is dropped silently (a failed write
 * is logged with the number of events it held).
 */
#ifndef TS_SECEV_H
#define TS_SECEV_H

#include "../db/db.h"

#define SECEV_KINDS(X)                                                                             \
    X(SECEV_FORBIDDEN, "security.forbidden")   /* 403: not allowed */                              \
    X(SECEV_CSRF, "security.csrf")             /* a write without the anti-forgery token */        \
    X(SECEV_BAD_TOKEN, "security.bad_token")   /* an unknown, expired or revoked bearer */         \
    X(SECEV_THROTTLED, "security.throttled")   /* a throttling decision (sign-in limits) */        \
    X(SECEV_MFA_FAILED, "security.mfa_failed") /* a wrong second factor */

#define SECEV_ENUM(name, action) name,
typedef enum secev_kind { SECEV_KINDS(SECEV_ENUM) SECEV_NKINDS } secev_kind;
#undef SECEV_ENUM

/* Count one event from source (a client address) with a short detail (the
 * path, a username: the first of the minute is kept). Cheap, never blocks
 * on the database; callable from any thread, with or without secev_start. */
void secev_note(secev_kind kind, const char *source, const char *detail);

/* The flusher thread of `tinhso serve`; stop writes every count left. */
ts_code secev_start(db *d, ts_err *err);
void secev_stop(void);

/* Write the entries of finished minutes (all of them when all is true) now;
 * returns the number of audit entries written. For the thread and tests. */
int secev_flush(db *d, bool all);

#endif
