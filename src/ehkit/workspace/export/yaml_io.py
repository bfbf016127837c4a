"""Export and import a whole project (group, inventory, answers, settings, progress) as YAML.

The document is validated with the same input models as the forms, so a file
gets the same messages as a browser user, each with its path
(``services[1].changes[0].owner``). An import runs in one transaction: if any
part fails, nothing is written. Levels are never taken from the file: they
are re-evaluated from the answers by ``ehkit.assess``, and a ``level`` in the
file that the answers do not give is an error, so a reviewed file cannot
silently disagree with the rules.

Accounts and access are not part of a project document (they belong to an
installation); neither are the audit trail and test runs (history). Step 4
(``broker_comparison``: settings, criteria, the project's own brokers, quotes
with their scores, the decision), step 6 (``communication``: plan and edited
key messages; its tasks are ``actions`` with a ``milestone``) and the
zelfverklaring (``declarations``) are part of it; amounts are written as
quoted text with two decimals so no reader turns them into floats.
Declarations imported as confirmed are recorded as confirmed by whoever
imports the file.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import InvalidInput, Problem
from ehkit.workspace.models import (
    CHECKLIST_ITEMS,
    DECLARATION_ITEMS,
    KEY_MESSAGES,
    MILESTONES,
    PRESET_CRITERIA,
    BrokerComparison,
    CommunicationPlan,
    Project,
    QuoteCriterion,
    Service,
    User,
)
from ehkit.workspace.schemas import (
    ActionIn,
    ChangeIn,
    ComparisonIn,
    CriterionIn,
    DecisionIn,
    DeclarationIn,
    KeyMessageIn,
    MemberIn,
    PlanIn,
    ProjectBrokerIn,
    ProjectIn,
    QuestionIn,
    QuoteIn,
    ServiceIn,
    SettingsIn,
    problems_from,
)
from ehkit.workspace.services import (
    dashboard,
    projects,
    step1_group,
    step2_inventory,
    step3_assurance,
    step4_broker,
    step5_connect,
    step6_communication,
    zelfverklaring,
)
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


def _choice_of(allowed: tuple[str, ...]) -> Any:
    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise pydantic_core_error("choice", "must be one of: {allowed}", allowed=", ".join(allowed))
        return value

    return check


class ActionDoc(ActionIn):
    milestone: str | None = None

    _milestone = field_validator("milestone")(_choice_of(MILESTONES))


class QuoteDoc(QuoteIn):
    scores: dict[str, Any] = Field(default_factory=dict)


class ComparisonDoc(ComparisonIn):
    criteria: list[CriterionIn] = Field(default_factory=list)
    brokers: list[ProjectBrokerIn] = Field(default_factory=list)
    quotes: list[QuoteDoc] = Field(default_factory=list)
    decision: DecisionIn | None = None


class MessageDoc(KeyMessageIn):
    key: str

    _key = field_validator("key")(_choice_of(KEY_MESSAGES))


class CommunicationDoc(PlanIn):
    messages: list[MessageDoc] = Field(default_factory=list)


class DeclarationDoc(DeclarationIn):
    service: str
    item: str

    _item = field_validator("item")(_choice_of(DECLARATION_ITEMS))


class ProjectDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ehkit_workspace: int
    project: ProjectIn
    settings: SettingsIn = Field(default_factory=SettingsIn)
    group: list[MemberIn] = Field(default_factory=list)
    services: list[ServiceDoc] = Field(default_factory=list)
    communication_questions: list[QuestionIn] = Field(default_factory=list)
    status_overrides: list[OverrideDoc] = Field(default_factory=list)
    actions: list[ActionDoc] = Field(default_factory=list)
    checklist: list[ChecklistDoc] = Field(default_factory=list)
    broker_comparison: ComparisonDoc | None = None
    communication: CommunicationDoc | None = None
    declarations: list[DeclarationDoc] = Field(default_factory=list)

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
    seen_milestones: set[str] = set()
    for i, a in enumerate(doc.actions):
        if a.milestone and a.milestone in seen_milestones:
            problems.append(Problem(f"actions[{i}].milestone", "duplicate_milestone", {"milestone": a.milestone}))
        if a.milestone:
            seen_milestones.add(a.milestone)
    for i, d in enumerate(doc.declarations):
        if d.service not in keys:
            problems.append(Problem(f"declarations[{i}].service", "unknown_service", {"key": d.service}))
    comparison = doc.broker_comparison
    if comparison is not None:
        criteria = [c.key for c in comparison.criteria] or [key for key, _, _ in PRESET_CRITERIA]
        kinds = {c.key: c.kind for c in comparison.criteria} or {k: kind for k, kind, _ in PRESET_CRITERIA}
        if comparison.criteria and sum(c.weight for c in comparison.criteria) == 0:
            problems.append(Problem("broker_comparison.criteria", "weights_sum_zero"))
        known = {b.key for b in step4_broker.broker_data().brokers} | {b.key for b in comparison.brokers}
        for i, quote in enumerate(comparison.quotes):
            if quote.broker not in known:
                problems.append(
                    Problem(f"broker_comparison.quotes[{i}].broker", "unknown_broker", {"key": quote.broker})
                )
            for key in quote.scores:
                if key not in criteria or kinds.get(key) != "manual":
                    problems.append(
                        Problem(f"broker_comparison.quotes[{i}].scores.{key}", "unknown_criterion", {"key": key})
                    )
        quoted = [x.broker for x in comparison.quotes]
        if comparison.decision is not None and comparison.decision.broker not in quoted:
            problems.append(
                Problem("broker_comparison.decision.broker", "decision_no_quote", {"key": comparison.decision.broker})
            )
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
            found_action = dashboard.add_action(session, project, a.model_dump(exclude={"milestone"}), actor)
            if a.milestone:
                found_action.milestone = a.milestone
        except InvalidInput as exc:
            raise _prefixed(exc, f"actions[{i}]") from None
    for c in doc.checklist:
        step5_connect.mark_delivered(session, project, c.item, c.delivered, c.note, actor, version=None)
    _import_step4(session, project, doc, actor)
    _import_step6(session, project, doc, actor, created)
    session.flush()
    return project


def _import_step4(session: Session, project: Project, doc: ProjectDocument, actor: Actor) -> None:
    comparison = doc.broker_comparison
    if comparison is None:
        return
    prefix = "broker_comparison"
    try:
        step4_broker.save_comparison(
            session, project, comparison.model_dump(include={"horizon_years", "logins_per_year", "services_count"}),
            actor, version=None,
        )  # fmt: skip
        if comparison.criteria:
            step4_broker.set_criteria(session, project, [c.model_dump() for c in comparison.criteria], actor)
            session.flush()
        for i, b in enumerate(comparison.brokers):
            try:
                step4_broker.add_project_broker(session, project, b.model_dump(), actor)
            except InvalidInput as exc:
                raise _prefixed(exc, f"{prefix}.brokers[{i}]") from None
        session.flush()
        for i, q in enumerate(comparison.quotes):
            try:
                found = step4_broker.add_quote(session, project, q.model_dump(exclude={"scores"}), actor)
                session.flush()
                for key, score in q.scores.items():
                    step4_broker.set_score(session, project, found.id, key, {"score": score}, actor)
            except InvalidInput as exc:
                raise _prefixed(exc, f"{prefix}.quotes[{i}]") from None
        if comparison.decision is not None:
            session.flush()
            try:
                step4_broker.record_decision(session, project, comparison.decision.model_dump(), actor)
            except InvalidInput as exc:
                raise _prefixed(exc, f"{prefix}.decision") from None
    except InvalidInput as exc:
        if exc.problems and exc.problems[0].field.startswith(prefix):
            raise
        raise _prefixed(exc, prefix) from None


def _import_step6(
    session: Session, project: Project, doc: ProjectDocument, actor: Actor, services: dict[str, Service]
) -> None:
    if doc.communication is not None:
        try:
            step6_communication.save_plan(
                session, project, doc.communication.model_dump(exclude={"messages"}), actor, version=None
            )
            for i, m in enumerate(doc.communication.messages):
                try:
                    step6_communication.save_message(
                        session, project, m.key, m.model_dump(exclude={"key"}), actor, version=None
                    )
                except InvalidInput as exc:
                    raise _prefixed(exc, f"messages[{i}]") from None
        except InvalidInput as exc:
            raise _prefixed(exc, "communication") from None
    for i, d in enumerate(doc.declarations):
        try:
            zelfverklaring.confirm(
                session, project, services[d.service].id, d.item, d.model_dump(include={"confirmed", "note"}), actor,
                version=None,
            )  # fmt: skip
        except InvalidInput as exc:
            raise _prefixed(exc, f"declarations[{i}]") from None


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
            ActionDoc,
            {"step": a.step, "title": a.title, "owner": by_id.get(a.owner_id or -1), "due": a.due, "done": a.done,
             "milestone": a.milestone},
        )
        for a in dashboard.actions(session, project)
    ]  # fmt: skip
    if acts:
        doc["actions"] = acts
    marks = [m for m in step5_connect.checklist_marks(session, project) if m.delivered or m.note]
    if marks:
        doc["checklist"] = [
            {"item": m.item, "delivered": m.delivered, **({"note": m.note} if m.note else {})} for m in marks
        ]
    comparison = _export_step4(session, project)
    if comparison:
        doc["broker_comparison"] = comparison
    communication = _export_step6(session, project)
    if communication:
        doc["communication"] = communication
    declarations = [
        {"service": d.service.key, "item": x.item, "confirmed": x.confirmed, **({"note": x.note} if x.note else {})}
        for d in zelfverklaring.drafts(session, project, statuses={})
        for x in d.declarations
        if x.version is not None
    ]
    if declarations:
        doc["declarations"] = declarations
    return doc


def _number(value: Decimal) -> int | float:
    """A weight or score as a plain YAML number (int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _amounts(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in data.items()}


def _export_step4(session: Session, project: Project) -> dict[str, Any]:
    out: dict[str, Any] = {}
    stored = session.scalar(select(BrokerComparison).where(BrokerComparison.project_id == project.id))
    if stored is not None:
        out |= _pruned(ComparisonIn, {"horizon_years": stored.horizon_years, "logins_per_year": stored.logins_per_year,
                                      "services_count": stored.services_count})  # fmt: skip
    rows = session.scalars(
        select(QuoteCriterion)
        .where(QuoteCriterion.project_id == project.id)
        .order_by(QuoteCriterion.position, QuoteCriterion.id)
    ).all()
    presets = [(key, kind, Decimal(weight)) for key, kind, weight in PRESET_CRITERIA]
    mine = [(c.key, c.kind, c.weight) for c in rows]
    names_default = all(step4_broker.PRESET_NAMES.get(c.key) == (c.name_nl, c.name_en) for c in rows)
    if rows and (mine != presets or not names_default):
        out["criteria"] = [
            {"key": c.key, "name_nl": c.name_nl, "name_en": c.name_en, "kind": c.kind, "weight": _number(c.weight)}
            for c in rows
        ]
    own = step4_broker.project_brokers(session, project)
    if own:
        out["brokers"] = [
            _pruned(ProjectBrokerIn, {"key": b.key, "name": b.name, "website": b.website,
                                      "interfaces": list(b.interfaces), "notes": b.notes})
            for b in own
        ]  # fmt: skip
    by_id = {c.id: c.key for c in rows}
    all_scores = step4_broker.scores(session, project)
    quotes = []
    for q in step4_broker.quotes(session, project):
        entry = _amounts(_pruned(QuoteIn, step4_broker.quote_form(q)))
        if "sla_options" in entry:
            entry["sla_options"] = [_amounts(o) for o in entry["sla_options"]]
            for o in entry["sla_options"]:
                if "availability_pct" in o:
                    o["availability_pct"] = _number(Decimal(o["availability_pct"]))
        given = {by_id[cid]: _number(sc.score) for (qid, cid), sc in sorted(all_scores.items()) if qid == q.id}
        if given:
            entry["scores"] = given
        quotes.append(entry)
    if quotes:
        out["quotes"] = quotes
    chosen = step4_broker.decision(session, project)
    if chosen is not None:
        out["decision"] = {"broker": chosen.broker_key, "justification": chosen.justification,
                           "decided_on": chosen.decided_on}  # fmt: skip
    return out


def _export_step6(session: Session, project: Project) -> dict[str, Any]:
    out: dict[str, Any] = {}
    stored = session.scalar(select(CommunicationPlan).where(CommunicationPlan.project_id == project.id))
    if stored is not None:
        out |= _pruned(PlanIn, {"required_from": stored.required_from, "info_url": stored.info_url,
                                "contact": stored.contact, "notes": stored.notes})  # fmt: skip
    edited = step6_communication.stored_messages(session, project)
    if edited:
        out["messages"] = [
            {"key": key, "text_nl": edited[key].text_nl, "text_en": edited[key].text_en}
            for key in KEY_MESSAGES
            if key in edited
        ]
    return out


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
