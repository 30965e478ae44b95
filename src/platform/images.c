/*
 * images — inspect a citizen's photo at submission (header only), publish
 * it later (decode, upright, blur, shrink, encode without metadata). The
 * pixels are libvips' business: this file never parses pixel data. It
 * reads three magic numbers, asks libvips for the header, and hands the
 * raw EXIF block libvips found to libexif for numbers (the position as
 * rationals, not libvips' display strings). Every libvips image of a call
 * hangs on one scope object, unref'd once at the end: no path leaks one.
 */
#include "images.h"

#include <ctype.h>
#include <libexif/exif-data.h>
#include <magic.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <vips/vips.h>
#include <webp/mux.h>

#include "../lib/log.h"

IMAGES_MESSAGES(TS_MSG_DEFINE)
const ts_msg images_messages[] = {IMAGES_MESSAGES(TS_MSG_REF) NULL};

#define DEFAULT_MAX_EDGE 2048
#define DEFAULT_THUMB_EDGE 320
#define EXIF_MAX (1u << 20) /* a larger EXIF block is ignored, not parsed */

/* ------------------------------------------------------------ start */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

/* libvips warns on stderr about every damaged upload (libjpeg's "premature
 * end", …): those are the citizen's problem, answered as an error, not
 * the operator's. Criticals still reach the log. */
static void vips_quiet(const char *domain, GLogLevelFlags level, const char *msg, void *arg)
{
    (void)domain, (void)level, (void)msg, (void)arg;
}

/* The libvips loader class behind nickname ("jpegload_buffer"), unblocked. */
static void allow_loader(const char *nickname)
{
    GType t = vips_type_find("VipsOperation", nickname);
    if (t) vips_operation_block_set(g_type_name(t), FALSE);
}

static void init_vips(void)
{
    if (VIPS_INIT("tinhso") != 0) {
        log_error("libvips: cannot start: %s", vips_error_buffer());
        vips_error_clear();
        return;
    }
    /* no operation cache: each photo is seen once, and the cache would hold
     * other citizens' pixels; one worker per pipeline: the caller's thread
     * pool is the parallelism */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    /* only our three loaders: what inspect let through is what publish decodes */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    allow_loader("jpegload_buffer");
    allow_loader("pngload_buffer");
    allow_loader("webpload_buffer");
    g_log_set_handler(
        "VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
        vips_quiet, NULL);
    init_ok = true;
}

ts_code images_init(ts_err *err)
{
    pthread_once(&init_once, init_vips);
    if (!init_ok) return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
    return TS_OK;
}

/* libvips' last error into err's debug text (never shown), and cleared. */
static void vips_detail(ts_err *err, const char *what)
{
    char *m = vips_error_buffer_copy();
    ts_err_debug(err, "libvips %s: %.200s", what, m ? m : "");
    g_free(m);
}

/* ------------------------------------------------------------ types */

static const struct {
    images_type type;
    const char *media_type;
    const char *claims[4]; /* Content-Types that mean it */
    const char *exts[5];   /* file name extensions, lower case */
} types[] = {
    {IMAGES_JPEG,
     "image/jpeg",
     {"image/jpeg", "image/jpg", "image/pjpeg"},
     {"jpg", "jpeg", "jpe", "jfif"}},
    {IMAGES_PNG, "image/png", {"image/png", "image/x-png"}, {"png"}},
    {IMAGES_WEBP, "image/webp", {"image/webp"}, {"webp"}},
};
#define NTYPES (sizeof types / sizeof types[0])

const char *images_media_type(images_type t)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].type == t) return types[i].media_type;
    return NULL;
}

/* The type the first bytes say. */
static images_type sniff(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return IMAGES_JPEG;
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) return IMAGES_PNG;
    if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4)) return IMAGES_WEBP;
    return IMAGES_NONE;
}

/* What libmagic calls data, into out: only for naming what is refused, so
 * one cookie behind a lock is enough, its first KiB tells enough, and the
 * costly text checks are off (JSON, CSV, tokens, archives: "text/plain"
 * will do). A megabyte of text cost libmagic 7 ms; this costs about 1 ms. */
