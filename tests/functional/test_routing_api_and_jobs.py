"""Routing through the API, process versions, the clock (in-process, after a
restart, on RQ) and e-mail notifications to a real local SMTP server."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app, wiring
from app.extensions import db
from archive.models import (Notification, ProcessDefinition, ProcessingNote, ProcessInstance,
                            Task)
from tests.conftest import incoming_fields, unique_pdf
from tests.integration.test_routing import dept, staff_id

ROOT = Path(__file__).resolve().parents[2]
DEPUTY_DIAGRAM = ROOT / "tests" / "unit" / "engine" / "diagrams" / "incoming_with_deputy.bpmn"
VN = timezone(timedelta(hours=7))


def register_via_api(client, headers, **fields) -> dict:
    values = incoming_fields(code_number=uuid.uuid4().hex[:6], **fields)
    import json
    resp = client.post("/api/v1/incoming", headers=headers, data={
        "metadata": json.dumps(values), "files": [(__import__("io").BytesIO(unique_pdf()),
                                                   "scan.pdf")]},
        content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def inbox_for(client, headers, document_id: int) -> list[dict]:
    resp = client.get("/api/v1/tasks?per_page=200", headers=headers)
    assert resp.status_code == 200
    return [t for t in resp.get_json()["items"] if t["document"]["id"] == document_id]


def complete(client, headers, document_id: int, body: dict, expect: int = 200) -> dict:
    tasks = inbox_for(client, headers, document_id)
    assert len(tasks) == 1, tasks
    resp = client.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", headers=headers, json=body)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def test_the_route_through_the_api(client, api):
    clerk, leader = api("vanthu"), api("giamdoc")
    doc = register_via_api(client, clerk, arrival_date=date.today().isoformat())
    out = complete(client, clerk, doc["id"], {"route": "leader"})
    assert [t["step"] for t in out["next_tasks"]] == ["direct"]
    task_id = out["next_tasks"][0]["id"]
    bad = client.post(f"/api/v1/tasks/{task_id}/complete", headers=leader,
                      json={"decision": "direct", "support_department_ids": "x,y"})
    assert bad.status_code == 422
    assert {"lead_department_id", "support_department_ids"} <= set(bad.get_json()["fields"])
    body = {"decision": "direct", "lead_department_id": dept("QLVH"),
            "support_department_ids": [], "note": "QLVH xử lý."}
    ok = client.post(f"/api/v1/tasks/{task_id}/complete", headers=leader, json=body)
    assert ok.status_code == 200 and ok.get_json()["next_tasks"][0]["step"] == "assign"
    again = client.post(f"/api/v1/tasks/{task_id}/complete", headers=leader, json=body)
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    other = client.post(f"/api/v1/tasks/{task_id}/complete", headers=api("chuyenvien.dl"),
                        json=body)
    assert other.status_code in (403, 409)
    shown = client.get(f"/api/v1/documents/{doc['id']}", headers=leader).get_json()
    assert shown["status"] == "assigned"


def test_a_new_diagram_version_drives_new_documents_only(client, api):
    admin, clerk = api("quantri"), api("vanthu")
    listed = client.get("/api/v1/processes", headers=admin).get_json()
    assert [(p["process_key"], p["version"]) for p in listed["items"]] == [
        ("incoming_document", 1)]
    before = register_via_api(client, clerk, arrival_date=date.today().isoformat())

    refused = client.post("/api/v1/processes", headers=clerk, data=DEPUTY_DIAGRAM.read_bytes())
    assert refused.status_code == 403
    resp = client.post("/api/v1/processes?note=Thêm bước Phó Giám đốc duyệt", headers=admin,
                       data=DEPUTY_DIAGRAM.read_bytes(), content_type="application/xml")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["version"] == 2
    same = client.post("/api/v1/processes", headers=admin, data=DEPUTY_DIAGRAM.read_bytes())
    assert same.status_code == 409

    after = register_via_api(client, clerk, arrival_date=date.today().isoformat())
    for doc in (before, after):
        complete(client, clerk, doc["id"], {"route": "office_head"})
        complete(client, api("chanhvanphong"), doc["id"], {"decision": "forward"})
    old = inbox_for(client, api("giamdoc"), before["id"])
    new = inbox_for(client, api("giamdoc"), after["id"])
    assert [t["step"] for t in old] == ["direct"]  # started on version 1
    assert [t["step"] for t in new] == ["deputy_review"]  # version 2's extra step
    complete(client, api("phogiamdoc"), after["id"], {"decision": "forward"})
    assert [t["step"] for t in inbox_for(client, api("giamdoc"), after["id"])] == ["direct"]


@pytest.mark.parametrize("kind", ["script", "dunder", "entity", "lane", "not-xml"])
def test_a_hostile_or_broken_diagram_is_refused_with_the_element(client, api, kind):
    xml = DEPUTY_DIAGRAM.read_text(encoding="utf-8")
    if kind == "script":
        xml = xml.replace('name="Phó Giám đốc duyệt"', 'name="Phó Giám đốc duyệt"', 1)
        xml = xml.replace("</bpmn:process>", '<bpmn:scriptTask id="evil_script" name="x">'
                          '<bpmn:script>__import__("os").system("touch /tmp/pwned")'
                          "</bpmn:script></bpmn:scriptTask></bpmn:process>", 1)
    elif kind == "dunder":
        xml = xml.replace('decision == "return"', '().__class__.__bases__[0].__subclasses__()', 1)
    elif kind == "entity":
        xml = xml.replace('<?xml version="1.0" encoding="UTF-8"?>',
                          '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY a '
                          '"aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>', 1)
    elif kind == "lane":
        xml = xml.replace('name="Chuyên viên"', 'name="Bộ phận bí ẩn"', 1)
    else:
        xml = "this is not a diagram"
    resp = client.post("/api/v1/processes", headers=api("quantri"), data=xml.encode())
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["error"] == "invalid" and body["message"]
    if kind in ("script", "lane"):
        assert body.get("element_id"), body
    assert not Path("/tmp/pwned").exists()
    assert db.session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.version > 1)) is None


def route_to_handling_due_in_seconds(app, seconds: float = 3.0) -> int:
    """Walk a document to the specialist with a deadline a few seconds away:
    the deadline is today and the working day ends ``seconds`` from now
    (``EOFFICE_WORKDAY_END`` is a setting), so the diagram's timer is waiting
    when the step is saved and due shortly after."""
    import dataclasses

    from tests.integration.test_routing import register, step
    routing = wiring.routing()
    now_vn = datetime.now(VN)
    ends = (now_vn + timedelta(seconds=seconds)).time().replace(microsecond=0)
    routing.settings = dataclasses.replace(routing.settings, workday_end=ends)
    routing.clock = lambda: datetime.now(timezone.utc)
    import tests.integration.test_routing as t
    t_today, t.TODAY = t.TODAY, now_vn.date()
    try:
        doc = register(routing)
        step(routing, "vanthu", doc, {"route": "department", "lead_department_id": dept("QLVH"),
                                      "deadline": now_vn.date().isoformat()})
        step(routing, "truongphong.vh", doc, {"decision": "assign",
                                              "specialist_id": staff_id("chuyenvien.vh")})
    finally:
        t.TODAY = t_today
    return doc.id


def _wait_until(moment: datetime) -> None:
    import time
    delay = (moment - datetime.now(timezone.utc)).total_seconds()
    if delay > 0:
        time.sleep(delay + 0.2)


def _overdue_state(document_id: int):
    db.session.expire_all()
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.document_id == document_id))
    notes = [n.kind for n in db.session.scalars(select(ProcessingNote).where(
        ProcessingNote.document_id == document_id))]
    handle = db.session.scalar(select(Task).where(Task.document_id == document_id,
                                                  Task.bpmn_id == "handle"))
    return instance, notes, handle


def test_the_diagram_timer_fires_after_a_restart(app, database_url, tmp_path):
    """The app that set the timer is gone; a new process runs the clock once.

    Ten seconds of margin: the three routing steps must all be saved before
    the timer is due, which took more than 3 s on a loaded 2-core CI box."""
    document_id = route_to_handling_due_in_seconds(app, seconds=10)
    instance, notes, handle = _overdue_state(document_id)
    assert instance.next_due_at is not None and instance.next_due_at > datetime.now(timezone.utc)
    assert "overdue" not in notes and handle.overdue_at is None
    _wait_until(instance.next_due_at)
    db.session.remove()
    env = {**os.environ, "DATABASE_URL": database_url, "EOFFICE_DATA_DIR": str(tmp_path / "data"),
           "EOFFICE_CLOCK_SECONDS": "0", "EOFFICE_ENV": "default"}
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "tick"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Bộ hẹn giờ: 1" in done.stdout, done.stdout
    instance, notes, handle = _overdue_state(document_id)
    assert "overdue" in notes  # the diagram's service task ran
    assert handle.status == "ready" and handle.overdue_at is not None  # non-interrupting
    assert instance.next_due_at is None and instance.status == "running"
    head = staff_id("truongphong.vh")
    assert db.session.scalar(select(Notification).where(
        Notification.staff_id == head, Notification.kind == "overdue"))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_clock_on_rq_with_redis(app, backend):
    """Production mode (PostgreSQL + Redis): the tick is a job on a real Redis
    queue run by a worker. The embedded default's clock is the test below."""
    from redis import Redis
    from rq import SimpleWorker

    from app import jobs
    document_id = route_to_handling_due_in_seconds(app)
    instance, _notes, _handle = _overdue_state(document_id)
    _wait_until(instance.next_due_at)
    app.config["REDIS_URL"] = os.environ.get("EOFFICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    name = f"eoffice-test-{uuid.uuid4().hex}"
    queue = jobs.queue(app, name)
    try:
        job = jobs.enqueue_tick(app, name)
        assert jobs.enqueue_tick(app, name).id == job.id  # no pile-up while one waits
        jobs._worker_app = app
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
        assert job.return_value()["timers"] == 1
    finally:
        jobs._worker_app = None
        queue.delete(delete_jobs=True)
        Redis.from_url(app.config["REDIS_URL"]).delete(f"rq:job:{jobs.TICK_JOB_ID}-{name}")
    _instance, notes, _handle = _overdue_state(document_id)
    assert "overdue" in notes


def test_notifications_are_emailed_through_smtp(database_url, tmp_path, smtp_server):
    import config
    from app import jobs
    from archive import directory
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                     SMTP_URL=f"smtp://{smtp_server.host}:{smtp_server.port}"
                              "?from=eoffice@so-vhttdl.demo.vn")
    with app.app_context():
        for username in ("giamdoc", "phogiamdoc"):
            person = directory.find_staff(db.session, username)
            person.email = f"{username}@so-vhttdl.demo.vn"
        db.session.commit()
        from tests.integration.test_routing import register, step
        doc = register(wiring.routing(), subject="V/v chuẩn bị Ngày hội Văn hóa các dân tộc")
        step(wiring.routing(), "vanthu", doc, {"route": "leader"})
        pending = db.session.scalars(select(Notification).where(
            Notification.email_status == "pending")).all()
        assert {n.staff_id for n in pending} == {staff_id("giamdoc"), staff_id("phogiamdoc")}
        db.session.remove()
        report = jobs.run_tick(app)
        assert report.mail_sent == 2 and report.mail_failed == 0
        got = smtp_server.wait_for(2)
        assert sorted(r.rcpt_tos[0] for r in got) == ["giamdoc@so-vhttdl.demo.vn",
                                                      "phogiamdoc@so-vhttdl.demo.vn"]
        subject = got[0].message["Subject"]
        assert "Lãnh đạo cho ý kiến chỉ đạo" in subject and "Ngày hội Văn hóa" in subject
        assert jobs.run_tick(app).mail_sent == 0  # sent once
        db.session.remove()
        db.engine.dispose()


