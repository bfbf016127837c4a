"""Export and import a whole project (group, inventory, answers, settings, progress) as YAML.

The document is validated with the same input models as the forms, so a file
gets the same messages as a browser user, each with its path
(``services[1].changes[0].owner``). An import runs in one transaction: if any
part fails, nothing is written. Levels are never taken from the file: they
are re-evaluated from the answers by ``ehkit.assess``, and a ``level`` in the
file that the answers do not give is an error, so a reviewed file cannot
silently disagree with the rules.

Accounts and access are not part of a project document (they belong to an
installation); neither are the audit trail and test runs (history).
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import CHECKLIST_ITEMS, Project, Service, User
from ehkit.workspace.schemas import (
    ActionIn,
    ChangeIn,
    MemberIn,
    ProjectIn,
    QuestionIn,
    ServiceIn,
    SettingsIn,
    problems_from,
)
from ehkit.workspace.services import dashboard, projects, step1_group, step2_inventory, step3_assurance, step5_connect
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site

FORMAT_VERSION = 1
MAX_BYTES = 2_000_000


class AssessmentDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]
    justification: str = ""
    level: str | None = None
    assessed_on: date | None = None


class ServiceDoc(ServiceIn):
    uuid: str | None = None
    changes: list[ChangeIn] = Field(default_factory=list)
    assessment: AssessmentDoc | None = None

    @field_validator("uuid")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise pydantic_core_error("uuid", "must be a UUID such as 3f0c2a9e-5b7d-4c1e-9a8f-2d6b1e0c7a45") from None


class OverrideDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=1, le=6)
    status: str
    reason: str


class ChecklistDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str
    delivered: bool = False
    note: str = ""

    @field_validator("item")
    @classmethod
    def _item(cls, value: str) -> str:
        if value not in CHECKLIST_ITEMS:
            raise pydantic_core_error("choice", "must be one of: {allowed}", allowed=", ".join(CHECKLIST_ITEMS))
        return value


class ProjectDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ehkit_workspace: int
    project: ProjectIn
    settings: SettingsIn = Field(default_factory=SettingsIn)
    group: list[MemberIn] = Field(default_factory=list)
    services: list[ServiceDoc] = Field(default_factory=list)
    communication_questions: list[QuestionIn] = Field(default_factory=list)
    status_overrides: list[OverrideDoc] = Field(default_factory=list)
    actions: list[ActionIn] = Field(default_factory=list)
    checklist: list[ChecklistDoc] = Field(default_factory=list)

    @field_validator("ehkit_workspace")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != FORMAT_VERSION:
            raise pydantic_core_error(
                "format_version", "must be {version} (this ehkit reads format {version})", version=FORMAT_VERSION
            )
        return value


def pydantic_core_error(key: str, message: str, **params: Any) -> Exception:
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(key, message, params)


# ------------------------------------------------------------------ reading


class _StrictLoader(yaml.SafeLoader):
    """A duplicated key would let the second value win silently; refuse it."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} on line {key_node.start_mark.line + 1}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_document(text: str | bytes, *, source: str = "project.yaml") -> ProjectDocument:
    if len(text) > MAX_BYTES:
        raise InvalidInput([Problem("", "file_too_large", {"max": MAX_BYTES})], source=source)
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InvalidInput([Problem("", "yaml_syntax", {"detail": str(exc)[:300]})], source=source) from None
    if not isinstance(data, dict):
        raise InvalidInput([Problem("", "yaml_top")], source=source)
    try:
        return ProjectDocument.model_validate(data)
    except pydantic.ValidationError as exc:
        raise InvalidInput(problems_from(exc), source=source) from None


# ------------------------------------------------------------------ import


