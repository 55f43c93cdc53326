"""The retention catalogue (bảng thời hạn bảo quản) as data the archivist edits.

DOMAIN §5.3: retention is a data-driven catalogue (code, group, description,
period in years or permanent, legal basis, effective date), seeded from the
common groups of TT 10/2022 (``archive/retention_seed.py``, migration 0006)
and corrected by the archivist, never a code change. Lines whose legal text
has not been checked carry ``to_confirm`` and show a badge.

Lines are attached to danh mục entries and case files, so a line in use is
never deleted, and its period is not changed under them: the archivist
deactivates it (it stays valid where it is used, it is no longer offered)
and creates a corrected line. Only an archivist or an administrator edits;
every change is audited; the form carries the line's ``updated_at`` so an
edit made on a stale page is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive import audit
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.filing_models import CaseFile, FileListEntry, RetentionPeriod
from archive.identity import Actor
from archive.retention_seed import RETENTION_SEED

__all__ = ["list_periods", "active_periods", "get_period", "create_period", "update_period",
           "set_active", "delete_period", "is_used", "used_ids", "stamp_of", "ensure_seed",
           "EDITORS", "MAX_YEARS"]

EDITORS = ("archivist", "admin")
MAX_YEARS = 100
NOT_FOUND = Msg("Không tìm thấy dòng thời hạn bảo quản.", "Retention line not found.")
STALE = Msg("Dòng này vừa được người khác sửa; hãy tải lại trang và kiểm tra trước khi lưu.",
            "Someone else changed this line; reload the page and check before saving.")


@dataclass(frozen=True)
class PeriodValues:
    """A checked form: what a line will hold."""

    code: str
    group_name: str
    description: str
    years: int | None
    legal_basis: str
    effective_from: date | None
    to_confirm: bool


def _require_editor(actor: Actor) -> None:
    if not actor.has(*EDITORS):
        raise PermissionDenied(Msg("Chỉ cán bộ lưu trữ hoặc quản trị được sửa bảng thời hạn "
                                   "bảo quản.", "Only the archivist or an administrator may "
                                   "edit the retention catalogue."))


def _text(values: dict, name: str, limit: int, label_vi: str, label_en: str,
          required: bool = False) -> str:
    value = " ".join(str(values.get(name) or "").split())
    if required and not value:
        msg = Msg(f"Chưa nhập {label_vi}.", f"{label_en} is required.")
        raise InvalidInput(msg, {name: msg})
    if len(value) > limit:
        msg = Msg(f"{label_vi.capitalize()} dài quá {limit} ký tự.",
                  f"{label_en} is longer than {limit} characters.")
        raise InvalidInput(msg, {name: msg})
    return value


def _years(values: dict) -> int | None:
    """Vĩnh viễn (None) when ticked, otherwise a whole number of years."""
    if str(values.get("permanent") or "") in ("1", "on", "true"):
        return None
    raw = str(values.get("years") or "").strip()
    msg = Msg(f"Thời hạn là số năm từ 1 đến {MAX_YEARS}, hoặc chọn “Vĩnh viễn”.",
              f"The period is a number of years from 1 to {MAX_YEARS}, or “permanent”.")
    try:
        years = int(raw)
    except ValueError:
        raise InvalidInput(msg, {"years": msg}) from None
    if not 1 <= years <= MAX_YEARS:
        raise InvalidInput(msg, {"years": msg})
    return years


def _date(values: dict, name: str) -> date | None:
    raw = str(values.get(name) or "").strip()
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    msg = Msg("Ngày không hợp lệ (dd/mm/yyyy).", "Invalid date (dd/mm/yyyy).")
    raise InvalidInput(msg, {name: msg})


def parse_values(values: dict) -> PeriodValues:
    """Check a submitted line; the first problem is raised with its field."""
    code = _text(values, "code", 30, "mã", "Code", required=True).upper()
    return PeriodValues(
        code=code,
        group_name=_text(values, "group_name", 200, "nhóm hồ sơ", "Group", required=True),
        description=_text(values, "description", 1000, "mô tả", "Description"),
        years=_years(values),
        legal_basis=_text(values, "legal_basis", 300, "căn cứ pháp lý", "Legal basis"),
        effective_from=_date(values, "effective_from"),
        to_confirm=str(values.get("to_confirm") or "") in ("1", "on", "true"))


# --- reading ------------------------------------------------------------------

def _order():
    """Vĩnh viễn first, then longer periods first, then by code."""
    return (RetentionPeriod.years.is_(None).desc(), RetentionPeriod.years.desc(),
            RetentionPeriod.code)


def list_periods(session: Session, include_inactive: bool = True) -> list[RetentionPeriod]:
    stmt = select(RetentionPeriod).order_by(*_order())
    if not include_inactive:
        stmt = stmt.where(RetentionPeriod.active.is_(True))
    return list(session.scalars(stmt))


def active_periods(session: Session) -> list[RetentionPeriod]:
    """The lines offered when a danh mục entry is written."""
    return list_periods(session, include_inactive=False)


def get_period(session: Session, period_id: int) -> RetentionPeriod:
    period = session.get(RetentionPeriod, period_id)
    if period is None:
        raise NotFound(NOT_FOUND)
    return period


def is_used(session: Session, period_id: int) -> bool:
    """Attached to a danh mục entry or a case file (then it is never deleted)."""
    return bool(session.scalar(select(or_(
        exists().where(FileListEntry.retention_id == period_id),
        exists().where(CaseFile.retention_id == period_id)))))


def used_ids(session: Session) -> set[int]:
    """The lines attached to any danh mục entry or case file (the page shows no
    delete button for them)."""
    entries = select(FileListEntry.retention_id)
    files = select(CaseFile.retention_id).where(CaseFile.retention_id.is_not(None))
    return set(session.scalars(entries.union(files)))


def stamp_of(period: RetentionPeriod) -> str:
    """The stale-form token: when the line was last written, in UTC."""
    return period.updated_at.astimezone(timezone.utc).isoformat()


# --- changes --------------------------------------------------------------------

def _check_code_free(session: Session, code: str, exclude: int | None = None) -> None:
    other = session.scalar(select(RetentionPeriod).where(RetentionPeriod.code == code))
    if other is not None and other.id != exclude:
        msg = Msg(f"Mã “{code}” đã có trong bảng thời hạn bảo quản.",
                  f"Code “{code}” is already in the retention catalogue.")
        raise Conflict(msg, {"code": msg})


def _check_fresh(period: RetentionPeriod, stamp: str | None) -> None:
    if not stamp or stamp != stamp_of(period):
        raise Conflict(STALE)


def _record(session: Session, actor: Actor, action: str, period: RetentionPeriod,
            details: dict) -> None:
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.full_name or actor.username,
                 action=action, object_type="retention_period", object_id=period.id,
                 details={"code": period.code, **details})


def _snapshot(period: RetentionPeriod) -> dict:
    return {"code": period.code, "group_name": period.group_name, "years": period.years,
            "legal_basis": period.legal_basis, "to_confirm": period.to_confirm,
            "effective_from": period.effective_from, "description": period.description}


def create_period(session: Session, actor: Actor, values: dict) -> RetentionPeriod:
    """A new line of the catalogue (audited)."""
    _require_editor(actor)
    checked = parse_values(values)
    _check_code_free(session, checked.code)
    period = RetentionPeriod(**checked.__dict__, active=True, updated_by_id=actor.staff_id,
                             updated_at=utcnow())
    session.add(period)
    try:
        session.flush()
    except IntegrityError:            # the same code saved at the same moment (double click)
        session.rollback()
        _check_code_free(session, checked.code)
        raise
    _record(session, actor, "retention_create", period, _snapshot(period))
    session.commit()
    return period


def update_period(session: Session, actor: Actor, period_id: int, values: dict,
                  stamp: str | None) -> RetentionPeriod:
    """Correct a line. The period of a line in use stays as it is: files and
    approved lists rely on it; deactivate it and create a corrected line."""
    _require_editor(actor)
    period = get_period(session, period_id)
    _check_fresh(period, stamp)
    checked = parse_values(values)
    _check_code_free(session, checked.code, exclude=period.id)
    if checked.years != period.years and is_used(session, period.id):
        msg = Msg("Dòng này đã được dùng trong danh mục hoặc hồ sơ nên không đổi được thời hạn; "
                  "hãy ngừng dùng dòng này và tạo dòng mới.",
                  "This line is used by a file list or a file, so its period cannot change; "
                  "deactivate it and create a new line.")
        raise Conflict(msg, {"years": msg})
    before = _snapshot(period)
    for name, value in checked.__dict__.items():
        setattr(period, name, value)
    period.updated_by_id, period.updated_at = actor.staff_id, utcnow()
    session.flush()
    _record(session, actor, "retention_update", period, {"before": before,
                                                          "after": _snapshot(period)})
    session.commit()
    return period


def set_active(session: Session, actor: Actor, period_id: int, active: bool,
               stamp: str | None) -> RetentionPeriod:
    """Deactivate (no longer offered; still valid where used) or reactivate a line."""
    _require_editor(actor)
    period = get_period(session, period_id)
    _check_fresh(period, stamp)
    if period.active == active:
        return period          # a double click: nothing to do
    period.active = active
    period.updated_by_id, period.updated_at = actor.staff_id, utcnow()
    session.flush()
    _record(session, actor, "retention_activate" if active else "retention_deactivate",
            period, {})
    session.commit()
    return period


def delete_period(session: Session, actor: Actor, period_id: int, stamp: str | None) -> None:
    """Remove a line entered by mistake; a line in use is only ever deactivated."""
    _require_editor(actor)
    period = get_period(session, period_id)
    _check_fresh(period, stamp)
    if is_used(session, period.id):
        raise Conflict(Msg("Dòng này đã được dùng trong danh mục hoặc hồ sơ nên không xóa được; "
                           "hãy ngừng dùng dòng này.",
                           "This line is used by a file list or a file and cannot be deleted; "
                           "deactivate it instead."))
    _record(session, actor, "retention_delete", period, _snapshot(period))
    session.delete(period)
    session.commit()


def ensure_seed(session: Session) -> int:
    """Insert the seed lines whose codes are missing (a database built without
    migration 0006, e.g. from the models); lines already there are left alone."""
    present = set(session.scalars(select(RetentionPeriod.code)))
    added = 0
    for line in RETENTION_SEED:
        if line.code not in present:
            session.add(RetentionPeriod(**line.__dict__, active=True, updated_at=utcnow()))
            added += 1
    session.flush()
    return added
