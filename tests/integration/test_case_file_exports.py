"""Exports of a case file on SQLite and PostgreSQL: the whole file as PDF (index page +
documents in chronological order), the XML metadata parsed back, the document
index as PDF and XLSX, and the BagIt package validated by the bagit library (and
failing once a byte is flipped)."""
from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta, timezone

import bagit
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive import audit
from archive.errors import Conflict, PermissionDenied
from archive.filing_models import ArchiveUse, CaseFile, PreservationCopy
from archive.models import Document
from archive.storage import store
from tests.conftest import make_pdf
from tests.integration.test_case_files import (add, close, new_draft, open_file, register,
                                               who)
from workflows import case_files
from workflows.demo import DEMO_ORGAN_ID

VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=VN)
FILE_TAGS = ["FileCode", "Title", "Maintenance", "Rights", "Creator", "Language",
             "StartDate", "EndDate", "DocTotal", "PageTotal", "Description", "Documents"]
COMMON = ["FileCode", "DocOrdinal", "TypeName", "CodeNumber", "CodeNotation", "IssuedDate",
          "OrganName", "Subject", "Language", "PageAmount", "Description"]
INCOMING = COMMON + ["ArrivalDate", "ArrivalNumber", "SignerInfo", "Priority", "ToPlaces",
                     "TraceHeaderList", "DueDate", "Files"]
OUTGOING = COMMON + ["SignerInfo", "To", "Priority", "IssuedAmount", "DueDate", "Files"]


def text_of(page) -> str:
    return " ".join((page.extract_text() or "").split())


def closed_file():
    """A closed file of chuyenvien.vh: a 2-page document dated March, a 1-page one
    dated February (added first), so the chronological order differs from the order
    of adding."""
    cf = open_file()
    march = register(subject="Kế hoạch tháng ba", issued_date="2026-03-10", pages=2,
                     data=make_pdf(("TAI LIEU THANG BA",), pages=2))
    february = register(subject="Công văn tháng hai", issued_date="2026-02-01",
                        data=make_pdf(("TAI LIEU THANG HAI",)))
    add("chuyenvien.vh", cf, march)
    add("chuyenvien.vh", cf, february)
    close("chuyenvien.vh", cf)
    return db.session.get(CaseFile, cf.id), february, march


def test_the_whole_file_as_one_pdf_index_first_then_documents_in_order(app):
    cf, february, march = closed_file()
    originals = {d.id: hashlib.sha256(wiring.storage().get(d.files[0].sha256)).hexdigest()
                 for d in (february, march)}
    out = case_files.export_pdf(db.session, who("chuyenvien.vh"), wiring.storage(), cf.id, NOW)
    assert out.media_type == "application/pdf" and out.filename.endswith(".pdf")
    pages = PdfReader(io.BytesIO(out.data)).pages
    index_pages = len(pages) - 3                        # 1 + 2 document pages
    assert index_pages >= 1
    first = text_of(pages[0])
    assert "MỤC LỤC VĂN BẢN" in first and cf.code in first and cf.title in first
    assert first.index("Công văn tháng hai") < first.index("Kế hoạch tháng ba")
    assert "2–3" in first                                 # pages of the March document
    assert "In từ Hệ thống eOffice" in first
    assert "TAI LIEU THANG HAI" in text_of(pages[index_pages])
    assert "TAI LIEU THANG BA" in text_of(pages[index_pages + 1])
    assert "TAI LIEU THANG BA" in text_of(pages[index_pages + 2])
    # the originals are untouched (the export is a new file)
    for d in (february, march):
        stored = wiring.storage().get(db.session.get(Document, d.id).files[0].sha256)
        assert hashlib.sha256(stored).hexdigest() == originals[d.id]
    last = case_files.history(db.session, cf.id)[-1]
    assert (last.action, last.details["format"]) == ("casefile_export", "pdf")
    assert audit.verify_chain(db.session).ok


