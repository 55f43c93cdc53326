"""Routing use cases: a registered document travels the route drawn in BPMN.

The engine adapter (``workflows.engine``) knows diagrams; this module knows
documents, people and the database. Every change to a route runs the same
way (P9, single writer): lock the instance row, check the task is still
ready, restore the engine state, step it, save the state with its
serializer version and diagram hash, mirror the ready user tasks into
``tasks`` (the inbox), write the processing trail, grants and notifications,
then commit once. Any error rolls everything back.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from archive import access, audit
from archive.calendar import WorkCalendar, parse_holidays
from archive.catalogues import URGENCY_RANK
from archive.db import utcnow
from archive.errors import (Conflict, InvalidInput, Msg, NotFound, PermissionDenied,
                            ProcessFailed)
from archive.identity import Actor
from archive.models import (Document, Holiday, ProcessInstance, ProcessingNote,
                            Staff, StaffRole, Task)
from workflows import processes
from workflows.engine import (SERIALIZER_VERSION, Engine, EngineError, ReadyTask, Run,
                              ServiceRegistry, TaskNotReady)
from workflows.notify import Notice, doc_label, notify
from workflows.route_forms import FormContext, StepInput, parse_step

VN_TZ = timezone(timedelta(hours=7))
ALREADY_HANDLED = Msg("Công việc này đã được xử lý hoặc đã chuyển cho người khác.",
                      "This task has already been handled or passed on.")
STATUS_BY_CODE = {"04": "assigned", "05": "in_progress", "06": "done"}
STATUS_ORDER = ["registered", "assigned", "in_progress", "done"]
# A recalled or replaced document keeps its status whatever its route does after.
FINAL_STATUSES = ("recalled", "replaced")
# Task data copied to the inbox row, so the form can show earlier decisions.
CONTEXT_KEYS = ("route", "lead_department_id", "support_department_ids", "fyi_staff_ids",
                "signer_id", "deadline", "specialist_id", "specialist_deadline", "support_department",
                "note", "decision", "result")


@dataclass(frozen=True)
class RoutingSettings:
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    default_handling_days: int = 10
    reminder_days: int = 1
    step_seconds: float = 5.0
    email: bool = False  # queue e-mails (SMTP configured)
    workday_end: time = time(17, 0)  # a deadline date ends at this local time


@dataclass
class ServiceContext:
    """What a service task may touch: handed to the engine as its context."""

    session: Session
    routing: "Routing"
    document: Document
    instance: ProcessInstance | None
    actor: Actor
    now: datetime


def _record_status(ctx: ServiceContext, data: dict, status: str = "") -> dict | None:
    """Service ``record_status``: the document's edXML status (DOMAIN §6.4)."""
    name = STATUS_BY_CODE.get(str(status))
    if name is None:
        raise ValueError(f"unknown status code {status!r}")
    ctx.routing.advance_status(ctx.session, ctx.document, name, ctx.actor)
    return None


def _notify_overdue(ctx: ServiceContext, data: dict, **_params) -> dict | None:
    """Service ``notify_overdue``: the handling deadline passed (timer of the diagram)."""
    doc = ctx.document
    heads = ctx.routing.people(ctx.session, doc.organization_id, "department_head",
                               data.get("lead_department_id"))
    leaders = ctx.routing.people(ctx.session, doc.organization_id, "leader", None)
    label = doc_label(doc)
    notify(ctx.session, heads + leaders + [data.get("specialist_id")],
           Notice("overdue", Msg(f"Quá hạn xử lý: {label.vi}", f"Overdue: {label.en}"),
                  document_id=doc.id), email=ctx.routing.settings.email)
    ctx.session.add(ProcessingNote(
        document_id=doc.id, instance_id=ctx.instance.id if ctx.instance else None,
        step="tmr_handle_overdue", step_name="Quá hạn xử lý", kind="overdue", actor_id=None,
        actor_name="Hệ thống", content="Đã quá hạn giải quyết; đã báo lãnh đạo và trưởng phòng.",
        at=ctx.now))
    return {"escalated": True}


