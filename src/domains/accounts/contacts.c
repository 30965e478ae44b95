/*
 * contacts — proving an account's e-mail address or phone number with a
 * one-time code (docs/decisions.md §31). Until proven, a contact is what
 * somebody typed: it is shown with its flag (email_verified,
 * phone_verified) and trusted for nothing — not a sign-in name, never where
 * a reset or notice goes. The code reaches the person through the operator
 * today (`tinhso user contact-code` prints it); the notification outbox
 * will send it when it exists.
 */
#include "accounts.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../db/dbq.h"
#include "../../platform/audit.h"
#include "../../platform/ctx.h"
#include "../../platform/identity.h"
#include "../../platform/password.h"

/* A code lives 24 hours and dies after CODE_TRIES wrong tries. */
#define CODE_TTL_S (24 * 3600)
#define CODE_TRIES 5

bool accounts_channel_valid(const char *channel)
{
    return channel && (!strcmp(channel, "email") || !strcmp(channel, "phone"));
}

/* The stored form of a code: SHA-256 of "id:channel:code". */
static void code_hash(int64_t id, const char *channel, const char *code, char out[65])
{
    char buf[96];
    snprintf(buf, sizeof buf, "%lld:%s:%s", (long long)id, channel, code);
    tok_sha256_hex(buf, out);
}

/* ACCOUNT_CODE_DIGITS uniformly random decimal digits. */
static void random_digits(char out[ACCOUNT_CODE_DIGITS + 1])
{
    for (int i = 0; i < ACCOUNT_CODE_DIGITS;) {
        unsigned char b;
        if (RAND_bytes(&b, 1) != 1) abort();
        if (b < 250) out[i++] = (char)('0' + b % 10); /* 250 = 25 x 10: no bias */
    }
    out[ACCOUNT_CODE_DIGITS] = '\0';
}

typedef struct contact_ctx contact_ctx;
struct contact_ctx {
    ts_code (*step)(ts_ctx *tc, contact_ctx *cc); /* runs with id and contact loaded */
    int64_t id;                                   /* the account */
    const char *contact;                          /* its e-mail or phone */
    const char *username, *channel, *code;
    char *out;  /* the new code (contact_code) */
    bool wrong; /* contact_verify: the code did not match (the try is counted) */
};

