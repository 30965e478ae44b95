#!/usr/bin/env python3
"""Write the demo province's form templates (data/templates/*.docx).

Each is a small Word document made from the form's official wording, written
byte-for-byte the same on every run (fixed zip dates, fixed member order), so
its SHA-256 — how procedures refer to it — never changes. Run it again after
editing a form below; commit the .docx it writes.
"""
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).resolve().parent.parent / 'data' / 'templates'

FORMS = {
    'to-khai-dang-ky-khai-sinh.docx': [
        ('c', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'),
        ('c', 'Độc lập - Tự do - Hạnh phúc'),
        ('c', ''),
        ('h', 'TỜ KHAI ĐĂNG KÝ KHAI SINH'),
        ('p', 'Kính gửi: Ủy ban nhân dân xã/phường ............................................'),
        ('p', 'Họ, chữ đệm, tên người yêu cầu: ..........................................................'),
        ('p', 'Nơi cư trú: ....................................................................................'),
        ('p', 'Giấy tờ tùy thân: ...........................................................................'),
        ('p', 'Quan hệ với người được khai sinh: .......................................................'),
        ('p', 'Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:'),
        ('p', 'Họ, chữ đệm, tên: .............................................  Giới tính: ..............'),
        ('p', 'Ngày, tháng, năm sinh: ......../......../............  (ghi bằng chữ: ..........................)'),
        ('p', 'Nơi sinh: .......................................................................................'),
        ('p', 'Dân tộc: ......................................  Quốc tịch: ..................................'),
        ('p', 'Họ, chữ đệm, tên người mẹ: ................................ Năm sinh: ....................'),
        ('p', 'Họ, chữ đệm, tên người cha: ................................ Năm sinh: ....................'),
        ('p', 'Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự thỏa '
              'thuận nhất trí của các bên liên quan theo quy định pháp luật.'),
        ('p', 'Tôi chịu hoàn toàn trách nhiệm trước pháp luật về nội dung cam đoan của mình.'),
        ('r', 'Làm tại: ..................., ngày ....... tháng ....... năm ..........'),
        ('r', 'Người yêu cầu (ký, ghi rõ họ, chữ đệm, tên)'),
    ],
    'to-khai-dang-ky-ket-hon.docx': [
        ('c', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'),
        ('c', 'Độc lập - Tự do - Hạnh phúc'),
        ('c', ''),
        ('h', 'TỜ KHAI ĐĂNG KÝ KẾT HÔN'),
        ('p', 'Kính gửi: Ủy ban nhân dân xã/phường ............................................'),
        ('p', 'Thông tin bên nữ — Họ, chữ đệm, tên: ............................ Ngày sinh: ...........'),
        ('p', 'Dân tộc: .................. Quốc tịch: .................. Nơi cư trú: ....................'),
        ('p', 'Giấy tờ tùy thân: ................................ Kết hôn lần thứ mấy: ...............'),
        ('p', 'Thông tin bên nam — Họ, chữ đệm, tên: ............................ Ngày sinh: ...........'),
        ('p', 'Dân tộc: .................. Quốc tịch: .................. Nơi cư trú: ....................'),
        ('p', 'Giấy tờ tùy thân: ................................ Kết hôn lần thứ mấy: ...............'),
        ('p', 'Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của chúng tôi là '
              'tự nguyện, không vi phạm quy định của Luật Hôn nhân và gia đình Việt Nam.'),
        ('p', 'Chúng tôi chịu trách nhiệm trước pháp luật về cam đoan của mình.'),
        ('r', 'Làm tại: ..................., ngày ....... tháng ....... năm ..........'),
        ('r', 'Bên nữ (ký, ghi rõ họ tên)                    Bên nam (ký, ghi rõ họ tên)'),
    ],
}

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                 '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def paragraph(kind, text):
    jc = {'c': 'center', 'h': 'center', 'r': 'right'}.get(kind)
    ppr = f'<w:pPr><w:jc w:val="{jc}"/></w:pPr>' if jc else ''
    rpr = '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr>' if kind == 'h' else (
        '<w:rPr><w:b/></w:rPr>' if kind == 'c' else '')
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def document(lines):
    body = ''.join(paragraph(k, t) for k, t in lines)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701"/></w:sectPr>'
            '</w:body></w:document>')


def write(path, lines):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in (('[Content_Types].xml', CONTENT_TYPES), ('_rels/.rels', RELS),
                           ('word/document.xml', document(lines))):
            info = zipfile.ZipInfo(name, date_time=(2025, 7, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode('utf-8'))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, lines in FORMS.items():
        write(OUT / name, lines)
        print(OUT / name)


if __name__ == '__main__':
    sys.exit(main())