def test_mail_to_a_dead_server_is_kept_and_retried(database_url, tmp_path):
    import config
    from app import jobs
    from archive import directory
    from tests.smtp_server import free_port
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                     DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                     SMTP_URL=f"smtp://127.0.0.1:{free_port()}?timeout=2")
    with app.app_context():
        person = directory.find_staff(db.session, "vanthu")
        person.email = "vanthu@so-vhttdl.demo.vn"
        db.session.commit()
        from tests.integration.test_routing import register
        register(wiring.routing())
        db.session.remove()
        report = jobs.run_tick(app)
        assert report.mail_failed == 1
        n = db.session.scalar(select(Notification).where(Notification.email_attempts == 1))
        assert n.email_status == "pending" and "127.0.0.1" in n.email_error
        db.session.remove()
        db.engine.dispose()


def _with_looping_script(xml: str) -> str:
    """The deputy diagram with a script task that never ends, right after the start."""
    xml = xml.replace('<bpmn:flowNodeRef>present</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>loop_forever</bpmn:flowNodeRef>\n'
                      '        <bpmn:flowNodeRef>present</bpmn:flowNodeRef>', 1)
    xml = xml.replace('<bpmn:sequenceFlow id="f_registered_present" sourceRef="evt_registered" '
                      'targetRef="present" />',
                      '<bpmn:sequenceFlow id="f_registered_present" sourceRef="evt_registered" '
                      'targetRef="loop_forever" />\n'
                      '    <bpmn:sequenceFlow id="f_loop_present" sourceRef="loop_forever" '
                      'targetRef="present" />', 1)
    return xml.replace('<bpmn:userTask id="present" name="Trình văn bản">',
                       '<bpmn:scriptTask id="loop_forever" name="Vòng lặp">'
                       '<bpmn:incoming>f_registered_present</bpmn:incoming>'
                       '<bpmn:outgoing>f_loop_present</bpmn:outgoing>'
                       '<bpmn:script>n = 0\nwhile True:\n    n = n + 1</bpmn:script>'
                       '</bpmn:scriptTask>\n'
                       '    <bpmn:userTask id="present" name="Trình văn bản">', 1).replace(
        '<bpmn:incoming>f_registered_present</bpmn:incoming>\n      <bpmn:outgoing>f_present',
        '<bpmn:incoming>f_loop_present</bpmn:incoming>\n      <bpmn:outgoing>f_present', 1)


