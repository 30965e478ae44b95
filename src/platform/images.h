/*
 * images — the photos citizens attach to feedback, in two steps.
 *
 * images_inspect runs at submission and is cheap: the type from the magic
 * bytes (JPEG, PNG, WebP; libmagic names anything else), the dimensions
 * from the header alone (libvips reads the header and stops: no pixel is
 * decoded), the limits, the claim, and the EXIF position and time
 * (libexif). images_publish runs later, in a background job: it decodes,
 * turns the photo upright by its EXIF orientation, blurs the rectangles an
 * officer marked, shrinks it to a maximum edge and saves it again with
 * every metadata block left out (EXIF, XMP, IPTC, ICC, comments), plus a
 * thumbnail. Only published bytes are ever shown to the public; the
 * original stays with the agency. See docs/decisions.md §43.
 *
 * Threads: any thread may call any function at any time. libvips starts
 * once (images_init, also run by the first call), with its operation
 * cache off and one worker thread per pipeline: the server's own threads
 * (or the job runner's) are the parallelism, and each call holds only its
 * own images. Only the loaders for JPEG, PNG and WebP are allowed; every
 * other libvips loader (SVG, PDF, TIFF, ImageMagick, …) is blocked.
 */
#ifndef TS_IMAGES_H
#define TS_IMAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/err.h"

/* clang-format off */
#define IMAGES_MESSAGES(X)                                                                         \
    X(M_IMAGE_EMPTY, "Ảnh không có nội dung.", "The photo is empty.")                              \
    X(M_IMAGE_NOT_IMAGE, "Nội dung tệp là %s, không phải ảnh: chỉ nhận ảnh JPEG, PNG hoặc WebP.", \
      "The file's content is %s, not a photo: only JPEG, PNG or WebP photos are accepted.")        \
    X(M_IMAGE_UNSUPPORTED, "Ảnh dạng %s không được nhận: chỉ nhận JPEG, PNG hoặc WebP.",           \
      "Photos of type %s are not accepted: only JPEG, PNG or WebP.")                               \
    X(M_IMAGE_TYPE_LIES, "Ảnh khai là %s nhưng nội dung là một loại ảnh khác.",                    \
      "The photo claims to be %s but its content is another type.")                                \
    X(M_IMAGE_TOO_BIG, "Ảnh quá lớn: tối đa %s MB mỗi ảnh.",                                       \
      "The photo is too large: at most %s MB a photo.")                                            \
    X(M_IMAGE_TOO_WIDE, "Ảnh rộng hoặc cao quá giới hạn %s điểm ảnh.",                             \
      "The photo is wider or taller than the limit of %s pixels.")                                 \
    X(M_IMAGE_TOO_MANY_PIXELS, "Ảnh có nhiều điểm ảnh hơn giới hạn %s megapixel.",                 \
      "The photo has more pixels than the limit of %s megapixels.")                                \
    X(M_IMAGE_CORRUPT, "Ảnh bị hỏng: không đọc được phần đầu của tệp.",                            \
      "The photo is damaged: its header cannot be read.")                                          \
    X(M_IMAGE_UNDECODABLE, "Ảnh bị hỏng hoặc bị cắt cụt: không giải mã được.",                     \
      "The photo is damaged or cut short: it cannot be decoded.")                                  \
    X(M_IMAGE_RECT, "Vùng che mờ số %s rỗng hoặc nằm ngoài ảnh.",                                  \
      "Blur rectangle number %s is empty or outside the photo.")
/* clang-format on */
IMAGES_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg images_messages[];

typedef enum images_type {
    IMAGES_NONE = 0,
    IMAGES_JPEG,
    IMAGES_PNG,
    IMAGES_WEBP,
} images_type;

/*
 * The defaults of images_limits (a member left 0 takes its default). A
 * 10 MiB photo is a phone's largest JPEG; 40 megapixels is more than any
 * phone camera's JPEG and bounds what publish decodes (at most 160 MB of
 * RGBA pixels); 10,000 px a side refuses strips that pass the pixel count.
 */
#define IMAGES_MAX_BYTES (10u << 20)
#define IMAGES_MAX_SIDE 10000
#define IMAGES_MAX_PIXELS 40000000LL