static void magic_name(const void *data, size_t len, char *out, size_t cap)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static magic_t cookie;
    snprintf(out, cap, "application/octet-stream");
    pthread_mutex_lock(&mu);
    if (!cookie) {
        cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS |
                            MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_APPTYPE | MAGIC_NO_CHECK_CDF |
                            MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_TOKENS | MAGIC_NO_CHECK_JSON |
                            MAGIC_NO_CHECK_CSV);
        if (cookie && magic_load(cookie, NULL) != 0) {
            log_error("libmagic: cannot load its database (%s)", magic_error(cookie));
            magic_close(cookie);
            cookie = NULL;
        }
    }
    const char *t = cookie ? magic_buffer(cookie, data, len < 1024 ? len : 1024) : NULL;
    if (t) snprintf(out, cap, "%s", t);
    pthread_mutex_unlock(&mu);
}

/* The type a Content-Type names (its parameters ignored); IMAGES_NONE when
 * none of ours. */
static images_type claim_type(const char *claim)
{
    size_t n = strcspn(claim, ";");
    while (n && isspace((unsigned char)claim[n - 1]))
        n--;
    for (size_t i = 0; i < NTYPES; i++)
        for (const char *const *c = types[i].claims; *c; c++)
            if (strlen(*c) == n && !strncasecmp(claim, *c, n)) return types[i].type;
    return IMAGES_NONE;
}

/* The type filename's extension names: IMAGES_NONE when not ours; *has
 * false when it has none. */
static images_type ext_type(const char *filename, bool *has)
{
    const char *base = strrchr(filename, '/'), *dot;
    base = base ? base + 1 : filename;
    dot = strrchr(base, '.');
    *has = dot && dot != base && dot[1];
    if (!*has) return IMAGES_NONE;
    for (size_t i = 0; i < NTYPES; i++)
        for (const char *const *e = types[i].exts; *e; e++)
            if (!strcasecmp(dot + 1, *e)) return types[i].type;
    return IMAGES_NONE;
}

/* ------------------------------------------------------------ EXIF */

/* Degrees from three rationals d, m, s; false when one is not a number. */
static bool gps_degrees(ExifEntry *e, ExifByteOrder bo, double *out)
{
    if (!e || e->format != EXIF_FORMAT_RATIONAL || e->components < 3 || e->size < 24) return false;
    double v[3];
    for (int i = 0; i < 3; i++) {
        ExifRational r = exif_get_rational(e->data + 8 * i, bo);
        if (!r.denominator) return false;
        v[i] = (double)r.numerator / r.denominator;
    }
    if (v[1] >= 60 || v[2] >= 60) return false;
    *out = v[0] + v[1] / 60 + v[2] / 3600;
    return true;
}

/* The first letter of an ASCII tag, or 0. */
static char ascii0(ExifEntry *e)
{
    if (!e || e->format != EXIF_FORMAT_ASCII || !e->size || !e->data) return 0;
    return (char)toupper(e->data[0]);
}

static void exif_gps(ExifData *ed, images_info *out)
{
    ExifContent *g = ed->ifd[EXIF_IFD_GPS];
    ExifByteOrder bo = exif_data_get_byte_order(ed);
    double lat, lon;
    char latref = ascii0(exif_content_get_entry(g, EXIF_TAG_GPS_LATITUDE_REF));
    char lonref = ascii0(exif_content_get_entry(g, EXIF_TAG_GPS_LONGITUDE_REF));
    if ((latref != 'N' && latref != 'S') || (lonref != 'E' && lonref != 'W')) return;
    if (!gps_degrees(exif_content_get_entry(g, EXIF_TAG_GPS_LATITUDE), bo, &lat) ||
        !gps_degrees(exif_content_get_entry(g, EXIF_TAG_GPS_LONGITUDE), bo, &lon))
        return;
    if (lat > 90 || lon > 180) return;
    /* a camera without a fix writes zeros: not a place in Vietnam */
    if (lat == 0 && lon == 0) return;
    out->has_gps = true;
    out->lat = latref == 'S' ? -lat : lat;
    out->lon = lonref == 'W' ? -lon : lon;
}

/* n digits of s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* DateTimeOriginal "YYYY:MM:DD HH:MM:SS" as ISO 8601, with the offset of
 * OffsetTimeOriginal ("+07:00") when there is one. */
