"""In-memory state of the simulator: login flows in progress, issued artifacts, seen request IDs,
the AD sessions of browsers (single sign-on) and logouts in progress.

A test broker restarts often and holds nothing worth keeping, so memory is
enough; a lock makes it safe for the threads uvicorn may run sync code in.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ehkit.broker.dv_registry import DvService, RegisteredDv
from ehkit.domain.loa import LevelOfAssurance
from ehkit.saml.metadata import Endpoint

#: A flow older than this is forgotten (a real HM session lasts about as long).
FLOW_TTL = timedelta(hours=2)
#: Request IDs are remembered this long to refuse a replayed AuthnRequest.
REQUEST_ID_TTL = timedelta(hours=24)
#: An error page reached by a POST is shown at a GET address this long (reload, language switch).
ERROR_TTL = timedelta(minutes=30)
#: At most this many such error records are kept; the oldest go first.
MAX_ERRORS = 1000


@dataclass
class LoginFlow:
    """One AuthnRequest being handled, and the user's choices so far."""

    id: str
    dv: RegisteredDv
    service: DvService
    request_id: str | None
    relay_state: str | None
    acs: Endpoint
    response_binding: Literal["artifact", "post"]
    requested_loa: LevelOfAssurance | None
    provider_name: str | None
    created: datetime
    lang: str = "nl"
    scenario: str = "none"
    ad_id: str | None = None
    persona_id: str | None = None
    loa_used: LevelOfAssurance | None = None
    finished: bool = False
    #: For a login through the OpenID Connect front: the authorization request (see oidc_provider).
    oidc: Any = None
    #: The AuthnRequest's ForceAuthn: False lets the login reuse the browser's AD session (SSO).
    force_authn: bool = True
    #: The browser's AD-session cookie value, when the flow runs in a browser.
    browser: str | None = None
    #: The login reused an AD session (no credentials asked).
    sso: bool = False

    @property
    def protocol(self) -> str:
        return "oidc" if self.oidc is not None else "saml"


@dataclass
class StoredArtifact:
    dv_entity_id: str
    response_xml: bytes
    expires: datetime
    uses_left: int = 1
    resolution: str = "normal"
    scenario: str = "none"


@dataclass(frozen=True)
class ErrorRecord:
    """An error page to show again at ``/broker/error/<id>``: the POST that caused it is not repeated."""

    reason: str
    message: str
    status: int
    created: datetime


@dataclass(frozen=True)
class SessionParticipant:
    """A DV (service) that received a login from an AD session: single logout tells it."""

    dv_entity_id: str
    service_id: str
    session_index: str
    name_id: str


@dataclass
class AdSession:
    """The authentication at an AD, per browser: at most AD_SESSION_MAX, for SSO and single logout."""

    browser: str
    ad_id: str
    persona_id: str
    loa_used: LevelOfAssurance
    created: datetime
    expires: datetime
    participants: list[SessionParticipant] = field(default_factory=list)

    def alive(self, now: datetime) -> bool:
        return now < self.expires


@dataclass
class LogoutFlow:
    """A single logout in progress at the HM.

    ``kind`` "dv": a DV sent a LogoutRequest (``request_id``), the HM answers it.
    "broker": the HM logs the browser out of every participant in turn
    (``pending``), each with a LogoutRequest of ours (``sent_request_id``).
    """

    id: str
    kind: Literal["dv", "broker"]
    created: datetime
    lang: str = "nl"
    dv: RegisteredDv | None = None
    request_id: str | None = None
    relay_state: str | None = None
    binding: Literal["redirect", "post"] = "redirect"
    #: The AD session that was ended (None: none was found: "uitloggen nu niet mogelijk").
    session: AdSession | None = None
    scenario: str = "none"
    pending: list[SessionParticipant] = field(default_factory=list)
    current: SessionParticipant | None = None
    sent_request_id: str | None = None
    results: list[tuple[str, str]] = field(default_factory=list)
    finished: bool = False


