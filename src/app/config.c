/*
 * config — see config.h. Each key names its member by offset in
 * app_config, so adding a key is one line in keys[] (and its default in
 * http_config_defaults).
 */
#include "config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../lib/jsonx.h"

typedef enum cfg_type {
    CFG_INT,    /* int member */
    CFG_I64,    /* int64_t member */
    CFG_SIZE,   /* size_t member */
    CFG_BOOL,   /* bool member */
    CFG_STRING, /* char[] member; max = longest length */
    CFG_LISTEN, /* "HOST:PORT" into http.host + http.port */
    CFG_NETS,   /* array of addresses/networks: http_net[HTTP_MAX_PROXIES] then its int count */
    CFG_ROLES   /* array of role names into an unsigned set (ident_role_bit) */
} cfg_type;

typedef struct cfg_key {
    const char *key;
    cfg_type type;
    long long min, max; /* integers: the range; strings: max length */
    size_t off;         /* member in app_config */
    const char *def;    /* the default, as shown in help */
    const char *help;   /* one line */
} cfg_key;

#define H(m) offsetof(app_config, http.m)

static const cfg_key keys[] = {
    {"db", CFG_STRING, 0, 1023, offsetof(app_config, db), "—", "database URL"},
    {"listen", CFG_LISTEN, 0, 0, 0, "127.0.0.1:8080",
     "address and port (IPv4; port 0 picks a free one and logs it)"},
    {"threads", CFG_INT, 0, 256, H(threads), "number of cores",
     "worker threads, each with its own database connection (0 = number of cores)"},
    {"max_body_bytes", CFG_SIZE, 1, 1LL << 30, H(max_body), "1048576",
     "larger request bodies get 413"},
    {"max_header_bytes", CFG_SIZE, 4096, 1 << 20, H(max_header), "16384",
     "per-connection memory for the request line and headers; larger headers are refused"},
    {"max_connections", CFG_INT, 0, 1000000, H(max_connections), "from the file limit",
     "connections served at once; more get a fast 503, then wait in the listen backlog "
     "(0 = derived from the file limit)"},
    {"max_connections_per_address", CFG_INT, 1, 1000000, H(max_per_addr), "128",
     "open connections from one client address (trusted_proxies are exempt); more are "
     "closed at once"},
    {"timeout_seconds", CFG_INT, 1, 3600, H(timeout_s), "30",
     "keep-alive idle timeout: a connection with nothing to do is closed after this long"},
    {"header_timeout_seconds", CFG_INT, 1, 3600, H(header_timeout_s), "10",
     "a new connection is closed when its request header stalls this long"},
    {"access_log", CFG_BOOL, 0, 0, H(access_log), "true", "one JSON line per request on stderr"},
    {"ref_cache", CFG_BOOL, 0, 0, H(ref_cache), "true",
     "answer unit reads from per-thread copies (--no-cache turns it off)"},
    {"ref_cache_check_ms", CFG_INT, 0, 60000, H(ref_cache_check_ms), "1000",
     "how often changes made by other processes are looked for"},
    {"ref_cache_max_age_seconds", CFG_INT, 0, 86400, H(ref_cache_max_age_s), "60",
     "a copy is re-read after this long whatever happens"},
    {"admin_token", CFG_STRING, 0, 127, H(admin_token), "—",
     "bootstrap administrator bearer token (prefer TINHSO_ADMIN_TOKEN)"},
    {"admin_token_after_setup", CFG_BOOL, 0, 0, H(admin_token_after_setup), "false",
     "keep accepting admin_token once a system admin account exists (it retires then)"},
    {"cookie_secure", CFG_BOOL, 0, 0, H(cookie_secure), "false",
     "treat every request as TLS: __Host- Secure session cookie and HSTS (without it: when "
     "a trusted proxy sends X-Forwarded-Proto: https)"},
    {"session_idle_seconds", CFG_I64, 1, 31536000, H(ident.idle_s), "1800",
     "a session ends after this long without a request"},
    {"session_max_seconds", CFG_I64, 1, 31536000, H(ident.max_s), "43200",
     "a session ends this long after sign-in, whatever happens"},
    {"login_free_failures", CFG_INT, 1, 999, H(ident.login_free_failures), "3",
     "failed sign-ins per username and address before each try waits (429)"},
    {"login_max_failures", CFG_INT, 1, 9999, H(ident.login_max_failures), "10",
     "failed sign-ins per username from every address: then the addresses that failed it "
     "wait; an address without failures still signs in"},
    {"login_ip_max_failures", CFG_INT, 1, 99999, H(ident.login_ip_max_failures), "20",
     "distinct usernames failed from one address: then that address waits"},
    {"login_lock_seconds", CFG_INT, 1, 86400, H(ident.lock_s), "5",
     "first wait; doubles per further failure, at most login_lock_max_seconds"},
    {"login_lock_max_seconds", CFG_INT, 1, 86400, H(ident.lock_max_s), "900",
     "longest wait between tries"},
    {"register_ip_max_per_hour", CFG_INT, 1, 100000, H(ident.register_ip_max), "100",
     "self-registration attempts per client address per hour (then 429)"},
    {"audit_key_file", CFG_STRING, 0, 1023, offsetof(app_config, audit.key_file), "—",
     "Ed25519 private key (tinhso audit keygen) that signs the audit log's tree heads; unset: "
     "no signing"},
    {"audit_checkpoint_file", CFG_STRING, 0, 1023, offsetof(app_config, audit.checkpoint_file), "—",
     "file each signed tree head is appended to (one line each), to ship off-host"},
    {"audit_sign_every", CFG_I64, 1, 100000000, offsetof(app_config, audit.sign_every), "1000",
     "sign a new tree head after this many new audit entries..."},
    {"audit_sign_seconds", CFG_I64, 1, 86400, offsetof(app_config, audit.sign_seconds), "60",
     "...or when the last head is this many seconds old and entries were added"},
    {"mfa_required_roles", CFG_ROLES, 0, 0, H(ident.mfa_roles),
     "[\"agency_admin\", \"system_admin\"]",
     "roles whose holders must enrol a second factor (TOTP) before anything else; [] = none"},
    {"mfa_key_file", CFG_STRING, 0, 255, H(ident.mfa_key_file), "—",
     "file of the key sealing TOTP secrets in the database (made, mode 0600, when missing)"},
    {"password_reset_link_seconds", CFG_I64, 300, 604800, H(ident.reset_link_s), "86400",
     "how long a single-use password-reset link made by an administrator works"},
    {"bearer_max_failures", CFG_INT, 1, 99999, H(ident.bearer_max_failures), "10",
     "wrong bearer tokens per client address before it is locked (like sign-ins)"},
    {"metrics_allow", CFG_NETS, 0, HTTP_MAX_PROXIES, H(metrics_allow), "[]",
     "addresses or networks that may read /metrics besides loopback (at most 16)"},
    {"metrics_token", CFG_STRING, 0, 127, H(metrics_token), "—",
     "a bearer token that may read /metrics from anywhere"},
    {"public_url", CFG_STRING, 1, 255, H(public_url), "http://127.0.0.1:8080",
     "the address citizens reach this service at: printed forms' links and QR codes"},
    {"pdf_font", CFG_STRING, 0, 255, H(pdf_font), "Liberation Serif (fonts-liberation2)",
     "the TrueType font file of printed forms (Vietnamese needs a Unicode font)"},
    {"pdf_font_bold", CFG_STRING, 0, 255, H(pdf_font_bold), "Liberation Serif Bold",
     "its bold face"},
    {"outbox_log", CFG_STRING, 0, 1023, offsetof(app_config, outbox.log_file), "—",
     "file the outbox's log adapter appends each e-mail, SMS and Zalo message to (one JSON "
     "line; shared by every process); unset: the server log"},
    {"outbox_drain", CFG_BOOL, 0, 0, offsetof(app_config, outbox.drain), "true",
     "this process sends what the outbox holds (each second, and at once after a change)"},
    {"outbox_max_attempts", CFG_INT, 1, 100, offsetof(app_config, outbox.max_attempts), "8",
     "tries of one message before it is given up (state failed, listed for administrators)"},
    {"outbox_backoff_seconds", CFG_INT, 1, 86400, offsetof(app_config, outbox.backoff_s), "30",
     "wait after a failed try; doubles with each further failure, at most 6 hours"},
    {"outbox_lease_seconds", CFG_INT, 1, 86400, offsetof(app_config, outbox.lease_s), "300",
     "a process that takes messages to send holds them this long; if it dies, another (or "
     "the next start) sends them after it"},
    {"outbox_email", CFG_BOOL, 0, 0, offsetof(app_config, outbox.email), "true",
     "send e-mail to applicants who gave an address"},
    {"outbox_sms", CFG_BOOL, 0, 0, offsetof(app_config, outbox.sms), "true",
     "send SMS to applicants who gave a phone number"},
    {"outbox_zalo", CFG_BOOL, 0, 0, offsetof(app_config, outbox.zalo), "false",
     "send Zalo messages to applicants who gave a phone number"},
    {"jobs_every_seconds", CFG_INT, 0, 86400, offsetof(app_config, jobs_every_s), "60",
     "how often the periodic jobs run (escalating overdue process steps to the step's "
     "leader, ...); 0: not in this process"},
    {"trusted_proxies", CFG_NETS, 0, HTTP_MAX_PROXIES, H(proxies), "[]",
     "addresses or networks of your reverse proxies (at most 16): from them, the client "
     "address is read from X-Forwarded-For"},
};
#define NKEYS (sizeof keys / sizeof keys[0])

