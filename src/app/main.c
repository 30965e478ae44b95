/*
 * tinhso — the command line: serve, migrate, audit, backup, units, demo.
 * Every command takes --help; an unknown command or option prints usage
 * and exits 2. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../db/db.h"
#include "../db/migrate.h"
#include "../db/dbq.h"
#include "../domains/accounts/accounts.h"
#include "../domains/agencies/agencies.h"
#include "../domains/dossiers/dossiers.h"
#include "../domains/feedback/feedback.h"
#include "../domains/procedures/procedures.h"
#include "../domains/schedules/schedules.h"
#include "../domains/routes.h"
#include "../domains/units/units.h"
#include "../http/server.h"
#include "../lib/embed.h"
#include "../lib/log.h"
#include "../lib/timeutil.h"
#include "../platform/pdf.h"
#include "../platform/audit.h"
#include "../platform/audittree.h"
#include "../platform/events.h"
#include "../platform/jobs.h"
#include "../platform/notify.h"
#include "../platform/password.h"
#include "../platform/refcache.h"
#include "cli.h"
#include "../platform/totp.h"
#include "../platform/secev.h"
#include "config.h"

#define DEMO_UNITS_VALID_FROM "2025-07-01"

static const char usage_serve[] =
    "usage: tinhso serve --db URL [--listen HOST:PORT] [--threads N] [--config FILE]\n"
    "                    [--no-migrate] [--no-access-log] [--no-cache]\n"
    "  --db URL          database (default: $TINHSO_DB)\n"
    "  --listen H:P      address to listen on (default 127.0.0.1:8080; port 0 = any free)\n"
    "  --threads N       worker threads (default: number of cores)\n"
    "  --config FILE     JSON configuration file (see README); options given here win\n"
    "  --no-migrate      do not apply pending migrations on start\n"
    "  --no-access-log   do not write one JSON line per request to stderr\n"
    "  --no-cache        read reference data (units) from the database on every request\n"
    "The admin bearer token is read from $TINHSO_ADMIN_TOKEN or the config file (at least 32\n"
    "random bytes: `openssl rand -hex 32`); it retires once a system admin account exists,\n"
    "unless admin_token_after_setup (or $TINHSO_ADMIN_TOKEN_AFTER_SETUP=1) keeps it.\n"
    "Run 'tinhso help config' for the configuration file's keys.\n";

static const char usage_migrate[] = "usage: tinhso migrate --db URL [--status]\n";
static const char usage_audit[] =
    "usage: tinhso audit verify --db URL [--checkpoints FILE [--key PUB]]\n"
    "       tinhso audit keygen --key FILE\n"
    "       tinhso audit sign --db URL --key FILE [--checkpoints FILE]\n"
    "  verify       exits 0 when the chain is intact, 1 naming the first bad entry;\n"
    "               with --checkpoints, also that every signed tree head in FILE (one\n"
    "               line each, as the server appends them) matches the database: a\n"
    "               rewrite, truncation or fork is named. --key PUB (FILE.pub of keygen)\n"
    "               checks each head's Ed25519 signature.\n"
    "  keygen       a new Ed25519 signing key in FILE (mode 0600) and FILE.pub\n"
    "  sign         sign a tree head now (when entries were added) and append it to FILE\n";
static const char usage_backup[] = "usage: tinhso backup --db URL --out FILE\n"
                                   "  SQLite: an online, consistent copy while the server runs.\n"
                                   "  PostgreSQL: use pg_dump (see README, Operations).\n";
static const char usage_units[] =
    "usage: tinhso units import --db URL [--valid-from YYYY-MM-DD] FILE\n"
    "       tinhso units boundaries --db URL FILE\n"
    "  import: FILE is in the shape of data/vn-admin/units-2025.json; re-import updates, never "
    "duplicates.\n"
    "  boundaries: FILE is a GeoJSON FeatureCollection keyed by properties.code, like\n"
    "  data/vn-admin/boundaries-24-communes.geojson; re-import updates, never duplicates.\n";
static const char usage_demo[] =
    "usage: tinhso demo --db URL [--dossiers N] [--reports N]\n"
    "  migrates and loads the demo province's reference data "
    "(idempotent);\n"
    "  --dossiers N also generates a year of N dossiers (0 to 10,000,000;\n"
    "  once: a database that has demo dossiers keeps them)\n"
    "  --reports N also generates a year of N citizen feedback reports (0 to\n"
    "  10,000,000; once, like the dossiers)\n";

static int usage_error(const char *usage)
{
    fputs(usage, stderr);
    return 2;
}

static int fail(const char *what, const ts_err *e)
{
    char msg[512];
    ts_msg_render(msg, sizeof msg, e->msg, e->arg, 1);
    fprintf(stderr, "tinhso: %s: %s%s%s\n", what, msg, e->debug[0] ? " — " : "", e->debug);
    for (int i = 0; i < e->nfields; i++) {
        ts_msg_render(msg, sizeof msg, e->fields[i].msg, e->fields[i].arg, 1);
        fprintf(stderr, "  %s: %s\n", e->fields[i].field, msg);
    }
    return 1;
}

/* Parse options for a command. Returns -1 on --help (usage printed to stdout),
 * -2 on an unknown option, otherwise optind. */
static int parse_opts(int argc, char **argv, const struct option *opts, const char *usage,
                      void (*cb)(int opt, const char *arg, void *ctx), void *ctx)
{
    optind = 0;
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (c == '?' || c == ':') return -2;
        cb(c, optarg, ctx);
    }
    return optind;
}

/* ------------------------------------------------------------------ */

