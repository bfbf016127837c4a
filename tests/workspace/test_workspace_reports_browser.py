"""Step 5's conformance test and the dashboard in the system Chromium: start, follow, read the report, roles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ws_browser import ServerThread, log_in
from ws_conformance import RunningDv, start_project_dv
from ws_dossier import HEADINGS, pdf_text
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
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("reports")
    db = Database(f"sqlite:///{tmp / 'ws.db'}")
    db.migrate()
    empty(db)
    site = Site(tmp / "data")
    with db.session() as s:
        owner = access.create_user(s, email="owner@x.nl", display_name="Olga", password=PASSWORD, actor=Actor.cli())
        viewer = access.create_user(s, email="viewer@x.nl", display_name="Victor", password=PASSWORD, actor=Actor.cli())
        s.flush()
        example = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=owner)
        access.add_member(s, example, viewer, "viewer", Actor.cli())
    dv: RunningDv = start_project_dv(db, "voorbeeldstad", site, tmp)
    with ServerThread(create_app(db, site)) as running:
        yield {"url": running.url, "dv": dv, "tmp": tmp}
    dv.server.__exit__()
    db.dispose()


def test_an_editor_runs_the_conformance_test_and_a_viewer_reads_the_report(world: dict[str, Any], page: Any) -> None:
    base, dv = world["url"], world["dv"]
    log_in(page, base, "owner@x.nl", PASSWORD)
    page.goto(base + "/p/voorbeeldstad/step5#conformance")
    form = page.get_by_test_id("conformance-form")
    # no success detector and a login URL that is no URL: both fields are named
    form.get_by_label(t("nl", "field_login_url")).fill("dv.example/login")
    form.get_by_label(t("nl", "field_simulator_url")).fill(dv.simulator_url)
    form.get_by_role("button", name=t("nl", "conf_run")).click()
    summary = page.get_by_test_id("error-summary").inner_text()
    assert t("nl", "e_conformance_url") in summary and t("nl", "e_conformance_detector") in summary
    form = page.get_by_test_id("conformance-form")
    form.get_by_label(t("nl", "field_login_url")).fill(dv.url + "/login/{service}")
    form.get_by_label(t("nl", "field_success_url")).fill(dv.url + "/dienst/{service}")
    form.get_by_label(t("nl", "field_only")).fill("META-XSD, LOGIN-SUCCESS")
    form.get_by_role("button", name=t("nl", "conf_run")).click()
    # the run page refreshes itself until the background run has finished
    page.wait_for_selector("[data-testid=conformance-run][data-status=passed]", timeout=120_000)
    assert page.get_by_test_id("conformance-summary").inner_text() == "2 passed, 0 failed, 0 manual"
    with page.expect_download() as download:
        page.get_by_role("link", name=t("nl", "conf_report_junit")).click()
    assert download.value.suggested_filename.endswith("report.junit.xml")
    page.get_by_test_id("conformance-html").click()
    assert "LOGIN-SUCCESS" in page.content()
    page.goto(base + "/p/voorbeeldstad")
    assert "2 passed, 0 failed, 0 manual" in page.get_by_test_id("latest-conformance").inner_text()

    page.context.clear_cookies()
    log_in(page, base, "viewer@x.nl", PASSWORD)
    page.goto(base + "/p/voorbeeldstad/step5")
    assert page.get_by_test_id("conformance-form").count() == 0
    assert page.get_by_test_id("conformance-run").first.get_attribute("data-status") == "passed"
    page.get_by_test_id("conformance-html").first.click()
    assert "LOGIN-SUCCESS" in page.content()


def test_the_dashboard_downloads_the_dossier_as_pdf_and_html(world: dict[str, Any], page: Any) -> None:
    base, tmp = world["url"], world["tmp"]
    log_in(page, base, "viewer@x.nl", PASSWORD)  # a viewer may download it too
    page.goto(base + "/p/voorbeeldstad")
    form = page.get_by_test_id("dossier-form")
    with page.expect_download() as pdf:
        form.get_by_role("button", name=t("nl", "dossier_download")).click()
    assert pdf.value.suggested_filename == "voorbeeldstad-dossier.pdf"
    saved = tmp / "downloaded.pdf"
    pdf.value.save_as(str(saved))
    words = pdf_text(saved.read_bytes(), tmp)
    assert all(heading in words for heading in HEADINGS["nl"]), words[:500]
    page.goto(base + "/p/voorbeeldstad?lang=en")
    form = page.get_by_test_id("dossier-form")
    form.get_by_label(t("en", "dossier_format")).select_option("html")
    with page.expect_download() as html:
        form.get_by_role("button", name=t("en", "dossier_download")).click()
    assert html.value.suggested_filename == "voorbeeldstad-dossier.html"
    saved = tmp / "downloaded.html"
    html.value.save_as(str(saved))
    content = saved.read_text(encoding="utf-8")
    assert all(f">{heading}</h2>" in content for heading in HEADINGS["en"])
    page.goto(base + "/p/voorbeeldstad/dossier?format=docx")
    assert t("en", "dossier_format_wrong", given="docx") in page.content()
