"""PDF/A copies of archived PDFs as jobs, on SQLite and PostgreSQL: the transfer
queues them after its commit, one copy per blob however many files hold the
document, the signed original byte-identical and still valid, the OCR copy of
issue 5 reused, bad and damaged files failed with a reason, passing failures
retried a bounded number of times, and ``flask preservation pdfa``.
"""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from app.preservation import jobs as pjobs
from archive.filing_models import PreservationCopy
from archive.models import AuditEntry, Blob, ExtractedText
from archive.preservation import pdfa_part
from archive.storage import store
from tests.archive_support import make_file, transfer
from tests.preservation_support import (
    blob,
    pdf_of,
    register,
    reset_session,
    settings,
    signed_pdf,
    signing_app,
    statuses,
)
from tests.unit.test_extraction import scanned_pdf, text_pdf
from workflows import extraction, preservation


@pytest.fixture
def app(database_url, tmp_path, signing_pki):
    application = signing_app(database_url, tmp_path / "data", signing_pki)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def copy_row(sha256: str) -> PreservationCopy:
    reset_session()
    return db.session.get(PreservationCopy, sha256)


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action))


def test_the_transfer_queues_each_pdf_once_and_the_job_makes_pdfa_copies(
        app, signing_pki, tmp_path):
    signed = signed_pdf(signing_pki)
    sealed = register("cong-van-da-ky.pdf", signed)
    shared = register("ke-hoach.pdf", text_pdf(("Kế hoạch tổ chức lễ hội năm 2026",)))
    assert sealed.files[0].signature_status == "valid"
    seen: list[list[str]] = []
    preservation.install(seen.append)
    try:
        first = make_file(sealed, shared)
        second = make_file(shared)                   # the same document in a second file
        transfer(first, second)
    finally:
        preservation.install(pjobs.enqueue_copies)
    digests = {pdf_of(sealed), pdf_of(shared)}
    assert len(seen) == 1 and sorted(seen[0]) == sorted(digests)   # after the commit
    assert {r.sha256: r.status for r in db.session.scalars(select(PreservationCopy))} == \
        dict.fromkeys(digests, "pending")

    outcomes = preservation.run_pending(db.session, wiring.storage(), settings(tmp_path))
    assert sorted(o.status for o in outcomes) == ["done", "done"]
    row = copy_row(pdf_of(sealed))
    assert row.status == "done" and row.method == "converted" and row.attempts == 1
    assert row.pdfa_sha256 not in (None, row.sha256)
    assert pdfa_part(blob(row.pdfa_sha256)) == "2B"
    # the signed original: same bytes, still valid
    assert blob(pdf_of(sealed)) == signed and statuses(blob(pdf_of(sealed)), signing_pki) == \
        ["valid"]
    assert db.session.get(Blob, row.pdfa_sha256).size == len(blob(row.pdfa_sha256))
    assert audits("preservation_copy") == 2

    # nothing more to do, and asking again adds nothing
    assert preservation.run_pending(db.session, wiring.storage(), settings(tmp_path)) == []
    assert preservation.request_copies(db.session, digests) == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PreservationCopy)) == 2


def test_the_whole_document_ocr_copy_is_reused(app, tmp_path):
    doc = register("ban-quet.pdf", scanned_pdf())
    sha = pdf_of(doc)
    text = extraction.run_extraction(db.session, wiring.storage(), sha,
                                     extraction.ExtractionSettings(workdir=tmp_path / "ocr"))
    assert text.status == "done" and text.method == "ocr"
    derivative = db.session.get(ExtractedText, sha).derivative_sha256
    transfer(make_file(doc))
    outcome = preservation.run_copy(db.session, wiring.storage(), sha, settings(tmp_path))
    assert outcome.status == "done" and outcome.method == "reused"
    assert copy_row(sha).pdfa_sha256 == derivative          # stored once, not remade


