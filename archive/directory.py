"""Organisations, departments and staff; passwords, lock-out and API tokens.

Passwords and signing PINs are hashed with argon2id. After
``max_failures`` wrong passwords in a row the account is locked for
``lock_minutes``; a successful login resets the count. Bumping
``session_epoch`` ends every browser session and API token of a person at
once ("log out everywhere").
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import audit
from archive.catalogues import DOCUMENT_TYPES, ROLES
from archive.db import utcnow
from archive.errors import (AccountLocked, AuthenticationFailed, Conflict, InvalidInput, Msg,
                            NotFound)
from archive.identity import Actor
from archive.models import (ApiToken, Department, DocumentType, Organization, Staff,
                            StaffRole)

_hasher = PasswordHasher()
ORGAN_ID_RE = re.compile(r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10})*$")
ABBREV_RE = re.compile(r"^[0-9A-Za-zĐđ]{1,30}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
# A fixed hash to compare against when the user does not exist (same timing).
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def check_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return bool(stored_hash) and _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def _required(value: str | None, field: str, label_vi: str, label_en: str) -> str:
    value = (value or "").strip()
    if not value:
        msg = Msg(f"Chưa nhập {label_vi}.", f"{label_en} is required.")
        raise InvalidInput(msg, {field: msg})
    return value


# --- organisations and departments -------------------------------------------

def create_organization(session: Session, actor: Actor, *, name: str, abbreviation: str,
                        organ_id: str | None = None, parent_name: str | None = None,
                        place_name: str | None = None) -> Organization:
    name = _required(name, "name", "tên cơ quan", "Name")
    abbreviation = _required(abbreviation, "abbreviation", "chữ viết tắt", "Abbreviation")
    organ_id = _check_organ_id(session, organ_id)
    org = Organization(name=name, abbreviation=abbreviation, organ_id=organ_id,
                       parent_name=parent_name, place_name=place_name)
    session.add(org)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="create",
                 object_type="organization", object_id=org.id,
                 details={"name": name, "organ_id": organ_id})
    return org


def update_organization(session: Session, actor: Actor, organization_id: int, *, name: str,
                        abbreviation: str, organ_id: str | None = None,
                        parent_name: str | None = None,
                        place_name: str | None = None) -> Organization:
    """Rename an organisation or correct its identifiers (audited with old values)."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(Msg("Không tìm thấy cơ quan.", "Organisation not found."))
    name = _required(name, "name", "tên cơ quan", "Name")
    abbreviation = _required(abbreviation, "abbreviation", "chữ viết tắt", "Abbreviation")
    organ_id = _check_organ_id(session, organ_id, exclude=org.id)
    before = {"name": org.name, "abbreviation": org.abbreviation, "organ_id": org.organ_id}
    org.name, org.abbreviation, org.organ_id = name, abbreviation, organ_id
    org.parent_name = (parent_name or "").strip() or None
    org.place_name = (place_name or "").strip() or None
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="update",
                 object_type="organization", object_id=org.id,
                 details={"before": before, "name": name, "abbreviation": abbreviation,
                          "organ_id": organ_id})
    return org


def _check_organ_id(session: Session, organ_id: str | None, exclude: int | None = None):
    organ_id = (organ_id or "").strip().upper() or None
    if organ_id and (len(organ_id) > 35 or not ORGAN_ID_RE.match(organ_id)):
        msg = Msg("Mã định danh chỉ gồm chữ in hoa, chữ số và dấu chấm, tối đa 35 ký tự "
                  "(QĐ 20/2020/QĐ-TTg), ví dụ 000.00.00.H41.",
                  "The organ identifier is uppercase letters, digits and dots, at most 35 "
                  "characters (QĐ 20/2020), e.g. 000.00.00.H41.")
        raise InvalidInput(msg, {"organ_id": msg})
    if organ_id:
        other = session.scalar(select(Organization).where(Organization.organ_id == organ_id))
        if other is not None and other.id != exclude:
            msg = Msg("Mã định danh này đã được dùng.", "This organ identifier is already used.")
            raise Conflict(msg, {"organ_id": msg})
    return organ_id


