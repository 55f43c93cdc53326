"""Text extraction and OCR as jobs, against a real database (SQLite and PostgreSQL):
rows follow new files, the embedded default's thread and RQ run the job, the
search index finds OCR'd Vietnamese, signed originals stay byte-identical, and
bad files end ``failed`` with a reason while the document stays usable.

OCR costs ~3 s a page: each OCR test reads one generated page.
"""
from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import jobs, wiring
from app.extensions import db
from archive import directory
from archive.db import utcnow
from archive.errors import FileRejected
from archive.extraction import OcrTimedOut
from archive.identity import Actor
from archive.models import (AuditEntry, DraftVersion, ExtractedText, OutgoingDocument,
                            StaffRole)
from archive.search.index import SearchRequest, Viewer
from archive.search.query import parse
from archive.storage import store
from tests.conftest import incoming_fields, make_image
from tests.unit.test_extraction import (SENTENCE, encrypted_pdf, noise_png, scanned_pdf,
                                        text_pdf)
from workflows import extraction, incoming
from workflows.incoming import Upload

_serial = iter(range(5000, 100000))


def clerk() -> Actor:
    return Actor.of(directory.find_staff(db.session, "vanthu"))


def register(name: str, data: bytes, **fields):
    values = incoming_fields(code_number=str(next(_serial)), **fields)
    return incoming.register_incoming(db.session, clerk(), wiring.storage(), wiring.limits(),
                                      values, [Upload(name, data)], today=date(2026, 11, 21))


def digest_of(doc) -> str:
    return extraction.digest_of_file(doc.files[0])


def row(sha256: str) -> ExtractedText:
    db.session.expire_all()
    return db.session.get(ExtractedText, sha256)


def wait_for(sha256: str, statuses=("done", "failed"), seconds: float = 120) -> ExtractedText:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = row(sha256)
        if found is not None and found.status in statuses:
            db.session.rollback()
            return found
        db.session.rollback()
        time.sleep(0.2)
    raise AssertionError(f"extraction of {sha256} still {found.status if found else None}")


def search(text: str, exact: bool = False) -> list[int]:
    actor = clerk()
    request = SearchRequest(parse(text, exact), Viewer(actor.organization_id, actor.staff_id, True))
    ids = wiring.search_index().search(db.session, request).ids
    db.session.rollback()
    return ids


def stored_blob(data: bytes) -> str:
    """Bytes put in storage with their pending row, as any future caller would."""
    digest, _new = store(db.session, wiring.storage(), data)
    extraction.request_text(db.session, [digest])
    db.session.commit()
    return digest


@pytest.fixture
def worker(app):
    """The embedded default's extraction thread (``wsgi.py`` starts it)."""
    started = jobs.start_text_worker(app, poll_seconds=0.5, start_delay=0)
    yield started
    started.stop()


def login(client, username: str):
    from tests.conftest import Browser
    browser = Browser(client)
    assert browser.login(username).status_code == 302
    return browser


# --- rows follow the files -----------------------------------------------------------

def test_new_files_and_drafts_get_a_pending_row_in_their_transaction(app):
    seen: list[str] = []
    extraction.install(seen.append)
    try:
        doc = register("scan.pdf", text_pdf()).document
        image = register("anh.png", make_image()).document
        pdf_sha, image_sha = digest_of(doc), digest_of(image)
        assert image.files[0].sha256 != image_sha  # an image's row is its PDF rendition
        assert row(pdf_sha).status == row(image_sha).status == "pending"
        assert seen == [pdf_sha, image_sha]          # enqueued after each commit
        # the same bytes again: no second row, nothing enqueued
        again = incoming.register_incoming(
            db.session, clerk(), wiring.storage(), wiring.limits(),
            incoming_fields(code_number=str(next(_serial)), issuer_name="Sở Nội vụ"),
            [Upload("ban-sao.pdf", text_pdf())], today=date(2026, 11, 21),
            confirm_duplicate=True).document
        assert digest_of(again) == pdf_sha and len(seen) == 2
        assert db.session.scalar(select(func.count()).select_from(ExtractedText)) == 2
        # a refused registration leaves no row and enqueues nothing
        with pytest.raises(FileRejected):
            register("hong.pdf", b"%PDF-1.4 broken")
        assert db.session.scalar(select(func.count()).select_from(ExtractedText)) == 2
        # a rolled-back transaction enqueues nothing either
        extraction.request_text(db.session, [stored_only(b"%PDF-1.4 not registered")])
        db.session.rollback()
        assert len(seen) == 2
        # an outgoing draft's PDF
        from tests.integration.test_outgoing import new_draft
        draft = new_draft(wiring.routing())
        version = db.session.get(DraftVersion, db.session.get(OutgoingDocument, draft.id)
                                 .current_version_id)
        assert row(version.pdf_sha256).status == "pending" and seen[-1] == version.pdf_sha256
        # request_text is idempotent
        assert extraction.request_text(db.session, [pdf_sha, version.pdf_sha256]) == []
        db.session.commit()
    finally:
        extraction.install(jobs.enqueue_text)