static void exif_time(ExifData *ed, images_info *out)
{
    ExifContent *x = ed->ifd[EXIF_IFD_EXIF];
    ExifEntry *e = exif_content_get_entry(x, EXIF_TAG_DATE_TIME_ORIGINAL);
    if (!e || e->format != EXIF_FORMAT_ASCII || e->size < 19) return;
    const char *s = (const char *)e->data;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (s[4] != ':' || s[7] != ':' || s[13] != ':' || s[16] != ':' || y < 1900 || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
        return;
    char zone[8] = "";
    ExifEntry *z = exif_content_get_entry(x, (ExifTag)0x9011); /* OffsetTimeOriginal */
    if (z && z->format == EXIF_FORMAT_ASCII && z->size >= 6) {
        const char *o = (const char *)z->data;
        int zh = digits(o + 1, 2), zm = digits(o + 4, 2);
        if ((o[0] == '+' || o[0] == '-') && o[3] == ':' && zh >= 0 && zh <= 14 && zm >= 0 &&
            zm <= 59)
            snprintf(zone, sizeof zone, "%c%02d:%02d", o[0], zh, zm);
    }
    /* the remainders only tell the compiler what the checks above made sure */
    snprintf(out->taken_at, sizeof out->taken_at, "%04u-%02u-%02uT%02u:%02u:%02u%s",
             (unsigned)y % 10000u, (unsigned)mo % 100u, (unsigned)d % 100u, (unsigned)h % 100u,
             (unsigned)mi % 100u, (unsigned)se % 100u, zone);
}

/* The position and time in the EXIF block libvips found. libexif wants
 * the block to start with "Exif\0\0"; PNG's eXIf and WebP's EXIF chunk
 * hold the bare TIFF structure, so it gets the prefix. */
static void exif_read(const unsigned char *blob, size_t n, images_info *out)
{
    if (n < 8 || n > EXIF_MAX) return;
    unsigned char *copy = NULL;
    if (memcmp(blob, "Exif\0\0", 6) != 0) {
        if (memcmp(blob, "II*\0", 4) != 0 && memcmp(blob, "MM\0*", 4) != 0) return;
        copy = g_malloc(n + 6);
        memcpy(copy, "Exif\0\0", 6);
        memcpy(copy + 6, blob, n);
        blob = copy;
        n += 6;
    }
    ExifData *ed = exif_data_new();
    if (ed) {
        /* read what is there: no "fixing" (it adds tags), unknown tags kept
         * (OffsetTimeOriginal is newer than libexif's table) */
        exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
        exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
        exif_data_load_data(ed, blob, (unsigned int)n);
        exif_gps(ed, out);
        exif_time(ed, out);
        exif_data_unref(ed);
    }
    g_free(copy);
}

/* ------------------------------------------------------------ inspect */

static images_limits limits_of(const images_limits *lim)
{
    images_limits l = lim ? *lim : (images_limits){0};
    if (!l.max_bytes) l.max_bytes = IMAGES_MAX_BYTES;
    if (!l.max_width) l.max_width = IMAGES_MAX_SIDE;
    if (!l.max_height) l.max_height = IMAGES_MAX_SIDE;
    if (!l.max_pixels) l.max_pixels = IMAGES_MAX_PIXELS;
    return l;
}

/*
 * Open data with the loader of type t, into scope's slot *out: only the
 * header is read until pixels are asked for. shrink > 1 asks a JPEG for
 * 1/shrink of its size (decoded smaller: cheaper than shrinking after).
 */
static int open_image(images_type t, const void *data, size_t len, int shrink, VipsImage **out)
{
    void *buf = (void *)data; /* libvips reads the buffer, never writes it */
    switch (t) {
    case IMAGES_JPEG:
        return vips_jpegload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                    VIPS_FAIL_ON_TRUNCATED, "shrink", shrink, NULL);
    case IMAGES_PNG:
        return vips_pngload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                   VIPS_FAIL_ON_TRUNCATED, NULL);
    case IMAGES_WEBP:
        return vips_webpload_buffer(buf, len, out, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                    VIPS_FAIL_ON_TRUNCATED, NULL);
    default:
        return -1;
    }
}

