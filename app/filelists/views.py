"""Danh mục hồ sơ (annual file list) and the retention catalogue pages.

Thin: every rule (who may edit, draft only, stale forms, numbering) lives in
``workflows.file_lists`` and ``workflows.retention_catalogue``. A refused form
is shown again with its message and what was typed, with the HTTP status of
the refusal (422 bad input, 409 stale form or duplicate); a forbidden role
gets the 403 page from ``app.errors``.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_required

from app.errors import status_for
from app.extensions import db
from app.security import current_actor, current_language
from archive import directory
from archive.errors import Conflict, InvalidInput
from archive.filing_rules import retention_label
from workflows import file_lists, retention_catalogue
from workflows.incoming import vn_today

bp = Blueprint("filelists", __name__)

REFUSED = (InvalidInput, Conflict)
NUMBERING_LABELS = {"list": _l("Đánh số liên tục trong cả danh mục (01, 02…)"),
                    "heading": _l("Đánh số theo từng đề mục (01.TCCB…)")}
KIND_LABELS = {"general": _l("Hồ sơ thông thường"),
               "construction": _l("Hồ sơ xây dựng cơ bản")}
STATUS_LABELS = {"draft": _l("Dự thảo"), "approved": _l("Đã phê duyệt")}


@bp.context_processor
def _labels() -> dict:
    return {"numbering_labels": NUMBERING_LABELS, "kind_labels": KIND_LABELS,
            "list_status_labels": STATUS_LABELS, "retention_label": retention_label}


def _refusal(exc) -> dict:
    lang = current_language()
    return {"message": exc.message.text(lang),
            "errors": {k: v.text(lang) for k, v in exc.fields.items()}}


def _page_number() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


# --- the lists ------------------------------------------------------------------------

PER_PAGE = 20


def _index(status: int = 200, **ctx):
    actor = current_actor()
    page = _page_number()
    lists, total = file_lists.list_lists(db.session, actor, page, PER_PAGE)
    this_year = vn_today().year
    suggested = this_year + 1 if any(fl.year == this_year for fl, _n in lists) else this_year
    return render_template(
        "filelists/index.html", lists=lists, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)), can_edit=file_lists.can_edit(actor),
        **{"values": {"year": suggested}, "errors": {}, **ctx}), status


@bp.get("/file-lists")
@login_required
def index():
    return _index()


@bp.post("/file-lists")
@login_required
def create():
    values = request.form.to_dict()
    try:
        fl = file_lists.create_list(db.session, current_actor(), values.get("year"),
                                    values.get("numbering", "list"),
                                    copy_previous=values.get("copy_previous") == "1")
    except REFUSED as exc:
        return _index(status_for(exc), values=values, **_refusal(exc))
    flash(_("Đã lập danh mục hồ sơ năm %(year)s (dự thảo).", year=fl.year), "success")
    return redirect(url_for("filelists.show", year=fl.year))


# --- one list --------------------------------------------------------------------------

def period_text(period) -> str:
    """How a catalogue line is offered: "10-02 — Hồ sơ hành chính… (10 năm)"."""
    return f"{period.code} — {period.group_name} ({retention_label(period.years)})"


def _choices(actor, page, keep_period=None) -> dict:
    """(value, text) pairs of the entry form's selects. ``keep_period``: the
    line an edited entry has, offered even when it is no longer active."""
    staff = sorted((s for s in directory.staff_of(db.session, actor.organization_id)
                    if s.active), key=lambda s: s.full_name)
    periods = retention_catalogue.active_periods(db.session)
    if keep_period is not None and keep_period not in periods:
        periods.append(keep_period)
    headings = [(h.id, ("" if h.parent_id is None else "— ")
                 + f"{page.heading_numbers[h.id]}. {h.title}"
                 + (f" ({h.code_suffix})" if h.code_suffix else "")) for h in page.headings]
    top = [(h.id, f"{page.heading_numbers[h.id]}. {h.title}") for h in page.headings
           if h.parent_id is None]
    return {"choices": {
        "headings": headings, "top_headings": top,
        "periods": [(p.id, period_text(p)) for p in periods],
        "staff": [(s.id, s.full_name + (f" — {s.position_title}" if s.position_title else ""))
                  for s in staff],
        "departments": [(d.id, d.name) for d in
                        directory.departments_of(db.session, actor.organization_id)]}}


def _show(year: int, status: int = 200, form: str | None = None, **ctx):
    actor = current_actor()
    page = file_lists.list_page(db.session, actor, year)
    editable = page.file_list.status == file_lists.DRAFT and file_lists.can_edit(actor)
    return render_template(
        "filelists/show.html", page=page, fl=page.file_list, editable=editable,
        can_approve=page.file_list.status == file_lists.DRAFT and file_lists.can_approve(actor),
        failed_form=form, **{"values": {}, "errors": {}, **_choices(actor, page), **ctx}), status


@bp.get("/file-lists/<int:year>")
@login_required
def show(year: int):
    return _show(year)


def _change(year: int, form: str, use_case, done, *args):
    """Run one change of the list from a form of the list page; ``done(result)``
    is the message shown after it."""
    values = request.form.to_dict()
    try:
        result = use_case(db.session, current_actor(), year, values.get("version"), *args)
    except REFUSED as exc:
        return _show(year, status_for(exc), form=form, values=values, **_refusal(exc))
    flash(done(result), "success")
    return redirect(url_for("filelists.show", year=year, _anchor=form))


@bp.post("/file-lists/<int:year>/numbering")
@login_required
def numbering(year: int):
    return _change(year, "numbering", file_lists.set_numbering,
                   lambda _r: _("Đã đổi cách đánh số; số và ký hiệu hồ sơ đã được đánh lại."),
                   request.form.get("numbering", ""))


@bp.post("/file-lists/<int:year>/approve")
@login_required
def approve(year: int):
    return _change(year, "approve", file_lists.approve_list,
                   lambda _r: _("Đã phê duyệt danh mục hồ sơ năm %(year)s.", year=year))


@bp.post("/file-lists/<int:year>/headings")
@login_required
def add_heading(year: int):
    return _change(year, "add-heading", file_lists.add_heading,
                   lambda _r: _("Đã thêm đề mục."),
                   request.form.to_dict())


@bp.post("/file-lists/<int:year>/headings/<int:heading_id>/move")
@login_required
def move_heading(year: int, heading_id: int):
    return _change(year, f"h{heading_id}", file_lists.move_heading,
                   lambda _r: _("Đã chuyển đề mục."),
                   heading_id, request.form.get("direction", ""))


@bp.post("/file-lists/<int:year>/headings/<int:heading_id>/delete")
@login_required
def delete_heading(year: int, heading_id: int):
    return _change(year, "entries", file_lists.delete_heading,
                   lambda _r: _("Đã xóa đề mục."), heading_id)


@bp.post("/file-lists/<int:year>/entries")
@login_required
def add_entry(year: int):
    return _change(year, "add-entry", file_lists.add_entry,
                   lambda r: _("Đã thêm hồ sơ %(code)s.", code=r.code), request.form.to_dict())


@bp.post("/file-lists/<int:year>/entries/<int:entry_id>/move")
@login_required
def move_entry(year: int, entry_id: int):
    return _change(year, f"e{entry_id}", file_lists.move_entry,
                   lambda r: _("Đã chuyển hồ sơ; số mới là %(code)s.", code=r.code),
                   entry_id, request.form.get("direction", ""))


@bp.post("/file-lists/<int:year>/entries/<int:entry_id>/delete")
@login_required
def delete_entry(year: int, entry_id: int):
    return _change(year, "entries", file_lists.delete_entry,
                   lambda _r: _("Đã xóa hồ sơ khỏi danh mục; các số đã được đánh lại."),
                   entry_id)


def _edit_page(year: int, template: str, kind: str, item_id: int, status: int = 200, **ctx):
    """The edit form of one heading or entry, filled from the row unless a
    refused form's values are given."""
    actor = current_actor()
    page = file_lists.list_page(db.session, actor, year)
    item = _find(page.rows, kind, item_id)
    if kind == "entry":
        values = {"heading_id": item.heading_id or "", "title": item.title,
                  "retention_id": item.retention_id, "creator_id": item.creator_id or "",
                  "department_id": item.department_id or "", "kind": item.kind,
                  "notes": item.notes or ""}
        keep = item.retention
    else:
        values, keep = {"title": item.title, "code_suffix": item.code_suffix or ""}, None
    editable = page.file_list.status == file_lists.DRAFT and file_lists.can_edit(actor)
    return render_template(template, page=page, fl=page.file_list, item=item,
                           editable=editable, **{"values": values, "errors": {},
                                                 **_choices(actor, page, keep), **ctx}), status


