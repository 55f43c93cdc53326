"""A one-page Vietnamese "Quyết định" made with reportlab, and its field layout.

Laid out like a Decree 30 document: agency and national motto on top, the
number and the place/date line under them (with printed placeholders that
the filled fields must cover), the body, and the signature block at the
bottom right (TM. / CHỦ TỊCH / space for the signature / name).
"""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from signing.model import Box, FieldLayout

FONT_DIR = "/usr/share/fonts/truetype/liberation2"
PAGE_W, PAGE_H = A4
SIGN_CENTRE_X = 145 * mm          # centre of the signature block (right column)
AGENCY = "Ủy ban nhân dân tỉnh Bắc Ninh"
LEADER = "Nguyễn Văn An"


def _fonts() -> None:
    for name, file in (("TNR", "LiberationSerif-Regular.ttf"), ("TNR-B", "LiberationSerif-Bold.ttf"),
                       ("TNR-I", "LiberationSerif-Italic.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{file}"))


def layout() -> FieldLayout:
    """Field boxes matching :func:`vietnamese_pdf` (points, page 0 / last page)."""
    top = PAGE_H - 20 * mm
    leader = Box(-1, SIGN_CENTRE_X - 26 * mm, 72 * mm, SIGN_CENTRE_X + 26 * mm, 92 * mm)
    from signing.appearance import seal_box, demo_seal_png
    return FieldLayout(
        number=Box(0, 36 * mm, top - 17.7 * mm, 82 * mm, top - 11.7 * mm),
        date=Box(0, 100 * mm, top - 17.7 * mm, 190 * mm, top - 11.7 * mm),
        leader=leader,
        seal=seal_box(leader, demo_seal_png(AGENCY)),
    )


def vietnamese_pdf() -> bytes:
    """The unsigned draft the leader approves."""
    _fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle("Quyết định về việc ban hành Quy chế công tác văn thư")
    top = PAGE_H - 20 * mm
    left_centre = 50 * mm
    c.setFont("TNR", 13)
    c.drawCentredString(left_centre, top, "ỦY BAN NHÂN DÂN")
    c.setFont("TNR-B", 13)
    c.drawCentredString(left_centre, top - 6 * mm, "TỈNH BẮC NINH")
    c.drawCentredString(SIGN_CENTRE_X, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(SIGN_CENTRE_X, top - 6 * mm, "Độc lập - Tự do - Hạnh phúc")
    c.line(SIGN_CENTRE_X - 28 * mm, top - 7.5 * mm, SIGN_CENTRE_X + 28 * mm, top - 7.5 * mm)
    c.setFont("TNR", 13)
    c.drawString(25 * mm, top - 17 * mm, "Số:")
    c.drawString(36 * mm, top - 17 * mm, "......./QĐ-UBND")
    c.setFont("TNR-I", 13)
    c.drawCentredString(SIGN_CENTRE_X, top - 17 * mm, "Bắc Ninh, ngày ..... tháng ..... năm .....")
    c.setFont("TNR-B", 14)
    c.drawCentredString(PAGE_W / 2, top - 35 * mm, "QUYẾT ĐỊNH")
    c.drawCentredString(PAGE_W / 2, top - 41 * mm, "Về việc ban hành Quy chế công tác văn thư")
    c.setFont("TNR", 14)
    body = [
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ",
        "về công tác văn thư;",
        "Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế công tác văn thư.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 3. Chánh Văn phòng, Thủ trưởng các sở, ngành chịu trách nhiệm thi hành.",
    ]
    y = top - 55 * mm
    for line in body:
        c.drawString(25 * mm, y, line)
        y -= 8 * mm
    c.setFont("TNR-B", 13)
    c.drawCentredString(SIGN_CENTRE_X, 110 * mm, "TM. ỦY BAN NHÂN DÂN")
    c.drawCentredString(SIGN_CENTRE_X, 104 * mm, "CHỦ TỊCH")
    c.drawCentredString(SIGN_CENTRE_X, 62 * mm, LEADER)
    c.setFont("TNR-B", 12)
    c.drawString(25 * mm, 110 * mm, "Nơi nhận:")
    c.setFont("TNR", 11)
    c.drawString(25 * mm, 104 * mm, "- Như Điều 3;")
    c.drawString(25 * mm, 99 * mm, "- Lưu: VT.")
    c.showPage()
    c.save()
    return out.getvalue()
