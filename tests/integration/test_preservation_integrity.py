"""Integrity runs on SQLite and PostgreSQL over a real blob store: nothing on a
clean store; a flipped byte, a missing blob and an orphan found (the storage's
temporary files and destroyed files' bytes are not problems); a signature that
no longer validates; one run at a time; ``flask preservation integrity``.
"""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from archive.db import utcnow
from archive.errors import Conflict, PermissionDenied
from archive.filing_models import IntegrityRun
from archive.models import AuditEntry, Blob, DocumentFile
from archive.storage import sha256_hex
from tests.archive_support import who
from tests.preservation_support import pdf_of, register, signed_pdf, signing_app
from tests.unit.test_extraction import text_pdf
from workflows import integrity
from workflows.issuing import validate_bytes
from workflows.signing_service import SigningService, SigningSettings


@pytest.fixture
def app(database_url, tmp_path, signing_pki):
    application = signing_app(database_url, tmp_path / "data", signing_pki)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def documents(app, signing_pki):
    """A signed PDF and two plain ones, registered (signatures validated)."""
    signed = register("da-ky.pdf", signed_pdf(signing_pki))
    plain = [register(f"van-ban-{i}.pdf", text_pdf((f"Công văn số {i} về lịch công tác",)))
             for i in (1, 2)]
    return signed, plain


def run(validate=True):
    db.session.expire_all()
    return integrity.run_now(db.session, wiring.storage(), who("luutru"),
                             wiring.signature_validator() if validate else None)


def kinds(run_) -> list[tuple[str, str]]:
    return sorted((p["kind"], p["sha256"]) for p in run_.problems)


def flip_byte(sha256: str) -> None:
    path = wiring.storage().path(sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x04
    path.write_bytes(bytes(data))


def test_a_clean_store_has_no_problem(documents):
    _signed, _plain = documents
    blobs = db.session.scalar(select(func.count()).select_from(Blob))
    done = run()
    assert done.status == "done" and done.problems == []
    assert done.total == done.done == blobs + 1 and done.signatures_checked == 1
    assert done.bytes_checked == db.session.scalar(select(func.sum(Blob.size)))
    assert done.finished_at is not None
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "integrity_run")))
    assert actions == ["integrity_run_start", "integrity_run"]


def test_a_flipped_byte_a_missing_blob_and_an_orphan_are_found(documents):
    _signed, (one, two) = documents
    storage = wiring.storage()
    flip_byte(pdf_of(one))
    storage.path(pdf_of(two)).unlink()
    orphan, _ = storage.put(b"bytes nobody registered")
    tmp = storage.path(orphan).parent / ".tmp-upload-in-progress"
    tmp.write_bytes(b"half a file")                      # a write in progress: not a blob
    found = run()
    assert found.status == "done"
    assert kinds(found) == sorted([("mismatch", pdf_of(one)), ("missing", pdf_of(two)),
                                   ("orphan", orphan)])
    assert found.signatures_checked == 1                 # the signed PDF is intact


def test_bytes_destroyed_by_a_disposal_decision_are_expected_gone(documents):
    _signed, (one, two) = documents
    storage = wiring.storage()
    file = db.session.get(DocumentFile, one.files[0].id)
    file.destroyed_at = utcnow()
    db.session.commit()
    storage.path(pdf_of(one)).unlink()
    assert run().problems == []
    # the same bytes still held by a live file: then their absence is a problem
    twin = db.session.get(DocumentFile, two.files[0].id)
    db.session.add(DocumentFile(document_id=twin.document_id, role="attachment", position=5,
                                name="ban-sao.pdf", media_type="application/pdf",
                                sha256=pdf_of(one), size=file.size, pdf_sha256=pdf_of(one)))
    db.session.commit()
    assert kinds(run()) == [("missing", pdf_of(one))]


def test_a_signature_that_no_longer_validates_is_reported(documents, app):
    signed, _plain = documents
    # the trust root the signature was validated against is withdrawn
    service = SigningService(SigningSettings(tsa_url=None, trust_roots=(), demo_roots=(),
                                             allow_fetching=False))
    done = integrity.run_now(db.session, wiring.storage(), None,
                             lambda pdf: validate_bytes(service, pdf))
    assert kinds(done) == [("signature", pdf_of(signed))]
    assert done.problems[0]["detail"].startswith("valid → untrusted")
    assert run().problems == []                          # with the root back: fine again


def test_one_run_at_a_time_and_only_for_keepers(documents):
    first = integrity.start_run(db.session, who("luutru"))
    with pytest.raises(Conflict) as info:
        integrity.start_run(db.session, who("quantri"))  # a double click, a second admin
    assert info.value.extra["run_id"] == first.id
    with pytest.raises(PermissionDenied):
        integrity.start_run(db.session, who("chuyenvien.vh"))
    assert db.session.scalar(select(func.count()).select_from(IntegrityRun)) == 1
    finished = integrity.execute_run(db.session, wiring.storage(), first.id)
    assert finished.status == "done"
    assert integrity.start_run(db.session, who("quantri")).id != first.id


def test_a_run_left_running_by_a_stopped_process_is_abandoned(documents):
    stuck = integrity.start_run(db.session, None)
    stuck.started_at = utcnow() - timedelta(days=1)
    db.session.commit()
    fresh = integrity.start_run(db.session, None)
    db.session.refresh(stuck)
    assert stuck.status == "failed" and stuck.problems[0]["kind"] == "error"
    assert fresh.status == "running"


def test_flask_preservation_integrity_prints_the_report_and_exits_1(documents, app):
    _signed, (one, _two) = documents
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["preservation", "integrity"])
    assert clean.exit_code == 0, clean.output
    assert "Không phát hiện vấn đề." in clean.output
    flip_byte(pdf_of(one))
    broken = runner.invoke(args=["preservation", "integrity"])
    assert broken.exit_code == 1
    assert f"[mismatch] {pdf_of(one)}" in broken.output and "1 vấn đề." in broken.output
    assert sha256_hex(wiring.storage().path(pdf_of(one)).read_bytes()) != pdf_of(one)
