"""Statutory reports and dashboard figures, on SQLite and PostgreSQL.

The seeded documents (tests/reports_support.py) each carry, written by hand,
the category they must fall in; the expected counts below are counted from
that list, never from the report code. The period is June 2026, checked on
15/06/2026; documents of 31/05 and 01/07 lie just outside it.
"""
from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from archive import directory
from archive.errors import InvalidInput, PermissionDenied
from archive.identity import Actor
from archive.models import Department
from tests.reports_support import In, Out, at, seed
from workflows import dashboard, statutory_reports as sr

AS_OF = date(2026, 6, 15)
JUNE = (date(2026, 6, 1), date(2026, 6, 30))
D = date
INCOMING = [
    In("on-time", D(2026, 6, 1), "QLVH", "chuyenvien.vh", D(2026, 6, 10), at(D(2026, 6, 9), 10),
       "on_time", channel="exchange"),
    # finished 10/06 at 18:00 UTC is 11/06 01:00 in Vietnam: one day late
    In("late-tz", D(2026, 6, 2), "QLVH", "chuyenvien.vh", D(2026, 6, 10),
       at(D(2026, 6, 11), 1), "late"),
    In("on-deadline-day", D(2026, 6, 3), "QLDL", "chuyenvien.dl", D(2026, 6, 12),
       at(D(2026, 6, 12), 16), "on_time"),
    In("in-progress", D(2026, 6, 4), "QLVH", "chuyenvien.vh", D(2026, 6, 20), None,
       "in_progress", channel="email"),
    In("due-today", D(2026, 6, 5), "QLDL", None, AS_OF, None, "in_progress"),
    In("overdue-vh", D(2026, 6, 6), "QLVH", "chuyenvien.vh", D(2026, 6, 12), None, "overdue"),
    In("overdue-vh-2", D(2026, 6, 7), "QLVH", "chuyenvien.vh", D(2026, 6, 14), None, "overdue"),
    In("overdue-dl", D(2026, 6, 8), "QLDL", "chuyenvien.dl", D(2026, 6, 9), None, "overdue",
       channel="exchange"),
    In("overdue-undirected", D(2026, 6, 9), None, None, D(2026, 6, 11), None, "overdue",
       status="registered"),
    In("no-deadline-done", D(2026, 6, 10), "QLDL", "chuyenvien.dl", None, at(D(2026, 6, 11), 9),
       "no_deadline"),
    In("no-deadline-open", D(2026, 6, 30), "QLVH", None, None, None, "no_deadline"),
    In("before-period", D(2026, 5, 31), "QLVH", "chuyenvien.vh", D(2026, 6, 1), None, None),
    In("after-period", D(2026, 7, 1), "QLDL", "chuyenvien.dl", D(2026, 6, 5), None, None),
]
OUTGOING = [
    Out("o-signed-exchange", D(2026, 6, 3), "QLVH", "leader", "exchange", True),
    Out("o-unsigned-paper", D(2026, 6, 15), "QLVH", None, "paper", True),
    Out("o-seal-paper", D(2026, 6, 30), "QLDL", "seal", "paper", True),
    Out("o-signed-email", D(2026, 6, 1), "QLDL", "leader", "email", True),
    Out("o-before", D(2026, 5, 31), "QLDL", "leader", "exchange", False),
    Out("o-draft", None, "QLVH", None, "exchange", False),
]


def who(username: str) -> Actor:
    return Actor.of(directory.find_staff(db.session, username))


def dept(abbrev: str) -> int:
    return db.session.scalar(select(Department.id).where(Department.abbreviation == abbrev))


@pytest.fixture
def seeded(app):
    return seed(db.session, INCOMING, OUTGOING)


def period(department: str | None = None) -> sr.Period:
    return sr.Period(*JUNE, dept(department) if department else None)


def counted(department: str | None = None) -> list[In]:
    return [s for s in INCOMING if s.expected and (department is None or s.dept == department)]


def test_incoming_rows_fall_in_the_seeded_categories(seeded):
    rows = sr.incoming_rows(db.session, who("giamdoc"), period(), AS_OF)
    got = {r.document.id: r.category for r in rows}
    assert got == {seeded[s.name]: s.expected for s in counted()}
    # in số đến (arrival) order, outside-period documents excluded
    assert [r.document.id for r in rows] == [seeded[s.name] for s in counted()]