typedef struct common_opts {
    const char *db;
    const char *out;
    const char *listen;
    const char *config;
    const char *valid_from;
    const char *key;
    const char *checkpoints;
    int threads;
    int status;
    int no_migrate;
    int no_access_log;
    int no_cache;
    int dossiers; /* demo --dossiers N (-1: not a number) */
    int reports;  /* demo --reports N (-1: not a number) */
} common_opts;

enum {
    O_DB = 1000,
    O_OUT,
    O_LISTEN,
    O_CONFIG,
    O_THREADS,
    O_STATUS,
    O_NO_MIGRATE,
    O_NO_ACCESS_LOG,
    O_NO_CACHE,
    O_VALID_FROM,
    O_KEY,
    O_CHECKPOINTS,
    O_DOSSIERS,
    O_REPORTS
};

static void common_cb(int opt, const char *arg, void *ctx)
{
    common_opts *o = ctx;
    switch (opt) {
    case O_DB:
        o->db = arg;
        break;
    case O_KEY:
        o->key = arg;
        break;
    case O_CHECKPOINTS:
        o->checkpoints = arg;
        break;
    case O_OUT:
        o->out = arg;
        break;
    case O_LISTEN:
        o->listen = arg;
        break;
    case O_CONFIG:
        o->config = arg;
        break;
    case O_THREADS:
        o->threads = atoi(arg);
        if (o->threads <= 0) o->threads = -1;
        break;
    case O_STATUS:
        o->status = 1;
        break;
    case O_NO_MIGRATE:
        o->no_migrate = 1;
        break;
    case O_NO_ACCESS_LOG:
        o->no_access_log = 1;
        break;
    case O_NO_CACHE:
        o->no_cache = 1;
        break;
    case O_VALID_FROM:
        o->valid_from = arg;
        break;
    case O_DOSSIERS: {
        char *end;
        long n = strtol(arg, &end, 10);
        o->dossiers = *end || n < 0 || n > 10000000 ? -1 : (int)n;
        break;
    }
    case O_REPORTS: {
        char *end;
        long n = strtol(arg, &end, 10);
        o->reports = *end || n < 0 || n > 10000000 ? -1 : (int)n;
        break;
    }
    }
}

static const char *db_url(const common_opts *o)
{
    if (o->db && *o->db) return o->db;
    const char *e = getenv("TINHSO_DB");
    return e && *e ? e : NULL;
}

static int open_db(const common_opts *o, const char *usage, db **d, db_conn **c)
{
    const char *url = db_url(o);
    if (!url) {
        fputs("tinhso: --db URL is required\n", stderr);
        return usage_error(usage);
    }
    ts_err e;
    ts_err_clear(&e);
    if (db_open(d, url, &e) != TS_OK) return fail("cannot open the database", &e);
    *c = db_conn_get(*d, &e);
    if (!*c) {
        db_close(*d);
        return fail("cannot connect to the database", &e);
    }
    return 0;
}

static int run_migrations(db_conn *c, bool quiet)
{
    ts_err e;
    ts_err_clear(&e);
    int applied = 0;
    if (migrate_up(c, &applied, &e) != TS_OK) return fail("migration failed", &e);
    if (!quiet || applied) log_info("migrations: %d applied, %d total", applied, migrate_count());
    /* data a migration's SQL cannot compute (Vietnamese folding is in C) */
    int filled = 0;
    if (accounts_fill_search_keys(c, &filled, &e) != TS_OK)
        return fail("filling account search keys failed", &e);
    if (filled) log_info("migrations: search keys for %d accounts", filled);
    return 0;
}

/* ------------------------------------------------------------------ */
/* serve                                                                 */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    if (b) *len = n;
    return b;
}

/* The configuration file: read and parse it into c; on error print what
 * and which key, and return 1. */
static int load_config(const char *path, app_config *c)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "tinhso: config %s: %s\n", path, strerror(errno));
        return 1;
    }
    ts_err e;
    ts_err_clear(&e);
    ts_code rc = config_parse(text, len, c, &e);
    free(text);
    if (rc == TS_OK) return 0;
    char msg[512];
    if (e.nfields) {
        ts_msg_render(msg, sizeof msg, e.fields[0].msg, e.fields[0].arg, 1);
        fprintf(stderr, "tinhso: config %s: \"%s\": %s\n", path, e.fields[0].field, msg);
    } else {
        ts_msg_render(msg, sizeof msg, e.msg, e.arg, 1);
        fprintf(stderr, "tinhso: config %s: %s\n", path, msg);
    }
    fputs("Run 'tinhso help config' for the keys.\n", stderr);
    return 1;
}

static int parse_listen(const char *l, http_config *cfg)
{
    const char *colon = strrchr(l, ':');
    if (!colon || colon == l || (size_t)(colon - l) >= sizeof cfg->host) return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535) return -1;
    snprintf(cfg->host, sizeof cfg->host, "%.*s", (int)(colon - l), l);
    if (!strcmp(cfg->host, "localhost")) snprintf(cfg->host, sizeof cfg->host, "127.0.0.1");
    cfg->port = (unsigned short)port;
    return 0;
}

