"""One document: metadata, files in the viewer, original bytes, history."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app import wiring
from app.errors import api_error, status_for
from app.extensions import db
from app.security import current_actor, current_language, roles_required
from archive import access, directory
from archive.errors import ArchiveError
from workflows import amendments, case_files, extraction, inbox, incoming, issuing, outgoing

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<int:document_id>")
@login_required
def show(document_id: int):
    actor = current_actor()
    if access.get_visible(db.session, actor, document_id).direction == "outgoing":
        return redirect(url_for("outgoing.show", document_id=document_id))
    doc = incoming.view_document(db.session, actor, document_id)
    return render_template("documents/show.html", doc=doc,
                           replies=outgoing.replies_to(db.session, actor, doc.id),
                           history=incoming.history(db.session, doc.id),
                           trail=inbox.trail(db.session, actor, doc.id),
                           tasks=inbox.document_tasks(db.session, doc.id),
                           departments=directory.departments_of(db.session,
                                                                actor.organization_id),
                           people=directory.staff_of(db.session, actor.organization_id),
                           is_overdue=inbox.is_overdue,
                           texts=extraction.status_for_document(db.session, doc.id),
                           casefiles=case_files.document_panel(db.session, actor, doc.id),
                           amendment_links=amendments.panel(db.session, actor, doc.id))


@bp.get("/<int:document_id>/route.json")
@login_required
def route(document_id: int):
    """The diagram of the document's route with done and current steps."""
    view = wiring.routing().route_view(db.session, current_actor(), document_id)
    db.session.rollback()
    if view is None:
        return jsonify({"xml": None, "completed": [], "active": [], "returned": []}), 404
    return jsonify(view)


@bp.get("/<int:document_id>/signatures.json")
@login_required
def signatures(document_id: int):
    """Every signature in the document's PDFs, validated now (the signature panel)."""
    try:
        files = issuing.signature_report(db.session, current_actor(), wiring.signing_inputs(),
                                         document_id)
    except ArchiveError as exc:
        db.session.rollback()
        return api_error(status_for(exc), exc.code, exc.message.text(current_language()))
    db.session.rollback()
    return jsonify({"document_id": document_id, "files": files})


def file_response(data: bytes, name: str, media_type: str, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    headers = {"Content-Disposition":
               f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
               "Cache-Control": "private, no-store"}
    return Response(data, mimetype=media_type, headers=headers)


@bp.get("/<int:document_id>/files/<int:file_id>")
@login_required
def download(document_id: int, file_id: int):
    file, data = incoming.open_file(db.session, current_actor(), wiring.storage(),
                                    document_id, file_id)
    return file_response(data, file.name, file.media_type, inline=False)


@bp.get("/<int:document_id>/files/<int:file_id>/view.pdf")
@login_required
def view_pdf(document_id: int, file_id: int):
    file, data = incoming.open_file(db.session, current_actor(), wiring.storage(),
                                    document_id, file_id, rendition=True)
    name = file.name.rsplit(".", 1)[0] + ".pdf"
    return file_response(data, name, "application/pdf", inline=True)


@bp.get("/<int:document_id>/files/<int:file_id>/searchable.pdf")
@login_required
def searchable_pdf(document_id: int, file_id: int):
    """The searchable PDF/A copy made by OCR (a separate blob; the original is untouched)."""
    file, data = extraction.open_derivative(db.session, current_actor(), wiring.storage(),
                                            document_id, file_id)
    name = file.name.rsplit(".", 1)[0] + "-pdfa.pdf"
    return file_response(data, name, "application/pdf", inline=False)


@bp.post("/<int:document_id>/files/<int:file_id>/text/rerun")
@login_required
@roles_required("admin")
def rerun_text(document_id: int, file_id: int):
    """An administrator runs a file's text extraction (OCR) again."""
    doc = access.get_visible(db.session, current_actor(), document_id)
    file = next((f for f in doc.files if f.id == file_id), None)
    digest = extraction.digest_of_file(file) if file is not None else None
    if digest is None:
        db.session.rollback()
        flash(_("Tệp này không có bản PDF để trích xuất văn bản."), "error")
    elif extraction.request_text(db.session, [digest]) or extraction.rerun(db.session, digest):
        db.session.commit()   # enqueued after the commit
        flash(_("Đã xếp hàng chạy lại nhận dạng chữ."), "success")
    else:
        db.session.rollback()
        flash(_("Đang nhận dạng chữ; chưa chạy lại được."), "error")
    return redirect(url_for("documents.show", document_id=document_id))
