"""The search page, saved searches and exports of the results (DOMAIN §2.15 6).

Thin: every rule (visibility, parsing, ranking, facets) lives in
``workflows.search``; this module turns request arguments into
``SearchParams``, renders the outcome and records exports in the audit log.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import (Blueprint, Response, flash, redirect, render_template, request,
                   url_for)
from flask_babel import format_decimal, gettext as _, lazy_gettext as _l
from flask_login import login_required

from app import wiring
from app.extensions import db
from app.outgoing.views import STATUS_LABELS as OUTGOING_STATUS_LABELS
from app.security import current_actor, current_language
from archive import audit, directory, registers
from archive.errors import Conflict, InvalidInput
from archive.search.index import CANDIDATES, FACETS, Filters
from workflows import search, search_export
from workflows.search import SearchParams

bp = Blueprint("search", __name__, url_prefix="/search")
VN_TZ = timezone(timedelta(hours=7))

# Fields a person may show or hide in the results (function 6 đ); the trích yếu always shows.
COLUMNS = {"number": _l("Số, ký hiệu"), "dates": _l("Ngày"), "issuer": _l("Cơ quan ban hành"),
           "type": _l("Loại văn bản"), "direction": _l("Đến / đi"),
           "urgency": _l("Độ khẩn"), "status": _l("Trạng thái"),
           "register": _l("Sổ"), "snippet": _l("Đoạn trích")}
DEFAULT_COLUMNS = ("number", "dates", "issuer", "type", "direction", "snippet")
FACET_TITLES = {"direction": _l("Văn bản đến / đi"), "register_id": _l("Sổ"),
                "document_type": _l("Loại văn bản"), "issuer": _l("Cơ quan ban hành"),
                "urgency": _l("Độ khẩn"), "status": _l("Trạng thái"),
                "department_id": _l("Đơn vị xử lý")}
DIRECTION_LABELS = {"incoming": _l("Văn bản đến"), "outgoing": _l("Văn bản đi")}
URGENCY_LABELS = {"normal": _l("Thường"), "urgent": _l("Khẩn"),
                  "very_urgent": _l("Thượng khẩn"), "flash": _l("Hỏa tốc")}
STATUS_LABELS = {"registered": _l("Đã vào sổ"), "assigned": _l("Đã phân phối (04)"),
                 "in_progress": _l("Đang xử lý (05)"), "done": _l("Hoàn thành (06)"),
                 "recalled": _l("Đã thu hồi"),
                 **OUTGOING_STATUS_LABELS}
SORT_LABELS = {"relevance": _l("Liên quan nhất"), "date": _l("Mới nhất")}


def value_label(facet: str, value, label: str | None = None) -> str:
    """How a filter value is named on screen and in the API (enums have no label)."""
    names = {"direction": DIRECTION_LABELS, "urgency": URGENCY_LABELS,
             "status": STATUS_LABELS}.get(facet)
    if names is not None:
        return str(names.get(value, value))
    return label if label is not None else str(value)


def number_text(value: int) -> str:
    """1.234 in Vietnamese, 1,234 in English."""
    return format_decimal(value)


def url_with(args: dict, **changes) -> str:
    """The search page's URL with the current arguments (lists, as
    ``to_dict(flat=False)`` gives them; empty ones dropped), some changed (None drops one)."""
    merged = {k: v for k, v in args.items()
              if k not in changes and any(x not in (None, "") for x in v)}
    merged.update({k: v for k, v in changes.items() if v not in (None, "")})
    return url_for("search.page", **merged)


def _columns(args) -> list[str]:
    chosen = [c for c in args.getlist("show") if c in COLUMNS]
    return chosen or list(DEFAULT_COLUMNS)


def _choices(actor) -> dict:
    """What the filter selects offer: the organisation's registers, types, units."""
    confidential = actor.has("clerk")
    regs = (registers.registers_for(db.session, actor.organization_id, "incoming", confidential)
            + registers.registers_for(db.session, actor.organization_id, "outgoing",
                                      confidential))
    return {"registers": regs, "types": directory.document_types(db.session),
            "departments": directory.departments_of(db.session, actor.organization_id)}


