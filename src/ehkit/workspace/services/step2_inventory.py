"""Step 2, map the situation: the service inventory, software changes per service, communication questions.

A service here is exactly one ``[[services]]`` entry of ``ehkit.toml`` later,
so its fields follow the configuration model; the inventory adds what the
step plan asks around it (channel, users, back office, data) and what an
architect needs to plan the software changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import InvalidInput, NotFound, Problem
from ehkit.workspace.models import CommunicationQuestion, Project, Service, SoftwareChange, utcnow
from ehkit.workspace.schemas import ChangeIn, QuestionIn, ServiceIn, parse
from ehkit.workspace.services.audit import Actor, created, deleted
from ehkit.workspace.services.common import check_version, update
from ehkit.workspace.services.step1_group import member_by_name

#: Inventory fields step 2 needs filled before the step counts as done.
INVENTORY_FIELDS = ("audience", "backoffice_system", "backoffice_process", "data_needed")


def services(session: Session, project: Project) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.project_id == project.id).order_by(Service.index)))


def service(session: Session, project: Project, service_id: int) -> Service:
    found = session.get(Service, service_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no service {service_id} in this project", reason="workspace_not_found")
    return found


def service_by_key(session: Session, project: Project, key: str | None, *, field: str = "service") -> Service | None:
    if not key:
        return None
    found = session.scalar(select(Service).where(Service.project_id == project.id, Service.key == key))
    if found is None:
        raise InvalidInput([Problem(field, "unknown_service", {"key": key})], source="service")
    return found


def next_index(session: Session, project: Project) -> int:
    return int(session.scalar(select(func.max(Service.index)).where(Service.project_id == project.id)) or 0) + 1


def _values(session: Session, project: Project, data: ServiceIn, own_id: int | None) -> dict[str, Any]:
    for field, value in (("key", data.key), ("index", data.index)):
        query = select(Service.id).where(Service.project_id == project.id, getattr(Service, field) == value)
        if own_id is not None:
            query = query.where(Service.id != own_id)
        if session.scalar(query) is not None:
            raise InvalidInput([Problem(field, f"service_{field}_taken", {"value": value})], source="service")
    eidas_for = service_by_key(session, project, data.eidas_for, field="eidas_for") if data.eidas_for else None
    if eidas_for is not None and (eidas_for.id == own_id or eidas_for.eidas):
        raise InvalidInput([Problem("eidas_for", "eidas_for_invalid")], source="service")
    values = data.model_dump(exclude={"eidas_for", "attributes"})
    values["attributes"] = [a.model_dump() for a in data.attributes]
    values["eidas_for_id"] = eidas_for.id if eidas_for is not None and data.eidas else None
    return values


def create_service(
    session: Session, project: Project, raw: Mapping[str, Any], actor: Actor, *, service_uuid: str | None = None
) -> Service:
    """A new service gets a fresh ServiceUUID: brokers register authorisations against it, so never share one."""
    data = parse(ServiceIn, raw, source="service")
    values = _values(session, project, data, None)
    chosen = service_uuid or str(uuid.uuid4())
    if session.scalar(select(Service.id).where(Service.uuid == chosen)) is not None:
        raise InvalidInput([Problem("uuid", "uuid_taken", {"uuid": chosen})], source="service")
    found = Service(project_id=project.id, uuid=chosen, **values)
    session.add(found)
    created(session, actor, found, project_id=project.id, label=data.key)
    return found


def update_service(
    session: Session, project: Project, service_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> Service:
    found = service(session, project, service_id)
    check_version(found, version, found.key)
    data = parse(ServiceIn, raw, source="service")
    values = _values(session, project, data, found.id)
    update(session, actor, found, values, project_id=project.id, label=data.key, expected_version=version)
    return found


def delete_service(session: Session, project: Project, service_id: int, actor: Actor, *, version: int | None) -> None:
    found = service(session, project, service_id)
    check_version(found, version, found.key)
    deleted(session, actor, found, project_id=project.id, label=found.key)
    session.delete(found)


def service_form(found: Service) -> dict[str, Any]:
    """The stored service as form/YAML input (what ServiceIn reads back)."""
    return {
        "key": found.key, "index": found.index, "name_nl": found.name_nl, "name_en": found.name_en,
        "description_nl": found.description_nl, "description_en": found.description_en,
        "description_url": found.description_url, "channel": found.channel, "audience": found.audience,
        "backoffice_system": found.backoffice_system, "backoffice_process": found.backoffice_process,
        "data_needed": found.data_needed, "identifier_sets": [list(s) for s in found.identifier_sets],
        "vestiging_allowed": found.vestiging_allowed, "intermediation": found.intermediation, "eidas": found.eidas,
        "eidas_wanted": found.eidas_wanted, "service_url_nl": found.service_url_nl,
        "service_url_en": found.service_url_en, "privacy_url_nl": found.privacy_url_nl,
        "privacy_url_en": found.privacy_url_en, "attributes": [dict(a) for a in found.attributes],
        "bsnk_structure_version": found.bsnk_structure_version,
        "bsnk_recipient_key_set_version": found.bsnk_recipient_key_set_version,
    }  # fmt: skip


def add_eidas_companion(session: Session, project: Project, service_id: int, actor: Actor) -> Service:
    """The separate eIDAS service ("European login") an eHerkenning service needs for foreign users."""
    base = service(session, project, service_id)
    if base.eidas:
        raise InvalidInput([Problem("eidas", "eidas_for_invalid")], source="service")
    key = f"{base.key[:34]}-eidas"
    raw = service_form(base) | {
        "key": key,
        "index": next_index(session, project),
        "name_nl": f"{base.name_nl[:44]} (Europese inlog)",
        "name_en": f"{base.name_en[:46]} (European login)",
        "description_nl": f"{base.description_nl[:990]} Met een erkend inlogmiddel uit een ander EU-land.",
        "description_en": f"{base.description_en[:990]} With a recognised login means from another EU country.",
        "identifier_sets": [["Pseudo"]],
        "vestiging_allowed": False,
        "intermediation": "noIntermediation",
        "eidas": True,
        "eidas_wanted": False,
        "eidas_for": base.key,
        "attributes": [],
        "bsnk_structure_version": None,
        "bsnk_recipient_key_set_version": None,
    }
    return create_service(session, project, raw, actor)


def eidas_companion(session: Session, project: Project, base: Service) -> Service | None:
    return session.scalar(
        select(Service).where(
            Service.project_id == project.id, Service.eidas_for_id == base.id, Service.eidas.is_(True)
        )
    )


def gaps(found: Service) -> list[str]:
    """Inventory fields still empty; the step is done when no service has any."""
    return [name for name in INVENTORY_FIELDS if not str(getattr(found, name) or "").strip()]


# ------------------------------------------------------------------ software changes


def change(session: Session, project: Project, change_id: int) -> SoftwareChange:
    found = session.get(SoftwareChange, change_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no software change {change_id} in this project", reason="workspace_not_found")
    return found


def add_change(
    session: Session, project: Project, service_id: int, raw: Mapping[str, Any], actor: Actor
) -> SoftwareChange:
    target = service(session, project, service_id)
    data = parse(ChangeIn, raw, source="change")
    owner = member_by_name(session, project, data.owner)
    position = len(target.changes)
    found = SoftwareChange(
        project_id=project.id, service_id=target.id, title=data.title, owner_id=owner.id if owner else None,
        status=data.status, position=position,
    )  # fmt: skip
    session.add(found)
    created(session, actor, found, project_id=project.id, label=f"{target.key}: {data.title}")
    return found


def update_change(
    session: Session, project: Project, change_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> SoftwareChange:
    found = change(session, project, change_id)
    check_version(found, version, found.title)
    data = parse(ChangeIn, raw, source="change")
    owner = member_by_name(session, project, data.owner)
    values = {"title": data.title, "owner_id": owner.id if owner else None, "status": data.status}
    update(session, actor, found, values, project_id=project.id, label=data.title, expected_version=version)
    return found


def delete_change(session: Session, project: Project, change_id: int, actor: Actor, *, version: int | None) -> None:
    found = change(session, project, change_id)
    check_version(found, version, found.title)
    deleted(session, actor, found, project_id=project.id, label=found.title)
    session.delete(found)


# ------------------------------------------------------------------ communication questions


def questions(session: Session, project: Project) -> list[CommunicationQuestion]:
    return list(
        session.scalars(
            select(CommunicationQuestion)
            .where(CommunicationQuestion.project_id == project.id)
            .order_by(CommunicationQuestion.id)
        )
    )


def question(session: Session, project: Project, question_id: int) -> CommunicationQuestion:
    found = session.get(CommunicationQuestion, question_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no communication question {question_id} in this project", reason="workspace_not_found")
    return found


def _question_values(session: Session, project: Project, data: QuestionIn) -> dict[str, Any]:
    target = service_by_key(session, project, data.service)
    owner = member_by_name(session, project, data.owner)
    return {
        "question": data.question, "audience": data.audience, "service_id": target.id if target else None,
        "owner_id": owner.id if owner else None, "status": data.status, "notes": data.notes,
    }  # fmt: skip


def add_question(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> CommunicationQuestion:
    data = parse(QuestionIn, raw, source="question")
    found = CommunicationQuestion(
        project_id=project.id, created_at=utcnow(), **_question_values(session, project, data)
    )
    session.add(found)
    created(session, actor, found, project_id=project.id, label=data.question[:80])
    return found


def update_question(
    session: Session, project: Project, question_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> CommunicationQuestion:
    found = question(session, project, question_id)
    check_version(found, version, found.question[:60])
    data = parse(QuestionIn, raw, source="question")
    update(
        session, actor, found, _question_values(session, project, data), project_id=project.id,
        label=data.question[:80], expected_version=version,
    )  # fmt: skip
    return found


def delete_question(session: Session, project: Project, question_id: int, actor: Actor, *, version: int | None) -> None:
    found = question(session, project, question_id)
    check_version(found, version, found.question[:60])
    deleted(session, actor, found, project_id=project.id, label=found.question[:80])
    session.delete(found)