/* The key sealing TOTP secrets, when mfa_key_file is set (decisions §29). */
static int load_mfa_key(ident_settings *st)
{
    if (!st->mfa_key_file[0]) {
        log_info("mfa_key_file is not set: TOTP secrets are stored unsealed in the database");
        return 0;
    }
    char why[320];
    if (totp_key_load(st->mfa_key_file, st->mfa_key, why, sizeof why)) {
        fprintf(stderr, "tinhso: mfa_key_file: %s\n", why);
        return 1;
    }
    st->mfa_key_set = true;
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"listen", required_argument, 0, O_LISTEN},
                                         {"threads", required_argument, 0, O_THREADS},
                                         {"config", required_argument, 0, O_CONFIG},
                                         {"no-migrate", no_argument, 0, O_NO_MIGRATE},
                                         {"no-access-log", no_argument, 0, O_NO_ACCESS_LOG},
                                         {"no-cache", no_argument, 0, O_NO_CACHE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc, argv, opts, usage_serve, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc || o.threads < 0) return usage_error(usage_serve);

    int64_t t0 = time_mono_us();
    app_config ac;
    config_defaults(&ac);
    if (o.config && load_config(o.config, &ac)) return 1;
    if (!o.db && ac.db[0]) o.db = ac.db;
    if (o.listen && parse_listen(o.listen, &ac.http)) {
        fprintf(stderr, "tinhso: --listen wants HOST:PORT, got %s\n", o.listen);
        return usage_error(usage_serve);
    }
    if (o.threads > 0) ac.http.threads = o.threads;
    if (o.no_access_log) ac.http.access_log = false;
    if (o.no_cache) ac.http.ref_cache = false;
    refcache_configure(ac.http.ref_cache, ac.http.ref_cache_check_ms,
                       ac.http.ref_cache_max_age_s * 1000);
    const char *tok = getenv("TINHSO_ADMIN_TOKEN");
    if (tok && *tok) snprintf(ac.http.admin_token, sizeof ac.http.admin_token, "%s", tok);
    ts_err pe; /* the password rules need cracklib's dictionary: no server without it */
    ts_err_clear(&pe);
    if (pw_dict_open(NULL, &pe) != TS_OK) return fail("cannot check passwords", &pe);
    const char *keep = getenv("TINHSO_ADMIN_TOKEN_AFTER_SETUP");
    if (keep && !strcmp(keep, "1")) ac.http.admin_token_after_setup = true;
    if (ac.http.admin_token[0] && !config_token_strong(ac.http.admin_token)) {
        fputs("tinhso: mã quản trị khởi tạo (admin_token, TINHSO_ADMIN_TOKEN) quá yếu: cần ít nhất "
              "32 byte ngẫu nhiên (64 chữ số hex hoặc 43 ký tự base64url), ví dụ "
              "`openssl rand -hex 32`; máy chủ không khởi động.\n"
              "tinhso: the bootstrap admin token (admin_token, TINHSO_ADMIN_TOKEN) is too weak: "
              "it needs at least 32 random bytes (64 hex digits or 43 base64url characters), "
              "e.g. `openssl rand -hex 32`; the server does not start.\n",
              stderr);
        return 1;
    }
    if (load_mfa_key(&ac.http.ident)) return 1;

    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_serve, &d, &c);
    if (rc) return rc;
    if (!o.no_migrate && (rc = run_migrations(c, true))) goto out_db;
    refcache_events_subscribe(); /* event bus (platform/events): subscribers, then start */
    events_serve(d);

    /* block the stop signals in every thread; the main thread waits for them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    ts_err e;
    ts_err_clear(&e);
    pdf_fonts(ac.http.pdf_font[0] ? ac.http.pdf_font : NULL,
              ac.http.pdf_font_bold[0] ? ac.http.pdf_font_bold : NULL);
    /* links in printed forms: without a trailing slash */
    for (size_t n = strlen(ac.http.public_url); n > 0 && ac.http.public_url[n - 1] == '/'; n--)
        ac.http.public_url[n - 1] = '\0';
    notify_cfg nc;
    notify_cfg_defaults(&nc);
    nc.public_url = ac.http.public_url;
    nc.log_file = ac.outbox.log_file;
    nc.drain = ac.outbox.drain;
    nc.max_attempts = ac.outbox.max_attempts;
    nc.backoff_s = ac.outbox.backoff_s;
    nc.lease_s = ac.outbox.lease_s;
    nc.channels = (ac.outbox.email ? 1u << NOTIFY_EMAIL : 0) |
                  (ac.outbox.sms ? 1u << NOTIFY_SMS : 0) | (ac.outbox.zalo ? 1u << NOTIFY_ZALO : 0);
    notify_configure(&nc);
    http_server *srv = http_server_new(&ac.http, d, tinhso_route_tables, &e);
    if (!srv) {
        rc = fail("cannot create the server", &e);
        goto out_db;
    }
    /* the background writers first: a request the moment the port is open
     * finds them running (the signed head's key, the outbox) */
    if (secev_start(d, &e) != TS_OK) {
        rc = fail("cannot start the security event writer", &e);
        goto out_srv;
    }
    if (ac.audit.key_file[0]) {
        audit_signer_cfg sc = {ac.audit.key_file, ac.audit.checkpoint_file, ac.audit.sign_every,
                               ac.audit.sign_seconds};
        if (audit_signer_start(d, &sc, &e) != TS_OK) {
            rc = fail("cannot start the audit signer", &e);
            goto out_bg;
        }
    }
    if (notify_start(d, &e) != TS_OK ||
        jobs_start(d, tinhso_job_lists(), ac.jobs_every_s, &e) != TS_OK) {
        rc = fail("cannot start the outbox or the periodic jobs", &e);
        goto out_bg;
    }
    if (http_server_start(srv, &e) != TS_OK) {
        rc = fail("cannot start the server", &e);
        goto out_bg;
    }
    log_info("tinhso %s listening on http://%s:%u (%s, %d threads) ready in %.1f ms",
             TINHSO_VERSION, ac.http.host, http_server_port(srv), db_url_safe(d),
             ac.http.threads > 0 ? ac.http.threads : (int)sysconf(_SC_NPROCESSORS_ONLN),
             (double)(time_mono_us() - t0) / 1000.0);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("received %s: finishing requests in flight (at most 10 s)",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_shutdown(srv, 10000);
    log_info("stopped");
out_bg:
    jobs_stop();
    notify_stop();
    secev_stop(); /* the counts left, then the signer signs them */
    audit_signer_stop();
out_srv:
    http_server_free(srv);
out_db:
    events_stop();
    units_geo_release();
    db_close(d);
    return rc;
}

