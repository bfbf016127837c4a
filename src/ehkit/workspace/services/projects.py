"""Projects: one per DV organisation, created by a user who becomes its owner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import Project, ProjectSettings, User
from ehkit.workspace.schemas import ProjectEdit, ProjectIn, parse
from ehkit.workspace.services.access import add_member
from ehkit.workspace.services.audit import Actor, created
from ehkit.workspace.services.common import update


def by_slug(session: Session, slug: str) -> Project:
    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound(f"no project {slug!r}", reason="workspace_not_found")
    return project


def create_project(session: Session, owner: User | None, raw: Mapping[str, Any], actor: Actor) -> Project:
    data = parse(ProjectIn, raw, source="project")
    if session.scalar(select(Project).where(Project.slug == data.slug)) is not None:
        raise InvalidInput([Problem("slug", "slug_taken", {"slug": data.slug})], source="project")
    project = Project(**data.model_dump())
    project.settings = ProjectSettings(contact_company=data.name)
    session.add(project)
    session.flush()
    created(session, actor, project, project_id=project.id, label=data.name)
    if owner is not None:
        add_member(session, project, owner, "owner", actor)
    return project


def update_project(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> bool:
    data = parse(ProjectEdit, raw, source="project")
    return update(
        session, actor, project, data.model_dump(), project_id=project.id, label=project.name, expected_version=version
    )


def delete_project(session: Session, project: Project) -> None:
    session.delete(project)
