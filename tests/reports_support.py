"""Seeding for the report and dashboard tests: the minimal rows the figures read.

Documents are inserted directly (not through registration and routing): a
registered incoming document, the leader's direction (ProcessingNote with the
lead department and the specialist), the route's finish (ProcessInstance
``finished``, ``finished_at``) and the status the route leaves (``done`` …);
for outgoing documents the OutgoingDocument row with ``issued_at`` and
SignatureRecords. Each seeded document states the category it must fall in,
written by hand here, so the tests count what they seeded.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from archive.models import (Blob, Department, Document, OutgoingDocument, ProcessDefinition,
                            ProcessingNote, ProcessInstance, Register, SignatureRecord, Staff)

VN = timezone(timedelta(hours=7))


@dataclass
class In:
    name: str
    arrival: date
    dept: str | None          # lead department abbreviation
    handler: str | None       # username of the specialist
    due: date | None
    finished: datetime | None  # route finished at (aware)
    expected: str | None      # category, None = outside the period
    channel: str = "paper"
    status: str | None = None  # default: done when finished, else assigned


@dataclass
class Out:
    name: str
    issued: date | None
    dept: str
    signed: str | None        # leader | seal | None
    channel: str
    counted: bool


def _one(session, model, **where):
    return session.scalar(select(model).filter_by(**where))


def _register(session, org_id: int, direction: str, year: int) -> Register:
    reg = session.scalar(select(Register).where(Register.organization_id == org_id,
                                                Register.direction == direction,
                                                Register.year == year,
                                                Register.confidential.is_(False)))
    if reg is None:
        reg = Register(organization_id=org_id, direction=direction, year=year,
                       name=f"Sổ {direction} {year}", is_default=True)
        session.add(reg)
        session.flush()
    return reg


def _definition(session) -> ProcessDefinition:
    row = session.scalar(select(ProcessDefinition).limit(1))
    if row is None:
        row = ProcessDefinition(process_key="incoming_document", version=99, name="test",
                                xml=b"<x/>", sha256="0" * 64)
        session.add(row)
        session.flush()
    return row


def seed(session, incoming: list[In], outgoing: list[Out]) -> dict[str, int]:
    """Insert the documents; returns their ids by name."""
    clerk = _one(session, Staff, username="vanthu")
    org_id = clerk.organization_id
    depts = {d.abbreviation: d.id for d in session.scalars(
        select(Department).where(Department.organization_id == org_id))}
    staff = {s.username: s.id for s in session.scalars(select(Staff))}
    definition = _definition(session)
    blob = hashlib.sha256(b"report-test").hexdigest()
    if session.get(Blob, blob) is None:
        session.add(Blob(sha256=blob, size=1))
    ids: dict[str, int] = {}
    numbers: dict[int, int] = {}
    for i, spec in enumerate(incoming, 1):
        reg = _register(session, org_id, "incoming", spec.arrival.year)
        numbers[reg.id] = numbers.get(reg.id, 1000) + 1
        status = spec.status or ("done" if spec.finished else "assigned")
        doc = Document(organization_id=org_id, direction="incoming", register_id=reg.id,
                       arrival_number=numbers[reg.id], arrival_date=spec.arrival,
                       code_number=str(100 + i), code_notation="UBND-VX",
                       issued_date=spec.arrival - timedelta(days=2),
                       issuer_name="UBND tỉnh Thử Nghiệm", document_type="CV",
                       subject=f"Công văn {spec.name}", due_date=spec.due,
                       channel=spec.channel, status=status, created_by_id=clerk.id)
        session.add(doc)
        session.flush()
        ids[spec.name] = doc.id
        if spec.dept:
            session.add(ProcessingNote(
                document_id=doc.id, step="direct", step_name="Chỉ đạo", kind="direction",
                actor_name="Lãnh đạo", lead_department_id=depts[spec.dept], deadline=spec.due,
                at=datetime.combine(spec.arrival, datetime.min.time(), VN) + timedelta(hours=9)))
        if spec.handler:
            session.add(ProcessingNote(
                document_id=doc.id, step="assign", step_name="Giao xử lý", kind="assign",
                actor_name="Trưởng phòng", assignee_id=staff[spec.handler],
                at=datetime.combine(spec.arrival, datetime.min.time(), VN) + timedelta(hours=10)))
        session.add(ProcessInstance(
            organization_id=org_id, definition_id=definition.id, document_id=doc.id,
            state=b"{}", serializer_version="test", definition_sha256=definition.sha256,
            status="finished" if spec.finished else "running", finished_at=spec.finished))
    for i, spec in enumerate(outgoing, 1):
        year = (spec.issued or date(2026, 1, 1)).year
        reg = _register(session, org_id, "outgoing", year)
        doc = Document(organization_id=org_id, direction="outgoing", register_id=reg.id,
                       arrival_number=500 + i if spec.issued else None,
                       code_number=str(500 + i) if spec.issued else None,
                       code_notation="SVHTTDL-VP", issued_date=spec.issued,
                       document_type="CV", subject=f"Công văn đi {spec.name}",
                       signer_name="Lê Minh Đức", recipients="UBND tỉnh",
                       channel=spec.channel, status="issued" if spec.issued else "draft",
                       created_by_id=clerk.id)
        session.add(doc)
        session.flush()
        ids[spec.name] = doc.id
        issued_at = (datetime.combine(spec.issued, datetime.min.time(), VN)
                     + timedelta(hours=15)) if spec.issued else None
        session.add(OutgoingDocument(document_id=doc.id, department_id=depts[spec.dept],
                                     drafter_id=clerk.id, issued_at=issued_at,
                                     archive_units="VT, " + spec.dept))
        if spec.signed:
            session.add(SignatureRecord(
                document_id=doc.id, kind=spec.signed, source="pkcs12", level="B-B",
                requested_level="B-B", subject="CN=test", input_sha256=blob,
                output_sha256=blob))
    session.commit()
    return ids


def at(d: date, hour: int) -> datetime:
    """A moment on local day ``d`` (Vietnam)."""
    return datetime.combine(d, datetime.min.time(), VN) + timedelta(hours=hour)
