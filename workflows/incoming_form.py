"""Fields of an incoming document: parsing and validation (DOMAIN §2.16 II, API.md).

Shared by the web form and the JSON API so both refuse the same input with the
same messages, all faulty fields at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from archive.catalogues import CHANNELS, CONFIDENTIALITY, URGENCY
from archive.errors import InvalidInput, Msg

__all__ = ["IncomingForm", "parse_form"]


@dataclass
class IncomingForm:
    """Validated incoming-document fields (API.md names, DOMAIN §2.16 II)."""

    subject: str
    arrival_date: date
    register_id: int | None = None
    code_number: str | None = None
    code_notation: str | None = None
    issued_date: date | None = None
    issuer_name: str | None = None
    issuer_organ_id: str | None = None
    document_type: str | None = None
    signer_position: str | None = None
    signer_name: str | None = None
    urgency: str = "normal"
    confidentiality: str = "normal"
    due_date: date | None = None
    recipients: str | None = None
    channel: str = "paper"
    notes: str | None = None
    page_count: int | None = None


# --- field validation ------------------------------------------------------------

LABELS = {
    "subject": ("trích yếu", "subject"), "arrival_date": ("ngày đến", "arrival date"),
    "register_id": ("sổ đăng ký", "register"), "code_number": ("số", "number"),
    "code_notation": ("ký hiệu", "notation"), "issued_date": ("ngày văn bản", "issued date"),
    "issuer_name": ("cơ quan ban hành", "issuing body"),
    "issuer_organ_id": ("mã định danh cơ quan ban hành", "issuer organ id"),
    "document_type": ("loại văn bản", "document type"),
    "signer_position": ("chức vụ người ký", "signer position"),
    "signer_name": ("người ký", "signer name"), "urgency": ("độ khẩn", "urgency"),
    "confidentiality": ("độ mật", "confidentiality"), "due_date": ("hạn xử lý", "due date"),
    "recipients": ("đơn vị, người nhận", "recipients"), "channel": ("hình thức nhận", "channel"),
    "notes": ("ghi chú", "notes"), "page_count": ("số trang", "page count"),
}
MAX_LEN = {"subject": 500, "code_number": 11, "code_notation": 30, "issuer_name": 200,
           "issuer_organ_id": 35, "signer_position": 100, "signer_name": 50,
           "recipients": 1000, "notes": 500}
REQUIRED = ("subject", "issuer_name", "document_type")


class _Errors(dict):
    def add(self, name: str, vi: str, en: str) -> None:
        self.setdefault(name, Msg(vi, en))


def _text(raw: dict, name: str, errors: _Errors) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        errors.add(name, "Giá trị không hợp lệ.", "Invalid value.")
        return None
    value = " ".join(str(value).split())
    limit = MAX_LEN.get(name)
    if limit and len(value) > limit:
        errors.add(name, f"Tối đa {limit} ký tự.", f"At most {limit} characters.")
    return value or None


def _date(raw: dict, name: str, errors: _Errors) -> date | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.add(name, "Ngày không hợp lệ (dd/mm/yyyy).", "Invalid date (YYYY-MM-DD).")
    return None


def _choice(raw: dict, name: str, allowed, default: str, errors: _Errors) -> str:
    value = raw.get(name) or default
    if value not in allowed:
        errors.add(name, "Giá trị không hợp lệ.", f"Must be one of: {', '.join(allowed)}.")
        return default
    return value


def _int(raw: dict, name: str, errors: _Errors) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(name, "Phải là số nguyên.", "Must be a whole number.")
        return None
    if number < 0:
        errors.add(name, "Không được âm.", "Must not be negative.")
    return number


def parse_form(raw: dict, today: date) -> IncomingForm:
    """Turn raw form or JSON values into an ``IncomingForm``; all problems at once.

    Raises:
        InvalidInput with one message per faulty field.
    """
    errors = _Errors()
    texts = {n: _text(raw, n, errors) for n in MAX_LEN}
    dates = {n: _date(raw, n, errors) for n in ("arrival_date", "issued_date", "due_date")}
    for name in REQUIRED:
        if not (texts.get(name) if name != "document_type" else raw.get(name)):
            vi, en = LABELS[name]
            errors.add(name, f"Chưa nhập {vi}.", f"The {en} is required.")
    arrival = dates["arrival_date"] or today
    if arrival > today:
        errors.add("arrival_date", "Ngày đến không được sau hôm nay.",
                   "The arrival date cannot be in the future.")
    issued = dates["issued_date"]
    if issued and issued > today:
        errors.add("issued_date", "Ngày văn bản không được sau hôm nay.",
                   "The issued date cannot be in the future.")
    elif issued and issued > arrival:
        errors.add("issued_date", "Ngày văn bản không được sau ngày đến.",
                   "The issued date cannot be after the arrival date.")
    if dates["due_date"] and dates["due_date"] < arrival:
        errors.add("due_date", "Hạn xử lý không được trước ngày đến.",
                   "The due date cannot be before the arrival date.")
    register_id = _int(raw, "register_id", errors)
    form = IncomingForm(
        subject=texts["subject"] or "", arrival_date=arrival, register_id=register_id,
        code_number=texts["code_number"], code_notation=texts["code_notation"],
        issued_date=issued, issuer_name=texts["issuer_name"],
        issuer_organ_id=(texts["issuer_organ_id"] or "").upper() or None,
        document_type=(str(raw.get("document_type")) if raw.get("document_type") else None),
        signer_position=texts["signer_position"], signer_name=texts["signer_name"],
        urgency=_choice(raw, "urgency", URGENCY, "normal", errors),
        confidentiality=_choice(raw, "confidentiality", CONFIDENTIALITY, "normal", errors),
        due_date=dates["due_date"], recipients=texts["recipients"],
        channel=_choice(raw, "channel", CHANNELS, "paper", errors), notes=texts["notes"],
        page_count=_int(raw, "page_count", errors))
    if errors:
        raise InvalidInput(Msg("Thông tin văn bản chưa hợp lệ, xem các trường được đánh dấu.",
                               "Some fields are invalid; see the marked fields."), dict(errors))
    return form
