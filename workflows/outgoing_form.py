"""Fields of an outgoing draft: parsing and validation (DOMAIN §2.7, §2.9, §2.16).

Shared by the web form and the JSON API: the same input is refused with the
same messages, every faulty field at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from archive.catalogues import CONFIDENTIALITY, URGENCY
from archive.errors import InvalidInput, Msg

# Signing authority prefixes (DOMAIN §2.7, [V]); "" = the head signs in person.
AUTHORITIES = ("", "KT.", "TM.", "TL.", "Q.", "TUQ.")
AUTHORITY_LABELS = {"": "Ký trực tiếp", "KT.": "KT. (ký thay)", "TM.": "TM. (thay mặt)",
                    "TL.": "TL. (thừa lệnh)", "Q.": "Q. (quyền)",
                    "TUQ.": "TUQ. (thừa ủy quyền)"}
MAX_LEN = {"subject": 500, "recipients": 1000, "authority_of": 100, "signer_position": 100,
           "archive_units": 100, "body": 20000, "note": 1000, "amend_reason": 500}


@dataclass
class DraftForm:
    subject: str
    document_type: str
    urgency: str = "normal"
    confidentiality: str = "normal"
    recipients: str | None = None
    signer_id: int | None = None
    authority: str = ""
    authority_of: str = ""
    signer_position: str | None = None
    reply_to_id: int | None = None
    amends_id: int | None = None      # the issued document this one replaces or corrects
    amend_kind: str = ""              # replace | correct
    amend_reason: str = ""
    archive_units: str = ""
    body: str | None = None
    generate: bool = False


def _text(raw: Mapping, name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        return "\x00invalid"
    return " ".join(str(value).split()) if name not in ("body", "recipients") else \
        str(value).replace("\r\n", "\n").strip()


def _int(raw: Mapping, name: str, errors: dict) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[name] = Msg("Giá trị không hợp lệ.", "Invalid value.")
        return None


def parse_draft(raw: Mapping[str, Any]) -> DraftForm:
    """Validate the metadata of a new draft; raises InvalidInput naming each field."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(Msg("Dữ liệu không hợp lệ.", "Malformed data."))
    errors: dict[str, Msg] = {}
    values = {k: _text(raw, k) for k in ("subject", "document_type", "urgency",
                                         "confidentiality", "recipients", "authority",
                                         "authority_of", "signer_position", "archive_units",
                                         "body", "amend_kind", "amend_reason")}
    for name, value in values.items():
        if value == "\x00invalid":
            errors[name] = Msg("Giá trị không hợp lệ.", "Invalid value.")
            values[name] = ""
        elif name in MAX_LEN and len(value) > MAX_LEN[name]:
            errors[name] = Msg(f"Quá dài (tối đa {MAX_LEN[name]} ký tự).",
                               f"Too long (at most {MAX_LEN[name]} characters).")
    if not values["subject"]:
        errors["subject"] = Msg("Nhập trích yếu nội dung.", "Enter the subject.")
    if not values["document_type"]:
        errors["document_type"] = Msg("Chọn loại văn bản.", "Choose the document type.")
    urgency = values["urgency"] or "normal"
    if urgency not in URGENCY:
        errors["urgency"] = Msg("Độ khẩn không hợp lệ.", "Invalid urgency.")
    confidentiality = values["confidentiality"] or "normal"
    if confidentiality not in CONFIDENTIALITY:
        errors["confidentiality"] = Msg("Độ mật không hợp lệ.", "Invalid confidentiality.")
    authority = values["authority"].upper()
    if authority and not authority.endswith("."):
        authority += "."
    if authority not in AUTHORITIES:
        errors["authority"] = Msg("Thẩm quyền ký phải là KT., TM., TL., Q. hoặc TUQ.",
                                  "Signing authority must be KT., TM., TL., Q. or TUQ.")
    if authority and not values["authority_of"]:
        errors["authority_of"] = Msg(f"Ghi chức vụ sau “{authority}”, ví dụ “GIÁM ĐỐC”.",
                                     f"Give the title after “{authority}”, e.g. “GIÁM ĐỐC”.")
    generate = str(raw.get("generate", "")).lower() in ("1", "true", "yes", "on")
    if generate and not values["body"]:
        errors["body"] = Msg("Nhập nội dung để hệ thống tạo văn bản.",
                             "Enter the text the system lays out.")
    signer_id = _int(raw, "signer_id", errors)
    reply_to_id = _int(raw, "reply_to_id", errors)
    amends_id = _int(raw, "amends_id", errors)
    if amends_id is not None and values["amend_kind"] not in ("replace", "correct"):
        errors["amend_kind"] = Msg("Chọn thay thế hoặc đính chính.", "Choose replace or correct.")
    if amends_id is not None and not values["amend_reason"]:
        errors["amend_reason"] = Msg("Ghi lý do thay thế hoặc đính chính.",
                                     "Give the reason for the replacement or correction.")
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(Msg(f"Thông tin chưa hợp lệ: {first.vi}", f"Invalid input: {first.en}"),
                           errors)
    return DraftForm(
        subject=values["subject"], document_type=values["document_type"], urgency=urgency,
        confidentiality=confidentiality, recipients=values["recipients"] or None,
        signer_id=signer_id, authority=authority,
        authority_of=values["authority_of"].upper(),
        signer_position=values["signer_position"] or None, reply_to_id=reply_to_id,
        amends_id=amends_id, amend_kind=values["amend_kind"] if amends_id else "",
        amend_reason=values["amend_reason"] if amends_id else "",
        archive_units=values["archive_units"], body=values["body"] or None, generate=generate)
