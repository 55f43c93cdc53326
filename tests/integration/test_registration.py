"""Registering incoming documents against a real database (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import wiring
from app.extensions import db
from archive import directory
from archive.errors import DuplicateSuspected
from archive.identity import Actor
from archive.models import AuditEntry, Document, Register
from tests.conftest import incoming_fields, make_image, make_pdf, unique_pdf
from workflows import incoming
from workflows.incoming import Upload


def clerk() -> Actor:
    return Actor.of(directory.find_staff(db.session, "vanthu"))


_serial = iter(range(1000, 100000))


def register(fields=None, files=None, **kwargs):
    fields = fields or incoming_fields(code_number=str(next(_serial)))
    return incoming.register_incoming(
        db.session, clerk(), wiring.storage(), wiring.limits(), fields,
        files or [Upload("scan.pdf", unique_pdf())], today=kwargs.pop("today", date(2026, 11, 21)),
        **kwargs)


def test_numbers_start_at_one_and_follow_each_other(app):
    numbers = [register().document.arrival_number for _ in range(3)]
    assert numbers == [1, 2, 3]
    reg = db.session.scalar(select(Register))
    assert reg.name == "Sổ đăng ký văn bản đến năm 2026" and reg.last_number == 3


def test_parallel_registrations_get_gap_free_unique_numbers(app):
    """24 clerks press the button at once; 4 of them send a broken file."""
    engine = db.engine
    actor = clerk()
    storage, limits = wiring.storage(), wiring.limits()
    results, errors = [], []
    barrier = threading.Barrier(24)

    def one(i: int):
        files = [Upload("scan.pdf", b"%PDF-1.4 broken" if i % 6 == 5 else unique_pdf())]
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                reg = incoming.register_incoming(
                    session, actor, storage, limits, incoming_fields(code_number=str(100 + i)),
                    files, today=date(2026, 11, 21))
                results.append(reg.document.arrival_number)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(errors) == 4 and all(e.code == "invalid_file" for e in errors), errors
    assert sorted(results) == list(range(1, 21))
    stored = db.session.scalars(select(Document.arrival_number)).all()
    assert sorted(stored) == list(range(1, 21))
    assert db.session.scalar(select(Register.last_number)) == 20


def test_year_rollover(app):
    last_2025 = None
    for i, day in enumerate((date(2025, 12, 30), date(2025, 12, 31), date(2025, 12, 31))):
        last_2025 = register(incoming_fields(arrival_date=day.isoformat(), code_number=str(300 + i),
                                             issued_date="2025-12-01"), today=day).document
    first_2026 = register(incoming_fields(arrival_date="2026-01-01", issued_date="2025-12-30",
                                          code_number="501"),
                          today=date(2026, 1, 1)).document
    second_2026 = register(incoming_fields(arrival_date="2026-01-02", issued_date="2025-12-30",
                                           code_number="502"),
                           today=date(2026, 1, 2)).document
    assert last_2025.arrival_number == 3 and last_2025.register.year == 2025
    assert first_2026.arrival_number == 1 and first_2026.register.year == 2026
    assert second_2026.arrival_number == 2
    assert first_2026.register_id != last_2025.register_id


def test_a_register_refuses_another_year_and_earlier_dates(app):
    doc = register().document  # 03/11/2026 into the 2026 register
    with pytest.raises(Exception) as exc:
        register(incoming_fields(arrival_date="2026-11-01", issued_date="2026-10-01",
                                 register_id=doc.register_id))
    assert "thứ tự tiếp nhận" in exc.value.message.vi
    assert db.session.scalar(select(Register.last_number)) == 1


def test_duplicate_by_number_notation_and_issuer(app):
    first = register(incoming_fields()).document
    same = incoming_fields(code_number="012", code_notation="ubnd-vx",
                           issuer_name="ỦY BAN NHÂN DÂN TỈNH DEMO")
    with pytest.raises(DuplicateSuspected) as exc:
        register(same)
    assert exc.value.extra["duplicates"][0]["id"] == first.id
    assert db.session.scalar(select(func.count(Document.id))) == 1
    second = register(same, confirm_duplicate=True)
    assert second.document.arrival_number == 2
    assert [d.id for d in second.duplicates] == [first.id]


def test_duplicate_by_same_file_bytes(app):
    pdf = make_pdf(("Cùng một bản quét",))
    register(files=[Upload("a.pdf", pdf)])
    with pytest.raises(DuplicateSuspected):
        register(incoming_fields(code_number="99", code_notation="KH-ABC"),
                 files=[Upload("b.pdf", pdf)])


def test_scanned_images_become_lossless_pdfs(app):
    tiff = make_image("TIFF", frames=3)
    doc = register(files=[Upload("scan.tiff", tiff),
                          Upload("phu-luc.jpg", make_image("JPEG"), "attachment")]).document
    main, attachment = doc.files
    assert (main.media_type, main.page_count, main.role) == ("image/tiff", 3, "main")
    assert attachment.role == "attachment" and attachment.page_count == 1
    storage = wiring.storage()
    assert storage.get(main.sha256) == tiff  # the original bytes, untouched
    assert storage.get(main.pdf_sha256).startswith(b"%PDF")
    assert doc.page_count == 3


def test_registration_is_audited_and_chain_verifies(app):
    doc = register().document
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "register"))
    assert entry.object_id == str(doc.id) and entry.actor_name == "vanthu"
    from archive.audit import verify_chain
    assert verify_chain(db.session).ok


def test_idempotency_key_returns_the_first_registration(app):
    first = register(idempotency_key="abc-1")
    again = register(idempotency_key="abc-1")
    assert again.replayed and again.document.id == first.document.id
    assert db.session.scalar(select(func.count(Document.id))) == 1