/* The checks of images_inspect before the header: size, type, claim. */
static ts_code check_outside(const void *data, size_t len, const images_limits *l,
                             const char *claimed_type, const char *filename, images_type *type,
                             ts_err *err)
{
    char arg[96];
    if (!data || !len) return ts_err_set(err, TS_EVALIDATION, M_IMAGE_EMPTY, NULL);
    if (len > l->max_bytes) {
        snprintf(arg, sizeof arg, "%.4g", (double)l->max_bytes / (1 << 20));
        return ts_err_set(err, TS_ETOOBIG, M_IMAGE_TOO_BIG, arg);
    }
    *type = sniff(data, len);
    if (*type == IMAGES_NONE) {
        magic_name(data, len, arg, sizeof arg);
        bool picture = !strncmp(arg, "image/", 6);
        return ts_err_set(err, TS_EVALIDATION, picture ? M_IMAGE_UNSUPPORTED : M_IMAGE_NOT_IMAGE,
                          arg);
    }
    if (claimed_type && *claimed_type &&
        strncasecmp(claimed_type, "application/octet-stream", 24) &&
        claim_type(claimed_type) != *type) {
        snprintf(arg, sizeof arg, "%.80s", claimed_type);
        return ts_err_set(err, TS_EMEDIATYPE, M_IMAGE_TYPE_LIES, arg);
    }
    bool has_ext;
    if (filename && ext_type(filename, &has_ext) != *type && has_ext) {
        snprintf(arg, sizeof arg, "%.80s", strrchr(filename, '.'));
        return ts_err_set(err, TS_EMEDIATYPE, M_IMAGE_TYPE_LIES, arg);
    }
    return TS_OK;
}

/* The checks on the header of im (width, height, pixels), and what it
 * tells: orientation, position, time. */
static ts_code check_header(VipsImage *im, const images_limits *l, images_info *out, ts_err *err)
{
    char arg[32];
    out->width = vips_image_get_width(im);
    out->height = vips_image_get_height(im);
    if ((int64_t)out->width * out->height > l->max_pixels) {
        snprintf(arg, sizeof arg, "%.4g", (double)l->max_pixels / 1e6);
        return ts_err_set(err, TS_EVALIDATION, M_IMAGE_TOO_MANY_PIXELS, arg);
    }
    if (out->width > l->max_width || out->height > l->max_height) {
        snprintf(arg, sizeof arg, "%d",
                 l->max_width > l->max_height ? l->max_width : l->max_height);
        return ts_err_set(err, TS_EVALIDATION, M_IMAGE_TOO_WIDE, arg);
    }
    int o = 1;
    if (vips_image_get_typeof(im, VIPS_META_ORIENTATION) &&
        vips_image_get_int(im, VIPS_META_ORIENTATION, &o) == 0 && (o < 1 || o > 8))
        o = 1;
    out->orientation = o;
    bool turned = o >= 5; /* 5-8 swap the sides */
    out->upright_width = turned ? out->height : out->width;
    out->upright_height = turned ? out->width : out->height;
    const void *blob;
    size_t n;
    if (vips_image_get_typeof(im, VIPS_META_EXIF_NAME) &&
        vips_image_get_blob(im, VIPS_META_EXIF_NAME, &blob, &n) == 0)
        exif_read(blob, n, out);
    return TS_OK;
}

/* images_inspect into a scope the caller owns: the opened image stays in
 * *im for publish. */
static ts_code inspect_in(const void *data, size_t len, const images_limits *l,
                          const char *claimed_type, const char *filename, images_info *out,
                          VipsImage **im, ts_err *err)
{
    memset(out, 0, sizeof *out);
    images_type t = IMAGES_NONE;
    TS_TRY(check_outside(data, len, l, claimed_type, filename, &t, err));
    TS_TRY(images_init(err));
    out->type = t;
    out->media_type = images_media_type(t);
    if (open_image(t, data, len, 1, im) != 0) {
        vips_detail(err, "header");
        return ts_err_set(err, TS_EVALIDATION, M_IMAGE_CORRUPT, NULL);
    }
    return check_header(*im, l, out, err);
}

ts_code images_inspect(const void *data, size_t len, const images_limits *lim,
                       const char *claimed_type, const char *filename, images_info *out,
                       ts_err *err)
{
    images_limits l = limits_of(lim);
    VipsImage *im = NULL;
    ts_code rc = inspect_in(data, len, &l, claimed_type, filename, out, &im, err);
    if (im) g_object_unref(im);
    return rc;
}

