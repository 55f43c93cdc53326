"""Statutory reports (DOMAIN §2.15 outputs 1–4) and the leaders' dashboard.

Thin: periods, figures, rows and files come from ``workflows.statutory_reports``
and ``workflows.dashboard``; this module reads the request and renders.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from app.extensions import db
from app.security import current_actor, current_language
from archive.errors import InvalidInput, Msg
from archive.models import Department
from workflows import dashboard, statutory_reports as sr

bp = Blueprint("reports", __name__, url_prefix="/reports")
PER_PAGE = 50


def _now() -> datetime:
    return datetime.now(sr.VIETNAM)


def _departments(actor) -> list[Department]:
    return list(db.session.query(Department).filter(
        Department.organization_id == actor.organization_id).order_by(Department.name))


def _period(actor):
    """The period of the request (default: this year up to today) or the form errors."""
    lang = current_language()
    try:
        return sr.parse_period(db.session, actor, request.args.get("from"),
                               request.args.get("to"), request.args.get("department"),
                               _now().date()), {}, None
    except InvalidInput as exc:
        return None, {k: v.text(lang) for k, v in exc.fields.items()}, exc.message.text(lang)


@bp.get("")
@login_required
def form():
    """The reports form; with ``report`` and ``format`` it downloads the file."""
    actor = current_actor()
    sr.require_reader(actor)
    period, errors, message = _period(actor)
    if period is not None and request.args.get("report"):
        fmt = request.args.get("format", "pdf")
        out = sr.render(db.session, actor, request.args["report"], period, fmt,
                        _now().date(), _now())
        return Response(out.data, mimetype=out.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'})
    today = _now().date()
    return render_template("reports/form.html", reports=sr.REPORTS, errors=errors,
                           message=message, departments=_departments(actor),
                           values={"from": request.args.get("from") or f"{today.year}-01-01",
                                   "to": request.args.get("to") or today.isoformat(),
                                   "department": request.args.get("department", ""),
                                   "report": request.args.get("report", "incoming_handling"),
                                   "format": request.args.get("format", "pdf")}
                           ), 422 if errors else 200


def _period_args(period: sr.Period) -> dict:
    args = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    if period.department_id:
        args["department"] = period.department_id
    return args


@bp.get("/dashboard")
@login_required
def dashboard_page():
    """Figures and charts of the period, each linked to its drill-down list."""
    actor = current_actor()
    sr.require_reader(actor)
    period, errors, message = _period(actor)
    figures = dashboard.figures(db.session, actor, period, _now().date()) if period else None
    return render_template("reports/dashboard.html", figures=figures, errors=errors,
                           message=message, departments=_departments(actor),
                           args=_period_args(period) if period else {},
                           labels=dashboard.FIGURE_LABELS, categories=sr.CATEGORIES,
                           values=request.args), 422 if errors else 200


@bp.get("/dashboard/documents")
@login_required
def drill_down():
    """The documents behind one figure, paginated."""
    actor = current_actor()
    sr.require_reader(actor)
    period, _errors, message = _period(actor)
    if period is None:
        raise InvalidInput(Msg(message, message))
    key = request.args.get("figure", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    docs, total = dashboard.drill_down(db.session, actor, period, key, _now().date(),
                                       page, PER_PAGE)
    label = dashboard.FIGURE_LABELS.get(key.partition(":")[0], "")
    if key.startswith("overdue_"):
        label = dashboard.FIGURE_LABELS["overdue"]
    pages = max(1, -(-total // PER_PAGE))
    return render_template("reports/drill_down.html", docs=docs, total=total, page=page,
                           pages=pages, key=key, label=label, args=_period_args(period),
                           name=request.args.get("name", ""))