def _check_references(doc: ProjectDocument) -> list[Problem]:
    """Every name and key the document refers to must be defined in it; collected before writing anything."""
    problems: list[Problem] = []
    names = [m.name for m in doc.group]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(Problem(f"group[{i}].name", "member_name_taken", {"name": name}))
    keys = [s.key for s in doc.services]
    for i, svc in enumerate(doc.services):
        if svc.key in keys[:i]:
            problems.append(Problem(f"services[{i}].key", "service_key_taken", {"value": svc.key}))
        if svc.index in [s.index for s in doc.services[:i]]:
            problems.append(Problem(f"services[{i}].index", "service_index_taken", {"value": svc.index}))
        if svc.eidas_for and (svc.eidas_for not in keys or svc.eidas_for == svc.key):
            problems.append(Problem(f"services[{i}].eidas_for", "unknown_service", {"key": svc.eidas_for}))
        for j, change in enumerate(svc.changes):
            if change.owner and change.owner not in names:
                problems.append(Problem(f"services[{i}].changes[{j}].owner", "unknown_member", {"name": change.owner}))
        if svc.assessment is not None:
            try:
                result = step3_assurance.assess_answers(svc.key, svc.assessment.answers)
            except InvalidInput as exc:
                problems += [Problem(f"services[{i}].assessment.answers", p.key, p.params) for p in exc.problems]
            else:
                if svc.assessment.level is not None and svc.assessment.level != result.level.label:
                    problems.append(
                        Problem(f"services[{i}].assessment.level", "level_mismatch",
                                {"level": svc.assessment.level, "computed": result.level.label})
                    )  # fmt: skip
    for i, q in enumerate(doc.communication_questions):
        if q.service and q.service not in keys:
            problems.append(Problem(f"communication_questions[{i}].service", "unknown_service", {"key": q.service}))
        if q.owner and q.owner not in names:
            problems.append(Problem(f"communication_questions[{i}].owner", "unknown_member", {"name": q.owner}))
    for i, a in enumerate(doc.actions):
        if a.owner and a.owner not in names:
            problems.append(Problem(f"actions[{i}].owner", "unknown_member", {"name": a.owner}))
    steps = [o.step for o in doc.status_overrides]
    for i, step in enumerate(steps):
        if step in steps[:i]:
            problems.append(Problem(f"status_overrides[{i}].step", "duplicate_step", {"step": step}))
    return problems


def _prefixed(exc: InvalidInput, prefix: str) -> InvalidInput:
    return InvalidInput(
        [Problem(f"{prefix}.{p.field}" if p.field else prefix, p.key, p.params) for p in exc.problems],
        source=exc.source,
    )


def import_project(
    session: Session,
    text: str | bytes,
    actor: Actor,
    site: Site,
    *,
    owner: User | None,
    slug: str | None = None,
    replace: bool = False,
    fresh_uuids: bool = False,
    source: str = "project.yaml",
) -> Project:
    """Create the project the document describes. The caller's transaction makes it all or nothing."""
    doc = load_document(text, source=source)
    problems = _check_references(doc)
    if problems:
        raise InvalidInput(problems, source=source)
    project_data = doc.project.model_dump()
    if slug is not None:
        project_data["slug"] = slug
    existing = session.scalar(select(Project).where(Project.slug == project_data["slug"]))
    if existing is not None:
        if not replace:
            raise InvalidInput(
                [Problem("project.slug", "slug_taken_import", {"slug": project_data["slug"]})], source=source
            )
        session.delete(existing)
        session.flush()
    if not fresh_uuids:
        for i, svc in enumerate(doc.services):
            if svc.uuid and session.scalar(select(Service.id).where(Service.uuid == svc.uuid)) is not None:
                problems.append(Problem(f"services[{i}].uuid", "uuid_taken_import", {"uuid": svc.uuid}))
        if problems:
            raise InvalidInput(problems, source=source)
    try:
        project = projects.create_project(session, owner, project_data, actor)
    except InvalidInput as exc:
        raise _prefixed(exc, "project") from None
    settings_raw = doc.settings.model_dump()
    try:
        step5_connect.save_settings(session, project, settings_raw, actor, site, version=None)
    except InvalidInput as exc:
        raise _prefixed(exc, "settings") from None
    for i, member in enumerate(doc.group):
        try:
            step1_group.add_member(session, project, member.model_dump(), actor)
        except InvalidInput as exc:
            raise _prefixed(exc, f"group[{i}]") from None
    created: dict[str, Service] = {}
    ordered = sorted(enumerate(doc.services), key=lambda pair: pair[1].eidas_for is not None)
    for i, svc in ordered:
        raw = svc.model_dump(exclude={"uuid", "changes", "assessment"})
        try:
            found = step2_inventory.create_service(
                session, project, raw, actor, service_uuid=None if fresh_uuids else svc.uuid
            )
            session.flush()
            for j, change in enumerate(svc.changes):
                try:
                    step2_inventory.add_change(session, project, found.id, change.model_dump(), actor)
                except InvalidInput as exc:
                    raise _prefixed(exc, f"changes[{j}]") from None
            if svc.assessment is not None:
                step3_assurance.save_assessment(
                    session,
                    project,
                    found.id,
                    svc.assessment.answers,
                    svc.assessment.justification,
                    actor,
                    version=None,
                )
                if svc.assessment.assessed_on is not None:
                    found.loa_assessed_on = svc.assessment.assessed_on
        except InvalidInput as exc:
            raise _prefixed(exc, f"services[{i}]") from None
        created[svc.key] = found
    for i, q in enumerate(doc.communication_questions):
        try:
            step2_inventory.add_question(session, project, q.model_dump(), actor)
        except InvalidInput as exc:
            raise _prefixed(exc, f"communication_questions[{i}]") from None
    for i, o in enumerate(doc.status_overrides):
        try:
            dashboard.set_override(
                session, project, o.step, {"status": o.status, "reason": o.reason}, actor, version=None
            )
        except InvalidInput as exc:
            raise _prefixed(exc, f"status_overrides[{i}]") from None
    for i, a in enumerate(doc.actions):
        try:
            dashboard.add_action(session, project, a.model_dump(), actor)
        except InvalidInput as exc:
            raise _prefixed(exc, f"actions[{i}]") from None
    for c in doc.checklist:
        step5_connect.mark_delivered(session, project, c.item, c.delivered, c.note, actor, version=None)
    session.flush()
    return project


