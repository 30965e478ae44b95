/*
 * forms — the papers the one-stop shop prints for a dossier (the forms of
 * the Government Office's circular on the one-stop mechanism; numbering to
 * be checked against Circular 03/2025/TT-VPCP's annex): the receipt and
 * appointment slip, the supplement request, the refusal, the apology and
 * new appointment, the stop notice and the process control sheet. Each is
 * drawn from the dossier as it is (its history, deadlines and papers) with
 * platform/pdf.h; the slip's QR code opens the public lookup at public_url.
 */
#include <stdio.h>
#include <string.h>

#include "../../platform/pdf.h"
#include "../../platform/worktime.h"
#include "../agencies/agencies.h"
#include "dossiers_int.h"

const char *const dossier_forms[] = {"receipt", "supplement", "refusal", "apology",
                                     "stop",    "control",    "fee",     NULL};

/* "08 giờ 15 phút, ngày 03/12/2026" */
static const char *when(arena *a, int64_t t)
{
    if (!t) return "…";
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    return arena_printf(a, "%02d giờ %02d phút, ngày %02d/%02d/%04d", hh, mm, d, m, y);
}

/* "ngày 03 tháng 12 năm 2026" */
static const char *long_date(arena *a, int64_t t)
{
    int y, m, d, hh, mm;
    wt_local_split(t, &y, &m, &d, &hh, &mm);
    return arena_printf(a, "ngày %02d tháng %02d năm %04d", d, m, y);
}

/* The two-column heading of an official paper. */
static void heading(pdf_doc *p, arena *a, const dossier *d, const char *place, int64_t now)
{
    const char *who = d->receiving_name ? d->receiving_name : d->receiving;
    double h1 = pdf_text_in(p, 20, 95, who, 11, true, PDF_CENTER);
    double h2 = pdf_text_in(p, 95, 195, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11, true, PDF_CENTER);
    pdf_down(p, h1 > h2 ? h1 : h2);
    pdf_text_in(p, 95, 195, "Độc lập - Tự do - Hạnh phúc", 11.5, true, PDF_CENTER);
    pdf_down(p, 6.5);
    pdf_rule(p, 127, 163);
    pdf_rule(p, 45, 70);
    pdf_down(p, 2);
    pdf_text_in(p, 20, 95, arena_printf(a, "Số: %s", d->code), 10.5, false, PDF_CENTER);
    pdf_text_in(p, 95, 195, arena_printf(a, "%s, %s", place, long_date(a, now)), 10.5, false,
                PDF_CENTER);
    pdf_down(p, 10);
}

/* Two signature blocks: titles bold, the note in italics' place (smaller). */
static void signatures(pdf_doc *p, const char *left, const char *right)
{
    pdf_keep(p, 40);
    pdf_space(p, 4);
    if (left) pdf_text_in(p, 20, 100, left, 11, true, PDF_CENTER);
    pdf_text_in(p, 110, 195, right, 11, true, PDF_CENTER);
    pdf_down(p, 5.5);
    if (left) pdf_text_in(p, 20, 100, "(Ký và ghi rõ họ tên)", 10, false, PDF_CENTER);
    pdf_text_in(p, 110, 195, "(Ký và ghi rõ họ tên)", 10, false, PDF_CENTER);
    pdf_down(p, 28);
}

static const char *applicant_line(arena *a, const dossier *d)
{
    return arena_printf(a, "%s: %s", !strcmp(d->applicant_kind, "business") ? "Tổ chức" : "Ông/Bà",
                        d->applicant_name);
}

static const char *contacts(arena *a, const dossier *d)
{
    return arena_printf(a, "Địa chỉ: %s    Số điện thoại: %s    Thư điện tử: %s",
                        d->applicant_address ? d->applicant_address : "…",
                        d->applicant_phone ? d->applicant_phone : "…",
                        d->applicant_email ? d->applicant_email : "…");
}

