/*
 * photos — a report's photos (at most FB_PHOTOS_MAX). Adding one is cheap
 * and synchronous: images_inspect checks the bytes by content and by the
 * header alone (limits, lying types, decompression bombs) and reads the
 * EXIF position, the original is kept in the blob store (never published)
 * and a row waits as 'pending'. A report sent without a point takes the
 * first photo's EXIF position (and, still waiting for the intake point,
 * is routed again by it). The photo job makes the published copy and the
 * thumbnail (upright, blurred where moderation asked, no metadata at all)
 * and marks the row 'ready'; only those bytes are ever served to the
 * public. See docs/decisions.md §42–43.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../platform/images.h"
#include "../../platform/password.h"
#include "../files/files.h"
#include "feedback_int.h"

#define PURPOSE_ORIGINAL "feedback_photo"         /* as sent: staff only */
#define PURPOSE_PUBLISHED "feedback_photo_public" /* made by the job: anyone */

static bool is_reporter(const ts_ctx *x, const fb_report *r)
{
    return x->who->account_id && x->who->account_id == r->reporter_id;
}

typedef struct add_ctx {
    const char *code, *token;
    file_checked k;
    const images_info *info;
    fb_view *out;
} add_ctx;

static ts_code add_tx(ts_ctx *x, void *arg)
{
    add_ctx *ac = arg;
    fb_report *r = &ac->out->r;
    TS_TRY(fb_must_load(x, ac->code, r));
    bool by_token = ac->token && r->token && strlen(ac->token) == strlen(r->token) &&
                    !CRYPTO_memcmp(ac->token, r->token, strlen(r->token));
    if (ac->token && !by_token)
        return ts_err_field(x->err, TS_EFORBIDDEN, "token", M_FB_TOKEN, NULL);
    if (!is_reporter(x, r) && !by_token) {
        bool staff = feedback_is_staff_for(x, r);
        TS_TRY(fb_poisoned(x));
        if (staff) return ts_err_set(x->err, TS_EFORBIDDEN, M_FB_NOT_REPORTER, NULL);
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, ac->code);
    }
    if (r->status != FS_SUBMITTED && r->status != FS_ACCEPTED)
        return ts_err_set(x->err, TS_ECONFLICT, M_FB_PHOTO_TIME, NULL);
    if (r->photos >= FB_PHOTOS_MAX)
        return ts_err_set(x->err, TS_ECONFLICT, M_FB_PHOTOS_FULL,
                          arena_printf(x->a, "%d", FB_PHOTOS_MAX));
    file_info fi;
    bool fresh;
    TS_TRY(files_keep(x, PURPOSE_ORIGINAL, &ac->k, &fi, &fresh));
    const images_info *in = ac->info;
    int n = r->photos + 1;
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO feedback_photos (report_id, n, original, mime, width, height, lat, "
                  "lon, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                  DBV_I(r->id), DBV_I(n), DBV_T(fi.sha256), DBV_T(in->media_type),
                  DBV_I(in->upright_width), DBV_I(in->upright_height),
                  in->has_gps ? DBV_D(in->lat) : DBV_NULL_VAL,
                  in->has_gps ? DBV_D(in->lon) : DBV_NULL_VAL, DBV_T(ts_now(x))));
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE feedback_reports SET photos = photos + 1, rev = rev + 1, updated_at = ? "
                  "WHERE id = ?",
                  DBV_T(ts_now(x)), DBV_I(r->id)));
    bool located = false;
    if (!r->has_point && in->has_gps && in->lat >= -90 && in->lat <= 90 && in->lon >= -180 &&
        in->lon <= 180) {
        /* the photo says where: the report takes its point (and the commune) */
        const char *unit = NULL;
        bool inside = true;
        TS_TRY(fb_locate(x, in->lat, in->lon, &unit, &inside));
        TS_TRY(db_run(x->db, x->err,
                      "UPDATE feedback_reports SET lat = ?, lon = ?, located = 'photo', unit_code "
                      "= ?, outside = ? WHERE id = ?",
                      DBV_D(in->lat), DBV_D(in->lon), DBV_T(unit), DBV_I(!inside), DBV_I(r->id)));
        located = true;
        if (r->status == FS_SUBMITTED) TS_TRY(fb_reroute(x, r->code));
    }
    json_t *sum = json_pack("{s:s,s:i,s:s,s:b}", "code", r->code, "n", n, "sha256", fi.sha256,
                            "located", located);
    ts_code rc = ts_audit(x, "feedback.photo", "feedback", r->code, r->agency, sum);
    json_decref(sum);
    TS_TRY(rc);
    TS_TRY(fb_must_load(x, r->code, r));
    return fb_view_fill(x, ac->out);
}