void config_defaults(app_config *c)
{
    memset(c, 0, sizeof *c);
    http_config_defaults(&c->http);
    c->audit.sign_every = 1000;
    c->audit.sign_seconds = 60;
    c->outbox.drain = true;
    c->outbox.max_attempts = 8;
    c->outbox.backoff_s = 30;
    c->outbox.lease_s = 300;
    c->outbox.email = true;
    c->outbox.sms = true;
    c->jobs_every_s = 60;
}

static const cfg_key *key_find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].key, name)) return &keys[i];
    return NULL;
}

static ts_code bad(ts_err *err, const char *key, ts_msg m, const char *arg)
{
    ts_err_set(err, TS_EVALIDATION, M_VALIDATION, NULL);
    return ts_err_field(err, TS_EVALIDATION, key, m, arg);
}

static ts_code set_listen(app_config *c, const char *key, json_t *v, ts_err *err)
{
    const char *l = json_string_value(v);
    const char *colon = l ? strrchr(l, ':') : NULL;
    if (!colon || colon == l || (size_t)(colon - l) >= sizeof c->http.host)
        return bad(err, key, M_FIELD_FORMAT, "HOST:PORT");
    long port = 0;
    const char *p = colon + 1;
    if (!*p) return bad(err, key, M_FIELD_FORMAT, "HOST:PORT");
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535) return bad(err, key, M_FIELD_FORMAT, "HOST:PORT");
        port = port * 10 + (*p - '0');
    }
    if (port > 65535) return bad(err, key, M_FIELD_RANGE, "0..65535");
    snprintf(c->http.host, sizeof c->http.host, "%.*s", (int)(colon - l), l);
    if (!strcmp(c->http.host, "localhost"))
        snprintf(c->http.host, sizeof c->http.host, "127.0.0.1");
    c->http.port = (unsigned short)port;
    return TS_OK;
}

