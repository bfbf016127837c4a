"""The dashboard: per project the six steps with a status computed from the data, what blocks each,
the next actions with their owners, and the days to go-live; and the portfolio over all projects.

A status a person sets by hand (with a reason) wins over the computed one and
is shown as such, because offline work cannot be read from the data. Step 4
is done with a recorded decision; step 6 follows its milestone tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import NotFound
from ehkit.workspace.models import STEPS, Action, GroupMember, Project, StepOverride, User, utcnow
from ehkit.workspace.schemas import ActionIn, OverrideIn, parse
from ehkit.workspace.services import (
    step1_group,
    step2_inventory,
    step3_assurance,
    step4_broker,
    step5_connect,
    step6_communication,
    zelfverklaring,
)
from ehkit.workspace.services.access import projects_of
from ehkit.workspace.services.audit import Actor, created, deleted
from ehkit.workspace.services.common import check_version, update


@dataclass(frozen=True)
class Item:
    """A blocker or a suggested action: a translation key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepStatus:
    step: int
    status: str
    computed: str
    override: StepOverride | None
    blockers: tuple[Item, ...]
    todo: tuple[Item, ...]
    owner: GroupMember | None


@dataclass(frozen=True)
class ProjectOverview:
    project: Project
    role: str
    steps: tuple[StepStatus, ...]
    actions: tuple[Action, ...]
    days_to_go_live: int | None

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.status == "done")


def _step1(session: Session, project: Project) -> tuple[str, list[Item], list[Item]]:
    members = step1_group.members(session, project)
    if not members:
        return "not_started", [], [Item("todo_add_members")]
    todo = [Item("todo_role", {"role": g.role, "step": g.step}) for g in step1_group.role_gaps(session, project)]
    todo += [
        Item(f"todo_{g.key}", {"step": g.step}) for g in step1_group.raci_gaps(session, project) if g.key != "raci_no_r"
    ]
    return ("done" if not todo else "in_progress"), [], todo


def _step2(session: Session, project: Project) -> tuple[str, list[Item], list[Item]]:
    services = step2_inventory.services(session, project)
    if not services:
        return "not_started", [], [Item("todo_add_service")]
    todo = [
        Item("todo_inventory", {"service": s.key, "fields": ", ".join(gaps)})
        for s in services
        if (gaps := step2_inventory.gaps(s))
    ]
    return ("done" if not todo else "in_progress"), [], todo


def _step3(session: Session, project: Project) -> tuple[str, list[Item], list[Item]]:
    services = step2_inventory.services(session, project)
    if not services:
        return "not_started", [Item("block_no_services")], []
    assessed = [s for s in services if s.loa is not None]
    todo = [Item("todo_assess", {"service": s.key}) for s in services if s.loa is None]
    todo += [Item("todo_reassess", {"service": s.key}) for s in assessed if not step3_assurance.is_current(s)]
    for s in assessed:
        if s.loa_needs_eidas and not s.eidas and step2_inventory.eidas_companion(session, project, s) is None:
            todo.append(Item("todo_eidas_service", {"service": s.key}))
    if not assessed:
        return "not_started", [], todo
    return ("done" if not todo else "in_progress"), [], todo


def _step4(session: Session, project: Project) -> tuple[str, list[Item], list[Item]]:
    chosen = step4_broker.decision(session, project)
    if chosen is not None:
        return "done", [], []
    broker = project.settings.broker_entity_id
    if broker and broker != step5_connect.SIMULATOR_HM:
        return "done", [], []  # chosen outside the workspace and entered in step 5
    count = len(step4_broker.quotes(session, project))
    if not count:
        return "not_started", [], [Item("todo_choose_broker")]
    todo = [Item("todo_more_quotes", {"count": count})] if count < 3 else []
    return "in_progress", [], [*todo, Item("todo_decide_broker")]


def _step5(session: Session, project: Project, step3: str) -> tuple[str, list[Item], list[Item]]:
    artefacts = step5_connect.generate_cached(session, project)
    blockers = [Item(f"block_{b.key}", b.params) for b in artefacts.blockers if b.key in ("no_services", "no_level")]
    todo = [Item(f"todo_{b.key}", b.params) for b in artefacts.blockers if b.key not in ("no_services", "no_level")]
    if artefacts.config_problems:
        todo.append(Item("todo_config_problems", {"count": len(artefacts.config_problems)}))
    items = step5_connect.checklist(session, project, artefacts)
    todo += [Item("todo_checklist", {"item": i.item}) for i in items if i.status != "ready"]
    todo += [Item("todo_deliver", {"item": i.item}) for i in items if i.status == "ready" and not i.delivered]
    statuses = {i.item: i.status for i in items}
    todo += [
        Item("todo_zelfverklaring", {"service": d.service.key})
        for d in zelfverklaring.drafts(session, project, statuses=statuses)
        if d.confirmed < len(d.declarations)
    ]
    last = step5_connect.last_run(session, project)
    if last is None or last.outcome != "passed":
        todo.append(Item("todo_simulator"))
    s = project.settings
    started = bool(s.acs_url or s.signing_key_path or s.broker_entity_id or last)
    if blockers and started:
        return "blocked", blockers, todo
    if not started:
        return "not_started", blockers, todo
    return ("done" if not todo else "in_progress"), blockers, todo


