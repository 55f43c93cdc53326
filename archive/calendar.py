"""Working days and deadlines of an agency (no Flask).

Deadlines for handling incoming documents are counted in working days
("ngày làm việc"): weekly days off and public holidays do not count. Which
weekdays are worked and which dates are holidays is the agency's rule, so
both are configurable; ``VN_HOLIDAYS_2026`` is a default list for 2026 in the
text format read by ``parse_holidays``.

Conventions (all dates are local dates of the agency, in ``tz``):

* ``add_working_days(start, n)``: the n-th working day after ``start``;
  ``start`` itself never counts, even when it is a working day (a document
  received on Monday with 3 working days is due on Thursday). ``n == 0`` gives
  ``start`` when it is a working day, else the next working day.
* ``working_days_between(a, b)``: the working days in ``(a, b]``, so that
  ``working_days_between(a, add_working_days(a, n)) == n`` for ``n >= 1``;
  negative when ``b < a``.
* A deadline on date ``d`` falls at the end of that working day:
  ``deadline_moment(d)`` is ``workday_end`` on ``d`` in ``tz``, as an aware
  UTC datetime (17:00 +07:00 is 10:00Z).
* ``remind_at(due, k)``: the reminder fires at the end of the working day
  that lies ``k`` working days before ``due``, i.e. at the *same clock time*
  as the deadline (``workday_end``), exactly ``k`` working days earlier.
  Formally the reminder day is the latest working day ``r <= due`` with
  ``working_days_between(r, due) == k``; so ``k == 0`` is the deadline
  itself, and a ``due`` that is not a working day is first brought back to
  the last working day before it (a reminder must reach people on a day they
  work, and before the deadline, never after).

Swapped working days: the government often moves a working day next to a
holiday onto a Saturday ("hoán đổi ngày làm việc"). The moved weekday is a
holiday; the Saturday becomes a working day for that week only and goes in
``extra_working_days`` (``VN_EXTRA_WORKING_DAYS_2026``). A date listed as a
holiday is never a working day, even when it is also an extra working day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

__all__ = ["WorkCalendar", "parse_holidays", "VN_HOLIDAYS_2026",
           "VN_EXTRA_WORKING_DAYS_2026", "MAX_RANGE_DAYS"]

VIETNAM = timezone(timedelta(hours=7))
ONE_DAY = timedelta(days=1)
MAX_RANGE_DAYS = 366
"""Longest range ``parse_holidays`` accepts (a typo in a year otherwise makes millions)."""


@dataclass(frozen=True)
class WorkCalendar:
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    """Weekdays worked, Monday = 0 (add 5 for agencies working Saturdays)."""
    holidays: frozenset[date] = frozenset()
    workday_end: time = time(17, 0)
    """Local end of the working day (naive time, read in ``tz``)."""
    tz: tzinfo = VIETNAM
    """The agency's time zone (Vietnam: UTC+7, no daylight saving)."""
    extra_working_days: frozenset[date] = frozenset()
    """Days off made working days (a Saturday worked in exchange for a bridge day)."""

    def __post_init__(self) -> None:
        weekdays = frozenset(self.weekdays)
        if not weekdays:
            raise ValueError("a work calendar needs at least one working weekday")
        if any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6
               for d in weekdays):
            raise ValueError(f"weekdays must be integers 0 (Monday) to 6 (Sunday): "
                             f"{sorted(weekdays, key=repr)!r}")
        if self.workday_end.tzinfo is not None:
            raise ValueError("workday_end must be a naive local time; the zone is tz")
        # Accept any iterable (lists, sets) but store frozensets: hashable, immutable.
        object.__setattr__(self, "weekdays", weekdays)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))

    # -- days ---------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        return d.weekday() in self.weekdays or d in self.extra_working_days

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (n >= 0; see the module docstring)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        d = start
        if n == 0:
            while not self.is_working_day(d):
                d += ONE_DAY
            return d
        while n:
            d += ONE_DAY
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; ``-working_days_between(b, a)`` when ``b < a``."""
        if b < a:
            return -self.working_days_between(b, a)
        span = (b - a).days
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.weekdays)
        first = a.weekday()
        count += sum(1 for i in range(1, rest + 1) if (first + i) % 7 in self.weekdays)
        for h in self.holidays:
            if a < h <= b and h.weekday() in self.weekdays:
                count -= 1
        for x in self.extra_working_days:
            if a < x <= b and x.weekday() not in self.weekdays and x not in self.holidays:
                count += 1
        return count

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= ONE_DAY
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    # -- moments --------------------------------------------------------------

    def deadline_moment(self, d: date) -> datetime:
        """``workday_end`` of ``d`` in ``tz``, as an aware UTC datetime."""
        local = datetime.combine(d, self.workday_end, tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def remind_at(self, due: date, days_before: int) -> datetime:
        """End of the working day ``days_before`` working days before ``due`` (UTC)."""
        if days_before < 0:
            raise ValueError(f"days_before must be >= 0, not {days_before}")
        r = due if self.is_working_day(due) else self.previous_working_day(due)
        for _ in range(days_before):
            r = self.previous_working_day(r)
        return self.deadline_moment(r)


# -- holiday lists ---------------------------------------------------------------

_DATE = r"(\d{4}-\d{2}-\d{2})"
_LINE = re.compile(rf"{_DATE}(?:\s*\.\.\s*{_DATE})?")


def _iso(text: str, lineno: int, raw: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"holiday list, line {lineno}: {raw.strip()!r}: "
                         f"{text} is not a valid date ({exc})") from None


def parse_holidays(text: str) -> frozenset[date]:
    """Dates from a holiday list: one ``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD``
    (inclusive range) a line; ``#`` starts a comment (whole line or after a
    date); blank lines are skipped. A bad line raises ``ValueError`` naming its
    number and text."""
    days: set[date] = set()
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"holiday list, line {lineno}: {raw.strip()!r}: expected "
                             f"YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
        first = _iso(match.group(1), lineno, raw)
        if match.group(2) is None:
            days.add(first)
            continue
        last = _iso(match.group(2), lineno, raw)
        if last < first:
            raise ValueError(f"holiday list, line {lineno}: {raw.strip()!r}: "
                             f"range ends before it starts")
        length = (last - first).days + 1
        if length > MAX_RANGE_DAYS:
            raise ValueError(f"holiday list, line {lineno}: {raw.strip()!r}: range of "
                             f"{length} days (at most {MAX_RANGE_DAYS})")
        days.update(first + timedelta(days=i) for i in range(length))
    return frozenset(days)


VN_HOLIDAYS_2026 = """\
# Days off of cán bộ, công chức, viên chức in 2026 (Labour Code 2019 art. 112 and the
# schedules approved by the Government on the Ministry of Home Affairs' proposals).
# Weekend days inside a holiday are listed too: harmless, and the list reads like the
# announcements. Saturdays worked in exchange are in VN_EXTRA_WORKING_DAYS_2026.

