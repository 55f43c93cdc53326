"""Instance stepping: start, restore, complete user tasks, fire timers, serialize.

A ``Run`` wraps one SpiffWorkflow ``BpmnWorkflow`` for the duration of one
request or job: restore it, act once or twice, serialize it, drop it. Runs are
single-writer and not thread-safe (the app holds a row lock per instance).

Every engine call (start, complete, fire_timers) gets ``step_seconds`` of wall
clock for diagram code: scripts, conditions and timer expressions are traced
against that deadline and the engine-steps loop checks it before each task.
Time spent inside registered services does not count. After an EngineError
(other than TaskNotReady) the Run refuses to serialize: restore the last state.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from .definitions import Definition, spec_file
from .errors import EngineError, Msg, TaskNotReady
from .runtime_errors import engine_error, timeout_error
from .script_engine import NEVER_YEAR, EngineScriptEngine
from .script_env import ScriptTimeout, ensure_json_like, json_copy
from .serializer import SERIALIZER_VERSION, copy_specs, dump_workflow, load_workflow
from .service_tasks import ServiceRegistry

__all__ = ["Engine", "Run", "ReadyTask"]

PROPERTY_FIELDS = ("department", "assignee", "due")
_TIMER_TYPES = frozenset({"TimeDateEventDefinition", "DurationTimerEventDefinition",
                          "CycleTimerEventDefinition"})
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, with its properties evaluated against its data."""

    task_id: str
    bpmn_id: str
    name: str
    lane: str
    role: str
    form: str
    department: Any
    assignee: Any
    due: Any
    data: dict


class Engine:
    """Starts and restores instances; holds the service registry and the step limit."""

    def __init__(self, services: ServiceRegistry, step_seconds: float = 5.0):
        self.services = services
        self.step_seconds = step_seconds

    def start(self, definition: Definition, data: dict, context: Any = None) -> "Run":
        """A new instance with ``data`` as initial task data, stepped to its first wait."""
        _check_data(data)
        spec, subspecs = copy_specs(definition._spec, definition._subspecs)
        scripts = EngineScriptEngine(self.services, context)
        workflow = BpmnWorkflow(spec, subspecs, script_engine=scripts)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(json_copy(data))
        run = Run(definition, workflow, scripts, self.step_seconds)
        run._advance(None, lambda: None)
        return run

    def restore(self, definition: Definition, state: bytes, serializer_version: str,
                context: Any = None) -> "Run":
        """The instance saved in ``state`` (from ``Run.serialize``), with a fresh script engine."""
        if serializer_version != SERIALIZER_VERSION:
            raise EngineError(Msg(
                vi=f"Trạng thái quy trình lưu bằng phiên bản {serializer_version}, cần {SERIALIZER_VERSION}.",
                en=f"Workflow state was saved by {serializer_version}; this engine reads {SERIALIZER_VERSION}."))
        try:
            workflow = load_workflow(state)
        except Exception as exc:
            raise EngineError(Msg(vi=f"Không đọc được trạng thái quy trình: {exc}",
                                  en=f"Cannot read the workflow state: {exc}")) from exc
        if workflow.spec.file != spec_file(definition.process_id, definition.sha256):
            raise EngineError(Msg(
                vi=f"Trạng thái không thuộc phiên bản quy trình này ({workflow.spec.file}).",
                en=f"State was saved by another process definition ({workflow.spec.file})."))
        scripts = EngineScriptEngine(self.services, context)
        workflow.script_engine = scripts       # not serialized: never fall back to Spiff's eval
        return Run(definition, workflow, scripts, self.step_seconds)


def _check_data(data: dict) -> None:
    """Task data is JSON; refuse anything else before it reaches the workflow."""
    if not isinstance(data, dict):
        raise TypeError("task data must be a dict")
    try:
        ensure_json_like(data, "task data")
    except TypeError as exc:
        raise EngineError(Msg(vi=f"Dữ liệu không hợp lệ: {exc}", en=f"Invalid task data: {exc}")) from None