/* ------------------------------------------------------------------ */

static int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"status", no_argument, 0, O_STATUS},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc, argv, opts, usage_migrate, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc) return usage_error(usage_migrate);
    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_migrate, &d, &c);
    if (rc) return rc;
    if (o.status) {
        ts_err e;
        ts_err_clear(&e);
        if (migrate_status(c, stdout, &e) != TS_OK) rc = fail("migrate --status", &e);
    } else {
        rc = run_migrations(c, false);
    }
    db_close(d);
    return rc;
}

/* --checkpoints: every signed head in the file against the database */
static int verify_checkpoints(db_conn *c, const common_opts *o)
{
    ts_err e;
    ts_err_clear(&e);
    EVP_PKEY *pub = NULL;
    if (o->key && !(pub = audit_key_load(o->key, false, &e))) return fail("audit verify", &e);
    FILE *f = fopen(o->checkpoints, "r");
    if (!f) {
        fprintf(stderr, "tinhso: audit verify: cannot open %s: %s\n", o->checkpoints,
                strerror(errno));
        EVP_PKEY_free(pub);
        return 1;
    }
    audit_cp_report rep;
    int rc = 0;
    if (audit_verify_checkpoints(c, f, pub, &rep, &e) != TS_OK) {
        rc = fail("audit verify", &e);
    } else if (rep.result != AUDIT_CP_OK) {
        printf("audit checkpoints BROKEN: %s\n", rep.why);
        rc = 1;
    } else {
        printf("audit checkpoints consistent: %lld signed heads match the database's %lld "
               "entries%s\n",
               (long long)rep.heads, (long long)rep.entries,
               pub ? ", signatures verified" : " (signatures NOT checked: no --key)");
    }
    fclose(f);
    EVP_PKEY_free(pub);
    return rc;
}

static int audit_keygen(const common_opts *o)
{
    ts_err e;
    ts_err_clear(&e);
    if (audit_key_generate(o->key, &e) != TS_OK) return fail("audit keygen", &e);
    printf("audit signing key written to %s (mode 0600; keep it off the database host's "
           "backups), public key to %s.pub\n",
           o->key, o->key);
    return 0;
}

static int audit_sign(db_conn *c, const common_opts *o)
{
    ts_err e;
    ts_err_clear(&e);
    EVP_PKEY *k = audit_key_load(o->key, true, &e);
    if (!k) return fail("audit sign", &e);
    audit_sth h;
    bool made = false;
    int rc = 0;
    if (audittree_sign(c, k, 1, 0, &h, &made, &e) != TS_OK) {
        rc = fail("audit sign", &e);
    } else if (!made) {
        printf("audit: no new entries since the last signed tree head\n");
    } else {
        printf("audit: signed tree head of %lld entries, root %s\n", (long long)h.size, h.root);
        if (o->checkpoints && !audit_checkpoint_append(o->checkpoints, &h)) rc = 1;
    }
    EVP_PKEY_free(k);
    return rc;
}

static int cmd_audit(int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : "";
    bool verify = !strcmp(sub, "verify"), keygen = !strcmp(sub, "keygen"),
         sign = !strcmp(sub, "sign");
    if (!verify && !keygen && !sign) {
        if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
            fputs(usage_audit, stdout);
            return 0;
        }
        return usage_error(usage_audit);
    }
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"key", required_argument, 0, O_KEY},
                                         {"checkpoints", required_argument, 0, O_CHECKPOINTS},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc - 1, argv + 1, opts, usage_audit, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc - 1 || ((keygen || sign) && !o.key) || (keygen && o.db) ||
        (verify && o.key && !o.checkpoints))
        return usage_error(usage_audit);
    if (keygen) return audit_keygen(&o);
    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_audit, &d, &c);
    if (rc) return rc;
    if (sign) {
        rc = audit_sign(c, &o);
        db_close(d);
        return rc;
    }
    audit_report rep;
    ts_err e;
    ts_err_clear(&e);
    if (audit_verify(c, &rep, &e) != TS_OK) {
        rc = fail("audit verify", &e);
    } else if (rep.broken) {
        printf("audit chain BROKEN at entry %lld: %s (%lld entries verified before it)\n",
               (long long)rep.bad_seq, rep.why, (long long)rep.checked);
        rc = 1;
    } else {
        printf("audit chain intact: %lld entries verified", (long long)rep.checked);
        if (rep.security) printf(" (%lld of them security events)", (long long)rep.security);
        putchar('\n');
    }
    if (o.checkpoints) {
        int r2 = verify_checkpoints(c, &o);
        if (!rc) rc = r2;
    }
    db_close(d);
    return rc;
}

static int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"out", required_argument, 0, O_OUT},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc, argv, opts, usage_backup, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc || !o.out) return usage_error(usage_backup);
    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_backup, &d, &c);
    if (rc) return rc;
    if (db_get_dialect(d) != DB_SQLITE) {
        fputs("tinhso: backup of PostgreSQL: use pg_dump -Fc (see README, Operations)\n", stderr);
        db_close(d);
        return 1;
    }
    ts_err e;
    ts_err_clear(&e);
    int64_t t0 = time_mono_us();
    if (db_sqlite_backup(c, o.out, &e) != TS_OK)
        rc = fail("backup", &e);
    else
        printf("backup written to %s in %.1f ms\n", o.out, (double)(time_mono_us() - t0) / 1000);
    db_close(d);
    return rc;
}

