"""Backup and restore on SQLite and PostgreSQL: back up, wipe the database and
the blobs, restore, and everything verifies again (an integrity run is clean,
documents open with the same bytes, a signed PDF still validates). A target
holding data is refused without --force; a damaged backup set is refused before
anything is touched; the manifest checks with the standard ``sha256sum -c``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest
from sqlalchemy import func, select, text

from app import wiring
from app.extensions import db
from archive.backup import INFO, MANIFEST
from archive.models import Document
from tests.archive_support import who
from tests.conftest import Browser
from tests.preservation_support import (
    pdf_of,
    register,
    signed_pdf,
    signing_app,
    statuses,
)
from tests.unit.test_extraction import text_pdf
from workflows import integrity


@pytest.fixture
def app(database_url, tmp_path, signing_pki):
    application = signing_app(database_url, tmp_path / "data", signing_pki)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def documents(app, signing_pki):
    signed = register("da-ky.pdf", signed_pdf(signing_pki))
    plain = register("ke-hoach.pdf", text_pdf(("Kế hoạch bảo quản tài liệu năm 2026",)))
    return {"signed": (signed.id, signed.files[0].id, pdf_of(signed)),
            "plain": (plain.id, plain.files[0].id, pdf_of(plain))}


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["preservation", *args])


def wipe(app) -> None:
    """Lose the database and the blob store (a dead disk)."""
    db.session.remove()
    db.engine.dispose()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        os.remove(url.split("///", 1)[1])
    else:
        with db.engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.commit()
        db.engine.dispose()
    shutil.rmtree(wiring.storage().root)


def documents_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


def test_backup_wipe_restore_and_everything_verifies_again(app, documents, signing_pki,
                                                           tmp_path):
    originals = {k: wiring.storage().get(sha) for k, (_d, _f, sha) in documents.items()}
    count = documents_count()
    dest = tmp_path / "backup-set-1"
    made = cli(app, "backup", str(dest))
    assert made.exit_code == 0, made.output
    assert "hai phương tiện độc lập" in made.output
    check = subprocess.run(["sha256sum", "--quiet", "-c", MANIFEST], cwd=dest,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr   # standard tooling agrees

    wipe(app)
    assert not wiring.storage().root.exists()
    restored = cli(app, "restore", str(dest))
    assert restored.exit_code == 0, restored.output
    assert "flask search reindex" in restored.output

    db.session.remove()
    assert documents_count() == count
    clean = integrity.run_now(db.session, wiring.storage(), who("luutru"),
                              wiring.signature_validator())
    assert clean.status == "done" and clean.problems == [] and clean.signatures_checked == 1
    browser = Browser(app.test_client())
    assert browser.login("vanthu").status_code == 302
    for key, (doc_id, file_id, sha) in documents.items():
        got = browser.client.get(f"/documents/{doc_id}/files/{file_id}")
        assert got.status_code == 200 and got.data == originals[key]
        assert hashlib.sha256(got.data).hexdigest() == sha
    assert statuses(wiring.storage().get(documents["signed"][2]), signing_pki) == ["valid"]


def test_restore_refuses_a_target_with_data_unless_forced(app, documents, tmp_path):
    dest = tmp_path / "backup"
    assert cli(app, "backup", str(dest)).exit_code == 0
    later = register("sau-sao-luu.pdf", text_pdf(("Công văn đến sau khi sao lưu",)))
    later_id, later_sha = later.id, pdf_of(later)
    refused = cli(app, "restore", str(dest))
    assert refused.exit_code == 1 and "--force" in refused.output
    db.session.remove()
    assert db.session.get(Document, later_id) is not None      # nothing changed
    forced = cli(app, "restore", str(dest), "--force")
    assert forced.exit_code == 0, forced.output
    db.session.remove()
    assert db.session.get(Document, later_id) is None          # back to the backup's state
    assert not wiring.storage().exists(later_sha)
    aside = [p for p in wiring.storage().root.parent.iterdir() if ".before-restore-" in p.name]
    assert any(p.name.startswith("blobs.") for p in aside)     # moved aside, not deleted
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert any(p.name.startswith("eoffice.db.") for p in
                   os.scandir(os.path.dirname(app.config["SQLALCHEMY_DATABASE_URI"]
                                              .split("///", 1)[1])))


def test_a_damaged_backup_set_is_refused_before_anything_is_touched(app, documents, tmp_path):
    dest = tmp_path / "backup"
    assert cli(app, "backup", str(dest)).exit_code == 0
    victim = dest / "blobs" / documents["plain"][2][:2] / documents["plain"][2][2:4] / \
        documents["plain"][2]
    os.chmod(victim, 0o644)
    data = bytearray(victim.read_bytes())
    data[100] ^= 0x01
    victim.write_bytes(bytes(data))
    wipe(app)
    refused = cli(app, "restore", str(dest))
    assert refused.exit_code == 1 and "bị hỏng" in refused.output
    assert not wiring.storage().root.exists()                  # nothing restored
    incomplete = tmp_path / "incomplete"
    shutil.copytree(dest, incomplete)
    (incomplete / INFO).unlink()
    assert "không phải một bản sao lưu hoàn chỉnh" in cli(app, "restore", str(incomplete)).output


def test_a_backup_never_overwrites_an_earlier_set(app, documents, tmp_path):
    dest = tmp_path / "backup"
    assert cli(app, "backup", str(dest)).exit_code == 0
    manifest = (dest / MANIFEST).read_text()
    again = cli(app, "backup", str(dest))
    assert again.exit_code == 1 and "đã có dữ liệu" in again.output
    assert (dest / MANIFEST).read_text() == manifest
