"""Synthetic "scanned" first pages for the scanner-intake tests.

Pillow draws a Vietnamese administrative document's first page (Decree 30
layout: two header columns, số/ký hiệu, place-date line, type name and
trích yếu) at 300 dpi in grey, the way a networked scanner would deliver it:
a PNG, or an image-only PDF (img2pdf, no text layer) that needs OCR.
"""
from __future__ import annotations

import io
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation2"),
             Path("/usr/share/fonts/truetype/dejavu"))
FONTS = {  # style -> (Liberation Serif, DejaVu Serif)
    "regular": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "italic": ("LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
}
DPI = 300
A4 = (2480, 3508)  # 210 x 297 mm at 300 dpi


def _font(style: str, points: float):
    from PIL import ImageFont
    for folder, name in zip(FONT_DIRS, FONTS[style]):
        path = folder / name
        if path.is_file():
            return ImageFont.truetype(str(path), int(points * DPI / 72))
    raise RuntimeError("no Liberation or DejaVu font installed")


# The sample of the integration and functional tests: a Quyết định of a UBND.
DECISION = {
    "left": [("ỦY BAN NHÂN DÂN", "regular"), ("TỈNH DEMO", "bold")],
    "number": "Số: 125/QĐ-UBND",
    "right": [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold"),
              ("Độc lập - Tự do - Hạnh phúc", "bold")],
    "date": "Demo, ngày 05 tháng 11 năm 2026",
    "title": [("QUYẾT ĐỊNH", "bold"),
              ("Về việc phê duyệt Kế hoạch tổ chức lễ hội", "bold"),
              ("văn hóa truyền thống năm 2026", "bold")],
    "body": ["CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH DEMO",
             "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
             "Xét đề nghị của Giám đốc Sở Văn hóa, Thể thao và Du lịch.",
             "QUYẾT ĐỊNH:",
             "Điều 1. Phê duyệt Kế hoạch tổ chức lễ hội văn hóa truyền thống."],
}
DECISION_EXPECTED = {"code_number": "125", "code_notation": "QĐ-UBND",
                     "issued_date": "2026-11-05", "issuer_name": "Ủy ban nhân dân tỉnh Demo",
                     "document_type": "QD"}


def render_page(spec: dict = DECISION):
    """The page as a Pillow greyscale image (A4, 300 dpi)."""
    from PIL import Image, ImageDraw
    img = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(img)
    margin_left = 354                  # 30 mm (the right margin, 20 mm, is implied)
    left_centre = margin_left + 355    # header table: 6 cm | 10 cm columns
    right_centre = margin_left + 709 + 591

    def centred(text, style, points, cx, y):
        font = _font(style, points)
        width = draw.textlength(text, font=font)
        draw.text((cx - width / 2, y), text, font=font, fill=0)
        return y + int(points * DPI / 72 * 1.45)

    y = 236
    for text, style in spec["left"]:
        y = centred(text, style, 13, left_centre, y)
    draw.line((left_centre - 180, y + 5, left_centre + 180, y + 5), fill=0, width=4)
    y = centred(spec["number"], "regular", 13, left_centre, y + 45)
    for text in spec.get("vv", ()):  # công văn: "V/v ..." under the number
        y = centred(text, "regular", 12, left_centre, y)
    y_right = 236
    for text, style in spec["right"]:
        y_right = centred(text, style, 13, right_centre, y_right)
    draw.line((right_centre - 300, y_right + 5, right_centre + 300, y_right + 5), fill=0,
              width=4)
    centred(spec["date"], "italic", 14, right_centre, y_right + 45)
    y = max(y, y_right + 45) + 200
    for text, style in spec.get("title", ()):
        y = centred(text, style, 14, A4[0] / 2, y)
    y += 120
    body_font = _font("regular", 14)
    for line in spec["body"]:
        draw.text((margin_left + 120, y), line, font=body_font, fill=0)
        y += int(14 * DPI / 72 * 1.6)
    return img


def page_png(spec: dict = DECISION) -> bytes:
    buf = io.BytesIO()
    render_page(spec).save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def page_pdf(spec: dict = DECISION) -> bytes:
    """An image-only PDF of the page (what a scanner's "scan to PDF" sends)."""
    import img2pdf
    return img2pdf.convert(page_png(spec))


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
