"""What an integration reads from its framework's request and writes back, framework-free.

Each integration converts its request into a :class:`WebRequest`, calls the
core, and turns the :class:`WebResponse` into its own response object:
status, headers, cookies, a redirect, a ready HTML body (the self-posting
form of the POST binding), a document, or a :class:`Page` to render with the
framework's own templates (so a project overrides them the usual way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

#: AS-WEB: login, ACS and every page that shows a login must not be cached.
NO_STORE: Mapping[str, str] = {"Cache-Control": "no-cache, no-store, must-revalidate, private", "Pragma": "no-cache"}
LANG_COOKIE = "ehkit_lang"


@dataclass(frozen=True)
class Urls:
    """Where the integration's views live on this site (paths, from the framework's URL reversing)."""

    login: str
    logout: str
    error: str  # with "{outcome}" in it

    def login_for(self, service: str | None, next_path: str | None = None) -> str:
        query = {k: v for k, v in (("service", service), ("next", next_path)) if v}
        return self.login + ("?" + urlencode(query) if query else "")

    def error_for(self, outcome: str, service: str | None, next_path: str | None) -> str:
        query = {k: v for k, v in (("service", service), ("next", next_path)) if v}
        return self.error.format(outcome=outcome) + ("?" + urlencode(query) if query else "")


@dataclass(frozen=True)
class WebRequest:
    method: str
    #: scheme://host[:port] of this site, as the framework sees the request.
    origin: str
    #: The path with its query string (for "come back here" links).
    full_path: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    cookies: Mapping[str, str]
    #: Lower-case header names.
    headers: Mapping[str, str]
    urls: Urls
    #: The raw query string as received (the SLO endpoint: a Redirect signature covers its exact bytes).
    query_string: str = ""

    @property
    def path(self) -> str:
        return self.full_path.split("?", 1)[0]


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    max_age: int
    path: str
    secure: bool
    httponly: bool = True
    samesite: str = "lax"

    @property
    def delete(self) -> bool:
        return self.max_age <= 0


@dataclass(frozen=True)
class Page:
    """A page to render: ``template`` (e.g. ``ehkit/cancelled.html``) with ``context``."""

    template: str
    context: Mapping[str, Any]


@dataclass
class WebResponse:
    status: int
    headers: dict[str, str] = field(default_factory=lambda: dict(NO_STORE))
    location: str | None = None
    html: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    page: Page | None = None
    cookies: list[Cookie] = field(default_factory=list)

    @classmethod
    def redirect(cls, location: str, status: int = 303) -> WebResponse:
        return cls(status, location=location)