def _step6(session: Session, project: Project, step3: str, today: date) -> tuple[str, list[Item], list[Item]]:
    blockers = [] if project.go_live else [Item("block_no_go_live")]
    if step3 != "done":
        blockers.append(Item("block_levels_unknown"))
    todo: list[Item] = []
    timeline = step6_communication.plan(session, project, today=today)
    if timeline is not None and timeline.too_close:
        todo.append(Item("todo_go_live_too_close", {"date": timeline.recommended_go_live.isoformat()}))
    tasks = [t for t in step6_communication.tasks(session, project) if t.milestone]
    if not tasks:
        return "not_started", blockers, [*todo, Item("todo_inform_users")]
    open_tasks = [t for t in tasks if not t.done]
    todo += [Item("todo_comm_task", {"title": t.title, "due": t.due.isoformat() if t.due else "-"})
             for t in open_tasks[:3]]  # fmt: skip
    return ("done" if not open_tasks else "in_progress"), blockers, todo


def _computed(session: Session, project: Project, today: date) -> dict[int, tuple[str, list[Item], list[Item]]]:
    out: dict[int, tuple[str, list[Item], list[Item]]] = {1: _step1(session, project), 2: _step2(session, project)}
    out[3] = _step3(session, project)
    out[4] = _step4(session, project)
    out[5] = _step5(session, project, out[3][0])
    out[6] = _step6(session, project, out[3][0], today)
    return out


def overrides(session: Session, project: Project) -> dict[int, StepOverride]:
    return {o.step: o for o in session.scalars(select(StepOverride).where(StepOverride.project_id == project.id))}


def overview(session: Session, project: Project, role: str, *, today: date | None = None) -> ProjectOverview:
    today = today or utcnow().date()
    computed = _computed(session, project, today)
    manual = overrides(session, project)
    steps = []
    for step in STEPS:
        status, blockers, todo = computed[step]
        found = manual.get(step)
        steps.append(
            StepStatus(
                step, found.status if found else status, status, found, tuple(blockers), tuple(todo),
                step1_group.responsible_for(session, project, step),
            )
        )  # fmt: skip
    days = (project.go_live - today).days if project.go_live else None
    return ProjectOverview(project, role, tuple(steps), tuple(actions(session, project, open_only=True)), days)


def portfolio(session: Session, user: User, *, today: date | None = None) -> list[ProjectOverview]:
    """Every project the user is a member of, and only those."""
    return [overview(session, p, role, today=today) for p, role in projects_of(session, user)]


def set_override(
    session: Session, project: Project, step: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> StepOverride | None:
    if step not in STEPS:
        raise NotFound(f"no step {step}", reason="workspace_not_found")
    data = parse(OverrideIn, raw, source="status")
    found = overrides(session, project).get(step)
    if found is not None:
        check_version(found, version, f"step {step}")
    if data.status is None:
        if found is not None:
            deleted(session, actor, found, project_id=project.id, label=f"step {step} status")
            session.delete(found)
        return None
    if found is None:
        found = StepOverride(
            project_id=project.id, step=step, status=data.status, reason=data.reason, set_by_id=actor.user_id
        )
        session.add(found)
        created(session, actor, found, project_id=project.id, label=f"step {step} status")
        return found
    update(
        session, actor, found, {"status": data.status, "reason": data.reason, "set_by_id": actor.user_id, "set_at": utcnow()},
        project_id=project.id, label=f"step {step} status", expected_version=version,
    )  # fmt: skip
    return found


# ------------------------------------------------------------------ actions


def actions(session: Session, project: Project, *, open_only: bool = False) -> list[Action]:
    query = select(Action).where(Action.project_id == project.id)
    if open_only:
        query = query.where(Action.done.is_(False))
    return list(session.scalars(query.order_by(Action.done, Action.due.is_(None), Action.due, Action.id)))


def action(session: Session, project: Project, action_id: int) -> Action:
    found = session.get(Action, action_id)
    if found is None or found.project_id != project.id:
        raise NotFound(f"no action {action_id} in this project", reason="workspace_not_found")
    return found


def add_action(session: Session, project: Project, raw: Mapping[str, Any], actor: Actor) -> Action:
    data = parse(ActionIn, raw, source="action")
    owner = step1_group.member_by_name(session, project, data.owner)
    found = Action(
        project_id=project.id, step=data.step, title=data.title, owner_id=owner.id if owner else None,
        due=data.due, done=data.done,
    )  # fmt: skip
    session.add(found)
    created(session, actor, found, project_id=project.id, label=data.title)
    return found


def update_action(
    session: Session, project: Project, action_id: int, raw: Mapping[str, Any], actor: Actor, *, version: int | None
) -> Action:
    found = action(session, project, action_id)
    check_version(found, version, found.title)
    data = parse(ActionIn, raw, source="action")
    owner = step1_group.member_by_name(session, project, data.owner)
    values = {
        "step": data.step,
        "title": data.title,
        "owner_id": owner.id if owner else None,
        "due": data.due,
        "done": data.done,
    }
    update(session, actor, found, values, project_id=project.id, label=data.title, expected_version=version)
    return found


def delete_action(session: Session, project: Project, action_id: int, actor: Actor, *, version: int | None) -> None:
    found = action(session, project, action_id)
    check_version(found, version, found.title)
    deleted(session, actor, found, project_id=project.id, label=found.title)
    session.delete(found)
