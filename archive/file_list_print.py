"""The printed danh mục hồ sơ (Decree 30, Phụ lục V), PDF and XLSX.

The official layout: the agency at the top left, the title "DANH MỤC HỒ SƠ
NĂM …", one table with five numbered columns (Số và ký hiệu hồ sơ · Tên đề
mục và tiêu đề hồ sơ · Thời hạn bảo quản · Người lập hồ sơ · Ghi chú) where
heading rows carry their numerals (I, II… / 1, 2…), the closing count line
(… hồ sơ bảo quản vĩnh viễn; … hồ sơ bảo quản có thời hạn) and the approval
block. A4 portrait with Decree 30 margins (left 30 mm for binding).

Plain Python like ``archive.register_print`` (whose serif fonts with
Vietnamese glyphs it uses): callers pass a header and rows.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from archive.file_list_numbering import footer_text
from archive.register_print import ensure_fonts

__all__ = ["ListHeader", "ListRow", "COLUMN_HEADERS", "title_of", "approval_lines",
           "file_list_pdf", "file_list_xlsx"]

COLUMN_HEADERS = ("Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản",
                  "Người lập hồ sơ", "Ghi chú")
DRAFT_MARK = "DỰ THẢO — CHƯA ĐƯỢC PHÊ DUYỆT"
_COL_MM = (22, 73, 20, 32, 18)                                       # 165 mm
_MARGIN_MM = {"left": 30, "right": 15, "top": 20, "bottom": 20}


@dataclass
class ListHeader:
    organization_name: str
    parent_name: str | None
    year: int
    approved: bool
    approved_on: date | None = None
    approver_name: str = ""
    approver_title: str = ""
    place_name: str | None = None


@dataclass
class ListRow:
    kind: str             # "heading" | "entry"
    number: str           # "I" / "1" for headings, the file code for entries
    title: str
    level: int = 0        # 0: top-level heading
    retention: str = ""
    creator: str = ""
    notes: str = ""


def title_of(header: ListHeader) -> str:
    return f"DANH MỤC HỒ SƠ NĂM {header.year}"


def heading_text(row: ListRow) -> str:
    """"I. Tổ chức cán bộ" as the heading row reads."""
    return f"{row.number}. {row.title}"


def approval_lines(header: ListHeader) -> list[str]:
    """The signature block under the table: who approved and when, or the draft mark."""
    if not header.approved:
        return [DRAFT_MARK]
    day = header.approved_on
    place = f"{header.place_name}, " if header.place_name else ""
    dated = f"{place}ngày {day.day:02d} tháng {day.month:02d} năm {day.year}" if day else ""
    return [line for line in (dated, "NGƯỜI PHÊ DUYỆT", header.approver_title.upper(),
                              "(Đã phê duyệt trên Hệ thống eOffice)", header.approver_name)
            if line]


# ----------------------------------------------------------------------------- PDF

def _styles(regular: str, bold: str, italic: str) -> dict:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    base = ParagraphStyle("fl", fontName=regular, fontSize=11, leading=13.5)
    return {"cell": base,
            "cell_c": ParagraphStyle("fl_c", base, alignment=TA_CENTER),
            "head": ParagraphStyle("fl_h", base, fontName=bold, alignment=TA_CENTER),
            "num": ParagraphStyle("fl_n", base, fontName=italic, alignment=TA_CENTER),
            "heading": ParagraphStyle("fl_hd", base, fontName=bold),
            "sub": ParagraphStyle("fl_sub", base, fontName=bold, leftIndent=8),
            "org": ParagraphStyle("fl_org", base, fontSize=12, leading=15, alignment=TA_CENTER),
            "title": ParagraphStyle("fl_t", base, fontName=bold, fontSize=14, leading=18,
                                    alignment=TA_CENTER, spaceBefore=14, spaceAfter=10),
            "footer": ParagraphStyle("fl_f", base, fontName=italic, spaceBefore=8),
            "sign": ParagraphStyle("fl_s", base, alignment=TA_CENTER),
            "sign_b": ParagraphStyle("fl_sb", base, fontName=bold, alignment=TA_CENTER)}


def _m(text: str) -> str:
    return escape(text or "").replace("\n", "<br/>")


def _agency_block(header: ListHeader, st: dict):
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, Table
    cell = []
    if header.parent_name:
        cell.append(Paragraph(_m(header.parent_name.upper()), st["org"]))
    cell.append(Paragraph(f"<b>{_m(header.organization_name.upper())}</b>", st["org"]))
    cell.append(HRFlowable(width="35%", thickness=0.6, color="black", spaceBefore=3))
    return Table([[cell]], colWidths=[95 * mm], hAlign="LEFT",
                 style=[("LEFTPADDING", (0, 0), (-1, -1), 0)])


def _table(rows: list[ListRow], st: dict):
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph
    data = [[Paragraph(_m(h), st["head"]) for h in COLUMN_HEADERS],
            [Paragraph(f"({i})", st["num"]) for i in range(1, len(COLUMN_HEADERS) + 1)]]
    spans = []
    for r in rows:
        if r.kind == "heading":
            spans.append(len(data))
            style = st["heading"] if r.level == 0 else st["sub"]
            data.append([Paragraph(_m(heading_text(r)), style), "", "", "", ""])
        else:
            data.append([Paragraph(_m(r.number), st["cell_c"]), Paragraph(_m(r.title), st["cell"]),
                         Paragraph(_m(r.retention), st["cell_c"]),
                         Paragraph(_m(r.creator), st["cell"]), Paragraph(_m(r.notes), st["cell"])])
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("VALIGN", (0, 0), (-1, 0), "MIDDLE")]
    style += [("SPAN", (0, i), (-1, i)) for i in spans]
    return LongTable(data, colWidths=[w * mm for w in _COL_MM], repeatRows=2, style=style)


def _sign_block(header: ListHeader, st: dict):
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table
    lines = approval_lines(header)
    cell = [Paragraph(_m(line), st["sign_b"] if line.isupper() else st["sign"])
            for line in lines]
    return [Spacer(1, 6 * mm), Table([["", cell]], colWidths=[75 * mm, 90 * mm])]


def _closing(header: ListHeader, permanent: int, fixed: int, st: dict):
    """The count line and the approval block, kept on one page."""
    from reportlab.platypus import KeepTogether, Paragraph
    return KeepTogether([Paragraph(_m(footer_text(permanent, fixed)), st["footer"]),
                         *_sign_block(header, st)])


def file_list_pdf(header: ListHeader, rows: list[ListRow], permanent: int, fixed: int) -> bytes:
    """The danh mục as PDF bytes (A4 portrait)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    regular, bold, italic = ensure_fonts()
    st = _styles(regular, bold, italic)
    m = {k: v * mm for k, v in _MARGIN_MM.items()}

    def page_number(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 10)
        canvas.drawCentredString(A4[0] / 2, m["bottom"] / 2, f"Trang {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=m["left"], rightMargin=m["right"],
                            topMargin=m["top"], bottomMargin=m["bottom"],
                            title=title_of(header), author="eOffice")
    story = [_agency_block(header, st), Paragraph(_m(title_of(header)), st["title"]),
             _table(rows, st), _closing(header, permanent, fixed, st)]
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()