def test_a_corrupt_pdf_fails_once_with_its_reason_and_is_not_retried(app, tmp_path):
    digest, _new = store(db.session, wiring.storage(), b"%PDF-1.7\n1 0 obj << broken")
    preservation.request_copies(db.session, [digest])
    db.session.commit()
    [outcome] = preservation.run_pending(db.session, wiring.storage(), settings(tmp_path))
    assert outcome.status == "failed"
    row = copy_row(digest)
    assert row.status == "failed" and row.attempts == 1 and row.pdfa_sha256 is None
    assert "tệp PDF bị hỏng" in row.error
    assert preservation.run_pending(db.session, wiring.storage(), settings(tmp_path)) == []
    assert audits("preservation_copy_failed") == 1
    # an administrator fixed the cause: back to pending with fresh attempts
    assert preservation.retry_failed(db.session) == [digest]
    db.session.commit()
    assert copy_row(digest).status == "pending" and copy_row(digest).attempts == 0


def test_a_passing_failure_is_retried_at_most_max_attempts(app, tmp_path):
    digest, _new = store(db.session, wiring.storage(), scanned_pdf())
    preservation.request_copies(db.session, [digest])
    db.session.commit()
    slow = settings(tmp_path)
    slow = type(slow)(pdfa=type(slow.pdfa)(workdir=tmp_path / "work", seconds_per_page=0.05,
                                            startup_seconds=0.1),
                      max_attempts=3, retry_after=(0,))
    passes = [[o.status for o in preservation.run_pending(db.session, wiring.storage(), slow)]
              for _ in range(4)]
    assert passes == [["retry"], ["retry"], ["failed"], []]
    row = copy_row(digest)
    assert row.status == "failed" and row.attempts == 3 and "quá thời gian" in row.error


def test_a_retry_waits_its_turn(app, tmp_path):
    digest, _new = store(db.session, wiring.storage(), b"%PDF-1.4 not really")
    preservation.request_copies(db.session, [digest])
    db.session.commit()
    db.session.execute(PreservationCopy.__table__.update().values(attempts=1))
    db.session.commit()
    waiting = settings(tmp_path, retry_after=(3600,))
    assert preservation.ripe_digests(db.session, waiting) == []
    assert preservation.ripe_digests(db.session, settings(tmp_path)) == [digest]


def test_damaged_original_bytes_are_never_converted(app, tmp_path):
    doc = register("bao-cao.pdf", text_pdf(("Báo cáo tổng kết công tác năm 2026",)))
    sha = pdf_of(doc)
    path = wiring.storage().path(sha)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[200] ^= 0x20
    path.write_bytes(bytes(data))
    transfer(make_file(doc))
    [outcome] = preservation.run_pending(db.session, wiring.storage(), settings(tmp_path))
    assert outcome.status == "failed"
    assert "không còn khớp mã SHA-256" in copy_row(sha).error


def test_flask_preservation_pdfa_catches_up_and_reports(app, tmp_path):
    doc = register("to-trinh.pdf", text_pdf(("Tờ trình về kế hoạch bảo quản tài liệu",)))
    transfer(make_file(doc))
    db.session.execute(PreservationCopy.__table__.delete())   # a file archived before H4
    db.session.commit()
    runner = app.test_cli_runner()
    pending_only = runner.invoke(args=["preservation", "pdfa", "--pending"])
    assert pending_only.exit_code == 0, pending_only.output
    assert "Xong: 0" in pending_only.output
    result = runner.invoke(args=["preservation", "pdfa"])
    assert result.exit_code == 0, result.output
    assert "Thêm mới 1" in result.output and "Xong: 1, lỗi: 0" in result.output
    assert copy_row(pdf_of(doc)).status == "done"
    status = runner.invoke(args=["preservation", "status"])
    assert "xong        (done   ): 1" in status.output
    bad, _new = store(db.session, wiring.storage(), b"not a pdf")
    preservation.request_copies(db.session, [bad])
    db.session.commit()
    failing = runner.invoke(args=["preservation", "pdfa", "--pending"])
    assert failing.exit_code == 1 and "lỗi: 1" in failing.output


def test_on_the_embedded_default_the_thread_makes_the_copies_after_the_transfer(app):
    worker = pjobs.start_preservation_worker(app, poll_seconds=30, start_delay=0)
    try:
        doc = register("quyet-dinh.pdf", text_pdf(("Quyết định ban hành quy chế lưu trữ",)))
        transfer(make_file(doc))                        # its commit pokes the thread
        end = time.monotonic() + 90
        while time.monotonic() < end and (copy_row(pdf_of(doc)) is None
                                          or copy_row(pdf_of(doc)).status != "done"):
            time.sleep(0.2)
        assert copy_row(pdf_of(doc)).status == "done"
    finally:
        worker.stop()
