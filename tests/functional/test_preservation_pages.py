"""The /preservation pages through the Flask client (SQLite and PostgreSQL): who
may see them, starting a run with the form (CSRF, a double click refused with a
message), the report with its problems, the PDF/A copies and their retry."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive.filing_models import IntegrityRun, PreservationCopy
from archive.storage import store
from tests.archive_support import register
from tests.conftest import csrf_from
from workflows import integrity, preservation


def wait_done(run_id: int, seconds: float = 60) -> IntegrityRun:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        db.session.expire_all()
        run = db.session.get(IntegrityRun, run_id)
        db.session.rollback()
        if run.status != "running":
            return run
        time.sleep(0.2)
    raise AssertionError("the run did not finish")


def start(browser):
    token = csrf_from(browser.client.get("/preservation/").get_data(as_text=True))
    return browser.client.post("/preservation/runs", data={"csrf_token": token})


@pytest.mark.parametrize("username, status", [("luutru", 200), ("quantri", 200),
                                              ("chuyenvien.vh", 403), ("vanthu", 403)])
def test_only_the_archivist_and_admins_see_the_page(browser, username, status):
    browser.login(username)
    assert browser.client.get("/preservation/").status_code == status


def test_the_archivist_starts_a_run_and_reads_its_report(browser, app):
    doc = register()
    path = wiring.storage().path(doc.files[0].sha256)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"\n% appended")       # the bytes changed
    browser.login("luutru")
    page = browser.client.get("/preservation/").get_data(as_text=True)
    assert "Chưa có lượt kiểm tra nào." in page and 'id="start-run"' in page
    assert browser.client.post("/preservation/runs").status_code == 400   # no CSRF token
    started = start(browser)
    assert started.status_code == 302 and "/preservation/runs/" in started.location
    run_id = int(started.location.rsplit("/", 1)[1])
    run = wait_done(run_id)
    assert [p["kind"] for p in run.problems] == ["mismatch"]
    report = browser.client.get(f"/preservation/runs/{run_id}").get_data(as_text=True)
    assert "Nội dung bị thay đổi (sai SHA-256)" in report and doc.files[0].sha256 in report
    listing = browser.client.get("/preservation/").get_data(as_text=True)
    assert f'id="run-row-{run_id}"' in listing


def test_a_second_start_while_one_runs_is_refused_with_a_message(browser, app):
    browser.login("luutru")
    running = integrity.start_run(db.session, None)          # e.g. the weekly timer's run
    second = start(browser)
    assert second.status_code == 302 and second.location.endswith(f"/runs/{running.id}")
    page = browser.client.get(second.location).get_data(as_text=True)
    assert f"#{running.id} đang chạy" in page and 'http-equiv="refresh"' in page
    assert len(db.session.scalars(select(IntegrityRun)).all()) == 1


def test_failed_pdfa_copies_are_listed_and_retried(browser, app):
    bad, _new = store(db.session, wiring.storage(), b"%PDF-1.4 broken")
    preservation.request_copies(db.session, [bad])
    db.session.commit()
    preservation.run_pending(db.session, wiring.storage())
    browser.login("luutru")
    page = browser.client.get("/preservation/").get_data(as_text=True)
    assert 'data-count="failed">1<' in page and "tệp PDF bị hỏng" in page
    token = csrf_from(page)
    done = browser.client.post("/preservation/copies/retry", data={"csrf_token": token},
                               follow_redirects=True)
    assert "Đã đặt lại 1 bản PDF/A lỗi để tạo lại." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PreservationCopy, bad).status == "pending"


def test_the_navigation_links_the_page_for_keepers_only(browser):
    browser.login("luutru")
    assert 'id="nav-preservation"' in browser.client.get("/inbox").get_data(as_text=True)
    other = browser.__class__(browser.client.application.test_client())
    other.login("chuyenvien.vh")
    assert 'id="nav-preservation"' not in other.client.get("/inbox").get_data(as_text=True)