# ---------------------------------------------------------------------------- XLSX

_XLSX_WIDTHS = (16, 60, 14, 26, 16)
_XLSX_FONT = "Times New Roman"


def file_list_xlsx(header: ListHeader, rows: list[ListRow], permanent: int, fixed: int) -> bytes:
    """The danh mục as an XLSX workbook (sheet "Danh muc ho so"), A4 portrait print setup."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.worksheet import Worksheet
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh muc ho so"
    side = Side(style="thin")
    box = Border(left=side, right=side, top=side, bottom=side)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")

    def line(text: str | None, bold=False, italic=False, size=12, align="left") -> None:
        ws.append([text])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
        cell = ws.cell(r, 1)
        cell.font = Font(name=_XLSX_FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=align, wrap_text=True)

    if header.parent_name:
        line(header.parent_name.upper())
    line(header.organization_name.upper(), bold=True)
    line(None)
    line(title_of(header), bold=True, size=14, align="center")
    line(None)
    head_row = ws.max_row + 1
    ws.append(list(COLUMN_HEADERS))
    ws.append([f"({i})" for i in range(1, 6)])
    for r in (head_row, head_row + 1):
        for cell in ws[r]:
            cell.font = Font(name=_XLSX_FONT, size=11, bold=r == head_row, italic=r != head_row)
            cell.alignment, cell.border = centre, box
    for row in rows:
        if row.kind == "heading":
            ws.append([heading_text(row)])
            r = ws.max_row
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
            for cell in ws[r]:
                cell.border = box
            ws.cell(r, 1).font = Font(name=_XLSX_FONT, size=11, bold=True,
                                      italic=row.level > 0)
            continue
        ws.append([row.number, row.title, row.retention, row.creator, row.notes or None])
        for i, cell in enumerate(ws[ws.max_row]):
            cell.font = Font(name=_XLSX_FONT, size=11)
            cell.alignment, cell.border = (centre if i in (0, 2) else wrap), box
    line(None)
    line(footer_text(permanent, fixed), italic=True, size=11)
    for text in approval_lines(header):
        line(text, bold=text.isupper(), size=11, align="right")
    for i, width in enumerate(_XLSX_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.print_title_rows = f"{head_row}:{head_row + 1}"
    ws.freeze_panes = f"A{head_row + 2}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left, ws.page_margins.right = 1.18, 0.59       # 30 mm / 15 mm
    ws.page_margins.top = ws.page_margins.bottom = 0.79             # 20 mm
    ws.oddFooter.center.text = "Trang &P"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
