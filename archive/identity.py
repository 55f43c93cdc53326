"""Who is acting: a plain value the web layer, CLI or a job hands to use cases."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    staff_id: int | None
    username: str
    organization_id: int | None = None
    department_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    full_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def system(cls, organization_id: int | None = None) -> "Actor":
        """The installation itself (CLI set-up, demo loading, jobs)."""
        return cls(staff_id=None, username="system", organization_id=organization_id,
                   roles=frozenset({"admin", "clerk"}), full_name="Hệ thống")

    @classmethod
    def of(cls, staff) -> "Actor":
        return cls(staff_id=staff.id, username=staff.username,
                   organization_id=staff.organization_id, department_id=staff.department_id,
                   roles=frozenset(staff.roles), full_name=staff.full_name)