@bp.context_processor
def _labels() -> dict:
    return {"all_columns": COLUMNS, "default_columns": DEFAULT_COLUMNS,
            "facet_titles": FACET_TITLES, "facets": FACETS, "sorts": SORT_LABELS,
            "directions": DIRECTION_LABELS, "urgencies": URGENCY_LABELS,
            "statuses": STATUS_LABELS, "candidates": CANDIDATES, "value_label": value_label,
            "url_with": url_with, "number_text": number_text}


@bp.get("")
@login_required
def page():
    """The search form, and the results as soon as there is anything to search for."""
    actor, lang = current_actor(), current_language()
    outcome, message, errors = None, None, {}
    try:
        params = SearchParams.from_args(request.args)
    except InvalidInput as exc:
        params, message = None, exc.message.text(lang)
        errors = {k: v.text(lang) for k, v in exc.fields.items()}
    if params is not None and request.args:
        outcome = search.search_documents(db.session, wiring.search_index(), actor, params)
    return render_template(
        "search/page.html", outcome=outcome, params=params,
        args=request.args.to_dict(flat=False), values=request.args, message=message,
        errors=errors, filtering=[k for k in Filters.__dataclass_fields__ if request.args.get(k)],
        notices=[n.text(lang) for n in outcome.notices] if outcome else [],
        columns=_columns(request.args), saved=search.saved_searches(db.session, actor),
        search_args=params.to_args() if params else {}, **_choices(actor)
    ), 422 if errors else 200


# --- saved searches -----------------------------------------------------------------

def _search_fields(form) -> dict:
    """The search parameters a form carries (hidden fields named like the query string)."""
    keys = ["q", "exact", "sort", *(f for f in Filters.__dataclass_fields__)]
    return {k: form.get(k) for k in keys if form.get(k)}


@bp.post("/saved")
@login_required
def save():
    actor, lang = current_actor(), current_language()
    fields = _search_fields(request.form)
    try:
        saved = search.save_search(db.session, actor, request.form.get("name", ""),
                                   SearchParams.from_args(fields))
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        flash(exc.message.text(lang), "error")
        return redirect(url_for("search.page", **fields))
    flash(_("Đã lưu tìm kiếm “%(name)s”.", name=saved.name), "success")
    return redirect(url_for("search.page", **saved.params))


@bp.get("/saved/<int:saved_id>")
@login_required
def run_saved(saved_id: int):
    saved = search.get_saved(db.session, current_actor(), saved_id)
    return redirect(url_for("search.page", **saved.params))


@bp.post("/saved/<int:saved_id>/delete")
@login_required
def delete_saved(saved_id: int):
    actor = current_actor()
    name = search.get_saved(db.session, actor, saved_id).name
    search.delete_saved(db.session, actor, saved_id)
    flash(_("Đã xóa tìm kiếm “%(name)s”.", name=name), "success")
    return redirect(url_for("search.page", **_search_fields(request.form)))


# --- exports ----------------------------------------------------------------------

def _export(fmt: str):
    actor = current_actor()
    params = SearchParams.from_args(request.args)
    hits, total, exact = search.all_hits(db.session, wiring.search_index(), actor, params)
    generated_at = datetime.now(VN_TZ)
    build = search_export.results_xlsx if fmt == "xlsx" else search_export.results_pdf
    data = build(hits, total, params, actor, generated_at, total_exact=exact)
    audit.record(db.session, actor_id=actor.staff_id, actor_name=actor.full_name or
                 actor.username, action="search_export", object_type="search",
                 details={"params": params.to_args(), "rows": len(hits), "format": fmt})
    db.session.commit()
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
             if fmt == "xlsx" else "application/pdf")
    name = f"tra-cuu-{generated_at:%Y%m%d-%H%M}.{fmt}"
    return Response(data, mimetype=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export.xlsx")
@login_required
def export_xlsx():
    return _export("xlsx")


@bp.get("/export.pdf")
@login_required
def export_pdf():
    return _export("pdf")