/* "10 ngày làm việc" for the case and channel of the dossier. */
static const char *time_text(arena *a, const dossier_view *v)
{
    json_error_t je;
    json_t *c = v->case_json ? json_loads(v->case_json, 0, &je) : NULL;
    const json_t *times = json_object_get(c, "times");
    const char *out = "theo quy định của thủ tục";
    const char *want = dossier_channel_word(v->d.channel);
    for (size_t i = 0; i < json_array_size(times); i++) {
        const json_t *t = json_array_get(times, i);
        const char *ch = json_string_value(json_object_get(t, "channel"));
        const char *u = json_string_value(json_object_get(t, "unit"));
        if (i && ch && strcmp(ch, want)) continue;
        long long n = json_integer_value(json_object_get(t, "amount"));
        out = arena_printf(a, "%lld %s", n,
                           u && !strcmp(u, "working_hours") ? "giờ làm việc"
                           : u && !strcmp(u, "days")        ? "ngày"
                                                            : "ngày làm việc");
        if (ch && !strcmp(ch, want)) break;
    }
    json_decref(c);
    return out;
}

static void papers(pdf_doc *p, arena *a, const dossier_view *v)
{
    json_error_t je;
    json_t *comps = v->components ? json_loads(v->components, 0, &je) : NULL;
    for (size_t i = 0; i < json_array_size(comps); i++) {
        const json_t *c = json_array_get(comps, i);
        const char *form = json_string_value(json_object_get(c, "form"));
        long long n = json_integer_value(json_object_get(c, "count"));
        int files = 0;
        for (int k = 0; k < v->nfiles; k++)
            files += v->files[k].component == (int)i;
        pdf_text(p,
                 arena_printf(a, "   %zu. %s (%s, %lld bản)%s", i + 1,
                              json_string_value(json_object_get(c, "name")),
                              form && !strcmp(form, "copy") ? "bản sao" : "bản chính", n ? n : 1,
                              files ? " — đã số hóa" : ""),
                 11, false, PDF_LEFT);
    }
    json_decref(comps);
}

/* The newest event of action (NULL: none). */
static const dossier_event *last_event(const dossier_view *v, const char *action)
{
    for (int i = v->nevents - 1; i >= 0; i--)
        if (!strcmp(v->events[i].action, action)) return &v->events[i];
    return NULL;
}

static void lookup_qr(pdf_doc *p, arena *a, const dossier *d, const char *public_url)
{
    const char *url = arena_printf(a, "%s/#/tra-cuu/%s", public_url, d->code);
    pdf_keep(p, 34);
    pdf_space(p, 2);
    pdf_qr(p, url, 20, 30);
    pdf_text_in(p, 52, 195, "Tra cứu tình trạng giải quyết hồ sơ: quét mã QR hoặc truy cập", 10.5,
                false, PDF_LEFT);
    pdf_down(p, 5);
    pdf_text_in(p, 52, 195, url, 10.5, true, PDF_LEFT);
    pdf_down(p, 5);
    pdf_text_in(p, 52, 195, arena_printf(a, "Mã hồ sơ: %s", d->code), 10.5, false, PDF_LEFT);
    pdf_down(p, 22);
}

static void title(pdf_doc *p, const char *t, const char *sub)
{
    pdf_text(p, t, 14, true, PDF_CENTER);
    if (sub) pdf_text(p, sub, 11, false, PDF_CENTER);
    pdf_space(p, 4);
}

