"""Builders for the agency-archive tests (transfer, retention, disposal, access).

Documents are registered through the real use case; case files are written
through the models in the state H2's ``close_file`` leaves them (closed, with
``transfer_due`` and ``retain_until`` from ``archive.filing_rules``), so these
tests do not depend on the case-file pages.
"""
from __future__ import annotations

from datetime import date, datetime, time
from itertools import count

from sqlalchemy import select

from app import wiring
from app.extensions import db
from archive import directory, filing_rules
from archive.filing_models import FILE_CLOSED, CaseFile, CaseFileItem
from archive.identity import Actor
from archive.models import Department, Document
from tests.conftest import incoming_fields, unique_pdf
from workflows import archive_transfer, incoming
from workflows.current_archive import VN_TZ
from workflows.incoming import Upload

TODAY = date(2026, 11, 23)
_serial = count(7000)
_codes = count(1)


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def staff_id(username: str) -> int:
    return directory.find_staff(db.session, username).id


def dept(abbrev: str) -> int:
    return db.session.scalar(select(Department.id).where(Department.abbreviation == abbrev))


def at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in Vietnam on ``day``."""
    return datetime.combine(day, time(hour), tzinfo=VN_TZ)


def register(subject: str = "Công văn về hồ sơ lưu trữ", data: bytes | None = None,
             **fields) -> Document:
    """An incoming document registered by the clerk (one PDF)."""
    values = incoming_fields(code_number=str(next(_serial)), subject=subject,
                             arrival_date="2025-01-10", issued_date="2025-01-08", **fields)
    return incoming.register_incoming(
        db.session, who("vanthu"), wiring.storage(), wiring.limits(), values,
        [Upload("van-ban.pdf", data or unique_pdf())], today=date(2025, 1, 10),
        confirm_duplicate=data is not None).document


def make_file(*docs: Document, creator: str = "chuyenvien.vh", status: str = FILE_CLOSED,
              end_date: date | None = date(2025, 1, 20), years: int | None = 10,
              kind: str = "general", settlement_date: date | None = None,
              rights: str = "open", title: str | None = None, code: str | None = None,
              year: int = 2025) -> CaseFile:
    """A case file holding ``docs`` by reference, dated as closing would date it."""
    person = directory.find_staff(db.session, creator)
    code = code or f"{next(_codes):02d}.TEST"
    cf = CaseFile(
        organization_id=person.organization_id, year=year, code=code,
        title=title or f"Hồ sơ thử nghiệm {code}", retention_years=years, rights=rights,
        creator_id=person.id, department_id=person.department_id, kind=kind,
        start_date=date(year, 1, 2), end_date=end_date if status == FILE_CLOSED else None,
        settlement_date=settlement_date, status=status, version=1,
        transfer_due=(filing_rules.transfer_due(kind, end_date, settlement_date)
                      if status == FILE_CLOSED else None),
        retain_until=filing_rules.retain_until(end_date, years) if status == FILE_CLOSED
        else None)
    for n, doc in enumerate(docs, start=1):
        cf.items.append(CaseFileItem(document_id=doc.id, ordinal=n, added_by_id=person.id))
    db.session.add(cf)
    db.session.commit()
    return cf


def transfer(*files: CaseFile, handed_by: str = "chuyenvien.vh", today: date = TODAY):
    """The archivist receives ``files`` (all of one department)."""
    return archive_transfer.receive_transfer(
        db.session, who("luutru"), department_id=files[0].department_id,
        file_ids=[f.id for f in files], handed_by_id=staff_id(handed_by), today=today)
