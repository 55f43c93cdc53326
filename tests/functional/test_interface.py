"""Interface basics: Vietnamese by default, English on request, light pages."""
from __future__ import annotations

import io
import json

from tests.conftest import incoming_fields, unique_pdf


def _register(client, headers, **fields):
    resp = client.post("/api/v1/incoming", headers=headers, data={
        "metadata": json.dumps(incoming_fields(**fields)),
        "files": (io.BytesIO(unique_pdf()), "scan.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()


def test_vietnamese_by_default_and_english_on_request(client, browser):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page and "Đăng nhập" in page and "Tên đăng nhập" in page
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "Username" in page
    browser.login("vanthu")
    assert "Incoming register" in client.get("/incoming/").get_data(as_text=True)


def test_register_list_shows_dates_dd_mm_yyyy_and_paginates(client, browser, api):
    headers = api("vanthu")
    for i in range(3):
        _register(client, headers, code_number=str(40 + i), arrival_date="2026-11-05",
                  issued_date="2026-11-04")
    browser.login("vanthu")
    page = client.get("/incoming/?per_page=2").get_data(as_text=True)
    assert "05/11/2026" in page and "04/11/2026" in page
    assert "Trang 1 / 2" in page and 'rel="next"' in page
    second = client.get("/incoming/?per_page=2&page=2").get_data(as_text=True)
    assert "Trang 2 / 2" in second and 'rel="prev"' in second


def test_pages_are_light_phone_ready_and_hardened(client, browser, api):
    headers = api("vanthu")
    for i in range(25):
        _register(client, headers, code_number=str(100 + i))
    browser.login("vanthu")
    resp = client.get("/incoming/")
    page = resp.get_data(as_text=True)
    assert 'name="viewport"' in page
    assert len(resp.data) < 40_000  # 25 rows, no framework, no inline assets
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and len(css.data) < 12_000