def create_department(session: Session, actor: Actor, *, organization_id: int, name: str,
                      abbreviation: str) -> Department:
    name = _required(name, "name", "tên phòng ban", "Name")
    abbreviation = _required(abbreviation, "abbreviation", "chữ viết tắt", "Abbreviation")
    if not ABBREV_RE.match(abbreviation):
        msg = Msg("Chữ viết tắt chỉ gồm chữ và số, không dấu cách.",
                  "The abbreviation is letters and digits only.")
        raise InvalidInput(msg, {"abbreviation": msg})
    if session.get(Organization, organization_id) is None:
        raise NotFound(Msg("Không tìm thấy cơ quan.", "Organisation not found."))
    exists = session.scalar(select(Department).where(
        Department.organization_id == organization_id, Department.abbreviation == abbreviation))
    if exists:
        msg = Msg("Chữ viết tắt này đã có trong cơ quan.", "This abbreviation is already used.")
        raise Conflict(msg, {"abbreviation": msg})
    dept = Department(organization_id=organization_id, name=name, abbreviation=abbreviation)
    session.add(dept)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="create",
                 object_type="department", object_id=dept.id, details={"name": name})
    return dept


# --- staff ---------------------------------------------------------------

def _check_roles(roles) -> list[str]:
    roles = sorted({r.strip() for r in roles if r and r.strip()})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        msg = Msg(f"Vai trò không hợp lệ: {', '.join(unknown)}.",
                  f"Unknown roles: {', '.join(unknown)}.")
        raise InvalidInput(msg, {"roles": msg})
    return roles


def _check_department(session: Session, department_id: int, organization_id: int) -> None:
    dept = session.get(Department, department_id)
    if dept is None or dept.organization_id != organization_id:
        msg = Msg("Phòng ban không thuộc cơ quan này.", "Department not in this organisation.")
        raise InvalidInput(msg, {"department_id": msg})


def _check_password(password: str, field: str = "password") -> None:
    if len(password or "") < 8:
        msg = Msg("Mật khẩu phải có ít nhất 8 ký tự.", "The password needs at least 8 characters.")
        raise InvalidInput(msg, {field: msg})


def create_staff(session: Session, actor: Actor, *, organization_id: int, username: str,
                 full_name: str, password: str, roles, department_id: int | None = None,
                 position_title: str | None = None, email: str | None = None,
                 signing_pin: str | None = None) -> Staff:
    username = _required(username, "username", "tên đăng nhập", "Username").lower()
    if not USERNAME_RE.match(username):
        msg = Msg("Tên đăng nhập gồm chữ thường không dấu, số, dấu chấm, gạch.",
                  "Usernames are lowercase letters, digits, dots and dashes.")
        raise InvalidInput(msg, {"username": msg})
    full_name = _required(full_name, "full_name", "họ tên", "Full name")
    _check_password(password)
    roles = _check_roles(roles)
    if session.scalar(select(Staff).where(func.lower(Staff.username) == username)):
        msg = Msg("Tên đăng nhập đã tồn tại.", "This username already exists.")
        raise Conflict(msg, {"username": msg})
    if department_id is not None:
        _check_department(session, department_id, organization_id)
    staff = Staff(organization_id=organization_id, department_id=department_id,
                  username=username, full_name=full_name, position_title=position_title,
                  email=email, password_hash=hash_secret(password),
                  signing_pin_hash=hash_secret(signing_pin) if signing_pin else None,
                  role_rows=[StaffRole(role=r) for r in roles])
    session.add(staff)
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="create",
                 object_type="staff", object_id=staff.id,
                 details={"username": username, "roles": roles})
    return staff


def update_staff(session: Session, actor: Actor, staff_id: int, *, full_name: str | None = None,
                 position_title: str | None = None, department_id: int | None = None,
                 roles=None, active: bool | None = None, email: str | None = None) -> Staff:
    staff = get_staff(session, staff_id)
    changes: dict = {}
    if full_name is not None:
        staff.full_name = _required(full_name, "full_name", "họ tên", "Full name")
        changes["full_name"] = staff.full_name
    if position_title is not None:
        staff.position_title = position_title.strip() or None
        changes["position_title"] = staff.position_title
    if email is not None:
        staff.email = email.strip() or None
    if department_id is not None:
        if department_id:
            _check_department(session, department_id, staff.organization_id)
        staff.department_id = department_id or None
        changes["department_id"] = staff.department_id
    if roles is not None:
        wanted = set(_check_roles(roles))
        staff.role_rows = [r for r in staff.role_rows if r.role in wanted] + [
            StaffRole(role=r) for r in sorted(wanted - staff.roles)]
        changes["roles"] = sorted(wanted)
    if active is not None and active != staff.active:
        staff.active = active
        staff.session_epoch += 1  # a deactivated person is logged out everywhere
        changes["active"] = active
    session.flush()
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username, action="update",
                 object_type="staff", object_id=staff.id, details=changes)
    return staff


