"""Step 1, the project group: members, their roles in the connection, and a RACI per step.

The step plan names who must be involved; a role nobody holds is a warning on
the page and a blocker on the dashboard, with the step that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import CONNECTION_ROLES, STEPS, GroupMember, Project, RaciEntry
from ehkit.workspace.schemas import MemberIn, parse
from ehkit.workspace.services.audit import Actor, created, deleted, record
from ehkit.workspace.services.common import check_version, update

#: The step of the plan that names each role (why it must be filled, and by when).
ROLE_STEP: dict[str, int] = {
    "policy_owner": 1,
    "architect": 1,
    "software_supplier": 1,
    "back_office": 2,
    "communication": 2,
    "customer_service": 6,
    "privacy_officer": 5,
    "security_officer": 5,
}


def members(session: Session, project: Project) -> list[GroupMember]:
    return list(
        session.scalars(
            select(GroupMember)
            .where(GroupMember.project_id == project.id)
            .order_by(GroupMember.position, GroupMember.id)
        )
    )


def member(session: Session, project: Project, member_id: int) -> GroupMember:
    found = session.get(GroupMember, member_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no group member {member_id} in this project", reason="workspace_not_found")
    return found


def member_by_name(session: Session, project: Project, name: str | None, *, field: str = "owner") -> GroupMember | None:
    """Look a member up by name (forms and YAML refer to people by name); unknown names are a field error."""
    if not name:
        return None
    found = session.scalar(select(GroupMember).where(GroupMember.project_id == project.id, GroupMember.name == name))
    if found is None:
        raise InvalidInput([Problem(field, "unknown_member", {"name": name})], source="member")
    return found


def _unique_name(session: Session, project: Project, name: str, exclude: int | None = None) -> None:
    query = select(GroupMember.id).where(GroupMember.project_id == project.id, GroupMember.name == name)
    if exclude is not None:
        query = query.where(GroupMember.id != exclude)
    if session.scalar(query) is not None:
        raise InvalidInput([Problem("name", "member_name_taken", {"name": name})], source="member")


def _set_raci(session: Session, project: Project, found: GroupMember, raci: Mapping[int, str]) -> dict[str, str]:
    session.execute(delete(RaciEntry).where(RaciEntry.member_id == found.id))
    for step, letter in sorted(raci.items()):
        session.add(RaciEntry(project_id=project.id, member_id=found.id, step=step, letter=letter))
    return {str(k): v for k, v in sorted(raci.items())}


def raci_of(session: Session, found: GroupMember) -> dict[str, str]:
    rows = session.scalars(select(RaciEntry).where(RaciEntry.member_id == found.id).order_by(RaciEntry.step))
    return {str(r.step): r.letter for r in rows}


def add_member(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> GroupMember:
    data = parse(MemberIn, raw, source="member")
    _unique_name(session, project, data.name)
    position = int(session.scalar(select(func.count(GroupMember.id)).where(GroupMember.project_id == project.id)) or 0)
    found = GroupMember(
        project_id=project.id, name=data.name, email=data.email, organisation=data.organisation,
        roles=data.roles, notes=data.notes, position=position,
    )  # fmt: skip
    session.add(found)
    session.flush()
    _set_raci(session, project, found, data.raci)
    created(session, actor, found, project_id=project.id, label=data.name)
    if data.raci:
        record(
            session, actor, project_id=project.id, action="update", entity="raci_entries", entity_id=found.id,
            label=data.name, before={"raci": {}}, after={"raci": {str(k): v for k, v in sorted(data.raci.items())}},
        )  # fmt: skip
    return found


def update_member(
    session: Session, project: Project, member_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> GroupMember:
    found = member(session, project, member_id)
    data = parse(MemberIn, raw, source="member")
    _unique_name(session, project, data.name, exclude=found.id)
    before_raci = raci_of(session, found)
    values = {
        "name": data.name,
        "email": data.email,
        "organisation": data.organisation,
        "roles": data.roles,
        "notes": data.notes,
    }
    changed = update(session, actor, found, values, project_id=project.id, label=data.name, expected_version=version)
    after_raci = _set_raci(session, project, found, data.raci)
    if after_raci != before_raci:
        if not changed:
            # RACI rows carry no version of their own: bump the member's, so a stale RACI form conflicts too.
            flag_modified(found, "roles")
            session.flush()
        record(
            session, actor, project_id=project.id, action="update", entity="raci_entries", entity_id=found.id,
            label=data.name, before={"raci": before_raci}, after={"raci": after_raci},
        )  # fmt: skip
    return found


def delete_member(session: Session, project: Project, member_id: int, actor: Actor, *, version: int | None) -> None:
    found = member(session, project, member_id)
    check_version(found, version, found.name)
    deleted(session, actor, found, project_id=project.id, label=found.name)
    session.delete(found)


# ------------------------------------------------------------------ what the page warns about


@dataclass(frozen=True)
class RoleGap:
    role: str
    step: int


@dataclass(frozen=True)
class RaciGap:
    step: int
    key: str  # raci_no_a, raci_many_a, raci_no_r


def coverage(session: Session, project: Project) -> dict[str, list[GroupMember]]:
    held: dict[str, list[GroupMember]] = {role: [] for role in CONNECTION_ROLES}
    for m in members(session, project):
        for role in m.roles:
            held.setdefault(role, []).append(m)
    return held


def role_gaps(session: Session, project: Project) -> list[RoleGap]:
    held = coverage(session, project)
    return [RoleGap(role, ROLE_STEP[role]) for role in CONNECTION_ROLES if not held.get(role)]


def raci_matrix(session: Session, project: Project) -> dict[int, dict[int, str]]:
    """member id -> step -> letter."""
    matrix: dict[int, dict[int, str]] = {}
    for entry in session.scalars(select(RaciEntry).where(RaciEntry.project_id == project.id)):
        matrix.setdefault(entry.member_id, {})[entry.step] = entry.letter
    return matrix


def raci_gaps(session: Session, project: Project) -> list[RaciGap]:
    matrix = raci_matrix(session, project)
    gaps: list[RaciGap] = []
    for step in STEPS:
        letters = [row.get(step) for row in matrix.values()]
        accountable = letters.count("A")
        if accountable == 0:
            gaps.append(RaciGap(step, "raci_no_a"))
        elif accountable > 1:
            gaps.append(RaciGap(step, "raci_many_a"))
        if "R" not in letters:
            gaps.append(RaciGap(step, "raci_no_r"))
    return gaps


def responsible_for(session: Session, project: Project, step: int) -> GroupMember | None:
    """Who owns the next actions of a step: its R (the first one), else its A."""
    matrix = raci_matrix(session, project)
    by_id = {m.id: m for m in members(session, project)}
    for wanted in ("R", "A"):
        for member_id, row in sorted(matrix.items()):
            if row.get(step) == wanted and member_id in by_id:
                return by_id[member_id]
    return None
