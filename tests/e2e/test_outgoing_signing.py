"""Drafting, signing and issuing an outgoing document in a real browser.

The specialist drafts a decision through the form (the system lays it out)
and sees, over the pdf.js page, where the number, the date, the leader's
signature and the seal will go; she submits it. The department head and the
office approve it (through the use cases, as tested elsewhere). The leader
opens the signing page from his inbox: the PIN field has the focus, a wrong
PIN is refused with the attempts left, the right one signs. The clerk issues
the number and applies the agency's signature in one action; the signature
panel then shows both signatures valid (demo PKI, flagged as such).

Runs the real application (``live_server`` with the test PKI's TSA and root
through ``live_config``) on SQLite and PostgreSQL, in Debian's headless
Chromium. Every console error fails the test, except the one the deliberate
422 answer (wrong PIN) produces. Screenshots go to test-artefacts/e2e/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PDFJS = ROOT / "app" / "static" / "vendor" / "pdfjs" / "pdf.min.mjs"
ARTEFACTS = ROOT / "test-artefacts" / "e2e"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
if not PDFJS.is_file():
    pytest.skip("pdf.js not installed in app/static/vendor/pdfjs: run scripts/setup.sh",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

from tests.e2e.test_clerk_flow import TIMEOUT_MS, no_horizontal_scroll  # noqa: E402
from tests.e2e.test_routing_flow import People, open_inbox, select_by_text  # noqa: E402
from tests.signing_support import PIN, app_config_for, provision_signing  # noqa: E402

SUBJECT = "Quyết định ban hành Kế hoạch tổ chức Lễ hội Hoa Ban năm 2027"
BODY = ("Căn cứ Luật Tổ chức chính quyền địa phương;\n\n"
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch tổ chức Lễ hội Hoa Ban.\n\n"
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký.")
SIGN_STEP = "Lãnh đạo duyệt và ký số"
SIGNING_MS = 60_000  # TSA and OCSP round trips on 127.0.0.1
# Chromium logs any 4xx page as a console error; the wrong PIN is answered with 422.
UNPROCESSABLE = re.compile(
    r"status of 422 \(UNPROCESSABLE ENTITY\) \(http://[^)]+/outgoing/\d+/sign\)$")


@pytest.fixture
def live_config(signing_pki):
    return app_config_for(signing_pki)


@pytest.fixture
def people(chromium, live_server, signing_pki):
    provision_signing(live_server.app, signing_pki)
    crowd = People(chromium, live_server)
    yield crowd
    crowd.close()


def approve_through_the_use_cases(app, doc_id: int) -> None:
    """The department head approves the content, the office the form."""
    from app import wiring
    from app.extensions import db
    from tests.integration.test_routing import who
    from workflows import outgoing
    with app.app_context():
        try:
            for username in ("truongphong.vh", "chanhvanphong"):
                task = outgoing.open_task(db.session, doc_id)
                wiring.routing().complete(db.session, who(username), task.id,
                                          {"decision": "approve"})
        finally:
            db.session.remove()


def draft_in_the_form(page) -> int:
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Văn bản đi", exact=True).click()
    page.get_by_role("link", name="Soạn văn bản đi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Soạn văn bản đi")
    expect(page.get_by_label("Loại văn bản")).to_be_focused()
    page.get_by_label("Loại văn bản").select_option(label="Quyết định")
    page.get_by_label("Trích yếu nội dung").fill(SUBJECT)
    page.get_by_label("Nơi nhận").fill("- Như Điều 3;\n- UBND tỉnh (để b/c);")
    select_by_text(page.get_by_label("Lãnh đạo ký"), "Lê Minh Đức")
    expect(page.get_by_label("Hệ thống tạo văn bản")).to_be_checked()
    expect(page.get_by_label("Tệp dự thảo", exact=True)).to_be_hidden()
    page.get_by_label("Nội dung", exact=True).fill(BODY)
    page.get_by_role("button", name="Tạo dự thảo").click()
    expect(page).to_have_url(re.compile(r"/outgoing/\d+$"))
    expect(page.locator(".flash.success")).to_contain_text("Đã tạo dự thảo")
    return int(page.url.rsplit("/", 1)[1])


def check_field_boxes(page) -> None:
    """The four boxes sit on page 1: the seal over the left part of the leader's box."""
    viewer = page.locator("#outgoing-viewer")
    expect(viewer).to_have_attribute("data-state", "rendered", timeout=TIMEOUT_MS)
    expect(viewer).to_have_attribute("data-field-boxes-drawn", "4")
    boxes = {k: page.locator(f".field-box[data-field={k}]").bounding_box()
             for k in ("number", "date", "leader", "seal")}
    sheet = page.locator(".pdf-viewer__page[data-page='1']").bounding_box()
    leader, seal = boxes["leader"], boxes["seal"]
    assert leader["x"] > sheet["x"] + sheet["width"] / 2, boxes  # right half (box 7c)
    assert seal["x"] < leader["x"] < seal["x"] + seal["width"], boxes  # seal covers its left
    assert boxes["number"]["y"] < leader["y"] and boxes["date"]["x"] > boxes["number"]["x"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#outgoing-viewer").screenshot(path=str(ARTEFACTS / "outgoing-draft-boxes.png"))
    page.get_by_label("Hiện vị trí số, ngày và chữ ký").uncheck()
    expect(page.locator(".field-box[data-field=leader]")).to_be_hidden()
    page.get_by_label("Hiện vị trí số, ngày và chữ ký").check()
    expect(page.locator(".field-box[data-field=leader]")).to_be_visible()


def submit_draft(page) -> None:
    page.locator("#actions").get_by_role("link", name=re.compile("Chuyên viên trình")).click()
    expect(page.locator("#task-form")).to_have_attribute("data-form", "draft")
    expect(page.get_by_label("Lãnh đạo ký")).to_have_value(
        page.get_by_label("Lãnh đạo ký").locator("option", has_text="Lê Minh Đức")
        .get_attribute("value"))
    page.get_by_role("button", name="Trình duyệt").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))