OUTGOING_STATUS_ORDER = ["draft", "signed", "issued", "dispatched", "filed"]


def _record_outgoing_status(ctx: ServiceContext, data: dict, status: str = "") -> dict | None:
    """Service ``record_outgoing_status``: an outgoing document moves forward only."""
    if status not in OUTGOING_STATUS_ORDER:
        raise ValueError(f"unknown outgoing status {status!r}")
    doc = ctx.document
    if doc.status in FINAL_STATUSES:
        return None
    current = doc.status if doc.status in OUTGOING_STATUS_ORDER else "draft"
    if OUTGOING_STATUS_ORDER.index(status) > OUTGOING_STATUS_ORDER.index(current):
        doc.status = status
        audit.record(ctx.session, actor_id=ctx.actor.staff_id, actor_name=ctx.actor.username,
                     action="status", object_type="document", object_id=doc.id,
                     details={"from": current, "to": status})
    return None


def build_services() -> ServiceRegistry:
    """The explicit registry of what BPMN service tasks may call (STYLE P8)."""
    registry = ServiceRegistry()
    registry.register("record_status", _record_status,
                      "Ghi trạng thái xử lý của văn bản (04/05/06)")
    registry.register("notify_overdue", _notify_overdue,
                      "Báo quá hạn cho lãnh đạo và trưởng phòng chủ trì")
    registry.register("record_outgoing_status", _record_outgoing_status,
                      "Ghi trạng thái văn bản đi (đã ký, đã phát hành, đã lưu)")
    return registry


@dataclass
class Completion:
    task: Task
    new_tasks: list[Task] = field(default_factory=list)
    finished: bool = False


