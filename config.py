"""Configuration: the only module of eOffice that reads the environment.

Three profiles share one code path (DESIGN.md, "Two ways to run"):

* ``Config``: the embedded default (SQLite, in-process jobs, files under
  ``instance/``) unless ``DATABASE_URL`` / ``REDIS_URL`` point at production
  services;
* ``ProductionConfig``: refuses to start without a real secret and database;
* ``TestConfig``: what the test suite builds on (values passed explicitly).

Domain packages never read this module: the web layer hands them values.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'eoffice.db'}"


def _normalise_db_url(url: str) -> str:
    """Accept the usual ``postgres://`` spelling some operators use."""
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url


class Config:
    """Embedded default; every value may be overridden by the environment."""

    DATA_DIR = Path(_env("EOFFICE_DATA_DIR", str(BASE_DIR / "instance"))).resolve()
    SECRET_KEY = _env("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = _normalise_db_url(_env("DATABASE_URL", _sqlite_url(DATA_DIR)))
    REDIS_URL = _env("REDIS_URL")
    RQ_QUEUE = _env("EOFFICE_RQ_QUEUE", "eoffice")
    SEARCH_BACKEND = _env("EOFFICE_SEARCH", "database")
    TSA_URL = _env("EOFFICE_TSA_URL")
    PKCS11_MODULE = _env("EOFFICE_PKCS11_MODULE")

    # Digital signatures (issue 4, DOMAIN §2.8, §2.14, §7). Levels: B-B, B-T,
    # B-LT, B-LTA (without a TSA every signature is B-B). TSA down: refuse, or
    # with EOFFICE_TSA_FALLBACK=1 sign B-B and record why. Trust roots: PEM/DER
    # files (":"-separated); the demo PKI under DATA_DIR/pki adds its root,
    # flagged "thử nghiệm" wherever a signature is shown.
    TSA_FALLBACK = _env_bool("EOFFICE_TSA_FALLBACK", False)
    SIGN_LEVEL_LEADER = _env("EOFFICE_SIGN_LEVEL_LEADER", "B-LT")
    SIGN_LEVEL_SEAL = _env("EOFFICE_SIGN_LEVEL_SEAL", "B-LTA")
    TRUST_ROOTS = [p for p in (_env("EOFFICE_TRUST_ROOTS", "") or "").split(":") if p]
    DEMO_ROOTS: list = []
    REVOCATION_FETCH = _env_bool("EOFFICE_REVOCATION_FETCH", True)
    SIGN_MAX_PIN_ATTEMPTS = _env_int("EOFFICE_SIGN_MAX_PIN_ATTEMPTS", 5)
    SIGN_LOCK_MINUTES = _env_int("EOFFICE_SIGN_LOCK_MINUTES", 15)
    DEMO_PKI_PORT = _env_int("EOFFICE_DEMO_PKI_PORT", 8790)
    DOCX_TIMEOUT_SECONDS = _env_int("EOFFICE_DOCX_TIMEOUT", 180)
    SMTP_URL = _env("SMTP_URL")

    # Text extraction and OCR (issue 5; STACK.md §5). Tesseract language data,
    # seconds allowed per OCR page, attempts before a job stays failed, and the
    # largest image (pixels) OCR will decode (a "giant image" is refused).
    OCR_LANGUAGES = _env("EOFFICE_OCR_LANGUAGES", "vie")
    OCR_SECONDS_PER_PAGE = _env_int("EOFFICE_OCR_SECONDS_PER_PAGE", 60)
    OCR_MAX_IMAGE_PIXELS = _env_int("EOFFICE_OCR_MAX_IMAGE_PIXELS", 80_000_000)
    EXTRACTION_MAX_ATTEMPTS = _env_int("EOFFICE_EXTRACTION_ATTEMPTS", 3)
    # Scanner intake: one sub-folder per register under SCAN_DIR, polled every
    # SCAN_POLL_SECONDS by the web process on the embedded default (0 = off;
    # production runs ``flask scanner watch``).
    SCAN_DIR = _env("EOFFICE_SCAN_DIR")    # unset: DATA_DIR/scans
    SCAN_POLL_SECONDS = _env_int("EOFFICE_SCAN_POLL_SECONDS", 10)
    # A file is taken once its size stayed the same between two looks, or it was
    # not touched for this long (a scanner still writing over SMB is left alone).
    SCAN_SETTLE_SECONDS = _env_int("EOFFICE_SCAN_SETTLE_SECONDS", 30)
    # When a closed case file is due at the agency archive (archive/filing_rules.py):
    # "decree30" = 1 year from the day the work ended (Decree 30/2020 Điều 30.2),
    # "archive_law_2024" = by the end of the year after the one the work ended.
    FILING_TRANSFER_RULE = _env("EOFFICE_FILING_TRANSFER_RULE", "decree30")

    # Uploads and untrusted-file limits (DOMAIN §2.12, issue: bad input).
    MAX_FILE_BYTES = _env_int("EOFFICE_MAX_FILE_MB", 50) * 1024 * 1024
    MAX_CONTENT_LENGTH = _env_int("EOFFICE_MAX_REQUEST_MB", 200) * 1024 * 1024
    MAX_PDF_PAGES = _env_int("EOFFICE_MAX_PDF_PAGES", 2000)
    PROBE_TIMEOUT_SECONDS = _env_int("EOFFICE_PROBE_TIMEOUT", 30)
    PROBE_MEMORY_MB = _env_int("EOFFICE_PROBE_MEMORY_MB", 768)

    # Inter-agency exchange of edXML packages (issue 7, DOMAIN §6): seconds a
    # delivery to another installation may take, attempts before a package is
    # marked failed (then the clerk resends it), and the largest package the
    # exchange inbox accepts (HTTP 413 beyond).
    EXCHANGE_TIMEOUT_SECONDS = _env_int("EOFFICE_EXCHANGE_TIMEOUT_SECONDS", 30)
    EXCHANGE_MAX_ATTEMPTS = _env_int("EOFFICE_EXCHANGE_MAX_ATTEMPTS", 20)
    EXCHANGE_MAX_PACKAGE_MB = _env_int("EOFFICE_EXCHANGE_MAX_PACKAGE_MB", 100)
    # PEM file of extra CA certificates trusted for peers' HTTPS (e.g. a
    # province's private CA), on top of the system's; empty = system only.
    EXCHANGE_CA_FILE = os.environ.get("EOFFICE_EXCHANGE_CA_FILE", "")
    # The national axis / provincial LGSP (exchange/axis.py); no URL = not used.
    EXCHANGE_AXIS_URL = os.environ.get("EOFFICE_EXCHANGE_AXIS_URL", "")
    EXCHANGE_AXIS_ADAPTER = os.environ.get("EOFFICE_EXCHANGE_AXIS_ADAPTER",
                                           "exchange.lgsp:LgspRestAdapter")
    EXCHANGE_AXIS_SYSTEM_ID = os.environ.get("EOFFICE_EXCHANGE_AXIS_SYSTEM_ID", "")
    EXCHANGE_AXIS_SECRET = os.environ.get("EOFFICE_EXCHANGE_AXIS_SECRET", "")

    # Authentication.
    LOGIN_MAX_FAILURES = _env_int("EOFFICE_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("EOFFICE_LOGIN_LOCK_MINUTES", 15)
    API_TOKEN_HOURS = _env_int("EOFFICE_API_TOKEN_HOURS", 12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("EOFFICE_SECURE_COOKIES", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = _env_int("EOFFICE_SESSION_HOURS", 10) * 3600
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token

    # Routing (issue 3): deadlines in working days, the clock that fires
    # timers and reminders, e-mail notifications.
    WORKING_WEEKDAYS = _env("EOFFICE_WORKING_WEEKDAYS", "0,1,2,3,4")  # Monday = 0
    DEFAULT_HANDLING_DAYS = _env_int("EOFFICE_DEFAULT_HANDLING_DAYS", 10)
    REMINDER_DAYS = _env_int("EOFFICE_REMINDER_DAYS", 1)
    WORKDAY_END = _env("EOFFICE_WORKDAY_END", "17:00")  # local time a deadline day ends
    ROUTING_STEP_SECONDS = _env_int("EOFFICE_STEP_SECONDS", 5)
    ROUTING_CLOCK_SECONDS = _env_int("EOFFICE_CLOCK_SECONDS", 30)  # 0 = no in-process clock
    BASE_URL = _env("EOFFICE_BASE_URL", "http://127.0.0.1:5000")

    # Interface.
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    PER_PAGE_MAX = 200

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis/RQ, secure cookies, a real secret."""

    REQUIRE_REAL_SECRET = True

    SESSION_COOKIE_SECURE = _env_bool("EOFFICE_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    """Test runs: paths and database URL are given by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    LOGIN_LOCK_MINUTES = 15
    PROBE_TIMEOUT_SECONDS = 20
    ROUTING_CLOCK_SECONDS = 0  # tests run the clock explicitly
    SCAN_POLL_SECONDS = 0      # tests poll the scanner folders explicitly


def config_for_environment() -> type[Config]:
    """Pick the profile named by ``EOFFICE_ENV`` (default: embedded)."""
    name = (_env("EOFFICE_ENV", "default") or "default").lower()
    return {"production": ProductionConfig, "test": TestConfig}.get(name, Config)


def test_database_url() -> str | None:
    """PostgreSQL server the test suite may create throw-away databases on."""
    return _env("EOFFICE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

