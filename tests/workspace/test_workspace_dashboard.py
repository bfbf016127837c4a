"""The dashboard: statuses computed from the data, overrides with a reason, next actions, the portfolio."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ws_helpers import EXAMPLE, PASSWORD, actor_of, new_project

from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput
from ehkit.workspace.export import import_project
from ehkit.workspace.models import Project, User
from ehkit.workspace.services import access, dashboard, step1_group
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site


def _statuses(overview: dashboard.ProjectOverview) -> dict[int, str]:
    return {s.step: s.status for s in overview.steps}


def test_a_new_project_has_not_started_and_knows_its_days_to_go_live(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        overview = dashboard.overview(s, s.get(Project, project.id), "owner", today=date(2027, 2, 1))  # type: ignore[arg-type]
        assert set(_statuses(overview).values()) == {"not_started"}
        assert overview.days_to_go_live == 28
        step6 = overview.steps[5]
        assert {b.key for b in step6.blockers} == {"block_levels_unknown"}


def test_the_example_project_is_computed_step_by_step(db: Database, owner: Any, site: Site) -> None:
    with db.session() as s:
        project = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))
        overview = dashboard.overview(s, project, "owner")
        statuses = _statuses(overview)
        assert statuses[1] == "done" and statuses[2] == "done" and statuses[3] == "done"
        assert statuses[5] == "blocked" or statuses[5] in ("not_started", "in_progress")
        step5 = overview.steps[4]
        assert {t.key for t in step5.todo} >= {"todo_no_keys", "todo_simulator"}
        assert step5.owner is not None and step5.owner.name == "Sanne de Wit"  # R for step 5
        assert [a.title for a in overview.actions] == ["Offertes opvragen bij drie herkenningsmakelaars"]
        override = dashboard.set_override(
            s, project, 4, {"status": "in_progress", "reason": "Offertes aangevraagd"}, actor_of(owner), version=None
        )
        s.flush()
        overview = dashboard.overview(s, project, "owner")
        assert overview.steps[3].status == "in_progress" and overview.steps[3].computed == "in_progress"  # 3 quotes
        dashboard.set_override(s, project, 4, {"status": "auto"}, actor_of(owner), version=override.version)
        assert dashboard.overview(s, project, "owner").steps[3].override is None


def test_an_override_needs_a_reason_and_a_known_status(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = s.get(Project, project.id)
        for raw, key in (
            ({"status": "done"}, "override_reason"),
            ({"status": "finished", "reason": "x"}, "step_status"),
        ):
            with pytest.raises(InvalidInput) as err:
                dashboard.set_override(s, p, 2, raw, actor_of(owner), version=None)  # type: ignore[arg-type]
            assert err.value.problems[0].key == key


def test_actions_have_owners_from_the_group(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = s.get(Project, project.id)
        assert p is not None
        step1_group.add_member(s, p, {"name": "Lotte"}, actor_of(owner))
        action = dashboard.add_action(
            s, p, {"step": "6", "title": "Nieuwsbrief", "owner": "Lotte", "due": "2027-01-15"}, actor_of(owner)
        )
        s.flush()
        dashboard.update_action(
            s,
            p,
            action.id,
            {"step": 6, "title": "Nieuwsbrief", "owner": "Lotte", "done": True},
            actor_of(owner),
            version=action.version,
        )
        assert dashboard.actions(s, p, open_only=True) == []
        with pytest.raises(InvalidInput):
            dashboard.add_action(s, p, {"step": "7", "title": ""}, actor_of(owner))


def test_the_portfolio_shows_only_the_users_projects(db: Database, owner: Any) -> None:
    new_project(db, owner, "alpha")
    new_project(db, owner, "beta")
    with db.session() as s:
        other = access.create_user(s, email="supplier@x.nl", display_name="S", password=PASSWORD, actor=Actor.cli())
        s.flush()
        beta = s.query(Project).filter_by(slug="beta").one()
        access.add_member(s, beta, other, "editor", Actor.cli())
    with db.session() as s:
        assert [o.project.slug for o in dashboard.portfolio(s, s.get(User, owner.id))] == ["alpha", "beta"]  # type: ignore[arg-type]
        assert [(o.project.slug, o.role) for o in dashboard.portfolio(s, access.user_by_email(s, "supplier@x.nl"))] == [
            ("beta", "editor")
        ]  # type: ignore[arg-type]
