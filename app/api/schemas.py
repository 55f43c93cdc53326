"""JSON shapes of the API (field names from API.md)."""
from __future__ import annotations

from datetime import timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))


def _d(value):
    return value.isoformat() if value else None


def _t(value):
    return value.astimezone(VN_TZ).isoformat(timespec="seconds") if value else None


def staff_json(staff) -> dict:
    return {"id": staff.id, "username": staff.username, "full_name": staff.full_name,
            "roles": sorted(staff.roles), "position_title": staff.position_title,
            "department": ({"id": staff.department.id, "name": staff.department.name,
                            "abbreviation": staff.department.abbreviation}
                           if staff.department else None),
            "organization": {"id": staff.organization.id, "name": staff.organization.name,
                             "organ_id": staff.organization.organ_id}}


def register_json(reg) -> dict:
    return {"id": reg.id, "name": reg.name, "year": reg.year, "direction": reg.direction,
            "confidential": reg.confidential, "last_number": reg.last_number}


FIELDS = ("code_number", "code_notation", "issuer_name", "issuer_organ_id", "document_type",
          "subject", "signer_position", "signer_name", "page_count", "urgency",
          "confidentiality", "recipients", "channel", "notes", "status")


def document_json(doc, brief: bool = False) -> dict:
    body = {"id": doc.id, "direction": doc.direction, "register_id": doc.register_id,
            "register": {"id": doc.register.id, "name": doc.register.name,
                         "year": doc.register.year},
            "arrival_number": doc.arrival_number, "arrival_date": _d(doc.arrival_date),
            "issued_date": _d(doc.issued_date), "due_date": _d(doc.due_date),
            **{f: getattr(doc, f) for f in FIELDS}}
    if brief:
        return body
    body.update({
        "files": [{"id": f.id, "name": f.name, "sha256": f.sha256, "size": f.size,
                   "role": f.role, "media_type": f.media_type, "page_count": f.page_count,
                   "pdf_sha256": f.pdf_sha256, "signature_status": f.signature_status}
                  for f in doc.files],
        "created_by": {"id": doc.created_by.id, "username": doc.created_by.username,
                       "full_name": doc.created_by.full_name},
        "created_at": _t(doc.created_at)})
    return body


def task_json(task, overdue: bool = False) -> dict:
    doc = task.document
    return {"id": task.id, "step": task.bpmn_id, "name": task.name, "form": task.form,
            "lane": task.lane, "role": task.role, "status": task.status,
            "department_id": task.department_id, "assignee_id": task.assignee_id,
            "claimed_by_id": task.claimed_by_id, "delegated_to_id": task.delegated_to_id,
            "delegated_by_id": task.delegated_by_id, "due_date": _d(task.due_date),
            "due_at": _t(task.due_at), "overdue": overdue, "outcome": task.outcome,
            "context": task.context or {}, "created_at": _t(task.created_at),
            "document": {"id": doc.id, "arrival_number": doc.arrival_number,
                         "subject": doc.subject, "urgency": doc.urgency, "status": doc.status,
                         "code_number": doc.code_number, "code_notation": doc.code_notation}}


def process_json(row) -> dict:
    return {"id": row.id, "process_key": row.process_key, "version": row.version,
            "name": row.name, "sha256": row.sha256, "active": row.active, "source": row.source,
            "note": row.note, "created_at": _t(row.created_at)}


def outgoing_json(out, versions, approvals, current_approvals, task=None,
                  amendment_links=()) -> dict:
    """An outgoing document: the document plus drafting state (versions, approvals),
    and what it replaces or corrects / what replaced or corrected it (DOMAIN §2.9)."""
    body = document_json(out.document)
    body.update({
        "code_symbol": (f"{out.document.code_number}/{out.document.code_notation}"
                        if out.document.code_number else None),
        "department_id": out.department_id, "drafter_id": out.drafter_id,
        "signer_id": out.signer_id, "authority": out.authority,
        "authority_of": out.authority_of, "reply_to_id": out.reply_to_id,
        "current_version_id": out.current_version_id,
        "signed_at": _t(out.signed_at), "issued_at": _t(out.issued_at),
        "versions": [{"id": v.id, "number": v.number, "source": v.source, "name": v.name,
                      "status": v.status, "error": v.error, "pdf_sha256": v.pdf_sha256,
                      "page_count": v.page_count, "layout": v.layout,
                      "layout_report": v.layout_report, "created_at": _t(v.created_at)}
                     for v in versions],
        "approvals": [{"kind": a.kind, "version_id": a.version_id, "staff_id": a.staff_id,
                       "at": _t(a.at), "valid": a.version_id == out.current_version_id}
                      for a in approvals],
        "current_approvals": sorted(current_approvals),
        "task": ({"id": task.id, "step": task.bpmn_id, "form": task.form, "name": task.name}
                 if task else None),
        "amends": next(({"document_id": a.document_id, "kind": a.kind, "reason": a.reason,
                         "applied": a.applied} for a in amendment_links if a.role == "of"), None),
        "amended_by": [{"document_id": a.document_id, "kind": a.kind, "reason": a.reason}
                       for a in amendment_links if a.role == "by"]})
    return body