def test_incoming_summary_per_department_and_total(seeded):
    rows = sr.incoming_rows(db.session, who("chanhvanphong"), period(), AS_OF)
    summary = dict(sr.incoming_summary(rows))
    names = {"QLVH": db.session.get(Department, dept("QLVH")).name,
             "QLDL": db.session.get(Department, dept("QLDL")).name, None: "Chưa giao đơn vị"}
    for abbrev, name in names.items():
        specs = [s for s in counted() if s.dept == abbrev]
        expected = Counter(s.expected for s in specs)
        expected["received"] = len(specs)
        assert summary[name] == dict(expected), abbrev
    total = Counter(s.expected for s in counted())
    total["received"] = len(counted())
    assert summary["Tổng cộng"] == dict(total)
    assert total == Counter(received=11, on_time=2, late=1, in_progress=2, overdue=4,
                            no_deadline=2)  # the seed itself, as a sanity check


def test_department_filter_keeps_the_lead_department_only(seeded):
    rows = sr.incoming_rows(db.session, who("giamdoc"), period("QLDL"), AS_OF)
    assert sorted(r.document.id for r in rows) == sorted(seeded[s.name]
                                                         for s in counted("QLDL"))


def test_outgoing_rows_and_summary(seeded):
    rows = sr.outgoing_rows(db.session, who("vanthu"), period())
    wanted = [s for s in OUTGOING if s.counted]
    assert sorted(r.document.id for r in rows) == sorted(seeded[s.name] for s in wanted)
    summary = dict(sr.outgoing_summary(rows))
    total = summary["Tổng cộng"]
    assert total["issued"] == len(wanted) == 4
    assert total["signed"] == sum(1 for s in wanted if s.signed) == 3
    assert total.get("unsigned", 0) == 1
    assert total["electronic"] == sum(1 for s in wanted if s.channel != "paper") == 2
    assert total["paper"] == 2
    vh = summary[db.session.get(Department, dept("QLVH")).name]
    assert vh == {"issued": 2, "signed": 1, "unsigned": 1, "electronic": 1, "paper": 1}
    only_dl = sr.outgoing_rows(db.session, who("vanthu"), period("QLDL"))
    assert sorted(r.document.id for r in only_dl) == sorted(
        seeded[s.name] for s in wanted if s.dept == "QLDL")


def test_dashboard_figures_equal_the_seed_and_the_reports(seeded):
    actor = who("giamdoc")
    fig = dashboard.figures(db.session, actor, period(), AS_OF)
    inc, out = counted(), [s for s in OUTGOING if s.counted]
    assert fig.received == len(inc) and fig.sent == len(out)
    assert fig.categories == {c: sum(1 for s in inc if s.expected == c) for c in sr.CATEGORIES}
    electronic = (sum(1 for s in inc if s.channel != "paper")
                  + sum(1 for s in out if s.channel != "paper"))
    assert fig.electronic == electronic == 5
    assert fig.electronic_rate == round(100 * 5 / 15, 1)
    assert fig.signed == 3 and fig.signed_rate == 75.0
    assert fig.on_time_rate == round(100 * 2 / 3, 1)
    summary = dict(sr.incoming_summary(sr.incoming_rows(db.session, actor, period(), AS_OF)))
    assert summary["Tổng cộng"]["overdue"] == fig.categories["overdue"]
    by_dept = {g.key: g.count for g in fig.overdue_by_department}
    assert by_dept == {f"overdue_dept:{dept('QLVH')}": 2, f"overdue_dept:{dept('QLDL')}": 1,
                       "overdue_dept:0": 1}
    by_person = {g.key: g.count for g in fig.overdue_by_person}
    vh = directory.find_staff(db.session, "chuyenvien.vh").id
    dl = directory.find_staff(db.session, "chuyenvien.dl").id
    assert by_person == {f"overdue_person:{vh}": 2, f"overdue_person:{dl}": 1,
                         "overdue_person:0": 1}


@pytest.mark.parametrize("key", ["received", "sent", "electronic", "signed", "unsigned",
                                 "on_time", "late", "in_progress", "overdue", "no_deadline"])
def test_drill_down_lists_exactly_the_documents_counted(seeded, key):
    inc, out = counted(), [s for s in OUTGOING if s.counted]
    expected = {
        "received": [s.name for s in inc], "sent": [s.name for s in out],
        "electronic": [s.name for s in inc + out if s.channel != "paper"],
        "signed": [s.name for s in out if s.signed],
        "unsigned": [s.name for s in out if not s.signed],
    }.get(key) or [s.name for s in inc if s.expected == key]
    docs, total = dashboard.drill_down(db.session, who("giamdoc"), period(), key, AS_OF)
    assert total == len(expected)
    assert sorted(d.id for d in docs) == sorted(seeded[n] for n in expected)


