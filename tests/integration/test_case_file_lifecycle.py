"""One case file's whole life through the real use cases, on both databases:
the approved danh mục → opened from its entry → filled → closed (due date,
30-day reminder across the year end) → transferred (frozen for everyone) →
exported (PDF + XML) → packaged (BagIt validates) → PDF/A copies → a clean
integrity run. Each step's own rules are tested in depth in the area files;
this one shows they fit together."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timezone
from xml.etree import ElementTree

import bagit
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive import access, directory
from archive.errors import Conflict
from archive.filing_models import CaseFile, PreservationCopy
from archive.identity import Actor
from archive.models import Notification
from tests.conftest import incoming_fields, make_pdf
from tests.preservation_support import settings
from workflows import (archive_transfer, case_files, demo, file_lists, incoming, integrity,
                       preservation)
from workflows.incoming import Upload


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def register(subject: str, day: str, number: str):
    doc = incoming.register_incoming(
        db.session, who("vanthu"), wiring.storage(), wiring.limits(),
        incoming_fields(subject=subject, issued_date=day, arrival_date=day, code_number=number),
        [Upload("van-ban.pdf", make_pdf((subject,), pages=2))], today=date(2025, 12, 1)).document
    access.grant(db.session, doc.id, who("chuyenvien.vh").staff_id)   # routed to him
    db.session.commit()
    return doc


def test_a_file_from_the_list_to_the_archive(app, tmp_path):
    demo.ensure_demo_file_list(db.session, 2025)
    me = who("chuyenvien.vh")
    entry = next(e for e in file_lists.entries_open_to(db.session, me, 2025)
                 if e.retention.years is not None)
    cf = case_files.open_from_entry(db.session, me, entry.id, start_date=date(2025, 1, 6))
    early = register("Kế hoạch tổ chức lễ hội năm 2025", "2025-02-10", "12")
    later = register("Báo cáo kết quả tổ chức lễ hội năm 2025", "2025-11-28", "88")
    for doc in (later, early):                 # added out of order
        case_files.add_document(db.session, me, cf.id, doc.id)
    report = case_files.close_file(db.session, me, cf.id,
                                   {"retention_checked": "1", "end_date": "2025-12-20"},
                                   db.session.get(CaseFile, cf.id).version)
    assert report.duplicates == [] and report.drafts == []
    db.session.expire_all()
    cf = db.session.get(CaseFile, cf.id)
    assert [i.document_id for i in cf.items] == [early.id, later.id]       # chronological
    assert cf.transfer_due == date(2026, 12, 20)
    assert cf.retain_until == date(2025 + entry.retention.years, 12, 31)

    # The 30-day reminder: not on 19/11/2026, once on 20/11/2026.
    def reminders():
        return db.session.scalars(select(Notification).where(
            Notification.staff_id == me.staff_id)).all()
    before = len(reminders())
    noon = datetime(2026, 11, 19, 5, tzinfo=timezone.utc)
    assert archive_transfer.send_transfer_reminders(db.session, noon) == 0
    assert archive_transfer.send_transfer_reminders(
        db.session, noon.replace(day=20)) == 1
    assert archive_transfer.send_transfer_reminders(db.session, noon.replace(day=21)) == 0
    db.session.commit()
    assert len(reminders()) == before + 1

    transfer = archive_transfer.receive_transfer(
        db.session, who("luutru"), department_id=cf.department_id, file_ids=[cf.id],
        handed_by_id=me.staff_id, today=date(2026, 11, 25))
    assert (transfer.file_count, transfer.computer_file_count) == (1, 2)
    db.session.expire_all()
    assert db.session.get(CaseFile, cf.id).frozen
    other = register("Công văn gửi sau khi nộp lưu", "2025-11-30", "99")
    for username in ("chuyenvien.vh", "quantri", "luutru"):
        with pytest.raises(Conflict):
            case_files.add_document(db.session, who(username), cf.id, other.id)
        db.session.rollback()
    assert len(db.session.get(CaseFile, cf.id).items) == 2

    archivist = who("luutru")
    whole = case_files.export_pdf(db.session, archivist, wiring.storage(), cf.id,
                                  datetime.now(timezone.utc))
    pages = len(PdfReader(io.BytesIO(whole.data)).pages)
    assert pages >= 1 + 2 + 2                                   # index + two 2-page documents
    xml = ElementTree.fromstring(case_files.export_xml(db.session, archivist, cf.id).data)
    texts = {el.tag.split("}")[-1]: (el.text or "") for el in xml.iter()}
    assert texts["FileNotation"] == cf.code and texts["Title"] == cf.title

    # PDF/A copies were queued by the transfer; make them, then package the file.
    assert {r.sha256 for r in db.session.scalars(select(PreservationCopy))} >= {
        f.sha256 for d in (early, later) for f in d.files}
    preservation.run_pending(db.session, wiring.storage(), settings(tmp_path))
    assert {r.status for r in db.session.scalars(select(PreservationCopy))} == {"done"}
    bag_zip = case_files.export_bag(db.session, archivist, wiring.storage(), cf.id,
                                    datetime.now(timezone.utc))
    folder = tmp_path / "bag"
    zipfile.ZipFile(io.BytesIO(bag_zip.data)).extractall(folder)
    root = next(p.parent for p in folder.rglob("bagit.txt"))
    bag = bagit.Bag(str(root))
    assert bag.validate()
    assert sum(1 for p in bag.payload_files() if p.startswith("data/pdfa/")) == 2

    run = integrity.run_now(db.session, wiring.storage(), archivist)
    assert run.status == "done" and run.problems == [] and run.done == run.total > 0
