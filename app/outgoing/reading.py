"""Read-only helpers of the outgoing pages (no writes, no commits).

What ``workflows.outgoing`` does not offer as one call: the bytes of a draft
version or of the leader-signed PDF (access checked through ``get_outgoing``),
and the drafting state of a page of the list in two queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.errors import Msg, NotFound
from archive.identity import Actor
from archive.models import DraftVersion, OutgoingDocument, Task
from archive.storage import BlobStorage
from workflows import outgoing

NO_FILE = Msg("Không tìm thấy tệp.", "File not found.")


def open_version(session: Session, actor: Actor, storage: BlobStorage, document_id: int,
                 version_id: int, source: bool = False) -> tuple[DraftVersion, bytes]:
    """The prepared PDF (or, with ``source``, the file the drafter gave) of a version."""
    out = outgoing.get_outgoing(session, actor, document_id)
    version = session.get(DraftVersion, version_id)
    if version is None or version.document_id != out.document_id:
        raise NotFound(NO_FILE)
    digest = version.source_sha256 if source else version.pdf_sha256
    if not digest:
        raise NotFound(Msg("Phiên bản này chưa có bản PDF.", "This version has no PDF yet."))
    return version, storage.get(digest)


def open_signed(session: Session, actor: Actor, storage: BlobStorage,
                document_id: int) -> tuple[OutgoingDocument, bytes]:
    """The PDF the leader signed (before the number, the date and the seal)."""
    out = outgoing.get_outgoing(session, actor, document_id)
    if not out.signed_sha256:
        raise NotFound(Msg("Văn bản chưa được ký.", "The document is not signed yet."))
    return out, storage.get(out.signed_sha256)


@dataclass
class RowState:
    out: OutgoingDocument | None
    task: Task | None


def row_states(session: Session, document_ids: list[int]) -> dict[int, RowState]:
    """The outgoing record and the current step of each listed document."""
    if not document_ids:
        return {}
    outs = {o.document_id: o for o in session.scalars(select(OutgoingDocument).where(
        OutgoingDocument.document_id.in_(document_ids)))}
    tasks: dict[int, Task] = {}
    for t in session.scalars(select(Task).where(Task.document_id.in_(document_ids),
                                                Task.status == "ready").order_by(Task.id)):
        tasks[t.document_id] = t  # the latest ready step
    return {i: RowState(outs.get(i), tasks.get(i)) for i in document_ids}
