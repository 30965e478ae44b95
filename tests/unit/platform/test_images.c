/*
 * Unit tests for platform/images: what a citizen's photo may be, what is
 * read from it at submission, and that nothing but pixels is published.
 * The fixtures are made here: pixels saved by libvips, then metadata
 * written into the files by hand (an EXIF block built byte by byte, both
 * byte orders; XMP, IPTC, ICC and comment segments in a JPEG; eXIf, tEXt
 * and iTXt chunks in a PNG; EXIF and XMP chunks in an extended WebP), so
 * the reader under test is not also the writer. Every test ends with as
 * many libvips objects alive as it started with: an image left unref'd is
 * a failure even where LeakSanitizer cannot see it (libvips keeps a list
 * of its live objects). TS_IMAGES_SEEDS=DIR also writes the fixtures to
 * DIR (the fuzzer's seeds: tests/fuzz/corpus/image_inspect/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testmain.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <zlib.h>

#include "platform/images.h"

/* ------------------------------------------------------------ buffers */

typedef struct buf {
    unsigned char *p;
    size_t n;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    assert_non_null(b->p);
    memcpy(b->p + b->n, data, n);
    b->n += n;
}
static void put_be16(buf *b, unsigned v)
{
    put(b, (unsigned char[]){v >> 8, v & 0xff}, 2);
}
static void put_be32(buf *b, uint32_t v)
{
    put(b, (unsigned char[]){v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff}, 4);
}
static void put_le32(buf *b, uint32_t v)
{
    put(b, (unsigned char[]){v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24}, 4);
}
static void buf_free(buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = 0;
}

static const char *seeds_dir;

/* Write b to TS_IMAGES_SEEDS/name when asked. */
static void seed(const char *name, const buf *b)
{
    if (!seeds_dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", seeds_dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b->p, 1, b->n, f);
        fclose(f);
    }
}

/* ------------------------------------------------------------ pixels */

/* w×h RGB: a gradient with a deterministic grain, so a blur shows. */
static unsigned char *pattern(int w, int h)
{
    unsigned char *px = malloc((size_t)w * h * 3);
    assert_non_null(px);
    uint32_t s = 12345;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            s = s * 1103515245u + 12345u;
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)(x * 255 / w);
            p[1] = (unsigned char)(y * 255 / h);
            p[2] = (unsigned char)(s >> 24);
        }
    return px;
}

/* The pattern saved by libvips as type t, without metadata. */
static buf encoded(int w, int h, images_type t)
{
    unsigned char *px = pattern(w, h);
    VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    assert_non_null(im);
    void *out = NULL;
    size_t n = 0;
    int rc = t == IMAGES_JPEG  ? vips_jpegsave_buffer(im, &out, &n, "strip", TRUE, "Q", 90, NULL)
             : t == IMAGES_PNG ? vips_pngsave_buffer(im, &out, &n, "strip", TRUE, NULL)
                               : vips_webpsave_buffer(im, &out, &n, "strip", TRUE, NULL);
    assert_int_equal(rc, 0);
    g_object_unref(im);
    free(px);
    buf b = {0};
    put(&b, out, n);
    g_free(out);
    return b;
}

/* The RGB pixels of an encoded picture (malloc'd), its size in *w, *h. */
static unsigned char *pixels(const void *data, size_t n, int *w, int *h)
{
    VipsImage *im = vips_image_new_from_buffer(data, n, "", NULL);
    assert_non_null(im);
    *w = vips_image_get_width(im);
    *h = vips_image_get_height(im);
    size_t sz;
    unsigned char *px = vips_image_write_to_memory(im, &sz);
    assert_int_equal(sz, (size_t)*w * *h * 3);
    g_object_unref(im);
    unsigned char *copy = malloc(sz);
    memcpy(copy, px, sz);
    g_free(px);
    return copy;
}

/* ------------------------------------------------------------ EXIF */

typedef struct exif_spec {
    bool big_endian;
    int orientation;            /* 0: no tag */
    double lat, lon;            /* magnitudes */
    char lat_ref, lon_ref;      /* 0: no position */
    const char *taken, *offset; /* "2026:05:01 08:30:00", "+07:00"; NULL: none */
} exif_spec;

typedef struct tiff {
    unsigned char b[512];
    bool be;
} tiff;
static void t16(tiff *t, size_t at, unsigned v)
{
    t->b[at + (t->be ? 0 : 1)] = (unsigned char)(v >> 8);
    t->b[at + (t->be ? 1 : 0)] = (unsigned char)v;
}
static void t32(tiff *t, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        t->b[at + (size_t)(t->be ? i : 3 - i)] = (unsigned char)(v >> (24 - 8 * i));
}
/* One IFD entry at at: tag, type, count, value (or offset). */
static void tent(tiff *t, size_t at, unsigned tag, unsigned type, uint32_t count, uint32_t v)
{
    t16(t, at, tag);
    t16(t, at + 2, type);
    t32(t, at + 4, count);
    if (type == 3 && count == 1)
        t16(t, at + 8, v); /* a SHORT sits at the start of the value field */
    else
        t32(t, at + 8, v);
}
/* d° m' s" as three rationals at at. */
static void trational3(tiff *t, size_t at, double deg)
{
    double d = floor(deg), m = floor((deg - d) * 60), s = ((deg - d) * 60 - m) * 60;
    uint32_t v[6] = {(uint32_t)d, 1, (uint32_t)m, 1, (uint32_t)lround(s * 1000), 1000};
    for (int i = 0; i < 6; i++)
        t32(t, at + 4 * (size_t)i, v[i]);
}

