"""Errors of the system of record, each with a Vietnamese and an English text.

The web layer maps them to HTTP once (``app/errors.py``); the domain never
raises HTTP errors. Field problems name the field so forms and the API can
point at it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Msg:
    """A user-facing message in both interface languages."""

    vi: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class ArchiveError(Exception):
    """Base class. ``code`` is the API's machine code."""

    code = "error"

    def __init__(self, message: Msg, fields: dict[str, Msg] | None = None, **extra):
        super().__init__(message.en)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class InvalidInput(ArchiveError):
    code = "invalid"


class FileRejected(ArchiveError):
    """An uploaded file is unusable (type, size, corruption, encryption...)."""

    code = "invalid_file"


class UnsupportedFile(FileRejected):
    code = "unsupported_file"


class FileTooLarge(FileRejected):
    code = "too_large"


class NotFound(ArchiveError):
    code = "not_found"


class PermissionDenied(ArchiveError):
    code = "forbidden"


class Conflict(ArchiveError):
    code = "conflict"


class ProcessFailed(Conflict):
    """The route's diagram failed while stepping (a script error or time limit);
    the step was not taken and nothing changed."""

    code = "process_error"


class DuplicateSuspected(Conflict):
    """Looks like an already registered document; the clerk must confirm."""

    code = "duplicate"


class AuthenticationFailed(ArchiveError):
    code = "unauthorized"


class AccountLocked(AuthenticationFailed):
    code = "account_locked"


class IntegrityProblem(ArchiveError):
    code = "integrity"


class SigningRefused(ArchiveError):
    """A signature was not made (wrong PIN, certificate rejected, TSA down...).

    ``code`` is set per instance from the signing error (``wrong_pin``,
    ``pin_locked``, ``certificate_rejected``, ``tsa_unavailable``...).
    """

    code = "signing_refused"

    def __init__(self, message: Msg, code: str = "signing_refused", **extra):
        fields = {"pin": message} if code in ("wrong_pin", "token_locked", "pin_locked") else None
        super().__init__(message, fields, **extra)
        self.code = code
