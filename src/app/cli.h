/* cli — the CLI commands that live in their own files (src/app/cli_*.c),
 * for the command table in main.c. */
#ifndef TS_CLI_H
#define TS_CLI_H

/* tinhso calendar …: cli_calendar.c */
extern const char usage_calendar[];
int cmd_calendar(int argc, char **argv);

#endif
