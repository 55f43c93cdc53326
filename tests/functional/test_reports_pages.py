"""The reports form, the dashboard and its drill-down over HTTP (SQLite and PostgreSQL).

Documents seeded around today (tests/reports_support.py); the dashboard's
default period is this year up to today.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from app.extensions import db
from tests.conftest import Browser
from tests.reports_support import VN, In, Out, at, seed

TODAY = datetime.now(VN).date()
YEAR_START = TODAY.replace(month=1, day=1)


def _seed(app):
    day = max(YEAR_START, TODAY - timedelta(days=1))
    return seed(db.session, [
        In("overdue-a", day, "QLVH", "chuyenvien.vh", day - timedelta(days=1), None, "overdue"),
        In("done-a", day, "QLDL", "chuyenvien.dl", TODAY, at(day, 10), "on_time",
           channel="exchange"),
    ], [Out("o-a", day, "QLVH", "leader", "exchange", True)])


def test_dashboard_shows_figures_and_drills_down(app, browser):
    ids = _seed(app)
    browser.login("giamdoc")
    page = browser.client.get("/reports/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="fig-overdue"' in html and 'data-figure="overdue"' in html
    assert "js/dashboard.js" in html and 'data-chart="bar"' in html
    drill = browser.client.get("/reports/dashboard/documents?figure=overdue"
                               f"&from={YEAR_START}&to={TODAY}")
    text = drill.get_data(as_text=True)
    assert drill.status_code == 200
    assert f'data-document="{ids["overdue-a"]}"' in text
    assert f'data-document="{ids["done-a"]}"' not in text
    bad = browser.client.get("/reports/dashboard/documents?figure=nope")
    assert bad.status_code == 422


def test_reports_form_downloads_xlsx_and_pdf(app, browser):
    _seed(app)
    browser.login("vanthu")
    assert browser.client.get("/reports").status_code == 200
    resp = browser.client.get(f"/reports?report=incoming_handling&format=xlsx"
                              f"&from={YEAR_START}&to={TODAY}")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    total = next(r for r in rows if r and r[0] == "Tổng cộng")
    assert list(total[:7]) == ["Tổng cộng", 2, 1, 0, 0, 1, 0]
    pdf = browser.client.get(f"/reports?report=outgoing_register&format=pdf&from={YEAR_START}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bad = browser.client.get("/reports?from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 422 and "f-to" in bad.get_data(as_text=True)


def test_other_roles_get_403(app):
    for username in ("chuyenvien.vh", "truongphong.dl", "luutru"):
        browser = Browser(app.test_client())
        browser.login(username)
        assert browser.client.get("/reports/dashboard").status_code == 403, username
        assert browser.client.get("/reports").status_code == 403, username
