/*
 * files — the blob store: files kept once by the SHA-256 of their bytes,
 * with the type their content says they are (libmagic), never the type
 * their name or the client claims. A file has a purpose, which decides the
 * types it may have and who may read it: templates (a procedure's forms,
 * public) today, dossiers' attachments next. Other domains refer to a file
 * by its SHA-256 and ask this header whether it exists. See
 * docs/decisions.md §36.
 */
#ifndef TS_FILES_H
#define TS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../platform/ctx.h"

/* clang-format off */
#define FILES_MESSAGES(X)                                                                          \
    X(M_FILE_EMPTY, "Tệp không có nội dung.", "The file is empty.")                                \
    X(M_FILE_TYPE_NOT_ALLOWED, "Nội dung tệp là %s: loại này không được nhận; chỉ nhận PDF, DOC, DOCX hoặc XLSX.", \
      "The file's content is %s, which is not accepted; only PDF, DOC, DOCX or XLSX.")             \
    X(M_FILE_TYPE_LIES, "Tệp khai là %s nhưng nội dung không phải loại đó.",                        \
      "The file claims to be %s but its content is not.")                                          \
    X(M_FILE_NAME_BAD, "Tên tệp không hợp lệ: cần có tên và phần mở rộng, không chứa / \\ hay ký tự điều khiển.", \
      "The file name is not valid: it needs a name and an extension, without / \\ or control characters.") \
    X(M_FILE_NOT_FOUND, "Không tìm thấy tệp %s.", "File %s not found.")                            \
    X(M_FILE_ATTACHMENT_TYPE, "Nội dung tệp là %s: loại này không được nhận; thành phần hồ sơ chỉ nhận PDF, JPEG hoặc PNG.", \
      "The file's content is %s, which is not accepted; a dossier's papers are PDF, JPEG or PNG.")  \
    X(M_FILE_PDF_UNREADABLE, "Tệp PDF có luồng đối tượng nén không đọc được để kiểm tra an toàn: hãy lưu lại tệp (in ra PDF) rồi gửi lại.", \
      "The PDF has a compressed object stream that cannot be read to check it is safe: save it again (print to PDF) and send it again.") \
    X(M_FILE_ACTIVE_CONTENT, "Tệp PDF có nội dung thực thi (%s): không được nhận vì lý do an toàn.", \
      "The PDF has active content (%s) and is refused for safety.")                                \
    X(M_FILE_TOO_BIG, "Tệp quá lớn: tối đa %s MB mỗi tệp.", "The file is too large: at most %s MB a file.")
/* clang-format on */
FILES_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg files_messages[];

/* The purposes. */
#define FILE_TEMPLATE "template" /* a procedure's form: public, PDF/DOC/DOCX/XLSX */

#define FILE_ATTACHMENT                                                                            \
    "attachment" /* a dossier's paper or result: PDF/JPEG/PNG, read by                             \
                   whoever may read the dossier (the dossiers domain) */

/* The largest template and the largest attachment (bytes). */
#define FILE_TEMPLATE_MAX (10u << 20)
#define FILE_ATTACHMENT_MAX (10u << 20)

typedef struct file_info {
    const char *sha256; /* 64 lower-case hex digits */
    const char *purpose, *media_type, *filename, *created_at, *created_by;
    int64_t size;
} file_info;

/* True when s is 64 lower-case hex digits. */
bool files_sha256_valid(const char *s);

/* The MIME type libmagic gives data ("application/pdf"), in x's arena. */
const char *files_sniff(ts_ctx *x, const void *data, size_t len);

/*
 * Keep data as a file of purpose: its type is the one the content has; it
 * must be one the purpose allows (422 M_FILE_TYPE_NOT_ALLOWED), match
 * claimed_type unless that is NULL or application/octet-stream (415
 * M_FILE_TYPE_LIES), and filename must end in an extension of that type
 * (422 naming "filename"). Bytes already kept are not kept twice: *created
 * is false and out is the file as first kept. A template takes an
 * agency_admin (anywhere: the procedure that uses it is checked against its
 * agency). Audited as file.upload, under the uploader's agency.
 */
ts_code files_put(ts_ctx *x, const char *purpose, const void *data, size_t len,
                  const char *claimed_type, const char *filename, file_info *out, bool *created);

/*
 * The two halves of files_put, for a domain that keeps a file and the
 * change naming it in one write of its own (a dossier's attachment):
 * files_check checks data as files_put does (name, type by content, the
 * claim, a PDF's active content: /JavaScript, /JS, /Launch, /EmbeddedFile,
 * /RichMedia, /XFA, also #-escaped) and hashes it, before any transaction;
 * files_keep, inside the caller's write, keeps it unless its bytes are kept
 * for that purpose already (*fresh false; out is the file as first kept).
 * Neither checks a permission or writes an audit entry: the caller does.
 */
typedef struct file_checked {
    const char *sha256, *media_type, *filename;
    const void *data;
    size_t len;
} file_checked;
ts_code files_check(ts_ctx *x, const char *purpose, const void *data, size_t len,
                    const char *claimed_type, const char *filename, file_checked *out);
ts_code files_keep(ts_ctx *x, const char *purpose, const file_checked *k, file_info *out,
                   bool *fresh);

/* Files brought in by the operator (the demo's forms): each checked as
 * files_put checks it, all kept in one write with one audit entry,
 * file.import, naming those that were new (none: no entry). */
typedef struct file_src {
    const char *filename;
    const void *data;
    size_t len;
} file_src;
ts_code files_import(ts_ctx *x, const char *purpose, const file_src *src, int n, int *added);

/* The file sha256 of purpose: TS_ENOTFOUND (err untouched) when there is
 * none. With data non-NULL its bytes too (in x's arena). */
ts_code files_get(ts_ctx *x, const char *sha256, const char *purpose, file_info *out,
                  const void **data);

/* The name of the first active PDF feature in data (JavaScript, JS, Launch,
 * EmbeddedFile(s), RichMedia, XFA), in the file's bytes or inside its
 * compressed object streams; "ObjStm" for an object stream it cannot read;
 * NULL when none. For files_check and the fuzzer. */
const char *files_pdf_active(const void *data, size_t n);

#endif
