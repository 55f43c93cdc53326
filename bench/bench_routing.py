"""Routing on PostgreSQL: completing a task (engine + persistence) and the inbox at 100,000 tasks.

Why: every click on "Chuyển"/"Hoàn thành" restores the route's engine state
from ``process_instances``, steps it, serialises it back, mirrors the ready
user tasks into ``tasks``, writes the trail, grants, notifications and audit,
then commits, all under the instance's row lock. The inbox (``tasks``) is what
every user opens first, and its rule ORs five ways a task can be "mine"
(delegated to me; claimed by me; assigned to me; my role in my department),
then sorts by urgency and deadline, counts the total and, in the navigation
bar, counts urgent and overdue tasks too. This measures both on a throw-away
PostgreSQL database:

1. ``workflows.routing.Routing.complete`` (the app's ``wiring.routing()``) for
   every step of the incoming route (present, propose, direct, assign,
   opinion, handle, confirm, and a send-back with revise on every 5th
   document) over ``--documents`` documents registered with
   ``workflows.incoming.register_incoming(..., routing=...)``; p50/p95/p99
   per step, the number of SQL statements and the database time inside each
   call, and the size of the serialised state (``process_instances.state``)
   after each step. The same is repeated on ``--at-scale`` documents once the
   database holds the 100,000 open tasks.
2. ``workflows.inbox.list_tasks`` (first page, page 20, ``scope=overdue``,
   ``scope=department``) and ``workflows.inbox.counts`` for a clerk, a
   leader, a department head and two specialists (~2,000 tasks and a dozen)
   with ``--tasks`` (100,000) ready tasks seeded by COPY, after VACUUM ANALYZE;
   EXPLAIN (ANALYZE, BUFFERS) of the slowest cases goes to ``bench/out``.
3. Index and query variants for the inbox, created in the bench database
   only (``--variants``), each measured the same way.

    .venv/bin/python bench/bench_routing.py                     # ~5-8 minutes
    .venv/bin/python bench/bench_routing.py --history 300000    # plus completed tasks
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

VN = timezone(timedelta(hours=7))
DEPTS = ["VP", "QLVH", "QLDL", "QLTDTT", "XDNSVHGD"]
# Extra people: a head for the departments the demo has none for, 10 specialists per
# department (50), and one specialist who has only a few tasks.
EXTRA_HEADS = {"VP": "truongphong.vp", "QLTDTT": "truongphong.tdtt",
               "XDNSVHGD": "truongphong.gd"}
FEW_SPECIALIST = ("chuyenvien.it", "XDNSVHGD")
BUSY_SPECIALIST_TASKS = 2000
FEW_SPECIALIST_TASKS = 12
# Open-task mix by the step a document waits at (opinion tasks come on top, see seed_tasks).
STEP_MIX = [("present", 5), ("propose", 5), ("direct", 10), ("assign", 12), ("confirm", 8),
            ("handle", 55), ("revise", 5)]
STEPS = {  # bpmn id: form, role, lane, name
    "present": ("present", "clerk", "Văn thư", "Trình văn bản"),
    "propose": ("review", "office_head", "Chánh Văn phòng", "Chánh Văn phòng đề xuất"),
    "direct": ("direction", "leader", "Lãnh đạo", "Lãnh đạo cho ý kiến chỉ đạo"),
    "assign": ("assign", "department_head", "Trưởng phòng", "Trưởng phòng phân công"),
    "opinion": ("opinion", "department_head", "Trưởng phòng", "Phòng phối hợp cho ý kiến"),
    "handle": ("handle", "specialist", "Chuyên viên", "Chuyên viên xử lý"),
    "confirm": ("confirm", "department_head", "Trưởng phòng", "Trưởng phòng duyệt kết quả"),
    "revise": ("handle", "specialist", "Chuyên viên", "Chuyên viên hoàn thiện"),
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--documents", type=int, default=150,
                   help="documents routed end to end on the small database")
    p.add_argument("--at-scale", type=int, default=40,
                   help="documents routed again with the 100k tasks loaded (0: skip)")
    p.add_argument("--tasks", type=int, default=100_000, help="ready tasks to seed")
    p.add_argument("--history", type=int, default=0,
                   help="completed tasks to seed as well (a database some years old)")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--variants", choices=("auto", "always", "never"), default="auto",
                   help="index/query variants: auto = only if a p95 is above --threshold")
    p.add_argument("--threshold", type=float, default=150.0, help="ms (p95)")
    p.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    p.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    return p.parse_args()


# --- statement counting ---------------------------------------------------------------

class SqlMeter:
    """Counts statements and their time on an engine; optionally records them."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.count, self.seconds, self.record, self.statements = 0, 0.0, False, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()
        if self.record:
            self.statements.append((statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.seconds += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())

    @contextmanager
    def measure(self):
        c0, s0 = self.count, self.seconds
        box = {}
        yield box
        box["statements"], box["db_ms"] = self.count - c0, (self.seconds - s0) * 1000


def stats(samples: list[float]) -> dict:
    return {"n": len(samples), "p50": common.percentile(samples, 50),
            "p95": common.percentile(samples, 95), "p99": common.percentile(samples, 99),
            "max": max(samples) if samples else float("nan")}


# --- people ----------------------------------------------------------------------------

def create_people() -> dict:
    """Department heads for every department and 51 specialists (SQL, copied password)."""
    from sqlalchemy import insert, select
    from app.extensions import db
    from archive import directory
    from archive.models import Department, Staff, StaffRole
    session = db.session
    lan = directory.find_staff(session, "chuyenvien.vh")
    depts = {d.abbreviation: d.id for d in session.scalars(select(Department))}
    rows = [(u, f"Trưởng phòng {a}", a, "department_head") for a, u in EXTRA_HEADS.items()]
    for abbrev in DEPTS:
        rows += [(f"cv{i:02d}.{abbrev.lower()}", f"Chuyên viên {i} {abbrev}", abbrev, "specialist")
                 for i in range(1, 11)]
    rows.append((FEW_SPECIALIST[0], "Chuyên viên ít việc", FEW_SPECIALIST[1], "specialist"))
    now = datetime.now(timezone.utc)
    for username, name, abbrev, role in rows:
        sid = session.execute(insert(Staff).values(
            organization_id=lan.organization_id, department_id=depts[abbrev], username=username,
            full_name=name, position_title=name, password_hash=lan.password_hash, active=True,
            failed_logins=0, session_epoch=0, created_at=now).returning(Staff.id)).scalar_one()
        session.execute(insert(StaffRole).values(staff_id=sid, role=role))
    session.commit()
    staff = {s.username: s for s in session.scalars(select(Staff))}
    heads = {depts[a]: staff[u].id for a, u in
             {**EXTRA_HEADS, "QLVH": "truongphong.vh", "QLDL": "truongphong.dl"}.items()}
    specialists = {depts[a]: [staff[f"cv{i:02d}.{a.lower()}"].id for i in range(1, 11)]
                   for a in DEPTS}
    return {"org": lan.organization_id, "depts": depts, "heads": heads,
            "specialists": specialists, "ids": {u: s.id for u, s in staff.items()},
            "clerk": staff["vanthu"].id, "leaders": [staff["giamdoc"].id, staff["phogiamdoc"].id]}


def actor_of(staff_id: int):
    from app.extensions import db
    from archive.identity import Actor
    from archive.models import Staff
    return Actor.of(db.session.get(Staff, staff_id))


# --- 1. task completion -----------------------------------------------------------------

def register_documents(n: int, people: dict, meter: SqlMeter, tag: str) -> tuple[list[int], list]:
    from app import wiring
    from app.extensions import db
    from workflows import incoming
    clerk = actor_of(people["clerk"])
    routing = wiring.routing()
    rng, ids, samples, today = random.Random(7), [], [], incoming.vn_today()
    for i in range(n):
        urgency = rng.choice(["normal"] * 9 + ["urgent"])
        values = {"code_number": str(10_000 + i), "code_notation": f"{tag}-UBND",
                  "issuer_name": "Ủy ban nhân dân tỉnh Demo", "document_type": "CV",
                  "subject": f"V/v tổ chức hoạt động văn hóa số {i} ({tag})",
                  "issued_date": (today - timedelta(days=3)).isoformat(),
                  "arrival_date": today.isoformat(), "signer_name": "Nguyễn Văn A",
                  "signer_position": "Chủ tịch", "urgency": urgency}
        pdf = common.make_pdf(1, f"{tag}-{i}", noise_kb=4)
        t = time.perf_counter()
        reg = incoming.register_incoming(db.session, clerk, wiring.storage(), wiring.limits(),
                                         values, [incoming.Upload("scan.pdf", pdf)],
                                         routing=routing)
        samples.append((time.perf_counter() - t) * 1000)
        ids.append(reg.document.id)
        db.session.remove()
    return ids, samples


def route_documents(doc_ids: list[int], people: dict, meter: SqlMeter,
                    dump: list[str] | None = None) -> dict:
    """Walk every document through the whole route, step kind by step kind; time complete()."""
    from sqlalchemy import select
    from app import wiring
    from app.extensions import db
    from archive.models import ProcessInstance, Task
    routing = wiring.routing()
    depts = people["depts"]
    lead_order = [depts[a] for a in DEPTS]
    plan = {}
    for i, doc_id in enumerate(doc_ids):
        lead, support = lead_order[i % 5], lead_order[(i + 1) % 5]
        spec = people["specialists"][lead][(i // 5) % 10]
        plan[doc_id] = {"lead": lead, "support": support, "specialist": spec,
                        "send_back": i % 5 == 4}
    actors: dict[int, object] = {}

    def actor(sid):
        if sid not in actors:
            actors[sid] = actor_of(sid)
        return actors[sid]

    from workflows.incoming import vn_today
    deadline = (vn_today() + timedelta(days=14)).isoformat()
    phases = [
        ("present", lambda p: people["clerk"], lambda p: {"route": "office_head"}, None),
        ("propose", lambda p: people["ids"]["chanhvanphong"],
         lambda p: {"decision": "forward", "note": "Đề xuất giao phòng chủ trì."}, None),
        ("direct", lambda p: people["leaders"][0], lambda p: {
            "decision": "direct", "lead_department_id": p["lead"],
            "support_department_ids": [p["support"]], "fyi_staff_ids": [people["leaders"][1]],
            "deadline": deadline, "note": "Giao phòng chủ trì, phòng phối hợp tham mưu."}, None),
        ("assign", lambda p: people["heads"][p["lead"]], lambda p: {
            "decision": "assign", "specialist_id": p["specialist"], "note": "Đ/c xử lý."}, None),
        ("opinion", lambda p: people["heads"][p["support"]],
         lambda p: {"decision": "agree", "note": "Thống nhất."}, None),
        ("handle", lambda p: p["specialist"],
         lambda p: {"note": "Đã dự thảo công văn trả lời."}, None),
        ("confirm", lambda p: people["heads"][p["lead"]],
         lambda p: ({"decision": "return", "note": "Bổ sung số liệu."} if p["send_back"]
                    else {"decision": "accept"}), None),
        ("revise", lambda p: p["specialist"], lambda p: {"note": "Đã bổ sung số liệu."},
         lambda p: p["send_back"]),
        ("confirm", lambda p: people["heads"][p["lead"]], lambda p: {"decision": "accept"},
         lambda p: p["send_back"]),
    ]
    results, sizes = [], []

    def state_sizes(label):
        rows = db.session.execute(select(ProcessInstance.state).where(
            ProcessInstance.document_id.in_(doc_ids))).scalars().all()
        lengths = [len(s) for s in rows]
        sizes.append({"after": label, "p50": common.percentile(lengths, 50),
                      "max": max(lengths)})
        db.session.remove()

    state_sizes("registration (start)")
    seen = set()
    for bpmn_id, who, values, only in phases:
        label = bpmn_id
        if bpmn_id == "confirm":
            label = "confirm (accept, after revise)" if "confirm" in seen else \
                "confirm (accept / return every 5th)"
        seen.add(bpmn_id)
        wall, stmts, dbms, python = [], [], [], []
        for n_done, doc_id in enumerate(doc_ids):
            p = plan[doc_id]
            if only and not only(p):
                continue
            task_id = db.session.scalar(select(Task.id).where(
                Task.document_id == doc_id, Task.status == "ready", Task.bpmn_id == bpmn_id))
            assert task_id, (doc_id, bpmn_id)
            a, v = actor(who(p)), values(p)
            db.session.remove()  # each click is a request: a fresh session
            meter.statements, meter.record = [], n_done == 0 and dump is not None
            with meter.measure() as m:
                t = time.perf_counter()
                routing.complete(db.session, a, task_id, v)
                wall.append((time.perf_counter() - t) * 1000)
            meter.record = False
            stmts.append(m["statements"])
            dbms.append(m["db_ms"])
            python.append(wall[-1] - m["db_ms"])
            if meter.statements:
                dump.append(f"-- {label}: {len(meter.statements)} statements")
                dump += [" ".join(st.split())[:300] for st, _ in meter.statements] + [""]
            db.session.remove()
        results.append({"step": label, **stats(wall), "statements": statistics.median(stmts),
                        "db_ms": statistics.median(dbms), "py_ms": statistics.median(python),
                        "samples": wall})
        state_sizes(label)
    everything = [s for r in results for s in r["samples"]]
    results.append({"step": "all steps", **stats(everything),
                    "statements": None, "db_ms": None, "py_ms": None, "samples": everything})
    finished = db.session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.document_id.in_(doc_ids), ProcessInstance.status != "finished"))
    assert finished is None, "some routes did not finish"
    db.session.remove()
    return {"steps": results, "sizes": sizes}


# --- 2. seeding 100k open tasks ------------------------------------------------------------

def seed_tasks(n_tasks: int, n_history: int, people: dict) -> dict:
    """Documents, instances and ``n_tasks`` ready tasks (plus history), by SQL and COPY."""
    from sqlalchemy import select, text
    from app.extensions import db
    from archive import registers
    from archive.models import ProcessDefinition
    from workflows.engine import SERIALIZER_VERSION
    t0 = time.perf_counter()
    rng = random.Random(2026)
    org, clerk = people["org"], people["clerk"]
    year = date.today().year - 1
    reg = registers.get_or_create_default(db.session, org, "incoming", year, False)
    definition = db.session.scalar(select(ProcessDefinition).order_by(ProcessDefinition.id))
    db.session.commit()
    n_docs = round(n_tasks / 1.1)  # ~10% of the waiting documents also wait for an opinion
    with db.engine.connect() as conn:
        conn.execute(text("""
            INSERT INTO documents (organization_id, direction, register_id, arrival_number,
                arrival_date, code_number, code_notation, issued_date, issuer_name,
                document_type, subject, signer_position, signer_name, page_count, urgency,
                confidentiality, channel, language, status, subject_folded, code_folded,
                created_by_id, created_at)
            SELECT :org, 'incoming', :reg, g, make_date(:year, 1, 1) + (g * 365 / :n),
                (g % 3000 + 1)::text, 'UBND-VX', make_date(:year, 1, 1) + (g * 365 / :n) - 3,
                'Ủy ban nhân dân tỉnh Demo', 'CV',
                'V/v tổ chức các hoạt động văn hóa, văn nghệ số ' || g, 'Giám đốc',
                'Nguyễn Văn A', 2,
                CASE WHEN g % 100 = 0 THEN 'flash' WHEN g % 100 < 3 THEN 'very_urgent'
                     WHEN g % 100 < 10 THEN 'urgent' ELSE 'normal' END,
                'normal', 'paper', 'Tiếng Việt', 'assigned',
                'v/v to chuc cac hoat dong van hoa, van nghe so ' || g, '', :clerk, now()
            FROM generate_series(1, :n) g"""),
            {"org": org, "reg": reg.id, "year": year, "n": n_docs, "clerk": clerk})
        conn.execute(text("""
            INSERT INTO process_instances (organization_id, definition_id, document_id, state,
                serializer_version, definition_sha256, status, revision, created_at, updated_at)
            SELECT :org, :def, d.id, '\\x'::bytea, :ver, :sha, 'running', 3, now(), now()
            FROM documents d WHERE d.register_id = :reg"""),
            {"org": org, "def": definition.id, "ver": SERIALIZER_VERSION,
             "sha": definition.sha256, "reg": reg.id})
        docs = conn.execute(text("""
            SELECT d.id, d.arrival_number, i.id FROM documents d
            JOIN process_instances i ON i.document_id = d.id WHERE d.register_id = :reg
            ORDER BY d.arrival_number"""), {"reg": reg.id}).all()
        conn.commit()
    t_docs = time.perf_counter() - t0

    ranks = {"flash": 0, "very_urgent": 1, "urgent": 2, "normal": 3}

    def rank_of(g):
        m = g % 100
        return ranks["flash" if m == 0 else "very_urgent" if m < 3 else
                     "urgent" if m < 10 else "normal"]

    now = datetime.now(timezone.utc)
    today = now.astimezone(VN).date()
    dept_ids = [people["depts"][a] for a in DEPTS]
    qlvh, few_dept = people["depts"]["QLVH"], people["depts"][FEW_SPECIALIST[1]]
    busy, few = people["ids"]["chuyenvien.vh"], people["ids"][FEW_SPECIALIST[0]]
    leaders, heads, specs = people["leaders"], people["heads"], people["specialists"]
    counters = {"busy": 0, "few": 0}

    def due_fields(bpmn_id):
        if bpmn_id in ("present", "propose", "direct"):  # the diagram gives them no deadline
            return None, None, None
        # ~19% of the dated tasks are overdue, i.e. ~15% of all open tasks.
        offset = -rng.randint(1, 30) if rng.random() < 0.19 else rng.randint(1, 30)
        due = today + timedelta(days=offset)
        at = datetime.combine(due, datetime.min.time().replace(hour=17), tzinfo=VN)
        return due, at.astimezone(timezone.utc), (at - timedelta(days=1)).astimezone(timezone.utc)

    def task_row(doc_g, instance_id, doc_id, bpmn_id, lead, support):
        form, role, lane, name = STEPS[bpmn_id]
        dept = assignee = claimed = dto = dby = None
        if role == "department_head":
            dept = support if bpmn_id == "opinion" else lead
        elif role == "specialist":
            dept = lead
            if dept == qlvh and counters["busy"] < BUSY_SPECIALIST_TASKS:
                assignee, counters["busy"] = busy, counters["busy"] + 1
            elif dept == few_dept and counters["few"] < FEW_SPECIALIST_TASKS:
                assignee, counters["few"] = few, counters["few"] + 1
            else:
                assignee = rng.choice(specs[dept])
        r = rng.random()
        if role == "leader":
            if r < 0.08:
                claimed = rng.choice(leaders)
            elif r < 0.10:  # claimed and delegated to the other leader
                claimed = dby = rng.choice(leaders)
                dto = leaders[1] if dby == leaders[0] else leaders[0]
        elif role == "department_head":
            if r < 0.03:
                claimed = heads[dept]
            elif r < 0.05:  # the head delegates to one of the department's specialists
                claimed = dby = heads[dept]
                dto = rng.choice(specs[dept])
        elif role == "specialist" and r < 0.02:  # a colleague stands in
            dby = assignee
            dto = rng.choice([s for s in specs[dept] if s != assignee])
        elif role == "clerk" and r < 0.02:
            claimed = clerk
        due, due_at, remind_at = due_fields(bpmn_id)
        context = {"route": "office_head"}
        if role in ("department_head", "specialist"):
            context.update(lead_department_id=lead, support_department_ids=[support],
                           deadline=due.isoformat() if due else None,
                           note="Giao phòng chủ trì, phòng phối hợp tham mưu.")
        if role == "specialist":
            context.update(specialist_id=assignee, specialist_deadline=context["deadline"])
        return (org, instance_id, doc_id, str(uuid.UUID(int=rng.getrandbits(128))), bpmn_id,
                name, lane, role, form, dept, assignee, claimed, dto, dby, rank_of(doc_g), due,
                due_at, remind_at, json.dumps(context, ensure_ascii=False), "ready",
                now - timedelta(days=rng.randint(0, 40)))

    steps = [s for s, w in STEP_MIX for _ in range(w)]
    rows, with_opinion = [], []
    for g, doc_id, instance_id in docs:
        lead = rng.choice(dept_ids)
        support = rng.choice([d for d in dept_ids if d != lead])
        bpmn_id = rng.choice(steps)
        rows.append(task_row(g, instance_id, doc_id, bpmn_id, lead, support))
        if bpmn_id in ("assign", "handle"):
            with_opinion.append((g, instance_id, doc_id, lead, support))
    rng.shuffle(with_opinion)
    for g, instance_id, doc_id, lead, support in with_opinion[:n_tasks - len(rows)]:
        rows.append(task_row(g, instance_id, doc_id, "opinion", lead, support))
    rows = [row + (None, None) for row in rows]  # outcome, completed_at
    history = []
    for _ in range(n_history):  # what earlier steps left behind
        g, doc_id, instance_id = docs[rng.randrange(len(docs))]
        bpmn_id = rng.choice(["present", "propose", "direct", "assign", "opinion", "handle"])
        lead = rng.choice(dept_ids)
        row = list(task_row(g, instance_id, doc_id, bpmn_id, lead,
                            dept_ids[(dept_ids.index(lead) + 1) % 5]))
        row[19] = rng.choice(["completed"] * 9 + ["cancelled"])
        history.append(tuple(row) + ("forward", row[20] + timedelta(days=1)))
    # Ready and finished tasks interleaved in the heap (a pessimistic layout: in a real
    # database the open tasks are mostly the newest rows).
    all_rows = rows + history
    if history:
        rng.shuffle(all_rows)
    t_rows = time.perf_counter() - t0 - t_docs

    columns = ("organization_id, instance_id, document_id, engine_task_id, bpmn_id, name, lane, "
               "role, form, department_id, assignee_id, claimed_by_id, delegated_to_id, "
               "delegated_by_id, urgency_rank, due_date, due_at, remind_at, context, status, "
               "created_at, outcome, completed_at")
    raw = db.engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cur:
            with cur.copy(f"COPY tasks ({columns}) FROM STDIN") as copy:
                for row in all_rows:
                    copy.write_row(row)
        pg.commit()
        t_copy = time.perf_counter() - t0 - t_docs - t_rows
        t = time.perf_counter()
        pg.autocommit = True
        with pg.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
        pg.autocommit = False
        t_analyze = time.perf_counter() - t
    finally:
        raw.close()
    with db.engine.connect() as conn:
        ready = conn.execute(text("SELECT count(*) FROM tasks WHERE status = 'ready'")).scalar()
        size = conn.execute(text(
            "SELECT pg_size_pretty(pg_total_relation_size('tasks'))")).scalar()
    return {"documents": len(docs), "ready": ready, "history": len(history),
            "opinion": len(rows) - len(docs), "tasks size": size,
            "seconds": {"documents+instances": t_docs, "rows (python)": t_rows, "COPY": t_copy,
                        "VACUUM ANALYZE": t_analyze, "total": time.perf_counter() - t0}}


# --- 2. inbox queries ------------------------------------------------------------------------

def inbox_cases(people: dict) -> list[tuple]:
    from workflows.inbox import InboxQuery
    ids, depts = people["ids"], people["depts"]
    users = [("vanthu", "clerk"), ("giamdoc", "leader"), ("truongphong.vh", "department head"),
             ("chuyenvien.vh", "specialist, busy"), (FEW_SPECIALIST[0], "specialist, few")]
    cases = []
    for username, label in users:
        cases += [(username, label, "first page", InboxQuery()),
                  (username, label, "page 20", InboxQuery(page=20)),
                  (username, label, "scope=overdue", InboxQuery(scope="overdue")),
                  (username, label, "counts", None)]
    cases += [("giamdoc", "leader", "scope=department (QLVH)",
               InboxQuery(scope="department", department_id=depts["QLVH"])),
              ("truongphong.vh", "department head", "scope=department (own)",
               InboxQuery(scope="department"))]
    return [(ids[u], u, label, name, q) for u, label, name, q in cases]


def run_case(actor, query):
    from app.extensions import db
    from workflows import inbox
    try:
        if query is None:
            c = inbox.counts(db.session, actor)
            return f"{c.total}/{c.urgent}/{c.overdue}", None
        items, total = inbox.list_tasks(db.session, actor, query)
        return total, len(items)
    finally:
        db.session.remove()


def time_inbox(people: dict, reps: int, meter: SqlMeter, cases=None) -> list[dict]:
    results = []
    for staff_id, username, label, name, query in cases or inbox_cases(people):
        actor = actor_of(staff_id)
        for _ in range(3):  # warm-up: pool, caches, psycopg's prepared statements
            run_case(actor, query)
        samples, db_ms = [], []
        for _ in range(reps):
            with meter.measure() as m:
                t = time.perf_counter()
                total, rows = run_case(actor, query)
                samples.append((time.perf_counter() - t) * 1000)
            db_ms.append(m["db_ms"])
        meter.statements, meter.record = [], True
        run_case(actor, query)
        meter.record = False
        results.append({"user": username, "label": label, "query": name, "total": total,
                        "rows": rows, **stats(samples), "samples": samples,
                        "db_ms": statistics.median(db_ms),
                        "statements": list(meter.statements)})
    return results


def explain(result: dict, tag: str, echo: bool, serial: bool = False) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the case ran; saved to bench/out."""
    from sqlalchemy import text
    from app.extensions import db
    out, summary = [], []
    with db.engine.connect() as conn:
        if serial:
            conn.execute(text("SET max_parallel_workers_per_gather = 0"))
        for statement, params in result["statements"]:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if "FROM departments" in statement and "tasks" not in statement:
                continue  # session.get(Department): a primary-key lookup
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                        params).scalars().all()
            out += [f"-- {result['user']} / {result['query']}", statement,
                    f"-- params: {params}", *plan, ""]
            summary += [line.split(":")[1].strip() for line in plan
                        if line.startswith("Execution Time")]
    common.OUT_DIR.mkdir(exist_ok=True)
    path = common.OUT_DIR / (f"explain-routing-{common.slug(result['user'])}-"
                             f"{common.slug(result['query'])}{tag}.txt")
    path.write_text("\n".join(out), encoding="utf-8")
    if echo:
        print("\n".join("    " + line for line in out))
    return f"{path.relative_to(common.ROOT)} ({', '.join(summary)})"


# --- 3. variants ---------------------------------------------------------------------------

GROUP_WITH_ASSIGNEE = [  # ix_tasks_group gains assignee_id (same name, one more column)
    "DROP INDEX ix_tasks_group",
    "CREATE INDEX ix_tasks_group ON tasks (status, organization_id, role, department_id, "
    "assignee_id)"]
GROUP_AS_IS = [
    "DROP INDEX ix_tasks_group",
    "CREATE INDEX ix_tasks_group ON tasks (status, organization_id, role, department_id)"]
PARTIAL_INDEXES = [
    "CREATE INDEX bench_tasks_ready_assignee ON tasks (assignee_id) WHERE status = 'ready'",
    "CREATE INDEX bench_tasks_ready_claimed ON tasks (claimed_by_id) WHERE status = 'ready'",
    "CREATE INDEX bench_tasks_ready_delegated ON tasks (delegated_to_id) WHERE status = 'ready'",
    "CREATE INDEX bench_tasks_ready_group ON tasks (organization_id, role, department_id) "
    "WHERE status = 'ready' AND assignee_id IS NULL",
    "CREATE INDEX bench_tasks_ready_dept_due ON tasks (organization_id, department_id, due_at) "
    "WHERE status = 'ready'"]
PARTIAL_DROP = [f"DROP INDEX {s.split()[2]}" for s in PARTIAL_INDEXES]


def list_tasks_sorted_first(session, actor, query, now=None):
    """``inbox.list_tasks`` with the page's documents and departments loaded by id.

    ``joinedload`` puts the LEFT JOINs in the page query, and PostgreSQL joins
    every matching task to its document before the top-N sort; ``selectinload``
    sorts and limits the narrow task rows first, then fetches 50 documents by key.
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload
    from archive.db import utcnow
    from archive.models import Task
    from workflows import inbox
    now = now or utcnow()
    where = inbox._scope_clause(session, actor, query, now)
    total = session.scalar(select(func.count(Task.id)).where(where)) or 0
    page = max(1, query.page)
    stmt = inbox._ordered(select(Task).where(where)).options(
        selectinload(Task.document), selectinload(Task.department))
    items = session.scalars(stmt.offset((page - 1) * query.per_page).limit(query.per_page))
    return list(items), total


@contextmanager
def patched(module, name, replacement):
    """Swap ``module.name`` in this process only (no file changes)."""
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield
    finally:
        setattr(module, name, original)


@contextmanager
def no_parallel_workers():
    """``SET max_parallel_workers_per_gather = 0`` at the start of each request's transaction
    (undone by the pool's rollback), as a connect option or ALTER DATABASE would do."""
    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    def after_begin(session, transaction, connection):
        connection.execute(text("SET max_parallel_workers_per_gather = 0"))
    event.listen(Session, "after_begin", after_begin)
    try:
        yield
    finally:
        event.remove(Session, "after_begin", after_begin)


VARIANTS = {  # name: (DDL on, DDL off, query change, no parallel workers)
    "as is": ([], [], False, False),
    "1. ix_tasks_group + assignee_id": (GROUP_WITH_ASSIGNEE, GROUP_AS_IS, False, False),
    "2. page via selectinload": ([], [], True, False),
    "3. no parallel workers": ([], [], False, True),
    "1.+2.": (GROUP_WITH_ASSIGNEE, GROUP_AS_IS, True, False),
    "1.+2.+3.": (GROUP_WITH_ASSIGNEE, GROUP_AS_IS, True, True),
    "4. partial indexes (status='ready')": (PARTIAL_INDEXES, PARTIAL_DROP, False, False),
}


def run_variants(people: dict, reps: int, meter: SqlMeter, explain_keys: set,
                 rounds: int = 3) -> dict:
    """Each variant on every case, interleaved: ``rounds`` passes of ``reps // rounds`` runs.

    A busy shared machine drifts over minutes; interleaving spreads the drift over
    every variant instead of blaming it on whichever ran last.
    """
    from sqlalchemy import text
    from app.extensions import db
    from workflows import inbox
    cases = inbox_cases(people)
    per_round = max(1, reps // rounds)
    samples: dict = {name: {} for name in VARIANTS}
    totals: dict = {}

    def ddl(statements):
        if not statements:
            return
        with db.engine.connect() as conn:
            for s in statements:
                conn.execute(text(s))
            conn.execute(text("ANALYZE tasks"))
            conn.commit()
        db.engine.dispose()  # psycopg's prepared statements were planned for the old indexes

    for _ in range(rounds):
        for name, (on, off, query_change, serial) in VARIANTS.items():
            ddl(on)
            try:
                with (patched(inbox, "list_tasks", list_tasks_sorted_first) if query_change
                      else nullcontext()), (no_parallel_workers() if serial else nullcontext()):
                    for r in time_inbox(people, per_round, meter, cases):
                        key = (r["user"], r["query"])
                        samples[name].setdefault(key, []).extend(r["samples"])
                        totals[key] = r["total"]
            finally:
                ddl(off)
    plans = []  # the slowest cases again, with every change applied
    on, off, _, _ = VARIANTS["1.+2.+3."]
    ddl(on)
    try:
        with patched(inbox, "list_tasks", list_tasks_sorted_first), no_parallel_workers():
            slow_cases = [c for c in cases if (c[1], c[3]) in explain_keys]
            for r in time_inbox(people, 1, meter, slow_cases):
                plans.append(explain(r, "-variant-1-2-3", echo=False, serial=True))
    finally:
        ddl(off)
    print("plans with 1.+2.+3.:\n  " + "\n  ".join(plans))
    return {name: {key: {"total": totals[key], **stats(values)}
                   for key, values in by_key.items()}
            for name, by_key in samples.items()}


# --- main -------------------------------------------------------------------------------------

def print_steps(title: str, routed: dict) -> None:
    print(f"\n{title}")
    for r in routed["steps"]:
        extra = (f"  {r['statements']:.0f} statements, db {r['db_ms']:.1f} ms, "
                 f"outside db {r['py_ms']:.1f} ms (medians)"
                 if r["statements"] is not None else "")
        print(f"  {r['step']:<36} n {r['n']:>4}  p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  "
              f"p99 {r['p99']:6.1f}  max {r['max']:6.1f} ms{extra}")
    print("  serialized state (process_instances.state, bytes): " + "; ".join(
        f"after {s['after']} p50 {s['p50']:,} max {s['max']:,}" for s in routed["sizes"]))


def main() -> int:
    args = parse_args()
    box, load_before, started = None, common.loadavg(), time.perf_counter()
    rows_steps, rows_inbox, rows_variants, notes = [], [], [], []
    try:
        box = common.Sandbox("postgresql", prefix="eo_bench_routing")
        print(f"[postgresql] database {box.pg_name}; load average {load_before}; "
              f"{common.machine()}")
        box.setup()
        import config
        from app import create_app
        from app.extensions import db
        app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=box.url,
                         DATA_DIR=box.data_dir, SECRET_KEY=box.secret)
        with app.app_context():
            meter = SqlMeter(db.engine)
            people = create_people()

            # 1. completion on a small database
            docs, reg_ms = register_documents(args.documents, people, meter, "A")
            reg = stats(reg_ms)
            print(f"registered {len(docs)} documents (route started in the same transaction): "
                  f"p50 {reg['p50']:.0f} ms, p95 {reg['p95']:.0f} ms (includes PDF inspection)")
            dump: list[str] = []
            small = route_documents(docs, people, meter, dump)
            common.OUT_DIR.mkdir(exist_ok=True)
            (common.OUT_DIR / "routing-complete-statements.txt").write_text(
                "\n".join(dump), encoding="utf-8")
            print_steps(f"complete() on a small database ({args.documents} documents)", small)

            # 2. 100k open tasks
            load = seed_tasks(args.tasks, args.history, people)
            print(f"\nseeded {load['ready']:,} ready tasks on {load['documents']:,} documents "
                  f"({load['opinion']:,} parallel opinions), {load['history']:,} completed; "
                  f"tasks table {load['tasks size']}; "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in load["seconds"].items()))
            inbox = time_inbox(people, args.reps, meter)
            print(f"\ninbox at {load['ready']:,} ready tasks ({args.reps} runs after 3 warm-up)")
            for r in inbox:
                print(f"  {r['user']:<16} {r['query']:<26} total {str(r['total']):>16}  "
                      f"p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f} ms  (db {r['db_ms']:.1f} ms)")
            slowest = sorted(inbox, key=lambda r: -r["p95"])
            print("\nEXPLAIN (ANALYZE, BUFFERS) of the slowest case:")
            plans = [explain(slowest[0], "", echo=True)]
            plans += [explain(r, "", echo=False) for r in slowest[1:4]]
            print("plans:\n  " + "\n  ".join(plans))

            # 1b. completion with the 100k tasks loaded
            big = None
            if args.at_scale:
                docs_b, _ = register_documents(args.at_scale, people, meter, "B")
                big = route_documents(docs_b, people, meter)
                print_steps(f"complete() with {load['ready']:,} open tasks "
                            f"({args.at_scale} documents)", big)

            # 3. variants
            slow = {(r["user"], r["query"]) for r in inbox if r["p95"] > args.threshold}
            variants = None
            if args.variants == "always" or (args.variants == "auto" and slow):
                variants = run_variants(people, args.reps, meter,
                                        {(r["user"], r["query"]) for r in slowest[:4]})
                print(f"\nvariants (p50 / p95 ms; slow cases: {sorted(slow) or 'none'})")
                names = list(variants)
                for key in variants["as is"]:
                    print(f"  {key[0]:<16} {key[1]:<26} " + " | ".join(
                        f"{variants[n][key]['p50']:6.1f} / {variants[n][key]['p95']:6.1f}"
                        for n in names))
                print("  columns: " + " | ".join(names))
            db.session.remove()
            db.engine.dispose()
        load_after = common.loadavg()
        elapsed = time.perf_counter() - started
        print(f"\nload average before {load_before}, after {load_after}; "
              f"whole run {elapsed / 60:.1f} min")
    finally:
        if box and args.keep:
            print(f"kept: DATABASE_URL={box.url} EOFFICE_DATA_DIR={box.data_dir}")
        elif box:
            box.cleanup()
    if args.no_results:
        return 0
    la = f"{load_before} / {load_after}"
    hist = f", {args.history:,} completed" if args.history else ""
    for where, routed, n in (("small db", small, args.documents),
                             (f"{load['ready'] // 1000}k open tasks", big, args.at_scale)):
        if routed is None:
            continue
        params = f"{n} docs, {where}" + (hist if routed is big else "")
        sizes = {s["after"]: s for s in routed["sizes"]}
        for r in routed["steps"]:
            size = sizes.get(r["step"])
            rows_steps.append([
                common.today(), common.machine(), "postgresql", params, r["step"], str(r["n"]),
                f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}", f"{r['max']:.1f}",
                "-" if r["statements"] is None else f"{r['statements']:.0f}",
                "-" if r["db_ms"] is None else f"{r['db_ms']:.1f}",
                "-" if r["py_ms"] is None else f"{r['py_ms']:.1f}",
                f"{size['p50']:,} / {size['max']:,}" if size else "-", la])
        start = sizes["registration (start)"]
        rows_steps.append([common.today(), common.machine(), "postgresql", params,
                           "registration (start)", str(n), "-", "-", "-", "-", "-", "-", "-",
                           f"{start['p50']:,} / {start['max']:,}", la])
    common.update_results(
        "Routing (issue 3): complete() (bench_routing.py)",
        ["date", "machine", "backend", "parameters", "step", "n", "p50 ms", "p95 ms", "p99 ms",
         "max ms", "SQL statements (median)", "DB time ms (median)",
         "outside DB ms (median)",
         "state bytes after (p50 / max)", "load avg 1 min (before/after)"],
        rows_steps, key_columns=5)
    params = f"{load['ready']:,} ready{hist}, {args.reps} reps"
    for r in inbox:
        rows_inbox.append([common.today(), common.machine(), "postgresql", params, r["user"],
                           r["query"], str(r["total"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                           f"{r['db_ms']:.1f}", la])
    common.update_results(
        "Routing (issue 3): inbox (bench_routing.py)",
        ["date", "machine", "backend", "parameters", "user", "query", "total (counts: all/urgent/"
         "overdue)", "p50 ms", "p95 ms", "DB time ms (median)", "load avg 1 min (before/after)"],
        rows_inbox, key_columns=6)
    if variants:
        for name, by_key in variants.items():
            for (user, query), r in by_key.items():
                rows_variants.append([common.today(), common.machine(), "postgresql", params,
                                      name, user, query, str(r["total"]), f"{r['p50']:.1f}",
                                      f"{r['p95']:.1f}", la])
        common.update_results(
            "Routing (issue 3): inbox variants (bench_routing.py)",
            ["date", "machine", "backend", "parameters", "variant", "user", "query", "total",
             "p50 ms", "p95 ms", "load avg 1 min (before/after)"],
            rows_variants, key_columns=7)
    return 0


if __name__ == "__main__":
    sys.exit(main())
