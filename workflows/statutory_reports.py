"""The statutory outputs of Decree 30 Phụ lục VI (DOMAIN §2.15 outputs 1–4).

(1) Sổ đăng ký văn bản đến, (2) Báo cáo tình hình giải quyết văn bản đến,
(3) Sổ đăng ký văn bản đi, (4) Báo cáo tình hình giải quyết văn bản đi, for any
period and (optionally) one department, as PDF (A4 landscape) or XLSX. The
leaders' dashboard (``workflows.dashboard``) reads its figures from the same
``incoming_rows`` / ``outgoing_rows`` so that the two always agree.

Definitions (every figure is counted from these, nothing else):

- **Period of an incoming document**: its ``arrival_date`` (ngày đến) lies in
  [from, to], both days included. Only registered documents (not pending
  ones, not recalled/removed ones) count: they alone create a duty to handle
  them (D30 Điều 22).
- **Department of an incoming document**: the lead department (chủ trì) of
  the newest leader direction in the processing trail
  (``ProcessingNote.lead_department_id``); none while undirected.
- **Handler (person)**: the newest assignee in the trail
  (``ProcessingNote.assignee_id``, the specialist the department head named).
- **Deadline**: ``Document.due_date`` (thời hạn giải quyết, set by the
  leader's direction or at registration).
- **Handled**: the document's status is ``done`` (edXML 06) and its route has
  finished; the **handling date** is the local (UTC+7) date of the route's
  ``finished_at``.
- Categories, exactly one per document (they add up to "received"):
  ``no_deadline`` (no deadline, handled or not); ``on_time`` (handled on or
  before the deadline day); ``late`` (handled after it); ``overdue`` (not
  handled and the deadline day is before the as-of day); ``in_progress`` (not
  handled, deadline not passed). A deadline is a day: the whole deadline day
  counts as in time, as D30 counts time limits in days. The inbox warns
  earlier on purpose: a task is marked overdue from the end of the working
  day (``WORKDAY_END``, 17:00) of its own deadline, and the specialist's
  deadline may be set before the document's; so from 17:00 on the deadline
  day a task can show overdue in the inbox while the report and dashboard
  still count its document in progress. Documents not yet directed have no
  task deadline, so only the report and dashboard show them overdue.
- **Period of an outgoing document**: it was issued (``issued_at`` set) and
  its ``issued_date`` (ngày tháng văn bản) lies in [from, to]. Department: the
  drafting department (``OutgoingDocument.department_id``).
- **Signed digitally**: at least one ``SignatureRecord`` of kind ``leader`` or
  ``seal`` exists for it. **Electronic**: ``Document.channel`` is not ``paper``
  (the same rule for incoming documents).
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive import access, audit
from archive.errors import InvalidInput, Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.models import (Department, Document, Organization, OutgoingDocument,
                            ProcessingNote, ProcessInstance, SignatureRecord, Staff)

__all__ = ["Period", "IncomingRow", "OutgoingRow", "REPORTS", "CATEGORIES",
           "incoming_rows", "outgoing_rows", "incoming_summary", "outgoing_summary",
           "render", "require_reader", "parse_period"]

VIETNAM = timezone(timedelta(hours=7))
READER_ROLES = ("leader", "office_head", "clerk")
CATEGORIES = ("on_time", "late", "in_progress", "overdue", "no_deadline")
CATEGORY_LABELS = {"on_time": "Đã giải quyết đúng hạn", "late": "Đã giải quyết quá hạn",
                   "in_progress": "Đang giải quyết trong hạn", "overdue": "Quá hạn chưa giải quyết",
                   "no_deadline": "Không có thời hạn"}
REPORTS = {"incoming_register": "Sổ đăng ký văn bản đến",
           "incoming_handling": "Báo cáo tình hình giải quyết văn bản đến",
           "outgoing_register": "Sổ đăng ký văn bản đi",
           "outgoing_handling": "Báo cáo tình hình giải quyết văn bản đi"}
_COUNTED_INCOMING = ("registered", "assigned", "in_progress", "done")
_SIGNATURE_KINDS = ("leader", "seal")


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date
    department_id: int | None = None


@dataclass
class IncomingRow:
    document: Document
    department_id: int | None
    department_name: str
    handler_id: int | None
    handler_name: str
    handled_on: date | None
    category: str
    reply_codes: list[str] = field(default_factory=list)
    handed_on: date | None = None   # first step of the route: Ngày chuyển

    @property
    def electronic(self) -> bool:
        return self.document.channel != "paper"


@dataclass
class OutgoingRow:
    document: Document
    department_id: int | None
    department_name: str
    signed: bool
    dispatched_on: date | None
    archive_units: str

    @property
    def electronic(self) -> bool:
        return self.document.channel != "paper"


# ------------------------------------------------------------------ access, input

def require_reader(actor: Actor) -> None:
    """Leaders, the office head and the clerk read the reports (and the dashboard)."""
    if not actor.has(*READER_ROLES):
        raise PermissionDenied(Msg("Bạn không có quyền xem báo cáo thống kê.",
                                   "You may not see the statutory reports."))


def parse_period(session: Session, actor: Actor, raw_from: str | None, raw_to: str | None,
                 raw_department: str | None, today: date) -> Period:
    """A period from form text; the default is the current year up to today."""
    errors = {}

    def day(raw, key, default):
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[key] = Msg("Ngày không hợp lệ.", "Invalid date.")
            return default
    date_from = day(raw_from, "from", date(today.year, 1, 1))
    date_to = day(raw_to, "to", today)
    if not errors and date_to < date_from:
        errors["to"] = Msg("Ngày kết thúc trước ngày bắt đầu.",
                           "The end date is before the start date.")
    department_id = None
    if raw_department:
        try:
            department_id = int(raw_department)
        except ValueError:
            errors["department"] = Msg("Đơn vị không hợp lệ.", "Invalid department.")
    if errors:
        raise InvalidInput(Msg("Kỳ báo cáo chưa hợp lệ.", "The report period is invalid."),
                           errors)
    if department_id is not None:
        dept = session.get(Department, department_id)
        if dept is None or dept.organization_id != actor.organization_id:
            raise NotFound(Msg("Không tìm thấy đơn vị.", "Department not found."))
    return Period(date_from, date_to, department_id)


def _local_date(moment: datetime | None) -> date | None:
    return moment.astimezone(VIETNAM).date() if moment else None


def _code(doc: Document) -> str:
    return "/".join(p for p in (doc.code_number, doc.code_notation) if p)


def _dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


# ------------------------------------------------------------------ incoming rows

def categorize(due: date | None, handled_on: date | None, as_of: date) -> str:
    """The one category of an incoming document (see the module doc)."""
    if due is None:
        return "no_deadline"
    if handled_on is not None:
        return "on_time" if handled_on <= due else "late"
    return "overdue" if due < as_of else "in_progress"


def _trail_facts(session: Session, ids: list[int]) -> dict[int, dict]:
    """Per document: newest lead department, newest assignee, first hand-on date."""
    facts: dict[int, dict] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for note in session.scalars(select(ProcessingNote).where(
                ProcessingNote.document_id.in_(chunk))
                .order_by(ProcessingNote.at, ProcessingNote.id)):
            f = facts[note.document_id]
            f.setdefault("handed_on", _local_date(note.at))
            if note.lead_department_id is not None:
                f["department_id"] = note.lead_department_id
            if note.assignee_id is not None:
                f["handler_id"] = note.assignee_id
        for doc_id, finished in session.execute(select(
                ProcessInstance.document_id, ProcessInstance.finished_at).where(
                ProcessInstance.document_id.in_(chunk), ProcessInstance.status == "finished")):
            day = _local_date(finished)
            if day and (facts[doc_id].get("finished_on") is None
                        or day > facts[doc_id]["finished_on"]):
                facts[doc_id]["finished_on"] = day
        for reply_to, number, notation in session.execute(select(
                OutgoingDocument.reply_to_id, Document.code_number, Document.code_notation)
                .join(Document, Document.id == OutgoingDocument.document_id)
                .where(OutgoingDocument.reply_to_id.in_(chunk),
                       OutgoingDocument.issued_at.is_not(None))):
            facts[reply_to].setdefault("replies", []).append(
                "/".join(p for p in (number, notation) if p))
    return facts


def _names(session: Session, model, ids: set[int], attr: str) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: getattr(row, attr) for row in session.scalars(
        select(model).where(model.id.in_(ids)))}


def incoming_rows(session: Session, actor: Actor, period: Period,
                  as_of: date) -> list[IncomingRow]:
    """Every incoming document of the period (and department), categorised, in số đến order."""
    require_reader(actor)
    docs = list(session.scalars(select(Document).where(
        Document.direction == "incoming", access.visibility_clause(actor),
        Document.status.in_(_COUNTED_INCOMING),
        Document.arrival_date >= period.date_from, Document.arrival_date <= period.date_to)
        .options(selectinload(Document.doc_type))
        .order_by(Document.arrival_date, Document.arrival_number, Document.id)))
    facts = _trail_facts(session, [d.id for d in docs])
    depts = _names(session, Department, {f["department_id"] for f in facts.values()
                                         if "department_id" in f}, "name")
    people = _names(session, Staff, {f["handler_id"] for f in facts.values()
                                     if "handler_id" in f}, "full_name")
    rows = []
    for doc in docs:
        f = facts[doc.id]
        dept_id = f.get("department_id")
        if period.department_id is not None and dept_id != period.department_id:
            continue
        handled = f.get("finished_on") if doc.status == "done" else None
        rows.append(IncomingRow(
            document=doc, department_id=dept_id, department_name=depts.get(dept_id, ""),
            handler_id=f.get("handler_id"), handler_name=people.get(f.get("handler_id"), ""),
            handled_on=handled, category=categorize(doc.due_date, handled, as_of),
            reply_codes=f.get("replies", []), handed_on=f.get("handed_on")))
    return rows


def incoming_summary(rows: list[IncomingRow]) -> list[tuple[str, dict]]:
    """Per department (then the total): received and the count of each category."""
    groups: dict[str, Counter] = {}
    total = Counter()
    for row in rows:
        name = row.department_name or "Chưa giao đơn vị"
        groups.setdefault(name, Counter()).update(["received", row.category])
        total.update(["received", row.category])
    out = [(name, dict(c)) for name, c in sorted(groups.items())]
    return out + [("Tổng cộng", dict(total))]


# ------------------------------------------------------------------ outgoing rows

def outgoing_rows(session: Session, actor: Actor, period: Period) -> list[OutgoingRow]:
    """Every outgoing document issued in the period (and department), in number order."""
    require_reader(actor)
    stmt = (select(Document, OutgoingDocument)
            .join(OutgoingDocument, OutgoingDocument.document_id == Document.id)
            .where(Document.direction == "outgoing", access.visibility_clause(actor),
                   OutgoingDocument.issued_at.is_not(None),
                   Document.issued_date >= period.date_from,
                   Document.issued_date <= period.date_to)
            .options(selectinload(Document.doc_type))
            .order_by(Document.issued_date, Document.arrival_number, Document.id))
    if period.department_id is not None:
        stmt = stmt.where(OutgoingDocument.department_id == period.department_id)
    pairs = list(session.execute(stmt))
    ids = [d.id for d, _o in pairs]
    signed = set()
    for start in range(0, len(ids), 500):
        signed.update(session.scalars(select(SignatureRecord.document_id).where(
            SignatureRecord.document_id.in_(ids[start:start + 500]),
            SignatureRecord.kind.in_(_SIGNATURE_KINDS))))
    depts = _names(session, Department, {o.department_id for _d, o in pairs
                                         if o.department_id}, "name")
    return [OutgoingRow(document=d, department_id=o.department_id,
                        department_name=depts.get(o.department_id, ""), signed=d.id in signed,
                        dispatched_on=_local_date(o.dispatched_at),
                        archive_units=o.archive_units or "")
            for d, o in pairs]


def outgoing_summary(rows: list[OutgoingRow], by: str = "department") -> list[tuple[str, dict]]:
    """Per department or per document type (then the total): issued, signed, channel."""
    groups: dict[str, Counter] = {}
    total = Counter()
    for row in rows:
        if by == "type":
            doc = row.document
            name = doc.doc_type.name if doc.doc_type else (doc.document_type or "Khác")
        else:
            name = row.department_name or "Không rõ đơn vị"
        keys = ["issued", "signed" if row.signed else "unsigned",
                "electronic" if row.electronic else "paper"]
        groups.setdefault(name, Counter()).update(keys)
        total.update(keys)
    return [(n, dict(c)) for n, c in sorted(groups.items())] + [("Tổng cộng", dict(total))]


# ------------------------------------------------------------------ tables

@dataclass
class Table:
    """What a renderer needs: numbered columns, rows of text, summary tables."""
    title: str
    columns: list[str]
    widths: list[int]                      # mm on A4 landscape (sum ≤ 257)
    rows: list[list]
    summaries: list[tuple[str, list[str], list[list]]] = field(default_factory=list)


def _incoming_register(rows: list[IncomingRow], org: Organization, period: Period,
                       dept_name: str | None, fmt: str) -> bytes:
    """Output (1) through the register printer of ``archive.register_print`` (the
    same ten columns as the yearly bound register), for any period and department."""
    from archive import register_print as rp
    printed = (rp.RegisterRow(
        arrival_date=r.document.arrival_date, arrival_number=r.document.arrival_number,
        issuer_name=r.document.issuer_name or "", code=_code(r.document),
        issued_date=r.document.issued_date, type_and_subject=_type_subject(r.document),
        recipients=r.department_name or (r.document.recipients or ""),
        transfer_date=r.handed_on, signature="", notes=r.document.notes or "")
        for r in rows)
    name = REPORTS["incoming_register"] + (f" — {dept_name}" if dept_name else "")
    header = rp.RegisterHeader(organization_name=org.name, parent_name=org.parent_name,
                               register_name=name, date_from=period.date_from,
                               date_to=period.date_to)
    if fmt == "xlsx":
        return rp.incoming_register_xlsx(header, printed)
    return rp.incoming_register_pdf(header, printed)


def _type_subject(d: Document) -> str:
    kind = d.doc_type.name if d.doc_type else ""
    return f"{kind} — {d.subject}" if kind else d.subject


def _progress(r: IncomingRow) -> str:
    label = CATEGORY_LABELS[r.category]
    if r.handled_on:
        return f"{label} ngày {_dmy(r.handled_on)}"
    return label


def _incoming_handling_table(rows: list[IncomingRow]) -> Table:
    cols = ["Số đến", "Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành",
            "Đơn vị hoặc người nhận", "Thời hạn giải quyết", "Tiến độ giải quyết",
            "Số, ký hiệu văn bản trả lời", "Ghi chú"]
    out = []
    for r in rows:
        d = r.document
        kind = d.doc_type.name if d.doc_type else ""
        ident = ", ".join(p for p in (kind, _code(d), _dmy(d.issued_date), d.issuer_name or "")
                          if p)
        receiver = " — ".join(p for p in (r.department_name, r.handler_name) if p)
        out.append([d.arrival_number or "", ident, receiver, _dmy(d.due_date), _progress(r),
                    "; ".join(r.reply_codes), d.notes or ""])
    heads = ["Đơn vị", "Tổng số văn bản đến"] + [CATEGORY_LABELS[c] for c in CATEGORIES]
    summary = [[name] + [c.get(k, 0) for k in ("received",) + CATEGORIES]
               for name, c in incoming_summary(rows)]
    return Table(REPORTS["incoming_handling"].upper(), cols, [18, 70, 40, 24, 45, 35, 25], out,
                 [("Tổng hợp", heads, summary)])


def _outgoing_register_table(rows: list[OutgoingRow]) -> Table:
    cols = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung",
            "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản",
            "Ngày chuyển", "Ký nhận", "Ghi chú"]
    out = []
    for r in rows:
        d = r.document
        kind = d.doc_type.name if d.doc_type else ""
        out.append([_code(d), _dmy(d.issued_date),
                    f"{kind} — {d.subject}" if kind else d.subject, d.signer_name or "",
                    d.recipients or "", r.archive_units, "", _dmy(r.dispatched_on), "",
                    d.notes or ""])
    return Table(REPORTS["outgoing_register"].upper(), cols,
                 [28, 20, 63, 28, 40, 26, 14, 20, 16, 18], out)


def _outgoing_handling_table(rows: list[OutgoingRow]) -> Table:
    cols = ["Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung",
            "Đơn vị soạn thảo", "Ký số", "Hình thức gửi", "Ngày chuyển"]
    out = []
    for r in rows:
        d = r.document
        kind = d.doc_type.name if d.doc_type else ""
        out.append([_code(d), _dmy(d.issued_date),
                    f"{kind} — {d.subject}" if kind else d.subject, r.department_name,
                    "Có ký số" if r.signed else "Không ký số",
                    "Điện tử" if r.electronic else "Bản giấy", _dmy(r.dispatched_on)])
    heads = ["", "Tổng số văn bản đi", "Có ký số", "Không ký số", "Gửi điện tử", "Gửi bản giấy"]
    keys = ("issued", "signed", "unsigned", "electronic", "paper")

    def table(by):
        return [[n] + [c.get(k, 0) for k in keys] for n, c in outgoing_summary(rows, by)]
    return Table(REPORTS["outgoing_handling"].upper(), cols, [32, 22, 90, 45, 22, 24, 22], out,
                 [("Tổng hợp theo đơn vị", ["Đơn vị"] + heads[1:], table("department")),
                  ("Tổng hợp theo loại văn bản", ["Loại văn bản"] + heads[1:], table("type"))])


# ------------------------------------------------------------------ rendering

@dataclass
class Rendered:
    filename: str
    media_type: str
    data: bytes


def marking(actor: Actor, at: datetime) -> str:
    """Print marking of every page (DOMAIN §2.15 function 6 k)."""
    local = at.astimezone(VIETNAM)
    return (f"In từ Hệ thống eOffice bởi {actor.full_name or actor.username} "
            f"lúc {local.strftime('%H:%M %d/%m/%Y')}")


def _heading_lines(org: Organization, period: Period, dept_name: str | None) -> list[str]:
    lines = [f"Từ ngày {_dmy(period.date_from)} đến ngày {_dmy(period.date_to)}"]
    lines.append(f"Đơn vị: {dept_name}" if dept_name else "Toàn cơ quan")
    return lines


def _pdf(table: Table, org: Organization, lines: list[str], mark: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    from archive.register_print import ensure_fonts
    regular, bold, italic = ensure_fonts()
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11)
    head = ParagraphStyle("h", cell, fontName=bold, alignment=1)
    orgs = ParagraphStyle("o", cell, fontSize=11, leading=14)
    title = ParagraphStyle("t", cell, fontName=bold, fontSize=14, leading=18, alignment=1,
                           spaceBefore=6)
    sub = ParagraphStyle("s", cell, fontName=italic, fontSize=11, leading=14, alignment=1)

    def p(value, style=cell):
        return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(italic, 8)
        canvas.drawString(25 * mm, 8 * mm, mark)
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 8 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                       ("VALIGN", (0, 0), (-1, -1), "TOP")])
    n = len(table.columns)
    data = [[p(c, head) for c in table.columns], [p(f"({i})", head) for i in range(1, n + 1)]]
    data += [[p(v) for v in row] for row in table.rows]
    if not table.rows:
        data.append([p("Không có văn bản trong kỳ báo cáo.")] + [""] * (n - 1))
    body = LongTable(data, colWidths=[w * mm for w in table.widths], repeatRows=2)
    body.setStyle(grid)
    if not table.rows:
        body.setStyle(TableStyle([("SPAN", (0, 2), (-1, 2))]))
    story = []
    if org.parent_name:
        story.append(p(org.parent_name.upper(), orgs))
    story += [Paragraph(f"<b>{escape(org.name.upper())}</b>", orgs),
              p(table.title, title)] + [p(line, sub) for line in lines]
    story += [Spacer(1, 4 * mm), body]
    for caption, heads, srows in table.summaries:
        width = 257 / len(heads)
        st = LongTable([[p(h, head) for h in heads]] + [[p(v) for v in r] for r in srows],
                       colWidths=[width * mm] * len(heads), repeatRows=1)
        st.setStyle(grid)
        story += [Spacer(1, 5 * mm), p(caption, ParagraphStyle("cap", cell, fontName=bold,
                                                              fontSize=11)), Spacer(1, 2 * mm),
                  st]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=25 * mm,
                            rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                            title=table.title, author="eOffice")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _xlsx(table: Table, org: Organization, lines: list[str], mark: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    wb = Workbook()
    ws = wb.active
    ws.title = "Bao cao"
    head_rows = ([org.parent_name.upper()] if org.parent_name else []) + [org.name.upper(),
                                                                            table.title] + lines
    for text in head_rows:
        ws.append([text])
    ws.cell(row=head_rows.index(table.title) + 1, column=1).font = Font(bold=True, size=14)
    ws.append([])
    first = ws.max_row + 1
    ws.append(table.columns)
    ws.append([f"({i})" for i in range(1, len(table.columns) + 1)])
    for row in table.rows:
        ws.append(list(row))
    side = Side(style="thin")
    for r in ws.iter_rows(min_row=first, max_row=ws.max_row, max_col=len(table.columns)):
        for c in r:
            c.border = Border(left=side, right=side, top=side, bottom=side)
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for c in ws[first]:
        c.font = Font(bold=True)
    for i, w in enumerate(table.widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, w * 0.55)
    for caption, heads, srows in table.summaries:
        ws.append([])
        ws.append([caption])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append(heads)
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
        for r in srows:
            ws.append(list(r))
    ws.append([])
    ws.append([mark])
    ws.freeze_panes = f"A{first + 2}"
    ws.print_title_rows = f"{first}:{first + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.oddFooter.center.text = mark
    ws.oddHeader.center.text = table.title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render(session: Session, actor: Actor, report: str, period: Period, fmt: str,
           as_of: date, now: datetime) -> Rendered:
    """One statutory output as PDF or XLSX; audited as a print like the registers."""
    require_reader(actor)
    if report not in REPORTS or fmt not in ("pdf", "xlsx"):
        raise InvalidInput(Msg("Chọn báo cáo và định dạng.", "Choose a report and a format."),
                           {"report": Msg("Báo cáo không hợp lệ.", "Unknown report.")})
    org = session.get(Organization, actor.organization_id)
    dept = session.get(Department, period.department_id) if period.department_id else None
    if report == "incoming_register":
        data = _incoming_register(incoming_rows(session, actor, period, as_of), org, period,
                                  dept.name if dept else None, fmt)
    else:
        if report == "incoming_handling":
            table = _incoming_handling_table(incoming_rows(session, actor, period, as_of))
        else:
            rows = outgoing_rows(session, actor, period)
            table = (_outgoing_register_table if report == "outgoing_register"
                     else _outgoing_handling_table)(rows)
        lines = _heading_lines(org, period, dept.name if dept else None)
        data = (_xlsx if fmt == "xlsx" else _pdf)(table, org, lines, marking(actor, now))
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="print",
                 object_type="report", object_id=report,
                 details={"from": period.date_from.isoformat(),
                          "to": period.date_to.isoformat(),
                          "department_id": period.department_id, "format": fmt})
    session.commit()
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
             if fmt == "xlsx" else "application/pdf")
    name = f"{report.replace('_', '-')}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.{fmt}"
    return Rendered(name, media, data)