def test_the_xml_has_the_file_and_document_metadata_of_phu_luc_vi(app):
    cf, february, march = closed_file()
    out = case_files.export_xml(db.session, who("chuyenvien.vh"), cf.id)
    root = ET.fromstring(out.data)
    assert root.tag == "CaseFile"
    assert [c.tag for c in root] == FILE_TAGS
    code = root.find("FileCode")
    assert [(c.tag, c.text) for c in code] == [("OrganId", DEMO_ORGAN_ID),
                                               ("FileCatalog", "2026"),
                                               ("FileNotation", cf.code)]
    assert root.findtext("Title") == cf.title
    assert root.findtext("Maintenance") == "10 năm"
    assert root.findtext("Rights") == "Công khai"
    assert root.findtext("Creator") == who("chuyenvien.vh").full_name
    assert root.findtext("StartDate") == "2026-01-05"
    assert root.findtext("EndDate") == "2026-03-10"
    assert (root.findtext("DocTotal"), root.findtext("PageTotal")) == ("2", "3")
    docs = root.find("Documents").findall("Document")
    assert [d.get("id") for d in docs] == [str(february.id), str(march.id)]
    first = docs[0]
    assert first.get("direction") == "incoming"
    assert [c.tag for c in first] == INCOMING
    assert first.findtext("DocOrdinal") == "1"
    assert first.findtext("FileCode/FileNotation") == cf.code
    assert first.findtext("CodeNumber") == february.code_number
    assert first.findtext("IssuedDate") == "2026-02-01"
    assert first.findtext("ArrivalNumber") == str(february.arrival_number)
    assert first.findtext("TypeName") == "Công văn"
    assert first.findtext("SignerInfo/FullName") == february.signer_name
    assert first.find("Priority").text == "0"
    assert first.find("Files/File").get("sha256") == february.files[0].sha256


def test_an_outgoing_document_carries_the_outgoing_fields(app):
    cf = open_file()
    draft = new_draft()
    add("chuyenvien.vh", cf, draft)
    root = ET.fromstring(case_files.export_xml(db.session, who("chuyenvien.vh"), cf.id).data)
    doc = root.find("Documents/Document")
    assert doc.get("direction") == "outgoing"
    assert [c.tag for c in doc] == OUTGOING
    assert doc.findtext("Subject") == draft.subject
    assert doc.findtext("SignerInfo/FullName") == draft.signer_name


def test_the_document_index_as_pdf_and_xlsx(app):
    from openpyxl import load_workbook
    cf, february, march = closed_file()
    pdf = case_files.export_index(db.session, who("chuyenvien.vh"), cf.id, "pdf", NOW)
    squashed = "".join(text_of(PdfReader(io.BytesIO(pdf.data)).pages[0]).split())
    for column in ("STT", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu", "Tác giả",
                   "Tờ số/Trang số", "Ghi chú", "01/02/2026", "10/03/2026", "2–3"):
        assert "".join(column.split()) in squashed, column
    xlsx = case_files.export_index(db.session, who("chuyenvien.vh"), cf.id, "xlsx", NOW)
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = rows.index(["STT", "Số, ký hiệu", "Ngày tháng", "Tên loại và trích yếu",
                       "Tác giả", "Tờ số/Trang số", "Ghi chú"])
    body = rows[head + 1:head + 3]
    assert [r[0] for r in body] == [1, 2]
    assert body[0][1] == f"{february.code_number}/{february.code_notation}"
    assert body[0][2] == "01/02/2026" and body[1][5] == "2–3"
    assert body[0][4] == february.issuer_name
    assert "Công văn tháng hai" in body[0][3]
    assert any("In từ Hệ thống eOffice" in str(r[0]) for r in rows[:head])


def unzip(data: bytes, tmp_path):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
        top = {n.split("/")[0] for n in zf.namelist()}
    assert len(top) == 1
    return tmp_path / top.pop()


