"""Turn whatever SpiffWorkflow or a service raised into an EngineError in two languages."""
from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from .errors import EngineError, Msg
from .service_tasks import ServiceFailed

__all__ = ["engine_error", "timeout_error"]


def _chain(exc: BaseException):
    """exc, then its causes/contexts (Spiff re-raises inside ``except`` blocks)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _where(task) -> tuple[str | None, str]:
    """(bpmn id, label) of the task for messages."""
    spec = getattr(task, "task_spec", None)
    bpmn_id = getattr(spec, "bpmn_id", None)
    name = getattr(spec, "bpmn_name", None) or bpmn_id or "?"
    return bpmn_id, name


def timeout_error(task, seconds: float) -> EngineError:
    bpmn_id, name = _where(task)
    return EngineError(Msg(
        vi=f"Kịch bản vượt quá thời gian cho phép ({seconds:g} giây) ở bước “{name}”.",
        en=f"script exceeded its time limit ({seconds:g} s) at '{name}'."), bpmn_id)


def engine_error(exc: BaseException, task, what: str | None = None) -> EngineError:
    """The most specific message: service failure, then the failing task, then generic."""
    if isinstance(exc, EngineError):
        return exc
    causes = list(_chain(exc))
    for cause in causes:
        if isinstance(cause, ServiceFailed):
            return EngineError(Msg(
                vi=f"Bước tự động “{cause.task_name}” gọi dịch vụ “{cause.operation}” bị lỗi: {cause.cause}",
                en=f"Service task '{cause.task_name}' failed calling '{cause.operation}': {cause.cause}"),
                cause.bpmn_id)
    for cause in causes:
        if isinstance(cause, WorkflowTaskException) and cause.task is not None:
            task = cause.task
            break
    bpmn_id, name = _where(task)
    text = str(exc).strip().rstrip(".").strip()          # Spiff appends ". " + notes
    detail = f"{what}: {text}" if what else text
    return EngineError(Msg(vi=f"Lỗi khi xử lý bước “{name}”: {detail}",
                           en=f"Error while processing '{name}': {detail}"), bpmn_id)
