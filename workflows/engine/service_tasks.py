"""Service tasks: the explicit name -> function registry BPMN may call (STYLE P8).

A diagram names an operator (``spiffworkflow:serviceTaskOperator id="record_status"``);
only operators registered here at wiring time exist. The implementations live
in the app (``workflows/actions.py``), so the engine never imports them.

A service function is ``fn(context, data, **params) -> dict | None``: ``context``
is whatever the app attached to the run (a DB session, the acting user...),
``data`` a JSON copy of the task data, ``params`` the evaluated parameter
expressions. The returned dict is merged into the task data.
"""
from __future__ import annotations

from typing import Any, Callable

from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask

from .errors import EngineError, Msg
from .script_env import ensure_json_like

__all__ = ["ServiceRegistry", "ServiceFailed", "EOfficeServiceTask"]

ServiceFn = Callable[..., "dict | None"]


class ServiceRegistry:
    """Operators a diagram may use; filled once at wiring time, then read-only in use."""

    def __init__(self) -> None:
        self._functions: dict[str, ServiceFn] = {}
        self._descriptions: dict[str, str] = {}

    def register(self, name: str, fn: ServiceFn, description: str = "") -> None:
        """Make ``name`` callable from diagrams; names are unique identifiers."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"service name must be an identifier: {name!r}")
        if not callable(fn):
            raise TypeError(f"service {name!r} is not callable")
        if name in self._functions:
            raise ValueError(f"service {name!r} is already registered")
        self._functions[name] = fn
        self._descriptions[name] = description

    def names(self) -> frozenset[str]:
        return frozenset(self._functions)

    def description(self, name: str) -> str:
        return self._descriptions.get(name, "")

    def call(self, name: str, context: Any, params: dict, data: dict) -> dict | None:
        """Call a service; the result must be None or a dict of JSON data."""
        fn = self._functions.get(name)
        if fn is None:
            raise EngineError(Msg(vi=f"Dịch vụ “{name}” chưa được đăng ký.",
                                  en=f"Service '{name}' is not registered."))
        result = fn(context, data, **params)
        if result is not None and not isinstance(result, dict):
            raise TypeError(f"service {name!r} returned {type(result).__name__}, not a dict")
        if result:
            ensure_json_like(result, f"result of service {name!r}")
        return result


class ServiceFailed(Exception):
    """A service function raised; carries what the error message must name."""

    def __init__(self, bpmn_id: str, task_name: str, operation: str, cause: BaseException):
        super().__init__(f"{operation}: {cause}")
        self.bpmn_id = bpmn_id
        self.task_name = task_name
        self.operation = operation
        self.cause = cause


class EOfficeServiceTask(SpiffServiceTask):
    """Spiff's service task, but the result is merged into the task data.

    Spiff 3.2.0 stores ``json.loads(call_service(...))`` under a generated
    ``spiff__<id>_result`` key and its ``call_service`` error path raises a
    NameError; this spec calls the registry through our script engine instead.
    """

    def _execute(self, task):
        engine = task.workflow.script_engine
        params = {name: engine.evaluate(task, param["value"])
                  for name, param in self.operation_params.items()}
        result = engine.call_registered_service(task, self.operation_name, params)
        if result:
            task.data.update(result)
        return True
