"""Scanner intake end to end (SQLite and PostgreSQL): watched folders, OCR, suggestion.

A page rendered by Pillow at 300 dpi (tests/scanner_support.py) is dropped
in a register's folder as a PNG and as an image-only PDF; polling turns each
into a pending intake and moves the file to ``done/``; the job OCRs it
(Tesseract ``vie`` through ``archive.extraction``) and suggests the fields.
Crashes are simulated between the steps; hostile files end in ``failed/``.

OCR runs once per distinct PDF for the whole run (``ocr_cache``): both
backends and every test reuse the first result.
"""
from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import wiring
from app.extensions import db
from app.scanner import worker
from archive import registers
from archive.models import AuditEntry, Blob, Organization, ScanIntake
from tests.scanner_support import DECISION_EXPECTED, encrypted_pdf, page_pdf, page_png
from workflows import scanner
from workflows.incoming import vn_today
from workflows.scanner import FolderState, ScanSettings

_OCR_RESULTS: dict = {}
# img2pdf stamps the time and a random ID: the same page converted twice differs only there.
_VOLATILE = re.compile(rb"/(?:CreationDate|ModDate) \([^)]*\)|"
                       rb"/ID \[<[0-9a-fA-F]*> ?<[0-9a-fA-F]*>\]")


@pytest.fixture(scope="session")
def scanned():
    """The sample page as PNG and as image-only PDF (rendered once per run)."""
    return {"png": page_png(), "pdf": page_pdf()}


@pytest.fixture
def ocr_cache(monkeypatch):
    """Real OCR, once per distinct PDF for the whole session."""
    real = scanner._extract
    calls = []

    def cached(pdf, settings):
        calls.append(len(pdf))
        key = (_VOLATILE.sub(b"", pdf), settings.languages)
        if key not in _OCR_RESULTS:
            _OCR_RESULTS[key] = real(pdf, settings)
        return _OCR_RESULTS[key]
    monkeypatch.setattr(scanner, "_extract", cached)
    return calls


@pytest.fixture
def scan_env(app, tmp_path):
    """SCAN_DIR under tmp_path, this year's ordinary incoming register and its folder."""
    app.config["SCAN_DIR"] = str(tmp_path / "scans")
    app.config["SCAN_SETTLE_SECONDS"] = 0
    org = db.session.scalar(select(Organization).order_by(Organization.id))
    reg = registers.get_or_create_default(db.session, org.id, "incoming", vn_today().year, False)
    db.session.commit()
    folder = scanner.register_folder(Path(app.config["SCAN_DIR"]), reg.id)
    return {"dir": Path(app.config["SCAN_DIR"]), "folder": folder, "register": reg,
            "org": org}


def _poll(app, state=None, settle: float = 0, max_image_pixels: int = 80_000_000):
    report = scanner.poll(db.session, wiring.storage(), worker.scan_dir(app),
                          limits=wiring.limits(), state=state,
                          settings=ScanSettings(settle_seconds=settle,
                                                max_image_pixels=max_image_pixels))
    assert report.errors == []
    return report


def _intakes() -> list[ScanIntake]:
    db.session.expire_all()
    return list(db.session.scalars(select(ScanIntake).order_by(ScanIntake.id)))


def _drop(folder: Path, name: str, data: bytes) -> None:
    """Write like a careful scanner: a temporary name, then a rename."""
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.rename(tmp, folder / name)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != ".lock")


def _process(app, intake_id: int):
    return scanner.process_intake(db.session, wiring.storage(), intake_id,
                                  worker.settings(app))


def page_pdf_text(marker: str) -> bytes:
    """A small born-digital PDF (no OCR needed), different for every marker."""
    from tests.conftest import make_pdf
    return make_pdf((f"So: 12/UBND-VX {marker} {uuid.uuid4().hex}",))


