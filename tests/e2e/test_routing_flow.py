"""The whole incoming route in a real browser, with the demo agency's people.

The clerk registers an urgent decision through the form and presents it to the
leader; the leader directs it (lead and supporting department, a colleague
for information, the bút phê); the head of the lead department assigns a
specialist; the supporting department gives its opinion while the specialist
handles it (with an attached PDF); the head confirms. Along the way the
document page shows the status (04, 05, 06), the bpmn-js route diagram with
the done and current steps, and the processing trail (Phiếu giải quyết).
Before the clerk starts, a normal-urgency document is already waiting for the
leader (seeded through the use cases, registered earlier so it has the lower
id): the leader's inbox must still list the urgent one first.
A second test sends the document back from the leader to the clerk: first
without a reason (refused, field error, nothing moves), then with one.

Runs the real application (``live_server``, tests/e2e/conftest.py) on SQLite
and on PostgreSQL, driven by Debian's headless Chromium through Playwright.
Every person works in their own browser context (own session cookie). Every
browser console error (Content-Security-Policy violations included) fails
the test, except the one a deliberate 422 answer produces. The inbox and the
task form are also checked on a 360 px wide phone: no sideways scrolling.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BPMNJS = ROOT / "app" / "static" / "vendor" / "bpmnjs" / "bpmn-navigated-viewer.production.min.js"
PDFJS = ROOT / "app" / "static" / "vendor" / "pdfjs" / "pdf.min.mjs"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
if not PDFJS.is_file():
    pytest.skip("pdf.js not installed in app/static/vendor/pdfjs: run scripts/setup.sh",
                allow_module_level=True)
if not BPMNJS.is_file():
    pytest.skip("bpmn-js not installed: run scripts/install_bpmnjs.sh", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

# The clerk's helpers: same login, same registration form, same checks.
from tests.e2e.test_clerk_flow import (  # noqa: E402
    PASSWORD, SUBJECT, TIMEOUT_MS, fill_incoming_form, nav_link, no_horizontal_scroll,
    open_context, scanned_pdf, submit)

# Step names (bpmn/incoming_document.bpmn) and the people of workflows/demo.py.
PRESENT, DIRECT = "Trình văn bản", "Lãnh đạo cho ý kiến chỉ đạo"
ASSIGN, OPINION = "Trưởng phòng phân công", "Phòng phối hợp cho ý kiến"
HANDLE, CONFIRM = "Chuyên viên xử lý", "Trưởng phòng duyệt kết quả"
CLERK, LEADER, DEPUTY = "Nguyễn Thị Thu", "Lê Minh Đức", "Phạm Thị Hạnh"
HEAD_VH, SPECIALIST, HEAD_DL = "Hoàng Văn Hải", "Đỗ Thị Lan", "Vũ Quốc Dũng"
LEAD_DEPT, SUPPORT_DEPT = "Phòng Quản lý Văn hóa", "Phòng Quản lý Du lịch"
BUT_PHE = "Giao Phòng Quản lý Văn hóa chủ trì, Phòng Quản lý Du lịch phối hợp, báo cáo trước hạn."
ASSIGN_NOTE = "Đồng chí Lan dự thảo báo cáo."
OPINION_NOTE = "Phòng Quản lý Du lịch thống nhất, đề nghị bổ sung danh sách điểm du lịch."
RESULT_NOTE = "Đã dự thảo báo cáo kết quả công nhận làng văn hóa (đính kèm)."
ATTACHMENT = "bao-cao-ket-qua.pdf"
OTHER_SUBJECT = "Kế hoạch tổ chức Ngày hội văn hóa các dân tộc (thường)"
RETURN_REASON = "Đề nghị văn thư bổ sung văn bản gốc có dấu đỏ."
STATUS_REGISTERED = "Đã vào sổ"
# Chromium logs any 4xx page as a console error; the refused form is sent with 422.
UNPROCESSABLE = re.compile(
    r"status of 422 \(UNPROCESSABLE ENTITY\) \(http://[^)]+/tasks/\d+/complete\)$")


# --- people and pages -----------------------------------------------------------

class People:
    """One browser context per demo login (own cookies), console errors collected."""

    def __init__(self, chromium, base: str):
        self.chromium, self.base, self.contexts = chromium, base, []

    def context(self, **args):
        context = open_context(chromium=self.chromium, **args)
        self.contexts.append(context)
        return context

    def login(self, username: str):
        """A fresh desktop browser logged in as ``username``; returns its page (on the inbox)."""
        page = self.context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(self.base + "/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_label("Mật khẩu").press("Enter")
        expect(page.get_by_role("button", name="Đăng xuất", exact=True)).to_be_visible()
        expect(page).to_have_url(re.compile(r"/inbox$"))  # "/" leads to the inbox
        return page

    def phone(self, desktop_page):
        """A 360 px phone sharing the session of ``desktop_page``."""
        context = self.context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                               is_mobile=True, has_touch=True,
                               storage_state=desktop_page.context.storage_state())
        return context.new_page()

    def errors(self) -> list[str]:
        return [e for c in self.contexts for e in c.console_errors]

    def close(self) -> None:
        for c in self.contexts:
            c.close()


def inbox_count(page):
    return page.locator("#nav-inbox .count[data-count]")


def open_inbox(page):
    page.locator("#nav-inbox").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần xử lý")
    return page.locator("table.inbox tbody tr[data-task-id]")


def open_task(page, step: str, form: str, subject: str = SUBJECT):
    """From the inbox, open ``step`` of the document ``subject``; returns the task form."""
    rows = open_inbox(page).filter(has_text=subject).filter(
        has=page.get_by_role("link", name=step, exact=True))
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=step, exact=True).click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(step)
    task_form = page.locator("#task-form")
    expect(task_form).to_have_attribute("data-form", form)
    return task_form


def send(page, step: str) -> None:
    """Submit the task form; the step is done and we are back in the inbox."""
    page.locator("#task-form").get_by_role("button", name="Gửi", exact=True).click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.locator(".flash.ok")).to_contain_text(f"Đã chuyển bước “{step}”")


def select_by_text(select, text: str) -> None:
    """Choose the option whose label contains ``text`` (labels add the job title)."""
    value = select.locator("option", has_text=text).get_attribute("value")
    select.select_option(value=value)


def document_page(page, base: str, doc_id: int, status: str):
    page.goto(f"{base}/documents/{doc_id}")
    expect(page.locator("#doc-status")).to_have_text(status)
    viewer = page.locator(".route-viewer")
    expect(viewer).to_have_attribute("data-state", "ready", timeout=TIMEOUT_MS)
    return viewer


def shape(page, bpmn_id: str):
    """The SVG group bpmn-js draws for a BPMN element (markers are classes on it)."""
    return page.locator(f"g.djs-element[data-element-id='{bpmn_id}']")


def marked(page, cls: str) -> list[str]:
    return page.locator(f"g.djs-element.{cls}").evaluate_all(
        "els => els.map(e => e.dataset.elementId)")


def trail_entries(page) -> list[tuple[str, str]]:
    items = page.locator("#trail ol.trail-list > li")
    return [(li.get_attribute("data-kind"), li.locator(".who").inner_text().strip())
            for li in items.all()]


def assert_fits_phone(page) -> None:
    scroll = no_horizontal_scroll(page)
    assert scroll["scrollWidth"] <= scroll["innerWidth"] + 1, (page.url, scroll)


def register_and_present(people: People, tmp_path: Path, arrival_number: int = 1):
    """The clerk registers the urgent decision in the form (as in test_clerk_flow)
    and presents it to the leader. Returns the clerk's page and the document id."""
    clerk = people.login("vanthu")
    nav_link(clerk, "Vào sổ văn bản đến").click()
    scan = tmp_path / "QD-15-UBND-scan.pdf"
    scan.write_bytes(scanned_pdf("QUYẾT ĐỊNH số 15/QĐ-UBND"))
    fill_incoming_form(clerk, scan)
    submit(clerk)
    expect(clerk).to_have_url(re.compile(r"/documents/\d+$"))
    expect(clerk.locator("#arrival-number")).to_have_text(str(arrival_number))
    expect(clerk.locator(".flash.success")).to_contain_text(f"số đến {arrival_number}")
    doc_id = int(clerk.url.rsplit("/", 1)[1])
    expect(inbox_count(clerk)).to_have_attribute("data-count", "1")
    form = open_task(clerk, PRESENT, "present")
    route = form.get_by_role("radio", name=DIRECT, exact=True)
    route.check()
    expect(route).to_have_attribute("value", "leader")
    send(clerk, PRESENT)
    expect(inbox_count(clerk)).to_have_attribute("data-count", "0")
    expect(clerk.locator("table.inbox tbody")).to_contain_text("Không có việc nào.")
    return clerk, doc_id


