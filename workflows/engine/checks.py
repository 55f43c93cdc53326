"""Checks of an uploaded diagram's XML before SpiffWorkflow builds specs from it.

Each check raises DefinitionError naming the element (id and source line) with
a Vietnamese and an English message, written for the agency admin who edits
the diagram in bpmn-js.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping

from lxml import etree

from .errors import DefinitionError, Msg
from .script_env import check_source

__all__ = ["BPMN_NS", "SPIFF_NS", "NS", "executable_process", "run_checks", "lane_of_nodes",
           "PROPERTY_EXPRESSIONS"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

PROPERTY_EXPRESSIONS = ("department", "assignee", "due")
RESERVED_IDS = frozenset({"Start", "End", "Root", "StartEventSplit", "StartEventJoin"})
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
_DEFINITIONS = f"{{{BPMN_NS}}}definitions"
_LANE = f"{{{BPMN_NS}}}lane"
_CONTAINERS = {f"{{{BPMN_NS}}}{tag}" for tag in ("process", "subProcess", "transaction", "adHocSubProcess")}

# (xpath, mode, what) for every piece of text Spiff evaluates as Python.
_EXPRESSIONS = (
    (".//bpmn:scriptTask/bpmn:script", "exec", "script"),
    (".//spiffworkflow:preScript", "exec", "pre-script"),
    (".//spiffworkflow:postScript", "exec", "post-script"),
    (".//bpmn:conditionExpression", "eval", "condition"),
    (".//bpmn:timeDate", "eval", "timer"),
    (".//bpmn:timeDuration", "eval", "timer"),
    (".//bpmn:timeCycle", "eval", "timer"),
    (".//bpmn:loopCardinality", "eval", "loop cardinality"),
    (".//bpmn:completionCondition", "eval", "completion condition"),
    (".//bpmn:loopCondition", "eval", "loop condition"),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "eval", "condition"),
    (".//spiffworkflow:messagePayload", "eval", "message payload"),
)


def _owner(el: etree._Element) -> etree._Element:
    """The element an admin can find in bpmn-js for ``el``: its flow element, lane or process."""
    node = el
    while node is not None:
        parent = node.getparent()
        if node.get("id") and node.tag.startswith(f"{{{BPMN_NS}}}") and (
                parent is None or parent.tag in _CONTAINERS or parent.tag == _DEFINITIONS
                or node.tag == _LANE):
            return node
        node = parent
    return el


def fail(el: etree._Element | None, vi: str, en: str) -> DefinitionError:
    """A DefinitionError pointing at ``el``'s owning flow element and ``el``'s line."""
    if el is None:
        return DefinitionError(Msg(vi=vi, en=en))
    owner = _owner(el)
    return DefinitionError(Msg(vi=vi, en=en), element_id=owner.get("id"), line=el.sourceline)


def _label(el: etree._Element) -> str:
    owner = _owner(el)
    return owner.get("name") or owner.get("id") or etree.QName(owner).localname


def executable_process(root: etree._Element) -> etree._Element:
    """The one executable process (Spiff treats a missing isExecutable as true)."""
    if root.tag != _DEFINITIONS:
        raise fail(root, "Tệp không phải sơ đồ BPMN 2.0 (thiếu bpmn:definitions).",
                   "Not a BPMN 2.0 diagram (no bpmn:definitions root).")
    processes = root.findall("bpmn:process", NS)
    executable = [p for p in processes if p.get("isExecutable", "true") == "true"]
    if len(executable) != 1:
        raise fail(root, f"Sơ đồ phải có đúng một quy trình thực thi được (isExecutable), có {len(executable)}.",
                   f"The diagram must have exactly one executable process, found {len(executable)}.")
    return executable[0]


def lane_of_nodes(root: etree._Element) -> dict[str, etree._Element]:
    """flow node id -> lane element, the way Spiff assigns lanes (last flowNodeRef wins)."""
    lanes = {}
    for ref in root.iterfind(".//bpmn:flowNodeRef", NS):
        if ref.text:
            lanes[ref.text.strip()] = ref.getparent()
    return lanes


def _check_ids(root: etree._Element) -> None:
    for el in root.iterfind(".//*[@id]"):
        ident = el.get("id")
        if ident in RESERVED_IDS or ident.endswith(RESERVED_SUFFIXES):
            raise fail(el, f"Mã phần tử “{ident}” được SpiffWorkflow dùng nội bộ; hãy đổi mã khác.",
                       f"Element id '{ident}' is reserved by SpiffWorkflow; choose another id.")


def _check_task_types(process: etree._Element) -> None:
    """Human steps must be userTasks: a plain task would wait forever with no form or lane."""
    for tag in ("task", "manualTask"):
        for el in process.iterfind(f".//bpmn:{tag}", NS):
            raise fail(el, f"Bước “{_label(el)}” là Task chung/thủ công; hãy đổi thành User Task hoặc Service Task.",
                       f"Step '{_label(el)}' is a plain/manual task; make it a User Task or a Service Task.")


def _check_lanes(root: etree._Element, lanes: Mapping[str, str]) -> None:
    for lane in root.iterfind(".//bpmn:lane", NS):
        name = lane.get("name")
        if name not in lanes:
            known = ", ".join(sorted(lanes))
            raise fail(lane, f"Làn “{name or ''}” không có trong danh sách làn của cơ quan ({known}).",
                       f"Lane '{name or ''}' is not one of the agency's lanes ({known}).")


def _properties(el: etree._Element) -> dict[str, etree._Element]:
    return {p.get("name"): p for p in el.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def _check_user_task(el, lane_of: dict, forms: Collection[str]) -> None:
    label = _label(el)
    if el.get("id") not in lane_of:
        raise fail(el, f"Bước “{label}” phải nằm trong một làn (lane).",
                   f"User task '{label}' must be inside a lane.")
    props = _properties(el)
    form = props.get("form")
    if form is None or not (form.get("value") or "").strip():
        raise fail(el, f"Bước “{label}” thiếu thuộc tính “form”.",
                   f"User task '{label}' has no 'form' property.")
    if form.get("value").strip() not in forms:
        raise fail(form, f"Biểu mẫu “{form.get('value')}” của bước “{label}” không tồn tại.",
                   f"Form '{form.get('value')}' of user task '{label}' does not exist.")
    for name in PROPERTY_EXPRESSIONS:
        prop = props.get(name)
        if prop is not None and (prop.get("value") or "").strip():
            _check_expression(prop, prop.get("value"), "eval", f"property '{name}'")


def _check_service_task(el, services: Collection[str]) -> None:
    label = _label(el)
    operator = el.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is None or not operator.get("id"):
        raise fail(el, f"Bước tự động “{label}” thiếu dịch vụ (serviceTaskOperator).",
                   f"Service task '{label}' has no operator (serviceTaskOperator).")
    if operator.get("id") not in services:
        raise fail(operator, f"Dịch vụ “{operator.get('id')}” của bước “{label}” chưa được đăng ký.",
                   f"Operator '{operator.get('id')}' of service task '{label}' is not registered.")
    for param in operator.iterfind("spiffworkflow:parameters/spiffworkflow:parameter", NS):
        if not param.get("id") or param.get("value") is None or param.get("type") is None:
            raise fail(param, f"Tham số của dịch vụ ở bước “{label}” cần đủ id, type và value.",
                       f"Parameters of service task '{label}' need id, type and value.")
        _check_expression(param, param.get("value"), "eval", f"parameter '{param.get('id')}'")


def _check_expression(el, source: str | None, mode: str, what: str) -> None:
    label = _label(el)
    if source is None or not source.strip():
        raise fail(el, f"Biểu thức ({what}) ở “{label}” đang để trống.",
                   f"The {what} of '{label}' is empty.")
    problem = check_source(source, mode)
    if problem:
        raise fail(el, f"Biểu thức ({what}) ở “{label}” không được phép: {problem}",
                   f"The {what} of '{label}' is not allowed: {problem}")


def _check_expressions(root: etree._Element) -> None:
    for xpath, mode, what in _EXPRESSIONS:
        for el in root.iterfind(xpath, NS):
            _check_expression(el, el.text, mode, what)
    for task in root.iterfind(".//bpmn:scriptTask", NS):
        if task.find("bpmn:script", NS) is None:
            raise fail(task, f"Bước kịch bản “{_label(task)}” không có nội dung.",
                       f"Script task '{_label(task)}' has no script.")


def run_checks(root: etree._Element, process: etree._Element, *, lanes: Mapping[str, str],
               forms: Collection[str], services: Collection[str]) -> None:
    """All XML-level checks, cheapest and most structural first."""
    _check_ids(root)
    _check_task_types(process)
    _check_lanes(root, lanes)
    lane_of = lane_of_nodes(root)
    for el in root.iterfind(".//bpmn:userTask", NS):
        _check_user_task(el, lane_of, forms)
    for el in root.iterfind(".//bpmn:serviceTask", NS):
        _check_service_task(el, services)
    _check_expressions(root)