static int do_import(db_conn *c, const char *json, size_t len, const char *valid_from,
                     const char *actor)
{
    units_import_result res;
    ts_err e;
    ts_err_clear(&e);
    int64_t t0 = time_mono_us();
    arena *a = arena_new(1 << 16);
    ts_ctx x;
    ts_ctx_init(&x, c, a, &ts_operator, actor, &e);
    ts_code rc = units_import(&x, json, len, valid_from, &res);
    arena_free(a);
    if (rc != TS_OK) return fail("units import", &e);
    printf("units: %d provinces, %d districts, %d communes — %d inserted, %d updated, %d "
           "unchanged (%.0f ms, audit entry %lld)\n",
           res.provinces, res.districts, res.communes, res.inserted, res.updated, res.unchanged,
           (double)(time_mono_us() - t0) / 1000, (long long)res.audit_seq);
    return 0;
}

static int do_boundaries(db_conn *c, const char *json, size_t len, const char *what,
                         const char *actor)
{
    units_boundaries_result res;
    ts_err e;
    ts_err_clear(&e);
    int64_t t0 = time_mono_us();
    arena *a = arena_new(1 << 20);
    ts_ctx x;
    ts_ctx_init(&x, c, a, &ts_operator, actor, &e);
    ts_code rc = units_boundaries_import(&x, json, len, &res);
    arena_free(a);
    if (rc != TS_OK) return fail("units boundaries", &e);
    char audit[48] = "nothing changed";
    if (res.audit_seq) snprintf(audit, sizeof audit, "audit entry %lld", (long long)res.audit_seq);
    printf("boundaries (%s): %d — %d inserted, %d updated, %d unchanged; %lld vertices, %lld on "
           "the map (%.0f ms, %s)\n",
           what, res.features, res.inserted, res.updated, res.unchanged, (long long)res.vertices,
           (long long)res.display_vertices, (double)(time_mono_us() - t0) / 1000, audit);
    return 0;
}

static const char *cli_actor(void)
{
    static char actor[96];
    const char *u = getenv("USER");
    snprintf(actor, sizeof actor, "cli:%s", u && *u ? u : "unknown");
    return actor;
}

/* A console command acting as the operator: open the database, apply
 * pending migrations, run fn with an operator context, report its error as
 * "tinhso: WHAT: ..." (exit 1). fn prints its own result. */
typedef ts_code (*operator_fn)(ts_ctx *x, void *arg);
static int as_operator(const common_opts *co, const char *usage, const char *what, operator_fn fn,
                       void *arg)
{
    db *d;
    db_conn *c;
    int rc = open_db(co, usage, &d, &c);
    if (rc) return rc;
    rc = run_migrations(c, true);
    if (!rc) {
        arena *a = arena_new(4096);
        ts_err e;
        ts_err_clear(&e);
        ts_ctx x;
        ts_ctx_init(&x, c, a, &ts_operator, cli_actor(), &e);
        if (fn(&x, arg) != TS_OK) rc = fail(what, &e);
        arena_free(a);
    }
    db_close(d);
    return rc;
}

int cli_as_operator(const char *db_url, const char *usage, const char *what, cli_operator_fn fn,
                    void *arg)
{
    common_opts o = {.db = db_url};
    return as_operator(&o, usage, what, fn, arg);
}

static int cmd_units(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_units, stdout);
        return 0;
    }
    if (argc < 2 || (strcmp(argv[1], "import") && strcmp(argv[1], "boundaries")))
        return usage_error(usage_units);
    bool boundaries = !strcmp(argv[1], "boundaries");
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"valid-from", required_argument, 0, O_VALID_FROM},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc - 1, argv + 1, opts, usage_units, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc - 2) return usage_error(usage_units);
    const char *file = argv[1 + i];
    size_t len = 0;
    char *json = read_file(file, &len);
    if (!json) {
        perror(file);
        return 1;
    }
    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_units, &d, &c);
    if (!rc) rc = run_migrations(c, true);
    if (!rc && boundaries)
        rc = do_boundaries(c, json, len, file, cli_actor());
    else if (!rc)
        rc = do_import(c, json, len, o.valid_from ? o.valid_from : DEMO_UNITS_VALID_FROM,
                       cli_actor());
    if (!rc || rc == 1) db_close(d);
    free(json);
    return rc;
}

static void demo_progress(int done, int total)
{
    if (done == total || done % 100000 == 0) {
        printf("dossiers: %d of %d\n", done, total);
        fflush(stdout);
    }
}

/* `demo --dossiers N`: a year of dossiers. */
static int demo_dossiers(db_conn *c, int n)
{
    arena *a = arena_new(1 << 16);
    ts_err e;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, c, a, &ts_operator, "demo", &e);
    dossiers_demo_result r;
    int64_t t0 = time_mono_us();
    int rc = 0;
    if (dossiers_demo(&x, n, demo_progress, &r) != TS_OK)
        rc = fail("demo dossiers", &e);
    else if (r.existing)
        printf("dossiers: the database has %lld demo dossiers already; none added\n",
               (long long)r.existing);
    else
        printf("dossiers: %d in %.1f s (returned %d, in progress %d, awaiting a supplement %d, "
               "withdrawn %d, refused %d, stopped %d)\n",
               r.inserted, (double)(time_mono_us() - t0) / 1e6, r.by_status[DS_RETURNED],
               r.by_status[DS_SUBMITTED] + r.by_status[DS_RECEIVED] + r.by_status[DS_PROCESSING] +
                   r.by_status[DS_FEE_DUE] + r.by_status[DS_DONE],
               r.by_status[DS_SUPPLEMENT], r.by_status[DS_WITHDRAWN], r.by_status[DS_REFUSED],
               r.by_status[DS_STOPPED]);
    arena_free(a);
    return rc;
}

static void reports_progress(int done, int total)
{
    if (done == total || done % 200000 == 0) printf("reports: %d of %d\n", done, total);
}

