"""The routing clock: timers of the diagrams, reminders, overdue marks, e-mail.

``tick`` is the one job that keeps deadlines honest. It is idempotent and
safe to run from several processes at once: every mark is a conditional
update (``... WHERE reminded_at IS NULL``), so a reminder is sent once even
when two clocks run. Everything it needs is in the database (``next_due_at``,
``remind_at``, ``due_at``, the mail outbox), so it picks up where it left
off after any restart.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.errors import Msg
from archive.models import Task
from workflows import archive_transfer, exchange_in, exchange_out
from workflows.notify import Notice, doc_label, notify, send_pending
from workflows.routing import Routing


@dataclass
class TickReport:
    timers: int = 0
    reminders: int = 0
    overdue: int = 0
    mail_sent: int = 0
    mail_failed: int = 0
    transfer_reminders: int = 0   # case files due for the agency archive (30 days ahead)
    exchange_statuses: int = 0    # 04/05/06 queued for senders of exchanged documents
    exchange_delivered: int = 0   # edXML packages delivered this pass
    exchange_retrying: int = 0    # deliveries that failed and wait for their next attempt
    exchange_failed: int = 0      # deliveries given up (refused, or too many attempts)
    exchange_polled: int = 0      # messages taken from the national axis / LGSP
    exchange_poll_error: str = ""  # why the axis could not be read (tried again next pass)


def _due_tasks(session: Session, column, marker, now: datetime, limit: int) -> list[int]:
    return list(session.scalars(select(Task.id).where(
        Task.status == "ready", column.is_not(None), column <= now, marker.is_(None))
        .order_by(column).limit(limit)))


def _mark(session: Session, task_id: int, marker_name: str, now: datetime) -> bool:
    marker = getattr(Task, marker_name)
    return bool(session.execute(update(Task).where(
        Task.id == task_id, Task.status == "ready", marker.is_(None))
        .values({marker_name: now})).rowcount)


def send_reminders(session: Session, routing: Routing, now: datetime, limit: int = 500) -> int:
    """Tell whoever works a task that its deadline is near (once)."""
    sent = 0
    for task_id in _due_tasks(session, Task.remind_at, Task.reminded_at, now, limit):
        if not _mark(session, task_id, "reminded_at", now):
            continue
        task = session.get(Task, task_id)
        label = doc_label(task.document)
        when = task.due_date.strftime("%d/%m/%Y") if task.due_date else ""
        notify(session, routing.workers(session, task), Notice("reminder", Msg(
            f"Sắp đến hạn ({when}): {label.vi}", f"Due soon ({task.due_date}): {label.en}"),
            document_id=task.document_id, task_id=task.id), email=routing.settings.email)
        session.commit()
        sent += 1
    return sent


def mark_overdue(session: Session, routing: Routing, now: datetime, limit: int = 500) -> int:
    """Mark tasks past their deadline and tell the worker and the department head."""
    marked = 0
    for task_id in _due_tasks(session, Task.due_at, Task.overdue_at, now, limit):
        if not _mark(session, task_id, "overdue_at", now):
            continue
        task = session.get(Task, task_id)
        label = doc_label(task.document)
        heads = (routing.people(session, task.organization_id, "department_head",
                                task.department_id) if task.department_id else [])
        notify(session, routing.workers(session, task) + heads, Notice("overdue", Msg(
            f"Quá hạn: {task.name} — {label.vi}", f"Overdue: {task.name} — {label.en}"),
            document_id=task.document_id, task_id=task.id), email=routing.settings.email)
        session.commit()
        marked += 1
    return marked


def tick(session: Session, routing: Routing, mailer=None, base_url: str = "",
         now: datetime | None = None, exchange=None) -> TickReport:
    """One pass of the clock; run every ``ROUTING_CLOCK_SECONDS``.

    ``exchange`` (a ``workflows.exchange_out.Transports``) also sends the edXML
    outbox and the route statuses owed to senders.
    """
    now = now or routing.clock()
    report = TickReport()
    report.timers = routing.fire_due_timers(session, now)
    report.reminders = send_reminders(session, routing, now)
    report.overdue = mark_overdue(session, routing, now)
    report.transfer_reminders = archive_transfer.send_transfer_reminders(
        session, now, email=routing.settings.email)
    if exchange is not None:
        if exchange.axis is not None:
            polled = exchange_in.poll_axis(session, exchange.storage, exchange.axis)
            report.exchange_polled, report.exchange_poll_error = polled.received, polled.error
        report.exchange_statuses = exchange_in.sync_route_statuses(session, exchange.storage, now)
        sent = exchange_out.deliver_due(session, exchange.storage, exchange, now)
        report.exchange_delivered, report.exchange_retrying = sent.delivered, sent.retrying
        report.exchange_failed = sent.failed
    if mailer is not None:
        mail = send_pending(session, mailer, base_url)
        report.mail_sent, report.mail_failed = mail["sent"], mail["failed"]
    return report
