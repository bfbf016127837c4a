"""The browser-like client: cookies, redirects, self-posting SAML forms, meta refresh, interception, crashes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conformance_harness import ServerThread, free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ehkit.conformance.browser import Browser, looks_like_stack_trace, same_origin

pytestmark = pytest.mark.network


async def start(request: Request) -> Response:
    response = RedirectResponse("/form", 302)
    response.set_cookie("sid", "abc")
    return response


async def form(request: Request) -> Response:
    return HTMLResponse(
        '<html><body onload="document.forms[0].submit()"><form method="post" action="/post">'
        '<input type="hidden" name="SAMLRequest" value="PHg+"><input type="hidden" name="RelayState" value="token-1">'
        "<noscript><button type=submit>Go</button></noscript></form></body></html>"
    )


async def post(request: Request) -> Response:
    fields = dict(await request.form())
    if request.cookies.get("sid") != "abc":
        return PlainTextResponse("no cookie", 400)
    return HTMLResponse(f'<meta http-equiv="refresh" content="0; url=/done?relay={fields["RelayState"]}">')


async def done(request: Request) -> Response:
    return PlainTextResponse(f"relay={request.query_params['relay']}")


async def to_broker(request: Request) -> Response:
    return RedirectResponse("/sso?SAMLRequest=x", 303)


async def crash(request: Request) -> Response:
    return PlainTextResponse('Traceback (most recent call last):\n  File "app.py", line 3, in acs\n', 500)


async def loop(request: Request) -> Response:
    return RedirectResponse("/loop", 302)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/start", start),
            Route("/form", form),
            Route("/post", post, methods=["POST"]),
            Route("/done", done),
            Route("/to-broker", to_broker),
            Route("/crash", crash),
            Route("/loop", loop),
        ]
    )
    server = ServerThread(app, free_port()).start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_redirects_cookies_saml_forms_and_meta_refresh(site: str) -> None:
    with Browser(timeout=5) as browser:
        nav = browser.navigate("GET", f"{site}/start")
    assert [h.status for h in nav.hops] == [302, 200, 200, 200]
    assert nav.hops[2].method == "POST"
    assert nav.final is not None and nav.final_text == "relay=token-1"


def test_intercept_stops_before_the_request_is_sent(site: str) -> None:
    seen = []

    def at_broker(method: str, url: str) -> bool:
        seen.append(url)
        return url.startswith(f"{site}/sso")

    with Browser(timeout=5) as browser:
        nav = browser.navigate("GET", f"{site}/to-broker", intercept=at_broker)
    assert nav.pending is not None and nav.pending.url == f"{site}/sso?SAMLRequest=x"
    assert nav.final is None and len(nav.hops) == 1


def test_a_crash_and_a_dead_end(site: str) -> None:
    with Browser(timeout=5) as browser:
        crashed = browser.navigate("GET", f"{site}/crash")
        looping = browser.navigate("GET", f"{site}/loop")
        nothing = browser.navigate("GET", "http://127.0.0.1:9/")
    assert crashed.last is not None and crashed.last.status == 500 and crashed.last.stack_trace
    assert looping.last is not None and looping.last.error == "more than 20 redirects"
    assert nothing.last is not None and nothing.last.status is None and "ConnectError" in (nothing.last.error or "")
    assert "no answer" in nothing.last.line()


@pytest.mark.parametrize(
    "text",
    [
        'Traceback (most recent call last):\n  File "/app/views.py", line 12, in acs',
        "java.lang.NullPointerException\n\tat nl.gemeente.saml.AcsServlet.doGet(AcsServlet.java:57)",
        "Server Error in '/' Application.",
        "System.InvalidOperationException: Sequence contains no elements",
        "<h1>Whitelabel Error Page</h1>",
        "PHP Fatal error:  Uncaught TypeError in /var/www/acs.php:10",
        "Stack trace:\n#0 /var/www/acs.php(10): handle()",
        "TypeError: Cannot read properties of undefined\n    at handle (/srv/app/acs.js:10:5)",
    ],
)
def test_stack_traces_of_common_stacks(text: str) -> None:
    assert looks_like_stack_trace(text)


@pytest.mark.parametrize(
    "text",
    ["Inloggen mislukt. Probeer het opnieuw (foutcode loa_too_low).", "eHerkenning is niet bereikbaar", ""],
)
def test_error_pages_are_not_stack_traces(text: str) -> None:
    assert not looks_like_stack_trace(text)


def test_same_origin() -> None:
    assert same_origin("http://127.0.0.1:8801/broker/sso", "http://localhost:8801")
    assert same_origin("https://hm.example/x", "https://hm.example:443")
    assert not same_origin("http://127.0.0.1:8801/", "http://127.0.0.1:8802/")
    assert not same_origin("https://127.0.0.1:8801/", "http://127.0.0.1:8801/")
