"""The agency archive in a real browser: the archivist receives a closed case
file from a department (nav "Lưu trữ" → "Nhận hồ sơ nộp lưu"), confirms the
handover, then finds one of its documents by search restricted to records in
the archive, opens it and sees the file it belongs to.

Runs the real application (``live_server``) on SQLite and PostgreSQL in
Debian's headless Chromium; every console error fails the test. Screenshots:
test-artefacts/e2e/archive-transfer.png, archive-search.png.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "e2e"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

from tests.e2e.test_clerk_flow import login, nav_link, open_context  # noqa: E402

SUBJECT = "Báo cáo tổng kết lễ hội cồng chiêng Tây Nguyên năm 2025"
OTHER = "Kế hoạch tổ chức lễ hội cồng chiêng năm 2026"   # same words, not in the archive


def seed(app) -> dict:
    """A specialist's closed file holding SUBJECT; OTHER stays outside any file."""
    from app import wiring
    from app.extensions import db
    from archive import directory
    from archive.identity import Actor
    from tests.conftest import incoming_fields, unique_pdf
    from workflows import case_files, incoming
    from workflows.incoming import Upload
    with app.app_context():
        try:
            clerk = Actor.of(directory.find_staff(db.session, "vanthu"))
            docs = {}
            for number, subject, day in (("31", SUBJECT, "2025-11-20"),
                                         ("42", OTHER, "2025-12-01")):
                docs[subject] = incoming.register_incoming(
                    db.session, clerk, wiring.storage(), wiring.limits(),
                    incoming_fields(subject=subject, document_type="BC", issued_date=day,
                                    arrival_date=day, code_number=number),
                    [Upload("bao-cao.pdf", unique_pdf())], today=date(2025, 12, 2)).document
            specialist = directory.find_staff(db.session, "chuyenvien.vh")
            owner = Actor.of(specialist)
            access_doc = docs[SUBJECT]
            from archive import access
            access.grant(db.session, access_doc.id, specialist.id)
            db.session.commit()
            cf = case_files.open_outside_list(db.session, owner, {
                "title": "Hồ sơ lễ hội cồng chiêng Tây Nguyên năm 2025", "code": "07.VH",
                "retention": "10", "start_date": "2025-01-10"})
            case_files.add_document(db.session, owner, cf.id, access_doc.id)
            case_files.close_file(db.session, owner, cf.id,
                                  {"retention_checked": "1", "end_date": "2025-12-15"},
                                  version=None)
            return {"file_id": cf.id, "code": cf.code, "document_id": access_doc.id,
                    "other_id": docs[OTHER].id, "department_id": specialist.department_id}
        finally:
            db.session.remove()


def test_the_archivist_receives_a_file_and_finds_its_document(chromium, live_server):
    seeded = seed(live_server.app)
    context = open_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "luutru")

    nav_link(page, "Lưu trữ").click()
    page.get_by_role("link", name="Nhận hồ sơ nộp lưu").click()
    page.get_by_label("Đơn vị nộp lưu").select_option(str(seeded["department_id"]))
    page.get_by_role("button", name="Xem hồ sơ đã kết thúc").click()
    row_box = page.locator(f'input[name="file_ids"][value="{seeded["file_id"]}"]')
    expect(row_box).to_be_visible()
    row_box.check()
    handed = page.get_by_label("Người giao (bên giao)")
    handed.select_option(index=1)
    page.get_by_role("button", name="Xác nhận nhận hồ sơ").click()
    expect(page.locator(".flash.success")).to_contain_text("Đã nhận 1 hồ sơ")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "archive-transfer.png"), full_page=True)

    nav_link(page, "Tra cứu").click()
    box = page.get_by_role("searchbox", name="Từ khóa")
    box.fill("cong chieng")
    box.press("Enter")
    hits = page.locator("ol.hits > li.hit")
    expect(hits).to_have_count(2)                    # both documents hold the words
    page.locator("details.search-filters > summary").click()
    page.get_by_label("Chỉ tài liệu đã nộp lưu trữ").check()
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"in_archive=1"))
    expect(hits).to_have_count(1)
    hit = hits.first
    assert hit.get_attribute("data-document-id") == str(seeded["document_id"])
    expect(hit.locator(".hit-title a mark")).to_have_text(["cồng", "chiêng"])
    page.screenshot(path=str(ARTEFACTS / "archive-search.png"), full_page=True)
    hit.locator(".hit-title a").click()
    expect(page).to_have_url(re.compile(rf"/documents/{seeded['document_id']}$"))
    expect(page.locator("#doc-files")).to_contain_text(seeded["code"])

    # From the archived file's page: search inside that file only.
    page.goto(live_server.url(f"/archive/files/{seeded['file_id']}"))
    page.get_by_role("link", name="Tìm trong hồ sơ này").click()
    box = page.get_by_role("searchbox", name="Từ khóa")
    box.fill("le hoi")
    box.press("Enter")
    expect(page.locator("#case-file-scope")).to_be_visible()
    expect(hits).to_have_count(1)
    assert hits.first.get_attribute("data-document-id") == str(seeded["document_id"])
    context.close()
