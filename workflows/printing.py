"""Printing the incoming register for a date range (DOMAIN §2.11, Decree 30 Phụ lục IV).

The register kept in the system must be printed, signed and bound: the ten
columns, as PDF or XLSX, audited as a "print".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import access, audit, registers
from archive.errors import InvalidInput, Msg, NotFound
from archive.identity import Actor
from archive.models import Document

__all__ = ["PrintedRegister", "print_register"]


@dataclass
class PrintedRegister:
    filename: str
    media_type: str
    data: bytes


def _code(doc: Document) -> str:
    if doc.code_number and doc.code_notation:
        return f"{doc.code_number}/{doc.code_notation}"
    return doc.code_number or doc.code_notation or ""


def _type_and_subject(doc: Document) -> str:
    name = doc.doc_type.name if doc.doc_type else ""
    return f"{name} — {doc.subject}" if name else doc.subject


def print_register(session: Session, actor: Actor, register_id: int, date_from: date | None,
                   date_to: date | None, fmt: str) -> PrintedRegister:
    """The register's ten columns for a date range, as PDF or XLSX; audited."""
    from archive import register_print as rp
    access.require_register_reader(actor)
    reg = registers.get_register(session, actor.organization_id, register_id)
    if reg.confidential and not actor.has("clerk"):
        raise NotFound(access.NOT_FOUND)
    date_from = date_from or date(reg.year, 1, 1)
    date_to = date_to or date(reg.year, 12, 31)
    if date_to < date_from:
        msg = Msg("Ngày kết thúc trước ngày bắt đầu.", "The end date is before the start date.")
        raise InvalidInput(msg, {"to": msg})
    stmt = (select(Document).where(Document.register_id == reg.id,
                                   access.visibility_clause(actor),
                                   Document.arrival_date >= date_from,
                                   Document.arrival_date <= date_to)
            .order_by(Document.arrival_number))
    rows = (rp.RegisterRow(arrival_date=d.arrival_date, arrival_number=d.arrival_number,
                           issuer_name=d.issuer_name or "", code=_code(d),
                           issued_date=d.issued_date, type_and_subject=_type_and_subject(d),
                           recipients=d.recipients or "", transfer_date=None, signature="",
                           notes=d.notes or "")
            for d in session.scalars(stmt.execution_options(yield_per=500)))
    org = reg.organization
    header = rp.RegisterHeader(organization_name=org.name, parent_name=org.parent_name,
                               register_name=reg.name, date_from=date_from, date_to=date_to)
    if fmt == "xlsx":
        data = rp.incoming_register_xlsx(header, rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = rp.incoming_register_pdf(header, rows), "application/pdf"
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="print",
                 object_type="register", object_id=reg.id,
                 details={"from": date_from.isoformat(), "to": date_to.isoformat(),
                          "format": fmt})
    session.commit()
    name = f"so-den-{reg.year}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{fmt}"
    return PrintedRegister(name, media, data)
