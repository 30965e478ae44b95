/* files — the blob store; see files.h. */
#include "files.h"

#include <ctype.h>
#include <jansson.h>
#include <magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../db/dbq.h"
#include "../../lib/log.h"
#include "../../lib/text.h"
#include "../../platform/password.h"

FILES_MESSAGES(TS_MSG_DEFINE)
const ts_msg files_messages[] = {FILES_MESSAGES(TS_MSG_REF) NULL};

/* What each purpose accepts: the content's type and the extensions a name
 * of that type may end in. */
typedef struct file_kind {
    const char *media_type;
    const char *ext[3];
} file_kind;

static const file_kind template_kinds[] = {
    {"application/pdf", {"pdf"}},
    {"application/msword", {"doc"}},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx"}},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}},
    {NULL, {NULL}},
};

static const file_kind attachment_kinds[] = {
    {"application/pdf", {"pdf"}},
    {"image/jpeg", {"jpg", "jpeg"}},
    {"image/png", {"png"}},
    {NULL, {NULL}},
};

static const file_kind *kinds_of(const char *purpose)
{
    if (!strcmp(purpose, FILE_TEMPLATE)) return template_kinds;
    if (!strcmp(purpose, FILE_ATTACHMENT)) return attachment_kinds;
    return NULL;
}

/* A PDF name that makes it act, not only show (names may hide letters
 * as #xx escapes: /J#61vaScript), or NULL. Objects inside compressed
 * object streams are not looked into: see docs/security.md. */
static const char *pdf_active(const unsigned char *p, size_t n)
{
    static const char *const bad[] = {"JavaScript",    "JS",        "Launch", "EmbeddedFile",
                                      "EmbeddedFiles", "RichMedia", "XFA",    NULL};
    for (size_t i = 0; i < n; i++) {
        const unsigned char *slash = memchr(p + i, '/', n - i);
        if (!slash) break;
        i = (size_t)(slash - p);
        char name[16];
        size_t k = 0, j = i + 1;
        while (j < n && k < sizeof name - 1) {
            unsigned char ch = p[j];
            if (ch == '#' && j + 2 < n && isxdigit(p[j + 1]) && isxdigit(p[j + 2])) {
                char hex[3] = {(char)p[j + 1], (char)p[j + 2], 0};
                ch = (unsigned char)strtol(hex, NULL, 16);
                j += 3;
            } else if (isalnum(ch)) {
                j++;
            } else {
                break;
            }
            name[k++] = (char)ch;
        }
        name[k] = '\0';
        bool end = j >= n || !isalnum(p[j]);
        for (int b = 0; end && bad[b]; b++)
            if (!strcmp(name, bad[b])) return bad[b];
        i = j - 1;
    }
    return NULL;
}

bool files_sha256_valid(const char *s)
{
    if (!s || strlen(s) != 64) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

/* One libmagic cookie for the process: uploads are rare, and a cookie per
 * thread would load the magic database once per worker. */
static pthread_mutex_t magic_mu = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie;

const char *files_sniff(ts_ctx *x, const void *data, size_t len)
{
    const char *out = NULL;
    pthread_mutex_lock(&magic_mu);
    if (!magic_cookie) {
        magic_cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (magic_cookie && magic_load(magic_cookie, NULL) != 0) {
            /* every upload would read as octet-stream and be refused */
            log_error("libmagic: cannot load its database (%s); install libmagic-mgc",
                      magic_error(magic_cookie));
            magic_close(magic_cookie);
            magic_cookie = NULL;
        }
    }
    if (magic_cookie) {
        const char *t = magic_buffer(magic_cookie, data, len);
        if (t) out = arena_strdup(x->a, t);
    }
    pthread_mutex_unlock(&magic_mu);
    return out ? out : "application/octet-stream";
}

/* A file name a person would give: some text, a dot, an extension; no path
 * separators, no control characters, valid UTF-8, at most 200 characters.
 * Its extension (lower case) in ext. */
static bool name_ok(const char *name, char ext[8])
{
    size_t n = name ? strlen(name) : 0;
    if (!n || !text_utf8_valid(name, n) || text_utf8_chars(name, n) > 200) return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\') return false;
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1] || strlen(dot + 1) >= 8) return false;
    size_t i = 0;
    for (const char *p = dot + 1; *p; p++)
        ext[i++] = (char)tolower((unsigned char)*p);
    ext[i] = '\0';
    return true;
}