class Routing:
    """The routing service: the engine, the parsed diagrams and the settings."""

    def __init__(self, settings: RoutingSettings | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.settings = settings or RoutingSettings()
        self.services = build_services()
        self.engine = Engine(self.services, step_seconds=self.settings.step_seconds)
        self.definitions = processes.DefinitionCache(self.services)
        self.clock = clock
        # Checks and records a step needs beyond its form, by form name (e.g. an
        # outgoing approval is recorded on the draft version it was given on).
        # Called inside the step's transaction, after the lock; raise to refuse.
        self.step_guards: dict[str, Callable[[Session, Task, StepInput, Actor], None]] = {}

    # --- collaborators ----------------------------------------------------------

    def calendar(self, session: Session, organization_id: int) -> WorkCalendar:
        days = session.scalars(select(Holiday.day).where(
            Holiday.organization_id == organization_id)).all()
        return WorkCalendar(weekdays=self.settings.weekdays, holidays=frozenset(days),
                            workday_end=self.settings.workday_end)

    def holidays_text(self, session: Session, organization_id: int) -> str:
        days = session.scalars(select(Holiday.day).where(
            Holiday.organization_id == organization_id).order_by(Holiday.day)).all()
        return "\n".join(d.isoformat() for d in days)

    def set_holidays(self, session: Session, actor: Actor, text: str) -> int:
        """Replace the agency's holiday list (admin); commits. Bad lines change nothing."""
        if not actor.has("admin"):
            raise PermissionDenied(Msg("Chỉ quản trị viên được sửa ngày nghỉ.",
                                       "Only administrators may edit holidays."))
        try:
            days = parse_holidays(text or "")
        except ValueError as exc:
            msg = Msg(f"Danh sách ngày nghỉ không hợp lệ: {exc}", f"Invalid holiday list: {exc}")
            raise InvalidInput(msg, {"holidays": msg}) from None
        session.execute(delete(Holiday).where(Holiday.organization_id == actor.organization_id))
        session.add_all(Holiday(organization_id=actor.organization_id, day=d)
                        for d in sorted(days))
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="holidays", object_type="organization",
                     object_id=actor.organization_id, details={"days": len(days)})
        session.commit()
        return len(days)

    def today(self) -> date:
        return self.clock().astimezone(VN_TZ).date()

    def people(self, session: Session, organization_id: int, role: str,
               department_id: int | None) -> list[int]:
        stmt = (select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(Staff.organization_id == organization_id, Staff.active,
                       StaffRole.role == role))
        if department_id is not None:
            stmt = stmt.where(Staff.department_id == department_id)
        return list(session.scalars(stmt.order_by(Staff.id)))

    def advance_status(self, session: Session, doc: Document, status: str, actor: Actor) -> None:
        """Move the document's status forward only (04 → 05 → 06), audited."""
        if doc.status in FINAL_STATUSES:
            return
        if STATUS_ORDER.index(status) <= STATUS_ORDER.index(doc.status
                                                             if doc.status in STATUS_ORDER
                                                             else "registered"):
            return
        previous, doc.status = doc.status, status
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="status", object_type="document", object_id=doc.id,
                     details={"from": previous, "to": status})

    # --- start ------------------------------------------------------------------

    def start(self, session: Session, actor: Actor, doc: Document,
              process_key: str = processes.INCOMING,
              data: dict[str, Any] | None = None) -> ProcessInstance:
        """Start the document's route on the active diagram (caller commits)."""
        row = processes.active_definition(session, self.definitions, process_key)
        definition = self.definitions.get(row)
        now = self.clock()
        ctx = ServiceContext(session, self, doc, None, actor, now)
        data = {"document_id": doc.id, "urgency": doc.urgency,
                "support_department_ids": [], **(data or {})}
        instance = ProcessInstance(organization_id=doc.organization_id, definition_id=row.id,
                                   document_id=doc.id, state=b"", serializer_version="",
                                   definition_sha256=row.sha256)
        try:
            run = self.engine.start(definition, data, context=ctx)
        except EngineError as exc:
            # Contained: the document stays registered; the route is marked failed
            # for the administrator instead of losing the registration.
            instance.status, instance.error = "failed", exc.message.en[:1000]
            session.add(instance)
            audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                         action="route_failed", object_type="document", object_id=doc.id,
                         details={"process": row.process_key, "version": row.version,
                                  "error": exc.message.en[:500]})
            return instance
        session.add(instance)
        session.flush()
        ctx.instance = instance
        self._save(session, instance, run, now)
        self._mirror(session, instance, doc, run, now)
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action="route_start", object_type="document", object_id=doc.id,
                     details={"process": row.process_key, "version": row.version})
        return instance

    # --- steps --------------------------------------------------------------------

    def complete(self, session: Session, actor: Actor, task_id: int, raw: Mapping,
                 attach: Callable[[Session, Document], list[int]] | None = None) -> Completion:
        """Complete a task with its form data; commits.

        ``attach`` stores the handler's attachments (inspected files) once the
        form is valid and returns their file ids for the trail.
        Raises NotFound, PermissionDenied, InvalidInput, Conflict (already handled).
        """
        task = self._task_for(session, actor, task_id)
        try:
            instance = self._lock(session, task)
            self._require_worker(session, actor, task)
            doc = task.document
            now = self.clock()
            ctx = ServiceContext(session, self, doc, instance, actor, now)
            run = self._restore(session, instance, ctx)
            ready = {t.task_id: t for t in run.ready_tasks()}
            if task.engine_task_id not in ready:
                raise Conflict(ALREADY_HANDLED)
            step = parse_step(task.form, raw, self._form_context(session, doc,
                                                                  ready[task.engine_task_id]))
            if task.form == "handle" and task.assignee_id:
                # whoever handled it (after a reassignment too) revises it later
                step.data.setdefault("specialist_id", task.assignee_id)
            file_ids = attach(session, doc) if attach else []
            guard = self.step_guards.get(task.form)
            if guard is not None:
                guard(session, task, step, actor)
            self._guard(lambda: run.complete(task.engine_task_id, step.data))
            if task.form == "handle":
                self.advance_status(session, doc, "in_progress", actor)
            self._close_task(task, actor, step.decision, now)
            self._note(session, task, actor, step, now, file_ids)
            self._after_step(session, task, step, actor)
            self._save(session, instance, run, now)
            new = self._mirror(session, instance, doc, run, now)
            audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                         action="task_complete", object_type="document", object_id=doc.id,
                         details={"task_id": task.id, "step": task.bpmn_id,
                                  "decision": step.decision})
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return Completion(task, new, run.finished)

    def _form_context(self, session: Session, doc: Document, ready: ReadyTask) -> FormContext:
        return FormContext(session=session, organization_id=doc.organization_id, document=doc,
                           calendar=self.calendar(session, doc.organization_id),
                           today=self.today(),
                           default_days=self.settings.default_handling_days,
                           current_data=ready.data)

    def _after_step(self, session: Session, task: Task, step: StepInput, actor: Actor) -> None:
        """Side effects of a decision: FYI grants, the deadline, telling the owner."""
        doc = task.document
        label = doc_label(doc)
        if step.deadline and task.form in ("direction", "present"):
            doc.due_date = step.deadline
        if step.fyi_staff_ids:
            for sid in step.fyi_staff_ids:
                access.grant(session, doc.id, sid, reason="fyi")
            notify(session, step.fyi_staff_ids,
                   Notice("fyi", Msg(f"Nhận để biết: {label.vi}", f"For information: {label.en}"),
                          document_id=doc.id), email=self.settings.email)
        if step.decision == "return":
            previous = session.scalar(select(ProcessingNote.actor_id).where(
                ProcessingNote.document_id == doc.id, ProcessingNote.kind != "return",
                ProcessingNote.actor_id.is_not(None), ProcessingNote.actor_id != actor.staff_id)
                .order_by(ProcessingNote.id.desc()).limit(1))
            notify(session, [previous], Notice("returned", Msg(
                f"Văn bản bị trả lại: {label.vi}. Lý do: {step.content}",
                f"Sent back: {label.en}. Reason: {step.content}"), document_id=doc.id),
                email=self.settings.email)
        if task.delegated_by_id:
            notify(session, [task.delegated_by_id], Notice("result", Msg(
                f"{actor.full_name} đã xử lý thay: {label.vi}",
                f"{actor.full_name} handled on your behalf: {label.en}"),
                document_id=doc.id, task_id=task.id), email=self.settings.email)

    def _close_task(self, task: Task, actor: Actor, decision: str, now: datetime) -> None:
        task.status, task.outcome = "completed", decision
        task.completed_by_id, task.completed_at = actor.staff_id, now
        if task.claimed_by_id is None and task.assignee_id is None:
            task.claimed_by_id = actor.staff_id

    def _note(self, session: Session, task: Task, actor: Actor, step: StepInput,
              now: datetime, file_ids: list[int]) -> None:
        kind = "return" if step.decision == "return" else task.form
        session.add(ProcessingNote(
            document_id=task.document_id, instance_id=task.instance_id, task_id=task.id,
            step=task.bpmn_id, step_name=task.name, kind=kind, actor_id=actor.staff_id,
            actor_name=actor.full_name or actor.username,
            on_behalf_of_id=task.delegated_by_id, decision=step.decision, content=step.content,
            lead_department_id=step.lead_department_id,
            support_department_ids=step.support_department_ids,
            fyi_staff_ids=step.fyi_staff_ids, assignee_id=step.assignee_id,
            deadline=step.deadline, file_ids=file_ids, at=now))

    # --- claim, release, delegate, reassign -------------------------------------------

    @contextmanager
    def _locked_task(self, session: Session, actor: Actor, task_id: int):
        """The task with its route locked; commits on success, rolls back on error."""
        task = self._task_for(session, actor, task_id)
        try:
            self._lock(session, task)
            yield task
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def claim(self, session: Session, actor: Actor, task_id: int) -> Task:
        """Take a group task so others see it is being handled; commits."""
        with self._locked_task(session, actor, task_id) as task:
            if task.claimed_by_id == actor.staff_id:
                return task
            if task.claimed_by_id is not None or task.delegated_to_id is not None:
                raise Conflict(Msg("Công việc đã có người nhận xử lý.",
                                   "Someone else has already taken this task."))
            self._require_worker(session, actor, task)
            task.claimed_by_id = actor.staff_id
            if task.form == "handle":
                self.advance_status(session, task.document, "in_progress", actor)
            self._trail(session, task, actor, "claim", "Nhận xử lý")
        return task

    def release(self, session: Session, actor: Actor, task_id: int) -> Task:
        """Give a claimed task back to the group; commits."""
        with self._locked_task(session, actor, task_id) as task:
            if task.claimed_by_id != actor.staff_id:
                raise Conflict(Msg("Bạn không giữ công việc này.", "You do not hold this task."))
            task.claimed_by_id = None
            self._trail(session, task, actor, "release", "Trả lại nhóm")
        return task

    def delegate(self, session: Session, actor: Actor, task_id: int, to_staff_id: int,
                 note: str | None = None) -> Task:
        """Let a deputy work the task; the owner keeps responsibility and sees
        the result (DOMAIN: ủy quyền). ``to_staff_id`` = 0 takes it back. Commits."""
        with self._locked_task(session, actor, task_id) as task:
            if task.delegated_by_id == actor.staff_id and not to_staff_id:
                task.delegated_to_id = task.delegated_by_id = None
                self._trail(session, task, actor, "delegate", "Thu hồi ủy quyền")
                return task
            self._require_worker(session, actor, task)
            if task.delegated_to_id is not None:
                raise Conflict(Msg("Công việc đã được ủy quyền.", "The task is already delegated."))
            deputy = self._colleague(session, actor.organization_id, to_staff_id, "to_staff_id")
            if deputy.id == actor.staff_id:
                raise InvalidInput(Msg("Không thể ủy quyền cho chính mình.",
                                       "You cannot delegate to yourself."))
            if task.claimed_by_id is None and task.assignee_id is None:
                task.claimed_by_id = actor.staff_id
            task.delegated_to_id, task.delegated_by_id = deputy.id, actor.staff_id
            label = doc_label(task.document)
            self._hand_over(session, task, actor, deputy, "delegate",
                            f"Ủy quyền cho {deputy.full_name}", note,
                            Notice("delegated", Msg(
                                f"{actor.full_name} ủy quyền xử lý: {label.vi}",
                                f"{actor.full_name} delegated to you: {label.en}"),
                                document_id=task.document_id, task_id=task.id))
        return task

    def reassign(self, session: Session, actor: Actor, task_id: int, to_staff_id: int,
                 note: str | None = None) -> Task:
        """A manager gives the task to someone else (claims and delegation reset); commits."""
        with self._locked_task(session, actor, task_id) as task:
            self._require_manager(actor, task)
            person = self._colleague(session, actor.organization_id, to_staff_id, "to_staff_id")
            if task.role not in person.roles and not (task.department_id and
                                                      person.department_id == task.department_id):
                raise InvalidInput(Msg(
                    "Người được giao phải cùng vai trò hoặc cùng đơn vị với công việc.",
                    "The new person must have the task's role or be in its department."),
                    {"to_staff_id": Msg("Không phù hợp.", "Not suitable.")})
            task.assignee_id, task.claimed_by_id = person.id, None
            task.delegated_to_id = task.delegated_by_id = None
            label = doc_label(task.document)
            self._hand_over(session, task, actor, person, "reassign",
                            f"Giao lại cho {person.full_name}", note,
                            Notice("task", Msg(f"Được giao xử lý: {label.vi}",
                                               f"Assigned to you: {label.en}"),
                                   document_id=task.document_id, task_id=task.id))
        return task

    def _hand_over(self, session: Session, task: Task, actor: Actor, person: Staff, kind: str,
                   what: str, note: str | None, notice: Notice) -> None:
        """The new worker may see the document, the trail says so, and they are told."""
        access.grant(session, task.document_id, person.id, reason=kind)
        self._trail(session, task, actor, kind, what, note=note, assignee_id=person.id)
        notify(session, [person.id], notice, email=self.settings.email)

    def _trail(self, session: Session, task: Task, actor: Actor, kind: str, what: str,
               note: str | None = None, assignee_id: int | None = None) -> None:
        content = what + (f" — {note.strip()[:1000]}" if note and note.strip() else "")
        session.add(ProcessingNote(
            document_id=task.document_id, instance_id=task.instance_id, task_id=task.id,
            step=task.bpmn_id, step_name=task.name, kind=kind, actor_id=actor.staff_id,
            actor_name=actor.full_name or actor.username, content=content,
            assignee_id=assignee_id, at=self.clock()))
        audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                     action=f"task_{kind}", object_type="document", object_id=task.document_id,
                     details={"task_id": task.id, "assignee_id": assignee_id})

    # --- timers -------------------------------------------------------------------------

    def fire_due_timers(self, session: Session, now: datetime | None = None,
                        limit: int = 100) -> int:
        """Advance every route whose next timer is due; each in its own transaction."""
        now = now or self.clock()
        ids = session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.status == "running", ProcessInstance.next_due_at <= now)
            .order_by(ProcessInstance.next_due_at).limit(limit)).all()
        session.commit()
        fired = 0
        for instance_id in ids:
            try:
                lock_instance(session, instance_id)
                instance = session.scalar(select(ProcessInstance).where(
                    ProcessInstance.id == instance_id)
                    .execution_options(populate_existing=True))
                if instance is None or instance.next_due_at is None or instance.next_due_at > now:
                    session.rollback()
                    continue
                doc = session.get(Document, instance.document_id)
                ctx = ServiceContext(session, self, doc, instance,
                                     Actor.system(doc.organization_id), now)
                run = self._restore(session, instance, ctx)
                self._guard(run.fire_timers)
                self._save(session, instance, run, now)
                self._mirror(session, instance, doc, run, now)
                session.commit()
                fired += 1
            except (EngineError, ProcessFailed) as exc:
                session.rollback()
                self._mark_failed(session, instance_id, exc.message.en)
            except BaseException:
                session.rollback()
                raise
        return fired

    def _mark_failed(self, session: Session, instance_id: int, error: str) -> None:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                        .values(error=error[:1000], next_due_at=None))
        session.commit()

    # --- persistence ------------------------------------------------------------------------

    def _task_for(self, session: Session, actor: Actor, task_id: int) -> Task:
        task = session.get(Task, task_id)
        if task is None or task.organization_id != actor.organization_id:
            raise NotFound(Msg("Không tìm thấy công việc.", "Task not found."))
        return task

    def _lock(self, session: Session, task: Task) -> ProcessInstance:
        """Row-lock the route, then re-read the task: the second of two
        concurrent clicks waits here and is told the task was handled."""
        lock_instance(session, task.instance_id)
        instance = session.scalar(select(ProcessInstance).where(
            ProcessInstance.id == task.instance_id)
            .execution_options(populate_existing=True))
        session.refresh(task)
        if task.status != "ready":
            raise Conflict(ALREADY_HANDLED)
        return instance

    def _restore(self, session: Session, instance: ProcessInstance, ctx: ServiceContext) -> Run:
        row = instance.definition
        if row.sha256 != instance.definition_sha256:
            raise EngineError(Msg("Phiên bản quy trình không khớp dữ liệu đã lưu.",
                                  "The process version does not match the saved state."))
        definition = self.definitions.get(row)
        return self._guard(lambda: self.engine.restore(
            definition, instance.state, instance.serializer_version, context=ctx))

    def _save(self, session: Session, instance: ProcessInstance, run: Run, now: datetime) -> None:
        instance.state = run.serialize()
        instance.serializer_version = SERIALIZER_VERSION
        instance.revision = (instance.revision or 0) + 1
        instance.updated_at = now
        instance.next_due_at = None if run.finished else run.next_due_at()
        if run.finished:
            instance.status, instance.finished_at = "finished", now

    def _mirror(self, session: Session, instance: ProcessInstance, doc: Document, run: Run,
                now: datetime) -> list[Task]:
        """Make ``tasks`` hold exactly the engine's ready user tasks."""
        open_rows = {t.engine_task_id: t for t in session.scalars(select(Task).where(
            Task.instance_id == instance.id, Task.status == "ready"))}
        ready = [] if run.finished else run.ready_tasks()
        ready_ids = {r.task_id for r in ready}
        for engine_id, row in open_rows.items():
            if engine_id not in ready_ids:
                row.status, row.completed_at = "cancelled", now
        calendar = self.calendar(session, doc.organization_id)
        created = [self._new_task(session, instance, doc, r, calendar)
                   for r in ready if r.task_id not in open_rows]
        session.flush()
        for task in created:
            self._announce(session, task)
        return created

    def _new_task(self, session: Session, instance: ProcessInstance, doc: Document,
                  ready: ReadyTask, calendar: WorkCalendar) -> Task:
        due = _as_date(ready.due)
        task = Task(
            organization_id=doc.organization_id, instance_id=instance.id, document_id=doc.id,
            engine_task_id=ready.task_id, bpmn_id=ready.bpmn_id, name=ready.name[:200],
            lane=ready.lane, role=ready.role, form=ready.form,
            department_id=_as_int(ready.department), assignee_id=_as_int(ready.assignee),
            urgency_rank=URGENCY_RANK.get(doc.urgency, 9), due_date=due,
            due_at=calendar.deadline_moment(due) if due else None,
            remind_at=(calendar.remind_at(due, self.settings.reminder_days) if due else None),
            context={k: ready.data[k] for k in CONTEXT_KEYS if k in ready.data},
            status="ready")
        session.add(task)
        return task

    def _announce(self, session: Session, task: Task) -> None:
        """Grant sight of the document to whoever may work the task, and tell them."""
        people = self.workers(session, task)
        for sid in people:
            access.grant(session, task.document_id, sid, reason="routed")
        label = doc_label(task.document)
        notify(session, people, Notice("task", Msg(f"{task.name}: {label.vi}",
                                                   f"{task.name}: {label.en}"),
                                       document_id=task.document_id, task_id=task.id),
               email=self.settings.email)

    def workers(self, session: Session, task: Task) -> list[int]:
        """Who may act on the task now (the deputy, the holder, or the group)."""
        for one in (task.delegated_to_id, task.claimed_by_id, task.assignee_id):
            if one is not None:
                return [one]
        return self.people(session, task.organization_id, task.role, task.department_id)

    def _require_worker(self, session: Session, actor: Actor, task: Task) -> None:
        if not can_work(actor, task):
            raise PermissionDenied(Msg("Công việc này không giao cho bạn.",
                                       "This task is not assigned to you."))

    def _require_manager(self, actor: Actor, task: Task) -> None:
        if actor.has("admin", "leader", "office_head"):
            return
        if actor.has("department_head") and task.department_id == actor.department_id:
            return
        raise PermissionDenied(Msg("Chỉ lãnh đạo hoặc trưởng đơn vị được giao lại công việc.",
                                   "Only a leader or the head of the department may reassign."))

    def _colleague(self, session: Session, organization_id: int, staff_id: Any,
                   field_name: str) -> Staff:
        try:
            person = session.get(Staff, int(staff_id))
        except (TypeError, ValueError):
            person = None
        if person is None or not person.active or person.organization_id != organization_id:
            msg = Msg("Chọn một người trong cơ quan.", "Choose a person of the agency.")
            raise InvalidInput(msg, {field_name: msg})
        return person

    def _guard(self, fn):
        """Engine errors as domain errors: the caller rolls back, nothing changes."""
        try:
            return fn()
        except TaskNotReady:
            raise Conflict(ALREADY_HANDLED) from None
        except EngineError as exc:
            raise ProcessFailed(Msg(f"Quy trình gặp lỗi, bước chưa được thực hiện: {exc.message.vi}",
                                    f"The process failed; the step was not taken: "
                                    f"{exc.message.en}")) from None

    # --- reading ------------------------------------------------------------------------------

    def route_view(self, session: Session, actor: Actor, document_id: int) -> dict | None:
        """The diagram with done and current steps, for the document page."""
        doc = access.get_visible(session, actor, document_id)
        instance = session.scalar(select(ProcessInstance).where(
            ProcessInstance.document_id == doc.id).order_by(ProcessInstance.id.desc()).limit(1))
        if instance is None:
            return None
        row = instance.definition
        if not instance.state:  # the route failed to start (see ``start``)
            return {"xml": row.xml.decode("utf-8"), "completed": [], "active": [],
                    "returned": [], "process": row.process_key, "version": row.version,
                    "status": instance.status, "error": instance.error}
        ctx = ServiceContext(session, self, doc, instance, actor, self.clock())
        run = self._restore(session, instance, ctx)
        returned = sorted({n.step for n in session.scalars(select(ProcessingNote).where(
            ProcessingNote.document_id == doc.id, ProcessingNote.kind == "return"))})
        return {"xml": row.xml.decode("utf-8"), "completed": run.completed_ids(),
                "active": run.active_ids(), "returned": returned,
                "process": row.process_key, "version": row.version,
                "status": instance.status}


