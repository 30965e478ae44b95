/* cli — the CLI commands that live in their own files (src/app/cli_*.c),
 * for the command table in main.c. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include "../platform/ctx.h"

/* Run fn as the operator on the database at db_url (NULL: TINHSO_DB; none:
 * a usage error printing usage): open it, apply pending migrations, call
 * fn with an operator context, report its error as "tinhso: WHAT: ..."
 * (exit 1). fn prints its own result. main.c. */
typedef ts_code (*cli_operator_fn)(ts_ctx *x, void *arg);
int cli_as_operator(const char *db_url, const char *usage, const char *what, cli_operator_fn fn,
                    void *arg);

/* tinhso calendar …: cli_calendar.c */
extern const char usage_calendar[];
int cmd_calendar(int argc, char **argv);

#endif