def seed_normal_document_for_leader(live_server) -> None:
    """A normal (not urgent) document, registered and presented to the leader
    before the urgent one, so "urgent first" in the leader's inbox means
    something. Seeded through the use cases, not the browser (speed)."""
    from app import wiring
    from app.extensions import db
    from archive import directory
    from archive.identity import Actor
    from tests.conftest import incoming_fields, unique_pdf
    from workflows import inbox, incoming

    with live_server.app.app_context():
        routing = wiring.routing()
        clerk = Actor.of(directory.find_staff(db.session, "vanthu"))
        today = routing.today()
        doc = incoming.register_incoming(
            db.session, clerk, wiring.storage(), wiring.limits(),
            incoming_fields(code_number="77", code_notation="KH-UBND", document_type="KH",
                            subject=OTHER_SUBJECT, urgency="normal",
                            issued_date=(today - timedelta(days=5)).isoformat(),
                            arrival_date=today.isoformat()),
            [incoming.Upload("ke-hoach.pdf", unique_pdf())], today=today,
            routing=routing).document
        [task] = [t for t in inbox.document_tasks(db.session, doc.id) if t.status == "ready"]
        routing.complete(db.session, clerk, task.id, {"route": "leader"})
        db.session.remove()


# --- tests ----------------------------------------------------------------------

