"""Fields of a case file (hồ sơ): parsing and validation (DOMAIN §2.13, §2.16 III).

Shared by every form that sets a file's metadata (open outside the list,
edit, close) so they refuse the same input with the same messages, every
faulty field at once. Only shape is checked here; what needs the database
(the retention line exists, the creator works in the agency, the code is
free) is checked by ``workflows.case_files``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from archive.errors import InvalidInput, Msg
from archive.filing_models import FILE_KINDS, RIGHTS

__all__ = ["FileFields", "Retention", "parse_fields", "parse_date", "PERMANENT"]

PERMANENT = "permanent"
MAX_LEN = {"title": 500, "code": 20, "description": 500, "language": 50}
# Số và ký hiệu hồ sơ: "01", "01.TCCB", "12/VP-TH": letters, digits, . - / only.
CODE_RE = re.compile(r"^[\w.\-/]+$")
MAX_YEARS = 200


@dataclass(frozen=True)
class Retention:
    """A retention choice: a catalogue line, or a number of years (None = permanent)."""

    retention_id: int | None
    years: int | None


@dataclass
class FileFields:
    """The metadata fields present in a form (absent ones stay ``None``)."""

    title: str | None = None
    code: str | None = None
    retention: Retention | None = None
    creator_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    settlement_date: date | None = None
    kind: str | None = None
    rights: str | None = None
    language: str | None = None
    description: str | None = None


class _Errors(dict):
    def add(self, name: str, vi: str, en: str) -> None:
        self.setdefault(name, Msg(vi, en))


def parse_date(value) -> date | None:
    """ISO (the date input) or dd/mm/yyyy (typed); raises ValueError otherwise."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(raw: dict, name: str, errors: _Errors) -> str | None:
    if name not in raw or raw[name] is None:
        return None
    value = " ".join(str(raw[name]).split())
    limit = MAX_LEN.get(name)
    if limit and len(value) > limit:
        errors.add(name, f"Tối đa {limit} ký tự.", f"At most {limit} characters.")
    return value


def _date(raw: dict, name: str, errors: _Errors) -> date | None:
    try:
        return parse_date(raw.get(name))
    except ValueError:
        errors.add(name, "Ngày không hợp lệ (ngày/tháng/năm).", "Invalid date (dd/mm/yyyy).")
        return None


def _int(raw: dict, name: str, errors: _Errors) -> int | None:
    text = str(raw.get(name) or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors.add(name, "Giá trị không hợp lệ.", "Invalid value.")
        return None


def _retention(raw: dict, errors: _Errors) -> Retention | None:
    """``retention_id`` (a catalogue line) wins; else ``retention``: "permanent" or years."""
    line = _int(raw, "retention_id", errors)
    if line is not None:
        return Retention(line, None)
    text = str(raw.get("retention") or "").strip().lower()
    if not text:
        return None
    if text in (PERMANENT, "vĩnh viễn", "vinh vien"):
        return Retention(None, None)
    if not text.isdigit() or not 1 <= int(text) <= MAX_YEARS:
        errors.add("retention", "Thời hạn bảo quản là số năm (1–200) hoặc Vĩnh viễn.",
                   "Retention is a number of years (1–200) or permanent.")
        return None
    return Retention(None, int(text))


def _choice(raw: dict, name: str, allowed, errors: _Errors) -> str | None:
    value = str(raw.get(name) or "").strip() or None
    if value is not None and value not in allowed:
        errors.add(name, "Giá trị không hợp lệ.", "Invalid value.")
        return None
    return value


def _check_code(code: str | None, errors: _Errors) -> None:
    if code and not CODE_RE.match(code):
        errors.add("code", "Số và ký hiệu hồ sơ chỉ gồm chữ, số và các dấu . - /, "
                           "không có khoảng trắng (ví dụ 01.TCCB).",
                   "The file code holds letters, digits and . - / only, no spaces "
                   "(e.g. 01.TCCB).")


def _check_dates(fields: FileFields, errors: _Errors) -> None:
    if fields.start_date and fields.end_date and fields.end_date < fields.start_date:
        errors.add("end_date", "Ngày kết thúc trước ngày bắt đầu.",
                   "The end date is before the start date.")


REQUIRED_LABELS = {"title": ("tiêu đề hồ sơ", "title"),
                   "code": ("số và ký hiệu hồ sơ", "file code"),
                   "retention": ("thời hạn bảo quản", "retention"),
                   "creator_id": ("người lập hồ sơ", "creator"),
                   "start_date": ("ngày bắt đầu", "start date")}


def parse_fields(raw: dict, required: tuple[str, ...] = ()) -> FileFields:
    """The metadata fields of ``raw`` (a form or JSON body), validated.

    Raises InvalidInput naming every faulty or missing field.
    """
    errors = _Errors()
    fields = FileFields(
        title=_text(raw, "title", errors), code=_text(raw, "code", errors),
        retention=_retention(raw, errors), creator_id=_int(raw, "creator_id", errors),
        start_date=_date(raw, "start_date", errors), end_date=_date(raw, "end_date", errors),
        settlement_date=_date(raw, "settlement_date", errors),
        kind=_choice(raw, "kind", FILE_KINDS, errors),
        rights=_choice(raw, "rights", RIGHTS, errors),
        language=_text(raw, "language", errors), description=_text(raw, "description", errors))
    _check_code(fields.code, errors)
    _check_dates(fields, errors)
    for name in required:
        if getattr(fields, name) in (None, "") and name not in errors:
            vi, en = REQUIRED_LABELS.get(name, (name, name))
            errors.add(name, f"Chưa nhập {vi}.", f"The {en} is required.")
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(Msg("Hồ sơ chưa hợp lệ: " + first.vi[0].lower() + first.vi[1:],
                               "The file is not valid: " + first.en[0].lower() + first.en[1:]),
                           dict(errors))
    return fields