def test_dropped_scans_become_intakes_with_suggested_metadata(app, scan_env, scanned,
                                                              ocr_cache):
    folder = scan_env["folder"]
    (folder / "quyet-dinh-125.png").write_bytes(scanned["png"])
    (folder / "quyet-dinh-125.pdf").write_bytes(scanned["pdf"])
    report = _poll(app)
    assert len(report.created) == 2 and report.failed == []
    intakes = _intakes()
    assert [i.status for i in intakes] == ["pending", "pending"]
    assert {i.source_name for i in intakes} == {"quyet-dinh-125.png", "quyet-dinh-125.pdf"}
    png = next(i for i in intakes if i.source_name.endswith(".png"))
    assert png.media_type == "image/png" and png.pdf_sha256 != png.sha256
    assert wiring.storage().get(png.sha256) == scanned["png"]  # the original, byte for byte
    # Moved, never lost: nothing left in the inbox or .processing; evidence in done/.
    assert _names(folder) == [] and _names(folder / ".processing") == []
    assert _names(folder / "done") == sorted(f"{i.id}-{i.source_name}" for i in intakes)
    assert (folder / "done" / f"{png.id}-quyet-dinh-125.png").read_bytes() == scanned["png"]

    started = time.monotonic()
    for intake in intakes:
        assert _process(app, intake.id) == "ready"
    print(f"OCR of 2 single-page scans: {time.monotonic() - started:.1f} s "
          f"({len(_OCR_RESULTS)} distinct PDF(s) OCR'd this run)")
    for intake in _intakes():
        assert intake.status == "ready" and intake.error is None
        s = intake.suggestion
        assert s["method"] == "ocr" and s["page_count"] == 1 and s["attempts"] == 1
        fields = s["fields"]
        for key, value in DECISION_EXPECTED.items():
            assert fields[key] == value, (key, fields, s["first_page"])
        assert "lễ hội" in fields["subject"] and "truyền thống" in fields["subject"]
        assert db.session.get(Blob, s["derivative_sha256"]) is not None  # searchable PDF/A
    assert db.session.scalar(select(func.count(AuditEntry.seq)).where(
        AuditEntry.action == "scan_received")) == 2
    assert _process(app, intakes[0].id) is None  # not pending any more: nothing to do


def test_a_crash_at_any_step_is_recovered_without_duplicates(app, scan_env, monkeypatch):
    folder = scan_env["folder"]
    pdf = page_pdf_text("crash")
    # 1. crash after the move into .processing, before the row: taken in by the next poll
    (folder / ".processing" / "a.pdf").write_bytes(pdf)
    report = _poll(app)
    assert report.recovered == 1 and len(report.created) == 1
    first = _intakes()[0]
    assert _names(folder / "done") == [f"{first.id}-a.pdf"]

    # 2. crash after the commit, before the move to done/: only moved, no second row
    (folder / "b.pdf").write_bytes(page_pdf_text("crash b"))
    real_move = scanner._move

    def crash_on_done(path, target_folder, name=None):
        if target_folder.name == "done":
            raise OSError("power cut")
        return real_move(path, target_folder, name)
    monkeypatch.setattr(scanner, "_move", crash_on_done)
    report = scanner.poll(db.session, wiring.storage(), scan_env["dir"],
                          limits=wiring.limits(), settings=ScanSettings(settle_seconds=0))
    assert len(report.created) == 1 and report.errors  # the row exists, the file did not move
    assert _names(folder / ".processing") == ["b.pdf"]
    monkeypatch.setattr(scanner, "_move", real_move)
    report = _poll(app)
    assert report.recovered == 1 and report.created == []
    assert len(_intakes()) == 2
    second = _intakes()[1]
    assert _names(folder / ".processing") == []
    assert f"{second.id}-b.pdf" in _names(folder / "done")

    # 3. crash before the commit (database gone mid-way): no row, file kept, next poll ok
    (folder / "c.pdf").write_bytes(page_pdf_text("crash c"))
    real_record = scanner.audit.record

    def db_down(*args, **kwargs):
        raise RuntimeError("database connection lost")
    monkeypatch.setattr(scanner.audit, "record", db_down)
    report = scanner.poll(db.session, wiring.storage(), scan_env["dir"],
                          limits=wiring.limits(), settings=ScanSettings(settle_seconds=0))
    assert report.created == [] and report.errors
    assert len(_intakes()) == 2 and _names(folder / ".processing") == ["c.pdf"]
    monkeypatch.setattr(scanner.audit, "record", real_record)
    report = _poll(app)
    assert report.recovered == 1 and len(report.created) == 1 and len(_intakes()) == 3
    assert _names(folder) == [] and _names(folder / ".processing") == []

    # 4. the same bytes dropped again while the first is still in the queue: no new row
    (folder / "a-again.pdf").write_bytes(pdf)
    report = _poll(app)
    assert report.duplicates == 1 and report.created == [] and len(_intakes()) == 3
    assert f"{first.id}-a-again.pdf" in _names(folder / "done")


