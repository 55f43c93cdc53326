"""Mục lục hồ sơ and the handover record (biên bản giao nhận), PDF and XLSX.

* "Mục lục hồ sơ, tài liệu nộp lưu" (Decree 30, Phụ lục V; DOMAIN §2.13):
  STT · Số, ký hiệu hồ sơ · Tiêu đề · Thời gian tài liệu · Thời hạn bảo quản ·
  Số tờ/Số trang · Ghi chú, for any set of files: a transfer, a year, a
  department. The same table is the statutory report "Mục lục hồ sơ"
  (DOMAIN §2.15 output 6).
* The handover record of a transfer: the two parties, the date, and for
  electronic files the totals of files and of computer files (tệp tin).

The layout helpers (``TableReport``, ``table_pdf``, ``table_xlsx``) are plain
reportlab/openpyxl and also print the sổ sử dụng bản lưu (``archive_access``).
Fonts: ``archive.register_print.ensure_fonts`` (a serif with Vietnamese glyphs).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import audit, filing_rules
from archive.errors import InvalidInput, Msg
from archive.filing_models import FILE_DISPOSED, FILE_OPEN, CaseFile, CaseFileItem
from archive.identity import Actor
from archive.models import Department, Document, Organization, Staff
from workflows import archive_transfer
from workflows import current_archive as ca

__all__ = ["Printed", "TableReport", "table_pdf", "table_xlsx", "index_rows",
           "transfer_index", "file_index", "handover_record", "INDEX_HEADERS"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDEX_HEADERS = ("STT", "Số, ký hiệu hồ sơ", "Tiêu đề", "Thời gian tài liệu",
                 "Thời hạn bảo quản", "Số tờ/Số trang", "Ghi chú")
_INDEX_WIDTHS = (12, 30, 100, 37, 28, 22, 28)          # mm; 257 mm between the margins
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class Printed:
    filename: str
    media_type: str
    data: bytes


@dataclass
class TableReport:
    """A printed list in the official layout: agency block, title, numbered columns."""

    organization_name: str
    parent_name: str | None
    title: str
    subtitle: list[str]
    headers: tuple[str, ...]
    widths_mm: tuple[float, ...]
    rows: list[tuple]
    footer: list[str] = field(default_factory=list)
    empty_text: str = "Không có hồ sơ nào."


def _clean(value) -> str:
    return _CONTROL.sub("", "" if value is None else str(value)).replace("\t", " ")


# --- PDF ------------------------------------------------------------------------------

def _pdf_styles():
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from archive.register_print import ensure_fonts
    regular, bold, italic = ensure_fonts()
    base = ParagraphStyle("t", fontName=regular, fontSize=10, leading=12)
    return {
        "cell": base,
        "head": ParagraphStyle("h", base, fontName=bold, alignment=TA_CENTER),
        "num": ParagraphStyle("n", base, fontName=italic, alignment=TA_CENTER),
        "org": ParagraphStyle("o", base, fontSize=12, leading=15, alignment=TA_CENTER),
        "title": ParagraphStyle("ti", base, fontName=bold, fontSize=14, leading=18,
                                alignment=TA_CENTER, spaceBefore=10, spaceAfter=4),
        "sub": ParagraphStyle("s", base, fontSize=12, leading=15, alignment=TA_CENTER),
        "text": ParagraphStyle("x", base, fontSize=13, leading=18, spaceAfter=3),
        "center": ParagraphStyle("c", base, fontSize=13, leading=17, alignment=TA_CENTER),
        "bold_center": ParagraphStyle("bc", base, fontName=bold, fontSize=13, leading=17,
                                      alignment=TA_CENTER),
        "fonts": (regular, bold, italic),
    }


def _p(text, style):
    from reportlab.platypus import Paragraph
    return Paragraph(escape(_clean(text)).replace("\n", "<br/>"), style)


def _agency_block(org_name: str, parent: str | None, styles, width_mm: float = 100):
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Table
    cell = ([_p(parent.upper(), styles["org"])] if parent else []) + [
        _p(org_name.upper(), styles["bold_center"]),
        HRFlowable(width="35%", thickness=0.6, color="black", spaceBefore=2)]
    return Table([[cell]], colWidths=[width_mm * mm], hAlign="LEFT",
                 style=[("LEFTPADDING", (0, 0), (-1, -1), 0)])


def table_pdf(report: TableReport) -> bytes:
    """The report as an A4 landscape PDF; the column headers repeat on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table
    styles = _pdf_styles()
    regular = styles["fonts"][0]
    head = [_p(h, styles["head"]) for h in report.headers]
    numbers = [_p(f"({i})", styles["num"]) for i in range(1, len(report.headers) + 1)]
    body = [[_p(v, styles["cell"]) for v in row] for row in report.rows]
    if not body:
        body = [[_p(report.empty_text, styles["cell"])] + [""] * (len(report.headers) - 1)]
    table = Table([head, numbers] + body, colWidths=[w * mm for w in report.widths_mm],
                  repeatRows=2, hAlign="LEFT")
    table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    *([("SPAN", (0, 2), (-1, 2))] if not report.rows else [])])
    story = [_agency_block(report.organization_name, report.parent_name, styles),
             _p(report.title, styles["title"])]
    story += [_p(line, styles["sub"]) for line in report.subtitle]
    story.append(_p(" ", styles["sub"]))
    story.append(table)
    story += [_p(line, styles["text"]) for line in report.footer]
    buf = io.BytesIO()

    def page_number(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 10)
        canvas.drawCentredString(landscape(A4)[0] / 2, 8 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=25 * mm,
                            rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                            title=report.title, author="eOffice")
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()


