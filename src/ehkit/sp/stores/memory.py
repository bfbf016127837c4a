"""In-process store: fine for one worker process and for tests. Not shared
between processes, so with several workers use SQLite or Redis."""

from __future__ import annotations

import threading
from datetime import datetime

from ehkit.sp.stores.base import EXPIRED_GRACE, DuplicateRequestId, PendingRequest, StateStore, _aware

_PURGE_EVERY = 256


class MemoryStore(StateStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, PendingRequest] = {}
        self._seen: dict[str, datetime] = {}
        self._ops = 0

    def _maybe_purge(self, now: datetime) -> None:
        self._ops += 1
        if self._ops % _PURGE_EVERY:
            return
        self._pending = {k: v for k, v in self._pending.items() if not v.expired(now - EXPIRED_GRACE)}
        self._seen = {k: v for k, v in self._seen.items() if v > now}

    def put_pending(self, pending: PendingRequest, *, now: datetime) -> None:
        now = _aware(now)
        with self._lock:
            self._maybe_purge(now)
            existing = self._pending.get(pending.request_id)
            if existing is not None and not existing.expired(now):
                raise DuplicateRequestId(f"request ID {pending.request_id} is already pending")
            self._pending[pending.request_id] = pending

    def take_pending(self, request_id: str, *, now: datetime) -> PendingRequest | None:
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None or pending.expired(_aware(now) - EXPIRED_GRACE):
            return None
        return pending

    def mark_seen(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        now = _aware(now)
        with self._lock:
            self._maybe_purge(now)
            current = self._seen.get(key)
            if current is not None and current > now:
                return False
            self._seen[key] = _aware(expires_at)
            return True
