"""The real incoming-document diagram, driven end to end without Flask or a database.

Every route is run straight and with serialize() + restore() into a fresh
Engine after each step (STYLE P9), and both must give the same result.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workflows.engine import (
    SERIALIZER_VERSION, Engine, EngineError, ServiceRegistry, TaskNotReady, parse_definition)

ROOT = Path(__file__).resolve().parents[3]
DIAGRAM = ROOT / "bpmn" / "incoming_document.bpmn"
VARIANT = Path(__file__).parent / "diagrams" / "incoming_with_deputy.bpmn"
LANES = {"Văn thư": "clerk", "Chánh Văn phòng": "office_head", "Lãnh đạo": "leader",
         "Trưởng phòng": "department_head", "Chuyên viên": "specialist"}
FORMS = {"present", "review", "direction", "assign", "handle", "opinion", "confirm"}
DIRECTION = {"decision": "approve", "lead_department_id": 5, "support_department_ids": [7, 8],
             "deadline": "2026-12-15"}
FUTURE = "2099-01-01T08:00:00+07:00"


class FakeServices:
    """Records service calls the way the app's implementations would be called."""

    def __init__(self, fail: str | None = None):
        self.calls: list[tuple] = []
        self.fail = fail
        self.registry = ServiceRegistry()
        self.registry.register("record_status", self.record_status, "Ghi trạng thái văn bản")
        self.registry.register("notify_overdue", self.notify_overdue, "Báo quá hạn")

    def record_status(self, context, data, status):
        if self.fail == "record_status":
            raise RuntimeError("database is down")
        self.calls.append(("record_status", status, context))
        return {"status": status}

    def notify_overdue(self, context, data):
        self.calls.append(("notify_overdue", data.get("specialist_id"), context))
        return None


def load(path: Path, services: FakeServices):
    return parse_definition(path.read_bytes(), lanes=LANES, forms=FORMS, services=services.registry)


class Driver:
    """Completes user tasks by bpmn id; with ``save_restore`` reloads after every step."""

    def __init__(self, save_restore: bool, services: FakeServices | None = None, path: Path = DIAGRAM):
        self.services = services or FakeServices()
        self.definition = load(path, self.services)
        self.save_restore = save_restore
        self.run = Engine(self.services.registry).start(self.definition, {"document_id": 42}, context="ctx")
        self.trace: list[list[str]] = [self.ready()]

    def reload(self) -> None:
        """Serialize, then restore into a brand-new Engine (the script engine is not serialized)."""
        state = self.run.serialize()
        self.run = Engine(self.services.registry).restore(
            self.definition, state, SERIALIZER_VERSION, context="ctx")

    def task(self, bpmn_id: str, index: int = 0):
        return [t for t in self.run.ready_tasks() if t.bpmn_id == bpmn_id][index]

    def do(self, bpmn_id: str, index: int = 0, **data) -> "Driver":
        self.run.complete(self.task(bpmn_id, index).task_id, data)
        if self.save_restore:
            self.reload()
        self.trace.append(self.ready())
        return self

    def ready(self) -> list[str]:
        return sorted(t.bpmn_id for t in self.run.ready_tasks())


def full_route(save_restore: bool) -> Driver:
    """clerk -> office head -> leader (2 supports) -> assign -> handle + 2 opinions -> confirm
    (return) -> revise -> confirm -> done."""
    d = Driver(save_restore)
    d.do("present", route="office_head", note="Trình Chánh VP")
    d.do("propose", decision="forward", note="Đề nghị giao Phòng 5")
    d.do("direct", **DIRECTION)
    d.do("assign", decision="ok", specialist_id=3, specialist_deadline="2026-12-10", deadline_at=FUTURE)
    d.do("opinion", 0, note="Phòng 7 đồng ý")
    d.do("opinion", 0, note="Phòng 8 đồng ý")
    d.do("handle", note="Đã dự thảo")
    d.do("confirm", decision="return", note="Bổ sung số liệu")
    d.do("revise", note="Đã bổ sung")
    d.do("confirm", decision="approve")
    return d


