"""Registers (sổ) and their number sequences (DOMAIN §2.5, checklist 1).

One sequence per register; a register belongs to one organisation, one
direction and one calendar year, and confidential documents have their own
register. A number is taken by an atomic ``UPDATE ... RETURNING`` inside the
registering transaction: the row stays locked until commit (PostgreSQL row
lock; SQLite write lock), and a rollback gives the number back, so numbers are
gap-free and unique under concurrency and a failed registration consumes none.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.errors import InvalidInput, Msg, NotFound
from archive.models import Register

__all__ = ["default_register_name", "get_or_create_default", "take_number", "get_register",
           "registers_for"]


def default_register_name(direction: str, year: int, confidential: bool) -> str:
    kind = "đến" if direction == "incoming" else "đi"
    secret = "mật " if confidential else ""
    return f"Sổ đăng ký văn bản {secret}{kind} năm {year}"


def get_or_create_default(session: Session, organization_id: int, direction: str, year: int,
                          confidential: bool) -> Register:
    """The organisation's default register for that year (created on first use)."""
    stmt = select(Register).where(
        Register.organization_id == organization_id, Register.direction == direction,
        Register.year == year, Register.confidential == confidential,
        Register.is_default.is_(True))
    found = session.scalar(stmt)
    if found:
        return found
    reg = Register(organization_id=organization_id, direction=direction, year=year,
                   confidential=confidential, is_default=True, last_number=0,
                   name=default_register_name(direction, year, confidential))
    try:
        with session.begin_nested():
            session.add(reg)
    except IntegrityError:  # created meanwhile by a concurrent registration
        return session.scalar(stmt)
    return reg


def get_register(session: Session, organization_id: int, register_id: int) -> Register:
    reg = session.get(Register, register_id)
    if reg is None or reg.organization_id != organization_id:
        msg = Msg("Sổ đăng ký không tồn tại.", "Unknown register.")
        raise NotFound(msg, {"register_id": msg})
    return reg


def registers_for(session: Session, organization_id: int, direction: str,
                  include_confidential: bool) -> list[Register]:
    stmt = select(Register).where(Register.organization_id == organization_id,
                                  Register.direction == direction)
    if not include_confidential:
        stmt = stmt.where(Register.confidential.is_(False))
    return list(session.scalars(stmt.order_by(Register.year.desc(), Register.confidential,
                                              Register.name)))


def take_number(session: Session, register: Register, arrival_date: date) -> int:
    """Next number of ``register`` for a document received on ``arrival_date``.

    Numbers follow the order of receipt (Decree 30, Điều 22.2), so a date
    earlier than the last one registered is refused, as is a date outside the
    register's year. Raises ``InvalidInput``; the caller rolls back.
    """
    row = session.execute(
        update(Register).where(Register.id == register.id)
        .values(last_number=Register.last_number + 1)
        .returning(Register.last_number, Register.last_arrival_date, Register.year)
    ).one()
    if arrival_date.year != row.year:
        msg = Msg(f"Ngày đến {arrival_date:%d/%m/%Y} không thuộc năm {row.year} của sổ này.",
                  f"Arrival date {arrival_date:%d/%m/%Y} is outside this register's year "
                  f"{row.year}.")
        raise InvalidInput(msg, {"arrival_date": msg})
    if row.last_arrival_date and arrival_date < row.last_arrival_date:
        msg = Msg(f"Số đến cấp theo thứ tự tiếp nhận: sổ đã có văn bản đến ngày "
                  f"{row.last_arrival_date:%d/%m/%Y}, không thể vào sổ ngày đến sớm hơn.",
                  f"Numbers follow the order of receipt: this register already has a "
                  f"document received on {row.last_arrival_date:%d/%m/%Y}.")
        raise InvalidInput(msg, {"arrival_date": msg})
    session.execute(update(Register).where(Register.id == register.id)
                    .values(last_arrival_date=arrival_date))
    return row.last_number