/* `demo --reports N`: a year of citizen feedback. */
static int demo_reports(db_conn *c, int n)
{
    arena *a = arena_new(1 << 16);
    ts_err e;
    ts_err_clear(&e);
    ts_ctx x;
    ts_ctx_init(&x, c, a, &ts_operator, "demo", &e);
    feedback_demo_result r;
    int64_t t0 = time_mono_us();
    int rc = 0;
    if (feedback_demo_reports(&x, n, reports_progress, &r) != TS_OK)
        rc = fail("demo reports", &e);
    else if (r.existing)
        printf("reports: the database has %lld reports already; none added\n",
               (long long)r.existing);
    else
        printf("reports: %d in %.1f s (closed %d, answered %d, open %d, rejected %d, merged %d)\n",
               r.made, (double)(time_mono_us() - t0) / 1e6, r.by_status[FS_CLOSED],
               r.by_status[FS_ANSWERED],
               r.by_status[FS_SUBMITTED] + r.by_status[FS_ACCEPTED] + r.by_status[FS_ASSIGNED] +
                   r.by_status[FS_IN_PROGRESS],
               r.by_status[FS_REJECTED], r.by_status[FS_MERGED]);
    arena_free(a);
    return rc;
}

static int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"dossiers", required_argument, 0, O_DOSSIERS},
                                         {"reports", required_argument, 0, O_REPORTS},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    common_opts o = {0};
    int i = parse_opts(argc, argv, opts, usage_demo, common_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc || o.dossiers < 0 || o.reports < 0) return usage_error(usage_demo);
    const ts_embedded *units = ts_embedded_find(ts_data_files, "data/vn-admin/units-2025.json");
    if (!units) {
        fputs("tinhso: the bundled units dataset is missing from this build\n", stderr);
        return 1;
    }
    db *d;
    db_conn *c;
    int rc = open_db(&o, usage_demo, &d, &c);
    if (rc) return rc;
    rc = run_migrations(c, false);
    if (!rc) {
        printf("administrative units (data/vn-admin, MIT licence: see data/vn-admin/LICENSE)\n");
        rc = do_import(c, (const char *)units->data, units->len, DEMO_UNITS_VALID_FROM, "demo");
    }
    /* the demo province's boundaries, the province's and its communes', in
     * one import (one transaction, one audit entry) */
    if (!rc) {
        static const char *const bfiles[] = {"data/vn-admin/boundaries-24-province.geojson",
                                             "data/vn-admin/boundaries-24-communes.geojson"};
        json_t *all = json_pack("{s:s,s:[]}", "type", "FeatureCollection", "features");
        for (size_t k = 0; !rc && k < sizeof bfiles / sizeof bfiles[0]; k++) {
            const ts_embedded *b = ts_embedded_find(ts_data_files, bfiles[k]);
            json_t *fc = b ? json_loadb((const char *)b->data, b->len, 0, NULL) : NULL;
            if (!fc) {
                fprintf(stderr, "tinhso: %s is missing from this build\n", bfiles[k]);
                rc = 1;
            } else {
                json_array_extend(json_object_get(all, "features"),
                                  json_object_get(fc, "features"));
            }
            json_decref(fc);
        }
        char *text = rc ? NULL : json_dumps(all, JSON_COMPACT);
        if (text) rc = do_boundaries(c, text, strlen(text), "Bắc Ninh, data/vn-admin", "demo");
        free(text);
        json_decref(all);
    }
    if (!rc) {
        agencies_demo_result ar;
        ts_err e;
        ts_err_clear(&e);
        if (agencies_demo(c, "demo", &ar, &e) != TS_OK)
            rc = fail("agencies demo", &e);
        else
            printf("agencies: %d inserted, %d updated, %d unchanged (audit entry %lld)\n",
                   ar.inserted, ar.updated, ar.unchanged, (long long)ar.audit_seq);
    }
    if (!rc) {
        accounts_demo_result ur;
        ts_err e;
        ts_err_clear(&e);
        if (accounts_demo(c, "demo", &ur, &e) != TS_OK)
            rc = fail("demo sign-ins", &e);
        else
            printf("sign-ins: %d inserted, %d unchanged\n", ur.inserted, ur.unchanged);
    }
    if (!rc) {
        arena *a = arena_new(4096);
        ts_err e;
        ts_err_clear(&e);
        ts_ctx x;
        ts_ctx_init(&x, c, a, &ts_operator, "demo", &e);
        int n;
        procedures_import_result pr;
        if (schedules_demo(&x, &n) != TS_OK)
            rc = fail("demo working hours", &e);
        else if (printf("agency working hours: %d inserted\n", n),
                 procedures_demo(&x, &pr) != TS_OK)
            rc = fail("demo procedures", &e);
        else if (printf("procedures: %d inserted, %d new versions, %d unchanged\n", pr.inserted,
                        pr.versioned, pr.unchanged),
                 feedback_demo_setup(&x) != TS_OK)
            rc = fail("demo feedback categories", &e);
        else
            printf("feedback: categories and the intake point set\n");
        arena_free(a);
    }
    if (!rc && o.dossiers > 0) rc = demo_dossiers(c, o.dossiers);
    if (!rc && o.reports > 0) rc = demo_reports(c, o.reports);
    if (!rc) {
        printf("demo province ready: Bắc Ninh (code 24)\n");
        accounts_demo_print(c, stdout);
    }
    db_close(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* user add, token create                                                */

static const char usage_user[] =
    "usage: tinhso user add --db URL --username U --name \"FULL NAME\" [--kind officer|citizen]\n"
    "                       [--role ROLE --agency CODE] [--email E] [--phone P]\n"
    "  The password is read from standard input (one line), never from the command line.\n"
    "  ROLE: officer, agency_admin, leader, system_admin (officers need one).\n"
    "       tinhso user contact-code --db URL --username U --channel email|phone\n"
    "  Prints a one-time code (8 digits, 24 hours) that proves the account's e-mail or\n"
    "  phone: give it to the person, who enters it (POST /api/v1/me/contact/verify).\n"
    "       tinhso user reset-link --db URL --username U\n"
    "  Prints, once, a single-use link (/#/password-reset?token=...) for the person to set\n"
    "  their own password, valid 24 hours; it voids the account's earlier links.\n";
static const char usage_token[] =
    "usage: tinhso token create --db URL --owner USERNAME --agency CODE --name NAME\n"
    "                           --purpose TEXT --permissions ROLE[,ROLE] [--expires DATE]\n"
    "  Prints the token once; only its SHA-256 is stored. The token belongs to the account\n"
    "  USERNAME and never grants more than it holds at the time of use; it expires on DATE\n"
    "  (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ; default in 90 days, at most one year).\n";

typedef struct id_opts {
    common_opts c;
    const char *username, *name, *kind, *role, *agency, *email, *phone, *perms, *channel;
    const char *owner, *purpose, *expires;
} id_opts;

enum {
    O_USERNAME = 1100,
    O_NAME,
    O_KIND,
    O_ROLE,
    O_AGENCY,
    O_EMAIL,
    O_PHONE,
    O_PERMS,
    O_CHANNEL,
    O_OWNER,
    O_PURPOSE,
    O_EXPIRES
};

static void id_cb(int opt, const char *arg, void *ctx)
{
    id_opts *o = ctx;
    switch (opt) {
    case O_USERNAME:
        o->username = arg;
        break;
    case O_NAME:
        o->name = arg;
        break;
    case O_KIND:
        o->kind = arg;
        break;
    case O_ROLE:
        o->role = arg;
        break;
    case O_AGENCY:
        o->agency = arg;
        break;
    case O_EMAIL:
        o->email = arg;
        break;
    case O_PHONE:
        o->phone = arg;
        break;
    case O_PERMS:
        o->perms = arg;
        break;
    case O_CHANNEL:
        o->channel = arg;
        break;
    case O_OWNER:
        o->owner = arg;
        break;
    case O_PURPOSE:
        o->purpose = arg;
        break;
    case O_EXPIRES:
        o->expires = arg;
        break;
    default:
        common_cb(opt, arg, &o->c);
    }
}

/* tinhso user reset-link: the operator makes a single-use reset link (decisions §29). */
static ts_code reset_link_run(ts_ctx *x, void *arg)
{
    const id_opts *o = arg;
    int64_t expires = 0;
    char token[44];
    ts_code r = accounts_reset_link_for(x, o->username, 24 * 3600, token, &expires);
    if (r == TS_OK) {
        char until[40];
        time_iso_us(expires * 1000000, until, sizeof until);
        printf("/#/password-reset?token=%s\n(single use, valid until %s)\n", token, until);
    }
    memset(token, 0, sizeof token);
    return r;
}

static int user_reset_link(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"username", required_argument, 0, O_USERNAME},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    id_opts o = {0};
    int i = parse_opts(argc - 1, argv + 1, opts, usage_user, id_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc - 1 || !o.username) return usage_error(usage_user);
    return as_operator(&o.c, usage_user, "user reset-link", reset_link_run, &o);
}