def test_the_whole_incoming_route_in_the_browser(chromium, live_server, tmp_path):
    people = People(chromium, live_server)
    try:
        seed_normal_document_for_leader(live_server)

        # 1. The clerk registers the urgent decision and presents it to the leader.
        clerk, doc_id = register_and_present(people, tmp_path, arrival_number=2)

        # 2. The leader: urgent first in the inbox, then the direction.
        leader = people.login("giamdoc")
        expect(inbox_count(leader)).to_have_attribute("data-count", "2")
        rows = open_inbox(leader)
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text(SUBJECT)
        expect(rows.first).to_have_class(re.compile(r"\burgent\b"))
        expect(rows.first.locator(".badge.urgent")).to_have_text("Khẩn")
        expect(rows.first.get_by_role("link", name=DIRECT, exact=True)).to_be_visible()
        expect(rows.nth(1)).to_contain_text(OTHER_SUBJECT)
        expect(rows.nth(1).locator(".badge.urgent")).to_have_count(0)

        form = open_task(leader, DIRECT, "direction")
        task_url = leader.url
        expect(leader.get_by_role("heading", level=1).locator(".badge.urgent")).to_have_text("Khẩn")
        expect(form.get_by_role("radio", name="Cho ý kiến chỉ đạo", exact=True)).to_be_checked()
        # The inbox and this (the widest) form on a phone: no sideways scrolling.
        phone = people.phone(leader)
        phone.goto(live_server + "/inbox")
        expect(phone.locator("table.inbox tbody tr").filter(has_text=SUBJECT)).to_be_visible()
        assert_fits_phone(phone)
        phone.goto(task_url)
        expect(phone.locator("#task-form[data-form=direction]")).to_be_visible()
        assert_fits_phone(phone)
        phone.screenshot(path="/tmp/e2e-route-direction-phone.png", full_page=True)

        form.locator("select[name=lead_department_id]").select_option(label=LEAD_DEPT)
        form.get_by_role("group", name="Đơn vị phối hợp").get_by_role(
            "checkbox", name=SUPPORT_DEPT, exact=True).check()
        form.get_by_role("group", name="Nhận để biết").get_by_role(
            "checkbox", name=re.compile(rf"^{DEPUTY}\b")).check()
        form.locator("textarea[name=note]").fill(BUT_PHE)
        send(leader, DIRECT)
        expect(inbox_count(leader)).to_have_attribute("data-count", "1")  # the normal one

        viewer = document_page(leader, live_server, doc_id, "Đã phân phối (04)")
        expect(shape(leader, "assign")).to_have_class(re.compile(r"\broute-current\b"))
        for done in ("present", "direct"):
            expect(shape(leader, done)).to_have_class(re.compile(r"\broute-done\b"))
            expect(shape(leader, done)).not_to_have_class(re.compile(r"\broute-current\b"))
        assert marked(leader, "route-current") == ["assign"]
        assert viewer.get_attribute("data-current-count") == "1"
        direction = leader.locator("#trail li[data-kind=direction]")
        expect(direction).to_have_count(1)
        expect(direction.locator(".who")).to_have_text(LEADER)
        expect(direction).to_contain_text(f"Đơn vị chủ trì: {LEAD_DEPT}")
        expect(direction).to_contain_text(f"Đơn vị phối hợp: {SUPPORT_DEPT}")
        expect(direction).to_contain_text(f"Nhận để biết: {DEPUTY}")
        expect(direction.locator("blockquote")).to_have_text(BUT_PHE)
        expect(leader.locator("#route .open-tasks")).to_contain_text(ASSIGN)

        # 3. The head of the lead department assigns the specialist.
        head = people.login("truongphong.vh")
        form = open_task(head, ASSIGN, "assign")
        expect(form.locator(".context-note")).to_contain_text(BUT_PHE)
        select_by_text(form.locator("select[name=specialist_id]"), SPECIALIST)
        form.locator("textarea[name=note]").fill(ASSIGN_NOTE)
        send(head, ASSIGN)

        # 4. In parallel: the supporting department's opinion, the specialist's work.
        support = people.login("truongphong.dl")
        form = open_task(support, OPINION, "opinion")
        form.locator("textarea[name=note]").fill(OPINION_NOTE)
        send(support, OPINION)
        expect(inbox_count(support)).to_have_attribute("data-count", "0")

        specialist = people.login("chuyenvien.vh")
        form = open_task(specialist, HANDLE, "handle")
        report = tmp_path / ATTACHMENT
        report.write_bytes(scanned_pdf("BÁO CÁO KẾT QUẢ XỬ LÝ", pages=1))
        form.locator("textarea[name=note]").fill(RESULT_NOTE)
        form.locator("input[type=file][name=attachments]").set_input_files(report)
        send(specialist, HANDLE)
        expect(inbox_count(specialist)).to_have_attribute("data-count", "0")
        document_page(specialist, live_server, doc_id, "Đang xử lý (05)")
        expect(shape(specialist, "confirm")).to_have_class(re.compile(r"\broute-current\b"))
        for done in ("assign", "handle", "opinion"):
            expect(shape(specialist, done)).to_have_class(re.compile(r"\broute-done\b"))
        expect(specialist.locator("ul.files")).to_contain_text(ATTACHMENT)

        # 5. The head confirms: the route is finished.
        form = open_task(head, CONFIRM, "confirm")
        expect(form.get_by_role("radio", name="Duyệt, hoàn thành", exact=True)).to_be_checked()
        expect(form.locator(".context-note").filter(has_text="Kết quả chuyên viên")) \
            .to_contain_text(RESULT_NOTE)
        send(head, CONFIRM)
        expect(inbox_count(head)).to_have_attribute("data-count", "0")

        viewer = document_page(head, live_server, doc_id, "Hoàn thành (06)")
        expect(head.locator("#route")).to_contain_text("Đã hoàn thành quy trình.")
        expect(head.locator("#route .open-tasks")).to_have_count(0)
        assert viewer.get_attribute("data-current-count") == "0"
        expect(head.locator("g.djs-element.route-current")).to_have_count(0)
        for done in ("present", "direct", "svc_assigned", "assign", "opinion", "handle",
                     "confirm", "svc_done", "evt_done"):
            expect(shape(head, done)).to_have_class(re.compile(r"\broute-done\b"))
        head.screenshot(path="/tmp/e2e-route-done.png", full_page=True)

        assert trail_entries(head) == [
            ("present", CLERK), ("direction", LEADER), ("assign", HEAD_VH),
            ("opinion", HEAD_DL), ("handle", SPECIALIST), ("confirm", HEAD_VH)]
        trail = head.locator("#trail")
        expect(trail.locator("li[data-kind=assign]")).to_contain_text(
            f"Người xử lý: {SPECIALIST}")
        expect(trail.locator("li[data-kind=assign] blockquote")).to_have_text(ASSIGN_NOTE)
        expect(trail.locator("li[data-kind=opinion] blockquote")).to_have_text(OPINION_NOTE)
        handled = trail.locator("li[data-kind=handle]")
        expect(handled.locator("blockquote")).to_have_text(RESULT_NOTE)
        link = handled.get_by_role("link", name=ATTACHMENT, exact=True)
        expect(link).to_have_attribute("href", re.compile(rf"^/documents/{doc_id}/files/\d+$"))
        with head.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == ATTACHMENT
        assert Path(download.value.path()).read_bytes() == report.read_bytes()

        assert not people.errors(), people.errors()
    finally:
        people.close()


