"""Step 5's simulator run as a service: the real login path per service, recorded, on both engines."""

from __future__ import annotations

from typing import Any

from ws_helpers import EXAMPLE, actor_of, loa_answers

from ehkit.workspace.db import Database
from ehkit.workspace.export import import_project
from ehkit.workspace.services import dashboard, simulator, step2_inventory, step3_assurance, step5_connect
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site


def test_every_service_of_the_example_logs_in_through_the_simulator(db: Database, owner: Any, site: Site) -> None:
    with db.session() as s:
        project = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))
        blocked = simulator.run(s, project, actor_of(owner), site)
        assert blocked.outcome == "error" and "no_keys" in blocked.result["blockers"]
        step5_connect.create_test_keys(s, project, actor_of(owner), site)
        step5_connect.use_simulator_broker(s, project, actor_of(owner), site)
        run = simulator.run(s, project, actor_of(owner), site)
        assert run.outcome == "passed", run.result
        by_key = {r["service"]: r for r in run.result["services"]}
        assert by_key["melding"]["persona"] == "anna" and by_key["melding"]["legal_subject"] == "KVK"
        assert by_key["vergunning"]["attributes"] == ["urn:etoegang:1.11:attribute-represented:CompanyName"]
        assert by_key["eidas"]["persona"] == "giulia" and by_key["eidas"]["legal_subject"] == "PSEUDO"
        assert step5_connect.last_run(s, project) is run
        overview = dashboard.overview(s, project, "owner")
        assert "todo_simulator" not in {i.key for i in overview.steps[4].todo}


def test_a_login_the_simulator_refuses_is_recorded_as_failed(db: Database, owner: Any, site: Site) -> None:
    """An eIDAS service at EH2+: the only low-level eIDAS person has EH2, too low, so the run fails."""
    melding, _ = loa_answers()
    with db.session() as s:
        project = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))
        eidas = next(x for x in step2_inventory.services(s, project) if x.key == "eidas")
        step3_assurance.save_assessment(s, project, eidas.id, melding["answers"], "", actor_of(owner), version=None)
        step5_connect.create_test_keys(s, project, actor_of(owner), site)
        step5_connect.use_simulator_broker(s, project, actor_of(owner), site)
        run = simulator.run(s, project, actor_of(owner), site)
        assert run.outcome == "failed"
        failed = {r["service"]: r for r in run.result["services"] if r["status"] == "failed"}
        assert set(failed) == {"eidas"} and failed["eidas"]["persona"] == "sophie" and failed["eidas"]["reason"]
