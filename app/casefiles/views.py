"""Case file (hồ sơ) pages: open, fill, close, reopen, exports, the document index.

Thin: every rule (who sees and changes a file, frozen files, stale forms,
closing) lives in ``workflows.case_files``; a view turns the request into
arguments, calls one use case and shows the outcome. A refused change is
flashed in clear words on the file page; a form with faulty fields comes
back with the fields marked (422).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_required

from app import wiring
from app.documents.views import file_response
from app.errors import status_for
from app.extensions import db
from app.security import current_actor, current_language
from archive import directory, filing_rules
from archive.errors import ArchiveError, InvalidInput, NotFound
from archive.filing_models import FILE_KINDS, RIGHTS
from workflows import case_files
from workflows.case_file_form import parse_date
from workflows.case_files import FileQuery
from workflows.incoming import vn_today

bp = Blueprint("casefiles", __name__, url_prefix="/files")
VN_TZ = timezone(timedelta(hours=7))

STATUS_LABELS = {"open": _l("Đang mở"), "closed": _l("Đã đóng"),
                 "transferred": _l("Đã nộp lưu"), "disposed": _l("Đã hủy")}
SCOPE_LABELS = {"mine": _l("Hồ sơ của tôi"), "department": _l("Hồ sơ của đơn vị"),
                "all": _l("Mọi hồ sơ tôi được xem")}
KIND_LABELS = {"general": _l("Hồ sơ thông thường"),
               "construction": _l("Hồ sơ xây dựng cơ bản (nộp lưu 3 tháng sau quyết toán)")}
RIGHTS_LABELS = {"open": _l("Công khai"), "restricted": _l("Hạn chế")}
ACTION_LABELS = {"casefile_open": _l("Mở hồ sơ"), "casefile_add": _l("Thêm văn bản"),
                 "casefile_remove": _l("Bỏ văn bản khỏi hồ sơ"),
                 "casefile_edit": _l("Sửa thông tin hồ sơ"), "casefile_close": _l("Đóng hồ sơ"),
                 "casefile_reopen": _l("Mở lại hồ sơ"), "casefile_export": _l("Xuất hồ sơ")}
EXPORT_LABELS = {"pdf": _l("Toàn bộ hồ sơ (PDF)"), "xml": _l("Thông tin hồ sơ (XML)"),
                 "index_pdf": _l("Mục lục văn bản (PDF)"),
                 "index_xlsx": _l("Mục lục văn bản (Excel)"),
                 "bagit": _l("Gói nộp lưu BagIt (ZIP)")}


@bp.context_processor
def _labels() -> dict:
    return {"file_statuses": STATUS_LABELS, "file_scopes": SCOPE_LABELS,
            "file_kinds": KIND_LABELS, "file_rights": RIGHTS_LABELS,
            "file_actions": ACTION_LABELS, "export_labels": EXPORT_LABELS,
            "retention_label": filing_rules.retention_label}


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _lang_errors(exc: ArchiveError) -> tuple[str, dict[str, str]]:
    lang = current_language()
    return exc.message.text(lang), {k: v.text(lang) for k, v in exc.fields.items()}


def _refused(exc: ArchiveError, file_id: int | None = None):
    """A refused change: say why on the file page (or the list), nothing changed."""
    db.session.rollback()
    if isinstance(exc, NotFound):
        raise exc
    flash(exc.message.text(current_language()), "error")
    target = url_for("casefiles.show", file_id=file_id) if file_id else \
        url_for("casefiles.list_page")
    return redirect(target, code=303)


# --- list --------------------------------------------------------------------------------

def _query() -> FileQuery:
    scope = request.args.get("scope", "mine")
    return FileQuery(scope=scope if scope in case_files.SCOPES else "mine",
                     year=_int(request.args.get("year")),
                     status=request.args.get("status") or None,
                     q=(request.args.get("q") or "").strip()[:200] or None,
                     page=max(_int(request.args.get("page"), 1) or 1, 1), per_page=25)


@bp.get("")
@login_required
def list_page():
    query = _query()
    items, total = case_files.list_files(db.session, current_actor(), query)
    return render_template("casefiles/list.html", items=items, total=total, query=query,
                           pages=max(1, -(-total // query.per_page)),
                           args={k: v for k, v in request.args.items() if k != "page"},
                           this_year=vn_today().year)


# --- opening -----------------------------------------------------------------------------

def _new_context(actor, year: int, values: dict | None = None, errors: dict | None = None,
                 message: str | None = None, tab: str = "list") -> dict:
    return {"year": year, "entries": case_files.entries_to_open(db.session, actor, year),
            "lines": case_files.retention_lines(db.session),
            "people": directory.staff_of(db.session, actor.organization_id),
            "values": values or {"creator_id": str(actor.staff_id),
                                 "start_date": vn_today().isoformat()},
            "errors": errors or {}, "message": message, "tab": tab, "kinds": FILE_KINDS,
            "rights": RIGHTS, "today": vn_today()}


@bp.get("/new")
@login_required
def new():
    year = _int(request.args.get("year"), vn_today().year)
    return render_template("casefiles/new.html", **_new_context(current_actor(), year))


@bp.post("/new/from-list")
@login_required
def open_from_list():
    actor = current_actor()
    try:
        start = parse_date(request.form.get("start_date"))
    except ValueError:
        start = None
    entry_id = _int(request.form.get("entry_id"))
    if entry_id is None:
        flash(_("Hãy chọn một hồ sơ trong danh mục."), "error")
        return redirect(url_for("casefiles.new"), code=303)
    try:
        cf = case_files.open_from_entry(db.session, actor, entry_id, start_date=start)
    except ArchiveError as exc:
        db.session.rollback()
        flash(exc.message.text(current_language()), "error")
        return redirect(url_for("casefiles.new"), code=303)
    flash(_("Đã mở hồ sơ %(code)s — %(title)s.", code=cf.code, title=cf.title), "success")
    return redirect(url_for("casefiles.show", file_id=cf.id), code=303)


@bp.post("/new")
@login_required
def open_outside():
    actor = current_actor()
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    try:
        cf = case_files.open_outside_list(db.session, actor, values)
    except ArchiveError as exc:
        db.session.rollback()
        message, errors = _lang_errors(exc)
        year = vn_today().year
        ctx = _new_context(actor, year, values, errors, message, tab="outside")
        return render_template("casefiles/new.html", **ctx), status_for(exc)
    flash(_("Đã mở hồ sơ %(code)s — %(title)s.", code=cf.code, title=cf.title), "success")
    return redirect(url_for("casefiles.show", file_id=cf.id), code=303)


# --- one file ---------------------------------------------------------------------------

def _iso(value) -> str:
    return value.isoformat() if value else ""


def _saved_values(cf) -> tuple[dict, dict]:
    """What the edit and close forms show before anything is typed."""
    retention = {"retention_id": cf.retention_id or "",
                 "retention": "" if cf.retention_id else
                 ("permanent" if cf.retention_years is None else cf.retention_years)}
    edit = {"title": cf.title, "code": cf.code, "kind": cf.kind, "rights": cf.rights,
            "language": cf.language, "description": cf.description or "",
            "start_date": _iso(cf.start_date), "end_date": _iso(cf.end_date),
            "settlement_date": _iso(cf.settlement_date), **retention}
    return edit, retention


def _show(file_id: int, errors: dict | None = None, values: dict | None = None,
          message: str | None = None, open_form: str | None = None, status: int = 200):
    actor = current_actor()
    cf = case_files.get_file(db.session, actor, file_id)
    edit_values, close_values = _saved_values(cf)
    if open_form == "edit":
        edit_values = values
    elif open_form == "close":
        close_values = values
    q = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "casefiles/show.html", cf=cf, items=sorted(cf.items, key=lambda i: i.ordinal),
        visible=case_files.visible_document_ids(db.session, actor, cf), q=q,
        found=case_files.candidates(db.session, actor, cf, q) if q else [],
        may_change=case_files.can_change(actor, cf),
        may_reopen=cf.creator_id == actor.staff_id or actor.has(*case_files.REOPEN_ROLES),
        lines=case_files.retention_lines(db.session), history=case_files.history(
            db.session, cf.id), errors=errors or {}, values=values or {}, message=message,
        open_form=open_form, edit_values=edit_values, close_values=close_values,
        kinds=FILE_KINDS, rights=RIGHTS), status


@bp.get("/<int:file_id>")
@login_required
def show(file_id: int):
    return _show(file_id)


def _version() -> int | None:
    return _int(request.form.get("version"))


@bp.post("/<int:file_id>/edit")
@login_required
def edit(file_id: int):
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
    try:
        case_files.edit_file(db.session, current_actor(), file_id, values, _version())
    except InvalidInput as exc:
        db.session.rollback()
        message, errors = _lang_errors(exc)
        return _show(file_id, errors, values, message, "edit", 422)
    except ArchiveError as exc:
        return _refused(exc, file_id)
    flash(_("Đã lưu thông tin hồ sơ."), "success")
    return redirect(url_for("casefiles.show", file_id=file_id), code=303)


def _add(file_id: int | None, back: str):
    document_id = _int(request.form.get("document_id"))
    if file_id is None or document_id is None:
        flash(_("Hãy chọn hồ sơ và văn bản."), "error")
        return redirect(back, code=303)
    try:
        item = case_files.add_document(db.session, current_actor(), file_id, document_id,
                                       _version())
    except ArchiveError as exc:
        db.session.rollback()
        if isinstance(exc, NotFound):
            raise
        flash(exc.message.text(current_language()), "error")
        return redirect(back, code=303)
    flash(_("Đã thêm văn bản vào hồ sơ (số thứ tự %(n)s).", n=item.ordinal), "success")
    return redirect(back, code=303)


@bp.post("/<int:file_id>/items")
@login_required
def add_item(file_id: int):
    return _add(file_id, url_for("casefiles.show", file_id=file_id))


@bp.post("/add-document")
@login_required
def add_from_document():
    """The "Thêm vào hồ sơ" form of the document page: back to the document."""
    document_id = _int(request.form.get("document_id"))
    if document_id is None:
        abort(400)
    return _add(_int(request.form.get("file_id")),
                url_for("documents.show", document_id=document_id))


@bp.post("/<int:file_id>/items/<int:document_id>/remove")
@login_required
def remove_item(file_id: int, document_id: int):
    try:
        case_files.remove_document(db.session, current_actor(), file_id, document_id,
                                   _version())
    except ArchiveError as exc:
        return _refused(exc, file_id)
    flash(_("Đã bỏ văn bản khỏi hồ sơ (văn bản vẫn còn nguyên trong sổ)."), "success")
    return redirect(url_for("casefiles.show", file_id=file_id), code=303)


def _close_message(done: case_files.CloseReport) -> str:
    cf = done.case_file
    parts = [_("Đã đóng hồ sơ %(code)s: %(docs)s văn bản, %(pages)s trang.",
               code=cf.code, docs=cf.doc_total, pages=cf.page_total)]
    if done.duplicates:
        parts.append(_("Đã loại %(n)s văn bản trùng: %(list)s.", n=len(done.duplicates),
                       list="; ".join(d["label"] for d in done.duplicates)))
    if done.drafts:
        parts.append(_("Đã loại %(n)s dự thảo chưa ban hành: %(list)s.", n=len(done.drafts),
                       list="; ".join(d["label"] for d in done.drafts)))
    if not (done.duplicates or done.drafts):
        parts.append(_("Không có văn bản trùng hay dự thảo phải loại."))
    if cf.transfer_due:
        parts.append(_("Hạn nộp lưu: %(date)s.", date=cf.transfer_due.strftime("%d/%m/%Y")))
    parts.append(_("Bảo quản đến: %(date)s.", date=cf.retain_until.strftime("%d/%m/%Y"))
                 if cf.retain_until else _("Bảo quản vĩnh viễn."))
    return " ".join(parts)


@bp.post("/<int:file_id>/close")
@login_required
def close(file_id: int):
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version")}
    rule = current_app.config.get("FILING_TRANSFER_RULE", filing_rules.RULE_DECREE_30)
    try:
        done = case_files.close_file(db.session, current_actor(), file_id, values, _version(),
                                     rule=rule)
    except InvalidInput as exc:
        db.session.rollback()
        message, errors = _lang_errors(exc)
        return _show(file_id, errors, values, message, "close", 422)
    except ArchiveError as exc:
        return _refused(exc, file_id)
    flash(_close_message(done), "success")
    return redirect(url_for("casefiles.show", file_id=file_id), code=303)


@bp.post("/<int:file_id>/reopen")
@login_required
def reopen(file_id: int):
    try:
        case_files.reopen_file(db.session, current_actor(), file_id, _version(),
                               request.form.get("reason"))
    except ArchiveError as exc:
        return _refused(exc, file_id)
    flash(_("Đã mở lại hồ sơ; hãy đóng lại khi công việc kết thúc."), "success")
    return redirect(url_for("casefiles.show", file_id=file_id), code=303)


# --- exports -------------------------------------------------------------------------------

def _send(export):
    return file_response(export.data, export.filename, export.media_type, inline=False)


def _now() -> datetime:
    return datetime.now(VN_TZ)


@bp.get("/<int:file_id>/export.pdf")
@login_required
def export_pdf(file_id: int):
    return _send(case_files.export_pdf(db.session, current_actor(), wiring.storage(), file_id,
                                       _now()))


@bp.get("/<int:file_id>/export.xml")
@login_required
def export_xml(file_id: int):
    return _send(case_files.export_xml(db.session, current_actor(), file_id))


@bp.get("/<int:file_id>/index.<fmt>")
@login_required
def export_index(file_id: int, fmt: str):
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    return _send(case_files.export_index(db.session, current_actor(), file_id, fmt, _now()))


@bp.get("/<int:file_id>/bagit.zip")
@login_required
def export_bag(file_id: int):
    return _send(case_files.export_bag(db.session, current_actor(), wiring.storage(), file_id,
                                       _now()))
