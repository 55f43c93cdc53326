"""Using archived files: who may, access requests, and the sổ sử dụng bản lưu.

An archived (transferred) file is used under its rights (chế độ sử dụng):
* "open": every staff member of the agency;
* "restricted": the archivist, or someone whose ``AccessRequest`` the
  archivist granted and which is still valid (until its date, inclusive).
Staff ask with a reason; the archivist grants until a date or refuses with a
note. Every use (viewing the archived file, downloading a document, an
export) writes an ``ArchiveUse`` line: the sổ sử dụng bản lưu (DOMAIN §2.11,
nine columns), printable as PDF or XLSX for a period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive import access, audit
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.filing_models import (FILE_TRANSFERRED, AccessRequest, ArchiveUse, CaseFile,
                                   CaseFileItem)
from archive.identity import Actor
from archive.models import Document, DocumentFile, Organization, Staff
from archive.storage import BlobStorage
from workflows import current_archive as ca
from workflows.file_index_report import Printed, TableReport, table_pdf, table_xlsx, XLSX_TYPE
from workflows.notify import Notice, notify

__all__ = ["Permission", "permission", "open_archived_file", "download", "log_use",
           "request_access", "decide_request", "list_requests", "usage_lines", "print_usage",
           "USE_ACTIONS", "USAGE_HEADERS"]

USE_ACTIONS = ("view", "download", "export")
USE_LABELS = {"view": "Xem hồ sơ", "download": "Tải văn bản", "export": "Xuất hồ sơ"}
USAGE_HEADERS = ("Ngày tháng", "Họ tên người sử dụng", "Số, ký hiệu, ngày tháng văn bản",
                 "Tên loại và trích yếu", "Số và ký hiệu hồ sơ", "Ký nhận", "Ngày trả",
                 "Người cho phép sử dụng", "Ghi chú")
_USAGE_WIDTHS = (22, 32, 32, 62, 24, 16, 16, 28, 25)
NOT_ARCHIVED = Msg("Hồ sơ chưa nộp lưu vào lưu trữ cơ quan.",
                   "The case file is not in the agency archive.")
NO_ACCESS = Msg("Hồ sơ có chế độ sử dụng hạn chế: hãy gửi yêu cầu khai thác tới cán bộ lưu trữ.",
                "This file is restricted: ask the archivist for access.")


@dataclass(frozen=True)
class Permission:
    allowed: bool
    permitted_by_id: int | None = None     # the archivist who granted, for the sổ
    request: AccessRequest | None = None   # the grant used, if any


def _archived(session: Session, actor: Actor, case_file_id: int) -> CaseFile:
    case_file = ca.get_file(session, actor, case_file_id)
    if case_file.status != FILE_TRANSFERRED:
        raise NotFound(NOT_ARCHIVED)
    return case_file


def _valid_grant(session: Session, actor: Actor, case_file: CaseFile, today: date
                 ) -> AccessRequest | None:
    return session.scalar(select(AccessRequest).where(
        AccessRequest.case_file_id == case_file.id,
        AccessRequest.requester_id == actor.staff_id, AccessRequest.status == "granted",
        AccessRequest.valid_until >= today).order_by(AccessRequest.valid_until.desc()).limit(1))


def permission(session: Session, actor: Actor, case_file: CaseFile,
               today: date | None = None) -> Permission:
    """May ``actor`` use this archived file today, and on whose authority?"""
    if case_file.organization_id != actor.organization_id or actor.staff_id is None:
        return Permission(False)
    if actor.has(ca.ARCHIVIST):
        return Permission(True, actor.staff_id)
    if case_file.rights == "open":
        return Permission(True)
    grant = _valid_grant(session, actor, case_file, today or ca.vn_today())
    return Permission(True, grant.decided_by_id, grant) if grant else Permission(False)


def _require(session: Session, actor: Actor, case_file: CaseFile, today: date | None
             ) -> Permission:
    allowed = permission(session, actor, case_file, today)
    if not allowed.allowed:
        raise PermissionDenied(NO_ACCESS)
    return allowed


def log_use(session: Session, actor: Actor, case_file: CaseFile, action: str, *,
            document_id: int | None = None, allowed: Permission | None = None,
            notes: str | None = None) -> ArchiveUse:
    """Write one line of the sổ sử dụng bản lưu (the caller commits). Also for
    other modules that export an archived file (``action="export"``)."""
    if action not in USE_ACTIONS:
        raise ValueError(f"unknown use {action!r}")
    allowed = allowed or permission(session, actor, case_file)
    use = ArchiveUse(organization_id=case_file.organization_id, used_at=utcnow(),
                     staff_id=actor.staff_id, case_file_id=case_file.id,
                     document_id=document_id, action=action,
                     permitted_by_id=allowed.permitted_by_id,
                     request_id=allowed.request.id if allowed.request else None,
                     notes=(notes or "")[:500] or None)
    session.add(use)
    return use


@dataclass
class ArchivedFile:
    case_file: CaseFile
    items: list[CaseFileItem]
    permission: Permission


def open_archived_file(session: Session, actor: Actor, case_file_id: int,
                       today: date | None = None) -> ArchivedFile:
    """The archived file and its items, for someone allowed; the use is logged."""
    case_file = _archived(session, actor, case_file_id)
    allowed = _require(session, actor, case_file, today)
    log_use(session, actor, case_file, "view", allowed=allowed)
    session.commit()
    return ArchivedFile(case_file, list(case_file.items), allowed)


def download(session: Session, actor: Actor, storage: BlobStorage, case_file_id: int,
             file_id: int, today: date | None = None) -> tuple[DocumentFile, bytes]:
    """The bytes of one file of a document held in an archived file; logged.
    A confidential document also needs the document's own visibility."""
    case_file = _archived(session, actor, case_file_id)
    allowed = _require(session, actor, case_file, today)
    file = session.get(DocumentFile, file_id)
    held = file is not None and session.scalar(select(CaseFileItem.id).where(
        CaseFileItem.case_file_id == case_file.id,
        CaseFileItem.document_id == file.document_id))
    if not held:
        raise NotFound(Msg("Không tìm thấy tệp trong hồ sơ.", "File not found in this case file."))
    doc = session.get(Document, file.document_id)
    if doc.confidentiality != "normal" and not access.can_view(session, actor, doc):
        raise NotFound(access.NOT_FOUND)
    if file.destroyed_at is not None:
        raise NotFound(Msg("Nội dung tệp đã bị hủy theo quyết định.",
                           "The file's content was destroyed under a decision."))
    data = storage.get(file.sha256)
    log_use(session, actor, case_file, "download", document_id=doc.id, allowed=allowed,
            notes=file.name)
    session.commit()
    return file, data


