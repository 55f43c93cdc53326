"""A search result list as XLSX and PDF (DOMAIN §2.15 function 6 h, k).

Every export carries its print marking: who exported it, when, from which
system and with which search, in the sheet header/footer and on every PDF
page, so a printed list can always be traced back (function 6 k).
"""
from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from archive.catalogues import STATUS_LABELS, URGENCY_LABELS
from archive.identity import Actor
from archive.register_print import ensure_fonts

COLUMNS = ("STT", "Số, ký hiệu", "Ngày văn bản", "Cơ quan ban hành", "Loại",
           "Trích yếu", "Đến / đi", "Số đến", "Ngày đến", "Độ khẩn", "Trạng thái")
_DIRECTIONS = {"incoming": "Đến", "outgoing": "Đi"}
TITLE = "KẾT QUẢ TRA CỨU VĂN BẢN"


def _dmy(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _number(doc) -> str:
    return "/".join(p for p in (doc.code_number, doc.code_notation) if p)


def rows(hits) -> list[list]:
    out = []
    for i, hit in enumerate(hits, 1):
        d = hit.document
        out.append([i, _number(d), _dmy(d.issued_date), d.issuer_name or "",
                    d.doc_type.name if d.doc_type else (d.document_type or ""), d.subject,
                    _DIRECTIONS.get(d.direction, d.direction),
                    d.arrival_number if d.direction == "incoming" else "",
                    _dmy(d.arrival_date), URGENCY_LABELS.get(d.urgency, d.urgency),
                    STATUS_LABELS.get(d.status, d.status)])
    return out


def describe(params) -> str:
    """The search in words, for the heading of an export."""
    parts = [f"Từ khóa: “{params.q}”" + (" (đúng dấu)" if params.exact else "")] \
        if params.q else ["Không có từ khóa"]
    parts += [f"{k} = {v}" for k, v in params.to_args().items() if k not in ("q", "exact")]
    return "; ".join(parts)


def marking(actor: Actor, generated_at: datetime) -> str:
    return (f"In từ Hệ thống eOffice bởi {actor.full_name or actor.username} "
            f"lúc {generated_at.strftime('%H:%M %d/%m/%Y')}")


def summary_line(total: int, total_exact: bool, listed: int) -> str:
    """The count line of an export; beyond the counted limit the total is "hơn"."""
    shown = f"{total:,}".replace(",", ".")
    return (f"Tổng số: {'' if total_exact else 'hơn '}{shown} văn bản; "
            f"danh sách gồm {listed:,} văn bản.".replace(",", "."))


def results_xlsx(hits, total: int, params, actor: Actor, generated_at: datetime,
                 total_exact: bool = True) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    wb = Workbook()
    ws = wb.active
    ws.title = "Kết quả tra cứu"
    ws.append([TITLE])
    ws.append([describe(params)])
    ws.append([summary_line(total, total_exact, len(hits))])
    ws.append([marking(actor, generated_at)])
    ws.append(list(COLUMNS))
    for row in rows(hits):
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[5]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHIJK", (6, 18, 12, 28, 14, 60, 8, 8, 12, 12, 16)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=6):
        row[5].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A6"
    ws.print_title_rows = "5:5"
    ws.oddFooter.center.text = marking(actor, generated_at)
    ws.oddHeader.center.text = TITLE
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def results_pdf(hits, total: int, params, actor: Actor, generated_at: datetime,
                total_exact: bool = True) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    regular, bold, italic = ensure_fonts()
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11)
    head = ParagraphStyle("h", cell, fontName=bold)
    title = ParagraphStyle("t", cell, fontName=bold, fontSize=14, leading=18, alignment=1)
    sub = ParagraphStyle("s", cell, fontName=italic, fontSize=10, leading=13, alignment=1)
    mark = marking(actor, generated_at)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(italic, 8)
        canvas.drawString(15 * mm, 8 * mm, mark)
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 8 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    keep = (0, 1, 2, 3, 4, 5, 6, 8)      # the columns that fit on A4 landscape
    widths = [10, 32, 20, 45, 22, 95, 12, 20]
    data = [[Paragraph(escape(COLUMNS[i]), head) for i in keep]]
    data += [[Paragraph(escape(str(r[i])), cell) for i in keep] for r in rows(hits)]
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=15 * mm,
                            rightMargin=15 * mm, topMargin=12 * mm, bottomMargin=15 * mm,
                            title=TITLE, author="eOffice")
    story = [Paragraph(TITLE, title), Paragraph(escape(describe(params)), sub),
             Paragraph(escape(summary_line(total, total_exact, len(hits))), sub), Spacer(1, 4 * mm), table]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
