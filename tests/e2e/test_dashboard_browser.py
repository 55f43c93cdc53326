"""The leaders' dashboard in headless Chromium (SQLite and PostgreSQL).

A leader opens the dashboard from the reports page, sees the SVG charts with
their numbers, clicks the overdue figure and sees exactly the overdue
documents; the page fits a 360 px phone. Every console error fails the test.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

from tests.e2e.test_clerk_flow import login, no_horizontal_scroll, open_context  # noqa: E402


def seed(app) -> dict[str, int]:
    from app.extensions import db
    from tests.reports_support import VN, In, Out, at, seed as seed_rows
    today = datetime.now(VN).date()
    day = max(today.replace(month=1, day=1), today - timedelta(days=1))
    with app.app_context():
        return seed_rows(db.session, [
            In("quá hạn một", day, "QLVH", "chuyenvien.vh", day - timedelta(days=1), None,
               "overdue"),
            In("quá hạn hai", day, "QLDL", "chuyenvien.dl", day - timedelta(days=1), None,
               "overdue"),
            In("đúng hạn", day, "QLDL", "chuyenvien.dl", today, at(day, 10), "on_time"),
        ], [Out("đi một", day, "QLVH", "leader", "exchange", True)])


def test_leader_sees_charts_and_drills_into_overdue(chromium, live_server):
    ids = seed(live_server.app)
    context = open_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, live_server, "giamdoc")
    page.goto(live_server.url("/reports"))
    page.get_by_role("link", name="Bảng số liệu cho lãnh đạo").click()
    expect(page.get_by_role("heading", name="Bảng số liệu", exact=True)).to_be_visible()
    chart = page.locator("svg.bar-chart").first
    expect(chart).to_be_visible()
    assert page.locator("svg.bar-chart").count() == 3  # handling, by department, by person
    expect(page.locator("#fig-overdue")).to_have_text("2")
    # the overdue bar of the handling chart shows its number
    overdue_bar = page.locator('svg.bar-chart a[data-figure="overdue"]')
    expect(overdue_bar.locator("text.bar-value")).to_have_text("2")
    shots = Path(__file__).resolve().parents[2] / "test-artefacts" / "e2e"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    page.locator("#fig-overdue a").click()
    expect(page.locator("#drill-total")).to_contain_text("2")
    rows = page.locator("#drill-list tbody tr")
    expect(rows).to_have_count(2)
    shown = sorted(int(r.get_attribute("data-document")) for r in rows.all())
    assert shown == sorted([ids["quá hạn một"], ids["quá hạn hai"]])
    expect(page.get_by_text("Công văn đúng hạn")).to_have_count(0)
    # back, then through the chart's bar (SVG link) of one department
    page.go_back()
    page.locator('#chart-overdue-dept').locator("xpath=preceding-sibling::*[1]") \
        .locator("a").first.click()
    expect(page.locator("#drill-list tbody tr")).to_have_count(1)
    assert context.console_errors == []
    context.close()

    phone = open_context(chromium, viewport={"width": 360, "height": 740})
    p = phone.new_page()
    login(p, live_server, "giamdoc")
    p.goto(live_server.url("/reports/dashboard"))
    expect(p.locator("svg.bar-chart").first).to_be_visible()
    no_horizontal_scroll(p)
    assert phone.console_errors == []
    phone.close()