# --- access requests ------------------------------------------------------------------

def request_access(session: Session, actor: Actor, case_file_id: int, reason: str | None
                   ) -> AccessRequest:
    """Ask to use a restricted archived file; the archivists are told. Commits."""
    case_file = _archived(session, actor, case_file_id)
    if permission(session, actor, case_file).allowed:
        raise Conflict(Msg("Bạn đã có quyền sử dụng hồ sơ này.",
                           "You may already use this file."))
    reason = ca.required_text(reason, "reason", Msg("Nhập mục đích khai thác.",
                                                    "Give the purpose."))
    if session.scalar(select(AccessRequest.id).where(
            AccessRequest.case_file_id == case_file.id,
            AccessRequest.requester_id == actor.staff_id, AccessRequest.status == "pending")):
        raise Conflict(Msg("Yêu cầu của bạn đang chờ cán bộ lưu trữ xem xét.",
                           "Your request is already waiting for the archivist."))
    req = AccessRequest(case_file_id=case_file.id, requester_id=actor.staff_id, reason=reason,
                        status="pending", created_at=utcnow())
    session.add(req)
    session.flush()
    notify(session, ca.staff_with_role(session, actor.organization_id, ca.ARCHIVIST),
           Notice("access_request", Msg(
               f"{actor.full_name or actor.username} xin khai thác hồ sơ {case_file.code}/"
               f"{case_file.year}: {reason[:200]}",
               f"{actor.full_name or actor.username} asks to use case file {case_file.code}/"
               f"{case_file.year}: {reason[:200]}")), email=False)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="access_request", object_type="case_file", object_id=case_file.id,
                 details={"request_id": req.id, "reason": reason})
    session.commit()
    return req