/*
 * The TIFF structure of an EXIF block: IFD0 (orientation, the pointers)
 * at 8, the EXIF IFD at 50 (DateTimeOriginal, OffsetTimeOriginal, data at
 * 80 and 100), the GPS IFD at 108 (version, refs, rationals at 174, 198).
 */
static buf exif_tiff(const exif_spec *s)
{
    tiff t = {.be = s->big_endian};
    memcpy(t.b, s->big_endian ? "MM\0*" : "II*\0", 4);
    t32(&t, 4, 8);
    t16(&t, 8, 3);
    tent(&t, 10, 0x0112, 3, 1, (uint32_t)(s->orientation ? s->orientation : 1));
    tent(&t, 22, 0x8769, 4, 1, 50);
    tent(&t, 34, 0x8825, 4, 1, 108);
    t16(&t, 50, 2);
    tent(&t, 52, 0x9003, 2, 20, 80);
    tent(&t, 64, 0x9011, 2, 7, 100);
    if (s->taken) memcpy(t.b + 80, s->taken, strlen(s->taken) < 20 ? strlen(s->taken) : 20);
    if (s->offset) memcpy(t.b + 100, s->offset, strlen(s->offset) < 7 ? strlen(s->offset) : 7);
    if (!s->taken) t16(&t, 52, 0x9000 + 0x99); /* an unknown tag instead: no time */
    if (!s->offset) t16(&t, 64, 0x9000 + 0x98);
    t16(&t, 108, 5);
    tent(&t, 110, 0x0000, 1, 4, 0);
    t.b[118] = 2, t.b[119] = 3;
    tent(&t, 122, 0x0001, 2, 2, 0);
    t.b[130] = (unsigned char)s->lat_ref;
    tent(&t, 134, 0x0002, 5, 3, 174);
    tent(&t, 146, 0x0003, 2, 2, 0);
    t.b[154] = (unsigned char)s->lon_ref;
    tent(&t, 158, 0x0004, 5, 3, 198);
    trational3(&t, 174, s->lat);
    trational3(&t, 198, s->lon);
    buf b = {0};
    put(&b, t.b, 222);
    return b;
}

/* A JPEG segment marker m with payload p (head, then body). */
static void segment(buf *b, int m, const void *head, size_t hn, const void *body, size_t bn)
{
    put(b, (unsigned char[]){0xFF, (unsigned char)m}, 2);
    put_be16(b, (unsigned)(2 + hn + bn));
    put(b, head, hn);
    put(b, body, bn);
}

#define XMP_NS "http://ns.adobe.com/xap/1.0/"
static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
                          "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
                          "<rdf:Description xmlns:xmp='" XMP_NS "' xmp:CreatorTool='phone'/>"
                          "</rdf:RDF></x:xmpmeta>";

/* jpeg with, after its SOI: EXIF, XMP, an ICC profile (not a valid one),
 * IPTC and a comment. */
static buf jpeg_with_metadata(const buf *jpeg, const exif_spec *s)
{
    buf b = {0}, t = exif_tiff(s);
    put(&b, jpeg->p, 2);
    segment(&b, 0xE1, "Exif\0\0", 6, t.p, t.n);
    segment(&b, 0xE1, XMP_NS "\0", sizeof XMP_NS, xmp, sizeof xmp - 1);
    segment(&b, 0xE2, "ICC_PROFILE\0\1\1", 14, "not a profile, but it is there", 30);
    segment(&b, 0xED, "Photoshop 3.0\0", 14, "8BIM\4\4\0\0\0\0\0\6\034\002\005ab", 18);
    segment(&b, 0xFE, "", 0, "taken by Nguyen Van A, 0912345678", 33);
    put(&b, jpeg->p + 2, jpeg->n - 2);
    buf_free(&t);
    return b;
}

/* A PNG chunk. */
static void chunk(buf *b, const char *type, const void *data, size_t n)
{
    put_be32(b, (uint32_t)n);
    size_t at = b->n;
    put(b, type, 4);
    put(b, data, n);
    put_be32(b, (uint32_t)crc32(0, b->p + at, (uInt)(n + 4)));
}

