"""Report and dashboard figures of documents made through the real use cases (SQLite, PostgreSQL).

``test_statutory_reports.py`` seeds rows directly; here every document is
registered with ``incoming.register_incoming``, routed with
``Routing.complete`` (the leader's direction, the department head's
assignment, the specialist's handling, the head's confirmation) on a clock
moved by hand, and the outgoing reply is drafted, approved, signed and issued
through ``outgoing`` / ``issuing`` as in ``test_signing_route.py``. The
expected figures are written literally below, counted by hand from this
timeline (June 2026, as of Monday 15/06/2026):

====  =========  =====  ============  ========================  ======================
name  arrival    dept   deadline      state on 15/06            category
====  =========  =====  ============  ========================  ======================
A     29/05      —      —             at the clerk (present)    outside the period
B     01/06 (*)  QLVH   10/06         done 09/06 10:00          on_time
C     02/06      QLVH   05/06 (Fri)   done 06/06 00:30 VN (**)  late
D     03/06      QLVH   12/06 (Fri)   at the specialist         overdue
E     04/06 (e)  QLDL   19/06         handled, to confirm       in_progress
F     05/06      QLDL   15/06 (=as of)  at the specialist       in_progress
====  =========  =====  ============  ========================  ======================

(*) received over the exchange axis, (e) by e-mail, the others on paper.
(**) confirmed at 17:30 UTC on 05/06, which is already 06/06 in Vietnam: late.
Outgoing: one công văn replying to B, drafted by Phòng QLVH, signed by the
deputy director and issued on 12/06/2026 as 01/SVHTTDL-QLVH (exchange).
"""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import config
from app import create_app, wiring
from app.extensions import db
from archive.models import Document, OutgoingDocument, SignatureRecord, Task
from tests.archive_support import dept, staff_id, who
from tests.conftest import incoming_fields, unique_pdf
from tests.signing_support import PIN, app_config_for, provision_signing
from workflows import dashboard, inbox, incoming, issuing, outgoing
from workflows import statutory_reports as sr
from workflows.inbox import InboxQuery
from workflows.incoming import Upload

VN = timezone(timedelta(hours=7))
D = date
AS_OF = D(2026, 6, 15)
JUNE = sr.Period(D(2026, 6, 1), D(2026, 6, 30))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of local day ``day`` in Vietnam."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN)


@pytest.fixture
def signing_app(database_url, tmp_path, signing_pki):
    """An app (on the parametrised database) whose leaders and agency can sign."""
    application = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=database_url,
                             DATA_DIR=tmp_path / "data", SERVER_NAME="localhost",
                             **app_config_for(signing_pki))
    with application.app_context():
        provision_signing(application, signing_pki, seal="pkcs12")
        yield application
        db.session.remove()
        db.engine.dispose()


class Flow:
    """The app's routing service, driven on a clock the test moves."""

    def __init__(self):
        self.routing = wiring.routing()
        self.now = at(D(2026, 5, 29), 8)
        self.routing.clock = lambda: self.now
        self._serial = iter(range(700, 800))

    def when(self, moment: datetime) -> "Flow":
        assert moment >= self.now, "the timeline only moves forward"
        self.now = moment
        return self

    def register(self, arrival: date, subject: str, **fields) -> Document:
        self.when(at(arrival, 8, 30))
        values = incoming_fields(code_number=str(next(self._serial)),
                                 arrival_date=arrival.isoformat(),
                                 issued_date=(arrival - timedelta(days=2)).isoformat(),
                                 subject=subject, **fields)
        return incoming.register_incoming(db.session, who("vanthu"), wiring.storage(),
                                          wiring.limits(), values,
                                          [Upload("scan.pdf", unique_pdf())], today=arrival,
                                          routing=self.routing).document

    def step(self, username: str, doc: Document, values: dict, moment: datetime) -> None:
        """Complete the one ready task of ``doc`` in ``username``'s inbox at ``moment``."""
        self.when(moment)
        items, _ = inbox.list_tasks(db.session, who(username), InboxQuery(scope="mine"),
                                    now=moment)
        mine = [t for t in items if t.document_id == doc.id]
        assert len(mine) == 1, [(t.bpmn_id, t.assignee_id) for t in mine]
        self.routing.complete(db.session, who(username), mine[0].id, values)

    def present_and_direct(self, doc: Document, day: date, lead: str, deadline: date) -> None:
        """The clerk presents to the leaders; the director gives the direction (bút phê)."""
        self.step("vanthu", doc, {"route": "leader"}, at(day, 9))
        self.step("giamdoc", doc, {"decision": "direct", "lead_department_id": dept(lead),
                                   "support_department_ids": [], "fyi_staff_ids": [],
                                   "deadline": deadline.isoformat(),
                                   "note": f"Giao Phòng {lead} chủ trì."}, at(day, 10))

    def assign(self, doc: Document, head: str, specialist: str, moment: datetime) -> None:
        self.step(head, doc, {"decision": "assign", "specialist_id": staff_id(specialist)},
                  moment)


