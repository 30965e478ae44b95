/*
 * demo — the demo province's feedback: its categories (with the agencies
 * they route to and their deadlines), the intake point and a few response
 * templates. Run by `tinhso demo`; running it again adds what is missing
 * and leaves what the province has changed (no audit entry when nothing is added).
 */
#include <string.h>

#include "feedback_int.h"

#define SXD "000.00.04.H06"
#define SYT "000.00.07.H06"
#define SGD "000.00.08.H06"
#define SNNMT "000.00.09.H06"
#define CA "000.00.12.H06"
#define TTHCC "000.20.01.H06"
#define IOC "000.21.01.H06"

#define YESNO "[{\"key\":\"co\",\"name\":\"Có\"},{\"key\":\"khong\",\"name\":\"Không\"}]"

static const struct demo_category {
    const char *code, *name, *name_en, *grp, *grp_en, *description, *keywords, *route;
    int days, priority;
    const char *location, *attributes;
} cats[] = {
    {"cay-xanh", "Cây xanh gãy đổ, nguy hiểm", "Fallen or dangerous trees", "Đô thị", "Urban",
     "Cây gãy, đổ, nghiêng có nguy cơ gây tai nạn; cành cây che khuất đèn, biển báo.",
     "cây xanh, gãy đổ, nguy hiểm", "commune", 1, 1, "required",
     "[{\"variable\":true,\"code\":\"chan-duong\",\"datatype\":\"singlevaluelist\",\"required\":"
     "true,"
     "\"datatype_description\":null,\"order\":1,\"description\":\"Cây có chắn lối đi không?\","
     "\"values\":" YESNO "}]"},
    {"ngap-ung", "Ngập úng, thoát nước", "Flooding and drainage", "Đô thị", "Urban",
     "Đường ngập, cống tắc, nắp cống hỏng hoặc mất.", "ngập, úng, cống, thoát nước", "commune", 1,
     1, "required",
     "[{\"variable\":true,\"code\":\"do-sau\",\"datatype\":\"singlevaluelist\",\"required\":false,"
     "\"datatype_description\":null,\"order\":1,\"description\":\"Mức nước ngập\",\"values\":["
     "{\"key\":\"duoi-20\",\"name\":\"Dưới 20 cm\"},{\"key\":\"20-50\",\"name\":\"Từ 20 đến 50 "
     "cm\"},{\"key\":\"tren-50\",\"name\":\"Trên 50 cm\"}]}]"},
    {"rac-thai", "Rác thải, vệ sinh môi trường", "Rubbish and street cleaning", "Môi trường",
     "Environment", "Rác thải tồn đọng, bãi rác tự phát, thu gom rác không đúng giờ.",
     "rác, vệ sinh, môi trường, thu gom", "commune", 3, 2, "required",
     "[{\"variable\":true,\"code\":\"khoi-luong\",\"datatype\":\"singlevaluelist\",\"required\":"
     "false,\"datatype_description\":null,\"order\":1,\"description\":\"Khối lượng rác ước "
     "tính\",\"values\":[{\"key\":\"it\",\"name\":\"Ít (vài túi)\"},{\"key\":\"vua\",\"name\":"
     "\"Vừa (một xe đẩy)\"},{\"key\":\"nhieu\",\"name\":\"Nhiều (cần xe tải)\"}]}]"},
    {"chieu-sang", "Đèn chiếu sáng công cộng", "Street lighting", "Đô thị", "Urban",
     "Đèn đường không sáng, sáng ban ngày, cột đèn nghiêng, hở điện.",
     "đèn đường, chiếu sáng, cột đèn", "commune", 3, 2, "required", "[]"},
    {"duong-via-he", "Đường, vỉa hè hư hỏng", "Damaged roads and pavements", "Giao thông",
     "Transport", "Ổ gà, sụt lún, vỉa hè vỡ, biển báo hư hỏng.", "ổ gà, đường hỏng, vỉa hè",
     "commune", 7, 2, "required", "[]"},
    {"trat-tu-do-thi", "Lấn chiếm lòng đường, vỉa hè", "Obstructed streets and pavements", "Đô thị",
     "Urban", "Buôn bán, để xe, vật liệu lấn chiếm lòng đường, vỉa hè.",
     "lấn chiếm, vỉa hè, trật tự đô thị", "commune", 3, 2, "required", "[]"},
    {"xay-dung", "Xây dựng trái phép, sai phép", "Unpermitted building works", "Xây dựng",
     "Building", "Công trình không phép, sai phép, gây mất an toàn cho công trình lân cận.",
     "xây dựng, trái phép, sai phép", SXD, 10, 2, "required", "[]"},
    {"o-nhiem", "Ô nhiễm tiếng ồn, khói bụi, nước thải", "Noise, dust and waste water",
     "Môi trường", "Environment", "Cơ sở sản xuất gây ồn, khói bụi, xả nước thải chưa xử lý.",
     "ô nhiễm, tiếng ồn, khói bụi, nước thải", SNNMT, 10, 2, "required", "[]"},
    {"an-toan-thuc-pham", "An toàn thực phẩm", "Food safety", "Y tế", "Health",
     "Cơ sở kinh doanh thực phẩm mất vệ sinh, thực phẩm không rõ nguồn gốc.",
     "thực phẩm, vệ sinh, nguồn gốc", SYT, 7, 2, "optional", "[]"},
    {"y-te", "Khám, chữa bệnh", "Health care", "Y tế", "Health",
     "Thái độ phục vụ, chất lượng khám chữa bệnh, bảo hiểm y tế.",
     "bệnh viện, y tế, khám chữa bệnh", SYT, 10, 3, "optional", "[]"},
    {"giao-duc", "Giáo dục, trường học", "Education and schools", "Giáo dục", "Education",
     "Thu chi trong trường học, cơ sở vật chất, an toàn học đường.",
     "trường học, giáo dục, học phí", SGD, 15, 3, "optional", "[]"},
    {"an-ninh-trat-tu", "An ninh, trật tự", "Public order", "An ninh", "Public order",
     "Tụ tập gây rối, đua xe, mất an ninh trật tự (việc khẩn cấp xin gọi 113).",
     "an ninh, trật tự, gây rối", CA, 1, 1, "optional", "[]"},
    {"thu-tuc-hanh-chinh", "Thủ tục hành chính, dịch vụ công", "Administrative procedures",
     "Hành chính", "Administration",
     "Kiến nghị về thủ tục hành chính, thái độ cán bộ, hồ sơ chậm giải quyết.",
     "thủ tục, hồ sơ, dịch vụ công, cán bộ", TTHCC, 15, 3, "optional",
     "[{\"variable\":true,\"code\":\"ma-ho-so\",\"datatype\":\"string\",\"required\":false,"
     "\"datatype_description\":\"Mã hồ sơ trên giấy hẹn, ví dụ 000.20.01.H06-261202-0007\","
     "\"order\":1,\"description\":\"Mã hồ sơ liên quan (nếu có)\"}]"},
    {"khac", "Phản ánh, kiến nghị khác", "Other reports", "Khác", "Other",
     "Những vấn đề khác thuộc thẩm quyền của chính quyền địa phương.", "khác", "commune", 15, 3,
     "optional", "[]"},
};

