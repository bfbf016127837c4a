"""One structured audit event per login attempt, on the ``ehkit.audit`` logger.

The event is a JSON object (also attached as ``record.ehkit_event`` for
structured handlers): request ID, service, outcome, reason code, level of
assurance, broker, binding, duration. Identifiers never appear in clear: when
an ``audit_key`` is configured, the legal and acting subjects are included as
keyed hashes (HMAC-SHA256, first 16 bytes, hex), which lets an auditor
correlate logins of one company without the log revealing who it is.

Successes and cancels are INFO, everything else WARNING. The logger sets its
own level to INFO when the application has not set one: otherwise Python's
default root level (WARNING) drops every successful login while keeping the
failures, and the audit log would hold only half of the attempts. An explicit
level set by the application (``logging.getLogger("ehkit.audit").setLevel``)
is left alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from ehkit.errors import LoginCancelled, LoginFailed, LoginRejected

logger = logging.getLogger("ehkit.audit")
if logger.level == logging.NOTSET:
    logger.setLevel(logging.INFO)


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class AuditEvent:
    """Filled in as the login proceeds; :meth:`emit` writes it once."""

    started: float = field(default_factory=time.perf_counter)
    fields: dict[str, Any] = field(default_factory=dict)
    emitted: bool = False

    def set(self, **values: Any) -> None:
        self.fields.update({k: v for k, v in values.items() if v is not None})

    def emit(self, outcome: str, reason: str | None = None) -> dict[str, Any]:
        if self.emitted:
            return self.fields
        self.emitted = True
        event = {
            "event": "ehkit.login",
            "outcome": outcome,
            "reason": reason,
            **self.fields,
            "duration_ms": round((time.perf_counter() - self.started) * 1000, 2),
        }
        level = logging.INFO if outcome in ("success", "cancelled") else logging.WARNING
        if logger.isEnabledFor(level):
            logger.log(
                level,
                json.dumps(event, separators=(",", ":"), sort_keys=True, default=str),
                extra={"ehkit_event": event},
            )
        return event

    def emit_error(self, exc: BaseException) -> dict[str, Any]:
        if isinstance(exc, LoginCancelled):
            return self.emit("cancelled", exc.reason)
        if isinstance(exc, LoginFailed):
            return self.emit("failed", exc.reason)
        if isinstance(exc, LoginRejected):
            return self.emit("rejected", exc.reason)
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return self.emit("error", reason)