# --- XLSX -----------------------------------------------------------------------------

def table_xlsx(report: TableReport) -> bytes:
    """The same report as a worksheet: title rows, header, (1)…(n), one row per line."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sach"
    width = len(report.headers)
    last = get_column_letter(width)
    lines = [report.parent_name or "", report.organization_name, "", report.title,
             *report.subtitle]
    for i, text in enumerate(lines, start=1):
        ws.append([_clean(text)])
        ws.merge_cells(f"A{i}:{last}{i}")
        ws[f"A{i}"].font = Font(name="Times New Roman", size=13 if i == 4 else 12,
                                bold=i in (2, 4))
        ws[f"A{i}"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    start = len(lines) + 2
    ws.append([])
    ws.append(list(report.headers))
    ws.append([f"({i})" for i in range(1, width + 1)])
    for row in report.rows:
        ws.append([_xlsx_value(v) for v in row])
    for row in ws.iter_rows(min_row=start, max_row=ws.max_row, max_col=width):
        for cell in row:
            cell.border = border
            cell.font = Font(name="Times New Roman", size=11, bold=cell.row == start,
                             italic=cell.row == start + 1)
            cell.alignment = Alignment(wrap_text=True, vertical="top",
                                       horizontal="center" if cell.row <= start + 1 else None)
    for line in report.footer:
        ws.append([_clean(line)])
    for i, mm_width in enumerate(report.widths_mm, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(6, mm_width / 2.2)
    ws.print_title_rows = f"{start}:{start + 1}"
    ws.page_setup.orientation = "landscape"
    ws.freeze_panes = f"A{start + 2}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(value):
    if isinstance(value, (int, float)):
        return value
    return _clean(value) or None


# --- the rows of a mục lục --------------------------------------------------------------

def _span(case_file: CaseFile) -> str:
    """Thời gian tài liệu: from the first to the last day of the file's work."""
    start, end = case_file.start_date, case_file.end_date
    if start and end and start != end:
        return f"{start:%d/%m/%Y} - {end:%d/%m/%Y}"
    return f"{(start or end):%d/%m/%Y}" if (start or end) else ""


def _pages(session: Session, case_file: CaseFile) -> int | None:
    """Số tờ/Số trang: the file's page total, else the pages of its documents."""
    if case_file.page_total is not None:
        return case_file.page_total
    return session.scalar(select(func.sum(Document.page_count)).join(
        CaseFileItem, CaseFileItem.document_id == Document.id)
        .where(CaseFileItem.case_file_id == case_file.id))


def _note(case_file: CaseFile) -> str:
    parts = [case_file.description or ""]
    if case_file.status == FILE_DISPOSED:
        parts.append(f"Đã hủy {ca.vn_today(case_file.disposed_at):%d/%m/%Y}"
                     if case_file.disposed_at else "Đã hủy")
    return "; ".join(p for p in parts if p)