@dataclass
class BrokerState:
    flows: dict[str, LoginFlow] = field(default_factory=dict)
    artifacts: dict[str, StoredArtifact] = field(default_factory=dict)
    seen_requests: dict[tuple[str, str], datetime] = field(default_factory=dict)
    errors: dict[str, ErrorRecord] = field(default_factory=dict)
    #: AD sessions by browser cookie value.
    ad_sessions: dict[str, AdSession] = field(default_factory=dict)
    logouts: dict[str, LogoutFlow] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ------------------------------------------------------------ AD sessions (SSO, single logout)

    def ad_session(self, browser: str | None, now: datetime) -> AdSession | None:
        """The browser's live AD session; an expired one is forgotten."""
        if not browser:
            return None
        with self._lock:
            session = self.ad_sessions.get(browser)
            if session is not None and not session.alive(now):
                del self.ad_sessions[browser]
                return None
            return session

    def put_ad_session(self, session: AdSession) -> None:
        with self._lock:
            for key in [k for k, s in self.ad_sessions.items() if not s.alive(session.created)]:
                del self.ad_sessions[key]
            self.ad_sessions[session.browser] = session

    def join_ad_session(self, browser: str, participant: SessionParticipant) -> None:
        with self._lock:
            session = self.ad_sessions.get(browser)
            if session is not None:
                session.participants.append(participant)

    def end_ad_session(self, browser: str | None) -> AdSession | None:
        if not browser:
            return None
        with self._lock:
            return self.ad_sessions.pop(browser, None)

    def session_by_index(self, session_index: str, now: datetime) -> AdSession | None:
        with self._lock:
            for session in self.ad_sessions.values():
                if session.alive(now) and any(p.session_index == session_index for p in session.participants):
                    return session
            return None

    def add_logout(self, flow: LogoutFlow) -> None:
        with self._lock:
            for key in [k for k, f in self.logouts.items() if flow.created - f.created > FLOW_TTL]:
                del self.logouts[key]
            self.logouts[flow.id] = flow

    def logout(self, flow_id: str) -> LogoutFlow | None:
        with self._lock:
            return self.logouts.get(flow_id)

    def add_error(self, record: ErrorRecord) -> str:
        with self._lock:
            for key in [k for k, e in self.errors.items() if record.created - e.created > ERROR_TTL]:
                del self.errors[key]
            while len(self.errors) >= MAX_ERRORS:
                del self.errors[next(iter(self.errors))]
            key = secrets.token_urlsafe(12)
            self.errors[key] = record
            return key

    def error(self, key: str, now: datetime) -> ErrorRecord | None:
        with self._lock:
            record = self.errors.get(key)
            return record if record is not None and now - record.created <= ERROR_TTL else None

    def add_flow(self, flow: LoginFlow) -> None:
        with self._lock:
            self._purge(flow.created)
            self.flows[flow.id] = flow

    def flow(self, flow_id: str) -> LoginFlow | None:
        with self._lock:
            return self.flows.get(flow_id)

    @staticmethod
    def new_flow_id() -> str:
        return secrets.token_urlsafe(18)

    def remember_request(self, issuer: str, request_id: str, now: datetime) -> bool:
        """False when this DV already sent this request ID (a replayed AuthnRequest)."""
        with self._lock:
            key = (issuer, request_id)
            if key in self.seen_requests:
                return False
            self.seen_requests[key] = now
            return True

    def store_artifact(self, artifact: str, entry: StoredArtifact) -> None:
        with self._lock:
            self.artifacts[artifact] = entry

    def take_artifact(self, artifact: str, issuer: str, now: datetime) -> StoredArtifact | None:
        """The entry if it exists, belongs to ``issuer``, has not expired and has uses left."""
        with self._lock:
            entry = self.artifacts.get(artifact)
            if entry is None or entry.dv_entity_id != issuer:
                return None
            if entry.expires <= now:
                del self.artifacts[artifact]
                return None
            entry.uses_left -= 1
            if entry.uses_left <= 0:
                del self.artifacts[artifact]
            return entry

    def _purge(self, now: datetime) -> None:
        for flow_id in [k for k, f in self.flows.items() if now - f.created > FLOW_TTL]:
            del self.flows[flow_id]
        for artifact in [k for k, a in self.artifacts.items() if a.expires <= now]:
            del self.artifacts[artifact]
        for seen in [k for k, t in self.seen_requests.items() if now - t > REQUEST_ID_TTL]:
            del self.seen_requests[seen]
