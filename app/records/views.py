"""The agency archive (lưu trữ hiện hành): transfers, retention, holds, disposal, access.

Thin: each view reads the request, calls one use case of ``workflows``
(``archive_transfer``, ``file_index_report``, ``retention``, ``disposal``,
``archive_access``) and renders or redirects. A refused form (bad input,
stale page, double click, forbidden role) flashes the use case's message and
changes nothing.
"""
from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import wiring
from app.extensions import db
from app.security import current_actor, current_language
from archive import directory, filing_rules
from archive.errors import ArchiveError, NotFound
from archive.filing_models import FILE_DISPOSED, FILE_TRANSFERRED, DisposalDecision
from archive.models import Department, Staff
from workflows import (archive_access, archive_transfer, disposal, file_index_report,
                       retention)
from workflows import current_archive as ca

bp = Blueprint("records", __name__, url_prefix="/archive")
PER_PAGE = 50


# --- request helpers -------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    raw = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def _department_arg(value) -> int | None | str:
    """A department choice: an id, "none" (files without a department) or "" (not chosen)."""
    if value == "none":
        return None
    return _int(value) if value else ""


def _refused(exc: ArchiveError) -> None:
    """Roll back and tell the person why nothing changed."""
    db.session.rollback()
    lang = current_language()
    fields = "; ".join(v.text(lang) for k, v in exc.fields.items()
                       if v.text(lang) != exc.message.text(lang))
    flash(exc.message.text(lang) + (f" ({fields})" if fields else ""), "error")


def _download(printed) -> Response:
    return Response(printed.data, mimetype=printed.media_type, headers={
        "Content-Disposition": f'attachment; filename="{printed.filename}"'})


def _format() -> str:
    return request.args.get("format", "pdf")


@bp.context_processor
def _helpers() -> dict:
    return {"retention_label": filing_rules.retention_label, "staff_name": _staff_name,
            "department_name": _department_name, "today": ca.vn_today()}


def _staff_name(staff_id: int | None) -> str:
    person = db.session.get(Staff, staff_id) if staff_id else None
    return person.full_name if person else ""


def _department_name(department_id: int | None) -> str:
    dept = db.session.get(Department, department_id) if department_id else None
    return dept.name if dept else _("Không thuộc phòng, ban")


# --- the archivist's desk --------------------------------------------------------------------

def _is_overseer(actor) -> bool:
    return actor.has(*ca.OVERSEERS)


@bp.get("")
@login_required
def desk():
    """Due and overdue files by department, transfers, disposal, holds, requests."""
    actor = current_actor()
    ctx: dict = {"overseer": _is_overseer(actor), "archivist": actor.has(ca.ARCHIVIST)}
    if ctx["overseer"] or actor.has("department_head"):
        due = archive_transfer.due_files(db.session, actor)
        ctx["due_groups"] = [(dept, list(rows)) for dept, rows in groupby(
            sorted(due, key=lambda d: (d.case_file.department_id or 0, d.due)),
            key=lambda d: d.case_file.department_id)]
        ctx["overdue_count"] = sum(1 for d in due if d.overdue)
    if ctx["overseer"]:
        ctx["transfers"], ctx["transfer_total"] = archive_transfer.list_transfers(
            db.session, actor, per_page=10)
        ctx["eligible"] = disposal.eligible_files(db.session, actor, limit=20)
        ctx["holds"] = retention.holds_in_force(db.session, actor, limit=20)
    ctx["requests"], ctx["request_total"] = archive_access.list_requests(
        db.session, actor, "pending", per_page=10)
    return render_template("records/desk.html", **ctx)


# --- transfers ---------------------------------------------------------------------------------

@bp.route("/transfers/new", methods=["GET", "POST"])
@login_required
def transfer_new():
    """Choose a department and its closed files, say who hands them over, confirm."""
    actor = current_actor()
    ca.require_archivist(actor)
    source = request.form if request.method == "POST" else request.args
    department = _department_arg(source.get("department_id", ""))
    if request.method == "POST":
        try:
            transfer = archive_transfer.receive_transfer(
                db.session, actor, department_id=None if department == "" else department,
                file_ids=[i for i in map(_int, request.form.getlist("file_ids")) if i],
                handed_by_id=_int(request.form.get("handed_by_id")),
                notes=request.form.get("notes"))
        except ArchiveError as exc:
            _refused(exc)
        else:
            flash(_("Đã nhận %(count)s hồ sơ vào lưu trữ cơ quan: biên bản số %(number)s.",
                    count=transfer.file_count, number=f"{transfer.number}/{transfer.year}"),
                  "success")
            return redirect(url_for("records.transfer_show", transfer_id=transfer.id))
    files = ([] if department == "" else
             archive_transfer.closed_files(db.session, actor, department))
    people = [s for s in directory.staff_of(db.session, actor.organization_id)
              if department in ("", None) or s.department_id == department]
    return render_template(
        "records/transfer_new.html", department=department, files=files, people=people,
        departments=directory.departments_of(db.session, actor.organization_id),
        chosen={i for i in map(_int, request.form.getlist("file_ids")) if i},
        form=request.form)


