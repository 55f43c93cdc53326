"""Administration of the directory: organisation, departments, staff and roles."""
from __future__ import annotations

from flask_babel import gettext as _
from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.security import current_actor, current_language, roles_required
from archive import directory
from archive.catalogues import ROLES
from archive.errors import ArchiveError
from archive.models import Department, Organization, Staff

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(status: int = 200, **extra):
    actor = current_actor()
    org = db.session.get(Organization, actor.organization_id)
    staff = directory.staff_of(db.session, org.id)
    return render_template("admin/index.html", org=org, departments=org.departments,
                           staff=staff, roles=ROLES, **extra), status


def _run(action, ok_message: str):
    """Run a directory use case; flash success or re-render with field errors."""
    try:
        action()
        db.session.commit()
    except ArchiveError as exc:
        db.session.rollback()
        lang = current_language()
        return _page(422, message=exc.message.text(lang),
                     errors={k: v.text(lang) for k, v in exc.fields.items()},
                     values=request.form.to_dict())
    flash(ok_message, "success")
    return redirect(url_for("admin.index"))


@bp.get("/")
@roles_required("admin")
def index():
    return _page()


@bp.post("/organization")
@roles_required("admin")
def update_organization():
    actor = current_actor()
    form = request.form
    return _run(lambda: directory.update_organization(
        db.session, actor, actor.organization_id, name=form.get("name", ""),
        abbreviation=form.get("abbreviation", ""), organ_id=form.get("organ_id"),
        parent_name=form.get("parent_name"), place_name=form.get("place_name")),
        _("Đã cập nhật thông tin cơ quan."))


@bp.post("/departments")
@roles_required("admin")
def add_department():
    actor = current_actor()
    return _run(lambda: directory.create_department(
        db.session, actor, organization_id=actor.organization_id,
        name=request.form.get("name", ""), abbreviation=request.form.get("abbreviation", "")),
        _("Đã thêm phòng ban."))


def _dept_id() -> int | None:
    raw = request.form.get("department_id") or ""
    return int(raw) if raw.isdigit() else None


@bp.post("/staff")
@roles_required("admin")
def add_staff():
    actor = current_actor()
    return _run(lambda: directory.create_staff(
        db.session, actor, organization_id=actor.organization_id,
        username=request.form.get("username", ""), full_name=request.form.get("full_name", ""),
        password=request.form.get("password", ""), roles=request.form.getlist("roles"),
        department_id=_dept_id(), position_title=request.form.get("position_title")),
        _("Đã thêm cán bộ."))


@bp.post("/staff/<int:staff_id>")
@roles_required("admin")
def update_staff(staff_id: int):
    actor = current_actor()
    target = db.session.get(Staff, staff_id)
    if target is None or target.organization_id != actor.organization_id:
        return _page(404, message=_("Không tìm thấy cán bộ."))
    password = request.form.get("password") or ""

    def action():
        directory.update_staff(db.session, actor, staff_id,
                               position_title=request.form.get("position_title", ""),
                               department_id=_dept_id() or 0,
                               roles=request.form.getlist("roles"),
                               active=request.form.get("active") == "1")
        if password:
            directory.set_password(db.session, actor, staff_id, password)
    return _run(action, _("Đã cập nhật %(username)s.", username=target.username))


@bp.get("/departments/<int:dept_id>")
@roles_required("admin")
def department(dept_id: int):
    dept = db.session.get(Department, dept_id)
    if dept is None or dept.organization_id != current_actor().organization_id:
        return _page(404, message=_("Không tìm thấy phòng ban."))
    return redirect(url_for("admin.index") + f"#dept-{dept.id}")


# --- processes (BPMN versions) and the working calendar ---------------------------

def _processes_page(status: int = 200, **extra):
    from app import wiring
    from workflows import processes
    actor = current_actor()
    routing = wiring.routing()
    processes.active_definition(db.session, routing.definitions)
    db.session.commit()
    return render_template("admin/processes.html", versions=processes.list_versions(db.session),
                           holidays=routing.holidays_text(db.session, actor.organization_id),
                           failed=processes.failed_routes(db.session, actor.organization_id),
                           **extra), status


