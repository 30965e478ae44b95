/* files — the blob store; see files.h. */
#include "files.h"

#include <ctype.h>
#include <jansson.h>
#include <magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
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

/* The PDF names read from p[0..n): each name's letters after its '/', with
 * #xx escapes decoded (/J#61vaScript is /JavaScript), at most 15 bytes;
 * fn returns non-NULL to stop, and that is the answer. */
typedef const char *(*pdf_name_fn)(const char *name, void *arg);
static const char *pdf_names(const unsigned char *p, size_t n, pdf_name_fn fn, void *arg)
{
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
        if (j >= n || !isalnum(p[j])) {
            const char *hit = fn(name, arg);
            if (hit) return hit;
        }
        i = j - 1;
    }
    return NULL;
}

static const char *active_name(const char *name, void *arg)
{
    (void)arg;
    static const char *const bad[] = {"JavaScript",    "JS",        "Launch", "EmbeddedFile",
                                      "EmbeddedFiles", "RichMedia", "XFA",    NULL};
    for (int b = 0; bad[b]; b++)
        if (!strcmp(name, bad[b])) return bad[b];
    return NULL;
}

typedef struct stream_dict {
    bool objstm, flate, other_filter;
} stream_dict;

static const char *dict_name(const char *name, void *arg)
{
    stream_dict *sd = arg;
    if (!strcmp(name, "ObjStm")) sd->objstm = true;
    if (!strcmp(name, "FlateDecode") || !strcmp(name, "Fl")) sd->flate = true;
    static const char *const filters[] = {"ASCIIHexDecode",
                                          "ASCII85Decode",
                                          "LZWDecode",
                                          "RunLengthDecode",
                                          "AHx",
                                          "A85",
                                          "LZW",
                                          "RL",
                                          NULL};
    for (int f = 0; filters[f]; f++)
        if (!strcmp(name, filters[f])) sd->other_filter = true;
    return NULL;
}

#define PDF_OBJSTM_MAX (16u << 20) /* bytes an object stream may inflate to */

/* Inflate a FlateDecode stream into a buffer (malloc'd, *out_n bytes), at
 * most PDF_OBJSTM_MAX; NULL when it is not valid zlib data or larger. */
static unsigned char *inflate_stream(const unsigned char *p, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return NULL;
    size_t cap = n * 4 + 4096, len = 0;
    if (cap > PDF_OBJSTM_MAX) cap = PDF_OBJSTM_MAX;
    unsigned char *buf = malloc(cap);
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    int rc = Z_OK;
    while (buf && rc == Z_OK) {
        if (len == cap) {
            if (cap >= PDF_OBJSTM_MAX) break;
            size_t ncap = cap * 2 > PDF_OBJSTM_MAX ? PDF_OBJSTM_MAX : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) break;
            buf = nb;
            cap = ncap;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return NULL;
    }
    *out_n = len;
    return buf;
}

/* A PDF name that makes it act, not only show, or NULL: in the file's own
 * bytes, and inside its compressed object streams (/Type /ObjStm, where a
 * PDF 1.5+ keeps objects, actions included), which are inflated and read
 * the same way. An object stream that cannot be read (another filter, not
 * valid zlib, more than 16 MiB inflated) is refused as "ObjStm": what cannot
 * be checked is not accepted. Other streams (pages, images, fonts) hold no
 * dictionaries that act and are not inflated. */
const char *files_pdf_active(const void *data, size_t n)
{
    const unsigned char *p = data;
    const char *hit = pdf_names(p, n, active_name, NULL);
    if (hit) return hit;
    size_t obj_from = 0; /* where the current object's dictionary may start */
    for (size_t i = 0; i + 6 <= n; i++) {
        const unsigned char *s = memmem(p + i, n - i, "stream", 6);
        if (!s) break;
        i = (size_t)(s - p);
        if (i >= 3 && !memcmp(s - 3, "end", 3)) { /* endstream */
            obj_from = i + 6;
            continue;
        }
        size_t d = i + 6; /* the data: after "stream" and its end of line */
        if (d < n && p[d] == '\r') d++;
        if (d < n && p[d] == '\n')
            d++;
        else if (d == i + 6)
            continue; /* "stream" inside a word or a string */
        /* the dictionary: back to the "obj" that opens this object */
        size_t from = obj_from;
        for (size_t b = i; b >= 3 && b > obj_from; b--)
            if (!memcmp(p + b - 3, "obj", 3) && (b < 4 || p[b - 4] != 'd')) { /* not endobj */
                from = b;
                break;
            }
        stream_dict sd = {0};
        pdf_names(p + from, i - from, dict_name, &sd);
        const unsigned char *e = memmem(p + d, n - d, "endstream", 9);
        size_t end = e ? (size_t)(e - p) : n;
        if (sd.objstm) {
            if (!sd.flate || sd.other_filter) return "ObjStm";
            size_t m = 0;
            unsigned char *in = inflate_stream(p + d, end - d, &m);
            if (!in) return "ObjStm";
            hit = pdf_names(in, m, active_name, NULL);
            free(in);
            if (hit) return hit;
        }
        i = end ? end - 1 : end;
        obj_from = end;
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
    const char *active =
        !strcmp(kd->media_type, "application/pdf") ? files_pdf_active(data, len) : NULL;
    if (active && !strcmp(active, "ObjStm"))
        return ts_err_set(x->err, TS_EVALIDATION, M_FILE_PDF_UNREADABLE, NULL);
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