static void receipt(pdf_doc *p, arena *a, const dossier_view *v, const char *public_url)
{
    const dossier *d = &v->d;
    title(p, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p, arena_printf(a, "%s tiếp nhận hồ sơ của:", d->receiving_name), 11, false, PDF_LEFT);
    pdf_text(p, applicant_line(a, d), 11, true, PDF_LEFT);
    pdf_text(p, contacts(a, d), 11, false, PDF_LEFT);
    pdf_text(p,
             arena_printf(a, "Nội dung yêu cầu giải quyết: %s (mã thủ tục %s).", d->procedure_name,
                          d->procedure_code),
             11, false, PDF_JUSTIFY);
    pdf_space(p, 1.5);
    pdf_text(p, "1. Thành phần hồ sơ nộp gồm:", 11, false, PDF_LEFT);
    papers(p, a, v);
    pdf_text(p, "2. Số lượng hồ sơ: 01 (bộ).", 11, false, PDF_LEFT);
    pdf_text(
        p, arena_printf(a, "3. Thời gian giải quyết hồ sơ theo quy định là: %s.", time_text(a, v)),
        11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "4. Thời gian nhận hồ sơ: %s.", when(a, d->received_at)), 11, false,
             PDF_LEFT);
    pdf_text(p,
             arena_printf(a, "5. Thời gian trả kết quả giải quyết hồ sơ: %s.", when(a, d->due_at)),
             11, true, PDF_LEFT);
    pdf_text(p,
             arena_printf(a, "6. Nhận kết quả tại: %s.",
                          d->channel == DCH_ONLINE
                              ? "trực tuyến trên Cổng dịch vụ công, hoặc tại nơi nộp hồ sơ"
                          : d->channel == DCH_POST ? "qua dịch vụ bưu chính công ích"
                                                   : d->receiving_name),
             11, false, PDF_LEFT);
    pdf_text(p,
             arena_printf(a, "Kênh nộp hồ sơ: %s. Vào sổ theo dõi hồ sơ, số thứ tự %s.",
                          d->channel == DCH_ONLINE ? "trực tuyến"
                          : d->channel == DCH_POST ? "bưu chính"
                                                   : "trực tiếp",
                          strrchr(d->code, '-') + 1),
             11, false, PDF_LEFT);
    signatures(p, "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ");
    lookup_qr(p, a, d, public_url);
}

static void supplement(pdf_doc *p, arena *a, const dossier_view *v, const dossier_event *e)
{
    const dossier *d = &v->d;
    title(p, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p, arena_printf(a, "Hồ sơ của: %s", applicant_line(a, d) + 0), 11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "Nội dung yêu cầu giải quyết: %s.", d->procedure_name), 11, false,
             PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "Ngày nhận hồ sơ: %s.", when(a, d->received_at)), 11, false,
             PDF_LEFT);
    pdf_space(p, 1.5);
    pdf_text(p, "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", 11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "   %s", e->reason ? e->reason : "…"), 11, true, PDF_JUSTIFY);
    pdf_text(p,
             arena_printf(a, "Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định (yêu cầu lúc %s).",
                          when(a, e->at_min)),
             11, false, PDF_JUSTIFY);
    pdf_text(p,
             "Thời gian bổ sung không tính vào thời hạn giải quyết hồ sơ. Trong quá trình hoàn "
             "thiện hồ sơ, nếu có vướng mắc, xin liên hệ nơi tiếp nhận để được hướng dẫn.",
             11, false, PDF_JUSTIFY);
    signatures(p, NULL, "NGƯỜI HƯỚNG DẪN");
}

static void refusal(pdf_doc *p, arena *a, const dossier_view *v)
{
    const dossier *d = &v->d;
    title(p, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p,
             arena_printf(a, "%s nhận được hồ sơ của: %s", d->receiving_name, applicant_line(a, d)),
             11, false, PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "Nội dung yêu cầu giải quyết: %s.", d->procedure_name), 11, false,
             PDF_JUSTIFY);
    pdf_text(p, "Sau khi xem xét, cơ quan tiếp nhận từ chối tiếp nhận hồ sơ với lý do:", 11, false,
             PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "   %s", d->reason ? d->reason : "…"), 11, true, PDF_JUSTIFY);
    pdf_text(p, "Xin thông báo để ông/bà (tổ chức) được biết và thực hiện.", 11, false, PDF_LEFT);
    signatures(p, NULL, "NGƯỜI TIẾP NHẬN HỒ SƠ");
}

