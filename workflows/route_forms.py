"""The forms of the routing steps: parsing and validation (DOMAIN §2.10, §2.11).

A diagram names the form of each user task (property ``form``); this module
turns what the person typed into (a) the data handed to the engine and (b) a
line of the processing trail. The web form and the API share it, so both
refuse the same input with the same messages, all faulty fields at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import directory
from archive.calendar import WorkCalendar
from archive.errors import InvalidInput, Msg
from archive.models import Department, Document, Staff

FORMS = ("present", "review", "direction", "assign", "handle", "opinion", "confirm",
         # outgoing documents (DOMAIN §2.9)
         "draft", "content_review", "form_review", "sign", "issue", "dispatch")

# What each form may decide; the first is the default "go on".
DECISIONS = {
    "present": ("forward",),
    "review": ("forward", "return"),
    "direction": ("direct", "return"),
    "assign": ("assign", "return"),
    "handle": ("done",),
    "opinion": ("agree", "comment"),
    "confirm": ("accept", "return"),
    "draft": ("submit",),
    "content_review": ("approve", "return"),
    "form_review": ("approve", "return"),
    "sign": ("sign", "return"),
    "issue": ("issue", "return"),
    "dispatch": ("dispatched",),
}
ROUTES = ("office_head", "leader", "department")
NOTE_MAX = 4000


@dataclass
class StepInput:
    """A validated step: data for the engine and the fields of the trail line."""

    decision: str
    data: dict[str, Any]
    content: str | None = None
    lead_department_id: int | None = None
    support_department_ids: list[int] = field(default_factory=list)
    fyi_staff_ids: list[int] = field(default_factory=list)
    assignee_id: int | None = None
    deadline: date | None = None


@dataclass
class FormContext:
    session: Session
    organization_id: int
    document: Document
    calendar: WorkCalendar
    today: date
    default_days: int = 10
    current_data: dict = field(default_factory=dict)  # the task's data before this step


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, Msg] = {}

    def add(self, name: str, vi: str, en: str) -> None:
        self.fields.setdefault(name, Msg(vi, en))

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))
            raise InvalidInput(Msg(f"Thông tin chưa hợp lệ: {first.vi}",
                                   f"Invalid input: {first.en}"), self.fields)


def _text(raw: Mapping, name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()


def _int_list(raw: Mapping, name: str, errors: _Errors) -> list[int]:
    """A list of ids from JSON (list) or a form (repeated field or comma-separated)."""
    value = raw.get(name)
    if hasattr(raw, "getlist"):
        items = raw.getlist(name)
        value = items if len(items) != 1 else items[0]
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list):
        errors.add(name, "Danh sách không hợp lệ.", "Not a valid list.")
        return []
    out: list[int] = []
    for item in value:
        try:
            number = int(str(item).strip())
        except ValueError:
            errors.add(name, "Danh sách có mục không hợp lệ.", "The list has an invalid item.")
            return []
        if number not in out:
            out.append(number)
    return out


def _int(raw: Mapping, name: str, errors: _Errors) -> int | None:
    value = _text(raw, name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors.add(name, "Giá trị không hợp lệ.", "Not a valid value.")
        return None


def _date(raw: Mapping, name: str, errors: _Errors) -> date | None:
    value = _text(raw, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.add(name, "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
                   "Invalid date (format YYYY-MM-DD).")
        return None


def _decision(form: str, raw: Mapping, errors: _Errors) -> str:
    allowed = DECISIONS[form]
    value = _text(raw, "decision") or allowed[0]
    if value not in allowed:
        errors.add("decision", "Lựa chọn không hợp lệ.", "Invalid choice.")
        return allowed[0]
    return value


def _note(raw: Mapping, errors: _Errors, *, required: bool, vi: str, en: str) -> str | None:
    value = _text(raw, "note")
    if len(value) > NOTE_MAX:
        errors.add("note", f"Nội dung quá dài (tối đa {NOTE_MAX} ký tự).",
                   f"Too long (at most {NOTE_MAX} characters).")
    if required and not value:
        errors.add("note", vi, en)
    return value or None


def _department(ctx: FormContext, dept_id: int | None, name: str, errors: _Errors,
                required: bool) -> int | None:
    if dept_id is None:
        if required:
            errors.add(name, "Chọn đơn vị chủ trì.", "Choose the lead department.")
        return None
    dept = ctx.session.get(Department, dept_id)
    if dept is None or dept.organization_id != ctx.organization_id:
        errors.add(name, "Đơn vị không thuộc cơ quan.", "Unknown department.")
        return None
    return dept_id


def _departments(ctx: FormContext, ids: list[int], name: str, errors: _Errors) -> list[int]:
    if not ids:
        return []
    found = set(ctx.session.scalars(select(Department.id).where(
        Department.id.in_(ids), Department.organization_id == ctx.organization_id)))
    if found != set(ids):
        errors.add(name, "Có đơn vị không thuộc cơ quan.", "Unknown department in the list.")
        return []
    return ids


def _staff_ids(ctx: FormContext, ids: list[int], name: str, errors: _Errors) -> list[int]:
    if not ids:
        return []
    found = set(ctx.session.scalars(select(Staff.id).where(
        Staff.id.in_(ids), Staff.organization_id == ctx.organization_id, Staff.active)))
    if found != set(ids):
        errors.add(name, "Có người nhận không thuộc cơ quan.", "Unknown person in the list.")
        return []
    return ids


def _deadline(ctx: FormContext, raw: Mapping, name: str, errors: _Errors,
              latest: date | None = None) -> date:
    """The deadline typed, or the document's, or N working days from today."""
    value = _date(raw, name, errors)
    if value is None:
        value = ctx.document.due_date if (ctx.document.due_date and ctx.document.due_date
                                          >= ctx.today) else None
    if value is None:
        value = ctx.calendar.add_working_days(ctx.today, ctx.default_days)
    if value < ctx.today:
        errors.add(name, "Hạn xử lý không được trước hôm nay.",
                   "The deadline cannot be before today.")
    if latest is not None and value > latest:
        errors.add(name, f"Hạn không được sau hạn của lãnh đạo ({latest:%d/%m/%Y}).",
                   f"The deadline cannot be after the leader's ({latest.isoformat()}).")
    return value


