/*
 * bench/images.c — what a citizen's photo costs: images_inspect (at
 * submission, on the request path) and images_publish (in the background
 * job: upright, sRGB, shrink to 2048 px, JPEG without metadata, a 320 px
 * JPEG thumbnail) on a generated 3000×2000 JPEG of about 1 MB carrying an
 * EXIF position, on 1 and on 2 threads. Build and run:
 *   gcc -O2 -Isrc -o /tmp/images bench/images.c src/platform/images.c src/lib/msg.c \
 *       src/lib/log.c src/lib/timeutil.c $(pkg-config --cflags --libs vips libexif libwebpmux) \
 *       -lmagic -lpthread -lm && /tmp/images 2000 20
 * (arguments: inspections and publications per thread). `/tmp/images --write FILE`
 * only writes the generated photo to FILE (bench/feedback.sh sends it).
 */
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

#include "platform/images.h"

static unsigned char *photo;
static size_t photo_len;

/* A little-endian EXIF block: IFD0 pointing at a GPS IFD, 21°1'30" N
 * 105°51'15" E (Hà Nội). */
static size_t exif_block(unsigned char *b)
{
    static const unsigned char head[] = {
        'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42,  0, 8, 0, 0, 0, 1,   0, 0x25, 0x88,
        4,   0,   1,   0,   0, 0, 26,  0,   0,   0, 0, 0, 0, 0, /* IFD0: GPS at 26 */
        4,   0,                                                 /* GPS IFD: 4 entries */
        1,   0,   2,   0,   2, 0, 0,   0,   'N', 0, 0, 0, 2, 0, 5,   0, 3,    0,
        0,   0,   80,  0,   0, 0, 3,   0,   2,   0, 2, 0, 0, 0, 'E', 0, 0,    0,
        4,   0,   5,   0,   3, 0, 0,   0,   104, 0, 0, 0, 0, 0, 0,   0};
    static const unsigned rat[12] = {21, 1, 1, 1, 30, 1, 105, 1, 51, 1, 15, 1};
    memcpy(b, head, sizeof head);
    size_t n = 6 + 80;
    for (int i = 0; i < 12; i++, n += 4)
        for (int k = 0; k < 4; k++)
            b[n + (size_t)k] = (unsigned char)(rat[i] >> (8 * k));
    return n;
}

/* 3000×2000: soft gradients, a few shapes and a fine grain, which is what
 * makes a phone photo about 1 MB at quality 85. */
static void make_photo(void)
{
    const int w = 3000, h = 2000;
    unsigned char *px = malloc((size_t)w * h * 3);
    uint32_t s = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            s = s * 1103515245u + 12345u;
            int grain = (int)(s >> 28) - 8;
            double r = hypot(x - 1500.0, y - 900.0);
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            int v[3] = {(int)(120 + 80 * sin(x / 240.0) + (r < 500 ? 40 : 0)),
                        (int)(110 + 70 * cos(y / 180.0)), (int)(90 + 60 * sin((x + y) / 400.0))};
            for (int c = 0; c < 3; c++) {
                int q = v[c] + grain;
                p[c] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
            }
        }
    VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    void *jpeg;
    size_t n;
    if (!im || vips_jpegsave_buffer(im, &jpeg, &n, "strip", TRUE, "Q", 85, NULL)) exit(1);
    unsigned char app1[256];
    size_t e = exif_block(app1 + 4);
    app1[0] = 0xFF, app1[1] = 0xE1, app1[2] = (unsigned char)((e + 2) >> 8),
    app1[3] = (unsigned char)(e + 2);
    photo_len = n + e + 4;
    photo = malloc(photo_len);
    memcpy(photo, jpeg, 2);
    memcpy(photo + 2, app1, e + 4);
    memcpy(photo + 2 + e + 4, (unsigned char *)jpeg + 2, n - 2);
    g_free(jpeg);
    g_object_unref(im);
    free(px);
}

typedef struct job {
    int n;
    bool publish;
    long failed;
    size_t out_bytes, thumb_bytes;
} job;

static void *run(void *arg)
{
    job *j = arg;
    for (int i = 0; i < j->n; i++) {
        ts_err e;
        ts_err_clear(&e);
        if (!j->publish) {
            images_info info;
            if (images_inspect(photo, photo_len, NULL, "image/jpeg", "IMG_0001.JPG", &info, &e) !=
                    TS_OK ||
                !info.has_gps)
                j->failed++;
            continue;
        }
        images_out out, thumb;
        images_publish_opts o = {.max_edge = 2048, .thumb_edge = 320};
        if (images_publish(photo, photo_len, &o, &out, &thumb, &e) != TS_OK) j->failed++;
        j->out_bytes = out.len;
        j->thumb_bytes = thumb.len;
        images_out_release(&out);
        images_out_release(&thumb);
    }
    return NULL;
}

static double clock_s(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* n per thread on threads threads; prints the rate and the CPU time each
 * (all threads of the process, libvips' workers included). */
static void measure(const char *what, bool publish, int threads, int n)
{
    job j[8] = {{0}};
    pthread_t t[8];
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < threads; i++) {
        j[i] = (job){.n = n, .publish = publish};
        pthread_create(&t[i], NULL, run, &j[i]);
    }
    long failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        failed += j[i].failed;
    }
    double s = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("%-8s %d thread%s: %6d in %7.3f s = %8.1f /s, %8.3f ms of CPU each", what, threads,
           threads > 1 ? "s" : " ", n * threads, s, n * threads / s, cpu * 1e3 / (n * threads));
    if (publish) printf(", photo %zu B, thumbnail %zu B", j[0].out_bytes, j[0].thumb_bytes);
    printf("%s\n", failed ? " FAILURES" : "");
}

int main(int argc, char **argv)
{
    bool write = argc == 3 && !strcmp(argv[1], "--write");
    int ni = argc > 1 && !write ? atoi(argv[1]) : 2000,
        np = argc > 2 && !write ? atoi(argv[2]) : 20;
    ts_err e;
    ts_err_clear(&e);
    if (images_init(&e) != TS_OK) return 1;
    make_photo();
    if (argc == 3 && !strcmp(argv[1], "--write")) {
        FILE *f = fopen(argv[2], "wb");
        int bad = !f || fwrite(photo, 1, photo_len, f) != photo_len;
        if (f) bad |= fclose(f) != 0;
        free(photo);
        return bad;
    }
    images_info info;
    if (images_inspect(photo, photo_len, NULL, NULL, NULL, &info, &e) != TS_OK) return 1;
    printf("photo: %dx%d JPEG, %zu bytes, GPS %.5f %.5f\n", info.width, info.height, photo_len,
           info.lat, info.lon);
    run(&(job){.n = 10}); /* warm: the first call loads libvips' loaders */
    measure("inspect", false, 1, ni);
    measure("inspect", false, 2, ni);
    measure("publish", true, 1, np);
    measure("publish", true, 2, np);
    free(photo);
    return 0;
}
