/*
 * fuzz_image_inspect — a citizen's photo through images_inspect (magic
 * bytes, the libvips header, the EXIF read by libexif) and, when it passes
 * the harness's small limits (at most 96×96 pixels, 64 KiB), through
 * images_publish with a blur rectangle. Any crash, sanitizer report or
 * libvips object left alive is a bug; every refusal must carry a message;
 * what inspect accepted is within the limits; a published picture holds
 * no EXIF or XMP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "platform/images.h"

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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    ts_err e;
    ts_err_clear(&e);
    if (images_init(&e) != TS_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const images_limits lim = {
        .max_bytes = 1 << 16, .max_width = 96, .max_height = 96, .max_pixels = 96 * 96};
    int before = live_objects();
    images_info info;
    ts_err e;
    ts_err_clear(&e);
    ts_code rc = images_inspect(data, size, &lim, NULL, "photo.jpg", &info, &e);
    if (rc != TS_OK) {
        if (!e.msg) abort();
    } else {
        if (info.width < 1 || info.height < 1 || info.width > 96 || info.height > 96) abort();
        if (info.has_gps && (info.lat < -90 || info.lat > 90 || info.lon < -180 || info.lon > 180))
            abort();
        images_rect r = {info.upright_width / 4, info.upright_height / 4, 8, 8};
        images_publish_opts o = {.limits = &lim,
                                 .max_edge = 48,
                                 .thumb_edge = 16,
                                 .rects = &r,
                                 .nrects = 1,
                                 .thumb_format = size & 1 ? IMAGES_WEBP : IMAGES_JPEG};
        images_out photo, thumb;
        rc = images_publish(data, size, &o, &photo, &thumb, &e);
        if (rc != TS_OK) {
            if (!e.msg || photo.data || thumb.data) abort();
        } else {
            if (memmem(photo.data, photo.len, "Exif\0\0", 6) ||
                memmem(photo.data, photo.len, "http://ns.adobe.com/xap", 23) ||
                memmem(thumb.data, thumb.len, "Exif\0\0", 6))
                abort();
            if (photo.width > 48 || photo.height > 48 || thumb.width > 16 || thumb.height > 16)
                abort();
        }
        images_out_release(&photo);
        images_out_release(&thumb);
    }
    if (live_objects() != before) abort();
    return 0;
}
