"""Notifications: in the app, and by e-mail through an outbox.

A notification is written in the same transaction as the step that causes
it, with ``email_status='pending'`` when the person has an address and mail
is configured; a job sends pending ones later (``send_pending``). So a
crash between the step and the e-mail loses nothing, and a slow or broken
SMTP server never slows down or breaks a step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.db import utcnow
from archive.errors import Msg, NotFound
from archive.identity import Actor
from archive.mailer import Mail, MailError
from archive.models import Document, Notification, Staff

MAX_MAIL_ATTEMPTS = 5
STALE_SENDING = timedelta(minutes=10)  # a sender that crashed mid-send


@dataclass(frozen=True)
class Notice:
    kind: str  # task | fyi | reminder | overdue | returned | result | delegated
    title: Msg
    document_id: int | None = None
    task_id: int | None = None


def doc_label(doc: Document) -> Msg:
    number = f"{doc.arrival_number}" if doc.arrival_number else f"#{doc.id}"
    subject = doc.subject if len(doc.subject) <= 120 else doc.subject[:117] + "…"
    return Msg(f"Số đến {number}: {subject}", f"Arrival no. {number}: {subject}")


def notify(session: Session, staff_ids, notice: Notice, *, email: bool) -> int:
    """Add one notification per person (duplicates and the inactive skipped)."""
    ids = sorted({i for i in staff_ids if i is not None})
    if not ids:
        return 0
    people = session.scalars(select(Staff).where(Staff.id.in_(ids), Staff.active)).all()
    for person in people:
        session.add(Notification(
            staff_id=person.id, kind=notice.kind, document_id=notice.document_id,
            task_id=notice.task_id, title_vi=notice.title.vi[:500], title_en=notice.title.en[:500],
            email_status="pending" if (email and person.email) else "none"))
    return len(people)


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.staff_id == actor.staff_id, Notification.read_at.is_(None))) or 0


def list_notifications(session: Session, actor: Actor, page: int = 1, per_page: int = 30
                       ) -> tuple[list[Notification], int]:
    base = select(Notification).where(Notification.staff_id == actor.staff_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = session.scalars(base.order_by(Notification.id.desc())
                            .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return list(items), total


def mark_read(session: Session, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one (or, with ``None``, every) notification of the actor read; commits."""
    stmt = update(Notification).where(Notification.staff_id == actor.staff_id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        if session.get(Notification, notification_id) is None:
            raise NotFound(Msg("Không tìm thấy thông báo.", "Notification not found."))
        stmt = stmt.where(Notification.id == notification_id)
    count = session.execute(stmt.values(read_at=utcnow())).rowcount
    session.commit()
    return count


def _mail_for(n: Notification, person: Staff, base_url: str) -> Mail:
    link = f"{base_url.rstrip('/')}/documents/{n.document_id}" if n.document_id else base_url
    text = (f"Kính gửi {person.full_name},\n\n{n.title_vi}\n\nXem và xử lý: {link}\n\n"
            "Thư này được gửi tự động từ hệ thống quản lý văn bản eOffice.\n")
    return Mail(to=(person.email,), subject=f"[eOffice] {n.title_vi}"[:200], text=text)


def send_pending(session: Session, mailer, base_url: str, limit: int = 50,
                 now: datetime | None = None) -> dict[str, int]:
    """Send pending e-mails; each is claimed by a conditional update first,
    so two clocks running at once never send the same message twice."""
    now = now or utcnow()
    session.execute(update(Notification).where(
        Notification.email_status == "sending", Notification.email_claimed_at < now - STALE_SENDING)
        .values(email_status="pending"))
    ids = session.scalars(select(Notification.id).where(Notification.email_status == "pending")
                          .order_by(Notification.id).limit(limit)).all()
    session.commit()
    report = {"sent": 0, "failed": 0}
    for nid in ids:
        claimed = session.execute(update(Notification).where(
            Notification.id == nid, Notification.email_status == "pending")
            .values(email_status="sending", email_claimed_at=now)).rowcount
        session.commit()
        if not claimed:
            continue
        n = session.get(Notification, nid)
        person = session.get(Staff, n.staff_id)
        try:
            mailer.send(_mail_for(n, person, base_url))
        except MailError as exc:
            n.email_attempts += 1
            n.email_error = str(exc)[:500]
            n.email_status = "pending" if n.email_attempts < MAX_MAIL_ATTEMPTS else "failed"
            report["failed"] += 1
        else:
            n.email_status, n.email_error = "sent", None
            report["sent"] += 1
        session.commit()
    return report
