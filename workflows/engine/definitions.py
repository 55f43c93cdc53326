"""Parse and validate an uploaded BPMN diagram into a Definition (STYLE P8).

A Definition is immutable and content-addressed (sha256 of the XML bytes): the
app stores it once per process version and starts or restores instances
against it. Everything an admin can get wrong is reported here, at upload
time, as a DefinitionError naming the element and its source line.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.spiff.specs.defaults import UserTask

from .checks import BPMN_NS, SPIFF_NS, executable_process, fail, run_checks
from .errors import DefinitionError, Msg
from .parser import ValidationException, build_specs, xsd_validate
from .service_tasks import EOfficeServiceTask, ServiceRegistry
from .xml_safety import parse_xml

__all__ = ["UserTaskInfo", "Definition", "parse_definition", "spec_file"]


@dataclass(frozen=True)
class UserTaskInfo:
    """A human step: who does it (lane -> role), with which form, and its raw properties."""

    bpmn_id: str
    name: str
    lane: str
    role: str
    form: str
    properties: dict[str, str]


@dataclass(frozen=True)
class Definition:
    """A validated diagram. ``_spec``/``_subspecs`` are for the runtime only."""

    process_id: str
    name: str
    xml: bytes
    sha256: str
    user_tasks: dict[str, UserTaskInfo]
    service_operations: frozenset[str]
    _spec: Any = field(default=None, repr=False, compare=False)
    _subspecs: dict = field(default_factory=dict, repr=False, compare=False)
    _flow_nodes: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


def _short(text: str) -> str:
    """Namespace URIs as prefixes, without Spiff's trailing note separators."""
    for uri, prefix in ((BPMN_NS, "bpmn:"), (SPIFF_NS, "spiffworkflow:")):
        text = text.replace(f"{{{uri}}}", prefix)
    return text.strip().rstrip(". ").strip()


def _xsd_check(root: etree._Element) -> None:
    """BPMN 2.0 + spiffworkflow XSD; the error names the element on the reported line."""
    try:
        xsd_validate(root.getroottree())
    except ValidationException as exc:
        line = exc.line_number or None
        detail = _short(str(exc))
        at_line = next((el for el in root.iter() if el.sourceline == line), None)
        error = fail(at_line, f"Sơ đồ không đúng lược đồ BPMN 2.0: {detail}",
                     f"The diagram does not match the BPMN 2.0 schema: {detail}")
        raise DefinitionError(error.message, error.element_id, line) from None


def spec_file(process_id: str, sha256: str) -> str:
    """The ``spec.file`` of a definition: names the exact diagram version in saved state."""
    return f"{process_id}.bpmn@sha256:{sha256}"


def _spiff_specs(root: etree._Element, process_id: str, sha256: str):
    """Spiff's own parse and spec building, its complaints wrapped with the element."""
    try:
        return build_specs(root.getroottree(), process_id, spec_file(process_id, sha256))
    except ValidationException as exc:
        error, element_id, line = exc, exc.id or None, exc.line_number or None
    except Exception as exc:       # Spiff raises many types while building specs
        error, line = exc, None
        element_id = getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
    found = next((el for el in root.iter() if element_id and el.get("id") == element_id), None)
    if found is not None:
        line = found.sourceline
    detail = _short(str(error))
    raise DefinitionError(Msg(vi=f"SpiffWorkflow từ chối sơ đồ: {detail}",
                              en=f"SpiffWorkflow refused the diagram: {detail}"),
                          element_id, line) from error


def _all_task_specs(spec, subspecs: dict):
    yield from spec.task_specs.values()
    for sub in subspecs.values():
        yield from sub.task_specs.values()


def _user_task(task_spec, lanes: Mapping[str, str]) -> UserTaskInfo:
    props = dict(getattr(task_spec, "extensions", {}).get("properties", {}))
    lane = task_spec.lane
    if lane is None or lane not in lanes:      # the XML checks make this unreachable
        raise DefinitionError(Msg(vi=f"Bước “{task_spec.bpmn_id}” không thuộc làn hợp lệ.",
                                  en=f"User task '{task_spec.bpmn_id}' is not in a known lane."),
                              task_spec.bpmn_id)
    return UserTaskInfo(bpmn_id=task_spec.bpmn_id, name=task_spec.bpmn_name or task_spec.bpmn_id,
                        lane=lane, role=lanes[lane], form=props.get("form", "").strip(),
                        properties=props)


def parse_definition(xml: bytes, *, lanes: Mapping[str, str], forms: Collection[str],
                     services: ServiceRegistry, max_bytes: int = 2_000_000) -> Definition:
    """Validate ``xml`` and build a Definition.

    Args:
        xml: the .bpmn file as uploaded.
        lanes: lane NAME -> role name; every lane of the diagram must be here.
        forms: the form names the app can render for user tasks.
        services: operators service tasks may use.
        max_bytes: refuse bigger files before parsing.

    Raises:
        DefinitionError: with ``element_id``/``line`` when the culprit is known.
    """
    root = parse_xml(xml, max_bytes).getroot()
    _xsd_check(root)
    process = executable_process(root)
    run_checks(root, process, lanes=lanes, forms=forms, services=services.names())
    process_id, sha256 = process.get("id"), hashlib.sha256(xml).hexdigest()
    spec, subspecs = _spiff_specs(root, process_id, sha256)
    task_specs = list(_all_task_specs(spec, subspecs))
    user_tasks = {ts.bpmn_id: _user_task(ts, lanes) for ts in task_specs if isinstance(ts, UserTask)}
    operations = frozenset(ts.operation_name for ts in task_specs if isinstance(ts, EOfficeServiceTask))
    flow_nodes = frozenset(ts.bpmn_id for ts in task_specs if getattr(ts, "bpmn_id", None))
    return Definition(process_id=process_id, name=process.get("name") or process_id,
                      xml=bytes(xml), sha256=sha256,
                      user_tasks=user_tasks, service_operations=operations,
                      _spec=spec, _subspecs=subspecs, _flow_nodes=flow_nodes)