# ------------------------------------------------------------------ export


def _pruned(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Validated, then without the fields that equal their default: the file shows only what was chosen."""
    return model.model_validate(data).model_dump(exclude_defaults=True)


def export_project(session: Session, project: Project) -> dict[str, Any]:
    members = step1_group.members(session, project)
    by_id = {m.id: m.name for m in members}
    services = step2_inventory.services(session, project)
    keys = {s.id: s.key for s in services}
    doc: dict[str, Any] = {"ehkit_workspace": FORMAT_VERSION}
    doc["project"] = _pruned(
        ProjectIn,
        {"slug": project.slug, "name": project.name, "oin": project.oin, "kvk": project.kvk,
         "sector": project.sector, "go_live": project.go_live},
    )  # fmt: skip
    settings = _pruned(SettingsIn, step5_connect.settings_form(project.settings))
    if settings:
        doc["settings"] = settings
    group = []
    for m in members:
        raci = {int(k): v for k, v in step1_group.raci_of(session, m).items()}
        group.append(_pruned(MemberIn, {"name": m.name, "email": m.email, "organisation": m.organisation,
                                        "roles": m.roles, "notes": m.notes, "raci": raci}))  # fmt: skip
    if group:
        doc["group"] = group
    out_services = []
    for s in services:
        entry = _pruned(ServiceIn, step2_inventory.service_form(s) | {"eidas_for": keys.get(s.eidas_for_id or -1)})
        entry["uuid"] = s.uuid
        changes = [
            _pruned(ChangeIn, {"title": c.title, "owner": by_id.get(c.owner_id or -1), "status": c.status})
            for c in s.changes
        ]
        if changes:
            entry["changes"] = changes
        if s.loa is not None:
            assessment: dict[str, Any] = {"answers": dict(s.loa_answers), "level": s.loa}
            if s.loa_justification:
                assessment["justification"] = s.loa_justification
            if s.loa_assessed_on:
                assessment["assessed_on"] = s.loa_assessed_on
            entry["assessment"] = assessment
        out_services.append(entry)
    if out_services:
        doc["services"] = out_services
    questions = [
        _pruned(QuestionIn, {"question": q.question, "audience": q.audience, "service": keys.get(q.service_id or -1),
                             "owner": by_id.get(q.owner_id or -1), "status": q.status, "notes": q.notes})
        for q in step2_inventory.questions(session, project)
    ]  # fmt: skip
    if questions:
        doc["communication_questions"] = questions
    manual = dashboard.overrides(session, project)
    if manual:
        doc["status_overrides"] = [
            {"step": o.step, "status": o.status, "reason": o.reason} for _, o in sorted(manual.items())
        ]
    acts = [
        _pruned(
            ActionIn,
            {"step": a.step, "title": a.title, "owner": by_id.get(a.owner_id or -1), "due": a.due, "done": a.done},
        )
        for a in dashboard.actions(session, project)
    ]
    if acts:
        doc["actions"] = acts
    marks = [m for m in step5_connect.checklist_marks(session, project) if m.delivered or m.note]
    if marks:
        doc["checklist"] = [
            {"item": m.item, "delivered": m.delivered, **({"note": m.note} if m.note else {})} for m in marks
        ]
    return doc


class _Dumper(yaml.SafeDumper):
    """Numbers written as text (OIN, KvK) are quoted, so no YAML reader turns them into integers."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if value.isdigit():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _str)


def dump_project(session: Session, project: Project) -> str:
    return yaml.dump(export_project(session, project), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def read_file(path: Path) -> bytes:
    return path.read_bytes()
