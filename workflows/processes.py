"""Process definitions: the versions of the BPMN diagrams that drive routing.

A diagram is data (STYLE P8). The built-in diagrams in ``bpmn/`` become
version 1 of their process the first time they are needed; an administrator
uploads later versions, which are validated (schema, lanes, forms, service
tasks, script safety) before they are accepted. New documents take the
newest active version; running routes finish on the version they started on
(``process_instances.definition_id`` and ``definition_sha256``).
"""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import audit
from archive.errors import Conflict, InvalidInput, Msg, NotFound, PermissionDenied
from archive.identity import Actor
from archive.models import ProcessDefinition, ProcessInstance
from workflows.engine import Definition, DefinitionError, ServiceRegistry, parse_definition
from workflows.route_forms import FORMS

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
INCOMING = "incoming_document"

# Lane names a diagram may use, and the role that works in each (data, DOMAIN §0.2).
LANE_ROLES = {
    "Văn thư": "clerk",
    "Chánh Văn phòng": "office_head",
    "Lãnh đạo": "leader",
    "Trưởng phòng": "department_head",
    "Chuyên viên": "specialist",
}


class DefinitionCache:
    """Parsed diagrams by content hash: parsing is done once per process."""

    def __init__(self, services: ServiceRegistry):
        self.services = services
        self._parsed: dict[str, Definition] = {}
        self._lock = threading.Lock()

    def parse(self, xml: bytes) -> Definition:
        return parse_definition(xml, lanes=LANE_ROLES, forms=FORMS, services=self.services)

    def get(self, row: ProcessDefinition) -> Definition:
        with self._lock:
            found = self._parsed.get(row.sha256)
        if found is None:
            found = self.parse(row.xml)
            with self._lock:
                self._parsed[row.sha256] = found
        return found


def _latest(session: Session, key: str) -> ProcessDefinition | None:
    return session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.process_key == key, ProcessDefinition.active)
        .order_by(ProcessDefinition.version.desc()).limit(1))


def active_definition(session: Session, cache: DefinitionCache,
                      key: str = INCOMING) -> ProcessDefinition:
    """The version new documents take; the built-in diagram becomes version 1."""
    row = _latest(session, key)
    if row is None:
        row = _import_builtin(session, cache, key)
    return row


def _import_builtin(session: Session, cache: DefinitionCache, key: str) -> ProcessDefinition:
    path = BPMN_DIR / f"{key}.bpmn"
    if not path.is_file():
        raise NotFound(Msg(f"Không có quy trình '{key}'.", f"No process '{key}'."))
    xml = path.read_bytes()
    definition = cache.parse(xml)
    row = ProcessDefinition(process_key=key, version=_next_version(session, key),
                            name=definition.name or key, xml=xml, sha256=definition.sha256,
                            active=True, source=f"bpmn/{path.name}")
    session.add(row)
    session.flush()
    return row


def _next_version(session: Session, key: str) -> int:
    return (session.scalar(select(func.max(ProcessDefinition.version)).where(
        ProcessDefinition.process_key == key)) or 0) + 1


def definition_error(exc: DefinitionError) -> InvalidInput:
    """A refused diagram as a form/API error pointing at the element."""
    where_vi = where_en = ""
    if exc.element_id:
        where_vi = f" (phần tử '{exc.element_id}'"
        where_en = f" (element '{exc.element_id}'"
        if exc.line:
            where_vi += f", dòng {exc.line}"
            where_en += f", line {exc.line}"
        where_vi += ")"
        where_en += ")"
    msg = Msg(f"Sơ đồ không hợp lệ{where_vi}: {exc.message.vi}",
              f"Invalid diagram{where_en}: {exc.message.en}")
    return InvalidInput(msg, {"file": msg}, element_id=exc.element_id, line=exc.line)


def upload(session: Session, cache: DefinitionCache, actor: Actor, xml: bytes,
           note: str | None = None) -> ProcessDefinition:
    """Validate and store a new version of a diagram (admin); commits.

    The process key is the diagram's process id, so a diagram replaces the
    process it declares. Uploading the current version again is refused.
    """
    if not actor.has("admin"):
        raise PermissionDenied(Msg("Chỉ quản trị viên được cập nhật quy trình.",
                                   "Only administrators may change processes."))
    if not xml:
        msg = Msg("Chưa chọn tệp sơ đồ BPMN.", "No BPMN file was chosen.")
        raise InvalidInput(msg, {"file": msg})
    try:
        definition = cache.parse(xml)
    except DefinitionError as exc:
        raise definition_error(exc) from None
    key = definition.process_id
    latest = _latest(session, key)
    if latest is not None and latest.sha256 == definition.sha256:
        raise Conflict(Msg(f"Sơ đồ này giống hệt phiên bản {latest.version} đang dùng.",
                           f"This diagram is identical to the current version {latest.version}."))
    row = ProcessDefinition(process_key=key, version=_next_version(session, key),
                            name=definition.name or key, xml=xml, sha256=definition.sha256,
                            active=True, source="upload", note=(note or "").strip()[:500] or None,
                            uploaded_by_id=actor.staff_id)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="process_upload", object_type="process", object_id=row.id,
                 details={"process_key": key, "version": row.version, "sha256": row.sha256})
    session.commit()
    return row


def list_versions(session: Session, key: str | None = None) -> list[ProcessDefinition]:
    stmt = select(ProcessDefinition).order_by(ProcessDefinition.process_key,
                                              ProcessDefinition.version.desc())
    if key:
        stmt = stmt.where(ProcessDefinition.process_key == key)
    return list(session.scalars(stmt))


def get_version(session: Session, definition_id: int) -> ProcessDefinition:
    row = session.get(ProcessDefinition, definition_id)
    if row is None:
        raise NotFound(Msg("Không tìm thấy phiên bản quy trình.", "Process version not found."))
    return row


def failed_routes(session: Session, organization_id: int, limit: int = 50) -> list:
    """Routes that could not start or step (for the administrator to look at)."""
    return list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.organization_id == organization_id,
        (ProcessInstance.status == "failed") | ProcessInstance.error.is_not(None))
        .order_by(ProcessInstance.id.desc()).limit(limit)))
