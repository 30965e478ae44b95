/*
 * procedures — the province's catalogue of administrative procedures (thủ
 * tục hành chính): per procedure its national code, name, field, level of
 * government, service level, implementing and receiving agencies, cases
 * with processing times per channel and fees, required components, results,
 * legal basis, validity and the internal processing steps the one-stop shop
 * runs. Each change is a new version; older versions stay readable (by
 * number or by date); every change is audited.
 *
 * A version is stored as its canonical JSON document (checked member by
 * member, written in one fixed order) beside the columns listings filter
 * and search on. See docs/decisions.md §34.
 */
#ifndef TS_PROCEDURES_H
#define TS_PROCEDURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../platform/ctx.h"

#define PROCEDURES_MESSAGES(X)                                                                                 \
    X(M_PROC_NOT_FOUND, "Không tìm thấy thủ tục hành chính %s.",                                               \
      "Administrative procedure %s not found.")                                                                \
    X(M_PROC_VERSION_NOT_FOUND, "Thủ tục không có phiên bản %s.",                                              \
      "The procedure has no version %s.")                                                                      \
    X(M_PROC_NOT_IN_FORCE, "Thủ tục chưa có hiệu lực hoặc đã hết hiệu lực vào ngày %s.",                       \
      "The procedure is not in force on %s.")                                                                  \
    X(M_PROC_CODE,                                                                                             \
      "Mã thủ tục có dạng 1.001193 (một chữ số, dấu chấm, sáu chữ số, có thể thêm " \
      "hậu tố như .H06).",                                                                                     \
      "A procedure code looks like 1.001193 (a digit, a dot, six digits, maybe a suffix such as "              \
      ".H06).")                                                                                                \
    X(M_PROC_EXISTS, "Đã có thủ tục mã %s; hãy sửa thủ tục đó để tạo phiên bản mới.",                          \
      "Procedure %s exists; edit it to make a new version.")                                                   \
    X(M_PROC_STALE, "Thủ tục đã có phiên bản mới hơn (phiên bản %s); hãy mở lại bản hiện hành.",               \
      "The procedure has a newer version (%s); open the current one again.")                                   \
    X(M_PROC_VERSION_CLASH, "Phiên bản %s của thủ tục này đã có với nội dung khác.",                           \
      "Version %s of this procedure exists with other content.")                                               \
    X(M_PROC_VERSION_NEXT, "Phiên bản nhập phải là phiên bản tiếp theo (%s).",                                 \
      "An imported version must be the next one (%s).")                                                        \
    X(M_PROC_NO_CASE, "Thủ tục phải có ít nhất một trường hợp.",                                               \
      "A procedure needs at least one case.")                                                                  \
    X(M_PROC_NO_TIME, "Mỗi trường hợp phải có thời hạn giải quyết.",                                           \
      "Every case needs a processing time.")                                                                   \
    X(M_PROC_FEE_ONE, "Mỗi khoản phí, lệ phí có đúng một trong amount_vnd hoặc rule.",                         \
      "Each fee has exactly one of amount_vnd or rule.")                                                       \
    X(M_PROC_SHARES, "Tỷ lệ thời gian các bước phải cộng lại đúng 100 (hiện là %s).",                          \
      "The steps' shares of the deadline must add up to 100 (now %s).")                                        \
    X(M_PROC_DATES, "Ngày hết hiệu lực phải sau ngày có hiệu lực.",                                            \
      "The end of validity must come after its start.")                                                        \
    X(M_PROC_EFFECTIVE_ORDER, "Phiên bản mới phải có hiệu lực sau phiên bản trước (từ ngày %s).",              \
      "A new version must take effect after the previous one (from %s).")                                      \
    X(M_PROC_COMMUNE_AGENCY,                                                                                   \
      "Thủ tục cấp xã do từng Ủy ban nhân dân xã thực hiện: agency phải là null.",                             \
      "A commune-level procedure is carried out by each commune committee: agency must be null.")              \
    X(M_PROC_PROVINCE_AGENCY, "Thủ tục cấp tỉnh phải có cơ quan thực hiện.",                                   \
      "A province-level procedure needs its implementing agency.")
PROCEDURES_MESSAGES(TS_MSG_EXTERN)
extern const ts_msg procedures_messages[];

/* The enumerations of a procedure document, NULL-terminated. */
extern const char *const proc_levels[];         /* province, commune */
extern const char *const proc_service_levels[]; /* toan_trinh, mot_phan */

/* A procedure's version as listed (the document itself is in doc). */
typedef struct procedure {
    const char *code;
    int64_t version;
    const char *name, *name_en, *field, *level, *service_level;
    const char *agency; /* implementing agency code, NULL: each commune's committee */
    const char *effective_from, *effective_to; /* YYYY-MM-DD; effective_to NULL = open */
    bool current;                              /* the latest version */
    bool same_day;                             /* some case is processed within the day */
    const char *doc;                           /* the canonical JSON document */
    const char *created_at;
} procedure;

/* True when s has the shape of a national procedure code. */
bool procedures_code_valid(const char *s);

/*
 * Check a procedure document (an object shaped as docs/api.md says) and
 * make its canonical form: every problem named by its path
 * ("cases[0].times[1].unit"), 422; *canon is a new object in the fixed
 * member order (a "version" member, which imports may carry, is not part
 * of it). Agencies named must exist. *same_day: some case's time is
 * same-day.
 */
ts_code procedures_check(ts_ctx *x, const json_t *doc, json_t **canon, bool *same_day);

typedef struct procedures_query {
    const char *q, *field, *agency, *service_level, *level;
    int64_t limit, offset;
    bool docs; /* with each version's document (an export) */
} procedures_query;

/* The current versions, ordered by field then code. */
ts_code procedures_list(ts_ctx *x, const procedures_query *q, procedure **items, int *n,
                        int64_t *total);

/* One version: the current one (version 0, at NULL), version n, or the
 * one in force on day at (YYYY-MM-DD). 404 naming what is missing. */
ts_code procedures_get(ts_ctx *x, const char *code, int64_t version, const char *at,
                       procedure *out);
/* Every version of a procedure, oldest first (without documents). */
ts_code procedures_versions(ts_ctx *x, const char *code, procedure **items, int *n);

/*
 * A new procedure (version 1) from doc: agency_admin on its implementing
 * agency (system_admin for commune-level ones), 409 when the code exists.
 * Audited as procedure.create.
 */
ts_code procedures_create(ts_ctx *x, const json_t *doc, procedure *out);
/*
 * A new version of code from doc, made from base_version, which must be the
 * current one (409 otherwise: an edit to a superseded version). The code in
 * doc must be code. The previous version ends where the new one begins.
 * agency_admin on the old and the new implementing agency. Audited as
 * procedure.update.
 */
ts_code procedures_update(ts_ctx *x, const char *code, int64_t base_version, const json_t *doc,
                          procedure *out);

/* The outcome of an import. */
typedef struct procedures_import_result {
    int inserted, versioned, unchanged;
} procedures_import_result;
/*
 * Import documents (system_admin), all or nothing, idempotent by code and
 * version: a document equal to the version it names (or, without
 * "version", to the current one) is unchanged; a new code is version 1; a
 * changed document is the next version. A version that exists with other
 * content is 409; a version that skips ahead 422. Errors are named
 * "procedures[i]....". Audited: one entry per version written.
 */
ts_code procedures_import(ts_ctx *x, const json_t *docs, procedures_import_result *out);

/* The demo province's catalogue (data/procedures/bac-ninh.json, embedded). */
ts_code procedures_demo(ts_ctx *x, procedures_import_result *out);

#endif
