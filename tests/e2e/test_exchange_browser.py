"""Văn bản điện tử đến in a real browser: B's clerk opens the queue, opens the
package A sent through the exchange and accepts it, on a 360 px phone.

A (the demo agency) signs and issues with the test PKI and sends to agency B
hosted on the same installation; the routing clock delivers it. Runs the real
application (``live_server``) on SQLite and PostgreSQL in Debian's headless
Chromium; every console error fails the test.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

from tests.e2e.test_clerk_flow import login, no_horizontal_scroll, open_context
from tests.signing_support import app_config_for, provision_signing

SUBJECT = "Công văn về dự toán ngân sách năm 2027"


@pytest.fixture
def live_config(signing_pki):
    return app_config_for(signing_pki)


def send_to_b(app, signing_pki) -> None:
    """A issues a document to B and the clock delivers it (through the use cases).

    In a thread of its own: signing runs an asyncio loop, and Playwright's sync
    API already runs one in the test's thread.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_send_to_b, app, signing_pki).result()


def _send_to_b(app, signing_pki) -> None:
    from app import wiring
    from app.extensions import db
    from tests.integration.test_exchange_direct import clock, issued_to_b, make_agency_b
    provision_signing(app, signing_pki)
    with app.app_context():
        try:
            make_agency_b()
            routing = wiring.routing()
            issued_to_b(routing, SUBJECT)
            clock(routing, wiring.exchange_transports())
        finally:
            db.session.remove()


def test_b_clerk_opens_the_package_and_accepts_it(chromium, live_server, signing_pki):
    send_to_b(live_server.app, signing_pki)
    context = open_context(chromium, viewport={"width": 360, "height": 780})
    page = context.new_page()
    login(page, live_server, "vanthu.stc")
    page.goto(live_server.url("/exchange/"))
    expect(page.get_by_role("heading", name="Văn bản điện tử đến")).to_be_visible()
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", name=SUBJECT)).to_be_visible()
    expect(page.get_by_label("Trích yếu nội dung")).to_have_value(SUBJECT)
    expect(page.get_by_label("Hình thức nhận")).to_have_value("exchange")
    assert no_horizontal_scroll(page)["wide"] == []
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page.locator(".flash.success")).to_contain_text("Đã tiếp nhận và vào sổ")
    assert "/documents/" in page.url
    expect(page.locator("#doc-status")).to_have_attribute("data-status", "registered")
    page.goto(live_server.url("/exchange/"))
    expect(page.locator("#exchange-empty")).to_be_visible()
    assert context.console_errors == []
    context.close()