def set_password(session: Session, actor: Actor, staff_id: int, password: str) -> None:
    staff = get_staff(session, staff_id)
    _check_password(password)
    staff.password_hash = hash_secret(password)
    staff.failed_logins, staff.locked_until = 0, None
    staff.session_epoch += 1
    audit.record(session, actor_id=actor.staff_id, actor_name=actor.username,
                 action="set_password", object_type="staff", object_id=staff.id)


def get_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(Msg("Không tìm thấy cán bộ.", "Staff member not found."))
    return staff


def find_staff(session: Session, username: str) -> Staff | None:
    return session.scalar(select(Staff).where(func.lower(Staff.username) == username.lower()))


# --- authentication -------------------------------------------------------------

BAD_LOGIN = Msg("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lock_minutes: int, now: datetime | None = None) -> Staff:
    """Check a password; count failures and lock the account after too many.

    The failure count is committed by the caller even when this raises, so
    the caller must commit after catching ``AuthenticationFailed``.
    """
    now = now or utcnow()
    staff = find_staff(session, (username or "").strip())
    if staff is None or not staff.active:
        check_secret(_DUMMY_HASH, password or "")
        raise AuthenticationFailed(BAD_LOGIN)
    if staff.locked_until and staff.locked_until > now:
        minutes = max(1, int((staff.locked_until - now).total_seconds() // 60) + 1)
        raise AccountLocked(Msg(
            f"Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần; thử lại sau {minutes} phút.",
            f"Account locked after repeated failed logins; try again in {minutes} minutes."))
    if not check_secret(staff.password_hash, password or ""):
        staff.failed_logins += 1
        if staff.failed_logins >= max_failures:
            staff.locked_until = now + timedelta(minutes=lock_minutes)
            staff.failed_logins = 0
            audit.record(session, actor_id=staff.id, actor_name=staff.username,
                         action="lock", object_type="staff", object_id=staff.id,
                         details={"minutes": lock_minutes})
        raise AuthenticationFailed(BAD_LOGIN)
    staff.failed_logins, staff.locked_until = 0, None
    audit.record(session, actor_id=staff.id, actor_name=staff.username, action="login",
                 object_type="staff", object_id=staff.id)
    return staff


def logout_everywhere(session: Session, staff: Staff) -> None:
    staff.session_epoch += 1
    audit.record(session, actor_id=staff.id, actor_name=staff.username,
                 action="logout_everywhere", object_type="staff", object_id=staff.id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, staff: Staff, hours: int,
                now: datetime | None = None) -> tuple[str, datetime]:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(ApiToken(staff_id=staff.id, token_hash=_token_digest(token), created_at=now,
                         expires_at=expires, session_epoch=staff.session_epoch))
    return token, expires


def staff_for_token(session: Session, token: str, now: datetime | None = None) -> Staff | None:
    now = now or utcnow()
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.expires_at <= now:
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active or staff.session_epoch != row.session_epoch:
        return None
    return staff


def staff_of(session: Session, organization_id: int) -> list[Staff]:
    """Everyone of an organisation, by username (the admin page)."""
    return list(session.scalars(select(Staff).where(Staff.organization_id == organization_id)
                                .order_by(Staff.username)))


def departments_of(session: Session, organization_id: int) -> list[Department]:
    """The departments of an organisation, by name (forms and lists)."""
    return list(session.scalars(select(Department).where(
        Department.organization_id == organization_id).order_by(Department.name)))


def document_types(session: Session) -> list[DocumentType]:
    """The document-type catalogue in its Decree 30 order."""
    return list(session.scalars(select(DocumentType).order_by(DocumentType.position)))


def seed_document_types(session: Session) -> None:
    """Insert the Decree 30 type list where missing (idempotent)."""
    existing = set(session.scalars(select(DocumentType.code)))
    for pos, (code, name, abbrev) in enumerate(DOCUMENT_TYPES):
        if code not in existing:
            session.add(DocumentType(code=code, name=name, abbreviation=abbrev, position=pos))
    session.flush()


def active_with_role(session: Session, organization_id: int, staff_id, role: str) -> Staff | None:
    """The active person of the organisation holding ``role``, or None."""
    person = session.get(Staff, staff_id) if staff_id is not None else None
    if (person is None or person.organization_id != organization_id or not person.active
            or role not in person.roles):
        return None
    return person
