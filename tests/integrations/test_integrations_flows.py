"""Each integration end to end against the running simulator, through its headless API.

The same scenarios for FastAPI, plain Starlette and Flask (Django: tests/integrations/django):
login and the identity a protected view shows, the level and service guard,
cancel, refusal, broker down, open-redirect attempts, replay of an artifact,
a missing binding cookie, logout, and the documents (SP metadata, catalogue).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest
from site_env import Headless, Site

pytestmark = pytest.mark.network

FRAMEWORKS = ["fastapi", "starlette", "flask"]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def site(request: pytest.FixtureRequest, make_site: Any) -> Site:
    return make_site(request.param)


@pytest.fixture
def user(site: Site) -> Any:
    h = Headless(site)
    yield h
    h.close()


def no_store(response: httpx.Response) -> bool:
    return "no-store" in response.headers.get("cache-control", "")


def test_login_shows_the_identity(user: Headless) -> None:
    start = user.start("vergunning", "/vergunning")
    assert no_store(start)
    cookie = start.headers["set-cookie"]
    assert "ehkit_request=" in cookie and "HttpOnly" in cookie and "Path=/eherkenning/acs/" in cookie
    assert "samesite=lax" in cookie.lower()  # plain http on loopback: Lax (https: None; Secure)
    answer = user.at_broker(start, person="bram", company="korenaar", vestiging="000012345602")
    done = user.deliver(answer["delivery"])
    assert done.status_code == 303 and done.headers["location"] == "/vergunning"
    assert no_store(done)
    page = user.http.get("/vergunning")
    assert page.status_code == 200 and no_store(page)
    assert 'data-testid="legal-subject">30123456<' in page.text
    assert 'data-testid="vestiging">000012345602<' in page.text
    assert 'data-testid="loa">EH3<' in page.text
    assert 'data-testid="legal-type">KVK<' in page.text
    assert user.http.get("/api/wie").json() == {"service": "vergunning", "legal": "30123456"}


def test_the_session_cookie_holds_no_identifier_in_clear(user: Headless, site: Site) -> None:
    user.http.cookies.clear()
    user.login("vergunning", person="anna", company="korenaar")
    raw = user.http.cookies.get("session")
    assert raw
    compressed = raw.startswith(".")  # itsdangerous marks a zlib-compressed payload with a leading dot
    payload = raw.lstrip(".").split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if compressed:
        import zlib

        decoded = zlib.decompress(decoded)
    assert b"ehkit.login" in decoded
    assert b"30123456" not in decoded and b"KVK" not in decoded


def test_anonymous_user_is_sent_to_the_login_of_the_view(user: Headless) -> None:
    answer = user.http.get("/vergunning?stap=2")
    assert answer.status_code == 302
    assert answer.headers["location"] == "/eherkenning/login/?service=vergunning&next=%2Fvergunning%3Fstap%3D2"
    api = user.http.get("/api/wie")
    assert api.status_code in (302, 303) and "/eherkenning/login/" in api.headers["location"]


def test_level_and_service_guard(user: Headless) -> None:
    user.login("melding", "/melding", person="anna")
    assert user.http.get("/melding").status_code == 200
    other = user.http.get("/vergunning")  # a login for melding never opens vergunning
    assert other.status_code == 403
    assert 'data-verdict="wrong_service"' in other.text
    assert "login/?service=vergunning&amp;next=%2Fvergunning" in other.text
    level = user.http.get("/overzicht")  # melding is EH2+: its login does not count at EH3
    assert level.status_code == 403 and 'data-verdict="level_too_low"' in level.text and "EH3" in level.text
    user.login("vergunning", "/overzicht", person="anna")
    assert user.http.get("/overzicht").status_code == 200
    assert user.http.get("/melding").status_code == 403  # one login per session: the new one replaced it


def test_cancel_gives_the_cancelled_page(user: Headless, audit: Any) -> None:
    answer = user.at_broker(user.start("vergunning", "/vergunning"), action="cancel")
    done = user.deliver(answer["delivery"])
    assert done.status_code == 303
    assert done.headers["location"] == "/eherkenning/error/cancelled/?service=vergunning&next=%2Fvergunning"
    page = user.http.get(done.headers["location"])
    assert page.status_code == 200 and 'data-outcome="cancelled"' in page.text
    assert "Inloggen afgebroken" in page.text and 'lang="nl"' in page.text
    assert 'href="/eherkenning/login/?service=vergunning&amp;next=%2Fvergunning"' in page.text
    english = user.http.get(done.headers["location"] + "&lang=en")
    assert "Login cancelled" in english.text and 'lang="en"' in english.text
    assert [e["reason"] for e in audit() if e.get("outcome") == "cancelled"] == ["cancelled"]


def test_refused_login_shows_no_reason_code(user: Headless, audit: Any) -> None:
    answer = user.at_broker(user.start("melding"), person="anna", scenario="wrong_audience")
    done = user.deliver(answer["delivery"])
    assert done.headers["location"].startswith("/eherkenning/error/refused/")
    page = user.http.get(done.headers["location"])
    assert page.status_code == 403 and "Inloggen is niet gelukt" in page.text
    assert "audience" not in page.text
    assert "audience_mismatch" in [e["reason"] for e in audit()]
    assert user.http.get("/melding").status_code == 302  # still not logged in


def test_broker_down_gives_the_unavailable_page(user: Headless, site: Site, audit: Any) -> None:
    answer = user.at_broker(user.start("melding"), person="anna")
    broker = site.servers[0]
    broker.stop()
    try:
        done = user.deliver(answer["delivery"])
        assert done.headers["location"].startswith("/eherkenning/error/unavailable/")
        page = user.http.get(done.headers["location"])
        assert page.status_code == 503 and "niet bereikbaar" in page.text
        assert any(e["reason"].startswith("artifact_resolution") for e in audit())
    finally:
        restart(site)


def restart(site: Site) -> None:
    from site_env import AsgiServer

    old = site.servers[0]
    port = old.server.config.port
    new = AsgiServer(old.server.config.app, port, lifespan="off")
    for _ in range(50):
        try:
            new.start()
            break
        except RuntimeError:
            time.sleep(0.1)
            new = AsgiServer(old.server.config.app, port, lifespan="off")
    site.servers[0] = new


@pytest.mark.parametrize(
    "next_path, lands",
    [
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/melding?x=1", "/melding?x=1"),
        ("SITE/melding", "/melding"),
    ],
)
def test_return_address_stays_on_this_site(user: Headless, site: Site, next_path: str, lands: str) -> None:
    done = user.login("melding", next_path.replace("SITE", site.url), person="anna")
    assert done.status_code == 303
    assert done.headers["location"] == lands


def test_replay_of_the_same_artifact_is_refused(user: Headless, audit: Any) -> None:
    start = user.start("melding")
    request_cookie = user.http.cookies.get("ehkit_request")
    answer = user.at_broker(start, person="anna", scenario="replayed_artifact")
    first, second = answer["deliveries"]
    assert first["SAMLart"] == second["SAMLart"]
    assert user.deliver(first).headers["location"] == "/"
    # The cookie is gone after the login: the browser's second delivery (Back, reload) is not resolved;
    # the browser is logged in already, so it goes where its login went instead of to an error page.
    back = user.deliver(second)
    assert back.status_code == 303 and back.headers["location"] == "/"
    assert audit()[-1]["reason"] == "request_binding_missing"
    # An attacker who kept the cookie gets no further: the SP's replay cache refuses the same Response.
    user.http.cookies.set("ehkit_request", request_cookie, path="/eherkenning/acs/")
    assert user.deliver(second).headers["location"].startswith("/eherkenning/error/refused/")
    assert audit()[-1]["reason"] == "replay"


def test_an_answer_without_the_binding_cookie_is_not_resolved(user: Headless, site: Site, audit: Any) -> None:
    """Login CSRF: someone else's artifact delivered to a browser that started no login."""
    answer = user.at_broker(user.start("melding"), person="anna")
    with _Fresh(site) as victim:
        refused = victim.deliver(answer["delivery"])
        assert refused.headers["location"].startswith("/eherkenning/error/refused/")
    assert audit()[-1]["reason"] == "request_binding_missing"
    # Nothing was resolved or consumed: the browser that started the login still completes it.
    assert user.deliver(answer["delivery"]).status_code == 303
    assert user.http.get("/melding").status_code == 200


