"""Append-only audit log with a hash chain (DOMAIN §2.15 5.a, checklist 12).

Each entry stores the hash of the previous one; the single ``audit_head`` row
holds the last sequence number and hash and is updated in the same
transaction, which both serialises appends (row lock) and lets ``verify``
notice an entry deleted from the end. Entries are written as the last step
of a use case, just before its commit, to keep that lock short.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.db import utcnow
from archive.models import AuditEntry, AuditHead

__all__ = ["record", "verify_chain", "ChainReport", "GENESIS", "ensure_head"]

GENESIS = "0" * 64


def _entry_hash(prev_hash: str, seq: int, at: datetime, actor_id, actor_name: str,
                action: str, object_type: str, object_id, details: dict) -> str:
    payload = json.dumps(
        [prev_hash, seq, at.isoformat(timespec="microseconds"), actor_id, actor_name, action,
         object_type, object_id, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_seq=0, last_hash=GENESIS))
        session.flush()


def record(session: Session, *, actor_id: int | None, actor_name: str, action: str,
           object_type: str, object_id: object = None, details: dict | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits)."""
    ensure_head(session)
    # Row lock on PostgreSQL; write lock on SQLite (IMMEDIATE transaction).
    row = session.execute(
        update(AuditHead).where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).one()
    seq, prev_hash = row.last_seq, row.last_hash
    at = utcnow()
    clean = json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))
    oid = None if object_id is None else str(object_id)
    digest = _entry_hash(prev_hash, seq, at, actor_id, actor_name, action, object_type, oid, clean)
    entry = AuditEntry(seq=seq, at=at, actor_id=actor_id, actor_name=actor_name, action=action,
                       object_type=object_type, object_id=oid, details=clean,
                       prev_hash=prev_hash, hash=digest)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    return entry


@dataclass
class ChainReport:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash; report edits, deletions, insertions and reordering."""
    problems: list[str] = []
    expected_prev, expected_seq, count, last_seq = GENESIS, 1, 0, 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for e in session.scalars(stmt):
        count += 1
        if e.seq != expected_seq:
            problems.append(f"entries {expected_seq}..{e.seq - 1} are missing")
        if e.prev_hash != expected_prev:
            problems.append(f"entry {e.seq}: link to the previous entry is broken")
        recomputed = _entry_hash(e.prev_hash, e.seq, e.at, e.actor_id, e.actor_name, e.action,
                                 e.object_type, e.object_id, e.details)
        if recomputed != e.hash:
            problems.append(f"entry {e.seq}: content was changed after it was written")
        expected_prev, expected_seq, last_seq = e.hash, e.seq + 1, e.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        problems.append(f"the log ends at entry {last_seq} but {head.last_seq} were written")
    return ChainReport(entries=count, problems=problems)