_Static_assert(offsetof(http_config, nproxies) ==
                   offsetof(http_config, proxies) + sizeof(http_net) * HTTP_MAX_PROXIES,
               "a CFG_NETS count follows its array");
_Static_assert(offsetof(http_config, nmetrics_allow) ==
                   offsetof(http_config, metrics_allow) + sizeof(http_net) * HTTP_MAX_PROXIES,
               "a CFG_NETS count follows its array");

static ts_code set_nets(app_config *c, const cfg_key *k, json_t *v, ts_err *err)
{
    if (!json_is_array(v)) return bad(err, k->key, M_FIELD_TYPE_ARRAY, NULL);
    if (json_array_size(v) > (size_t)k->max) {
        char m[32];
        snprintf(m, sizeof m, "0..%lld", k->max);
        return bad(err, k->key, M_FIELD_RANGE, m);
    }
    http_net *nets = (http_net *)((char *)c + k->off);
    int *count = (int *)(nets + HTTP_MAX_PROXIES);
    size_t i;
    json_t *p;
    *count = 0;
    json_array_foreach(v, i, p)
    {
        if (!json_is_string(p) || http_net_parse(json_string_value(p), &nets[*count])) {
            char name[64];
            snprintf(name, sizeof name, "%s[%zu]", k->key, i);
            return bad(err, name, M_FIELD_FORMAT, "\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"");
        }
        (*count)++;
    }
    return TS_OK;
}

bool config_token_strong(const char *t)
{
    size_t n = strlen(t), hex = 0, b64 = 0;
    bool seen[256] = {false};
    int distinct = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t[i];
        bool digit = ch >= '0' && ch <= '9', lower = ch >= 'a' && ch <= 'z',
             upper = ch >= 'A' && ch <= 'Z';
        hex += digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
        b64 += digit || lower || upper || ch == '-' || ch == '_';
        if (!seen[ch]) distinct++;
        seen[ch] = true;
    }
    /* 32 random bytes: 64 hex digits or 43 base64url characters, and not a
     * pattern (a random 43-character token has about 30 distinct ones) */
    bool shape = hex == n ? n >= 64 : b64 == n && n >= 43; /* hex digits carry 4 bits */
    return shape && distinct >= 12;
}

static ts_code set_roles(const cfg_key *k, json_t *v, unsigned *out, ts_err *err)
{
    if (!json_is_array(v)) return bad(err, k->key, M_FIELD_TYPE_ARRAY, NULL);
    unsigned set = 0;
    size_t i;
    json_t *r;
    json_array_foreach(v, i, r)
    {
        unsigned bit = ident_role_bit(json_string_value(r));
        if (!bit) {
            char name[64];
            snprintf(name, sizeof name, "%s[%zu]", k->key, i);
            return bad(err, name, M_ROLE_UNKNOWN, ROLE_LIST);
        }
        set |= bit;
    }
    *out = set;
    return TS_OK;
}