typedef struct images_limits {
    size_t max_bytes;   /* the file's size */
    int max_width;      /* as stored, before orientation */
    int max_height;     /* as stored, before orientation */
    int64_t max_pixels; /* width × height: the decompression-bomb bound */
} images_limits;

typedef struct images_info {
    images_type type;
    const char *media_type;            /* "image/jpeg", "image/png", "image/webp" (static) */
    int width, height;                 /* as stored in the file */
    int orientation;                   /* EXIF orientation 1-8; 1 when none */
    int upright_width, upright_height; /* after orientation: the blur rectangles' space */
    bool has_gps;                      /* an EXIF position other than 0,0 */
    double lat, lon;                   /* degrees, WGS 84; negative south / west */
    char taken_at[32];                 /* EXIF DateTimeOriginal "2026-05-01T08:30:00",
                                          with "+07:00" when the file says; "" when none */
} images_info;

/* Start libvips once for the process (further calls return the first
 * outcome). TS_EINTERNAL when libvips cannot start. */
ts_code images_init(ts_err *err);

/* "image/jpeg" for IMAGES_JPEG, …; NULL for IMAGES_NONE. */
const char *images_media_type(images_type t);

/*
 * Check data before it is kept, without decoding it. lim NULL: the
 * defaults. claimed_type (a Content-Type) and filename (its extension) may
 * be NULL; application/octet-stream claims nothing. Errors:
 *   M_IMAGE_EMPTY            422  zero bytes
 *   M_IMAGE_TOO_BIG          413  over max_bytes
 *   M_IMAGE_NOT_IMAGE        422  not a picture at all (a text, a PDF, …)
 *   M_IMAGE_UNSUPPORTED      422  a picture of another type (GIF, HEIC, TIFF, SVG, …)
 *   M_IMAGE_TYPE_LIES        415  the Content-Type or the extension names another type
 *   M_IMAGE_CORRUPT          422  the header is cut short or damaged
 *   M_IMAGE_TOO_WIDE         422  a side over max_width / max_height
 *   M_IMAGE_TOO_MANY_PIXELS  422  over max_pixels (a decompression bomb)
 * A damaged EXIF block is not an error: the photo simply has no position.
 */
ts_code images_inspect(const void *data, size_t len, const images_limits *lim,
                       const char *claimed_type, const char *filename, images_info *out,
                       ts_err *err);

/* A rectangle to blur, in pixels of the upright photo at its full size
 * (images_info.upright_width × upright_height). */
typedef struct images_rect {
    int left, top, width, height;
} images_rect;

typedef struct images_publish_opts {
    const images_limits *limits; /* NULL: the defaults (checked again, as inspect does) */
    int max_edge;                /* the published photo's longest side; 0: 2048 */
    int thumb_edge;              /* the thumbnail's longest side; 0: 320 */
    images_type format;          /* the published photo's type; IMAGES_NONE: the original's */
    images_type thumb_format;    /* IMAGES_JPEG (default) or IMAGES_WEBP */
    const images_rect *rects;    /* blurred in the photo and its thumbnail */
    int nrects;                  /* at most IMAGES_MAX_RECTS */
} images_publish_opts;

#define IMAGES_MAX_RECTS 32

/* A published picture: bytes allocated for the caller, freed with
 * images_out_release. */
typedef struct images_out {
    void *data;
    size_t len;
    images_type type;
    int width, height;
} images_out;

void images_out_release(images_out *o);

/*
 * Decode data (checked as images_inspect checks it, without the claim),
 * turn it upright, blur opts->rects, shrink it to max_edge (never enlarge)
 * and encode it with no metadata at all into *photo, and a thumb_edge
 * thumbnail into *thumb (NULL: none). Colours are converted to sRGB by the
 * embedded ICC profile before the profile is dropped. Errors: those of
 * images_inspect, M_IMAGE_UNDECODABLE (422: truncated or damaged pixels),
 * M_IMAGE_RECT (422, naming the rectangle from 1), M_INTERNAL (500). On
 * failure *photo and *thumb are empty.
 */
ts_code images_publish(const void *data, size_t len, const images_publish_opts *opts,
                       images_out *photo, images_out *thumb, ts_err *err);

#endif
