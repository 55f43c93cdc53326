"""Submission of closed case files to the agency archive (nộp lưu; DOMAIN §2.13, §5.2).

* The due list: closed files with their ``transfer_due`` (set when the file
  is closed, from ``archive.filing_rules.transfer_due``), overdue ones first.
* The 30-day reminder (Phụ lục VI §III.5.b): run by the routing clock; the
  file's creator and the heads of its department are told once, and
  ``CaseFile.reminded_at`` is stamped by a conditional update so a second
  tick, or a second clock, never sends it twice.
* The transfer itself: the archivist receives selected closed files of one
  department; one ``Transfer`` (biên bản giao nhận) numbered per agency and
  year; every file becomes "transferred" and is frozen from then on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import audit, filing_rules
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound
from archive.filing_models import (FILE_CLOSED, FILE_OPEN, FILE_TRANSFERRED, CaseFile,
                                   CaseFileItem, Transfer)
from archive.identity import Actor
from archive.models import Department, DocumentFile
from workflows import current_archive as ca
from workflows.notify import Notice, notify

__all__ = ["DueFile", "due_files", "due_report", "send_transfer_reminders", "closed_files",
           "receive_transfer", "get_transfer", "transfer_files", "list_transfers"]

MAX_FILES_PER_TRANSFER = 500


# --- the due list -------------------------------------------------------------------

@dataclass
class DueFile:
    case_file: CaseFile
    due: date
    remind_on: date
    overdue: bool


def due_files(session: Session, actor: Actor, today: date | None = None,
              department_id: int | None = None, limit: int = 1000) -> list[DueFile]:
    """Closed files that must go to the archive, earliest (overdue) first; a
    department head sees their own department's."""
    scope = ca.department_scope(actor)
    return due_report(session, today or ca.vn_today(), actor.organization_id,
                      scope if scope is not None else department_id, limit)


def due_report(session: Session, today: date, organization_id: int | None = None,
               department_id: int | None = None, limit: int = 1000) -> list[DueFile]:
    """The due list without a person (``flask records due``): every agency or one."""
    stmt = select(CaseFile).where(CaseFile.status == FILE_CLOSED,
                                  CaseFile.transfer_due.is_not(None))
    if organization_id is not None:
        stmt = stmt.where(CaseFile.organization_id == organization_id)
    if department_id is not None:
        stmt = stmt.where(CaseFile.department_id == department_id)
    rows = session.scalars(stmt.order_by(CaseFile.transfer_due, CaseFile.code, CaseFile.id)
                           .limit(limit))
    return [DueFile(f, f.transfer_due, filing_rules.reminder_date(f.transfer_due),
                    f.transfer_due < today) for f in rows]


# --- the 30-day reminder (run by the clock) -----------------------------------------

def _reminder_text(case_file: CaseFile) -> Msg:
    due = case_file.transfer_due
    return Msg(f"Hồ sơ {case_file.code}/{case_file.year} “{case_file.title[:150]}” đến hạn "
               f"nộp lưu vào lưu trữ cơ quan ngày {due:%d/%m/%Y}.",
               f"Case file {case_file.code}/{case_file.year} “{case_file.title[:150]}” is due "
               f"for transfer to the agency archive on {due.isoformat()}.")


def send_transfer_reminders(session: Session, now: datetime, *, email: bool = False,
                            limit: int = 500) -> int:
    """Tell the creator and the department heads of each closed file whose
    reminder day (due date − 30 days, Vietnam time) has come; once per file."""
    today = ca.vn_today(now)
    # reminder_date(due) <= today  ⇔  due <= today + REMINDER_DAYS
    horizon = today + timedelta(days=filing_rules.REMINDER_DAYS)
    ids = list(session.scalars(select(CaseFile.id).where(
        CaseFile.status == FILE_CLOSED, CaseFile.transfer_due.is_not(None),
        CaseFile.transfer_due <= horizon, CaseFile.reminded_at.is_(None))
        .order_by(CaseFile.transfer_due, CaseFile.id).limit(limit)))
    sent = 0
    for file_id in ids:
        claimed = session.execute(update(CaseFile).where(
            CaseFile.id == file_id, CaseFile.status == FILE_CLOSED,
            CaseFile.reminded_at.is_(None)).values(reminded_at=now)).rowcount
        if not claimed:
            session.rollback()
            continue
        case_file = session.get(CaseFile, file_id)
        heads = (ca.staff_with_role(session, case_file.organization_id, "department_head",
                                    case_file.department_id)
                 if case_file.department_id else [])
        notify(session, [case_file.creator_id, *heads],
               Notice("transfer_due", _reminder_text(case_file)), email=email)
        session.commit()
        sent += 1
    return sent