def decide_request(session: Session, actor: Actor, request_id: int, *, grant: bool,
                   valid_until: date | None = None, note: str | None = None,
                   today: date | None = None) -> AccessRequest:
    """The archivist grants until a date, or refuses with a note; the requester
    is told. A request already decided cannot be decided again (double click)."""
    ca.require_archivist(actor)
    today = today or ca.vn_today()
    req = session.get(AccessRequest, request_id)
    if req is None:
        raise NotFound(Msg("Không tìm thấy yêu cầu.", "Request not found."))
    case_file = ca.get_file(session, actor, req.case_file_id)
    note = (note or "").strip()[:500] or None
    if grant and (valid_until is None or valid_until < today):
        msg = Msg("Nhập ngày hết hạn sử dụng (từ hôm nay trở đi).",
                  "Give the last day of access (today or later).")
        raise InvalidInput(msg, {"valid_until": msg})
    if not grant and not note:
        msg = Msg("Nhập lý do từ chối.", "Give the reason for refusing.")
        raise InvalidInput(msg, {"note": msg})
    status = "granted" if grant else "refused"
    done = session.execute(update(AccessRequest).where(
        AccessRequest.id == req.id, AccessRequest.status == "pending").values(
        status=status, decided_by_id=actor.staff_id, decided_at=utcnow(),
        valid_until=valid_until if grant else None, decision_note=note)).rowcount
    if not done:
        session.rollback()
        raise Conflict(Msg("Yêu cầu này đã được xử lý.", "This request was already decided."))
    session.refresh(req)
    label = f"{case_file.code}/{case_file.year}"
    title = (Msg(f"Được khai thác hồ sơ {label} đến hết ngày {valid_until:%d/%m/%Y}.",
                 f"You may use case file {label} until {valid_until.isoformat()}.") if grant
             else Msg(f"Yêu cầu khai thác hồ sơ {label} bị từ chối: {note}",
                      f"Your request to use case file {label} was refused: {note}"))
    notify(session, [req.requester_id], Notice("access_decision", title), email=False)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="access_" + ("grant" if grant else "refuse"), object_type="case_file",
                 object_id=case_file.id,
                 details={"request_id": req.id, "valid_until": valid_until, "note": note})
    session.commit()
    return req


def list_requests(session: Session, actor: Actor, status: str | None = "pending",
                  page: int = 1, per_page: int = 30
                  ) -> tuple[list[tuple[AccessRequest, CaseFile]], int]:
    """The archivist sees the agency's requests; anyone else only their own."""
    stmt = (select(AccessRequest, CaseFile).join(CaseFile,
                                                 CaseFile.id == AccessRequest.case_file_id)
            .where(CaseFile.organization_id == actor.organization_id))
    if not actor.has(ca.ARCHIVIST):
        stmt = stmt.where(AccessRequest.requester_id == actor.staff_id)
    if status:
        stmt = stmt.where(AccessRequest.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(AccessRequest.id.desc())
                           .offset((max(1, page) - 1) * per_page).limit(per_page))
    return [tuple(r) for r in rows], total


# --- the sổ sử dụng bản lưu -------------------------------------------------------------

def _period(date_from: date | None, date_to: date | None, today: date) -> tuple[date, date]:
    date_to = date_to or today
    date_from = date_from or date_to.replace(day=1)
    if date_to < date_from:
        msg = Msg("Ngày kết thúc trước ngày bắt đầu.", "The end date is before the start date.")
        raise InvalidInput(msg, {"to": msg})
    return date_from, date_to


