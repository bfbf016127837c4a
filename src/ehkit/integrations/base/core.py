"""The flow every integration shares: login, ACS, error pages, logout, documents, guards.

:class:`EHerkenningCore` is built once per application from
:class:`~ehkit.integrations.base.settings.IntegrationSettings`. It holds the
loaded configuration and one :class:`~ehkit.ServiceProvider`, and answers
framework-free :class:`~ehkit.integrations.base.web.WebRequest` objects.
The protocol itself stays in ``ehkit.sp``: this module only decides which
call to make, where the browser goes next, and what the session holds.

The protocol of each service comes from ``ehkit.toml`` (``[broker] protocol``
or the service's own ``protocol``): :meth:`EHerkenningCore.login` starts a
SAML AuthnRequest or an OpenID Connect authorization request through the same
``ServiceProvider.start_login``; the broker's answer arrives at the ACS (SAML)
or at the OIDC callback (``broker.oidc.redirect_uri``), and both end in the
same finish step: one typed ``LoginResult`` sealed into a new session, the
same ``next`` target, the same outcome pages and audit reasons.

The browser binding of a login is a dedicated cookie carrying the pending
request ID, scoped to the path the answer comes back to (the ACS, or the OIDC
callback; for OIDC the request ID is a hash of ``state``, so the callback's
``state`` must belong to this browser, and the nonce and PKCE verifier stay
server-side in the state store). It is ``SameSite=None; Secure`` when the
ACS is https, so it also arrives with the cross-site POST a broker sends for
the POST binding (and for an artifact delivered by form); on plain-http
loopback development it is ``SameSite=Lax``, which the artifact binding's
top-level GET redirect carries. The framework's session cookie keeps its own
(Lax) setting: the ACS does not need it, it replaces the session anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from ehkit.config import EhkitConfig
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError, LoginRejected
from ehkit.integrations.base.guard import Decision, Requirement, Verdict, decide
from ehkit.integrations.base.redirects import safe_next, same_origin
from ehkit.integrations.base.session import SessionDataError, SessionSeal, StoredLogin
from ehkit.integrations.base.settings import IntegrationSettings
from ehkit.integrations.base.texts import choose_language, texts_for
from ehkit.integrations.base.web import LANG_COOKIE, Cookie, Page, WebRequest, WebResponse
from ehkit.reasons import UserOutcome, outcome
from ehkit.saml.timefmt import utcnow
from ehkit.sp.audit import AuditEvent
from ehkit.sp.logout import LogoutStart
from ehkit.sp.provider import LoginStart, ServiceProvider
from ehkit.sp.result import LoginResult

log = logging.getLogger("ehkit.integrations")

OUTCOMES: tuple[UserOutcome, ...] = ("cancelled", "unavailable", "refused")
OUTCOME_STATUS = {"cancelled": 200, "unavailable": 503, "refused": 403}
CATALOGUE_CACHE_SECONDS = 300

LogoutHook = Callable[[ServiceProvider, LoginResult], "LoginStart | None"]


class SessionPort(Protocol):
    """The framework's session, as the core needs it."""

    def load(self) -> Any:
        """The sealed login stored under SESSION_KEY, or None."""

    def establish(self, sealed: str, result: LoginResult) -> None:
        """Start a new session (new ID where the backend has IDs) holding ``sealed``."""

    def destroy(self) -> None:
        """End the session: drop its data and its ID."""


def build_provider(config: EhkitConfig, settings: IntegrationSettings) -> ServiceProvider:
    """The one ServiceProvider of an application, with the integration's binding choices."""
    sp = ServiceProvider.from_config(config, request_binding=settings.request_binding)
    if settings.response_binding != sp.settings.response_binding:
        # from_config has no response-binding parameter yet; SpSettings validates the combination
        # (post needs dv.post_acs_url) when replaced, and nothing derived from it is cached.
        sp.settings = replace(sp.settings, response_binding=settings.response_binding)
    return sp


def start_response(start: LoginStart | LogoutStart) -> WebResponse:
    """A ``LoginStart`` (or ``LogoutStart``) as an HTTP answer: 303 to the broker, or the self-posting form."""
    headers = dict(start.headers)
    headers.setdefault("Cache-Control", "no-cache, no-store")
    if start.method == "redirect":
        return WebResponse(303, headers=headers, location=start.url)
    return WebResponse(200, headers=headers, html=start.form_html or "", content_type="text/html; charset=utf-8")


