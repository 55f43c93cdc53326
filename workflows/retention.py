"""A file's retention after it was set: extensions, recorded shortenings, legal holds.

DOMAIN §5 and the appendix's design note ("retain-until can only grow"):
* extending (a later retain-until, more years, or permanent) is the
  archivist's call, with a reason;
* shortening (an earlier date, fewer years, or permanent → a fixed period)
  needs an authorised, recorded decision: a decision reference and a reason,
  by an archivist or a leader. Nobody else, administrators included;
* a legal hold (placed and released with a reason by an archivist or a
  leader) blocks disposal for everyone while it is in force.
Every change is a ``RetentionChange`` / ``LegalHold`` row and an audit entry.
Retention stays manageable after the transfer: it is the archive's own
decision, not an edit of the frozen file's content.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive import audit, filing_rules
from archive.db import utcnow
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.filing_models import FILE_DISPOSED, CaseFile, LegalHold, RetentionChange
from archive.identity import Actor
from archive.text import fold
from workflows import current_archive as ca

__all__ = ["KEEP", "change_retention", "place_hold", "release_hold", "holds_of",
           "holds_in_force", "changes_of", "parse_years", "SHORTENING_ROLES"]

SHORTENING_ROLES = ("archivist", "leader")
HOLD_ROLES = ("archivist", "leader")
MAX_YEARS = 200


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()   # "years" not changed (None itself means permanent)


def parse_years(raw: str | None):
    """A form's period: "" → KEEP, "permanent"/"vinh-vien" → None, else whole years."""
    text = (raw or "").strip().lower()
    if not text:
        return KEEP
    if text in ("permanent", "vinh-vien", "vĩnh viễn"):
        return None
    try:
        years = int(text)
    except ValueError:
        years = 0
    if not 1 <= years <= MAX_YEARS:
        msg = Msg(f"Số năm từ 1 đến {MAX_YEARS}, hoặc Vĩnh viễn.",
                  f"Between 1 and {MAX_YEARS} years, or permanent.")
        raise InvalidInput(msg, {"years": msg})
    return years


@dataclass(frozen=True)
class _Plan:
    old_years: int | None
    new_years: int | None
    old_until: date | None
    new_until: date | None

    @property
    def changed(self) -> bool:
        return (self.old_years, self.old_until) != (self.new_years, self.new_until)

    @property
    def shortens(self) -> bool:
        """Any part earlier or shorter than before (a mixed change counts as shortening)."""
        if self.old_years is None and self.new_years is not None:
            return True
        if None not in (self.old_years, self.new_years) and self.new_years < self.old_years:
            return True
        return None not in (self.old_until, self.new_until) and self.new_until < self.old_until


def _plan(case_file: CaseFile, years, until: date | None) -> _Plan:
    """The new period and date: a given date wins; new years recompute the date."""
    new_years = case_file.retention_years if years is KEEP else years
    if new_years is None:
        if until is not None:
            msg = Msg("Hồ sơ bảo quản vĩnh viễn không có ngày hết hạn.",
                      "A permanent file has no end date.")
            raise InvalidInput(msg, {"until": msg})
        new_until = None
    elif until is not None:
        new_until = until
    elif years is not KEEP:
        new_until = filing_rules.retain_until(case_file.end_date, new_years)
    else:
        new_until = case_file.retain_until
    if new_years is not None and new_until is None and case_file.retain_until is not None:
        msg = Msg("Nhập ngày hết hạn bảo quản.", "Give the retain-until date.")
        raise InvalidInput(msg, {"until": msg})
    return _Plan(case_file.retention_years, new_years, case_file.retain_until, new_until)


def _authorise(actor: Actor, plan: _Plan, decision_ref: str | None) -> None:
    """Extending: the archivist. Shortening: archivist or leader, with a decision."""
    if plan.shortens:
        if not actor.has(*SHORTENING_ROLES):
            raise PermissionDenied(Msg(
                "Chỉ cán bộ lưu trữ hoặc lãnh đạo được rút ngắn thời hạn bảo quản, theo "
                "quyết định có số hiệu.",
                "Only the archivist or a leader may shorten retention, under a decision."))
        if not decision_ref:
            msg = Msg("Rút ngắn thời hạn bảo quản phải có số, ký hiệu quyết định.",
                      "Shortening retention needs the decision's reference.")
            raise InvalidInput(msg, {"decision_ref": msg})
    else:
        ca.require_archivist(actor)