EXPECTED_TRACE = [
    ["present"], ["propose"], ["direct"], ["assign"], ["handle", "opinion", "opinion"],
    ["handle", "opinion"], ["handle"], ["confirm"], ["revise"], ["confirm"], [],
]


@pytest.mark.parametrize("save_restore", [False, True], ids=["straight", "save_restore_each_step"])
def test_full_route_reaches_the_end(save_restore):
    d = full_route(save_restore)
    assert d.trace == EXPECTED_TRACE
    assert d.run.finished
    assert [c[:2] for c in d.services.calls] == [("record_status", "04"), ("record_status", "06")]
    assert all(c[2] == "ctx" for c in d.services.calls)       # the run's context reaches services
    assert d.run.data["status"] == "06" and d.run.data["document_id"] == 42
    assert d.run.next_due_at() is None


def test_straight_and_save_restore_give_the_same_result():
    straight, restored = full_route(False), full_route(True)
    assert straight.trace == restored.trace
    assert straight.run.data == restored.run.data
    assert straight.run.completed_ids() == restored.run.completed_ids()
    assert [c[:2] for c in straight.services.calls] == [c[:2] for c in restored.services.calls]


def test_ready_tasks_carry_lane_role_form_and_evaluated_properties():
    d = Driver(True).do("present", route="leader").do("direct", **DIRECTION)
    assign = d.task("assign")
    assert (assign.lane, assign.role, assign.form) == ("Trưởng phòng", "department_head", "assign")
    assert (assign.department, assign.assignee, assign.due) == (5, None, "2026-12-15")
    d.do("assign", decision="ok", specialist_id=3, specialist_deadline="2026-12-10", deadline_at=FUTURE)
    opinions = [t for t in d.run.ready_tasks() if t.bpmn_id == "opinion"]
    assert [o.department for o in opinions] == [7, 8]
    assert {o.role for o in opinions} == {"department_head"}
    handle = d.task("handle")
    assert (handle.role, handle.form, handle.department, handle.assignee, handle.due) == (
        "specialist", "handle", 5, 3, "2026-12-10")
    assert handle.data["document_id"] == 42


@pytest.mark.parametrize("save_restore", [False, True], ids=["straight", "save_restore"])
@pytest.mark.parametrize("step, back_to", [("propose", "present"), ("direct", "present"),
                                          ("assign", "direct"), ("confirm", "revise")])
def test_send_back_with_reason(step, back_to, save_restore):
    d = Driver(save_restore)
    d.do("present", route="office_head")
    before = {"propose": [], "direct": [("propose", {"decision": "forward"})],
              "assign": [("propose", {"decision": "forward"}), ("direct", DIRECTION)],
              "confirm": [("propose", {"decision": "forward"}), ("direct", DIRECTION),
                          ("assign", {"decision": "ok", "specialist_id": 3, "deadline_at": FUTURE,
                                      "specialist_deadline": "2026-12-10", "support_department_ids": []}),
                          ("handle", {"note": "xong"})]}[step]
    for bpmn_id, data in before:
        d.do(bpmn_id, **data)
    d.do(step, decision="return", note=f"Trả lại từ {step}")
    assert d.ready() == [back_to]
    assert d.task(back_to).data["note"] == f"Trả lại từ {step}"
    assert not d.run.finished


def test_route_department_skips_office_head_and_leader():
    d = Driver(True)
    d.do("present", route="department", lead_department_id=5, support_department_ids=[],
         deadline="2026-12-15")
    assert d.ready() == ["assign"]
    assert [c[:2] for c in d.services.calls] == [("record_status", "04")]  # assigned directly
    done = d.run.completed_ids()
    assert "propose" not in done and "direct" not in done and "svc_assigned" in done


