"""SpiffWorkflow adapter: the only code that imports SpiffWorkflow (STYLE P8).

Modules: ``definitions`` (parse + validate diagrams), ``runtime`` (instance
stepping), ``serializer`` (persistence format and version), ``script_env``
(restricted scripting), ``service_tasks`` (operator registry).
"""
from .definitions import Definition, UserTaskInfo, parse_definition
from .errors import DefinitionError, EngineError, TaskNotReady
from .runtime import Engine, ReadyTask, Run
from .serializer import SERIALIZER_VERSION
from .service_tasks import ServiceRegistry

__all__ = [
    "Definition", "DefinitionError", "Engine", "EngineError", "ReadyTask", "Run",
    "SERIALIZER_VERSION", "ServiceRegistry", "TaskNotReady", "UserTaskInfo", "parse_definition",
]
