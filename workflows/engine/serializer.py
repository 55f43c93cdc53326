"""The persistence format of workflow instances and its version (STYLE P9).

State is SpiffWorkflow's serializer JSON, gzip'd, produced with the spiff
serializer config plus our service-task spec. ``SERIALIZER_VERSION`` is stored
next to the state; restoring state written by another version is refused
(write a data migration instead, as Spiff's ``migration/`` does).
"""
from __future__ import annotations

import threading
from importlib.metadata import version

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as _SPIFF_FORMAT
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter

from .service_tasks import EOfficeServiceTask

__all__ = ["SERIALIZER_VERSION", "dump_workflow", "load_workflow", "copy_specs"]

SERIALIZER_VERSION = f"spiff-{version('SpiffWorkflow')}/{_SPIFF_FORMAT}"

_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    """One serializer per thread: it flips a mode flag on its registry while encoding."""
    serializer = getattr(_local, "serializer", None)
    if serializer is None:
        config = dict(SPIFF_CONFIG)
        config[EOfficeServiceTask] = ServiceTaskConverter
        serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
        _local.serializer = serializer
    return serializer


def dump_workflow(workflow) -> bytes:
    """gzip'd JSON of the whole instance (spec included, ~2 KB)."""
    return _serializer().serialize_json(workflow, use_gzip=True)


def load_workflow(state: bytes):
    """The workflow in ``state``; the caller must attach a script engine."""
    return _serializer().deserialize_json(state, use_gzip=True)


def copy_specs(spec, subspecs: dict):
    """Fresh copies of parsed specs, so instances never share mutable spec objects."""
    serializer = _serializer()
    new_spec = serializer.from_dict(serializer.to_dict(spec))
    new_subspecs = {name: serializer.from_dict(serializer.to_dict(sub)) for name, sub in subspecs.items()}
    return new_spec, new_subspecs
