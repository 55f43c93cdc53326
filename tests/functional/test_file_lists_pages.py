"""Danh mục hồ sơ and retention catalogue pages through the web client (SQLite
and PostgreSQL): the clerk builds the list, the leader approves it, a
specialist may read but not edit, and the PDF/XLSX hold the headings and codes."""
from __future__ import annotations

import io
import re
from html import unescape

from sqlalchemy import select

from app.extensions import db
from archive import directory
from archive.filing_models import FileList, FileListEntry, FileListHeading, RetentionPeriod
from tests.conftest import csrf_from

YEAR = 2025


def text(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def period(code: str) -> int:
    return db.session.scalar(select(RetentionPeriod.id).where(RetentionPeriod.code == code))


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


def post_form(browser, page: str, action: str, **fields):
    """Post ``fields`` from the form of ``page`` (its CSRF token and list version)."""
    html = text(browser.client.get(page))
    data = {"csrf_token": csrf_from(html), **fields}
    if "version" not in fields and 'name="version"' in html:
        data["version"] = version_of(html)
    return browser.client.post(action, data=data)


def build_as_clerk(browser) -> dict:
    """The clerk creates the list and fills it through the pages."""
    browser.login("vanthu")
    page = f"/file-lists/{YEAR}"
    resp = post_form(browser, "/file-lists", "/file-lists", year=str(YEAR), numbering="heading")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page)
    for title, suffix in (("Tổ chức cán bộ", "TCCB"), ("Văn hóa", "VH")):
        resp = post_form(browser, page, f"{page}/headings", title=title, code_suffix=suffix)
        assert resp.status_code == 302
    ids = {h.title: h.id for h in db.session.scalars(select(FileListHeading))}
    for title, heading, code in (("Hồ sơ tuyển dụng viên chức", "Tổ chức cán bộ", "70-01"),
                                 ("Hồ sơ lễ hội truyền thống", "Văn hóa", "10-02"),
                                 ("Kế hoạch công tác năm", "Tổ chức cán bộ", "VV-02")):
        resp = post_form(browser, page, f"{page}/entries", title=title,
                         heading_id=str(ids[heading]), retention_id=str(period(code)),
                         creator_id=str(staff_id("chuyenvien.vh")), kind="general")
        assert resp.status_code == 302, text(resp)
    return ids


def test_the_list_page_shows_years_and_offers_creation_to_editors(browser):
    browser.login("vanthu")
    html = text(browser.client.get("/file-lists"))
    assert "Chưa có danh mục hồ sơ nào." in html and 'id="create"' in html
    assert 'href="/file-lists"' in html                         # the navigation link
    resp = post_form(browser, "/file-lists", "/file-lists", year="abc", numbering="list")
    assert resp.status_code == 422 and "Năm không hợp lệ" in text(resp)
    post_form(browser, "/file-lists", "/file-lists", year=str(YEAR), numbering="list")
    html = text(browser.client.get("/file-lists"))
    assert f'data-year="{YEAR}"' in html and "Dự thảo" in html
    resp = post_form(browser, "/file-lists", "/file-lists", year=str(YEAR), numbering="list")
    assert resp.status_code == 409 and "Đã có danh mục hồ sơ năm 2025" in text(resp)


def test_a_specialist_reads_but_cannot_edit(browser):
    build_as_clerk(browser)
    browser.client.post("/logout", data={"csrf_token": browser.token("/file-lists")})
    browser.login("chuyenvien.vh")
    html = text(browser.client.get("/file-lists"))
    assert 'id="create"' not in html
    html = text(browser.client.get(f"/file-lists/{YEAR}"))
    assert "01.TCCB" in html and 'id="add-entry"' not in html and 'id="approve"' not in html
    before = db.session.scalar(select(FileList.version))
    resp = browser.client.post(f"/file-lists/{YEAR}/entries", data={
        "csrf_token": csrf_from(html), "version": str(before), "title": "Của tôi",
        "retention_id": str(period("10-02")), "creator_id": str(staff_id("chuyenvien.vh"))})
    assert resp.status_code == 403
    resp = browser.client.post("/file-lists", data={"csrf_token": csrf_from(html),
                                                    "year": "2024"})
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(FileList.version)) == before
    assert db.session.query(FileList).count() == 1


