"""Step 5's conformance runs: the form's validation, a run against the project's own DV, its kept reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from ws_conformance import RunningDv, start_project_dv
from ws_helpers import EXAMPLE, actor_of, new_project

from ehkit.workspace.db import Database
from ehkit.workspace.errors import InvalidInput, NotFound
from ehkit.workspace.export import import_project
from ehkit.workspace.models import Project, TestRun
from ehkit.workspace.services import conformance_runs
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site

pytestmark = pytest.mark.network


def _problems(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.key for p in exc.value.problems}


def test_the_form_names_every_wrong_field(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = s.merge(project)
        with pytest.raises(InvalidInput) as exc:
            conformance_runs.save_target(s, p, {}, actor_of(owner), version=None)
        assert _problems(exc) == {"login_url": "required", "success_url": "conformance_detector"}
        raw = {"login_url": "ftp://dv.example/login", "success_url": "not a url", "identity_url": "https://",
               "simulator_url": "http://127.0.0.1:8801/path", "only": "NO-SUCH-CHECK"}  # fmt: skip
        with pytest.raises(InvalidInput) as exc:
            conformance_runs.save_target(s, p, raw, actor_of(owner), version=None)
        assert _problems(exc) == {
            "login_url": "conformance_url", "success_url": "conformance_url", "identity_url": "conformance_url",
            "simulator_url": "conformance_simulator_url", "only": "conformance_only",
        }  # fmt: skip
        assert "NO-SUCH-CHECK" in exc.value.problems[-1].params["detail"]
        saved = conformance_runs.save_target(
            s, p, {"login_url": "https://dv.example/login/{service}", "success_text": "Welkom", "only": "meta-*"},
            actor_of(owner), version=None,
        )  # fmt: skip
        assert saved.simulator_url == conformance_runs.DEFAULT_SIMULATOR_URL and saved.only == "meta-*"
        assert conformance_runs.target_form(saved)["login_url"] == "https://dv.example/login/{service}"


def test_a_project_without_metadata_cannot_start_a_run(db: Database, owner: Any) -> None:
    project = new_project(db, owner)
    with db.session() as s:
        p = s.merge(project)
        with pytest.raises(InvalidInput) as exc:
            conformance_runs.start(
                s, p, {"login_url": "https://dv.example/login", "success_text": "ok"}, actor_of(owner), version=None
            )
        assert _problems(exc) == {"_form": "conformance_not_ready"}
        assert conformance_runs.runs(s, p) == []


def test_a_run_without_progress_for_long_shows_as_interrupted_and_frees_the_next() -> None:
    now = datetime.now(UTC)
    run = TestRun(kind="conformance", outcome="running", started_at=now, result={"heartbeat": now.isoformat()})
    assert conformance_runs.status(run, now + timedelta(minutes=1)) == "running"
    assert conformance_runs.status(run, now + conformance_runs.STALE_AFTER + timedelta(seconds=1)) == "interrupted"
    run.outcome = "failed"
    assert conformance_runs.status(run, now + timedelta(days=3)) == "failed"


@pytest.fixture
def dv(db: Database, owner: Any, site: Site, tmp_path: Path) -> Iterator[RunningDv]:
    with db.session() as s:
        import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=s.merge(owner))
    running = start_project_dv(db, "voorbeeldstad", site, tmp_path)
    try:
        yield running
    finally:
        running.server.__exit__()


def test_a_run_against_the_projects_own_dv_keeps_its_three_reports(
    db: Database, owner: Any, site: Site, dv: RunningDv
) -> None:
    with db.session() as s:
        project = s.query(Project).filter_by(slug="voorbeeldstad").one()
        run = conformance_runs.start(s, project, dv.form(only="META-XSD, CAT-XSD, LOGIN-SUCCESS"), actor_of(owner),
                                     version=None)  # fmt: skip
        assert conformance_runs.status(run) == "running"
        # a second run while the first one is running is refused
        with pytest.raises(InvalidInput) as exc:
            conformance_runs.start(s, project, dv.form(), actor_of(owner), version=None)
        assert _problems(exc) == {"_form": "conformance_busy"}
        run_id = run.id
    assert conformance_runs.execute(db, run_id, site) == "passed"
    with db.session() as s:
        project = s.query(Project).filter_by(slug="voorbeeldstad").one()
        run = conformance_runs.run_of(s, project, run_id)
        summary = run.result["summary"]
        assert summary["line"] == "3 passed, 0 failed, 0 manual" and summary["mandatory_failures"] == []
        assert run.finished_at is not None and run.result["progress"]["phase"] == "done"
        assert run.result["inputs"]["services"] == ["melding", "vergunning", "eidas"]
        kept = conformance_runs.report(s, project, run_id)
        data = json.loads(kept.json)
        assert {r["id"] for r in data["results"]} == {"META-XSD", "CAT-XSD", "LOGIN-SUCCESS"}
        assert "LOGIN-SUCCESS" in kept.html and "<html" in kept.html
        assert etree.fromstring(kept.junit.encode("utf-8")).get("tests") == "3"
        assert conformance_runs.last_run(s, project) is run


def test_a_dv_that_is_not_there_is_reported_as_failed_not_as_an_error(
    db: Database, owner: Any, site: Site, dv: RunningDv
) -> None:
    with db.session() as s:
        project = s.query(Project).filter_by(slug="voorbeeldstad").one()
        form = dv.form(login_url="http://127.0.0.1:9/login/{service}", only="LOGIN-SUCCESS")
        run_id = conformance_runs.start(s, project, form, actor_of(owner), version=None).id
    assert conformance_runs.execute(db, run_id, site) == "failed"
    with db.session() as s:
        run = s.get(TestRun, run_id)
        assert run is not None and run.result["summary"]["mandatory_failures"] == ["LOGIN-SUCCESS"]


def test_another_projects_run_is_not_found(db: Database, owner: Any, site: Site, dv: RunningDv) -> None:
    other = new_project(db, owner, slug="andersdorp")
    with db.session() as s:
        project = s.query(Project).filter_by(slug="voorbeeldstad").one()
        run_id = conformance_runs.start(s, project, dv.form(only="META-XSD"), actor_of(owner), version=None).id
    with db.session() as s:
        with pytest.raises(NotFound):
            conformance_runs.run_of(s, s.merge(other), run_id)
        with pytest.raises(NotFound):  # no report before the run finished
            conformance_runs.report(s, s.query(Project).filter_by(slug="voorbeeldstad").one(), run_id)


def test_viewers_read_the_kept_reports_editors_run_and_other_projects_see_nothing(
    db: Database, owner: Any, site: Site
) -> None:
    import re
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from ws_helpers import PASSWORD

    from ehkit.workspace.models import ConformanceReport
    from ehkit.workspace.services import access
    from ehkit.workspace.web import create_app

    project = new_project(db, owner)
    with db.session() as s:
        viewer = access.create_user(s, email="v@x.nl", display_name="V", password=PASSWORD, actor=Actor.cli())
        other = access.create_user(s, email="o@x.nl", display_name="O", password=PASSWORD, actor=Actor.cli())
        s.flush()
        access.add_member(s, s.merge(project), viewer, "viewer", Actor.cli())
    new_project(db, other, slug="andersdorp")
    with db.session() as s:
        run = TestRun(project_id=project.id, kind="conformance", outcome="failed", finished_at=datetime.now(UTC),
                      result={"summary": {"line": "1 passed, 1 failed, 0 manual", "mandatory_failures": ["X-1"]}})  # fmt: skip
        s.add(run)
        s.flush()
        s.add(ConformanceReport(test_run_id=run.id, project_id=project.id, html="<html><style>p{}</style>ok</html>",
                                json='{"results": []}', junit="<testsuites/>"))  # fmt: skip
        run_id = run.id

    def client(email: str) -> Any:
        c = TestClient(create_app(db, site), follow_redirects=False)
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"})
        return c

    c = client("v@x.nl")
    page = c.get("/p/voorbeeldstad/step5")
    assert page.status_code == 200 and 'data-testid="conformance-form"' not in page.text
    assert "1 passed, 1 failed, 0 manual" in page.text and "X-1" in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = c.post("/p/voorbeeldstad/step5/conformance", data={"csrf": token, "login_url": "https://a.example/"})
    assert refused.status_code == 403
    html = c.get(f"/p/voorbeeldstad/step5/conformance/{run_id}/report.html")
    assert html.status_code == 200 and html.text.endswith("ok</html>")
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    junit = c.get(f"/p/voorbeeldstad/step5/conformance/{run_id}/report.junit.xml")
    assert (
        junit.headers["content-disposition"]
        == f'attachment; filename="voorbeeldstad-conformance-{run_id}-report.junit.xml"'
    )
    assert c.get(f"/p/voorbeeldstad/step5/conformance/{run_id}/other.txt").status_code == 404
    assert "1 passed, 1 failed" in c.get("/p/voorbeeldstad").text  # the dashboard shows the latest result
    o = client("o@x.nl")
    for suffix in ("", "/report.html", "/report.json"):
        assert o.get(f"/p/voorbeeldstad/step5/conformance/{run_id}{suffix}").status_code == 404
        assert o.get(f"/p/andersdorp/step5/conformance/{run_id}{suffix}").status_code == 404