ts_code feedback_photo_add(ts_ctx *x, const char *code, const void *data, size_t len,
                           const char *claimed_type, const char *filename, const char *token,
                           fb_view *out)
{
    memset(out, 0, sizeof *out);
    images_info info;
    TS_TRY(images_inspect(data, len, NULL, claimed_type, filename, &info, x->err));
    char sha[65];
    tok_sha256_hex_n(data, len, sha);
    add_ctx ac = {.code = code,
                  .token = token,
                  .k = {.sha256 = arena_strdup(x->a, sha),
                        .media_type = info.media_type,
                        .filename = filename ? filename : "anh",
                        .data = data,
                        .len = len},
                  .info = &info,
                  .out = out};
    return ts_write(x, add_tx, &ac);
}

/* ---- reading them --------------------------------------------------------------------------- */

ts_code feedback_photo_get(ts_ctx *x, const char *code, int n, const char *which,
                           const char **media_type, const void **data, size_t *len)
{
    fb_report r;
    TS_TRY(fb_must_load(x, code, &r));
    bool original = !strcmp(which, "original");
    bool staff = original && feedback_is_staff_for(x, &r);
    TS_TRY(fb_poisoned(x));
    if (original ? !staff : !fb_public_visible(&r))
        return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, code);
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT state, original, published, thumb FROM feedback_photos WHERE "
                      "report_id = ? AND n = ?",
                      &s, x->err));
    db_bind_list(s, DBV_I(r.id), DBV_I(n));
    int rr = db_step(s, x->err);
    const char *state = rr == DB_ROW ? db_col_dup(x->a, s, 0) : NULL;
    const char *sha = rr == DB_ROW ? db_col_dup(x->a, s,
                                                original                  ? 1
                                                : !strcmp(which, "thumb") ? 3
                                                                          : 2)
                                   : NULL;
    db_reset(s);
    if (rr < 0) return (ts_code)-rr;
    if (!state || (!original && strcmp(state, "ready")))
        return ts_err_field(x->err, TS_ENOTFOUND, "n", M_FB_PHOTO_NOT_FOUND,
                            arena_printf(x->a, "%d", n));
    if (!sha) return ts_err_set(x->err, TS_ENOTFOUND, M_FB_PHOTO_PENDING, NULL);
    file_info fi;
    ts_code rc = files_get(x, sha, original ? PURPOSE_ORIGINAL : PURPOSE_PUBLISHED, &fi, data);
    if (rc == TS_ENOTFOUND)
        return ts_err_field(x->err, TS_ENOTFOUND, "n", M_FB_PHOTO_NOT_FOUND,
                            arena_printf(x->a, "%d", n));
    TS_TRY(rc);
    *media_type = fi.media_type;
    *len = (size_t)fi.size;
    return TS_OK;
}

/* ---- blurring (moderation) --------------------------------------------------------------------
 */

typedef struct blur_ctx {
    const char *code;
    int n;
    const char *rects; /* JSON array text */
    fb_view *out;
} blur_ctx;

static ts_code blur_tx(ts_ctx *x, void *arg)
{
    blur_ctx *bc = arg;
    fb_report *r = &bc->out->r;
    TS_TRY(fb_must_load(x, bc->code, r));
    bool staff = feedback_is_staff_for(x, r), intake = fb_is_intake(x);
    TS_TRY(fb_poisoned(x));
    if (!staff) return ts_err_field(x->err, TS_ENOTFOUND, "code", M_FB_NOT_FOUND, bc->code);
    if (!intake) return ts_forbidden(x);
    int64_t ch = 0;
    TS_TRY(db_run_vals(x->db,
                       "UPDATE feedback_photos SET blur = ?, state = 'pending', published = NULL, "
                       "thumb = NULL WHERE report_id = ? AND n = ? AND state <> 'hidden'",
                       (const db_val[]){DBV_T(bc->rects), DBV_I(r->id), DBV_I(bc->n)}, 3, &ch,
                       x->err));
    if (!ch)
        return ts_err_field(x->err, TS_ENOTFOUND, "n", M_FB_PHOTO_NOT_FOUND,
                            arena_printf(x->a, "%d", bc->n));
    TS_TRY(db_run(x->db, x->err,
                  "UPDATE feedback_reports SET rev = rev + 1, updated_at = ? WHERE id = ?",
                  DBV_T(ts_now(x)), DBV_I(r->id)));
    json_t *sum = json_pack("{s:s,s:i,s:s}", "code", r->code, "n", bc->n, "rects", bc->rects);
    ts_code rc = ts_audit(x, "feedback.blur", "feedback", r->code, r->agency, sum);
    json_decref(sum);
    TS_TRY(rc);
    TS_TRY(fb_must_load(x, r->code, r));
    return fb_view_fill(x, bc->out);
}

