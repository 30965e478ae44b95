/*
 * config — the configuration keys of `tinhso serve` as one table (key,
 * type, range, default, help), which drives the JSON file's parsing and
 * validation, `tinhso help config` and the README's table. Callable from
 * tests and fuzzers: text in, settings or a ts_err naming the key out.
 */
#ifndef TS_APP_CONFIG_H
#define TS_APP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../http/server.h"
#include "../lib/err.h"

/* Everything a configuration file can set. */
typedef struct app_config {
    http_config http; /* listen address, limits, timeouts, identity settings */
    char db[1024];    /* database URL ("" = not set) */
    struct {
        char key_file[1024];        /* Ed25519 private key (PEM); "" = no signing */
        char checkpoint_file[1024]; /* where signed heads are appended; "" = none */
        int64_t sign_every;         /* sign after this many new entries ... */
        int64_t sign_seconds;       /* ... or when the last head is this old */
    } audit;
    struct {
        char log_file[1024]; /* the log adapter's file; "" = the server log */
        bool drain;          /* send what the outbox holds (this process) */
        int max_attempts, backoff_s, lease_s;
        bool email, sms, zalo; /* channels that get messages */
    } outbox;
    int jobs_every_s; /* the domains' periodic jobs (platform/jobs); 0 = not in this process */
} app_config;

/* The defaults: http_config_defaults and no database. */
void config_defaults(app_config *c);

/* Parse a JSON object of configuration keys over c (keys not given keep
 * their values). On error c may be partly updated; err names the key in
 * its first field (or the line:column of a JSON syntax error). */
ts_code config_parse(const char *text, size_t len, app_config *c, ts_err *err);

/* Is t a bootstrap admin token of at least 32 random bytes: 64+ hex digits
 * or 43+ base64url characters, not a visible pattern? */
bool config_token_strong(const char *t);

/* The keys, for help: one line per key (markdown = a Markdown table). */
void config_help(FILE *out, int markdown);

#endif
