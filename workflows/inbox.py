"""Reading the routing tables: the inbox, counts, overdue lists, the trail.

The inbox rule is the SQL twin of ``workflows.routing.can_work``: a ready
task is in my inbox when it is delegated to me; or, not delegated, claimed
by me; or, unclaimed, assigned to me; or, unassigned, meant for one of my
roles (in my department when the task names one). Urgent documents come
first (hỏa tốc, thượng khẩn, khẩn), then the nearest deadline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from archive import access
from archive.db import utcnow
from archive.errors import Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.models import Department, ProcessingNote, Task

SCOPES = ("mine", "delegated", "overdue", "department")


@dataclass
class InboxQuery:
    scope: str = "mine"  # mine | delegated (I delegated) | overdue (mine) | department (overdue)
    department_id: int | None = None
    page: int = 1
    per_page: int = 50


def inbox_clause(actor: Actor):
    me = actor.staff_id
    roles = sorted(actor.roles) or ["-"]
    group = and_(Task.assignee_id.is_(None), Task.role.in_(roles),
                 or_(Task.department_id.is_(None), Task.department_id == actor.department_id)
                 if actor.department_id is not None else Task.department_id.is_(None))
    undelegated = and_(Task.delegated_to_id.is_(None), or_(
        Task.claimed_by_id == me,
        and_(Task.claimed_by_id.is_(None), or_(Task.assignee_id == me, group))))
    return and_(Task.status == "ready", Task.organization_id == actor.organization_id,
                or_(Task.delegated_to_id == me, undelegated))


def _ordered(stmt):
    return stmt.order_by(Task.urgency_rank, Task.due_at.asc().nulls_last(), Task.id)


def _scope_clause(session: Session, actor: Actor, query: InboxQuery, now: datetime):
    if query.scope == "delegated":
        return and_(Task.status == "ready", Task.delegated_by_id == actor.staff_id)
    if query.scope == "overdue":
        return and_(inbox_clause(actor), Task.due_at < now)
    if query.scope == "department":
        dept = _department_for(session, actor, query.department_id)
        return and_(Task.status == "ready", Task.organization_id == actor.organization_id,
                    Task.department_id == dept, Task.due_at < now) if dept else false()
    return inbox_clause(actor)


def _department_for(session: Session, actor: Actor, department_id: int | None) -> int | None:
    """Heads see their own department's overdue list; leaders and the office any."""
    if actor.has("leader", "office_head", "admin"):
        wanted = department_id or actor.department_id
    elif actor.has("department_head"):
        if department_id and department_id != actor.department_id:
            raise PermissionDenied(Msg("Bạn chỉ xem được đơn vị của mình.",
                                       "You can only see your own department."))
        wanted = actor.department_id
    else:
        raise PermissionDenied(Msg("Bạn không xem được danh sách quá hạn của đơn vị.",
                                   "You may not see department overdue lists."))
    if wanted is not None:
        dept = session.get(Department, wanted)
        if dept is None or dept.organization_id != actor.organization_id:
            raise NotFound(Msg("Không tìm thấy đơn vị.", "Department not found."))
    return wanted


def list_tasks(session: Session, actor: Actor, query: InboxQuery,
               now: datetime | None = None) -> tuple[list[Task], int]:
    """One page of tasks in the chosen scope, with their documents, and the total."""
    now = now or utcnow()
    where = _scope_clause(session, actor, query, now)
    total = session.scalar(select(func.count(Task.id)).where(where)) or 0
    page = max(1, query.page)
    # selectinload, not joinedload: joining every matching task to its document
    # before the sort cost ~30 ms at 100k open tasks (bench/RESULTS.md).
    stmt = _ordered(select(Task).where(where)).options(
        selectinload(Task.document), selectinload(Task.department))
    items = session.scalars(stmt.offset((page - 1) * query.per_page).limit(query.per_page))
    return list(items), total


@dataclass
class InboxCounts:
    total: int
    urgent: int
    overdue: int


def counts(session: Session, actor: Actor, now: datetime | None = None) -> InboxCounts:
    """The numbers in the navigation bar (one query)."""
    now = now or utcnow()
    row = session.execute(select(
        func.count(Task.id),
        func.count(Task.id).filter(Task.urgency_rank < 3),
        func.count(Task.id).filter(Task.due_at < now)).where(inbox_clause(actor))).one()
    return InboxCounts(row[0] or 0, row[1] or 0, row[2] or 0)


def get_task(session: Session, actor: Actor, task_id: int) -> Task:
    """A task the actor may see: its document must be visible to them."""
    task = session.get(Task, task_id)
    if task is None or task.organization_id != actor.organization_id:
        raise NotFound(Msg("Không tìm thấy công việc.", "Task not found."))
    access.get_visible(session, actor, task.document_id)
    return task


def document_tasks(session: Session, document_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.document_id == document_id)
                                .order_by(Task.id)))


def trail(session: Session, actor: Actor, document_id: int) -> list[ProcessingNote]:
    """The Phiếu giải quyết văn bản đến, oldest first (visibility checked)."""
    access.get_visible(session, actor, document_id)
    return list(session.scalars(select(ProcessingNote).where(
        ProcessingNote.document_id == document_id).order_by(ProcessingNote.at,
                                                           ProcessingNote.id)))


def is_overdue(task: Task, now: datetime | None = None) -> bool:
    return task.status == "ready" and task.due_at is not None and task.due_at < (now or utcnow())

