"""Errors of the SpiffWorkflow adapter, each with a Vietnamese and an English text.

``str(error)`` is the English text so logs stay readable; the web layer shows
``error.message.text(lang)``.
"""
from __future__ import annotations

from archive.errors import Msg

__all__ = ["DefinitionError", "EngineError", "TaskNotReady", "Msg"]


class DefinitionError(Exception):
    """A diagram was refused; ``element_id``/``line`` point at the culprit when known."""

    def __init__(self, message: Msg, element_id: str | None = None, line: int | None = None):
        super().__init__(message.en)
        self.message = message
        self.element_id = element_id
        self.line = line


class EngineError(Exception):
    """Stepping an instance failed (script error, time limit, service failure...).

    The ``Run`` that raised it must be discarded: restore from the last saved state.
    """

    def __init__(self, message: Msg, element_id: str | None = None):
        super().__init__(message.en)
        self.message = message
        self.element_id = element_id


class TaskNotReady(EngineError):
    """The task id is unknown, already handled, or not a user task; nothing changed."""
