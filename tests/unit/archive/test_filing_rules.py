"""Due dates, reminders, retention and codes of case files (DOMAIN §2.13, §5.2)."""
from __future__ import annotations

from datetime import date

import pytest

from archive.filing_rules import (RULE_ARCHIVE_LAW_2024, add_months, file_code, reminder_date,
                                  retain_until, retention_label, roman, transfer_due)


@pytest.mark.parametrize("day, months, expected", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
])
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_general_files_are_due_a_year_after_the_work_ends():
    assert transfer_due("general", date(2025, 12, 20)) == date(2026, 12, 20)
    assert transfer_due("general", date(2024, 2, 29)) == date(2025, 2, 28)
    assert transfer_due("general", None) is None


def test_the_archive_law_reading_counts_from_the_year():
    assert transfer_due("general", date(2025, 3, 1), rule=RULE_ARCHIVE_LAW_2024) == \
        date(2026, 12, 31)


def test_construction_files_are_due_three_months_after_settlement():
    assert transfer_due("construction", date(2025, 1, 1), date(2025, 11, 30)) == \
        date(2026, 2, 28)
    assert transfer_due("construction", date(2025, 1, 1), None) is None


@pytest.mark.parametrize("due, expected", [
    (date(2026, 1, 15), date(2025, 12, 16)),     # across the year end
    (date(2026, 3, 1), date(2026, 1, 30)),
    (date(2024, 3, 30), date(2024, 2, 29)),      # leap year
])
def test_the_reminder_goes_out_30_days_before(due, expected):
    assert reminder_date(due) == expected
    assert reminder_date(None) is None


def test_retention_runs_from_the_year_the_work_ended():
    assert retain_until(date(2020, 5, 4), 10) == date(2030, 12, 31)
    assert retain_until(date(2020, 5, 4), None) is None
    assert retain_until(None, 5) is None


def test_roman_numerals_and_codes():
    assert [roman(n) for n in (1, 4, 9, 14, 40, 1999)] == ["I", "IV", "IX", "XIV", "XL",
                                                           "MCMXCIX"]
    with pytest.raises(ValueError):
        roman(0)
    assert file_code(1) == "01" and file_code(12, "TCCB") == "12.TCCB"
    assert file_code(105) == "105"
    assert retention_label(None) == "Vĩnh viễn" and retention_label(10) == "10 năm"
