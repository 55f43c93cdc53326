"""JSON API v1 (API.md): bearer tokens only, the same use cases as the UI."""
from __future__ import annotations

import json
from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, request
from werkzeug.exceptions import BadRequest

from app import wiring
from app.api.schemas import document_json, process_json, register_json, staff_json, task_json
from app.documents.views import file_response
from app.errors import api_error
from app.extensions import db
from app.incoming.views import query_from_args
from app.security import current_actor, current_language
from archive import directory, registers
from archive.errors import AuthenticationFailed
from workflows import incoming
from workflows.incoming import Upload

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_required(view):
    """Authenticate with ``Authorization: Bearer <token>``; cookies are ignored."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        staff = None
        if scheme.lower() == "bearer" and token.strip():
            staff = directory.staff_for_token(db.session, token.strip())
        if staff is None:
            lang = current_language()
            return api_error(401, "unauthorized",
                             "Thiếu hoặc sai mã truy cập (token)." if lang != "en"
                             else "Missing or invalid bearer token.")
        g.api_staff = staff
        return view(*args, **kwargs)
    return wrapped


@bp.post("/auth/token")
def issue_token():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    try:
        staff = directory.authenticate(
            db.session, str(body.get("username", "")), str(body.get("password", "")),
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    except AuthenticationFailed:
        db.session.commit()  # keep the failure count, then report
        raise
    token, expires = directory.issue_token(db.session, staff,
                                           current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": token, "expires_at": expires.isoformat()}), 201


@bp.get("/me")
@token_required
def me():
    return jsonify(staff_json(g.api_staff))


@bp.get("/registers")
@token_required
def list_registers():
    actor = current_actor()
    regs = registers.registers_for(db.session, actor.organization_id, "incoming",
                                   include_confidential=actor.has("clerk"))
    return jsonify({"items": [register_json(r) for r in regs]})


def _bad_metadata(vi: str, en: str):
    """Stop with 400 and the envelope naming the ``metadata`` field."""
    message = en if current_language() == "en" else vi
    response, status = api_error(400, "bad_request", message, {"metadata": message})
    response.status_code = status
    abort(response)


def _metadata() -> dict:
    raw = request.form.get("metadata")
    if raw is None and request.is_json:
        raw = request.get_data(as_text=True)
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        _bad_metadata("Trường metadata không phải JSON hợp lệ.",
                      "The metadata field is not valid JSON.")
    if not isinstance(data, dict):
        _bad_metadata("Trường metadata phải là một đối tượng JSON {...}.",
                      "The metadata field must be a JSON object {...}.")
    return data


def _uploads() -> list[Upload]:
    files = [f for f in request.files.getlist("files") if f and f.filename]
    attachments = [f for f in request.files.getlist("attachments") if f and f.filename]
    uploads = [Upload(f.filename, f.read(), "main" if i == 0 else "attachment")
               for i, f in enumerate(files)]
    return uploads + [Upload(f.filename, f.read(), "attachment") for f in attachments]


@bp.post("/incoming")
@token_required
def register_incoming():
    """Register: multipart ``metadata`` (JSON) + ``files`` (first = main file)."""
    metadata = _metadata()
    result = incoming.register_incoming(
        db.session, current_actor(), wiring.storage(), wiring.limits(), metadata, _uploads(),
        confirm_duplicate=metadata.get("confirm_duplicate") in (True, "true", "1", 1),
        idempotency_key=request.headers.get("Idempotency-Key"), routing=wiring.routing(),
        validate=wiring.signature_validator())
    body = document_json(result.document)
    body["duplicates"] = [incoming.summary(d) for d in result.duplicates]
    return jsonify(body), 200 if result.replayed else 201


@bp.get("/incoming")
@token_required
def list_incoming():
    query = query_from_args(current_app.config["PER_PAGE_MAX"])
    items, total = incoming.list_incoming(db.session, current_actor(), query)
    return jsonify({"items": [document_json(d, brief=True) for d in items], "total": total,
                    "page": query.page, "per_page": query.per_page})


@bp.get("/documents/<int:document_id>")
@token_required
def get_document(document_id: int):
    doc = incoming.view_document(db.session, current_actor(), document_id)
    body = document_json(doc)
    body["history"] = [{"at": e.at.isoformat(), "actor": e.actor_name, "action": e.action}
                       for e in incoming.history(db.session, doc.id)]
    return jsonify(body)


@bp.get("/documents/<int:document_id>/files/<int:file_id>")
@token_required
def get_file(document_id: int, file_id: int):
    file, data = incoming.open_file(db.session, current_actor(), wiring.storage(),
                                    document_id, file_id)
    return file_response(data, file.name, file.media_type, inline=False)


# --- routing ----------------------------------------------------------------------

@bp.get("/tasks")
@token_required
def list_tasks():
    from app.tasks.views import inbox_query
    from workflows import inbox
    query = inbox_query(current_app.config["PER_PAGE_MAX"])
    items, total = inbox.list_tasks(db.session, current_actor(), query)
    return jsonify({"items": [task_json(t, inbox.is_overdue(t)) for t in items],
                    "total": total, "page": query.page, "per_page": query.per_page})


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id: int):
    from workflows import inbox
    task = inbox.get_task(db.session, current_actor(), task_id)
    return jsonify(task_json(task, inbox.is_overdue(task)))


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete_task(task_id: int):
    """Complete with the step's form fields as JSON (the same validation as the UI)."""
    result = wiring.routing().complete(db.session, current_actor(), task_id, _json_body())
    return jsonify({"task": task_json(result.task), "finished": result.finished,
                    "next_tasks": [task_json(t) for t in result.new_tasks]})


