"""Login sessions, the current actor, role checks and response hardening.

A browser session stores ``"<staff id>:<session epoch>"``; bumping the epoch
(log out everywhere, password change, deactivation) invalidates every
session of that person at once.
"""
from __future__ import annotations

from functools import wraps

from flask_babel import lazy_gettext as _l
from flask import Flask, abort, g, request, session
from flask_login import UserMixin, current_user

from app.extensions import db, login_manager
from archive.identity import Actor
from archive.models import Staff


class SessionUser(UserMixin):
    def __init__(self, staff: Staff):
        self.staff = staff

    def get_id(self) -> str:
        return f"{self.staff.id}:{self.staff.session_epoch}"


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        staff_id, epoch = (int(x) for x in user_id.split(":"))
    except ValueError:
        return None
    staff = db.session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.session_epoch != epoch:
        return None
    return SessionUser(staff)


def current_staff() -> Staff | None:
    api_staff = g.get("api_staff")
    if api_staff is not None:
        return api_staff
    return current_user.staff if current_user.is_authenticated else None


def current_actor() -> Actor:
    staff = current_staff()
    if staff is None:
        abort(401)
    return Actor.of(staff)


def roles_required(*roles: str):
    """View decorator: 403 unless the current person has one of ``roles``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return login_manager.unauthorized()
            if not staff.roles.intersection(roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def current_language() -> str:
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(["vi", "en"], default="vi") or "vi"
    return session.get("lang", "vi")


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "worker-src 'self' blob:; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; "
       "form-action 'self'")


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.session_protection = "strong"

    @app.before_request
    def _forget_api_caller():
        # ``g`` outlives a request when an app context is already pushed (CLI,
        # tests): never let one request's bearer identity leak into the next.
        g.pop("api_staff", None)

    @app.after_request
    def _harden(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
