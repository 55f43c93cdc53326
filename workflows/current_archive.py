"""What the use cases of the agency archive (lưu trữ hiện hành) share.

Who manages the archive, how a case file is looked up for an actor (only in
their own agency: a file of another agency "does not exist"), Vietnam's
calendar day, and the stale-form check every state change of a file makes.
Used by ``archive_transfer``, ``retention``, ``disposal`` and
``archive_access`` (DOMAIN §2.13, §5).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.filing_models import CaseFile
from archive.identity import Actor
from archive.models import Staff, StaffRole

VN_TZ = timezone(timedelta(hours=7))
ARCHIVIST = "archivist"
# Who may read the archive's lists (due files, transfers, mục lục, sổ sử dụng).
OVERSEERS = ("archivist", "leader", "office_head")
FILE_NOT_FOUND = Msg("Không tìm thấy hồ sơ.", "Case file not found.")
STALE = Msg("Hồ sơ vừa được người khác thay đổi; hãy tải lại trang và làm lại.",
            "The case file was changed by someone else; reload the page and try again.")


def vn_today(now: datetime | None = None) -> date:
    """The calendar day in Vietnam (deadlines and retention run on local days)."""
    return (now or datetime.now(timezone.utc)).astimezone(VN_TZ).date()


def require_archivist(actor: Actor) -> None:
    """Receiving files, deciding requests and appraisal belong to the archivist."""
    if not actor.has(ARCHIVIST):
        raise PermissionDenied(Msg("Chỉ cán bộ lưu trữ được thực hiện thao tác này.",
                                   "Only the archivist may do this."))


def require_overseer(actor: Actor) -> None:
    """Lists of the archive: the archivist, the leaders and the office head."""
    if not actor.has(*OVERSEERS):
        raise PermissionDenied(Msg("Bạn không có quyền xem danh sách của kho lưu trữ.",
                                   "You may not read the archive's lists."))


def department_scope(actor: Actor) -> int | None:
    """The department whose files ``actor`` may list (None: all of the agency).

    A department head sees their own department's files; the overseers see all.
    """
    if actor.has(*OVERSEERS):
        return None
    if actor.has("department_head") and actor.department_id is not None:
        return actor.department_id
    require_overseer(actor)
    return None


def get_file(session: Session, actor: Actor, case_file_id: int, *,
             lock: bool = False) -> CaseFile:
    """The case file of the actor's agency (another agency's file is "not found")."""
    stmt = select(CaseFile).where(CaseFile.id == case_file_id)
    if lock:   # and re-read: another transaction may just have changed it
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(FILE_NOT_FOUND)
    return found


def check_version(case_file: CaseFile, version: int | None) -> None:
    """Refuse a form built on an older state of the file (double submit, stale tab)."""
    if version is not None and version != case_file.version:
        raise Conflict(STALE)


def bump(session: Session, case_file: CaseFile, **values) -> None:
    """Write ``values`` only if nobody changed the file since it was read (the
    conditional update makes two simultaneous clicks change it once)."""
    done = session.execute(update(CaseFile).where(
        CaseFile.id == case_file.id, CaseFile.version == case_file.version)
        .values(version=CaseFile.version + 1, **values)).rowcount
    if not done:
        session.rollback()
        raise Conflict(STALE)
    session.refresh(case_file)


def staff_with_role(session: Session, organization_id: int, role: str,
                    department_id: int | None = None) -> list[int]:
    """Active staff of an agency (optionally of one department) holding ``role``."""
    stmt = (select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(Staff.organization_id == organization_id, Staff.active,
                   StaffRole.role == role))
    if department_id is not None:
        stmt = stmt.where(Staff.department_id == department_id)
    return list(session.scalars(stmt.order_by(Staff.id)))


def staff_of_agency(session: Session, actor: Actor, staff_id: int | None, field: str,
                    label: Msg) -> Staff:
    """An active person of the actor's agency named in a form, or a field error."""
    person = session.get(Staff, staff_id) if staff_id else None
    if person is None or person.organization_id != actor.organization_id or not person.active:
        raise InvalidInput(label, {field: label})
    return person


def required_text(value: str | None, field: str, msg: Msg, limit: int = 500) -> str:
    """A reason or note that must be given (trimmed, at most ``limit`` characters)."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(msg, {field: msg})
    if len(text) > limit:
        too_long = Msg(f"Tối đa {limit} ký tự.", f"At most {limit} characters.")
        raise InvalidInput(too_long, {field: too_long})
    return text