# --- choosing and receiving files ---------------------------------------------------

def closed_files(session: Session, actor: Actor, department_id: int | None,
                 limit: int = 1000) -> list[CaseFile]:
    """Closed files of a department (None: without a department) the archivist may receive."""
    ca.require_archivist(actor)
    dept = (CaseFile.department_id == department_id if department_id is not None
            else CaseFile.department_id.is_(None))
    return list(session.scalars(select(CaseFile).where(
        CaseFile.organization_id == actor.organization_id, CaseFile.status == FILE_CLOSED,
        dept).order_by(CaseFile.transfer_due.is_(None), CaseFile.transfer_due, CaseFile.year,
                       CaseFile.code).limit(limit)))


def _check_department(session: Session, actor: Actor, department_id: int | None) -> None:
    if department_id is None:
        return
    dept = session.get(Department, department_id)
    if dept is None or dept.organization_id != actor.organization_id:
        msg = Msg("Phòng, ban không tồn tại.", "Unknown department.")
        raise InvalidInput(msg, {"department_id": msg})


def _chosen_files(session: Session, actor: Actor, file_ids, department_id) -> list[CaseFile]:
    """The selected files, each checked: this agency, this department, closed."""
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        msg = Msg("Chọn ít nhất một hồ sơ để nhận.", "Choose at least one case file.")
        raise InvalidInput(msg, {"file_ids": msg})
    if len(ids) > MAX_FILES_PER_TRANSFER:
        msg = Msg(f"Mỗi lần nhận tối đa {MAX_FILES_PER_TRANSFER} hồ sơ.",
                  f"At most {MAX_FILES_PER_TRANSFER} files per transfer.")
        raise InvalidInput(msg, {"file_ids": msg})
    files = [ca.get_file(session, actor, i) for i in ids]
    for f in files:
        if f.status == FILE_TRANSFERRED or f.frozen:
            raise Conflict(Msg(f"Hồ sơ {f.code}/{f.year} đã được nộp lưu trước đó.",
                               f"Case file {f.code}/{f.year} was already transferred."),
                           {"file_ids": Msg("Hồ sơ đã nộp lưu.", "Already transferred.")})
        if f.status == FILE_OPEN:
            msg = Msg(f"Hồ sơ {f.code}/{f.year} chưa kết thúc; chỉ nhận hồ sơ đã kết thúc.",
                      f"Case file {f.code}/{f.year} is still open; only closed files "
                      "can be received.")
            raise InvalidInput(msg, {"file_ids": msg})
        if f.department_id != department_id:
            msg = Msg(f"Hồ sơ {f.code}/{f.year} không thuộc phòng, ban đã chọn.",
                      f"Case file {f.code}/{f.year} is not of the chosen department.")
            raise InvalidInput(msg, {"file_ids": msg})
    return files


def _computer_files(session: Session, file_ids: list[int]) -> int:
    """Tệp tin handed over: the files of the documents held (each counted once)."""
    docs = select(CaseFileItem.document_id).where(CaseFileItem.case_file_id.in_(file_ids))
    return session.scalar(select(func.count(DocumentFile.id)).where(
        DocumentFile.document_id.in_(docs), DocumentFile.destroyed_at.is_(None))) or 0


def _new_transfer(session: Session, actor: Actor, year: int, **values) -> Transfer:
    """Insert the record with the next number of the agency's year (retried when a
    concurrent transfer took the same number)."""
    for _attempt in range(5):
        number = (session.scalar(select(func.max(Transfer.number)).where(
            Transfer.organization_id == actor.organization_id, Transfer.year == year)) or 0) + 1
        transfer = Transfer(organization_id=actor.organization_id, year=year, number=number,
                            **values)
        try:
            with session.begin_nested():
                session.add(transfer)
                session.flush()
        except IntegrityError:
            continue
        return transfer
    raise Conflict(Msg("Không cấp được số biên bản; hãy thử lại.",
                       "Could not number the transfer; try again."))


