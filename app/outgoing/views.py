"""Outgoing documents (văn bản đi): the drafts and the register, the draft form,
the document page (versions, approvals, route) and its two signing actions."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app import wiring
from app.documents.views import file_response
from app.errors import status_for
from app.extensions import db
from app.incoming.views import _int_arg
from app.security import current_actor, current_language, roles_required
from archive import access, directory, registers
from archive.errors import ArchiveError, FileRejected, InvalidInput, NotFound
from workflows import amendments, case_files, exchange_panel, inbox, incoming, issuing, outgoing
from workflows.incoming import Upload
from workflows.outgoing_form import AUTHORITIES, AUTHORITY_LABELS
from workflows.routing import FINAL_STATUSES, can_work

bp = Blueprint("outgoing", __name__, url_prefix="/outgoing")

SCOPES = ("drafts", "issued")
PER_PAGE = 30
STATUS_LABELS = {"draft": _l("Dự thảo"), "signed": _l("Đã ký, chờ cấp số"),
                 "issued": _l("Đã cấp số, chờ phát hành"), "dispatched": _l("Đã phát hành"),
                 "filed": _l("Đã lưu"), "recalled": _l("Đã thu hồi"),
                 "replaced": _l("Đã bị thay thế")}
SOURCE_LABELS = {"pdf": _l("PDF tải lên"), "docx": _l("DOCX tải lên"),
                 "generated": _l("Hệ thống tạo")}
APPROVAL_LABELS = {"content": _l("Duyệt nội dung"), "form": _l("Kiểm tra thể thức"),
                   "sign": _l("Duyệt ký")}


@bp.app_context_processor
def _labels():
    return {"OUTGOING_STATUS": STATUS_LABELS}


def _lang_errors(exc: ArchiveError) -> tuple[str, dict[str, str]]:
    lang = current_language()
    return exc.message.text(lang), {k: v.text(lang) for k, v in exc.fields.items()}


def _upload(name: str = "file") -> Upload | None:
    f = request.files.get(name)
    return Upload(f.filename, f.read()) if f and f.filename else None


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- list -------------------------------------------------------------------------------

@bp.get("/")
@login_required
def list_page():
    actor = current_actor()
    scope = request.args.get("scope") if request.args.get("scope") in SCOPES else "drafts"
    page = max(_int_arg("page", 1) or 1, 1)
    year = _int_arg("year") if scope == "issued" else None
    rows, total = outgoing.list_outgoing(db.session, actor, scope, page, PER_PAGE, year)
    return render_template(
        "outgoing/list.html", rows=rows, total=total, scope=scope, page=page, year=year,
        pages=max(1, -(-total // PER_PAGE)), states=outgoing.row_states(db.session,
                                                                       [d.id for d in rows]),
        can_draft=actor.has(*outgoing.DRAFTER_ROLES))


# --- new draft ----------------------------------------------------------------------------

def _leaders(actor) -> list:
    return [s for s in directory.staff_of(db.session, actor.organization_id)
            if s.active and "leader" in s.roles]


def _reply_target(actor, raw_id):
    """The incoming document answered, if the actor may see it (else None)."""
    target_id = _int(raw_id)
    if target_id is None:
        return None
    try:
        doc = access.get_visible(db.session, actor, target_id)
    except NotFound:
        return None
    return doc if doc.direction == "incoming" else None


def _render_new(actor, values: dict, exc: ArchiveError | None = None):
    message, errors = _lang_errors(exc) if exc else (None, {})
    return render_template(
        "outgoing/new.html", values=values, errors=errors, message=message,
        types=directory.document_types(db.session), leaders=_leaders(actor),
        authorities=[(a, AUTHORITY_LABELS[a]) for a in AUTHORITIES],
        reply_to=_reply_target(actor, values.get("reply_to_id")),
        amend=amendments.draft_defaults(db.session, actor, _int(values.get("amends_id")),
                                        values.get("amend_kind", "")),
        had_file=bool(exc and values.get("source") == "upload")), status_for(exc) if exc else 200


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*outgoing.DRAFTER_ROLES)
def new():
    actor = current_actor()
    if request.method == "GET":
        values = {"source": "generate", "reply_to_id": request.args.get("reply_to", "")}
        target = _reply_target(actor, values["reply_to_id"])
        if target is not None and target.issuer_name:
            values["recipients"] = f"- {target.issuer_name};"
        values.update(amendments.draft_defaults(db.session, actor, _int(request.args.get(
            "amends")), request.args.get("kind", "")) or {})
        return _render_new(actor, values)
    values = request.form.to_dict()
    generate = values.get("source", "generate") == "generate"
    raw = {**values, "generate": "1" if generate else ""}
    if not generate:
        raw.pop("body", None)
    try:
        doc = outgoing.create_draft(db.session, actor, wiring.draft_inputs(), raw,
                                    None if generate else _upload())
    except (InvalidInput, FileRejected) as exc:
        db.session.rollback()
        return _render_new(actor, values, exc)
    flash(_("Đã tạo dự thảo “%(subject)s”. Hãy kiểm tra bản PDF rồi trình duyệt.",
            subject=doc.subject), "success")
    return redirect(url_for("outgoing.show", document_id=doc.id))


# --- the document page --------------------------------------------------------------------

def _viewer(doc, out, versions, current):
    """Which PDF the page shows, and which field boxes are drawn over it."""
    main = next((f for f in doc.files if f.role == "main" and f.pdf_sha256), None)
    if out.issued_sha256 and main is not None:
        return {"src": url_for("documents.view_pdf", document_id=doc.id, file_id=main.id),
                "label": _("Bản đã ban hành"), "boxes": None}
    if out.signed_sha256:
        signed = next((v for v in versions if v.id == out.signed_version_id), None)
        layout = (signed.layout or {}) if signed else {}
        return {"src": url_for("outgoing.signed_pdf", document_id=doc.id),
                "label": _("Bản đã ký, chờ cấp số"),
                "boxes": {k: v for k, v in layout.items() if k in ("number", "date", "seal")}}
    if current is not None and current.status == "ready" and current.pdf_sha256:
        return {"src": url_for("outgoing.version_pdf", document_id=doc.id,
                               version_id=current.id),
                "label": _("Dự thảo, phiên bản %(n)s", n=current.number),
                "boxes": current.layout}
    return None


def _page_context(actor, document_id: int) -> dict:
    doc = incoming.view_document(db.session, actor, document_id)
    out = outgoing.get_outgoing(db.session, actor, document_id)
    versions = outgoing.versions(db.session, doc.id)
    current = next((v for v in versions if v.id == out.current_version_id), None)
    task = outgoing.open_task(db.session, doc.id)
    reply_to = out.reply_to
    return {
        "doc": doc, "out": out, "versions": versions, "current": current,
        "approvals": outgoing.approvals(db.session, doc.id),
        "valid_approvals": outgoing.current_approvals(db.session, out),
        "task": task, "can_act": task is not None and can_work(actor, task),
        "may_edit": outgoing.may_edit(db.session, actor, out),
        "reply_to": reply_to,
        "reply_visible": reply_to is not None and access.can_view(db.session, actor, reply_to),
        "viewer": _viewer(doc, out, versions, current),
        "tasks": inbox.document_tasks(db.session, doc.id),
        "trail": inbox.trail(db.session, actor, doc.id),
        "history": incoming.history(db.session, doc.id),
        "registers": registers.registers_for(db.session, actor.organization_id, "outgoing",
                                             include_confidential=actor.has("clerk")),
        "today": incoming.vn_today(), "is_overdue": inbox.is_overdue,
        "source_labels": SOURCE_LABELS, "approval_labels": APPROVAL_LABELS,
        "casefiles": case_files.document_panel(db.session, actor, doc.id),
        "exchange": exchange_panel.sending_panel(db.session, actor, doc.id),
        "amendment_links": amendments.panel(db.session, actor, doc.id),
        "may_amend": (out.issued_at is not None and doc.status not in FINAL_STATUSES
                      and actor.has(*outgoing.DRAFTER_ROLES))}


def _render_page(document_id: int, *, message: str | None = None,
                 errors: dict | None = None, form: str | None = None, values=None,
                 status: int = 200):
    ctx = _page_context(current_actor(), document_id)
    return render_template("outgoing/show.html", message=message, errors=errors or {},
                           failed_form=form, values=values or {}, **ctx), status


def _refused(document_id: int, exc: ArchiveError, form: str, values=None):
    """Re-render the page with what was refused; nothing changed (rolled back)."""
    db.session.rollback()
    message, errors = _lang_errors(exc)
    return _render_page(document_id, message=message, errors=errors, form=form,
                        values=values, status=status_for(exc))


@bp.get("/<int:document_id>")
@login_required
def show(document_id: int):
    return _render_page(document_id)


@bp.post("/<int:document_id>/versions")
@login_required
def add_version(document_id: int):
    upload = _upload()
    values = {"note": request.form.get("note", "")}
    if upload is None:
        msg = _("Chọn tệp dự thảo mới (PDF hoặc DOCX).")
        return _render_page(document_id, message=msg, errors={"file": msg}, form="version",
                            values=values, status=422)
    try:
        version = outgoing.add_version(
            db.session, current_actor(), wiring.draft_inputs(), document_id, upload,
            note=request.form.get("note") or None,
            expected_version_id=_int(request.form.get("expected_version_id")) or -1)
    except ArchiveError as exc:
        return _refused(document_id, exc, "version", values)
    flash(_("Đã tải lên phiên bản %(n)s. Các phê duyệt trước hết hiệu lực.",
            n=version.number), "success")
    return redirect(url_for("outgoing.show", document_id=document_id, _anchor="versions"))


@bp.post("/<int:document_id>/sign")
@login_required
def sign(document_id: int):
    """The leader signs the version shown (the PIN unlocks the key; one action)."""
    form = request.form
    try:
        issuing.sign_outgoing(db.session, current_actor(), wiring.signing_inputs(),
                              document_id, form.get("pin") or "",
                              _int(form.get("version_id")) or -1,
                              note=(form.get("note") or "").strip() or None)
    except ArchiveError as exc:
        return _refused(document_id, exc, "sign", {"note": form.get("note", "")})
    flash(_("Đã ký số văn bản. Văn bản được chuyển văn thư cấp số, phát hành."), "success")
    return redirect(url_for("outgoing.show", document_id=document_id))


@bp.post("/<int:document_id>/issue")
@login_required
def issue(document_id: int):
    """The clerk takes the number and date and applies the agency's signature."""
    form = request.form
    values = {"issue_date": form.get("issue_date", ""), "register_id": form.get("register_id", "")}
    try:
        issue_date = date.fromisoformat(form["issue_date"]) if form.get("issue_date") else None
    except ValueError:
        msg = _("Ngày ban hành không hợp lệ (định dạng YYYY-MM-DD).")
        return _render_page(document_id, message=msg, errors={"issue_date": msg},
                            form="issue", values=values, status=422)
    try:
        doc = issuing.issue_outgoing(db.session, current_actor(), wiring.signing_inputs(),
                                     document_id, form.get("pin") or "", issue_date,
                                     _int(form.get("register_id")))
    except ArchiveError as exc:
        return _refused(document_id, exc, "issue", values)
    flash(_("Đã cấp số %(number)s và ký số cơ quan.",
            number=f"{doc.code_number}/{doc.code_notation}"), "success")
    return redirect(url_for("outgoing.show", document_id=document_id))


# --- files ----------------------------------------------------------------------------------

@bp.get("/<int:document_id>/versions/<int:version_id>.pdf")
@login_required
def version_pdf(document_id: int, version_id: int):
    version, data = outgoing.open_version(db.session, current_actor(), wiring.storage(),
                                         document_id, version_id)
    name = f"du-thao-v{version.number}.pdf"
    return file_response(data, name, "application/pdf", inline=True)


@bp.get("/<int:document_id>/versions/<int:version_id>/source")
@login_required
def version_source(document_id: int, version_id: int):
    version, data = outgoing.open_version(db.session, current_actor(), wiring.storage(),
                                         document_id, version_id, source=True)
    media = outgoing.DOCX_TYPE if version.source == "docx" else "application/pdf"
    return file_response(data, version.name, media, inline=False)


@bp.get("/<int:document_id>/signed.pdf")
@login_required
def signed_pdf(document_id: int):
    _out, data = outgoing.open_signed(db.session, current_actor(), wiring.storage(), document_id)
    return file_response(data, f"da-ky-{document_id}.pdf", "application/pdf", inline=True)
