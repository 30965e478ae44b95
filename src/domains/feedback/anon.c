/*
 * anon — reports from people who do not sign in, when the province allows
 * it (the setting anonymous): a one-time code of six digits goes to a
 * phone (SMS) or an e-mail address through the outbox; the report is
 * filed with that code, once, within ten minutes and five tries. The code
 * is kept only as the SHA-256 of target and code. Floods are stopped per
 * address by the door (platform/ratelim) and per target here (three codes
 * an hour, counted in the database, so every process agrees).
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "../../platform/notify.h"
#include "../../platform/password.h"
#include "feedback_int.h"

#define OTP_TTL_S 600
#define OTP_TRIES 5
#define OTP_PER_HOUR 3

static const char *target_of(ts_ctx *x, const char *phone, const char *email)
{
    if (phone && *phone) return arena_printf(x->a, "phone:%s", phone);
    if (email && *email) return arena_printf(x->a, "email:%s", email);
    return NULL;
}

static void hash_of(const char *target, const char *code, char out[65])
{
    char buf[400];
    snprintf(buf, sizeof buf, "%s|%s", target, code);
    tok_sha256_hex_n(buf, strlen(buf), out);
}

typedef struct otp_ctx {
    const char *target, *phone, *email, *ip;
} otp_ctx;

static ts_code otp_tx(ts_ctx *x, void *arg)
{
    otp_ctx *oc = arg;
    int64_t now = x->now_us / 1000000, n = 0;
    TS_TRY(db_int(x->db, x->err, &n, 0,
                  "SELECT COUNT(*) FROM feedback_otps WHERE target = ? AND created_at > ?",
                  DBV_T(oc->target), DBV_I(now - 3600)));
    if (n >= OTP_PER_HOUR)
        return ts_err_set(x->err, TS_ERATELIMIT, M_FB_OTP_LIMIT, oc->phone ? oc->phone : oc->email);
    unsigned char rnd[4];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "rng");
    unsigned v =
        ((unsigned)rnd[0] << 24 | (unsigned)rnd[1] << 16 | (unsigned)rnd[2] << 8 | rnd[3]) %
        1000000u;
    char code[8], h[65];
    snprintf(code, sizeof code, "%06u", v);
    hash_of(oc->target, code, h);
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO feedback_otps (target, code_hash, created_at, expires_at, attempts, "
                  "ip) VALUES (?, ?, ?, ?, 0, ?)",
                  DBV_T(oc->target), DBV_T(h), DBV_I(now), DBV_I(now + OTP_TTL_S), DBV_T(oc->ip)));
    notify_msg m = {
        .topic = "feedback.otp",
        .subject = "otp",
        .link = "/phan-anh/moi",
        .title_vi = "Mã xác nhận gửi phản ánh",
        .title_en = "Your confirmation code",
        .body_vi = arena_printf(x->a,
                                "Mã xác nhận gửi phản ánh của bạn là %s (dùng một lần, có "
                                "hiệu lực 10 phút). Không chia sẻ mã này cho người khác.",
                                code),
        .body_en = arena_printf(x->a,
                                "Your code to send a report is %s (once, within 10 minutes). "
                                "Do not share it.",
                                code),
    };
    TS_TRY(notify_send(x, &m, &(notify_to){.phone = oc->phone, .email = oc->email}));
    OPENSSL_cleanse(code, sizeof code);
    json_t *sum = json_pack("{s:s}", "channel", oc->phone ? "sms" : "email");
    ts_code rc =
        ts_audit(x, "feedback.otp", "feedback_otp", oc->phone ? "phone" : "email", NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code feedback_otp_send(ts_ctx *x, const char *phone, const char *email, const char *ip)
{
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    if (!st.anonymous) return ts_err_set(x->err, TS_EFORBIDDEN, M_FB_ANON_OFF, NULL);
    if ((phone && *phone) == (email && *email))
        return ts_err_field(x->err, TS_EVALIDATION, "phone", M_FB_OTP_TARGET, NULL);
    otp_ctx oc = {target_of(x, phone, email), phone && *phone ? phone : NULL,
                  email && *email ? email : NULL, ip};
    return ts_write(x, otp_tx, &oc);
}

ts_code fb_otp_use(ts_ctx *x, const fb_new *in)
{
    fb_settings st;
    TS_TRY(feedback_settings(x, &st));
    if (!st.anonymous) return ts_err_set(x->err, TS_EFORBIDDEN, M_FB_ANON_OFF, NULL);
    const char *target = target_of(x, in->phone, in->email);
    if (!target) return ts_err_field(x->err, TS_EVALIDATION, "phone", M_FB_OTP_TARGET, NULL);
    int64_t now = x->now_us / 1000000;
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT id, code_hash FROM feedback_otps WHERE target = ? AND used_at IS "
                      "NULL AND expires_at > ? AND attempts < ? ORDER BY id DESC LIMIT 1",
                      &s, x->err));
    db_bind_list(s, DBV_T(target), DBV_I(now), DBV_I(OTP_TRIES));
    int r = db_step(s, x->err);
    int64_t id = r == DB_ROW ? db_col_int(s, 0) : 0;
    const char *want = r == DB_ROW ? db_col_dup(x->a, s, 1) : NULL;
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    char h[65];
    hash_of(target, in->otp ? in->otp : "", h);
    if (!want || CRYPTO_memcmp(want, h, 64))
        return ts_err_field(x->err, TS_EVALIDATION, "otp", M_FB_OTP_WRONG, NULL);
    return db_run(x->db, x->err, "UPDATE feedback_otps SET used_at = ? WHERE id = ?", DBV_I(now),
                  DBV_I(id));
}

static ts_code failed_tx(ts_ctx *x, void *arg)
{
    const char *target = arg;
    return db_run(x->db, x->err,
                  "UPDATE feedback_otps SET attempts = attempts + 1 WHERE id = (SELECT MAX(id) "
                  "FROM feedback_otps WHERE target = ? AND used_at IS NULL)",
                  DBV_T(target));
}

ts_code feedback_otp_failed(ts_ctx *x, const fb_new *in)
{
    const char *target = target_of(x, in->phone, in->email);
    if (!target) return TS_OK;
    ts_err e;
    ts_err_clear(&e);
    ts_ctx y = *x;
    y.err = &e;
    return ts_write(&y, failed_tx, (void *)target);
}