@bp.get("/processes")
@roles_required("admin")
def processes_page():
    return _processes_page()


@bp.post("/processes")
@roles_required("admin")
def upload_process():
    from app import wiring
    from workflows import processes
    file = request.files.get("file")
    try:
        row = processes.upload(db.session, wiring.routing().definitions, current_actor(),
                               file.read() if file else b"", request.form.get("note"))
    except ArchiveError as exc:
        db.session.rollback()
        return _processes_page(422, message=exc.message.text(current_language()))
    flash(_("Đã nhận quy trình %(key)s phiên bản %(v)s.", key=row.process_key, v=row.version),
          "success")
    return redirect(url_for("admin.processes_page"))


@bp.get("/processes/<int:definition_id>.bpmn")
@roles_required("admin")
def download_process(definition_id: int):
    from flask import Response

    from workflows import processes
    row = processes.get_version(db.session, definition_id)
    return Response(row.xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{row.process_key}-v{row.version}.bpmn"'})


@bp.post("/holidays")
@roles_required("admin")
def save_holidays():
    from app import wiring
    try:
        count = wiring.routing().set_holidays(db.session, current_actor(),
                                              request.form.get("holidays", ""))
    except ArchiveError as exc:
        db.session.rollback()
        return _processes_page(422, message=exc.message.text(current_language()),
                               holidays_value=request.form.get("holidays", ""))
    flash(_("Đã lưu %(n)s ngày nghỉ.", n=count), "success")
    return redirect(url_for("admin.processes_page"))


# --- exchange peers (agencies on other installations, DOMAIN §6) ----------------------

def _peers_page(status: int = 200, **extra):
    from flask import make_response

    from workflows import exchange_out
    response = make_response(render_template(
        "admin/exchange_peers.html", peers=exchange_out.peers(db.session, current_actor()),
        inbox_path="/api/v1/exchange/inbox", **extra), status)
    response.headers["Cache-Control"] = "no-store"  # may carry a token shown once
    return response


@bp.get("/exchange-peers")
@roles_required("admin")
def exchange_peers():
    return _peers_page()


@bp.get("/exchange-peers/<int:peer_id>")
@roles_required("admin")
def edit_exchange_peer(peer_id: int):
    from archive.exchange_models import ExchangePeer
    peer = db.session.get(ExchangePeer, peer_id)
    if peer is None:
        return _peers_page(404, message=_("Không tìm thấy cơ quan liên thông."))
    return _peers_page(editing=peer)


@bp.post("/exchange-peers")
@roles_required("admin")
def save_exchange_peer():
    """Add a peer (a new inbound token, shown once on the page that answers) or
    edit one (its tokens kept unless the admin asks for a new one)."""
    from archive.exchange_models import ExchangePeer
    from workflows import exchange_out
    form = request.form
    editing = None
    if (form.get("peer_id") or "").isdigit():
        editing = db.session.get(ExchangePeer, int(form["peer_id"]))
        if editing is None:
            return _peers_page(404, message=_("Không tìm thấy cơ quan liên thông."))
    outbound = (form.get("outbound_token") or "").strip()
    try:
        peer, inbound = exchange_out.set_peer(
            db.session, current_actor(),
            organ_id=editing.organ_id if editing else form.get("organ_id", ""),
            name=form.get("name", ""), endpoint_url=form.get("endpoint_url", ""),
            outbound_token=outbound or (None if editing else ""),
            transport=form.get("transport", "https"),
            new_token=editing is None or form.get("new_token") == "1")
    except ArchiveError as exc:
        db.session.rollback()
        lang = current_language()
        return _peers_page(422, message=exc.message.text(lang), editing=editing,
                           errors={k: v.text(lang) for k, v in exc.fields.items()},
                           values=form.to_dict())
    return _peers_page(saved=peer, inbound_token=inbound)


@bp.post("/exchange-peers/<int:peer_id>/deactivate")
@roles_required("admin")
def deactivate_exchange_peer(peer_id: int):
    from workflows import exchange_out
    peer = exchange_out.deactivate_peer(db.session, current_actor(), peer_id)
    flash(_("Đã ngừng liên thông với %(organ)s.", organ=peer.organ_id), "success")
    return redirect(url_for("admin.exchange_peers"))
