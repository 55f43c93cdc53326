"""The incoming route driven by the BPMN diagram, on SQLite and PostgreSQL.

Every step goes through ``Routing``: the engine state is restored from the
database and saved back at every step, so each test here is also a
save/restore test of the route (STYLE P9).
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import wiring
from app.extensions import db
from archive import directory
from archive.errors import Conflict, InvalidInput, PermissionDenied
from archive.identity import Actor
from archive.models import (Department, Document, Notification, ProcessingNote,
                            ProcessInstance, Task)
from tests.conftest import incoming_fields, unique_pdf
from workflows import inbox, incoming
from workflows.inbox import InboxQuery
from workflows.incoming import Upload

VN = timezone(timedelta(hours=7))
TODAY = date(2026, 11, 23)  # a Monday
_serial = iter(range(5000, 100000))


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def dept(abbrev: str) -> int:
    return db.session.scalar(select(Department.id).where(Department.abbreviation == abbrev))


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


@pytest.fixture
def routing(app):
    """The app's routing service with its calendar pinned to TODAY (09:00 in Vietnam)."""
    service = wiring.routing()
    service.clock = lambda: datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=VN)
    return service


def register(routing, **fields) -> Document:
    values = incoming_fields(code_number=str(next(_serial)), arrival_date=TODAY.isoformat(),
                             issued_date=(TODAY - timedelta(days=3)).isoformat(), **fields)
    return incoming.register_incoming(db.session, who("vanthu"), wiring.storage(),
                                      wiring.limits(), values,
                                      [Upload("scan.pdf", unique_pdf())], today=TODAY,
                                      routing=routing).document


def tasks_of(username: str, doc: Document | None = None, scope: str = "mine") -> list[Task]:
    items, _total = inbox.list_tasks(db.session, who(username), InboxQuery(scope=scope))
    return [t for t in items if doc is None or t.document_id == doc.id]


def step(routing, username: str, doc: Document, values: dict, bpmn_id: str | None = None):
    """Complete the (only, or the named) ready task of ``doc`` in ``username``'s inbox."""
    mine = [t for t in tasks_of(username, doc) if bpmn_id is None or t.bpmn_id == bpmn_id]
    assert len(mine) == 1, [(t.bpmn_id, t.assignee_id) for t in mine]
    return routing.complete(db.session, who(username), mine[0].id, values)


def ready_steps(doc: Document) -> list[str]:
    return sorted(t.bpmn_id for t in db.session.scalars(select(Task).where(
        Task.document_id == doc.id, Task.status == "ready")))


def direction(**extra) -> dict:
    values = {"decision": "direct", "lead_department_id": dept("QLVH"),
              "support_department_ids": [dept("QLDL")], "fyi_staff_ids": [staff_id("phogiamdoc")],
              "deadline": (TODAY + timedelta(days=10)).isoformat(),
              "note": "Giao Phòng QLVH chủ trì, Phòng QLDL phối hợp tham mưu."}
    values.update(extra)
    return values


