"""The web layer and composition root of eOffice.

``create_app`` only wires things together (no I/O beyond reading the
configuration): extensions, collaborators, blueprints, error handlers and
``flask`` commands. Migrations and demo data are explicit commands.
"""
from __future__ import annotations

import mimetypes
from datetime import date, datetime, timedelta, timezone

from flask import Flask, redirect, request, session, url_for

from app import errors, security, wiring
from app.extensions import babel, csrf, db, login_manager, migrate
from archive import catalogues
from archive.db import engine_options_for

VN_TZ = timezone(timedelta(hours=7))
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


def create_app(config_object: object | str | None = None, **overrides) -> Flask:
    """Build and wire a Flask app from a config class (default: the environment's)."""
    if config_object is None:
        from config import config_for_environment
        config_object = config_for_environment()
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config_object)
    app.config.update(overrides)
    if app.config.get("REQUIRE_REAL_SECRET") and app.config["SECRET_KEY"] == "dev-only-change-me":
        raise RuntimeError("SECRET_KEY must be set in production (EOFFICE_ENV=production).")
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **engine_options_for(app.config["SQLALCHEMY_DATABASE_URI"]),
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    _init_extensions(app)
    wiring.init_app(app)
    security.init_app(app)
    _register_blueprints(app)
    errors.register_error_handlers(app)
    _register_template_helpers(app)
    from app import cli
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=security.current_language,
                   default_translation_directories=str(_root() / "translations"))


def _root():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.api.views import bp as api_bp
    from app.auth.views import bp as auth_bp
    from app.documents.views import bp as documents_bp
    from app.incoming.views import bp as incoming_bp
    from app.outgoing.views import bp as outgoing_bp
    from app.scanner.views import bp as scanner_bp
    from app.search.views import bp as search_bp
    from app.tasks.views import bp as tasks_bp
    from app.filelists.views import bp as filelists_bp
    from app.casefiles.views import bp as casefiles_bp
    from app.records.views import bp as records_bp
    from app.preservation.views import bp as preservation_bp
    from app.reports.views import bp as reports_bp
    from app.exchange.views import bp as exchange_bp
    for bp in (auth_bp, incoming_bp, outgoing_bp, documents_bp, tasks_bp, admin_bp, api_bp,
               search_bp, scanner_bp, filelists_bp, casefiles_bp, records_bp, preservation_bp,
               reports_bp, exchange_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # bearer tokens only, never cookies

    @app.get("/")
    def index():
        return redirect(url_for("tasks.inbox_list"))

    @app.get("/lang/<code>")
    def set_language(code: str):
        if code in app.config["LANGUAGES"]:
            session["lang"] = code
        target = request.referrer or url_for("index")
        return redirect(target if target.startswith(request.host_url) else url_for("index"))


def vn_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)


def vn_time(value: datetime | None) -> str:
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") if value else ""


def _register_template_helpers(app: Flask) -> None:
    app.add_template_filter(vn_date, "vndate")
    app.add_template_filter(vn_time, "vntime")

    @app.context_processor
    def _globals():
        return {"catalogues": catalogues, "current_staff": security.current_staff(),
                "lang": security.current_language(), "nav_counts": _nav_counts,
                "has_role": _has_role}


def _has_role(*roles: str) -> bool:
    staff = security.current_staff()
    return bool(staff and staff.roles.intersection(roles))


def _nav_counts():
    """Inbox and notification counts for the navigation (called by base.html)."""
    from app.extensions import db
    from workflows import inbox, notify
    actor = security.current_actor()
    return {"inbox": inbox.counts(db.session, actor),
            "unread": notify.unread_count(db.session, actor)}
