"""The routing pages through the test client: inbox, task forms, document page,
the route diagram data, notifications, and the admin's process versions."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from archive.models import Holiday, ProcessDefinition, Task
from tests.conftest import csrf_from
from tests.integration.test_routing import dept, register, routing, step  # noqa: F401

DEPUTY = Path(__file__).resolve().parents[1] / "unit" / "engine" / "diagrams" / \
    "incoming_with_deputy.bpmn"


def ready(doc, bpmn_id: str) -> Task:
    return db.session.scalar(select(Task).where(Task.document_id == doc.id,
                                                Task.bpmn_id == bpmn_id, Task.status == "ready"))


def post(browser, path: str, data: dict, form_page: str):
    data = {**data, "csrf_token": browser.token(form_page)}
    return browser.client.post(path, data=data)


def test_inbox_task_form_and_document_page(routing, browser):
    doc = register(routing, urgency="flash", subject="V/v tổ chức Lễ hội Hoa Ban")
    browser.login("vanthu")
    page = browser.client.get("/inbox").get_data(as_text=True)
    assert "V/v tổ chức Lễ hội Hoa Ban" in page and "Hỏa tốc" in page
    assert re.search(r'id="nav-inbox"[^>]*>.*?data-count="1"', page, re.S)
    task = ready(doc, "present")
    form = browser.client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-form="present"' in form and 'name="route"' in form
    done = post(browser, f"/tasks/{task.id}/complete", {"route": "leader"}, f"/tasks/{task.id}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/inbox")
    stale = post(browser, f"/tasks/{task.id}/complete", {"route": "leader"}, "/inbox")
    assert stale.status_code == 302  # told "already handled", nothing changed
    assert "đã được xử lý" in browser.client.get("/inbox").get_data(as_text=True)

    browser.client.post("/logout", data={"csrf_token": browser.token("/inbox")})
    browser.login("giamdoc")
    direct = ready(doc, "direct")
    bad = post(browser, f"/tasks/{direct.id}/complete", {"decision": "direct"},
               f"/tasks/{direct.id}")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="err-lead_department_id"' in html
    assert ready(doc, "direct") is not None
    ok = browser.client.post(f"/tasks/{direct.id}/complete", data={
        "csrf_token": csrf_from(html), "decision": "direct",
        "lead_department_id": str(dept("QLVH")),
        "support_department_ids": [str(dept("QLDL")), str(dept("QLTDTT"))],
        "note": "Phòng QLVH chủ trì tham mưu."})
    assert ok.status_code == 302
    assert {t.bpmn_id for t in db.session.scalars(select(Task).where(
        Task.document_id == doc.id, Task.status == "ready"))} == {"assign"}

    shown = browser.client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'data-status="assigned"' in shown and "Phiếu giải quyết văn bản đến" in shown
    assert "Phòng QLVH chủ trì tham mưu." in shown and "Phòng Quản lý Du lịch" in shown
    assert 'class="route-viewer"' in shown
    route = browser.client.get(f"/documents/{doc.id}/route.json").get_json()
    assert route["xml"].startswith("<?xml") and "present" in route["completed"]
    assert "direct" in route["completed"] and route["active"] == ["assign"]
    assert route["version"] == 1


def test_claim_and_delegate_from_the_task_page(routing, browser):
    doc = register(routing)
    step(routing, "vanthu", doc, {"route": "leader"})
    task = ready(doc, "direct")
    browser.login("giamdoc")
    assert post(browser, f"/tasks/{task.id}/claim", {}, f"/tasks/{task.id}").status_code == 302
    page = browser.client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đang giữ" in page and "Trả về nhóm" in page
    from tests.integration.test_routing import staff_id
    assert post(browser, f"/tasks/{task.id}/delegate",
                {"to_staff_id": str(staff_id("phogiamdoc"))}, f"/tasks/{task.id}"
                ).status_code == 302
    delegated = browser.client.get("/inbox?scope=delegated").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' in delegated and "Phạm Thị Hạnh" in delegated


def test_notifications_page_and_mark_read(routing, browser):
    register(routing)
    browser.login("vanthu")
    page = browser.client.get("/notifications").get_data(as_text=True)
    assert "Trình văn bản" in page and 'class="unread"' in page
    post(browser, "/notifications/read", {}, "/notifications")
    assert 'class="unread"' not in browser.client.get("/notifications").get_data(as_text=True)


def test_admin_uploads_a_process_version_and_holidays(app, browser):
    browser.login("quantri")
    page = browser.client.get("/admin/processes").get_data(as_text=True)
    assert "incoming_document" in page
    token = csrf_from(page)
    broken = DEPUTY.read_text(encoding="utf-8").replace('name="Chuyên viên"', 'name="Tổ lạ"', 1)
    import io
    refused = browser.client.post("/admin/processes", data={
        "csrf_token": token, "file": (io.BytesIO(broken.encode()), "moi.bpmn")},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and "Tổ lạ" in refused.get_data(as_text=True)
    accepted = browser.client.post("/admin/processes", data={
        "csrf_token": token, "file": (io.BytesIO(DEPUTY.read_bytes()), "moi.bpmn"),
        "note": "Thêm bước Phó Giám đốc"}, content_type="multipart/form-data")
    assert accepted.status_code == 302
    versions = db.session.scalars(select(ProcessDefinition.version)).all()
    assert sorted(versions) == [1, 2]
    saved = browser.client.post("/admin/holidays", data={
        "csrf_token": token, "holidays": "2026-12-31\n2027-01-01"})
    assert saved.status_code == 302
    assert len(db.session.scalars(select(Holiday)).all()) == 2
    browser.client.post("/logout", data={"csrf_token": token})
    browser.login("vanthu")
    assert browser.client.get("/admin/processes").status_code == 403