static void apology(pdf_doc *p, arena *a, const dossier_view *v, const char *public_url)
{
    const dossier *d = &v->d;
    title(p, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p,
             arena_printf(a,
                          "Vào lúc %s, %s tiếp nhận hồ sơ của %s, đề nghị giải quyết thủ tục %s.",
                          when(a, d->received_at), d->receiving_name, applicant_line(a, d),
                          d->procedure_name),
             11, false, PDF_JUSTIFY);
    pdf_text(p,
             arena_printf(a, "Thời gian hẹn trả kết quả giải quyết hồ sơ: %s.",
                          when(a, d->original_due)),
             11, false, PDF_JUSTIFY);
    pdf_text(p,
             arena_printf(a,
                          "Tuy nhiên đến nay, cơ quan giải quyết chưa trả kết quả giải quyết hồ "
                          "sơ cho ông/bà (tổ chức) với lý do: %s.",
                          d->reason ? d->reason : "…"),
             11, false, PDF_JUSTIFY);
    pdf_text(
        p,
        "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của ông/bà (tổ chức). "
        "Chúng tôi thành thật xin lỗi ông/bà (tổ chức) và sẽ trả kết quả giải quyết hồ sơ vào:",
        11, false, PDF_JUSTIFY);
    pdf_text(p, when(a, d->due_at), 12, true, PDF_CENTER);
    pdf_text(p, "Kính mong nhận được sự thông cảm của ông/bà (tổ chức).", 11, false, PDF_LEFT);
    signatures(p, NULL, "THỦ TRƯỞNG CƠ QUAN");
    lookup_qr(p, a, d, public_url);
}

static void stop_notice(pdf_doc *p, arena *a, const dossier_view *v)
{
    const dossier *d = &v->d;
    title(p, "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ", arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p,
             arena_printf(a,
                          "%s thông báo dừng xử lý hồ sơ của %s, đề nghị giải quyết thủ tục %s, "
                          "tiếp nhận lúc %s.",
                          d->implementing_name, applicant_line(a, d), d->procedure_name,
                          when(a, d->received_at)),
             11, false, PDF_JUSTIFY);
    pdf_text(p, "Lý do dừng xử lý:", 11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "   %s", d->reason ? d->reason : "…"), 11, true, PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "Thời điểm dừng xử lý: %s.", when(a, d->closed_at)), 11, false,
             PDF_LEFT);
    signatures(p, NULL, "THỦ TRƯỞNG CƠ QUAN");
}

/* The receipt of the last payment (biên lai thu phí, lệ phí). */
static void fee_receipt(pdf_doc *p, arena *a, const dossier_view *v)
{
    const dossier *d = &v->d;
    const dossier_payment *pay = &v->payments[v->npayments - 1];
    title(p, "BIÊN LAI THU PHÍ, LỆ PHÍ", arena_printf(a, "Số biên lai: %s", pay->receipt_no));
    pdf_text(p, arena_printf(a, "Họ tên người nộp: %s", d->applicant_name), 11, false, PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "Địa chỉ: %s", d->applicant_address ? d->applicant_address : "…"),
             11, false, PDF_LEFT);
    pdf_text(p,
             arena_printf(a, "Nội dung thu: phí, lệ phí giải quyết thủ tục «%s», hồ sơ %s.",
                          d->procedure_name, d->code),
             11, false, PDF_JUSTIFY);
    pdf_text(p, arena_printf(a, "Số tiền: %s đồng.", dz_money(a, pay->amount_vnd)), 11, true,
             PDF_LEFT);
    const char *way = !strcmp(pay->way, "bank_transfer") ? "chuyển khoản"
                      : pay->online                      ? "thanh toán trực tuyến"
                                                         : "tiền mặt tại quầy";
    pdf_text(p,
             pay->reference
                 ? arena_printf(a, "Hình thức nộp: %s (mã giao dịch %s).", way, pay->reference)
                 : arena_printf(a, "Hình thức nộp: %s.", way),
             11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "Thời điểm nộp: %s.", when(a, pay->paid_min)), 11, false, PDF_LEFT);
    pdf_text(p, arena_printf(a, "Người thu: %s.", pay->confirmed_name ? pay->confirmed_name : "…"),
             11, false, PDF_LEFT);
    signatures(p, "NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN");
}

