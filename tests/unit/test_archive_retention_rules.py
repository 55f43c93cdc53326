"""What counts as extending or shortening a file's retention (no database)."""
from __future__ import annotations

from datetime import date

import pytest

from archive.errors import InvalidInput
from archive.filing_models import CaseFile
from workflows.retention import KEEP, _plan, parse_years


def case_file(years, until, end=date(2025, 1, 20)) -> CaseFile:
    return CaseFile(retention_years=years, retain_until=until, end_date=end)


@pytest.mark.parametrize("years, until, changes, shortens", [
    (20, None, (20, date(2045, 12, 31)), False),        # more years: the date follows
    (KEEP, date(2040, 6, 30), (10, date(2040, 6, 30)), False),
    (None, None, (None, None), False),                  # to permanent: an extension
    (5, None, (5, date(2030, 12, 31)), True),           # fewer years
    (KEEP, date(2035, 12, 30), (10, date(2035, 12, 30)), True),   # one day earlier
    (20, date(2030, 1, 1), (20, date(2030, 1, 1)), True),         # mixed: counts as shorter
])
def test_a_change_is_an_extension_or_a_shortening(years, until, changes, shortens):
    plan = _plan(case_file(10, date(2035, 12, 31)), years, until)
    assert (plan.new_years, plan.new_until) == changes
    assert plan.shortens is shortens


def test_permanent_to_a_fixed_period_is_a_shortening():
    assert _plan(case_file(None, None), 70, None).shortens


def test_a_permanent_file_has_no_date_and_the_date_cannot_be_dropped():
    with pytest.raises(InvalidInput):
        _plan(case_file(10, date(2035, 12, 31)), None, date(2050, 1, 1))
    with pytest.raises(InvalidInput):      # a date known before may not silently vanish
        _plan(case_file(10, date(2035, 12, 31), end=None), 20, None)


@pytest.mark.parametrize("raw, value", [("", KEEP), ("  ", KEEP), ("permanent", None),
                                        ("vinh-vien", None), ("15", 15)])
def test_parse_years(raw, value):
    assert parse_years(raw) is value if value in (KEEP, None) else parse_years(raw) == value


@pytest.mark.parametrize("raw", ["0", "-3", "201", "mười"])
def test_parse_years_refuses_nonsense(raw):
    with pytest.raises(InvalidInput):
        parse_years(raw)