def _find(rows, kind: str, item_id: int):
    from archive.errors import Msg, NotFound
    for row in rows:
        if row.kind == kind and row.obj.id == item_id:
            return row.obj
    raise NotFound(Msg("Không tìm thấy mục này trong danh mục.", "Not in this file list."))


@bp.route("/file-lists/<int:year>/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(year: int, entry_id: int):
    template = "filelists/entry_edit.html"
    if request.method == "GET":
        return _edit_page(year, template, "entry", entry_id)
    values = request.form.to_dict()
    try:
        saved = file_lists.update_entry(db.session, current_actor(), year, values.get("version"),
                                        entry_id, values)
    except REFUSED as exc:
        return _edit_page(year, template, "entry", entry_id, status_for(exc), values=values,
                          **_refusal(exc))
    flash(_("Đã lưu hồ sơ %(code)s.", code=saved.code), "success")
    return redirect(url_for("filelists.show", year=year, _anchor=f"e{entry_id}"))


@bp.route("/file-lists/<int:year>/headings/<int:heading_id>/edit", methods=["GET", "POST"])
@login_required
def edit_heading(year: int, heading_id: int):
    template = "filelists/heading_edit.html"
    if request.method == "GET":
        return _edit_page(year, template, "heading", heading_id)
    values = request.form.to_dict()
    try:
        file_lists.update_heading(db.session, current_actor(), year, values.get("version"),
                                  heading_id, values)
    except REFUSED as exc:
        return _edit_page(year, template, "heading", heading_id, status_for(exc),
                          values=values, **_refusal(exc))
    flash(_("Đã lưu đề mục."), "success")
    return redirect(url_for("filelists.show", year=year, _anchor=f"h{heading_id}"))


@bp.get("/file-lists/<int:year>/export.<fmt>")
@login_required
def export(year: int, fmt: str):
    printed = file_lists.print_list(db.session, current_actor(), year, fmt)
    return Response(printed.data, mimetype=printed.media_type, headers={
        "Content-Disposition": f'attachment; filename="{printed.filename}"'})


# --- the retention catalogue -------------------------------------------------------------

def _catalogue(status: int = 200, **ctx):
    actor = current_actor()
    return render_template(
        "filelists/retention.html", periods=retention_catalogue.list_periods(db.session),
        used=retention_catalogue.used_ids(db.session), stamp_of=retention_catalogue.stamp_of,
        can_edit=actor.has(*retention_catalogue.EDITORS),
        **{"values": {"to_confirm": "1"}, "errors": {}, **ctx}), status


@bp.get("/retention")
@login_required
def retention():
    return _catalogue()


@bp.post("/retention")
@login_required
def retention_create():
    values = request.form.to_dict()
    try:
        period = retention_catalogue.create_period(db.session, current_actor(), values)
    except REFUSED as exc:
        return _catalogue(status_for(exc), values=values, **_refusal(exc))
    flash(_("Đã thêm dòng %(code)s vào bảng thời hạn bảo quản.", code=period.code), "success")
    return redirect(url_for("filelists.retention", _anchor=f"r{period.id}"))


def _period_form(period, status: int = 200, **ctx):
    values = {"code": period.code, "group_name": period.group_name,
              "description": period.description, "years": period.years or "",
              "permanent": "1" if period.years is None else "",
              "legal_basis": period.legal_basis,
              "effective_from": period.effective_from.isoformat() if period.effective_from else "",
              "to_confirm": "1" if period.to_confirm else ""}
    return render_template("filelists/retention_edit.html", period=period,
                           stamp=retention_catalogue.stamp_of(period),
                           used=retention_catalogue.is_used(db.session, period.id),
                           **{"values": values, "errors": {}, **ctx}), status


@bp.route("/retention/<int:period_id>/edit", methods=["GET", "POST"])
@login_required
def retention_edit(period_id: int):
    actor = current_actor()
    period = retention_catalogue.get_period(db.session, period_id)
    if request.method == "GET":
        if not actor.has(*retention_catalogue.EDITORS):
            return redirect(url_for("filelists.retention", _anchor=f"r{period_id}"))
        return _period_form(period)
    values = request.form.to_dict()
    try:
        retention_catalogue.update_period(db.session, actor, period_id, values,
                                          values.get("stamp"))
    except REFUSED as exc:
        db.session.rollback()
        period = retention_catalogue.get_period(db.session, period_id)
        return _period_form(period, status_for(exc), **{**_refusal(exc), "values": values})
    flash(_("Đã lưu dòng %(code)s.", code=period.code), "success")
    return redirect(url_for("filelists.retention", _anchor=f"r{period_id}"))


@bp.post("/retention/<int:period_id>/active")
@login_required
def retention_active(period_id: int):
    active = request.form.get("active") == "1"
    try:
        period = retention_catalogue.set_active(db.session, current_actor(), period_id, active,
                                                request.form.get("stamp"))
    except REFUSED as exc:
        db.session.rollback()
        return _catalogue(status_for(exc), **_refusal(exc))
    flash(_("Dòng %(code)s được dùng lại.", code=period.code) if active else
          _("Dòng %(code)s đã ngừng dùng: vẫn giữ nguyên ở các hồ sơ đã dùng, không còn để "
            "chọn mới.", code=period.code), "success")
    return redirect(url_for("filelists.retention", _anchor=f"r{period_id}"))


@bp.post("/retention/<int:period_id>/delete")
@login_required
def retention_delete(period_id: int):
    try:
        retention_catalogue.delete_period(db.session, current_actor(), period_id,
                                          request.form.get("stamp"))
    except REFUSED as exc:
        db.session.rollback()
        return _catalogue(status_for(exc), **_refusal(exc))
    flash(_("Đã xóa dòng khỏi bảng thời hạn bảo quản."), "success")
    return redirect(url_for("filelists.retention"))