def ready_steps(doc: Document) -> list[str]:
    return sorted(t.bpmn_id for t in db.session.scalars(select(Task).where(
        Task.document_id == doc.id, Task.status == "ready")))


def reply_issued(flow: Flow, to: Document) -> Document:
    """A công văn replying to ``to``: drafted, approved, signed, issued on 12/06/2026."""
    routing = flow.routing

    def act(username: str, doc: Document, values: dict, moment: datetime) -> None:
        flow.when(moment)
        task = outgoing.open_task(db.session, doc.id)
        routing.complete(db.session, who(username), task.id, values)

    flow.when(at(D(2026, 6, 10), 9))
    doc = outgoing.create_draft(db.session, who("chuyenvien.vh"), wiring.draft_inputs(), {
        "subject": "V/v trả lời đề nghị tổ chức lễ hội", "document_type": "CV",
        "signer_id": staff_id("phogiamdoc"), "authority": "KT.", "authority_of": "GIÁM ĐỐC",
        "signer_position": "Phó Giám đốc", "recipients": "- UBND tỉnh;",
        "reply_to_id": to.id, "generate": "1",
        "body": "Sở Văn hóa, Thể thao và Du lịch trả lời như sau: đồng ý tổ chức lễ hội."},
        None)
    act("chuyenvien.vh", doc, {}, at(D(2026, 6, 10), 10))
    act("truongphong.vh", doc, {"decision": "approve"}, at(D(2026, 6, 11), 9))
    act("chanhvanphong", doc, {"decision": "approve"}, at(D(2026, 6, 11), 14))
    flow.when(at(D(2026, 6, 12), 9))
    out = db.session.get(OutgoingDocument, doc.id)
    issuing.sign_outgoing(db.session, who("phogiamdoc"), wiring.signing_inputs(), doc.id, PIN,
                          out.current_version_id)
    flow.when(at(D(2026, 6, 12), 10))
    issuing.issue_outgoing(db.session, who("vanthu"), wiring.signing_inputs(), doc.id, PIN,
                           issue_date=D(2026, 6, 12))
    act("vanthu", doc, {}, at(D(2026, 6, 12), 11))  # dispatched, filed
    return doc