def test_the_whole_route_with_a_send_back_and_parallel_opinions(routing):
    doc = register(routing, urgency="urgent")
    assert ready_steps(doc) == ["present"] and doc.status == "registered"
    step(routing, "vanthu", doc, {"route": "office_head"})
    step(routing, "chanhvanphong", doc, {"decision": "forward", "note": "Đề xuất giao QLVH."})
    assert [t.bpmn_id for t in tasks_of("giamdoc", doc)] == ["direct"]
    assert [t.bpmn_id for t in tasks_of("phogiamdoc", doc)] == ["direct"]  # the leaders' group
    step(routing, "giamdoc", doc, direction())
    db.session.refresh(doc)
    assert doc.status == "assigned" and doc.due_date == TODAY + timedelta(days=10)  # 04
    assert ready_steps(doc) == ["assign"]
    assert tasks_of("truongphong.dl", doc) == []  # not the lead department

    step(routing, "truongphong.vh", doc, {"decision": "assign",
                                          "specialist_id": staff_id("chuyenvien.vh"),
                                          "note": "Đ/c Lan xử lý."})
    assert ready_steps(doc) == ["handle", "opinion"]
    assert tasks_of("chuyenvien.dl", doc) == []
    step(routing, "truongphong.dl", doc, {"decision": "agree", "note": "Thống nhất."})
    step(routing, "chuyenvien.vh", doc, {"note": "Đã dự thảo công văn trả lời."})
    db.session.refresh(doc)
    assert doc.status == "in_progress"  # 05
    step(routing, "truongphong.vh", doc, {"decision": "return", "note": "Bổ sung số liệu."})
    assert ready_steps(doc) == ["revise"]
    step(routing, "chuyenvien.vh", doc, {"note": "Đã bổ sung số liệu."})
    step(routing, "truongphong.vh", doc, {"decision": "accept"})

    db.session.refresh(doc)
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.document_id == doc.id))
    assert doc.status == "done" and instance.status == "finished"  # 06
    assert ready_steps(doc) == [] and instance.next_due_at is None
    kinds = [n.kind for n in db.session.scalars(select(ProcessingNote).where(
        ProcessingNote.document_id == doc.id).order_by(ProcessingNote.id))]
    assert kinds == ["present", "review", "direction", "assign", "opinion", "handle",
                     "return", "handle", "confirm"]
    lead = db.session.scalar(select(ProcessingNote).where(
        ProcessingNote.document_id == doc.id, ProcessingNote.kind == "direction"))
    assert lead.lead_department_id == dept("QLVH") and lead.support_department_ids == [dept("QLDL")]
    assert lead.actor_name == "Lê Minh Đức" and lead.deadline == TODAY + timedelta(days=10)
    # The for-information recipient can open the document and was told.
    fyi = who("phogiamdoc")
    assert inbox.trail(db.session, fyi, doc.id)
    assert db.session.scalar(select(Notification).where(
        Notification.staff_id == fyi.staff_id, Notification.kind == "fyi"))


@pytest.mark.parametrize("where", ["propose", "direct", "assign"])
def test_every_review_step_can_send_back_with_a_reason(routing, where):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "office_head"})
    if where != "propose":
        step(routing, "chanhvanphong", doc, {"decision": "forward"})
    if where == "assign":
        step(routing, "giamdoc", doc, direction(support_department_ids=[]))
    reviewer = {"propose": "chanhvanphong", "direct": "giamdoc", "assign": "truongphong.vh"}[where]
    with pytest.raises(InvalidInput) as missing:
        step(routing, reviewer, doc, {"decision": "return"})
    assert "note" in missing.value.fields  # a reason is required
    assert ready_steps(doc) == [where]  # nothing moved
    step(routing, reviewer, doc, {"decision": "return", "note": "Sai đơn vị, xem lại."})
    expected = {"propose": "present", "direct": "present", "assign": "direct"}[where]
    assert ready_steps(doc) == [expected]
    back = db.session.scalar(select(ProcessingNote).where(
        ProcessingNote.document_id == doc.id, ProcessingNote.kind == "return"))
    assert back.content == "Sai đơn vị, xem lại." and back.step == where


def test_the_clerk_may_route_directly_to_the_department(routing):
    doc = register(routing)
    with pytest.raises(InvalidInput) as bad:
        step(routing, "vanthu", doc, {"route": "department"})
    assert "lead_department_id" in bad.value.fields
    step(routing, "vanthu", doc, {"route": "department", "lead_department_id": dept("QLDL")})
    assert ready_steps(doc) == ["assign"]
    assert [t.bpmn_id for t in tasks_of("truongphong.dl", doc)] == ["assign"]


def test_urgent_documents_come_first_then_the_nearest_deadline(routing):
    normal = register(routing)
    flash = register(routing, urgency="flash")
    urgent = register(routing, urgency="urgent")
    order = [t.document_id for t in tasks_of("vanthu")]
    assert order == [flash.id, urgent.id, normal.id]
    counts = inbox.counts(db.session, who("vanthu"))
    assert (counts.total, counts.urgent) == (3, 2)


def test_only_the_assignee_or_the_group_may_act(routing):
    doc = register(routing)
    task = tasks_of("vanthu", doc)[0]
    with pytest.raises(PermissionDenied):
        routing.complete(db.session, who("chuyenvien.vh"), task.id, {"route": "leader"})
    with pytest.raises(PermissionDenied):
        routing.claim(db.session, who("giamdoc"), task.id)


