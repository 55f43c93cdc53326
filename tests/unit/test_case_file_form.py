"""Parsing of the case-file fields (no database): every faulty field at once."""
from __future__ import annotations

from datetime import date

import pytest

from archive.errors import InvalidInput
from workflows.case_file_form import PERMANENT, Retention, parse_date, parse_fields

REQUIRED = ("title", "code", "retention", "creator_id", "start_date")


def test_a_complete_form_is_parsed():
    fields = parse_fields({"title": "  Hồ sơ   tổ chức  Lễ hội ", "code": "01.TCCB",
                           "retention": "10", "creator_id": "7", "start_date": "05/01/2026",
                           "end_date": "2026-12-20", "kind": "construction", "rights": "open"},
                          required=REQUIRED)
    assert fields.title == "Hồ sơ tổ chức Lễ hội"          # spaces squeezed
    assert fields.code == "01.TCCB" and fields.creator_id == 7
    assert fields.retention == Retention(None, 10)
    assert (fields.start_date, fields.end_date) == (date(2026, 1, 5), date(2026, 12, 20))
    assert fields.kind == "construction"


@pytest.mark.parametrize("raw, expected", [
    ({"retention_id": "3", "retention": "10"}, Retention(3, None)),   # the catalogue wins
    ({"retention": PERMANENT}, Retention(None, None)),
    ({"retention": "Vĩnh viễn"}, Retention(None, None)),
    ({"retention": "70"}, Retention(None, 70)),
    ({}, None),
])
def test_retention_is_a_catalogue_line_years_or_permanent(raw, expected):
    assert parse_fields(raw).retention == expected


def test_every_missing_or_faulty_field_is_named():
    with pytest.raises(InvalidInput) as refused:
        parse_fields({"title": "", "code": "01 TCCB", "retention": "0", "start_date": "32/01/2026",
                      "kind": "other", "rights": "secret", "description": "x" * 501},
                     required=REQUIRED)
    assert set(refused.value.fields) == {"title", "code", "retention", "creator_id",
                                         "start_date", "kind", "rights", "description"}
    assert refused.value.message.vi.startswith("Hồ sơ chưa hợp lệ: ")


def test_the_end_cannot_precede_the_start():
    with pytest.raises(InvalidInput) as refused:
        parse_fields({"start_date": "2026-05-01", "end_date": "2026-04-30"})
    assert set(refused.value.fields) == {"end_date"}


def test_dates_in_both_spellings():
    assert parse_date("2026-03-09") == parse_date("09/03/2026") == date(2026, 3, 9)
    assert parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("9 tháng 3")
