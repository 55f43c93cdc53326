"""Hostile and broken diagrams: refused at upload with the element, or contained at run time."""
from __future__ import annotations

import threading
import time
from xml.sax.saxutils import escape

import pytest

from workflows.engine import (
    DefinitionError, Engine, EngineError, ServiceRegistry, parse_definition)

LANES = {"Văn thư": "clerk", "Lãnh đạo": "leader"}
FORMS = {"present", "review"}
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://eoffice.test/bpmn">
"""
USER_TASK = """<bpmn:userTask id="x" name="Trình">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="form" value="present" />
  </spiffworkflow:properties></bpmn:extensionElements>
  <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
</bpmn:userTask>"""


def services() -> ServiceRegistry:
    registry = ServiceRegistry()
    registry.register("record_status", lambda context, data, status: {"status": status})
    return registry


def diagram(step: str = USER_TASK, *, lane: str = "Văn thư", start: str = "s1", end: str = "e1",
            extra: str = "", lane_refs: str = "x", head: str = HEAD) -> bytes:
    """A process ``start -> x -> end`` with ``x`` given as XML; everything in one lane."""
    refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in lane_refs.split())
    return (head + f"""<bpmn:process id="p" name="Thử" isExecutable="true">
  <bpmn:laneSet id="ls"><bpmn:lane id="lane_a" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="{start}"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  {step}
  <bpmn:endEvent id="{end}"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="{start}" targetRef="x" />
  <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="{end}" />
  {extra}
</bpmn:process>
</bpmn:definitions>
""").encode("utf-8")


def script(source: str) -> str:
    return (f'<bpmn:scriptTask id="x" name="Kịch bản"><bpmn:incoming>f1</bpmn:incoming>'
            f'<bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{escape(source)}</bpmn:script></bpmn:scriptTask>')


def parse(xml: bytes, **kwargs):
    return parse_definition(xml, lanes=LANES, forms=FORMS, services=services(), **kwargs)


def refused(xml: bytes, **kwargs) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse(xml, **kwargs)
    error = info.value
    assert error.message.vi and error.message.en and str(error) == error.message.en
    return error


def test_a_minimal_valid_diagram_parses():
    definition = parse(diagram())
    assert definition.user_tasks["x"].role == "clerk"


@pytest.mark.parametrize("source", [
    "__import__('os').system('id')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "import os\nos.system('id')",
    "from os import system",
    "getattr(x, 'y')",
    "x = [].__class__",
    "try:\n    y = 1\nexcept Exception:\n    pass",
])
def test_hostile_scripts_are_refused_with_the_element(source):
    error = refused(diagram(script(source), lane_refs=""))
    assert error.element_id == "x"
    assert error.line and error.line > 1


def test_hostile_condition_names_the_sequence_flow():
    gateway = """<bpmn:exclusiveGateway id="x" default="f2"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>"""
    extra = """<bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="e1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">__import__('os')</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
    assert refused(diagram(gateway, lane_refs="", extra=extra)).element_id == "f3"


def test_hostile_property_and_timer_expressions_are_refused():
    bad_property = USER_TASK.replace(
        '<spiffworkflow:property name="form" value="present" />',
        '<spiffworkflow:property name="form" value="present" />'
        '<spiffworkflow:property name="assignee" value="open(\'/etc/passwd\')" />')
    assert refused(diagram(bad_property)).element_id == "x"
    timer = """<bpmn:boundaryEvent id="tmr" cancelActivity="false" attachedToRef="x">
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:timerEventDefinition id="ted">
      <bpmn:timeDate xsi:type="bpmn:tFormalExpression">().__class__</bpmn:timeDate>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
      <bpmn:endEvent id="e2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="f3" sourceRef="tmr" targetRef="e2" />"""
    assert refused(diagram(extra=timer)).element_id == "tmr"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</bpmn:definitions>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY,
                                 BILLION_LAUGHS.decode().replace('"1.0"?>', '"1.0" encoding="UTF-16"?>',
                                                                 1).encode("utf-16")],
                         ids=["billion_laughs", "external_entity", "utf16_doctype"])
def test_doctype_and_entities_are_refused(xml):
    error = refused(xml)
    assert "DOCTYPE" in error.message.en
    assert "root:" not in error.message.en


@pytest.mark.parametrize("xml", [b"", b"not xml at all", b"<a><b></a>", "<a/>".encode("utf-16")[:5]])
def test_not_xml_is_refused(xml):
    refused(xml)


def test_too_large_and_non_bpmn_xml_are_refused():
    assert "too large" in refused(diagram(), max_bytes=100).message.en
    assert "BPMN" in refused(b"<html><body/></html>").message.en


def test_unknown_lane_names_the_lane():
    error = refused(diagram(lane="Bảo vệ"))
    assert error.element_id == "lane_a" and "Bảo vệ" in error.message.vi


def test_user_task_outside_a_lane_is_refused():
    assert refused(diagram(lane_refs="")).element_id == "x"


@pytest.mark.parametrize("props, expected", [
    ("", "no 'form' property"),
    ('<spiffworkflow:property name="form" value="unknown_form" />', "unknown_form"),
])
def test_missing_or_unknown_form_is_refused(props, expected):
    step = USER_TASK.replace('<spiffworkflow:property name="form" value="present" />', props)
    error = refused(diagram(step))
    assert error.element_id == "x" and expected in error.message.en