@bp.get("/transfers/<int:transfer_id>")
@login_required
def transfer_show(transfer_id: int):
    actor = current_actor()
    transfer = archive_transfer.get_transfer(db.session, actor, transfer_id)
    files = archive_transfer.transfer_files(db.session, transfer)
    return render_template("records/transfer_show.html", transfer=transfer, files=files,
                           record=file_index_report.handover_lines(db.session, transfer, files))


@bp.get("/transfers/<int:transfer_id>/index")
@login_required
def transfer_index(transfer_id: int):
    """Mục lục hồ sơ, tài liệu nộp lưu (PDF or XLSX)."""
    return _download(file_index_report.transfer_index(db.session, current_actor(),
                                                      transfer_id, _format()))


@bp.get("/transfers/<int:transfer_id>/record")
@login_required
def transfer_record(transfer_id: int):
    """Biên bản giao nhận (PDF)."""
    return _download(file_index_report.handover_record(db.session, current_actor(),
                                                       transfer_id))


@bp.get("/index")
@login_required
def file_index():
    """The statutory Mục lục hồ sơ of a year and/or a department."""
    actor = current_actor()
    if "format" not in request.args:
        ca.department_scope(actor)   # refuses people who may not print it
        return render_template(
            "records/index_form.html",
            departments=directory.departments_of(db.session, actor.organization_id))
    return _download(file_index_report.file_index(
        db.session, actor, year=_int(request.args.get("year")),
        department_id=_int(request.args.get("department_id")), fmt=_format()))


# --- an archived file ----------------------------------------------------------------------------

def _manager_view(actor) -> bool:
    return actor.has(*retention.HOLD_ROLES)


@bp.get("/files/<int:case_file_id>")
@login_required
def file_show(case_file_id: int):
    """The archived file for those who may use it (the view is logged in the sổ);
    otherwise the request form. The archivist also manages retention and holds."""
    actor = current_actor()
    case_file = ca.get_file(db.session, actor, case_file_id)
    manager = _manager_view(actor)
    if case_file.status != FILE_TRANSFERRED and not manager:
        raise NotFound(archive_access.NOT_ARCHIVED)
    opened, my_requests = None, []
    if case_file.status == FILE_TRANSFERRED:
        if archive_access.permission(db.session, actor, case_file).allowed:
            opened = archive_access.open_archived_file(db.session, actor, case_file_id)
        else:
            my_requests = [r for r, _f in archive_access.list_requests(
                db.session, actor, None, per_page=20)[0] if r.case_file_id == case_file.id]
    return render_template(
        "records/file.html", case_file=case_file, opened=opened, my_requests=my_requests,
        manager=manager, archivist=actor.has(ca.ARCHIVIST),
        holds=retention.holds_of(db.session, case_file) if manager else [],
        changes=retention.changes_of(db.session, case_file) if manager else [],
        decision=(db.session.get(DisposalDecision, case_file.disposal_decision_id)
                  if case_file.disposal_decision_id else None),
        disposed=case_file.status == FILE_DISPOSED, can_export=_can_export(actor, case_file),
        leaders=[s for s in directory.staff_of(db.session, actor.organization_id)
                 if "leader" in s.roles])


def _can_export(actor, case_file) -> bool:
    """Whether the case-file pages' exports (which log the use themselves) apply."""
    try:
        from workflows.case_files import can_see
    except ImportError:
        return False
    return case_file.status == FILE_TRANSFERRED and can_see(actor, case_file)


@bp.get("/files/<int:case_file_id>/download/<int:file_id>")
@login_required
def file_download(case_file_id: int, file_id: int):
    """A document file of an archived file; the use is logged."""
    file, data = archive_access.download(db.session, current_actor(), wiring.storage(),
                                         case_file_id, file_id)
    return Response(data, mimetype=file.media_type, headers={
        "Content-Disposition": f'attachment; filename="{file.name}"'})


def _back_to_file(case_file_id: int):
    return redirect(url_for("records.file_show", case_file_id=case_file_id))


@bp.post("/files/<int:case_file_id>/request")
@login_required
def file_request(case_file_id: int):
    try:
        archive_access.request_access(db.session, current_actor(), case_file_id,
                                      request.form.get("reason"))
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã gửi yêu cầu khai thác tới cán bộ lưu trữ."), "success")
    return _back_to_file(case_file_id)


@bp.post("/files/<int:case_file_id>/retention")
@login_required
def file_retention(case_file_id: int):
    """Extend (archivist) or, with a decision, shorten the retention."""
    try:
        years = (None if request.form.get("permanent") == "1"
                 else retention.parse_years(request.form.get("years")))
        retention.change_retention(
            db.session, current_actor(), case_file_id, years=years,
            until=_date(request.form.get("until")), reason=request.form.get("reason"),
            decision_ref=request.form.get("decision_ref"),
            version=_int(request.form.get("version")))
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã ghi nhận thay đổi thời hạn bảo quản."), "success")
    return _back_to_file(case_file_id)


