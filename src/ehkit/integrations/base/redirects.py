"""Where a user may be sent back to: a path on this site, never anywhere else.

``next`` arrives in a query string anyone can write. It is accepted as a
relative path (checked by :func:`ehkit.sp.relay_state.check_target`: no
``//host``, no backslashes, no control characters), or as an absolute URL of
exactly this site's origin, which is reduced to its path. Anything else is
refused: the user lands on the configured default instead, and the attempt is
logged. The target never travels to the broker either way: ehkit keeps it in
the pending request and sends an opaque RelayState.
"""

from __future__ import annotations

import logging
from urllib.parse import SplitResult, urlsplit, urlunsplit

from ehkit.errors import ValidationError
from ehkit.sp.relay_state import check_target

log = logging.getLogger("ehkit.integrations")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number never matches
        return -1


def same_origin(a: str, b: str) -> bool:
    """Scheme, host and port equal (default ports filled in)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (
        bool(pa.hostname)
        and pa.scheme.lower() == pb.scheme.lower()
        and (pa.hostname or "").lower() == (pb.hostname or "").lower()
        and _port(pa) == _port(pb)
    )


def safe_next(value: str | None, origin: str) -> str | None:
    """The path to return to, or None when ``value`` is empty or not a target on ``origin``."""
    if not value:
        return None
    candidate = value
    if not value.startswith("/"):
        parts = urlsplit(value)
        if not (parts.scheme and parts.netloc) or not same_origin(value, origin):
            log.warning("refused a return address outside this site: %.120r", value)
            return None
        candidate = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        return check_target(candidate)
    except ValidationError as exc:
        log.warning("refused a return address: %s", exc.message)
        return None