def index_rows(session: Session, files: list[CaseFile]) -> list[tuple]:
    """One row per file, in the order given."""
    return [(str(i), f.code, f.title, _span(f), filing_rules.retention_label(f.retention_years),
             "" if (pages := _pages(session, f)) is None else str(pages), _note(f))
            for i, f in enumerate(files, start=1)]


def _totals(files: list[CaseFile]) -> list[str]:
    """The footer of a mục lục: how many files, permanent and fixed-term."""
    permanent = sum(1 for f in files if f.permanent)
    return [f"Mục lục này gồm {len(files)} hồ sơ, trong đó: {permanent} hồ sơ bảo quản vĩnh "
            f"viễn; {len(files) - permanent} hồ sơ bảo quản có thời hạn."]


def _org(session: Session, actor: Actor) -> Organization:
    return session.get(Organization, actor.organization_id)


def _render(report: TableReport, fmt: str, name: str) -> Printed:
    if fmt == "xlsx":
        return Printed(f"{name}.xlsx", XLSX_TYPE, table_xlsx(report))
    if fmt != "pdf":
        msg = Msg("Định dạng phải là PDF hoặc XLSX.", "The format must be PDF or XLSX.")
        raise InvalidInput(msg, {"format": msg})
    return Printed(f"{name}.pdf", "application/pdf", table_pdf(report))


def _printed(session: Session, actor: Actor, what: str, object_id, fmt: str, **details):
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="print",
                 object_type=what, object_id=object_id, details={"format": fmt, **details})
    session.commit()


def _department_name(session: Session, department_id: int | None) -> str:
    dept = session.get(Department, department_id) if department_id else None
    return dept.name if dept else "Văn phòng cơ quan (không thuộc phòng, ban)"


def transfer_index(session: Session, actor: Actor, transfer_id: int, fmt: str) -> Printed:
    """Mục lục hồ sơ, tài liệu nộp lưu of one transfer; audited as a print."""
    transfer = archive_transfer.get_transfer(session, actor, transfer_id)
    files = archive_transfer.transfer_files(session, transfer)
    org = _org(session, actor)
    report = TableReport(
        org.name, org.parent_name, "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU",
        [f"Đơn vị nộp lưu: {_department_name(session, transfer.department_id)}",
         f"Kèm theo Biên bản giao nhận số {transfer.number}/{transfer.year} ngày "
         f"{ca.vn_today(transfer.transferred_at):%d/%m/%Y}"],
        INDEX_HEADERS, _INDEX_WIDTHS, index_rows(session, files), _totals(files))
    printed = _render(report, fmt, f"muc-luc-nop-luu-{transfer.year}-{transfer.number}")
    _printed(session, actor, "archive_transfer", transfer.id, fmt, report="file_index")
    return printed


def file_index(session: Session, actor: Actor, *, year: int | None, department_id: int | None,
               fmt: str) -> Printed:
    """The statutory "Mục lục hồ sơ" of a year and/or a department (files no longer
    open), for the overseers and, for their own department, its head."""
    scope = ca.department_scope(actor)
    department_id = scope if scope is not None else department_id
    stmt = select(CaseFile).where(CaseFile.organization_id == actor.organization_id,
                                  CaseFile.status != FILE_OPEN)
    subtitle = []
    if year is not None:
        stmt = stmt.where(CaseFile.year == year)
        subtitle.append(f"Năm {year}")
    if department_id is not None:
        stmt = stmt.where(CaseFile.department_id == department_id)
        subtitle.append(f"Đơn vị: {_department_name(session, department_id)}")
    files = list(session.scalars(stmt.order_by(CaseFile.year, CaseFile.code, CaseFile.id)
                                 .limit(20000)))
    org = _org(session, actor)
    report = TableReport(org.name, org.parent_name, "MỤC LỤC HỒ SƠ", subtitle, INDEX_HEADERS,
                         _INDEX_WIDTHS, index_rows(session, files), _totals(files))
    name = "muc-luc-ho-so" + (f"-{year}" if year else "") + (
        f"-don-vi-{department_id}" if department_id else "")
    printed = _render(report, fmt, name)
    _printed(session, actor, "file_index", None, fmt, year=year, department_id=department_id)
    return printed


# --- the handover record ----------------------------------------------------------------

def _person(session: Session, staff_id: int) -> tuple[str, str]:
    person = session.get(Staff, staff_id)
    return person.full_name, person.position_title or ""


