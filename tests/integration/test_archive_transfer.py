"""Submission to the agency archive: due dates, the 30-day reminder through the
routing clock, the transfer that freezes files, the handover record and the
mục lục (SQLite and PostgreSQL)."""
from __future__ import annotations

import importlib.util
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive import directory, filing_rules
from archive.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from archive.filing_models import (FILE_OPEN, FILE_TRANSFERRED, CaseFile, PreservationCopy,
                                   Transfer)
from archive.identity import Actor
from archive.models import AuditEntry, Notification
from tests.archive_support import (TODAY, at, dept, make_file, register, staff_id, transfer,
                                   who)
from workflows import archive_transfer, deadlines, file_index_report


def reminders() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.kind == "transfer_due").order_by(Notification.staff_id)))


def tick(day: date):
    return deadlines.tick(db.session, wiring.routing(), now=at(day))


def test_due_date_and_the_30_day_reminder_across_the_year_end(app):
    cf = make_file(register(), end_date=date(2025, 1, 20))
    assert cf.transfer_due == date(2026, 1, 20)          # 1 year after the work ended
    assert filing_rules.reminder_date(cf.transfer_due) == date(2025, 12, 21)
    assert tick(date(2025, 12, 20)).transfer_reminders == 0     # the day before: nothing
    assert reminders() == []
    assert tick(date(2025, 12, 21)).transfer_reminders == 1
    assert tick(date(2025, 12, 21)).transfer_reminders == 0     # a second tick: nothing more
    assert tick(date(2025, 12, 28)).transfer_reminders == 0
    sent = reminders()
    assert [n.staff_id for n in sent] == sorted([staff_id("chuyenvien.vh"),
                                                 staff_id("truongphong.vh")])
    assert all("20/01/2026" in n.title_vi and cf.code in n.title_vi for n in sent)
    db.session.refresh(cf)
    assert cf.reminded_at == at(date(2025, 12, 21))


def test_a_construction_file_is_due_three_months_after_settlement(app):
    settled = make_file(register(), kind="construction", end_date=date(2025, 6, 30),
                        settlement_date=date(2025, 11, 30))
    unsettled = make_file(register(), kind="construction", end_date=date(2025, 6, 30))
    assert settled.transfer_due == date(2026, 2, 28)     # 30/11 + 3 months, end of February
    assert unsettled.transfer_due is None                # not known until settlement
    assert tick(date(2026, 1, 28)).transfer_reminders == 0
    assert tick(date(2026, 1, 29)).transfer_reminders == 1
    assert tick(date(2027, 6, 1)).transfer_reminders == 0   # the unsettled one never
    db.session.refresh(unsettled)
    assert unsettled.reminded_at is None


def test_two_clocks_remind_once(app):
    """A second clock (another session, another process) finds the file reminded."""
    cf = make_file(register(), end_date=date(2025, 1, 20))
    from sqlalchemy.orm import Session
    with Session(db.engine) as other:
        assert archive_transfer.send_transfer_reminders(other, at(date(2026, 1, 2))) == 1
    assert archive_transfer.send_transfer_reminders(db.session, at(date(2026, 1, 2))) == 0
    assert len(reminders()) == 2 and db.session.get(CaseFile, cf.id).reminded_at is not None


def test_due_list_overdue_first_per_department(app):
    late = make_file(register(), end_date=date(2025, 1, 20))                 # due 20/01/2026
    soon = make_file(register(), end_date=date(2026, 1, 5))                  # due 05/01/2027
    tourism = make_file(register(), creator="chuyenvien.dl", end_date=date(2025, 3, 1))
    make_file(register(), status=FILE_OPEN)                                  # not due: open
    rows = archive_transfer.due_files(db.session, who("luutru"), TODAY)
    assert [r.case_file.id for r in rows] == [late.id, tourism.id, soon.id]
    assert [r.overdue for r in rows] == [True, True, False]
    own = archive_transfer.due_files(db.session, who("truongphong.vh"), TODAY)
    assert [r.case_file.id for r in own] == [late.id, soon.id]              # own department
    by_dept = archive_transfer.due_files(db.session, who("giamdoc"), TODAY,
                                         department_id=dept("QLDL"))
    assert [r.case_file.id for r in by_dept] == [tourism.id]
    with pytest.raises(PermissionDenied):
        archive_transfer.due_files(db.session, who("chuyenvien.vh"), TODAY)