/* tinhso user contact-code: the one-time code that proves a contact (until
 * the notification outbox sends it). */
static ts_code contact_code_run(ts_ctx *x, void *arg)
{
    const id_opts *o = arg;
    char code[ACCOUNT_CODE_DIGITS + 1];
    ts_code r = accounts_contact_code(x, o->username, o->channel, code);
    if (r == TS_OK) printf("%s\n", code);
    return r;
}

static int cmd_contact_code(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"username", required_argument, 0, O_USERNAME},
                                         {"channel", required_argument, 0, O_CHANNEL},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    id_opts o = {0};
    int i = parse_opts(argc, argv, opts, usage_user, id_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc || !o.username || !o.channel) return usage_error(usage_user);
    return as_operator(&o.c, usage_user, "user contact-code", contact_code_run, &o);
}

typedef struct user_add_arg {
    const id_opts *o;
    const char *pw;
} user_add_arg;

static ts_code user_add_run(ts_ctx *x, void *arg)
{
    const user_add_arg *ua = arg;
    const id_opts *o = ua->o;
    account_new n = {.username = o->username,
                     .kind = o->kind,
                     .full_name = o->name,
                     .email = o->email,
                     .phone = o->phone,
                     .password = ua->pw,
                     .role = o->role,
                     .agency_code = o->agency};
    account out;
    ts_code r = accounts_create(x, &n, &out);
    if (r == TS_OK)
        printf("account %s (id %lld, %s)%s%s%s%s created\n", out.username, (long long)out.id,
               out.kind, o->role ? ": " : "", o->role ? o->role : "", o->role ? " on " : "",
               o->role ? o->agency : "");
    return r;
}

static int cmd_user(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_user, stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "contact-code")) return cmd_contact_code(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "reset-link")) return user_reset_link(argc, argv);
    if (argc < 2 || strcmp(argv[1], "add")) return usage_error(usage_user);
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"username", required_argument, 0, O_USERNAME},
                                         {"name", required_argument, 0, O_NAME},
                                         {"kind", required_argument, 0, O_KIND},
                                         {"role", required_argument, 0, O_ROLE},
                                         {"agency", required_argument, 0, O_AGENCY},
                                         {"email", required_argument, 0, O_EMAIL},
                                         {"phone", required_argument, 0, O_PHONE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    id_opts o = {0};
    int i = parse_opts(argc - 1, argv + 1, opts, usage_user, id_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc - 1 || !o.username || !o.name) return usage_error(usage_user);
    if (!o.kind) o.kind = o.role ? "officer" : "citizen";
    if (!strcmp(o.kind, "officer") && (!o.role || !o.agency)) {
        fputs("tinhso: an officer needs --role and --agency\n", stderr);
        return usage_error(usage_user);
    }
    if (isatty(STDIN_FILENO)) fputs("password: ", stderr);
    char pw[1100];
    if (!fgets(pw, sizeof pw, stdin)) pw[0] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    if (!pw[0]) {
        fputs("tinhso: refusing an empty password (give it on standard input)\n", stderr);
        return 1;
    }
    user_add_arg ua = {&o, pw};
    int rc = as_operator(&o.c, usage_user, "user add", user_add_run, &ua);
    memset(pw, 0, sizeof pw);
    return rc;
}