def test_refused_files_fail_with_a_reason_and_are_kept(app, scan_env):
    from PIL import Image
    import io
    folder = scan_env["folder"]
    big = io.BytesIO()
    Image.new("1", (3000, 3000), 1).save(big, format="PNG")  # 9 Mpx, over the 4 Mpx below
    files = {"hong.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage \x00\xff",
             "mat-khau.pdf": encrypted_pdf(), "ghi-chu.docx": b"PK\x03\x04 not a scan",
             "anh-lon.png": big.getvalue(), "rong.pdf": b""}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = _poll(app, max_image_pixels=4_000_000)
    assert report.created == [] and len(report.failed) == 5
    by_name = {i.source_name: i for i in _intakes()}
    assert {i.status for i in by_name.values()} == {"failed"}
    assert "hỏng" in by_name["hong.pdf"].error
    assert "mã hóa" in by_name["mat-khau.pdf"].error
    assert "chỉ nhận PDF hoặc ảnh quét" in by_name["ghi-chu.docx"].error
    assert "anh-lon.png" in by_name["anh-lon.png"].error
    assert "rỗng" in by_name["rong.pdf"].error
    for name, data in files.items():  # never deleted: in failed/ with the same bytes
        intake = by_name[name]
        assert (folder / "failed" / f"{intake.id}-{name}").read_bytes() == data
        assert wiring.storage().get(intake.sha256) == data and intake.pdf_sha256 is None
    assert _names(folder) == [] and _names(folder / "done") == []
    # A refused file dropped again: no second row, moved to failed/ again.
    (folder / "hong-2.pdf").write_bytes(files["hong.pdf"])
    report = _poll(app)
    assert report.duplicates == 1 and len(_intakes()) == 5
    assert f"{by_name['hong.pdf'].id}-hong-2.pdf" in _names(folder / "failed")


def test_files_being_written_temporary_files_and_folders(app, scan_env):
    folder = scan_env["folder"]
    state = FolderState()
    target = folder / "dang-quet.pdf"
    data = page_pdf_text("slow scanner")
    with open(target, "wb") as fh:
        fh.write(data[:100])
    for name in (".~lock.x.pdf#", "scan.pdf.part", "scan.tmp", "~scan.pdf", ".hidden.pdf"):
        (folder / name).write_bytes(data)
    report = _poll(app, state, settle=3600)
    assert report.waiting == 1 and report.created == []
    with open(target, "ab") as fh:
        fh.write(data[100:])
    report = _poll(app, state, settle=3600)  # size changed since the previous look
    assert report.waiting == 1 and report.created == [] and target.exists()
    report = _poll(app, state, settle=3600)  # unchanged between two looks: complete
    assert len(report.created) == 1 and not target.exists()
    assert wiring.storage().get(_intakes()[0].sha256) == data
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == sorted(
        [".hidden.pdf", ".lock", ".~lock.x.pdf#", "scan.pdf.part", "scan.tmp", "~scan.pdf"])
    # Without a previous look, a file untouched for settle_seconds counts as complete.
    old = folder / "cu.pdf"
    old.write_bytes(page_pdf_text("old"))
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert len(_poll(app, None, settle=60).created) == 1

    # One folder per register; folders naming no register are reported, not read.
    reg = scan_env["register"]
    (scan_env["dir"] / "99999").mkdir()
    (scan_env["dir"] / "khong-phai-so").mkdir()
    report = _poll(app)
    assert sorted(report.unknown) == ["99999", "khong-phai-so"]
    for sub in (".processing", "done", "failed"):
        assert (scan_env["dir"] / str(reg.id) / sub).is_dir()
    # A second poller (e.g. `flask scanner poll` while the web thread runs) skips a busy folder.
    with scanner._locked(scan_env["folder"]) as mine:
        assert mine
        (scan_env["folder"] / "x.pdf").write_bytes(page_pdf_text("busy"))
        report = _poll(app)
        assert report.busy == 1 and report.created == []
    assert len(_poll(app).created) == 1


