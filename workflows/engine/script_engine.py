"""The script engine attached to every workflow: restricted scripts, lenient timers, services.

SpiffWorkflow does not serialize the script engine, so the runtime attaches a
fresh one to each started or restored instance (otherwise Spiff would fall back
to its unrestricted ``eval``/``exec`` engine).
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition, TimeDateEventDefinition, TimerEventDefinition)

from .script_env import RestrictedEnvironment, json_copy
from .service_tasks import ServiceFailed, ServiceRegistry

__all__ = ["EngineScriptEngine", "NEVER_YEAR"]

log = logging.getLogger(__name__)

NEVER_YEAR = 9999
_NEVER_DATE = f"{NEVER_YEAR}-12-31T00:00:00+00:00"


def _never_duration() -> str:
    """A duration ending late in year 9999 (durations are added to now)."""
    return f"P{(date(NEVER_YEAR, 12, 1) - date.today()).days}D"


def _timer_of(task, expression: str):
    """The timer definition ``expression`` belongs to, if it is a date/duration timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition)):
        if definition.expression == expression:
            return definition
    return None


def _valid_timer_value(definition, value: Any) -> bool:
    """Whether Spiff can use ``value``; it would raise on every later step otherwise."""
    if not isinstance(value, str):
        return False
    try:
        if isinstance(definition, TimeDateEventDefinition):
            return isinstance(TimerEventDefinition.get_datetime(value), datetime)
        TimerEventDefinition.parse_iso_duration(value)
        return True
    except Exception:
        return False


class EngineScriptEngine(PythonScriptEngine):
    """PythonScriptEngine over the restricted environment, with the run's services."""

    environment: RestrictedEnvironment

    def __init__(self, services: ServiceRegistry, context: Any = None):
        super().__init__(environment=RestrictedEnvironment())
        self.services = services
        self.context = context

    def evaluate(self, task, expression, external_context=None):
        """Evaluate as Spiff does, except that a timer never breaks the instance.

        A timer whose variable is missing (or holds no valid ISO value) is set to
        "never": Spiff evaluates timers on every refresh, so a NameError there
        would make every later step of the instance fail.
        """
        definition = _timer_of(task, expression)
        if definition is None:
            return super().evaluate(task, expression, external_context)
        try:
            value = super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            if not isinstance(exc.__context__, NameError):   # Spiff keeps the cause there
                raise
            value = None
        if _valid_timer_value(definition, value):
            return value
        log.warning("timer %s: %r is not an ISO value (%s); it will never fire",
                    task.task_spec.bpmn_id, value, expression)
        return _NEVER_DATE if isinstance(definition, TimeDateEventDefinition) else _never_duration()

    def call_registered_service(self, task, operation: str, params: dict) -> dict | None:
        """Call a registered service; its run time does not count against the step limit.

        Services are app code (DB, signing, network) with their own timeouts; the
        step limit is for diagram code.
        """
        started = time.monotonic()
        try:
            return self.services.call(operation, self.context, params, json_copy(task.data))
        except Exception as exc:
            spec = task.task_spec
            raise ServiceFailed(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, operation, exc) from exc
        finally:
            if self.environment.deadline is not None:
                self.environment.deadline += time.monotonic() - started

    def call_service(self, task, **kwargs):
        """Spiff's own entry point is never used: EOfficeServiceTask calls the registry."""
        raise NotImplementedError("use EOfficeServiceTask")