@pytest.mark.parametrize("operator, expected", [
    ("", "no operator"),
    ('<spiffworkflow:serviceTaskOperator id="rm_rf"><spiffworkflow:parameters />'
     '</spiffworkflow:serviceTaskOperator>', "rm_rf"),
    ('<spiffworkflow:serviceTaskOperator id="record_status"><spiffworkflow:parameters>'
     '<spiffworkflow:parameter id="status" type="str" value="__import__(\'os\')" />'
     '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>', "not allowed"),
])
def test_service_task_operators_must_be_registered_and_safe(operator, expected):
    ext = f"<bpmn:extensionElements>{operator}</bpmn:extensionElements>" if operator else ""
    step = (f'<bpmn:serviceTask id="x" name="Dịch vụ">{ext}<bpmn:incoming>f1</bpmn:incoming>'
            f'<bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>')
    error = refused(diagram(step, lane_refs=""))
    assert error.element_id == "x" and expected in error.message.en


@pytest.mark.parametrize("start, end, bad", [("Start", "e1", "Start"), ("s1", "End", "End")])
def test_reserved_ids_start_and_end_are_refused(start, end, bad):
    error = refused(diagram(start=start, end=end))
    assert error.element_id == bad and error.line


def test_plain_tasks_and_two_executable_processes_are_refused():
    plain = USER_TASK.replace("bpmn:userTask", "bpmn:task")
    assert refused(diagram(plain)).element_id == "x"
    second = b'<bpmn:process id="q" isExecutable="true"><bpmn:startEvent id="q1" /></bpmn:process>'
    xml = diagram().replace(b"</bpmn:definitions>", second + b"</bpmn:definitions>")
    assert "exactly one" in refused(xml).message.en


def test_schema_violations_point_at_the_line():
    xml = diagram(USER_TASK.replace("<bpmn:incoming>f1", "<bpmn:bogus /><bpmn:incoming>f1"))
    error = refused(xml)
    assert error.line and "schema" in error.message.en


def test_what_spiffworkflow_rejects_is_wrapped_with_the_element():
    mi = USER_TASK.replace("</bpmn:userTask>",
                           "<bpmn:multiInstanceLoopCharacteristics /></bpmn:userTask>")
    error = refused(diagram(mi))
    assert error.element_id == "x" and "SpiffWorkflow" in error.message.en


# --- contained at run time -----------------------------------------------------------


def start(xml: bytes, step_seconds: float = 0.5, data: dict | None = None):
    return Engine(services(), step_seconds=step_seconds).start(parse(xml), data or {})


@pytest.mark.parametrize("source", ["while True: pass", "x = 0\nwhile True:\n    x += 1",
                                    "def forever():\n    while True:\n        yield 1\ny = sum(forever())"])
def test_endless_scripts_end_with_engine_error(source):
    began = time.monotonic()
    with pytest.raises(EngineError) as info:
        start(diagram(script(source), lane_refs=""))
    assert time.monotonic() - began < 3
    assert "time limit" in info.value.message.en and "thời gian" in info.value.message.vi
    assert info.value.element_id == "x"


def test_time_limit_works_outside_the_main_thread():
    errors = []

    def worker():
        try:
            start(diagram(script("while True: pass"), lane_refs=""), step_seconds=0.3)
        except EngineError as exc:
            errors.append(exc)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and len(errors) == 1


def test_an_endless_cycle_without_scripts_is_stopped_by_the_step_limit():
    gateway = """<bpmn:exclusiveGateway id="x" default="f3"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing>
      </bpmn:exclusiveGateway>"""
    loop = """<bpmn:scriptTask id="again"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>n = 1</bpmn:script></bpmn:scriptTask>
      <bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="again" />
      <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="x" />"""
    xml = diagram(gateway, lane_refs="", extra=loop).replace(
        b'<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="e1" />',
        b'<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="e1"><bpmn:conditionExpression '
        b'xsi:type="bpmn:tFormalExpression">False</bpmn:conditionExpression></bpmn:sequenceFlow>')
    began = time.monotonic()
    with pytest.raises(EngineError, match="time limit"):
        start(xml, step_seconds=0.3)
    assert time.monotonic() - began < 3


@pytest.mark.parametrize("source, expected", [("y = 1 / 0", "division by zero"),
                                              ("y = {1, 2}", "not JSON"),
                                              ("y = 10 ** 10 ** 10", "too large")])
def test_script_errors_become_engine_errors_naming_the_task(source, expected):
    with pytest.raises(EngineError) as info:
        start(diagram(script(source), lane_refs=""))
    assert info.value.element_id == "x" and expected in info.value.message.en


def test_safe_scripts_run_and_write_json_task_data():
    run = start(diagram(script("total = sum(values)\nbig = max(values) > 2"), lane_refs=""),
                data={"values": [1, 2, 3]})
    assert run.finished
    assert run.data == {"values": [1, 2, 3], "total": 6, "big": True}


def test_property_expression_errors():
    step = USER_TASK.replace(
        '<spiffworkflow:property name="form" value="present" />',
        '<spiffworkflow:property name="form" value="present" />'
        '<spiffworkflow:property name="department" value="unit_id" />'
        '<spiffworkflow:property name="due" value="1 / zero" />')
    run = start(diagram(step), data={"zero": 0})
    with pytest.raises(EngineError) as info:
        run.ready_tasks()
    assert info.value.element_id == "x" and "due" in info.value.message.en
    run = start(diagram(step), data={"zero": 1, "unit_id": 9})
    [task] = run.ready_tasks()
    assert (task.department, task.due, task.assignee) == (9, 1.0, None)