@pytest.fixture
def timeline(signing_app) -> dict[str, Document]:
    """The documents of the module docstring, made through the use cases."""
    flow = Flow()
    docs: dict[str, Document] = {}
    # 29/05: received, still at the clerk's step; outside the June period
    docs["A"] = flow.register(D(2026, 5, 29), "Văn bản tháng năm")
    # 01/06 – 05/06: one arrives each morning; the director directs it the same day
    docs["B"] = flow.register(D(2026, 6, 1), "Văn bản đúng hạn", channel="exchange")
    flow.present_and_direct(docs["B"], D(2026, 6, 1), "QLVH", D(2026, 6, 10))
    docs["C"] = flow.register(D(2026, 6, 2), "Văn bản giải quyết muộn")
    flow.present_and_direct(docs["C"], D(2026, 6, 2), "QLVH", D(2026, 6, 5))
    flow.assign(docs["B"], "truongphong.vh", "chuyenvien.vh", at(D(2026, 6, 2), 14))
    flow.assign(docs["C"], "truongphong.vh", "chuyenvien.vh", at(D(2026, 6, 2), 15))
    docs["D"] = flow.register(D(2026, 6, 3), "Văn bản quá hạn")
    flow.present_and_direct(docs["D"], D(2026, 6, 3), "QLVH", D(2026, 6, 12))
    flow.assign(docs["D"], "truongphong.vh", "chuyenvien.vh", at(D(2026, 6, 3), 14))
    docs["E"] = flow.register(D(2026, 6, 4), "Văn bản đang giải quyết", channel="email")
    flow.present_and_direct(docs["E"], D(2026, 6, 4), "QLDL", D(2026, 6, 19))
    flow.assign(docs["E"], "truongphong.dl", "chuyenvien.dl", at(D(2026, 6, 4), 14))
    docs["F"] = flow.register(D(2026, 6, 5), "Văn bản đến hạn hôm nay")
    flow.present_and_direct(docs["F"], D(2026, 6, 5), "QLDL", AS_OF)
    flow.assign(docs["F"], "truongphong.dl", "chuyenvien.dl", at(D(2026, 6, 5), 14))
    # C: handled on its deadline day, confirmed after midnight Vietnam time
    flow.step("chuyenvien.vh", docs["C"], {"note": "Đã xử lý."}, at(D(2026, 6, 5), 16))
    flow.step("truongphong.vh", docs["C"], {"decision": "accept"},
              datetime(2026, 6, 5, 17, 30, tzinfo=timezone.utc))
    # B: handled and confirmed before its deadline
    flow.step("chuyenvien.vh", docs["B"], {"note": "Đã xử lý."}, at(D(2026, 6, 8), 9))
    flow.step("truongphong.vh", docs["B"], {"decision": "accept"}, at(D(2026, 6, 9), 10))
    # E: the specialist has handled it; the head has not confirmed yet
    flow.step("chuyenvien.dl", docs["E"], {"note": "Đã dự thảo báo cáo."},
              at(D(2026, 6, 10), 9))
    docs["reply"] = reply_issued(flow, docs["B"])
    db.session.expire_all()
    # the states of the docstring, as the route left them
    assert [(docs[n].status, ready_steps(docs[n])) for n in "ABCDEF"] == [
        ("registered", ["present"]), ("done", []), ("done", []), ("assigned", ["handle"]),
        ("in_progress", ["confirm"]), ("assigned", ["handle"])]
    assert docs["reply"].status == "filed"
    return docs


def test_incoming_register_and_handling_report(timeline):
    docs = timeline
    actor = who("chanhvanphong")
    rows = sr.incoming_rows(db.session, actor, JUNE, AS_OF)
    # register rows: the five June arrivals in số đến order; A (29/05) took number 1
    assert [r.document.id for r in rows] == [docs[n].id for n in "BCDEF"]
    assert [r.document.arrival_number for r in rows] == [2, 3, 4, 5, 6]
    assert docs["A"].arrival_number == 1
    assert {r.document.id: r.category for r in rows} == {
        docs["B"].id: "on_time", docs["C"].id: "late", docs["D"].id: "overdue",
        docs["E"].id: "in_progress", docs["F"].id: "in_progress"}
    by_id = {r.document.id: r for r in rows}
    assert by_id[docs["B"].id].handled_on == D(2026, 6, 9)
    assert by_id[docs["C"].id].handled_on == D(2026, 6, 6)  # local date of 17:30 UTC
    assert by_id[docs["B"].id].reply_codes == ["01/SVHTTDL-QLVH"]
    assert [by_id[docs[n].id].handed_on for n in "BCDEF"] == [
        D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 3), D(2026, 6, 4), D(2026, 6, 5)]
    assert [(by_id[docs[n].id].department_id, by_id[docs[n].id].handler_id) for n in "BDE"] == [
        (dept("QLVH"), staff_id("chuyenvien.vh")), (dept("QLVH"), staff_id("chuyenvien.vh")),
        (dept("QLDL"), staff_id("chuyenvien.dl"))]

    summary = dict(sr.incoming_summary(rows))
    assert summary == {
        "Phòng Quản lý Văn hóa": {"received": 3, "on_time": 1, "late": 1, "overdue": 1},
        "Phòng Quản lý Du lịch": {"received": 2, "in_progress": 2},
        "Tổng cộng": {"received": 5, "on_time": 1, "late": 1, "overdue": 1, "in_progress": 2}}

    now = at(AS_OF, 9)
    reg = sr.render(db.session, actor, "incoming_register", JUNE, "xlsx", AS_OF, now)
    values = list(load_workbook(io.BytesIO(reg.data)).active.iter_rows(values_only=True))
    assert [r[1] for r in values if r and isinstance(r[1], int)] == [2, 3, 4, 5, 6]
    rep = sr.render(db.session, actor, "incoming_handling", JUNE, "xlsx", AS_OF, now)
    values = list(load_workbook(io.BytesIO(rep.data)).active.iter_rows(values_only=True))
    total_row = next(r for r in values if r and r[0] == "Tổng cộng")
    # Tổng số, đúng hạn, quá hạn (đã giải quyết), trong hạn, quá hạn chưa giải quyết, không hạn
    assert list(total_row[:7]) == ["Tổng cộng", 5, 1, 1, 2, 1, 0]
    assert [r[0] for r in values if r and isinstance(r[0], int)] == [2, 3, 4, 5, 6]
    only_dl = sr.incoming_rows(db.session, actor,
                               sr.Period(JUNE.date_from, JUNE.date_to, dept("QLDL")), AS_OF)
    assert [r.document.id for r in only_dl] == [docs["E"].id, docs["F"].id]