def test_the_leader_sends_it_back_with_a_reason(chromium, live_server, tmp_path):
    people = People(chromium, live_server)
    try:
        clerk, doc_id = register_and_present(people, tmp_path)
        leader = people.login("giamdoc")
        expect(inbox_count(leader)).to_have_attribute("data-count", "1")
        form = open_task(leader, DIRECT, "direction")
        task_url = leader.url

        # "Trả lại" without a reason: refused, the form comes back with the error.
        form.get_by_role("radio", name="Trả lại", exact=True).check()
        with leader.expect_response(lambda r: r.request.method == "POST") as posted:
            form.get_by_role("button", name="Gửi", exact=True).click()
        assert posted.value.status == 422
        leader.wait_for_load_state()
        form = leader.locator("#task-form[data-form=direction]")
        expect(form).to_be_visible()
        error = form.locator("#err-note")
        expect(error).to_have_text("Ghi rõ lý do trả lại.")
        # ... right under the note it belongs to (inside the same label).
        expect(form.locator("label").filter(has=leader.locator("textarea[name=note]"))
               .locator("#err-note")).to_have_count(1)
        expect(leader.locator(".flash.error")).to_contain_text("Ghi rõ lý do trả lại.")
        expect(form.get_by_role("radio", name="Trả lại", exact=True)).to_be_checked()
        # Nothing moved: the leader still has it, the clerk has nothing.
        leader.goto(task_url)
        expect(leader.locator("#task-form[data-form=direction]")).to_be_visible()
        expect(leader.locator("#trail li[data-kind=return]")).to_have_count(0)
        expect(inbox_count(leader)).to_have_attribute("data-count", "1")
        clerk.reload()
        expect(inbox_count(clerk)).to_have_attribute("data-count", "0")

        # With a reason: the clerk gets "Trình văn bản" back.
        form = leader.locator("#task-form")
        form.get_by_role("radio", name="Trả lại", exact=True).check()
        form.locator("textarea[name=note]").fill(RETURN_REASON)
        send(leader, DIRECT)
        expect(inbox_count(leader)).to_have_attribute("data-count", "0")

        clerk.reload()
        expect(inbox_count(clerk)).to_have_attribute("data-count", "1")
        form = open_task(clerk, PRESENT, "present")
        returned = clerk.locator("#trail li[data-kind=return]")
        expect(returned).to_have_count(1)
        expect(returned.locator(".who")).to_have_text(LEADER)
        expect(returned.locator("blockquote")).to_have_text(RETURN_REASON)
        # The clerk's task page on a phone.
        phone = people.phone(clerk)
        phone.goto(clerk.url)
        expect(phone.locator("#task-form[data-form=present]")).to_be_visible()
        assert_fits_phone(phone)
        phone.goto(live_server + "/inbox")
        expect(phone.locator("table.inbox tbody tr").filter(has_text=SUBJECT)).to_be_visible()
        assert_fits_phone(phone)

        document_page(clerk, live_server, doc_id, STATUS_REGISTERED)
        expect(shape(clerk, "present")).to_have_class(re.compile(r"\broute-current\b"))
        expect(shape(clerk, "direct")).to_have_class(re.compile(r"\broute-returned\b"))
        assert marked(clerk, "route-current") == ["present"]
        assert trail_entries(clerk) == [("present", CLERK), ("return", LEADER)]

        errors = people.errors()
        expected = [e for e in errors if UNPROCESSABLE.search(e)]
        unexpected = [e for e in errors if not UNPROCESSABLE.search(e)]
        assert len(expected) == 1, errors
        assert not unexpected, unexpected
    finally:
        people.close()