def test_drill_down_by_department_and_person_and_pages(seeded):
    actor = who("giamdoc")
    docs, total = dashboard.drill_down(db.session, actor, period(),
                                       f"overdue_dept:{dept('QLVH')}", AS_OF)
    assert sorted(d.id for d in docs) == sorted([seeded["overdue-vh"], seeded["overdue-vh-2"]])
    vh = directory.find_staff(db.session, "chuyenvien.vh").id
    docs, total = dashboard.drill_down(db.session, actor, period(), f"overdue_person:{vh}",
                                       AS_OF)
    assert total == 2
    first, total = dashboard.drill_down(db.session, actor, period(), "received", AS_OF,
                                        page=1, per_page=5)
    third, _ = dashboard.drill_down(db.session, actor, period(), "received", AS_OF,
                                    page=3, per_page=5)
    assert total == 11 and len(first) == 5 and len(third) == 1
    with pytest.raises(InvalidInput):
        dashboard.drill_down(db.session, actor, period(), "nonsense", AS_OF)


def _pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks (cell wrapping) turned into spaces."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_incoming_handling_report_pdf_and_xlsx(seeded):
    actor, now = who("chanhvanphong"), at(AS_OF, 9)
    pdf = sr.render(db.session, actor, "incoming_handling", period(), "pdf", AS_OF, now)
    text = _pdf_text(pdf.data)
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert "Từ ngày 01/06/2026 đến ngày 30/06/2026" in text
    assert "Tiến độ giải quyết" in text and "In từ Hệ thống eOffice" in text
    # column 2 names the document by type, number/symbol, date and issuer (no subject)
    code = {s.name: f"{100 + i}/UBND-VX" for i, s in enumerate(INCOMING, 1)}
    assert code["overdue-vh"] in text and code["before-period"] not in text
    assert "Quá hạn chưa giải quyết" in text and "Đã giải quyết quá hạn ngày 11/06/2026" in text
    xlsx = sr.render(db.session, actor, "incoming_handling", period(), "xlsx", AS_OF, now)
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    total_row = next(r for r in values if r and r[0] == "Tổng cộng")
    # Tổng số, đúng hạn, quá hạn, trong hạn, quá hạn chưa giải quyết, không thời hạn
    assert list(total_row[:7]) == [
        "Tổng cộng", len(counted())] + [sum(1 for s in counted() if s.expected == c)
                                        for c in sr.CATEGORIES]
    numbers = [r[0] for r in values if r and isinstance(r[0], int)]
    assert len(numbers) == len(counted())


def test_outgoing_reports_and_registers(seeded):
    actor, now = who("vanthu"), at(AS_OF, 9)
    reg = sr.render(db.session, actor, "outgoing_register", period(), "pdf", AS_OF, now)
    text = _pdf_text(reg.data)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text and "Người ký" in text
    assert "Công văn đi o-seal-paper" in text and "o-before" not in text and "o-draft" not in text
    rep = sr.render(db.session, actor, "outgoing_handling", period("QLVH"), "xlsx", AS_OF, now)
    values = list(load_workbook(io.BytesIO(rep.data)).active.iter_rows(values_only=True))
    totals = [r for r in values if r and r[0] == "Tổng cộng"]
    assert [list(r[:6]) for r in totals] == [["Tổng cộng", 2, 1, 1, 1, 1]] * 2
    inc = sr.render(db.session, actor, "incoming_register", period("QLDL"), "xlsx", AS_OF, now)
    rows = list(load_workbook(io.BytesIO(inc.data)).active.iter_rows(values_only=True))
    subjects = [r[5] for r in rows if r and isinstance(r[1], int)]
    assert sorted(subjects) == sorted(f"Công văn — Công văn {s.name}" for s in counted("QLDL"))
    pdf = sr.render(db.session, actor, "incoming_register", period(), "pdf", AS_OF, now)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in _pdf_text(pdf.data)


def test_only_leaders_office_head_and_clerk_read_reports(seeded):
    for username in ("chuyenvien.vh", "truongphong.vh", "luutru"):
        with pytest.raises(PermissionDenied):
            sr.incoming_rows(db.session, who(username), period(), AS_OF)
        with pytest.raises(PermissionDenied):
            dashboard.figures(db.session, who(username), period(), AS_OF)