ts_code feedback_photo_blur(ts_ctx *x, const char *code, int n, const char *rects_json,
                            fb_view *out)
{
    memset(out, 0, sizeof *out);
    blur_ctx bc = {code, n, rects_json, out};
    return ts_write(x, blur_tx, &bc);
}

/* ---- the photo job ------------------------------------------------------------------------------
 */

typedef struct pub_ctx {
    int64_t id;
    const char *state, *published, *thumb;
    file_checked p, t;
} pub_ctx;

static ts_code pub_tx(ts_ctx *x, void *arg)
{
    pub_ctx *pc = arg;
    file_info fp, ft;
    bool fresh;
    if (pc->published) {
        TS_TRY(files_keep(x, PURPOSE_PUBLISHED, &pc->p, &fp, &fresh));
        TS_TRY(files_keep(x, PURPOSE_PUBLISHED, &pc->t, &ft, &fresh));
    }
    /* only a photo still pending (moderation may have changed it meanwhile) */
    return db_run(x->db, x->err,
                  "UPDATE feedback_photos SET state = ?, published = ?, thumb = ? WHERE id = ? AND "
                  "state = 'pending'",
                  DBV_T(pc->state), DBV_T(pc->published), DBV_T(pc->thumb), DBV_I(pc->id));
}

static int parse_rects(const char *json, images_rect *out, int max)
{
    json_error_t je;
    json_t *a = json ? json_loads(json, 0, &je) : NULL;
    int n = 0;
    for (size_t i = 0; a && i < json_array_size(a) && n < max; i++) {
        json_t *o = json_array_get(a, i);
        out[n++] = (images_rect){(int)json_integer_value(json_object_get(o, "left")),
                                 (int)json_integer_value(json_object_get(o, "top")),
                                 (int)json_integer_value(json_object_get(o, "width")),
                                 (int)json_integer_value(json_object_get(o, "height"))};
    }
    json_decref(a);
    return n;
}

ts_code feedback_photos_publish(ts_ctx *x)
{
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      "SELECT id, original, blur FROM feedback_photos WHERE state = 'pending' "
                      "ORDER BY id LIMIT 20",
                      &s, x->err));
    int64_t ids[20];
    const char *orig[20], *blur[20];
    int n = 0, rr;
    while (n < 20 && (rr = db_step(s, x->err)) == DB_ROW) {
        ids[n] = db_col_int(s, 0);
        orig[n] = db_col_dup(x->a, s, 1);
        blur[n] = db_col_dup(x->a, s, 2);
        n++;
    }
    db_reset(s);
    for (int i = 0; i < n; i++) {
        file_info fi;
        const void *data = NULL;
        pub_ctx pc = {.id = ids[i], .state = "failed"};
        images_out photo = {0}, thumb = {0};
        if (files_get(x, orig[i], PURPOSE_ORIGINAL, &fi, &data) == TS_OK && data) {
            images_rect rects[IMAGES_MAX_RECTS];
            images_publish_opts o = {.rects = rects,
                                     .nrects = parse_rects(blur[i], rects, IMAGES_MAX_RECTS)};
            ts_err e;
            ts_err_clear(&e);
            if (images_publish(data, (size_t)fi.size, &o, &photo, &thumb, &e) == TS_OK) {
                char h1[65], h2[65];
                tok_sha256_hex_n(photo.data, photo.len, h1);
                tok_sha256_hex_n(thumb.data, thumb.len, h2);
                pc.state = "ready";
                pc.published = arena_strdup(x->a, h1);
                pc.thumb = arena_strdup(x->a, h2);
                pc.p = (file_checked){pc.published, images_media_type(photo.type), "anh",
                                      photo.data, photo.len};
                pc.t = (file_checked){pc.thumb, images_media_type(thumb.type), "anh-nho",
                                      thumb.data, thumb.len};
            }
        }
        ts_code rc = ts_write(x, pub_tx, &pc);
        images_out_release(&photo);
        images_out_release(&thumb);
        if (rc != TS_OK && rc != TS_ECONFLICT) return rc;
    }
    return TS_OK;
}
