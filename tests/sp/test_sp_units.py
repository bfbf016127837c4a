"""Small units: RelayState targets and tokens, audit events, settings checks."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest

from ehkit.errors import ConfigError, LoginCancelled, LoginFailed, LoginRejected, ValidationError
from ehkit.sp import relay_state as relay
from ehkit.sp.audit import AuditEvent, keyed_hash
from support import network as n


@pytest.mark.parametrize("target", ["/", "/aanvraag/42", "/a?b=c&d=%20e#frag", "/" + "x" * 2047])
def test_accepted_targets(target):
    assert relay.check_target(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "",
        "aanvraag",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/a\\b",
        "/a b",
        "/a\tb",
        "/\u00e9",
        "/" + "x" * 2048,
        "javascript:alert(1)",
        None,
    ],
)
def test_refused_targets(target):
    with pytest.raises(ValidationError) as info:
        relay.check_target(target)
    assert info.value.reason == "relay_target_invalid"


def test_tokens():
    token = relay.new_token()
    assert len(token) == 22 and token != relay.new_token()
    relay.check_token(token, token)
    relay.check_token("anything", None)  # we sent none: ignored
    for bad in (None, token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x" * 80):
        with pytest.raises(LoginRejected) as info:
            relay.check_token(bad, token)
        assert info.value.reason == "relay_state_invalid"


def test_audit_event_is_emitted_once_as_json(caplog):
    event = AuditEvent()
    event.set(request_id="_r", service="s", loa=None)
    with caplog.at_level(logging.INFO, logger="ehkit.audit"):
        event.emit("success")
        event.emit("rejected", "x")
    (record,) = caplog.records
    data = json.loads(record.getMessage())
    assert data["outcome"] == "success" and data["request_id"] == "_r" and "loa" not in data
    assert record.ehkit_event == data


@pytest.mark.parametrize(
    "exc,outcome,level",
    [
        (LoginCancelled("c"), "cancelled", logging.INFO),
        (LoginFailed("f", reason="request_unsupported"), "failed", logging.WARNING),
        (LoginRejected("r", reason="replay"), "rejected", logging.WARNING),
        (RuntimeError("boom"), "error", logging.WARNING),
    ],
)
def test_audit_outcomes(caplog, exc, outcome, level):
    with caplog.at_level(logging.INFO, logger="ehkit.audit"):
        data = AuditEvent().emit_error(exc)
    assert data["outcome"] == outcome
    assert caplog.records[0].levelno == level


def test_keyed_hash_depends_on_key_and_type():
    assert keyed_hash(b"k1", "KVK", "12345678") != keyed_hash(b"k2", "KVK", "12345678")
    assert keyed_hash(b"k1", "KVK", "12345678") != keyed_hash(b"k1", "RSIN", "12345678")
    assert "12345678" not in keyed_hash(b"k1", "KVK", "12345678")


def test_settings_checks(net):
    with pytest.raises(ConfigError):
        net.settings(response_binding="post", post_acs_url=None)
    with pytest.raises(ConfigError):
        net.settings(services=(*net.services(), net.services()[0]))
    with pytest.raises(ConfigError):
        replace(net.services()[0], service_id=n.OTHER_SERVICE_ID)
    with pytest.raises(ValidationError):
        net.settings(entity_id="urn:etoegang:DV:123:entities:1")


def test_core_imports_no_http_client():
    """The sans-IO core: importing the SP does not pull in httpx (only artifact resolution and
    the metadata cache use it, imported when used)."""
    import subprocess
    import sys

    code = "import sys, ehkit.sp, ehkit.sp.provider, ehkit.saml.response; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
