"""The agency archive's pages (/archive): the archivist's desk, receiving files,
the handover record and mục lục, archived files with requests and the usage
register, retention and hold forms, disposal (SQLite and PostgreSQL)."""
from __future__ import annotations

import io
from datetime import date, timedelta
from html import unescape

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from archive.filing_models import AccessRequest, CaseFile, LegalHold, Transfer
from tests.archive_support import dept, make_file, register, staff_id, transfer
from tests.conftest import Browser
from workflows.current_archive import vn_today


def login(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username)
    return browser


def text_of(resp) -> str:
    return " ".join(unescape(resp.get_data(as_text=True)).split())


def fresh(model, ident):
    """The row as the database has it now (the pages wrote it in other sessions)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def post(browser: Browser, path: str, page: str, data: dict, **kw):
    return browser.client.post(path, data={"csrf_token": browser.token(page), **data}, **kw)


def test_the_archivist_receives_files_and_prints_the_record(app):
    late = make_file(register(), title="Hồ sơ lễ hội đền Hùng 2025", end_date=date(2025, 1, 20))
    other = make_file(register(), register(), title="Hồ sơ bảo tồn nhà cổ")
    luutru = login(app, "luutru")
    desk = text_of(luutru.client.get("/archive"))
    assert "Hồ sơ lễ hội đền Hùng 2025" in desk and "Quá hạn" in desk
    assert "Phòng Quản lý Văn hóa" in desk
    page = luutru.client.get(f"/archive/transfers/new?department_id={dept('QLVH')}")
    assert page.status_code == 200 and f'value="{late.id}"' in page.get_data(as_text=True)
    form = {"department_id": dept("QLVH"), "file_ids": [late.id, other.id],
            "handed_by_id": staff_id("chuyenvien.vh"), "notes": "Hồ sơ đầy đủ"}
    resp = post(luutru, "/archive/transfers/new", "/archive", form)
    assert resp.status_code == 302 and "/archive/transfers/" in resp.location
    shown = text_of(luutru.client.get(resp.location))
    assert "Biên bản giao nhận số 1/" in shown and "Hồ sơ bảo tồn nhà cổ" in shown
    assert fresh(CaseFile, late.id).status == "transferred"
    again = post(luutru, "/archive/transfers/new", "/archive", form, follow_redirects=True)
    assert "đã được nộp lưu" in text_of(again)                     # the double submit
    assert len(db.session.scalars(select(Transfer)).all()) == 1
    record = db.session.scalar(select(Transfer))
    pdf = luutru.client.get(f"/archive/transfers/{record.id}/record")
    assert pdf.mimetype == "application/pdf"
    assert "tổng số tệp tin: 3" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    xlsx = luutru.client.get(f"/archive/transfers/{record.id}/index?format=xlsx")
    cells = [c for r in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True)
             for c in r if c]
    assert "Hồ sơ lễ hội đền Hùng 2025" in cells and "Thời hạn bảo quản" in cells
    yearly = luutru.client.get("/archive/index?year=2025&department_id=&format=pdf")
    assert yearly.mimetype == "application/pdf"
    specialist = login(app, "chuyenvien.vh")
    assert specialist.client.get("/archive/transfers/new").status_code == 403
    assert specialist.client.get(f"/archive/transfers/{record.id}").status_code == 403


def test_a_restricted_file_is_requested_granted_used_and_logged(app):
    doc = register("Báo cáo thanh tra di tích quốc gia")
    cf = make_file(doc, rights="restricted", title="Hồ sơ thanh tra di tích")
    transfer(cf)
    reader = login(app, "chuyenvien.dl")
    page = text_of(reader.client.get(f"/archive/files/{cf.id}"))
    assert "Yêu cầu khai thác hồ sơ" in page and "Báo cáo thanh tra di tích quốc gia" not in page
    sent = post(reader, f"/archive/files/{cf.id}/request", f"/archive/files/{cf.id}",
                {"reason": "Chuẩn bị báo cáo tổng kết"}, follow_redirects=True)
    assert "Đã gửi yêu cầu" in text_of(sent) and "đang chờ xem xét" in text_of(sent)
    luutru = login(app, "luutru")
    pending = text_of(luutru.client.get("/archive/requests"))
    assert "Chuẩn bị báo cáo tổng kết" in pending
    request_id = db.session.scalar(select(AccessRequest.id))
    refused = post(luutru, f"/archive/requests/{request_id}/decide", "/archive/requests",
                   {"decision": "grant", "valid_until": ""}, follow_redirects=True)
    assert "Nhập ngày hết hạn" in text_of(refused)               # a grant needs a date
    until = (vn_today() + timedelta(days=5)).isoformat()
    post(luutru, f"/archive/requests/{request_id}/decide", "/archive/requests",
         {"decision": "grant", "valid_until": until})
    page = text_of(reader.client.get(f"/archive/files/{cf.id}"))
    assert "Báo cáo thanh tra di tích quốc gia" in page
    got = reader.client.get(f"/archive/files/{cf.id}/download/{doc.files[0].id}")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    usage = text_of(luutru.client.get("/archive/usage"))
    assert "Bùi Thị Mai" in usage and "Tải văn bản" in usage and "Ngô Văn Lưu" in usage
    printed = luutru.client.get("/archive/usage?format=pdf")
    assert printed.mimetype == "application/pdf"
    assert reader.client.get("/archive/usage").status_code == 403


def test_retention_holds_and_disposal_through_the_pages(app):
    doc = register("Giấy mời họp giao ban tháng")
    cf = make_file(doc, end_date=date(2019, 6, 1), years=5, year=2019, title="Hồ sơ giao ban")
    transfer(cf)
    luutru = login(app, "luutru")
    path = f"/archive/files/{cf.id}"
    shorter = post(luutru, f"{path}/retention", path,
                   {"until": "2023-12-31", "reason": "Rút ngắn",
                    "version": fresh(CaseFile, cf.id).version},
                   follow_redirects=True)
    assert "số, ký hiệu quyết định" in text_of(shorter)
    assert fresh(CaseFile, cf.id).retain_until == date(2024, 12, 31)
    post(luutru, f"{path}/holds", path, {"reason": "Đang giải quyết khiếu nại"})
    hold = db.session.scalar(select(LegalHold))
    assert hold is not None and hold.released_at is None
    listed = text_of(luutru.client.get("/archive/disposal"))
    assert "Hồ sơ giao ban" not in listed                        # held: not eligible
    post(luutru, f"/archive/holds/{hold.id}/release", path,
         {"release_reason": "Đã giải quyết xong", "case_file_id": cf.id})
    db.session.expire_all()
    assert fresh(LegalHold, hold.id).released_at is not None
    assert "Hồ sơ giao ban" in text_of(luutru.client.get("/archive/disposal"))
    made = post(luutru, "/archive/disposal/decisions", "/archive/disposal",
                {"reference": "15/QĐ-SVHTTDL", "approver_id": staff_id("giamdoc"),
                 "decided_on": vn_today().isoformat(), "reason": "Hết giá trị",
                 "file_ids": [cf.id]})
    assert made.status_code == 302
    decision_path = made.location
    post(luutru, f"{path}/holds", path, {"reason": "Thanh tra mới"})   # a hold after the decision
    admin = login(app, "quantri")
    post(admin, f"{decision_path}/execute", "/archive", {"confirm": "1"})
    refused = post(luutru, f"{decision_path}/execute", decision_path, {"confirm": "1"},
                   follow_redirects=True)
    assert "lệnh giữ" in text_of(refused)
    assert fresh(CaseFile, cf.id).status == "transferred"
    second = db.session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))).one()
    post(luutru, f"/archive/holds/{second.id}/release", path, {"release_reason": "Xong"})
    done = post(luutru, f"{decision_path}/execute", decision_path, {"confirm": "1"},
                follow_redirects=True)
    assert "Đã hủy 1 hồ sơ" in text_of(done)
    db.session.expire_all()
    assert fresh(CaseFile, cf.id).status == "disposed"
    after = text_of(luutru.client.get(path))
    assert "Đã hủy" in after and "15/QĐ-SVHTTDL" in after


def test_other_roles_are_refused(app):
    closed = make_file(register())
    specialist = login(app, "chuyenvien.vh")
    for path in ("/archive/disposal", "/archive/usage", "/archive/transfers/new",
                 "/archive/index"):
        assert specialist.client.get(path).status_code == 403, path
    assert specialist.client.get(f"/archive/files/{closed.id}").status_code == 404
    assert "Yêu cầu khai thác của tôi" in text_of(specialist.client.get("/archive"))
    clerk = login(app, "vanthu")
    assert clerk.client.get("/archive/transfers/new").status_code == 403
    resp = post(clerk, f"/archive/files/{closed.id}/holds", "/archive", {"reason": "Giữ"},
                follow_redirects=True)
    assert "Chỉ cán bộ lưu trữ hoặc lãnh đạo" in text_of(resp)
    assert db.session.scalar(select(LegalHold.id)) is None


def test_records_commands_list_due_files_and_send_reminders(app):
    late = make_file(register(), title="Hồ sơ hội thi văn nghệ", end_date=date(2025, 1, 20))
    runner = app.test_cli_runner()
    due = runner.invoke(args=["records", "due", "--today", "2026-02-01"])
    assert due.exit_code == 0, due.output
    assert "QUÁ HẠN 20/01/2026" in due.output and "Hồ sơ hội thi văn nghệ" in due.output
    assert "1 hồ sơ đến hạn nộp lưu (1 quá hạn)" in due.output
    early = runner.invoke(args=["records", "remind", "--today", "2025-12-20"])
    assert "Đã nhắc nộp lưu 0 hồ sơ." in early.output
    sent = runner.invoke(args=["records", "remind", "--today", "2025-12-21"])
    again = runner.invoke(args=["records", "remind", "--today", "2025-12-22"])
    assert "Đã nhắc nộp lưu 1 hồ sơ." in sent.output and "0 hồ sơ" in again.output
    assert fresh(CaseFile, late.id).reminded_at is not None
