"""Working days and deadlines (archive.calendar)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from archive.calendar import (
    VN_EXTRA_WORKING_DAYS_2026, VN_HOLIDAYS_2026, WorkCalendar, parse_holidays)

D = date.fromisoformat
TET = parse_holidays("2026-02-14..2026-02-22")
PLAIN = WorkCalendar()
WITH_TET = WorkCalendar(holidays=TET)
SATURDAY_MORNINGS = WorkCalendar(weekdays=frozenset({0, 1, 2, 3, 4, 5}), holidays=TET)
VN_2026 = WorkCalendar(holidays=parse_holidays(VN_HOLIDAYS_2026),
                       extra_working_days=parse_holidays(VN_EXTRA_WORKING_DAYS_2026))


def brute_between(cal: WorkCalendar, a: date, b: date) -> int:
    if b < a:
        return -brute_between(cal, b, a)
    return sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


# -- weekends --------------------------------------------------------------------

def test_weekends_are_not_working_days():
    # 2026-03-02 is a Monday
    assert [PLAIN.is_working_day(D("2026-03-02") + timedelta(days=i)) for i in range(7)] == \
        [True, True, True, True, True, False, False]


def test_start_day_is_not_counted():
    assert PLAIN.add_working_days(D("2026-03-02"), 1) == D("2026-03-03")   # Mon -> Tue
    assert PLAIN.add_working_days(D("2026-03-02"), 3) == D("2026-03-05")   # Mon -> Thu


def test_adding_skips_the_weekend():
    assert PLAIN.add_working_days(D("2026-03-05"), 2) == D("2026-03-09")   # Thu -> Mon
    assert PLAIN.add_working_days(D("2026-03-06"), 1) == D("2026-03-09")   # Fri -> Mon
    assert PLAIN.add_working_days(D("2026-03-07"), 1) == D("2026-03-09")   # Sat -> Mon
    assert PLAIN.add_working_days(D("2026-03-02"), 10) == D("2026-03-16")  # two weeks


def test_zero_days_on_a_working_day_is_that_day_and_on_a_weekend_the_next_working_day():
    assert PLAIN.add_working_days(D("2026-03-04"), 0) == D("2026-03-04")
    assert PLAIN.add_working_days(D("2026-03-07"), 0) == D("2026-03-09")


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match="n must be >= 0"):
        PLAIN.add_working_days(D("2026-03-02"), -1)


# -- holidays --------------------------------------------------------------------

def test_tet_range_is_skipped():
    # Thu 12/2 + 2 working days: Fri 13/2, then the 9 days of Tết, then Mon 23/2
    assert WITH_TET.add_working_days(D("2026-02-12"), 2) == D("2026-02-23")
    assert WITH_TET.add_working_days(D("2026-02-13"), 1) == D("2026-02-23")
    # a document arriving during Tết: counting starts after the arrival day
    assert WITH_TET.add_working_days(D("2026-02-17"), 1) == D("2026-02-23")
    # Tue 10/2: Wed, Thu, Fri, then Mon 23/2 .. Fri 27/2, Mon 2/3, Tue 3/3
    assert WITH_TET.add_working_days(D("2026-02-10"), 10) == D("2026-03-03")
    assert WITH_TET.working_days_between(D("2026-02-13"), D("2026-02-23")) == 1
    assert PLAIN.working_days_between(D("2026-02-13"), D("2026-02-23")) == 6


def test_zero_days_on_a_holiday_is_the_next_working_day():
    assert WITH_TET.add_working_days(D("2026-02-16"), 0) == D("2026-02-23")
    assert not WITH_TET.is_working_day(D("2026-02-16"))     # a Monday of Tết


def test_saturday_working_agency():
    assert SATURDAY_MORNINGS.is_working_day(D("2026-03-07"))            # Saturday
    assert not SATURDAY_MORNINGS.is_working_day(D("2026-03-08"))        # Sunday
    assert SATURDAY_MORNINGS.add_working_days(D("2026-03-06"), 1) == D("2026-03-07")
    assert SATURDAY_MORNINGS.add_working_days(D("2026-03-02"), 6) == D("2026-03-09")
    # the Saturday inside Tết is still a holiday
    assert not SATURDAY_MORNINGS.is_working_day(D("2026-02-21"))
    assert SATURDAY_MORNINGS.add_working_days(D("2026-02-13"), 1) == D("2026-02-23")
    assert SATURDAY_MORNINGS.working_days_between(D("2026-03-01"), D("2026-03-31")) == 26


def test_swapped_saturday_is_a_working_day():
    # 2026: Fri 2/1 off (Tết Dương lịch bridge), Sat 10/1 worked instead
    assert not VN_2026.is_working_day(D("2026-01-02"))
    assert VN_2026.is_working_day(D("2026-01-10"))
    assert VN_2026.add_working_days(D("2026-01-09"), 1) == D("2026-01-10")
    assert VN_2026.add_working_days(D("2025-12-31"), 1) == D("2026-01-05")
    # Quốc khánh: Sat 29/8 to Wed 2/9 off, Sat 22/8 worked
    assert VN_2026.add_working_days(D("2026-08-28"), 1) == D("2026-09-03")
    assert VN_2026.working_days_between(D("2026-08-21"), D("2026-08-24")) == 2


def test_holiday_wins_over_extra_working_day():
    cal = WorkCalendar(holidays=frozenset({D("2026-03-07")}),
                       extra_working_days=frozenset({D("2026-03-07")}))
    assert not cal.is_working_day(D("2026-03-07"))
    assert cal.working_days_between(D("2026-03-06"), D("2026-03-09")) == 1


def test_between_is_signed_and_half_open():
    a, b = D("2026-03-02"), D("2026-03-09")          # Mon -> next Mon
    assert PLAIN.working_days_between(a, b) == 5      # Tue..Fri + Mon
    assert PLAIN.working_days_between(b, a) == -5
    assert PLAIN.working_days_between(a, a) == 0
    assert PLAIN.working_days_between(D("2026-03-07"), D("2026-03-08")) == 0


@pytest.mark.parametrize("cal", [PLAIN, WITH_TET, SATURDAY_MORNINGS, VN_2026],
                         ids=["plain", "tet", "saturdays", "vn2026"])
def test_between_agrees_with_counting_and_inverts_add(cal):
    rng = random.Random(2026)
    for _ in range(300):
        a = D("2025-12-01") + timedelta(days=rng.randrange(420))
        b = a + timedelta(days=rng.randrange(-60, 60))
        assert cal.working_days_between(a, b) == brute_between(cal, a, b), (a, b)
        n = rng.randrange(1, 40)
        due = cal.add_working_days(a, n)
        assert cal.is_working_day(due)
        assert cal.working_days_between(a, due) == n


def test_calendar_validation():
    with pytest.raises(ValueError, match="at least one"):
        WorkCalendar(weekdays=frozenset())
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
        WorkCalendar(weekdays=frozenset({1, 7}))
    with pytest.raises(ValueError, match="naive"):
        WorkCalendar(workday_end=time(17, 0, tzinfo=timezone.utc))
    cal = WorkCalendar(weekdays={0, 1}, holidays=[D("2026-03-02")])   # plain iterables
    assert cal.weekdays == frozenset({0, 1}) and isinstance(cal.holidays, frozenset)
    hash(cal)


# -- moments ---------------------------------------------------------------------

def test_deadline_moment_is_the_end_of_the_day_in_utc():
    moment = PLAIN.deadline_moment(D("2026-03-05"))
    assert moment == datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)
    assert moment.utcoffset() == timedelta(0)
    assert moment.isoformat() == "2026-03-05T10:00:00+00:00"
    late = WorkCalendar(workday_end=time(17, 30)).deadline_moment(D("2026-03-05"))
    assert late == datetime(2026, 3, 5, 10, 30, tzinfo=timezone.utc)


def test_deadline_moment_can_fall_on_the_previous_utc_day():
    cal = WorkCalendar(workday_end=time(6, 0))
    assert cal.deadline_moment(D("2026-03-05")) == datetime(2026, 3, 4, 23, 0,
                                                            tzinfo=timezone.utc)


def test_remind_at_counts_working_days_back_at_the_same_clock_time():
    due = D("2026-03-09")                                           # Monday
    assert PLAIN.remind_at(due, 0) == PLAIN.deadline_moment(due)
    assert PLAIN.remind_at(due, 1) == datetime(2026, 3, 6, 10, 0, tzinfo=timezone.utc)
    assert PLAIN.remind_at(due, 2) == datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)
    # across Tết: one working day before Mon 23/2 is Fri 13/2
    assert WITH_TET.remind_at(D("2026-02-23"), 1) == \
        datetime(2026, 2, 13, 10, 0, tzinfo=timezone.utc)


def test_remind_at_for_a_due_date_off_work_uses_the_last_working_day_before_it():
    # due on Sunday: day 0 is Friday, day 1 is Thursday
    assert PLAIN.remind_at(D("2026-03-08"), 0) == PLAIN.deadline_moment(D("2026-03-06"))
    assert PLAIN.remind_at(D("2026-03-08"), 1) == PLAIN.deadline_moment(D("2026-03-05"))


def test_remind_at_is_consistent_with_between():
    rng = random.Random(7)
    for _ in range(200):
        due = D("2026-01-05") + timedelta(days=rng.randrange(360))
        k = rng.randrange(0, 15)
        moment = VN_2026.remind_at(due, k).astimezone(VN_2026.tz)
        day = moment.date()
        assert moment.time() == VN_2026.workday_end
        assert VN_2026.is_working_day(day) and day <= due
        assert VN_2026.working_days_between(day, due) == k


def test_remind_at_refuses_negative():
    with pytest.raises(ValueError, match="days_before"):
        PLAIN.remind_at(D("2026-03-09"), -1)


# -- holiday lists ---------------------------------------------------------------

def test_parse_holidays_dates_ranges_comments_blanks():
    text = """
    # Tết Dương lịch
    2026-01-01

    2026-02-14..2026-02-22   # Tết Nguyên đán
      2026-04-30 # inline comment
    2026-05-01..2026-05-01
    2026-01-01
    """
    days = parse_holidays(text)
    assert len(days) == 1 + 9 + 1 + 1
    assert D("2026-02-14") in days and D("2026-02-22") in days
    assert D("2026-02-13") not in days and D("2026-02-23") not in days
    assert parse_holidays("") == frozenset()
    assert parse_holidays("# nothing\n\n") == frozenset()


@pytest.mark.parametrize("text, lineno, fragment", [
    ("2026-01-01\n2026-13-01\n", 2, "2026-13-01 is not a valid date"),
    ("2026-01-01\n\n1/5/2026\n", 3, "expected YYYY-MM-DD"),
    ("20260101\n", 1, "expected YYYY-MM-DD"),                     # fromisoformat would take it
    ("2026-02-22..2026-02-14\n", 1, "ends before it starts"),
    ("2026-02-14..\n", 1, "expected YYYY-MM-DD"),
    ("2026-02-14 2026-02-15\n", 1, "expected YYYY-MM-DD"),
    ("2026-02-30\n", 1, "not a valid date"),
    ("2026-01-01..2028-01-01\n", 1, "at most 366"),
])
def test_parse_holidays_errors_name_the_line(text, lineno, fragment):
    with pytest.raises(ValueError) as info:
        parse_holidays(text)
    message = str(info.value)
    assert f"line {lineno}:" in message
    assert fragment in message
    bad = text.splitlines()[lineno - 1].strip()
    assert repr(bad) in message


def test_default_2026_list():
    days = parse_holidays(VN_HOLIDAYS_2026)
    weekdays_off = sorted(d for d in days if d.weekday() < 5)
    assert weekdays_off == [D(x) for x in (
        "2026-01-01", "2026-01-02",
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
        "2026-04-27", "2026-04-30", "2026-05-01",
        "2026-08-31", "2026-09-01", "2026-09-02")]
    assert D("2026-11-24") not in days            # pending law, commented out
    extra = parse_holidays(VN_EXTRA_WORKING_DAYS_2026)
    assert extra == {D("2026-01-10"), D("2026-08-22")}
    assert all(d.weekday() == 5 for d in extra)
    # 2026 has 261 weekdays; 13 off and 2 Saturdays worked
    assert VN_2026.working_days_between(D("2025-12-31"), D("2026-12-31")) == 261 - 13 + 2
