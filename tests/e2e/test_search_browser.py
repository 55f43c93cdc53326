"""Tra cứu in a real browser: a clerk types words without diacritics, presses
Enter, sees the matching decision highlighted, opens it; the page is usable
from the keyboard ("/" returns to the search box) and on a 360 px phone.

Runs the real application (``live_server``) on SQLite and PostgreSQL in
Debian's headless Chromium. Every console error fails the test. The
screenshot goes to test-artefacts/e2e/search-results.png.
"""
from __future__ import annotations

import re
from datetime import date
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

from tests.e2e.test_clerk_flow import (login, nav_link, no_horizontal_scroll,  # noqa: E402
                                       open_context)

SUBJECT = "Quyết định về việc phát triển du lịch cộng đồng năm 2026"
ISSUER = "Sở Văn hóa, Thể thao và Du lịch"
DOCUMENTS = [
    dict(subject="Quyết định khen thưởng tập thể lao động xuất sắc", document_type="QD",
         code_number="98", code_notation="QĐ-UBND", arrival_date="2026-11-02"),
    dict(subject=SUBJECT, document_type="QD", code_number="123", code_notation="QĐ-SVHTTDL",
         issuer_name=ISSUER, urgency="urgent", arrival_date="2026-11-03"),
    dict(subject="Kế hoạch du lịch hè năm 2026", document_type="KH", code_number="45",
         code_notation="KH-UBND", arrival_date="2026-11-04"),
    dict(subject="Công văn về việc tổ chức hội nghị du lịch", document_type="CV",
         code_number="12", code_notation="UBND-VX", arrival_date="2026-11-05"),
]


def seed(app) -> dict[str, int]:
    """Register the documents as the clerk, through the use case."""
    from app import wiring
    from app.extensions import db
    from archive import directory
    from archive.identity import Actor
    from tests.conftest import incoming_fields, unique_pdf
    from workflows import incoming
    from workflows.incoming import Upload
    ids = {}
    with app.app_context():
        try:
            clerk = Actor.of(directory.find_staff(db.session, "vanthu"))
            for values in DOCUMENTS:
                doc = incoming.register_incoming(
                    db.session, clerk, wiring.storage(), wiring.limits(),
                    incoming_fields(issued_date="2026-10-30", **values),
                    [Upload("van-ban.pdf", unique_pdf())], today=date(2026, 11, 21)).document
                ids[values["subject"]] = doc.id
        finally:
            db.session.remove()
    return ids


def test_search_from_the_keyboard_then_open_the_document(chromium, live_server):
    ids = seed(live_server.app)
    context = open_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "vanthu")

    nav_link(page, "Tra cứu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu văn bản")
    box = page.get_by_role("searchbox", name="Từ khóa")
    expect(box).to_be_focused()                          # autofocus
    box.fill("quyet dinh du lich")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=quyet\+dinh\+du\+lich$"))
    expect(page.locator("#results-heading")).to_have_text("Tìm thấy 1 văn bản")

    hits = page.locator("ol.hits > li.hit")
    expect(hits).to_have_count(1)
    first = hits.first
    assert first.get_attribute("data-document-id") == str(ids[SUBJECT])
    title = first.locator(".hit-title a")
    expect(title).to_have_text(SUBJECT)
    expect(title.locator("mark")).to_have_text(["Quyết", "định", "du", "lịch"])
    expect(first.locator(".hit-meta")).to_contain_text("123/QĐ-SVHTTDL")
    expect(first.locator(".hit-meta")).to_contain_text(ISSUER)
    for other in ("khen thưởng", "Kế hoạch du lịch hè", "hội nghị du lịch"):
        expect(page.locator("ol.hits")).not_to_contain_text(other)
    # The facets count what was found.
    expect(page.locator('[data-facet=document_type] li[data-value=QD]')).to_have_attribute(
        "data-count", "1")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "search-results.png"), full_page=True)

    # "/" brings the focus back to the box from anywhere on the page.
    page.locator("#results-heading").click()
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("quyet dinh du lich")       # the slash was not typed

    # A wider search sorted by date, narrowed by a facet click.
    box.fill("du lich")
    page.get_by_label("Sắp xếp").select_option(label="Mới nhất")
    box.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("Tìm thấy 3 văn bản")
    page.locator('[data-facet=document_type] li[data-value=KH] a').click()
    expect(page.locator("#results-heading")).to_have_text("Tìm thấy 1 văn bản")
    expect(page.locator("ol.hits")).to_contain_text("Kế hoạch du lịch hè năm 2026")
    page.go_back()
    expect(page.locator("#results-heading")).to_have_text("Tìm thấy 3 văn bản")
    page.go_back()

    # Open the decision: its page shows the subject and the number.
    page.locator("ol.hits .hit-title a").first.click()
    expect(page).to_have_url(re.compile(rf"/documents/{ids[SUBJECT]}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(page.locator(".meta")).to_contain_text("123/QĐ-SVHTTDL")

    # On a phone: no sideways scrolling, with the filters open too.
    phone = open_context(chromium, viewport={"width": 360, "height": 740},
                         device_scale_factor=2, is_mobile=True, has_touch=True,
                         storage_state=context.storage_state())
    mobile = phone.new_page()
    mobile.goto(live_server + "/search?q=du+lich&show=number&show=issuer&show=snippet"
                "&show=status&show=register")
    expect(mobile.locator("ol.hits > li.hit")).to_have_count(3)
    mobile.locator(".search-filters summary").click()
    expect(mobile.get_by_label("Ngày văn bản từ")).to_be_visible()
    scroll = no_horizontal_scroll(mobile)
    assert scroll["scrollWidth"] <= scroll["innerWidth"] + 1, scroll
    mobile.screenshot(path=str(ARTEFACTS / "search-phone.png"), full_page=True)

    errors = context.console_errors + phone.console_errors
    phone.close()
    context.close()
    assert not errors, errors
