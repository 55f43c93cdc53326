"""Dates and codes of case files (DOMAIN §2.13, §5.2): pure functions, no database.

Transfer to the agency archive (lưu trữ hiện hành) [V]:
* Decree 30/2020 Điều 30.2: within 1 year from the day the work ended;
  construction (XDCB) files within 3 months from the final settlement;
* Archive Law 2024 words it "within 1 year from the *year* the work ended",
  read here as the end of the following year. Which reading applies is an
  agency setting (``rule``), Decree 30 by default.

The system reminds the file's creator ``REMINDER_DAYS`` before the due date
(Phụ lục VI §III.5.b). Retention runs from the year the work ended: a file
kept 10 years whose work ended in 2020 may be appraised for disposal after
31/12/2030; permanent files never reach a date.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta

REMINDER_DAYS = 30
RULE_DECREE_30 = "decree30"
RULE_ARCHIVE_LAW_2024 = "archive_law_2024"
TRANSFER_RULES = (RULE_DECREE_30, RULE_ARCHIVE_LAW_2024)
CONSTRUCTION = "construction"

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def transfer_due(kind: str, end_date: date | None, settlement_date: date | None = None,
                 rule: str = RULE_DECREE_30) -> date | None:
    """When a closed file must be in the agency archive (None: not known yet:
    the work has not ended, or a construction file is not settled)."""
    if kind == CONSTRUCTION:
        return add_months(settlement_date, 3) if settlement_date else None
    if end_date is None:
        return None
    if rule == RULE_ARCHIVE_LAW_2024:
        return date(end_date.year + 1, 12, 31)
    return add_months(end_date, 12)


def reminder_date(due: date | None) -> date | None:
    """The day the 30-day reminder goes out."""
    return due - timedelta(days=REMINDER_DAYS) if due else None


def retain_until(end_date: date | None, years: int | None) -> date | None:
    """Last day of keeping (None: permanent, or the work has not ended)."""
    if years is None or end_date is None:
        return None
    return date(end_date.year + years, 12, 31)


def roman(number: int) -> str:
    """Top-level headings of the danh mục: I, II, III…"""
    if number < 1:
        raise ValueError("Roman numerals start at 1")
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def file_code(number: int, suffix: str | None = None) -> str:
    """Số và ký hiệu hồ sơ: ``01`` (numbered over the whole list) or ``01.TCCB``
    (numbered per heading, with the heading's code)."""
    code = f"{number:02d}"
    return f"{code}.{suffix}" if suffix else code


def retention_label(years: int | None) -> str:
    """Maintenance as written in the danh mục: "Vĩnh viễn" or "10 năm"."""
    return "Vĩnh viễn" if years is None else f"{years} năm"