def test_a_script_that_never_ends_is_stopped_and_the_registration_kept(app, client, api):
    """A diagram passes validation but loops at run time: the step limit stops it;
    the document is registered, its route is marked failed for the administrator."""
    import dataclasses
    import time
    xml = _with_looping_script(DEPUTY_DIAGRAM.read_text(encoding="utf-8"))
    resp = client.post("/api/v1/processes", headers=api("quantri"), data=xml.encode())
    assert resp.status_code == 201, resp.get_json()
    routing = wiring.routing()
    routing.engine.step_seconds = 1.0
    routing.settings = dataclasses.replace(routing.settings, step_seconds=1.0)
    started = time.monotonic()
    doc = register_via_api(client, api("vanthu"), arrival_date=date.today().isoformat())
    assert time.monotonic() - started < 15
    assert doc["arrival_number"] == 1
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.document_id == doc["id"]))
    assert instance.status == "failed" and "time" in instance.error.lower()
    assert db.session.scalar(select(Task).where(Task.document_id == doc["id"])) is None
    from tests.conftest import Browser
    admin = Browser(client)
    admin.login("quantri")
    page = admin.client.get("/admin/processes").get_data(as_text=True)
    assert 'id="failed-routes"' in page and f"#{doc['id']}" in page


def test_the_in_process_clock_fires_the_timer_on_its_own(app):
    """Embedded default: the web process's clock thread fires the diagram timer."""
    import time

    from app.jobs import start_clock_thread
    document_id = route_to_handling_due_in_seconds(app, seconds=2)
    app.config["ROUTING_CLOCK_SECONDS"] = 0.5
    db.session.remove()
    clock = start_clock_thread(app)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            _instance, notes, handle = _overdue_state(document_id)
            db.session.remove()
            if "overdue" in notes and handle.overdue_at is not None:
                break
            time.sleep(0.3)
        else:
            pytest.fail("the clock did not fire the timer")
    finally:
        clock.stop()