static void control(pdf_doc *p, arena *a, const dossier_view *v)
{
    const dossier *d = &v->d;
    title(p, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
          arena_printf(a, "Mã hồ sơ: %s", d->code));
    pdf_text(p,
             arena_printf(a, "Cơ quan tiếp nhận: %s. Cơ quan giải quyết: %s.", d->receiving_name,
                          d->implementing_name),
             11, false, PDF_JUSTIFY);
    pdf_text(p,
             arena_printf(a, "Thủ tục: %s. Người nộp: %s.", d->procedure_name, d->applicant_name),
             11, false, PDF_JUSTIFY);
    pdf_text(p,
             arena_printf(a, "Thời gian nhận hồ sơ: %s. Thời gian trả kết quả: %s.",
                          when(a, d->received_at), when(a, d->due_at)),
             11, false, PDF_JUSTIFY);
    pdf_space(p, 3);
    static const double col[] = {20, 60, 105, 140, 170, 195};
    static const char *const head[] = {"Tên cơ quan", "Thời gian giao, nhận hồ sơ", "Hành động",
                                       "Hạn của bước", "Kết quả"};
    double h = 0;
    pdf_rule(p, 20, 195);
    pdf_down(p, 1);
    for (int c = 0; c < 5; c++) {
        double hc = pdf_text_in(p, col[c] + 1, col[c + 1] - 1, head[c], 9.5, true, PDF_CENTER);
        if (hc > h) h = hc;
    }
    pdf_down(p, h + 1);
    pdf_rule(p, 20, 195);
    for (int i = 0; i < v->nevents; i++) {
        const dossier_event *e = &v->events[i];
        pdf_keep(p, 14);
        pdf_down(p, 1);
        const char *late = e->step_due && e->at_min > e->step_due ? "Quá hạn" : "Đúng hạn";
        const char *cells[] = {e->agency_name ? e->agency_name
                                              : (e->agency ? e->agency : "Người nộp"),
                               when(a, e->at_min),
                               arena_printf(a, "%s (%s)", dossier_action_name(e->action, 0),
                                            dossier_status_name(e->to_status, 0)),
                               e->step_due ? when(a, e->step_due) : "—", late};
        h = 0;
        for (int c = 0; c < 5; c++) {
            double hc = pdf_text_in(p, col[c] + 1, col[c + 1] - 1, cells[c], 9, false, PDF_LEFT);
            if (hc > h) h = hc;
        }
        pdf_down(p, h + 1);
        pdf_rule(p, 20, 195);
    }
}

ts_code dossiers_form(ts_ctx *x, const char *code, const char *form, const char *public_url,
                      const char **pdf, size_t *len)
{
    *pdf = NULL;
    *len = 0;
    dossier_view v;
    TS_TRY(dossiers_get(x, code, &v));
    const dossier *d = &v.d;
    const dossier_event *sup = last_event(&v, "request_supplement");
    bool ok = !strcmp(form, "receipt")      ? d->received_at != 0
              : !strcmp(form, "supplement") ? sup != NULL
              : !strcmp(form, "refusal")    ? d->status == DS_REFUSED
              : !strcmp(form, "apology")    ? d->extended
              : !strcmp(form, "stop")       ? d->status == DS_STOPPED
              : !strcmp(form, "fee")        ? v.npayments > 0
                                            : true; /* control */
    if (!ok) return ts_err_set(x->err, TS_ECONFLICT, M_DOSSIER_FORM_NA, form);
    /* the place in the heading: the province, from the root agency's name */
    const char *place = "Bắc Ninh";
    agency ag;
    agency *chain;
    int nchain;
    int64_t nchildren;
    if (agencies_get(x, d->receiving, &ag, &chain, &nchain, &nchildren) == TS_OK && nchain > 0) {
        const char *t = strstr(chain[0].name, "tỉnh ");
        place = t ? t + strlen("tỉnh ") : chain[0].name;
    } else {
        ts_err_clear(x->err);
    }
    pdf_doc *p = pdf_new(arena_printf(x->a, "%s %s", form, d->code), x->err);
    if (!p) return x->err->code;
    int64_t now = dossiers_now_min(x);
    heading(p, x->a, d, place, now);
    if (!strcmp(form, "receipt"))
        receipt(p, x->a, &v, public_url);
    else if (!strcmp(form, "supplement"))
        supplement(p, x->a, &v, sup);
    else if (!strcmp(form, "refusal"))
        refusal(p, x->a, &v);
    else if (!strcmp(form, "apology"))
        apology(p, x->a, &v, public_url);
    else if (!strcmp(form, "stop"))
        stop_notice(p, x->a, &v);
    else if (!strcmp(form, "fee"))
        fee_receipt(p, x->a, &v);
    else
        control(p, x->a, &v);
    *pdf = pdf_finish(p, x->a, len, x->err);
    pdf_free(p);
    return *pdf ? TS_OK : x->err->code;
}