def test_claim_and_release_a_group_task(routing):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "leader"})
    task = tasks_of("giamdoc", doc)[0]
    routing.claim(db.session, who("giamdoc"), task.id)
    assert tasks_of("phogiamdoc", doc) == []
    with pytest.raises(Conflict):
        routing.claim(db.session, who("phogiamdoc"), task.id)
    routing.release(db.session, who("giamdoc"), task.id)
    assert [t.id for t in tasks_of("phogiamdoc", doc)] == [task.id]


def test_delegation_keeps_the_owner_informed(routing):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "office_head"})
    task = tasks_of("chanhvanphong", doc)[0]
    routing.delegate(db.session, who("chanhvanphong"), task.id, staff_id("phogiamdoc"))
    assert tasks_of("chanhvanphong", doc) == []
    assert [t.id for t in tasks_of("chanhvanphong", doc, scope="delegated")] == [task.id]
    with pytest.raises(PermissionDenied):
        routing.complete(db.session, who("chanhvanphong"), task.id, {"decision": "forward"})
    step(routing, "phogiamdoc", doc, {"decision": "forward", "note": "Trình Giám đốc."})
    note = db.session.scalar(select(ProcessingNote).where(
        ProcessingNote.document_id == doc.id, ProcessingNote.kind == "review"))
    assert note.actor_id == staff_id("phogiamdoc")
    assert note.on_behalf_of_id == staff_id("chanhvanphong")
    assert db.session.scalar(select(Notification).where(
        Notification.staff_id == staff_id("chanhvanphong"), Notification.kind == "result"))


def test_a_manager_reassigns_a_task(routing):
    org = who("vanthu").organization_id
    directory.create_staff(db.session, Actor.system(org), organization_id=org,
                           username="chuyenvien2.vh", full_name="Lý Văn Hùng",
                           password="Mat-khau-rat-dai-1", roles=["specialist"],
                           department_id=dept("QLVH"))
    db.session.commit()
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "department", "lead_department_id": dept("QLVH")})
    step(routing, "truongphong.vh", doc, {"decision": "assign",
                                          "specialist_id": staff_id("chuyenvien.vh")})
    task = tasks_of("chuyenvien.vh", doc)[0]
    with pytest.raises(PermissionDenied):
        routing.reassign(db.session, who("truongphong.dl"), task.id, staff_id("chuyenvien2.vh"))
    routing.reassign(db.session, who("truongphong.vh"), task.id, staff_id("chuyenvien2.vh"),
                     "Đ/c Lan đi công tác.")
    assert tasks_of("chuyenvien.vh", doc) == []
    step(routing, "chuyenvien2.vh", doc, {"note": "Đã xử lý."})
    assert ready_steps(doc) == ["confirm"]
    step(routing, "truongphong.vh", doc, {"decision": "return", "note": "Bổ sung."})
    assert [t.bpmn_id for t in tasks_of("chuyenvien2.vh", doc)] == ["revise"]  # not the first one
    assert tasks_of("chuyenvien.vh", doc) == []


def test_two_people_complete_the_same_task_at_once(routing):
    """One wins; the other is told the task was already handled; one step recorded."""
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "leader"})
    task_id = tasks_of("giamdoc", doc)[0].id
    actors = [who("giamdoc"), who("phogiamdoc")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    engine, values = db.engine, direction()

    def one(actor: Actor):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                routing.complete(session, actor, task_id, values)
                outcomes.append("ok")
            except Conflict as exc:
                outcomes.append("conflict:" + exc.message.vi)

    threads = [threading.Thread(target=one, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"]
    assert "đã được xử lý" in next(o for o in outcomes if o.startswith("conflict"))
    db.session.expire_all()
    assert ready_steps(doc) == ["assign"]
    assert db.session.query(ProcessingNote).filter_by(document_id=doc.id,
                                                     kind="direction").count() == 1


def test_bad_values_change_nothing(routing):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "leader"})
    task = tasks_of("giamdoc", doc)[0]
    before = db.session.get(ProcessInstance, task.instance_id).revision
    for values in ({"decision": "direct"},  # no lead department
                   direction(lead_department_id=999999),
                   direction(support_department_ids=[dept("QLVH")]),  # lead also support
                   direction(deadline="2020-01-01"),
                   direction(deadline="31/12/2026"),
                   direction(fyi_staff_ids=["x"]),
                   {"decision": "approve-everything"}):
        with pytest.raises(InvalidInput):
            routing.complete(db.session, who("giamdoc"), task.id, values)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, task.instance_id).revision == before
    assert ready_steps(doc) == ["direct"]