/* ------------------------------------------------------------ publish */

void images_out_release(images_out *o)
{
    if (!o) return;
    g_free(o->data);
    memset(o, 0, sizeof *o);
}

/* A rectangle of the upright full-size photo in the pixels of im (which
 * may be smaller: shrink-on-load), clipped to it; false when nothing is
 * left. */
static bool map_rect(const images_rect *r, const images_info *info, VipsImage *im, int *l, int *t,
                     int *w, int *h)
{
    if (r->width <= 0 || r->height <= 0) return false;
    double sx = (double)vips_image_get_width(im) / info->upright_width;
    double sy = (double)vips_image_get_height(im) / info->upright_height;
    int64_t x0 = r->left > 0 ? r->left : 0, y0 = r->top > 0 ? r->top : 0;
    int64_t x1 = (int64_t)r->left + r->width, y1 = (int64_t)r->top + r->height;
    if (x1 > info->upright_width) x1 = info->upright_width;
    if (y1 > info->upright_height) y1 = info->upright_height;
    if (x0 >= x1 || y0 >= y1) return false;
    /* outwards: a shrunk rectangle covers at least what was marked */
    *l = (int)floor((double)x0 * sx);
    *t = (int)floor((double)y0 * sy);
    int r1 = (int)ceil((double)x1 * sx), b1 = (int)ceil((double)y1 * sy);
    if (r1 > vips_image_get_width(im)) r1 = vips_image_get_width(im);
    if (b1 > vips_image_get_height(im)) b1 = vips_image_get_height(im);
    *w = r1 - *l > 0 ? r1 - *l : 1;
    *h = b1 - *t > 0 ? b1 - *t : 1;
    return true;
}

/*
 * Blur w×h at (l, t) of in beyond recovery: the area is averaged down to
 * blocks of about a twelfth of its longer side (the detail is gone, not
 * hidden), then scaled back smoothly so it reads as a blur, not a mosaic.
 */
static int blur_area(VipsObject *scope, VipsImage *in, int l, int t, int w, int h, VipsImage **out)
{
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 5);
    int b = (w > h ? w : h) / 12;
    if (b > w) b = w;
    if (b > h) b = h;
    if (b < 2) b = w < 2 || h < 2 ? 1 : 2;
    if (vips_extract_area(in, &x[0], l, t, w, h, NULL) || vips_shrink(x[0], &x[1], b, b, NULL))
        return -1;
    double sx = (double)w / vips_image_get_width(x[1]),
           sy = (double)h / vips_image_get_height(x[1]);
    if (vips_resize(x[1], &x[2], sx, "vscale", sy, "kernel", VIPS_KERNEL_LINEAR, NULL) ||
        vips_embed(x[2], &x[3], 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL) ||
        vips_cast(x[3], &x[4], vips_image_get_format(in), NULL))
        return -1;
    return vips_insert(in, x[4], out, l, t, NULL);
}

/* In sRGB (or grey), 8 bits: the embedded ICC profile applied first, since
 * it is about to be dropped with the rest of the metadata. */
static int to_srgb(VipsObject *scope, VipsImage *in, VipsImage **out)
{
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 2);
    if (vips_image_get_typeof(in, VIPS_META_ICC_NAME)) {
        if (vips_icc_transform(in, &x[0], "srgb", "embedded", TRUE, "intent",
                               VIPS_INTENT_PERCEPTUAL, "depth", 8, NULL) == 0)
            in = x[0];
        else
            vips_error_clear(); /* a broken profile: the pixels as they are */
    }
    VipsInterpretation i = vips_image_get_interpretation(in);
    if (vips_image_get_format(in) == VIPS_FORMAT_UCHAR &&
        (i == VIPS_INTERPRETATION_sRGB || i == VIPS_INTERPRETATION_B_W)) {
        *out = in;
        g_object_ref(in);
        return 0;
    }
    if (vips_colourspace(in, &x[1], VIPS_INTERPRETATION_sRGB, NULL)) return -1;
    if (vips_image_get_format(x[1]) == VIPS_FORMAT_UCHAR) {
        *out = x[1];
        g_object_ref(x[1]);
        return 0;
    }
    return vips_cast(x[1], out, VIPS_FORMAT_UCHAR, NULL);
}

