"""Preservation pages for the archivist and admins: integrity runs and their reports,
and the state of the PDF/A copies of archived PDFs.

Thin: the rules live in ``workflows.integrity`` and ``workflows.preservation``;
a started run is done in the background (``app.preservation.jobs``).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.extensions import db
from app.preservation import jobs as pjobs
from app.security import current_actor, current_language, roles_required
from archive.errors import Conflict
from workflows import integrity, preservation

bp = Blueprint("preservation", __name__, url_prefix="/preservation")
KEEPERS = integrity.KEEPERS
RUNS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 50


def _page() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


@bp.get("/")
@roles_required(*KEEPERS)
def index():
    page = _page()
    runs, total = integrity.list_runs(db.session, current_actor(), page, RUNS_PER_PAGE)
    latest = integrity.latest_run(db.session)
    return render_template("preservation/index.html", runs=runs, total=total, page=page,
                           pages=_pages(total, RUNS_PER_PAGE), latest=latest,
                           copies=preservation.status_counts(db.session),
                           failed=preservation.failed_copies(db.session, 10))


@bp.post("/runs")
@roles_required(*KEEPERS)
def start():
    try:
        run = integrity.start_run(db.session, current_actor())
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message.text(current_language()), "error")
        running = exc.extra.get("run_id")
        return redirect(url_for("preservation.show", run_id=running) if running
                        else url_for("preservation.index"))
    pjobs.start_integrity(current_app._get_current_object(), run.id)
    flash(_("Đã bắt đầu lượt kiểm tra toàn vẹn #%(id)s.", id=run.id), "success")
    return redirect(url_for("preservation.show", run_id=run.id))


@bp.get("/runs/<int:run_id>")
@roles_required(*KEEPERS)
def show(run_id: int):
    run = integrity.get_run(db.session, current_actor(), run_id)
    problems = list(run.problems or [])
    page = _page()
    start = (page - 1) * PROBLEMS_PER_PAGE
    return render_template("preservation/run.html", run=run, total=len(problems), page=page,
                           pages=_pages(len(problems), PROBLEMS_PER_PAGE),
                           problems=problems[start:start + PROBLEMS_PER_PAGE])


@bp.post("/copies/retry")
@roles_required(*KEEPERS)
def retry_copies():
    digests = preservation.retry_failed(db.session, current_actor())
    db.session.commit()
    flash(_("Đã đặt lại %(n)s bản PDF/A lỗi để tạo lại.", n=len(digests)), "success")
    return redirect(url_for("preservation.index"))