@pytest.mark.parametrize("save_restore", [False, True], ids=["straight", "save_restore"])
def test_empty_support_list_passes_straight_through(save_restore):
    d = Driver(save_restore)
    d.do("present", route="leader").do("direct", **{**DIRECTION, "support_department_ids": []})
    d.do("assign", decision="ok", specialist_id=3, specialist_deadline="2026-12-10", deadline_at=FUTURE)
    assert d.ready() == ["handle"]
    d.do("handle").do("confirm", decision="approve")
    assert d.run.finished


def to_handle(deadline_at: str | None, save_restore: bool = True) -> Driver:
    d = Driver(save_restore)
    d.do("present", route="department", lead_department_id=5, support_department_ids=[7],
         deadline="2026-12-15")
    data = {"decision": "ok", "specialist_id": 3, "specialist_deadline": "2026-12-10"}
    if deadline_at is not None:
        data["deadline_at"] = deadline_at
    d.do("assign", **data)
    # drop the 04 of the direct route; these tests look at the timer
    d.services.calls[:] = [c for c in d.services.calls if c[0] != "record_status"]
    return d


def test_timer_fires_after_restore_and_handle_stays_ready():
    due = datetime.now(timezone.utc) + timedelta(seconds=1)
    d = to_handle(due.isoformat())
    assert d.run.next_due_at() == due
    assert d.run.next_due_at().tzinfo is not None
    state = d.run.serialize()
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 0.1)
    run = Engine(d.services.registry).restore(d.definition, state, SERIALIZER_VERSION, context="job")
    run.fire_timers()
    assert [c[:2] for c in d.services.calls] == [("notify_overdue", 3)]
    assert d.services.calls[0][2] == "job"
    assert sorted(t.bpmn_id for t in run.ready_tasks()) == ["handle", "opinion"]   # non-interrupting
    assert "svc_overdue" in run.completed_ids() and "evt_escalated" in run.completed_ids()
    assert run.next_due_at() is None
    run.fire_timers()
    assert len(d.services.calls) == 1                                              # fires once


def test_timer_in_the_past_fires_when_handle_is_reached():
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    d = to_handle(past.astimezone(timezone(timedelta(hours=7))).isoformat())
    assert [c[:2] for c in d.services.calls] == [("notify_overdue", 3)]
    assert "handle" in d.ready()
    d.run.fire_timers()
    assert len(d.services.calls) == 1


def test_no_pending_timer_once_handle_is_completed():
    d = to_handle(FUTURE)
    assert d.run.next_due_at() == datetime(2099, 1, 1, 1, 0, tzinfo=timezone.utc)
    d.do("handle", note="xong")
    assert d.run.next_due_at() is None
    assert "tmr_handle_overdue" not in d.run.active_ids()


@pytest.mark.parametrize("deadline_at", [None, "ngày mai", 20261201])
def test_missing_or_bad_timer_value_does_not_break_the_instance(deadline_at):
    d = to_handle(deadline_at)
    assert "handle" in d.ready()
    assert d.run.next_due_at() is None
    d.run.fire_timers()
    d.do("handle").do("opinion").do("confirm", decision="approve")
    assert d.run.finished and [c[:2] for c in d.services.calls] == [("record_status", "06")]


def test_completed_and_active_ids_follow_progress():
    d = Driver(True)
    assert d.run.completed_ids() == ["evt_registered"]
    assert d.run.active_ids() == ["present"]
    d.do("present", route="office_head")
    assert d.run.completed_ids() == ["evt_registered", "present", "gw_route"]
    assert d.run.active_ids() == ["propose"]
    d.do("propose", decision="forward").do("direct", **DIRECTION)
    d.do("assign", decision="ok", specialist_id=3, specialist_deadline="2026-12-10", deadline_at=FUTURE)
    assert {"handle", "opinion", "tmr_handle_overdue"} <= set(d.run.active_ids())
    done = d.run.completed_ids()
    assert done.index("direct") < done.index("svc_assigned") < done.index("assign") < done.index("gw_split")
    assert "handle" not in done and "opinion" not in done
    d.do("opinion").do("opinion").do("handle").do("confirm", decision="approve")
    assert d.run.active_ids() == []
    assert d.run.completed_ids()[-3:] == ["gw_confirm", "svc_done", "evt_done"]


