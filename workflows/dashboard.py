"""The leaders' dashboard: period figures and the documents behind each one.

Every figure is counted from ``statutory_reports.incoming_rows`` and
``outgoing_rows`` (the rows of the printed reports), never from a query of its
own, so the dashboard and the reports cannot disagree. A drill-down names a
figure by a key and lists exactly the rows that were counted for it:

- ``received``, ``sent``; ``electronic`` (incoming and outgoing whose channel
  is not paper); ``signed`` / ``unsigned`` (outgoing);
- ``on_time``, ``late``, ``in_progress``, ``overdue``, ``no_deadline``
  (incoming categories, see the report module);
- ``overdue_dept:<id>`` / ``overdue_person:<id>`` (0 = none named yet).

Rates are percentages with one decimal, ``None`` when the base is zero:
electronic share = electronic / (received + sent); signed share = signed /
sent; on-time rate = on_time / (on_time + late), i.e. among handled documents
that had a deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from archive.errors import InvalidInput, Msg
from archive.identity import Actor
from archive.models import Document
from workflows import statutory_reports as sr

__all__ = ["Figures", "figures", "drill_down", "FIGURE_LABELS"]

FIGURE_LABELS = {"received": "Văn bản đến", "sent": "Văn bản đi",
                 "electronic": "Văn bản điện tử", "signed": "Văn bản đi có ký số",
                 "unsigned": "Văn bản đi không ký số", **sr.CATEGORY_LABELS}


@dataclass
class Group:
    key: str            # drill-down key
    name: str
    count: int


@dataclass
class Figures:
    period: sr.Period
    received: int
    sent: int
    electronic: int
    signed: int
    categories: dict[str, int]
    overdue_by_department: list[Group]
    overdue_by_person: list[Group]

    @property
    def electronic_rate(self) -> float | None:
        return _rate(self.electronic, self.received + self.sent)

    @property
    def signed_rate(self) -> float | None:
        return _rate(self.signed, self.sent)

    @property
    def on_time_rate(self) -> float | None:
        handled = self.categories["on_time"] + self.categories["late"]
        return _rate(self.categories["on_time"], handled)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _groups(rows, key_attr: str, name_attr: str, prefix: str, none_name: str) -> list[Group]:
    counts: dict[int, list] = {}
    for row in rows:
        key = getattr(row, key_attr) or 0
        counts.setdefault(key, [getattr(row, name_attr) or none_name, 0])[1] += 1
    return sorted((Group(f"{prefix}:{k}", n, c) for k, (n, c) in counts.items()),
                  key=lambda g: (-g.count, g.name))


def figures(session: Session, actor: Actor, period: sr.Period, as_of: date) -> Figures:
    """The dashboard's figures for the period (department filter as in the reports)."""
    incoming = sr.incoming_rows(session, actor, period, as_of)
    outgoing = sr.outgoing_rows(session, actor, period)
    cats = {c: 0 for c in sr.CATEGORIES}
    for row in incoming:
        cats[row.category] += 1
    overdue = [r for r in incoming if r.category == "overdue"]
    return Figures(
        period=period, received=len(incoming), sent=len(outgoing),
        electronic=sum(r.electronic for r in incoming) + sum(r.electronic for r in outgoing),
        signed=sum(r.signed for r in outgoing), categories=cats,
        overdue_by_department=_groups(overdue, "department_id", "department_name",
                                      "overdue_dept", "Chưa giao đơn vị"),
        overdue_by_person=_groups(overdue, "handler_id", "handler_name", "overdue_person",
                                  "Chưa giao người xử lý"))


def _matches(key: str):
    """The row predicate of a drill-down key; None for an unknown key."""
    simple = {
        "received": lambda r: r.kind == "in", "sent": lambda r: r.kind == "out",
        "electronic": lambda r: r.electronic,
        "signed": lambda r: r.kind == "out" and r.signed,
        "unsigned": lambda r: r.kind == "out" and not r.signed}
    if key in simple:
        return simple[key]
    if key in sr.CATEGORIES:
        return lambda r: r.kind == "in" and r.category == key
    prefix, _, raw = key.partition(":")
    if prefix in ("overdue_dept", "overdue_person") and raw.isdigit():
        attr = "department_id" if prefix == "overdue_dept" else "handler_id"
        wanted = int(raw)
        return lambda r: (r.kind == "in" and r.category == "overdue"
                          and (getattr(r, attr) or 0) == wanted)
    return None


def drill_down(session: Session, actor: Actor, period: sr.Period, key: str, as_of: date,
               page: int = 1, per_page: int = 50) -> tuple[list[Document], int]:
    """One page of the documents behind a figure, and how many there are in all."""
    match = _matches(key)
    if match is None:
        raise InvalidInput(Msg("Chỉ số không hợp lệ.", "Unknown figure."),
                           {"figure": Msg("Chỉ số không hợp lệ.", "Unknown figure.")})
    rows = []
    needs_in = key not in ("sent", "signed", "unsigned")
    needs_out = key in ("sent", "signed", "unsigned", "electronic")
    if needs_in:
        for r in sr.incoming_rows(session, actor, period, as_of):
            r.kind = "in"
            rows.append(r)
    if needs_out:
        for r in sr.outgoing_rows(session, actor, period):
            r.kind = "out"
            rows.append(r)
    if not needs_in:
        sr.require_reader(actor)
    chosen = [r.document for r in rows if match(r)]
    page = max(1, page)
    return chosen[(page - 1) * per_page: page * per_page], len(chosen)
