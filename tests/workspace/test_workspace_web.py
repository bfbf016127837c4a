"""The web layer over HTTP (no browser): sessions, CSRF, roles, project isolation by URL, languages, headers."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from ws_helpers import EXAMPLE, PASSWORD, empty

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from ehkit.workspace.db import Database
from ehkit.workspace.export import import_project
from ehkit.workspace.models import Project
from ehkit.workspace.schemas import _KNOWN_KEYS
from ehkit.workspace.services import access, step2_inventory
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site
from ehkit.workspace.web import create_app
from ehkit.workspace.web.context import COOKIE
from ehkit.workspace.web.i18n import T


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("web")
    db = Database(f"sqlite:///{tmp / 'ws.db'}")
    db.migrate()
    empty(db)
    site = Site(tmp / "data")
    with db.session() as s:
        owner = access.create_user(s, email="owner@x.nl", display_name="Owner", password=PASSWORD, actor=Actor.cli())
        viewer = access.create_user(s, email="viewer@x.nl", display_name="Viewer", password=PASSWORD, actor=Actor.cli())
        outsider = access.create_user(s, email="other@x.nl", display_name="Other", password=PASSWORD, actor=Actor.cli())
        s.flush()
        a = import_project(s, EXAMPLE.read_text(encoding="utf-8"), Actor.cli(), site, owner=owner)
        b = import_project(
            s,
            EXAMPLE.read_text(encoding="utf-8"),
            Actor.cli(),
            site,
            owner=outsider,
            slug="andersdorp",
            fresh_uuids=True,
        )
        access.add_member(s, a, viewer, "viewer", Actor.cli())
        ids = {
            "a_service": step2_inventory.services(s, a)[0].id,
            "b_service": step2_inventory.services(s, b)[0].id,
            "b_change": step2_inventory.services(s, b)[0].changes[0].id,
            "b_question": step2_inventory.questions(s, b)[0].id,
        }
    app = create_app(db, site)
    yield {"app": app, "db": db, "ids": ids}
    db.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def client(world: dict[str, Any], email: str | None = None, **kwargs: Any) -> TestClient:
    c = TestClient(world["app"], follow_redirects=False, **kwargs)
    if email:
        page = c.get("/login")
        r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf": _csrf(page.text), "next": "/"})
        assert r.status_code == 303, r.text
    return c


def test_healthz_reports_the_database(world: dict[str, Any]) -> None:
    r = TestClient(world["app"]).get("/healthz")
    body = r.json()
    assert r.status_code == 200 and body["status"] == "ok"
    assert body["database"]["engine"] == "sqlite" and body["database"]["up_to_date"] is True


def test_pages_need_a_login_and_keep_the_target(world: dict[str, Any]) -> None:
    r = client(world).get("/p/voorbeeldstad/step2")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fp%2Fvoorbeeldstad%2Fstep2"


def test_session_cookie_flags_and_rotation(world: dict[str, Any]) -> None:
    c = TestClient(world["app"], base_url="https://testserver", follow_redirects=False)
    page = c.get("/login")
    first = page.cookies.get(COOKIE) or c.cookies.get(COOKIE)
    header = page.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" in header
    r = c.post(
        "/login",
        data={"email": "owner@x.nl", "password": PASSWORD, "csrf": _csrf(page.text), "next": "//evil.example/x"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    assert c.cookies.get(COOKIE) != first  # a new session id at sign-in
    plain = TestClient(world["app"]).get("/login")
    assert "Secure" not in plain.headers["set-cookie"]


def test_wrong_password_and_missing_csrf_are_refused(world: dict[str, Any]) -> None:
    c = client(world)
    page = c.get("/login")
    assert (
        c.post("/login", data={"email": "owner@x.nl", "password": "nope", "csrf": _csrf(page.text)}).status_code == 401
    )
    assert c.post("/login", data={"email": "owner@x.nl", "password": PASSWORD}).status_code == 403
    signed_in = client(world, "owner@x.nl")
    r = signed_in.post("/p/voorbeeldstad/step1", data={"name": "Zonder token"})
    assert r.status_code == 403 and "verlopen" in r.text
    page = signed_in.get("/p/voorbeeldstad/step1")
    r = signed_in.post(
        "/p/voorbeeldstad/step1", data={"name": "Met header"}, headers={"X-CSRF-Token": _csrf(page.text)}
    )
    assert r.status_code == 303  # the header form works too (for scripts and htmx-style requests)


POSTS = [
    "/p/voorbeeldstad/step1", "/p/voorbeeldstad/services/new", "/p/voorbeeldstad/services/{a_service}",
    "/p/voorbeeldstad/services/{a_service}/assess", "/p/voorbeeldstad/services/{a_service}/changes",
    "/p/voorbeeldstad/questions", "/p/voorbeeldstad/steps/4/status", "/p/voorbeeldstad/actions",
    "/p/voorbeeldstad/settings", "/p/voorbeeldstad/step5/settings", "/p/voorbeeldstad/step5/test-keys",
    "/p/voorbeeldstad/step5/simulator-broker", "/p/voorbeeldstad/step5/run", "/p/voorbeeldstad/step5/checklist/oin",
    "/p/voorbeeldstad/access/1",
]  # fmt: skip


def test_a_viewer_reads_but_cannot_write(world: dict[str, Any]) -> None:
    c = client(world, "viewer@x.nl")
    page = c.get("/p/voorbeeldstad/step2")
    assert page.status_code == 200
    token = _csrf(page.text)
    for route in POSTS:
        url = route.format(**world["ids"])
        r = c.post(
            url,
            data={
                "csrf": token,
                "name": "x",
                "title": "x",
                "question": "x",
                "action": "save",
                "status": "done",
                "reason": "x",
            },
        )
        assert r.status_code == 403, url
    for route in ("/p/voorbeeldstad", "/p/voorbeeldstad/step1", "/p/voorbeeldstad/step3", "/p/voorbeeldstad/step5",
                  "/p/voorbeeldstad/audit", "/p/voorbeeldstad/services/{a_service}", "/p/voorbeeldstad/export.yaml"):  # fmt: skip
        assert c.get(route.format(**world["ids"])).status_code == 200, route


GETS = [
    "", "/step1", "/step2", "/step3", "/step5", "/settings", "/audit", "/export.yaml", "/services/new",
    "/services/{b_service}", "/services/{b_service}/assess", "/step5/download/catalogue.xml", "/members/1",
]  # fmt: skip


def test_a_member_of_one_project_cannot_reach_another_by_url(world: dict[str, Any]) -> None:
    c = client(world, "owner@x.nl")
    token = _csrf(c.get("/p/voorbeeldstad").text)
    for suffix in GETS:
        url = "/p/andersdorp" + suffix.format(**world["ids"])
        assert c.get(url).status_code == 404, url
    # their own project's URLs with the other project's record ids
    ids = world["ids"]
    for url in (
        f"/p/voorbeeldstad/services/{ids['b_service']}",
        f"/p/voorbeeldstad/services/{ids['b_service']}/assess",
    ):
        assert c.get(url).status_code == 404, url
    for url in (f"/p/voorbeeldstad/services/{ids['b_service']}", f"/p/voorbeeldstad/changes/{ids['b_change']}",
                f"/p/voorbeeldstad/questions/{ids['b_question']}", "/p/andersdorp/step1"):  # fmt: skip
        r = c.post(url, data={"csrf": token, "title": "x", "status": "done", "delete": "1", "name": "x"})
        assert r.status_code == 404, url
    assert "andersdorp" not in c.get("/").text


def test_stale_forms_get_a_conflict_page(world: dict[str, Any]) -> None:
    c = client(world, "owner@x.nl")
    page = c.get("/p/voorbeeldstad/settings")
    token, version = _csrf(page.text), re.search(r'name="version" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {
        "csrf": token,
        "version": version,
        "name": "Gemeente Voorbeeldstad",
        "oin": "00000001234567890000",
        "kvk": "76543210",
        "sector": "gemeente",
        "go_live": "2027-03-01",
    }
    assert c.post("/p/voorbeeldstad/settings", data=form | {"go_live": "2027-04-01"}).status_code == 303
    r = c.post("/p/voorbeeldstad/settings", data=form | {"go_live": "2027-05-01"})
    assert r.status_code == 409 and "Iemand anders" in r.text


def test_form_errors_name_the_field_in_the_chosen_language(world: dict[str, Any]) -> None:
    c = client(world, "owner@x.nl")
    page = c.get("/projects/new")
    form = {"csrf": _csrf(page.text), "slug": "Nieuw!", "name": "", "oin": "123", "kvk": "12", "sector": "gemeente"}
    r = c.post("/projects/new", data=form)
    assert r.status_code == 400
    assert "OIN: moet een OIN zijn: precies 20 cijfers" in r.text and "KvK-nummer: moet een KvK-nummer zijn" in r.text
    assert 'aria-invalid="true"' in r.text and 'href="#f-oin"' in r.text
    c.get("/?lang=en")
    r = c.post("/projects/new", data=form | {"csrf": _csrf(c.get("/projects/new").text)})
    assert 'lang="en"' in r.text and "OIN: must be an OIN: exactly 20 digits" in r.text and "moet" not in r.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_renders_in_both_languages(world: dict[str, Any], lang: str) -> None:
    c = client(world, "owner@x.nl")
    c.get(f"/?lang={lang}")
    for suffix in ("", "/step1", "/step2", "/step3", "/step5", "/settings", "/audit", "/services/new",
                   "/services/{a_service}", "/services/{a_service}/assess", "/members/1", "/step4", "/quotes/new", "/step6",
                   "/zelfverklaring"):  # fmt: skip
        r = c.get("/p/voorbeeldstad" + suffix.format(**world["ids"]))
        assert r.status_code == 200 and f'<html lang="{lang}">' in r.text, suffix


def test_security_headers(world: dict[str, Any]) -> None:
    r = client(world).get("/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_the_translation_table_is_complete() -> None:
    assert all(nl.strip() and en.strip() for nl, en in T.values())
    assert {f"e_{k}" for k in _KNOWN_KEYS} <= set(T)
    templates = Path(__file__).resolve().parents[2] / "src" / "ehkit" / "workspace" / "web" / "templates"
    used = set()
    for path in templates.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    whole = {k for k in used if not k.endswith("_")}
    prefixes = used - whole  # t("status_" + s.status): some key must start with the prefix
    assert whole and not whole - set(T), whole - set(T)
    assert all(any(k.startswith(p) for k in T) for p in prefixes), prefixes


def test_an_invitation_link_signs_up_once(world: dict[str, Any]) -> None:
    with world["db"].session() as s:
        project = s.scalars(select(Project).filter_by(slug="voorbeeldstad")).one()
        issued = access.invite(s, project, "newbie@x.nl", "editor", Actor.cli())
        token = issued.token
    c = client(world)
    page = c.get(f"/invite/{token}")
    assert page.status_code == 200 and "newbie@x.nl" in page.text
    form = {"csrf": _csrf(page.text), "display_name": "Nieuw", "password": PASSWORD, "password2": PASSWORD + "x"}
    r = c.post(f"/invite/{token}", data=form)
    assert r.status_code == 400 and "niet gelijk" in r.text
    r = c.post(f"/invite/{token}", data=form | {"password2": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/p/voorbeeldstad"
    assert c.get("/p/voorbeeldstad/step2").status_code == 200
    assert client(world).get(f"/invite/{token}").status_code == 404  # used


def test_editing_and_deleting_through_the_pages(world: dict[str, Any]) -> None:
    c = client(world, "owner@x.nl")
    page = c.get("/p/voorbeeldstad/step1")
    token = _csrf(page.text)
    r = c.post(
        "/p/voorbeeldstad/step1",
        data={"csrf": token, "name": "Tijdelijk Lid", "roles": ["communication"], "raci_6": "C"},
    )
    assert r.status_code == 303
    edit_link = re.search(
        r'href="(/p/voorbeeldstad/members/\d+)">[^<]*<span class="visually-hidden"> Tijdelijk Lid',
        c.get("/p/voorbeeldstad/step1").text,
    )
    assert edit_link
    member_page = c.get(edit_link.group(1))
    version = re.search(r'name="version" value="(\d+)"', member_page.text).group(1)  # type: ignore[union-attr]
    r = c.post(edit_link.group(1), data={"csrf": token, "version": version, "name": "", "raci_1": "Q"})
    assert r.status_code == 400 and "is verplicht" in r.text
    r = c.post(edit_link.group(1), data={"csrf": token, "version": version, "name": "Tijdelijk Lid", "raci_2": "I"})
    assert r.status_code == 303
    r = c.post(edit_link.group(1), data={"csrf": token, "version": str(int(version) + 1), "delete": "1"})
    assert r.status_code == 303 and "Tijdelijk Lid" not in c.get("/p/voorbeeldstad/step1").text
    # a question's status, an action done, a checklist mark
    r = c.post("/p/voorbeeldstad/questions", data={"csrf": token, "question": ""})
    assert r.status_code == 400
    r = c.post("/p/voorbeeldstad/actions", data={"csrf": token, "step": "9", "title": ""})
    assert r.status_code == 400 and "Stap" in r.text
    r = c.post("/p/voorbeeldstad/actions", data={"csrf": token, "step": "2", "title": "Backoffice testen"})
    assert r.status_code == 303
    action_id = re.findall(r'action="/p/voorbeeldstad/actions/(\d+)"', c.get("/p/voorbeeldstad").text)[-1]
    assert c.post(f"/p/voorbeeldstad/actions/{action_id}", data={"csrf": token}).status_code == 303
    r = c.post("/p/voorbeeldstad/steps/3/status", data={"csrf": token, "status": "blocked", "reason": ""})
    assert r.status_code == 400
    assert (
        c.post(
            "/p/voorbeeldstad/step5/checklist/oin", data={"csrf": token, "delivered": "on", "note": "per mail"}
        ).status_code
        == 303
    )
    assert c.get("/p/voorbeeldstad/step5/download/nothing.xml").status_code == 404
    assert c.get("/p/voorbeeldstad/step5/download/ehkit.toml").status_code == 200
    # a service with a bad URL keeps the form and names the field
    sid = world["ids"]["a_service"]
    service_page = c.get(f"/p/voorbeeldstad/services/{sid}")
    version = re.search(r'name="version" value="(\d+)"', service_page.text).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/p/voorbeeldstad/services/{sid}",
        data={
            "csrf": token,
            "version": version,
            "key": "melding",
            "index": "1",
            "name_nl": "M",
            "name_en": "M",
            "description_nl": "d",
            "description_en": "e",
            "ids1": ["KvKnr"],
            "service_url_nl": "http://example.nl",
            "attr_count": "0",
        },
    )
    assert r.status_code == 400 and "https://" in r.text and 'id="f-service_url_nl"' in r.text
    r = c.post(
        f"/p/voorbeeldstad/services/{sid}/assess",
        data={"csrf": token, "version": version, "action": "preview", "q_sector_law": "no"},
    )
    assert r.status_code == 400 and "error-summary" in r.text


def test_only_an_owner_changes_access(world: dict[str, Any]) -> None:
    c = client(world, "owner@x.nl")
    page = c.get("/p/voorbeeldstad/settings")
    token = _csrf(page.text)
    viewer_id = re.search(r'action="/p/voorbeeldstad/access/(\d+)"', page.text.split("viewer@x.nl")[1]).group(1)  # type: ignore[union-attr]
    assert c.post(f"/p/voorbeeldstad/access/{viewer_id}", data={"csrf": token, "role": "editor"}).status_code == 303
    assert c.post(f"/p/voorbeeldstad/access/{viewer_id}", data={"csrf": token, "role": "king"}).status_code == 400
    assert c.post(f"/p/voorbeeldstad/access/{viewer_id}", data={"csrf": token, "role": "viewer"}).status_code == 303