def test_the_clerk_builds_edits_moves_and_deletes(browser):
    ids = build_as_clerk(browser)
    page = f"/file-lists/{YEAR}"
    html = text(browser.client.get(page))
    assert re.findall(r'data-code="([^"]+)"', html) == ["01.TCCB", "02.TCCB", "01.VH"]
    assert "I. Tổ chức cán bộ" in html and "II. Văn hóa" in html
    assert "1 hồ sơ bảo quản vĩnh viễn; 2 hồ sơ bảo quản có thời hạn" in html
    plan = db.session.scalar(select(FileListEntry).where(FileListEntry.title ==
                                                         "Kế hoạch công tác năm"))
    # Move the plan up: it becomes 01.TCCB.
    resp = post_form(browser, page, f"{page}/entries/{plan.id}/move", direction="up")
    assert resp.status_code == 302
    assert re.findall(r'data-code="([^"]+)"', text(browser.client.get(page)))[0] == "01.TCCB"
    db.session.expire_all()
    assert db.session.get(FileListEntry, plan.id).code == "01.TCCB"
    # Edit it on its own page: move it under Văn hóa with a new title.
    edit = f"{page}/entries/{plan.id}/edit"
    form = text(browser.client.get(edit))
    assert "Kế hoạch công tác năm" in form
    resp = browser.client.post(edit, data={
        "csrf_token": csrf_from(form), "version": version_of(form),
        "title": "Kế hoạch văn hóa năm", "heading_id": str(ids["Văn hóa"]),
        "retention_id": str(period("VV-02")), "creator_id": str(staff_id("chuyenvien.vh")),
        "kind": "general", "notes": "Bản chính"})
    assert resp.status_code == 302
    html = text(browser.client.get(page))
    assert "Đã lưu hồ sơ 02.VH." in html and "Bản chính" in html
    # An empty title is refused on the edit page with the message at the field.
    form = text(browser.client.get(edit))
    resp = browser.client.post(edit, data={"csrf_token": csrf_from(form),
                                           "version": version_of(form), "title": " ",
                                           "retention_id": str(period("VV-02")),
                                           "creator_id": str(staff_id("vanthu"))})
    assert resp.status_code == 422 and "Chưa nhập tiêu đề hồ sơ." in text(resp)
    # Delete it: the codes close up.
    resp = post_form(browser, page, f"{page}/entries/{plan.id}/delete")
    assert resp.status_code == 302
    assert re.findall(r'data-code="([^"]+)"', text(browser.client.get(page))) == \
        ["01.TCCB", "01.VH"]


def test_a_stale_form_is_refused_with_a_message(browser):
    build_as_clerk(browser)
    page = f"/file-lists/{YEAR}"
    old = version_of(text(browser.client.get(page)))
    post_form(browser, page, f"{page}/headings", title="Du lịch", code_suffix="DL")
    resp = post_form(browser, page, f"{page}/headings", title="Du lịch", code_suffix="DL2",
                     version=old)
    assert resp.status_code == 409 and "vừa được người khác thay đổi" in text(resp)
    resp = post_form(browser, page, f"{page}/headings", title="Thể thao", code_suffix="dl")
    assert resp.status_code == 409 and "Ký hiệu “DL” đã dùng" in text(resp)
    assert db.session.query(FileListHeading).count() == 3


def test_a_leader_approves_and_editing_stops(browser):
    build_as_clerk(browser)
    page = f"/file-lists/{YEAR}"
    html = text(browser.client.get(page))
    assert 'id="approve"' not in html                 # the clerk does not approve
    resp = browser.client.post(f"{page}/approve", data={"csrf_token": csrf_from(html),
                                                        "version": version_of(html)})
    assert resp.status_code == 403
    browser.client.post("/logout", data={"csrf_token": csrf_from(html)})
    browser.login("giamdoc")
    html = text(browser.client.get(page))
    assert 'id="approve"' in html and 'id="add-entry"' not in html
    resp = post_form(browser, page, f"{page}/approve")
    assert resp.status_code == 302
    html = text(browser.client.get(page))
    assert "Đã phê duyệt danh mục hồ sơ năm 2025." in html and "Lê Minh Đức" in html
    assert 'id="approve"' not in html
    browser.client.post("/logout", data={"csrf_token": csrf_from(html)})
    browser.login("vanthu")
    html = text(browser.client.get(page))
    assert 'id="add-entry"' not in html and "Đã phê duyệt" in html
    db.session.expire_all()
    current = db.session.scalar(select(FileList.version))      # a form kept from before
    resp = browser.client.post(f"{page}/entries", data={
        "csrf_token": csrf_from(html), "version": str(current), "title": "Muộn",
        "retention_id": str(period("10-02")), "creator_id": str(staff_id("vanthu"))})
    assert resp.status_code == 409 and "đã được phê duyệt" in text(resp)
    assert db.session.query(FileListEntry).count() == 3


