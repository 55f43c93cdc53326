"""DocumentId "OrganId,yyyy/MM/dd,số/ký hiệu" and the code lists as data."""
from __future__ import annotations

import os
import time
from datetime import date

import pytest

from exchange.codes import (
    BUSSINESS_DOC_TYPES,
    DOCUMENT_TYPES,
    PRIORITIES,
    STATUS_CODES,
    Code,
)
from exchange.edxml import build_package, parse_package
from exchange.errors import ExchangeRefused
from exchange.model import (
    Attachment,
    DocumentCode,
    DocumentMessage,
    DocumentRef,
    DocumentType,
    MessageHeader,
    Organ,
    PromulgationInfo,
    document_id,
    is_organ_id,
    parse_document_id,
)


@pytest.mark.parametrize("organ, day, number, notation, expected", [
    ("000.00.04.G14", date(2012, 8, 6), "267", "VPCP-TTĐT", "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"),
    ("000.00.00.H29", date(2026, 1, 5), "05", "UBND-VP", "000.00.00.H29,2026/01/05,05/UBND-VP"),
    ("000.00.25.G14", date(2025, 12, 31), "1234", "QĐ-BNV", "000.00.25.G14,2025/12/31,1234/QĐ-BNV"),
])
def test_document_id_format_and_parse(organ, day, number, notation, expected):
    assert document_id(organ, day, number, notation) == expected
    assert parse_document_id(expected) == DocumentRef(organ, day, number, notation)


def test_parse_keeps_everything_after_the_first_slash_in_the_notation():
    assert parse_document_id("000.00.00.H30,2026/03/01,07/SY/UBND").code_notation == "SY/UBND"


@pytest.mark.parametrize("value, fragment", [
    ("", "OrganId,yyyy/MM/dd,number/notation"),
    ("000.00.04.G14,2012/08/06", "OrganId,yyyy/MM/dd,number/notation"),
    ("000.00.04.g14,2012/08/06,267/VPCP", "organ identifier"),
    (",2012/08/06,267/VPCP", "organ identifier"),
    ("000.00.04.G14,2012-08-06,267/VPCP", "yyyy/MM/dd"),
    ("000.00.04.G14,2012/02/30,267/VPCP", "yyyy/MM/dd"),
    ("000.00.04.G14,2012/08/06,267", "number/notation"),
    ("000.00.04.G14,2012/08/06,/VPCP", "number/notation"),
    ("000.00.04.G14,2012/08/06,267/", "number/notation"),
])
def test_parse_refuses_malformed_document_ids(value, fragment):
    with pytest.raises(ExchangeRefused) as caught:
        parse_document_id(value, "ResponseFor/DocumentId")
    assert fragment in caught.value.reason.en
    assert caught.value.field == "ResponseFor/DocumentId"


@pytest.mark.parametrize("value, ok", [
    ("000.00.04.G14", True), ("H29", True), ("0" * 35, True), ("0" * 36, False),
    ("000.00.04.g14", False), ("000..04.G14", False), ("000.00.04.G14.", False), ("", False),
    ("000 00 04 G14", False),
])
def test_organ_identifier_shape(value, ok):
    assert is_organ_id(value) is ok


def test_status_codes_cover_the_whole_list_with_meanings():
    assert STATUS_CODES.codes() == ("01", "02", "03", "04", "05", "06", "13", "15", "16")
    assert STATUS_CODES["02"].vi == "Từ chối tiếp nhận" and STATUS_CODES["06"].en == "Done"
    assert all(row.vi and row.en for row in STATUS_CODES)
    assert STATUS_CODES.source == "[S]"


def test_unverified_lists_say_so():
    assert BUSSINESS_DOC_TYPES["0"].source == "[S]"
    assert {BUSSINESS_DOC_TYPES[c].source for c in "123"} == {"[B]"}
    assert BUSSINESS_DOC_TYPES.source == "[B]"
    assert PRIORITIES.source == "[B]" and PRIORITIES["3"].vi == "Hỏa tốc"
    assert DOCUMENT_TYPES["18"] == Code("18", "Công văn", "Official letter", "[S]")


def test_a_code_list_can_be_extended_without_touching_the_original():
    extended = DOCUMENT_TYPES.extended(Code("99", "Quyết định", "Decision", "[B]"))
    assert "99" in extended and "18" in extended and "99" not in DOCUMENT_TYPES
    assert extended.source == "[B]" and len(extended) == 2


def test_a_large_attachment_round_trips_quickly():
    """12 MB is above the 10 MB text-node limit some XML parsers impose by default."""
    data = os.urandom(12 * 1024 * 1024)
    message = DocumentMessage(MessageHeader(
        Organ("000.00.00.H55"), (Organ("000.00.00.H38"),), DocumentCode("05", "UBND-VP"),
        PromulgationInfo("", date(2026, 1, 5)), DocumentType("18"), "V/v tệp lớn"),
        attachments=(Attachment("big", "lon.pdf", "application/pdf", data),))
    started = time.monotonic()
    assert parse_package(build_package(message)).attachments[0].data == data
    assert time.monotonic() - started < 20