/* png with eXIf, tEXt and iTXt (XMP) chunks after its IHDR. */
static buf png_with_metadata(const buf *png, const exif_spec *s)
{
    buf b = {0}, t = exif_tiff(s);
    put(&b, png->p, 33); /* signature and IHDR */
    chunk(&b, "eXIf", t.p, t.n);
    chunk(&b, "tEXt", "Comment\0Nguyen Van A", 20);
    buf it = {0};
    put(&it, "XML:com.adobe.xmp\0\0\0\0\0", 22);
    put(&it, xmp, sizeof xmp - 1);
    chunk(&b, "iTXt", it.p, it.n);
    put(&b, png->p + 33, png->n - 33);
    buf_free(&it);
    buf_free(&t);
    return b;
}

static void put_le24(buf *b, uint32_t v)
{
    put(b, (unsigned char[]){v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff}, 3);
}
static void riff_chunk(buf *b, const char *type, const void *data, size_t n)
{
    put(b, type, 4);
    put_le32(b, (uint32_t)n);
    put(b, data, n);
    if (n & 1) put(b, "", 1);
}

/* A WebP of w×h with its own VP8X, the image, EXIF and XMP. */
static buf webp_with_metadata(const buf *webp, int w, int h, const exif_spec *s)
{
    buf body = {0}, x = {0}, t = exif_tiff(s);
    put(&x, (unsigned char[]){0x08 | 0x04, 0, 0, 0}, 4); /* EXIF and XMP flags */
    put_le24(&x, (uint32_t)(w - 1));
    put_le24(&x, (uint32_t)(h - 1));
    put(&body, "WEBP", 4);
    riff_chunk(&body, "VP8X", x.p, x.n);
    /* the image chunks as libvips wrote them (it adds a VP8X and an EXIF
     * chunk of its own: left out) */
    for (size_t i = 12; i + 8 <= webp->n;) {
        const unsigned char *c = webp->p + i;
        size_t len = c[4] | c[5] << 8 | c[6] << 16 | (size_t)c[7] << 24, all = 8 + len + (len & 1);
        if (!memcmp(c, "VP8 ", 4) || !memcmp(c, "VP8L", 4) || !memcmp(c, "ALPH", 4))
            put(&body, c, all);
        i += all;
    }
    riff_chunk(&body, "EXIF", t.p, t.n);
    riff_chunk(&body, "XMP ", xmp, sizeof xmp - 1);
    buf b = {0};
    put(&b, "RIFF", 4);
    put_le32(&b, (uint32_t)body.n);
    put(&b, body.p, body.n);
    buf_free(&body);
    buf_free(&x);
    buf_free(&t);
    return b;
}

/* A PNG whose valid IHDR (CRC right) says w×h, with an IDAT of zeros
 * deflated from inflated bytes (a real bomb: 16 MiB in about 16 KiB; the
 * rows of a 100,000 px wide RGB image are 300 KB each, so this is only
 * their start) or an empty one. */
