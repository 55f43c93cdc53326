"""The case file pages through the web client (SQLite and PostgreSQL): list, open from
the danh mục and outside it, add from the search box and from the document page,
close with the report of what was removed, reopen, exports, frozen files and
permissions."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from html import unescape

from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from archive.filing_models import CaseFile, CaseFileItem
from tests.conftest import csrf_from
from tests.integration.test_case_files import approved_list, register, retention, staff_id


def text(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def post(browser, path: str, data: dict, token_page: str = "/files/new"):
    data = {"csrf_token": browser.token(token_page), **data}
    return browser.client.post(path, data=data)


def flashed(browser, resp) -> str:
    """Follow a redirect and return the page (with its flash messages)."""
    assert resp.status_code == 303, resp.status_code
    return text(browser.client.get(resp.headers["Location"]))


def open_outside(browser, **extra) -> CaseFile:
    line = retention(10)
    data = {"title": "Hồ sơ hội thi văn nghệ quần chúng", "code": "21.VH",
            "start_date": "2026-02-02", "retention_id": str(line.id), **extra}
    resp = post(browser, "/files/new", data)
    assert resp.status_code == 303, text(resp)
    file_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return db.session.get(CaseFile, file_id)


def version(cf: CaseFile) -> str:
    db.session.expire_all()
    return str(db.session.get(CaseFile, cf.id).version)


def test_the_list_and_opening_a_file_outside_the_list(browser):
    browser.login("chuyenvien.vh")
    page = browser.client.get("/files")
    assert page.status_code == 200 and "Chưa có hồ sơ nào." in text(page)
    form = text(browser.client.get("/files/new"))
    assert 'id="open-outside"' in form and 'for="o-title"' in form
    refused = post(browser, "/files/new", {"title": "", "code": "", "start_date": ""})
    body = text(refused)
    assert refused.status_code == 422
    assert "Chưa nhập tiêu đề hồ sơ." in body and 'id="o-code-error"' in body
    assert 'id="o-retention_id"' in body and "Chưa nhập thời hạn bảo quản." in body
    assert db.session.scalar(select(CaseFile.id)) is None
    cf = open_outside(browser)
    assert (cf.code, cf.year, cf.creator_id) == ("21.VH", 2026, staff_id("chuyenvien.vh"))
    listed = text(browser.client.get("/files"))
    assert f'data-file-id="{cf.id}"' in listed and "Hồ sơ hội thi văn nghệ quần chúng" in listed
    assert "(1)" in listed
    again = post(browser, "/files/new", {"title": "Khác", "code": "21.VH",
                                         "start_date": "2026-03-01", "retention": "5"})
    assert again.status_code == 422 and "Số và ký hiệu hồ sơ 21.VH đã có trong năm 2026." \
        in text(again)


def test_opening_a_file_from_the_approved_list(browser):
    entry = approved_list(entries=(("03.QLVH", "Hồ sơ về di tích cấp tỉnh", 20),))[0]
    browser.login("chuyenvien.vh")
    page = text(browser.client.get("/files/new?year=2026"))
    assert "03.QLVH" in page and "20 năm" in page
    resp = post(browser, "/files/new/from-list", {"entry_id": str(entry.id),
                                                  "start_date": "2026-01-12"})
    page = flashed(browser, resp)
    assert "Đã mở hồ sơ 03.QLVH — Hồ sơ về di tích cấp tỉnh." in page
    assert "Theo danh mục hồ sơ" in page
    twice = post(browser, "/files/new/from-list", {"entry_id": str(entry.id)})
    assert "đã được mở" in flashed(browser, twice)


def test_fill_close_and_export_through_the_pages(browser):
    early = register(subject="Công văn đề nghị hỗ trợ hội thi", issued_date="2026-02-10")
    twin = register(subject="Công văn đề nghị hỗ trợ hội thi (vào sổ lại)",
                    issued_date="2026-02-10", code_number=early.code_number, confirm=True)
    later = register(subject="Kế hoạch tổ chức hội thi", issued_date="2026-04-01", pages=2)
    browser.login("chuyenvien.vh")
    cf = open_outside(browser)
    page = text(browser.client.get(f"/files/{cf.id}?q={later.code_number}"))
    assert f'<li data-document-id="{later.id}">' in page
    for doc in (later, early, twin):
        resp = post(browser, f"/files/{cf.id}/items",
                    {"document_id": str(doc.id), "version": version(cf)}, f"/files/{cf.id}")
        assert "Đã thêm văn bản vào hồ sơ" in flashed(browser, resp)
    # the same form sent twice: refused in clear words, nothing added
    stale = post(browser, f"/files/{cf.id}/items",
                 {"document_id": str(early.id), "version": version(cf)}, f"/files/{cf.id}")
    assert "đã có trong hồ sơ" in flashed(browser, stale)
    assert len(db.session.scalars(select(CaseFileItem).where(
        CaseFileItem.case_file_id == cf.id)).all()) == 3

    no_check = post(browser, f"/files/{cf.id}/close", {"version": version(cf)},
                    f"/files/{cf.id}")
    assert no_check.status_code == 422
    assert "Hãy kiểm tra lại thời hạn bảo quản" in text(no_check)
    assert 'id="close-file" open' in text(no_check)
    closed = post(browser, f"/files/{cf.id}/close",
                  {"version": version(cf), "retention_checked": "1", "retention_id": "",
                   "retention": "10"}, f"/files/{cf.id}")
    page = flashed(browser, closed)
    assert "Đã đóng hồ sơ 21.VH: 2 văn bản, 3 trang." in page
    assert "Đã loại 1 văn bản trùng:" in page and "vào sổ lại" in page
    assert "Hạn nộp lưu: 01/04/2027." in page and "Bảo quản đến: 31/12/2036." in page
    assert 'data-status="closed"' in page and 'id="close-button"' not in page
    assert page.index(f'data-document-id="{early.id}"') < \
        page.index(f'data-document-id="{later.id}"')

    pdf = browser.client.get(f"/files/{cf.id}/export.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) >= 4     # index + 1 + 2 pages
    xml = ET.fromstring(browser.client.get(f"/files/{cf.id}/export.xml").data)
    assert xml.findtext("FileCode/FileNotation") == "21.VH" and xml.findtext("DocTotal") == "2"
    assert browser.client.get(f"/files/{cf.id}/index.pdf").data.startswith(b"%PDF")
    xlsx = browser.client.get(f"/files/{cf.id}/index.xlsx")
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.data))
    bag = zipfile.ZipFile(io.BytesIO(browser.client.get(f"/files/{cf.id}/bagit.zip").data))
    names = bag.namelist()
    assert any(n.endswith("/bagit.txt") for n in names)
    assert any(n.endswith("/manifest-sha256.txt") for n in names)
    assert any(n.endswith("/data/metadata.xml") for n in names)
    assert browser.client.get(f"/files/{cf.id}/index.doc").status_code == 404
    history = text(browser.client.get(f"/files/{cf.id}"))
    assert "Loại bản trùng" in history and "Gói nộp lưu BagIt (ZIP)" in history

    reopened = post(browser, f"/files/{cf.id}/reopen",
                    {"version": version(cf), "reason": "Bổ sung văn bản"}, f"/files/{cf.id}")
    page = flashed(browser, reopened)
    assert "Đã mở lại hồ sơ" in page and 'id="close-button"' in page


def test_the_document_page_lists_the_files_and_adds_to_one(browser):
    doc = register()
    browser.login("chuyenvien.vh")
    cf = open_outside(browser)
    page = text(browser.client.get(f"/documents/{doc.id}"))
    assert 'id="add-to-file"' in page and f'<option value="{cf.id}">21.VH/2026' in page
    assert "Văn bản chưa thuộc hồ sơ nào" in page
    resp = post(browser, "/files/add-document", {"file_id": str(cf.id),
                                                 "document_id": str(doc.id)},
                f"/documents/{doc.id}")
    assert resp.headers["Location"].endswith(f"/documents/{doc.id}")
    page = flashed(browser, resp)
    assert "Đã thêm văn bản vào hồ sơ (số thứ tự 1)." in page
    assert f'<li data-file-id="{cf.id}">' in page and 'id="add-to-file"' not in page


def test_a_frozen_file_page_offers_no_change_and_refuses_posts(browser):
    doc, other = register(), register()
    browser.login("chuyenvien.vh")
    cf = open_outside(browser)
    post(browser, f"/files/{cf.id}/items", {"document_id": str(doc.id)}, f"/files/{cf.id}")
    row = db.session.get(CaseFile, cf.id)
    row.status = "transferred"
    db.session.commit()
    for username in ("chuyenvien.vh", "quantri"):
        browser.client.post("/logout", data={"csrf_token": browser.token(f"/files/{cf.id}")})
        browser.login(username)
        page = text(browser.client.get(f"/files/{cf.id}"))
        assert 'id="frozen-note"' in page and "kể cả quản trị hệ thống" in page
        for marker in ('id="add-document"', 'id="edit-file"', 'id="close-file"',
                       "Bỏ khỏi hồ sơ", 'id="reopen-form"'):
            assert marker not in page, (username, marker)
        attempts = [(f"/files/{cf.id}/items", {"document_id": str(other.id)}),
                    (f"/files/{cf.id}/items/{doc.id}/remove", {}),
                    (f"/files/{cf.id}/edit", {"title": "Sửa"}),
                    (f"/files/{cf.id}/close", {"retention_checked": "1"}),
                    (f"/files/{cf.id}/reopen", {})]
        for path, data in attempts:
            resp = post(browser, path, {**data, "version": version(cf)}, f"/files/{cf.id}")
            assert "kể cả quản trị" in flashed(browser, resp), (username, path)
    db.session.expire_all()
    after = db.session.get(CaseFile, cf.id)
    assert after.status == "transferred" and after.title == "Hồ sơ hội thi văn nghệ quần chúng"
    assert [i.document_id for i in after.items] == [doc.id]


def test_stale_forms_and_other_people(browser):
    browser.login("chuyenvien.vh")
    cf = open_outside(browser)
    old = version(cf)
    ok = post(browser, f"/files/{cf.id}/edit", {"version": old, "title": "Tên mới"},
              f"/files/{cf.id}")
    assert "Đã lưu thông tin hồ sơ." in flashed(browser, ok)
    stale = post(browser, f"/files/{cf.id}/edit", {"version": old, "title": "Tên khác"},
                 f"/files/{cf.id}")
    assert "hãy tải lại trang" in flashed(browser, stale)
    bad = post(browser, f"/files/{cf.id}/edit", {"version": version(cf), "code": "a b"},
               f"/files/{cf.id}")
    assert bad.status_code == 422 and 'id="edit-file" open' in text(bad)
    db.session.expire_all()
    assert db.session.get(CaseFile, cf.id).title == "Tên mới"

    browser.client.post("/logout", data={"csrf_token": browser.token(f"/files/{cf.id}")})
    browser.login("chuyenvien.dl")                       # another unit: no such file
    assert browser.client.get(f"/files/{cf.id}").status_code == 404
    assert browser.client.get(f"/files/{cf.id}/export.xml").status_code == 404
    browser.client.post("/logout", data={"csrf_token": browser.token("/files")})
    browser.login("chanhvanphong")                       # sees the file, may not change it
    page = text(browser.client.get(f"/files/{cf.id}"))
    assert "Tên mới" in page and 'id="edit-file"' not in page
    doc = register(to=("chanhvanphong",))
    resp = post(browser, f"/files/{cf.id}/items", {"document_id": str(doc.id)},
                f"/files/{cf.id}")
    assert "Bạn không có quyền thay đổi hồ sơ này" in flashed(browser, resp)
    browser.client.post("/logout", data={"csrf_token": browser.token("/files")})
    browser.login("chuyenvien.vh")
    secret = register(to=("chanhvanphong",), confidentiality="confidential")
    page = text(browser.client.get(f"/files/{cf.id}?q={secret.code_number}"))
    assert f'data-document-id="{secret.id}"' not in page
    assert "Không tìm thấy văn bản nào phù hợp mà bạn được xem." in page
    assert browser.client.post(f"/files/{cf.id}/items", data={
        "csrf_token": csrf_from(browser.client.get(f"/files/{cf.id}").get_data(as_text=True)),
        "document_id": str(secret.id)}).status_code == 404