static ts_code token_create_run(ts_ctx *x, void *arg)
{
    const id_opts *o = arg;
    char secret[48];
    api_token t;
    token_new in = {.name = o->name,
                    .purpose = o->purpose,
                    .agency_code = o->agency,
                    .permissions = o->perms,
                    .expires_at = o->expires,
                    .owner = o->owner};
    ts_code r = tokens_create(x, &in, secret, &t);
    if (r == TS_OK) {
        char exp[40];
        time_iso_us(t.expires_at * 1000000, exp, sizeof exp);
        printf("%s\n", secret);
        fprintf(stderr,
                "token %lld \"%s\" of %s on %s (%s), expires %s: shown once, store it now\n",
                (long long)t.id, t.name, t.owner, t.agency_code, t.permissions, exp);
    }
    memset(secret, 0, sizeof secret);
    return r;
}

static int cmd_token(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage_token, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "create")) return usage_error(usage_token);
    static const struct option opts[] = {{"db", required_argument, 0, O_DB},
                                         {"agency", required_argument, 0, O_AGENCY},
                                         {"name", required_argument, 0, O_NAME},
                                         {"permissions", required_argument, 0, O_PERMS},
                                         {"owner", required_argument, 0, O_OWNER},
                                         {"purpose", required_argument, 0, O_PURPOSE},
                                         {"expires", required_argument, 0, O_EXPIRES},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    id_opts o = {0};
    int i = parse_opts(argc - 1, argv + 1, opts, usage_token, id_cb, &o);
    if (i == -1) return 0;
    if (i < 0 || i != argc - 1 || !o.agency || !o.name || !o.perms || !o.owner || !o.purpose)
        return usage_error(usage_token);
    return as_operator(&o.c, usage_token, "token create", token_create_run, &o);
}

/* ------------------------------------------------------------------ */
/* the command table                                                     */

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char usage_version[] = "usage: tinhso version\n";
static const char usage_help[] =
    "usage: tinhso help [COMMAND | config [--markdown]]\n"
    "  COMMAND's usage (serve: also the configuration keys); config: the configuration keys\n";

typedef struct cli_command {
    const char *name;  /* argv[1] */
    const char *title; /* as listed in the usage: "audit verify" */
    const char *usage; /* printed by --help and on a usage error */
    const char *help;  /* one line */
    int (*run)(int argc, char **argv);
} cli_command;

static const cli_command commands[] = {
    {"serve", "serve", usage_serve, "run the HTTP service", cmd_serve},
    {"migrate", "migrate", usage_migrate, "apply pending database migrations (--status to list)",
     cmd_migrate},
    {"audit", "audit verify|keygen|sign", usage_audit, "check the audit chain and its signed heads",
     cmd_audit},
    {"backup", "backup", usage_backup, "consistent copy of a running SQLite database", cmd_backup},
    {"units", "units import", usage_units, "load administrative units from a vn-admin JSON file",
     cmd_units},
    {"user", "user add", usage_user, "create a sign-in (password read from stdin)", cmd_user},
    {"token", "token create", usage_token, "create an API token (printed once)", cmd_token},
    {"calendar", "calendar", usage_calendar, "lunar dates, holidays and deadlines in working time",
     cmd_calendar},
    {"demo", "demo", usage_demo, "set up the demo province (migrations + reference data)",
     cmd_demo},
    {"version", "version", usage_version, "print the version", cmd_version},
    {"help", "help", usage_help, "this text; 'tinhso help serve' also lists the configuration",
     cmd_help},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void main_usage(FILE *out)
{
    fputs("tinhso " TINHSO_VERSION " — a province's digital-government services in one program\n"
          "\n"
          "usage: tinhso COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s %s\n", commands[i].title, commands[i].help);
    fputs("\n"
          "Database URLs: sqlite:PATH, a bare PATH (SQLite), or postgresql://USER@HOST:PORT/DB.\n"
          "The database may also be given as TINHSO_DB in the environment.\n"
          "Run 'tinhso COMMAND --help' for a command's options.\n",
          out);
}

static const cli_command *command_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("tinhso %s (sqlite %s, libpq, libmicrohttpd, jansson %s)\n", TINHSO_VERSION, "3",
           JANSSON_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "config")) {
        bool md = argc > 2 && !strcmp(argv[2], "--markdown");
        if (argc > 3 || (argc == 3 && !md)) return usage_error(usage_help);
        config_help(stdout, md);
        return 0;
    }
    const cli_command *c = command_find(argv[1]);
    if (!c || argc > 2) {
        fprintf(stderr, "tinhso: no help on '%s'\n", argv[1]);
        return usage_error(usage_help);
    }
    fputs(c->usage, stdout);
    if (c->run == cmd_serve) {
        fputs("\n", stdout);
        config_help(stdout, 0);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        main_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version")) name = "version";
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
    const cli_command *c = command_find(name);
    if (!c) {
        fprintf(stderr, "tinhso: unknown command '%s'\n", argv[1]);
        main_usage(stderr);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
