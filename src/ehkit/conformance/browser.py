"""An HTTP client that behaves like a browser for the purpose of a SAML login.

It keeps cookies, follows redirects (and ``<meta http-equiv="refresh">``) and
submits the self-posting forms SAML bindings use (any form carrying a
SAMLRequest, SAMLResponse or SAMLart), as a browser with JavaScript would. It
stops before it sends a request that ``intercept`` claims: that is how the
suite takes over at the simulator's SSO endpoint. Every step is recorded, so
the report can show what the DV answered.

It runs no JavaScript; a DV whose login page needs a script to start the
login is out of reach (see docs/conformance.md).
"""

from __future__ import annotations

import html
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

__all__ = ["Browser", "Hop", "Navigation", "PendingRequest", "looks_like_stack_trace"]

MAX_HOPS = 20
BODY_EXCERPT = 1500
_SAML_FIELDS = {"SAMLRequest", "SAMLResponse", "SAMLart"}
_REDIRECT_CODES = {301, 302, 303, 307, 308}

#: What the error pages of common stacks print when an exception escapes (Python, Java, .NET, PHP, Ruby, Node).
_STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)"
    r"|File \"[^\"]+\.py\", line \d+"
    r"|\bat [a-zA-Z_$][\w$]*(\.[\w$<>]+)+\([\w$]+\.java:\d+\)"
    r"|Exception in thread \""
    r"|Server Error in '[^']*' Application"
    r"|System\.[A-Za-z]+Exception:"
    r"|Whitelabel Error Page"
    r"|PHP (Fatal error|Warning|Parse error):"
    r"|<b>Fatal error</b>:"
    r"|Stack trace:\s*#0"
    r"|\w+Error \(\w+\)[^\n]*\n[^\n]*app/[\w/]+\.rb:\d+"
    r"|    at [\w.<>$]+ \((?:file://)?/[^)]+:\d+:\d+\)"
)


def looks_like_stack_trace(text: str) -> bool:
    """True when ``text`` contains what an unhandled exception's debug page shows."""
    return _STACK_TRACE.search(text) is not None


@dataclass(frozen=True)
class Hop:
    """One request the browser made and what came back."""

    method: str
    url: str
    status: int | None
    headers: dict[str, str]
    excerpt: str
    #: Why there was no answer (timeout, refused connection).
    error: str | None = None

    @property
    def stack_trace(self) -> bool:
        return looks_like_stack_trace(self.excerpt)

    def line(self) -> str:
        answer = str(self.status) if self.status is not None else f"no answer ({self.error})"
        location = self.headers.get("location")
        return f"{self.method} {self.url} -> {answer}" + (f" (Location: {location})" if location else "")


@dataclass(frozen=True)
class PendingRequest:
    """A request the browser was about to send when ``intercept`` stopped it."""

    method: str
    url: str
    form: dict[str, str]


@dataclass
class Navigation:
    hops: list[Hop] = field(default_factory=list)
    #: Set when the navigation stopped at an intercepted request.
    pending: PendingRequest | None = None
    #: The last page (None when intercepted or when the DV did not answer).
    final: httpx.Response | None = None
    final_text: str = ""

    @property
    def last(self) -> Hop | None:
        return self.hops[-1] if self.hops else None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.refresh: str | None = None
        self._current: tuple[str, str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self._current = (a.get("action", ""), a.get("method", "get").upper(), {})
            self.forms.append(self._current)
        elif tag in ("input", "button", "textarea") and self._current is not None and a.get("name"):
            self._current[2][a["name"]] = a.get("value", "")
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.IGNORECASE)
            if match:
                self.refresh = match.group(1).strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _next_from_page(text: str, base: str) -> PendingRequest | None:
    parser = _FormParser()
    try:
        parser.feed(text)
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is lenient
        return None
    for action, method, fields in parser.forms:
        if _SAML_FIELDS & set(fields):
            return PendingRequest(method if method in ("GET", "POST") else "GET", urljoin(base, action), fields)
    if parser.refresh:
        return PendingRequest("GET", urljoin(base, html.unescape(parser.refresh)), {})
    return None


def _headers(response: httpx.Response) -> dict[str, str]:
    keep = ("location", "cache-control", "pragma", "content-type", "set-cookie", "x-frame-options")
    return {k: response.headers.get(k, "") for k in keep if k in response.headers}


class Browser:
    """One browser profile: its own cookie jar. Make a fresh one for every login."""

    def __init__(self, *, timeout: float = 20.0, verify: ssl.SSLContext | bool = True) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            verify=verify,
            trust_env=False,
            headers={"User-Agent": "ehkit-conformance/1 (browser-like)", "Accept-Language": "nl,en;q=0.8"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str) -> tuple[httpx.Response | None, Hop]:
        """One GET without following redirects (the success detector: a redirect is not a page)."""
        return self._send("GET", url, {})

    def _send(self, method: str, url: str, form: dict[str, str]) -> tuple[httpx.Response | None, Hop]:
        try:
            if method == "POST":
                response = self._client.post(url, data=form)
            else:
                response = self._client.get(url, params=form or None)
        except httpx.HTTPError as exc:
            return None, Hop(method, url, None, {}, "", error=f"{type(exc).__name__}: {exc}"[:300])
        text = response.text
        return response, Hop(method, str(response.url), response.status_code, _headers(response), text[:BODY_EXCERPT])

    def navigate(
        self,
        method: str,
        url: str,
        form: dict[str, str] | None = None,
        *,
        intercept: Callable[[str, str], bool] | None = None,
    ) -> Navigation:
        """Go to ``url`` and on until a page needs a person; stop early at a request ``intercept(method, url)`` claims."""
        nav = Navigation()
        pending = PendingRequest(method, url, dict(form or {}))
        for _ in range(MAX_HOPS):
            if intercept is not None and intercept(pending.method, pending.url):
                nav.pending = pending
                return nav
            response, hop = self._send(pending.method, pending.url, pending.form)
            nav.hops.append(hop)
            if response is None:
                return nav
            if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                target = urljoin(str(response.url), response.headers["location"])
                keep_post = response.status_code in (307, 308) and pending.method == "POST"
                pending = PendingRequest("POST" if keep_post else "GET", target, pending.form if keep_post else {})
                continue
            text = response.text
            following = (
                _next_from_page(text, str(response.url)) if "html" in response.headers.get("content-type", "") else None
            )
            if following is None:
                nav.final, nav.final_text = response, text
                return nav
            pending = following
        nav.hops.append(Hop(pending.method, pending.url, None, {}, "", error=f"more than {MAX_HOPS} redirects"))
        return nav


def same_origin(a: str, b: str) -> bool:
    """Scheme, port and host equal, with the loopback names treated as one host."""
    pa, pb = urlsplit(a), urlsplit(b)
    loop = {"127.0.0.1", "localhost", "::1"}
    ha, hb = pa.hostname or "", pb.hostname or ""
    same_host = ha == hb or (ha in loop and hb in loop)
    return (
        pa.scheme == pb.scheme
        and same_host
        and (pa.port or _default_port(pa.scheme)) == (pb.port or _default_port(pb.scheme))
    )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