/* The account's id and its contact on channel (NULL when it has none). */
static ts_code load_contact(ts_ctx *tc, const char *username, const char *channel, int64_t *id,
                            const char **contact)
{
    db_stmt *s;
    ts_code rc =
        db_prepare(tc->db, "SELECT id, email, phone FROM accounts WHERE username = ?", &s, tc->err);
    if (rc != TS_OK) return rc;
    db_bind_text(s, 1, username, -1);
    int r = db_step(s, tc->err);
    if (r == DB_ROW) {
        *id = db_col_int(s, 0);
        *contact = db_col_dup(tc->a, s, strcmp(channel, "email") ? 2 : 1);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    if (r != DB_ROW) return ts_err_set(tc->err, TS_ENOTFOUND, M_ACCOUNT_NOT_FOUND, username);
    if (!*contact) return ts_err_field(tc->err, TS_EVALIDATION, "channel", M_CONTACT_NONE, channel);
    return TS_OK;
}

/* The audit entry of a contact step: the channel, never the code. */
static ts_code audit_contact(ts_ctx *tc, const contact_ctx *cc, const char *action)
{
    json_t *sum = json_pack("{s:s}", "channel", cc->channel);
    ts_code rc = ts_audit(tc, action, "account", cc->username, NULL, sum);
    json_decref(sum);
    return rc;
}

static ts_code code_step(ts_ctx *tc, contact_ctx *cc)
{
    int64_t id = cc->id;
    random_digits(cc->out);
    char h[65];
    code_hash(id, cc->channel, cc->out, h);
    int64_t exp = tc->now_us / 1000000 + CODE_TTL_S;
    ts_code rc =
        db_run(tc->db, tc->err,
               "INSERT INTO contact_codes (account_id, channel, contact, code_hash, expires_at, "
               "attempts) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (account_id, channel) DO UPDATE "
               "SET contact = excluded.contact, code_hash = excluded.code_hash, expires_at = "
               "excluded.expires_at, attempts = 0",
               DBV_I(id), DBV_T(cc->channel), DBV_T(cc->contact), DBV_T(h), DBV_I(exp));
    if (rc != TS_OK) return rc;
    return audit_contact(tc, cc, "account.contact_code");
}

static ts_code contact_tx(ts_ctx *tc, void *argp)
{
    contact_ctx *cc = argp;
    ts_code rc = load_contact(tc, cc->username, cc->channel, &cc->id, &cc->contact);
    return rc != TS_OK ? rc : cc->step(tc, cc);
}

/* Run cc->step on username's contact on channel in one write (422 naming
 * channel when it is neither "email" nor "phone"). */
static ts_code contact_write(ts_ctx *tc, contact_ctx *cc)
{
    if (!accounts_channel_valid(cc->channel))
        return ts_err_field(tc->err, TS_EVALIDATION, "channel", M_FIELD_FORMAT, "email | phone");
    return ts_write(tc, contact_tx, cc);
}

ts_code accounts_contact_code(ts_ctx *tc, const char *username, const char *channel,
                              char code[ACCOUNT_CODE_DIGITS + 1])
{
    contact_ctx cc = {.step = code_step, .username = username, .channel = channel, .out = code};
    return contact_write(tc, &cc);
}

static ts_code verify_step(ts_ctx *tc, contact_ctx *cc)
{
    int64_t id = cc->id;
    db_stmt *s;
    ts_code rc =
        db_prepare(tc->db,
                   "SELECT contact, code_hash, expires_at, attempts FROM contact_codes WHERE "
                   "account_id = ? AND channel = ?",
                   &s, tc->err);
    if (rc != TS_OK) return rc;
    db_bind_list(s, DBV_I(id), DBV_T(cc->channel));
    int r = db_step(s, tc->err);
    const char *for_contact = NULL, *stored = NULL;
    int64_t exp = 0, tries = 0;
    if (r == DB_ROW) {
        for_contact = db_col_dup(tc->a, s, 0);
        stored = db_col_dup(tc->a, s, 1);
        exp = db_col_int(s, 2);
        tries = db_col_int(s, 3);
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    /* no code, expired, used up, or made for a contact since changed */
    if (!stored || exp <= tc->now_us / 1000000 || tries >= CODE_TRIES ||
        strcmp(for_contact, cc->contact))
        return ts_err_field(tc->err, TS_EVALIDATION, "code", M_CONTACT_CODE_INVALID, NULL);
    char h[65];
    code_hash(id, cc->channel, cc->code ? cc->code : "", h);
    if (!tok_equal(h, stored)) {
        cc->wrong = true; /* committed: a wrong try counts */
        return db_run(tc->db, tc->err,
                      "UPDATE contact_codes SET attempts = attempts + 1 WHERE account_id = ? AND "
                      "channel = ?",
                      DBV_I(id), DBV_T(cc->channel));
    }
    rc =
        db_run(tc->db, tc->err,
               strcmp(cc->channel, "email") ? "UPDATE accounts SET phone_verified = 1 WHERE id = ?"
                                            : "UPDATE accounts SET email_verified = 1 WHERE id = ?",
               DBV_I(id));
    if (rc != TS_OK) return rc;
    TS_TRY(db_run(tc->db, tc->err, "DELETE FROM contact_codes WHERE account_id = ? AND channel = ?",
                  DBV_I(id), DBV_T(cc->channel)));
    return audit_contact(tc, cc, "account.contact_verified");
}

ts_code accounts_contact_verify(ts_ctx *tc, const char *username, const char *channel,
                                const char *code)
{
    contact_ctx cc = {.step = verify_step, .username = username, .channel = channel, .code = code};
    ts_code rc = contact_write(tc, &cc);
    if (rc == TS_OK && cc.wrong)
        return ts_err_field(tc->err, TS_EVALIDATION, "code", M_CONTACT_CODE_INVALID, NULL);
    return rc;
}
