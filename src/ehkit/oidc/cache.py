"""When to fetch the provider's discovery document and keys again, with time passed in.

The rules, chosen so that a provider outage or a hostile answer never leaves
the relying party without keys it had good reason to trust:

* a good copy is used for ``cache_time``; after half of it a refresh is tried
  on the next use, and a failed refresh keeps the last good copy (until the
  cache time is over) instead of breaking logins;
* after a failed fetch the next attempt waits ``retry_after``, so an outage
  does not make every login wait for a timeout;
* a token signed with an unknown ``kid`` may trigger one extra fetch (the
  provider may have rotated its keys), at most once per ``min_refetch``, so a
  stream of forged kids cannot turn the relying party into a load generator.

The cache never fetches itself: :mod:`ehkit.oidc.client` asks it what to do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

__all__ = ["CachePolicy", "DocumentCache"]

T = TypeVar("T")


@dataclass(frozen=True)
class CachePolicy:
    cache_time: timedelta
    retry_after: timedelta = timedelta(seconds=30)
    min_refetch: timedelta = timedelta(seconds=60)

    @property
    def refresh_after(self) -> timedelta:
        return self.cache_time / 2


class DocumentCache(Generic[T]):
    """The last good copy of one document and the times that govern it. Thread-safe."""

    def __init__(self, policy: CachePolicy) -> None:
        self.policy = policy
        self._value: T | None = None
        self._fetched_at: datetime | None = None
        self._failed_at: datetime | None = None
        self._forced_at: datetime | None = None
        self.last_error: str | None = None
        self.lock = threading.Lock()

    # -- questions

    def current(self, now: datetime) -> T | None:
        """The good copy if it is still within its cache time."""
        if self._value is None or self._fetched_at is None:
            return None
        if now >= self._fetched_at + self.policy.cache_time:
            return None
        return self._value

    def should_fetch(self, now: datetime) -> bool:
        """Is a fetch due now (none yet, or the copy is old), and not held back after a failure?"""
        if self._failed_at is not None and now < self._failed_at + self.policy.retry_after:
            return False
        if self._fetched_at is None:
            return True
        return now >= self._fetched_at + self.policy.refresh_after

    def may_force(self, now: datetime) -> bool:
        """May an unknown ``kid`` trigger a fetch now?"""
        return self._forced_at is None or now >= self._forced_at + self.policy.min_refetch

    # -- outcomes

    def forced(self, now: datetime) -> None:
        self._forced_at = now

    def store(self, value: T, now: datetime) -> None:
        self._value = value
        self._fetched_at = now
        self._failed_at = None
        self.last_error = None

    def failed(self, error: str, now: datetime) -> None:
        self._failed_at = now
        self.last_error = error

    @property
    def fetched_at(self) -> datetime | None:
        return self._fetched_at