def stored_only(data: bytes) -> str:
    digest, _new = store(db.session, wiring.storage(), data)
    db.session.flush()
    return digest


def test_two_workers_never_claim_the_same_row(app):
    sha = digest_of(register("scan.pdf", text_pdf()).document)
    settings = jobs.text_settings(app)
    with Session(db.engine) as one, Session(db.engine) as two:
        first = extraction._claim(one, sha, settings)
        one.commit()
        second = extraction._claim(two, sha, settings)
        two.commit()
    assert (first, second) == (True, False)
    assert jobs.run_text(app, sha).status == "busy"
    # a row left running by a stopped worker counts as stuck after a while
    assert sha not in extraction.pending_or_stuck(db.session)
    db.session.execute(update(ExtractedText).where(ExtractedText.sha256 == sha)
                       .values(updated_at=utcnow().replace(year=2020)))
    db.session.commit()
    assert extraction.pending_or_stuck(db.session) == [sha]
    outcome = jobs.run_text(app, sha)
    assert outcome.status == "done" and outcome.method == "text"
    assert row(sha).attempts == 2


# --- OCR on the embedded default, found by search ------------------------------------------

def test_a_scanned_vietnamese_page_is_ocrd_in_the_thread_and_found_by_search(app, client):
    scan = scanned_pdf()
    doc = register("cong-van-den.pdf", scan, subject="Văn bản đến dạng ảnh quét").document
    sha = digest_of(doc)
    assert sha == hashlib.sha256(scan).hexdigest()
    assert row(sha).status == "pending"             # no thread yet: it waits (a restart)
    assert search("quyet dinh phat trien du lich") == []
    started = jobs.start_text_worker(app, poll_seconds=0.5, start_delay=0)   # requeues what is pending
    try:
        done = wait_for(sha)
    finally:
        started.stop()
    assert done.status == "done", done.error
    assert done.method == "ocr" and done.ocr_pages == 1 and done.page_count == 1
    assert done.pages_done == 1 and done.attempts == 1 and done.seconds > 0
    assert SENTENCE in " ".join(done.text.split())
    # found with diacritics, without, and as a phrase
    assert search("Quyết định phát triển du lịch cộng đồng") == [doc.id]
    assert search("quyet dinh phat trien du lich") == [doc.id]
    assert search('"phát triển du lịch cộng đồng"') == [doc.id]
    assert search('"phat trien du lich cong dong"') == [doc.id]
    assert search("Quyết định phát triển", exact=True) == [doc.id]
    assert search('"du lịch phát triển"') == []
    # the derivative: a separate PDF/A blob with a text layer; the original untouched
    import pikepdf
    from pypdf import PdfReader
    storage = wiring.storage()
    assert done.derivative_sha256 and done.derivative_sha256 != sha
    derivative = storage.get(done.derivative_sha256)
    with pikepdf.open(io.BytesIO(derivative)) as pdf:
        assert pdf.open_metadata().pdfa_status.startswith("2")
    assert SENTENCE in " ".join(PdfReader(io.BytesIO(derivative)).pages[0].extract_text().split())
    assert hashlib.sha256(storage.get(sha)).hexdigest() == sha and storage.get(sha) == scan
    # the document page says so and offers the copy to whoever may open the document
    login(client, "vanthu")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Đã trích xuất văn bản" in page and "searchable.pdf" in page
    assert "Chạy lại" not in page                                   # admins only
    file_id = doc.files[0].id
    resp = client.get(f"/documents/{doc.id}/files/{file_id}/searchable.pdf")
    assert resp.status_code == 200 and resp.data == derivative
    assert resp.mimetype == "application/pdf"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "download_pdfa", AuditEntry.object_id == str(doc.id))) == 1
    other = app.test_client()
    login(other, "chuyenvien.dl")      # neither routed the document nor a register role
    assert other.get(f"/documents/{doc.id}/files/{file_id}/searchable.pdf").status_code == 404