def test_ocr_retries_and_the_cli_pass(app, scan_env, monkeypatch):
    from archive.extraction import OcrTimedOut
    from archive.errors import Msg
    (scan_env["folder"] / "x.pdf").write_bytes(page_pdf_text("timeout"))
    intake_id = _poll(app).created[0]

    def timeout(pdf, settings):
        raise OcrTimedOut(Msg("Nhận dạng chữ (OCR) quá thời gian.", "OCR timed out."))
    monkeypatch.setattr(scanner, "_extract", timeout)
    settings = ScanSettings(max_attempts=2)
    assert scanner.process_intake(db.session, wiring.storage(), intake_id, settings) == "pending"
    assert _intakes()[0].error == "Nhận dạng chữ (OCR) quá thời gian."
    assert scanner.process_intake(db.session, wiring.storage(), intake_id, settings) == "ready"
    intake = _intakes()[0]
    assert intake.suggestion["attempts"] == 2 and intake.error and "fields" not in \
        intake.suggestion
    # A job that died mid-way (process killed) counted its try: no endless retries.
    (scan_env["folder"] / "y.pdf").write_bytes(page_pdf_text("killed"))
    killed = _poll(app).created[0]
    db.session.get(ScanIntake, killed).suggestion = {"attempts": 2}
    db.session.commit()
    assert scanner.process_intake(db.session, wiring.storage(), killed, settings) == "ready"
    assert "2 lần thử" in db.session.get(ScanIntake, killed).error
    monkeypatch.undo()

    # A born-digital PDF needs no OCR; `flask scanner poll --once` does the whole pass.
    (scan_env["folder"] / "x.pdf").write_bytes(page_pdf_text("cli"))
    result = app.test_cli_runner().invoke(args=["scanner", "poll", "--once"])
    assert result.exit_code == 0, result.output
    assert "Tệp mới: 1" in result.output and "ready" in result.output
    intake = _intakes()[2]
    assert intake.status == "ready" and intake.suggestion["method"] == "text"
    assert intake.suggestion["fields"]["code_number"] == "12"
    result = app.test_cli_runner().invoke(args=["scanner", "folders"])
    assert str(scan_env["folder"]) in result.output


def test_embedded_watcher_thread(app, scan_env, scanned, ocr_cache):
    app.config["SCAN_POLL_SECONDS"] = 0.2
    watcher = worker.start_scanner_thread(app)
    assert watcher is not None
    try:
        _drop(scan_env["folder"], "scan.png", scanned["png"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = db.session.scalar(select(ScanIntake.status).limit(1))
            db.session.rollback()  # SQLite: never hold the lock the watcher needs
            if status == "ready":
                break
            time.sleep(0.2)
    finally:
        watcher.stop()
    intake = _intakes()[0]
    assert intake.status == "ready", intake.error
    assert intake.suggestion["fields"]["code_notation"] == "QĐ-UBND"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    assert worker.start_scanner_thread(app) is None  # production: `flask scanner watch`


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_production_ocr_runs_as_an_rq_job(app, backend, scan_env, scanned, ocr_cache):
    from redis import Redis
    from rq import SimpleWorker

    from app import jobs
    app.config["REDIS_URL"] = os.environ.get("EOFFICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    app.config["RQ_QUEUE"] = name = f"eoffice-test-{uuid.uuid4().hex}"
    queue = jobs.queue(app, name)
    enqueued = []
    try:
        (scan_env["folder"] / "scan.pdf").write_bytes(scanned["pdf"])
        report = worker.run_pass(app)
        enqueued = report.enqueued
        assert len(report.poll.created) == 1 and enqueued == report.poll.created
        assert worker.run_pass(app).enqueued == enqueued  # still pending: the same job
        assert queue.count == 1
        jobs._worker_app = app
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        jobs._worker_app = None
        queue.delete(delete_jobs=True)
        redis = Redis.from_url(app.config["REDIS_URL"])
        for intake_id in enqueued:
            redis.delete(f"rq:job:{worker.JOB_PREFIX}-{intake_id}")
        redis.close()
    intake = _intakes()[0]
    assert intake.status == "ready"
    assert intake.suggestion["fields"]["issued_date"] == DECISION_EXPECTED["issued_date"]