def test_the_bagit_package_validates_and_a_flipped_byte_breaks_it(app, tmp_path):
    cf, february, march = closed_file()
    # H4 made a PDF/A copy of the February scan only (simulated here: its bytes and row)
    pdfa_bytes = make_pdf(("BAN PDF/A THANG HAI",))
    pdfa_digest = store(db.session, wiring.storage(), pdfa_bytes)[0]
    db.session.add(PreservationCopy(sha256=february.files[0].sha256, pdfa_sha256=pdfa_digest,
                                    status="done"))
    db.session.add(PreservationCopy(sha256=march.files[0].sha256, status="failed",
                                    error="thử nghiệm"))
    db.session.commit()
    out = case_files.export_bag(db.session, who("chuyenvien.vh"), wiring.storage(), cf.id, NOW)
    assert out.media_type == "application/zip"
    path = unzip(out.data, tmp_path)
    bag = bagit.Bag(str(path))
    bag.validate()
    assert "sha256" in bag.algorithms
    assert bag.info["File-Code"] == cf.code
    assert bag.info["Source-Organization"] == "Sở Văn hóa, Thể thao và Du lịch"
    assert bag.info["Organization-Identifier"] == DEMO_ORGAN_ID
    payload = sorted(bag.payload_files())
    originals = [p for p in payload if p.startswith("data/originals/")]
    assert len(originals) == 2 and "data/metadata.xml" in payload
    assert [p for p in payload if p.startswith("data/pdfa/")] == \
        [p for p in payload if p.startswith("data/pdfa/001-")]
    first = (path / originals[0]).read_bytes()
    assert first == wiring.storage().get(february.files[0].sha256)   # byte for byte
    root = ET.parse(path / "data" / "metadata.xml").getroot()
    files = {f.get("sha256"): f for f in root.iter("File")}
    assert files[february.files[0].sha256].get("pdfaStatus") == "done"
    assert (path / files[february.files[0].sha256].get("pdfa")).read_bytes() == pdfa_bytes
    assert files[march.files[0].sha256].get("pdfaStatus") == "failed"
    assert files[march.files[0].sha256].get("pdfa") is None

    target = path / originals[1]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(path)).validate()


def test_exports_need_sight_of_every_document(app):
    cf = open_file()
    seen = register(to=("chuyenvien.vh", "truongphong.vh"))
    secret = register(to=("chuyenvien.vh",), confidentiality="confidential")
    add("chuyenvien.vh", cf, seen)
    add("chuyenvien.vh", cf, secret)
    assert case_files.export_xml(db.session, who("chuyenvien.vh"), cf.id).data
    with pytest.raises(PermissionDenied) as refused:     # the unit head sees the file only
        case_files.export_pdf(db.session, who("truongphong.vh"), wiring.storage(), cf.id, NOW)
    assert "1 văn bản" in refused.value.message.vi
    from archive.errors import NotFound
    with pytest.raises(NotFound):                        # another unit: no file at all
        case_files.export_xml(db.session, who("chuyenvien.dl"), cf.id)


def test_an_archived_file_export_is_logged_and_a_disposed_one_has_no_content(app):
    cf, _february, _march = closed_file()
    row = db.session.get(CaseFile, cf.id)
    row.status = "transferred"
    db.session.commit()
    case_files.export_xml(db.session, who("luutru"), cf.id)
    uses = list(db.session.scalars(select(ArchiveUse).where(ArchiveUse.case_file_id == cf.id)))
    assert [(u.action, u.staff_id) for u in uses] == [("export", who("luutru").staff_id)]
    row.status = "disposed"
    db.session.commit()
    with pytest.raises(Conflict):
        case_files.export_pdf(db.session, who("luutru"), wiring.storage(), cf.id, NOW)
    assert ET.fromstring(case_files.export_xml(db.session, who("luutru"), cf.id).data)
