"""RelayState: where the user goes after login, without trusting the browser.

The afsprakenstelsel allows a RelayState of at most 80 bytes that the broker
echoes unchanged and that must be tamper-proof. ehkit never puts the
application's target in it: the target (a relative path on this site) stays
in the pending request in the store, and the RelayState is an opaque random
token bound to that request. A changed, missing or foreign token is refused;
an external URL cannot even be registered (catalogue case 72).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from ehkit.errors import LoginRejected, ValidationError

MAX_RELAY_STATE_BYTES = 80
MAX_TARGET_LENGTH = 2048


def check_target(target: str) -> str:
    """Accept only a relative path on this site: ``/aanvraag/42?stap=2``.

    Refused: absolute URLs, scheme-relative ``//host``, backslashes (browsers
    read ``/\\host`` as ``//host``), control characters, whitespace and
    non-ASCII (percent-encode it), and anything over 2048 characters.
    """
    if not isinstance(target, str) or not target:
        raise ValidationError("the return target must be a non-empty relative path", reason="relay_target_invalid")
    if len(target) > MAX_TARGET_LENGTH:
        raise ValidationError(
            f"the return target is longer than {MAX_TARGET_LENGTH} characters", reason="relay_target_invalid"
        )
    if not target.isascii() or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        raise ValidationError(
            "the return target may hold only visible ASCII without backslashes (percent-encode the rest)",
            reason="relay_target_invalid",
        )
    if not target.startswith("/") or target.startswith("//"):
        raise ValidationError(
            f"the return target must be a path on this site starting with a single '/', got {target[:80]!r}",
            reason="relay_target_invalid",
        )
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        raise ValidationError("the return target must not name a scheme or host", reason="relay_target_invalid")
    return target


def new_token() -> str:
    """22 URL-safe characters (128 random bits): well under the 80-byte limit."""
    return secrets.token_urlsafe(16)


def check_token(received: str | None, expected: str | None) -> None:
    """Compare the echoed RelayState with the token of the pending request.

    When we sent none, whatever comes back is ignored (it is never used).
    """
    if expected is None:
        return
    if received is None:
        raise LoginRejected("the RelayState we sent did not come back", reason="relay_state_invalid")
    raw = received.encode("utf-8", "replace")
    if len(raw) > MAX_RELAY_STATE_BYTES:
        raise LoginRejected(f"RelayState is longer than {MAX_RELAY_STATE_BYTES} bytes", reason="relay_state_invalid")
    if not hmac.compare_digest(raw, expected.encode("ascii")):
        raise LoginRejected("RelayState does not belong to this login", reason="relay_state_invalid")
