"""Helpers for the layout tests: a hand-written DOCX, text positions, debug renders.

No python-docx: the DOCX is a minimal WordprocessingML package written with
zipfile, laid out like a Word draft of a Quyết định (two-column header table,
body, two-column signature table), Times New Roman as Word would use.
"""
from __future__ import annotations

import io
import math
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "layout"

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _run(text: str, size: int = 14, bold=False, italic=False) -> str:
    props = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
    props += ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    props += f'<w:sz w:val="{size * 2}"/><w:szCs w:val="{size * 2}"/>'
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _p(text: str = "", size: int = 14, bold=False, italic=False, align="left",
       indent=False, after=0) -> str:
    ppr = f'<w:jc w:val="{align}"/><w:spacing w:before="0" w:after="{after * 20}" w:line="240" w:lineRule="auto"/>'
    if indent:
        ppr += '<w:ind w:firstLine="567"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(text, size, bold, italic) if text else ''}</w:p>"


def _table(widths_twips: list[int], cells: list[str]) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    tcs = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{c}</w:tc>'
                  for w, c in zip(widths_twips, cells))
    return (f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/>'
            f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
            f"<w:tr>{tcs}</w:tr></w:tbl>")


def build_docx(body_paragraphs: int = 4, signer="Nguyễn Văn An") -> bytes:
    """A Word-like draft with the placeholders the clerk fills: "Số:      /QĐ-UBND", date."""
    left = (_p("UBND THÀNH PHỐ HÀ NỘI", 13, align="center")
            + _p("SỞ NỘI VỤ", 13, bold=True, align="center")
            + _p("") + _p("Số:      /QĐ-UBND", 13, align="center"))
    right = (_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True, align="center")
             + _p("Độc lập - Tự do - Hạnh phúc", 13, bold=True, align="center")
             + _p("") + _p("Hà Nội, ngày    tháng    năm 2026", 13, italic=True, align="center"))
    parts = [_table([3855, 5499], [left, right]), _p(""),
             _p("QUYẾT ĐỊNH", 14, bold=True, align="center"),
             _p("Về việc ban hành Quy chế công tác văn thư", 14, bold=True, align="center", after=12)]
    sentence = ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công "
                "tác văn thư; theo đề nghị của Chánh Văn phòng, ban hành kèm theo Quyết định này "
                "Quy chế công tác văn thư của cơ quan.")
    parts += [_p(f"Điều {i + 1}. {sentence}", 14, align="both", indent=True, after=6)
              for i in range(body_paragraphs)]
    nn = (_p("Nơi nhận:", 12, bold=True, italic=True) + _p("- Như Điều 3;", 11)
          + _p("- Lưu: VT, VP.", 11))
    sign = (_p("KT. GIÁM ĐỐC", 14, bold=True, align="center")
            + _p("PHÓ GIÁM ĐỐC", 14, bold=True, align="center")
            + _p("") + _p("") + _p("") + _p("")
            + _p(signer, 14, bold=True, align="center"))
    parts += [_p(""), _table([4535, 4819], [nn, sign])]
    sect = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="850" '
            'w:bottom="1134" w:left="1701" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr>')
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{_W}"><w:body>{"".join(parts)}{sect}</w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("word/document.xml", document)
    return buf.getvalue()


def text_boxes(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """(page, x1, y1, x2, y2, text) of every text chunk, from pypdf's text positions.

    The width is estimated with Liberation Serif metrics at the chunk's size
    (the tests' PDFs are set in it); height = descender to cap height.
    """
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from workflows.document_layout import F_BOLD, F_REG, _register_fonts
    _register_fonts()
    out = []
    for i, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        def visit(text, cm, tm, font, size, i=i):
            if not text.strip():
                return
            a, b, c, d, e, f = tm
            A, B, C, D, E, F = cm
            x, y = e * A + f * C + E, e * B + f * D + F
            eff = size * math.hypot(c * A + d * C, c * B + d * D)
            bold = font is not None and "Bold" in str(font.get("/BaseFont", ""))
            w = stringWidth(text.strip(), F_BOLD if bold else F_REG, eff)
            out.append((i, x, y - 0.2 * eff, x + w, y + 0.7 * eff, text.strip()))
        page.extract_text(visitor_text=visit)
    return out


def overlaps(box, rect, margin: float = 0.5) -> bool:
    """Whether a field Box and a text rectangle (page, x1, y1, x2, y2, ...) intersect."""
    page, x1, y1, x2, y2 = rect[:5]
    return (box.page == page and box.x1 < x2 - margin and x1 + margin < box.x2
            and box.y1 < y2 - margin and y1 + margin < box.y2)


def debug_copy(pdf: bytes, layout) -> bytes:
    """The PDF with the four field boxes stroked in colour, to look at."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    colours = {"number": (0, 0, 1), "date": (0, 0.6, 0), "leader": (1, 0, 1), "seal": (1, 0, 0)}
    for i, page in enumerate(writer.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(w, h))
        for name, colour in colours.items():
            box = getattr(layout, name)
            if box.page == i:
                c.setStrokeColorRGB(*colour)
                c.setLineWidth(1)
                if name == "seal":
                    c.circle((box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2, box.width / 2)
                else:
                    c.rect(box.x1, box.y1, box.width, box.height)
                c.setFont("Helvetica", 6)
                c.setFillColorRGB(*colour)
                c.drawString(box.x1 + 1, box.y2 + 1, name)
        c.showPage()
        c.save()
        page.merge_page(PdfReader(buf).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_png(pdf: bytes, name: str, page: int = 1) -> Path:
    """Page ``page`` at 70 dpi into test-artefacts/layout/<name>.png (pdftoppm)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    src = ARTEFACTS / f"{name}.pdf"
    src.write_bytes(pdf)
    stem = ARTEFACTS / name
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(src), str(stem)], check=True, timeout=60)
    return stem.with_suffix(".png")


def pdftotext(pdf: bytes) -> str:
    """Plain text as poppler extracts it: what a reader's copy-paste or search sees."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                          capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