static buf png_header_only(uint32_t w, uint32_t h, size_t inflated)
{
    buf b = {0}, ihdr = {0};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    put_be32(&ihdr, w);
    put_be32(&ihdr, h);
    put(&ihdr, (unsigned char[]){8, 2, 0, 0, 0}, 5);
    chunk(&b, "IHDR", ihdr.p, ihdr.n);
    if (inflated) {
        unsigned char *zeros = calloc(1, inflated);
        uLongf n = compressBound((uLong)inflated);
        unsigned char *z = malloc(n);
        assert_int_equal(compress2(z, &n, zeros, (uLong)inflated, 9), Z_OK);
        chunk(&b, "IDAT", z, n);
        free(z);
        free(zeros);
    } else
        chunk(&b, "IDAT", "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
    chunk(&b, "IEND", "", 0);
    buf_free(&ihdr);
    return b;
}

/* ------------------------------------------------------------ scans */

/* The metadata found in a published picture by walking its structure, or
 * NULL: JPEG APPn (but JFIF's APP0) and COM segments, PNG text, EXIF,
 * profile and time chunks, WebP EXIF, XMP and ICC chunks, and anywhere the
 * EXIF header or the XMP namespace. */
static const char *metadata_in(const unsigned char *p, size_t n)
{
    if (memmem(p, n, "Exif\0\0", 6)) return "Exif\\0\\0";
    if (memmem(p, n, "http://ns.adobe.com/xap", 23)) return "XMP namespace";
    if (n > 4 && p[0] == 0xFF && p[1] == 0xD8) {
        for (size_t i = 2; i + 4 <= n && p[i] == 0xFF && p[i + 1] != 0xDA;) {
            int m = p[i + 1];
            size_t len = (size_t)p[i + 2] << 8 | p[i + 3];
            if ((m >= 0xE1 && m <= 0xEF) || m == 0xFE) return "JPEG APPn/COM segment";
            if (m == 0xE0 && (len < 7 || memcmp(p + i + 4, "JFIF\0", 5))) return "JPEG APP0";
            i += 2 + len;
        }
    } else if (n > 8 && !memcmp(p, "\x89PNG", 4)) {
        static const char *bad[] = {"eXIf", "tEXt", "zTXt", "iTXt", "iCCP", "tIME", NULL};
        for (size_t i = 8; i + 8 <= n;) {
            size_t len = (size_t)p[i] << 24 | (size_t)p[i + 1] << 16 | p[i + 2] << 8 | p[i + 3];
            for (const char **b = bad; *b; b++)
                if (!memcmp(p + i + 4, *b, 4)) return *b;
            i += 12 + len;
        }
    } else if (n > 12 && !memcmp(p, "RIFF", 4)) {
        for (size_t i = 12; i + 8 <= n;) {
            size_t len = p[i + 4] | p[i + 5] << 8 | p[i + 6] << 16 | (size_t)p[i + 7] << 24;
            if (!memcmp(p + i, "EXIF", 4) || !memcmp(p + i, "XMP ", 4) || !memcmp(p + i, "ICCP", 4))
                return "WebP metadata chunk";
            i += 8 + len + (len & 1);
        }
    }
    return NULL;
}

/* No metadata by structure, and none when libvips reads it back. */
static void assert_bare(const images_out *o, images_type t)
{
    assert_non_null(o->data);
    assert_int_equal(o->type, t);
    const char *found = metadata_in(o->data, o->len);
    if (found) fail_msg("published %s holds %s", images_media_type(t), found);
    VipsImage *im = vips_image_new_from_buffer(o->data, o->len, "", NULL);
    assert_non_null(im);
    static const char *fields[] = {VIPS_META_EXIF_NAME,
                                   VIPS_META_XMP_NAME,
                                   VIPS_META_IPTC_NAME,
                                   VIPS_META_ICC_NAME,
                                   VIPS_META_ORIENTATION,
                                   "png-comment-0-Comment",
                                   NULL};
    for (const char **f = fields; *f; f++)
        if (vips_image_get_typeof(im, *f)) fail_msg("published image has the field %s", *f);
    char **names = vips_image_get_fields(im);
    for (char **f = names; *f; f++)
        if (!strncmp(*f, "exif-", 5)) fail_msg("published image has the field %s", *f);
    g_strfreev(names);
    assert_int_equal(vips_image_get_width(im), o->width);
    assert_int_equal(vips_image_get_height(im), o->height);
    g_object_unref(im);
}

/* ------------------------------------------------------------ per test */

static void *count_one(void *obj, void *a, void *b)
{
    (void)obj, (void)b;
    (*(int *)a)++;
    return NULL;
}
static int live_objects(void)
{
    int n = 0;
    vips_object_map(count_one, &n, NULL);
    return n;
}
static int live_before;

static int setup(void **state)
{
    (void)state;
    live_before = live_objects();
    return 0;
}
static int teardown(void **state)
{
    (void)state;
    int now = live_objects();
    if (now != live_before) {
        fprintf(stderr, "libvips objects alive: %d before the test, %d after\n", live_before, now);
        vips_object_print_all();
        return -1;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    ts_err e;
    ts_err_clear(&e);
    if (images_init(&e) != TS_OK) return -1;
    seeds_dir = getenv("TS_IMAGES_SEEDS");
    return 0;
}

/* ------------------------------------------------------------ tests */

static void test_gps_and_time(void **state)
{
    (void)state;
    static const struct {
        exif_spec s;
        bool has;
        double lat, lon;
        const char *taken_at;
    } cases[] = {
        /* Hà Nội, little-endian, with the offset */
        {{false, 1, 21.025, 105.854305, 'N', 'E', "2026:05:01 08:30:00", "+07:00"},
         true,
         21.025,
         105.854305,
         "2026-05-01T08:30:00+07:00"},
        /* south and west are negative; big-endian; no offset */
        {{true, 1, 33.8688, 151.2093, 'S', 'W', "2025:12:31 23:59:59", NULL},
         true,
         -33.8688,
         -151.2093,
         "2025-12-31T23:59:59"},
        /* 0,0 is a camera without a fix */
        {{false, 1, 0, 0, 'N', 'E', NULL, NULL}, false, 0, 0, ""},
        /* a reference that is neither N nor S: no position */
        {{false, 1, 10, 106, 'X', 'E', "2026:13:01 00:00:00", NULL}, false, 0, 0, ""},
        /* a latitude over 90: no position */
        {{true, 1, 95, 106, 'N', 'E', "2026:02:03 04:05:06", "+7"},
         false,
         0,
         0,
         "2026-02-03T04:05:06"},
    };
    buf jpeg = encoded(32, 24, IMAGES_JPEG);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = jpeg_with_metadata(&jpeg, &cases[i].s);
        if (i == 0) seed("gps.jpg", &b);
        images_info info;
        ts_err e;
        ts_err_clear(&e);
        assert_int_equal(images_inspect(b.p, b.n, NULL, "image/jpeg", "anh.JPG", &info, &e), TS_OK);
        assert_int_equal(info.type, IMAGES_JPEG);
        assert_string_equal(info.media_type, "image/jpeg");
        assert_int_equal(info.width, 32);
        assert_int_equal(info.height, 24);
        if (info.has_gps != cases[i].has) fail_msg("case %zu: has_gps %d", i, info.has_gps);
        assert_true(fabs(info.lat - cases[i].lat) < 1e-5);
        assert_true(fabs(info.lon - cases[i].lon) < 1e-5);
        assert_string_equal(info.taken_at, cases[i].taken_at);
        buf_free(&b);
    }
    buf_free(&jpeg);
}

static void test_orientation_applied(void **state)
{
    (void)state;
    buf jpeg = encoded(60, 40, IMAGES_JPEG);
    exif_spec s = {false, 6, 21, 105, 'N', 'E', "2026:05:01 08:30:00", NULL};
    buf b = jpeg_with_metadata(&jpeg, &s);
    images_info info;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(images_inspect(b.p, b.n, NULL, NULL, NULL, &info, &e), TS_OK);
    assert_int_equal(info.orientation, 6);
    assert_int_equal(info.width, 60);
    assert_int_equal(info.upright_width, 40);
    assert_int_equal(info.upright_height, 60);
    images_out photo, thumb;
    images_publish_opts o = {.thumb_edge = 30};
    assert_int_equal(images_publish(b.p, b.n, &o, &photo, &thumb, &e), TS_OK);
    assert_int_equal(photo.width, 40);
    assert_int_equal(photo.height, 60);
    assert_int_equal(thumb.width, 20);
    assert_int_equal(thumb.height, 30);
    assert_bare(&photo, IMAGES_JPEG);
    assert_bare(&thumb, IMAGES_JPEG);
    images_out_release(&photo);
    images_out_release(&thumb);

    /* a rectangle is in upright pixels: the left half of the upright photo
     * (the top of the stored one) is blurred, the right half is not */
    images_rect r = {0, 0, 20, 60};
    o = (images_publish_opts){.rects = &r, .nrects = 1, .format = IMAGES_PNG};
    assert_int_equal(images_publish(b.p, b.n, &o, &photo, NULL, &e), TS_OK);
    int w, h;
    unsigned char *px = pixels(photo.data, photo.len, &w, &h);
    assert_int_equal(w, 40);
    double left = 0, right = 0;
    for (int y = 4; y < 56; y++)
        for (int x = 4; x < 16; x++) {
            left +=
                fabs((double)px[((size_t)y * w + x) * 3 + 2] - px[((size_t)y * w + x - 1) * 3 + 2]);
            right += fabs((double)px[((size_t)y * w + x + 21) * 3 + 2] -
                          px[((size_t)y * w + x + 20) * 3 + 2]);
        }
    assert_true(left * 4 < right);
    free(px);
    images_out_release(&photo);
    buf_free(&b);
    buf_free(&jpeg);
}

/* Each type with every metadata block it can hold, published as itself and
 * as the other two, with a JPEG and a WebP thumbnail: no metadata anywhere. */
static void test_published_without_metadata(void **state)
{
    (void)state;
    exif_spec s = {true, 3, 16.0544, 108.2022, 'N', 'E', "2026:06:01 10:00:00", "+07:00"};
    buf j = encoded(48, 36, IMAGES_JPEG), p = encoded(48, 36, IMAGES_PNG),
        w = encoded(48, 36, IMAGES_WEBP);
    buf in[3] = {jpeg_with_metadata(&j, &s), png_with_metadata(&p, &s),
                 webp_with_metadata(&w, 48, 36, &s)};
    static const images_type t[3] = {IMAGES_JPEG, IMAGES_PNG, IMAGES_WEBP};
    seed("meta.png", &in[1]);
    seed("meta.webp", &in[2]);
    for (int i = 0; i < 3; i++) {
        ts_err e;
        ts_err_clear(&e);
        images_info info;
        if (images_inspect(in[i].p, in[i].n, NULL, NULL, NULL, &info, &e) != TS_OK)
            fail_msg("%s: %s (%s)", images_media_type(t[i]), e.msg->id, e.debug);
        assert_int_equal(info.type, t[i]);
        /* the position is read from a PNG's eXIf and a WebP's EXIF chunk too */
        if (!info.has_gps) fail_msg("%s: no position read", images_media_type(t[i]));
        assert_true(fabs(info.lat - 16.0544) < 1e-5);
        assert_string_equal(info.taken_at, "2026-06-01T10:00:00+07:00");
        for (int f = 0; f < 3; f++) {
            images_publish_opts o = {.format = t[f],
                                     .thumb_format = f == 2 ? IMAGES_WEBP : IMAGES_JPEG};
            images_out photo, thumb;
            ts_code rc = images_publish(in[i].p, in[i].n, &o, &photo, &thumb, &e);
            if (rc != TS_OK)
                fail_msg("%s → %s: %s", images_media_type(t[i]), images_media_type(t[f]), e.debug);
            assert_bare(&photo, t[f]);
            assert_bare(&thumb, o.thumb_format);
            /* orientation 3 is a half turn: the sides stay */
            assert_int_equal(photo.width, 48);
            assert_int_equal(photo.height, 36);
            images_out_release(&photo);
            images_out_release(&thumb);
        }
        buf_free(&in[i]);
    }
    buf_free(&j);
    buf_free(&p);
    buf_free(&w);
}

static void test_blur_only_the_rectangle(void **state)
{
    (void)state;
    const int W = 200, H = 100;
    buf png = encoded(W, H, IMAGES_PNG);
    images_rect r = {50, 20, 60, 40};
    images_publish_opts o = {.rects = &r, .nrects = 1};
    images_out photo;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(images_publish(png.p, png.n, &o, &photo, NULL, &e), TS_OK);
    int w, h, w0, h0;
    unsigned char *out = pixels(photo.data, photo.len, &w, &h);
    unsigned char *orig = pixels(png.p, png.n, &w0, &h0);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    long changed = 0, inside = 0, outside_changed = 0;
    double var_in = 0, var_out = 0; /* of the grain channel, neighbour to neighbour */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = ((size_t)y * W + x) * 3;
            bool in = x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height;
            bool differs = memcmp(out + i, orig + i, 3) != 0;
            if (in) {
                inside++;
                changed += differs;
                if (x > r.left) var_in += pow(out[i + 2] - out[i - 1], 2);
                if (x > r.left) var_out += pow(orig[i + 2] - orig[i - 1], 2);
            } else
                outside_changed += differs;
        }
    assert_int_equal(outside_changed, 0);
    assert_true(changed > inside * 9 / 10);
    /* the grain is gone: neighbours differ far less than before */
    assert_true(var_in * 20 < var_out);
    free(out);
    free(orig);
    images_out_release(&photo);

    /* a rectangle outside the photo, or empty, is refused, naming it */
    images_rect bad[2] = {{0, 0, 10, 10}, {W, 0, 10, 10}};
    o = (images_publish_opts){.rects = bad, .nrects = 2};
    assert_int_equal(images_publish(png.p, png.n, &o, &photo, NULL, &e), TS_EVALIDATION);
    assert_ptr_equal(e.msg, M_IMAGE_RECT);
    assert_string_equal(e.arg, "2");
    assert_null(photo.data);
    bad[1] = (images_rect){5, 5, 0, 10};
    assert_int_equal(images_publish(png.p, png.n, &o, &photo, NULL, &e), TS_EVALIDATION);
    buf_free(&png);
}