@bp.post("/tasks/<int:task_id>/<any(claim, release, delegate, reassign):action>")
@token_required
def task_action(task_id: int, action: str):
    routing, actor, body = wiring.routing(), current_actor(), _json_body()
    if action in ("claim", "release"):
        task = getattr(routing, action)(db.session, actor, task_id)
    else:
        task = getattr(routing, action)(db.session, actor, task_id,
                                        body.get("to_staff_id"), body.get("note"))
    return jsonify(task_json(task))


@bp.get("/processes")
@token_required
def list_processes():
    from workflows import processes
    processes.active_definition(db.session, wiring.routing().definitions)
    db.session.commit()
    rows = processes.list_versions(db.session, request.args.get("key") or None)
    return jsonify({"items": [process_json(r) for r in rows], "total": len(rows)})


@bp.post("/processes")
@token_required
def upload_process():
    """A new diagram version: raw XML body, or multipart ``file`` (+ ``note``)."""
    from workflows import processes
    upload = request.files.get("file")
    xml = upload.read() if upload else request.get_data()
    row = processes.upload(db.session, wiring.routing().definitions, current_actor(), xml,
                           request.form.get("note") or request.args.get("note"))
    return jsonify(process_json(row)), 201


# --- outgoing documents (issue 4) ---------------------------------------------------

def _outgoing_body(document_id: int):
    from app.api.schemas import outgoing_json
    from workflows import outgoing
    actor = current_actor()
    out = outgoing.get_outgoing(db.session, actor, document_id)
    from workflows import amendments
    return outgoing_json(out, outgoing.versions(db.session, out.document_id),
                         outgoing.approvals(db.session, out.document_id),
                         outgoing.current_approvals(db.session, out),
                         outgoing.open_task(db.session, out.document_id),
                         amendments.panel(db.session, actor, out.document_id))


def _one_upload(name: str = "file") -> Upload | None:
    f = request.files.get(name)
    return Upload(f.filename, f.read()) if f and f.filename else None


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@bp.post("/outgoing")
@token_required
def create_outgoing():
    """A draft: multipart ``metadata`` (JSON) + ``file`` (PDF/DOCX), or ``generate``."""
    from workflows import outgoing
    annexes = [Upload(f.filename, f.read(), "attachment")
               for f in request.files.getlist("annexes") if f and f.filename]
    doc = outgoing.create_draft(db.session, current_actor(), wiring.draft_inputs(), _metadata(),
                                _one_upload(), annexes)
    return jsonify(_outgoing_body(doc.id)), 201


@bp.get("/outgoing/<int:document_id>")
@token_required
def get_outgoing(document_id: int):
    return jsonify(_outgoing_body(document_id))


@bp.post("/outgoing/<int:document_id>/versions")
@token_required
def add_outgoing_version(document_id: int):
    from workflows import outgoing
    outgoing.add_version(db.session, current_actor(), wiring.draft_inputs(), document_id,
                         _one_upload(), note=request.form.get("note") or None,
                         expected_version_id=_int_or_none(request.form.get("expected_version_id")))
    return jsonify(_outgoing_body(document_id)), 201


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.form:
        body = request.form.to_dict()
    if not isinstance(body, dict):
        raise BadRequest()
    return body


