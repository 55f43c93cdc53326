"""The clerk's queue of scanned files ("Văn bản quét chờ vào sổ").

"Vào sổ" opens the incoming registration form (``incoming/new.html``)
prefilled with the suggestion, the scanned file already attached; the
registration goes through ``workflows.scanner.register_intake``.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app import wiring
from app.documents.views import file_response
from app.errors import status_for
from app.extensions import db
from app.incoming.views import _form_context, _uploads_from_request
from app.security import current_actor, current_language, roles_required
from archive.errors import Conflict, DuplicateSuspected, FileRejected, InvalidInput
from archive.models import Register
from workflows import scanner

bp = Blueprint("scanner", __name__, url_prefix="/scanner")
PER_PAGE = 30
FILTERS = {"open": scanner.OPEN_STATUSES, "registered": ("registered",),
           "discarded": ("discarded",), "all": scanner.STATUSES}


def _page() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


@bp.get("/")
@roles_required("clerk")
def queue():
    show = request.args.get("show", "open")
    show = show if show in FILTERS else "open"
    page = _page()
    items, total = scanner.list_queue(db.session, current_actor(), statuses=FILTERS[show],
                                      page=page, per_page=PER_PAGE)
    registers = scanner.register_names(db.session, items)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("scanner/queue.html", items=items, total=total, page=page,
                           pages=pages, show=show, registers=registers)


@bp.get("/<int:intake_id>/file.pdf")
@roles_required("clerk")
def view_pdf(intake_id: int):
    """The PDF rendition (an image's lossless conversion, or the PDF itself);
    ``?original=1``: the bytes the scanner wrote (streamed: a refused file may be huge)."""
    intake = scanner.get_intake(db.session, current_actor(), intake_id)
    if request.args.get("original") == "1" or intake.pdf_sha256 is None:
        is_pdf = intake.media_type == "application/pdf"
        response = send_file(wiring.storage().path(intake.sha256), mimetype=intake.media_type,
                             as_attachment=not is_pdf, download_name=intake.source_name,
                             conditional=False, etag=False, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    name = intake.source_name.rsplit(".", 1)[0] + ".pdf"
    return file_response(wiring.storage().get(intake.pdf_sha256), name, "application/pdf",
                         inline=True)


def _render_form(intake, values: dict, status: int = 200, **extra):
    actor = current_actor()
    ctx = _form_context(actor, values, **extra)
    return render_template("scanner/register.html", intake=intake,
                           staged=[intake.source_name], **ctx), status


def _already(intake):
    if intake.status == "registered" and intake.document_id:
        flash(_("Văn bản quét này đã được vào sổ."), "info")
        return redirect(url_for("documents.show", document_id=intake.document_id))
    flash(_("Văn bản quét này không còn chờ vào sổ."), "error")
    return redirect(url_for("scanner.queue"))


@bp.route("/<int:intake_id>/register", methods=["GET", "POST"])
@roles_required("clerk")
def register(intake_id: int):
    actor = current_actor()
    intake = scanner.get_intake(db.session, actor, intake_id)
    if intake.status in ("registered", "discarded", "failed"):
        return _already(intake)
    if request.method == "GET":
        reg = db.session.get(Register, intake.register_id) if intake.register_id else None
        return _render_form(intake, scanner.prefill(intake, reg))
    values = request.form.to_dict()
    values.pop("staging_token", None)
    lang = current_language()
    try:
        reg = scanner.register_intake(
            db.session, actor, wiring.storage(), wiring.limits(), intake_id, values,
            _uploads_from_request(), confirm_duplicate=values.get("confirm_duplicate") == "1",
            routing=wiring.routing(), validate=wiring.signature_validator())
    except Conflict as exc:
        db.session.rollback()
        if not isinstance(exc, DuplicateSuspected):
            return _already(scanner.get_intake(db.session, actor, intake_id))
        return _refused(intake_id, values, exc, lang)
    except (InvalidInput, FileRejected) as exc:
        db.session.rollback()
        return _refused(intake_id, values, exc, lang)
    doc = reg.document
    flash(_("Đã vào sổ: số đến %(number)s — %(register)s.", number=doc.arrival_number,
            register=doc.register.name), "success")
    return redirect(url_for("documents.show", document_id=doc.id))


def _refused(intake_id: int, values: dict, exc, lang: str):
    intake = scanner.get_intake(db.session, current_actor(), intake_id)
    errors = {k: v.text(lang) for k, v in exc.fields.items()}
    return _render_form(intake, values, status_for(exc), errors=errors,
                        message=exc.message.text(lang),
                        duplicates=exc.extra.get("duplicates", []))


@bp.route("/<int:intake_id>/discard", methods=["GET", "POST"])
@roles_required("clerk")
def discard(intake_id: int):
    actor = current_actor()
    intake = scanner.get_intake(db.session, actor, intake_id)
    if intake.status not in scanner.OPEN_STATUSES:
        return _already(intake)
    if request.method == "GET":
        return render_template("scanner/discard.html", intake=intake)
    scanner.discard(db.session, actor, intake_id)
    flash(_("Đã bỏ qua tệp quét “%(name)s”.", name=intake.source_name), "success")
    return redirect(url_for("scanner.queue"))