/* A JPEG much larger than the edge is decoded shrunk, and the rectangles
 * (in full-size upright pixels) land where they were marked. */
static void test_shrink_on_load(void **state)
{
    (void)state;
    buf jpeg = encoded(1200, 800, IMAGES_JPEG);
    images_rect r = {0, 0, 600, 400}; /* the top-left quarter */
    images_publish_opts o = {.max_edge = 300, .rects = &r, .nrects = 1, .format = IMAGES_PNG};
    images_out photo, thumb;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(images_publish(jpeg.p, jpeg.n, &o, &photo, &thumb, &e), TS_OK);
    assert_int_equal(photo.width, 300);
    assert_int_equal(photo.height, 200);
    assert_int_equal(thumb.width, 300); /* the thumbnail is never larger than the photo */
    int w, h;
    unsigned char *px = pixels(photo.data, photo.len, &w, &h);
    /* grain (blue channel) differences: smooth in the quarter, rough beside it */
    double in = 0, out = 0;
    for (int y = 10; y < 90; y++)
        for (int x = 11; x < 140; x++) {
            in +=
                fabs((double)px[((size_t)y * w + x) * 3 + 2] - px[((size_t)y * w + x - 1) * 3 + 2]);
            out += fabs((double)px[((size_t)y * w + x + 155) * 3 + 2] -
                        px[((size_t)y * w + x + 154) * 3 + 2]);
        }
    assert_true(in * 5 < out);
    free(px);
    images_out_release(&photo);
    images_out_release(&thumb);
    buf_free(&jpeg);
}