@bp.post("/files/<int:case_file_id>/holds")
@login_required
def hold_place(case_file_id: int):
    try:
        retention.place_hold(db.session, current_actor(), case_file_id,
                             request.form.get("reason"))
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã đặt lệnh giữ: hồ sơ không thể bị hủy cho đến khi gỡ lệnh."), "success")
    return _back_to_file(case_file_id)


@bp.post("/holds/<int:hold_id>/release")
@login_required
def hold_release(hold_id: int):
    case_file_id = _int(request.form.get("case_file_id"))
    try:
        hold = retention.release_hold(db.session, current_actor(), hold_id,
                                      request.form.get("release_reason"))
        case_file_id = hold.case_file_id
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã gỡ lệnh giữ."), "success")
    return _back_to_file(case_file_id) if case_file_id else redirect(url_for("records.desk"))


# --- disposal ------------------------------------------------------------------------------------

@bp.get("/disposal")
@login_required
def disposal_page():
    """Eligible files (a list, never an action), the decision form, the decisions."""
    actor = current_actor()
    return render_template(
        "records/disposal.html", eligible=disposal.eligible_files(db.session, actor),
        decisions=disposal.list_decisions(db.session, actor),
        leaders=[s for s in directory.staff_of(db.session, actor.organization_id)
                 if "leader" in s.roles], archivist=actor.has(ca.ARCHIVIST),
        form=request.args)


@bp.post("/disposal/decisions")
@login_required
def decision_create():
    try:
        decision = disposal.create_decision(
            db.session, current_actor(), reference=request.form.get("reference"),
            approver_id=_int(request.form.get("approver_id")),
            decided_on=_date(request.form.get("decided_on")),
            reason=request.form.get("reason"),
            file_ids=[i for i in map(_int, request.form.getlist("file_ids")) if i])
    except ArchiveError as exc:
        _refused(exc)
        return redirect(url_for("records.disposal_page"))
    flash(_("Đã ghi nhận quyết định hủy %(reference)s; chưa hồ sơ nào bị hủy.",
            reference=decision.reference), "success")
    return redirect(url_for("records.decision_show", decision_id=decision.id))


@bp.get("/disposal/decisions/<int:decision_id>")
@login_required
def decision_show(decision_id: int):
    actor = current_actor()
    decision = disposal.get_decision(db.session, actor, decision_id)
    return render_template("records/decision.html", decision=decision,
                           files=disposal.decision_files(db.session, decision),
                           archivist=actor.has(ca.ARCHIVIST))


@bp.post("/disposal/decisions/<int:decision_id>/execute")
@login_required
def decision_execute(decision_id: int):
    if request.form.get("confirm") != "1":
        flash(_("Hãy đánh dấu xác nhận trước khi thi hành quyết định hủy."), "error")
        return redirect(url_for("records.decision_show", decision_id=decision_id))
    try:
        done = disposal.execute_decision(db.session, current_actor(), wiring.storage(),
                                         decision_id)
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã hủy %(files)s hồ sơ (%(docs)s văn bản bị hủy nội dung, %(kept)s văn bản "
                "còn trong hồ sơ khác được giữ).", files=len(done.files),
                docs=len(done.destroyed_documents), kept=len(done.kept_documents)), "success")
    return redirect(url_for("records.decision_show", decision_id=decision_id))


# --- access requests and the sổ sử dụng bản lưu ---------------------------------------

@bp.get("/requests")
@login_required
def requests_page():
    actor = current_actor()
    status = request.args.get("status", "pending")
    status = status if status in ("pending", "granted", "refused", "all") else "pending"
    page = max(_int(request.args.get("page")) or 1, 1)
    rows, total = archive_access.list_requests(db.session, actor,
                                               None if status == "all" else status, page)
    return render_template("records/requests.html", rows=rows, total=total, status=status,
                           page=page, pages=max(1, -(-total // 30)),
                           archivist=actor.has(ca.ARCHIVIST))


@bp.post("/requests/<int:request_id>/decide")
@login_required
def request_decide(request_id: int):
    grant = request.form.get("decision") == "grant"
    try:
        archive_access.decide_request(
            db.session, current_actor(), request_id, grant=grant,
            valid_until=_date(request.form.get("valid_until")), note=request.form.get("note"))
    except ArchiveError as exc:
        _refused(exc)
    else:
        flash(_("Đã cho phép khai thác.") if grant else _("Đã từ chối yêu cầu."), "success")
    return redirect(url_for("records.requests_page"))


@bp.get("/usage")
@login_required
def usage_page():
    """Sổ sử dụng bản lưu of a period (default: this month), paged; PDF/XLSX."""
    actor = current_actor()
    date_from, date_to = _date(request.args.get("from")), _date(request.args.get("to"))
    if "format" in request.args:
        return _download(archive_access.print_usage(db.session, actor, date_from, date_to,
                                                    _format()))
    page = max(_int(request.args.get("page")) or 1, 1)
    lines, total, date_from, date_to = archive_access.usage_lines(
        db.session, actor, date_from, date_to, page=page, per_page=PER_PAGE)
    return render_template("records/usage.html", lines=lines, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), date_from=date_from,
                           date_to=date_to, labels=archive_access.USE_LABELS)