def sign_with_pin(leader, doc_id: int) -> None:
    rows = open_inbox(leader).filter(has_text=SUBJECT)
    rows.get_by_role("link", name=SIGN_STEP, exact=True).click()
    leader.get_by_role("link", name="Mở trang ký số").click()
    expect(leader).to_have_url(re.compile(rf"/outgoing/{doc_id}$"))
    pin = leader.get_by_label("Mã PIN của khóa ký số")
    expect(pin).to_be_focused()
    expect(pin).to_have_attribute("type", "password")
    pin.fill("111111")
    pin.press("Enter")
    expect(leader.locator("#page-message")).to_have_text("Mã PIN không đúng. Còn 4 lần thử.")
    expect(leader.locator("#doc-status")).to_have_text("Dự thảo")
    pin = leader.get_by_label("Mã PIN của khóa ký số")
    expect(pin).to_have_value("")  # never echoed back
    pin.fill(PIN)
    leader.get_by_role("button", name="Ký số", exact=True).click()
    expect(leader.locator(".flash.success")).to_contain_text("Đã ký số văn bản",
                                                             timeout=SIGNING_MS)
    expect(leader.locator("#doc-status")).to_have_text("Đã ký, chờ cấp số")
    panel = leader.locator("#signatures")
    expect(panel).to_have_attribute("data-state", "ready", timeout=SIGNING_MS)
    expect(panel.locator(".sig-item[data-field=SigLeader]")).to_have_attribute(
        "data-sig-status", "valid")


def issue_with_seal(clerk, doc_id: int) -> None:
    clerk.goto(f"{clerk.url.split('/inbox')[0]}/outgoing/{doc_id}")
    form = clerk.locator("#issue-form")
    expect(form.get_by_label("Mã PIN chữ ký số cơ quan")).to_be_focused()
    form.get_by_label("Mã PIN chữ ký số cơ quan").fill(PIN)
    form.get_by_role("button", name="Cấp số và ký số cơ quan").click()
    expect(clerk.locator(".flash.success")).to_contain_text(
        "Đã cấp số 01/QĐ-SVHTTDL và ký số cơ quan.", timeout=SIGNING_MS)
    expect(clerk.locator("#code-symbol")).to_have_text("Số: 01/QĐ-SVHTTDL")


def check_signature_panel(page) -> None:
    panel = page.locator("#signatures")
    expect(panel).to_have_attribute("data-state", "ready", timeout=SIGNING_MS)
    main = panel.locator(".sig-file[data-file-status]").first
    expect(main).to_have_attribute("data-file-status", "valid")
    for field in ("SigLeader", "SigSeal"):
        item = main.locator(f".sig-item[data-field={field}]")
        expect(item).to_have_attribute("data-sig-status", "valid")
        expect(item.locator(".sig-badge")).to_have_text("Hợp lệ")
        expect(item).to_contain_text("Chứng thư thử nghiệm (không dùng thật)")
    leader = main.locator(".sig-item[data-field=SigLeader]")
    expect(leader).to_contain_text("Lê Minh Đức")
    expect(leader.locator(".sig-changed")).to_contain_text("số, ký hiệu")
    expect(leader.locator(".sig-changed")).to_contain_text("ngày ban hành")
    expect(leader).to_contain_text("Chữ ký chứng nhận tài liệu")
    expect(main.locator(".sig-item[data-sig-status]:not([data-sig-status=valid])")).to_have_count(0)


def test_the_leader_signs_with_a_pin_and_the_clerk_issues(people, live_server):
    drafter = people.login("chuyenvien.vh")
    doc_id = draft_in_the_form(drafter)
    check_field_boxes(drafter)
    submit_draft(drafter)
    approve_through_the_use_cases(live_server.app, doc_id)

    leader = people.login("giamdoc")
    sign_with_pin(leader, doc_id)
    phone = people.phone(leader)
    phone.goto(leader.url)
    expect(phone.locator("#signatures")).to_have_attribute("data-state", "ready",
                                                           timeout=SIGNING_MS)
    scroll = no_horizontal_scroll(phone)
    assert scroll["scrollWidth"] <= scroll["innerWidth"] + 1, scroll
    phone.screenshot(path=str(ARTEFACTS / "outgoing-signed-phone.png"), full_page=True)

    clerk = people.login("vanthu")
    issue_with_seal(clerk, doc_id)
    expect(clerk.locator("#outgoing-viewer")).to_have_attribute("data-state", "rendered",
                                                                timeout=TIMEOUT_MS)
    check_signature_panel(clerk)
    clerk.locator("#signatures").scroll_into_view_if_needed()
    clerk.screenshot(path=str(ARTEFACTS / "outgoing-issued.png"), full_page=True)
    errors = [e for e in people.errors() if not UNPROCESSABLE.search(e)]
    assert not errors, errors