def _years(files: list[CaseFile]) -> str:
    years = sorted({f.year for f in files})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]} - {years[-1]}"


def handover_lines(session: Session, transfer, files: list[CaseFile]) -> dict:
    """What the biên bản says, as plain text (also shown on the transfer page)."""
    giver, giver_title = _person(session, transfer.handed_by_id)
    taker, taker_title = _person(session, transfer.received_by_id)
    day = ca.vn_today(transfer.transferred_at)
    unit = _department_name(session, transfer.department_id)
    return {
        "number": f"{transfer.number}/{transfer.year}",
        "date": day,
        "giver": (giver, giver_title, unit),
        "taker": (taker, taker_title, "Lưu trữ cơ quan"),
        "body": [
            "1. Tên khối tài liệu giao nộp: tài liệu (hồ sơ điện tử) của " + unit + ".",
            f"2. Thời gian của tài liệu: {_years(files)}.",
            f"3. Số lượng tài liệu: tổng số hồ sơ: {transfer.file_count}; tổng số tệp tin: "
            f"{transfer.computer_file_count}.",
            "4. Tình trạng tài liệu giao nộp: hồ sơ đã kết thúc, dữ liệu đặc tả gắn với "
            "từng hồ sơ, tài liệu trong Hệ thống.",
            "5. Mục lục hồ sơ, tài liệu nộp lưu kèm theo.",
        ],
        "notes": transfer.notes or "",
    }


def handover_record(session: Session, actor: Actor, transfer_id: int) -> Printed:
    """Biên bản giao nhận tài liệu of a transfer, as PDF (A4 portrait); audited."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table
    transfer = archive_transfer.get_transfer(session, actor, transfer_id)
    lines = handover_lines(session, transfer, archive_transfer.transfer_files(session, transfer))
    org = _org(session, actor)
    s = _pdf_styles()
    motto = [_p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s["bold_center"]),
             _p("Độc lập - Tự do - Hạnh phúc", s["bold_center"])]
    head = Table([[_agency_block(org.name, org.parent_name, s, 70), motto]],
                 colWidths=[75 * mm, 95 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")])
    day = lines["date"]
    story = [head, _p(f"Số: {lines['number']}/BB-LT", s["center"]),
             _p("BIÊN BẢN", s["title"]), _p("Về việc giao nhận tài liệu", s["bold_center"]),
             Spacer(1, 6 * mm),
             _p(f"Hôm nay, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}, tại "
                f"{org.name}.", s["text"]),
             _p("BÊN GIAO: " + lines["giver"][2], s["text"]),
             _p(f"Ông (bà): {lines['giver'][0]}    Chức vụ: {lines['giver'][1]}", s["text"]),
             _p("BÊN NHẬN: " + lines["taker"][2], s["text"]),
             _p(f"Ông (bà): {lines['taker'][0]}    Chức vụ: {lines['taker'][1]}", s["text"]),
             _p("Thống nhất lập biên bản giao nhận tài liệu với những nội dung như sau:",
                s["text"])]
    story += [_p(line, s["text"]) for line in lines["body"]]
    if lines["notes"]:
        story.append(_p("Ghi chú: " + lines["notes"], s["text"]))
    story.append(_p("Biên bản này được lập thành hai bản; mỗi bên giữ một bản.", s["text"]))
    story += [Spacer(1, 8 * mm), Table(
        [[_p("ĐẠI DIỆN BÊN GIAO", s["bold_center"]), _p("ĐẠI DIỆN BÊN NHẬN", s["bold_center"])],
         [_p("(Ký, ghi rõ họ tên)", s["center"]), _p("(Ký, ghi rõ họ tên)", s["center"])],
         [Spacer(1, 20 * mm), Spacer(1, 20 * mm)],
         [_p(lines["giver"][0], s["bold_center"]), _p(lines["taker"][0], s["bold_center"])]],
        colWidths=[85 * mm, 85 * mm])]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=30 * mm, rightMargin=15 * mm,
                      topMargin=20 * mm, bottomMargin=20 * mm, title="Biên bản giao nhận",
                      author="eOffice").build(story)
    _printed(session, actor, "archive_transfer", transfer.id, "pdf", report="handover")
    return Printed(f"bien-ban-giao-nhan-{transfer.year}-{transfer.number}.pdf",
                   "application/pdf", buf.getvalue())
