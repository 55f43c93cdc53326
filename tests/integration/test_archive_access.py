"""Using archived files: rights, access requests and the sổ sử dụng bản lưu
(SQLite and PostgreSQL)."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.filing_models import AccessRequest, ArchiveUse
from archive.models import Notification
from tests.archive_support import TODAY, make_file, register, staff_id, transfer, who
from workflows import archive_access


def uses() -> list[ArchiveUse]:
    return list(db.session.scalars(select(ArchiveUse).order_by(ArchiveUse.id)))


def test_an_open_archived_file_is_for_every_staff_member_and_every_use_is_logged(app):
    doc = register("Kế hoạch tổ chức Ngày hội văn hóa")
    cf = make_file(doc)
    with pytest.raises(NotFound):                 # not archived yet: not here
        archive_access.open_archived_file(db.session, who("chuyenvien.dl"), cf.id)
    transfer(cf)
    reader = who("chuyenvien.dl")                  # another department
    opened = archive_access.open_archived_file(db.session, reader, cf.id)
    assert [i.document_id for i in opened.items] == [doc.id]
    file, data = archive_access.download(db.session, reader, wiring.storage(), cf.id,
                                         doc.files[0].id)
    assert data == wiring.storage().get(doc.files[0].sha256)
    lines = uses()
    assert [(u.action, u.staff_id, u.document_id) for u in lines] == [
        ("view", staff_id("chuyenvien.dl"), None),
        ("download", staff_id("chuyenvien.dl"), doc.id)]
    assert lines[0].permitted_by_id is None        # open file: nobody had to permit
    other = register("Văn bản không thuộc hồ sơ")
    with pytest.raises(NotFound):                  # only files of this case file
        archive_access.download(db.session, reader, wiring.storage(), cf.id, other.files[0].id)
    with pytest.raises(Conflict):                  # no request needed for an open file
        archive_access.request_access(db.session, reader, cf.id, "Tham khảo")
    assert len(uses()) == 2


def test_a_restricted_file_needs_a_granted_request_still_valid(app):
    doc = register("Hồ sơ thanh tra di tích")
    cf = make_file(doc, rights="restricted")
    transfer(cf)
    reader = who("chuyenvien.dl")
    with pytest.raises(PermissionDenied):
        archive_access.open_archived_file(db.session, reader, cf.id)
    archivist_view = archive_access.open_archived_file(db.session, who("luutru"), cf.id)
    assert archivist_view.permission.permitted_by_id == staff_id("luutru")
    with pytest.raises(InvalidInput):
        archive_access.request_access(db.session, reader, cf.id, "")
    req = archive_access.request_access(db.session, reader, cf.id, "Viết báo cáo tổng kết")
    with pytest.raises(Conflict):                  # asked already
        archive_access.request_access(db.session, reader, cf.id, "Lần nữa")
    db.session.rollback()
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "access_request")).all()
    assert [n.staff_id for n in told] == [staff_id("luutru")]
    with pytest.raises(PermissionDenied):          # only the archivist decides
        archive_access.decide_request(db.session, who("quantri"), req.id, grant=True,
                                      valid_until=TODAY + timedelta(days=7), today=TODAY)
    with pytest.raises(InvalidInput):              # a grant needs a date not in the past
        archive_access.decide_request(db.session, who("luutru"), req.id, grant=True,
                                      valid_until=TODAY - timedelta(days=1), today=TODAY)
    db.session.rollback()
    until = TODAY + timedelta(days=7)
    archive_access.decide_request(db.session, who("luutru"), req.id, grant=True,
                                  valid_until=until, today=TODAY)
    with pytest.raises(Conflict):                  # the double click
        archive_access.decide_request(db.session, who("luutru"), req.id, grant=False,
                                      note="Không", today=TODAY)
    db.session.rollback()
    assert db.session.get(AccessRequest, req.id).status == "granted"
    opened = archive_access.open_archived_file(db.session, reader, cf.id, today=until)
    assert opened.permission.request.id == req.id
    line = uses()[-1]
    assert (line.staff_id, line.permitted_by_id, line.request_id) == \
        (staff_id("chuyenvien.dl"), staff_id("luutru"), req.id)
    with pytest.raises(PermissionDenied):          # the day after the grant ends
        archive_access.open_archived_file(db.session, reader, cf.id,
                                          today=until + timedelta(days=1))


def test_a_refusal_needs_a_note_and_is_told(app):
    cf = make_file(register(), rights="restricted")
    transfer(cf)
    req = archive_access.request_access(db.session, who("chuyenvien.vh"), cf.id, "Tra cứu")
    with pytest.raises(InvalidInput):
        archive_access.decide_request(db.session, who("luutru"), req.id, grant=False)
    db.session.rollback()
    archive_access.decide_request(db.session, who("luutru"), req.id, grant=False,
                                  note="Hồ sơ đang được chỉnh lý")
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "access_decision")).all()
    assert [n.staff_id for n in told] == [staff_id("chuyenvien.vh")]
    assert "đang được chỉnh lý" in told[0].title_vi
    mine, total = archive_access.list_requests(db.session, who("chuyenvien.vh"), None)
    assert total == 1 and mine[0][0].status == "refused"
    assert archive_access.list_requests(db.session, who("chuyenvien.dl"), None)[1] == 0
    with pytest.raises(PermissionDenied):
        archive_access.open_archived_file(db.session, who("chuyenvien.vh"), cf.id)


def test_the_usage_register_prints_nine_columns_for_a_period(app):
    doc = register("Quyết định công nhận làng văn hóa")
    cf = make_file(doc)
    transfer(cf)
    archive_access.open_archived_file(db.session, who("chuyenvien.dl"), cf.id)
    archive_access.download(db.session, who("chuyenvien.vh"), wiring.storage(), cf.id,
                            doc.files[0].id)
    today = archive_access.ca.vn_today()
    lines, total, start, end = archive_access.usage_lines(db.session, who("luutru"), None, None)
    assert total == 2 and start == today.replace(day=1) and end == today
    xlsx = archive_access.print_usage(db.session, who("giamdoc"), today, today, "xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Ngày tháng")
    assert tuple(rows[header]) == archive_access.USAGE_HEADERS and len(rows[header]) == 9
    body = rows[header + 2:]
    assert [r[1] for r in body] == ["Bùi Thị Mai", "Đỗ Thị Lan"]
    assert body[1][4] == f"{cf.code}/{cf.year}" and "làng văn hóa" in body[1][3]
    pdf = archive_access.print_usage(db.session, who("luutru"), today, today, "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "SỔ SỬ DỤNG BẢN LƯU" in text and "Bùi Thị Mai" in text
    earlier = today - timedelta(days=40)
    assert archive_access.usage_lines(db.session, who("luutru"), earlier,
                                      earlier + timedelta(days=1))[1] == 0
    with pytest.raises(PermissionDenied):
        archive_access.usage_lines(db.session, who("chuyenvien.vh"), None, None)
    with pytest.raises(InvalidInput):
        archive_access.print_usage(db.session, who("luutru"), today, earlier, "pdf")


def test_exporting_a_restricted_archived_file_follows_the_archive_rule(app):
    """Once transferred, even the file's creator exports a restricted file only
    with the archivist's grant, and the export is a line of the sổ sử dụng."""
    from archive import access
    from workflows import case_files
    doc = register("Hồ sơ giải quyết khiếu nại")
    access.grant(db.session, doc.id, staff_id("chuyenvien.vh"))    # he handled it
    cf = make_file(doc, rights="restricted")
    transfer(cf)
    creator = who("chuyenvien.vh")
    before = len(uses())
    with pytest.raises(PermissionDenied):
        case_files.export_xml(db.session, creator, cf.id)
    db.session.rollback()
    assert len(uses()) == before
    req = archive_access.request_access(db.session, creator, cf.id, "Trả lời đơn thư")
    archive_access.decide_request(db.session, who("luutru"), req.id, grant=True,
                                  valid_until=TODAY + timedelta(days=3650), today=TODAY)
    exported = case_files.export_xml(db.session, creator, cf.id)
    assert exported.data.startswith(b"<?xml")
    line = uses()[-1]
    assert (line.action, line.staff_id, line.permitted_by_id, line.request_id) == \
        ("export", staff_id("chuyenvien.vh"), staff_id("luutru"), req.id)