def _freeze(session: Session, files: list[CaseFile], transfer: Transfer) -> None:
    """Mark the files transferred, only if still closed (a double submit loses here)."""
    done = session.execute(update(CaseFile).where(
        CaseFile.id.in_([f.id for f in files]), CaseFile.status == FILE_CLOSED)
        .values(status=FILE_TRANSFERRED, transfer_id=transfer.id,
                version=CaseFile.version + 1)).rowcount
    if done != len(files):
        session.rollback()
        raise Conflict(Msg("Một số hồ sơ vừa được nộp lưu hoặc thay đổi; hãy tải lại trang.",
                           "Some files were just transferred or changed; reload the page."))
    for f in files:
        session.refresh(f)


def _queue_preservation(session: Session, files: list[CaseFile]) -> None:
    """PDF/A copies of the archived PDFs, when the preservation module is there."""
    try:
        from workflows.preservation import queue_case_file
    except ImportError:
        return
    for f in files:
        queue_case_file(session, f)


def receive_transfer(session: Session, actor: Actor, *, department_id: int | None,
                     file_ids, handed_by_id: int | None, notes: str | None = None,
                     today: date | None = None) -> Transfer:
    """The archivist receives closed files of one department (biên bản giao nhận);
    the files are frozen from then on. Commits.

    Raises PermissionDenied (not the archivist), NotFound (a file of another
    agency), InvalidInput (open file, wrong department, nobody handing over),
    Conflict (already transferred: a double submit changes nothing).
    """
    ca.require_archivist(actor)
    today = today or ca.vn_today()
    _check_department(session, actor, department_id)
    handed_by = ca.staff_of_agency(session, actor, handed_by_id, "handed_by_id", Msg(
        "Chọn người giao hồ sơ.", "Choose who hands the files over."))
    files = _chosen_files(session, actor, file_ids, department_id)
    ids = [f.id for f in files]
    transfer = _new_transfer(
        session, actor, today.year, department_id=department_id, handed_by_id=handed_by.id,
        received_by_id=actor.staff_id, transferred_at=utcnow(), file_count=len(files),
        computer_file_count=_computer_files(session, ids),
        notes=(notes or "").strip()[:500] or None)
    _freeze(session, files, transfer)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="archive_transfer", object_type="archive_transfer",
                 object_id=transfer.id,
                 details={"number": transfer.number, "year": transfer.year, "file_ids": ids,
                          "handed_by_id": handed_by.id, "department_id": department_id,
                          "file_count": transfer.file_count,
                          "computer_file_count": transfer.computer_file_count})
    for f in files:
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="transfer", object_type="case_file", object_id=f.id,
                     details={"transfer_id": transfer.id, "code": f.code, "year": f.year})
    _queue_preservation(session, files)
    session.commit()
    return transfer


# --- reading transfers --------------------------------------------------------------

def get_transfer(session: Session, actor: Actor, transfer_id: int) -> Transfer:
    """A transfer of the actor's agency (archivist, leaders, office head)."""
    ca.require_overseer(actor)
    transfer = session.get(Transfer, transfer_id)
    if transfer is None or transfer.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy biên bản giao nhận.", "Transfer not found."))
    return transfer


def transfer_files(session: Session, transfer: Transfer) -> list[CaseFile]:
    return list(session.scalars(select(CaseFile).where(CaseFile.transfer_id == transfer.id)
                                .order_by(CaseFile.year, CaseFile.code, CaseFile.id)))


def list_transfers(session: Session, actor: Actor, page: int = 1, per_page: int = 20
                   ) -> tuple[list[Transfer], int]:
    """Transfers received, newest first."""
    ca.require_overseer(actor)
    base = select(Transfer).where(Transfer.organization_id == actor.organization_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = session.scalars(base.order_by(Transfer.year.desc(), Transfer.number.desc())
                            .offset((max(1, page) - 1) * per_page).limit(per_page))
    return list(items), total