class EHerkenningCore:
    """One per application. Thread-safe (the ServiceProvider is; the caches take a lock)."""

    def __init__(
        self,
        settings: IntegrationSettings,
        *,
        config: EhkitConfig | None = None,
        sp: ServiceProvider | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.config = config if config is not None else settings.load_config()
        self.sp = sp if sp is not None else build_provider(self.config, settings)
        self.seal = SessionSeal(self.config.relay_state_key())
        self.levels: dict[str, LevelOfAssurance] = {s.key: s.loa for s in self.config.services}
        self.clock = clock
        acs = urlsplit(self.config.dv.acs_url)
        self.acs_path = acs.path or "/"
        self._acs_https = acs.scheme == "https"
        self.protocols: dict[str, str] = {s.key: self.config.protocol_of(s) for s in self.config.services}
        oidc = self.config.broker.oidc
        callback = urlsplit(oidc.redirect_uri) if oidc is not None else None
        #: The path of ``broker.oidc.redirect_uri`` (None without an OIDC front).
        self.callback_path: str | None = (callback.path or "/") if callback is not None else None
        self._callback_https = callback is not None and callback.scheme == "https"
        self._lock = threading.Lock()
        self._metadata_cache: dict[tuple[str, ...], bytes] = {}
        self._catalogue_cache: tuple[float, bytes] | None = None
        if settings.default_service is not None and settings.default_service not in self.levels:
            from ehkit.config import ConfigInvalidError, ConfigProblem

            raise ConfigInvalidError(
                [
                    ConfigProblem(
                        settings.label("DEFAULT_SERVICE"),
                        f"{settings.default_service!r} is not a service in ehkit.toml (known: {', '.join(self.levels)})",
                    )
                ],
                source=settings.source,
            )

    def close(self) -> None:
        self.sp.close()

    # ------------------------------------------------------------------ pages and cookies

    def language(self, req: WebRequest) -> str:
        return choose_language(req.query.get("lang"), req.cookies.get(LANG_COOKIE), req.headers.get("accept-language"))

    def service_name(self, key: str | None, lang: str) -> str:
        for s in self.config.services:
            if s.key == key:
                return s.name_en if lang == "en" else s.name_nl
        return key or ""

    def page(self, req: WebRequest, template: str, status: int, **context: Any) -> WebResponse:
        """A page in the request's language, with a language switch back to the same view."""
        lang = self.language(req)
        other = "en" if lang == "nl" else "nl"
        query = {k: v for k, v in req.query.items() if k != "lang"}
        query["lang"] = other
        ctx = {
            "lang": lang,
            "other_lang": other,
            "t": texts_for(lang),
            "lang_url": f"{req.path}?{urlencode(query)}",
            "home_url": self.settings.logout_redirect,
            **context,
        }
        response = WebResponse(status, page=Page(template, ctx))
        if req.query.get("lang") in ("nl", "en"):
            response.cookies.append(Cookie(LANG_COOKIE, lang, 365 * 86400, "/", secure=self._cookie_secure()))
        return response

    def _cookie_secure(self) -> bool:
        return self.settings.cookie_secure if self.settings.cookie_secure is not None else self._acs_https

    def request_cookie(self, value: str, max_age: int, *, oidc: bool = False) -> Cookie:
        """The browser binding of a pending login, scoped to where the answer comes back:
        the ACS (SAML) or the OIDC callback."""
        path = self.callback_path if oidc and self.callback_path else self.acs_path
        if self.settings.cookie_secure is not None:
            secure = self.settings.cookie_secure
        else:
            secure = self._callback_https if oidc else self._acs_https
        samesite = self.settings.cookie_samesite or ("none" if secure else "lax")
        return Cookie(
            self.settings.request_cookie, value, max_age, path, secure=secure, httponly=True, samesite=samesite
        )

    def _drop_request_cookie(self, response: WebResponse, *, oidc: bool = False) -> None:
        response.cookies.append(self.request_cookie("", 0, oidc=oidc))

    # ------------------------------------------------------------------ login

    def resolve_service(self, key: str | None) -> str | None:
        if key:
            return key if key in self.levels else None
        if self.settings.default_service:
            return self.settings.default_service
        return next(iter(self.levels)) if len(self.levels) == 1 else None

    def login(self, req: WebRequest) -> WebResponse:
        """``login/?service=KEY&next=/path``: the browser on its way to the broker.

        A SAML service gets a signed AuthnRequest, an OIDC service an
        authorization request (code flow, PKCE, ``state`` and ``nonce``);
        which one is ``ehkit.toml``'s business, not the application's.
        """
        service = self.resolve_service(req.query.get("service"))
        if service is None:
            log.warning("login for an unknown or missing service %.60r", req.query.get("service"))
            return self.page(req, "ehkit/not_found.html", 404)
        target = safe_next(req.query.get("next"), req.origin) or self.settings.login_redirect
        try:
            start = self.sp.start_login(service, relay_state=target)
        except EhkitError as exc:
            self._audit_refusal(reason=exc.reason, stage="start", service=service)
            return self.refused(req, outcome(exc.reason), exc.reason, service, target, render=True)
        response = start_response(start)
        ttl = max(60, int((start.expires_at - self.clock()).total_seconds()))
        response.cookies.append(self.request_cookie(start.request_id, ttl, oidc=self.protocols.get(service) == "oidc"))
        return response

    # ------------------------------------------------------------------ the broker's answer

    def acs(self, req: WebRequest, session: SessionPort) -> WebResponse:
        """The broker's SAML answer, by artifact (GET or POST) or by POST binding; then a new session."""
        params = req.form if req.method == "POST" else req.query
        if not params.get("SAMLart") and not params.get("SAMLResponse"):
            # No message at all: the broker sent a browser back after a finished login (Back button).
            revisit = self.revisit(session)
            if revisit is not None:
                return revisit
        request_id = req.cookies.get(self.settings.request_cookie)
        if not request_id:
            return self.unbound(req, session, stage="acs")
        return self.finish(
            req,
            session,
            lambda: self.sp.finish_login(
                saml_art=params.get("SAMLart"),
                saml_response=params.get("SAMLResponse"),
                relay_state=params.get("RelayState"),
                request_id=request_id,
            ),
        )

    def oidc_callback(self, req: WebRequest, session: SessionPort) -> WebResponse:
        """The OpenID provider's answer at ``broker.oidc.redirect_uri`` (``code`` and ``state``, or ``error``).

        The whole query goes to the SP as pairs (a repeated parameter is
        refused there); the ``state`` must answer the pending login of the
        binding cookie. Then the same finish step as SAML.
        """
        pairs = parse_qsl(urlsplit(req.full_path).query, keep_blank_values=True)
        if not any(name in ("state", "code", "error") for name, _ in pairs):
            revisit = self.revisit(session)
            if revisit is not None:
                return revisit
        request_id = req.cookies.get(self.settings.request_cookie)
        if not request_id:
            return self.unbound(req, session, stage="oidc_callback")
        return self.finish(req, session, lambda: self.sp.finish_oidc_login(pairs, request_id=request_id), oidc=True)

    def revisit(self, session: SessionPort) -> WebResponse | None:
        """A browser back at the ACS or callback after its login finished (Back, reload, the broker's
        "return" link): where that login was going, instead of an error. None when not logged in."""
        stored = self.stored_login(session.load())
        if stored is None:
            return None
        return WebResponse.redirect(stored.result.relay_state or self.settings.login_redirect)

    def unbound(self, req: WebRequest, session: SessionPort, *, stage: str) -> WebResponse:
        """An answer without the binding cookie: never processed.

        Resolving it would let anyone plant their login in a victim's browser
        (login CSRF). A browser that is logged in already (it went Back to the
        spent answer) is sent where its login was going; others get the
        refused page.
        """
        self._audit_refusal(reason="request_binding_missing", stage=stage)
        revisit = self.revisit(session)
        if revisit is not None:
            return revisit
        return self.refused(req, outcome("request_binding_missing"), "request_binding_missing", None, None)

    def finish(
        self, req: WebRequest, session: SessionPort, complete: Callable[[], LoginResult], *, oidc: bool = False
    ) -> WebResponse:
        """The end of every login, SAML or OIDC: ``complete()`` gives the LoginResult (or raises with
        a reason); the login is sealed into a new session and the browser goes to its ``next``."""
        try:
            result = complete()
        except LoginRejected as exc:
            # The SP's audit event already holds the reason.
            response = self.refused(req, outcome(exc.reason), exc.reason, exc.service, exc.relay_target)
            if exc.request_id is not None:  # the pending request is used up
                self._drop_request_cookie(response, oidc=oidc)
            return response
        except EhkitError as exc:  # store or configuration trouble before a verdict
            return self.refused(req, outcome(exc.reason), exc.reason, None, None)
        now = self.clock()
        expires = now + timedelta(seconds=self.settings.session_max_age)
        if result.session_not_on_or_after is not None:
            expires = min(expires, result.session_not_on_or_after)
        try:
            sealed = self.seal.seal(StoredLogin(result, now, expires))
            session.establish(sealed, result)
        except SessionDataError as exc:
            log.error("cannot store the login in the session: %s", exc)
            self._audit_refusal(
                reason="session_too_large", stage="session", service=result.service, request=result.request_id
            )
            reason = "session_too_large"
            return self.refused(req, outcome(reason), reason, result.service, result.relay_state)
        except EhkitError as exc:
            self._audit_refusal(reason=exc.reason, stage="session", service=result.service, request=result.request_id)
            response = self.refused(req, outcome(exc.reason), exc.reason, result.service, result.relay_state)
            self._drop_request_cookie(response, oidc=oidc)
            return response
        response = WebResponse.redirect(result.relay_state or self.settings.login_redirect)
        self._drop_request_cookie(response, oidc=oidc)
        return response

    def refused(
        self,
        req: WebRequest,
        kind: str,
        reason: str,
        service: str | None,
        next_path: str | None,
        *,
        render: bool = False,
    ) -> WebResponse:
        """How a login that did not log the user in ends: ``ERROR_HOOK`` if set and it answers,
        else a redirect to the outcome page (``render``: the page itself, for the login start)."""
        hook = self.settings.error_hook
        if hook is not None:
            answer = hook(req, kind, reason, service, next_path)
            if answer is not None:
                if not isinstance(answer, WebResponse):
                    raise TypeError(f"ERROR_HOOK must return a WebResponse or None, got {type(answer).__name__}")
                return answer
        if render:
            return self.outcome_page(req, kind, service, next_path)
        return WebResponse.redirect(req.urls.error_for(kind, service, next_path))

    def outcome_page(self, req: WebRequest, kind: str, service: str | None, next_path: str | None) -> WebResponse:
        """The page for one way a login can end; never shows the reason code."""
        if kind not in OUTCOMES:
            return self.page(req, "ehkit/not_found.html", 404)
        service = service if service in self.levels else None
        target = safe_next(next_path, req.origin)
        lang = self.language(req)
        return self.page(
            req,
            f"ehkit/{kind}.html",
            OUTCOME_STATUS[kind],
            outcome=kind,
            service=service,
            service_name=self.service_name(service, lang) if service else None,
            retry_url=req.urls.login_for(service, target) if service else None,
        )

    def error_view(self, req: WebRequest, kind: str) -> WebResponse:
        return self.outcome_page(req, kind, req.query.get("service"), req.query.get("next"))

    def _audit_refusal(
        self, *, reason: str, stage: str, service: str | None = None, request: str | None = None
    ) -> None:
        event = AuditEvent()
        event.set(stage=stage, service=service, request_id=request, broker=self.sp.settings.broker_entity_id)
        event.emit("rejected", reason)

    # ------------------------------------------------------------------ the session's login

    def stored_login(self, token: Any) -> StoredLogin | None:
        return self.seal.read(token, self.clock())

    def current_login(self, token: Any) -> LoginResult | None:
        stored = self.stored_login(token)
        return stored.result if stored is not None else None

    def check(self, token: Any, requirement: Requirement) -> tuple[Decision, LoginResult | None]:
        login = self.current_login(token)
        decision = decide(login, requirement, self.levels, default_service=self.settings.default_service)
        return decision, login

    def guard(
        self, req: WebRequest, token: Any, requirement: Requirement
    ) -> tuple[LoginResult | None, WebResponse | None]:
        """For a protected view: the login when it suffices, else the answer to send instead.

        Anonymous users go to the login of the view's service and come back
        here; a login for another service or at a lower level gets a page
        that explains it and offers that login.
        """
        decision, login = self.check(token, requirement)
        if decision.ok:
            return login, None
        back = safe_next(req.full_path, req.origin)
        if decision.verdict is Verdict.ANONYMOUS or login is None:
            return None, WebResponse.redirect(req.urls.login_for(decision.login_service, back), status=302)
        lang = self.language(req)
        t = texts_for(lang)
        needed_name = self.service_name(decision.login_service, lang)
        return None, self.page(
            req,
            "ehkit/forbidden.html",
            403,
            verdict=decision.verdict.value,
            service=decision.login_service,
            service_name=needed_name,
            level=decision.needed.label,
            explanation=t["forbidden_text"].format(service=needed_name, level=decision.needed.label),
            current=t["forbidden_current"].format(
                service=self.service_name(login.service, lang), level=login.loa_required.label
            ),
            retry_url=req.urls.login_for(decision.login_service, back),
        )

    # ------------------------------------------------------------------ logout

    def logout_page(self, req: WebRequest, **context: Any) -> WebResponse:
        return self.page(req, "ehkit/logout.html", 200, logout_url=req.urls.logout, **context)

    def cross_site(self, req: WebRequest) -> bool:
        """A state-changing POST from another site (for frameworks without CSRF tokens)."""
        origin = req.headers.get("origin")
        if origin:
            return origin == "null" or not same_origin(origin, req.origin)
        return req.headers.get("sec-fetch-site") in ("cross-site", "same-site")

    def logout(self, req: WebRequest, session: SessionPort) -> WebResponse:
        """Logout: the local session is destroyed first, whatever happens next.

        Then single logout at the broker (docs/logout.md): with ``dv.slo_url``
        configured and a SingleLogoutService in the broker metadata, the
        browser goes to the broker with a signed LogoutRequest and comes back
        at :meth:`slo`. ``LOGOUT_HOOK`` (``hook(sp, login) -> LoginStart | None``)
        replaces that step when set: a start it returns is answered like a
        login start (redirect or self-posting form).
        """
        login = self.current_login(session.load())
        session.destroy()
        if login is not None:
            log.info("local logout (service %s)", login.service)
        hook = self.settings.logout_hook
        start: Any = None
        if login is not None:
            try:
                if hook is not None:
                    start = hook(self.sp, login)
                elif self.sp.settings.slo_url:
                    start = self.sp.start_logout(login, relay_state=self.settings.logout_redirect)
            except EhkitError as exc:
                log.warning("single logout could not start (%s); logged out locally", exc.reason)
                start = None
        response = WebResponse.redirect(self.settings.logout_redirect)
        if start is not None:
            response = start_response(start)
            if hook is None:  # our own LogoutRequest: bind its answer to this browser, as a login's
                response.cookies.append(self.logout_cookie(start.request_id, 600))
        self._drop_request_cookie(response)
        return response

    # ------------------------------------------------------------------ single logout endpoint

    @property
    def slo_path(self) -> str:
        return urlsplit(self.sp.settings.slo_url or "").path or "/"

    def logout_cookie(self, value: str, max_age: int) -> Cookie:
        secure = self._cookie_secure()
        samesite = self.settings.cookie_samesite or ("none" if secure else "lax")
        name = self.settings.request_cookie + "_logout"
        return Cookie(name, value, max_age, self.slo_path, secure=secure, httponly=True, samesite=samesite)

    def slo(self, req: WebRequest, session: SessionPort) -> WebResponse:
        """The DV's SingleLogoutService (``dv.slo_url``), Redirect (GET) and POST bindings.

        * the broker's **LogoutResponse** to our LogoutRequest: verified, then the
          browser goes on to ``LOGOUT_REDIRECT``; a refused one shows the
          "close all browser windows" page;
        * a **LogoutRequest** from the broker: the session it names is ended and
          the broker gets a signed LogoutResponse.

        Fail closed: any logout message that fails a check still ends the
        session of this browser.
        """
        params = req.form if req.method == "POST" else req.query
        raw_query = req.query_string if req.method == "GET" else None
        if "SAMLResponse" in params:
            session.destroy()
            try:
                result = self.sp.finish_logout(
                    query_string=raw_query,
                    saml_response=params.get("SAMLResponse") if req.method == "POST" else None,
                    relay_state=params.get("RelayState") if req.method == "POST" else None,
                    request_id=req.cookies.get(self.settings.request_cookie + "_logout"),
                )
            except EhkitError as exc:
                self._audit_refusal(reason=exc.reason, stage="logout")
                log.warning("the broker's LogoutResponse was refused (%s): logged out locally only", exc.reason)
                response = self.page(req, "ehkit/logout_incomplete.html", 200)
            else:
                log.info("single logout confirmed by the broker (service %s)", result.service)
                target = safe_next(result.relay_target, req.origin) or self.settings.logout_redirect
                response = WebResponse.redirect(target)
            response.cookies.append(self.logout_cookie("", 0))
            return response
        if "SAMLRequest" in params:
            current = self.current_login(session.load())

            def end_session(message: Any) -> bool:
                if current is None or current.session_index not in message.session_indexes:
                    return False  # not this browser's session: nothing here to end
                session.destroy()
                log.info("single logout started by the broker (service %s)", current.service)
                return True

            try:
                answer = self.sp.handle_logout_request(
                    end_session=end_session,
                    query_string=raw_query,
                    saml_request=params.get("SAMLRequest") if req.method == "POST" else None,
                    relay_state=params.get("RelayState") if req.method == "POST" else None,
                )
            except EhkitError as exc:  # no broker metadata or SLO endpoint to answer at
                session.destroy()
                self._audit_refusal(reason=exc.reason, stage="logout")
                return self.page(req, "ehkit/logout_incomplete.html", 200)
            if answer.rejected is not None:
                session.destroy()  # fail closed
                self._audit_refusal(reason=answer.rejected.reason, stage="logout")
                log.warning(
                    "the broker's LogoutRequest was refused (%s); the local session is ended", answer.rejected.reason
                )
            return start_response(answer.response)
        return self.page(req, "ehkit/not_found.html", 404)

    # ------------------------------------------------------------------ documents

    def metadata_document(self, group: str) -> WebResponse:
        """Signed SP metadata of one service group (public: brokers may fetch it by URL)."""
        from ehkit.catalogue.sp_metadata import build_sp_metadata

        if group not in {g.name for g in self.config.service_groups()}:
            return WebResponse(404, body=b"no such metadata group\n", content_type="text/plain; charset=utf-8")
        now = self.clock()
        keys = self.config.keys
        cache_key = (group, str(keys.signing_pair(now).cert), *(str(f.cert) for f in keys.metadata_certificates(now)))
        with self._lock:
            data = self._metadata_cache.get(cache_key)
        if data is None:
            data = build_sp_metadata(self.config, group, now)
            with self._lock:
                self._metadata_cache[cache_key] = data
        return WebResponse(
            200,
            headers={"Cache-Control": "public, max-age=3600"},
            body=data,
            content_type="application/samlmetadata+xml",
        )

    def catalogue_document(self, *, staff: bool = False) -> WebResponse:
        """The signed service catalogue for the operator to send to the broker.

        Off by default: every fresh copy costs a signature with the DV key, and
        the operator can use ``ehkit catalogue build`` instead. ``"public"``
        serves it to anyone (its content is public in the aggregated catalogue
        anyway); ``"staff"`` only to staff users (Django).
        """
        from ehkit.catalogue.build import build_catalogue

        access = self.settings.catalogue_download
        if access == "off" or (access == "staff" and not staff):
            return WebResponse(404, body=b"not found\n", content_type="text/plain; charset=utf-8")
        now_mono = time.monotonic()
        with self._lock:
            cached = self._catalogue_cache
        if cached is None or now_mono - cached[0] > CATALOGUE_CACHE_SECONDS:
            cached = (now_mono, build_catalogue(self.config, at=self.clock()))
            with self._lock:
                self._catalogue_cache = cached
        return WebResponse(
            200,
            body=cached[1],
            content_type="application/xml",
            headers={"Content-Disposition": 'attachment; filename="catalogue.xml"', "Cache-Control": "no-store"},
        )