def _utc_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Vietnam days [from, to] as UTC instants."""
    start = datetime.combine(date_from, time(), tzinfo=ca.VN_TZ)
    return start, datetime.combine(date_to + timedelta(days=1), time(), tzinfo=ca.VN_TZ)


@dataclass
class UsageLine:
    use: ArchiveUse
    user: Staff
    case_file: CaseFile
    document: Document | None
    permitted_by: Staff | None


def usage_lines(session: Session, actor: Actor, date_from: date | None = None,
                date_to: date | None = None, *, page: int | None = None, per_page: int = 50,
                today: date | None = None) -> tuple[list[UsageLine], int, date, date]:
    """Uses of archived files in a period (archivist, leaders, office head)."""
    ca.require_overseer(actor)
    date_from, date_to = _period(date_from, date_to, today or ca.vn_today())
    start, end = _utc_bounds(date_from, date_to)
    stmt = select(ArchiveUse).where(ArchiveUse.organization_id == actor.organization_id,
                                    ArchiveUse.used_at >= start, ArchiveUse.used_at < end)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(ArchiveUse.used_at, ArchiveUse.id)
    if page is not None:
        stmt = stmt.offset((max(1, page) - 1) * per_page).limit(per_page)
    lines = [UsageLine(u, session.get(Staff, u.staff_id), session.get(CaseFile, u.case_file_id),
                       session.get(Document, u.document_id) if u.document_id else None,
                       session.get(Staff, u.permitted_by_id) if u.permitted_by_id else None)
             for u in session.scalars(stmt)]
    return lines, total, date_from, date_to


def _doc_reference(doc: Document | None) -> str:
    if doc is None:
        return ""
    code = "/".join(p for p in (doc.code_number, doc.code_notation) if p)
    day = doc.issued_date or doc.arrival_date
    return ", ".join(p for p in (code, f"{day:%d/%m/%Y}" if day else "") if p)


def _usage_row(line: UsageLine) -> tuple:
    doc, cf = line.document, line.case_file
    what = (f"{doc.doc_type.name + ' — ' if doc.doc_type else ''}{doc.subject}" if doc
            else f"Hồ sơ: {cf.title}")
    permitted = (line.permitted_by.full_name if line.permitted_by
                 else "Công khai (hồ sơ mở)")
    note = "; ".join(p for p in (USE_LABELS.get(line.use.action, line.use.action),
                                 line.use.notes) if p)
    return (f"{line.use.used_at.astimezone(ca.VN_TZ):%d/%m/%Y %H:%M}", line.user.full_name,
            _doc_reference(doc), what, f"{cf.code}/{cf.year}", "", "", permitted, note)


def print_usage(session: Session, actor: Actor, date_from: date | None, date_to: date | None,
                fmt: str, today: date | None = None) -> Printed:
    """The sổ sử dụng bản lưu of a period, PDF or XLSX; audited as a print."""
    lines, _total, date_from, date_to = usage_lines(session, actor, date_from, date_to,
                                                    today=today)
    org = session.get(Organization, actor.organization_id)
    report = TableReport(org.name, org.parent_name, "SỔ SỬ DỤNG BẢN LƯU",
                         [f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"],
                         USAGE_HEADERS, _USAGE_WIDTHS, [_usage_row(x) for x in lines],
                         empty_text="Không có lượt sử dụng nào trong khoảng thời gian này.")
    if fmt not in ("pdf", "xlsx"):
        msg = Msg("Định dạng phải là PDF hoặc XLSX.", "The format must be PDF or XLSX.")
        raise InvalidInput(msg, {"format": msg})
    data = table_xlsx(report) if fmt == "xlsx" else table_pdf(report)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="print",
                 object_type="archive_usage", object_id=None,
                 details={"from": date_from, "to": date_to, "format": fmt})
    session.commit()
    name = f"so-su-dung-ban-luu-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    return Printed(name, XLSX_TYPE if fmt == "xlsx" else "application/pdf", data)
