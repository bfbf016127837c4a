"""ehkit.ops.metrics and ehkit.ops.health on a ServiceProvider built from ehkit.toml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from ehkit.ops.health import provider_health
from ehkit.ops.metrics import EhkitMetrics
from ehkit.sp import ServiceProvider
from ehkit.sp.audit import AuditEvent, record_phase


@pytest.fixture
def sp(doctor_env):
    provider = ServiceProvider.from_config(doctor_env.toml)
    yield provider
    provider.close()


def _value(metrics, name, **labels):
    return metrics.registry.get_sample_value(name, labels or None)


def test_audit_events_are_counted_by_outcome_and_reason():
    metrics = EhkitMetrics(CollectorRegistry()).install()
    try:
        event = AuditEvent()
        record_phase("artifact_resolution", 0.25)
        event.emit("success")
        AuditEvent().emit("rejected", "signature_invalid")
        AuditEvent().emit("rejected", "signature_invalid")
    finally:
        metrics.uninstall()
    AuditEvent().emit("rejected", "signature_invalid")  # after uninstall: not counted
    assert _value(metrics, "ehkit_logins_total", outcome="success", reason="none") == 1
    assert _value(metrics, "ehkit_logins_total", outcome="rejected", reason="signature_invalid") == 2
    assert _value(metrics, "ehkit_artifact_resolution_seconds_count") == 1
    assert _value(metrics, "ehkit_artifact_resolution_seconds_sum") == pytest.approx(0.25)
    assert _value(metrics, "ehkit_login_validation_seconds_count") == 3


def test_state_gauges_follow_the_clock(sp, doctor_env):
    moment = datetime.now(UTC)
    metrics = EhkitMetrics(CollectorRegistry(), clock=lambda: moment).watch(sp)
    sp.metadata(now=moment)
    cert = sp.settings.signing_key.certificate
    days = _value(metrics, "ehkit_certificate_days_left", role="signing", key_name=sp.settings.signing_key.key_name)
    assert days == pytest.approx((cert.not_valid_after_utc - moment).total_seconds() / 86400)
    broker = sp.settings.broker_entity_id
    assert _value(metrics, "ehkit_metadata_age_seconds", broker=broker) == pytest.approx(0, abs=1)
    moment += timedelta(hours=3)
    assert _value(metrics, "ehkit_metadata_age_seconds", broker=broker) == pytest.approx(3 * 3600, abs=1)
    assert _value(metrics, "ehkit_metadata_valid_seconds", broker=broker) > 0
    body, content_type = metrics.render()
    assert b"ehkit_certificate_days_left" in body and content_type.startswith("text/plain")


def test_a_failed_refresh_shows_in_metrics_and_health(sp, doctor_env):
    now = datetime.now(UTC)
    metrics = EhkitMetrics(CollectorRegistry(), clock=lambda: now).watch(sp)
    sp.metadata(now=now)
    (doctor_env.dir / "broker" / "metadata.xml").write_bytes(b"<broken/>")
    assert sp.metadata_source.refresh(now=now) is False
    reason = sp.metadata_source.last_refresh.reason
    broker = sp.settings.broker_entity_id
    assert reason and _value(metrics, "ehkit_metadata_last_refresh_success", broker=broker, reason=reason) == 0
    status, doc = provider_health(sp, now=now)
    assert status == 200 and doc["status"] == "degraded"  # the last good copy still serves logins
    assert doc["metadata"]["last_refresh"]["ok"] is False


def test_health_is_down_without_metadata_or_store(doctor_env):
    doctor_env.edit('metadata_file = "broker/metadata.xml"', 'metadata_url = "http://127.0.0.1:9/metadata"')
    doctor_env.edit('store = "sqlite:///state.db"', 'store = "redis://127.0.0.1:9/0"')
    sp = ServiceProvider.from_config(doctor_env.toml)
    try:
        status, doc = provider_health(sp)
    finally:
        sp.close()
    assert status == 503 and doc["status"] == "down"
    assert any(p.startswith("metadata:") for p in doc["problems"]) and doc["store"] == "error"