/* The media type without parameters ("text/plain; charset=x" -> "text/plain"). */
static const char *bare_type(arena *a, const char *t)
{
    size_t n = strcspn(t, "; \t");
    return arena_strndup(a, t, n);
}

static void read_info(arena *a, db_stmt *s, file_info *out)
{
    out->sha256 = db_col_dup(a, s, 0);
    out->purpose = db_col_dup(a, s, 1);
    out->media_type = db_col_dup(a, s, 2);
    out->filename = db_col_dup(a, s, 3);
    out->size = db_col_int(s, 4);
    out->created_at = db_col_dup(a, s, 5);
    out->created_by = db_col_dup(a, s, 6);
}

ts_code files_get(ts_ctx *x, const char *sha256, const char *purpose, file_info *out,
                  const void **data)
{
    memset(out, 0, sizeof *out);
    if (!files_sha256_valid(sha256)) return TS_ENOTFOUND;
    db_stmt *s;
    TS_TRY(db_prepare(x->db,
                      data ? "SELECT sha256, purpose, media_type, filename, size, created_at, "
                             "created_by, data FROM blobs WHERE sha256 = ? AND purpose = ?"
                           : "SELECT sha256, purpose, media_type, filename, size, created_at, "
                             "created_by FROM blobs WHERE sha256 = ? AND purpose = ?",
                      &s, x->err));
    db_bind_list(s, DBV_T(sha256), DBV_T(purpose));
    int r = db_step(s, x->err);
    if (r == DB_ROW) {
        read_info(x->a, s, out);
        if (data) {
            size_t n;
            *data = db_col_blob(x->a, s, 7, &n);
        }
    }
    db_reset(s);
    if (r < 0) return (ts_code)-r;
    return r == DB_ROW ? TS_OK : TS_ENOTFOUND;
}

typedef file_checked kept;

ts_code files_keep(ts_ctx *x, const char *purpose, const file_checked *k, file_info *out,
                   bool *fresh)
{
    *fresh = false;
    ts_code rc = files_get(x, k->sha256, purpose, out, NULL);
    if (rc == TS_OK) return TS_OK; /* kept already: the first upload's name stays */
    if (rc != TS_ENOTFOUND) return rc;
    const char *now = ts_now(x);
    TS_TRY(db_run(x->db, x->err,
                  "INSERT INTO blobs (sha256, purpose, media_type, filename, size, data, "
                  "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  DBV_T(k->sha256), DBV_T(purpose), DBV_T(k->media_type), DBV_T(k->filename),
                  DBV_I(k->len), DBV_B(k->data, k->len), DBV_T(now), DBV_T(x->actor)));
    *out = (file_info){.sha256 = k->sha256,
                       .purpose = purpose,
                       .media_type = k->media_type,
                       .filename = k->filename,
                       .size = (int64_t)k->len,
                       .created_at = now,
                       .created_by = x->actor};
    *fresh = true;
    return TS_OK;
}

ts_code files_check(ts_ctx *x, const char *purpose, const void *data, size_t len,
                    const char *claimed_type, const char *filename, file_checked *k)
{
    const file_kind *kinds = kinds_of(purpose);
    if (!kinds) return ts_err_set(x->err, TS_EINTERNAL, M_INTERNAL, "unknown file purpose");
    char ext[8];
    if (!name_ok(filename, ext))
        return ts_err_field(x->err, TS_EVALIDATION, "filename", M_FILE_NAME_BAD, NULL);
    if (!len) return ts_err_set(x->err, TS_EVALIDATION, M_FILE_EMPTY, NULL);
    const char *type = files_sniff(x, data, len);
    const file_kind *kd = kinds;
    while (kd->media_type && strcmp(kd->media_type, type))
        kd++;
    /* what the client says the file is must be what it is */
    const char *claim = claimed_type ? bare_type(x->a, claimed_type) : NULL;
    if (claim && *claim && strcasecmp(claim, "application/octet-stream") && strcasecmp(claim, type))
        return ts_err_set(x->err, TS_EMEDIATYPE, M_FILE_TYPE_LIES, claim);
    if (!kd->media_type)
        return ts_err_set(
            x->err, TS_EVALIDATION,
            kinds == attachment_kinds ? M_FILE_ATTACHMENT_TYPE : M_FILE_TYPE_NOT_ALLOWED, type);
    size_t max = kinds == attachment_kinds ? FILE_ATTACHMENT_MAX : FILE_TEMPLATE_MAX;
    if (len > max)
        return ts_err_set(x->err, TS_ETOOBIG, M_FILE_TOO_BIG, arena_printf(x->a, "%zu", max >> 20));
    const char *active = !strcmp(kd->media_type, "application/pdf") ? pdf_active(data, len) : NULL;
    if (active)
        return ts_err_set(x->err, TS_EVALIDATION, M_FILE_ACTIVE_CONTENT,
                          arena_printf(x->a, "/%s", active));
    bool ext_ok = false;
    for (int i = 0; i < 3 && kd->ext[i]; i++)
        ext_ok |= !strcmp(kd->ext[i], ext);
    if (!ext_ok)
        return ts_err_field(x->err, TS_EVALIDATION, "filename", M_FILE_TYPE_LIES,
                            arena_printf(x->a, ".%s", ext));
    char sha[65];
    tok_sha256_hex_n(data, len, sha);
    *k = (file_checked){arena_strdup(x->a, sha), kd->media_type,
                        text_nfc(x->a, filename, strlen(filename)), data, len};
    return TS_OK;
}

