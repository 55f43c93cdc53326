"""The incoming register: list, register a document, print the register."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_login import login_required

from app import wiring
from app.errors import status_for
from app.extensions import db
from app.incoming import staging
from app.security import current_actor, current_language, roles_required
from archive import directory, registers
from archive.errors import DuplicateSuspected, FileRejected, InvalidInput
from workflows import incoming, printing
from workflows.incoming import IncomingQuery, Upload

bp = Blueprint("incoming", __name__, url_prefix="/incoming")


def _int_arg(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.args.get(name, ""))
    except ValueError:
        return default


def _date_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def query_from_args(max_per_page: int = 200) -> IncomingQuery:
    per_page = min(max(_int_arg("per_page", 50) or 50, 1), max_per_page)
    return IncomingQuery(
        year=_int_arg("year"), register_id=_int_arg("register_id"),
        q=(request.args.get("q") or "").strip() or None,
        status=request.args.get("status") or None, urgency=request.args.get("urgency") or None,
        date_from=_date_arg("from"), date_to=_date_arg("to"),
        sort=request.args.get("sort") or "-arrival", page=max(_int_arg("page", 1) or 1, 1),
        per_page=per_page)


@bp.get("/")
@login_required
def register_list():
    actor = current_actor()
    query = query_from_args()
    items, total = incoming.list_incoming(db.session, actor, query)
    regs = registers.registers_for(db.session, actor.organization_id, "incoming",
                                   include_confidential=actor.has("clerk"))
    pages = max(1, -(-total // query.per_page))
    return render_template("incoming/list.html", items=items, total=total, query=query,
                           pages=pages, registers=regs, args=request.args.to_dict())


def _form_context(actor, values: dict, errors: dict | None = None, **extra) -> dict:
    types = directory.document_types(db.session)
    regs = registers.registers_for(db.session, actor.organization_id, "incoming", True)
    return {"values": values, "errors": errors or {}, "types": types, "registers": regs,
            "today": incoming.vn_today(), **extra}


def _uploads_from_request() -> list[Upload]:
    uploads = []
    main = request.files.get("main_file")
    if main and main.filename:
        uploads.append(Upload(main.filename, main.read(), "main"))
    for f in request.files.getlist("attachments"):
        if f and f.filename:
            uploads.append(Upload(f.filename, f.read(), "attachment"))
    return uploads


@bp.route("/new", methods=["GET", "POST"])
@roles_required("clerk")
def register_new():
    actor = current_actor()
    if request.method == "GET":
        return render_template("incoming/new.html", **_form_context(actor, {}))
    values = request.form.to_dict()
    uploads = _uploads_from_request()
    token = values.pop("staging_token", "") or None
    if token and not any(u.role == "main" for u in uploads):
        uploads = staging.load(token, actor.staff_id) + uploads
    lang = current_language()
    try:
        doc = incoming.register_incoming(
            db.session, actor, wiring.storage(), wiring.limits(), values, uploads,
            confirm_duplicate=values.get("confirm_duplicate") == "1",
            routing=wiring.routing(), validate=wiring.signature_validator()).document
    except (InvalidInput, DuplicateSuspected, FileRejected) as exc:
        db.session.rollback()
        keep = None if isinstance(exc, FileRejected) else staging.save(uploads, actor.staff_id)
        errors = {k: v.text(lang) for k, v in exc.fields.items()}
        ctx = _form_context(actor, values, errors, message=exc.message.text(lang),
                            duplicates=exc.extra.get("duplicates", []), staging_token=keep,
                            staged=[u.name for u in uploads] if keep else [])
        status = status_for(exc)
        return render_template("incoming/new.html", **ctx), status
    if token:
        staging.discard(token)
    flash(_("Đã vào sổ: số đến %(number)s — %(register)s.", number=doc.arrival_number,
            register=doc.register.name), "success")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.get("/print")
@login_required
def print_register():
    actor = current_actor()
    fmt = request.args.get("format", "pdf")
    if fmt not in ("pdf", "xlsx"):
        abort(400)
    register_id = _int_arg("register_id")
    if register_id is None:
        regs = registers.registers_for(db.session, actor.organization_id, "incoming",
                                       include_confidential=actor.has("clerk"))
        return render_template("incoming/print.html", registers=regs,
                               today=incoming.vn_today())
    printed = printing.print_register(db.session, actor, register_id, _date_arg("from"),
                                      _date_arg("to"), fmt)
    return Response(printed.data, mimetype=printed.media_type, headers={
        "Content-Disposition": f'attachment; filename="{printed.filename}"'})
