"""Every login attempt leaves exactly one event on the ``ehkit.audit`` logger.

The application's logging is configured the way most are: a handler on the
root logger and the root level left at Python's default (WARNING). Nothing
here raises the audit logger's level by hand (no ``caplog.at_level``), so the
tests see what a deployment sees.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import httpx
import pytest

from ehkit.errors import LoginCancelled, LoginRejected
from ehkit.saml import constants as c
from ehkit.saml.artifact import Artifact
from ehkit.sp.artifact_client import ArtifactClient, Timeouts
from support import network as n
from support.scenario import Scenario


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "ehkit.audit":
            self.events.append(record.ehkit_event)  # type: ignore[attr-defined]


@pytest.fixture
def audit() -> Iterator[_Collect]:
    """A handler on the root logger, root level at the default WARNING (as in an app
    that only called ``logging.basicConfig()``), and ``ehkit.audit`` as a fresh process
    has it: other tests in the session (the demo console) reconfigure it, so it is reset
    and ``ehkit.sp.audit`` applies its import-time default again."""
    import importlib

    import ehkit.sp.audit

    root = logging.getLogger()
    audit_logger = logging.getLogger("ehkit.audit")
    saved = (audit_logger.level, audit_logger.propagate, audit_logger.disabled, list(audit_logger.handlers))
    for h in saved[3]:
        audit_logger.removeHandler(h)
    audit_logger.setLevel(logging.NOTSET)
    audit_logger.propagate, audit_logger.disabled = True, False
    listeners = list(ehkit.sp.audit._listeners)  # installed by others (metrics): they outlive the reload
    importlib.reload(ehkit.sp.audit)  # the module's own default, exactly as at first import
    for listener in listeners:
        ehkit.sp.audit.add_listener(listener)
    handler = _Collect()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        audit_logger.setLevel(saved[0])
        audit_logger.propagate, audit_logger.disabled = saved[1], saved[2]
        for h in saved[3]:
            audit_logger.addHandler(h)


def test_a_successful_login_is_audited_with_default_logging(net, messages, t0, audit):
    s = Scenario(net, messages, t0)
    result = s.submit()
    assert [(e["outcome"], e["request_id"]) for e in audit.events] == [("success", result.request_id)]
    assert audit.events[0]["loa"] == "EH3"


def test_a_cancel_is_audited_with_default_logging(net, messages, t0, audit):
    s = Scenario(net, messages, t0)

    def cancelled(root):
        from ehkit.xml.ns import SAMLP, q
        from support.reference_messages import response_of

        status = response_of(root).find(q(SAMLP, "Status"))
        code = status.find(q(SAMLP, "StatusCode"))
        code.set("Value", c.STATUS_RESPONDER)
        sub = code.makeelement(q(SAMLP, "StatusCode"), {"Value": c.STATUS_AUTHN_FAILED})
        code.append(sub)

    with pytest.raises(LoginCancelled):
        s.submit(edit=cancelled)
    assert [e["outcome"] for e in audit.events] == ["cancelled"]


def test_one_event_per_attempt_success_and_failure(net, messages, t0, audit):
    s = Scenario(net, messages, t0)
    first = s.build()
    s.submit(first)
    with pytest.raises(LoginRejected):
        s.submit(first)  # the same message again: a replay
    with pytest.raises(LoginRejected):
        s.submit(b"<not-saml/>")
    assert [(e["outcome"], e["reason"]) for e in audit.events] == [
        ("success", None),
        ("rejected", "replay"),
        ("rejected", "message_type_unexpected"),
    ]


def test_finish_login_attempts_are_audited(net, messages, t0, audit):
    s = Scenario(net, messages, t0)
    s.sp._artifact_client = ArtifactClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(503, content=b"down")), timeouts=Timeouts(1, 1)
    )
    with pytest.raises(LoginRejected):
        s.sp.finish_login(saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=s.start.relay_state, now=s.now)
    with pytest.raises(LoginRejected):
        s.sp.finish_login(saml_response=base64.b64encode(b"<x/>").decode(), now=s.now)
    assert [(e["outcome"], e["binding"]) for e in audit.events] == [("rejected", "artifact"), ("rejected", "post")]


def test_an_application_can_still_silence_the_audit_logger(net, messages, t0, audit):
    """The default level is a default: an explicit level set by the application wins."""
    logger = logging.getLogger("ehkit.audit")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        Scenario(net, messages, t0).submit()
    finally:
        logger.setLevel(old)
    assert audit.events == []


def test_correlation_id_is_kept_when_printable_and_replaced_otherwise(caplog):
    import contextvars

    # In a copy of the context: the id bound here must not follow later tests in this thread.
    contextvars.copy_context().run(_correlation_checks, caplog)


def _correlation_checks(caplog):
    import logging

    from ehkit.sp.audit import AuditEvent, CorrelationFilter, bind_correlation_id, correlation_id

    assert bind_correlation_id("req-42") == "req-42" == correlation_id()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    assert CorrelationFilter().filter(record) and record.correlation_id == "req-42"
    with caplog.at_level(logging.INFO, logger="ehkit.audit"):
        event = AuditEvent().emit("success")
    assert event["correlation_id"] == "req-42"
    for hostile in ("line\nbreak", "x" * 129, ""):
        made = bind_correlation_id(hostile)
        assert made != hostile and len(made) == 32 and made.isalnum()
