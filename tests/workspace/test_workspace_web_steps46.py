"""Steps 4 and 6 and the zelfverklaring over HTTP (no browser): pages, bad input, roles, the .ics download."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from ws_helpers import EXAMPLE, PASSWORD, empty

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ehkit.workspace.db import Database
from ehkit.workspace.export import import_project
from ehkit.workspace.models import MILESTONES
from ehkit.workspace.services import access, step2_inventory, step4_broker
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site
from ehkit.workspace.web import create_app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("web46")
    db = Database(f"sqlite:///{tmp / 'ws.db'}")
    db.migrate()
    empty(db)
    site = Site(tmp / "data")
    with db.session() as s:
        owner = access.create_user(s, email="owner@x.nl", display_name="Owner", password=PASSWORD, actor=Actor.cli())
        editor = access.create_user(s, email="editor@x.nl", display_name="Editor", password=PASSWORD, actor=Actor.cli())
        viewer = access.create_user(s, email="viewer@x.nl", display_name="Viewer", password=PASSWORD, actor=Actor.cli())
        s.flush()
        a = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=owner)
        access.add_member(s, a, editor, "editor", Actor.cli())
        access.add_member(s, a, viewer, "viewer", Actor.cli())
        ids = {"service": step2_inventory.services(s, a)[0].id, "quote": step4_broker.quotes(s, a)[0].id}
    yield {"app": create_app(db, site), "db": db, "ids": ids}
    db.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def client(world: dict[str, Any], email: str) -> TestClient:
    c = TestClient(world["app"], follow_redirects=False)
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf": _csrf(page.text), "next": "/"})
    assert r.status_code == 303, r.text
    return c


def test_step4_shows_the_ranked_comparison_and_the_dated_broker_data(world: dict[str, Any]) -> None:
    c = client(world, "viewer@x.nl")
    r = c.get("/p/voorbeeldstad/step4")
    assert r.status_code == 200
    order = re.findall(r'data-testid="quote-([a-z]+)" data-place="(\d)"', r.text)
    assert order == [("signicat", "1"), ("digidentity", "2"), ("kpn", "3")]
    assert "€ 11640.00" in r.text and "broker data as of 2026-12-06" in r.text
    assert 'data-testid="sensitivity"' in r.text and "andere winnaar" in r.text


def test_bad_quote_input_names_the_field_and_changes_nothing(world: dict[str, Any]) -> None:
    c = client(world, "editor@x.nl")
    page = c.get("/p/voorbeeldstad/quotes/new")
    r = c.post("/p/voorbeeldstad/quotes/new", data={"csrf": _csrf(page.text), "broker": "onewelcome",
                                                    "one_off_cost": "-10", "recurring_cost": "1.234,56"})  # fmt: skip
    assert r.status_code == 400
    assert "Eenmalige kosten: mag niet negatief zijn" in r.text
    assert "Terugkerende kosten: moet een bedrag in euro zijn" in r.text
    assert (
        "onewelcome" not in c.get("/p/voorbeeldstad/step4").text.split('data-testid="ranking"')[1].split("</table>")[0]
    )


def test_a_zero_weight_set_is_refused_with_a_message(world: dict[str, Any]) -> None:
    c = client(world, "editor@x.nl")
    page = c.get("/p/voorbeeldstad/step4")
    zero = {f"weight_{k}": "0" for k in ("price", "custom_work_support", "sla", "supplier_ties")}
    r = c.post("/p/voorbeeldstad/step4/weights", data=zero | {"csrf": _csrf(page.text)})
    assert r.status_code == 400 and "de gewichten tellen op tot 0" in r.text


def test_a_viewer_cannot_add_a_quote_or_record_a_decision(world: dict[str, Any]) -> None:
    c = client(world, "viewer@x.nl")
    token = _csrf(c.get("/p/voorbeeldstad/step4").text)
    assert c.post("/p/voorbeeldstad/quotes/new", data={"csrf": token, "broker": "onewelcome"}).status_code == 403
    r = c.post("/p/voorbeeldstad/step4/decision", data={"csrf": token, "broker": "kpn", "justification": "x"})
    assert r.status_code == 403


def test_step6_timeline_ics_and_tasks(world: dict[str, Any]) -> None:
    c = client(world, "editor@x.nl")
    r = c.get("/p/voorbeeldstad/step6")
    assert r.status_code == 200 and 'data-testid="ms-last_call" data-due="2027-01-25"' in r.text
    assert "European login" in r.text and "1 maart 2027" in r.text
    ics = c.get("/p/voorbeeldstad/step6/timeline.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events) == len(MILESTONES)
    r = c.post("/p/voorbeeldstad/step6/tasks", data={"csrf": _csrf(c.get("/p/voorbeeldstad/step6").text)})
    assert r.status_code == 303
    dashboard = c.get("/p/voorbeeldstad").text
    assert "Aankondiging aan gebruikers" in dashboard and "Lotte Visser" in dashboard


def test_a_message_with_an_unknown_placeholder_is_refused(world: dict[str, Any]) -> None:
    c = client(world, "editor@x.nl")
    token = _csrf(c.get("/p/voorbeeldstad/step6").text)
    r = c.post("/p/voorbeeldstad/step6/messages/help", data={"csrf": token, "text_nl": "Zie {website}", "text_en": "x"})
    assert r.status_code == 400 and "kent de plekhouder {website} niet" in r.text


def test_only_an_owner_confirms_a_declaration(world: dict[str, Any]) -> None:
    url = f"/p/voorbeeldstad/zelfverklaring/{world['ids']['service']}/data_correct"
    editor = client(world, "editor@x.nl")
    page = editor.get("/p/voorbeeldstad/zelfverklaring")
    assert page.status_code == 200 and "Gemeente Voorbeeldstad" in page.text
    assert editor.post(url, data={"csrf": _csrf(page.text), "confirmed": "on"}).status_code == 403
    owner = client(world, "owner@x.nl")
    r = owner.post(url, data={"csrf": _csrf(owner.get("/p/voorbeeldstad/zelfverklaring").text), "confirmed": "on"})
    assert r.status_code == 303
    assert (
        'data-testid="zv-melding-data_correct" data-confirmed="yes"'
        in owner.get("/p/voorbeeldstad/zelfverklaring").text
    )