@bp.post("/outgoing/<int:document_id>/sign")
@token_required
def sign_outgoing(document_id: int):
    """The caller signs the current version: ``{"pin", "version_id", "note"}``.

    External key (browser, plugin, remote service): ``{"step": "prepare"}``
    returns ``data_to_sign``; ``{"step": "finish", "pending_id", "signature"}``
    (base64 RSASSA-PKCS1-v1_5/SHA-256 value) completes it.
    """
    from workflows import issuing
    body = _json_body()
    actor, inputs = current_actor(), wiring.signing_inputs()
    step = body.get("step")
    if step == "prepare":
        return jsonify(issuing.prepare_external(db.session, actor, inputs, document_id,
                                                _int_or_none(body.get("version_id"))))
    if step == "finish":
        issuing.finish_external(db.session, actor, inputs, document_id,
                                str(body.get("pending_id") or ""),
                                str(body.get("signature") or ""), note=body.get("note"))
    else:
        issuing.sign_outgoing(db.session, actor, inputs, document_id,
                              str(body.get("pin") or ""), _int_or_none(body.get("version_id")),
                              note=body.get("note"))
    return jsonify(_outgoing_body(document_id))


@bp.post("/outgoing/<int:document_id>/issue")
@token_required
def issue_outgoing(document_id: int):
    """The clerk issues: ``{"pin", "issue_date" (YYYY-MM-DD, default today), "register_id"}``."""
    from datetime import date as _date
    from workflows import issuing
    body = _json_body()
    issue_date = None
    if body.get("issue_date"):
        try:
            issue_date = _date.fromisoformat(str(body["issue_date"]))
        except ValueError:
            lang = current_language()
            msg = "Ngày ban hành không hợp lệ." if lang != "en" else "Invalid issue date."
            return api_error(422, "invalid", msg, {"issue_date": msg})
    issuing.issue_outgoing(db.session, current_actor(), wiring.signing_inputs(), document_id,
                           str(body.get("pin") or ""), issue_date,
                           _int_or_none(body.get("register_id")))
    return jsonify(_outgoing_body(document_id))


@bp.get("/documents/<int:document_id>/signatures")
@token_required
def document_signatures(document_id: int):
    from workflows import issuing
    files = issuing.signature_report(db.session, current_actor(), wiring.signing_inputs(),
                                     document_id)
    return jsonify({"document_id": document_id, "files": files})


# --- search (DOMAIN §2.15 function 6) -------------------------------------------------

def _search_hit_json(hit) -> dict:
    doc = hit.document
    return {"id": doc.id, "direction": doc.direction, "code_number": doc.code_number,
            "code_notation": doc.code_notation,
            "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
            "arrival_date": doc.arrival_date.isoformat() if doc.arrival_date else None,
            "arrival_number": doc.arrival_number, "issuer_name": doc.issuer_name,
            "document_type": doc.document_type, "subject": doc.subject, "urgency": doc.urgency,
            "status": doc.status,
            "highlights": {"subject": hit.title_html, "text": hit.snippet_html}}


def _saved_search_json(saved) -> dict:
    from app.api.schemas import VN_TZ
    created = saved.created_at.astimezone(VN_TZ).isoformat(timespec="seconds")
    return {"id": saved.id, "name": saved.name, "params": saved.params or {},
            "created_at": created}


@bp.get("/search")
@token_required
def search_documents():
    """Full-text and fielded search over what the caller may see (``q``, filters, ``sort``,
    ``exact``, ``page``, ``per_page``); highlights are HTML-escaped with ``<mark>``."""
    from app.search.views import value_label
    from workflows import search
    params = search.SearchParams.from_args(request.args)
    outcome = search.search_documents(db.session, wiring.search_index(), current_actor(), params)
    lang = current_language()
    facets = {name: [{"value": v.value, "label": value_label(name, v.value, v.label),
                      "count": v.count} for v in values]
              for name, values in outcome.facets.items()}
    return jsonify({"items": [_search_hit_json(h) for h in outcome.hits],
                    "total": outcome.total, "total_exact": outcome.total_exact,
                    "page": params.page, "per_page": params.per_page,
                    "facets": facets, "facets_partial": outcome.facets_partial,
                    "notices": [n.text(lang) for n in outcome.notices]})


@bp.get("/saved-searches")
@token_required
def list_saved_searches():
    from workflows import search
    rows = search.saved_searches(db.session, current_actor())
    return jsonify({"items": [_saved_search_json(s) for s in rows], "total": len(rows)})


@bp.post("/saved-searches")
@token_required
def create_saved_search():
    """``{"name", "params": {"q", "exact", "sort", <filters>}}``; the same name replaces."""
    from workflows import search
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("params", {}), dict):
        raise BadRequest()
    params = search.SearchParams.from_args(
        {k: str(v) for k, v in (body.get("params") or {}).items() if v is not None})
    saved = search.save_search(db.session, current_actor(), str(body.get("name") or ""), params)
    return jsonify(_saved_search_json(saved)), 201


@bp.delete("/saved-searches/<int:saved_id>")
@token_required
def delete_saved_search(saved_id: int):
    from workflows import search
    search.delete_saved(db.session, current_actor(), saved_id)
    return "", 204


from app.api import exchange as _exchange  # noqa: E402,F401  (registers /exchange/inbox on bp)
