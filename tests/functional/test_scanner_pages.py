"""The clerk's queue of scanned files and "Vào sổ" from it (Flask client, both backends).

The OCR itself is covered by tests/integration/test_scanner.py; here the
extraction returns the text OCRmyPDF read from the sample page, so the pages
are tested without Tesseract's seconds.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from app.scanner import worker
from archive import registers
from archive.errors import Conflict
from archive.extraction import Extraction
from archive.identity import Actor
from archive.models import (AuditEntry, Document, ExtractedText, Organization, Register,
                            ScanIntake)
from tests.conftest import csrf_from
from tests.scanner_support import DECISION_EXPECTED, page_png
from tests.unit.test_suggest import DECISION_MERGED
from workflows import scanner
from workflows.incoming import Upload, register_incoming, vn_today
from workflows.search import SearchParams, search_documents


@pytest.fixture(scope="module")
def png() -> bytes:
    return page_png()


@pytest.fixture
def intake(app, tmp_path, png, monkeypatch):
    """One scanned PNG taken in from the register's folder and "OCR'd"."""
    monkeypatch.setattr(scanner, "_extract", lambda pdf, settings: Extraction(
        DECISION_MERGED, 1, 1, "ocr", None))
    app.config["SCAN_DIR"] = str(tmp_path / "scans")
    app.config["SCAN_SETTLE_SECONDS"] = 0
    org = db.session.scalar(select(Organization).order_by(Organization.id))
    reg = registers.get_or_create_default(db.session, org.id, "incoming", vn_today().year, False)
    db.session.commit()
    folder = scanner.register_folder(Path(app.config["SCAN_DIR"]), reg.id)
    (folder / "QD-125.png").write_bytes(png)
    report = worker.run_pass(app, synchronous=True)
    assert report.processed == {report.poll.created[0]: "ready"}
    return db.session.get(ScanIntake, report.poll.created[0])


def _documents() -> int:
    return db.session.scalar(select(func.count(Document.id)))