/* A copy of in with no metadata at all: every field libvips attached
 * (exif-*, xmp-data, iptc-data, icc-profile-data, png-comment-*,
 * orientation, resolution…) removed; save's "strip" is the second lock. */
static int bare(VipsImage *in, VipsImage **out)
{
    if (vips_copy(in, out, NULL)) return -1;
    char **names = vips_image_get_fields(*out);
    for (char **n = names; n && *n; n++)
        vips_image_remove(*out, *n);
    g_strfreev(names);
    return 0;
}

/*
 * buf (a WebP of len bytes, g_malloc'd) without its EXIF, XMP and ICC
 * chunks, replaced in *buf and *len; -1 when it cannot be rewritten. libvips
 * 8.14's webpsave writes an EXIF chunk (the resolution, built from the
 * image's header) even with "strip": libwebpmux takes it out again.
 */
static int webp_strip(void **buf, size_t *len)
{
    WebPData in = {*buf, *len}, out;
    WebPDataInit(&out);
    WebPMux *mux = WebPMuxCreate(&in, 0);
    if (!mux) return -1;
    static const char *const chunks[] = {"EXIF", "XMP ", "ICCP"};
    int rc = 0;
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        WebPMuxError e = WebPMuxDeleteChunk(mux, chunks[i]);
        if (e != WEBP_MUX_OK && e != WEBP_MUX_NOT_FOUND) rc = -1;
    }
    if (rc == 0 && WebPMuxAssemble(mux, &out) != WEBP_MUX_OK) rc = -1;
    WebPMuxDelete(mux);
    if (rc == 0) {
        g_free(*buf);
        *buf = g_memdup2(out.bytes, out.size);
        *len = out.size;
    }
    WebPDataClear(&out);
    return rc;
}