def test_completing_twice_or_unknown_ids_raise_task_not_ready():
    d = Driver(False)
    present = d.task("present")
    d.run.complete(present.task_id, {"route": "office_head"})
    for task_id in (present.task_id, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        with pytest.raises(TaskNotReady) as info:
            d.run.complete(task_id, {})
        assert info.value.message.vi and info.value.message.en
    d.reload()                                  # TaskNotReady leaves the run usable
    assert d.ready() == ["propose"]


def test_failing_service_names_the_service_task_and_blocks_saving():
    d = Driver(True, services=FakeServices(fail="record_status"))
    d.do("present", route="leader")
    with pytest.raises(EngineError) as info:
        d.do("direct", **DIRECTION)
    assert info.value.element_id == "svc_assigned"
    assert "record_status" in info.value.message.en and "database is down" in info.value.message.en
    assert "record_status" in info.value.message.vi
    with pytest.raises(EngineError):
        d.run.serialize()


def test_restore_refuses_other_serializer_versions_and_garbage():
    d = Driver(False)
    state = d.run.serialize()
    engine = Engine(d.services.registry)
    with pytest.raises(EngineError):
        engine.restore(d.definition, state, "spiff-2.0.0/1.4")
    with pytest.raises(EngineError):
        engine.restore(d.definition, b"not gzip", SERIALIZER_VERSION)
    assert SERIALIZER_VERSION.startswith("spiff-3.2.0/")


def test_restore_refuses_state_of_another_definition_version():
    d = Driver(False)
    other = load(VARIANT, d.services)                       # same process id, other diagram
    assert other.process_id == d.definition.process_id and other.sha256 != d.definition.sha256
    with pytest.raises(EngineError, match="another process definition"):
        Engine(d.services.registry).restore(other, d.run.serialize(), SERIALIZER_VERSION)


def test_non_json_task_data_is_refused_before_it_reaches_the_workflow():
    d = Driver(False)
    with pytest.raises(EngineError):
        d.run.complete(d.task("present").task_id, {"route": {1, 2}})
    assert d.ready() == ["present"]


def test_definition_describes_the_diagram():
    definition = load(DIAGRAM, FakeServices())
    assert (definition.process_id, definition.name) == ("incoming_document", "Xử lý văn bản đến")
    assert definition.service_operations == {"record_status", "notify_overdue"}
    assert set(definition.user_tasks) == {"present", "propose", "direct", "assign", "handle",
                                          "opinion", "confirm", "revise"}
    handle = definition.user_tasks["handle"]
    assert (handle.name, handle.lane, handle.role, handle.form) == (
        "Chuyên viên xử lý", "Chuyên viên", "specialist", "handle")
    assert handle.properties["assignee"] == "specialist_id"
    assert len(definition.sha256) == 64 and definition.xml == DIAGRAM.read_bytes()


def test_deputy_variant_routes_through_the_extra_step():
    d = Driver(True, path=VARIANT)
    assert "deputy_review" in d.definition.user_tasks
    d.do("present", route="office_head").do("propose", decision="forward")
    deputy = d.task("deputy_review")
    assert (deputy.name, deputy.role, deputy.form) == ("Phó Giám đốc duyệt", "leader", "review")
    d.do("deputy_review", note="Đồng ý")
    assert d.ready() == ["direct"]
    d.do("direct", **{**DIRECTION, "support_department_ids": []})
    d.do("assign", decision="ok", specialist_id=3, specialist_deadline="2026-12-10", deadline_at=FUTURE)
    d.do("handle").do("confirm", decision="approve")
    assert d.run.finished
    assert d.run.completed_ids().index("deputy_review") < d.run.completed_ids().index("direct")