typedef struct put_ctx {
    const char *purpose, *agency;
    const kept *k;
    int n;
    bool bulk; /* the operator's set (file.import), not one upload */
    file_info *out;
    int added;
} put_ctx;

/* Keep each file; one audit entry for the new ones: file.upload for one
 * upload, file.import for the operator's set. */
static ts_code put_tx(ts_ctx *x, void *argp)
{
    put_ctx *pc = argp;
    pc->added = 0;
    json_t *names = json_array();
    ts_code rc = TS_OK;
    for (int i = 0; i < pc->n && rc == TS_OK; i++) {
        bool fresh;
        rc = files_keep(x, pc->purpose, &pc->k[i], &pc->out[i], &fresh);
        if (rc == TS_OK && fresh) {
            pc->added++;
            json_array_append_new(names,
                                  json_pack("{s:s,s:s,s:s,s:I}", "sha256", pc->k[i].sha256,
                                            "filename", pc->k[i].filename, "media_type",
                                            pc->k[i].media_type, "size", (json_int_t)pc->k[i].len));
        }
    }
    if (rc == TS_OK && pc->added) {
        json_t *sum =
            !pc->bulk ? json_incref(json_array_get(names, 0)) : json_pack("{s:O}", "files", names);
        json_object_set_new(sum, "purpose", json_string(pc->purpose));
        rc = !pc->bulk ? ts_audit(x, "file.upload", "file", pc->k[0].sha256, pc->agency, sum)
                       : ts_audit(x, "file.import", "file", pc->purpose, pc->agency, sum);
        json_decref(sum);
    }
    json_decref(names);
    return rc;
}

ts_code files_put(ts_ctx *x, const char *purpose, const void *data, size_t len,
                  const char *claimed_type, const char *filename, file_info *out, bool *created)
{
    *created = false;
    memset(out, 0, sizeof *out);
    TS_TRY(ts_require(x, ROLE_AGENCY_ADMIN, NULL));
    /* the log files the upload under the agency the uploader administers */
    const char *agency = NULL;
    for (int i = 0; i < x->who->ngrants && !agency; i++)
        if (!strcmp(x->who->grants[i].role, ROLE_AGENCY_ADMIN) ||
            !strcmp(x->who->grants[i].role, ROLE_SYSTEM_ADMIN))
            agency = x->who->grants[i].agency_code;
    kept k;
    TS_TRY(files_check(x, purpose, data, len, claimed_type, filename, &k));
    put_ctx pc = {purpose, agency, &k, 1, false, out, 0};
    TS_TRY(ts_write(x, put_tx, &pc));
    *created = pc.added > 0;
    return TS_OK;
}

ts_code files_import(ts_ctx *x, const char *purpose, const file_src *src, int n, int *added)
{
    *added = 0;
    TS_TRY(ts_require(x, ROLE_SYSTEM_ADMIN, NULL));
    kept *k = arena_calloc(x->a, sizeof *k * (size_t)(n ? n : 1));
    file_info *out = arena_calloc(x->a, sizeof *out * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        TS_TRY(files_check(x, purpose, src[i].data, src[i].len, NULL, src[i].filename, &k[i]));
    put_ctx pc = {purpose, NULL, k, n, true, out, 0};
    TS_TRY(ts_write(x, put_tx, &pc));
    *added = pc.added;
    return TS_OK;
}
