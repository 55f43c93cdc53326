"""SpiffWorkflow's parser, configured for eOffice (spiff extensions, our service task).

``SpiffBpmnParser`` understands ``spiffworkflow:properties`` and
``spiffworkflow:serviceTaskOperator``; its validator is the BPMN 2.0 XSD plus
the spiffworkflow extension schema, so extension elements are validated too.
"""
from __future__ import annotations

import threading

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser

from .service_tasks import EOfficeServiceTask

__all__ = ["EOfficeBpmnParser", "ValidationException", "xsd_validate", "build_specs"]

_VALIDATOR_LOCK = threading.Lock()   # an lxml XMLSchema keeps one error log: not thread-safe


class EOfficeBpmnParser(SpiffBpmnParser):
    """SpiffBpmnParser whose service tasks merge their result into the task data."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, EOfficeServiceTask),
    }


def xsd_validate(tree: etree._ElementTree) -> None:
    """Raise Spiff's ValidationException (with a line number) if the XSD check fails."""
    with _VALIDATOR_LOCK:
        VALIDATOR.validate(tree.getroot())


def build_specs(tree: etree._ElementTree, process_id: str, filename: str):
    """Let Spiff build the process spec and subprocess specs, and a workflow from them.

    ``filename`` ends up in ``spec.file`` and in every serialized instance, so the
    runtime can tell which definition (content hash) an instance was started from.

    Building a throw-away ``BpmnWorkflow`` catches what Spiff only notices at
    instantiation (e.g. an element id ``Start``: "No output task connected").
    """
    parser = EOfficeBpmnParser()
    parser.add_bpmn_xml(tree.getroot(), filename=filename)
    spec = parser.get_spec(process_id)
    subspecs = parser.get_subprocess_specs(process_id)
    BpmnWorkflow(spec, subspecs)
    return spec, subspecs