# --- a signed PDF -------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_signed_scan_is_never_rewritten_and_still_validates(app, signing_pki, worker):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from signing import keys
    from signing.validation import TrustSettings, validate_pdf
    from tests.signing_support import PIN
    signer = keys.pkcs12_signer(signing_pki.info.p12("seal"), PIN)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(scanned_pdf())),
                     signers.PdfSignatureMetadata(field_name="SigSeal"), signer=signer,
                     output=out)
    signed = out.getvalue()
    trust = TrustSettings(trust_roots=[signing_pki.info.root_der()], allow_fetching=False)

    def statuses(pdf: bytes) -> list[str]:
        return [r.as_dict()["status"] for r in validate_pdf(pdf, trust)]

    assert statuses(signed) == ["valid"]
    doc = register("da-ky.pdf", signed).document
    sha = digest_of(doc)
    done = wait_for(sha)
    assert done.status == "done" and done.method == "ocr", done.error
    original = wiring.storage().get(sha)
    assert original == signed and hashlib.sha256(original).hexdigest() == sha
    assert statuses(original) == ["valid"]
    assert done.derivative_sha256 not in (None, sha)       # OCR went to a new blob
    assert search('"phát triển du lịch cộng đồng"') == [doc.id]


# --- bad input -----------------------------------------------------------------------------