class Run:
    """One loaded instance. See the module docstring for the life cycle."""

    def __init__(self, definition: Definition, workflow, scripts: EngineScriptEngine, step_seconds: float):
        self.definition = definition
        self._workflow = workflow
        self._scripts = scripts
        self._step_seconds = step_seconds
        self._current = None        # the task being run, for error messages
        self._broken = False

    # --- context --------------------------------------------------------------

    @property
    def context(self) -> Any:
        return self._scripts.context

    @context.setter
    def context(self, value: Any) -> None:
        self._scripts.context = value

    # --- stepping ---------------------------------------------------------------

    def _check_deadline(self, task) -> None:
        """do_engine_steps hook: remember the task and stop cycles past the deadline."""
        self._current = task
        deadline = self._scripts.environment.deadline
        if deadline is not None and time.monotonic() > deadline:
            raise ScriptTimeout()

    def _steps(self) -> None:
        self._workflow.do_engine_steps(will_complete_task=self._check_deadline)

    def _advance(self, task, action: Callable[[], None]) -> None:
        """Run ``action`` under the step deadline; map every failure to EngineError."""
        if self._broken:
            raise EngineError(Msg(vi="Phiên xử lý đã lỗi; hãy nạp lại trạng thái đã lưu.",
                                  en="This run failed earlier; restore the saved state."))
        environment = self._scripts.environment
        environment.deadline = time.monotonic() + self._step_seconds
        self._current = task
        try:
            action()
            self._steps()
        except ScriptTimeout:
            self._broken = True
            raise timeout_error(self._current, self._step_seconds) from None
        except Exception as exc:
            self._broken = True
            raise engine_error(exc, self._current) from exc
        finally:
            environment.deadline = None

    def complete(self, task_id: str, data: dict) -> None:
        """Merge ``data`` into a READY user task, run it, then step the engine.

        Raises:
            TaskNotReady: unknown id, not a user task, or not READY (nothing changed).
            EngineError: the step failed; discard this Run.
        """
        task = self._ready_task(task_id)
        _check_data(data)

        def run_task():
            task.set_data(**json_copy(data))
            task.run()
        self._advance(task, run_task)

    def fire_timers(self) -> None:
        """Let due timers fire (Spiff timers are passive) and step the engine."""
        self._advance(None, self._workflow.refresh_timers)

    def _ready_task(self, task_id: str):
        try:
            task = self._workflow.get_task_from_id(UUID(str(task_id)))
        except Exception:
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(Msg(vi="Công việc này không còn chờ xử lý (đã xử lý hoặc không tồn tại).",
                                   en="This task is not waiting (already handled or unknown)."),
                               getattr(getattr(task, "task_spec", None), "bpmn_id", None))
        return task

    # --- queries ---------------------------------------------------------------------

    def ready_tasks(self) -> list[ReadyTask]:
        """READY user tasks in the order of the task tree (stable across save/restore)."""
        tasks = self._workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._describe(task) for task in tasks]

    def _describe(self, task) -> ReadyTask:
        spec = task.task_spec
        info = self.definition.user_tasks.get(spec.bpmn_id)
        values = {name: self._property(task, info, name) for name in PROPERTY_FIELDS}
        return ReadyTask(
            task_id=str(task.id), bpmn_id=spec.bpmn_id,
            name=info.name if info else (spec.bpmn_name or spec.bpmn_id),
            lane=info.lane if info else (spec.lane or ""), role=info.role if info else "",
            form=info.form if info else "", data=json_copy(task.data), **values)

    def _property(self, task, info, name: str) -> Any:
        """Evaluate one property expression; an unset variable gives None."""
        expression = (info.properties.get(name) or "").strip() if info else ""
        if not expression:
            return None
        environment = self._scripts.environment
        environment.deadline = time.monotonic() + self._step_seconds
        try:
            return json_copy(environment.evaluate(expression, dict(task.data)))
        except NameError:
            return None
        except ScriptTimeout:
            raise timeout_error(task, self._step_seconds) from None
        except Exception as exc:
            raise engine_error(exc, task, what=f"property '{name}'") from exc
        finally:
            environment.deadline = None

    def next_due_at(self) -> datetime | None:
        """The earliest pending timer (aware UTC); timers set to "never" are left out."""
        dues = []
        for event in self._workflow.waiting_events():
            if event.event_type not in _TIMER_TYPES or not isinstance(event.value, str):
                continue
            try:
                due = TimerEventDefinition.get_datetime(event.value)
            except ValueError:
                continue
            if due.year < NEVER_YEAR:
                dues.append(due)
        return min(dues) if dues else None

    def _flow_tasks(self, state) -> list:
        nodes = self.definition._flow_nodes
        return [t for t in self._workflow.get_tasks(state=state) if t.task_spec.bpmn_id in nodes]

    def completed_ids(self) -> list[str]:
        """bpmn ids of completed flow nodes, in the order they completed (for the diagram)."""
        tasks = sorted(self._flow_tasks(TaskState.COMPLETED), key=lambda t: t.last_state_change)
        return list(dict.fromkeys(t.task_spec.bpmn_id for t in tasks))

    def active_ids(self) -> list[str]:
        """bpmn ids of READY/WAITING/STARTED flow nodes, in task-tree order."""
        return list(dict.fromkeys(t.task_spec.bpmn_id for t in self._flow_tasks(_ACTIVE)))

    @property
    def finished(self) -> bool:
        return self._workflow.is_completed()

    @property
    def data(self) -> dict:
        """Workflow-level data: filled from the last task when an end event completes the process."""
        return json_copy(self._workflow.data)

    def serialize(self) -> bytes:
        """gzip'd serializer JSON; store it with SERIALIZER_VERSION and the definition's sha256."""
        if self._broken:
            raise EngineError(Msg(vi="Phiên xử lý đã lỗi; không lưu trạng thái này.",
                                  en="This run failed; its state must not be saved."))
        return dump_workflow(self._workflow)
