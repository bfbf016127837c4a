"""``open_store(url)``: a state store from a URL.

The factory lives apart from :mod:`ehkit.sp.stores.base` so the dependency
points one way: every backend imports the contract in ``base``, and only this
module knows the backends. Each backend is imported when its scheme is asked
for, so a DV without the ``redis`` extra never imports it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ehkit.errors import ConfigError
from ehkit.sp.stores.base import StateStore

__all__ = ["open_store"]


def open_store(url: str, *, key_prefix: str = "ehkit:") -> StateStore:
    """A store from a URL: ``memory://``, ``sqlite:///relative.db``,
    ``sqlite:////absolute/path.db`` or ``redis://host:port/db`` (``rediss://`` for TLS)."""
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
