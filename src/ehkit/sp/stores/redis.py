"""Redis store: shared by every app server. Entries expire by Redis TTL.

Taking a pending request is ``GETDEL`` (one atomic command; a Lua script on
servers older than 6.2), so of two app servers racing on one InResponseTo
exactly one gets the request. The replay cache is ``SET key NX PX ttl``.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from ehkit.errors import ConfigError
from ehkit.sp.stores.base import EXPIRED_GRACE, DuplicateRequestId, PendingRequest, StateStore, _aware, ttl_ms

_GETDEL_LUA = "local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v"


class RedisStore(StateStore):
    def __init__(self, client: Any, *, key_prefix: str = "ehkit:") -> None:
        self._client = client
        self._prefix = key_prefix
        self._getdel_supported: bool | None = None

    @classmethod
    def from_url(cls, url: str, *, key_prefix: str = "ehkit:", socket_timeout: float = 2.0) -> RedisStore:
        try:
            import redis
        except ImportError:
            raise ConfigError(
                "the Redis state store needs the redis package (pip install 'ehkit[redis]')", reason="store_unavailable"
            ) from None
        client = redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        return cls(client, key_prefix=key_prefix)

    def _pending_key(self, request_id: str) -> str:
        return f"{self._prefix}pending:{request_id}"

    def _seen_key(self, key: str) -> str:
        return f"{self._prefix}seen:{key}"

    def put_pending(self, pending: PendingRequest, *, now: datetime) -> None:
        # Kept past its expiry for EXPIRED_GRACE, so a late answer is reported as expired, not unknown.
        ttl = ttl_ms(_aware(pending.expires_at) + EXPIRED_GRACE, now)
        if not self._client.set(self._pending_key(pending.request_id), pending.to_json(), nx=True, px=ttl):
            raise DuplicateRequestId(f"request ID {pending.request_id} is already pending")

    def take_pending(self, request_id: str, *, now: datetime) -> PendingRequest | None:
        key = self._pending_key(request_id)
        raw = self._getdel(key)
        if raw is None:
            return None
        return PendingRequest.from_json(raw)

    def _getdel(self, key: str) -> Any:
        if self._getdel_supported is not False:
            try:
                value = self._client.getdel(key)
                self._getdel_supported = True
                return value
            except Exception as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._getdel_supported = False
        return self._client.eval(_GETDEL_LUA, 1, key)

    def mark_seen(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        return bool(self._client.set(self._seen_key(key), b"1", nx=True, px=ttl_ms(expires_at, now)))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing is best effort: the pool may already be gone
            self._client.close()