def test_clerk_sees_the_queue_the_rendition_and_discards(browser, intake):
    browser.login("vanthu")
    page = browser.client.get("/scanner/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Văn bản quét chờ vào sổ" in html and "QD-125.png" in html
    assert "125/QĐ-UBND" in html and "05/11/2026" in html and "Ủy ban nhân dân tỉnh Demo" in html
    assert f'/scanner/{intake.id}/register' in html and f'/scanner/{intake.id}/discard' in html
    assert 'href="/scanner/"' in browser.client.get("/incoming/").get_data(as_text=True)  # nav
    pdf = browser.client.get(f"/scanner/{intake.id}/file.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == wiring.storage().get(intake.pdf_sha256)
    original = browser.client.get(f"/scanner/{intake.id}/file.pdf?original=1")
    assert original.data == wiring.storage().get(intake.sha256)
    empty = browser.client.get("/scanner/?show=registered").get_data(as_text=True)
    assert f'id="intake-{intake.id}"' not in empty

    # "Bỏ qua" asks first.
    page = browser.client.get(f"/scanner/{intake.id}/discard")
    assert page.status_code == 200 and "Bỏ qua tệp quét?" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScanIntake, intake.id).status == "ready"  # GET changes nothing
    resp = browser.client.post(f"/scanner/{intake.id}/discard",
                               data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(ScanIntake, intake.id).status == "discarded"
    row = f'id="intake-{intake.id}"'
    assert row not in browser.client.get("/scanner/").get_data(as_text=True)
    assert row in browser.client.get("/scanner/?show=discarded").get_data(as_text=True)
    resp = browser.client.post(f"/scanner/{intake.id}/discard",
                               data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert resp.status_code == 302 and db.session.get(ScanIntake, intake.id).status == \
        "discarded"
    # Without the CSRF token nothing happens.
    assert browser.client.post(f"/scanner/{intake.id}/register", data={}).status_code == 400


def _form_values(html: str) -> dict:
    values = dict(re.findall(r'<input type="(?:text|date)" id="f-\w+" name="(\w+)" value="([^"]*)"',
                             html))
    subject = re.search(r'<textarea id="f-subject" name="subject"[^>]*>([^<]*)</textarea>', html)
    values["subject"] = subject.group(1)
    selected = dict(re.findall(
        r'<select id="f-(\w+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
        html, re.S))
    values.update(selected)
    return values


def test_vao_so_opens_the_prefilled_form_and_registers_once(browser, intake):
    browser.login("vanthu")
    page = browser.client.get(f"/scanner/{intake.id}/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    values = _form_values(html)
    assert values["code_number"] == "125" and values["code_notation"] == "QĐ-UBND"
    assert values["issued_date"] == "2026-11-05" and values["document_type"] == "QD"
    assert values["issuer_name"] == DECISION_EXPECTED["issuer_name"]
    assert values["subject"].startswith("Về việc phê duyệt Kế hoạch tổ chức lễ hội")
    assert values["register_id"] == str(intake.register_id)
    assert "QD-125.png" in html and 'name="main_file"' in html  # attached; may be replaced
    assert 'required>' not in html.split('name="main_file"')[1].split(">")[0] + ">"

    # A refused form keeps the scan attached and the intake waiting.
    resp = browser.client.post(f"/scanner/{intake.id}/register", data={
        "csrf_token": csrf_from(html), "document_type": "QD", "issuer_name": "",
        "subject": ""})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "QD-125.png" in body and 'class="field-error"' in body
    assert db.session.get(ScanIntake, intake.id).status == "ready" and _documents() == 0

    form = {**{k: v for k, v in values.items() if v}, "csrf_token": csrf_from(html),
            "arrival_date": vn_today().isoformat()}
    before = _documents()
    resp = browser.client.post(f"/scanner/{intake.id}/register", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    done = db.session.get(ScanIntake, intake.id)
    assert done.status == "registered" and done.document_id
    assert resp.headers["Location"].endswith(f"/documents/{done.document_id}")
    doc = db.session.get(Document, done.document_id)
    assert _documents() == before + 1
    assert (doc.code_number, doc.code_notation, doc.document_type) == ("125", "QĐ-UBND", "QD")
    assert doc.issuer_name == "Ủy ban nhân dân tỉnh Demo" and doc.register_id == intake.register_id
    [file] = doc.files
    assert file.sha256 == intake.sha256 and file.name == "QD-125.png"
    assert wiring.storage().get(file.pdf_sha256).startswith(b"%PDF-")  # its rendition
    # The rendition is the intake's (same bytes): its OCR text is reused, not read again,
    # and the registered document is found by the words of the scan at once.
    assert file.pdf_sha256 == intake.pdf_sha256
    text = db.session.get(ExtractedText, file.pdf_sha256)
    assert text.status == "done" and "lễ hội" in text.text
    found = search_documents(db.session, wiring.search_index(), _clerk(),
                             SearchParams(q="phe duyet ke hoach to chuc le hoi"))
    assert [h.document.id for h in found.hits] == [doc.id]
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "scan_registered", AuditEntry.object_id == str(intake.id)))

    # A double click (the same form posted again): no second document.
    again = browser.client.post(f"/scanner/{intake.id}/register", data=form)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/documents/{done.document_id}")
    assert _documents() == before + 1
    assert f'id="intake-{intake.id}"' not in browser.client.get("/scanner/").get_data(as_text=True)

    # Two registrations racing: the one committing second (its checks passed before the
    # first won) is rolled back whole inside its transaction, its số đến given back.
    clerk = _clerk()
    numbers = db.session.scalar(select(Register.last_number).where(
        Register.id == intake.register_id))
    with pytest.raises(Conflict):
        register_incoming(db.session, clerk, wiring.storage(), wiring.limits(),
                          {**form, "confirm_duplicate": "1"},
                          [Upload("QD-125.png", wiring.storage().get(intake.sha256))],
                          confirm_duplicate=True,
                          routing=scanner._IntakeGuard(intake.id, wiring.routing(), clerk))
    db.session.expire_all()
    assert _documents() == before + 1
    assert db.session.get(ScanIntake, intake.id).document_id == doc.id
    assert db.session.scalar(select(Register.last_number).where(
        Register.id == intake.register_id)) == numbers
    with pytest.raises(Conflict):  # the use case refuses before any work
        scanner.register_intake(db.session, clerk, wiring.storage(), wiring.limits(),
                                intake.id, dict(form))


def test_only_the_agencys_clerks_reach_the_queue(browser, intake):
    for username in ("giamdoc", "chuyenvien.vh", "luutru"):
        browser.login(username)
        for path in ("/scanner/", f"/scanner/{intake.id}/register",
                     f"/scanner/{intake.id}/file.pdf", f"/scanner/{intake.id}/discard"):
            assert browser.client.get(path).status_code == 403, (username, path)
        nav = browser.client.get("/incoming/").get_data(as_text=True)
        assert 'href="/scanner/"' not in nav
    # Another agency's intake: not found for this agency's clerk.
    from archive import directory
    other = directory.create_organization(db.session, Actor.system(), name="Sở khác",
                                          abbreviation="SK")
    db.session.flush()
    intake.organization_id = other.id
    db.session.commit()
    browser.login("vanthu")
    assert browser.client.get(f"/scanner/{intake.id}/register").status_code == 404
    assert f'id="intake-{intake.id}"' not in browser.client.get("/scanner/").get_data(as_text=True)


def _clerk() -> Actor:
    from archive import directory
    return Actor.of(directory.find_staff(db.session, "vanthu"))
