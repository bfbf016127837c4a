"""In-memory state of the simulator: login flows in progress, issued artifacts, seen request IDs.

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


@dataclass
class BrokerState:
    flows: dict[str, LoginFlow] = field(default_factory=dict)
    artifacts: dict[str, StoredArtifact] = field(default_factory=dict)
    seen_requests: dict[tuple[str, str], datetime] = field(default_factory=dict)
    errors: dict[str, ErrorRecord] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