/* Encode in as type t, nothing but pixels. */
static int encode(VipsObject *scope, VipsImage *in, images_type t, bool thumb, images_out *o)
{
    void *buf = NULL;
    size_t len = 0;
    int rc;
    if (t == IMAGES_JPEG && vips_image_hasalpha(in)) {
        VipsImage **x = (VipsImage **)vips_object_local_array(scope, 1);
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        rc = vips_flatten(in, &x[0], "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (rc) return -1;
        in = x[0];
    }
    switch (t) {
    case IMAGES_JPEG:
        rc = vips_jpegsave_buffer(in, &buf, &len, "strip", TRUE, "Q", thumb ? 78 : 82,
                                  "optimize_coding", TRUE, NULL);
        break;
    case IMAGES_PNG:
        rc = vips_pngsave_buffer(in, &buf, &len, "strip", TRUE, "compression", 6, NULL);
        break;
    case IMAGES_WEBP:
        rc = vips_webpsave_buffer(in, &buf, &len, "strip", TRUE, "Q", thumb ? 75 : 80, NULL);
        if (rc == 0 && webp_strip(&buf, &len) != 0) {
            g_free(buf);
            vips_error("images", "the WebP cannot be rewritten without its metadata");
            rc = -1;
        }
        break;
    default:
        rc = -1;
    }
    if (rc) return -1;
    o->data = buf;
    o->len = len;
    o->type = t;
    o->width = vips_image_get_width(in);
    o->height = vips_image_get_height(in);
    return 0;
}

/* The shrink-on-load of a JPEG: the largest of 1, 2, 4, 8 that still
 * leaves its longer side at least edge. */
static int jpeg_shrink(const images_info *info, int edge)
{
    int longer = info->width > info->height ? info->width : info->height, s = 1;
    while (s < 8 && longer / (s * 2) >= edge)
        s *= 2;
    return s;
}

/* images_publish's work on scope; the caller releases scope and, on
 * failure, the outputs. */
static ts_code publish_in(VipsObject *scope, const void *data, size_t len,
                          const images_publish_opts *o, images_out *photo, images_out *thumb,
                          ts_err *err)
{
    enum { OPENED, LOADED, DECODED, UPRIGHT, SRGB, SIZED, BARE, KEPT, THUMB, NSLOTS };
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, NSLOTS);
    images_limits l = limits_of(o->limits);
    int edge = o->max_edge > 0 ? o->max_edge : DEFAULT_MAX_EDGE;
    int tedge = o->thumb_edge > 0 ? o->thumb_edge : DEFAULT_THUMB_EDGE;
    images_info info;
    char arg[16];

    if (o->nrects < 0 || o->nrects > IMAGES_MAX_RECTS || (o->nrects && !o->rects)) {
        snprintf(arg, sizeof arg, "%d", IMAGES_MAX_RECTS + 1);
        return ts_err_set(err, TS_EVALIDATION, M_IMAGE_RECT, arg);
    }
    TS_TRY(inspect_in(data, len, &l, NULL, NULL, &info, &x[OPENED], err));
    for (int i = 0; i < o->nrects; i++) {
        int rl = 0, rt = 0, rw = 0, rh = 0;
        if (!map_rect(&o->rects[i], &info, x[OPENED], &rl, &rt, &rw, &rh)) {
            snprintf(arg, sizeof arg, "%d", i + 1);
            return ts_err_set(err, TS_EVALIDATION, M_IMAGE_RECT, arg);
        }
    }

    /* decode once into memory (a JPEG shrunk on load when it is much larger
     * than the edge): a truncated or broken file fails here */
    VipsImage *im = x[OPENED];
    int shrink = info.type == IMAGES_JPEG ? jpeg_shrink(&info, edge) : 1;
    if (shrink > 1) {
        if (open_image(info.type, data, len, shrink, &x[LOADED])) goto undecodable;
        im = x[LOADED];
    }
    if (!(x[DECODED] = vips_image_copy_memory(im))) goto undecodable;
    if (vips_autorot(x[DECODED], &x[UPRIGHT], NULL) || to_srgb(scope, x[UPRIGHT], &x[SRGB]))
        goto internal;
    im = x[SRGB];
    for (int i = 0; i < o->nrects; i++) {
        VipsImage **b = (VipsImage **)vips_object_local_array(scope, 1);
        int rl = 0, rt = 0, rw = 0, rh = 0;
        if (!map_rect(&o->rects[i], &info, im, &rl, &rt, &rw, &rh) ||
            blur_area(scope, im, rl, rt, rw, rh, &b[0]))
            goto internal;
        im = b[0];
    }
    int longer = vips_image_get_width(im) > vips_image_get_height(im) ? vips_image_get_width(im)
                                                                      : vips_image_get_height(im);
    if (longer > edge) {
        if (vips_resize(im, &x[SIZED], (double)edge / longer, NULL)) goto internal;
        im = x[SIZED];
    }
    /* the published pixels, computed once for the photo and its thumbnail */
    if (bare(im, &x[BARE]) || !(x[KEPT] = vips_image_copy_memory(x[BARE]))) goto internal;
    im = x[KEPT];
    images_type fmt = o->format != IMAGES_NONE ? o->format : info.type;
    if (encode(scope, im, fmt, false, photo)) goto internal;
    if (thumb) {
        longer = photo->width > photo->height ? photo->width : photo->height;
        VipsImage *t = im;
        if (longer > tedge) {
            if (vips_resize(im, &x[THUMB], (double)tedge / longer, NULL)) goto internal;
            t = x[THUMB];
        }
        if (encode(scope, t, o->thumb_format == IMAGES_WEBP ? IMAGES_WEBP : IMAGES_JPEG, true,
                   thumb))
            goto internal;
    }
    return TS_OK;

undecodable:
    vips_detail(err, "decode");
    return ts_err_set(err, TS_EVALIDATION, M_IMAGE_UNDECODABLE, NULL);
internal:
    vips_detail(err, "publish");
    return ts_err_set(err, TS_EINTERNAL, M_INTERNAL, NULL);
}

ts_code images_publish(const void *data, size_t len, const images_publish_opts *opts,
                       images_out *photo, images_out *thumb, ts_err *err)
{
    static const images_publish_opts none = {0};
    memset(photo, 0, sizeof *photo);
    if (thumb) memset(thumb, 0, sizeof *thumb);
    TS_TRY(images_init(err));
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    ts_code rc = publish_in(scope, data, len, opts ? opts : &none, photo, thumb, err);
    g_object_unref(scope);
    if (rc != TS_OK) {
        images_out_release(photo);
        images_out_release(thumb);
    }
    return rc;
}
