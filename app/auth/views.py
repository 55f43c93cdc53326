"""Log in, log out, log out everywhere."""
from __future__ import annotations

from flask_babel import gettext as _
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from app.auth.forms import EmptyForm, LoginForm
from app.extensions import db
from app.security import SessionUser, current_language, current_staff
from archive import directory
from archive.errors import AuthenticationFailed

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """A path on this site only. Browsers read "/\\host" (and "/<tab>/host") as "//host",
    another site, so backslashes and control characters are refused as well."""
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable()):
        return target
    return url_for("index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            staff = directory.authenticate(
                db.session, form.username.data, form.password.data,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        except AuthenticationFailed as exc:
            db.session.commit()  # keep the failure count
            flash(exc.message.text(current_language()), "error")
            status = 401
        else:
            db.session.commit()
            login_user(SessionUser(staff), remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    if EmptyForm().validate_on_submit():
        directory.logout_everywhere(db.session, current_staff())
        db.session.commit()
        logout_user()
        flash(_("Đã đăng xuất khỏi mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))