class _Fresh:
    def __init__(self, site: Site) -> None:
        self.h = Headless(site)

    def __enter__(self) -> Headless:
        return self.h

    def __exit__(self, *exc: object) -> None:
        self.h.close()


def test_logout_destroys_the_session(user: Headless, site: Site) -> None:
    user.login("melding", person="anna")
    assert user.http.get("/melding").status_code == 200
    confirm = user.http.get("/eherkenning/logout/")
    assert confirm.status_code == 200 and 'data-outcome="logout"' in confirm.text
    assert user.http.post("/eherkenning/logout/", headers={"Origin": "https://evil.example"}).status_code == 403
    assert user.http.get("/melding").status_code == 200
    done = user.http.post("/eherkenning/logout/", headers={"Origin": site.url})
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert user.http.get("/melding").status_code == 302


def test_login_for_unknown_service(user: Headless) -> None:
    page = user.start("bestaatniet")
    assert page.status_code == 404 and 'data-outcome="not_found"' in page.text
    assert user.start(None).status_code == 404  # several services and no DEFAULT_SERVICE


def test_metadata_per_group_and_catalogue_off(user: Headless) -> None:
    from lxml import etree

    main = user.http.get("/eherkenning/metadata/eherkenning/")
    assert main.status_code == 200 and main.headers["content-type"].startswith("application/samlmetadata+xml")
    root = etree.fromstring(main.content)
    assert root.get("entityID") == "urn:etoegang:DV:00000001234567890000:entities:0"
    assert b"ds:Signature" in main.content or b"Signature" in main.content
    eidas = etree.fromstring(user.http.get("/eherkenning/metadata/eidas/").content)
    assert eidas.get("entityID") == "urn:etoegang:DV:00000001234567890000:entities:1"
    assert user.http.get("/eherkenning/metadata/nope/").status_code == 404
    assert user.http.get("/eherkenning/catalogue/").status_code == 404  # off unless enabled


def test_unknown_error_page(user: Headless) -> None:
    assert user.http.get("/eherkenning/error/nonsense/").status_code == 404


def test_audit_event_of_a_success(user: Headless, audit: Any) -> None:
    user.login("melding", person="anna")
    ok = [e for e in audit() if e.get("outcome") == "success"]
    assert ok and ok[-1]["service"] == "melding"
    assert "30123456" not in json.dumps(audit())