# Tết Dương lịch: 1/1 (Thu); Fri 2/1 swapped with Sat 10/1 (Văn bản 12729/VPCP-KGVX, 25/12/2025)
2026-01-01
2026-01-02

# Tết Nguyên đán Bính Ngọ: Sat 14/2 (27 tháng Chạp) to Sun 22/2 (mùng 6 tháng Giêng),
# 9 days: 5 statutory + 4 weekly days off (approved by the Prime Minister, October 2025)
2026-02-14..2026-02-22

# Giỗ Tổ Hùng Vương, 10/3 âm lịch = Sun 26/4; compensatory day off Mon 27/4 (art. 111)
2026-04-26
2026-04-27

# Ngày Chiến thắng 30/4 (Thu) and Quốc tế Lao động 1/5 (Fri)
2026-04-30
2026-05-01

# Quốc khánh 2/9 (Wed) and the day before, 1/9 (art. 112: 2 days); Mon 31/8 swapped
# with Sat 22/8: off Sat 29/8 to Wed 2/9 (approved by the Prime Minister, October 2025)
2026-08-31
2026-09-01
2026-09-02

# Ngày Văn hóa Việt Nam 24/11 (Tue): a paid day off decided by Politburo Resolution
# 80-NQ/TW, but the Labour Code amendment making it a holiday was still a draft in
# February 2026. Uncomment once it is law:
# 2026-11-24  # verify
"""

VN_EXTRA_WORKING_DAYS_2026 = """\
# Saturdays worked in 2026 in exchange for a bridge day off (same format as holidays).
2026-01-10  # for Fri 2/1 (Tết Dương lịch)
2026-08-22  # for Mon 31/8 (Quốc khánh)
"""
