"""The workspace in the system Chromium: every step page, the role checks, the dashboard; screenshots.

One server for the module (uvicorn thread, SQLite); the browser is the
session-wide one from tests/conftest.py. Screenshots (Dutch and English,
390 px and 1280 px wide) go to EHKIT_SCREENSHOTS or a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ws_browser import ANSWERS_MELDING, ServerThread, add_member, add_service, assess, connect, create_project, log_in
from ws_helpers import EXAMPLE, PASSWORD, empty

from ehkit.workspace.db import Database
from ehkit.workspace.export import import_project
from ehkit.workspace.services import access
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site
from ehkit.workspace.web import create_app
from ehkit.workspace.web.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.network]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    db = Database(f"sqlite:///{tmp / 'ws.db'}")
    db.migrate()
    empty(db)
    site = Site(tmp / "data")
    with db.session() as s:
        owner = access.create_user(s, email="owner@x.nl", display_name="Olga", password=PASSWORD, actor=Actor.cli())
        viewer = access.create_user(s, email="viewer@x.nl", display_name="Victor", password=PASSWORD, actor=Actor.cli())
        outsider = access.create_user(s, email="other@x.nl", display_name="Otto", password=PASSWORD, actor=Actor.cli())
        s.flush()
        example = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=owner)
        import_project(
            s,
            EXAMPLE.read_text(encoding="utf-8"),
            Actor.cli(),
            site,
            owner=outsider,
            slug="andersdorp",
            fresh_uuids=True,
        )
        access.add_member(s, example, viewer, "viewer", Actor.cli())
    with ServerThread(create_app(db, site)) as running:
        yield running.url
    db.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("EHKIT_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shoot(page: Any, shots: Path, name: str) -> None:
    for lang in ("nl", "en"):
        page.goto(page.url.split("?")[0].split("#")[0] + f"?lang={lang}")
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
    page.goto(page.url.split("?")[0] + "?lang=nl")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_project_is_created_and_steps_1_2_3_and_5_are_filled(server: str, page: Any, shots: Path) -> None:
    log_in(page, server, "owner@x.nl", PASSWORD)
    # a bad OIN first: the error summary names the field
    page.goto(server + "/projects/new")
    page.get_by_label(t("nl", "field_slug")).fill("testdorp")
    page.get_by_label(t("nl", "field_name")).fill("Gemeente Testdorp")
    page.get_by_label(t("nl", "field_oin")).fill("1234")
    page.get_by_role("button", name=t("nl", "create")).click()
    summary = page.get_by_test_id("error-summary")
    assert "OIN: " + t("nl", "e_oin") in summary.inner_text()
    assert page.get_by_label(t("nl", "field_oin")).get_attribute("aria-invalid") == "true"
    create_project(page, server, "testdorp", "Gemeente Testdorp", "00000001234567890000")
    add_member(
        page, server, "testdorp", "Ingrid Bakker", ["policy_owner", "architect"], {1: "A", 2: "A", 3: "A", 5: "A"}
    )
    assert "beleidsverantwoordelijke" not in page.get_by_test_id("role-warnings").inner_text()
    assert "softwareleverancier" in page.get_by_test_id("role-warnings").inner_text()
    add_member(page, server, "testdorp", "Sanne de Wit", ["software_supplier"], {5: "R"})
    _shoot(page, shots, "step1")
    add_service(page, server, "testdorp", "melding", "Melding openbare ruimte", "Report an issue")
    page.get_by_test_id("change-form").get_by_label(t("nl", "field_title")).fill("Inlogknop op het formulier")
    page.get_by_test_id("change-form").get_by_label(t("nl", "field_owner")).select_option("Sanne de Wit")
    page.get_by_test_id("change-form").get_by_role("button", name=t("nl", "add")).click()
    assert "Inlogknop op het formulier" in page.get_by_test_id("changes").inner_html()
    _shoot(page, shots, "service")
    page.goto(server + "/p/testdorp/step2")
    page.get_by_test_id("question-form").get_by_label(t("nl", "field_question")).fill(
        "Wanneer informeren we ondernemers?"
    )
    page.get_by_test_id("question-form").get_by_role("button", name=t("nl", "add")).click()
    assert "Wanneer informeren" in page.get_by_test_id("questions").inner_text()
    _shoot(page, shots, "step2")
    assess(page, server, "testdorp", "melding", ANSWERS_MELDING)
    assert page.get_by_test_id("current-level").inner_text() == "EH2+"
    # change one answer: the page shows the level before and after before anything is saved
    page.locator("#q-economic_interest").select_option("considerable")
    page.locator("#q-legal_consequences").select_option("yes")
    page.get_by_test_id("assess-preview").click()
    assert page.get_by_test_id("level-before-after").inner_text() == t(
        "nl", "level_before_after", before="EH2+", after="EH3"
    )
    _shoot(page, shots, "assess")
    page.goto(server + "/p/testdorp/step3")
    assert "EH2+" in page.get_by_test_id("level-melding").inner_text()
    connect(page, server, "testdorp", "https://eherkenning.testdorp.example/acs")
    assert page.get_by_test_id("checklist-catalogue").get_attribute("data-status") == "ready"
    assert page.get_by_test_id("checklist-certificate").get_attribute("data-status") == "problem"  # a test key
    page.get_by_test_id("simulator-run").click()
    page.get_by_test_id("run").first.wait_for()
    assert page.get_by_test_id("run").first.get_attribute("data-outcome") == "passed"
    assert page.get_by_test_id("run-melding").get_attribute("data-status") == "passed"
    _shoot(page, shots, "step5")
    page.goto(server + "/p/testdorp")
    assert page.get_by_test_id("step-1").get_attribute("data-status") in ("in_progress", "done")
    assert page.get_by_test_id("step-3").get_attribute("data-status") == "done"


def test_the_dashboard_shows_steps_blockers_owners_and_takes_an_override(server: str, page: Any, shots: Path) -> None:
    log_in(page, server, "owner@x.nl", PASSWORD)
    page.goto(server + "/")
    assert page.get_by_test_id("project-voorbeeldstad").is_visible()
    assert page.get_by_test_id("project-andersdorp").count() == 0  # not a member
    _shoot(page, shots, "portfolio")
    page.goto(server + "/p/voorbeeldstad")
    assert page.get_by_test_id("step-2").get_attribute("data-status") == "done"
    assert "Sanne de Wit" in page.get_by_test_id("step-5").inner_text()
    assert page.get_by_test_id("go-live").inner_text()
    page.locator("details summary").click()
    form = page.get_by_test_id("override-4")
    form.locator("select").select_option("in_progress")
    form.locator("input[name=reason]").fill("Offertes aangevraagd")
    form.get_by_role("button").click()
    assert page.get_by_test_id("step-4").get_attribute("data-status") == "in_progress"
    assert "Offertes aangevraagd" in page.get_by_test_id("step-4").inner_text()
    _shoot(page, shots, "dashboard")


def test_a_viewer_sees_no_forms_and_another_project_is_not_found(server: str, page: Any) -> None:
    log_in(page, server, "viewer@x.nl", PASSWORD)
    for suffix in ("/step1", "/step2", "/step5"):
        page.goto(server + "/p/voorbeeldstad" + suffix)
        assert page.get_by_text(t("nl", "read_only")).is_visible()
        assert page.get_by_role("button", name=t("nl", "add")).count() == 0
        assert page.get_by_role("button", name=t("nl", "save")).count() == 0
    answer = page.goto(server + "/p/andersdorp/step2")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name=t("nl", "err_404_title")).is_visible()


def test_the_language_switch_changes_every_text(server: str, page: Any) -> None:
    log_in(page, server, "owner@x.nl", PASSWORD)
    page.goto(server + "/p/voorbeeldstad/step1")
    page.get_by_test_id("lang-switch").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Step 1: Project group").is_visible()
    assert "Projectgroep" not in page.locator("main").inner_text()