def change_retention(session: Session, actor: Actor, case_file_id: int, *, years=KEEP,
                     until: date | None = None, reason: str | None,
                     decision_ref: str | None = None, version: int | None = None
                     ) -> RetentionChange:
    """Change a file's retention period and/or retain-until date; recorded; commits.

    ``years``: KEEP (unchanged), None (permanent) or a number of years.
    Raises InvalidInput (no change, missing reason or decision), PermissionDenied,
    Conflict (disposed file, stale form).
    """
    case_file = ca.get_file(session, actor, case_file_id)
    if case_file.status == FILE_DISPOSED:
        raise Conflict(Msg("Hồ sơ đã bị hủy.", "The case file was destroyed."))
    ca.check_version(case_file, version)
    plan = _plan(case_file, years, until)
    if not plan.changed:
        msg = Msg("Thời hạn bảo quản không thay đổi.", "The retention is unchanged.")
        raise InvalidInput(msg, {"years": msg})
    decision_ref = (decision_ref or "").strip()[:100] or None
    _authorise(actor, plan, decision_ref)
    reason = ca.required_text(reason, "reason", Msg("Nhập lý do thay đổi.", "Give a reason."))
    ca.bump(session, case_file, retention_years=plan.new_years, retain_until=plan.new_until)
    change = RetentionChange(
        case_file_id=case_file.id, old_until=plan.old_until, new_until=plan.new_until,
        old_years=plan.old_years, new_years=plan.new_years, reason=reason,
        decision_ref=decision_ref, decided_by_id=actor.staff_id, decided_at=utcnow())
    session.add(change)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="retention_shorten" if plan.shortens else "retention_extend",
                 object_type="case_file", object_id=case_file.id,
                 details={"old_years": plan.old_years, "new_years": plan.new_years,
                          "old_until": plan.old_until, "new_until": plan.new_until,
                          "decision_ref": decision_ref, "reason": reason,
                          "change_id": change.id})
    session.commit()
    return change


def changes_of(session: Session, case_file: CaseFile) -> list[RetentionChange]:
    return list(session.scalars(select(RetentionChange).where(
        RetentionChange.case_file_id == case_file.id).order_by(RetentionChange.id)))


# --- legal holds ----------------------------------------------------------------------

def _require_hold_role(actor: Actor) -> None:
    if not actor.has(*HOLD_ROLES):
        raise PermissionDenied(Msg("Chỉ cán bộ lưu trữ hoặc lãnh đạo được đặt, gỡ lệnh giữ.",
                                   "Only the archivist or a leader may place or lift holds."))


def holds_of(session: Session, case_file: CaseFile, in_force_only: bool = False
             ) -> list[LegalHold]:
    stmt = select(LegalHold).where(LegalHold.case_file_id == case_file.id)
    if in_force_only:
        stmt = stmt.where(LegalHold.released_at.is_(None))
    return list(session.scalars(stmt.order_by(LegalHold.id)))


def place_hold(session: Session, actor: Actor, case_file_id: int, reason: str | None
               ) -> LegalHold:
    """Stop a file from being disposed of (litigation, inspection…); commits."""
    _require_hold_role(actor)
    case_file = ca.get_file(session, actor, case_file_id, lock=True)
    if case_file.status == FILE_DISPOSED:
        raise Conflict(Msg("Hồ sơ đã bị hủy.", "The case file was destroyed."))
    reason = ca.required_text(reason, "reason", Msg("Nhập lý do giữ hồ sơ.",
                                                    "Give the reason for the hold."))
    if any(fold(h.reason) == fold(reason) for h in holds_of(session, case_file, True)):
        raise Conflict(Msg("Hồ sơ đã có lệnh giữ với lý do này.",
                           "The file already has a hold for this reason."))
    hold = LegalHold(case_file_id=case_file.id, reason=reason, placed_by_id=actor.staff_id,
                     placed_at=utcnow())
    session.add(hold)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="hold_place", object_type="case_file", object_id=case_file.id,
                 details={"hold_id": hold.id, "reason": reason})
    session.commit()
    return hold


def release_hold(session: Session, actor: Actor, hold_id: int, reason: str | None) -> LegalHold:
    """Lift a hold, with the reason; a hold already lifted cannot be lifted again."""
    _require_hold_role(actor)
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(Msg("Không tìm thấy lệnh giữ.", "Hold not found."))
    case_file = ca.get_file(session, actor, hold.case_file_id)
    release_reason = ca.required_text(reason, "release_reason", Msg(
        "Nhập lý do gỡ lệnh giữ.", "Give the reason for lifting the hold."))
    lifted = session.execute(update(LegalHold).where(
        LegalHold.id == hold.id, LegalHold.released_at.is_(None)).values(
        released_by_id=actor.staff_id, released_at=utcnow(),
        release_reason=release_reason)).rowcount
    if not lifted:
        session.rollback()
        raise Conflict(Msg("Lệnh giữ này đã được gỡ.", "This hold was already lifted."))
    session.refresh(hold)
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="hold_release", object_type="case_file", object_id=case_file.id,
                 details={"hold_id": hold.id, "reason": hold.release_reason})
    session.commit()
    return hold


def holds_in_force(session: Session, actor: Actor, limit: int = 500
                   ) -> list[tuple[LegalHold, CaseFile]]:
    """Every hold in force in the agency (the archivist's desk)."""
    ca.require_overseer(actor)
    return [tuple(r) for r in session.execute(
        select(LegalHold, CaseFile).join(CaseFile, CaseFile.id == LegalHold.case_file_id)
        .where(CaseFile.organization_id == actor.organization_id,
               LegalHold.released_at.is_(None))
        .order_by(LegalHold.placed_at.desc()).limit(limit))]