def test_dashboard_figures_outgoing_rows_and_overdue_drill_down(timeline):
    docs = timeline
    actor = who("giamdoc")
    fig = dashboard.figures(db.session, actor, JUNE, AS_OF)
    assert (fig.received, fig.sent) == (5, 1)
    assert fig.categories == {"on_time": 1, "late": 1, "in_progress": 2, "overdue": 1,
                              "no_deadline": 0}
    assert fig.on_time_rate == 50.0
    assert fig.electronic == 3 and fig.electronic_rate == 50.0  # B, E and the reply of 6
    assert fig.signed == 1 and fig.signed_rate == 100.0
    assert [(g.key, g.count) for g in fig.overdue_by_department] == [
        (f"overdue_dept:{dept('QLVH')}", 1)]
    assert [(g.key, g.name, g.count) for g in fig.overdue_by_person] == [
        (f"overdue_person:{staff_id('chuyenvien.vh')}", "Đỗ Thị Lan", 1)]

    docs_overdue, total = dashboard.drill_down(db.session, actor, JUNE, "overdue", AS_OF)
    assert total == 1 and [d.id for d in docs_overdue] == [docs["D"].id]
    for key in (f"overdue_dept:{dept('QLVH')}", f"overdue_person:{staff_id('chuyenvien.vh')}"):
        found, total = dashboard.drill_down(db.session, actor, JUNE, key, AS_OF)
        assert total == 1 and [d.id for d in found] == [docs["D"].id], key
    found, total = dashboard.drill_down(db.session, actor, JUNE, "in_progress", AS_OF)
    assert total == 2 and sorted(d.id for d in found) == sorted([docs["E"].id, docs["F"].id])

    # the outgoing reply, through the same rows the report prints
    rows = sr.outgoing_rows(db.session, actor, JUNE)
    assert [(r.document.id, r.department_id, r.signed) for r in rows] == [
        (docs["reply"].id, dept("QLVH"), True)]
    reply = rows[0].document
    assert (reply.arrival_number, reply.code_number, reply.code_notation,
            reply.issued_date) == (1, "01", "SVHTTDL-QLVH", D(2026, 6, 12))
    kinds = sorted(db.session.scalars(select(SignatureRecord.kind).where(
        SignatureRecord.document_id == reply.id)))
    assert kinds == ["leader", "seal"]
    assert dict(sr.outgoing_summary(rows))["Tổng cộng"] == {"issued": 1, "signed": 1,
                                                           "electronic": 1}

    # the inbox agrees on D at 09:00 of the as-of day: overdue for its specialist,
    # while F (due today, deadline moment 17:00) is not overdue yet
    late, _ = inbox.list_tasks(db.session, who("chuyenvien.vh"), InboxQuery(scope="overdue"),
                               now=at(AS_OF, 9))
    assert [t.document_id for t in late] == [docs["D"].id]
    late, _ = inbox.list_tasks(db.session, who("chuyenvien.dl"), InboxQuery(scope="overdue"),
                               now=at(AS_OF, 9))
    assert late == []
