"""The inbox and the routing steps: see a task, decide, claim, delegate, reassign."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import wiring
from app.extensions import db
from app.incoming.views import _int_arg
from app.security import current_actor, current_language
from archive import directory
from archive.errors import Conflict, FileRejected, InvalidInput
from workflows import inbox, incoming, notify
from workflows.inbox import InboxQuery
from workflows.incoming import Upload
from workflows.routing import can_work

bp = Blueprint("tasks", __name__)


def inbox_query(max_per_page: int = 200) -> InboxQuery:
    scope = request.args.get("scope") or "mine"
    return InboxQuery(scope=scope if scope in inbox.SCOPES else "mine",
                      department_id=_int_arg("department_id"),
                      page=max(_int_arg("page", 1) or 1, 1),
                      per_page=min(max(_int_arg("per_page", 50) or 50, 1), max_per_page))


@bp.get("/inbox")
@login_required
def inbox_list():
    actor = current_actor()
    query = inbox_query()
    items, total = inbox.list_tasks(db.session, actor, query)
    departments = directory.departments_of(db.session, actor.organization_id)
    return render_template("tasks/inbox.html", items=items, total=total, query=query,
                           pages=max(1, -(-total // query.per_page)),
                           departments=departments, is_overdue=inbox.is_overdue)


def _choices(actor):
    departments = directory.departments_of(db.session, actor.organization_id)
    people = [s for s in directory.staff_of(db.session, actor.organization_id) if s.active]
    return departments, people


def _render_task(task, errors=None, values=None, message=None, status=200):
    actor = current_actor()
    departments, people = _choices(actor)
    routing = wiring.routing()
    return render_template(
        "tasks/show.html", task=task, doc=task.document, errors=errors or {},
        values=values or {}, message=message, departments=departments, people=people,
        can_work=can_work(actor, task), trail=inbox.trail(db.session, actor, task.document_id),
        data=task.context or {}, is_overdue=inbox.is_overdue,
        today=routing.today()), status


@bp.get("/tasks/<int:task_id>")
@login_required
def show(task_id: int):
    task = inbox.get_task(db.session, current_actor(), task_id)
    return _render_task(task)


def _attachments() -> list[Upload]:
    return [Upload(f.filename, f.read(), "attachment")
            for f in request.files.getlist("attachments") if f and f.filename]


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    actor = current_actor()
    uploads = _attachments()

    def attach(session, doc):
        return incoming.attach_files(session, wiring.storage(), wiring.limits(), doc, uploads)
    raw = request.form
    try:
        result = wiring.routing().complete(db.session, actor, task_id, raw,
                                           attach=attach if uploads else None)
    except (InvalidInput, FileRejected) as exc:
        lang = current_language()
        task = inbox.get_task(db.session, actor, task_id)
        errors = {k: v.text(lang) for k, v in exc.fields.items()}
        return _render_task(task, errors, raw, exc.message.text(lang), 422)
    except Conflict as exc:
        flash(exc.message.text(current_language()), "error")
        return redirect(url_for("tasks.inbox_list"))
    flash(_("Đã chuyển bước “%(name)s”.", name=result.task.name), "ok")
    return redirect(url_for("tasks.inbox_list"))


def _after_action(task_id: int, message: str):
    flash(message, "ok")
    target = request.form.get("next") or url_for("tasks.show", task_id=task_id)
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    wiring.routing().claim(db.session, current_actor(), task_id)
    return _after_action(task_id, _("Bạn đã nhận xử lý công việc."))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int):
    wiring.routing().release(db.session, current_actor(), task_id)
    return _after_action(task_id, _("Đã trả công việc về nhóm."))


@bp.post("/tasks/<int:task_id>/delegate")
@login_required
def delegate(task_id: int):
    wiring.routing().delegate(db.session, current_actor(), task_id,
                              request.form.get("to_staff_id") or 0, request.form.get("note"))
    return _after_action(task_id, _("Đã cập nhật ủy quyền."))


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
def reassign(task_id: int):
    wiring.routing().reassign(db.session, current_actor(), task_id,
                              request.form.get("to_staff_id"), request.form.get("note"))
    return _after_action(task_id, _("Đã giao lại công việc."))


@bp.get("/notifications")
@login_required
def notifications():
    page = max(_int_arg("page", 1) or 1, 1)
    items, total = notify.list_notifications(db.session, current_actor(), page)
    return render_template("tasks/notifications.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // 30)))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    raw = request.form.get("id")
    notify.mark_read(db.session, current_actor(), int(raw) if raw and raw.isdigit() else None)
    return redirect(url_for("tasks.notifications"))
