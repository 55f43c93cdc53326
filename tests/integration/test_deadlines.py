"""Deadlines: working days and holidays, reminders, overdue marks and lists."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from archive.errors import InvalidInput, PermissionDenied
from archive.models import Holiday, Notification, Task
from tests.integration.test_routing import (dept, direction, register, routing,  # noqa: F401
                                            staff_id, step, tasks_of, who)
from workflows import deadlines, inbox
from workflows.inbox import InboxQuery

UTC = timezone.utc


def to_assign(routing, deadline: date):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "leader"})
    step(routing, "giamdoc", doc, direction(deadline=deadline.isoformat(),
                                            support_department_ids=[]))
    return doc


def test_the_default_deadline_counts_working_days_and_holidays(routing):
    # TODAY is Monday 23/11/2026; 10 working days later is Monday 7/12 without holidays.
    routing.set_holidays(db.session, who("quantri"),
                         "# nghỉ bù\n2026-11-25\n2026-11-30..2026-12-01  # hai ngày\n")
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "department", "lead_department_id": dept("QLVH")})
    db.session.refresh(doc)
    assert doc.due_date == date(2026, 12, 10)  # three holidays pushed it by three working days
    task = tasks_of("truongphong.vh", doc)[0]
    assert task.due_date == date(2026, 12, 10)
    assert task.due_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 17:00 in Vietnam


def test_a_bad_holiday_list_changes_nothing(routing):
    routing.set_holidays(db.session, who("quantri"), "2026-12-24")
    with pytest.raises(InvalidInput) as bad:
        routing.set_holidays(db.session, who("quantri"), "2026-12-25\n25/12/2026\n")
    assert "line 2" in bad.value.message.en
    assert [h.day for h in db.session.scalars(select(Holiday))] == [date(2026, 12, 24)]
    with pytest.raises(PermissionDenied):
        routing.set_holidays(db.session, who("vanthu"), "2026-12-25")


def test_a_reminder_before_the_deadline_is_sent_once(routing):
    due = date(2026, 11, 27)  # Friday
    doc = to_assign(routing, due)
    task = tasks_of("truongphong.vh", doc)[0]
    assert task.remind_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday 17:00 +07
    early = deadlines.tick(db.session, routing, now=task.remind_at - timedelta(minutes=1))
    assert early.reminders == 0
    report = deadlines.tick(db.session, routing, now=task.remind_at + timedelta(minutes=1))
    assert report.reminders == 1 and report.overdue == 0
    again = deadlines.tick(db.session, routing, now=task.remind_at + timedelta(minutes=2))
    assert again.reminders == 0
    sent = db.session.scalars(select(Notification).where(Notification.kind == "reminder")).all()
    assert [n.staff_id for n in sent] == [staff_id("truongphong.vh")]
    assert "27/11/2026" in sent[0].title_vi


def test_overdue_tasks_are_marked_and_listed_per_department(routing):
    doc = to_assign(routing, date(2026, 11, 24))
    on_time = to_assign(routing, date(2026, 12, 24))
    later = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    report = deadlines.tick(db.session, routing, now=later)
    assert report.overdue == 1
    task = db.session.scalar(select(Task).where(Task.document_id == doc.id,
                                                Task.status == "ready"))
    assert task.overdue_at == later
    head = who("truongphong.vh")
    assert [t.document_id for t in inbox.list_tasks(db.session, head, InboxQuery(
        scope="overdue"), now=later)[0]] == [doc.id]
    assert inbox.counts(db.session, head, now=later).overdue == 1
    listed, total = inbox.list_tasks(db.session, who("giamdoc"), InboxQuery(
        scope="department", department_id=dept("QLVH")), now=later)
    assert [t.document_id for t in listed] == [doc.id] and total == 1
    assert on_time.id not in [t.document_id for t in listed]
    with pytest.raises(PermissionDenied):
        inbox.list_tasks(db.session, who("truongphong.dl"), InboxQuery(
            scope="department", department_id=dept("QLVH")), now=later)
    with pytest.raises(PermissionDenied):
        inbox.list_tasks(db.session, who("chuyenvien.vh"), InboxQuery(scope="department"))
    told = {n.staff_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "overdue"))}
    assert told == {head.staff_id}
    assert deadlines.tick(db.session, routing, now=later + timedelta(hours=1)).overdue == 0
