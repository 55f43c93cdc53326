"""Mục lục văn bản trong hồ sơ (DOMAIN §2.13, §2.15 output 5) as PDF and XLSX.

The index of the documents inside one case file, in the columns of Decree 30
Phụ lục V: STT · Số, ký hiệu · Ngày tháng · Tên loại và trích yếu · Tác giả ·
Tờ số/Trang số · Ghi chú. The same PDF is the first page of the whole-file
export, so its "Tờ số/Trang số" are the pages each document occupies in that
export (counted from the first page after the index, as sheets are numbered
in a paper file). Every output carries the print marking of
``workflows.search_export`` (who printed it and when: function 6 k).

Plain builders: callers pass an ``IndexHeader`` and ``IndexRow`` values.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from archive.identity import Actor
from archive.register_print import ensure_fonts
from workflows.search_export import marking

__all__ = ["IndexHeader", "IndexRow", "COLUMNS", "TITLE", "index_pdf", "index_xlsx"]

TITLE = "MỤC LỤC VĂN BẢN"
SUBTITLE = "(Mục lục văn bản trong hồ sơ)"
COLUMNS = ("STT", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu", "Tác giả",
           "Tờ số/Trang số", "Ghi chú")


@dataclass
class IndexHeader:
    organization_name: str
    parent_name: str | None
    file_code: str            # Số và ký hiệu hồ sơ
    year: int                 # FileCatalog
    title: str
    maintenance: str          # "Vĩnh viễn" / "10 năm"
    start_date: date | None
    end_date: date | None
    page_total: int


@dataclass
class IndexRow:
    ordinal: int              # DocOrdinal
    code: str
    doc_date: date | None
    type_and_subject: str
    author: str
    pages: str                # "1–3", "" when the document has no pages here
    notes: str


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def period(header: IndexHeader) -> str:
    """Thời gian tài liệu: "05/01/2026 – 20/11/2026"."""
    if not (header.start_date or header.end_date):
        return ""
    return f"{_dmy(header.start_date)} – {_dmy(header.end_date)}".strip(" –")


def header_lines(header: IndexHeader) -> list[str]:
    return [f"Hồ sơ số: {header.file_code} — Năm: {header.year}",
            f"Tiêu đề hồ sơ: {header.title}",
            f"Thời hạn bảo quản: {header.maintenance}"
            + (f" — Thời gian: {period(header)}" if period(header) else "")]


def footer_line(rows: list[IndexRow], header: IndexHeader) -> str:
    return (f"Mục lục này gồm {len(rows)} văn bản, {header.page_total} trang "
            "(tờ số/trang số tính từ trang đầu tiên sau mục lục).")


def as_cells(row: IndexRow) -> list:
    return [row.ordinal, row.code, _dmy(row.doc_date), row.type_and_subject, row.author,
            row.pages, row.notes]


# --- PDF ---------------------------------------------------------------------------

def index_pdf(header: IndexHeader, rows: list[IndexRow], actor: Actor,
              generated_at: datetime) -> bytes:
    """The index on A4 portrait, repeated column headers, the marking on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    regular, bold, italic = ensure_fonts()
    cell = ParagraphStyle("c", fontName=regular, fontSize=9.5, leading=12)
    head = ParagraphStyle("h", cell, fontName=bold, fontSize=9, leading=11, alignment=1)
    centre = ParagraphStyle("o", cell, alignment=1)
    title = ParagraphStyle("t", cell, fontName=bold, fontSize=14, leading=18, alignment=1)
    sub = ParagraphStyle("s", cell, fontName=italic, fontSize=10.5, leading=14, alignment=1)
    line = ParagraphStyle("l", cell, fontSize=11, leading=15)
    mark = marking(actor, generated_at)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(italic, 8)
        canvas.drawString(15 * mm, 8 * mm, mark)
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 8 * mm, f"Mục lục — trang {doc.page}")
        canvas.restoreState()

    widths = (12, 26, 22, 54, 32, 18, 16)            # mm, 180 in all
    data = [[Paragraph(escape(c), head) for c in COLUMNS]]
    for r in rows:
        cells = as_cells(r)
        data.append([Paragraph(escape(str(v)), centre if i in (0, 2, 5) else cell)
                     for i, v in enumerate(cells)])
    if not rows:
        data.append([Paragraph("", cell)] * 3 + [Paragraph("Hồ sơ chưa có văn bản.", cell)]
                    + [Paragraph("", cell)] * 3)
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    story = []
    if header.parent_name:
        story.append(Paragraph(escape(header.parent_name.upper()), sub))
    story += [Paragraph(escape(header.organization_name.upper()), head), Spacer(1, 5 * mm),
              Paragraph(TITLE, title), Paragraph(SUBTITLE, sub), Spacer(1, 3 * mm)]
    story += [Paragraph(escape(text), line) for text in header_lines(header)]
    story += [Spacer(1, 3 * mm), table, Spacer(1, 3 * mm),
              Paragraph(escape(footer_line(rows, header)), line)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"{TITLE} — {header.file_code}/{header.year}",
                            author="eOffice")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


# --- XLSX --------------------------------------------------------------------------

def index_xlsx(header: IndexHeader, rows: list[IndexRow], actor: Actor,
               generated_at: datetime) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    wb = Workbook()
    ws = wb.active
    ws.title = "Mục lục văn bản"
    ws.append([header.organization_name.upper()])
    ws.append([TITLE])
    for text in header_lines(header):
        ws.append([text])
    ws.append([marking(actor, generated_at)])
    head_row = ws.max_row + 1
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append(as_cells(r))
    ws.append([footer_line(rows, header)])
    ws["A2"].font = Font(bold=True, size=14)
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFG", (6, 20, 12, 60, 30, 14, 20)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=head_row + 1, max_row=head_row + len(rows)):
        for c in (row[3], row[4], row[6]):
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = f"A{head_row + 1}"
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.oddHeader.center.text = f"{TITLE} — {header.file_code}/{header.year}"
    ws.oddFooter.center.text = marking(actor, generated_at)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
