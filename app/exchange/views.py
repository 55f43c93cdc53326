"""The exchange pages: the clerk's received electronic documents, the sender's panel.

"Văn bản điện tử đến" lists the edXML packages other agencies sent us; the
clerk reads one, corrects the registration fields it filled in and accepts
it (registered like any incoming document, status 03 back) or refuses it with
a reason (02). On an outgoing document the forms of the "Nơi nhận điện tử"
panel choose the recipient agencies, resend a failed delivery and recall the
document. A second click on a decision already taken only shows a message.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from app import wiring
from app.errors import status_for
from app.extensions import db
from app.security import current_actor, current_language, roles_required
from archive import directory, registers
from archive.errors import (
    ArchiveError,
    Conflict,
    DuplicateSuspected,
    FileRejected,
    InvalidInput,
)
from exchange.codes import STATUS_CODES
from workflows import exchange_in, exchange_out, exchange_panel, incoming

bp = Blueprint("exchange", __name__, url_prefix="/exchange")

# Form fields of the registration a clerk may correct before accepting.
FIELDS = ("code_number", "code_notation", "issued_date", "document_type", "issuer_name",
          "issuer_organ_id", "subject", "signer_position", "signer_name", "register_id",
          "arrival_date", "urgency", "confidentiality", "channel", "due_date", "recipients",
          "notes")


@bp.app_context_processor
def _labels():
    """``exchange_status(code)``: the meaning of an edXML status code (01…16)."""
    def exchange_status(code: str) -> str:
        known = STATUS_CODES.get(code)
        if known is None:
            return code
        return known.vi if current_language() == "vi" else known.en
    return {"exchange_status": exchange_status}


def _message(exc: ArchiveError) -> str:
    return exc.message.text(current_language())


# --- the clerk's queue ---------------------------------------------------------------

@bp.get("/")
@roles_required("clerk")
def inbox_list():
    items = exchange_in.pending(db.session, current_actor())
    names = {a.organ_id: a.name for a in exchange_panel.agencies(db.session, current_actor())}
    packages = []
    for row in items:
        try:
            packages.append((row, exchange_in.package(db.session, current_actor(),
                                                      wiring.storage(), row.id)))
        except ArchiveError:
            packages.append((row, None))
    return render_template("exchange/list.html", packages=packages, names=names)


def _package_page(inbox_id: int, values: dict | None = None, errors: dict | None = None,
                  status: int = 200, **extra):
    actor = current_actor()
    received = exchange_panel.received_package(db.session, actor, wiring.storage(), inbox_id,
                                               incoming.vn_today())
    ctx = {"item": received, "values": values if values is not None else received.fields,
           "errors": errors or {}, "types": directory.document_types(db.session),
           "registers": registers.registers_for(db.session, actor.organization_id, "incoming",
                                                True), **extra}
    return render_template("exchange/show.html", **ctx), status


@bp.get("/<int:inbox_id>")
@roles_required("clerk")
def show(inbox_id: int):
    return _package_page(inbox_id)


@bp.get("/<int:inbox_id>/files/<int:index>")
@roles_required("clerk")
def file(inbox_id: int, index: int):
    att = exchange_panel.attachment(db.session, current_actor(), wiring.storage(), inbox_id,
                                    index)
    inline = att.content_type == "application/pdf"
    safe = att.attachment_name.replace('"', "")
    return Response(att.data, mimetype=att.content_type or "application/octet-stream", headers={
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{safe}"',
        "X-Content-Type-Options": "nosniff"})


@bp.post("/<int:inbox_id>/accept")
@roles_required("clerk")
def accept(inbox_id: int):
    values = {k: request.form.get(k, "") for k in FIELDS if k in request.form}
    try:
        registration = exchange_in.accept(
            db.session, current_actor(), inbox_id, wiring.storage(), wiring.limits(),
            fields=values, routing=wiring.routing(), validate=wiring.signature_validator(),
            confirm_duplicate=request.form.get("confirm_duplicate") == "1")
    except (InvalidInput, DuplicateSuspected, FileRejected) as exc:
        db.session.rollback()
        lang = current_language()
        return _package_page(inbox_id, values, {k: v.text(lang) for k, v in exc.fields.items()},
                             status_for(exc), message=_message(exc),
                             duplicates=exc.extra.get("duplicates", []))
    except Conflict as exc:  # already accepted or refused (a second click)
        db.session.rollback()
        flash(_message(exc), "info")
        return redirect(url_for("exchange.inbox_list"))
    doc = registration.document
    flash(_("Đã tiếp nhận và vào sổ: số đến %(number)s — %(register)s. Đã báo cơ quan gửi (03).",
            number=doc.arrival_number, register=doc.register.name), "success")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:inbox_id>/refuse")
@roles_required("clerk")
def refuse(inbox_id: int):
    reason = request.form.get("reason", "")
    try:
        exchange_in.refuse(db.session, current_actor(), inbox_id, wiring.storage(), reason)
    except InvalidInput as exc:
        db.session.rollback()
        lang = current_language()
        return _package_page(inbox_id, None, {k: v.text(lang) for k, v in exc.fields.items()},
                             status_for(exc), message=_message(exc), refuse_reason=reason)
    except Conflict as exc:
        db.session.rollback()
        flash(_message(exc), "info")
        return redirect(url_for("exchange.inbox_list"))
    flash(_("Đã từ chối tiếp nhận và báo lý do cho cơ quan gửi (02)."), "success")
    return redirect(url_for("exchange.inbox_list"))


# --- the sender's panel on an outgoing document ----------------------------------------

def _back(document_id: int):
    return redirect(url_for("outgoing.show", document_id=document_id, _anchor="exchange"))


def _flash_refused(exc: ArchiveError) -> None:
    db.session.rollback()
    flash(_message(exc), "error")


@bp.post("/outgoing/<int:document_id>/recipients")
@login_required
def set_recipients(document_id: int):
    chosen = request.form.getlist("organ_id")
    chosen += [o for o in request.form.get("other_organ_ids", "").replace(",", " ").split() if o]
    try:
        rows = exchange_out.set_recipients(db.session, current_actor(), document_id, chosen)
    except ArchiveError as exc:
        _flash_refused(exc)
    else:
        flash(_("Đã lưu nơi nhận điện tử: %(n)s cơ quan. Văn bản sẽ được gửi khi phát hành.",
                n=len(rows)), "success")
    return _back(document_id)


@bp.post("/outgoing/<int:document_id>/recall")
@login_required
def recall(document_id: int):
    try:
        n = exchange_out.recall(db.session, current_actor(), wiring.storage(), document_id,
                                request.form.get("reason", ""))
    except ArchiveError as exc:
        _flash_refused(exc)
    else:
        flash(_("Đã gửi yêu cầu thu hồi (13) tới %(n)s cơ quan nhận.", n=n), "success")
    return _back(document_id)


@bp.post("/outbox/<int:outbox_id>/retry")
@login_required
def retry(outbox_id: int):
    document_id = request.form.get("document_id", type=int)
    try:
        row = exchange_out.retry(db.session, current_actor(), outbox_id)
    except ArchiveError as exc:
        _flash_refused(exc)
    else:
        document_id = row.document_id
        flash(_("Đã đưa gói tin vào hàng đợi gửi lại."), "success")
    if document_id is None:
        return redirect(url_for("exchange.inbox_list"))
    return _back(document_id)