static const struct demo_template {
    const char *title, *body;
} templates[] = {
    {"Đã xử lý xong",
     "Cảm ơn ông/bà đã phản ánh. Sau khi tiếp nhận, đơn vị đã cử cán bộ kiểm tra hiện trường và "
     "xử lý dứt điểm nội dung phản ánh. Đề nghị ông/bà tiếp tục phối hợp, thông tin cho chính "
     "quyền khi phát hiện vi phạm."},
    {"Đã chuyển đơn vị chuyên môn",
     "Cảm ơn ông/bà đã phản ánh. Nội dung thuộc trách nhiệm của đơn vị chuyên môn; đơn vị đã "
     "phối hợp kiểm tra và giao đơn vị liên quan khắc phục theo quy định."},
    {"Không có vi phạm",
     "Cảm ơn ông/bà đã phản ánh. Qua kiểm tra thực tế, đơn vị không phát hiện vi phạm như nội "
     "dung phản ánh. Đơn vị sẽ tiếp tục theo dõi và xử lý nếu có phát sinh."},
};

static ts_code demo_tx(ts_ctx *x, void *arg)
{
    (void)arg;
    int64_t added = 0;
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        const struct demo_category *c = &cats[i];
        int64_t ch = 0;
        const db_val v[] = {DBV_T(c->code),        DBV_T(c->name),     DBV_T(c->name_en),
                            DBV_T(c->grp),         DBV_T(c->grp_en),   DBV_T(c->description),
                            DBV_T(c->keywords),    DBV_T(c->route),    DBV_I(c->days),
                            DBV_I(c->priority),    DBV_T(c->location), DBV_T(c->attributes),
                            DBV_I((int64_t)i * 10)};
        /* a category the province has edited is left as it is */
        TS_TRY(db_run_vals(x->db,
                           "INSERT INTO feedback_categories (code, name, name_en, grp, grp_en, "
                           "description, keywords, route, deadline_days, priority, location, "
                           "attributes, active, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "1, ?) ON CONFLICT (code) DO NOTHING",
                           v, (int)(sizeof v / sizeof v[0]), &ch, x->err));
        added += ch;
    }
    int64_t ch = 0;
    TS_TRY(db_run_vals(x->db,
                       "INSERT INTO feedback_settings (name, value, updated_at, updated_by) VALUES "
                       "('intake_agency', ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                       (const db_val[]){DBV_T(IOC), DBV_T(ts_now(x)), DBV_T(x->actor)}, 3, &ch,
                       x->err));
    added += ch;
    int64_t n = 0;
    TS_TRY(db_int_vals(x->db, "SELECT COUNT(*) FROM feedback_templates", NULL, 0, 0, &n, x->err));
    for (size_t i = 0; !n && i < sizeof templates / sizeof templates[0]; i++, added++)
        TS_TRY(db_run(x->db, x->err,
                      "INSERT INTO feedback_templates (agency, category, title, body, created_at, "
                      "created_by) VALUES (NULL, NULL, ?, ?, ?, ?)",
                      DBV_T(templates[i].title), DBV_T(templates[i].body), DBV_T(ts_now(x)),
                      DBV_T(x->actor)));
    if (!added) return TS_OK; /* as it was: nothing to record */
    json_t *sum = json_pack("{s:i,s:s}", "categories", (int)(sizeof cats / sizeof cats[0]),
                            "intake_agency", IOC);
    ts_code rc = ts_audit(x, "feedback.demo", "feedback_settings", "province", NULL, sum);
    json_decref(sum);
    return rc;
}

ts_code feedback_demo_setup(ts_ctx *x)
{
    return ts_write(x, demo_tx, NULL);
}