/* What is refused at submission, and with which message. */
static void test_refused_at_inspect(void **state)
{
    (void)state;
    buf png = encoded(16, 16, IMAGES_PNG), jpeg = encoded(16, 16, IMAGES_JPEG);
    buf bomb = png_header_only(100000, 100000, 0), strip = png_header_only(20000, 10, 0),
        deflated = png_header_only(100000, 100000, 16u << 20);
    seed("bomb.png", &bomb);
    seed("small.png", &png);
    buf cut = {0};
    put(&cut, jpeg.p, 20);
    static const char text[] = "Kính gửi UBND phường: đường bị ngập.\n";
    static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!"
                              "\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00"
                              "\x00\x02\x02D\x01\x00;";
    static const char svg[] = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" "
                              "width=\"10\" height=\"10\"></svg>";
    images_limits small = {.max_bytes = 100};
    const struct {
        const char *what;
        const void *p;
        size_t n;
        const images_limits *lim;
        const char *claim, *name;
        ts_code code;
        ts_msg msg;
        const char *arg;
    } cases[] = {
        {"zero bytes", "", 0, NULL, NULL, NULL, TS_EVALIDATION, M_IMAGE_EMPTY, ""},
        {"NULL", NULL, 5, NULL, NULL, NULL, TS_EVALIDATION, M_IMAGE_EMPTY, ""},
        {"text named .jpg", text, sizeof text - 1, NULL, "image/jpeg", "anh.jpg", TS_EVALIDATION,
         M_IMAGE_NOT_IMAGE, "text/plain"},
        {"GIF", gif, sizeof gif - 1, NULL, NULL, "a.gif", TS_EVALIDATION, M_IMAGE_UNSUPPORTED,
         "image/gif"},
        {"SVG named .png", svg, sizeof svg - 1, NULL, NULL, "a.png", TS_EVALIDATION,
         M_IMAGE_UNSUPPORTED, "image/svg+xml"},
        {"PNG named .jpg", png.p, png.n, NULL, NULL, "anh.jpg", TS_EMEDIATYPE, M_IMAGE_TYPE_LIES,
         ".jpg"},
        {"PNG named .heic", png.p, png.n, NULL, NULL, "IMG_1.HEIC", TS_EMEDIATYPE,
         M_IMAGE_TYPE_LIES, ".HEIC"},
        {"JPEG sent as PNG", jpeg.p, jpeg.n, NULL, "image/png", NULL, TS_EMEDIATYPE,
         M_IMAGE_TYPE_LIES, "image/png"},
        {"over max_bytes", png.p, png.n, &small, NULL, NULL, TS_ETOOBIG, M_IMAGE_TOO_BIG,
         "9.537e-05"},
        {"decompression bomb", bomb.p, bomb.n, NULL, "image/png", "bom.png", TS_EVALIDATION,
         M_IMAGE_TOO_MANY_PIXELS, "40"},
        {"decompression bomb with 16 MiB of zeros deflated", deflated.p, deflated.n, NULL, NULL,
         NULL, TS_EVALIDATION, M_IMAGE_TOO_MANY_PIXELS, "40"},
        {"too wide", strip.p, strip.n, NULL, NULL, NULL, TS_EVALIDATION, M_IMAGE_TOO_WIDE, "10000"},
        {"header cut short", cut.p, cut.n, NULL, NULL, NULL, TS_EVALIDATION, M_IMAGE_CORRUPT, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        images_info info;
        ts_err e;
        ts_err_clear(&e);
        ts_code rc = images_inspect(cases[i].p, cases[i].n, cases[i].lim, cases[i].claim,
                                    cases[i].name, &info, &e);
        if (rc != cases[i].code || e.msg != cases[i].msg)
            fail_msg("%s: code %d message %s (%s)", cases[i].what, rc, e.msg ? e.msg->id : "none",
                     e.debug);
        assert_string_equal(e.arg, cases[i].arg);
    }
    /* the accepted ones, with octet-stream claiming nothing and no extension */
    images_info info;
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(
        images_inspect(png.p, png.n, NULL, "application/octet-stream", "anh", &info, &e), TS_OK);
    assert_int_equal(images_inspect(jpeg.p, jpeg.n, NULL, "IMAGE/JPEG; q=1", "a.jpeg", &info, &e),
                     TS_OK);
    assert_false(info.has_gps);
    assert_string_equal(info.taken_at, "");
    assert_int_equal(info.orientation, 1);
    /* publish checks again: the bomb is never decoded there either */
    images_out photo;
    assert_int_equal(images_publish(bomb.p, bomb.n, NULL, &photo, NULL, &e), TS_EVALIDATION);
    assert_ptr_equal(e.msg, M_IMAGE_TOO_MANY_PIXELS);
    assert_null(photo.data);
    buf_free(&png);
    buf_free(&jpeg);
    assert_true(deflated.n < 32768);
    buf_free(&bomb);
    buf_free(&deflated);
    buf_free(&strip);
    buf_free(&cut);
}

/* Pixels cut short pass the header check and fail at publish, cleanly. */
static void test_truncated_at_publish(void **state)
{
    (void)state;
    buf jpeg = encoded(64, 64, IMAGES_JPEG), png = encoded(64, 64, IMAGES_PNG),
        webp = encoded(64, 64, IMAGES_WEBP);
    buf *all[] = {&jpeg, &png, &webp};
    for (int i = 0; i < 3; i++) {
        size_t n = all[i]->n * 6 / 10;
        images_info info;
        ts_err e;
        ts_err_clear(&e);
        if (i == 0) {
            buf cut = {0};
            put(&cut, jpeg.p, n);
            seed("truncated.jpg", &cut);
            buf_free(&cut);
        }
        ts_code rc = images_inspect(all[i]->p, n, NULL, NULL, NULL, &info, &e);
        if (rc != TS_OK) { /* a WebP checks its length in the header */
            assert_int_equal(i, 2);
            assert_ptr_equal(e.msg, M_IMAGE_CORRUPT);
            continue;
        }
        images_out photo, thumb;
        rc = images_publish(all[i]->p, n, NULL, &photo, &thumb, &e);
        if (rc != TS_EVALIDATION || e.msg != M_IMAGE_UNDECODABLE)
            fail_msg("%d: code %d %s", i, rc, e.msg ? e.msg->id : "none");
        assert_null(photo.data);
        assert_null(thumb.data);
        assert_int_equal(photo.len, 0);
    }
    buf_free(&jpeg);
    buf_free(&png);
    buf_free(&webp);
}

/* The kinds of pixels phones and editors write: grey, with alpha, 16 bits,
 * CMYK. Each is published as an 8-bit sRGB (or grey) JPEG and a WebP
 * thumbnail, without metadata. */
static void test_pixel_kinds(void **state)
{
    (void)state;
    enum { GREY_JPEG, RGBA_PNG, RGB16_PNG, CMYK_JPEG, NKINDS };
    for (int k = 0; k < NKINDS; k++) {
        unsigned char *px = pattern(40, 30);
        VipsImage *rgb = vips_image_new_from_memory(px, 40 * 30 * 3, 40, 30, 3, VIPS_FORMAT_UCHAR);
        VipsImage *im = NULL;
        void *out = NULL;
        size_t n = 0;
        int rc = -1;
        switch (k) {
        case GREY_JPEG:
            if (!vips_colourspace(rgb, &im, VIPS_INTERPRETATION_B_W, NULL))
                rc = vips_jpegsave_buffer(im, &out, &n, "strip", TRUE, NULL);
            break;
        case RGBA_PNG:
            if (!vips_bandjoin_const1(rgb, &im, 100, NULL))
                rc = vips_pngsave_buffer(im, &out, &n, "strip", TRUE, NULL);
            break;
        case RGB16_PNG:
            if (!vips_colourspace(rgb, &im, VIPS_INTERPRETATION_RGB16, NULL))
                rc = vips_pngsave_buffer(im, &out, &n, "strip", TRUE, "bitdepth", 16, NULL);
            break;
        case CMYK_JPEG:
            if (!vips_colourspace(rgb, &im, VIPS_INTERPRETATION_CMYK, NULL))
                rc = vips_jpegsave_buffer(im, &out, &n, NULL);
            break;
        }
        if (rc) fail_msg("kind %d: cannot make it: %s", k, vips_error_buffer());
        g_object_unref(im);
        g_object_unref(rgb);
        free(px);
        images_out photo, thumb;
        images_publish_opts o = {
            .format = IMAGES_JPEG, .thumb_format = IMAGES_WEBP, .thumb_edge = 20};
        ts_err e;
        ts_err_clear(&e);
        if (images_publish(out, n, &o, &photo, &thumb, &e) != TS_OK)
            fail_msg("kind %d: %s", k, e.debug);
        assert_bare(&photo, IMAGES_JPEG);
        assert_bare(&thumb, IMAGES_WEBP);
        assert_int_equal(photo.width, 40);
        assert_int_equal(thumb.width, 20);
        VipsImage *back = vips_image_new_from_buffer(photo.data, photo.len, "", NULL);
        assert_int_equal(vips_image_get_format(back), VIPS_FORMAT_UCHAR);
        assert_int_equal(vips_image_get_bands(back), k == GREY_JPEG ? 1 : 3);
        g_object_unref(back);
        images_out_release(&photo);
        images_out_release(&thumb);
        g_free(out);
    }
}

/* Several threads at once, as the server's workers and the job runner. */
typedef struct work {
    const buf *photo;
    int failures;
} work;
static void *worker(void *arg)
{
    work *w = arg;
    for (int i = 0; i < 10; i++) {
        images_info info;
        images_out photo, thumb;
        ts_err e;
        ts_err_clear(&e);
        images_rect r = {1, 1, 10, 10};
        images_publish_opts o = {.max_edge = 64, .rects = &r, .nrects = 1};
        if (images_inspect(w->photo->p, w->photo->n, NULL, NULL, NULL, &info, &e) != TS_OK ||
            images_publish(w->photo->p, w->photo->n, &o, &photo, &thumb, &e) != TS_OK)
            w->failures++;
        if ((photo.width > photo.height ? photo.width : photo.height) != 64) w->failures++;
        images_out_release(&photo);
        images_out_release(&thumb);
    }
    return NULL;
}
static void test_threads(void **state)
{
    (void)state;
    buf jpeg = encoded(256, 128, IMAGES_JPEG), webp = encoded(128, 256, IMAGES_WEBP);
    work w[4] = {{&jpeg, 0}, {&webp, 0}, {&jpeg, 0}, {&webp, 0}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    buf_free(&jpeg);
    buf_free(&webp);
}

static void test_messages(void **state)
{
    (void)state;
    int n = 0;
    for (const ts_msg *m = images_messages; *m; m++, n++) {
        assert_non_null((*m)->text[0]);
        assert_non_null((*m)->text[1]);
    }
    assert_int_equal(n, 10);
    ts_err e;
    ts_err_clear(&e);
    assert_int_equal(images_init(&e), TS_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
TS_TEST_MAIN(group_setup, NULL, T(test_gps_and_time), T(test_orientation_applied),
             T(test_published_without_metadata), T(test_blur_only_the_rectangle),
             T(test_shrink_on_load), T(test_refused_at_inspect), T(test_truncated_at_publish),
             T(test_pixel_kinds), T(test_threads), T(test_messages))
