"""One structured audit event per login attempt, on the ``ehkit.audit`` logger.

The event is a JSON object (also attached as ``record.ehkit_event`` for
structured handlers): request ID, service, outcome, reason code, level of
assurance, broker, binding, duration. Identifiers never appear in clear: when
an ``audit_key`` is configured, the legal and acting subjects are included as
keyed hashes (HMAC-SHA256, first 16 bytes, hex), which lets an auditor
correlate logins of one company without the log revealing who it is.

Every event carries the request's ``correlation_id`` when the web layer set
one (:func:`bind_correlation_id`, from ``X-Request-ID`` or made up), so the
audit line, the application's own log lines and the proxy's access log of one
login can be found together; ``phases_ms`` holds the time spent in named
phases (``artifact_resolution``). Listeners (:func:`add_listener`, used by
:mod:`ehkit.ops.metrics`) receive every event as a dict.

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
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ehkit.errors import LoginCancelled, LoginFailed, LoginRejected

logger = logging.getLogger("ehkit.audit")
if logger.level == logging.NOTSET:
    logger.setLevel(logging.INFO)


Listener = Callable[[dict[str, Any]], None]
_listeners: list[Listener] = []
_correlation: ContextVar[str | None] = ContextVar("ehkit_correlation_id", default=None)
_phases: ContextVar[dict[str, float] | None] = ContextVar("ehkit_audit_phases", default=None)
_CORRELATION_MAX = 128


def add_listener(listener: Listener) -> None:
    """Call ``listener(event)`` for every emitted audit event (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def bind_correlation_id(value: str | None = None) -> str:
    """Set the correlation id of the current request (thread or task) and return it.

    A value from the caller (an ``X-Request-ID`` header) is kept when it is short and printable;
    anything else is replaced by a fresh random id, so a client cannot inject log lines.
    """
    if value is None or not (0 < len(value) <= _CORRELATION_MAX) or not all(33 <= ord(ch) < 127 for ch in value):
        value = uuid.uuid4().hex
    _correlation.set(value)
    return value


def correlation_id() -> str | None:
    """The current request's correlation id, if the web layer bound one."""
    return _correlation.get()


class CorrelationFilter(logging.Filter):
    """Adds ``record.correlation_id`` (or ``-``) so a format string can show it on every line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation.get() or "-"
        return True


def record_phase(name: str, seconds: float) -> None:
    """Add the time of a named phase to the login being audited in this context (if any)."""
    phases = _phases.get()
    if phases is not None:
        phases[name] = phases.get(name, 0.0) + seconds


def keyed_hash(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass
class AuditEvent:
    """Filled in as the login proceeds; :meth:`emit` writes it once."""

    started: float = field(default_factory=time.perf_counter)
    fields: dict[str, Any] = field(default_factory=dict)
    emitted: bool = False
    phases: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _phases.set(self.phases)  # the phases of this login, recorded by code it calls

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
        cid = _correlation.get()
        if cid is not None:
            event["correlation_id"] = cid
        if self.phases:
            event["phases_ms"] = {k: round(v * 1000, 2) for k, v in self.phases.items()}
        if _phases.get() is self.phases:
            _phases.set(None)
        level = logging.INFO if outcome in ("success", "cancelled") else logging.WARNING
        if logger.isEnabledFor(level):
            logger.log(
                level,
                json.dumps(event, separators=(",", ":"), sort_keys=True, default=str),
                extra={"ehkit_event": event},
            )
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:  # a metrics bug must never fail a login
                logging.getLogger("ehkit.sp").exception("an audit listener failed")
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
