"""Steps 4 and 6 in the system Chromium: a new project compares quotes, decides, and plans its communication."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from ws_browser import ServerThread, create_project, download, log_in
from ws_helpers import EXAMPLE, PASSWORD, empty

from ehkit.workspace.db import Database
from ehkit.workspace.export import import_project
from ehkit.workspace.models import MILESTONES
from ehkit.workspace.services import access
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site
from ehkit.workspace.web import create_app
from ehkit.workspace.web.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.network]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser46")
    db = Database(f"sqlite:///{tmp / 'ws.db'}")
    db.migrate()
    empty(db)
    site = Site(tmp / "data")
    with db.session() as s:
        owner = access.create_user(s, email="owner@x.nl", display_name="Olga", password=PASSWORD, actor=Actor.cli())
        s.flush()
        import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=owner)
    with ServerThread(create_app(db, site)) as running:
        yield running.url
    db.dispose()


def _add_quote(page: Any, base: str, slug: str, broker: str, costs: dict[str, str], period: str = "year") -> None:
    page.goto(f"{base}/p/{slug}/step4")
    page.get_by_test_id("quote-add").click()
    form = page.get_by_test_id("quote-form")
    form.locator("#f-broker").select_option(broker)
    for field, value in costs.items():
        form.get_by_label(t("nl", f"field_{field}")).fill(value)
    form.locator("#f-recurring_period").select_option(period)
    form.get_by_role("button", name=t("nl", "save")).click()
    page.get_by_test_id(f"quote-{broker}").wait_for()


def test_a_new_user_compares_three_quotes_and_records_the_decision(server: str, page: Any) -> None:
    log_in(page, server, "owner@x.nl", PASSWORD)
    create_project(page, server, "nieuwdorp", "Gemeente Nieuwdorp", "00000001234567899999")
    # bad input first: a negative amount is refused with the field named, nothing is saved
    page.goto(f"{server}/p/nieuwdorp/quotes/new")
    form = page.get_by_test_id("quote-form")
    form.locator("#f-broker").select_option("kpn")
    form.get_by_label(t("nl", "field_one_off_cost")).fill("-100")
    form.get_by_role("button", name=t("nl", "save")).click()
    summary = page.get_by_test_id("error-summary")
    assert t("nl", "e_money_negative") in summary.inner_text()
    # three quotes (hand-computed TCO over 5 years, no logins, no services)
    _add_quote(page, server, "nieuwdorp", "signicat", {"one_off_cost": "1000", "recurring_cost": "100"}, "month")
    _add_quote(page, server, "nieuwdorp", "kpn", {"recurring_cost": "1500"})
    _add_quote(page, server, "nieuwdorp", "digidentity", {"one_off_cost": "2500", "recurring_cost": "250"}, "quarter")
    ranking = page.get_by_test_id("ranking")
    assert "€ 7000.00" in ranking.get_by_test_id("tco-signicat").inner_text()  # 1000 + 100 x 12 x 5
    assert "€ 7500.00" in ranking.get_by_test_id("tco-kpn").inner_text()
    assert "€ 7500.00" in ranking.get_by_test_id("tco-digidentity").inner_text()
    # price only (no manual scores yet): the cheapest is first
    assert page.get_by_test_id("quote-signicat").get_attribute("data-place") == "1"
    # a weight set summing to zero is refused with a message
    weights = page.get_by_test_id("weights-form")
    for key in ("price", "custom_work_support", "sla", "supplier_ties"):
        weights.locator(f"#f-weight_{key}").fill("0")
    weights.get_by_role("button", name=t("nl", "save_weights")).click()
    assert t("nl", "e_weights_sum_zero") in page.get_by_test_id("weights-error").inner_text()
    # scores that make KPN win: custom work 10, SLA 10, supplier ties 10
    page.get_by_text(t("nl", "scores_title")).click()
    scores = page.get_by_test_id("scores-kpn")
    for key in ("custom_work_support", "sla", "supplier_ties"):
        scores.locator(f"input[name=score_{key}]").fill("10")
    scores.get_by_role("button", name=t("nl", "save")).click()
    page.get_by_test_id("ranking").wait_for()
    assert page.get_by_test_id("quote-kpn").get_attribute("data-place") == "1"
    # KPN: (40 x 10 x 7000 / 7500 + 600) / 100 = 9.73
    assert page.get_by_test_id("weighted-kpn").inner_text().strip() == "9.73"
    assert page.get_by_test_id("sensitivity").is_visible()
    decision = page.get_by_test_id("decision-form")
    decision.locator("#f-broker").select_option("kpn")
    decision.get_by_label(t("nl", "field_justification")).fill("Hoogste gewogen score; robuust bij ±50 %.")
    decision.get_by_role("button", name=t("nl", "decision_save")).click()
    assert "KPN" in page.get_by_test_id("decision").inner_text()
    page.goto(f"{server}/p/nieuwdorp")
    assert page.get_by_test_id("step-4").get_attribute("data-status") == "done"


def test_the_timeline_page_shows_the_milestones_and_exports_an_ics(server: str, page: Any, tmp_path: Path) -> None:
    log_in(page, server, "owner@x.nl", PASSWORD)
    page.goto(f"{server}/p/voorbeeldstad/step6")
    external = page.get_by_test_id("timeline-external")
    assert external.get_by_test_id("ms-last_call").get_attribute("data-due") == "2027-01-25"  # EH3: 28 + 7 days
    assert page.get_by_test_id("timeline-internal").get_by_test_id("ms-faq").is_visible()
    assert "European login" in page.get_by_test_id("msg-european_login-en").inner_text()
    saved = download(page, "ics-link", tmp_path / "plan.ics")
    events = icalendar.Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert len(events) == len(MILESTONES)
    page.get_by_test_id("plan-tasks").click()
    page.get_by_test_id("tasks").wait_for()
    assert re.search(r"Lotte Visser", page.get_by_test_id("tasks").inner_text())
    page.goto(f"{server}/p/voorbeeldstad?lang=en")
    assert page.get_by_test_id("step-6").get_attribute("data-status") == "in_progress"


def test_a_go_live_date_too_close_is_a_warning_not_a_crash(server: str, page: Any) -> None:
    from datetime import UTC, datetime, timedelta

    log_in(page, server, "owner@x.nl", PASSWORD)
    create_project(page, server, "haastdorp", "Gemeente Haastdorp", "00000001234567898888")
    page.goto(f"{server}/p/haastdorp/settings")
    page.get_by_label(t("nl", "field_go_live")).fill((datetime.now(UTC).date() + timedelta(days=10)).isoformat())
    page.get_by_role("button", name=t("nl", "save")).first.click()
    page.goto(f"{server}/p/haastdorp/step6")
    warnings = page.get_by_test_id("step6-warnings")
    assert warnings.locator("[data-key=too_close]").is_visible()
    assert warnings.locator("[data-key=level_assumed]").is_visible()