def _deadline_data(ctx: FormContext, deadline: date) -> dict[str, str]:
    return {"deadline": deadline.isoformat(),
            "deadline_at": ctx.calendar.deadline_moment(deadline).isoformat()}


RETURN_REASON = ("Ghi rõ lý do trả lại.", "Give the reason for sending it back.")


# --- one parser per form ---------------------------------------------------------

def _present(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    route = _text(raw, "route") or "leader"
    if route not in ROUTES:
        errors.add("route", "Hướng chuyển không hợp lệ.", "Invalid route.")
    note = _note(raw, errors, required=False, vi="", en="")
    data: dict[str, Any] = {"route": route, "decision": "forward", "note": note or "",
                            "support_department_ids": []}
    step = StepInput("forward", data, content=note)
    if route == "department":
        lead = _department(ctx, _int(raw, "lead_department_id", errors), "lead_department_id",
                           errors, required=True)
        deadline = _deadline(ctx, raw, "deadline", errors)
        data.update(lead_department_id=lead, **_deadline_data(ctx, deadline))
        step.lead_department_id, step.deadline = lead, deadline
    return step


def _review(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    decision = _decision("review", raw, errors)
    note = _note(raw, errors, required=decision == "return", vi=RETURN_REASON[0],
                 en=RETURN_REASON[1])
    return StepInput(decision, {"decision": decision, "note": note or ""}, content=note)


def _direction(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    decision = _decision("direction", raw, errors)
    if decision == "return":
        note = _note(raw, errors, required=True, vi=RETURN_REASON[0], en=RETURN_REASON[1])
        return StepInput(decision, {"decision": decision, "note": note or ""}, content=note)
    note = _note(raw, errors, required=False, vi="", en="")
    lead = _department(ctx, _int(raw, "lead_department_id", errors), "lead_department_id",
                       errors, required=True)
    support = _departments(ctx, _int_list(raw, "support_department_ids", errors),
                           "support_department_ids", errors)
    if lead is not None and lead in support:
        errors.add("support_department_ids", "Đơn vị chủ trì không đồng thời là đơn vị phối hợp.",
                   "The lead department cannot also be a supporting one.")
    fyi = _staff_ids(ctx, _int_list(raw, "fyi_staff_ids", errors), "fyi_staff_ids", errors)
    deadline = _deadline(ctx, raw, "deadline", errors)
    data = {"decision": decision, "note": note or "", "lead_department_id": lead,
            "support_department_ids": support, "fyi_staff_ids": fyi,
            **_deadline_data(ctx, deadline)}
    return StepInput(decision, data, content=note, lead_department_id=lead,
                     support_department_ids=support, fyi_staff_ids=fyi, deadline=deadline)


def _assign(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    decision = _decision("assign", raw, errors)
    if decision == "return":
        note = _note(raw, errors, required=True, vi=RETURN_REASON[0], en=RETURN_REASON[1])
        return StepInput(decision, {"decision": decision, "note": note or ""}, content=note)
    note = _note(raw, errors, required=False, vi="", en="")
    specialist = _int(raw, "specialist_id", errors)
    lead = ctx.current_data.get("lead_department_id")
    if specialist is None:
        errors.add("specialist_id", "Chọn chuyên viên xử lý.", "Choose the specialist.")
    else:
        person = ctx.session.get(Staff, specialist)
        if (person is None or not person.active or person.organization_id != ctx.organization_id
                or (lead is not None and person.department_id != lead)):
            errors.add("specialist_id", "Người xử lý phải thuộc đơn vị chủ trì.",
                       "The handler must belong to the lead department.")
    latest = _leader_deadline(ctx)
    if _text(raw, "specialist_deadline"):
        own = _deadline(ctx, raw, "specialist_deadline", errors, latest=latest)
    else:
        own = latest or ctx.calendar.add_working_days(ctx.today, ctx.default_days)
    data = {"decision": decision, "note": note or "", "specialist_id": specialist,
            "specialist_deadline": own.isoformat(),
            "deadline_at": ctx.calendar.deadline_moment(own).isoformat()}
    return StepInput(decision, data, content=note, assignee_id=specialist, deadline=own)


def _leader_deadline(ctx: FormContext) -> date | None:
    value = ctx.current_data.get("deadline")
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _handle(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    note = _note(raw, errors, required=True, vi="Nhập kết quả xử lý.",
                 en="Enter the result of the handling.")
    return StepInput("done", {"decision": "done", "result": note or "", "note": note or ""},
                     content=note)


def _opinion(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    decision = _decision("opinion", raw, errors)
    note = _note(raw, errors, required=True, vi="Nhập ý kiến phối hợp.",
                 en="Enter the department's opinion.")
    return StepInput(decision, {"opinion": note or "", "opinion_decision": decision},
                     content=note)


def _confirm(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    decision = _decision("confirm", raw, errors)
    note = _note(raw, errors, required=decision == "return", vi=RETURN_REASON[0],
                 en=RETURN_REASON[1])
    return StepInput(decision, {"decision": decision, "note": note or ""}, content=note)


def _outgoing_review(form: str):
    """Approve or send back with a reason (content, form, signature, issue)."""
    def parse(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
        decision = _decision(form, raw, errors)
        note = _note(raw, errors, required=decision == "return", vi=RETURN_REASON[0],
                     en=RETURN_REASON[1])
        return StepInput(decision, {"decision": decision, "note": note or ""}, content=note)
    return parse


def _draft(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    """The drafter submits (again): optionally names the leader who will sign."""
    note = _note(raw, errors, required=False, vi="", en="")
    data: dict[str, Any] = {"decision": "submit", "note": note or ""}
    signer = _int(raw, "signer_id", errors)
    if signer is not None:
        if directory.active_with_role(ctx.session, ctx.organization_id, signer, "leader") is None:
            errors.add("signer_id", "Người ký phải là lãnh đạo của cơ quan.",
                       "The signer must be a leader of the agency.")
        else:
            data["signer_id"] = signer
    return StepInput("submit", data, content=note)


def _dispatch(ctx: FormContext, raw: Mapping, errors: _Errors) -> StepInput:
    note = _note(raw, errors, required=False, vi="", en="")
    return StepInput("dispatched", {"decision": "dispatched", "note": note or ""}, content=note)


PARSERS = {"present": _present, "review": _review, "direction": _direction,
           "assign": _assign, "handle": _handle, "opinion": _opinion, "confirm": _confirm,
           "draft": _draft, "content_review": _outgoing_review("content_review"),
           "form_review": _outgoing_review("form_review"), "sign": _outgoing_review("sign"),
           "issue": _outgoing_review("issue"), "dispatch": _dispatch}


def parse_step(form: str, raw: Mapping, ctx: FormContext) -> StepInput:
    """Validate ``raw`` for the step form ``form``; InvalidInput lists every bad field."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(Msg("Dữ liệu không hợp lệ.", "Malformed data."))
    parser = PARSERS.get(form)
    if parser is None:
        raise InvalidInput(Msg(f"Biểu mẫu '{form}' không được hỗ trợ.",
                               f"Form '{form}' is not supported."))
    errors = _Errors()
    step = parser(ctx, raw, errors)
    errors.raise_if_any()
    return step
