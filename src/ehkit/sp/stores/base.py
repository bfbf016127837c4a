"""What the SP remembers between ``start_login`` and ``finish_login``.

Two things, both security-relevant:

* **pending requests**: every AuthnRequest we sent, with the service and level
  it was for. A response is only accepted for a pending request, and taking a
  pending request is *atomic*: of two processes racing with the same
  InResponseTo, exactly one gets it (catalogue cases 60 and 62).
* **seen message IDs**: a replay cache of Response and Assertion IDs, kept
  until no clock-skewed policy check could accept the message again.

Backends: memory (one process), SQLite (one machine, many processes) and
Redis (many machines). They share one contract test suite.
"""

from __future__ import annotations

import abc
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import ConfigError


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class PendingRequest:
    """An AuthnRequest we sent and have not yet seen answered.

    ``relay_target`` is the application's own return path; it never travels to
    the broker. What travels is ``relay_token``, an opaque random value the
    broker must echo unchanged.
    """

    request_id: str
    service: str
    loa: LevelOfAssurance
    requested_loa: LevelOfAssurance | None
    response_binding: str
    created_at: datetime
    expires_at: datetime
    relay_target: str | None = None
    relay_token: str | None = None
    #: An OpenID Connect login (``response_binding`` "oidc") keeps its secrets here, server-side:
    #: nonce, PKCE verifier, client id. ``request_id`` is then derived from the ``state``.
    protocol_data: dict[str, str] | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        data["loa"] = self.loa.code
        data["requested_loa"] = self.requested_loa.code if self.requested_loa else None
        data["created_at"] = _aware(self.created_at).isoformat()
        data["expires_at"] = _aware(self.expires_at).isoformat()
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> PendingRequest:
        data = json.loads(text)
        data["loa"] = LevelOfAssurance.parse(data["loa"])
        data["requested_loa"] = LevelOfAssurance.parse(data["requested_loa"]) if data.get("requested_loa") else None
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        data["expires_at"] = datetime.fromisoformat(data["expires_at"])
        return cls(**data)

    def expired(self, now: datetime) -> bool:
        return _aware(now) >= _aware(self.expires_at)


class StateStore(abc.ABC):
    """The contract every backend fulfils. Time is passed in; backends that
    expire entries natively (Redis TTL) use it only to compute the TTL."""

    @abc.abstractmethod
    def put_pending(self, pending: PendingRequest, *, now: datetime) -> None:
        """Remember a request until ``pending.expires_at``. IDs are unique; an
        existing entry with the same ID is an error (IDs are 160 random bits)."""

    @abc.abstractmethod
    def take_pending(self, request_id: str, *, now: datetime) -> PendingRequest | None:
        """Atomically remove and return the request, or None when unknown or
        already taken. Exactly one caller ever gets a given request.

        A request past ``expires_at`` is still returned for :data:`EXPIRED_GRACE`
        so the caller can say "expired" instead of "unknown"; it checks
        :meth:`PendingRequest.expired` itself."""

    @abc.abstractmethod
    def mark_seen(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record ``key`` until ``expires_at``; True the first time, False when
        it is already recorded and not yet expired. Atomic across processes."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections; the store is unusable afterwards."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuplicateRequestId(ConfigError):
    reason = "request_id_duplicate"


#: How long an expired pending request is kept to report it as expired rather than unknown.
EXPIRED_GRACE = timedelta(hours=1)


def ttl_ms(expires_at: datetime, now: datetime) -> int:
    """Milliseconds until ``expires_at`` (at least 1, so a store never keeps a dead entry forever)."""
    delta = _aware(expires_at) - _aware(now)
    return max(1, int(delta.total_seconds() * 1000))


def open_store(url: str, *, key_prefix: str = "ehkit:") -> StateStore:
    """A store from a URL: ``memory://``, ``sqlite:///relative.db``,
    ``sqlite:////absolute/path.db`` or ``redis://host:port/db`` (``rediss://`` for TLS)."""
    from urllib.parse import urlsplit

    scheme = urlsplit(url).scheme
    if scheme == "memory":
        from ehkit.sp.stores.memory import MemoryStore

        return MemoryStore()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
            raise ConfigError(f"{url!r}: write sqlite:///state.db or sqlite:////absolute/state.db", reason="store_url")
        from ehkit.sp.stores.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///") :])
    if scheme in ("redis", "rediss"):
        from ehkit.sp.stores.redis import RedisStore

        return RedisStore.from_url(url, key_prefix=key_prefix)
    raise ConfigError(
        f"unknown state store {url!r} (use memory://, sqlite:///path or redis://host:port/db)", reason="store_url"
    )