def test_bad_files_fail_with_a_reason_and_the_document_stays_usable(app, client):
    # refused at registration, so stored directly (an e-mailed attachment, an import...)
    locked = stored_blob(encrypted_pdf())
    broken = stored_blob(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated")
    outcomes = {name: jobs.run_text(app, sha) for name, sha in
                (("locked", locked), ("broken", broken))}
    assert {o.status for o in outcomes.values()} == {"failed"}
    assert not any(o.retry for o in outcomes.values())      # the file's fault: no retry
    assert row(locked).error.startswith("PDF có mật khẩu")
    assert "bị hỏng" in row(broken).error
    # a giant image (limit lowered): refused before decoding; the document is fine
    app.config["OCR_MAX_IMAGE_PIXELS"] = 1_000_000
    doc = register("anh-lon.pdf", scanned_pdf()).document
    sha = digest_of(doc)
    start = time.monotonic()
    outcome = jobs.run_text(app, sha)
    assert time.monotonic() - start < 10
    assert outcome.status == "failed" and not outcome.retry
    failed = row(sha)
    assert failed.status == "failed" and "ảnh quá lớn" in failed.error and failed.attempts == 1
    login(client, "vanthu")
    resp = client.get(f"/documents/{doc.id}")
    assert resp.status_code == 200
    assert "Lỗi nhận dạng: Trang 1 chứa ảnh quá lớn" in resp.get_data(as_text=True)
    file_id = doc.files[0].id
    assert client.get(f"/documents/{doc.id}/files/{file_id}").data == scanned_pdf()
    assert client.get(f"/documents/{doc.id}/files/{file_id}/searchable.pdf").status_code == 404
    assert extraction.status_counts(db.session)["failed"] == 3


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_admin_reruns_a_failed_extraction(app, client, worker, monkeypatch):
    real = extraction.extract
    calls = []

    def flaky(*args, **kwargs):       # the first run hits a passing problem (a timeout)
        calls.append(1)
        if len(calls) == 1:
            from archive.errors import Msg
            raise OcrTimedOut(Msg("Nhận dạng chữ (OCR) quá giờ.", "OCR timed out."))
        return real(*args, **kwargs)
    monkeypatch.setattr(extraction, "extract", flaky)
    app.config["EXTRACTION_MAX_ATTEMPTS"] = 1           # no automatic retry here
    doc = register("cong-van.pdf", text_pdf(("Mã tra cứu chaylaiocr",))).document
    sha = digest_of(doc)
    failed = wait_for(sha)
    assert failed.status == "failed" and failed.error == "Nhận dạng chữ (OCR) quá giờ."
    file_id = doc.files[0].id
    browser = login(client, "vanthu")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Lỗi nhận dạng: Nhận dạng chữ (OCR) quá giờ." in page and "Chạy lại" not in page
    url = f"/documents/{doc.id}/files/{file_id}/text/rerun"
    assert client.post(url, data={"csrf_token": browser.token(f"/documents/{doc.id}")}
                       ).status_code == 403
    vanthu = directory.find_staff(db.session, "vanthu")
    db.session.add(StaffRole(staff_id=vanthu.id, role="admin"))
    db.session.commit()
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Chạy lại" in page
    assert client.post(url, data={}).status_code == 400          # CSRF is checked
    resp = client.post(url, data={"csrf_token": browser.token(f"/documents/{doc.id}")})
    assert resp.status_code == 302
    done = wait_for(sha, ("done",))
    assert done.method == "text" and done.error is None and done.attempts == 1
    assert search("chaylaiocr") == [doc.id]
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Đã trích xuất văn bản" in page


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_page_of_noise_ends_done_with_no_text(app, client, worker):
    doc = register("fax.png", noise_png()).document
    done = wait_for(digest_of(doc))
    assert done.status == "done" and done.ocr_pages == 1
    assert done.method in ("none", "ocr") and (done.text == "" or done.method == "ocr")
    login(client, "vanthu")
    assert client.get(f"/documents/{doc.id}").status_code == 200


# --- RQ (production) -------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_job_on_rq_with_retries_for_passing_failures(app, monkeypatch):
    from redis import Redis
    from rq import SimpleWorker
    from rq.job import Job
    app.config["REDIS_URL"] = os.environ.get("EOFFICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    app.config["RQ_QUEUE"] = name = f"eoffice-test-{uuid.uuid4().hex}"
    queue = jobs.queue(app, name)
    try:
        doc = register("cong-van.pdf", text_pdf()).document
        broken = stored_blob(b"%PDF-1.4 not really")
        assert queue.count == 2
        job_ids = queue.job_ids
        first = Job.fetch(job_ids[0], connection=queue.connection)
        assert first.retries_left == app.config["EXTRACTION_MAX_ATTEMPTS"] - 1
        jobs._worker_app = app
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        for job_id in job_ids:                   # a bad file does not fail the job itself
            assert Job.fetch(job_id, connection=queue.connection).get_status() == "finished"
        assert row(digest_of(doc)).status == "done" and row(broken).status == "failed"
        assert search('"Thể thao và Du lịch tỉnh Demo"') == [doc.id]
        # a passing failure (a timeout) raises, so RQ schedules a retry with back-off
        def hung(*_args, **_kwargs):
            from archive.errors import Msg
            raise OcrTimedOut(Msg("quá giờ", "timed out"))
        monkeypatch.setattr(extraction, "extract", hung)
        other = register("cong-van-2.pdf", text_pdf(("Kế hoạch phát triển du lịch",))).document
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        sha = digest_of(other)
        failed = row(sha)
        assert failed.status == "failed" and failed.attempts == 1 and failed.error == "quá giờ"
        job = Job.fetch(queue.job_ids[0] if queue.job_ids else
                        queue.scheduled_job_registry.get_job_ids()[0],
                        connection=queue.connection)
        assert job.get_status() == "scheduled" and job.retries_left == \
            app.config["EXTRACTION_MAX_ATTEMPTS"] - 2
    finally:
        jobs._worker_app = None
        queue.delete(delete_jobs=True)
        Redis.from_url(app.config["REDIS_URL"]).close()


# --- CLI ----------------------------------------------------------------------------------

def test_flask_text_commands(app):
    runner = app.test_cli_runner()
    good = digest_of(register("cong-van.pdf", text_pdf(("Mã tra cứu kiemtracli",))).document)
    bad = stored_blob(b"%PDF-1.4 broken bytes")
    result = runner.invoke(args=["text", "status"])
    assert result.exit_code == 0 and "(pending): 2" in result.output
    result = runner.invoke(args=["text", "run-pending"])
    assert result.exit_code == 1 and "Xong: 1, lỗi: 1" in result.output, result.output
    assert row(good).status == "done" and row(bad).status == "failed"
    result = runner.invoke(args=["text", "status"])
    assert "(failed ): 1" in result.output and bad in result.output
    result = runner.invoke(args=["text", "rerun", "--failed"])
    assert result.exit_code == 0 and "Đã đặt lại 1" in result.output
    assert row(bad).status == "pending" and row(bad).attempts == 0
    result = runner.invoke(args=["text", "rerun", good])
    assert result.exit_code == 0 and row(good).status == "pending"
    assert runner.invoke(args=["text", "rerun"]).exit_code == 2
    assert runner.invoke(args=["text", "rerun", "0" * 64]).exit_code == 1
    result = runner.invoke(args=["text", "run-pending"])
    assert "Xong: 1, lỗi: 1" in result.output
    assert row(good).status == "done" and search("kiemtracli") != []