def stop_route(session: Session, document_id: int, reason: str, now: datetime,
               step_name: str = "Dừng xử lý") -> int:
    """Stop every running route of a document: its open tasks leave every inbox.

    For a document taken back or replaced (DOMAIN §2.9): no one must go on
    handling it and no timer may fire for it, while its history (notes,
    completed tasks, the route's state) stays. The instance ends
    ``cancelled``; the open tasks end ``cancelled``; a note says why. The
    caller commits. Returns the number of tasks cancelled.
    """
    instances = list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.document_id == document_id, ProcessInstance.status == "running")))
    cancelled = 0
    for instance in instances:
        lock_instance(session, instance.id)
        instance.status, instance.next_due_at, instance.finished_at = "cancelled", None, now
        instance.updated_at = now
        for task in session.scalars(select(Task).where(Task.instance_id == instance.id,
                                                       Task.status == "ready")):
            task.status, task.completed_at, task.outcome = "cancelled", now, "stopped"
            cancelled += 1
        session.add(ProcessingNote(
            document_id=document_id, instance_id=instance.id, step="route_stopped",
            step_name=step_name, kind="stopped", actor_id=None, actor_name="Hệ thống",
            content=reason[:1000], at=now))
    return cancelled


def lock_instance(session: Session, instance_id: int) -> None:
    """Take the route's write lock before reading its state.

    A no-op UPDATE, not ``SELECT ... FOR UPDATE``: on PostgreSQL it locks the
    row until commit; on SQLite (which has no row locks, and whose driver
    starts the write transaction only at the first write) it takes the
    database write lock now, so the reads that follow see the last commit.
    """
    session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                    .values(revision=ProcessInstance.revision))


def can_work(actor: Actor, task: Task) -> bool:
    """The same rule as the inbox query (``workflows.inbox.inbox_clause``)."""
    if task.organization_id != actor.organization_id or task.status != "ready":
        return False
    me = actor.staff_id
    if task.delegated_to_id is not None:
        return task.delegated_to_id == me
    if task.claimed_by_id is not None:
        return task.claimed_by_id == me
    if task.assignee_id is not None:
        return task.assignee_id == me
    return task.role in actor.roles and (task.department_id is None
                                         or task.department_id == actor.department_id)


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