def test_a_transfer_freezes_the_files_and_counts_computer_files(app):
    shared = register("Văn bản dùng chung hai hồ sơ")
    first = make_file(register(), shared)
    second = make_file(shared)
    record = transfer(first, second)
    assert (record.number, record.year, record.file_count) == (1, TODAY.year, 2)
    assert record.computer_file_count == 2          # two documents, each with one PDF
    assert record.received_by_id == staff_id("luutru")
    assert record.handed_by_id == staff_id("chuyenvien.vh")
    for cf in (first, second):
        db.session.refresh(cf)
        assert cf.status == FILE_TRANSFERRED and cf.transfer_id == record.id and cf.frozen
    if importlib.util.find_spec("workflows.preservation"):   # H4: PDF/A copies queued
        queued = set(db.session.scalars(select(PreservationCopy.sha256)))
        assert {f.pdf_sha256 or f.sha256 for d in (shared, *[i.document for i in first.items])
                for f in d.files} <= queued
    next_one = transfer(make_file(register()))
    assert next_one.number == 2                     # numbered per agency and year
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"archive_transfer", "transfer"} <= actions
    # frozen: receiving it again is refused, by anyone
    with pytest.raises(Conflict):
        transfer(first)


def test_case_file_changes_are_refused_after_the_transfer(app):
    case_files = pytest.importorskip("workflows.case_files")
    doc, extra = register(), register("Văn bản bổ sung sau khi nộp lưu")
    cf = make_file(doc)
    transfer(cf)
    for username in ("chuyenvien.vh", "quantri", "luutru"):
        with pytest.raises(Conflict):
            case_files.add_document(db.session, who(username), cf.id, extra.id)
        with pytest.raises(Conflict):
            case_files.remove_document(db.session, who(username), cf.id, doc.id)
        with pytest.raises(Conflict):
            case_files.edit_file(db.session, who(username), cf.id, {"title": "Sửa"}, None)
    db.session.refresh(cf)
    assert [i.document_id for i in cf.items] == [doc.id] and cf.title != "Sửa"


def test_bad_transfers_change_nothing(app):
    open_file = make_file(register(), status=FILE_OPEN)
    closed = make_file(register())
    tourism = make_file(register(), creator="chuyenvien.dl")
    luutru = who("luutru")

    def receive(actor=luutru, ids=(closed.id,), department=None, handed="chuyenvien.vh"):
        return archive_transfer.receive_transfer(
            db.session, actor, department_id=department or dept("QLVH"), file_ids=list(ids),
            handed_by_id=staff_id(handed) if handed else None, today=TODAY)

    with pytest.raises(PermissionDenied):
        receive(actor=who("quantri"))
    with pytest.raises(PermissionDenied):
        receive(actor=who("vanthu"))
    with pytest.raises(InvalidInput):
        receive(ids=(open_file.id,))                       # still open
    with pytest.raises(InvalidInput):
        receive(ids=(closed.id, tourism.id))               # another department's file
    with pytest.raises(InvalidInput):
        receive(handed=None)                               # nobody hands over
    with pytest.raises(InvalidInput):
        receive(ids=())
    db.session.rollback()
    other_org = directory.create_organization(db.session, Actor.system(), name="Sở Nội vụ",
                                              abbreviation="SNV")
    db.session.commit()
    foreign = make_file(register())
    foreign.organization_id = other_org.id
    db.session.commit()
    with pytest.raises(NotFound):
        receive(ids=(foreign.id,))                         # another agency's file
    db.session.rollback()
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
    assert db.session.get(CaseFile, closed.id).status == "closed"
    receive()
    with pytest.raises(Conflict):                          # the double click
        receive()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Transfer.id))) == 1


def test_handover_record_and_file_index_as_pdf_and_xlsx(app):
    files = [make_file(register(), register(), title="Hồ sơ tổ chức lễ hội truyền thống"),
             make_file(register(), years=None, title="Hồ sơ quy hoạch di tích cấp tỉnh")]
    record = transfer(*files)
    luutru = who("luutru")
    pdf = file_index_report.transfer_index(db.session, luutru, record.id, "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU" in text
    assert files[0].code in text and "Vĩnh viễn" in text and "10 năm" in text
    assert "1 hồ sơ bảo quản vĩnh viễn; 1 hồ sơ bảo quản có thời hạn" in text
    xlsx = file_index_report.transfer_index(db.session, luutru, record.id, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "STT")
    assert tuple(rows[header][:7]) == file_index_report.INDEX_HEADERS
    assert rows[header + 2][1] == files[0].code and rows[header + 3][4] == "Vĩnh viễn"
    handover = file_index_report.handover_record(db.session, luutru, record.id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handover.data)).pages)
    assert "BIÊN BẢN" in text and "tổng số hồ sơ: 2" in text and "tổng số tệp tin: 3" in text
    assert "Ngô Văn Lưu" in text and "Đỗ Thị Lan" in text
    yearly = file_index_report.file_index(db.session, who("giamdoc"), year=2025,
                                          department_id=None, fmt="pdf")
    assert "MỤC LỤC HỒ SƠ" in PdfReader(io.BytesIO(yearly.data)).pages[0].extract_text()
    with pytest.raises(PermissionDenied):
        file_index_report.transfer_index(db.session, who("chuyenvien.vh"), record.id, "pdf")
    prints = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()
    assert len(prints) == 4