static ts_code set_key(app_config *c, const cfg_key *k, json_t *v, ts_err *err)
{
    char *m = (char *)c + k->off;
    switch (k->type) {
    case CFG_INT:
    case CFG_I64:
    case CFG_SIZE: {
        if (!json_is_integer(v)) return bad(err, k->key, M_FIELD_TYPE_INTEGER, NULL);
        long long x = json_integer_value(v);
        if (x < k->min || x > k->max) {
            char range[64];
            snprintf(range, sizeof range, "%lld..%lld", k->min, k->max);
            return bad(err, k->key, M_FIELD_RANGE, range);
        }
        if (k->type == CFG_INT) {
            int y = (int)x;
            memcpy(m, &y, sizeof y);
        } else if (k->type == CFG_I64) {
            int64_t y = x;
            memcpy(m, &y, sizeof y);
        } else {
            size_t y = (size_t)x;
            memcpy(m, &y, sizeof y);
        }
        return TS_OK;
    }
    case CFG_BOOL: {
        if (!json_is_boolean(v)) return bad(err, k->key, M_FIELD_TYPE_BOOL, NULL);
        bool y = json_is_true(v);
        memcpy(m, &y, sizeof y);
        return TS_OK;
    }
    case CFG_STRING: {
        if (!json_is_string(v)) return bad(err, k->key, M_FIELD_TYPE_STRING, NULL);
        size_t n = json_string_length(v);
        if (n > (size_t)k->max || strlen(json_string_value(v)) != n) {
            char max[24];
            snprintf(max, sizeof max, "%lld", k->max);
            return bad(err, k->key, M_FIELD_TOO_LONG, max);
        }
        memcpy(m, json_string_value(v), n + 1);
        return TS_OK;
    }
    case CFG_LISTEN:
        if (!json_is_string(v)) return bad(err, k->key, M_FIELD_TYPE_STRING, NULL);
        return set_listen(c, k->key, v, err);
    case CFG_NETS:
        return set_nets(c, k, v, err);
    case CFG_ROLES:
        return set_roles(k, v, (unsigned *)(void *)m, err);
    }
    return bad(err, k->key, M_FIELD_UNKNOWN, NULL);
}

ts_code config_parse(const char *text, size_t len, app_config *c, ts_err *err)
{
    json_t *root;
    ts_code rc = jx_parse_object(text, len, &root, err);
    if (rc != TS_OK) return rc;
    const char *name;
    json_t *v;
    json_object_foreach(root, name, v)
    {
        const cfg_key *k = key_find(name);
        rc = k ? set_key(c, k, v, err) : bad(err, name, M_FIELD_UNKNOWN, NULL);
        if (rc != TS_OK) break;
    }
    json_decref(root);
    return rc;
}

static const char *type_name(cfg_type t)
{
    switch (t) {
    case CFG_INT:
    case CFG_I64:
    case CFG_SIZE:
        return "integer";
    case CFG_BOOL:
        return "boolean";
    case CFG_STRING:
        return "string";
    case CFG_LISTEN:
        return "\"HOST:PORT\"";
    case CFG_NETS:
    case CFG_ROLES:
        return "array of strings";
    }
    return "";
}

void config_help(FILE *out, int markdown)
{
    if (markdown) {
        fputs("| key | type | range | default | meaning |\n|---|---|---|---|---|\n", out);
    } else {
        fputs("configuration file keys (JSON object; --config FILE; options given on the "
              "command line win):\n",
              out);
    }
    for (size_t i = 0; i < NKEYS; i++) {
        const cfg_key *k = &keys[i];
        char range[48] = "";
        if (k->type == CFG_INT || k->type == CFG_I64 || k->type == CFG_SIZE)
            snprintf(range, sizeof range, "%lld–%lld", k->min, k->max);
        else if (k->type == CFG_STRING)
            snprintf(range, sizeof range, "≤ %lld bytes", k->max);
        else if (k->type == CFG_NETS)
            snprintf(range, sizeof range, "≤ %lld entries", k->max);
        if (markdown)
            fprintf(out, "| `%s` | %s | %s | %s | %s |\n", k->key, type_name(k->type), range,
                    k->def, k->help);
        else
            fprintf(out, "  %-28s %s%s%s, default %s\n  %-28s %s\n", k->key, type_name(k->type),
                    range[0] ? " " : "", range, k->def, "", k->help);
    }
}