def test_pdf_and_xlsx_downloads_hold_headings_and_codes(browser):
    from openpyxl import load_workbook
    from pypdf import PdfReader
    build_as_clerk(browser)
    resp = browser.client.get(f"/file-lists/{YEAR}/export.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "danh-muc-ho-so-2025.pdf" in resp.headers["Content-Disposition"]
    pdf = " ".join(" ".join(p.extract_text().split()) for p in
                   PdfReader(io.BytesIO(resp.data)).pages)
    for expected in ("DANH MỤC HỒ SƠ NĂM 2025", "I. Tổ chức cán bộ", "II. Văn hóa", "01.TCCB",
                     "02.TCCB", "01.VH", "Hồ sơ tuyển dụng viên chức", "70 năm",
                     "DỰ THẢO — CHƯA ĐƯỢC PHÊ DUYỆT"):
        assert expected in pdf, expected
    resp = browser.client.get(f"/file-lists/{YEAR}/export.xlsx")
    assert resp.status_code == 200 and "spreadsheetml" in resp.mimetype
    cells = [c for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)
             for c in row if c is not None]
    for expected in ("I. Tổ chức cán bộ", "II. Văn hóa", "01.TCCB", "02.TCCB", "01.VH"):
        assert expected in cells, expected
    assert browser.client.get(f"/file-lists/{YEAR}/export.docx").status_code == 422
    assert browser.client.get("/file-lists/1999/export.pdf").status_code == 404


def test_the_retention_page_marks_lines_to_confirm(browser):
    browser.login("chuyenvien.vh")
    html = text(browser.client.get("/retention"))
    assert html.count("cần xác nhận căn cứ pháp lý") >= 21 and "VV-01" in html
    assert 'id="add-period"' not in html and "/retention/1/edit" not in html
    target = db.session.scalar(select(RetentionPeriod).where(RetentionPeriod.code == "05-03"))
    resp = browser.client.post(f"/retention/{target.id}/active",
                               data={"csrf_token": csrf_from(html), "active": "0"})
    assert resp.status_code == 403


def test_the_archivist_edits_and_confirms_a_line(browser):
    browser.login("luutru")
    target = db.session.scalar(select(RetentionPeriod).where(RetentionPeriod.code == "05-03"))
    html = text(browser.client.get("/retention"))
    assert 'id="add-period"' in html and f"/retention/{target.id}/edit" in html
    edit = f"/retention/{target.id}/edit"
    form = text(browser.client.get(edit))
    stamp = re.search(r'name="stamp" value="([^"]+)"', form).group(1)
    data = {"csrf_token": csrf_from(form), "stamp": stamp, "code": "05-03",
            "group_name": "Lịch công tác", "description": "Lịch công tác tuần, tháng.",
            "years": "5", "legal_basis": "TT 10/2022/TT-BNV, Phụ lục I"}
    resp = browser.client.post(edit, data=data)
    assert resp.status_code == 302
    html = text(browser.client.get("/retention"))
    row = re.search(rf'<tr id="r{target.id}".*?</tr>', html, re.S).group(0)
    assert "TT 10/2022/TT-BNV, Phụ lục I" in row and "cần xác nhận" not in row
    resp = browser.client.post(edit, data=data)          # the same form again: stale
    assert resp.status_code == 409 and "vừa được người khác sửa" in text(resp)
    form = text(browser.client.get("/retention"))
    resp = browser.client.post("/retention", data={
        "csrf_token": csrf_from(form), "code": "05-03", "group_name": "Trùng", "years": "5"})
    assert resp.status_code == 409 and "đã có trong bảng" in text(resp)


def test_the_pages_render_in_english(browser):
    build_as_clerk(browser)
    browser.client.get("/lang/en")
    for path in ("/file-lists", f"/file-lists/{YEAR}", "/retention", "/retention/1/edit"):
        resp = browser.client.get(path)
        assert resp.status_code in (200, 302), path
    html = text(browser.client.get(f"/file-lists/{YEAR}"))
    assert "01.TCCB" in html and "<html lang=\"en\">" in html
